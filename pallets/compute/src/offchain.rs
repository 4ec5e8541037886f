//! Offchain workers: the bridge between the chain and a node's local solver service.
//!
//! A node operator who runs a solver service starts the node with `--solver-url`; the node
//! stores that address in the offchain database under [`SOLVER_URL_KEY`], and after every
//! imported block [`run`] does, for every [`KEY_TYPE`] key in the node's keystore:
//!
//! - **as a solver** (the key's own account is a registered solver): a heartbeat once per
//!   heartbeat period while the service answers `GET /health`; each task assigned to it
//!   ([`Duties`]) is posted to the service once (`POST /jobs`, with a job id derived from the
//!   task, so a repeat is idempotent). The service fetches the dataset and checks it against
//!   the task's root before it answers: if it takes the job, the task is accepted on-chain;
//!   if it cannot serve it (an answer with a [`DeclineReason`] code: dataset unreachable, root
//!   mismatch, invalid dataset, unsupported program), the task is declined on-chain, which
//!   costs the solver nothing. An accepted job is polled (`GET /jobs/{id}`) and its result
//!   reported as soon as the service has it.
//! - **as a verifier** (the key is the `compute` session key of a validator drawn for a
//!   result): the segment of the solver's trace the chain drew for it is re-executed on the
//!   local service (`POST /execute`), starting from the state the solver serves at its
//!   endpoint ([`SolverEndpoints`]) and checked against the on-chain trace root with Merkle
//!   proofs; the verdict (valid, or the differing state at the segment's end) is reported. An
//!   endpoint on a loopback, private or link-local host is not fetched unless the node's
//!   operator allows it ([`ALLOW_PRIVATE_ENDPOINTS_KEY`]).
//!
//! Reports go on-chain as fee-free authorized transactions ([`Pallet::report`]); the pool and
//! the chain accept each action once, while it is due. Every HTTP answer is untrusted: bounded
//! in time and size, status-checked and strictly parsed; anything else is logged, the attempt is
//! retried with exponential backoff, and nothing is reported. Runs of consecutive blocks are
//! serialized by a lock per account and role; what a worker has done for each task lives in the
//! node's persistent offchain storage, pruned to the account's current duties.

use crate::{pallet::*, types::*, FraudProofs, TaskOf};
use frame_support::traits::Get;
use alloc::{collections::btree_map::BTreeMap, format, string::String, vec::Vec};
use codec::{Decode, Encode};
use frame_system::{
	offchain::SubmitTransaction,
	pallet_prelude::BlockNumberFor,
};
use serde::{de::DeserializeOwned, Deserialize, Deserializer, Serialize, Serializer};
use sp_core::{crypto::KeyTypeId, H256};
use sp_runtime::{
	offchain::{
		http,
		storage::StorageValueRef,
		storage_lock::{BlockAndTime, StorageLock},
		Duration, Timestamp,
	},
	traits::UniqueSaturatedInto,
	RuntimeAppPublic,
};

/// Key type of the offchain workers' signing key: `aicm`.
pub const KEY_TYPE: KeyTypeId = KeyTypeId(*b"aicm");

/// sr25519 keys of [`KEY_TYPE`].
pub mod crypto {
	use super::KEY_TYPE;
	use sp_runtime::app_crypto::{app_crypto, sr25519};
	app_crypto!(sr25519, KEY_TYPE);
}

/// Whom an offchain key acts for.
pub trait OffchainKeys<AccountId, Key> {
	/// The account of the key itself: a solver's worker signs with the solver account's key.
	fn account(key: &Key) -> AccountId;
	/// The validator whose `compute` session key `key` is, if any.
	fn validator(key: &Key) -> Option<AccountId>;
}

/// Offchain-database key (persistent storage) of the local solver service's address.
pub const SOLVER_URL_KEY: &[u8] = b"aichain::compute::solver-url";

/// Offchain-database key (persistent storage), present when the node's operator lets its workers
/// read solver endpoints on loopback, private or link-local hosts (`--allow-private-endpoints`,
/// implied by `--dev`). Without it a verifier does not fetch from such an endpoint: a solver
/// could otherwise point every validator's worker at services inside the validator's own
/// network.
pub const ALLOW_PRIVATE_ENDPOINTS_KEY: &[u8] = b"aichain::compute::allow-private-endpoints";

/// Whether this node's worker may read from the solver endpoint `url`: its host is public (see
/// [`aichain_engine::address::is_public_host`]), or the operator allows private hosts.
pub fn endpoint_allowed(url: &[u8]) -> bool {
	let public = core::str::from_utf8(url)
		.ok()
		.and_then(aichain_engine::address::url_host)
		.is_some_and(aichain_engine::address::is_public_host);
	public ||
		sp_io::offchain::local_storage_get(
			sp_core::offchain::StorageKind::PERSISTENT,
			ALLOW_PRIVATE_ENDPOINTS_KEY,
		)
		.is_some()
}

