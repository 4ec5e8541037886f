//! JSON types of the HTTP API and the job store.

use aichain_engine::{Hash, Program};
use serde::{de::Error as _, Deserialize, Deserializer, Serialize, Serializer};

/// A 32-byte hash written as `0x`-prefixed lowercase hex.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HexHash(pub Hash);

impl Serialize for HexHash {
	fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
		s.serialize_str(&format!("0x{}", hex::encode(self.0)))
	}
}

impl<'de> Deserialize<'de> for HexHash {
	fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
		let s = String::deserialize(d)?;
		parse_hash(&s).map(HexHash).map_err(D::Error::custom)
	}
}

/// Parse `0x` + 64 hex digits.
pub fn parse_hash(s: &str) -> Result<Hash, String> {
	let digits = s.strip_prefix("0x").unwrap_or(s);
	let mut out = [0u8; 32];
	hex::decode_to_slice(digits, &mut out)
		.map_err(|_| format!("expected 0x followed by 64 hex digits, got {s:?}"))?;
	Ok(out)
}

/// Bytes written as `0x`-prefixed hex (encoded states).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HexBytes(pub Vec<u8>);

impl Serialize for HexBytes {
	fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
		s.serialize_str(&format!("0x{}", hex::encode(&self.0)))
	}
}

impl<'de> Deserialize<'de> for HexBytes {
	fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
		let s = String::deserialize(d)?;
		let digits = s.strip_prefix("0x").unwrap_or(&s);
		hex::decode(digits)
			.map(HexBytes)
			.map_err(|_| D::Error::custom("expected 0x-prefixed hex"))
	}
}

/// Where a dataset comes from, and the commitment it must match.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetRef {
	/// Merkle root of the minibatch hashes for the program's batch size.
	pub root: HexHash,
	/// `http://` or `https://` address of the dataset file.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub url: Option<String>,
	/// File name inside the solver's `--dataset-dir`.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub path: Option<String>,
	/// Number of minibatches at the program's batch size (the commitment's leaves), when the
	/// job names it (the chain does): a dataset with another count is refused like a wrong root.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub batches: Option<u32>,
}

/// `POST /jobs` body.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmitJob {
	/// Client-chosen id (`[A-Za-z0-9_.-]{1,64}`), making submission idempotent; generated if absent.
	#[serde(default)]
	pub id: Option<String>,
	/// The training program.
	pub program: Program,
	/// The dataset.
	pub dataset: DatasetRef,
}

/// Life cycle of a job.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
	/// Waiting for a worker.
	Queued,
	/// Being trained.
	Running,
	/// Finished; the result is available.
	Completed,
	/// Stopped with an error.
	Failed,
}

/// What a completed job produced.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobResult {
	/// blake2-256 of the trained weights and biases.
	pub model_hash: HexHash,
	/// Merkle root over the state hashes after every step.
	pub trace_root: HexHash,
	/// Hash of the final state (the last trace leaf).
	pub final_state_hash: HexHash,
	/// Number of steps (trace leaves).
	pub steps: u32,
}

/// A job as stored.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct JobRecord {
	/// Job id.
	pub id: String,
	/// The program.
	pub program: Program,
	/// The dataset reference.
	pub dataset: DatasetRef,
	/// Work units of the program (what the chain charges for).
	pub work_units: u64,
	/// Life-cycle state.
	pub state: JobState,
	/// Steps durably done (the latest checkpoint).
	pub checkpoint_step: u32,
	/// Why the job failed.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub error: Option<String>,
	/// The result, once completed.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub result: Option<JobResult>,
	/// Unix seconds.
	pub submitted_at: u64,
	/// Unix seconds of the latest start or resumption.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub started_at: Option<u64>,
	/// Unix seconds.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub finished_at: Option<u64>,
	/// Times the job was resumed from a checkpoint after a restart.
	pub resumed: u32,
}

/// `GET /jobs/{id}` answer.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct JobStatus {
	/// Job id.
	pub id: String,
	/// Life-cycle state.
	pub state: JobState,
	/// Steps done.
	pub step: u32,
	/// Steps in total.
	pub steps: u32,
	/// Percent done, `0.0..=100.0`.
	pub progress: f64,
	/// Mean loss of the latest minibatch, as a decimal.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub loss: Option<String>,
	/// Training speed over the latest interval.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub samples_per_second: Option<f64>,
	/// Work units of the program.
	pub work_units: u64,
	/// Steps durably checkpointed.
	pub checkpoint_step: u32,
	/// Times resumed after a restart.
	pub resumed: u32,
	/// Why the job failed.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub error: Option<String>,
	/// The result, once completed.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub result: Option<JobResult>,
	/// Dataset reference.
	pub dataset: DatasetRef,
}

