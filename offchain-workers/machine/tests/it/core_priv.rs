//! Privilege transitions, Sv39 with hardware A/D, delegation, the hashed TLB and the
//! docs/cartesi-v0.19.md §6.7 fetch-cache quirk.
#![allow(missing_docs)]

use crate::core_util::*;
use concerto_machine::constants::{addr, reg, UARCH_PRISTINE_HASH};
use concerto_machine::merkle::MerkleTree;
use concerto_machine::{BreakReason, Machine, MachineConfig};

const T1: u32 = 6;
const A0: u32 = 10;
const A1: u32 = 11;

fn image(parts: &[(usize, Vec<u32>)], extra: &[(usize, u64)]) -> Vec<u8> {
    let mut img = vec![0u8; 0x8000];
    for (off, words) in parts {
        let b = bytes(words);
        img[*off..*off + b.len()].copy_from_slice(&b);
    }
    for &(off, v) in extra {
        img[off..off + 8].copy_from_slice(&v.to_le_bytes());
    }
    img
}

fn machine(img: Vec<u8>) -> Machine {
    let mut cfg = MachineConfig::new(0x1_0000);
    cfg.ram_image = Some(img);
    Machine::new(cfg).unwrap()
}

fn tlb_word(m: &Machine, table: usize, slot: usize, cold: bool, second: bool) -> u64 {
    let img = m.shadow_tlb_image();
    let off =
        if cold { 0x3000 } else { 0 } + table * 0x1000 + slot * 16 + if second { 8 } else { 0 };
    u64::from_le_bytes(img[off..off + 8].try_into().unwrap())
}

#[test]
fn sv39_user_mode_sets_accessed_and_dirty() {
    // Root page table at RAM+0x4000; gigapage VPN[2]=2 → PA 0x8000_0000, V R W X U.
    let pte = (0x80000u64 << 10) | 0x1F;
    let mut user = vec![auipc(T1, 0), ld(A0, T1, 0x700), sd(A0, T1, 0x708), ECALL];
    user.push(SPIN);
    let mut handler = vec![csrr(A1, 0x342)];
    handler.extend(halt());
    let img = image(
        &[(0, vec![MRET]), (0x100, user), (0x200, handler)],
        &[(0x4010, pte), (0x800, 0x1234)],
    );
    let mut m = machine(img);
    m.write_reg(reg::SATP, (8 << 60) | 0x80004).unwrap();
    m.write_reg(reg::MEPC, RAM + 0x100).unwrap();
    m.write_reg(reg::MTVEC, RAM + 0x200).unwrap();
    assert_eq!(m.run(1000).unwrap(), BreakReason::Halted);
    assert_eq!(m.x(A1 as usize), 8);
    assert_eq!(m.x(A0 as usize), 0x1234);
    assert_eq!(m.read_reg(reg::MEPC).unwrap(), RAM + 0x10C);
    let pte_now = u64::from_le_bytes(m.read_memory(RAM + 0x4010, 8).unwrap().try_into().unwrap());
    assert_eq!(pte_now, pte | 0x40 | 0x80);
    assert_eq!(
        m.read_memory(RAM + 0x808, 8).unwrap(),
        0x1234u64.to_le_bytes().to_vec()
    );
    // The U→M trap flushed the read/write tables: vaddr invalid, cold fields stale.
    assert_eq!(tlb_word(&m, 1, 0, false, false), u64::MAX);
    assert_eq!(tlb_word(&m, 1, 0, true, false), 0x8000_0000);
    assert_eq!(tlb_word(&m, 1, 0, true, true), 0);
    assert_eq!(tlb_word(&m, 2, 0, false, false), u64::MAX);
    assert_eq!(tlb_word(&m, 2, 0, true, false), 0x8000_0000);
    // The M-mode handler refilled the code slot.
    assert_eq!(tlb_word(&m, 0, 0, false, false), 0x8000_0000);
    // Untouched slots keep their reset values.
    assert_eq!(tlb_word(&m, 0, 1, true, false), u64::MAX);
    assert_eq!(tlb_word(&m, 0, 1, true, true), 32);
}

#[test]
fn sv39_page_faults() {
    // Root table empty → user fetch page fault (12) at the user pc.
    let mut handler = vec![csrr(A1, 0x342)];
    handler.extend(halt());
    let img = image(&[(0, vec![MRET]), (0x200, handler)], &[]);
    let mut m = machine(img);
    m.write_reg(reg::SATP, (8 << 60) | 0x80004).unwrap();
    m.write_reg(reg::MEPC, RAM + 0x100).unwrap();
    m.write_reg(reg::MTVEC, RAM + 0x200).unwrap();
    assert_eq!(m.run(1000).unwrap(), BreakReason::Halted);
    assert_eq!(m.x(A1 as usize), 12);
    assert_eq!(m.read_reg(reg::MTVAL).unwrap(), RAM + 0x100);
    // Unsupported satp modes are ignored entirely.
    let p = vec![
        addi(T1, 0, 10),
        slli(T1, T1, 60),
        csrrw(0, 0x180, T1),
        csrr(A0, 0x180),
    ];
    let mut p2 = p.clone();
    p2.extend(halt());
    let mut m = machine(image(&[(0, p2)], &[]));
    assert_eq!(m.run(1000).unwrap(), BreakReason::Halted);
    assert_eq!(m.x(A0 as usize), 0);
}

