//! Unit tests of the compute market against the mock runtime. Every test ends with the pallet's
//! invariants and an unchanged total issuance (`build_and_execute`); `run_to_block` checks the
//! invariants after every block.

use crate::{
	mock::*, pallet::*, types::*, DatasetRefOf, Event, TaskDisputes,
};
use aichain_engine::{
	program::{Activation, HiddenLayer, ModelSpec, Sgd},
	Fixed,
};
use frame_support::{
	assert_noop, assert_ok,
	traits::{
		fungible::{Inspect, InspectHold},
		Hooks, Imbalance,
	},
	BoundedVec,
};
use sp_core::H256;
use sp_runtime::{DispatchError, FixedU128, Perbill, Permill};

pub(crate) const SOLVER: u64 = 1;
pub(crate) const SOLVER_2: u64 = 2;
pub(crate) const USER: u64 = 10;
pub(crate) const STAKE: u64 = 1_000;

/// 4 inputs, 8 ReLU units, 2 classes, batch 2, `steps` steps: 340 work units per step.
pub(crate) fn program(steps: u32) -> Program {
	Program {
		model: ModelSpec {
			inputs: 4,
			hidden: BoundedVec::truncate_from(vec![HiddenLayer {
				units: 8,
				activation: Activation::Relu,
			}]),
			classes: 2,
		},
		optimizer: Sgd { learning_rate: Fixed(6554), momentum: Fixed(0) },
		batch_size: 2,
		steps,
		seed: 7,
	}
}

/// The default test task: 10 steps, 3,400 work units, fee 3,400 at the floor price on a CPU.
const WORK: u64 = 3_400;

pub(crate) fn dataset() -> DatasetRefOf<Test> {
	DatasetRef {
		root: H256::repeat_byte(9),
		url: BoundedVec::truncate_from(b"http://127.0.0.1:8000/d.aids".to_vec()),
		batches: 50,
	}
}

pub(crate) fn register(who: u64, capacity: u64, hardware: HardwareClass) {
	assert_ok!(Compute::register_solver(RuntimeOrigin::signed(who), STAKE, capacity, hardware));
}

pub(crate) fn submit_with(who: u64, program: Program, hardware: HardwareClass, deadline: u64) -> TaskId {
	let id = NextTaskId::<Test>::get();
	assert_ok!(Compute::submit_task(
		RuntimeOrigin::signed(who),
		program,
		dataset(),
		hardware,
		deadline,
		u64::MAX
	));
	id
}

/// [`submit`]'s call with deadline 100, its result unchecked.
fn submit_raw() -> frame_support::dispatch::DispatchResult {
	Compute::submit_task(
		RuntimeOrigin::signed(USER),
		program(10),
		dataset(),
		HardwareClass::Cpu,
		100,
		u64::MAX,
	)
}

pub(crate) fn submit(deadline: u64) -> TaskId {
	submit_with(USER, program(10), HardwareClass::Cpu, deadline)
}

pub(crate) fn task(id: TaskId) -> crate::TaskOf<Test> {
	Tasks::<Test>::get(id).expect("task exists")
}

pub(crate) fn solver(who: u64) -> crate::SolverOf<Test> {
	Solvers::<Test>::get(who).expect("solver exists")
}

pub(crate) fn result(steps: u32) -> TaskResult {
	TaskResult { model_hash: H256::repeat_byte(1), trace_root: H256::repeat_byte(2), steps }
}

pub(crate) fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Compute(e) => Some(e),
			_ => None,
		})
		.collect()
}

/// What the escrow account holds under `reason`, for everyone.
pub(crate) fn escrowed(reason: HoldReason) -> u64 {
	Balances::balance_on_hold(&reason.into(), &Compute::escrow_account())
}

/// What `who` has in escrow under `reason`, by the market's records; nothing of it is held on
/// `who`'s own account. (`try_state`, after every block and test, checks that the escrow
/// account holds the records' sum.)
fn in_escrow_for(who: u64, reason: HoldReason) -> u64 {
	assert_eq!(Balances::balance_on_hold(&reason.into(), &who), 0, "held on the owner's account");
	match reason {
		HoldReason::SolverStake => Solvers::<Test>::get(who).map_or(0, |s| s.stake),
		HoldReason::TaskFee => Tasks::<Test>::iter_values()
			.filter(|t| t.submitter == who && t.status.holds_fee())
			.map(|t| t.fee)
			.sum(),
		HoldReason::TaskDeposit =>
			Tasks::<Test>::iter_values().filter(|t| t.submitter == who).map(|t| t.deposit).sum(),
	}
}

/// The fees `who` has in escrow for its live tasks.
pub(crate) fn fee_held(who: u64) -> u64 {
	in_escrow_for(who, HoldReason::TaskFee)
}

/// The deposits `who` has in escrow for its tasks.
pub(crate) fn deposit_held(who: u64) -> u64 {
	in_escrow_for(who, HoldReason::TaskDeposit)
}

/// The deposit of a task: 10 per wake-up, three wake-ups.
pub(crate) const DEPOSIT: u64 = 30;

/// `who`'s stake in escrow.
pub(crate) fn stake_held(who: u64) -> u64 {
	in_escrow_for(who, HoldReason::SolverStake)
}

pub(crate) fn verifiers_of(id: TaskId) -> Vec<u64> {
	match task(id).status {
		TaskStatus::Submitted { verifiers, .. } =>
			verifiers.into_iter().map(|v| v.account).collect(),
		other => panic!("no verifiers in {other:?}"),
	}
}

/// A solver, a task assigned to it (block 2) and its result posted (block 3); verifiers are
/// drawn in block 4.
fn submitted_task() -> TaskId {
	register(SOLVER, 1_000, HardwareClass::Gpu);
	let id = submit(100);
	run_to_block(2);
	assert!(matches!(task(id).status, TaskStatus::Assigned { solver: SOLVER, .. }));
	run_to_block(3);
	assert_ok!(Compute::submit_result(RuntimeOrigin::signed(SOLVER), id, result(10)));
	run_to_block(4);
	id
}

// ---- solvers ----

#[test]
fn register_holds_stake_and_counts_capacity_online() {
	build_and_execute(|| {
		register(SOLVER, 1_000, HardwareClass::Gpu);
		assert_eq!(stake_held(SOLVER), STAKE);
		assert_eq!(Balances::free_balance(SOLVER), INITIAL - STAKE);
		let s = solver(SOLVER);
		assert_eq!(s.reputation, Permill::from_percent(50));
		assert_eq!(s.status, SolverStatus::Active);
		assert_eq!(OnlineCapacityOf::<Test>::get().total(), 1_000);
		assert!(Compute::is_online(&s));
		System::assert_last_event(
			Event::SolverRegistered {
				solver: SOLVER,
				stake: STAKE,
				capacity: 1_000,
				hardware: HardwareClass::Gpu,
			}
			.into(),
		);
	});
}

#[test]
fn register_rejects_bad_input() {
	build_and_execute(|| {
		assert_noop!(
			Compute::register_solver(RuntimeOrigin::signed(SOLVER), STAKE - 1, 1, HardwareClass::Cpu),
			Error::<Test>::StakeBelowMinimum
		);
		assert_noop!(
			Compute::register_solver(RuntimeOrigin::signed(SOLVER), STAKE, 0, HardwareClass::Cpu),
			Error::<Test>::ZeroCapacity
		);
		assert_noop!(
			Compute::register_solver(RuntimeOrigin::signed(SOLVER), INITIAL + 1, 1, HardwareClass::Cpu),
			Error::<Test>::InsufficientBalance
		);
		register(SOLVER, 1, HardwareClass::Cpu);
		assert_noop!(
			Compute::register_solver(RuntimeOrigin::signed(SOLVER), STAKE, 1, HardwareClass::Cpu),
			Error::<Test>::AlreadyRegistered
		);
		for who in 2..=16 {
			register(who, 1, HardwareClass::Cpu);
		}
		assert_noop!(
			Compute::register_solver(RuntimeOrigin::signed(17), STAKE, 1, HardwareClass::Cpu),
			Error::<Test>::TooManySolvers
		);
	});
}

