//! The embedded job store (redb): job records, per-step trace hashes and state checkpoints.
//!
//! Progress is committed in one transaction per checkpoint: the hashes of the steps since the
//! previous checkpoint, the state at the checkpoint and the job record. A crash loses at most
//! the steps since the last checkpoint, which are recomputed to the same bits on restart.

use crate::types::JobRecord;
use aichain_engine::Hash;
use redb::{Database, ReadableTable, TableDefinition};
use std::path::Path;

/// Job id → JSON [`JobRecord`].
const JOBS: TableDefinition<&str, &[u8]> = TableDefinition::new("jobs");
/// (job id, step) → hash of the state after that step.
const HASHES: TableDefinition<(&str, u32), &[u8]> = TableDefinition::new("step_hashes");
/// (job id, step) → SCALE-encoded state after that step.
const CHECKPOINTS: TableDefinition<(&str, u32), &[u8]> = TableDefinition::new("checkpoints");
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

	/// Hashes of steps `1..=upto`, in order; fails if one is missing.
	pub fn hashes(&self, id: &str, upto: u32) -> StoreResult<Vec<Hash>> {
		let tx = self.db.begin_read().map_err(err)?;
		let table = tx.open_table(HASHES).map_err(err)?;
		let mut out = Vec::with_capacity(upto as usize);
		for entry in table.range((id, 1u32)..=(id, upto)).map_err(err)? {
			let (k, v) = entry.map_err(err)?;
			let expected = out.len() as u32 + 1;
			if k.value().1 != expected {
				return Err(err(format!("missing hash of step {expected} of job {id}")));
			}
			out.push(v.value().try_into().map_err(|_| err("corrupt hash"))?);
		}
		if out.len() != upto as usize {
			return Err(err(format!("job {id} has {} of {upto} step hashes", out.len())));
		}
		Ok(out)
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
}
