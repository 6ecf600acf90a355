/* RV64I loads and stores: every width, sign and zero extension, positive and negative
 * offsets, little-endian byte order, partial overwrites, rd = x0 loads (which still
 * access memory and can trap), and FENCE / FENCE.I as no-ops. */
#include "env.h"

RVTEST_CODE_BEGIN

    /* Loads from constant data: sign vs zero extension at each width. */
    TEST_LOAD(2, lb,  0xffffffffffffff80, data, 0)
    TEST_LOAD(3, lbu, 0x80, data, 0)
    TEST_LOAD(4, lb,  0x7f, data, 1)
    TEST_LOAD(5, lh,  0xffffffffffff8001, data, 2)
    TEST_LOAD(6, lhu, 0x8001, data, 2)
    TEST_LOAD(7, lh,  0x7f80, data, 0 + 8)
    TEST_LOAD(8, lw,  0xffffffff80000001, data, 4)
    TEST_LOAD(9, lwu, 0x80000001, data, 4)
    TEST_LOAD(10, lw, 0x12345678, data, 8 + 4)
    TEST_LOAD(11, ld, 0x8000000180017f80, data, 0)
    TEST_LOAD(12, ld, 0x1234567800007f80, data, 8)
    TEST_LOAD(13, lbu, 0x12, data, 15)
    TEST_LOAD(14, lb,  0x56, data, 13)
    TEST_LOAD(15, lhu, 0x1234, data, 14)

    /* Negative offsets from the end of the block. */
    TEST_LOAD(20, ld, 0x1234567800007f80, data_end, -8)
    TEST_LOAD(21, lw, 0xffffffff80000001, data_end, -12)
    TEST_LOAD(22, lbu, 0x80, data_end, -16)

    /* Stores, read back at the same width. */
    TEST_STORE(30, lb,  sb, 0xffffffffffffffaa, 0xaa, buf, 0)
    TEST_STORE(31, lbu, sb, 0xaa, 0x12345678aa, buf, 1)
    TEST_STORE(32, lh,  sh, 0xffffffffffffbeef, 0xbeef, buf, 2)
    TEST_STORE(33, lhu, sh, 0xbeef, 0x1111beef, buf, 4)
    TEST_STORE(34, lw,  sw, 0xffffffffdeadbeef, 0x77deadbeef, buf, 8)
    TEST_STORE(35, lwu, sw, 0xdeadbeef, 0xdeadbeef, buf, 12)
    TEST_STORE(36, ld,  sd, 0x0123456789abcdef, 0x0123456789abcdef, buf, 16)
    TEST_STORE(37, ld,  sd, -1, -1, buf_end, -8)
    TEST_STORE(38, lw,  sw, 0x7fffffff, 0x7fffffff, buf_end, -16)

    /* Byte order: a doubleword store seen through narrower loads. */
    li TESTNUM, 40
    la x11, buf
    li x12, 0x8877665544332211
    sd x12, 32(x11)
    lbu x14, 32(x11)
    li x7, 0x11
    bne x14, x7, fail
    lbu x14, 39(x11)
    li x7, 0x88
    bne x14, x7, fail
    lhu x14, 34(x11)
    li x7, 0x4433
    bne x14, x7, fail
    lwu x14, 36(x11)
    li x7, 0x88776655
    bne x14, x7, fail

    /* Narrow stores only replace their own bytes. */
    li TESTNUM, 41
    sb x0, 33(x11)
    sh x0, 36(x11)
    ld x14, 32(x11)
    li x7, 0x8877000044330011
    bne x14, x7, fail
    li TESTNUM, 42
    li x12, -1
    sw x12, 32(x11)
    ld x14, 32(x11)
    li x7, 0x88770000ffffffff
    bne x14, x7, fail

    /* Load into x0: no write, but the access happens. */
    li TESTNUM, 50
    la x11, data
    lw x0, 0(x11)
    ld x0, 8(x11)
    bnez x0, fail
    li x11, 0x1000
    TEST_TRAP(51, CAUSE_LOAD_ACCESS, 0x1000, lb x0, 0(x11))
    li x11, 0x80000001
    TEST_TRAP(52, CAUSE_LOAD_MISALIGNED, 0x80000001, lh x0, 0(x11))

    /* Store then load through the same base register (rs1 == rs2 for the store). */
    li TESTNUM, 60
    la x11, buf
    sd x11, 40(x11)
    ld x14, 40(x11)
    bne x14, x11, fail

    /* Load where rd == rs1. */
    li TESTNUM, 61
    la x11, ptr
    ld x11, 0(x11)
    la x7, data
    bne x11, x7, fail

    /* FENCE and FENCE.I are no-ops. */
    li TESTNUM, 70
    fence
    fence rw, rw
    fence.i
    fence.tso
    .word 0x0100000f            /* PAUSE */
    ld x14, 0(x11)              /* x11 = data */
    li x7, 0x8000000180017f80
    bne x14, x7, fail

    /* Self-modifying code after fence.i: patch an addi immediate. */
    li TESTNUM, 71
    la x11, 80f
    li x12, 0x00500713          /* addi x14, x0, 5 */
    sw x12, 0(x11)
    fence.i
80: addi x14, x0, 1
    li x7, 5
    bne x14, x7, fail

    RVTEST_PASS
RVTEST_CODE_END

RVTEST_DATA_BEGIN
    .align 4
data:
    .dword 0x8000000180017f80
    .dword 0x1234567800007f80
data_end:
ptr:
    .dword data
    .align 4
buf:
    .fill 48, 1, 0
buf_end:
RVTEST_DATA_END
