//! Storage migrations of the compute market, in the runtime's `Migrations`.

/// Version 0 to 1: stakes, fees and deposits move from their owners' accounts into the market's
/// escrow account ([`crate::Pallet::escrow_account`]), held there under the same reasons.
///
/// Version 0 held them on the owners' accounts, where FRAME counts them towards a lock: a
/// vesting account could move locked tokens while a hold covered them, and a payout out of the
/// hold then left it below its lock. Storage types are unchanged; only where the funds lie
/// moves.
pub mod v1 {
	use crate::{pallet::*, BalanceOf, HoldReason};
	use core::marker::PhantomData;
	use frame_support::{
		migrations::VersionedMigration,
		pallet_prelude::*,
		traits::{
			fungible::{Inspect, Mutate, MutateHold},
			tokens::{Fortitude, Precision, Preservation, Restriction},
			UncheckedOnRuntimeUpgrade,
		},
	};
	use sp_runtime::traits::{Saturating, Zero};

	/// The migration, run once: from storage version 0 to 1.
	pub type MigrateToV1<T> = VersionedMigration<
		0,
		1,
		InnerMigrateToV1<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;

	/// The unversioned step of [`MigrateToV1`].
	pub struct InnerMigrateToV1<T>(PhantomData<T>);

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

	/// The records' sums, before the move (the escrow holds none of it yet).
	#[cfg(any(feature = "try-runtime", test))]
	pub fn committed<T: Config>() -> Committed<BalanceOf<T>> {
		let mut c = Committed::<BalanceOf<T>>::default();
		for task in Tasks::<T>::iter_values() {
			c.deposits = c.deposits.saturating_add(task.deposit);
			if task.status.holds_fee() {
				c.fees = c.fees.saturating_add(task.fee);
			}
		}
		for solver in Solvers::<T>::iter_values() {
			c.stakes = c.stakes.saturating_add(solver.stake);
		}
		c.issuance = T::Currency::total_issuance();
		c
	}

	/// Move `amount` held under `reason` on `owner` to the escrow account, held there.
	fn move_hold<T: Config>(reason: HoldReason, owner: &T::AccountId, amount: BalanceOf<T>) -> bool {
		if amount.is_zero() {
			return true;
		}
		let moved = T::Currency::transfer_on_hold(
			&reason.into(),
			owner,
			&Pallet::<T>::escrow_account(),
			amount,
			Precision::Exact,
			Restriction::OnHold,
			Fortitude::Force,
		);
		if let Err(e) = moved {
			log::error!(
				target: crate::LOG_TARGET,
				"migration v1: {amount:?} of {reason:?} not moved from {owner:?}: {e:?}"
			);
		}
		moved.is_ok()
	}

	impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateToV1<T> {
		fn on_runtime_upgrade() -> Weight {
			let escrow = Pallet::<T>::escrow_account();
			let (mut reads, mut writes) = (2u64, 0u64);
			// The escrow account must exist before funds are held on it (new chains give it the
			// existential deposit at genesis): the mining pot pays it.
			let ed = T::Currency::minimum_balance();
			let has = T::Currency::balance(&escrow);
			if has < ed {
				let pot = Pallet::<T>::mining_pot_account();
				if let Err(e) =
					T::Currency::transfer(&pot, &escrow, ed.saturating_sub(has), Preservation::Preserve)
				{
					log::error!(
						target: crate::LOG_TARGET,
						"migration v1: the mining pot cannot fund the escrow account: {e:?}"
					);
				}
				reads.saturating_inc();
				writes.saturating_accrue(2);
			}
			let (mut moved, mut failed) = (0u32, 0u32);
			let mut count = |ok: bool| {
				if ok {
					moved.saturating_inc()
				} else {
					failed.saturating_inc()
				}
			};
			// Each move reads and writes both accounts and their holds.
			for task in Tasks::<T>::iter_values() {
				reads.saturating_inc();
				if task.status.holds_fee() {
					count(move_hold::<T>(HoldReason::TaskFee, &task.submitter, task.fee));
					reads.saturating_accrue(4);
					writes.saturating_accrue(4);
				}
				count(move_hold::<T>(HoldReason::TaskDeposit, &task.submitter, task.deposit));
				reads.saturating_accrue(4);
				writes.saturating_accrue(4);
			}
			for (who, solver) in Solvers::<T>::iter() {
				reads.saturating_inc();
				count(move_hold::<T>(HoldReason::SolverStake, &who, solver.stake));
				reads.saturating_accrue(4);
				writes.saturating_accrue(4);
			}
			log::info!(
				target: crate::LOG_TARGET,
				"migration v1: {moved} holds moved into escrow, {failed} failed"
			);
			T::DbWeight::get().reads_writes(reads, writes)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<alloc::vec::Vec<u8>, sp_runtime::TryRuntimeError> {
			Ok(pre_upgrade_checks::<T>()?.encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			let before = Committed::<BalanceOf<T>>::decode(&mut &state[..])
				.map_err(|_| "migration v1: undecodable pre-upgrade state")?;
			post_upgrade_checks::<T>(before)
		}
	}

	/// Before: the escrow holds nothing yet; the records' sums.
	#[cfg(any(feature = "try-runtime", test))]
	pub fn pre_upgrade_checks<T: Config>(
	) -> Result<Committed<BalanceOf<T>>, sp_runtime::TryRuntimeError> {
		use frame_support::traits::fungible::InspectHold;
		let escrow = Pallet::<T>::escrow_account();
		for reason in [HoldReason::SolverStake, HoldReason::TaskFee, HoldReason::TaskDeposit] {
			ensure!(
				T::Currency::balance_on_hold(&reason.into(), &escrow).is_zero(),
				"migration v1: the escrow already holds funds"
			);
		}
		Ok(committed::<T>())
	}

	/// After: the escrow holds exactly the records' sums, no owner holds any of it, nothing was
	/// minted or burned, and the pallet's invariants hold.
	#[cfg(any(feature = "try-runtime", test))]
	pub fn post_upgrade_checks<T: Config>(
		before: Committed<BalanceOf<T>>,
	) -> Result<(), sp_runtime::TryRuntimeError> {
		use frame_support::traits::fungible::InspectHold;
		let escrow = Pallet::<T>::escrow_account();
		let held = |reason: HoldReason| T::Currency::balance_on_hold(&reason.into(), &escrow);
		ensure!(committed::<T>() == before, "migration v1: records or issuance changed");
		ensure!(held(HoldReason::TaskFee) == before.fees, "migration v1: escrowed fees");
		ensure!(held(HoldReason::TaskDeposit) == before.deposits, "migration v1: escrowed deposits");
		ensure!(held(HoldReason::SolverStake) == before.stakes, "migration v1: escrowed stakes");
		for task in Tasks::<T>::iter_values() {
			for reason in [HoldReason::TaskFee, HoldReason::TaskDeposit] {
				ensure!(
					T::Currency::balance_on_hold(&reason.into(), &task.submitter).is_zero(),
					"migration v1: a submitter still holds a fee or deposit"
				);
			}
		}
		for who in Solvers::<T>::iter_keys() {
			ensure!(
				T::Currency::balance_on_hold(&HoldReason::SolverStake.into(), &who).is_zero(),
				"migration v1: a solver still holds its stake"
			);
		}
		ensure!(
			Pallet::<T>::on_chain_storage_version() == StorageVersion::new(1),
			"migration v1: storage version not bumped"
		);
		Pallet::<T>::do_try_state()
	}
}

#[cfg(test)]
mod tests {
	use super::v1;
	use crate::{mock::*, pallet::*, tests::*, types::*, HoldReason};
	use frame_support::{
		assert_ok,
		traits::{
			fungible::{Inspect, InspectHold, Mutate, MutateHold},
			tokens::{Fortitude, Precision, Preservation, Restriction},
			GetStorageVersion, OnRuntimeUpgrade, StorageVersion,
		},
	};

	/// Put a chain back as version 0 left it: every hold on its owner, no escrow account.
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
		assert_ok!(<Balances as Mutate<u64>>::transfer(&escrow, &99, ESCROW_ED, Preservation::Expendable));
		assert_eq!(Balances::total_balance(&escrow), 0, "the escrow account is gone");
		StorageVersion::new(0).put::<Compute>();
	}

	/// A chain with a finished task (its deposit held), a running one (fee and deposit held) and
	/// a solver's stake, all held on their owners: the migration moves each into escrow, the
	/// mining pot pays the escrow's existential deposit, and the market goes on from there.
	#[test]
	fn v0_holds_move_into_escrow_and_the_market_goes_on() {
		new_test_ext().execute_with(|| {
			let issuance = Balances::total_issuance();
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

			back_to_v0();
			assert!(Compute::do_try_state().is_err(), "v0 state breaks the v1 invariants");
			let user_held = Balances::total_balance_on_hold(&USER);
			assert_eq!(user_held, task(running).fee + 2 * DEPOSIT);
			let pot = Balances::balance(&Compute::mining_pot_account());

			let before = v1::pre_upgrade_checks::<Test>().expect("pre-upgrade checks");
			v1::MigrateToV1::<Test>::on_runtime_upgrade();
			v1::post_upgrade_checks::<Test>(before).expect("post-upgrade checks");
			assert_eq!(Compute::on_chain_storage_version(), StorageVersion::new(1));
			assert_eq!(Balances::total_balance_on_hold(&USER), 0);
			assert_eq!(Balances::total_balance_on_hold(&SOLVER), 0);
			assert_eq!(escrowed(HoldReason::TaskFee), task(running).fee);
			assert_eq!(escrowed(HoldReason::TaskDeposit), 2 * DEPOSIT);
			assert_eq!(escrowed(HoldReason::SolverStake), STAKE);
			assert_eq!(Balances::balance(&Compute::mining_pot_account()), pot - ESCROW_ED);

			// Run again, it changes nothing.
			let state = v1::pre_upgrade_checks::<Test>();
			assert!(state.is_err(), "the escrow holds funds now");
			v1::MigrateToV1::<Test>::on_runtime_upgrade();
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