#[test]
fn bond_extra_and_update_solver() {
	build_and_execute(|| {
		assert_noop!(
			Compute::bond_extra(RuntimeOrigin::signed(SOLVER), 5),
			Error::<Test>::NotRegistered
		);
		assert_noop!(
			Compute::update_solver(RuntimeOrigin::signed(SOLVER), 5, HardwareClass::Cpu),
			Error::<Test>::NotRegistered
		);
		register(SOLVER, 1_000, HardwareClass::Cpu);
		assert_ok!(Compute::bond_extra(RuntimeOrigin::signed(SOLVER), 500));
		assert_eq!(stake_held(SOLVER), STAKE + 500);
		System::assert_last_event(
			Event::StakeBonded { solver: SOLVER, amount: 500, stake: STAKE + 500 }.into(),
		);
		assert_noop!(
			Compute::bond_extra(RuntimeOrigin::signed(SOLVER), INITIAL),
			Error::<Test>::InsufficientBalance
		);
		assert_noop!(
			Compute::update_solver(RuntimeOrigin::signed(SOLVER), 0, HardwareClass::Cpu),
			Error::<Test>::ZeroCapacity
		);
		assert_ok!(Compute::update_solver(RuntimeOrigin::signed(SOLVER), 250, HardwareClass::DatacenterGpu));
		assert_eq!(OnlineCapacityOf::<Test>::get().total(), 250);
		assert_eq!(solver(SOLVER).hardware, HardwareClass::DatacenterGpu);
		assert_ok!(Compute::unbond(RuntimeOrigin::signed(SOLVER)));
		assert_noop!(
			Compute::bond_extra(RuntimeOrigin::signed(SOLVER), 5),
			Error::<Test>::SolverUnbonding
		);
		assert_noop!(
			Compute::update_solver(RuntimeOrigin::signed(SOLVER), 5, HardwareClass::Cpu),
			Error::<Test>::SolverUnbonding
		);
		assert_noop!(Compute::heartbeat(RuntimeOrigin::signed(SOLVER)), Error::<Test>::SolverUnbonding);
		assert_noop!(Compute::unbond(RuntimeOrigin::signed(SOLVER)), Error::<Test>::SolverUnbonding);
	});
}

#[test]
fn heartbeats_keep_a_solver_online_for_two_periods() {
	build_and_execute(|| {
		assert_noop!(Compute::heartbeat(RuntimeOrigin::signed(SOLVER)), Error::<Test>::NotRegistered);
		// Period = block / 10. Registered in period 0.
		register(SOLVER, 1_000, HardwareClass::Cpu);
		run_to_block(19);
		assert_eq!(OnlineCapacityOf::<Test>::get().total(), 1_000, "previous period still counts");
		run_to_block(20);
		assert_eq!(OnlineCapacityOf::<Test>::get().total(), 0, "two periods without a heartbeat");
		assert!(!Compute::is_online(&solver(SOLVER)));
		assert_ok!(Compute::heartbeat(RuntimeOrigin::signed(SOLVER)));
		assert_eq!(OnlineCapacityOf::<Test>::get().current.total(), 1_000);
		System::assert_last_event(Event::Heartbeat { solver: SOLVER, period: 2 }.into());
		let count = events().len();
		assert_ok!(Compute::heartbeat(RuntimeOrigin::signed(SOLVER)));
		assert_eq!(events().len(), count, "one heartbeat event per period");
		assert_eq!(solver(SOLVER).activity.periods_online, 2);
		run_to_block(30);
		assert_eq!(OnlineCapacityOf::<Test>::get().previous.total(), 1_000);
	});
}

#[test]
fn unbonding_keeps_the_stake_until_the_period_passes() {
	build_and_execute(|| {
		let mut params = test_params();
		params.unbonding_period = 5;
		assert_ok!(Compute::set_params(RuntimeOrigin::root(), params));
		register(SOLVER, 1_000, HardwareClass::Cpu);
		assert_noop!(
			Compute::withdraw_stake(RuntimeOrigin::signed(SOLVER)),
			Error::<Test>::NotUnbonding
		);
		let id = submit(100);
		run_to_block(2);
		assert_ok!(Compute::accept_task(RuntimeOrigin::signed(SOLVER), id));
		assert_ok!(Compute::unbond(RuntimeOrigin::signed(SOLVER)));
		System::assert_last_event(Event::SolverUnbonding { solver: SOLVER, unlock_at: 7 }.into());
		assert_eq!(OnlineCapacityOf::<Test>::get().total(), 0);
		assert_noop!(
			Compute::withdraw_stake(RuntimeOrigin::signed(SOLVER)),
			Error::<Test>::StakeStillLocked
		);
		run_to_block(7);
		// The assigned task still has to be delivered, and its window to close.
		assert_ok!(Compute::submit_result(RuntimeOrigin::signed(SOLVER), id, result(10)));
		assert_noop!(Compute::withdraw_stake(RuntimeOrigin::signed(SOLVER)), Error::<Test>::SolverBusy);
		run_to_block(18);
		assert!(task(id).status.is_finished());
		assert_ok!(Compute::withdraw_stake(RuntimeOrigin::signed(SOLVER)));
		assert_eq!(stake_held(SOLVER), 0);
		assert!(Solvers::<Test>::get(SOLVER).is_none());
		System::assert_last_event(Event::SolverWithdrawn { solver: SOLVER, stake: STAKE }.into());
		assert_noop!(
			Compute::withdraw_stake(RuntimeOrigin::signed(SOLVER)),
			Error::<Test>::NotRegistered
		);
	});
}

// ---- tasks ----

#[test]
fn work_units_and_quote() {
	build_and_execute(|| {
		assert_eq!(program(10).work_units(), Some(WORK));
		let quote = Compute::quote(&program(10), HardwareClass::Cpu).unwrap();
		assert_eq!(
			quote,
			Quote {
				work_units: WORK,
				price_per_unit: 1,
				class_multiplier: FixedU128::from_u32(1),
				fee: WORK
			}
		);
		assert_eq!(Compute::quote(&program(10), HardwareClass::DatacenterGpu).unwrap().fee, 4 * WORK);
		// The minimum fee applies to tiny programs.
		assert_eq!(Compute::quote(&program(1), HardwareClass::Cpu).unwrap().fee, 340);
		let mut tiny = program(1);
		tiny.batch_size = 1;
		tiny.model.hidden = BoundedVec::truncate_from(vec![]);
		assert_eq!(Compute::quote(&tiny, HardwareClass::Cpu).unwrap().fee, 100);
		let mut bad = program(10);
		bad.steps = 0;
		assert_eq!(Compute::quote(&bad, HardwareClass::Cpu), Err(QuoteError::InvalidProgram));
	});
}

