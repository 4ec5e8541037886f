//! Governance against the real runtime and its presets: each track reaches exactly its calls,
//! referenda pass and are enacted or fail and give their deposits back, conviction locks hold
//! for their periods, and the market pause works from the emergency track.

use super::{
	origins::{Origin, BIG_SPENDER_MAX, SMALL_SPENDER_MAX, TREASURER_MAX},
	tracks::{ids, TracksInfo, TRACKS},
};
use crate::{
	genesis_config_presets::{treasury_account, DEV_GOVERNANCE_TIMESCALE},
	tests::{balance, preset_ext, run_to_block, submit_tiny_task, supply_invariant_holds},
	AccountId, Balance, Balances, Compute, ConvictionVoting, OriginCaller, Preimage, Referenda,
	Runtime, RuntimeCall, RuntimeOrigin, Treasury, AI,
};
use codec::Encode;
use frame_support::{
	assert_noop, assert_ok,
	dispatch::DispatchResultWithPostInfo,
	traits::{schedule::DispatchTime, Bounded, Get},
};
use pallet_conviction_voting::{AccountVote, Conviction, Vote};
use pallet_referenda::{ReferendumInfo, TracksInfo as _};
use sp_core::Hasher;
use sp_genesis_builder::DEV_RUNTIME_PRESET;
use sp_keyring::Sr25519Keyring;
use sp_runtime::{traits::Dispatchable, DispatchError};

use crate::genesis_config_presets::TESTNET_RUNTIME_PRESET;

/// Produce blocks up to `n`, checking the governance invariants after each.
fn run_to(n: u32) {
	while frame_system::Pallet::<Runtime>::block_number() < n {
		run_to_block(frame_system::Pallet::<Runtime>::block_number() + 1);
		super::do_try_state().expect("governance invariants hold after every block");
	}
}

fn dispatch(origin: Origin, call: RuntimeCall) -> DispatchResultWithPostInfo {
	call.dispatch(RuntimeOrigin::from(origin))
}

fn is_bad_origin(result: DispatchResultWithPostInfo) -> bool {
	matches!(result, Err(e) if e.error == DispatchError::BadOrigin)
}

fn spend(amount: Balance, to: &AccountId, valid_from: Option<u32>) -> RuntimeCall {
	RuntimeCall::Treasury(pallet_treasury::Call::spend {
		asset_kind: Box::new(()),
		amount,
		beneficiary: Box::new(to.clone()),
		valid_from,
	})
}

fn market_params() -> RuntimeCall {
	RuntimeCall::Compute(pallet_compute::Call::set_params {
		params: pallet_compute::Params::<Runtime>::get(),
	})
}

fn dispute_params() -> RuntimeCall {
	RuntimeCall::Disputes(pallet_disputes::Call::set_params {
		params: pallet_disputes::Params::<Runtime>::get(),
	})
}

fn vault_params() -> RuntimeCall {
	RuntimeCall::Buyback(pallet_buyback::Call::set_params {
		params: pallet_buyback::Params::<Runtime>::get(),
	})
}

fn pause_vault(paused: bool) -> RuntimeCall {
	RuntimeCall::Buyback(pallet_buyback::Call::set_paused { paused })
}

fn pause_market(paused: bool) -> RuntimeCall {
	RuntimeCall::Compute(pallet_compute::Call::set_paused { paused })
}

/// The emergency track's way to cancel a deferred slash.
fn cancel_slash() -> RuntimeCall {
	RuntimeCall::Origins(super::origins::Call::cancel_deferred_slash {
		era: 0,
		slash_indices: vec![0],
	})
}

/// Staking's own admin calls: root's alone.
fn staking_admin() -> [RuntimeCall; 3] {
	[
		RuntimeCall::Staking(pallet_staking::Call::cancel_deferred_slash {
			era: 0,
			slash_indices: vec![0],
		}),
		RuntimeCall::Staking(pallet_staking::Call::set_min_commission {
			new: sp_runtime::Perbill::from_percent(100),
		}),
		RuntimeCall::Staking(pallet_staking::Call::manual_slash {
			validator_stash: Sr25519Keyring::Alice.to_account_id(),
			era: 0,
			slash_fraction: sp_runtime::Perbill::from_percent(100),
		}),
	]
}

