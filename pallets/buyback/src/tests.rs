//! Unit tests against the mock runtime: a real pallet-asset-conversion pool, real pallet-assets
//! stable asset, and the supply ledger checking `issuance + burned == cap` after every test.

use crate::{
	mock::*, pool::max_input_at_price, BuybackParams, Checkpoint, Error, Event, LastExecution,
	LastSale, Params, Paused, PriceCheckpoints, PriceRecord,
};
use frame_support::{
	assert_noop, assert_ok,
	traits::fungible::Inspect,
};
use sp_core::U256;
use sp_runtime::{
	traits::{BadOrigin, Saturating, Zero},
	DispatchError, FixedPointNumber, FixedU128, Permill,
};

/// The genesis pool price: 10 AI per USD, in planck per stable unit.
fn genesis_price() -> FixedU128 {
	FixedU128::from_rational(POOL_AI, POOL_USD)
}

/// Run a full TWAP window (and a checkpoint interval) of blocks, so that the window no longer
/// reaches back to genesis.
fn run_window() {
	run_blocks((1_800 + 300) / 6 + 1);
}

/// The TWAP over `window` seconds, errors as dispatch errors (pallet errors do not compare).
fn twap(window: u64) -> Result<FixedU128, DispatchError> {
	Buyback::twap_price(window).map_err(Into::into)
}

fn pool_fee() -> Permill {
	LpFee::get()
}

/// What the pool pays for `stable_in` now.
fn quote_ai_out(stable_in: Balance) -> Balance {
	let (stable, ai) = reserves();
	AssetConversion::get_amount_out(pool_fee(), &stable_in, &stable, &ai).unwrap()
}

/// What the vault's `Bought` event of this test says.
struct Sale {
	sold: Balance,
	bought: Balance,
	twap: FixedU128,
	min_out: Balance,
	left: Balance,
}

fn sale() -> Sale {
	buyback_events()
		.into_iter()
		.find_map(|e| match e {
			Event::Bought { stable_sold, ai_bought, twap_price, min_ai_out, stable_left } =>
				Some(Sale {
					sold: stable_sold,
					bought: ai_bought,
					twap: twap_price,
					min_out: min_ai_out,
					left: stable_left,
				}),
			_ => None,
		})
		.expect("the vault sold")
}

fn set_params(f: impl FnOnce(&mut crate::ParamsOf<Test>)) {
	let mut params = Params::<Test>::get();
	f(&mut params);
	assert_ok!(Buyback::set_params(RuntimeOrigin::root(), params));
}

#[test]
fn genesis_pool_starts_the_price_record() {
	ExtBuilder::default().build_and_execute(|| {
		let record = PriceRecord::<Test>::get().unwrap();
		// The genesis state has time 0: the genesis price stands for all time before block 1.
		assert_eq!(record.observed_at, 0);
		assert_eq!(record.price, genesis_price());
		assert_eq!(genesis_price(), FixedU128::saturating_from_integer(10_000_000_000_000u128));
		assert_eq!(PriceCheckpoints::<Test>::get().into_inner(), vec![Checkpoint {
			at: 0,
			cumulative: U256::zero()
		}]);
		// So the TWAP is there from the first block, and it is the genesis price.
		run_blocks(1);
		assert_eq!(twap(1_800), Ok(genesis_price()));
		assert_eq!(Buyback::spot_price(), Some(genesis_price()));
	});
}

