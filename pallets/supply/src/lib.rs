//! # Supply pallet
//!
//! $AI has a fixed supply: 10 billion AI exist at genesis and none is ever minted again. Total
//! issuance can only go down, and only through a recorded burn. This pallet is the one place that
//! keeps that promise:
//!
//! - **Burn ledger.** [`Burned`] counts every AI destroyed by the protocol. Anything that burns
//!   (the buyback vault, a fallback below) goes through [`Pallet::burn_credit`], which records the
//!   amount and emits [`Event::Burned`]. The invariant `total_issuance + Burned == Cap` is checked in
//!   `try_state` after every test and by `try-runtime`.
//! - **Staking reward pot.** Validators are paid without inflation. Transaction fees (and later the
//!   verifier share no verifier earned) flow into the reward pot account ([`ToRewardPot`]). At the
//!   end of each era, [`EraRewardPot`] (the runtime's `pallet_staking::Config::EraPayout`) moves the
//!   pot into the payout reserve and tells staking to pay out exactly that amount. When stakers
//!   claim, staking mints their reward; [`RepayFromReserve`] (the runtime's
//!   `pallet_staking::Config::Reward`) immediately settles that mint against the reserve, so total
//!   issuance is unchanged. Unclaimed rewards and rounding dust simply stay in the reserve.
//!
//! The pallet has no dispatchable calls: it only provides these handlers and the invariant.
//!
//! ## Invariants (checked by [`Pallet::do_try_state`])
//! - `total_issuance + Burned == Cap`: nothing mints, every burn is recorded.

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]
#![cfg_attr(
	not(test),
	deny(
		clippy::arithmetic_side_effects,
		clippy::indexing_slicing,
		clippy::unwrap_used,
		clippy::expect_used,
		clippy::panic
	)
)]

pub use pallet::*;

#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

use core::marker::PhantomData;
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{self, Balanced, Credit, Debt, Inspect, Mutate},
		tokens::{Fortitude, Preservation},
		Imbalance, OnUnbalanced,
	},
	PalletId,
};
use sp_runtime::traits::{AccountIdConversion, Saturating, Zero};

/// The balance type of the configured currency.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;
/// A credit (tokens taken out of an account, not yet placed anywhere) in the configured currency.
pub type CreditOf<T> = Credit<<T as frame_system::Config>::AccountId, <T as Config>::Currency>;
/// A debt (tokens placed in an account, not yet taken from anywhere) in the configured currency.
pub type DebtOf<T> = Debt<<T as frame_system::Config>::AccountId, <T as Config>::Currency>;

// FRAME's macro expansion of this module (metadata, storage info) calls `expect`; the pallet's
// logic lives outside it, under the crate's denied lints.
#[allow(clippy::expect_used)]
#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_system::pallet_prelude::BlockNumberFor;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The native currency ($AI).
		type Currency: fungible::Mutate<Self::AccountId> + fungible::Balanced<Self::AccountId>;

		/// The fixed supply: the total issuance at genesis (10 billion AI on aichain).
		#[pallet::constant]
		type Cap: Get<BalanceOf<Self>>;

		/// Id of the staking reward pot: fees accumulate here until the era ends.
		#[pallet::constant]
		type RewardPotId: Get<PalletId>;

		/// Id of the payout reserve: era rewards promised to stakers wait here until claimed.
		#[pallet::constant]
		type PayoutReserveId: Get<PalletId>;
	}

	/// Total AI destroyed by protocol burns since genesis.
	///
	/// Only [`Pallet::burn_credit`] writes it, so `total_issuance + Burned == Cap` holds exactly.
	#[pallet::storage]
	pub type Burned<T: Config> = StorageValue<_, BalanceOf<T>, ValueQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// AI was destroyed: total issuance went down by `amount`.
		Burned {
			/// How much was burned.
			amount: BalanceOf<T>,
			/// Total burned since genesis, after this burn.
			total_burned: BalanceOf<T>,
		},
		/// An era ended: the reward pot was moved into the payout reserve for its stakers.
		EraRewardCommitted {
			/// What staking will pay out for the era.
			amount: BalanceOf<T>,
		},
		/// Staking paid rewards; the payout reserve covered them so issuance did not change.
		StakingRewardRepaid {
			/// How much the reserve paid.
			amount: BalanceOf<T>,
		},
		/// The reserve could not cover a staking payout: the uncovered part was minted.
		///
		/// This should never happen; `try_state` flags the resulting issuance mismatch.
		StakingRewardUncovered {
			/// How much was minted without cover.
			amount: BalanceOf<T>,
		},
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}
}

impl<T: Config> Pallet<T> {
	/// The staking reward pot: transaction fees land here and are paid to stakers each era.
	pub fn reward_pot_account() -> T::AccountId {
		T::RewardPotId::get().into_account_truncating()
	}

	/// The payout reserve: rewards committed to finished eras, waiting for stakers to claim them.
	pub fn payout_reserve_account() -> T::AccountId {
		T::PayoutReserveId::get().into_account_truncating()
	}

	/// Destroy `credit`, record it in [`Burned`] and emit [`Event::Burned`].
	///
	/// The only way AI leaves the supply.
	pub fn burn_credit(credit: CreditOf<T>) {
		let amount = credit.peek();
		if amount.is_zero() {
			return;
		}
		// Dropping a credit reduces total issuance by its amount.
		drop(credit);
		let total_burned = Burned::<T>::mutate(|burned| {
			*burned = burned.saturating_add(amount);
			*burned
		});
		Self::deposit_event(Event::Burned { amount, total_burned });
	}

