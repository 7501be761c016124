#!/usr/bin/env python3
"""Generates:

  moves.asm             move (immediates of every size, registers, memory), the
                        sign/zero extensions, nop (INSTRUCTIONS.md §2, §14)
  large_immediates.asm  immediates that do not fit a (sign-extended) 32-bit field
                        in every position that takes an immediate: arithmetic
                        (two and three operands, immediate first), memory
                        destinations, stores, poke, compares and tests on either
                        side, arithmetic-with-branch (§1.6)

Usage: python3 gen_misc.py [--check]
"""

from corpuslib import *

GARBAGE = 0xDEADBEEFCAFEF00D
BIG = [0x123456789ABCDEF0, 0x80000000, 0xFFFFFFFF, INT64_MIN, -0x80000001, 0x100000000, INT64_MAX, -0x123456789]


def name_of(v):
    return ("m%x" % -v) if v < 0 else ("%x" % v)


def gen_moves():
    f = CorpusFile(
        "moves.asm",
        "register moves and extensions (INSTRUCTIONS.md §2)",
        "move of immediates of every size (64-bit copy; 0x80000000 is NOT\n"
        "sign-extended), register to register, memory (compatibility form);\n"
        "sxi2q, zxi2q, sxb2i, sxh2i, sxb2q, sxh2q with the source and destination\n"
        "equal or not; nop.",
    )
    f.section("move immediate")
    for v in [0, 1, -1, 42, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x100000000, 0x123456789ABCDEF0, INT64_MIN,
              -0x80000000, -0x80000001, INT64_MAX, 0xFFFFFFFF00000000]:
        f.func("move_imm_%s" % name_of(v), ["move %s, t0" % imm(v)], [((GARBAGE,), u64(v))])
        f.func("move_imm_%s_t5" % name_of(v), ["move %s, t5" % imm(v), "move t5, t0"], [((GARBAGE,), u64(v))])
    f.section("move register")
    f.func("move_t1_t0", ["move t1, t0"], [((GARBAGE, v), v) for v in [0, M64, 0x123456789ABCDEF0]])
    f.func("move_self", ["move t0, t0"], [((v,), v) for v in [0, M64, 0x123456789ABCDEF0]])
    f.func("move_chain", ["move t0, t5", "move t5, t4", "move t4, t3", "move t3, t2", "move t2, t1", "move t1, t0"],
           [((v,), v) for v in [0, M64, 0x123456789ABCDEF0]])
    f.func("move_a1_a2_a3", ["move a1, t0", "addq a2, t0", "addq a3, t0"], [((0, 1, 20, 300), 321)],
           comment="a1..a3 are t1..t3 on every target")
    f.section("move from memory (compatibility form of loadq; warning move-from-memory)")
    f.func("move_mem", ["subp 16, sp", "storeq t1, 8[sp]", "move 8[sp], t0", "addp 16, sp"],
           [((GARBAGE, v), v) for v in [0, M64, 0x123456789ABCDEF0]])

    exts = [
        ("sxi2q", lambda v: u64(sx(v, 32))),
        ("zxi2q", lambda v: lo(v, 32)),
        ("sxb2i", lambda v: lo(sx(v, 8), 32)),
        ("sxh2i", lambda v: lo(sx(v, 16), 32)),
        ("sxb2q", lambda v: u64(sx(v, 8))),
        ("sxh2q", lambda v: u64(sx(v, 16))),
    ]
    vals = [0, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, M64,
            0x123456789ABCDEF0, 0xFEDCBA9876543281, 0x100]
    for m, fn in exts:
        f.section(m)
        f.func(m + "_same", ["%s t0, t0" % m], [((v,), fn(v)) for v in vals])
        f.func(m + "_other", ["%s t1, t0" % m], [((GARBAGE, v), fn(v)) for v in vals])
        f.func(m + "_t3t5", ["move t0, t3", "%s t3, t5" % m, "move t5, t0"], [((v,), fn(v)) for v in vals])
        f.func(m + "_t5t3", ["move t0, t5", "%s t5, t3" % m, "move t3, t0"], [((v,), fn(v)) for v in vals])
    f.section("nop")
    f.func("nop_0", ["nop", "nop"], [((v,), v) for v in [0, M64, 0x123456789ABCDEF0]])
    return f


