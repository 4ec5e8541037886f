//! The referee: decide from a solver's commitments and a handful of proven values whether the
//! solver lied about one training step, or about the model its trace ends in.
//!
//! The chain holds a result's commitments ([`Commitments`]: the trace root over the `N` state
//! hashes, the model hash, the dataset's minibatch root and count). A fraud proof about step `k`
//! ([`StepProof`]) hands the referee the state after step `k − 1` (for `k = 1` none: the
//! program's initial state, agreed by construction), minibatch `k` and the solver's leaf `k`,
//! each with its Merkle proof. The referee checks the proofs, runs [`train_step`] once and
//! compares. A proof is accepted ([`Fault`]) only when the solver is provably wrong; everything
//! else is refused ([`RefereeError`]) and proves nothing.
//!
//! Everything the solver committed to is the solver's responsibility: a committed state that
//! hashes correctly but is not a state of this program, or a committed minibatch that the step
//! cannot train on, is as much a lie as a wrong hash, because an honest solver never posts a
//! trace through a step it could not execute.
//!
//! The same code runs in the runtime (portable, single-threaded) and natively, where a verifier
//! checks its proof before sending it.

use crate::{
	dataset::{batch_for_step, Minibatch, MAX_TASK_BATCHES},
	model::State,
	program::{Program, MAX_BATCH_SIZE, MAX_BATCH_VALUES, MAX_HIDDEN_LAYERS, MAX_PARAMETERS},
	trace::{blake2_256, verify_proof, Hash, MerkleProof},
	train::{train_step, StepError},
};
use codec::{Decode, DecodeAll, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// The most bytes a valid program's state encodes to: the step counter, and per layer four
/// vectors (weights, biases and their momentum) with their length prefixes. Weights and biases
/// together are at most [`MAX_PARAMETERS`] values, and so are their momentum buffers.
pub const MAX_STATE_BYTES: u32 = {
	let values = MAX_PARAMETERS * 2 * 4;
	let layers = MAX_HIDDEN_LAYERS as u64 + 1;
	// A compact length prefix of a vector of at most 2^30 items is at most 4 bytes; 5 allowed.
	let prefixes = 5 + layers * 4 * 5;
	(4 + values + prefixes) as u32
};

/// The most bytes a valid program's minibatch encodes to: `batch × inputs` values, `batch`
/// labels and two length prefixes.
pub const MAX_MINIBATCH_BYTES: u32 =
	(MAX_BATCH_VALUES * 4 + MAX_BATCH_SIZE as u64 * 2 + 2 * 5) as u32;

pub use crate::program::{MAX_REFEREE_COST, UNIT_OVERHEAD};

/// Bytes of the SCALE encoding of a state of `program` (the step counter, and per layer four
/// vectors with their compact length prefixes).
pub fn state_len(program: &Program) -> usize {
	let layers = program.model.layers().map(|l| {
		let w = (l.inputs as usize).saturating_mul(l.outputs as usize);
		let b = l.outputs as usize;
		(vec_len(w, 4).saturating_add(vec_len(b, 4))).saturating_mul(2)
	});
	let count = program.model.layers().count();
	layers.fold(4usize.saturating_add(compact_len(count)), |acc, l| acc.saturating_add(l))
}

/// Bytes of the SCALE encoding of a minibatch of `program`: `batch × inputs` values and `batch`
/// labels.
pub fn minibatch_len(program: &Program) -> usize {
	let batch = program.batch_size as usize;
	vec_len(batch.saturating_mul(program.model.inputs as usize), 4)
		.saturating_add(vec_len(batch, 2))
}

/// A vector of `n` items of `size` bytes: its compact length prefix and the items.
fn vec_len(n: usize, size: usize) -> usize {
	compact_len(n).saturating_add(n.saturating_mul(size))
}

fn compact_len(n: usize) -> usize {
	<codec::Compact<u64> as codec::CompactLen<u64>>::compact_len(&(n as u64))
}

/// What refereeing one step of `program` costs ([`Program::referee_cost`]).
pub fn referee_cost(program: &Program) -> u64 {
	program.referee_cost()
}

/// What a solver's result committed to, as the chain holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Commitments {
	/// Merkle root over the state hash after every step (leaf `i − 1` is step `i`).
	pub trace_root: Hash,
	/// Steps of the trace (the program's `steps`).
	pub steps: u32,
	/// Hash of the final model the solver posted.
	pub model_hash: Hash,
	/// Merkle root over the dataset's minibatch hashes.
	pub dataset_root: Hash,
	/// Number of minibatches; 0 when the task predates the count (no step can be refereed).
	pub batches: u32,
}

