//! The job manager: a bounded queue, a fixed number of workers, checkpointed execution and
//! recovery after a restart.

use crate::{
	backend::Backend,
	datasets::Datasets,
	metrics::Metrics,
	store::{dataset_key, Store},
	types::{HexHash, JobRecord, JobResult, JobState, JobStatus, SubmitJob},
};
use aichain_engine::{fixed::Fixed, Dataset, Schedule, State};
use codec::{Decode, Encode};
use std::{
	collections::{HashMap, VecDeque},
	sync::{Arc, Condvar, Mutex},
	time::{Instant, SystemTime, UNIX_EPOCH},
};

/// Limits of the manager.
#[derive(Clone, Debug)]
pub struct Config {
	/// Jobs trained at the same time.
	pub max_concurrent_jobs: usize,
	/// Jobs waiting in the queue at most; more are refused with 429.
	pub max_queued_jobs: usize,
	/// Steps between durable checkpoints.
	pub checkpoint_interval: u32,
	/// Tests and demos of a lying solver only: the step of every job this service trains whose
	/// state it alters before committing it (`--corrupt-step`).
	pub corrupt_step: Option<u32>,
	/// Tests and demos of a withholding solver only: the public listener serves no step,
	/// state or minibatch of any job (`--withhold-trace`).
	pub withhold_trace: bool,
}

/// The lie `--corrupt-step` tells: the lowest bit of the output layer's first bias flips (the
/// value stays within the engine's bounds, so the lineage trains on).
pub fn corrupt(state: &mut State) {
	if let Some(bias) = state.layers.last_mut().and_then(|l| l.biases.first_mut()) {
		*bias ^= 1;
	}
}

/// Why a submission is refused.
#[derive(Debug)]
pub enum SubmitError {
	/// The id is taken by a different job (409).
	Conflict(String),
	/// The queue is full (429).
	QueueFull(usize),
	/// The store failed (500).
	Store(String),
}

/// Why replaying steps stopped.
#[derive(Debug)]
pub enum ReplayError {
	/// The dataset has no minibatch for this step (cannot happen for a checked dataset).
	NoMinibatch(u32),
	/// The engine refused the step.
	Step(String),
}

impl std::fmt::Display for ReplayError {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			Self::NoMinibatch(step) => write!(f, "no minibatch for step {step}"),
			Self::Step(e) => f.write_str(e),
		}
	}
}

/// In-memory progress of a running job, finer than its checkpoints.
#[derive(Clone, Copy, Debug, Default)]
struct Live {
	step: u32,
	loss: i32,
	samples_per_second: f64,
}

/// The manager.
pub struct Manager {
	store: Arc<Store>,
	datasets: Arc<Datasets>,
	backend: Arc<dyn Backend>,
	config: Config,
	queue: Mutex<VecDeque<String>>,
	wake: Condvar,
	live: Mutex<HashMap<String, Live>>,
	/// Serialises submissions so that the id check and the insert are atomic.
	submit_lock: Mutex<()>,
	/// Prometheus metrics.
	pub metrics: Metrics,
}

impl Manager {
	/// Whether the public listener withholds every trace (`--withhold-trace`).
	pub fn withholds_trace(&self) -> bool {
		self.config.withhold_trace
	}
}

