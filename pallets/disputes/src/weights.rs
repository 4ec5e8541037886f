//! Weights for `pallet_disputes`.
//!
//! Placeholder until `scripts/bench.sh disputes` regenerates this file from the runtime's
//! benchmarks: conservative estimates of the referee in Wasm (1 ns per cost unit, 5 ns per byte
//! read), with the storage the calls touch.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use frame_support::{traits::Get, weights::{Weight, constants::RocksDbWeight}};
use core::marker::PhantomData;

/// Weight functions needed for `pallet_disputes`.
pub trait WeightInfo {
	fn prove_fraud(c: u32, ) -> Weight;
	fn read_bytes(b: u32, ) -> Weight;
	fn prove_model(b: u32, ) -> Weight;
	fn authorize_report() -> Weight;
	fn set_params() -> Weight;
}

/// Weights for `pallet_disputes` using the Substrate node and recommended hardware.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn prove_fraud(c: u32, ) -> Weight {
		Weight::from_parts(50_000_000, 20_000)
			.saturating_add(Weight::from_parts(1_000_000, 0).saturating_mul(c.into()))
			.saturating_add(T::DbWeight::get().reads(12))
			.saturating_add(T::DbWeight::get().writes(12))
	}
	fn read_bytes(b: u32, ) -> Weight {
		Weight::from_parts(5_000, 0).saturating_mul(b.into())
	}
	fn prove_model(b: u32, ) -> Weight {
		Weight::from_parts(50_000_000, 20_000)
			.saturating_add(Weight::from_parts(10_000, 0).saturating_mul(b.into()))
			.saturating_add(T::DbWeight::get().reads(12))
			.saturating_add(T::DbWeight::get().writes(12))
	}
	fn authorize_report() -> Weight {
		Weight::from_parts(70_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads(3))
	}
	fn set_params() -> Weight {
		Weight::from_parts(10_000_000, 0)
			.saturating_add(T::DbWeight::get().writes(1))
	}
}

// For backwards compatibility and tests.
impl WeightInfo for () {
	fn prove_fraud(c: u32, ) -> Weight {
		Weight::from_parts(50_000_000, 20_000)
			.saturating_add(Weight::from_parts(1_000_000, 0).saturating_mul(c.into()))
			.saturating_add(RocksDbWeight::get().reads(12))
			.saturating_add(RocksDbWeight::get().writes(12))
	}
	fn read_bytes(b: u32, ) -> Weight {
		Weight::from_parts(5_000, 0).saturating_mul(b.into())
	}
	fn prove_model(b: u32, ) -> Weight {
		Weight::from_parts(50_000_000, 20_000)
			.saturating_add(Weight::from_parts(10_000, 0).saturating_mul(b.into()))
			.saturating_add(RocksDbWeight::get().reads(12))
			.saturating_add(RocksDbWeight::get().writes(12))
	}
	fn authorize_report() -> Weight {
		Weight::from_parts(70_000_000, 10_000)
			.saturating_add(RocksDbWeight::get().reads(3))
	}
	fn set_params() -> Weight {
		Weight::from_parts(10_000_000, 0)
			.saturating_add(RocksDbWeight::get().writes(1))
	}
}