/// A claim that the solver's step `step` is wrong, with everything needed to recompute it.
#[derive(Clone, Copy, Debug)]
pub struct StepProof<'a> {
	/// The disputed step, `1..=steps`.
	pub step: u32,
	/// SCALE encoding of the state after step `step − 1`, hashing to the solver's leaf
	/// `step − 1`; empty for step 1 (the initial state is the program's).
	pub prior_state: &'a [u8],
	/// Proof of the solver's leaf `step − 1` against its trace root; ignored for step 1.
	pub prior_proof: &'a MerkleProof,
	/// SCALE encoding of the minibatch step `step` trains on.
	pub minibatch: &'a [u8],
	/// Proof of that minibatch against the dataset root, at the index the per-epoch order
	/// gives step `step`.
	pub minibatch_proof: &'a MerkleProof,
	/// The solver's leaf `step`: the hash it committed to for the state after the step.
	pub leaf: Hash,
	/// Proof of `leaf` against the trace root.
	pub leaf_proof: &'a MerkleProof,
}

/// How the solver is proven wrong.
#[derive(
	Clone,
	Copy,
	Debug,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum Fault {
	/// Recomputing the step gives another state than the one the solver committed to.
	WrongState,
	/// The solver's state before the step hashes to its leaf but is not a state encoding.
	UndecodableState,
	/// The solver's state before the step decodes, but not to a state of this program after
	/// `step − 1` steps with every value within the engine's bounds.
	InvalidState,
	/// The committed minibatch of the step cannot be trained on (it does not decode, or does not
	/// have the program's shape, labels or value range); no state after the step exists.
	UnusableMinibatch,
	/// The trace's last state does not have the model hash the solver posted (or is not a
	/// state at all).
	WrongModel,
}

/// Why a proof proves nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefereeError {
	/// The step is 0 or beyond the trace.
	StepOutOfRange,
	/// The task does not say how many minibatches its dataset has, so no minibatch index can be
	/// derived (tasks from before the count).
	UnknownBatchCount,
	/// Step 1 starts from the program's initial state; no state may be given for it.
	UnexpectedPriorState,
	/// The prior state is not the solver's leaf `step − 1`.
	PriorStateNotCommitted,
	/// The minibatch is not the dataset's minibatch for this step.
	MinibatchNotCommitted,
	/// The leaf is not the solver's leaf for this step.
	LeafNotCommitted,
	/// The trace's last state is not the solver's leaf `steps`.
	LastStateNotCommitted,
	/// The program is not valid (cannot happen for a task the chain accepted).
	InvalidProgram,
	/// The solver is right: the recomputed state hashes to its leaf, or the model matches.
	NoFraud,
}

/// Decide a step proof against `program` and the solver's `commitments`.
pub fn referee_step(
	program: &Program,
	commitments: &Commitments,
	proof: &StepProof,
) -> Result<Fault, RefereeError> {
	let c = commitments;
	let k = proof.step;
	checks(program, c.steps, c.batches, k)?;
	// The claim: the solver's own leaf k.
	if !verify_proof(&c.trace_root, c.steps, k.saturating_sub(1), proof.leaf, proof.leaf_proof) {
		return Err(RefereeError::LeafNotCommitted);
	}
	recompute(
		program,
		c,
		k,
		proof.prior_state,
		proof.minibatch,
		proof.minibatch_proof,
		proof.leaf,
		|prior| verify_proof(&c.trace_root, c.steps, k.saturating_sub(2), prior, proof.prior_proof),
	)
}

