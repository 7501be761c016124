/*
 * hash32: open-addressing hash table with 32-bit keys, repeated.
 * Exercises: multiplicative (Fibonacci) hashing, linear probing over
 * parallel key/value arrays, data-dependent branches, backward-shift
 * deletion.
 * Export: int bench_hash32(int reps)
 * Each repetition clears a 2^17-slot table, inserts-or-increments 90000
 * keys drawn from a universe of 60000 (xorshift32 with a per-rep seed),
 * looks up 100000 keys (about half present), deletes 30000 and probes
 * again, folding counts and values into the checksum.
 */
#define BITS 17
#define SIZE (1u << BITS)
#define MASK (SIZE - 1u)

static unsigned keys[SIZE];
static unsigned vals[SIZE];

static unsigned slot_of(unsigned k)
{
    return (k * 2654435769u) >> (32 - BITS);
}

static unsigned rng;

static unsigned xs32(void)
{
    unsigned x = rng;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    rng = x;
    return x;
}

/* keys are never 0 (0 marks an empty slot) */
static unsigned key_of(unsigned i)
{
    return (i * 0x9E3779B1u ^ 0x5bd1e995u) | 1u;
}

static void insert(unsigned k, unsigned v)
{
    unsigned i = slot_of(k);
    for (;;) {
        unsigned kk = keys[i];
        if (kk == k) {
            vals[i] += v;
            return;
        }
        if (kk == 0) {
            keys[i] = k;
            vals[i] = v;
            return;
        }
        i = (i + 1) & MASK;
    }
}

/* returns the slot index or -1 */
static int find(unsigned k)
{
    unsigned i = slot_of(k);
    for (;;) {
        unsigned kk = keys[i];
        if (kk == k)
            return (int)i;
        if (kk == 0)
            return -1;
        i = (i + 1) & MASK;
    }
}

static int erase(unsigned k)
{
    int f = find(k);
    if (f < 0)
        return 0;
    unsigned i = (unsigned)f, j = i;
    for (;;) {
        j = (j + 1) & MASK;
        unsigned kj = keys[j];
        if (kj == 0)
            break;
        unsigned h = slot_of(kj);
        /* move kj back to i unless its home h lies cyclically in (i, j] */
        int stay = (i <= j) ? (i < h && h <= j) : (i < h || h <= j);
        if (!stay) {
            keys[i] = kj;
            vals[i] = vals[j];
            i = j;
        }
    }
    keys[i] = 0;
    vals[i] = 0;
    return 1;
}

int bench_hash32(int reps)
{
    unsigned check = 0x31415926u;
    for (int r = 0; r < reps; r++) {
        for (unsigned i = 0; i < SIZE; i++) {
            keys[i] = 0;
            vals[i] = 0;
        }
        rng = 0x2545F491u + (unsigned)r * 0x10001u;
        for (int n = 0; n < 90000; n++) {
            unsigned x = xs32();
            insert(key_of(x % 60000u), x >> 24);
        }
        unsigned hits = 0, vsum = 0;
        for (int n = 0; n < 100000; n++) {
            unsigned x = xs32();
            int f = find(key_of(x % 120000u));
            if (f >= 0) {
                hits++;
                vsum += vals[f] * (unsigned)(n & 7);
            }
        }
        unsigned erased = 0;
        for (int n = 0; n < 30000; n++)
            erased += (unsigned)erase(key_of(xs32() % 60000u));
        unsigned hits2 = 0;
        for (unsigned n = 0; n < 60000u; n++) {
            int f = find(key_of(n));
            if (f >= 0) {
                hits2++;
                vsum ^= vals[f] + (unsigned)f;
            }
        }
        check = (check * 1000003u) ^ hits ^ (erased << 8) ^ (hits2 << 16) ^ vsum;
    }
    return (int)check;
}
