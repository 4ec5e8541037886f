//! # aichain deterministic training engine
//!
//! Verification on aichain rests on one fact: the same training job gives the same bits on every
//! machine. This crate is the code that makes it so, shared by the solver service (native,
//! multi-threaded, vectorised) and the runtime referee (one step, in Wasm):
//!
//! - [`fixed`]: Q15.16 fixed point, exact `i64` accumulation, the one rounding rule, integer
//!   `exp`/`ln`. There is no floating point anywhere in this crate.
//! - [`program`]: the training program a task names (MLP classifier, SGD with momentum, batch
//!   size, steps, seed), its limits and its exact work-unit count.
//! - [`dataset`]: fixed-point datasets, minibatches and their Merkle commitment, and the seeded
//!   per-epoch minibatch order.
//! - [`model`]: the training state (weights, biases, momentum), seeded initialisation, hashes.
//! - [`train`]: [`train::train_step`], the single-step function the referee runs; the
//!   [`train::Executor`] that splits a step across threads; [`train::Trainer`] for whole runs.
//! - [`trace`]: blake2-256, the Merkle root over per-step state hashes and inclusion proofs.
//! - [`address`]: which network addresses the solver service and the offchain workers fetch
//!   from on someone else's word (datasets, solver endpoints).
//!
//! ## Why the bits cannot differ
//! Every product of two Q15.16 values is formed exactly in `i64`, and every sum over a layer or a
//! batch is an exact integer sum, so it does not depend on the order of its terms: threads,
//! vector width and compiler cannot change it. Bits are lost only in [`fixed::round_shift`] and
//! [`fixed::round_div`], one rounding rule applied to exact values, identically everywhere.

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]
#![cfg_attr(
	not(test),
	deny(
		clippy::arithmetic_side_effects,
		clippy::indexing_slicing,
		clippy::unwrap_used,
		clippy::expect_used,
		clippy::panic,
		clippy::float_arithmetic
	)
)]

extern crate alloc;

pub mod address;
pub mod dataset;
pub mod fixed;
pub mod model;
pub mod program;
pub mod referee;
pub mod rng;
pub mod trace;
pub mod train;

pub use dataset::{Dataset, DatasetCommitment, Minibatch};
pub use fixed::Fixed;
pub use model::State;
pub use program::Program;
pub use trace::{Hash, MerkleProof, Trace};
pub use train::{train_step, Executor, Schedule, Simd, StepError, StepOutcome, Trainer};
