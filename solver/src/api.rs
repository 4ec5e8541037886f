//! The HTTP JSON API, on two listeners.
//!
//! The **public** listener (`--listen`) is the read side: what verifiers, challengers, clients
//! and dashboards read. The **control** listener (`--control-listen`, loopback) is for the
//! solver's own node: it serves the read side too, and alone takes jobs and executes segments,
//! the requests that cost the operator CPU time, memory and, through a missed deadline, stake.
//!
//! | method and path | side | what |
//! |---|---|---|
//! | `GET /health` | both | liveness, backend, queue |
//! | `GET /jobs/{id}` | both | status and progress |
//! | `GET /jobs/{id}/result` | both | model hash, trace root, steps (409 until completed) |
//! | `GET /jobs/{id}/steps/{step}` | both | state hash after `step` and its Merkle proof |
//! | `GET /jobs/{id}/steps/{step}/state` | both | the full SCALE-encoded state after `step` |
//! | `GET /jobs/{id}/steps/{step}/minibatch` | both | the minibatch `step` trains on, with its proof against the dataset root |
//! | `POST /jobs` | control | submit a job (`SubmitJob`); 202 new, 200 same id and body again |
//! | `GET /jobs` | control | all jobs' statuses |
//! | `POST /execute` | control | re-execute steps `from_step+1..=to_step` from a given state |
//! | `GET /metrics` | control | Prometheus metrics |
//!
//! Errors are `{"error": "..."}` with a 4xx status for bad input and 5xx for the solver's faults.
//! Work is bounded per request (a state is recomputed from a checkpoint at most
//! `--checkpoint-interval` steps back; a segment has at most `--max-segment-steps` steps and
//! `--max-segment-work` work units) and in concurrency per listener: on the public side a client
//! with `--max-reads-per-client` requests of the costly kind (states, proofs) in flight gets
//! 429, and either listener answers 503 when all its slots are taken, both with `Retry-After`. Training runs on its own threads; what the
//! public side is asked does not reach the control side's slots.

use crate::{
	datasets::DatasetError,
	jobs::{Manager, ReplayError, SubmitError},
	types::*,
};
use aichain_engine::{Schedule, State};
use axum::{
	extract::{rejection::JsonRejection, ConnectInfo, DefaultBodyLimit, Path, State as AxumState},
	http::{header, StatusCode},
	response::{IntoResponse, Response},
	routing::{get, post},
	Json, Router,
};
use codec::{Decode, Encode};
use std::{
	collections::HashMap,
	net::{IpAddr, SocketAddr},
	sync::{Arc, Mutex},
};

/// Which listener a router serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
	/// The read side, for anyone.
	Public,
	/// The node's own listener: the read side, jobs and segments.
	Control,
}

/// Limits on what one request may cost.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
	/// Most steps one `POST /execute` may ask for.
	pub max_segment_steps: u32,
	/// Most work units (the chain's measure) one `POST /execute` may ask for.
	pub max_segment_work: u64,
	/// Costly requests (states, proofs, segments) in flight at once on one listener.
	pub max_concurrent_reads: usize,
	/// Costly requests in flight at once from one client address, on the public listener.
	pub max_reads_per_client: usize,
	/// Largest request body on the control side, in bytes.
	pub max_request_bytes: usize,
}

/// Shared state of one listener's handlers.
pub struct App {
	/// The job manager (one for both listeners).
	pub manager: Arc<Manager>,
	/// Limits per request.
	pub limits: Limits,
	/// Which listener this is.
	pub side: Side,
	/// Costly requests in flight, per client address.
	in_flight: Mutex<HashMap<IpAddr, usize>>,
	/// Slots for costly requests.
	slots: Arc<tokio::sync::Semaphore>,
}

impl App {
	/// The handlers' state for one listener.
	pub fn new(manager: Arc<Manager>, limits: Limits, side: Side) -> Arc<Self> {
		Arc::new(Self {
			manager,
			limits,
			side,
			in_flight: Mutex::new(HashMap::new()),
			slots: Arc::new(tokio::sync::Semaphore::new(limits.max_concurrent_reads.max(1))),
		})
	}

