//! Storage migrations of the compute market, in the runtime's `Migrations`, in order:
//! [`v1::MigrateToV1`], [`v2::MigrateToV2`], [`v3::MigrateToV3`]. Each reads and writes the
//! records in the layout of its own version ([`v1::OldTask`], [`v3::old`]), never the current
//! types, so the three run one after the other in one upgrade.

/// Version 0 to 1: a task's dataset reference gains its minibatch count
/// ([`crate::DatasetRef::batches`]). Tasks stored by version 0 get 0, "unknown": no rule checked
/// a count for them, and a dispute cannot derive their minibatches from the chain alone. A pure
/// rewrite of the task records; it always completes (a record that does not decode as version 0
/// stored it, which version 0 never wrote, is logged and left).
pub mod v1 {
	use crate::{pallet::*, types::*, BalanceOf};
	use codec::DecodeAll;
	use core::marker::PhantomData;
	use frame_support::{
		pallet_prelude::*,
		traits::{Get, OnRuntimeUpgrade},
		BoundedVec,
	};
	use frame_system::pallet_prelude::BlockNumberFor;
	use sp_runtime::traits::Saturating;

	/// A dataset reference as version 0 stored it.
	#[derive(Encode, Decode, Clone, PartialEq, Debug)]
	pub struct OldDatasetRef<MaxUrlLen: Get<u32>> {
		/// Root.
		pub root: sp_core::H256,
		/// Location.
		pub url: BoundedVec<u8, MaxUrlLen>,
	}

	/// A task as version 0 stored it: as now, with the old dataset reference.
	#[derive(Encode, Decode)]
	pub struct OldTask<T: Config> {
		/// Who pays.
		pub submitter: T::AccountId,
		/// What to train.
		pub program: aichain_engine::Program,
		/// On what.
		pub dataset: OldDatasetRef<T::MaxUrlLen>,
		/// Hardware class.
		pub hardware: HardwareClass,
		/// Work units.
		pub work_units: WorkUnits,
		/// Fee.
		pub fee: BalanceOf<T>,
		/// Deposit.
		pub deposit: BalanceOf<T>,
		/// Deadline.
		pub deadline: BlockNumberFor<T>,
		/// Submitted at.
		pub submitted_at: BlockNumberFor<T>,
		/// Queued at.
		pub queued_at: BlockNumberFor<T>,
		/// Excluded solvers.
		pub excluded: BoundedVec<Exclusion<T::AccountId>, T::MaxExcludedSolvers>,
		/// Status.
		pub status: super::v3::old::TaskStatusOf<T>,
	}

	impl<T: Config> OldTask<T> {
		/// The task as version 1 stores it: its minibatch count unknown (0).
		pub fn upgrade(self) -> super::v3::old::Task<T> {
			super::v3::old::Task {
				submitter: self.submitter,
				program: self.program,
				dataset: DatasetRef { root: self.dataset.root, url: self.dataset.url, batches: 0 },
				hardware: self.hardware,
				work_units: self.work_units,
				fee: self.fee,
				deposit: self.deposit,
				deadline: self.deadline,
				submitted_at: self.submitted_at,
				queued_at: self.queued_at,
				excluded: self.excluded,
				status: self.status,
			}
		}

		/// A version 1 task as version 0 would have stored it (for tests).
		pub fn downgrade(task: super::v3::old::Task<T>) -> Self {
			Self {
				submitter: task.submitter,
				program: task.program,
				dataset: OldDatasetRef { root: task.dataset.root, url: task.dataset.url },
				hardware: task.hardware,
				work_units: task.work_units,
				fee: task.fee,
				deposit: task.deposit,
				deadline: task.deadline,
				submitted_at: task.submitted_at,
				queued_at: task.queued_at,
				excluded: task.excluded,
				status: task.status,
			}
		}
	}

	/// The tasks as version 0 stored them; `None` for one that does not decode so, exactly
	/// (every byte used).
	pub fn old_tasks<T: Config>() -> impl Iterator<Item = (TaskId, Option<OldTask<T>>)> {
		Tasks::<T>::iter_keys().map(|id| {
			let raw = frame_support::storage::unhashed::get_raw(&Tasks::<T>::hashed_key_for(id));
			(id, raw.and_then(|bytes| OldTask::<T>::decode_all(&mut &bytes[..]).ok()))
		})
	}

	/// The migration from storage version 0 to 1.
	pub struct MigrateToV1<T>(PhantomData<T>);

	impl<T: Config> OnRuntimeUpgrade for MigrateToV1<T> {
		fn on_runtime_upgrade() -> Weight {
			if Pallet::<T>::on_chain_storage_version() != 0 {
				log::info!(target: crate::LOG_TARGET, "migration v1: not at version 0, skipped");
				return T::DbWeight::get().reads(1);
			}
			let (mut upgraded, mut left) = (0u64, 0u64);
			let old: alloc::vec::Vec<_> = old_tasks::<T>().collect();
			for (id, task) in old {
				match task {
					Some(task) => {
						frame_support::storage::unhashed::put(
							&Tasks::<T>::hashed_key_for(id),
							&task.upgrade(),
						);
						upgraded.saturating_inc();
					},
					None => {
						log::error!(
							target: crate::LOG_TARGET,
							"migration v1: task {id} does not decode as version 0 stored it; left"
						);
						left.saturating_inc();
					},
				}
			}
			StorageVersion::new(1).put::<Pallet<T>>();
			log::info!(
				target: crate::LOG_TARGET,
				"migration v1: {upgraded} tasks upgraded, {left} left"
			);
			let read = upgraded.saturating_add(left).saturating_add(1);
			T::DbWeight::get().reads_writes(read, upgraded.saturating_add(1))
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<alloc::vec::Vec<u8>, sp_runtime::TryRuntimeError> {
			Ok(pre_upgrade_checks::<T>()?.encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			let count = Option::<u32>::decode(&mut &state[..])
				.map_err(|_| "migration v1: undecodable pre-upgrade state")?;
			post_upgrade_checks::<T>(count)
		}
	}

	/// Before, at version 0: how many tasks there are, each decoding as version 0 stored it;
	/// `None` when the migration will not run.
	#[cfg(any(feature = "try-runtime", feature = "std", test))]
	pub fn pre_upgrade_checks<T: Config>() -> Result<Option<u32>, sp_runtime::TryRuntimeError> {
		if Pallet::<T>::on_chain_storage_version() != 0 {
			return Ok(None);
		}
		let mut count = 0u32;
		for (_, task) in old_tasks::<T>() {
			task.ok_or("migration v1: a task does not decode as version 0 stored it")?;
			count.saturating_inc();
		}
		Ok(Some(count))
	}

	/// After: version 1; every task decodes in the new layout (none lost), those from before
	/// with an unknown count.
	#[cfg(any(feature = "try-runtime", feature = "std", test))]
	pub fn post_upgrade_checks<T: Config>(
		before: Option<u32>,
	) -> Result<(), sp_runtime::TryRuntimeError> {
		ensure!(
			Pallet::<T>::on_chain_storage_version() >= StorageVersion::new(1),
			"migration v1: storage version not bumped"
		);
		if let Some(count) = before {
			let mut decoded = 0u32;
			for id in Tasks::<T>::iter_keys() {
				let raw =
					frame_support::storage::unhashed::get_raw(&Tasks::<T>::hashed_key_for(id))
						.ok_or("migration v1: a task vanished")?;
				let task = super::v3::old::Task::<T>::decode_all(&mut &raw[..])
					.map_err(|_| "migration v1: a task does not decode in the new layout")?;
				ensure!(task.dataset.batches == 0, "migration v1: an old task names a count");
				decoded.saturating_inc();
			}
			ensure!(decoded == count, "migration v1: a task was lost");
		}
		Ok(())
	}
}

/// Version 1 to 2: stakes, fees and deposits move from their owners' accounts into the market's
/// escrow account ([`crate::Pallet::escrow_account`]), held there under the same reasons.
///
/// Version 1 held them on the owners' accounts, where FRAME counts them towards a lock: a
/// vesting account could move locked tokens while a hold covered them, and a payout out of the
/// hold then left it below its lock.
///
/// All or nothing: if the escrow account cannot be given its existential deposit, or any
/// record's funds are not held on its owner, nothing changes and the storage version stays 1
/// (the error is logged; the market then refuses new stakes and submissions rather than pay
/// anyone out of funds that are not in escrow).
pub mod v2 {
	use crate::{pallet::*, BalanceOf, HoldReason};
	use core::marker::PhantomData;
	use frame_support::{
		pallet_prelude::*,
		storage::with_storage_layer,
		traits::{
			fungible::{Inspect, Mutate, MutateHold},
			tokens::{Fortitude, Precision, Preservation, Restriction},
			OnRuntimeUpgrade,
		},
	};
	use sp_runtime::traits::{Saturating, Zero};

