//! Governance: $AI holders run the chain through OpenGov.
//!
//! Referenda ([`pallet_referenda`]) are decided by conviction votes of $AI
//! ([`pallet_conviction_voting`]); approved calls are dispatched by the scheduler
//! ([`pallet_scheduler`]) from preimages ([`pallet_preimage`]) with the origin of their track.
//! Each track has its own origin ([`origins`]), periods, curves and deposits ([`tracks`]), and
//! every admin call of the chain accepts exactly the tracks that own it:
//!
//! | call | origin |
//! |---|---|
//! | `compute.set_params`, `disputes.set_params`, `disputes.set_game_params`, `buyback.set_params` | protocol_params (or root) |
//! | `treasury.spend`, `treasury.spend_local` | small_spender ≤ 100,000 AI, big_spender ≤ 10,000,000 AI, treasurer ≤ 100,000,000 AI per enactment (root: any) |
//! | `treasury.remove_approval` (reject a proposal) | treasurer (or root) |
//! | `buyback.set_paused`, `compute.set_paused` | emergency (or root) |
//! | `origins.cancel_deferred_slash` (staking's `cancel_deferred_slash`, dispatched as root) | emergency (or root) |
//! | `referenda.cancel`, `referenda.kill` | emergency (or root) |
//! | staking's `AdminOrigin` (`cancel_deferred_slash`, `manual_slash`, `set_min_commission`, `restore_ledger`, `deprecate_controller_batch`) and everything else that was Root: assets' force origin (the accepted stable asset), the DEX's `AdminOrigin` (`set_pool_fee`, `create_pool_with_fee`), balances' and vesting's `force_*`, staking's `set_*`/`force_*`, `system`, scheduler, preimage management, runtime upgrades | root |
//!
//! Pool creation on the DEX stays permissionless. Nothing here mints: a spend moves what the
//! treasury holds, and deposits slashed by referenda go to the treasury. Root alone could change
//! the supply (a runtime upgrade can do anything), which is why it has the slowest track and the
//! highest bar.
//!
//! Conviction voting locks with a FRAME lock that overlaps other locks and holds: tokens locked
//! by vesting or bonded for staking vote too (as on Polkadot), so vested holders and validators
//! take part in governance while their tokens cannot move. Support is measured against the
//! [`Electorate`]: the active issuance less the keyless genesis buckets, which cannot vote.
//!
//! [`origins::Timescale`] (genesis; 2,880 on the dev and local presets, 1 elsewhere) divides
//! every period, the undeciding timeout and the conviction lock period on a chain with a sudo
//! key ([`timescale`]): dev chains decide in a minute or two with the runtime a public chain
//! runs.

pub mod origins;
#[cfg(test)]
mod tests;
pub mod tracks;

use crate::configs::RuntimeBlockWeights;
use crate::{
	AccountId, Balance, Balances, BlockNumber, OriginCaller, Preimage, Referenda, Runtime,
	RuntimeCall, RuntimeEvent, RuntimeHoldReason, RuntimeOrigin, Scheduler, System, Treasury, AI,
	DAYS, MILLI_AI,
};
use frame_support::{
	parameter_types,
	traits::{
		fungible::HoldConsideration, tokens::currency::ActiveIssuanceOf, ConstU32, EitherOf,
		EqualPrivilegeOnly, Get, LinearStoragePrice,
	},
	weights::Weight,
};
use frame_system::{EnsureRoot, EnsureSigned};
use sp_runtime::Perbill;

/// Root or the emergency track.
pub type RootOrEmergency = EitherOf<EnsureRoot<AccountId>, origins::Emergency>;
/// Root or the protocol-parameters track.
pub type RootOrProtocolParams = EitherOf<EnsureRoot<AccountId>, origins::ProtocolParams>;
/// Root or the treasurer track.
pub type RootOrTreasurer = EitherOf<EnsureRoot<AccountId>, origins::Treasurer>;

/// How many times faster than real time governance runs: [`origins::Timescale`] (at least 1)
/// on a chain with a sudo key, 1 on a chain without one. A chain whose governance could be
/// sped up by its spec is a chain a sudo key controls anyway; a public chain runs in real time
/// whatever its spec says.
pub fn timescale() -> u32 {
	if pallet_sudo::Key::<Runtime>::exists() {
		origins::Timescale::<Runtime>::get().max(1)
	} else {
		1
	}
}

/// `period` blocks of track time in blocks of this chain: divided by the timescale, at least 1.
pub fn scaled(period: BlockNumber) -> BlockNumber {
	(period / timescale()).max(1)
}

