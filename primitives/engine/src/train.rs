//! Training: the single-step function the referee runs, and the executor the solver runs.
//!
//! One step takes the state after step `i` and the minibatch of step `i + 1`:
//!
//! 1. per sample: forward pass (`z = W·a + b`, rounded once per unit), softmax of the logits with
//!    [`exp_neg`], loss `ln Σe^(z−max) − (z_label − max)`, output error `p − onehot(label)`,
//!    backward pass; weight and bias gradients are summed **exactly** in `i64` over the batch;
//! 2. the mean gradient `round(Σ / batch)` feeds SGD with momentum: `v ← μ·v + g`, `w ← w − η·v`.
//!
//! Because the per-sample work is independent and the batch sums are exact integer sums, the
//! batch can be split across any number of threads, and the kernels can use any instruction set:
//! the resulting state is the same bit for bit.

use crate::{
	dataset::{epoch_order, Dataset, Minibatch},
	fixed::{clamp, exp_neg, in_range, ln, mul, rescale, round_div, round_shift, FRAC_BITS, ONE},
	model::{LayerState, State},
	program::{Activation, LayerShape, Program, ProgramError},
};
use alloc::{vec, vec::Vec};
use core::fmt;

/// What one step reports besides the new state (not part of the state or its hash).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StepOutcome {
	/// Mean cross-entropy loss over the minibatch before the update, Q15.16.
	pub loss: i32,
	/// Samples of the minibatch classified correctly before the update.
	pub correct: u32,
}

/// Why a step cannot be executed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepError {
	/// The program is invalid.
	Program(ProgramError),
	/// The state's layer sizes are not the program's.
	StateMismatch,
	/// The state is already at the program's last step.
	NoMoreSteps,
	/// The minibatch is not `batch_size × inputs` values with `batch_size` labels.
	BatchShape,
	/// A label is not below the number of classes.
	LabelOutOfRange,
	/// An input or state value is beyond ±128.0 ([`crate::fixed::LIMIT`]).
	ValueOutOfRange,
}

impl fmt::Display for StepError {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		match self {
			Self::Program(e) => write!(f, "invalid program: {e}"),
			Self::StateMismatch => f.write_str("the state does not have the program's layer sizes"),
			Self::NoMoreSteps => f.write_str("the state is already at the program's last step"),
			Self::BatchShape => f.write_str("the minibatch does not have the program's shape"),
			Self::LabelOutOfRange => f.write_str("a label is not below the number of classes"),
			Self::ValueOutOfRange => f.write_str("an input or state value is beyond ±128"),
		}
	}
}

/// Whether the kernels may use the CPU's vector extensions (the bits are the same either way).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Simd {
	/// Portable code only (what runs in Wasm).
	Portable,
	/// Use AVX2 when the CPU has it (x86_64 with `std`); portable code otherwise.
	Native,
}

/// Run one training step: `state` (after step `i`) becomes the state after step `i + 1`.
///
/// This is the function the runtime referee executes; it is single-threaded and portable.
pub fn train_step(
	program: &Program,
	state: &mut State,
	batch: &Minibatch,
) -> Result<StepOutcome, StepError> {
	Executor::portable().step(program, state, batch)
}

/// Fraction of `dataset` samples that `state` classifies correctly, as `(correct, total)`.
pub fn evaluate(program: &Program, state: &State, dataset: &Dataset) -> (u32, u32) {
	let shapes: Vec<LayerShape> = program.model.layers().collect();
	let features = dataset.features as usize;
	if !state.matches(program) || features != program.model.inputs as usize || features == 0 {
		return (0, dataset.samples());
	}
	let mut ws = Workspace::new(&shapes);
	let correct = dataset
		.inputs
		.chunks_exact(features)
		.zip(&dataset.labels)
		.filter(|(x, &label)| {
			forward(&shapes, &state.layers, x, &mut ws);
			argmax(ws.logits()) == usize::from(label)
		})
		.count();
	(correct as u32, dataset.samples())
}

/// Executes steps, optionally on several threads and with vector instructions.
pub struct Executor {
	simd: Simd,
	threads: usize,
	#[cfg(feature = "parallel")]
	pool: Option<rayon::ThreadPool>,
	#[cfg(feature = "parallel")]
	scratch: std::sync::Mutex<Vec<Gradients>>,
}

