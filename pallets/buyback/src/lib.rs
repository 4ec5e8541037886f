//! # Buyback pallet: the BuyBack Vault
//!
//! Links network usage to the $AI supply. Protocol revenue (the protocol share of compute fees and
//! any other income) lands in the vault account ([`Pallet::vault_account`]), in AI or in the
//! accepted stable asset ([`Config::StableAsset`]). Anyone may [`Pallet::execute`] the vault; it
//! sells at most once per epoch and splits at most once per epoch, each counted on its own
//! ([`LastSale`], [`LastExecution`]), so that a sale refused for a moved price is retried in a
//! later block without holding back the split:
//!
//! 1. **Buy.** The vault's stable asset is sold for AI in the AI/stable pool of the chain's DEX
//!    ([`Config::Pool`], pallet-asset-conversion), at most `max_sale_per_epoch` of it, and only as
//!    much as the pool pays for at an average price no worse than the **TWAP guard**: the
//!    time-weighted average pool price over at least `twap_window` seconds, less `max_slippage`.
//!    A pool whose spot price is already beyond the guard (a price spike), or differs from the
//!    price recorded at the start of the block (traded in this block, or moved more than a step
//!    in the last), refuses the sale without using the sale's epoch ([`Event::SaleRefused`]);
//!    a pool that would pay the guard price only for part of the sale caps it. A vault that
//!    cannot sell (no pool, not enough price history, or a refused sale) still splits the AI it
//!    holds: no trade can hold back a burn.
//! 2. **Split.** All AI in the vault (bought or received as AI), less the existential deposit
//!    that keeps the vault alive, is split: [`Config::BurnShare`] (70%) burned through
//!    [`Config::Burn`] (total issuance goes down, the supply ledger records it),
//!    [`Config::ExecutorShare`] (1%) to the caller, the rest (29% and all rounding dust) to the
//!    Community Treasury.
//!
//! The **price record** is updated at the start of every block (`on_initialize`): the
//! pool's price after the previous block, at the previous block's time, moved at most
//! [`Config::MaxPriceStep`] from the last recorded price, is added to a running sum of
//! `price × seconds` ([`PriceRecord`]), and every [`Config::CheckpointInterval`] seconds the
//! sum is kept as a [`Checkpoint`] (at most [`Config::MaxCheckpoints`]). The TWAP over a window is
//! the difference of the sum now and at the latest checkpoint at least a window old, divided by
//! the time between them. Trades inside the executing block never enter it (and make execution
//! refuse); a price pushed away for one block weighs at most one step for one block's time. A pool present at genesis is trusted:
//! its genesis price stands for all time before the first block. A pool created later must be
//! observed for a full window before the vault sells into it; a pool that empties restarts the
//! record.
//!
//! Parameters belong to [`Config::ParamsOrigin`] and the pause to [`Config::PauseOrigin`] (in the
//! runtime: the protocol-parameters and the emergency governance tracks); the price record keeps
//! running while the vault is paused.
//!
//! Layout: this file declares; calls hand over to `do_*` functions in [`dispatchable_impls`], the
//! price record lives in [`price`], the DEX interface in [`pool`], the runtime API in
//! [`runtime_api`].
//!
//! ## Invariants (checked by [`Pallet::do_try_state`])
//! - The parameters in force are valid.
//! - [`PriceRecord`] exists exactly when [`PriceCheckpoints`] is not empty; checkpoints are in
//!   strictly increasing time, their sums never decrease, and the last is not later or larger than
//!   the record.
//! - [`LastExecution`] and [`LastSale`] are not in the future.

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

extern crate alloc;

pub use pallet::*;
pub use pool::{AssetConversionPool, BuybackPool};
pub use types::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
pub mod benchmarking;
mod dispatchable_impls;
#[cfg(test)]
mod mock;
pub mod pool;
pub mod price;
pub mod runtime_api;
#[cfg(test)]
mod tests;
pub mod types;
pub mod weights;

use frame_support::traits::{
	fungible::{self, Credit},
	fungibles,
};

/// The AI balance type.
pub type BalanceOf<T> =
	<<T as Config>::Currency as fungible::Inspect<<T as frame_system::Config>::AccountId>>::Balance;
