//! BABE's call weights for this runtime.
//!
//! The pallet's benchmark measures only the equivocation proof's signature checks
//! (`check_equivocation_proof`, run with `scripts/bench.sh runtime`); the rest of a report's cost
//! (the session membership proof, reporting the offence to staking) follows the pallet's own cost
//! model in `pallet_babe::default_weights`, with this runtime's database weights in place of the
//! RocksDB ones that file hard-codes.

use crate::Runtime;
use frame_support::weights::Weight;

/// `check_equivocation_proof` measured on the reference machine (two sr25519 VRF signature
/// checks), in picoseconds.
pub const CHECK_EQUIVOCATION_PROOF: u64 = 151_700_000;

type DbWeight = <Runtime as frame_system::Config>::DbWeight;

/// BABE's weights with the measured proof check and ParityDB's reads and writes.
pub struct WeightInfo;
impl pallet_babe::WeightInfo for WeightInfo {
	fn plan_config_change() -> Weight {
		DbWeight::get().writes(1)
	}

	fn report_equivocation(validator_count: u32, max_nominators_per_validator: u32) -> Weight {
		super::pallet_grandpa::equivocation_report(
			validator_count,
			max_nominators_per_validator,
			CHECK_EQUIVOCATION_PROOF,
		)
	}
}