def arith(op, a, b, w=64):
    a, b = lo(a, w), lo(b, w)
    return lo({"add": a + b, "sub": a - b, "mul": a * b, "and": a & b, "or": a | b, "xor": a ^ b}[op], w)


def cmp(cond, l, r):
    if cond in ("a", "aeq", "b", "beq"):
        a, b = u64(l), u64(r)
    else:
        a, b = sx(l, 64), sx(r, 64)
    return int({"eq": a == b, "neq": a != b, "a": a > b, "aeq": a >= b, "b": a < b, "beq": a <= b,
                "gt": a > b, "gteq": a >= b, "lt": a < b, "lteq": a <= b}[cond])


def gen_large_immediates():
    f = CorpusFile(
        "large_immediates.asm",
        "immediates that do not fit 32 bits (INSTRUCTIONS.md §1.6, TARGETS.md §5.5)",
        "Back ends materialise such immediates in their scratch register; this file\n"
        "puts them in every position: both arithmetic forms (immediate first too),\n"
        "memory destinations (with index registers), stores, poke, compares and\n"
        "tests with the immediate on either side and memory on the other, and\n"
        "arithmetic-with-branch. 0x80000000 and 0xffffffff are the classic traps\n"
        "(not representable as sign-extended 32-bit fields).",
    )
    vals = [0, 1, M64, 0x123456789ABCDEF0, 0xFFFFFFFF, 0x80000000, u64(INT64_MIN)]
    for op in ["add", "sub", "mul", "and", "or", "xor"]:
        for ws in ["q", "p"]:
            m = op + ws
            f.section(m)
            for v in BIG:
                n = "%s_%s" % (m, name_of(v))
                f.func(n + "_2", ["%s %s, t0" % (m, imm(v))], [((a,), arith(op, a, v)) for a in vals])
                if ws == "p":
                    continue
                f.func(n + "_3ir", ["%s %s, t0, t1" % (m, imm(v)), "move t1, t0"], [((a,), arith(op, v, a)) for a in vals])
                f.func(n + "_3ri_d", ["%s t0, %s, t0" % (m, imm(v))], [((a,), arith(op, a, v)) for a in vals])
                f.func(n + "_3ir_d", ["%s %s, t0, t0" % (m, imm(v))], [((a,), arith(op, v, a)) for a in vals])
                f.func(n + "_mem_idx", ["subp 32, sp", "move 1, t3", "storeq t0, 8[sp, t3, 8]",
                                        "%s %s, 8[sp, t3, 8]" % (m, imm(v)), "loadq 16[sp], t0", "addp 32, sp"],
                       [((a,), arith(op, a, v)) for a in vals])
    f.section("32-bit immediates written as unsigned")
    for m, op in [("addi", "add"), ("andi", "and"), ("ori", "or"), ("xori", "xor"), ("subi", "sub"), ("muli", "mul")]:
        for v in [0xFFFFFFFF, 0x80000000, -0x80000000]:
            f.func("%s_%s" % (m, name_of(v)), ["%s %s, t0" % (m, imm(v))],
                   [((a,), arith(op, a, v, 32)) for a in vals])
    f.section("stores and poke")
    for v in BIG:
        f.func("storeq_%s_idx" % name_of(v), ["subp 32, sp", "storeq %s, [sp, t1, 8]" % imm(v), "loadq [sp, t1, 8], t0",
                                              "addp 32, sp"], [((GARBAGE, k), u64(v)) for k in [0, 3]])
        f.func("storep_%s" % name_of(v), ["subp 16, sp", "storep %s, 8[sp]" % imm(v), "loadp 8[sp], t0", "addp 16, sp"],
               [((GARBAGE,), u64(v))])
        f.func("poke_%s" % name_of(v), ["subp 16, sp", "poke %s, 1" % imm(v), "loadq 8[sp], t0", "addp 16, sp"],
               [((GARBAGE,), u64(v))])
    f.section("compares and tests")
    cvals = [0, M64, 0x123456789ABCDEF0, 0x123456789ABCDEF1, 0x80000000, 0xFFFFFFFF, u64(INT64_MIN), INT64_MAX]
    for cond in ["eq", "neq", "a", "b", "gt", "lteq"]:
        for k, v in enumerate([0x123456789ABCDEF0, 0x80000000, 0xFFFFFFFF, INT64_MIN]):
            m = "cq" + cond
            f.func("%s_ri%d" % (m, k), ["%s t0, %s, t0" % (m, imm(v))], [((a,), cmp(cond, a, v)) for a in cvals])
            f.func("%s_ir%d" % (m, k), ["%s %s, t0, t0" % (m, imm(v))], [((a,), cmp(cond, v, a)) for a in cvals])
            f.func("%s_mi%d" % (m, k), ["subp 16, sp", "storeq t0, 8[sp]", "%s 8[sp], %s, t0" % (m, imm(v)),
                                        "addp 16, sp"], [((a,), cmp(cond, a, v)) for a in cvals])
            f.func("%s_im%d" % (m, k), ["subp 16, sp", "storeq t0, 8[sp]", "%s %s, 8[sp], t0" % (m, imm(v)),
                                        "addp 16, sp"], [((a,), cmp(cond, v, a)) for a in cvals])
            m = "bq" + cond
            for form, ops, fn in [("ri", "t0, %s" % imm(v), lambda a: cmp(cond, a, v)),
                                  ("ir", "%s, t0" % imm(v), lambda a: cmp(cond, v, a))]:
                n = "%s_%s%d" % (m, form, k)
                f.func(n, ["%s %s, .%s_yes" % (m, ops, n), "move 0, t0", "ret", ".%s_yes:" % n, "move 1, t0", "ret"],
                       [((a,), fn(a)) for a in cvals])
            n = "%s_mi%d" % (m, k)
            f.func(n, ["subp 16, sp", "storeq t0, 8[sp]", "move 1, t0", "%s 8[sp], %s, .%s_yes" % (m, imm(v), n),
                       "move 0, t0", ".%s_yes:" % n, "addp 16, sp"], [((a,), cmp(cond, a, v)) for a in cvals])
    for k, mk in enumerate([0x100000000, 0xFFFFFFFF, 0x8000000000000000, 0x0000FFFF00000000]):
        for c in ["s", "z", "nz"]:
            t = lambda a, c=c, mk=mk: int({"s": bool((a & mk) >> 63), "z": (a & mk) == 0, "nz": (a & mk) != 0}[c])
            m = "tq" + c
            f.func("%s_mask%d" % (m, k), ["%s t0, %s, t0" % (m, imm(mk))], [((a,), t(a)) for a in cvals])
            f.func("%s_mem_mask%d" % (m, k), ["subp 16, sp", "storeq t0, 8[sp]", "%s 8[sp], %s, t0" % (m, imm(mk)),
                                              "addp 16, sp"], [((a,), t(a)) for a in cvals])
            m = "btq" + c
            n = "%s_mask%d" % (m, k)
            f.func(n, ["%s t0, %s, .%s_yes" % (m, imm(mk), n), "move 0, t0", "ret", ".%s_yes:" % n, "move 1, t0",
                       "ret"], [((a,), t(a)) for a in cvals])
    f.section("arithmetic with branch")
    for m, cond in [("baddqo", "o"), ("baddqz", "z"), ("baddps", "s"), ("baddqnz", "nz")]:
        for v in [0x123456789ABCDEF0, INT64_MIN, 0xFFFFFFFF, -0x80000001]:
            n = "%s_%s" % (m, name_of(v))

            def fl(a, v=v, cond=cond):
                r = u64(a + v)
                ex = sx(a, 64) + sx(u64(v), 64)
                return int({"o": not (INT64_MIN <= ex <= INT64_MAX), "z": r == 0, "s": bool(r >> 63),
                            "nz": r != 0}[cond])

            f.func(n, ["move 0, t4", "%s %s, t0, .%s_yes" % (m, imm(v), n), "jmp .%s_out" % n, ".%s_yes:" % n,
                       "move 1, t4", ".%s_out:" % n, "btqz t1, .%s_ret" % n, "move t4, t0", ".%s_ret:" % n],
                   [((a, sel), (u64(a + v) if sel == 0 else fl(a))) for a in
                    [0, 1, M64, u64(INT64_MIN), INT64_MAX, u64(-0x123456789ABCDEF0), 0x80000001] for sel in [0, 1]],
                   comment="second argument: 0 returns the sum, 1 whether the branch was taken")
    return f


if __name__ == "__main__":
    main([gen_moves(), gen_large_immediates()])