#[test]
fn delegated_user_ecall_goes_to_supervisor() {
    // U ecall delegated to S (stvec), S ecall goes to M (mtvec) which halts.
    let s_handler = vec![csrr(A0, 0x142), ECALL, SPIN];
    let mut m_handler = vec![csrr(A1, 0x342)];
    m_handler.extend(halt());
    let img = image(
        &[
            (0, vec![MRET]),
            (0x100, vec![ECALL, SPIN]),
            (0x200, m_handler),
            (0x300, s_handler),
        ],
        &[],
    );
    let mut m = machine(img);
    m.write_reg(reg::MEDELEG, 1 << 8).unwrap();
    m.write_reg(reg::STVEC, RAM + 0x300).unwrap();
    m.write_reg(reg::MEPC, RAM + 0x100).unwrap();
    m.write_reg(reg::MTVEC, RAM + 0x200).unwrap();
    assert_eq!(m.run(1000).unwrap(), BreakReason::Halted);
    assert_eq!(m.x(A0 as usize), 8);
    assert_eq!(m.x(A1 as usize), 9);
    assert_eq!(m.read_reg(reg::SEPC).unwrap(), RAM + 0x100);
    assert_eq!(m.read_reg(reg::MEPC).unwrap(), RAM + 0x304);
    // mstatus.MPP = S (1), SPP = U (0)
    let ms = m.read_reg(reg::MSTATUS).unwrap();
    assert_eq!((ms >> 11) & 3, 1);
    assert_eq!((ms >> 8) & 1, 0);
    // 2 traps
    assert_eq!(m.read_reg(reg::ICYCLEINSTRET).unwrap(), 2);
}

fn quirk_machine() -> Machine {
    let img = image(
        &[
            (0, vec![MRET]),
            (0x100, vec![SPIN]),
            (0x200, vec![NOP, NOP, NOP, SPIN]),
        ],
        &[],
    );
    let mut m = machine(img);
    m.write_reg(reg::MEPC, RAM + 0x100).unwrap();
    m.write_reg(reg::MTVEC, RAM + 0x200).unwrap();
    m.write_reg(reg::MIE, 0x80).unwrap();
    m.write_reg(reg::CLINT_MTIMECMP, 1).unwrap();
    m
}

#[test]
fn fetch_cache_quirk_is_chunking_dependent() {
    let mut a = quirk_machine();
    a.run(8195).unwrap();
    let mut b = quirk_machine();
    b.run(8192).unwrap();
    b.run(8195).unwrap();
    assert_eq!(a.pc(), b.pc());
    assert_eq!(a.read_reg(reg::IPRV).unwrap(), 3);
    assert_eq!(tlb_word(&a, 0, 0, false, false), u64::MAX);
    assert_eq!(tlb_word(&b, 0, 0, false, false), 0x8000_0000);
    assert_ne!(a.root_hash(), b.root_hash());
}

#[test]
fn root_from_pages_for_hashing_matches() {
    let mut p = vec![
        auipc(T1, 0),
        sd(T1, T1, 0x400),
        lui(T1, 0x60800),
        sd(T1, T1, 8),
    ];
    p.extend(halt());
    let mut m = machine(image(&[(0, p)], &[]));
    let before = m.root_hash();
    assert_eq!(m.run(100).unwrap(), BreakReason::Halted);
    let after = m.root_hash();
    assert_ne!(before, after);
    let mut t = MerkleTree::new();
    t.set_subtree_hash(addr::UARCH, addr::UARCH_LOG2, UARCH_PRISTINE_HASH)
        .unwrap();
    for (a, page) in m.pages_for_hashing() {
        t.update_page(a, &page);
    }
    assert_eq!(t.root_hash(), after);
    // Proofs verify.
    let proof = m.proof(RAM, 12).unwrap();
    assert!(proof.verify());
    assert_eq!(proof.root_hash, after);
    let proof = m.proof(0x6080_0000, 5).unwrap();
    assert!(proof.verify());
    // No dirty page left after hashing.
    assert!(m.take_dirty_pages().is_empty());
}

#[test]
fn chunked_runs_equal_continuous_runs() {
    // M-mode program: counter loop with stores, then halt.
    let mut p = vec![auipc(T1, 0), addi(A0, 0, 0)];
    p.extend(li32(A1, 30_000));
    p.extend([sd(A0, T1, 0x400), addi(A0, A0, 1), bne(A0, A1, -8)]);
    p.extend(halt());
    let img = image(&[(0, p)], &[]);
    let mut whole = machine(img.clone());
    assert_eq!(whole.run(u64::MAX).unwrap(), BreakReason::Halted);
    for step in [1u64, 7, 4096, 8192, 10_000] {
        let mut m = machine(img.clone());
        let mut end = 0;
        while m.run(end).unwrap() != BreakReason::Halted {
            end += step;
        }
        assert_eq!(m.mcycle(), whole.mcycle());
        assert_eq!(m.root_hash(), whole.root_hash(), "step {step}");
    }
}
