//! The cheapest harmful uses of the market, each written as an attack that must fail: griefing
//! honest solvers, pinning the price, farming mining rewards and picking who is drawn.

use crate::{mock::*, pallet::*, tests::*, types::*, Event};
use frame_support::{
	assert_noop, assert_ok,
	traits::fungible::Inspect,
};
use sp_runtime::Permill;

const ATTACKER: u64 = 11;

fn slashed(who: u64) -> bool {
	System::events().iter().any(|r| {
		matches!(&r.event, RuntimeEvent::Compute(Event::SolverSlashed { solver, .. }) if *solver == who)
	})
}

// ---- griefing honest solvers ----

/// A solver drawn for a task it never accepts (its dataset does not exist, say) loses
/// reputation, never stake.
#[test]
fn a_solver_that_never_accepts_is_not_slashed() {
	build_and_execute(|| {
		register(SOLVER, 1_000, HardwareClass::Cpu);
		let id = submit(100);
		run_to_block(2);
		assert!(matches!(task(id).status, TaskStatus::Assigned { solver: SOLVER, .. }));
		register(SOLVER_2, 1_000, HardwareClass::Cpu);
		run_to_block(20);
		assert_eq!(stake_held(SOLVER), STAKE, "not answering cost stake");
		assert!(!slashed(SOLVER));
	});
}

/// `batchAll([submitTask, cancelTask])` repeated fills the wake-up slots a result needs: the
/// solver's result must still be taken.
#[test]
fn submit_and_cancel_cannot_make_a_result_fail() {
	build_and_execute(|| {
		register(SOLVER, 1_000, HardwareClass::Cpu);
		let id = submit(100);
		run_to_block(2);
		assert_ok!(Compute::accept_task(RuntimeOrigin::signed(SOLVER), id));
		run_to_block(3);
		// The result posted in block 3 closes its window at 13 and needs a wake-up at 14.
		for _ in 0..40 {
			let squat = NextTaskId::<Test>::get();
			if Compute::submit_task(
				RuntimeOrigin::signed(ATTACKER),
				program(10),
				dataset(),
				HardwareClass::Cpu,
				13,
				u64::MAX,
			)
			.is_err()
			{
				break;
			}
			assert_ok!(Compute::cancel_task(RuntimeOrigin::signed(ATTACKER), squat));
		}
		assert_ok!(Compute::submit_result(RuntimeOrigin::signed(SOLVER), id, result(10)));
	});
}

// ---- price and capacity ----

/// A task for a hardware class no online solver offers is not demand anyone can serve: it
/// must not move the price.
#[test]
fn demand_nobody_can_serve_does_not_pin_the_price_high() {
	build_and_execute(|| {
		register(SOLVER, 1_000, HardwareClass::Cpu);
		// 34,000 work units: 3.4 × what the CPU solver does over the pricing horizon.
		let _ = submit_with(ATTACKER, program(100), HardwareClass::DatacenterGpu, 1_000);
		let floor = test_params().pricing.floor;
		run_to_block(21);
		assert_eq!(PricePerUnit::<Test>::get(), floor, "the price moved on unservable demand");
	});
}

/// One minimum-stake solver claiming `u64::MAX` capacity must not send the price to the floor
/// while real demand exceeds real capacity.
#[test]
fn a_huge_advertised_capacity_does_not_pin_the_price_low() {
	build_and_execute(|| {
		// A floor high enough for the price to move by whole units both ways.
		let mut params = test_params();
		params.pricing.floor = 1_000;
		params.pricing.ceiling = 1_000_000;
		// The minimum stake of 1,000 backs 10 work units per block.
		params.stake_per_capacity = 100;
		assert_ok!(Compute::set_params(RuntimeOrigin::root(), params));
		// 340 work units against 10 per block over a 10-block horizon: full.
		register(SOLVER, 10, HardwareClass::Cpu);
		let _ = submit_with(USER, program(1), HardwareClass::Cpu, 1_000);
		run_to_block(6);
		let risen = PricePerUnit::<Test>::get();
		assert!(risen > 1_000, "real demand raises the price");
		register(ATTACKER, u64::MAX, HardwareClass::Cpu);
		run_to_block(12);
		assert!(PricePerUnit::<Test>::get() >= risen, "a claimed capacity lowered the price");
	});
}