#[test]
fn submit_holds_the_fee_and_queues() {
	build_and_execute(|| {
		let id = submit(100);
		assert_eq!(fee_held(USER), WORK);
		assert_eq!(deposit_held(USER), DEPOSIT);
		assert_eq!(Balances::free_balance(USER), INITIAL - WORK - DEPOSIT);
		assert_eq!(OutstandingWork::<Test>::get().cpu, WORK);
		assert_eq!(TaskQueue::<Test>::get().into_inner(), vec![id]);
		let t = task(id);
		assert_eq!(t.status, TaskStatus::Queued { reason: QueueReason::AwaitingSolver });
		assert_eq!((t.fee, t.work_units, t.deadline, t.submitted_at), (WORK, WORK, 100, 1));
		System::assert_last_event(
			Event::TaskSubmitted {
				task: id,
				submitter: USER,
				work_units: WORK,
				fee: WORK,
				deposit: DEPOSIT,
				deadline: 100,
			}
			.into(),
		);
	});
}

/// Every task names a dataset the referee can work with: at least one minibatch, at most
/// `MAX_TASK_BATCHES` (one epoch's order, a `u32` each, must fit one runtime allocation), and
/// no more samples than a dataset can hold.
#[test]
fn a_task_names_a_dataset_size_the_referee_can_handle() {
	use aichain_engine::dataset::{MAX_SAMPLES, MAX_TASK_BATCHES};
	build_and_execute(|| {
		let submit = |batch_size: u32, batches: u32| {
			let mut p = program(10);
			p.batch_size = batch_size;
			let mut d = dataset();
			d.batches = batches;
			Compute::submit_task(RuntimeOrigin::signed(USER), p, d, HardwareClass::Cpu, 100, u64::MAX)
		};
		assert_noop!(submit(2, 0), Error::<Test>::BadDatasetSize);
		assert_noop!(submit(1, MAX_TASK_BATCHES + 1), Error::<Test>::BadDatasetSize);
		assert_noop!(submit(32, MAX_SAMPLES / 32 + 1), Error::<Test>::BadDatasetSize);
		assert_ok!(submit(1, 1));
		assert_ok!(submit(1, MAX_TASK_BATCHES));
		assert_ok!(submit(16, MAX_SAMPLES / 16));
		assert_eq!(task(1).dataset.batches, MAX_TASK_BATCHES);
	});
}

#[test]
fn submit_rejects_bad_input() {
	build_and_execute(|| {
		let call = |program: Program, deadline: u64, max_fee: u64| {
			Compute::submit_task(
				RuntimeOrigin::signed(USER),
				program,
				dataset(),
				HardwareClass::Cpu,
				deadline,
				max_fee,
			)
		};
		let mut bad = program(10);
		bad.optimizer.learning_rate = Fixed(0);
		assert_noop!(call(bad, 100, u64::MAX), Error::<Test>::InvalidProgram);
		assert_noop!(call(program(10), 100, WORK - 1), Error::<Test>::FeeAboveMax);
		// A minibatch the referee could not take in one extrinsic: batch × inputs above 2^18.
		let mut wide = program(10);
		wide.model.inputs = 1024;
		wide.model.hidden = Default::default();
		wide.batch_size = 257;
		assert_noop!(call(wide, 100, u64::MAX), Error::<Test>::InvalidProgram);
		assert_noop!(call(program(10), 5, u64::MAX), Error::<Test>::DeadlineTooSoon);
		assert_noop!(call(program(10), 1_002, u64::MAX), Error::<Test>::DeadlineTooFar);
		assert_noop!(
			Compute::submit_task(
				RuntimeOrigin::signed(99),
				program(10),
				dataset(),
				HardwareClass::Cpu,
				100,
				u64::MAX
			),
			Error::<Test>::InsufficientBalance
		);
		// A price at which the fee no longer fits the balance type.
		let mut params = test_params();
		params.pricing.floor = u64::MAX / 1_000;
		params.pricing.ceiling = u64::MAX / 1_000;
		assert_ok!(Compute::set_params(RuntimeOrigin::root(), params));
		assert_noop!(call(program(10), 100, u64::MAX), Error::<Test>::FeeOverflow);
		assert_ok!(Compute::set_params(RuntimeOrigin::root(), test_params()));
		PricePerUnit::<Test>::put(1);

		for _ in 0..8 {
			submit(200);
		}
		assert_noop!(call(program(10), 200, u64::MAX), Error::<Test>::QueueFull);
	});
}

#[test]
fn assignment_draws_an_online_solver_with_hardware_and_capacity() {
	build_and_execute(|| {
		register(SOLVER, 1_000, HardwareClass::Cpu);
		register(SOLVER_2, 1_000, HardwareClass::DatacenterGpu);
		let id = submit_with(USER, program(10), HardwareClass::Gpu, 100);
		assert_eq!(fee_held(USER), 2 * WORK);
		run_to_block(2);
		// Only the datacenter GPU qualifies; backlog 4 blocks + grace 2.
		assert_eq!(
			task(id).status,
			TaskStatus::Assigned { solver: SOLVER_2, accept_by: 5, solver_deadline: 11 }
		);
		assert_eq!(solver(SOLVER_2).committed, WORK);
		assert_eq!(solver(SOLVER_2).active_tasks, 1);
		assert!(TaskQueue::<Test>::get().is_empty());
		System::assert_has_event(
			Event::TaskAssigned {
				task: id,
				solver: SOLVER_2,
				accept_by: 5,
				solver_deadline: 11,
				fee: 2 * WORK,
				released: 0,
			}
			.into(),
		);

		// No capacity for a task whose deadline is too close: 3,400 units at 1,000 per block
		// cannot finish in 5 blocks once the backlog counts.
		let id2 = submit_with(USER, program(10), HardwareClass::DatacenterGpu, 8);
		run_to_block(3);
		assert_eq!(task(id2).status, TaskStatus::Queued { reason: QueueReason::AwaitingSolver });
		// Nobody takes it; at its deadline it is refunded in full.
		run_to_block(9);
		assert_eq!(
			task(id2).status,
			TaskStatus::Refunded { cause: RefundCause::NoSolverAvailable, at: 9 }
		);
		assert_eq!(fee_held(USER), 2 * WORK);
		System::assert_has_event(
			Event::TaskRefunded {
				task: id2,
				submitter: USER,
				amount: 4 * WORK,
				cause: RefundCause::NoSolverAvailable,
			}
			.into(),
		);
	});
}

#[test]
fn assignment_is_weighted_by_stake_and_reputation() {
	build_and_execute(|| {
		register(SOLVER, 1_000_000, HardwareClass::Cpu);
		assert_ok!(Compute::register_solver(
			RuntimeOrigin::signed(SOLVER_2),
			100 * STAKE,
			1_000_000,
			HardwareClass::Cpu
		));
		// A zero reputation takes a solver out of the draw altogether.
		Compute::mutate_solver(&SOLVER, |s| s.reputation = Permill::zero());
		let mut seen = [0u32; 3];
		for round in 0..12u64 {
			let id = submit(200 + round);
			run_to_block(System::block_number() + 1);
			if let TaskStatus::Assigned { solver, .. } = task(id).status {
				seen[solver as usize] += 1;
			}
			// Keep everyone free for the next draw.
			assert_ok!(Compute::submit_result(
				RuntimeOrigin::signed(match task(id).status {
					TaskStatus::Assigned { solver, .. } => solver,
					_ => unreachable!(),
				}),
				id,
				result(10)
			));
			run_to_block(System::block_number() + 12);
			assert_ok!(Compute::heartbeat(RuntimeOrigin::signed(SOLVER)));
			assert_ok!(Compute::heartbeat(RuntimeOrigin::signed(SOLVER_2)));
		}
		assert_eq!(seen, [0, 0, 12]);
	});
}

