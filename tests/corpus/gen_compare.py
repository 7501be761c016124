#!/usr/bin/env python3
"""Generates the integer compare/test corpus files:

  compare_set.asm     c{b,i,p,q}{eq,neq,a,aeq,b,beq,gt,gteq,lt,lteq}  (INSTRUCTIONS.md §5)
  compare_branch.asm  b{b,i,p,q}{…same conditions…}                   (§7)
  test_set.asm        t{b,i,p,q}{s,z,nz}                               (§6)
  test_branch.asm     bt{b,i,p,q}{s,z,nz}                              (§8)

Every mnemonic is exercised with register/register, register/immediate,
immediate/register (immediate FIRST: the back end must swap and mirror),
memory/register, register/memory, memory/immediate and immediate/memory
operands, destinations equal to a source or not, and edge values (0, -1,
INT_MIN/MAX of the width, values whose bits above the width are garbage).

Usage: python3 gen_compare.py [--check]
"""

from corpuslib import *

WIDTHS = [("b", 8), ("i", 32), ("p", 64), ("q", 64)]
CONDS = ["eq", "neq", "a", "aeq", "b", "beq", "gt", "gteq", "lt", "lteq"]
TCONDS = ["s", "z", "nz"]

VALS = {
    8: [0, 1, 0x7F, 0x80, 0xFF, 0xFE, 0xFFFFFFFFFFFFFF00, 0x123456789ABCDE81],
    32: [0, 1, M64, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFE, 0xFFFFFFFF00000000, 0x0000000180000001],
    64: [0, 1, M64, u64(-2), INT64_MAX, u64(INT64_MIN), 0xFFFFFFFF, 0x100000000],
}
# Immediates for the compare families: in range for the width (§1.6); for 64
# bits they include values that do not fit a sign-extended 32-bit field.
IMMS = {
    8: [-1, 0x80, 5],
    32: [-1, 0x80000000, 7],
    64: [-1, 0x80000000, INT64_MIN, 0x123456789],
}
# Masks for the test families.
TMASKS = {
    8: [0x80, 1, -1],
    32: [0x80000000, 1, -1],
    64: [INT64_MIN, 0xFFFFFFFF, 1, -1, 0x100000000],
}
GARBAGE = 0xDEADBEEFCAFEF00D  # pre-loaded into destinations that are not sources


def cond_holds(cond, l, r, w):
    if cond in ("a", "aeq", "b", "beq"):
        a, b = lo(l, w), lo(r, w)
    else:
        a, b = sx(l, w), sx(r, w)
    return {
        "eq": a == b, "neq": a != b,
        "a": a > b, "aeq": a >= b, "b": a < b, "beq": a <= b,
        "gt": a > b, "gteq": a >= b, "lt": a < b, "lteq": a <= b,
    }[cond]


def test_holds(cond, v, w):
    t = lo(v, w)
    return {"s": bool(t >> (w - 1)), "z": t == 0, "nz": t != 0}[cond]


def sample_pairs(w):
    """A few pairs covering equal / less / greater in both signednesses."""
    v = VALS[w]
    idx = [(0, 0), (0, 1), (1, 0), (2, 3), (3, 2), (4, 5), (5, 4), (6, 7), (7, 6), (2, 2)]
    return [(v[i], v[j]) for i, j in idx]


def result_tests(vals_or_pairs, f):
    out = []
    for p in vals_or_pairs:
        args = p if isinstance(p, tuple) else (p,)
        out.append((args, f(*args)))
    return out


# ---------------------------------------------------------------------------


def branch_tail(name, branch):
    """Code for `branch …, .<name>_yes` returning 1 if taken, else 0."""
    return [
        "%s, .%s_yes" % (branch, name),
        "move 0, t0",
        "ret",
        ".%s_yes:" % name,
        "move 1, t0",
        "ret",
    ]


def branch_tail_frame(name, branch):
    """As branch_tail, with a 16-byte stack frame to release on both paths."""
    return [
        "%s, .%s_yes" % (branch, name),
        "move 0, t0",
        "jmp .%s_out" % name,
        ".%s_yes:" % name,
        "move 1, t0",
        ".%s_out:" % name,
        "addp 16, sp",
        "ret",
    ]