/// One step whose two ends are established without Merkle proofs of the solver's trace, as a
/// bisection game ends: its moves proved both hashes against the trace root, and the
/// challenger, who computed the agreed state itself, gives its bytes.
#[derive(Clone, Copy, Debug)]
pub struct Transition<'a> {
	/// The disputed step, `1..=steps`.
	pub step: u32,
	/// The hash both sides agree on after step `step − 1` (ignored for step 1, which starts
	/// from the program's initial state).
	pub prior: Hash,
	/// SCALE encoding of that state; empty for step 1.
	pub prior_state: &'a [u8],
	/// SCALE encoding of the minibatch step `step` trains on.
	pub minibatch: &'a [u8],
	/// Its proof against the dataset root, at the index the per-epoch order gives the step.
	pub minibatch_proof: &'a MerkleProof,
	/// The solver's hash after the step.
	pub leaf: Hash,
}

/// Decide a [`Transition`] against `program` and the solver's `commitments` (the trace root is
/// not used: both ends are already established).
pub fn referee_transition(
	program: &Program,
	commitments: &Commitments,
	t: &Transition,
) -> Result<Fault, RefereeError> {
	checks(program, commitments.steps, commitments.batches, t.step)?;
	recompute(
		program,
		commitments,
		t.step,
		t.prior_state,
		t.minibatch,
		t.minibatch_proof,
		t.leaf,
		|h| h == t.prior,
	)
}

/// What every step decision checks first: the step is in the trace, the dataset's count is
/// known, the program is valid.
fn checks(program: &Program, steps: u32, batches: u32, k: u32) -> Result<(), RefereeError> {
	if k == 0 || k > steps {
		return Err(RefereeError::StepOutOfRange);
	}
	if batches == 0 || batches > MAX_TASK_BATCHES {
		return Err(RefereeError::UnknownBatchCount);
	}
	program.validate().map_err(|_| RefereeError::InvalidProgram)
}

/// Check minibatch `k` against the dataset root, take the state before step `k` (the initial
/// state for step 1; otherwise `prior_state`, which `prior_committed` must accept by its hash),
/// run the step and compare its state's hash with `leaf`.
#[allow(clippy::too_many_arguments)]
fn recompute(
	program: &Program,
	c: &Commitments,
	k: u32,
	prior_state: &[u8],
	minibatch: &[u8],
	minibatch_proof: &MerkleProof,
	leaf: Hash,
	prior_committed: impl FnOnce(Hash) -> bool,
) -> Result<Fault, RefereeError> {
	// The minibatch of step k, at the index the program's epoch order gives it.
	let index = batch_for_step(program.seed, c.batches, k).ok_or(RefereeError::StepOutOfRange)?;
	if !verify_proof(&c.dataset_root, c.batches, index, blake2_256(minibatch), minibatch_proof) {
		return Err(RefereeError::MinibatchNotCommitted);
	}
	// The state the step starts from.
	let mut state = if k == 1 {
		if !prior_state.is_empty() {
			return Err(RefereeError::UnexpectedPriorState);
		}
		State::initial(program)
	} else {
		if !prior_committed(blake2_256(prior_state)) {
			return Err(RefereeError::PriorStateNotCommitted);
		}
		let mut bytes = prior_state;
		let Ok(state) = State::decode_all(&mut bytes) else {
			return Ok(Fault::UndecodableState);
		};
		if state.step != k.saturating_sub(1) || !state.matches(program) || !state.values_in_range()
		{
			return Ok(Fault::InvalidState);
		}
		state
	};
	let mut bytes = minibatch;
	let Ok(minibatch) = Minibatch::decode_all(&mut bytes) else {
		return Ok(Fault::UnusableMinibatch);
	};
	match train_step(program, &mut state, &minibatch) {
		Ok(_) => {},
		Err(StepError::BatchShape | StepError::LabelOutOfRange | StepError::ValueOutOfRange) => {
			return Ok(Fault::UnusableMinibatch)
		},
		// The state was checked above and the program is valid: unreachable, and never the
		// solver's fault if it were reached.
		Err(StepError::Program(_) | StepError::StateMismatch | StepError::NoMoreSteps) => {
			return Err(RefereeError::InvalidProgram)
		},
	}
	if state.hash() == leaf {
		Err(RefereeError::NoFraud)
	} else {
		Ok(Fault::WrongState)
	}
}

