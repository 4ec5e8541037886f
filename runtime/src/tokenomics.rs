//! $AI units, the fixed supply, its genesis allocation and chain time constants.

use crate::{Balance, BlockNumber};
use sp_runtime::Permill;

/// One AI: the token has 18 decimals.
pub const AI: Balance = 1_000_000_000_000_000_000;
/// A thousandth of an AI.
pub const MILLI_AI: Balance = AI / 1_000;
/// A millionth of an AI.
pub const MICRO_AI: Balance = AI / 1_000_000;

/// The token symbol shown by wallets.
pub const TOKEN_SYMBOL: &str = "AI";
/// The token's decimals.
pub const TOKEN_DECIMALS: u8 = 18;
/// The SS58 address prefix (42: the generic Substrate prefix, understood by every wallet).
pub const SS58_PREFIX: u16 = 42;

/// The fixed supply: 10 billion AI, all minted at genesis and never again.
pub const TOTAL_SUPPLY: Balance = 10_000_000_000 * AI;
/// Smallest balance an account may hold: 0.01 AI.
pub const EXISTENTIAL_DEPOSIT: Balance = 10 * MILLI_AI;

/// Community Treasury: 40.40%, in the treasury account.
pub const TREASURY_SHARE: Permill = Permill::from_parts(404_000);
/// Investors: 29.60%, vested (12-month cliff, then linear over 24 months).
pub const INVESTORS_SHARE: Permill = Permill::from_parts(296_000);
/// Team: 25%, vested (12-month cliff, then linear over 36 months).
pub const TEAM_SHARE: Permill = Permill::from_parts(250_000);
/// Community Sale: 3%, liquid.
pub const COMMUNITY_SALE_SHARE: Permill = Permill::from_parts(30_000);
/// Testnet Rewards: 2%, liquid, in a distribution account.
pub const TESTNET_REWARDS_SHARE: Permill = Permill::from_parts(20_000);

/// Community Treasury bucket: 4,040,000,000 AI.
pub const TREASURY_ALLOCATION: Balance = 4_040_000_000 * AI;
/// Investors bucket: 2,960,000,000 AI.
pub const INVESTORS_ALLOCATION: Balance = 2_960_000_000 * AI;
/// Team bucket: 2,500,000,000 AI.
pub const TEAM_ALLOCATION: Balance = 2_500_000_000 * AI;
/// Community Sale bucket: 300,000,000 AI.
pub const COMMUNITY_SALE_ALLOCATION: Balance = 300_000_000 * AI;
/// Testnet Rewards bucket: 200,000,000 AI.
pub const TESTNET_REWARDS_ALLOCATION: Balance = 200_000_000 * AI;

/// Block time: 6 seconds.
pub const MILLI_SECS_PER_BLOCK: u64 = 6_000;
/// BABE slots have the length of a block.
pub const SLOT_DURATION: u64 = MILLI_SECS_PER_BLOCK;
/// Blocks per minute.
pub const MINUTES: BlockNumber = 60_000 / (MILLI_SECS_PER_BLOCK as BlockNumber);
/// Blocks per hour.
pub const HOURS: BlockNumber = MINUTES * 60;
/// Blocks per day.
pub const DAYS: BlockNumber = HOURS * 24;
/// A vesting month: a twelfth of a 365-day year, in blocks.
pub const MONTHS: BlockNumber = DAYS * 365 / 12;

/// A session (a BABE epoch) lasts 10 minutes.
pub const EPOCH_DURATION_IN_BLOCKS: BlockNumber = 10 * MINUTES;
/// BABE's epoch duration counts slots.
pub const EPOCH_DURATION_IN_SLOTS: u64 = EPOCH_DURATION_IN_BLOCKS as u64;
/// Sessions per staking era: an era lasts an hour.
pub const SESSIONS_PER_ERA: sp_staking::SessionIndex = 6;
/// Probability of a primary BABE slot: 1/4.
pub const PRIMARY_PROBABILITY: (u64, u64) = (1, 4);

/// The investors' cliff: nothing vests in the first 12 months.
pub const INVESTORS_CLIFF: BlockNumber = 12 * MONTHS;
/// After the cliff, investors' tokens vest linearly over 24 months.
pub const INVESTORS_VESTING: BlockNumber = 24 * MONTHS;
/// The team's cliff: nothing vests in the first 12 months.
pub const TEAM_CLIFF: BlockNumber = 12 * MONTHS;
/// After the cliff, the team's tokens vest linearly over 36 months.
pub const TEAM_VESTING: BlockNumber = 36 * MONTHS;

// The buckets are the shares of the supply, and they add up to it exactly.
const _: () = {
	assert!(
		TREASURY_ALLOCATION
			+ INVESTORS_ALLOCATION
			+ TEAM_ALLOCATION
			+ COMMUNITY_SALE_ALLOCATION
			+ TESTNET_REWARDS_ALLOCATION
			== TOTAL_SUPPLY
	);
	assert!(
		TREASURY_SHARE.deconstruct()
			+ INVESTORS_SHARE.deconstruct()
			+ TEAM_SHARE.deconstruct()
			+ COMMUNITY_SALE_SHARE.deconstruct()
			+ TESTNET_REWARDS_SHARE.deconstruct()
			== 1_000_000
	);
	const PART: Balance = TOTAL_SUPPLY / 1_000_000;
	assert!(TREASURY_ALLOCATION == TREASURY_SHARE.deconstruct() as Balance * PART);
	assert!(INVESTORS_ALLOCATION == INVESTORS_SHARE.deconstruct() as Balance * PART);
	assert!(TEAM_ALLOCATION == TEAM_SHARE.deconstruct() as Balance * PART);
	assert!(COMMUNITY_SALE_ALLOCATION == COMMUNITY_SALE_SHARE.deconstruct() as Balance * PART);
	assert!(TESTNET_REWARDS_ALLOCATION == TESTNET_REWARDS_SHARE.deconstruct() as Balance * PART);
};
