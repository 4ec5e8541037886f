//! What the calls do, the referee's weights and the pallet's invariants.

use crate::WeightInfo;
use crate::{pallet::*, types::*, BalanceOf, BlindAttesters, CreditOf, LOG_TARGET};
use aichain_engine::referee::{self, RefereeError, StepProof};
use codec::Encode;
use frame_support::{
	pallet_prelude::*,
	traits::{fungible::Balanced, Imbalance, OnUnbalanced},
	weights::Weight,
};
use frame_system::pallet_prelude::BlockNumberFor;
use pallet_compute::{DisputeTarget, OffchainKeys, TaskDisputes, TaskId};
use sp_runtime::{
	traits::{Saturating, Zero},
	transaction_validity::{InvalidTransaction, TransactionValidityWithRefund, ValidTransaction},
};

/// Priority of verifiers' fraud reports in the pool: above ordinary transactions, like the
/// market's own reports.
const REPORT_PRIORITY: u64 = u64::MAX / 2;

/// Blocks a fraud report stays valid in the pool.
const REPORT_LONGEVITY: u64 = 16;

/// Referee cost units per benchmark component unit ([`crate::WeightInfo::prove_fraud`] takes
/// thousands of units).
pub const COST_PER_COMPONENT: u64 = 1_000;

impl<T: Config> Pallet<T> {
	/// The referee cost of one step of `program` (what a step proof's `max_cost` must cover).
	pub fn referee_cost(program: &aichain_engine::Program) -> u64 {
		referee::referee_cost(program)
	}

	/// What proving fraud against `task` takes now (the runtime API's answer).
	pub fn dispute_info(
		task: TaskId,
	) -> Option<DisputeInfo<T::AccountId, BalanceOf<T>, BlockNumberFor<T>>> {
		let target = T::Market::dispute_target(task)?;
		let slash = T::Market::stake_of(&target.solver)
			.map(|stake| Params::<T>::get().fraud_slash.mul_floor(stake))
			.unwrap_or_default();
		Some(DisputeInfo {
			steps: target.result.steps,
			batches: target.batches,
			window_end: target.window_end,
			step_cost: referee::referee_cost(&target.program),
			slash,
			solver: target.solver,
		})
	}

	/// Weight of a step proof that pays for `max_cost` referee cost units and carries `proof`'s
	/// bytes: the referee at that cost, plus reading (hashing and decoding) the bytes given.
	pub fn step_weight(max_cost: u64, proof: &StepFraud) -> Weight {
		Self::referee_weight(max_cost, proof.prior_state.len(), proof.minibatch.len())
	}

	/// Weight of recomputing one step at `max_cost` referee cost units from a state of
	/// `state_len` and a minibatch of `minibatch_len` bytes (a fraud proof, or a game's referee
	/// move).
	pub(crate) fn referee_weight(max_cost: u64, state_len: usize, minibatch_len: usize) -> Weight {
		let units = max_cost.min(referee::MAX_REFEREE_COST).div_ceil(COST_PER_COMPONENT).max(1);
		let bytes = state_len.saturating_add(minibatch_len);
		T::WeightInfo::prove_fraud(units.try_into().unwrap_or(u32::MAX))
			.saturating_add(T::WeightInfo::read_bytes(bytes.try_into().unwrap_or(u32::MAX)))
	}

	/// Weight of either proof.
	pub fn claim_weight(claim: &Claim) -> Weight {
		match claim {
			Claim::Step { max_cost, proof } => Self::step_weight(*max_cost, proof),
			Claim::Model(proof) => T::WeightInfo::prove_model(proof.last_state.len() as u32),
		}
	}

	/// Referee `claim` against `task`'s result and, if it proves fraud, convict the solver and
	/// pay `prover`. Changes nothing on failure.
	pub(crate) fn do_prove(prover: T::AccountId, task: TaskId, claim: Claim) -> DispatchResult {
		let target = T::Market::dispute_target(task).ok_or(Error::<T>::NotDisputable)?;
		let (step, fault) = Self::referee(&target, &claim)?;
		Self::convict(task, target, prover, step, fault).map(|_| ())
	}

	/// Run the referee. Returns the step proven wrong (0 for the model) and how.
	fn referee(
		target: &DisputeTarget<T::AccountId, BlockNumberFor<T>>,
		claim: &Claim,
	) -> Result<(u32, Fault), DispatchError> {
		let commitments = Self::commitments(target);
		match claim {
			Claim::Step { max_cost, proof } => {
				ensure!(
					referee::referee_cost(&target.program) <= *max_cost,
					Error::<T>::CostNotCovered
				);
				let step_proof = StepProof {
					step: proof.step,
					prior_state: &proof.prior_state,
					prior_proof: &proof.prior_proof,
					minibatch: &proof.minibatch,
					minibatch_proof: &proof.minibatch_proof,
					leaf: proof.leaf.0,
					leaf_proof: &proof.leaf_proof,
				};
				let fault = referee::referee_step(&target.program, &commitments, &step_proof)
					.map_err(Self::refusal)?;
				Ok((proof.step, fault))
			},
			Claim::Model(proof) => {
				let fault = referee::referee_model(&commitments, &proof.last_state, &proof.proof)
					.map_err(Self::refusal)?;
				Ok((0, fault))
			},
		}
	}

