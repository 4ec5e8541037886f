//! The origins of the governance tracks, the timescale the tracks read, and the one staking
//! power the emergency track holds.
//!
//! Each track but root dispatches its referenda with its own origin; each origin is accepted by
//! exactly the calls of its track (see [`super`] for the table). [`pallet::Timescale`] lets the
//! dev and local presets run governance in minutes with the same runtime as a public chain.
//! [`pallet::Pallet::cancel_deferred_slash`] gives the emergency track staking's
//! `cancel_deferred_slash` without the rest of staking's admin origin (which also sets the
//! minimum commission and slashes by hand), which stays root's.

pub use pallet::*;

#[frame_support::pallet]
pub mod pallet {
	use crate::Balance;
	use frame_support::pallet_prelude::*;
	use frame_system::pallet_prelude::OriginFor;
	use pallet_staking::WeightInfo as _;

	#[pallet::config]
	pub trait Config: frame_system::Config + pallet_staking::Config {
		/// Who may cancel deferred staking slashes through this pallet: the emergency track.
		type SlashCancelOrigin: EnsureOrigin<<Self as frame_system::Config>::RuntimeOrigin>;
	}

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	/// The origins of the governance tracks other than root.
	#[derive(
		PartialEq, Eq, Clone, MaxEncodedLen, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug,
	)]
	#[pallet::origin]
	pub enum Origin {
		/// The protocol-parameters track: the market's, the disputes' and the vault's
		/// `set_params`.
		ProtocolParams,
		/// The treasurer track: treasury spends up to [`TREASURER_MAX`], rejecting proposals.
		Treasurer,
		/// The big-spender track: treasury spends up to [`BIG_SPENDER_MAX`].
		BigSpender,
		/// The small-spender track: treasury spends up to [`SMALL_SPENDER_MAX`].
		SmallSpender,
		/// The emergency track: pause and resume the vault and the market, cancel a deferred
		/// staking slash, cancel or kill referenda.
		Emergency,
	}

	/// How much faster than real time the governance tracks run on a chain with a sudo key:
	/// every track period, the referenda's undeciding timeout and the conviction lock period are
	/// divided by it (see [`crate::governance::timescale`]). Set at genesis: 2,880 on the dev
	/// and local presets (a day of track time lasts 30 seconds), 1 elsewhere. A chain without a
	/// sudo key runs in real time whatever this holds; 0 reads as 1.
	#[pallet::storage]
	pub type Timescale<T> = StorageValue<_, u32, ValueQuery, ConstU32<1>>;

	#[pallet::hooks]
	impl<T: Config> Hooks<frame_system::pallet_prelude::BlockNumberFor<T>> for Pallet<T> {
		#[cfg(feature = "try-runtime")]
		fn try_state(
			_n: frame_system::pallet_prelude::BlockNumberFor<T>,
		) -> Result<(), sp_runtime::TryRuntimeError> {
			crate::governance::do_try_state()
		}
	}

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// See [`Timescale`]; 0 is read as 1 (real time).
		pub timescale: u32,
		#[serde(skip)]
		pub _phantom: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			Timescale::<T>::put(self.timescale.max(1));
		}
	}

	/// Most a treasurer-track referendum spends in one enactment.
	pub const TREASURER_MAX: Balance = 100_000_000 * crate::AI;
	/// Most a big-spender-track referendum spends in one enactment.
	pub const BIG_SPENDER_MAX: Balance = 10_000_000 * crate::AI;
	/// Most a small-spender-track referendum spends in one enactment.
	pub const SMALL_SPENDER_MAX: Balance = 100_000 * crate::AI;

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Cancel deferred staking slashes of `era` (indices sorted and unique), as
		/// `staking.cancel_deferred_slash` does. Staking's admin origin, which also gates
		/// `manual_slash`, `set_min_commission`, `restore_ledger` and
		/// `deprecate_controller_batch`, stays root's; this call hands the emergency track the
		/// cancellation alone.
		///
		/// Origin: [`Config::SlashCancelOrigin`]. Emits staking's `SlashCancelled`. Errors:
		/// staking's (`EmptyTargets`, `NotSortedAndUnique`, `InvalidSlashIndex`). Weight:
		/// staking's benchmarked weight of the cancellation and one read for the origin.
		#[pallet::call_index(0)]
		#[pallet::weight(
			<T as pallet_staking::Config>::WeightInfo::cancel_deferred_slash(
				u32::try_from(slash_indices.len()).unwrap_or(u32::MAX)
			)
			.saturating_add(T::DbWeight::get().reads(1))
		)]
		pub fn cancel_deferred_slash(
			origin: OriginFor<T>,
			era: sp_staking::EraIndex,
			slash_indices: alloc::vec::Vec<u32>,
		) -> DispatchResult {
			T::SlashCancelOrigin::ensure_origin(origin)?;
			pallet_staking::Pallet::<T>::cancel_deferred_slash(
				frame_system::RawOrigin::Root.into(),
				era,
				slash_indices,
			)
		}
	}

	macro_rules! decl_ensure {
		($name:ident, $variant:ident) => {
			#[doc = concat!("Accepts the `", stringify!($variant), "` origin only.")]
			pub struct $name;
			impl<O: Into<Result<Origin, O>> + From<Origin>> EnsureOrigin<O> for $name {
				type Success = ();
				fn try_origin(o: O) -> Result<Self::Success, O> {
					o.into().and_then(|o| match o {
						Origin::$variant => Ok(()),
						other => Err(O::from(other)),
					})
				}
				#[cfg(feature = "runtime-benchmarks")]
				fn try_successful_origin() -> Result<O, ()> {
					Ok(O::from(Origin::$variant))
				}
			}
		};
	}
	decl_ensure!(ProtocolParams, ProtocolParams);
	decl_ensure!(Treasurer, Treasurer);
	decl_ensure!(Emergency, Emergency);

	/// The spending tracks' origins, each with the most it may spend in one enactment.
	pub struct Spender;
	impl<O: Into<Result<Origin, O>> + From<Origin>> EnsureOrigin<O> for Spender {
		type Success = Balance;
		fn try_origin(o: O) -> Result<Self::Success, O> {
			o.into().and_then(|o| match o {
				Origin::SmallSpender => Ok(SMALL_SPENDER_MAX),
				Origin::BigSpender => Ok(BIG_SPENDER_MAX),
				Origin::Treasurer => Ok(TREASURER_MAX),
				other => Err(O::from(other)),
			})
		}
		#[cfg(feature = "runtime-benchmarks")]
		fn try_successful_origin() -> Result<O, ()> {
			Ok(O::from(Origin::Treasurer))
		}
	}
}
