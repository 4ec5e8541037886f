//! The parties' offchain workers in bisection games, so that a game runs to its end with nobody
//! at the keyboard:
//!
//! - **A verifier** whose solver does not serve the segment it must check (the market's worker
//!   tells it, after retries: [`pallet_compute::FraudProofs::withheld`]) re-executes the whole
//!   job on its own service. If the model it ends with is not the posted one, it opens a game
//!   over the whole trace with its own leaves as the claim (fee-free, signed with its `compute`
//!   key, the bond from its validator account) and keeps its leaves in the node's offchain
//!   storage to play it: its midpoint reveals, then the referee move, whose evidence (the
//!   agreed state and the minibatch) its service gives, or, when the solver's last leaf is its
//!   own, the model move with the last state.
//! - **A solver** answers every move due from it with its leaf and proof from its own service's
//!   stored trace (signed with its `aicm` key). A solver whose trace is not the one it
//!   committed to cannot answer, and runs out of time.
//!
//! Each due move is sent once and again only after its pool lifetime, if it is still due; the
//! pool admits one transaction per due move whichever nodes send it.

use crate::{
	game::{Party, Phase},
	pallet::*,
	types::*,
	LOG_TARGET,
};
use aichain_engine::{
	referee,
	trace::{merkle_proof, merkle_root},
};
use alloc::vec::Vec;
use codec::Encode;
use frame_system::{offchain::SubmitTransaction, pallet_prelude::BlockNumberFor};
use pallet_compute::{OffchainKeys, TaskDisputes, TaskId};
use sp_core::H256;
use sp_runtime::{
	offchain::{
		storage::StorageValueRef,
		storage_lock::{BlockAndTime, StorageLock},
		Duration,
	},
	traits::UniqueSaturatedInto,
	RuntimeAppPublic,
};

/// The longest trace a verifier's worker plays a game over: it keeps its leaves in the node's
/// offchain storage (32 MiB at this length).
pub const MAX_PLAYED_STEPS: u32 = 1 << 20;

/// Blocks before a move that has not landed is sent again (its pool lifetime).
const RESEND_AFTER: u32 = 8;

/// What a verifier's worker keeps per task it may challenge: its own run of the job.
#[derive(Clone, Encode, codec::Decode, Debug, PartialEq)]
struct Claim {
	/// The state hash after every step.
	leaves: Vec<[u8; 32]>,
	/// Whether its model is the posted one (then there is nothing to challenge).
	model_matches: bool,
	/// The last state (SCALE): a model move needs no second replay under the clock.
	last_state: Vec<u8>,
}

fn claim_key(task: TaskId, who: &impl Encode) -> Vec<u8> {
	(b"aichain::disputes::claim::", task, who).encode()
}

/// Offchain-storage key of the list of (task, verifier) this node keeps a claim for, pruned
/// once the task is no longer disputable.
const CLAIMS_KEY: &[u8] = b"aichain::disputes::claims";

/// Offchain-storage key of the moves sent, by game: (move count, block).
const SENT_KEY: &[u8] = b"aichain::disputes::sent";

type Kept<AccountId> = Vec<(TaskId, AccountId)>;

/// Remember that this node keeps a claim for (`task`, `who`). The list is changed atomically
/// (another block's worker may be pruning it).
fn remember<T: Config>(task: TaskId, who: &T::AccountId) {
	let store = StorageValueRef::persistent(CLAIMS_KEY);
	let _ = store.mutate(|kept: Result<Option<Kept<T::AccountId>>, _>| {
		let mut kept = kept.ok().flatten().unwrap_or_default();
		if !kept.iter().any(|(t, w)| *t == task && w == who) {
			kept.push((task, who.clone()));
		}
		Ok::<_, ()>(kept)
	});
}