#[test]
fn twap_is_the_time_weighted_average_of_observed_prices() {
	ExtBuilder::default().build_and_execute(|| {
		run_window();
		assert_eq!(twap(1_800), Ok(genesis_price()));

		// Bob buys AI: from the next block on the pool quotes fewer AI per USD (0.8% fewer:
		// within one step, so the record takes the pool's price as it is).
		swap(BOB, Stable::get(), Native::get(), 4_000 * USD);
		let new_price = Buyback::spot_price().unwrap();
		assert!(new_price < genesis_price());
		let changed_at = now_secs();
		// 100 blocks (600 s) later: the new price is observed from the block after the trade,
		// i.e. it held since `changed_at`.
		run_blocks(100);
		let now = now_secs();
		let record = PriceRecord::<Test>::get().unwrap();
		let checkpoint = PriceCheckpoints::<Test>::get()
			.into_iter()
			.rev()
			.find(|c| c.at <= now - 1_800)
			.unwrap();
		let old = U256::from(genesis_price().into_inner()) * U256::from(changed_at - checkpoint.at);
		let new = U256::from(new_price.into_inner()) * U256::from(now - changed_at);
		let expected = (old + new) / U256::from(now - checkpoint.at);
		assert_eq!(record.cumulative_at(now) - checkpoint.cumulative, old + new);
		assert_eq!(
			twap(1_800),
			Ok(FixedU128::from_inner(u128::try_from(expected).unwrap()))
		);
		// The average lies between the two prices, weighted by time.
		let twap = twap(1_800).unwrap();
		assert!(new_price < twap && twap < genesis_price());
	});
}

#[test]
fn checkpoints_are_kept_every_interval_and_bounded() {
	ExtBuilder::default().build_and_execute(|| {
		run_blocks(50);
		// Genesis, then one at block 2 (time jumps from 0), then every 300 s.
		assert_eq!(PriceCheckpoints::<Test>::get().len(), 2);
		run_blocks(50);
		assert_eq!(PriceCheckpoints::<Test>::get().len(), 3);
		run_blocks(10_000);
		let checkpoints = PriceCheckpoints::<Test>::get();
		assert_eq!(checkpoints.len(), 16);
		for pair in checkpoints.windows(2) {
			assert_eq!(pair[1].at - pair[0].at, 300);
		}
		// The longest window the checkpoints cover: 15 × 300 s.
		assert_eq!(Buyback::max_twap_window(), 4_500);
		assert_eq!(twap(4_500), Ok(genesis_price()));
	});
}

#[test]
fn ai_revenue_is_split_to_the_unit() {
	ExtBuilder::default().build_and_execute(|| {
		let revenue: Balance = 1_234_567_891_234_567_891;
		pay_ai_revenue(revenue);
		let issuance = Balances::total_issuance();
		let treasury = Balances::balance(&TREASURY);
		let charlie = Balances::balance(&CHARLIE);

		assert_ok!(Buyback::execute(RuntimeOrigin::signed(CHARLIE)));

		// 70% burned, 1% to the executor, 29% and the rounding dust (2 planck) to the treasury.
		let burned = 864_197_523_864_197_523;
		let to_executor = 12_345_678_912_345_678;
		let to_treasury = 358_024_688_458_024_690;
		assert_eq!(burned + to_executor + to_treasury, revenue);
		assert_eq!(to_treasury, revenue * 29 / 100 + 2);
		assert_eq!(Balances::total_issuance(), issuance - burned);
		assert_eq!(pallet_supply::Burned::<Test>::get(), burned);
		assert_eq!(Balances::total_issuance() + burned, Cap::get());
		assert_eq!(Balances::balance(&TREASURY), treasury + to_treasury);
		assert_eq!(Balances::balance(&CHARLIE), charlie + to_executor);
		// The vault keeps exactly its existential deposit.
		assert_eq!(Balances::balance(&vault()), ED);
		assert_eq!(
			buyback_events(),
			vec![Event::Executed {
				executor: CHARLIE,
				total: revenue,
				burned,
				to_treasury,
				to_executor,
				next_execution: 101,
			}]
		);
		assert!(System::events().iter().any(|r| r.event ==
			RuntimeEvent::Supply(pallet_supply::Event::Burned {
				amount: burned,
				total_burned: burned
			})));
		assert_eq!(LastExecution::<Test>::get(), Some(1));
	});
}

