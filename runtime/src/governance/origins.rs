//! The origins of the governance tracks, and the timescale the tracks read.
//!
//! Each track but root dispatches its referenda with its own origin; each origin is accepted by
//! exactly the calls of its track (see [`super`] for the table). [`pallet::Timescale`] lets the
//! dev and local presets run governance in minutes with the same runtime as a public chain.

pub use pallet::*;

#[frame_support::pallet]
pub mod pallet {
	use crate::Balance;
	use frame_support::pallet_prelude::*;

	#[pallet::config]
	pub trait Config: frame_system::Config {}

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

	/// How much faster than real time the governance tracks run: every track period, the
	/// referenda's undeciding timeout and the conviction lock period are divided by it, and so
	/// is the support each track asks for (a handful of dev accounts stand in for the
	/// electorate). 1 on public chains; set only at genesis (dev and local presets: 2,880, a day
	/// of track time lasting 30 seconds). 0 reads as 1.
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

	impl<T: Config> Pallet<T> {
		/// The timescale divisor, at least 1.
		pub fn timescale() -> u32 {
			Timescale::<T>::get().max(1)
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
