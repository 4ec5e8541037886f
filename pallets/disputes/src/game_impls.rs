//! The bisection game on-chain: opening with a bond, the moves, the chess clocks' settlement
//! and the game's outcomes. The game's rules themselves are the pure state machine of
//! [`crate::game`]; this file checks each move's proof against the right root, keeps the
//! storage, the escrowed bonds and the expiry agenda, and ends games.
//!
//! **Money**: a bond leaves the challenger's liquid funds (never what a lock or freeze covers)
//! for [`Config::Escrow`] and is held there under [`HoldReason::GameBond`]. It leaves escrow
//! when its game ends: back to the challenger if it won or the game became moot, else half to
//! the solver and the rest to the treasury. A won game slashes the solver through the market's
//! `convict` (the submitter is refunded) and shares the slash as a fraud proof does.
//!
//! **Moot games**: once a result is settled otherwise (another game or a fraud proof disproved
//! it), its other games cannot move; each gives its bond back at its expiry, or at once when
//! anyone calls [`Pallet::timeout`] on it.

use crate::{
	game::{Game, MoveError, OpenError, Party, Range, Revealed},
	pallet::*,
	types::*,
	BalanceOf, CreditOf, GameRecordOf, WeightInfo, LOG_TARGET,
};
use aichain_engine::{
	referee::{self, Commitments, RefereeError, Transition},
	trace::verify_step,
};
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{Balanced, Inspect, InspectHold, MutateHold},
		tokens::{Fortitude, Precision, Preservation},
		Imbalance, OnUnbalanced,
	},
	weights::Weight,
};
use frame_system::pallet_prelude::BlockNumberFor;
use pallet_compute::{DisputeTarget, FrozenBalance, TaskDisputes, TaskId};
use sp_core::H256;
use sp_runtime::{
	traits::{One, Saturating, Zero},
	Perbill,
};

impl<T: Config> Pallet<T> {
	/// The account bonds are held on.
	pub fn escrow_account() -> T::AccountId {
		T::Escrow::get()
	}

	/// The bond a game on a task paying `fee` takes now: the larger of `bond_min` and
	/// `bond_share` of the fee.
	pub fn bond_for(fee: BalanceOf<T>) -> BalanceOf<T> {
		let params = GameParameters::<T>::get();
		params.bond_share.mul_floor(fee).max(params.bond_min)
	}

	/// Weight of ending a game, whichever way: the heavier of convicting the solver and
	/// paying its result.
	pub fn settle_weight() -> Weight {
		T::WeightInfo::timeout().max(T::WeightInfo::timeout_pays())
	}

	/// Weight of a move: a reveal, or a referee move paying for `max_cost` referee cost units
	/// and carrying its bytes; either may end the game.
	pub fn move_weight(mv: &Move) -> Weight {
		match mv {
			Move::Reveal(_) => T::WeightInfo::reveal().saturating_add(Self::settle_weight()),
			Move::Referee { max_cost, prior_state, minibatch, .. } => {
				Self::referee_weight(*max_cost, prior_state.len(), minibatch.len())
					.saturating_add(Self::settle_weight())
			},
			Move::Model { last_state } => {
				T::WeightInfo::prove_model(last_state.len().try_into().unwrap_or(u32::MAX))
					.saturating_add(Self::settle_weight())
			},
		}
	}

	/// A game as clients see it (the runtime API's answer).
	pub fn game_info(
		id: GameId,
	) -> Option<GameInfo<T::AccountId, BalanceOf<T>, BlockNumberFor<T>>> {
		let record = Games::<T>::get(id)?;
		Some(GameInfo {
			due: record.state.due(),
			due_step: record.state.due_step(),
			deadline: record.state.deadline(),
			moot: T::Market::dispute_target(record.task).is_none(),
			record,
		})
	}

	/// The games being played on `task`.
	pub fn games_of(task: TaskId) -> alloc::vec::Vec<GameId> {
		GamesOf::<T>::iter_prefix_values(task).collect()
	}

