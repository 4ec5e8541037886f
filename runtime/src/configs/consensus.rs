//! Block production (BABE), finality (GRANDPA), sessions, offences and NPoS staking.
//!
//! Staking is paid without inflation: `EraPayout` hands stakers exactly what the reward pot
//! collected (transaction fees, later the verifier share nobody earned), and `Reward` settles the
//! minted payouts against the payout reserve (see `pallet_supply`).

use super::TreasuryAccount;
use crate::{
	bag_thresholds, AccountId, Babe, Balance, Balances, Historical, Offences, Runtime,
	RuntimeEvent, RuntimeHoldReason, Session, SessionKeys, Staking, Timestamp, VoterList, AI,
	EPOCH_DURATION_IN_SLOTS, MILLI_SECS_PER_BLOCK, SESSIONS_PER_ERA,
};
use frame_election_provider_support::{
	bounds::{CountBound, ElectionBounds, ElectionBoundsBuilder},
	onchain, SequentialPhragmen,
};
use frame_support::{
	parameter_types,
	traits::{ConstU32, Nothing},
};
use pallet_session::disabling::UpToLimitWithReEnablingDisablingStrategy;
use pallet_supply::{EraRewardPot, RepayFromReserve, ResolveOrBurn};
use sp_runtime::{traits::OpaqueKeys, Perbill};

/// At most this many validators (and so BABE and GRANDPA authorities).
pub const MAX_AUTHORITIES: u32 = 100;
/// At most this many nominators back one validator in one exposure page.
pub const MAX_EXPOSURE_PAGE_SIZE: u32 = 256;

parameter_types! {
	pub const EpochDuration: u64 = EPOCH_DURATION_IN_SLOTS;
	pub const ExpectedBlockTime: u64 = MILLI_SECS_PER_BLOCK;
	/// Equivocation reports stay valid for as long as the offender's stake is slashable.
	pub const ReportLongevity: u64 =
		BondingDuration::get() as u64 * SessionsPerEra::get() as u64 * EpochDuration::get();
	pub const MaxAuthorities: u32 = MAX_AUTHORITIES;
	pub const MaxNominators: u32 = MAX_EXPOSURE_PAGE_SIZE;
}

impl pallet_babe::Config for Runtime {
	type EpochDuration = EpochDuration;
	type ExpectedBlockTime = ExpectedBlockTime;
	type EpochChangeTrigger = pallet_babe::ExternalTrigger;
	type DisabledValidators = Session;
	type WeightInfo = crate::weights::pallet_babe::WeightInfo;
	type MaxAuthorities = MaxAuthorities;
	type MaxNominators = MaxNominators;
	type KeyOwnerProof = sp_session::MembershipProof;
	type EquivocationReportSystem =
		pallet_babe::EquivocationReportSystem<Self, Offences, Historical, ReportLongevity>;
}

parameter_types! {
	pub const MaxSetIdSessionEntries: u64 =
		BondingDuration::get() as u64 * SessionsPerEra::get() as u64;
}

impl pallet_grandpa::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = crate::weights::pallet_grandpa::WeightInfo;
	type MaxAuthorities = MaxAuthorities;
	type MaxNominators = MaxNominators;
	type MaxSetIdSessionEntries = MaxSetIdSessionEntries;
	type KeyOwnerProof = sp_session::MembershipProof;
	type EquivocationReportSystem =
		pallet_grandpa::EquivocationReportSystem<Self, Offences, Historical, ReportLongevity>;
}

impl pallet_authorship::Config for Runtime {
	type FindAuthor = pallet_session::FindAccountFromAuthorIndex<Self, Babe>;
	type EventHandler = Staking;
}

impl pallet_offences::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type IdentificationTuple = pallet_session::historical::IdentificationTuple<Self>;
	type OnOffenceHandler = Staking;
}

parameter_types! {
	/// Setting session keys holds 1 AI, returned when the keys are purged.
	pub const SessionKeyDeposit: Balance = AI;
}

impl pallet_session::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type ValidatorId = AccountId;
	type ValidatorIdOf = sp_runtime::traits::ConvertInto;
	type ShouldEndSession = Babe;
	type NextSessionRotation = Babe;
	type SessionManager = pallet_session::historical::NoteHistoricalRoot<Self, Staking>;
	type SessionHandler = <SessionKeys as OpaqueKeys>::KeyTypeIdProviders;
	type Keys = SessionKeys;
	/// A misbehaving validator is disabled, but never more than a third of the set at once.
	type DisablingStrategy = UpToLimitWithReEnablingDisablingStrategy<3>;
	type WeightInfo = pallet_session::weights::SubstrateWeight<Runtime>;
	type Currency = Balances;
	type KeyDeposit = SessionKeyDeposit;
}

