//! A test runtime: System, Balances, the compute market and the referee, with deterministic
//! randomness, a validator set whose `compute` keys are their account ids, and the real engine.

use crate::{self as pallet_disputes, DisputeParams, ParamsOf};
use frame_support::{
	derive_impl, parameter_types,
	traits::{
		fungible::Balanced, ConstU32, ConstU64, Hooks, OnUnbalanced, Randomness, ValidatorSet,
	},
	PalletId,
};
use pallet_compute::{ClassMultipliers, CreditOf, MarketParams, PricingParams};
use sp_core::H256;
use sp_runtime::{
	testing::UintAuthorityId,
	traits::{Convert, Hash},
	BuildStorage, FixedU128, Perbill, Permill,
};
use std::cell::RefCell;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Compute: pallet_compute,
		Disputes: pallet_disputes,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<u64>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
}

/// The BuyBack Vault.
pub const VAULT: u64 = 900;
/// The staking reward pot.
pub const REWARD_POT: u64 = 901;
/// The Community Treasury (receives the market's slashes and the referee's share).
pub const TREASURY: u64 = 902;
/// Validators of the mock chain (verifiers are drawn from them).
pub const VALIDATORS: [u64; 4] = [100, 101, 102, 103];
/// Everyone's starting balance.
pub const INITIAL: u64 = 10_000_000;

thread_local! {
	static ACTIVE_VALIDATORS: RefCell<Vec<u64>> = RefCell::new(VALIDATORS.to_vec());
	static BLIND: RefCell<Vec<(u64, u64)>> = const { RefCell::new(Vec::new()) };
}

pub struct TestValidators;
pub struct Identity;
impl Convert<u64, Option<u64>> for Identity {
	fn convert(a: u64) -> Option<u64> {
		Some(a)
	}
}
impl ValidatorSet<u64> for TestValidators {
	type ValidatorId = u64;
	type ValidatorIdOf = Identity;
	fn session_index() -> u32 {
		0
	}
	fn validators() -> Vec<u64> {
		ACTIVE_VALIDATORS.with(|v| v.borrow().clone())
	}
}

/// Randomness revealed block by block (a hash of the block number).
pub struct TestRandomness;
impl Randomness<Option<H256>, u64> for TestRandomness {
	fn random(subject: &[u8]) -> (Option<H256>, u64) {
		let block = System::block_number();
		(Some(sp_runtime::traits::BlakeTwo256::hash_of(&(subject, block))), block)
	}
}

/// Resolve credit into account `A`.
pub struct ResolveTo<A>(core::marker::PhantomData<A>);
impl<A: frame_support::traits::Get<u64>> OnUnbalanced<CreditOf<Test>> for ResolveTo<A> {
	fn on_nonzero_unbalanced(credit: CreditOf<Test>) {
		let _ = Balances::resolve(&A::get(), credit);
	}
}

/// Records the blind attesters reported (as pallet-offences would be told).
pub struct RecordBlind;
impl crate::BlindAttesters<u64> for RecordBlind {
	fn report(verifier: &u64, task: u64, _slash: Perbill) {
		BLIND.with(|b| b.borrow_mut().push((*verifier, task)));
	}
}

/// The blind attesters reported so far, with their tasks.
pub fn blind_reported() -> Vec<(u64, u64)> {
	BLIND.with(|b| b.borrow().clone())
}

parameter_types! {
	pub const Vault: u64 = VAULT;
	pub const RewardPot: u64 = REWARD_POT;
	pub const Treasury: u64 = TREASURY;
	pub const MiningPotId: PalletId = PalletId(*b"ai/mine_");
	pub const EscrowId: PalletId = PalletId(*b"ai/escrw");
	pub MarketTestParams: pallet_compute::ParamsOf<Test> = market_params();
	pub DisputeTestParams: ParamsOf<Test> = DisputeParams {
		fraud_slash: Perbill::from_percent(50),
		prover_share: Perbill::from_percent(50),
		attester_exclusion: 100,
		attester_slash: Perbill::from_percent(1),
	};
}