	/// Open a game (see [`Pallet::open_game`]).
	pub(crate) fn do_open(
		challenger: T::AccountId,
		task: TaskId,
		opening: Opening,
	) -> Result<GameId, DispatchError> {
		let now = frame_system::Pallet::<T>::block_number();
		let target = T::Market::dispute_target(task).ok_or(Error::<T>::NotDisputable)?;
		// New games open only inside the window (a frozen result past it takes fraud proofs,
		// not new games).
		ensure!(now <= target.window_end, Error::<T>::NotDisputable);
		// Without the count no step can be refereed: the game could never end but by a clock.
		ensure!(target.batches > 0, Error::<T>::UnknownBatchCount);
		let steps = target.result.steps;
		let trace_root = target.result.trace_root;
		let Opening { claim_root, from, to, from_leaf, from_trace_proof, claim_to, solver_to } =
			opening;
		ensure!(!GamesOf::<T>::contains_key(task, &challenger), Error::<T>::AlreadyOpened);
		ensure!(from < to && to <= steps, Error::<T>::BadRange);
		let whole = from == 0 && to == steps;
		ensure!(
			verify_step(&claim_root.0, steps, to, claim_to.hash.0, &claim_to.proof),
			Error::<T>::ClaimNotCommitted
		);
		let from_hash = match (from, from_leaf, from_trace_proof) {
			(0, None, None) => H256::zero(),
			(1.., Some(leaf), Some(trace_proof)) => {
				ensure!(
					verify_step(&claim_root.0, steps, from, leaf.hash.0, &leaf.proof),
					Error::<T>::ClaimNotCommitted
				);
				ensure!(
					verify_step(&trace_root.0, steps, from, leaf.hash.0, &trace_proof),
					Error::<T>::LeafNotCommitted
				);
				leaf.hash
			},
			_ => return Err(Error::<T>::BadRange.into()),
		};
		let solver_to = match solver_to {
			Some(leaf) => {
				ensure!(
					verify_step(&trace_root.0, steps, to, leaf.hash.0, &leaf.proof),
					Error::<T>::LeafNotCommitted
				);
				Some(leaf.hash)
			},
			// A narrow range must show that the solver disagrees at its end: otherwise a
			// challenger could drag an honest solver through any range it likes.
			None => {
				ensure!(whole, Error::<T>::BadRange);
				None
			},
		};
		let params = GameParameters::<T>::get();
		let range = Range { from, from_hash, to, claim_to: claim_to.hash, solver_to };
		let state = Game::open(steps, range, params.clock, now).map_err(|e| match e {
			OpenError::BadRange => Error::<T>::BadRange,
			OpenError::NoDisagreement => Error::<T>::NoDisagreement,
		})?;
		let bond = Self::bond_for(T::Market::fee_of(task).unwrap_or_default());
		Self::bond_in(&challenger, bond)?;
		T::Market::freeze(task)?;
		if Games::<T>::count() == 0 {
			// The agenda has been idle: it starts after this block (every expiry is later).
			ExpiryCursor::<T>::put(now.saturating_add(One::one()));
		}
		let id = NextGameId::<T>::get();
		NextGameId::<T>::put(id.checked_add(1).ok_or(sp_runtime::ArithmeticError::Overflow)?);
		let record = GameRecord {
			task,
			challenger: challenger.clone(),
			solver: target.solver,
			bond,
			claim_root,
			trace_root,
			steps,
			moves: 0,
			state,
		};
		Expiries::<T>::insert(Self::expiry(&record.state), id, ());
		Games::<T>::insert(id, record);
		GamesOf::<T>::insert(task, &challenger, id);
		Self::deposit_event(Event::GameOpened { game: id, task, challenger, bond, from, to });
		Ok(id)
	}

