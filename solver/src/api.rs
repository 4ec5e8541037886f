//! The HTTP JSON API.
//!
//! | method and path | what |
//! |---|---|
//! | `POST /jobs` | submit a job (`SubmitJob`); 202 new, 200 same id and body again |
//! | `GET /jobs` | all jobs' statuses |
//! | `GET /jobs/{id}` | status and progress |
//! | `GET /jobs/{id}/result` | model hash, trace root, steps (409 until completed) |
//! | `GET /jobs/{id}/steps/{step}` | state hash after `step` and its Merkle proof |
//! | `GET /jobs/{id}/steps/{step}/state` | the full SCALE-encoded state after `step` |
//! | `POST /execute` | re-execute steps `from_step+1..=to_step` from a given state |
//! | `GET /health` | liveness, backend, queue |
//! | `GET /metrics` | Prometheus metrics |
//!
//! Errors are `{"error": "..."}` with a 4xx status for bad input and 5xx for the solver's faults.

use crate::{
	datasets::DatasetError,
	jobs::{Manager, ReplayError, SubmitError},
	types::*,
};
use aichain_engine::{trace, State};
use axum::{
	extract::{rejection::JsonRejection, DefaultBodyLimit, Path, State as AxumState},
	http::{header, StatusCode},
	response::{IntoResponse, Response},
	routing::{get, post},
	Json, Router,
};
use codec::{Decode, Encode};
use std::sync::Arc;

/// Shared state of the handlers.
pub struct App {
	/// The job manager.
	pub manager: Arc<Manager>,
	/// Most steps one `POST /execute` may ask for.
	pub max_segment_steps: u32,
}

/// An error answer.
pub struct ApiError(StatusCode, String, Option<&'static str>);

impl ApiError {
	fn new(status: StatusCode, message: impl Into<String>) -> Self {
		Self(status, message.into(), None)
	}
	fn internal(message: impl Into<String>) -> Self {
		Self(StatusCode::INTERNAL_SERVER_ERROR, message.into(), None)
	}
	/// An error that means the job cannot be served, with its machine-readable `code`.
	fn unservable(status: StatusCode, message: impl Into<String>, code: &'static str) -> Self {
		Self(status, message.into(), Some(code))
	}
}

impl IntoResponse for ApiError {
	fn into_response(self) -> Response {
		if self.0.is_server_error() {
			tracing::error!("HTTP {}: {}", self.0, self.1);
		} else {
			tracing::debug!("HTTP {}: {}", self.0, self.1);
		}
		(self.0, Json(ErrorBody { error: self.1, code: self.2.map(String::from) })).into_response()
	}
}

impl From<DatasetError> for ApiError {
	fn from(e: DatasetError) -> Self {
		let (status, code) = match e {
			DatasetError::BadReference(_) => (StatusCode::BAD_REQUEST, "dataset_unreachable"),
			DatasetError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "dataset_unreachable"),
			DatasetError::Unavailable(_) => (StatusCode::UNPROCESSABLE_ENTITY, "dataset_unreachable"),
			DatasetError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "dataset_invalid"),
			DatasetError::Mismatch { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "root_mismatch"),
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

/// The router.
pub fn router(app: Arc<App>, max_request_bytes: usize) -> Router {
	let errors = app.manager.metrics.http_errors.clone();
	Router::new()
		.route("/health", get(health))
		.route("/metrics", get(metrics))
		.route("/jobs", post(submit).get(list))
		.route("/jobs/{id}", get(status))
		.route("/jobs/{id}/result", get(result))
		.route("/jobs/{id}/steps/{step}", get(step_proof))
		.route("/jobs/{id}/steps/{step}/state", get(state_at))
		.route("/execute", post(execute))
		.fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "no such endpoint") })
		.layer(DefaultBodyLimit::max(max_request_bytes))
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
	request.program.validate().map_err(|e| {
		ApiError::unservable(
			StatusCode::BAD_REQUEST,
			format!("invalid program: {e}"),
			"program_unsupported",
		)
	})?;
	let manager = &app.manager;
	let conflict = |e: SubmitError| match e {
		SubmitError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, m),
		SubmitError::QueueFull(n) => ApiError::new(
			StatusCode::TOO_MANY_REQUESTS,
			format!("the queue is full ({n} jobs waiting); retry later"),
		),
		SubmitError::Store(m) => ApiError::internal(m),
	};
	let existing = match manager.existing(&request).map_err(conflict)? {
		Some(job) => Some(job),
		None => {
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
	Path((id, step)): Path<(String, u32)>,
) -> ApiResult<Json<StepProof>> {
	let job = job(&app, &id)?;
	let result = completed(&job)?.clone();
	check_step(&job, step)?;
	let manager = app.manager.clone();
	tokio::task::spawn_blocking(move || {
		let hashes =
			manager.store().hashes(&job.id, job.program.steps).map_err(ApiError::internal)?;
		let hash = hashes
			.get(step as usize - 1)
			.copied()
			.ok_or_else(|| ApiError::internal("missing hash"))?;
		let proof =
			trace::merkle_proof(&hashes, step - 1).ok_or_else(|| ApiError::internal("proof"))?;
		Ok(Json(StepProof {
			step,
			hash: HexHash(hash),
			proof: proof.siblings.iter().copied().map(HexHash).collect(),
			leaves: job.program.steps,
			trace_root: result.trace_root,
		}))
	})
	.await
	.map_err(|e| ApiError::internal(e.to_string()))?
}

async fn state_at(
	AxumState(app): AxumState<Arc<App>>,
	Path((id, step)): Path<(String, u32)>,
) -> ApiResult<Json<StateAt>> {
	let job = job(&app, &id)?;
	check_step(&job, step)?;
	let manager = app.manager.clone();
	tokio::task::spawn_blocking(move || {
		if step > job.checkpoint_step && job.state != JobState::Completed {
			return Err(ApiError::new(
				StatusCode::CONFLICT,
				format!("job {} has only reached step {}", job.id, job.checkpoint_step),
			));
		}
		let state = manager.state_at(&job, step).map_err(ApiError::internal)?;
		Ok(Json(StateAt { step, hash: HexHash(state.hash()), state: HexBytes(state.encode()) }))
	})
	.await
	.map_err(|e| ApiError::internal(e.to_string()))?
}

async fn execute(
	AxumState(app): AxumState<Arc<App>>,
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
	if to - from > app.max_segment_steps {
		return Err(ApiError::new(
			StatusCode::BAD_REQUEST,
			format!("a segment may have at most {} steps", app.max_segment_steps),
		));
	}
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
	tokio::task::spawn_blocking(move || {
		let mut state = state;
		let start_hash = HexHash(state.hash());
		let mut step_hashes = Vec::with_capacity((to - from) as usize);
		manager
			.advance(&program, &dataset, &mut state, to, |s| step_hashes.push(HexHash(s.hash())))
			.map_err(|e| match e {
				ReplayError::NoMinibatch(_) => ApiError::internal(e.to_string()),
				ReplayError::Step(m) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, m),
			})?;
		manager.metrics.segments.inc();
		Ok(Json(SegmentResult {
			from_step: from,
			to_step: to,
			start_hash,
			hash: step_hashes.last().copied().unwrap_or(start_hash),
			step_hashes,
		}))
	})
	.await
	.map_err(|e| ApiError::internal(e.to_string()))?
}
