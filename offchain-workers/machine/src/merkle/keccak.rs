//! Keccak-256 with the original Keccak padding (domain byte `0x01`), as Ethereum uses it.
//!
//! Runtime hashing runs on `tiny_keccak::keccakf`. Inputs of at most one rate block (the
//! 32-byte leaves and the 64-byte node pairs of the Merkle trees) skip the sponge's buffer
//! handling: the block is loaded straight into the state, padded and permuted once.
//!
//! A `const fn` implementation of the same permutation, written from the Keccak reference
//! (round constants derived from the LFSR, rotation offsets from the ρ table), builds the
//! pristine-hash tables at compile time. The two implementations are checked against each
//! other by tests and against an independent Python reference by the golden vectors.

use super::Hash;
use tiny_keccak::{Hasher, Keccak};

/// Rate of Keccak-256 in 64-bit lanes (136 bytes).
const RATE_LANES: usize = 17;

/// Keccak-256 of `data` (Ethereum `keccak256`).
pub fn keccak256(data: &[u8]) -> Hash {
    let mut hasher = Keccak::v256();
    hasher.update(data);
    let mut out = [0u8; 32];
    hasher.finalize(&mut out);
    out
}

/// Keccak-256 of the 64-byte concatenation `a ‖ b`: the hash of an inner Merkle node.
#[inline]
pub fn keccak256_pair(a: &Hash, b: &Hash) -> Hash {
    let mut state = [0u64; 25];
    load_lanes(&mut state[0..4], a);
    load_lanes(&mut state[4..8], b);
    finish_single_block(state, 8)
}

/// Keccak-256 of one 32-byte word: the hash of a Merkle leaf.
#[inline]
pub fn keccak256_word(word: &[u8; 32]) -> Hash {
    let mut state = [0u64; 25];
    load_lanes(&mut state[0..4], word);
    finish_single_block(state, 4)
}

/// XORs little-endian lanes of `bytes` (length `8 * lanes.len()`) into `lanes`.
#[inline(always)]
fn load_lanes(lanes: &mut [u64], bytes: &[u8]) {
    for (lane, chunk) in lanes.iter_mut().zip(bytes.chunks_exact(8)) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        *lane ^= u64::from_le_bytes(word);
    }
}

/// Pads a message of `used_lanes` whole lanes (< rate), permutes once and squeezes 32 bytes.
#[inline(always)]
fn finish_single_block(mut state: [u64; 25], used_lanes: usize) -> Hash {
    state[used_lanes] ^= 0x01;
    state[RATE_LANES - 1] ^= 0x80 << 56;
    tiny_keccak::keccakf(&mut state);
    squeeze(&state)
}

#[inline(always)]
fn squeeze(state: &[u64; 25]) -> Hash {
    let mut out = [0u8; 32];
    for (chunk, lane) in out.chunks_exact_mut(8).zip(state.iter()) {
        chunk.copy_from_slice(&lane.to_le_bytes());
    }
    out
}

// ---------------------------------------------------------------------------------------
// Compile-time Keccak (only for building constant tables).
// ---------------------------------------------------------------------------------------

/// Rotation offsets ρ, indexed by lane `x + 5y` (Keccak reference, table of r[x, y]).
const RHO_OFFSETS: [u32; 25] = [
    0, 1, 62, 28, 27, //
    36, 44, 6, 55, 20, //
    3, 10, 43, 25, 39, //
    41, 45, 15, 21, 8, //
    18, 2, 61, 56, 14,
];

/// Round constants of Keccak-f[1600], derived from the degree-8 LFSR of the reference.
pub(super) const ROUND_CONSTANTS: [u64; 24] = round_constants();

const fn round_constants() -> [u64; 24] {
    let mut constants = [0u64; 24];
    // LFSR with polynomial x^8 + x^6 + x^5 + x^4 + 1; rc(t) is bit 0 of the state at step t.
    let mut lfsr: u8 = 1;
    let mut round = 0;
    while round < 24 {
        let mut j = 0;
        while j < 7 {
            if lfsr & 1 != 0 {
                constants[round] |= 1u64 << ((1u32 << j) - 1);
            }
            lfsr = if lfsr & 0x80 != 0 {
                (lfsr << 1) ^ 0x71
            } else {
                lfsr << 1
            };
            j += 1;
        }
        round += 1;
    }
    constants
}

/// Keccak-f[1600] as a `const fn` (θ, ρ, π, χ, ι over lanes indexed `x + 5y`).
const fn keccakf_const(mut a: [u64; 25]) -> [u64; 25] {
    let mut round = 0;
    while round < 24 {
        // θ
        let mut c = [0u64; 5];
        let mut x = 0;
        while x < 5 {
            c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
            x += 1;
        }
        let mut x = 0;
        while x < 5 {
            let d = c[(x + 4) % 5] ^ c[(x + 1) % 5].rotate_left(1);
            let mut y = 0;
            while y < 25 {
                a[x + y] ^= d;
                y += 5;
            }
            x += 1;
        }
        // ρ and π: B[y, 2x + 3y] = rot(A[x, y], r[x, y])
        let mut b = [0u64; 25];
        let mut lane = 0;
        while lane < 25 {
            let (x, y) = (lane % 5, lane / 5);
            b[y + 5 * ((2 * x + 3 * y) % 5)] = a[lane].rotate_left(RHO_OFFSETS[lane]);
            lane += 1;
        }
        // χ
        let mut lane = 0;
        while lane < 25 {
            let (x, row) = (lane % 5, lane - lane % 5);
            a[lane] = b[lane] ^ (!b[row + (x + 1) % 5] & b[row + (x + 2) % 5]);
            lane += 1;
        }
        // ι
        a[0] ^= ROUND_CONSTANTS[round];
        round += 1;
    }
    a
}

/// Compile-time Keccak-256 of `a` (and `b` when given): a single 32- or 64-byte block.
pub(super) const fn keccak256_const(a: &Hash, b: Option<&Hash>) -> Hash {
    let mut state = [0u64; 25];
    let mut used = 0;
    used = absorb_const(&mut state, used, a);
    if let Some(b) = b {
        used = absorb_const(&mut state, used, b);
    }
    state[used] ^= 0x01;
    state[RATE_LANES - 1] ^= 0x80 << 56;
    let state = keccakf_const(state);
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = (state[i / 8] >> (8 * (i % 8))) as u8;
        i += 1;
    }
    out
}

const fn absorb_const(state: &mut [u64; 25], first_lane: usize, bytes: &Hash) -> usize {
    let mut i = 0;
    while i < 32 {
        state[first_lane + i / 8] |= (bytes[i] as u64) << (8 * (i % 8));
        i += 1;
    }
    first_lane + 4
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn const_and_runtime_permutations_agree() {
        let a: Hash = core::array::from_fn(|i| i as u8);
        let b: Hash = core::array::from_fn(|i| 0xff - i as u8);
        assert_eq!(keccak256_const(&a, None), keccak256(&a));
        assert_eq!(keccak256_const(&a, Some(&b)), keccak256(&[a, b].concat()));
        assert_eq!(keccak256_word(&a), keccak256(&a));
        assert_eq!(keccak256_pair(&a, &b), keccak256(&[a, b].concat()));
    }

    #[test]
    fn round_constants_match_reference_endpoints() {
        assert_eq!(ROUND_CONSTANTS[0], 1);
        assert_eq!(ROUND_CONSTANTS[1], 0x8082);
        assert_eq!(ROUND_CONSTANTS[23], 0x8000_0000_8000_8008);
    }
}
