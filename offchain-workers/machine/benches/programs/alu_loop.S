/* Benchmark: a tight integer ALU loop (8 instructions per iteration, ITERS iterations:
 * 2^24 unless -DITERS=... says otherwise),
 * then halt with exit code 0. No memory traffic besides instruction fetch. */
#define HTIF_TOHOST 0x40008000
#ifndef ITERS
#define ITERS (1 << 24)
#endif

    .option norvc
    .section .text.init, "ax"
    .globl _start
_start:
    li t0, ITERS
    li a0, 0x12345
    li a1, 0x6789
1:  add a0, a0, t0
    xor a1, a1, a0
    slli a2, a1, 3
    srli a3, a0, 5
    or a4, a2, a3
    sub a1, a4, a1
    addi t0, t0, -1
    bnez t0, 1b
    li t0, 1
    li t1, HTIF_TOHOST
    sd t0, 0(t1)
2:  j 2b
