//! Unit tests of the referee against the mock runtime, with the real engine: an honest run of a
//! small program gives every state; a lying solver posts a trace root with one leaf replaced.
//! `run_to_block` and `build_and_execute` check the market's invariants, the referee's and an
//! unchanged total issuance after every block and test.

use crate::{mock::*, pallet::*, types::*};
use aichain_engine::{
	dataset::{batch_for_step, Dataset},
	program::{Activation, HiddenLayer, ModelSpec, Sgd},
	trace::{blake2_256, merkle_proof, merkle_root},
	Executor, Fixed, Hash, Program, State, Trainer,
};
use codec::{Decode, Encode};
use frame_support::{
	assert_noop, assert_ok,
	dispatch::{GetDispatchInfo, Pays},
	pallet_prelude::{Authorize, TransactionSource},
	traits::{fungible::Inspect, Contains},
	BoundedVec,
};
use pallet_compute::{
	DatasetRef, HardwareClass, RefundCause, TaskId, TaskResult, TaskStatus, Tasks,
};
use sp_core::H256;
use sp_runtime::{testing::UintAuthorityId, traits::Dispatchable, RuntimeAppPublic};

const SOLVER: u64 = 1;
const USER: u64 = 10;
const PROVER: u64 = 5;
const STAKE: u64 = 500_000;

/// 3 inputs, 4 ReLU units, 2 classes, batch 2.
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

/// 14 samples: seven minibatches of two.
fn dataset() -> Dataset {
	Dataset {
		features: 3,
		classes: 2,
		inputs: (0..42).map(|i| (i % 7 - 3) * 9_000).collect(),
		labels: (0..14).map(|i| (i % 2) as u16).collect(),
	}
}

/// An honest run: every state (step 0 first) and the leaves.
struct Job {
	program: Program,
	dataset: Dataset,
	states: Vec<State>,
	leaves: Vec<Hash>,
}

impl Job {
	fn new(steps: u32) -> Self {
		let program = program(steps);
		let dataset = dataset();
		let executor = Executor::portable();
		let mut trainer = Trainer::new(&program, &dataset, &executor).unwrap();
		let mut state = State::initial(&program);
		let mut states = vec![state.clone()];
		for _ in 0..steps {
			trainer.step(&mut state).unwrap();
			states.push(state.clone());
		}
		let leaves = states[1..].iter().map(State::hash).collect();
		Self { program, dataset, states, leaves }
	}

	fn batches(&self) -> u32 {
		self.dataset.batches(self.program.batch_size)
	}

	fn minibatch_leaves(&self) -> Vec<Hash> {
		self.dataset.minibatch_hashes(self.program.batch_size)
	}

	/// The leaves of a solver that lies at step `k` (a random hash; it trains on honestly).
	fn lying_leaves(&self, k: u32) -> Vec<Hash> {
		let mut leaves = self.leaves.clone();
		leaves[k as usize - 1] = blake2_256(&(b"lie", k).encode());
		leaves
	}

	/// The fraud proof of step `k` against `leaves`.
	fn proof(&self, leaves: &[Hash], k: u32) -> StepFraud {
		let prior = if k == 1 { vec![] } else { self.states[k as usize - 1].encode() };
		let index = batch_for_step(self.program.seed, self.batches(), k).unwrap();
		StepFraud {
			step: k,
			prior_state: BoundedVec::truncate_from(prior),
			prior_proof: merkle_proof(leaves, k.saturating_sub(2)).unwrap(),
			minibatch: BoundedVec::truncate_from(
				self.dataset.minibatch(self.program.batch_size, index).unwrap().encode(),
			),
			minibatch_proof: merkle_proof(&self.minibatch_leaves(), index).unwrap(),
			leaf: H256(leaves[k as usize - 1]),
			leaf_proof: merkle_proof(leaves, k - 1).unwrap(),
		}
	}

	fn model_proof(&self, leaves: &[Hash]) -> ModelFraud {
		let n = self.program.steps as usize;
		ModelFraud {
			last_state: BoundedVec::truncate_from(self.states[n].encode()),
			proof: merkle_proof(leaves, n as u32 - 1).unwrap(),
		}
	}

	fn cost(&self) -> u64 {
		Disputes::referee_cost(&self.program)
	}
}

