//! Offchain worker tests: the workers run against a scripted solver service (every answer,
//! status, timeout and connection failure is chosen by the test), their transactions are
//! taken from the pool, checked by `authorize` and dispatched as the chain would.

use crate::{
	mock::*,
	offchain::{self, job_id, HttpError, SolverMemory, VerifyJob, SOLVER_URL_KEY},
	pallet::*,
	tests::{dataset, program, register, submit, task, SOLVER, SOLVER_2, USER},
	types::*,
};
use codec::{Decode, Encode};
use frame_support::{
	assert_ok,
	dispatch::GetDispatchInfo,
	pallet_prelude::{Authorize, InvalidTransaction, TransactionSource, TransactionValidityError},
	BoundedVec,
};
use sp_core::{
	offchain::{
		testing::{TestOffchainExt, TestTransactionPoolExt},
		Externalities, HttpError as ExtHttpError, HttpRequestId, HttpRequestStatus,
		OffchainDbExt, OffchainWorkerExt, OpaqueNetworkState, StorageKind, Timestamp,
		TransactionPoolExt,
	},
	H256,
};
use sp_runtime::{testing::UintAuthorityId, Permill, RuntimeAppPublic};
use std::{
	collections::{BTreeMap, VecDeque},
	sync::Arc,
};

const LOCAL: &str = "http://solver.local";
const REMOTE: &str = "http://remote.solver";

/// What the scripted service answers to one request.
#[derive(Clone, Debug)]
enum Reply {
	/// A status and a body.
	Answer(u16, Vec<u8>),
	/// No answer before the deadline.
	Timeout,
	/// The connection fails.
	Broken,
}

fn json(code: u16, body: serde_json::Value) -> Reply {
	Reply::Answer(code, serde_json::to_vec(&body).unwrap())
}

#[derive(Default)]
struct ServiceState {
	/// Replies by "METHOD uri", used in order.
	script: BTreeMap<String, VecDeque<Reply>>,
	/// Requests made: "METHOD uri" and body.
	log: Vec<(String, Vec<u8>)>,
	/// Open requests: key, body so far, reply, bytes read.
	open: Vec<(String, Vec<u8>, Option<Reply>, usize)>,
	seed: [u8; 32],
}

/// An offchain-worker environment whose HTTP answers come from a script.
#[derive(Clone, Default)]
struct ScriptedService(Arc<parking_lot::Mutex<ServiceState>>);

impl ScriptedService {
	fn on(&self, method: &str, uri: &str, reply: Reply) {
		self.0.lock().script.entry(format!("{method} {uri}")).or_default().push_back(reply);
	}
	fn requests(&self) -> Vec<String> {
		self.0.lock().log.iter().map(|(k, _)| k.clone()).collect()
	}
	fn body_of(&self, key: &str) -> Option<Vec<u8>> {
		self.0.lock().log.iter().find(|(k, _)| k == key).map(|(_, b)| b.clone())
	}
	fn clear_log(&self) {
		self.0.lock().log.clear();
	}
	fn assert_script_used(&self) {
		let state = self.0.lock();
		let left: Vec<_> = state.script.iter().filter(|(_, q)| !q.is_empty()).collect();
		assert!(left.is_empty(), "unused scripted replies: {left:?}");
	}
}

impl Externalities for ScriptedService {
	fn is_validator(&self) -> bool {
		true
	}
	fn network_state(&self) -> Result<OpaqueNetworkState, ()> {
		Err(())
	}
	fn timestamp(&mut self) -> Timestamp {
		Timestamp::from_unix_millis(1_000_000)
	}
	fn sleep_until(&mut self, _deadline: Timestamp) {}
	fn random_seed(&mut self) -> [u8; 32] {
		self.0.lock().seed
	}
	fn http_request_start(
		&mut self,
		method: &str,
		uri: &str,
		_meta: &[u8],
	) -> Result<HttpRequestId, ()> {
		let mut state = self.0.lock();
		state.open.push((format!("{method} {uri}"), Vec::new(), None, 0));
		Ok(HttpRequestId((state.open.len() - 1) as u16))
	}
	fn http_request_add_header(&mut self, _id: HttpRequestId, _n: &str, _v: &str) -> Result<(), ()> {
		Ok(())
	}
	fn http_request_write_body(
		&mut self,
		id: HttpRequestId,
		chunk: &[u8],
		_deadline: Option<Timestamp>,
	) -> Result<(), ExtHttpError> {
		let mut state = self.0.lock();
		let request = state.open.get_mut(id.0 as usize).ok_or(ExtHttpError::Invalid)?;
		request.1.extend_from_slice(chunk);
		Ok(())
	}
	fn http_response_wait(
		&mut self,
		ids: &[HttpRequestId],
		_deadline: Option<Timestamp>,
	) -> Vec<HttpRequestStatus> {
		let mut state = self.0.lock();
		ids.iter()
			.map(|id| {
				let (key, body) = {
					let request = &state.open[id.0 as usize];
					(request.0.clone(), request.1.clone())
				};
				let reply = state
					.script
					.get_mut(&key)
					.and_then(|q| q.pop_front())
					.unwrap_or_else(|| panic!("unscripted request {key}"));
				state.log.push((key, body));
				state.open[id.0 as usize].2 = Some(reply.clone());
				match reply {
					Reply::Answer(code, _) => HttpRequestStatus::Finished(code),
					Reply::Timeout => HttpRequestStatus::DeadlineReached,
					Reply::Broken => HttpRequestStatus::IoError,
				}
			})
			.collect()
	}
	fn http_response_headers(&mut self, _id: HttpRequestId) -> Vec<(Vec<u8>, Vec<u8>)> {
		Vec::new()
	}
	fn http_response_read_body(
		&mut self,
		id: HttpRequestId,
		buffer: &mut [u8],
		_deadline: Option<Timestamp>,
	) -> Result<usize, ExtHttpError> {
		let mut state = self.0.lock();
		let request = state.open.get_mut(id.0 as usize).ok_or(ExtHttpError::Invalid)?;
		let Some(Reply::Answer(_, body)) = &request.2 else { return Err(ExtHttpError::IoError) };
		let n = buffer.len().min(body.len() - request.3);
		buffer[..n].copy_from_slice(&body[request.3..request.3 + n]);
		request.3 += n;
		Ok(n)
	}
	fn set_authorized_nodes(&mut self, _nodes: Vec<sp_core::OpaquePeerId>, _only: bool) {}
}

