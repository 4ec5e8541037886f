//! Model state: weights, biases and momentum buffers, their seeded initialisation and hashes.

use crate::{
	fixed::{isqrt, FRAC_BITS},
	program::{Activation, Program},
	rng::{SplitMix64, DOMAIN_INIT},
	trace::{self, Hash},
};
use alloc::{vec, vec::Vec};
use codec::{Decode, DecodeWithMemTracking, Encode};
use scale_info::TypeInfo;

/// Parameters and optimizer state of one dense layer (all Q15.16).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct LayerState {
	/// `outputs × inputs` weights, output-major (row `o` holds the weights into unit `o`).
	pub weights: Vec<i32>,
	/// `outputs` biases.
	pub biases: Vec<i32>,
	/// Momentum buffer of the weights.
	pub weight_velocity: Vec<i32>,
	/// Momentum buffer of the biases.
	pub bias_velocity: Vec<i32>,
}

/// The full training state after `step` steps. Its hash is a trace leaf.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct State {
	/// Steps applied so far (0 for the initial state).
	pub step: u32,
	/// Dense layers, input to output.
	pub layers: Vec<LayerState>,
}

impl State {
	/// The initial state of `program`: weights uniform in `[-a, a]` with `a = sqrt(6 / fan_in)`
	/// before ReLU-like activations (He) and `a = sqrt(6 / (fan_in + fan_out))` otherwise
	/// (Glorot), drawn layer by layer, row-major, from the program seed; biases and momentum 0.
	pub fn initial(program: &Program) -> Self {
		let mut rng = SplitMix64::new(program.seed, DOMAIN_INIT);
		let layers = program
			.model
			.layers()
			.map(|shape| {
				let fan_in = u64::from(shape.inputs);
				let fan = match shape.activation {
					Some(Activation::Relu | Activation::LeakyRelu) => fan_in,
					_ => fan_in.saturating_add(u64::from(shape.outputs)),
				};
				// a × 2^16 = sqrt(6 × 2^32 / fan); fan >= 1.
				let a = isqrt((6u64 << (2 * FRAC_BITS)).checked_div(fan).unwrap_or(0)) as u32;
				let count = (shape.inputs as usize).saturating_mul(shape.outputs as usize);
				let weights = (0..count)
					.map(|_| {
						(rng.below(a.saturating_mul(2).saturating_add(1)) as i32)
							.wrapping_sub(a as i32)
					})
					.collect::<Vec<_>>();
				let outputs = shape.outputs as usize;
				LayerState {
					weights,
					biases: vec![0; outputs],
					weight_velocity: vec![0; count],
					bias_velocity: vec![0; outputs],
				}
			})
			.collect();
		Self { step: 0, layers }
	}

	/// Whether the layer sizes are those of `program` (a decoded state is untrusted).
	pub fn matches(&self, program: &Program) -> bool {
		self.layers.len() == program.model.layers().count()
			&& self.layers.iter().zip(program.model.layers()).all(|(l, shape)| {
				let w = (shape.inputs as usize).saturating_mul(shape.outputs as usize);
				let b = shape.outputs as usize;
				l.weights.len() == w
					&& l.weight_velocity.len() == w
					&& l.biases.len() == b
					&& l.bias_velocity.len() == b
			})
	}

	/// Whether every stored value is within ±[`crate::fixed::LIMIT`] (a decoded state is untrusted).
	pub fn values_in_range(&self) -> bool {
		self.layers.iter().all(|l| {
			[&l.weights, &l.biases, &l.weight_velocity, &l.bias_velocity]
				.into_iter()
				.all(|v| v.iter().all(|&x| crate::fixed::in_range(x)))
		})
	}

	/// The trace leaf: blake2-256 of the SCALE encoding of the whole state.
	pub fn hash(&self) -> Hash {
		trace::hash_encoded(self)
	}

	/// Hash of the trained model alone: blake2-256 of the SCALE encoding of
	/// `Vec<(weights, biases)>`, without step counter or momentum.
	pub fn model_hash(&self) -> Hash {
		let model: Vec<(&Vec<i32>, &Vec<i32>)> =
			self.layers.iter().map(|l| (&l.weights, &l.biases)).collect();
		trace::hash_encoded(&model)
	}
}
