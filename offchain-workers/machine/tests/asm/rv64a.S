/* RV64A: LR/SC (success, failure without a reservation, reservation consumed by SC,
 * address mismatch, LR.W + SC.D, SC without reservation never traps), every AMO in
 * W and D width (old value in rd, W forms sign-extend and leave the upper word alone,
 * min/max signedness), aq/rl variants, and AMO/LR alignment and permission traps. */
#include "env.h"

/* Memory dword `amo_buf` = init; inst rd=x14, rs2=v, (rs1=&amo_buf); check rd, memory. */
#define TEST_AMO(n, inst, init, v, expect_rd, expect_mem)                           \
    li TESTNUM, n;                                                                  \
    la x11, amo_buf;                                                                \
    li x13, init;                                                                   \
    sd x13, 0(x11);                                                                 \
    li x12, v;                                                                      \
    inst x14, x12, (x11);                                                           \
    li x7, expect_rd;                                                               \
    bne x14, x7, fail;                                                              \
    ld x13, 0(x11);                                                                 \
    li x7, expect_mem;                                                              \
    bne x13, x7, fail;

RVTEST_CODE_BEGIN

    /* LR.D / SC.D success. */
    li TESTNUM, 2
    la x11, amo_buf
    li x12, 0x1122334455667788
    sd x12, 0(x11)
    lr.d x14, (x11)
    bne x14, x12, fail
    li x13, 0x0102030405060708
    sc.d x15, x13, (x11)
    bnez x15, fail
    ld x14, 0(x11)
    bne x14, x13, fail

    /* The reservation is consumed: a second SC fails (rd = 1), memory unchanged. */
    li TESTNUM, 3
    li x12, 99
    sc.d x15, x12, (x11)
    li x7, 1
    bne x15, x7, fail
    ld x14, 0(x11)
    bne x14, x13, fail

    /* SC with no LR at all fails. */
    li TESTNUM, 4
    sc.w x15, x12, (x11)
    li x7, 1
    bne x15, x7, fail

    /* LR.W sign-extends; SC.W stores 32 bits only. */
    li TESTNUM, 5
    li x12, 0x80000001
    sd x12, 0(x11)
    lr.w x14, (x11)
    li x7, 0xffffffff80000001
    bne x14, x7, fail
    li x13, -1
    sc.w x15, x13, (x11)
    bnez x15, fail
    ld x14, 0(x11)
    li x7, 0x00000000ffffffff
    bne x14, x7, fail

    /* SC to another address than the reserved one fails and drops the reservation. */
    li TESTNUM, 6
    lr.d x14, (x11)
    addi x16, x11, 8
    sc.d x15, x13, (x16)
    li x7, 1
    bne x15, x7, fail
    sc.d x15, x13, (x11)
    bne x15, x7, fail

    /* Plain stores keep the reservation; the width is not compared (LR.W then SC.D). */
    li TESTNUM, 7
    lr.w x14, (x11)
    sd x0, 8(x11)
    li x13, 0x5555aaaa5555aaaa
    sc.d x15, x13, (x11)
    bnez x15, fail
    ld x14, 0(x11)
    bne x14, x13, fail

    /* SC without a reservation never traps, even when misaligned. */
    li TESTNUM, 8
    addi x16, x11, 1
    sc.d x15, x13, (x16)
    li x7, 1
    bne x15, x7, fail

    /* An M-mode trap (same privilege) keeps the reservation. */
    li TESTNUM, 9
    lr.d x14, (x11)
    TEST_TRAP(9, CAUSE_ECALL_M, 0, ecall)
    li TESTNUM, 10
    sc.d x15, x0, (x11)
    bnez x15, fail

    /* rd == rs2 for SC: the result overwrites the source. */
    li TESTNUM, 11
    lr.d x14, (x11)
    li x12, 1234
    sc.d x12, x12, (x11)
    bnez x12, fail
    ld x14, 0(x11)
    li x7, 1234
    bne x14, x7, fail

    /* AMOs, D then W forms. */
    TEST_AMO(40, amoswap.d, 0x8000000012345678, 0x1111111122222222, 0x8000000012345678, 0x1111111122222222)
    TEST_AMO(41, amoadd.d, 0x7fffffffffffffff, 0x1, 0x7fffffffffffffff, 0x8000000000000000)
    TEST_AMO(42, amoadd.d, 0xffffffff, 0x1, 0xffffffff, 0x100000000)
    TEST_AMO(43, amoxor.d, 0xff00ff00ff00ff00, 0xff00ff00ff00ff0, 0xff00ff00ff00ff00, 0xf0f0f0f0f0f0f0f0)
    TEST_AMO(44, amoand.d, 0xff00ff00ff00ff00, 0xff00ff00ff00ff0, 0xff00ff00ff00ff00, 0xf000f000f000f00)
    TEST_AMO(45, amoor.d, 0xff00ff00ff00ff00, 0xff00ff00ff00ff0, 0xff00ff00ff00ff00, 0xfff0fff0fff0fff0)
    TEST_AMO(46, amomin.d, 0xfffffffffffffffe, 0x1, 0xfffffffffffffffe, 0xfffffffffffffffe)
    TEST_AMO(47, amomin.d, 0x5, 0x80000001, 0x5, 0x5)
    TEST_AMO(48, amomax.d, 0xfffffffffffffffe, 0x1, 0xfffffffffffffffe, 0x1)
    TEST_AMO(49, amomax.d, 0x7fffffff, 0x80000000, 0x7fffffff, 0x80000000)
    TEST_AMO(50, amominu.d, 0xfffffffffffffffe, 0x1, 0xfffffffffffffffe, 0x1)
    TEST_AMO(51, amominu.d, 0x5, 0x80000001, 0x5, 0x5)
    TEST_AMO(52, amomaxu.d, 0xfffffffffffffffe, 0x1, 0xfffffffffffffffe, 0xfffffffffffffffe)
    TEST_AMO(53, amomaxu.d, 0x7fffffff, 0x80000000, 0x7fffffff, 0x80000000)
    TEST_AMO(70, amoswap.w, 0xa5a5a5a512345678, 0x1111111122222222, 0x12345678, 0xa5a5a5a522222222)
    TEST_AMO(71, amoadd.w, 0xa5a5a5a5ffffffff, 0x1, 0xffffffffffffffff, 0xa5a5a5a500000000)
    TEST_AMO(72, amoadd.w, 0xa5a5a5a5ffffffff, 0x1, 0xffffffffffffffff, 0xa5a5a5a500000000)
    TEST_AMO(73, amoxor.w, 0xa5a5a5a5ff00ff00, 0xff00ff00ff00ff0, 0xffffffffff00ff00, 0xa5a5a5a5f0f0f0f0)
    TEST_AMO(74, amoand.w, 0xa5a5a5a5ff00ff00, 0xff00ff00ff00ff0, 0xffffffffff00ff00, 0xa5a5a5a50f000f00)
    TEST_AMO(75, amoor.w, 0xa5a5a5a5ff00ff00, 0xff00ff00ff00ff0, 0xffffffffff00ff00, 0xa5a5a5a5fff0fff0)
    TEST_AMO(76, amomin.w, 0xa5a5a5a5fffffffe, 0x1, 0xfffffffffffffffe, 0xa5a5a5a5fffffffe)
    TEST_AMO(77, amomin.w, 0xa5a5a5a500000005, 0x80000001, 0x5, 0xa5a5a5a580000001)
    TEST_AMO(78, amomax.w, 0xa5a5a5a5fffffffe, 0x1, 0xfffffffffffffffe, 0xa5a5a5a500000001)
    TEST_AMO(79, amomax.w, 0xa5a5a5a57fffffff, 0x80000000, 0x7fffffff, 0xa5a5a5a57fffffff)
    TEST_AMO(80, amominu.w, 0xa5a5a5a5fffffffe, 0x1, 0xfffffffffffffffe, 0xa5a5a5a500000001)
    TEST_AMO(81, amominu.w, 0xa5a5a5a500000005, 0x80000001, 0x5, 0xa5a5a5a500000005)
    TEST_AMO(82, amomaxu.w, 0xa5a5a5a5fffffffe, 0x1, 0xfffffffffffffffe, 0xa5a5a5a5fffffffe)
    TEST_AMO(83, amomaxu.w, 0xa5a5a5a57fffffff, 0x80000000, 0x7fffffff, 0xa5a5a5a580000000)

    /* Ordering bits and rd = x0 / rd = rs2. */
    TEST_AMO(100, amoadd.d.aqrl, 40, 2, 40, 42)
    TEST_AMO(101, amoswap.w.aq, 0x700000001, 9, 1, 0x700000009)
    TEST_AMO(102, amoor.d.rl, 0xf0, 0x0f, 0xf0, 0xff)
    li TESTNUM, 103
    la x11, amo_buf
    sd x0, 0(x11)
    li x12, 5
    amoadd.d x0, x12, (x11)
    amoadd.d x12, x12, (x11)
    li x7, 5
    bne x12, x7, fail
    ld x14, 0(x11)
    li x7, 10
    bne x14, x7, fail
    lr.d.aqrl x14, (x11)
    sc.d.aqrl x15, x0, (x11)
    bnez x15, fail

    /* Misaligned LR: load misaligned (4); misaligned AMO: store misaligned (6). */
    la x11, amo_buf + 4
    TEST_TRAP_AT(110, CAUSE_LOAD_MISALIGNED, amo_buf + 4, lr.d x14, (x11))
    la x11, amo_buf + 2
    TEST_TRAP_AT(111, CAUSE_STORE_MISALIGNED, amo_buf + 2, amoadd.w x14, x0, (x11))
    la x11, amo_buf + 1
    TEST_TRAP_AT(112, CAUSE_STORE_MISALIGNED, amo_buf + 1, amoswap.d x14, x0, (x11))
    /* AMO on the read-only CMIO rx buffer or unmapped memory: store access fault (7). */
    li x11, 0x60000000
    TEST_TRAP(113, CAUSE_STORE_ACCESS, 0x60000000, amoor.d x14, x0, (x11))
    li x11, 0x1000
    TEST_TRAP(114, CAUSE_STORE_ACCESS, 0x1000, amomax.w x14, x0, (x11))
    li x11, 0x1000
    TEST_TRAP(115, CAUSE_LOAD_ACCESS, 0x1000, lr.w x14, (x11))

    /* SC.D at a 4-aligned address reserved by LR.W: the reservation matches, so the
     * store is attempted and traps (6); a trapping SC keeps the reservation. */
    la x11, amo_buf + 4
    lr.w x14, (x11)
    TEST_TRAP_AT(116, CAUSE_STORE_MISALIGNED, amo_buf + 4, sc.d x15, x13, (x11))
    li x13, 0x7e57
    sc.w x15, x13, (x11)
    CHECK(117, x15, 0)
    lwu x14, 0(x11)
    CHECK(118, x14, 0x7e57)

    RVTEST_PASS
RVTEST_CODE_END

RVTEST_DATA_BEGIN
    .align 4
amo_buf:
    .dword 0, 0
RVTEST_DATA_END
