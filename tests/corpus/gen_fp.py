#!/usr/bin/env python3
"""Generates the floating-point corpus files:

  fp_arith.asm     add/sub/mul/div/and/or, sqrt/abs/neg/floor/ceil/round/truncate {f,d} (§10)
  fp_compare.asm   c{f,d}{eq,neq,nequn,lt,lteq,gt,gteq}                             (§12)
  fp_branch.asm    bd*/bf* ordered and unordered branches                              (§13)
  conversions.asm  int <-> fp conversions, checked conversions, cd2f/cf2d            (§11.1–§11.4)
  fp_moves.asm     fq2d/fd2q/fi2f/ff2i/fii2d/fd2ii, moved, movdz                       (§2, §11.5)

FP values are passed and returned as bit patterns (fq2d/fd2q for doubles,
fi2f/ff2i for floats). Expected values follow IEEE-754 round-to-nearest-even;
a NaN result is `nan64`/`nan32` (payload unspecified) except for abs/neg and
the bitwise operations, which are exact on bit patterns.

Usage: python3 gen_fp.py [--check]
"""

import math

from corpuslib import *

INF, NINF = float("inf"), float("-inf")
NANB = NAN64  # default quiet NaN (double)
GARBAGE = 0xDEADBEEFCAFEF00D


def D(x):
    return d2b(x) if isinstance(x, float) else x


def F(x):
    return f2b(x) if isinstance(x, float) else x


# ---------------------------------------------------------------------------
# Semantics


def fp_binop(op, a, b):
    """a, b: Python floats (exact values of the operands)."""
    if op == "add":
        return a + b
    if op == "sub":
        return a - b
    if op == "mul":
        return a * b
    if op == "div":
        if b == 0.0:
            if math.isnan(a) or a == 0.0:
                return float("nan")
            neg = (math.copysign(1, a) < 0) != (math.copysign(1, b) < 0)
            return NINF if neg else INF
        return a / b
    raise ValueError(op)


def round_int(fn, x):
    if math.isnan(x) or math.isinf(x):
        return x
    r = float(fn(x))
    return math.copysign(0.0, x) if r == 0 else r


def fp_unop(op, x):
    if op == "sqrt":
        if math.isnan(x) or x < 0:
            return float("nan")
        return math.sqrt(x)
    return {
        "floor": lambda v: round_int(math.floor, v),
        "ceil": lambda v: round_int(math.ceil, v),
        "round": lambda v: round_int(round, v),  # Python's round() is ties-to-even
        "truncate": lambda v: round_int(math.trunc, v),
    }[op](x)


def dres(x):
    """Expected double result from a Python float."""
    return expect_d(d2b(x))


def fres(x):
    """Expected binary32 result (x is exact or rounded once, see below)."""
    return expect_f(f2b(x))


# ---------------------------------------------------------------------------

DVALS = [1.5, -2.25, 0.0, -0.0, INF, NINF, NANB, 3.0, 1e308, 5e-324, 0.1, -7.0]
FVALS = [1.5, -2.25, 0.0, -0.0, INF, NINF, NAN32, 3.0, 0x7F7FFFFF, 1, 0x3DCCCCCD, -7.0]  # ints: raw bits


def dbits(v):
    return v if isinstance(v, int) else d2b(v)


def fbits(v):
    return v if isinstance(v, int) else f2b(v)


