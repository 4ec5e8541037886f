//! The market the vault buys $AI in: an AI/stable pool of pallet-asset-conversion.
//!
//! The pallet sees the pool only through [`BuybackPool`]; [`AssetConversionPool`] implements it
//! for pallet-asset-conversion's constant-product pools.

use alloc::vec;
use core::marker::PhantomData;
use frame_support::traits::Get;
use pallet_asset_conversion::{PoolLocator, Swap};
use sp_core::U512;
use sp_runtime::{
	traits::{UniqueSaturatedFrom, UniqueSaturatedInto, Zero},
	PerThing,
	DispatchError, FixedPointNumber, FixedU128, Permill,
};

/// An AI/stable pool the vault can sell the stable asset in.
///
/// Prices are AI per unit of the stable asset, in smallest units (planck per stable unit).
pub trait BuybackPool<AccountId, Balance> {
	/// The pool's reserves `(stable, ai)`; `None` if there is no pool, it is empty or it cannot
	/// pay out.
	fn reserves() -> Option<(Balance, Balance)>;

	/// The largest amount of stable asset whose sale, fees included, pays on average at least
	/// `price` AI per stable unit from a pool with `reserves` (as [`Self::reserves`] gave them).
	fn max_sale_at_price(reserves: (Balance, Balance), price: FixedU128) -> Balance;

	/// Sell exactly `amount` of `who`'s stable asset for at least `min_ai_out` AI, paid to `who`.
	/// Returns the AI bought.
	fn sell_stable(
		who: &AccountId,
		amount: Balance,
		min_ai_out: Balance,
	) -> Result<Balance, DispatchError>;
}

/// [`BuybackPool`] for the pool of the assets `Stable` and `Native` in pallet-asset-conversion.
pub struct AssetConversionPool<T, Stable, Native>(PhantomData<(T, Stable, Native)>);

impl<T, Stable, Native> BuybackPool<T::AccountId, T::Balance>
	for AssetConversionPool<T, Stable, Native>
where
	T: pallet_asset_conversion::Config,
	Stable: Get<T::AssetKind>,
	Native: Get<T::AssetKind>,
{
	fn reserves() -> Option<(T::Balance, T::Balance)> {
		// Only a created pool counts: anyone can send tokens to a pool's address beforehand.
		let pool_id = T::PoolLocator::pool_id(&Stable::get(), &Native::get()).ok()?;
		if !pallet_asset_conversion::Pools::<T>::contains_key(&pool_id) {
			return None;
		}
		pallet_asset_conversion::Pallet::<T>::get_reserves(Stable::get(), Native::get()).ok()
	}

	fn max_sale_at_price((stable, ai): (T::Balance, T::Balance), price: FixedU128) -> T::Balance {
		// A pair the locator cannot place has no pool, hence no reserves: the caller has none.
		let Ok(pool_id) = T::PoolLocator::pool_id(&Stable::get(), &Native::get()) else {
			return Zero::zero();
		};
		let fee = pallet_asset_conversion::Pallet::<T>::pool_fee(&pool_id);
		let max = max_input_at_price(price, fee, stable.unique_saturated_into(), ai.unique_saturated_into());
		T::Balance::unique_saturated_from(max)
	}

	fn sell_stable(
		who: &T::AccountId,
		amount: T::Balance,
		min_ai_out: T::Balance,
	) -> Result<T::Balance, DispatchError> {
		<pallet_asset_conversion::Pallet<T> as Swap<T::AccountId>>::swap_exact_tokens_for_tokens(
			who.clone(),
			vec![Stable::get(), Native::get()],
			amount,
			Some(min_ai_out),
			who.clone(),
			// The vault may sell its last unit of the stable asset.
			false,
		)
	}
}

/// The largest `amount_in` for which a constant-product pool with reserves `reserve_in`,
/// `reserve_out` that keeps `fee` of every input pays at least `price` out per unit in, on
/// average over the whole amount.
///
/// pallet-asset-conversion pays `out(x) = x·g·R_out / (R_in·A + x·g)` (rounded down) for an input
/// `x`, where `A` is `Permill`'s accuracy and `g = A − fee`. With `price = P / D` (`D` the fixed
/// point's accuracy), `out(x) ≥ price·x` exactly when `x ≤ (D·g·R_out − P·A·R_in) / (P·g)`; the
/// rounded-down amounts keep the inequality. Zero when the pool's spot price is already below
/// `price`. Products reach `2^276`, hence `U512`.
pub fn max_input_at_price(price: FixedU128, fee: Permill, reserve_in: u128, reserve_out: u128) -> u128 {
	let p = U512::from(price.into_inner());
	let g = U512::from(fee.left_from_one().deconstruct());
	if p.is_zero() {
		return u128::MAX;
	}
	if g.is_zero() {
		return 0;
	}
	let budget = U512::from(FixedU128::DIV)
		.saturating_mul(g)
		.saturating_mul(U512::from(reserve_out));
	let spent = p.saturating_mul(U512::from(Permill::ACCURACY)).saturating_mul(U512::from(reserve_in));
	if budget <= spent {
		return 0;
	}
	let max = budget.saturating_sub(spent).checked_div(p.saturating_mul(g)).unwrap_or_else(Zero::zero);
	u128::try_from(max).unwrap_or(u128::MAX)
}