	/// The first block a game's due party is out of time in.
	fn expiry(state: &Game<BlockNumberFor<T>>) -> BlockNumberFor<T> {
		state.deadline().saturating_add(One::one())
	}

	/// `who` makes the due move of game `id` (see [`Pallet::play`]).
	pub(crate) fn do_play(who: &T::AccountId, id: GameId, mv: Move) -> DispatchResult {
		let mut record = Games::<T>::get(id).ok_or(Error::<T>::UnknownGame)?;
		let target = T::Market::dispute_target(record.task).ok_or(Error::<T>::GameMoot)?;
		let party = record.state.due();
		let mover = match party {
			Party::Challenger => &record.challenger,
			Party::Solver => &record.solver,
		};
		if who != mover {
			let in_game = *who == record.challenger || *who == record.solver;
			return Err(if in_game { Error::<T>::NotDue } else { Error::<T>::NotAParty }.into());
		}
		let now = frame_system::Pallet::<T>::block_number();
		let expiry = Self::expiry(&record.state);
		match mv {
			Move::Reveal(leaf) => {
				let step = record.state.due_step().ok_or(Error::<T>::NotDue)?;
				let (root, unproven) = match party {
					Party::Solver => (record.trace_root, Error::<T>::LeafNotCommitted),
					Party::Challenger => (record.claim_root, Error::<T>::ClaimNotCommitted),
				};
				ensure!(
					verify_step(&root.0, record.steps, step, leaf.hash.0, &leaf.proof),
					unproven
				);
				let revealed =
					record.state.reveal(party, leaf.hash, now).map_err(Self::move_error)?;
				record.moves = record.moves.saturating_add(1);
				Self::deposit_event(Event::Revealed { game: id, by: party, step, hash: leaf.hash });
				match revealed {
					Revealed::Continue => {
						Expiries::<T>::remove(expiry, id);
						Expiries::<T>::insert(Self::expiry(&record.state), id, ());
						Games::<T>::insert(id, record);
						Ok(())
					},
					Revealed::ChallengeFails => {
						Self::end_game(id, record, Party::Solver, GameEnd::SameEnd)
					},
				}
			},
			Move::Referee { max_cost, prior_state, minibatch, minibatch_proof } => {
				ensure!(
					referee::referee_cost(&target.program) <= max_cost,
					Error::<T>::CostNotCovered
				);
				let case = record.state.referee(now).map_err(Self::move_error)?;
				let commitments = Self::commitments(&target);
				let transition = Transition {
					step: case.step,
					prior: case.prior.0,
					prior_state: &prior_state,
					minibatch: &minibatch,
					minibatch_proof: &minibatch_proof,
					leaf: case.leaf.0,
				};
				match referee::referee_transition(&target.program, &commitments, &transition) {
					Ok(fault) => {
						// The step is proven wrong: as a fraud proof of it, with the challenger
						// as prover (the blind attesters of its segment are penalized too).
						Self::take_down(id, record, Some((case.step, fault)))
					},
					Err(RefereeError::NoFraud) => {
						Self::end_game(id, record, Party::Solver, GameEnd::SolverRight)
					},
					Err(e) => Err(Self::refusal(e)),
				}
			},
			Move::Model { last_state } => {
				let leaf = record.state.model(now).map_err(Self::move_error)?;
				let commitments = Self::commitments(&target);
				match referee::referee_model_leaf(&commitments, &last_state, leaf.0) {
					// Step 0: the model, as a model fraud proof names it.
					Ok(fault) => Self::take_down(id, record, Some((0, fault))),
					Err(RefereeError::NoFraud) => {
						Self::end_game(id, record, Party::Solver, GameEnd::SameEnd)
					},
					Err(e) => Err(Self::refusal(e)),
				}
			},
		}
	}

	/// What the referee checks a step against.
	pub(crate) fn commitments(
		target: &DisputeTarget<T::AccountId, BlockNumberFor<T>>,
	) -> Commitments {
		Commitments {
			trace_root: target.result.trace_root.0,
			steps: target.result.steps,
			model_hash: target.result.model_hash.0,
			dataset_root: target.dataset_root.0,
			batches: target.batches,
		}
	}

