//! Integration tests of `concerto-machine`, in one test binary (one link instead of one
//! per file). Each former `tests/*.rs` file is a module; run one group with a name
//! filter, e.g. `cargo test -p concerto-machine --test it -- conformance::`.
//!
//! Shared helpers: `core_util` (instruction encoders for hand-assembled programs) and the
//! `tests/support/` files, which the benchmarks and the cargo-fuzz target include too
//! (with `#[path]`). Test data stays in place: `tests/asm/` (found at run time through
//! `CARGO_MANIFEST_DIR`) and `tests/golden/`.

#[path = "../support/asm.rs"]
mod asm;
#[path = "../support/fuzz_input.rs"]
mod fuzz_input;
#[path = "../support/run.rs"]
mod run;

mod core_util;

mod cli;
mod conformance;
mod core_cmio;
mod core_measured;
mod core_perf;
mod core_priv;
mod core_random_smoke;
mod core_selfmod;
mod dtb_golden;
mod instruction_fuzz;
mod merkle_golden;
mod merkle_props;
