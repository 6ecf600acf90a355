/* Benchmark: the tightest loop, two compressed instructions (c.addi, c.bnez) per
 * iteration, ITERS iterations (2^24 unless -DITERS=...), then halt with exit code 0.
 * It measures pure dispatch: no data memory traffic, one taken branch every other
 * instruction. */
#define HTIF_TOHOST 0x40008000
#ifndef ITERS
#define ITERS (1 << 24)
#endif

    .option rvc
    .section .text.init, "ax"
    .globl _start
_start:
    li a0, ITERS
1:  c.addi a0, -1
    c.bnez a0, 1b
    li t0, 1
    li t1, HTIF_TOHOST
    sd t0, 0(t1)
2:  j 2b