struct World {
	service: ScriptedService,
	pool: Arc<parking_lot::RwLock<sp_core::offchain::testing::PoolState>>,
	ext: sp_io::TestExternalities,
}

/// The mock chain with a scripted service at [`LOCAL`], a transaction pool, and `keys` in the
/// keystore.
fn world(keys: &[u64]) -> World {
	let mut ext = new_test_ext();
	let service = ScriptedService::default();
	let (offchain_db, _) = TestOffchainExt::new();
	let (pool, pool_state) = TestTransactionPoolExt::new();
	ext.register_extension(OffchainWorkerExt::new(service.clone()));
	ext.register_extension(OffchainDbExt::new(offchain_db));
	ext.register_extension(TransactionPoolExt::new(pool));
	UintAuthorityId::set_all_keys(keys.iter().copied().map(UintAuthorityId).collect::<Vec<_>>());
	ext.execute_with(|| {
		sp_io::offchain::local_storage_set(StorageKind::PERSISTENT, SOLVER_URL_KEY, LOCAL.as_bytes())
	});
	World { service, pool: pool_state, ext }
}

type Pool = Arc<parking_lot::RwLock<sp_core::offchain::testing::PoolState>>;

/// Take the reports the workers put in the pool.
fn take_reports(pool: &Pool) -> Vec<RuntimeCall> {
	let txs = std::mem::take(&mut pool.write().transactions);
	txs.into_iter()
		.map(|tx| Extrinsic::decode(&mut &tx[..]).expect("a valid extrinsic").function)
		.collect()
}

/// Admit a report as the pool would and dispatch it as the block would.
fn apply(call: RuntimeCall) {
	call.authorize(TransactionSource::Local)
		.expect("an authorized call")
		.expect("the report is valid");
	let _ = call.get_dispatch_info();
	assert_ok!(sp_runtime::traits::Dispatchable::dispatch(
		call,
		frame_system::RawOrigin::Authorized.into()
	));
}

fn action(call: &RuntimeCall) -> OffchainAction {
	match call {
		RuntimeCall::Compute(crate::Call::report { report, .. }) => report.action,
		other => panic!("not a report: {other:?}"),
	}
}

fn status_json(state: &str, step: u32, result: Option<(H256, H256, u32)>) -> serde_json::Value {
	let mut v = serde_json::json!({
		"id": "x", "state": state, "step": step, "steps": 10, "progress": 0.0, "work_units": 3400,
		"checkpoint_step": 0, "resumed": 0, "dataset": {"root": format!("{:?}", H256::repeat_byte(9))},
	});
	if let Some((model, root, steps)) = result {
		v["result"] = serde_json::json!({
			"model_hash": format!("{model:?}"), "trace_root": format!("{root:?}"),
			"final_state_hash": format!("{model:?}"), "steps": steps,
		});
	}
	v
}

/// A task submitted by USER and assigned to SOLVER (the only solver).
fn assigned_task() -> TaskId {
	register(SOLVER, 1_000, HardwareClass::Cpu);
	let id = submit(50);
	run_to_block(2);
	assert!(matches!(task(id).status, TaskStatus::Assigned { .. }));
	id
}

fn job_path(id: TaskId) -> String {
	format!("{LOCAL}/jobs/{}", job_id::<Test>(id, &task(id)))
}

#[test]
fn the_solver_worker_hands_over_accepts_and_reports_once() {
	let mut w = world(&[SOLVER]);
	let service = w.service.clone();
	let pool = w.pool.clone();
	w.ext.execute_with(|| {
		let id = assigned_task();
		service.on("POST", &format!("{LOCAL}/jobs"), json(202, serde_json::json!({})));
		service.on("GET", &job_path(id), json(200, status_json("running", 4, None)));
		offchain::run::<Test>(2);
		let reports = take_reports(&pool);
		assert_eq!(reports.iter().map(action).collect::<Vec<_>>(), vec![OffchainAction::Accept { task: id }]);
		// The job went out as the service's API wants it.
		let body: serde_json::Value =
			serde_json::from_slice(&service.body_of(&format!("POST {LOCAL}/jobs")).unwrap()).unwrap();
		assert_eq!(body["id"], job_id::<Test>(id, &task(id)));
		assert_eq!(body["dataset"]["url"], "http://127.0.0.1:8000/d.aids");
		assert_eq!(body["dataset"]["batches"], 50, "the service checks the count with the root");
		assert_eq!(body["program"]["steps"], 10);
		reports.into_iter().for_each(apply);
		assert!(matches!(task(id).status, TaskStatus::Running { .. }));

		// Done: the result is reported; the job is not posted again.
		let (model, root) = (H256::repeat_byte(1), H256::repeat_byte(2));
		service.clear_log();
		service.on("GET", &job_path(id), json(200, status_json("completed", 10, Some((model, root, 10)))));
		run_to_block(3);
		offchain::run::<Test>(3);
		assert_eq!(service.requests(), vec![format!("GET {}", job_path(id))]);
		let reports = take_reports(&pool);
		let expected = TaskResult { model_hash: model, trace_root: root, steps: 10 };
		assert_eq!(reports.iter().map(action).collect::<Vec<_>>(), vec![OffchainAction::Result {
			task: id,
			result: expected
		}]);
		// A second worker (another node with the same key) sending it again is refused.
		let again = reports[0].clone();
		reports.into_iter().for_each(apply);
		assert!(matches!(task(id).status, TaskStatus::Submitted { result, .. } if result == expected));
		assert_eq!(
			again.authorize(TransactionSource::External).unwrap(),
			Err(TransactionValidityError::Invalid(InvalidTransaction::Stale))
		);

		// Nothing left to do for this solver: no requests, and its memory is pruned.
		service.clear_log();
		offchain::run::<Test>(4);
		assert!(service.requests().is_empty());
		assert!(take_reports(&pool).is_empty());
		service.assert_script_used();
		Compute::do_try_state().unwrap();
	});
}

