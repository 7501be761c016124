#!/usr/bin/env python3
"""Generates moveargs.asm: the parallel move `moveargs s0, ..., sk` (an offasm
extension, docs/instructions-extensions.md) on each register map.

`moveargs` is defined on physical registers: a_n receives the value s_n held
before the instruction. Which logical names alias which argument register
differs between the targets (TARGETS.md §7), so each map gets its own block
(`if X86_64_WIN` / `if X86_64` / `if ARM64`) and its own test tag (`win`,
`sysv`, `arm64`). Every function

  1. gives each integer argument register a_j of the target a distinct 64-bit
     value V(j) and two further registers (`extra`, not argument registers) a
     value X(e);
  2. executes ONE `moveargs`, its sources spelled with any of the logical
     names of their register (aN, the temporary tM that aliases it, r0/r1,
     waN), chosen pseudo-randomly per function: the function writes and
     reads each register through that one name (and the registers moveargs
     wrote through their aN names), so it is also free of the cross-target
     alias hazards the checks report (docs/checks.md);
  3. returns a hash of every argument register of the target and of the two
     extra registers:  sum of M(r) * r  (mod 2^64), distinct odd M(r).

So a wrong value in any argument register (moved or not: moveargs must not
touch a(k+1)..), a clobbered non-argument register, or a 32-bit move (upper
bits lost) changes the result.

Sets of functions per map (N = number of argument registers: 4 Windows,
6 System V, 8 ARM64):

  full     every sequence of k distinct argument registers as sources,
           k = 1..4: all permutations of every k-subset (P(N, k) functions)
  perm     sampled sequences of k = 5..N distinct argument registers,
           including the identity, the reversal and the rotations by one
  mix      random k = 1..N, each source an argument register (repeats
           allowed: fan-out), an extra register, or an immediate of any size

Usage: python3 gen_moveargs.py [--check]
"""

from corpuslib import *

# Logical names of each argument register, per map (TARGETS.md §3.2, §4.3,
# §5.2): a_j first, then its aliases.
MAPS = {
    "win": dict(
        guard="X86_64_WIN",
        short="w",
        names=[["a0", "t5", "wa0"], ["a1", "t1", "r1", "wa1"], ["a2", "t2", "wa2"], ["a3", "t3", "wa3"]],
        # (name, physical) of the extra registers; the first carries the hash.
        extra=["t0", "t4"],  # rax, r10
        result="t0",
    ),
    "sysv": dict(
        guard="X86_64",
        short="s",
        names=[["a0", "t6", "wa0"], ["a1", "t1", "wa1"], ["a2", "t2", "r1", "wa2"], ["a3", "t3", "wa3"],
               ["a4", "t4", "wa4"], ["a5", "t7", "wa5"]],
        extra=["t0", "t5"],  # rax, r10
        result="t0",
    ),
    "arm64": dict(
        guard="ARM64",
        short="a",
        names=[["a0", "t0", "r0", "wa0"], ["a1", "t1", "r1", "wa1"], ["a2", "t2", "wa2"], ["a3", "t3", "wa3"],
               ["a4", "t4", "wa4"], ["a5", "t5", "wa5"], ["a6", "t6", "wa6"], ["a7", "t7", "wa7"]],
        extra=["t8", "t9"],  # x8, x9
        result="r0",  # r0 = x0 = a0 on ARM64: the hash is built in t8 and moved there
    ),
}

MULS = [3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37]
IMMS = [0, 1, -1, 42, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x100000000, 0x123456789ABCDEF0, -0x80000001,
        INT64_MIN, INT64_MAX, 0xFFFFFFFFFFFFFFFF, -4096, 0xFFFF0000]


def V(j):
    """The value of argument register a_j before the moveargs."""
    return u64(0x9E3779B97F4A7C15 * (j + 1) ^ 0x0F0F0F0F00000000)


def X(e):
    """The value of extra register e."""
    return u64(0xC2B2AE3D27D4EB4F * (e + 1) ^ 0x5A5A5A5A5A5A5A5A)


