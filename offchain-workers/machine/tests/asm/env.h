/* Concerto conformance test environment (our own, riscv-tests style).
 *
 * Layout: `_start` at 0x80000000 (link.ld), M-mode, the env trap vector in the first
 * page, test code from the second page on (so trap vectors never share a page with
 * interruptible code, see docs/cartesi-v0.19.md §6.7).
 *
 * Result protocol (HTIF at 0x40008000, docs/cartesi-v0.19.md §4): pass = 64-bit store of 1
 * to tohost (halt, exit code 0); fail = store of (TESTNUM << 1) | 1 (exit code TESTNUM).
 * An unexpected trap fails with exit code 1337.
 *
 * Register conventions while a test runs:
 *   gp  (x3)  TESTNUM, the number of the current test case (never 0 on failure).
 *   s11 (x27) resume address when a trap is expected, 0 otherwise.
 *   s10 (x26) expected mcause; s9 (x25) expected mtval; s8 (x24) expected mepc.
 *   t6  (x31) scratch of the trap vector.
 * Test cases use x11..x14 (a1..a4), x7 (t2) and t0..t5 freely.
 */
#ifndef CONCERTO_ENV_H
#define CONCERTO_ENV_H

#define HTIF_TOHOST 0x40008000
#define HTIF_FROMHOST 0x40008008
#define TESTNUM gp
#define UNEXPECTED_TRAP 1337

/* Trap causes (mcause values). */
#define CAUSE_FETCH_ACCESS 1
#define CAUSE_ILLEGAL 2
#define CAUSE_BREAKPOINT 3
#define CAUSE_LOAD_MISALIGNED 4
#define CAUSE_LOAD_ACCESS 5
#define CAUSE_STORE_MISALIGNED 6
#define CAUSE_STORE_ACCESS 7
#define CAUSE_ECALL_U 8
#define CAUSE_ECALL_S 9
#define CAUSE_ECALL_M 11
#define INTERRUPT_BIT (1 << 63)

/* mstatus fields. */
#define MSTATUS_SIE 0x2
#define MSTATUS_MIE 0x8
#define MSTATUS_SPIE 0x20
#define MSTATUS_MPIE 0x80
#define MSTATUS_SPP 0x100
#define MSTATUS_MPP 0x1800
#define MSTATUS_MPRV 0x20000
#define MSTATUS_TVM 0x100000
#define MSTATUS_TW 0x200000
#define MSTATUS_TSR 0x400000

/* ------------------------------------------------------------------------------ */
/* Program skeleton                                                                 */

#define RVTEST_CODE_BEGIN                                                           \
    .option norvc;                                                                  \
    .section .text.init, "ax";                                                      \
    .globl _start;                                                                  \
_start:                                                                             \
    j env_reset;                                                                    \
    .align 3;                                                                       \
env_trap_vector:                                                                    \
    beqz s11, env_unexpected_trap;                                                  \
    csrr t6, mcause;                                                                \
    bne t6, s10, fail;                                                              \
    csrr t6, mtval;                                                                 \
    bne t6, s9, fail;                                                               \
    csrr t6, mepc;                                                                  \
    bne t6, s8, fail;                                                               \
    mv t6, s11;                                                                     \
    li s11, 0;                                                                      \
    jr t6;                                                                          \
env_unexpected_trap:                                                                \
    li TESTNUM, UNEXPECTED_TRAP;                                                    \
    j fail;                                                                         \
env_reset:                                                                          \
    la t0, env_trap_vector;                                                         \
    csrw mtvec, t0;                                                                 \
    li TESTNUM, 0;                                                                  \
    li s11, 0;                                                                      \
    la t0, test_main;                                                               \
    jr t0;                                                                          \
    .text;                                                                          \
    .align 12;                                                                      \
test_main:

#define RVTEST_CODE_END                                                             \
pass:                                                                               \
    li t0, 1;                                                                       \
    li t1, HTIF_TOHOST;                                                             \
    sd t0, 0(t1);                                                                   \
1:  j 1b;                                                                           \
fail:                                                                               \
    bnez TESTNUM, 2f;                                                               \
    li TESTNUM, 4095;                                                               \
2:  slli t0, TESTNUM, 1;                                                            \
    ori t0, t0, 1;                                                                  \
    li t1, HTIF_TOHOST;                                                             \
    sd t0, 0(t1);                                                                   \
