/* Privilege transitions (docs/cartesi-v0.19.md §7.4–§7.6): MRET/SRET with MPP/SPP and
 * the xIE/xPIE stack, MPRV cleared by a return below M, SRET from M, per-mode CSR privilege,
 * SRET/WFI/SFENCE.VMA rules (U, TSR, TW, TVM), delegation of exceptions (medeleg)
 * and interrupts (mideleg) to S, counter enables, and reservations dropped by a
 * privilege change. */
#include "env.h"

/* Back to M with an ECALL from the current mode (`cause` 8 or 9), as test n. */
#define BACK_TO_M(n, cause) TEST_TRAP(n, cause, 0, ecall)

/* Check masked mstatus bits in M-mode. */
#define CHECK_MSTATUS(n, mask, expect)                                              \
    csrr a0, mstatus;                                                               \
    li a1, mask;                                                                    \
    and a0, a0, a1;                                                                 \
    CHECK(n, a0, expect)

RVTEST_CODE_BEGIN
    la a0, s_trap_vector
    csrw stvec, a0

    /* MRET to S: MIE <- MPIE, MPIE <- 1, MPP <- U; the ECALL back records MPP = S. */
    li a0, MSTATUS_MPIE
    csrs mstatus, a0
    csrci mstatus, MSTATUS_MIE
    ENTER_MODE(MPP_S)
    csrr a2, sstatus             /* legal in S */
    BACK_TO_M(2, CAUSE_ECALL_S)
    CHECK_MSTATUS(3, MSTATUS_MPP | MSTATUS_MPIE | MSTATUS_MIE, MPP_S | MSTATUS_MPIE)

    /* MRET below M clears MPRV; MRET to M keeps it. */
    li a0, MSTATUS_MPRV
    csrs mstatus, a0
    ENTER_MODE(MPP_U)
    BACK_TO_M(4, CAUSE_ECALL_U)
    CHECK_MSTATUS(5, MSTATUS_MPRV | MSTATUS_MPP, MPP_U)
    li a0, MSTATUS_MPRV
    csrs mstatus, a0
    ENTER_MODE(MPP_M)
    CHECK_MSTATUS(6, MSTATUS_MPRV | MSTATUS_MPP, MSTATUS_MPRV)
    li a0, MSTATUS_MPRV
    csrc mstatus, a0

    /* SRET from M to S (SPP = 1), then SRET from S to U (SPP = 0). */
    li TESTNUM, 7
    li a0, MSTATUS_SPP | MSTATUS_SPIE
    csrs sstatus, a0
    la a0, 1f
    csrw sepc, a0
    sret
1:  csrr a0, sstatus             /* S: SIE <- SPIE = 1, SPIE <- 1, SPP <- 0 */
    andi a0, a0, MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP
    li a1, MSTATUS_SIE | MSTATUS_SPIE
    bne a0, a1, fail
    csrci sstatus, MSTATUS_SIE
    la a0, 2f
    csrw sepc, a0
    sret
