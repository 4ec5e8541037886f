//! The market's data: solvers, tasks and their states, and the governance parameters.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{pallet_prelude::*, BoundedVec};
use scale_info::TypeInfo;
use sp_core::H256;
use core::fmt::Debug;
use frame_support::{CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound};
use sp_runtime::{FixedU128, Perbill, Permill};

pub use aichain_engine::{program, Fixed, Program};

/// Identifies a task. Assigned by the chain in sequence, never reused.
pub type TaskId = u64;

/// Work units: the exact operation count of a training program
/// ([`aichain_engine::Program::work_units`]). Capacity is measured in work units per block.
pub type WorkUnits = u64;

/// The hardware a solver offers, or the least a task asks for. Ordered: a better class can run
/// anything a lesser class can.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
#[derive(serde::Serialize, serde::Deserialize)]
pub enum HardwareClass {
	/// A CPU machine.
	Cpu,
	/// A consumer or workstation GPU.
	Gpu,
	/// A datacenter GPU (H100 class).
	DatacenterGpu,
}

impl HardwareClass {
	/// Every class, lowest first.
	pub const ALL: [HardwareClass; 3] = [Self::Cpu, Self::Gpu, Self::DatacenterGpu];
}

/// One value per hardware class.
#[derive(
	Clone, Copy, Default, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct PerClass<V> {
	/// For [`HardwareClass::Cpu`].
	pub cpu: V,
	/// For [`HardwareClass::Gpu`].
	pub gpu: V,
	/// For [`HardwareClass::DatacenterGpu`].
	pub datacenter_gpu: V,
}

impl<V> PerClass<V> {
	/// The value of `class`.
	pub fn of(&self, class: HardwareClass) -> &V {
		match class {
			HardwareClass::Cpu => &self.cpu,
			HardwareClass::Gpu => &self.gpu,
			HardwareClass::DatacenterGpu => &self.datacenter_gpu,
		}
	}

	/// The value of `class`, to change.
	pub fn of_mut(&mut self, class: HardwareClass) -> &mut V {
		match class {
			HardwareClass::Cpu => &mut self.cpu,
			HardwareClass::Gpu => &mut self.gpu,
			HardwareClass::DatacenterGpu => &mut self.datacenter_gpu,
		}
	}
}

impl PerClass<WorkUnits> {
	/// The sum over all classes.
	pub fn total(&self) -> WorkUnits {
		self.cpu.saturating_add(self.gpu).saturating_add(self.datacenter_gpu)
	}

	/// The sum over `class` and the better classes: what can run a task asking for `class`.
	pub fn serving(&self, class: HardwareClass) -> WorkUnits {
		HardwareClass::ALL
			.iter()
			.filter(|c| **c >= class)
			.fold(0, |sum: WorkUnits, c| sum.saturating_add(*self.of(*c)))
	}

	/// Add `work` to `class`.
	pub fn add(&mut self, class: HardwareClass, work: WorkUnits) {
		let v = self.of_mut(class);
		*v = v.saturating_add(work);
	}

	/// Take `work` from `class`.
	pub fn sub(&mut self, class: HardwareClass, work: WorkUnits) {
		let v = self.of_mut(class);
		*v = v.saturating_sub(work);
	}
}

/// Whether a solver takes new work.
#[derive(
	Clone, Copy, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub enum SolverStatus<BlockNumber> {
	/// Registered and eligible for assignment while its heartbeats are current.
	Active,
	/// Leaving: no new tasks; the stake stays held and slashable until `unlock_at`.
	Unbonding {
		/// First block at which the stake may be withdrawn.
		unlock_at: BlockNumber,
	},
}

/// A solver's track record.
#[derive(
	Clone, Copy, Default, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct SolverStats {
	/// Tasks finalized with this solver's result.
	pub completed: u32,
	/// Deadlines missed (each one slashed).
	pub missed: u32,
	/// Disputes about its results that it won.
	pub disputes_won: u32,
	/// Disputes about its results that it lost.
	pub disputes_lost: u32,
}

