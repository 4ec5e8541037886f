//! Genesis presets: `development` (one validator), `local_testnet` (three validators) and
//! `testnet` (three validators, no sudo).
//!
//! Every preset mints exactly [`TOTAL_SUPPLY`] and allocates it as DESIGN.md says: the treasury,
//! investors and team buckets in full, and the accounts a preset endows (dev accounts, validator
//! stashes) out of the Community Sale bucket, not on top of it. The Testnet Rewards bucket pays
//! the existential deposits of the two staking reward accounts and the BuyBack Vault.
//!
//! Dev and local presets also create a stable asset, `dUSD` (id [`STABLE_ASSET_ID`], 6 decimals),
//! give every dev account [`STABLE_ENDOWMENT`] of it, and seed the AI/dUSD pool of the DEX from
//! Alice, so that the BuyBack Vault works from the first block.

use crate::{
	configs::{TreasuryPalletId, FIRST_PUBLIC_ASSET_ID, STABLE_ASSET_ID, USD},
	AccountId, AssetConversionConfig, AssetsConfig, Balance, BalancesConfig, Buyback, Compute,
	BlockNumber, ComputeConfig, DisputesConfig, OriginsConfig,
	RuntimeGenesisConfig,
	SessionConfig, SessionKeys, StakingConfig, SudoConfig, Supply, VestingConfig, AI,
	BABE_GENESIS_EPOCH_CONFIG, COMMUNITY_SALE_ALLOCATION, EXISTENTIAL_DEPOSIT,
	INVESTORS_ALLOCATION, INVESTORS_CLIFF, INVESTORS_VESTING, TEAM_ALLOCATION, TEAM_CLIFF,
	TEAM_VESTING, TESTNET_REWARDS_ALLOCATION, TREASURY_ALLOCATION,
};
use alloc::{string::String, vec, vec::Vec};
use frame_support::{
	build_struct_json_patch, traits::tokens::fungible::NativeOrWithId, PalletId,
};
use serde_json::Value;
use sp_consensus_babe::AuthorityId as BabeId;
use pallet_compute::{offchain::crypto::Public as ComputeId, HardwareClass};
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_core::crypto::UncheckedFrom;
use sp_genesis_builder::{self, PresetId};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};
use sp_runtime::{traits::AccountIdConversion, Perbill};

/// The public testnet preset's id.
pub const TESTNET_RUNTIME_PRESET: &str = "testnet";

/// What each endowed account (dev accounts, validator stashes) receives from the Community Sale.
pub const ENDOWMENT: Balance = 1_000_000 * AI;
/// What each genesis validator bonds out of its endowment.
pub const VALIDATOR_BOND: Balance = 100_000 * AI;
/// The smallest bond a validator may have.
pub const MIN_VALIDATOR_BOND: Balance = 10_000 * AI;
/// The smallest bond a nominator may have.
pub const MIN_NOMINATOR_BOND: Balance = 100 * AI;

/// Keyless account of a genesis bucket, derived like a pallet account from an 8-byte tag.
fn bucket_account(tag: &[u8; 8]) -> AccountId {
	PalletId(*tag).into_account_truncating()
}

/// The investors' bucket: vested, 12-month cliff then 24 months linear.
pub fn investors_account() -> AccountId {
	bucket_account(b"ai/invst")
}
/// The team's bucket: vested, 12-month cliff then 36 months linear.
pub fn team_account() -> AccountId {
	bucket_account(b"ai/team_")
}
/// What is left of the Community Sale after the preset's endowments: liquid.
pub fn community_sale_account() -> AccountId {
	bucket_account(b"ai/csale")
}
/// The Testnet Rewards distribution account: liquid.
pub fn testnet_rewards_account() -> AccountId {
	bucket_account(b"ai/tnrwd")
}
/// The Community Treasury: pallet-treasury's account.
pub fn treasury_account() -> AccountId {
	TreasuryPalletId::get().into_account_truncating()
}

/// A genesis validator: its stash account and session keys.
pub struct GenesisValidator {
	/// Stash (and controller) account; it bonds [`VALIDATOR_BOND`].
	pub stash: AccountId,
	/// BABE key.
	pub babe: BabeId,
	/// GRANDPA key.
	pub grandpa: GrandpaId,
	/// Compute key: its offchain worker signs verdicts with it.
	pub compute: ComputeId,
}