#[test]
fn tracks_are_sorted_and_run_at_the_presets_timescale() {
	preset_ext(TESTNET_RUNTIME_PRESET).execute_with(|| {
		assert_ok!(TracksInfo::check_integrity());
		// A public chain runs the table as written.
		let tracks: Vec<_> = TracksInfo::tracks().map(|t| t.into_owned()).collect();
		assert_eq!(tracks, TRACKS.to_vec());
		let params = TracksInfo::info(ids::PROTOCOL_PARAMS).unwrap();
		assert_eq!(params.decision_period, 14 * crate::DAYS);
		assert_eq!(
			<Runtime as pallet_conviction_voting::Config>::VoteLockingPeriod::get(),
			7 * crate::DAYS
		);
	});
	preset_ext(DEV_RUNTIME_PRESET).execute_with(|| {
		assert_ok!(TracksInfo::check_integrity());
		let params = TracksInfo::info(ids::PROTOCOL_PARAMS).unwrap();
		// A day of track time is 5 blocks; periods shorter than a block last one block.
		assert_eq!(DEV_GOVERNANCE_TIMESCALE, 2_880);
		assert_eq!(params.decision_period, 70);
		assert_eq!(params.confirm_period, 5);
		assert_eq!(params.prepare_period, 1);
		assert_eq!(<Runtime as pallet_conviction_voting::Config>::VoteLockingPeriod::get(), 35);
		assert_eq!(<Runtime as pallet_referenda::Config>::UndecidingTimeout::get(), 70);
		// Names are what polkadot.js shows.
		let names: Vec<String> = TracksInfo::tracks()
			.map(|t| {
				String::from_utf8(t.info.name.iter().copied().take_while(|b| *b != 0).collect())
					.unwrap()
			})
			.collect();
		assert_eq!(
			names,
			["root", "protocol_params", "treasurer", "emergency", "small_spender", "big_spender"]
		);
		// Every origin maps to its track, and signed accounts to none.
		for (origin, id) in [
			(Origin::ProtocolParams, ids::PROTOCOL_PARAMS),
			(Origin::Treasurer, ids::TREASURER),
			(Origin::Emergency, ids::EMERGENCY),
			(Origin::SmallSpender, ids::SMALL_SPENDER),
			(Origin::BigSpender, ids::BIG_SPENDER),
		] {
			assert_eq!(TracksInfo::track_for(&OriginCaller::Origins(origin)), Ok(id));
		}
		assert_eq!(
			TracksInfo::track_for(&OriginCaller::system(frame_system::RawOrigin::Root)),
			Ok(ids::ROOT)
		);
		assert!(TracksInfo::track_for(&OriginCaller::system(frame_system::RawOrigin::Signed(
			Sr25519Keyring::Alice.to_account_id()
		)))
		.is_err());
	});
}

