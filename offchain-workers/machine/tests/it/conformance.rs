//! ISA conformance suite: builds every `tests/asm/*.S` with `riscv64-unknown-elf-gcc`,
//! runs it in a 32 MiB machine and requires an HTIF halt with exit code 0 (exit code =
//! the failing TESTNUM, 1337 for an unexpected trap). Programs under
//! `tests/asm/negative/` must fail with their documented code, which proves the
//! harness can fail. `cmio.S` is driven through its CMIO protocol with host inputs.

use std::path::PathBuf;
use std::sync::OnceLock;

use concerto_machine::constants::{cmio, reg};
use concerto_machine::interp::BreakReason;

use crate::{asm, run};

/// Generous cycle budget: the longest program spins over a few 8192-cycle ticks.
const MAX_MCYCLE: u64 = 10_000_000;

/// Builds all programs once per test binary; returns (name, ELF path).
fn programs() -> &'static [(String, PathBuf)] {
    static BUILT: OnceLock<Vec<(String, PathBuf)>> = OnceLock::new();
    BUILT.get_or_init(|| {
        let out = asm::out_dir("conformance");
        let dir = asm::asm_dir();
        let mut all = Vec::new();
        for sub in [dir.clone(), dir.join("negative")] {
            for src in asm::sources_in(&sub) {
                let elf = asm::build(&src, &out, &[]);
                let name = src.file_stem().unwrap().to_string_lossy().into_owned();
                all.push((name, elf));
            }
        }
        all
    })
}

fn program(name: &str) -> PathBuf {
    programs()
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no program named {name}"))
        .1
        .clone()
}

/// Runs a program with the given inputs; panics with the guest's registers unless it
/// halts with `expect_exit`. Returns the outcome.
fn check(name: &str, inputs: &[&[u8]], expect_exit: u32) -> run::Outcome {
    let mut machine = run::load(&program(name), run::RAM_LENGTH);
    let out = run::drive(&mut machine, MAX_MCYCLE, inputs);
    println!(
        "{name}: mcycle {} exit {:?} reason {:?}",
        out.mcycle, out.exit_code, out.reason
    );
    let reg = |slot| machine.read_reg(slot).unwrap_or(0);
    assert!(
        out.reason == Some(BreakReason::Halted) && out.exit_code == Some(expect_exit),
        "{name}: expected halt with exit code {expect_exit}, got {:?} exit {:?} at mcycle {} \
         (TESTNUM gp = {}, pc = {:#x}, mcause = {:#x}, mepc = {:#x}, mtval = {:#x})",
        out.reason,
        out.exit_code,
        out.mcycle,
        machine.x(3),
        machine.pc(),
        reg(reg::MCAUSE),
        reg(reg::MEPC),
        reg(reg::MTVAL),
    );
    out
}

/// Every plain program (no host inputs) must pass; reported together.
#[test]
fn every_program_passes() {
    let skip = ["cmio", "wrong_result", "unexpected_trap"];
    let mut failures = Vec::new();
    let mut ran = 0;
    for (name, _) in programs() {
        if skip.contains(&name.as_str()) {
            continue;
        }
        ran += 1;
        if let Err(e) = std::panic::catch_unwind(|| check(name, &[], 0)) {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failures.push(msg);
        }
    }
    assert!(ran >= 11, "expected the full suite, found {ran} programs");
    assert!(
        failures.is_empty(),
        "{} program(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn htif_console_output() {
    let out = check("htif", &[], 0);
    assert_eq!(String::from_utf8_lossy(&out.console), "concerto\n");
    assert_eq!(
        out.progress,
        vec![42],
        "one automatic progress yield with data 42"
    );
}

#[test]
fn cmio_round_trip() {
    let inputs: [&[u8]; 3] = [b"hello", b"?reject next", b""];
    let sum: u32 = inputs
        .iter()
        .flat_map(|i| i.iter())
        .map(|&b| u32::from(b))
        .sum();
    let out = check("cmio", &inputs, sum);
    let mut root = [0u8; 32];
    // Manual yields: accepted (sum 0), accepted (sum of "hello"), rejected (data 0).
    assert_eq!(out.manual.len(), 3);
    assert_eq!(out.manual[0], (cmio::MANUAL_RX_ACCEPTED, root.to_vec()));
    root[..8].copy_from_slice(&532u64.to_le_bytes());
    assert_eq!(out.manual[1], (cmio::MANUAL_RX_ACCEPTED, root.to_vec()));
    assert_eq!(out.manual[2], (cmio::MANUAL_RX_REJECTED, vec![]));
    // Outputs: each non-empty input reversed; reports: running byte sum.
    assert_eq!(
        out.outputs,
        vec![b"olleh".to_vec(), b"txen tcejer?".to_vec()]
    );
    let running: Vec<Vec<u8>> = [532u64, u64::from(sum)]
        .iter()
        .map(|s| s.to_le_bytes().to_vec())
        .collect();
    assert_eq!(out.reports, running);
}

#[test]
fn cmio_exception_stops() {
    let mut machine = run::load(&program("cmio"), run::RAM_LENGTH);
    let out = run::drive(&mut machine, MAX_MCYCLE, &[b"!boom"]);
    println!("cmio (exception): mcycle {}", out.mcycle);
    assert_eq!(out.reason, Some(BreakReason::YieldedManually));
    assert_eq!(
        out.manual.last(),
        Some(&(cmio::MANUAL_TX_EXCEPTION, b"boom".to_vec()))
    );
    assert!(out.outputs.is_empty());
}

#[test]
fn cmio_stops_when_inputs_run_out() {
    let mut machine = run::load(&program("cmio"), run::RAM_LENGTH);
    let out = run::drive(&mut machine, MAX_MCYCLE, &[b"x"]);
    assert_eq!(out.reason, Some(BreakReason::YieldedManually));
    assert_eq!(out.manual.len(), 2);
    assert_eq!(out.outputs, vec![b"x".to_vec()]);
}

#[test]
fn harness_detects_a_wrong_result() {
    check("wrong_result", &[], 3);
}

#[test]
fn harness_detects_an_unexpected_trap() {
    check("unexpected_trap", &[], 1337);
}

#[test]
fn cycle_limit_stops_a_program() {
    let mut machine = run::load(&program("rv64i_alu"), run::RAM_LENGTH);
    let reason = machine.run(100).expect("run");
    assert_eq!(reason, BreakReason::ReachedTargetMcycle);
    assert_eq!(machine.mcycle(), 100);
    assert_eq!(machine.exit_code(), None);
}

/// Same program, same inputs: same cycles, exit code and root hash.
#[test]
fn runs_are_deterministic() {
    let a = {
        let mut m = run::load(&program("clint_timer"), run::RAM_LENGTH);
        let out = run::drive(&mut m, MAX_MCYCLE, &[]);
        (out.mcycle, out.exit_code, m.root_hash())
    };
    let mut m = run::load(&program("clint_timer"), run::RAM_LENGTH);
    let out = run::drive(&mut m, MAX_MCYCLE, &[]);
    assert_eq!(a, (out.mcycle, out.exit_code, m.root_hash()));
}
