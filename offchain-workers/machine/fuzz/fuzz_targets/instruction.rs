//! Fuzz target: arbitrary bytes as RV64 instruction words, run for a bounded number of
//! cycles. Must never panic (guest faults are traps, host errors are values).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/support/fuzz_input.rs"]
mod fuzz_input;

fuzz_target!(|data: &[u8]| fuzz_input::run(data));