	/// The migration from storage version 1 to 2. `EdSource` pays the escrow account its
	/// existential deposit where it has none (a funded, liquid account: on aichain, the Testnet
	/// Rewards bucket, which pays it at genesis on new chains).
	pub struct MigrateToV2<T, EdSource>(PhantomData<(T, EdSource)>);

	/// What the market's records say is committed: fees of live tasks, deposits of all
	/// tasks, stakes; and the total issuance, which moving funds must not change.
	#[derive(Encode, Decode, Default, PartialEq, Debug)]
	pub struct Committed<Balance> {
		/// Fees of tasks neither paid out nor refunded.
		pub fees: Balance,
		/// Deposits of stored tasks.
		pub deposits: Balance,
		/// Solvers' stakes.
		pub stakes: Balance,
		/// Total issuance.
		pub issuance: Balance,
	}

	/// The records' sums: of the tasks as `tasks` gives them (fee, deposit, whether the fee is
	/// still due), and of the stakes.
	#[cfg(any(feature = "try-runtime", feature = "std", test))]
	fn committed<T: Config>(
		tasks: impl Iterator<Item = (BalanceOf<T>, BalanceOf<T>, bool)>,
	) -> Committed<BalanceOf<T>> {
		let mut c = Committed::<BalanceOf<T>>::default();
		for (fee, deposit, holds_fee) in tasks {
			c.deposits = c.deposits.saturating_add(deposit);
			if holds_fee {
				c.fees = c.fees.saturating_add(fee);
			}
		}
		for (_, stake) in super::v3::solver_stakes::<T>() {
			c.stakes = c.stakes.saturating_add(stake.unwrap_or_else(Zero::zero));
		}
		c.issuance = T::Currency::total_issuance();
		c
	}

	/// Move `amount` held under `reason` on `owner` to the escrow account, held there.
	fn move_hold<T: Config>(
		reason: HoldReason,
		owner: &T::AccountId,
		amount: BalanceOf<T>,
	) -> Result<(), DispatchError> {
		if amount.is_zero() {
			return Ok(());
		}
		T::Currency::transfer_on_hold(
			&reason.into(),
			owner,
			&Pallet::<T>::escrow_account(),
			amount,
			Precision::Exact,
			Restriction::OnHold,
			Fortitude::Force,
		)
		.map(|_| ())
		.inspect_err(|e| {
			log::error!(
				target: crate::LOG_TARGET,
				"migration v2: {amount:?} of {reason:?} not moved from {owner:?}: {e:?}"
			)
		})
	}

	/// Every move; the caller rolls all of them back on an error. `reads` and `writes` count
	/// what was done, for the weight.
	fn migrate<T: Config, EdSource: Get<T::AccountId>>(
		reads: &mut u64,
		writes: &mut u64,
	) -> Result<u32, DispatchError> {
		let escrow = Pallet::<T>::escrow_account();
		// The escrow account must exist before funds are held on it.
		let ed = T::Currency::minimum_balance();
		let has = T::Currency::balance(&escrow);
		reads.saturating_inc();
		if has < ed {
			T::Currency::transfer(
				&EdSource::get(),
				&escrow,
				ed.saturating_sub(has),
				Preservation::Preserve,
			)
			.inspect_err(|e| {
				log::error!(
					target: crate::LOG_TARGET,
					"migration v2: the escrow account's existential deposit not paid: {e:?}"
				)
			})?;
			reads.saturating_inc();
			writes.saturating_accrue(2);
		}
		let mut moved = 0u32;
		// Each move reads and writes both accounts and their holds.
		let mut count = |reads: &mut u64, writes: &mut u64| {
			moved.saturating_inc();
			reads.saturating_accrue(4);
			writes.saturating_accrue(4);
		};
		// The records are in version 2's layout, or already in the current one if this step
		// failed in an earlier upgrade whose migration v3 then ran.
		for (id, funds) in super::v3::task_funds::<T>() {
			reads.saturating_inc();
			let (submitter, fee, deposit, holds_fee) = funds.ok_or_else(|| {
				log::error!(target: crate::LOG_TARGET, "migration v2: task {id} undecodable");
				DispatchError::Corruption
			})?;
			if holds_fee {
				move_hold::<T>(HoldReason::TaskFee, &submitter, fee)?;
				count(reads, writes);
			}
			move_hold::<T>(HoldReason::TaskDeposit, &submitter, deposit)?;
			count(reads, writes);
		}
		for (who, stake) in super::v3::solver_stakes::<T>() {
			reads.saturating_inc();
			let stake = stake.ok_or_else(|| {
				log::error!(target: crate::LOG_TARGET, "migration v2: solver {who:?} undecodable");
				DispatchError::Corruption
			})?;
			move_hold::<T>(HoldReason::SolverStake, &who, stake)?;
			count(reads, writes);
		}
		Ok(moved)
	}