#[test]
fn a_lower_price_at_assignment_releases_the_difference() {
	build_and_execute(|| {
		let mut params = test_params();
		params.pricing.floor = 1;
		assert_ok!(Compute::set_params(RuntimeOrigin::root(), params));
		PricePerUnit::<Test>::put(4);
		let id = submit(100);
		assert_eq!(fee_held(USER), 4 * WORK);
		PricePerUnit::<Test>::put(3);
		register(SOLVER, 100_000, HardwareClass::Cpu);
		run_to_block(2);
		// The price adapts after assignment in the same block: the fee uses price 3.
		assert_eq!(task(id).fee, 3 * WORK);
		assert_eq!(fee_held(USER), 3 * WORK);
		System::assert_has_event(
			Event::TaskAssigned {
				task: id,
				solver: SOLVER,
				accept_by: 5,
				solver_deadline: 11,
				fee: 3 * WORK,
				released: WORK,
			}
			.into(),
		);
	});
}

#[test]
fn cancel_only_by_the_submitter_while_queued() {
	build_and_execute(|| {
		assert_noop!(Compute::cancel_task(RuntimeOrigin::signed(USER), 0), Error::<Test>::UnknownTask);
		let id = submit(100);
		assert_noop!(Compute::cancel_task(RuntimeOrigin::signed(11), id), Error::<Test>::NotSubmitter);
		assert_ok!(Compute::cancel_task(RuntimeOrigin::signed(USER), id));
		assert_eq!(fee_held(USER), 0);
		assert_eq!(Balances::free_balance(USER), INITIAL - DEPOSIT, "the deposit until pruned");
		assert_eq!(Agenda::<Test>::iter().count(), 1, "only its pruning is left");
		assert_eq!(task(id).status, TaskStatus::Refunded { cause: RefundCause::Cancelled, at: 1 });
		assert_noop!(Compute::cancel_task(RuntimeOrigin::signed(USER), id), Error::<Test>::NotQueued);
		// Pruned after the retention period (20 blocks).
		run_to_block(21);
		assert!(Tasks::<Test>::get(id).is_some());
		run_to_block(22);
		assert!(Tasks::<Test>::get(id).is_none());
		assert_eq!(Balances::free_balance(USER), INITIAL);
	});
}

#[test]
fn a_crowded_agenda_delays_wake_ups_and_drops_none() {
	build_and_execute(|| {
		// Sixteen wake-ups due at block 21: eight challenge windows closing (two solvers, four
		// results each, posted at block 10) and eight queued tasks expiring.
		register(SOLVER, 1_000, HardwareClass::Cpu);
		register(SOLVER_2, 1_000, HardwareClass::Cpu);
		let mut all: Vec<TaskId> = (0..8).map(|_| submit(20)).collect();
		run_to_block(3);
		for id in &all {
			let solver = *task(*id).status.working_solver().expect("assigned");
			assert_ok!(Compute::accept_task(RuntimeOrigin::signed(solver), *id));
		}
		all.extend((0..8).map(|_| submit(20)));
		run_to_block(10);
		for id in &all[..8] {
			let solver = *task(*id).status.working_solver().expect("running");
			assert_ok!(Compute::submit_result(RuntimeOrigin::signed(solver), *id, result(10)));
		}
		let finished =
			|ids: &[TaskId]| ids.iter().filter(|id| Tasks::<Test>::get(**id).map_or(true, |t| t.status.is_finished())).count();
		run_to_block(20);
		assert_eq!(finished(&all), 0);
		// Eight wake-ups a block: half of them now, the rest in the next block.
		run_to_block(21);
		assert_eq!(finished(&all), 8);
		assert_eq!(AgendaCursor::<Test>::get(Lane::Live), Some(21));
		run_to_block(22);
		assert_eq!(finished(&all), 16);
		assert_eq!(AgendaCursor::<Test>::get(Lane::Live), Some(22));
		// Pruning has its own lane and budget: eight at 42, eight at 43.
		run_to_block(42);
		assert_eq!(all.iter().filter(|id| Tasks::<Test>::get(**id).is_none()).count(), 8);
		run_to_block(43);
		assert_eq!(all.iter().filter(|id| Tasks::<Test>::get(**id).is_none()).count(), 16);
		assert_eq!(deposit_held(USER), 0);
		assert_eq!(Agenda::<Test>::iter().count(), 0);
	});
}

#[test]
fn accept_and_result_checks() {
	build_and_execute(|| {
		register(SOLVER, 1_000, HardwareClass::Cpu);
		register(SOLVER_2, 1, HardwareClass::Cpu);
		assert_noop!(Compute::accept_task(RuntimeOrigin::signed(SOLVER), 0), Error::<Test>::UnknownTask);
		assert_noop!(
			Compute::submit_result(RuntimeOrigin::signed(SOLVER), 0, result(10)),
			Error::<Test>::UnknownTask
		);
		let id = submit(100);
		assert_noop!(Compute::accept_task(RuntimeOrigin::signed(SOLVER), id), Error::<Test>::NotAssigned);
		assert_noop!(
			Compute::submit_result(RuntimeOrigin::signed(SOLVER), id, result(10)),
			Error::<Test>::NotAssignedSolver
		);
		run_to_block(2);
		// SOLVER_2 has no capacity for it: SOLVER got it.
		assert_noop!(
			Compute::accept_task(RuntimeOrigin::signed(SOLVER_2), id),
			Error::<Test>::NotAssignedSolver
		);
		assert_ok!(Compute::accept_task(RuntimeOrigin::signed(SOLVER), id));
		assert_eq!(task(id).status, TaskStatus::Running { solver: SOLVER, solver_deadline: 11 });
		System::assert_last_event(Event::TaskAccepted { task: id, solver: SOLVER }.into());
		assert_noop!(
			Compute::submit_result(RuntimeOrigin::signed(SOLVER_2), id, result(10)),
			Error::<Test>::NotAssignedSolver
		);
		assert_noop!(
			Compute::submit_result(RuntimeOrigin::signed(SOLVER), id, result(9)),
			Error::<Test>::StepCountMismatch
		);
		assert_ok!(Compute::submit_result(RuntimeOrigin::signed(SOLVER), id, result(10)));
		assert_noop!(
			Compute::submit_result(RuntimeOrigin::signed(SOLVER), id, result(10)),
			Error::<Test>::NotAssignedSolver
		);
	});
}

#[test]
fn result_after_the_deadline_is_refused() {
	build_and_execute(|| {
		register(SOLVER, 1_000, HardwareClass::Cpu);
		let id = submit(6);
		run_to_block(2);
		// The acceptance period and the solver deadline are capped at the task's deadline.
		assert_eq!(
			task(id).status,
			TaskStatus::Assigned { solver: SOLVER, accept_by: 5, solver_deadline: 6 }
		);
		assert_ok!(Compute::accept_task(RuntimeOrigin::signed(SOLVER), id));
		run_to_block(6);
		// Block 7 before its deadline check ran (as when wake-ups are backlogged).
		System::set_block_number(7);
		assert_noop!(
			Compute::submit_result(RuntimeOrigin::signed(SOLVER), id, result(10)),
			Error::<Test>::DeadlinePassed
		);
		Compute::on_initialize(7);
		assert_eq!(task(id).status, TaskStatus::Refunded { cause: RefundCause::DeadlineMissed, at: 7 });
	});
}

