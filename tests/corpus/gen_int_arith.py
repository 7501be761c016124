#!/usr/bin/env python3
"""Generates the integer arithmetic corpus files:

  int_arith.asm     add/sub/mul/and/or/xor {i,p,q}, neg/not, orh  (INSTRUCTIONS.md §4.1–§4.3)
  shifts.asm        lshift/rshift/urshift {i,p,q}, lrotate/rrotate {i,q} (§4.4)
  bitcount.asm      lzcnt/tzcnt {i,q}                              (§4.5)
  arith_branch.asm  badd/bsub/bmul/bor + o/s/z/nz; addis/addps/subis/oris + bo/bs/bz/bnz (§9)
  x86_division.asm  cdqi, cqoq, idivi, udivi, idivq, udivq (x86 only, §4.7)

Usage: python3 gen_int_arith.py [--check]
"""

from corpuslib import *

GARBAGE = 0xDEADBEEFCAFEF00D

# ---------------------------------------------------------------------------
# Semantics


def arith(op, a, b, w):
    a, b = lo(a, w), lo(b, w)
    r = {
        "add": a + b,
        "sub": a - b,
        "mul": a * b,
        "and": a & b,
        "or": a | b,
        "xor": a ^ b,
    }[op]
    return lo(r, w)


def shift(op, v, n, w):
    n = lo(n, w) % w
    v = lo(v, w)
    if op == "lshift":
        r = v << n
    elif op == "rshift":
        r = sx(v, w) >> n
    elif op == "urshift":
        r = v >> n
    elif op == "lrotate":
        r = (v << n) | (v >> (w - n))
    elif op == "rrotate":
        r = (v >> n) | (v << (w - n))
    return lo(r, w)


def overflows(op, x, y, w):
    if op == "or":
        return False
    a, b = sx(x, w), sx(y, w)
    exact = {"add": a + b, "sub": a - b, "mul": a * b}[op]
    return not (-(1 << (w - 1)) <= exact < (1 << (w - 1)))


def flag_cond(cond, op, x, y, w):
    r = arith(op, x, y, w)
    return {
        "o": overflows(op, x, y, w),
        "s": bool(r >> (w - 1)),
        "z": r == 0,
        "nz": r != 0,
    }[cond]


def trunc_div(a, b):
    q = abs(a) // abs(b)
    if (a < 0) != (b < 0):
        q = -q
    return q, a - q * b


# ---------------------------------------------------------------------------

VALS = {
    32: [0, 1, M64, 0x7FFFFFFF, 0x80000000, 0xDEADBEEF00000005, 0x123456789ABCDEF0],
    64: [0, 1, M64, INT64_MAX, u64(INT64_MIN), 0xFFFFFFFF, 0x123456789ABCDEF0],
}
IMMS = {
    32: [0, 1, -1, 0x7FFFFFFF, 0x80000000, 0xFFFF],
    64: [0, 1, -1, 0x7FFFFFFF, 0x80000000, 0x123456789ABCDEF0, INT64_MIN, -0x80000000],
}
WIDTHS = [("i", 32), ("p", 64), ("q", 64)]
OPS = ["add", "sub", "mul", "and", "or", "xor"]


def sample_pairs(w):
    v = VALS[w]
    idx = [(0, 0), (1, 2), (2, 1), (3, 1), (4, 2), (3, 4), (5, 6), (6, 5), (2, 2), (4, 4)]
    return [(v[i], v[j]) for i, j in idx]


def merge_mem(old, new, w):
    """64-bit slot holding `old` after a W-bit store of `new`."""
    return (old & ~MASK[w] & M64) | lo(new, w)