/// `SOLVER` registers, `USER` submits `job`, the solver takes it and posts a result over
/// `leaves` with `model_hash`; the verifiers are drawn and all attest. Returns the task.
fn post(job: &Job, leaves: &[Hash], model_hash: Hash) -> TaskId {
	assert_ok!(Compute::register_solver(
		RuntimeOrigin::signed(SOLVER),
		STAKE,
		1_000_000,
		HardwareClass::Cpu
	));
	let id = pallet_compute::NextTaskId::<Test>::get();
	let dataset = DatasetRef {
		root: H256(merkle_root(&job.minibatch_leaves())),
		url: BoundedVec::truncate_from(b"http://127.0.0.1:8000/d.aids".to_vec()),
		batches: job.batches(),
	};
	let now = System::block_number();
	assert_ok!(Compute::submit_task(
		RuntimeOrigin::signed(USER),
		job.program.clone(),
		dataset,
		HardwareClass::Cpu,
		now + 200,
		u64::MAX
	));
	run_to_block(now + 1);
	assert_ok!(Compute::accept_task(RuntimeOrigin::signed(SOLVER), id));
	let result = TaskResult {
		model_hash: H256(model_hash),
		trace_root: H256(merkle_root(leaves)),
		steps: job.program.steps,
	};
	assert_ok!(Compute::submit_result(RuntimeOrigin::signed(SOLVER), id, result));
	run_to_block(now + 3);
	for v in verifiers(id) {
		assert_ok!(Compute::attest(RuntimeOrigin::signed(v.account), id));
	}
	id
}

fn verifiers(id: TaskId) -> Vec<pallet_compute::Verifier<u64>> {
	match Tasks::<Test>::get(id).unwrap().status {
		TaskStatus::Submitted { verifiers, draw_at: None, .. } => verifiers.into_inner(),
		other => panic!("no verifiers drawn: {other:?}"),
	}
}

fn fee_of(id: TaskId) -> u64 {
	Tasks::<Test>::get(id).unwrap().fee
}

fn deposit_of(id: TaskId) -> u64 {
	Tasks::<Test>::get(id).unwrap().deposit
}

fn last_model(job: &Job) -> Hash {
	job.states.last().unwrap().model_hash()
}

fn balance(who: u64) -> u64 {
	Balances::balance(&who)
}

/// Prove the lie of a solver lying at `lie` over a `steps`-step trace; check every balance.
fn caught(steps: u32, lie: u32) {
	build_and_execute(|| {
		let job = Job::new(steps);
		let leaves = job.lying_leaves(lie);
		let id = post(&job, &leaves, last_model(&job));
		let user_before = balance(USER);
		let (prover_before, treasury_before) = (balance(PROVER), balance(TREASURY));
		let fee = fee_of(id);
		let drawn = verifiers(id);
		// Every other step checks out (the step after the lie starts from a state the solver did
		// not commit to, so its proof does not even reach the referee).
		for k in 1..=steps {
			if k == lie {
				continue;
			}
			assert!(
				Disputes::prove_fraud(
					RuntimeOrigin::signed(PROVER),
					id,
					job.cost(),
					job.proof(&leaves, k)
				)
				.is_err(),
				"steps {steps}, lie at {lie}: step {k} proved fraud"
			);
		}
		assert_ok!(Disputes::prove_fraud(
			RuntimeOrigin::signed(PROVER),
			id,
			job.cost(),
			job.proof(&leaves, lie)
		));
		let slashed = STAKE / 2;
		System::assert_has_event(
			Event::FraudProven {
				task: id,
				solver: SOLVER,
				prover: PROVER,
				step: lie,
				fault: Fault::WrongState,
				slashed,
				reward: slashed / 2,
				to_treasury: slashed / 2,
			}
			.into(),
		);
		assert_eq!(balance(PROVER), prover_before + slashed / 2);
		assert_eq!(balance(TREASURY), treasury_before + slashed / 2);
		assert_eq!(balance(USER), user_before + fee, "the fee comes back in full");
		assert_eq!(
			Tasks::<Test>::get(id).unwrap().status,
			TaskStatus::Refunded {
				cause: RefundCause::ResultDisproved,
				at: System::block_number()
			}
		);
		let solver = pallet_compute::Solvers::<Test>::get(SOLVER).unwrap();
		assert_eq!(
			(solver.stake, solver.reputation.is_zero(), solver.active_tasks),
			(STAKE - slashed, true, 0)
		);
		assert_eq!(balance(SOLVER), INITIAL - STAKE, "the solver was paid nothing");
		// Exactly the attesters whose segment holds the lie are penalized.
		let blind: Vec<u64> =
			drawn.iter().filter(|v| v.segment.covers(lie)).map(|v| v.account).collect();
		assert_eq!(blind_reported(), blind.iter().map(|v| (*v, id)).collect::<Vec<_>>());
		for v in &drawn {
			assert_eq!(Disputes::contains(&v.account), blind.contains(&v.account));
		}
		// After the deposit comes back at pruning, the submitter has all it started with.
		run_to_block(System::block_number() + 25);
		assert_eq!(balance(USER), INITIAL);
		let _ = deposit_of;
	});
}

