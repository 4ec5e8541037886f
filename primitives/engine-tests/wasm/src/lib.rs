//! Wasm entry points around the engine, compiled without `std` for the engine (as in the runtime).
//!
//! `harness_alloc(len)` reserves input memory; `harness_run(ptr, len)` decodes
//! `(Program, Dataset)`, trains the whole program with the portable single-step function and
//! returns a pointer to 100 bytes: `trace_root ‖ final_state_hash ‖ model_hash ‖ steps (u32 LE)`,
//! or to 100 zero bytes if the input is rejected.

use aichain_engine::{train::Trainer, Dataset, Executor, Program, State};

/// Train `program` on `dataset`: `(trace root, final state hash, model hash, steps)`.
pub fn run(program: &Program, dataset: &Dataset) -> Option<([u8; 32], [u8; 32], [u8; 32], u32)> {
	program.validate().ok()?;
	let executor = Executor::portable();
	let mut trainer = Trainer::new(program, dataset, &executor).ok()?;
	let mut state = State::initial(program);
	let trace = trainer.run(&mut state).ok()?;
	Some((trace.root(), state.hash(), state.model_hash(), state.step))
}

#[cfg(target_arch = "wasm32")]
mod exports {
	use super::*;
	use codec::Decode;

	static mut OUTPUT: [u8; 100] = [0; 100];

	/// Allocate `len` bytes for the host to write the input into (leaked; one call per instance).
	#[no_mangle]
	pub extern "C" fn harness_alloc(len: u32) -> *mut u8 {
		let mut buf = Vec::<u8>::with_capacity(len as usize);
		let ptr = buf.as_mut_ptr();
		core::mem::forget(buf);
		ptr
	}

	/// Decode `(Program, Dataset)` from `ptr..ptr + len` and train it.
	#[no_mangle]
	pub extern "C" fn harness_run(ptr: *const u8, len: u32) -> *const u8 {
		// SAFETY: the host wrote `len` bytes at `ptr`, which `harness_alloc` returned.
		let mut input = unsafe { core::slice::from_raw_parts(ptr, len as usize) };
		let mut out = [0u8; 100];
		if let Ok((program, dataset)) = <(Program, Dataset)>::decode(&mut input) {
			if let Some((root, state, model, steps)) = run(&program, &dataset) {
				out[..32].copy_from_slice(&root);
				out[32..64].copy_from_slice(&state);
				out[64..96].copy_from_slice(&model);
				out[96..].copy_from_slice(&steps.to_le_bytes());
			}
		}
		// SAFETY: single-threaded Wasm instance; the host reads the buffer before the next call.
		unsafe {
			OUTPUT = out;
			core::ptr::addr_of!(OUTPUT) as *const u8
		}
	}
}