	impl<T: Config, EdSource: Get<T::AccountId>> OnRuntimeUpgrade for MigrateToV2<T, EdSource> {
		fn on_runtime_upgrade() -> Weight {
			let (mut reads, mut writes) = (1u64, 0u64);
			if Pallet::<T>::on_chain_storage_version() != 1 {
				log::info!(target: crate::LOG_TARGET, "migration v2: not at version 1, skipped");
				return T::DbWeight::get().reads(reads);
			}
			match with_storage_layer(|| migrate::<T, EdSource>(&mut reads, &mut writes)) {
				Ok(moved) => {
					StorageVersion::new(2).put::<Pallet<T>>();
					writes.saturating_inc();
					log::info!(
						target: crate::LOG_TARGET,
						"migration v2: {moved} holds moved into escrow"
					);
				},
				Err(_) => log::error!(
					target: crate::LOG_TARGET,
					"migration v2: rolled back, nothing moved; the storage version stays 1"
				),
			}
			T::DbWeight::get().reads_writes(reads, writes)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<alloc::vec::Vec<u8>, sp_runtime::TryRuntimeError> {
			if Pallet::<T>::on_chain_storage_version() != 1 {
				return Ok(Option::<Committed<BalanceOf<T>>>::None.encode());
			}
			Ok(Some(pre_upgrade_checks::<T>()?).encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			let before = Option::<Committed<BalanceOf<T>>>::decode(&mut &state[..])
				.map_err(|_| "migration v2: undecodable pre-upgrade state")?;
			match before {
				Some(before) => post_upgrade_checks::<T>(before),
				None => Ok(()),
			}
		}
	}

	/// Before: the escrow holds nothing yet; the records' sums.
	#[cfg(any(feature = "try-runtime", feature = "std", test))]
	pub fn pre_upgrade_checks<T: Config>(
	) -> Result<Committed<BalanceOf<T>>, sp_runtime::TryRuntimeError> {
		use frame_support::traits::fungible::InspectHold;
		let escrow = Pallet::<T>::escrow_account();
		for reason in [HoldReason::SolverStake, HoldReason::TaskFee, HoldReason::TaskDeposit] {
			ensure!(
				T::Currency::balance_on_hold(&reason.into(), &escrow).is_zero(),
				"migration v2: the escrow already holds funds"
			);
		}
		Ok(committed::<T>(task_sums::<T>()?.into_iter()))
	}

	/// After: the escrow holds exactly the records' sums, no owner holds any of it, nothing was
	/// minted or burned, and the pallet's invariants hold.
	#[cfg(any(feature = "try-runtime", feature = "std", test))]
	pub fn post_upgrade_checks<T: Config>(
		before: Committed<BalanceOf<T>>,
	) -> Result<(), sp_runtime::TryRuntimeError> {
		use frame_support::traits::fungible::InspectHold;
		let escrow = Pallet::<T>::escrow_account();
		let held = |reason: HoldReason| T::Currency::balance_on_hold(&reason.into(), &escrow);
		let now = committed::<T>(task_sums::<T>()?.into_iter());
		ensure!(now == before, "migration v2: records or issuance changed, or a task was lost");
		ensure!(held(HoldReason::TaskFee) == before.fees, "migration v2: escrowed fees");
		ensure!(
			held(HoldReason::TaskDeposit) == before.deposits,
			"migration v2: escrowed deposits"
		);
		ensure!(held(HoldReason::SolverStake) == before.stakes, "migration v2: escrowed stakes");
		for (submitter, ..) in super::v3::task_funds::<T>().filter_map(|(_, t)| t) {
			for reason in [HoldReason::TaskFee, HoldReason::TaskDeposit] {
				ensure!(
					T::Currency::balance_on_hold(&reason.into(), &submitter).is_zero(),
					"migration v2: a submitter still holds a fee or deposit"
				);
			}
		}
		for who in Solvers::<T>::iter_keys() {
			ensure!(
				T::Currency::balance_on_hold(&HoldReason::SolverStake.into(), &who).is_zero(),
				"migration v2: a solver still holds its stake"
			);
		}
		ensure!(
			Pallet::<T>::on_chain_storage_version() == StorageVersion::new(2),
			"migration v2: storage version not bumped"
		);
		// The rest of the invariants are checked after version 3's layout
		// ([`super::v3::post_upgrade_checks`]).
		Ok(())
	}

	/// A task's fee, deposit and whether its fee is due.
	#[cfg(any(feature = "try-runtime", feature = "std", test))]
	type FeeDeposit<T> = (BalanceOf<T>, BalanceOf<T>, bool);

	/// Each task's fee, deposit and whether its fee is due, every task decoding in version 2's
	/// layout or the current one.
	#[cfg(any(feature = "try-runtime", feature = "std", test))]
	fn task_sums<T: Config>(
	) -> Result<alloc::vec::Vec<FeeDeposit<T>>, sp_runtime::TryRuntimeError> {
		super::v3::task_funds::<T>()
			.map(|(_, t)| {
				t.map(|(_, fee, deposit, holds_fee)| (fee, deposit, holds_fee))
					.ok_or("migration v2: a task decodes in no layout".into())
			})
			.collect()
	}
}

/// Version 2 to 3: what disputes and the stake cover need.
/// - A solver record counts the fees of its open tasks ([`crate::Solver::open_fees`]),
///   computed from the tasks bound to it.
/// - The parameters name the stake cover ([`crate::MarketParams::stake_cover`]), set to the
///   runtime's default.
/// - A result keeps its challenge window under dispute and counts its open disputes
///   ([`crate::TaskStatus::Submitted`]`::disputes`, 0 for every stored result); the `Challenged`
///   state is gone (no runtime ever froze a result, so none is stored; one would be paid at the
///   next block).
///
/// A rewrite of the records in place; it always completes. A record that does not decode as
/// version 2 stored it (which version 2 never wrote) is logged and left.
///
/// [`old`] keeps the version 2 layouts: migrations [`super::v1`] and [`super::v2`], which run
/// before this one in the same upgrade, read and write through them.
pub mod v3 {
	use crate::{pallet::*, types::*, BalanceOf, SolverOf, TaskOf};
	use alloc::{collections::btree_map::BTreeMap, vec::Vec};
	use codec::DecodeAll;
	use core::marker::PhantomData;
	use frame_support::{pallet_prelude::*, traits::OnRuntimeUpgrade};
	use frame_system::pallet_prelude::BlockNumberFor;
	use sp_runtime::traits::{Saturating, Zero};

	/// The records as storage versions 1 and 2 laid them out.
	pub mod old {
		use crate::{pallet::Config, types::*, BalanceOf};
		use codec::{Decode, Encode};
		use frame_support::{pallet_prelude::Get, BoundedVec};
		use frame_system::pallet_prelude::BlockNumberFor;
		use sp_runtime::Permill;

		/// A task status: no dispute count on a result, and a `Challenged` state.
		#[derive(Encode, Decode)]
		pub enum TaskStatus<AccountId, BlockNumber, MaxVerifiers: Get<u32>> {
			/// As now.
			Queued {
				/// Why.
				reason: QueueReason,
			},
			/// As now.
			Assigned {
				/// Solver.
				solver: AccountId,
				/// Answer by.
				accept_by: BlockNumber,
				/// Result by.
				solver_deadline: BlockNumber,
			},
			/// As now.
			Running {
				/// Solver.
				solver: AccountId,
				/// Result by.
				solver_deadline: BlockNumber,
			},
			/// A result in its challenge window (no dispute count).
			Submitted {
				/// Solver.
				solver: AccountId,
				/// Commitments.
				result: TaskResult,
				/// Landed at.
				result_at: BlockNumber,
				/// Window end.
				window_end: BlockNumber,
				/// Pending draw.
				draw_at: Option<BlockNumber>,
				/// Verifiers.
				verifiers: BoundedVec<Verifier<AccountId>, MaxVerifiers>,
			},
			/// A result frozen by a dispute (never written by a runtime).
			Challenged {
				/// Solver.
				solver: AccountId,
				/// Commitments.
				result: TaskResult,
				/// Verifiers.
				verifiers: BoundedVec<Verifier<AccountId>, MaxVerifiers>,
			},
			/// As now.
			Finalized {
				/// Solver.
				solver: AccountId,
				/// Commitments.
				result: TaskResult,
				/// When.
				at: BlockNumber,
			},
			/// As now.
			Refunded {
				/// Why.
				cause: RefundCause,
				/// When.
				at: BlockNumber,
			},
		}

		/// A task status of a runtime, in the old layout.
		pub type TaskStatusOf<T> = TaskStatus<
			<T as frame_system::Config>::AccountId,
			BlockNumberFor<T>,
			<T as Config>::MaxVerifiers,
		>;

		impl<AccountId, BlockNumber, MaxVerifiers: Get<u32>>
			TaskStatus<AccountId, BlockNumber, MaxVerifiers>
		{
			/// The solver the task counts against, as now.
			pub fn bound_solver(&self) -> Option<&AccountId> {
				match self {
					Self::Assigned { solver, .. }
					| Self::Running { solver, .. }
					| Self::Submitted { solver, .. }
					| Self::Challenged { solver, .. } => Some(solver),
					_ => None,
				}
			}

			/// Whether the fee is still held, as now.
			pub fn holds_fee(&self) -> bool {
				!matches!(self, Self::Finalized { .. } | Self::Refunded { .. })
			}
		}

