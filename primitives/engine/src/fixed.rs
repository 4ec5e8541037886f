//! Fixed-point numbers and the one rounding rule of the engine.
//!
//! Every real number in training (weights, activations, gradients, hyperparameters) is an `i32`
//! holding `value × 2^16` (Q15.16). Products are formed exactly in `i64` (Q32) and accumulated
//! exactly in `i64`; the only place where bits are lost is [`round_shift`] / [`round_div`], which
//! round to the nearest representable value with ties towards +∞. After rounding, values are
//! clamped to ±[`LIMIT`] (±128.0).
//!
//! The clamp is what makes every accumulation exact: a product of two clamped values is below
//! 2^46 in magnitude, and no sum in the engine has more than 2^16 terms (inputs, units and batch
//! sizes are bounded by [`crate::program`]), so no `i64` sum can overflow. Kernels still use
//! wrapping arithmetic: two's-complement addition is associative and commutative, so even the
//! impossible overflow could not make the result depend on the order of summation, the thread
//! count or the instruction set.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use core::fmt;
use scale_info::TypeInfo;

/// Number of fractional bits.
pub const FRAC_BITS: u32 = 16;
/// `1.0` in fixed point.
pub const ONE: i32 = 1 << FRAC_BITS;
/// Largest magnitude a stored value may have (`128.0`); results are clamped to `[-LIMIT, LIMIT]`.
pub const LIMIT: i32 = 1 << 23;

/// Round `x / 2^shift` to the nearest integer, ties towards +∞. `shift` must be in `1..=62`.
///
/// This is the rounding rule of the engine; [`round_div`] is the same rule for other divisors.
#[inline(always)]
pub const fn round_shift(x: i64, shift: u32) -> i64 {
	// `x + half` cannot overflow for the magnitudes the engine produces (< 2^62); wrapping keeps
	// the function total.
	x.wrapping_add(1i64.wrapping_shl(shift.wrapping_sub(1))).wrapping_shr(shift)
}

/// Round `n / d` to the nearest integer, ties towards +∞ (the rule of [`round_shift`]).
///
/// `d` must be positive; a non-positive divisor returns 0 (callers pass batch sizes and sums of
/// positive terms, validated before).
#[inline]
pub fn round_div(n: i64, d: i64) -> i64 {
	if d <= 0 {
		return 0;
	}
	// floor((2n + d) / 2d), computed in i128 so that no input can overflow.
	// Fast path: the engine's sums stay far below 2^61, so 2n + d cannot overflow.
	if n.unsigned_abs() < 1 << 61 && d < 1 << 61 {
		return n.wrapping_mul(2).wrapping_add(d).div_euclid(d.wrapping_mul(2));
	}
	let (n, d) = (i128::from(n), i128::from(d));
	// |n|, d < 2^63, so none of this can overflow i128.
	clamp_i64(n.wrapping_mul(2).wrapping_add(d).div_euclid(d.wrapping_mul(2)))
}

#[inline(always)]
fn clamp_i64(x: i128) -> i64 {
	if x > i128::from(i64::MAX) {
		i64::MAX
	} else if x < i128::from(i64::MIN) {
		i64::MIN
	} else {
		x as i64
	}
}

/// Clamp a fixed-point value to `[-LIMIT, LIMIT]`.
#[inline(always)]
pub const fn clamp(x: i64) -> i32 {
	if x > LIMIT as i64 {
		LIMIT
	} else if x < (LIMIT as i64).wrapping_neg() {
		LIMIT.wrapping_neg()
	} else {
		x as i32
	}
}

/// Whether `x` is a value the engine may hold (`|x| <= LIMIT`); inputs and states from outside
/// are checked with it, which is what keeps every accumulation exact.
#[inline(always)]
pub const fn in_range(x: i32) -> bool {
	x >= LIMIT.wrapping_neg() && x <= LIMIT
}

/// Turn an exact Q32 accumulator into a stored Q16 value: round, then clamp.
#[inline(always)]
pub const fn rescale(acc: i64) -> i32 {
	clamp(round_shift(acc, FRAC_BITS))
}

