//! Benchmarks of every call and of the per-block price observation, in their worst cases.

// Benchmark set-up is harness code: a failing precondition must abort the benchmark loudly.
#![allow(clippy::expect_used, clippy::arithmetic_side_effects, clippy::indexing_slicing)]

use super::*;
use frame_benchmarking::v2::*;
use frame_support::{
	traits::{
		fungible::{Inspect, Mutate},
		EnsureOrigin, Get,
	},
	BoundedVec,
};
use frame_system::RawOrigin;
use sp_core::U256;
use sp_runtime::{
	traits::{Saturating, Zero},
	FixedU128,
};

/// What benchmarks need from the runtime beyond the pallet's config.
pub trait BenchmarkHelper<AccountId, Balance> {
	/// Make sure the AI/stable pool exists with reserves of at least `stable` and `ai`.
	fn setup_pool(stable: Balance, ai: Balance);
	/// Give `who` `amount` of the stable asset.
	fn mint_stable(who: &AccountId, amount: Balance);
	/// Set the current time (Unix milliseconds).
	fn set_time(millis: u64);
}

/// The benchmarks' "now": Unix time in seconds, well after any checkpoint they write.
const NOW: u64 = 2_000_000_000;

/// A full price record at the pool's spot price: `MaxCheckpoints` checkpoints an interval apart
/// and an observation one block (6 s) ago. With `checkpoint_due`, the last checkpoint is an
/// interval old, so the next observation keeps one (and drops the oldest).
fn full_record<T: Config>(checkpoint_due: bool) -> FixedU128 {
	T::BenchmarkHelper::set_time(NOW * 1_000);
	let price = Pallet::<T>::spot_price().expect("the helper set up a pool");
	let interval = T::CheckpointInterval::get();
	let count = u64::from(T::MaxCheckpoints::get());
	let observed_at = NOW - 6;
	let last_at = if checkpoint_due { NOW - interval } else { observed_at };
	let per_second = U256::from(price.into_inner());
	let checkpoints: alloc::vec::Vec<Checkpoint> = (0..count)
		.map(|i| Checkpoint {
			at: last_at - (count - 1 - i) * interval,
			cumulative: per_second * U256::from(i * interval),
		})
		.collect();
	let last = *checkpoints.last().expect("at least two checkpoints");
	PriceCheckpoints::<T>::put(BoundedVec::truncate_from(checkpoints));
	PriceRecord::<T>::put(PriceAccumulator {
		observed_at,
		price,
		cumulative: last.cumulative + per_second * U256::from(observed_at - last.at),
		checkpointed_at: last.at,
	});
	price
}

/// The pool (the runtime's own, or one the helper makes) and a sale of a thousandth of its
/// stable reserve, well within the guard.
fn pool_and_sale<T: Config>() -> BalanceOf<T> {
	let unit: BalanceOf<T> = 1_000_000_000u32.into();
	T::BenchmarkHelper::setup_pool(
		unit.saturating_mul(1_000_000u32.into()),
		T::Currency::minimum_balance().saturating_mul(1_000_000_000u32.into()),
	);
	let (stable_reserve, _) = T::Pool::reserves().expect("the helper set up a pool");
	stable_reserve / 1_000u32.into()
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// The worst case: the vault sells stable (a swap across the pool) and splits its AI
	/// (a burn and two payments, one to a new account), reading a full checkpoint list.
	#[benchmark]
	fn execute() {
		let sale = pool_and_sale::<T>();
		full_record::<T>(false);
		Params::<T>::mutate(|p| p.max_sale_per_epoch = sale);
		let vault = Pallet::<T>::vault_account();
		T::BenchmarkHelper::mint_stable(&vault, sale);
		T::Currency::set_balance(
			&vault,
			T::Currency::minimum_balance().saturating_mul(1_000u32.into()),
		);
		let executor: T::AccountId = whitelisted_caller();

		#[extrinsic_call]
		_(RawOrigin::Signed(executor));

		assert!(LastExecution::<T>::get().is_some() && LastSale::<T>::get().is_some());
		assert!(<T::StableAssets as fungibles::Inspect<_>>::balance(T::StableAsset::get(), &vault)
			.is_zero());
	}

	#[benchmark]
	fn set_params() {
		let params = T::DefaultParams::get();
		let origin = T::ParamsOrigin::try_successful_origin().expect("governance has an origin");

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, params.clone());

		assert_eq!(Params::<T>::get(), params);
	}

	#[benchmark]
	fn set_paused() {
		let origin = T::PauseOrigin::try_successful_origin().expect("governance has an origin");

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, true);

		assert!(Paused::<T>::get());
	}

	/// A block's observation: read the pool, extend the sum.
	#[benchmark]
	fn observe() {
		pool_and_sale::<T>();
		full_record::<T>(false);

		#[block]
		{
			Pallet::<T>::observe();
		}

		assert_eq!(PriceRecord::<T>::get().expect("kept").observed_at, NOW);
	}

	/// An observation that keeps a checkpoint, dropping the oldest of a full list.
	#[benchmark]
	fn observe_with_checkpoint() {
		pool_and_sale::<T>();
		full_record::<T>(true);

		#[block]
		{
			Pallet::<T>::observe();
		}

		assert_eq!(PriceCheckpoints::<T>::get().last().expect("kept").at, NOW);
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_bench_ext(), crate::mock::Test);
}
