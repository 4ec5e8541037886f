//! Runtime tests against the real runtime and its genesis presets: exact tokenomics, vesting on
//! schedule, validators paid across eras without any change in total issuance, and the BuyBack
//! Vault buying on the dev preset's pool and burning.

use crate::{
	configs::{STABLE_ASSET_ID, USD},
	genesis_config_presets::*, AccountId, AllPalletsWithSystem, Assets, Balance, Balances,
	BlockNumber, Buyback, Compute, Runtime, RuntimeCall, RuntimeEvent, RuntimeGenesisConfig, RuntimeOrigin, Session, Staking,
	Supply, System, Timestamp, TransactionPayment, Vesting, AI, COMMUNITY_SALE_ALLOCATION,
	EPOCH_DURATION_IN_BLOCKS, EXISTENTIAL_DEPOSIT, INVESTORS_ALLOCATION, INVESTORS_CLIFF,
	INVESTORS_VESTING, SESSIONS_PER_ERA, SLOT_DURATION, TEAM_ALLOCATION, TEAM_CLIFF, TEAM_VESTING,
	TESTNET_REWARDS_ALLOCATION, TOTAL_SUPPLY, TREASURY_ALLOCATION,
};
use codec::Encode;
use frame_support::{
	assert_noop, assert_ok,
	dispatch::{GetDispatchInfo, PostDispatchInfo},
	genesis_builder_helper::build_state,
	traits::{
		fungible::{Inspect, InspectHold},
		OnFinalize, OnInitialize, VestingSchedule,
	},
};
use pallet_transaction_payment::OnChargeTransaction;
use sp_consensus_babe::{
	digests::{PreDigest, SecondaryPlainPreDigest},
	Slot, BABE_ENGINE_ID,
};
use sp_genesis_builder::{DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET};
use sp_keyring::Sr25519Keyring;
use sp_runtime::{BuildStorage, Digest, DigestItem};

const PRESETS: [&str; 3] =
	[DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET, TESTNET_RUNTIME_PRESET];

/// Merge a JSON patch into a JSON value, as the node does with a preset.
fn merge(base: &mut serde_json::Value, patch: serde_json::Value) {
	match (base, patch) {
		(serde_json::Value::Object(base), serde_json::Value::Object(patch)) => {
			for (k, v) in patch {
				merge(base.entry(k).or_insert(serde_json::Value::Null), v);
			}
		},
		(base, patch) => *base = patch,
	}
}

/// Storage of the genesis block of preset `id`, built the way the node builds it.
pub(crate) fn preset_ext(id: &str) -> sp_io::TestExternalities {
	let patch: serde_json::Value =
		serde_json::from_slice(&get_preset(&id.into()).expect("preset exists")).unwrap();
	let mut config = serde_json::to_value(RuntimeGenesisConfig::default()).unwrap();
	merge(&mut config, patch);
	let mut ext = sp_io::TestExternalities::new(
		frame_system::GenesisConfig::<Runtime>::default().build_storage().unwrap(),
	);
	ext.execute_with(|| build_state::<RuntimeGenesisConfig>(serde_json::to_vec(&config).unwrap()))
		.expect("genesis builds");
	ext
}

pub(crate) fn balance(who: &AccountId) -> Balance {
	Balances::total_balance(who)
}

pub(crate) fn supply_invariant_holds() {
	Supply::do_try_state().expect("total issuance + burned == 10 billion AI");
}

/// The slot of block 0 in these tests: November 2023, as on a real chain (genesis state itself has
/// time 0).
const FIRST_SLOT: u64 = 1_700_000_000_000 / SLOT_DURATION;

/// Produce blocks up to `n` as a BABE validator would: secondary slot claims, timestamps on the
/// slot, all hooks.
pub(crate) fn run_to_block(n: BlockNumber) {
	run_to_block_with_vrf(n, |_| None)
}

/// [`run_to_block`], each block carrying the VRF output `vrf(number)` (what BABE's
/// `on_finalize` records from a primary or secondary VRF claim).
fn run_to_block_with_vrf(n: BlockNumber, vrf: impl Fn(BlockNumber) -> Option<[u8; 32]>) {
	while System::block_number() < n {
		let number = System::block_number() + 1;
		if number > 1 {
			AllPalletsWithSystem::on_finalize(System::block_number());
			if let Some(output) = vrf(System::block_number()) {
				pallet_babe::AuthorVrfRandomness::<Runtime>::put(Some(output));
			}
		}
		let slot = Slot::from(FIRST_SLOT + number as u64);
		let pre_digest =
			PreDigest::SecondaryPlain(SecondaryPlainPreDigest { authority_index: 0, slot });
		let digest =
			Digest { logs: vec![DigestItem::PreRuntime(BABE_ENGINE_ID, pre_digest.encode())] };
		let parent = System::parent_hash();
		System::reset_events();
		System::initialize(&number, &parent, &digest);
		AllPalletsWithSystem::on_initialize(number);
		assert_ok!(Timestamp::set(RuntimeOrigin::none(), *slot * SLOT_DURATION));
	}
}

/// Charge `who` the fee of `call`, exactly as `ChargeTransactionPayment` does for a transaction.
fn pay_fee(who: &AccountId, call: &RuntimeCall) -> Balance {
	let xt = signed_extrinsic(call.clone());
	let info = xt.get_dispatch_info();
	let len = xt.encoded_size() as u32;
	let fee = TransactionPayment::compute_fee(len, &info, 0);
	let liquidity = <<Runtime as pallet_transaction_payment::Config>::OnChargeTransaction as
		OnChargeTransaction<Runtime>>::withdraw_fee(who, call, &info, fee, 0)
	.expect("can pay");
	assert_ok!(<<Runtime as pallet_transaction_payment::Config>::OnChargeTransaction as
		OnChargeTransaction<Runtime>>::correct_and_deposit_fee(
		who,
		&info,
		&PostDispatchInfo::default(),
		fee,
		0,
		liquidity,
	));
	fee
}

