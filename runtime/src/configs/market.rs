//! The compute market: solvers, training tasks, pricing, verification and compute mining.
//!
//! Fees flow three ways when a task is finalized: 80% to the solver, 10% to the verifiers that
//! attested (the shares of those that did not go to the staking reward pot), 10% to the BuyBack
//! Vault. Slashed solver stake goes to the Community Treasury. Compute-mining rewards come from a
//! pot the treasury funds; nothing is minted.

use crate::{
	AccountId, Balance, Balances, BlockNumber, Runtime, RuntimeHoldReason, Session, AI, DAYS,
	EPOCH_DURATION_IN_BLOCKS, HOURS, MILLI_AI, SESSIONS_PER_ERA,
};
use frame_support::{parameter_types, traits::ConstU32, PalletId};
use pallet_compute::{ClassMultipliers, MarketParams, PricingParams};
use pallet_supply::{ResolveOrBurn, ToRewardPot};
use sp_runtime::{FixedU128, Perbill, Permill};

/// A billionth of an AI: the floor price of one work unit.
pub const NANO_AI: Balance = AI / 1_000_000_000;

parameter_types! {
	pub const MiningPotId: PalletId = PalletId(*b"ai/mine_");
	/// The market's escrow: stakes, fees and deposits are held on it, never on their owners.
	pub const ComputeEscrowId: PalletId = PalletId(*b"ai/escrw");
	/// One staking era: six ten-minute sessions.
	pub const MiningEraLength: BlockNumber = EPOCH_DURATION_IN_BLOCKS * SESSIONS_PER_ERA;
	/// A solver must send a heartbeat every five minutes to stay online.
	pub const HeartbeatPeriod: BlockNumber = 50;
	pub MarketDefaults: MarketParams<Balance, BlockNumber> = MarketParams {
		min_stake: 10_000 * AI,
		unbonding_period: 7 * DAYS,
		challenge_window: 100,
		verifiers_per_task: 2,
		solver_share: Perbill::from_percent(80),
		verifier_share: Perbill::from_percent(10),
		missed_deadline_slash: Perbill::from_percent(10),
		min_deadline: 20,
		max_deadline: 30 * DAYS,
		solver_grace: 10,
		retention: DAYS,
		initial_reputation: Permill::from_percent(50),
		reputation_gain: Permill::from_percent(1),
		reputation_loss: Permill::from_percent(20),
		// Ten blocks (60 s) to fetch the dataset (the solver service gives up after 20 s, the
		// offchain worker after 30 s), check its root and answer.
		acceptance_period: 10,
		no_answer_reputation_loss: Permill::from_percent(5),
		max_declines: 3,
		decline_compensation: Perbill::from_percent(2),
		// 0.03 AI held per task (three wake-ups) until its record is pruned.
		wakeup_deposit: 10 * MILLI_AI,
		// 10,000 AI (the minimum stake) back 10^12 work units per block.
		stake_per_capacity: 10 * NANO_AI,
		// Half the protocol share: paying oneself to farm rewards loses at least 5% of the fee.
		mining_fee_cap: Perbill::from_percent(5),
		// 0.01% of the pot per hourly era: a half-life of about 290 days.
		mining_emission: Perbill::from_parts(100_000),
		pricing: PricingParams {
			target_utilization: Perbill::from_percent(50),
			max_change: Perbill::from_rational(1u32, 8u32),
			floor: NANO_AI,
			ceiling: 1_000_000 * NANO_AI,
			horizon: HOURS,
			min_fee: 100 * MILLI_AI,
			class_multipliers: ClassMultipliers {
				cpu: FixedU128::from_u32(1),
				gpu: FixedU128::from_u32(2),
				datacenter_gpu: FixedU128::from_u32(4),
			},
		},
	};
}

/// The Testnet Rewards bucket: it pays the existential deposit of the market's escrow account
/// (at genesis, and in the migration that introduced the escrow).
pub struct TestnetRewardsAccount;
impl frame_support::traits::Get<AccountId> for TestnetRewardsAccount {
	fn get() -> AccountId {
		crate::genesis_config_presets::testnet_rewards_account()
	}
}

/// An account's locked or frozen balance (vesting, staking, votes), as `pallet_balances` keeps it.
pub struct FrozenBalance;
impl pallet_compute::FrozenBalance<AccountId, Balance> for FrozenBalance {
	fn frozen(who: &AccountId) -> Balance {
		frame_system::Account::<Runtime>::get(who).data.frozen
	}
}

impl pallet_compute::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type FrozenBalance = FrozenBalance;
	// The VRF output of the parent block: the pallet only draws for what was fixed before it
	// (see `pallet_compute::Config::Randomness`). The parachain fills this from the relay chain.
	type Randomness = pallet_babe::ParentBlockRandomness<Runtime>;
	type Validators = Session;
	type ProtocolRevenue = ResolveOrBurn<Runtime, super::BuybackVaultAccount>;
	type UnearnedVerifierReward = ToRewardPot<Runtime>;
	type Slashed = ResolveOrBurn<Runtime, super::TreasuryAccount>;
	type GovernanceOrigin = frame_system::EnsureRoot<AccountId>;
	type DefaultParams = MarketDefaults;
	type MiningPotId = MiningPotId;
	type EscrowId = ComputeEscrowId;
	type MiningEraLength = MiningEraLength;
	type HeartbeatPeriod = HeartbeatPeriod;
	type MaxSolvers = ConstU32<256>;
	type MaxTasksPerSolver = ConstU32<16>;
	type MaxQueuedTasks = ConstU32<512>;
	type MaxAssignmentsPerBlock = ConstU32<16>;
	type MaxWakeupsPerBlock = ConstU32<128>;
	type MaxVerifiers = ConstU32<8>;
	type MaxUrlLen = ConstU32<256>;
	type MaxExcludedSolvers = ConstU32<16>;
	type OffchainKey = pallet_compute::offchain::crypto::Public;
	type OffchainKeys = ComputeKeys;
	type WeightInfo = pallet_compute::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = SessionValidators;
}

/// Whom a `compute` (`aicm`) key acts for: as a solver, the account of the key itself; as a
/// verifier, the validator that registered it among its session keys.
pub struct ComputeKeys;
impl pallet_compute::OffchainKeys<AccountId, pallet_compute::offchain::crypto::Public> for ComputeKeys {
	fn account(key: &pallet_compute::offchain::crypto::Public) -> AccountId {
		AccountId::from(sp_core::sr25519::Public::from(key.clone()))
	}
	/// The owner of the key among the session keys (a validator only acts where it was drawn,
	/// which the pallet checks).
	fn validator(key: &pallet_compute::offchain::crypto::Public) -> Option<AccountId> {
		pallet_session::Pallet::<Runtime>::key_owner(pallet_compute::offchain::KEY_TYPE, key.as_ref())
	}
}

/// Benchmarks draw verifiers from a validator set they choose.
#[cfg(feature = "runtime-benchmarks")]
pub struct SessionValidators;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_compute::benchmarking::BenchmarkHelper<AccountId> for SessionValidators {
	fn set_validators(validators: alloc::vec::Vec<AccountId>) {
		pallet_session::Validators::<Runtime>::put(validators);
	}
	fn prepare_randomness() {
		pallet_babe::AuthorVrfRandomness::<Runtime>::put(Some([7u8; 32]));
	}
}
