//! Assets, the on-chain DEX, and the BuyBack Vault that buys $AI on it.
//!
//! pallet-assets holds fungible assets (among them the accepted stable asset); a second instance
//! holds the DEX's liquidity tokens. pallet-asset-conversion is the DEX: constant-product pools of
//! AI and assets. The BuyBack Vault sells the protocol's stable revenue for AI in the AI/stable
//! pool under a TWAP guard, burns 70% of its AI, pays 29% to the Community Treasury and 1% to
//! whoever executed it.

use super::TreasuryAccount;
// `ord_parameter_types!` expands to `vec!`.
use alloc::vec;
use crate::{
	AccountId, Balance, Balances, Runtime, RuntimeEvent, Timestamp, AI, DAYS, EXISTENTIAL_DEPOSIT,
	MILLI_AI,
};
use frame_support::{
	instances::{Instance1, Instance2},
	ord_parameter_types, parameter_types,
	traits::{
		tokens::{
			fungible::{NativeFromLeft, NativeOrWithId, UnionOf},
			imbalance::ResolveAssetTo,
		},
		AsEnsureOriginWithArg, ConstU128, ConstU32,
	},
	PalletId,
};
use frame_system::{EnsureRoot, EnsureSigned, EnsureSignedBy};
use pallet_asset_conversion::{AccountIdConverter, Ascending, Chain, WithFirstAsset};
use pallet_buyback::BuybackParams;
use sp_runtime::{traits::AccountIdConversion, Perbill, Permill};

/// An asset id of pallet-assets.
pub type AssetId = u32;

/// The accepted stable asset of the BuyBack Vault. Ids below [`FIRST_PUBLIC_ASSET_ID`] are
/// created by governance (`assets.forceCreate`), so nobody can take this one.
pub const STABLE_ASSET_ID: AssetId = 1;
/// Assets anyone creates get ids from here on, in order.
pub const FIRST_PUBLIC_ASSET_ID: AssetId = 1_000;
/// One unit of the stable asset: it has 6 decimals, like the common USD stablecoins.
pub const USD: Balance = 1_000_000;

parameter_types! {
	/// Creating an asset reserves 100 AI from its creator.
	pub const AssetDeposit: Balance = 100 * AI;
	/// Metadata reserves 1 AI plus 0.01 AI per byte.
	pub const MetadataDepositBase: Balance = AI;
	pub const MetadataDepositPerByte: Balance = 10 * MILLI_AI;
}

/// Fungible assets: the accepted stable asset and whatever else users create.
impl pallet_assets::Config<Instance1> for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type Balance = Balance;
	type RemoveItemsLimit = ConstU32<1000>;
	type AssetId = AssetId;
	type AssetIdParameter = codec::Compact<AssetId>;
	type ReserveData = ();
	type Currency = Balances;
	type CreateOrigin = AsEnsureOriginWithArg<EnsureSigned<AccountId>>;
	type ForceOrigin = EnsureRoot<AccountId>;
	type AssetDeposit = AssetDeposit;
	type AssetAccountDeposit = ConstU128<EXISTENTIAL_DEPOSIT>;
	type MetadataDepositBase = MetadataDepositBase;
	type MetadataDepositPerByte = MetadataDepositPerByte;
	type ApprovalDeposit = ConstU128<EXISTENTIAL_DEPOSIT>;
	type StringLimit = ConstU32<50>;
	type Holder = ();
	type Freezer = ();
	type Extra = ();
	type WeightInfo = pallet_assets::weights::SubstrateWeight<Runtime>;
	type CallbackHandle = ();
	type AssetIdAllocator = pallet_assets::AutoIncAssetId<Runtime, Instance1>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = ();
}

