//! frame-system and timestamp.

// `derive_impl` fills in `RuntimeEvent`, `RuntimeOrigin`, `RuntimeTask` and `PalletInfo` by name.
use crate::{
	AccountId, Balance, Block, BlockNumber, Hash, Nonce, PalletInfo, Runtime, RuntimeCall,
	RuntimeEvent, RuntimeOrigin, RuntimeTask, SLOT_DURATION, SS58_PREFIX, VERSION,
};
use frame_support::{
	derive_impl,
	dispatch::DispatchClass,
	parameter_types,
	traits::{ConstU32, Contains},
	weights::{constants::WEIGHT_REF_TIME_PER_SECOND, Weight},
};
use frame_system::limits::{BlockLength, BlockWeights};
use sp_runtime::{Perbill, Saturating};

use crate::weights::{BlockExecutionWeight, ExtrinsicBaseWeight, ParityDbWeight};

/// Normal extrinsics may fill 75% of a block; the rest is kept for operational ones.
pub const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);
/// What `on_initialize` hooks take of a block on average; no single extrinsic may need the
/// block's whole class budget, or it could never be included.
pub const AVERAGE_ON_INITIALIZE_RATIO: Perbill = Perbill::from_percent(10);
/// Two seconds of execution per six-second slot: the author builds the block in them and every
/// other node imports it in them, with the rest of the slot for propagation. A solo chain's block
/// is bound by execution time alone, as the polkadot-sdk solochain template's is: nobody
/// validates a proof of it, so its proof size is unlimited.
pub const MAXIMUM_BLOCK_WEIGHT: Weight =
	Weight::from_parts(2u64.saturating_mul(WEIGHT_REF_TIME_PER_SECOND), u64::MAX);
/// The same pallets run as a parachain, whose block is bound by the relay chain's proof-of-
/// validity limit (`max_pov_size`, 10 MiB). No single extrinsic may need more proof than a
/// parachain block leaves it, so that every call that runs here also runs there.
pub const PARACHAIN_MAX_POV_SIZE: u64 = 10 * 1024 * 1024;
/// Blocks travel over the network within their slot: at most 5 MiB (the parachain's classic PoV
/// budget), 75% of it for normal extrinsics.
pub const MAXIMUM_BLOCK_LENGTH: u32 = 5 * 1024 * 1024;

/// The block's weight limits: two seconds, 75% for normal extrinsics, the measured base weights
/// of a block and an extrinsic (`crate::weights`); each extrinsic within the parachain's bound.
pub fn block_weights() -> BlockWeights {
	let mut weights = BlockWeights::builder()
		.base_block(BlockExecutionWeight::get())
		.for_class(DispatchClass::all(), |class| class.base_extrinsic = ExtrinsicBaseWeight::get())
		.for_class(DispatchClass::Normal, |class| {
			class.max_total = Some(NORMAL_DISPATCH_RATIO * MAXIMUM_BLOCK_WEIGHT);
		})
		.for_class(DispatchClass::Operational, |class| {
			class.max_total = Some(MAXIMUM_BLOCK_WEIGHT);
			// Operational extrinsics always find room: what normal ones may not use.
			class.reserved =
				Some(MAXIMUM_BLOCK_WEIGHT.saturating_sub(NORMAL_DISPATCH_RATIO * MAXIMUM_BLOCK_WEIGHT));
		})
		.avg_block_initialization(AVERAGE_ON_INITIALIZE_RATIO)
		.build_or_panic();
	for class in [DispatchClass::Normal, DispatchClass::Operational] {
		// What the parachain's builder leaves one extrinsic of this class: the class's share of
		// the PoV less the average initialization (base extrinsics weigh no proof).
		let share = match class {
			DispatchClass::Normal => NORMAL_DISPATCH_RATIO,
			_ => Perbill::one(),
		};
		let parachain_proof = (share.saturating_sub(AVERAGE_ON_INITIALIZE_RATIO)) * PARACHAIN_MAX_POV_SIZE;
		let limits = weights.per_class.get_mut(class);
		limits.max_extrinsic = limits
			.max_extrinsic
			.map(|max| max.set_proof_size(max.proof_size().min(parachain_proof)));
	}
	weights
}