	/// A slot for a costly request of `client`: on the public side no more than
	/// `max_reads_per_client` per client at a time (429), and on either side no more than the
	/// listener's slots (503).
	fn slot(self: &Arc<Self>, client: IpAddr) -> ApiResult<Slot> {
		let client = client_of(client);
		let mut in_flight = self.in_flight.lock().unwrap_or_else(|p| p.into_inner());
		let mine = in_flight.get(&client).copied().unwrap_or(0);
		if self.side == Side::Public && mine >= self.limits.max_reads_per_client {
			self.manager.metrics.http_busy.inc();
			return Err(ApiError::busy(
				StatusCode::TOO_MANY_REQUESTS,
				format!(
					"at most {} costly requests (states, proofs) at a time per client; retry \
					 when one is answered",
					self.limits.max_reads_per_client
				),
				1,
			));
		}
		let permit = self.slots.clone().try_acquire_owned().map_err(|_| {
			self.manager.metrics.http_busy.inc();
			ApiError::busy(
				StatusCode::SERVICE_UNAVAILABLE,
				"the solver is answering as many costly requests as it may; retry later",
				2,
			)
		})?;
		// Only clients with a request in flight have an entry: the map stays as small as the
		// number of slots.
		in_flight.insert(client, mine.saturating_add(1));
		Ok(Slot { app: self.clone(), client, _permit: permit })
	}
}

/// Whom an address counts as: an IPv4 address itself, an IPv6 address its /64 (one host is
/// routinely given a whole /64).
fn client_of(ip: IpAddr) -> IpAddr {
	match ip {
		IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
			Some(v4) => IpAddr::V4(v4),
			None => IpAddr::V6((u128::from(v6) & !((1u128 << 64) - 1)).into()),
		},
		v4 => v4,
	}
}

/// A costly request's slot, given back when the answer is made (or the request dropped).
struct Slot {
	app: Arc<App>,
	client: IpAddr,
	_permit: tokio::sync::OwnedSemaphorePermit,
}

impl Drop for Slot {
	fn drop(&mut self) {
		let mut in_flight = self.app.in_flight.lock().unwrap_or_else(|p| p.into_inner());
		if let Some(n) = in_flight.get_mut(&self.client) {
			*n = n.saturating_sub(1);
			if *n == 0 {
				in_flight.remove(&self.client);
			}
		}
	}
}

/// An error answer.
pub struct ApiError {
	status: StatusCode,
	message: String,
	/// Machine-readable reason a job cannot be served.
	code: Option<&'static str>,
	/// Seconds after which to try again (`Retry-After`).
	retry_after: Option<u32>,
}

impl ApiError {
	fn new(status: StatusCode, message: impl Into<String>) -> Self {
		Self { status, message: message.into(), code: None, retry_after: None }
	}
	fn internal(message: impl Into<String>) -> Self {
		Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
	}
	/// An error that means the job cannot be served, with its machine-readable `code`.
	fn unservable(status: StatusCode, message: impl Into<String>, code: &'static str) -> Self {
		Self { code: Some(code), ..Self::new(status, message) }
	}
	/// The service is busy: come back after `seconds`.
	fn busy(status: StatusCode, message: impl Into<String>, seconds: u32) -> Self {
		Self { retry_after: Some(seconds), ..Self::new(status, message) }
	}
}

impl IntoResponse for ApiError {
	fn into_response(self) -> Response {
		if self.status.is_server_error() && self.retry_after.is_none() {
			tracing::error!("HTTP {}: {}", self.status, self.message);
		} else {
			tracing::debug!("HTTP {}: {}", self.status, self.message);
		}
		let body = Json(ErrorBody { error: self.message, code: self.code.map(String::from) });
		match self.retry_after {
			Some(seconds) => {
				(self.status, [(header::RETRY_AFTER, seconds.to_string())], body).into_response()
			},
			None => (self.status, body).into_response(),
		}
	}
}