/// Most bytes of an answer carrying a training state (`/steps/{i}/state`): a state of the
/// largest program (262,144 parameters plus momentum, 4 bytes each) as hex, with room to spare.
pub const MAX_STATE_ANSWER: usize = 6 << 20;
/// Most bytes of any other answer.
pub const MAX_ANSWER: usize = 64 << 10;
/// Most bytes of a `POST /execute` answer with fraud evidence: a state and a minibatch of the
/// largest program as hex (4 MiB and 2 MiB), with room to spare.
pub const MAX_EVIDENCE_ANSWER: usize = 8 << 20;
/// Deadline of one HTTP request, connection to last byte.
pub const REQUEST_TIMEOUT_MS: u64 = 10_000;
/// Deadline of `POST /execute`: the service trains the segment before it answers.
pub const EXECUTE_TIMEOUT_MS: u64 = 60_000;
/// Deadline of `POST /jobs`: the service fetches the dataset and checks its root before it
/// answers (its own download limit, `--fetch-timeout-secs`, is 20 s by default), well within
/// the acceptance period.
pub const POST_JOB_TIMEOUT_MS: u64 = 30_000;
/// Blocks before the end of the acceptance period at which a worker that still could not hand
/// a task to its service declines it: declining is free, silence costs reputation.
pub const DECLINE_MARGIN: u32 = 2;
/// A run starts no new task after this long, so that it ends well within its lock.
pub const RUN_BUDGET_MS: u64 = 60_000;
/// How long a run holds its lock at most: its budget plus the longest task (three requests and
/// a re-execution), with room to spare.
pub const LOCK_MS: u64 = 300_000;
/// Blocks a run holds its lock at most (the lock also needs [`LOCK_MS`] to pass).
pub const LOCK_BLOCKS: u32 = 50;
/// Blocks before a report that has not landed is sent again (its pool lifetime).
pub const RESEND_AFTER: u32 = crate::dispatchable_impls::REPORT_LONGEVITY as u32;
/// Longest backoff after failures, in blocks.
pub const MAX_BACKOFF: u32 = 32;
/// Failed checks in a row after which a verifier whose own service is up hands the result to
/// a bisection game (the solver's public side does not serve what a check needs).
pub const WITHHELD_AFTER: u32 = 3;

/// Whether `url` is an `http://` or `https://` address of printable ASCII without spaces.
pub fn is_http_url(url: &[u8]) -> bool {
	let rest = url.strip_prefix(b"http://").or_else(|| url.strip_prefix(b"https://"));
	matches!(rest, Some(r) if !r.is_empty() && r.iter().all(|b| b.is_ascii_graphic()))
}

/// The job id a solver service knows a task by: the task id and a digest of what it trains,
/// so that two chains (or a restarted dev chain) never mix up jobs. A task from before the
/// minibatch count (count 0) keeps the id it had: the digest of its dataset's root and URL
/// alone, as they were encoded then, so its running job is not lost on the upgrade.
pub fn job_id<T: Config>(id: TaskId, task: &TaskOf<T>) -> String {
	let digest = if task.dataset.batches == 0 {
		sp_io::hashing::blake2_256(&(&task.program, &task.dataset.root, &task.dataset.url).encode())
	} else {
		sp_io::hashing::blake2_256(&(&task.program, &task.dataset).encode())
	};
	format!("aichain-{id}-{}", hex::encode(digest.get(..8).unwrap_or_default()))
}

/// Do the node's offchain work for this block (see the module documentation).
pub fn run<T: Config>(now: BlockNumberFor<T>) {
	let Some(local) = Service::local() else {
		log::trace!(target: crate::LOG_TARGET, "no --solver-url: no offchain compute work");
		return;
	};
	let now: u32 = now.unique_saturated_into();
	let budget = sp_io::offchain::timestamp().add(Duration::from_millis(RUN_BUDGET_MS));
	for key in T::OffchainKey::all() {
		let account = T::OffchainKeys::account(&key);
		if Solvers::<T>::contains_key(&account) {
			with_lock::<T, _>(b"solver", &account, |memory: &mut SolverMemory| {
				solver_duties::<T>(now, budget, &local, &key, &account, memory)
			});
		}
		if let Some(validator) = T::OffchainKeys::validator(&key) {
			with_lock::<T, _>(b"verifier", &validator, |memory: &mut Memory<VerifyJob>| {
				verifier_duties::<T>(now, budget, &local, &key, &validator, memory)
			});
		}
	}
}

/// What a worker remembers per task, in the persistent offchain storage.
type Memory<J> = BTreeMap<TaskId, J>;

/// What a solver's worker remembers.
#[derive(Clone, Default, Encode, Decode, Debug, PartialEq)]
pub struct SolverMemory {
	/// The heartbeat period and block of the last heartbeat sent.
	pub heartbeat: Option<(u32, u32)>,
	/// Progress per task.
	pub jobs: Memory<SolverJob>,
}

/// Run `f` on the worker memory of `account` in `role`, unless a run for an earlier block still
/// holds it. The memory keeps only the tasks `f` leaves in it.
fn with_lock<T: Config, M: Encode + Decode + Default>(
	role: &[u8],
	account: &T::AccountId,
	f: impl FnOnce(&mut M),
) {
	let lock_key = (b"aichain::compute::lock::", role, account).encode();
	let mut lock = StorageLock::<BlockAndTime<frame_system::Pallet<T>>>::with_block_and_time_deadline(
		&lock_key,
		LOCK_BLOCKS,
		Duration::from_millis(LOCK_MS),
	);
	let Ok(_guard) = lock.try_lock() else {
		log::debug!(target: crate::LOG_TARGET, "offchain compute work still running; skipped");
		return;
	};
	let memory_key = (b"aichain::compute::memory::", role, account).encode();
	let store = StorageValueRef::persistent(&memory_key);
	let mut memory: M = match store.get::<M>() {
		Ok(Some(m)) => m,
		Ok(None) => M::default(),
		Err(_) => {
			log::warn!(target: crate::LOG_TARGET, "offchain memory unreadable; starting afresh");
			M::default()
		},
	};
	f(&mut memory);
	store.set(&memory);
}

/// A solver's progress on one task.
#[derive(Clone, Default, Encode, Decode, Debug, PartialEq)]
pub struct SolverJob {
	/// The service has the job.
	pub posted: bool,
	/// Block the acceptance was last sent.
	pub accept_sent: Option<u32>,
	/// Why the service cannot serve the task, and the block the decline was last sent.
	pub declined: Option<(DeclineReason, Option<u32>)>,
	/// Block the result was last sent.
	pub result_sent: Option<u32>,
	/// Failures in a row (for the backoff).
	pub failures: u32,
	/// Nothing is tried before this block.
	pub retry_at: u32,
}

