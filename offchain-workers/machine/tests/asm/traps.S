/* Synchronous exceptions (docs/cartesi-v0.19.md §1.3, §7.1, §7.4, §7.5, §7.9): ECALL
 * causes per privilege, EBREAK mtval = pc, illegal instructions with mtval = encoding,
 * misaligned loads/stores (4/6, checked before the PMA lookup), load/store/fetch
 * access faults (5/7/1), fetch of a 32-bit instruction straddling the end of RAM, and
 * mtvec MODE bits being ignored (bit 1 is an address bit, bit 0 is cleared). */
#include "env.h"

RVTEST_CODE_BEGIN

    /* ECALL per privilege; mtval = 0. */
    TEST_TRAP(2, CAUSE_ECALL_M, 0, ecall)
    TEST_TRAP_MODE(3, MPP_S, CAUSE_ECALL_S, 0, ecall)
    TEST_TRAP_MODE(4, MPP_U, CAUSE_ECALL_U, 0, ecall)
    TEST_TRAP_MODE(5, MPP_M, CAUSE_ECALL_M, 0, ecall)
    /* The trap recorded the previous privilege in MPP. */
    TEST_TRAP_MODE(6, MPP_S, CAUSE_ECALL_S, 0, ecall)
    csrr a0, mstatus
    li a1, MSTATUS_MPP
    and a0, a0, a1
    CHECK(7, a0, MPP_S)

    /* EBREAK: cause 3, mtval = pc, in every mode. */
    TEST_TRAP_TVAL_PC(10, CAUSE_BREAKPOINT, ebreak)
    TEST_TRAP_MODE_PC(11, MPP_U, CAUSE_BREAKPOINT, ebreak)
    TEST_TRAP_MODE_PC(12, MPP_S, CAUSE_BREAKPOINT, ebreak)

    /* Illegal instructions: mtval holds the instruction bits. */
    TEST_ILLEGAL_WORD(20, 0xffffffff)
    TEST_ILLEGAL_WORD(21, 0x20c5a533)       /* sh1add (Zba is absent) */
    TEST_ILLEGAL_WORD(22, 0x0ec5d533)       /* czero.eqz (Zicond is absent) */
    TEST_ILLEGAL_WORD(23, 0x02208053)       /* fadd.d with mstatus.FS = Off */
    TEST_ILLEGAL_WORD(24, 0x70200073)       /* mnret */
    TEST_ILLEGAL_WORD(25, 0x0000007b)       /* custom-3 opcode */
    TEST_ILLEGAL_WORD(26, 0x02c5953b)       /* OP-32, funct7 = 1, funct3 = 1: no such M op */
    TEST_TRAP(27, CAUSE_ILLEGAL, 0, .word 0) /* all zero: a 16-bit illegal, mtval 0 */
    TEST_ILLEGAL_IN_MODE(28, MPP_U, 0x30200073)  /* mret in U */
    TEST_ILLEGAL_IN_MODE(29, MPP_S, 0x30200073)  /* mret in S */

    /* Misaligned accesses: never emulated. */
    la a1, buf + 1
    TEST_TRAP_AT(40, CAUSE_LOAD_MISALIGNED, buf + 1, lh a0, 0(a1))
    la a1, buf + 2
    TEST_TRAP_AT(41, CAUSE_LOAD_MISALIGNED, buf + 2, lw a0, 0(a1))
    la a1, buf + 4
    TEST_TRAP_AT(42, CAUSE_LOAD_MISALIGNED, buf + 4, ld a0, 0(a1))
    la a1, buf + 7
    TEST_TRAP_AT(43, CAUSE_LOAD_MISALIGNED, buf + 7, lhu a0, 0(a1))
    la a1, buf + 6
    TEST_TRAP_AT(44, CAUSE_LOAD_MISALIGNED, buf + 6, lwu a0, 0(a1))
    la a1, buf + 3
    TEST_TRAP_AT(45, CAUSE_STORE_MISALIGNED, buf + 3, sh a0, 0(a1))
    la a1, buf + 1
    TEST_TRAP_AT(46, CAUSE_STORE_MISALIGNED, buf + 1, sw a0, 0(a1))
    la a1, buf + 4
    TEST_TRAP_AT(47, CAUSE_STORE_MISALIGNED, buf + 4, sd a0, 0(a1))
    /* Alignment is checked before the address is looked up. */
    li a1, 0x1004
    TEST_TRAP(48, CAUSE_LOAD_MISALIGNED, 0x1004, ld a0, 0(a1))
    li a1, 0x60000002
    TEST_TRAP(49, CAUSE_STORE_MISALIGNED, 0x60000002, sw a0, 0(a1))
    /* The faulting access did not write rd. */
    li a0, 0x77
    la a1, buf + 2
    TEST_TRAP_AT(50, CAUSE_LOAD_MISALIGNED, buf + 2, lw a0, 0(a1))
    CHECK(51, a0, 0x77)

    /* Access faults: mtval = the address. */
    li a1, 0x1000
    TEST_TRAP(60, CAUSE_LOAD_ACCESS, 0x1000, ld a0, 0(a1))
    li a1, 0x0
    TEST_TRAP(61, CAUSE_LOAD_ACCESS, 0x0, ld a0, 0(a1))          /* shadow state */
    li a1, 0x600000
    TEST_TRAP(62, CAUSE_LOAD_ACCESS, 0x600000, ld a0, 0(a1)) /* uarch RAM */
    li a1, 0x80000000000000
    TEST_TRAP(63, CAUSE_LOAD_ACCESS, 0x80000000000000, lb a0, 0(a1))
    li a1, 0x1000
    TEST_TRAP(64, CAUSE_STORE_ACCESS, 0x1000, sd a0, 0(a1))
    li a1, 0x60000000
    TEST_TRAP(65, CAUSE_STORE_ACCESS, 0x60000000, sb a0, 0(a1)) /* rx: read-only */
    li a1, 0x10000
    TEST_TRAP(66, CAUSE_STORE_ACCESS, 0x10000, sd a0, 0(a1))  /* shadow PMAs */
    li a1, -8
    TEST_TRAP(67, CAUSE_LOAD_ACCESS, 0xfffffffffffffff8, ld a0, 0(a1))
    /* Readable ranges: the CMIO buffers and the shadow PMA array. */
    li a1, 0x60000000
    ld a0, 0(a1)
    li a1, 0x60800000
    sd a0, 8(a1)
    li a1, 0x10000
    ld a0, 0(a1)                 /* RAM istart: 0x80000000 | flags 0xf9 */
    CHECK(68, a0, 0x800000f9)
    ld a0, 16(a1)                /* DTB istart */
    CHECK(69, a0, 0x7ff000f9)

    /* Instruction access faults: mepc = mtval = the target. */
    li a1, 0x1000
    TEST_TRAP(70, CAUSE_FETCH_ACCESS, 0x1000, li s8, 0x1000; jr a1)  /* mepc = target */
    li TESTNUM, 71
    li s10, CAUSE_FETCH_ACCESS
    li s9, 0x1000
    li s8, 0x1000
    la s11, 1f
    li a1, 0x1000
    jalr ra, 0(a1)
    j fail