#[test]
fn finalization_pays_every_party_to_the_unit() {
	build_and_execute(|| {
		let id = submitted_task();
		let verifiers = verifiers_of(id);
		assert_eq!(verifiers.len(), 2);
		assert!(verifiers.iter().all(|v| VALIDATORS.contains(v)));
		let window_end = 13;
		assert!(matches!(
			task(id).status,
			TaskStatus::Submitted { window_end: 13, result_at: 3, draw_at: None, .. }
		));
		assert_eq!(OutstandingWork::<Test>::get().total(), 0);
		assert_eq!(solver(SOLVER).committed, 0);
		assert_eq!(solver(SOLVER).active_tasks, 1);

		assert_noop!(Compute::attest(RuntimeOrigin::signed(USER), id), Error::<Test>::NotAVerifier);
		assert_ok!(Compute::attest(RuntimeOrigin::signed(verifiers[0]), id));
		System::assert_last_event(Event::ResultAttested { task: id, verifier: verifiers[0] }.into());
		assert_noop!(
			Compute::attest(RuntimeOrigin::signed(verifiers[0]), id),
			Error::<Test>::AlreadyAttested
		);

		let before = |who: u64| Balances::free_balance(who);
		let (user, solver_free, v0, v1, vault, pot) = (
			before(USER),
			before(SOLVER),
			before(verifiers[0]),
			before(verifiers[1]),
			before(VAULT),
			before(REWARD_POT),
		);
		run_to_block(window_end);
		assert!(matches!(task(id).status, TaskStatus::Submitted { .. }), "window still open");
		run_to_block(window_end + 1);
		assert_noop!(
			Compute::attest(RuntimeOrigin::signed(verifiers[1]), id),
			Error::<Test>::NotInChallengeWindow
		);
		// Fee 3,400: solver 80% = 2,720; verifiers 10% = 340, 170 per drawn verifier; the one
		// that did not attest sends its 170 to the reward pot; protocol 340.
		assert_eq!(fee_held(USER), 0);
		assert_eq!(escrowed(HoldReason::TaskFee), 0, "the fee left escrow");
		assert_eq!(Balances::free_balance(USER), user, "nothing came back to the submitter");
		assert_eq!(Balances::total_balance(&USER), INITIAL - WORK - DEPOSIT);
		assert_eq!(deposit_held(USER), DEPOSIT, "escrowed until the task is pruned");
		assert_eq!(escrowed(HoldReason::TaskDeposit), DEPOSIT);
		assert_eq!(before(SOLVER) - solver_free, 2_720);
		assert_eq!(before(verifiers[0]) - v0, 170);
		assert_eq!(before(verifiers[1]) - v1, 0);
		assert_eq!(before(REWARD_POT) - pot, 170);
		assert_eq!(before(VAULT) - vault, 340);
		System::assert_has_event(
			Event::TaskFinalized {
				task: id,
				solver: SOLVER,
				solver_reward: 2_720,
				verifier_reward: 170,
				unearned: 170,
				protocol: 340,
			}
			.into(),
		);
		let s = solver(SOLVER);
		assert_eq!((s.active_tasks, s.stats.completed), (0, 1));
		assert_eq!(s.reputation, Permill::from_percent(51));
		assert_eq!(s.activity.verified_work, WORK);
		assert!(matches!(task(id).status, TaskStatus::Finalized { solver: SOLVER, at: 14, .. }));
		// Pruned after the retention period; the deposit goes back.
		run_to_block(34);
		assert!(Tasks::<Test>::get(id).is_some());
		run_to_block(35);
		assert!(Tasks::<Test>::get(id).is_none());
		assert_eq!(deposit_held(USER), 0);
		System::assert_has_event(Event::TaskPruned { task: id, submitter: USER, deposit: DEPOSIT }.into());
		assert_eq!(Agenda::<Test>::iter().count(), 0, "nothing left in the agenda");
	});
}

#[test]
fn without_validators_the_verifier_share_goes_to_the_reward_pot() {
	build_and_execute(|| {
		set_validators(vec![SOLVER]);
		let id = submitted_task();
		assert!(verifiers_of(id).is_empty(), "the solver never verifies itself");
		let pot = Balances::free_balance(REWARD_POT);
		run_to_block(14);
		assert_eq!(Balances::free_balance(REWARD_POT) - pot, 340);
	});
}

#[test]
fn a_missed_solver_deadline_slashes_and_reassigns() {
	build_and_execute(|| {
		register(SOLVER, 1_000, HardwareClass::Cpu);
		let id = submit(100);
		run_to_block(2);
		// Accept by 2 + 3; then 4 blocks of work at 1,000 per block and a grace of 2.
		assert_eq!(
			task(id).status,
			TaskStatus::Assigned { solver: SOLVER, accept_by: 5, solver_deadline: 11 }
		);
		assert_ok!(Compute::accept_task(RuntimeOrigin::signed(SOLVER), id));
		register(SOLVER_2, 1_000, HardwareClass::Cpu);
		let treasury = Balances::free_balance(TREASURY);
		run_to_block(11);
		assert!(matches!(task(id).status, TaskStatus::Running { .. }));
		run_to_block(12);
		// Slashed 10% of 1,000 to the treasury; reputation 50% − 20%.
		assert_eq!(stake_held(SOLVER), 900);
		assert_eq!(Balances::free_balance(TREASURY) - treasury, 100);
		let s = solver(SOLVER);
		assert_eq!((s.stake, s.stats.missed, s.active_tasks, s.committed), (900, 1, 0, 0));
		assert_eq!(s.reputation, Permill::from_percent(30));
		System::assert_has_event(
			Event::SolverSlashed { solver: SOLVER, task: id, amount: 100, cause: SlashCause::MissedDeadline }
				.into(),
		);
		System::assert_has_event(
			Event::TaskRequeued { task: id, solver: SOLVER, reason: QueueReason::SolverMissedDeadline }
				.into(),
		);
		// Requeued, and drawn again with the next block's randomness, never for the solver that
		// missed.
		assert_eq!(
			task(id).excluded.into_inner(),
			vec![Exclusion { solver: SOLVER, cause: ExclusionCause::MissedDeadline }]
		);
		assert_eq!(
			task(id).status,
			TaskStatus::Queued { reason: QueueReason::SolverMissedDeadline }
		);
		run_to_block(13);
		assert_eq!(
			task(id).status,
			TaskStatus::Assigned { solver: SOLVER_2, accept_by: 16, solver_deadline: 22 }
		);
		assert_eq!(fee_held(USER), WORK, "the fee stays held for the new solver");
	});
}

#[test]
fn a_missed_task_deadline_refunds_in_full_and_slashes() {
	build_and_execute(|| {
		register(SOLVER, 1_000, HardwareClass::Cpu);
		let id = submit(7);
		run_to_block(2);
		assert_eq!(
			task(id).status,
			TaskStatus::Assigned { solver: SOLVER, accept_by: 5, solver_deadline: 7 }
		);
		assert_ok!(Compute::accept_task(RuntimeOrigin::signed(SOLVER), id));
		run_to_block(8);
		assert_eq!(task(id).status, TaskStatus::Refunded { cause: RefundCause::DeadlineMissed, at: 8 });
		assert_eq!(fee_held(USER), 0);
		assert_eq!(Balances::free_balance(USER), INITIAL - DEPOSIT);
		assert_eq!(stake_held(SOLVER), 900);
		System::assert_has_event(
			Event::TaskRefunded { task: id, submitter: USER, amount: WORK, cause: RefundCause::DeadlineMissed }
				.into(),
		);
	});
}

// ---- pricing ----

