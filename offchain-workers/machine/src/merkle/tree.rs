//! The sparse state Merkle tree over the 2^64-byte address space.
//!
//! Storage: one ordered map per level from the page level (12) to the root (64), holding
//! only nodes whose hash differs from the pristine hash of their size. A page update hashes
//! the page at once (an all-zero page is P12 without hashing) and records the page as
//! dirty; [`MerkleTree::root_hash`] then recomputes the ancestors of dirty nodes level by
//! level, so a refresh costs O(dirty pages × 52 levels) Keccak calls and map operations.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;
use core::mem;

use super::page_hash::{page_hash, page_hashes};
use super::pristine::{combine, hash_range, PRISTINE};
use super::proof::Proof;
use super::{check_range, node_index, Hash, ProofError, LOG2_PAGE_SIZE, LOG2_ROOT_SIZE, PAGE_SIZE};

/// Number of stored levels: 12 (pages) through 64 (root).
const LEVELS: usize = (LOG2_ROOT_SIZE - LOG2_PAGE_SIZE + 1) as usize;

/// Sparse Keccak-256 Merkle tree of the machine state (Cartesi v0.19 shape: root 2^64,
/// pages 2^12, leaves 2^5).
///
/// Feed it page contents with [`update_page`](Self::update_page) /
/// [`clear_page`](Self::clear_page) whenever pages change, then ask for
/// [`root_hash`](Self::root_hash), [`node_hash`](Self::node_hash) or a [`Proof`].
/// Cloning copies the stored hashes; clones are fully independent.
#[derive(Clone, Debug)]
pub struct MerkleTree {
    /// `nodes[l - 12]`: non-pristine hashes of level-`l` nodes, keyed by `address >> l`.
    nodes: Vec<BTreeMap<u64, Hash>>,
    /// `dirty[l - 12]`: level-`l` nodes changed since the last refresh whose ancestors
    /// must be recomputed.
    dirty: Vec<BTreeSet<u64>>,
    /// Subtrees whose hash is a constant, keyed by `(log2 size, index)`.
    constants: BTreeMap<(u32, u64), Hash>,
}

impl Default for MerkleTree {
    fn default() -> Self {
        Self::new()
    }
}

impl MerkleTree {
    /// A tree over an all-zero address space (root = `pristine_hash(64)`).
    pub fn new() -> Self {
        Self {
            nodes: (0..LEVELS).map(|_| BTreeMap::new()).collect(),
            dirty: (0..LEVELS).map(|_| BTreeSet::new()).collect(),
            constants: BTreeMap::new(),
        }
    }

    /// Records the contents of the page at `page_addr` (offset bits are ignored) and marks
    /// its path dirty. An all-zero page takes the pristine hash without hashing.
    pub fn update_page(&mut self, page_addr: u64, page: &[u8; PAGE_SIZE]) {
        self.set_page_hash(node_index(page_addr, LOG2_PAGE_SIZE), page_hash(page));
    }