#[test]
fn every_preset_allocates_exactly_ten_billion() {
	for id in PRESETS {
		preset_ext(id).execute_with(|| {
			assert_eq!(Balances::total_issuance(), TOTAL_SUPPLY, "{id}: total issuance");
			assert_eq!(balance(&treasury_account()), TREASURY_ALLOCATION, "{id}: treasury");
			assert_eq!(balance(&investors_account()), INVESTORS_ALLOCATION, "{id}: investors");
			assert_eq!(balance(&team_account()), TEAM_ALLOCATION, "{id}: team");

			// Dev accounts and validator stashes are paid out of the Community Sale; where the
			// preset seeds the DEX, Alice's endowment provides the pool's AI.
			let pool = pallet_asset_conversion::Pools::<Runtime>::iter_keys()
				.next()
				.map(|pool_id| {
					use pallet_asset_conversion::PoolLocator;
					<Runtime as pallet_asset_conversion::Config>::PoolLocator::address(&pool_id)
						.unwrap()
				});
			// A genesis solver's stake left its account for the market's escrow.
			let owned = |a: &AccountId| {
				balance(a) + pallet_compute::Solvers::<Runtime>::get(a).map_or(0, |s| s.stake)
			};
			let mut endowed: Vec<AccountId> = frame_system::Account::<Runtime>::iter_keys()
				.filter(|a| owned(a) == ENDOWMENT)
				.collect();
			if let Some(pool) = &pool {
				assert_eq!(balance(pool), POOL_AI, "{id}: pool");
				let alice = Sr25519Keyring::Alice.to_account_id();
				assert_eq!(owned(&alice), ENDOWMENT - POOL_AI, "{id}: alice");
				endowed.push(alice);
			}
			assert_eq!(
				balance(&community_sale_account()) + ENDOWMENT * endowed.len() as Balance,
				COMMUNITY_SALE_ALLOCATION,
				"{id}: community sale"
			);
			// Testnet Rewards pay the existential deposits of the staking reward accounts, the
			// BuyBack Vault and the compute market's escrow (which holds the genesis solvers'
			// stakes besides).
			let escrow = Compute::escrow_account();
			assert_eq!(
				balance(&testnet_rewards_account())
					+ balance(&Supply::reward_pot_account())
					+ balance(&Supply::payout_reserve_account())
					+ balance(&Buyback::vault_account())
					+ Balances::free_balance(&escrow),
				TESTNET_REWARDS_ALLOCATION,
				"{id}: testnet rewards"
			);
			assert_eq!(balance(&Supply::reward_pot_account()), EXISTENTIAL_DEPOSIT);
			assert_eq!(balance(&Buyback::vault_account()), EXISTENTIAL_DEPOSIT);
			assert_eq!(Balances::free_balance(&escrow), EXISTENTIAL_DEPOSIT);
			let stakes: Balance =
				pallet_compute::Solvers::<Runtime>::iter_values().map(|s| s.stake).sum();
			assert_eq!(balance(&escrow), EXISTENTIAL_DEPOSIT + stakes, "{id}: escrow");
			// Nothing else holds any AI.
			assert_eq!(
				frame_system::Account::<Runtime>::iter_keys().count(),
				9 + endowed.len() + pool.iter().count()
			);
			Buyback::do_try_state().expect("buyback invariants hold at genesis");
			supply_invariant_holds();
		});
	}
}

#[test]
fn sudo_exists_only_in_dev_and_local() {
	for (id, has_sudo) in [
		(DEV_RUNTIME_PRESET, true),
		(LOCAL_TESTNET_RUNTIME_PRESET, true),
		(TESTNET_RUNTIME_PRESET, false),
	] {
		preset_ext(id).execute_with(|| {
			assert_eq!(pallet_sudo::Key::<Runtime>::get().is_some(), has_sudo, "{id}");
		});
	}
}

#[test]
fn presets_have_their_validators() {
	for (id, n) in
		[(DEV_RUNTIME_PRESET, 1), (LOCAL_TESTNET_RUNTIME_PRESET, 3), (TESTNET_RUNTIME_PRESET, 3)]
	{
		preset_ext(id).execute_with(|| {
			assert_eq!(Session::validators().len(), n, "{id}");
			assert_eq!(pallet_staking::Validators::<Runtime>::count() as usize, n, "{id}");
			for v in Session::validators() {
				assert_eq!(
					Balances::balance_on_hold(&pallet_staking::HoldReason::Staking.into(), &v),
					VALIDATOR_BOND
				);
			}
		});
	}
}

#[test]
fn vesting_releases_on_schedule() {
	preset_ext(DEV_RUNTIME_PRESET).execute_with(|| {
		let investors = investors_account();
		let team = team_account();
		let locked = |who: &AccountId| Vesting::vesting_balance(who).unwrap_or(0);

		// Nothing vests before the cliff.
		System::set_block_number(INVESTORS_CLIFF);
		assert_eq!(locked(&investors), INVESTORS_ALLOCATION);
		assert_eq!(locked(&team), TEAM_ALLOCATION);
		assert_noop!(
			Balances::transfer_allow_death(
				RuntimeOrigin::signed(investors.clone()),
				Sr25519Keyring::Bob.to_account_id().into(),
				AI,
			),
			sp_runtime::TokenError::Frozen
		);

		// Halfway through the linear release, half is free (up to rounding of the per-block rate).
		System::set_block_number(INVESTORS_CLIFF + INVESTORS_VESTING / 2);
		let half = INVESTORS_ALLOCATION / 2;
		assert!(locked(&investors).abs_diff(half) <= INVESTORS_VESTING as Balance);
		System::set_block_number(TEAM_CLIFF + TEAM_VESTING / 2);
		assert!(locked(&team).abs_diff(TEAM_ALLOCATION / 2) <= TEAM_VESTING as Balance);

		// Everything is free once the schedule ends (the per-block rate rounds down, so allow the
		// one extra block it takes to release the remainder).
		System::set_block_number(INVESTORS_CLIFF + INVESTORS_VESTING + 1);
		assert_eq!(locked(&investors), 0);
		System::set_block_number(TEAM_CLIFF + TEAM_VESTING + 1);
		assert_eq!(locked(&team), 0);
		assert_ok!(Vesting::vest(RuntimeOrigin::signed(team.clone())));
		assert_ok!(Balances::transfer_allow_death(
			RuntimeOrigin::signed(team),
			Sr25519Keyring::Bob.to_account_id().into(),
			AI,
		));
		supply_invariant_holds();
	});
}

