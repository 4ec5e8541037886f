//! The bisection game against the mock runtime, with the real engine: the challenger's leaves
//! are an honest run's; a lying solver's committed leaves differ from some step on. The
//! parent module's `run_to_block` and `build_and_execute` check every invariant (the bonds
//! held equal the open games' bonds, the market's, issuance) after every block and test.

use super::*;
use crate::game::{rounds, Party, Phase};
use frame_support::traits::fungible::InspectHold;
use sp_runtime::traits::Dispatchable;

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

/// The model move: the honest last state.
fn model_move(job: &Job) -> Move {
	Move::Model { last_state: BoundedVec::truncate_from(job.states.last().unwrap().encode()) }
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
fn due_move(
	job: &Job,
	game: GameId,
	challenger: u64,
	solver: &[Hash],
	claim: &[Hash],
) -> (u64, Move) {
	let i = info(game);
	match (i.due, i.due_step) {
		(Party::Solver, Some(k)) => (SOLVER, Move::Reveal(leaf(solver, k))),
		(Party::Challenger, Some(k)) => (challenger, Move::Reveal(leaf(claim, k))),
		(Party::Challenger, None) if i.record.state.phase == Phase::Model => {
			(challenger, model_move(job))
		},
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
			RuntimeEvent::Disputes(Event::GameEnded { game: g, winner, end, .. }) if g == game => {
				Some((winner, end))
			},
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
	for (moves, silent) in
		[(0, Party::Solver), (1, Party::Challenger), (2, Party::Solver), (7, Party::Challenger)]
	{
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
					Party::Challenger => {
						assert!(matches!(status, TaskStatus::Finalized { .. }), "{status:?}")
					},
				}
				assert_eq!(held_bonds(), 0);
			});
		}
	}
}

#[test]
fn openings_that_prove_nothing_in_dispute_are_refused() {
	build_and_execute(|| {
		let job = Job::new(7);
		let lying = job.lying_leaves(4);
		let id = post(&job, &lying, last_model(&job));
		let honest = &job.leaves;
		let o = RuntimeOrigin::signed(CHALLENGER);
		// Equal hashes at the end of the range.
		assert_noop!(
			Disputes::open_game(o.clone(), id, narrow(honest, &lying, 5, 7)),
			Error::<Test>::NoDisagreement
		);
		// A narrow range must show the solver's leaf at its end.
		let mut no_end = narrow(honest, &lying, 3, 4);
		no_end.solver_to = None;
		assert_noop!(Disputes::open_game(o.clone(), id, no_end), Error::<Test>::BadRange);
		// Or its agreed leaf, proven in both roots.
		let mut no_from = narrow(honest, &lying, 3, 4);
		no_from.from_trace_proof = None;
		assert_noop!(Disputes::open_game(o.clone(), id, no_from), Error::<Test>::BadRange);
		// A leaf `from` the solver does not have.
		assert_noop!(
			Disputes::open_game(o.clone(), id, narrow(honest, &lying, 4, 5)),
			Error::<Test>::LeafNotCommitted
		);
		// Empty or out-of-trace ranges.
		let mut empty = whole(honest);
		empty.from = 7;
		assert_noop!(Disputes::open_game(o.clone(), id, empty), Error::<Test>::BadRange);
		let mut beyond = whole(honest);
		beyond.to = 8;
		assert_noop!(Disputes::open_game(o.clone(), id, beyond), Error::<Test>::BadRange);
		// A claim leaf not in the claim root.
		let mut forged = whole(honest);
		forged.claim_to.hash = H256::repeat_byte(1);
		assert_noop!(Disputes::open_game(o.clone(), id, forged), Error::<Test>::ClaimNotCommitted);
		// A solver leaf not in its trace.
		let mut wrong = narrow(honest, &lying, 3, 4);
		wrong.solver_to = Some(leaf(honest, 4));
		assert_noop!(Disputes::open_game(o.clone(), id, wrong), Error::<Test>::LeafNotCommitted);
		// The narrow range that isolates the lie opens, and is refereed at once.
		let game = open(CHALLENGER, id, narrow(honest, &lying, 3, 4));
		assert_eq!(info(game).due_step, None);
		assert_ok!(Disputes::play(o, game, referee_move(&job, 4)));
		assert_eq!(ended(game), (Party::Challenger, GameEnd::Refereed(Fault::WrongState)));
	});
}