impl Executor {
	/// One thread, portable kernels: the reference.
	pub fn portable() -> Self {
		Self {
			simd: Simd::Portable,
			threads: 1,
			#[cfg(feature = "parallel")]
			pool: None,
			#[cfg(feature = "parallel")]
			scratch: Default::default(),
		}
	}

	/// `threads` threads (1 without the `parallel` feature) and the given kernels.
	pub fn new(threads: usize, simd: Simd) -> Self {
		let threads = if cfg!(feature = "parallel") { threads.max(1) } else { 1 };
		Self {
			simd,
			threads,
			#[cfg(feature = "parallel")]
			pool: (threads > 1)
				.then(|| rayon::ThreadPoolBuilder::new().num_threads(threads).build().ok())
				.flatten(),
			#[cfg(feature = "parallel")]
			scratch: Default::default(),
		}
	}

	/// Threads used per step.
	pub fn threads(&self) -> usize {
		self.threads
	}

	/// Whether AVX2 kernels are in use.
	pub fn uses_avx2(&self) -> bool {
		self.simd == Simd::Native && avx2_available()
	}

	/// [`train_step`] with this executor's threads and kernels; the result is identical.
	pub fn step(
		&self,
		program: &Program,
		state: &mut State,
		batch: &Minibatch,
	) -> Result<StepOutcome, StepError> {
		program.validate().map_err(StepError::Program)?;
		if !state.matches(program) {
			return Err(StepError::StateMismatch);
		}
		if state.step >= program.steps {
			return Err(StepError::NoMoreSteps);
		}
		let batch_size = program.batch_size as usize;
		let features = program.model.inputs as usize;
		if batch.labels.len() != batch_size
			|| batch.inputs.len() != batch_size.saturating_mul(features)
		{
			return Err(StepError::BatchShape);
		}
		if batch.labels.iter().any(|&l| u32::from(l) >= program.model.classes) {
			return Err(StepError::LabelOutOfRange);
		}
		if !batch.inputs.iter().all(|&x| in_range(x)) || !state.values_in_range() {
			return Err(StepError::ValueOutOfRange);
		}
		let shapes: Vec<LayerShape> = program.model.layers().collect();
		let (loss_sum, correct) =
			self.gradients_and_update(program, &shapes, state, batch, features);
		state.step = state.step.saturating_add(1);
		let loss = round_div(loss_sum, batch_size as i64);
		Ok(StepOutcome { loss: clamp(loss), correct })
	}

	/// Sum the gradients of the minibatch (split across the pool's threads) and apply SGD.
	/// Returns the batch's loss sum and hit count.
	#[cfg_attr(not(feature = "parallel"), allow(unused_variables))]
	fn gradients_and_update(
		&self,
		program: &Program,
		shapes: &[LayerShape],
		state: &mut State,
		batch: &Minibatch,
		features: usize,
	) -> (i64, u32) {
		let simd = self.simd;
		let optimizer = Optimizer::new(program);
		#[cfg(feature = "parallel")]
		if let Some(pool) = &self.pool {
			use rayon::prelude::*;
			let per_thread = batch.labels.len().div_ceil(self.threads).max(1);
			// Reuse the per-thread sums between steps: allocating (and faulting in) fresh
			// buffers every step costs more than the arithmetic for wide layers.
			let mut guard = self.scratch.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
			let scratch: &mut Vec<Gradients> = &mut guard;
			let chunks = batch.labels.len().div_ceil(per_thread);
			if scratch.len() != chunks || scratch.first().is_some_and(|g| !g.fits(shapes)) {
				*scratch = (0..chunks).map(|_| Gradients::zero(shapes)).collect();
			}
			return pool.install(|| {
				scratch
					.par_iter_mut()
					.zip(batch.inputs.par_chunks(per_thread.saturating_mul(features)))
					.zip(batch.labels.par_chunks(per_thread))
					.for_each(|((g, inputs), labels)| {
						g.clear();
						accumulate(shapes, &state.layers, inputs, labels, g, simd);
					});
				let (first, rest) = scratch.split_at_mut(1);
				let total = first.first_mut().map(|t| {
					for other in rest.iter() {
						t.add(other);
					}
					&*t
				});
				let Some(total) = total else { return (0, 0) };
				state
					.layers
					.par_iter_mut()
					.zip(total.weights.par_iter().zip(&total.biases))
					.for_each(|(layer, (gw, gb))| optimizer.apply_parallel(layer, gw, gb));
				(total.loss_sum, total.correct)
			});
		}
		let mut g = Gradients::zero(shapes);
		accumulate(shapes, &state.layers, &batch.inputs, &batch.labels, &mut g, simd);
		for ((layer, gw), gb) in state.layers.iter_mut().zip(&g.weights).zip(&g.biases) {
			optimizer.apply(&mut layer.weights, &mut layer.weight_velocity, gw);
			optimizer.apply(&mut layer.biases, &mut layer.bias_velocity, gb);
		}
		(g.loss_sum, g.correct)
	}
}