#[test]
fn stable_revenue_is_sold_under_the_guard_and_the_ai_split() {
	ExtBuilder::default().build_and_execute(|| {
		run_window();
		pay_usd_revenue(1_000 * USD);
		pay_ai_revenue(5 * AI);
		let expected_out = quote_ai_out(1_000 * USD);
		let (pool_usd, pool_ai) = reserves();
		let issuance = Balances::total_issuance();

		assert_ok!(Buyback::execute(RuntimeOrigin::signed(CHARLIE)));

		// The guard: the TWAP (the genesis price) less 5%.
		let floor = genesis_price().saturating_mul(FixedU128::from_rational(95, 100));
		let min_ai_out = floor.saturating_mul_int(1_000 * USD);
		assert_eq!(min_ai_out, 9_500 * AI);
		assert_eq!(reserves(), (pool_usd + 1_000 * USD, pool_ai - expected_out));
		assert_eq!(usd(vault()), 0);
		let total = expected_out + 5 * AI;
		let burned = total * 7 / 10;
		let to_executor = total / 100;
		assert_eq!(
			buyback_events(),
			vec![
				Event::Bought {
					stable_sold: 1_000 * USD,
					ai_bought: expected_out,
					twap_price: genesis_price(),
					min_ai_out,
					stable_left: 0,
				},
				Event::Executed {
					executor: CHARLIE,
					total,
					burned,
					to_treasury: total - burned - to_executor,
					to_executor,
					next_execution: System::block_number() + 100,
				}
			]
		);
		// Bought AI comes out of the pool, it is not minted: issuance falls by the burn only.
		assert_eq!(Balances::total_issuance(), issuance - burned);
		assert_eq!(Balances::total_issuance() + pallet_supply::Burned::<Test>::get(), Cap::get());
	});
}

#[test]
fn a_sale_is_capped_by_the_epoch_volume() {
	ExtBuilder::default().build_and_execute(|| {
		run_window();
		set_params(|p| p.max_sale_per_epoch = 2_000 * USD);
		pay_usd_revenue(5_000 * USD);
		let expected_out = quote_ai_out(2_000 * USD);

		assert_ok!(Buyback::execute(RuntimeOrigin::signed(CHARLIE)));
		assert!(buyback_events().contains(&Event::Bought {
			stable_sold: 2_000 * USD,
			ai_bought: expected_out,
			twap_price: genesis_price(),
			min_ai_out: 19_000 * AI,
			stable_left: 3_000 * USD,
		}));
		assert_eq!(usd(vault()), 3_000 * USD);

		// The rest waits for the next epochs.
		run_blocks(100);
		assert_ok!(Buyback::execute(RuntimeOrigin::signed(CHARLIE)));
		assert_eq!(usd(vault()), 1_000 * USD);
	});
}

#[test]
fn a_sale_is_capped_where_the_pool_would_pay_less_than_the_guard() {
	ExtBuilder::default().build_and_execute(|| {
		run_window();
		// 200,000 USD into a 1,000,000 USD pool would cost far more than 5% in price impact.
		set_params(|p| p.max_sale_per_epoch = 1_000_000 * USD);
		pay_usd_revenue(200_000 * USD);
		let floor = genesis_price().saturating_mul(FixedU128::from_rational(95, 100));
		let (pool_usd, pool_ai) = reserves();
		let cap = max_input_at_price(floor, pool_fee(), pool_usd, pool_ai);
		assert!(cap > 0 && cap < 200_000 * USD);
		// The cap is tight: it meets the guard, 0.1% more would not.
		assert!(quote_ai_out(cap) >= floor.saturating_mul_int(cap));
		let more = cap + cap / 1_000;
		assert!(quote_ai_out(more) < floor.saturating_mul_int(more));

		assert_ok!(Buyback::execute(RuntimeOrigin::signed(CHARLIE)));
		let sale = sale();
		assert_eq!(sale.sold, cap);
		assert!(sale.bought >= sale.min_out);
		assert_eq!(sale.left, 200_000 * USD - cap);
		// Average price paid: within 5% of the TWAP.
		assert!(FixedU128::from_rational(sale.bought, sale.sold) >= floor);
	});
}