3:  j 3b;

#define RVTEST_PASS j pass
#define RVTEST_FAIL j fail

#define RVTEST_DATA_BEGIN .data; .align 4;
#define RVTEST_DATA_END

/* ------------------------------------------------------------------------------ */
/* Test-case macros. Result register x14, sources x11/x12, expectation in x7.     */

/* Fail test `n` unless register `reg` equals `expect`. */
#define CHECK(n, reg, expect)                                                       \
    li TESTNUM, n;                                                                  \
    li x7, expect;                                                                  \
    bne reg, x7, fail;

/* Register-register op: rd = x14, rs1 = x11, rs2 = x12. */
#define TEST_RR(n, inst, expect, v1, v2)                                            \
    li TESTNUM, n;                                                                  \
    li x11, v1;                                                                     \
    li x12, v2;                                                                     \
    inst x14, x11, x12;                                                             \
    li x7, expect;                                                                  \
    bne x14, x7, fail;

/* Register-register op with rd = rs1 = rs2 (all x11). */
#define TEST_RR_SAME(n, inst, expect, v)                                            \
    li TESTNUM, n;                                                                  \
    li x11, v;                                                                      \
    inst x11, x11, x11;                                                             \
    li x7, expect;                                                                  \
    bne x11, x7, fail;

/* Register-register op writing x0: x0 must stay zero. */
#define TEST_RR_ZERO_DEST(n, inst, v1, v2)                                          \
    li TESTNUM, n;                                                                  \
    li x11, v1;                                                                     \
    li x12, v2;                                                                     \
    inst x0, x11, x12;                                                              \
    bnez x0, fail;

/* Register-register op reading x0 as rs1. */
#define TEST_RR_ZERO_SRC1(n, inst, expect, v2)                                      \
    li TESTNUM, n;                                                                  \
    li x12, v2;                                                                     \
    inst x14, x0, x12;                                                              \
    li x7, expect;                                                                  \
    bne x14, x7, fail;

/* Register-immediate op: rd = x14, rs1 = x11. */
#define TEST_RI(n, inst, expect, v1, imm)                                           \
    li TESTNUM, n;                                                                  \
    li x11, v1;                                                                     \
    inst x14, x11, imm;                                                             \
    li x7, expect;                                                                  \
    bne x14, x7, fail;

/* Register-immediate op with rd = rs1. */
#define TEST_RI_SAME(n, inst, expect, v1, imm)                                      \
    li TESTNUM, n;                                                                  \
    li x11, v1;                                                                     \
    inst x11, x11, imm;                                                             \
    li x7, expect;                                                                  \
    bne x11, x7, fail;

/* Load from `sym + off` into x14. */
#define TEST_LOAD(n, inst, expect, sym, off)                                        \
    li TESTNUM, n;                                                                  \
    la x11, sym;                                                                    \
    inst x14, off(x11);                                                             \
    li x7, expect;                                                                  \
    bne x14, x7, fail;

/* Store v at `sym + off` with `st`, read it back with `ld_inst`. */
#define TEST_STORE(n, ld_inst, st, expect, v, sym, off)                             \
    li TESTNUM, n;                                                                  \
    la x11, sym;                                                                    \
    li x12, v;                                                                      \
    st x12, off(x11);                                                               \
    ld_inst x14, off(x11);                                                          \
    li x7, expect;                                                                  \
    bne x14, x7, fail;

/* Branch that must be taken / not taken. */
#define TEST_BR_TAKEN(n, inst, v1, v2)                                              \
    li TESTNUM, n;                                                                  \
    li x11, v1;                                                                     \
    li x12, v2;                                                                     \
    inst x11, x12, 1f;                                                              \
    j fail;                                                                         \
1:

#define TEST_BR_NOT_TAKEN(n, inst, v1, v2)                                          \
    li TESTNUM, n;                                                                  \
    li x11, v1;                                                                     \
    li x12, v2;                                                                     \
    inst x11, x12, fail;

/* Expect the instruction(s) given as the last argument, whose first instruction is at
 * label 8 and must be the trapping one (set operands up before the macro; the macro
 * only clobbers gp and s8..s11), to trap in M-mode with mcause `cause`, mtval `tval`
 * and mepc = label 8; the env vector then resumes after the code. Fetch faults set s8
 * to the faulting target inside the code (`li s8, target; jr ...`). */