/// Drives a whole program over a dataset, step after step.
pub struct Trainer<'a> {
	program: &'a Program,
	dataset: &'a Dataset,
	executor: &'a Executor,
	schedule: Schedule,
}

impl<'a> Trainer<'a> {
	/// A trainer; the dataset must fit the program ([`Dataset::check_program`]).
	pub fn new(
		program: &'a Program,
		dataset: &'a Dataset,
		executor: &'a Executor,
	) -> Result<Self, crate::dataset::DatasetError> {
		dataset.check_program(program)?;
		Ok(Self { program, dataset, executor, schedule: Schedule::new(program, dataset) })
	}

	/// The minibatch step `step` (1-based) trains on, with its index.
	pub fn minibatch_for_step(&mut self, step: u32) -> Option<(u32, Minibatch)> {
		self.schedule.minibatch_for_step(self.dataset, step)
	}

	/// Apply the next step to `state`.
	pub fn step(&mut self, state: &mut State) -> Result<StepOutcome, StepError> {
		let next = state.step.checked_add(1).ok_or(StepError::NoMoreSteps)?;
		let (_, batch) = self.minibatch_for_step(next).ok_or(StepError::BatchShape)?;
		self.executor.step(self.program, state, &batch)
	}

	/// Train `state` up to the program's last step; returns the hashes of the states after each
	/// step taken (the whole trace when `state` is the initial state).
	pub fn run(&mut self, state: &mut State) -> Result<crate::Trace, StepError> {
		let mut trace = crate::Trace::default();
		while state.step < self.program.steps {
			self.step(state)?;
			trace.hashes.push(state.hash());
		}
		Ok(trace)
	}
}

/// Which minibatch each step trains on ([`crate::dataset::batch_for_step`]), caching the order
/// of the current epoch.
pub struct Schedule {
	seed: u64,
	batch_size: u32,
	batches: u32,
	epoch: Option<(u32, Vec<u32>)>,
}

impl Schedule {
	/// The schedule of `program` over `dataset`.
	pub fn new(program: &Program, dataset: &Dataset) -> Self {
		Self {
			seed: program.seed,
			batch_size: program.batch_size,
			batches: dataset.batches(program.batch_size),
			epoch: None,
		}
	}

	/// The minibatch of `dataset` that step `step` (1-based) trains on, with its index.
	pub fn minibatch_for_step(&mut self, dataset: &Dataset, step: u32) -> Option<(u32, Minibatch)> {
		let position = step.checked_sub(1)?;
		let epoch = position.checked_div(self.batches)?;
		let order = match &self.epoch {
			Some((e, order)) if *e == epoch => order,
			_ => {
				let order = epoch_order(self.seed, self.batches, epoch);
				&self.epoch.insert((epoch, order)).1
			},
		};
		let index = *order.get(position.checked_rem(self.batches)? as usize)?;
		Some((index, dataset.minibatch(self.batch_size, index)?))
	}
}

/// Exact batch sums of the gradients (Q32), the loss (Q16) and the hit count.
struct Gradients {
	weights: Vec<Vec<i64>>,
	biases: Vec<Vec<i64>>,
	loss_sum: i64,
	correct: u32,
}

