//! A hostile test template (never deploy it): accepts the batch header, then on the first
//! event does what the topic's configuration bytes (`BatchHeader::config`) name:
//!
//! - `loop`: spins forever (ends at the cycle limit);
//! - `illegal`: executes an illegal instruction;
//! - `memory-bomb`: allocates and touches 1 MiB blocks until the heap is exhausted;
//! - `output-flood`: emits 64 KiB outputs without end (ends at the emitted-bytes or cycle
//!   limit).
//!
//! Anything else is accepted, so a topic with another configuration behaves.
#![cfg_attr(target_arch = "riscv64", no_std, no_main)]

extern crate alloc;

use alloc::{boxed::Box, vec::Vec};
use concerto_template_sdk::{Input, Sink, Template, Verdict};

/// The template's state: the configured misbehaviour.
#[derive(Default)]
struct Hostile {
    mode: Vec<u8>,
}

impl Template for Hostile {
    fn on_input(&mut self, input: Input, sink: &mut dyn Sink) -> Verdict {
        match input {
            Input::Header(header) => {
                self.mode = header.config;
                Verdict::Accept
            }
            Input::Event(_) => misbehave(&self.mode, sink),
            Input::End { .. } => Verdict::Accept,
        }
    }
}

fn misbehave(mode: &[u8], sink: &mut dyn Sink) -> Verdict {
    match mode {
        b"loop" => {
            let mut n = 0u64;
            loop {
                // Volatile, so the loop is not optimised away.
                // SAFETY: `n` is a live, aligned local.
                n = unsafe { core::ptr::read_volatile(&n) }.wrapping_add(1);
            }
        }
        b"illegal" => illegal(),
        b"memory-bomb" => {
            let mut hoard: Vec<Box<[u8]>> = Vec::new();
            loop {
                let mut block = alloc::vec![0u8; 1 << 20].into_boxed_slice();
                for i in (0..block.len()).step_by(4096) {
                    block[i] = 1;
                }
                hoard.push(block);
            }
        }
        b"output-flood" => {
            let chunk = alloc::vec![0xAB; 64 << 10];
            loop {
                sink.output(&chunk);
            }
        }
        _ => Verdict::Accept,
    }
}

#[cfg(target_arch = "riscv64")]
fn illegal() -> Verdict {
    // SAFETY: deliberately traps; the machine ends the run.
    unsafe { core::arch::asm!("unimp") };
    Verdict::Reject
}

#[cfg(not(target_arch = "riscv64"))]
fn illegal() -> Verdict {
    Verdict::Reject
}

concerto_template_sdk::entry!(Hostile::default());