#[test]
fn bad_answers_are_ignored_and_retried_later() {
	let mut w = world(&[SOLVER]);
	let service = w.service.clone();
	let pool = w.pool.clone();
	w.ext.execute_with(|| {
		let id = assigned_task();
		// Accepted already (the acceptance period does not hurry the worker): the job must
		// still reach the service.
		assert_ok!(Compute::accept_task(RuntimeOrigin::signed(SOLVER), id));
		let jobs = format!("{LOCAL}/jobs");
		// The service is down, slow, overloaded, then refuses the job: nothing is reported.
		for (n, reply) in [
			Reply::Broken,
			Reply::Timeout,
			json(429, serde_json::json!({"error": "queue full"})),
			json(422, serde_json::json!({"error": "dataset unavailable"})),
		]
		.into_iter()
		.enumerate()
		{
			let now = 2 + 40 * n as u64;
			service.on("POST", &jobs, reply);
			offchain::run::<Test>(now);
			assert!(take_reports(&pool).is_empty());
			// Backing off: the next block tries nothing.
			service.clear_log();
			offchain::run::<Test>(now + 1);
			assert!(service.requests().is_empty());
		}

		// Taken, but every status answer is garbage: no result is ever reported.
		let status = job_path(id);
		let huge = vec![b' '; offchain::MAX_ANSWER + 1];
		let garbage = [
			Reply::Answer(200, b"not json".to_vec()),
			Reply::Answer(200, huge),
			json(500, serde_json::json!({"error": "boom"})),
			json(200, serde_json::json!({"state": "completed", "step": 10, "steps": 10, "result": {
				"model_hash": "0x12", "trace_root": "0x34", "steps": 10}})),
			json(200, serde_json::json!({"state": "exploded", "step": 1, "steps": 10})),
			json(200, status_json("running", 11, None)),
			json(200, status_json("completed", 10, Some((H256::zero(), H256::zero(), 9)))),
			json(200, serde_json::json!({"state": "completed", "step": 10, "steps": 10})),
			json(200, status_json("failed", 3, None)),
		];
		service.on("POST", &jobs, json(202, serde_json::json!({})));
		let mut now = 200;
		for reply in garbage {
			service.on("GET", &status, reply);
			offchain::run::<Test>(now);
			let actions: Vec<_> = take_reports(&pool).iter().map(action).collect();
			assert!(
				actions.iter().all(|a| matches!(a, OffchainAction::Accept { .. })),
				"garbage turned into {actions:?}"
			);
			now += 40;
		}
		service.assert_script_used();
		assert!(matches!(task(id).status, TaskStatus::Running { .. }));

		// The service lost the job (404): it is posted again.
		service.on("GET", &status, json(404, serde_json::json!({"error": "no such job"})));
		offchain::run::<Test>(now);
		service.on("POST", &jobs, json(200, serde_json::json!({})));
		service.on("GET", &status, json(200, status_json("queued", 0, None)));
		offchain::run::<Test>(now + 1);
		service.assert_script_used();
	});
}

#[test]
fn heartbeats_only_while_the_service_is_healthy() {
	let mut w = world(&[SOLVER]);
	let service = w.service.clone();
	let pool = w.pool.clone();
	w.ext.execute_with(|| {
		register(SOLVER, 1_000, HardwareClass::Cpu);
		// Registration counted for this period; the next one needs a heartbeat.
		run_to_block(11);
		let period = OnlineCapacityOf::<Test>::get().period;
		service.on("GET", &format!("{LOCAL}/health"), json(503, serde_json::json!({})));
		offchain::run::<Test>(11);
		assert!(take_reports(&pool).is_empty());
		// Not healthy: the next block asks again.
		service.on("GET", &format!("{LOCAL}/health"), json(200, serde_json::json!({"ok": true})));
		offchain::run::<Test>(12);
		let reports = take_reports(&pool);
		assert_eq!(reports.iter().map(action).collect::<Vec<_>>(), vec![OffchainAction::Heartbeat { period }]);
		// Sent: not again while it may still land.
		offchain::run::<Test>(13);
		assert!(take_reports(&pool).is_empty());
		reports.into_iter().for_each(apply);
		assert_eq!(Solvers::<Test>::get(SOLVER).unwrap().seen_period, period);
		service.assert_script_used();
	});
}

/// A task whose result (`steps` steps, trace over `leaves`) is in its window; returns the task
/// and its verifiers. The solver publishes [`REMOTE`].
fn submitted_task(steps: u32, leaves: &[[u8; 32]]) -> (TaskId, Vec<u64>) {
	register(SOLVER, 1_000, HardwareClass::Cpu);
	assert_ok!(Compute::set_endpoint(
		RuntimeOrigin::signed(SOLVER),
		Some(BoundedVec::truncate_from(REMOTE.as_bytes().to_vec()))
	));
	let id = NextTaskId::<Test>::get();
	assert_ok!(Compute::submit_task(
		RuntimeOrigin::signed(USER),
		program(steps),
		dataset(),
		HardwareClass::Cpu,
		50,
		u64::MAX
	));
	run_to_block(2);
	let root = H256(aichain_engine::trace::merkle_root(leaves));
	let result = TaskResult { model_hash: H256::repeat_byte(1), trace_root: root, steps };
	assert_ok!(Compute::submit_result(RuntimeOrigin::signed(SOLVER), id, result));
	// The verifiers are drawn in the next block.
	run_to_block(3);
	let TaskStatus::Submitted { verifiers, .. } = task(id).status else { panic!("submitted") };
	(id, verifiers.iter().map(|v| v.account).collect())
}

fn leaves(steps: u32) -> Vec<[u8; 32]> {
	(1..=steps).map(|i| sp_io::hashing::blake2_256(&i.encode())).collect()
}

fn proof_json(leaves: &[[u8; 32]], step: u32) -> serde_json::Value {
	let proof = aichain_engine::trace::merkle_proof(leaves, step - 1).unwrap();
	serde_json::json!({
		"step": step,
		"hash": format!("0x{}", hex::encode(leaves[step as usize - 1])),
		"proof": proof.siblings.iter().map(|h| format!("0x{}", hex::encode(h))).collect::<Vec<_>>(),
		"leaves": leaves.len(),
		"trace_root": format!("0x{}", hex::encode(aichain_engine::trace::merkle_root(leaves))),
	})
}

