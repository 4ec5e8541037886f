use crate::{mock::*, Burned, EraRewardPot, Event, RepayFromReserve, ToRewardPot};
use frame_support::traits::{
	fungible::{Balanced, Inspect, Mutate},
	tokens::{Fortitude, Precision, Preservation},
	OnUnbalanced,
};
use sp_staking::EraPayout;

fn fee(amount: u64) {
	let credit = Balances::withdraw(
		&ALICE,
		amount,
		Precision::Exact,
		Preservation::Preserve,
		Fortitude::Polite,
	)
	.unwrap();
	ToRewardPot::<Test>::on_unbalanced(credit);
}

fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| if let RuntimeEvent::Supply(e) = r.event { Some(e) } else { None })
		.collect()
}

#[test]
fn genesis_satisfies_the_invariant() {
	test(|| {
		assert_eq!(Balances::total_issuance(), CAP);
		assert_eq!(Burned::<Test>::get(), 0);
	});
}

#[test]
fn fees_go_to_the_pot_and_are_committed_at_era_end() {
	test(|| {
		fee(500);
		assert_eq!(Balances::balance(&Supply::reward_pot_account()), ED + 500);
		let (payout, rest) = EraRewardPot::<Test>::era_payout(0, CAP, 0);
		assert_eq!((payout, rest), (500, 0));
		// The pot keeps its existential deposit so that tiny fees can still land in it.
		assert_eq!(Balances::balance(&Supply::reward_pot_account()), ED);
		assert_eq!(Balances::balance(&Supply::payout_reserve_account()), ED + 500);
		assert_eq!(events(), vec![Event::EraRewardCommitted { amount: 500 }]);
		// An empty pot pays nothing and moves nothing.
		assert_eq!(EraRewardPot::<Test>::era_payout(0, CAP, 0), (0, 0));
		assert_eq!(Balances::total_issuance(), CAP);
	});
}

#[test]
fn staking_rewards_are_repaid_from_the_reserve_without_changing_issuance() {
	test(|| {
		fee(1_000);
		let (payout, _) = EraRewardPot::<Test>::era_payout(0, CAP, 0);
		// Staking mints the validator's reward ...
		let debt = Balances::deposit(&BOB, 600, Precision::Exact).unwrap();
		// ... and hands the imbalance to `Reward`, which settles it against the reserve.
		RepayFromReserve::<Test>::on_unbalanced(debt);
		assert_eq!(Balances::balance(&BOB), 600);
		assert_eq!(Balances::total_issuance(), CAP);
		assert_eq!(Balances::balance(&Supply::payout_reserve_account()), ED + payout - 600);
		assert!(events().contains(&Event::StakingRewardRepaid { amount: 600 }));
	});
}

#[test]
fn an_uncovered_reward_is_reported_and_breaks_the_invariant() {
	new_test_ext().execute_with(|| {
		let debt = Balances::deposit(&BOB, 100, Precision::Exact).unwrap();
		RepayFromReserve::<Test>::on_unbalanced(debt);
		// The reserve held only its existential deposit, which it keeps: all of it was minted.
		assert_eq!(events(), vec![Event::StakingRewardUncovered { amount: 100 }]);
		assert_eq!(Balances::total_issuance(), CAP + 100);
		assert!(Supply::do_try_state().is_err());
	});
}

#[test]
fn a_partly_covered_reward_repays_what_it_can() {
	new_test_ext().execute_with(|| {
		fee(50);
		EraRewardPot::<Test>::era_payout(0, CAP, 0);
		let debt = Balances::deposit(&BOB, 80, Precision::Exact).unwrap();
		RepayFromReserve::<Test>::on_unbalanced(debt);
		assert_eq!(
			events(),
			vec![
				Event::EraRewardCommitted { amount: 50 },
				Event::StakingRewardRepaid { amount: 50 },
				Event::StakingRewardUncovered { amount: 30 },
			]
		);
		// The reserve kept its existential deposit; 30 units were minted without cover.
		assert_eq!(Balances::balance(&Supply::payout_reserve_account()), ED);
		assert_eq!(Balances::total_issuance(), CAP + 30);
		assert!(Supply::do_try_state().is_err());
	});
}

#[test]
fn burns_are_recorded() {
	test(|| {
		let credit = Balances::withdraw(
			&ALICE,
			300,
			Precision::Exact,
			Preservation::Preserve,
			Fortitude::Polite,
		)
		.unwrap();
		Supply::burn_credit(credit);
		assert_eq!(Balances::total_issuance(), CAP - 300);
		assert_eq!(Burned::<Test>::get(), 300);
		assert_eq!(events(), vec![Event::Burned { amount: 300, total_burned: 300 }]);
	});
}

#[test]
fn credit_an_account_cannot_take_is_burned_visibly() {
	test(|| {
		let credit = Balances::withdraw(
			&ALICE,
			ED - 1,
			Precision::Exact,
			Preservation::Preserve,
			Fortitude::Polite,
		)
		.unwrap();
		// Account 99 does not exist and ED - 1 cannot create it.
		Supply::resolve_or_burn(&99, credit);
		assert_eq!(Burned::<Test>::get(), ED - 1);
		assert_eq!(Balances::total_issuance(), CAP - (ED - 1));
	});
}

#[test]
fn try_state_catches_an_unrecorded_mint_or_burn() {
	new_test_ext().execute_with(|| {
		Balances::mint_into(&BOB, 100).unwrap();
		assert!(Supply::do_try_state().is_err());
		Balances::burn_from(
			&BOB,
			100,
			Preservation::Expendable,
			Precision::Exact,
			Fortitude::Force,
		)
		.unwrap();
		assert!(Supply::do_try_state().is_ok());
		Balances::burn_from(&ALICE, 1, Preservation::Preserve, Precision::Exact, Fortitude::Force)
			.unwrap();
		assert!(Supply::do_try_state().is_err());
	});
}