def gen_int_arith():
    f = CorpusFile(
        "int_arith.asm",
        "integer arithmetic and logic (INSTRUCTIONS.md §4.1–§4.3)",
        "Two-operand `op s, d` (d := d OP s) and three-operand `op a, b, d`\n"
        "(d := a OP b) for add/sub/mul/and/or/xor at widths i/p/q, with register,\n"
        "immediate and memory operands on either side, destinations equal to a\n"
        "source or not, and 32-bit results zero-extended (`addi 0, t0` clears the\n"
        "upper half). Memory destinations are checked to write exactly W/8 bytes.",
    )
    for ws, w in WIDTHS:
        for op in OPS:
            m = op + ws
            f.section(m)
            vals = VALS[w]
            A = lambda a, b, op=op: arith(op, a, b, w)
            pairs = sample_pairs(w)
            f.func(m + "_rr", ["%s t1, t0" % m], [((a, b), A(a, b)) for a in vals for b in vals])
            f.func(m + "_rr_same", ["%s t0, t0" % m], [((a,), A(a, a)) for a in vals])
            f.func(m + "_rr_t3t5", ["move t0, t5", "move t1, t3", "%s t5, t3" % m, "move t3, t0"],
                   [((a, b), A(b, a)) for a, b in pairs])
            for k, iv in enumerate(IMMS[w]):
                f.func("%s_ri%d" % (m, k), ["%s %s, t0" % (m, imm(iv))], [((a,), A(a, iv)) for a in vals])
            f.func(m + "_mr", ["subp 16, sp", "storeq t1, 8[sp]", "%s 8[sp], t0" % m, "addp 16, sp"],
                   [((a, b), A(a, b)) for a, b in pairs])
            f.func(m + "_rm", ["subp 16, sp", "storeq t0, 8[sp]", "%s t1, 8[sp]" % m,
                               "loadq 8[sp], t0", "addp 16, sp"],
                   [((a, b), merge_mem(a, A(a, b), w)) for a, b in pairs])
            for k, iv in enumerate([-1, IMMS[w][4], IMMS[w][5]]):
                f.func("%s_im%d" % (m, k), ["subp 16, sp", "storeq t0, 8[sp]", "%s %s, 8[sp]" % (m, imm(iv)),
                                            "loadq 8[sp], t0", "addp 16, sp"],
                       [((a,), merge_mem(a, A(a, iv), w)) for a in vals])
            # indexed memory operands on both sides
            f.func(m + "_mr_idx", ["subp 32, sp", "move 2, t3", "storeq t1, [sp, t3, 8]",
                                   "%s 16[sp], t0" % m, "addp 32, sp"],
                   [((a, b), A(a, b)) for a, b in pairs])
            f.func(m + "_rm_idx", ["subp 32, sp", "move 1, t3", "storeq t0, 8[sp, t3, 8]",
                                   "%s t1, 8[sp, t3, 8]" % m, "loadq 16[sp], t0", "addp 32, sp"],
                   [((a, b), merge_mem(a, A(a, b), w)) for a, b in pairs])
            # three-operand forms
            f.func(m + "_3rr", ["%s t0, t1, t2" % m, "move t2, t0"],
                   [((a, b, GARBAGE), A(a, b)) for a, b in pairs])
            f.func(m + "_3rr_d0", ["%s t0, t1, t0" % m], [((a, b), A(a, b)) for a, b in pairs])
            f.func(m + "_3rr_d1", ["%s t0, t1, t1" % m, "move t1, t0"], [((a, b), A(a, b)) for a, b in pairs])
            f.func(m + "_3rr_same", ["%s t0, t0, t1" % m, "move t1, t0"], [((a,), A(a, a)) for a in vals])
            f.func(m + "_3rr_all", ["%s t0, t0, t0" % m], [((a,), A(a, a)) for a in vals[:5]])
            for k, iv in enumerate([IMMS[w][0], IMMS[w][2], IMMS[w][4], IMMS[w][5]]):
                f.func("%s_3ri%d" % (m, k), ["%s t0, %s, t1" % (m, imm(iv)), "move t1, t0"],
                       [((a, GARBAGE), A(a, iv)) for a in vals])
                f.func("%s_3ir%d" % (m, k), ["%s %s, t0, t1" % (m, imm(iv)), "move t1, t0"],
                       [((a, GARBAGE), A(iv, a)) for a in vals])
                f.func("%s_3ir%d_d" % (m, k), ["%s %s, t0, t0" % (m, imm(iv))], [((a,), A(iv, a)) for a in vals])
                f.func("%s_3ri%d_d" % (m, k), ["%s t0, %s, t0" % (m, imm(iv))], [((a,), A(a, iv)) for a in vals])

    # neg / not
    for m, w, fn in [("negi", 32, lambda v: -v), ("negp", 64, lambda v: -v), ("negq", 64, lambda v: -v),
                     ("noti", 32, lambda v: ~v), ("notq", 64, lambda v: ~v)]:
        f.section(m)
        vals = VALS[w]
        f.func(m + "_r", ["%s t0" % m], [((a,), lo(fn(a), w)) for a in vals])
        f.func(m + "_r_t3", ["move t0, t3", "%s t3" % m, "move t3, t0"], [((a,), lo(fn(a), w)) for a in vals])
        f.func(m + "_m", ["subp 16, sp", "storeq t0, 8[sp]", "%s 8[sp]" % m, "loadq 8[sp], t0", "addp 16, sp"],
               [((a,), merge_mem(a, fn(a), w)) for a in vals])

    # orh
    f.section("orh")
    hv = [0, 0x8001, 0xFFFF, 0x123456789ABC8000, M64, 0x7FFF0000]
    f.func("orh_rr", ["orh t1, t0"], [((a, b), lo(lo(a, 16) | lo(b, 16), 16)) for a in hv for b in hv])
    for k, iv in enumerate([0, 0x8000, -1, 0x1234]):
        f.func("orh_ri%d" % k, ["orh %s, t0" % imm(iv)], [((a,), lo(a | iv, 16)) for a in hv])
    f.func("orh_rm", ["subp 16, sp", "storeq t0, 8[sp]", "orh t1, 8[sp]", "loadq 8[sp], t0", "addp 16, sp"],
           [((a, b), merge_mem(a, a | b, 16)) for a in hv for b in hv[:3]])
    for k, iv in enumerate([0x8000, -1]):
        f.func("orh_im%d" % k, ["subp 16, sp", "storeq t0, 8[sp]", "orh %s, 8[sp]" % imm(iv), "loadq 8[sp], t0",
                                "addp 16, sp"],
               [((a,), merge_mem(a, a | iv, 16)) for a in hv])
    return f


