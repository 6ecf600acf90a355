//! What every fuzz target links: an allocator that treats any single allocation over
//! [`MAX_ALLOCATION`] as a crash. No length read from hostile bytes may size a buffer on
//! its own, and without a sanitizer libFuzzer's own `-malloc_limit_mb` sees nothing, so
//! the limit is kept here: the process aborts, and libFuzzer saves the input.

use std::alloc::{GlobalAlloc, Layout, System};

/// The largest allocation a target may make (the machines the targets build need far
/// less; a frame or vector sized by its length prefix alone needs more).
pub const MAX_ALLOCATION: usize = 128 << 20;

/// The system allocator with [`MAX_ALLOCATION`] enforced.
#[derive(Debug)]
pub struct BoundedAllocator;

impl BoundedAllocator {
    fn check(layout: Layout) {
        if layout.size() > MAX_ALLOCATION {
            // Standard error is unbuffered: writing a static message allocates nothing.
            let _ = std::io::Write::write_all(
                &mut std::io::stderr(),
                b"fuzz: a single allocation over 128 MiB (sized by the input?); aborting\n",
            );
            std::process::abort();
        }
    }
}

// SAFETY: every call is passed to the system allocator unchanged, after a check that
// allocates nothing.
unsafe impl GlobalAlloc for BoundedAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        Self::check(layout);
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        Self::check(layout);
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // A size that does not make a layout cannot be allocated anyway.
        if let Ok(new) = Layout::from_size_align(new_size, layout.align()) {
            Self::check(new);
        }
        // SAFETY: the caller's contract, passed on.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, passed on.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: BoundedAllocator = BoundedAllocator;