#[test]
fn a_single_wrong_leaf_is_only_caught_through_a_narrow_opening() {
	build_and_execute(|| {
		// The solver commits one wrong hash at step 4 and trains on honestly: its last leaf and
		// its model are right, so a whole-trace game fails at its end.
		let job = Job::new(7);
		let lying = job.lying_leaves(4);
		let id = post(&job, &lying, last_model(&job));
		let game = open(CHALLENGER, id, whole(&job.leaves));
		step(&job, game, CHALLENGER, &lying, &job.leaves);
		assert_eq!(info(game).record.state.phase, Phase::Model);
		step(&job, game, CHALLENGER, &lying, &job.leaves);
		assert_eq!(ended(game), (Party::Solver, GameEnd::SameEnd));
		// The range (3, 4] (or (2, 4], bisected) catches it.
		let game = open(CHALLENGER, id, narrow(&job.leaves, &lying, 2, 4));
		assert_eq!(play_out(&job, game, CHALLENGER, &lying, &job.leaves), 1);
		assert_eq!(ended(game), (Party::Challenger, GameEnd::Refereed(Fault::WrongState)));
	});
}

/// A solver that trains honestly but posts another model (and withholds its trace, so no
/// model proof can be built) must not win a game on its honest last leaf: the challenger shows
/// the last state, and the referee compares its model with the posted one.
#[test]
fn an_honest_trace_with_a_wrong_model_is_convicted_in_the_model_phase() {
	build_and_execute(|| {
		let job = Job::new(7);
		let id = post(&job, &job.leaves, [0xab; 32]);
		let challenger = balance(CHALLENGER);
		let game = open(CHALLENGER, id, whole(&job.leaves));
		step(&job, game, CHALLENGER, &job.leaves, &job.leaves);
		let i = info(game);
		assert_eq!(
			(i.record.state.phase, i.due, i.due_step),
			(Phase::Model, Party::Challenger, None)
		);
		// Only the state that hashes to the agreed leaf counts, and only from the challenger.
		let (_, right) = due_move(&job, game, CHALLENGER, &job.leaves, &job.leaves);
		assert_noop!(
			Disputes::play(RuntimeOrigin::signed(SOLVER), game, right.clone()),
			Error::<Test>::NotDue
		);
		let other = Move::Model { last_state: BoundedVec::truncate_from(job.states[6].encode()) };
		assert_noop!(
			Disputes::play(RuntimeOrigin::signed(CHALLENGER), game, other),
			Error::<Test>::LastStateNotCommitted
		);
		assert_noop!(
			Disputes::play(RuntimeOrigin::signed(CHALLENGER), game, referee_move(&job, 7)),
			Error::<Test>::NotDue
		);
		assert_ok!(Disputes::play(RuntimeOrigin::signed(CHALLENGER), game, right));
		assert_eq!(ended(game), (Party::Challenger, GameEnd::Refereed(Fault::WrongModel)));
		System::assert_has_event(
			Event::FraudProven {
				task: id,
				solver: SOLVER,
				prover: CHALLENGER,
				step: 0,
				fault: Fault::WrongModel,
				slashed: STAKE / 2,
				reward: STAKE / 4,
				to_treasury: STAKE / 4,
			}
			.into(),
		);
		assert_eq!(balance(CHALLENGER), challenger + STAKE / 4);
	});
	// A challenger that does not show the last state runs out of time and loses.
	build_and_execute(|| {
		let job = Job::new(7);
		let id = post(&job, &job.leaves, [0xab; 32]);
		let game = open(CHALLENGER, id, whole(&job.leaves));
		step(&job, game, CHALLENGER, &job.leaves, &job.leaves);
		run_to_block(info(game).deadline + 1);
		assert_eq!(ended(game), (Party::Solver, GameEnd::OutOfTime(Party::Challenger)));
	});
}