#[test]
fn the_price_follows_utilization_within_bounds() {
	build_and_execute(|| {
		let mut params = test_params();
		params.pricing.floor = 100;
		params.pricing.min_fee = 1;
		assert_ok!(Compute::set_params(RuntimeOrigin::root(), params));
		assert_eq!(PricePerUnit::<Test>::get(), 100, "clamped to the new floor");
		// Demand far above capacity: a solver of 1 unit per block (too slow to take the task
		// before its deadline) against 340 units over a 10-block horizon: +12.5% a block,
		// rounded up.
		register(SOLVER_2, 1, HardwareClass::Cpu);
		submit_with(USER, program(1), HardwareClass::Cpu, 100);
		run_to_block(2);
		assert_eq!(PricePerUnit::<Test>::get(), 113);
		System::assert_has_event(
			Event::PriceUpdated { price: 113, utilization: Perbill::one() }.into(),
		);
		run_to_block(3);
		assert_eq!(PricePerUnit::<Test>::get(), 128);
		// Plenty of capacity: utilization 340 / (1,001 × 10) ≈ 3%: down about 12.5% a block, to
		// the floor. (The stake of 1,000 backs 1,000 of the 100,000 units advertised.)
		register(SOLVER, 100_000, HardwareClass::Cpu);
		run_to_block(4);
		assert_eq!(PricePerUnit::<Test>::get(), 114);
		run_to_block(15);
		assert_eq!(PricePerUnit::<Test>::get(), 100);
		// Governance may not set a ceiling below the floor.
		let mut bad = test_params();
		bad.pricing.ceiling = 0;
		assert_noop!(Compute::set_params(RuntimeOrigin::root(), bad), Error::<Test>::InvalidParams);
	});
}

#[test]
fn set_params_is_for_governance_and_validated() {
	build_and_execute(|| {
		assert_noop!(
			Compute::set_params(RuntimeOrigin::signed(USER), test_params()),
			DispatchError::BadOrigin
		);
		let cases: Vec<Box<dyn Fn(&mut crate::ParamsOf<Test>)>> = vec![
			Box::new(|p| p.min_stake = 0),
			Box::new(|p| p.challenge_window = 0),
			Box::new(|p| p.verifiers_per_task = 5),
			Box::new(|p| p.solver_share = Perbill::from_percent(95)),
			Box::new(|p| p.min_deadline = 0),
			Box::new(|p| p.max_deadline = 4),
			Box::new(|p| p.pricing.target_utilization = Perbill::one()),
			Box::new(|p| p.pricing.max_change = Perbill::from_percent(51)),
			Box::new(|p| p.pricing.floor = 0),
			Box::new(|p| p.pricing.horizon = 0),
			Box::new(|p| p.pricing.class_multipliers.gpu = FixedU128::from_rational(1, 2)),
			Box::new(|p| p.initial_reputation = Permill::zero()),
			Box::new(|p| p.acceptance_period = 0),
			Box::new(|p| p.acceptance_period = 5),
			Box::new(|p| p.max_declines = 0),
			Box::new(|p| p.max_declines = 5),
			Box::new(|p| p.decline_compensation = Perbill::from_percent(34)),
			Box::new(|p| p.wakeup_deposit = 0),
			Box::new(|p| p.stake_per_capacity = 0),
			// 11 × the minimum fee (100) is above the minimum stake (1,000).
			Box::new(|p| p.stake_cover = 11),
			// The protocol share is 10%: a mining cap of 10% would let self-dealing break even.
			Box::new(|p| p.mining_fee_cap = Perbill::from_percent(10)),
		];
		for break_it in cases {
			let mut p = test_params();
			break_it(&mut p);
			assert_noop!(Compute::set_params(RuntimeOrigin::root(), p), Error::<Test>::InvalidParams);
		}
		let mut p = test_params();
		p.challenge_window = 3;
		assert_ok!(Compute::set_params(RuntimeOrigin::root(), p));
		assert_eq!(Params::<Test>::get().challenge_window, 3);
		System::assert_last_event(Event::ParamsUpdated { params: p }.into());
	});
}

// ---- compute mining ----

#[test]
fn mining_pays_the_era_budget_by_work_quality_and_uptime() {
	build_and_execute(|| {
		register(SOLVER, 1_000, HardwareClass::Cpu);
		register(SOLVER_2, 1_000, HardwareClass::Cpu);
		// Ten periods per era; SOLVER is seen in all, SOLVER_2 in half of them.
		Solvers::<Test>::mutate(SOLVER, |s| {
			s.as_mut().unwrap().activity =
				EraActivity { era: 0, verified_work: 3_000, periods_online: 10, fees: 200_000 }
		});
		Solvers::<Test>::mutate(SOLVER_2, |s| {
			let s = s.as_mut().unwrap();
			s.activity = EraActivity { era: 0, verified_work: 3_000, periods_online: 5, fees: 200_000 };
			// One dispute lost: quality 1/2.
			s.stats.disputes_lost = 1;
		});
		let pot = Compute::mining_pot_account();
		run_to_block(99);
		assert_eq!(Balances::free_balance(pot), MINING_POT_FUNDS);
		let (a, b) = (Balances::free_balance(SOLVER), Balances::free_balance(SOLVER_2));
		run_to_block(100);
		// Budget 10% of the spendable pot (99,999 above the ED of 1) = 9,999.
		// Points: 3,000 and 3,000 × 1/2 × 1/2 = 750 → 7,999 and 1,999 (rounded down).
		assert_eq!(Balances::free_balance(SOLVER) - a, 7_999);
		assert_eq!(Balances::free_balance(SOLVER_2) - b, 1_999);
		assert_eq!(Balances::free_balance(pot), MINING_POT_FUNDS - 9_998);
		System::assert_has_event(
			Event::MiningEraClosed { era: 0, budget: 9_999, paid: 9_998, solvers: 2 }.into(),
		);
		assert_eq!(MiningEra::<Test>::get(), 1);
		// Work is counted per era: nothing verified in era 1 yet.
		run_to_block(200);
		System::assert_has_event(
			Event::MiningEraClosed { era: 1, budget: 9_000, paid: 0, solvers: 0 }.into(),
		);
	});
}

#[test]
fn finalized_work_counts_for_mining() {
	build_and_execute(|| {
		let id = submitted_task();
		run_to_block(14);
		assert!(task(id).status.is_finished());
		let before = Balances::free_balance(SOLVER);
		run_to_block(100);
		// The only solver with work would get the whole budget of 9,999 (1/10 of 3,400 points,
		// still the only points), but a reward is capped at 5% of the fees it earned: 170.
		assert_eq!(Balances::free_balance(SOLVER) - before, 170);
		System::assert_has_event(
			Event::MiningEraClosed { era: 0, budget: 9_999, paid: 170, solvers: 1 }.into(),
		);
	});
}

// ---- stake cover ----