1:  la a0, 1b - 4
    bne ra, a0, fail             /* the jump itself completed (ra written) */
    li TESTNUM, 72
    li s10, CAUSE_FETCH_ACCESS
    li s9, 0x60800000            /* tx buffer: memory but not executable */
    li s8, 0x60800000
    la s11, 2f
    li a1, 0x60800000
    jr a1
2:  li TESTNUM, 73
    li s10, CAUSE_FETCH_ACCESS
    li s9, 0x40008000            /* device */
    li s8, 0x40008000
    la s11, 3f
    li a1, 0x40008000
    jr a1
3:
    /* A 32-bit instruction in the last halfword of RAM: the second half faults,
     * mtval = end of RAM, mepc = the instruction. RAM length from the shadow PMAs. */
    li TESTNUM, 74
    li a1, 0x10008
    ld a1, 0(a1)
    li a2, 0x80000000
    add s9, a2, a1               /* end of RAM */
    addi s8, s9, -2
    li a3, 0x0013                /* low half of `addi x0, x0, 0` */
    sh a3, 0(s8)
    li s10, CAUSE_FETCH_ACCESS
    la s11, 4f
    jr s8
4:  /* A 16-bit instruction there runs fine and falls off the end (fault at end). */
    li TESTNUM, 75
    li a3, 0x0001                /* c.nop */
    sh a3, 0(s8)
    li s10, CAUSE_FETCH_ACCESS
    mv s8, s9
    la s11, 5f
    addi a1, s9, -2
    jr a1
5:

    /* mtvec MODE bits are ignored: vectored mode is not honoured... */
    li TESTNUM, 80
    la a1, vec_base
    ori a1, a1, 1
    csrw mtvec, a1
    li a0, 0
    li a1, 0x2
    csrs mie, a1                 /* SSIE */
    csrs mip, a1                 /* SSIP pending, not delegated */
    csrsi mstatus, MSTATUS_MIE   /* interrupt taken right after this instruction */
6:  li a1, 1
    bne a0, a1, fail             /* vec_base ran (a0 = 1) */
    la a1, 6b
    csrr a2, mepc
    bne a1, a2, fail
    csrr a2, mcause
    li a1, (1 << 63) | 1
    bne a1, a2, fail
    li a1, 0x2
    csrc mip, a1
    csrc mie, a1
    /* ...and bit 1 is an address bit: the trap goes to vec_base2 + 2. */
    li TESTNUM, 81
    la a1, vec_base2
    ori a1, a1, 2
    csrw mtvec, a1
    csrr a2, mtvec
    bne a1, a2, fail
    li a0, 0
    ecall
    li a1, 2
    bne a0, a1, fail
    la a1, env_trap_vector
    csrw mtvec, a1

    RVTEST_PASS

    .align 6
vec_base:                       /* with mtvec MODE = 1 every trap still lands here */
    j vec_handler
    .word 0, 0, 0                /* vectored entries (base + 4 * cause): illegal */
vec_handler:
    csrr t6, mcause
    bgez t6, fail                /* only the SSI interrupt is expected */
    li a0, 1
    li t6, MSTATUS_MPIE
    csrc mstatus, t6             /* return with interrupts disabled */
    mret
    .align 6
vec_base2:
    .half 0                      /* illegal if the trap went to the aligned base */
    li a0, 2
    csrr t6, mepc
    addi t6, t6, 4
    csrw mepc, t6
    mret

RVTEST_CODE_END

RVTEST_DATA_BEGIN
    .align 4
buf:
    .dword 0, 0
RVTEST_DATA_END
