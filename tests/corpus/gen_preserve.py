#!/usr/bin/env python3
"""Generates preserve.asm: an instruction modifies only the operands it names
as written, plus its documented implicit effects (TARGETS.md §2.2).

Each function gives t0..t5 and ft0..ft4 distinct values (t0, t1 from the
arguments, the others from constants), places the operands, executes ONE
instruction under test, and returns a hash of every register:

    t0 + 3·t1 + 5·t2 + 7·t3 + 11·t4 + 13·t5
       + 17·ft0 + 19·ft1 + 23·ft2 + 29·ft3 + 31·ft4          (mod 2^64)

(FP registers as 64-bit patterns, or as zero-extended 32-bit patterns after
a binary32 write, whose upper bits are unspecified). A back end that uses a
fixed register (rcx for shift counts, rax/rdx, …) or a scratch register
carelessly changes the hash even when the named result is right. Registers
whose value is unspecified afterwards (the scratch operand of cq2d/cq2f, the
destination of a conversion that is out of range) are left out of the hash.

Usage: python3 gen_preserve.py [--check]
"""

import math

from corpuslib import *

GPRS = ["t0", "t1", "t2", "t3", "t4", "t5"]
FPRS = ["ft0", "ft1", "ft2", "ft3", "ft4"]
GMUL = {"t0": 1, "t1": 3, "t2": 5, "t3": 7, "t4": 11, "t5": 13}
FMUL = {"ft0": 17, "ft1": 19, "ft2": 23, "ft3": 29, "ft4": 31}
K = {"t2": 0x2222222222222202, "t3": 0x3333333333333303, "t4": 0x4444444444444404, "t5": 0x5555555555555505}
FK = {"ft0": d2b(1.5), "ft1": d2b(-2.25), "ft2": d2b(3.0), "ft3": d2b(0.1), "ft4": d2b(1e10)}


class State:
    def __init__(self, a0, a1):
        self.r = {"t0": u64(a0), "t1": u64(a1)}
        self.r.update(K)
        self.f = dict(FK)
        self.f32 = set()  # FP registers last written as binary32

    def setf32(self, reg, bits):
        self.f[reg] = (self.f[reg] & ~M32 & M64) | lo(bits, 32)
        self.f32.add(reg)

    def setf64(self, reg, bits):
        self.f[reg] = u64(bits)
        self.f32.discard(reg)


def hash_state(st, skip):
    h = 0
    for g in GPRS:
        if g not in skip:
            h += GMUL[g] * st.r[g]
    for f in FPRS:
        if f not in skip:
            v = lo(st.f[f], 32) if f in st.f32 else st.f[f]
            h += FMUL[f] * v
    return u64(h)


def hash_code(st_f32, skip):
    """Dialect code folding every register into t0 (see the docstring)."""
    out = []
    for g in GPRS[1:]:
        if g in skip:
            continue
        out += ["mulq %d, %s" % (GMUL[g], g), "addq %s, t0" % g]
    if "t0" in skip:
        raise ValueError("t0 carries the hash")
    tmp = next(g for g in GPRS[1:])
    for f in FPRS:
        if f in skip:
            continue
        out.append(("ff2i %s, %s" if f in st_f32 else "fd2q %s, %s") % (f, tmp))
        out += ["mulq %d, %s" % (FMUL[f], tmp), "addq %s, t0" % tmp]
    return out


def prologue():
    lines = []
    for g in ["t2", "t3", "t4", "t5"]:
        lines.append("move %s, %s" % (imm(K[g]), g))
    for f in FPRS:
        lines += ["move %s, t2" % imm(FK[f]), "fq2d t2, %s" % f]
    lines.append("move %s, t2" % imm(K["t2"]))
    return lines


def simulate_moves(st, lines):
    """Interprets the operand-placement moves (`move rX, rY`, `move imm, rY`)."""
    for l in lines:
        op, rest = l.split(None, 1)
        a, b = [x.strip() for x in rest.split(",")]
        assert op == "move"
        st.r[b] = st.r[a] if a in st.r else u64(int(a, 0))