#[test]
fn a_lying_solver_is_caught_wherever_it_lies() {
	for (steps, lies) in [
		(1, vec![1]),
		(2, vec![1, 2]),
		(7, vec![1, 2, 4, 7]),
		(1_500, vec![1, 2, 750, 1_024, 1_025, 1_500]),
	] {
		for lie in lies {
			caught(steps, lie);
		}
	}
}

#[test]
fn a_proof_without_fraud_fails_and_changes_nothing() {
	build_and_execute(|| {
		let job = Job::new(7);
		let id = post(&job, &job.leaves, last_model(&job));
		for k in 1..=7 {
			assert_noop!(
				Disputes::prove_fraud(
					RuntimeOrigin::signed(PROVER),
					id,
					job.cost(),
					job.proof(&job.leaves, k)
				),
				Error::<Test>::NoFraud
			);
		}
		assert_noop!(
			Disputes::prove_model(RuntimeOrigin::signed(PROVER), id, job.model_proof(&job.leaves)),
			Error::<Test>::NoFraud
		);
		// The honest solver is paid after its window.
		run_to_block(System::block_number() + 50);
		assert!(matches!(Tasks::<Test>::get(id).unwrap().status, TaskStatus::Finalized { .. }));
	});
}

#[test]
fn a_failing_signed_proof_pays_for_its_full_weight() {
	build_and_execute(|| {
		let job = Job::new(7);
		let id = post(&job, &job.leaves, last_model(&job));
		let call = RuntimeCall::Disputes(Call::prove_fraud {
			task: id,
			max_cost: job.cost(),
			proof: job.proof(&job.leaves, 3),
		});
		let info = call.get_dispatch_info();
		assert_eq!(info.pays_fee, Pays::Yes);
		let err = call.dispatch(RuntimeOrigin::signed(PROVER)).unwrap_err();
		assert_eq!(err.error, Error::<Test>::NoFraud.into());
		// No refund of weight: what was declared is charged.
		assert_eq!(err.post_info.actual_weight, None);
		assert_eq!(err.post_info.pays_fee, Pays::Yes);
		// More declared cost weighs more; the weight covers the bytes given.
		let bigger = Disputes::step_weight(job.cost() * 10, &job.proof(&job.leaves, 3));
		assert!(bigger.ref_time() > info.call_weight.ref_time());
	});
}