	fn move_error(e: MoveError) -> DispatchError {
		match e {
			MoveError::NotDue => Error::<T>::NotDue,
			MoveError::OutOfTime => Error::<T>::OutOfTime,
		}
		.into()
	}

	/// Settle game `id` if it is over: moot, or its due party out of time.
	pub(crate) fn do_timeout(id: GameId) -> DispatchResult {
		let record = Games::<T>::get(id).ok_or(Error::<T>::UnknownGame)?;
		if T::Market::dispute_target(record.task).is_none() {
			return Self::end_game(id, record, Party::Challenger, GameEnd::Moot);
		}
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(record.state.expired(now), Error::<T>::GameNotOver);
		match record.state.due() {
			Party::Solver => Self::take_down(id, record, None),
			Party::Challenger => {
				Self::end_game(id, record, Party::Solver, GameEnd::OutOfTime(Party::Challenger))
			},
		}
	}

	/// The challenger won: the solver is convicted (a proven step is a fraud proof of it,
	/// `None` is the solver out of time) and the bond goes back.
	fn take_down(
		id: GameId,
		record: GameRecordOf<T>,
		proven: Option<(u32, Fault)>,
	) -> DispatchResult {
		let target = T::Market::dispute_target(record.task).ok_or(Error::<T>::GameMoot)?;
		let (slash, end) = match proven {
			Some((step, fault)) => (
				Self::convict(record.task, target, record.challenger.clone(), step, fault)?,
				GameEnd::Refereed(fault),
			),
			None => (
				Self::slash_solver(record.task, &record.solver, &record.challenger)?,
				GameEnd::OutOfTime(Party::Solver),
			),
		};
		Self::deposit_event(Event::GameSlash {
			game: id,
			solver: record.solver.clone(),
			slashed: slash.slashed,
			reward: slash.reward,
			to_treasury: slash.to_treasury,
		});
		Self::end_game(id, record, Party::Challenger, end)
	}

	/// Remove game `id` and move its bond: back to the challenger when it won (the solver was
	/// convicted before this) or the game is moot; otherwise half to the solver, the rest to the
	/// treasury, and the game's dispute closes (the result is paid if it was the last one and
	/// the window has closed).
	fn end_game(
		id: GameId,
		record: GameRecordOf<T>,
		winner: Party,
		end: GameEnd,
	) -> DispatchResult {
		// After the window no game can open: a verifier's mark has done its work.
		if T::Market::dispute_target(record.task)
			.is_none_or(|t| frame_system::Pallet::<T>::block_number() > t.window_end)
		{
			VerifierOpened::<T>::remove(record.task, &record.challenger);
		}
		Games::<T>::remove(id);
		GamesOf::<T>::remove(record.task, &record.challenger);
		Expiries::<T>::remove(Self::expiry(&record.state), id);
		let bond = Self::bond_out(record.bond)?;
		match winner {
			Party::Challenger => {
				let amount = Self::pay_or_treasury(&record.challenger, bond);
				Self::deposit_event(Event::BondReturned {
					game: id,
					challenger: record.challenger.clone(),
					amount,
				});
			},
			Party::Solver => {
				let (to_solver, to_treasury) =
					bond.split(Perbill::from_percent(50).mul_floor(record.bond));
				let to_solver = Self::pay_or_treasury(&record.solver, to_solver);
				let to_treasury_amount = record.bond.saturating_sub(to_solver);
				T::Treasury::on_unbalanced(to_treasury);
				Self::deposit_event(Event::BondForfeited {
					game: id,
					to_solver,
					to_treasury: to_treasury_amount,
				});
				T::Market::acquit(record.task)?;
			},
		}
		Self::deposit_event(Event::GameEnded { game: id, task: record.task, winner, end });
		Ok(())
	}