parameter_types! {
	pub const BlockHashCount: BlockNumber = 2400;
	pub const Version: sp_version::RuntimeVersion = VERSION;
	pub RuntimeBlockWeights: BlockWeights = block_weights();
	pub RuntimeBlockLength: BlockLength = BlockLength::builder()
		.max_length(MAXIMUM_BLOCK_LENGTH)
		.modify_max_length_for_class(DispatchClass::Normal, |max| *max = NORMAL_DISPATCH_RATIO * *max)
		.build();
	pub const SS58Prefix: u16 = SS58_PREFIX;
}

/// Calls nobody may dispatch.
///
/// `Balances::burn` would destroy AI outside the supply ledger (`pallet_supply::Burned`) and
/// break `issuance + burned == 10 billion`; the protocol burns through the buyback vault instead.
pub struct BaseCallFilter;
impl Contains<RuntimeCall> for BaseCallFilter {
	fn contains(call: &RuntimeCall) -> bool {
		!matches!(call, RuntimeCall::Balances(pallet_balances::Call::burn { .. }))
	}
}

#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig)]
impl frame_system::Config for Runtime {
	type BaseCallFilter = BaseCallFilter;
	type Block = Block;
	type BlockWeights = RuntimeBlockWeights;
	type BlockLength = RuntimeBlockLength;
	type AccountId = AccountId;
	type Nonce = Nonce;
	type Hash = Hash;
	type BlockHashCount = BlockHashCount;
	/// ParityDB's, measured on the reference machine: the node runs no other database.
	type DbWeight = ParityDbWeight;
	type Version = Version;
	type AccountData = pallet_balances::AccountData<Balance>;
	type SS58Prefix = SS58Prefix;
	type MaxConsumers = ConstU32<16>;
	type SystemWeightInfo = crate::weights::frame_system::WeightInfo<Runtime>;
	type ExtensionsWeightInfo = crate::weights::frame_system_extensions::WeightInfo<Runtime>;
}

parameter_types! {
	/// BABE needs blocks no closer than a slot; timestamps must advance by at least half of it.
	pub const MinimumPeriod: u64 = SLOT_DURATION / 2;
}

impl pallet_timestamp::Config for Runtime {
	type Moment = u64;
	type OnTimestampSet = crate::Babe;
	type MinimumPeriod = MinimumPeriod;
	type WeightInfo = pallet_timestamp::weights::SubstrateWeight<Runtime>;
}

impl<LocalCall> frame_system::offchain::CreateTransactionBase<LocalCall> for Runtime
where
	RuntimeCall: From<LocalCall>,
{
	type Extrinsic = crate::UncheckedExtrinsic;
	type RuntimeCall = RuntimeCall;
}

/// Transactions built by offchain workers.
impl<LocalCall> frame_system::offchain::CreateTransaction<LocalCall> for Runtime
where
	RuntimeCall: From<LocalCall>,
{
	type Extension = crate::TxExtension;

	fn create_transaction(call: RuntimeCall, extension: crate::TxExtension) -> crate::UncheckedExtrinsic {
		crate::UncheckedExtrinsic::new_transaction(call, extension)
	}
}

/// Offchain workers' authorized calls (the compute market's reports) go out as general
/// transactions: `AuthorizeCall` admits them, nothing is signed by an account, no fee is paid.
impl<LocalCall> frame_system::offchain::CreateAuthorizedTransaction<LocalCall> for Runtime
where
	RuntimeCall: From<LocalCall>,
{
	fn create_extension() -> crate::TxExtension {
		(
			frame_system::AuthorizeCall::<Runtime>::new(),
			frame_system::CheckNonZeroSender::<Runtime>::new(),
			frame_system::CheckSpecVersion::<Runtime>::new(),
			frame_system::CheckTxVersion::<Runtime>::new(),
			frame_system::CheckGenesis::<Runtime>::new(),
			frame_system::CheckEra::<Runtime>::from(sp_runtime::generic::Era::Immortal),
			frame_system::CheckNonce::<Runtime>::from(0),
			frame_system::CheckWeight::<Runtime>::new(),
			pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(0),
			frame_metadata_hash_extension::CheckMetadataHash::<Runtime>::new(false),
			frame_system::WeightReclaim::<Runtime>::new(),
		)
	}
}

/// Unsigned equivocation reports (BABE, GRANDPA) are submitted as bare extrinsics.
impl<LocalCall> frame_system::offchain::CreateBare<LocalCall> for Runtime
where
	RuntimeCall: From<LocalCall>,
{
	fn create_bare(call: RuntimeCall) -> crate::UncheckedExtrinsic {
		crate::UncheckedExtrinsic::new_bare(call)
	}
}
