//! The governance tracks: who decides what, how fast, and with which deposits.
//!
//! | id | track | origin | max deciding | decision deposit | prepare | decision | confirm | min enactment | approval | support |
//! |---|---|---|---|---|---|---|---|---|---|---|
//! | 0 | root | Root | 20 | 500,000 AI | 2 h | 28 d | 1 d | 1 d | 100% → 50% | 50% → 1% |
//! | 10 | protocol_params | ProtocolParams | 10 | 100,000 AI | 2 h | 14 d | 1 d | 1 d | 100% → 50% | 10% → 1% |
//! | 11 | treasurer | Treasurer | 10 | 100,000 AI | 2 h | 28 d | 2 d | 1 d | 100% → 50% | 10% → 0.5% |
//! | 20 | emergency | Emergency | 100 | 50,000 AI | 10 min | 7 d | 1 h | 1 min | 100% → 66% | 10% → 2% |
//! | 30 | small_spender | SmallSpender | 50 | 2,000 AI | 1 h | 7 d | 6 h | 1 h | 100% → 50% | 5% → 0.1% |
//! | 31 | big_spender | BigSpender | 20 | 20,000 AI | 2 h | 14 d | 1 d | 1 d | 100% → 50% | 7.5% → 0.5% |
//!
//! Both curves fall linearly over the whole decision period: a referendum passes once it has
//! held both thresholds for the confirm period. Approval is the share of conviction-weighted
//! ayes; support the share of the [`super::Electorate`] that voted aye, conviction aside. The
//! table is in track time: on dev and local chains [`super::timescale`] divides the periods (at
//! least one block each).

use super::origins::Origin;
use crate::{Balance, BlockNumber, OriginCaller, AI, DAYS, HOURS, MINUTES};
use alloc::borrow::Cow;
use pallet_referenda::{Curve, Track, TrackInfo};
use sp_runtime::Perbill;

/// A track of this runtime.
pub type TrackOf = Track<u16, Balance, BlockNumber>;

const fn name(s: &str) -> [u8; 25] {
	let mut out = [0u8; 25];
	let bytes = s.as_bytes();
	let mut i = 0;
	while i < bytes.len() && i < 25 {
		out[i] = bytes[i];
		i += 1;
	}
	out
}

/// A threshold falling linearly from `ceil` to `floor` (parts per billion) over the decision
/// period.
const fn linear(floor: u32, ceil: u32) -> Curve {
	Curve::LinearDecreasing {
		length: Perbill::from_parts(1_000_000_000),
		floor: Perbill::from_parts(floor),
		ceil: Perbill::from_parts(ceil),
	}
}

const PERCENT: u32 = 10_000_000;

#[allow(clippy::too_many_arguments)]
const fn track(
	id: u16,
	track_name: &str,
	max_deciding: u32,
	decision_deposit: Balance,
	periods: [BlockNumber; 4],
	approval: (u32, u32),
	support: (u32, u32),
) -> TrackOf {
	Track {
		id,
		info: TrackInfo {
			name: name(track_name),
			max_deciding,
			decision_deposit,
			prepare_period: periods[0],
			decision_period: periods[1],
			confirm_period: periods[2],
			min_enactment_period: periods[3],
			min_approval: linear(approval.0, approval.1),
			min_support: linear(support.0, support.1),
		},
	}
}

/// Track ids.
pub mod ids {
	/// Root.
	pub const ROOT: u16 = 0;
	/// Protocol parameters.
	pub const PROTOCOL_PARAMS: u16 = 10;
	/// Treasurer.
	pub const TREASURER: u16 = 11;
	/// Emergency.
	pub const EMERGENCY: u16 = 20;
	/// Small spender.
	pub const SMALL_SPENDER: u16 = 30;
	/// Big spender.
	pub const BIG_SPENDER: u16 = 31;
}

/// The tracks in real time, sorted by id.
pub static TRACKS: [TrackOf; 6] = [
	track(
		ids::ROOT,
		"root",
		20,
		500_000 * AI,
		[2 * HOURS, 28 * DAYS, DAYS, DAYS],
		(50 * PERCENT, 100 * PERCENT),
		(PERCENT, 50 * PERCENT),
	),
	track(
		ids::PROTOCOL_PARAMS,
		"protocol_params",
		10,
		100_000 * AI,
		[2 * HOURS, 14 * DAYS, DAYS, DAYS],
		(50 * PERCENT, 100 * PERCENT),
		(PERCENT, 10 * PERCENT),
	),
	track(
		ids::TREASURER,
		"treasurer",
		10,
		100_000 * AI,
		[2 * HOURS, 28 * DAYS, 2 * DAYS, DAYS],
		(50 * PERCENT, 100 * PERCENT),
		(PERCENT / 2, 10 * PERCENT),
	),
	track(
		ids::EMERGENCY,
		"emergency",
		100,
		50_000 * AI,
		[10 * MINUTES, 7 * DAYS, HOURS, MINUTES],
		(66 * PERCENT, 100 * PERCENT),
		(2 * PERCENT, 10 * PERCENT),
	),
	track(
		ids::SMALL_SPENDER,
		"small_spender",
		50,
		2_000 * AI,
		[HOURS, 7 * DAYS, 6 * HOURS, HOURS],
		(50 * PERCENT, 100 * PERCENT),
		(PERCENT / 10, 5 * PERCENT),
	),
	track(
		ids::BIG_SPENDER,
		"big_spender",
		20,
		20_000 * AI,
		[2 * HOURS, 14 * DAYS, DAYS, DAYS],
		(50 * PERCENT, 100 * PERCENT),
		(PERCENT / 2, 15 * PERCENT / 2),
	),
];

/// `track` at the chain's timescale: its periods divided, at least a block each.
fn at_timescale(track: &TrackOf, timescale: u32) -> TrackOf {
	let period = |p: BlockNumber| (p / timescale).max(1);
	let mut scaled = track.clone();
	scaled.info.prepare_period = period(track.info.prepare_period);
	scaled.info.decision_period = period(track.info.decision_period);
	scaled.info.confirm_period = period(track.info.confirm_period);
	scaled.info.min_enactment_period = period(track.info.min_enactment_period);
	scaled
}

/// The tracks as `pallet_referenda` reads them.
pub struct TracksInfo;
impl pallet_referenda::TracksInfo<Balance, BlockNumber> for TracksInfo {
	type Id = u16;
	type RuntimeOrigin = OriginCaller;

	fn tracks() -> impl Iterator<Item = Cow<'static, TrackOf>> {
		let timescale = super::timescale();
		TRACKS.iter().map(move |track| {
			if timescale == 1 {
				Cow::Borrowed(track)
			} else {
				Cow::Owned(at_timescale(track, timescale))
			}
		})
	}

	fn track_for(origin: &Self::RuntimeOrigin) -> Result<Self::Id, ()> {
		match origin {
			OriginCaller::system(frame_system::RawOrigin::Root) => Ok(ids::ROOT),
			OriginCaller::Origins(origin) => Ok(match origin {
				Origin::ProtocolParams => ids::PROTOCOL_PARAMS,
				Origin::Treasurer => ids::TREASURER,
				Origin::Emergency => ids::EMERGENCY,
				Origin::SmallSpender => ids::SMALL_SPENDER,
				Origin::BigSpender => ids::BIG_SPENDER,
			}),
			_ => Err(()),
		}
	}
}
