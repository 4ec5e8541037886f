//! The embedded job store (redb): job records, per-step trace hashes and state checkpoints.
//!
//! Progress is committed in one transaction per checkpoint: the hashes of the steps since the
//! previous checkpoint, the state at the checkpoint and the job record. A crash loses at most
//! the steps since the last checkpoint, which are recomputed to the same bits on restart.
//!
//! Once a job completes, the inner levels of its trace's Merkle tree are kept ([`Store::build_tree`],
//! streamed level by level in bounded memory), so that a step's inclusion proof is a couple of
//! dozen point reads ([`Store::proof`]) however long the trace: no request loads the trace. The
//! same is kept of the commitment of each dataset a job trained on (one tree per dataset root and
//! batch size, [`Store::keep_dataset_tree`]), for minibatch proofs ([`Store::dataset_proof`]).

use crate::types::JobRecord;
use aichain_engine::{trace::blake2_256, Hash};
use redb::{Database, ReadableTable, TableDefinition};
use std::path::Path;

/// Job id → JSON [`JobRecord`].
const JOBS: TableDefinition<&str, &[u8]> = TableDefinition::new("jobs");
/// (job id, step) → hash of the state after that step.
const HASHES: TableDefinition<(&str, u32), &[u8]> = TableDefinition::new("step_hashes");
/// (job id, step) → SCALE-encoded state after that step.
const CHECKPOINTS: TableDefinition<(&str, u32), &[u8]> = TableDefinition::new("checkpoints");
/// (job id, level ≥ 1, index) → inner node of the trace's Merkle tree. Level 0 (the hashed
/// leaves) is computed from [`HASHES`]; the top level holds the root alone.
const TREE: TableDefinition<(&str, u8, u32), &[u8]> = TableDefinition::new("trace_tree");
/// (dataset key, index) → hash of minibatch `index` of a dataset cut at a batch size: the
/// leaves of the dataset's commitment ([`dataset_key`]).
const DATASET_LEAVES: TableDefinition<(&str, u32), &[u8]> = TableDefinition::new("dataset_leaves");
/// (dataset key, level ≥ 1, index) → inner node of a dataset commitment's Merkle tree.
const DATASET_TREE: TableDefinition<(&str, u8, u32), &[u8]> = TableDefinition::new("dataset_tree");
/// Counters (`next_job`).
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");

/// Errors of the store, as text for logs and 500 answers.
pub type StoreResult<T> = Result<T, String>;

fn err(e: impl std::fmt::Display) -> String {
	format!("job store: {e}")
}

/// The store.
pub struct Store {
	db: Database,
}

impl Store {
	/// Open (or create) the store at `path`.
	pub fn open(path: &Path) -> StoreResult<Self> {
		let db = Database::create(path).map_err(err)?;
		let tx = db.begin_write().map_err(err)?;
		tx.open_table(JOBS).map_err(err)?;
		tx.open_table(HASHES).map_err(err)?;
		tx.open_table(CHECKPOINTS).map_err(err)?;
		tx.open_table(TREE).map_err(err)?;
		tx.open_table(DATASET_LEAVES).map_err(err)?;
		tx.open_table(DATASET_TREE).map_err(err)?;
		tx.open_table(META).map_err(err)?;
		tx.commit().map_err(err)?;
		Ok(Self { db })
	}

	/// A fresh job number.
	pub fn next_job_number(&self) -> StoreResult<u64> {
		let tx = self.db.begin_write().map_err(err)?;
		let n = {
			let mut meta = tx.open_table(META).map_err(err)?;
			let n = meta.get("next_job").map_err(err)?.map_or(1, |v| v.value());
			meta.insert("next_job", n + 1).map_err(err)?;
			n
		};
		tx.commit().map_err(err)?;
		Ok(n)
	}

	/// Insert or replace a job record.
	pub fn put_job(&self, job: &JobRecord) -> StoreResult<()> {
		let tx = self.db.begin_write().map_err(err)?;
		{
			let mut jobs = tx.open_table(JOBS).map_err(err)?;
			let bytes = serde_json::to_vec(job).map_err(err)?;
			jobs.insert(job.id.as_str(), bytes.as_slice()).map_err(err)?;
		}
		tx.commit().map_err(err)
	}