	/// Move `amount` of `who`'s liquid funds into escrow, held as a bond. Funds a lock or
	/// freeze covers never leave (see `pallet_compute`'s escrow for why not a hold on `who`).
	fn bond_in(who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		let untouchable = T::FrozenBalance::frozen(who).max(T::Currency::minimum_balance());
		let liquid = T::Currency::balance(who).saturating_sub(untouchable);
		ensure!(liquid >= amount, Error::<T>::InsufficientBalance);
		T::Currency::transfer_and_hold(
			&HoldReason::GameBond.into(),
			who,
			&Self::escrow_account(),
			amount,
			Precision::Exact,
			Preservation::Preserve,
			Fortitude::Polite,
		)?;
		Ok(())
	}

	/// Take exactly `amount` of bonds out of escrow, as a credit to hand on.
	fn bond_out(amount: BalanceOf<T>) -> Result<CreditOf<T>, DispatchError> {
		let escrow = Self::escrow_account();
		frame_support::storage::with_storage_layer(|| {
			T::Currency::release(&HoldReason::GameBond.into(), &escrow, amount, Precision::Exact)?;
			T::Currency::withdraw(
				&escrow,
				amount,
				Precision::Exact,
				Preservation::Preserve,
				Fortitude::Force,
			)
		})
	}

	/// `on_initialize`: settle the games whose due party ran out of time (or that are moot),
	/// oldest expiry first, at most [`Config::MaxSettlesPerBlock`] of them, looking at no more
	/// than as many blocks of the agenda again.
	pub(crate) fn settle_expired(now: BlockNumberFor<T>) -> Weight {
		let db = T::DbWeight::get();
		if Games::<T>::count() == 0 {
			// Nothing to settle (the first game to open sets the cursor).
			return db.reads(1);
		}
		let max = T::MaxSettlesPerBlock::get();
		let mut cursor = ExpiryCursor::<T>::get();
		let (mut settled, mut visited) = (0u32, 0u32);
		let mut weight = db.reads_writes(2, 1);
		while cursor <= now && settled < max && visited < max.saturating_mul(2) {
			visited = visited.saturating_add(1);
			let due: alloc::vec::Vec<GameId> = Expiries::<T>::iter_key_prefix(cursor)
				.take(max.saturating_sub(settled) as usize)
				.collect();
			weight.saturating_accrue(db.reads(due.len().saturating_add(1) as u64));
			for id in due {
				settled = settled.saturating_add(1);
				weight.saturating_accrue(Self::settle_weight());
				let outcome = frame_support::storage::with_storage_layer(|| Self::do_timeout(id));
				if let Err(e) = outcome {
					// Cannot happen (an expiry is only ever where its game's deadline is); the
					// entry goes so that the agenda moves on, and the game stays for
					// `timeout` to settle.
					log::error!(target: LOG_TARGET, "game {id} could not be settled: {e:?}");
					Expiries::<T>::remove(cursor, id);
				}
			}
			weight.saturating_accrue(db.reads(1));
			if Expiries::<T>::iter_key_prefix(cursor).next().is_some() {
				break;
			}
			cursor = cursor.saturating_add(One::one());
		}
		ExpiryCursor::<T>::put(cursor);
		weight
	}