impl Gradients {
	fn zero(shapes: &[LayerShape]) -> Self {
		Self {
			weights: shapes
				.iter()
				.map(|s| vec![0; (s.inputs as usize).saturating_mul(s.outputs as usize)])
				.collect(),
			biases: shapes.iter().map(|s| vec![0; s.outputs as usize]).collect(),
			loss_sum: 0,
			correct: 0,
		}
	}

	#[cfg(feature = "parallel")]
	fn fits(&self, shapes: &[LayerShape]) -> bool {
		self.weights.len() == shapes.len()
			&& self
				.weights
				.iter()
				.zip(shapes)
				.all(|(w, s)| w.len() == (s.inputs as usize).saturating_mul(s.outputs as usize))
			&& self.biases.iter().zip(shapes).all(|(b, s)| b.len() == s.outputs as usize)
	}

	#[cfg(feature = "parallel")]
	fn clear(&mut self) {
		self.weights.iter_mut().chain(self.biases.iter_mut()).for_each(|v| v.fill(0));
		self.loss_sum = 0;
		self.correct = 0;
	}

	#[cfg(feature = "parallel")]
	fn add(&mut self, other: &Self) {
		let pairs = self
			.weights
			.iter_mut()
			.zip(&other.weights)
			.chain(self.biases.iter_mut().zip(&other.biases));
		for (mine, theirs) in pairs {
			for (a, b) in mine.iter_mut().zip(theirs) {
				*a = a.wrapping_add(*b);
			}
		}
		self.loss_sum = self.loss_sum.wrapping_add(other.loss_sum);
		self.correct = self.correct.wrapping_add(other.correct);
	}
}

/// Per-thread scratch space for one sample.
struct Workspace {
	/// `activations[l]` is the input of layer `l`; the last entry holds the logits.
	activations: Vec<Vec<i32>>,
	/// Pre-activations of the hidden layers (for the activation derivative).
	pre: Vec<Vec<i32>>,
	delta: Vec<i32>,
	back: Vec<i64>,
}

impl Workspace {
	fn new(shapes: &[LayerShape]) -> Self {
		let widest = shapes.iter().map(|s| s.inputs.max(s.outputs)).max().unwrap_or(0) as usize;
		let mut activations: Vec<Vec<i32>> =
			shapes.iter().map(|s| vec![0; s.inputs as usize]).collect();
		activations.push(vec![0; shapes.last().map_or(0, |s| s.outputs as usize)]);
		Self {
			activations,
			pre: shapes.iter().map(|s| vec![0; s.outputs as usize]).collect(),
			delta: Vec::with_capacity(widest),
			back: vec![0; widest],
		}
	}

	fn logits(&self) -> &[i32] {
		self.activations.last().map_or(&[], |v| v.as_slice())
	}
}

fn avx2_available() -> bool {
	#[cfg(all(feature = "std", target_arch = "x86_64"))]
	{
		std::is_x86_feature_detected!("avx2")
	}
	#[cfg(not(all(feature = "std", target_arch = "x86_64")))]
	{
		false
	}
}

fn accumulate(
	shapes: &[LayerShape],
	layers: &[LayerState],
	inputs: &[i32],
	labels: &[u16],
	grads: &mut Gradients,
	simd: Simd,
) {
	#[cfg(all(feature = "std", target_arch = "x86_64"))]
	if simd == Simd::Native && avx2_available() {
		// SAFETY: the CPU supports AVX2 (checked just above).
		unsafe { accumulate_avx2(shapes, layers, inputs, labels, grads) };
		return;
	}
	let _ = simd;
	accumulate_impl(shapes, layers, inputs, labels, grads);
}

/// The same code as [`accumulate_impl`], compiled with AVX2 enabled so that the compiler
/// vectorises the integer kernels with 256-bit registers.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx2")]
fn accumulate_avx2(
	shapes: &[LayerShape],
	layers: &[LayerState],
	inputs: &[i32],
	labels: &[u16],
	grads: &mut Gradients,
) {
	accumulate_impl(shapes, layers, inputs, labels, grads)
}