	/// A job record.
	pub fn job(&self, id: &str) -> StoreResult<Option<JobRecord>> {
		let tx = self.db.begin_read().map_err(err)?;
		let jobs = tx.open_table(JOBS).map_err(err)?;
		let Some(v) = jobs.get(id).map_err(err)? else { return Ok(None) };
		serde_json::from_slice(v.value()).map(Some).map_err(err)
	}

	/// All job records, by id.
	pub fn jobs(&self) -> StoreResult<Vec<JobRecord>> {
		let tx = self.db.begin_read().map_err(err)?;
		let jobs = tx.open_table(JOBS).map_err(err)?;
		let mut out = Vec::new();
		for entry in jobs.iter().map_err(err)? {
			let (_, v) = entry.map_err(err)?;
			out.push(serde_json::from_slice(v.value()).map_err(err)?);
		}
		Ok(out)
	}

	/// Commit progress atomically: step hashes, an optional checkpoint and the job record.
	pub fn commit_progress(
		&self,
		job: &JobRecord,
		hashes: &[(u32, Hash)],
		checkpoint: Option<(u32, &[u8])>,
	) -> StoreResult<()> {
		let tx = self.db.begin_write().map_err(err)?;
		{
			let mut table = tx.open_table(HASHES).map_err(err)?;
			for (step, hash) in hashes {
				table.insert((job.id.as_str(), *step), hash.as_slice()).map_err(err)?;
			}
			if let Some((step, state)) = checkpoint {
				let mut table = tx.open_table(CHECKPOINTS).map_err(err)?;
				table.insert((job.id.as_str(), step), state).map_err(err)?;
			}
			let mut jobs = tx.open_table(JOBS).map_err(err)?;
			let bytes = serde_json::to_vec(job).map_err(err)?;
			jobs.insert(job.id.as_str(), bytes.as_slice()).map_err(err)?;
		}
		tx.commit().map_err(err)
	}

	/// The latest checkpoint at or before `step`: `(step, encoded state)`.
	pub fn checkpoint_at_or_before(
		&self,
		id: &str,
		step: u32,
	) -> StoreResult<Option<(u32, Vec<u8>)>> {
		let tx = self.db.begin_read().map_err(err)?;
		let table = tx.open_table(CHECKPOINTS).map_err(err)?;
		let mut range = table.range((id, 0u32)..=(id, step)).map_err(err)?;
		match range.next_back() {
			Some(entry) => {
				let (k, v) = entry.map_err(err)?;
				Ok(Some((k.value().1, v.value().to_vec())))
			},
			None => Ok(None),
		}
	}

	/// Build and keep the inner levels of the Merkle tree over steps `1..=leaves` of job `id`
	/// (Substrate's `binary-merkle-tree`: leaves hashed once more, pairs hashed as
	/// `H(left ‖ right)`, an odd last node promoted unchanged); returns the root. Reads and
	/// writes [`TREE_CHUNK`] nodes at a time: memory stays small for any trace. Building again
	/// overwrites the same nodes with the same values.
	pub fn build_tree(&self, id: &str, leaves: u32) -> StoreResult<Hash> {
		let tx = self.db.begin_write().map_err(err)?;
		let root = Self::build_levels(&tx, HASHES, TREE, 1, id, leaves)?;
		tx.commit().map_err(err)?;
		Ok(root)
	}