/// A solver's work and uptime in one mining era, the basis of its compute-mining reward.
#[derive(
	Clone, Copy, Default, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct EraActivity<Balance> {
	/// The mining era these figures belong to.
	pub era: u32,
	/// Work units of this solver's tasks finalized in the era.
	pub verified_work: WorkUnits,
	/// Heartbeat periods of the era in which the solver was seen.
	pub periods_online: u32,
	/// Fees of this solver's tasks finalized in the era: its mining reward is capped at the
	/// `mining_fee_cap` share of them, so that paying oneself to farm rewards loses money.
	pub fees: Balance,
}

/// A registered solver.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Solver<Balance, BlockNumber> {
	/// Held from the solver's account under [`crate::HoldReason::SolverStake`].
	pub stake: Balance,
	/// Advertised throughput in work units per block.
	pub capacity: WorkUnits,
	/// Advertised hardware.
	pub hardware: HardwareClass,
	/// Multiplies the stake in the assignment draw; starts at the `initial_reputation` parameter.
	pub reputation: Permill,
	/// Work units of its assigned tasks whose results are not in yet.
	pub committed: WorkUnits,
	/// Tasks assigned to it and not yet finalized or refunded (includes results in their
	/// challenge window: the stake must stay until they settle).
	pub active_tasks: u32,
	/// Sum of the fees of those tasks (a lie earns the solver's share of a fee, so this bounds
	/// what lying on all of them could earn). A task is assigned to the solver only while its
	/// stake is at least `stake_cover` times this plus the task's fee; checked then only, so
	/// a later slash can leave open tasks less covered.
	pub open_fees: Balance,
	/// Block of the last heartbeat (registration counts as one).
	pub last_heartbeat: BlockNumber,
	/// Heartbeat period of the last heartbeat; online means this period or the previous one.
	pub seen_period: u32,
	/// Active or unbonding.
	pub status: SolverStatus<BlockNumber>,
	/// Track record.
	pub stats: SolverStats,
	/// This era's work, fees and uptime, for compute mining.
	pub activity: EraActivity<Balance>,
}

/// Where a task's dataset lives and what it must hash to.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	DebugNoBound,
)]
#[scale_info(skip_type_params(MaxUrlLen))]
pub struct DatasetRef<MaxUrlLen: Get<u32>> {
	/// Merkle root of the dataset's minibatches at the program's batch size
	/// ([`aichain_engine::Dataset::commitment`]).
	pub root: H256,
	/// Where solvers fetch it (`http(s)://…`); the root, not the URL, is what binds.
	pub url: BoundedVec<u8, MaxUrlLen>,
	/// Number of minibatches at the program's batch size: the commitment's leaf count, from
	/// which the referee derives which minibatch a step trained on. Between 1 and
	/// [`aichain_engine::dataset::MAX_TASK_BATCHES`]; solvers decline a dataset with another
	/// count. 0 ("unknown") only for tasks stored before the count existed (rewritten by
	/// [`crate::migrations::v1`]).
	pub batches: u32,
}

/// What a solver commits to when it posts a result.
#[derive(
	Clone, Copy, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct TaskResult {
	/// Hash of the final model (weights and biases).
	pub model_hash: H256,
	/// Merkle root over the state hash after every step: the trace a dispute bisects.
	pub trace_root: H256,
	/// Steps trained; must equal the program's `steps`.
	pub steps: u32,
}

/// What a verifier found when it re-executed part of a result's trace.
#[derive(
	Clone, Copy, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub enum Verdict {
	/// The re-executed segment ended in the state the solver's trace commits to.
	Valid,
	/// Re-executing up to `step` gave `hash`, not the solver's committed state hash.
	Invalid {
		/// The step (1-based) whose state differs.
		step: u32,
		/// The verifier's state hash after `step`.
		hash: H256,
	},
}

/// Steps a verifier re-executes (fewer if the program has fewer).
pub const SEGMENT_STEPS: u32 = 32;

/// A stretch of a trace a verifier re-executes: steps `from + 1 ..= to`, starting from the state
/// after step `from` (the initial state if `from` is 0).
#[derive(
	Clone, Copy, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct TraceSegment {
	/// The state it starts from.
	pub from: u32,
	/// The last step it executes.
	pub to: u32,
}

