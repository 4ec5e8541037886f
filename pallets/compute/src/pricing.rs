//! The price of a work unit: EIP-1559 style adaptation to utilization, and fee quotes.
//!
//! Each block the price moves by at most `max_change`, in proportion to how far utilization is
//! from its target: `price × (1 + max_change × (u − target) / target)`, with the relative
//! deviation capped at ±1 (so the full step is reached at 0% and at twice the target), then
//! clamped to `[floor, ceiling]`.

use crate::types::{HardwareClass, OnlineCapacity, PerClass, PricingParams, WorkUnits};
use sp_runtime::{
	traits::{AtLeast32BitUnsigned, Saturating},
	FixedPointNumber, FixedU128, Perbill,
};

/// Utilization of the online solvers: the demand they can serve over what they can do in
/// `horizon` blocks. A class's demand counts up to what the solvers able to run it (that class
/// and better) do in the horizon, so work nobody online can serve does not move the price. Full
/// when there is servable demand and nothing else; empty when there is none.
pub fn utilization(
	outstanding: &PerClass<WorkUnits>,
	capacity: &OnlineCapacity,
	horizon: u64,
) -> Perbill {
	let horizon = u128::from(horizon);
	let supply = u128::from(capacity.total()).saturating_mul(horizon);
	let demand = HardwareClass::ALL.iter().fold(0u128, |sum, class| {
		let servable = u128::from(capacity.serving(*class)).saturating_mul(horizon);
		sum.saturating_add(u128::from(*outstanding.of(*class)).min(servable))
	});
	if demand == 0 || supply == 0 {
		return Perbill::zero();
	}
	Perbill::from_rational(demand.min(supply), supply)
}

/// The next block's price per work unit.
pub fn next_price<Balance, BlockNumber>(
	price: Balance,
	utilization: Perbill,
	params: &PricingParams<Balance, BlockNumber>,
) -> Balance
where
	Balance: AtLeast32BitUnsigned + Copy,
{
	let target = params.target_utilization;
	let next = if utilization > target {
		let deviation = Perbill::from_rational(
			utilization.deconstruct().saturating_sub(target.deconstruct()),
			target.deconstruct(),
		);
		// Round the increase up so that even a price at the floor can leave it.
		let step = params.max_change.saturating_mul(deviation).mul_ceil(price);
		price.saturating_add(step)
	} else {
		let deviation = Perbill::from_rational(
			target.deconstruct().saturating_sub(utilization.deconstruct()),
			target.deconstruct(),
		);
		let step = params.max_change.saturating_mul(deviation).mul_floor(price);
		price.saturating_sub(step)
	};
	next.max(params.floor).min(params.ceiling)
}

/// The fee of `work` units at `price` with the class `multiplier`: at least `min_fee`; `None` if
/// it does not fit the balance type.
pub fn fee<Balance>(
	work: WorkUnits,
	price: Balance,
	multiplier: FixedU128,
	min_fee: Balance,
) -> Option<Balance>
where
	Balance: AtLeast32BitUnsigned + Copy,
{
	let base = price.checked_mul(&Balance::try_from(work).ok()?)?;
	let fee = multiplier.checked_mul_int(base)?;
	Some(fee.max(min_fee))
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::types::ClassMultipliers;

	fn params() -> PricingParams<u128, u64> {
		PricingParams {
			target_utilization: Perbill::from_percent(50),
			max_change: Perbill::from_rational(1u32, 8u32),
			floor: 1_000,
			ceiling: 1_000_000,
			horizon: 100,
			min_fee: 10,
			class_multipliers: ClassMultipliers {
				cpu: FixedU128::from_u32(1),
				gpu: FixedU128::from_u32(2),
				datacenter_gpu: FixedU128::from_u32(4),
			},
		}
	}

	fn cpu_only(work: WorkUnits) -> PerClass<WorkUnits> {
		PerClass { cpu: work, ..Default::default() }
	}

	fn online(current: PerClass<WorkUnits>) -> OnlineCapacity {
		OnlineCapacity { period: 0, current, previous: PerClass::default() }
	}

	#[test]
	fn utilization_is_servable_demand_over_horizon_capacity() {
		assert_eq!(utilization(&cpu_only(0), &online(cpu_only(0)), 100), Perbill::zero());
		// Nobody online: nothing can be served, nothing counts.
		assert_eq!(utilization(&cpu_only(1), &online(cpu_only(0)), 100), Perbill::zero());
		assert_eq!(utilization(&cpu_only(500), &online(cpu_only(10)), 100), Perbill::from_percent(50));
		assert_eq!(utilization(&cpu_only(5_000), &online(cpu_only(10)), 100), Perbill::one());
		// Datacenter work with only CPUs online is not demand; CPU work on a datacenter GPU is.
		let dc = PerClass { datacenter_gpu: 5_000, ..Default::default() };
		assert_eq!(utilization(&dc, &online(cpu_only(10)), 100), Perbill::zero());
		assert_eq!(utilization(&cpu_only(500), &online(dc), 1), Perbill::from_percent(10));
		// A class's demand counts up to what can serve it: 10 GPU units × 100 blocks of 2,000.
		let gpu = PerClass { gpu: 10, cpu: 30, ..Default::default() };
		let demand = PerClass { gpu: 2_000, ..Default::default() };
		assert_eq!(utilization(&demand, &online(gpu), 100), Perbill::from_percent(25));
	}

	#[test]
	fn price_moves_at_most_max_change_and_stays_in_bounds() {
		let p = params();
		// At target: unchanged.
		assert_eq!(next_price(8_000u128, Perbill::from_percent(50), &p), 8_000);
		// Full: +12.5%; twice the target is the cap.
		assert_eq!(next_price(8_000u128, Perbill::one(), &p), 9_000);
		// Empty: −12.5%.
		assert_eq!(next_price(8_000u128, Perbill::zero(), &p), 7_000);
		// 75%: half the step.
		assert_eq!(next_price(8_000u128, Perbill::from_percent(75), &p), 8_500);
		// 25%: half the step down.
		assert_eq!(next_price(8_000u128, Perbill::from_percent(25), &p), 7_500);
		// Clamped.
		assert_eq!(next_price(1_000u128, Perbill::zero(), &p), 1_000);
		assert_eq!(next_price(999_999u128, Perbill::one(), &p), 1_000_000);
	}

	#[test]
	fn fee_is_work_times_price_times_class_with_a_minimum() {
		let p = params();
		let m = p.class_multipliers;
		assert_eq!(fee(1_000, 3u128, m.cpu, 10), Some(3_000));
		assert_eq!(fee(1_000, 3u128, m.datacenter_gpu, 10), Some(12_000));
		assert_eq!(fee(2, 3u128, m.cpu, 10), Some(10));
		assert_eq!(fee(u64::MAX, u128::MAX / 2, m.cpu, 10), None);
		assert_eq!(fee(1, u64::MAX, FixedU128::from_u32(2), 10u64), None);
	}
}