def gen_fp_arith():
    f = CorpusFile(
        "fp_arith.asm",
        "floating-point arithmetic (INSTRUCTIONS.md §10)",
        "Two-operand `op s, d` (d := d OP s) and three-operand `op a, b, d`\n"
        "(d := a OP b) with the destination distinct from, or equal to, either\n"
        "source (x86 has no three-operand SSE form: d = b needs the FP scratch);\n"
        "unary operations with s = d and s != d. Values include ±0, ±∞, NaN,\n"
        "denormals and overflow.",
    )
    for ws, width in [("d", 64), ("f", 32)]:
        if ws == "d":
            vals = [dbits(v) for v in DVALS]
            to_f, from_f, load, store = b2d, lambda x: dres(x), "fq2d", "fd2q"
            exact = lambda b: b
            mask_sign = 1 << 63
        else:
            vals = [fbits(v) for v in FVALS]
            to_f, from_f, load, store = b2f, lambda x: fres(x), "fi2f", "ff2i"
            mask_sign = 1 << 31
        fm = MASK[width]
        for op in ["add", "sub", "mul", "div", "and", "or"]:
            m = op + ws
            if op == "and":
                m = "and" + ws
            if op == "or":
                m = "or" + ws
            f.section(m)
            if op in ("and", "or"):
                R = (lambda a, b: a & b) if op == "and" else (lambda a, b: a | b)
            else:
                R = lambda a, b, op=op: from_f(fp_binop(op, to_f(a), to_f(b)))
            pairs = [(a, b) for a in vals for b in vals]
            few = [(vals[0], vals[1]), (vals[1], vals[0]), (vals[7], vals[10]), (vals[2], vals[3]),
                   (vals[4], vals[5]), (vals[6], vals[0]), (vals[8], vals[8]), (vals[11], vals[9])]
            pre = ["%s t0, ft0" % load, "%s t1, ft1" % load]
            # two-operand: ft0 := ft0 OP ft1
            f.func(m + "_2", pre + ["%s ft1, ft0" % m, "%s ft0, t0" % store], [((a, b), R(a, b)) for a, b in pairs])
            f.func(m + "_2_same", ["%s t0, ft2" % load, "%s ft2, ft2" % m, "%s ft2, t0" % store],
                   [((a,), R(a, a)) for a in vals])
            f.func(m + "_2_34", ["%s t0, ft3" % load, "%s t1, ft4" % load, "%s ft4, ft3" % m, "%s ft3, t0" % store],
                   [((a, b), R(a, b)) for a, b in few])
            # three-operand
            f.func(m + "_3", pre + ["%s t2, ft2" % load, "%s ft0, ft1, ft2" % m, "%s ft2, t0" % store],
                   [((a, b, GARBAGE), R(a, b)) for a, b in pairs])
            f.func(m + "_3_da", pre + ["%s ft0, ft1, ft0" % m, "%s ft0, t0" % store], [((a, b), R(a, b)) for a, b in few])
            f.func(m + "_3_db", pre + ["%s ft0, ft1, ft1" % m, "%s ft1, t0" % store], [((a, b), R(a, b)) for a, b in few])
            f.func(m + "_3_ab", pre + ["%s ft0, ft0, ft1" % m, "%s ft1, t0" % store], [((a, b), R(a, a)) for a, b in few])
            f.func(m + "_3_all", ["%s t0, ft3" % load, "%s ft3, ft3, ft3" % m, "%s ft3, t0" % store],
                   [((a,), R(a, a)) for a in vals])
        # unary
        if ws == "d":
            uvals = [dbits(v) for v in [1.5, -1.5, 2.5, -2.5, 0.5, -0.5, 0.0, -0.0, INF, NINF, 1e300, -3.7,
                                         4503599627370497.0, 5e-324, 0.49999999999999994, 2.0]] + \
                    [NANB, 0xFFF8000000000001, 0x7FF0000000000001]
        else:
            uvals = [fbits(v) for v in [1.5, -1.5, 2.5, -2.5, 0.5, -0.5, 0.0, -0.0, INF, NINF, 1e30, -3.7,
                                         8388609.0, 0.49999997, 2.0]] + [1, NAN32, 0xFFC00001, 0x7F800001]
        for op in ["sqrt", "abs", "neg", "floor", "ceil", "round", "truncate"]:
            m = op + ws
            f.section(m)
            if op == "abs":
                R = lambda a: a & ~mask_sign & fm
            elif op == "neg":
                R = lambda a: a ^ mask_sign
            else:
                R = lambda a, op=op: from_f(fp_unop(op, to_f(a)))
            f.func(m + "_same", ["%s t0, ft0" % load, "%s ft0, ft0" % m, "%s ft0, t0" % store],
                   [((a,), R(a)) for a in uvals])
            f.func(m + "_other", ["%s t1, ft0" % load, "%s t0, ft1" % load, "%s ft1, ft0" % m, "%s ft0, t0" % store],
                   [((a, GARBAGE & fm), R(a)) for a in uvals])
            f.func(m + "_34", ["%s t0, ft4" % load, "%s ft4, ft3" % m, "%s ft3, t0" % store, ],
                   [((a,), R(a)) for a in uvals[:8]])
    return f


# ---------------------------------------------------------------------------

CMPVALS_D = [d2b(v) for v in [1.0, 2.0, -1.0, 0.0, -0.0, INF, NINF]] + [NANB]
CMPVALS_F = [f2b(v) for v in [1.0, 2.0, -1.0, 0.0, -0.0, INF, NINF]] + [NAN32]