/// Forward and backward pass of every sample in `inputs`, adding into `grads`.
#[inline(always)]
fn accumulate_impl(
	shapes: &[LayerShape],
	layers: &[LayerState],
	inputs: &[i32],
	labels: &[u16],
	grads: &mut Gradients,
) {
	let features = shapes.first().map_or(0, |s| s.inputs as usize);
	if features == 0 {
		return;
	}
	let mut ws = Workspace::new(shapes);
	for (x, &label) in inputs.chunks_exact(features).zip(labels) {
		forward(shapes, layers, x, &mut ws);
		let label = usize::from(label);
		let logits = ws.activations.last().map_or(&[][..], |v| v.as_slice());
		if argmax(logits) == label {
			grads.correct = grads.correct.wrapping_add(1);
		}
		// Softmax cross-entropy: loss and output error p − onehot.
		let max = logits.iter().copied().max().unwrap_or(0);
		let target = logits.get(label).copied().unwrap_or(max);
		// e^(z − max) once per class, then turned into p − onehot in place.
		ws.delta.clear();
		ws.delta.extend(logits.iter().map(|&z| exp_neg(z.wrapping_sub(max))));
		let sum = ws.delta.iter().fold(0i64, |acc, &e| acc.wrapping_add(i64::from(e)));
		let loss = i64::from(ln(sum)).wrapping_sub(i64::from(target.wrapping_sub(max)));
		grads.loss_sum = grads.loss_sum.wrapping_add(loss);
		for (j, d) in ws.delta.iter_mut().enumerate() {
			let p = round_div(i64::from(*d) << FRAC_BITS, sum);
			let y = if j == label { i64::from(ONE) } else { 0 };
			*d = clamp(p.wrapping_sub(y));
		}
		backward(shapes, layers, &mut ws, grads);
	}
}

#[inline(always)]
fn forward(shapes: &[LayerShape], layers: &[LayerState], x: &[i32], ws: &mut Workspace) {
	if let Some(a0) = ws.activations.first_mut() {
		a0.copy_from_slice(x);
	}
	for (l, (shape, layer)) in shapes.iter().zip(layers).enumerate() {
		let (before, after) = ws.activations.split_at_mut(l.wrapping_add(1));
		let (Some(input), Some(output)) = (before.last(), after.first_mut()) else { return };
		let Some(pre) = ws.pre.get_mut(l) else { return };
		let rows = layer.weights.chunks_exact(shape.inputs as usize);
		for (((z, a), row), &b) in
			pre.iter_mut().zip(output.iter_mut()).zip(rows).zip(&layer.biases)
		{
			*z = rescale(dot(row, input).wrapping_add(i64::from(b) << FRAC_BITS));
			*a = activate(shape.activation, *z);
		}
	}
}

#[inline(always)]
fn backward(
	shapes: &[LayerShape],
	layers: &[LayerState],
	ws: &mut Workspace,
	grads: &mut Gradients,
) {
	for l in (0..shapes.len()).rev() {
		let (Some(shape), Some(layer)) = (shapes.get(l), layers.get(l)) else { return };
		let (Some(input), Some(gw), Some(gb)) =
			(ws.activations.get(l), grads.weights.get_mut(l), grads.biases.get_mut(l))
		else {
			return;
		};
		let n_in = shape.inputs as usize;
		for ((&d, acc_row), acc_b) in
			ws.delta.iter().zip(gw.chunks_exact_mut(n_in)).zip(gb.iter_mut())
		{
			axpy(acc_row, d, input);
			*acc_b = acc_b.wrapping_add(i64::from(d) << FRAC_BITS);
		}
		if l == 0 {
			return;
		}
		// Error of the previous layer's outputs: Wᵀ·δ, times the activation derivative.
		let Some(back) = ws.back.get_mut(..n_in) else { return };
		back.fill(0);
		for (&d, row) in ws.delta.iter().zip(layer.weights.chunks_exact(n_in)) {
			axpy(back, d, row);
		}
		let (Some(prev), Some(pre)) =
			(shapes.get(l.wrapping_sub(1)), ws.pre.get(l.wrapping_sub(1)))
		else {
			return;
		};
		ws.delta.clear();
		ws.delta.extend(
			back.iter().zip(pre).map(|(&e, &z)| derivative(prev.activation, z, rescale(e))),
		);
	}
}

