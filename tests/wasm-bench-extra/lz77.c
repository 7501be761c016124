/*
 * lz77: a tiny LZ77 compressor and decompressor plus CRC-32, repeated.
 * Exercises: byte loads/stores, hash-chain match search (i32 hashing,
 * short inner compare loops with early exits), variable-length token
 * output, table-driven CRC-32 (byte table lookups, shifts, xors).
 * Export: int bench_lz77(int reps)
 * Each repetition generates a 64 KiB text-like buffer from a word list
 * (xorshift32 seeded per rep), compresses it with a 4 KiB window and
 * 16-deep hash chains, decompresses it, checks the round trip, and folds
 * the compressed size and the CRC-32 of both streams into the checksum.
 */
#define N 65536
#define WINDOW 4096
#define HBITS 12
#define HSIZE (1 << HBITS)
#define MAXCHAIN 16
#define MINMATCH 3
#define MAXMATCH 258

static unsigned char input[N];
static unsigned char comp[N + N / 2 + 16];
static unsigned char output[N];
static int head[HSIZE];
static int prev[N];
static unsigned crctab[256];

static const char words[] =
    "the quick brown fox jumps over lazy dog and then some more words "
    "interpreter register stack frame branch table memory load store "
    "compress decompress window match literal length distance token ";

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

static void make_input(void)
{
    int nw = (int)sizeof(words) - 1;
    int i = 0;
    while (i < N) {
        unsigned r = xs32();
        if ((r & 15) == 0) {
            /* a random byte run */
            int len = (int)((r >> 4) & 7) + 1;
            for (int j = 0; j < len && i < N; j++)
                input[i++] = (unsigned char)(xs32() >> 24);
        } else {
            /* copy a word-aligned slice of the word list */
            int start = (int)((r >> 8) % (unsigned)nw);
            while (start > 0 && words[start - 1] != ' ')
                start--;
            int len = (int)((r >> 4) & 15) + 2;
            for (int j = 0; j < len && i < N; j++) {
                input[i++] = (unsigned char)words[start];
                start++;
                if (start == nw)
                    start = 0;
            }
        }
    }
}

static unsigned hash3(const unsigned char *p)
{
    unsigned v = (unsigned)p[0] | ((unsigned)p[1] << 8) | ((unsigned)p[2] << 16);
    return (v * 2654435761u) >> (32 - HBITS);
}

/* token format: 0LLLLLLL = literal run of L+1 bytes follows;
 * 1LLLLLLL DDDDDDDD DDDDDDDD(12 bits used) = match of L+3 bytes (<=130) at distance D */
static int compress(void)
{
    for (int i = 0; i < HSIZE; i++)
        head[i] = -1;
    int ip = 0, op = 0, lit_start = 0;
    while (ip < N) {
        int best_len = 0, best_dist = 0;
        if (ip + MINMATCH <= N) {
            unsigned h = hash3(input + ip);
            int cand = head[h];
            int chain = MAXCHAIN;
            int maxlen = N - ip;
            if (maxlen > 130)
                maxlen = 130;
            while (cand >= 0 && ip - cand <= WINDOW && chain-- > 0) {
                if (input[cand + best_len] == input[ip + best_len]) {
                    int l = 0;
                    while (l < maxlen && input[cand + l] == input[ip + l])
                        l++;
                    if (l > best_len) {
                        best_len = l;
                        best_dist = ip - cand;
                        if (l == maxlen)
                            break;
                    }
                }
                cand = prev[cand];
            }
            prev[ip] = head[h];
            head[h] = ip;
        }
        if (best_len >= MINMATCH) {
            /* flush pending literals */
            while (lit_start < ip) {
                int run = ip - lit_start;
                if (run > 128)
                    run = 128;
                comp[op++] = (unsigned char)(run - 1);
                for (int j = 0; j < run; j++)
                    comp[op++] = input[lit_start + j];
                lit_start += run;
            }
            comp[op++] = (unsigned char)(0x80 | (best_len - MINMATCH));
            comp[op++] = (unsigned char)(best_dist & 0xFF);
            comp[op++] = (unsigned char)(best_dist >> 8);
            /* insert the skipped positions into the chains */
            int end = ip + best_len;
            for (ip = ip + 1; ip < end; ip++) {
                if (ip + MINMATCH <= N) {
                    unsigned h = hash3(input + ip);
                    prev[ip] = head[h];
                    head[h] = ip;
                }
            }
            lit_start = ip;
        } else {
            ip++;
        }
    }
    while (lit_start < N) {
        int run = N - lit_start;
        if (run > 128)
            run = 128;
        comp[op++] = (unsigned char)(run - 1);
        for (int j = 0; j < run; j++)
            comp[op++] = input[lit_start + j];
        lit_start += run;
    }
    return op;
}

static int decompress(int clen)
{
    int ip = 0, op = 0;
    while (ip < clen) {
        unsigned t = comp[ip++];
        if (t & 0x80) {
            int len = (int)(t & 0x7F) + MINMATCH;
            int dist = (int)comp[ip] | ((int)comp[ip + 1] << 8);
            ip += 2;
            for (int j = 0; j < len; j++, op++)
                output[op] = output[op - dist];
        } else {
            int run = (int)t + 1;
            for (int j = 0; j < run; j++)
                output[op++] = comp[ip++];
        }
    }
    return op;
}

static void crc_init(void)
{
    for (unsigned i = 0; i < 256; i++) {
        unsigned c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crctab[i] = c;
    }
}

static unsigned crc32(const unsigned char *p, int len)
{
    unsigned c = 0xFFFFFFFFu;
    for (int i = 0; i < len; i++)
        c = crctab[(c ^ p[i]) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

int bench_lz77(int reps)
{
    unsigned check = 0x2718281u;
    crc_init();
    for (int r = 0; r < reps; r++) {
        rng = 0x9E3779B9u ^ ((unsigned)r * 0x85EBCA6Bu);
        if (rng == 0)
            rng = 1;
        make_input();
        int clen = compress();
        int dlen = decompress(clen);
        unsigned bad = 0;
        for (int i = 0; i < N; i++)
            bad += input[i] != output[i];
        unsigned c1 = crc32(comp, clen), c2 = crc32(output, dlen);
        check = (check * 31u) ^ c1 ^ (c2 << 1) ^ ((unsigned)clen << 16) ^ (bad << 30)
                ^ (unsigned)dlen;
    }
    return (int)check;
}