/// Fixed-point product `a × b`, rounded and clamped.
#[inline(always)]
pub const fn mul(a: i32, b: i32) -> i32 {
	rescale((a as i64).wrapping_mul(b as i64))
}

const LOG2_E_Q30: i64 = 1_549_082_005; // log2(e) × 2^30
const LN_2_Q30: i64 = 744_261_118; // ln(2) × 2^30
const Q30: u32 = 30;
const ONE_Q30: i64 = 1 << Q30;

/// `e^x` for `x <= 0` in Q16 (positive inputs are treated as 0, giving `ONE`).
///
/// `e^x = 2^(-k) × e^(-y)` with `k` an integer and `y ∈ [0, ln 2)`; `e^(-y)` is the degree-8
/// Taylor polynomial in Q30 (error below 2^-20), then shifted by `k` and rounded to Q16.
pub fn exp_neg(x: i32) -> i32 {
	if x >= 0 {
		return ONE;
	}
	// n = -x × log2(e) in Q46 (|x| <= 2^31, so below 2^62).
	let n = i64::from(x).wrapping_neg().wrapping_mul(LOG2_E_Q30);
	let k = n >> (FRAC_BITS + Q30);
	if k >= 31 {
		return 0;
	}
	let frac_q30 = round_shift(n & ((1i64 << (FRAC_BITS + Q30)) - 1), FRAC_BITS);
	let y = round_shift(frac_q30.wrapping_mul(LN_2_Q30), Q30);
	// Horner: e^-y = 1 - y(1 - y/2(1 - y/3(... (1 - y/8))))
	let mut acc = ONE_Q30;
	let mut i = 8i64;
	while i >= 1 {
		let term = round_div(y.wrapping_mul(acc), i << Q30);
		acc = ONE_Q30.wrapping_sub(term);
		i = i.wrapping_sub(1);
	}
	// acc in Q30 within (0.5, 1]; scale to Q16 and divide by 2^k in one rounding.
	round_shift(acc, (Q30 - FRAC_BITS).wrapping_add(k as u32)) as i32
}

/// Natural logarithm of a positive Q16 value given as `i64`, in Q16; 0 for non-positive input.
///
/// `log2` by normalisation and 16 rounds of squaring (one result bit each), times `ln 2`.
pub fn ln(x: i64) -> i32 {
	if x <= 0 {
		return 0;
	}
	// Position of the highest set bit, in 0..=62 for a positive i64.
	let msb = 63i64.wrapping_sub(i64::from(x.leading_zeros()));
	let int_part = msb.wrapping_sub(i64::from(FRAC_BITS));
	// Normalise to m ∈ [1, 2) in Q30.
	let mut m = if msb > i64::from(Q30) {
		round_shift(x, msb.wrapping_sub(i64::from(Q30)) as u32)
	} else {
		x.wrapping_shl(i64::from(Q30).wrapping_sub(msb) as u32)
	};
	let mut frac = 0i64;
	let mut bit = 1i64 << (FRAC_BITS - 1);
	while bit > 0 {
		m = round_shift(m.wrapping_mul(m), Q30);
		if m >= 2 * ONE_Q30 {
			m = round_shift(m, 1);
			frac |= bit;
		}
		bit >>= 1;
	}
	let log2 = (int_part << FRAC_BITS).wrapping_add(frac);
	clamp(round_shift(log2.wrapping_mul(LN_2_Q30), Q30))
}

/// Integer square root (floor) of a `u64`.
pub fn isqrt(n: u64) -> u64 {
	if n < 2 {
		return n;
	}
	// Newton's method from an over-estimate; converges monotonically downwards.
	let mut x = 1u64.wrapping_shl(64u32.wrapping_sub(n.leading_zeros()).div_ceil(2));
	loop {
		// x >= 1 and x <= 2^32, so neither the division nor the sum can fail.
		let y = x.saturating_add(n.checked_div(x).unwrap_or(0)) / 2;
		if y >= x {
			return x;
		}
		x = y;
	}
}