/// The electorate that support is measured against: the active issuance (the treasury's idle
/// funds are inactive) less what the keyless genesis buckets still hold (investors, team,
/// community sale, testnet rewards). Nobody can vote those tokens until they are distributed,
/// and each distribution adds what it moves to the electorate. At least 1.
pub struct Electorate;
impl Get<Balance> for Electorate {
	fn get() -> Balance {
		use crate::genesis_config_presets::{
			community_sale_account, investors_account, team_account, testnet_rewards_account,
		};
		use frame_support::traits::fungible::Inspect;
		let undistributed = [
			investors_account(),
			team_account(),
			community_sale_account(),
			testnet_rewards_account(),
		]
		.iter()
		.map(|who| Balances::total_balance(who))
		.fold(0, Balance::saturating_add);
		ActiveIssuanceOf::<Balances, AccountId>::get()
			.saturating_sub(undistributed)
			.max(1)
	}
}

/// A period of track time read through the timescale.
pub struct Scaled<P>(core::marker::PhantomData<P>);
impl<P: Get<BlockNumber>> Get<BlockNumber> for Scaled<P> {
	fn get() -> BlockNumber {
		scaled(P::get())
	}
}

parameter_types! {
	/// A preimage costs 1 AI plus 1 milli-AI per byte while it is stored (a runtime upgrade of
	/// 1.5 MB: about 1,500 AI), held on the account that noted it and returned when it goes.
	pub const PreimageBaseDeposit: Balance = AI;
	pub const PreimageByteDeposit: Balance = MILLI_AI;
	pub const PreimageHoldReason: RuntimeHoldReason =
		RuntimeHoldReason::Preimage(pallet_preimage::HoldReason::Preimage);
}

impl pallet_preimage::Config for Runtime {
	type WeightInfo = pallet_preimage::weights::SubstrateWeight<Runtime>;
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type ManagerOrigin = EnsureRoot<AccountId>;
	type Consideration = HoldConsideration<
		AccountId,
		Balances,
		PreimageHoldReason,
		LinearStoragePrice<PreimageBaseDeposit, PreimageByteDeposit, Balance>,
	>;
}

parameter_types! {
	/// Scheduled calls (enacted referenda) may use 80% of a block.
	pub MaximumSchedulerWeight: Weight = Perbill::from_percent(80) * RuntimeBlockWeights::get().max_block;
}

impl pallet_scheduler::Config for Runtime {
	type RuntimeOrigin = RuntimeOrigin;
	type RuntimeEvent = RuntimeEvent;
	type PalletsOrigin = OriginCaller;
	type RuntimeCall = RuntimeCall;
	type MaximumWeight = MaximumSchedulerWeight;
	/// Only root schedules by hand: a scheduled call keeps the origin that scheduled it, and a
	/// spender scheduling repeated spends would step around its per-enactment maximum.
	type ScheduleOrigin = EnsureRoot<AccountId>;
	type MaxScheduledPerBlock = ConstU32<50>;
	type WeightInfo = pallet_scheduler::weights::SubstrateWeight<Runtime>;
	type OriginPrivilegeCmp = EqualPrivilegeOnly;
	type Preimages = Preimage;
	type BlockNumberProvider = System;
}

parameter_types! {
	/// A conviction of 1x locks for 7 days after the vote's referendum ends (6x: 32 × 7 days).
	pub const VoteLockingPeriod: BlockNumber = 7 * DAYS;
	/// A referendum without a decision deposit is timed out after 14 days.
	pub const UndecidingTimeout: BlockNumber = 14 * DAYS;
	/// Submitting a referendum holds 100 AI until it ends.
	pub const SubmissionDeposit: Balance = 100 * AI;
}

impl pallet_conviction_voting::Config for Runtime {
	type WeightInfo = pallet_conviction_voting::weights::SubstrateWeight<Runtime>;
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type VoteLockingPeriod = Scaled<VoteLockingPeriod>;
	type MaxVotes = ConstU32<512>;
	/// Support is measured against the tokens that can vote: see [`Electorate`].
	type MaxTurnout = Electorate;
	type Polls = Referenda;
	type BlockNumberProvider = System;
	type VotingHooks = ();
}

impl pallet_referenda::Config for Runtime {
	type WeightInfo = pallet_referenda::weights::SubstrateWeight<Runtime>;
	type RuntimeCall = RuntimeCall;
	type RuntimeEvent = RuntimeEvent;
	type Scheduler = Scheduler;
	type Currency = Balances;
	type SubmitOrigin = EnsureSigned<AccountId>;
	type CancelOrigin = RootOrEmergency;
	type KillOrigin = RootOrEmergency;
	/// Deposits of killed referenda go to the treasury, never destroyed: issuance + burned
	/// stays 10 billion AI.
	type Slash = Treasury;
	type Votes = pallet_conviction_voting::VotesOf<Runtime>;
	type Tally = pallet_conviction_voting::TallyOf<Runtime>;
	type SubmissionDeposit = SubmissionDeposit;
	type MaxQueued = ConstU32<100>;
	type UndecidingTimeout = Scaled<UndecidingTimeout>;
	type AlarmInterval = ConstU32<1>;
	type Tracks = tracks::TracksInfo;
	type Preimages = Preimage;
	type BlockNumberProvider = System;
}

