//! CMIO host protocol (docs/cartesi-v0.19.md §5.3, §5.4), LR/SC rules (§7.2) and clone isolation.
#![allow(missing_docs)]

use crate::core_util::*;
use concerto_machine::constants::reg;
use concerto_machine::{BreakReason, Machine, MachineConfig};

const T0: u32 = 5;
const T1: u32 = 6;
const T2: u32 = 7;
const A0: u32 = 10;
const A1: u32 = 11;
const A2: u32 = 12;
const A3: u32 = 13;
const A4: u32 = 14;
const A5: u32 = 15;
const A6: u32 = 16;

/// Loops forever: manual yield rx-accepted with data 32.
fn yield_loop() -> Vec<u32> {
    vec![
        addi(T1, 0, 0x201),
        slli(T1, T1, 48),
        addi(T2, 0, 1),
        slli(T2, T2, 32),
        or(T1, T1, T2),
        addi(T1, T1, 32),
        lui(T0, 0x40008),
        sd(T1, T0, 0),
        jal(0, -4),
    ]
}

#[test]
fn manual_yield_and_stale_rx_bytes() {
    let mut m = machine_with(&yield_loop(), 0x1_0000);
    assert!(m.receive_cmio_request().is_err());
    assert!(m.send_cmio_response(0, b"x").is_err());
    m.write_memory(0x6080_0000, &[7u8; 32]).unwrap();
    assert_eq!(m.run(1000).unwrap(), BreakReason::YieldedManually);
    assert_eq!(m.mcycle(), 8);
    assert_eq!(m.pc(), RAM + 8 * 4);
    assert_eq!(m.fromhost(), 0x0201_0000_0000_0000);
    let req = m.receive_cmio_request().unwrap();
    assert_eq!(
        (req.cmd, req.reason, req.data.clone()),
        (1, 1, vec![7u8; 32])
    );
    // run while yielded does nothing
    assert_eq!(m.run(1000).unwrap(), BreakReason::YieldedManually);
    assert_eq!(m.mcycle(), 8);

    m.send_cmio_response(0, &[0xAA; 100]).unwrap();
    assert!(!m.iflags_y());
    assert_eq!(m.fromhost(), 100);
    assert_eq!(m.run(1000).unwrap(), BreakReason::YieldedManually);
    assert_eq!(m.mcycle(), 10);
    m.send_cmio_response(1, &[0xBB; 5]).unwrap();
    assert_eq!(m.fromhost(), (1 << 32) | 5);
    let rx = m.read_memory(0x6000_0000, 200).unwrap();
    assert_eq!(&rx[..5], &[0xBB; 5]);
    assert!(rx[5..32].iter().all(|&b| b == 0));
    assert!(rx[32..100].iter().all(|&b| b == 0xAA));
    assert!(rx[100..128].iter().all(|&b| b == 0));
    // too large
    assert_eq!(m.run(1000).unwrap(), BreakReason::YieldedManually);
    assert!(m.send_cmio_response(0, &vec![1u8; (2 << 20) + 1]).is_err());
    m.send_cmio_response(0, &[]).unwrap();
    assert_eq!(m.fromhost(), 0);
}

#[test]
fn automatic_progress_yield() {
    // tohost = 0x0200_0001_0000_002A (automatic, progress, 42)
    let p = vec![
        addi(T1, 0, 0x200),
        slli(T1, T1, 48),
        addi(T2, 0, 1),
        slli(T2, T2, 32),
        or(T1, T1, T2),
        addi(T1, T1, 42),
        lui(T0, 0x40008),
        sd(T1, T0, 0),
        jal(0, -4),
    ];
    let mut m = machine_with(&p, 0x1_0000);
    assert_eq!(m.run(1000).unwrap(), BreakReason::YieldedAutomatically);
    let req = m.receive_cmio_request().unwrap();
    assert_eq!(
        (req.cmd, req.reason, req.data),
        (0, 1, 42u32.to_le_bytes().to_vec())
    );
    assert!(m.send_cmio_response(0, b"no").is_err());
    assert_eq!(m.run(1000).unwrap(), BreakReason::YieldedAutomatically);
    assert_eq!(m.mcycle(), 10);
    assert_eq!(m.fromhost(), 0x0200_0000_0000_0000);
}