fn dev_validator(sr: Sr25519Keyring, ed: Ed25519Keyring) -> GenesisValidator {
	GenesisValidator {
		stash: sr.to_account_id(),
		babe: sr.public().into(),
		grandpa: ed.public().into(),
		compute: sr.public().into(),
	}
}

/// The genesis balances of a preset: every bucket, summing to exactly `TOTAL_SUPPLY`.
///
/// `endowed` accounts get [`ENDOWMENT`] each out of the Community Sale bucket.
pub fn genesis_balances(endowed: &[AccountId]) -> Vec<(AccountId, Balance)> {
	let endowments = ENDOWMENT.saturating_mul(endowed.len() as Balance);
	// Presets are built only when a chain spec is made, never during block execution: a preset
	// that would mint beyond the supply must fail loudly there.
	assert!(endowments < COMMUNITY_SALE_ALLOCATION, "endowments exceed the Community Sale bucket");
	// Pallet accounts that must exist before anything small is paid into them.
	let reward_accounts = [
		Supply::reward_pot_account(),
		Supply::payout_reserve_account(),
		Buyback::vault_account(),
		Compute::escrow_account(),
	];

	let mut balances = vec![
		(treasury_account(), TREASURY_ALLOCATION),
		(investors_account(), INVESTORS_ALLOCATION),
		(team_account(), TEAM_ALLOCATION),
		(community_sale_account(), COMMUNITY_SALE_ALLOCATION - endowments),
		(
			testnet_rewards_account(),
			TESTNET_REWARDS_ALLOCATION - EXISTENTIAL_DEPOSIT * reward_accounts.len() as Balance,
		),
	];
	balances.extend(reward_accounts.into_iter().map(|a| (a, EXISTENTIAL_DEPOSIT)));
	balances.extend(endowed.iter().cloned().map(|a| (a, ENDOWMENT)));
	balances
}

/// A solver registered at genesis, offline until its node's offchain worker sends a heartbeat.
pub struct GenesisSolver {
	/// Its account; its offchain worker signs with this account's key (key type `aicm`).
	pub account: AccountId,
	/// Address of its solver service, for verifiers.
	pub endpoint: &'static str,
}

/// What a genesis solver stakes out of its endowment.
pub const SOLVER_STAKE: Balance = 100_000 * AI;
/// Work units per block a genesis solver advertises: a conservative figure for the CPU backend
/// on two cores (the digits job, 499,806,000 units, is then 25 blocks of work).
pub const SOLVER_CAPACITY: u64 = 20_000_000;

/// What each dev account holds of the dev stable asset, dUSD.
pub const STABLE_ENDOWMENT: Balance = 1_000_000 * USD;
/// The genesis AI/dUSD pool: 200,000 AI against 20,000 dUSD, 0.10 dUSD per AI.
pub const POOL_AI: Balance = 200_000 * AI;
/// The dUSD side of the genesis pool.
pub const POOL_STABLE: Balance = 20_000 * USD;

/// A stable asset and an AI/stable pool created at genesis.
pub struct GenesisDex {
	/// Owns the asset and provides the pool's liquidity (out of its endowment).
	pub provider: AccountId,
	/// Accounts given [`STABLE_ENDOWMENT`] each.
	pub holders: Vec<AccountId>,
}

