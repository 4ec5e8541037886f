//! The bisection game against the mock runtime, with the real engine: the challenger's leaves
//! are an honest run's; a lying solver's committed leaves differ from some step on. The
//! parent module's `run_to_block` and `build_and_execute` check every invariant (the bonds
//! held equal the open games' bonds, the market's, issuance) after every block and test.

use super::*;
use crate::game::{rounds, Party};
use frame_support::traits::fungible::InspectHold;

/// The challenger: an account with funds, not a validator.
const CHALLENGER: u64 = 6;
/// The mock's minimum bond (more than 5% of the fee of the short jobs).
const BOND: u64 = 1_000;

/// A solver that lies from step `k` on: it trains on from its wrong state, so every leaf from
/// `k` differs from the honest run's.
fn carried_lie(job: &Job, k: u32) -> Vec<Hash> {
	job.leaves
		.iter()
		.enumerate()
		.map(|(i, leaf)| {
			if i + 1 >= k as usize {
				blake2_256(&(b"lie", i as u32, *leaf).encode())
			} else {
				*leaf
			}
		})
		.collect()
}

fn root(leaves: &[Hash]) -> H256 {
	H256(merkle_root(leaves))
}

fn leaf(leaves: &[Hash], step: u32) -> Leaf {
	Leaf { hash: H256(leaves[step as usize - 1]), proof: merkle_proof(leaves, step - 1).unwrap() }
}

/// An opening over the whole trace with the challenger's `claim` leaves.
fn whole(claim: &[Hash]) -> Box<Opening> {
	let n = claim.len() as u32;
	Box::new(Opening {
		claim_root: root(claim),
		from: 0,
		to: n,
		from_leaf: None,
		from_trace_proof: None,
		claim_to: leaf(claim, n),
		solver_to: None,
	})
}

/// An opening over `(from, to]` with the proofs of both sides' leaves.
fn narrow(claim: &[Hash], solver: &[Hash], from: u32, to: u32) -> Box<Opening> {
	Box::new(Opening {
		claim_root: root(claim),
		from,
		to,
		from_leaf: (from > 0).then(|| leaf(claim, from)),
		from_trace_proof: (from > 0).then(|| merkle_proof(solver, from - 1).unwrap()),
		claim_to: leaf(claim, to),
		solver_to: Some(leaf(solver, to)),
	})
}

fn open(who: u64, id: TaskId, opening: Box<Opening>) -> GameId {
	let game = NextGameId::<Test>::get();
	assert_ok!(Disputes::open_game(RuntimeOrigin::signed(who), id, opening));
	game
}

fn info(game: GameId) -> GameInfo<u64, u64, u64> {
	Disputes::game_info(game).expect("the game is being played")
}

/// The referee move: the honest state before the one step left and its minibatch.
fn referee_move(job: &Job, step: u32) -> Move {
	let fraud = job.proof(&job.leaves, step);
	Move::Referee {
		max_cost: job.cost(),
		prior_state: fraud.prior_state,
		minibatch: fraud.minibatch,
		minibatch_proof: fraud.minibatch_proof,
	}
}

/// The due move of `game` and who makes it: the solver reveals from `solver`, the challenger
/// from `claim` (and makes the referee move from the honest run).
fn due_move(job: &Job, game: GameId, challenger: u64, solver: &[Hash], claim: &[Hash]) -> (u64, Move) {
	let i = info(game);
	match (i.due, i.due_step) {
		(Party::Solver, Some(k)) => (SOLVER, Move::Reveal(leaf(solver, k))),
		(Party::Challenger, Some(k)) => (challenger, Move::Reveal(leaf(claim, k))),
		(Party::Challenger, None) => (challenger, referee_move(job, i.record.state.to)),
		(Party::Solver, None) => panic!("the solver never makes the referee move"),
	}
}

/// Play the due move of `game`.
fn step(job: &Job, game: GameId, challenger: u64, solver: &[Hash], claim: &[Hash]) {
	let (who, mv) = due_move(job, game, challenger, solver, claim);
	assert_ok!(Disputes::play(RuntimeOrigin::signed(who), game, mv));
}

/// Play `game` to its end, both sides answering at once, one move per block; returns the
/// challenger's midpoint reveals (the bisection rounds).
fn play_out(job: &Job, game: GameId, challenger: u64, solver: &[Hash], claim: &[Hash]) -> u32 {
	let mut rounds = 0;
	while Games::<Test>::contains_key(game) {
		let i = info(game);
		if i.due == Party::Challenger && i.due_step.is_some() {
			rounds += 1;
		}
		step(job, game, challenger, solver, claim);
		run_to_block(System::block_number() + 1);
	}
	rounds
}