/// The DEX's liquidity tokens: only the DEX creates them, without deposits.
impl pallet_assets::Config<Instance2> for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type Balance = Balance;
	type RemoveItemsLimit = ConstU32<1000>;
	type AssetId = AssetId;
	type AssetIdParameter = AssetId;
	type ReserveData = ();
	type Currency = Balances;
	type CreateOrigin = AsEnsureOriginWithArg<EnsureSignedBy<DexAccount, AccountId>>;
	type ForceOrigin = EnsureRoot<AccountId>;
	type AssetDeposit = ConstU128<0>;
	type AssetAccountDeposit = ConstU128<0>;
	type MetadataDepositBase = ConstU128<0>;
	type MetadataDepositPerByte = ConstU128<0>;
	type ApprovalDeposit = ConstU128<0>;
	type StringLimit = ConstU32<50>;
	type Holder = ();
	type Freezer = ();
	type Extra = ();
	type WeightInfo = pallet_assets::weights::SubstrateWeight<Runtime>;
	type CallbackHandle = ();
	type AssetIdAllocator = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = ();
}

parameter_types! {
	pub const DexPalletId: PalletId = PalletId(*b"py/ascon");
	pub const NativeAsset: NativeOrWithId<AssetId> = NativeOrWithId::Native;
	pub const StableAssetKind: NativeOrWithId<AssetId> = NativeOrWithId::WithId(STABLE_ASSET_ID);
	/// Liquidity providers keep 0.3% of every swap.
	pub const LpFee: Permill = Permill::from_parts(3_000);
	pub const MaxSwapFee: Permill = Permill::from_percent(10);
	/// Creating a pool costs 10 AI, paid to the treasury (it keeps spam pools away).
	pub const PoolSetupFee: Balance = 10 * AI;
}

ord_parameter_types! {
	pub const DexAccount: AccountId =
		AccountIdConversion::<AccountId>::into_account_truncating(&DexPalletId::get());
}

/// AI and the assets of pallet-assets, as one `fungibles` registry.
pub type NativeAndAssets =
	UnionOf<Balances, crate::Assets, NativeFromLeft, NativeOrWithId<AssetId>, AccountId>;
/// A pool's account: derived from the pair of its assets.
pub type PoolIdToAccountId =
	AccountIdConverter<DexPalletId, (NativeOrWithId<AssetId>, NativeOrWithId<AssetId>)>;

impl pallet_asset_conversion::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type Balance = Balance;
	type HigherPrecisionBalance = sp_core::U256;
	type AssetKind = NativeOrWithId<AssetId>;
	type Assets = NativeAndAssets;
	type PoolId = (Self::AssetKind, Self::AssetKind);
	/// Pools pair AI with an asset (AI first), or two assets in ascending order.
	type PoolLocator = Chain<
		WithFirstAsset<NativeAsset, AccountId, NativeOrWithId<AssetId>, PoolIdToAccountId>,
		Ascending<AccountId, NativeOrWithId<AssetId>, PoolIdToAccountId>,
	>;
	type PoolAssetId = AssetId;
	type PoolAssets = crate::PoolAssets;
	type PoolSetupFee = PoolSetupFee;
	type PoolSetupFeeAsset = NativeAsset;
	type PoolSetupFeeTarget = ResolveAssetTo<TreasuryAccount, Self::Assets>;
	type PalletId = DexPalletId;
	type LPFee = LpFee;
	type AdminOrigin = EnsureRoot<AccountId>;
	type MaxSwapFee = MaxSwapFee;
	type LiquidityWithdrawalFee = ();
	type MaxSwapPathLength = ConstU32<3>;
	type MintMinLiquidity = ConstU128<100>;
	type WeightInfo = pallet_asset_conversion::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = ();
}