/// A `POST /execute` answer whose state hashes after steps `from + 1 ..= to` are `hashes`.
fn segment_json(from: u32, to: u32, start: [u8; 32], hashes: &[[u8; 32]]) -> serde_json::Value {
	assert_eq!(hashes.len(), (to - from) as usize);
	let hex_of = |h: &[u8; 32]| format!("0x{}", hex::encode(h));
	serde_json::json!({
		"from_step": from, "to_step": to,
		"start_hash": hex_of(&start),
		"hash": hex_of(hashes.last().unwrap()),
		"step_hashes": hashes.iter().map(hex_of).collect::<Vec<_>>(),
	})
}

/// Script the solver's proof of every leaf `from + 1 ..= to` of `trace`.
fn script_leaves(service: &ScriptedService, job: &str, trace: &[[u8; 32]], from: u32, to: u32) {
	for step in from + 1..=to {
		service.on("GET", &format!("{REMOTE}/jobs/{job}/steps/{step}"), json(200, proof_json(trace, step)));
	}
}

#[test]
fn verifiers_attest_a_matching_segment_and_hold_back_a_different_one_until_it_is_proven() {
	let trace = leaves(10);
	let mut w = world(&[]);
	let service = w.service.clone();
	let pool = w.pool.clone();
	w.ext.execute_with(|| {
		let (id, verifiers) = submitted_task(10, &trace);
		assert_eq!(verifiers.len(), 2);
		let job = job_id::<Test>(id, &task(id));
		// 10 steps: the segment is the whole trace, from the initial state. The second verifier's
		// service computes another state after step 10: every leaf is compared, step 10 differs.
		let mut differs = trace.clone();
		differs[9] = [7u8; 32];
		for (verifier, local) in [(verifiers[0], &trace), (verifiers[1], &differs)] {
			UintAuthorityId::set_all_keys(vec![UintAuthorityId(verifier)]);
			service.on("POST", &format!("{LOCAL}/execute"), json(200, segment_json(0, 10, [0; 32], local)));
			script_leaves(&service, &job, &trace, 0, 10);
			if local != &trace {
				// The worker asks its service for the fraud proof's evidence, which this one does
				// not give: no proof; the verdict still goes.
				service.on("POST", &format!("{LOCAL}/execute"), json(200, segment_json(0, 10, [0; 32], local)));
			}
			offchain::run::<Test>(3);
			let body: serde_json::Value =
				serde_json::from_slice(&service.body_of(&format!("POST {LOCAL}/execute")).unwrap()).unwrap();
			assert_eq!((body["from_step"].clone(), body["to_step"].clone()), (0.into(), 10.into()));
			assert!(body.get("state").is_none());
			service.clear_log();
			take_reports(&pool).into_iter().for_each(apply);
		}
		let TaskStatus::Submitted { verifiers: judged, .. } = task(id).status else { panic!() };
		assert_eq!(judged[0].verdict, Some(Verdict::Valid));
		// No fraud proof could be built (this service gives no evidence, and this runtime has
		// nowhere to send one): an `Invalid` verdict would change nothing, so none is sent and
		// the verifier tries again after its backoff.
		assert_eq!(judged[1].verdict, None);
		assert_eq!(Duties::<Test>::iter().count(), 1);
		service.assert_script_used();
	});
}

/// A solver whose public side serves nothing cannot be checked: after `WITHHELD_AFTER` failed
/// checks in a row, while its own service is up, the verifier hands the task to a bisection
/// game. A service of its own that is down is no reason to.
#[test]
fn a_verifier_challenges_a_withheld_trace_by_a_game_after_retries() {
	let trace = leaves(10);
	let mut w = world(&[]);
	let service = w.service.clone();
	w.ext.execute_with(|| {
		let (id, verifiers) = submitted_task(10, &trace);
		let job = job_id::<Test>(id, &task(id));
		let withheld = || json(404, serde_json::json!({ "error": "this service withholds its traces" }));
		// Both verifiers' checks fail, the first's because the solver serves nothing, the
		// second's because its own service is down. Backoff: they run at blocks 3, 5 and 9.
		for (attempt, block) in [(1, 3), (2, 5), (3, 9)] {
			run_to_block(block);
			service.on("POST", &format!("{LOCAL}/execute"), json(200, segment_json(0, 10, [0; 32], &trace)));
			service.on("GET", &format!("{REMOTE}/jobs/{job}/steps/1"), withheld());
			service.on("POST", &format!("{LOCAL}/execute"), Reply::Broken);
			if attempt == offchain::WITHHELD_AFTER {
				service.on("GET", &format!("{LOCAL}/health"), json(200, serde_json::json!({})));
				service.on("GET", &format!("{LOCAL}/health"), Reply::Broken);
			}
			for verifier in &verifiers {
				UintAuthorityId::set_all_keys(vec![UintAuthorityId(*verifier)]);
				offchain::run::<Test>(block);
			}
			let handed = take_withheld();
			if attempt < offchain::WITHHELD_AFTER {
				assert!(handed.is_empty(), "attempt {attempt}: too soon");
			} else {
				assert_eq!(handed, vec![(UintAuthorityId(verifiers[0]), id)]);
			}
		}
		service.assert_script_used();
	});
}

/// A `POST /execute` answer for `from..=to` of `trace` with the model hash and the evidence of
/// step `to` (the state before it is `prior`).
fn segment_with_evidence(from: u32, to: u32, trace: &[[u8; 32]], prior: &[u8]) -> serde_json::Value {
	let mut answer = segment_json(from, to, [0; 32], &trace[from as usize..to as usize]);
	answer["model_hash"] = serde_json::json!(format!("0x{}", hex::encode([9u8; 32])));
	answer["evidence"] = serde_json::json!({
		"prior_state": format!("0x{}", hex::encode(prior)),
		"minibatch": "0x0102",
		"index": 0,
		"proof": Vec::<String>::new(),
	});
	answer
}

