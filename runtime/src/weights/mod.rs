//! The weights this runtime measures for itself on the reference machine (2 cores, ParityDB;
//! BENCHMARKS.md): the database, the overhead of a block and of an extrinsic, frame-system's calls
//! and transaction extensions, transaction payment's extension, and BABE's and GRANDPA's calls.
//! `scripts/bench.sh runtime` regenerates every file here but `pallet_babe` and `pallet_grandpa`,
//! which combine their pallets' benchmarks with the upstream cost model (see each file).
//! Our own pallets keep theirs in `pallets/*/src/weights.rs`; the other FRAME pallets use their
//! upstream `SubstrateWeight` with this runtime's database weights.

pub mod block_weights;
pub mod extrinsic_weights;
pub mod frame_system;
pub mod frame_system_extensions;
pub mod pallet_babe;
pub mod pallet_grandpa;
pub mod pallet_transaction_payment;
// The generated file documents the fields of the weight it builds.
#[allow(unused_doc_comments)]
pub mod paritydb_weights;

pub use block_weights::BlockExecutionWeight;
pub use extrinsic_weights::ExtrinsicBaseWeight;
pub use paritydb_weights::constants::ParityDbWeight;