impl TraceSegment {
	/// A segment of at most [`SEGMENT_STEPS`] steps of a `steps`-step trace, placed by `seed`.
	pub fn draw(steps: u32, seed: u128) -> Self {
		let len = steps.min(SEGMENT_STEPS);
		let starts = steps.saturating_sub(len).saturating_add(1);
		let from: u32 = seed.checked_rem(u128::from(starts)).unwrap_or(0).try_into().unwrap_or(0);
		Self { from, to: from.saturating_add(len) }
	}

	/// Whether step `step` is one the segment executes.
	pub fn covers(&self, step: u32) -> bool {
		step > self.from && step <= self.to
	}
}

/// A verifier drawn for a result, the segment it must re-execute, and its verdict once it gave
/// one.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Verifier<AccountId> {
	/// The validator account.
	pub account: AccountId,
	/// The segment of the trace it re-executes, drawn on-chain with the verifier.
	pub segment: TraceSegment,
	/// Its verdict within the window; only `Valid` earns a verifier share.
	pub verdict: Option<Verdict>,
}

impl<AccountId> Verifier<AccountId> {
	/// Whether it attested the result (found it valid).
	pub fn attested(&self) -> bool {
		self.verdict == Some(Verdict::Valid)
	}
}

/// What an offchain worker reports on-chain, fee-free, signed with its node's
/// [`crate::offchain::KEY_TYPE`] key (see [`Report`]).
#[derive(
	Clone, Copy, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub enum OffchainAction {
	/// The solver (the key's own account) is online in heartbeat period `period`.
	Heartbeat {
		/// The current heartbeat period.
		period: u32,
	},
	/// The solver handed the task to its solver service.
	Accept {
		/// The task.
		task: TaskId,
	},
	/// The solver's service cannot serve the task.
	Decline {
		/// The task.
		task: TaskId,
		/// Why.
		reason: DeclineReason,
	},
	/// The solver's result.
	Result {
		/// The task.
		task: TaskId,
		/// What its solver service computed.
		result: TaskResult,
	},
	/// The verifier (the validator whose session key signs) re-executed a segment.
	Verdict {
		/// The task.
		task: TaskId,
		/// What it found.
		verdict: Verdict,
	},
}

/// An [`OffchainAction`] and the key that signs it. A solver's key is its own account's key; a
/// verifier's key is the `compute` key in its validator's session keys.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Report<Key> {
	/// The signing key.
	pub key: Key,
	/// What it reports.
	pub action: OffchainAction,
}

/// Why a task waits in the queue.
#[derive(
	Clone, Copy, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub enum QueueReason {
	/// Newly submitted: no online solver with the hardware and free capacity has been drawn yet.
	AwaitingSolver,
	/// Its solver missed its deadline (and was slashed); waiting for another one.
	SolverMissedDeadline,
	/// Its solver declined it; waiting for another one.
	SolverDeclined,
	/// Its solver neither accepted nor declined it in time; waiting for another one.
	SolverDidNotAnswer,
}

/// Why a solver cannot serve a task.
#[derive(
	Clone, Copy, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeclineReason {
	/// The dataset's URL does not answer, answers an error, or serves more than the solver takes.
	DatasetUnreachable,
	/// The data does not hash to the task's dataset root, or has another number of minibatches
	/// than the task names.
	RootMismatch,
	/// The data is not a dataset this program can train on (feature or class counts).
	DatasetInvalid,
	/// The solver's engine does not run this program.
	ProgramUnsupported,
}

/// Why a solver is not drawn for a task again.
#[derive(
	Clone, Copy, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub enum ExclusionCause {
	/// It declined the task.
	Declined(DeclineReason),
	/// It did not answer within the acceptance period.
	DidNotAnswer,
	/// It accepted and missed its deadline.
	MissedDeadline,
}

/// A solver a task will not be drawn for again, and why.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Exclusion<AccountId> {
	/// The solver.
	pub solver: AccountId,
	/// Why.
	pub cause: ExclusionCause,
}

/// Why a task's fee went back to the submitter.
#[derive(
	Clone, Copy, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub enum RefundCause {
	/// The submitter cancelled it before a solver took it.
	Cancelled,
	/// No online solver with the hardware and free capacity could take it before its deadline.
	NoSolverAvailable,
	/// The assigned solver posted no result before the deadline (the solver was slashed).
	DeadlineMissed,
	/// A dispute proved the solver's result wrong (the solver was slashed).
	ResultDisproved,
	/// `max_declines` solvers declined it (dataset unreachable or not matching its root,
	/// program unsupported): refunded what is left after each was paid a compensation.
	Unservable,
}