# ---------------------------------------------------------------------------


def gen_shifts():
    f = CorpusFile(
        "shifts.asm",
        "shifts and rotates (INSTRUCTIONS.md §4.4)",
        "Immediate counts in [0, W-1]; register counts taken modulo W (counts >= W,\n"
        "negative counts, garbage above the width); 32-bit results zero-extended.\n"
        "The count/value/destination registers go through every combination of\n"
        "t0, t1, t3 and t5 — t3 is rcx on System V and t5 is rcx on Windows, the\n"
        "only register x86 can shift by.",
    )
    ops = [("lshift", "ipq"), ("rshift", "ipq"), ("urshift", "ipq"), ("lrotate", "iq"), ("rrotate", "iq")]
    wmap = {"i": 32, "p": 64, "q": 64}
    values = {
        32: [0x80000001, 0xFEDCBA9876543210, M64, 0x7FFFFFFF, 1, 0],
        64: [0x8000000000000001, 0xFEDCBA9876543210, M64, INT64_MAX, 1, 0],
    }
    counts = {
        32: [0, 1, 5, 31, 32, 33, 63, 255, 0xFFFFFFFF00000021, M64],
        64: [0, 1, 5, 63, 64, 65, 127, 255, 0xFFFFFFFF00000021, M64],
    }
    combo2 = ["t0", "t1", "t3", "t5"]
    combo3 = ["t0", "t3", "t5"]
    combo_tests = {
        32: [(0x8000000000000001, 1), (0x0123456789ABCDEF, 33), (M64, 31), (0xFEDCBA9876543210, 71), (0x87654321, 0)],
        64: [(0x8000000000000001, 1), (0x0123456789ABCDEF, 33), (M64, 63), (0xFEDCBA9876543210, 71), (0x87654321, 0)],
    }
    for op, ws_list in ops:
        for ws in ws_list:
            w = wmap[ws]
            m = op + ws
            f.section(m)
            S = lambda v, n, op=op: shift(op, v, n, w)
            for k, c in enumerate([0, 1, 13 if w == 32 else 37, w - 1]):
                f.func("%s_i%d" % (m, c), ["%s %d, t0" % (m, c)], [((v,), S(v, c)) for v in values[w]])
            f.func(m + "_r", ["%s t1, t0" % m], [((v, c), S(v, c)) for v in values[w][:4] for c in counts[w]])
            # register combinations, two-operand form `op count, dest`
            for c in combo2:
                for d in combo2:
                    name = "%s_c%s_d%s" % (m, c, d)
                    body = ["move t0, t4", "move t1, t2", "move t2, %s" % c, "move t4, %s" % d,
                            "%s %s, %s" % (m, c, d)]
                    if d != "t0":
                        body.append("move %s, t0" % d)
                    tests = [((v, n), S(v, v if c == d else n)) for v, n in combo_tests[w]]
                    f.func(name, body, tests)
            if op in ("lrotate", "rrotate"):
                continue
            # three-operand form `op value, count, dest`
            for v in combo3:
                for c in combo3:
                    for d in combo3:
                        name = "%s_v%s_c%s_d%s" % (m, v, c, d)
                        body = ["move t0, t4", "move t1, t2", "move t2, %s" % c, "move t4, %s" % v,
                                "%s %s, %s, %s" % (m, v, c, d)]
                        if d != "t0":
                            body.append("move %s, t0" % d)
                        tests = [((x, n), S(x, x if c == v else n)) for x, n in combo_tests[w]]
                        f.func(name, body, tests)
            f.func(m + "_3_t1_t2_t0", ["%s t1, t2, t0" % m],
                   [((GARBAGE, x, n), S(x, n)) for x, n in combo_tests[w]])
            for c in [0, 7, w - 1]:
                f.func("%s_3i%d" % (m, c), ["%s t1, %d, t0" % (m, c)],
                       [((GARBAGE, x), S(x, c)) for x in values[w]])
                f.func("%s_3i%d_d" % (m, c), ["%s t0, %d, t0" % (m, c)], [((x,), S(x, c)) for x in values[w]])
                f.func("%s_3i%d_t3" % (m, c), ["move t0, t5", "%s t5, %d, t3" % (m, c), "move t3, t0"],
                       [((x,), S(x, c)) for x in values[w]])
    return f


