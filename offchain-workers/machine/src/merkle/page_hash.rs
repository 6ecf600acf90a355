//! Hashing of whole pages, one at a time or in batches (spread over the host's cores when
//! the `std` feature is on). On x86-64 hosts with AVX-512 (and `std`), the 255 Keccak calls
//! of a page run eight at a time. The hashes are the same on every path.

use alloc::vec::Vec;

use super::pristine::{hash_range, PRISTINE};
use super::{Hash, LOG2_PAGE_SIZE, PAGE_SIZE};

/// Merkle hash of one page; an all-zero page is P12 without hashing.
pub(super) fn page_hash(page: &[u8; PAGE_SIZE]) -> Hash {
    if page.iter().all(|&b| b == 0) {
        return PRISTINE[LOG2_PAGE_SIZE as usize];
    }
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if super::keccak_x8::available() {
        return wide::page_hash(page);
    }
    hash_range(page, LOG2_PAGE_SIZE)
}

/// Batches smaller than this are hashed on the calling thread.
#[cfg(feature = "std")]
const PARALLEL_THRESHOLD: usize = 256;

/// Hashes of `pages`, in order.
#[cfg(feature = "std")]
pub(super) fn page_hashes(pages: &[(u64, &[u8; PAGE_SIZE])]) -> Vec<Hash> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads < 2 || pages.len() < PARALLEL_THRESHOLD {
        return pages.iter().map(|(_, page)| page_hash(page)).collect();
    }
    let chunk = pages.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = pages
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|(_, page)| page_hash(page))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| match worker.join() {
                Ok(hashes) => hashes,
                // A worker can only panic if hashing itself panicked; surface it unchanged.
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    })
}

/// Hashes of `pages`, in order.
#[cfg(not(feature = "std"))]
pub(super) fn page_hashes(pages: &[(u64, &[u8; PAGE_SIZE])]) -> Vec<Hash> {
    pages.iter().map(|(_, page)| page_hash(page)).collect()
}

/// Page hashing with the eight-way Keccak.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
mod wide {
    use super::super::keccak::{keccak256_pair, keccak256_word};
    use super::super::keccak_x8::hash8;
    use super::super::{pristine::PRISTINE, Hash, LOG2_PAGE_SIZE, LOG2_WORD_SIZE, PAGE_SIZE};

    const LEAVES: usize = PAGE_SIZE >> LOG2_WORD_SIZE;

    /// Merkle hash of a page. Only called when AVX-512F is available.
    pub(super) fn page_hash(page: &[u8; PAGE_SIZE]) -> Hash {
        let mut current = [[0u8; 32]; LEAVES];
        let mut next = [[0u8; 32]; LEAVES];
        let mut jobs = Jobs::default();
        for (index, word) in page.chunks_exact(32).enumerate() {
            if word.iter().all(|&b| b == 0) {
                current[index] = PRISTINE[LOG2_WORD_SIZE as usize];
            } else {
                let mut message = [0u64; 8];
                load(&mut message[..4], word);
                jobs.push(index, message);
            }
        }
        jobs.run(4, &mut current);
        let mut count = LEAVES;
        for log2_size in LOG2_WORD_SIZE + 1..=LOG2_PAGE_SIZE {
            let child = &PRISTINE[log2_size as usize - 1];
            count /= 2;
            for index in 0..count {
                let (left, right) = (&current[2 * index], &current[2 * index + 1]);
                if left == child && right == child {
                    next[index] = PRISTINE[log2_size as usize];
                } else {
                    let mut message = [0u64; 8];
                    load(&mut message[..4], left);
                    load(&mut message[4..], right);
                    jobs.push(index, message);
                }
            }
            jobs.run(8, &mut next);
            core::mem::swap(&mut current, &mut next);
        }
        current[0]
    }

    fn load(lanes: &mut [u64], bytes: &[u8]) {
        for (lane, chunk) in lanes.iter_mut().zip(bytes.chunks_exact(8)) {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            *lane = u64::from_le_bytes(word);
        }
    }

    /// Pending single-block hashes of one tree level, run eight at a time.
    struct Jobs {
        targets: [usize; LEAVES],
        messages: [[u64; 8]; LEAVES],
        len: usize,
    }

    impl Default for Jobs {
        fn default() -> Self {
            Self {
                targets: [0; LEAVES],
                messages: [[0; 8]; LEAVES],
                len: 0,
            }
        }
    }

    impl Jobs {
        fn push(&mut self, target: usize, message: [u64; 8]) {
            self.targets[self.len] = target;
            self.messages[self.len] = message;
            self.len += 1;
        }

        /// Hashes the pending messages of `words` lanes into `out[target]`, then clears.
        fn run(&mut self, words: usize, out: &mut [Hash; LEAVES]) {
            for start in (0..self.len).step_by(8) {
                let end = (start + 8).min(self.len);
                if end - start == 1 {
                    out[self.targets[start]] = scalar(&self.messages[start], words);
                    continue;
                }
                let mut batch = [[0u64; 8]; 8];
                batch[..end - start].copy_from_slice(&self.messages[start..end]);
                // SAFETY: this module is only used after `keccak_x8::available()`.
                let hashes = unsafe { hash8(&batch, words) };
                for (target, hash) in self.targets[start..end].iter().zip(hashes) {
                    out[*target] = hash;
                }
            }
            self.len = 0;
        }
    }

    fn scalar(message: &[u64; 8], words: usize) -> Hash {
        let mut bytes = [0u8; 64];
        for (chunk, lane) in bytes.chunks_exact_mut(8).zip(message) {
            chunk.copy_from_slice(&lane.to_le_bytes());
        }
        let half = |range: core::ops::Range<usize>| -> [u8; 32] {
            let mut out = [0u8; 32];
            out.copy_from_slice(&bytes[range]);
            out
        };
        if words == 4 {
            keccak256_word(&half(0..32))
        } else {
            keccak256_pair(&half(0..32), &half(32..64))
        }
    }

    #[cfg(test)]
    mod tests {
        use super::super::super::{hash_range, keccak_x8};
        use super::*;

        #[test]
        fn wide_page_hash_matches_scalar() {
            if !keccak_x8::available() {
                return;
            }
            let mut seed = 0x1234_5678u32;
            for density in [1usize, 3, 17, 64, 500, 4096] {
                let mut page = [0u8; PAGE_SIZE];
                for _ in 0..density {
                    seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    page[(seed >> 8) as usize % PAGE_SIZE] = (seed >> 24) as u8 | 1;
                }
                assert_eq!(
                    page_hash(&page),
                    hash_range(&page, LOG2_PAGE_SIZE),
                    "density {density}"
                );
            }
        }
    }
}