	pub(crate) fn refusal(e: RefereeError) -> DispatchError {
		match e {
			RefereeError::StepOutOfRange => Error::<T>::StepOutOfRange,
			RefereeError::UnknownBatchCount => Error::<T>::UnknownBatchCount,
			RefereeError::UnexpectedPriorState => Error::<T>::UnexpectedPriorState,
			RefereeError::PriorStateNotCommitted => Error::<T>::PriorStateNotCommitted,
			RefereeError::MinibatchNotCommitted => Error::<T>::MinibatchNotCommitted,
			RefereeError::LeafNotCommitted => Error::<T>::LeafNotCommitted,
			RefereeError::LastStateNotCommitted => Error::<T>::LastStateNotCommitted,
			RefereeError::InvalidProgram => Error::<T>::InvalidProgram,
			RefereeError::NoFraud => Error::<T>::NoFraud,
		}
		.into()
	}

	/// The solver of `task` is proven wrong at `step`: slash it through the market (which
	/// refunds the submitter), share the slash out and penalize the blind attesters.
	pub(crate) fn convict(
		task: TaskId,
		target: DisputeTarget<T::AccountId, BlockNumberFor<T>>,
		prover: T::AccountId,
		step: u32,
		fault: Fault,
	) -> Result<crate::game_impls::Slash<BalanceOf<T>>, DispatchError> {
		let params = Params::<T>::get();
		let slash = Self::slash_solver(task, &target.solver, &prover)?;
		Self::deposit_event(Event::FraudProven {
			task,
			solver: target.solver.clone(),
			prover,
			step,
			fault,
			slashed: slash.slashed,
			reward: slash.reward,
			to_treasury: slash.to_treasury,
		});
		if step > 0 {
			let until =
				frame_system::Pallet::<T>::block_number().saturating_add(params.attester_exclusion);
			for verifier in
				target.verifiers.iter().filter(|v| v.attested() && v.segment.covers(step))
			{
				Excluded::<T>::insert(&verifier.account, until);
				T::BlindAttesters::report(&verifier.account, task, params.attester_slash);
				Self::deposit_event(Event::AttesterPenalized {
					task,
					verifier: verifier.account.clone(),
					until,
				});
			}
		}
		Ok(slash)
	}

	/// Pay `credit` to `who`; if the account cannot take it (below the existential deposit),
	/// the treasury gets it. Returns what `who` got.
	pub(crate) fn pay_or_treasury(who: &T::AccountId, credit: CreditOf<T>) -> BalanceOf<T> {
		let amount = credit.peek();
		match T::Currency::resolve(who, credit) {
			Ok(()) => amount,
			Err(credit) => {
				T::Treasury::on_unbalanced(credit);
				Zero::zero()
			},
		}
	}

	/// The verifier a report is from, if it may report on its task now: the key is the
	/// `compute` key of a verifier drawn for the task, which is disputable, and the verifier
	/// has not reported on it before. Shared by the pool check and the dispatch.
	pub(crate) fn reporter(
		report: &FraudReport<T::OffchainKey>,
	) -> Result<T::AccountId, DispatchError> {
		let who = T::OffchainKeys::validator(&report.key).ok_or(Error::<T>::NotAVerifier)?;
		let target = T::Market::dispute_target(report.task).ok_or(Error::<T>::NotDisputable)?;
		ensure!(target.verifiers.iter().any(|v| v.account == who), Error::<T>::NotAVerifier);
		ensure!(!Reported::<T>::contains_key(report.task, &who), Error::<T>::AlreadyReported);
		// Fee-free block space is only what the task's program needs: its referee cost, and a
		// state and minibatch of exactly its shape (an honest re-execution gives nothing else).
		match &report.claim {
			Claim::Step { max_cost, proof } => ensure!(
				Self::step_of_programs_shape(
					&target.program,
					proof.step,
					*max_cost,
					proof.prior_state.len(),
					proof.minibatch.len()
				),
				Error::<T>::NotTheProgramsShape
			),
			Claim::Model(proof) => ensure!(
				proof.last_state.len() == referee::state_len(&target.program),
				Error::<T>::NotTheProgramsShape
			),
		}
		Ok(who)
	}

	/// Whether a fee-free recomputation of step `step` pays exactly `program`'s referee cost and
	/// carries a prior state (none for step 1) and a minibatch of exactly its shape: what an
	/// honest re-execution gives, and no more fee-free block space.
	pub(crate) fn step_of_programs_shape(
		program: &aichain_engine::Program,
		step: u32,
		max_cost: u64,
		state_len: usize,
		minibatch_len: usize,
	) -> bool {
		let expected_state = if step == 1 { 0 } else { referee::state_len(program) };
		max_cost == referee::referee_cost(program)
			&& state_len == expected_state
			&& minibatch_len == referee::minibatch_len(program)
	}