#[test]
fn validators_are_paid_from_fees_and_issuance_never_changes() {
	preset_ext(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		let alice = Sr25519Keyring::Alice.to_account_id();
		let dave = Sr25519Keyring::Dave.to_account_id();
		let blocks_per_era = EPOCH_DURATION_IN_BLOCKS * SESSIONS_PER_ERA;
		run_to_block(1);

		// Era 0: users pay fees, which land in the reward pot.
		let call = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
			dest: alice.clone().into(),
			value: 10 * AI,
		});
		let mut fees = 0;
		for _ in 0..50 {
			fees += pay_fee(&dave, &call);
		}
		assert!(fees > 0);
		assert_eq!(balance(&Supply::reward_pot_account()), EXISTENTIAL_DEPOSIT + fees);
		assert_eq!(Balances::total_issuance(), TOTAL_SUPPLY);

		// Run past the end of era 0: the era pays out exactly what the pot collected.
		let mut era_paid = None;
		for n in 2..=blocks_per_era + 2 {
			run_to_block(n);
			supply_invariant_holds();
			for record in System::events() {
				if let RuntimeEvent::Staking(pallet_staking::Event::EraPaid {
					era_index,
					validator_payout,
					remainder,
				}) = record.event
				{
					era_paid = Some((era_index, validator_payout, remainder));
				}
			}
		}
		assert_eq!(era_paid, Some((0, fees, 0)));
		assert_eq!(pallet_staking::ActiveEra::<Runtime>::get().unwrap().index, 1);
		assert_eq!(balance(&Supply::reward_pot_account()), EXISTENTIAL_DEPOSIT);

		// Validators claim: their balances rise, the payout reserve pays, issuance stays put.
		let validators = Session::validators();
		let before: Vec<Balance> = validators.iter().map(balance).collect();
		for v in &validators {
			assert_ok!(Staking::payout_stakers(RuntimeOrigin::signed(dave.clone()), v.clone(), 0));
		}
		let paid: Balance = validators.iter().zip(before).map(|(v, b)| balance(v) - b).sum();
		assert!(paid > 0);
		// Rounding in the per-validator split may leave a few units behind, never more.
		assert!(fees - paid < validators.len() as Balance);
		assert_eq!(balance(&Supply::payout_reserve_account()), EXISTENTIAL_DEPOSIT + fees - paid);
		assert_eq!(Balances::total_issuance(), TOTAL_SUPPLY);
		supply_invariant_holds();

		// The next era with no fees pays nothing and mints nothing.
		run_to_block(2 * blocks_per_era + 2);
		assert_eq!(pallet_staking::ErasValidatorReward::<Runtime>::get(1), Some(0));
		assert_eq!(Balances::total_issuance(), TOTAL_SUPPLY);
		supply_invariant_holds();
	});
}

#[test]
fn balances_burn_is_not_callable() {
	preset_ext(DEV_RUNTIME_PRESET).execute_with(|| {
		use sp_runtime::traits::Dispatchable;
		let burn =
			RuntimeCall::Balances(pallet_balances::Call::burn { value: AI, keep_alive: true });
		let alice = Sr25519Keyring::Alice.to_account_id();
		assert_eq!(
			burn.dispatch(RuntimeOrigin::signed(alice)).map_err(|e| e.error),
			Err(frame_system::Error::<Runtime>::CallFiltered.into())
		);
		assert_eq!(Balances::total_issuance(), TOTAL_SUPPLY);
	});
}

#[test]
fn bag_thresholds_are_valid() {
	let t = crate::bag_thresholds::THRESHOLDS;
	assert!(t.windows(2).all(|w| w[0] < w[1]), "thresholds strictly increase");
	assert_eq!(t[0], crate::bag_thresholds::EXISTENTIAL_WEIGHT);
	assert_eq!(*t.last().unwrap(), u64::MAX);
	// The existential deposit converts to the first threshold.
	let factor = TOTAL_SUPPLY / u64::MAX as Balance;
	assert_eq!((EXISTENTIAL_DEPOSIT / factor) as u64, t[0]);
}

/// `call` as a wallet sends it: signed (an sr25519 signature's size), a mortal era, every
/// transaction extension. Its dispatch info carries the extensions' weight and its encoding is
/// the length a block pays for; the signature itself is never checked here.
fn signed_extrinsic(call: RuntimeCall) -> crate::UncheckedExtrinsic {
	let extension: crate::TxExtension = (
		frame_system::AuthorizeCall::<Runtime>::new(),
		frame_system::CheckNonZeroSender::<Runtime>::new(),
		frame_system::CheckSpecVersion::<Runtime>::new(),
		frame_system::CheckTxVersion::<Runtime>::new(),
		frame_system::CheckGenesis::<Runtime>::new(),
		frame_system::CheckEra::<Runtime>::from(sp_runtime::generic::Era::mortal(256, 0)),
		frame_system::CheckNonce::<Runtime>::from(0),
		frame_system::CheckWeight::<Runtime>::new(),
		pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(0),
		frame_metadata_hash_extension::CheckMetadataHash::<Runtime>::new(false),
		frame_system::WeightReclaim::<Runtime>::new(),
	);
	let signature = sp_runtime::MultiSignature::Sr25519(sp_core::sr25519::Signature::from_raw([0; 64]));
	crate::UncheckedExtrinsic::new_signed(
		call,
		Sr25519Keyring::Alice.to_account_id().into(),
		signature,
		extension,
	)
}

