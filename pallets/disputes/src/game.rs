//! The bisection game of "Verification disputes II" as a pure state machine: no storage, no
//! funds, no proofs. The pallet checks each revealed hash against the revealing party's root at
//! the step [`Game::due_step`] names, then hands it here; this module decides whose move is due,
//! charges the chess clocks, halves the range and says when the referee must decide the one step
//! left (with `aichain_engine::referee::referee_transition`).
//!
//! A game is over a range of leaves `(from, to]` of a `steps`-step trace, leaf `i` being the
//! state hash after step `i` (leaf 0, the program's initial state, is agreed by construction).
//! Both sides agree on leaf `from` and differ on leaf `to`:
//!
//! 1. **End** ([`Phase::SolverEnd`]): unless the solver's leaf `to` was proven at the opening,
//!    the solver reveals it. Equal to the challenger's, the challenge fails at once, unless it
//!    is the trace's last leaf: then the model is in dispute ([`Phase::Model`]), and the
//!    challenger shows the last state for the referee to compare its model with the posted one.
//! 2. **Bisection**: while `to − from > 1`, the challenger reveals its leaf at the midpoint
//!    ([`Phase::ChallengerMid`]), then the solver its own ([`Phase::SolverMid`]). Equal: the
//!    range becomes `(mid, to]`; different: `(from, mid]`. After `ceil(log2(to − from))` rounds
//!    one step is left.
//! 3. **Referee** ([`Phase::Referee`]): the challenger hands over the agreed state before step
//!    `to` and minibatch `to`; the referee recomputes the step and compares it with the solver's
//!    leaf `to`. Recomputed equal, the solver is right.
//!
//! **Chess clocks**: each party has a budget of blocks that runs only while its move is due. A
//! move is in time up to and including the block its clock runs out in; after that the party
//! whose move is due has lost ([`Game::expired`]). Only one clock runs at a time, and a move in
//! the very block the clock ends in counts, so a tie goes to the mover; the referee phase is the
//! challenger's, and a recomputation that matches the solver's leaf is the challenger's loss.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::H256;
use sp_runtime::traits::AtLeast32BitUnsigned;

/// A party to a game.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub enum Party {
	/// Whoever opened the game (and bonded for it).
	Challenger,
	/// The solver whose result is challenged.
	Solver,
}

/// The move a game waits for.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub enum Phase {
	/// The solver reveals its leaf `to`.
	SolverEnd,
	/// The challenger reveals its leaf at the midpoint.
	ChallengerMid,
	/// The solver reveals its leaf at the midpoint; the challenger's is `claim`.
	SolverMid {
		/// The challenger's leaf at the midpoint.
		claim: H256,
	},
	/// One step is left: the challenger hands the referee the agreed state and the minibatch.
	Referee,
	/// The solver's last leaf equals the challenger's: the challenger shows the state it hashes
	/// to, and the referee compares that state's model with the posted model hash. (A solver
	/// that trained honestly but posted another model must not win on its last leaf.)
	Model,
}

/// Each party's blocks left.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub struct Clocks<BlockNumber> {
	/// The challenger's.
	pub challenger: BlockNumber,
	/// The solver's.
	pub solver: BlockNumber,
}

/// Where a game stands.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub struct Game<BlockNumber> {
	/// The last leaf both sides agree on (0: the initial state).
	pub from: u32,
	/// Its hash (unused for leaf 0).
	pub from_hash: H256,
	/// The first leaf of the range they differ on.
	pub to: u32,
	/// The challenger's leaf `to`.
	pub claim_to: H256,
	/// The solver's leaf `to`, once proven.
	pub solver_to: Option<H256>,
	/// Steps of the trace (leaf `steps` is the last state, whose model the result posts).
	pub steps: u32,
	/// The move due.
	pub phase: Phase,
	/// Blocks left on each clock.
	pub clocks: Clocks<BlockNumber>,
	/// The block the due move became due in.
	pub since: BlockNumber,
}