#[test]
fn a_price_spike_inside_the_window_makes_execution_refuse() {
	ExtBuilder::default().build_and_execute(|| {
		run_window();
		pay_usd_revenue(1_000 * USD);
		// Someone pumps AI by 20% just before execution, in the same block: refused (with no AI
		// in the vault to split, the call fails).
		let pumped = swap(BOB, Stable::get(), Native::get(), 100_000 * USD);
		assert!(Buyback::spot_price().unwrap() < genesis_price() * FixedU128::from_rational(85, 100));
		assert_noop!(Buyback::execute(RuntimeOrigin::signed(CHARLIE)), Error::<Test>::PriceMoved);
		// In the next block the record has moved one step (1%) towards it: still refused.
		run_blocks(1);
		assert_eq!(
			PriceRecord::<Test>::get().unwrap().price,
			genesis_price() * FixedU128::from_rational(99, 100)
		);
		assert_noop!(Buyback::execute(RuntimeOrigin::signed(CHARLIE)), Error::<Test>::PriceMoved);
		// Held for 20 blocks, the record has caught up; the TWAP has barely moved, and the pool
		// pays far less than the guard: refused.
		run_blocks(20);
		assert_eq!(PriceRecord::<Test>::get().unwrap().price, Buyback::spot_price().unwrap());
		let twap = twap(1_800).unwrap();
		assert!(twap > genesis_price() * FixedU128::from_rational(98, 100));
		assert_noop!(
			Buyback::execute(RuntimeOrigin::signed(CHARLIE)),
			Error::<Test>::PriceOutsideGuard
		);
		assert_eq!(LastExecution::<Test>::get(), None);

		// Arbitrage brings the price back: once the record has followed, execution goes through
		// in the same epoch.
		swap(BOB, Native::get(), Stable::get(), pumped);
		run_blocks(20);
		assert_ok!(Buyback::execute(RuntimeOrigin::signed(CHARLIE)));
		assert_eq!(usd(vault()), 0);
	});
}

#[test]
fn a_one_block_spike_of_any_size_weighs_one_step() {
	ExtBuilder::default().build_and_execute(|| {
		run_window();
		// AI dumped into the pool: 5 times as many AI per USD, for one block.
		let dumped = 12_000_000 * AI;
		Balances::transfer_allow_death(RuntimeOrigin::signed(ALICE), BOB, dumped).unwrap();
		let got = swap(BOB, Native::get(), Stable::get(), dumped);
		assert!(Buyback::spot_price().unwrap() > genesis_price() * FixedU128::from_u32(4));
		run_blocks(1);
		assert_eq!(
			PriceRecord::<Test>::get().unwrap().price,
			genesis_price() * FixedU128::from_rational(101, 100)
		);
		swap(BOB, Stable::get(), Native::get(), got);
		run_blocks(1);
		// The TWAP saw a 1% higher price for 6 of 1,800 s (plus the way back, one step a block).
		let twap = twap(1_800).unwrap();
		assert!(twap < genesis_price() * FixedU128::from_rational(10_001, 10_000), "{twap:?}");
	});
}

#[test]
fn a_spike_held_through_the_window_caps_the_sale() {
	ExtBuilder::default().build_and_execute(|| {
		run_window();
		set_params(|p| p.max_sale_per_epoch = 1_000_000 * USD);
		pay_usd_revenue(30_000 * USD);
		// AI gets 4% dearer and stays so for a third of the window: the TWAP follows a third of
		// the way, and a 3% sale on top of the remaining gap would cost more than 5%: the pool
		// pays the guard price for only part of the revenue.
		swap(BOB, Stable::get(), Native::get(), 20_000 * USD);
		run_blocks(100);
		let twap = twap(1_800).unwrap();
		let spot = Buyback::spot_price().unwrap();
		assert!(spot < twap && twap < genesis_price());

		assert_ok!(Buyback::execute(RuntimeOrigin::signed(CHARLIE)));
		let Sale { sold, left, twap: twap_price, .. } = sale();
		assert_eq!(twap_price, twap);
		assert!(sold > 0 && left > 0, "capped sale: sold {sold}, left {left}");
		assert_eq!(sold + left, 30_000 * USD);
	});
}

#[test]
fn a_cheap_ai_price_does_not_stop_the_sale() {
	ExtBuilder::default().build_and_execute(|| {
		run_window();
		pay_usd_revenue(1_000 * USD);
		// Someone dumps AI: the vault gets more AI per USD than the TWAP, which it may (once the
		// record has followed the move, a step a block).
		swap(BOB, Native::get(), Stable::get(), 1_000_000 * AI);
		run_blocks(25);
		let expected_out = quote_ai_out(1_000 * USD);
		assert!(expected_out > 10_000 * AI);
		assert_ok!(Buyback::execute(RuntimeOrigin::signed(CHARLIE)));
		assert_eq!(usd(vault()), 0);
	});
}