#[test]
fn wrong_states_minibatches_and_proofs_prove_nothing() {
	build_and_execute(|| {
		let job = Job::new(7);
		let leaves = job.lying_leaves(4);
		let id = post(&job, &leaves, last_model(&job));
		let good = job.proof(&leaves, 4);
		let prove =
			|p: StepFraud| Disputes::prove_fraud(RuntimeOrigin::signed(PROVER), id, job.cost(), p);
		// A prior state that does not hash to the solver's leaf 3.
		let mut other = job.states[3].clone();
		other.layers[0].biases[0] += 1;
		assert_noop!(
			prove(StepFraud {
				prior_state: BoundedVec::truncate_from(other.encode()),
				..good.clone()
			}),
			Error::<Test>::PriorStateNotCommitted
		);
		// The minibatch of another step, with its own (valid) proof at its own index.
		let index = batch_for_step(job.program.seed, job.batches(), 4).unwrap();
		let wrong = (index + 1) % job.batches();
		assert_noop!(
			prove(StepFraud {
				minibatch: BoundedVec::truncate_from(
					job.dataset.minibatch(2, wrong).unwrap().encode()
				),
				minibatch_proof: merkle_proof(&job.minibatch_leaves(), wrong).unwrap(),
				..good.clone()
			}),
			Error::<Test>::MinibatchNotCommitted
		);
		// A foreign proof of the leaf (another trace's), and a short one.
		assert_noop!(
			prove(StepFraud {
				leaf_proof: merkle_proof(&job.lying_leaves(6), 3).unwrap(),
				..good.clone()
			}),
			Error::<Test>::LeafNotCommitted
		);
		let mut short = good.leaf_proof.clone();
		short.siblings.pop();
		assert_noop!(
			prove(StepFraud { leaf_proof: short, ..good.clone() }),
			Error::<Test>::LeafNotCommitted
		);
		// A leaf claimed at another step.
		assert_noop!(prove(StepFraud { step: 5, ..good.clone() }), Error::<Test>::LeafNotCommitted);
		assert_noop!(prove(StepFraud { step: 8, ..good.clone() }), Error::<Test>::StepOutOfRange);
		assert_noop!(prove(StepFraud { step: 0, ..good.clone() }), Error::<Test>::StepOutOfRange);
		// Paying for less than the program's referee cost.
		assert_noop!(
			Disputes::prove_fraud(RuntimeOrigin::signed(PROVER), id, job.cost() - 1, good.clone()),
			Error::<Test>::CostNotCovered
		);
		// Unknown task.
		assert_noop!(
			Disputes::prove_fraud(RuntimeOrigin::signed(PROVER), 99, job.cost(), good.clone()),
			Error::<Test>::NotDisputable
		);
		assert_ok!(prove(good));
	});
}

#[test]
fn a_committed_state_that_is_not_a_state_is_the_solvers_fault() {
	build_and_execute(|| {
		let job = Job::new(7);
		let garbage = b"not a state".to_vec();
		let mut leaves = job.leaves.clone();
		leaves[2] = blake2_256(&garbage);
		let id = post(&job, &leaves, last_model(&job));
		let proof =
			StepFraud { prior_state: BoundedVec::truncate_from(garbage), ..job.proof(&leaves, 4) };
		assert_ok!(Disputes::prove_fraud(RuntimeOrigin::signed(PROVER), id, job.cost(), proof));
		System::assert_has_event(
			Event::FraudProven {
				task: id,
				solver: SOLVER,
				prover: PROVER,
				step: 4,
				fault: Fault::UndecodableState,
				slashed: STAKE / 2,
				reward: STAKE / 4,
				to_treasury: STAKE / 4,
			}
			.into(),
		);
	});
}

#[test]
fn oversized_arguments_do_not_decode() {
	let job = Job::new(2);
	let mut proof = job.proof(&job.leaves, 2);
	let call =
		RuntimeCall::Disputes(Call::prove_fraud { task: 0, max_cost: 1, proof: proof.clone() });
	let mut encoded = call.encode();
	assert!(RuntimeCall::decode(&mut &encoded[..]).is_ok());
	// A state one byte over the bound: the same call with a longer vector.
	let over = vec![0u8; aichain_engine::referee::MAX_STATE_BYTES as usize + 1];
	encoded = (4u8, 0u8, 0u64, 1u64, 2u32, over).encode();
	assert!(RuntimeCall::decode(&mut &encoded[..]).is_err());
	// At the bound it fits.
	proof.prior_state =
		BoundedVec::try_from(vec![0u8; aichain_engine::referee::MAX_STATE_BYTES as usize]).unwrap();
	let call = RuntimeCall::Disputes(Call::prove_fraud { task: 0, max_cost: 1, proof });
	assert!(RuntimeCall::decode(&mut &call.encode()[..]).is_ok());
}