#[test]
fn late_opens_and_poor_challengers_are_refused() {
	build_and_execute(|| {
		let job = Job::new(7);
		let lying = carried_lie(&job, 2);
		let id = post(&job, &lying, last_model(&job));
		let window_end = match Tasks::<Test>::get(id).unwrap().status {
			TaskStatus::Submitted { window_end, .. } => window_end,
			_ => unreachable!(),
		};
		// Liquid funds only: what a lock or freeze covers, and the existential deposit, stay.
		let poor = 15;
		<Balances as frame_support::traits::LockableCurrency<u64>>::set_lock(
			*b"vesting ",
			&poor,
			INITIAL - BOND + 1,
			frame_support::traits::WithdrawReasons::all(),
		);
		assert_noop!(
			Disputes::open_game(RuntimeOrigin::signed(poor), id, whole(&job.leaves)),
			Error::<Test>::InsufficientBalance
		);
		let broke = 16;
		assert_ok!(Balances::transfer_allow_death(
			RuntimeOrigin::signed(broke),
			USER,
			INITIAL - BOND
		));
		// The existential deposit stays too.
		assert_noop!(
			Disputes::open_game(RuntimeOrigin::signed(broke), id, whole(&job.leaves)),
			Error::<Test>::InsufficientBalance
		);
		// Inside the window's last block a game still opens; after it, none.
		run_to_block(window_end);
		open(CHALLENGER, id, whole(&job.leaves));
		run_to_block(window_end + 1);
		assert_noop!(
			Disputes::open_game(RuntimeOrigin::signed(PROVER), id, whole(&job.leaves)),
			Error::<Test>::NotDisputable
		);
		// Nor on a task that does not exist.
		assert_noop!(
			Disputes::open_game(RuntimeOrigin::signed(PROVER), id + 1, whole(&job.leaves)),
			Error::<Test>::NotDisputable
		);
	});
}

#[test]
fn only_the_due_party_moves_once_per_due_move() {
	build_and_execute(|| {
		let (job, lying, _, game) = game_after(0);
		let honest = job.leaves.clone();
		let end = Move::Reveal(leaf(&lying, 7));
		// Neither party: refused; the challenger, out of turn: refused.
		assert_noop!(
			Disputes::play(RuntimeOrigin::signed(PROVER), game, end.clone()),
			Error::<Test>::NotAParty
		);
		assert_noop!(
			Disputes::play(RuntimeOrigin::signed(CHALLENGER), game, Move::Reveal(leaf(&honest, 7))),
			Error::<Test>::NotDue
		);
		// The solver cannot reveal what its trace does not hold.
		assert_noop!(
			Disputes::play(RuntimeOrigin::signed(SOLVER), game, Move::Reveal(leaf(&honest, 7))),
			Error::<Test>::LeafNotCommitted
		);
		// Nor the referee move, which is the challenger's.
		assert_noop!(
			Disputes::play(RuntimeOrigin::signed(SOLVER), game, referee_move(&job, 7)),
			Error::<Test>::NotDue
		);
		assert_ok!(Disputes::play(RuntimeOrigin::signed(SOLVER), game, end.clone()));
		// The same move again: no longer due.
		assert_noop!(
			Disputes::play(RuntimeOrigin::signed(SOLVER), game, end),
			Error::<Test>::NotDue
		);
		// The challenger's midpoint (leaf 3), from its own root only.
		assert_noop!(
			Disputes::play(RuntimeOrigin::signed(CHALLENGER), game, Move::Reveal(leaf(&lying, 3))),
			Error::<Test>::ClaimNotCommitted
		);
		assert_noop!(
			Disputes::play(RuntimeOrigin::signed(CHALLENGER), game, referee_move(&job, 3)),
			Error::<Test>::NotDue
		);
		assert_ok!(Disputes::play(
			RuntimeOrigin::signed(CHALLENGER),
			game,
			Move::Reveal(leaf(&honest, 3))
		));
		let i = info(game);
		assert_eq!((i.due, i.due_step, i.record.moves), (Party::Solver, Some(3), 2));
		// A referee move with a state that is not the agreed one proves nothing and changes
		// nothing.
		let (job, lying, _, game) = (job, lying, (), game);
		while info(game).due_step.is_some() {
			step(&job, game, CHALLENGER, &lying, &honest);
		}
		let to = info(game).record.state.to;
		assert_eq!(to, 3, "the lie is at step 3");
		let Move::Referee { max_cost, minibatch, minibatch_proof, .. } = referee_move(&job, to)
		else {
			unreachable!()
		};
		let wrong_prior = Move::Referee {
			max_cost,
			prior_state: BoundedVec::truncate_from(job.states[0].encode()),
			minibatch: minibatch.clone(),
			minibatch_proof: minibatch_proof.clone(),
		};
		assert_noop!(
			Disputes::play(RuntimeOrigin::signed(CHALLENGER), game, wrong_prior),
			Error::<Test>::PriorStateNotCommitted
		);
		let cheap = Move::Referee {
			max_cost: max_cost - 1,
			prior_state: BoundedVec::truncate_from(job.states[2].encode()),
			minibatch,
			minibatch_proof,
		};
		assert_noop!(
			Disputes::play(RuntimeOrigin::signed(CHALLENGER), game, cheap),
			Error::<Test>::CostNotCovered
		);
		assert_ok!(Disputes::play(RuntimeOrigin::signed(CHALLENGER), game, referee_move(&job, 3)));
		assert_eq!(ended(game), (Party::Challenger, GameEnd::Refereed(Fault::WrongState)));
	});
}