	/// Check the games' invariants (see the crate documentation).
	#[cfg(any(feature = "try-runtime", feature = "std", test))]
	pub fn do_try_state_games() -> Result<(), sp_runtime::TryRuntimeError> {
		GameParameters::<T>::get()
			.validate()
			.map_err(|_| "the game parameters do not validate")?;
		let mut bonds = BalanceOf::<T>::zero();
		let mut games = 0u32;
		let mut per_task = alloc::collections::BTreeMap::<TaskId, u32>::new();
		for (id, record) in Games::<T>::iter() {
			games = games.saturating_add(1);
			bonds = bonds.saturating_add(record.bond);
			ensure!(id < NextGameId::<T>::get(), "a game's id is not below the next id");
			ensure!(
				Expiries::<T>::contains_key(Self::expiry(&record.state), id),
				"a game is not on the agenda at its expiry"
			);
			ensure!(
				Self::expiry(&record.state) >= ExpiryCursor::<T>::get(),
				"a game's expiry lies before the agenda's cursor"
			);
			ensure!(
				GamesOf::<T>::get(record.task, &record.challenger) == Some(id),
				"a game is not in its task's index"
			);
			let game = &record.state;
			ensure!(game.from < game.to && game.to <= record.steps, "a game's range is broken");
			if let Some(target) = T::Market::dispute_target(record.task) {
				let count = per_task.entry(record.task).or_default();
				*count = count.saturating_add(1);
				ensure!(target.solver == record.solver, "a game's solver is not its result's");
			}
		}
		ensure!(Games::<T>::count() == games, "the games' counter is off");
		ensure!(
			Expiries::<T>::iter().count() == games as usize,
			"the agenda holds an entry of no game"
		);
		ensure!(GamesOf::<T>::iter().count() == games as usize, "the task index holds no game");
		for (task, count) in per_task {
			let open = T::Market::dispute_target(task).map(|t| t.disputes).unwrap_or_default();
			ensure!(open >= count, "a task has more games than open disputes");
		}
		let escrow = Self::escrow_account();
		ensure!(
			T::Currency::balance_on_hold(&HoldReason::GameBond.into(), &escrow) == bonds,
			"the bonds held differ from the games' bonds"
		);
		ensure!(
			T::Currency::balance(&escrow) >= T::Currency::minimum_balance(),
			"the escrow account lacks the existential deposit"
		);
		Ok(())
	}
}

/// The shares of a solver's slash.
pub(crate) struct Slash<Balance> {
	/// Taken from the solver's stake.
	pub slashed: Balance,
	/// Paid to the prover (the challenger).
	pub reward: Balance,
	/// Paid to the treasury.
	pub to_treasury: Balance,
}

impl<T: Config> Pallet<T> {
	/// Convict the solver of `task` (the market slashes it and refunds the submitter) and
	/// share the slash: [`DisputeParams::prover_share`] to `prover` (nothing when the prover is
	/// the solver itself), the rest to the treasury.
	pub(crate) fn slash_solver(
		task: TaskId,
		solver: &T::AccountId,
		prover: &T::AccountId,
	) -> Result<Slash<BalanceOf<T>>, DispatchError> {
		let params = Params::<T>::get();
		let credit = T::Market::convict(task, params.fraud_slash)?;
		let slashed = credit.peek();
		let share =
			if prover == solver { Zero::zero() } else { params.prover_share.mul_floor(slashed) };
		let (to_prover, to_treasury) = credit.split(share);
		let reward = Self::pay_or_treasury(prover, to_prover);
		T::Treasury::on_unbalanced(to_treasury);
		let _ = Reported::<T>::clear_prefix(task, u32::MAX, None);
		let _ = VerifierOpened::<T>::clear_prefix(task, u32::MAX, None);
		Ok(Slash { slashed, reward, to_treasury: slashed.saturating_sub(reward) })
	}
}

/// Priority of the parties' fee-free actions in the pool: above ordinary transactions, like
/// fraud reports.
const ACTION_PRIORITY: u64 = u64::MAX / 2;

/// Blocks a fee-free action stays valid in the pool.
const ACTION_LONGEVITY: u64 = 8;