/// A verifier's progress on one result.
#[derive(Clone, Default, Encode, Decode, Debug, PartialEq)]
pub struct VerifyJob {
	/// Block the verdict was last sent.
	pub sent: Option<u32>,
	/// Failures in a row (for the backoff).
	pub failures: u32,
	/// Nothing is tried before this block.
	pub retry_at: u32,
}

/// Wait `2^failures` blocks (at most [`MAX_BACKOFF`]) before the next try.
fn back_off(now: u32, failures: &mut u32, retry_at: &mut u32) {
	*failures = failures.saturating_add(1);
	let wait = 1u32.checked_shl(*failures).unwrap_or(MAX_BACKOFF).min(MAX_BACKOFF);
	*retry_at = now.saturating_add(wait);
}

/// The tasks the chain waits for from `account`; the worker forgets any other task it remembers.
fn current_duties<T: Config, J>(account: &T::AccountId, memory: &mut Memory<J>) -> Vec<TaskId> {
	let ids: Vec<TaskId> = Duties::<T>::iter_prefix(account).map(|(id, ())| id).collect();
	memory.retain(|id, _| ids.contains(id));
	ids
}

/// Whether the run has used its budget (the remaining tasks wait for the next block).
fn out_of_time(budget: Timestamp) -> bool {
	let over = sp_io::offchain::timestamp() > budget;
	if over {
		log::warn!(target: crate::LOG_TARGET, "offchain run out of time; the rest waits");
	}
	over
}

/// Whether a report sent at `sent` (if ever) may be sent again at `now`.
fn due(sent: Option<u32>, now: u32) -> bool {
	sent.is_none_or(|at| now >= at.saturating_add(RESEND_AFTER))
}

fn solver_duties<T: Config>(
	now: u32,
	budget: Timestamp,
	local: &Service,
	key: &T::OffchainKey,
	account: &T::AccountId,
	memory: &mut SolverMemory,
) {
	let Some(solver) = Solvers::<T>::get(account) else { return };
	let period = OnlineCapacityOf::<T>::get().period;
	let ids = current_duties::<T, _>(account, &mut memory.jobs);

	if solver.status == SolverStatus::Active && solver.seen_period != period {
		// Due at once in a new period; within one, again only once the last may have expired.
		let sent = memory.heartbeat.filter(|(p, _)| *p == period).map(|(_, at)| at);
		if due(sent, now) {
			match local.health() {
				Ok(()) => {
					if send::<T>(key, OffchainAction::Heartbeat { period }) {
						memory.heartbeat = Some((period, now));
					}
				},
				Err(e) => log::warn!(
					target: crate::LOG_TARGET,
					"solver service unhealthy ({e:?}): no heartbeat for period {period}"
				),
			}
		}
	}

	for id in ids {
		if out_of_time(budget) {
			break;
		}
		let Some(task) = Tasks::<T>::get(id) else { continue };
		if task.status.working_solver() != Some(account) {
			continue;
		}
		let job = memory.jobs.entry(id).or_default();
		work_on_task::<T>(now, local, key, id, &task, job);
	}
}

fn work_on_task<T: Config>(
	now: u32,
	local: &Service,
	key: &T::OffchainKey,
	id: TaskId,
	task: &TaskOf<T>,
	job: &mut SolverJob,
) {
	if now < job.retry_at {
		return;
	}
	let job_id = job_id::<T>(id, task);
	// While the task waits for an answer: the last block to accept or decline.
	let accept_by: Option<u32> = match &task.status {
		TaskStatus::Assigned { accept_by, .. } => Some((*accept_by).unique_saturated_into()),
		_ => None,
	};
	let assigned = accept_by.is_some();
	let answer_due_soon = accept_by.is_some_and(|b| now.saturating_add(DECLINE_MARGIN) >= b);
	let decline = |reason: DeclineReason, job: &mut SolverJob| {
		let sent = send::<T>(key, OffchainAction::Decline { task: id, reason }).then_some(now);
		job.declined = Some((reason, sent));
	};
	if let Some((reason, sent)) = &mut job.declined {
		// The service cannot serve it: decline while the chain still asks for an answer.
		if assigned && due(*sent, now) && send::<T>(key, OffchainAction::Decline { task: id, reason: *reason }) {
			*sent = Some(now);
		}
		return;
	}
	if !job.posted {
		match local.post_job(&job_id, &task.program, &task.dataset) {
			Ok(()) => {
				log::info!(target: crate::LOG_TARGET, "task {id}: handed to the solver service as {job_id}");
				job.posted = true;
				job.failures = 0;
			},
			Err(HttpError::Unservable(reason)) if assigned => {
				log::warn!(target: crate::LOG_TARGET, "task {id}: the service cannot serve it ({reason:?}); declining");
				decline(reason, job);
				return;
			},
			Err(e) if assigned && answer_due_soon => {
				// The data could not be fetched and checked in time (or the service does not
				// answer): decline rather than let the acceptance period pass.
				log::warn!(target: crate::LOG_TARGET, "task {id}: no answer from the service in time ({e:?}); declining");
				decline(DeclineReason::DatasetUnreachable, job);
				return;
			},
			Err(e) => {
				log::warn!(target: crate::LOG_TARGET, "task {id}: solver service refused the job: {e:?}");
				back_off(now, &mut job.failures, &mut job.retry_at);
				// Never wait past the point where declining is still possible.
				if let Some(accept_by) = accept_by {
					let last_try = accept_by.saturating_sub(DECLINE_MARGIN);
					job.retry_at = job.retry_at.min(last_try.max(now.saturating_add(1)));
				}
				return;
			},
		}
	}
	if assigned && due(job.accept_sent, now) {
		if send::<T>(key, OffchainAction::Accept { task: id }) {
			job.accept_sent = Some(now);
		}
	}
	match local.job_status(&job_id) {
		Ok(JobStatus { state: JobState::Completed, result: Some(result), .. }) => {
			job.failures = 0;
			if result.steps != task.program.steps {
				log::error!(
					target: crate::LOG_TARGET,
					"task {id}: the service trained {} steps, the program has {}; not reported",
					result.steps,
					task.program.steps
				);
				back_off(now, &mut job.failures, &mut job.retry_at);
				return;
			}
			if due(job.result_sent, now) {
				let result = TaskResult {
					model_hash: H256(result.model_hash.0),
					trace_root: H256(result.trace_root.0),
					steps: result.steps,
				};
				if send::<T>(key, OffchainAction::Result { task: id, result }) {
					log::info!(target: crate::LOG_TARGET, "task {id}: result reported");
					job.result_sent = Some(now);
				}
			}
		},
		Ok(JobStatus { state: JobState::Completed, result: None, .. }) => {
			log::warn!(target: crate::LOG_TARGET, "task {id}: completed job without a result");
			back_off(now, &mut job.failures, &mut job.retry_at);
		},
		Ok(JobStatus { state: JobState::Failed, error, .. }) => {
			log::error!(target: crate::LOG_TARGET, "task {id}: the job failed: {error:?}");
			back_off(now, &mut job.failures, &mut job.retry_at);
		},
		Ok(status) => {
			job.failures = 0;
			log::debug!(target: crate::LOG_TARGET, "task {id}: step {} of {}", status.step, status.steps);
		},
		Err(HttpError::Status(404)) => {
			log::warn!(target: crate::LOG_TARGET, "task {id}: the service lost the job; posting it again");
			job.posted = false;
		},
		Err(e) => {
			log::warn!(target: crate::LOG_TARGET, "task {id}: status unavailable: {e:?}");
			back_off(now, &mut job.failures, &mut job.retry_at);
		},
	}
}

