//! The interface the disputes pallet uses: look up what a result committed to, convict a solver
//! proven wrong, and (for games that run over several blocks) freeze a result while disputes
//! run. A result is paid only once its challenge window has closed with no dispute open.

use crate::{pallet::*, types::*, BalanceOf, CreditOf};
use frame_support::{pallet_prelude::*, traits::Imbalance};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_core::H256;
use sp_runtime::{traits::Saturating, ArithmeticError, Perbill, Permill};

/// What a dispute about a task's result needs to referee it.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct DisputeTarget<AccountId, BlockNumber> {
	/// Who paid for the task.
	pub submitter: AccountId,
	/// The solver whose result is disputed.
	pub solver: AccountId,
	/// The program it ran.
	pub program: Program,
	/// The dataset's minibatch Merkle root.
	pub dataset_root: H256,
	/// The dataset's minibatch count (0 for a task from before the count: no step of it can be
	/// refereed).
	pub batches: u32,
	/// What it committed to.
	pub result: TaskResult,
	/// Last block of the challenge window: new disputes open until then.
	pub window_end: BlockNumber,
	/// Disputes about the result that are open; while any is, the result stays unpaid (and
	/// disputable) past `window_end`.
	pub disputes: u32,
	/// The verifiers drawn to check it, with their segments and verdicts.
	pub verifiers: alloc::vec::Vec<Verifier<AccountId>>,
}

/// The compute market as seen by a dispute game.
pub trait TaskDisputes<AccountId> {
	/// Balance type.
	type Balance;
	/// Slashed funds, for the dispute game to share out.
	type Credit;
	/// Block numbers.
	type BlockNumber;

	/// The result of `task` while it can be (or is being) disputed: in its challenge window,
	/// or after it while a dispute keeps it frozen.
	fn dispute_target(task: TaskId) -> Option<DisputeTarget<AccountId, Self::BlockNumber>>;

	/// The solver of `task` is proven wrong: take `share` of its stake (returned, for the
	/// dispute to share out), refund the submitter in full, drop the solver's reputation to
	/// zero and never pay the result. Only while [`Self::dispute_target`] answers.
	fn convict(task: TaskId, share: Perbill) -> Result<Self::Credit, DispatchError>;

	/// A dispute about `task` opens, inside its challenge window: the result is frozen (not
	/// paid) until every dispute opened has closed with [`Self::acquit`] or one ended in
	/// [`Self::convict`]. Several disputes may be open at once. Returns how many are open.
	///
	/// The caller must close every dispute it opens, in bounded time (its games run on
	/// clocks): past its window, a frozen result has no wake-up of its own, and its fee, the
	/// solver's slot and its open fees stay bound until then.
	fn freeze(task: TaskId) -> Result<u32, DispatchError>;

	/// A solver's stake, if it is registered.
	fn stake_of(solver: &AccountId) -> Option<Self::Balance>;

	/// The fee `task` pays, while it is on record.
	fn fee_of(task: TaskId) -> Option<Self::Balance>;

	/// Offchain only: the solver's leaf `step` of `task`'s result with its proof, from this
	/// node's own solver service (`--solver-url`), which trained the job. `None` if the service
	/// cannot serve it (or its leaf is not the committed one).
	fn served_leaf(task: TaskId, step: u32) -> Option<(H256, aichain_engine::MerkleProof)>;

	/// Offchain only: `task`'s program re-executed honestly on this node's solver service
	/// from the initial state through step `to`: every state hash, the last state's model hash
	/// and, with `evidence`, what the referee needs to recompute step `to`. `None` if the
	/// service cannot do it.
	fn replay(task: TaskId, to: u32, evidence: bool) -> Option<Replay>;

	/// One dispute about `task` ended without disproving its result. When it was the last one
	/// open, the solver's `disputes_won` counts one (once per result, however many disputes
	/// it won) and, if the window has closed, the solver is paid at once, as after an
	/// unchallenged window; inside the window, the payout waits for the window's end. Returns
	/// how many disputes are still open. All or nothing.
	fn acquit(task: TaskId) -> Result<u32, DispatchError>;
}