/// A solver slashed below the minimum stake is offline: its capacity no longer counts.
#[test]
fn a_solver_below_the_minimum_stake_is_not_counted_online() {
	build_and_execute(|| {
		register(SOLVER, 1_000, HardwareClass::Cpu);
		let id = submit(100);
		run_to_block(2);
		assert_ok!(Compute::accept_task(RuntimeOrigin::signed(SOLVER), id));
		run_to_block(12);
		assert!(slashed(SOLVER));
		assert!(stake_held(SOLVER) < test_params().min_stake);
		assert_eq!(OnlineCapacityOf::<Test>::get().total(), 0);
	});
}

/// A submitter paying its own solver (a class only it serves) while nobody else works must lose
/// money, even counting the verifier share as its own (a colluding validator).
#[test]
fn self_dealing_for_mining_rewards_loses_money() {
	build_and_execute(|| {
		register(SOLVER, 1_000, HardwareClass::DatacenterGpu);
		let start = Balances::total_balance(&ATTACKER) + Balances::total_balance(&SOLVER);
		let id = submit_with(ATTACKER, program(10), HardwareClass::DatacenterGpu, 100);
		let fee = task(id).fee;
		run_to_block(2);
		assert_ok!(Compute::accept_task(RuntimeOrigin::signed(SOLVER), id));
		assert_ok!(Compute::submit_result(RuntimeOrigin::signed(SOLVER), id, result(10)));
		run_to_block(14);
		assert!(task(id).status.is_finished());
		run_to_block(100);
		// Everything the colluders hold now, the verifier share included.
		let verifier_share = test_params().verifier_share.mul_floor(fee);
		let end = Balances::total_balance(&ATTACKER) + Balances::total_balance(&SOLVER);
		// 80% back as the solver's reward, the 10% verifier share, and a mining reward capped at
		// 5% of the fee: 12,920 of 13,600.
		assert_eq!(end + verifier_share + fee - start, 12_920);
		assert!(
			end + verifier_share < start,
			"self-dealing paid: spent a fee of {fee}, got back {} (with the verifier share)",
			(end + verifier_share) as i128 - start as i128 + fee as i128,
		);
	});
}

/// A task nobody can serve (its dataset answers 404): every drawn solver declines it at no
/// cost and is paid 2% of the fee still held for its effort; after `max_declines` the
/// submitter gets the rest back. The set of solvers is not walked through, and nobody's
/// reputation drops.
#[test]
fn an_unservable_task_ends_refunded_after_max_declines_and_slashes_nobody() {
	build_and_execute(|| {
		let solvers = [1u64, 2, 3, 4, 5];
		for who in solvers {
			register(who, 1_000, HardwareClass::Cpu);
		}
		let id = submit(100);
		let mut decliners = Vec::new();
		for round in 0..3u64 {
			run_to_block(System::block_number() + 1);
			let TaskStatus::Assigned { solver, .. } = task(id).status else {
				panic!("round {round}: {:?}", task(id).status)
			};
			assert!(!decliners.contains(&solver), "a decliner is never drawn again");
			assert_ok!(Compute::decline_task(
				RuntimeOrigin::signed(solver),
				id,
				DeclineReason::DatasetUnreachable
			));
			decliners.push(solver);
		}
		// Fee 3,400: 2% of what is still held to each decliner in turn (68, 66, 65); 3,201 back
		// to the submitter.
		assert_eq!(
			task(id).status,
			TaskStatus::Refunded { cause: RefundCause::Unservable, at: System::block_number() }
		);
		for (who, paid) in decliners.iter().zip([68, 66, 65]) {
			assert_eq!(Balances::free_balance(who), INITIAL - STAKE + paid);
			System::assert_has_event(Event::DeclineCompensated { task: id, solver: *who, amount: paid }.into());
		}
		System::assert_has_event(
			Event::TaskRefunded { task: id, submitter: USER, amount: 3_201, cause: RefundCause::Unservable }
				.into(),
		);
		assert_eq!(Balances::free_balance(USER), INITIAL - DEPOSIT - 199);
		assert_eq!(fee_held(USER), 0);
		for who in solvers {
			let s = solver(who);
			assert_eq!((stake_held(who), s.reputation, s.active_tasks), (STAKE, s.reputation, 0));
			assert_eq!(s.reputation, test_params().initial_reputation);
		}
		assert!(!slashed(1) && !slashed(2) && !slashed(3));
	});
}