	/// Put `credit` into `who`; if the account cannot take it (it would stay below the existential
	/// deposit), burn it visibly instead of losing it silently.
	pub fn resolve_or_burn(who: &T::AccountId, credit: CreditOf<T>) {
		if let Err(credit) = T::Currency::resolve(who, credit) {
			Self::burn_credit(credit);
		}
	}

	/// Commit the whole spendable reward pot to the era that just ended.
	///
	/// Moves it into the payout reserve and returns the amount staking should pay out.
	pub fn commit_era_reward() -> BalanceOf<T> {
		let pot = Self::reward_pot_account();
		// The pot stays alive so that fees below the existential deposit can still land in it.
		let amount =
			T::Currency::reducible_balance(&pot, Preservation::Preserve, Fortitude::Polite);
		if amount.is_zero() {
			return amount;
		}
		match T::Currency::transfer(
			&pot,
			&Self::payout_reserve_account(),
			amount,
			Preservation::Preserve,
		) {
			Ok(_) => {
				Self::deposit_event(Event::EraRewardCommitted { amount });
				amount
			},
			Err(e) => {
				// Nothing moved, so nothing may be promised.
				log::error!(target: "runtime::supply", "era reward not committed: {e:?}");
				Zero::zero()
			},
		}
	}

	/// Settle staking's freshly minted rewards against the payout reserve.
	pub fn repay_staking_reward(debt: DebtOf<T>) {
		let amount = debt.peek();
		if amount.is_zero() {
			return;
		}
		let reserve = Self::payout_reserve_account();
		// The reserve stays alive: it always holds at least the existential deposit.
		let available =
			T::Currency::reducible_balance(&reserve, Preservation::Preserve, Fortitude::Polite);
		let (covered, mut uncovered) = debt.split(amount.min(available));
		if !covered.peek().is_zero() {
			let covered_amount = covered.peek();
			match T::Currency::settle(&reserve, covered, Preservation::Preserve) {
				Ok(nothing_left) => {
					drop(nothing_left);
					Self::deposit_event(Event::StakingRewardRepaid { amount: covered_amount });
				},
				Err(not_settled) => uncovered.subsume(not_settled),
			}
		}
		if !uncovered.peek().is_zero() {
			log::error!(
				target: "runtime::supply",
				"payout reserve short by {:?}: staking reward minted", uncovered.peek()
			);
			Self::deposit_event(Event::StakingRewardUncovered { amount: uncovered.peek() });
		}
		// Dropping the uncovered debt (if any) mints it; try_state reports the mismatch.
		drop(uncovered);
	}

	/// Check the supply invariant: `total_issuance + Burned == Cap`.
	#[cfg(any(feature = "try-runtime", feature = "std", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let issuance = T::Currency::total_issuance();
		let burned = Burned::<T>::get();
		ensure!(
			issuance.saturating_add(burned) == T::Cap::get(),
			"supply: total issuance + burned != cap (something minted or burned unrecorded)"
		);
		ensure!(issuance <= T::Cap::get(), "supply: total issuance above the cap");
		Ok(())
	}
}

/// `pallet_staking::Config::EraPayout`: pay each era exactly what the reward pot collected.
///
/// Returns `(pot, 0)`: everything goes to stakers, nothing is minted as "the rest".
pub struct EraRewardPot<T>(PhantomData<T>);
impl<T: Config> sp_staking::EraPayout<BalanceOf<T>> for EraRewardPot<T> {
	fn era_payout(
		_total_staked: BalanceOf<T>,
		_total_issuance: BalanceOf<T>,
		_era_duration_millis: u64,
	) -> (BalanceOf<T>, BalanceOf<T>) {
		(Pallet::<T>::commit_era_reward(), Zero::zero())
	}
}

/// `pallet_staking::Config::Reward`: cover minted staking rewards from the payout reserve.
pub struct RepayFromReserve<T>(PhantomData<T>);
impl<T: Config> OnUnbalanced<DebtOf<T>> for RepayFromReserve<T> {
	fn on_nonzero_unbalanced(debt: DebtOf<T>) {
		Pallet::<T>::repay_staking_reward(debt);
	}
}

/// Send credit (transaction fees, tips) into the staking reward pot.
pub struct ToRewardPot<T>(PhantomData<T>);
impl<T: Config> OnUnbalanced<CreditOf<T>> for ToRewardPot<T> {
	fn on_nonzero_unbalanced(credit: CreditOf<T>) {
		Pallet::<T>::resolve_or_burn(&Pallet::<T>::reward_pot_account(), credit);
	}
}

/// Send credit to the account `A` returns (e.g. slashes and dust to the treasury); burn it visibly
/// if that account cannot take it.
pub struct ResolveOrBurn<T, A>(PhantomData<(T, A)>);
impl<T: Config, A: TypedGet<Type = T::AccountId>> OnUnbalanced<CreditOf<T>>
	for ResolveOrBurn<T, A>
{
	fn on_nonzero_unbalanced(credit: CreditOf<T>) {
		Pallet::<T>::resolve_or_burn(&A::get(), credit);
	}
}

/// Burn credit and record it (e.g. the burned share of a buyback).
pub struct BurnAndRecord<T>(PhantomData<T>);
impl<T: Config> OnUnbalanced<CreditOf<T>> for BurnAndRecord<T> {
	fn on_nonzero_unbalanced(credit: CreditOf<T>) {
		Pallet::<T>::burn_credit(credit);
	}
}