impl From<DatasetError> for ApiError {
	fn from(e: DatasetError) -> Self {
		let (status, code) = match e {
			DatasetError::BadReference(_) => (StatusCode::BAD_REQUEST, "dataset_unreachable"),
			DatasetError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "dataset_unreachable"),
			DatasetError::Unavailable(_) => {
				(StatusCode::UNPROCESSABLE_ENTITY, "dataset_unreachable")
			},
			DatasetError::Forbidden(_) => (StatusCode::FORBIDDEN, "dataset_unreachable"),
			DatasetError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "dataset_invalid"),
			DatasetError::Mismatch { .. } | DatasetError::CountMismatch { .. } => {
				(StatusCode::UNPROCESSABLE_ENTITY, "root_mismatch")
			},
			DatasetError::Busy => {
				return Self::busy(StatusCode::SERVICE_UNAVAILABLE, e.to_string(), 5)
			},
		};
		Self::unservable(status, e.to_string(), code)
	}
}

type ApiResult<T> = Result<T, ApiError>;

/// Unwrap a JSON body, turning every rejection into a `{"error"}` 400 (413 if too large).
fn body<T>(payload: Result<Json<T>, JsonRejection>) -> ApiResult<T> {
	payload.map(|Json(v)| v).map_err(|e| {
		let status = if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
			StatusCode::PAYLOAD_TOO_LARGE
		} else {
			StatusCode::BAD_REQUEST
		};
		ApiError::new(status, e.body_text())
	})
}

/// The public listener of a service started with `--withhold-trace` serves no trace.
fn served(app: &App) -> ApiResult<()> {
	if app.side == Side::Public && app.manager.withholds_trace() {
		return Err(ApiError::new(StatusCode::NOT_FOUND, "this service withholds its traces"));
	}
	Ok(())
}

/// The router of one listener. Serve it with
/// `into_make_service_with_connect_info::<SocketAddr>()`: the per-client limit needs the peer.
pub fn router(app: Arc<App>) -> Router {
	let errors = app.manager.metrics.http_errors.clone();
	let read_side = Router::new()
		.route("/health", get(health))
		.route("/jobs/{id}", get(status))
		.route("/jobs/{id}/result", get(result))
		.route("/jobs/{id}/steps/{step}", get(step_proof))
		.route("/jobs/{id}/steps/{step}/state", get(state_at))
		.route("/jobs/{id}/steps/{step}/minibatch", get(minibatch_at));
	let router = match app.side {
		Side::Control => read_side
			.route("/metrics", get(metrics))
			.route("/jobs", post(submit).get(list))
			.route("/execute", post(execute))
			.layer(DefaultBodyLimit::max(app.limits.max_request_bytes)),
		Side::Public => read_side
			.route("/metrics", get(control_only))
			.route("/jobs", post(control_only).get(control_only))
			.route("/execute", post(control_only))
			.layer(DefaultBodyLimit::max(PUBLIC_BODY_LIMIT)),
	};
	router
		.fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "no such endpoint") })
		.layer(axum::middleware::map_response(move |response: Response| {
			let errors = errors.clone();
			async move {
				if response.status().is_client_error() || response.status().is_server_error() {
					errors.inc();
				}
				response
			}
		}))
		.with_state(app)
}

/// Largest request body on the public side: it takes none.
const PUBLIC_BODY_LIMIT: usize = 4 << 10;

/// What the public listener answers for the control side's endpoints.
async fn control_only() -> ApiError {
	ApiError::new(
		StatusCode::FORBIDDEN,
		"this endpoint is for the solver's own node, on its control listener; the public \
		 listener serves job status, results, step proofs and states",
	)
}

async fn health(AxumState(app): AxumState<Arc<App>>) -> Json<serde_json::Value> {
	let m = &app.manager.metrics;
	Json(serde_json::json!({
		"status": "ok",
		"version": env!("CARGO_PKG_VERSION"),
		"backend": app.manager.backend_name(),
		"jobs_queued": m.jobs_queued.get(),
		"jobs_running": m.jobs_running.get(),
	}))
}