fn held_bonds() -> u64 {
	Balances::balance_on_hold(&HoldReason::GameBond.into(), &Compute::escrow_account())
}

fn ended(game: GameId) -> (Party, GameEnd) {
	System::events()
		.into_iter()
		.find_map(|r| match r.event {
			RuntimeEvent::Disputes(Event::GameEnded { game: g, winner, end, .. }) if g == game =>
				Some((winner, end)),
			_ => None,
		})
		.expect("the game ended")
}

/// A solver that lies from `lie` on and withholds everything is cornered in at most
/// `ceil(log2 N)` rounds and slashed; the challenger gets its bond back and the prover's share.
fn cornered(steps: u32, lie: u32) {
	build_and_execute(|| {
		let job = Job::new(steps);
		let lying = carried_lie(&job, lie);
		let id = post(&job, &lying, last_model(&job));
		let fee = fee_of(id);
		let (user, treasury, challenger) = (balance(USER), balance(TREASURY), balance(CHALLENGER));
		let bond = Disputes::bond_for(fee);
		assert_eq!(bond, (fee / 20).max(BOND), "the larger of the minimum and 5% of the fee");
		let game = open(CHALLENGER, id, whole(&job.leaves));
		assert_eq!(balance(CHALLENGER), challenger - bond);
		assert_eq!(held_bonds(), bond);
		let played = play_out(&job, game, CHALLENGER, &lying, &job.leaves);
		// At most ceil(log2 N) rounds; exactly that many for a lie at the last step, the
		// longest path (the midpoint rounds down).
		assert!(played <= rounds(steps), "steps {steps}, lie at {lie}: {played} rounds");
		if lie == steps {
			assert_eq!(played, rounds(steps), "steps {steps}, lie at the last step");
		}
		assert_eq!(ended(game), (Party::Challenger, GameEnd::Refereed(Fault::WrongState)));
		let slashed = STAKE / 2;
		System::assert_has_event(
			Event::FraudProven {
				task: id,
				solver: SOLVER,
				prover: CHALLENGER,
				step: lie,
				fault: Fault::WrongState,
				slashed,
				reward: slashed / 2,
				to_treasury: slashed / 2,
			}
			.into(),
		);
		assert_eq!(balance(CHALLENGER), challenger + slashed / 2, "bond back, and the reward");
		assert_eq!(balance(TREASURY), treasury + slashed / 2);
		assert_eq!(balance(USER), user + fee, "the submitter is refunded");
		assert_eq!(held_bonds(), 0);
		assert!(matches!(
			Tasks::<Test>::get(id).unwrap().status,
			TaskStatus::Refunded { cause: RefundCause::ResultDisproved, .. }
		));
	});
}

#[test]
fn a_withholding_liar_is_cornered_in_ceil_log2_rounds() {
	for (steps, lies) in [
		(1, vec![1]),
		(2, vec![1, 2]),
		(7, vec![1, 4, 7]),
		(1_500, vec![1, 750, 1_024, 1_025, 1_500]),
	] {
		for lie in lies {
			cornered(steps, lie);
		}
	}
}

#[test]
fn an_honest_solver_beats_a_false_challenger_and_is_paid() {
	build_and_execute(|| {
		let job = Job::new(7);
		let id = post(&job, &job.leaves, last_model(&job));
		let window_end = match Tasks::<Test>::get(id).unwrap().status {
			TaskStatus::Submitted { window_end, .. } => window_end,
			_ => unreachable!(),
		};
		let (solver, treasury) = (balance(SOLVER), balance(TREASURY));
		let challenger = balance(CHALLENGER);
		// The challenger claims the solver went wrong at step 3.
		let false_claim = carried_lie(&job, 3);
		let game = open(CHALLENGER, id, whole(&false_claim));
		play_out(&job, game, CHALLENGER, &job.leaves, &false_claim);
		// The referee's recomputation agrees with the solver.
		assert_eq!(ended(game), (Party::Solver, GameEnd::SolverRight));
		System::assert_has_event(
			Event::BondForfeited { game, to_solver: BOND / 2, to_treasury: BOND / 2 }.into(),
		);
		assert_eq!(balance(CHALLENGER), challenger - BOND);
		assert_eq!(balance(SOLVER), solver + BOND / 2);
		assert_eq!(balance(TREASURY), treasury + BOND / 2);
		// The game ended inside the window: the result is paid at its end, as usual.
		assert!(System::block_number() < window_end);
		run_to_block(window_end + 1);
		assert!(matches!(Tasks::<Test>::get(id).unwrap().status, TaskStatus::Finalized { .. }));
		let solver_row = pallet_compute::Solvers::<Test>::get(SOLVER).unwrap();
		assert_eq!(solver_row.stats.disputes_won, 1);
	});
}