/// SGD with momentum on the exact batch sums of the gradients.
struct Optimizer {
	learning_rate: i32,
	momentum: i32,
	/// The mean is `round(Σ / (batch × 2^16))`; a power-of-two batch uses the equivalent shift.
	divisor: i64,
	shift: Option<u32>,
}

impl Optimizer {
	fn new(program: &Program) -> Self {
		let divisor = i64::from(program.batch_size) << FRAC_BITS;
		let shift = (divisor > 0 && divisor.count_ones() == 1).then(|| divisor.trailing_zeros());
		Self {
			learning_rate: program.optimizer.learning_rate.0,
			momentum: program.optimizer.momentum.0,
			divisor,
			shift,
		}
	}

	/// `v ← μ·v + mean(g)`, `w ← w − η·v` for each parameter.
	#[inline(always)]
	fn apply(&self, weights: &mut [i32], velocity: &mut [i32], sums: &[i64]) {
		for ((w, v), &g) in weights.iter_mut().zip(velocity.iter_mut()).zip(sums) {
			let g = match self.shift {
				Some(shift) => round_shift(g, shift),
				None => round_div(g, self.divisor),
			};
			*v = clamp(i64::from(mul(self.momentum, *v)).wrapping_add(g));
			*w = clamp(i64::from(*w).wrapping_sub(i64::from(mul(self.learning_rate, *v))));
		}
	}

	/// [`Self::apply`] on a whole layer, in parallel chunks (each parameter is independent).
	#[cfg(feature = "parallel")]
	fn apply_parallel(&self, layer: &mut LayerState, weight_sums: &[i64], bias_sums: &[i64]) {
		use rayon::prelude::*;
		const CHUNK: usize = 4096;
		layer
			.weights
			.par_chunks_mut(CHUNK)
			.zip(layer.weight_velocity.par_chunks_mut(CHUNK))
			.zip(weight_sums.par_chunks(CHUNK))
			.for_each(|((w, v), g)| self.apply(w, v, g));
		self.apply(&mut layer.biases, &mut layer.bias_velocity, bias_sums);
	}
}

#[inline(always)]
fn activate(activation: Option<Activation>, z: i32) -> i32 {
	match activation {
		None | Some(Activation::Identity) => z,
		Some(Activation::Relu) => z.max(0),
		Some(Activation::LeakyRelu) => {
			if z > 0 {
				z
			} else {
				round_shift(i64::from(z), 3) as i32
			}
		},
		Some(Activation::HardTanh) => z.clamp(-ONE, ONE),
	}
}

/// `e × f'(z)` for the activation `f` of a hidden layer.
#[inline(always)]
fn derivative(activation: Option<Activation>, z: i32, e: i32) -> i32 {
	match activation {
		None | Some(Activation::Identity) => e,
		Some(Activation::Relu) => {
			if z > 0 {
				e
			} else {
				0
			}
		},
		Some(Activation::LeakyRelu) => {
			if z > 0 {
				e
			} else {
				round_shift(i64::from(e), 3) as i32
			}
		},
		Some(Activation::HardTanh) => {
			if z > -ONE && z < ONE {
				e
			} else {
				0
			}
		},
	}
}

/// Index of the largest value, the first one on ties.
fn argmax(values: &[i32]) -> usize {
	let mut best = 0;
	for (i, &v) in values.iter().enumerate() {
		if values.get(best).is_some_and(|&b| v > b) {
			best = i;
		}
	}
	best
}

/// Exact `Σ a·b` (Q32).
#[inline(always)]
fn dot(a: &[i32], b: &[i32]) -> i64 {
	a.iter()
		.zip(b)
		.fold(0i64, |acc, (&x, &y)| acc.wrapping_add(i64::from(x).wrapping_mul(i64::from(y))))
}

