//! Datasets and their commitment: fixed-point features and labels, cut into minibatches of the
//! program's batch size, committed by the Merkle root of the minibatch hashes.
//!
//! A dataset file is `b"AIDS"`, a format version byte, then the SCALE encoding of [`Dataset`].
//! Samples that do not fill a last minibatch are not used for training.

use crate::{
	program::{Program, MAX_BATCH_SIZE, MAX_CLASSES, MAX_UNITS},
	rng::{SplitMix64, DOMAIN_EPOCH},
	trace::{self, Hash},
};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode};
use core::fmt;
use scale_info::TypeInfo;

/// First bytes of a dataset file.
pub const MAGIC: &[u8; 4] = b"AIDS";
/// The dataset file format this engine reads and writes.
pub const FORMAT_VERSION: u8 = 1;
/// Most samples in a dataset.
pub const MAX_SAMPLES: u32 = 1 << 24;
/// Most minibatches the dataset of an on-chain task may have. The referee derives a step's
/// minibatch from the epoch's order, one `u32` per minibatch: 4 MiB at this bound, within the
/// runtime's limit for one allocation (2^24 minibatches would take 64 MiB).
pub const MAX_TASK_BATCHES: u32 = 1 << 20;

/// A labelled dataset in fixed point (Q15.16 features, class-index labels).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct Dataset {
	/// Features per sample.
	pub features: u32,
	/// Number of classes; every label is below it.
	pub classes: u32,
	/// `samples × features` values, sample-major.
	pub inputs: Vec<i32>,
	/// One label per sample.
	pub labels: Vec<u16>,
}

/// One minibatch: what step `i + 1` trains on, and what the referee is handed with its proof.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct Minibatch {
	/// `batch_size × features` values, sample-major.
	pub inputs: Vec<i32>,
	/// `batch_size` labels.
	pub labels: Vec<u16>,
}

/// The commitment a task names: root over the hashes of the minibatches, and their number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct DatasetCommitment {
	/// Merkle root of the minibatch hashes, in order.
	pub root: Hash,
	/// Number of minibatches (leaves).
	pub batches: u32,
}

/// Why a dataset cannot be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DatasetError {
	/// The file does not start with [`MAGIC`] and [`FORMAT_VERSION`].
	NotADataset,
	/// The SCALE body does not decode, or bytes follow it.
	Malformed,
	/// `features` is 0 or above the engine's width limit, or `classes` outside `2..=1024`.
	BadShape,
	/// `inputs` is not `labels × features` long, or there are too many samples.
	LengthMismatch,
	/// A label is not below `classes`.
	LabelOutOfRange,
	/// A feature is beyond ±128.0 ([`crate::fixed::LIMIT`]); scale the data down.
	ValueOutOfRange,
	/// Fewer samples than one minibatch.
	TooSmall,
	/// The program's inputs or classes differ from the dataset's.
	ProgramMismatch,
}

impl fmt::Display for DatasetError {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		f.write_str(match self {
			Self::NotADataset => "not an aichain dataset file (bad magic or version)",
			Self::Malformed => "the dataset file is truncated or malformed",
			Self::BadShape => "features must be 1..=4096 and classes 2..=1024",
			Self::LengthMismatch => "inputs must hold exactly samples × features values",
			Self::LabelOutOfRange => "a label is not below the number of classes",
			Self::ValueOutOfRange => "a feature is beyond ±128; scale the data down",
			Self::TooSmall => "the dataset has fewer samples than one minibatch",
			Self::ProgramMismatch => "the program's inputs or classes do not match the dataset",
		})
	}
}

impl Dataset {
	/// Number of samples.
	pub fn samples(&self) -> u32 {
		self.labels.len() as u32
	}

	/// Check shapes and labels.
	pub fn validate(&self) -> Result<(), DatasetError> {
		if self.features == 0 || self.features > MAX_UNITS {
			return Err(DatasetError::BadShape);
		}
		if self.classes < 2 || self.classes > MAX_CLASSES {
			return Err(DatasetError::BadShape);
		}
		if self.labels.len() > MAX_SAMPLES as usize
			|| Some(self.inputs.len()) != self.labels.len().checked_mul(self.features as usize)
		{
			return Err(DatasetError::LengthMismatch);
		}
		if self.labels.iter().any(|&l| u32::from(l) >= self.classes) {
			return Err(DatasetError::LabelOutOfRange);
		}
		if !self.inputs.iter().all(|&x| crate::fixed::in_range(x)) {
			return Err(DatasetError::ValueOutOfRange);
		}
		Ok(())
	}