class Rng:
    """SplitMix64, so the file does not depend on Python's random module."""

    def __init__(self, seed):
        self.s = seed & M64

    def next(self):
        self.s = (self.s + 0x9E3779B97F4A7C15) & M64
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        return z ^ (z >> 31)

    def below(self, n):
        return self.next() % n

    def pick(self, xs):
        return xs[self.below(len(xs))]

    def shuffled(self, xs):
        xs = list(xs)
        for i in range(len(xs) - 1, 0, -1):
            j = self.below(i + 1)
            xs[i], xs[j] = xs[j], xs[i]
        return xs


def sequences(pool, k):
    """Every sequence of k distinct elements of pool, in lexicographic order."""
    if k == 0:
        yield []
        return
    for i, x in enumerate(pool):
        for rest in sequences(pool[:i] + pool[i + 1:], k - 1):
            yield [x] + rest


class Map:
    def __init__(self, key):
        m = MAPS[key]
        self.key, self.guard, self.short = key, m["guard"], m["short"]
        self.names, self.extra, self.result = m["names"], m["extra"], m["result"]
        self.n = len(self.names)
        self.rng = Rng(0x6D6F76656172677 ^ self.n)
        self.funcs = []  # (name, sources as text, expected)
        self.seen = set()

    # A source is ("a", j) for argument register j, ("x", e) for extra e, or
    # ("i", value) for an immediate.

    def spell(self, src, names):
        kind, v = src
        if kind == "a":
            return names[v]
        if kind == "x":
            return self.extra[v]
        return imm(v)

    def expected(self, srcs):
        regs = {("a", j): V(j) for j in range(self.n)}
        regs.update({("x", e): X(e) for e in range(len(self.extra))})
        before = dict(regs)
        for i, (kind, v) in enumerate(srcs):
            regs[("a", i)] = u64(v) if kind == "i" else before[(kind, v)]
        order = [("x", e) for e in range(len(self.extra))] + [("a", j) for j in range(self.n)]
        return u64(sum(MULS[k] * regs[r] for k, r in enumerate(order)))

    def add(self, name, srcs):
        name = "mv_%s_%s" % (self.short, name)
        assert name not in self.seen, name
        self.seen.add(name)
        # One spelling per argument register for the whole function.
        names = [self.rng.pick(n) for n in self.names]
        hashed = ["a%d" % j if j < len(srcs) else names[j] for j in range(self.n)]
        self.funcs.append((name, names + hashed + [self.spell(s, names) for s in srcs], self.expected(srcs)))

    def macros(self):
        """mvSetup<m>(): the values; mvHash<m>(): the hash into the result."""
        s = self.short.upper()
        setup = ["move %s, n%d" % (imm(V(j)), j) for j in range(self.n)]
        setup += ["move %s, %s" % (imm(X(e)), r) for e, r in enumerate(self.extra)]
        acc = self.extra[0]
        fold = ["mulq %d, %s" % (MULS[0], acc)]
        order = self.extra[1:] + ["h%d" % j for j in range(self.n)]
        for k, r in enumerate(order, start=1):
            fold += ["mulq %d, %s" % (MULS[k], r), "addq %s, %s" % (r, acc)]
        if self.result != acc:
            fold.append("move %s, %s" % (acc, self.result))
        ns = ", ".join("n%d" % j for j in range(self.n))
        hs = ", ".join("h%d" % j for j in range(self.n))
        text = "macro mvSetup%s(%s)\n%send\n\nmacro mvHash%s(%s)\n%send\n\n" % (
            s, ns, "".join("    %s\n" % l for l in setup), s, hs, "".join("    %s\n" % l for l in fold))
        # One macro per operand count: setup, the moveargs, hash, ret. The
        # names each register is written (nJ) and hashed (hJ) through come first.
        for k in range(1, self.n + 1):
            params = ", ".join("s%d" % i for i in range(k))
            text += "macro mv%s%d(%s, %s, %s)\n    mvSetup%s(%s)\n    moveargs %s\n    mvHash%s(%s)\n    ret\nend\n\n" % (
                s, k, ns, hs, params, s, ns, params, s, hs)
        return text

    def block(self):
        out = ["if %s\n\n" % self.guard, self.macros()]
        for name, spelled, expect in self.funcs:
            out.append("# test %s: %s() = %s\nglobal _%s\n_%s:\n    mv%s%d(%s)\n\n" % (
                self.key, name, fmt(expect), name, name, self.short.upper(), len(spelled) - 2 * self.n, ", ".join(spelled)))
        out.append("end\n\n")
        return "".join(out)