/// Why a game cannot open.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum OpenError {
	/// The range is empty, or reaches beyond the trace.
	BadRange,
	/// The solver's leaf `to` equals the challenger's: nothing is in dispute.
	NoDisagreement,
}

/// Why a move is refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum MoveError {
	/// It is not this party's move, or not this kind of move.
	NotDue,
	/// The party's clock ran out; the game is lost (see [`Game::expired`]).
	OutOfTime,
}

/// What a reveal did.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Revealed {
	/// The game goes on; see [`Game::phase`].
	Continue,
	/// The solver's leaf `to` equals the challenger's: the challenge fails.
	ChallengeFails,
}

/// The step the referee must decide, with both of its ends.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct RefereeCase {
	/// The step (`to`).
	pub step: u32,
	/// The agreed hash before it (meaningless for step 1, which starts from the initial state).
	pub prior: H256,
	/// The solver's leaf after it.
	pub leaf: H256,
}

/// The range a game opens over, as the opening proved it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Range {
	/// The last leaf both sides have (0: the initial state).
	pub from: u32,
	/// Its hash, proven in both roots (anything for leaf 0).
	pub from_hash: H256,
	/// The leaf they differ on.
	pub to: u32,
	/// The challenger's leaf `to`, proven in its root.
	pub claim_to: H256,
	/// The solver's leaf `to`, if the opening proved it (otherwise the solver reveals it
	/// first).
	pub solver_to: Option<H256>,
}

/// How many bisection rounds a range of `len` steps takes: `ceil(log2(len))`.
pub fn rounds(len: u32) -> u32 {
	match len {
		0 | 1 => 0,
		n => u32::BITS.saturating_sub(n.saturating_sub(1).leading_zeros()),
	}
}

impl<BlockNumber: AtLeast32BitUnsigned + Copy> Game<BlockNumber> {
	/// Open a game over `range` of a `steps`-step trace at block `now`, each clock at `clock`.
	pub fn open(
		steps: u32,
		range: Range,
		clock: BlockNumber,
		now: BlockNumber,
	) -> Result<Self, OpenError> {
		let Range { from, from_hash, to, claim_to, solver_to } = range;
		if from >= to || to > steps {
			return Err(OpenError::BadRange);
		}
		if solver_to == Some(claim_to) {
			return Err(OpenError::NoDisagreement);
		}
		let mut game = Self {
			from,
			from_hash,
			to,
			claim_to,
			solver_to,
			steps,
			phase: Phase::SolverEnd,
			clocks: Clocks { challenger: clock, solver: clock },
			since: now,
		};
		if solver_to.is_some() {
			game.phase = game.after_range();
		}
		Ok(game)
	}

	/// The midpoint of the range.
	pub fn mid(&self) -> u32 {
		self.from.saturating_add(self.to.saturating_sub(self.from) / 2)
	}

	/// Whose move is due.
	pub fn due(&self) -> Party {
		match self.phase {
			Phase::SolverEnd | Phase::SolverMid { .. } => Party::Solver,
			Phase::ChallengerMid | Phase::Referee | Phase::Model => Party::Challenger,
		}
	}

	/// The leaf the due reveal must be at (`None` in the referee and model phases).
	pub fn due_step(&self) -> Option<u32> {
		match self.phase {
			Phase::SolverEnd => Some(self.to),
			Phase::ChallengerMid | Phase::SolverMid { .. } => Some(self.mid()),
			Phase::Referee | Phase::Model => None,
		}
	}

	/// The last block the due move is in time in.
	pub fn deadline(&self) -> BlockNumber {
		let left = match self.due() {
			Party::Challenger => self.clocks.challenger,
			Party::Solver => self.clocks.solver,
		};
		self.since.saturating_add(left)
	}

	/// Whether the due party has run out of time at `now` (and so lost).
	pub fn expired(&self, now: BlockNumber) -> bool {
		now > self.deadline()
	}

