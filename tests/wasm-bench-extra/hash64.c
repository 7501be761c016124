/*
 * hash64: open-addressing hash table with 64-bit keys and values.
 * Exercises: i64 multiply, shifts, compares, i64 loads/stores, splitmix64
 * key generation, linear probing with a power-of-two table.
 * Export: int bench_hash64(int reps)
 * Each repetition clears a 2^16-slot table, counts occurrences of 150000
 * keys drawn from a universe of 40000 scrambled 64-bit keys (insert or
 * add), runs 150000 lookups, then scans the table, folding everything into
 * a 64-bit checksum returned as its xor-folded low 32 bits.
 */
typedef unsigned long long u64;

#define BITS 16
#define SIZE (1u << BITS)
#define MASK (SIZE - 1u)

static u64 tkeys[SIZE];
static u64 tvals[SIZE];
static unsigned char used[SIZE];

static u64 sm_state;

static u64 splitmix64(void)
{
    u64 z = (sm_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static u64 scramble(u64 i)
{
    u64 z = i * 0xD6E8FEB86659FD93ull;
    z ^= z >> 32;
    z *= 0xD6E8FEB86659FD93ull;
    return z ^ (z >> 29);
}

static unsigned slot_of(u64 k)
{
    return (unsigned)((k * 0x9E3779B97F4A7C15ull) >> (64 - BITS));
}

static void add(u64 k, u64 v)
{
    unsigned i = slot_of(k);
    while (used[i]) {
        if (tkeys[i] == k) {
            tvals[i] += v;
            return;
        }
        i = (i + 1) & MASK;
    }
    used[i] = 1;
    tkeys[i] = k;
    tvals[i] = v;
}

static int lookup(u64 k, u64 *out)
{
    unsigned i = slot_of(k);
    while (used[i]) {
        if (tkeys[i] == k) {
            *out = tvals[i];
            return 1;
        }
        i = (i + 1) & MASK;
    }
    return 0;
}

int bench_hash64(int reps)
{
    u64 check = 0x0123456789ABCDEFull;
    for (int r = 0; r < reps; r++) {
        for (unsigned i = 0; i < SIZE; i++) {
            used[i] = 0;
            tkeys[i] = 0;
            tvals[i] = 0;
        }
        sm_state = 0xC0FFEEull + (u64)r;
        for (int n = 0; n < 150000; n++) {
            u64 x = splitmix64();
            add(scramble(x % 40000ull), x >> 40);
        }
        u64 acc = 0;
        unsigned hits = 0;
        for (int n = 0; n < 150000; n++) {
            u64 x = splitmix64();
            u64 v;
            if (lookup(scramble(x % 80000ull), &v)) {
                hits++;
                acc += v ^ (x << 7);
            } else {
                acc ^= x >> 3;
            }
        }
        u64 scan = 0;
        unsigned count = 0;
        for (unsigned i = 0; i < SIZE; i++) {
            if (used[i]) {
                count++;
                scan += tkeys[i] * (tvals[i] | 1ull);
                scan = (scan << 13) | (scan >> 51);
            }
        }
        check = (check ^ acc ^ scan) * 0x100000001B3ull + hits + ((u64)count << 32);
    }
    return (int)(unsigned)(check ^ (check >> 32));
}