fn verifier_duties<T: Config>(
	now: u32,
	budget: Timestamp,
	local: &Service,
	key: &T::OffchainKey,
	validator: &T::AccountId,
	memory: &mut Memory<VerifyJob>,
) {
	let ids = current_duties::<T, _>(validator, memory);
	for id in ids {
		if out_of_time(budget) {
			break;
		}
		let Some(task) = Tasks::<T>::get(id) else { continue };
		let TaskStatus::Submitted { solver, result, verifiers, window_end, .. } = &task.status
		else {
			continue;
		};
		// A dispute can keep a result unpaid past its window; verdicts are over then.
		if frame_system::Pallet::<T>::block_number() > *window_end {
			continue;
		}
		let Some(me) = verifiers.iter().find(|v| v.account == *validator && v.verdict.is_none())
		else {
			continue;
		};
		let TraceSegment { from, to } = me.segment;
		let job = memory.entry(id).or_default();
		if now < job.retry_at || !due(job.sent, now) {
			continue;
		}
		let Some(endpoint) = SolverEndpoints::<T>::get(solver) else {
			log::warn!(
				target: crate::LOG_TARGET,
				"task {id}: its solver publishes no endpoint; the result cannot be verified yet"
			);
			job.retry_at = now.saturating_add(MAX_BACKOFF);
			continue;
		};
		if !endpoint_allowed(&endpoint) {
			log::warn!(
				target: crate::LOG_TARGET,
				"task {id}: the solver's endpoint {} is a loopback, private or link-local address; \
				 not fetched (a dev or private network: start the node with --allow-private-endpoints)",
				String::from_utf8_lossy(&endpoint)
			);
			job.retry_at = now.saturating_add(MAX_BACKOFF);
			continue;
		}
		let remote = Service::new(&endpoint);
		let check = check_segment::<T>(
			local,
			&remote,
			&job_id::<T>(id, &task),
			&task,
			result,
			(from, to),
			budget,
		);
		match check {
			Ok((verdict, evidence)) => {
				log::info!(target: crate::LOG_TARGET, "task {id}: steps {from}..{to} re-executed: {verdict:?}");
				// A wrong step is proven on-chain (which settles the task), then the verdict names
				// it. Without a proof in the pool an `Invalid` verdict changes nothing, so it waits
				// and the proof is tried again.
				if matches!(verdict, Verdict::Invalid { .. }) {
					let proven = evidence.is_some_and(|evidence| T::FraudProofs::send(key, id, evidence));
					if !proven {
						log::warn!(
							target: crate::LOG_TARGET,
							"task {id}: the result is wrong but no fraud proof could be sent yet; retrying"
						);
						back_off(now, &mut job.failures, &mut job.retry_at);
						continue;
					}
				}
				job.failures = 0;
				if send::<T>(key, OffchainAction::Verdict { task: id, verdict }) {
					job.sent = Some(now);
				}
			},
			Err(e) => {
				log::warn!(target: crate::LOG_TARGET, "task {id}: cannot verify steps {from}..{to} yet: {e:?}");
				back_off(now, &mut job.failures, &mut job.retry_at);
				// Checks keep failing while its own service answers: the solver's public side does
				// not serve what a check needs (leaves, proofs, states). A game forces its
				// commitments out on-chain. (Its worker opens one only if its own replay of the
				// job ends in another model than the posted one.)
				let withheld = job.failures >= WITHHELD_AFTER && local.health().is_ok();
				if withheld && T::FraudProofs::withheld(key, id) {
					log::info!(
						target: crate::LOG_TARGET,
						"task {id}: its solver withholds its trace; challenged by a bisection game"
					);
				}
			},
		}
	}
}