/// With a cover of 2, a solver takes a task only while its stake is at least twice the fees of
/// its open tasks, this one included (exactly twice is enough); a task it cannot cover waits in
/// the queue and is assigned once a result is paid and the fee no longer counts. Declines and
/// missed deadlines give the fee back too (`try_state` checks `open_fees` after every block).
#[test]
fn a_solver_takes_only_tasks_its_stake_covers_twice() {
	build_and_execute(|| {
		let mut params = Params::<Test>::get();
		params.stake_cover = 2;
		assert_ok!(Compute::set_params(RuntimeOrigin::root(), params));
		// One step: 340 work units, fee 340 at the floor price.
		assert_ok!(Compute::register_solver(RuntimeOrigin::signed(SOLVER), 1_360, 1_000, HardwareClass::Cpu));
		let ids = [0; 3].map(|_| submit_with(USER, program(1), HardwareClass::Cpu, 100));
		assert_eq!(ids.map(|id| task(id).fee), [340; 3]);
		run_to_block(2);
		let assigned = |id| matches!(task(id).status, TaskStatus::Assigned { solver: SOLVER, .. });
		// 2 × (340 + 340) = 1,360: the second still fits, the third would need 2,040.
		assert_eq!(ids.map(assigned), [true, true, false]);
		assert_eq!(solver(SOLVER).open_fees, 680);
		assert!(matches!(task(ids[2]).status, TaskStatus::Queued { .. }));
		// A decline gives the fee back (the compensation, 2%, is paid from the fee after).
		assert_ok!(Compute::decline_task(RuntimeOrigin::signed(SOLVER), ids[1], DeclineReason::DatasetUnreachable));
		assert_eq!(solver(SOLVER).open_fees, 340);
		run_to_block(3);
		assert!(assigned(ids[2]), "covered again: 2 × (340 + 340)");
		assert_eq!(solver(SOLVER).open_fees, 680);
		for id in [ids[0], ids[2]] {
			assert_ok!(Compute::accept_task(RuntimeOrigin::signed(SOLVER), id));
			assert_ok!(Compute::submit_result(RuntimeOrigin::signed(SOLVER), id, result(1)));
		}
		// Still counted while the results are in their window.
		run_to_block(13);
		assert_eq!(solver(SOLVER).open_fees, 680);
		run_to_block(14);
		assert_eq!(solver(SOLVER).open_fees, 0);
		assert!(ids[..1].iter().chain(&ids[2..]).all(|id| task(*id).status.is_finished()));
	});
}

// ---- disputes interface ----

/// Disputes open only inside the window, several at once; the window passes without a payout
/// while any is open (the result stays disputable); a conviction refunds and slashes.
#[test]
fn disputes_freeze_the_result_past_its_window_and_a_conviction_refunds_and_slashes() {
	build_and_execute(|| {
		let id = submitted_task();
		assert_noop!(<Compute as TaskDisputes<u64>>::acquit(id), Error::<Test>::NotChallenged);
		let target = <Compute as TaskDisputes<u64>>::dispute_target(id).unwrap();
		assert_eq!((target.solver, target.submitter, target.result), (SOLVER, USER, result(10)));
		assert_eq!((target.dataset_root, target.window_end, target.disputes), (H256::repeat_byte(9), 13, 0));
		assert_eq!(<Compute as TaskDisputes<u64>>::freeze(id), Ok(1));
		System::assert_last_event(Event::TaskChallenged { task: id, disputes: 1 }.into());
		run_to_block(13);
		assert_eq!(<Compute as TaskDisputes<u64>>::freeze(id), Ok(2));
		run_to_block(14);
		assert_noop!(<Compute as TaskDisputes<u64>>::freeze(id), Error::<Test>::NotInChallengeWindow);
		// The window passes without a payout.
		run_to_block(20);
		assert!(matches!(task(id).status, TaskStatus::Submitted { disputes: 2, window_end: 13, .. }));
		assert_eq!(fee_held(USER), WORK);
		let target = <Compute as TaskDisputes<u64>>::dispute_target(id).unwrap();
		assert_eq!((target.window_end, target.disputes), (13, 2));
		// The solver was wrong: slashed (the dispute shares it out), submitter refunded.
		let credit = <Compute as TaskDisputes<u64>>::convict(id, Perbill::from_percent(50)).unwrap();
		assert_eq!(credit.peek(), 500);
		let _ = <Balances as frame_support::traits::fungible::Balanced<u64>>::resolve(&TREASURY, credit);
		assert_eq!(
			task(id).status,
			TaskStatus::Refunded { cause: RefundCause::ResultDisproved, at: 20 }
		);
		assert_eq!(Balances::free_balance(USER), INITIAL - DEPOSIT);
		let s = solver(SOLVER);
		assert_eq!((s.stake, s.reputation, s.stats.disputes_lost, s.active_tasks), (500, Permill::zero(), 1, 0));
		assert_eq!(s.open_fees, 0);
		assert_eq!(<Compute as TaskDisputes<u64>>::dispute_target(id), None);
		assert_noop!(
			<Compute as TaskDisputes<u64>>::convict(id, Perbill::one()),
			Error::<Test>::NotInChallengeWindow
		);
		assert_noop!(<Compute as TaskDisputes<u64>>::acquit(id), Error::<Test>::NotChallenged);
		assert_noop!(
			<Compute as TaskDisputes<u64>>::freeze(99),
			Error::<Test>::UnknownTask
		);
	});
}

/// A result whose disputes all closed after its window is paid when the last one closes; the
/// solver counts one dispute won for it, however many were opened.
#[test]
fn the_last_dispute_to_close_after_the_window_pays_the_result() {
	build_and_execute(|| {
		let id = submitted_task();
		assert_ok!(<Compute as TaskDisputes<u64>>::freeze(id));
		assert_ok!(<Compute as TaskDisputes<u64>>::freeze(id));
		assert_eq!(<Compute as TaskDisputes<u64>>::acquit(id), Ok(1));
		System::assert_last_event(Event::DisputeClosed { task: id, disputes: 1 }.into());
		assert_eq!(solver(SOLVER).stats.disputes_won, 0, "counted when the last one closes");
		run_to_block(30);
		assert!(matches!(task(id).status, TaskStatus::Submitted { disputes: 1, .. }));
		let before = Balances::free_balance(SOLVER);
		assert_eq!(<Compute as TaskDisputes<u64>>::acquit(id), Ok(0));
		assert_eq!(Balances::free_balance(SOLVER) - before, 2_720);
		let s = solver(SOLVER);
		assert_eq!((s.stats.disputes_won, s.active_tasks, s.open_fees), (1, 0, 0));
		assert_eq!(task(id).status, TaskStatus::Finalized { solver: SOLVER, result: result(10), at: 30 });
		assert_eq!(<Compute as TaskDisputes<u64>>::dispute_target(id), None);
		assert_noop!(<Compute as TaskDisputes<u64>>::acquit(id), Error::<Test>::NotChallenged);
	});
}

/// A dispute that closes inside the window does not end it: the result is paid when the window
/// closes, and its verifiers go on checking and attesting meanwhile (a dispute cannot be
/// used to keep them away).
#[test]
fn a_dispute_closed_inside_the_window_leaves_the_window_and_the_verifiers_as_they_were() {
	build_and_execute(|| {
		let id = submitted_task();
		assert_ok!(<Compute as TaskDisputes<u64>>::freeze(id));
		let verifiers = verifiers_of(id);
		assert!(!verifiers.is_empty(), "drawn while frozen");
		for v in &verifiers {
			assert_ok!(Compute::attest(RuntimeOrigin::signed(*v), id));
		}
		assert_eq!(<Compute as TaskDisputes<u64>>::acquit(id), Ok(0));
		assert!(matches!(task(id).status, TaskStatus::Submitted { disputes: 0, .. }));
		run_to_block(13);
		assert!(matches!(task(id).status, TaskStatus::Submitted { .. }), "the window is open");
		let before = Balances::free_balance(SOLVER);
		run_to_block(14);
		assert_eq!(task(id).status, TaskStatus::Finalized { solver: SOLVER, result: result(10), at: 14 });
		assert_eq!(Balances::free_balance(SOLVER) - before, 2_720);
		assert_eq!(solver(SOLVER).stats.disputes_won, 1);
	});
}

#[test]
fn a_result_is_convicted_straight_from_its_window_and_not_after_it() {
	build_and_execute(|| {
		let id = submitted_task();
		let window_end = match task(id).status {
			TaskStatus::Submitted { window_end, .. } => window_end,
			_ => unreachable!(),
		};
		assert_eq!(<Compute as TaskDisputes<u64>>::dispute_target(id).unwrap().window_end, window_end);
		let credit = <Compute as TaskDisputes<u64>>::convict(id, Perbill::from_percent(10)).unwrap();
		assert_eq!(credit.peek(), 100);
		let _ = <Balances as frame_support::traits::fungible::Balanced<u64>>::resolve(&TREASURY, credit);
		assert!(matches!(task(id).status, TaskStatus::Refunded { cause: RefundCause::ResultDisproved, .. }));
	});
}

