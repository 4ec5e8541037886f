//! Hashes and Merkle commitments: state hashes, the trace root over them, inclusion proofs.
//!
//! Hashes are blake2b-256 (the same function as `sp_io::hashing::blake2_256`). The Merkle tree is
//! Substrate's `binary-merkle-tree`: leaves are hashed once more, pairs are hashed as
//! `H(left ‖ right)`, an odd last node is promoted unchanged.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// A 32-byte blake2b-256 hash.
pub type Hash = [u8; 32];

/// blake2b-256 of `data`.
pub fn blake2_256(data: &[u8]) -> Hash {
	let digest = blake2b_simd::Params::new().hash_length(32).hash(data);
	let mut out = [0u8; 32];
	out.copy_from_slice(digest.as_bytes());
	out
}

/// Streams an encoding into blake2b without materialising it.
struct HashingOutput(blake2b_simd::State);

impl codec::Output for HashingOutput {
	fn write(&mut self, bytes: &[u8]) {
		self.0.update(bytes);
	}
}

/// blake2b-256 of the SCALE encoding of `value`.
pub fn hash_encoded<T: Encode + ?Sized>(value: &T) -> Hash {
	let mut out = HashingOutput(blake2b_simd::Params::new().hash_length(32).to_state());
	value.encode_to(&mut out);
	let mut hash = [0u8; 32];
	hash.copy_from_slice(out.0.finalize().as_bytes());
	hash
}

/// blake2b-256 as a [`hash_db::Hasher`] for `binary-merkle-tree`.
pub struct Blake2Hasher;

impl hash_db::Hasher for Blake2Hasher {
	type Out = Hash;
	type StdHasher = hash256_std_hasher::Hash256StdHasher;
	const LENGTH: usize = 32;

	fn hash(x: &[u8]) -> Hash {
		blake2_256(x)
	}
}

/// Merkle root over `leaves` (each hashed once more as a leaf). All zeroes for no leaves.
pub fn merkle_root(leaves: &[Hash]) -> Hash {
	binary_merkle_tree::merkle_root::<Blake2Hasher, _>(leaves)
}

/// Inclusion proof of leaf `index`: the sibling hashes from the leaf up to the root.
#[derive(
	Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct MerkleProof {
	/// Sibling hashes, leaf level first. At most 32 (trees have at most 2^32 leaves).
	pub siblings: bounded_collections::BoundedVec<Hash, bounded_collections::ConstU32<32>>,
}

/// Proof for leaf `index` of `leaves`; `None` if `index` is out of range.
pub fn merkle_proof(leaves: &[Hash], index: u32) -> Option<MerkleProof> {
	if index as usize >= leaves.len() {
		return None;
	}
	let proof = binary_merkle_tree::merkle_proof::<Blake2Hasher, _, _>(leaves, index);
	Some(MerkleProof { siblings: bounded_collections::BoundedVec::truncate_from(proof.proof) })
}

/// The root a proof of `leaf` at `index` among `leaves` leaves leads to, folded exactly as
/// [`merkle_root`] builds the tree: the leaf hashed once more, then at each level the sibling on
/// the side the position's parity gives, except where the node is the last of an odd level and
/// was promoted without one. `None` unless the proof has exactly as many siblings as that path
/// takes.
///
/// `binary_merkle_tree::verify_proof` is not used: it takes a promoted node's position for a
/// right child and does not check the proof's length, so in a tree whose leaf count is not a
/// power of two a genuine proof of one leaf also verifies at other indices (a proof of leaf 3 of
/// three, for one, verifies as leaf 2). A fraud proof or a game move could then present a real
/// leaf as another step's.
pub fn root_from_proof(leaf: Hash, index: u32, leaves: u32, proof: &MerkleProof) -> Option<Hash> {
	if index >= leaves {
		return None;
	}
	let mut hash = blake2_256(&leaf);
	let (mut position, mut width) = (index, leaves);
	let mut siblings = proof.siblings.iter();
	let mut pair = [0u8; 64];
	while width > 1 {
		let promoted = position % 2 == 0 && position.saturating_add(1) == width;
		if !promoted {
			let sibling = siblings.next()?;
			let (left, right) = if position % 2 == 1 { (sibling, &hash) } else { (&hash, sibling) };
			pair[..32].copy_from_slice(left);
			pair[32..].copy_from_slice(right);
			hash = blake2_256(&pair);
		}
		position /= 2;
		width = width.div_ceil(2);
	}
	siblings.next().is_none().then_some(hash)
}

