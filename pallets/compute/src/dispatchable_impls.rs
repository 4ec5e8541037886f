//! What the calls do, after their origin was checked, and the bookkeeping they share with the
//! per-block work.

use crate::{
	offchain::OffchainKeys,
	pallet::*, pricing, types::*, BalanceOf, CreditOf, DatasetRefOf, ParamsOf, SolverOf, TaskOf,
	TaskStatusOf,
};
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{Balanced, MutateHold},
		tokens::{Fortitude, Precision, Preservation},
		Imbalance, OnUnbalanced,
	},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{
	traits::{AccountIdConversion, CheckedDiv, Saturating, UniqueSaturatedInto, Zero},
	Perbill,
};

/// The heartbeat period of a solver never seen online.
pub(crate) const NEVER_SEEN: u32 = u32::MAX;

/// Pool priority of offchain reports: above ordinary transactions, as a late result or verdict
/// costs its sender its stake or its reward.
pub(crate) const REPORT_PRIORITY: u64 = u64::MAX / 2;

/// Blocks an offchain report may wait in the pool; the worker sends it again after that if it
/// is still needed.
pub(crate) const REPORT_LONGEVITY: u64 = 16;

impl<T: Config> Pallet<T> {
	pub(crate) fn do_register_solver(
		who: T::AccountId,
		stake: BalanceOf<T>,
		capacity: WorkUnits,
		hardware: HardwareClass,
	) -> DispatchResult {
		ensure!(!Solvers::<T>::contains_key(&who), Error::<T>::AlreadyRegistered);
		ensure!(Solvers::<T>::count() < T::MaxSolvers::get(), Error::<T>::TooManySolvers);
		let params = Params::<T>::get();
		ensure!(stake >= params.min_stake, Error::<T>::StakeBelowMinimum);
		ensure!(capacity > 0, Error::<T>::ZeroCapacity);
		Self::escrow_in(&who, HoldReason::SolverStake, stake)?;

		let now = frame_system::Pallet::<T>::block_number();
		let period = OnlineCapacityOf::<T>::get().period;
		let solver = SolverOf::<T> {
			stake,
			capacity,
			hardware,
			reputation: params.initial_reputation,
			committed: 0,
			active_tasks: 0,
			open_fees: Zero::zero(),
			last_heartbeat: now,
			seen_period: period,
			status: SolverStatus::Active,
			stats: SolverStats::default(),
			activity: EraActivity {
				era: MiningEra::<T>::get(),
				verified_work: 0,
				periods_online: 1,
				fees: Zero::zero(),
			},
		};
		Self::online_add(&solver);
		Solvers::<T>::insert(&who, solver);
		Self::deposit_event(Event::SolverRegistered { solver: who, stake, capacity, hardware });
		Ok(())
	}

	pub(crate) fn do_bond_extra(who: T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		Self::active_solver(&who)?;
		Self::escrow_in(&who, HoldReason::SolverStake, amount)?;
		let stake = Self::mutate_solver(&who, |solver| {
			solver.stake = solver.stake.saturating_add(amount);
			solver.stake
		})
		.ok_or(Error::<T>::NotRegistered)?;
		Self::deposit_event(Event::StakeBonded { solver: who, amount, stake });
		Ok(())
	}

	pub(crate) fn do_update_solver(
		who: T::AccountId,
		capacity: WorkUnits,
		hardware: HardwareClass,
	) -> DispatchResult {
		let mut solver = Self::active_solver(&who)?;
		ensure!(capacity > 0, Error::<T>::ZeroCapacity);
		Self::online_remove(&solver);
		solver.capacity = capacity;
		solver.hardware = hardware;
		Self::online_add(&solver);
		Solvers::<T>::insert(&who, solver);
		Self::deposit_event(Event::SolverUpdated { solver: who, capacity, hardware });
		Ok(())
	}

	pub(crate) fn do_heartbeat(who: T::AccountId) -> DispatchResult {
		let mut solver = Self::active_solver(&who)?;
		let now = frame_system::Pallet::<T>::block_number();
		let period = OnlineCapacityOf::<T>::get().period;
		solver.last_heartbeat = now;
		let new_period = solver.seen_period != period;
		if new_period {
			Self::online_remove(&solver);
			solver.seen_period = period;
			Self::online_add(&solver);
			let activity = Self::activity_mut(&mut solver);
			activity.periods_online = activity.periods_online.saturating_add(1);
		}
		Solvers::<T>::insert(&who, solver);
		if new_period {
			Self::deposit_event(Event::Heartbeat { solver: who, period });
		}
		Ok(())
	}

	pub(crate) fn do_unbond(who: T::AccountId) -> DispatchResult {
		let mut solver = Self::active_solver(&who)?;
		let now = frame_system::Pallet::<T>::block_number();
		let unlock_at = now.saturating_add(Params::<T>::get().unbonding_period);
		Self::online_remove(&solver);
		solver.status = SolverStatus::Unbonding { unlock_at };
		Solvers::<T>::insert(&who, solver);
		Self::deposit_event(Event::SolverUnbonding { solver: who, unlock_at });
		Ok(())
	}

	pub(crate) fn do_withdraw_stake(who: T::AccountId) -> DispatchResult {
		let solver = Solvers::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
		let SolverStatus::Unbonding { unlock_at } = solver.status else {
			return Err(Error::<T>::NotUnbonding.into());
		};
		ensure!(frame_system::Pallet::<T>::block_number() >= unlock_at, Error::<T>::StakeStillLocked);
		ensure!(solver.active_tasks == 0, Error::<T>::SolverBusy);
		let stake = Self::escrow_pay(HoldReason::SolverStake, &who, solver.stake)?;
		Solvers::<T>::remove(&who);
		SolverEndpoints::<T>::remove(&who);
		Self::deposit_event(Event::SolverWithdrawn { solver: who, stake });
		Ok(())
	}

