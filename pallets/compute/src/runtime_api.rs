//! The runtime API wallets and scripts use to price a program and follow a task.

use crate::types::{HardwareClass, Program, Quote, QuoteError, TaskId};
use codec::Codec;

sp_api::decl_runtime_apis! {
	/// The compute market's read-only API.
	pub trait ComputeApi<AccountId, Balance, Task, Solver>
	where
		AccountId: Codec,
		Balance: Codec,
		Task: Codec,
		Solver: Codec,
	{
		/// What submitting `program` for `hardware` would hold right now.
		fn quote(program: Program, hardware: HardwareClass) -> Result<Quote<Balance>, QuoteError>;

		/// A task and its state (with the reason), while it is on-chain.
		fn task(id: TaskId) -> Option<Task>;

		/// A solver's record.
		fn solver(who: AccountId) -> Option<Solver>;

		/// The current price of one work unit.
		fn price_per_unit() -> Balance;
	}
}
