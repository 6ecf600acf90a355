/* A hostile test guest driven by its inputs (raw bytes, not SCALE).
 *
 * Boot: rx-accepted with the empty outputs root (EMPTY_ROOT, from the generated
 * empty_root.h). Then, per input, by its first byte:
 *   'a'  accept again (empty outputs root)       'r'  rx-rejected
 *   'o'  tx-output of (byte 1) * 256 bytes, then rx-rejected (outputs dropped)
 *   'p'  tx-report of (byte 1) * 256 bytes, then accept
 *   'O'  tx-output claiming 3 MiB (more than the tx buffer)
 *   'x'  tx-exception "boom"                     'h'  halt with exit code 3
 *   'b'  rx-accepted with 5 bytes, not 32        'u'  unknown manual yield reason 9
 *   'l'  loop forever                            'i'  illegal instruction
 *   'm'  load from unmapped memory (an access fault)
 *   'w'  touch (byte 1) MiB of RAM, then accept
 * There is no trap handler: mtvec stays 0, so a trap jumps into the non-executable shadow
 * state and faults forever (until the cycle limit).
 */
#include "empty_root.h"

#define HTIF 0x40008000
#define RX 0x60000000
#define TX 0x60800000
#define MANUAL ((2 << 56) | (1 << 48))
#define AUTOMATIC (2 << 56)

    .section .text.init
    .globl _start
_start:
    li s2, HTIF
    li s3, RX
    li s4, TX
accept:
    la t0, empty_root
    ld t1, 0(t0)
    sd t1, 0(s4)
    ld t1, 8(t0)
    sd t1, 8(s4)
    ld t1, 16(t0)
    sd t1, 16(s4)
    ld t1, 24(t0)
    sd t1, 24(s4)
    li a0, MANUAL | (1 << 32) | 32
    sd a0, 0(s2)
dispatch:
    lbu t1, 0(s3)
    lbu t2, 1(s3)
    slli t2, t2, 8
    li t0, 'a'
    beq t1, t0, accept
    li t0, 'r'
    beq t1, t0, reject
    li t0, 'o'
    beq t1, t0, output
    li t0, 'p'
    beq t1, t0, report
    li t0, 'O'
    beq t1, t0, huge_output
    li t0, 'x'
    beq t1, t0, exception
    li t0, 'h'
    beq t1, t0, halt
    li t0, 'b'
    beq t1, t0, bad_accept
    li t0, 'u'
    beq t1, t0, unknown
    li t0, 'l'
    beq t1, t0, spin
    li t0, 'i'
    beq t1, t0, illegal
    li t0, 'm'
    beq t1, t0, unmapped
    li t0, 'w'
    beq t1, t0, touch
    j reject

reject:
    li a0, MANUAL | (2 << 32)
    sd a0, 0(s2)
    j dispatch
output:
    li a0, AUTOMATIC | (2 << 32)
    or a0, a0, t2
    sd a0, 0(s2)
    j reject
report:
    li a0, AUTOMATIC | (4 << 32)
    or a0, a0, t2
    sd a0, 0(s2)
    j accept
huge_output:
    li a0, AUTOMATIC | (2 << 32) | 0x300000
    sd a0, 0(s2)
    j reject
exception:
    li t0, 0x6d6f6f62          /* "boom" */
    sw t0, 0(s4)
    li a0, MANUAL | (4 << 32) | 4
    sd a0, 0(s2)
    j dispatch
halt:
    li a0, 7                   /* exit code 3: data = 3 << 1 | 1 */
    sd a0, 0(s2)
    j halt
bad_accept:
    li a0, MANUAL | (1 << 32) | 5
    sd a0, 0(s2)
    j dispatch
unknown:
    li a0, MANUAL | (9 << 32)
    sd a0, 0(s2)
    j dispatch
spin:
    j spin
illegal:
    .word 0
unmapped:
    li t0, 0x1000000000
    ld t1, 0(t0)
    j accept
touch:
    srli t2, t2, 8             /* MiB */
    slli t2, t2, 20
    li t0, 0x80100000          /* above the code */
    add t3, t0, t2
1:  bgeu t0, t3, accept
    sd t0, 0(t0)
    li t4, 4096
    add t0, t0, t4
    j 1b

    .section .rodata
    .balign 8
empty_root:
    EMPTY_ROOT
