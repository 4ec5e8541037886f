//! Training programs: what a task asks a solver to compute, and what the chain charges for.

use crate::fixed::{Fixed, ONE};
use bounded_collections::{BoundedVec, ConstU32};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use core::fmt;
use scale_info::TypeInfo;

/// Most hidden layers a model may have.
pub const MAX_HIDDEN_LAYERS: u32 = 8;
/// Most units in any layer, inputs included.
pub const MAX_UNITS: u32 = 4096;
/// Most classes of a classifier (labels are `u16`).
pub const MAX_CLASSES: u32 = 1024;
/// Largest minibatch.
pub const MAX_BATCH_SIZE: u32 = 1024;
/// Most training steps in one program.
pub const MAX_STEPS: u32 = 10_000_000;
/// Most trainable parameters (weights and biases). With the momentum buffers a state is then at
/// most 2 MiB encoded, small enough to hand to the on-chain referee.
pub const MAX_PARAMETERS: u64 = 262_144;
/// Most work units one step may cost, so that the runtime referee can execute one step of any
/// valid program inside a block.
pub const MAX_STEP_WORK: u64 = 50_000_000;
/// Most input values in one minibatch (`batch_size × inputs`): a minibatch is then at most
/// 1 MiB encoded (plus a label per sample), small enough to hand to the on-chain referee.
pub const MAX_BATCH_VALUES: u64 = 1 << 18;
/// Cost units charged per sample and per unit of every layer on top of the multiply-adds in
/// [`Program::referee_cost`]: bias, rounding, activation and its derivative, and for the output
/// layer the softmax's exponential and logarithm. Calibrated so that no program shape costs
/// more time per unit than wide dense layers (`referee::tests::cost_calibration`).
pub const UNIT_OVERHEAD: u64 = 48;
/// The most [`Program::referee_cost`] a program may have: the on-chain referee must run one step
/// of any valid program within a block. Twice [`MAX_STEP_WORK`], so that it binds only shapes
/// whose per-unit work dwarfs their multiply-adds (hundreds of one-input units, say).
pub const MAX_REFEREE_COST: u64 = 2 * MAX_STEP_WORK;

/// Non-linearity applied after a hidden layer.
#[derive(
	Clone,
	Copy,
	Debug,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Activation {
	/// `max(0, x)`.
	Relu,
	/// `x` for `x > 0`, else `x / 8`.
	LeakyRelu,
	/// `x` clamped to `[-1, 1]`.
	HardTanh,
	/// `x`.
	Identity,
}

/// A hidden layer: a fully connected layer followed by an activation.
#[derive(
	Clone,
	Copy,
	Debug,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct HiddenLayer {
	/// Number of units.
	pub units: u32,
	/// Activation after the affine map.
	pub activation: Activation,
}

/// A multilayer perceptron classifier: `inputs → hidden… → classes` logits, trained with
/// softmax cross-entropy.
#[derive(
	Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct ModelSpec {
	/// Number of input features.
	pub inputs: u32,
	/// Hidden layers, first to last.
	pub hidden: BoundedVec<HiddenLayer, ConstU32<MAX_HIDDEN_LAYERS>>,
	/// Number of classes (size of the output layer).
	pub classes: u32,
}

/// Stochastic gradient descent with momentum: `v ← μ·v + g`, `w ← w − η·v`.
#[derive(
	Clone,
	Copy,
	Debug,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct Sgd {
	/// η, in `(0, 1]`.
	pub learning_rate: Fixed,
	/// μ, in `[0, 1)`.
	pub momentum: Fixed,
}

/// A complete, deterministic training job.
#[derive(
	Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct Program {
	/// The architecture.
	pub model: ModelSpec,
	/// The optimizer.
	pub optimizer: Sgd,
	/// Samples per minibatch; the dataset commitment is over minibatches of this size.
	pub batch_size: u32,
	/// Number of optimizer steps (one minibatch each).
	pub steps: u32,
	/// Seeds the weight initialisation and the per-epoch minibatch order.
	pub seed: u64,
}

/// Why a program is not acceptable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProgramError {
	/// `inputs` is 0 or above [`MAX_UNITS`].
	BadInputs,
	/// A hidden layer has 0 units or more than [`MAX_UNITS`].
	BadLayerWidth,
	/// `classes` is below 2 or above [`MAX_CLASSES`].
	BadClasses,
	/// `batch_size` is 0 or above [`MAX_BATCH_SIZE`].
	BadBatchSize,
	/// `steps` is 0 or above [`MAX_STEPS`].
	BadSteps,
	/// The learning rate is not in `(0, 1]`.
	BadLearningRate,
	/// The momentum is not in `[0, 1)`.
	BadMomentum,
	/// More than [`MAX_PARAMETERS`] parameters.
	TooManyParameters,
	/// One step costs more than [`MAX_STEP_WORK`] work units, or refereeing it more than
	/// [`MAX_REFEREE_COST`].
	StepTooExpensive,
	/// A minibatch has more than [`MAX_BATCH_VALUES`] input values.
	BatchTooLarge,
}

