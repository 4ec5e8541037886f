//! Per-block work, in this order: roll the heartbeat period, handle the due task wake-ups
//! (expired deadlines and acceptance periods, verifier draws, closed challenge windows), prune
//! finished tasks, assign queued tasks, adapt the price, and pay compute-mining rewards when a
//! mining era ends.

use crate::{pallet::*, pricing, types::*, weights::WeightInfo, BalanceOf, SolverOf, TaskOf};
use alloc::vec::Vec;
use frame_support::{
	pallet_prelude::*,
	storage::with_storage_layer,
	traits::{
		fungible::{Inspect, Mutate},
		tokens::{Fortitude, Preservation},
	},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{
	helpers_128bit::multiply_by_rational_with_rounding,
	traits::{Saturating, UniqueSaturatedFrom, UniqueSaturatedInto, Zero},
	Perbill, Rounding,
};

/// What a wake-up did, for weight accounting.
pub(crate) enum Wakeup {
	/// Nothing to do (stale entry, pruned task, or still waiting).
	Idle,
	/// The wake-up failed and its changes were rolled back.
	Failed,
	/// The pruning was moved to a later block (the retention period grew).
	Postponed,
	/// A finished task was removed and its deposit released.
	Pruned,
	/// A queued task expired and was refunded.
	Expired,
	/// An assigned solver did not answer in time: reputation lost, task requeued (or refunded).
	Unanswered {
		/// Whether the task went back to the queue.
		requeued: bool,
	},
	/// A solver missed its deadline: slashed, task requeued (or refunded).
	Missed {
		/// Whether the task went back to the queue.
		requeued: bool,
	},
	/// `v` verifiers were drawn for a result (or the draw waits for fresh randomness).
	Drawn(u32),
	/// A challenge window closed and the fee was paid out to `verifiers` drawn verifiers.
	Finalized(u32),
}

impl<T: Config> Pallet<T> {
	pub(crate) fn tick(now: BlockNumberFor<T>) -> Weight {
		let mut weight = T::WeightInfo::on_initialize_base();
		Self::roll_heartbeat_period(now);

		for lane in [Lane::Live, Lane::Prune] {
			let (due, blocks) = Self::take_due(lane, now, T::MaxWakeupsPerBlock::get());
			weight.saturating_accrue(T::WeightInfo::agenda_blocks(blocks));
			// Each entry taken: its key read and its removal.
			let entries: u64 = due.len().unique_saturated_into();
			weight.saturating_accrue(T::DbWeight::get().reads_writes(entries, entries));
			for id in due {
				let outcome = with_storage_layer(|| Self::wake(id, lane, now)).unwrap_or_else(|e| {
					log::error!(target: crate::LOG_TARGET, "wake-up of task {id} failed: {e:?}");
					Wakeup::Failed
				});
				weight.saturating_accrue(match outcome {
					Wakeup::Idle => T::WeightInfo::wakeup_idle(),
					// Rolled back, but the work was done: the costliest single wake-up.
					Wakeup::Failed => T::WeightInfo::wakeup_missed_refund()
						.max(T::WeightInfo::wakeup_finalize(T::MaxVerifiers::get())),
					Wakeup::Postponed => T::WeightInfo::wakeup_idle()
						.saturating_add(T::DbWeight::get().writes(1)),
					Wakeup::Pruned => T::WeightInfo::wakeup_prune(),
					Wakeup::Expired => T::WeightInfo::wakeup_expire(),
					Wakeup::Unanswered { requeued: true } => T::WeightInfo::wakeup_unanswered_requeue(),
					Wakeup::Unanswered { requeued: false } => T::WeightInfo::wakeup_unanswered_refund(),
					Wakeup::Missed { requeued: true } => T::WeightInfo::wakeup_missed_requeue(),
					Wakeup::Missed { requeued: false } => T::WeightInfo::wakeup_missed_refund(),
					// Plus the exclusion checks: one read per verifier picked, and at most as
					// many for excluded validators set aside.
					Wakeup::Drawn(v) => T::WeightInfo::wakeup_draw(v).saturating_add(
						T::DbWeight::get().reads(u64::from(T::MaxVerifiers::get()).saturating_mul(2)),
					),
					Wakeup::Finalized(v) => T::WeightInfo::wakeup_finalize(v),
				});
			}
		}

		// A paused market assigns nothing and its price stands still: nothing is traded.
		let paused = Self::is_paused();
		if !paused && !TaskQueue::<T>::get().is_empty() {
			let (solvers, examined) = Self::assign_queued(now);
			weight.saturating_accrue(T::WeightInfo::assign(solvers, examined));
		}

		if !paused {
			Self::adapt_price();
		}

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
			c.previous =
				if period == c.period.saturating_add(1) { c.current } else { PerClass::default() };
			c.current = PerClass::default();
			c.period = period;
		});
	}

	/// Take up to `limit` due wake-ups of `lane`, oldest block first, from the agenda. Returns
	/// them and how many agenda blocks were looked at. Wake-ups beyond the limit stay for the
	/// next block: a crowded block delays, never drops, what it holds.
	pub(crate) fn take_due(
		lane: Lane,
		now: BlockNumberFor<T>,
		limit: u32,
	) -> (Vec<TaskId>, u32) {
		let mut block = AgendaCursor::<T>::get(lane).unwrap_or(now).min(now);
		let mut due: Vec<TaskId> = Vec::new();
		let mut blocks: u32 = 0;
		let limit = limit as usize;
		// Each block looked at costs a read; empty blocks between the cursor and now (after a
		// backlog) are skipped at most `limit + 1` at a time.
		while block <= now && blocks <= limit as u32 {
			blocks = blocks.saturating_add(1);
			let room = limit.saturating_sub(due.len());
			let here: Vec<TaskId> =
				Agenda::<T>::iter_key_prefix((block, lane)).take(room.saturating_add(1)).collect();
			let more = here.len() > room;
			for id in here.into_iter().take(room) {
				Agenda::<T>::remove((block, lane), id);
				due.push(id);
			}
			if more {
				break;
			}
			block = block.saturating_add(1u32.into());
			if due.len() >= limit {
				break;
			}
		}
		AgendaCursor::<T>::insert(lane, block);
		(due, blocks)
	}

	/// Act on a task's wake-up according to its state.
	pub(crate) fn wake(id: TaskId, lane: Lane, now: BlockNumberFor<T>) -> Result<Wakeup, DispatchError> {
		let Some(task) = Tasks::<T>::get(id) else { return Ok(Wakeup::Idle) };
		if lane == Lane::Prune {
			let (TaskStatus::Finalized { at, .. } | TaskStatus::Refunded { at, .. }) = task.status
			else {
				return Ok(Wakeup::Idle);
			};
			let prune_at = at.saturating_add(Params::<T>::get().retention);
			if now > prune_at {
				Self::prune(id, task)?;
				return Ok(Wakeup::Pruned);
			}
			// The retention period grew since the task finished.
			Agenda::<T>::insert((prune_at.saturating_add(1u32.into()), Lane::Prune), id, ());
			return Ok(Wakeup::Postponed);
		}
		match &task.status {
			// A paused market lets no queued task expire: its deadline moves on resume.
			TaskStatus::Queued { .. } if now > task.deadline && Self::is_paused() =>
				Ok(Wakeup::Idle),
			TaskStatus::Queued { .. } if now > task.deadline => {
				TaskQueue::<T>::mutate(|queue| queue.retain(|t| *t != id));
				Self::refund_unfinished(id, task, RefundCause::NoSolverAvailable)?;
				Ok(Wakeup::Expired)
			},
			TaskStatus::Assigned { solver, accept_by, .. } if now > *accept_by => {
				let solver = solver.clone();
				Self::penalize_silence(&solver, id, &task);
				let requeued = Self::exclude_and_requeue(id, task, solver, ExclusionCause::DidNotAnswer)?;
				Ok(Wakeup::Unanswered { requeued })
			},
			TaskStatus::Running { solver, solver_deadline }
				if now > *solver_deadline || now > task.deadline =>
			{
				let solver = solver.clone();
				Self::penalize_missed(&solver, id, &task);
				let requeued = Self::exclude_and_requeue(id, task, solver, ExclusionCause::MissedDeadline)?;
				Ok(Wakeup::Missed { requeued })
			},
			// A frozen result is paid when its last dispute closes
			// ([`crate::TaskDisputes::acquit`]).
			TaskStatus::Submitted { window_end, verifiers, disputes: 0, .. } if now > *window_end => {
				let drawn: u32 = verifiers.len().unique_saturated_into();
				Self::pay_out(id, task)?;
				Ok(Wakeup::Finalized(drawn))
			},
			TaskStatus::Submitted { draw_at: Some(at), .. } if now >= *at => Ok(Self::draw(id, task, now)),
			_ => Ok(Wakeup::Idle),
		}
	}

	/// Draw the verifiers of a result, with the segment each re-executes, from randomness
	/// revealed after the result landed; without such randomness yet, try again next block.
	fn draw(id: TaskId, mut task: TaskOf<T>, now: BlockNumberFor<T>) -> Wakeup {
		let TaskStatus::Submitted { solver, result_at, draw_at, verifiers, .. } = &mut task.status
		else {
			return Wakeup::Idle;
		};
		let before_draw = *draw_at;
		let next = now.saturating_add(1u32.into());
		let Some(seed) = Self::fresh_random(&(b"compute/verifiers", id), *result_at) else {
			*draw_at = Some(next);
			Self::update_wakeups(id, &before_draw.into_iter().collect::<Vec<_>>(), &[next]);
			Tasks::<T>::insert(id, task);
			return Wakeup::Drawn(0);
		};
		let count = Params::<T>::get().verifiers_per_task;
		*verifiers = Self::draw_verifiers(&seed, solver, count, task.program.steps);
		*draw_at = None;
		for verifier in verifiers.iter() {
			Duties::<T>::insert(&verifier.account, id, ());
		}
		let drawn: Vec<_> = verifiers.iter().map(|v| (v.account.clone(), v.segment)).collect();
		let n: u32 = drawn.len().unique_saturated_into();
		Tasks::<T>::insert(id, task);
		Self::deposit_event(Event::VerifiersDrawn { task: id, verifiers: drawn });
		Wakeup::Drawn(n)
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
				Self::counted_capacity(&solver, &params) > 0 &&
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

	/// Draw a solver for task `id` among `candidates`, weighted by stake × reputation, with
	/// randomness revealed after the task entered the queue (none yet: it waits a block). A
	/// candidate qualifies if it has the hardware, a free slot, the capacity to finish before
	/// the deadline, and a stake of at least `stake_cover` × (its open fees + this fee).
	fn assign_one(
		id: TaskId,
		now: BlockNumberFor<T>,
		params: &crate::ParamsOf<T>,
		candidates: &mut [(T::AccountId, SolverOf<T>, bool)],
	) -> Result<bool, DispatchError> {
		let Some(mut task) = Tasks::<T>::get(id) else { return Ok(false) };
		let Some(seed) = Self::fresh_random(&(b"compute/assign", id), task.queued_at) else {
			return Ok(false);
		};
		let blocks_left: u64 = task.deadline.saturating_sub(now).unique_saturated_into();
		// The fee follows the price at which the work starts, never above what was held.
		let multiplier = params.pricing.class_multipliers.of(task.hardware);
		let fee = pricing::fee(task.work_units, PricePerUnit::<T>::get(), multiplier, params.pricing.min_fee)
			.unwrap_or(task.fee)
			.min(task.fee);
		let cover = BalanceOf::<T>::from(params.stake_cover);
		let weight_of = |(who, solver, _): &(T::AccountId, SolverOf<T>, bool)| -> u128 {
			let fits = solver.hardware >= task.hardware &&
				solver.stake >= cover.saturating_mul(solver.open_fees.saturating_add(fee)) &&
				!task.excluded.iter().any(|e| e.solver == *who) &&
				solver.active_tasks < T::MaxTasksPerSolver::get() &&
				u128::from(solver.committed.saturating_add(task.work_units)) <=
					u128::from(Self::counted_capacity(solver, params))
						.saturating_mul(u128::from(blocks_left));
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
		let mut ticket = Self::derive_u128(&seed).checked_rem(total).unwrap_or(0);
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
		// It answers within the acceptance period; then its backlog at its counted capacity,
		// plus a grace, is its own claim of when the result is in.
		let accept_by = now.saturating_add(params.acceptance_period).min(task.deadline);
		let busy_blocks = committed.div_ceil(Self::counted_capacity(solver, params).max(1));
		let solver_deadline = accept_by
			.saturating_add(busy_blocks.unique_saturated_into())
			.saturating_add(params.solver_grace)
			.min(task.deadline);
		let released = task.fee.saturating_sub(fee);
		if !released.is_zero() {
			Self::escrow_pay(HoldReason::TaskFee, &task.submitter, released)?;
			task.fee = fee;
		}

		solver.committed = committed;
		solver.active_tasks = solver.active_tasks.saturating_add(1);
		solver.open_fees = solver.open_fees.saturating_add(fee);
		*changed = true;
		let before = Self::wakeups_of(&task);
		task.status = TaskStatus::Assigned { solver: who.clone(), accept_by, solver_deadline };
		Self::update_wakeups(id, &before, &Self::wakeups_of(&task));
		Tasks::<T>::insert(id, task);
		Duties::<T>::insert(&*who, id, ());
		Self::deposit_event(Event::TaskAssigned {
			task: id,
			solver: who.clone(),
			accept_by,
			solver_deadline,
			fee,
			released,
		});
		Ok(true)
	}

	fn adapt_price() {
		let pricing = Params::<T>::get().pricing;
		let utilization = pricing::utilization(
			&OutstandingWork::<T>::get(),
			&OnlineCapacityOf::<T>::get(),
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
	/// over the era's periods. Shares are rounded down; the dust stays in the pot. A solver gets
	/// at most `mining_fee_cap` of the fees of its tasks finalized in the era.
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
		let fee_cap = Params::<T>::get().mining_fee_cap;
		let mut points: Vec<(T::AccountId, u128, BalanceOf<T>)> = Vec::new();
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
				points.push((who, p, fee_cap.mul_floor(activity.fees)));
			}
		}

		let budget_u128: u128 = budget.unique_saturated_into();
		let mut paid = BalanceOf::<T>::zero();
		let mut solvers: u32 = 0;
		if total > 0 && !budget.is_zero() {
			for (who, p, cap) in points {
				let share = multiply_by_rational_with_rounding(budget_u128, p, total, Rounding::Down)
					.unwrap_or(0);
				// Never more than `mining_fee_cap` of the fees the solver's work earned: the rest
				// of its share stays in the pot.
				let amount: BalanceOf<T> = BalanceOf::<T>::unique_saturated_from(share).min(cap);
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