		/// A task, with the old status.
		#[derive(Encode, Decode)]
		pub struct Task<T: Config> {
			/// Who pays.
			pub submitter: T::AccountId,
			/// What to train.
			pub program: aichain_engine::Program,
			/// On what.
			pub dataset: DatasetRef<T::MaxUrlLen>,
			/// Hardware class.
			pub hardware: HardwareClass,
			/// Work units.
			pub work_units: WorkUnits,
			/// Fee.
			pub fee: BalanceOf<T>,
			/// Deposit.
			pub deposit: BalanceOf<T>,
			/// Deadline.
			pub deadline: BlockNumberFor<T>,
			/// Submitted at.
			pub submitted_at: BlockNumberFor<T>,
			/// Queued at.
			pub queued_at: BlockNumberFor<T>,
			/// Excluded solvers.
			pub excluded: BoundedVec<Exclusion<T::AccountId>, T::MaxExcludedSolvers>,
			/// Status.
			pub status: TaskStatusOf<T>,
		}

		/// A solver, without its open fees.
		#[derive(Encode, Decode, Clone, PartialEq, Debug)]
		pub struct Solver<Balance, BlockNumber> {
			/// Stake.
			pub stake: Balance,
			/// Capacity.
			pub capacity: WorkUnits,
			/// Hardware.
			pub hardware: HardwareClass,
			/// Reputation.
			pub reputation: Permill,
			/// Committed work.
			pub committed: WorkUnits,
			/// Open tasks.
			pub active_tasks: u32,
			/// Last heartbeat.
			pub last_heartbeat: BlockNumber,
			/// Its period.
			pub seen_period: u32,
			/// Status.
			pub status: SolverStatus<BlockNumber>,
			/// Record.
			pub stats: SolverStats,
			/// Mining activity.
			pub activity: EraActivity<Balance>,
		}

		/// A solver of a runtime, in the old layout.
		pub type SolverOf<T> = Solver<BalanceOf<T>, BlockNumberFor<T>>;

		/// The parameters, without the stake cover.
		#[derive(Encode, Decode, Clone, PartialEq, Debug)]
		pub struct MarketParams<Balance, BlockNumber> {
			/// As now.
			pub min_stake: Balance,
			/// As now.
			pub unbonding_period: BlockNumber,
			/// As now.
			pub challenge_window: BlockNumber,
			/// As now.
			pub verifiers_per_task: u32,
			/// As now.
			pub solver_share: sp_runtime::Perbill,
			/// As now.
			pub verifier_share: sp_runtime::Perbill,
			/// As now.
			pub missed_deadline_slash: sp_runtime::Perbill,
			/// As now.
			pub min_deadline: BlockNumber,
			/// As now.
			pub max_deadline: BlockNumber,
			/// As now.
			pub solver_grace: BlockNumber,
			/// As now.
			pub retention: BlockNumber,
			/// As now.
			pub initial_reputation: Permill,
			/// As now.
			pub reputation_gain: Permill,
			/// As now.
			pub reputation_loss: Permill,
			/// As now.
			pub acceptance_period: BlockNumber,
			/// As now.
			pub no_answer_reputation_loss: Permill,
			/// As now.
			pub max_declines: u32,
			/// As now.
			pub decline_compensation: sp_runtime::Perbill,
			/// As now.
			pub wakeup_deposit: Balance,
			/// As now.
			pub stake_per_capacity: Balance,
			/// As now.
			pub mining_fee_cap: sp_runtime::Perbill,
			/// As now.
			pub mining_emission: sp_runtime::Perbill,
			/// As now.
			pub pricing: PricingParams<Balance, BlockNumber>,
		}
	}

	fn get_raw(key: &[u8]) -> Option<Vec<u8>> {
		frame_support::storage::unhashed::get_raw(key)
	}

	/// A stored record: in version 2's layout, already in the current one (migration v3 ran
	/// while the escrow step had not), or neither. Each decodes exactly (every byte used), and no
	/// record decodes exactly both ways except where the two layouts encode it alike (queued,
	/// assigned and running tasks), so reading the old layout first is always right.
	pub enum Stored<Old, New> {
		/// Version 2's layout.
		Old(Old),
		/// The current layout.
		New(New),
		/// Neither (never written by any version).
		Neither,
	}

	impl<Old: Decode, New: Decode> Stored<Old, New> {
		fn read(raw: Option<Vec<u8>>) -> Self {
			let Some(bytes) = raw else { return Self::Neither };
			if let Ok(old) = Old::decode_all(&mut &bytes[..]) {
				return Self::Old(old);
			}
			New::decode_all(&mut &bytes[..]).map_or(Self::Neither, Self::New)
		}

		/// The old record, if stored so.
		pub fn old(self) -> Option<Old> {
			match self {
				Self::Old(old) => Some(old),
				_ => None,
			}
		}
	}

	/// The stored tasks, in whichever layout each is.
	pub fn stored_tasks<T: Config>(
	) -> impl Iterator<Item = (TaskId, Stored<old::Task<T>, TaskOf<T>>)> {
		Tasks::<T>::iter_keys()
			.map(|id| (id, Stored::read(get_raw(&Tasks::<T>::hashed_key_for(id)))))
	}

	/// The stored solvers, in whichever layout each is.
	pub fn stored_solvers<T: Config>(
	) -> impl Iterator<Item = (T::AccountId, Stored<old::SolverOf<T>, SolverOf<T>>)> {
		Solvers::<T>::iter_keys().map(|who| {
			let raw = get_raw(&Solvers::<T>::hashed_key_for(&who));
			(who, Stored::read(raw))
		})
	}

	/// The tasks as version 2 stored them; `None` for one that does not decode so, exactly.
	pub fn old_tasks<T: Config>() -> impl Iterator<Item = (TaskId, Option<old::Task<T>>)> {
		stored_tasks::<T>().map(|(id, t)| (id, t.old()))
	}

	/// The solvers as version 2 stored them; `None` for one that does not decode so, exactly.
	pub fn old_solvers<T: Config>() -> impl Iterator<Item = (T::AccountId, Option<old::SolverOf<T>>)>
	{
		stored_solvers::<T>().map(|(who, s)| (who, s.old()))
	}

	/// What the escrow step (migration v2) needs of a task: submitter, fee, deposit, whether
	/// the fee is still due.
	pub type TaskFunds<T> =
		(<T as frame_system::Config>::AccountId, BalanceOf<T>, BalanceOf<T>, bool);

	/// What the escrow step (migration v2) needs of each task, in either layout.
	pub fn task_funds<T: Config>() -> impl Iterator<Item = (TaskId, Option<TaskFunds<T>>)> {
		stored_tasks::<T>().map(|(id, t)| {
			let funds = match t {
				Stored::Old(t) => Some((t.submitter, t.fee, t.deposit, t.status.holds_fee())),
				Stored::New(t) => Some((t.submitter, t.fee, t.deposit, t.status.holds_fee())),
				Stored::Neither => None,
			};
			(id, funds)
		})
	}

	/// Each solver's stake, in either layout.
	pub fn solver_stakes<T: Config>() -> impl Iterator<Item = (T::AccountId, Option<BalanceOf<T>>)>
	{
		stored_solvers::<T>().map(|(who, s)| {
			let stake = match s {
				Stored::Old(s) => Some(s.stake),
				Stored::New(s) => Some(s.stake),
				Stored::Neither => None,
			};
			(who, stake)
		})
	}

	/// The parameters as version 2 stored them, if stored and decoding so.
	pub fn old_params<T: Config>() -> Option<old::MarketParams<BalanceOf<T>, BlockNumberFor<T>>> {
		let raw = get_raw(&Params::<T>::hashed_key())?;
		old::MarketParams::decode_all(&mut &raw[..]).ok()
	}

