//! The interface the disputes pallet uses: look up what a result committed to, freeze it while a
//! dispute runs, slash the solver, and settle the task with the dispute's outcome.

use crate::{pallet::*, types::*, BalanceOf, CreditOf};
use frame_support::{pallet_prelude::*, traits::Imbalance};
use sp_core::H256;
use sp_runtime::{Perbill, Permill};

/// What a dispute about a task's result needs to referee it.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct DisputeTarget<AccountId> {
	/// Who paid for the task.
	pub submitter: AccountId,
	/// The solver whose result is disputed.
	pub solver: AccountId,
	/// The program it ran.
	pub program: Program,
	/// The dataset's minibatch Merkle root.
	pub dataset_root: H256,
	/// What it committed to.
	pub result: TaskResult,
}

/// The compute market as seen by a dispute game.
pub trait TaskDisputes<AccountId> {
	/// Balance type.
	type Balance;
	/// Slashed funds, for the dispute game to share out.
	type Credit;

	/// The result of `task` while it can be (or is being) disputed.
	fn dispute_target(task: TaskId) -> Option<DisputeTarget<AccountId>>;

	/// Freeze a result inside its challenge window: no payout until [`Self::resolve`].
	fn freeze(task: TaskId) -> DispatchResult;

	/// Take `share` of the solver's stake (the solver of a disputed task).
	fn slash_solver(task: TaskId, share: Perbill) -> Result<Self::Credit, DispatchError>;

	/// Settle a frozen task: if the solver was right it is paid as after an unchallenged
	/// window; if not, the submitter is refunded in full and the solver's reputation drops to
	/// zero.
	fn resolve(task: TaskId, solver_was_right: bool) -> DispatchResult;
}

impl<T: Config> TaskDisputes<T::AccountId> for Pallet<T> {
	type Balance = BalanceOf<T>;
	type Credit = CreditOf<T>;

	fn dispute_target(id: TaskId) -> Option<DisputeTarget<T::AccountId>> {
		let task = Tasks::<T>::get(id)?;
		let (solver, result) = match task.status {
			TaskStatus::Submitted { solver, result, .. } |
			TaskStatus::Challenged { solver, result, .. } => (solver, result),
			_ => return None,
		};
		Some(DisputeTarget {
			submitter: task.submitter,
			solver,
			program: task.program,
			dataset_root: task.dataset.root,
			result,
		})
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

	fn slash_solver(id: TaskId, share: Perbill) -> Result<CreditOf<T>, DispatchError> {
		let task = Tasks::<T>::get(id).ok_or(Error::<T>::UnknownTask)?;
		let solver_id = task.status.bound_solver().cloned().ok_or(Error::<T>::NotChallenged)?;
		ensure!(Solvers::<T>::contains_key(&solver_id), Error::<T>::NotRegistered);
		let credit = Self::slash_stake(&solver_id, share);
		Self::deposit_event(Event::SolverSlashed {
			solver: solver_id,
			task: id,
			amount: credit.peek(),
			cause: SlashCause::DisputeLost,
		});
		Ok(credit)
	}

	fn resolve(id: TaskId, solver_was_right: bool) -> DispatchResult {
		let task = Tasks::<T>::get(id).ok_or(Error::<T>::UnknownTask)?;
		let TaskStatus::Challenged { solver: solver_id, .. } = &task.status else {
			return Err(Error::<T>::NotChallenged.into());
		};
		let solver_id = solver_id.clone();
		Self::mutate_solver(&solver_id, |solver| {
			if solver_was_right {
				solver.stats.disputes_won = solver.stats.disputes_won.saturating_add(1);
			} else {
				solver.stats.disputes_lost = solver.stats.disputes_lost.saturating_add(1);
				solver.reputation = Permill::zero();
				solver.active_tasks = solver.active_tasks.saturating_sub(1);
			}
		});
		if solver_was_right {
			Self::pay_out(id, task)
		} else {
			Self::refund(id, task, RefundCause::ResultDisproved)
		}
	}
}