/// Where a task is, and why. Every state a submitter can see carries its reason.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	DebugNoBound,
)]
#[scale_info(skip_type_params(MaxVerifiers))]
pub enum TaskStatus<
	AccountId: Clone + PartialEq + Eq + Debug,
	BlockNumber: Clone + PartialEq + Eq + Debug,
	MaxVerifiers: Get<u32>,
> {
	/// Waiting for a solver.
	Queued {
		/// Why it waits.
		reason: QueueReason,
	},
	/// Drawn for `solver`, which has not acknowledged it yet.
	Assigned {
		/// The solver.
		solver: AccountId,
		/// The solver accepts or declines by this block, or loses reputation and is replaced.
		accept_by: BlockNumber,
		/// Once accepted, the solver must post a result by this block or be slashed and
		/// replaced.
		solver_deadline: BlockNumber,
	},
	/// The solver acknowledged it and is training.
	Running {
		/// The solver.
		solver: AccountId,
		/// The solver must post a result by this block or be slashed and replaced.
		solver_deadline: BlockNumber,
	},
	/// A result is in: it is paid once its challenge window has closed and no dispute about it
	/// is open. While `disputes` is not zero the result is frozen.
	Submitted {
		/// The solver.
		solver: AccountId,
		/// What it committed to.
		result: TaskResult,
		/// The block the result landed in; verifiers are drawn with randomness revealed after it.
		result_at: BlockNumber,
		/// Last block of the challenge window; finalized after it.
		window_end: BlockNumber,
		/// The block at which the verifiers will be drawn; `None` once they are.
		draw_at: Option<BlockNumber>,
		/// The verifiers drawn to check it.
		verifiers: BoundedVec<Verifier<AccountId>, MaxVerifiers>,
		/// Disputes about it that are open (opened inside the window; they may run past it).
		disputes: u32,
	},
	/// Paid out: the result stands.
	Finalized {
		/// The solver that was paid.
		solver: AccountId,
		/// What it committed to.
		result: TaskResult,
		/// When.
		at: BlockNumber,
	},
	/// The fee went back to the submitter.
	Refunded {
		/// Why.
		cause: RefundCause,
		/// When.
		at: BlockNumber,
	},
}

impl<
		AccountId: Clone + PartialEq + Eq + Debug,
		BlockNumber: Clone + PartialEq + Eq + Debug,
		MaxVerifiers: Get<u32>,
	> TaskStatus<AccountId, BlockNumber, MaxVerifiers>
{
	/// The solver working on the task, while a result is still due.
	pub fn working_solver(&self) -> Option<&AccountId> {
		match self {
			Self::Assigned { solver, .. } | Self::Running { solver, .. } => Some(solver),
			_ => None,
		}
	}

	/// The solver the task counts against (assigned, running, or result not settled yet).
	pub fn bound_solver(&self) -> Option<&AccountId> {
		match self {
			Self::Assigned { solver, .. } |
			Self::Running { solver, .. } |
			Self::Submitted { solver, .. } => Some(solver),
			_ => None,
		}
	}

	/// Whether the fee is still held (the task has not been paid out or refunded).
	pub fn holds_fee(&self) -> bool {
		!self.is_finished()
	}

	/// Whether the task is settled (finalized or refunded) and only waits to be pruned.
	pub fn is_finished(&self) -> bool {
		matches!(self, Self::Finalized { .. } | Self::Refunded { .. })
	}

	/// Whether the task's work counts as outstanding demand (no result yet).
	pub fn is_outstanding(&self) -> bool {
		matches!(self, Self::Queued { .. } | Self::Assigned { .. } | Self::Running { .. })
	}
}

/// A training task.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	DebugNoBound,
)]
#[scale_info(skip_type_params(MaxUrlLen, MaxVerifiers, MaxExcluded))]
pub struct Task<
	AccountId: Clone + PartialEq + Eq + Debug,
	Balance: Clone + PartialEq + Eq + Debug,
	BlockNumber: Clone + PartialEq + Eq + Debug,
	MaxUrlLen: Get<u32>,
	MaxVerifiers: Get<u32>,
	MaxExcluded: Get<u32>,
