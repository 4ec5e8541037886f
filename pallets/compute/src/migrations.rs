//! Storage migrations of the compute market, in the runtime's `Migrations`, in order:
//! [`v1::MigrateToV1`] then [`v2::MigrateToV2`].

/// Version 0 to 1: a task's dataset reference gains its minibatch count
/// ([`crate::DatasetRef::batches`]). Tasks stored by version 0 get 0, "unknown": no rule checked
/// a count for them, and a dispute cannot derive their minibatches from the chain alone. A pure
/// rewrite of the task records; it always completes (a record that does not decode as version 0
/// stored it, which version 0 never wrote, is logged and left).
pub mod v1 {
	use crate::{pallet::*, types::*, BalanceOf, TaskOf};
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
		pub status: crate::TaskStatusOf<T>,
	}

	impl<T: Config> OldTask<T> {
		/// The task as version 1 stores it: its minibatch count unknown (0).
		pub fn upgrade(self) -> TaskOf<T> {
			crate::types::Task {
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

		/// A current task as version 0 would have stored it (for tests).
		pub fn downgrade(task: TaskOf<T>) -> Self {
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
						Tasks::<T>::insert(id, task.upgrade());
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
				let task = TaskOf::<T>::decode_all(&mut &raw[..])
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
		for solver in Solvers::<T>::iter_values() {
			c.stakes = c.stakes.saturating_add(solver.stake);
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
		for task in Tasks::<T>::iter_values() {
			reads.saturating_inc();
			if task.status.holds_fee() {
				move_hold::<T>(HoldReason::TaskFee, &task.submitter, task.fee)?;
				count(reads, writes);
			}
			move_hold::<T>(HoldReason::TaskDeposit, &task.submitter, task.deposit)?;
			count(reads, writes);
		}
		for (who, solver) in Solvers::<T>::iter() {
			reads.saturating_inc();
			move_hold::<T>(HoldReason::SolverStake, &who, solver.stake)?;
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
				None => Pallet::<T>::do_try_state(),
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
		Ok(committed::<T>(
			Tasks::<T>::iter_values().map(|t| (t.fee, t.deposit, t.status.holds_fee())),
		))
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
		let now = committed::<T>(
			Tasks::<T>::iter_values().map(|t| (t.fee, t.deposit, t.status.holds_fee())),
		);
		ensure!(now == before, "migration v2: records or issuance changed, or a task was lost");
		ensure!(held(HoldReason::TaskFee) == before.fees, "migration v2: escrowed fees");
		ensure!(
			held(HoldReason::TaskDeposit) == before.deposits,
			"migration v2: escrowed deposits"
		);
		ensure!(held(HoldReason::SolverStake) == before.stakes, "migration v2: escrowed stakes");
		for task in Tasks::<T>::iter_values() {
			for reason in [HoldReason::TaskFee, HoldReason::TaskDeposit] {
				ensure!(
					T::Currency::balance_on_hold(&reason.into(), &task.submitter).is_zero(),
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
		Pallet::<T>::do_try_state()
	}
}

#[cfg(test)]
mod tests {
	use super::{v1, v2};
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
		for task in Tasks::<Test>::iter_values() {
			if task.status.holds_fee() {
				unescrow(HoldReason::TaskFee, task.submitter, task.fee);
			}
			unescrow(HoldReason::TaskDeposit, task.submitter, task.deposit);
		}
		for (who, solver) in Solvers::<Test>::iter() {
			unescrow(HoldReason::SolverStake, who, solver.stake);
		}
		// Tasks in version 0's layout (no minibatch count).
		for (id, task) in Tasks::<Test>::iter().collect::<Vec<_>>() {
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
	/// version stays 1; the task records, rewritten by the first step, stay readable.
	#[test]
	fn a_migration_that_cannot_finish_changes_nothing() {
		new_test_ext().execute_with(|| {
			let (_, running, fee) = v0_chain();
			let user_held = Balances::total_balance_on_hold(&USER);
			assert_eq!(user_held, fee + 2 * DEPOSIT);
			v1::MigrateToV1::<Test>::on_runtime_upgrade();
			assert_eq!(task(running).fee, fee, "readable after the first step");
			let unchanged = || {
				assert_eq!(Compute::on_chain_storage_version(), StorageVersion::new(1));
				assert_eq!(Balances::total_balance_on_hold(&USER), user_held);
				assert_eq!(Balances::total_balance_on_hold(&SOLVER), STAKE);
				assert_eq!(Balances::total_balance(&Compute::escrow_account()), 0);
			};
			v2::MigrateToV2::<Test, Empty>::on_runtime_upgrade();
			unchanged();
			// Running the first step again changes nothing.
			v1::MigrateToV1::<Test>::on_runtime_upgrade();
			assert_eq!(task(running).fee, fee);
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
			// Whole and funded, it completes.
			Escrow::on_runtime_upgrade();
			assert_eq!(Compute::on_chain_storage_version(), StorageVersion::new(2));
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
			v1::MigrateToV1::<Test>::on_runtime_upgrade();
			Escrow::on_runtime_upgrade();
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
}
