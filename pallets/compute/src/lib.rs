//! # Compute market pallet
//!
//! Turns demand for AI training into on-chain economic activity:
//!
//! - **Solvers** register with a stake taken into escrow ([`HoldReason::SolverStake`]),
//!   advertise a capacity (work units per block) and a [`HardwareClass`], and send a heartbeat
//!   at least once per [`Config::HeartbeatPeriod`] to stay online. Leaving starts an unbonding
//!   period during which the stake stays held and slashable.
//! - **Tasks** name a training [`Program`], a dataset by Merkle root and URL, a hardware class, a
//!   deadline and a maximum fee. The fee is `work units × price per unit × class multiplier` (at
//!   least `min_fee`), taken from the submitter into escrow ([`HoldReason::TaskFee`]), with a
//!   deposit for the task's record and wake-ups ([`HoldReason::TaskDeposit`]). When a solver
//!   takes the task the fee is recomputed at that block's price; if it is lower, the difference
//!   goes back.
//! - **Escrow**: stakes, fees and deposits leave their owner's account for the market's escrow
//!   account ([`Pallet::escrow_account`]) and are held there by reason, out of the owner's free
//!   funds above every lock and freeze. Holding them on the owner's account would let them
//!   cover a vesting lock (FRAME counts held funds towards freezes) until a payout took them
//!   away: see [`Pallet::escrow_account`].
//! - **Pricing** adapts every block to utilization: outstanding work each hardware class's
//!   online solvers can serve, over online capacity; a solver's capacity counts up to what its
//!   stake backs. See [`pricing`]. [`runtime_api::ComputeApi`]'s `quote` shows the fee of a
//!   program before submitting it.
//! - **Assignment** (in `on_initialize`) draws a solver among the online ones with the hardware
//!   and free capacity, weighted by stake × reputation, with randomness revealed after the task
//!   entered the queue ([`Config::Randomness`]), among those whose stake covers
//!   `stake_cover` times the fees of their open tasks, the new one included. The solver
//!   accepts or declines within the acceptance period; declining is free, silence costs
//!   reputation, and a task declined by `max_declines` solvers is refunded less their
//!   compensation. A solver that accepted and
//!   misses its own deadline is slashed and the task goes back to the queue; if the task's
//!   deadline passes without a result, the submitter is refunded in full.
//! - **Results** (final model hash, trace root, step count) open a challenge window; verifiers,
//!   each with the segment of the trace it re-executes, are drawn from the active validators
//!   with randomness revealed after the result, and may attest. After the window the fee is
//!   split: solver 80%, attesting verifiers 10% (unattested shares go to the staking reward pot),
//!   the rest (10%) to the BuyBack Vault. Disputes opened inside the window freeze a result
//!   through [`TaskDisputes`]; it is paid once the window has closed and no dispute is open.
//! - **Compute mining**: each mining era a share of the mining pot (funded by the Community
//!   Treasury, never minted) is paid to solvers by verified work × quality × uptime, at most
//!   `mining_fee_cap` of the fees each solver's tasks earned in the era.
//! - **Pause** ([`Pallet::set_paused`], [`Config::PauseOrigin`]): no submissions, no assignment
//!   and no price change while [`PausedSince`] is set; everything already assigned goes on, and
//!   queued tasks do not expire: on resume their deadlines move by the time each spent queued in
//!   the pause.
//! - **Wake-ups** ([`Agenda`]) have no per-block limit: each block handles a bounded number per
//!   lane from the oldest due block on, so scheduling never fails and a crowded block only
//!   delays. Finished tasks stay readable for `retention` blocks, then are pruned and their
//!   deposit released.
//!
//! What this guarantees to solvers and submitters: `docs/compute-market.md`.
//!
//! Layout: this file declares; calls hand over to `do_*` functions in [`dispatchable_impls`],
//! per-block work lives in [`tick_impls`], pricing in [`pricing`], the disputes interface in
//! [`disputes`], the runtime API in [`runtime_api`].
//!
//! ## Invariants (checked by [`Pallet::do_try_state`])
//! - The escrow account's balance held under [`HoldReason::SolverStake`] equals the sum of the
//!   solvers' stakes; under [`HoldReason::TaskFee`], the sum of the fees of the tasks that are
//!   neither finalized nor refunded; under [`HoldReason::TaskDeposit`], the sum of the tasks'
//!   deposits. The escrow account keeps the existential deposit.
//! - [`OutstandingWork`] equals the work of all queued, assigned and running tasks, by class;
//!   each solver's `committed` work, `active_tasks` and `open_fees` match the tasks bound to it.
//! - [`TaskQueue`] holds exactly the queued tasks; [`OnlineCapacityOf`] matches the active
//!   solvers' counted capacity by heartbeat period and class.
//! - The live [`Agenda`] holds exactly the wake-ups the tasks' states need (while the market is
//!   paused, a queued task's deadline wake-up at or before the cursor may have been taken); every
//!   finished task has its pruning scheduled once.
//! - The price per work unit lies within the floor and ceiling.

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

#[cfg(test)]
mod attacks;
#[cfg(feature = "runtime-benchmarks")]
pub mod benchmarking;
pub mod disputes;
mod dispatchable_impls;
pub mod migrations;
pub mod offchain;
#[cfg(test)]
mod mock;
pub mod pricing;
pub mod runtime_api;
#[cfg(test)]
mod offchain_tests;
#[cfg(test)]
mod tests;
mod tick_impls;
pub mod types;
pub mod weights;

pub use disputes::{DisputeTarget, FraudProofs, Replay, StepEvidence, TaskDisputes};
pub use offchain::OffchainKeys;
pub use weights::WeightInfo;

