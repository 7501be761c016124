/*
 * dispatch: indirect calls through function-pointer tables.
 * Exercises: call_indirect (table lookup + signature check) with many
 * distinct small targets, "virtual" method calls through per-object
 * vtables, calls with 1 and 3 arguments, short non-inlinable callees.
 * Export: int bench_dispatch(int n)
 * Runs n rounds; each round makes 64 indirect calls selected by a
 * xorshift32 stream and a table of 32 objects with 2-entry vtables.
 */
typedef unsigned (*op3)(unsigned, unsigned, unsigned);

static unsigned f0(unsigned a, unsigned b, unsigned c) { return a + b + c; }
static unsigned f1(unsigned a, unsigned b, unsigned c) { return a ^ (b * c); }
static unsigned f2(unsigned a, unsigned b, unsigned c) { return (a << (c & 7)) - b; }
static unsigned f3(unsigned a, unsigned b, unsigned c) { return a * 33u + (b >> 3) + c; }
static unsigned f4(unsigned a, unsigned b, unsigned c) { return a > b ? a - b : b - a + c; }
static unsigned f5(unsigned a, unsigned b, unsigned c) { return (a | b) & ~c; }
static unsigned f6(unsigned a, unsigned b, unsigned c) { return a * b + c * 7u; }
static unsigned f7(unsigned a, unsigned b, unsigned c) { return (a >> 1) ^ (b << 1) ^ c; }

static op3 const ops[8] = { f0, f1, f2, f3, f4, f5, f6, f7 };

struct obj;
struct vtable {
    unsigned (*step)(struct obj *, unsigned);
    unsigned (*get)(const struct obj *);
};
struct obj {
    const struct vtable *vt;
    unsigned state;
    unsigned extra;
};

static unsigned counter_step(struct obj *o, unsigned x) { o->state += x; return o->state; }
static unsigned counter_get(const struct obj *o) { return o->state; }
static unsigned mixer_step(struct obj *o, unsigned x)
{
    o->state = (o->state ^ x) * 0x01000193u;
    return o->state >> 7;
}
static unsigned mixer_get(const struct obj *o) { return o->state ^ o->extra; }
static unsigned maxer_step(struct obj *o, unsigned x)
{
    if (x > o->state)
        o->state = x;
    o->extra++;
    return o->extra;
}
static unsigned maxer_get(const struct obj *o) { return o->state + o->extra; }

static const struct vtable vts[3] = {
    { counter_step, counter_get },
    { mixer_step, mixer_get },
    { maxer_step, maxer_get },
};

#define NOBJ 32
static struct obj objs[NOBJ];
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

/* keeps the compiler from resolving the table statically */
static volatile unsigned salt = 0;

int bench_dispatch(int n)
{
    rng = 0x7F4A7C15u ^ salt;
    for (int i = 0; i < NOBJ; i++) {
        objs[i].vt = &vts[i % 3];
        objs[i].state = (unsigned)i * 977u;
        objs[i].extra = 0;
    }
    unsigned acc = 1;
    for (int round = 0; round < n; round++) {
        unsigned r = xs32();
        for (int k = 0; k < 64; k++) {
            unsigned sel = (r >> (k & 15)) + (unsigned)k;
            acc = ops[sel & 7](acc, r, (unsigned)k);
            struct obj *o = &objs[(sel >> 3) & (NOBJ - 1)];
            acc += o->vt->step(o, acc);
        }
    }
    unsigned s = acc;
    for (int i = 0; i < NOBJ; i++)
        s = s * 31u + objs[i].vt->get(&objs[i]);
    return (int)s;
}