def gen_compares(set_mode):
    if set_mode:
        f = CorpusFile(
            "compare_set.asm",
            "integer compare-and-set (INSTRUCTIONS.md §5)",
            "cXcc l, r, d: R(d) := (val_W(l) CC val_W(r)) ? 1 : 0, for every width and\n"
            "condition, with every operand kind (immediate first included) and\n"
            "destinations aliasing a source or not.",
        )
    else:
        f = CorpusFile(
            "compare_branch.asm",
            "integer compare-and-branch (INSTRUCTIONS.md §7)",
            "bXcc l, r, L for every width and condition; each function returns 1 if\n"
            "the branch was taken and 0 if not.",
        )
    for ws, w in WIDTHS:
        vals = VALS[w]
        for cond in CONDS:
            m = ("c" if set_mode else "b") + ws + cond
            f.section(m)
            ck = lambda l, r, c=cond: 1 if cond_holds(c, l, r, w) else 0

            def add(suffix, code_set, branch_ops, tests, frame=False):
                name = "%s_%s" % (m, suffix)
                if set_mode:
                    body = code_set
                else:
                    pre, ops = branch_ops
                    tail = branch_tail_frame if frame else branch_tail
                    body = pre + tail(name, "%s %s" % (m, ops))
                f.func(name, body, tests)

            pairs = [(a, b) for a in vals for b in vals]
            add("rr", ["%s t0, t1, t0" % m], ([], "t0, t1"), result_tests(pairs, ck))
            add("rr_rev", ["%s t1, t0, t2" % m, "move t2, t0"], ([], "t1, t0"),
                [((a, b, GARBAGE), ck(b, a)) for a, b in sample_pairs(w)])
            add("rr_same", ["%s t0, t0, t0" % m], ([], "t0, t0"),
                [((a,), ck(a, a)) for a in vals[:4]])
            if set_mode:
                f.func("%s_rr_d1" % m, ["%s t0, t1, t1" % m, "move t1, t0"],
                       result_tests(sample_pairs(w), ck))
            # t4/t5 operands (r8/r10 on System V, r10/rcx on Windows)
            add("rr45", ["move t0, t5", "move t1, t4", "move t2, t1", "%s t5, t4, t1" % m, "move t1, t0"],
                (["move t0, t5", "move t1, t4"], "t5, t4"),
                [((a, b, GARBAGE), ck(a, b)) for a, b in sample_pairs(w)])
            for k, iv in enumerate(IMMS[w]):
                add("ri%d" % k, ["%s t0, %s, t0" % (m, imm(iv))], ([], "t0, %s" % imm(iv)),
                    [((a,), ck(a, iv)) for a in vals])
                add("ir%d" % k, ["%s %s, t0, t0" % (m, imm(iv))], ([], "%s, t0" % imm(iv)),
                    [((a,), ck(iv, a)) for a in vals])
            frame_mr = ["subp 16, sp", "storeq t0, 8[sp]"]
            frame_rm = ["subp 16, sp", "storeq t1, 8[sp]"]
            add("mr", frame_mr + ["%s 8[sp], t1, t0" % m, "addp 16, sp"], (frame_mr, "8[sp], t1"),
                result_tests(sample_pairs(w), ck), frame=True)
            add("rm", frame_rm + ["%s t0, 8[sp], t0" % m, "addp 16, sp"], (frame_rm, "t0, 8[sp]"),
                result_tests(sample_pairs(w), ck), frame=True)
            iv = IMMS[w][1]
            add("mi", frame_mr + ["%s 8[sp], %s, t0" % (m, imm(iv)), "addp 16, sp"],
                (frame_mr, "8[sp], %s" % imm(iv)), [((a,), ck(a, iv)) for a in vals], frame=True)
            add("im", frame_mr + ["%s %s, 8[sp], t0" % (m, imm(iv)), "addp 16, sp"],
                (frame_mr, "%s, 8[sp]" % imm(iv)), [((a,), ck(iv, a)) for a in vals], frame=True)
            if not set_mode:
                # A backward branch.
                name = "%s_back" % m
                f.func(name, [
                    "jmp .%s_test" % name,
                    ".%s_yes:" % name,
                    "move 1, t0",
                    "ret",
                    ".%s_test:" % name,
                    "%s t0, t1, .%s_yes" % (m, name),
                    "move 0, t0",
                    "ret",
                ], result_tests(sample_pairs(w), ck))
    return f


