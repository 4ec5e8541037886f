//! Test runtime: Balances ($AI, 18 decimals), pallet-assets (a 6-decimal stable asset and the LP
//! tokens), pallet-asset-conversion (the DEX), Timestamp, Supply (the burn ledger) and Buyback.
//! Blocks are 6 s apart; the genesis pool holds 10,000,000 AI and 1,000,000 USD (10 AI per USD).

use crate as pallet_buyback;
use frame_support::{
	derive_impl,
	instances::{Instance1, Instance2},
	ord_parameter_types, parameter_types,
	traits::{
		tokens::{
			fungible::{NativeFromLeft, NativeOrWithId, UnionOf},
			imbalance::ResolveAssetTo,
		},
		AsEnsureOriginWithArg, ConstU128, ConstU32, Hooks, Time,
	},
	PalletId,
};
use frame_system::{EnsureRoot, EnsureSigned, EnsureSignedBy};
use pallet_asset_conversion::{AccountIdConverter, Ascending, Chain, WithFirstAsset};
use sp_runtime::{
	traits::{AccountIdConversion, IdentityLookup},
	BuildStorage, Perbill, Permill,
};

type Block = frame_system::mocking::MockBlock<Test>;
/// Account ids are u128 so that pallet accounts (`modl` + 8-byte id) stay distinct.
pub type AccountId = u128;
pub type Balance = u128;

/// One AI.
pub const AI: Balance = 1_000_000_000_000_000_000;
/// One USD of the stable asset (6 decimals).
pub const USD: Balance = 1_000_000;
/// The stable asset's id.
pub const STABLE: u32 = 1;
pub const ED: Balance = AI / 100;
/// Milliseconds between blocks.
pub const BLOCK_MILLIS: u64 = 6_000;
/// The time of block 0 in the tests (the genesis state itself has time 0, like a real chain).
pub const START_MILLIS: u64 = 1_700_000_000_000;

/// Provides the genesis pool's liquidity.
pub const ALICE: AccountId = 1;
/// Trades in the pool: moves the price.
pub const BOB: AccountId = 2;
/// Executes the vault.
pub const CHARLIE: AccountId = 3;
/// Has no account.
pub const DAVE: AccountId = 4;
pub const TREASURY: AccountId = 100;
/// Stands for the emergency origin: may pause and resume the vault, nothing else.
pub const GUARDIAN: AccountId = 7;

pub const POOL_AI: Balance = 10_000_000 * AI;
pub const POOL_USD: Balance = 1_000_000 * USD;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeTask,
		RuntimeHoldReason,
		RuntimeFreezeReason
	)]
	pub struct Test;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;
	#[runtime::pallet_index(2)]
	pub type Balances = pallet_balances;
	#[runtime::pallet_index(3)]
	pub type Supply = pallet_supply;
	#[runtime::pallet_index(4)]
	pub type Assets = pallet_assets<Instance1>;
	#[runtime::pallet_index(5)]
	pub type PoolAssets = pallet_assets<Instance2>;
	#[runtime::pallet_index(6)]
	pub type AssetConversion = pallet_asset_conversion;
	#[runtime::pallet_index(7)]
	pub type Buyback = pallet_buyback;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountId = AccountId;
	type Lookup = IdentityLookup<AccountId>;
	type AccountData = pallet_balances::AccountData<Balance>;
}

impl pallet_timestamp::Config for Test {
	type Moment = u64;
	type OnTimestampSet = ();
	type MinimumPeriod = frame_support::traits::ConstU64<1>;
	type WeightInfo = ();
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = Balance;
	type ExistentialDeposit = ConstU128<ED>;
	type AccountStore = System;
}

parameter_types! {
	pub static Cap: Balance = 0;
	pub const RewardPotId: PalletId = PalletId(*b"ai/rwpot");
	pub const PayoutReserveId: PalletId = PalletId(*b"ai/rwres");
}

impl pallet_supply::Config for Test {
	type Currency = Balances;
	type Cap = Cap;
	type RewardPotId = RewardPotId;
	type PayoutReserveId = PayoutReserveId;
}

#[derive_impl(pallet_assets::config_preludes::TestDefaultConfig)]
impl pallet_assets::Config<Instance1> for Test {
	type Balance = Balance;
	type Currency = Balances;
	type CreateOrigin = AsEnsureOriginWithArg<EnsureSigned<AccountId>>;
	type ForceOrigin = EnsureRoot<AccountId>;
	type AssetDeposit = ConstU128<AI>;
	type AssetAccountDeposit = ConstU128<ED>;
	type MetadataDepositBase = ConstU128<ED>;
	type MetadataDepositPerByte = ConstU128<ED>;
	type ApprovalDeposit = ConstU128<ED>;
}

/// The DEX's liquidity tokens: only the DEX creates them, without deposits.
#[derive_impl(pallet_assets::config_preludes::TestDefaultConfig)]
impl pallet_assets::Config<Instance2> for Test {
	type Balance = Balance;
	type Currency = Balances;
	type CreateOrigin =
		AsEnsureOriginWithArg<EnsureSignedBy<AssetConversionOrigin, AccountId>>;
	type ForceOrigin = EnsureRoot<AccountId>;
	type AssetDeposit = ConstU128<0>;
	type AssetAccountDeposit = ConstU128<0>;
	type MetadataDepositBase = ConstU128<0>;
	type MetadataDepositPerByte = ConstU128<0>;
	type ApprovalDeposit = ConstU128<0>;
}