/// Cancelling a declined task and submitting it again does not dodge the compensation: each
/// decline was paid when it was made.
#[test]
fn cancelling_after_declines_does_not_dodge_their_compensation() {
	build_and_execute(|| {
		for who in [1u64, 2, 3] {
			register(who, 1_000, HardwareClass::Cpu);
		}
		let id = submit(100);
		run_to_block(2);
		let first = *task(id).status.working_solver().expect("assigned");
		assert_ok!(Compute::decline_task(RuntimeOrigin::signed(first), id, DeclineReason::RootMismatch));
		assert_ok!(Compute::cancel_task(RuntimeOrigin::signed(USER), id));
		assert_eq!(Balances::free_balance(first), INITIAL - STAKE + 68);
		System::assert_has_event(
			Event::TaskRefunded { task: id, submitter: USER, amount: 3_332, cause: RefundCause::Cancelled }
				.into(),
		);
	});
}

/// Declining is for the assigned solver, within the acceptance period, and excludes
/// accepting; the pool sees one answer per task.
#[test]
fn declining_is_for_the_assigned_solver_in_time() {
	build_and_execute(|| {
		register(SOLVER, 1_000, HardwareClass::Cpu);
		let id = submit(100);
		let decline = |who: u64| Compute::decline_task(RuntimeOrigin::signed(who), id, DeclineReason::RootMismatch);
		assert_noop!(
			Compute::decline_task(RuntimeOrigin::signed(SOLVER), id + 1, DeclineReason::RootMismatch),
			Error::<Test>::UnknownTask
		);
		assert_noop!(decline(SOLVER), Error::<Test>::NotAssigned);
		run_to_block(2);
		assert_noop!(decline(SOLVER_2), Error::<Test>::NotAssignedSolver);
		run_to_block(5);
		System::set_block_number(6);
		assert_noop!(decline(SOLVER), Error::<Test>::AcceptancePeriodOver);
		assert_noop!(
			Compute::accept_task(RuntimeOrigin::signed(SOLVER), id),
			Error::<Test>::AcceptancePeriodOver
		);
		System::set_block_number(5);
		assert_ok!(Compute::accept_task(RuntimeOrigin::signed(SOLVER), id));
		assert_noop!(decline(SOLVER), Error::<Test>::NotAssigned);
	});
}

/// A solver that lets the acceptance period pass loses reputation, not stake, and the task
/// moves on at once (not at the solver's deadline).
#[test]
fn silence_costs_reputation_and_moves_the_task_on() {
	build_and_execute(|| {
		register(SOLVER, 1_000, HardwareClass::Cpu);
		let id = submit(100);
		run_to_block(2);
		register(SOLVER_2, 1_000, HardwareClass::Cpu);
		run_to_block(5);
		assert!(matches!(task(id).status, TaskStatus::Assigned { solver: SOLVER, accept_by: 5, .. }));
		run_to_block(6);
		System::assert_has_event(
			Event::AnswerMissed { task: id, solver: SOLVER, reputation: Permill::from_percent(45) }.into(),
		);
		assert_eq!((stake_held(SOLVER), solver(SOLVER).active_tasks), (STAKE, 0));
		assert_eq!(
			task(id).excluded.into_inner(),
			vec![Exclusion { solver: SOLVER, cause: ExclusionCause::DidNotAnswer }]
		);
		run_to_block(7);
		assert!(matches!(task(id).status, TaskStatus::Assigned { solver: SOLVER_2, .. }));
	});
}

