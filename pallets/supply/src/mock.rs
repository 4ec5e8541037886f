//! Test runtime: System + Balances + Supply, with a 1,000,000 unit supply.

use crate as pallet_supply;
use frame_support::{derive_impl, parameter_types, PalletId};
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;

pub const CAP: u64 = 1_000_000;
/// Account ids are u128 so that the two pallet accounts (`modl` + 8-byte id) stay distinct.
pub type AccountId = u128;
pub const ALICE: AccountId = 1;
pub const BOB: AccountId = 2;
pub const ED: u64 = 10;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeTask,
		RuntimeHoldReason,
		RuntimeFreezeReason
	)]
	pub struct Test;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type Balances = pallet_balances;
	#[runtime::pallet_index(2)]
	pub type Supply = pallet_supply;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountId = AccountId;
	type Lookup = sp_runtime::traits::IdentityLookup<AccountId>;
	type AccountData = pallet_balances::AccountData<u64>;
}

parameter_types! {
	pub const ExistentialDeposit: u64 = ED;
	pub const Cap: u64 = CAP;
	pub const RewardPotId: PalletId = PalletId(*b"ai/rwpot");
	pub const PayoutReserveId: PalletId = PalletId(*b"ai/rwres");
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
	type ExistentialDeposit = ExistentialDeposit;
}

impl pallet_supply::Config for Test {
	type Currency = Balances;
	type Cap = Cap;
	type RewardPotId = RewardPotId;
	type PayoutReserveId = PayoutReserveId;
}

/// Genesis: Alice holds the whole supply but the existential deposits of the two system accounts.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: vec![
			(ALICE, CAP - 2 * ED),
			(Supply::reward_pot_account(), ED),
			(Supply::payout_reserve_account(), ED),
		],
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext: sp_io::TestExternalities = storage.into();
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Run a test and check the supply invariant after it, as `try_state` would.
pub fn test(f: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		f();
		Supply::do_try_state().expect("supply invariant broken after the test");
	})
}