#[test]
fn late_proofs_and_second_proofs_find_nothing_to_dispute() {
	build_and_execute(|| {
		let job = Job::new(7);
		let leaves = job.lying_leaves(3);
		let id = post(&job, &leaves, last_model(&job));
		assert_ok!(Disputes::prove_fraud(
			RuntimeOrigin::signed(PROVER),
			id,
			job.cost(),
			job.proof(&leaves, 3)
		));
		// A second proof (another prover, the model too) finds the task settled.
		assert_noop!(
			Disputes::prove_fraud(RuntimeOrigin::signed(6), id, job.cost(), job.proof(&leaves, 3)),
			Error::<Test>::NotDisputable
		);
		assert_noop!(
			Disputes::prove_model(RuntimeOrigin::signed(6), id, job.model_proof(&leaves)),
			Error::<Test>::NotDisputable
		);
	});
	build_and_execute(|| {
		let job = Job::new(7);
		let leaves = job.lying_leaves(3);
		let id = post(&job, &leaves, last_model(&job));
		let window_end = match Tasks::<Test>::get(id).unwrap().status {
			TaskStatus::Submitted { window_end, .. } => window_end,
			_ => unreachable!(),
		};
		// The window has closed; the hook of the next block has not paid it yet.
		run_to_block(window_end);
		System::set_block_number(window_end + 1);
		assert_noop!(
			Disputes::prove_fraud(
				RuntimeOrigin::signed(PROVER),
				id,
				job.cost(),
				job.proof(&leaves, 3)
			),
			Error::<Test>::NotDisputable
		);
		// The lie stands: it was not caught in time (the solver is paid).
		<Compute as frame_support::traits::Hooks<u64>>::on_initialize(window_end + 1);
		let status = Tasks::<Test>::get(id).unwrap().status;
		assert!(matches!(status, TaskStatus::Finalized { .. }), "{status:?}");
	});
}

#[test]
fn the_model_check_both_ways() {
	build_and_execute(|| {
		let job = Job::new(7);
		// Honest trace, wrong model hash.
		let id = post(&job, &job.leaves, [9; 32]);
		let before = balance(PROVER);
		assert_ok!(Disputes::prove_model(
			RuntimeOrigin::signed(PROVER),
			id,
			job.model_proof(&job.leaves)
		));
		System::assert_has_event(
			Event::FraudProven {
				task: id,
				solver: SOLVER,
				prover: PROVER,
				step: 0,
				fault: Fault::WrongModel,
				slashed: STAKE / 2,
				reward: STAKE / 4,
				to_treasury: STAKE / 4,
			}
			.into(),
		);
		assert_eq!(balance(PROVER), before + STAKE / 4);
		// A model fraud names no step: no attester is penalized.
		assert!(blind_reported().is_empty());
	});
	build_and_execute(|| {
		let job = Job::new(7);
		let id = post(&job, &job.leaves, last_model(&job));
		// The right model: nothing proven; a state that is not the last leaf: refused.
		assert_noop!(
			Disputes::prove_model(RuntimeOrigin::signed(PROVER), id, job.model_proof(&job.leaves)),
			Error::<Test>::NoFraud
		);
		let earlier = ModelFraud {
			last_state: BoundedVec::truncate_from(job.states[6].encode()),
			proof: merkle_proof(&job.leaves, 5).unwrap(),
		};
		assert_noop!(
			Disputes::prove_model(RuntimeOrigin::signed(PROVER), id, earlier),
			Error::<Test>::LastStateNotCommitted
		);
	});
}

#[test]
fn a_task_from_before_the_minibatch_count_can_only_be_proven_wrong_by_its_model() {
	build_and_execute(|| {
		let job = Job::new(7);
		let leaves = job.lying_leaves(2);
		let id = post(&job, &leaves, [9; 32]);
		Tasks::<Test>::mutate(id, |t| t.as_mut().unwrap().dataset.batches = 0);
		assert_noop!(
			Disputes::prove_fraud(
				RuntimeOrigin::signed(PROVER),
				id,
				job.cost(),
				job.proof(&leaves, 2)
			),
			Error::<Test>::UnknownBatchCount
		);
		assert_ok!(Disputes::prove_model(
			RuntimeOrigin::signed(PROVER),
			id,
			job.model_proof(&leaves)
		));
	});
}

