/* CLINT (docs/cartesi-v0.19.md §3, §7.8, §7.11): mtime = mcycle / 8192, mtimecmp and
 * msip register access rules, the machine timer interrupt taken exactly at the 8192-cycle tick
 * (mcause bit 63, mepc = the interrupted pc, minstret lagging by one per interrupt),
 * MTIP pending while MIE = 0 and taken right after MIE is set, mtimecmp·8192
 * wrapping, mtimecmp = 0 never firing, software interrupts via msip and priority. */
#include "env.h"

#define CLINT_MSIP 0x2000000
#define CLINT_MTIMECMP 0x2004000
#define CLINT_MTIME 0x200bff8
#define MIP_MSIP 0x8
#define MIP_MTIP 0x80

RVTEST_CODE_BEGIN

    /* mtime = mcycle / 8192 (read one cycle after mcycle). */
    li a3, CLINT_MTIME
    csrr a1, mcycle
    ld a2, 0(a3)
    addi a1, a1, 1
    srli a1, a1, 13
    sub a0, a2, a1
    CHECK(2, a0, 0)

    /* Register access rules. */
    li a3, CLINT_MTIMECMP
    li a1, 0x123456789
    sd a1, 0(a3)
    ld a0, 0(a3)
    CHECK(3, a0, 0x123456789)
    sd x0, 0(a3)
    li a3, CLINT_MTIMECMP
    TEST_TRAP(4, CAUSE_LOAD_ACCESS, CLINT_MTIMECMP, lw a0, 0(a3))
    li a3, CLINT_MTIMECMP
    TEST_TRAP(5, CAUSE_STORE_ACCESS, CLINT_MTIMECMP, sw a0, 0(a3))
    li a3, CLINT_MTIME
    TEST_TRAP(6, CAUSE_STORE_ACCESS, CLINT_MTIME, sd a0, 0(a3))
    li a3, CLINT_MSIP
    TEST_TRAP(7, CAUSE_LOAD_ACCESS, CLINT_MSIP, ld a0, 0(a3))
    li a3, CLINT_MSIP + 4
    TEST_TRAP(8, CAUSE_LOAD_ACCESS, CLINT_MSIP + 4, lw a0, 0(a3))
    li a3, CLINT_MTIME
    TEST_TRAP(9, CAUSE_LOAD_ACCESS, CLINT_MTIME, lw a0, 0(a3))

    /* msip drives mip.MSIP (interrupts disabled). */
    li a3, CLINT_MSIP
    li a1, 1
    sw a1, 0(a3)
    lw a0, 0(a3)
    CHECK(10, a0, 1)
    csrr a0, mip
    CHECK(11, a0, MIP_MSIP)
    sw x0, 0(a3)
    csrr a0, mip
    CHECK(12, a0, 0)
    lw a0, 0(a3)
    CHECK(13, a0, 0)

    /* From here interrupts go to clint_vector (log pointer s6). */
    la a0, clint_vector
    csrw mtvec, a0
    la s6, log
    li s11, 0

    /* Software interrupt: taken right after the msip store. */
    li TESTNUM, 20
    li a0, MIP_MSIP
    csrw mie, a0
    csrsi mstatus, MSTATUS_MIE
    li a3, CLINT_MSIP
    li a1, 1
    sw a1, 0(a3)
1:  la a0, 1b
    bne s5, a0, fail             /* mepc = the instruction after the store */
    ld a0, -8(s6)
    li a1, (1 << 63) | 3
    bne a0, a1, fail

    /* Timer interrupt at exactly mcycle = mtimecmp * 8192 while spinning. */
    li TESTNUM, 30
    csrci mstatus, MSTATUS_MIE
    li a0, MIP_MTIP
    csrw mie, a0
    li a3, CLINT_MTIME
    ld a2, 0(a3)
    addi a2, a2, 2
    mv s2, a2                    /* target mtime */
    li a3, CLINT_MTIMECMP
    sd a2, 0(a3)
    csrr a1, mcycle
    csrr a2, minstret
    sub s1, a1, a2               /* mcycle - minstret before */
    la s11, 3f
    csrsi mstatus, MSTATUS_MIE
