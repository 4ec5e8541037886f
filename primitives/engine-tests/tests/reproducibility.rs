//! Reproducibility: the same program gives the same trace root on every run, with any thread
//! count, with and without SIMD kernels, and compiled to wasm32 (no_std, as in the runtime)
//! and executed by a Wasm interpreter.

use aichain_engine::{train::Trainer, Dataset, Executor, Program, Simd, State};
use aichain_engine_tests::{digits, digits_program};
use codec::Encode;
use std::{path::PathBuf, process::Command};

struct Outcome {
	root: [u8; 32],
	state: [u8; 32],
	model: [u8; 32],
}

fn native(program: &Program, data: &Dataset, executor: Executor) -> Outcome {
	let mut trainer = Trainer::new(program, data, &executor).unwrap();
	let mut state = State::initial(program);
	let trace = trainer.run(&mut state).unwrap();
	Outcome { root: trace.root(), state: state.hash(), model: state.model_hash() }
}

#[test]
fn trace_roots_match_across_runs_threads_and_simd() {
	let (train, _) = digits();
	let program = digits_program(120);
	let reference = native(&program, &train, Executor::portable());
	println!("digits, 120 steps: trace root 0x{}", hex(&reference.root));
	for threads in [1, 2, 3, 4, 8] {
		for simd in [Simd::Portable, Simd::Native] {
			let executor = Executor::new(threads, simd);
			let avx2 = executor.uses_avx2();
			let run = native(&program, &train, executor);
			assert_eq!(run.root, reference.root, "threads={threads} simd={simd:?} avx2={avx2}");
			assert_eq!(run.state, reference.state);
			assert_eq!(run.model, reference.model);
		}
	}
	// Another seed is another trace.
	let mut other = program.clone();
	other.seed += 1;
	assert_ne!(native(&other, &train, Executor::portable()).root, reference.root);
}