/// How many of `call`, sent as a wallet sends it, fit in one block's normal class: by execution
/// time, by proof size and by length. Returns (by time, by proof, by length) and prints them.
fn per_block(name: &str, call: RuntimeCall) -> (u64, u64, u64) {
	use frame_support::dispatch::DispatchClass;

	let xt = signed_extrinsic(call);
	let info = xt.get_dispatch_info();
	let len = xt.encoded_size() as u64;
	let weights = <Runtime as frame_system::Config>::BlockWeights::get();
	let normal = weights.get(DispatchClass::Normal);
	let per_tx = info.total_weight().saturating_add(normal.base_extrinsic);
	let budget = normal.max_total.unwrap_or(weights.max_block);
	let max_length = *<Runtime as frame_system::Config>::BlockLength::get().max.get(DispatchClass::Normal);
	let by_time = budget.ref_time() / per_tx.ref_time();
	let by_proof = budget.proof_size() / per_tx.proof_size().max(1);
	let by_length = max_length as u64 / len;
	eprintln!(
		"{name}: call {:.1} us + extensions {:.1} us + base extrinsic {:.1} us = {:.1} us, {} bytes \
		 of proof, {len} bytes signed; per block: {by_time} by time ({:.0} ms normal class), \
		 {by_proof} by proof size, {by_length} by length ({} KiB)",
		info.call_weight.ref_time() as f64 / 1e6,
		info.extension_weight.ref_time() as f64 / 1e6,
		normal.base_extrinsic.ref_time() as f64 / 1e6,
		per_tx.ref_time() as f64 / 1e6,
		per_tx.proof_size(),
		budget.ref_time() as f64 / 1e9,
		max_length / 1024,
	);
	(by_time, by_proof, by_length)
}

/// The README's price of a transfer: about a hundredth of an AI at the genesis fee multiplier.
#[test]
fn a_transfer_costs_about_a_hundredth_of_an_ai() {
	preset_ext(DEV_RUNTIME_PRESET).execute_with(|| {
		let xt = signed_extrinsic(RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
			dest: Sr25519Keyring::Bob.to_account_id().into(),
			value: AI,
		}));
		let fee = TransactionPayment::compute_fee(xt.encoded_size() as u32, &xt.get_dispatch_info(), 0);
		eprintln!("a transfer costs {fee} planck ({:.4} AI)", fee as f64 / AI as f64);
		assert!((AI / 125..=AI / 80).contains(&fee), "a transfer costs {fee} planck, not about 0.01 AI");
	});
}

/// The weight of `compute.submit_task` (benchmarked worst case) as a signed transaction, and how
/// many fit in one block: bounded by execution time, not by proof size or length. Prints the
/// figures (README and BENCHMARKS.md quote them).
#[test]
fn compute_submit_task_weight_and_tasks_per_block() {
	use pallet_compute::{
		program::{Activation, HiddenLayer, ModelSpec, Sgd},
		DatasetRef, Fixed, HardwareClass, Program,
	};
	use sp_runtime::BoundedVec;

	let program = Program {
		model: ModelSpec {
			inputs: 64,
			hidden: BoundedVec::truncate_from(vec![HiddenLayer { units: 64, activation: Activation::Relu }]),
			classes: 10,
		},
		optimizer: Sgd { learning_rate: Fixed(6554), momentum: Fixed(58982) },
		batch_size: 32,
		steps: 1500,
		seed: 42,
	};
	let call = RuntimeCall::Compute(pallet_compute::Call::submit_task {
		program,
		dataset: DatasetRef {
			root: Default::default(),
			url: BoundedVec::truncate_from(b"https://example.org/digits.aids".to_vec()),
			batches: 56,
		},
		hardware: HardwareClass::Gpu,
		deadline: 1_000,
		max_fee: AI,
	});
	let (by_time, by_proof, by_length) = per_block("compute.submit_task", call);
	assert!(by_time <= by_proof && by_time <= by_length, "submit_task is bound by time");
	assert!(by_time >= 1_000, "fewer than 1,000 task submissions fit in a block");
}

/// A step fraud proof for a `steps`-step trace over `batches` minibatches, with a prior state of
/// `state` bytes and a minibatch of `minibatch` bytes, its proofs as long as such trees make them.
fn fraud_proof_call(max_cost: u64, steps: u32, batches: u32, state: usize, minibatch: usize) -> RuntimeCall {
	use pallet_disputes::StepFraud;
	use sp_runtime::BoundedVec;
	let depth = |leaves: u32| 32 - leaves.saturating_sub(1).leading_zeros();
	let proof = |leaves: u32| aichain_engine::MerkleProof {
		siblings: BoundedVec::truncate_from(vec![[7u8; 32]; depth(leaves) as usize]),
	};
	RuntimeCall::Disputes(pallet_disputes::Call::prove_fraud {
		task: u64::MAX,
		max_cost,
		proof: StepFraud {
			step: steps,
			prior_state: BoundedVec::truncate_from(vec![1u8; state]),
			prior_proof: proof(steps),
			minibatch: BoundedVec::truncate_from(vec![2u8; minibatch]),
			minibatch_proof: proof(batches),
			leaf: Default::default(),
			leaf_proof: proof(steps),
		},
	})
}