/// The leaf `step` of `id`'s result with its proof, from this node's own service (the solver
/// that trained it): see [`crate::TaskDisputes::served_leaf`].
pub fn served_leaf<T: Config>(id: TaskId, step: u32) -> Option<(H256, aichain_engine::MerkleProof)> {
	let task = Tasks::<T>::get(id)?;
	let TaskStatus::Submitted { result, .. } = &task.status else { return None };
	let local = Service::local()?;
	match local.proven_leaf(&job_id::<T>(id, &task), step, result.steps, &result.trace_root) {
		Ok((hash, proof)) => Some((H256(hash), proof)),
		Err(e) => {
			log::warn!(target: crate::LOG_TARGET, "task {id}: the local service cannot prove leaf {step}: {e:?}");
			None
		},
	}
}

/// Most steps of one `POST /execute` in a [`replay`]: the service's default
/// `--max-segment-steps`.
pub const REPLAY_CHUNK_STEPS: u32 = 1_000;
/// Most work units of one `POST /execute` in a [`replay`]: the service's default
/// `--max-segment-work`.
pub const REPLAY_CHUNK_WORK: u64 = 64 * aichain_engine::program::MAX_STEP_WORK;

/// `id`'s program re-executed through step `to` on this node's own service: see
/// [`crate::TaskDisputes::replay`]. A long job goes in segments within the service's default
/// limits; each segment asks for the state before its last step and the next one starts from
/// it (one step is executed twice per segment).
pub fn replay<T: Config>(id: TaskId, to: u32, evidence: bool) -> Option<crate::Replay> {
	let task = Tasks::<T>::get(id)?;
	let local = Service::local()?;
	let per_step = task.program.work_units_per_step().max(1);
	let chunk: u32 = REPLAY_CHUNK_WORK
		.checked_div(per_step)
		.unwrap_or_default()
		.min(u64::from(REPLAY_CHUNK_STEPS))
		.max(2)
		.unique_saturated_into();
	let mut leaves: Vec<[u8; 32]> = Vec::new();
	let (mut from, mut state) = (0u32, None::<Vec<u8>>);
	loop {
		let end = from.saturating_add(chunk).min(to);
		let more = end < to;
		let segment = match local.execute(&task.program, &task.dataset, from, end, state.take(), more || evidence) {
			Ok(segment) => segment,
			Err(e) => {
				log::warn!(target: crate::LOG_TARGET, "task {id}: the local service cannot re-execute steps {from}..={end}: {e:?}");
				return None;
			},
		};
		if segment.from_step != from ||
			segment.to_step != end ||
			segment.step_hashes.len() != end.saturating_sub(from) as usize
		{
			log::warn!(target: crate::LOG_TARGET, "task {id}: the local service answered another segment");
			return None;
		}
		// Segments after the first repeat the step before their start's.
		let known = leaves.len();
		let skip = known.saturating_sub(from as usize);
		leaves.extend(segment.step_hashes.iter().skip(skip).map(|h| h.0));
		if !more {
			let evidence = match (evidence, segment.evidence) {
				(false, _) => None,
				(true, Some(e)) => {
					// Step 1 starts from the initial state, which the referee builds itself.
					let prior = if to == 1 { Vec::new() } else { e.prior_state.0 };
					Some((prior, e.minibatch.0, merkle_proof(&e.proof).ok()?))
				},
				(true, None) => return None,
			};
			return Some(crate::Replay {
				leaves,
				model_hash: H256(segment.model_hash?.0),
				evidence,
			});
		}
		// The next segment starts from the state before this one's last step.
		state = Some(segment.evidence?.prior_state.0);
		from = end.saturating_sub(1);
	}
}

/// Re-execute steps `from + 1 ..= to` of a result on the local service, from the state the
/// solver serves, and compare **every** state hash of the segment with the leaf the solver's
/// trace commits to (each checked against the trace root). `Valid` then vouches for each step of
/// the segment, so a fraud proven inside it shows the attestation was wrong. On the first
/// leaf that differs, the verdict names that step and, when the local service gives what a fraud
/// proof needs (the state before the step and its minibatch, from its own re-execution and its
/// own copy of the dataset: nothing more from the solver than the leaves' proofs), the evidence,
/// checked with the engine's referee. `Err` when the check cannot be made (service down,
/// answers that fail their proofs, out of time): no verdict then.
pub fn check_segment<T: Config>(
	local: &Service,
	remote: &Service,
	job: &str,
	task: &TaskOf<T>,
	result: &TaskResult,
	(from, to): (u32, u32),
	budget: Timestamp,
) -> Result<(Verdict, Option<crate::StepEvidence>), HttpError> {
	let steps = task.program.steps;
	let root = &result.trace_root;
	let (start_state, start_proof) = if from == 0 {
		(None, None)
	} else {
		let (hash, proof) = remote.proven_leaf(job, from, steps, root)?;
		let state = remote.state_at(job, from)?;
		// The bytes themselves must be the solver's leaf `from` (not just the hash it names):
		// an attestation vouches for the steps after them.
		if state.step != from || aichain_engine::trace::blake2_256(&state.state.0) != hash {
			return Err(HttpError::Malformed("state does not match the proven step"));
		}
		(Some(state.state.0), Some(proof))
	};
	if out_of_time(budget) {
		return Err(HttpError::Timeout);
	}
	let segment = local.execute(&task.program, &task.dataset, from, to, start_state.clone(), false)?;
	if segment.from_step != from ||
		segment.to_step != to ||
		segment.step_hashes.len() != to.saturating_sub(from) as usize
	{
		return Err(HttpError::Malformed("segment bounds differ from the request"));
	}
	if start_proof.is_some() &&
		start_state.as_deref().map(aichain_engine::trace::blake2_256) != Some(segment.start_hash.0)
	{
		return Err(HttpError::Malformed("the served state does not hash to the proven step"));
	}
	let mut prior_proof = start_proof;
	for (step, mine) in (from.saturating_add(1)..=to).zip(segment.step_hashes.iter()) {
		if out_of_time(budget) {
			return Err(HttpError::Timeout);
		}
		let (leaf, proof) = remote.proven_leaf(job, step, steps, root)?;
		if leaf != mine.0 {
			let evidence = evidence_for::<T>(
				local,
				task,
				result,
				(from, step),
				start_state,
				prior_proof,
				(leaf, proof),
			);
			return Ok((Verdict::Invalid { step, hash: H256(mine.0) }, evidence));
		}
		prior_proof = Some(proof);
	}
	Ok((Verdict::Valid, None))
}

