//! Interpreter speed in MIPS (millions of retired mcycles per second) on four guest
//! programs built with `riscv64-unknown-elf-gcc` at bench time:
//! - `tight_loop`: `c.addi`/`c.bnez`, the shortest loop (pure dispatch);
//! - `alu_loop`: a tight integer loop (no data memory traffic);
//! - `mem_loop`: loads and stores over a 1 MiB buffer;
//! - `keccak`: Keccak-256 over a 1 KiB message, 200 times (C, -O2).
//!
//! Each program runs to its halt once to count its cycles and print a MIPS figure,
//! then criterion measures it with `Throughput::Elements(mcycle)` (so its "elem/s"
//! is instructions per second). Also: root-hash time of a fresh 64 MiB machine and of
//! the same machine after a run that touched few pages.
// `criterion_group!` generates an undocumented public function.
#![allow(missing_docs)]

#[path = "../tests/support/asm.rs"]
mod asm;
#[path = "../tests/support/run.rs"]
mod run;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use concerto_machine::interp::BreakReason;
use concerto_machine::machine::{Machine, MachineConfig};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

const MAX_MCYCLE: u64 = 1 << 40;

fn programs() -> Vec<(&'static str, PathBuf)> {
    let out = asm::out_dir("bench");
    let dir = PathBuf::from(
        &*std::env::var("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string()),
    )
    .join("benches")
    .join("programs");
    let tight = asm::build(&dir.join("tight_loop.S"), &out, &[]);
    let alu = asm::build(&dir.join("alu_loop.S"), &out, &[]);
    let mem = asm::build(&dir.join("mem_loop.S"), &out, &[]);
    let keccak = asm::build(
        &dir.join("keccak.c"),
        &out,
        &["-O2", dir.join("start.S").to_str().unwrap()],
    );
    vec![
        ("tight_loop", tight),
        ("alu_loop", alu),
        ("mem_loop", mem),
        ("keccak", keccak),
    ]
}

/// Runs a fresh copy of `template` to its halt; returns mcycle and wall time.
fn run_once(template: &Machine) -> (u64, Duration) {
    let mut m = template.clone();
    let start = Instant::now();
    let reason = m.run(MAX_MCYCLE).expect("run");
    let elapsed = start.elapsed();
    assert_eq!(reason, BreakReason::Halted);
    assert_eq!(
        m.exit_code(),
        Some(0),
        "benchmark program failed its own check"
    );
    (m.mcycle(), elapsed)
}

fn mips(c: &mut Criterion) {
    let mut group = c.benchmark_group("mips");
    group.sample_size(10);
    for (name, elf) in programs() {
        let template = run::load(&elf, run::RAM_LENGTH);
        // Warm up once, then report the best of three as a plain figure.
        let (mcycle, _) = run_once(&template);
        let best = (0..3).map(|_| run_once(&template).1).min().unwrap();
        println!(
            "{name}: {mcycle} instructions in {:.3} s = {:.1} MIPS",
            best.as_secs_f64(),
            mcycle as f64 / best.as_secs_f64() / 1e6
        );
        group.throughput(Throughput::Elements(mcycle));
        group.bench_function(name, |b| {
            b.iter_batched(
                || template.clone(),
                |mut m| m.run(MAX_MCYCLE).expect("run"),
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

fn root_hash(c: &mut Criterion) {
    let mut group = c.benchmark_group("root_hash_64MiB");
    group.sample_size(10);
    let fresh = Machine::new(MachineConfig::new(64 << 20)).expect("machine");
    let start = Instant::now();
    fresh.clone().root_hash();
    println!(
        "root hash of a fresh 64 MiB machine: {:.3} ms",
        start.elapsed().as_secs_f64() * 1e3
    );
    group.bench_function("fresh", |b| {
        b.iter_batched(
            || fresh.clone(),
            |mut m| m.root_hash(),
            BatchSize::LargeInput,
        )
    });
    // Hash once, run the ALU loop for a while (touches a handful of pages), hash again.
    let elf = asm::build(
        &PathBuf::from(
            &*std::env::var("CARGO_MANIFEST_DIR")
                .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string()),
        )
        .join("benches/programs/alu_loop.S"),
        &asm::out_dir("bench-hash"),
        &[],
    );
    let mut hashed = run::load(&elf, 64 << 20);
    hashed.root_hash();
    hashed.run(1_000_000).expect("run");
    let start = Instant::now();
    hashed.clone().root_hash();
    println!(
        "root hash after a 1M-cycle run touching few pages: {:.3} ms",
        start.elapsed().as_secs_f64() * 1e3
    );
    group.bench_function("after_small_run", |b| {
        b.iter_batched(
            || hashed.clone(),
            |mut m| m.root_hash(),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, mips, root_hash);
criterion_main!(benches);
