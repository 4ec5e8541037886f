//! Pallet configurations, grouped by domain.

mod consensus;
mod market;
mod monetary;
mod system;
mod utility;

pub use consensus::*;
pub use market::*;
pub use monetary::*;
pub use system::*;
pub use utility::*;