parameter_types! {
	pub const AssetConversionPalletId: PalletId = PalletId(*b"py/ascon");
	pub const Native: NativeOrWithId<u32> = NativeOrWithId::Native;
	pub const Stable: NativeOrWithId<u32> = NativeOrWithId::WithId(STABLE);
	pub LpFee: Permill = Permill::from_rational(3u32, 1_000u32);
	pub MaxSwapFee: Permill = Permill::from_percent(10);
	pub LiquidityWithdrawalFee: Permill = Permill::zero();
}

ord_parameter_types! {
	pub const Guardian: AccountId = GUARDIAN;
	pub const AssetConversionOrigin: AccountId =
		AccountIdConversion::<AccountId>::into_account_truncating(&AssetConversionPalletId::get());
}

pub type NativeAndAssets =
	UnionOf<Balances, Assets, NativeFromLeft, NativeOrWithId<u32>, AccountId>;
type PoolIdToAccountId =
	AccountIdConverter<AssetConversionPalletId, (NativeOrWithId<u32>, NativeOrWithId<u32>)>;

impl pallet_asset_conversion::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type Balance = Balance;
	type HigherPrecisionBalance = sp_core::U256;
	type AssetKind = NativeOrWithId<u32>;
	type Assets = NativeAndAssets;
	type PoolId = (Self::AssetKind, Self::AssetKind);
	type PoolLocator = Chain<
		WithFirstAsset<Native, AccountId, NativeOrWithId<u32>, PoolIdToAccountId>,
		Ascending<AccountId, NativeOrWithId<u32>, PoolIdToAccountId>,
	>;
	type PoolAssetId = u32;
	type PoolAssets = PoolAssets;
	type PoolSetupFee = ConstU128<AI>;
	type PoolSetupFeeAsset = Native;
	type PoolSetupFeeTarget = ResolveAssetTo<TreasuryAccount, Self::Assets>;
	type PalletId = AssetConversionPalletId;
	type WeightInfo = ();
	type LPFee = LpFee;
	type AdminOrigin = EnsureRoot<AccountId>;
	type MaxSwapFee = MaxSwapFee;
	type LiquidityWithdrawalFee = LiquidityWithdrawalFee;
	type MaxSwapPathLength = ConstU32<3>;
	type MintMinLiquidity = ConstU128<100>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = ();
}

parameter_types! {
	pub const TreasuryAccount: AccountId = TREASURY;
	pub const BuybackPalletId: PalletId = PalletId(*b"ai/bybck");
	pub const BurnShare: Perbill = Perbill::from_percent(70);
	pub const ExecutorShare: Perbill = Perbill::from_percent(1);
	pub const MinTwapWindow: u64 = 1_800;
	pub const MaxPriceStep: Perbill = Perbill::from_percent(1);
	pub const CheckpointInterval: u64 = 300;
	pub DefaultParams: crate::ParamsOf<Test> = crate::BuybackParams {
		epoch_length: 100,
		twap_window: 1_800,
		max_slippage: Permill::from_percent(5),
		max_sale_per_epoch: 100_000 * USD,
	};
}

impl pallet_buyback::Config for Test {
	type Currency = Balances;
	type StableAssets = Assets;
	type StableAsset = frame_support::traits::ConstU32<STABLE>;
	type Pool = crate::AssetConversionPool<Test, Stable, Native>;
	type Time = Timestamp;
	type Burn = pallet_supply::BurnAndRecord<Test>;
	type TreasuryAccount = TreasuryAccount;
	type PalletId = BuybackPalletId;
	type BurnShare = BurnShare;
	type ExecutorShare = ExecutorShare;
	type MinTwapWindow = MinTwapWindow;
	type MaxPriceStep = MaxPriceStep;
	type CheckpointInterval = CheckpointInterval;
	type MaxCheckpoints = ConstU32<16>;
	type DefaultParams = DefaultParams;
	type ParamsOrigin = EnsureRoot<AccountId>;
	type PauseOrigin = EnsureSignedBy<Guardian, AccountId>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MockHelper;
}

/// The vault's account.
pub fn vault() -> AccountId {
	Buyback::vault_account()
}

/// Builds the test state.
pub struct ExtBuilder {
	genesis_pool: bool,
}

impl Default for ExtBuilder {
	fn default() -> Self {
		Self { genesis_pool: true }
	}
}

impl ExtBuilder {
	/// No pool at genesis (it can be created in the test with [`create_pool`]).
	pub fn without_pool(mut self) -> Self {
		self.genesis_pool = false;
		self
	}