	pub(crate) fn do_submit_task(
		who: T::AccountId,
		program: Program,
		dataset: DatasetRefOf<T>,
		hardware: HardwareClass,
		deadline: BlockNumberFor<T>,
		max_fee: BalanceOf<T>,
	) -> DispatchResult {
		ensure!(!Self::is_paused(), Error::<T>::MarketPaused);
		let quote = Self::quote(&program, hardware).map_err(|e| match e {
			QuoteError::InvalidProgram => Error::<T>::InvalidProgram,
			QuoteError::Overflow => Error::<T>::FeeOverflow,
		})?;
		ensure!(quote.fee <= max_fee, Error::<T>::FeeAboveMax);
		// The referee must be able to find and check the minibatch of any step.
		let samples = u64::from(dataset.batches).saturating_mul(u64::from(program.batch_size));
		ensure!(
			dataset.batches >= 1 &&
				dataset.batches <= aichain_engine::dataset::MAX_TASK_BATCHES &&
				samples <= u64::from(aichain_engine::dataset::MAX_SAMPLES),
			Error::<T>::BadDatasetSize
		);
		let params = Params::<T>::get();
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(deadline >= now.saturating_add(params.min_deadline), Error::<T>::DeadlineTooSoon);
		ensure!(deadline <= now.saturating_add(params.max_deadline), Error::<T>::DeadlineTooFar);

		let id = NextTaskId::<T>::get();
		TaskQueue::<T>::try_mutate(|queue| queue.try_push(id))
			.map_err(|_| Error::<T>::QueueFull)?;
		let deposit = params.wakeup_deposit.saturating_mul(crate::TASK_WAKEUPS.into());
		Self::ensure_liquid(&who, quote.fee.saturating_add(deposit))?;
		Self::escrow_in(&who, HoldReason::TaskFee, quote.fee)?;
		Self::escrow_in(&who, HoldReason::TaskDeposit, deposit)?;

		NextTaskId::<T>::put(id.saturating_add(1));
		OutstandingWork::<T>::mutate(|w| w.add(hardware, quote.work_units));
		let task = TaskOf::<T> {
			submitter: who.clone(),
			program,
			dataset,
			hardware,
			work_units: quote.work_units,
			fee: quote.fee,
			deposit,
			deadline,
			submitted_at: now,
			queued_at: now,
			excluded: BoundedVec::new(),
			status: TaskStatus::Queued { reason: QueueReason::AwaitingSolver },
		};
		Self::update_wakeups(id, &[], &Self::wakeups_of(&task));
		Tasks::<T>::insert(id, task);
		Self::deposit_event(Event::TaskSubmitted {
			task: id,
			submitter: who,
			work_units: quote.work_units,
			fee: quote.fee,
			deposit,
			deadline,
		});
		Ok(())
	}

	pub(crate) fn do_cancel_task(who: T::AccountId, id: TaskId) -> DispatchResult {
		let task = Tasks::<T>::get(id).ok_or(Error::<T>::UnknownTask)?;
		ensure!(task.submitter == who, Error::<T>::NotSubmitter);
		ensure!(matches!(task.status, TaskStatus::Queued { .. }), Error::<T>::NotQueued);
		TaskQueue::<T>::mutate(|queue| queue.retain(|t| *t != id));
		Self::refund_unfinished(id, task, RefundCause::Cancelled)
	}

	pub(crate) fn do_accept_task(who: T::AccountId, id: TaskId) -> DispatchResult {
		let mut task = Tasks::<T>::get(id).ok_or(Error::<T>::UnknownTask)?;
		let solver_deadline = Self::answerable(&who, &task)?;
		let before = Self::wakeups_of(&task);
		task.status = TaskStatus::Running { solver: who.clone(), solver_deadline };
		Self::update_wakeups(id, &before, &Self::wakeups_of(&task));
		Tasks::<T>::insert(id, task);
		Self::deposit_event(Event::TaskAccepted { task: id, solver: who });
		Ok(())
	}

	pub(crate) fn do_decline_task(
		who: T::AccountId,
		id: TaskId,
		reason: DeclineReason,
	) -> DispatchResult {
		let mut task = Tasks::<T>::get(id).ok_or(Error::<T>::UnknownTask)?;
		Self::answerable(&who, &task)?;
		Self::deposit_event(Event::TaskDeclined { task: id, solver: who.clone(), reason });
		// Released first, with the fee it was assigned at: the compensation lowers the fee.
		Self::release_solver(id, &who, &task);
		Self::compensate_decline(id, &mut task, &who);
		Self::exclude_and_requeue(id, task, who, ExclusionCause::Declined(reason)).map(|_| ())
	}

	/// The solver deadline of a task `who` may still accept or decline.
	fn answerable(who: &T::AccountId, task: &TaskOf<T>) -> Result<BlockNumberFor<T>, DispatchError> {
		let TaskStatus::Assigned { solver, accept_by, solver_deadline } = &task.status else {
			return Err(Error::<T>::NotAssigned.into());
		};
		ensure!(solver == who, Error::<T>::NotAssignedSolver);
		ensure!(Self::now() <= *accept_by, Error::<T>::AcceptancePeriodOver);
		Ok(*solver_deadline)
	}

	pub(crate) fn do_submit_result(
		who: T::AccountId,
		id: TaskId,
		result: TaskResult,
	) -> DispatchResult {
		let mut task = Tasks::<T>::get(id).ok_or(Error::<T>::UnknownTask)?;
		ensure!(task.status.working_solver() == Some(&who), Error::<T>::NotAssignedSolver);
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(now <= task.deadline, Error::<T>::DeadlinePassed);
		ensure!(result.steps == task.program.steps, Error::<T>::StepCountMismatch);

		let params = Params::<T>::get();
		let window_end = now.saturating_add(params.challenge_window);
		let mut solver = Solvers::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
		solver.committed = solver.committed.saturating_sub(task.work_units);
		Solvers::<T>::insert(&who, solver);
		OutstandingWork::<T>::mutate(|w| w.sub(task.hardware, task.work_units));

		Self::release_duties(id, &task.status);
		let before = Self::wakeups_of(&task);
		task.status = TaskStatus::Submitted {
			solver: who.clone(),
			result,
			result_at: now,
			window_end,
			draw_at: Some(now.saturating_add(1u32.into())),
			verifiers: BoundedVec::new(),
			disputes: 0,
		};
		Self::update_wakeups(id, &before, &Self::wakeups_of(&task));
		Tasks::<T>::insert(id, task);
		Self::deposit_event(Event::ResultSubmitted { task: id, solver: who, result, window_end });
		Ok(())
	}

	pub(crate) fn do_verdict(who: T::AccountId, id: TaskId, verdict: Verdict) -> DispatchResult {
		Tasks::<T>::try_mutate(id, |task| {
			let task = task.as_mut().ok_or(Error::<T>::UnknownTask)?;
			let now = frame_system::Pallet::<T>::block_number();
			let TaskStatus::Submitted { verifiers, window_end, .. } = &mut task.status else {
				return Err(Error::<T>::NotInChallengeWindow);
			};
			ensure!(now <= *window_end, Error::<T>::NotInChallengeWindow);
			let verifier = verifiers
				.iter_mut()
				.find(|v| v.account == who)
				.ok_or(Error::<T>::NotAVerifier)?;
			ensure!(verifier.verdict.is_none(), Error::<T>::AlreadyAttested);
			if let Verdict::Invalid { step, .. } = verdict {
				ensure!(verifier.segment.covers(step), Error::<T>::OutsideSegment);
			}
			verifier.verdict = Some(verdict);
			Ok(())
		})?;
		Duties::<T>::remove(&who, id);
		match verdict {
			Verdict::Valid => Self::deposit_event(Event::ResultAttested { task: id, verifier: who }),
			Verdict::Invalid { step, hash } =>
				Self::deposit_event(Event::ResultRejected { task: id, verifier: who, step, hash }),
		}
		Ok(())
	}