#[test]
fn execution_happens_at_most_once_per_epoch() {
	ExtBuilder::default().build_and_execute(|| {
		pay_ai_revenue(AI);
		assert_ok!(Buyback::execute(RuntimeOrigin::signed(CHARLIE)));
		pay_ai_revenue(AI);
		assert_noop!(Buyback::execute(RuntimeOrigin::signed(BOB)), Error::<Test>::TooEarly);
		run_blocks(99);
		assert_noop!(Buyback::execute(RuntimeOrigin::signed(BOB)), Error::<Test>::TooEarly);
		run_blocks(1);
		assert_eq!(System::block_number(), 101);
		assert_ok!(Buyback::execute(RuntimeOrigin::signed(BOB)));
		assert_eq!(LastExecution::<Test>::get(), Some(101));

		// A longer epoch set by governance applies to the next execution.
		set_params(|p| p.epoch_length = 500);
		pay_ai_revenue(AI);
		run_blocks(100);
		assert_noop!(Buyback::execute(RuntimeOrigin::signed(BOB)), Error::<Test>::TooEarly);
		run_blocks(400);
		assert_ok!(Buyback::execute(RuntimeOrigin::signed(BOB)));
	});
}

#[test]
fn an_empty_vault_refuses_and_keeps_the_epoch() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(Buyback::execute(RuntimeOrigin::signed(CHARLIE)), Error::<Test>::VaultEmpty);
		assert_eq!(LastExecution::<Test>::get(), None);
		// The existential deposit alone is not revenue.
		assert_eq!(Balances::balance(&vault()), ED);
		pay_ai_revenue(AI);
		assert_ok!(Buyback::execute(RuntimeOrigin::signed(CHARLIE)));
	});
}

#[test]
fn pause_stops_execution_but_not_the_price_record() {
	ExtBuilder::default().build_and_execute(|| {
		pay_ai_revenue(AI);
		assert_noop!(Buyback::set_paused(RuntimeOrigin::signed(ALICE), true), BadOrigin);
		// The pause has its own origin: the parameters' origin cannot pause.
		assert_noop!(Buyback::set_paused(RuntimeOrigin::root(), true), BadOrigin);
		assert_ok!(Buyback::set_paused(RuntimeOrigin::signed(GUARDIAN), true));
		assert!(Paused::<Test>::get());
		assert_noop!(Buyback::execute(RuntimeOrigin::signed(CHARLIE)), Error::<Test>::Paused);

		let observed = PriceRecord::<Test>::get().unwrap().observed_at;
		run_blocks(10);
		assert!(PriceRecord::<Test>::get().unwrap().observed_at > observed);

		assert_ok!(Buyback::set_paused(RuntimeOrigin::signed(GUARDIAN), false));
		assert_ok!(Buyback::execute(RuntimeOrigin::signed(CHARLIE)));
		let events = buyback_events();
		assert_eq!(events[0], Event::Paused);
		assert_eq!(events[1], Event::Resumed);
		// Setting the state it already has changes nothing and says nothing.
		assert_ok!(Buyback::set_paused(RuntimeOrigin::signed(GUARDIAN), false));
		assert_eq!(buyback_events().len(), events.len());
	});
}