#[test]
fn console_putchar() {
    // tohost = 0x0101_0000_0000_0041 ('A'), then halt
    let mut p = vec![
        addi(T1, 0, 0x101),
        slli(T1, T1, 48),
        addi(T1, T1, 0x41),
        lui(T0, 0x40008),
        sd(T1, T0, 0),
    ];
    p.extend(halt());
    let mut m = machine_with(&p, 0x1_0000);
    assert_eq!(m.run(1000).unwrap(), BreakReason::Halted);
    assert_eq!(m.take_console_output(), b"A");
    assert_eq!(m.fromhost(), 0x0101_0000_0000_0000);
}

#[test]
fn halt_payload() {
    // tohost = 0x0000_0007_0000_0005 → payload 2
    let p = vec![
        addi(T1, 0, 7),
        slli(T1, T1, 32),
        addi(T1, T1, 5),
        lui(T0, 0x40008),
        sd(T1, T0, 0),
        SPIN,
    ];
    let mut m = machine_with(&p, 0x1_0000);
    assert_eq!(m.run(1000).unwrap(), BreakReason::Halted);
    assert_eq!(m.exit_code(), Some(2));
}

#[test]
fn lr_sc_rules() {
    let mut p = set_mtvec(0x300);
    p.extend([
        auipc(T1, 0),
        addi(T1, T1, 0x3F4), // data address RAM + 0x400
        addi(A2, 0, 99),
        lr_d(A0, T1),
        sc_d(A1, A2, T1), // success → 0
        sc_d(A3, A2, T1), // no reservation → 1
        lr_w(A0, T1),
        sc_d(A4, A2, T1), // width not compared → 0
        lr_d(A0, T1),
        ECALL,            // M-mode ecall keeps the reservation
        sc_d(A5, A2, T1), // → 0
        addi(T2, T1, 1),
        sc_d(A6, A2, T2), // misaligned without reservation: rd = 1, no trap
    ]);
    p.extend(halt());
    pad_to(&mut p, 0x300);
    // handler: mepc += 4; mret
    p.extend([csrr(28, 0x341), addi(28, 28, 4), csrrw(0, 0x341, 28), MRET]);
    let mut m = machine_with(&p, 0x1_0000);
    assert_eq!(m.run(1000).unwrap(), BreakReason::Halted);
    assert_eq!(m.x(A1 as usize), 0);
    assert_eq!(m.x(A3 as usize), 1);
    assert_eq!(m.x(A4 as usize), 0);
    assert_eq!(m.x(A5 as usize), 0);
    assert_eq!(m.x(A6 as usize), 1);
    assert_eq!(m.read_reg(reg::ILRSC).unwrap(), u64::MAX);
    assert_eq!(m.read_reg(reg::MCAUSE).unwrap(), 11);
}

#[test]
fn amo_add_and_clone_isolation() {
    let mut p = vec![
        auipc(T1, 0),
        addi(T1, T1, 0x400),
        addi(A2, 0, 5),
        amoadd_d(A0, A2, T1),
        amoadd_d(A1, A2, T1),
        ld(A3, T1, 0),
    ];
    p.extend(halt());
    let base = machine_with(&p, 0x1_0000);
    let mut a = base.clone();
    let mut b = base.clone();
    assert_eq!(a.run(1000).unwrap(), BreakReason::Halted);
    assert_eq!(
        (a.x(A0 as usize), a.x(A1 as usize), a.x(A3 as usize)),
        (0, 5, 10)
    );
    // The template is untouched and the second clone runs identically.
    assert_eq!(base.read_memory(RAM + 0x400, 8).unwrap(), vec![0; 8]);
    b.write_memory(RAM + 0x400, &100u64.to_le_bytes()).unwrap();
    assert_eq!(b.run(1000).unwrap(), BreakReason::Halted);
    assert_eq!(b.x(A3 as usize), 110);
    assert_eq!(
        a.read_memory(RAM + 0x400, 8).unwrap(),
        10u64.to_le_bytes().to_vec()
    );
    let mut c = base.clone();
    c.run(1000).unwrap();
    assert_eq!(c.root_hash(), a.root_hash());
    let _ = Machine::new(MachineConfig::new(0x1_0000)).unwrap();
}
