//! The runtime API a challenger (person or offchain worker) uses to prove fraud: what a task's
//! result committed to, what a step proof must pay for, and what is at stake; and the bisection
//! games being played, for wallets and clients to show.

use crate::types::{DisputeInfo, GameId, GameInfo};
use codec::Codec;
use pallet_compute::TaskId;

sp_api::decl_runtime_apis! {
	/// The referee's read-only API.
	pub trait DisputesApi<AccountId, Balance, BlockNumber>
	where
		AccountId: Codec,
		Balance: Codec,
		BlockNumber: Codec,
	{
		/// What proving fraud against `task`'s result takes now; `None` when it is not
		/// disputable (no result yet, window closed with no dispute open, or settled).
		fn dispute_info(task: TaskId) -> Option<DisputeInfo<AccountId, Balance, BlockNumber>>;

		/// A bisection game being played: its record (range, clocks, bond), whose move is due
		/// and at which leaf, and its deadline; `None` once it has ended.
		fn game(game: GameId) -> Option<GameInfo<AccountId, Balance, BlockNumber>>;

		/// The games being played on `task`.
		fn games_of(task: TaskId) -> alloc::vec::Vec<GameId>;
	}
}