/// The genesis state of a preset.
fn genesis(
	validators: Vec<GenesisValidator>,
	solvers: Vec<GenesisSolver>,
	endowed: Vec<AccountId>,
	dex: Option<GenesisDex>,
	sudo: Option<AccountId>,
	game_clock: Option<BlockNumber>,
	governance_timescale: u32,
) -> Value {
	let mut all_endowed = endowed;
	for v in &validators {
		if !all_endowed.contains(&v.stash) {
			all_endowed.push(v.stash.clone());
		}
	}
	let validator_count = validators.len() as u32;
	let (stable_assets, stable_metadata, stable_accounts, pools) = match dex {
		Some(dex) => (
			vec![(STABLE_ASSET_ID, dex.provider.clone(), true, USD / 100)],
			vec![(STABLE_ASSET_ID, b"Dev USD".to_vec(), b"dUSD".to_vec(), 6u8)],
			dex.holders
				.iter()
				.map(|a| (STABLE_ASSET_ID, a.clone(), STABLE_ENDOWMENT))
				.collect::<Vec<_>>(),
			vec![(
				NativeOrWithId::Native,
				NativeOrWithId::WithId(STABLE_ASSET_ID),
				dex.provider,
				POOL_AI,
				POOL_STABLE,
			)],
		),
		None => (vec![], vec![], vec![], vec![]),
	};

	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig { balances: genesis_balances(&all_endowed) },
		vesting: VestingConfig {
			vesting: vec![
				(investors_account(), INVESTORS_CLIFF, INVESTORS_VESTING, 0),
				(team_account(), TEAM_CLIFF, TEAM_VESTING, 0),
			],
		},
		babe: pallet_babe::GenesisConfig { epoch_config: BABE_GENESIS_EPOCH_CONFIG },
		session: SessionConfig {
			keys: validators
				.iter()
				.map(|v| {
					(
						v.stash.clone(),
						v.stash.clone(),
						SessionKeys {
							babe: v.babe.clone(),
							grandpa: v.grandpa.clone(),
							compute: v.compute.clone(),
						},
					)
				})
				.collect::<Vec<_>>(),
		},
		staking: StakingConfig {
			validator_count: validator_count.saturating_mul(2),
			minimum_validator_count: 1,
			invulnerables: validators.iter().map(|v| v.stash.clone()).collect::<Vec<_>>(),
			slash_reward_fraction: Perbill::from_percent(10),
			stakers: validators
				.iter()
				.map(|v| {
					(
						v.stash.clone(),
						v.stash.clone(),
						VALIDATOR_BOND,
						pallet_staking::StakerStatus::<AccountId>::Validator,
					)
				})
				.collect::<Vec<_>>(),
			min_validator_bond: MIN_VALIDATOR_BOND,
			min_nominator_bond: MIN_NOMINATOR_BOND,
		},
		sudo: SudoConfig { key: sudo },
		assets: AssetsConfig {
			assets: stable_assets,
			metadata: stable_metadata,
			accounts: stable_accounts,
			next_asset_id: Some(FIRST_PUBLIC_ASSET_ID),
		},
		asset_conversion: AssetConversionConfig { pools },
		compute: ComputeConfig {
			solvers: solvers
				.iter()
				.map(|s| {
					(
						s.account.clone(),
						SOLVER_STAKE,
						SOLVER_CAPACITY,
						HardwareClass::Cpu,
						Some(s.endpoint.as_bytes().to_vec()),
					)
				})
				.collect::<Vec<_>>(),
		},
		disputes: DisputesConfig { game_clock },
		origins: OriginsConfig { timescale: governance_timescale },
	})
}

/// The chess clock of dev and local games: the least the pallet allows (two blocks for each
/// move of the longest game), 6.6 minutes.
const DEV_GAME_CLOCK: BlockNumber = pallet_disputes::MIN_CLOCK;

/// Dev and local chains run governance 2,880 times faster than real time: a day of track time
/// lasts 30 seconds (5 blocks), and a dev account's 1,000,000 AI gives the support a track asks
/// for (see [`crate::governance::origins::Timescale`]).
pub const DEV_GOVERNANCE_TIMESCALE: u32 = 2_880;

/// The well-known dev accounts, endowed in dev and local presets.
fn dev_accounts() -> Vec<AccountId> {
	Sr25519Keyring::well_known().map(|k| k.to_account_id()).collect()
}

/// dUSD for every dev account, and Alice's AI/dUSD pool.
fn dev_dex() -> GenesisDex {
	GenesisDex { provider: Sr25519Keyring::Alice.to_account_id(), holders: dev_accounts() }
}

/// The dev chain's solver service (`scripts/run-dev.sh` starts it).
pub const DEV_SOLVER_ENDPOINT: &str = "http://127.0.0.1:8420";

