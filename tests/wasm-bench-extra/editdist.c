/*
 * editdist: dynamic programming on generated strings.
 * Exercises: 2D DP inner loops with min-of-three selects, byte compares,
 * rolling rows in memory (loads/stores at i and i-1), LCS with max.
 * Export: int bench_editdist(int reps)
 * Each repetition generates two related 1500-byte strings over a 4-letter
 * alphabet (the second is a mutated copy of the first), then computes the
 * Levenshtein distance and the LCS length between them.
 */
#define L 1500

static unsigned char sa[L], sb[L];
static int row0[L + 1], row1[L + 1];
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

static int levenshtein(void)
{
    int *prev = row0, *cur = row1;
    for (int j = 0; j <= L; j++)
        prev[j] = j;
    for (int i = 1; i <= L; i++) {
        cur[0] = i;
        unsigned char a = sa[i - 1];
        for (int j = 1; j <= L; j++) {
            int sub = prev[j - 1] + (a != sb[j - 1]);
            int del = prev[j] + 1;
            int ins = cur[j - 1] + 1;
            int m = sub < del ? sub : del;
            cur[j] = m < ins ? m : ins;
        }
        int *t = prev;
        prev = cur;
        cur = t;
    }
    return prev[L];
}

static int lcs(void)
{
    int *prev = row0, *cur = row1;
    for (int j = 0; j <= L; j++)
        prev[j] = 0;
    for (int i = 1; i <= L; i++) {
        cur[0] = 0;
        unsigned char a = sa[i - 1];
        for (int j = 1; j <= L; j++) {
            if (a == sb[j - 1])
                cur[j] = prev[j - 1] + 1;
            else
                cur[j] = prev[j] > cur[j - 1] ? prev[j] : cur[j - 1];
        }
        int *t = prev;
        prev = cur;
        cur = t;
    }
    return prev[L];
}

int bench_editdist(int reps)
{
    unsigned check = 0x5be0cd19u;
    for (int r = 0; r < reps; r++) {
        rng = 0xABCDEF1u + (unsigned)r * 2654435761u;
        if (rng == 0)
            rng = 1;
        for (int i = 0; i < L; i++)
            sa[i] = (unsigned char)("ACGT"[xs32() & 3]);
        int j = 0;
        for (int i = 0; i < L; i++) {
            unsigned x = xs32() & 31;
            if (x == 0)
                continue;                       /* deletion */
            if (x == 1 && j < L)
                sb[j++] = 'N';                  /* insertion */
            if (j < L)
                sb[j++] = x == 2 ? (unsigned char)'G' : sa[i];  /* (mis)match */
        }
        while (j < L)
            sb[j++] = 'T';
        int d = levenshtein();
        int c = lcs();
        check = (check * 1000003u) ^ (unsigned)d ^ ((unsigned)c << 12);
    }
    return (int)check;
}