/// The largest fraud proof (the costliest referee step, the largest state and minibatch, the
/// longest Merkle proofs) fits one block by time (within the largest normal extrinsic) and by
/// length, and a parachain block's 10 MiB proof of validity. Prints its weight, size and fee,
/// and the digits job's (README and the note quote them).
#[test]
fn the_largest_fraud_proof_fits_a_block_and_a_parachain_pov() {
	use aichain_engine::{program::MAX_STEPS, referee};
	use frame_support::dispatch::DispatchClass;
	preset_ext(DEV_RUNTIME_PRESET).execute_with(|| {
		let weights = <Runtime as frame_system::Config>::BlockWeights::get();
		let normal = weights.get(DispatchClass::Normal);
		let max_extrinsic = normal.max_extrinsic.expect("normal extrinsics are bounded");
		for (name, call) in [
			(
				"disputes.prove_fraud, largest",
				fraud_proof_call(
					referee::MAX_REFEREE_COST,
					MAX_STEPS,
					aichain_engine::dataset::MAX_TASK_BATCHES,
					referee::MAX_STATE_BYTES as usize,
					referee::MAX_MINIBATCH_BYTES as usize,
				),
			),
			// Digits 64-32-10, batch 32, 30,000 steps over 56 minibatches.
			("disputes.prove_fraud, digits", fraud_proof_call(231_124, 30_000, 56, 19_320, 8_262)),
		] {
			let (by_time, _, by_length) = per_block(name, call.clone());
			let xt = signed_extrinsic(call);
			let info = xt.get_dispatch_info();
			let len = xt.encoded_size() as u64;
			let total = info.total_weight().saturating_add(normal.base_extrinsic);
			let fee = TransactionPayment::compute_fee(len as u32, &info, 0);
			eprintln!("{name}: {len} bytes on-chain, fee {:.4} AI", fee as f64 / AI as f64);
			assert!(by_time >= 1 && by_length >= 1, "{name} does not fit a block");
			assert!(total.all_lte(max_extrinsic), "{name} weighs more than the largest normal extrinsic");
			assert!(
				total.proof_size().saturating_add(len) <= crate::configs::PARACHAIN_MAX_POV_SIZE,
				"{name} does not fit a parachain block's proof of validity"
			);
		}
	});
}

/// A bisection game's calls over a `steps`-step trace over `batches` minibatches: the costliest
/// opening (four proofs), a reveal and the referee move with a state of `state` bytes and a
/// minibatch of `minibatch` bytes at `max_cost`.
fn game_calls(max_cost: u64, steps: u32, batches: u32, state: usize, minibatch: usize) -> [RuntimeCall; 3] {
	use pallet_disputes::{Leaf, Move, Opening};
	use sp_runtime::BoundedVec;
	let depth = |leaves: u32| 32 - leaves.saturating_sub(1).leading_zeros();
	let proof = |leaves: u32| aichain_engine::MerkleProof {
		siblings: BoundedVec::truncate_from(vec![[7u8; 32]; depth(leaves) as usize]),
	};
	let leaf = || Leaf { hash: Default::default(), proof: proof(steps) };
	let opening = Opening {
		claim_root: Default::default(),
		from: steps - 1,
		to: steps,
		from_leaf: Some(leaf()),
		from_trace_proof: Some(proof(steps)),
		claim_to: leaf(),
		solver_to: Some(leaf()),
	};
	[
		RuntimeCall::Disputes(pallet_disputes::Call::open_game { task: u64::MAX, opening: Box::new(opening) }),
		RuntimeCall::Disputes(pallet_disputes::Call::play { game: u64::MAX, mv: Move::Reveal(leaf()) }),
		RuntimeCall::Disputes(pallet_disputes::Call::play {
			game: u64::MAX,
			mv: Move::Referee {
				max_cost,
				prior_state: BoundedVec::truncate_from(vec![1u8; state]),
				minibatch: BoundedVec::truncate_from(vec![2u8; minibatch]),
				minibatch_proof: proof(batches),
			},
		}),
	]
}

/// Every call of a bisection game fits one block by time and length and a parachain's proof of
/// validity, the largest referee move included. Prints each call's weight, size and fee, and a
/// whole game's rounds, bytes and weight for the digits job and for a 10^7-step job (the
/// issue's note quotes them).
#[test]
fn every_game_move_fits_a_block_and_a_parachain_pov() {
	use aichain_engine::{program::MAX_STEPS, referee};
	use frame_support::dispatch::DispatchClass;
	preset_ext(DEV_RUNTIME_PRESET).execute_with(|| {
		let weights = <Runtime as frame_system::Config>::BlockWeights::get();
		let normal = weights.get(DispatchClass::Normal);
		let max_extrinsic = normal.max_extrinsic.expect("normal extrinsics are bounded");
		for (job, max_cost, steps, batches, state, minibatch) in [
			(
				"largest",
				referee::MAX_REFEREE_COST,
				MAX_STEPS,
				aichain_engine::dataset::MAX_TASK_BATCHES,
				referee::MAX_STATE_BYTES as usize,
				referee::MAX_MINIBATCH_BYTES as usize,
			),
			// Digits 64-32-10, batch 32, 30,000 steps over 56 minibatches.
			("digits", 231_124, 30_000, 56, 19_320, 8_262),
			// The digits model over 10^7 steps.
			("digits, 10^7 steps", 231_124, 10_000_000, 56, 19_320, 8_262),
		] {
			let mut totals = Vec::new();
			for (kind, call) in ["open_game", "reveal", "referee move"].into_iter().zip(game_calls(
				max_cost, steps, batches, state, minibatch,
			)) {
				let name = format!("disputes {kind}, {job}");
				let (by_time, _, by_length) = per_block(&name, call.clone());
				let xt = signed_extrinsic(call);
				let info = xt.get_dispatch_info();
				let len = xt.encoded_size() as u64;
				let total = info.total_weight().saturating_add(normal.base_extrinsic);
				let fee = TransactionPayment::compute_fee(len as u32, &info, 0);
				eprintln!("{name}: {len} bytes on-chain, fee {:.4} AI", fee as f64 / AI as f64);
				assert!(by_time >= 1 && by_length >= 1, "{name} does not fit a block");
				assert!(total.all_lte(max_extrinsic), "{name} weighs more than the largest normal extrinsic");
				assert!(
					total.proof_size().saturating_add(len) <= crate::configs::PARACHAIN_MAX_POV_SIZE,
					"{name} does not fit a parachain block's proof of validity"
				);
				totals.push((total, len));
			}
			// A whole game over the full trace: the opening, the solver's end reveal, two
			// reveals per round, the referee move.
			let rounds = pallet_disputes::game::rounds(steps) as u64;
			let reveals = 1 + 2 * rounds;
			let weight = totals[0].0 + totals[1].0.saturating_mul(reveals) + totals[2].0;
			let bytes = totals[0].1 + totals[1].1 * reveals + totals[2].1;
			eprintln!(
				"a whole game, {job}: {rounds} rounds, {} moves, {bytes} bytes on-chain, weight {:.1} ms \
				 ({} bytes of proof)",
				reveals + 2,
				weight.ref_time() as f64 / 1e9,
				weight.proof_size(),
			);
		}
	});
}

