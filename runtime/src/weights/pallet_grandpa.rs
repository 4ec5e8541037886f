//! GRANDPA's call weights for this runtime.
//!
//! `check_equivocation_proof` and `note_stalled` come from the pallet's benchmarks on the
//! reference machine (`scripts/bench.sh runtime`); the rest of an equivocation report's cost (the
//! session membership proof, reporting the offence to staking) follows the pallet's own cost
//! model in `pallet_grandpa::default_weights`, with this runtime's database weights in place of
//! the RocksDB ones that file hard-codes.

use crate::Runtime;
use frame_support::weights::{
	constants::{WEIGHT_REF_TIME_PER_MICROS, WEIGHT_REF_TIME_PER_NANOS},
	Weight,
};

/// `check_equivocation_proof` measured on the reference machine (two ed25519 vote signature
/// checks), in picoseconds.
pub const CHECK_EQUIVOCATION_PROOF: u64 = 128_300_000;
/// `note_stalled` measured on the reference machine, in picoseconds (one write besides).
pub const NOTE_STALLED: u64 = 11_930_000;

type DbWeight = <Runtime as frame_system::Config>::DbWeight;

/// An equivocation report (BABE's or GRANDPA's): the membership proof against the historical
/// session (35 µs and 175 ns per validator, at least 100 validators counted), the equivocation
/// proof (`check_proof`, measured), the offence report to staking (110 µs and 25 µs per nominator
/// of the offender's exposure), and their reads and writes, as the pallets' cost model has them.
pub(super) fn equivocation_report(
	validator_count: u32,
	max_nominators_per_validator: u32,
	check_proof: u64,
) -> Weight {
	let validators = u64::from(validator_count.max(100));
	let nominators = u64::from(max_nominators_per_validator);
	Weight::from_parts(35 * WEIGHT_REF_TIME_PER_MICROS, 0)
		.saturating_add(Weight::from_parts(175 * WEIGHT_REF_TIME_PER_NANOS, 0).saturating_mul(validators))
		.saturating_add(DbWeight::get().reads(5))
		.saturating_add(Weight::from_parts(check_proof, 0))
		.saturating_add(Weight::from_parts(110 * WEIGHT_REF_TIME_PER_MICROS, 0))
		.saturating_add(Weight::from_parts(
			(25 * WEIGHT_REF_TIME_PER_MICROS).saturating_mul(nominators),
			0,
		))
		.saturating_add(DbWeight::get().reads(14u64.saturating_add(nominators.saturating_mul(3))))
		.saturating_add(DbWeight::get().writes(10u64.saturating_add(nominators.saturating_mul(3))))
}

/// GRANDPA's weights with the measured checks and ParityDB's reads and writes.
pub struct WeightInfo;
impl pallet_grandpa::WeightInfo for WeightInfo {
	fn report_equivocation(validator_count: u32, max_nominators_per_validator: u32) -> Weight {
		equivocation_report(validator_count, max_nominators_per_validator, CHECK_EQUIVOCATION_PROOF)
			// The set id's session, looked up for the membership proof.
			.saturating_add(DbWeight::get().reads(2))
	}

	fn note_stalled() -> Weight {
		Weight::from_parts(NOTE_STALLED, 0).saturating_add(DbWeight::get().writes(1))
	}
}