async fn metrics(AxumState(app): AxumState<Arc<App>>) -> impl IntoResponse {
	(
		[(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
		app.manager.metrics.render(),
	)
}

fn valid_id(id: &str) -> bool {
	!id.is_empty()
		&& id.len() <= 64
		&& id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

async fn submit(
	AxumState(app): AxumState<Arc<App>>,
	payload: Result<Json<SubmitJob>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<JobStatus>)> {
	let request = body(payload)?;
	if let Some(id) = &request.id {
		if !valid_id(id) {
			return Err(ApiError::new(
				StatusCode::BAD_REQUEST,
				"id must be 1 to 64 characters of A-Z, a-z, 0-9, '_', '-', '.'",
			));
		}
	}
	let manager = &app.manager;
	let conflict = |e: SubmitError| match e {
		SubmitError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, m),
		SubmitError::QueueFull(n) => ApiError::busy(
			StatusCode::TOO_MANY_REQUESTS,
			format!("the queue is full ({n} jobs waiting); retry later"),
			30,
		),
		SubmitError::Store(m) => ApiError::internal(m),
	};
	// A job this service already has is answered as it is, even if its program would no
	// longer be accepted (the node asks again for a task it is running).
	let existing = match manager.existing(&request).map_err(conflict)? {
		Some(job) => Some(job),
		None => {
			request.program.validate().map_err(|e| {
				ApiError::unservable(
					StatusCode::BAD_REQUEST,
					format!("invalid program: {e}"),
					"program_unsupported",
				)
			})?;
			manager.datasets().resolve(&request.dataset, &request.program).await?;
			None
		},
	};
	let (job, created) = match existing {
		Some(job) => (job, false),
		None => {
			let work_units = request.program.work_units().ok_or_else(|| {
				ApiError::new(StatusCode::BAD_REQUEST, "the program's work units overflow")
			})?;
			manager.submit(request, work_units).map_err(conflict)?
		},
	};
	let status = manager
		.status(&job.id)
		.map_err(ApiError::internal)?
		.ok_or_else(|| ApiError::internal("job vanished"))?;
	Ok((if created { StatusCode::ACCEPTED } else { StatusCode::OK }, Json(status)))
}

async fn list(AxumState(app): AxumState<Arc<App>>) -> ApiResult<Json<Vec<JobStatus>>> {
	let jobs = app.manager.store().jobs().map_err(ApiError::internal)?;
	let mut out = Vec::with_capacity(jobs.len());
	for job in jobs {
		if let Some(s) = app.manager.status(&job.id).map_err(ApiError::internal)? {
			out.push(s);
		}
	}
	Ok(Json(out))
}

fn job(app: &App, id: &str) -> ApiResult<JobRecord> {
	app.manager
		.store()
		.job(id)
		.map_err(ApiError::internal)?
		.ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("no job {id}")))
}

async fn status(
	AxumState(app): AxumState<Arc<App>>,
	Path(id): Path<String>,
) -> ApiResult<Json<JobStatus>> {
	app.manager
		.status(&id)
		.map_err(ApiError::internal)?
		.map(Json)
		.ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("no job {id}")))
}

fn completed(job: &JobRecord) -> ApiResult<&JobResult> {
	match (&job.state, &job.result) {
		(JobState::Completed, Some(result)) => Ok(result),
		(JobState::Failed, _) => Err(ApiError::new(
			StatusCode::CONFLICT,
			format!("job {} failed: {}", job.id, job.error.clone().unwrap_or_default()),
		)),
		_ => {
			Err(ApiError::new(StatusCode::CONFLICT, format!("job {} is not completed yet", job.id)))
		},
	}
}

async fn result(
	AxumState(app): AxumState<Arc<App>>,
	Path(id): Path<String>,
) -> ApiResult<Json<JobResult>> {
	let job = job(&app, &id)?;
	completed(&job).cloned().map(Json)
}

fn check_step(job: &JobRecord, step: u32) -> ApiResult<()> {
	if step == 0 || step > job.program.steps {
		return Err(ApiError::new(
			StatusCode::BAD_REQUEST,
			format!("step must be between 1 and {}", job.program.steps),
		));
	}
	Ok(())
}