#[test]
fn two_games_on_one_result_hold_it_until_both_end() {
	build_and_execute(|| {
		let job = Job::new(7);
		let id = post(&job, &job.leaves, last_model(&job));
		let window_end = match Tasks::<Test>::get(id).unwrap().status {
			TaskStatus::Submitted { window_end, .. } => window_end,
			_ => unreachable!(),
		};
		let (claim_a, claim_b) = (carried_lie(&job, 2), carried_lie(&job, 6));
		let a = open(CHALLENGER, id, whole(&claim_a));
		let b = open(PROVER, id, whole(&claim_b));
		let mut games = Disputes::games_of(id);
		games.sort();
		assert_eq!(games, vec![a, b]);
		assert_eq!(held_bonds(), 2 * BOND);
		// A plays out and loses before the window ends; B stalls past it.
		play_out(&job, a, CHALLENGER, &job.leaves, &claim_a);
		step(&job, b, PROVER, &job.leaves, &claim_b);
		let deadline = info(b).deadline;
		run_to_block(window_end + 1);
		assert!(matches!(Tasks::<Test>::get(id).unwrap().status, TaskStatus::Submitted { .. }));
		run_to_block(deadline + 1);
		assert_eq!(ended(b), (Party::Solver, GameEnd::OutOfTime(Party::Challenger)));
		assert!(matches!(Tasks::<Test>::get(id).unwrap().status, TaskStatus::Finalized { .. }));
		assert_eq!(pallet_compute::Solvers::<Test>::get(SOLVER).unwrap().stats.disputes_won, 1);
	});
}

