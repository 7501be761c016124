/*
 * bits64: 64-bit bit twiddling over pseudo-random streams.
 * Exercises: i64 popcnt/ctz/clz, variable rotates, xorshift64* and
 * splitmix64 (i64 mul, shifts, xor), bit reversal and byte swap by masks,
 * Gosper's next-bit-permutation, a 64x64->128 multiply-high built from
 * 32-bit halves, and an occasional i64 unsigned division/remainder.
 * Export: int bench_bits64(int n)
 * Runs n iterations; the 64-bit accumulator is folded to 32 bits.
 */
typedef unsigned long long u64;

static u64 rotl64(u64 x, unsigned s)
{
    s &= 63;
    return (x << s) | (x >> ((64 - s) & 63));
}

static u64 rotr64(u64 x, unsigned s)
{
    s &= 63;
    return (x >> s) | (x << ((64 - s) & 63));
}

static u64 bitrev64(u64 x)
{
    x = ((x >> 1) & 0x5555555555555555ull) | ((x & 0x5555555555555555ull) << 1);
    x = ((x >> 2) & 0x3333333333333333ull) | ((x & 0x3333333333333333ull) << 2);
    x = ((x >> 4) & 0x0F0F0F0F0F0F0F0Full) | ((x & 0x0F0F0F0F0F0F0F0Full) << 4);
    x = ((x >> 8) & 0x00FF00FF00FF00FFull) | ((x & 0x00FF00FF00FF00FFull) << 8);
    x = ((x >> 16) & 0x0000FFFF0000FFFFull) | ((x & 0x0000FFFF0000FFFFull) << 16);
    return (x >> 32) | (x << 32);
}

static u64 mulhi64(u64 a, u64 b)
{
    u64 al = a & 0xFFFFFFFFull, ah = a >> 32;
    u64 bl = b & 0xFFFFFFFFull, bh = b >> 32;
    u64 ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
    u64 mid = (ll >> 32) + (lh & 0xFFFFFFFFull) + (hl & 0xFFFFFFFFull);
    return hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}

/* next larger integer with the same number of set bits (x != 0) */
static u64 next_perm(u64 x)
{
    u64 t = x | (x - 1);
    u64 low = ~t & (t + 1);
    if (low == 0)
        return x;
    return (t + 1) | (((~t & -~t) - 1) >> (__builtin_ctzll(x) + 1));
}

int bench_bits64(int n)
{
    u64 xs = 0x9E3779B97F4A7C15ull;   /* xorshift64* state */
    u64 sm = 0x0DDB1A5E5BAD5EEDull;   /* splitmix64 state */
    u64 acc = 0, acc2 = 0x8000000000000001ull;
    unsigned pc = 0;
    for (int i = 0; i < n; i++) {
        xs ^= xs >> 12;
        xs ^= xs << 25;
        xs ^= xs >> 27;
        u64 a = xs * 0x2545F4914F6CDD1Dull;

        u64 z = (sm += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        u64 b = z ^ (z >> 31);

        unsigned p = (unsigned)__builtin_popcountll(a & b);
        unsigned tz = b ? (unsigned)__builtin_ctzll(b) : 64u;
        unsigned lz = a ? (unsigned)__builtin_clzll(a) : 64u;
        pc += p + tz * 3 + lz;

        u64 c = rotl64(a, (unsigned)b) ^ rotr64(b, p);
        c ^= bitrev64(c) >> 7;
        acc += c + mulhi64(a, b);
        acc = rotl64(acc, 17) ^ (acc >> 5);

        u64 np = next_perm(b | 1ull);
        acc2 ^= np * (a | 1ull);
        acc2 += (u64)__builtin_popcountll(np ^ acc) << (i & 31);

        if ((i & 255) == 0) {
            u64 d = (b >> 20) | 1ull;
            acc2 += a / d + a % 1000003ull;
        }
    }
    u64 r = acc ^ rotl64(acc2, 29) ^ ((u64)pc << 11);
    return (int)(unsigned)(r ^ (r >> 32));
}