	pub fn build(self) -> sp_io::TestExternalities {
		let balances = vec![
			(ALICE, 100_000_000 * AI),
			(BOB, 10_000_000 * AI),
			(CHARLIE, 100 * AI),
			(TREASURY, 1_000_000 * AI),
			(vault(), ED),
		];
		Cap::set(balances.iter().map(|(_, b)| b).sum());
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		pallet_balances::GenesisConfig::<Test> { balances, ..Default::default() }
			.assimilate_storage(&mut storage)
			.unwrap();
		pallet_assets::GenesisConfig::<Test, Instance1> {
			assets: vec![(STABLE, ALICE, true, USD / 100)],
			metadata: vec![(STABLE, b"Dev USD".to_vec(), b"dUSD".to_vec(), 6)],
			accounts: vec![(STABLE, ALICE, 10_000_000 * USD), (STABLE, BOB, 10_000_000 * USD)],
			..Default::default()
		}
		.assimilate_storage(&mut storage)
		.unwrap();
		let pools = if self.genesis_pool {
			vec![(Native::get(), Stable::get(), ALICE, POOL_AI, POOL_USD)]
		} else {
			vec![]
		};
		pallet_asset_conversion::GenesisConfig::<Test> { pools }
			.assimilate_storage(&mut storage)
			.unwrap();
		pallet_buyback::GenesisConfig::<Test>::default()
			.assimilate_storage(&mut storage)
			.unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| run_to_block(1));
		ext
	}

	/// Run `test`, then check the pallet's and the supply's invariants.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			test();
			Buyback::do_try_state().expect("buyback invariants hold after the test");
			Supply::do_try_state().expect("issuance + burned == cap after the test");
		})
	}
}

/// Advance to block `n`: each block starts with the buyback's hook (which sees the previous
/// block's time and pool), then the block's timestamp is set, as in a real block.
pub fn run_to_block(n: u64) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Buyback::on_initialize(next);
		Timestamp::set_timestamp(START_MILLIS + next * BLOCK_MILLIS);
		Buyback::do_try_state().expect("buyback invariants hold after every block");
	}
}

/// Advance by `blocks` blocks.
pub fn run_blocks(blocks: u64) {
	run_to_block(System::block_number() + blocks);
}

/// Current Unix time of the chain, seconds.
pub fn now_secs() -> u64 {
	Timestamp::now() / 1000
}

/// Swap exactly `amount` of `from` for `to` in the pool, by `who`. Returns the amount received.
pub fn swap(who: AccountId, from: NativeOrWithId<u32>, to: NativeOrWithId<u32>, amount: Balance) -> Balance {
	use pallet_asset_conversion::Swap;
	<AssetConversion as Swap<AccountId>>::swap_exact_tokens_for_tokens(
		who,
		vec![from, to],
		amount,
		None,
		who,
		true,
	)
	.expect("the swap succeeds")
}

/// Create the AI/stable pool and give it the genesis pool's liquidity (from Alice).
pub fn create_pool() {
	AssetConversion::create_pool(
		RuntimeOrigin::signed(ALICE),
		Box::new(Native::get()),
		Box::new(Stable::get()),
	)
	.unwrap();
	AssetConversion::add_liquidity(
		RuntimeOrigin::signed(ALICE),
		Box::new(Native::get()),
		Box::new(Stable::get()),
		POOL_AI,
		POOL_USD,
		1,
		1,
		ALICE,
	)
	.unwrap();
}

/// The pool's reserves `(stable, ai)`.
pub fn reserves() -> (Balance, Balance) {
	AssetConversion::get_reserves(Stable::get(), Native::get()).unwrap()
}

/// The stable balance of `who`.
pub fn usd(who: AccountId) -> Balance {
	Assets::balance(STABLE, who)
}

/// Pay `amount` of stable revenue into the vault (from Bob).
pub fn pay_usd_revenue(amount: Balance) {
	Assets::transfer(RuntimeOrigin::signed(BOB), STABLE, vault(), amount).unwrap();
}

/// Pay `amount` of AI revenue into the vault (from Bob).
pub fn pay_ai_revenue(amount: Balance) {
	Balances::transfer_allow_death(RuntimeOrigin::signed(BOB), vault(), amount).unwrap();
}

/// The buyback's events so far.
pub fn buyback_events() -> Vec<crate::Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Buyback(e) => Some(e),
			_ => None,
		})
		.collect()
}

/// Sets up pools, funds and time for the benchmarks, as the runtime's helper does.
#[cfg(feature = "runtime-benchmarks")]
pub struct MockHelper;
#[cfg(feature = "runtime-benchmarks")]
impl crate::benchmarking::BenchmarkHelper<AccountId, Balance> for MockHelper {
	fn setup_pool(_stable: Balance, _ai: Balance) {
		if AssetConversion::get_reserves(Stable::get(), Native::get()).is_err() {
			create_pool();
		}
	}
	fn mint_stable(who: &AccountId, amount: Balance) {
		use frame_support::traits::fungibles::Mutate;
		Assets::mint_into(STABLE, who, amount).unwrap();
	}
	fn set_time(millis: u64) {
		Timestamp::set_timestamp(millis);
	}
}

/// Test externalities for the benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub fn new_bench_ext() -> sp_io::TestExternalities {
	ExtBuilder::default().build()
}