/// `development`: Alice validates alone and holds sudo; Ferdie is a registered CPU solver
/// whose service is [`DEV_SOLVER_ENDPOINT`] (Alice verifies its results).
fn development_config_genesis() -> Value {
	genesis(
		vec![dev_validator(Sr25519Keyring::Alice, Ed25519Keyring::Alice)],
		vec![GenesisSolver {
			account: Sr25519Keyring::Ferdie.to_account_id(),
			endpoint: DEV_SOLVER_ENDPOINT,
		}],
		dev_accounts(),
		Some(dev_dex()),
		Some(Sr25519Keyring::Alice.to_account_id()),
		Some(DEV_GAME_CLOCK),
		DEV_GOVERNANCE_TIMESCALE,
	)
}

/// `local_testnet`: Alice, Bob and Charlie validate and each runs a CPU solver (services on
/// ports 8421, 8422 and 8423, as `zombienet/` starts them); Alice holds sudo.
fn local_config_genesis() -> Value {
	genesis(
		vec![
			dev_validator(Sr25519Keyring::Alice, Ed25519Keyring::Alice),
			dev_validator(Sr25519Keyring::Bob, Ed25519Keyring::Bob),
			dev_validator(Sr25519Keyring::Charlie, Ed25519Keyring::Charlie),
		],
		vec![
			GenesisSolver {
				account: Sr25519Keyring::Alice.to_account_id(),
				endpoint: "http://127.0.0.1:8421",
			},
			GenesisSolver {
				account: Sr25519Keyring::Bob.to_account_id(),
				endpoint: "http://127.0.0.1:8422",
			},
			GenesisSolver {
				account: Sr25519Keyring::Charlie.to_account_id(),
				endpoint: "http://127.0.0.1:8423",
			},
		],
		dev_accounts(),
		Some(dev_dex()),
		Some(Sr25519Keyring::Alice.to_account_id()),
		Some(DEV_GAME_CLOCK),
		DEV_GOVERNANCE_TIMESCALE,
	)
}

/// Public keys of the testnet validators, derived from the published seeds
/// `//aichain//testnet//validator//{1,2,3}` (sr25519 for the stash and BABE, ed25519 for
/// GRANDPA). Operators insert them with `aichain-node key insert`; a network that must not be
/// taken over replaces them with keys whose seeds are secret.
const TESTNET_VALIDATORS: [([u8; 32], [u8; 32]); 3] = [
	(
		sp_core::hex2array!("d4f00780e6165eacdb6a583f4ba69fa5c2bb7d3fcd7013fc74a89e1ea727b477"),
		sp_core::hex2array!("917594b4a069b49f9954c4bd2c8c433fd25251d90d379198f53a0f008108ee2f"),
	),
	(
		sp_core::hex2array!("18532d60ab971a5acefb3cd0fe9fe90bebce2c6453c67e59eb131c7f59bcd308"),
		sp_core::hex2array!("e161a637cddfd2467402eb0f50ed8f7e9fbf44db1e3adfcba3cf697d7eddc14e"),
	),
	(
		sp_core::hex2array!("58001fe79e4d4856d33c8e005a9b1aff8d45266ef44d5527692dc953dac09b5a"),
		sp_core::hex2array!("4aa257c6f64f4264dfb253b55423a707d10f956722702105c848ab23b0cf3bec"),
	),
];

/// `testnet`: three validators with published test keys, no sudo, no dev accounts.
fn testnet_config_genesis() -> Value {
	let validators = TESTNET_VALIDATORS
		.iter()
		.map(|(sr, ed)| GenesisValidator {
			stash: AccountId::from(*sr),
			babe: BabeId::unchecked_from(*sr),
			grandpa: GrandpaId::unchecked_from(*ed),
			compute: ComputeId::unchecked_from(*sr),
		})
		.collect();
	genesis(validators, Vec::new(), Vec::new(), None, None, None, 1)
}

/// The genesis config of preset `id`, as JSON, if `id` names one.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development_config_genesis(),
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_config_genesis(),
		TESTNET_RUNTIME_PRESET => testnet_config_genesis(),
		_ => return None,
	};
	serde_json::to_string(&patch).ok().map(String::into_bytes)
}

/// The ids of the presets this runtime offers.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
		PresetId::from(TESTNET_RUNTIME_PRESET),
	]
}
