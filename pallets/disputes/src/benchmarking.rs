//! Benchmarks of every call in its worst case; the referee at the costliest program shape, in
//! the runtime's Wasm when run through the node.

// Benchmark set-up is harness code: a failing precondition must abort the benchmark loudly.
#![allow(clippy::expect_used, clippy::arithmetic_side_effects, clippy::indexing_slicing)]

use super::*;
use crate::dispatchable_impls::COST_PER_COMPONENT;
use aichain_engine::{
	dataset::{batch_for_step, MAX_TASK_BATCHES},
	model::LayerState,
	program::{Activation, HiddenLayer, ModelSpec, Sgd},
	referee::{referee_cost, MAX_STATE_BYTES},
	trace::{blake2_256, merkle_proof, merkle_root},
	Fixed, Minibatch, Program, State,
};
use alloc::{vec, vec::Vec};
use codec::{DecodeAll, Encode};
use frame_benchmarking::v2::*;
use frame_support::{traits::EnsureOrigin, BoundedVec};
use frame_system::RawOrigin;
use pallet_compute::{TaskDisputes, TaskId, TaskResult};
use sp_core::H256;
use sp_runtime::traits::Saturating;

/// What the benchmarks need from the runtime.
pub trait BenchmarkHelper<AccountId, Key> {
	/// A task running `program` over a dataset with `root` and `batches` minibatches, whose
	/// solver posted `result`, with as many verifiers as a result can have drawn and attesting;
	/// its challenge window open. Returns the task and its verifiers.
	fn disputable_task(
		program: Program,
		root: H256,
		batches: u32,
		result: TaskResult,
	) -> (TaskId, Vec<AccountId>);
	/// A `compute` session key of validator `who` that can sign (generated and registered if
	/// need be).
	fn verifier_key(who: &AccountId) -> Key;
}

/// The shape with the most referee cost per unit (measured: wide dense layers), scaled by its
/// batch: 256 inputs, 960 ReLU units, 10 classes, 256,330 parameters.
fn wide(batch: u32) -> Program {
	Program {
		model: ModelSpec {
			inputs: 256,
			hidden: BoundedVec::truncate_from(vec![HiddenLayer {
				units: 960,
				activation: Activation::Relu,
			}]),
			classes: 10,
		},
		optimizer: Sgd { learning_rate: Fixed(6554), momentum: Fixed(58982) },
		batch_size: batch,
		steps: 2,
		seed: 42,
	}
}

/// The largest batch of [`wide`] a task may name (the step work limit), and its cost in
/// benchmark components.
const WIDE_MAX_BATCH: u32 = 95;
const WIDE_MAX_COMPONENT: u32 = 54_368;

/// The batch of [`wide`] whose referee cost is closest to `c` components from below (at least 1).
fn wide_batch(c: u32) -> u32 {
	let target = u64::from(c) * COST_PER_COMPONENT;
	(1..=WIDE_MAX_BATCH)
		.rev()
		.find(|b| referee_cost(&wide(*b)) <= target)
		.unwrap_or(1)
}

fn minibatch(program: &Program) -> Minibatch {
	let n = program.batch_size * program.model.inputs;
	Minibatch {
		inputs: (0..n).map(|i| ((i % 13) as i32 - 6) * 5_000).collect(),
		labels: (0..program.batch_size).map(|i| (i % program.model.classes) as u16).collect(),
	}
}

/// A state of `bytes` bytes (about): one layer of weights, no biases.
fn state_of(bytes: u32) -> State {
	let weights = (bytes.saturating_sub(16) / 8) as usize;
	State {
		step: 1,
		layers: vec![LayerState {
			weights: vec![3; weights],
			biases: vec![],
			weight_velocity: vec![1; weights],
			bias_velocity: vec![],
		}],
	}
}

/// A lying solver's step-2 proof for `program`: its leaf 1 is the honest state after step 1
/// (here the initial state with its counter at 1), its leaf 2 a random hash. The dataset has
/// two minibatches, the same one twice.
fn step_two_fraud<T: Config>(program: Program) -> (TaskId, Vec<T::AccountId>, StepFraud) {
	let mut prior = State::initial(&program);
	prior.step = 1;
	let leaves = vec![prior.hash(), [0xee; 32]];
	let batch = minibatch(&program).encode();
	let data_leaves = vec![blake2_256(&batch), blake2_256(&batch)];
	let index = batch_for_step(program.seed, 2, 2).expect("two minibatches");
	let result = TaskResult {
		model_hash: H256::repeat_byte(1),
		trace_root: H256(merkle_root(&leaves)),
		steps: 2,
	};
	let (task, verifiers) =
		T::BenchmarkHelper::disputable_task(program, H256(merkle_root(&data_leaves)), 2, result);
	let proof = StepFraud {
		step: 2,
		prior_state: BoundedVec::truncate_from(prior.encode()),
		prior_proof: merkle_proof(&leaves, 0).expect("leaf 0"),
		minibatch: BoundedVec::truncate_from(batch),
		minibatch_proof: merkle_proof(&data_leaves, index).expect("a leaf"),
		leaf: H256(leaves[1]),
		leaf_proof: merkle_proof(&leaves, 1).expect("leaf 1"),
	};
	(task, verifiers, proof)
}

