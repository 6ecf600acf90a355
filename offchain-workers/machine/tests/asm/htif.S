/* HTIF (docs/cartesi-v0.19.md §4): console putchar ("concerto\n" on the console,
 * fromhost acknowledged), ihalt / iconsole / iyield readable and read-only, 64-bit-only access, tohost keeps
 * any written value, ignored commands (halt with data bit 0 clear, unknown devices),
 * AMOs on tohost/fromhost, and an automatic progress yield that resumes with
 * fromhost = 0x0200_0000_0000_0000. */
#include "env.h"

#define HTIF_IHALT 0x40008010
#define HTIF_ICONSOLE 0x40008018
#define HTIF_IYIELD 0x40008020
#define CONSOLE_PUTCHAR (0x0101 << 48)

RVTEST_CODE_BEGIN

    /* Console: print "concerto\n" one byte at a time. */
    li TESTNUM, 2
    la a1, message
    li a2, HTIF_TOHOST
    li a3, CONSOLE_PUTCHAR
1:  lbu a0, 0(a1)
    beqz a0, 2f
    or a0, a0, a3
    sd a0, 0(a2)
    ld a4, 8(a2)                 /* fromhost acknowledges the putchar */
    li a5, 0x0101000000000000
    bne a4, a5, fail
    ld a4, 0(a2)                 /* tohost keeps the written value */
    bne a4, a0, fail
    addi a1, a1, 1
    j 1b
2:

    /* Capability registers. */
    li a1, HTIF_IHALT
    ld a0, 0(a1)
    CHECK(10, a0, 1)
    li a1, HTIF_ICONSOLE
    ld a0, 0(a1)
    CHECK(11, a0, 2)
    li a1, HTIF_IYIELD
    ld a0, 0(a1)
    CHECK(12, a0, 3)
    li a1, HTIF_IHALT
    TEST_TRAP(13, CAUSE_STORE_ACCESS, HTIF_IHALT, sd x0, 0(a1))
    li a1, HTIF_ICONSOLE
    TEST_TRAP(14, CAUSE_STORE_ACCESS, HTIF_ICONSOLE, sd x0, 0(a1))
    li a1, HTIF_IYIELD
    TEST_TRAP(15, CAUSE_STORE_ACCESS, HTIF_IYIELD, sd x0, 0(a1))

    /* Only 64-bit accesses at the five offsets. */
    li a1, HTIF_TOHOST
    TEST_TRAP(20, CAUSE_LOAD_ACCESS, HTIF_TOHOST, lw a0, 0(a1))
    li a1, HTIF_TOHOST
    TEST_TRAP(21, CAUSE_STORE_ACCESS, HTIF_TOHOST, sw a0, 0(a1))
    li a1, HTIF_FROMHOST
    TEST_TRAP(22, CAUSE_LOAD_ACCESS, HTIF_FROMHOST, lb a0, 0(a1))
    li a1, HTIF_FROMHOST
    TEST_TRAP(23, CAUSE_STORE_ACCESS, HTIF_FROMHOST, sh a0, 0(a1))
    li a1, 0x40008028
    TEST_TRAP(24, CAUSE_LOAD_ACCESS, 0x40008028, ld a0, 0(a1))
    li a1, 0x40008028
    TEST_TRAP(25, CAUSE_STORE_ACCESS, 0x40008028, sd a0, 0(a1))
    li a1, 0x40008ff8
    TEST_TRAP(26, CAUSE_LOAD_ACCESS, 0x40008ff8, ld a0, 0(a1))
    li a1, HTIF_IYIELD + 4
    TEST_TRAP(27, CAUSE_LOAD_ACCESS, HTIF_IYIELD + 4, lwu a0, 0(a1))
    TEST_TRAP(28, CAUSE_FETCH_ACCESS, HTIF_TOHOST, li a1, HTIF_TOHOST; li s8, HTIF_TOHOST; jr a1)

    /* fromhost stores any value. */
    li a1, HTIF_FROMHOST
    li a2, 0xdeadbeefcafef00d
    sd a2, 0(a1)
    ld a0, 0(a1)
    CHECK(30, a0, 0xdeadbeefcafef00d)
    sd x0, 0(a1)

    /* Ignored commands: tohost is updated, execution continues. */
    li a1, HTIF_TOHOST
    li a2, 2                     /* halt device, data bit 0 clear */
    sd a2, 0(a1)
    ld a0, 0(a1)
    CHECK(40, a0, 2)
    li a2, (1 << 48) | 1         /* dev 0, cmd 1: not a halt */
    sd a2, 0(a1)
    li a2, (3 << 56) | 1         /* unknown device */
    sd a2, 0(a1)
    li a2, 0x0100000000000041    /* console getchar: disabled, ignored */
    sd a2, 0(a1)
    ld a0, 0(a1)
    CHECK(41, a0, 0x0100000000000041)
    li a1, HTIF_FROMHOST
    ld a0, 0(a1)
    CHECK(42, a0, 0)             /* ignored commands do not touch fromhost */

    /* AMOs on fromhost (64-bit read then write through the device). */
    li a1, HTIF_FROMHOST
    li a2, 5
    sd a2, 0(a1)
    li a3, 7
    amoadd.d a0, a3, (a1)
    CHECK(50, a0, 5)
    ld a0, 0(a1)
    CHECK(51, a0, 12)
    amoswap.d a0, x0, (a1)
    CHECK(52, a0, 12)
    li a1, HTIF_FROMHOST
    TEST_TRAP(53, CAUSE_STORE_ACCESS, HTIF_FROMHOST, amoadd.w a0, x0, (a1))

    /* Automatic yield (progress, data 42): the run stops, the host resumes it. */
    li a1, HTIF_TOHOST
    li a2, (2 << 56) | (0 << 48) | (1 << 32) | 42
    sd a2, 0(a1)
    li a1, HTIF_FROMHOST
    ld a0, 0(a1)
    CHECK(60, a0, 0x0200000000000000)

    RVTEST_PASS
RVTEST_CODE_END

RVTEST_DATA_BEGIN
message:
    .string "concerto\n"
RVTEST_DATA_END