/// A game over a long job needs its whole re-execution: it goes in segments within the
/// service's default limits, each starting from the state before the last one's end.
#[test]
fn a_long_replay_goes_in_segments_chained_by_state() {
	let trace = leaves(2_500);
	let mut w = world(&[]);
	let service = w.service.clone();
	w.ext.execute_with(|| {
		// A replay needs only the task's program and dataset.
		let id = crate::tests::submit_with(USER, program(2_500), HardwareClass::Cpu, 50);
		let state = |step: u32| step.encode();
		for (from, to) in [(0, 1_000), (999, 1_999), (1_998, 2_500)] {
			service.on(
				"POST",
				&format!("{LOCAL}/execute"),
				json(200, segment_with_evidence(from, to, &trace, &state(to - 1))),
			);
		}
		let replay = offchain::replay::<Test>(id, 2_500, true).expect("replayed");
		assert_eq!(replay.leaves, trace);
		assert_eq!(replay.model_hash, H256([9u8; 32]));
		let (prior, minibatch, _) = replay.evidence.expect("the evidence of the last step");
		assert_eq!((prior, minibatch), (state(2_499), vec![1, 2]));
		// Each segment after the first starts from the state the one before gave.
		let bodies: Vec<serde_json::Value> = service
			.0
			.lock()
			.log
			.iter()
			.map(|(_, body)| serde_json::from_slice(body).unwrap())
			.collect();
		assert_eq!(bodies.len(), 3);
		assert!(bodies[0].get("state").is_none());
		assert_eq!(bodies[1]["state"], format!("0x{}", hex::encode(state(999))));
		assert_eq!(bodies[2]["state"], format!("0x{}", hex::encode(state(1_998))));
		service.assert_script_used();
		// A segment the service will not answer: no replay.
		service.on("POST", &format!("{LOCAL}/execute"), json(400, serde_json::json!({"error": "too long"})));
		assert!(offchain::replay::<Test>(id, 2_500, false).is_none());
	});
}

/// A dispute keeps a result unpaid past its window, and its drawn verifiers' duties with it;
/// verdicts are over, so their workers no longer fetch or send anything for it.
#[test]
fn verifiers_leave_a_result_frozen_past_its_window_alone() {
	use crate::TaskDisputes;
	let trace = leaves(10);
	let mut w = world(&[]);
	let service = w.service.clone();
	let pool = w.pool.clone();
	w.ext.execute_with(|| {
		let (id, verifiers) = submitted_task(10, &trace);
		assert_ok!(<Compute as TaskDisputes<u64>>::freeze(id));
		let TaskStatus::Submitted { window_end, .. } = task(id).status else { panic!() };
		run_to_block(window_end + 1);
		assert!(matches!(task(id).status, TaskStatus::Submitted { disputes: 1, .. }));
		for verifier in verifiers {
			assert!(Duties::<Test>::contains_key(verifier, id), "still owed, and not answerable");
			UintAuthorityId::set_all_keys(vec![UintAuthorityId(verifier)]);
			offchain::run::<Test>(window_end + 1);
		}
		assert_eq!(service.requests(), Vec::<String>::new());
		assert!(take_reports(&pool).is_empty());
	});
}

#[test]
fn a_segment_inside_the_trace_starts_from_the_served_state() {
	let mut trace = leaves(40);
	// The solver's leaf 5 is the hash of the state it serves for step 5.
	trace[4] = sp_io::hashing::blake2_256(&[0xc0, 0xff, 0xee]);
	let mut w = world(&[]);
	let service = w.service.clone();
	let pool = w.pool.clone();
	w.ext.execute_with(|| {
		let (id, verifiers) = submitted_task(40, &trace);
		UintAuthorityId::set_all_keys(vec![UintAuthorityId(verifiers[0])]);
		let TaskStatus::Submitted { verifiers: drawn, .. } = task(id).status else { panic!() };
		assert_eq!(drawn[0].segment.to - drawn[0].segment.from, SEGMENT_STEPS);
		// The segment the chain drew, placed inside the trace for this test.
		let (from, to) = (5, 5 + SEGMENT_STEPS);
		Tasks::<Test>::mutate(id, |t| {
			if let Some(TaskStatus::Submitted { verifiers, .. }) = t.as_mut().map(|t| &mut t.status) {
				verifiers[0].segment = TraceSegment { from, to };
			}
		});
		let job = job_id::<Test>(id, &task(id));
		let state = serde_json::json!({
			"step": from, "hash": format!("0x{}", hex::encode(trace[from as usize - 1])), "state": "0xc0ffee",
		});
		service.on("GET", &format!("{REMOTE}/jobs/{job}/steps/{from}"), json(200, proof_json(&trace, from)));
		service.on("GET", &format!("{REMOTE}/jobs/{job}/steps/{from}/state"), json(200, state));
		service.on(
			"POST",
			&format!("{LOCAL}/execute"),
			json(200, segment_json(from, to, trace[from as usize - 1], &trace[from as usize..to as usize])),
		);
		script_leaves(&service, &job, &trace, from, to);
		offchain::run::<Test>(3);
		let body: serde_json::Value =
			serde_json::from_slice(&service.body_of(&format!("POST {LOCAL}/execute")).unwrap()).unwrap();
		assert_eq!(body["state"], "0xc0ffee");
		assert_eq!(body["from_step"], from);
		let reports = take_reports(&pool);
		assert_eq!(reports.iter().map(action).collect::<Vec<_>>(), vec![OffchainAction::Verdict {
			task: id,
			verdict: Verdict::Valid
		}]);
		service.assert_script_used();
	});
}

