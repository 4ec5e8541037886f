//! `aichain-solver`: runs aichain training jobs with the deterministic engine and serves their
//! traces to the chain's offchain workers over HTTP. See `aichain-solver --help`.

mod api;
mod backend;
mod datasets;
mod jobs;
mod metrics;
mod store;
mod types;

use aichain_engine::{
	dataset::csv::{self, LabelColumn},
	Dataset,
};
use clap::{Parser, Subcommand, ValueEnum};
use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};

/// The aichain solver service: trains jobs bit-reproducibly and answers verifiers.
#[derive(Parser, Debug)]
#[command(version, about, long_about = None)]
struct Cli {
	#[command(subcommand)]
	command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
	/// Run the HTTP service (jobs persist in --data-dir and resume after a restart).
	Serve(ServeArgs),
	/// Convert, inspect and commit datasets.
	#[command(subcommand)]
	Dataset(DatasetCommand),
	/// Train a job locally without the service and print its result, to check a solver's
	/// answer on another machine: the trace root must be the same bit for bit.
	Reproduce {
		/// A job file: the JSON body of `POST /jobs` (`program` and `dataset`).
		#[arg(long)]
		job: PathBuf,
		/// The dataset file the job names.
		#[arg(long)]
		dataset: PathBuf,
		/// Threads per step (the result does not depend on it).
		#[arg(long, default_value_t = 1)]
		threads: usize,
	},
}

#[derive(Parser, Debug)]
struct ServeArgs {
	/// Address and port to listen on. Keep it on loopback unless a proxy guards it: the API has
	/// no authentication.
	#[arg(long, default_value = "127.0.0.1:8420", env = "AICHAIN_SOLVER_LISTEN")]
	listen: SocketAddr,
	/// Directory for the job store (`jobs.redb`) and the verified dataset cache (`datasets/`).
	#[arg(long, default_value = "./solver-data", env = "AICHAIN_SOLVER_DATA_DIR")]
	data_dir: PathBuf,
	/// Directory that dataset references with a `path` are read from. Without it, only `url`
	/// references (and datasets already cached) work.
	#[arg(long, env = "AICHAIN_SOLVER_DATASET_DIR")]
	dataset_dir: Option<PathBuf>,
	/// Threads each training step is split across (default: all cores). The bits do not depend
	/// on it.
	#[arg(long)]
	threads: Option<usize>,
	/// Jobs trained at the same time.
	#[arg(long, default_value_t = 1)]
	max_concurrent_jobs: usize,
	/// Jobs that may wait in the queue; further submissions get 429.
	#[arg(long, default_value_t = 64)]
	max_queued_jobs: usize,
	/// Steps between durable checkpoints (a crash recomputes at most this many steps).
	#[arg(long, default_value_t = 100)]
	checkpoint_interval: u32,
	/// Most steps one `POST /execute` may re-execute.
	#[arg(long, default_value_t = 10_000)]
	max_segment_steps: u32,
	/// Largest dataset file accepted, in bytes.
	#[arg(long, default_value_t = 256 << 20)]
	max_dataset_bytes: u64,
	/// Seconds a dataset download may take. A node's offchain worker waits 30 s for `POST /jobs`
	/// (which downloads the dataset) and must answer the chain within its acceptance period, so
	/// keep this well below both.
	#[arg(long, default_value_t = 20)]
	fetch_timeout_secs: u64,
	/// Largest request body, in bytes (a `POST /execute` carries a state of up to ~4 MiB as hex).
	#[arg(long, default_value_t = 16 << 20)]
	max_request_bytes: usize,
}

