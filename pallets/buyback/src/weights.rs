
//! Weights for `pallet_buyback`: placeholders until `scripts/bench.sh buyback` regenerates them.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use frame_support::{traits::Get, weights::{Weight, constants::RocksDbWeight}};
use core::marker::PhantomData;

/// Weight functions needed for `pallet_buyback`.
pub trait WeightInfo {
	fn execute() -> Weight;
	fn set_params() -> Weight;
	fn set_paused() -> Weight;
	fn observe() -> Weight;
	fn observe_with_checkpoint() -> Weight;
}

/// Weights for `pallet_buyback` using the Substrate node and recommended hardware.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn execute() -> Weight {
		Weight::from_parts(500_000_000, 20_000)
			.saturating_add(T::DbWeight::get().reads(20_u64))
			.saturating_add(T::DbWeight::get().writes(15_u64))
	}
	fn set_params() -> Weight {
		Weight::from_parts(10_000_000, 0)
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	fn set_paused() -> Weight {
		Weight::from_parts(10_000_000, 0)
			.saturating_add(T::DbWeight::get().reads(1_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	fn observe() -> Weight {
		Weight::from_parts(30_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads(6_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	fn observe_with_checkpoint() -> Weight {
		Weight::from_parts(60_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads(7_u64))
			.saturating_add(T::DbWeight::get().writes(2_u64))
	}
}

// For tests.
impl WeightInfo for () {
	fn execute() -> Weight { Weight::from_parts(500_000_000, 20_000) }
	fn set_params() -> Weight { Weight::from_parts(10_000_000, 0) }
	fn set_paused() -> Weight { Weight::from_parts(10_000_000, 0) }
	fn observe() -> Weight { Weight::from_parts(30_000_000, 10_000) }
	fn observe_with_checkpoint() -> Weight { Weight::from_parts(60_000_000, 10_000) }
}
