//! A test runtime: System, Balances and the compute market, with deterministic randomness and
//! a validator set the tests can change.

use crate::{self as pallet_compute, types::*, CreditOf, ParamsOf};
use frame_support::{
	derive_impl, parameter_types,
	traits::{fungible::Balanced, ConstU32, ConstU64, Hooks, OnUnbalanced, Randomness, ValidatorSet},
	PalletId,
};
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
/// The treasury (receives slashes).
pub const TREASURY: u64 = 902;
/// Validators of the mock chain (verifiers are drawn from them).
pub const VALIDATORS: [u64; 3] = [100, 101, 102];
/// Everyone's starting balance.
pub const INITIAL: u64 = 1_000_000;
/// The mining pot's starting balance.
pub const MINING_POT_FUNDS: u64 = 100_000;
/// The existential deposit (pallet-balances' test default), which the escrow account holds.
pub const ESCROW_ED: u64 = 1;

thread_local! {
	static FRAUD_PROOFS: RefCell<Vec<(UintAuthorityId, u64, crate::StepEvidence)>> = const { RefCell::new(Vec::new()) };
	static WITHHELD: RefCell<Vec<(UintAuthorityId, u64)>> = const { RefCell::new(Vec::new()) };
	static ACTIVE_VALIDATORS: RefCell<Vec<u64>> = RefCell::new(VALIDATORS.to_vec());
	static VRF_SEEDS: RefCell<Vec<(u64, u64)>> = const { RefCell::new(Vec::new()) };
	static RANDOMNESS_LAG: RefCell<u64> = const { RefCell::new(0) };
}

/// Change what the VRF outputs of the blocks after this one will be (as if other authors
/// produced them); the outputs of this block and earlier ones stay what they were.
pub fn set_vrf_seed(seed: u64) {
	let from = System::block_number() + 1;
	VRF_SEEDS.with(|s| s.borrow_mut().push((from, seed)));
}

/// The "VRF output" of `block`.
fn vrf_of(block: u64) -> H256 {
	let seed = VRF_SEEDS.with(|s| {
		s.borrow().iter().rev().find(|(from, _)| *from <= block).map_or(0, |(_, seed)| *seed)
	});
	sp_runtime::traits::BlakeTwo256::hash_of(&(seed, block))
}

/// Replace the active validator set.
pub fn set_validators(validators: Vec<u64>) {
	ACTIVE_VALIDATORS.with(|v| *v.borrow_mut() = validators);
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

/// Randomness revealed block by block: a hash of the block's number and the current
/// [`set_vrf_seed`], which nobody knows before that block exists. It comes from the current
/// block, or with [`set_randomness_lag`] from an earlier one (BABE's `ParentBlockRandomness`
/// is one block behind).
pub struct TestRandomness;
impl Randomness<Option<H256>, u64> for TestRandomness {
	fn random(subject: &[u8]) -> (Option<H256>, u64) {
		let lag = RANDOMNESS_LAG.with(|l| *l.borrow());
		let Some(block) = System::block_number().checked_sub(lag) else { return (None, 0) };
		(Some(sp_runtime::traits::BlakeTwo256::hash_of(&(subject, vrf_of(block)))), block)
	}
}

/// Make the randomness come from `lag` blocks back.
pub fn set_randomness_lag(lag: u64) {
	RANDOMNESS_LAG.with(|l| *l.borrow_mut() = lag);
}

/// Resolve credit into account `A`.
pub struct ResolveTo<A>(core::marker::PhantomData<A>);
impl<A: frame_support::traits::Get<u64>> OnUnbalanced<CreditOf<Test>> for ResolveTo<A> {
	fn on_nonzero_unbalanced(credit: CreditOf<Test>) {
		let _ = Balances::resolve(&A::get(), credit);
	}
}

frame_support::ord_parameter_types! {
	/// Stands for the emergency origin: may pause and resume the market, nothing else.
	pub const Guardian: u64 = GUARDIAN;
}

/// The account that stands for the emergency origin.
pub const GUARDIAN: u64 = 9_999;

parameter_types! {
	pub const Vault: u64 = VAULT;
	pub const RewardPot: u64 = REWARD_POT;
	pub const Treasury: u64 = TREASURY;
	pub const MiningPotId: PalletId = PalletId(*b"ai/mine_");
	pub const EscrowId: PalletId = PalletId(*b"ai/escrw");
	pub TestParams: ParamsOf<Test> = test_params();
}

/// Parameters of the tests: price 1 per work unit at the floor, minimum fee 100.
pub fn test_params() -> ParamsOf<Test> {
	MarketParams {
		min_stake: 1_000,
		unbonding_period: 20,
		challenge_window: 10,
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
		// A stake of 1,000 backs 1,000 work units per block.
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
		// Off: the tests' stake (1,000) is below their fees (3,400 a task); the cover has
		// tests of its own.
		stake_cover: 0,
	}
}

/// `pallet_balances`' frozen amount (locks and freezes) of an account.
pub struct Frozen;
impl crate::FrozenBalance<u64, u64> for Frozen {
	fn frozen(who: &u64) -> u64 {
		System::account(who).data.frozen
	}
}

impl crate::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type FrozenBalance = Frozen;
	type Randomness = TestRandomness;
	type Validators = TestValidators;
	type ExcludedVerifiers = frame_support::traits::Nothing;
	type ProtocolRevenue = ResolveTo<Vault>;
	type UnearnedVerifierReward = ResolveTo<RewardPot>;
	type Slashed = ResolveTo<Treasury>;
	type GovernanceOrigin = frame_system::EnsureRoot<u64>;
	type PauseOrigin = frame_system::EnsureSignedBy<Guardian, u64>;
	type DefaultParams = TestParams;
	type MiningPotId = MiningPotId;
	type EscrowId = EscrowId;
	type MiningEraLength = ConstU64<100>;
	type HeartbeatPeriod = ConstU64<10>;
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
	type FraudProofs = RecordFraudProofs;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = TestValidators;
}

