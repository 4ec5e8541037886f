//! Benchmarks of every call and of each kind of per-block work, in its worst case.

// Benchmark set-up is harness code: a failing precondition must abort the benchmark loudly.
#![allow(clippy::expect_used, clippy::arithmetic_side_effects, clippy::indexing_slicing)]

use super::*;
use aichain_engine::{
	program::{Activation, HiddenLayer, ModelSpec, Sgd, MAX_HIDDEN_LAYERS},
	Fixed,
};
use alloc::vec::Vec;
use frame_benchmarking::v2::*;
use frame_support::{
	traits::{fungible::Mutate, EnsureOrigin, Get, Hooks},
	BoundedVec,
};
use frame_system::RawOrigin;
use sp_core::H256;
use sp_runtime::{
	traits::{Bounded, One, Saturating, UniqueSaturatedInto, Zero},
	Perbill,
};

const SEED: u32 = 0;

/// What benchmarks need from the runtime beyond the pallet's config.
pub trait BenchmarkHelper<AccountId> {
	/// Make `validators` the active validator set (verifiers are drawn from it).
	fn set_validators(validators: Vec<AccountId>);
	/// Make [`Config::Randomness`] answer from now on (as a block's VRF output does).
	fn prepare_randomness();
}

fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, SEED);
	let params = Params::<T>::get();
	let amount = params
		.min_stake
		.saturating_mul(1_000u32.into())
		.saturating_add(params.pricing.ceiling.saturating_mul(1_000_000_000u32.into()));
	T::Currency::set_balance(&who, amount);
	ensure_escrow::<T>();
	who
}

/// The escrow account exists from genesis; on a bare benchmark genesis, make it exist.
fn ensure_escrow<T: Config>() {
	use frame_support::traits::fungible::Inspect;
	let escrow = Pallet::<T>::escrow_account();
	if T::Currency::balance(&escrow) < T::Currency::minimum_balance() {
		T::Currency::set_balance(&escrow, T::Currency::minimum_balance());
	}
}

fn register<T: Config>(index: u32) -> T::AccountId {
	let who = funded::<T>("solver", index);
	register_account::<T>(who)
}

fn register_account<T: Config>(who: T::AccountId) -> T::AccountId {
	// Every planck of stake backs a work unit: the advertised capacity counts in full.
	let mut params = Params::<T>::get();
	params.stake_per_capacity = One::one();
	Params::<T>::put(params);
	let amount = params
		.min_stake
		.saturating_mul(1_000u32.into())
		.saturating_add(params.pricing.ceiling.saturating_mul(1_000_000_000u32.into()));
	T::Currency::set_balance(&who, amount);
	ensure_escrow::<T>();
	// A stake that backs the largest program's work well within any deadline.
	let stake = params
		.min_stake
		.saturating_add(params.pricing.ceiling.saturating_mul(100_000_000u32.into()));
	Pallet::<T>::do_register_solver(
		who.clone(),
		stake,
		u64::MAX / 1024,
		HardwareClass::DatacenterGpu,
	)
	.expect("a funded account can register");
	who
}

/// The largest program to decode and validate: eight hidden layers.
fn program() -> Program {
	let hidden = (0..MAX_HIDDEN_LAYERS)
		.map(|_| HiddenLayer { units: 32, activation: Activation::Relu })
		.collect::<Vec<_>>();
	Program {
		model: ModelSpec { inputs: 64, hidden: BoundedVec::truncate_from(hidden), classes: 10 },
		optimizer: Sgd { learning_rate: Fixed(6554), momentum: Fixed(58982) },
		batch_size: 32,
		steps: 1_000,
		seed: 42,
	}
}

fn dataset<T: Config>() -> DatasetRefOf<T> {
	let url = alloc::vec![b'x'; T::MaxUrlLen::get() as usize];
	DatasetRef {
		root: H256::repeat_byte(7),
		url: BoundedVec::truncate_from(url),
		// As many minibatches as a task may name at the benchmark program's batch size (32).
		batches: (aichain_engine::dataset::MAX_SAMPLES / 32)
			.min(aichain_engine::dataset::MAX_TASK_BATCHES),
	}
}