use frame_support::traits::fungible::{self, Credit, Inspect};
use frame_system::pallet_prelude::BlockNumberFor;

/// How much of an account's balance is locked or frozen (by vesting, staking, votes), whatever
/// is held: `pallet_balances`' `frozen` for the account.
pub trait FrozenBalance<AccountId, Balance> {
	/// The locked or frozen amount of `who`.
	fn frozen(who: &AccountId) -> Balance;
}

/// The balance type of the configured currency.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;
/// Tokens taken out of an account and not yet placed anywhere.
pub type CreditOf<T> = Credit<<T as frame_system::Config>::AccountId, <T as Config>::Currency>;
/// A solver record of this runtime.
pub type SolverOf<T> = Solver<BalanceOf<T>, BlockNumberFor<T>>;
/// A task record of this runtime.
pub type TaskOf<T> = Task<
	<T as frame_system::Config>::AccountId,
	BalanceOf<T>,
	BlockNumberFor<T>,
	<T as Config>::MaxUrlLen,
	<T as Config>::MaxVerifiers,
	<T as Config>::MaxExcludedSolvers,
>;
/// A task status of this runtime.
pub type TaskStatusOf<T> =
	TaskStatus<<T as frame_system::Config>::AccountId, BlockNumberFor<T>, <T as Config>::MaxVerifiers>;
/// The market parameters of this runtime.
pub type ParamsOf<T> = MarketParams<BalanceOf<T>, BlockNumberFor<T>>;
/// A dataset reference of this runtime.
pub type DatasetRefOf<T> = DatasetRef<<T as Config>::MaxUrlLen>;

const LOG_TARGET: &str = "runtime::compute";

/// Most wake-ups a task holds at once (while assigned: its deadline, the end of the acceptance
/// period and its solver's deadline); [`MarketParams::wakeup_deposit`] is held for each.
pub const TASK_WAKEUPS: u32 = 3;

