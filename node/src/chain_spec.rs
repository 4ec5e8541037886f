//! Chain specifications: built from the runtime's genesis presets.

use aichain_runtime::{
	genesis_config_presets::TESTNET_RUNTIME_PRESET, SS58_PREFIX, TOKEN_DECIMALS, TOKEN_SYMBOL,
	WASM_BINARY,
};
use sc_service::ChainType;

/// The chain specification of aichain: no extensions.
pub type ChainSpec = sc_service::GenericChainSpec;

/// What the built-in chains are called on the command line.
pub const BUILT_IN_CHAINS: &str = "dev, local, testnet";

/// Token symbol, decimals and address format, so that wallets show $AI correctly.
fn properties() -> sc_chain_spec::Properties {
	let mut properties = sc_chain_spec::Properties::new();
	properties.insert("tokenSymbol".into(), TOKEN_SYMBOL.into());
	properties.insert("tokenDecimals".into(), TOKEN_DECIMALS.into());
	properties.insert("ss58Format".into(), SS58_PREFIX.into());
	properties
}

fn from_preset(
	name: &str,
	id: &str,
	chain_type: ChainType,
	preset: &str,
) -> Result<ChainSpec, String> {
	let wasm = WASM_BINARY.ok_or_else(|| {
		"the runtime's Wasm binary is not available: this node was built with SKIP_WASM_BUILD"
			.to_string()
	})?;
	Ok(ChainSpec::builder(wasm, None)
		.with_name(name)
		.with_id(id)
		.with_chain_type(chain_type)
		.with_protocol_id("aichain")
		.with_genesis_config_preset_name(preset)
		.with_properties(properties())
		.build())
}

/// `dev`: one validator (Alice), sudo, dev accounts funded.
pub fn development_chain_spec() -> Result<ChainSpec, String> {
	from_preset(
		"aichain dev",
		"aichain_dev",
		ChainType::Development,
		sp_genesis_builder::DEV_RUNTIME_PRESET,
	)
}

/// `local`: three validators (Alice, Bob, Charlie), sudo, dev accounts funded.
pub fn local_chain_spec() -> Result<ChainSpec, String> {
	from_preset(
		"aichain local",
		"aichain_local",
		ChainType::Local,
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET,
	)
}

/// `testnet`: three validators with published test keys, no sudo.
pub fn testnet_chain_spec() -> Result<ChainSpec, String> {
	from_preset("aichain testnet", "aichain_testnet", ChainType::Live, TESTNET_RUNTIME_PRESET)
}
