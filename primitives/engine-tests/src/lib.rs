//! Evidence for the training engine (tests and benchmarks live beside this file):
//!
//! - [`F32Mlp`]: a plain `f32` implementation of the same MLP, SGD and minibatch order, the
//!   yardstick for accuracy parity and training throughput;
//! - [`digits`]: the UCI handwritten digits (as shipped inside scikit-learn), converted by
//!   `scripts/fetch-digits.sh` and split into train and test sets with a fixed seed;
//! - [`digits_program`]: the digits job used by the tests, the benchmark and the README.

use aichain_engine::{
	dataset::{csv, epoch_order, Dataset},
	fixed::ONE,
	program::{Activation, HiddenLayer, ModelSpec, Program, Sgd},
	Fixed, State,
};
use std::path::PathBuf;

/// Where `scripts/fetch-digits.sh` puts the digits CSV (`AICHAIN_DIGITS_CSV` overrides).
pub fn digits_csv_path() -> PathBuf {
	if let Some(p) = std::env::var_os("AICHAIN_DIGITS_CSV") {
		return p.into();
	}
	let home = std::env::var_os("HOME").unwrap_or_default();
	PathBuf::from(home).join(".cache/aichain/datasets/digits.csv")
}

/// Seed of the train/test split (the same as `scripts/fetch-digits.sh` uses for the solver).
pub const DIGITS_SPLIT_SEED: u64 = 2026;
/// Percentage of samples held out for testing.
pub const DIGITS_TEST_PERCENT: u8 = 20;

/// The digits dataset as `(train, test)`: 8×8 images with values 0..=16 scaled to [0, 1].
///
/// Panics with instructions if the CSV has not been fetched.
pub fn digits() -> (Dataset, Dataset) {
	let path = digits_csv_path();
	let text = std::fs::read_to_string(&path)
		.unwrap_or_else(|e| panic!("{}: {e}; run scripts/fetch-digits.sh first", path.display()));
	let all = csv::parse(&text, csv::LabelColumn::Last, 16).expect("digits.csv parses");
	all.split(DIGITS_SPLIT_SEED, DIGITS_TEST_PERCENT)
}

/// The digits job: 64 → 64 ReLU → 10, SGD η = 0.1, μ = 0.9, batches of 32.
pub fn digits_program(steps: u32) -> Program {
	Program {
		model: ModelSpec {
			inputs: 64,
			hidden: vec![HiddenLayer { units: 64, activation: Activation::Relu }]
				.try_into()
				.expect("one layer fits"),
			classes: 10,
		},
		optimizer: Sgd {
			learning_rate: "0.1".parse().expect("decimal"),
			momentum: "0.9".parse().expect("decimal"),
		},
		batch_size: 32,
		steps,
		seed: 42,
	}
}

fn to_f32(x: i32) -> f32 {
	x as f32 / ONE as f32
}

fn fixed_to_f32(x: Fixed) -> f32 {
	to_f32(x.0)
}

struct F32Layer {
	inputs: usize,
	outputs: usize,
	activation: Option<Activation>,
	weights: Vec<f32>,
	biases: Vec<f32>,
	weight_velocity: Vec<f32>,
	bias_velocity: Vec<f32>,
}

/// The same MLP in plain `f32`: same architecture, initial weights (converted from the engine's
/// initial state), minibatch order, loss and optimizer; straightforward loops, one thread.
pub struct F32Mlp {
	layers: Vec<F32Layer>,
	learning_rate: f32,
	momentum: f32,
}

impl F32Mlp {
	/// Start from the engine's initial state of `program`.
	pub fn new(program: &Program) -> Self {
		let state = State::initial(program);
		let layers = program
			.model
			.layers()
			.zip(&state.layers)
			.map(|(shape, l)| F32Layer {
				inputs: shape.inputs as usize,
				outputs: shape.outputs as usize,
				activation: shape.activation,
				weights: l.weights.iter().map(|&w| to_f32(w)).collect(),
				biases: l.biases.iter().map(|&b| to_f32(b)).collect(),
				weight_velocity: vec![0.0; l.weights.len()],
				bias_velocity: vec![0.0; l.biases.len()],
			})
			.collect();
		Self {
			layers,
			learning_rate: fixed_to_f32(program.optimizer.learning_rate),
			momentum: fixed_to_f32(program.optimizer.momentum),
		}
	}

	/// Activations of every layer for one sample; the last entry holds the logits.
	fn forward(&self, x: &[f32], pre: &mut Vec<Vec<f32>>) -> Vec<Vec<f32>> {
		let mut acts = vec![x.to_vec()];
		pre.clear();
		for layer in &self.layers {
			let input = acts.last().unwrap();
			let mut z = vec![0.0; layer.outputs];
			let mut a = vec![0.0; layer.outputs];
			for o in 0..layer.outputs {
				let mut sum = layer.biases[o];
				for i in 0..layer.inputs {
					sum += layer.weights[o * layer.inputs + i] * input[i];
				}
				z[o] = sum;
				a[o] = match layer.activation {
					None | Some(Activation::Identity) => sum,
					Some(Activation::Relu) => sum.max(0.0),
					Some(Activation::LeakyRelu) => {
						if sum > 0.0 {
							sum
						} else {
							sum / 8.0
						}
					},
					Some(Activation::HardTanh) => sum.clamp(-1.0, 1.0),
				};
			}
			pre.push(z);
			acts.push(a);
		}
		acts
	}