impl<T: Config> Pallet<T> {
	/// The bytes an action's key signs: a domain tag, this chain's genesis hash and the
	/// action's blake2-256 (a referee move may be megabytes).
	pub fn action_payload(action: &SignedGameAction<T::OffchainKey>) -> alloc::vec::Vec<u8> {
		use codec::Encode;
		(
			b"aichain/disputes/game",
			frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero()),
			sp_io::hashing::blake2_256(&action.encode()),
		)
			.encode()
	}

	/// Who acts, if its key may act fee-free now: an open is a verifier drawn for the task; a
	/// move is the due party (the solver by its own key, a challenger that is a verifier drawn
	/// for the task by its `compute` key), at the game's current move count.
	pub(crate) fn action_actor(
		signed: &SignedGameAction<T::OffchainKey>,
	) -> Result<T::AccountId, DispatchError> {
		use pallet_compute::OffchainKeys;
		let drawn = |task: TaskId, who: &T::AccountId| -> DispatchResult {
			let target = T::Market::dispute_target(task).ok_or(Error::<T>::NotDisputable)?;
			ensure!(target.verifiers.iter().any(|v| v.account == *who), Error::<T>::NotAVerifier);
			Ok(())
		};
		match &signed.action {
			GameAction::Open { task, .. } => {
				let who =
					T::OffchainKeys::validator(&signed.key).ok_or(Error::<T>::NotAVerifier)?;
				drawn(*task, &who)?;
				ensure!(!VerifierOpened::<T>::contains_key(task, &who), Error::<T>::AlreadyOpened);
				Ok(who)
			},
			GameAction::Play { game, moves, .. } => {
				let record = Games::<T>::get(game).ok_or(Error::<T>::UnknownGame)?;
				ensure!(*moves == record.moves, Error::<T>::StaleMove);
				match record.state.due() {
					Party::Solver => {
						ensure!(
							T::OffchainKeys::account(&signed.key) == record.solver,
							Error::<T>::NotAParty
						);
						Ok(record.solver)
					},
					Party::Challenger => {
						let who = T::OffchainKeys::validator(&signed.key)
							.filter(|who| *who == record.challenger)
							.ok_or(Error::<T>::NotAParty)?;
						drawn(record.task, &who)?;
						Ok(who)
					},
				}
			},
		}
	}

	/// A fee-free referee move carries exactly what the program needs (its referee cost, a
	/// state and minibatch of its shape) and the agreed state and committed minibatch: all but
	/// the recomputation, which the dispatch does.
	fn check_referee_move(game: GameId, mv: &Move) -> DispatchResult {
		let record = Games::<T>::get(game).ok_or(Error::<T>::UnknownGame)?;
		let target = T::Market::dispute_target(record.task).ok_or(Error::<T>::GameMoot)?;
		let (max_cost, prior_state, minibatch, minibatch_proof) = match mv {
			Move::Reveal(_) => return Ok(()),
			// A model move carries exactly a state of the program's shape.
			Move::Model { last_state } => {
				ensure!(
					last_state.len() == referee::state_len(&target.program),
					Error::<T>::NotTheProgramsShape
				);
				return Ok(());
			},
			Move::Referee { max_cost, prior_state, minibatch, minibatch_proof } => {
				(max_cost, prior_state, minibatch, minibatch_proof)
			},
		};
		ensure!(record.state.phase == crate::game::Phase::Referee, Error::<T>::NotDue);
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(!record.state.expired(now), Error::<T>::OutOfTime);
		let program = &target.program;
		let step = record.state.to;
		ensure!(
			Self::step_of_programs_shape(
				program,
				step,
				*max_cost,
				prior_state.len(),
				minibatch.len()
			),
			Error::<T>::NotTheProgramsShape
		);
		if step > 1 {
			ensure!(
				aichain_engine::trace::blake2_256(prior_state) == record.state.from_hash.0,
				Error::<T>::PriorStateNotCommitted
			);
		}
		let index = aichain_engine::dataset::batch_for_step(program.seed, target.batches, step)
			.ok_or(Error::<T>::StepOutOfRange)?;
		ensure!(
			aichain_engine::trace::verify_proof(
				&target.dataset_root.0,
				target.batches,
				index,
				aichain_engine::trace::blake2_256(minibatch),
				minibatch_proof
			),
			Error::<T>::MinibatchNotCommitted
		);
		Ok(())
	}

	/// Pool validity of a fee-free action: signed by its key, from a party that may act now,
	/// and valid (an open, a reveal or a model move is tried and rolled back; a referee move is
	/// checked but for its recomputation). One per verifier and task for an open, one per due
	/// move.
	pub(crate) fn authorize_action(
		signed: &SignedGameAction<T::OffchainKey>,
		signature: &<T::OffchainKey as sp_runtime::RuntimeAppPublic>::Signature,
	) -> sp_runtime::transaction_validity::TransactionValidityWithRefund {
		use codec::Encode;
		use sp_runtime::{
			transaction_validity::{InvalidTransaction, ValidTransaction},
			RuntimeAppPublic,
		};
		if !signed.key.verify(&Self::action_payload(signed), signature) {
			return Err(InvalidTransaction::BadProof.into());
		}
		let checked = frame_support::storage::with_transaction(|| {
			let outcome = Self::action_actor(signed).and_then(|who| {
				match &signed.action {
					GameAction::Open { task, opening, .. } => {
						Self::do_open(who.clone(), *task, opening.clone()).map(|_| ())
					},
					GameAction::Play { game, mv: mv @ Move::Referee { .. }, .. } => {
						Self::check_referee_move(*game, mv)
					},
					GameAction::Play { game, mv, .. } => Self::check_referee_move(*game, mv)
						.and_then(|()| Self::do_play(&who, *game, mv.clone())),
				}
				.map(|()| who)
			});
			sp_runtime::TransactionOutcome::Rollback(Ok::<_, DispatchError>(outcome))
		});
		let who = match checked {
			Ok(Ok(who)) => who,
			Ok(Err(e)) | Err(e) => {
				log::debug!(target: LOG_TARGET, "game action refused: {e:?}");
				return Err(InvalidTransaction::Stale.into());
			},
		};
		let tag = match &signed.action {
			GameAction::Open { task, .. } => (b"open", task, who).encode(),
			GameAction::Play { game, moves, .. } => (b"move", game, moves).encode(),
		};
		let validity = ValidTransaction::with_tag_prefix("disputes")
			.priority(ACTION_PRIORITY)
			.and_provides(tag)
			.longevity(ACTION_LONGEVITY)
			.propagate(true)
			.build()?;
		Ok((validity, Weight::zero()))
	}

	/// Dispatch a fee-free action.
	pub(crate) fn do_act(signed: SignedGameAction<T::OffchainKey>) -> DispatchResult {
		let who = Self::action_actor(&signed)?;
		match signed.action {
			GameAction::Open { task, opening } => {
				Self::do_open(who.clone(), task, opening)?;
				VerifierOpened::<T>::insert(task, who, ());
				Ok(())
			},
			GameAction::Play { game, mv, .. } => {
				Self::check_referee_move(game, &mv)?;
				Self::do_play(&who, game, mv)
			},
		}
	}

	/// Weight of an action's dispatch: that of the signed call doing the same.
	pub fn action_weight(action: &GameAction) -> Weight {
		match action {
			GameAction::Open { .. } => T::WeightInfo::open_game(),
			GameAction::Play { mv, .. } => Self::move_weight(mv),
		}
	}

	/// Weight of an action's pool check: the signature and the dry run.
	pub fn authorize_weight(action: &GameAction) -> Weight {
		// Measured for an open; a move's dry run is the move itself, which may end the game.
		let check = T::WeightInfo::authorize_action();
		match action {
			GameAction::Open { .. } => check,
			GameAction::Play { mv: Move::Referee { prior_state, minibatch, .. }, .. } => {
				let bytes = prior_state.len().saturating_add(minibatch.len());
				check
					.saturating_add(T::WeightInfo::read_bytes(bytes.try_into().unwrap_or(u32::MAX)))
			},
			GameAction::Play { mv, .. } => check.saturating_add(Self::move_weight(mv)),
		}
	}
}
