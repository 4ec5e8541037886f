//! # Disputes pallet: the on-chain referee
//!
//! A solver's result commits to a trace root over the state hash after every training step and
//! to the final model's hash ([`pallet_compute::TaskResult`]); the task names the dataset's
//! minibatch root and count. Anyone who can show that one step of that trace is wrong proves it
//! here, and the runtime itself re-executes the step with the engine the solver ran
//! (`aichain_engine::referee`), so a lying solver loses money whoever notices:
//!
//! - [`Pallet::prove_fraud`] (step `k`): the state after step `k − 1` with its proof against the
//!   trace root (none for `k = 1`: the program's initial state), minibatch `k` with its proof
//!   against the dataset root at the index the epoch order gives step `k`, and the solver's leaf
//!   `k` with its proof. The runtime runs the step and compares. A committed state that hashes
//!   correctly but is not a valid state, or a committed minibatch the step cannot train on, is
//!   the solver's fault too (an honest solver never commits through a step it cannot execute).
//! - [`Pallet::prove_model`]: the last state hashes to the solver's last leaf, but its model
//!   hash is not the posted one.
//! - [`Pallet::report_fraud`]: the same proofs from a verifier drawn for the result, fee-free,
//!   signed with its validator's `compute` session key, at most once per verifier and task.
//!
//! Signed proofs pay for the referee's full weight whether they succeed or not: a failing proof
//! is never free block space. A step proof names the referee cost it pays for
//! ([`Claim::Step::max_cost`], [`Pallet::referee_cost`] of the task's program, which the runtime
//! API [`runtime_api::DisputesApi`] gives); it is refused if the program costs more.
//!
//! **Outcome of a proven fraud**: [`DisputeParams::fraud_slash`] of the solver's stake is
//! slashed; [`DisputeParams::prover_share`] of it goes to the prover and the rest to the
//! Community Treasury ([`Config::Treasury`]); the submitter is refunded in full; the solver's
//! reputation drops to zero and the result is never paid (all through
//! [`pallet_compute::TaskDisputes::convict`]). Every verifier that attested a segment containing
//! the proven step forfeits its share (the task is refunded, so no share is paid), is left out of
//! verifier draws for [`DisputeParams::attester_exclusion`] blocks and is reported through
//! [`Config::BlindAttesters`] with [`DisputeParams::attester_slash`] (the solo runtime hands it
//! to pallet-offences, and staking slashes it).
//!
//! A proof is accepted only while the result is disputable: inside its challenge window, or
//! after it while a dispute opened inside it keeps the result unpaid, and before anything
//! settled it (a second proof on the same task finds it settled).
//!
//! **A solver that withholds its trace** is cornered by a bisection game ([`game`] for its
//! rules, [`game_impls`] for the calls): [`Pallet::open_game`] with a bond and a claim root,
//! [`Pallet::play`] (reveals against each side's root, then the referee move on the one step
//! left, or the model move when the last leaves agree), chess clocks settled by
//! [`Pallet::timeout`] and `on_initialize`; the parties' offchain workers play it fee-free
//! through [`Pallet::act`] ([`offchain`]). See `docs/disputes.md`.
//!
//! Layout: this file declares; calls hand over to `do_*` functions in [`dispatchable_impls`]
//! (fraud proofs) and [`game_impls`] (games).
//!
//! ## Invariants (checked by [`Pallet::do_try_state`])
//! - The parameters and the game parameters validate.
//! - Every verifier report on record for a disputable task is from a verifier drawn for it.
//! - The bonds held on [`Config::Escrow`] under [`HoldReason::GameBond`] equal the open games'
//!   bonds; the escrow account keeps its existential deposit.
//! - Every game is on the expiry agenda exactly once, at or after its cursor, and in its task's
//!   index; a task has no more games than open disputes.
//!
//! A slash is shared out in the call that convicts; the market's own invariants (escrow holds
//! equal the records) and issuance + burned = cap are checked by the tests after every block.

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]
#![cfg_attr(
	not(test),
	deny(
		clippy::arithmetic_side_effects,
		clippy::indexing_slicing,
		clippy::unwrap_used,
		clippy::expect_used,
		clippy::panic
	)
)]