/// Squatting the agenda costs a deposit per wake-up a task may hold, for as long as it is kept,
/// and every slot a task held is gone once it ends.
#[test]
fn wake_ups_are_paid_for_and_freed() {
	build_and_execute(|| {
		register(SOLVER, 1_000, HardwareClass::Cpu);
		let id = submit(100);
		assert_eq!(deposit_held(USER), DEPOSIT);
		let live = || Agenda::<Test>::iter().filter(|((_, lane), t, _)| *lane == Lane::Live && *t == id).count();
		assert_eq!(live(), 1, "queued: its deadline");
		run_to_block(2);
		assert_eq!(live(), 3, "assigned: deadline, acceptance period, solver deadline");
		assert_ok!(Compute::accept_task(RuntimeOrigin::signed(SOLVER), id));
		assert_eq!(live(), 2, "running: deadline, solver deadline");
		assert_ok!(Compute::submit_result(RuntimeOrigin::signed(SOLVER), id, result(10)));
		assert_eq!(live(), 2, "submitted: the verifier draw and the window's end");
		run_to_block(3);
		assert_eq!(live(), 1, "drawn: the window's end");
		run_to_block(13);
		assert_eq!(live(), 0);
		assert_eq!(deposit_held(USER), DEPOSIT, "kept until the record is pruned");
		run_to_block(34);
		assert_eq!(deposit_held(USER), 0);
		assert_eq!(Agenda::<Test>::iter().count(), 0);
	});
}

// ---- capacity backed by stake ----

/// Capacity counts up to what the stake backs, follows the stake both ways and follows the
/// parameters when governance changes them.
#[test]
fn counted_capacity_follows_the_stake() {
	build_and_execute(|| {
		let mut params = test_params();
		params.stake_per_capacity = 10;
		assert_ok!(Compute::set_params(RuntimeOrigin::root(), params));
		register(SOLVER, u64::MAX, HardwareClass::Gpu);
		assert_eq!(OnlineCapacityOf::<Test>::get().total(), 100);
		assert_ok!(Compute::bond_extra(RuntimeOrigin::signed(SOLVER), 1_000));
		assert_eq!(OnlineCapacityOf::<Test>::get().total(), 200);
		assert_eq!(OnlineCapacityOf::<Test>::get().serving(HardwareClass::Gpu), 200);
		assert_eq!(OnlineCapacityOf::<Test>::get().serving(HardwareClass::DatacenterGpu), 0);
		params.stake_per_capacity = 1;
		assert_ok!(Compute::set_params(RuntimeOrigin::root(), params));
		assert_eq!(OnlineCapacityOf::<Test>::get().total(), 2_000);
		params.min_stake = 5_000;
		assert_ok!(Compute::set_params(RuntimeOrigin::root(), params));
		assert_eq!(OnlineCapacityOf::<Test>::get().total(), 0, "below the new minimum stake");
	});
}

// ---- randomness ----

/// Who is drawn for a task depends on randomness revealed after the block the task landed in:
/// with BABE-like randomness (the parent block's VRF output), a task submitted in block 1 is
/// not drawn with block 1's output (its author could have chosen the task) but with block 2's,
/// in block 3; and what the blocks after the submission bring changes who is drawn.
#[test]
fn the_solver_draw_uses_randomness_revealed_after_the_submission() {
	let drawn = |seed: u64| {
		let mut solver = None;
		new_test_ext().execute_with(|| {
			set_randomness_lag(1);
			for who in 1..=8u64 {
				register(who, 1_000, HardwareClass::Cpu);
			}
			let id = submit(100);
			set_vrf_seed(seed);
			run_to_block(2);
			assert!(matches!(task(id).status, TaskStatus::Queued { .. }), "not with block 1's output");
			run_to_block(3);
			solver = task(id).status.working_solver().copied();
		});
		solver.expect("drawn in block 3")
	};
	let solvers: std::collections::BTreeSet<u64> = (0..16).map(drawn).collect();
	assert!(solvers.len() > 2, "the draw is fixed at submission: {solvers:?}");
}

