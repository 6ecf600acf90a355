//! # concerto-outputs-tree
//!
//! The outputs Merkle tree libcmt keeps in a Cartesi v0.19 guest (docs/cartesi-v0.19.md §5.5, the
//! format of cartesi/machine-guest-tools `libcmt/src/merkle.c`): an append-only binary
//! tree of height 63 whose leaves are `keccak256(output)` in emission order, whose empty
//! leaf is 32 zero bytes (not a hash) and whose inner nodes are `keccak256(left ‖ right)`.
//! The guest puts its root in tx[0..32] on every accepted input; the host recomputes it
//! from the outputs it collected, so both sides must build exactly this tree.
//!
//! One implementation for both: the host machine (`concerto-machine` wraps [`OutputsTree`]
//! in its `merkle` module, only to keep its own error type) and the guest SDK
//! (`concerto-template-sdk`, built for `riscv64imac-unknown-none-elf`) use this crate. It is `no_std` without
//! `alloc`; the Keccak-f\[1600\] permutation comes from `tiny-keccak`.
//!
//! Only the frontier is kept: for each height, the last complete left subtree still
//! waiting for its right sibling. A push costs at most 63 Keccak calls, a root at most 63
//! (none for an empty tree); the empty-subtree roots are a precomputed table,
//! [`EMPTY_SUBTREES`].
#![no_std]

mod empty;

pub use empty::EMPTY_SUBTREES;

/// A Keccak-256 digest.
pub type Hash = [u8; 32];

/// Height of the outputs tree: it holds up to 2^63 leaves.
pub const HEIGHT: u32 = 63;

const LEVELS: usize = HEIGHT as usize;

/// Why a leaf could not be appended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The tree already holds 2^63 leaves.
    #[error("outputs tree is full")]
    Full,
}

/// Rate of Keccak-256 in bytes: the sponge absorbs the message in 136-byte blocks.
const RATE: usize = 136;

/// Keccak-256 of `data` (Ethereum `keccak256`: the original Keccak padding `0x01`).
///
/// The permutation is `tiny_keccak::keccakf`; the sponge around it absorbs whole 64-bit
/// lanes: in the guest about 5% fewer cycles per block than `tiny_keccak::Keccak`'s
/// byte-wise buffer (the tests check both give the same digests).
pub fn keccak256(data: &[u8]) -> Hash {
    let mut state = [0u64; 25];
    let mut blocks = data.chunks_exact(RATE);
    for block in &mut blocks {
        xor_lanes(&mut state, block);
        tiny_keccak::keccakf(&mut state);
    }
    let tail = blocks.remainder();
    let mut last = [0u8; RATE];
    last[..tail.len()].copy_from_slice(tail);
    last[tail.len()] ^= 0x01;
    last[RATE - 1] ^= 0x80;
    xor_lanes(&mut state, &last);
    tiny_keccak::keccakf(&mut state);
    squeeze(&state)
}

/// `keccak256(left ‖ right)`: an inner node. The 64 bytes fit one block, so they are
/// loaded straight into the state and permuted once.
#[inline]
pub fn keccak256_pair(left: &Hash, right: &Hash) -> Hash {
    let mut state = [0u64; 25];
    xor_lanes(&mut state[..4], left);
    xor_lanes(&mut state[4..8], right);
    state[8] ^= 0x01; // padding right after the 8 message lanes
    state[RATE / 8 - 1] ^= 0x80 << 56;
    tiny_keccak::keccakf(&mut state);
    squeeze(&state)
}

/// XORs `bytes` (little-endian 64-bit lanes) into the first lanes of `lanes`.
#[inline(always)]
fn xor_lanes(lanes: &mut [u64], bytes: &[u8]) {
    for (lane, chunk) in lanes.iter_mut().zip(bytes.chunks_exact(8)) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        *lane ^= u64::from_le_bytes(word);
    }
}

/// The first 32 bytes of the state: the digest.
#[inline(always)]
fn squeeze(state: &[u64; 25]) -> Hash {
    let mut out = [0u8; 32];
    for (chunk, lane) in out.chunks_exact_mut(8).zip(state) {
        chunk.copy_from_slice(&lane.to_le_bytes());
    }
    out
}

/// The outputs Merkle tree as libcmt builds it inside the guest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputsTree {
    /// `frontier[k]`: hash of the complete height-`k` subtree at even index
    /// `(len >> k) - 1` when bit `k` of `len` is set (stale otherwise); `frontier[63]` is
    /// the root once the tree is full.
    frontier: [Hash; LEVELS + 1],
    /// Number of leaves appended.
    len: u64,
}

impl Default for OutputsTree {
    fn default() -> Self {
        Self::new()
    }
}

impl OutputsTree {
    /// An empty tree.
    pub const fn new() -> Self {
        Self {
            frontier: [[0u8; 32]; LEVELS + 1],
            len: 0,
        }
    }

    /// Appends `keccak256(output)` as the next leaf and returns its index.
    pub fn push(&mut self, output: &[u8]) -> Result<u64, Error> {
        self.push_leaf(keccak256(output))
    }