	pub(crate) fn do_set_endpoint(
		who: T::AccountId,
		endpoint: Option<BoundedVec<u8, T::MaxUrlLen>>,
	) -> DispatchResult {
		ensure!(Solvers::<T>::contains_key(&who), Error::<T>::NotRegistered);
		match &endpoint {
			Some(url) => {
				ensure!(crate::offchain::is_http_url(url), Error::<T>::InvalidEndpoint);
				SolverEndpoints::<T>::insert(&who, url);
			},
			None => SolverEndpoints::<T>::remove(&who),
		}
		Self::deposit_event(Event::EndpointSet { solver: who, endpoint: endpoint.map(|e| e.into_inner()) });
		Ok(())
	}

	/// The account a report acts for, if its action is one that account may take now. Shared by
	/// the transaction-pool check ([`Self::authorize_report`]) and the dispatch.
	pub(crate) fn report_actor(report: &Report<T::OffchainKey>) -> Result<T::AccountId, DispatchError> {
		let now = Self::now();
		match report.action {
			OffchainAction::Heartbeat { period } => {
				let who = T::OffchainKeys::account(&report.key);
				let solver = Self::active_solver(&who)?;
				let current = OnlineCapacityOf::<T>::get().period;
				ensure!(period == current && solver.seen_period != current, Error::<T>::StaleReport);
				Ok(who)
			},
			OffchainAction::Accept { task } | OffchainAction::Decline { task, .. } => {
				let who = T::OffchainKeys::account(&report.key);
				let task = Tasks::<T>::get(task).ok_or(Error::<T>::UnknownTask)?;
				Self::answerable(&who, &task)?;
				Ok(who)
			},
			OffchainAction::Result { task, result } => {
				let who = T::OffchainKeys::account(&report.key);
				let task = Tasks::<T>::get(task).ok_or(Error::<T>::UnknownTask)?;
				ensure!(task.status.working_solver() == Some(&who), Error::<T>::NotAssignedSolver);
				ensure!(now <= task.deadline, Error::<T>::DeadlinePassed);
				ensure!(result.steps == task.program.steps, Error::<T>::StepCountMismatch);
				Ok(who)
			},
			OffchainAction::Verdict { task, .. } => {
				let who = T::OffchainKeys::validator(&report.key).ok_or(Error::<T>::NotAVerifier)?;
				let task = Tasks::<T>::get(task).ok_or(Error::<T>::UnknownTask)?;
				let TaskStatus::Submitted { verifiers, window_end, .. } = &task.status else {
					return Err(Error::<T>::NotInChallengeWindow.into());
				};
				ensure!(now <= *window_end, Error::<T>::NotInChallengeWindow);
				let verifier =
					verifiers.iter().find(|v| v.account == who).ok_or(Error::<T>::NotAVerifier)?;
				ensure!(verifier.verdict.is_none(), Error::<T>::AlreadyAttested);
				Ok(who)
			},
		}
	}