/// Forget the claims of tasks no longer disputable.
fn prune<T: Config>() {
	let store = StorageValueRef::persistent(CLAIMS_KEY);
	let mut gone: Kept<T::AccountId> = Vec::new();
	let _ = store.mutate(|kept: Result<Option<Kept<T::AccountId>>, _>| {
		let (live, dead): (Vec<_>, Vec<_>) = kept
			.ok()
			.flatten()
			.unwrap_or_default()
			.into_iter()
			.partition(|(task, _)| T::Market::dispute_target(*task).is_some());
		gone = dead;
		Ok::<_, ()>(live)
	});
	for (task, who) in &gone {
		StorageValueRef::persistent(&claim_key(*task, who)).clear();
	}
}

/// This verifier's own run of `task`'s job, from its offchain storage or its service.
fn claim<T: Config>(task: TaskId, who: &T::AccountId) -> Option<Claim> {
	let target = T::Market::dispute_target(task)?;
	let store_key = claim_key(task, who);
	let store = StorageValueRef::persistent(&store_key);
	if let Ok(Some(claim)) = store.get::<Claim>() {
		return Some(claim);
	}
	remember::<T>(task, who);
	let steps = target.result.steps;
	if steps > MAX_PLAYED_STEPS {
		log::warn!(
			target: LOG_TARGET,
			"task {task}: {steps} steps are more than this worker plays a game over"
		);
		return None;
	}
	let replay = T::Market::replay(task, steps, true)?;
	let last_state = last_state(&target.program, steps, replay.evidence.as_ref()?)?;
	let claim = Claim {
		model_matches: replay.model_hash == target.result.model_hash,
		leaves: replay.leaves,
		last_state,
	};
	store.set(&claim);
	Some(claim)
}

fn leaf(leaves: &[[u8; 32]], step: u32) -> Option<Leaf> {
	let index = step.checked_sub(1)?;
	Some(Leaf { hash: H256(*leaves.get(index as usize)?), proof: merkle_proof(leaves, index)? })
}

/// The verifier with `key` cannot check `task` (its solver withholds its trace): open a game
/// over the whole trace, unless the job's honest model is the posted one. Whether a game of its
/// is open or was sent.
pub(crate) fn withheld<T: Config>(key: &T::OffchainKey, task: TaskId) -> bool {
	let Some(who) = T::OffchainKeys::validator(key) else { return false };
	// One fee-free game per verifier and task, ever (the chain refuses a second).
	if GamesOf::<T>::contains_key(task, &who) || VerifierOpened::<T>::contains_key(task, &who) {
		return true;
	}
	let Some(target) = T::Market::dispute_target(task) else { return false };
	if frame_system::Pallet::<T>::block_number() > target.window_end {
		return false;
	}
	let Some(claim) = claim::<T>(task, &who) else { return false };
	if claim.model_matches {
		log::info!(
			target: LOG_TARGET,
			"task {task}: the posted model is the one an honest run ends with; no game to win"
		);
		return false;
	}
	let steps = target.result.steps;
	let Some(claim_to) = leaf(&claim.leaves, steps) else { return false };
	let opening = Opening {
		claim_root: H256(merkle_root(&claim.leaves)),
		from: 0,
		to: steps,
		from_leaf: None,
		from_trace_proof: None,
		claim_to,
		solver_to: None,
	};
	send::<T>(key, GameAction::Open { task, opening })
}

