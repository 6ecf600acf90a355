/* Benchmark: a memory-heavy loop. PASSES passes (64 unless -DPASSES=...) over a 1 MiB buffer in RAM, each pass
 * loading, updating and storing every doubleword (8 instructions per doubleword),
 * touching 256 pages per pass. Halts with exit code 0. */
#define HTIF_TOHOST 0x40008000
#define BUF_SIZE (1 << 20)
#ifndef PASSES
#define PASSES 64
#endif

    .option norvc
    .section .text.init, "ax"
    .globl _start
_start:
    li s0, PASSES                /* passes */
    li a5, 0x9e3779b97f4a7c15
1:  la a0, buffer
    li a1, BUF_SIZE
    add a1, a0, a1
2:  ld a2, 0(a0)
    ld a3, 8(a0)
    add a2, a2, a5
    xor a3, a3, a2
    sd a2, 0(a0)
    sd a3, 8(a0)
    addi a0, a0, 16
    bltu a0, a1, 2b
    addi s0, s0, -1
    bnez s0, 1b
    li t0, 1
    li t1, HTIF_TOHOST
    sd t0, 0(t1)
3:  j 3b

    .bss
    .align 12
buffer:
    .skip BUF_SIZE
