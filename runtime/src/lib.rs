//! # The aichain runtime
//!
//! $AI tokenomics (fixed 10 billion supply, vesting buckets), BABE + GRANDPA consensus and NPoS
//! staking paid from a reward pot instead of inflation, the compute market where training
//! tasks meet solvers, and the BuyBack Vault that buys AI on the chain's DEX and burns it; $AI
//! holders govern it through OpenGov ([`governance`]). Configs are grouped by domain in
//! [`configs`], runtime APIs live in [`apis`], genesis presets in [`genesis_config_presets`].

#![cfg_attr(not(feature = "std"), no_std)]
// `construct_runtime` and the runtime APIs recurse deeply.
#![recursion_limit = "512"]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

use alloc::vec::Vec;

pub mod apis;
mod bag_thresholds;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarks;
pub mod configs;
pub mod genesis_config_presets;
pub mod governance;
pub mod tokenomics;
pub mod weights;

#[cfg(test)]
mod tests;

use sp_runtime::{
	generic, impl_opaque_keys,
	traits::{BlakeTwo256, IdentifyAccount, Verify},
	MultiAddress, MultiSignature,
};
use sp_version::RuntimeVersion;

pub use frame_system::Call as SystemCall;
pub use pallet_balances::Call as BalancesCall;
pub use tokenomics::*;

/// An index to a block.
pub type BlockNumber = u32;
/// Alias to 512-bit hash when used in the context of a transaction signature on the chain.
pub type Signature = MultiSignature;
/// Some way of identifying an account on the chain (an sr25519, ed25519 or ecdsa public key).
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;
/// Balance of an account: $AI has 18 decimals, so 10 billion AI need 94 bits.
pub type Balance = u128;
/// Index of a transaction in the chain.
pub type Nonce = u32;
/// A hash of some data used by the chain.
pub type Hash = sp_core::H256;
/// The address format for describing accounts.
pub type Address = MultiAddress<AccountId, ()>;
/// Block header type as expected by this runtime.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// Block type as expected by this runtime.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;
/// The transaction extensions, checked in this order for every signed transaction.
pub type TxExtension = (
	frame_system::AuthorizeCall<Runtime>,
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	frame_system::CheckNonce<Runtime>,
	frame_system::CheckWeight<Runtime>,
	pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
	frame_metadata_hash_extension::CheckMetadataHash<Runtime>,
	frame_system::WeightReclaim<Runtime>,
);
/// Unchecked extrinsic type as expected by this runtime.
pub type UncheckedExtrinsic =
	generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;
/// The payload being signed in transactions.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;
/// Storage migrations, applied on runtime upgrade in this order.
pub type Migrations = (
	pallet_compute::migrations::v1::MigrateToV1<Runtime>,
	pallet_compute::migrations::v2::MigrateToV2<Runtime, configs::TestnetRewardsAccount>,
	pallet_compute::migrations::v3::MigrateToV3<Runtime>,
);
/// Executive: handles dispatch to the various pallets.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	Migrations,
>;

/// Opaque types: what the node needs to know of the runtime without its types.
pub mod opaque {
	use super::*;
	pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

	/// Opaque block header type.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// Opaque block type.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;
	/// Opaque block identifier type.
	pub type BlockId = generic::BlockId<Block>;
}

impl_opaque_keys! {
	/// The session keys of a validator: BABE for block production, GRANDPA for finality, and
	/// `compute` (key type `aicm`) for its offchain worker's verdicts on solvers' results.
	pub struct SessionKeys {
		pub babe: Babe,
		pub grandpa: Grandpa,
		pub compute: Compute,
	}
}

/// Runtime version: bump `spec_version` with every runtime change that reaches a live chain.
#[sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("aichain"),
	impl_name: alloc::borrow::Cow::Borrowed("aichain"),
	authoring_version: 1,
	spec_version: 110,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 2,
	system_version: 1,
};

/// BABE's epoch configuration at genesis: a quarter of slots have a primary author, and
/// secondary VRF slots fill the rest so that every slot gets a block.
pub const BABE_GENESIS_EPOCH_CONFIG: sp_consensus_babe::BabeEpochConfiguration =
	sp_consensus_babe::BabeEpochConfiguration {
		c: PRIMARY_PROBABILITY,
		allowed_slots: sp_consensus_babe::AllowedSlots::PrimaryAndSecondaryVRFSlots,
	};

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	// Basics. BABE comes first so that its epoch change is seen by everything after it.
	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type Babe = pallet_babe;
	#[runtime::pallet_index(2)]
	pub type Timestamp = pallet_timestamp;

	// Money. Balances come before everything whose genesis moves or holds funds.
	#[runtime::pallet_index(10)]
	pub type Balances = pallet_balances;
	#[runtime::pallet_index(11)]
	pub type TransactionPayment = pallet_transaction_payment;
	#[runtime::pallet_index(12)]
	pub type Supply = pallet_supply;
	#[runtime::pallet_index(13)]
	pub type Treasury = pallet_treasury;
	#[runtime::pallet_index(14)]
	pub type Vesting = pallet_vesting;

	// Assets and the DEX, then the vault that buys AI on it (its genesis reads the pool).
	#[runtime::pallet_index(15)]
	pub type Assets = pallet_assets<Instance1>;
	#[runtime::pallet_index(16)]
	pub type PoolAssets = pallet_assets<Instance2>;
	#[runtime::pallet_index(17)]
	pub type AssetConversion = pallet_asset_conversion;
	#[runtime::pallet_index(18)]
	pub type Buyback = pallet_buyback;

	// Consensus and staking, in the order the reference node uses: staking elects the genesis
	// validators before session reads them.
	#[runtime::pallet_index(20)]
	pub type Authorship = pallet_authorship;
	#[runtime::pallet_index(21)]
	pub type Offences = pallet_offences;
	#[runtime::pallet_index(22)]
	pub type Historical = pallet_session::historical;
	#[runtime::pallet_index(23)]
	pub type Staking = pallet_staking;
	#[runtime::pallet_index(24)]
	pub type Session = pallet_session;
	#[runtime::pallet_index(25)]
	pub type Grandpa = pallet_grandpa;
	#[runtime::pallet_index(26)]
	pub type VoterList = pallet_bags_list<Instance1>;

	// The compute market.
	#[runtime::pallet_index(40)]
	pub type Compute = pallet_compute;
	#[runtime::pallet_index(41)]
	pub type Disputes = pallet_disputes;

	// Governance: OpenGov. The origins of the tracks come last so that every pallet above can
	// name them.
	#[runtime::pallet_index(50)]
	pub type Preimage = pallet_preimage;
	#[runtime::pallet_index(51)]
	pub type Scheduler = pallet_scheduler;
	#[runtime::pallet_index(52)]
	pub type Referenda = pallet_referenda;
	#[runtime::pallet_index(53)]
	pub type ConvictionVoting = pallet_conviction_voting;
	#[runtime::pallet_index(54)]
	pub type Origins = governance::origins;

	// Account tools.
	#[runtime::pallet_index(30)]
	pub type Utility = pallet_utility;
	#[runtime::pallet_index(31)]
	pub type Multisig = pallet_multisig;
	#[runtime::pallet_index(32)]
	pub type Proxy = pallet_proxy;

	// Dev and local chains only: the testnet preset has no sudo key.
	#[runtime::pallet_index(90)]
	pub type Sudo = pallet_sudo;
}