/// A hyperparameter in Q15.16, written and read as an exact decimal (`"0.05"`).
///
/// Parsing rounds to the nearest representable value (ties towards +∞), so `"0.05"` is
/// `3277 / 65536`; [`fmt::Display`] prints the exact value of the bits (`0.0500030517578125`).
#[derive(
	Clone,
	Copy,
	Debug,
	Default,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct Fixed(pub i32);

impl Fixed {
	/// `0.0`.
	pub const ZERO: Self = Self(0);
	/// `1.0`.
	pub const ONE: Self = Self(ONE);

	/// `numerator / denominator`, rounded by the engine's rule; `None` for a zero denominator or
	/// a value outside `i32`.
	pub fn from_rational(numerator: i64, denominator: i64) -> Option<Self> {
		if denominator == 0 {
			return None;
		}
		let (n, d) = if denominator < 0 {
			(numerator.checked_neg()?, denominator.checked_neg()?)
		} else {
			(numerator, denominator)
		};
		let q = round_div(n.checked_mul(i64::from(ONE))?, d);
		i32::try_from(q).ok().map(Self)
	}
}

/// Why a decimal string is not a [`Fixed`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseFixedError {
	/// Empty, or something other than `[-]digits[.digits]`.
	Invalid,
	/// The value does not fit in Q15.16.
	OutOfRange,
}

impl fmt::Display for ParseFixedError {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		match self {
			Self::Invalid => f.write_str("expected a decimal number such as 0.05"),
			Self::OutOfRange => f.write_str("number out of range (|x| < 32768)"),
		}
	}
}

impl core::str::FromStr for Fixed {
	type Err = ParseFixedError;

	fn from_str(s: &str) -> Result<Self, Self::Err> {
		let (negative, digits) = match s.strip_prefix('-') {
			Some(rest) => (true, rest),
			None => (false, s),
		};
		let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
		if int.is_empty() && frac.is_empty() {
			return Err(ParseFixedError::Invalid);
		}
		if !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
			return Err(ParseFixedError::Invalid);
		}
		// Up to 18 fractional digits are significant; more cannot change a Q16 value's rounding
		// except through ties, which need the exact decimal anyway; reject them as out of spec.
		if frac.len() > 18 || int.len() > 6 {
			return Err(ParseFixedError::OutOfRange);
		}
		let parse = |t: &str| -> i128 {
			t.bytes().fold(0i128, |acc, b| {
				acc.saturating_mul(10).saturating_add(i128::from(b.saturating_sub(b'0')))
			})
		};
		let denominator = 10i128.pow(frac.len() as u32);
		// At most 6 + 18 digits and a factor 2^17: far inside i128.
		let numerator = parse(int).saturating_mul(denominator).saturating_add(parse(frac));
		let numerator = if negative { numerator.saturating_neg() } else { numerator };
		// round(numerator × 2^16 / denominator), ties towards +∞.
		let scaled = numerator.saturating_mul(i128::from(ONE));
		let q = scaled
			.saturating_mul(2)
			.saturating_add(denominator)
			.div_euclid(denominator.saturating_mul(2));
		i32::try_from(q).map(Self).map_err(|_| ParseFixedError::OutOfRange)
	}
}

impl fmt::Display for Fixed {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		let v = i64::from(self.0);
		if v < 0 {
			f.write_str("-")?;
		}
		let a = v.unsigned_abs();
		write!(f, "{}", a >> FRAC_BITS)?;
		const MASK: u64 = (1 << FRAC_BITS) - 1;
		let mut frac = a & MASK;
		if frac == 0 {
			return Ok(());
		}
		f.write_str(".")?;
		// Each binary fraction bit is an exact decimal; 16 digits at most.
		while frac != 0 {
			frac = frac.wrapping_mul(10);
			write!(f, "{}", frac >> FRAC_BITS)?;
			frac &= MASK;
		}
		Ok(())
	}
}

