//! Snapshot → restore gives the same machine: the same root, the same snapshot bytes and,
//! run on, the same state as a machine that never stopped. Corrupt or truncated bytes are
//! refused with a `SnapshotError`, never a panic.

use super::*;
use crate::machine::MachineConfig;
use proptest::prelude::*;

const RAM_LENGTH: u64 = 4 << 20;
/// Where the program stores (1 MiB above the RAM start).
const DATA: u64 = addr::RAM + (1 << 20);

fn i_type(imm: i32, rs1: u32, f3: u32, rd: u32, opcode: u32) -> u32 {
    ((imm as u32 & 0xFFF) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | opcode
}

fn r_type(f7: u32, rs2: u32, rs1: u32, f3: u32, rd: u32) -> u32 {
    (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | 0x33
}

/// A xorshift generator storing its values at pseudo-random doublewords of the data
/// area: a0 = data area, a1 = state, a2 = iterations, a3 = offset mask; then `j .`.
fn program() -> Vec<u8> {
    let (a0, a1, a2, a3, t0, t1) = (10, 11, 12, 13, 5, 6);
    let sd = |rs2: u32, rs1: u32| (rs2 << 20) | (rs1 << 15) | (3 << 12) | 0x23;
    // bne a2, x0, -40: imm = -40 (bits 12|10:5 and 4:1|11).
    let back = (-40i32) as u32;
    let bne = (((back >> 12) & 1) << 31)
        | (((back >> 5) & 0x3F) << 25)
        | (a2 << 15)
        | (1 << 12)
        | (((back >> 1) & 0xF) << 8)
        | (((back >> 11) & 1) << 7)
        | 0x63;
    let words = [
        i_type(13, a1, 1, t0, 0x13), // slli t0, a1, 13
        r_type(0, t0, a1, 4, a1),    // xor a1, a1, t0
        i_type(7, a1, 5, t0, 0x13),  // srli t0, a1, 7
        r_type(0, t0, a1, 4, a1),    // xor a1, a1, t0
        i_type(17, a1, 1, t0, 0x13), // slli t0, a1, 17
        r_type(0, t0, a1, 4, a1),    // xor a1, a1, t0
        r_type(0, a3, a1, 7, t1),    // and t1, a1, a3
        r_type(0, a0, t1, 0, t1),    // add t1, t1, a0
        sd(a1, t1),                  // sd a1, 0(t1)
        i_type(-1, a2, 0, a2, 0x13), // addi a2, a2, -1
        bne,                         // bnez a2, loop
        0x0000_006F,                 // j .
    ];
    words.iter().flat_map(|w| w.to_le_bytes()).collect()
}

/// A machine about to store `count` values over `pages` pages of its data area.
fn machine(seed: u64, count: u64, pages: u64) -> Machine {
    let mut m = Machine::new(MachineConfig::new(RAM_LENGTH)).expect("machine");
    m.write_memory(addr::RAM, &program()).expect("program");
    let mask = (pages * PAGE_SIZE - 1) & !7;
    for (slot, value) in [(10, DATA), (11, seed | 1), (12, count), (13, mask)] {
        m.write_reg(slot, value).expect("register");
    }
    m
}

fn restore(bytes: &[u8]) -> Machine {
    Machine::restore(bytes, RAM_LENGTH).unwrap_or_else(|e| panic!("restore: {e}"))
}

#[test]
fn a_fresh_machine_round_trips() {
    let mut m = Machine::new(MachineConfig::new(RAM_LENGTH)).expect("machine");
    let bytes = m.snapshot();
    let mut back = restore(&bytes);
    assert_eq!(back.root_hash(), m.root_hash());
    assert_eq!(back.snapshot(), bytes);
    assert_eq!(snapshot_root(&bytes), Ok(m.root_hash()));
}

#[test]
fn pristine_pages_are_left_out() {
    let mut m = machine(7, 1000, 64);
    let before = m.snapshot().len();
    m.run(20_000).expect("run");
    let after = m.snapshot().len();
    // At most 64 data pages more (each 4 KiB and its index) and the TLB entries that map
    // them (27 bytes each).
    let grown = after - before;
    let bound = 64 * (4 + PAGE_SIZE as usize) + tlbc::TABLES * tlbc::SLOTS * 27;
    assert!(grown > 64 * PAGE_SIZE as usize && grown <= bound, "{grown}");
    // The RAM is 1,024 pages; the snapshot holds the program, DTB and touched pages only.
    assert!(after < 80 * (4 + PAGE_SIZE as usize), "{after}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Stopping at any cycle, snapshotting, restoring and running on ends exactly where
    /// the uninterrupted machine ends.
    #[test]
    fn snapshot_restore_run_equals_run(
        seed in any::<u64>(),
        count in 1u64..400,
        pages in 1u64..48,
        split in 0u64..5000,
    ) {
        let end = count * 11 + 100;
        let split = split.min(end);
        let mut straight = machine(seed, count, pages);
        straight.run(end).expect("run");
        let mut first = machine(seed, count, pages);
        first.run(split).expect("run");
        let bytes = first.snapshot();
        let mut resumed = restore(&bytes);
        prop_assert_eq!(resumed.root_hash(), first.root_hash());
        prop_assert_eq!(&resumed.snapshot(), &bytes);
        resumed.run(end).expect("run");
        prop_assert_eq!(resumed.mcycle(), straight.mcycle());
        prop_assert_eq!(resumed.pc(), straight.pc());
        prop_assert_eq!(resumed.root_hash(), straight.root_hash());
        prop_assert_eq!(resumed.snapshot(), straight.snapshot());
    }
}

fn sample_snapshot() -> Vec<u8> {
    let mut m = machine(99, 300, 8);
    m.run(2_000).expect("run");
    m.snapshot()
}

#[test]
fn truncated_snapshots_are_refused() {
    let bytes = sample_snapshot();
    let cuts = (0..bytes.len())
        .step_by(61)
        .chain(bytes.len() - 40..bytes.len());
    for cut in cuts {
        let err =
            Machine::restore(&bytes[..cut], RAM_LENGTH).expect_err("a prefix is not a snapshot");
        assert!(
            matches!(
                err,
                SnapshotError::Truncated { .. } | SnapshotError::BadMagic
            ),
            "cut at {cut}: {err}"
        );
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert_eq!(
        Machine::restore(&longer, RAM_LENGTH).map(|_| ()),
        Err(SnapshotError::TrailingBytes(1))
    );
}

#[test]
fn every_corrupted_byte_is_refused() {
    let bytes = sample_snapshot();
    for at in (0..bytes.len()).step_by(37) {
        let mut bad = bytes.clone();
        bad[at] ^= 0x5A;
        assert!(
            Machine::restore(&bad, RAM_LENGTH).is_err(),
            "flipping byte {at} of {} went unnoticed",
            bytes.len()
        );
    }
}

#[test]
fn named_errors() {
    let bytes = sample_snapshot();
    assert_eq!(
        Machine::restore(b"not a snapshot", RAM_LENGTH).map(|_| ()),
        Err(SnapshotError::BadMagic)
    );
    let mut v2 = bytes.clone();
    v2[8..12].copy_from_slice(&2u32.to_le_bytes());
    assert_eq!(
        Machine::restore(&v2, RAM_LENGTH).map(|_| ()),
        Err(SnapshotError::UnsupportedVersion(2))
    );
    let mut root = bytes.clone();
    root[12] ^= 1;
    assert!(matches!(
        Machine::restore(&root, RAM_LENGTH),
        Err(SnapshotError::RootMismatch { .. })
    ));
    // An odd pc (slot 64), after the header (44 bytes) and the flash count (1).
    let mut pc = bytes.clone();
    let at = 8 + 4 + 32 + 8 + 1 + reg::PC * 8;
    pc[at] |= 1;
    assert!(matches!(
        Machine::restore(&pc, RAM_LENGTH),
        Err(SnapshotError::BadRegister { slot: reg::PC, .. })
    ));
    let mut ram = bytes;
    ram[44..52].copy_from_slice(&(RAM_LENGTH * 2).to_le_bytes());
    assert_eq!(
        Machine::restore(&ram, RAM_LENGTH * 2).map(|_| ()),
        Err(SnapshotError::LayoutMismatch)
    );
    assert_eq!(
        Machine::restore(&ram, RAM_LENGTH).map(|_| ()),
        Err(SnapshotError::TooLarge {
            memory: RAM_LENGTH * 2,
            max: RAM_LENGTH
        })
    );
}

/// Writes the fuzz target's seeds (`fuzz/corpus/snapshot_decode/`): run with
/// `CONCERTO_SNAPSHOT_SEEDS=<dir> cargo test -p concerto-machine --lib -- --ignored
/// write_snapshot_seeds`.
#[test]
#[ignore = "writes fuzz seeds into CONCERTO_SNAPSHOT_SEEDS"]
fn write_snapshot_seeds() {
    let dir = std::env::var("CONCERTO_SNAPSHOT_SEEDS").expect("CONCERTO_SNAPSHOT_SEEDS");
    let small = |ram: u64| {
        let mut m = Machine::new(MachineConfig::new(ram)).expect("machine");
        m.write_memory(addr::RAM, &program()).expect("program");
        m.write_reg(10, addr::RAM + 0x2000).expect("a0");
        m.write_reg(11, 5).expect("a1");
        m.write_reg(12, 20).expect("a2");
        m.write_reg(13, 0xFF8).expect("a3");
        m
    };
    let mut fresh = small(16 * PAGE_SIZE);
    let mut ran = small(16 * PAGE_SIZE);
    ran.run(300).expect("run");
    for (name, m) in [("fresh", &mut fresh), ("ran", &mut ran)] {
        std::fs::write(
            std::path::Path::new(&dir).join(format!("seed-{name}")),
            m.snapshot(),
        )
        .expect("write seed");
    }
}