def gen_tests(set_mode):
    if set_mode:
        f = CorpusFile(
            "test_set.asm",
            "integer test-and-set (INSTRUCTIONS.md §6)",
            "tXc v, d and tXc v, m, d: R(d) := C(val_W(v) [& val_W(m)]) ? 1 : 0 with\n"
            "C = s (sign bit of the width), z (zero), nz (non-zero).",
        )
    else:
        f = CorpusFile(
            "test_branch.asm",
            "integer test-and-branch (INSTRUCTIONS.md §8)",
            "btXc v, L and btXc v, m, L; each function returns 1 if the branch was\n"
            "taken and 0 if not.",
        )
    for ws, w in WIDTHS:
        vals = VALS[w]
        for cond in TCONDS:
            m = ("t" if set_mode else "bt") + ws + cond
            f.section(m)
            c1 = lambda v, c=cond: 1 if test_holds(c, v, w) else 0
            c2 = lambda v, mk, c=cond: 1 if test_holds(c, v & u64(mk), w) else 0

            def add(suffix, code_set, branch_ops, tests, frame=False):
                name = "%s_%s" % (m, suffix)
                if set_mode:
                    body = code_set
                else:
                    pre, ops = branch_ops
                    tail = branch_tail_frame if frame else branch_tail
                    body = pre + tail(name, "%s %s" % (m, ops))
                f.func(name, body, tests)

            add("r", ["%s t0, t0" % m], ([], "t0"), [((v,), c1(v)) for v in vals])
            if set_mode:
                f.func("%s_r_d" % m, ["%s t0, t1" % m, "move t1, t0"],
                       [((v, GARBAGE), c1(v)) for v in vals])
            pairs = [(a, b) for a in vals for b in vals]
            add("rr", ["%s t0, t1, t0" % m], ([], "t0, t1"), [((a, b), c2(a, b)) for a, b in pairs])
            add("rr_same", ["%s t0, t0, t0" % m], ([], "t0, t0"), [((v,), c2(v, v)) for v in vals])
            add("rr45", ["move t0, t5", "move t1, t4", "%s t5, t4, t2" % m, "move t2, t0"],
                (["move t0, t5", "move t1, t4"], "t5, t4"),
                [((a, b, GARBAGE), c2(a, b)) for a, b in sample_pairs(w)])
            for k, mk in enumerate(TMASKS[w]):
                add("ri%d" % k, ["%s t0, %s, t0" % (m, imm(mk))], ([], "t0, %s" % imm(mk)),
                    [((v,), c2(v, mk)) for v in vals])
            frame = ["subp 16, sp", "storeq t0, 8[sp]"]
            add("m", frame + ["%s 8[sp], t0" % m, "addp 16, sp"], (frame, "8[sp]"),
                [((v,), c1(v)) for v in vals], frame=True)
            add("mr", frame + ["%s 8[sp], t1, t0" % m, "addp 16, sp"], (frame, "8[sp], t1"),
                [((a, b), c2(a, b)) for a, b in sample_pairs(w)], frame=True)
            mk = TMASKS[w][0]
            add("mi", frame + ["%s 8[sp], %s, t0" % (m, imm(mk)), "addp 16, sp"],
                (frame, "8[sp], %s" % imm(mk)), [((v,), c2(v, mk)) for v in vals], frame=True)
    return f


if __name__ == "__main__":
    main([gen_compares(True), gen_compares(False), gen_tests(True), gen_tests(False)])