#[test]
fn a_lost_result_makes_its_other_games_moot_and_their_bonds_go_back() {
	for by_proof in [false, true] {
		build_and_execute(|| {
			let job = Job::new(7);
			let lying = carried_lie(&job, 5);
			let id = post(&job, &lying, last_model(&job));
			let a = open(CHALLENGER, id, whole(&job.leaves));
			let b = open(PROVER, id, whole(&job.leaves));
			let c = open(USER, id, whole(&job.leaves));
			let prover = balance(PROVER);
			if by_proof {
				// A one-shot fraud proof settles the result under the games.
				assert_ok!(Disputes::prove_fraud(
					RuntimeOrigin::signed(7),
					id,
					job.cost(),
					job.proof(&lying, 5)
				));
			} else {
				play_out(&job, a, CHALLENGER, &lying, &job.leaves);
				assert_eq!(ended(a), (Party::Challenger, GameEnd::Refereed(Fault::WrongState)));
			}
			let i = info(b);
			assert!(i.moot);
			// A moot game takes no moves; anyone settles it at once, or the hook at its expiry.
			let (who, mv) = due_move(&job, b, PROVER, &lying, &job.leaves);
			assert_noop!(
				Disputes::play(RuntimeOrigin::signed(who), b, mv),
				Error::<Test>::GameMoot
			);
			assert_ok!(Disputes::timeout(RuntimeOrigin::signed(SOLVER), b));
			assert_eq!(ended(b), (Party::Challenger, GameEnd::Moot));
			assert_eq!(balance(PROVER), prover + BOND);
			let expiry = info(c).deadline + 1;
			let expiry_a = Disputes::game_info(a).map(|i| i.deadline + 1);
			run_to_block(expiry.max(expiry_a.unwrap_or_default()));
			assert_eq!(ended(c), (Party::Challenger, GameEnd::Moot));
			if by_proof {
				assert_eq!(ended(a), (Party::Challenger, GameEnd::Moot));
			}
			assert_eq!(held_bonds(), 0);
			assert_eq!(Games::<Test>::count(), 0);
		});
	}
}

#[test]
fn a_solver_challenging_itself_earns_nothing() {
	build_and_execute(|| {
		let job = Job::new(7);
		let lying = carried_lie(&job, 3);
		let id = post(&job, &lying, last_model(&job));
		let solver = balance(SOLVER);
		let game = open(SOLVER, id, whole(&job.leaves));
		play_out(&job, game, SOLVER, &lying, &job.leaves);
		assert_eq!(ended(game), (Party::Challenger, GameEnd::Refereed(Fault::WrongState)));
		// Its bond back, no share of its own slash.
		assert_eq!(balance(SOLVER), solver);
	});
}

#[test]
fn the_agenda_settles_a_bounded_number_per_block_and_catches_up() {
	build_and_execute(|| {
		let job = Job::new(7);
		let id = post(&job, &job.leaves, last_model(&job));
		let claim = carried_lie(&job, 7);
		// Seven games expire in the same block; three are settled per block.
		let games: Vec<_> = (1..=7).map(|who| open(who + 1, id, whole(&claim))).collect();
		let expiry = info(games[0]).deadline + 1;
		assert!(games.iter().all(|g| info(*g).deadline + 1 == expiry));
		run_to_block(expiry);
		assert_eq!(Games::<Test>::count(), 4);
		run_to_block(expiry + 1);
		assert_eq!(Games::<Test>::count(), 1);
		run_to_block(expiry + 2);
		assert_eq!(Games::<Test>::count(), 0);
		// The solver ran out of time in every game: the first settled convicted it, the others
		// were moot.
		let ends: Vec<_> = games.iter().map(|g| ended(*g)).collect();
		let lost = (Party::Challenger, GameEnd::OutOfTime(Party::Solver));
		assert_eq!(ends.iter().filter(|e| **e == lost).count(), 1);
		assert_eq!(ends.iter().filter(|e| **e == (Party::Challenger, GameEnd::Moot)).count(), 6);
		assert_eq!(ExpiryCursor::<Test>::get(), expiry + 3);
	});
}

#[test]
fn game_parameters_are_governed_and_validated() {
	build_and_execute(|| {
		let mut params = GameParameters::<Test>::get();
		params.clock = (crate::MIN_CLOCK - 1) as u64;
		assert_noop!(
			Disputes::set_game_params(RuntimeOrigin::root(), params),
			Error::<Test>::BadGameParams
		);
		params.clock = 100;
		params.bond_min = 0;
		assert_noop!(
			Disputes::set_game_params(RuntimeOrigin::root(), params),
			Error::<Test>::BadGameParams
		);
		params.bond_min = 5;
		assert_noop!(
			Disputes::set_game_params(RuntimeOrigin::signed(1), params),
			sp_runtime::DispatchError::BadOrigin
		);
		assert_ok!(Disputes::set_game_params(RuntimeOrigin::root(), params));
		assert_eq!(GameParameters::<Test>::get(), params);
	});
}