#[test]
fn each_track_reaches_its_calls_and_no_others() {
	preset_ext(DEV_RUNTIME_PRESET).execute_with(|| {
		run_to(1);
		let dave = Sr25519Keyring::Dave.to_account_id();
		let issuance = Balances::total_issuance();

		// Spenders: up to their maximum and not a unit more, in one spend or in a batch.
		for (origin, max) in [
			(Origin::SmallSpender, SMALL_SPENDER_MAX),
			(Origin::BigSpender, BIG_SPENDER_MAX),
			(Origin::Treasurer, TREASURER_MAX),
		] {
			assert_ok!(dispatch(origin.clone(), spend(max, &dave, None)));
			let over = dispatch(origin.clone(), spend(max + 1, &dave, None)).unwrap_err().error;
			assert_eq!(over, pallet_treasury::Error::<Runtime>::InsufficientPermission.into());
			let split = RuntimeCall::Utility(pallet_utility::Call::batch_all {
				calls: vec![spend(max / 2 + 1, &dave, None), spend(max / 2 + 1, &dave, None)],
			});
			let split = dispatch(origin.clone(), split).unwrap_err().error;
			assert_eq!(split, pallet_treasury::Error::<Runtime>::InsufficientPermission.into());
			// Spenders set no parameters, pause nothing, cancel no slash and no referendum.
			for call in [
				market_params(),
				vault_params(),
				pause_vault(true),
				pause_market(true),
				cancel_slash(),
				RuntimeCall::Referenda(pallet_referenda::Call::cancel { index: 0 }),
			] {
				assert!(is_bad_origin(dispatch(origin.clone(), call)), "{origin:?}");
			}
		}
		// Only the treasurer rejects.
		let void = || RuntimeCall::Treasury(pallet_treasury::Call::void_spend { index: 0 });
		assert!(is_bad_origin(dispatch(Origin::SmallSpender, void())));
		assert!(is_bad_origin(dispatch(Origin::BigSpender, void())));
		assert_ok!(dispatch(Origin::Treasurer, void()));

		// Root's own powers reach no track: scheduling, preimage management, raw storage (the
		// timescale's key among them), dispatching as another origin.
		let root_only = [
			RuntimeCall::Scheduler(pallet_scheduler::Call::schedule {
				when: 10,
				maybe_periodic: Some((10, 10)),
				priority: 0,
				call: Box::new(spend(1, &dave, None)),
			}),
			RuntimeCall::Preimage(pallet_preimage::Call::request_preimage {
				hash: Default::default(),
			}),
			RuntimeCall::System(frame_system::Call::set_storage { items: vec![] }),
			RuntimeCall::Utility(pallet_utility::Call::dispatch_as {
				as_origin: Box::new(OriginCaller::system(frame_system::RawOrigin::Root)),
				call: Box::new(spend(1, &dave, None)),
			}),
		];
		for origin in [
			Origin::ProtocolParams,
			Origin::Treasurer,
			Origin::BigSpender,
			Origin::SmallSpender,
			Origin::Emergency,
		] {
			for call in root_only.iter().cloned().chain(staking_admin()) {
				assert!(is_bad_origin(dispatch(origin.clone(), call)), "{origin:?}");
			}
		}

		// Protocol parameters: the market's, the disputes', the vault's; nothing else.
		for call in [market_params(), dispute_params(), vault_params()] {
			assert_ok!(dispatch(Origin::ProtocolParams, call));
		}
		for call in [
			spend(1, &dave, None),
			pause_vault(true),
			pause_market(true),
			cancel_slash(),
			RuntimeCall::Referenda(pallet_referenda::Call::kill { index: 0 }),
		] {
			assert!(is_bad_origin(dispatch(Origin::ProtocolParams, call)));
		}

		// Emergency: pauses and cancels slashes; spends nothing and sets no parameters.
		assert_ok!(dispatch(Origin::Emergency, pause_vault(true)));
		assert!(pallet_buyback::Paused::<Runtime>::get());
		assert_ok!(dispatch(Origin::Emergency, pause_vault(false)));
		assert_ok!(dispatch(Origin::Emergency, pause_market(true)));
		assert_ok!(dispatch(Origin::Emergency, pause_market(false)));
		// No slash is deferred at era 0: refused for that, not for the origin.
		let no_slash = dispatch(Origin::Emergency, cancel_slash()).unwrap_err().error;
		assert_eq!(no_slash, pallet_staking::Error::<Runtime>::InvalidSlashIndex.into());
		for call in [spend(1, &dave, None), market_params(), dispute_params(), vault_params()] {
			assert!(is_bad_origin(dispatch(Origin::Emergency, call)));
		}
		// Staking's admin calls (the minimum commission, slashing by hand) stay root's.
		for call in staking_admin() {
			assert!(is_bad_origin(dispatch(Origin::Emergency, call)));
		}

		// A signed account reaches none of them.
		let signed = RuntimeOrigin::signed(dave.clone());
		for call in [
			spend(1, &dave, None),
			market_params(),
			vault_params(),
			pause_vault(true),
			pause_market(true),
			cancel_slash(),
		] {
			assert!(
				matches!(call.dispatch(signed.clone()), Err(e) if e.error == DispatchError::BadOrigin)
			);
		}

		// Approving spends moved nothing yet, and nothing was minted.
		assert_eq!(Balances::total_issuance(), issuance);
		super::do_try_state().expect("governance invariants hold");
		supply_invariant_holds();
	});
}

/// `proposer` puts `call` to a referendum on `track` as a token holder would from polkadot.js:
/// note the preimage, submit, place the decision deposit. Returns the referendum's index and the
/// preimage's hash.
fn propose_as(
	proposer: &AccountId,
	call: RuntimeCall,
	track: OriginCaller,
) -> (u32, sp_core::H256) {
	let encoded = call.encode();
	let hash = <Runtime as frame_system::Config>::Hashing::hash(&encoded);
	assert_ok!(Preimage::note_preimage(RuntimeOrigin::signed(proposer.clone()), encoded.clone()));
	let index = pallet_referenda::ReferendumCount::<Runtime>::get();
	assert_ok!(Referenda::submit(
		RuntimeOrigin::signed(proposer.clone()),
		Box::new(track),
		Bounded::Lookup { hash, len: encoded.len() as u32 },
		DispatchTime::After(1),
	));
	assert_ok!(Referenda::place_decision_deposit(RuntimeOrigin::signed(proposer.clone()), index));
	(index, hash)
}

