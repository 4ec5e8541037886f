//! Training throughput of the fixed-point engine against a plain f32 implementation of the same
//! MLP on the same machine, in one run. `cargo bench -p aichain-engine-tests --bench throughput`
//!
//! Prints samples/s for each configuration and the ratios. The f32 baseline is single-threaded
//! straightforward Rust (what a plain implementation is); the engine is shown single-threaded
//! portable (the referee's code path), single-threaded AVX2, and on every core.

use aichain_engine::{
	program::{Activation, HiddenLayer},
	train::Trainer,
	Executor, Program, Simd, State,
};
use aichain_engine_tests::{digits, digits_program, F32Mlp};
use std::time::Instant;

fn engine_rate(program: &Program, data: &aichain_engine::Dataset, executor: Executor) -> f64 {
	let mut trainer = Trainer::new(program, data, &executor).unwrap();
	let mut state = State::initial(program);
	let start = Instant::now();
	while state.step < program.steps {
		trainer.step(&mut state).unwrap();
		std::hint::black_box(state.hash());
	}
	(program.steps as f64 * program.batch_size as f64) / start.elapsed().as_secs_f64()
}

fn f32_rate(program: &Program, data: &aichain_engine::Dataset) -> f64 {
	let mut mlp = F32Mlp::new(program);
	let start = Instant::now();
	mlp.train(program, data);
	(program.steps as f64 * program.batch_size as f64) / start.elapsed().as_secs_f64()
}

fn main() {
	let (train, _) = digits();
	let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
	let mut wide = digits_program(300);
	wide.model.hidden = vec![
		HiddenLayer { units: 256, activation: Activation::Relu },
		HiddenLayer { units: 256, activation: Activation::Relu },
	]
	.try_into()
	.unwrap();
	wide.batch_size = 64;
	let cases = [
		("digits 64-64-10, batch 32", digits_program(1500)),
		("digits 64-256-256-10, batch 64", wide),
	];
	println!("cores: {cores}; engine steps include hashing the state after every step");
	for (name, program) in cases {
		// Warm up caches and the thread pool.
		let mut warm = program.clone();
		warm.steps = 50;
		engine_rate(&warm, &train, Executor::new(cores, Simd::Native));
		let f32 = f32_rate(&program, &train);
		let portable = engine_rate(&program, &train, Executor::new(1, Simd::Portable));
		let simd = engine_rate(&program, &train, Executor::new(1, Simd::Native));
		let threaded = engine_rate(&program, &train, Executor::new(cores, Simd::Native));
		println!("{name}, {} steps:", program.steps);
		println!("  f32 plain, 1 thread        {f32:>10.0} samples/s");
		println!(
			"  fixed portable, 1 thread   {portable:>10.0} samples/s  ({:.2}x f32)",
			portable / f32
		);
		println!("  fixed AVX2, 1 thread       {simd:>10.0} samples/s  ({:.2}x f32)", simd / f32);
		println!(
			"  fixed AVX2, {cores} threads      {threaded:>10.0} samples/s  ({:.2}x f32)",
			threaded / f32
		);
	}
}