/// The smallest model, over the most steps a program may have: its proofs are the longest a
/// trace has (24 siblings).
fn longest() -> Program {
	Program {
		model: ModelSpec {
			inputs: 1,
			hidden: BoundedVec::truncate_from(vec![HiddenLayer {
				units: 1,
				activation: Activation::Relu,
			}]),
			classes: 2,
		},
		optimizer: Sgd { learning_rate: Fixed(6554), momentum: Fixed(58982) },
		batch_size: 1,
		steps: aichain_engine::program::MAX_STEPS,
		seed: 42,
	}
}

/// How many siblings the proof of leaf `index` among `width` leaves has (promoted nodes take
/// none).
fn path_len(mut index: u32, mut width: u32) -> usize {
	let mut len = 0;
	while width > 1 {
		if !(index.is_multiple_of(2) && index + 1 == width) {
			len += 1;
		}
		index /= 2;
		width = width.div_ceil(2);
	}
	len
}

/// Sibling hashes for a proof of the last leaf of the longest trace.
fn siblings(seed: u8) -> Vec<[u8; 32]> {
	let n = aichain_engine::program::MAX_STEPS;
	(0..path_len(n - 1, n) as u32)
		.map(|i| blake2_256(&(seed, i).encode()))
		.collect()
}

/// The root a proof of `leaf` at 0-based `index` among `width` leaves leads to: a tree of
/// millions of leaves without building it.
fn fold(leaf: [u8; 32], index: u32, width: u32, siblings: &[[u8; 32]]) -> [u8; 32] {
	aichain_engine::trace::root_from_proof(leaf, index, width, &proof_of(siblings))
		.expect("a proof as long as the leaf's path")
}

fn proof_of(siblings: &[[u8; 32]]) -> aichain_engine::MerkleProof {
	aichain_engine::MerkleProof { siblings: BoundedVec::truncate_from(siblings.to_vec()) }
}

/// A task over [`longest`] whose trace root commits `solver_to` at its last step, and a
/// challenger's claim root committing `claim_to` there, with both proofs.
struct LongGame<AccountId> {
	task: TaskId,
	claim_root: H256,
	claim_to: Leaf,
	solver_to: Leaf,
	verifiers: Vec<AccountId>,
}

fn long_game<T: Config>() -> LongGame<T::AccountId> {
	let n = aichain_engine::program::MAX_STEPS;
	let (solver_leaf, claim_leaf) = ([0x11; 32], [0x22; 32]);
	let (solver_path, claim_path) = (siblings(1), siblings(2));
	let result = TaskResult {
		model_hash: H256::repeat_byte(1),
		trace_root: H256(fold(solver_leaf, n - 1, n, &solver_path)),
		steps: n,
	};
	let (task, verifiers) =
		T::BenchmarkHelper::disputable_task(longest(), H256::repeat_byte(3), 2, result);
	LongGame {
		task,
		claim_root: H256(fold(claim_leaf, n - 1, n, &claim_path)),
		claim_to: Leaf { hash: H256(claim_leaf), proof: proof_of(&claim_path) },
		solver_to: Leaf { hash: H256(solver_leaf), proof: proof_of(&solver_path) },
		verifiers,
	}
}

/// Give `who` enough for a thousand of the largest bonds.
fn fund<T: Config>(who: &T::AccountId) {
	use frame_support::traits::fungible::Mutate;
	let bond = Pallet::<T>::bond_for(BalanceOf::<T>::from(u32::MAX));
	T::Currency::set_balance(who, bond.saturating_mul(1_000u32.into()));
}

/// A funded challenger.
fn challenger<T: Config>() -> T::AccountId {
	let who: T::AccountId = whitelisted_caller();
	fund::<T>(&who);
	who
}