/// [`propose_as`] by Alice.
fn propose(call: RuntimeCall, track: OriginCaller) -> (u32, sp_core::H256) {
	propose_as(&Sr25519Keyring::Alice.to_account_id(), call, track)
}

fn approved(index: u32) -> bool {
	matches!(
		pallet_referenda::ReferendumInfoFor::<Runtime>::get(index),
		Some(ReferendumInfo::Approved(..))
	)
}

/// What Alice holds for a preimage of `call`: 1 AI and 1 milli-AI per byte.
fn preimage_deposit(call: &RuntimeCall) -> Balance {
	AI + call.encoded_size() as Balance * crate::MILLI_AI
}

fn vote(who: &AccountId, index: u32, aye: bool, conviction: Conviction, balance: Balance) {
	assert_ok!(ConvictionVoting::vote(
		RuntimeOrigin::signed(who.clone()),
		index,
		AccountVote::Standard { vote: Vote { aye, conviction }, balance },
	));
}

fn new_market_params() -> pallet_compute::ParamsOf<Runtime> {
	let mut params = pallet_compute::Params::<Runtime>::get();
	params.solver_share = sp_runtime::Perbill::from_percent(85);
	params.verifier_share = sp_runtime::Perbill::from_percent(5);
	params
}

#[test]
fn a_referendum_passes_is_enacted_and_its_deposits_come_back() {
	preset_ext(DEV_RUNTIME_PRESET).execute_with(|| {
		run_to(1);
		let alice = Sr25519Keyring::Alice.to_account_id();
		let bob = Sr25519Keyring::Bob.to_account_id();
		let reserved = Balances::reserved_balance(&alice);
		let params = new_market_params();
		let call = RuntimeCall::Compute(pallet_compute::Call::set_params { params });
		let deposits = 100 * AI + 100_000 * AI + preimage_deposit(&call);
		let (index, hash) = propose(call, OriginCaller::Origins(Origin::ProtocolParams));
		assert_eq!(Balances::reserved_balance(&alice), reserved + deposits);

		// Bob's 1,000,000 AI are about 16% of the dev chain's electorate (the dev accounts; the
		// keyless buckets do not count): above the track's 10%.
		vote(&bob, index, true, Conviction::Locked1x, 1_000_000 * AI);
		run_to(30);
		assert!(approved(index));
		assert_eq!(pallet_compute::Params::<Runtime>::get(), params);

		assert_ok!(Referenda::refund_decision_deposit(RuntimeOrigin::signed(bob.clone()), index));
		assert_ok!(Referenda::refund_submission_deposit(RuntimeOrigin::signed(bob), index));
		// The preimage was used: its noter takes it away and its deposit back.
		assert_ok!(Preimage::unnote_preimage(RuntimeOrigin::signed(alice.clone()), hash));
		assert_eq!(Balances::reserved_balance(&alice), reserved);
		super::do_try_state().expect("governance invariants hold");
		supply_invariant_holds();
	});
}