#define TEST_TRAP(n, cause, tval, ...)                                              \
    li TESTNUM, n;                                                                  \
    li s10, cause;                                                                  \
    li s9, tval;                                                                    \
    la s8, 8f;                                                                      \
    la s11, 9f;                                                                     \
8:  __VA_ARGS__;                                                                    \
    j fail;                                                                         \
9:

/* Same, with mtval = the address of symbol expression `tsym` (a `la` operand). */
#define TEST_TRAP_AT(n, cause, tsym, ...)                                           \
    li TESTNUM, n;                                                                  \
    li s10, cause;                                                                  \
    la s9, tsym;                                                                    \
    la s8, 8f;                                                                      \
    la s11, 9f;                                                                     \
8:  __VA_ARGS__;                                                                    \
    j fail;                                                                         \
9:

/* Same, with mtval = the pc of the trapping instruction (ebreak, fetch faults). */
#define TEST_TRAP_TVAL_PC(n, cause, ...)                                            \
    li TESTNUM, n;                                                                  \
    li s10, cause;                                                                  \
    la s9, 8f;                                                                      \
    la s8, 8f;                                                                      \
    la s11, 9f;                                                                     \
8:  __VA_ARGS__;                                                                    \
    j fail;                                                                         \
9:

/* Expect an illegal-instruction trap whose mtval is the 32-bit encoding `bits`,
 * emitted as a raw word so the test does not depend on assembler support. */
#define TEST_ILLEGAL_WORD(n, bits)                                                  \
    TEST_TRAP(n, CAUSE_ILLEGAL, bits, .word bits)

/* Privilege levels as mstatus.MPP values. */
#define MPP_U 0x0000
#define MPP_S 0x0800
#define MPP_M 0x1800

/* Run the code (label 8) in the privilege given by `mpp` (entered with MRET) and
 * expect a trap to M-mode with mcause `cause`, mtval `tval`, mepc = label 8. The env
 * vector resumes in M-mode after the code. Clobbers t0. */
#define TEST_TRAP_MODE(n, mpp, cause, tval, ...)                                    \
    li TESTNUM, n;                                                                  \
    li s10, cause;                                                                  \
    li s9, tval;                                                                    \
    la s8, 8f;                                                                      \
    la s11, 9f;                                                                     \
    li t0, MSTATUS_MPP;                                                             \
    csrc mstatus, t0;                                                               \
    li t0, mpp;                                                                     \
    csrs mstatus, t0;                                                               \
    csrw mepc, s8;                                                                  \
    mret;                                                                           \
8:  __VA_ARGS__;                                                                    \
    j fail;                                                                         \
9:

/* Same, with mtval = the pc of the trapping instruction. */
#define TEST_TRAP_MODE_PC(n, mpp, cause, ...)                                       \
    li TESTNUM, n;                                                                  \
    li s10, cause;                                                                  \
    la s9, 8f;                                                                      \
    la s8, 8f;                                                                      \
    la s11, 9f;                                                                     \
    li t0, MSTATUS_MPP;                                                             \
    csrc mstatus, t0;                                                               \
    li t0, mpp;                                                                     \
    csrs mstatus, t0;                                                               \
    csrw mepc, s8;                                                                  \
    mret;                                                                           \
8:  __VA_ARGS__;                                                                    \
    j fail;                                                                         \
9:

/* Expect an illegal instruction `bits` (raw word) when executed in mode `mpp`. */
#define TEST_ILLEGAL_IN_MODE(n, mpp, bits)                                          \
    TEST_TRAP_MODE(n, mpp, CAUSE_ILLEGAL, bits, .word bits)

/* Drop from M-mode to mode `mpp` and continue at the next instruction (clobbers t0). */
#define ENTER_MODE(mpp)                                                             \
    li t0, MSTATUS_MPP;                                                             \
    csrc mstatus, t0;                                                               \
    li t0, mpp;                                                                     \
    csrs mstatus, t0;                                                               \
    la t0, 7f;                                                                      \
    csrw mepc, t0;                                                                  \
    mret;                                                                           \
7:

#endif /* CONCERTO_ENV_H */
