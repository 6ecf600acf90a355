//! Pristine (all-zero) subtree hashes and hashing of aligned ranges given their bytes.

use super::keccak::{keccak256_const, keccak256_pair, keccak256_word};
use super::{Hash, LOG2_ROOT_SIZE, LOG2_WORD_SIZE};

/// Hashes of all-zero ranges of the state tree, indexed by log2 size; entries below
/// [`LOG2_WORD_SIZE`] are unused (zero). `P5 = keccak256(0^32)`, `P(n+1) = keccak256(Pn ‖ Pn)`.
pub(super) const PRISTINE: [Hash; 65] = pristine_table();

const fn pristine_table() -> [Hash; 65] {
    let mut table = [[0u8; 32]; 65];
    table[LOG2_WORD_SIZE as usize] = keccak256_const(&[0u8; 32], None);
    let mut log2 = LOG2_WORD_SIZE as usize + 1;
    while log2 <= LOG2_ROOT_SIZE as usize {
        table[log2] = keccak256_const(&table[log2 - 1], Some(&table[log2 - 1]));
        log2 += 1;
    }
    table
}

/// Clamps a log2 size into the tree's valid range `5..=64`.
#[inline]
fn clamp_log2(log2_size: u32) -> u32 {
    log2_size.clamp(LOG2_WORD_SIZE, LOG2_ROOT_SIZE)
}

/// Hash of an all-zero aligned range of `2^log2_size` bytes in the state tree.
///
/// Valid sizes are `5..=64`; a smaller size yields the 32-byte word's hash and a larger one
/// the hash of the whole address space (the table is precomputed at compile time).
#[inline]
pub fn pristine_hash(log2_size: u32) -> Hash {
    PRISTINE[clamp_log2(log2_size) as usize]
}

/// Merkle hash of an aligned range of `2^log2_size` bytes whose contents are `bytes`
/// followed by zeros.
///
/// Bytes past `2^log2_size` are ignored; `log2_size` is clamped into `5..=64`. Zero words
/// and all-zero subranges short-circuit to their pristine hashes, so hashing a short slice
/// as a huge range (e.g. `hash_range(&image, 64)` for an image at address 0) is cheap.
pub fn hash_range(bytes: &[u8], log2_size: u32) -> Hash {
    let log2_size = clamp_log2(log2_size);
    let bytes = match 1usize.checked_shl(log2_size) {
        Some(size) if size < bytes.len() => &bytes[..size],
        _ => bytes,
    };
    hash_subrange(bytes, log2_size)
}

/// Recursive worker of [`hash_range`]: `bytes` is at most `2^log2_size` long.
fn hash_subrange(bytes: &[u8], log2_size: u32) -> Hash {
    if bytes.is_empty() {
        return PRISTINE[log2_size as usize];
    }
    if log2_size == LOG2_WORD_SIZE {
        let mut word = [0u8; 32];
        word[..bytes.len()].copy_from_slice(bytes);
        return leaf_hash(&word);
    }
    let child = log2_size - 1;
    // A half larger than the address width (32-bit targets) holds all of `bytes`.
    let half = 1usize.checked_shl(child).unwrap_or(usize::MAX);
    let (left, right) = bytes.split_at(half.min(bytes.len()));
    combine(
        &hash_subrange(left, child),
        &hash_subrange(right, child),
        log2_size,
    )
}

/// Hash of a 32-byte leaf, skipping Keccak for the zero word.
#[inline]
pub(super) fn leaf_hash(word: &[u8; 32]) -> Hash {
    if *word == [0u8; 32] {
        PRISTINE[LOG2_WORD_SIZE as usize]
    } else {
        keccak256_word(word)
    }
}

/// Hash of a node of size `2^log2_size` from its children, skipping Keccak when both are
/// pristine.
#[inline]
pub(super) fn combine(left: &Hash, right: &Hash, log2_size: u32) -> Hash {
    let child = &PRISTINE[log2_size as usize - 1];
    if left == child && right == child {
        PRISTINE[log2_size as usize]
    } else {
        keccak256_pair(left, right)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pristine_chain_matches_runtime_keccak() {
        assert_eq!(PRISTINE[5], super::super::keccak256(&[0u8; 32]));
        for log2 in 6..=64 {
            assert_eq!(
                PRISTINE[log2],
                keccak256_pair(&PRISTINE[log2 - 1], &PRISTINE[log2 - 1])
            );
        }
    }

    #[test]
    fn short_inputs_are_zero_padded() {
        let mut page = [0u8; 4096];
        page[100] = 7;
        assert_eq!(hash_range(&page[..101], 12), hash_range(&page, 12));
        assert_eq!(hash_range(&[], 12), PRISTINE[12]);
        assert_eq!(hash_range(&page, 64), hash_range(&page[..128], 64));
    }
}
