//! What the calls do, once their origin is checked.

use crate::{
	BalanceOf, BuybackPool, Config, Error, Event, InvalidParams, LastExecution, LastSale, Pallet,
	Params, ParamsOf, Paused, PriceCheckpoints, PriceRecord,
};
use frame_support::{
	defensive,
	pallet_prelude::*,
	traits::{
		fungible::{Balanced, Inspect, Mutate},
		fungibles,
		tokens::{Fortitude, Precision, Preservation},
		Imbalance, OnUnbalanced,
	},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{
	traits::{Saturating, Zero},
	FixedPointNumber, FixedU128, PerThing,
};

/// Why the vault sold no stable asset.
enum SaleError {
	/// Selling now would break the guard or failed: the execution must not go on.
	Refused(DispatchError),
	/// Selling is impossible for now (no pool, short history): the AI is split all the same.
	Skipped(DispatchError),
}

impl<T: Config> Pallet<T> {
	/// [`Pallet::execute`]: buy AI with the vault's stable asset if a sale is due, then split its
	/// AI if a split is due. The two epochs are counted apart, and a refused sale does not stop
	/// the split: a trade placed before this call can delay a sale to a later block, never a burn.
	pub(crate) fn do_execute(executor: T::AccountId) -> DispatchResult {
		ensure!(!Paused::<T>::get(), Error::<T>::Paused);
		let params = Params::<T>::get();
		let now = frame_system::Pallet::<T>::block_number();
		let due = |last: Option<BlockNumberFor<T>>| {
			last.is_none_or(|last| now >= last.saturating_add(params.epoch_length))
		};
		let (sale_due, split_due) = (due(LastSale::<T>::get()), due(LastExecution::<T>::get()));
		ensure!(sale_due || split_due, Error::<T>::TooEarly);
		let vault = Self::vault_account();

		// Why nothing was sold, if a sale was due and did not happen.
		let mut unsold: Option<DispatchError> = None;
		let mut bought: Option<BalanceOf<T>> = None;
		if sale_due {
			match Self::sell_stable(&vault, &params) {
				Ok(Some(ai_bought)) => {
					bought = Some(ai_bought);
					LastSale::<T>::put(now);
				},
				Ok(None) => {},
				Err(SaleError::Refused(reason)) => {
					unsold = Some(reason);
					Self::deposit_event(Event::SaleRefused { reason });
				},
				Err(SaleError::Skipped(reason)) => {
					unsold = Some(reason);
					Self::deposit_event(Event::SaleSkipped { reason });
				},
			}
		}

		// The vault keeps its existential deposit: revenue smaller than it can still land.
		let total = if split_due {
			T::Currency::reducible_balance(&vault, Preservation::Preserve, Fortitude::Polite)
		} else {
			Zero::zero()
		};
		if total.is_zero() {
			if let Some(ai_bought) = bought {
				Self::reward_sale(&vault, &executor, ai_bought);
				return Ok(());
			}
			// Nothing happened: the call fails (its events are dropped with it) and says why.
			return Err(match (split_due, unsold) {
				(_, Some(reason)) => reason,
				(true, None) => Error::<T>::VaultEmpty.into(),
				(false, None) => Error::<T>::TooEarly.into(),
			});
		}
		let credit = T::Currency::withdraw(
			&vault,
			total,
			Precision::Exact,
			Preservation::Preserve,
			Fortitude::Polite,
		)?;
		let (burned, to_treasury, to_executor) = Self::split(credit, &executor);

		LastExecution::<T>::put(now);
		Self::deposit_event(Event::Executed {
			executor,
			total,
			burned,
			to_treasury,
			to_executor,
			next_execution: now.saturating_add(params.epoch_length),
		});
		Ok(())
	}

	/// Pay the caller of a call that only sold [`Config::ExecutorShare`] of the AI it bought, out
	/// of the vault; a payment the caller's account cannot take (below the existential deposit of
	/// a new account) is skipped.
	fn reward_sale(vault: &T::AccountId, executor: &T::AccountId, ai_bought: BalanceOf<T>) {
		let amount = T::ExecutorShare::get().mul_floor(ai_bought);
		if amount.is_zero() {
			return;
		}
		if T::Currency::transfer(vault, executor, amount, Preservation::Preserve).is_ok() {
			Self::deposit_event(Event::SaleRewarded { executor: executor.clone(), amount });
		}
	}

	/// Sell the vault's stable asset for AI: at most `max_sale_per_epoch`, and no more than the
	/// pool pays for at the TWAP less the allowed slippage, on average. Returns the AI bought;
	/// `Ok(None)`: nothing to sell (or dust that buys nothing).
	fn sell_stable(
		vault: &T::AccountId,
		params: &ParamsOf<T>,
	) -> Result<Option<BalanceOf<T>>, SaleError> {
		let available = <T::StableAssets as fungibles::Inspect<_>>::reducible_balance(
			T::StableAsset::get(),
			vault,
			Preservation::Expendable,
			Fortitude::Polite,
		);
		if available.is_zero() || params.max_sale_per_epoch.is_zero() {
			// Nothing to sell, or sales are switched off.
			return Ok(None);
		}
		let skip = |e: Error<T>| SaleError::Skipped(e.into());
		let record = PriceRecord::<T>::get().ok_or_else(|| skip(Error::<T>::PriceUnavailable))?;
		let twap_price = Self::twap_of(&record, params.twap_window).map_err(skip)?;
		let reserves = T::Pool::reserves().ok_or_else(|| skip(Error::<T>::PriceUnavailable))?;
		// The cap below is taken from the pool as it is now: it must be the pool the record saw
		// at the start of the block, or a trade just before this call could shape it.
		if Self::price_of(reserves) != record.price {
			return Err(SaleError::Refused(Error::<T>::PriceMoved.into()));
		}
		let floor_price =
			twap_price.saturating_mul(FixedU128::from(params.max_slippage.left_from_one()));
		let price_cap = T::Pool::max_sale_at_price(reserves, floor_price);
		if price_cap.is_zero() {
			return Err(SaleError::Refused(Error::<T>::PriceOutsideGuard.into()));
		}
		let mut amount = available.min(params.max_sale_per_epoch).min(price_cap);
		// A remainder below the asset's minimum balance would be swept into the sale: keep the
		// minimum instead.
		let minimum =
			<T::StableAssets as fungibles::Inspect<_>>::minimum_balance(T::StableAsset::get());
		if amount < available && available.saturating_sub(amount) < minimum {
			amount = available.saturating_sub(minimum);
		}
		let min_ai_out = floor_price.saturating_mul_int(amount);
		if min_ai_out.is_zero() {
			// Dust that buys nothing waits for more.
			return Ok(None);
		}
		let ai_bought =
			T::Pool::sell_stable(vault, amount, min_ai_out).map_err(SaleError::Refused)?;
		Self::deposit_event(Event::Bought {
			stable_sold: amount,
			ai_bought,
			twap_price,
			min_ai_out,
			stable_left: available.saturating_sub(amount),
		});
		Ok(Some(ai_bought))
	}

	/// Burn [`Config::BurnShare`] of `credit`, pay [`Config::ExecutorShare`] to `executor` and the
	/// rest, rounding dust included, to the treasury. Returns `(burned, to_treasury,
	/// to_executor)`, which add up to the credit.
	fn split(
		credit: crate::CreditOf<T>,
		executor: &T::AccountId,
	) -> (BalanceOf<T>, BalanceOf<T>, BalanceOf<T>) {
		let total = credit.peek();
		let (burn, rest) = credit.split(T::BurnShare::get().mul_floor(total));
		let (to_executor, mut to_treasury) = rest.split(T::ExecutorShare::get().mul_floor(total));
		let burned = burn.peek();
		T::Burn::on_unbalanced(burn);

		let mut paid_executor = to_executor.peek();
		if let Err(unpaid) = T::Currency::resolve(executor, to_executor) {
			// An executor share below the existential deposit of a new account goes to the
			// treasury rather than being lost.
			paid_executor = Zero::zero();
			to_treasury.subsume(unpaid);
		}
		let paid_treasury = to_treasury.peek();
		if let Err(unpaid) = T::Currency::resolve(&T::TreasuryAccount::get(), to_treasury) {
			// The treasury account always exists; should it refuse, the share is burned visibly
			// rather than lost.
			defensive!("the treasury cannot receive its share; it is burned");
			T::Burn::on_unbalanced(unpaid);
			return (burned.saturating_add(paid_treasury), Zero::zero(), paid_executor);
		}
		(burned, paid_treasury, paid_executor)
	}

	/// [`Pallet::set_params`].
	pub(crate) fn do_set_params(params: ParamsOf<T>) -> DispatchResult {
		Self::validate(&params)?;
		Params::<T>::put(&params);
		Self::deposit_event(Event::ParamsSet { params });
		Ok(())
	}

	/// [`Pallet::set_paused`].
	pub(crate) fn do_set_paused(paused: bool) {
		if Paused::<T>::get() == paused {
			return;
		}
		Paused::<T>::put(paused);
		Self::deposit_event(if paused { Event::Paused } else { Event::Resumed });
	}

	/// Check `params` against the pallet's bounds.
	pub(crate) fn validate(params: &ParamsOf<T>) -> Result<(), Error<T>> {
		params.validate(T::MinTwapWindow::get(), Self::max_twap_window()).map_err(|e| match e {
			InvalidParams::ZeroEpoch => Error::<T>::ZeroEpoch,
			InvalidParams::WindowTooShort => Error::<T>::WindowTooShort,
			InvalidParams::WindowTooLong => Error::<T>::WindowTooLong,
			InvalidParams::NoSlippageGuard => Error::<T>::NoSlippageGuard,
		})
	}

	/// Check the pallet's invariants (listed in the crate documentation).
	#[cfg(any(feature = "try-runtime", feature = "std", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		ensure!(Self::validate(&Params::<T>::get()).is_ok(), "buyback: invalid parameters");
		let checkpoints = PriceCheckpoints::<T>::get();
		match PriceRecord::<T>::get() {
			None => ensure!(checkpoints.is_empty(), "buyback: checkpoints without a record"),
			Some(record) => {
				let last = checkpoints.last().ok_or("buyback: a record without checkpoints")?;
				ensure!(
					last.at <= record.observed_at && last.cumulative <= record.cumulative,
					"buyback: the last checkpoint is ahead of the record"
				);
				ensure!(last.at == record.checkpointed_at, "buyback: checkpoint time mismatch");
			},
		}
		for pair in checkpoints.windows(2) {
			if let [earlier, later] = pair {
				ensure!(earlier.at < later.at, "buyback: checkpoints out of order");
				ensure!(earlier.cumulative <= later.cumulative, "buyback: price sum went down");
			}
		}
		let now: BlockNumberFor<T> = frame_system::Pallet::<T>::block_number();
		ensure!(
			LastExecution::<T>::get().is_none_or(|last| last <= now),
			"buyback: split in the future"
		);
		ensure!(LastSale::<T>::get().is_none_or(|last| last <= now), "buyback: sold in the future");
		Ok(())
	}
}