	/// A stored task in the current layout.
	pub fn upgrade_task<T: Config>(task: old::Task<T>, now: BlockNumberFor<T>) -> TaskOf<T> {
		use old::TaskStatus as O;
		let status = match task.status {
			O::Queued { reason } => TaskStatus::Queued { reason },
			O::Assigned { solver, accept_by, solver_deadline } => {
				TaskStatus::Assigned { solver, accept_by, solver_deadline }
			},
			O::Running { solver, solver_deadline } => {
				TaskStatus::Running { solver, solver_deadline }
			},
			O::Submitted { solver, result, result_at, window_end, draw_at, verifiers } => {
				TaskStatus::Submitted {
					solver,
					result,
					result_at,
					window_end,
					draw_at,
					verifiers,
					disputes: 0,
				}
			},
			// Never stored; were one, its window is over and it is paid at the next block (the
			// migration restores its verifiers' duties and its wake-up). When its result landed
			// is lost with the old layout: the upgrade's block stands in (only the draw used it).
			O::Challenged { solver, result, verifiers } => TaskStatus::Submitted {
				solver,
				result,
				result_at: now,
				window_end: now,
				draw_at: None,
				verifiers,
				disputes: 0,
			},
			O::Finalized { solver, result, at } => TaskStatus::Finalized { solver, result, at },
			O::Refunded { cause, at } => TaskStatus::Refunded { cause, at },
		};
		crate::types::Task {
			submitter: task.submitter,
			program: task.program,
			dataset: task.dataset,
			hardware: task.hardware,
			work_units: task.work_units,
			fee: task.fee,
			deposit: task.deposit,
			deadline: task.deadline,
			submitted_at: task.submitted_at,
			queued_at: task.queued_at,
			excluded: task.excluded,
			status,
		}
	}

	/// A current task as version 2 stored it (for tests; a dispute count is dropped).
	pub fn downgrade_task<T: Config>(task: TaskOf<T>) -> old::Task<T> {
		use old::TaskStatus as O;
		let status = match task.status {
			TaskStatus::Queued { reason } => O::Queued { reason },
			TaskStatus::Assigned { solver, accept_by, solver_deadline } => {
				O::Assigned { solver, accept_by, solver_deadline }
			},
			TaskStatus::Running { solver, solver_deadline } => {
				O::Running { solver, solver_deadline }
			},
			TaskStatus::Submitted {
				solver,
				result,
				result_at,
				window_end,
				draw_at,
				verifiers,
				..
			} => O::Submitted { solver, result, result_at, window_end, draw_at, verifiers },
			TaskStatus::Finalized { solver, result, at } => O::Finalized { solver, result, at },
			TaskStatus::Refunded { cause, at } => O::Refunded { cause, at },
		};
		old::Task {
			submitter: task.submitter,
			program: task.program,
			dataset: task.dataset,
			hardware: task.hardware,
			work_units: task.work_units,
			fee: task.fee,
			deposit: task.deposit,
			deadline: task.deadline,
			submitted_at: task.submitted_at,
			queued_at: task.queued_at,
			excluded: task.excluded,
			status,
		}
	}

	/// A stored solver in the current layout, with the fees of its open tasks.
	pub fn upgrade_solver<T: Config>(s: old::SolverOf<T>, open_fees: BalanceOf<T>) -> SolverOf<T> {
		Solver {
			stake: s.stake,
			capacity: s.capacity,
			hardware: s.hardware,
			reputation: s.reputation,
			committed: s.committed,
			active_tasks: s.active_tasks,
			open_fees,
			last_heartbeat: s.last_heartbeat,
			seen_period: s.seen_period,
			status: s.status,
			stats: s.stats,
			activity: s.activity,
		}
	}

	/// A current solver as version 2 stored it (for tests).
	pub fn downgrade_solver<T: Config>(s: SolverOf<T>) -> old::SolverOf<T> {
		old::Solver {
			stake: s.stake,
			capacity: s.capacity,
			hardware: s.hardware,
			reputation: s.reputation,
			committed: s.committed,
			active_tasks: s.active_tasks,
			last_heartbeat: s.last_heartbeat,
			seen_period: s.seen_period,
			status: s.status,
			stats: s.stats,
			activity: s.activity,
		}
	}

	/// The parameters in the current layout, with `stake_cover`.
	pub fn upgrade_params<B, N>(
		p: old::MarketParams<B, N>,
		stake_cover: u32,
	) -> MarketParams<B, N> {
		MarketParams {
			min_stake: p.min_stake,
			unbonding_period: p.unbonding_period,
			challenge_window: p.challenge_window,
			verifiers_per_task: p.verifiers_per_task,
			solver_share: p.solver_share,
			verifier_share: p.verifier_share,
			missed_deadline_slash: p.missed_deadline_slash,
			min_deadline: p.min_deadline,
			max_deadline: p.max_deadline,
			solver_grace: p.solver_grace,
			retention: p.retention,
			initial_reputation: p.initial_reputation,
			reputation_gain: p.reputation_gain,
			reputation_loss: p.reputation_loss,
			acceptance_period: p.acceptance_period,
			no_answer_reputation_loss: p.no_answer_reputation_loss,
			max_declines: p.max_declines,
			decline_compensation: p.decline_compensation,
			wakeup_deposit: p.wakeup_deposit,
			stake_per_capacity: p.stake_per_capacity,
			mining_fee_cap: p.mining_fee_cap,
			mining_emission: p.mining_emission,
			pricing: p.pricing,
			stake_cover,
		}
	}

	/// Current parameters as version 2 stored them (for tests).
	pub fn downgrade_params<B, N>(p: MarketParams<B, N>) -> old::MarketParams<B, N> {
		old::MarketParams {
			min_stake: p.min_stake,
			unbonding_period: p.unbonding_period,
			challenge_window: p.challenge_window,
			verifiers_per_task: p.verifiers_per_task,
			solver_share: p.solver_share,
			verifier_share: p.verifier_share,
			missed_deadline_slash: p.missed_deadline_slash,
			min_deadline: p.min_deadline,
			max_deadline: p.max_deadline,
			solver_grace: p.solver_grace,
			retention: p.retention,
			initial_reputation: p.initial_reputation,
			reputation_gain: p.reputation_gain,
			reputation_loss: p.reputation_loss,
			acceptance_period: p.acceptance_period,
			no_answer_reputation_loss: p.no_answer_reputation_loss,
			max_declines: p.max_declines,
			decline_compensation: p.decline_compensation,
			wakeup_deposit: p.wakeup_deposit,
			stake_per_capacity: p.stake_per_capacity,
			mining_fee_cap: p.mining_fee_cap,
			mining_emission: p.mining_emission,
			pricing: p.pricing,
		}
	}

	/// Put a current chain's records back as version 2 laid them out (for tests).
	#[cfg(any(feature = "std", test))]
	pub fn back_to_v2<T: Config>() {
		use frame_support::storage::unhashed::put;
		for (id, task) in Tasks::<T>::iter().collect::<Vec<_>>() {
			put(&Tasks::<T>::hashed_key_for(id), &downgrade_task::<T>(task));
		}
		for (who, solver) in Solvers::<T>::iter().collect::<Vec<_>>() {
			put(&Solvers::<T>::hashed_key_for(&who), &downgrade_solver::<T>(solver));
		}
		put(&Params::<T>::hashed_key(), &downgrade_params(Params::<T>::get()));
		StorageVersion::new(2).put::<Pallet<T>>();
	}