2:  j 2b
3:  csrci mstatus, MSTATUS_MIE
    la a0, 2b
    bne s5, a0, fail             /* mepc = the spin loop */
    slli a0, s2, 13
    bne s4, a0, fail             /* first handler instruction ran at mtimecmp * 8192 */
    li TESTNUM, 31
    ld a0, -8(s6)
    li a1, (1 << 63) | 7
    bne a0, a1, fail
    li TESTNUM, 32
    sub a0, s4, s3               /* handler: mcycle - minstret, read one cycle apart */
    sub a0, a0, s1
    li a1, 1                     /* one more trap entry: minstret lags by one more */
    bne a0, a1, fail
    csrr a0, mip
    CHECK(33, a0, 0)             /* writing mtimecmp cleared MTIP */

    /* MTIP pending with MIE = 0; taken right after MIE is set. */
    li TESTNUM, 40
    li a3, CLINT_MTIME
    ld a2, 0(a3)
    addi a2, a2, 1
    li a3, CLINT_MTIMECMP
    sd a2, 0(a3)
4:  csrr a0, mip
    andi a0, a0, MIP_MTIP
    beqz a0, 4b
    li a3, CLINT_MTIME
    ld a0, 0(a3)
    bltu a0, a2, fail            /* pending only once mtime >= mtimecmp */
    li s11, 0
    csrsi mstatus, MSTATUS_MIE
5:  csrci mstatus, MSTATUS_MIE
    la a0, 5b
    bne s5, a0, fail

    /* mtimecmp * 8192 wraps: 2^51 + 1 behaves like 1 and fires at the next tick. */
    li TESTNUM, 50
    li a3, CLINT_MTIMECMP
    li a2, (1 << 51) + 1
    sd a2, 0(a3)
    li a3, CLINT_MTIME
    ld a2, 0(a3)
6:  ld a1, 0(a3)
    beq a1, a2, 6b
    csrr a0, mip
    andi a0, a0, MIP_MTIP
    beqz a0, fail

    /* mtimecmp = 0 never fires. */
    li TESTNUM, 51
    li a3, CLINT_MTIMECMP
    sd x0, 0(a3)
    csrr a0, mip
    bnez a0, fail                /* the write cleared MTIP */
    li a3, CLINT_MTIME
    ld a2, 0(a3)
7:  ld a1, 0(a3)
    beq a1, a2, 7b
    csrr a0, mip
    bnez a0, fail

    /* Priority: with MSIP and MTIP both pending, MSI (3) is taken before MTI (7). */
    li TESTNUM, 60
    li a3, CLINT_MTIMECMP
    li a2, 1
    sd a2, 0(a3)                 /* mtime >= 1 already: pending at the next tick */
    li a3, CLINT_MTIME
    ld a2, 0(a3)
8:  ld a1, 0(a3)
    beq a1, a2, 8b
    li a3, CLINT_MSIP
    li a1, 1
    sw a1, 0(a3)
    li a0, MIP_MSIP | MIP_MTIP
    csrw mie, a0
    la s6, log
    csrsi mstatus, MSTATUS_MIE   /* MSI taken here; MTI right after its MRET */
    csrci mstatus, MSTATUS_MIE
    la a0, log + 16
    bne s6, a0, fail
    ld a0, log
    li a1, (1 << 63) | 3
    bne a0, a1, fail
    ld a0, log + 8
    li a1, (1 << 63) | 7
    bne a0, a1, fail
    csrw mie, x0

    la a0, env_trap_vector
    csrw mtvec, a0
    RVTEST_PASS

/* Interrupt handler: s4 = mcycle at entry, s3 = minstret one cycle later, s5 = mepc,
 * mcause appended at s6. Clears the interrupt's source, resumes at s11 if set. */
    .align 12
clint_vector:
    csrr t5, mcycle
    csrr t4, minstret
    csrr t6, mcause
    bgez t6, fail                /* only interrupts are expected here */
    mv s4, t5
    mv s3, t4
    csrr s5, mepc
    sd t6, 0(s6)
    addi s6, s6, 8
    slli t6, t6, 1
    srli t6, t6, 1
    li t5, 3
    bne t6, t5, 1f
    li t5, CLINT_MSIP
    sw x0, 0(t5)
    j 2f
1:  li t5, CLINT_MTIMECMP
    sd x0, 0(t5)
2:  beqz s11, 3f
    csrw mepc, s11
    li s11, 0
3:  mret

RVTEST_CODE_END

RVTEST_DATA_BEGIN
    .align 4
log:
    .fill 8, 8, 0
RVTEST_DATA_END