/// AI taken out of an account and not yet placed anywhere.
pub type CreditOf<T> = Credit<<T as frame_system::Config>::AccountId, <T as Config>::Currency>;
/// Id of an asset of [`Config::StableAssets`].
pub type StableAssetIdOf<T> = <<T as Config>::StableAssets as fungibles::Inspect<
	<T as frame_system::Config>::AccountId,
>>::AssetId;
/// The parameters as the runtime instantiates them.
pub type ParamsOf<T> =
	BuybackParams<BalanceOf<T>, frame_system::pallet_prelude::BlockNumberFor<T>>;

// FRAME's macro expansion of this module (metadata, storage info) calls `expect`; the pallet's
// logic lives outside it, under the crate's denied lints.
#[allow(clippy::expect_used)]
#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{
		pallet_prelude::*,
		traits::{fungible::Balanced, OnUnbalanced, Time},
		PalletId,
	};
	use frame_system::pallet_prelude::*;
	use sp_runtime::{traits::AccountIdConversion, FixedU128, PerThing, Perbill};

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The native currency ($AI): what the vault buys, burns and pays out.
		type Currency: fungible::Mutate<Self::AccountId> + Balanced<Self::AccountId>;

		/// The registry of the stable asset (pallet-assets).
		type StableAssets: fungibles::Inspect<Self::AccountId, Balance = BalanceOf<Self>>;

		/// The accepted stable asset: the vault sells it for AI.
		#[pallet::constant]
		type StableAsset: Get<StableAssetIdOf<Self>>;

		/// The AI/stable pool of the chain's DEX.
		type Pool: BuybackPool<Self::AccountId, BalanceOf<Self>>;

		/// The chain's clock (Unix milliseconds): the price record weighs prices by time.
		type Time: Time<Moment = u64>;

		/// Where the burned share goes. aichain: `pallet_supply::BurnAndRecord`, which destroys
		/// it and records it in the supply ledger.
		type Burn: OnUnbalanced<CreditOf<Self>>;

		/// The Community Treasury: it receives its share and the rounding dust.
		type TreasuryAccount: Get<Self::AccountId>;

		/// The vault's id: its account is derived from it.
		#[pallet::constant]
		type PalletId: Get<PalletId>;

		/// The share of each execution's AI that is burned (70%).
		#[pallet::constant]
		type BurnShare: Get<Perbill>;

		/// The share of each execution's AI paid to the caller (1%).
		#[pallet::constant]
		type ExecutorShare: Get<Perbill>;

		/// The shortest TWAP window governance may set, in seconds (1800).
		#[pallet::constant]
		type MinTwapWindow: Get<u64>;

		/// How far the recorded price may move from one block to the next (1% on aichain): a
		/// price pushed far for a single block barely moves the TWAP, a lasting move is followed
		/// within a few dozen blocks.
		#[pallet::constant]
		type MaxPriceStep: Get<Perbill>;

		/// Seconds between two kept checkpoints of the price record.
		#[pallet::constant]
		type CheckpointInterval: Get<u64>;

		/// How many checkpoints are kept. The longest TWAP window is
		/// `(MaxCheckpoints - 1) × CheckpointInterval` seconds.
		#[pallet::constant]
		type MaxCheckpoints: Get<u32>;

		/// The parameters before governance sets any.
		type DefaultParams: Get<ParamsOf<Self>>;

		/// Who may set the vault's parameters.
		type ParamsOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Who may pause and resume the vault.
		type PauseOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Weights of the calls and the per-block hook.
		type WeightInfo: WeightInfo;

		/// Sets up a pool, stable funds and time for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: benchmarking::BenchmarkHelper<Self::AccountId, BalanceOf<Self>>;
	}

	/// The parameters in force.
	#[pallet::storage]
	pub type Params<T: Config> = StorageValue<_, ParamsOf<T>, ValueQuery, T::DefaultParams>;

	/// Whether execution is paused by governance.
	#[pallet::storage]
	pub type Paused<T: Config> = StorageValue<_, bool, ValueQuery>;

	/// The block of the last split of the vault's AI; the next may come `epoch_length` blocks
	/// later.
	#[pallet::storage]
	pub type LastExecution<T: Config> = StorageValue<_, BlockNumberFor<T>, OptionQuery>;

	/// The block of the last sale of stable asset; the next may come `epoch_length` blocks later.
	/// Counted apart from [`LastExecution`]: a refused sale uses neither epoch.
	#[pallet::storage]
	pub type LastSale<T: Config> = StorageValue<_, BlockNumberFor<T>, OptionQuery>;

	/// The running sum of the pool price over time and the last observed price. `None` until the
	/// pool has a price (and again after it loses it).
	#[pallet::storage]
	pub type PriceRecord<T: Config> = StorageValue<_, PriceAccumulator, OptionQuery>;

	/// Snapshots of the price sum, oldest first, at least [`Config::CheckpointInterval`] apart.
	#[pallet::storage]
	pub type PriceCheckpoints<T: Config> =
		StorageValue<_, BoundedVec<Checkpoint, T::MaxCheckpoints>, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Whether the vault starts paused.
		pub paused: bool,
		#[serde(skip)]
		#[doc(hidden)]
		pub _phantom: PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			Paused::<T>::put(self.paused);
			// A pool in the genesis state is as trusted as the rest of it: its price starts the
			// record, standing for all time before the first block.
			if let Some(price) = Pallet::<T>::spot_price() {
				Pallet::<T>::start_record(Pallet::<T>::now_secs(), price);
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// The vault sold stable asset for AI in the pool.
		Bought {
			/// Stable asset sold.
			stable_sold: BalanceOf<T>,
			/// AI received.
			ai_bought: BalanceOf<T>,
			/// The time-weighted average price (AI per stable unit) the guard started from.
			twap_price: FixedU128,
			/// The least AI the sale had to pay: the TWAP less the slippage allowed.
			min_ai_out: BalanceOf<T>,
			/// Stable asset left in the vault for later epochs (volume or price cap).
			stable_left: BalanceOf<T>,
		},
		/// The vault was executed: its AI was split.
		Executed {
			/// Who called it; it received `to_executor`.
			executor: T::AccountId,
			/// All AI split.
			total: BalanceOf<T>,
			/// AI burned: total issuance went down by this much.
			burned: BalanceOf<T>,
			/// AI paid to the Community Treasury, rounding dust included.
			to_treasury: BalanceOf<T>,
			/// AI paid to the executor.
			to_executor: BalanceOf<T>,
			/// The first block of the next execution.
			next_execution: BlockNumberFor<T>,
		},
		/// The vault's stable asset could not be sold this time; it stays for later.
		SaleSkipped {
			/// Why: [`Error::PriceUnavailable`] or [`Error::PriceHistoryTooShort`].
			reason: DispatchError,
		},
		/// Governance set new parameters.
		ParamsSet {
			/// The parameters now in force.
			params: ParamsOf<T>,
		},
		/// Governance paused execution.
		Paused,
		/// Governance resumed execution.
		Resumed,
		/// The pool got a price: the price record (re)started.
		PriceRecordStarted {
			/// The first observed price, AI per stable unit.
			price: FixedU128,
		},
		/// The pool lost its price (it no longer exists or is empty): the record was cleared.
		PriceRecordCleared,
		/// The sale was refused to protect the vault; the stable asset stays, and the sale may be
		/// retried in a later block of the same epoch. The AI in the vault was split all the same.
		SaleRefused {
			/// Why: [`Error::PriceMoved`] (traded earlier in this block, retry in a later one),
			/// [`Error::PriceOutsideGuard`] (a price spike), or the pool's own error.
			reason: DispatchError,
		},
		/// A call that only sold (no split was due) paid its caller [`Config::ExecutorShare`] of
		/// the AI bought; the rest waits in the vault for the next split.
		SaleRewarded {
			/// Who called it.
			executor: T::AccountId,
			/// AI paid to the caller.
			amount: BalanceOf<T>,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// Governance paused execution.
		Paused,
		/// Neither a sale nor a split is due: both happened less than an epoch ago; see
		/// [`LastSale`] and [`LastExecution`].
		TooEarly,
		/// The vault holds no AI to split (and no stable asset it could sell).
		VaultEmpty,
		/// The pool's price is beyond the TWAP guard: it pays less than the TWAP less the allowed
		/// slippage even for the smallest sale. Try again when the price has settled.
		PriceOutsideGuard,
		/// The pool's price is not the one recorded at the start of this block: it was traded
		/// earlier in this block, or moved more than one step in the last. Try again in a later
		/// block.
		PriceMoved,
		/// There is no AI/stable pool, or it is empty.
		PriceUnavailable,
		/// The pool has not been observed for a full TWAP window yet.
		PriceHistoryTooShort,
		/// The epoch length is zero.
		ZeroEpoch,
		/// The TWAP window is shorter than [`Config::MinTwapWindow`].
		WindowTooShort,
		/// The TWAP window is longer than the kept checkpoints cover.
		WindowTooLong,
		/// A slippage of 100% disables the guard.
		NoSlippageGuard,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(_n: BlockNumberFor<T>) -> Weight {
			Self::observe()
		}

		fn integrity_test() {
			assert!(
				T::BurnShare::get()
					.deconstruct()
					.saturating_add(T::ExecutorShare::get().deconstruct()) <=
					Perbill::ACCURACY,
				"BurnShare + ExecutorShare must not exceed 100%"
			);
			assert!(T::CheckpointInterval::get() > 0, "CheckpointInterval must be positive");
			assert!(T::MaxCheckpoints::get() >= 2, "at least two checkpoints are needed");
			assert!(T::MinTwapWindow::get() > 0, "MinTwapWindow must be positive");
			assert!(Self::validate(&T::DefaultParams::get()).is_ok(), "DefaultParams invalid");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call(weight(<T as Config>::WeightInfo))]
	impl<T: Config> Pallet<T> {
		/// Execute the vault: sell its stable asset for AI under the TWAP guard (if a sale is
		/// due), then split all its AI (if a split is due): 70% burned, 1% to the caller, the rest
		/// to the Community Treasury.
		///
		/// Origin: any signed account. Each of the sale and the split happens at most once per
		/// epoch, counted apart: a refused sale does not stop the split, and a sale retried in a
		/// later block of the epoch goes through without a split. Emits [`Event::Bought`] when
		/// stable asset was sold ([`Event::SaleSkipped`] when it could not be,
		/// [`Event::SaleRefused`] when it was refused), [`Event::Executed`] for a split, and
		/// [`Event::SaleRewarded`] when a call only sold: its caller gets the executor share of
		/// the AI bought, so that retrying a refused sale is worth a keeper's while.
		///
		/// Errors (only when nothing was sold or split): [`Error::Paused`], [`Error::TooEarly`],
		/// [`Error::PriceOutsideGuard`] (a price spike) and [`Error::PriceMoved`] (retry in a
		/// later block), [`Error::VaultEmpty`], or why the stable asset could not be sold.
		#[pallet::call_index(0)]
		pub fn execute(origin: OriginFor<T>) -> DispatchResult {
			let executor = ensure_signed(origin)?;
			Self::do_execute(executor)
		}

		/// Set the buyback's parameters.
		///
		/// Origin: [`Config::ParamsOrigin`]. Emits [`Event::ParamsSet`].
		///
		/// Errors: [`Error::ZeroEpoch`], [`Error::WindowTooShort`], [`Error::WindowTooLong`],
		/// [`Error::NoSlippageGuard`].
		#[pallet::call_index(1)]
		pub fn set_params(origin: OriginFor<T>, params: ParamsOf<T>) -> DispatchResult {
			T::ParamsOrigin::ensure_origin(origin)?;
			Self::do_set_params(params)
		}

		/// Pause (`true`) or resume (`false`) execution. The price record keeps running.
		///
		/// Origin: [`Config::PauseOrigin`]. Emits [`Event::Paused`] or [`Event::Resumed`]
		/// when the state changes.
		#[pallet::call_index(2)]
		pub fn set_paused(origin: OriginFor<T>, paused: bool) -> DispatchResult {
			T::PauseOrigin::ensure_origin(origin)?;
			Self::do_set_paused(paused);
			Ok(())
		}
	}

	impl<T: Config> Pallet<T> {
		/// The BuyBack Vault: protocol revenue is paid here.
		pub fn vault_account() -> T::AccountId {
			T::PalletId::get().into_account_truncating()
		}
	}

	#[pallet::extra_constants]
	impl<T: Config> Pallet<T> {
		/// The BuyBack Vault's account.
		#[pallet::constant_name(VaultAccount)]
		fn vault() -> T::AccountId {
			Self::vault_account()
		}
	}
}
