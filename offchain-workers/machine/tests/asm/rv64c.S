/* RV64C: every integer compressed instruction (explicit `c.` mnemonics), their
 * immediate ranges and sign extension, C.JAL being C.ADDIW on RV64, hints as no-ops,
 * and the reserved encodings that must raise illegal instruction with the 16-bit
 * encoding in mtval. C.EBREAK reports cause 3 with mtval = pc. */
#include "env.h"

/* Check a compressed-register result against an expected value. */
#define CEXPECT(n, reg, expect) CHECK(n, reg, expect)

RVTEST_CODE_BEGIN
    .option rvc

    /* C.LI, C.LUI, C.ADDI, C.ADDIW, C.ADDI16SP, C.ADDI4SPN */
    c.li a0, -32
    CEXPECT(2, a0, -32)
    c.li a0, 31
    CEXPECT(3, a0, 31)
    c.lui a1, 0x1f
    CEXPECT(4, a1, 0x1f000)
    c.lui a1, 0xfffe0
    CEXPECT(5, a1, 0xfffffffffffe0000)
    c.addi a0, -32
    CEXPECT(6, a0, -1)
    c.addi a0, 31
    CEXPECT(7, a0, 30)
    li a2, 0x7fffffff
    c.addiw a2, 1
    CEXPECT(8, a2, 0xffffffff80000000)
    li a2, 0x1ffffffff
    c.addiw a2, 0               /* sext.w */
    CEXPECT(9, a2, -1)
    la sp, stack
    mv s0, sp
    c.addi16sp sp, -512
    addi s0, s0, -512
    bne sp, s0, fail
    c.addi16sp sp, 496
    addi s0, s0, 496
    CEXPECT(10, x0, 0)
    bne sp, s0, fail
    la sp, stack - 496
    c.addi4spn a3, sp, 1020
    addi s0, sp, 1020
    li TESTNUM, 11
    bne a3, s0, fail
    c.addi4spn a4, sp, 4
    addi s0, sp, 4
    li TESTNUM, 12
    bne a4, s0, fail

    /* C.SLLI, C.SRLI, C.SRAI (6-bit shamt), C.ANDI */
    li a0, 1
    c.slli a0, 63
    CEXPECT(20, a0, 0x8000000000000000)
    c.srai a0, 63
    CEXPECT(21, a0, -1)
    c.srli a0, 32
    CEXPECT(22, a0, 0xffffffff)
    c.srli a0, 1
    CEXPECT(23, a0, 0x7fffffff)
    li a0, -1
    c.andi a0, -32
    CEXPECT(24, a0, 0xffffffffffffffe0)
    c.andi a0, 0x1f
    CEXPECT(25, a0, 0)
    li a1, 0x1234
    c.slli a1, 4
    CEXPECT(26, a1, 0x12340)

    /* C.MV, C.ADD, C.SUB, C.XOR, C.OR, C.AND, C.ADDW, C.SUBW */
    li s1, 0x0ff0
    li a0, 0xff00
    c.mv a5, s1
    CEXPECT(30, a5, 0x0ff0)
    c.add a5, a0
    CEXPECT(31, a5, 0x10ef0)
    c.sub a5, a0
    CEXPECT(32, a5, 0x0ff0)
    c.xor a5, a0
    CEXPECT(33, a5, 0xf0f0)
    c.or a5, a0
    CEXPECT(34, a5, 0xfff0)
    c.and a5, s1
    CEXPECT(35, a5, 0x0ff0)
    li a0, 0x7fffffff
    li a1, 1
    c.addw a0, a1
    CEXPECT(36, a0, 0xffffffff80000000)
    c.subw a0, a1
    CEXPECT(37, a0, 0x7fffffff)
    li a0, 0x100000000
    c.subw a0, a1
    CEXPECT(38, a0, -1)
    c.mv t0, a0                  /* full register set for C.MV / C.ADD */
    c.add t0, t0
    CEXPECT(39, t0, -2)

    /* C.LW, C.LD, C.SW, C.SD (compressed registers, scaled offsets) */
    la s0, cdata
    c.lw a0, 0(s0)
    CEXPECT(40, a0, 0xffffffff80000001)
    c.ld a1, 8(s0)
    CEXPECT(41, a1, 0x0123456789abcdef)
    li a2, 0x55667788
    c.sw a2, 124(s0)
    lwu a3, 124(s0)
    CEXPECT(42, a3, 0x55667788)
    li a2, 0xcafef00d12345678
    c.sd a2, 248(s0)
    ld a3, 248(s0)
    CEXPECT(43, a3, 0xcafef00d12345678)
    c.lw a4, 124(s0)
    CEXPECT(44, a4, 0x55667788)
    c.ld a4, 248(s0)
    CEXPECT(45, a4, 0xcafef00d12345678)

    /* C.LWSP, C.LDSP, C.SWSP, C.SDSP */
    la sp, cdata
    c.lwsp t1, 0(sp)
    CEXPECT(50, t1, 0xffffffff80000001)
    c.ldsp t1, 8(sp)
    CEXPECT(51, t1, 0x0123456789abcdef)
    li t3, 0x8badf00d
    c.swsp t3, 252(sp)
    lwu t4, 252(sp)
    CEXPECT(52, t4, 0x8badf00d)
    li t3, 0xfeedfacecafebeef
    c.sdsp t3, 504(sp)
    c.ldsp t4, 504(sp)
    CEXPECT(53, t4, 0xfeedfacecafebeef)
    c.lwsp t4, 252(sp)
    CEXPECT(54, t4, 0xffffffff8badf00d)

    /* C.J, C.BEQZ, C.BNEZ, C.JR, C.JALR */
    li TESTNUM, 60
    c.j 1f
    j fail
