//! Placeholder weights, replaced by `scripts/bench-compute.sh` output.

#![allow(unused_parens, unused_imports, missing_docs)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::{constants::RocksDbWeight, Weight}};

/// Weight functions needed for `pallet_compute`.
pub trait WeightInfo {
	fn register_solver() -> Weight;
	fn bond_extra() -> Weight;
	fn update_solver() -> Weight;
	fn heartbeat() -> Weight;
	fn unbond() -> Weight;
	fn withdraw_stake() -> Weight;
	fn submit_task() -> Weight;
	fn cancel_task() -> Weight;
	fn accept_task() -> Weight;
	fn submit_result(v: u32) -> Weight;
	fn attest() -> Weight;
	fn set_params() -> Weight;
	fn on_initialize_base() -> Weight;
	fn wakeup_idle() -> Weight;
	fn wakeup_prune() -> Weight;
	fn wakeup_expire() -> Weight;
	fn wakeup_missed() -> Weight;
	fn wakeup_finalize(v: u32) -> Weight;
	fn assign(s: u32, a: u32) -> Weight;
	fn close_mining_era(s: u32) -> Weight;
}

/// Weights for `pallet_compute` using the Substrate node and recommended hardware.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn register_solver() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads(10)).saturating_add(T::DbWeight::get().writes(10))
	}
	fn bond_extra() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads(10)).saturating_add(T::DbWeight::get().writes(10))
	}
	fn update_solver() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads(10)).saturating_add(T::DbWeight::get().writes(10))
	}
	fn heartbeat() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads(10)).saturating_add(T::DbWeight::get().writes(10))
	}
	fn unbond() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads(10)).saturating_add(T::DbWeight::get().writes(10))
	}
	fn withdraw_stake() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads(10)).saturating_add(T::DbWeight::get().writes(10))
	}
	fn submit_task() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads(10)).saturating_add(T::DbWeight::get().writes(10))
	}
	fn cancel_task() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads(10)).saturating_add(T::DbWeight::get().writes(10))
	}
	fn accept_task() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads(10)).saturating_add(T::DbWeight::get().writes(10))
	}
	fn submit_result(v: u32) -> Weight {
		Weight::from_parts(50_000_000, 10_000).saturating_add(Weight::from_parts(5_000_000, 1_000).saturating_mul(v.into()))
			.saturating_add(T::DbWeight::get().reads(10)).saturating_add(T::DbWeight::get().writes(10))
	}
	fn attest() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads(10)).saturating_add(T::DbWeight::get().writes(10))
	}
	fn set_params() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads(10)).saturating_add(T::DbWeight::get().writes(10))
	}
	fn on_initialize_base() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads(10)).saturating_add(T::DbWeight::get().writes(10))
	}
	fn wakeup_idle() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads(10)).saturating_add(T::DbWeight::get().writes(10))
	}
	fn wakeup_prune() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads(10)).saturating_add(T::DbWeight::get().writes(10))
	}
	fn wakeup_expire() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads(10)).saturating_add(T::DbWeight::get().writes(10))
	}
	fn wakeup_missed() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads(10)).saturating_add(T::DbWeight::get().writes(10))
	}
	fn wakeup_finalize(v: u32) -> Weight {
		Weight::from_parts(50_000_000, 10_000).saturating_add(Weight::from_parts(5_000_000, 1_000).saturating_mul(v.into()))
			.saturating_add(T::DbWeight::get().reads(10)).saturating_add(T::DbWeight::get().writes(10))
	}
	fn assign(s: u32, a: u32) -> Weight {
		Weight::from_parts(50_000_000, 10_000).saturating_add(Weight::from_parts(5_000_000, 1_000).saturating_mul(s.into())).saturating_add(Weight::from_parts(5_000_000, 1_000).saturating_mul(a.into()))
			.saturating_add(T::DbWeight::get().reads(10)).saturating_add(T::DbWeight::get().writes(10))
	}
	fn close_mining_era(s: u32) -> Weight {
		Weight::from_parts(50_000_000, 10_000).saturating_add(Weight::from_parts(5_000_000, 1_000).saturating_mul(s.into()))
			.saturating_add(T::DbWeight::get().reads(10)).saturating_add(T::DbWeight::get().writes(10))
	}
}