	/// Build the inner levels of the tree over leaves `offset..offset + leaves` of `key` in
	/// `leaf_table` into `tree_table`; returns the root.
	fn build_levels(
		tx: &redb::WriteTransaction,
		leaf_table: TableDefinition<(&str, u32), &[u8]>,
		tree_table: TableDefinition<(&str, u8, u32), &[u8]>,
		offset: u32,
		id: &str,
		leaves: u32,
	) -> StoreResult<Hash> {
		if leaves == 0 {
			return Ok([0; 32]);
		}
		let root = {
			let hashes = tx.open_table(leaf_table).map_err(err)?;
			let mut tree = tx.open_table(tree_table).map_err(err)?;
			let mut len = leaves;
			let mut level = 0u8;
			while len > 1 {
				let mut start = 0u32;
				while start < len {
					let end = start.saturating_add(TREE_CHUNK).min(len);
					let nodes = if level == 0 {
						Self::leaf_nodes(&hashes, offset, id, start, end)?
					} else {
						Self::tree_nodes(&tree, id, level, start, end)?
					};
					for (i, pair) in nodes.chunks(2).enumerate() {
						let parent = match pair {
							[left, right] => {
								let mut both = [0u8; 64];
								both[..32].copy_from_slice(left);
								both[32..].copy_from_slice(right);
								blake2_256(&both)
							},
							// An odd last node is promoted unchanged.
							promoted => promoted.first().copied().unwrap_or_default(),
						};
						let index = start / 2 + i as u32;
						tree.insert((id, level + 1, index), parent.as_slice()).map_err(err)?;
					}
					start = end;
				}
				len = len.div_ceil(2);
				level += 1;
			}
			if level == 0 {
				Self::leaf_nodes(&hashes, offset, id, 0, 1)?[0]
			} else {
				Self::tree_nodes(&tree, id, level, 0, 1)?[0]
			}
		};
		Ok(root)
	}