/// The weight of `balances.transfer_keep_alive` as a signed transaction and how many fit in a
/// block by the runtime's weights: the figure the throughput benchmark is measured against.
#[test]
fn transfers_per_block_are_bound_by_time() {
	let call = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
		dest: Sr25519Keyring::Bob.to_account_id().into(),
		value: AI,
	});
	let (by_time, by_proof, by_length) = per_block("balances.transfer_keep_alive", call);
	assert!(by_time <= by_proof && by_time <= by_length, "transfers are bound by time");
	// The polkadot-sdk solochain template carries 1,974 transfers per block (BENCHMARKS.md).
	assert!(by_time >= 1_974, "fewer transfers fit in a block than in the solochain template's");
}

#[test]
fn dev_preset_seeds_the_dex_and_the_vault_buys_and_burns() {
	preset_ext(DEV_RUNTIME_PRESET).execute_with(|| {
		let bob = Sr25519Keyring::Bob.to_account_id();
		let charlie = Sr25519Keyring::Charlie.to_account_id();
		let vault = Buyback::vault_account();
		assert_eq!(Assets::balance(STABLE_ASSET_ID, &bob), STABLE_ENDOWMENT);
		let genesis_price = sp_runtime::FixedU128::from_rational(POOL_AI, POOL_STABLE);
		assert_eq!(Buyback::spot_price(), Some(genesis_price));
		run_to_block(3);
		// The genesis pool is trusted: its price is the TWAP from the first blocks on.
		assert_eq!(
			Buyback::twap_price(pallet_buyback::Params::<Runtime>::get().twap_window).ok(),
			Some(genesis_price)
		);

		// Revenue: 100 dUSD and 50 AI.
		assert_ok!(Assets::transfer(
			RuntimeOrigin::signed(bob.clone()),
			STABLE_ASSET_ID.into(),
			vault.clone().into(),
			100 * USD
		));
		assert_ok!(Balances::transfer_keep_alive(
			RuntimeOrigin::signed(bob),
			vault.clone().into(),
			50 * AI
		));
		let issuance = Balances::total_issuance();
		let charlie_before = balance(&charlie);
		let treasury_before = balance(&treasury_account());

		assert_ok!(Buyback::execute(RuntimeOrigin::signed(charlie.clone())));

		let events: Vec<_> = System::events()
			.into_iter()
			.filter_map(|r| match r.event {
				RuntimeEvent::Buyback(e) => Some(e),
				_ => None,
			})
			.collect();
		let pallet_buyback::Event::Bought { stable_sold, ai_bought, min_ai_out, .. } =
			events[0].clone()
		else {
			panic!("bought first: {events:?}")
		};
		assert_eq!(stable_sold, 100 * USD);
		// 100 dUSD at 10 AI per dUSD, less the 0.3% fee and the price impact; at least 95%.
		assert!(ai_bought >= min_ai_out && min_ai_out == 950 * AI, "{ai_bought} {min_ai_out}");
		let total = ai_bought + 50 * AI;
		let burned = total * 7 / 10;
		let to_executor = total / 100;
		assert_eq!(
			events[1],
			pallet_buyback::Event::Executed {
				executor: charlie.clone(),
				total,
				burned,
				to_treasury: total - burned - to_executor,
				to_executor,
				next_execution: 3 + crate::DAYS,
			}
		);
		assert_eq!(Balances::total_issuance(), issuance - burned);
		assert_eq!(pallet_supply::Burned::<Runtime>::get(), burned);
		assert_eq!(balance(&charlie), charlie_before + to_executor);
		assert_eq!(balance(&treasury_account()), treasury_before + total - burned - to_executor);
		assert_eq!(balance(&vault), EXISTENTIAL_DEPOSIT);
		supply_invariant_holds();
		Buyback::do_try_state().expect("buyback invariants hold");
	});
}