fn hex(bytes: &[u8]) -> String {
	bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Build `aichain-engine-wasm` for wasm32-unknown-unknown (engine without `std`) in a target
/// directory of its own, and return the module path.
fn build_wasm() -> PathBuf {
	let workspace = manifest_dir().join("../..");
	let target_dir = std::env::var_os("CARGO_TARGET_DIR")
		.map(PathBuf::from)
		.unwrap_or_else(|| workspace.join("target"))
		.join("engine-wasm");
	let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
	let status = Command::new(cargo)
		.current_dir(&workspace)
		.args(["build", "--release", "--locked", "-p", "aichain-engine-wasm"])
		.args(["--target", "wasm32-unknown-unknown", "--target-dir"])
		.arg(&target_dir)
		.env_remove("RUSTFLAGS")
		.env_remove("CARGO_ENCODED_RUSTFLAGS")
		.status()
		.expect("cargo runs");
	assert!(status.success(), "building the engine for wasm32 failed");
	target_dir.join("wasm32-unknown-unknown/release/aichain_engine_wasm.wasm")
}

fn run_wasm(module: &[u8], program: &Program, data: &Dataset) -> Outcome {
	use wasmi::{Engine, Linker, Module, Store};
	let engine = Engine::default();
	let module = Module::new(&engine, module).expect("valid module");
	let mut store = Store::new(&engine, ());
	let instance = Linker::<()>::new(&engine)
		.instantiate(&mut store, &module)
		.and_then(|i| i.start(&mut store))
		.expect("module instantiates without imports");
	let memory = instance.get_memory(&store, "memory").expect("exports memory");
	let alloc = instance.get_typed_func::<u32, u32>(&store, "harness_alloc").unwrap();
	let run = instance.get_typed_func::<(u32, u32), u32>(&store, "harness_run").unwrap();
	let input = (program, data).encode();
	let ptr = alloc.call(&mut store, input.len() as u32).unwrap();
	memory.write(&mut store, ptr as usize, &input).unwrap();
	let out_ptr = run.call(&mut store, (ptr, input.len() as u32)).unwrap();
	let mut out = [0u8; 100];
	memory.read(&store, out_ptr as usize, &mut out).unwrap();
	assert_eq!(u32::from_le_bytes(out[96..].try_into().unwrap()), program.steps, "wasm run failed");
	Outcome {
		root: out[..32].try_into().unwrap(),
		state: out[32..64].try_into().unwrap(),
		model: out[64..96].try_into().unwrap(),
	}
}

#[test]
fn wasm_no_std_build_gives_the_native_bits() {
	let module = std::fs::read(build_wasm()).expect("wasm module built");
	let (train, _) = digits();
	// A smaller job: the interpreter is slow. Two minibatch orders (epochs) are covered.
	let mut program = digits_program(50);
	program.batch_size = 16;
	let small = Dataset {
		inputs: train.inputs[..400 * 64].to_vec(),
		labels: train.labels[..400].to_vec(),
		..train
	};
	let start = std::time::Instant::now();
	let wasm = run_wasm(&module, &program, &small);
	println!("wasm (wasmi) 50 steps in {:?}: root 0x{}", start.elapsed(), hex(&wasm.root));
	let native = native(&program, &small, Executor::new(2, Simd::Native));
	assert_eq!(wasm.root, native.root);
	assert_eq!(wasm.state, native.state);
	assert_eq!(wasm.model, native.model);
}

/// This package's directory: from cargo at run time, so that a test binary reused from a build in
/// another checkout (a shared target directory) still reads this checkout's files.
fn manifest_dir() -> PathBuf {
	std::env::var_os("CARGO_MANIFEST_DIR")
		.map(PathBuf::from)
		.unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

/// Programs covering every activation, several depths and widths, a batch that is not a power of
/// two (the mean's division), momentum zero and non-zero.
fn format_v1_programs() -> Vec<(&'static str, Program)> {
	use aichain_engine::program::{Activation, HiddenLayer};
	let layers = |units: &[(u32, Activation)]| {
		units
			.iter()
			.map(|&(units, activation)| HiddenLayer { units, activation })
			.collect::<Vec<_>>()
			.try_into()
			.unwrap()
	};
	let digits = digits_program(200);
	let mut wide = digits_program(60);
	wide.model.hidden = layers(&[(256, Activation::Relu)]);
	let mut deep = digits_program(80);
	deep.model.hidden = layers(&[
		(48, Activation::LeakyRelu),
		(24, Activation::HardTanh),
		(16, Activation::Identity),
	]);
	deep.batch_size = 24;
	deep.optimizer.momentum = aichain_engine::Fixed(0);
	deep.seed = 7;
	vec![("digits 64-64-10", digits), ("64-256-10", wide), ("leaky/hardtanh/identity, batch 24", deep)]
}

/// Format v1 never changes: these roots were recorded before any kernel was rewritten for speed,
/// and every faster kernel, thread count and instruction set must give them bit for bit (a trace
/// posted on-chain is checked against them by the referee).
#[test]
fn format_v1_trace_roots_are_fixed() {
	let (train, _) = digits();
	let expected = [
		"0x127e256b169ba2698ade823ba8095ee97aee50e38430bcd7ff6065eb4c227580",
		"0x5418798fb962b2a51068b6b947cca30c4fcfe6fcfc7882953d25654a91d26ebb",
		"0x68b1c8202e838e1fce090fdb0afb7db15715af2a486e3ad597fa07202c120998",
	];
	let mut roots = Vec::new();
	for (name, program) in format_v1_programs() {
		for executor in
			[Executor::portable(), Executor::new(1, Simd::Native), Executor::new(2, Simd::Native)]
		{
			let root = format!("0x{}", hex(&native(&program, &train, executor).root));
			println!("{name}: {root}");
			roots.push((name, root));
		}
	}
	for ((name, root), expected) in roots.iter().zip(expected.iter().flat_map(|e| [e; 3])) {
		assert_eq!(root, expected, "{name}");
	}
}