impl<T: Config> TaskDisputes<T::AccountId> for Pallet<T> {
	type Balance = BalanceOf<T>;
	type Credit = CreditOf<T>;
	type BlockNumber = BlockNumberFor<T>;

	fn dispute_target(id: TaskId) -> Option<DisputeTarget<T::AccountId, BlockNumberFor<T>>> {
		let task = Tasks::<T>::get(id)?;
		// A frozen result stays disputable until its disputes settle it.
		let TaskStatus::Submitted { solver, result, window_end, verifiers, disputes, .. } =
			task.status
		else {
			return None;
		};
		if Self::now() > window_end && disputes == 0 {
			return None;
		}
		Some(DisputeTarget {
			submitter: task.submitter,
			solver,
			program: task.program,
			dataset_root: task.dataset.root,
			batches: task.dataset.batches,
			result,
			window_end,
			disputes,
			verifiers: verifiers.into_inner(),
		})
	}

	fn convict(id: TaskId, share: Perbill) -> Result<CreditOf<T>, DispatchError> {
		ensure!(Self::dispute_target(id).is_some(), Error::<T>::NotInChallengeWindow);
		let task = Tasks::<T>::get(id).ok_or(Error::<T>::UnknownTask)?;
		let solver_id =
			task.status.bound_solver().cloned().ok_or(Error::<T>::NotInChallengeWindow)?;
		ensure!(Solvers::<T>::contains_key(&solver_id), Error::<T>::NotRegistered);
		let credit = Self::slash_stake(&solver_id, share);
		Self::deposit_event(Event::SolverSlashed {
			solver: solver_id.clone(),
			task: id,
			amount: credit.peek(),
			cause: SlashCause::DisputeLost,
		});
		Self::mutate_solver(&solver_id, |solver| {
			solver.stats.disputes_lost = solver.stats.disputes_lost.saturating_add(1);
			solver.reputation = Permill::zero();
			solver.active_tasks = solver.active_tasks.saturating_sub(1);
			solver.open_fees = solver.open_fees.saturating_sub(task.fee);
		});
		// The verifiers that have not answered yet owe nothing any more.
		Self::release_duties(id, &task.status);
		Self::refund(id, task, RefundCause::ResultDisproved)?;
		Ok(credit)
	}

	fn freeze(id: TaskId) -> Result<u32, DispatchError> {
		let now = Self::now();
		let open = Tasks::<T>::try_mutate(id, |task| -> Result<u32, DispatchError> {
			let task = task.as_mut().ok_or(Error::<T>::UnknownTask)?;
			let before = Self::wakeups_of(task);
			let TaskStatus::Submitted { window_end, disputes, .. } = &mut task.status else {
				return Err(Error::<T>::NotInChallengeWindow.into());
			};
			ensure!(now <= *window_end, Error::<T>::NotInChallengeWindow);
			*disputes = disputes.checked_add(1).ok_or(ArithmeticError::Overflow)?;
			let open = *disputes;
			// A frozen result has no window wake-up: its last dispute to close pays it.
			Self::update_wakeups(id, &before, &Self::wakeups_of(task));
			Ok(open)
		})?;
		Self::deposit_event(Event::TaskChallenged { task: id, disputes: open });
		Ok(open)
	}

	fn stake_of(solver: &T::AccountId) -> Option<BalanceOf<T>> {
		Solvers::<T>::get(solver).map(|s| s.stake)
	}

	fn fee_of(id: TaskId) -> Option<BalanceOf<T>> {
		Tasks::<T>::get(id).map(|task| task.fee)
	}

	fn served_leaf(id: TaskId, step: u32) -> Option<(H256, aichain_engine::MerkleProof)> {
		crate::offchain::served_leaf::<T>(id, step)
	}

