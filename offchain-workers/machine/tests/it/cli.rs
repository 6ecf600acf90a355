//! The `concerto-machine` binary: text and JSON reports for an asm program driven
//! through CMIO, tx-exception and cycle-limit stops, and clear errors with a non-zero
//! exit status for bad programs and arguments.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use crate::asm;

/// Pristine hash of a 2 MiB all-zero range (docs/cartesi-v0.19.md §6.1, log2 21).
const PRISTINE_21: &str = "0x776a31db34a1a0a7caaf862cffdfff1789297ffadc380bd3d39281d340abd3ad";
/// Outputs root of an empty libcmt tree (docs/cartesi-v0.19.md §5.5).
const EMPTY_OUTPUTS_ROOT: &str =
    "0x0a162946e56158bac0673e6dd3bdfdc1e4a0e7744a120fdb640050c8d7abe1c6";

struct Fixture {
    dir: PathBuf,
    cmio: PathBuf,
    htif: PathBuf,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = asm::out_dir("cli");
        let cmio = asm::build(&asm::asm_dir().join("cmio.S"), &dir, &[]);
        let htif = asm::build(&asm::asm_dir().join("htif.S"), &dir, &[]);
        for (name, bytes) in [
            ("hello", &b"hello"[..]),
            ("empty", b""),
            ("boom", b"!boom"),
            ("reject", b"?no"),
        ] {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
        Fixture { dir, cmio, htif }
    })
}

fn cli(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_concerto-machine"))
        .args(args)
        .output()
        .expect("run concerto-machine")
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn input(name: &str) -> String {
    path(&fixture().dir.join(name)).to_string()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn text_report_of_a_cmio_run() {
    let f = fixture();
    let (hello, empty) = (input("hello"), input("empty"));
    let o = cli(&[
        "run",
        path(&f.cmio),
        "--ram-length",
        "32Mi",
        "--input",
        &hello,
        "--input",
        &empty,
        "--hash",
        "0x80000000:25",
        "--hash",
        "0x60000000:21",
    ]);
    let out = stdout(&o);
    // The guest exits with the byte sum of its inputs, 532; the status is that mod 256.
    assert_eq!(
        o.status.code(),
        Some(532 % 256),
        "stdout:\n{out}\nstderr:\n{}",
        stderr(&o)
    );
    for line in [
        "break reason: halted",
        "exit code: 532",
        "inputs consumed: 2",
        "outputs: 1",
        "  0: 0x6f6c6c6568",
        "reports: 1",
        "  0: 0x1402000000000000",
    ] {
        assert!(
            out.lines().any(|l| l == line),
            "missing {line:?} in:\n{out}"
        );
    }
    assert!(out.contains("mcycle: "), "{out}");
    assert!(out.contains("root hash: 0x"), "{out}");
    assert!(out.contains("outputs root: 0x"), "{out}");
    assert!(out.contains("hash 0x80000000:25: 0x"), "{out}");
    // The rx buffer holds the inputs, so it is no longer pristine.
    assert!(
        !out.contains(&format!("hash 0x60000000:21: {PRISTINE_21}")),
        "{out}"
    );
}

#[test]
fn json_report() {
    let f = fixture();
    let o = cli(&[
        "run",
        path(&f.htif),
        "--ram-length",
        "0x2000000",
        "--json",
        "--hash",
        "0x60000000:21",
    ]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).expect("one JSON object");
    assert_eq!(v["break_reason"], "halted");
    assert_eq!(v["break_reason_code"], 1);
    assert_eq!(v["exit_code"], 0);
    assert_eq!(v["console"], "concerto\n");
    assert_eq!(v["outputs"], serde_json::json!([]));
    assert_eq!(v["outputs_root"], EMPTY_OUTPUTS_ROOT);
    assert_eq!(v["hashes"][0]["address"], "0x60000000");
    assert_eq!(v["hashes"][0]["log2_size"], 21);
    assert_eq!(v["hashes"][0]["hash"], PRISTINE_21);
    let mcycle = v["mcycle"].as_u64().expect("mcycle");
    assert!(mcycle > 100, "{v}");
    assert_eq!(v["root_hash"].as_str().map(str::len), Some(66));
    // Same run, same answer.
    let again = cli(&[
        "run",
        path(&f.htif),
        "--ram-length",
        "0x2000000",
        "--json",
        "--hash",
        "0x60000000:21",
    ]);
    assert_eq!(stdout(&again), stdout(&o));
}

#[test]
fn tx_exception_stops_with_status_1() {
    let f = fixture();
    let boom = input("boom");
    let o = cli(&["run", path(&f.cmio), "--input", &boom, "--json"]);
    assert_eq!(o.status.code(), Some(1), "stderr: {}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["break_reason"], "yielded_manually");
    assert_eq!(v["exception"], "0x626f6f6d");
    assert_eq!(v["exit_code"], serde_json::Value::Null);
}

#[test]
fn stops_when_inputs_run_out_and_at_max_mcycle() {
    let f = fixture();
    let reject = input("reject");
    let o = cli(&["run", path(&f.cmio), "--input", &reject, "--json"]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["break_reason"], "yielded_manually");
    assert_eq!(v["inputs_consumed"], 1);
    assert_eq!(v["outputs"], serde_json::json!(["0x6f6e3f"]));

    let o = cli(&["run", path(&f.cmio), "--max-mcycle", "10"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(out.contains("break reason: reached_target_mcycle"), "{out}");
    assert!(out.contains("mcycle: 10\n"), "{out}");
    assert!(out.contains("exit code: none"), "{out}");
}

#[test]
fn clear_errors_for_bad_programs() {
    let f = fixture();
    let not_elf = f.dir.join("not-elf");
    std::fs::write(&not_elf, b"#!/bin/sh\necho hi\n").unwrap();
    let o = cli(&["run", path(&not_elf)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not an ELF file"), "{}", stderr(&o));

    let o = cli(&["run", path(&f.cmio), "--ram-length", "4096"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("program too large for RAM of 4096 bytes"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("--ram-length"), "{}", stderr(&o));

    // Same program with its entry point moved outside RAM.
    let mut bytes = std::fs::read(&f.cmio).unwrap();
    bytes[24..32].copy_from_slice(&0x1000u64.to_le_bytes());
    let moved = f.dir.join("entry-unmapped.elf");
    std::fs::write(&moved, bytes).unwrap();
    let o = cli(&["run", path(&moved)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("entry point 0x1000 is not mapped"),
        "{}",
        stderr(&o)
    );

    let o = cli(&["run", path(&f.dir.join("missing.elf"))]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot read program"), "{}", stderr(&o));
}

#[test]
fn clear_errors_for_bad_arguments() {
    let f = fixture();
    let o = cli(&["run", path(&f.htif), "--hash", "0x80000001:25"]);
    assert_ne!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("not aligned"), "{}", stderr(&o));
    let o = cli(&["run", path(&f.htif), "--hash", "0x80000000:3"]);
    assert!(stderr(&o).contains("between 5 and 64"), "{}", stderr(&o));
    let o = cli(&["run", path(&f.htif), "--ram-length", "lots"]);
    assert!(stderr(&o).contains("invalid number"), "{}", stderr(&o));
    let o = cli(&["run", path(&f.htif), "--ram-length", "1000"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("cannot build the machine"),
        "{}",
        stderr(&o)
    );
}
