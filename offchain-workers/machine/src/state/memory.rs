//! Sparse, copy-on-write page storage for one memory range, with per-page dirty bits.
//!
//! Absent pages read as zero. Pages are `Arc`s so cloning a range (and hence a machine)
//! only bumps reference counts; the first write to a shared page copies it.

use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::constants::{PAGE_LOG2, PAGE_SIZE};

/// One 4 KiB page.
pub type Page = [u8; PAGE_SIZE as usize];

/// The shared all-zero page that absent pages read from.
pub(crate) static ZERO_PAGE: Page = [0u8; PAGE_SIZE as usize];

/// Pages of one memory range.
#[derive(Clone, Debug)]
pub struct MemRange {
    /// First physical address.
    pub start: u64,
    /// Length in bytes (multiple of the page size).
    pub length: u64,
    pages: Vec<Option<Arc<Page>>>,
    dirty: Vec<u64>,
}

impl MemRange {
    /// An all-zero range.
    pub fn new(start: u64, length: u64) -> MemRange {
        let n = (length >> PAGE_LOG2) as usize;
        MemRange {
            start,
            length,
            pages: alloc::vec![None; n],
            dirty: alloc::vec![0; n.div_ceil(64)],
        }
    }

    /// Number of pages.
    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    /// Page `i` if present.
    #[inline]
    pub fn page(&self, i: usize) -> Option<&Arc<Page>> {
        self.pages.get(i).and_then(|p| p.as_ref())
    }

    /// Page `i` bytes (the zero page when absent). `i` must be in range.
    #[inline]
    pub fn page_bytes(&self, i: usize) -> &Page {
        match self.pages.get(i) {
            Some(Some(p)) => p,
            _ => &ZERO_PAGE,
        }
    }

    /// Read-only host pointer to page `i` (the zero page when absent).
    #[inline]
    pub(crate) fn page_ptr(&self, i: usize) -> *const u8 {
        match self.pages.get(i) {
            Some(Some(p)) => Arc::as_ptr(p) as *const u8,
            _ => ZERO_PAGE.as_ptr(),
        }
    }

    /// Makes page `i` present and uniquely owned, marks it dirty and returns its host
    /// pointer plus whether the backing allocation changed (so that cached read pointers
    /// to the old allocation must be dropped).
    pub(crate) fn page_for_write(&mut self, i: usize) -> (*mut u8, bool) {
        self.dirty[i / 64] |= 1 << (i % 64);
        let slot = &mut self.pages[i];
        let mut changed = false;
        match slot {
            None => {
                *slot = Some(Arc::new([0u8; PAGE_SIZE as usize]));
                changed = true;
            }
            Some(p) => {
                if Arc::get_mut(p).is_none() {
                    let copy: Page = **p;
                    *p = Arc::new(copy);
                    changed = true;
                }
            }
        }
        // Proof: the slot was filled just above.
        let p = slot.as_mut().expect("page present");
        (Arc::as_ptr(p) as *mut u8, changed)
    }

    /// Writes bytes at `offset` (host path).
    pub fn write(&mut self, offset: u64, data: &[u8]) {
        let mut off = offset;
        let mut rest = data;
        while !rest.is_empty() {
            let i = (off >> PAGE_LOG2) as usize;
            let po = (off & (PAGE_SIZE - 1)) as usize;
            let n = core::cmp::min(rest.len(), PAGE_SIZE as usize - po);
            let chunk = &rest[..n];
            // Skip materialising absent pages for all-zero writes.
            if self.pages[i].is_some() || chunk.iter().any(|&b| b != 0) {
                let (ptr, _) = self.page_for_write(i);
                // SAFETY: `ptr` points to a uniquely owned 4096-byte page and
                // `po + n <= 4096`.
                unsafe { core::ptr::copy_nonoverlapping(chunk.as_ptr(), ptr.add(po), n) };
            }
            off += n as u64;
            rest = &rest[n..];
        }
    }

    /// Reads bytes at `offset` into `out` (host path).
    pub fn read(&self, offset: u64, out: &mut [u8]) {
        let mut off = offset;
        let mut done = 0;
        while done < out.len() {
            let i = (off >> PAGE_LOG2) as usize;
            let po = (off & (PAGE_SIZE - 1)) as usize;
            let n = core::cmp::min(out.len() - done, PAGE_SIZE as usize - po);
            out[done..done + n].copy_from_slice(&self.page_bytes(i)[po..po + n]);
            off += n as u64;
            done += n;
        }
    }

    /// Marks every present page dirty (used once after construction).
    pub fn mark_all_present_dirty(&mut self) {
        for (i, p) in self.pages.iter().enumerate() {
            if p.is_some() {
                self.dirty[i / 64] |= 1 << (i % 64);
            }
        }
    }

    /// Returns the indices of dirty pages and clears the dirty bits.
    pub fn take_dirty(&mut self) -> Vec<usize> {
        let mut out = Vec::new();
        for (w, word) in self.dirty.iter_mut().enumerate() {
            let mut bits = *word;
            while bits != 0 {
                let b = bits.trailing_zeros() as usize;
                out.push(w * 64 + b);
                bits &= bits - 1;
            }
            *word = 0;
        }
        out
    }

    /// Iterates over present pages as (index, page).
    pub fn present_pages(&self) -> impl Iterator<Item = (usize, &Arc<Page>)> {
        self.pages
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.as_ref().map(|p| (i, p)))
    }
}