/// `acc += s·x`, exactly (Q32).
#[inline(always)]
fn axpy(acc: &mut [i64], s: i32, x: &[i32]) {
	let s = i64::from(s);
	for (a, &v) in acc.iter_mut().zip(x) {
		*a = a.wrapping_add(s.wrapping_mul(i64::from(v)));
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::fixed::Fixed;
	use crate::program::{HiddenLayer, ModelSpec, Sgd};
	use bounded_collections::BoundedVec;

	fn program(steps: u32) -> Program {
		Program {
			model: ModelSpec {
				inputs: 4,
				hidden: BoundedVec::truncate_from(vec![
					HiddenLayer { units: 8, activation: Activation::Relu },
					HiddenLayer { units: 6, activation: Activation::LeakyRelu },
					HiddenLayer { units: 5, activation: Activation::HardTanh },
				]),
				classes: 3,
			},
			optimizer: Sgd { learning_rate: Fixed(ONE / 8), momentum: Fixed(ONE / 2) },
			batch_size: 6,
			steps,
			seed: 3,
		}
	}

	/// Three linearly separable blobs.
	fn blobs(samples: u32) -> Dataset {
		let mut rng = crate::rng::SplitMix64::new(9, 99);
		let mut inputs = Vec::new();
		let mut labels = Vec::new();
		for i in 0..samples {
			let class = (i % 3) as u16;
			for f in 0..4u32 {
				let centre = if f == u32::from(class) { ONE } else { 0 };
				inputs.push(centre + rng.below(ONE as u32 / 2) as i32 - ONE / 4);
			}
			labels.push(class);
		}
		Dataset { features: 4, classes: 3, inputs, labels }
	}

	#[test]
	fn learns_separable_blobs() {
		let p = program(300);
		let data = blobs(90);
		let exec = Executor::portable();
		let mut trainer = Trainer::new(&p, &data, &exec).unwrap();
		let mut state = State::initial(&p);
		let first = trainer.step(&mut state).unwrap();
		while state.step < p.steps {
			trainer.step(&mut state).unwrap();
		}
		let (correct, total) = evaluate(&p, &state, &data);
		assert!(correct * 100 >= total * 95, "{correct}/{total}");
		let last = trainer.executor.step(&p, &mut state.clone(), &data.minibatch(6, 0).unwrap());
		assert_eq!(last, Err(StepError::NoMoreSteps));
		assert!(first.loss > 0);
	}

	#[test]
	fn step_rejects_bad_input() {
		let p = program(10);
		let data = blobs(12);
		let batch = data.minibatch(6, 0).unwrap();
		let mut state = State::initial(&p);
		let mut bad = batch.clone();
		bad.inputs.pop();
		assert_eq!(train_step(&p, &mut state, &bad), Err(StepError::BatchShape));
		let mut bad = batch.clone();
		bad.labels[0] = 3;
		assert_eq!(train_step(&p, &mut state, &bad), Err(StepError::LabelOutOfRange));
		let mut wrong = state.clone();
		wrong.layers[1].biases.pop();
		assert_eq!(train_step(&p, &mut wrong, &batch), Err(StepError::StateMismatch));
		let mut wild = batch.clone();
		wild.inputs[3] = crate::fixed::LIMIT + 1;
		assert_eq!(train_step(&p, &mut state, &wild), Err(StepError::ValueOutOfRange));
		let mut wild_state = state.clone();
		wild_state.layers[0].weight_velocity[0] = i32::MIN;
		assert_eq!(train_step(&p, &mut wild_state, &batch), Err(StepError::ValueOutOfRange));
		let mut invalid = p.clone();
		invalid.batch_size = 0;
		assert!(matches!(train_step(&invalid, &mut state, &batch), Err(StepError::Program(_))));
		assert_eq!(state, State::initial(&p), "a rejected step leaves the state alone");
		assert!(train_step(&p, &mut state, &batch).is_ok());
		assert_eq!(state.step, 1);
	}

	#[test]
	fn kernels_and_threads_give_the_same_bits() {
		let p = program(40);
		let data = blobs(60);
		let run = |exec: Executor| {
			let mut trainer = Trainer::new(&p, &data, &exec).unwrap();
			let mut state = State::initial(&p);
			let mut hashes = Vec::new();
			while state.step < p.steps {
				trainer.step(&mut state).unwrap();
				hashes.push(state.hash());
			}
			hashes
		};
		let reference = run(Executor::portable());
		for threads in [1, 2, 3, 7] {
			for simd in [Simd::Portable, Simd::Native] {
				assert_eq!(run(Executor::new(threads, simd)), reference, "{threads} {simd:?}");
			}
		}
	}
}