/// Where the verifiers' workers send fraud proofs in these tests: a record the tests read.
pub struct RecordFraudProofs;
impl crate::FraudProofs<UintAuthorityId> for RecordFraudProofs {
	fn send(key: &UintAuthorityId, task: u64, evidence: crate::StepEvidence) -> bool {
		FRAUD_PROOFS.with(|f| f.borrow_mut().push((key.clone(), task, evidence)));
		true
	}

	fn withheld(key: &UintAuthorityId, task: u64) -> bool {
		WITHHELD.with(|w| w.borrow_mut().push((key.clone(), task)));
		true
	}
}

/// The tasks handed to a game as withheld so far, with the verifier's key (and forget them).
pub fn take_withheld() -> Vec<(UintAuthorityId, u64)> {
	WITHHELD.with(|w| std::mem::take(&mut *w.borrow_mut()))
}

/// The fraud proofs sent so far (and forget them).
pub fn take_fraud_proofs() -> Vec<(UintAuthorityId, u64, crate::StepEvidence)> {
	FRAUD_PROOFS.with(|f| std::mem::take(&mut *f.borrow_mut()))
}

/// Offchain keys of the tests: key `n` is account `n`'s own key, and the session key of
/// validator `n` while `n` is a validator.
pub struct TestKeys;
impl crate::OffchainKeys<u64, UintAuthorityId> for TestKeys {
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
impl crate::benchmarking::BenchmarkHelper<u64> for TestValidators {
	fn set_validators(validators: Vec<u64>) {
		set_validators(validators);
	}
	fn prepare_randomness() {}
}

/// Accounts 1..=20, the validators and the mining pot are funded; the escrow account has the
/// existential deposit.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut balances: Vec<(u64, u64)> = (1..=20).map(|a| (a, INITIAL)).collect();
	balances.extend(VALIDATORS.iter().map(|v| (*v, INITIAL)));
	balances.push((Compute::mining_pot_account(), MINING_POT_FUNDS));
	balances.push((Compute::escrow_account(), ESCROW_ED));
	pallet_balances::GenesisConfig::<Test> { balances, ..Default::default() }
		.assimilate_storage(&mut t)
		.unwrap();
	let mut ext = sp_io::TestExternalities::new(t);
	ext.execute_with(|| {
		set_validators(VALIDATORS.to_vec());
		VRF_SEEDS.with(|s| s.borrow_mut().clear());
		set_randomness_lag(0);
		System::set_block_number(1);
	});
	ext
}

/// Run `test`, then check the pallet's invariants and that the market neither minted nor
/// burned anything.
pub fn build_and_execute(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		let issuance = Balances::total_issuance();
		test();
		Compute::do_try_state().expect("invariants hold after the test");
		assert_eq!(Balances::total_issuance(), issuance, "the market changed total issuance");
	});
}

/// Advance to block `n`, running the pallet's `on_initialize` for every block on the way and
/// checking the invariants after each one.
pub fn run_to_block(n: u64) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Compute::on_initialize(next);
		Compute::do_try_state().expect("invariants hold after every block");
	}
}