impl fmt::Display for ProgramError {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		let msg = match self {
			Self::BadInputs => "inputs must be between 1 and 4096",
			Self::BadLayerWidth => "every hidden layer must have between 1 and 4096 units",
			Self::BadClasses => "classes must be between 2 and 1024",
			Self::BadBatchSize => "batch_size must be between 1 and 1024",
			Self::BadSteps => "steps must be between 1 and 10000000",
			Self::BadLearningRate => "learning_rate must be in (0, 1]",
			Self::BadMomentum => "momentum must be in [0, 1)",
			Self::TooManyParameters => "the model has more than 262144 parameters",
			Self::StepTooExpensive =>
				"one step costs more than 50000000 work units, or its referee more than 100000000 cost units",
			Self::BatchTooLarge => "batch_size × inputs must be at most 262144",
		};
		f.write_str(msg)
	}
}

/// Shape of one dense layer: `outputs × inputs` weights plus `outputs` biases.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LayerShape {
	/// Inputs of the layer.
	pub inputs: u32,
	/// Outputs of the layer.
	pub outputs: u32,
	/// Activation after the layer; `None` for the output layer (logits).
	pub activation: Option<Activation>,
}

impl LayerShape {
	/// `inputs × outputs + outputs`.
	pub fn parameters(&self) -> u64 {
		u64::from(self.inputs)
			.saturating_mul(u64::from(self.outputs))
			.saturating_add(u64::from(self.outputs))
	}
}

impl ModelSpec {
	/// The dense layers, input to output.
	pub fn layers(&self) -> impl Iterator<Item = LayerShape> + '_ {
		let widths = core::iter::once(self.inputs)
			.chain(self.hidden.iter().map(|h| h.units))
			.chain(core::iter::once(self.classes));
		let activations =
			self.hidden.iter().map(|h| Some(h.activation)).chain(core::iter::once(None));
		widths
			.clone()
			.zip(widths.skip(1))
			.zip(activations)
			.map(|((inputs, outputs), activation)| LayerShape { inputs, outputs, activation })
	}

	/// Trainable parameters (weights and biases). Widths are bounded, so this cannot overflow.
	pub fn parameters(&self) -> u64 {
		self.layers().fold(0u64, |acc, l| acc.saturating_add(l.parameters()))
	}
}

impl Program {
	/// Check every bound. A valid program can be trained and refereed without any overflow.
	pub fn validate(&self) -> Result<(), ProgramError> {
		let m = &self.model;
		if m.inputs == 0 || m.inputs > MAX_UNITS {
			return Err(ProgramError::BadInputs);
		}
		if m.hidden.iter().any(|h| h.units == 0 || h.units > MAX_UNITS) {
			return Err(ProgramError::BadLayerWidth);
		}
		if m.classes < 2 || m.classes > MAX_CLASSES {
			return Err(ProgramError::BadClasses);
		}
		if self.batch_size == 0 || self.batch_size > MAX_BATCH_SIZE {
			return Err(ProgramError::BadBatchSize);
		}
		if self.steps == 0 || self.steps > MAX_STEPS {
			return Err(ProgramError::BadSteps);
		}
		let lr = self.optimizer.learning_rate.0;
		if lr <= 0 || lr > ONE {
			return Err(ProgramError::BadLearningRate);
		}
		let mu = self.optimizer.momentum.0;
		if !(0..ONE).contains(&mu) {
			return Err(ProgramError::BadMomentum);
		}
		if m.parameters() > MAX_PARAMETERS {
			return Err(ProgramError::TooManyParameters);
		}
		if self.work_units_per_step() > MAX_STEP_WORK || self.referee_cost() > MAX_REFEREE_COST {
			return Err(ProgramError::StepTooExpensive);
		}
		if u64::from(self.batch_size).saturating_mul(u64::from(m.inputs)) > MAX_BATCH_VALUES {
			return Err(ProgramError::BatchTooLarge);
		}
		Ok(())
	}

	/// Work units of one step, exactly the multiply-accumulates the engine performs:
	///
	/// - per sample and layer: `inputs × outputs` for the forward pass and as many for the weight
	///   gradient, plus `inputs × outputs` for the input gradient of every layer but the first;
	/// - per parameter: 2 for the optimizer (momentum and learning rate).
	///
	/// Bounded by the program limits, so it cannot overflow (at most ~2^45).
	pub fn work_units_per_step(&self) -> u64 {
		let batch = u64::from(self.batch_size);
		let per_sample: u64 = self
			.model
			.layers()
			.enumerate()
			.map(|(i, l)| {
				let macs = u64::from(l.inputs).saturating_mul(u64::from(l.outputs));
				macs.saturating_mul(if i == 0 { 2 } else { 3 })
			})
			.fold(0u64, |acc, w| acc.saturating_add(w));
		batch
			.saturating_mul(per_sample)
			.saturating_add(self.model.parameters().saturating_mul(2))
	}