/// The fraud proof of step `step`, the first of the segment starting at `from` whose leaf
/// differs from the local re-execution: the state before it and its minibatch from the local
/// service, the leaves' proofs already fetched. Checked with the engine's referee; `None` (and
/// logged) if the local service cannot give it or the referee would refuse it.
fn evidence_for<T: Config>(
	local: &Service,
	task: &TaskOf<T>,
	result: &TaskResult,
	(from, step): (u32, u32),
	start_state: Option<Vec<u8>>,
	prior_proof: Option<aichain_engine::MerkleProof>,
	(leaf, leaf_proof): ([u8; 32], aichain_engine::MerkleProof),
) -> Option<crate::StepEvidence> {
	let gathered = local
		.execute(&task.program, &task.dataset, from, step, start_state, true)
		.and_then(|segment| segment.evidence.ok_or(HttpError::Malformed("no evidence in the answer")));
	let evidence = match gathered {
		Ok(evidence) => evidence,
		Err(e) => {
			log::warn!(target: crate::LOG_TARGET, "step {step}: no fraud proof: the local service: {e:?}");
			return None;
		},
	};
	let (prior_state, prior_proof) = if step == 1 {
		(Vec::new(), aichain_engine::MerkleProof { siblings: Default::default() })
	} else {
		(evidence.prior_state.0, prior_proof?)
	};
	let minibatch_proof = merkle_proof(&evidence.proof).ok()?;
	let commitments = aichain_engine::referee::Commitments {
		trace_root: result.trace_root.0,
		steps: task.program.steps,
		model_hash: result.model_hash.0,
		dataset_root: task.dataset.root.0,
		batches: task.dataset.batches,
	};
	let verdict = aichain_engine::referee::referee_step(
		&task.program,
		&commitments,
		&aichain_engine::referee::StepProof {
			step,
			prior_state: &prior_state,
			prior_proof: &prior_proof,
			minibatch: &evidence.minibatch.0,
			minibatch_proof: &minibatch_proof,
			leaf,
			leaf_proof: &leaf_proof,
		},
	);
	if let Err(e) = verdict {
		log::warn!(target: crate::LOG_TARGET, "step {step}: the referee would refuse the proof: {e:?}");
		return None;
	}
	Some(crate::StepEvidence {
		step,
		prior_state,
		prior_proof,
		minibatch: evidence.minibatch.0,
		minibatch_proof,
		leaf: H256(leaf),
		leaf_proof,
	})
}

/// Sign `action` with `key` and put it in the transaction pool.
fn send<T: Config>(key: &T::OffchainKey, action: OffchainAction) -> bool {
	let report = Report { key: key.clone(), action };
	let Some(signature) = key.sign(&Pallet::<T>::report_payload(&report)) else {
		log::error!(target: crate::LOG_TARGET, "the keystore cannot sign with {key:?}");
		return false;
	};
	let call = Call::<T>::report { report, signature };
	let xt = T::create_authorized_transaction(call.into());
	match SubmitTransaction::<T, Call<T>>::submit_transaction(xt) {
		Ok(()) => true,
		Err(()) => {
			log::warn!(target: crate::LOG_TARGET, "the pool refused the report {action:?}");
			false
		},
	}
}

// ---- the solver service's HTTP API ----

/// Why an answer was not usable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HttpError {
	/// The request could not be made or the connection failed.
	Unreachable,
	/// No complete answer before the deadline.
	Timeout,
	/// An unexpected status.
	Status(u16),
	/// The answer is larger than allowed.
	TooLarge,
	/// The answer is not what the API promises.
	Malformed(&'static str),
	/// The service cannot serve the job, and says why.
	Unservable(DeclineReason),
}

/// A solver service at `base` (no trailing `/`).
pub struct Service {
	base: String,
}

impl Service {
	/// The node's own service (`--solver-url`), if configured.
	pub fn local() -> Option<Self> {
		let url = sp_io::offchain::local_storage_get(
			sp_core::offchain::StorageKind::PERSISTENT,
			SOLVER_URL_KEY,
		)?;
		if !is_http_url(&url) {
			log::error!(target: crate::LOG_TARGET, "the stored solver URL is not an http(s) address");
			return None;
		}
		Some(Self::new(&url))
	}

	/// A service at `url`, which [`is_http_url`].
	pub fn new(url: &[u8]) -> Self {
		let base = String::from_utf8_lossy(url);
		Self { base: String::from(base.trim_end_matches('/')) }
	}