/// Price 1 per work unit at the floor; a 40-block challenge window; two verifiers per result.
pub fn market_params() -> pallet_compute::ParamsOf<Test> {
	MarketParams {
		min_stake: 1_000,
		unbonding_period: 20,
		challenge_window: 40,
		verifiers_per_task: 2,
		solver_share: Perbill::from_percent(80),
		verifier_share: Perbill::from_percent(10),
		missed_deadline_slash: Perbill::from_percent(10),
		min_deadline: 5,
		max_deadline: 1_000,
		solver_grace: 2,
		retention: 20,
		initial_reputation: Permill::from_percent(50),
		reputation_gain: Permill::from_percent(1),
		reputation_loss: Permill::from_percent(20),
		acceptance_period: 3,
		no_answer_reputation_loss: Permill::from_percent(5),
		max_declines: 3,
		decline_compensation: Perbill::from_percent(2),
		wakeup_deposit: 10,
		stake_per_capacity: 1,
		mining_fee_cap: Perbill::from_percent(5),
		mining_emission: Perbill::from_percent(10),
		pricing: PricingParams {
			target_utilization: Perbill::from_percent(50),
			max_change: Perbill::from_rational(1u32, 8u32),
			floor: 1,
			ceiling: 1_000,
			horizon: 10,
			min_fee: 100,
			class_multipliers: ClassMultipliers {
				cpu: FixedU128::from_u32(1),
				gpu: FixedU128::from_u32(2),
				datacenter_gpu: FixedU128::from_u32(4),
			},
		},
		stake_cover: 2,
	}
}

/// `pallet_balances`' frozen amount of an account.
pub struct Frozen;
impl pallet_compute::FrozenBalance<u64, u64> for Frozen {
	fn frozen(who: &u64) -> u64 {
		System::account(who).data.frozen
	}
}

impl pallet_compute::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type FrozenBalance = Frozen;
	type Randomness = TestRandomness;
	type Validators = TestValidators;
	type ExcludedVerifiers = Disputes;
	type ProtocolRevenue = ResolveTo<Vault>;
	type UnearnedVerifierReward = ResolveTo<RewardPot>;
	type Slashed = ResolveTo<Treasury>;
	type GovernanceOrigin = frame_system::EnsureRoot<u64>;
	type PauseOrigin = frame_system::EnsureRoot<u64>;
	type DefaultParams = MarketTestParams;
	type MiningPotId = MiningPotId;
	type EscrowId = EscrowId;
	type MiningEraLength = ConstU64<10_000>;
	type HeartbeatPeriod = ConstU64<10_000>;
	type MaxSolvers = ConstU32<16>;
	type MaxTasksPerSolver = ConstU32<4>;
	type MaxQueuedTasks = ConstU32<8>;
	type MaxAssignmentsPerBlock = ConstU32<4>;
	type MaxWakeupsPerBlock = ConstU32<8>;
	type MaxVerifiers = ConstU32<4>;
	type MaxUrlLen = ConstU32<64>;
	type MaxExcludedSolvers = ConstU32<4>;
	type OffchainKey = UintAuthorityId;
	type OffchainKeys = TestKeys;
	type FraudProofs = Disputes;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = TestValidators;
}

parameter_types! {
	pub EscrowAccount: u64 = Compute::escrow_account();
	pub GameTestParams: crate::GameParamsOf<Test> = crate::GameParams {
		bond_min: 1_000,
		bond_share: Perbill::from_percent(5),
		clock: crate::MIN_CLOCK as u64,
	};
}

impl crate::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Escrow = EscrowAccount;
	type FrozenBalance = Frozen;
	type DefaultGameParams = GameTestParams;
	type MaxSettlesPerBlock = ConstU32<3>;
	type Market = Compute;
	type Treasury = ResolveTo<Treasury>;
	type BlindAttesters = RecordBlind;
	type GovernanceOrigin = frame_system::EnsureRoot<u64>;
	type DefaultParams = DisputeTestParams;
	type OffchainKey = UintAuthorityId;
	type OffchainKeys = TestKeys;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = TestValidators;
}