#[cfg(feature = "serde")]
impl serde::Serialize for Fixed {
	fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
		s.collect_str(self)
	}
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Fixed {
	fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
		struct Visitor;
		impl serde::de::Visitor<'_> for Visitor {
			type Value = Fixed;
			fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
				f.write_str("a decimal number as a string, such as \"0.05\"")
			}
			fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Fixed, E> {
				v.parse().map_err(E::custom)
			}
		}
		d.deserialize_str(Visitor)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn rounding_rule_is_nearest_ties_up() {
		assert_eq!(round_shift(3, 1), 2); // 1.5 -> 2
		assert_eq!(round_shift(-3, 1), -1); // -1.5 -> -1
		assert_eq!(round_shift(5, 2), 1); // 1.25 -> 1
		assert_eq!(round_shift(-5, 2), -1); // -1.25 -> -1
		assert_eq!(round_shift(-7, 2), -2); // -1.75 -> -2
		for n in -1000i64..1000 {
			for shift in 1..6 {
				assert_eq!(round_div(n, 1 << shift), round_shift(n, shift), "{n} >> {shift}");
			}
		}
		assert_eq!(round_div(7, 0), 0);
	}

	#[test]
	fn clamp_and_mul() {
		assert_eq!(mul(ONE, ONE), ONE);
		assert_eq!(mul(ONE / 2, ONE / 2), ONE / 4);
		assert_eq!(mul(LIMIT, LIMIT), LIMIT);
		assert_eq!(mul(-LIMIT, LIMIT), -LIMIT);
	}

	#[test]
	fn exp_and_ln_known_points() {
		assert_eq!(exp_neg(0), ONE);
		assert_eq!(exp_neg(1), ONE);
		// e^-1 = 0.36787944 -> 24109.5 × ... (24109 or 24110 in Q16)
		assert!((exp_neg(-ONE) - 24109).abs() <= 1, "{}", exp_neg(-ONE));
		// e^-10 = 4.54e-5 -> 2.97 in Q16
		assert!((exp_neg(-10 * ONE) - 3).abs() <= 1);
		assert_eq!(exp_neg(-40 * ONE), 0);
		assert_eq!(exp_neg(i32::MIN), 0);
		assert_eq!(ln(i64::from(ONE)), 0);
		// ln 2 = 0.693147 -> 45426 in Q16
		assert!((ln(2 * i64::from(ONE)) - 45426).abs() <= 1, "{}", ln(2 * i64::from(ONE)));
		// ln 0.5 = -ln 2
		assert!((ln(i64::from(ONE) / 2) + 45426).abs() <= 1);
		assert_eq!(ln(0), 0);
		assert_eq!(ln(-5), 0);
	}

	#[test]
	fn isqrt_is_floor_sqrt() {
		for n in 0u64..10_000 {
			let r = isqrt(n);
			assert!(r * r <= n && (r + 1) * (r + 1) > n, "{n}");
		}
		assert_eq!(isqrt(u64::MAX), u64::from(u32::MAX));
	}

	#[test]
	fn decimal_round_trip() {
		let lr: Fixed = "0.05".parse().unwrap();
		assert_eq!(lr, Fixed(3277));
		assert_eq!(lr.to_string(), "0.0500030517578125");
		assert_eq!(lr.to_string().parse::<Fixed>().unwrap(), lr);
		assert_eq!("-1.5".parse::<Fixed>().unwrap(), Fixed(-98304));
		assert_eq!(Fixed(-98304).to_string(), "-1.5");
		assert_eq!("3".parse::<Fixed>().unwrap(), Fixed(3 * ONE));
		assert_eq!(".5".parse::<Fixed>().unwrap(), Fixed(ONE / 2));
		assert_eq!("".parse::<Fixed>(), Err(ParseFixedError::Invalid));
		assert_eq!("1e3".parse::<Fixed>(), Err(ParseFixedError::Invalid));
		assert_eq!("-".parse::<Fixed>(), Err(ParseFixedError::Invalid));
		assert_eq!("40000".parse::<Fixed>(), Err(ParseFixedError::OutOfRange));
		assert_eq!(Fixed::from_rational(1, 3), Some(Fixed(21845)));
		assert_eq!(Fixed::from_rational(1, 0), None);
		assert_eq!(Fixed::from_rational(-1, -2), Some(Fixed(ONE / 2)));
	}
}