	fn request(
		&self,
		method: http::Method,
		path: &str,
		body: Option<Vec<u8>>,
		timeout_ms: u64,
		limit: usize,
	) -> Result<(u16, Vec<u8>), HttpError> {
		let url = format!("{}{path}", self.base);
		let deadline = sp_io::offchain::timestamp().add(Duration::from_millis(timeout_ms));
		let chunks: Vec<Vec<u8>> = body.into_iter().collect();
		let is_post = matches!(method, http::Method::Post);
		let mut request = http::Request::new(&url).method(method).body(chunks).deadline(deadline);
		if is_post {
			request = request.add_header("Content-Type", "application/json");
		}
		let pending = request.send().map_err(|_| HttpError::Unreachable)?;
		let response = pending
			.try_wait(deadline)
			.map_err(|_| HttpError::Timeout)?
			.map_err(|_| HttpError::Unreachable)?;
		let mut body = response.body();
		body.deadline(deadline);
		let mut bytes = Vec::new();
		for byte in body.by_ref() {
			if bytes.len() >= limit {
				return Err(HttpError::TooLarge);
			}
			bytes.push(byte);
		}
		if body.error().is_some() {
			return Err(HttpError::Timeout);
		}
		Ok((response.code, bytes))
	}

	fn get<R: DeserializeOwned>(&self, path: &str, limit: usize) -> Result<R, HttpError> {
		match self.request(http::Method::Get, path, None, REQUEST_TIMEOUT_MS, limit)? {
			(200, body) => parse(&body),
			(code, _) => Err(HttpError::Status(code)),
		}
	}

	/// `GET /health` answers 200.
	pub fn health(&self) -> Result<(), HttpError> {
		match self.request(http::Method::Get, "/health", None, REQUEST_TIMEOUT_MS, MAX_ANSWER)? {
			(200, _) => Ok(()),
			(code, _) => Err(HttpError::Status(code)),
		}
	}

	/// `POST /jobs`: the service has the job (new, 202, or the same one again, 200).
	pub fn post_job<MaxUrlLen: Get<u32>>(
		&self,
		id: &str,
		program: &Program,
		dataset: &DatasetRef<MaxUrlLen>,
	) -> Result<(), HttpError> {
		let body = serde_json::to_vec(&SubmitJob { id, program, dataset: DatasetJson::new(dataset) })
			.map_err(|_| HttpError::Malformed("job not encodable"))?;
		match self.request(http::Method::Post, "/jobs", Some(body), POST_JOB_TIMEOUT_MS, MAX_ANSWER)? {
			(200 | 202, _) => Ok(()),
			(code @ (400 | 413 | 422), body) => match serde_json::from_slice::<ErrorBody>(&body) {
				Ok(ErrorBody { code: Some(reason) }) => Err(HttpError::Unservable(reason)),
				_ => Err(HttpError::Status(code)),
			},
			(code, _) => Err(HttpError::Status(code)),
		}
	}

	/// `GET /jobs/{id}`.
	pub fn job_status(&self, id: &str) -> Result<JobStatus, HttpError> {
		let status: JobStatus = self.get(&format!("/jobs/{id}"), MAX_ANSWER)?;
		if status.step > status.steps {
			return Err(HttpError::Malformed("step beyond the job's steps"));
		}
		Ok(status)
	}

	/// The state hash after `step` of job `id`, checked against `root` with the served proof.
	pub fn proven_step(
		&self,
		id: &str,
		step: u32,
		steps: u32,
		root: &H256,
	) -> Result<[u8; 32], HttpError> {
		self.proven_leaf(id, step, steps, root).map(|(hash, _)| hash)
	}

	/// [`Self::proven_step`] with its proof.
	pub fn proven_leaf(
		&self,
		id: &str,
		step: u32,
		steps: u32,
		root: &H256,
	) -> Result<([u8; 32], aichain_engine::MerkleProof), HttpError> {
		let proof: StepProof = self.get(&format!("/jobs/{id}/steps/{step}"), MAX_ANSWER)?;
		if proof.step != step || proof.leaves != steps || proof.trace_root.0 != root.0 {
			return Err(HttpError::Malformed("proof for another step or trace"));
		}
		let merkle = merkle_proof(&proof.proof)?;
		if !aichain_engine::trace::verify_step(&root.0, steps, step, proof.hash.0, &merkle) {
			return Err(HttpError::Malformed("proof does not lead to the trace root"));
		}
		Ok((proof.hash.0, merkle))
	}

	/// `GET /jobs/{id}/steps/{step}/state`.
	pub fn state_at(&self, id: &str, step: u32) -> Result<StateAt, HttpError> {
		self.get(&format!("/jobs/{id}/steps/{step}/state"), MAX_STATE_ANSWER)
	}

	/// `POST /execute`: re-execute steps `from + 1 ..= to` from `state` (the initial state if
	/// `from` is 0).
	pub fn execute<MaxUrlLen: Get<u32>>(
		&self,
		program: &Program,
		dataset: &DatasetRef<MaxUrlLen>,
		from: u32,
		to: u32,
		state: Option<Vec<u8>>,
		evidence: bool,
	) -> Result<Segment, HttpError> {
		let body = serde_json::to_vec(&ExecuteSegment {
			program,
			dataset: DatasetJson::new(dataset),
			from_step: from,
			to_step: to,
			state: state.map(|s| format!("0x{}", hex::encode(s))),
			evidence,
		})
		.map_err(|_| HttpError::Malformed("segment not encodable"))?;
		let limit = if evidence { MAX_EVIDENCE_ANSWER } else { MAX_ANSWER };
		match self.request(http::Method::Post, "/execute", Some(body), EXECUTE_TIMEOUT_MS, limit)? {
			(200, body) => parse(&body),
			(code, _) => Err(HttpError::Status(code)),
		}
	}
}

/// Served Merkle siblings as the engine's proof (at most 32).
fn merkle_proof(siblings: &[HexHash]) -> Result<aichain_engine::MerkleProof, HttpError> {
	let siblings = frame_support::BoundedVec::try_from(siblings.iter().map(|h| h.0).collect::<Vec<_>>())
		.map_err(|_| HttpError::Malformed("proof too long"))?;
	Ok(aichain_engine::MerkleProof { siblings })
}