parameter_types! {
	/// Protocol revenue lands here until the vault is executed.
	pub const BuybackVaultId: PalletId = PalletId(*b"ai/bybck");
	pub BuybackVaultAccount: AccountId = BuybackVaultId::get().into_account_truncating();
	pub const BurnShare: Perbill = Perbill::from_percent(70);
	pub const ExecutorShare: Perbill = Perbill::from_percent(1);
	/// The TWAP covers at least 30 minutes.
	pub const MinTwapWindow: u64 = 1_800;
	/// The recorded price follows the pool by at most 1% a block: a one-block spike of any size
	/// weighs like a 1% move for 6 s, a real 50% move is followed within 7 minutes.
	pub const MaxPriceStep: Perbill = Perbill::from_percent(1);
	/// A checkpoint every 5 minutes, 64 of them: TWAP windows up to 5 h 15 min.
	pub const CheckpointInterval: u64 = 300;
	pub BuybackDefaults: pallet_buyback::ParamsOf<Runtime> = BuybackParams {
		epoch_length: DAYS,
		twap_window: 1_800,
		max_slippage: Permill::from_parts(50_000),
		max_sale_per_epoch: 1_000_000 * USD,
	};
}

impl pallet_buyback::Config for Runtime {
	type Currency = Balances;
	type StableAssets = crate::Assets;
	type StableAsset = frame_support::traits::ConstU32<STABLE_ASSET_ID>;
	type Pool = pallet_buyback::AssetConversionPool<Runtime, StableAssetKind, NativeAsset>;
	type Time = Timestamp;
	/// Burns are recorded by the supply ledger: issuance + burned stays 10 billion AI.
	type Burn = pallet_supply::BurnAndRecord<Runtime>;
	type TreasuryAccount = TreasuryAccount;
	type PalletId = BuybackVaultId;
	type BurnShare = BurnShare;
	type ExecutorShare = ExecutorShare;
	type MinTwapWindow = MinTwapWindow;
	type MaxPriceStep = MaxPriceStep;
	type CheckpointInterval = CheckpointInterval;
	type MaxCheckpoints = ConstU32<64>;
	type DefaultParams = BuybackDefaults;
	type ParamsOrigin = crate::governance::RootOrProtocolParams;
	type PauseOrigin = crate::governance::RootOrEmergency;
	type WeightInfo = pallet_buyback::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BuybackBenchmarks;
}

/// Benchmarks of the vault use the stable asset and pool of the dev preset, or create them.
#[cfg(feature = "runtime-benchmarks")]
pub struct BuybackBenchmarks;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_buyback::benchmarking::BenchmarkHelper<AccountId, Balance> for BuybackBenchmarks {
	fn setup_pool(stable: Balance, ai: Balance) {
		use frame_support::traits::{fungible::Mutate as _, fungibles::Inspect as _};
		use frame_support::traits::fungibles::Mutate as _;
		if crate::AssetConversion::get_reserves(StableAssetKind::get(), NativeAsset::get()).is_ok() {
			return;
		}
		let provider: AccountId = frame_benchmarking::account("liquidity", 0, 0);
		if !crate::Assets::asset_exists(STABLE_ASSET_ID) {
			crate::Assets::force_create(
				crate::RuntimeOrigin::root(),
				STABLE_ASSET_ID.into(),
				provider.clone().into(),
				true,
				USD / 100,
			)
			.expect("the stable asset is created");
		}
		Balances::set_balance(&provider, ai.saturating_mul(2));
		crate::Assets::mint_into(STABLE_ASSET_ID, &provider, stable.saturating_mul(2))
			.expect("stable minted");
		crate::AssetConversion::create_pool(
			crate::RuntimeOrigin::signed(provider.clone()),
			alloc::boxed::Box::new(NativeAsset::get()),
			alloc::boxed::Box::new(StableAssetKind::get()),
		)
		.expect("the pool is created");
		crate::AssetConversion::add_liquidity(
			crate::RuntimeOrigin::signed(provider.clone()),
			alloc::boxed::Box::new(NativeAsset::get()),
			alloc::boxed::Box::new(StableAssetKind::get()),
			ai,
			stable,
			1,
			1,
			provider,
		)
		.expect("liquidity is added");
	}

	fn mint_stable(who: &AccountId, amount: Balance) {
		use frame_support::traits::fungibles::Mutate as _;
		crate::Assets::mint_into(STABLE_ASSET_ID, who, amount).expect("stable minted");
	}

	fn set_time(millis: u64) {
		pallet_timestamp::Now::<Runtime>::put(millis);
	}
}