extern crate alloc;

pub use pallet::*;
pub use types::*;

#[cfg(feature = "runtime-benchmarks")]
pub mod benchmarking;
pub mod dispatchable_impls;
pub mod game;
pub mod game_impls;
pub mod offchain;
#[cfg(test)]
mod mock;
pub mod runtime_api;
#[cfg(test)]
mod tests;
pub mod types;
pub mod weights;

pub use weights::WeightInfo;

use frame_support::traits::{fungible, tokens::fungible::Credit};

/// The balance type of the configured currency.
pub type BalanceOf<T> =
	<<T as Config>::Currency as fungible::Inspect<<T as frame_system::Config>::AccountId>>::Balance;
/// Funds taken from an account and not yet placed anywhere.
pub type CreditOf<T> = Credit<<T as frame_system::Config>::AccountId, <T as Config>::Currency>;
/// The parameters of a runtime.
pub type ParamsOf<T> = DisputeParams<frame_system::pallet_prelude::BlockNumberFor<T>>;
/// The game parameters of a runtime.
pub type GameParamsOf<T> =
	GameParams<BalanceOf<T>, frame_system::pallet_prelude::BlockNumberFor<T>>;
/// A game on record in a runtime.
pub type GameRecordOf<T> = GameRecord<
	<T as frame_system::Config>::AccountId,
	BalanceOf<T>,
	frame_system::pallet_prelude::BlockNumberFor<T>,
>;

const LOG_TARGET: &str = "runtime::disputes";

/// Who learns of a verifier that attested a segment containing a proven bad step (the solo
/// runtime reports it to pallet-offences, which staking slashes).
pub trait BlindAttesters<AccountId> {
	/// `verifier` attested the result of `task`, proven wrong at a step of its segment; `slash`
	/// is the share of its stake the chain's parameters ask for.
	fn report(verifier: &AccountId, task: pallet_compute::TaskId, slash: sp_runtime::Perbill);
}

impl<AccountId> BlindAttesters<AccountId> for () {
	fn report(_: &AccountId, _: pallet_compute::TaskId, _: sp_runtime::Perbill) {}
}