def fcmp(cond, a, b):
    un = math.isnan(a) or math.isnan(b)
    base = cond[:-2] if cond.endswith("un") else cond
    if base == "eq":
        r = a == b
    elif base == "neq":
        r = (a != b) and not un
    elif base == "lt":
        r = a < b
    elif base == "lteq":
        r = a <= b
    elif base == "gt":
        r = a > b
    elif base == "gteq":
        r = a >= b
    if cond.endswith("un"):
        r = r or un
    return 1 if r else 0


def gen_fp_compare():
    f = CorpusFile(
        "fp_compare.asm",
        "floating-point compare-and-set (INSTRUCTIONS.md §12)",
        "cXcc a, b, d with ordered conditions (0 when either operand is NaN) and\n"
        "`nequn` (1 when either is NaN); +0.0 = -0.0.",
    )
    for ws, vals, load, to_f in [("d", CMPVALS_D, "fq2d", b2d), ("f", CMPVALS_F, "fi2f", b2f)]:
        for cond in ["eq", "neq", "nequn", "lt", "lteq", "gt", "gteq"]:
            m = "c" + ws + cond
            f.section(m)
            C = lambda a, b, c=cond: fcmp(c, to_f(a), to_f(b))
            pre = ["%s t0, ft0" % load, "%s t1, ft1" % load]
            f.func(m + "_rr", pre + ["%s ft0, ft1, t0" % m], [((a, b), C(a, b)) for a in vals for b in vals])
            f.func(m + "_same", ["%s t0, ft2" % load, "%s ft2, ft2, t0" % m], [((a,), C(a, a)) for a in vals])
            f.func(m + "_rev_t2", pre + ["%s ft1, ft0, t2" % m, "move t2, t0"],
                   [((a, b, GARBAGE), C(b, a)) for a in vals for b in vals[::3]])
            f.func(m + "_34_t5", ["%s t0, ft3" % load, "%s t1, ft4" % load, "%s ft3, ft4, t5" % m, "move t5, t0"],
                   [((a, b), C(a, b)) for a in vals[::2] for b in vals[1::2]])
    return f


def gen_fp_branch():
    f = CorpusFile(
        "fp_branch.asm",
        "floating-point branches (INSTRUCTIONS.md §13)",
        "Ordered branches are not taken when either operand is NaN; the `…un`\n"
        "branches are taken when the condition holds or either operand is NaN.\n"
        "Each function returns 1 if the branch was taken and 0 if not.",
    )
    dconds = ["eq", "neq", "gt", "gteq", "lt", "lteq", "equn", "nequn", "gtun", "gtequn", "ltun", "ltequn"]
    fconds = ["eq", "gt", "lt", "gtun", "gtequn", "ltun", "ltequn"]
    for ws, vals, load, to_f, conds in [("d", CMPVALS_D, "fq2d", b2d, dconds), ("f", CMPVALS_F, "fi2f", b2f, fconds)]:
        for cond in conds:
            m = "b" + ws + cond
            f.section(m)
            C = lambda a, b, c=cond: fcmp(c, to_f(a), to_f(b))

            def br(name, pre, ops, tests):
                f.func(name, pre + ["%s %s, .%s_yes" % (m, ops, name), "move 0, t0", "ret", ".%s_yes:" % name,
                                    "move 1, t0", "ret"], tests)

            pre = ["%s t0, ft0" % load, "%s t1, ft1" % load]
            br(m + "_rr", pre, "ft0, ft1", [((a, b), C(a, b)) for a in vals for b in vals])
            br(m + "_same", ["%s t0, ft2" % load], "ft2, ft2", [((a,), C(a, a)) for a in vals])
            br(m + "_rev", pre, "ft1, ft0", [((a, b), C(b, a)) for a in vals for b in vals[::3]])
            br(m + "_34", ["%s t0, ft3" % load, "%s t1, ft4" % load], "ft3, ft4",
               [((a, b), C(a, b)) for a in vals[::2] for b in vals[1::2]])
    return f


# ---------------------------------------------------------------------------


