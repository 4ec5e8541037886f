//! Quality: on the UCI digits, the fixed-point engine reaches the accuracy of the same model
//! trained in f32 (within 1 point), and its integer exp/ln match the real functions.

use aichain_engine::{
	fixed::{exp_neg, ln, ONE},
	train::{evaluate, Trainer},
	Executor, Simd, State,
};
use aichain_engine_tests::{digits, digits_program, F32Mlp};

#[test]
fn digits_accuracy_is_within_one_point_of_f32() {
	let (train, test) = digits();
	assert_eq!((train.samples(), test.samples(), train.features), (1438, 359, 64));
	// 44 minibatches per epoch: 34 epochs.
	let program = digits_program(1500);
	program.validate().unwrap();

	let executor = Executor::new(2, Simd::Native);
	let mut trainer = Trainer::new(&program, &train, &executor).unwrap();
	let mut state = State::initial(&program);
	while state.step < program.steps {
		trainer.step(&mut state).unwrap();
	}
	let (fixed_ok, total) = evaluate(&program, &state, &test);

	let mut reference = F32Mlp::new(&program);
	reference.train(&program, &train);
	let (f32_ok, _) = reference.evaluate(&test);

	let fixed = 100.0 * fixed_ok as f64 / total as f64;
	let float = 100.0 * f32_ok as f64 / total as f64;
	println!("digits test accuracy: fixed-point {fixed:.2}% ({fixed_ok}/{total}), f32 {float:.2}% ({f32_ok}/{total}), difference {:+.2} points", fixed - float);
	assert!(fixed >= 90.0, "fixed-point accuracy {fixed:.2}% is too low");
	assert!((fixed - float).abs() <= 1.0, "fixed {fixed:.2}% vs f32 {float:.2}%");
}

#[test]
fn integer_exp_and_ln_track_the_real_functions() {
	let q = ONE as f64;
	let mut worst_exp = 0f64;
	for raw in (-20 * ONE..=0).step_by(97) {
		let err = (exp_neg(raw) as f64 / q - (raw as f64 / q).exp()).abs();
		worst_exp = worst_exp.max(err);
	}
	let mut worst_ln = 0f64;
	for raw in (1..200 * i64::from(ONE)).step_by(1009) {
		let err = (ln(raw) as f64 / q - (raw as f64 / q).ln()).abs();
		worst_ln = worst_ln.max(err);
	}
	println!(
		"max abs error: exp {worst_exp:.2e}, ln {worst_ln:.2e} (Q16 resolution {:.2e})",
		1.0 / q
	);
	assert!(worst_exp <= 2.0 / q, "exp error {worst_exp}");
	assert!(worst_ln <= 3.0 / q, "ln error {worst_ln}");
}