    /// Appends an already hashed leaf and returns its index.
    pub fn push_leaf(&mut self, leaf: Hash) -> Result<u64, Error> {
        let index = self.len;
        if index >> HEIGHT != 0 {
            return Err(Error::Full);
        }
        let mut hash = leaf;
        for height in 0..=LEVELS {
            if (index >> height) & 1 == 0 {
                // Left child: park it until its right sibling completes.
                self.frontier[height] = hash;
                break;
            }
            hash = keccak256_pair(&self.frontier[height], &hash);
        }
        self.len = index + 1;
        Ok(index)
    }

    /// Number of leaves appended so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether no leaf was appended.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Root hash of the tree (missing leaves are 32 zero bytes).
    pub fn root(&self) -> Hash {
        if self.len >> HEIGHT != 0 {
            return self.frontier[LEVELS]; // full: the last push folded up to the root
        }
        // Walk up from the first empty leaf: at each height the node on that path is either
        // a right child (left sibling complete, in the frontier) or a left child (right
        // sibling empty). While everything below is empty, the node is an empty subtree.
        let mut hash = EMPTY_SUBTREES[0];
        for height in 0..LEVELS {
            hash = if (self.len >> height) & 1 == 1 {
                keccak256_pair(&self.frontier[height], &hash)
            } else if hash == EMPTY_SUBTREES[height] {
                EMPTY_SUBTREES[height + 1]
            } else {
                keccak256_pair(&hash, &EMPTY_SUBTREES[height])
            };
        }
        hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tiny_keccak::{Hasher, Keccak};

    fn hash(hex: &str) -> Hash {
        core::array::from_fn(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("hex"))
    }

    /// Keccak-256 through the sponge (not the one-block shortcut).
    fn sponge_pair(left: &Hash, right: &Hash) -> Hash {
        let mut hasher = Keccak::v256();
        hasher.update(left);
        hasher.update(right);
        let mut out = [0u8; 32];
        hasher.finalize(&mut out);
        out
    }

    #[test]
    fn keccak_known_vectors() {
        assert_eq!(
            keccak256(b""),
            hash("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")
        );
        assert_eq!(
            keccak256(b"hello"),
            hash("1c8aff950685c2ed4bc3174f3472287b56d9517b9c948127319a09a7a36deac8")
        );
    }

    /// tiny-keccak's own sponge.
    fn sponge(data: &[u8]) -> Hash {
        let mut hasher = Keccak::v256();
        hasher.update(data);
        let mut out = [0u8; 32];
        hasher.finalize(&mut out);
        out
    }

    #[test]
    fn lane_sponge_equals_tiny_keccak_sponge_at_every_length() {
        let data: [u8; 700] = core::array::from_fn(|i| (i * 7 + 3) as u8);
        for len in 0..=data.len() {
            assert_eq!(keccak256(&data[..len]), sponge(&data[..len]), "{len} bytes");
        }
    }

    #[test]
    fn pair_shortcut_equals_sponge() {
        let a: Hash = core::array::from_fn(|i| i as u8);
        let b: Hash = core::array::from_fn(|i| 0xff - i as u8);
        assert_eq!(keccak256_pair(&a, &b), sponge_pair(&a, &b));
        assert_eq!(keccak256_pair(&b, &a), sponge_pair(&b, &a));
    }

    #[test]
    fn empty_subtree_table_is_keccak_of_pairs() {
        assert_eq!(EMPTY_SUBTREES[0], [0u8; 32]);
        for k in 1..=LEVELS {
            let below = &EMPTY_SUBTREES[k - 1];
            assert_eq!(EMPTY_SUBTREES[k], sponge_pair(below, below), "height {k}");
        }
        // docs/cartesi-v0.19.md §5.5.
        assert_eq!(
            EMPTY_SUBTREES[1],
            hash("ad3228b676f7d3cd4284a5443f17f1962b36e491b30a40b2405849e597ba5fb5")
        );
    }

    #[test]
    fn golden_roots() {
        // docs/cartesi-v0.19.md §5.5 (libcmt).
        let mut tree = OutputsTree::new();
        assert_eq!(
            tree.root(),
            hash("0a162946e56158bac0673e6dd3bdfdc1e4a0e7744a120fdb640050c8d7abe1c6")
        );
        assert_eq!(tree.push(b"hello"), Ok(0));
        assert_eq!(
            tree.root(),
            hash("670c5332b66dc0d192188efa99826ce9dc7b1b1dc7628e8d080ea1a34a13fcb8")
        );
    }

    #[test]
    fn a_full_tree_refuses_leaves() {
        // Fake a tree with 2^63 - 1 leaves: the next push completes it.
        let mut tree = OutputsTree::new();
        tree.len = (1 << HEIGHT) - 1;
        tree.frontier[..LEVELS].copy_from_slice(&EMPTY_SUBTREES[..LEVELS]);
        assert_eq!(tree.push_leaf([0; 32]), Ok((1 << HEIGHT) - 1));
        assert_eq!(tree.len(), 1 << HEIGHT);
        assert_eq!(tree.root(), EMPTY_SUBTREES[LEVELS]);
        assert_eq!(tree.push(b"one too many"), Err(Error::Full));
        assert_eq!(tree.len(), 1 << HEIGHT);
    }
}