/// Decide a model proof: `last_state` (SCALE) hashes to the solver's leaf `steps`, proven by
/// `proof`; the solver lied if it is not a state or its model hash is not the posted one.
pub fn referee_model(
	commitments: &Commitments,
	last_state: &[u8],
	proof: &MerkleProof,
) -> Result<Fault, RefereeError> {
	let c = commitments;
	let last = c.steps.checked_sub(1).ok_or(RefereeError::StepOutOfRange)?;
	if !verify_proof(&c.trace_root, c.steps, last, blake2_256(last_state), proof) {
		return Err(RefereeError::LastStateNotCommitted);
	}
	compare_model(c, last_state)
}

/// Decide the model of a last leaf established without a trace proof (a bisection game's
/// moves proved it): `last_state` must hash to `leaf`.
pub fn referee_model_leaf(
	commitments: &Commitments,
	last_state: &[u8],
	leaf: Hash,
) -> Result<Fault, RefereeError> {
	if blake2_256(last_state) != leaf {
		return Err(RefereeError::LastStateNotCommitted);
	}
	compare_model(commitments, last_state)
}

/// The committed last state is no state, or not the posted model's.
fn compare_model(c: &Commitments, last_state: &[u8]) -> Result<Fault, RefereeError> {
	let mut bytes = last_state;
	match State::decode_all(&mut bytes) {
		Ok(state) if state.model_hash() == c.model_hash => Err(RefereeError::NoFraud),
		_ => Ok(Fault::WrongModel),
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{
		dataset::Dataset,
		program::{Activation, HiddenLayer, ModelSpec, Sgd},
		trace::{merkle_proof, merkle_root},
		Fixed, Trainer,
	};
	use alloc::{vec, vec::Vec};
	use bounded_collections::BoundedVec;

	fn program(steps: u32) -> Program {
		Program {
			model: ModelSpec {
				inputs: 3,
				hidden: BoundedVec::truncate_from(vec![HiddenLayer {
					units: 4,
					activation: Activation::Relu,
				}]),
				classes: 2,
			},
			optimizer: Sgd { learning_rate: Fixed(6554), momentum: Fixed(58982) },
			batch_size: 2,
			steps,
			seed: 7,
		}
	}

	fn dataset() -> Dataset {
		Dataset {
			features: 3,
			classes: 2,
			inputs: (0..30).map(|i| (i % 7 - 3) * 9000).collect(),
			labels: (0..10).map(|i| (i % 2) as u16).collect(),
		}
	}

	/// Every state of an honest run, step 0 first, and the commitments over them.
	fn honest(program: &Program, dataset: &Dataset) -> (Vec<State>, Commitments) {
		let mut state = State::initial(program);
		let mut states = vec![state.clone()];
		let executor = crate::Executor::portable();
		let mut trainer = Trainer::new(program, dataset, &executor).unwrap();
		for _ in 0..program.steps {
			trainer.step(&mut state).unwrap();
			states.push(state.clone());
		}
		let leaves: Vec<Hash> = states[1..].iter().map(State::hash).collect();
		let batches = dataset.commitment(program.batch_size);
		let commitments = Commitments {
			trace_root: merkle_root(&leaves),
			steps: program.steps,
			model_hash: states.last().unwrap().model_hash(),
			dataset_root: batches.root,
			batches: batches.batches,
		};
		(states, commitments)
	}

	fn check(
		program: &Program,
		dataset: &Dataset,
		states: &[State],
		leaves: &[Hash],
		c: &Commitments,
		k: u32,
	) -> Result<Fault, RefereeError> {
		let prior = if k == 1 { Vec::new() } else { states[k as usize - 1].encode() };
		let prior_proof = merkle_proof(leaves, k.saturating_sub(2)).unwrap();
		let index = batch_for_step(program.seed, c.batches, k).unwrap();
		let minibatch = dataset.minibatch(program.batch_size, index).unwrap().encode();
		let minibatch_proof =
			merkle_proof(&dataset.minibatch_hashes(program.batch_size), index).unwrap();
		let leaf_proof = merkle_proof(leaves, k - 1).unwrap();
		referee_step(
			program,
			c,
			&StepProof {
				step: k,
				prior_state: &prior,
				prior_proof: &prior_proof,
				minibatch: &minibatch,
				minibatch_proof: &minibatch_proof,
				leaf: leaves[k as usize - 1],
				leaf_proof: &leaf_proof,
			},
		)
	}

	#[test]
	fn the_bounds_cover_the_largest_state_and_minibatch() {
		assert_eq!(MAX_STATE_BYTES, 4 + 2_097_152 + 185);
		assert_eq!(MAX_MINIBATCH_BYTES, 1_048_576 + 2_048 + 10);
		// The most parameters in one layer: 1,023 inputs into 256 classes.
		let widest = Program {
			model: ModelSpec {
				inputs: 1023,
				hidden: BoundedVec::truncate_from(vec![]),
				classes: 256,
			},
			batch_size: 1,
			..program(1)
		};
		assert_eq!(widest.model.parameters(), MAX_PARAMETERS);
		assert_eq!(widest.validate(), Ok(()));
		assert!(State::initial(&widest).encode().len() <= MAX_STATE_BYTES as usize);
		for p in [&widest, &program(3)] {
			assert_eq!(State::initial(p).encode().len(), state_len(p));
			let batch = Minibatch {
				inputs: vec![0; (p.batch_size * p.model.inputs) as usize],
				labels: vec![0; p.batch_size as usize],
			};
			assert_eq!(batch.encode().len(), minibatch_len(p));
		}
		let widest_batch =
			Minibatch { inputs: vec![0; MAX_BATCH_VALUES as usize], labels: vec![0; 1024] };
		assert!(widest_batch.encode().len() <= MAX_MINIBATCH_BYTES as usize);
	}

	#[test]
	fn an_honest_trace_has_no_fraud_at_any_step_and_a_lie_is_caught_where_it_is() {
		let dataset = dataset();
		for steps in [1, 2, 7] {
			let program = program(steps);
			let (states, c) = honest(&program, &dataset);
			let leaves: Vec<Hash> = states[1..].iter().map(State::hash).collect();
			for k in 1..=steps {
				assert_eq!(
					check(&program, &dataset, &states, &leaves, &c, k),
					Err(RefereeError::NoFraud)
				);
			}
			let last = states.last().unwrap().encode();
			let proof = merkle_proof(&leaves, steps - 1).unwrap();
			assert_eq!(referee_model(&c, &last, &proof), Err(RefereeError::NoFraud));
			for bad in 1..=steps {
				// The solver trains honestly up to `bad`, where it commits a random hash; it
				// keeps going from its honest state (the lie is in the commitment only).
				let mut lying = leaves.clone();
				lying[bad as usize - 1] = [0xee; 32];
				let c = Commitments { trace_root: merkle_root(&lying), ..c };
				for k in 1..=steps {
					let verdict = check(&program, &dataset, &states, &lying, &c, k);
					if k == bad {
						assert_eq!(verdict, Ok(Fault::WrongState), "steps {steps}, lie at {bad}");
					} else if k == bad + 1 {
						// The prior leaf no longer hashes the honest state.
						assert_eq!(verdict, Err(RefereeError::PriorStateNotCommitted));
					} else {
						assert_eq!(verdict, Err(RefereeError::NoFraud));
					}
				}
			}
		}
	}

	/// The end of a bisection game: both ends of step k known by hash, no trace proofs. An
	/// honest step stands, a lie is caught, and a prior state that is not the agreed one (or
	/// any state given for step 1, or a step outside the trace) proves nothing.
	#[test]
	fn a_transition_between_agreed_hashes_is_decided_without_trace_proofs() {
		let dataset = dataset();
		let program = program(7);
		let (states, c) = honest(&program, &dataset);
		let leaves: Vec<Hash> = states[1..].iter().map(State::hash).collect();
		let decide = |k: u32, prior: Hash, prior_state: &[u8], leaf: Hash| {
			let index = batch_for_step(program.seed, c.batches, k).unwrap_or(0);
			let minibatch = dataset.minibatch(program.batch_size, index).unwrap().encode();
			let proof = merkle_proof(&dataset.minibatch_hashes(program.batch_size), index).unwrap();
			let t = Transition {
				step: k,
				prior,
				prior_state,
				minibatch: &minibatch,
				minibatch_proof: &proof,
				leaf,
			};
			referee_transition(&program, &c, &t)
		};
		for k in 1..=7u32 {
			let (prior, prior_state) = if k == 1 {
				([0; 32], Vec::new())
			} else {
				(leaves[k as usize - 2], states[k as usize - 1].encode())
			};
			let leaf = leaves[k as usize - 1];
			assert_eq!(
				decide(k, prior, &prior_state, leaf),
				Err(RefereeError::NoFraud),
				"step {k}"
			);
			assert_eq!(decide(k, prior, &prior_state, [0xee; 32]), Ok(Fault::WrongState));
			if k > 1 {
				// The agreed hash is another state's: the bytes given are not it.
				let other = states[k as usize - 2].encode();
				assert_eq!(
					decide(k, prior, &other, [0xee; 32]),
					Err(RefereeError::PriorStateNotCommitted)
				);
			} else {
				let some = states[0].encode();
				assert_eq!(
					decide(1, prior, &some, [0xee; 32]),
					Err(RefereeError::UnexpectedPriorState)
				);
			}
		}
		for k in [0, 8] {
			assert_eq!(decide(k, [0; 32], &[], [0xee; 32]), Err(RefereeError::StepOutOfRange));
		}
	}

	#[test]
	fn committed_garbage_is_the_solvers_fault_and_wrong_proofs_prove_nothing() {
		let dataset = dataset();
		let program = program(3);
		let (states, c) = honest(&program, &dataset);
		let mut leaves: Vec<Hash> = states[1..].iter().map(State::hash).collect();
		let index = batch_for_step(program.seed, c.batches, 2).unwrap();
		let minibatch = dataset.minibatch(program.batch_size, index).unwrap().encode();
		let hashes = dataset.minibatch_hashes(program.batch_size);
		let minibatch_proof = merkle_proof(&hashes, index).unwrap();
		let garbage = vec![1u8, 2, 3];
		// Leaf 1 commits to bytes that are no state.
		leaves[0] = blake2_256(&garbage);
		let c2 = Commitments { trace_root: merkle_root(&leaves), ..c };
		let p = |prior: &[u8], leaves: &[Hash], minibatch: &[u8], mp: &MerkleProof| {
			let prior_proof = merkle_proof(leaves, 0).unwrap();
			let leaf_proof = merkle_proof(leaves, 1).unwrap();
			referee_step(
				&program,
				&Commitments { trace_root: merkle_root(leaves), ..c },
				&StepProof {
					step: 2,
					prior_state: prior,
					prior_proof: &prior_proof,
					minibatch,
					minibatch_proof: mp,
					leaf: leaves[1],
					leaf_proof: &leaf_proof,
				},
			)
		};
		assert_eq!(p(&garbage, &leaves, &minibatch, &minibatch_proof), Ok(Fault::UndecodableState));
		// A state with the wrong step counter.
		let mut wrong_step = states[1].clone();
		wrong_step.step = 5;
		leaves[0] = wrong_step.hash();
		assert_eq!(
			p(&wrong_step.encode(), &leaves, &minibatch, &minibatch_proof),
			Ok(Fault::InvalidState)
		);
		// A value beyond the engine's bounds.
		let mut wild = states[1].clone();
		wild.layers[0].weights[0] = crate::fixed::LIMIT + 1;
		leaves[0] = wild.hash();
		assert_eq!(
			p(&wild.encode(), &leaves, &minibatch, &minibatch_proof),
			Ok(Fault::InvalidState)
		);
		// The honest state, but not the one committed.
		assert_eq!(
			p(&states[1].encode(), &leaves, &minibatch, &minibatch_proof),
			Err(RefereeError::PriorStateNotCommitted)
		);
		leaves[0] = states[1].hash();
		// A minibatch from another index, and a foreign proof.
		let other = (index + 1) % c.batches;
		let other_batch = dataset.minibatch(program.batch_size, other).unwrap().encode();
		let other_proof = merkle_proof(&hashes, other).unwrap();
		assert_eq!(
			p(&states[1].encode(), &leaves, &other_batch, &other_proof),
			Err(RefereeError::MinibatchNotCommitted)
		);
		let short = MerkleProof { siblings: BoundedVec::truncate_from(vec![]) };
		assert_eq!(
			p(&states[1].encode(), &leaves, &minibatch, &short),
			Err(RefereeError::MinibatchNotCommitted)
		);
		assert_eq!(
			p(&states[1].encode(), &leaves, &minibatch, &minibatch_proof),
			Err(RefereeError::NoFraud)
		);
		let _ = c2;
		// Step 1 takes no prior state; steps out of range and tasks without a count refuse.
		let empty = MerkleProof { siblings: BoundedVec::truncate_from(vec![]) };
		let one = StepProof {
			step: 1,
			prior_state: &[1],
			prior_proof: &empty,
			minibatch: &minibatch,
			minibatch_proof: &minibatch_proof,
			leaf: leaves[0],
			leaf_proof: &empty,
		};
		let leaf_proof = merkle_proof(&leaves, 0).unwrap();
		let one = StepProof { leaf_proof: &leaf_proof, ..one };
		let c3 = Commitments { trace_root: merkle_root(&leaves), ..c };
		let index1 = batch_for_step(program.seed, c.batches, 1).unwrap();
		let minibatch1 = dataset.minibatch(program.batch_size, index1).unwrap().encode();
		let minibatch_proof1 = merkle_proof(&hashes, index1).unwrap();
		let one = StepProof { minibatch: &minibatch1, minibatch_proof: &minibatch_proof1, ..one };
		assert_eq!(referee_step(&program, &c3, &one), Err(RefereeError::UnexpectedPriorState));
		assert_eq!(
			referee_step(&program, &c3, &StepProof { prior_state: &[], ..one }),
			Err(RefereeError::NoFraud)
		);
		for step in [0, 4] {
			assert_eq!(
				referee_step(&program, &c3, &StepProof { step, ..one }),
				Err(RefereeError::StepOutOfRange)
			);
		}
		assert_eq!(
			referee_step(&program, &Commitments { batches: 0, ..c3 }, &one),
			Err(RefereeError::UnknownBatchCount)
		);
	}

	#[test]
	fn an_unusable_committed_minibatch_is_the_solvers_fault() {
		let program = program(1);
		let dataset = dataset();
		let (states, c) = honest(&program, &dataset);
		let leaves: Vec<Hash> = states[1..].iter().map(State::hash).collect();
		let index = batch_for_step(program.seed, c.batches, 1).unwrap();
		for bad in [
			vec![9u8; 5],
			Minibatch { inputs: vec![0; 6], labels: vec![0, 5] }.encode(),
			Minibatch { inputs: vec![0; 5], labels: vec![0, 1] }.encode(),
		] {
			let mut hashes = dataset.minibatch_hashes(program.batch_size);
			hashes[index as usize] = blake2_256(&bad);
			let c = Commitments { dataset_root: merkle_root(&hashes), ..c };
			let mp = merkle_proof(&hashes, index).unwrap();
			let lp = merkle_proof(&leaves, 0).unwrap();
			let empty = MerkleProof { siblings: BoundedVec::truncate_from(vec![]) };
			let proof = StepProof {
				step: 1,
				prior_state: &[],
				prior_proof: &empty,
				minibatch: &bad,
				minibatch_proof: &mp,
				leaf: leaves[0],
				leaf_proof: &lp,
			};
			assert_eq!(referee_step(&program, &c, &proof), Ok(Fault::UnusableMinibatch));
		}
	}

	/// Time per referee cost unit of the shapes that stress each part of the cost (run with
	/// `--ignored --nocapture`): the calibration of [`UNIT_OVERHEAD`].
	#[test]
	#[ignore]
	fn cost_calibration() {
		let shape = |inputs: u32, hidden: Vec<u32>, classes: u32, batch: u32| Program {
			model: ModelSpec {
				inputs,
				hidden: BoundedVec::truncate_from(
					hidden
						.into_iter()
						.map(|units| HiddenLayer { units, activation: Activation::Relu })
						.collect(),
				),
				classes,
			},
			batch_size: batch,
			..program(10)
		};
		for (name, p) in [
			("wide (most multiply-adds)", shape(256, vec![960], 10, 95)),
			("digits", shape(64, vec![32], 10, 32)),
			("softmax-heavy", shape(1, vec![], 1024, 1024)),
			("deep narrow", shape(1, vec![1; 8], 2, 1024)),
			("deep mid", shape(16, vec![16; 8], 16, 1024)),
		] {
			assert_eq!(p.validate(), Ok(()), "{name}");
			let batch = Minibatch {
				inputs: (0..p.batch_size * p.model.inputs)
					.map(|i| (i as i32 % 13 - 6) * 5000)
					.collect(),
				labels: (0..p.batch_size).map(|i| (i % p.model.classes) as u16).collect(),
			};
			let mut state = State::initial(&p);
			let start = std::time::Instant::now();
			let n = 5;
			for _ in 0..n {
				state.step = 0;
				train_step(&p, &mut state, &batch).unwrap();
			}
			let ns = start.elapsed().as_nanos() as f64 / n as f64;
			let cost = referee_cost(&p);
			println!(
				"{name:28} work {:>10} cost {cost:>10} {:>9.2} ms {:.3} ns/unit",
				p.work_units_per_step(),
				ns / 1e6,
				ns / cost as f64
			);
		}
	}

	#[test]
	fn the_model_check_both_ways() {
		let program = program(2);
		let (states, c) = honest(&program, &dataset());
		let leaves: Vec<Hash> = states[1..].iter().map(State::hash).collect();
		let last = states[2].encode();
		let proof = merkle_proof(&leaves, 1).unwrap();
		let lying = Commitments { model_hash: [3; 32], ..c };
		assert_eq!(referee_model(&lying, &last, &proof), Ok(Fault::WrongModel));
		assert_eq!(referee_model(&c, &last, &proof), Err(RefereeError::NoFraud));
		// Not the last leaf.
		let earlier = states[1].encode();
		let proof0 = merkle_proof(&leaves, 0).unwrap();
		assert_eq!(
			referee_model(&lying, &earlier, &proof0),
			Err(RefereeError::LastStateNotCommitted)
		);
		// A last leaf that is no state at all.
		let mut garbage_leaves = leaves.clone();
		garbage_leaves[1] = blake2_256(b"junk");
		let c = Commitments { trace_root: merkle_root(&garbage_leaves), ..c };
		let proof = merkle_proof(&garbage_leaves, 1).unwrap();
		assert_eq!(referee_model(&c, b"junk", &proof), Ok(Fault::WrongModel));
	}
}