#[test]
fn a_rejected_referendum_gives_the_decision_deposit_back_and_a_killed_one_pays_the_treasury() {
	preset_ext(DEV_RUNTIME_PRESET).execute_with(|| {
		run_to(1);
		let alice = Sr25519Keyring::Alice.to_account_id();
		let bob = Sr25519Keyring::Bob.to_account_id();
		let issuance = Balances::total_issuance();
		let reserved = Balances::reserved_balance(&alice);
		let call =
			RuntimeCall::Compute(pallet_compute::Call::set_params { params: new_market_params() });

		// Rejected: nays carry it; nothing is enacted at the decision period's end (70 blocks).
		let (rejected, hash) = propose(call.clone(), OriginCaller::Origins(Origin::ProtocolParams));
		vote(&bob, rejected, false, Conviction::Locked1x, 1_000_000 * AI);
		run_to(80);
		assert!(matches!(
			pallet_referenda::ReferendumInfoFor::<Runtime>::get(rejected),
			Some(ReferendumInfo::Rejected(..))
		));
		assert_ne!(pallet_compute::Params::<Runtime>::get(), new_market_params());
		assert_ok!(Referenda::refund_decision_deposit(
			RuntimeOrigin::signed(bob.clone()),
			rejected
		));
		assert_ok!(Preimage::unnote_preimage(RuntimeOrigin::signed(alice.clone()), hash));
		// The submission deposit of a rejected referendum stays held: FRAME's price of a
		// proposal that failed (it is neither burned nor moved).
		assert_eq!(Balances::reserved_balance(&alice), reserved + 100 * AI);
		assert!(Referenda::refund_submission_deposit(RuntimeOrigin::signed(bob.clone()), rejected)
			.is_err());

		// Killed by the emergency track: both deposits go to the treasury, none is destroyed.
		let (killed, hash) = propose(call, OriginCaller::Origins(Origin::ProtocolParams));
		assert_ok!(Preimage::unnote_preimage(RuntimeOrigin::signed(alice.clone()), hash));
		let treasury = balance(&treasury_account());
		let kill = RuntimeCall::Referenda(pallet_referenda::Call::kill { index: killed });
		assert!(is_bad_origin(dispatch(Origin::ProtocolParams, kill.clone())));
		assert_ok!(dispatch(Origin::Emergency, kill));
		assert_eq!(balance(&treasury_account()), treasury + 100 * AI + 100_000 * AI);
		assert_eq!(Balances::reserved_balance(&alice), reserved + 100 * AI);
		assert_eq!(Balances::total_issuance(), issuance);
		super::do_try_state().expect("governance invariants hold");
		supply_invariant_holds();
	});
}

#[test]
fn conviction_locks_and_unlocks_on_schedule_and_vested_tokens_vote() {
	preset_ext(DEV_RUNTIME_PRESET).execute_with(|| {
		run_to(1);
		let bob = Sr25519Keyring::Bob.to_account_id();
		let call =
			RuntimeCall::Compute(pallet_compute::Call::set_params { params: new_market_params() });
		let (index, _) = propose(call, OriginCaller::Origins(Origin::ProtocolParams));
		// 2x conviction: locked for two lock periods (2 × 35 blocks) after the referendum ends.
		vote(&bob, index, true, Conviction::Locked2x, 1_000_000 * AI);
		// Dave's vested tokens, which cannot move before their cliff, vote too.
		let alice = Sr25519Keyring::Alice.to_account_id();
		let dave = Sr25519Keyring::Dave.to_account_id();
		let vested = 300_000 * AI;
		assert_ok!(crate::Vesting::vested_transfer(
			RuntimeOrigin::signed(alice),
			dave.clone().into(),
			pallet_vesting::VestingInfo::new(vested, AI, 1_000_000),
		));
		let usable = Balances::usable_balance(&dave);
		vote(&dave, index, true, Conviction::Locked1x, 1_000_000 * AI + vested);
		run_to(30);
		let Some(ReferendumInfo::Approved(end, ..)) =
			pallet_referenda::ReferendumInfoFor::<Runtime>::get(index)
		else {
			panic!("approved")
		};

		let class = Some(ids::PROTOCOL_PARAMS);
		assert_ok!(ConvictionVoting::remove_vote(RuntimeOrigin::signed(bob.clone()), class, index));
		let locked = super::vote_lock;
		assert_eq!(locked(&bob), 1_000_000 * AI);
		run_to(end + 2 * 35 - 1);
		assert_ok!(ConvictionVoting::unlock(
			RuntimeOrigin::signed(bob.clone()),
			ids::PROTOCOL_PARAMS,
			bob.clone().into()
		));
		assert_eq!(locked(&bob), 1_000_000 * AI, "still locked a block before the end");
		run_to(end + 2 * 35);
		assert_ok!(ConvictionVoting::unlock(
			RuntimeOrigin::signed(bob.clone()),
			ids::PROTOCOL_PARAMS,
			bob.clone().into()
		));
		assert_eq!(locked(&bob), 0);
		// Voting moved nothing: Dave's vested tokens are still bound by their schedule alone.
		assert_ok!(ConvictionVoting::remove_vote(
			RuntimeOrigin::signed(dave.clone()),
			class,
			index
		));
		run_to(end + 35);
		assert_ok!(ConvictionVoting::unlock(
			RuntimeOrigin::signed(dave.clone()),
			ids::PROTOCOL_PARAMS,
			dave.clone().into()
		));
		assert_eq!(Balances::usable_balance(&dave), usable);
		assert_eq!(locked(&dave), 0);
	});
}

