//! What fraud proofs carry, the pallet's parameters and what a dispute looks like from outside.

use aichain_engine::{
	referee::{MAX_MINIBATCH_BYTES, MAX_STATE_BYTES},
	MerkleProof,
};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{traits::ConstU32, BoundedVec};
use pallet_compute::TaskId;
use scale_info::TypeInfo;
use sp_core::H256;
use sp_runtime::Perbill;

pub use aichain_engine::referee::Fault;

/// SCALE encoding of a training state (`aichain_engine::State`), at most the largest valid
/// program's.
pub type StateBytes = BoundedVec<u8, ConstU32<MAX_STATE_BYTES>>;

/// SCALE encoding of a minibatch (`aichain_engine::Minibatch`), at most the largest valid
/// program's.
pub type MinibatchBytes = BoundedVec<u8, ConstU32<MAX_MINIBATCH_BYTES>>;

/// A claim that the solver's step `step` is wrong, with what the referee needs to recompute it
/// (see `aichain_engine::referee::StepProof`).
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct StepFraud {
	/// The disputed step, `1..=steps`.
	pub step: u32,
	/// The state after step `step − 1` (SCALE), hashing to the solver's leaf `step − 1`; empty
	/// for step 1, which starts from the program's initial state.
	pub prior_state: StateBytes,
	/// Proof of the solver's leaf `step − 1` against its trace root (empty for step 1).
	pub prior_proof: MerkleProof,
	/// The minibatch of step `step` (SCALE), as the solver service's public side serves it.
	pub minibatch: MinibatchBytes,
	/// Its proof against the task's dataset root, at the index the epoch order gives the step.
	pub minibatch_proof: MerkleProof,
	/// The solver's leaf `step`: the state hash it committed to after the step.
	pub leaf: H256,
	/// Proof of `leaf` against the solver's trace root.
	pub leaf_proof: MerkleProof,
}

/// A claim that the posted model hash is not the model of the trace's last state.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct ModelFraud {
	/// The state after the last step (SCALE), hashing to the solver's last leaf.
	pub last_state: StateBytes,
	/// Proof of the last leaf against the solver's trace root.
	pub proof: MerkleProof,
}

/// Either kind of fraud proof.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub enum Claim {
	/// One step was computed wrongly. `max_cost` is the referee cost the caller's weight covers
	/// (see [`crate::Pallet::referee_cost`]); the proof is refused if the task's program costs
	/// more.
	Step {
		/// What the weight covers, in referee cost units.
		max_cost: u64,
		/// The proof.
		proof: StepFraud,
	},
	/// The model hash is not the last state's.
	Model(ModelFraud),
}

/// A drawn verifier's fraud proof, sent fee-free by its offchain worker and signed with its
/// validator's `compute` session key.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct FraudReport<Key> {
	/// The signing key (a validator's `compute` key).
	pub key: Key,
	/// The task whose result it proves wrong.
	pub task: TaskId,
	/// The proof.
	pub claim: Claim,
}

/// Governance parameters of the referee.
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
pub struct DisputeParams<BlockNumber> {
	/// Share of a solver's stake slashed when a fraud proof against it succeeds.
	pub fraud_slash: Perbill,
	/// Share of that slash paid to the prover; the rest goes to the Community Treasury.
	pub prover_share: Perbill,
	/// How long a verifier that attested a segment containing a proven bad step is left out of
	/// verifier draws.
	pub attester_exclusion: BlockNumber,
	/// Share of such a verifier's validator stake that the offence report asks staking to
	/// slash (where the runtime reports offences; see [`crate::BlindAttesters`]).
	pub attester_slash: Perbill,
}

impl<BlockNumber: Copy + PartialOrd + Default> DisputeParams<BlockNumber> {
	/// Check the parameters: a proven fraud must cost the solver something and pay the prover
	/// something.
	pub fn validate(&self) -> Result<(), &'static str> {
		if self.fraud_slash.is_zero() {
			return Err("a proven fraud must slash the solver");
		}
		if self.prover_share.is_zero() {
			return Err("a successful prover must be paid");
		}
		Ok(())
	}
}

/// What a client needs to prove fraud against a task's result.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct DisputeInfo<AccountId, Balance, BlockNumber> {
	/// The solver whose result it is.
	pub solver: AccountId,
	/// Steps of its trace.
	pub steps: u32,
	/// Minibatches of the dataset (0: no step of this task can be refereed, only its model).
	pub batches: u32,
	/// Last block a proof is accepted in (while no dispute holds the result).
	pub window_end: BlockNumber,
	/// The referee cost of one step of the task's program: the `max_cost` a step proof names.
	pub step_cost: u64,
	/// What a proven fraud would slash from the solver now.
	pub slash: Balance,
}

/// Identifies a bisection game.
pub type GameId = u64;

/// Governance parameters of the bisection game.
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
pub struct GameParams<Balance, BlockNumber> {
	/// The least bond a challenger posts.
	pub bond_min: Balance,
	/// The bond's share of the task's fee, when more than `bond_min`.
	pub bond_share: Perbill,
	/// Each party's chess clock, in blocks.
	pub clock: BlockNumber,
}

/// The least chess clock: two blocks for each of a party's moves in the longest game (a trace
/// of up to 2^32 steps: 32 midpoint reveals, and the end reveal or the referee move), so that
/// a party answering every move in the block after it became due, or the one after, never runs
/// out.
pub const MIN_CLOCK: u32 = 2 * (32 + 1);

