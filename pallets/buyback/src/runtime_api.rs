//! The runtime API wallets and executors use to see the vault's prices.

use sp_runtime::FixedU128;

sp_api::decl_runtime_apis! {
	/// The BuyBack Vault's read-only API. Prices are AI per stable unit (smallest units).
	pub trait BuybackApi {
		/// The AI/stable pool's spot price (reserve ratio), if the pool has reserves.
		fn spot_price() -> Option<FixedU128>;

		/// The TWAP over the window in force, if the pool has been observed that long.
		fn twap_price() -> Option<FixedU128>;
	}
}