def generate(m):
    args = [("a", j) for j in range(m.n)]
    # full: every sequence of k distinct argument registers, k = 1..4.
    for k in range(1, min(4, m.n) + 1):
        for seq in sequences(args, k):
            m.add("".join(str(j) for _, j in seq), seq)
    # perm: sampled longer sequences of distinct argument registers.
    for k in range(5, m.n + 1):
        special = [args[:k], list(reversed(args[:k])), args[1:k] + args[:1], args[k - 1:k] + args[:k - 1]]
        if k < m.n:
            special.append(args[m.n - k:])
        chosen = []
        for seq in special + [m.rng.shuffled(args)[:k] for _ in range(60)]:
            if seq not in chosen:
                chosen.append(seq)
        for seq in chosen[:40]:
            m.add("".join(str(j) for _, j in seq), seq)
    # mix: repeats, extra registers, immediates.
    for i in range(100):
        k = 1 + m.rng.below(m.n)
        srcs = []
        for _ in range(k):
            r = m.rng.below(10)
            if r < 5:
                srcs.append(m.rng.pick(args))
            elif r < 7:
                srcs.append(("x", m.rng.below(len(m.extra))))
            else:
                srcs.append(("i", m.rng.pick(IMMS)))
        m.add("mix%d" % i, srcs)
    # Everything from one register (fan-out of a cycle member and of an outsider).
    m.add("fan_a1", [("a", 1)] * m.n)
    m.add("fan_x1", [("x", 1)] * m.n)
    m.add("imm_all", [("i", IMMS[(3 * j) % len(IMMS)]) for j in range(m.n)])


DESCRIPTION = """
moveargs is defined on physical registers: a_n receives the value s_n had
before the instruction. Which logical names alias an argument register
differs between the targets, so each register map has its own block and test
tag (win, sysv, arm64). Each function gives every argument register of the
target and two other registers distinct 64-bit values, executes ONE moveargs
(sources spelled with any alias: aN, tM, r0/r1, waN, one per register and
function) and returns
  sum of M(r) * r  (mod 2^64, distinct odd M)
over every argument register and the two others, so any wrong, unwritten,
clobbered or truncated register changes the result. Sets per map: every
sequence of 1..4 distinct argument registers; sampled sequences of 5..N;
random mixes with repeated sources, other registers and immediates.
"""

HEADER = """\
# moveargs.asm — the parallel move `moveargs` into the argument registers
# (offasm extension, docs/instructions-extensions.md)
#
%s
#
# GENERATED by gen_moveargs.py — do not edit; edit the generator and re-run it.
# The functions take no arguments: every register involved gets its value
# from a constant first.

"""


def main_():
    maps = [Map(k) for k in ("win", "sysv", "arm64")]
    body = []
    for m in maps:
        generate(m)
        body.append(m.block())
    text = HEADER % "\n".join(("# " + l).rstrip() for l in DESCRIPTION.strip("\n").split("\n")) + "".join(body)

    class F:
        name = "moveargs.asm"
        names = set(n for m in maps for n, _, _ in m.funcs)
        ntests = len(names)

        def text(self):
            return text.rstrip("\n") + "\n"

    main([F()])


if __name__ == "__main__":
    main_()