	/// The bytes a report's key signs: a domain tag, this chain's genesis hash and the report.
	pub fn report_payload(report: &Report<T::OffchainKey>) -> alloc::vec::Vec<u8> {
		(b"aichain/compute/report", frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero()), report)
			.encode()
	}

	/// Pool validity of a report: signed by its key, and an action its account may take now.
	/// One transaction per action (the `provides` tag), valid for [`REPORT_LONGEVITY`] blocks;
	/// the worker sends it again after that if the action is still due.
	pub(crate) fn authorize_report(
		report: &Report<T::OffchainKey>,
		signature: &<T::OffchainKey as sp_runtime::RuntimeAppPublic>::Signature,
	) -> TransactionValidityWithRefund {
		use sp_runtime::RuntimeAppPublic;
		if !report.key.verify(&Self::report_payload(report), signature) {
			return Err(InvalidTransaction::BadProof.into());
		}
		let who = Self::report_actor(report).map_err(|e| {
			log::debug!(target: crate::LOG_TARGET, "report {:?} refused: {e:?}", report.action);
			InvalidTransaction::Stale
		})?;
		let tag = match report.action {
			OffchainAction::Heartbeat { period } => (b"heartbeat", who, u64::from(period)).encode(),
			// Accepting and declining exclude each other: one answer per task in the pool.
			OffchainAction::Accept { task } | OffchainAction::Decline { task, .. } =>
				(b"answer", who, task).encode(),
			OffchainAction::Result { task, .. } => (b"result", task).encode(),
			OffchainAction::Verdict { task, .. } => (b"verdict", who, task).encode(),
		};
		let validity = ValidTransaction::with_tag_prefix("compute")
			.priority(REPORT_PRIORITY)
			.and_provides(tag)
			.longevity(REPORT_LONGEVITY)
			.propagate(true)
			.build()?;
		Ok((validity, Weight::zero()))
	}

	pub(crate) fn do_report(report: Report<T::OffchainKey>) -> DispatchResult {
		let who = Self::report_actor(&report)?;
		match report.action {
			OffchainAction::Heartbeat { .. } => Self::do_heartbeat(who),
			OffchainAction::Accept { task } => Self::do_accept_task(who, task),
			OffchainAction::Decline { task, reason } => Self::do_decline_task(who, task, reason),
			OffchainAction::Result { task, result } => Self::do_submit_result(who, task, result),
			OffchainAction::Verdict { task, verdict } => Self::do_verdict(who, task, verdict),
		}
	}

	pub(crate) fn do_set_params(params: ParamsOf<T>) -> DispatchResult {
		params.validate(T::MaxVerifiers::get(), T::MaxExcludedSolvers::get()).map_err(|why| {
			log::debug!(target: crate::LOG_TARGET, "rejected parameters: {why}");
			Error::<T>::InvalidParams
		})?;
		let old = Params::<T>::get();
		Params::<T>::put(params);
		if (old.min_stake, old.stake_per_capacity) != (params.min_stake, params.stake_per_capacity) {
			Self::recount_online_capacity();
		}
		PricePerUnit::<T>::mutate(|price| {
			*price = (*price).max(params.pricing.floor).min(params.pricing.ceiling)
		});
		Self::deposit_event(Event::ParamsUpdated { params });
		Ok(())
	}

	/// Whether the market is paused ([`PausedSince`] is set).
	pub fn is_paused() -> bool {
		PausedSince::<T>::exists()
	}

	/// Pause or resume the market; returns how many queued tasks had their deadline moved.
	/// On resume, each queued task's deadline moves later by the part of the pause it spent in
	/// the queue (from the pause, or from its requeueing during the pause, to now), and at least
	/// to now, so that its wake-up is never in the past: waiting in a paused market costs a
	/// submitter none of the time it asked for.
	pub(crate) fn do_set_paused(paused: bool) -> u32 {
		let now = Self::now();
		match (PausedSince::<T>::get(), paused) {
			(None, true) => {
				PausedSince::<T>::put(now);
				Self::deposit_event(Event::MarketPaused);
				0
			},
			(Some(since), false) => {
				PausedSince::<T>::kill();
				let mut tasks: u32 = 0;
				for id in TaskQueue::<T>::get() {
					let Some(mut task) = Tasks::<T>::get(id) else { continue };
					let waited = now.saturating_sub(since.max(task.queued_at));
					let deadline = task.deadline.saturating_add(waited).max(now);
					if deadline == task.deadline {
						continue;
					}
					let before = Self::wakeups_of(&task);
					task.deadline = deadline;
					Self::update_wakeups(id, &before, &Self::wakeups_of(&task));
					Tasks::<T>::insert(id, task);
					tasks = tasks.saturating_add(1);
				}
				Self::deposit_event(Event::MarketResumed {
					extended_by: now.saturating_sub(since),
					tasks,
				});
				tasks
			},
			_ => 0,
		}
	}

	// ---- queries ----

	/// The fee of `program` on `hardware` at the current price.
	pub fn quote(
		program: &Program,
		hardware: HardwareClass,
	) -> Result<Quote<BalanceOf<T>>, QuoteError> {
		program.validate().map_err(|_| QuoteError::InvalidProgram)?;
		let work_units = program.work_units().ok_or(QuoteError::InvalidProgram)?;
		let pricing = Params::<T>::get().pricing;
		let price_per_unit = PricePerUnit::<T>::get();
		let class_multiplier = pricing.class_multipliers.of(hardware);
		let fee = pricing::fee(work_units, price_per_unit, class_multiplier, pricing.min_fee)
			.ok_or(QuoteError::Overflow)?;
		Ok(Quote { work_units, price_per_unit, class_multiplier, fee })
	}

	/// The compute-mining pot: funded by the Community Treasury, emptied slowly by rewards.
	pub fn mining_pot_account() -> T::AccountId {
		T::MiningPotId::get().into_account_truncating()
	}

	/// The mining era of block `now`.
	pub fn mining_era_of(now: BlockNumberFor<T>) -> u32 {
		now.checked_div(&T::MiningEraLength::get()).unwrap_or_default().unique_saturated_into()
	}

	/// The heartbeat period of block `now`.
	pub fn heartbeat_period_of(now: BlockNumberFor<T>) -> u32 {
		now.checked_div(&T::HeartbeatPeriod::get()).unwrap_or_default().unique_saturated_into()
	}

	/// Whether `solver` is active and sent a heartbeat in this or the previous period.
	pub fn is_online(solver: &SolverOf<T>) -> bool {
		Self::is_online_at(solver, &OnlineCapacityOf::<T>::get())
	}

	/// [`Self::is_online`] against a capacity record already read.
	pub(crate) fn is_online_at(solver: &SolverOf<T>, capacity: &OnlineCapacity) -> bool {
		solver.status == SolverStatus::Active && capacity.is_online(solver.seen_period)
	}

	// ---- shared bookkeeping ----

	/// The market's escrow account. Stakes, fees and deposits leave their owners' accounts
	/// for it when they are committed and are held on it under their [`HoldReason`]; they leave
	/// it only through [`Self::escrow_credit`] (payouts, refunds, releases) and slashes.
	///
	/// Why not hold them on the owner's account: FRAME counts held funds towards a freeze
	/// (`reducible_balance` is `free - max(frozen - held, ed)`), so while the market held a fee
	/// on a vesting account, the account could transfer as many of its locked tokens as the hold
	/// covered, and a payout out of the hold (to a solver account of its own) then left its total
	/// below its lock. Funds that have left the account can back no lock of it.
	pub fn escrow_account() -> T::AccountId {
		T::EscrowId::get().into_account_truncating()
	}

	/// Move `amount` of `who`'s liquid funds (see [`Self::ensure_liquid`]) into escrow, held
	/// under `reason`. With the funds there, any other error is the escrow's (it must exist).
	pub(crate) fn escrow_in(who: &T::AccountId, reason: HoldReason, amount: BalanceOf<T>) -> DispatchResult {
		Self::ensure_liquid(who, amount)?;
		T::Currency::transfer_and_hold(
			&reason.into(),
			who,
			&Self::escrow_account(),
			amount,
			Precision::Exact,
			Preservation::Preserve,
			Fortitude::Polite,
		)?;
		Ok(())
	}

	/// Take exactly `amount` held under `reason` out of escrow, as a credit to hand on.
	pub(crate) fn escrow_credit(reason: HoldReason, amount: BalanceOf<T>) -> Result<CreditOf<T>, DispatchError> {
		let escrow = Self::escrow_account();
		frame_support::storage::with_storage_layer(|| {
			T::Currency::release(&reason.into(), &escrow, amount, Precision::Exact)?;
			T::Currency::withdraw(&escrow, amount, Precision::Exact, Preservation::Preserve, Fortitude::Force)
		})
	}

	/// Pay `amount` held under `reason` out of escrow to `who` (a refund, a released stake or
	/// deposit). Returns what `who` received (see [`Self::pay_or_revenue`]).
	pub(crate) fn escrow_pay(
		reason: HoldReason,
		who: &T::AccountId,
		amount: BalanceOf<T>,
	) -> Result<BalanceOf<T>, DispatchError> {
		let credit = Self::escrow_credit(reason, amount)?;
		Ok(Self::pay_or_revenue(who, credit))
	}

	/// `amount` can leave `who`'s free balance without touching what is locked or frozen
	/// (vesting, staking, votes), keeping the existential deposit; funds `who` has on hold
	/// elsewhere do not count. FRAME's `transfer` alone would let such holds cover the lock.
	fn ensure_liquid(who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		use frame_support::traits::fungible::Inspect;
		use crate::FrozenBalance;
		let untouchable = T::FrozenBalance::frozen(who).max(T::Currency::minimum_balance());
		let liquid = T::Currency::balance(who).saturating_sub(untouchable);
		ensure!(liquid >= amount, Error::<T>::InsufficientBalance);
		Ok(())
	}

	fn active_solver(who: &T::AccountId) -> Result<SolverOf<T>, DispatchError> {
		let solver = Solvers::<T>::get(who).ok_or(Error::<T>::NotRegistered)?;
		ensure!(solver.status == SolverStatus::Active, Error::<T>::SolverUnbonding);
		Ok(solver)
	}

	/// Change a solver's record with its online capacity kept exact: what it counts is taken
	/// out before `f` and put back after (stake and reputation decide it).
	pub(crate) fn mutate_solver<R>(
		who: &T::AccountId,
		f: impl FnOnce(&mut SolverOf<T>) -> R,
	) -> Option<R> {
		let mut solver = Solvers::<T>::get(who)?;
		Self::online_remove(&solver);
		let r = f(&mut solver);
		Self::online_add(&solver);
		Solvers::<T>::insert(who, solver);
		Some(r)
	}

	/// The solver's activity record for the current mining era (reset if it is older).
	pub(crate) fn activity_mut(solver: &mut SolverOf<T>) -> &mut EraActivity<BalanceOf<T>> {
		let era = MiningEra::<T>::get();
		if solver.activity.era != era {
			solver.activity =
				EraActivity { era, verified_work: 0, periods_online: 0, fees: Zero::zero() };
		}
		&mut solver.activity
	}

	/// Work units per block a solver's capacity counts for, in pricing and in the draw: what it
	/// advertises, up to what its stake backs (`stake / stake_per_capacity`); nothing below the
	/// minimum stake or with no reputation left.
	pub fn counted_capacity(solver: &SolverOf<T>, params: &ParamsOf<T>) -> WorkUnits {
		if solver.stake < params.min_stake || solver.reputation.is_zero() {
			return 0;
		}
		let backed: u128 = solver
			.stake
			.checked_div(&params.stake_per_capacity)
			.unwrap_or_else(Zero::zero)
			.unique_saturated_into();
		backed.min(u128::from(solver.capacity)).unique_saturated_into()
	}

	/// Count an active solver's capacity in the bucket of its last heartbeat period.
	pub(crate) fn online_add(solver: &SolverOf<T>) {
		let counted = Self::counted_capacity(solver, &Params::<T>::get());
		Self::with_bucket(solver, |bucket| bucket.add(solver.hardware, counted));
	}

	/// Count a registered solver as never seen: offline until its first heartbeat (genesis
	/// registrations, whose operators may not run yet).
	pub(crate) fn mark_offline(who: &T::AccountId) {
		if let Some(mut solver) = Solvers::<T>::get(who) {
			Self::online_remove(&solver);
			solver.seen_period = NEVER_SEEN;
			solver.activity.periods_online = 0;
			Solvers::<T>::insert(who, solver);
		}
	}

	/// Take an active solver's capacity out of its bucket.
	pub(crate) fn online_remove(solver: &SolverOf<T>) {
		let counted = Self::counted_capacity(solver, &Params::<T>::get());
		Self::with_bucket(solver, |bucket| bucket.sub(solver.hardware, counted));
	}

	/// Apply `f` to the online-capacity buckets an active solver counts in, if it is online.
	fn with_bucket(solver: &SolverOf<T>, f: impl FnOnce(&mut PerClass<WorkUnits>)) {
		if solver.status != SolverStatus::Active {
			return;
		}
		OnlineCapacityOf::<T>::mutate(|c| {
			if let Some(bucket) = c.bucket_mut(solver.seen_period) {
				f(bucket);
			}
		});
	}

	/// Count every solver's capacity again (the parameters it depends on changed).
	pub(crate) fn recount_online_capacity() {
		let params = Params::<T>::get();
		let mut capacity = OnlineCapacityOf::<T>::get();
		capacity.current = PerClass::default();
		capacity.previous = PerClass::default();
		for solver in Solvers::<T>::iter_values() {
			if solver.status != SolverStatus::Active {
				continue;
			}
			let counted = Self::counted_capacity(&solver, &params);
			if let Some(bucket) = capacity.bucket_mut(solver.seen_period) {
				bucket.add(solver.hardware, counted);
			}
		}
		OnlineCapacityOf::<T>::put(capacity);
	}

	// ---- wake-ups ----

	/// The live wake-ups a task needs in its current state: the block after its deadline while
	/// no result is in, the end of the acceptance period while assigned, the block after its
	/// solver's deadline while working, the pending verifier draw and the end of the challenge
	/// window once a result is in (the draw's only, while a dispute freezes the result).
	pub(crate) fn wakeups_of(task: &TaskOf<T>) -> alloc::vec::Vec<BlockNumberFor<T>> {
		let next = |b: &BlockNumberFor<T>| b.saturating_add(1u32.into());
		let mut blocks = alloc::vec::Vec::new();
		match &task.status {
			TaskStatus::Queued { .. } => blocks.push(next(&task.deadline)),
			TaskStatus::Assigned { accept_by, solver_deadline, .. } => {
				blocks.push(next(&task.deadline));
				blocks.push(next(accept_by));
				blocks.push(next(solver_deadline));
			},
			TaskStatus::Running { solver_deadline, .. } => {
				blocks.push(next(&task.deadline));
				blocks.push(next(solver_deadline));
			},
			TaskStatus::Submitted { window_end, draw_at, disputes, .. } => {
				// A frozen result is paid when its last dispute closes, not at a block.
				if *disputes == 0 {
					blocks.push(next(window_end));
				}
				blocks.extend(*draw_at);
			},
			TaskStatus::Finalized { .. } |
			TaskStatus::Refunded { .. } => {},
		}
		blocks.sort_unstable();
		blocks.dedup();
		blocks
	}

	/// Move a task's live wake-ups from the blocks `before` to the blocks `after`: entries no
	/// longer needed go at once. Never fails: a block has no limit of entries.
	pub(crate) fn update_wakeups(
		id: TaskId,
		before: &[BlockNumberFor<T>],
		after: &[BlockNumberFor<T>],
	) {
		for block in before.iter().filter(|b| !after.contains(b)) {
			Agenda::<T>::remove((*block, Lane::Live), id);
		}
		let earliest = Self::now().saturating_add(1u32.into());
		for block in after.iter().filter(|b| !before.contains(b)) {
			Agenda::<T>::insert(((*block).max(earliest), Lane::Live), id, ());
		}
	}

	/// A task that ends without a result: its work leaves the outstanding demand and its whole
	/// fee goes back.
	pub(crate) fn refund_unfinished(id: TaskId, task: TaskOf<T>, cause: RefundCause) -> DispatchResult {
		OutstandingWork::<T>::mutate(|w| w.sub(task.hardware, task.work_units));
		Self::refund(id, task, cause)
	}

	/// Release a task's whole fee to its submitter and mark it refunded.
	pub(crate) fn refund(id: TaskId, task: TaskOf<T>, cause: RefundCause) -> DispatchResult {
		let amount = Self::escrow_pay(HoldReason::TaskFee, &task.submitter, task.fee)?;
		let submitter = task.submitter.clone();
		Self::finish(id, task, TaskStatus::Refunded { cause, at: Self::now() });
		Self::deposit_event(Event::TaskRefunded { task: id, submitter, amount, cause });
		Ok(())
	}

	/// Store a task in its final state: its live wake-ups go, and its pruning is scheduled
	/// after `retention` blocks.
	pub(crate) fn finish(id: TaskId, mut task: TaskOf<T>, status: TaskStatusOf<T>) {
		Self::update_wakeups(id, &Self::wakeups_of(&task), &[]);
		task.status = status;
		let prune_at = Self::now()
			.saturating_add(Params::<T>::get().retention)
			.saturating_add(1u32.into());
		Agenda::<T>::insert((prune_at, Lane::Prune), id, ());
		Tasks::<T>::insert(id, task);
	}

	/// Remove a finished task and release its deposit.
	pub(crate) fn prune(id: TaskId, task: TaskOf<T>) -> DispatchResult {
		let deposit = Self::escrow_pay(HoldReason::TaskDeposit, &task.submitter, task.deposit)?;
		Tasks::<T>::remove(id);
		Self::deposit_event(Event::TaskPruned { task: id, submitter: task.submitter, deposit });
		Ok(())
	}

	/// Forget what a task in `status` still expected of its solver or its verifiers: it is
	/// leaving that status.
	pub(crate) fn release_duties(id: TaskId, status: &TaskStatusOf<T>) {
		match status {
			TaskStatus::Assigned { solver, .. } | TaskStatus::Running { solver, .. } =>
				Duties::<T>::remove(solver, id),
			TaskStatus::Submitted { verifiers, .. } =>
				for verifier in verifiers.iter().filter(|v| v.verdict.is_none()) {
					Duties::<T>::remove(&verifier.account, id);
				},
			_ => {},
		}
	}

	/// A solver leaves a task it was working on: its duty ends and the task's work, slot and
	/// fee no longer count against it.
	pub(crate) fn release_solver(id: TaskId, solver_id: &T::AccountId, task: &TaskOf<T>) {
		Self::release_duties(id, &task.status);
		if let Some(mut solver) = Solvers::<T>::get(solver_id) {
			solver.committed = solver.committed.saturating_sub(task.work_units);
			solver.active_tasks = solver.active_tasks.saturating_sub(1);
			solver.open_fees = solver.open_fees.saturating_sub(task.fee);
			Solvers::<T>::insert(solver_id, solver);
		}
	}

	/// A task's solver left it (`cause`): the solver is excluded from it, and the task goes
	/// back to the queue while its deadline can still be met. It is refunded instead once
	/// `max_declines` solvers declined it (what is left after their compensation), when no more
	/// solvers can be excluded, or when its deadline has passed. Returns whether it was
	/// requeued.
	pub(crate) fn exclude_and_requeue(
		id: TaskId,
		mut task: TaskOf<T>,
		solver: T::AccountId,
		cause: ExclusionCause,
	) -> Result<bool, DispatchError> {
		let now = Self::now();
		let before = Self::wakeups_of(&task);
		let excluded = task.excluded.try_push(Exclusion { solver: solver.clone(), cause }).is_ok();
		let declines: u32 = task
			.excluded
			.iter()
			.filter(|e| matches!(e.cause, ExclusionCause::Declined(_)))
			.count()
			.unique_saturated_into();
		let reason = match cause {
			ExclusionCause::Declined(_) => QueueReason::SolverDeclined,
			ExclusionCause::DidNotAnswer => QueueReason::SolverDidNotAnswer,
			ExclusionCause::MissedDeadline => QueueReason::SolverMissedDeadline,
		};
		if declines >= Params::<T>::get().max_declines {
			return Self::refund_unfinished(id, task, RefundCause::Unservable).map(|()| false);
		}
		let requeued = excluded &&
			now <= task.deadline &&
			TaskQueue::<T>::try_mutate(|q| q.try_push(id)).is_ok();
		if !requeued {
			let cause = match cause {
				ExclusionCause::MissedDeadline => RefundCause::DeadlineMissed,
				_ => RefundCause::NoSolverAvailable,
			};
			return Self::refund_unfinished(id, task, cause).map(|()| false);
		}
		task.status = TaskStatus::Queued { reason };
		task.queued_at = now;
		Self::update_wakeups(id, &before, &Self::wakeups_of(&task));
		Tasks::<T>::insert(id, task);
		Self::deposit_event(Event::TaskRequeued { task: id, solver, reason });
		Ok(true)
	}

	/// Pay a solver that declined `task` `decline_compensation` of the fee still held, out of
	/// the task's escrowed fee, at once: whatever becomes of the task, a decline it caused is
	/// paid for (so cancelling and resubmitting does not dodge it). A failure is logged, never
	/// an error.
	fn compensate_decline(id: TaskId, task: &mut TaskOf<T>, solver: &T::AccountId) {
		let amount = Params::<T>::get().decline_compensation.mul_floor(task.fee);
		if amount.is_zero() {
			return;
		}
		match Self::escrow_credit(HoldReason::TaskFee, amount) {
			Ok(credit) => {
				let paid = credit.peek();
				task.fee = task.fee.saturating_sub(paid);
				Self::pay_or_revenue(solver, credit);
				Self::deposit_event(Event::DeclineCompensated {
					task: id,
					solver: solver.clone(),
					amount: paid,
				});
			},
			Err(e) => log::warn!(
				target: crate::LOG_TARGET,
				"task {id}: compensation of a decline not paid: {e:?}"
			),
		}
	}

	/// Slash `share` of a solver's stake and hand the proceeds to `T::Slashed`. The solver's
	/// record is updated in storage (its counted capacity with it).
	pub(crate) fn slash_stake(solver_id: &T::AccountId, share: Perbill) -> CreditOf<T> {
		Self::mutate_solver(solver_id, |solver| {
			let amount = share.mul_floor(solver.stake);
			let (credit, _missing) =
				<T::Currency as frame_support::traits::fungible::hold::Balanced<T::AccountId>>::slash(
					&HoldReason::SolverStake.into(),
					&Self::escrow_account(),
					amount,
				);
			solver.stake = solver.stake.saturating_sub(credit.peek());
			credit
		})
		.unwrap_or_default()
	}

	/// The solver accepted `task` and missed its deadline: slash it, lower its reputation and
	/// free the task's capacity.
	pub(crate) fn penalize_missed(solver_id: &T::AccountId, id: TaskId, task: &TaskOf<T>) {
		if !Solvers::<T>::contains_key(solver_id) {
			log::error!(target: crate::LOG_TARGET, "task {id} bound to unknown solver");
			return;
		}
		let params = Params::<T>::get();
		let credit = Self::slash_stake(solver_id, params.missed_deadline_slash);
		let amount = credit.peek();
		T::Slashed::on_unbalanced(credit);
		Self::release_solver(id, solver_id, task);
		Self::mutate_solver(solver_id, |solver| {
			solver.stats.missed = solver.stats.missed.saturating_add(1);
			solver.reputation = solver.reputation.saturating_sub(params.reputation_loss);
		});
		Self::deposit_event(Event::SolverSlashed {
			solver: solver_id.clone(),
			task: id,
			amount,
			cause: SlashCause::MissedDeadline,
		});
	}

	/// The assigned solver let the acceptance period pass: it loses reputation, not stake.
	pub(crate) fn penalize_silence(solver_id: &T::AccountId, id: TaskId, task: &TaskOf<T>) {
		let loss = Params::<T>::get().no_answer_reputation_loss;
		Self::release_solver(id, solver_id, task);
		if let Some(reputation) = Self::mutate_solver(solver_id, |solver| {
			solver.reputation = solver.reputation.saturating_sub(loss);
			solver.reputation
		}) {
			Self::deposit_event(Event::AnswerMissed { task: id, solver: solver_id.clone(), reputation });
		}
	}

	/// Pay out a task whose result stands: take the fee out of escrow and split it.
	pub(crate) fn pay_out(id: TaskId, task: TaskOf<T>) -> DispatchResult {
		let (solver_id, result, verifiers) = match &task.status {
			TaskStatus::Submitted { solver, result, verifiers, disputes: 0, .. } =>
				(solver.clone(), *result, verifiers.clone()),
			TaskStatus::Submitted { .. } => return Err(Error::<T>::ResultFrozen.into()),
			_ => return Err(Error::<T>::NotInChallengeWindow.into()),
		};
		let params = Params::<T>::get();
		Self::release_duties(id, &task.status);
		let mut credit = Self::escrow_credit(HoldReason::TaskFee, task.fee)?;

		let fee = task.fee;
		let solver_reward = params.solver_share.mul_floor(fee);
		let verifier_pot = params.verifier_share.mul_floor(fee);
		let slots: u32 = verifiers.len().unique_saturated_into();
		let per_verifier = verifier_pot.checked_div(&slots.into()).unwrap_or_else(Zero::zero);

		let mut paid_verifiers = BalanceOf::<T>::zero();
		let (to_solver, rest) = credit.split(solver_reward);
		credit = rest;
		Self::pay_or_revenue(&solver_id, to_solver);
		for verifier in verifiers.iter().filter(|v| v.attested()) {
			let (share, rest) = credit.split(per_verifier);
			credit = rest;
			paid_verifiers = paid_verifiers.saturating_add(share.peek());
			Self::pay_or_revenue(&verifier.account, share);
		}
		let (unearned, protocol) = credit.split(verifier_pot.saturating_sub(paid_verifiers));
		let unearned_amount = unearned.peek();
		let protocol_amount = protocol.peek();
		T::UnearnedVerifierReward::on_unbalanced(unearned);
		T::ProtocolRevenue::on_unbalanced(protocol);

		Self::mutate_solver(&solver_id, |solver| {
			solver.active_tasks = solver.active_tasks.saturating_sub(1);
			solver.open_fees = solver.open_fees.saturating_sub(fee);
			solver.stats.completed = solver.stats.completed.saturating_add(1);
			solver.reputation = solver.reputation.saturating_add(params.reputation_gain);
			let activity = Self::activity_mut(solver);
			activity.verified_work = activity.verified_work.saturating_add(task.work_units);
			activity.fees = activity.fees.saturating_add(fee);
		});
		Self::finish(id, task, TaskStatus::Finalized { solver: solver_id.clone(), result, at: Self::now() });
		Self::deposit_event(Event::TaskFinalized {
			task: id,
			solver: solver_id,
			solver_reward,
			verifier_reward: paid_verifiers,
			unearned: unearned_amount,
			protocol: protocol_amount,
		});
		Ok(())
	}

	/// Put a payout into `who`'s account; if the account cannot take it (it would stay below the
	/// existential deposit), it joins the protocol revenue instead of being lost.
	fn pay_or_revenue(who: &T::AccountId, credit: CreditOf<T>) -> BalanceOf<T> {
		let amount = credit.peek();
		match T::Currency::resolve(who, credit) {
			Ok(()) => amount,
			Err(credit) => {
				T::ProtocolRevenue::on_unbalanced(credit);
				Self::deposit_event(Event::PaidToRevenue { who: who.clone(), amount });
				Zero::zero()
			},
		}
	}

	/// Draw up to `count` distinct verifiers among the active validators, never the solver nor an
	/// excluded validator ([`Config::ExcludedVerifiers`]), each
	/// with a segment of a `steps`-step trace, from `seed` (fresh randomness).
	pub(crate) fn draw_verifiers(
		seed: &impl Encode,
		solver: &T::AccountId,
		count: u32,
		steps: u32,
	) -> BoundedVec<Verifier<T::AccountId>, T::MaxVerifiers> {
		use frame_support::traits::ValidatorSet;
		use frame_support::traits::Contains;
		let mut pool: alloc::vec::Vec<T::AccountId> =
			T::Validators::validators().into_iter().filter(|v| v != solver).collect();
		let mut drawn = BoundedVec::new();
		let mut round: u32 = 0;
		let wanted = count.min(T::MaxVerifiers::get());
		// Excluded validators picked are set aside and the draw goes on, at most `MaxVerifiers`
		// times: the exclusion check is a storage read, and the draw's weight counts
		// `2 × MaxVerifiers` of them.
		let mut set_aside: u32 = 0;
		while round < wanted && !pool.is_empty() {
			let pick = Self::derive_u128(&(seed, b"verifier", round, set_aside));
			let len: u128 = pool.len().unique_saturated_into();
			let index: usize = pick.checked_rem(len).unwrap_or(0).unique_saturated_into();
			let account = pool.swap_remove(index.min(pool.len().saturating_sub(1)));
			if T::ExcludedVerifiers::contains(&account) {
				set_aside = set_aside.saturating_add(1);
				if set_aside >= T::MaxVerifiers::get() {
					break;
				}
				continue;
			}
			let segment = TraceSegment::draw(steps, Self::derive_u128(&(seed, b"segment", round)));
			if drawn.try_push(Verifier { account, segment, verdict: None }).is_err() {
				break;
			}
			round = round.saturating_add(1);
		}
		drawn
	}

	/// Randomness for `subject` that nobody could know when block `fixed_at` was built: the
	/// configured source's, if it comes from a later block (see [`Config::Randomness`]).
	pub(crate) fn fresh_random(subject: &impl Encode, fixed_at: BlockNumberFor<T>) -> Option<T::Hash> {
		use frame_support::traits::Randomness;
		let (random, revealed_in) = T::Randomness::random(&subject.encode());
		random.filter(|_| revealed_in > fixed_at)
	}

	/// A number derived from `seed` (already random) and a label.
	pub(crate) fn derive_u128(seed: &impl Encode) -> u128 {
		let hash = sp_io::hashing::blake2_128(&seed.encode());
		u128::from_le_bytes(hash)
	}

	pub(crate) fn now() -> BlockNumberFor<T> {
		frame_system::Pallet::<T>::block_number()
	}

	/// Check the pallet's invariants (see the crate documentation).
	#[cfg(any(feature = "try-runtime", feature = "std", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::{btree_map::BTreeMap, btree_set::BTreeSet};
		use frame_support::traits::fungible::{Inspect, InspectHold};

		let mut fees = BalanceOf::<T>::zero();
		let mut deposits = BalanceOf::<T>::zero();
		let mut committed: BTreeMap<T::AccountId, (WorkUnits, u32, BalanceOf<T>)> =
			BTreeMap::new();
		let mut outstanding = PerClass::<WorkUnits>::default();
		let mut queued = alloc::vec::Vec::new();
		let mut duties = BTreeSet::new();
		let mut wakeups = BTreeSet::new();
		let mut prunes = BTreeSet::new();
		for (id, task) in Tasks::<T>::iter() {
			match &task.status {
				TaskStatus::Assigned { solver, .. } | TaskStatus::Running { solver, .. } => {
					duties.insert((solver.clone(), id));
				},
				TaskStatus::Submitted { verifiers, .. } =>
					for verifier in verifiers.iter().filter(|v| v.verdict.is_none()) {
						duties.insert((verifier.account.clone(), id));
					},
				_ => {},
			}
			deposits = deposits.saturating_add(task.deposit);
			if task.status.holds_fee() {
				fees = fees.saturating_add(task.fee);
			}
			if task.status.is_outstanding() {
				outstanding.add(task.hardware, task.work_units);
			}
			// A count within the referee's bounds, or 0 for a task from before counts.
			let samples = u64::from(task.dataset.batches)
				.saturating_mul(u64::from(task.program.batch_size));
			ensure!(
				task.dataset.batches == 0 ||
					(task.dataset.batches <= aichain_engine::dataset::MAX_TASK_BATCHES &&
						samples <= u64::from(aichain_engine::dataset::MAX_SAMPLES)),
				"compute: a task's dataset size is out of the referee's bounds"
			);
			if matches!(task.status, TaskStatus::Queued { .. }) {
				queued.push(id);
			}
			if let Some(solver) = task.status.bound_solver() {
				let e = committed.entry(solver.clone()).or_default();
				if task.status.working_solver().is_some() {
					e.0 = e.0.saturating_add(task.work_units);
				}
				e.1 = e.1.saturating_add(1);
				e.2 = e.2.saturating_add(task.fee);
			}
			for block in Self::wakeups_of(&task) {
				wakeups.insert((block, id));
			}
			if task.status.is_finished() {
				prunes.insert(id);
			}
		}
		let escrow = Self::escrow_account();
		let held = |reason: HoldReason| T::Currency::balance_on_hold(&reason.into(), &escrow);
		ensure!(
			held(HoldReason::TaskFee) == fees,
			"compute: escrowed task fees differ from the sum of live task fees"
		);
		ensure!(
			held(HoldReason::TaskDeposit) == deposits,
			"compute: escrowed task deposits differ from the sum of the tasks' deposits"
		);
		ensure!(
			T::Currency::balance(&escrow) >= T::Currency::minimum_balance(),
			"compute: the escrow account lacks the existential deposit"
		);
		// Nothing of the market's is held on the accounts it knows (submitters, solvers).
		for who in Tasks::<T>::iter_values().map(|t| t.submitter).chain(Solvers::<T>::iter_keys()) {
			for reason in [HoldReason::SolverStake, HoldReason::TaskFee, HoldReason::TaskDeposit] {
				ensure!(
					T::Currency::balance_on_hold(&reason.into(), &who).is_zero(),
					"compute: funds held on their owner's account instead of escrow"
				);
			}
		}
		ensure!(OutstandingWork::<T>::get() == outstanding, "compute: outstanding work mismatch");
		let recorded: BTreeSet<_> = Duties::<T>::iter().map(|(who, id, ())| (who, id)).collect();
		ensure!(recorded == duties, "compute: duties differ from what the tasks expect");
		for who in SolverEndpoints::<T>::iter_keys() {
			ensure!(Solvers::<T>::contains_key(&who), "compute: endpoint of an unregistered solver");
		}
		let mut queue = TaskQueue::<T>::get().into_inner();
		queue.sort_unstable();
		queued.sort_unstable();
		ensure!(queue == queued, "compute: queue differs from the queued tasks");

		// The live agenda holds exactly the wake-ups the tasks need (each at its block: none is
		// ever due in the past when it is scheduled), and every finished task has its pruning
		// scheduled once.
		let mut entries = BTreeSet::new();
		let mut pruning = alloc::vec::Vec::new();
		for ((block, lane), id, ()) in Agenda::<T>::iter() {
			match lane {
				Lane::Live => {
					entries.insert((block, id));
				},
				Lane::Prune => pruning.push(id),
			}
		}
		// While the market is paused, a queued task's deadline wake-up that came due was taken
		// and left the task waiting (its deadline moves when the market resumes): at or before
		// the agenda's cursor, such an entry may be there or not.
		if Self::is_paused() {
			let cursor = AgendaCursor::<T>::get(Lane::Live).unwrap_or_else(Self::now);
			for id in queued.iter() {
				if let Some(task) = Tasks::<T>::get(id) {
					let due = task.deadline.saturating_add(1u32.into());
					if due <= cursor {
						entries.remove(&(due, *id));
						wakeups.remove(&(due, *id));
					}
				}
			}
		}
		ensure!(entries == wakeups, "compute: the agenda differs from the wake-ups tasks need");
		let pruning_set: BTreeSet<_> = pruning.iter().copied().collect();
		ensure!(pruning_set.len() == pruning.len(), "compute: a task is pruned twice");
		ensure!(pruning_set == prunes, "compute: pruning scheduled for exactly the finished tasks");

		let capacity = OnlineCapacityOf::<T>::get();
		let params = Params::<T>::get();
		let mut expected = OnlineCapacity { period: capacity.period, ..Default::default() };
		let mut count = 0u32;
		let mut stakes = BalanceOf::<T>::zero();
		for (who, solver) in Solvers::<T>::iter() {
			count = count.saturating_add(1);
			stakes = stakes.saturating_add(solver.stake);
			let (work, tasks, open_fees) = committed.remove(&who).unwrap_or_default();
			ensure!(solver.committed == work, "compute: solver committed work mismatch");
			ensure!(solver.active_tasks == tasks, "compute: solver active task count mismatch");
			ensure!(solver.open_fees == open_fees, "compute: solver open fees mismatch");
			if solver.status == SolverStatus::Active {
				if let Some(bucket) = expected.bucket_mut(solver.seen_period) {
					bucket.add(solver.hardware, Self::counted_capacity(&solver, &params));
				}
			}
		}
		ensure!(committed.is_empty(), "compute: tasks bound to unregistered solvers");
		ensure!(
			held(HoldReason::SolverStake) == stakes,
			"compute: escrowed stake differs from the sum of the solvers' stakes"
		);
		ensure!(count <= T::MaxSolvers::get(), "compute: too many solvers");
		ensure!(capacity == expected, "compute: online capacity buckets mismatch");
		let price = PricePerUnit::<T>::get();
		ensure!(
			price >= params.pricing.floor && price <= params.pricing.ceiling,
			"compute: price out of bounds"
		);
		Ok(())
	}
}