/// Submit, as `who`, a 10-step task of a tiny 4-8-2 program (deadline block 100, fee up to 1 AI).
pub(crate) fn submit_tiny_task(who: &AccountId) -> sp_runtime::DispatchResult {
	use pallet_compute::{
		program::{Activation, HiddenLayer, ModelSpec, Sgd},
		DatasetRef, Fixed, HardwareClass, Program,
	};
	use sp_runtime::BoundedVec;
	let program = Program {
		model: ModelSpec {
			inputs: 4,
			hidden: BoundedVec::truncate_from(vec![HiddenLayer {
				units: 8,
				activation: Activation::Relu,
			}]),
			classes: 2,
		},
		optimizer: Sgd { learning_rate: Fixed(6554), momentum: Fixed(0) },
		batch_size: 2,
		steps: 10,
		seed: 7,
	};
	let dataset = DatasetRef {
		root: Default::default(),
		url: BoundedVec::truncate_from(b"http://x/d".to_vec()),
		batches: 1,
	};
	pallet_compute::Pallet::<Runtime>::submit_task(
		RuntimeOrigin::signed(who.clone()),
		program,
		dataset,
		HardwareClass::Cpu,
		100,
		AI,
	)
}

/// The compute market draws a task's solver with the VRF output of a block after the one the
/// task landed in (BABE's `ParentBlockRandomness`, one block behind): not in the next block,
/// whose randomness the submission block's author knew, but in the one after; and what those
/// later blocks bring decides who is drawn. Without a VRF output nothing is drawn.
#[test]
fn compute_draws_solvers_with_randomness_revealed_after_the_submission() {
	use pallet_compute::{HardwareClass, TaskStatus};

	let solvers = [Sr25519Keyring::Bob, Sr25519Keyring::Charlie, Sr25519Keyring::Dave, Sr25519Keyring::Eve]
		.map(|k| k.to_account_id());
	let submit = || {
		for who in &solvers {
			assert_ok!(pallet_compute::Pallet::<Runtime>::register_solver(
				RuntimeOrigin::signed(who.clone()),
				10_000 * AI,
				1_000_000_000,
				HardwareClass::Cpu
			));
		}
		let id = pallet_compute::NextTaskId::<Runtime>::get();
		assert_ok!(submit_tiny_task(&Sr25519Keyring::Alice.to_account_id()));
		id
	};
	let status = |id| pallet_compute::Tasks::<Runtime>::get(id).expect("task").status;

	// Block 1's output is fixed; what later blocks bring depends on `seed`.
	let drawn = |seed: u8| {
		let vrf = move |n: BlockNumber| Some(sp_io::hashing::blake2_256(&(if n <= 1 { 0 } else { seed }, n).encode()));
		let mut ext = preset_ext(DEV_RUNTIME_PRESET);
		ext.execute_with(|| {
			run_to_block_with_vrf(1, vrf);
			let id = submit();
			run_to_block_with_vrf(2, vrf);
			assert!(matches!(status(id), TaskStatus::Queued { .. }), "drawn with block 1's output");
			run_to_block_with_vrf(3, vrf);
			status(id).working_solver().cloned().expect("drawn with block 2's output")
		})
	};
	let seen: std::collections::BTreeSet<AccountId> = (0..12u8).map(drawn).collect();
	assert!(seen.len() > 1, "the draw did not depend on randomness revealed after submission");

	// Blocks without a VRF output (secondary plain claims, which this chain does not allow):
	// the task waits.
	preset_ext(DEV_RUNTIME_PRESET).execute_with(|| {
		run_to_block(1);
		let id = submit();
		run_to_block(5);
		assert!(matches!(status(id), TaskStatus::Queued { .. }));
	});
}

/// Issue 15: FRAME's `hold` ignores freezes, so a vesting account could stake or pay task fees
/// with its locked tokens, then make them liquid before the cliff by paying a second account of
/// its own (as submitter and solver). The market holds only what is above the lock.
#[test]
fn vested_tokens_cannot_be_staked_or_paid_as_task_fees() {
	use pallet_compute::HardwareClass;
	preset_ext(DEV_RUNTIME_PRESET).execute_with(|| {
		run_to_block(1);
		let investors = investors_account();
		let signed = || RuntimeOrigin::signed(investors.clone());
		assert_eq!(Vesting::vesting_balance(&investors), Some(INVESTORS_ALLOCATION));
		let insufficient = || pallet_compute::Error::<Runtime>::InsufficientBalance;
		let submit = || submit_tiny_task(&investors);
		let register = |stake| {
			pallet_compute::Pallet::<Runtime>::register_solver(
				signed(),
				stake,
				1_000_000_000,
				HardwareClass::Cpu,
			)
		};

		// Everything it has is locked: it can neither stake nor pay a fee (FRAME's hold alone
		// would take both from the locked tokens).
		assert_eq!(Balances::free_balance(&investors), INVESTORS_ALLOCATION);
		assert_noop!(register(10_000 * AI), insufficient());
		assert_noop!(submit(), insufficient());

		// 12,000 AI of its own, free: stakes and fees come out of those, and no further.
		assert_ok!(Balances::transfer_keep_alive(
			RuntimeOrigin::signed(Sr25519Keyring::Alice.to_account_id()),
			investors.clone().into(),
			12_000 * AI
		));
		assert_noop!(register(12_001 * AI), insufficient());
		assert_ok!(register(10_000 * AI));
		assert_noop!(
			pallet_compute::Pallet::<Runtime>::bond_extra(signed(), 2_000 * AI + 1),
			insufficient()
		);
		assert_ok!(pallet_compute::Pallet::<Runtime>::bond_extra(signed(), 1_999 * AI));
		assert_ok!(submit());
		// What is left free is the lock and less than an AI above it: the lock is whole.
		let free = Balances::free_balance(&investors);
		assert!(free >= INVESTORS_ALLOCATION && free < INVESTORS_ALLOCATION + AI, "{free}");
		assert_eq!(Vesting::vesting_balance(&investors), Some(INVESTORS_ALLOCATION));
		// The stake and the fee left the account for the market's escrow, so they cover no part
		// of the lock (FRAME counts funds held on an account towards its lock): not one locked
		// token can move, and a payout of the fee to a solver of its own takes nothing locked.
		assert_eq!(Balances::total_balance(&investors), free, "nothing held on the account");
		assert!(
			<Balances as frame_support::traits::fungible::Inspect<AccountId>>::reducible_balance(
				&investors,
				frame_support::traits::tokens::Preservation::Preserve,
				frame_support::traits::tokens::Fortitude::Polite,
			) < AI
		);
		assert!(Balances::transfer_keep_alive(signed(), Sr25519Keyring::Bob.to_account_id().into(), AI)
			.is_err());
		supply_invariant_holds();
	});
}