fn parse<R: DeserializeOwned>(body: &[u8]) -> Result<R, HttpError> {
	serde_json::from_slice(body).map_err(|_| HttpError::Malformed("not the expected JSON"))
}

/// A 32-byte hash as `0x` + 64 hex digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HexHash(pub [u8; 32]);

impl Serialize for HexHash {
	fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
		s.serialize_str(&format!("0x{}", hex::encode(self.0)))
	}
}

impl<'de> Deserialize<'de> for HexHash {
	fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
		let s = <&str>::deserialize(d)?;
		let digits = s.strip_prefix("0x").ok_or_else(|| serde::de::Error::custom("no 0x"))?;
		let mut out = [0u8; 32];
		hex::decode_to_slice(digits, &mut out).map_err(serde::de::Error::custom)?;
		Ok(Self(out))
	}
}

/// Bytes as `0x`-prefixed hex.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HexBytes(pub Vec<u8>);

impl<'de> Deserialize<'de> for HexBytes {
	fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
		let s = <&str>::deserialize(d)?;
		let digits = s.strip_prefix("0x").ok_or_else(|| serde::de::Error::custom("no 0x"))?;
		hex::decode(digits).map(Self).map_err(serde::de::Error::custom)
	}
}

/// A dataset as the service takes it: an `http(s)://` address is fetched, anything else is a
/// file name in the service's dataset directory.
/// The minibatch count goes along, when the task names one: the service refuses a dataset with
/// another count as it refuses another root.
#[derive(Serialize)]
struct DatasetJson<'a> {
	root: HexHash,
	#[serde(skip_serializing_if = "Option::is_none")]
	url: Option<&'a str>,
	#[serde(skip_serializing_if = "Option::is_none")]
	path: Option<&'a str>,
	#[serde(skip_serializing_if = "Option::is_none")]
	batches: Option<u32>,
}

impl<'a> DatasetJson<'a> {
	fn new<MaxUrlLen: Get<u32>>(dataset: &'a DatasetRef<MaxUrlLen>) -> Self {
		let location = core::str::from_utf8(&dataset.url).unwrap_or_default();
		let remote = location.starts_with("http://") || location.starts_with("https://");
		Self {
			root: HexHash(dataset.root.0),
			url: remote.then_some(location),
			path: (!remote).then_some(location),
			batches: (dataset.batches > 0).then_some(dataset.batches),
		}
	}
}

#[derive(Serialize)]
struct SubmitJob<'a> {
	id: &'a str,
	program: &'a Program,
	dataset: DatasetJson<'a>,
}

#[derive(Serialize)]
struct ExecuteSegment<'a> {
	program: &'a Program,
	dataset: DatasetJson<'a>,
	from_step: u32,
	to_step: u32,
	#[serde(skip_serializing_if = "Option::is_none")]
	state: Option<String>,
	#[serde(skip_serializing_if = "core::ops::Not::not")]
	evidence: bool,
}

/// The machine-readable part of an error answer: why a job cannot be served, if that is why.
#[derive(Deserialize)]
struct ErrorBody {
	#[serde(default)]
	code: Option<DeclineReason>,
}

/// Life cycle of a job (`GET /jobs/{id}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
	/// Waiting for a worker.
	Queued,
	/// Being trained.
	Running,
	/// Finished; the result is available.
	Completed,
	/// Stopped with an error.
	Failed,
}

/// What a completed job produced.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct JobResult {
	/// Hash of the trained model.
	pub model_hash: HexHash,
	/// Merkle root of the trace.
	pub trace_root: HexHash,
	/// Steps trained.
	pub steps: u32,
}

/// The fields of `GET /jobs/{id}` a worker uses.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct JobStatus {
	/// Life-cycle state.
	pub state: JobState,
	/// Steps done.
	pub step: u32,
	/// Steps in total.
	pub steps: u32,
	/// Why it failed.
	#[serde(default)]
	pub error: Option<String>,
	/// The result, once completed.
	#[serde(default)]
	pub result: Option<JobResult>,
}

/// `GET /jobs/{id}/steps/{i}`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct StepProof {
	/// The step.
	pub step: u32,
	/// State hash after it.
	pub hash: HexHash,
	/// Merkle siblings, leaf level first.
	pub proof: Vec<HexHash>,
	/// Leaves (steps) of the trace.
	pub leaves: u32,
	/// The root the proof leads to.
	pub trace_root: HexHash,
}

/// `GET /jobs/{id}/steps/{i}/state`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct StateAt {
	/// The step.
	pub step: u32,
	/// Hash of the state.
	pub hash: HexHash,
	/// SCALE-encoded state.
	pub state: HexBytes,
}

/// `POST /execute` answer.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Segment {
	/// Steps already applied to the start state.
	pub from_step: u32,
	/// Last step executed.
	pub to_step: u32,
	/// Hash of the start state.
	pub start_hash: HexHash,
	/// Hash after `to_step`.
	pub hash: HexHash,
	/// The model hash of the state after `to_step` (absent from older services).
	#[serde(default)]
	pub model_hash: Option<HexHash>,
	/// Hash after every step `from_step + 1 ..= to_step`.
	#[serde(default)]
	pub step_hashes: Vec<HexHash>,
	/// What a fraud proof of `to_step` needs, when asked for.
	#[serde(default)]
	pub evidence: Option<SegmentEvidence>,
}

/// `POST /execute` with `evidence`: the state before the last step and its minibatch.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct SegmentEvidence {
	/// SCALE-encoded state after `to_step − 1`.
	pub prior_state: HexBytes,
	/// SCALE-encoded minibatch of `to_step`.
	pub minibatch: HexBytes,
	/// Merkle siblings of the minibatch against the dataset root.
	pub proof: Vec<HexHash>,
}