fn deadline<T: Config>() -> BlockNumberFor<T> {
	frame_system::Pallet::<T>::block_number().saturating_add(Params::<T>::get().max_deadline)
}

fn submit<T: Config>(submitter: &T::AccountId) -> TaskId {
	let id = NextTaskId::<T>::get();
	Pallet::<T>::do_submit_task(
		submitter.clone(),
		program(),
		dataset::<T>(),
		HardwareClass::Gpu,
		deadline::<T>(),
		<BalanceOf<T> as Bounded>::max_value(),
	)
	.expect("a funded account can submit");
	id
}

/// Fill the queue up to one free place.
fn crowd_queue<T: Config>() {
	let ids = (0..T::MaxQueuedTasks::get().saturating_sub(1)).map(|i| TaskId::MAX - u64::from(i));
	TaskQueue::<T>::put(BoundedVec::truncate_from(ids.collect::<Vec<_>>()));
}

/// Move `blocks` blocks on, with randomness revealed after everything before.
fn advance<T: Config>(blocks: u32) {
	let now = frame_system::Pallet::<T>::block_number();
	frame_system::Pallet::<T>::set_block_number(now.saturating_add(blocks.into()));
	T::BenchmarkHelper::prepare_randomness();
}

/// Draw solvers for the queue with randomness revealed after the tasks were submitted.
fn assign_all<T: Config>() {
	advance::<T>(2);
	Pallet::<T>::assign_queued(frame_system::Pallet::<T>::block_number());
}

/// A task assigned to a fresh solver.
fn assigned_task<T: Config>() -> (TaskId, T::AccountId) {
	let solver = register::<T>(0);
	let submitter = funded::<T>("submitter", 0);
	let id = submit::<T>(&submitter);
	assign_all::<T>();
	assert!(Tasks::<T>::get(id).is_some_and(|t| matches!(t.status, TaskStatus::Assigned { .. })));
	(id, solver)
}

/// A task assigned to a fresh solver, which has accepted it.
fn running_task<T: Config>() -> (TaskId, T::AccountId) {
	let (id, solver) = assigned_task::<T>();
	Pallet::<T>::do_accept_task(solver.clone(), id).expect("assigned to the only solver");
	(id, solver)
}

/// Draw the verifiers of a result now.
fn draw<T: Config>(id: TaskId) {
	advance::<T>(2);
	let now = frame_system::Pallet::<T>::block_number();
	let _ = Pallet::<T>::wake(id, Lane::Live, now);
	assert!(Tasks::<T>::get(id)
		.is_some_and(|t| matches!(t.status, TaskStatus::Submitted { draw_at: None, .. })));
}

fn result_of<T: Config>(id: TaskId) -> TaskResult {
	let steps = Tasks::<T>::get(id).map(|t| t.program.steps).unwrap_or_default();
	TaskResult { model_hash: H256::repeat_byte(1), trace_root: H256::repeat_byte(2), steps }
}

/// `v` validators besides the solver, all drawn as verifiers.
fn validators<T: Config>(v: u32) -> Vec<T::AccountId> {
	let validators: Vec<T::AccountId> = (0..v).map(|i| funded::<T>("validator", i)).collect();
	T::BenchmarkHelper::set_validators(validators.clone());
	let mut params = Params::<T>::get();
	params.verifiers_per_task = v;
	Params::<T>::put(params);
	validators
}

/// A task whose result is in, drawn `v` verifiers who all attested.
fn submitted_task<T: Config>(v: u32) -> (TaskId, T::AccountId) {
	let validators = validators::<T>(v);
	let (id, solver) = running_task::<T>();
	Pallet::<T>::do_submit_result(solver.clone(), id, result_of::<T>(id)).expect("running");
	draw::<T>(id);
	for verifier in validators {
		Pallet::<T>::do_verdict(verifier, id, Verdict::Valid).expect("drawn");
	}
	(id, solver)
}