	/// Check that `program` can train on this dataset.
	pub fn check_program(&self, program: &Program) -> Result<(), DatasetError> {
		if program.model.inputs != self.features || program.model.classes != self.classes {
			return Err(DatasetError::ProgramMismatch);
		}
		if self.samples() < program.batch_size {
			return Err(DatasetError::TooSmall);
		}
		Ok(())
	}

	/// The file bytes: magic, version, SCALE body.
	pub fn to_bytes(&self) -> Vec<u8> {
		let mut out = Vec::with_capacity(self.encoded_size().saturating_add(5));
		out.extend_from_slice(MAGIC);
		out.push(FORMAT_VERSION);
		self.encode_to(&mut out);
		out
	}

	/// Parse and validate a dataset file.
	pub fn from_bytes(bytes: &[u8]) -> Result<Self, DatasetError> {
		let body = bytes
			.strip_prefix(MAGIC.as_slice())
			.and_then(|rest| rest.strip_prefix(&[FORMAT_VERSION]))
			.ok_or(DatasetError::NotADataset)?;
		let mut input = body;
		let dataset = Self::decode(&mut input).map_err(|_| DatasetError::Malformed)?;
		if !input.is_empty() {
			return Err(DatasetError::Malformed);
		}
		dataset.validate()?;
		Ok(dataset)
	}

	/// Number of full minibatches of `batch_size` samples (0 for a zero batch size).
	pub fn batches(&self, batch_size: u32) -> u32 {
		self.samples().checked_div(batch_size).unwrap_or(0)
	}

	/// Minibatch `index` of size `batch_size`, if it exists.
	pub fn minibatch(&self, batch_size: u32, index: u32) -> Option<Minibatch> {
		if index >= self.batches(batch_size) || batch_size > MAX_BATCH_SIZE {
			return None;
		}
		let start = (index as usize).checked_mul(batch_size as usize)?;
		let end = start.checked_add(batch_size as usize)?;
		let f = self.features as usize;
		Some(Minibatch {
			inputs: self.inputs.get(start.checked_mul(f)?..end.checked_mul(f)?)?.to_vec(),
			labels: self.labels.get(start..end)?.to_vec(),
		})
	}

	/// Hashes of all minibatches of `batch_size`, in order: the leaves of the commitment.
	pub fn minibatch_hashes(&self, batch_size: u32) -> Vec<Hash> {
		(0..self.batches(batch_size))
			.filter_map(|i| self.minibatch(batch_size, i))
			.map(|b| b.hash())
			.collect()
	}

	/// The commitment of this dataset cut into minibatches of `batch_size`.
	pub fn commitment(&self, batch_size: u32) -> DatasetCommitment {
		let leaves = self.minibatch_hashes(batch_size);
		DatasetCommitment { root: trace::merkle_root(&leaves), batches: leaves.len() as u32 }
	}
}

impl Minibatch {
	/// Leaf of the dataset commitment: blake2-256 of the SCALE encoding.
	pub fn hash(&self) -> Hash {
		trace::hash_encoded(self)
	}
}

/// Index of the minibatch that step `step` (1-based) trains on.
///
/// Epoch `e` covers steps `e·n + 1 ..= (e + 1)·n` and visits all `n` minibatches in an order
/// shuffled by Fisher–Yates with the program seed. Returns `None` for step 0 or no minibatches.
pub fn batch_for_step(seed: u64, batches: u32, step: u32) -> Option<u32> {
	let position = step.checked_sub(1)?;
	let epoch = position.checked_div(batches)?;
	let order = epoch_order(seed, batches, epoch);
	order.get(position.checked_rem(batches)? as usize).copied()
}

/// The order in which epoch `epoch` visits the `batches` minibatches.
pub fn epoch_order(seed: u64, batches: u32, epoch: u32) -> Vec<u32> {
	let mut order: Vec<u32> = (0..batches).collect();
	let mut rng = SplitMix64::new(seed, DOMAIN_EPOCH.wrapping_add(u64::from(epoch)));
	for i in (1..batches).rev() {
		let j = rng.below(i.saturating_add(1));
		order.swap(i as usize, j as usize);
	}
	order
}