#[derive(Subcommand, Debug)]
enum DatasetCommand {
	/// Convert a CSV file (one sample per line, decimal features, integer class label) into
	/// dataset files, optionally split into train and test sets, and print their commitments.
	Import {
		/// The CSV file.
		#[arg(long)]
		csv: PathBuf,
		/// Which column holds the label.
		#[arg(long, value_enum, default_value_t = LabelArg::Last)]
		label_column: LabelArg,
		/// Divide every feature by this (e.g. 16 maps 0..=16 pixels to 0..=1).
		#[arg(long, default_value_t = 1)]
		divide_by: u32,
		/// Percentage of samples held out as a test set (0: no split).
		#[arg(long, default_value_t = 0)]
		test_percent: u8,
		/// Seed of the shuffle before the split.
		#[arg(long, default_value_t = 2026)]
		split_seed: u64,
		/// Output directory.
		#[arg(long)]
		out_dir: PathBuf,
		/// Base name: writes NAME.aids, or NAME-train.aids and NAME-test.aids.
		#[arg(long)]
		name: String,
		/// Batch size to print the commitment for.
		#[arg(long, default_value_t = 32)]
		batch_size: u32,
	},
	/// Print a dataset file's shape and its commitment (Merkle root) for a batch size.
	Root {
		/// The dataset file.
		file: PathBuf,
		/// Batch size of the program that will train on it.
		#[arg(long, default_value_t = 32)]
		batch_size: u32,
	},
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum LabelArg {
	First,
	Last,
}

fn main() {
	tracing_subscriber::fmt()
		.with_env_filter(
			tracing_subscriber::EnvFilter::try_from_default_env()
				.unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
		)
		.with_target(false)
		.init();
	let cli = Cli::parse();
	let outcome = match cli.command {
		Command::Serve(args) => serve(args),
		Command::Dataset(cmd) => dataset(cmd),
		Command::Reproduce { job, dataset, threads } => reproduce(&job, &dataset, threads),
	};
	if let Err(e) = outcome {
		eprintln!("error: {e}");
		std::process::exit(1);
	}
}

fn describe(name: &str, d: &Dataset, batch_size: u32) -> String {
	let c = d.commitment(batch_size);
	format!(
		"{name}: {} samples, {} features, {} classes; batch size {batch_size}: {} minibatches, root 0x{}",
		d.samples(),
		d.features,
		d.classes,
		c.batches,
		hex::encode(c.root)
	)
}

fn dataset(cmd: DatasetCommand) -> Result<(), String> {
	match cmd {
		DatasetCommand::Import {
			csv: path,
			label_column,
			divide_by,
			test_percent,
			split_seed,
			out_dir,
			name,
			batch_size,
		} => {
			let text =
				std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
			let label = match label_column {
				LabelArg::First => LabelColumn::First,
				LabelArg::Last => LabelColumn::Last,
			};
			let all = csv::parse(&text, label, divide_by)
				.map_err(|e| format!("{}: {e}", path.display()))?;
			std::fs::create_dir_all(&out_dir).map_err(|e| format!("{}: {e}", out_dir.display()))?;
			let parts = if test_percent == 0 {
				vec![(format!("{name}.aids"), all)]
			} else {
				let (train, test) = all.split(split_seed, test_percent);
				vec![(format!("{name}-train.aids"), train), (format!("{name}-test.aids"), test)]
			};
			for (file, d) in parts {
				let target = out_dir.join(&file);
				std::fs::write(&target, d.to_bytes())
					.map_err(|e| format!("{}: {e}", target.display()))?;
				println!("{}", describe(&target.display().to_string(), &d, batch_size));
			}
			Ok(())
		},
		DatasetCommand::Root { file, batch_size } => {
			let bytes = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
			let d = Dataset::from_bytes(&bytes).map_err(|e| format!("{}: {e}", file.display()))?;
			println!("{}", describe(&file.display().to_string(), &d, batch_size));
			Ok(())
		},
	}
}

fn reproduce(
	job: &std::path::Path,
	dataset: &std::path::Path,
	threads: usize,
) -> Result<(), String> {
	use aichain_engine::{train::Trainer, Executor, Simd, State};
	let text = std::fs::read_to_string(job).map_err(|e| format!("{}: {e}", job.display()))?;
	let job: types::SubmitJob =
		serde_json::from_str(&text).map_err(|e| format!("{}: {e}", job.display()))?;
	let program = job.program;
	program.validate().map_err(|e| format!("invalid program: {e}"))?;
	let bytes = std::fs::read(dataset).map_err(|e| format!("{}: {e}", dataset.display()))?;
	let data = Dataset::from_bytes(&bytes).map_err(|e| format!("{}: {e}", dataset.display()))?;
	let root = data.commitment(program.batch_size).root;
	if root != job.dataset.root.0 {
		return Err(format!(
			"dataset hash mismatch: the job names 0x{} but {} has root 0x{}",
			hex::encode(job.dataset.root.0),
			dataset.display(),
			hex::encode(root)
		));
	}
	let executor = Executor::new(threads.max(1), Simd::Native);
	let mut trainer = Trainer::new(&program, &data, &executor).map_err(|e| e.to_string())?;
	let mut state = State::initial(&program);
	let start = std::time::Instant::now();
	let trace = trainer.run(&mut state).map_err(|e| e.to_string())?;
	tracing::info!("trained {} steps in {:.1?}", program.steps, start.elapsed());
	let result = types::JobResult {
		model_hash: types::HexHash(state.model_hash()),
		trace_root: types::HexHash(trace.root()),
		final_state_hash: types::HexHash(state.hash()),
		steps: program.steps,
	};
	println!("{}", serde_json::to_string_pretty(&result).map_err(|e| e.to_string())?);
	Ok(())
}

fn serve(args: ServeArgs) -> Result<(), String> {
	let threads = args
		.threads
		.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
	if threads == 0 || args.checkpoint_interval == 0 || args.max_concurrent_jobs == 0 {
		return Err(
			"--threads, --checkpoint-interval and --max-concurrent-jobs must be at least 1".into(),
		);
	}
	std::fs::create_dir_all(&args.data_dir)
		.map_err(|e| format!("{}: {e}", args.data_dir.display()))?;
	let store = Arc::new(store::Store::open(&args.data_dir.join("jobs.redb"))?);
	let datasets = Arc::new(
		datasets::Datasets::new(
			args.dataset_dir.clone(),
			args.data_dir.join("datasets"),
			args.max_dataset_bytes,
			Duration::from_secs(args.fetch_timeout_secs),
		)
		.map_err(|e| format!("dataset cache: {e}"))?,
	);
	let backend: Arc<dyn backend::Backend> = Arc::new(backend::CpuBackend::new(threads));
	let metrics = metrics::Metrics::new().map_err(|e| format!("metrics: {e}"))?;
	let manager = jobs::Manager::new(
		store,
		datasets,
		backend,
		jobs::Config {
			max_concurrent_jobs: args.max_concurrent_jobs,
			max_queued_jobs: args.max_queued_jobs,
			checkpoint_interval: args.checkpoint_interval,
		},
		metrics,
	)?;
	tracing::info!(
		"backend {}; data in {}; datasets from {}; {} worker(s), queue {} jobs, checkpoint every {} steps",
		manager.backend_name(),
		args.data_dir.display(),
		args.dataset_dir.as_ref().map_or("urls only".into(), |d| d.display().to_string()),
		args.max_concurrent_jobs,
		args.max_queued_jobs,
		args.checkpoint_interval
	);
	manager.start_workers();
	let app = Arc::new(api::App { manager, max_segment_steps: args.max_segment_steps });
	let router = api::router(app, args.max_request_bytes);
	let runtime = tokio::runtime::Builder::new_multi_thread()
		.worker_threads(2)
		.enable_all()
		.build()
		.map_err(|e| format!("tokio: {e}"))?;
	runtime.block_on(async move {
		let listener = tokio::net::TcpListener::bind(args.listen)
			.await
			.map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
		tracing::info!("listening on http://{}", listener.local_addr().map_err(|e| e.to_string())?);
		axum::serve(listener, router)
			.with_graceful_shutdown(async {
				let _ = tokio::signal::ctrl_c().await;
				tracing::info!(
					"shutting down; running jobs resume from their checkpoints on restart"
				);
			})
			.await
			.map_err(|e| format!("server: {e}"))
	})
}
