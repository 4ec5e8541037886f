//! The training engine against numpy float32 (OpenBLAS) on the same machine, in one run: the
//! anchor of the engine's speed. `scripts/bench-engine.sh` runs it (it installs numpy in a
//! virtual environment and passes its interpreter in `AICHAIN_PYTHON`).
//!
//! For each model, both train the same program from the same initial weights on the digits
//! training split for the same number of steps, with minibatches of whole epochs in a seeded
//! order; the engine hashes its state after every step (a solver's trace) and numpy hashes
//! nothing. Prints samples per second, the engine/numpy ratio and the test accuracy of each.
//! numpy runs on one OpenBLAS thread (`OPENBLAS_NUM_THREADS=1`), the engine on 1 and 2 threads.
//!
//! `AICHAIN_BENCH_STEPS` overrides the step count (30,000 by default, the issue's).

use aichain_engine::{
	fixed::ONE,
	program::{Activation, HiddenLayer},
	train::{evaluate, Trainer},
	Dataset, Executor, Program, Simd, State,
};
use aichain_engine_tests::{digits, digits_program};
use std::{fs, path::Path, process::Command, time::Instant};

fn to_f32(x: i32) -> f32 {
	x as f32 / ONE as f32
}

fn write_f32(path: &Path, values: impl Iterator<Item = f32>) {
	let bytes: Vec<u8> = values.flat_map(f32::to_le_bytes).collect();
	fs::write(path, bytes).unwrap();
}

fn write_labels(path: &Path, labels: &[u16]) {
	fs::write(path, labels.iter().flat_map(|l| l.to_le_bytes()).collect::<Vec<u8>>()).unwrap();
}

/// Train with numpy in `python`; returns (samples/s, test accuracy).
fn numpy(python: &str, program: &Program, train: &Dataset, test: &Dataset) -> (f64, f64) {
	let dir = std::env::temp_dir().join(format!("aichain-vs-numpy-{}", std::process::id()));
	fs::create_dir_all(&dir).unwrap();
	write_f32(&dir.join("train_x.f32"), train.inputs.iter().map(|&x| to_f32(x)));
	write_labels(&dir.join("train_y.u16"), &train.labels);
	write_f32(&dir.join("test_x.f32"), test.inputs.iter().map(|&x| to_f32(x)));
	write_labels(&dir.join("test_y.u16"), &test.labels);
	let state = State::initial(program);
	let mut layers = Vec::new();
	for (i, (shape, layer)) in program.model.layers().zip(&state.layers).enumerate() {
		write_f32(&dir.join(format!("layer{i}_w.f32")), layer.weights.iter().map(|&w| to_f32(w)));
		write_f32(&dir.join(format!("layer{i}_b.f32")), layer.biases.iter().map(|&b| to_f32(b)));
		layers.push(format!("[{}, {}]", shape.inputs, shape.outputs));
	}
	let meta = format!(
		"{{\"inputs\": {}, \"classes\": {}, \"layers\": [{}], \"learning_rate\": {}, \
		 \"momentum\": {}, \"batch_size\": {}, \"steps\": {}, \"seed\": {}}}",
		program.model.inputs,
		program.model.classes,
		layers.join(", "),
		to_f32(program.optimizer.learning_rate.0),
		to_f32(program.optimizer.momentum.0),
		program.batch_size,
		program.steps,
		program.seed,
	);
	fs::write(dir.join("meta.json"), meta).unwrap();
	let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/numpy_mlp.py");
	let out = Command::new(python)
		.arg(&script)
		.arg(&dir)
		.env("OPENBLAS_NUM_THREADS", "1")
		.env("OMP_NUM_THREADS", "1")
		.output()
		.unwrap_or_else(|e| panic!("{python}: {e}"));
	let _ = fs::remove_dir_all(&dir);
	assert!(out.status.success(), "numpy_mlp.py failed: {}", String::from_utf8_lossy(&out.stderr));
	let text = String::from_utf8(out.stdout).unwrap();
	let field = |name: &str| -> f64 {
		let at = text.find(&format!("\"{name}\": ")).expect("field") + name.len() + 4;
		text[at..].split([',', '}']).next().unwrap().trim().parse().unwrap()
	};
	(field("samples_per_s"), field("accuracy"))
}

/// Train with the engine on `threads` threads, hashing the state after each step; returns
/// (samples/s, test accuracy).
fn engine(program: &Program, train: &Dataset, test: &Dataset, threads: usize) -> (f64, f64) {
	let executor = Executor::new(threads, Simd::Native);
	let mut trainer = Trainer::new(program, train, &executor).unwrap();
	let mut state = State::initial(program);
	let start = Instant::now();
	while state.step < program.steps {
		trainer.step(&mut state).unwrap();
		std::hint::black_box(state.hash());
	}
	let rate = (program.steps as f64 * program.batch_size as f64) / start.elapsed().as_secs_f64();
	let (correct, total) = evaluate(program, &state, test);
	(rate, f64::from(correct) / f64::from(total))
}

fn main() {
	let python = std::env::var("AICHAIN_PYTHON").unwrap_or_else(|_| "python3".into());
	let steps: u32 = std::env::var("AICHAIN_BENCH_STEPS").ok().and_then(|s| s.parse().ok()).unwrap_or(30_000);
	let (train, test) = digits();
	let narrow = digits_program(steps);
	let mut wide = digits_program(steps);
	wide.model.hidden =
		vec![HiddenLayer { units: 256, activation: Activation::Relu }].try_into().unwrap();
	println!(
		"digits ({} training, {} test samples), batch 32, {steps} steps; numpy on 1 OpenBLAS thread",
		train.samples(),
		test.samples()
	);
	println!(
		"| model | numpy f32 | engine 1 thread | engine 2 threads | engine/numpy (1 / 2 threads) | accuracy numpy / engine |"
	);
	println!("|---|---|---|---|---|---|");
	for (name, program) in [("64-64-10", narrow), ("64-256-10", wide)] {
		let (np_rate, np_acc) = numpy(&python, &program, &train, &test);
		let (one, acc) = engine(&program, &train, &test, 1);
		let (two, _) = engine(&program, &train, &test, 2);
		println!(
			"| {name} | {np_rate:.0} samples/s | {one:.0} | {two:.0} | {:.2}x / {:.2}x | {:.1}% / {:.1}% |",
			one / np_rate,
			two / np_rate,
			np_acc * 100.0,
			acc * 100.0
		);
	}
}
