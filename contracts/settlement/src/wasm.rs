//! The Wasm entry points, storage and host calls (pallet-contracts-uapi).

use crate::{Balance, Error, Message, State, Terms};
use alloc::vec;
use codec::{Decode, DecodeAll, Encode};
use concerto_primitives::{chain_extension, OutputView};
use core::{
    alloc::{GlobalAlloc, Layout},
    cell::UnsafeCell,
};
use pallet_contracts_uapi::{HostFn, HostFnImpl as api, ReturnFlags};

/// The one storage key: the SCALE [`State`].
const STATE_KEY: &[u8] = b"concerto/settlement/state";

/// Room for the chain extension's answer: an `OutputView` with inline outputs of up to
/// the runtime's `MaxOutputLen` (4 KiB), with margin.
const OUTPUT_BUFFER: usize = 16 * 1024;

/// A bump allocator from the linker's `__heap_base` upwards, growing the memory when it
/// must (up to the module's maximum): every call is a fresh instance, so nothing is ever
/// freed. (An arena in a static would be shipped as zero bytes in the code: with an
/// imported memory the linker cannot assume it starts zeroed.)
struct Bump {
    next: UnsafeCell<usize>,
}

// SAFETY: a contract instance runs on one thread.
unsafe impl Sync for Bump {}

extern "C" {
    static __heap_base: u8;
}

const PAGE: usize = 64 * 1024;

// SAFETY: `alloc` hands out disjoint, aligned ranges above the heap base that lie inside
// the memory (growing it first), or null; it never reuses them and `dealloc` does nothing.
unsafe impl GlobalAlloc for Bump {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: single-threaded (see `Sync`); no reference to `next` outlives this call.
        let next = unsafe { &mut *self.next.get() };
        if *next == 0 {
            // Only the address of the linker-defined symbol is taken.
            *next = core::ptr::addr_of!(__heap_base) as usize;
        }
        let start = next.next_multiple_of(layout.align());
        let Some(end) = start.checked_add(layout.size()) else {
            return core::ptr::null_mut();
        };
        let have = core::arch::wasm32::memory_size(0) * PAGE;
        if end > have {
            let pages = (end - have).div_ceil(PAGE);
            if core::arch::wasm32::memory_grow(0, pages) == usize::MAX {
                return core::ptr::null_mut();
            }
        }
        *next = end;
        start as *mut u8
    }

    unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}
}

#[global_allocator]
static ALLOCATOR: Bump = Bump {
    next: UnsafeCell::new(0),
};

#[panic_handler]
fn panic(_info: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

fn revert(error: Error) -> ! {
    api::return_value(ReturnFlags::REVERT, &error.encode())
}

fn input<T: Decode>() -> Result<T, Error> {
    let mut buffer = [0u8; 512];
    let mut out = &mut buffer[..];
    api::input(&mut out);
    T::decode_all(&mut &out[..]).map_err(|_| Error::BadInput)
}

fn value_transferred() -> Balance {
    let mut buffer = [0u8; 16];
    api::value_transferred(&mut &mut buffer[..]);
    u128::from_le_bytes(buffer)
}

fn caller() -> [u8; 32] {
    let mut buffer = [0u8; 32];
    api::caller(&mut &mut buffer[..]);
    buffer
}

fn load() -> Result<State, Error> {
    let mut buffer = [0u8; 512];
    let mut out = &mut buffer[..];
    api::get_storage(STATE_KEY, &mut out).map_err(|_| Error::NoState)?;
    State::decode_all(&mut &out[..]).map_err(|_| Error::NoState)
}

fn save(state: &State) {
    api::set_storage(STATE_KEY, &state.encode());
}

/// The finalized output of `topic`'s batch `batch`, through the chain extension.
fn finalized_output(topic: u32, batch: u64) -> Option<OutputView<u32>> {
    let mut buffer = vec![0u8; OUTPUT_BUFFER];
    let mut out = &mut buffer[..];
    api::call_chain_extension(
        chain_extension::OUTPUT,
        &(topic, batch).encode(),
        Some(&mut out),
    );
    Option::<OutputView<u32>>::decode_all(&mut &out[..])
        .ok()
        .flatten()
}

/// Deployment: the input is the SCALE [`Terms`]; the value is the stake.
#[allow(unreachable_pub)] // exported to pallet-contracts by `no_mangle`
#[no_mangle]
pub extern "C" fn deploy() {
    let terms: Terms = input().unwrap_or_else(|e| revert(e));
    save(&State::new(terms, value_transferred()));
}

/// A call: the input is the SCALE [`Message`].
#[allow(unreachable_pub)] // exported to pallet-contracts by `no_mangle`
#[no_mangle]
pub extern "C" fn call() {
    let result = input::<Message>().and_then(|message| {
        let mut state = load()?;
        match message {
            Message::Join => {
                state.join(&caller(), value_transferred())?;
                save(&state);
                Ok(alloc::vec::Vec::new())
            }
            Message::Settle => {
                let (topic, batch) = state.terms.settled_by();
                let view = finalized_output(topic, batch);
                let settlement = state.settle(view.as_ref())?;
                save(&state);
                api::transfer(&settlement.to, &settlement.amount.encode())
                    .map_err(|_| Error::TransferFailed)?;
                let data = settlement.encode();
                api::deposit_event(&[], &data);
                Ok(data)
            }
        }
    });
    match result {
        Ok(data) => api::return_value(ReturnFlags::empty(), &data),
        Err(error) => revert(error),
    }
}