# ---------------------------------------------------------------------------


def lzcnt(v, w):
    v = lo(v, w)
    return w - v.bit_length()


def tzcnt(v, w):
    v = lo(v, w)
    if v == 0:
        return w
    return (v & -v).bit_length() - 1


def gen_bitcount():
    f = CorpusFile(
        "bitcount.asm",
        "leading/trailing zero counts (INSTRUCTIONS.md §4.5)",
        "lzcnti/lzcntq/tzcnti/tzcntq, including zero inputs (result = width) and\n"
        "32-bit forms ignoring the upper half of the source.",
    )
    vals = [0, 1, M64, 0x80000000, u64(INT64_MIN), 0xFFFFFFFF00000000, 0x100000000, 0x10, 0x00F0000000000000,
            0x0000000000012300, 0x7FFFFFFF]
    for m, fn, w in [("lzcnti", lzcnt, 32), ("lzcntq", lzcnt, 64), ("tzcnti", tzcnt, 32), ("tzcntq", tzcnt, 64)]:
        f.section(m)
        f.func(m + "_same", ["%s t0, t0" % m], [((v,), fn(v, w)) for v in vals])
        f.func(m + "_other", ["%s t1, t0" % m], [((GARBAGE, v), fn(v, w)) for v in vals])
        f.func(m + "_t3t5", ["move t0, t3", "%s t3, t5" % m, "move t5, t0"], [((v,), fn(v, w)) for v in vals])
    return f


# ---------------------------------------------------------------------------


