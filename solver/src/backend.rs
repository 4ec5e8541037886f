//! Execution backends. The CPU backend is the reference; any other backend (a GPU one is
//! planned) must produce exactly the same state after every step, which the reproducibility tests
//! check by comparing trace roots.

use aichain_engine::{Executor, Minibatch, Program, Simd, State, StepError, StepOutcome};

/// Something that can apply one training step.
pub trait Backend: Send + Sync {
	/// Short name for logs, `/health` and metrics.
	fn name(&self) -> String;

	/// Apply step `state.step + 1` of `program` with its minibatch `batch`.
	fn step(
		&self,
		program: &Program,
		state: &mut State,
		batch: &Minibatch,
	) -> Result<StepOutcome, StepError>;
}

/// The engine's executor: the minibatch split over `threads`, AVX2 kernels where available.
pub struct CpuBackend {
	executor: Executor,
}

impl CpuBackend {
	/// A CPU backend with `threads` threads per step.
	pub fn new(threads: usize) -> Self {
		Self { executor: Executor::new(threads, Simd::Native) }
	}
}

impl Backend for CpuBackend {
	fn name(&self) -> String {
		format!(
			"cpu ({} thread{}, {})",
			self.executor.threads(),
			if self.executor.threads() == 1 { "" } else { "s" },
			if self.executor.uses_avx2() { "avx2" } else { "portable" }
		)
	}

	fn step(
		&self,
		program: &Program,
		state: &mut State,
		batch: &Minibatch,
	) -> Result<StepOutcome, StepError> {
		self.executor.step(program, state, batch)
	}
}