fn now() -> u64 {
	SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
	m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Manager {
	/// A manager over `store`; jobs that were queued or running when the process stopped are
	/// queued again (running ones first) and resume from their latest checkpoint.
	pub fn new(
		store: Arc<Store>,
		datasets: Arc<Datasets>,
		backend: Arc<dyn Backend>,
		config: Config,
		metrics: Metrics,
	) -> Result<Arc<Self>, String> {
		let mut jobs = store.jobs()?;
		jobs.sort_by_key(|j| (j.state != JobState::Running, j.submitted_at, j.id.clone()));
		let mut queue = VecDeque::new();
		for mut job in jobs {
			match job.state {
				JobState::Running => {
					job.state = JobState::Queued;
					job.resumed += 1;
					store.put_job(&job)?;
					tracing::info!(
						"job {} was interrupted at checkpoint step {}/{}; it will resume from there",
						job.id,
						job.checkpoint_step,
						job.program.steps
					);
					metrics.jobs_resumed.inc();
					queue.push_back(job.id);
				},
				JobState::Queued => queue.push_back(job.id),
				JobState::Completed | JobState::Failed => {},
			}
		}
		metrics.jobs_queued.set(queue.len() as i64);
		Ok(Arc::new(Self {
			store,
			datasets,
			backend,
			config,
			queue: Mutex::new(queue),
			wake: Condvar::new(),
			live: Mutex::new(HashMap::new()),
			submit_lock: Mutex::new(()),
			metrics,
		}))
	}

	/// Start the worker threads.
	pub fn start_workers(self: &Arc<Self>) {
		for n in 0..self.config.max_concurrent_jobs.max(1) {
			let this = self.clone();
			std::thread::Builder::new()
				.name(format!("job-worker-{n}"))
				.spawn(move || this.worker())
				.expect("spawning a worker thread at startup");
		}
	}

	/// Keep the trace and dataset trees of completed jobs that lack one (a store written by an
	/// older version of the service), in the background, once; until then their proofs answer
	/// 503.
	pub fn keep_missing_trees(self: &Arc<Self>) {
		let this = self.clone();
		let spawned = std::thread::Builder::new().name("trace-trees".into()).spawn(move || {
			let jobs = match this.store.jobs() {
				Ok(jobs) => jobs,
				Err(e) => return tracing::error!("trace trees: {e}"),
			};
			for job in jobs.iter().filter(|j| j.state == JobState::Completed) {
				let steps = job.program.steps;
				if let Err(e) = this.keep_dataset_tree(job, || this.dataset_of(job)) {
					tracing::error!("job {}: dataset tree: {e}", job.id);
				}
				if this.store.has_tree(&job.id, steps).unwrap_or(true) {
					continue;
				}
				match this.store.build_tree(&job.id, steps) {
					Ok(root) if job.result.as_ref().is_some_and(|r| r.trace_root.0 == root) => {
						tracing::info!("job {}: trace tree kept", job.id)
					},
					Ok(_) => tracing::error!(
						"job {}: its step hashes do not give its trace root",
						job.id
					),
					Err(e) => tracing::error!("job {}: {e}", job.id),
				}
			}
		});
		if let Err(e) = spawned {
			tracing::error!("trace trees: {e}");
		}
	}

	/// The backend's name.
	pub fn backend_name(&self) -> String {
		self.backend.name()
	}

	/// The datasets.
	pub fn datasets(&self) -> &Arc<Datasets> {
		&self.datasets
	}

	/// The store.
	pub fn store(&self) -> &Store {
		&self.store
	}

	/// A stored job with the same id, if the submission repeats it (`Ok(Some)`), or nothing.
	pub fn existing(&self, request: &SubmitJob) -> Result<Option<JobRecord>, SubmitError> {
		let Some(id) = &request.id else { return Ok(None) };
		match self.store.job(id).map_err(SubmitError::Store)? {
			Some(job) if job.program == request.program && job.dataset == request.dataset => {
				Ok(Some(job))
			},
			Some(_) => Err(SubmitError::Conflict(format!(
				"job {id} exists with a different program or dataset"
			))),
			None => Ok(None),
		}
	}

	/// Queue a new job whose dataset has been resolved. Returns the record and whether it is new.
	pub fn submit(
		&self,
		request: SubmitJob,
		work_units: u64,
	) -> Result<(JobRecord, bool), SubmitError> {
		let _guard = lock(&self.submit_lock);
		if let Some(job) = self.existing(&request)? {
			return Ok((job, false));
		}
		let queued = lock(&self.queue).len();
		if queued >= self.config.max_queued_jobs {
			return Err(SubmitError::QueueFull(self.config.max_queued_jobs));
		}
		let id = match request.id {
			Some(id) => id,
			None => format!("job-{}", self.store.next_job_number().map_err(SubmitError::Store)?),
		};
		let job = JobRecord {
			id: id.clone(),
			program: request.program,
			dataset: request.dataset,
			work_units,
			state: JobState::Queued,
			checkpoint_step: 0,
			error: None,
			result: None,
			submitted_at: now(),
			started_at: None,
			finished_at: None,
			resumed: 0,
		};
		self.store.put_job(&job).map_err(SubmitError::Store)?;
		let mut queue = lock(&self.queue);
		queue.push_back(id.clone());
		self.metrics.jobs_queued.set(queue.len() as i64);
		self.metrics.jobs_submitted.inc();
		self.wake.notify_one();
		tracing::info!(
			"job {id} queued: {} steps of batch {}, {work_units} work units, dataset 0x{}",
			job.program.steps,
			job.program.batch_size,
			hex::encode(job.dataset.root.0)
		);
		Ok((job, true))
	}

	/// Status of a job, with live progress.
	pub fn status(&self, id: &str) -> Result<Option<JobStatus>, String> {
		let Some(job) = self.store.job(id)? else { return Ok(None) };
		let live = lock(&self.live).get(id).copied();
		let step = match job.state {
			JobState::Completed => job.program.steps,
			_ => live.map_or(job.checkpoint_step, |l| l.step.max(job.checkpoint_step)),
		};
		let steps = job.program.steps;
		Ok(Some(JobStatus {
			id: job.id,
			state: job.state,
			step,
			steps,
			progress: (f64::from(step) * 1000.0 / f64::from(steps.max(1))).round() / 10.0,
			loss: live.map(|l| Fixed(l.loss).to_string()),
			samples_per_second: live.map(|l| l.samples_per_second.round()),
			work_units: job.work_units,
			checkpoint_step: job.checkpoint_step,
			resumed: job.resumed,
			error: job.error,
			result: job.result,
			dataset: job.dataset,
		}))
	}

	fn worker(self: Arc<Self>) {
		loop {
			let id = {
				let mut queue = lock(&self.queue);
				loop {
					if let Some(id) = queue.pop_front() {
						self.metrics.jobs_queued.set(queue.len() as i64);
						break id;
					}
					queue = self.wake.wait(queue).unwrap_or_else(|p| p.into_inner());
				}
			};
			self.metrics.jobs_running.inc();
			self.run_job(&id);
			self.metrics.jobs_running.dec();
			lock(&self.live).remove(&id);
		}
	}

	fn run_job(&self, id: &str) {
		let mut job = match self.store.job(id) {
			Ok(Some(job)) => job,
			Ok(None) => return,
			Err(e) => {
				tracing::error!("job {id}: {e}");
				return;
			},
		};
		job.state = JobState::Running;
		job.started_at = Some(now());
		if let Err(e) = self.store.put_job(&job) {
			tracing::error!("job {id}: {e}");
			return;
		}
		let started = Instant::now();
		let from = job.checkpoint_step;
		match self.train(&mut job) {
			Ok(result) => {
				tracing::info!(
					"job {id} completed: {} steps ({} this run) in {:.1?}, trace root 0x{}, model 0x{}",
					result.steps,
					result.steps - from,
					started.elapsed(),
					hex::encode(result.trace_root.0),
					hex::encode(result.model_hash.0)
				);
				job.state = JobState::Completed;
				job.result = Some(result);
				self.metrics.jobs_completed.inc();
			},
			Err(e) => {
				tracing::error!("job {id} failed: {e}");
				job.state = JobState::Failed;
				job.error = Some(e);
				self.metrics.jobs_failed.inc();
			},
		}
		job.finished_at = Some(now());
		if let Err(e) = self.store.put_job(&job) {
			tracing::error!("job {id}: could not record the outcome: {e}");
		}
	}

	/// Keep the commitment tree of `job`'s dataset, unless it is kept already; `dataset` is
	/// called only if it is not (at startup it loads the dataset from the disk cache).
	fn keep_dataset_tree(
		&self,
		job: &JobRecord,
		dataset: impl FnOnce() -> Result<Arc<Dataset>, String>,
	) -> Result<(), String> {
		let batch_size = job.program.batch_size;
		let key = dataset_key(&job.dataset.root.0, batch_size);
		if self.store.has_dataset_tree(&key)? {
			return Ok(());
		}
		let dataset = dataset()?;
		let started = Instant::now();
		let root = self.store.keep_dataset_tree(&key, &dataset.minibatch_hashes(batch_size))?;
		if root != job.dataset.root.0 {
			return Err(format!("job {}: its dataset does not give the root it names", job.id));
		}
		tracing::debug!("job {}: dataset tree kept in {:.1?}", job.id, started.elapsed());
		Ok(())
	}

	/// The minibatch step `step` of `job` trains on: its index, the minibatch, and the number
	/// of minibatches in the dataset.
	pub fn minibatch_at(
		&self,
		job: &JobRecord,
		step: u32,
	) -> Result<(u32, aichain_engine::Minibatch, u32), String> {
		let dataset = self.dataset_of(job)?;
		let (index, minibatch) = Schedule::new(&job.program, &dataset)
			.minibatch_for_step(&dataset, step)
			.ok_or_else(|| format!("no minibatch for step {step} of job {}", job.id))?;
		Ok((index, minibatch, dataset.batches(job.program.batch_size)))
	}

	/// The job's dataset from the verified cache.
	fn dataset_of(&self, job: &JobRecord) -> Result<Arc<Dataset>, String> {
		self.datasets
			.cached(&job.dataset.root.0, job.program.batch_size)
			.ok_or_else(|| {
				format!(
					"dataset 0x{} is no longer in the solver's cache",
					hex::encode(job.dataset.root.0)
				)
			})
	}

	/// The latest checkpoint at or before `step`, or the initial state.
	fn checkpoint(&self, job: &JobRecord, step: u32) -> Result<State, String> {
		match self.store.checkpoint_at_or_before(&job.id, step)? {
			Some((at, bytes)) => {
				let state = State::decode(&mut bytes.as_slice())
					.map_err(|e| format!("checkpoint {at} of job {}: {e}", job.id))?;
				if state.step != at || !state.matches(&job.program) {
					return Err(format!("checkpoint {at} of job {} is corrupt", job.id));
				}
				Ok(state)
			},
			None => Ok(State::initial(&job.program)),
		}
	}

	fn train(&self, job: &mut JobRecord) -> Result<JobResult, String> {
		let program = job.program.clone();
		let dataset = self.dataset_of(job)?;
		dataset.check_program(&program).map_err(|e| e.to_string())?;
		let mut state = self.checkpoint(job, job.checkpoint_step)?;
		if state.step > 0 {
			tracing::info!("job {}: resuming from the checkpoint at step {}", job.id, state.step);
		} else {
			tracing::info!(
				"job {}: training {} steps on {}",
				job.id,
				program.steps,
				self.backend.name()
			);
		}
		let mut schedule = Schedule::new(&program, &dataset);
		let mut pending = Vec::new();
		let interval = self.config.checkpoint_interval.max(1);
		let mut window = (Instant::now(), state.step);
		while state.step < program.steps {
			let next = state.step + 1;
			let (_, batch) = schedule
				.minibatch_for_step(&dataset, next)
				.ok_or_else(|| format!("no minibatch for step {next}"))?;
			let outcome =
				self.backend.step(&program, &mut state, &batch).map_err(|e| e.to_string())?;
			if self.config.corrupt_step == Some(state.step) {
				tracing::warn!("job {}: step {} corrupted (--corrupt-step)", job.id, state.step);
				corrupt(&mut state);
			}
			pending.push((state.step, state.hash()));
			self.metrics.steps.inc();
			self.metrics.samples.inc_by(u64::from(program.batch_size));
			let done = state.step == program.steps;
			if state.step % interval == 0 || done {
				let elapsed = window.0.elapsed().as_secs_f64();
				let rate = f64::from(state.step - window.1) * f64::from(program.batch_size)
					/ elapsed.max(1e-9);
				window = (Instant::now(), state.step);
				lock(&self.live).insert(
					job.id.clone(),
					Live { step: state.step, loss: outcome.loss, samples_per_second: rate },
				);
				job.checkpoint_step = state.step;
				self.store.commit_progress(job, &pending, Some((state.step, &state.encode())))?;
				pending.clear();
				// Info every tenth of the job, debug at every checkpoint.
				let tenth = (program.steps / 10).max(1);
				let crossed = state.step / tenth != state.step.saturating_sub(interval) / tenth;
				let level =
					if crossed || done { tracing::Level::INFO } else { tracing::Level::DEBUG };
				let message = format!(
					"job {}: step {}/{}, loss {}, {rate:.0} samples/s, checkpoint saved",
					job.id,
					state.step,
					program.steps,
					Fixed(outcome.loss)
				);
				if level == tracing::Level::INFO {
					tracing::info!("{message}");
				} else {
					tracing::debug!("{message}");
				}
			} else {
				let mut live = lock(&self.live);
				let entry = live.entry(job.id.clone()).or_default();
				entry.step = state.step;
				entry.loss = outcome.loss;
			}
		}
		// The trace's Merkle tree is kept: proofs are then point reads, however long the trace.
		// So is the dataset's, for minibatch proofs.
		let started = Instant::now();
		let trace_root = self.store.build_tree(&job.id, program.steps)?;
		tracing::debug!("job {}: trace tree built in {:.1?}", job.id, started.elapsed());
		self.keep_dataset_tree(job, || Ok(dataset.clone()))?;
		Ok(JobResult {
			model_hash: HexHash(state.model_hash()),
			trace_root: HexHash(trace_root),
			final_state_hash: HexHash(state.hash()),
			steps: program.steps,
		})
	}

	/// Advance `state` to step `to` on the backend, calling `on_step` after each step; the steps
	/// count in the metrics. Used to re-execute segments (always honestly) and, through
	/// [`Self::state_at`], to recompute this service's own states.
	pub fn advance(
		&self,
		program: &aichain_engine::Program,
		dataset: &Dataset,
		state: &mut State,
		to: u32,
		on_step: impl FnMut(&State),
	) -> Result<(), ReplayError> {
		self.advance_with(program, dataset, state, to, None, on_step)
	}

	/// [`Self::advance`], corrupting step `lie` as training did (`--corrupt-step`).
	fn advance_with(
		&self,
		program: &aichain_engine::Program,
		dataset: &Dataset,
		state: &mut State,
		to: u32,
		lie: Option<u32>,
		mut on_step: impl FnMut(&State),
	) -> Result<(), ReplayError> {
		let mut schedule = Schedule::new(program, dataset);
		while state.step < to {
			let next = state.step + 1;
			let (_, batch) = schedule
				.minibatch_for_step(dataset, next)
				.ok_or(ReplayError::NoMinibatch(next))?;
			self.backend
				.step(program, state, &batch)
				.map_err(|e| ReplayError::Step(e.to_string()))?;
			if lie == Some(state.step) {
				corrupt(state);
			}
			self.metrics.steps.inc();
			self.metrics.samples.inc_by(u64::from(program.batch_size));
			on_step(state);
		}
		Ok(())
	}

	/// The state of a job after `step`, recomputed from the nearest earlier checkpoint.
	pub fn state_at(&self, job: &JobRecord, step: u32) -> Result<State, String> {
		let mut state = self.checkpoint(job, step)?;
		if state.step == step {
			return Ok(state);
		}
		let dataset = self.dataset_of(job)?;
		// This service's own lineage: the lie it trained with, if any, is told again.
		self.advance_with(&job.program, &dataset, &mut state, step, self.config.corrupt_step, |_| {})
			.map_err(|e| e.to_string())?;
		Ok(state)
	}
}