    /// [`update_page`](Self::update_page) for a batch of `(page_addr, page)`; with the `std`
    /// feature a large batch is hashed on all available cores (same result, less time).
    pub fn update_pages<'a, I>(&mut self, pages: I)
    where
        I: IntoIterator<Item = (u64, &'a [u8; PAGE_SIZE])>,
    {
        let batch: Vec<(u64, &[u8; PAGE_SIZE])> = pages.into_iter().collect();
        for ((page_addr, _), hash) in batch.iter().zip(page_hashes(&batch)) {
            self.set_page_hash(node_index(*page_addr, LOG2_PAGE_SIZE), hash);
        }
    }

    /// Records that the page at `page_addr` (offset bits are ignored) is all zero.
    pub fn clear_page(&mut self, page_addr: u64) {
        self.set_page_hash(
            node_index(page_addr, LOG2_PAGE_SIZE),
            PRISTINE[LOG2_PAGE_SIZE as usize],
        );
    }

    fn set_page_hash(&mut self, page_index: u64, hash: Hash) {
        if self.constants.contains_key(&(LOG2_PAGE_SIZE, page_index)) {
            return;
        }
        self.store(LOG2_PAGE_SIZE, page_index, hash);
        self.dirty[0].insert(page_index);
    }

    /// Fixes the hash of the aligned subtree `address / 2^log2_size` (log2 size 12..=64) to
    /// `hash`, e.g. the reset-state uarch node (0x40_0000, 22).
    ///
    /// The constant wins over any page updated inside the subtree; hashes and proofs of
    /// ranges strictly inside it are refused with [`ProofError::InsideConstantSubtree`].
    pub fn set_subtree_hash(
        &mut self,
        address: u64,
        log2_size: u32,
        hash: Hash,
    ) -> Result<(), ProofError> {
        check_range(address, log2_size, LOG2_PAGE_SIZE)?;
        let index = node_index(address, log2_size);
        self.constants.insert((log2_size, index), hash);
        self.store(log2_size, index, hash);
        self.dirty[level_slot(log2_size)].insert(index);
        Ok(())
    }

    /// The root hash of the whole 2^64-byte space, after recomputing dirty paths.
    pub fn root_hash(&mut self) -> Hash {
        self.refresh();
        self.stored(LOG2_ROOT_SIZE, 0)
    }

    /// Hash of the aligned node `address / 2^log2_size` for log2 size 12..=64.
    pub fn node_hash(&mut self, address: u64, log2_size: u32) -> Result<Hash, ProofError> {
        check_range(address, log2_size, LOG2_PAGE_SIZE)?;
        self.check_not_inside_constant(address, log2_size)?;
        self.refresh();
        Ok(self.stored(log2_size, node_index(address, log2_size)))
    }

    /// Hash of any aligned range `address / 2^log2_size` (log2 size 5..=64); for sub-page
    /// ranges `page_bytes(page_address)` supplies the containing page (`None` = zero page),
    /// which must match what the tree was last given.
    pub fn range_hash<F, P>(
        &mut self,
        address: u64,
        log2_size: u32,
        page_bytes: F,
    ) -> Result<Hash, ProofError>
    where
        F: FnOnce(u64) -> Option<P>,
        P: AsRef<[u8]>,
    {
        if log2_size >= LOG2_PAGE_SIZE {
            return self.node_hash(address, log2_size);
        }
        check_range(address, log2_size, super::LOG2_WORD_SIZE)?;
        let page = self.checked_page(address, log2_size, page_bytes)?;
        Ok(sub_page_hash(&page, address, log2_size))
    }

    /// Inclusion proof of the aligned node `address / 2^log2_size`, log2 size 12..=64.
    pub fn node_proof(&mut self, address: u64, log2_size: u32) -> Result<Proof, ProofError> {
        let target_hash = self.node_hash(address, log2_size)?;
        Ok(self.proof_from_level(address, log2_size, target_hash, Vec::new()))
    }

    /// Inclusion proof of any aligned range `address / 2^log2_size` (log2 size 5..=64), as
    /// Cartesi's `get_proof`. For sub-page targets `page_bytes(page_address)` supplies the
    /// containing page (`None` = zero page), which must match what the tree was last given;
    /// it is not called for targets of a page or more.
    pub fn proof<F, P>(
        &mut self,
        address: u64,
        log2_size: u32,
        page_bytes: F,
    ) -> Result<Proof, ProofError>
    where
        F: FnOnce(u64) -> Option<P>,
        P: AsRef<[u8]>,
    {
        if log2_size >= LOG2_PAGE_SIZE {
            return self.node_proof(address, log2_size);
        }
        check_range(address, log2_size, super::LOG2_WORD_SIZE)?;
        let page = self.checked_page(address, log2_size, page_bytes)?;
        let target_hash = sub_page_hash(&page, address, log2_size);
        let siblings = (log2_size..LOG2_PAGE_SIZE)
            .map(|level| sub_page_hash(&page, address ^ (1u64 << level), level))
            .collect();
        Ok(self.proof_from_level(address, log2_size, target_hash, siblings))
    }

    /// Completes a proof whose siblings below the page level are in `siblings`.
    fn proof_from_level(
        &mut self,
        address: u64,
        log2_size: u32,
        target_hash: Hash,
        mut siblings: Vec<Hash>,
    ) -> Proof {
        self.refresh();
        let first = log2_size.max(LOG2_PAGE_SIZE);
        siblings.reserve((LOG2_ROOT_SIZE - first) as usize);
        for level in first..LOG2_ROOT_SIZE {
            siblings.push(self.stored(level, node_index(address, level) ^ 1));
        }
        Proof {
            target_address: address,
            log2_target_size: log2_size,
            log2_root_size: LOG2_ROOT_SIZE,
            target_hash,
            sibling_hashes: siblings,
            root_hash: self.stored(LOG2_ROOT_SIZE, 0),
        }
    }

    /// Fetches the page containing a sub-page range and checks it against the tree.
    fn checked_page<F, P>(
        &mut self,
        address: u64,
        log2_size: u32,
        page_bytes: F,
    ) -> Result<[u8; PAGE_SIZE], ProofError>
    where
        F: FnOnce(u64) -> Option<P>,
        P: AsRef<[u8]>,
    {
        self.check_not_inside_constant(address, log2_size)?;
        let page_address = address & !(PAGE_SIZE as u64 - 1);
        let mut page = [0u8; PAGE_SIZE];
        if let Some(bytes) = page_bytes(page_address) {
            let bytes = bytes.as_ref();
            if bytes.len() != PAGE_SIZE {
                return Err(ProofError::BadPageLength {
                    page_address,
                    length: bytes.len(),
                });
            }
            page.copy_from_slice(bytes);
        }
        let expected = self.stored(LOG2_PAGE_SIZE, node_index(page_address, LOG2_PAGE_SIZE));
        if page_hash(&page) != expected {
            return Err(ProofError::PageMismatch { page_address });
        }
        Ok(page)
    }

    fn check_not_inside_constant(&self, address: u64, log2_size: u32) -> Result<(), ProofError> {
        let inside = self
            .constants
            .keys()
            .any(|&(level, index)| level > log2_size && node_index(address, level) == index);
        if inside {
            return Err(ProofError::InsideConstantSubtree { address, log2_size });
        }
        Ok(())
    }

    /// Recomputes every ancestor of a dirty node, bottom-up.
    fn refresh(&mut self) {
        let mut changed: Vec<u64> = Vec::new();
        for level in LOG2_PAGE_SIZE..=LOG2_ROOT_SIZE {
            // Nodes to (re)compute at `level`: parents of the level below, plus nodes marked
            // at this level (constants). Both lists are sorted; merge them without duplicates.
            let mut parents: Vec<u64> = changed.iter().map(|index| index >> 1).collect();
            parents.dedup();
            let marked = mem::take(&mut self.dirty[level_slot(level)]);
            changed = merge_sorted(parents, marked);
            if level == LOG2_PAGE_SIZE {
                continue; // page hashes were stored when the pages were updated
            }
            for &index in &changed {
                let hash = match self.constants.get(&(level, index)) {
                    Some(constant) => *constant,
                    None => {
                        let left = self.stored(level - 1, index << 1);
                        let right = self.stored(level - 1, (index << 1) | 1);
                        combine(&left, &right, level)
                    }
                };
                self.store(level, index, hash);
            }
        }
    }

    /// Stored hash of node `index` at `level` (pristine when absent).
    fn stored(&self, level: u32, index: u64) -> Hash {
        self.nodes[level_slot(level)]
            .get(&index)
            .copied()
            .unwrap_or(PRISTINE[level as usize])
    }

    fn store(&mut self, level: u32, index: u64, hash: Hash) {
        let map = &mut self.nodes[level_slot(level)];
        if hash == PRISTINE[level as usize] {
            map.remove(&index);
        } else {
            map.insert(index, hash);
        }
    }
}

/// Slot of `level` (12..=64) in the per-level vectors.
#[inline]
fn level_slot(level: u32) -> usize {
    (level - LOG2_PAGE_SIZE) as usize
}

/// Hash of the sub-page range `address / 2^log2_size` (log2 size 5..=12) within `page`.
fn sub_page_hash(page: &[u8; PAGE_SIZE], address: u64, log2_size: u32) -> Hash {
    let size = 1usize << log2_size;
    let offset = (address as usize & (PAGE_SIZE - 1)) & !(size - 1);
    hash_range(&page[offset..offset + size], log2_size)
}

/// Sorted union of the sorted, duplicate-free `a` and the set `b`.
fn merge_sorted(a: Vec<u64>, b: BTreeSet<u64>) -> Vec<u64> {
    if b.is_empty() {
        return a;
    }
    let mut merged = Vec::with_capacity(a.len() + b.len());
    let mut rest = b.into_iter().peekable();
    for index in a {
        while let Some(&next) = rest.peek() {
            if next >= index {
                break;
            }
            merged.push(next);
            rest.next();
        }
        if rest.peek() == Some(&index) {
            rest.next();
        }
        merged.push(index);
    }
    merged.extend(rest);
    merged
}