def gen_conversions():
    f = CorpusFile(
        "conversions.asm",
        "conversions (INSTRUCTIONS.md §11.1–§11.4)",
        "Integer -> FP (round to nearest-even; the 32-bit sources ignore the upper\n"
        "half), FP -> integer (toward zero; only representable values are tested,\n"
        "the others are unspecified), the checked conversions bcd2i/btd2i (0xbad is\n"
        "returned when the branch is taken) and cd2f/cf2d.",
    )
    ivals32 = [0, 1, 0xFFFFFFFF, 0x80000000, 0x7FFFFFFF, 0xFFFFFFFF00000001, 16777217, 16777219, 0x123456789ABCDEF1,
               u64(-5), 0x00000000FFFFFF80]
    ivals64 = [0, 1, M64, u64(INT64_MIN), INT64_MAX, (1 << 53) + 1, 0x8000000000000401, 0x8000000000000400,
               0x8000008000000000, 0x8000008000000001, 0x4000004000000001, 0xC000004000000001, u64(-5), 0xFFFFFFFF,
               0x7FFFFFFFFFFFFDFF, 0xFFFFFFFFFFFFF7FF, 0x0020000020000001]
    defs = [
        ("ci2d", lambda v: int_to_f64_bits(lo(v, 32)), "fd2q", ivals32),
        ("ci2ds", lambda v: int_to_f64_bits(sx(v, 32)), "fd2q", ivals32),
        ("ci2f", lambda v: int_to_f32_bits(lo(v, 32)), "ff2i", ivals32),
        ("ci2fs", lambda v: int_to_f32_bits(sx(v, 32)), "ff2i", ivals32),
        ("cq2d", lambda v: int_to_f64_bits(v), "fd2q", ivals64),
        ("cq2ds", lambda v: int_to_f64_bits(sx(v, 64)), "fd2q", ivals64),
        ("cq2f", lambda v: int_to_f32_bits(v), "ff2i", ivals64),
        ("cq2fs", lambda v: int_to_f32_bits(sx(v, 64)), "ff2i", ivals64),
    ]
    for m, fn, store, vals in defs:
        f.section(m)
        f.func(m + "_0", ["%s t0, ft0" % m, "%s ft0, t0" % store], [((v,), fn(v)) for v in vals])
        f.func(m + "_3", ["%s t1, ft3" % m, "%s ft3, t0" % store], [((GARBAGE, v), fn(v)) for v in vals])
        if m in ("cq2d", "cq2f"):
            f.func(m + "_scratch", ["%s t0, t1, ft1" % m, "%s ft1, t0" % store], [((v, GARBAGE), fn(v)) for v in vals])
            f.func(m + "_scratch_t5", ["move t0, t3", "%s t3, t5, ft4" % m, "%s ft4, t0" % store],
                   [((v,), fn(v)) for v in vals])
            f.func(m + "_scratch_same", ["%s t0, t0, ft2" % m, "%s ft2, t0" % store], [((v,), fn(v)) for v in vals])
            f.func(m + "_scratch_kept", ["%s t0, t1, ft1" % m], [((v, GARBAGE), v) for v in vals[:6]],
                   comment="the source register is not modified (only the scratch operand is)")

    # FP -> integer (truncating); only representable results
    trunc_defs = [
        ("truncated2i", "fq2d", b2d, lambda t: lo(t, 32), lambda t: 0 <= t <= M32,
         [0.0, -0.0, 0.9, 1.5, 2147483647.5, 2147483648.0, 4294967295.0, 4294967295.9, 3e9, -0.9, 65536.25]),
        ("truncated2is", "fq2d", b2d, lambda t: lo(t, 32), lambda t: INT32_MIN <= t <= INT32_MAX,
         [0.0, -0.0, 1.9, -1.9, 2147483647.9, -2147483648.9, -1.0, 123456.7, -0.5]),
        ("td2i", "fq2d", b2d, lambda t: lo(t, 32), lambda t: INT32_MIN <= t <= INT32_MAX,
         [0.0, -0.0, 1.9, -1.9, 2147483647.9, -2147483648.9, -1.0, 123456.7]),
        ("truncated2q", "fq2d", b2d, lambda t: t, lambda t: 0 <= t <= M64,
         [0.0, 1.5, 9.223372036854775808e18, b2d(0x43EFFFFFFFFFFFFF), 9223372036854774784.0, 4294967296.5, -0.9,
          1e19, 4503599627370497.0]),
        ("truncated2qs", "fq2d", b2d, lambda t: u64(t), lambda t: INT64_MIN <= t <= INT64_MAX,
         [0.0, -1.5, 4.611686018427387904e18, -9.223372036854775808e18, 9223372036854774784.0, -123.9, -0.0]),
        ("truncatef2i", "fi2f", b2f, lambda t: lo(t, 32), lambda t: 0 <= t <= M32,
         [0.0, -0.0, 1.5, 2147483648.0, b2f(0x4F7FFFFF), -0.75, 16777216.0]),
        ("truncatef2is", "fi2f", b2f, lambda t: lo(t, 32), lambda t: INT32_MIN <= t <= INT32_MAX,
         [0.0, -0.0, 1.5, -1.5, -2147483648.0, b2f(0x4EFFFFFF), -0.75]),
        ("truncatef2q", "fi2f", b2f, lambda t: t, lambda t: 0 <= t <= M64,
         [0.0, 1.5, 9.223372036854775808e18, b2f(0x5F7FFFFF), 4294967296.0, -0.75, b2f(0x5EFFFFFF)]),
        ("truncatef2qs", "fi2f", b2f, lambda t: u64(t), lambda t: INT64_MIN <= t <= INT64_MAX,
         [0.0, -1.5, -9.223372036854775808e18, b2f(0x5EFFFFFF), -123.9, -0.0]),
    ]
    for m, load, to_f, res, ok, vals in trunc_defs:
        f.section(m)
        pat = (lambda v: d2b(v)) if load == "fq2d" else (lambda v: f2b(v))
        tests = []
        for v in vals:
            x = to_f(pat(v))  # the exact value the instruction sees
            t = math.trunc(x)
            assert ok(t), (m, v)
            tests.append(((pat(v),), res(t)))
        f.func(m + "_0", ["%s t0, ft0" % load, "%s ft0, t0" % m], tests)
        f.func(m + "_other", ["%s t1, ft2" % load, "%s ft2, t3" % m, "move t3, t0"],
               [((GARBAGE, a[0], 0, GARBAGE), r) for a, r in tests])

    # checked conversions
    f.section("bcd2i / btd2i")

    def bcd2i(x):
        if math.isnan(x) or math.isinf(x) or x != math.trunc(x) or not (INT32_MIN <= x <= INT32_MAX):
            return None
        if x == 0 and math.copysign(1, x) < 0:
            return None
        return lo(int(x), 32)

    def btd2i(x):
        if math.isnan(x) or math.isinf(x):
            return None
        t = math.trunc(x)
        if not (INT32_MIN <= t <= INT32_MAX):
            return None
        return lo(t, 32)

    cvals = [5.0, -7.0, 2147483647.0, -2147483648.0, 0.0, -0.0, 0.5, -0.5, 2147483648.0, -2147483649.0, float("nan"),
             INF, NINF, 2147483647.5, -2147483648.5, 1e10, 3.25]
    for m, fn in [("bcd2i", bcd2i), ("btd2i", btd2i)]:
        for dreg in ["t1", "t0"]:
            name = "%s_%s" % (m, dreg)
            tests = []
            for v in cvals:
                r = fn(v)
                tests.append(((d2b(v), GARBAGE), 0xBAD if r is None else r))
            f.func(name, ["fq2d t0, ft1", "%s ft1, %s, .%s_fail" % (m, dreg, name), "move %s, t0" % dreg, "ret",
                          ".%s_fail:" % name, "move 0xbad, t0", "ret"], tests)

    # FP <-> FP
    f.section("cd2f / cf2d")
    dv = [0.1, 1.5, -0.0, 0.0, INF, NINF, 1e300, -1e300, 1e-50, -1e-50, 1e-40, 3.4028235677973366e38,
          3.4028235677973362e38, 1.0 + 2.0 ** -24, 1.0 + 3 * 2.0 ** -24, 5e-324]
    tests = [((d2b(v),), expect_f(f2b(v))) for v in dv] + [((NANB,), Expect("nan32"))]
    f.func("cd2f_0", ["fq2d t0, ft0", "cd2f ft0, ft0", "ff2i ft0, t0"], tests)
    f.func("cd2f_other", ["fq2d t0, ft1", "cd2f ft1, ft4", "ff2i ft4, t0"], tests)
    fv = [0x3DCCCCCD, 0x3FC00000, 0x80000000, 0, 0x7F800000, 0xFF800000, 0x7F7FFFFF, 1, 0x80000001, 0x00800000]
    tests = [((v,), d2b(b2f(v))) for v in fv] + [((NAN32,), Expect("nan64")), ((0xFFC00001,), Expect("nan64"))]
    f.func("cf2d_0", ["fi2f t0, ft0", "cf2d ft0, ft0", "fd2q ft0, t0"], tests)
    f.func("cf2d_other", ["fi2f t0, ft3", "cf2d ft3, ft2", "fd2q ft2, t0"], tests)
    return f