	/// One SGD step on a minibatch (`labels.len()` samples); returns the mean loss.
	pub fn step(&mut self, inputs: &[f32], labels: &[u16]) -> f32 {
		let n = labels.len();
		let features = inputs.len() / n;
		let mut gw: Vec<Vec<f32>> =
			self.layers.iter().map(|l| vec![0.0; l.weights.len()]).collect();
		let mut gb: Vec<Vec<f32>> = self.layers.iter().map(|l| vec![0.0; l.biases.len()]).collect();
		let mut loss = 0.0;
		let mut pre = Vec::new();
		for (s, &label) in labels.iter().enumerate() {
			let acts = self.forward(&inputs[s * features..(s + 1) * features], &mut pre);
			let logits = acts.last().unwrap();
			let max = logits.iter().copied().fold(f32::MIN, f32::max);
			let exps: Vec<f32> = logits.iter().map(|&z| (z - max).exp()).collect();
			let sum: f32 = exps.iter().sum();
			loss += sum.ln() - (logits[label as usize] - max);
			let mut delta: Vec<f32> = exps
				.iter()
				.enumerate()
				.map(|(j, &e)| e / sum - if j == label as usize { 1.0 } else { 0.0 })
				.collect();
			for l in (0..self.layers.len()).rev() {
				let layer = &self.layers[l];
				let input = &acts[l];
				for o in 0..layer.outputs {
					for i in 0..layer.inputs {
						gw[l][o * layer.inputs + i] += delta[o] * input[i];
					}
					gb[l][o] += delta[o];
				}
				if l == 0 {
					break;
				}
				let prev = &self.layers[l - 1];
				let mut back = vec![0.0; layer.inputs];
				for o in 0..layer.outputs {
					for i in 0..layer.inputs {
						back[i] += delta[o] * layer.weights[o * layer.inputs + i];
					}
				}
				delta = back
					.iter()
					.zip(&pre[l - 1])
					.map(|(&e, &z)| match prev.activation {
						None | Some(Activation::Identity) => e,
						Some(Activation::Relu) => {
							if z > 0.0 {
								e
							} else {
								0.0
							}
						},
						Some(Activation::LeakyRelu) => {
							if z > 0.0 {
								e
							} else {
								e / 8.0
							}
						},
						Some(Activation::HardTanh) => {
							if z > -1.0 && z < 1.0 {
								e
							} else {
								0.0
							}
						},
					})
					.collect();
			}
		}
		let scale = 1.0 / n as f32;
		for (l, layer) in self.layers.iter_mut().enumerate() {
			for k in 0..layer.weights.len() {
				layer.weight_velocity[k] =
					self.momentum * layer.weight_velocity[k] + gw[l][k] * scale;
				layer.weights[k] -= self.learning_rate * layer.weight_velocity[k];
			}
			for k in 0..layer.biases.len() {
				layer.bias_velocity[k] = self.momentum * layer.bias_velocity[k] + gb[l][k] * scale;
				layer.biases[k] -= self.learning_rate * layer.bias_velocity[k];
			}
		}
		loss / n as f32
	}

	/// Train `program.steps` steps on `dataset` in the engine's minibatch order.
	pub fn train(&mut self, program: &Program, dataset: &Dataset) {
		let batches = dataset.batches(program.batch_size);
		let f = dataset.features as usize;
		let inputs: Vec<f32> = dataset.inputs.iter().map(|&x| to_f32(x)).collect();
		let bs = program.batch_size as usize;
		let mut order = Vec::new();
		for position in 0..program.steps {
			let epoch = position / batches;
			if position % batches == 0 {
				order = epoch_order(program.seed, batches, epoch);
			}
			let b = order[(position % batches) as usize] as usize;
			self.step(&inputs[b * bs * f..(b + 1) * bs * f], &dataset.labels[b * bs..(b + 1) * bs]);
		}
	}

	/// `(correct, total)` on `dataset`.
	pub fn evaluate(&self, dataset: &Dataset) -> (u32, u32) {
		let f = dataset.features as usize;
		let mut pre = Vec::new();
		let correct = dataset
			.inputs
			.chunks_exact(f)
			.zip(&dataset.labels)
			.filter(|(x, &label)| {
				let x: Vec<f32> = x.iter().map(|&v| to_f32(v)).collect();
				let acts = self.forward(&x, &mut pre);
				let logits = acts.last().unwrap();
				let mut best = 0;
				for (i, &v) in logits.iter().enumerate() {
					if v > logits[best] {
						best = i;
					}
				}
				best == label as usize
			})
			.count();
		(correct as u32, dataset.samples())
	}
}