// FRAME's macro expansion of this module (metadata, storage info) calls `expect`; the pallet's
// logic lives outside it, under the crate's denied lints.
#[allow(clippy::expect_used)]
#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{
		pallet_prelude::*,
		traits::{fungible::MutateHold, OnUnbalanced, Randomness, ValidatorSet},
		PalletId,
	};
	use frame_system::pallet_prelude::*;

	/// The in-code storage version.
	/// Version 1: a task's dataset names its minibatch count ([`crate::migrations::v1`]).
	/// Version 2: stakes, fees and deposits lie in escrow ([`crate::migrations::v2`]).
	/// Version 3: a solver counts its open fees, the parameters name the stake cover, and a
	/// disputed result keeps its window and counts its open disputes
	/// ([`crate::migrations::v3`]).
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(3);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config:
		frame_system::Config<RuntimeEvent: From<Event<Self>>>
		+ frame_system::offchain::CreateAuthorizedTransaction<Call<Self>>
	{
		/// The native currency ($AI): stakes, fees and deposits are escrowed in it.
		type Currency: fungible::Mutate<Self::AccountId>
			+ fungible::Balanced<Self::AccountId>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ fungible::hold::Balanced<Self::AccountId>;

		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// How much of an account's balance is locked or frozen: stakes, fees and deposits are
		/// taken only from what lies above it.
		type FrozenBalance: FrozenBalance<Self::AccountId, BalanceOf<Self>>;

		/// Randomness for drawing solvers, verifiers and verifiers' segments. `random` returns
		/// the randomness and the block `b` it comes from: nobody could know it before block
		/// `b` was authored (on the solo chain, BABE's VRF output of the parent block; on a
		/// parachain, the relay chain's). The pallet draws for a task or result fixed in block
		/// `n` only with randomness from a block after `n`, and waits while there is none.
		type Randomness: Randomness<Option<Self::Hash>, BlockNumberFor<Self>>;

		/// The active validators, from which verifiers are drawn.
		type Validators: ValidatorSet<Self::AccountId, ValidatorId = Self::AccountId>;

		/// Validators left out of verifier draws for now (the disputes pallet excludes those
		/// that attested a result proven wrong inside their segment).
		type ExcludedVerifiers: frame_support::traits::Contains<Self::AccountId>;

		/// Receives the protocol share of every fee (the BuyBack Vault).
		type ProtocolRevenue: OnUnbalanced<CreditOf<Self>>;

		/// Receives the verifier shares no verifier earned (the staking reward pot).
		type UnearnedVerifierReward: OnUnbalanced<CreditOf<Self>>;

		/// Receives slashed stake (the Community Treasury).
		type Slashed: OnUnbalanced<CreditOf<Self>>;

		/// May change the market parameters.
		type GovernanceOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// May pause and resume the market ([`Pallet::set_paused`]).
		type PauseOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Parameters in force until governance sets others.
		#[pallet::constant]
		type DefaultParams: Get<ParamsOf<Self>>;

		/// Id of the compute-mining pot account.
		#[pallet::constant]
		type MiningPotId: Get<PalletId>;

		/// Id of the market's escrow account: stakes, fees and deposits are moved into it and
		/// held there by [`HoldReason`] (see [`Pallet::escrow_account`]). It must exist (hold
		/// the existential deposit) from genesis.
		#[pallet::constant]
		type EscrowId: Get<PalletId>;

		/// Blocks per mining era: rewards are paid when one ends.
		#[pallet::constant]
		type MiningEraLength: Get<BlockNumberFor<Self>>;

		/// Blocks per heartbeat period: a solver is online while it sent a heartbeat in the
		/// current or the previous period.
		#[pallet::constant]
		type HeartbeatPeriod: Get<BlockNumberFor<Self>>;

		/// Most registered solvers.
		#[pallet::constant]
		type MaxSolvers: Get<u32>;

		/// Most tasks bound to one solver at a time (working or in their challenge window).
		#[pallet::constant]
		type MaxTasksPerSolver: Get<u32>;

		/// Most tasks waiting for a solver.
		#[pallet::constant]
		type MaxQueuedTasks: Get<u32>;

		/// Most queued tasks assigned per block.
		#[pallet::constant]
		type MaxAssignmentsPerBlock: Get<u32>;

		/// Most task wake-ups (deadline checks, window ends, pruning) in one block.
		#[pallet::constant]
		type MaxWakeupsPerBlock: Get<u32>;

		/// Most verifiers per result.
		#[pallet::constant]
		type MaxVerifiers: Get<u32>;

		/// Longest dataset URL.
		#[pallet::constant]
		type MaxUrlLen: Get<u32>;

		/// Most solvers a task remembers as excluded (declined, did not answer, missed); a task
		/// that would exclude one more is refunded. At least the `max_declines` parameter.
		#[pallet::constant]
		type MaxExcludedSolvers: Get<u32>;

		/// The key offchain workers sign their reports with ([`crate::offchain::KEY_TYPE`]):
		/// a solver's own account key, or the `compute` session key of a validator.
		type OffchainKey: Member
			+ Parameter
			+ MaxEncodedLen
			+ Ord
			+ sp_runtime::RuntimeAppPublic<Signature: Parameter>;

		/// Whom an offchain key acts for.
		type OffchainKeys: OffchainKeys<Self::AccountId, Self::OffchainKey>;

		/// Where verifiers' offchain workers send the fraud proofs of results they found wrong
		/// (the disputes pallet signs them and puts them in the pool).
		type FraudProofs: FraudProofs<Self::OffchainKey>;

		/// Weights of this pallet's calls and hooks.
		type WeightInfo: WeightInfo;

		/// Sets up what the benchmarks need beyond this pallet.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: crate::benchmarking::BenchmarkHelper<Self::AccountId>;
	}

	/// Why this pallet holds funds. Everything it holds is held on its escrow account
	/// ([`Pallet::escrow_account`]), never on its owner's.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A solver's stake.
		SolverStake,
		/// A task's fee, until it is paid out or refunded.
		TaskFee,
		/// A task's deposit for its record and wake-ups, until it is pruned.
		TaskDeposit,
	}

	/// The price before the first adaptation: the floor of the default parameters.
	#[pallet::type_value]
	pub fn DefaultPrice<T: Config>() -> BalanceOf<T> {
		T::DefaultParams::get().pricing.floor
	}

	/// The market parameters in force.
	#[pallet::storage]
	pub type Params<T: Config> = StorageValue<_, ParamsOf<T>, ValueQuery, T::DefaultParams>;

	/// Registered solvers. Keys are accounts anyone can choose, hence the cryptographic hasher.
	#[pallet::storage]
	pub type Solvers<T: Config> =
		CountedStorageMap<_, Blake2_128Concat, T::AccountId, SolverOf<T>, OptionQuery>;

	/// Online capacity by heartbeat period.
	#[pallet::storage]
	pub type OnlineCapacityOf<T: Config> = StorageValue<_, OnlineCapacity, ValueQuery>;

	/// Price of one work unit, adapted every block.
	#[pallet::storage]
	pub type PricePerUnit<T: Config> = StorageValue<_, BalanceOf<T>, ValueQuery, DefaultPrice<T>>;

	/// Work units of queued, assigned and running tasks by the hardware class they ask for: the
	/// demand side of utilization, counted per class up to what online solvers can serve.
	#[pallet::storage]
	pub type OutstandingWork<T: Config> = StorageValue<_, PerClass<WorkUnits>, ValueQuery>;

	/// The id the next task gets.
	#[pallet::storage]
	pub type NextTaskId<T: Config> = StorageValue<_, TaskId, ValueQuery>;

	/// Tasks, live and recently finished. Ids are sequential and chosen by the chain, so a
	/// non-cryptographic hasher is safe.
	#[pallet::storage]
	pub type Tasks<T: Config> = StorageMap<_, Twox64Concat, TaskId, TaskOf<T>, OptionQuery>;

	/// The block the market was paused at, while it is paused ([`Pallet::set_paused`]): no
	/// submissions and no assignment; queued tasks keep waiting and their deadlines are moved
	/// by the pause's length when it ends.
	#[pallet::storage]
	pub type PausedSince<T: Config> = StorageValue<_, BlockNumberFor<T>, OptionQuery>;

	/// Tasks waiting for a solver, oldest first.
	#[pallet::storage]
	pub type TaskQueue<T: Config> =
		StorageValue<_, BoundedVec<TaskId, T::MaxQueuedTasks>, ValueQuery>;

	/// Task wake-ups by block and lane: deadlines, acceptance periods, verifier draws, window
	/// ends ([`Lane::Live`]) and pruning ([`Lane::Prune`]). An entry only says "look at this
	/// task"; the task's state decides what happens. A block has no limit of entries, so
	/// scheduling never fails; each block handles at most `MaxWakeupsPerBlock` per lane, from
	/// the oldest due block on ([`AgendaCursor`]), and every entry is removed as soon as its
	/// task no longer needs it. Each live task holds at most [`TASK_WAKEUPS`] entries, paid by
	/// its deposit. Keys are block numbers and task ids chosen by the chain.
	#[pallet::storage]
	pub type Agenda<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		(BlockNumberFor<T>, Lane),
		Twox64Concat,
		TaskId,
		(),
		OptionQuery,
	>;

	/// Per lane, the first block whose wake-ups may not all have been handled yet.
	#[pallet::storage]
	pub type AgendaCursor<T: Config> =
		StorageMap<_, Twox64Concat, Lane, BlockNumberFor<T>, OptionQuery>;

	/// What the chain waits for from an account: results from a solver (its assigned and
	/// running tasks), verdicts from a verifier (results it was drawn for and has not judged).
	/// Offchain workers read their account's prefix; entries go when the duty ends.
	#[pallet::storage]
	pub type Duties<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, TaskId, (), OptionQuery>;

	/// The public address of a solver's service (`http://` or `https://`), from which
	/// verifiers fetch the states and Merkle proofs of its traces.
	#[pallet::storage]
	pub type SolverEndpoints<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, BoundedVec<u8, T::MaxUrlLen>, OptionQuery>;

	/// The mining era whose work and uptime are being counted; paid when the next one begins.
	#[pallet::storage]
	pub type MiningEra<T: Config> = StorageValue<_, u32, ValueQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A solver registered; `stake` went from its account into escrow.
		SolverRegistered {
			/// The solver.
			solver: T::AccountId,
			/// Escrowed stake.
			stake: BalanceOf<T>,
			/// Work units per block.
			capacity: WorkUnits,
			/// Hardware class.
			hardware: HardwareClass,
		},
		/// A solver added to its stake.
		StakeBonded {
			/// The solver.
			solver: T::AccountId,
			/// Newly escrowed.
			amount: BalanceOf<T>,
			/// Total stake now.
			stake: BalanceOf<T>,
		},
		/// A solver changed what it advertises.
		SolverUpdated {
			/// The solver.
			solver: T::AccountId,
			/// Work units per block.
			capacity: WorkUnits,
			/// Hardware class.
			hardware: HardwareClass,
		},
		/// A solver is online for this heartbeat period.
		Heartbeat {
			/// The solver.
			solver: T::AccountId,
			/// The heartbeat period.
			period: u32,
		},
		/// A solver stopped taking work; its stake stays slashable until `unlock_at`.
		SolverUnbonding {
			/// The solver.
			solver: T::AccountId,
			/// When the stake may be withdrawn.
			unlock_at: BlockNumberFor<T>,
		},
		/// A solver left; its stake was released.
		SolverWithdrawn {
			/// The former solver.
			solver: T::AccountId,
			/// Released stake.
			stake: BalanceOf<T>,
		},
		/// A solver's stake was slashed; the amount went to the treasury (or, in a dispute, to
		/// whom the disputes pallet decides).
		SolverSlashed {
			/// The solver.
			solver: T::AccountId,
			/// The task concerned.
			task: TaskId,
			/// Taken from its stake.
			amount: BalanceOf<T>,
			/// Why.
			cause: SlashCause,
		},
		/// A task was submitted; `fee` and `deposit` went from the submitter into escrow.
		TaskSubmitted {
			/// The task.
			task: TaskId,
			/// Who pays.
			submitter: T::AccountId,
			/// Exact work units.
			work_units: WorkUnits,
			/// Held fee.
			fee: BalanceOf<T>,
			/// Held deposit for the task's record and wake-ups, released when it is pruned.
			deposit: BalanceOf<T>,
			/// Result deadline.
			deadline: BlockNumberFor<T>,
		},
		/// A task was drawn for a solver. The fee was recomputed at this block's price; a lower
		/// price released `released` back to the submitter.
		TaskAssigned {
			/// The task.
			task: TaskId,
			/// The solver.
			solver: T::AccountId,
			/// It accepts or declines by this block.
			accept_by: BlockNumberFor<T>,
			/// Once accepted, it must post a result by this block.
			solver_deadline: BlockNumberFor<T>,
			/// The fee now held.
			fee: BalanceOf<T>,
			/// Released to the submitter.
			released: BalanceOf<T>,
		},
		/// The solver acknowledged the task and started training.
		TaskAccepted {
			/// The task.
			task: TaskId,
			/// The solver.
			solver: T::AccountId,
		},
		/// The task went back to the queue; `solver` is not drawn for it again.
		TaskRequeued {
			/// The task.
			task: TaskId,
			/// The solver it leaves.
			solver: T::AccountId,
			/// Why.
			reason: QueueReason,
		},
		/// The assigned solver declined the task; it costs the solver nothing.
		TaskDeclined {
			/// The task.
			task: TaskId,
			/// The solver.
			solver: T::AccountId,
			/// Why.
			reason: DeclineReason,
		},
		/// The assigned solver neither accepted nor declined in time: it lost reputation, no
		/// stake.
		AnswerMissed {
			/// The task.
			task: TaskId,
			/// The solver.
			solver: T::AccountId,
			/// Its reputation now.
			reputation: sp_runtime::Permill,
		},
		/// A solver that declined a task was paid for its effort out of the fee.
		DeclineCompensated {
			/// The task.
			task: TaskId,
			/// The solver.
			solver: T::AccountId,
			/// Paid out of the task's escrowed fee.
			amount: BalanceOf<T>,
		},
		/// A result was posted; the challenge window is open until `window_end`.
		ResultSubmitted {
			/// The task.
			task: TaskId,
			/// The solver.
			solver: T::AccountId,
			/// The result.
			result: TaskResult,
			/// Last block of the challenge window.
			window_end: BlockNumberFor<T>,
		},
		/// Verifiers were drawn for a result, each with the segment of the trace it re-executes,
		/// from randomness revealed after the result landed.
		VerifiersDrawn {
			/// The task.
			task: TaskId,
			/// The verifiers and their segments.
			verifiers: alloc::vec::Vec<(T::AccountId, TraceSegment)>,
		},
		/// A verifier attested a result.
		ResultAttested {
			/// The task.
			task: TaskId,
			/// The verifier.
			verifier: T::AccountId,
		},
		/// A verifier re-executed part of a result's trace and got a different state. It earns
		/// no verifier share; a dispute (`TaskDisputes`) settles who is right.
		ResultRejected {
			/// The task.
			task: TaskId,
			/// The verifier.
			verifier: T::AccountId,
			/// The step whose state differs.
			step: u32,
			/// The verifier's state hash after `step`.
			hash: sp_core::H256,
		},
		/// A solver set or cleared the public address of its service.
		EndpointSet {
			/// The solver.
			solver: T::AccountId,
			/// The address, if set.
			endpoint: Option<alloc::vec::Vec<u8>>,
		},
		/// A task was paid out. (A share an account could not take went to the BuyBack Vault
		/// instead, with [`Event::PaidToRevenue`].)
		TaskFinalized {
			/// The task.
			task: TaskId,
			/// The solver.
			solver: T::AccountId,
			/// Paid to the solver.
			solver_reward: BalanceOf<T>,
			/// Paid to attesting verifiers, together.
			verifier_reward: BalanceOf<T>,
			/// Unearned verifier shares sent to the staking reward pot.
			unearned: BalanceOf<T>,
			/// Sent to the BuyBack Vault.
			protocol: BalanceOf<T>,
		},
		/// A task's fee went back to its submitter.
		TaskRefunded {
			/// The task.
			task: TaskId,
			/// Who got it back.
			submitter: T::AccountId,
			/// Released.
			amount: BalanceOf<T>,
			/// Why.
			cause: RefundCause,
		},
		/// A finished task was removed; its deposit went back to the submitter.
		TaskPruned {
			/// The task.
			task: TaskId,
			/// Who got the deposit back.
			submitter: T::AccountId,
			/// Released.
			deposit: BalanceOf<T>,
		},
		/// A dispute about a task's result opened: the result is frozen until every dispute
		/// about it has closed.
		TaskChallenged {
			/// The task.
			task: TaskId,
			/// Disputes about it now open, this one included.
			disputes: u32,
		},
		/// A dispute about a task's result ended without disproving it.
		DisputeClosed {
			/// The task.
			task: TaskId,
			/// Disputes about it still open. At zero, the result is paid at once if its
			/// challenge window has closed, or when it closes.
			disputes: u32,
		},
		/// The price per work unit changed.
		PriceUpdated {
			/// New price.
			price: BalanceOf<T>,
			/// Utilization that moved it.
			utilization: sp_runtime::Perbill,
		},
		/// A solver received its compute-mining reward for an era.
		MiningRewardPaid {
			/// The era.
			era: u32,
			/// The solver.
			solver: T::AccountId,
			/// Paid from the mining pot.
			amount: BalanceOf<T>,
		},
		/// A mining era ended.
		MiningEraClosed {
			/// The era.
			era: u32,
			/// Budget emitted from the pot.
			budget: BalanceOf<T>,
			/// Actually paid (the rest is rounding, left in the pot).
			paid: BalanceOf<T>,
			/// Solvers paid.
			solvers: u32,
		},
		/// Governance changed the market parameters.
		ParamsUpdated {
			/// The new parameters.
			params: ParamsOf<T>,
		},
		/// A payment (a reward, a decline's compensation, a refund, a released stake or
		/// deposit) could not be made to `who`, whose account no longer exists and would not
		/// reach the existential deposit with it: it went to the BuyBack Vault instead. The
		/// event of the payment itself ([`Event::TaskFinalized`],
		/// [`Event::DeclineCompensated`]) still names the amount due.
		PaidToRevenue {
			/// Who should have been paid.
			who: T::AccountId,
			/// The amount.
			amount: BalanceOf<T>,
		},
		/// Governance paused the market: no submissions and no assignment until it resumes.
		MarketPaused,
		/// Governance resumed the market after `extended_by` blocks; the deadlines of `tasks`
		/// queued tasks moved later by the part of the pause each spent queued.
		MarketResumed {
			/// Blocks the market was paused.
			extended_by: BlockNumberFor<T>,
			/// Queued tasks whose deadline moved.
			tasks: u32,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The account is already a solver.
		AlreadyRegistered,
		/// The account is not a registered solver.
		NotRegistered,
		/// [`Config::MaxSolvers`] solvers are registered already.
		TooManySolvers,
		/// The stake is below the `min_stake` parameter.
		StakeBelowMinimum,
		/// Capacity must be at least one work unit per block.
		ZeroCapacity,
		/// The account cannot cover the stake or the fee (and deposit) with free funds that are
		/// neither locked nor frozen (vesting, staking, votes).
		InsufficientBalance,
		/// The solver is unbonding: no new stake, heartbeats or updates.
		SolverUnbonding,
		/// The solver is not unbonding.
		NotUnbonding,
		/// The unbonding period has not passed yet.
		StakeStillLocked,
		/// The solver still has tasks that are not settled.
		SolverBusy,
		/// The program breaks a limit of the training engine: 1–4,096 inputs and units per
		/// layer, at most 8 hidden layers, 2–1,024 classes, batch 1–1,024, 1–10,000,000 steps,
		/// learning rate in (0, 1], momentum in [0, 1), at most 262,144 parameters, 50,000,000
		/// work units per step and 262,144 input values per minibatch (batch × inputs).
		InvalidProgram,
		/// The fee does not fit the balance type.
		FeeOverflow,
		/// The fee at the current price is above `max_fee`.
		FeeAboveMax,
		/// The deadline is closer than the `min_deadline` parameter.
		DeadlineTooSoon,
		/// The deadline is further than the `max_deadline` parameter.
		DeadlineTooFar,
		/// [`Config::MaxQueuedTasks`] tasks are waiting already.
		QueueFull,
		/// No such task.
		UnknownTask,
		/// Only the task's submitter may do this.
		NotSubmitter,
		/// The task is not waiting in the queue.
		NotQueued,
		/// The task is not assigned to the caller (or not waiting for a result).
		NotAssignedSolver,
		/// The task is not assigned: it cannot be accepted or declined.
		NotAssigned,
		/// The acceptance period is over: the task is about to go to another solver.
		AcceptancePeriodOver,
		/// A rejection must name a step of the verifier's segment.
		OutsideSegment,
		/// The deadline for a result has passed.
		DeadlinePassed,
		/// The result's step count is not the program's.
		StepCountMismatch,
		/// The task has no open challenge window.
		NotInChallengeWindow,
		/// The caller was not drawn to verify this task.
		NotAVerifier,
		/// The verifier gave its verdict already.
		AlreadyAttested,
		/// The parameters are inconsistent (see [`MarketParams::validate`]).
		InvalidParams,
		/// No dispute about the task's result is open.
		NotChallenged,
		/// A dispute about the task's result is open: it cannot be paid yet.
		ResultFrozen,
		/// An endpoint must be an `http://` or `https://` address of printable ASCII.
		InvalidEndpoint,
		/// An offchain report for a heartbeat period that is not the current one, or for a
		/// period the solver was already seen in.
		StaleReport,
		/// The dataset names no minibatch, more than
		/// [`aichain_engine::dataset::MAX_TASK_BATCHES`], or more samples than a dataset holds
		/// ([`aichain_engine::dataset::MAX_SAMPLES`]) at the program's batch size.
		BadDatasetSize,
		/// The market is paused: it takes no new tasks.
		MarketPaused,
	}

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Solvers registered at genesis: account, stake (escrowed from its genesis balance),
		/// capacity, hardware and service address. They count as offline until their first
		/// heartbeat.
		pub solvers: alloc::vec::Vec<(
			T::AccountId,
			BalanceOf<T>,
			WorkUnits,
			HardwareClass,
			Option<alloc::vec::Vec<u8>>,
		)>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			assert!(
				self.solvers.is_empty() ||
					T::Currency::balance(&Pallet::<T>::escrow_account()) >=
						T::Currency::minimum_balance(),
				"the compute escrow account (Config::EscrowId) needs the existential deposit in the \
				 genesis balances"
			);
			for (who, stake, capacity, hardware, endpoint) in &self.solvers {
				Pallet::<T>::do_register_solver(who.clone(), *stake, *capacity, *hardware)
					.expect("genesis solvers must be valid registrations");
				Pallet::<T>::mark_offline(who);
				if let Some(url) = endpoint {
					let url = BoundedVec::try_from(url.clone()).expect("endpoint within MaxUrlLen");
					Pallet::<T>::do_set_endpoint(who.clone(), Some(url))
						.expect("genesis endpoints must be http(s) addresses");
				}
			}
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			Self::tick(now)
		}

		fn offchain_worker(now: BlockNumberFor<T>) {
			crate::offchain::run::<T>(now);
		}

		fn integrity_test() {
			use sp_runtime::traits::Zero;
			assert!(
				T::DefaultParams::get()
					.validate(T::MaxVerifiers::get(), T::MaxExcludedSolvers::get())
					.is_ok(),
				"DefaultParams invalid: {:?}",
				T::DefaultParams::get()
					.validate(T::MaxVerifiers::get(), T::MaxExcludedSolvers::get())
			);
			assert!(!T::HeartbeatPeriod::get().is_zero(), "HeartbeatPeriod must be positive");
			assert!(!T::MiningEraLength::get().is_zero(), "MiningEraLength must be positive");
			assert!(
				T::MiningEraLength::get() >= T::HeartbeatPeriod::get(),
				"a mining era must span at least one heartbeat period"
			);
			assert!(T::MaxSolvers::get() > 0 && T::MaxTasksPerSolver::get() > 0);
			assert!(T::MaxQueuedTasks::get() > 0 && T::MaxWakeupsPerBlock::get() > 0);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Register as a solver, moving `stake` from the caller's liquid balance into escrow.
		///
		/// Origin: signed, not yet a solver. The registration counts as a heartbeat.
		/// Emits [`Event::SolverRegistered`].
		/// Errors: [`Error::AlreadyRegistered`], [`Error::TooManySolvers`],
		/// [`Error::StakeBelowMinimum`], [`Error::ZeroCapacity`], [`Error::InsufficientBalance`].
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register_solver())]
		pub fn register_solver(
			origin: OriginFor<T>,
			#[pallet::compact] stake: BalanceOf<T>,
			#[pallet::compact] capacity: WorkUnits,
			hardware: HardwareClass,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_register_solver(who, stake, capacity, hardware)
		}

		/// Hold `amount` more as stake.
		///
		/// Origin: signed, an active solver. Emits [`Event::StakeBonded`].
		/// Errors: [`Error::NotRegistered`], [`Error::SolverUnbonding`],
		/// [`Error::InsufficientBalance`].
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::bond_extra())]
		pub fn bond_extra(
			origin: OriginFor<T>,
			#[pallet::compact] amount: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_bond_extra(who, amount)
		}

		/// Change the advertised capacity and hardware class. Tasks already assigned keep their
		/// deadlines.
		///
		/// Origin: signed, an active solver. Emits [`Event::SolverUpdated`].
		/// Errors: [`Error::NotRegistered`], [`Error::SolverUnbonding`], [`Error::ZeroCapacity`].
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::update_solver())]
		pub fn update_solver(
			origin: OriginFor<T>,
			#[pallet::compact] capacity: WorkUnits,
			hardware: HardwareClass,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_update_solver(who, capacity, hardware)
		}

		/// Report the solver online for this heartbeat period.
		///
		/// Origin: signed, an active solver. Emits [`Event::Heartbeat`] once per period.
		/// Errors: [`Error::NotRegistered`], [`Error::SolverUnbonding`].
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::heartbeat())]
		pub fn heartbeat(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_heartbeat(who)
		}

		/// Stop taking new tasks and start the unbonding period. Tasks already assigned must
		/// still be delivered; the stake stays slashable until it may be withdrawn.
		///
		/// Origin: signed, an active solver. Emits [`Event::SolverUnbonding`].
		/// Errors: [`Error::NotRegistered`], [`Error::SolverUnbonding`].
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::unbond())]
		pub fn unbond(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_unbond(who)
		}

		/// Release the stake of an unbonded solver and remove its record.
		///
		/// Origin: signed, a solver whose unbonding period has passed and whose tasks are all
		/// settled. Emits [`Event::SolverWithdrawn`].
		/// Errors: [`Error::NotRegistered`], [`Error::NotUnbonding`], [`Error::StakeStillLocked`],
		/// [`Error::SolverBusy`].
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::withdraw_stake())]
		pub fn withdraw_stake(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_withdraw_stake(who)
		}

		/// Submit a training task. Its fee at the current price and a deposit for its record and
		/// wake-ups go from the caller's liquid balance into escrow; a solver is drawn for it with randomness revealed
		/// after this block.
		///
		/// Origin: signed. Emits [`Event::TaskSubmitted`].
		/// Errors: [`Error::InvalidProgram`], [`Error::FeeOverflow`], [`Error::FeeAboveMax`],
		/// [`Error::DeadlineTooSoon`], [`Error::DeadlineTooFar`], [`Error::QueueFull`],
		/// [`Error::InsufficientBalance`].
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::submit_task())]
		pub fn submit_task(
			origin: OriginFor<T>,
			program: Program,
			dataset: DatasetRefOf<T>,
			hardware: HardwareClass,
			deadline: BlockNumberFor<T>,
			#[pallet::compact] max_fee: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_submit_task(who, program, dataset, hardware, deadline, max_fee)
		}

		/// Cancel a task no solver has taken yet; the whole fee is released.
		///
		/// Origin: signed, the submitter. Emits [`Event::TaskRefunded`] (cause `Cancelled`).
		/// Errors: [`Error::UnknownTask`], [`Error::NotSubmitter`], [`Error::NotQueued`].
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::cancel_task())]
		pub fn cancel_task(origin: OriginFor<T>, task: TaskId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_cancel_task(who, task)
		}

		/// Acknowledge an assigned task within the acceptance period: the solver has the data
		/// and started training. From now on, missing the deadline is slashed.
		///
		/// Origin: signed, the assigned solver. Emits [`Event::TaskAccepted`].
		/// Errors: [`Error::UnknownTask`], [`Error::NotAssigned`], [`Error::NotAssignedSolver`],
		/// [`Error::AcceptancePeriodOver`].
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::accept_task())]
		pub fn accept_task(origin: OriginFor<T>, task: TaskId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_accept_task(who, task)
		}

		/// Post a task's result; its challenge window opens, and verifiers are drawn with
		/// randomness revealed after this block. Never refused for lack of room in the agenda.
		///
		/// Origin: signed, the assigned solver, by the task's deadline.
		/// Emits [`Event::ResultSubmitted`].
		/// Errors: [`Error::UnknownTask`], [`Error::NotAssignedSolver`],
		/// [`Error::DeadlinePassed`], [`Error::StepCountMismatch`].
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::submit_result())]
		pub fn submit_result(
			origin: OriginFor<T>,
			task: TaskId,
			result: TaskResult,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_submit_result(who, task, result)
		}

		/// Attest a result after re-executing part of its trace.
		///
		/// Origin: signed, a verifier drawn for the task, within the challenge window.
		/// Emits [`Event::ResultAttested`].
		/// Errors: [`Error::UnknownTask`], [`Error::NotInChallengeWindow`],
		/// [`Error::NotAVerifier`], [`Error::AlreadyAttested`].
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::attest())]
		pub fn attest(origin: OriginFor<T>, task: TaskId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_verdict(who, task, Verdict::Valid)
		}

		/// Set the market parameters. The price is clamped into the new floor and ceiling.
		///
		/// Origin: [`Config::GovernanceOrigin`]. Emits [`Event::ParamsUpdated`].
		/// Errors: [`Error::InvalidParams`].
		#[pallet::call_index(11)]
		#[pallet::weight(T::WeightInfo::set_params(T::MaxSolvers::get()))]
		pub fn set_params(origin: OriginFor<T>, params: ParamsOf<T>) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			Self::do_set_params(params)
		}

		/// Pause (`true`) or resume (`false`) the market. While it is paused no task is
		/// submitted and none is assigned, and the price stands still; tasks already assigned,
		/// running or submitted go on as usual, submitters may cancel queued tasks, and no queued
		/// task expires: when the market resumes, every queued task's deadline moves later by the
		/// part of the pause it spent queued. Setting the state the market has already changes
		/// nothing.
		///
		/// Origin: [`Config::PauseOrigin`]. Emits [`Event::MarketPaused`] or
		/// [`Event::MarketResumed`].
		#[pallet::call_index(15)]
		#[pallet::weight(T::WeightInfo::set_paused(T::MaxQueuedTasks::get()))]
		pub fn set_paused(origin: OriginFor<T>, paused: bool) -> DispatchResultWithPostInfo {
			T::PauseOrigin::ensure_origin(origin)?;
			let tasks = Self::do_set_paused(paused);
			Ok(Some(T::WeightInfo::set_paused(tasks)).into())
		}

		/// Set (or clear, with `None`) the public address of the caller's solver service, where
		/// verifiers fetch trace states and proofs (`GET /jobs/{id}/steps/{i}` and
		/// `/steps/{i}/state`). Without one, its results cannot be verified and verifier shares
		/// go unearned.
		///
		/// Origin: signed, a registered solver. Emits [`Event::EndpointSet`].
		/// Errors: [`Error::NotRegistered`], [`Error::InvalidEndpoint`].
		#[pallet::call_index(12)]
		#[pallet::weight(T::WeightInfo::set_endpoint())]
		pub fn set_endpoint(
			origin: OriginFor<T>,
			endpoint: Option<BoundedVec<u8, T::MaxUrlLen>>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_set_endpoint(who, endpoint)
		}

		/// Decline an assigned task the solver cannot serve. Never slashed; the solver is paid
		/// `decline_compensation` of the fee still held for its effort, at once, and is not drawn
		/// for the task again. After `max_declines` distinct solvers declined it, the task is
		/// refunded (cause `Unservable`): the fee less the compensations.
		///
		/// Origin: signed, the assigned solver, within the acceptance period.
		/// Emits [`Event::TaskDeclined`], [`Event::DeclineCompensated`], then
		/// [`Event::TaskRequeued`] or [`Event::TaskRefunded`].
		/// Errors: [`Error::UnknownTask`], [`Error::NotAssigned`], [`Error::NotAssignedSolver`],
		/// [`Error::AcceptancePeriodOver`].
		#[pallet::call_index(14)]
		#[pallet::weight(T::WeightInfo::decline_task())]
		pub fn decline_task(
			origin: OriginFor<T>,
			task: TaskId,
			reason: DeclineReason,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_decline_task(who, task, reason)
		}

		/// An offchain worker's report: a solver's heartbeat, acceptance or result, or a
		/// verifier's verdict, signed with the node's [`crate::offchain::KEY_TYPE`] key. Sent as
		/// a fee-free authorized transaction: the pool admits it only with a valid signature and
		/// while the action is still due, once per action.
		///
		/// Origin: authorized (see [`Pallet::authorize_report`]). Emits what the action emits:
		/// [`Event::Heartbeat`], [`Event::TaskAccepted`], [`Event::TaskDeclined`],
		/// [`Event::ResultSubmitted`],
		/// [`Event::ResultAttested`] or [`Event::ResultRejected`].
		/// Errors: those of `heartbeat`, `accept_task`, `submit_result` and `attest`, and
		/// [`Error::StaleReport`].
		#[pallet::call_index(13)]
		#[pallet::weight(Pallet::<T>::report_weight(&report.action))]
		#[pallet::authorize(|_source, report, signature| Pallet::<T>::authorize_report(report, signature))]
		#[pallet::weight_of_authorize(T::WeightInfo::authorize_report())]
		pub fn report(
			origin: OriginFor<T>,
			report: Report<T::OffchainKey>,
			signature: <T::OffchainKey as sp_runtime::RuntimeAppPublic>::Signature,
		) -> DispatchResult {
			frame_system::ensure_authorized(origin)?;
			// Checked by `authorize_report` before the call was admitted.
			let _ = signature;
			Self::do_report(report)
		}
	}
}

