//! # concerto-template-sdk
//!
//! Everything a Concerto machine template needs besides its own logic:
//! - [`Template`]: the handler the runtime hands each decoded [`Input`] to, with a
//!   [`Sink`] for outputs and reports, returning a [`Verdict`];
//! - on `riscv64` (the guest): the `_start` entry (stack, `.bss`), a heap allocator, the
//!   CMIO loop (manual yield rx-accepted with the outputs root at tx[0..32] as libcmt
//!   does, or rx-rejected), outputs and reports as automatic yields, and a panic handler
//!   that yields tx-exception with the message — see [`entry!`];
//! - host-and-guest helpers: [`keccak`] (Keccak-256, from `tiny-keccak`) and [`outputs`]
//!   (libcmt's outputs Merkle tree, from `concerto-outputs-tree`, the crate the host
//!   machine uses too), and [`testing::Collect`] to test templates natively.
//!
//! A template is a library with its logic (testable on the host) and a `main.rs` of a
//! few lines:
//! ```ignore
//! #![cfg_attr(target_arch = "riscv64", no_std, no_main)]
//! concerto_template_sdk::entry!(my_template::MyTemplate::default());
//! ```
//! Rollback rule: outputs emitted while handling an input that is then rejected are not
//! part of the outputs tree (the tree is restored); the host must drop them as well.
//! Batch rule: each batch has its own outputs tree, started empty at the batch's header
//! (`Input::starts_batch`), so a stateful template's machine, which carries its memory
//! from batch to batch, still answers each batch with that batch's outputs root.
#![no_std]

extern crate alloc;

use alloc::vec::Vec;

pub use concerto_primitives::{self as primitives, Input};

pub mod keccak;
pub mod outputs;
#[cfg(target_arch = "riscv64")]
pub mod rt;
pub mod testing;

/// RAM the templates are linked for (`link.x`): the machine must be built with exactly
/// this RAM length.
pub const RAM_LENGTH: u64 = 128 << 20;

/// What the template decided about an input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The input was processed (yield manual rx-accepted).
    Accept,
    /// The input was refused (yield manual rx-rejected); its outputs are dropped.
    Reject,
}

/// Where a template sends its results.
pub trait Sink {
    /// Emits an output (a leaf of the outputs Merkle tree).
    fn output(&mut self, bytes: &[u8]);
    /// Emits a report (diagnostics; not part of the outputs tree).
    fn report(&mut self, bytes: &[u8]);
}

/// A template: state kept across inputs and batches, plus a handler.
pub trait Template {
    /// Handles one advance-state input.
    fn on_input(&mut self, input: Input, sink: &mut dyn Sink) -> Verdict;

    /// Handles an inspect-state request (raw bytes; reports only). Default: reject.
    fn on_inspect(&mut self, _query: &[u8], sink: &mut dyn Sink) -> Verdict {
        sink.report(b"inspect-state is not supported by this template");
        Verdict::Reject
    }
}

/// Decodes an advance-state payload and runs the template on it; a payload that is not
/// a SCALE [`Input`] is reported and rejected without calling the template.
pub fn dispatch(template: &mut dyn Template, raw: &[u8], sink: &mut dyn Sink) -> Verdict {
    match Input::from_bytes(raw) {
        Ok(input) => template.on_input(input, sink),
        Err(e) => {
            let mut msg: Vec<u8> = b"malformed input: ".to_vec();
            msg.extend_from_slice(alloc::format!("{e:?}").as_bytes());
            sink.report(&msg);
            Verdict::Reject
        }
    }
}

/// Defines the guest's entry point for a template value:
/// `entry!(MyTemplate::new());` — on the host it defines an empty `main` instead, so the
/// template crate still builds (and its library tests run) natively.
#[macro_export]
macro_rules! entry {
    ($template:expr) => {
        #[cfg(target_arch = "riscv64")]
        #[no_mangle]
        extern "C" fn __concerto_main() -> ! {
            let mut template = $template;
            $crate::rt::run(&mut template)
        }

        #[cfg(not(target_arch = "riscv64"))]
        fn main() {
            let _ = || $template;
        }
    };
}