	/// Rewrite every record stored in version 2's layout into the current one; records already
	/// in it stay. Counts the tasks and solvers rewritten and the records left (undecodable);
	/// returns the records read.
	fn rewrite<T: Config>(tasks: &mut u64, solvers: &mut u64, left: &mut u64) -> u64 {
		let now = frame_system::Pallet::<T>::block_number();
		let mut read = 0u64;
		// The fees of the tasks bound to each solver.
		let mut open_fees: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		let mut bind = |solver: Option<&T::AccountId>, fee: BalanceOf<T>| {
			if let Some(solver) = solver {
				let fees = open_fees.entry(solver.clone()).or_insert_with(Zero::zero);
				*fees = fees.saturating_add(fee);
			}
		};
		let stored: Vec<_> = stored_tasks::<T>().collect();
		for (id, task) in stored {
			read.saturating_inc();
			let task = match task {
				Stored::Old(task) => task,
				Stored::New(task) => {
					bind(task.status.bound_solver(), task.fee);
					continue;
				},
				Stored::Neither => {
					log::error!(target: crate::LOG_TARGET, "migration v3: task {id} left");
					left.saturating_inc();
					continue;
				},
			};
			bind(task.status.bound_solver(), task.fee);
			let frozen = matches!(task.status, old::TaskStatus::Challenged { .. });
			let task = upgrade_task::<T>(task, now);
			if frozen {
				// Its verifiers owe their verdicts again, and it needs its window wake-up.
				if let TaskStatus::Submitted { verifiers, .. } = &task.status {
					for v in verifiers.iter().filter(|v| v.verdict.is_none()) {
						Duties::<T>::insert(&v.account, id, ());
					}
				}
				Pallet::<T>::update_wakeups(id, &[], &Pallet::<T>::wakeups_of(&task));
			}
			Tasks::<T>::insert(id, task);
			tasks.saturating_inc();
		}
		let stored: Vec<_> = stored_solvers::<T>().collect();
		for (who, solver) in stored {
			read.saturating_inc();
			match solver {
				Stored::Old(solver) => {
					let fees = open_fees.get(&who).copied().unwrap_or_else(Zero::zero);
					Solvers::<T>::insert(&who, upgrade_solver::<T>(solver, fees));
					solvers.saturating_inc();
				},
				Stored::New(_) => {},
				Stored::Neither => {
					log::error!(target: crate::LOG_TARGET, "migration v3: solver {who:?} left");
					left.saturating_inc();
				},
			}
		}
		read.saturating_inc();
		if let Some(p) = old_params::<T>() {
			Params::<T>::put(upgrade_params(p, T::DefaultParams::get().stake_cover));
		} else if let Some(raw) = get_raw(&Params::<T>::hashed_key()) {
			if crate::ParamsOf::<T>::decode_all(&mut &raw[..]).is_err() {
				log::error!(target: crate::LOG_TARGET, "migration v3: parameters left");
				left.saturating_inc();
			}
		}
		read
	}

	/// The migration from storage version 2 to 3 (the layout also at version 1, when the
	/// escrow step failed in the same upgrade).
	pub struct MigrateToV3<T>(PhantomData<T>);

	impl<T: Config> OnRuntimeUpgrade for MigrateToV3<T> {
		fn on_runtime_upgrade() -> Weight {
			let version = Pallet::<T>::on_chain_storage_version();
			if version != 1 && version != 2 {
				log::info!(target: crate::LOG_TARGET, "migration v3: not at version 1 or 2, skipped");
				return T::DbWeight::get().reads(1);
			}
			let (mut tasks, mut solvers, mut left) = (0u64, 0u64, 0u64);
			let read = rewrite::<T>(&mut tasks, &mut solvers, &mut left);
			if version == 2 {
				StorageVersion::new(3).put::<Pallet<T>>();
			} else {
				// The escrow step failed in this upgrade: the records are readable in the
				// current layout, and the next upgrade runs that step (which reads either
				// layout) and this one again (which then finds nothing to rewrite).
				log::warn!(
					target: crate::LOG_TARGET,
					"migration v3: layout rewritten at version 1; the escrow step is still to run"
				);
			}
			log::info!(
				target: crate::LOG_TARGET,
				"migration v3: {tasks} tasks and {solvers} solvers rewritten, {left} records left"
			);
			let done = tasks.saturating_add(solvers);
			T::DbWeight::get().reads_writes(read.saturating_add(2), done.saturating_add(2))
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
			Ok(pre_upgrade_checks::<T>()?.encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			let before = Option::<(u32, u32)>::decode(&mut &state[..])
				.map_err(|_| "migration v3: undecodable pre-upgrade state")?;
			post_upgrade_checks::<T>(before)
		}
	}

	/// Before, at version 1 or 2: how many tasks and solvers there are, each decoding in
	/// version 2's layout or already in the current one, as do the parameters if set; `None`
	/// when the migration will not run.
	#[cfg(any(feature = "try-runtime", feature = "std", test))]
	pub fn pre_upgrade_checks<T: Config>() -> Result<Option<(u32, u32)>, sp_runtime::TryRuntimeError>
	{
		let version = Pallet::<T>::on_chain_storage_version();
		if version != 1 && version != 2 {
			return Ok(None);
		}
		let (mut tasks, mut solvers) = (0u32, 0u32);
		for (_, task) in stored_tasks::<T>() {
			ensure!(!matches!(task, Stored::Neither), "migration v3: a task decodes in no layout");
			tasks.saturating_inc();
		}
		for (_, solver) in stored_solvers::<T>() {
			ensure!(
				!matches!(solver, Stored::Neither),
				"migration v3: a solver decodes in no layout"
			);
			solvers.saturating_inc();
		}
		ensure!(
			get_raw(&Params::<T>::hashed_key()).is_none()
				|| old_params::<T>().is_some()
				|| Params::<T>::try_get().is_ok(),
			"migration v3: the parameters decode in no layout"
		);
		Ok(Some((tasks, solvers)))
	}

	/// After: every record decodes in the current layout (none lost) and no dispute is open.
	/// At version 3, the pallet's invariants hold (each solver's open fees among them); still
	/// at version 1 (the escrow step failed), they cannot, as the funds are not in escrow.
	#[cfg(any(feature = "try-runtime", feature = "std", test))]
	pub fn post_upgrade_checks<T: Config>(
		before: Option<(u32, u32)>,
	) -> Result<(), sp_runtime::TryRuntimeError> {
		let Some((tasks, solvers)) = before else { return Ok(()) };
		let mut decoded = 0u32;
		for id in Tasks::<T>::iter_keys() {
			let raw = get_raw(&Tasks::<T>::hashed_key_for(id)).ok_or("migration v3: task gone")?;
			let task = TaskOf::<T>::decode_all(&mut &raw[..])
				.map_err(|_| "migration v3: a task does not decode in the new layout")?;
			ensure!(
				!matches!(task.status, TaskStatus::Submitted { disputes, .. } if disputes != 0),
				"migration v3: a dispute is open"
			);
			decoded.saturating_inc();
		}
		ensure!(decoded == tasks, "migration v3: a task was lost");
		let mut decoded = 0u32;
		for who in Solvers::<T>::iter_keys() {
			let raw =
				get_raw(&Solvers::<T>::hashed_key_for(&who)).ok_or("migration v3: solver gone")?;
			SolverOf::<T>::decode_all(&mut &raw[..])
				.map_err(|_| "migration v3: a solver does not decode in the new layout")?;
			decoded.saturating_inc();
		}
		ensure!(decoded == solvers, "migration v3: a solver was lost");
		if let Some(raw) = get_raw(&Params::<T>::hashed_key()) {
			crate::ParamsOf::<T>::decode_all(&mut &raw[..])
				.map_err(|_| "migration v3: the parameters do not decode in the new layout")?;
		}
		match Pallet::<T>::on_chain_storage_version() {
			v if v == StorageVersion::new(3) => Pallet::<T>::do_try_state(),
			v if v == StorageVersion::new(1) => Ok(()),
			_ => {
				Err("migration v3: storage version neither 3 nor, after a failed escrow step, 1"
					.into())
			},
		}
	}
}

#[cfg(test)]
mod tests {
	use super::{v1, v2, v3};
	use crate::{mock::*, pallet::*, tests::*, types::*, HoldReason};
	use frame_support::parameter_types;