fn action(key: u64, action: GameAction) -> RuntimeCall {
	let signed = SignedGameAction { key: UintAuthorityId(key), action };
	let signature = UintAuthorityId(key).sign(&Disputes::action_payload(&signed)).unwrap();
	RuntimeCall::Disputes(Call::act { action: signed, signature })
}

fn admitted(call: &RuntimeCall) -> bool {
	call.authorize(TransactionSource::External).unwrap().is_ok()
}

fn dispatch(
	call: RuntimeCall,
) -> sp_runtime::DispatchResultWithInfo<frame_support::dispatch::PostDispatchInfo> {
	call.dispatch(frame_system::RawOrigin::Authorized.into())
}

/// The fee-free move due in `game` now, signed by `key`.
fn fee_free(job: &Job, game: GameId, key: u64, solver: &[Hash], claim: &[Hash]) -> RuntimeCall {
	let (_, mv) = due_move(job, game, key, solver, claim);
	action(key, GameAction::Play { game, moves: info(game).record.moves, mv })
}

#[test]
fn a_drawn_verifier_and_the_solver_play_fee_free_once_per_due_move() {
	build_and_execute(|| {
		let job = Job::new(7);
		let lying = carried_lie(&job, 6);
		let id = post(&job, &lying, last_model(&job));
		let drawn: Vec<u64> = verifiers(id).into_iter().map(|v| v.account).collect();
		let outsider = VALIDATORS.iter().copied().find(|v| !drawn.contains(v)).unwrap();
		let verifier = drawn[0];
		let open_by =
			|key| action(key, GameAction::Open { task: id, opening: *whole(&job.leaves) });
		// A validator not drawn for the task, or an ordinary account: refused by the pool.
		assert!(!admitted(&open_by(outsider)));
		assert!(!admitted(&open_by(CHALLENGER)));
		assert_noop!(dispatch(open_by(outsider)).map_err(|e| e.error), Error::<Test>::NotAVerifier);
		// A forged signature: refused.
		let RuntimeCall::Disputes(Call::act { action: signed, .. }) = open_by(verifier) else {
			unreachable!()
		};
		let forged = RuntimeCall::Disputes(Call::act {
			action: signed,
			signature: UintAuthorityId(outsider).sign(&b"x".to_vec()).unwrap(),
		});
		assert!(!admitted(&forged));
		// An opening that proves nothing in dispute: refused before it costs a block anything.
		let mut equal = whole(&lying);
		equal.solver_to = Some(leaf(&lying, 7));
		assert!(!admitted(&action(verifier, GameAction::Open { task: id, opening: *equal })));
		// The drawn verifier opens, fee-free, bonding from its validator account.
		let before = balance(verifier);
		let call = open_by(verifier);
		let replayed = call.clone();
		assert!(admitted(&call));
		let game = NextGameId::<Test>::get();
		assert_eq!(dispatch(call).unwrap().pays_fee, Pays::No);
		assert_eq!(balance(verifier), before - BOND);
		assert_eq!(info(game).record.challenger, verifier);
		// Once per task while its game runs.
		assert!(!admitted(&open_by(verifier)));
		// Each move: the solver with its own key, the verifier with its `compute` key; never
		// the other's, never an outdated one, never twice.
		while Games::<Test>::contains_key(game) {
			let i = info(game);
			let (key, other) = match i.due {
				Party::Solver => (SOLVER, verifier),
				Party::Challenger => (verifier, SOLVER),
			};
			assert!(!admitted(&fee_free(&job, game, other, &lying, &job.leaves)));
			let call = fee_free(&job, game, key, &lying, &job.leaves);
			assert!(admitted(&call), "move {} by {key}", i.record.moves);
			let again = call.clone();
			assert_eq!(dispatch(call).unwrap().pays_fee, Pays::No);
			if Games::<Test>::contains_key(game) {
				assert!(!admitted(&again));
				assert_noop!(dispatch(again).map_err(|e| e.error), Error::<Test>::StaleMove);
			}
			run_to_block(System::block_number() + 1);
		}
		assert_eq!(ended(game), (Party::Challenger, GameEnd::Refereed(Fault::WrongState)));
		assert_eq!(balance(verifier), before + STAKE / 4, "its bond back and the reward");
		// The result is disproved: nothing opens on it any more.
		assert!(!admitted(&replayed));
		assert_noop!(dispatch(replayed).map_err(|e| e.error), Error::<Test>::NotDisputable);
		assert!(VerifierOpened::<Test>::iter_prefix(id).next().is_none(), "its marks go");
	});
}

