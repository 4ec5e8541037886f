//! The engine's only source of randomness: SplitMix64, seeded from the program.

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, and fully specified by its seed.
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

impl SplitMix64 {
	/// A generator for one purpose (`domain`) of one program (`seed`).
	pub fn new(seed: u64, domain: u64) -> Self {
		let mut g = Self(seed ^ domain.wrapping_mul(GOLDEN_GAMMA));
		g.next_u64(); // decorrelate nearby seeds
		g
	}

	/// Next 64 random bits.
	pub fn next_u64(&mut self) -> u64 {
		self.0 = self.0.wrapping_add(GOLDEN_GAMMA);
		let mut z = self.0;
		z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
		z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
		z ^ (z >> 31)
	}

	/// A value in `0..bound` (`bound > 0`) by multiply-high (Lemire, without rejection: the
	/// bias is below 2^-32 for every bound the engine uses, and it is the same everywhere).
	pub fn below(&mut self, bound: u32) -> u32 {
		// A u32 times a u32 fits in a u64.
		(u64::from(self.next_u64() as u32).wrapping_mul(u64::from(bound)) >> 32) as u32
	}
}

/// Domain of the weight initialisation stream.
pub const DOMAIN_INIT: u64 = 1;
/// Domain of the minibatch order of epoch `e` is `DOMAIN_EPOCH + e`.
pub const DOMAIN_EPOCH: u64 = 1 << 32;
/// Domain of the train/test split of dataset import.
pub const DOMAIN_SPLIT: u64 = 2;