/// Key `n` is account `n`'s own key, and the `compute` key of validator `n`.
pub struct TestKeys;
impl pallet_compute::OffchainKeys<u64, UintAuthorityId> for TestKeys {
	fn account(key: &UintAuthorityId) -> u64 {
		key.0
	}
	fn validator(key: &UintAuthorityId) -> Option<u64> {
		TestValidators::validators().contains(&key.0).then_some(key.0)
	}
}

pub type Extrinsic = frame_system::mocking::MockUncheckedExtrinsic<Test>;

impl<LocalCall> frame_system::offchain::CreateTransactionBase<LocalCall> for Test
where
	RuntimeCall: From<LocalCall>,
{
	type Extrinsic = Extrinsic;
	type RuntimeCall = RuntimeCall;
}

impl<LocalCall> frame_system::offchain::CreateTransaction<LocalCall> for Test
where
	RuntimeCall: From<LocalCall>,
{
	type Extension = ();
	fn create_transaction(call: RuntimeCall, extension: ()) -> Extrinsic {
		Extrinsic::new_transaction(call, extension)
	}
}

impl<LocalCall> frame_system::offchain::CreateAuthorizedTransaction<LocalCall> for Test
where
	RuntimeCall: From<LocalCall>,
{
	fn create_extension() {}
}

#[cfg(feature = "runtime-benchmarks")]
impl pallet_compute::benchmarking::BenchmarkHelper<u64> for TestValidators {
	fn set_validators(validators: Vec<u64>) {
		ACTIVE_VALIDATORS.with(|v| *v.borrow_mut() = validators);
	}
	fn prepare_randomness() {}
}

#[cfg(feature = "runtime-benchmarks")]
impl crate::benchmarking::BenchmarkHelper<u64, UintAuthorityId> for TestValidators {
	fn disputable_task(
		program: aichain_engine::Program,
		root: H256,
		batches: u32,
		result: pallet_compute::TaskResult,
	) -> (u64, Vec<u64>) {
		let verifiers = VALIDATORS.to_vec();
		let task = pallet_compute::benchmarking::disputable_task::<Test>(
			program,
			root,
			batches,
			result,
			verifiers.clone(),
		);
		(task, verifiers)
	}
	fn verifier_key(who: &u64) -> UintAuthorityId {
		UintAuthorityId(*who)
	}
}

/// Accounts 1..=20 and the validators are funded; the escrow account has the existential
/// deposit.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut balances: Vec<(u64, u64)> = (1..=20).map(|a| (a, INITIAL)).collect();
	balances.extend(VALIDATORS.iter().map(|v| (*v, INITIAL)));
	balances.push((Compute::escrow_account(), 1));
	pallet_balances::GenesisConfig::<Test> { balances, ..Default::default() }
		.assimilate_storage(&mut t)
		.unwrap();
	let mut ext = sp_io::TestExternalities::new(t);
	ext.execute_with(|| {
		ACTIVE_VALIDATORS.with(|v| *v.borrow_mut() = VALIDATORS.to_vec());
		BLIND.with(|b| b.borrow_mut().clear());
		System::set_block_number(1);
	});
	ext
}

/// Check every invariant: the market's, the referee's, and that nothing was minted or burned.
pub fn check_invariants(issuance: u64) {
	Compute::do_try_state().expect("the market's invariants hold");
	Disputes::do_try_state().expect("the referee's invariants hold");
	assert_eq!(Balances::total_issuance(), issuance, "issuance changed");
}

/// Run `test`, then check every invariant.
pub fn build_and_execute(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		let issuance = Balances::total_issuance();
		test();
		check_invariants(issuance);
	});
}

/// Advance to block `n`, running the market's `on_initialize` for every block and checking the
/// invariants after each one.
pub fn run_to_block(n: u64) {
	let issuance = Balances::total_issuance();
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Compute::on_initialize(next);
		Disputes::on_initialize(next);
		check_invariants(issuance);
	}
}