/// `POST /execute` body: re-execute steps `from_step + 1 ..= to_step`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExecuteSegment {
	/// The program.
	pub program: Program,
	/// The dataset.
	pub dataset: DatasetRef,
	/// Steps already applied to `state`.
	pub from_step: u32,
	/// Last step to execute.
	pub to_step: u32,
	/// SCALE-encoded state after `from_step`; omit for `from_step = 0` (the initial state).
	#[serde(default)]
	pub state: Option<HexBytes>,
	/// Also answer what a fraud proof of the last step needs: the state before it and its
	/// minibatch with the dataset proof (a verifier that found `to_step` wrong).
	#[serde(default)]
	pub evidence: bool,
}

/// What a fraud proof of a segment's last step needs from the verifier's own service.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StepEvidence {
	/// SCALE-encoded state after `to_step − 1`.
	pub prior_state: HexBytes,
	/// SCALE-encoded minibatch of `to_step`.
	pub minibatch: HexBytes,
	/// Its index in the dataset.
	pub index: u32,
	/// Merkle siblings of the minibatch against the dataset root, leaf level first.
	pub proof: Vec<HexHash>,
}

/// `POST /execute` answer.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SegmentResult {
	/// First state of the segment (after `from_step`).
	pub from_step: u32,
	/// Last step executed.
	pub to_step: u32,
	/// Hash of the state after `from_step` (what the segment started from).
	pub start_hash: HexHash,
	/// Hash of the state after `to_step`.
	pub hash: HexHash,
	/// The model hash of the state after `to_step` (what a result posts when `to_step` is the
	/// last step).
	pub model_hash: HexHash,
	/// Hashes after each step `from_step + 1 ..= to_step`.
	pub step_hashes: Vec<HexHash>,
	/// With `evidence`: the state before `to_step`, its minibatch and proof.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub evidence: Option<StepEvidence>,
}

/// `GET /jobs/{id}/steps/{step}` answer.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StepProof {
	/// The step (1-based).
	pub step: u32,
	/// Hash of the state after `step`.
	pub hash: HexHash,
	/// Merkle siblings from the leaf up ([`aichain_engine::trace::verify_step`]).
	pub proof: Vec<HexHash>,
	/// Number of leaves (steps).
	pub leaves: u32,
	/// The trace root the proof leads to.
	pub trace_root: HexHash,
}

/// `GET /jobs/{id}/steps/{step}/state` answer.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StateAt {
	/// The step.
	pub step: u32,
	/// Hash of the state.
	pub hash: HexHash,
	/// SCALE-encoded [`aichain_engine::State`].
	pub state: HexBytes,
}

/// `GET /jobs/{id}/steps/{step}/minibatch` answer: the minibatch step `step` trains on, and
/// its inclusion proof against the dataset's commitment (the root the job names, over the
/// dataset cut at the program's batch size).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MinibatchProof {
	/// The step (1-based).
	pub step: u32,
	/// Index of the minibatch in the dataset (the engine's per-epoch order picks it).
	pub index: u32,
	/// SCALE-encoded [`aichain_engine::Minibatch`].
	pub minibatch: HexBytes,
	/// Its hash: leaf `index` of the commitment.
	pub hash: HexHash,
	/// Merkle siblings from the leaf up ([`aichain_engine::trace::verify_proof`]).
	pub proof: Vec<HexHash>,
	/// Number of leaves (minibatches).
	pub leaves: u32,
	/// The dataset root the proof leads to.
	pub dataset_root: HexHash,
}

/// Error answer of every endpoint.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ErrorBody {
	/// What went wrong, for humans.
	pub error: String,
	/// Why a job cannot be served, for machines: `dataset_unreachable`, `root_mismatch`,
	/// `dataset_invalid` or `program_unsupported` (a node's offchain worker declines the task
	/// on-chain with this reason). Absent for other errors.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub code: Option<String>,
}
