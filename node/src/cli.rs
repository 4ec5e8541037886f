//! Command-line interface.

/// Subcommands besides running the node.
#[derive(Debug, clap::Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum Subcommand {
	/// Key management: generate, inspect and insert keys (session keys, account keys).
	#[command(subcommand)]
	Key(sc_cli::KeySubcommand),

	/// Build a chain specification (`--chain dev|local|testnet|<file>`, `--raw` for raw storage).
	BuildSpec(sc_cli::BuildSpecCmd),

	/// Export the chain specification.
	ExportChainSpec(sc_cli::ExportChainSpecCmd),

	/// Validate blocks.
	CheckBlock(sc_cli::CheckBlockCmd),

	/// Export blocks.
	ExportBlocks(sc_cli::ExportBlocksCmd),

	/// Export the state of a given block into a chain spec.
	ExportState(sc_cli::ExportStateCmd),

	/// Import blocks.
	ImportBlocks(sc_cli::ImportBlocksCmd),

	/// Remove the whole chain.
	PurgeChain(sc_cli::PurgeChainCmd),

	/// Revert the chain to a previous state.
	Revert(sc_cli::RevertCmd),

	/// Benchmarks: `pallet` (needs `--features runtime-benchmarks`), `storage`, `overhead`,
	/// `extrinsic`, `block`, `machine`.
	#[command(subcommand)]
	Benchmark(frame_benchmarking_cli::BenchmarkCmd),

	/// Database meta columns information.
	ChainInfo(sc_cli::ChainInfoCmd),
}

/// The node's command line.
#[derive(Debug, clap::Parser)]
#[command(
	propagate_version = true,
	args_conflicts_with_subcommands = true,
	subcommand_negates_reqs = true
)]
pub struct Cli {
	/// A subcommand; without one, the node runs.
	#[command(subcommand)]
	pub subcommand: Option<Subcommand>,

	/// Options of a running node.
	#[clap(flatten)]
	pub run: sc_cli::RunCmd,

	/// Address of this node's solver service (`aichain-solver serve`), e.g.
	/// `http://127.0.0.1:8420`. The node's offchain workers then work for the solver and verifier
	/// accounts whose `aicm` keys are in its keystore: they hand assigned tasks to the service,
	/// report results, re-execute segments of other solvers' traces and report verdicts.
	/// Turns offchain workers on even on a node that is not a validator.
	#[arg(long, value_name = "URL", value_parser = parse_solver_url)]
	pub solver_url: Option<String>,

	/// Let this node's offchain workers read solver endpoints on loopback, private and
	/// link-local hosts (`localhost`, `10.x`, `192.168.x`, `169.254.x`, ...). Off, a verifier
	/// does not fetch from them: a solver could otherwise point every validator's worker at
	/// services inside the validator's own network. On by itself with `--dev`; a local
	/// multi-node network on one machine needs it.
	#[arg(long)]
	pub allow_private_endpoints: bool,
}

/// An `http://` or `https://` address without spaces or control characters.
fn parse_solver_url(url: &str) -> Result<String, String> {
	if pallet_compute::offchain::is_http_url(url.as_bytes()) {
		Ok(url.trim_end_matches('/').to_string())
	} else {
		Err(format!("{url:?} is not an http:// or https:// address"))
	}
}