impl<Balance: Copy + PartialOrd + Default, BlockNumber: Copy + PartialOrd + From<u32>>
	GameParams<Balance, BlockNumber>
{
	/// Check the parameters: a game must cost its challenger something and give each party
	/// time for all of its moves ([`MIN_CLOCK`]).
	pub fn validate(&self) -> Result<(), &'static str> {
		if self.bond_min <= Balance::default() {
			return Err("a challenger must post a bond");
		}
		if self.clock < BlockNumber::from(MIN_CLOCK) {
			return Err("each party needs two blocks for each of its moves in the longest game");
		}
		Ok(())
	}
}

/// A challenger's leaf with its proof against the challenger's own root.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Leaf {
	/// The state hash after the step.
	pub hash: H256,
	/// Its proof against the root it is claimed in.
	pub proof: MerkleProof,
}

/// How a challenger opens a game: its root over its own state hashes after steps `1..=N` (the
/// solver's trace's length, built as the solver's trace root is) and the range it disputes.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Opening {
	/// The challenger's root.
	pub claim_root: H256,
	/// The first step of the range, `from + 1`, is the first one in dispute: leaf `from` is
	/// agreed (0: the program's initial state).
	pub from: u32,
	/// The last step of the range; the two sides differ on leaf `to`.
	pub to: u32,
	/// Leaf `from` (when `from > 0`): its hash with its proof against the claim root; its
	/// proof against the solver's trace root is `from_trace_proof`.
	pub from_leaf: Option<Leaf>,
	/// Proof of leaf `from` against the solver's trace root (when `from > 0`).
	pub from_trace_proof: Option<MerkleProof>,
	/// The challenger's leaf `to`, proven against the claim root.
	pub claim_to: Leaf,
	/// The solver's leaf `to`, proven against its trace root: required for a range narrower
	/// than the whole trace, optional otherwise (without it, the solver reveals it first).
	pub solver_to: Option<Leaf>,
}

/// A move in a game.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub enum Move {
	/// The due party's leaf at the step the game names ([`crate::game::Game::due_step`]),
	/// proven against its own root (the solver's trace root, the challenger's claim root).
	Reveal(Leaf),
	/// The challenger's last move: the agreed state before the one step left, and that step's
	/// minibatch, for the referee to recompute it. `max_cost` is the referee cost the move pays
	/// for, as in [`StepFraud`]'s claim.
	Referee {
		/// What the weight covers, in referee cost units.
		max_cost: u64,
		/// The agreed state before the step (SCALE); empty for step 1.
		prior_state: StateBytes,
		/// The step's minibatch (SCALE).
		minibatch: MinibatchBytes,
		/// Its proof against the task's dataset root.
		minibatch_proof: MerkleProof,
	},
	/// The challenger's move when the solver's last leaf equals its own: the last state
	/// (SCALE), hashing to that leaf, for the referee to compare its model with the posted one.
	Model {
		/// The state after the last step.
		last_state: StateBytes,
	},
}

/// How a game ended.
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
pub enum GameEnd {
	/// The referee recomputed the last step left and the solver's leaf is wrong.
	Refereed(Fault),
	/// The referee recomputed the last step left and it matches the solver's leaf.
	SolverRight,
	/// The solver's leaf at the end of the range equals the challenger's (at the trace's end,
	/// and the last state's model is the posted one).
	SameEnd,
	/// This party's clock ran out.
	OutOfTime(crate::game::Party),
	/// The result was settled otherwise (another game or a fraud proof disproved it): the bond
	/// goes back.
	Moot,
}

/// A game on record.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct GameRecord<AccountId, Balance, BlockNumber> {
	/// The task whose result is challenged.
	pub task: TaskId,
	/// Who opened it and posted the bond.
	pub challenger: AccountId,
	/// The solver of the result.
	pub solver: AccountId,
	/// The challenger's bond, held in escrow.
	pub bond: Balance,
	/// The challenger's root.
	pub claim_root: H256,
	/// The solver's trace root.
	pub trace_root: H256,
	/// Steps of the trace.
	pub steps: u32,
	/// Moves made so far (a fee-free move is admitted once per value).
	pub moves: u32,
	/// Where it stands.
	pub state: crate::game::Game<BlockNumber>,
}

/// A game as wallets and clients see it (the runtime API's answer).
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct GameInfo<AccountId, Balance, BlockNumber> {
	/// The game on record.
	pub record: GameRecord<AccountId, Balance, BlockNumber>,
	/// Whose move is due.
	pub due: crate::game::Party,
	/// The leaf the due reveal is at (`None`: the referee move is due).
	pub due_step: Option<u32>,
	/// The last block the due move is in time in.
	pub deadline: BlockNumber,
	/// Whether the result was settled otherwise, so the game only waits to give its bond back.
	pub moot: bool,
}

/// What a party's offchain worker does in a game, fee-free.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub enum GameAction {
	/// A drawn verifier opens a game on the task it was drawn for, once per task ever (see
	/// [`crate::VerifierOpened`]: a signed opening cannot be sent again to bond it twice), its
	/// bond taken from its validator account.
	Open {
		/// The task.
		task: TaskId,
		/// The claim and the range.
		opening: Opening,
	},
	/// A party makes the due move: the solver (with its own `aicm` key) or a challenger that
	/// is a verifier drawn for the task (with its `compute` key).
	Play {
		/// The game.
		game: GameId,
		/// The moves made so far: the move is due at this count only, so one transaction is
		/// admitted per due move however many nodes send it.
		moves: u32,
		/// The move.
		mv: Move,
	},
}

/// A [`GameAction`] signed with an offchain key.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct SignedGameAction<Key> {
	/// The signing key: the solver account's `aicm` key, or a validator's `compute` key.
	pub key: Key,
	/// The action.
	pub action: GameAction,
}