async fn step_proof(
	AxumState(app): AxumState<Arc<App>>,
	ConnectInfo(peer): ConnectInfo<SocketAddr>,
	Path((id, step)): Path<(String, u32)>,
) -> ApiResult<Json<StepProof>> {
	served(&app)?;
	let job = job(&app, &id)?;
	let result = completed(&job)?.clone();
	check_step(&job, step)?;
	let slot = app.slot(peer.ip())?;
	let manager = app.manager.clone();
	tokio::task::spawn_blocking(move || {
		let _slot = slot;
		let store = manager.store();
		let steps = job.program.steps;
		// A job completed by an older version of the service has its tree built in the
		// background at startup; no request builds one.
		let (hash, siblings) =
			store.proof(&job.id, steps, step).map_err(ApiError::internal)?.ok_or_else(|| {
				ApiError::busy(
					StatusCode::SERVICE_UNAVAILABLE,
					format!("the trace tree of job {} is being built; retry later", job.id),
					10,
				)
			})?;
		Ok(Json(StepProof {
			step,
			hash: HexHash(hash),
			proof: siblings.into_iter().map(HexHash).collect(),
			leaves: steps,
			trace_root: result.trace_root,
		}))
	})
	.await
	.map_err(|e| ApiError::internal(e.to_string()))?
}

async fn minibatch_at(
	AxumState(app): AxumState<Arc<App>>,
	ConnectInfo(peer): ConnectInfo<SocketAddr>,
	Path((id, step)): Path<(String, u32)>,
) -> ApiResult<Json<MinibatchProof>> {
	served(&app)?;
	let job = job(&app, &id)?;
	completed(&job)?;
	check_step(&job, step)?;
	// The dataset may have to come from the disk cache (one load at a time); the proof is a
	// few dozen point reads of the kept tree.
	let slot = app.slot(peer.ip())?;
	let manager = app.manager.clone();
	tokio::task::spawn_blocking(move || {
		let _slot = slot;
		let (index, minibatch, leaves) =
			manager.minibatch_at(&job, step).map_err(ApiError::internal)?;
		let root = job.dataset.root;
		let key = crate::store::dataset_key(&root.0, job.program.batch_size);
		let store = manager.store();
		let (hash, siblings) = store
			.dataset_proof(&key, leaves, index)
			.map_err(ApiError::internal)?
			.ok_or_else(|| {
				ApiError::busy(
					StatusCode::SERVICE_UNAVAILABLE,
					format!("the dataset tree of job {} is being built; retry later", job.id),
					10,
				)
			})?;
		if hash != minibatch.hash() {
			return Err(ApiError::internal("the kept dataset tree does not match the dataset"));
		}
		Ok(Json(MinibatchProof {
			step,
			index,
			minibatch: HexBytes(minibatch.encode()),
			hash: HexHash(hash),
			proof: siblings.into_iter().map(HexHash).collect(),
			leaves,
			dataset_root: root,
		}))
	})
	.await
	.map_err(|e| ApiError::internal(e.to_string()))?
}

async fn state_at(
	AxumState(app): AxumState<Arc<App>>,
	ConnectInfo(peer): ConnectInfo<SocketAddr>,
	Path((id, step)): Path<(String, u32)>,
) -> ApiResult<Json<StateAt>> {
	served(&app)?;
	let job = job(&app, &id)?;
	check_step(&job, step)?;
	if step > job.checkpoint_step && job.state != JobState::Completed {
		return Err(ApiError::new(
			StatusCode::CONFLICT,
			format!("job {} has only reached step {}", job.id, job.checkpoint_step),
		));
	}
	// At most a checkpoint interval of steps is recomputed, on the job's cached dataset.
	let slot = app.slot(peer.ip())?;
	let manager = app.manager.clone();
	tokio::task::spawn_blocking(move || {
		let _slot = slot;
		let state = manager.state_at(&job, step).map_err(ApiError::internal)?;
		Ok(Json(StateAt { step, hash: HexHash(state.hash()), state: HexBytes(state.encode()) }))
	})
	.await
	.map_err(|e| ApiError::internal(e.to_string()))?
}