// The pallet macros expand to `expect` on values they construct themselves.
#[allow(clippy::expect_used)]
#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{
		pallet_prelude::*,
		traits::{Contains, OnUnbalanced},
	};
	use frame_system::pallet_prelude::*;
	use crate::game::Party;
	use pallet_compute::{OffchainKeys, TaskDisputes, TaskId};
	use sp_core::H256;

	/// The in-code storage version (the game's storage is new; nothing older changed).
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config:
		frame_system::Config + frame_system::offchain::CreateAuthorizedTransaction<Call<Self>>
	{
		/// The native currency (slashes are paid out in it, bonds are held in it).
		type Currency: fungible::Balanced<Self::AccountId>
			+ fungible::Mutate<Self::AccountId>
			+ fungible::MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The runtime's hold reasons ([`HoldReason::GameBond`] among them).
		type RuntimeHoldReason: From<HoldReason>;

		/// The account bonds are moved to and held on, under [`HoldReason::GameBond`]. It must
		/// exist (hold its existential deposit); the runtime uses the market's escrow account.
		/// A bond leaves its owner's account, as the market's escrow does, so that it can never
		/// cover a lock of that account.
		type Escrow: Get<Self::AccountId>;

		/// What of an account is locked or frozen (vesting, staking, votes): a bond is never
		/// taken out of it.
		type FrozenBalance: pallet_compute::FrozenBalance<Self::AccountId, BalanceOf<Self>>;

		/// Game parameters until governance sets them.
		#[pallet::constant]
		type DefaultGameParams: Get<GameParamsOf<Self>>;

		/// Expired games `on_initialize` settles per block at most (more wait for the next
		/// block; a party can always settle one at once with [`Pallet::timeout`]).
		#[pallet::constant]
		type MaxSettlesPerBlock: Get<u32>;

		/// The compute market whose results are disputed.
		type Market: TaskDisputes<
			Self::AccountId,
			Balance = BalanceOf<Self>,
			Credit = CreditOf<Self>,
			BlockNumber = BlockNumberFor<Self>,
		>;

		/// Receives the share of a slash the prover does not get (the Community Treasury).
		type Treasury: OnUnbalanced<CreditOf<Self>>;

		/// Told about verifiers that attested a result proven wrong inside their segment.
		type BlindAttesters: BlindAttesters<Self::AccountId>;

		/// Sets [`Params`].
		type GovernanceOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Parameters until governance sets them.
		#[pallet::constant]
		type DefaultParams: Get<ParamsOf<Self>>;

		/// The key a verifier signs its reports with (the market's offchain key).
		type OffchainKey: Member + Parameter + MaxEncodedLen + sp_runtime::RuntimeAppPublic + Ord;

		/// Who holds which offchain key (the market's lookup).
		type OffchainKeys: OffchainKeys<Self::AccountId, Self::OffchainKey>;

		/// Weights of the calls.
		type WeightInfo: WeightInfo;

		/// Creates a disputable task for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: crate::benchmarking::BenchmarkHelper<
			Self::AccountId,
			Self::OffchainKey,
		>;
	}

	/// The referee's parameters.
	#[pallet::storage]
	pub type Params<T: Config> = StorageValue<_, ParamsOf<T>, ValueQuery, T::DefaultParams>;

	/// The bisection game's parameters.
	#[pallet::storage]
	pub type GameParameters<T: Config> =
		StorageValue<_, GameParamsOf<T>, ValueQuery, T::DefaultGameParams>;

	/// The id the next game gets.
	#[pallet::storage]
	pub type NextGameId<T: Config> = StorageValue<_, GameId, ValueQuery>;

	/// Games being played (a game is removed when it ends).
	#[pallet::storage]
	pub type Games<T: Config> = CountedStorageMap<_, Twox64Concat, GameId, GameRecordOf<T>>;

	/// The games being played on each task, by challenger: one game per challenger and task at
	/// a time.
	#[pallet::storage]
	pub type GamesOf<T: Config> =
		StorageDoubleMap<_, Twox64Concat, TaskId, Twox64Concat, T::AccountId, GameId, OptionQuery>;

	/// Drawn verifiers that have opened their one fee-free game on a task. Cleared when the
	/// result is disproved, and when the verifier's game ends after the window (no opening is
	/// possible then); a verifier that lost its game inside the window keeps its mark until the
	/// task is disproved or forever (one entry per such verifier and task).
	#[pallet::storage]
	pub type VerifierOpened<T: Config> =
		StorageDoubleMap<_, Twox64Concat, TaskId, Twox64Concat, T::AccountId, (), OptionQuery>;

	/// Each game under the first block its due party is out of time in (its deadline + 1):
	/// `on_initialize` settles them from [`ExpiryCursor`] on.
	#[pallet::storage]
	pub type Expiries<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		Twox64Concat,
		GameId,
		(),
		OptionQuery,
	>;

	/// The oldest block of [`Expiries`] that may still hold games to settle.
	#[pallet::storage]
	pub type ExpiryCursor<T: Config> = StorageValue<_, BlockNumberFor<T>, ValueQuery>;

	/// Fraud reports drawn verifiers have sent, by task: one each, whatever its outcome.
	/// Cleared when the task's result is disproved.
	#[pallet::storage]
	pub type Reported<T: Config> =
		StorageDoubleMap<_, Twox64Concat, TaskId, Twox64Concat, T::AccountId, (), OptionQuery>;

	/// Verifiers left out of verifier draws until the block given (they attested a segment
	/// containing a proven bad step).
	#[pallet::storage]
	pub type Excluded<T: Config> =
		StorageMap<_, Twox64Concat, T::AccountId, BlockNumberFor<T>, OptionQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Each party's chess clock, if not [`Config::DefaultGameParams`]'s (dev and local
		/// chains play games in minutes).
		pub game_clock: Option<BlockNumberFor<T>>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			if let Some(clock) = self.game_clock {
				let params = GameParams { clock, ..T::DefaultGameParams::get() };
				assert!(params.validate().is_ok(), "the genesis game clock must validate");
				GameParameters::<T>::put(params);
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A fraud proof succeeded: the solver was slashed `slashed`, of which the prover got
		/// `reward` and the treasury the rest; the submitter was refunded (see the market's
		/// events).
		FraudProven {
			/// The task.
			task: TaskId,
			/// The solver proven wrong.
			solver: T::AccountId,
			/// Who proved it.
			prover: T::AccountId,
			/// The step proven wrong (0 for the model).
			step: u32,
			/// How the solver was wrong.
			fault: Fault,
			/// Slashed from the solver's stake.
			slashed: BalanceOf<T>,
			/// Paid to the prover.
			reward: BalanceOf<T>,
			/// Paid to the treasury.
			to_treasury: BalanceOf<T>,
		},
		/// A drawn verifier's fraud report proved nothing; it may not report on this task again.
		ReportRefused {
			/// The task.
			task: TaskId,
			/// The verifier.
			verifier: T::AccountId,
			/// Why, as the error a signed proof would have failed with.
			error: DispatchError,
		},
		/// A verifier attested a segment containing the proven bad step: no share, and no
		/// verifier draws until `until`.
		AttesterPenalized {
			/// The task.
			task: TaskId,
			/// The verifier.
			verifier: T::AccountId,
			/// Excluded from verifier draws up to this block.
			until: BlockNumberFor<T>,
		},
		/// Governance set the parameters.
		ParamsSet {
			/// The new parameters.
			params: ParamsOf<T>,
		},
		/// A challenger opened a game on a task's result over steps `from + 1..=to`; its bond
		/// went into escrow. The result is frozen until the game ends.
		GameOpened {
			/// The game.
			game: GameId,
			/// The task.
			task: TaskId,
			/// Who opened it.
			challenger: T::AccountId,
			/// The bond it posted.
			bond: BalanceOf<T>,
			/// Leaf agreed on.
			from: u32,
			/// Leaf disputed.
			to: u32,
		},
		/// A party revealed its leaf `step`.
		Revealed {
			/// The game.
			game: GameId,
			/// Who.
			by: Party,
			/// The leaf's step.
			step: u32,
			/// The hash revealed.
			hash: H256,
		},
		/// A game ended.
		GameEnded {
			/// The game.
			game: GameId,
			/// The task.
			task: TaskId,
			/// Who won.
			winner: Party,
			/// How.
			end: GameEnd,
		},
		/// The solver lost a game: `slashed` was taken from its stake, `reward` of it paid to
		/// the challenger and the rest to the treasury; the submitter was refunded (see the
		/// market's events).
		GameSlash {
			/// The game.
			game: GameId,
			/// The solver.
			solver: T::AccountId,
			/// Slashed from its stake.
			slashed: BalanceOf<T>,
			/// Paid to the challenger.
			reward: BalanceOf<T>,
			/// Paid to the treasury.
			to_treasury: BalanceOf<T>,
		},
		/// A challenger's bond went back to it (it won, or the game became moot).
		BondReturned {
			/// The game.
			game: GameId,
			/// The challenger.
			challenger: T::AccountId,
			/// The bond.
			amount: BalanceOf<T>,
		},
		/// A challenger lost its game and its bond: `to_solver` went to the solver and
		/// `to_treasury` to the treasury.
		BondForfeited {
			/// The game.
			game: GameId,
			/// Paid to the solver.
			to_solver: BalanceOf<T>,
			/// Paid to the treasury.
			to_treasury: BalanceOf<T>,
		},
		/// Governance set the game parameters.
		GameParamsSet {
			/// The new parameters.
			params: GameParamsOf<T>,
		},
	}

	/// Why this pallet holds funds (on [`Config::Escrow`]).
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A challenger's bond for a game being played.
		GameBond,
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The task does not exist, has no result, its challenge window has closed or it is
		/// settled.
		NotDisputable,
		/// The step proof pays for less referee cost than the task's program needs.
		CostNotCovered,
		/// The step is 0 or beyond the trace.
		StepOutOfRange,
		/// The task predates the dataset's minibatch count: its steps cannot be refereed (its
		/// model still can).
		UnknownBatchCount,
		/// Step 1 starts from the program's initial state; no prior state may be given.
		UnexpectedPriorState,
		/// The prior state is not the solver's leaf `step − 1`.
		PriorStateNotCommitted,
		/// The minibatch is not the dataset's minibatch for this step.
		MinibatchNotCommitted,
		/// The leaf is not the solver's leaf for this step.
		LeafNotCommitted,
		/// The state is not the solver's last leaf.
		LastStateNotCommitted,
		/// The task's program is invalid (cannot happen for a task the market accepted).
		InvalidProgram,
		/// The solver is right: the recomputed state (or the model) matches its commitment.
		NoFraud,
		/// The key is not the `compute` key of a verifier drawn for this task.
		NotAVerifier,
		/// This verifier already sent a fraud report on this task.
		AlreadyReported,
		/// A verifier's report must pay exactly the program's referee cost and carry a state and
		/// minibatch of exactly the program's shape.
		NotTheProgramsShape,
		/// The parameters do not validate.
		BadParams,
		/// No such game is being played.
		UnknownGame,
		/// The game's range is empty or beyond the trace, or a range narrower than the trace
		/// lacks the proofs of the solver's leaves at its ends.
		BadRange,
		/// The solver's leaf at the end of the range equals the challenger's: nothing is in
		/// dispute there.
		NoDisagreement,
		/// A challenger's leaf is not in its claim root.
		ClaimNotCommitted,
		/// The account is not the party whose move is due.
		NotAParty,
		/// It is not this kind of move's turn.
		NotDue,
		/// The due party's clock ran out: the game is lost and only waits to be settled.
		OutOfTime,
		/// The game can end only when the due party is out of time or the result was settled
		/// otherwise.
		GameNotOver,
		/// The result was settled otherwise: the game only waits to give its bond back.
		GameMoot,
		/// The challenger's liquid balance (above every lock and freeze, keeping the existential
		/// deposit) does not cover the bond.
		InsufficientBalance,
		/// The game parameters do not validate.
		BadGameParams,
		/// This account already plays a game on this task, or this verifier has opened its
		/// fee-free game on it before.
		AlreadyOpened,
		/// The move was signed for another point of the game (it has moved since).
		StaleMove,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(
				T::DefaultParams::get().validate().is_ok(),
				"the default dispute parameters must validate"
			);
			assert!(
				T::DefaultGameParams::get().validate().is_ok(),
				"the default game parameters must validate"
			);
			assert!(T::MaxSettlesPerBlock::get() > 0, "expired games must be settled");
		}

		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			Self::settle_expired(now)
		}

		fn offchain_worker(now: BlockNumberFor<T>) {
			crate::offchain::run::<T>(now);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Prove that the solver of `task` computed step `proof.step` wrongly. `max_cost` is the
		/// referee cost the transaction pays for ([`Pallet::referee_cost`] of the task's program,
		/// from the runtime API); the full weight is charged whether or not the proof succeeds.
		///
		/// Origin: signed. Emits [`Event::FraudProven`] (and the market's slash and refund).
		/// Errors: [`Error::NotDisputable`], [`Error::CostNotCovered`] and the referee's
		/// refusals ([`Error::NoFraud`] when the solver is right).
		#[pallet::call_index(0)]
		#[pallet::weight(Pallet::<T>::step_weight(*max_cost, proof))]
		pub fn prove_fraud(
			origin: OriginFor<T>,
			task: TaskId,
			max_cost: u64,
			proof: StepFraud,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_prove(who, task, Claim::Step { max_cost, proof }).map(|_| ())
		}

		/// Prove that the model hash the solver of `task` posted is not the model of its trace's
		/// last state (or that its last leaf is no state at all). Full weight charged either way.
		///
		/// Origin: signed. Emits [`Event::FraudProven`]. Errors: [`Error::NotDisputable`],
		/// [`Error::LastStateNotCommitted`], [`Error::NoFraud`].
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::prove_model(proof.last_state.len() as u32))]
		pub fn prove_model(
			origin: OriginFor<T>,
			task: TaskId,
			proof: ModelFraud,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_prove(who, task, Claim::Model(proof)).map(|_| ())
		}

		/// A drawn verifier's fraud proof: fee-free, admitted to the pool only when signed by
		/// the `compute` key of a verifier drawn for the task that has not reported on it yet.
		/// A report that proves nothing is recorded ([`Event::ReportRefused`]) and uses up the
		/// verifier's one report on the task.
		///
		/// Origin: authorized (see [`Pallet::authorize_report`]).
		#[pallet::call_index(2)]
		#[pallet::authorize(|_source, report, signature| Pallet::<T>::authorize_report(report, signature))]
		#[pallet::weight_of_authorize(T::WeightInfo::authorize_report())]
		#[pallet::weight(Pallet::<T>::claim_weight(&report.claim))]
		pub fn report_fraud(
			origin: OriginFor<T>,
			report: FraudReport<T::OffchainKey>,
			signature: <T::OffchainKey as sp_runtime::RuntimeAppPublic>::Signature,
		) -> DispatchResultWithPostInfo {
			frame_system::ensure_authorized(origin)?;
			// The signature was checked by `authorize_report` before the call was admitted.
			let _ = signature;
			Self::do_report(report)?;
			Ok(Pays::No.into())
		}

		/// Set the referee's parameters.
		///
		/// Origin: [`Config::GovernanceOrigin`]. Emits [`Event::ParamsSet`]. Errors:
		/// [`Error::BadParams`].
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::set_params())]
		pub fn set_params(origin: OriginFor<T>, params: ParamsOf<T>) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			params.validate().map_err(|e| {
				log::debug!(target: LOG_TARGET, "parameters refused: {e}");
				Error::<T>::BadParams
			})?;
			Params::<T>::put(params);
			Self::deposit_event(Event::ParamsSet { params });
			Ok(())
		}

		/// Open a bisection game on `task`'s result, inside its challenge window, posting the
		/// bond ([`GameParams`]: the larger of `bond_min` and `bond_share` of the fee) from the
		/// caller's liquid funds. See [`Opening`] for the claim and the range; a range narrower
		/// than the trace needs the proofs that the solver's leaf `from` is the claim's and its
		/// leaf `to` is not. The result is frozen (unpaid) until every game on it ends.
		///
		/// Origin: signed. Emits [`Event::GameOpened`] (and the market's `TaskChallenged`).
		/// Errors: [`Error::NotDisputable`], [`Error::UnknownBatchCount`], [`Error::BadRange`],
		/// [`Error::ClaimNotCommitted`], [`Error::LeafNotCommitted`],
		/// [`Error::NoDisagreement`], [`Error::InsufficientBalance`].
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::open_game())]
		pub fn open_game(
			origin: OriginFor<T>,
			task: TaskId,
			opening: alloc::boxed::Box<Opening>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_open(who, task, *opening).map(|_| ())
		}

		/// Make the due move of `game`: a reveal (solver or challenger, as due) or the
		/// challenger's referee move. A referee move pays for the referee's full weight at its
		/// `max_cost`; its outcome ends the game.
		///
		/// Origin: signed, by the party whose move is due. Emits [`Event::Revealed`] or the
		/// game's end ([`Event::GameEnded`] with [`Event::GameSlash`] or
		/// [`Event::BondForfeited`]). Errors: [`Error::UnknownGame`], [`Error::NotAParty`],
		/// [`Error::NotDue`], [`Error::OutOfTime`], [`Error::GameMoot`], proofs that fail
		/// ([`Error::LeafNotCommitted`], [`Error::ClaimNotCommitted`]) and the referee's
		/// refusals.
		#[pallet::call_index(5)]
		#[pallet::weight(Pallet::<T>::move_weight(mv))]
		pub fn play(origin: OriginFor<T>, game: GameId, mv: Move) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_play(&who, game, mv)
		}

		/// Settle `game` once its due party is out of time (that party loses) or once the
		/// result was settled otherwise (the bond goes back). `on_initialize` does the same for
		/// expired games; anyone may call it sooner.
		///
		/// Origin: signed (anyone). Emits [`Event::GameEnded`] and its money movements.
		/// Errors: [`Error::UnknownGame`], [`Error::GameNotOver`].
		#[pallet::call_index(6)]
		#[pallet::weight(Pallet::<T>::settle_weight())]
		pub fn timeout(origin: OriginFor<T>, game: GameId) -> DispatchResult {
			ensure_signed(origin)?;
			Self::do_timeout(game)
		}

		/// A party's offchain worker acts in a game, fee-free: a drawn verifier opens one (once
		/// per task, the bond from its validator account), or the solver or a drawn verifier
		/// that opened one makes its due move. Admitted to the pool only when signed by the
		/// party's key and valid now (a referee move's recomputation is left to the dispatch),
		/// once per due move.
		///
		/// Origin: authorized (see [`Pallet::authorize_action`]). Emits what `open_game` and
		/// `play` emit.
		#[pallet::call_index(8)]
		#[pallet::authorize(|_source, action, signature| Pallet::<T>::authorize_action(action, signature))]
		#[pallet::weight_of_authorize(Pallet::<T>::authorize_weight(&action.action))]
		#[pallet::weight(Pallet::<T>::action_weight(&action.action))]
		pub fn act(
			origin: OriginFor<T>,
			action: SignedGameAction<T::OffchainKey>,
			signature: <T::OffchainKey as sp_runtime::RuntimeAppPublic>::Signature,
		) -> DispatchResultWithPostInfo {
			frame_system::ensure_authorized(origin)?;
			// The signature was checked by `authorize_action` before the call was admitted.
			let _ = signature;
			Self::do_act(action)?;
			Ok(Pays::No.into())
		}

		/// Set the game's parameters (they apply to games opened afterwards).
		///
		/// Origin: [`Config::GovernanceOrigin`]. Emits [`Event::GameParamsSet`]. Errors:
		/// [`Error::BadGameParams`].
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::set_params())]
		pub fn set_game_params(origin: OriginFor<T>, params: GameParamsOf<T>) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			params.validate().map_err(|e| {
				log::debug!(target: LOG_TARGET, "game parameters refused: {e}");
				Error::<T>::BadGameParams
			})?;
			GameParameters::<T>::put(params);
			Self::deposit_event(Event::GameParamsSet { params });
			Ok(())
		}
	}

	impl<T: Config> Contains<T::AccountId> for Pallet<T> {
		/// Whether `who` is excluded from verifier draws now.
		fn contains(who: &T::AccountId) -> bool {
			Excluded::<T>::get(who)
				.is_some_and(|until| frame_system::Pallet::<T>::block_number() <= until)
		}
	}
}