/// The compute market's migrations on a chain as spec 104 left it: the genesis solver's stake
/// held on its own account, no escrow account, records in version 2's layout (no open fees, no
/// stake cover). The Testnet Rewards bucket pays the escrow's existential deposit, the stake
/// moves into escrow, the records gain their new fields, and nothing is minted or burned. Each
/// step runs with its try-runtime checks; the last one through the runtime's `Migrations`.
#[test]
fn the_escrow_migration_moves_what_spec_104_held() {
	use frame_support::traits::{
		fungible::{Inspect, InspectHold, Mutate, MutateHold},
		tokens::{Fortitude, Precision, Preservation, Restriction},
		GetStorageVersion, OnRuntimeUpgrade, StorageVersion,
	};
	use pallet_compute::{
		migrations::{v1, v2, v3},
		HoldReason,
	};
	preset_ext(DEV_RUNTIME_PRESET).execute_with(|| {
		run_to_block(1);
		v3::back_to_v2::<Runtime>();
		let escrow = Compute::escrow_account();
		let stake_reason: crate::RuntimeHoldReason = HoldReason::SolverStake.into();
		let solvers: Vec<(AccountId, Balance)> = v3::old_solvers::<Runtime>()
			.map(|(who, s)| (who, s.expect("version 2 layout").stake))
			.collect();
		assert!(!solvers.is_empty(), "the dev preset registers a solver");
		for (who, stake) in &solvers {
			assert_ok!(Balances::transfer_on_hold(
				&stake_reason,
				&escrow,
				who,
				*stake,
				Precision::Exact,
				Restriction::OnHold,
				Fortitude::Force,
			));
		}
		assert_ok!(<Balances as Mutate<AccountId>>::transfer(
			&escrow,
			&testnet_rewards_account(),
			EXISTENTIAL_DEPOSIT,
			Preservation::Expendable,
		));
		assert_eq!(Balances::total_balance(&escrow), 0);
		StorageVersion::new(0).put::<Compute>();
		let rewards = Balances::balance(&testnet_rewards_account());

		// The preset has no tasks: the layout step has nothing to rewrite.
		let tasks = v1::pre_upgrade_checks::<Runtime>().expect("pre-upgrade checks, layout");
		v1::MigrateToV1::<Runtime>::on_runtime_upgrade();
		v1::post_upgrade_checks::<Runtime>(tasks).expect("post-upgrade checks, layout");
		let before = v2::pre_upgrade_checks::<Runtime>().expect("pre-upgrade checks, escrow");
		v2::MigrateToV2::<Runtime, crate::configs::TestnetRewardsAccount>::on_runtime_upgrade();
		v2::post_upgrade_checks::<Runtime>(before).expect("post-upgrade checks, escrow");
		assert_eq!(Compute::on_chain_storage_version(), StorageVersion::new(2));
		let records = v3::pre_upgrade_checks::<Runtime>().expect("pre-upgrade checks, v3");
		assert_eq!(records, Some((0, solvers.len() as u32)));
		crate::Migrations::on_runtime_upgrade();
		v3::post_upgrade_checks::<Runtime>(records).expect("post-upgrade checks, v3");
		assert_eq!(Compute::on_chain_storage_version(), StorageVersion::new(3));
		assert_eq!(pallet_compute::Params::<Runtime>::get().stake_cover, 2);
		assert_eq!(Balances::balance(&testnet_rewards_account()), rewards - EXISTENTIAL_DEPOSIT);
		for (who, stake) in &solvers {
			assert_eq!(Balances::balance_on_hold(&stake_reason, who), 0);
			assert_eq!(pallet_compute::Solvers::<Runtime>::get(who).unwrap().stake, *stake);
		}
		let total: Balance = solvers.iter().map(|(_, s)| s).sum();
		assert_eq!(Balances::balance_on_hold(&stake_reason, &escrow), total);
		supply_invariant_holds();
	});
}

/// The stake cover and the fraud slash belong to two pallets; together they must make a lie
/// cost at least what it can earn: a solver holds open fees of at most stake / cover, and a
/// fraud proof takes fraud_slash × stake, so fraud_slash × cover ≥ 1. The defaults also leave
/// the minimum stake able to cover a minimum-fee task.
#[test]
fn a_fraud_proof_slashes_at_least_the_fees_the_cover_lets_a_solver_hold() {
	use crate::configs::{DisputeDefaults, MarketDefaults};
	use frame_support::traits::Get;
	let market = MarketDefaults::get();
	let slash = DisputeDefaults::get().fraud_slash;
	assert!(market.stake_cover > 0, "the cover is on");
	assert!(
		u64::from(slash.deconstruct()) * u64::from(market.stake_cover) >=
			u64::from(sp_runtime::Perbill::one().deconstruct()),
		"fraud_slash × stake_cover below 1: a lie could earn more than it costs"
	);
	type C = <Runtime as pallet_compute::Config>::MaxVerifiers;
	type E = <Runtime as pallet_compute::Config>::MaxExcludedSolvers;
	assert_eq!(market.validate(C::get(), E::get()), Ok(()));
}
