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
		// A solver's stake covers twice the fees of its open tasks: a fraud proof slashes half
		// of it (`pallet_disputes`), at least everything its lies could earn.
		stake_cover: 2,
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
	type ExcludedVerifiers = crate::Disputes;
	type ProtocolRevenue = ResolveOrBurn<Runtime, super::BuybackVaultAccount>;
	type UnearnedVerifierReward = ToRewardPot<Runtime>;
	type Slashed = ResolveOrBurn<Runtime, super::TreasuryAccount>;
	type GovernanceOrigin = crate::governance::RootOrProtocolParams;
	type PauseOrigin = crate::governance::RootOrEmergency;
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
	type FraudProofs = crate::Disputes;
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

parameter_types! {
	/// A proven fraud slashes half the solver's stake: half of that to the prover, half to the
	/// Community Treasury. A verifier that attested a segment containing the proven step sits out
	/// verifier draws for a week and is reported as an offence that staking slashes 1% for.
	pub DisputeDefaults: pallet_disputes::ParamsOf<Runtime> = pallet_disputes::DisputeParams {
		fraud_slash: Perbill::from_percent(50),
		prover_share: Perbill::from_percent(50),
		attester_exclusion: 7 * DAYS,
		attester_slash: Perbill::from_percent(1),
	};
}

parameter_types! {
	/// A challenger's bond: at least 100 AI, or 5% of the task's fee when more; each party's
	/// chess clock 300 blocks (30 minutes). Dev and local presets set a shorter clock.
	pub GameDefaults: pallet_disputes::GameParamsOf<Runtime> = pallet_disputes::GameParams {
		bond_min: 100 * AI,
		bond_share: Perbill::from_percent(5),
		clock: 300,
	};
	/// Bonds are held on the market's escrow account (it keeps its existential deposit).
	pub DisputesEscrow: AccountId = crate::Compute::escrow_account();
}

impl pallet_disputes::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Escrow = DisputesEscrow;
	type FrozenBalance = FrozenBalance;
	type DefaultGameParams = GameDefaults;
	type MaxSettlesPerBlock = ConstU32<8>;
	type Market = crate::Compute;
	type Treasury = ResolveOrBurn<Runtime, super::TreasuryAccount>;
	type BlindAttesters = BlindAttestationOffences;
	type GovernanceOrigin = crate::governance::RootOrProtocolParams;
	type DefaultParams = DisputeDefaults;
	type OffchainKey = pallet_compute::offchain::crypto::Public;
	type OffchainKeys = ComputeKeys;
	type WeightInfo = pallet_disputes::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = SessionValidators;
}

/// A validator attested (`Valid`) a segment of a result that a fraud proof showed wrong inside
/// that segment: it vouched for work it did not check.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct BlindAttestation {
	/// The session the offence is reported in.
	pub session_index: sp_staking::SessionIndex,
	/// Validators in that session.
	pub validator_set_count: u32,
	/// The validator.
	pub offender: pallet_session::historical::IdentificationTuple<Runtime>,
	/// The task whose result it attested.
	pub task: pallet_compute::TaskId,
	/// The share of its stake to slash.
	pub slash: Perbill,
}

impl sp_staking::offence::Offence<pallet_session::historical::IdentificationTuple<Runtime>>
	for BlindAttestation
{
	const ID: sp_staking::offence::Kind = *b"aichain:blindatt";
	/// One offence per task: the same attestation is never reported twice.
	type Slot = pallet_compute::TaskId;

	fn offenders(&self) -> alloc::vec::Vec<pallet_session::historical::IdentificationTuple<Runtime>> {
		alloc::vec![self.offender.clone()]
	}
	fn session_index(&self) -> sp_staking::SessionIndex {
		self.session_index
	}
	fn validator_set_count(&self) -> u32 {
		self.validator_set_count
	}
	fn slot(&self) -> Self::Slot {
		self.task
	}
	fn slash_fraction(&self, _offenders_count: u32) -> Perbill {
		self.slash
	}
}

/// Hands blind attesters to pallet-offences, which staking slashes (deferred like any slash, so
/// governance can cancel a wrong one).
pub struct BlindAttestationOffences;
impl pallet_disputes::BlindAttesters<AccountId> for BlindAttestationOffences {
	fn report(verifier: &AccountId, task: pallet_compute::TaskId, slash: Perbill) {
		use sp_staking::offence::ReportOffence;
		let offence = BlindAttestation {
			session_index: Session::current_index(),
			validator_set_count: pallet_session::Validators::<Runtime>::decode_len().unwrap_or(0) as u32,
			offender: (verifier.clone(), ()),
			task,
			slash,
		};
		if let Err(e) = crate::Offences::report_offence(alloc::vec![], offence) {
			log::warn!(target: "runtime::disputes", "blind attestation of {verifier:?} on task {task} not reported: {e:?}");
		}
	}
}

#[cfg(feature = "runtime-benchmarks")]
impl pallet_disputes::benchmarking::BenchmarkHelper<AccountId, pallet_compute::offchain::crypto::Public>
	for SessionValidators
{
	fn disputable_task(
		program: pallet_compute::Program,
		root: sp_core::H256,
		batches: u32,
		result: pallet_compute::TaskResult,
	) -> (pallet_compute::TaskId, alloc::vec::Vec<AccountId>) {
		use frame_support::traits::Get;
		let verifiers: alloc::vec::Vec<AccountId> = (0..<Runtime as pallet_compute::Config>::MaxVerifiers::get())
			.map(|i| frame_benchmarking::account("verifier", i, 0))
			.collect();
		let task =
			pallet_compute::benchmarking::disputable_task::<Runtime>(program, root, batches, result, verifiers.clone());
		(task, verifiers)
	}
	fn verifier_key(who: &AccountId) -> pallet_compute::offchain::crypto::Public {
		use sp_runtime::RuntimeAppPublic;
		let key = pallet_compute::offchain::crypto::Public::generate_pair(None);
		pallet_session::KeyOwner::<Runtime>::insert(
			(pallet_compute::offchain::KEY_TYPE, AsRef::<[u8]>::as_ref(&key).to_vec()),
			who.clone(),
		);
		key
	}
}