	/// Level-0 nodes `start..end` (leaf `i` stored at key `offset + i`), hashed as leaves.
	fn leaf_nodes(
		hashes: &impl ReadableTable<(&'static str, u32), &'static [u8]>,
		offset: u32,
		id: &str,
		start: u32,
		end: u32,
	) -> StoreResult<Vec<Hash>> {
		let mut out = Vec::with_capacity((end - start) as usize);
		for entry in hashes.range((id, start + offset)..(id, end + offset)).map_err(err)? {
			let (k, v) = entry.map_err(err)?;
			if k.value().1 != start + offset + out.len() as u32 {
				return Err(err(format!(
					"missing leaf {} of {id}",
					start + offset + out.len() as u32
				)));
			}
			out.push(blake2_256(v.value()));
		}
		if out.len() != (end - start) as usize {
			return Err(err(format!("{id} lacks leaves in {}..{}", start + offset, end + offset)));
		}
		Ok(out)
	}

	/// Nodes `start..end` of tree level `level` ≥ 1.
	fn tree_nodes(
		tree: &impl ReadableTable<(&'static str, u8, u32), &'static [u8]>,
		id: &str,
		level: u8,
		start: u32,
		end: u32,
	) -> StoreResult<Vec<Hash>> {
		let mut out = Vec::with_capacity((end - start) as usize);
		for entry in tree.range((id, level, start)..(id, level, end)).map_err(err)? {
			let (_, v) = entry.map_err(err)?;
			out.push(v.value().try_into().map_err(|_| err("corrupt tree node"))?);
		}
		if out.len() != (end - start) as usize {
			return Err(err(format!("job {id} lacks tree nodes at level {level}")));
		}
		Ok(out)
	}

	/// Whether the tree of job `id`'s `leaves`-step trace was kept.
	pub fn has_tree(&self, id: &str, leaves: u32) -> StoreResult<bool> {
		if leaves <= 1 {
			return Ok(true);
		}
		let tx = self.db.begin_read().map_err(err)?;
		let tree = tx.open_table(TREE).map_err(err)?;
		Ok(tree.get((id, 1u8, 0u32)).map_err(err)?.is_some())
	}

	/// The hash of step `step` (1-based) of job `id`'s `leaves`-step trace and its inclusion
	/// proof (siblings from the leaf level up), from the tree [`Self::build_tree`] kept;
	/// `Ok(None)` if the tree was not built (a store from an older version).
	pub fn proof(
		&self,
		id: &str,
		leaves: u32,
		step: u32,
	) -> StoreResult<Option<(Hash, Vec<Hash>)>> {
		let index =
			step.checked_sub(1).filter(|i| *i < leaves).ok_or_else(|| err("no such step"))?;
		self.proof_in(HASHES, TREE, 1, id, leaves, index)
	}

	/// Leaf `index` (stored at key `offset + index` of `leaf_table`) of the tree over `leaves`
	/// leaves of `id` kept in `tree_table`, and its siblings from the leaf level up; `Ok(None)`
	/// if the tree was not built.
	fn proof_in(
		&self,
		leaf_table: TableDefinition<(&str, u32), &[u8]>,
		tree_table: TableDefinition<(&str, u8, u32), &[u8]>,
		offset: u32,
		id: &str,
		leaves: u32,
		index: u32,
	) -> StoreResult<Option<(Hash, Vec<Hash>)>> {
		let tx = self.db.begin_read().map_err(err)?;
		let hashes = tx.open_table(leaf_table).map_err(err)?;
		let tree = tx.open_table(tree_table).map_err(err)?;
		let hash_of = |index: u32| -> StoreResult<Option<Hash>> {
			let Some(v) = hashes.get((id, index + offset)).map_err(err)? else { return Ok(None) };
			v.value().try_into().map(Some).map_err(|_| err("corrupt hash"))
		};
		let leaf = |index: u32| -> StoreResult<Hash> {
			hash_of(index)?.ok_or_else(|| err(format!("missing leaf {} of {id}", index + offset)))
		};
		if leaves > 1 && tree.get((id, 1u8, 0u32)).map_err(err)?.is_none() {
			return Ok(None);
		}
		if hash_of(index)?.is_none() && offset == 0 {
			// A dataset tree not kept (its leaves are written with it).
			return Ok(None);
		}
		let mut siblings = Vec::new();
		let (mut at, mut len, mut level) = (index, leaves, 0u8);
		while len > 1 {
			let sibling = at ^ 1;
			if sibling < len {
				siblings.push(if level == 0 {
					blake2_256(&leaf(sibling)?)
				} else {
					tree.get((id, level, sibling))
						.map_err(err)?
						.ok_or_else(|| err(format!("job {id} lacks tree node {level}/{sibling}")))?
						.value()
						.try_into()
						.map_err(|_| err("corrupt tree node"))?
				});
			}
			at /= 2;
			len = len.div_ceil(2);
			level += 1;
		}
		Ok(Some((leaf(index)?, siblings)))
	}

	/// Keep the commitment tree of a dataset cut into minibatches whose hashes are
	/// `minibatch_hashes` (in order), under `key` ([`dataset_key`]); returns its root. Keeping
	/// it again rewrites the same values.
	pub fn keep_dataset_tree(&self, key: &str, minibatch_hashes: &[Hash]) -> StoreResult<Hash> {
		let leaves = u32::try_from(minibatch_hashes.len()).map_err(err)?;
		let tx = self.db.begin_write().map_err(err)?;
		{
			let mut table = tx.open_table(DATASET_LEAVES).map_err(err)?;
			for (i, hash) in minibatch_hashes.iter().enumerate() {
				table.insert((key, i as u32), hash.as_slice()).map_err(err)?;
			}
		}
		let root = Self::build_levels(&tx, DATASET_LEAVES, DATASET_TREE, 0, key, leaves)?;
		tx.commit().map_err(err)?;
		Ok(root)
	}

	/// Whether the commitment tree of dataset `key` was kept (its leaves and inner levels are
	/// written in one transaction, so its first leaf tells).
	pub fn has_dataset_tree(&self, key: &str) -> StoreResult<bool> {
		let tx = self.db.begin_read().map_err(err)?;
		let table = tx.open_table(DATASET_LEAVES).map_err(err)?;
		Ok(table.get((key, 0u32)).map_err(err)?.is_some())
	}

	/// The hash of minibatch `index` of dataset `key` (with `leaves` minibatches) and its
	/// inclusion proof against the dataset root, from the kept tree; `Ok(None)` if not kept.
	pub fn dataset_proof(
		&self,
		key: &str,
		leaves: u32,
		index: u32,
	) -> StoreResult<Option<(Hash, Vec<Hash>)>> {
		if index >= leaves {
			return Err(err("no such minibatch"));
		}
		self.proof_in(DATASET_LEAVES, DATASET_TREE, 0, key, leaves, index)
	}
}

/// Tree nodes read and written at a time while building (2 MiB of hashes).
pub const TREE_CHUNK: u32 = 1 << 16;

/// The store's key of the commitment of the dataset with root `root` cut into minibatches of
/// `batch_size` samples.
pub fn dataset_key(root: &Hash, batch_size: u32) -> String {
	format!("{}/{batch_size}", hex::encode(root))
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::types::{DatasetRef, HexHash, JobState};
	use aichain_engine::trace;

	#[test]
	fn kept_tree_gives_the_engines_root_and_proofs() {
		let dir = std::env::temp_dir().join(format!("aichain-store-test-{}", std::process::id()));
		std::fs::create_dir_all(&dir).unwrap();
		let store = Store::open(&dir.join("jobs.redb")).unwrap();
		for leaves in (1..=37u32).chain([TREE_CHUNK - 1, TREE_CHUNK, TREE_CHUNK * 2 + 3]) {
			let id = format!("job-{leaves}");
			let hashes: Vec<Hash> = (0..leaves)
				.map(|i| blake2_256(&[leaves.to_le_bytes(), i.to_le_bytes()].concat()))
				.collect();
			let job = JobRecord {
				id: id.clone(),
				program: aichain_engine_tests::digits_program(leaves),
				dataset: DatasetRef {
					root: HexHash([0; 32]),
					path: None,
					url: None,
					batches: None,
				},
				work_units: 0,
				state: JobState::Running,
				checkpoint_step: leaves,
				error: None,
				result: None,
				submitted_at: 0,
				started_at: None,
				finished_at: None,
				resumed: 0,
			};
			let numbered: Vec<(u32, Hash)> =
				hashes.iter().enumerate().map(|(i, h)| (i as u32 + 1, *h)).collect();
			store.commit_progress(&job, &numbered, None).unwrap();
			assert_eq!(store.proof(&id, leaves, 1).unwrap().is_none(), leaves > 1);
			assert_eq!(store.build_tree(&id, leaves).unwrap(), trace::merkle_root(&hashes));
			let steps: Vec<u32> = if leaves < 40 {
				(1..=leaves).collect()
			} else {
				vec![1, 2, leaves / 2, leaves - 1, leaves]
			};
			for step in steps {
				let (hash, siblings) = store.proof(&id, leaves, step).unwrap().unwrap();
				let expected = trace::merkle_proof(&hashes, step - 1).unwrap();
				assert_eq!(
					(hash, siblings),
					(hashes[step as usize - 1], expected.siblings.to_vec())
				);
			}
		}
		let _ = std::fs::remove_dir_all(&dir);
	}

	#[test]
	fn kept_dataset_tree_gives_the_engines_root_and_proofs() {
		let dir = std::env::temp_dir().join(format!("aichain-store-dtest-{}", std::process::id()));
		std::fs::create_dir_all(&dir).unwrap();
		let store = Store::open(&dir.join("jobs.redb")).unwrap();
		for leaves in (1..=19u32).chain([TREE_CHUNK + 5]) {
			let key = dataset_key(&blake2_256(&leaves.to_le_bytes()), 7);
			let hashes: Vec<Hash> = (0..leaves)
				.map(|i| blake2_256(&[7, leaves, i].map(u32::to_le_bytes).concat()))
				.collect();
			assert!(!store.has_dataset_tree(&key).unwrap());
			assert!(store.dataset_proof(&key, leaves, 0).unwrap().is_none());
			assert_eq!(
				store.keep_dataset_tree(&key, &hashes).unwrap(),
				trace::merkle_root(&hashes)
			);
			assert!(store.has_dataset_tree(&key).unwrap());
			let root = trace::merkle_root(&hashes);
			for index in [0, leaves / 2, leaves - 1] {
				let (hash, siblings) = store.dataset_proof(&key, leaves, index).unwrap().unwrap();
				let expected = trace::merkle_proof(&hashes, index).unwrap();
				assert_eq!(
					(hash, &siblings),
					(hashes[index as usize], &expected.siblings.to_vec())
				);
				assert!(trace::verify_proof(&root, leaves, index, hash, &expected));
			}
			assert!(store.dataset_proof(&key, leaves, leaves).is_err());
		}
		let _ = std::fs::remove_dir_all(&dir);
	}
}
