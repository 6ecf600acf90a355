/* RV64M: every multiply, divide and remainder form (64-bit and W), signedness of the
 * high-half multiplies, division by zero (quotient all ones, remainder = dividend)
 * and signed overflow (-2^63 / -1 = -2^63, remainder 0), W forms sign-extending. */
#include "env.h"

RVTEST_CODE_BEGIN

    /* MUL */
    TEST_RR(2, mul, 0x2a, 0x7, 0x6)
    TEST_RR(3, mul, 0x1, 0xffffffffffffffff, 0xffffffffffffffff)
    TEST_RR(4, mul, 0x8000000000000000, 0x8000000000000000, 0xffffffffffffffff)
    TEST_RR(5, mul, 0xd77d742cce1833a9, 0x123456789, 0x987654321)
    TEST_RR(6, mul, 0xfffffffe00000001, 0xffffffff, 0xffffffff)
    TEST_RR(7, mul, 0x0, 0x0, 0xffffffffffffffff)
    /* MULH */
    TEST_RR(10, mulh, 0x0, 0xffffffffffffffff, 0xffffffffffffffff)
    TEST_RR(11, mulh, 0x4000000000000000, 0x8000000000000000, 0x8000000000000000)
    TEST_RR(12, mulh, 0xffffffffffffffff, 0xffffffffffffffff, 0x1)
    TEST_RR(13, mulh, 0x3fffffffffffffff, 0x7fffffffffffffff, 0x7fffffffffffffff)
    TEST_RR(14, mulh, 0xffeb49923cc09532, 0x123456789abcdef0, 0xfedcba9876543210)
    /* MULHU */
    TEST_RR(20, mulhu, 0xfffffffffffffffe, 0xffffffffffffffff, 0xffffffffffffffff)
    TEST_RR(21, mulhu, 0x1, 0x8000000000000000, 0x2)
    TEST_RR(22, mulhu, 0x0, 0xffffffff, 0xffffffff)
    TEST_RR(23, mulhu, 0x121fa00ad77d7422, 0x123456789abcdef0, 0xfedcba9876543210)
    /* MULHSU */
    TEST_RR(30, mulhsu, 0xffffffffffffffff, 0xffffffffffffffff, 0xffffffffffffffff)
    TEST_RR(31, mulhsu, 0xffffffffffffffff, 0x8000000000000000, 0x2)
    TEST_RR(32, mulhsu, 0x1, 0x2, 0x8000000000000000)
    TEST_RR(33, mulhsu, 0xffffffffffffffff, 0xfffffffffffffffe, 0x1)
    TEST_RR(34, mulhsu, 0x121fa00ad77d7422, 0x123456789abcdef0, 0xfedcba9876543210)
    /* MULW */
    TEST_RR(40, mulw, 0xfffffffffffffffe, 0x7fffffff, 0x2)
    TEST_RR(41, mulw, 0x1, 0x100000001, 0x100000001)
    TEST_RR(42, mulw, 0x1, 0xffffffffffffffff, 0xffffffffffffffff)
    TEST_RR(43, mulw, 0x242d2080, 0x12345678, 0x9abcdef0)
    TEST_RR(44, mulw, 0xffffffff80000000, 0xffffffff80000000, 0xffffffffffffffff)
    /* DIV */
    TEST_RR(50, div, 0x3, 0x14, 0x6)
    TEST_RR(51, div, 0xfffffffffffffffd, 0xffffffffffffffec, 0x6)
    TEST_RR(52, div, 0xfffffffffffffffd, 0x14, 0xfffffffffffffffa)
    TEST_RR(53, div, 0x3, 0xffffffffffffffec, 0xfffffffffffffffa)
    TEST_RR(54, div, 0xffffffffffffffff, 0x5, 0x0)
    TEST_RR(55, div, 0xffffffffffffffff, 0x0, 0x0)
    TEST_RR(56, div, 0x8000000000000000, 0x8000000000000000, 0xffffffffffffffff)
    TEST_RR(57, div, 0x8000000000000000, 0x8000000000000000, 0x1)
    /* DIVU */
    TEST_RR(60, divu, 0x3, 0x14, 0x6)
    TEST_RR(61, divu, 0x7fffffffffffffff, 0xffffffffffffffff, 0x2)
    TEST_RR(62, divu, 0x2aaaaaaaaaaaaaa7, 0xffffffffffffffec, 0x6)
    TEST_RR(63, divu, 0xffffffffffffffff, 0x5, 0x0)
    TEST_RR(64, divu, 0x0, 0x8000000000000000, 0xffffffffffffffff)
    /* REM */
    TEST_RR(70, rem, 0x2, 0x14, 0x6)
    TEST_RR(71, rem, 0xfffffffffffffffe, 0xffffffffffffffec, 0x6)
    TEST_RR(72, rem, 0x2, 0x14, 0xfffffffffffffffa)
    TEST_RR(73, rem, 0xfffffffffffffffe, 0xffffffffffffffec, 0xfffffffffffffffa)
    TEST_RR(74, rem, 0x5, 0x5, 0x0)
    TEST_RR(75, rem, 0xfffffffffffffff9, 0xfffffffffffffff9, 0x0)
    TEST_RR(76, rem, 0x0, 0x8000000000000000, 0xffffffffffffffff)
    /* REMU */
    TEST_RR(80, remu, 0x2, 0x14, 0x6)
    TEST_RR(81, remu, 0x5, 0xffffffffffffffff, 0xa)
    TEST_RR(82, remu, 0x5, 0x5, 0x0)
    TEST_RR(83, remu, 0xfffffffffffffff9, 0xfffffffffffffff9, 0x0)
    TEST_RR(84, remu, 0x8000000000000000, 0x8000000000000000, 0xffffffffffffffff)
    /* DIVW */
    TEST_RR(90, divw, 0x3, 0x14, 0x6)
    TEST_RR(91, divw, 0xfffffffffffffffd, 0xffffffffffffffec, 0x6)
    TEST_RR(92, divw, 0xffffffff80000000, 0xffffffff80000000, 0xffffffffffffffff)
    TEST_RR(93, divw, 0xffffffff80000000, 0x80000000, 0xffffffffffffffff)
    TEST_RR(94, divw, 0xffffffffffffffff, 0x7, 0x0)
    TEST_RR(95, divw, 0x3, 0x100000014, 0x6)
    TEST_RR(96, divw, 0xffffffffffffffff, 0x14, 0x100000000)
    /* DIVUW */
    TEST_RR(100, divuw, 0x7fffffff, 0xffffffff, 0x2)
    TEST_RR(101, divuw, 0xffffffffffffffff, 0x7, 0x0)
    TEST_RR(102, divuw, 0xffffffff80000000, 0x80000000, 0x1)
    TEST_RR(103, divuw, 0x2aaaaaa7, 0xffffffffffffffec, 0x6)
    TEST_RR(104, divuw, 0x3, 0x100000014, 0x200000006)
    /* REMW */
    TEST_RR(110, remw, 0x2, 0x14, 0x6)
    TEST_RR(111, remw, 0xfffffffffffffffe, 0xffffffffffffffec, 0x6)
    TEST_RR(112, remw, 0x23456789, 0x123456789, 0x0)
    TEST_RR(113, remw, 0x0, 0xffffffff80000000, 0xffffffffffffffff)
    TEST_RR(114, remw, 0x2, 0x14, 0xfffffffffffffffa)
    TEST_RR(115, remw, 0xfffffffffffffffb, 0x1fffffffb, 0x7)
    /* REMUW */
    TEST_RR(120, remuw, 0xffffffffffffffff, 0xffffffff, 0x0)
    TEST_RR(121, remuw, 0x5, 0xfffffff5, 0xa)
    TEST_RR(122, remuw, 0x1, 0x100000007, 0x100000003)
    TEST_RR(123, remuw, 0x2, 0xffffffffffffffec, 0x6)
    TEST_RR(124, remuw, 0x14, 0x14, 0x100000000)

    /* rd == rs1 == rs2 and x0 destination. */
    TEST_RR_SAME(200, mul, 0x10000000000, 0x100000)
    TEST_RR_SAME(201, div, 1, -77)
    TEST_RR_SAME(202, remu, 0, 12345)
    TEST_RR_ZERO_DEST(203, div, 1, 0)
    TEST_RR_ZERO_SRC1(204, divu, 0, 9)
    TEST_RR_ZERO_SRC1(205, div, 0xffffffffffffffff, 0)

    RVTEST_PASS
RVTEST_CODE_END