/// A lying solver's trace (the real engine, a lie at step 6): the verifier compares every leaf,
/// stops at 6, takes the state before it and the minibatch from its own service, checks them
/// with the referee, sends the fraud proof, and only then its `Invalid` verdict.
#[test]
fn a_verifier_proves_the_first_wrong_leaf_with_its_own_evidence() {
	use aichain_engine::{trace::blake2_256, Dataset, Executor, State, Trainer};
	let program = program(10);
	let data = Dataset {
		features: 4,
		classes: 2,
		inputs: (0..80).map(|i| (i % 9 - 4) * 7_000).collect(),
		labels: (0..20).map(|i| (i % 2) as u16).collect(),
	};
	let executor = Executor::portable();
	let mut trainer = Trainer::new(&program, &data, &executor).unwrap();
	let mut state = State::initial(&program);
	let mut states = vec![state.clone()];
	for _ in 0..10 {
		trainer.step(&mut state).unwrap();
		states.push(state.clone());
	}
	let honest: Vec<[u8; 32]> = states[1..].iter().map(State::hash).collect();
	let mut lying = honest.clone();
	lying[5] = [0xee; 32];
	let commitment = data.commitment(program.batch_size);
	let mut w = world(&[]);
	let service = w.service.clone();
	let pool = w.pool.clone();
	w.ext.execute_with(|| {
		let (id, verifiers) = submitted_task(10, &lying);
		Tasks::<Test>::mutate(id, |t| {
			let t = t.as_mut().unwrap();
			t.dataset.root = H256(commitment.root);
			t.dataset.batches = commitment.batches;
		});
		UintAuthorityId::set_all_keys(vec![UintAuthorityId(verifiers[0])]);
		let job = job_id::<Test>(id, &task(id));
		service.on("POST", &format!("{LOCAL}/execute"), json(200, segment_json(0, 10, [0; 32], &honest)));
		script_leaves(&service, &job, &lying, 0, 6);
		let index = aichain_engine::dataset::batch_for_step(program.seed, commitment.batches, 6).unwrap();
		let minibatch = data.minibatch(program.batch_size, index).unwrap().encode();
		let proof = aichain_engine::trace::merkle_proof(&data.minibatch_hashes(program.batch_size), index).unwrap();
		let hex_of = |b: &[u8]| format!("0x{}", hex::encode(b));
		let mut evidence = segment_json(0, 6, [0; 32], &honest[..6]);
		evidence["evidence"] = serde_json::json!({
			"prior_state": hex_of(&states[5].encode()),
			"minibatch": hex_of(&minibatch),
			"index": index,
			"proof": proof.siblings.iter().map(|h| hex_of(h)).collect::<Vec<_>>(),
		});
		service.on("POST", &format!("{LOCAL}/execute"), json(200, evidence));
		offchain::run::<Test>(3);
		service.assert_script_used();
		let sent = take_fraud_proofs();
		assert_eq!(sent.len(), 1);
		let (key, task_id, proof) = &sent[0];
		assert_eq!((key.0, *task_id, proof.step), (verifiers[0], id, 6));
		assert_eq!(blake2_256(&proof.prior_state), honest[4]);
		assert_eq!((proof.minibatch.clone(), proof.leaf), (minibatch, H256(lying[5])));
		// The verdict follows, naming the step.
		let reports = take_reports(&pool);
		assert_eq!(reports.iter().map(action).collect::<Vec<_>>(), vec![OffchainAction::Verdict {
			task: id,
			verdict: Verdict::Invalid { step: 6, hash: H256(honest[5]) }
		}]);
	});
}

#[test]
fn a_served_state_must_be_the_leaf_itself_not_only_name_it() {
	let trace = leaves(40);
	let mut w = world(&[]);
	let service = w.service.clone();
	let pool = w.pool.clone();
	w.ext.execute_with(|| {
		let (id, verifiers) = submitted_task(40, &trace);
		UintAuthorityId::set_all_keys(vec![UintAuthorityId(verifiers[0])]);
		let (from, to) = (5, 5 + SEGMENT_STEPS);
		Tasks::<Test>::mutate(id, |t| {
			if let Some(TaskStatus::Submitted { verifiers, .. }) = t.as_mut().map(|t| &mut t.status) {
				verifiers[0].segment = TraceSegment { from, to };
			}
		});
		let job = job_id::<Test>(id, &task(id));
		// The solver names its leaf 5 but serves other bytes: the verifier would re-execute
		// from a state the trace does not commit to. No verdict.
		let state = serde_json::json!({
			"step": from, "hash": format!("0x{}", hex::encode(trace[from as usize - 1])), "state": "0xc0ffee",
		});
		service.on("GET", &format!("{REMOTE}/jobs/{job}/steps/{from}"), json(200, proof_json(&trace, from)));
		service.on("GET", &format!("{REMOTE}/jobs/{job}/steps/{from}/state"), json(200, state));
		offchain::run::<Test>(3);
		assert!(take_reports(&pool).is_empty());
		service.assert_script_used();
	});
}

#[test]
fn unprovable_answers_give_no_verdict() {
	let trace = leaves(10);
	let mut w = world(&[]);
	let service = w.service.clone();
	let pool = w.pool.clone();
	w.ext.execute_with(|| {
		let (id, verifiers) = submitted_task(10, &trace);
		UintAuthorityId::set_all_keys(vec![UintAuthorityId(verifiers[0])]);
		let job = job_id::<Test>(id, &task(id));
		// Every leaf is checked; the first one's proof is bad in every way.
		let proof_uri = format!("{REMOTE}/jobs/{job}/steps/1");
		let mut wrong_sibling = proof_json(&trace, 1);
		wrong_sibling["proof"][0] = serde_json::json!(format!("0x{}", hex::encode([3u8; 32])));
		let mut other_trace = proof_json(&trace, 1);
		other_trace["leaves"] = 11.into();
		let mut long_proof = proof_json(&trace, 1);
		long_proof["proof"] = serde_json::json!(vec![format!("0x{}", hex::encode([3u8; 32])); 33]);
		let mut now = 3;
		// From the third failure on, with its own service up, the worker hands the result to a
		// game (which opens only if its own replay ends in another model).
		let probe = |attempt: u32| {
			if attempt >= offchain::WITHHELD_AFTER {
				service.on("GET", &format!("{LOCAL}/health"), json(200, serde_json::json!({})));
			}
		};
		for (attempt, reply) in (1..).zip([
			json(200, wrong_sibling),
			json(200, other_trace),
			json(200, long_proof),
			json(404, serde_json::json!({"error": "no such job"})),
			Reply::Answer(200, b"{\"step\": 1".to_vec()),
			Reply::Timeout,
		]) {
			service.on("POST", &format!("{LOCAL}/execute"), json(200, segment_json(0, 10, [0; 32], &trace)));
			service.on("GET", &proof_uri, reply);
			probe(attempt);
			offchain::run::<Test>(now);
			assert!(take_reports(&pool).is_empty());
			now += 33;
		}
		// The local service answers for another segment: no verdict either.
		service.on("POST", &format!("{LOCAL}/execute"), json(200, segment_json(0, 9, [0; 32], &trace[..9])));
		probe(7);
		offchain::run::<Test>(now);
		assert!(take_reports(&pool).is_empty());
		service.assert_script_used();
		// A solver that serves nothing provable is challenged by a game from the third failure.
		assert_eq!(take_withheld().len(), 5);
		let TaskStatus::Submitted { verifiers, .. } = task(id).status else { panic!() };
		assert!(verifiers.iter().all(|v| v.verdict.is_none()));
	});
}