def gen_arith_branch():
    f = CorpusFile(
        "arith_branch.asm",
        "arithmetic with branch, flag-setting arithmetic (INSTRUCTIONS.md §9)",
        "Every function takes a selector as its third argument: 0 returns the full\n"
        "64-bit destination after the operation (32-bit results zero-extended; a\n"
        "memory destination is read back as 64 bits), 1 returns 1 if the branch was\n"
        "taken and 0 if not.",
    )
    pairs = {
        32: [(0x7FFFFFFF, 1), (0x80000000, 0xFFFFFFFF), (1, 0xFFFFFFFF), (0, 0), (5, 3), (0xFFFFFFFF, 0xFFFFFFFF),
             (0x80000000, 0x80000000), (0x1234567800000003, 0xFFFFFFFEFFFFFFFD), (0x40000000, 2), (0x10000, 0x10000),
             (u64(-3), 5), (0x80000000, 1), (0xFFFF, 0x10001)],
        64: [(INT64_MAX, 1), (u64(INT64_MIN), M64), (1, M64), (0, 0), (5, 3), (M64, M64),
             (u64(INT64_MIN), u64(INT64_MIN)), (0xFFFFFFFF, 1), (0x4000000000000000, 0x4000000000000000),
             (u64(INT64_MIN), 1), (u64(-3), 5)],
    }
    imms = {32: [1, -1, 0x7FFFFFFF, 0x80000000], 64: [1, -1, 0x123456789, INT64_MIN]}
    families = [("badd", "i", 32, "add"), ("badd", "p", 64, "add"), ("badd", "q", 64, "add"),
                ("bsub", "i", 32, "sub"), ("bmul", "i", 32, "mul"), ("bor", "i", 32, "or")]

    def tail(name, dest, frame=False):
        out = [
            "move 0, t4",
            "jmp .%s_join" % name,
            ".%s_yes:" % name,
            "move 1, t4",
            ".%s_join:" % name,
        ]
        if frame:
            out += ["loadq 8[sp], t0", "addp 16, sp"]
        elif dest != "t0":
            out.append("move %s, t0" % dest)
        out += ["btqz t2, .%s_ret" % name, "move t4, t0", ".%s_ret:" % name, "ret"]
        return out

    for pre, ws, w, op in families:
        for cond in ["o", "s", "z", "nz"]:
            m = "%s%s%s" % (pre, ws, cond)
            f.section(m)
            F = lambda x, y, c=cond, op=op: 1 if flag_cond(c, op, x, y, w) else 0
            R = lambda x, y, op=op: arith(op, x, y, w)

            def both(xy_list, res_fn, flag_fn):
                out = []
                for args in xy_list:
                    out.append(((args[0], args[1], 0), res_fn(*args)))
                    out.append(((args[0], args[1], 1), flag_fn(*args)))
                return out

            P = pairs[w]
            # 2-operand: d := d OP s ; d = t0 = arg0, s = t1 = arg1
            n = m + "_rr"
            f.func(n, ["%s t1, t0, .%s_yes" % (m, n)] + tail(n, "t0"), both(P, R, F))
            for k, iv in enumerate(imms[w]):
                n = "%s_ri%d" % (m, k)
                f.func(n, ["%s %s, t0, .%s_yes" % (m, imm(iv), n)] + tail(n, "t0"),
                       [((a, 0, 0), R(a, iv)) for a, _ in P] + [((a, 0, 1), F(a, iv)) for a, _ in P])
            # memory source; the frame is released on both paths
            n = m + "_mr"
            f.func(n, ["subp 16, sp", "storeq t1, 8[sp]", "%s 8[sp], t0, .%s_yes" % (m, n),
                       "move 0, t4", "jmp .%s_join" % n, ".%s_yes:" % n, "move 1, t4", ".%s_join:" % n,
                       "addp 16, sp", "btqz t2, .%s_ret" % n, "move t4, t0", ".%s_ret:" % n, "ret"],
                   both(P, R, F))
            n = m + "_rm"
            f.func(n, ["subp 16, sp", "storeq t0, 8[sp]", "%s t1, 8[sp], .%s_yes" % (m, n)] + tail(n, "t0", True),
                   both(P, lambda x, y: merge_mem(x, R(x, y), w), F))
            iv = imms[w][3]
            n = m + "_im"
            f.func(n, ["subp 16, sp", "storeq t0, 8[sp]", "%s %s, 8[sp], .%s_yes" % (m, imm(iv), n)]
                   + tail(n, "t0", True),
                   [((a, 0, 0), merge_mem(a, R(a, iv), w)) for a, _ in P] + [((a, 0, 1), F(a, iv)) for a, _ in P])
            # 3-operand: d := a OP b ; a = t0 = arg0, b = t1 = arg1
            for d in ["t3", "t0", "t1"]:
                n = "%s_3rr_%s" % (m, d)
                f.func(n, ["%s t0, t1, %s, .%s_yes" % (m, d, n)] + tail(n, d), both(P, R, F))
            iv = imms[w][2]
            n = m + "_3ri"
            f.func(n, ["%s t0, %s, t3, .%s_yes" % (m, imm(iv), n)] + tail(n, "t3"),
                   [((a, 0, 0), R(a, iv)) for a, _ in P] + [((a, 0, 1), F(a, iv)) for a, _ in P])
            n = m + "_3ir"
            f.func(n, ["%s %s, t0, t0, .%s_yes" % (m, imm(iv), n)] + tail(n, "t0"),
                   [((a, 0, 0), R(iv, a)) for a, _ in P] + [((a, 0, 1), F(iv, a)) for a, _ in P])

    # flag-setting arithmetic followed by bo/bs/bz/bnz
    for m, w, op in [("addis", 32, "add"), ("addps", 64, "add"), ("subis", 32, "sub"), ("oris", 32, "or")]:
        f.section(m)
        R = lambda x, y, op=op, w=w: arith(op, x, y, w)
        for bc, cond in [("bo", "o"), ("bs", "s"), ("bz", "z"), ("bnz", "nz")]:
            F = lambda x, y, c=cond, op=op, w=w: 1 if flag_cond(c, op, x, y, w) else 0

            def both(xy_list, res_fn, flag_fn):
                out = []
                for x, y in xy_list:
                    out.append(((x, y, 0), res_fn(x, y)))
                    out.append(((x, y, 1), flag_fn(x, y)))
                return out

            P = pairs[w]
            n = "%s_%s_rr" % (m, bc)
            f.func(n, ["%s t1, t0" % m, "%s .%s_yes" % (bc, n)] + tail(n, "t0"), both(P, R, F))
            n = "%s_%s_3rr" % (m, bc)
            f.func(n, ["%s t0, t1, t3" % m, "%s .%s_yes" % (bc, n)] + tail(n, "t3"), both(P, R, F))
            iv = imms[w][1]
            n = "%s_%s_ri" % (m, bc)
            f.func(n, ["%s %s, t0" % (m, imm(iv)), "%s .%s_yes" % (bc, n)] + tail(n, "t0"),
                   [((a, 0, 0), R(a, iv)) for a, _ in P] + [((a, 0, 1), F(a, iv)) for a, _ in P])
            n = "%s_%s_rm" % (m, bc)
            f.func(n, ["subp 16, sp", "storeq t0, 8[sp]", "%s t1, 8[sp]" % m, "%s .%s_yes" % (bc, n)]
                   + tail(n, "t0", True), both(P, lambda x, y: merge_mem(x, R(x, y), w), F))
    return f