impl pallet_session::historical::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type FullIdentification = ();
	type FullIdentificationOf = pallet_staking::UnitIdentificationOf<Self>;
}

parameter_types! {
	pub const SessionsPerEra: sp_staking::SessionIndex = SESSIONS_PER_ERA;
	/// Bonded funds stay slashable for a day (24 one-hour eras) after unbonding.
	pub const BondingDuration: sp_staking::EraIndex = 24;
	/// Slashes wait six eras before they apply, so governance can cancel a wrong one.
	pub const SlashDeferDuration: sp_staking::EraIndex = 6;
	pub const HistoryDepth: u32 = 84;
	pub const MaxExposurePageSize: u32 = MAX_EXPOSURE_PAGE_SIZE;
	pub const MaxValidatorSet: u32 = MAX_AUTHORITIES;
	/// Elections read at most this many voters and validators candidates.
	pub ElectionBoundsOnChain: ElectionBounds = ElectionBoundsBuilder::default()
		.voters_count(CountBound(5_000))
		.targets_count(CountBound(1_000))
		.build();
}

/// The on-chain NPoS election: sequential Phragmén over the bags-list voters.
pub struct OnChainSeqPhragmen;
impl onchain::Config for OnChainSeqPhragmen {
	type Sort = frame_support::traits::ConstBool<true>;
	type System = Runtime;
	type Solver = SequentialPhragmen<AccountId, Perbill>;
	type DataProvider = Staking;
	type WeightInfo = frame_election_provider_support::weights::SubstrateWeight<Runtime>;
	type Bounds = ElectionBoundsOnChain;
	type MaxBackersPerWinner = ConstU32<MAX_EXPOSURE_PAGE_SIZE>;
	type MaxWinnersPerPage = MaxValidatorSet;
}

/// Sizes of the staking benchmarks' worst cases.
pub struct StakingBenchmarkingConfig;
impl pallet_staking::BenchmarkingConfig for StakingBenchmarkingConfig {
	type MaxNominators = ConstU32<1_000>;
	type MaxValidators = ConstU32<MAX_AUTHORITIES>;
}

impl pallet_staking::Config for Runtime {
	type OldCurrency = Balances;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type CurrencyBalance = Balance;
	type UnixTime = Timestamp;
	type CurrencyToVote = sp_staking::currency_to_vote::U128CurrencyToVote;
	type ElectionProvider = onchain::OnChainExecution<OnChainSeqPhragmen>;
	type GenesisElectionProvider = onchain::OnChainExecution<OnChainSeqPhragmen>;
	type NominationsQuota = pallet_staking::FixedNominationsQuota<16>;
	type HistoryDepth = HistoryDepth;
	/// `EraRewardPot` never asks for a remainder; if anything arrives it goes to the treasury.
	type RewardRemainder = ResolveOrBurn<Runtime, TreasuryAccount>;
	type RuntimeEvent = RuntimeEvent;
	/// Slashed stake goes to the treasury.
	type Slash = ResolveOrBurn<Runtime, TreasuryAccount>;
	/// Rewards are minted by staking and repaid at once from the payout reserve.
	type Reward = RepayFromReserve<Runtime>;
	type SessionsPerEra = SessionsPerEra;
	type BondingDuration = BondingDuration;
	type SlashDeferDuration = SlashDeferDuration;
	/// Root's: it gates `manual_slash`, `set_min_commission`, `restore_ledger` and
	/// `deprecate_controller_batch` besides `cancel_deferred_slash`, which the emergency track
	/// reaches alone through `origins.cancel_deferred_slash`.
	type AdminOrigin = frame_system::EnsureRoot<AccountId>;
	type SessionInterface = Self;
	/// Each era pays what the reward pot collected: no inflation.
	type EraPayout = EraRewardPot<Runtime>;
	type NextNewSession = Session;
	type MaxExposurePageSize = MaxExposurePageSize;
	type MaxValidatorSet = MaxValidatorSet;
	type VoterList = VoterList;
	type TargetList = pallet_staking::UseValidatorsMap<Self>;
	type MaxUnlockingChunks = ConstU32<32>;
	type MaxControllersInDeprecationBatch = ConstU32<5_900>;
	type EventListeners = ();
	type Filter = Nothing;
	type BenchmarkingConfig = StakingBenchmarkingConfig;
	type WeightInfo = pallet_staking::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	pub const BagThresholds: &'static [u64] = &bag_thresholds::THRESHOLDS;
}

type VoterBagsListInstance = pallet_bags_list::Instance1;
impl pallet_bags_list::Config<VoterBagsListInstance> for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type ScoreProvider = Staking;
	type WeightInfo = pallet_bags_list::weights::SubstrateWeight<Runtime>;
	type BagThresholds = BagThresholds;
	type MaxAutoRebagPerBlock = ConstU32<0>;
	type Score = sp_npos_elections::VoteWeight;
}