/// Whether `leaf` is leaf `index` of a tree of `leaves` leaves with root `root` (see
/// [`root_from_proof`]: a proof verifies at its own index only).
pub fn verify_proof(root: &Hash, leaves: u32, index: u32, leaf: Hash, proof: &MerkleProof) -> bool {
	root_from_proof(leaf, index, leaves, proof).is_some_and(|computed| computed == *root)
}

/// A training trace: the state hash after every step, step 1 first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trace {
	/// `hashes[i]` is the hash of the state after step `i + 1`.
	pub hashes: Vec<Hash>,
}

impl Trace {
	/// The commitment a solver posts: the Merkle root over the step hashes.
	pub fn root(&self) -> Hash {
		merkle_root(&self.hashes)
	}

	/// Hash of the state after `step` (1-based).
	pub fn step_hash(&self, step: u32) -> Option<Hash> {
		self.hashes.get(step.checked_sub(1)? as usize).copied()
	}

	/// Proof that [`Self::step_hash`] of `step` is in [`Self::root`].
	pub fn proof(&self, step: u32) -> Option<MerkleProof> {
		merkle_proof(&self.hashes, step.checked_sub(1)?)
	}
}

/// Whether `hash` is the state hash after `step` (1-based) in a trace of `steps` steps.
pub fn verify_step(root: &Hash, steps: u32, step: u32, hash: Hash, proof: &MerkleProof) -> bool {
	match step.checked_sub(1) {
		Some(index) => verify_proof(root, steps, index, hash, proof),
		None => false,
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn blake2_matches_known_vector() {
		// blake2b-256("") from RFC 7693's reference implementation.
		assert_eq!(
			blake2_256(b""),
			[
				0x0e, 0x57, 0x51, 0xc0, 0x26, 0xe5, 0x43, 0xb2, 0xe8, 0xab, 0x2e, 0xb0, 0x60, 0x99,
				0xda, 0xa1, 0xd1, 0xe5, 0xdf, 0x47, 0x77, 0x8f, 0x77, 0x87, 0xfa, 0xab, 0x45, 0xcd,
				0xf1, 0x2f, 0xe3, 0xa8
			]
		);
		assert_eq!(hash_encoded(&(1u32, 2u64)), blake2_256(&(1u32, 2u64).encode()));
	}

	#[test]
	fn proofs_verify_for_every_leaf_and_only_there() {
		// Every leaf's proof at every other index, for every tree shape up to 70 leaves (odd
		// levels at every height), and in a 1,500-leaf tree (a loose verifier aliases 516 pairs).
		for n in (1u32..=70).chain([1_500]) {
			let trace = Trace { hashes: (0..n).map(|i| blake2_256(&i.to_le_bytes())).collect() };
			let root = trace.root();
			for step in 1..=n {
				let proof = trace.proof(step).unwrap();
				let hash = trace.step_hash(step).unwrap();
				assert!(verify_step(&root, n, step, hash, &proof), "n={n} step={step}");
				for other in (1..=n).filter(|o| *o != step) {
					assert!(
						!verify_step(&root, n, other, hash, &proof),
						"n={n}: {step} as {other}"
					);
				}
				// Neither a sibling more nor one less.
				let mut longer = proof.clone();
				if longer.siblings.try_push([0; 32]).is_ok() {
					assert!(!verify_step(&root, n, step, hash, &longer), "n={n} step={step}");
				}
				let mut shorter = proof.clone();
				if shorter.siblings.pop().is_some() {
					assert!(!verify_step(&root, n, step, hash, &shorter), "n={n} step={step}");
				}
			}
		}
		for n in 1u32..=9 {
			let trace = Trace { hashes: (0..n).map(|i| blake2_256(&i.to_le_bytes())).collect() };
			let root = trace.root();
			for step in 1..=n {
				let proof = trace.proof(step).unwrap();
				let hash = trace.step_hash(step).unwrap();
				assert!(verify_step(&root, n, step, hash, &proof), "n={n} step={step}");
				assert!(!verify_step(&root, n, step, [7; 32], &proof));
				if n > 1 {
					let other = if step == 1 { 2 } else { 1 };
					assert!(!verify_step(&root, n, other, hash, &proof), "n={n} step={step}");
				}
			}
			assert!(trace.proof(0).is_none() && trace.proof(n + 1).is_none());
			assert!(!verify_step(&root, n, 0, trace.hashes[0], &trace.proof(1).unwrap()));
		}
	}
}