	/// The due party `by` moves at `now`: its clock is charged the blocks since its move
	/// became due, and the other clock starts.
	fn charge(&mut self, by: Party, now: BlockNumber) -> Result<(), MoveError> {
		if by != self.due() {
			return Err(MoveError::NotDue);
		}
		if self.expired(now) {
			return Err(MoveError::OutOfTime);
		}
		let spent = now.saturating_sub(self.since);
		let clock = match by {
			Party::Challenger => &mut self.clocks.challenger,
			Party::Solver => &mut self.clocks.solver,
		};
		*clock = clock.saturating_sub(spent);
		self.since = now;
		Ok(())
	}

	/// The phase once the range is set: bisect, or referee the one step left.
	fn after_range(&self) -> Phase {
		if self.to.saturating_sub(self.from) > 1 {
			Phase::ChallengerMid
		} else {
			Phase::Referee
		}
	}

	/// `by` reveals `hash` at [`Self::due_step`] (already proven against its root) at `now`.
	pub fn reveal(
		&mut self,
		by: Party,
		hash: H256,
		now: BlockNumber,
	) -> Result<Revealed, MoveError> {
		if matches!(self.phase, Phase::Referee | Phase::Model) {
			return Err(MoveError::NotDue);
		}
		self.charge(by, now)?;
		match self.phase {
			Phase::SolverEnd => {
				if hash == self.claim_to {
					if self.to != self.steps {
						return Ok(Revealed::ChallengeFails);
					}
					// The last state is agreed: its model is what remains in dispute.
					self.solver_to = Some(hash);
					self.phase = Phase::Model;
					return Ok(Revealed::Continue);
				}
				self.solver_to = Some(hash);
			},
			Phase::ChallengerMid => {
				self.phase = Phase::SolverMid { claim: hash };
				return Ok(Revealed::Continue);
			},
			Phase::SolverMid { claim } => {
				let mid = self.mid();
				if hash == claim {
					self.from = mid;
					self.from_hash = hash;
				} else {
					self.to = mid;
					self.claim_to = claim;
					self.solver_to = Some(hash);
				}
			},
			Phase::Referee | Phase::Model => return Err(MoveError::NotDue),
		}
		self.phase = self.after_range();
		Ok(Revealed::Continue)
	}

	/// The challenger's referee move at `now`: the step to decide and both of its ends.
	pub fn referee(&mut self, now: BlockNumber) -> Result<RefereeCase, MoveError> {
		if self.phase != Phase::Referee {
			return Err(MoveError::NotDue);
		}
		let leaf = self.solver_to.ok_or(MoveError::NotDue)?;
		self.charge(Party::Challenger, now)?;
		Ok(RefereeCase { step: self.to, prior: self.from_hash, leaf })
	}