/// A game over the whole longest trace, opened by a funded challenger, the solver's end reveal
/// due.
fn opened<T: Config>() -> (GameId, LongGame<T::AccountId>, T::AccountId) {
	let setup = long_game::<T>();
	let who = challenger::<T>();
	let n = aichain_engine::program::MAX_STEPS;
	let opening = Opening {
		claim_root: setup.claim_root,
		from: 0,
		to: n,
		from_leaf: None,
		from_trace_proof: None,
		claim_to: setup.claim_to.clone(),
		solver_to: None,
	};
	let game = Pallet::<T>::do_open(who.clone(), setup.task, opening).expect("a valid opening");
	(game, setup, who)
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// A successful step proof (the referee's whole path, then the conviction: slash, refund,
	/// every verifier penalized) for the costliest shape at `c` thousand cost units.
	#[benchmark]
	fn prove_fraud(c: Linear<1, WIDE_MAX_COMPONENT>) {
		let program = wide(wide_batch(c));
		let max_cost = referee_cost(&program);
		let (task, verifiers, proof) = step_two_fraud::<T>(program);
		let prover: T::AccountId = whitelisted_caller();
		#[extrinsic_call]
		_(RawOrigin::Signed(prover), task, max_cost, proof);
		assert!(verifiers.iter().all(|v| Excluded::<T>::contains_key(v)));
	}

	/// What a step proof's bytes cost beyond the referee's own: hashing them, decoding them as
	/// a state (when they are a committed leaf), and the epoch order of the most minibatches a
	/// task may name.
	#[benchmark]
	fn read_bytes(
		b: Linear<0, { MAX_STATE_BYTES + aichain_engine::referee::MAX_MINIBATCH_BYTES }>,
	) {
		let bytes = state_of(b).encode();
		#[block]
		{
			let hash = blake2_256(&bytes);
			let state = State::decode_all(&mut &bytes[..]).expect("a state");
			let order = batch_for_step(u64::from(hash[0]), MAX_TASK_BATCHES, MAX_TASK_BATCHES);
			assert!(order.is_some() && state.step == 1);
		}
	}

	/// A successful model proof over a last state of `b` bytes (hashed, decoded, its model
	/// hashed), then the conviction.
	#[benchmark]
	fn prove_model(b: Linear<64, MAX_STATE_BYTES>) {
		let last = state_of(b);
		let leaves = vec![[0xaa; 32], last.hash()];
		let result = TaskResult {
			model_hash: H256::repeat_byte(1),
			trace_root: H256(merkle_root(&leaves)),
			steps: 2,
		};
		let (task, _) =
			T::BenchmarkHelper::disputable_task(wide(1), H256::repeat_byte(3), 2, result);
		let proof = ModelFraud {
			last_state: BoundedVec::truncate_from(last.encode()),
			proof: merkle_proof(&leaves, 1).expect("leaf 1"),
		};
		let prover: T::AccountId = whitelisted_caller();
		#[extrinsic_call]
		_(RawOrigin::Signed(prover), task, proof);
		assert!(Reported::<T>::iter_prefix(task).next().is_none());
	}

	/// The pool's check of a verifier's report, at the largest state and minibatch of the
	/// costliest shape: the report hashed, the signature, the task, the drawn verifiers, the
	/// report record and the program's shape.
	#[benchmark]
	fn authorize_report() -> Result<(), BenchmarkError> {
		use frame_support::pallet_prelude::{Authorize, TransactionSource};
		use sp_runtime::RuntimeAppPublic;
		let program = wide(WIDE_MAX_BATCH);
		let max_cost = referee_cost(&program);
		let (task, verifiers, proof) = step_two_fraud::<T>(program);
		let verifier = verifiers.last().cloned().ok_or("a verifier")?;
		let key = T::BenchmarkHelper::verifier_key(&verifier);
		let claim = Claim::Step { max_cost, proof };
		let report = FraudReport { key: key.clone(), task, claim };
		let signature = key.sign(&Pallet::<T>::report_payload(&report)).ok_or("the key signs")?;
		let call = Call::<T>::report_fraud { report, signature };
		#[block]
		{
			call.authorize(TransactionSource::External)
				.ok_or("an authorized call")?
				.map_err(|_| "a valid report")?;
		}
		Ok(())
	}

	/// The costliest opening: a range narrower than the trace, so four proofs of the longest
	/// trace are checked (leaf `from` in both roots, leaf `to` in each); the bond into escrow,
	/// the task frozen, the game on the agenda.
	#[benchmark]
	fn open_game() {
		let n = aichain_engine::program::MAX_STEPS;
		// Leaves n − 1 and n are siblings at the bottom of both trees.
		let (agreed, solver_leaf, claim_leaf) = ([0x10; 32], [0x11; 32], [0x22; 32]);
		let path = siblings(1);
		let solver_path = [vec![blake2_256(&agreed)], path[1..].to_vec()].concat();
		let agreed_in_trace = [vec![blake2_256(&solver_leaf)], path[1..].to_vec()].concat();
		let claim_path = [vec![blake2_256(&agreed)], path[1..].to_vec()].concat();
		let agreed_in_claim = [vec![blake2_256(&claim_leaf)], path[1..].to_vec()].concat();
		let trace_root = fold(solver_leaf, n - 1, n, &solver_path);
		assert_eq!(trace_root, fold(agreed, n - 2, n, &agreed_in_trace));
		let claim_root = fold(claim_leaf, n - 1, n, &claim_path);
		assert_eq!(claim_root, fold(agreed, n - 2, n, &agreed_in_claim));
		let result =
			TaskResult { model_hash: H256::repeat_byte(1), trace_root: H256(trace_root), steps: n };
		let (task, _) =
			T::BenchmarkHelper::disputable_task(longest(), H256::repeat_byte(3), 2, result);
		let opening = Opening {
			claim_root: H256(claim_root),
			from: n - 1,
			to: n,
			from_leaf: Some(Leaf { hash: H256(agreed), proof: proof_of(&agreed_in_claim) }),
			from_trace_proof: Some(proof_of(&agreed_in_trace)),
			claim_to: Leaf { hash: H256(claim_leaf), proof: proof_of(&claim_path) },
			solver_to: Some(Leaf { hash: H256(solver_leaf), proof: proof_of(&solver_path) }),
		};
		let who = challenger::<T>();
		#[extrinsic_call]
		_(RawOrigin::Signed(who), task, alloc::boxed::Box::new(opening));
		assert_eq!(Games::<T>::count(), 1);
	}

	/// A reveal that moves the game on: the solver's last leaf, proven against its trace root
	/// (the longest proof), the clocks charged and the game rescheduled.
	#[benchmark]
	fn reveal() {
		let (game, setup, _) = opened::<T>();
		let solver = Games::<T>::get(game).expect("open").solver;
		#[extrinsic_call]
		play(RawOrigin::Signed(solver), game, Move::Reveal(setup.solver_to));
		assert_eq!(Games::<T>::get(game).expect("open").moves, 1);
	}

	/// A game settled because the solver ran out of time: the solver convicted (slashed, the
	/// submitter refunded, every verifier's duty released), the slash shared, the bond back.
	#[benchmark]
	fn timeout() {
		let (game, _, _) = opened::<T>();
		let deadline = Games::<T>::get(game).expect("open").state.deadline();
		frame_system::Pallet::<T>::set_block_number(deadline + 1u32.into());
		let caller: T::AccountId = account("caller", 0, 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(caller), game);
		assert_eq!(Games::<T>::count(), 0);
	}

	/// A game settled because the challenger ran out of time after the window: the bond
	/// shared, the dispute closed and, as the last one, the result paid (solver, every
	/// verifier, the vault).
	#[benchmark]
	fn timeout_pays() -> Result<(), BenchmarkError> {
		let (game, setup, _) = opened::<T>();
		let solver = Games::<T>::get(game).expect("open").solver;
		Pallet::<T>::do_play(&solver, game, Move::Reveal(setup.solver_to))
			.map_err(|_| "the solver reveals")?;
		let record = Games::<T>::get(game).expect("open");
		let window_end = T::Market::dispute_target(record.task).ok_or("disputable")?.window_end;
		let over = record.state.deadline().max(window_end) + 1u32.into();
		frame_system::Pallet::<T>::set_block_number(over);
		let caller: T::AccountId = account("caller", 0, 0);
		#[block]
		{
			Pallet::<T>::do_timeout(game).map_err(|_| "settled")?;
		}
		assert!(T::Market::dispute_target(record.task).is_none(), "paid");
		let _ = (caller, setup.verifiers);
		Ok(())
	}

	/// The pool's check of a fee-free move: the signature, the game, the due party, a reveal
	/// tried and rolled back.
	#[benchmark]
	fn authorize_action() -> Result<(), BenchmarkError> {
		use frame_support::pallet_prelude::{Authorize, TransactionSource};
		use sp_runtime::RuntimeAppPublic;
		let setup = long_game::<T>();
		let verifier = setup.verifiers.last().cloned().ok_or("a verifier")?;
		let key = T::BenchmarkHelper::verifier_key(&verifier);
		fund::<T>(&verifier);
		let n = aichain_engine::program::MAX_STEPS;
		let opening = Opening {
			claim_root: setup.claim_root,
			from: 0,
			to: n,
			from_leaf: None,
			from_trace_proof: None,
			claim_to: setup.claim_to.clone(),
			solver_to: Some(setup.solver_to.clone()),
		};
		let action = SignedGameAction {
			key: key.clone(),
			action: GameAction::Open { task: setup.task, opening },
		};
		let signature = key.sign(&Pallet::<T>::action_payload(&action)).ok_or("the key signs")?;
		let call = Call::<T>::act { action, signature };
		#[block]
		{
			call.authorize(TransactionSource::External)
				.ok_or("an authorized call")?
				.map_err(|_| "a valid action")?;
		}
		Ok(())
	}

	#[benchmark]
	fn set_params() -> Result<(), BenchmarkError> {
		let origin =
			T::GovernanceOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let mut params = Params::<T>::get();
		params.prover_share = sp_runtime::Perbill::from_percent(40);
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, params);
		assert_eq!(Params::<T>::get(), params);
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