class Gen:
    def __init__(self):
        self.f = CorpusFile(
            "preserve.asm",
            "instructions change only what they write (TARGETS.md §2.2)",
            "Each function gives t0..t5 and ft0..ft4 distinct values, executes ONE\n"
            "instruction under test and returns a hash of every register:\n"
            "  t0 + 3*t1 + 5*t2 + 7*t3 + 11*t4 + 13*t5\n"
            "     + 17*ft0 + 19*ft1 + 23*ft2 + 29*ft3 + 31*ft4   (mod 2^64)\n"
            "so a back end that clobbers a register other than the instruction's\n"
            "destination (a fixed register such as rcx, rax, rdx, or a scratch used\n"
            "carelessly) is caught even when the result itself is right. Registers\n"
            "whose value is unspecified afterwards are left out of the hash.",
        )

        # The common prologue and the common hash (no register skipped, no
        # binary32 result) are macros; other hashes are written out.
        self.f.parts.append(
            "macro keepSeed()\n" + "".join("    %s\n" % l for l in prologue()) + "end\n\n"
            "macro keepHash()\n" + "".join("    %s\n" % l for l in hash_code(set(), ())) + "end\n\n"
        )

    def add(self, name, place, instr, effect, tests, skip=(), tag=None, guard=None, fp32_out=()):
        """place: operand-placement moves; instr: lines under test (may be
        several for a frame); effect(state): applies the instruction."""
        body = ["keepSeed()"] + place + instr
        f32 = set()
        expected = []
        for a0, a1 in tests:
            st = State(a0, a1)
            simulate_moves(st, place)
            effect(st)
            f32 = st.f32 | set(fp32_out)
            expected.append(((a0, a1), hash_state(st, skip)))
        body += ["keepHash()"] if not f32 and not skip else hash_code(f32, skip)
        self.f.func(name, body, expected, tag=tag, guard=guard)


def shift_fn(op, w):
    def S(v, n):
        n = lo(n, w) % w
        v = lo(v, w)
        r = {"lshift": v << n, "rshift": sx(v, w) >> n, "urshift": v >> n,
             "lrotate": (v << n) | (v >> (w - n)), "rrotate": (v >> n) | (v << (w - n))}[op]
        return lo(r, w)
    return S


