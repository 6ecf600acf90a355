/* CMIO round trip (docs/cartesi-v0.19.md §5): a rollup-style loop driven by the host.
 *
 * Each iteration yields manually (rx-accepted with data 32 after writing a 32-byte
 * "root" to tx, or rx-rejected with data 0 when the previous input started with '?'),
 * then reads fromhost (reason must be 0 = advance, dev/cmd cleared) for the input
 * length and reads the input from the rx buffer (checking the zero padding after it).
 *   - empty input: halt with exit code = sum of all input bytes seen (mod 2^31);
 *   - input starting with '!': manual yield tx-exception with the rest as payload;
 *   - otherwise: automatic yield tx-output with the input reversed, then automatic
 *     yield tx-report with the 8-byte little-endian running byte sum; after each
 *     automatic yield fromhost must read 0x0200_0000_0000_0000.
 */
#include "env.h"

#define CMIO_RX 0x60000000
#define CMIO_TX 0x60800000
#define YIELD_MANUAL ((2 << 56) | (1 << 48))
#define YIELD_AUTOMATIC ((2 << 56) | (0 << 48))
#define REASON_ACCEPTED (1 << 32)
#define REASON_REJECTED (2 << 32)
#define REASON_EXCEPTION (4 << 32)
#define REASON_OUTPUT (2 << 32)
#define REASON_REPORT (4 << 32)

RVTEST_CODE_BEGIN
    li s0, 0                     /* running byte sum */
    li s1, 0                     /* 1 if the next yield rejects */
    li s2, HTIF_TOHOST
    li s3, CMIO_RX
    li s4, CMIO_TX

next_input:
    li TESTNUM, 2
    bnez s1, reject
    /* rx-accepted: 32-byte root (here: the running sum, zero-extended) in tx. */
    sd s0, 0(s4)
    sd x0, 8(s4)
    sd x0, 16(s4)
    sd x0, 24(s4)
    li a0, YIELD_MANUAL | REASON_ACCEPTED | 32
    sd a0, 0(s2)
    j got_input
reject:
    li s1, 0
    li a0, YIELD_MANUAL | REASON_REJECTED
    sd a0, 0(s2)

got_input:
    li TESTNUM, 3
    ld a0, 8(s2)                 /* fromhost = reason << 32 | length */
    srli a1, a0, 32
    bnez a1, fail                /* advance-state (0), dev/cmd cleared */
    slli a5, a0, 32
    srli a5, a5, 32              /* a5 = length */
    beqz a5, finish
    /* Padding: the byte after the input is zero when the input is under 32 bytes. */
    li TESTNUM, 4
    li a1, 32
    bgeu a5, a1, 1f
    add a1, s3, a5
    lbu a1, 0(a1)
    bnez a1, fail
1:  /* Sum the bytes and write them reversed to tx. */
    li a1, 0                     /* index */
    add a2, s4, a5               /* tx end */
2:  add a3, s3, a1
    lbu a3, 0(a3)
    add s0, s0, a3
    addi a2, a2, -1
    sb a3, 0(a2)
    addi a1, a1, 1
    bltu a1, a5, 2b
    lbu a3, 0(s3)
    li a4, '!'
    beq a3, a4, exception
    li a4, '?'
    bne a3, a4, 3f
    li s1, 1
3:  /* tx-output: the reversed input. */
    li a0, YIELD_AUTOMATIC | REASON_OUTPUT
    or a0, a0, a5
    sd a0, 0(s2)
    li TESTNUM, 5
    ld a1, 8(s2)
    li a2, 0x0200000000000000
    bne a1, a2, fail
    /* tx-report: the running sum. */
    sd s0, 0(s4)
    li a0, YIELD_AUTOMATIC | REASON_REPORT | 8
    sd a0, 0(s2)
    li TESTNUM, 6
    ld a1, 8(s2)
    li a2, 0x0200000000000000
    bne a1, a2, fail
    j next_input

exception:
    /* tx-exception: the payload is the input after the '!' (copied forward). */
    addi a5, a5, -1
    li a1, 0
4:  bgeu a1, a5, 5f
    add a3, s3, a1
    lbu a3, 1(a3)
    add a2, s4, a1
    sb a3, 0(a2)
    addi a1, a1, 1
    j 4b
5:  li a0, YIELD_MANUAL | REASON_EXCEPTION
    or a0, a0, a5
    sd a0, 0(s2)
    j got_input

finish:
    li a1, 0x7fffffff
    and a0, s0, a1
    slli a0, a0, 1
    ori a0, a0, 1
    sd a0, 0(s2)
6:  j 6b

RVTEST_CODE_END