	fn replay(id: TaskId, to: u32, evidence: bool) -> Option<Replay> {
		crate::offchain::replay::<T>(id, to, evidence)
	}

	fn acquit(id: TaskId) -> Result<u32, DispatchError> {
		frame_support::storage::with_storage_layer(|| Self::do_acquit(id))
	}
}

impl<T: Config> Pallet<T> {
	fn do_acquit(id: TaskId) -> Result<u32, DispatchError> {
		let mut task = Tasks::<T>::get(id).ok_or(Error::<T>::UnknownTask)?;
		let before = Self::wakeups_of(&task);
		let TaskStatus::Submitted { solver: solver_id, window_end, disputes, .. } =
			&mut task.status
		else {
			return Err(Error::<T>::NotChallenged.into());
		};
		*disputes = disputes.checked_sub(1).ok_or(Error::<T>::NotChallenged)?;
		let (open, closed, solver_id) = (*disputes, Self::now() > *window_end, solver_id.clone());
		if open == 0 {
			// Once per result: opening disputes one cannot win must not farm the quality that
			// compute mining pays for.
			Self::mutate_solver(&solver_id, |solver| {
				solver.stats.disputes_won = solver.stats.disputes_won.saturating_add(1);
			});
		}
		Self::deposit_event(Event::DisputeClosed { task: id, disputes: open });
		if open == 0 && closed {
			// Paying it clears its wake-ups.
			Self::pay_out(id, task)?;
		} else {
			// At zero inside the window, its window wake-up is back.
			Self::update_wakeups(id, &before, &Self::wakeups_of(&task));
			Tasks::<T>::insert(id, task);
		}
		Ok(open)
	}
}

/// What a verifier's offchain worker found when a result failed its check: everything a fraud
/// proof of step `step` needs, already checked against the task's commitments by the engine's
/// referee (see `aichain_engine::referee::StepProof`).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct StepEvidence {
	/// The first step whose state differs from the verifier's.
	pub step: u32,
	/// The solver's state after `step − 1` (SCALE); empty for step 1.
	pub prior_state: alloc::vec::Vec<u8>,
	/// Its proof against the trace root.
	pub prior_proof: aichain_engine::MerkleProof,
	/// Minibatch `step` (SCALE).
	pub minibatch: alloc::vec::Vec<u8>,
	/// Its proof against the dataset root.
	pub minibatch_proof: aichain_engine::MerkleProof,
	/// The solver's leaf `step`.
	pub leaf: H256,
	/// Its proof against the trace root.
	pub leaf_proof: aichain_engine::MerkleProof,
}

/// A task's program re-executed by this node's service (see [`TaskDisputes::replay`]).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Replay {
	/// The state hash after each step `1..=to`.
	pub leaves: alloc::vec::Vec<[u8; 32]>,
	/// The model hash of the state after step `to`.
	pub model_hash: H256,
	/// The state after step `to − 1` (SCALE; empty for step 1), minibatch `to` (SCALE) and
	/// its proof against the dataset root, when asked for.
	pub evidence: Option<(alloc::vec::Vec<u8>, alloc::vec::Vec<u8>, aichain_engine::MerkleProof)>,
}

/// Where a verifier's offchain worker sends its fraud proofs (the disputes pallet, which signs
/// them with the verifier's key and puts them in the pool).
pub trait FraudProofs<Key> {
	/// Send the fraud proof of `task` signed with `key`; whether the pool took it.
	fn send(key: &Key, task: TaskId, evidence: StepEvidence) -> bool;

	/// The solver of `task` does not serve the segment `key`'s verifier must check, after
	/// retries: challenge its result by a bisection game. Whether a game is open (now or
	/// before) on the verifier's behalf.
	fn withheld(key: &Key, task: TaskId) -> bool;
}

impl<Key> FraudProofs<Key> for () {
	fn send(_: &Key, _: TaskId, _: StepEvidence) -> bool {
		false
	}

	fn withheld(_: &Key, _: TaskId) -> bool {
		false
	}
}