#[test]
fn blind_attesters_are_left_out_of_the_next_draws_for_the_exclusion_period() {
	build_and_execute(|| {
		// 2 steps: every drawn segment covers both steps.
		let job = Job::new(2);
		let leaves = job.lying_leaves(2);
		let id = post(&job, &leaves, last_model(&job));
		let drawn: Vec<u64> = verifiers(id).into_iter().map(|v| v.account).collect();
		assert_eq!(drawn.len(), 2);
		assert_ok!(Disputes::prove_fraud(
			RuntimeOrigin::signed(PROVER),
			id,
			job.cost(),
			job.proof(&leaves, 2)
		));
		let now = System::block_number();
		for v in &drawn {
			System::assert_has_event(
				Event::AttesterPenalized { task: id, verifier: *v, until: now + 100 }.into(),
			);
		}
		// The next results (of another solver: the convicted one has no reputation left to be
		// drawn with) draw only among the other validators.
		assert_ok!(Compute::register_solver(
			RuntimeOrigin::signed(2),
			STAKE,
			1_000_000,
			HardwareClass::Cpu
		));
		for round in 0..3u64 {
			let next = pallet_compute::NextTaskId::<Test>::get();
			let dataset = DatasetRef {
				root: H256(merkle_root(&job.minibatch_leaves())),
				url: BoundedVec::truncate_from(b"http://127.0.0.1:8000/d.aids".to_vec()),
				batches: job.batches(),
			};
			let at = System::block_number();
			assert_ok!(Compute::submit_task(
				RuntimeOrigin::signed(USER),
				job.program.clone(),
				dataset,
				HardwareClass::Cpu,
				at + 200,
				u64::MAX
			));
			run_to_block(at + 1);
			assert_ok!(Compute::accept_task(RuntimeOrigin::signed(2), next));
			let result = TaskResult {
				model_hash: H256(last_model(&job)),
				trace_root: H256(merkle_root(&job.leaves)),
				steps: 2,
			};
			assert_ok!(Compute::submit_result(RuntimeOrigin::signed(2), next, result));
			run_to_block(at + 3);
			for v in verifiers(next) {
				assert!(!drawn.contains(&v.account), "round {round}: excluded {} drawn", v.account);
			}
		}
		// After the period they may be drawn again.
		run_to_block(now + 101);
		assert!(drawn.iter().all(|v| !Disputes::contains(v)));
	});
}

fn report(id: TaskId, verifier: u64, claim: Claim) -> RuntimeCall {
	let report = FraudReport { key: UintAuthorityId(verifier), task: id, claim };
	let signature = UintAuthorityId(verifier).sign(&Disputes::report_payload(&report)).unwrap();
	RuntimeCall::Disputes(Call::report_fraud { report, signature })
}

#[test]
fn a_drawn_verifier_proves_fraud_fee_free_once() {
	build_and_execute(|| {
		let job = Job::new(7);
		let leaves = job.lying_leaves(5);
		let id = post(&job, &leaves, last_model(&job));
		let drawn: Vec<u64> = verifiers(id).into_iter().map(|v| v.account).collect();
		let outsider = VALIDATORS.iter().copied().find(|v| !drawn.contains(v)).unwrap();
		let (first, second) = (drawn[0], drawn[1]);
		// Not drawn: refused by the pool.
		let wrong = report(
			id,
			outsider,
			Claim::Step { max_cost: job.cost(), proof: job.proof(&leaves, 5) },
		);
		assert!(wrong.authorize(TransactionSource::External).unwrap().is_err());
		// Nor does it dispatch, should it reach a block some other way.
		assert_noop!(
			wrong.dispatch(frame_system::RawOrigin::Authorized.into()).map_err(|e| e.error),
			Error::<Test>::NotAVerifier
		);
		// A bad signature: refused.
		let RuntimeCall::Disputes(Call::report_fraud { report: r, .. }) =
			report(id, first, Claim::Step { max_cost: job.cost(), proof: job.proof(&leaves, 5) })
		else {
			unreachable!()
		};
		let forged = RuntimeCall::Disputes(Call::report_fraud {
			report: r,
			signature: UintAuthorityId(outsider).sign(&b"something else".to_vec()).unwrap(),
		});
		assert!(forged.authorize(TransactionSource::External).unwrap().is_err());
		// Fee-free space is only what the program needs: its exact cost and shapes.
		let overpaid = report(
			id,
			first,
			Claim::Step { max_cost: job.cost() + 1, proof: job.proof(&leaves, 5) },
		);
		assert!(overpaid.authorize(TransactionSource::External).unwrap().is_err());
		let mut padded = job.proof(&leaves, 5);
		padded.minibatch.try_push(0).unwrap();
		let padded = report(id, first, Claim::Step { max_cost: job.cost(), proof: padded });
		assert!(padded.authorize(TransactionSource::External).unwrap().is_err());
		let junk = report(
			id,
			first,
			Claim::Model(ModelFraud {
				last_state: BoundedVec::truncate_from(vec![0; 10]),
				proof: job.model_proof(&leaves).proof,
			}),
		);
		assert!(junk.authorize(TransactionSource::External).unwrap().is_err());
		// A wrong proof from a drawn verifier is used up: refused on record, fee-free.
		let bad =
			report(id, first, Claim::Step { max_cost: job.cost(), proof: job.proof(&leaves, 4) });
		assert!(bad.authorize(TransactionSource::External).unwrap().is_ok());
		let post_info = bad.dispatch(frame_system::RawOrigin::Authorized.into()).unwrap();
		assert_eq!(post_info.pays_fee, Pays::No);
		System::assert_has_event(
			Event::ReportRefused {
				task: id,
				verifier: first,
				error: Error::<Test>::NoFraud.into(),
			}
			.into(),
		);
		let again =
			report(id, first, Claim::Step { max_cost: job.cost(), proof: job.proof(&leaves, 5) });
		assert!(again.authorize(TransactionSource::External).unwrap().is_err());
		assert_noop!(
			again.dispatch(frame_system::RawOrigin::Authorized.into()).map_err(|e| e.error),
			Error::<Test>::AlreadyReported
		);
		// The other verifier proves it: paid as any prover.
		let before = balance(second);
		let good =
			report(id, second, Claim::Step { max_cost: job.cost(), proof: job.proof(&leaves, 5) });
		assert!(good.authorize(TransactionSource::External).unwrap().is_ok());
		assert_ok!(good.dispatch(frame_system::RawOrigin::Authorized.into()));
		assert_eq!(balance(second), before + STAKE / 4);
		assert!(
			Reported::<Test>::iter_prefix(id).next().is_none(),
			"a disproved result's reports go"
		);
	});
}