#[cfg(test)]
mod tests {
	use super::*;

	fn tiny() -> Dataset {
		Dataset {
			features: 2,
			classes: 3,
			inputs: (0..20).collect(),
			labels: vec![0, 1, 2, 0, 1, 2, 0, 1, 2, 0],
		}
	}

	#[test]
	fn file_round_trip_and_rejections() {
		let d = tiny();
		let bytes = d.to_bytes();
		assert_eq!(Dataset::from_bytes(&bytes), Ok(d.clone()));
		assert_eq!(Dataset::from_bytes(b"nope"), Err(DatasetError::NotADataset));
		assert_eq!(Dataset::from_bytes(&bytes[..bytes.len() - 1]), Err(DatasetError::Malformed));
		let mut extra = bytes.clone();
		extra.push(0);
		assert_eq!(Dataset::from_bytes(&extra), Err(DatasetError::Malformed));
		let mut bad = d.clone();
		bad.labels[3] = 3;
		assert_eq!(Dataset::from_bytes(&bad.to_bytes()), Err(DatasetError::LabelOutOfRange));
		let mut bad = d.clone();
		bad.inputs[0] = -crate::fixed::LIMIT - 1;
		assert_eq!(bad.validate(), Err(DatasetError::ValueOutOfRange));
		let mut bad = d.clone();
		bad.inputs.pop();
		assert_eq!(bad.validate(), Err(DatasetError::LengthMismatch));
		let mut bad = d;
		bad.classes = 1;
		assert_eq!(bad.validate(), Err(DatasetError::BadShape));
	}

	#[test]
	fn minibatches_drop_the_partial_tail() {
		let d = tiny();
		assert_eq!(d.batches(4), 2);
		let b = d.minibatch(4, 1).unwrap();
		assert_eq!(b.labels, vec![1, 2, 0, 1]);
		assert_eq!(b.inputs, (8..16).collect::<Vec<_>>());
		assert_eq!(d.minibatch(4, 2), None);
		let c = d.commitment(4);
		assert_eq!(c.batches, 2);
		assert_ne!(c.root, d.commitment(5).root);
		assert!(trace::verify_proof(
			&c.root,
			c.batches,
			1,
			b.hash(),
			&trace::merkle_proof(&d.minibatch_hashes(4), 1).unwrap()
		));
	}

	#[test]
	fn every_epoch_visits_every_batch_once() {
		for epoch in 0..5 {
			let mut order = epoch_order(42, 17, epoch);
			order.sort();
			assert_eq!(order, (0..17).collect::<Vec<_>>());
		}
		assert_ne!(epoch_order(42, 17, 0), epoch_order(42, 17, 1));
		assert_ne!(epoch_order(42, 17, 0), epoch_order(43, 17, 0));
		assert_eq!(batch_for_step(42, 17, 0), None);
		assert_eq!(batch_for_step(42, 0, 1), None);
		assert_eq!(batch_for_step(42, 17, 18), Some(epoch_order(42, 17, 1)[0]));
	}
}

impl Dataset {
	/// Shuffle the samples with `seed` and split them: `(train, test)` with `test_percent` of the
	/// samples (rounded down) in `test`.
	pub fn split(&self, seed: u64, test_percent: u8) -> (Dataset, Dataset) {
		let n = self.samples();
		let mut order: Vec<u32> = (0..n).collect();
		let mut rng = SplitMix64::new(seed, crate::rng::DOMAIN_SPLIT);
		for i in (1..n).rev() {
			let j = rng.below(i.saturating_add(1));
			order.swap(i as usize, j as usize);
		}
		let test_len =
			(u64::from(n).saturating_mul(u64::from(test_percent.min(100))) / 100) as usize;
		let (test, train) = order.split_at(test_len.min(order.len()));
		(self.select(train), self.select(test))
	}

	fn select(&self, indices: &[u32]) -> Dataset {
		let f = self.features as usize;
		let mut out = Dataset {
			features: self.features,
			classes: self.classes,
			inputs: Vec::with_capacity(indices.len().saturating_mul(f)),
			labels: Vec::with_capacity(indices.len()),
		};
		for &i in indices {
			let start = (i as usize).saturating_mul(f);
			if let (Some(x), Some(&y)) =
				(self.inputs.get(start..start.saturating_add(f)), self.labels.get(i as usize))
			{
				out.inputs.extend_from_slice(x);
				out.labels.push(y);
			}
		}
		out
	}
}

