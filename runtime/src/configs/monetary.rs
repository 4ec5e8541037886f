//! $AI and where it flows: balances, fees, the supply ledger, treasury, vesting.

use crate::{
	AccountId, Balance, Balances, BlockNumber, Runtime, RuntimeEvent, RuntimeFreezeReason,
	RuntimeHoldReason, System, DAYS, EXISTENTIAL_DEPOSIT, MICRO_AI, TOTAL_SUPPLY,
};
use frame_support::{
	parameter_types,
	traits::{
		tokens::{PayFromAccount, UnityAssetBalanceConversion},
		ConstU32, WithdrawReasons,
	},
	weights::ConstantMultiplier,
	PalletId,
};
use frame_system::EnsureRootWithSuccess;
use pallet_supply::{ResolveOrBurn, ToRewardPot};
use pallet_transaction_payment::{FungibleAdapter, Multiplier, TargetedFeeAdjustment};
use sp_runtime::{
	traits::{ConvertInto, IdentityLookup},
	FixedPointNumber, Permill, Perquintill,
};

parameter_types! {
	pub const ExistentialDeposit: Balance = EXISTENTIAL_DEPOSIT;
}

impl pallet_balances::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeHoldReason = RuntimeHoldReason;
	type RuntimeFreezeReason = RuntimeFreezeReason;
	type WeightInfo = pallet_balances::weights::SubstrateWeight<Runtime>;
	type Balance = Balance;
	/// Dust of reaped accounts goes to the treasury: it is never silently destroyed.
	type DustRemoval = ResolveOrBurn<Runtime, TreasuryAccount>;
	type ExistentialDeposit = ExistentialDeposit;
	type AccountStore = System;
	type ReserveIdentifier = [u8; 8];
	type FreezeIdentifier = RuntimeFreezeReason;
	type MaxLocks = ConstU32<50>;
	type MaxReserves = ConstU32<50>;
	type MaxFreezes = ConstU32<8>;
	type DoneSlashHandler = ();
}

parameter_types! {
	/// 10 micro-AI per byte of transaction.
	pub const TransactionByteFee: Balance = 10 * MICRO_AI;
	/// A picosecond of execution costs 12,500,000 planck, so weight, not length, prices a
	/// transaction: a transfer (687 µs of weight, about 150 bytes) costs about 0.01 AI and a block's
	/// whole normal class (1.5 s) about 19 AI, before the fee multiplier.
	pub const WeightFee: Balance = 12_500_000;
	pub const OperationalFeeMultiplier: u8 = 5;
	/// Fees rise when blocks are more than a quarter full.
	pub const TargetBlockFullness: Perquintill = Perquintill::from_percent(25);
	pub AdjustmentVariable: Multiplier = Multiplier::saturating_from_rational(75, 1_000_000);
	pub MinimumMultiplier: Multiplier = Multiplier::saturating_from_rational(1, 10u128);
	pub MaximumMultiplier: Multiplier = Multiplier::saturating_from_integer(10);
}

impl pallet_transaction_payment::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	/// Fees and tips fund the staking reward pot: validators are paid from them, not by minting.
	type OnChargeTransaction = FungibleAdapter<Balances, ToRewardPot<Runtime>>;
	type OperationalFeeMultiplier = OperationalFeeMultiplier;
	type WeightToFee = ConstantMultiplier<Balance, WeightFee>;
	type LengthToFee = ConstantMultiplier<Balance, TransactionByteFee>;
	type FeeMultiplierUpdate = TargetedFeeAdjustment<
		Self,
		TargetBlockFullness,
		AdjustmentVariable,
		MinimumMultiplier,
		MaximumMultiplier,
	>;
	type WeightInfo = crate::weights::pallet_transaction_payment::WeightInfo<Runtime>;
}

parameter_types! {
	pub const SupplyCap: Balance = TOTAL_SUPPLY;
	pub const RewardPotId: PalletId = PalletId(*b"ai/rwpot");
	pub const PayoutReserveId: PalletId = PalletId(*b"ai/rwres");
}

impl pallet_supply::Config for Runtime {
	type Currency = Balances;
	type Cap = SupplyCap;
	type RewardPotId = RewardPotId;
	type PayoutReserveId = PayoutReserveId;
}

parameter_types! {
	pub const TreasuryPalletId: PalletId = PalletId(*b"py/trsry");
	pub TreasuryAccount: AccountId = pallet_treasury::Pallet::<Runtime>::account_id();
	pub const SpendPeriod: BlockNumber = DAYS;
	/// Unspent funds are kept, never burned: only the buyback burns.
	pub const TreasuryBurn: Permill = Permill::zero();
	pub const PayoutPeriod: BlockNumber = 30 * DAYS;
	pub const MaxTreasurySpend: Balance = Balance::MAX;
}

impl pallet_treasury::Config for Runtime {
	type Currency = Balances;
	/// Rejecting a proposal or voiding a spend: the treasurer track.
	type RejectOrigin = crate::governance::RootOrTreasurer;
	type RuntimeEvent = RuntimeEvent;
	type SpendPeriod = SpendPeriod;
	type Burn = TreasuryBurn;
	type PalletId = TreasuryPalletId;
	type BurnDestination = ();
	type WeightInfo = pallet_treasury::weights::SubstrateWeight<Runtime>;
	type SpendFunds = ();
	type MaxApprovals = ConstU32<100>;
	/// Spending: the spender tracks, each up to its maximum per enactment (root: any amount).
	type SpendOrigin = frame_support::traits::EitherOf<
		EnsureRootWithSuccess<AccountId, MaxTreasurySpend>,
		crate::governance::origins::Spender,
	>;
	type AssetKind = ();
	type Beneficiary = AccountId;
	type BeneficiaryLookup = IdentityLookup<AccountId>;
	type Paymaster = PayFromAccount<Balances, TreasuryAccount>;
	type BalanceConverter = UnityAssetBalanceConversion;
	type PayoutPeriod = PayoutPeriod;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = ();
	type BlockNumberProvider = System;
}

parameter_types! {
	pub const MinVestedTransfer: Balance = crate::AI;
	pub UnvestedFundsAllowedWithdrawReasons: WithdrawReasons =
		WithdrawReasons::except(WithdrawReasons::TRANSFER | WithdrawReasons::RESERVE);
}

impl pallet_vesting::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type BlockNumberToBalance = ConvertInto;
	type MinVestedTransfer = MinVestedTransfer;
	type WeightInfo = pallet_vesting::weights::SubstrateWeight<Runtime>;
	type UnvestedFundsAllowedWithdrawReasons = UnvestedFundsAllowedWithdrawReasons;
	type BlockNumberProvider = System;
	const MAX_VESTING_SCHEDULES: u32 = 28;
}