/// A verifier's fee-free opening is one per task, ever: a verifier that lost its game inside the
/// window cannot be bonded again by anyone sending its signed opening anew. Its mark goes when
/// a game of its ends after the window.
#[test]
fn a_verifier_opens_one_fee_free_game_per_task() {
	build_and_execute(|| {
		let job = Job::new(7);
		let id = post(&job, &job.leaves, last_model(&job));
		let verifier = verifiers(id)[0].account;
		let false_claim = carried_lie(&job, 5);
		let call = action(verifier, GameAction::Open { task: id, opening: *whole(&false_claim) });
		let replayed = call.clone();
		let game = NextGameId::<Test>::get();
		assert_ok!(dispatch(call));
		assert!(VerifierOpened::<Test>::contains_key(id, verifier));
		play_out(&job, game, verifier, &job.leaves, &false_claim);
		assert_eq!(ended(game), (Party::Solver, GameEnd::SolverRight));
		let window_end = match Tasks::<Test>::get(id).unwrap().status {
			TaskStatus::Submitted { window_end, .. } => window_end,
			_ => unreachable!(),
		};
		assert!(System::block_number() <= window_end);
		let before = balance(verifier);
		assert!(!admitted(&replayed));
		assert_noop!(dispatch(replayed).map_err(|e| e.error), Error::<Test>::AlreadyOpened);
		assert_eq!(balance(verifier), before);
		// A signed game of its own is still its right, and its end after the window clears the
		// mark.
		let game = open(verifier, id, whole(&false_claim));
		run_to_block(window_end + 1);
		play_out(&job, game, verifier, &job.leaves, &false_claim);
		assert!(!VerifierOpened::<Test>::contains_key(id, verifier));
	});
}

#[test]
fn fee_free_referee_moves_carry_exactly_the_programs_shape() {
	build_and_execute(|| {
		let job = Job::new(7);
		let lying = carried_lie(&job, 6);
		let id = post(&job, &lying, last_model(&job));
		let verifier = verifiers(id)[0].account;
		assert_ok!(dispatch(action(
			verifier,
			GameAction::Open { task: id, opening: *narrow(&job.leaves, &lying, 5, 6) }
		)));
		let game = NextGameId::<Test>::get() - 1;
		let Move::Referee { max_cost, prior_state, minibatch, minibatch_proof } =
			referee_move(&job, 6)
		else {
			unreachable!()
		};
		let play = |mv| action(verifier, GameAction::Play { game, moves: 0, mv });
		let overpaid = Move::Referee {
			max_cost: max_cost + 1,
			prior_state: prior_state.clone(),
			minibatch: minibatch.clone(),
			minibatch_proof: minibatch_proof.clone(),
		};
		assert!(!admitted(&play(overpaid.clone())));
		assert_noop!(
			dispatch(play(overpaid)).map_err(|e| e.error),
			Error::<Test>::NotTheProgramsShape
		);
		let mut padded = minibatch.clone();
		padded.try_push(0).unwrap();
		assert!(!admitted(&play(Move::Referee {
			max_cost,
			prior_state: prior_state.clone(),
			minibatch: padded,
			minibatch_proof: minibatch_proof.clone(),
		})));
		// A state of the right shape that is not the agreed one.
		assert!(!admitted(&play(Move::Referee {
			max_cost,
			prior_state: BoundedVec::truncate_from(job.states[4].encode()),
			minibatch: minibatch.clone(),
			minibatch_proof: minibatch_proof.clone(),
		})));
		let good = play(Move::Referee { max_cost, prior_state, minibatch, minibatch_proof });
		assert!(admitted(&good));
		assert_ok!(dispatch(good));
		assert_eq!(ended(game), (Party::Challenger, GameEnd::Refereed(Fault::WrongState)));
	});
}