// For backwards compatibility and tests.
impl WeightInfo for () {
	fn register_solver() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
			.saturating_add(RocksDbWeight::get().reads(10)).saturating_add(RocksDbWeight::get().writes(10))
	}
	fn bond_extra() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
			.saturating_add(RocksDbWeight::get().reads(10)).saturating_add(RocksDbWeight::get().writes(10))
	}
	fn update_solver() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
			.saturating_add(RocksDbWeight::get().reads(10)).saturating_add(RocksDbWeight::get().writes(10))
	}
	fn heartbeat() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
			.saturating_add(RocksDbWeight::get().reads(10)).saturating_add(RocksDbWeight::get().writes(10))
	}
	fn unbond() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
			.saturating_add(RocksDbWeight::get().reads(10)).saturating_add(RocksDbWeight::get().writes(10))
	}
	fn withdraw_stake() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
			.saturating_add(RocksDbWeight::get().reads(10)).saturating_add(RocksDbWeight::get().writes(10))
	}
	fn submit_task() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
			.saturating_add(RocksDbWeight::get().reads(10)).saturating_add(RocksDbWeight::get().writes(10))
	}
	fn cancel_task() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
			.saturating_add(RocksDbWeight::get().reads(10)).saturating_add(RocksDbWeight::get().writes(10))
	}
	fn accept_task() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
			.saturating_add(RocksDbWeight::get().reads(10)).saturating_add(RocksDbWeight::get().writes(10))
	}
	fn submit_result(v: u32) -> Weight {
		Weight::from_parts(50_000_000, 10_000).saturating_add(Weight::from_parts(5_000_000, 1_000).saturating_mul(v.into()))
			.saturating_add(RocksDbWeight::get().reads(10)).saturating_add(RocksDbWeight::get().writes(10))
	}
	fn attest() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
			.saturating_add(RocksDbWeight::get().reads(10)).saturating_add(RocksDbWeight::get().writes(10))
	}
	fn set_params() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
			.saturating_add(RocksDbWeight::get().reads(10)).saturating_add(RocksDbWeight::get().writes(10))
	}
	fn on_initialize_base() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
			.saturating_add(RocksDbWeight::get().reads(10)).saturating_add(RocksDbWeight::get().writes(10))
	}
	fn wakeup_idle() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
			.saturating_add(RocksDbWeight::get().reads(10)).saturating_add(RocksDbWeight::get().writes(10))
	}
	fn wakeup_prune() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
			.saturating_add(RocksDbWeight::get().reads(10)).saturating_add(RocksDbWeight::get().writes(10))
	}
	fn wakeup_expire() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
			.saturating_add(RocksDbWeight::get().reads(10)).saturating_add(RocksDbWeight::get().writes(10))
	}
	fn wakeup_missed() -> Weight {
		Weight::from_parts(50_000_000, 10_000)
			.saturating_add(RocksDbWeight::get().reads(10)).saturating_add(RocksDbWeight::get().writes(10))
	}
	fn wakeup_finalize(v: u32) -> Weight {
		Weight::from_parts(50_000_000, 10_000).saturating_add(Weight::from_parts(5_000_000, 1_000).saturating_mul(v.into()))
			.saturating_add(RocksDbWeight::get().reads(10)).saturating_add(RocksDbWeight::get().writes(10))
	}
	fn assign(s: u32, a: u32) -> Weight {
		Weight::from_parts(50_000_000, 10_000).saturating_add(Weight::from_parts(5_000_000, 1_000).saturating_mul(s.into())).saturating_add(Weight::from_parts(5_000_000, 1_000).saturating_mul(a.into()))
			.saturating_add(RocksDbWeight::get().reads(10)).saturating_add(RocksDbWeight::get().writes(10))
	}
	fn close_mining_era(s: u32) -> Weight {
		Weight::from_parts(50_000_000, 10_000).saturating_add(Weight::from_parts(5_000_000, 1_000).saturating_mul(s.into()))
			.saturating_add(RocksDbWeight::get().reads(10)).saturating_add(RocksDbWeight::get().writes(10))
	}
}