/// For the disputes pallet's benchmarks: a task running `program` over a dataset with `root` and
/// `batches` minibatches, whose solver posted `result`, with `verifiers` (made the validator set)
/// drawn for it and attesting. Its challenge window is open.
pub fn disputable_task<T: Config>(
	program: Program,
	root: H256,
	batches: u32,
	result: TaskResult,
	verifiers: Vec<T::AccountId>,
) -> TaskId {
	T::BenchmarkHelper::set_validators(verifiers.clone());
	let mut params = Params::<T>::get();
	params.verifiers_per_task = verifiers.len() as u32;
	Params::<T>::put(params);
	let solver = register::<T>(0);
	let submitter = funded::<T>("submitter", 0);
	let id = NextTaskId::<T>::get();
	let mut dataset = dataset::<T>();
	dataset.root = root;
	dataset.batches = batches;
	Pallet::<T>::do_submit_task(
		submitter,
		program,
		dataset,
		HardwareClass::Gpu,
		deadline::<T>(),
		<BalanceOf<T> as Bounded>::max_value(),
	)
	.expect("a funded account can submit");
	assign_all::<T>();
	Pallet::<T>::do_accept_task(solver.clone(), id).expect("assigned to the only solver");
	Pallet::<T>::do_submit_result(solver, id, result).expect("running");
	draw::<T>(id);
	for verifier in verifiers {
		Pallet::<T>::do_verdict(verifier, id, Verdict::Valid).expect("drawn");
	}
	id
}

/// `max_declines` at its storage bound, and a task whose last possible decline is due: every
/// earlier solver declined it (`MaxExcludedSolvers - 1` compensations to pay with the next).
fn declined_task<T: Config>() -> (TaskId, T::AccountId) {
	let mut params = Params::<T>::get();
	params.max_declines = T::MaxExcludedSolvers::get();
	params.decline_compensation = Perbill::from_percent(1);
	Params::<T>::put(params);
	let (id, solver) = assigned_task::<T>();
	Tasks::<T>::mutate(id, |task| {
		if let Some(task) = task {
			for i in 1..T::MaxExcludedSolvers::get() {
				let decliner = funded::<T>("decliner", i);
				let _ = task.excluded.try_push(Exclusion {
					solver: decliner,
					cause: ExclusionCause::Declined(DeclineReason::DatasetUnreachable),
				});
			}
		}
	});
	(id, solver)
}