	parameter_types! {
		pub Funded: u64 = 20;
		pub Empty: u64 = 777;
	}
	/// The escrow step, funded.
	type Escrow = v2::MigrateToV2<Test, Funded>;
	use frame_support::{
		assert_ok,
		traits::{
			fungible::{Inspect, InspectHold, Mutate, MutateHold},
			tokens::{Fortitude, Precision, Preservation, Restriction},
			GetStorageVersion, OnRuntimeUpgrade, StorageVersion,
		},
	};

	/// Put a chain back as version 0 left it: every hold on its owner, no escrow account, tasks
	/// without a minibatch count.
	fn back_to_v0() {
		v3::back_to_v2::<Test>();
		let escrow = Compute::escrow_account();
		let unescrow = |reason: HoldReason, owner: u64, amount: u64| {
			assert_ok!(Balances::transfer_on_hold(
				&reason.into(),
				&escrow,
				&owner,
				amount,
				Precision::Exact,
				Restriction::OnHold,
				Fortitude::Force,
			));
		};
		let tasks: Vec<_> = v3::old_tasks::<Test>()
			.map(|(id, t)| (id, t.expect("version 2 layout")))
			.collect();
		for (_, task) in &tasks {
			if task.status.holds_fee() {
				unescrow(HoldReason::TaskFee, task.submitter, task.fee);
			}
			unescrow(HoldReason::TaskDeposit, task.submitter, task.deposit);
		}
		for (who, solver) in v3::old_solvers::<Test>() {
			unescrow(HoldReason::SolverStake, who, solver.expect("version 2 layout").stake);
		}
		// Tasks in version 0's layout (no minibatch count).
		for (id, task) in tasks {
			frame_support::storage::unhashed::put(
				&Tasks::<Test>::hashed_key_for(id),
				&v1::OldTask::<Test>::downgrade(task),
			);
		}
		assert_ok!(<Balances as Mutate<u64>>::transfer(
			&escrow,
			&99,
			ESCROW_ED,
			Preservation::Expendable
		));
		assert_eq!(Balances::total_balance(&escrow), 0, "the escrow account is gone");
		StorageVersion::new(0).put::<Compute>();
	}

	/// A task's fee, read in version 2's layout.
	fn old_fee(id: TaskId) -> u64 {
		v3::old_tasks::<Test>()
			.find(|(i, _)| *i == id)
			.and_then(|(_, t)| t)
			.expect("the task decodes in version 2's layout")
			.fee
	}

	/// A chain with a finished task (its deposit held) and a running one, and a solver.
	fn v0_chain() -> (TaskId, TaskId, u64) {
		register(SOLVER, 1_000, HardwareClass::Cpu);
		let done = submit(100);
		let running = submit(100);
		run_to_block(2);
		for id in [done, running] {
			assert_ok!(Compute::accept_task(RuntimeOrigin::signed(SOLVER), id));
		}
		assert_ok!(Compute::submit_result(RuntimeOrigin::signed(SOLVER), done, result(10)));
		run_to_block(14);
		assert!(task(done).status.is_finished());
		assert!(task(running).status.holds_fee());
		let fee = task(running).fee;
		back_to_v0();
		assert!(v1::old_tasks::<Test>().all(|(_, t)| t.is_some()), "tasks in version 0's layout");
		(done, running, fee)
	}

	/// A task from version 0 keeps its job id with the solver service across the upgrade (its
	/// running job is found again); a task that names its count gets an id of its own.
	#[test]
	fn a_task_from_version_0_keeps_its_job_id() {
		use codec::Encode;
		new_test_ext().execute_with(|| {
			let id = submit(100);
			let mut legacy = task(id);
			legacy.dataset.batches = 0;
			let old = v1::OldDatasetRef::<<Test as crate::Config>::MaxUrlLen> {
				root: legacy.dataset.root,
				url: legacy.dataset.url.clone(),
			};
			let digest = sp_io::hashing::blake2_256(&(&legacy.program, &old).encode());
			let before = format!("aichain-{id}-{}", hex::encode(&digest[..8]));
			assert_eq!(crate::offchain::job_id::<Test>(id, &legacy), before);
			assert_ne!(crate::offchain::job_id::<Test>(id, &task(id)), before);
		});
	}

	/// If the escrow account cannot be funded, or a record's funds are not all held on its
	/// owner, the escrow step moves nothing (not even what moved before the failure) and the
	/// version stays 1; the records stay readable: migration v3, which runs next in the same
	/// upgrade, still rewrites them into the current layout, and a later upgrade's escrow step
	/// reads them so.
	#[test]
	fn a_migration_that_cannot_finish_changes_nothing() {
		new_test_ext().execute_with(|| {
			let (_, running, fee) = v0_chain();
			let user_held = Balances::total_balance_on_hold(&USER);
			assert_eq!(user_held, fee + 2 * DEPOSIT);
			v1::MigrateToV1::<Test>::on_runtime_upgrade();
			assert_eq!(old_fee(running), fee, "readable after the first step");
			let unchanged = || {
				assert_eq!(Compute::on_chain_storage_version(), StorageVersion::new(1));
				assert_eq!(Balances::total_balance_on_hold(&USER), user_held);
				assert_eq!(Balances::total_balance_on_hold(&SOLVER), STAKE);
				assert_eq!(Balances::total_balance(&Compute::escrow_account()), 0);
			};
			v2::MigrateToV2::<Test, Empty>::on_runtime_upgrade();
			unchanged();
			let records = v3::pre_upgrade_checks::<Test>().expect("pre-upgrade checks, v3");
			v3::MigrateToV3::<Test>::on_runtime_upgrade();
			v3::post_upgrade_checks::<Test>(records).expect("post-upgrade checks, v3");
			unchanged();
			assert_eq!(task(running).fee, fee, "readable in the current layout");
			assert_eq!(solver(SOLVER).open_fees, fee);
			// Running the first and last steps again changes nothing.
			v1::MigrateToV1::<Test>::on_runtime_upgrade();
			v3::MigrateToV3::<Test>::on_runtime_upgrade();
			assert_eq!(task(running).fee, fee);
			assert_eq!(solver(SOLVER).open_fees, fee);
			// The solver's stake is one short: the tasks' funds move first, then this fails.
			assert_ok!(Balances::release(
				&HoldReason::SolverStake.into(),
				&SOLVER,
				1,
				Precision::Exact
			));
			let solver_free = Balances::balance(&SOLVER);
			let funder = Balances::balance(&Funded::get());
			Escrow::on_runtime_upgrade();
			assert_eq!(Balances::total_balance_on_hold(&SOLVER), STAKE - 1);
			assert_eq!(Balances::balance(&SOLVER), solver_free);
			assert_eq!(Balances::balance(&Funded::get()), funder, "the deposit went back too");
			assert_ok!(Balances::hold(&HoldReason::SolverStake.into(), &SOLVER, 1));
			unchanged();
			// Whole and funded, a later upgrade completes, from the current layout.
			let before = v2::pre_upgrade_checks::<Test>().expect("pre-upgrade checks, escrow");
			Escrow::on_runtime_upgrade();
			v2::post_upgrade_checks::<Test>(before).expect("post-upgrade checks, escrow");
			assert_eq!(Compute::on_chain_storage_version(), StorageVersion::new(2));
			let records = v3::pre_upgrade_checks::<Test>().expect("pre-upgrade checks, v3");
			v3::MigrateToV3::<Test>::on_runtime_upgrade();
			v3::post_upgrade_checks::<Test>(records).expect("post-upgrade checks, v3");
			assert_eq!(Compute::on_chain_storage_version(), StorageVersion::new(3));
			assert_eq!(solver(SOLVER).open_fees, fee);
			Compute::do_try_state().expect("invariants after the migration");
		});
	}