def main_gen():
    g = Gen()
    f = g.f
    vals = [(0x8000000000000001, 1), (0xFEDCBA9876543210, 71), (0x0123456789ABCDEF, 33)]

    # ---- shifts and rotates: every placement of count and destination ----
    for op, widths in [("lshift", "iq"), ("rshift", "iq"), ("urshift", "iq"), ("lrotate", "iq"), ("rrotate", "iq")]:
        for ws in widths:
            w = 32 if ws == "i" else 64
            m = op + ws
            S = shift_fn(op, w)
            f.section(m)
            regs = ["t0", "t1", "t3", "t5"]
            for c in regs:
                for d in regs:
                    place = ["move t0, t2", "move t1, %s" % c, "move t2, %s" % d, "move %s, t2" % imm(K["t2"])]

                    def eff(st, c=c, d=d):
                        st.r[d] = S(st.r[d], st.r[c])

                    g.add("keep_%s_c%s_d%s" % (m, c, d), place, ["%s %s, %s" % (m, c, d)], eff, vals)
            if op in ("lrotate", "rrotate"):
                continue
            for v in regs:
                for c in regs:
                    for d in regs:
                        place = ["move t0, t2", "move t1, %s" % c, "move t2, %s" % v, "move %s, t2" % imm(K["t2"])]

                        def eff(st, v=v, c=c, d=d):
                            st.r[d] = S(st.r[v], st.r[c])

                        g.add("keep_%s_v%s_c%s_d%s" % (m, v, c, d), place, ["%s %s, %s, %s" % (m, v, c, d)], eff, vals)
            for d in ["t0", "t3", "t5"]:
                def eff(st, d=d):
                    st.r[d] = S(st.r["t1"], 5)
                g.add("keep_%s_imm_d%s" % (m, d), [], ["%s t1, 5, %s" % (m, d)], eff, vals)

    # ---- integer operations that use the scratch register or fixed registers ----
    f.section("integer")
    int_cases = [
        ("addq_big", "addq 0x123456789abcdef0, t3", lambda st: st.r.__setitem__("t3", u64(st.r["t3"] + 0x123456789ABCDEF0))),
        ("subq_3_db", "subq t0, t4, t4", lambda st: st.r.__setitem__("t4", u64(st.r["t0"] - st.r["t4"]))),
        ("subq_3_imm_first", "subq 0x123456789, t1, t1", lambda st: st.r.__setitem__("t1", u64(0x123456789 - st.r["t1"]))),
        ("mulq_big", "mulq 0x123456789, t5", lambda st: st.r.__setitem__("t5", u64(st.r["t5"] * 0x123456789))),
        ("andq_3_big", "andq 0xffffffff0000, t0, t3", lambda st: st.r.__setitem__("t3", st.r["t0"] & 0xFFFFFFFF0000)),
        ("orh_reg", "orh t1, t5", lambda st: st.r.__setitem__("t5", lo(lo(st.r["t5"], 16) | lo(st.r["t1"], 16), 16))),
        ("lzcnti", "lzcnti t1, t3", lambda st: st.r.__setitem__("t3", 32 - lo(st.r["t1"], 32).bit_length())),
        ("tzcntq", "tzcntq t0, t4", lambda st: st.r.__setitem__("t4", 64 if st.r["t0"] == 0 else (st.r["t0"] & -st.r["t0"]).bit_length() - 1)),
        ("sxb2q", "sxb2q t0, t5", lambda st: st.r.__setitem__("t5", u64(sx(st.r["t0"], 8)))),
        ("zxi2q", "zxi2q t1, t1", lambda st: st.r.__setitem__("t1", lo(st.r["t1"], 32))),
        ("leai", "leai 7[t0, t1, 8], t3", lambda st: st.r.__setitem__("t3", lo(st.r["t0"] + 8 * st.r["t1"] + 7, 32))),
        ("cqlt_big", "cqlt t0, 0x123456789, t5", lambda st: st.r.__setitem__("t5", int(sx(st.r["t0"], 64) < 0x123456789))),
        ("cbgt_imm_first", "cbgt 5, t1, t3", lambda st: st.r.__setitem__("t3", int(5 > sx(st.r["t1"], 8)))),
        ("cia", "cia t0, t1, t1", lambda st: st.r.__setitem__("t1", int(lo(st.r["t0"], 32) > lo(st.r["t1"], 32)))),
        ("tqs_big", "tqs t0, 0x8000000000000000, t4", lambda st: st.r.__setitem__("t4", st.r["t0"] >> 63)),
        ("tbnz", "tbnz t1, t5", lambda st: st.r.__setitem__("t5", int(lo(st.r["t1"], 8) != 0))),
    ]
    for name, ins, eff in int_cases:
        g.add("keep_" + name, [], [ins], eff, vals + [(0, 0)])
    g.add("keep_lzcntq_zero", ["move 0, t4"], ["lzcntq t4, t5"], lambda st: st.r.__setitem__("t5", 64), [(1, 2)])

    # ---- memory operations ----
    f.section("memory")

    def mem_case(name, setup, ins, teardown, eff):
        g.add("keep_" + name, [], ["subp 32, sp"] + setup + ins + teardown + ["addp 32, sp"], eff, vals + [(0, 0)])

    def set_(r, fn):
        return lambda st: st.r.__setitem__(r, fn(st))

    mem_case("storeq_big", [], ["storeq 0x123456789abcdef0, 8[sp]"], ["loadq 8[sp], t5"],
             set_("t5", lambda st: 0x123456789ABCDEF0))
    mem_case("addq_big_mem", ["storeq t1, 8[sp]"], ["addq 0x123456789, 8[sp]"], ["loadq 8[sp], t3"],
             set_("t3", lambda st: u64(st.r["t1"] + 0x123456789)))
    mem_case("mulq_mem", ["storeq t1, 8[sp]"], ["mulq t0, 8[sp]"], ["loadq 8[sp], t4"],
             set_("t4", lambda st: u64(st.r["t1"] * st.r["t0"])))

    def load2ia(st):
        st.r["t3"] = lo(st.r["t0"], 32)
        st.r["t5"] = lo(st.r["t0"] >> 32, 32)

    mem_case("load2ia", ["storeq t0, 8[sp]"], ["load2ia 8[sp], t3, t5"], [], load2ia)
    mem_case("store2ia", [], ["store2ia t0, t1, 8[sp]"], ["loadq 8[sp], t4"],
             set_("t4", lambda st: lo(st.r["t0"], 32) | (lo(st.r["t1"], 32) << 32)))

    def xadd_eff(st):
        old = st.r["t1"]
        st.r["t3"] = lo(old, 32)
        st.r["t4"] = (old & ~M32 & M64) | lo(old + st.r["t0"], 32)

    mem_case("atomicxchgaddi_3", ["storeq t1, 8[sp]"], ["atomicxchgaddi t0, 8[sp], t3"], ["loadq 8[sp], t4"], xadd_eff)

    def xsub_eff(st):
        old = st.r["t1"]
        st.r["t5"] = lo(old, 8)
        st.r["t4"] = (old & ~M8 & M64) | lo(old - st.r["t5_in"], 8)

    def xsub(st):
        st.r["t5_in"] = st.r["t5"]
        xsub_eff(st)
        del st.r["t5_in"]

    mem_case("atomicxchgsubb_2", ["storeq t1, 8[sp]"], ["atomicxchgsubb t5, 8[sp]"], ["loadq 8[sp], t4"], xsub)

    def cas(st):
        old = st.r["t1"]
        e = st.r["t0"]
        st.r["t4"] = st.r["t5"] if old == e else old
        st.r["t0"] = old

    mem_case("atomicweakcasq", ["storeq t1, 8[sp]"], ["atomicweakcasq t0, t5, 8[sp]"], ["loadq 8[sp], t4"], cas)
    g.add("keep_atomicweakcasq_equal", [], ["subp 32, sp", "storeq t1, 8[sp]", "move t1, t0",
                                             "atomicweakcasq t0, t5, 8[sp]", "loadq 8[sp], t4", "addp 32, sp"],
          lambda st: (st.r.__setitem__("t0", st.r["t1"]), st.r.__setitem__("t4", st.r["t5"])), vals)

    # ---- floating point ----
    f.section("floating point")

    def fset(reg, fn, f32=False):
        def e(st):
            v = fn(st)
            if f32:
                st.setf32(reg, v)
            else:
                st.setf64(reg, v)
        return e

    D = lambda st, r: b2d(st.f[r])
    fp_cases = [
        ("subd_3_db", "subd ft0, ft1, ft1", fset("ft1", lambda st: d2b(D(st, "ft0") - D(st, "ft1")))),
        ("divd_3_db", "divd ft2, ft4, ft4", fset("ft4", lambda st: d2b(D(st, "ft2") / D(st, "ft4")))),
        ("absd", "absd ft1, ft3", fset("ft3", lambda st: st.f["ft1"] & ~(1 << 63))),
        ("negd_same", "negd ft4, ft4", fset("ft4", lambda st: st.f["ft4"] ^ (1 << 63))),
        ("absf", "absf ft1, ft2", fset("ft2", lambda st: lo(st.f["ft1"], 32) & 0x7FFFFFFF, True)),
        ("sqrtd", "sqrtd ft2, ft0", fset("ft0", lambda st: d2b(math.sqrt(D(st, "ft2"))))),
        ("floord", "floord ft1, ft1", fset("ft1", lambda st: d2b(float(math.floor(D(st, "ft1")))))),
        ("cd2f", "cd2f ft4, ft3", fset("ft3", lambda st: f2b(D(st, "ft4")), True)),
        ("cf2d", "cf2d ft0, ft4", fset("ft4", lambda st: d2b(b2f(lo(st.f["ft0"], 32))))),
        ("ci2d", "ci2d t1, ft2", fset("ft2", lambda st: int_to_f64_bits(lo(st.r["t1"], 32)))),
        ("ci2fs", "ci2fs t0, ft3", fset("ft3", lambda st: int_to_f32_bits(sx(st.r["t0"], 32)), True)),
        ("cq2d", "cq2d t0, ft1", fset("ft1", lambda st: int_to_f64_bits(st.r["t0"]))),
        ("cq2f", "cq2f t5, ft0", fset("ft0", lambda st: int_to_f32_bits(st.r["t5"]), True)),
        ("cq2ds", "cq2ds t1, ft4", fset("ft4", lambda st: int_to_f64_bits(sx(st.r["t1"], 64)))),
        ("fq2d", "fq2d t3, ft2", fset("ft2", lambda st: st.r["t3"])),
        ("fi2f", "fi2f t0, ft1", fset("ft1", lambda st: lo(st.r["t0"], 32), True)),
        ("moved", "moved ft3, ft0", fset("ft0", lambda st: st.f["ft3"])),
        ("movdz", "movdz ft2", fset("ft2", lambda st: 0)),
    ]
    for name, ins, eff in fp_cases:
        g.add("keep_" + name, [], [ins], eff, vals + [(0, 0)])

    def fii2d(st):
        st.setf64("ft3", (lo(st.r["t1"], 32) << 32) | lo(st.r["t0"], 32))

    g.add("keep_fii2d", [], ["fii2d t0, t1, ft3"], fii2d, vals)

    def fd2ii(st):
        st.r["t3"] = lo(st.f["ft4"], 32)
        st.r["t5"] = st.f["ft4"] >> 32

    g.add("keep_fd2ii", [], ["fd2ii ft4, t3, t5"], fd2ii, vals)
    for name, ins, r, fn in [
        ("fd2q", "fd2q ft3, t1", "t1", lambda st: st.f["ft3"]),
        ("ff2i", "ff2i ft4, t5", "t5", lambda st: lo(st.f["ft4"], 32)),
        ("truncated2i", "truncated2i ft2, t3", "t3", lambda st: 3),
        ("truncated2q", "truncated2q ft4, t1", "t1", lambda st: 10000000000),
        ("truncated2qs", "truncated2qs ft1, t5", "t5", lambda st: u64(-2)),
        ("truncatef2q", "truncatef2q ft4, t4", "t4", lambda st: 0),
        ("cdlt", "cdlt ft1, ft0, t3", "t3", lambda st: 1),
        ("cdnequn", "cdnequn ft2, ft2, t5", "t5", lambda st: 0),
        ("cfgteq", "cfgteq ft3, ft4, t1", "t1", lambda st: int(b2f(lo(FK["ft3"], 32)) >= b2f(lo(FK["ft4"], 32)))),
        ("cdeq", "cdeq ft4, ft4, t4", "t4", lambda st: 1),
    ]:
        g.add("keep_" + name, [], [ins], set_(r, fn), vals + [(0, 0)])
    # truncatef2q reads the low 32 bits of ft4 (= 1e10 as a double): a tiny
    # positive float; its truncation is 0.
    # The 3-operand cq2d/cq2f: the scratch operand is unspecified afterwards.
    g.add("keep_cq2d_scratch", [], ["cq2d t1, t4, ft2"], fset("ft2", lambda st: int_to_f64_bits(st.r["t1"])),
          vals + [(0, 0)], skip=("t4",))
    g.add("keep_cq2f_scratch", [], ["cq2f t0, t5, ft1"], fset("ft1", lambda st: int_to_f32_bits(st.r["t0"]), True),
          vals + [(0, 0)], skip=("t5",))

    # checked conversions, on both paths
    for m in ["bcd2i", "btd2i"]:
        for which, src, val in [("ok", "ft2", 3), ("fail", "ft3", None)]:
            name = "keep_%s_%s" % (m, which)
            if val is None:
                # 0.1: bcd2i branches (inexact); btd2i does not (truncates to 0)
                if m == "btd2i":
                    val = 0

            def eff(st, val=val):
                if val is not None:
                    st.r["t5"] = val

            skip = () if val is not None else ("t5",)
            g.add(name, [], ["%s %s, t5, .%s_j" % (m, src, name), ".%s_j:" % name], eff, vals, skip=skip)

    # ---- x86 division group: r0 (t0) and r1 (t2 on System V, t1 on Windows) ----
    f.section("x86 division group")
    for m, w, signed in [("idivi", 32, True), ("udivi", 32, False), ("idivq", 64, True), ("udivq", 64, False)]:
        for dreg in ["t3", "t4", "t5"]:
            name = "keep_%s_%s" % (m, dreg)
            ext = ("cdqi" if w == 32 else "cqoq") if signed else "move 0, r1"

            def eff(st, w=w, signed=signed, dreg=dreg):
                a, b = lo(st.r["t0"], w), lo(st.r[dreg], w)
                if signed:
                    a, b = sx(a, w), sx(b, w)
                    q = abs(a) // abs(b) * (1 if (a < 0) == (b < 0) else -1)
                else:
                    q = a // b
                st.r["t0"] = lo(q, w)

            g.add(name, [], [ext, "%s %s" % (m, dreg)], eff, [(1000, 0), (u64(-1000), 7), (0x7FFFFFFF, 3)],
                  skip=("t1", "t2"), tag="x86", guard=X86_GUARD)
    for m in ["cdqi", "cqoq"]:
        g.add("keep_" + m, [], [m], lambda st: None, vals, skip=("t1", "t2"), tag="x86", guard=X86_GUARD)
    return f


if __name__ == "__main__":
    main([main_gen()])