async fn execute(
	AxumState(app): AxumState<Arc<App>>,
	ConnectInfo(peer): ConnectInfo<SocketAddr>,
	payload: Result<Json<ExecuteSegment>, JsonRejection>,
) -> ApiResult<Json<SegmentResult>> {
	let request = body(payload)?;
	let program = &request.program;
	program
		.validate()
		.map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, format!("invalid program: {e}")))?;
	let (from, to) = (request.from_step, request.to_step);
	if to <= from || to > program.steps {
		return Err(ApiError::new(
			StatusCode::BAD_REQUEST,
			format!("need from_step < to_step <= {}", program.steps),
		));
	}
	let limits = app.limits;
	if to - from > limits.max_segment_steps {
		return Err(ApiError::new(
			StatusCode::BAD_REQUEST,
			format!("a segment may have at most {} steps", limits.max_segment_steps),
		));
	}
	let work = program.work_units_per_step().saturating_mul(u64::from(to - from));
	if work > limits.max_segment_work {
		return Err(ApiError::new(
			StatusCode::BAD_REQUEST,
			format!(
				"the segment is {work} work units; this solver executes at most {} per request",
				limits.max_segment_work
			),
		));
	}
	let slot = app.slot(peer.ip())?;
	let state = match &request.state {
		Some(HexBytes(bytes)) => {
			let mut input = bytes.as_slice();
			let state =
				State::decode(&mut input).ok().filter(|_| input.is_empty()).ok_or_else(|| {
					ApiError::new(StatusCode::BAD_REQUEST, "state is not a SCALE-encoded State")
				})?;
			if state.step != from || !state.matches(program) {
				return Err(ApiError::new(
					StatusCode::BAD_REQUEST,
					"state does not have the program's shape or is not at from_step",
				));
			}
			state
		},
		None if from == 0 => State::initial(program),
		None => {
			return Err(ApiError::new(
				StatusCode::BAD_REQUEST,
				"state is required when from_step > 0",
			))
		},
	};
	let dataset = app.manager.datasets().resolve(&request.dataset, program).await?;
	let manager = app.manager.clone();
	let program = request.program.clone();
	let evidence = request.evidence;
	tokio::task::spawn_blocking(move || {
		let _slot = slot;
		let mut state = state;
		let start_hash = HexHash(state.hash());
		let mut step_hashes = Vec::with_capacity((to - from) as usize);
		let replay_error = |e: ReplayError| match e {
			ReplayError::NoMinibatch(_) => ApiError::internal(e.to_string()),
			ReplayError::Step(m) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, m),
		};
		manager
			.advance(&program, &dataset, &mut state, to - 1, |s| step_hashes.push(HexHash(s.hash())))
			.map_err(replay_error)?;
		let evidence = if evidence {
			let (index, minibatch) = Schedule::new(&program, &dataset)
				.minibatch_for_step(&dataset, to)
				.ok_or_else(|| ApiError::internal(format!("no minibatch for step {to}")))?;
			let leaves = dataset.minibatch_hashes(program.batch_size);
			let proof = aichain_engine::trace::merkle_proof(&leaves, index)
				.ok_or_else(|| ApiError::internal("no dataset proof"))?;
			Some(StepEvidence {
				prior_state: HexBytes(state.encode()),
				minibatch: HexBytes(minibatch.encode()),
				index,
				proof: proof.siblings.iter().copied().map(HexHash).collect(),
			})
		} else {
			None
		};
		manager
			.advance(&program, &dataset, &mut state, to, |s| step_hashes.push(HexHash(s.hash())))
			.map_err(replay_error)?;
		manager.metrics.segments.inc();
		Ok(Json(SegmentResult {
			from_step: from,
			to_step: to,
			model_hash: HexHash(state.model_hash()),
			start_hash,
			hash: step_hashes.last().copied().unwrap_or(start_hash),
			step_hashes,
			evidence,
		}))
	})
	.await
	.map_err(|e| ApiError::internal(e.to_string()))?
}