/// Import of comma-separated text: one sample per line, decimal features, an integer label.
#[cfg(feature = "std")]
pub mod csv {
	use super::Dataset;
	use crate::fixed::{round_div, Fixed};

	/// Where the label is on each line.
	#[derive(Clone, Copy, Debug, PartialEq, Eq)]
	pub enum LabelColumn {
		/// The first value.
		First,
		/// The last value.
		Last,
	}

	/// Parse `text` into a dataset. Each feature is read exactly as a decimal and divided by
	/// `divide_by` (e.g. 16 maps pixel values 0..=16 to 0..=1). Empty lines are skipped;
	/// `classes` is the largest label plus one.
	pub fn parse(text: &str, label: LabelColumn, divide_by: u32) -> Result<Dataset, String> {
		if divide_by == 0 {
			return Err("divide_by must be at least 1".into());
		}
		let mut features = None;
		let mut dataset =
			Dataset { features: 0, classes: 0, inputs: Vec::new(), labels: Vec::new() };
		for (number, line) in text.lines().enumerate().map(|(i, l)| (i.saturating_add(1), l.trim()))
		{
			if line.is_empty() {
				continue;
			}
			let mut values: Vec<&str> = line.split(',').map(str::trim).collect();
			let raw_label = match label {
				LabelColumn::First if !values.is_empty() => values.remove(0),
				LabelColumn::Last => values.pop().unwrap_or(""),
				LabelColumn::First => "",
			};
			let class: u16 = raw_label
				.parse()
				.map_err(|_| format!("line {number}: label {raw_label:?} is not a class index"))?;
			match features {
				None => features = Some(values.len()),
				Some(n) if n != values.len() => {
					return Err(format!("line {number}: {} features, expected {n}", values.len()))
				},
				Some(_) => {},
			}
			for v in values {
				let x: Fixed =
					v.parse().map_err(|e| format!("line {number}: feature {v:?}: {e}"))?;
				let scaled = round_div(i64::from(x.0), i64::from(divide_by));
				dataset
					.inputs
					.push(i32::try_from(scaled).map_err(|_| format!("line {number}: overflow"))?);
			}
			dataset.classes = dataset.classes.max(u32::from(class).saturating_add(1));
			dataset.labels.push(class);
		}
		dataset.features = features.unwrap_or(0) as u32;
		dataset.classes = dataset.classes.max(2);
		dataset.validate().map_err(|e| e.to_string())?;
		Ok(dataset)
	}

	#[cfg(test)]
	mod tests {
		use super::*;

		#[test]
		fn parses_and_scales() {
			let d = parse("0,16,3\n\n8,4,1\n", LabelColumn::Last, 16).unwrap();
			assert_eq!(d.features, 2);
			assert_eq!(d.classes, 4);
			assert_eq!(d.labels, vec![3, 1]);
			assert_eq!(d.inputs, vec![0, 65536, 32768, 16384]);
			let d = parse("3,0.5,1", LabelColumn::First, 1).unwrap();
			assert_eq!((d.labels[0], d.inputs.clone()), (3, vec![32768, 65536]));
			assert!(parse("1,2,x", LabelColumn::Last, 1).unwrap_err().contains("line 1"));
			assert!(parse("1,2,1\n1,1", LabelColumn::Last, 1).unwrap_err().contains("line 2"));
			assert!(parse("a,2,1", LabelColumn::Last, 1).unwrap_err().contains("feature"));
			assert!(parse("", LabelColumn::Last, 1).is_err());
		}

		#[test]
		fn split_is_a_seeded_partition() {
			let d = parse(
				&(0..10).map(|i| format!("{i},{}\n", i % 2)).collect::<String>(),
				LabelColumn::Last,
				1,
			)
			.unwrap();
			let (train, test) = d.split(5, 30);
			assert_eq!((train.samples(), test.samples()), (7, 3));
			let mut all: Vec<i32> = train.inputs.iter().chain(&test.inputs).copied().collect();
			all.sort();
			assert_eq!(all, (0..10).map(|i| i * 65536).collect::<Vec<_>>());
			assert_eq!(d.split(5, 30), (train, test));
			assert_ne!(d.split(6, 30).1, d.split(5, 30).1);
		}
	}
}