#[test]
fn a_game_holds_the_payment_past_the_window_and_its_end_pays_at_once() {
	build_and_execute(|| {
		let job = Job::new(7);
		let id = post(&job, &job.leaves, last_model(&job));
		let window_end = match Tasks::<Test>::get(id).unwrap().status {
			TaskStatus::Submitted { window_end, .. } => window_end,
			_ => unreachable!(),
		};
		run_to_block(window_end - 1);
		let false_claim = carried_lie(&job, 7);
		let game = open(CHALLENGER, id, whole(&false_claim));
		// The solver answers; the challenger stalls until its clock runs out.
		step(&job, game, CHALLENGER, &job.leaves, &false_claim);
		let deadline = info(game).deadline;
		assert!(deadline > window_end);
		run_to_block(deadline);
		assert!(matches!(Tasks::<Test>::get(id).unwrap().status, TaskStatus::Submitted { .. }));
		run_to_block(deadline + 1);
		assert_eq!(ended(game), (Party::Solver, GameEnd::OutOfTime(Party::Challenger)));
		assert!(matches!(Tasks::<Test>::get(id).unwrap().status, TaskStatus::Finalized { .. }));
	});
}

/// Open a game on a lying solver's result over 7 steps and play `moves` moves honestly.
fn game_after(moves: u32) -> (Job, Vec<Hash>, TaskId, GameId) {
	let job = Job::new(7);
	let lying = carried_lie(&job, 3);
	let id = post(&job, &lying, last_model(&job));
	let game = open(CHALLENGER, id, whole(&job.leaves));
	for _ in 0..moves {
		step(&job, game, CHALLENGER, &lying, &job.leaves);
		run_to_block(System::block_number() + 1);
	}
	(job, lying, id, game)
}

#[test]
fn whoever_runs_out_of_time_loses_in_every_phase() {
	// 7 steps, lie at 3: end (solver), mid 3 (challenger), mid 3 (solver), mid 1 (challenger),
	// mid 1 (solver), mid 2 (challenger), mid 2 (solver), referee (challenger).
	for (moves, silent) in [
		(0, Party::Solver),
		(1, Party::Challenger),
		(2, Party::Solver),
		(7, Party::Challenger),
	] {
		for by_hook in [true, false] {
			build_and_execute(|| {
				let (job, lying, id, game) = game_after(moves);
				let i = info(game);
				assert_eq!(i.due, silent, "after {moves} moves");
				if moves == 7 {
					assert_eq!(i.due_step, None, "the referee move is due");
				}
				let deadline = i.deadline;
				run_to_block(deadline);
				// In the deadline's own block the move still counts, and nobody can settle.
				assert_noop!(
					Disputes::timeout(RuntimeOrigin::signed(PROVER), game),
					Error::<Test>::GameNotOver
				);
				if by_hook {
					run_to_block(deadline + 1);
				} else {
					// Anyone settles it in the first block it is over (before the hook runs).
					System::set_block_number(deadline + 1);
					let (who, mv) = due_move(&job, game, CHALLENGER, &lying, &job.leaves);
					assert_noop!(
						Disputes::play(RuntimeOrigin::signed(who), game, mv),
						Error::<Test>::OutOfTime
					);
					assert_ok!(Disputes::timeout(RuntimeOrigin::signed(PROVER), game));
				}
				let winner = match silent {
					Party::Solver => Party::Challenger,
					Party::Challenger => Party::Solver,
				};
				assert_eq!(ended(game), (winner, GameEnd::OutOfTime(silent)));
				let status = Tasks::<Test>::get(id).unwrap().status;
				match silent {
					Party::Solver => assert!(matches!(
						status,
						TaskStatus::Refunded { cause: RefundCause::ResultDisproved, .. }
					)),
					// The clocks outlast the mock's window: the result is paid at once.
					Party::Challenger =>
						assert!(matches!(status, TaskStatus::Finalized { .. }), "{status:?}"),
				}
				assert_eq!(held_bonds(), 0);
			});
		}
	}
}