#[test]
fn a_result_past_its_window_is_not_disputable_even_before_the_hook_pays_it() {
	build_and_execute(|| {
		let late = submitted_task();
		let window_end = match task(late).status {
			TaskStatus::Submitted { window_end, .. } => window_end,
			_ => unreachable!(),
		};
		System::set_block_number(window_end + 1);
		assert_eq!(<Compute as TaskDisputes<u64>>::dispute_target(late), None);
		assert_noop!(
			<Compute as TaskDisputes<u64>>::convict(late, Perbill::one()),
			Error::<Test>::NotInChallengeWindow
		);
	});
}

#[test]
fn the_market_never_mints_or_burns() {
	build_and_execute(|| {
		// Many tasks through every path; build_and_execute checks issuance at the end.
		register(SOLVER, 2_000, HardwareClass::Gpu);
		register(SOLVER_2, 2_000, HardwareClass::Cpu);
		let mut ids = vec![];
		for i in 0..6u64 {
			ids.push(submit_with(USER + i % 3, program(10), HardwareClass::Cpu, 60));
		}
		run_to_block(2);
		for id in &ids[..3] {
			if let Some(solver) = task(*id).status.working_solver().cloned() {
				assert_ok!(Compute::submit_result(RuntimeOrigin::signed(solver), *id, result(10)));
			}
		}
		run_to_block(120);
		for id in &ids {
			assert!(Tasks::<Test>::get(id).map_or(true, |t| t.status.is_finished()));
		}
	});
}

#[test]
fn a_paused_market_takes_and_assigns_nothing_and_lets_no_queued_task_expire() {
	build_and_execute(|| {
		register(SOLVER, 1_000, HardwareClass::Cpu);
		let running = submit(100);
		run_to_block(2);
		assert_ok!(Compute::accept_task(RuntimeOrigin::signed(SOLVER), running));
		// Queued when the market pauses; the first one's deadline passes during the pause.
		let queued = submit(15);
		let cancelled = submit(50);

		// Only the pause origin pauses: not a signed account, not the parameters' origin.
		assert_noop!(Compute::set_paused(RuntimeOrigin::signed(USER), true), DispatchError::BadOrigin);
		assert_noop!(Compute::set_paused(RuntimeOrigin::root(), true), DispatchError::BadOrigin);
		assert_ok!(Compute::set_paused(RuntimeOrigin::signed(GUARDIAN), true));
		System::assert_last_event(Event::MarketPaused.into());
		assert_eq!(PausedSince::<Test>::get(), Some(2));
		// Pausing a paused market changes nothing and says nothing.
		let before = System::events().len();
		assert_ok!(Compute::set_paused(RuntimeOrigin::signed(GUARDIAN), true));
		assert_eq!((System::events().len(), PausedSince::<Test>::get()), (before, Some(2)));
		assert_noop!(submit_raw(), Error::<Test>::MarketPaused);

		// A running task goes on: its result is taken and its window runs ...
		run_to_block(5);
		assert_ok!(Compute::submit_result(RuntimeOrigin::signed(SOLVER), running, result(10)));
		// Nothing is assigned and nothing expires (the invariants hold every block, with the
		// queued task's deadline wake-up taken at block 16); submitters may still cancel.
		run_to_block(20);
		assert_eq!(task(queued).status, TaskStatus::Queued { reason: QueueReason::AwaitingSolver });
		assert_eq!(task(queued).deadline, 15);
		assert_ok!(Compute::cancel_task(RuntimeOrigin::signed(USER), cancelled));
		// ... and it was paid at its window's end.
		assert!(matches!(task(running).status, TaskStatus::Finalized { .. }));

		// Resuming moves every queued deadline by the pause's length, and assignment resumes.
		assert_noop!(Compute::set_paused(RuntimeOrigin::root(), false), DispatchError::BadOrigin);
		assert_ok!(Compute::set_paused(RuntimeOrigin::signed(GUARDIAN), false));
		System::assert_last_event(Event::MarketResumed { extended_by: 18, tasks: 1 }.into());
		assert_eq!(PausedSince::<Test>::get(), None);
		assert_eq!(task(queued).deadline, 33);
		assert_ok!(Compute::heartbeat(RuntimeOrigin::signed(SOLVER)));
		run_to_block(22);
		assert!(matches!(task(queued).status, TaskStatus::Assigned { solver: SOLVER, .. }));
		let fee = task(queued).fee;
		assert!(fee > 0);
		assert_ok!(submit_raw());
	});
}

#[test]
fn a_queued_task_gets_back_the_time_it_waited_in_the_pause_and_no_more() {
	build_and_execute(|| {
		// No solver: the task waits, due to expire after block 8; the pause takes blocks 7 to 9
		// from it, so on resume its deadline moves to 10 and it expires at 11.
		let id = submit(8);
		run_to_block(7);
		assert_ok!(Compute::set_paused(RuntimeOrigin::signed(GUARDIAN), true));
		run_to_block(9);
		assert_ok!(Compute::set_paused(RuntimeOrigin::signed(GUARDIAN), false));
		System::assert_last_event(Event::MarketResumed { extended_by: 2, tasks: 1 }.into());
		assert_eq!(task(id).deadline, 10);
		run_to_block(10);
		assert!(matches!(task(id).status, TaskStatus::Queued { .. }));
		run_to_block(11);
		assert_eq!(task(id).status, TaskStatus::Refunded { cause: RefundCause::NoSolverAvailable, at: 11 });

		// Paused and resumed in one block: nothing moves, and the event says so.
		let id = submit(30);
		assert_ok!(Compute::set_paused(RuntimeOrigin::signed(GUARDIAN), true));
		assert_ok!(Compute::set_paused(RuntimeOrigin::signed(GUARDIAN), false));
		System::assert_last_event(Event::MarketResumed { extended_by: 0, tasks: 0 }.into());
		assert_eq!(task(id).deadline, 30);
	});
}

#[test]
fn a_task_requeued_during_the_pause_gets_back_only_the_time_it_spent_queued() {
	build_and_execute(|| {
		register(SOLVER, 1_000, HardwareClass::Cpu);
		let id = submit(100);
		run_to_block(3);
		assert!(matches!(task(id).status, TaskStatus::Assigned { .. }));
		assert_ok!(Compute::set_paused(RuntimeOrigin::signed(GUARDIAN), true));
		let price = PricePerUnit::<Test>::get();
		// The solver stays silent: at the end of its acceptance period, in the pause, the task
		// goes back to the queue and is not reassigned.
		run_to_block(10);
		assert!(matches!(task(id).status, TaskStatus::Queued { .. }));
		let requeued_at = task(id).queued_at;
		assert!(requeued_at > 3);
		run_to_block(20);
		assert!(matches!(task(id).status, TaskStatus::Queued { .. }));
		// The price stood still through the pause.
		assert_eq!(PricePerUnit::<Test>::get(), price);
		assert_ok!(Compute::set_paused(RuntimeOrigin::signed(GUARDIAN), false));
		// Queued from its requeueing to 20 in a pause that began at 3: that much back, not 17.
		System::assert_last_event(Event::MarketResumed { extended_by: 17, tasks: 1 }.into());
		assert_eq!(task(id).deadline, 100 + (20 - requeued_at));
	});
}
