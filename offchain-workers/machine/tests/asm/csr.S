/* Zicsr in M-mode: the six access forms (old value returned, set/clear semantics,
 * rs1 = x0 / uimm = 0 do not write), constant ID CSRs, WARL masks
 * (docs/cartesi-v0.19.md §7.6/§7.7), illegal accesses (absent CSRs, writes to read-only CSRs, mcycle writes, FP CSRs with
 * FS = Off) with mtval = the instruction, and the counter rules (cycle = mcycle,
 * minstret write takes effect for the next instruction, time = mcycle / 8192). */
#include "env.h"

RVTEST_CODE_BEGIN

    /* Access forms on mscratch. */
    li a1, 0x0f0f
    csrw mscratch, a1
    li a2, 0x00ff
    csrrw a0, mscratch, a2
    CHECK(2, a0, 0x0f0f)
    csrrs a0, mscratch, a1
    CHECK(3, a0, 0x00ff)
    csrr a0, mscratch
    CHECK(4, a0, 0x0fff)
    csrrc a0, mscratch, a2
    CHECK(5, a0, 0x0fff)
    csrr a0, mscratch
    CHECK(6, a0, 0x0f00)
    csrrwi a0, mscratch, 0x1f
    CHECK(7, a0, 0x0f00)
    csrrsi a0, mscratch, 0x0
    CHECK(8, a0, 0x1f)
    csrrci a0, mscratch, 0x3
    CHECK(9, a0, 0x1f)
    csrrsi a0, mscratch, 0x10
    CHECK(10, a0, 0x1c)
    csrr a0, mscratch
    CHECK(11, a0, 0x1c)
    li a1, -1
    csrrw a1, mscratch, a1       /* rd == rs1: old value out, new value in */
    CHECK(12, a1, 0x1c)
    csrr a0, mscratch
    CHECK(13, a0, -1)

    /* Constant identification CSRs. */
    csrr a0, mvendorid
    CHECK(20, a0, 0x6361727465736920)
    csrr a0, marchid
    CHECK(21, a0, 19)
    csrr a0, mimpid
    CHECK(22, a0, 19)
    csrr a0, mhartid
    CHECK(23, a0, 0)
    csrr a0, 0xf15               /* mconfigptr */
    CHECK(24, a0, 0)
    csrr a0, misa
    CHECK(25, a0, 0x800000000014112d)
    csrw misa, x0                /* writes are ignored, no trap */
    csrr a0, misa
    CHECK(26, a0, 0x800000000014112d)
    /* Reading a read-only CSR with rs1 = x0 / uimm = 0 is legal. */
    csrrs a0, marchid, x0
    csrrsi a0, marchid, 0
    csrrc a0, mimpid, x0
    CHECK(27, a0, 19)

    /* mstatus / sstatus WARL. */
    csrr a0, mstatus
    CHECK(30, a0, 0xa00000000)
    li a1, -1
    csrw mstatus, a1
    csrr a0, mstatus
    CHECK(31, a0, 0x8000000a007e79aa)
    csrr a0, sstatus
    CHECK(32, a0, 0x80000002000c6122)
    csrw mstatus, x0
    csrr a0, mstatus
    CHECK(33, a0, 0xa00000000)
    li a1, 0x1000                /* MPP = 2 is not supported: becomes U */
    csrw mstatus, a1
    csrr a0, mstatus
    CHECK(34, a0, 0xa00000000)
    li a1, 0x2000                /* FS = Initial is forced to Dirty, SD set */
    csrw mstatus, a1
    csrr a0, mstatus
    CHECK(35, a0, 0x8000000a00006000)
    csrw mstatus, x0
    li a1, -1
    csrw sstatus, a1
    csrr a0, mstatus
    CHECK(36, a0, 0x8000000a000c6122)
    csrr a0, sstatus
    CHECK(37, a0, 0x80000002000c6122)
    csrw mstatus, x0
    li a1, 0xffffffff00000000    /* UXL/SXL/SBE/UBE/MBE are not writable */
    csrw mstatus, a1
    csrr a0, mstatus
    CHECK(38, a0, 0xa00000000)

    /* FP CSRs: illegal with FS = Off, masked widths with FS on. */
    TEST_ILLEGAL_WORD(40, 0x00302573)        /* csrr a0, fcsr */
    TEST_ILLEGAL_WORD(41, 0x00151073)        /* csrw fflags, a0 */
    li a1, 0x6000
    csrs mstatus, a1
    li a1, -1
    csrw fcsr, a1
    csrr a0, fcsr
    CHECK(42, a0, 0xff)
    csrr a0, fflags
    CHECK(43, a0, 0x1f)
    csrr a0, frm
    CHECK(44, a0, 0x7)
    csrwi fflags, 0
    csrr a0, fcsr
    CHECK(45, a0, 0xe0)
    csrw fcsr, x0
    csrw mstatus, x0

    /* Trap vectors and exception PCs: bit 0 cleared, bit 1 kept. */
    li a1, 0x80000003
    csrw mtvec, a1
    csrr a0, mtvec
    la a2, env_trap_vector
    csrw mtvec, a2
    CHECK(50, a0, 0x80000002)
    csrw stvec, a1
    csrr a0, stvec
    CHECK(51, a0, 0x80000002)
    li a1, -1
    csrw mepc, a1
    csrr a0, mepc
    CHECK(52, a0, -2)
    csrw sepc, a1
    csrr a0, sepc
    CHECK(53, a0, -2)

    /* Any-value registers. */
    li a1, 0x123456789abcdef1
    csrw mcause, a1
    csrr a0, mcause
    CHECK(54, a0, 0x123456789abcdef1)
    csrw mtval, a1
    csrr a0, mtval
    CHECK(55, a0, 0x123456789abcdef1)
    csrw scause, a1
    csrr a0, scause
    CHECK(56, a0, 0x123456789abcdef1)
    csrw stval, a1
    csrr a0, stval
    CHECK(57, a0, 0x123456789abcdef1)
    csrw sscratch, a1
    csrr a0, sscratch
    CHECK(58, a0, 0x123456789abcdef1)

    /* Masked registers. */
    li a1, -1
    csrw medeleg, a1
    csrr a0, medeleg
    CHECK(60, a0, 0xb3ff)
    csrw medeleg, x0
    csrw mcounteren, a1
    csrr a0, mcounteren
    CHECK(61, a0, 0x7)
    csrw scounteren, a1
    csrr a0, scounteren
    CHECK(62, a0, 0x7)
    csrw 0x30a, a1               /* menvcfg */
    csrr a0, 0x30a
    CHECK(63, a0, 0x1)
    csrw 0x10a, a1               /* senvcfg */
    csrr a0, 0x10a
    CHECK(64, a0, 0x1)
    csrw mie, a1
    csrr a0, mie
    CHECK(65, a0, 0xaaa)
    csrr a0, sie                 /* mideleg = 0: nothing visible */
    CHECK(66, a0, 0)
    csrw mideleg, a1
    csrr a0, mideleg
    CHECK(67, a0, 0x222)
    csrr a0, sie
    CHECK(68, a0, 0x222)
    csrw sie, x0
    csrr a0, mie
    CHECK(69, a0, 0x888)
    csrw mie, x0
    csrw mip, a1                 /* only SSIP/STIP/SEIP are writable */
    csrr a0, mip
    CHECK(70, a0, 0x222)
    csrr a0, sip
    CHECK(71, a0, 0x222)
    csrw sip, x0
    csrr a0, mip
    CHECK(72, a0, 0)
    csrw mideleg, x0
    csrw mip, x0

    /* satp: supported modes only; ASID reads as zero. */
    li a1, 0x8fffffffffffffff
    csrw satp, a1
    csrr a0, satp
    CHECK(80, a0, 0x80000fffffffffff)
    li a1, 0xa000000000000001    /* Sv57: the whole write is ignored */
    csrw satp, a1
    csrr a0, satp
    CHECK(81, a0, 0x80000fffffffffff)
    li a1, 0x9000000000000123
    csrw satp, a1
    csrr a0, satp
    CHECK(82, a0, 0x9000000000000123)
    csrw satp, x0
    csrr a0, satp
    CHECK(83, a0, 0)

    /* Hardwired-zero CSRs: reads 0, writes ignored. */
    csrw 0x320, a1               /* mcountinhibit */
    csrr a0, 0x320
    CHECK(90, a0, 0)
    csrw 0x323, a1               /* mhpmevent3 */
    csrr a0, 0x323
    CHECK(91, a0, 0)
    csrw 0xb03, a1               /* mhpmcounter3 */
    csrr a0, 0xb03
    CHECK(92, a0, 0)
    csrw 0xb1f, a1               /* mhpmcounter31 */
    csrr a0, 0xb1f
    CHECK(93, a0, 0)
    csrw 0x7a0, a1               /* tselect */
    csrr a0, 0x7a0
    CHECK(94, a0, 0)
    csrr a0, 0x7a1               /* tdata1 */
    CHECK(95, a0, 0)

    /* Illegal accesses: mtval = the 32-bit instruction. */
    TEST_ILLEGAL_WORD(100, 0xf1151073)       /* csrw mvendorid, a0 */
    TEST_ILLEGAL_WORD(101, 0xf112a573)       /* csrrs a0, mvendorid, t0 (writes) */
    TEST_ILLEGAL_WORD(102, 0xf1205573)       /* csrrwi a0, marchid, 0 (always writes) */
    TEST_ILLEGAL_WORD(103, 0xf145a573)       /* csrrs a0, mhartid, a1 */
    TEST_ILLEGAL_WORD(104, 0x3a002573)       /* csrr a0, pmpcfg0: no PMP */
    TEST_ILLEGAL_WORD(105, 0x3b051073)       /* csrw pmpaddr0, a0 */
    TEST_ILLEGAL_WORD(106, 0xc0302573)       /* csrr a0, hpmcounter3 */
    TEST_ILLEGAL_WORD(107, 0x74702573)       /* csrr a0, mseccfg */
    TEST_ILLEGAL_WORD(108, 0x14d02573)       /* csrr a0, stimecmp */
    TEST_ILLEGAL_WORD(109, 0x7c002573)       /* csrr a0, 0x7c0 (custom) */
    TEST_ILLEGAL_WORD(110, 0xc8002573)       /* csrr a0, cycleh (RV32 only) */
    TEST_ILLEGAL_WORD(111, 0x7b002573)       /* csrr a0, dcsr */
    TEST_ILLEGAL_WORD(112, 0x34b02573)       /* csrr a0, mtval2 */
    TEST_ILLEGAL_WORD(113, 0x01502573)       /* csrr a0, seed */
    TEST_ILLEGAL_WORD(114, 0xb0001073)       /* csrw mcycle, x0 */
    TEST_ILLEGAL_WORD(115, 0xb000f573)       /* csrrci a0, mcycle, 1 */
    TEST_ILLEGAL_WORD(116, 0xc0051073)       /* csrw cycle, a0 */
    TEST_ILLEGAL_WORD(117, 0xc0151073)       /* csrw time, a0 */
    /* A failed write leaves rd untouched. */
    li a0, 0x5a5a
    TEST_ILLEGAL_WORD(118, 0xf112a573)
    CHECK(119, a0, 0x5a5a)

    /* Counters. Reading mcycle returns the steps completed before this instruction. */
    csrr a1, mcycle
    csrr a2, mcycle
    sub a0, a2, a1
    CHECK(120, a0, 1)
    csrr a1, mcycle
    csrr a2, cycle
    sub a0, a2, a1
    CHECK(121, a0, 1)
    csrrs a1, mcycle, x0         /* reading mcycle is fine */
    csrrsi a2, mcycle, 0
    sub a0, a2, a1
    CHECK(122, a0, 1)
    li a1, 100
    csrw minstret, a1
    csrr a0, minstret
    csrr a2, instret
    CHECK(123, a0, 100)
    CHECK(124, a2, 101)
    csrr a1, mcycle
    csrr a2, time
    addi a1, a1, 1
    srli a1, a1, 13
    sub a0, a2, a1
    CHECK(125, a0, 0)
    /* minstret = mcycle - icycleinstret: each taken trap makes it lag by one more. */
    csrr a1, mcycle
    csrr a2, minstret
    sub s0, a1, a2
    TEST_TRAP(126, CAUSE_ECALL_M, 0, ecall)
    csrr a1, mcycle
    csrr a2, minstret
    sub s1, a1, a2
    sub a0, s1, s0
    CHECK(127, a0, 1)
    /* Spin until mtime reaches 1 (mcycle 8192), then check time = mcycle / 8192. */
    li TESTNUM, 128
1:  csrr a2, time
    beqz a2, 1b
    csrr a1, mcycle
    li a3, 8192
    bltu a1, a3, fail
    csrr a2, time
    srli a1, a1, 13
    bne a1, a2, fail

    RVTEST_PASS
RVTEST_CODE_END
