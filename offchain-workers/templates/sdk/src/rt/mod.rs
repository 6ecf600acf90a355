//! The guest runtime (riscv64 only): entry, CMIO loop, outputs/reports, panics.
//!
//! Machine facts used (Cartesi v0.19, see docs/cartesi-v0.19.md §4–§5):
//! - HTIF tohost at 0x4000_8000, fromhost at 0x4000_8008; a yield is one 64-bit store
//!   `dev 2 << 56 | cmd << 48 | reason << 32 | data` to tohost;
//! - manual yields (cmd 1): rx-accepted 1 (data 32: the outputs root is in tx[0..32]),
//!   rx-rejected 2 (data 0), tx-exception 4 (data = message length in tx);
//! - automatic yields (cmd 0): tx-output 2, tx-report 4 (data = length in tx);
//! - after a manual yield, fromhost = reason << 32 | length of the request in rx;
//!   reason 0 advance-state, 1 inspect-state;
//! - rx buffer 0x6000_0000 (read-only), tx buffer 0x6080_0000, 2 MiB each.

mod heap;

use core::arch::{asm, global_asm};
use core::fmt::Write;

use crate::outputs::OutputsTree;
use crate::{Input, Sink, Template, Verdict};

const HTIF_TOHOST: usize = 0x4000_8000;
const RX_START: usize = 0x6000_0000;
const TX_START: usize = 0x6080_0000;
/// Size of each CMIO buffer.
pub const BUFFER_LENGTH: usize = 2 << 20;

const DEV_YIELD: u64 = 2;
const CMD_AUTOMATIC: u64 = 0;
const CMD_MANUAL: u64 = 1;
const MANUAL_RX_ACCEPTED: u64 = 1;
const MANUAL_RX_REJECTED: u64 = 2;
const MANUAL_TX_EXCEPTION: u64 = 4;
const AUTOMATIC_TX_OUTPUT: u64 = 2;
const AUTOMATIC_TX_REPORT: u64 = 4;
const REQUEST_ADVANCE_STATE: u64 = 0;
const REQUEST_INSPECT_STATE: u64 = 1;

// Entry: the machine jumps to the first RAM byte in M-mode. Set the stack, zero .bss,
// call the template's `__concerto_main` (defined by `entry!`), never return.
global_asm!(
    ".section .text.init, \"ax\"",
    ".globl _start",
    "_start:",
    "    la sp, __stack_top",
    "    la t0, __bss_start",
    "    la t1, __bss_end",
    "1:  bgeu t0, t1, 2f",
    "    sd zero, 0(t0)",
    "    addi t0, t0, 8",
    "    j 1b",
    "2:  call __concerto_main",
    "3:  j 3b",
);

/// One yield: stores the tohost word, returns fromhost once the host resumes us. The asm
/// is a full compiler barrier (it may read and write any memory), so rx/tx accesses are
/// never moved across it.
fn htif_yield(cmd: u64, reason: u64, data: u64) -> u64 {
    let word = DEV_YIELD << 56 | cmd << 48 | (reason & 0xffff) << 32 | (data & 0xffff_ffff);
    let fromhost: u64;
    // SAFETY: HTIF tohost/fromhost are 64-bit device registers present in every machine.
    unsafe {
        asm!(
            "sd {word}, 0({base})",
            "ld {from}, 8({base})",
            word = in(reg) word,
            base = in(reg) HTIF_TOHOST,
            from = lateout(reg) fromhost,
            options(nostack),
        );
    }
    fromhost
}

/// Copies `bytes` to the start of tx, truncated to the buffer; returns the length.
fn write_tx(bytes: &[u8]) -> usize {
    let len = bytes.len().min(BUFFER_LENGTH);
    // SAFETY: tx is 2 MiB of guest-writable memory at TX_START; len ≤ 2 MiB.
    unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), TX_START as *mut u8, len) };
    len
}

struct CmioSink {
    tree: OutputsTree,
}

impl Sink for CmioSink {
    fn output(&mut self, bytes: &[u8]) {
        assert!(
            bytes.len() <= BUFFER_LENGTH,
            "output of {} bytes exceeds the tx buffer",
            bytes.len()
        );
        write_tx(bytes);
        self.tree.push(bytes);
        htif_yield(CMD_AUTOMATIC, AUTOMATIC_TX_OUTPUT, bytes.len() as u64);
    }

    fn report(&mut self, bytes: &[u8]) {
        let len = write_tx(bytes);
        htif_yield(CMD_AUTOMATIC, AUTOMATIC_TX_REPORT, len as u64);
    }
}

/// Emits a report from anywhere in the template (e.g. debug text), outside the [`Sink`].
pub fn emit_report(bytes: &[u8]) {
    let len = write_tx(bytes);
    htif_yield(CMD_AUTOMATIC, AUTOMATIC_TX_REPORT, len as u64);
}

/// The CMIO loop: accept (with the outputs root) or reject the previous input, wait for
/// the next request, hand it to the template. Never returns.
pub fn run(template: &mut dyn Template) -> ! {
    heap::init();
    let mut sink = CmioSink {
        tree: OutputsTree::new(),
    };
    let mut verdict = Verdict::Accept;
    loop {
        let fromhost = match verdict {
            Verdict::Accept => {
                write_tx(&sink.tree.root());
                htif_yield(CMD_MANUAL, MANUAL_RX_ACCEPTED, 32)
            }
            Verdict::Reject => htif_yield(CMD_MANUAL, MANUAL_RX_REJECTED, 0),
        };
        let reason = fromhost >> 32 & 0xffff;
        let len = (fromhost & 0xffff_ffff) as usize;
        if len > BUFFER_LENGTH {
            emit_report(b"request longer than the rx buffer");
            verdict = Verdict::Reject;
            continue;
        }
        // SAFETY: rx is 2 MiB of readable memory at RX_START, filled by the host before it
        // resumed us (the yield asm is a compiler barrier); len ≤ 2 MiB.
        let request = unsafe { core::slice::from_raw_parts(RX_START as *const u8, len) }.to_vec();
        // Each batch has its own outputs tree (the host starts one at the same request),
        // also when a stateful machine carries on from an earlier batch.
        if reason == REQUEST_ADVANCE_STATE && Input::starts_batch(&request) {
            sink.tree = OutputsTree::new();
        }
        let saved = sink.tree.clone();
        verdict = match reason {
            REQUEST_ADVANCE_STATE => crate::dispatch(template, &request, &mut sink),
            REQUEST_INSPECT_STATE => template.on_inspect(&request, &mut sink),
            _ => {
                emit_report(b"unknown request reason");
                Verdict::Reject
            }
        };
        if verdict == Verdict::Reject {
            sink.tree = saved;
        }
    }
}

/// Writes formatted text into tx, silently truncating at the buffer end.
struct TxWriter {
    len: usize,
}

impl Write for TxWriter {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let take = s.len().min(BUFFER_LENGTH - self.len);
        // SAFETY: stays inside the 2 MiB tx buffer.
        unsafe {
            core::ptr::copy_nonoverlapping(s.as_ptr(), (TX_START + self.len) as *mut u8, take)
        };
        self.len += take;
        Ok(())
    }
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    // No allocation here: the message is formatted straight into tx.
    let mut w = TxWriter { len: 0 };
    let _ = write!(w, "panic: {}", info.message());
    if let Some(loc) = info.location() {
        let _ = write!(w, " at {}:{}", loc.file(), loc.line());
    }
    loop {
        htif_yield(CMD_MANUAL, MANUAL_TX_EXCEPTION, w.len as u64);
    }
}