#[test]
fn governance_sets_valid_params_only() {
	ExtBuilder::default().build_and_execute(|| {
		let valid = BuybackParams {
			epoch_length: 10,
			twap_window: 3_600,
			max_slippage: Permill::from_percent(2),
			max_sale_per_epoch: 7 * USD,
		};
		assert_noop!(Buyback::set_params(RuntimeOrigin::signed(ALICE), valid.clone()), BadOrigin);
		// The pause's origin cannot set parameters.
		assert_noop!(Buyback::set_params(RuntimeOrigin::signed(GUARDIAN), valid.clone()), BadOrigin);
		let invalid = |f: fn(&mut crate::ParamsOf<Test>)| {
			let mut p = valid.clone();
			f(&mut p);
			p
		};
		assert_noop!(
			Buyback::set_params(RuntimeOrigin::root(), invalid(|p| p.epoch_length = 0)),
			Error::<Test>::ZeroEpoch
		);
		assert_noop!(
			Buyback::set_params(RuntimeOrigin::root(), invalid(|p| p.twap_window = 1_799)),
			Error::<Test>::WindowTooShort
		);
		assert_noop!(
			Buyback::set_params(RuntimeOrigin::root(), invalid(|p| p.twap_window = 4_501)),
			Error::<Test>::WindowTooLong
		);
		assert_noop!(
			Buyback::set_params(
				RuntimeOrigin::root(),
				invalid(|p| p.max_slippage = Permill::one())
			),
			Error::<Test>::NoSlippageGuard
		);
		assert_ok!(Buyback::set_params(RuntimeOrigin::root(), valid.clone()));
		assert_eq!(Params::<Test>::get(), valid);
		assert_eq!(buyback_events(), vec![Event::ParamsSet { params: valid }]);
	});
}

#[test]
fn without_a_pool_the_ai_is_split_and_the_stable_kept() {
	ExtBuilder::default().without_pool().build_and_execute(|| {
		assert_eq!(PriceRecord::<Test>::get(), None);
		pay_usd_revenue(1_000 * USD);
		// Only stable, which cannot be sold: nothing to do, and why.
		assert_noop!(
			Buyback::execute(RuntimeOrigin::signed(CHARLIE)),
			Error::<Test>::PriceUnavailable
		);
		pay_ai_revenue(AI);
		assert_ok!(Buyback::execute(RuntimeOrigin::signed(CHARLIE)));
		assert_eq!(usd(vault()), 1_000 * USD);
		let events = buyback_events();
		assert_eq!(events[0], Event::SaleSkipped { reason: Error::<Test>::PriceUnavailable.into() });
		assert!(matches!(events[1], Event::Executed { total, .. } if total == AI));
	});
}

#[test]
fn a_new_pool_must_be_observed_for_a_full_window() {
	ExtBuilder::default().without_pool().build_and_execute(|| {
		run_blocks(10);
		create_pool();
		run_blocks(1);
		let started = PriceRecord::<Test>::get().unwrap();
		assert_eq!(started.price, genesis_price());
		assert!(buyback_events().contains(&Event::PriceRecordStarted { price: genesis_price() }));
		pay_usd_revenue(1_000 * USD);

		// Ten minutes of history: not enough to sell; with only stable in the vault, that is
		// why nothing happens.
		run_blocks(100);
		assert_eq!(twap(1_800), Err(Error::<Test>::PriceHistoryTooShort.into()));
		assert_noop!(
			Buyback::execute(RuntimeOrigin::signed(CHARLIE)),
			Error::<Test>::PriceHistoryTooShort
		);
		// With AI in the vault, the AI is split all the same.
		pay_ai_revenue(AI);
		assert_ok!(Buyback::execute(RuntimeOrigin::signed(CHARLIE)));
		assert!(buyback_events().contains(&Event::SaleSkipped {
			reason: DispatchError::from(Error::<Test>::PriceHistoryTooShort)
		}));
		assert_eq!(usd(vault()), 1_000 * USD);

		run_window();
		assert_eq!(twap(1_800), Ok(genesis_price()));
		assert_ok!(Buyback::execute(RuntimeOrigin::signed(CHARLIE)));
		assert_eq!(usd(vault()), 0);
	});
}

#[test]
fn an_executor_share_below_the_existential_deposit_goes_to_the_treasury() {
	ExtBuilder::default().build_and_execute(|| {
		// 1% of 0.5 AI is 0.005 AI, below the 0.01 AI a new account needs.
		pay_ai_revenue(AI / 2);
		let treasury = Balances::balance(&TREASURY);
		assert_ok!(Buyback::execute(RuntimeOrigin::signed(DAVE)));
		assert_eq!(Balances::balance(&DAVE), 0);
		assert_eq!(Balances::balance(&TREASURY), treasury + AI / 2 - AI * 35 / 100);
		assert!(buyback_events().contains(&Event::Executed {
			executor: DAVE,
			total: AI / 2,
			burned: AI * 35 / 100,
			to_treasury: AI / 2 - AI * 35 / 100,
			to_executor: 0,
			next_execution: 101,
		}));
	});
}

