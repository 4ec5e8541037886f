//! Prometheus metrics (`GET /metrics`).

use prometheus::{IntCounter, IntGauge, Registry};

/// The solver's metrics.
#[derive(Clone)]
pub struct Metrics {
	/// Registry the text exposition is rendered from.
	pub registry: Registry,
	/// Jobs accepted.
	pub jobs_submitted: IntCounter,
	/// Jobs completed.
	pub jobs_completed: IntCounter,
	/// Jobs failed.
	pub jobs_failed: IntCounter,
	/// Jobs resumed from a checkpoint after a restart.
	pub jobs_resumed: IntCounter,
	/// Jobs waiting.
	pub jobs_queued: IntGauge,
	/// Jobs training.
	pub jobs_running: IntGauge,
	/// Training steps executed (jobs, state recomputation and segments).
	pub steps: IntCounter,
	/// Samples trained on.
	pub samples: IntCounter,
	/// Segments re-executed for verifiers.
	pub segments: IntCounter,
	/// HTTP requests answered with an error status.
	pub http_errors: IntCounter,
	/// HTTP requests turned away because the service was busy (429 and 503).
	pub http_busy: IntCounter,
}

impl Metrics {
	/// Create and register every metric.
	pub fn new() -> prometheus::Result<Self> {
		let registry = Registry::new_custom(Some("aichain_solver".into()), None)?;
		let counter = |name: &str, help: &str| -> prometheus::Result<IntCounter> {
			let c = IntCounter::new(name, help)?;
			registry.register(Box::new(c.clone()))?;
			Ok(c)
		};
		let gauge = |name: &str, help: &str| -> prometheus::Result<IntGauge> {
			let g = IntGauge::new(name, help)?;
			registry.register(Box::new(g.clone()))?;
			Ok(g)
		};
		Ok(Self {
			jobs_submitted: counter("jobs_submitted_total", "Jobs accepted")?,
			jobs_completed: counter("jobs_completed_total", "Jobs completed")?,
			jobs_failed: counter("jobs_failed_total", "Jobs failed")?,
			jobs_resumed: counter(
				"jobs_resumed_total",
				"Jobs resumed from a checkpoint after a restart",
			)?,
			jobs_queued: gauge("jobs_queued", "Jobs waiting for a worker")?,
			jobs_running: gauge("jobs_running", "Jobs being trained")?,
			steps: counter("steps_total", "Training steps executed")?,
			samples: counter("samples_total", "Samples trained on")?,
			segments: counter("segments_executed_total", "Trace segments re-executed")?,
			http_errors: counter(
				"http_errors_total",
				"HTTP requests answered with an error status",
			)?,
			http_busy: counter(
				"http_busy_total",
				"HTTP requests turned away with 429 or 503 because the service was busy",
			)?,
			registry,
		})
	}

	/// The text exposition format.
	pub fn render(&self) -> String {
		let mut out = String::new();
		let encoder = prometheus::TextEncoder::new();
		if let Err(e) = encoder.encode_utf8(&self.registry.gather(), &mut out) {
			tracing::warn!("metrics: {e}");
		}
		out
	}
}