/// The workers' part in every game this node has a key for (see the module documentation).
pub(crate) fn run<T: Config>(now: BlockNumberFor<T>) {
	prune::<T>();
	let mut sent_store = StorageValueRef::persistent(SENT_KEY);
	if Games::<T>::count() == 0 {
		sent_store.clear();
		return;
	}
	let keys = T::OffchainKey::all();
	if keys.is_empty() {
		return;
	}
	let mut lock =
		StorageLock::<BlockAndTime<frame_system::Pallet<T>>>::with_block_and_time_deadline(
			b"aichain::disputes::lock",
			50,
			Duration::from_millis(300_000),
		);
	let Ok(_guard) = lock.try_lock() else {
		log::debug!(target: LOG_TARGET, "game moves of an earlier block still running; skipped");
		return;
	};
	let block: u32 = now.unique_saturated_into();
	let mut sent: alloc::collections::BTreeMap<GameId, (u32, u32)> =
		sent_store.get().ok().flatten().unwrap_or_default();
	sent.retain(|game, _| Games::<T>::contains_key(game));
	for (game, record) in Games::<T>::iter() {
		let Some(target) = T::Market::dispute_target(record.task) else { continue };
		if record.state.expired(now) {
			continue;
		}
		let due = record.state.due();
		let Some(key) = keys.iter().find(|k| match due {
			Party::Solver => T::OffchainKeys::account(k) == record.solver,
			Party::Challenger => T::OffchainKeys::validator(k).as_ref() == Some(&record.challenger),
		}) else {
			continue;
		};
		if let Some((moves, at)) = sent.get(&game) {
			if *moves == record.moves && block < at.saturating_add(RESEND_AFTER) {
				continue;
			}
		}
		let task = record.task;
		let mv = match (due, record.state.due_step()) {
			(Party::Solver, Some(step)) => T::Market::served_leaf(task, step)
				.map(|(hash, proof)| Move::Reveal(Leaf { hash, proof })),
			(Party::Challenger, Some(step)) => claim::<T>(task, &record.challenger)
				.and_then(|c| leaf(&c.leaves, step))
				.map(Move::Reveal),
			(Party::Challenger, None) if record.state.phase == Phase::Model => {
				claim::<T>(task, &record.challenger)
					.and_then(|c| c.last_state.try_into().ok())
					.map(|last_state| Move::Model { last_state })
			},
			(Party::Challenger, None) => T::Market::replay(task, record.state.to, true)
				.and_then(|replay| replay.evidence)
				.and_then(|(prior, minibatch, minibatch_proof)| {
					Some(Move::Referee {
						max_cost: referee::referee_cost(&target.program),
						prior_state: prior.try_into().ok()?,
						minibatch: minibatch.try_into().ok()?,
						minibatch_proof,
					})
				}),
			(Party::Solver, None) => None,
		};
		let Some(mv) = mv else {
			log::warn!(target: LOG_TARGET, "game {game}: no move to make ({due:?} due); retrying");
			continue;
		};
		if send::<T>(key, GameAction::Play { game, moves: record.moves, mv }) {
			sent.insert(game, (record.moves, block));
		}
	}
	sent_store.set(&sent);
}

/// The state after step `steps` (SCALE) from the evidence of that step (the state before it
/// and its minibatch): the worker runs the step itself, as the referee does.
fn last_state(
	program: &aichain_engine::Program,
	steps: u32,
	(prior, minibatch, _): &(Vec<u8>, Vec<u8>, aichain_engine::MerkleProof),
) -> Option<Vec<u8>> {
	use codec::DecodeAll;
	let mut state = if steps == 1 {
		aichain_engine::State::initial(program)
	} else {
		aichain_engine::State::decode_all(&mut &prior[..]).ok()?
	};
	let minibatch = aichain_engine::Minibatch::decode_all(&mut &minibatch[..]).ok()?;
	aichain_engine::train_step(program, &mut state, &minibatch).ok()?;
	Some(state.encode())
}

/// Sign `action` with `key` and put it in the transaction pool.
fn send<T: Config>(key: &T::OffchainKey, action: GameAction) -> bool {
	let signed = SignedGameAction { key: key.clone(), action };
	let Some(signature) = key.sign(&Pallet::<T>::action_payload(&signed)) else {
		log::error!(target: LOG_TARGET, "the keystore cannot sign with {key:?}");
		return false;
	};
	let what = match &signed.action {
		GameAction::Open { task, .. } => alloc::format!("the opening of a game on task {task}"),
		GameAction::Play { game, moves, .. } => alloc::format!("move {moves} of game {game}"),
	};
	let xt = T::create_authorized_transaction(Call::<T>::act { action: signed, signature }.into());
	match SubmitTransaction::<T, Call<T>>::submit_transaction(xt) {
		Ok(()) => {
			log::info!(target: LOG_TARGET, "sent {what}");
			true
		},
		Err(()) => {
			log::warn!(target: LOG_TARGET, "the pool refused {what}");
			false
		},
	}
}