def gen_fp_moves():
    f = CorpusFile(
        "fp_moves.asm",
        "moves between and within register files (INSTRUCTIONS.md §2, §11.5)",
        "fq2d/fd2q/fi2f/ff2i/fii2d/fd2ii keep bit patterns exactly (signalling\n"
        "NaNs included); moved copies 64 bits; movdz writes +0.0.",
    )
    pats = [0, M64, 0x7FF0000000000001, 0xFFF8000000000000, 0x8000000000000000, 0x3FF8000000000000,
            0x123456789ABCDEF0, 1]
    f.func("fq2d_fd2q", ["fq2d t0, ft0", "fd2q ft0, t0"], [((p,), p) for p in pats])
    f.func("fq2d_fd2q_regs", ["fq2d t1, ft4", "fd2q ft4, t5", "move t5, t0"], [((GARBAGE, p), p) for p in pats])
    f.func("fi2f_ff2i", ["fi2f t0, ft1", "ff2i ft1, t0"], [((p,), lo(p, 32)) for p in pats + [0xFFFFFFFF7F800001]])
    f.func("fi2f_ff2i_regs", ["fi2f t3, ft3", "ff2i ft3, t3", "move t3, t0"],
           [((GARBAGE, 0, 0, p), lo(p, 32)) for p in pats])
    f.func("ff2i_upper", ["fq2d t0, ft0", "ff2i ft0, t0"], [((p,), lo(p, 32)) for p in pats],
           comment="ff2i reads only the low 32 bits of the register and zero-extends")
    f.func("moved_0", ["fq2d t0, ft0", "fq2d t1, ft1", "moved ft0, ft1", "fd2q ft1, t0"],
           [((p, GARBAGE), p) for p in pats])
    f.func("moved_34", ["fq2d t0, ft3", "moved ft3, ft4", "moved ft4, ft2", "fd2q ft2, t0"], [((p,), p) for p in pats])
    f.func("moved_src_kept", ["fq2d t0, ft0", "moved ft0, ft1", "fq2d t1, ft1", "fd2q ft0, t0"],
           [((p, GARBAGE), p) for p in pats])
    f.func("movdz_0", ["fq2d t0, ft0", "movdz ft0", "fd2q ft0, t0"], [((p,), 0) for p in pats])
    f.func("movdz_4", ["fq2d t0, ft4", "movdz ft4", "fd2q ft4, t0"], [((p,), 0) for p in pats[:3]])
    f.func("movdz_other_kept", ["fq2d t0, ft1", "movdz ft0", "fd2q ft1, t0"], [((p,), p) for p in pats[:3]])
    # fii2d lo, hi, d
    lh = [(0x89ABCDEF, 0x01234567), (0xFFFFFFFF00000001, 0xAAAAAAAA80000000), (0, 0x7FF00000), (M64, M64)]
    f.func("fii2d_0", ["fii2d t0, t1, ft0", "fd2q ft0, t0"],
           [((l, h), (lo(h, 32) << 32) | lo(l, 32)) for l, h in lh])
    f.func("fii2d_regs", ["move t0, t5", "fii2d t5, t3, ft4", "fd2q ft4, t0"],
           [((l, GARBAGE, 0, h), (lo(h, 32) << 32) | lo(l, 32)) for l, h in lh])
    f.func("fii2d_same", ["fii2d t0, t0, ft2", "fd2q ft2, t0"], [((l,), (lo(l, 32) << 32) | lo(l, 32)) for l, _ in lh])
    # fd2ii s, lo, hi
    f.func("fd2ii_lo", ["fq2d t0, ft0", "move t1, t2", "fd2ii ft0, t1, t2", "move t1, t0"],
           [((p, GARBAGE), lo(p, 32)) for p in pats])
    f.func("fd2ii_hi", ["fq2d t0, ft0", "move t1, t2", "fd2ii ft0, t1, t2", "move t2, t0"],
           [((p, GARBAGE), p >> 32) for p in pats])
    f.func("fd2ii_t0_lo", ["fq2d t0, ft3", "fd2ii ft3, t0, t5"], [((p,), lo(p, 32)) for p in pats])
    f.func("fd2ii_t0_hi", ["fq2d t0, ft3", "fd2ii ft3, t5, t0"], [((p,), p >> 32) for p in pats])
    return f


if __name__ == "__main__":
    main([gen_fp_arith(), gen_fp_compare(), gen_fp_branch(), gen_conversions(), gen_fp_moves()])
