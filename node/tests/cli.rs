//! The node binary on bad input, and the committed chain specs against the runtime's presets.

use std::{path::PathBuf, process::Command};

fn node() -> Command {
	Command::new(env!("CARGO_BIN_EXE_aichain-node"))
}

fn repo_root() -> PathBuf {
	manifest_dir().join("..")
}

/// Run the node, expect it to fail cleanly: non-zero exit, `expected` in its output, no panic.
fn fails_cleanly(args: &[&str], expected: &str) {
	let out = node().args(args).output().expect("the node binary runs");
	let output =
		format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
	assert!(!out.status.success(), "`{}` should fail: {output}", args.join(" "));
	assert!(output.contains(expected), "`{}` should say `{expected}`: {output}", args.join(" "));
	assert!(!output.contains("panicked"), "`{}` panicked: {output}", args.join(" "));
	assert!(!output.contains("RUST_BACKTRACE"), "`{}` panicked: {output}", args.join(" "));
}

#[test]
fn unknown_chain_is_a_clear_error() {
	fails_cleanly(&["build-spec", "--chain", "mainnet"], "unknown chain `mainnet`");
	fails_cleanly(&["--chain", "nosuchchain", "--tmp"], "expected one of dev, local, testnet");
}

#[test]
fn bad_flags_are_a_clear_error() {
	fails_cleanly(&["--no-such-flag"], "unexpected argument '--no-such-flag'");
	fails_cleanly(&["--rpc-port", "not-a-port"], "invalid value 'not-a-port'");
}

#[test]
fn malformed_chain_spec_is_a_clear_error() {
	let dir = std::env::temp_dir().join(format!("aichain-cli-test-{}", std::process::id()));
	std::fs::create_dir_all(&dir).unwrap();
	let spec = dir.join("broken.json");
	std::fs::write(&spec, "{ \"name\": \"broken\", ").unwrap();
	fails_cleanly(&["build-spec", "--chain", spec.to_str().unwrap()], "invalid chain spec");
	std::fs::write(&spec, "{ \"name\": \"no genesis\" }").unwrap();
	fails_cleanly(&["build-spec", "--chain", spec.to_str().unwrap()], "invalid chain spec");
	std::fs::remove_dir_all(&dir).unwrap();
}

/// Everything of a spec but the runtime code, which differs between builds on different paths.
fn without_code(mut spec: serde_json::Value) -> serde_json::Value {
	let genesis = &mut spec["genesis"];
	if let Some(runtime) = genesis.get_mut("runtimeGenesis") {
		runtime.as_object_mut().unwrap().remove("code");
	}
	if let Some(top) = genesis.pointer_mut("/raw/top") {
		// `:code`
		top.as_object_mut().unwrap().remove("0x3a636f6465");
	}
	spec
}

fn built_spec(chain: &str, raw: bool) -> serde_json::Value {
	let mut cmd = node();
	cmd.args(["build-spec", "--chain", chain, "--disable-default-bootnode"]);
	if raw {
		cmd.arg("--raw");
	}
	let out = cmd.output().expect("the node binary runs");
	assert!(out.status.success(), "build-spec failed: {}", String::from_utf8_lossy(&out.stderr));
	serde_json::from_slice(&out.stdout).expect("build-spec prints JSON")
}

#[test]
fn committed_chain_specs_match_the_runtime_presets() {
	for chain in ["local", "testnet"] {
		for (raw, file) in [(false, format!("{chain}.json")), (true, format!("{chain}-raw.json"))] {
			let path = repo_root().join("chain-specs").join(&file);
			let committed: serde_json::Value = serde_json::from_slice(
				&std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
			)
			.unwrap();
			assert!(
				without_code(committed) == without_code(built_spec(chain, raw)),
				"chain-specs/{file} no longer matches the runtime's `{chain}` preset: \
				 run scripts/gen-chain-specs.sh and commit the result"
			);
		}
	}
}

#[test]
fn chain_spec_properties_show_ai() {
	let spec = built_spec("dev", false);
	assert_eq!(spec["properties"]["tokenSymbol"], "AI");
	assert_eq!(spec["properties"]["tokenDecimals"], 18);
	assert_eq!(spec["properties"]["ss58Format"], 42);
}

/// This package's directory: from cargo at run time, so that a test binary reused from a build in
/// another checkout (a shared target directory) still reads this checkout's files.
fn manifest_dir() -> PathBuf {
	std::env::var_os("CARGO_MANIFEST_DIR")
		.map(PathBuf::from)
		.unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}