> {
	/// Who pays.
	pub submitter: AccountId,
	/// What to train.
	pub program: Program,
	/// On what.
	pub dataset: DatasetRef<MaxUrlLen>,
	/// The least hardware class it needs.
	pub hardware: HardwareClass,
	/// Exact work units of the program.
	pub work_units: WorkUnits,
	/// The fee, in escrow under [`crate::HoldReason::TaskFee`].
	pub fee: Balance,
	/// In escrow under [`crate::HoldReason::TaskDeposit`] for the task's record and wake-ups
	/// until it is pruned.
	pub deposit: Balance,
	/// A result must be posted by this block.
	pub deadline: BlockNumber,
	/// When it was submitted.
	pub submitted_at: BlockNumber,
	/// When it last entered the queue: a solver is drawn for it with randomness revealed after.
	pub queued_at: BlockNumber,
	/// Solvers that declined it, did not answer or missed their deadline: never drawn for it
	/// again.
	pub excluded: BoundedVec<Exclusion<AccountId>, MaxExcluded>,
	/// Where it is.
	pub status: TaskStatus<AccountId, BlockNumber, MaxVerifiers>,
}

/// The price of a program, as `ComputeApi::quote` returns it.
#[derive(
	Clone, Copy, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Quote<Balance> {
	/// Exact work units of the program.
	pub work_units: WorkUnits,
	/// The current price of one work unit.
	pub price_per_unit: Balance,
	/// The hardware class multiplier applied.
	pub class_multiplier: FixedU128,
	/// What submitting it now would hold: `max(work × price × multiplier, min_fee)`.
	pub fee: Balance,
}

/// Why a program cannot be quoted.
#[derive(
	Clone, Copy, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub enum QuoteError {
	/// The program breaks a limit of the training engine (sizes, steps, learning rate…).
	InvalidProgram,
	/// The fee does not fit the balance type.
	Overflow,
}

/// Why a solver's stake was slashed.
#[derive(
	Clone, Copy, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub enum SlashCause {
	/// It posted no result by its deadline.
	MissedDeadline,
	/// A dispute proved its result wrong.
	DisputeLost,
}

/// Fee multipliers per hardware class a task asks for.
#[derive(
	Clone, Copy, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct ClassMultipliers {
	/// For tasks that run on any hardware.
	pub cpu: FixedU128,
	/// For tasks that need at least a GPU.
	pub gpu: FixedU128,
	/// For tasks that need a datacenter GPU.
	pub datacenter_gpu: FixedU128,
}

impl ClassMultipliers {
	/// The multiplier of `class`.
	pub fn of(&self, class: HardwareClass) -> FixedU128 {
		match class {
			HardwareClass::Cpu => self.cpu,
			HardwareClass::Gpu => self.gpu,
			HardwareClass::DatacenterGpu => self.datacenter_gpu,
		}
	}
}

/// How the price per work unit follows utilization (EIP-1559 style).
#[derive(
	Clone, Copy, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct PricingParams<Balance, BlockNumber> {
	/// Utilization the price steers towards (50%).
	pub target_utilization: Perbill,
	/// Largest change of the price in one block, reached at 0% or at twice the target.
	pub max_change: Perbill,
	/// Lowest price per work unit.
	pub floor: Balance,
	/// Highest price per work unit.
	pub ceiling: Balance,
	/// Utilization = outstanding work / (online capacity per block × `horizon` blocks).
	pub horizon: BlockNumber,
	/// The least fee of any task (keeps every payout share above dust).
	pub min_fee: Balance,
	/// Fee multipliers per hardware class.
	pub class_multipliers: ClassMultipliers,
}