/// Verifiers and their segments are drawn on-chain after the result landed, from randomness
/// the solver could not know when it posted; a verifier may only reject inside its segment.
#[test]
fn verifiers_and_segments_are_drawn_after_the_result() {
	let drawn = |seed: u64| {
		let mut out = Vec::new();
		new_test_ext().execute_with(|| {
			set_validators((100..110).collect());
			set_randomness_lag(1);
			register(SOLVER, 1_000, HardwareClass::Cpu);
			let id = submit_with(USER, program(100), HardwareClass::Cpu, 200);
			run_to_block(3);
			assert_ok!(Compute::submit_result(RuntimeOrigin::signed(SOLVER), id, result(100)));
			set_vrf_seed(seed);
			run_to_block(4);
			assert!(matches!(task(id).status, TaskStatus::Submitted { draw_at: Some(5), .. }));
			assert!(verifiers_of(id).is_empty(), "not with the result block's output");
			run_to_block(5);
			let TaskStatus::Submitted { verifiers, draw_at: None, .. } = task(id).status else {
				panic!("drawn at 5")
			};
			for v in verifiers.iter() {
				assert_eq!(v.segment.to - v.segment.from, SEGMENT_STEPS);
				assert!(v.segment.to <= 100);
			}
			let v = verifiers[0].clone();
			let outside = if v.segment.from > 0 { v.segment.from } else { v.segment.to + 1 };
			assert_noop!(
				Compute::do_verdict(
					v.account,
					id,
					Verdict::Invalid { step: outside, hash: Default::default() }
				),
				Error::<Test>::OutsideSegment
			);
			out = verifiers.iter().map(|v| (v.account, v.segment.from)).collect::<Vec<_>>();
		});
		out
	};
	let draws: std::collections::BTreeSet<_> = (0..8).map(drawn).collect();
	assert!(draws.len() > 4, "the verifier draw is fixed when the result lands: {draws:?}");
}

// ---- locked funds ----

/// Funds locked by vesting (a lock, as `pallet-vesting` sets) cannot be held as a stake, a fee
/// or a deposit, not even once earlier holds cover the lock: holding ignores locks, and a payout
/// would move them to another account of the same owner before the cliff.
#[test]
fn locked_funds_cannot_be_staked_or_spent_on_fees() {
	use frame_support::traits::{LockableCurrency, WithdrawReasons};
	build_and_execute(|| {
		// Everything but 50,000 is locked until the cliff.
		for who in [SOLVER, USER] {
			Balances::set_lock(*b"vesting ", &who, INITIAL - 50_000, WithdrawReasons::all());
		}
		assert_noop!(
			Compute::register_solver(RuntimeOrigin::signed(SOLVER), 60_000, 1_000, HardwareClass::Cpu),
			Error::<Test>::InsufficientBalance
		);
		assert_ok!(Compute::register_solver(RuntimeOrigin::signed(SOLVER), 40_000, 1_000, HardwareClass::Cpu));
		// FRAME would now let the 40,000 held cover the lock and hold 20,000 more of it.
		assert_noop!(
			Compute::bond_extra(RuntimeOrigin::signed(SOLVER), 20_000),
			Error::<Test>::InsufficientBalance
		);
		assert_ok!(Compute::bond_extra(RuntimeOrigin::signed(SOLVER), 9_999));
		// A fee (68,000) above the liquid 50,000.
		let mut params = test_params();
		params.pricing.floor = 20;
		params.pricing.ceiling = 20;
		assert_ok!(Compute::set_params(RuntimeOrigin::root(), params));
		let big = |who| {
			Compute::submit_task(
				RuntimeOrigin::signed(who),
				program(10),
				dataset(),
				HardwareClass::Cpu,
				100,
				u64::MAX,
			)
		};
		assert_eq!(Compute::quote(&program(10), HardwareClass::Cpu).unwrap().fee, 68_000);
		assert_noop!(big(USER), Error::<Test>::InsufficientBalance);
		Balances::remove_lock(*b"vesting ", &USER);
		assert_ok!(big(USER));
	});
}

