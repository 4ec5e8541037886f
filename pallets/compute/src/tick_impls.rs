//! Per-block work, in this order: roll the heartbeat period, handle the block's task wake-ups
//! (expired deadlines, closed challenge windows, pruning), assign queued tasks, adapt the price,
//! and pay compute-mining rewards when a mining era ends.

use crate::{pallet::*, pricing, types::*, weights::WeightInfo, BalanceOf, SolverOf, TaskOf};
use alloc::vec::Vec;
use frame_support::{
	pallet_prelude::*,
	storage::with_storage_layer,
	traits::{
		fungible::{Inspect, Mutate, MutateHold},
		tokens::{Fortitude, Precision, Preservation},
	},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{
	helpers_128bit::multiply_by_rational_with_rounding,
	traits::{Saturating, UniqueSaturatedInto, Zero},
	Perbill, Rounding,
};

/// What a wake-up did, for weight accounting.
pub(crate) enum Wakeup {
	/// Nothing to do (stale entry, pruned task, or still waiting).
	Idle,
	/// A finished task was removed.
	Pruned,
	/// A queued task expired and was refunded.
	Expired,
	/// A solver missed its deadline: slashed, task requeued or refunded.
	Missed,
	/// A challenge window closed and the fee was paid out to `verifiers` drawn verifiers.
	Finalized(u32),
}

impl<T: Config> Pallet<T> {
	pub(crate) fn tick(now: BlockNumberFor<T>) -> Weight {
		let mut weight = T::WeightInfo::on_initialize_base();
		Self::roll_heartbeat_period(now);

		for id in Agenda::<T>::take(now) {
			let outcome = with_storage_layer(|| Self::wake(id, now)).unwrap_or_else(|e| {
				log::error!(target: crate::LOG_TARGET, "wake-up of task {id} failed: {e:?}");
				Wakeup::Idle
			});
			weight.saturating_accrue(match outcome {
				Wakeup::Idle => T::WeightInfo::wakeup_idle(),
				Wakeup::Pruned => T::WeightInfo::wakeup_prune(),
				Wakeup::Expired => T::WeightInfo::wakeup_expire(),
				Wakeup::Missed => T::WeightInfo::wakeup_missed(),
				Wakeup::Finalized(v) => T::WeightInfo::wakeup_finalize(v),
			});
		}

		if !TaskQueue::<T>::get().is_empty() {
			let (solvers, examined) = Self::assign_queued(now);
			weight.saturating_accrue(T::WeightInfo::assign(solvers, examined));
		}

		Self::adapt_price();

		let era = Self::mining_era_of(now);
		if era != MiningEra::<T>::get() {
			let solvers = Self::close_mining_era(era);
			weight.saturating_accrue(T::WeightInfo::close_mining_era(solvers));
		}
		weight
	}

	fn roll_heartbeat_period(now: BlockNumberFor<T>) {
		let period = Self::heartbeat_period_of(now);
		OnlineCapacityOf::<T>::mutate(|c| {
			if period == c.period {
				return;
			}
			c.previous = if period == c.period.saturating_add(1) { c.current } else { 0 };
			c.current = 0;
			c.period = period;
		});
	}

	/// Act on a task's wake-up according to its state.
	pub(crate) fn wake(id: TaskId, now: BlockNumberFor<T>) -> Result<Wakeup, DispatchError> {
		let Some(task) = Tasks::<T>::get(id) else { return Ok(Wakeup::Idle) };
		match &task.status {
			TaskStatus::Queued { .. } if now > task.deadline => {
				TaskQueue::<T>::mutate(|queue| queue.retain(|t| *t != id));
				Self::refund_unfinished(id, task, RefundCause::NoSolverAvailable)?;
				Ok(Wakeup::Expired)
			},
			TaskStatus::Assigned { solver, solver_deadline } |
			TaskStatus::Running { solver, solver_deadline }
				if now > *solver_deadline || now > task.deadline =>
			{
				let solver = solver.clone();
				Self::release_duties(id, &task.status);
				Self::penalize_missed(&solver, id, &task);
				Self::requeue_or_refund(id, task, solver, now)?;
				Ok(Wakeup::Missed)
			},
			TaskStatus::Submitted { window_end, verifiers, .. } if now > *window_end => {
				let drawn: u32 = verifiers.len().unique_saturated_into();
				Self::pay_out(id, task)?;
				Ok(Wakeup::Finalized(drawn))
			},
			TaskStatus::Finalized { at, .. } | TaskStatus::Refunded { at, .. }
				if now > at.saturating_add(Params::<T>::get().retention) =>
			{
				Tasks::<T>::remove(id);
				Ok(Wakeup::Pruned)
			},
			_ => Ok(Wakeup::Idle),
		}
	}

	/// After a missed solver deadline: back to the queue while the task's own deadline can
	/// still be met, else a full refund.
	fn requeue_or_refund(
		id: TaskId,
		mut task: TaskOf<T>,
		solver: T::AccountId,
		now: BlockNumberFor<T>,
	) -> DispatchResult {
		if now <= task.deadline && TaskQueue::<T>::try_mutate(|q| q.try_push(id)).is_ok() {
			task.status = TaskStatus::Queued { reason: QueueReason::SolverMissedDeadline };
			task.excluded_solver = Some(solver.clone());
			Tasks::<T>::insert(id, task);
			Self::deposit_event(Event::TaskRequeued { task: id, solver });
			return Ok(());
		}
		Self::refund_unfinished(id, task, RefundCause::DeadlineMissed)
	}

	/// Draw solvers for up to `MaxAssignmentsPerBlock` queued tasks. Returns how many solvers
	/// were read and how many tasks examined. Examined tasks that found no solver move to the
	/// back of the queue so that one unplaceable task cannot block the others.
	pub(crate) fn assign_queued(now: BlockNumberFor<T>) -> (u32, u32) {
		let params = Params::<T>::get();
		let max_tasks = T::MaxTasksPerSolver::get();
		let mut candidates: Vec<(T::AccountId, SolverOf<T>, bool)> = Vec::new();
		let capacity = OnlineCapacityOf::<T>::get();
		let mut read: u32 = 0;
		for (who, solver) in Solvers::<T>::iter() {
			read = read.saturating_add(1);
			if Self::is_online_at(&solver, &capacity) &&
				solver.stake >= params.min_stake &&
				solver.active_tasks < max_tasks
			{
				candidates.push((who, solver, false));
			}
		}

		let mut queue = TaskQueue::<T>::get();
		let take = queue.len().min(T::MaxAssignmentsPerBlock::get() as usize);
		let examined: Vec<TaskId> = queue.iter().take(take).copied().collect();
		let mut unplaced = Vec::new();
		for id in examined.iter().copied() {
			let placed = with_storage_layer(|| Self::assign_one(id, now, &params, &mut candidates));
			match placed {
				Ok(true) => {},
				Ok(false) => unplaced.push(id),
				Err(e) => {
					log::error!(target: crate::LOG_TARGET, "assigning task {id} failed: {e:?}");
					unplaced.push(id);
				},
			}
		}
		// Rebuild the queue: the rest in order, then the examined tasks that are still waiting.
		let rest: Vec<TaskId> = queue.iter().skip(take).copied().collect();
		queue = BoundedVec::truncate_from(rest.into_iter().chain(unplaced).collect());
		TaskQueue::<T>::put(queue);

		for (who, solver, changed) in candidates {
			if changed {
				Solvers::<T>::insert(who, solver);
			}
		}
		(read, examined.len().unique_saturated_into())
	}

	/// Draw a solver for task `id` among `candidates`, weighted by stake × reputation.
	fn assign_one(
		id: TaskId,
		now: BlockNumberFor<T>,
		params: &crate::ParamsOf<T>,
		candidates: &mut [(T::AccountId, SolverOf<T>, bool)],
	) -> Result<bool, DispatchError> {
		let Some(mut task) = Tasks::<T>::get(id) else { return Ok(false) };
		let blocks_left: u64 = task.deadline.saturating_sub(now).unique_saturated_into();
		let weight_of = |(who, solver, _): &(T::AccountId, SolverOf<T>, bool)| -> u128 {
			let fits = solver.hardware >= task.hardware &&
				task.excluded_solver.as_ref() != Some(who) &&
				solver.active_tasks < T::MaxTasksPerSolver::get() &&
				u128::from(solver.committed.saturating_add(task.work_units)) <=
					u128::from(solver.capacity).saturating_mul(u128::from(blocks_left));
			if fits {
				solver.reputation.mul_floor(solver.stake).unique_saturated_into()
			} else {
				0
			}
		};
		let total = candidates.iter().map(&weight_of).fold(0u128, |a, w| a.saturating_add(w));
		if total == 0 {
			return Ok(false);
		}
		let mut ticket = Self::random_u128(&(b"compute/assign", id, now)).checked_rem(total).unwrap_or(0);
		let mut chosen = None;
		for (index, candidate) in candidates.iter().enumerate() {
			let w = weight_of(candidate);
			if ticket < w {
				chosen = Some(index);
				break;
			}
			ticket = ticket.saturating_sub(w);
		}
		let Some((who, solver, changed)) = chosen.and_then(|i| candidates.get_mut(i)) else {
			return Ok(false);
		};

		// Everything that can fail comes first: on an error the storage layer rolls back and the
		// in-memory candidate must still match storage.
		let committed = solver.committed.saturating_add(task.work_units);
		// The solver's own claim: its backlog at its advertised capacity, plus a grace.
		let busy_blocks = committed.div_ceil(solver.capacity.max(1));
		let solver_deadline = now
			.saturating_add(busy_blocks.unique_saturated_into())
			.saturating_add(params.solver_grace)
			.min(task.deadline);
		if solver_deadline < task.deadline {
			Self::schedule(solver_deadline.saturating_add(1u32.into()), id)?;
		}
		// The fee follows the price at which the work starts, never above what was held.
		let multiplier = params.pricing.class_multipliers.of(task.hardware);
		let fee = pricing::fee(task.work_units, PricePerUnit::<T>::get(), multiplier, params.pricing.min_fee)
			.unwrap_or(task.fee)
			.min(task.fee);
		let released = task.fee.saturating_sub(fee);
		if !released.is_zero() {
			T::Currency::release(&HoldReason::TaskFee.into(), &task.submitter, released, Precision::Exact)?;
			task.fee = fee;
		}

		solver.committed = committed;
		solver.active_tasks = solver.active_tasks.saturating_add(1);
		*changed = true;
		task.status = TaskStatus::Assigned { solver: who.clone(), solver_deadline };
		Tasks::<T>::insert(id, task);
		Duties::<T>::insert(&*who, id, ());
		Self::deposit_event(Event::TaskAssigned {
			task: id,
			solver: who.clone(),
			solver_deadline,
			fee,
			released,
		});
		Ok(true)
	}

	fn adapt_price() {
		let pricing = Params::<T>::get().pricing;
		let utilization = pricing::utilization(
			OutstandingWork::<T>::get(),
			OnlineCapacityOf::<T>::get().total(),
			pricing.horizon.unique_saturated_into(),
		);
		let price = PricePerUnit::<T>::get();
		let next = pricing::next_price(price, utilization, &pricing);
		if next != price {
			PricePerUnit::<T>::put(next);
			Self::deposit_event(Event::PriceUpdated { price: next, utilization });
		}
	}

	/// Pay the ending mining era's budget and start counting `next_era`. Returns how many solver
	/// records were read.
	///
	/// Budget = `mining_emission` × the pot's spendable balance, so the emission decays as the
	/// pot drains. A solver's points = verified work × quality × uptime, where quality =
	/// (1 + disputes won) / (1 + disputes won + disputes lost) and uptime = heartbeat periods seen
	/// over the era's periods. Shares are rounded down; the dust stays in the pot.
	pub(crate) fn close_mining_era(next_era: u32) -> u32 {
		let era = MiningEra::<T>::get();
		MiningEra::<T>::put(next_era);
		let pot = Self::mining_pot_account();
		let available = T::Currency::reducible_balance(&pot, Preservation::Preserve, Fortitude::Polite);
		let budget = Params::<T>::get().mining_emission.mul_floor(available);

		let periods_per_era: u32 = T::MiningEraLength::get()
			.checked_div(&T::HeartbeatPeriod::get())
			.unwrap_or_default()
			.unique_saturated_into();
		let mut read: u32 = 0;
		let mut points: Vec<(T::AccountId, u128)> = Vec::new();
		let mut total: u128 = 0;
		for (who, solver) in Solvers::<T>::iter() {
			read = read.saturating_add(1);
			let activity = solver.activity;
			if activity.era != era || activity.verified_work == 0 {
				continue;
			}
			let stats = solver.stats;
			let quality = Perbill::from_rational(
				stats.disputes_won.saturating_add(1),
				stats.disputes_won.saturating_add(stats.disputes_lost).saturating_add(1),
			);
			let uptime = Perbill::from_rational(
				activity.periods_online.min(periods_per_era.max(1)),
				periods_per_era.max(1),
			);
			let p = quality.mul_floor(uptime.mul_floor(u128::from(activity.verified_work)));
			if p > 0 {
				total = total.saturating_add(p);
				points.push((who, p));
			}
		}

		let budget_u128: u128 = budget.unique_saturated_into();
		let mut paid = BalanceOf::<T>::zero();
		let mut solvers: u32 = 0;
		if total > 0 && !budget.is_zero() {
			for (who, p) in points {
				let share = multiply_by_rational_with_rounding(budget_u128, p, total, Rounding::Down)
					.unwrap_or(0);
				let amount: BalanceOf<T> = share.unique_saturated_into();
				if amount.is_zero() {
					continue;
				}
				if T::Currency::transfer(&pot, &who, amount, Preservation::Preserve).is_ok() {
					paid = paid.saturating_add(amount);
					solvers = solvers.saturating_add(1);
					Self::deposit_event(Event::MiningRewardPaid { era, solver: who, amount });
				}
			}
		}
		Self::deposit_event(Event::MiningEraClosed { era, budget, paid, solvers });
		read
	}
}