/// The market's governance parameters. Set by the governance origin, checked by
/// [`MarketParams::validate`].
#[derive(
	Clone, Copy, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct MarketParams<Balance, BlockNumber> {
	/// Least stake a solver registers with, and keeps to be assigned tasks.
	pub min_stake: Balance,
	/// How long an unbonding solver's stake stays held and slashable.
	pub unbonding_period: BlockNumber,
	/// Blocks a result stays open to challenges and attestations.
	pub challenge_window: BlockNumber,
	/// Verifiers drawn from the active validators for each result (at most `MaxVerifiers`).
	pub verifiers_per_task: u32,
	/// Share of the fee paid to the solver.
	pub solver_share: Perbill,
	/// Share of the fee paid to verifiers that attest, split evenly per drawn verifier; the
	/// shares of verifiers that do not attest go to the staking reward pot. The rest of the fee
	/// (after the solver and verifier shares) is protocol revenue for the BuyBack Vault.
	pub verifier_share: Perbill,
	/// Share of its stake a solver loses when it misses a deadline.
	pub missed_deadline_slash: Perbill,
	/// A task's deadline must be at least this many blocks away.
	pub min_deadline: BlockNumber,
	/// A task's deadline may be at most this many blocks away.
	pub max_deadline: BlockNumber,
	/// Blocks a solver gets beyond its own advertised processing time before it is late.
	pub solver_grace: BlockNumber,
	/// How long finished tasks stay readable on-chain before they are pruned.
	pub retention: BlockNumber,
	/// Reputation of a new solver.
	pub initial_reputation: Permill,
	/// Reputation gained per finalized task.
	pub reputation_gain: Permill,
	/// Reputation lost per missed deadline.
	pub reputation_loss: Permill,
	/// Blocks an assigned solver has to accept or decline a task.
	pub acceptance_period: BlockNumber,
	/// Reputation lost by a solver that neither accepts nor declines in time (no stake).
	pub no_answer_reputation_loss: Permill,
	/// Distinct solvers declining a task that make it `Refunded { Unservable }`.
	pub max_declines: u32,
	/// Share of the fee still held paid to a solver when it declines a task (at most
	/// `max_declines` times per task, after which the task ends unservable).
	pub decline_compensation: Perbill,
	/// Held per wake-up a task may hold at once ([`crate::TASK_WAKEUPS`]) from its submission
	/// until it is pruned: what squatting the agenda costs.
	pub wakeup_deposit: Balance,
	/// Stake that backs one work unit per block of capacity: a solver's capacity counts (for
	/// pricing and assignment) up to its stake over this.
	pub stake_per_capacity: Balance,
	/// A solver's mining reward for an era is at most this share of the fees of its tasks
	/// finalized in the era; below the protocol share, so self-dealing always loses money.
	pub mining_fee_cap: Perbill,
	/// Share of the compute-mining pot emitted each mining era (a decaying budget).
	pub mining_emission: Perbill,
	/// Pricing.
	pub pricing: PricingParams<Balance, BlockNumber>,
	/// A task is assigned to a solver only if its stake is at least this many times the fees of
	/// its open tasks, the new one included, so that what a lie can earn stays below what a
	/// fraud proof slashes (with the disputes pallet's `fraud_slash` at least 1 / this). 0 turns
	/// the check off; at most `min_stake / min_fee`, or no minimum stake covers a task.
	pub stake_cover: u32,
}