fn past<T: Config>(blocks: BlockNumberFor<T>) {
	let now = frame_system::Pallet::<T>::block_number();
	frame_system::Pallet::<T>::set_block_number(now.saturating_add(blocks).saturating_add(One::one()));
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register_solver() {
		let who = funded::<T>("solver", 0);
		let stake = Params::<T>::get().min_stake;
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), stake, 1_000_000, HardwareClass::Gpu);
		assert!(Solvers::<T>::contains_key(&who));
	}

	#[benchmark]
	fn bond_extra() {
		let who = register::<T>(0);
		let amount = Params::<T>::get().min_stake;
		let stake = Solvers::<T>::get(&who).map(|s| s.stake).unwrap_or_default();
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), amount);
		assert_eq!(Solvers::<T>::get(&who).map(|s| s.stake), Some(stake.saturating_add(amount)));
	}

	#[benchmark]
	fn update_solver() {
		let who = register::<T>(0);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), 7, HardwareClass::Cpu);
		assert_eq!(Solvers::<T>::get(&who).map(|s| s.capacity), Some(7));
	}

	#[benchmark]
	fn heartbeat() {
		let who = register::<T>(0);
		// A new period: the capacity moves buckets and the uptime counts.
		past::<T>(T::HeartbeatPeriod::get());
		Pallet::<T>::on_initialize(frame_system::Pallet::<T>::block_number());
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));
		let period = OnlineCapacityOf::<T>::get().period;
		assert_eq!(Solvers::<T>::get(&who).map(|s| s.seen_period), Some(period));
	}

	#[benchmark]
	fn unbond() {
		let who = register::<T>(0);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));
		assert!(Solvers::<T>::get(&who).is_some_and(|s| s.status != SolverStatus::Active));
	}

	#[benchmark]
	fn withdraw_stake() {
		let who = register::<T>(0);
		Pallet::<T>::do_unbond(who.clone()).expect("active");
		past::<T>(Params::<T>::get().unbonding_period);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));
		assert!(!Solvers::<T>::contains_key(&who));
	}

	/// The queue one short of full: the longest queue to read and write.
	#[benchmark]
	fn submit_task() {
		let who = funded::<T>("submitter", 0);
		crowd_queue::<T>();
		let deadline = deadline::<T>();
		#[extrinsic_call]
		_(
			RawOrigin::Signed(who),
			program(),
			dataset::<T>(),
			HardwareClass::Gpu,
			deadline,
			<BalanceOf<T> as Bounded>::max_value(),
		);
		assert_eq!(TaskQueue::<T>::get().len() as u32, T::MaxQueuedTasks::get());
	}

	/// The last task of a full queue is cancelled: the longest search.
	#[benchmark]
	fn cancel_task() {
		let who = funded::<T>("submitter", 0);
		crowd_queue::<T>();
		let id = submit::<T>(&who);
		#[extrinsic_call]
		_(RawOrigin::Signed(who), id);
		assert!(Tasks::<T>::get(id).is_some_and(|t| t.status.is_finished()));
	}

	#[benchmark]
	fn accept_task() {
		let (id, solver) = assigned_task::<T>();
		#[extrinsic_call]
		_(RawOrigin::Signed(solver), id);
		assert!(Tasks::<T>::get(id).is_some_and(|t| matches!(t.status, TaskStatus::Running { .. })));
	}

	/// The decline that makes a task unservable at the largest `max_declines`: every decliner
	/// is paid and the fee refunded.
	#[benchmark]
	fn decline_task() {
		let (id, solver) = declined_task::<T>();
		#[extrinsic_call]
		_(RawOrigin::Signed(solver), id, DeclineReason::RootMismatch);
		assert!(Tasks::<T>::get(id).is_some_and(|t| matches!(
			t.status,
			TaskStatus::Refunded { cause: RefundCause::Unservable, .. }
		)));
	}

	#[benchmark]
	fn submit_result() {
		let (id, solver) = running_task::<T>();
		let result = result_of::<T>(id);
		#[extrinsic_call]
		_(RawOrigin::Signed(solver), id, result);
		assert!(Tasks::<T>::get(id).is_some_and(|t| matches!(t.status, TaskStatus::Submitted { .. })));
	}

	#[benchmark]
	fn set_endpoint() {
		let solver = register::<T>(0);
		let mut url = b"https://".to_vec();
		url.resize(T::MaxUrlLen::get() as usize, b'x');
		let url: BoundedVec<u8, T::MaxUrlLen> = BoundedVec::truncate_from(url);
		#[extrinsic_call]
		_(RawOrigin::Signed(solver.clone()), Some(url));
		assert!(SolverEndpoints::<T>::contains_key(&solver));
	}

	/// The pool's check of an offchain report, in its costliest form: a result (the task with
	/// the largest program is read and its steps compared) with its signature verified.
	#[benchmark]
	fn authorize_report() -> Result<(), BenchmarkError> {
		use frame_support::pallet_prelude::{Authorize, TransactionSource};
		use sp_runtime::RuntimeAppPublic;
		let key = T::OffchainKey::generate_pair(None);
		let solver = register_account::<T>(T::OffchainKeys::account(&key));
		let submitter = funded::<T>("submitter", 0);
		let id = submit::<T>(&submitter);
		assign_all::<T>();
		Pallet::<T>::do_accept_task(solver, id).expect("assigned to the only solver");
		let report = Report { key: key.clone(), action: OffchainAction::Result { task: id, result: result_of::<T>(id) } };
		let signature = key.sign(&Pallet::<T>::report_payload(&report)).ok_or("the key signs")?;
		let call = Call::<T>::report { report, signature };
		#[block]
		{
			call.authorize(TransactionSource::External)
				.ok_or("an authorized call")?
				.map_err(|_| "a valid report")?;
		}
		Ok(())
	}

	#[benchmark]
	fn attest() {
		let max = T::MaxVerifiers::get();
		let validators = validators::<T>(max);
		let (id, solver) = running_task::<T>();
		Pallet::<T>::do_submit_result(solver, id, result_of::<T>(id)).expect("running");
		draw::<T>(id);
		// The last verifier in the list: the longest search.
		let verifier = match Tasks::<T>::get(id).map(|t| t.status) {
			Some(TaskStatus::Submitted { verifiers, .. }) =>
				verifiers.last().map(|v| v.account.clone()),
			_ => None,
		}
		.or_else(|| validators.first().cloned())
		.expect("at least one verifier");
		#[extrinsic_call]
		_(RawOrigin::Signed(verifier), id);
	}

	/// A change of the minimum stake with `s` solvers registered: every solver's capacity is
	/// counted again.
	#[benchmark]
	fn set_params(s: Linear<0, { T::MaxSolvers::get() }>) -> Result<(), BenchmarkError> {
		for i in 0..s.saturating_sub(Solvers::<T>::count()) {
			register::<T>(i);
		}
		let origin =
			T::GovernanceOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let mut params = Params::<T>::get();
		params.min_stake = params.min_stake.saturating_add(One::one());
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, params);
		assert_eq!(Params::<T>::get(), params);
		Ok(())
	}

	/// Resuming a paused market with `q` queued tasks: each one's deadline and wake-up move.
	#[benchmark]
	fn set_paused(q: Linear<0, { T::MaxQueuedTasks::get() }>) -> Result<(), BenchmarkError> {
		let submitter = funded::<T>("submitter", 0);
		let ids: Vec<TaskId> = (0..q).map(|_| submit::<T>(&submitter)).collect();
		let deadline = deadline::<T>();
		let origin =
			T::PauseOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		Pallet::<T>::do_set_paused(true);
		advance::<T>(10);
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, false);
		assert!(PausedSince::<T>::get().is_none());
		for id in ids {
			assert!(Tasks::<T>::get(id).is_some_and(|t| t.deadline == deadline + 10u32.into()));
		}
		Ok(())
	}

	/// A block with no wake-ups, no queue and no era change: period roll and price update.
	#[benchmark]
	fn on_initialize_base() {
		register::<T>(0);
		OutstandingWork::<T>::put(PerClass {
			cpu: WorkUnits::MAX / 4,
			gpu: WorkUnits::MAX / 4,
			datacenter_gpu: WorkUnits::MAX / 4,
		});
		let now = T::HeartbeatPeriod::get();
		frame_system::Pallet::<T>::set_block_number(now);
		#[block]
		{
			Pallet::<T>::tick(now);
		}
	}

	/// `b` agenda blocks looked at for due wake-ups (none found).
	#[benchmark]
	fn agenda_blocks(b: Linear<1, { T::MaxWakeupsPerBlock::get().saturating_add(1) }>) {
		let now = frame_system::Pallet::<T>::block_number().saturating_add(b.into());
		frame_system::Pallet::<T>::set_block_number(now);
		let from = now.saturating_sub(b.into()).saturating_add(One::one());
		AgendaCursor::<T>::insert(Lane::Live, from);
		#[block]
		{
			let _ = Pallet::<T>::take_due(Lane::Live, now, T::MaxWakeupsPerBlock::get());
		}
		assert_eq!(AgendaCursor::<T>::get(Lane::Live), Some(now.saturating_add(One::one())));
	}

	/// A wake-up that finds nothing to do.
	#[benchmark]
	fn wakeup_idle() {
		let submitter = funded::<T>("submitter", 0);
		let id = submit::<T>(&submitter);
		let now = frame_system::Pallet::<T>::block_number();
		#[block]
		{
			let _ = Pallet::<T>::wake(id, Lane::Live, now);
		}
	}

	/// A finished task is removed and its deposit released.
	#[benchmark]
	fn wakeup_prune() {
		let submitter = funded::<T>("submitter", 0);
		let id = submit::<T>(&submitter);
		Pallet::<T>::do_cancel_task(submitter, id).expect("queued");
		past::<T>(Params::<T>::get().retention);
		let now = frame_system::Pallet::<T>::block_number();
		#[block]
		{
			let _ = Pallet::<T>::wake(id, Lane::Prune, now);
		}
		assert!(!Tasks::<T>::contains_key(id));
	}

	/// A queued task's deadline passes, last in a full queue: refunded.
	#[benchmark]
	fn wakeup_expire() {
		let submitter = funded::<T>("submitter", 0);
		crowd_queue::<T>();
		let id = submit::<T>(&submitter);
		past::<T>(Params::<T>::get().max_deadline);
		let now = frame_system::Pallet::<T>::block_number();
		#[block]
		{
			let _ = Pallet::<T>::wake(id, Lane::Live, now);
		}
		assert!(Tasks::<T>::get(id).is_some_and(|t| t.status.is_finished()));
	}

	/// An assigned solver let its acceptance period pass; the task goes back to a queue one
	/// short of full.
	#[benchmark]
	fn wakeup_unanswered_requeue() {
		let (id, _solver) = assigned_task::<T>();
		crowd_queue::<T>();
		advance::<T>(Params::<T>::get().acceptance_period.unique_saturated_into());
		advance::<T>(1);
		let now = frame_system::Pallet::<T>::block_number();
		#[block]
		{
			let _ = Pallet::<T>::wake(id, Lane::Live, now);
		}
		assert!(Tasks::<T>::get(id).is_some_and(|t| matches!(t.status, TaskStatus::Queued { .. })));
	}

	/// An assigned solver did not answer and the task's deadline has passed: refunded.
	#[benchmark]
	fn wakeup_unanswered_refund() {
		let (id, _solver) = assigned_task::<T>();
		past::<T>(Params::<T>::get().max_deadline);
		let now = frame_system::Pallet::<T>::block_number();
		#[block]
		{
			let _ = Pallet::<T>::wake(id, Lane::Live, now);
		}
		assert!(Tasks::<T>::get(id).is_some_and(|t| t.status.is_finished()));
	}

	/// A running task's solver misses its deadline: slashed, task back to a queue one short of
	/// full.
	#[benchmark]
	fn wakeup_missed_requeue() {
		let (id, _solver) = running_task::<T>();
		crowd_queue::<T>();
		let solver_deadline = match Tasks::<T>::get(id).map(|t| t.status) {
			Some(TaskStatus::Running { solver_deadline, .. }) => solver_deadline,
			_ => Zero::zero(),
		};
		frame_system::Pallet::<T>::set_block_number(solver_deadline.saturating_add(One::one()));
		let now = frame_system::Pallet::<T>::block_number();
		#[block]
		{
			let _ = Pallet::<T>::wake(id, Lane::Live, now);
		}
		assert!(Tasks::<T>::get(id).is_some_and(|t| matches!(t.status, TaskStatus::Queued { .. })));
	}

	/// A running task's solver misses the task's deadline: slashed, task refunded.
	#[benchmark]
	fn wakeup_missed_refund() {
		let (id, _solver) = running_task::<T>();
		past::<T>(Params::<T>::get().max_deadline);
		let now = frame_system::Pallet::<T>::block_number();
		#[block]
		{
			let _ = Pallet::<T>::wake(id, Lane::Live, now);
		}
		assert!(Tasks::<T>::get(id).is_some_and(|t| t.status.is_finished()));
	}

	/// `v` verifiers and their segments are drawn for a result.
	#[benchmark]
	fn wakeup_draw(v: Linear<0, { T::MaxVerifiers::get() }>) {
		validators::<T>(v);
		let (id, solver) = running_task::<T>();
		Pallet::<T>::do_submit_result(solver, id, result_of::<T>(id)).expect("running");
		advance::<T>(2);
		let now = frame_system::Pallet::<T>::block_number();
		#[block]
		{
			let _ = Pallet::<T>::wake(id, Lane::Live, now);
		}
		assert!(Tasks::<T>::get(id)
			.is_some_and(|t| matches!(t.status, TaskStatus::Submitted { draw_at: None, .. })));
	}

	/// A challenge window closes with `v` attesting verifiers: the fee is split and paid.
	#[benchmark]
	fn wakeup_finalize(v: Linear<0, { T::MaxVerifiers::get() }>) {
		let (id, _solver) = submitted_task::<T>(v);
		past::<T>(Params::<T>::get().challenge_window);
		let now = frame_system::Pallet::<T>::block_number();
		#[block]
		{
			let _ = Pallet::<T>::wake(id, Lane::Live, now);
		}
		assert!(Tasks::<T>::get(id).is_some_and(|t| t.status.is_finished()));
	}

	/// `s` online solvers are read and `a` queued tasks assigned, each with a fee difference
	/// released (the price fell since submission).
	#[benchmark]
	fn assign(
		s: Linear<1, { T::MaxSolvers::get() }>,
		a: Linear<1, { T::MaxAssignmentsPerBlock::get() }>,
	) {
		// `s` solvers in all, counting any the genesis registered (offline: never drawn).
		for i in 0..s.saturating_sub(Solvers::<T>::count()).max(1) {
			register::<T>(i);
		}
		let submitter = funded::<T>("submitter", 0);
		let floor = Params::<T>::get().pricing.floor;
		PricePerUnit::<T>::put(floor.saturating_add(floor));
		let ids: Vec<TaskId> = (0..a).map(|_| submit::<T>(&submitter)).collect();
		PricePerUnit::<T>::put(floor);
		advance::<T>(2);
		let now = frame_system::Pallet::<T>::block_number();
		#[block]
		{
			Pallet::<T>::assign_queued(now);
		}
		for id in ids {
			assert!(Tasks::<T>::get(id).is_some_and(|t| matches!(t.status, TaskStatus::Assigned { .. })));
		}
	}

	/// A mining era ends with `s` solvers that did verified work.
	#[benchmark]
	fn close_mining_era(s: Linear<1, { T::MaxSolvers::get() }>) {
		let pot = Pallet::<T>::mining_pot_account();
		T::Currency::set_balance(&pot, Params::<T>::get().min_stake.saturating_mul(1_000u32.into()));
		let mut params = Params::<T>::get();
		params.mining_emission = Perbill::from_percent(10);
		Params::<T>::put(params);
		let era = MiningEra::<T>::get();
		for i in 0..s.saturating_sub(Solvers::<T>::count()).max(1) {
			let who = register::<T>(i);
			Solvers::<T>::mutate(&who, |solver| {
				if let Some(solver) = solver {
					solver.activity = EraActivity {
						era,
						verified_work: 1_000_000,
						periods_online: 1,
						fees: params.min_stake,
					};
				}
			});
		}
		#[block]
		{
			Pallet::<T>::close_mining_era(era.saturating_add(1));
		}
		assert_eq!(MiningEra::<T>::get(), era.saturating_add(1));
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