2:  BACK_TO_M(8, CAUSE_ECALL_U)
    CHECK_MSTATUS(9, MSTATUS_MPP, MPP_U)

    /* CSR privilege: M CSRs from S and U, S CSRs from U. */
    TEST_ILLEGAL_IN_MODE(20, MPP_S, 0x30002573)  /* csrr a0, mstatus */
    TEST_ILLEGAL_IN_MODE(21, MPP_S, 0x34002573)  /* csrr a0, mscratch */
    TEST_ILLEGAL_IN_MODE(22, MPP_U, 0x10002573)  /* csrr a0, sstatus */
    TEST_ILLEGAL_IN_MODE(23, MPP_U, 0x14002573)  /* csrr a0, sscratch */
    TEST_ILLEGAL_IN_MODE(24, MPP_U, 0x34002573)  /* csrr a0, mscratch */

    /* SRET, WFI, SFENCE.VMA: illegal in U. */
    TEST_ILLEGAL_IN_MODE(30, MPP_U, 0x10200073)  /* sret */
    TEST_ILLEGAL_IN_MODE(31, MPP_U, 0x10500073)  /* wfi */
    TEST_ILLEGAL_IN_MODE(32, MPP_U, 0x12000073)  /* sfence.vma */
    /* In S they are legal unless TSR / TW / TVM. */
    ENTER_MODE(MPP_S)
    wfi
    sfence.vma
    csrr a0, satp
    BACK_TO_M(33, CAUSE_ECALL_S)
    wfi                          /* legal in M */
    li a0, MSTATUS_TSR | MSTATUS_TW | MSTATUS_TVM
    csrs mstatus, a0
    TEST_ILLEGAL_IN_MODE(34, MPP_S, 0x10200073)  /* sret with TSR */
    TEST_ILLEGAL_IN_MODE(35, MPP_S, 0x10500073)  /* wfi with TW */
    TEST_ILLEGAL_IN_MODE(36, MPP_S, 0x12000073)  /* sfence.vma with TVM */
    TEST_ILLEGAL_IN_MODE(37, MPP_S, 0x18002573)  /* csrr a0, satp with TVM */
    wfi                          /* TW does not affect M */
    csrr a0, satp                /* neither does TVM */
    li a0, MSTATUS_TSR | MSTATUS_TW | MSTATUS_TVM
    csrc mstatus, a0

    /* Counter enables: S needs mcounteren, U needs mcounteren and scounteren. */
    TEST_ILLEGAL_IN_MODE(40, MPP_S, 0xc0002573)  /* cycle */
    TEST_ILLEGAL_IN_MODE(41, MPP_U, 0xc0102573)  /* time */
    csrwi mcounteren, 0x5        /* CY, IR */
    ENTER_MODE(MPP_S)
    csrr a0, cycle
    csrr a0, instret
    BACK_TO_M(42, CAUSE_ECALL_S)
    TEST_ILLEGAL_IN_MODE(43, MPP_S, 0xc0102573)  /* time: TM not set */
    TEST_ILLEGAL_IN_MODE(44, MPP_U, 0xc0002573)  /* cycle: scounteren clear */
    csrwi scounteren, 0x1
    ENTER_MODE(MPP_U)
    csrr a0, cycle
    BACK_TO_M(45, CAUSE_ECALL_U)
    TEST_ILLEGAL_IN_MODE(46, MPP_U, 0xc0202573)  /* instret: scounteren.IR clear */
    csrwi mcounteren, 0
    TEST_ILLEGAL_IN_MODE(47, MPP_U, 0xc0002573)  /* cycle: mcounteren clear */
    csrwi scounteren, 0

    /* A privilege change drops the LR reservation. */
    la a1, word
    lr.d a0, (a1)
    ENTER_MODE(MPP_S)
    li a0, 5
    sc.d a0, x0, (a1)
    BACK_TO_M(50, CAUSE_ECALL_S)
    CHECK(51, a0, 1)

    /* Exception delegation: U ecall and U illegal instructions go to S. */
    li a0, (1 << CAUSE_ECALL_U) | (1 << CAUSE_ILLEGAL)
    csrw medeleg, a0
    li s7, 0                     /* expected SPP */
    li TESTNUM, 60
    li s10, CAUSE_ECALL_U
    li s9, 0
    la s8, 3f
    la s11, 4f
    ENTER_MODE(MPP_U)
3:  ecall
    j fail
4:  li TESTNUM, 61
    li s10, CAUSE_ILLEGAL
    li s9, 0x30002573
    la s8, 5f
    la s11, 6f
    ENTER_MODE(MPP_U)
5:  .word 0x30002573             /* csrr a0, mstatus */
    j fail
6:  /* Not delegated when raised in M: M's own illegal instruction stays in M. */
    TEST_ILLEGAL_WORD(62, 0xffffffff)
    /* A breakpoint in S delegated to S itself: SPP = 1, stval = pc. */
    li a0, 1 << CAUSE_BREAKPOINT
    csrs medeleg, a0
    li s7, MSTATUS_SPP
    li TESTNUM, 63
    li s10, CAUSE_BREAKPOINT
    la s9, 11f
    la s8, 11f
    la s11, 12f
    ENTER_MODE(MPP_S)
11: ebreak
    j fail
12: csrw medeleg, x0

    /* Interrupt delegation: a pending SSI is taken in S as soon as U runs. */
    li a0, 0x2
    csrw mideleg, a0
    csrs mie, a0
    csrs mip, a0                 /* M-mode: delegated interrupts are not taken here */
    li s7, 0
    li TESTNUM, 70
    li s10, (1 << 63) | 1
    li s9, 0
    la s8, 9f
    la s11, 10f
    ENTER_MODE(MPP_U)
9:  j fail
10: li a0, 0x2
    csrc mip, a0
    csrc mie, a0
    csrw mideleg, x0

    RVTEST_PASS

/* S-mode trap vector: check scause/stval/sepc and SPP (s7), then ECALL back to M, which
 * the env vector checks and resumes at s11. */
    .align 4
s_trap_vector:
    csrr t6, scause
    bne t6, s10, fail
    csrr t6, stval
    bne t6, s9, fail
    csrr t6, sepc
    bne t6, s8, fail
    csrr t6, sstatus
    andi t6, t6, MSTATUS_SPP
    bne t6, s7, fail
    li s10, CAUSE_ECALL_S
    li s9, 0
    la s8, 1f
1:  ecall
    j fail

RVTEST_CODE_END

RVTEST_DATA_BEGIN
    .align 4
word:
    .dword 0
RVTEST_DATA_END