#[test]
fn the_emergency_track_pauses_the_market_and_resumes_it() {
	preset_ext(DEV_RUNTIME_PRESET).execute_with(|| {
		run_to(1);
		let dave = Sr25519Keyring::Dave.to_account_id();
		assert_ok!(dispatch(Origin::Emergency, pause_market(true)));
		assert_noop!(submit_tiny_task(&dave), pallet_compute::Error::<Runtime>::MarketPaused);
		run_to(5);
		assert_ok!(dispatch(Origin::Emergency, pause_market(false)));
		assert_ok!(submit_tiny_task(&dave));
		assert_eq!(pallet_compute::PausedSince::<Runtime>::get(), None);
	});
}

/// The compute-mining pot is funded the way a recurring grant is: one treasurer referendum
/// approves a series of spends, each valid from its month; anyone pays each out once it is
/// due. The series counts against the track's maximum as a whole.
#[test]
fn the_treasurer_funds_the_mining_pot_with_scheduled_spends() {
	preset_ext(DEV_RUNTIME_PRESET).execute_with(|| {
		run_to(1);
		let pot = Compute::mining_pot_account();
		let before = balance(&pot);
		let monthly = 10_000_000 * AI;
		let series = RuntimeCall::Utility(pallet_utility::Call::batch_all {
			calls: (1..=3).map(|month| spend(monthly, &pot, Some(month * 100))).collect(),
		});
		assert_ok!(dispatch(Origin::Treasurer, series));
		let anyone = RuntimeOrigin::signed(Sr25519Keyring::Eve.to_account_id());
		assert_noop!(
			Treasury::payout(anyone.clone(), 0),
			pallet_treasury::Error::<Runtime>::EarlyPayout
		);
		run_to(100);
		assert_ok!(Treasury::payout(anyone.clone(), 0));
		assert_eq!(balance(&pot), before + monthly);
		assert_noop!(
			Treasury::payout(anyone.clone(), 1),
			pallet_treasury::Error::<Runtime>::EarlyPayout
		);
		run_to(300);
		assert_ok!(Treasury::payout(anyone.clone(), 1));
		assert_ok!(Treasury::payout(anyone, 2));
		assert_eq!(balance(&pot), before + 3 * monthly);
		// Eleven months of it would pass the treasurer's 100,000,000 AI: refused as a whole.
		let too_much = RuntimeCall::Utility(pallet_utility::Call::batch_all {
			calls: (1..=11).map(|month| spend(monthly, &pot, Some(month * 100))).collect(),
		});
		assert!(dispatch(Origin::Treasurer, too_much).is_err());
		super::do_try_state().expect("governance invariants hold");
		supply_invariant_holds();
	});
}

/// A public chain has no sudo key and no dev accounts: its validators' own tokens decide. The
/// keyless genesis buckets do not count in the electorate, so three validators holding 1,000,000
/// AI each are the whole vote, and two of them pass an emergency referendum, in real time.
#[test]
fn on_a_public_chain_keyed_holders_decide_in_real_time() {
	preset_ext(TESTNET_RUNTIME_PRESET).execute_with(|| {
		run_to(1);
		let validators = pallet_session::Validators::<Runtime>::get();
		assert_eq!(validators.len(), 3);
		// The electorate is what keyed accounts hold (plus a few module accounts' dust), not the
		// 10 billion.
		let electorate = super::Electorate::get();
		assert!(electorate >= 3_000_000 * AI && electorate < 3_100_000 * AI, "{electorate}");

		// A timescale written into a public chain's state changes nothing: no sudo key.
		super::origins::Timescale::<Runtime>::put(DEV_GOVERNANCE_TIMESCALE);
		assert_eq!(super::timescale(), 1);
		assert_eq!(TracksInfo::info(ids::EMERGENCY).unwrap().confirm_period, crate::HOURS);

		let (index, _) = propose_as(
			&validators[0],
			pause_market(true),
			OriginCaller::Origins(Origin::Emergency),
		);
		for voter in &validators[1..] {
			vote(voter, index, true, Conviction::Locked1x, 900_000 * AI);
		}
		// Prepare 10 minutes (100 blocks), confirm an hour (600), enactment a minute (10).
		run_to(650);
		assert!(pallet_compute::PausedSince::<Runtime>::get().is_none(), "not before the hour");
		run_to(760);
		assert!(approved(index));
		assert!(pallet_compute::PausedSince::<Runtime>::get().is_some());
		supply_invariant_holds();
	});
}
