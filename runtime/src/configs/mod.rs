//! Pallet configurations, grouped by domain.

mod consensus;
mod monetary;
mod system;
mod utility;

pub use consensus::*;
pub use monetary::*;
pub use system::*;
pub use utility::*;