1:  li a0, 0
    c.beqz a0, 2f
    j fail
2:  c.bnez a0, 3f
    j 4f
3:  j fail
4:  li a0, -1
    c.bnez a0, 5f
    j fail
5:  c.beqz a0, 6f
    j 7f
6:  j fail
7:  li TESTNUM, 61
    la t0, 10f
    c.jr t0
    j fail
10: li TESTNUM, 62
    la t1, 11f
12: c.jalr t1                   /* links pc + 2 */
    j fail
11: la t2, 12b + 2
    bne ra, t2, fail
    li TESTNUM, 63
    la ra, 13f
    c.jr ra                     /* rs1 = ra */
    j fail
13: la a5, 14f
    c.jalr a5
15: j 16f
14: c.jr ra                     /* return to 15 */
16: la t2, 15b
    li TESTNUM, 64
    bne ra, t2, fail

    /* C.NOP and hints (no architectural effect). */
    li TESTNUM, 70
    li a0, 7
    c.nop
    .half 0x0005                /* c.nop with imm 1: hint */
    .half 0x0501                /* c.addi a0, 0: hint */
    .half 0x4015                /* c.li x0, 5: hint */
    .half 0x6005                /* c.lui x0, 1: hint */
    .half 0x802a                /* c.mv x0, a0: hint */
    .half 0x902a                /* c.add x0, a0: hint */
    .half 0x0016                /* c.slli x0, 5: hint */
    li a1, 7
    bne a0, a1, fail

    /* C.EBREAK: cause 3, mtval = pc. */
    TEST_TRAP_TVAL_PC(80, CAUSE_BREAKPOINT, c.ebreak)

    /* Reserved encodings: illegal instruction with the 16-bit encoding in mtval. */
    TEST_TRAP(90, CAUSE_ILLEGAL, 0x0000, .half 0x0000)      /* all-zero halfword */
    TEST_TRAP(91, CAUSE_ILLEGAL, 0x0004, .half 0x0004)      /* C.ADDI4SPN imm 0 */
    TEST_TRAP(92, CAUSE_ILLEGAL, 0x6501, .half 0x6501)      /* C.LUI a0, 0 */
    TEST_TRAP(93, CAUSE_ILLEGAL, 0x6101, .half 0x6101)      /* C.ADDI16SP 0 */
    TEST_TRAP(94, CAUSE_ILLEGAL, 0x4002, .half 0x4002)      /* C.LWSP rd 0 */
    TEST_TRAP(95, CAUSE_ILLEGAL, 0x6002, .half 0x6002)      /* C.LDSP rd 0 */
    TEST_TRAP(96, CAUSE_ILLEGAL, 0x8002, .half 0x8002)      /* C.JR x0 */
    TEST_TRAP(97, CAUSE_ILLEGAL, 0x2005, .half 0x2005)      /* C.ADDIW x0 */
    TEST_TRAP(98, CAUSE_ILLEGAL, 0x9c41, .half 0x9c41)      /* funct6 100111 funct2 10: reserved */
    /* C.FLD with mstatus.FS = Off: illegal. */
    TEST_TRAP(99, CAUSE_ILLEGAL, 0x2008, .half 0x2008)

    /* Misaligned compressed load: load address misaligned. */
    la s0, cdata + 2
    TEST_TRAP_AT(100, CAUSE_LOAD_MISALIGNED, cdata + 2, c.lw a0, 0(s0))
    la s0, cdata + 4
    TEST_TRAP_AT(101, CAUSE_STORE_MISALIGNED, cdata + 4, c.sd a0, 0(s0))

    RVTEST_PASS
RVTEST_CODE_END

RVTEST_DATA_BEGIN
    .align 4
cdata:
    .word 0x80000001, 0
    .dword 0x0123456789abcdef
    .fill 512, 1, 0
    .fill 1024, 1, 0
stack:
    .fill 1024, 1, 0
RVTEST_DATA_END