#[test]
fn max_input_at_price_is_tight_for_many_pools() {
	ExtBuilder::default().build_and_execute(|| {
		let fee = pool_fee();
		let mut seed: u128 = 7;
		let mut next = move || {
			seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
			seed >> 64
		};
		for _ in 0..200 {
			let reserve_in = 1_000_000 + next() % (1u128 << 50);
			let reserve_out = 1_000_000 + next() % (1u128 << 80);
			let spot = FixedU128::from_rational(reserve_out, reserve_in);
			// A guard price between 80% and 99.6% of the spot price.
			let price = spot.saturating_mul(FixedU128::from_rational(800 + next() % 197, 1_000));
			let max = max_input_at_price(price, fee, reserve_in, reserve_out);
			let out = |x| AssetConversion::get_amount_out(fee, &x, &reserve_in, &reserve_out).unwrap();
			assert!(max > 0);
			assert!(out(max) >= price.saturating_mul_int(max), "max {max} breaks the price");
			let beyond = max + max / 100 + 1;
			assert!(out(beyond) < price.saturating_mul_int(beyond), "max {max} is not tight");
		}
		// A spot price already below the guard price allows nothing.
		let spot = FixedU128::from_rational(1_000u128, 100u128);
		assert_eq!(max_input_at_price(spot, fee, 100, 1_000), 0);
		// No fee and no price: no limit.
		assert_eq!(max_input_at_price(FixedU128::zero(), fee, 100, 1_000), u128::MAX);
	});
}

#[test]
fn a_trade_earlier_in_the_block_makes_execution_refuse() {
	ExtBuilder::default().build_and_execute(|| {
		run_window();
		pay_usd_revenue(1_000 * USD);
		// A 0.2% move, well inside the guard, but made in this block: it could shape the cap.
		let bought = swap(BOB, Stable::get(), Native::get(), 1_000 * USD);
		assert_noop!(Buyback::execute(RuntimeOrigin::signed(CHARLIE)), Error::<Test>::PriceMoved);
		// Even undone, the pool is not exactly what the record saw (the fee stayed in it).
		swap(BOB, Native::get(), Stable::get(), bought);
		assert_noop!(Buyback::execute(RuntimeOrigin::signed(CHARLIE)), Error::<Test>::PriceMoved);
		// Next block: the record has the new price, and the vault sells.
		run_blocks(1);
		assert_ok!(Buyback::execute(RuntimeOrigin::signed(CHARLIE)));
		assert_eq!(usd(vault()), 0);
	});
}

#[test]
fn a_remainder_below_the_minimum_balance_is_kept_not_swept() {
	ExtBuilder::default().build_and_execute(|| {
		run_window();
		set_params(|p| p.max_sale_per_epoch = 1_000 * USD);
		// 1,000.005 USD: selling the cap would leave 0.005 USD, below the 0.01 USD minimum.
		pay_usd_revenue(1_000 * USD + USD / 200);
		assert_ok!(Buyback::execute(RuntimeOrigin::signed(CHARLIE)));
		let sale = sale();
		assert_eq!((sale.sold, sale.left), (1_000 * USD + USD / 200 - USD / 100, USD / 100));
		assert_eq!(usd(vault()), USD / 100);
	});
}

#[test]
fn tokens_sent_to_a_pool_address_before_the_pool_exists_are_no_price() {
	ExtBuilder::default().without_pool().build_and_execute(|| {
		use pallet_asset_conversion::PoolLocator;
		let pool = <Test as pallet_asset_conversion::Config>::PoolLocator::pool_address(
			&Native::get(),
			&Stable::get(),
		)
		.unwrap();
		Balances::transfer_allow_death(RuntimeOrigin::signed(BOB), pool, 1_000 * AI).unwrap();
		Assets::transfer(RuntimeOrigin::signed(BOB), STABLE, pool, 1 * USD).unwrap();
		run_blocks(2);
		assert_eq!(Buyback::spot_price(), None);
		assert_eq!(PriceRecord::<Test>::get(), None);
	});
}