impl origins::Config for Runtime {
	type SlashCancelOrigin = RootOrEmergency;
}

/// What conviction voting locks on `who` (its lock id `pyconvot`), 0 without a lock.
pub fn vote_lock(who: &AccountId) -> Balance {
	pallet_balances::Locks::<Runtime>::get(who)
		.iter()
		.find(|l| l.id == *b"pyconvot")
		.map_or(0, |l| l.amount)
}

/// The governance invariants, checked by the origins pallet's `try_state` and after every block
/// of the governance tests:
///
/// - the timescale is at least 1 and the tracks are sorted by id;
/// - `ReferendumCount` referenda exist, each below it; metadata only for existing referenda;
/// - an ongoing referendum's track exists, and it decides before it confirms;
/// - each track decides at most its `max_deciding` referenda, and counts them in `DecidingCount`
///   (which frees a place a block after a referendum stops deciding); its queue holds only its own ongoing referenda that are not deciding;
/// - every deposit a referendum still holds is held (reserved) on its depositor's account;
/// - each account's conviction-voting lock is the largest of its per-track locks.
pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
	use alloc::collections::btree_map::BTreeMap;
	use frame_support::ensure;
	use pallet_referenda::{
		DecidingCount, MetadataOf, ReferendumCount, ReferendumInfo, ReferendumInfoFor, TrackQueue,
		TracksInfo as _,
	};

	ensure!(timescale() >= 1, "governance: timescale below 1");
	tracks::TracksInfo::check_integrity()?;

	let count = ReferendumCount::<Runtime>::get();
	let mut seen: u32 = 0;
	let mut deciding: BTreeMap<u16, u32> = BTreeMap::new();
	let mut deposits: BTreeMap<AccountId, Balance> = BTreeMap::new();
	for (index, info) in ReferendumInfoFor::<Runtime>::iter() {
		seen = seen.saturating_add(1);
		ensure!(index < count, "governance: a referendum at or above ReferendumCount");
		let held = match info {
			ReferendumInfo::Ongoing(status) => {
				ensure!(
					tracks::TracksInfo::info(status.track).is_some(),
					"governance: a referendum on an unknown track"
				);
				if let Some(d) = status.deciding {
					ensure!(
						d.confirming.map_or(true, |c| d.since < c),
						"governance: a referendum confirms before it decides"
					);
					let n = deciding.entry(status.track).or_default();
					*n = n.saturating_add(1);
				}
				[Some(status.submission_deposit), status.decision_deposit]
			},
			ReferendumInfo::Approved(_, s, d)
			| ReferendumInfo::Rejected(_, s, d)
			| ReferendumInfo::Cancelled(_, s, d)
			| ReferendumInfo::TimedOut(_, s, d) => [s, d],
			ReferendumInfo::Killed(_) => [None, None],
		};
		for deposit in held.into_iter().flatten() {
			let sum = deposits.entry(deposit.who).or_default();
			*sum = sum.saturating_add(deposit.amount);
		}
	}
	ensure!(seen == count, "governance: ReferendumCount differs from the referenda stored");
	for index in MetadataOf::<Runtime>::iter_keys() {
		ensure!(
			ReferendumInfoFor::<Runtime>::contains_key(index),
			"governance: metadata of a referendum that does not exist"
		);
	}
	for track in tracks::TracksInfo::tracks() {
		let n = DecidingCount::<Runtime>::get(track.id);
		// A referendum that stops deciding frees its place in the next block
		// (`one_fewer_deciding`): until then the count is one higher.
		let now_deciding = deciding.get(&track.id).copied().unwrap_or(0);
		ensure!(
			n >= now_deciding,
			"governance: a track counts fewer deciding referenda than it has"
		);
		ensure!(
			now_deciding <= track.info.max_deciding,
			"governance: a track decides more than its maximum"
		);
		for (index, _) in TrackQueue::<Runtime>::get(track.id) {
			ensure!(
				matches!(
					ReferendumInfoFor::<Runtime>::get(index),
					Some(ReferendumInfo::Ongoing(s)) if s.track == track.id && s.deciding.is_none()
				),
				"governance: a track queues a referendum that is not its own and waiting"
			);
		}
	}
	for (who, amount) in deposits {
		ensure!(
			Balances::reserved_balance(&who) >= amount,
			"governance: a referendum deposit is not held on its depositor"
		);
	}
	for (who, locks) in pallet_conviction_voting::ClassLocksFor::<Runtime>::iter() {
		let needed = locks.iter().map(|(_, amount)| *amount).max().unwrap_or(0);
		ensure!(
			vote_lock(&who) == needed,
			"governance: a vote lock differs from the largest class lock"
		);
	}
	Ok(())
}
