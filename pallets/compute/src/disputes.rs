//! The interface the disputes pallet uses: look up what a result committed to, convict a solver
//! proven wrong, and (for games that run over several blocks) freeze a result while a dispute
//! runs and settle the task with its outcome.

use crate::{pallet::*, types::*, BalanceOf, CreditOf};
use frame_support::{pallet_prelude::*, traits::Imbalance};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_core::H256;
use sp_runtime::{Perbill, Permill};

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
	/// Last block of the challenge window.
	pub window_end: BlockNumber,
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
	/// or frozen by a dispute.
	fn dispute_target(task: TaskId) -> Option<DisputeTarget<AccountId, Self::BlockNumber>>;

	/// The solver of `task` is proven wrong: take `share` of its stake (returned, for the
	/// dispute to share out), refund the submitter in full, drop the solver's reputation to
	/// zero and never pay the result. Only while [`Self::dispute_target`] answers.
	fn convict(task: TaskId, share: Perbill) -> Result<Self::Credit, DispatchError>;

	/// Freeze a result inside its challenge window: no payout until [`Self::resolve`].
	fn freeze(task: TaskId) -> DispatchResult;

	/// A solver's stake, if it is registered.
	fn stake_of(solver: &AccountId) -> Option<Self::Balance>;

	/// A frozen result was upheld: the solver is paid as after an unchallenged window.
	fn acquit(task: TaskId) -> DispatchResult;
}

impl<T: Config> TaskDisputes<T::AccountId> for Pallet<T> {
	type Balance = BalanceOf<T>;
	type Credit = CreditOf<T>;
	type BlockNumber = BlockNumberFor<T>;

	fn dispute_target(id: TaskId) -> Option<DisputeTarget<T::AccountId, BlockNumberFor<T>>> {
		let task = Tasks::<T>::get(id)?;
		let (solver, result, window_end, verifiers) = match task.status {
			TaskStatus::Submitted { solver, result, window_end, verifiers, .. }
				if Self::now() <= window_end =>
			{
				(solver, result, window_end, verifiers)
			},
			// A frozen result stays disputable until its dispute settles it.
			TaskStatus::Challenged { solver, result, verifiers } => {
				(solver, result, Self::now(), verifiers)
			},
			_ => return None,
		};
		Some(DisputeTarget {
			submitter: task.submitter,
			solver,
			program: task.program,
			dataset_root: task.dataset.root,
			batches: task.dataset.batches,
			result,
			window_end,
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
		});
		// The verifiers that have not answered yet owe nothing any more.
		Self::release_duties(id, &task.status);
		Self::refund(id, task, RefundCause::ResultDisproved)?;
		Ok(credit)
	}

	fn freeze(id: TaskId) -> DispatchResult {
		let now = Self::now();
		Tasks::<T>::try_mutate(id, |task| {
			let task = task.as_mut().ok_or(Error::<T>::UnknownTask)?;
			let TaskStatus::Submitted { solver, result, window_end, verifiers, .. } = &task.status
			else {
				return Err(Error::<T>::NotInChallengeWindow);
			};
			ensure!(now <= *window_end, Error::<T>::NotInChallengeWindow);
			Self::release_duties(id, &task.status);
			let before = Self::wakeups_of(task);
			task.status = TaskStatus::Challenged {
				solver: solver.clone(),
				result: *result,
				verifiers: verifiers.clone(),
			};
			Self::update_wakeups(id, &before, &Self::wakeups_of(task));
			Ok(())
		})?;
		Self::deposit_event(Event::TaskChallenged { task: id });
		Ok(())
	}

	fn stake_of(solver: &T::AccountId) -> Option<BalanceOf<T>> {
		Solvers::<T>::get(solver).map(|s| s.stake)
	}

	fn acquit(id: TaskId) -> DispatchResult {
		let task = Tasks::<T>::get(id).ok_or(Error::<T>::UnknownTask)?;
		let TaskStatus::Challenged { solver: solver_id, .. } = &task.status else {
			return Err(Error::<T>::NotChallenged.into());
		};
		Self::mutate_solver(&solver_id.clone(), |solver| {
			solver.stats.disputes_won = solver.stats.disputes_won.saturating_add(1);
		});
		Self::pay_out(id, task)
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

/// Where a verifier's offchain worker sends its fraud proofs (the disputes pallet, which signs
/// them with the verifier's key and puts them in the pool).
pub trait FraudProofs<Key> {
	/// Send the fraud proof of `task` signed with `key`; whether the pool took it.
	fn send(key: &Key, task: TaskId, evidence: StepEvidence) -> bool;
}

impl<Key> FraudProofs<Key> for () {
	fn send(_: &Key, _: TaskId, _: StepEvidence) -> bool {
		false
	}
}
