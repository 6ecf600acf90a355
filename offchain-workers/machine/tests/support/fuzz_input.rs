//! One fuzz case: arbitrary bytes become instruction words in a small machine that then
//! runs a bounded number of cycles. Guest faults of any kind are architectural (traps),
//! so nothing here may panic. Shared by `fuzz/fuzz_targets/instruction.rs` (cargo-fuzz)
//! and `tests/it/instruction_fuzz.rs` (proptest, runs in CI).
#![allow(dead_code)]

use concerto_machine::constants::{cmio, reg};
use concerto_machine::interp::BreakReason;
use concerto_machine::machine::{Machine, MachineConfig};

/// RAM of the fuzzed machine (small so hashing stays cheap).
const RAM_LENGTH: u64 = 64 << 10;
const RAM_START: u64 = 0x8000_0000;

/// Runs one case. Byte 0 holds options: bit 0 hashes the state at the end, bits 1-2 place
/// the trap vectors (0, the RAM start, a second copy of the program in mid-RAM, or the
/// last halfword of RAM). Bytes 1-2 give the cycle budget; the rest is the program,
/// written at the start of RAM.
pub(crate) fn run(data: &[u8]) {
    if data.len() < 3 {
        return;
    }
    let options = data[0];
    let budget = u64::from(u16::from_le_bytes([data[1], data[2]])) % 4096 + 1;
    let program = &data[3..data.len().min(3 + 4096)];
    let mut machine = Machine::new(MachineConfig::new(RAM_LENGTH)).expect("valid config");
    machine
        .write_memory(RAM_START, program)
        .expect("program fits in RAM");
    // A trap vector inside RAM that runs the same bytes again (or 0, the reset value).
    let vector = match (options >> 1) & 3 {
        0 => 0,
        1 => RAM_START,
        2 => RAM_START + 0x8000,
        _ => RAM_START + RAM_LENGTH - 2,
    };
    if (RAM_START + 0x8000..RAM_START + RAM_LENGTH - 2).contains(&vector) {
        machine
            .write_memory(vector, program)
            .expect("vector fits in RAM");
    }
    machine
        .write_reg(reg::MTVEC, vector)
        .expect("mtvec is writable");
    machine
        .write_reg(reg::STVEC, vector)
        .expect("stvec is writable");
    let end = budget;
    for _ in 0..16 {
        let Ok(reason) = machine.run(end) else { return };
        match reason {
            BreakReason::YieldedManually => {
                let _ = machine.receive_cmio_request();
                let _ = machine.send_cmio_response(cmio::RESPONSE_ADVANCE_STATE, &data[..3]);
            }
            BreakReason::YieldedAutomatically => {
                let _ = machine.receive_cmio_request();
            }
            _ => break,
        }
    }
    assert!(
        machine.mcycle() <= end,
        "the machine never overshoots mcycle_end"
    );
    if options & 1 != 0 {
        let _ = machine.root_hash();
    }
}
