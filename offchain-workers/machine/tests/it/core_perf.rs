//! Throughput probe (not a timed test): `cargo test --release -p concerto-machine --test
//! it -- core_perf:: --ignored --nocapture` prints MIPS for a tight ALU loop and a memory loop;
//! `run_elf_for_cycles` runs any ELF (`CORE_PERF_ELF`) for `CORE_PERF_CYCLES` cycles, for
//! callgrind or `perf stat` (`CORE_PERF_HASH=1` also prints the root hash).
#![allow(missing_docs)]

use crate::core_util::*;
use concerto_machine::BreakReason;
use std::time::Instant;

fn mips(words: &[u32], cycles: u64) -> f64 {
    let mut m = machine_with(words, 1 << 20);
    let t = Instant::now();
    assert_eq!(m.run(cycles).unwrap(), BreakReason::ReachedTargetMcycle);
    let dt = t.elapsed().as_secs_f64();
    cycles as f64 / dt / 1e6
}

#[test]
#[ignore]
fn alu_and_memory_loop_mips() {
    // loop: addi t0,t0,1; xor t2,t2,t0; add t3,t3,t2; bne t0,x0,loop
    let alu = vec![
        addi(5, 5, 1),
        r(0, 5, 7, 4, 7, 0x33),
        add(28, 28, 7),
        bne(5, 0, -12),
    ];
    // loop: ld a0,0(sp); addi a0,a0,1; sd a0,0(sp); addi sp,sp,8; and sp,sp,t1 | ...
    let mut mem = vec![auipc(2, 0), lui(6, 0x10), addi(6, 6, -8)]; // t1 = 0xFFF8 mask
    mem.extend([auipc(7, 0x10), addi(7, 7, -12)]); // t2 = base + 0x10000
    mem.extend([
        r(0, 6, 2, 7, 2, 0x33), // and sp, sp(=offset), t1
        add(10, 7, 2),          // a0 = base + off
        ld(11, 10, 0),
        addi(11, 11, 1),
        sd(11, 10, 0),
        addi(2, 2, 8),
        jal(0, -24),
    ]);
    let n: u64 = std::env::var("CORE_PERF_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400_000_000);
    let only = std::env::var("CORE_PERF_ONLY").unwrap_or_default();
    if only != "mem" {
        println!("ALU loop: {:.0} MIPS", mips(&alu, n));
    }
    if only != "alu" {
        println!("memory loop: {:.0} MIPS", mips(&mem, n / 2));
    }
}

/// Callgrind probe: runs the ELF named by `CORE_PERF_ELF` for `CORE_PERF_CYCLES` cycles
/// (or to its halt). Running it at two cycle counts under `valgrind --tool=callgrind`
/// and dividing the difference in host instructions by the difference in cycles gives
/// host instructions per guest instruction, independent of machine load.
#[test]
#[ignore]
fn run_elf_for_cycles() {
    let Ok(path) = std::env::var("CORE_PERF_ELF") else {
        return;
    };
    let n: u64 = std::env::var("CORE_PERF_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000_000);
    let bytes = std::fs::read(&path).expect("read ELF");
    let image = concerto_machine::elf::parse(&bytes).expect("parse ELF");
    let mut m = concerto_machine::machine::Machine::new(
        concerto_machine::machine::MachineConfig::new(32 << 20),
    )
    .expect("machine");
    image.load_into(&mut m).expect("load");
    let reason = m.run(n).unwrap();
    println!("{reason:?} at mcycle {}", m.mcycle());
    if std::env::var_os("CORE_PERF_HASH").is_some() {
        let h = hex::encode(m.root_hash());
        println!("root hash {h}");
    }
}