impl<T: Config> Pallet<T> {
	/// Weight of a report's action: that of the signed call doing the same.
	pub fn report_weight(action: &OffchainAction) -> frame_support::weights::Weight {
		match action {
			OffchainAction::Heartbeat { .. } => T::WeightInfo::heartbeat(),
			OffchainAction::Accept { .. } => T::WeightInfo::accept_task(),
			OffchainAction::Decline { .. } => T::WeightInfo::decline_task(),
			OffchainAction::Result { .. } => T::WeightInfo::submit_result(),
			OffchainAction::Verdict { .. } => T::WeightInfo::attest(),
		}
	}
}

impl<T: Config> sp_runtime::BoundToRuntimeAppPublic for Pallet<T> {
	type Public = T::OffchainKey;
}

/// The `compute` session key: validators' offchain workers sign verdicts with it. The pallet
/// keeps nothing per session; the key is looked up through [`Config::OffchainKeys`].
impl<T: Config> frame_support::traits::OneSessionHandler<T::AccountId> for Pallet<T> {
	type Key = T::OffchainKey;

	fn on_genesis_session<'a, I: 'a>(_validators: I)
	where
		I: Iterator<Item = (&'a T::AccountId, Self::Key)>,
	{
	}

	fn on_new_session<'a, I: 'a>(_changed: bool, _validators: I, _queued: I)
	where
		I: Iterator<Item = (&'a T::AccountId, Self::Key)>,
	{
	}

	fn on_disabled(_validator_index: u32) {}
}
