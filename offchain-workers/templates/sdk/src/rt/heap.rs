//! The guest heap: segregated free lists of power-of-two size classes over the RAM from
//! `__heap_start` to `__heap_end` (see `link.x`). Blocks come from a bump pointer and go
//! back to their class's free list; nothing is ever returned to the bump region.
//! Deterministic, O(1), at most 2× internal waste; single-threaded (the guest has one hart
//! and no interrupts), so a `static mut` behind `UnsafeCell` is sound.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::ptr::null_mut;

extern "C" {
    static __heap_start: u8;
    static __heap_end: u8;
}

/// Smallest block: 16 bytes (class 4); largest class 2^40 (never reached in 128 MiB).
const MIN_CLASS: u32 = 4;
const CLASSES: usize = 41;

struct State {
    next: usize,
    end: usize,
    free: [usize; CLASSES],
}

struct Heap(UnsafeCell<State>);

// SAFETY: the guest is single-threaded with interrupts off.
unsafe impl Sync for Heap {}

#[global_allocator]
static HEAP: Heap = Heap(UnsafeCell::new(State {
    next: 0,
    end: 0,
    free: [0; CLASSES],
}));

/// Sets the bump region from the linker symbols; called once before the CMIO loop.
pub(super) fn init() {
    // SAFETY: single-threaded; the symbols are defined by link.x.
    unsafe {
        let s = &mut *HEAP.0.get();
        s.next = core::ptr::addr_of!(__heap_start) as usize;
        s.end = core::ptr::addr_of!(__heap_end) as usize;
    }
}

fn class_of(layout: &Layout) -> u32 {
    let size = layout.size().max(layout.align()).max(1 << MIN_CLASS);
    usize::BITS - (size - 1).leading_zeros()
}

// SAFETY: `alloc` returns blocks of at least `layout.size()` bytes aligned to their size
// class (≥ `layout.align()`), never handed out twice until `dealloc` returns them.
unsafe impl GlobalAlloc for Heap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let class = class_of(&layout);
        // SAFETY: single-threaded; no other reference to the state is live.
        let s = unsafe { &mut *self.0.get() };
        let slot = class as usize;
        if slot >= CLASSES {
            return null_mut();
        }
        let head = s.free[slot];
        if head != 0 {
            // SAFETY: `head` is a free block of this class; its first word links the list.
            s.free[slot] = unsafe { *(head as *const usize) };
            return head as *mut u8;
        }
        let size = 1usize << class;
        // Blocks of a class are aligned to their size (size ≥ align).
        let start = (s.next + size - 1) & !(size - 1);
        match start.checked_add(size) {
            Some(end) if end <= s.end => {
                s.next = end;
                start as *mut u8
            }
            _ => null_mut(),
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let slot = class_of(&layout) as usize;
        // SAFETY: single-threaded; `ptr` was returned by `alloc` for this layout's class.
        unsafe {
            let s = &mut *self.0.get();
            *(ptr as *mut usize) = s.free[slot];
            s.free[slot] = ptr as usize;
        }
    }
}