impl<
		Balance: PartialOrd + sp_runtime::traits::Zero + sp_runtime::Saturating + From<u32> + Copy,
		BlockNumber: PartialOrd + sp_runtime::traits::Zero,
	> MarketParams<Balance, BlockNumber>
{
	/// The share of a fee that is protocol revenue: what the solver and verifier shares leave.
	pub fn protocol_share(&self) -> Perbill {
		use sp_runtime::Saturating;
		Perbill::one()
			.saturating_sub(self.solver_share)
			.saturating_sub(self.verifier_share)
	}

	/// Check that the parameters describe a working market; `max_verifiers` and `max_excluded`
	/// are the storage bounds.
	pub fn validate(&self, max_verifiers: u32, max_excluded: u32) -> Result<(), &'static str> {
		let p = &self.pricing;
		let one = FixedU128::from_u32(1);
		let compensation_total = u64::from(self.decline_compensation.deconstruct())
			.saturating_mul(u64::from(self.max_declines));
		let checks: [(bool, &'static str); 20] = [
			(!self.min_stake.is_zero(), "min_stake must be positive"),
			(!self.challenge_window.is_zero(), "challenge_window must be positive"),
			(self.verifiers_per_task <= max_verifiers, "verifiers_per_task above MaxVerifiers"),
			(
				u64::from(self.solver_share.deconstruct())
					.saturating_add(u64::from(self.verifier_share.deconstruct())) <=
					u64::from(Perbill::one().deconstruct()),
				"solver_share + verifier_share above 100%",
			),
			(!self.min_deadline.is_zero(), "min_deadline must be positive"),
			(self.min_deadline <= self.max_deadline, "min_deadline above max_deadline"),
			(!p.target_utilization.is_zero() && p.target_utilization < Perbill::one(), "target_utilization must be in (0, 100%)"),
			(p.max_change <= Perbill::from_percent(50), "max_change above 50%"),
			(!p.floor.is_zero() && p.floor <= p.ceiling, "need 0 < floor <= ceiling"),
			(!p.horizon.is_zero(), "horizon must be positive"),
			(
				p.class_multipliers.cpu >= one &&
					p.class_multipliers.gpu >= p.class_multipliers.cpu &&
					p.class_multipliers.datacenter_gpu >= p.class_multipliers.gpu,
				"class multipliers must be >= 1 and not decrease with the class",
			),
			(!self.initial_reputation.is_zero(), "initial_reputation must be positive"),
			(!self.acceptance_period.is_zero(), "acceptance_period must be positive"),
			(
				self.acceptance_period < self.min_deadline,
				"acceptance_period must be below min_deadline",
			),
			(
				self.max_declines > 0 && self.max_declines <= max_excluded,
				"max_declines must be in 1..=MaxExcludedSolvers",
			),
			(
				compensation_total <= u64::from(Perbill::one().deconstruct()),
				"decline_compensation × max_declines above 100%",
			),
			(!self.wakeup_deposit.is_zero(), "wakeup_deposit must be positive"),
			(!self.stake_per_capacity.is_zero(), "stake_per_capacity must be positive"),
			(
				self.mining_fee_cap < self.protocol_share(),
				"mining_fee_cap must be below the protocol share",
			),
			(
				Balance::from(self.stake_cover).saturating_mul(p.min_fee) <= self.min_stake,
				"stake_cover × min_fee above min_stake: no minimum stake covers a task",
			),
		];
		for (ok, why) in checks {
			if !ok {
				return Err(why);
			}
		}
		Ok(())
	}
}

/// The two kinds of task wake-ups, each with its own agenda and per-block budget, so that
/// pruning (which nothing waits for) never delays a deadline or a payout.
#[derive(
	Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub enum Lane {
	/// Deadlines, acceptance periods, verifier draws and window ends of live tasks.
	Live,
	/// Removal of finished tasks after their retention period.
	Prune,
}

/// Online solver capacity per heartbeat period, kept exact in O(1) per heartbeat.
///
/// A solver is online while its last heartbeat falls in the current or the previous period. Its
/// capacity sits in `current` or `previous` accordingly; at a period change `previous` drops
/// out and `current` becomes `previous`.
#[derive(
	Clone, Copy, Default, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct OnlineCapacity {
	/// The current heartbeat period.
	pub period: u32,
	/// Counted capacity of active solvers last seen in `period`, by their hardware class.
	pub current: PerClass<WorkUnits>,
	/// Counted capacity of active solvers last seen in `period - 1`, by their hardware class.
	pub previous: PerClass<WorkUnits>,
}

impl OnlineCapacity {
	/// Work units per block the online solvers offer.
	pub fn total(&self) -> WorkUnits {
		self.current.total().saturating_add(self.previous.total())
	}

	/// Work units per block the online solvers offer to tasks asking for `class`.
	pub fn serving(&self, class: HardwareClass) -> WorkUnits {
		self.current.serving(class).saturating_add(self.previous.serving(class))
	}

	/// Whether a solver last seen in `seen_period` is still online.
	pub fn is_online(&self, seen_period: u32) -> bool {
		seen_period <= self.period && seen_period.saturating_add(1) >= self.period
	}

	/// The buckets an active solver last seen in `seen_period` counts in, if it is online.
	pub fn bucket_mut(&mut self, seen_period: u32) -> Option<&mut PerClass<WorkUnits>> {
		if seen_period == self.period {
			Some(&mut self.current)
		} else if seen_period.saturating_add(1) == self.period {
			Some(&mut self.previous)
		} else {
			None
		}
	}
}