# ---------------------------------------------------------------------------


def gen_division():
    f = CorpusFile(
        "x86_division.asm",
        "the x86 division group (INSTRUCTIONS.md §4.7)",
        "cdqi, cqoq, idivi, udivi, idivq, udivq use r0 (rax) and r1 (rdx; t2 on\n"
        "System V, t1 on Windows). x86 targets only. Division by zero and\n"
        "quotient overflow are undefined and not tested.",
    )
    G = X86_GUARD
    f.section("cdqi / cqoq")
    cd_vals = [0, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFFFFFF00000001, 0x12345678FFFF0000]
    f.func("cdqi_r1", ["move 0x123456789abcdef0, r1", "cdqi", "move r1, t0"],
           [((v,), 0xFFFFFFFF if v & 0x80000000 else 0) for v in cd_vals], tag="x86", guard=G)
    f.func("cdqi_r0", ["cdqi"], [((v,), v) for v in cd_vals], tag="x86", guard=G,
           comment="cdqi leaves r0 unchanged")
    cq_vals = [0, INT64_MAX, u64(INT64_MIN), M64, 0xFFFFFFFF]
    f.func("cqoq_r1", ["move 0x123456789abcdef0, r1", "cqoq", "move r1, t0"],
           [((v,), M64 if v >> 63 else 0) for v in cq_vals], tag="x86", guard=G)

    def sdiv_tests(w, cases, want):
        out = []
        for a, b in cases:
            q, r = trunc_div(sx(a, w), sx(b, w))
            out.append(((a, b), lo(q if want == "q" else r, w)))
        return out

    def udiv_tests(w, cases, want):
        out = []
        for a, b in cases:
            q, r = divmod(lo(a, w), lo(b, w))
            out.append(((a, b), lo(q if want == "q" else r, w)))
        return out

    i_cases = [(7, 2), (u64(-7), 2), (7, u64(-2)), (u64(-7), u64(-2)), (u64(INT32_MIN), 1), (0x7FFFFFFF, 0x7FFFFFFF),
               (0xFFFFFFFF00000064, 10), (100, 0xFFFFFFFF00000007), (0, 5), (u64(INT32_MIN), 3)]
    q_cases = [(7, 2), (u64(-7), 2), (7, u64(-2)), (u64(-7), u64(-2)), (u64(INT64_MIN), 1), (INT64_MAX, INT64_MAX),
               (0x123456789ABCDEF0, 0x10000), (u64(INT64_MIN), 3), (0, 5), (INT64_MAX, u64(-1))]
    ui_cases = [(7, 2), (0xFFFFFFFF, 2), (0x80000000, 3), (0xFFFFFFFF, 0xFFFFFFFF), (0xABCDEF0100000064, 10),
                (100, 0xFFFFFFFF00000007), (0, 5)]
    uq_cases = [(7, 2), (M64, 2), (u64(INT64_MIN), 3), (M64, M64), (0x123456789ABCDEF0, 0x10000), (0, 5),
                (M64, 0xFFFFFFFF)]
    f.section("idivi / udivi")
    for dreg in ["t3", "t4", "t5"]:
        for want in ["q", "r"]:
            ret = [] if want == "q" else ["move r1, t0"]
            f.func("idivi_%s_%s" % (dreg, want), ["move t1, %s" % dreg, "cdqi", "idivi %s" % dreg] + ret,
                   sdiv_tests(32, i_cases, want), tag="x86", guard=G)
            f.func("udivi_%s_%s" % (dreg, want), ["move t1, %s" % dreg, "move 0, r1", "udivi %s" % dreg] + ret,
                   udiv_tests(32, ui_cases, want), tag="x86", guard=G)
    # dividends with a non-trivial high word: (hi:lo) / d
    hl = [(0, 1, 2), (0x00000000, 0x00000001, 0x80000000), (0xFFFFFFFF, 0x7FFFFFFE, 0xFFFFFFFF),
          (0x12345678, 0x00000123, 0x00010000), (0xDEADBEEF12345678, 0xFFFFFFFF00000000, 7)]
    for want in ["q", "r"]:
        ret = [] if want == "q" else ["move r1, t0"]
        tests = []
        for lo_, hi_, d in hl:
            n = (lo(hi_, 32) << 32) | lo(lo_, 32)
            q, r = divmod(n, lo(d, 32))
            tests.append(((lo_, hi_, d), lo(q if want == "q" else r, 32)))
        f.func("udivi_hi_%s" % want, ["move t1, t4", "move t2, t3", "move t4, r1", "udivi t3"] + ret,
               tests, tag="x86", guard=G)
        tests = []
        for lo_, hi_, d in [(0xFFFFFFF9, 0xFFFFFFFF, 2), (0, 0xFFFFFFFF, 0x10000), (5, 0, 0xFFFFFFFF)]:
            n = sx((lo(hi_, 32) << 32) | lo(lo_, 32), 64)
            q, r = trunc_div(n, sx(d, 32))
            tests.append(((lo_, hi_, d), lo(q if want == "q" else r, 32)))
        f.func("idivi_hi_%s" % want, ["move t1, t4", "move t2, t3", "move t4, r1", "idivi t3"] + ret,
               tests, tag="x86", guard=G)
    f.section("idivq / udivq")
    for dreg in ["t3", "t4", "t5"]:
        for want in ["q", "r"]:
            ret = [] if want == "q" else ["move r1, t0"]
            f.func("idivq_%s_%s" % (dreg, want), ["move t1, %s" % dreg, "cqoq", "idivq %s" % dreg] + ret,
                   sdiv_tests(64, q_cases, want), tag="x86", guard=G)
            f.func("udivq_%s_%s" % (dreg, want), ["move t1, %s" % dreg, "move 0, r1", "udivq %s" % dreg] + ret,
                   udiv_tests(64, uq_cases, want), tag="x86", guard=G)
    for want in ["q", "r"]:
        ret = [] if want == "q" else ["move r1, t0"]
        tests = []
        for lo_, hi_, d in [(0, 1, 2), (M64, 0x7FFFFFFF, 0x80000000), (0x123, 0xFFFF, 0x10000)]:
            n = (hi_ << 64) | lo_
            q, r = divmod(n, d)
            tests.append(((lo_, hi_, d), lo(q if want == "q" else r, 64)))
        f.func("udivq_hi_%s" % want, ["move t1, t4", "move t2, t3", "move t4, r1", "udivq t3"] + ret,
               tests, tag="x86", guard=G)
        tests = []
        for lo_, hi_, d in [(u64(-9), M64, 2), (0, M64, 0x100000000), (5, 0, M64)]:
            n = sx((hi_ << 64) | lo_, 128)
            q, r = trunc_div(n, sx(d, 64))
            tests.append(((lo_, hi_, d), lo(q if want == "q" else r, 64)))
        f.func("idivq_hi_%s" % want, ["move t1, t4", "move t2, t3", "move t4, r1", "idivq t3"] + ret,
               tests, tag="x86", guard=G)
    return f



if __name__ == "__main__":
    main([gen_int_arith(), gen_shifts(), gen_bitcount(), gen_arith_branch(), gen_division()])