	/// The bytes a report's key signs: a domain tag, this chain's genesis hash and the report's
	/// blake2-256 (a report may be megabytes; the signature covers its hash).
	pub fn report_payload(report: &FraudReport<T::OffchainKey>) -> alloc::vec::Vec<u8> {
		(
			b"aichain/disputes/report",
			frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero()),
			sp_io::hashing::blake2_256(&report.encode()),
		)
			.encode()
	}

	/// Pool validity of a fraud report: signed by its key, from a drawn verifier that has not
	/// reported on the task yet. One per verifier and task (the `provides` tag).
	pub(crate) fn authorize_report(
		report: &FraudReport<T::OffchainKey>,
		signature: &<T::OffchainKey as sp_runtime::RuntimeAppPublic>::Signature,
	) -> TransactionValidityWithRefund {
		use sp_runtime::RuntimeAppPublic;
		if !report.key.verify(&Self::report_payload(report), signature) {
			return Err(InvalidTransaction::BadProof.into());
		}
		let who = Self::reporter(report).map_err(|e| {
			log::debug!(target: LOG_TARGET, "fraud report on task {} refused: {e:?}", report.task);
			InvalidTransaction::Stale
		})?;
		let validity = ValidTransaction::with_tag_prefix("disputes")
			.priority(REPORT_PRIORITY)
			.and_provides((b"fraud", who, report.task).encode())
			.longevity(REPORT_LONGEVITY)
			.propagate(true)
			.build()?;
		Ok((validity, Weight::zero()))
	}

	/// Dispatch a verifier's report: it is used up whatever the referee says; a refused proof
	/// is an event, not an error, so that the record of the report stays.
	pub(crate) fn do_report(report: FraudReport<T::OffchainKey>) -> DispatchResult {
		let who = Self::reporter(&report)?;
		Reported::<T>::insert(report.task, &who, ());
		let outcome = frame_support::storage::with_storage_layer(|| {
			Self::do_prove(who.clone(), report.task, report.claim)
		});
		if let Err(error) = outcome {
			Self::deposit_event(Event::ReportRefused { task: report.task, verifier: who, error });
		}
		Ok(())
	}

	/// Check the pallet's invariants (see the crate documentation).
	#[cfg(any(feature = "try-runtime", feature = "std", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		Params::<T>::get().validate().map_err(|_| "the parameters do not validate")?;
		Self::do_try_state_games()?;
		for (task, verifier, ()) in Reported::<T>::iter() {
			// A report stays on record while its task's result stands; a disproved result
			// clears its reports. A task pruned after its window may leave some behind, which
			// name no live task: only check the live ones.
			if let Some(target) = T::Market::dispute_target(task) {
				ensure!(
					target.verifiers.iter().any(|v| v.account == verifier),
					"a report on record is from a verifier not drawn for its task"
				);
			}
		}
		Ok(())
	}
}

/// A verifier's offchain worker hands its evidence over here: it becomes a fee-free fraud
/// report signed with the verifier's key, paying for the task's referee cost.
impl<T: Config> pallet_compute::FraudProofs<T::OffchainKey> for Pallet<T> {
	fn withheld(key: &T::OffchainKey, task: TaskId) -> bool {
		crate::offchain::withheld::<T>(key, task)
	}

	fn send(key: &T::OffchainKey, task: TaskId, evidence: pallet_compute::StepEvidence) -> bool {
		use frame_system::offchain::SubmitTransaction;
		use sp_runtime::RuntimeAppPublic;
		let Some(target) = T::Market::dispute_target(task) else { return false };
		let (Ok(prior_state), Ok(minibatch)) =
			(evidence.prior_state.try_into(), evidence.minibatch.try_into())
		else {
			log::warn!(target: LOG_TARGET, "task {task}: evidence beyond the proof bounds");
			return false;
		};
		let claim = Claim::Step {
			max_cost: referee::referee_cost(&target.program),
			proof: StepFraud {
				step: evidence.step,
				prior_state,
				prior_proof: evidence.prior_proof,
				minibatch,
				minibatch_proof: evidence.minibatch_proof,
				leaf: evidence.leaf,
				leaf_proof: evidence.leaf_proof,
			},
		};
		let report = FraudReport { key: key.clone(), task, claim };
		let Some(signature) = key.sign(&Self::report_payload(&report)) else {
			log::error!(target: LOG_TARGET, "the keystore cannot sign with {key:?}");
			return false;
		};
		let xt =
			T::create_authorized_transaction(Call::<T>::report_fraud { report, signature }.into());
		match SubmitTransaction::<T, Call<T>>::submit_transaction(xt) {
			Ok(()) => {
				log::info!(target: LOG_TARGET, "task {task}: fraud proof of step {} sent", evidence.step);
				true
			},
			Err(()) => {
				log::warn!(target: LOG_TARGET, "task {task}: the pool refused the fraud proof");
				false
			},
		}
	}
}