#[test]
fn params_are_governed_and_validated() {
	build_and_execute(|| {
		let mut params = Params::<Test>::get();
		params.prover_share = sp_runtime::Perbill::from_percent(30);
		assert_noop!(
			Disputes::set_params(RuntimeOrigin::signed(1), params),
			sp_runtime::DispatchError::BadOrigin
		);
		assert_ok!(Disputes::set_params(RuntimeOrigin::root(), params));
		System::assert_last_event(Event::ParamsSet { params }.into());
		params.fraud_slash = sp_runtime::Perbill::zero();
		assert_noop!(Disputes::set_params(RuntimeOrigin::root(), params), Error::<Test>::BadParams);
	});
}

#[test]
fn the_runtime_api_answer_names_what_a_proof_needs() {
	build_and_execute(|| {
		let job = Job::new(7);
		let id = post(&job, &job.leaves, last_model(&job));
		let info = Disputes::dispute_info(id).unwrap();
		assert_eq!((info.solver, info.steps, info.batches), (SOLVER, 7, 7));
		assert_eq!(info.step_cost, job.cost());
		assert_eq!(info.slash, STAKE / 2);
		assert_eq!(Disputes::dispute_info(99), None);
	});
}

#[test]
fn a_solver_proving_its_own_lie_is_paid_nothing_for_it() {
	build_and_execute(|| {
		let job = Job::new(7);
		let leaves = job.lying_leaves(3);
		let id = post(&job, &leaves, last_model(&job));
		let treasury = balance(TREASURY);
		assert_ok!(Disputes::prove_fraud(
			RuntimeOrigin::signed(SOLVER),
			id,
			job.cost(),
			job.proof(&leaves, 3)
		));
		System::assert_has_event(
			Event::FraudProven {
				task: id,
				solver: SOLVER,
				prover: SOLVER,
				step: 3,
				fault: Fault::WrongState,
				slashed: STAKE / 2,
				reward: 0,
				to_treasury: STAKE / 2,
			}
			.into(),
		);
		assert_eq!(balance(TREASURY), treasury + STAKE / 2);
	});
}

#[test]
fn step_one_starts_from_the_programs_initial_state_and_takes_no_other() {
	build_and_execute(|| {
		let job = Job::new(7);
		let leaves = job.lying_leaves(1);
		let id = post(&job, &leaves, last_model(&job));
		let mut proof = job.proof(&leaves, 1);
		assert!(proof.prior_state.is_empty());
		proof.prior_state = BoundedVec::truncate_from(job.states[0].encode());
		assert_noop!(
			Disputes::prove_fraud(RuntimeOrigin::signed(PROVER), id, job.cost(), proof),
			Error::<Test>::UnexpectedPriorState
		);
		assert_ok!(Disputes::prove_fraud(
			RuntimeOrigin::signed(PROVER),
			id,
			job.cost(),
			job.proof(&leaves, 1)
		));
	});
}

#[path = "game_tests.rs"]
mod game;