#[test]
fn reports_need_a_valid_signature_and_a_due_action() {
	new_test_ext().execute_with(|| {
		let id = assigned_task();
		let signed = |key: u64, action: OffchainAction| {
			let report = Report { key: UintAuthorityId(key), action };
			let signature = UintAuthorityId(key).sign(&Compute::report_payload(&report)).unwrap();
			RuntimeCall::Compute(crate::Call::report { report, signature })
		};
		let refused = |call: &RuntimeCall| call.authorize(TransactionSource::External).unwrap().unwrap_err();
		// Signed by another key than the one named.
		let report = Report { key: UintAuthorityId(SOLVER), action: OffchainAction::Accept { task: id } };
		let signature = UintAuthorityId(USER).sign(&Compute::report_payload(&report)).unwrap();
		let forged = RuntimeCall::Compute(crate::Call::report { report, signature });
		assert_eq!(refused(&forged), InvalidTransaction::BadProof.into());
		// Not the assigned solver; not a verifier; a period that is not the current one.
		assert_eq!(refused(&signed(USER, OffchainAction::Accept { task: id })), InvalidTransaction::Stale.into());
		assert_eq!(
			refused(&signed(100, OffchainAction::Verdict { task: id, verdict: Verdict::Valid })),
			InvalidTransaction::Stale.into()
		);
		assert_eq!(refused(&signed(SOLVER, OffchainAction::Heartbeat { period: 7 })), InvalidTransaction::Stale.into());
		// Seen this period already (registration).
		assert_eq!(refused(&signed(SOLVER, OffchainAction::Heartbeat { period: 0 })), InvalidTransaction::Stale.into());
		// Dispatched anyway (as a block author could), it fails with the documented error.
		frame_support::assert_noop!(
			sp_runtime::traits::Dispatchable::dispatch(
				signed(SOLVER, OffchainAction::Heartbeat { period: 0 }),
				frame_system::RawOrigin::Authorized.into()
			)
			.map_err(|e| e.error),
			crate::Error::<Test>::StaleReport
		);
		// The real thing: valid once, tagged so that the pool keeps one.
		let accept = signed(SOLVER, OffchainAction::Accept { task: id });
		let (validity, _) = accept.authorize(TransactionSource::External).unwrap().unwrap();
		assert_eq!(validity.provides.len(), 1);
		// Only the authorized origin may dispatch it.
		assert!(sp_runtime::traits::Dispatchable::dispatch(
			accept.clone(),
			RuntimeOrigin::signed(SOLVER)
		)
		.is_err());
		apply(accept.clone());
		assert_eq!(refused(&accept), InvalidTransaction::Stale.into());
	});
}

#[test]
fn endpoints_must_be_http_addresses_of_registered_solvers() {
	new_test_ext().execute_with(|| {
		let url = |s: &str| Some(BoundedVec::truncate_from(s.as_bytes().to_vec()));
		frame_support::assert_noop!(
			Compute::set_endpoint(RuntimeOrigin::signed(SOLVER), url("http://x")),
			crate::Error::<Test>::NotRegistered
		);
		register(SOLVER, 1_000, HardwareClass::Cpu);
		for bad in ["ftp://x", "http://", "http://a b", "x", "https://\u{7f}"] {
			frame_support::assert_noop!(
				Compute::set_endpoint(RuntimeOrigin::signed(SOLVER), url(bad)),
				crate::Error::<Test>::InvalidEndpoint
			);
		}
		assert_ok!(Compute::set_endpoint(RuntimeOrigin::signed(SOLVER), url("https://solver.example:8420")));
		assert_eq!(SolverEndpoints::<Test>::get(SOLVER).unwrap().to_vec(), b"https://solver.example:8420");
		assert_ok!(Compute::set_endpoint(RuntimeOrigin::signed(SOLVER), None));
		assert!(SolverEndpoints::<Test>::get(SOLVER).is_none());
		Compute::do_try_state().unwrap();
	});
}

#[test]
fn without_a_solver_url_the_worker_does_nothing() {
	let mut w = world(&[SOLVER]);
	let service = w.service.clone();
	let pool = w.pool.clone();
	w.ext.execute_with(|| {
		let _ = assigned_task();
		sp_io::offchain::local_storage_clear(StorageKind::PERSISTENT, SOLVER_URL_KEY);
		offchain::run::<Test>(2);
		assert!(service.requests().is_empty());
		assert!(take_reports(&pool).is_empty());
	});
}