/// The vesting attack through a payout: FRAME counts held funds towards a lock, so with the fee
/// held on its own account a locked submitter could transfer as many locked tokens as the hold
/// covered, then have the fee paid to a solver account of its own, its total left below its
/// lock. With the fee in escrow, what a submitter can move is only what lies above its lock.
#[test]
fn a_locked_submitter_cannot_pay_its_locked_tokens_to_its_own_solver() {
	use frame_support::traits::{
		fungible::Mutate,
		tokens::{Fortitude, Preservation},
		LockableCurrency, WithdrawReasons,
	};
	build_and_execute(|| {
		// The attacker's own solver; its submitting account has 50,000 above its lock.
		register(SOLVER, 1_000, HardwareClass::Cpu);
		let lock = INITIAL - 50_000;
		Balances::set_lock(*b"vesting ", &USER, lock, WithdrawReasons::all());
		let id = submit(100);
		let fee = task(id).fee;
		let deposit = task(id).deposit;
		// Everything it can still move goes to another account of its own.
		let movable = Balances::reducible_balance(&USER, Preservation::Preserve, Fortitude::Polite);
		assert_eq!(movable, 50_000 - fee - deposit, "the fee and deposit left: they cover no lock");
		assert_ok!(<Balances as Mutate<u64>>::transfer(&USER, &ATTACKER, movable, Preservation::Preserve));
		// Its solver earns the fee.
		run_to_block(2);
		assert_ok!(Compute::accept_task(RuntimeOrigin::signed(SOLVER), id));
		assert_ok!(Compute::submit_result(RuntimeOrigin::signed(SOLVER), id, result(10)));
		run_to_block(100);
		assert!(Tasks::<Test>::get(id).is_none(), "paid out and pruned");
		assert!(
			Balances::total_balance(&USER) >= lock,
			"the lock is underwater by {}",
			lock - Balances::total_balance(&USER)
		);
	});
}

/// The same through a stake: while a stake covered part of a solver's lock, the solver could
/// move that part of its locked tokens elsewhere.
#[test]
fn a_locked_solvers_stake_does_not_free_its_locked_tokens() {
	use frame_support::traits::{
		tokens::{Fortitude, Preservation},
		LockableCurrency, WithdrawReasons,
	};
	build_and_execute(|| {
		Balances::set_lock(*b"vesting ", &SOLVER, INITIAL - 50_000, WithdrawReasons::all());
		assert_ok!(Compute::register_solver(RuntimeOrigin::signed(SOLVER), 40_000, 1_000, HardwareClass::Cpu));
		assert_eq!(
			Balances::reducible_balance(&SOLVER, Preservation::Preserve, Fortitude::Polite),
			10_000,
			"only what is above the lock and the stake can move"
		);
	});
}

// ---- lying for more than the stake ----

/// A solver with a thin stake wants a task whose fee is worth more than what a fraud proof
/// would slash, to post a made-up result and keep the difference. With the cover on, it is
/// never drawn for the task, however long the task waits; a solver whose stake covers twice
/// the fee takes it.
#[test]
fn a_thin_stake_is_never_drawn_for_a_fee_it_could_not_cover() {
	build_and_execute(|| {
		let mut params = Params::<Test>::get();
		params.stake_cover = 2;
		assert_ok!(Compute::set_params(RuntimeOrigin::root(), params));
		register(SOLVER, 1_000, HardwareClass::Cpu);
		// Fee 3,400 against a stake of 1,000: half the stake (500) is far below the fee.
		let id = submit(100);
		run_to_block(20);
		assert!(matches!(task(id).status, TaskStatus::Queued { .. }));
		assert_eq!(solver(SOLVER).open_fees, 0);
		assert_ok!(Compute::register_solver(
			RuntimeOrigin::signed(SOLVER_2),
			6_800,
			1_000,
			HardwareClass::Cpu
		));
		run_to_block(22);
		assert!(matches!(task(id).status, TaskStatus::Assigned { solver: SOLVER_2, .. }));
		assert_eq!(solver(SOLVER_2).open_fees, 3_400);
	});
}
