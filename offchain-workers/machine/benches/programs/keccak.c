/* Benchmark: Keccak-heavy guest program. Checks keccak256("") against the known
 * digest (exit code 1 on mismatch), then hashes a 1 KiB message ROUNDS times (200 unless
 * -DROUNDS=... says otherwise), chaining
 * each digest into the message, and returns 0. Our own keccak-f[1600] from the
 * FIPS 202 description (theta, rho, pi, chi, iota). */
#ifndef ROUNDS
#define ROUNDS 200
#endif

typedef unsigned long u64;
typedef unsigned char u8;

static const u64 round_constants[24] = {
    0x0000000000000001UL, 0x0000000000008082UL, 0x800000000000808aUL, 0x8000000080008000UL,
    0x000000000000808bUL, 0x0000000080000001UL, 0x8000000080008081UL, 0x8000000000008009UL,
    0x000000000000008aUL, 0x0000000000000088UL, 0x0000000080008009UL, 0x000000008000000aUL,
    0x000000008000808bUL, 0x800000000000008bUL, 0x8000000000008089UL, 0x8000000000008003UL,
    0x8000000000008002UL, 0x8000000000000080UL, 0x000000000000800aUL, 0x800000008000000aUL,
    0x8000000080008081UL, 0x8000000000008080UL, 0x0000000080000001UL, 0x8000000080008008UL,
};

/* Rotation offset of lane (x, y), indexed x + 5 * y. */
static const u8 rho_offsets[25] = {
    0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14,
};

static u64 rotl(u64 v, unsigned n) { return n == 0 ? v : (v << n) | (v >> (64 - n)); }

static void keccak_f1600(u64 a[25]) {
    for (int round = 0; round < 24; round++) {
        u64 c[5], b[25];
        for (int x = 0; x < 5; x++) c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
        for (int x = 0; x < 5; x++) {
            u64 d = c[(x + 4) % 5] ^ rotl(c[(x + 1) % 5], 1);
            for (int y = 0; y < 25; y += 5) a[x + y] ^= d;
        }
        /* rho and pi: lane (x, y) moves to (y, 2x + 3y). */
        for (int x = 0; x < 5; x++)
            for (int y = 0; y < 5; y++)
                b[y + 5 * ((2 * x + 3 * y) % 5)] = rotl(a[x + 5 * y], rho_offsets[x + 5 * y]);
        for (int y = 0; y < 25; y += 5)
            for (int x = 0; x < 5; x++) a[x + y] = b[x + y] ^ (~b[(x + 1) % 5 + y] & b[(x + 2) % 5 + y]);
        a[0] ^= round_constants[round];
    }
}

/* Keccak-256 (Ethereum padding 0x01), rate 136 bytes. */
static void keccak256(const u8 *msg, unsigned long len, u8 out[32]) {
    u64 s[25] = {0};
    u8 block[136];
    for (;;) {
        unsigned long take = len < 136 ? len : 136;
        for (unsigned long i = 0; i < 136; i++) block[i] = i < take ? msg[i] : 0;
        if (take < 136) {
            block[take] ^= 0x01;
            block[135] ^= 0x80;
        }
        for (int i = 0; i < 17; i++) {
            u64 w = 0;
            for (int k = 7; k >= 0; k--) w = (w << 8) | block[8 * i + k];
            s[i] ^= w;
        }
        keccak_f1600(s);
        if (take < 136) break;
        msg += 136;
        len -= 136;
    }
    for (int i = 0; i < 32; i++) out[i] = (u8)(s[i / 8] >> (8 * (i % 8)));
}

static u8 message[1024];

int main(void) {
    static const u8 empty_digest[8] = {0xc5, 0xd2, 0x46, 0x01, 0x86, 0xf7, 0x23, 0x3c};
    u8 digest[32];
    keccak256(message, 0, digest);
    for (int i = 0; i < 8; i++)
        if (digest[i] != empty_digest[i]) return 1;
    for (int i = 0; i < 1024; i++) message[i] = (u8)i;
    for (int round = 0; round < ROUNDS; round++) {
        keccak256(message, sizeof message, digest);
        for (int i = 0; i < 32; i++) message[(round * 32 + i) % 1024] = digest[i];
    }
    return 0;
}