	/// A chain with a finished task (its deposit held), a running one (fee and deposit held) and
	/// a solver's stake, all held on their owners: the migration moves each into escrow, the
	/// escrow's existential deposit is paid, and the market goes on from there.
	#[test]
	fn v0_holds_move_into_escrow_and_the_market_goes_on() {
		new_test_ext().execute_with(|| {
			let issuance = Balances::total_issuance();
			let (done, running, fee) = v0_chain();
			assert!(Compute::do_try_state().is_err(), "v0 state breaks the invariants");
			let user_held = Balances::total_balance_on_hold(&USER);
			assert_eq!(user_held, fee + 2 * DEPOSIT);
			let funder = Balances::balance(&Funded::get());

			let tasks = v1::pre_upgrade_checks::<Test>().expect("pre-upgrade checks, layout");
			assert_eq!(tasks, Some(2));
			v1::MigrateToV1::<Test>::on_runtime_upgrade();
			v1::post_upgrade_checks::<Test>(tasks).expect("post-upgrade checks, layout");
			let before = v2::pre_upgrade_checks::<Test>().expect("pre-upgrade checks, escrow");
			Escrow::on_runtime_upgrade();
			v2::post_upgrade_checks::<Test>(before).expect("post-upgrade checks, escrow");
			assert_eq!(Compute::on_chain_storage_version(), StorageVersion::new(2));
			let before = v3::pre_upgrade_checks::<Test>().expect("pre-upgrade checks, v3");
			v3::MigrateToV3::<Test>::on_runtime_upgrade();
			v3::post_upgrade_checks::<Test>(before).expect("post-upgrade checks, v3");
			assert_eq!(solver(SOLVER).open_fees, fee, "the running task's fee");
			assert_eq!(Balances::total_balance_on_hold(&USER), 0);
			assert_eq!(Balances::total_balance_on_hold(&SOLVER), 0);
			assert_eq!(escrowed(HoldReason::TaskFee), fee);
			assert_eq!(task(running).fee, fee);
			assert_eq!(task(running).dataset.batches, 0, "unknown for a task from version 0");
			assert_eq!(escrowed(HoldReason::TaskDeposit), 2 * DEPOSIT);
			assert_eq!(escrowed(HoldReason::SolverStake), STAKE);
			assert_eq!(Balances::balance(&Funded::get()), funder - ESCROW_ED);

			// Run again, they change nothing.
			assert!(v2::pre_upgrade_checks::<Test>().is_err(), "the escrow holds funds now");
			assert_eq!(v1::pre_upgrade_checks::<Test>(), Ok(None));
			let escrow = Balances::total_balance(&Compute::escrow_account());
			assert_eq!(v3::pre_upgrade_checks::<Test>(), Ok(None));
			v1::MigrateToV1::<Test>::on_runtime_upgrade();
			Escrow::on_runtime_upgrade();
			v3::MigrateToV3::<Test>::on_runtime_upgrade();
			assert_eq!(Balances::total_balance(&Compute::escrow_account()), escrow);
			Compute::do_try_state().expect("invariants after a second run");

			// The running task is paid out of escrow, the finished one pruned.
			assert_ok!(Compute::submit_result(RuntimeOrigin::signed(SOLVER), running, result(10)));
			run_to_block(60);
			assert!(Tasks::<Test>::get(running).map_or(true, |t| t.status.is_finished()));
			assert!(Tasks::<Test>::get(done).is_none());
			assert_eq!(escrowed(HoldReason::TaskFee), 0);
			assert_eq!(Balances::total_issuance(), issuance);
		});
	}

	/// Version 2 records are rewritten: each solver's open fees are the fees of its bound tasks,
	/// the parameters keep their values and gain the runtime's cover, results count no dispute,
	/// and a result stored as `Challenged` (no runtime ever wrote one) gets its duties and
	/// wake-up back and is paid at the next block. The market goes on from there.
	#[test]
	fn v2_records_gain_open_fees_the_cover_and_dispute_counts() {
		use v3::old::TaskStatus as O;
		new_test_ext().execute_with(|| {
			register(SOLVER, 1_000, HardwareClass::Cpu);
			let (submitted, running, frozen) = (submit(100), submit(100), submit(100));
			run_to_block(2);
			for id in [submitted, running, frozen] {
				assert_ok!(Compute::accept_task(RuntimeOrigin::signed(SOLVER), id));
			}
			for id in [submitted, frozen] {
				assert_ok!(Compute::submit_result(RuntimeOrigin::signed(SOLVER), id, result(10)));
			}
			run_to_block(4);
			let fees = [submitted, running, frozen].map(|id| task(id).fee);
			assert_eq!(solver(SOLVER).open_fees, fees.iter().sum::<u64>());
			let mut params = Params::<Test>::get();
			params.mining_emission = sp_runtime::Perbill::from_percent(7);
			Params::<Test>::put(params);

			v3::back_to_v2::<Test>();
			let mut old = v3::old_tasks::<Test>()
				.find(|(id, _)| *id == frozen)
				.and_then(|(_, t)| t)
				.expect("version 2 layout");
			let O::Submitted { solver: s, result: r, verifiers, .. } = old.status else {
				panic!("a result")
			};
			assert_eq!(verifiers.len(), 2, "drawn");
			old.status = O::Challenged { solver: s, result: r, verifiers: verifiers.clone() };
			frame_support::storage::unhashed::put(&Tasks::<Test>::hashed_key_for(frozen), &old);
			// As freezing left it: no wake-up, no duty.
			for ((block, lane), id, ()) in Agenda::<Test>::iter().collect::<Vec<_>>() {
				if id == frozen && lane == Lane::Live {
					Agenda::<Test>::remove((block, lane), id);
				}
			}
			for v in verifiers.iter() {
				Duties::<Test>::remove(&v.account, frozen);
			}

			let before = v3::pre_upgrade_checks::<Test>().expect("pre-upgrade checks");
			assert_eq!(before, Some((3, 1)));
			v3::MigrateToV3::<Test>::on_runtime_upgrade();
			v3::post_upgrade_checks::<Test>(before).expect("post-upgrade checks");
			assert_eq!(Compute::on_chain_storage_version(), StorageVersion::new(3));
			assert_eq!(solver(SOLVER).open_fees, fees.iter().sum::<u64>());
			let params = Params::<Test>::get();
			assert_eq!(params.mining_emission, sp_runtime::Perbill::from_percent(7), "kept");
			assert_eq!(params.stake_cover, TestParams::get().stake_cover);
			assert!(matches!(
				task(submitted).status,
				TaskStatus::Submitted { disputes: 0, window_end: 12, .. }
			));
			assert!(matches!(
				task(frozen).status,
				TaskStatus::Submitted { disputes: 0, window_end: 4, draw_at: None, .. }
			));
			// A second run changes nothing.
			assert_eq!(v3::pre_upgrade_checks::<Test>(), Ok(None));
			v3::MigrateToV3::<Test>::on_runtime_upgrade();
			assert_eq!(solver(SOLVER).open_fees, fees.iter().sum::<u64>());

			run_to_block(5);
			assert!(matches!(task(frozen).status, TaskStatus::Finalized { .. }));
			assert_eq!(solver(SOLVER).open_fees, fees[0] + fees[1]);
			assert_ok!(Compute::submit_result(RuntimeOrigin::signed(SOLVER), running, result(10)));
			run_to_block(30);
			assert!([submitted, running].iter().all(|id| task(*id).status.is_finished()));
			assert_eq!(solver(SOLVER).open_fees, 0);
		});
	}
}
