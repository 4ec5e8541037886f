//! The price record: a time-weighted sum of the pool price, observed once per block, and the TWAP
//! taken from it.

use crate::{
	BalanceOf, BuybackPool, Checkpoint, Config, Error, Event, Pallet, PriceAccumulator, PriceCheckpoints, PriceRecord,
	WeightInfo,
};
use frame_support::{defensive, traits::Time, weights::Weight, BoundedVec};
use sp_core::U256;
use sp_runtime::{
	traits::{Get, Saturating},
	FixedPointNumber, FixedU128,
};

impl<T: Config> Pallet<T> {
	/// The chain's time in whole seconds.
	pub(crate) fn now_secs() -> u64 {
		T::Time::now() / 1000
	}

	/// The pool's spot price now: AI per stable unit (reserve ratio, before fees). `None` without
	/// a pool with reserves; a ratio beyond `FixedU128` saturates.
	pub fn spot_price() -> Option<FixedU128> {
		T::Pool::reserves().map(Self::price_of)
	}

	/// The price of a pool with reserves `(stable, ai)`: AI per stable unit, saturating.
	pub(crate) fn price_of((stable, ai): (BalanceOf<T>, BalanceOf<T>)) -> FixedU128 {
		FixedU128::saturating_from_rational(ai, stable)
	}

	/// `spot`, moved no further than [`Config::MaxPriceStep`] from the last recorded `price`: what
	/// the record takes as the price of a block. A price pushed far for one block so weighs no
	/// more than one step; a lasting move is followed one step per block.
	pub(crate) fn step_towards(price: FixedU128, spot: FixedU128) -> FixedU128 {
		let step = FixedU128::from(T::MaxPriceStep::get());
		let lowest = price.saturating_sub(price.saturating_mul(step));
		let highest = price.saturating_add(price.saturating_mul(step));
		spot.max(lowest).min(highest)
	}

	/// The longest TWAP window the kept checkpoints cover, in seconds.
	pub fn max_twap_window() -> u64 {
		u64::from(T::MaxCheckpoints::get().saturating_sub(1))
			.saturating_mul(T::CheckpointInterval::get())
	}

	/// The time-weighted average pool price (AI per stable unit) over at least `window` seconds
	/// up to now: from the latest checkpoint at least `window` old.
	pub fn twap_price(window: u64) -> Result<FixedU128, Error<T>> {
		let record = PriceRecord::<T>::get().ok_or(Error::<T>::PriceUnavailable)?;
		Self::twap_of(&record, window)
	}

	/// [`Self::twap_price`] of a record already read.
	pub(crate) fn twap_of(record: &PriceAccumulator, window: u64) -> Result<FixedU128, Error<T>> {
		let now = Self::now_secs().max(record.observed_at);
		let since = now.checked_sub(window).ok_or(Error::<T>::PriceHistoryTooShort)?;
		let checkpoint = PriceCheckpoints::<T>::get()
			.into_iter()
			.rev()
			.find(|c| c.at <= since)
			.ok_or(Error::<T>::PriceHistoryTooShort)?;
		let span = now.saturating_sub(checkpoint.at);
		let sum = record.cumulative_at(now).saturating_sub(checkpoint.cumulative);
		// An average of prices that each fit in a `u128` fits in one too.
		let average = sum.checked_div(U256::from(span)).ok_or(Error::<T>::PriceHistoryTooShort)?;
		let average = u128::try_from(average).map_err(|_| Error::<T>::PriceUnavailable)?;
		Ok(FixedU128::from_inner(average))
	}

	/// Start the price record at `now` with `price`, with a first checkpoint.
	pub(crate) fn start_record(now: u64, price: FixedU128) {
		PriceRecord::<T>::put(PriceAccumulator {
			observed_at: now,
			price,
			cumulative: U256::zero(),
			checkpointed_at: now,
		});
		PriceCheckpoints::<T>::put(BoundedVec::truncate_from(alloc::vec![Checkpoint {
			at: now,
			cumulative: U256::zero(),
		}]));
		Self::deposit_event(Event::PriceRecordStarted { price });
	}

	/// Observe the pool at the start of a block.
	///
	/// `Timestamp` still holds the previous block's time and the pool what the previous block
	/// left: the observation is the price after the previous block (within one step of the last
	/// one, see [`Self::step_towards`]). The price recorded before it held from its observation
	/// until now and is added to the sum.
	pub(crate) fn observe() -> Weight {
		let now = Self::now_secs();
		let price = Self::spot_price();
		let Some(record) = PriceRecord::<T>::get() else {
			if let Some(price) = price {
				Self::start_record(now, price);
				return T::WeightInfo::observe_with_checkpoint();
			}
			return T::WeightInfo::observe();
		};
		let Some(spot) = price else {
			// Without a price the record has a hole no average may span.
			PriceRecord::<T>::kill();
			PriceCheckpoints::<T>::kill();
			Self::deposit_event(Event::PriceRecordCleared);
			return T::WeightInfo::observe_with_checkpoint();
		};
		let price = Self::step_towards(record.price, spot);
		if now <= record.observed_at {
			// No time passed (the first block after genesis): nothing to add, but the newest
			// price is the one that holds from now on.
			PriceRecord::<T>::put(PriceAccumulator { price, ..record });
			return T::WeightInfo::observe();
		}
		let cumulative = record.cumulative_at(now);
		let checkpoint_due =
			now >= record.checkpointed_at.saturating_add(T::CheckpointInterval::get());
		PriceRecord::<T>::put(PriceAccumulator {
			observed_at: now,
			price,
			cumulative,
			checkpointed_at: if checkpoint_due { now } else { record.checkpointed_at },
		});
		if !checkpoint_due {
			return T::WeightInfo::observe();
		}
		PriceCheckpoints::<T>::mutate(|checkpoints| {
			if checkpoints.is_full() && !checkpoints.is_empty() {
				checkpoints.remove(0);
			}
			if checkpoints.try_push(Checkpoint { at: now, cumulative }).is_err() {
				defensive!("a checkpoint was dropped to make room");
			}
		});
		T::WeightInfo::observe_with_checkpoint()
	}
}