/// Issue 15's attack: a donation of the stable asset's minimum balance to the vault, then one
/// swap earlier in the same block, made `execute` refuse everything, the burn of the AI already
/// in the vault included. The refused sale now waits and the AI is split all the same.
#[test]
fn a_swap_before_execution_does_not_stop_the_burn() {
	ExtBuilder::default().build_and_execute(|| {
		run_window();
		pay_ai_revenue(5 * AI);
		let minimum = USD / 100;
		Assets::transfer(RuntimeOrigin::signed(BOB), STABLE, vault(), minimum).unwrap();
		swap(BOB, Stable::get(), Native::get(), USD);
		let issuance = Balances::total_issuance();

		assert_ok!(Buyback::execute(RuntimeOrigin::signed(CHARLIE)));
		assert_eq!(Balances::total_issuance(), issuance - 5 * AI * 70 / 100, "the AI was burned");
		assert_eq!(usd(vault()), minimum, "the stable asset waits for a sale");
		let events = buyback_events();
		assert_eq!(events[0], Event::SaleRefused { reason: Error::<Test>::PriceMoved.into() });
		assert!(matches!(events[1], Event::Executed { total, .. } if total == 5 * AI));
		assert_eq!((LastSale::<Test>::get(), LastExecution::<Test>::get()), (None, Some(System::block_number())));

		// Refused again in the same block: nothing to split, so the call fails and changes nothing.
		assert_noop!(Buyback::execute(RuntimeOrigin::signed(CHARLIE)), Error::<Test>::PriceMoved);
		// In a later block of the same epoch the sale goes through (its epoch was not used); the
		// AI it bought waits for the next split.
		run_blocks(1);
		System::reset_events();
		assert_ok!(Buyback::execute(RuntimeOrigin::signed(CHARLIE)));
		assert_eq!(usd(vault()), 0);
		let Sale { bought, .. } = sale();
		assert!(bought > 0);
		assert!(!buyback_events().iter().any(|e| matches!(e, Event::Executed { .. })));
		// Its caller gets the executor share of what it bought: retrying is worth a keeper's
		// while. The rest waits for the split.
		let reward = bought / 100;
		assert!(buyback_events().contains(&Event::SaleRewarded { executor: CHARLIE, amount: reward }));
		let waiting = bought - reward;
		assert_eq!(Balances::balance(&vault()), ED + waiting);
		assert_eq!(LastSale::<Test>::get(), Some(System::block_number()));
		// Both done this epoch: too early for either.
		assert_noop!(Buyback::execute(RuntimeOrigin::signed(CHARLIE)), Error::<Test>::TooEarly);
		run_blocks(100);
		assert_ok!(Buyback::execute(RuntimeOrigin::signed(CHARLIE)));
		assert!(buyback_events().contains(&Event::Executed {
			executor: CHARLIE,
			total: waiting,
			burned: waiting * 70 / 100,
			to_treasury: waiting - waiting * 70 / 100 - waiting / 100,
			to_executor: waiting / 100,
			next_execution: System::block_number() + 100,
		}));
	});
}

/// A swap before every execution, epoch after epoch, does not stop a single burn.
#[test]
fn a_swap_a_day_cannot_stop_burns() {
	ExtBuilder::default().build_and_execute(|| {
		run_window();
		Assets::transfer(RuntimeOrigin::signed(BOB), STABLE, vault(), USD / 100).unwrap();
		for epoch in 0..5 {
			pay_ai_revenue(AI);
			swap(BOB, Stable::get(), Native::get(), USD);
			let issuance = Balances::total_issuance();
			assert_ok!(Buyback::execute(RuntimeOrigin::signed(CHARLIE)));
			assert_eq!(Balances::total_issuance(), issuance - AI * 70 / 100, "epoch {epoch}");
			run_blocks(100);
		}
		assert_eq!(usd(vault()), USD / 100, "every sale was refused");
		assert_eq!(LastSale::<Test>::get(), None);
	});
}