#[test]
fn segments_cover_the_trace() {
	assert_eq!(TraceSegment::draw(10, 0), TraceSegment { from: 0, to: 10 });
	assert_eq!(TraceSegment::draw(1, 9), TraceSegment { from: 0, to: 1 });
	let mut starts = std::collections::BTreeSet::new();
	for seed in 0..2_000u128 {
		let segment = TraceSegment::draw(1_500, seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
		assert_eq!(segment.to - segment.from, SEGMENT_STEPS);
		assert!(segment.to <= 1_500);
		assert!(segment.covers(segment.to) && !segment.covers(segment.from));
		starts.insert(segment.from);
	}
	assert!(starts.contains(&0) || starts.len() > 1_000, "segments spread over the trace");
	let _ = (HttpError::Timeout, SolverMemory::default(), VerifyJob::default());
}

/// The service cannot serve a task (its dataset URL answers 404, or the data does not hash to
/// the task's root): the worker declines it on-chain, once, and the task goes to another
/// solver without the first one losing anything.
#[test]
fn the_solver_worker_declines_what_its_service_cannot_serve() {
	for (code, reason) in [
		("dataset_unreachable", DeclineReason::DatasetUnreachable),
		("root_mismatch", DeclineReason::RootMismatch),
	] {
		let mut w = world(&[SOLVER]);
		let service = w.service.clone();
		let pool = w.pool.clone();
		w.ext.execute_with(|| {
			let id = assigned_task();
			register(SOLVER_2, 1_000, HardwareClass::Cpu);
			let stake = Solvers::<Test>::get(SOLVER).unwrap().stake;
			let error = serde_json::json!({ "error": "dataset unavailable: 404 Not Found", "code": code });
			service.on("POST", &format!("{LOCAL}/jobs"), json(422, error));
			offchain::run::<Test>(2);
			let reports = take_reports(&pool);
			assert_eq!(
				reports.iter().map(action).collect::<Vec<_>>(),
				vec![OffchainAction::Decline { task: id, reason }]
			);
			// Not posted again, not accepted, not declined twice while the first is pending.
			service.clear_log();
			offchain::run::<Test>(3);
			assert!(service.requests().is_empty());
			assert!(take_reports(&pool).is_empty());
			reports.into_iter().for_each(apply);
			System::assert_has_event(Event::TaskDeclined { task: id, solver: SOLVER, reason }.into());
			assert!(matches!(task(id).status, TaskStatus::Queued { reason: QueueReason::SolverDeclined }));
			let solver = Solvers::<Test>::get(SOLVER).unwrap();
			assert_eq!((solver.stake, solver.reputation), (stake, Permill::from_percent(50)));
			run_to_block(3);
			assert!(matches!(task(id).status, TaskStatus::Assigned { solver: SOLVER_2, .. }));
			service.assert_script_used();
			Compute::do_try_state().unwrap();
		});
	}
}

/// A refusal that says nothing about the task (a full queue, an unknown code) is retried while
/// the acceptance period lasts; if the service still has not taken the job two blocks before
/// its end, the worker declines rather than let silence cost the solver reputation.
#[test]
fn the_solver_worker_retries_then_declines_before_the_acceptance_period_ends() {
	let mut w = world(&[SOLVER]);
	let service = w.service.clone();
	let pool = w.pool.clone();
	w.ext.execute_with(|| {
		let id = assigned_task();
		assert!(matches!(task(id).status, TaskStatus::Assigned { accept_by: 5, .. }));
		service.on("POST", &format!("{LOCAL}/jobs"), json(429, serde_json::json!({ "error": "the queue is full" })));
		offchain::run::<Test>(2);
		assert!(take_reports(&pool).is_empty(), "retried, not declined, while there is time");
		// The back-off would wait two blocks; the worker tries again at the last moment.
		service.on(
			"POST",
			&format!("{LOCAL}/jobs"),
			json(422, serde_json::json!({ "error": "?", "code": "dataset_haunted" })),
		);
		run_to_block(3);
		offchain::run::<Test>(3);
		let reports = take_reports(&pool);
		assert_eq!(
			reports.iter().map(action).collect::<Vec<_>>(),
			vec![OffchainAction::Decline { task: id, reason: DeclineReason::DatasetUnreachable }]
		);
		reports.into_iter().for_each(apply);
		assert!(matches!(task(id).status, TaskStatus::Queued { reason: QueueReason::SolverDeclined }));
		assert_eq!(Solvers::<Test>::get(SOLVER).unwrap().reputation, Permill::from_percent(50));
		service.assert_script_used();
	});
}

#[test]
fn a_solver_never_seen_is_not_drawn_until_its_first_heartbeat() {
	let mut w = world(&[SOLVER]);
	let service = w.service.clone();
	let pool = w.pool.clone();
	w.ext.execute_with(|| {
		register(SOLVER, 1_000, HardwareClass::Cpu);
		// As a genesis registration leaves it.
		Compute::mark_offline(&SOLVER);
		assert!(!Compute::is_online(&Solvers::<Test>::get(SOLVER).unwrap()));
		let id = submit(50);
		run_to_block(3);
		assert!(matches!(task(id).status, TaskStatus::Queued { .. }));
		// Its worker finds the service healthy and reports it online; it is drawn next block.
		service.on("GET", &format!("{LOCAL}/health"), json(200, serde_json::json!({})));
		offchain::run::<Test>(3);
		take_reports(&pool).into_iter().for_each(apply);
		run_to_block(4);
		assert!(matches!(task(id).status, TaskStatus::Assigned { solver: SOLVER, .. }));
		service.assert_script_used();
	});
}


/// Issue 15: a solver's endpoint is fetched by every validator's worker, so a solver could point
/// them at services inside their own networks. An endpoint on a loopback, private or link-local
/// host is not fetched (no request at all: the scripted service would refuse an unscripted one)
/// unless the node's operator allows it, as a dev node does.
#[test]
fn verifiers_do_not_fetch_private_endpoints_unless_allowed() {
	let trace = leaves(10);
	let mut w = world(&[]);
	let service = w.service.clone();
	let pool = w.pool.clone();
	w.ext.execute_with(|| {
		let (id, verifiers) = submitted_task(10, &trace);
		let private = "http://169.254.169.254/latest/meta-data";
		assert_ok!(Compute::set_endpoint(
			RuntimeOrigin::signed(SOLVER),
			Some(BoundedVec::truncate_from(private.as_bytes().to_vec()))
		));
		UintAuthorityId::set_all_keys(vec![UintAuthorityId(verifiers[0])]);
		offchain::run::<Test>(3);
		assert!(service.requests().is_empty(), "fetched {:?}", service.requests());
		assert!(take_reports(&pool).is_empty());
		for refused in ["http://127.0.0.1:8420", "http://localhost:8420", "http://2130706433/"] {
			assert!(!offchain::endpoint_allowed(refused.as_bytes()), "{refused}");
		}
		assert!(offchain::endpoint_allowed(REMOTE.as_bytes()));

		// The operator allows private endpoints (`--allow-private-endpoints`, or `--dev`): the
		// worker reads the same endpoint (after its backoff).
		sp_io::offchain::local_storage_set(
			StorageKind::PERSISTENT,
			offchain::ALLOW_PRIVATE_ENDPOINTS_KEY,
			b"1",
		);
		let job = job_id::<Test>(id, &task(id));
		service.on("POST", &format!("{LOCAL}/execute"), json(200, segment_json(0, 10, [0; 32], &trace)));
		for step in 1..=10 {
			service.on("GET", &format!("{private}/jobs/{job}/steps/{step}"), json(200, proof_json(&trace, step)));
		}
		offchain::run::<Test>(3 + u64::from(offchain::MAX_BACKOFF));
		take_reports(&pool).into_iter().for_each(apply);
		let TaskStatus::Submitted { verifiers: judged, .. } = task(id).status else { panic!() };
		assert_eq!(judged[0].verdict, Some(Verdict::Valid));
		service.assert_script_used();
	});
}
