/* RV64I control transfer: every conditional branch (taken / not taken, signed and
 * unsigned edge cases, forward and backward), JAL and JALR link values, JALR bit-0
 * clearing, rd == rs1, and 32-bit instructions at 2-byte aligned addresses. */
#include "env.h"

RVTEST_CODE_BEGIN

    TEST_BR_TAKEN(2, beq, 0, 0)
    TEST_BR_TAKEN(3, beq, -1, -1)
    TEST_BR_NOT_TAKEN(4, beq, 0, 1)
    TEST_BR_NOT_TAKEN(5, beq, 0x100000000, 0)
    TEST_BR_TAKEN(6, bne, 0x100000000, 0)
    TEST_BR_TAKEN(7, bne, 1, -1)
    TEST_BR_NOT_TAKEN(8, bne, 5, 5)

    TEST_BR_TAKEN(10, blt, -1, 0)
    TEST_BR_TAKEN(11, blt, 0x8000000000000000, 0x7fffffffffffffff)
    TEST_BR_NOT_TAKEN(12, blt, 0, -1)
    TEST_BR_NOT_TAKEN(13, blt, 7, 7)
    TEST_BR_TAKEN(14, bge, 7, 7)
    TEST_BR_TAKEN(15, bge, 0, -1)
    TEST_BR_TAKEN(16, bge, 0x7fffffffffffffff, 0x8000000000000000)
    TEST_BR_NOT_TAKEN(17, bge, -2, -1)

    TEST_BR_TAKEN(20, bltu, 0, -1)
    TEST_BR_TAKEN(21, bltu, 0x7fffffffffffffff, 0x8000000000000000)
    TEST_BR_NOT_TAKEN(22, bltu, -1, 0)
    TEST_BR_NOT_TAKEN(23, bltu, 3, 3)
    TEST_BR_TAKEN(24, bgeu, 3, 3)
    TEST_BR_TAKEN(25, bgeu, -1, 0)
    TEST_BR_TAKEN(26, bgeu, 0x8000000000000000, 0x7fffffffffffffff)
    TEST_BR_NOT_TAKEN(27, bgeu, 0, 1)

    /* Backward branches: count down a loop of 10 iterations. */
    li TESTNUM, 30
    li x11, 10
    li x12, 0
1:  addi x12, x12, 1
    addi x11, x11, -1
    bnez x11, 1b
    li x7, 10
    bne x12, x7, fail

    /* Pseudo forms over x0 (bgtz/blez use x0 as an operand). */
    li TESTNUM, 31
    li x11, 5
    blez x11, fail
    bgtz x11, 2f
    j fail
2:

    /* JAL: link = pc + 4; jal x0 does not link. */
    li TESTNUM, 40
    li ra, 0
3:  jal ra, 4f
    j fail
4:  la x7, 3b + 4
    bne ra, x7, fail
    li TESTNUM, 41
    jal x0, 5f
    j fail
5:  bnez x0, fail

    /* JALR: target = (rs1 + imm) & ~1, link = pc + 4. */
    li TESTNUM, 50
    la x11, 6f
    addi x11, x11, -8
7:  jalr x13, 8(x11)
    j fail
6:  la x7, 7b + 4
    bne x13, x7, fail

    li TESTNUM, 51
    la x11, 10f
    addi x11, x11, 1            /* odd target: bit 0 is cleared */
    jalr x0, 0(x11)
    j fail
10:

    li TESTNUM, 52
    la x11, 11f + 16
    jalr x11, -16(x11)          /* rd == rs1: the target uses the old value */
12: j fail
11: la x7, 12b
    bne x11, x7, fail

    li TESTNUM, 53
    la x11, 14f
    jalr x0, 0(x11)
    j fail
    .align 2
13: .half 0                     /* illegal if executed: the jump lands 2 bytes later */
14: addi x12, x0, 77            /* a 32-bit instruction at a 2 (mod 4) address */
    la x11, 16f
    jalr x0, 0(x11)
    j fail
    .align 2
15: .half 0
16: addi x12, x12, 1            /* at a 4-aligned address */
    jal x0, 17f
17: li x7, 78
    bne x12, x7, fail

    /* Call / return through a stack of link registers. */
    li TESTNUM, 60
    li x12, 0
    call 20f
    call 20f
    li x7, 2
    bne x12, x7, fail
    j 21f
20: addi x12, x12, 1
    ret
21:

    RVTEST_PASS
RVTEST_CODE_END
