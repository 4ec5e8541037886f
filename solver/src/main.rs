//! `aichain-solver`: runs aichain training jobs with the deterministic engine and serves their
//! traces to the chain's offchain workers over HTTP. See `aichain-solver --help`.

mod api;
mod backend;
mod datasets;
mod jobs;
mod metrics;
mod net;
mod store;
mod types;

use aichain_engine::{
	dataset::csv::{self, LabelColumn},
	Dataset,
};
use clap::{Parser, Subcommand, ValueEnum};
use std::{future::IntoFuture, net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};

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
	/// Address and port of the public listener: the read side (job status, results, step
	/// proofs, states) that verifiers, challengers and clients read. Publish it (e.g.
	/// `0.0.0.0:8420`) and register it on-chain as the solver's endpoint.
	#[arg(long, default_value = "127.0.0.1:8420", env = "AICHAIN_SOLVER_LISTEN")]
	listen: SocketAddr,
	/// Address and port of the control listener, for this solver's own node only
	/// (`aichain-node --solver-url http://127.0.0.1:9420`): it also takes jobs and executes
	/// segments. Must be a loopback address unless --allow-remote-control.
	#[arg(long, default_value = "127.0.0.1:9420", env = "AICHAIN_SOLVER_CONTROL_LISTEN")]
	control_listen: SocketAddr,
	/// Let the control listener bind a non-loopback address (a node in another container on a
	/// private network). Whoever reaches it can fill the queue and take the CPU: firewall it.
	#[arg(long)]
	allow_remote_control: bool,
	/// Let dataset URLs point at loopback, private and link-local addresses (dev setups, where
	/// datasets are served from the same machine). Off, such URLs are refused (403), and so
	/// are names that resolve only to such addresses.
	#[arg(long, env = "AICHAIN_SOLVER_ALLOW_PRIVATE_DATASETS")]
	allow_private_datasets: bool,
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
	/// Steps between durable checkpoints (a crash recomputes at most this many steps, and so
	/// does a request for a state).
	#[arg(long, default_value_t = 100)]
	checkpoint_interval: u32,
	/// Most steps one `POST /execute` may re-execute.
	#[arg(long, default_value_t = 1_000)]
	max_segment_steps: u32,
	/// Most work units (steps × the program's work per step) one `POST /execute` may ask for.
	/// The default is 64 steps of the largest program the chain accepts.
	#[arg(long, default_value_t = 64 * aichain_engine::program::MAX_STEP_WORK)]
	max_segment_work: u64,
	/// Costly requests (states, proofs, segments) answered at once, per listener; more get 503.
	#[arg(long, default_value_t = 4)]
	max_concurrent_reads: usize,
	/// Costly requests answered at once for one client address on the public listener; more
	/// get 429.
	#[arg(long, default_value_t = 2)]
	max_reads_per_client: usize,
	/// Dataset downloads at once (each holds up to --max-dataset-bytes in memory twice while it
	/// is checked); a request that waits more than 5 s for one gets 503.
	#[arg(long, default_value_t = 2)]
	max_downloads: usize,
	/// Largest dataset file accepted, in bytes.
	#[arg(long, default_value_t = 256 << 20)]
	max_dataset_bytes: u64,
	/// Seconds a dataset download may take. A node's offchain worker waits 30 s for `POST /jobs`
	/// (which downloads the dataset) and must answer the chain within its acceptance period, so
	/// keep this well below both.
	#[arg(long, default_value_t = 20)]
	fetch_timeout_secs: u64,
	/// Largest request body on the control listener, in bytes (a `POST /execute` carries a state
	/// of up to ~4 MiB as hex).
	#[arg(long, default_value_t = 16 << 20)]
	max_request_bytes: usize,
	/// FOR TESTS AND DEMOS OF A LYING SOLVER ONLY: corrupt step K of every job this service
	/// trains. The state after step K is altered before it is committed and training goes on
	/// from it, so every result this service posts is wrong from step K on; it serves that
	/// lineage consistently (states, proofs), and a verifier's fraud proof slashes the solver's
	/// stake. Off by default; never use it with a stake you want to keep.
	#[arg(long, value_name = "K", value_parser = clap::value_parser!(u32).range(1..))]
	corrupt_step: Option<u32>,
	/// FOR TESTS AND DEMOS OF A WITHHOLDING SOLVER ONLY: the public listener serves no step,
	/// state or minibatch of any job (the control listener still does, for the node's own
	/// worker). Verifiers cannot check such a result and challenge it with a bisection game,
	/// which the solver must play move by move on-chain.
	#[arg(long)]
	withhold_trace: bool,
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
	if !args.control_listen.ip().is_loopback() && !args.allow_remote_control {
		return Err(format!(
			"--control-listen {} is not a loopback address: whoever reaches it can submit jobs \
			 and take the solver's CPU; bind it to 127.0.0.1 (or pass --allow-remote-control \
			 behind a firewall)",
			args.control_listen
		));
	}
	if args.control_listen == args.listen && args.listen.port() != 0 {
		return Err("--listen and --control-listen must differ".into());
	}
	std::fs::create_dir_all(&args.data_dir)
		.map_err(|e| format!("{}: {e}", args.data_dir.display()))?;
	let store = Arc::new(store::Store::open(&args.data_dir.join("jobs.redb"))?);
	let datasets = Arc::new(
		datasets::Datasets::new(datasets::Sources {
			dataset_dir: args.dataset_dir.clone(),
			cache_dir: args.data_dir.join("datasets"),
			max_bytes: args.max_dataset_bytes,
			fetch_timeout: Duration::from_secs(args.fetch_timeout_secs),
			allow_private: args.allow_private_datasets,
			max_downloads: args.max_downloads,
		})
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
			corrupt_step: args.corrupt_step,
			withhold_trace: args.withhold_trace,
		},
		metrics,
	)?;
	if args.withhold_trace {
		tracing::warn!(
			"--withhold-trace: the public listener serves no trace; verifiers will challenge every \
			 result with a bisection game (tests and demos only)"
		);
	}
	if let Some(k) = args.corrupt_step {
		tracing::warn!(
			"--corrupt-step {k}: every job this service trains is corrupted at step {k}; its results \
			 are wrong and a fraud proof will slash the solver's stake (tests and demos only)"
		);
	}
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
	manager.keep_missing_trees();
	if args.allow_private_datasets {
		tracing::warn!("dataset URLs may point at private addresses (--allow-private-datasets)");
	}
	let limits = api::Limits {
		max_segment_steps: args.max_segment_steps,
		max_segment_work: args.max_segment_work,
		max_concurrent_reads: args.max_concurrent_reads,
		max_reads_per_client: args.max_reads_per_client,
		max_request_bytes: args.max_request_bytes,
	};
	let public = api::router(api::App::new(manager.clone(), limits, api::Side::Public));
	let control = api::router(api::App::new(manager, limits, api::Side::Control));
	let runtime = tokio::runtime::Builder::new_multi_thread()
		.worker_threads(2)
		.enable_all()
		.build()
		.map_err(|e| format!("tokio: {e}"))?;
	runtime.block_on(async move {
		let bind = |addr: SocketAddr| async move {
			tokio::net::TcpListener::bind(addr)
				.await
				.map_err(|e| format!("cannot listen on {addr}: {e}"))
		};
		let (public_listener, control_listener) =
			(bind(args.listen).await?, bind(args.control_listen).await?);
		let address = |l: &tokio::net::TcpListener| l.local_addr().map_err(|e| e.to_string());
		tracing::info!(
			"control listener (this solver's node only) on http://{}",
			address(&control_listener)?
		);
		if !args.control_listen.ip().is_loopback() {
			tracing::warn!(
				"the control listener is not on loopback (--allow-remote-control): firewall it"
			);
		}
		tracing::info!(
			"listening on http://{} (public: status, results, proofs, states)",
			address(&public_listener)?
		);
		let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
		let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
			let _ = rx.wait_for(|stop| *stop).await;
		};
		let serve = |listener, router: axum::Router, rx| {
			axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
				.with_graceful_shutdown(stopped(rx))
		};
		let public = serve(public_listener, public, stop_rx.clone());
		let control = serve(control_listener, control, stop_rx);
		let signal = async move {
			let _ = tokio::signal::ctrl_c().await;
			tracing::info!("shutting down; running jobs resume from their checkpoints on restart");
			let _ = stop_tx.send(true);
		};
		let (public, control, ()) =
			tokio::join!(public.into_future(), control.into_future(), signal);
		public.and(control).map_err(|e| format!("server: {e}"))
	})
}
