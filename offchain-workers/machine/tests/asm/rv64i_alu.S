/* RV64I integer computational instructions: every register and immediate form,
 * the W forms, LUI/AUIPC, shift-amount masking and SLT/SLTU edge cases. */
#include "env.h"

RVTEST_CODE_BEGIN

    /* ADD / SUB */
    TEST_RR(2, add, 3, 1, 2)
    TEST_RR(3, add, 0x8000000000000000, 0x7fffffffffffffff, 1)
    TEST_RR(4, add, 0, -1, 1)
    TEST_RR(5, add, 0x100000000, 0xffffffff, 1)
    TEST_RR(6, sub, -4, 3, 7)
    TEST_RR(7, sub, 0x7fffffffffffffff, 0x8000000000000000, 1)
    TEST_RR(8, sub, -1, 0, 1)
    TEST_RR_SAME(9, add, 0x2468, 0x1234)
    TEST_RR_SAME(10, sub, 0, 0x1234)
    TEST_RR_ZERO_DEST(11, add, 5, 6)
    TEST_RR_ZERO_SRC1(12, sub, -9, 9)

    /* ADDW / SUBW: 32-bit result, sign-extended */
    TEST_RR(20, addw, 0xffffffff80000000, 0x7fffffff, 1)
    TEST_RR(21, addw, 0, 0xffffffff, 1)
    TEST_RR(22, addw, 0x23456789, 0x123456789, 0)
    TEST_RR(23, addw, -2, -1, -1)
    TEST_RR(24, subw, -1, 0, 1)
    TEST_RR(25, subw, 0x7fffffff, 0x80000000, 1)
    TEST_RR(26, subw, 0, 0x100000000, 0)
    TEST_RR_ZERO_DEST(27, addw, 1, 2)

    /* ADDI / ADDIW */
    TEST_RI(30, addi, 2048, 1, 2047)
    TEST_RI(31, addi, -2048, 0, -2048)
    TEST_RI(32, addi, 0x8000000000000000, 0x7fffffffffffffff, 1)
    TEST_RI_SAME(33, addi, 0x1233, 0x1234, -1)
    TEST_RI(34, addiw, 0xffffffff80000000, 0x7fffffff, 1)
    TEST_RI(35, addiw, -1, 0xffffffff, 0)
    TEST_RI(36, addiw, 0xffffffff9abcdef0, 0x123456789abcdef0, 0)
    TEST_RI(37, addiw, 0x7ffff800, 0xffffffff7fffffff, -2047)

    /* Logical */
    TEST_RR(40, and, 0x0f000f000f000f00, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0)
    TEST_RR(41, or,  0xfff0fff0fff0fff0, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0)
    TEST_RR(42, xor, 0xf0f0f0f0f0f0f0f0, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0)
    TEST_RI(43, andi, 0xff00ff00ff00ff00, 0xff00ff00ff00ff00, -16)
    TEST_RI(44, andi, 0xf, 0x00ff00ff00ff00ff, 0x70f)
    TEST_RI(45, ori, 0xff00ff00ff00fff0, 0xff00ff00ff00ff00, 0x0f0)
    TEST_RI(46, ori, -1, 0, -1)
    TEST_RI(47, xori, 0xff00ff00ff00ff00, 0x00ff00ff00ff00ff, -1)
    TEST_RI(48, xori, 0x00ff00ff00ff07f0, 0x00ff00ff00ff00ff, 0x70f)
    TEST_RR_SAME(49, xor, 0, 0x5555)
    TEST_RR_ZERO_DEST(50, or, 1, 2)

    /* 64-bit shifts: the amount is the low 6 bits of rs2 */
    TEST_RR(60, sll, 0x8000000000000000, 1, 63)
    TEST_RR(61, sll, 1, 1, 64)
    TEST_RR(62, sll, 0x9090909090909080, 0x2121212121212121, 71)
    TEST_RR(63, srl, 0x4000000000000000, 0x8000000000000000, 1)
    TEST_RR(64, srl, 0x7fffffffffffffff, -1, 65)
    TEST_RR(65, srl, 1, 0x8000000000000000, 63)
    TEST_RR(66, sra, -1, 0x8000000000000000, 63)
    TEST_RR(67, sra, 0xc000000000000000, 0x8000000000000000, 1)
    TEST_RR(68, sra, 0x07ffffffffffffff, 0x7fffffffffffffff, 0x44)
    TEST_RI(69, slli, 0x8000000000000000, 1, 63)
    TEST_RI(70, slli, 0x0000000100000000, 1, 32)
    TEST_RI(71, srli, 1, 0x8000000000000000, 63)
    TEST_RI(72, srli, 0x00000000ffffffff, -1, 32)
    TEST_RI(73, srai, -1, 0x8000000000000000, 63)
    TEST_RI(74, srai, 0xffffffff80000000, 0x8000000000000000, 32)
    TEST_RI(75, srai, 0x1234, 0x1234, 0)

    /* 32-bit shifts: low 5 bits of rs2, result sign-extended */
    TEST_RR(80, sllw, 0xffffffff80000000, 1, 31)
    TEST_RR(81, sllw, 1, 1, 32)
    TEST_RR(82, sllw, 0xffffffff80000000, 0xffffffff00000001, 0x3f + 0x20)
    TEST_RR(83, srlw, 0x40000000, 0x80000000, 33)
    TEST_RR(84, srlw, 0xffffffff80000000, 0x80000000, 0)
    TEST_RR(85, srlw, 1, 0xffffffff80000000, 31)
    TEST_RR(86, sraw, 0xfffffffff8000000, 0x80000000, 36)
    TEST_RR(87, sraw, -1, 0x80000000, 31)
    TEST_RR(88, sraw, 0x3fffffff, 0xffffffff7fffffff, 1)
    TEST_RI(89, slliw, 0xffffffff80000000, 1, 31)
    TEST_RI(90, slliw, 0x12345678, 0xabcdef0012345678, 0)
    TEST_RI(91, srliw, 0x7fffffff, -1, 1)
    TEST_RI(92, srliw, 0xffffffff80000000, 0x80000000, 0)
    TEST_RI(93, srliw, 1, 0x80000000, 31)
    TEST_RI(94, sraiw, -1, 0x80000000, 31)
    TEST_RI(95, sraiw, 0xfffffffff8000000, 0x80000000, 4)
    TEST_RI(96, sraiw, 0x00000000000000ff, 0xffffffff00000ff0, 4)

    /* SLT / SLTU / SLTI / SLTIU */
    TEST_RR(100, slt, 1, -1, 1)
    TEST_RR(101, sltu, 0, -1, 1)
    TEST_RR(102, slt, 0, 1, -1)
    TEST_RR(103, sltu, 1, 1, -1)
    TEST_RR(104, slt, 1, 0x8000000000000000, 0x7fffffffffffffff)
    TEST_RR(105, sltu, 0, 0x8000000000000000, 0x7fffffffffffffff)
    TEST_RR_SAME(106, slt, 0, -5)
    TEST_RR_SAME(107, sltu, 0, 5)
    TEST_RR_ZERO_SRC1(108, sltu, 1, 7)
    TEST_RR_ZERO_SRC1(109, sltu, 0, 0)
    TEST_RI(110, slti, 1, -1, 0)
    TEST_RI(111, slti, 0, 0, -2048)
    TEST_RI(112, slti, 1, 0x8000000000000000, -2048)
    TEST_RI(113, sltiu, 1, 0, -1)
    TEST_RI(114, sltiu, 1, -2, -1)
    TEST_RI(115, sltiu, 0, -1, -1)
    TEST_RI(116, sltiu, 1, 0, 1)
    TEST_RI(117, sltiu, 0, 5, 1)
    TEST_RI(118, sltiu, 0, 0x800, 0x7ff)

    /* LUI / AUIPC */
    li TESTNUM, 120
    lui x14, 0x80000
    li x7, 0xffffffff80000000
    bne x14, x7, fail
    li TESTNUM, 121
    lui x14, 0x7ffff
    li x7, 0x7ffff000
    bne x14, x7, fail
    li TESTNUM, 122
    lui x14, 0xfffff
    li x7, -4096
    bne x14, x7, fail
    li TESTNUM, 123
    lui x0, 0x12345
    bnez x0, fail
    li TESTNUM, 124
1:  auipc x14, 0
    la x7, 1b
    bne x14, x7, fail
    li TESTNUM, 125
2:  auipc x14, 0x80000
    la x7, 2b
    li x8, 0x80000000
    sub x7, x7, x8
    bne x14, x7, fail
    li TESTNUM, 126
3:  auipc x14, 1
    la x7, 3b + 0x1000
    bne x14, x7, fail

    /* NOP forms and x0 as destination of immediate ops */
    li TESTNUM, 130
    addi x0, x0, 5
    slli x0, x14, 3
    nop
    bnez x0, fail

    RVTEST_PASS
RVTEST_CODE_END
