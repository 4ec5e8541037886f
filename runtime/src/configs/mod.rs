//! Pallet configurations, grouped by domain.

mod consensus;
mod dex;
mod market;
mod monetary;
mod system;
mod utility;

pub use consensus::*;
pub use dex::*;
pub use market::*;
pub use monetary::*;
pub use system::*;
pub use utility::*;
