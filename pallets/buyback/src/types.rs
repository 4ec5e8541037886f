//! The buyback's parameters and its record of the pool price.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use core::fmt::Debug;
use scale_info::TypeInfo;
use sp_core::U256;
use sp_runtime::{FixedU128, Permill};

/// Protocol parameters of the buyback, set by the governance origin.
#[derive(
	Clone,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub struct BuybackParams<Balance, BlockNumber> {
	/// Blocks that must pass between two executions: the vault executes at most once per epoch.
	pub epoch_length: BlockNumber,
	/// Seconds the time-weighted average price covers at least (at least
	/// [`crate::Config::MinTwapWindow`], 1800 s on aichain).
	pub twap_window: u64,
	/// How far below the TWAP the average price of a purchase may fall (500 bps = 5%).
	pub max_slippage: Permill,
	/// The most stable asset one execution sells.
	pub max_sale_per_epoch: Balance,
}

/// Why a set of [`BuybackParams`] is refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum InvalidParams {
	/// The epoch is zero blocks long.
	ZeroEpoch,
	/// The TWAP window is shorter than [`crate::Config::MinTwapWindow`].
	WindowTooShort,
	/// The TWAP window is longer than the kept checkpoints cover.
	WindowTooLong,
	/// A slippage of 100% is no guard at all.
	NoSlippageGuard,
}

impl<Balance, BlockNumber: sp_runtime::traits::Zero> BuybackParams<Balance, BlockNumber> {
	/// Check the parameters against the pallet's bounds: the TWAP window must lie within
	/// `[min_window, max_window]` seconds.
	pub fn validate(&self, min_window: u64, max_window: u64) -> Result<(), InvalidParams> {
		if self.epoch_length.is_zero() {
			return Err(InvalidParams::ZeroEpoch);
		}
		if self.twap_window < min_window {
			return Err(InvalidParams::WindowTooShort);
		}
		if self.twap_window > max_window {
			return Err(InvalidParams::WindowTooLong);
		}
		if self.max_slippage == Permill::one() {
			return Err(InvalidParams::NoSlippageGuard);
		}
		Ok(())
	}
}

/// The running sum of the pool price over time, Uniswap-v2 style.
///
/// Prices are AI per unit of the stable asset, in their smallest units (planck per stable unit),
/// as read from the pool's reserves and followed at most [`crate::Config::MaxPriceStep`] a block.
/// `cumulative` is the sum of `price × seconds` over every interval since the history started, in
/// [`FixedU128`]'s inner units. It cannot overflow: each
/// term is below `2^128 × 2^64`, and there are fewer than `2^64` of them.
#[derive(
	Clone,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub struct PriceAccumulator {
	/// When the last observation was taken (Unix time, seconds).
	pub observed_at: u64,
	/// The pool price at `observed_at`: it holds until the next observation.
	pub price: FixedU128,
	/// The sum of `price × seconds` up to `observed_at`.
	pub cumulative: U256,
	/// When the last checkpoint was kept (Unix time, seconds).
	pub checkpointed_at: u64,
}

impl PriceAccumulator {
	/// The cumulative sum extended to `now` with the last observed price.
	pub fn cumulative_at(&self, now: u64) -> U256 {
		let elapsed = now.saturating_sub(self.observed_at);
		self.cumulative
			.saturating_add(U256::from(self.price.into_inner()).saturating_mul(U256::from(elapsed)))
	}
}

/// A snapshot of [`PriceAccumulator::cumulative`], kept so that an average over a past window can
/// be taken: `(cumulative_now - checkpoint.cumulative) / (now - checkpoint.at)`.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub struct Checkpoint {
	/// Unix time of the snapshot, seconds.
	pub at: u64,
	/// The cumulative price sum at `at`.
	pub cumulative: U256,
}