	/// The challenger's model move at `now`: the agreed last leaf, which the state it shows
	/// must hash to.
	pub fn model(&mut self, now: BlockNumber) -> Result<H256, MoveError> {
		if self.phase != Phase::Model {
			return Err(MoveError::NotDue);
		}
		let leaf = self.solver_to.ok_or(MoveError::NotDue)?;
		self.charge(Party::Challenger, now)?;
		Ok(leaf)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[allow(clippy::too_many_arguments)]
	fn open(
		steps: u32,
		from: u32,
		from_hash: H256,
		to: u32,
		claim_to: H256,
		solver_to: Option<H256>,
		clock: u64,
		now: u64,
	) -> Result<Game<u64>, OpenError> {
		Game::open(steps, Range { from, from_hash, to, claim_to, solver_to }, clock, now)
	}

	fn leaf(i: u32) -> H256 {
		H256::from(sp_io::hashing::blake2_256(&i.encode()))
	}

	/// The solver's leaves when it lies at `bad`: a wrong state there, and (if `carry`) every
	/// state after it wrong too, as when it trains on from the lie.
	fn lying(steps: u32, bad: u32, carry: bool) -> Vec<H256> {
		(0..=steps)
			.map(|i| {
				if i == bad || (carry && i > bad) {
					H256::repeat_byte(0xee) ^ leaf(i)
				} else {
					leaf(i)
				}
			})
			.collect()
	}

	/// Play a full-range game to the referee phase, both sides answering at once; returns the
	/// case and the rounds played.
	fn play(steps: u32, solver: &[H256]) -> (RefereeCase, u32) {
		let mut game = open(steps, 0, H256::zero(), steps, leaf(steps), None, 300, 1).unwrap();
		assert_eq!(game.due(), Party::Solver);
		assert_eq!(game.due_step(), Some(steps));
		assert_eq!(game.reveal(Party::Solver, solver[steps as usize], 1), Ok(Revealed::Continue));
		let mut rounds_played = 0;
		while game.phase != Phase::Referee {
			let mid = game.due_step().unwrap();
			assert_eq!(game.reveal(Party::Challenger, leaf(mid), 1), Ok(Revealed::Continue));
			assert_eq!(game.due_step(), Some(mid));
			assert_eq!(game.reveal(Party::Solver, solver[mid as usize], 1), Ok(Revealed::Continue));
			rounds_played += 1;
		}
		(game.referee(1).unwrap(), rounds_played)
	}

	#[test]
	fn rounds_are_the_ceiling_of_log2() {
		let expected =
			[(1, 0), (2, 1), (3, 2), (4, 2), (5, 3), (7, 3), (8, 3), (9, 4), (1_500, 11)];
		for (len, r) in expected {
			assert_eq!(rounds(len), r, "{len}");
		}
		assert_eq!(rounds(u32::MAX), 32);
		assert_eq!(rounds(10_000_000), 24);
	}

	/// A lie at the first step, the middle, either side of a power of two and the last step,
	/// in traces of 1, 2, an odd number and 1,500 steps, is found in ceil(log2(steps)) rounds,
	/// whether the solver trains on from the lie or only commits one wrong hash.
	#[test]
	fn bisection_finds_the_first_wrong_step_in_ceil_log2_rounds() {
		for steps in [1u32, 2, 7, 1_500] {
			let mut bads = vec![1, steps / 2 + 1, steps];
			if steps > 1_024 {
				bads.extend([1_024, 1_025]);
			}
			for bad in bads.into_iter().filter(|b| (1..=steps).contains(b)) {
				for carry in [true, false] {
					let solver = lying(steps, bad, carry);
					if !carry && bad < steps {
						// Its last leaf is honest: the end reveal equals the claim, and over the
						// whole trace only the model is left in dispute (the lie needs a
						// narrower range).
						let mut game =
							open(steps, 0, H256::zero(), steps, leaf(steps), None, 300, 1).unwrap();
						assert_eq!(
							game.reveal(Party::Solver, solver[steps as usize], 1),
							Ok(Revealed::Continue)
						);
						assert_eq!((game.phase, game.due()), (Phase::Model, Party::Challenger));
						assert_eq!(game.referee(2), Err(MoveError::NotDue));
						assert_eq!(game.model(2), Ok(leaf(steps)));
						continue;
					}
					let (case, played) = play(steps, &solver);
					assert_eq!(case.step, bad, "steps {steps}, lie at {bad}");
					assert_eq!(case.leaf, solver[bad as usize]);
					if bad > 1 {
						assert_eq!(case.prior, leaf(bad - 1));
					}
					assert!(
						played <= rounds(steps),
						"steps {steps}, lie at {bad}: {played} rounds"
					);
					if bad == steps {
						// Always the upper half, of ceil(len / 2) steps: the most rounds.
						assert_eq!(played, rounds(steps));
					}
				}
			}
		}
	}

	/// A narrower range: opened with the solver's leaf `to` proven different, it bisects at
	/// once; without it, the solver reveals its leaf `to` first, and an equal reveal at the end
	/// of the range ends the challenge; a range proven equal at its end does not open.
	#[test]
	fn a_narrow_range_bisects_at_once_and_an_equal_end_fails_the_challenge() {
		// One wrong hash at 700; everything else honest.
		let solver = lying(1_500, 700, false);
		let mut game = open(1_500, 512, leaf(512), 768, leaf(768), None, 300, 1).unwrap();
		assert_eq!((game.phase, game.due_step()), (Phase::SolverEnd, Some(768)));
		assert_eq!(game.reveal(Party::Solver, solver[768], 1), Ok(Revealed::ChallengeFails));
		assert_eq!(
			open(1_500, 512, leaf(512), 768, leaf(768), Some(solver[768]), 300, 1),
			Err(OpenError::NoDisagreement)
		);
		let mut game =
			open(1_500, 512, leaf(512), 700, leaf(700), Some(solver[700]), 300, 1).unwrap();
		assert_eq!(game.phase, Phase::ChallengerMid);
		let mut played = 0;
		while game.phase != Phase::Referee {
			let mid = game.due_step().unwrap();
			game.reveal(Party::Challenger, leaf(mid), 1).unwrap();
			game.reveal(Party::Solver, solver[mid as usize], 1).unwrap();
			played += 1;
		}
		assert!(played <= rounds(700 - 512));
		assert_eq!(
			game.referee(1),
			Ok(RefereeCase { step: 700, prior: leaf(699), leaf: solver[700] })
		);
		for (from, to) in [(5, 5), (6, 5), (0, 11)] {
			assert_eq!(
				open(10, from, H256::zero(), to, leaf(to), None, 300, 1),
				Err(OpenError::BadRange)
			);
		}
	}

	/// Only the due party moves, only the due kind of move, within its clock; the clock runs
	/// only while its move is due, and a move in the block the clock ends in still counts.
	#[test]
	fn chess_clocks_run_only_for_the_due_party_and_the_last_block_counts() {
		let solver = lying(8, 3, true);
		let mut game = open(8, 0, H256::zero(), 8, leaf(8), None, 10, 100).unwrap();
		assert_eq!(game.reveal(Party::Challenger, leaf(8), 100), Err(MoveError::NotDue));
		assert_eq!(game.referee(100), Err(MoveError::NotDue));
		assert_eq!(game.deadline(), 110);
		assert!(!game.expired(110));
		assert!(game.expired(111));
		// The solver answers in its last block: in time, its clock is spent.
		assert_eq!(game.reveal(Party::Solver, solver[8], 110), Ok(Revealed::Continue));
		assert_eq!(game.clocks, Clocks { challenger: 10, solver: 0 });
		// The challenger's clock runs from now: it takes 4 blocks.
		assert_eq!(game.deadline(), 120);
		assert_eq!(game.reveal(Party::Challenger, leaf(4), 114), Ok(Revealed::Continue));
		assert_eq!(game.clocks, Clocks { challenger: 6, solver: 0 });
		// The solver has no time left: a move one block later is too late, and it has lost.
		assert_eq!(game.deadline(), 114);
		assert_eq!(game.reveal(Party::Solver, solver[4], 115), Err(MoveError::OutOfTime));
		assert!(game.expired(115));
		assert_eq!(game.reveal(Party::Solver, solver[4], 114), Ok(Revealed::Continue));
		assert_eq!(game.due(), Party::Challenger);
		// Every timeout, for each phase and party: the due party loses once its clock is out.
		let mut fresh = open(8, 0, H256::zero(), 8, leaf(8), None, 10, 0).unwrap();
		for _ in 0..3 {
			let due = fresh.due();
			assert!(fresh.expired(fresh.deadline() + 1));
			let now = fresh.since + 1;
			let step = fresh.due_step().unwrap();
			let hash = if due == Party::Challenger { leaf(step) } else { solver[step as usize] };
			fresh.reveal(due, hash, now).unwrap();
		}
		while fresh.phase != Phase::Referee {
			let step = fresh.due_step().unwrap();
			let hash =
				if fresh.due() == Party::Challenger { leaf(step) } else { solver[step as usize] };
			fresh.reveal(fresh.due(), hash, fresh.since).unwrap();
		}
		assert_eq!(fresh.due(), Party::Challenger);
		let late = fresh.deadline() + 1;
		assert_eq!(fresh.referee(late), Err(MoveError::OutOfTime));
		assert_eq!(fresh.reveal(Party::Challenger, leaf(1), fresh.since), Err(MoveError::NotDue));
		let case = fresh.referee(fresh.deadline()).unwrap();
		assert_eq!(case.step, 3);
	}
}