	/// What refereeing one step costs, in units of one multiply-add: the step's work units plus
	/// [`UNIT_OVERHEAD`] per sample and unit of every layer. The weight of a fraud proof is linear
	/// in it. Bounded by the program limits, so it cannot overflow.
	pub fn referee_cost(&self) -> u64 {
		let units: u64 = self
			.model
			.layers()
			.fold(0u64, |acc, l| acc.saturating_add(u64::from(l.outputs)));
		let per_unit =
			u64::from(self.batch_size).saturating_mul(units).saturating_mul(UNIT_OVERHEAD);
		self.work_units_per_step().saturating_add(per_unit)
	}

	/// Work units of the whole program: what the chain charges for. `None` only on overflow,
	/// which the limits rule out for valid programs.
	pub fn work_units(&self) -> Option<u64> {
		self.work_units_per_step().checked_mul(u64::from(self.steps))
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	pub(crate) fn digits_program() -> Program {
		Program {
			model: ModelSpec {
				inputs: 64,
				hidden: BoundedVec::truncate_from(vec![HiddenLayer {
					units: 32,
					activation: Activation::Relu,
				}]),
				classes: 10,
			},
			optimizer: Sgd { learning_rate: Fixed(ONE / 16), momentum: Fixed(ONE * 9 / 10) },
			batch_size: 32,
			steps: 100,
			seed: 7,
		}
	}

	#[test]
	fn work_units_are_counted_by_hand() {
		let p = digits_program();
		assert_eq!(p.validate(), Ok(()));
		// layers 64→32 (first: 2 passes), 32→10 (3 passes); params 64·32+32 + 32·10+10 = 2410
		let per_sample = 2 * 64 * 32 + 3 * 32 * 10;
		assert_eq!(p.model.parameters(), 2410);
		assert_eq!(p.work_units_per_step(), 32 * per_sample + 2 * 2410);
		assert_eq!(p.work_units(), Some(100 * (32 * per_sample + 2 * 2410)));
	}

	#[test]
	fn every_bound_is_checked() {
		let ok = digits_program();
		let check = |f: &dyn Fn(&mut Program), e| {
			let mut p = ok.clone();
			f(&mut p);
			assert_eq!(p.validate(), Err(e));
		};
		check(&|p| p.model.inputs = 0, ProgramError::BadInputs);
		check(&|p| p.model.inputs = MAX_UNITS + 1, ProgramError::BadInputs);
		check(&|p| p.model.hidden[0].units = 0, ProgramError::BadLayerWidth);
		check(&|p| p.model.classes = 1, ProgramError::BadClasses);
		check(&|p| p.model.classes = MAX_CLASSES + 1, ProgramError::BadClasses);
		check(&|p| p.batch_size = 0, ProgramError::BadBatchSize);
		check(&|p| p.batch_size = MAX_BATCH_SIZE + 1, ProgramError::BadBatchSize);
		check(&|p| p.steps = 0, ProgramError::BadSteps);
		check(&|p| p.steps = MAX_STEPS + 1, ProgramError::BadSteps);
		check(&|p| p.optimizer.learning_rate = Fixed(0), ProgramError::BadLearningRate);
		check(&|p| p.optimizer.learning_rate = Fixed(ONE + 1), ProgramError::BadLearningRate);
		check(&|p| p.optimizer.momentum = Fixed(ONE), ProgramError::BadMomentum);
		check(&|p| p.optimizer.momentum = Fixed(-1), ProgramError::BadMomentum);
		check(
			&|p| {
				p.model.inputs = 4096;
				p.model.hidden[0].units = 4096;
			},
			ProgramError::TooManyParameters,
		);
		check(
			&|p| {
				p.model.inputs = 1024;
				p.model.hidden[0].units = 200;
				p.batch_size = 1024;
			},
			ProgramError::StepTooExpensive,
		);
		check(
			&|p| {
				p.model.inputs = 1024;
				p.model.hidden[0].units = 16;
				p.batch_size = 257;
			},
			ProgramError::BatchTooLarge,
		);
		let mut widest = ok.clone();
		widest.model.inputs = 1024;
		widest.model.hidden[0].units = 16;
		widest.batch_size = 256;
		assert_eq!(widest.validate(), Ok(()), "exactly MAX_BATCH_VALUES input values");
	}
}
