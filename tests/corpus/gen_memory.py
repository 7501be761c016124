#!/usr/bin/env python3
"""Generates the memory corpus files:

  loads_stores.asm  every load and store width, sign/zero extension, unaligned
                    offsets, immediate store sources, label (data) sources,
                    load2ia/store2ia, loadv/storev, loadf/storef/loadd/stored (§3)
  addressing.asm    address forms: offsets (negative, ±2^31 range), base+index*scale
                    with every scale, negative 64-bit indexes, t3/t5 (rcx) as base or
                    index, base = index = destination; leap/leai on them (§1.1, §2)
  atomics.asm       atomic RMW (both operand forms), CAS, branch-on-CAS, atomic loads,
                    fences (§16)

Memory tests use a stack buffer reserved with `subp N, sp` (N a multiple of
16, so sp keeps its alignment modulo 16 on every target).

The harness links every test program with a C array
`uint64_t oa_ext_data[4] = {0x0123456789abcdef, 0xfedcba9876543210,
0x1111111111111111, 0x8000000000000001}` which the label-source tests read
as an external symbol (`_oa_ext_data`; GOT on ELF and Mach-O).

Usage: python3 gen_memory.py [--check]
"""

from corpuslib import *

GARBAGE = 0xDEADBEEFCAFEF00D
EXT_DATA = [0x0123456789ABCDEF, 0xFEDCBA9876543210, 0x1111111111111111, 0x8000000000000001]
# Data emitted into the code section by loads_stores.asm (`_ls_data`).
LS_DATA = [0x8877665544332211, 0x00FFEEDDCCBBAA99, 0x7F80017F80FF0180, 0xFEDCBA9876543210]


class Mem:
    """A little-endian byte buffer."""

    def __init__(self, qwords):
        self.b = bytearray()
        for q in qwords:
            self.b += u64(q).to_bytes(8, "little")

    def load(self, off, nbytes):
        return int.from_bytes(self.b[off:off + nbytes], "little")

    def store(self, off, nbytes, v):
        self.b[off:off + nbytes] = lo(v, nbytes * 8).to_bytes(nbytes, "little")

    def q(self, off):
        return self.load(off, 8)


LOADS = {
    "loadb": (1, lambda v: v),
    "loadbsi": (1, lambda v: lo(sx(v, 8), 32)),
    "loadbsq": (1, lambda v: u64(sx(v, 8))),
    "loadh": (2, lambda v: v),
    "loadhsi": (2, lambda v: lo(sx(v, 16), 32)),
    "loadhsq": (2, lambda v: u64(sx(v, 16))),
    "loadi": (4, lambda v: v),
    "loadis": (4, lambda v: u64(sx(v, 32))),
    "loadp": (8, lambda v: v),
    "loadq": (8, lambda v: v),
}
STORES = {"storeb": 1, "storeh": 2, "storei": 4, "storep": 8, "storeq": 8}
PATTERNS = [
    (0x8877665544332211, 0x00FFEEDDCCBBAA99),
    (0x7F80017F80FF0180, 0xFEDCBA9876543210),
    (0xFFFFFFFFFFFFFFFF, 0x0000000000000000),
]


def gen_loads_stores():
    f = CorpusFile(
        "loads_stores.asm",
        "loads and stores (INSTRUCTIONS.md §3)",
        "A 16- or 32-byte stack buffer is filled from the arguments, accessed, and\n"
        "read back as 64-bit words. Label sources read `_ls_data` (emitted into the\n"
        "code section) and the harness's external `_oa_ext_data` (see gen_memory.py).",
    )
    # 32-byte buffer: the arguments, then zeros.
    fill = ["subp 32, sp", "storeq t0, [sp]", "storeq t1, 8[sp]", "storeq 0, 16[sp]", "storeq 0, 24[sp]"]

    def Mem2(a, b):
        return Mem([a, b, 0, 0])

    for m, (n, ext) in LOADS.items():
        f.section(m)
        for off in [0, 1, 5, 8 - n + 3]:
            for d in ["t0", "t3"] if off == 0 else ["t0"]:
                name = "%s_o%d_%s" % (m, off, d)
                tests = []
                for a, b in PATTERNS:
                    mem = Mem2(a, b)
                    tests.append(((a, b, 0, GARBAGE), ext(mem.load(off, n))))
                body = fill + ["%s %d[sp], %s" % (m, off, d), "addp 32, sp"]
                if d != "t0":
                    body.append("move %s, t0" % d)
                f.func(name, body, tests)
        # base register other than sp, destination = base
        name = "%s_base_is_dest" % m
        tests = []
        for a, b in PATTERNS:
            tests.append(((a, b), ext(Mem2(a, b).load(3, n))))
        f.func(name, fill + ["move sp, t5", "%s 3[t5], t5" % m, "move t5, t0", "addp 32, sp"], tests)

    for m, n in STORES.items():
        f.section(m)
        for off in sorted({0, 3, 8 - n}):
            for src in ["t2", "t5"]:
                for rq in [0, 8]:
                    name = "%s_o%d_%s_q%d" % (m, off, src, rq)
                    tests = []
                    for (a, b), v in zip(PATTERNS, [0x0123456789ABCDEF, 0xFEDCBA98F6E5D4C3, 0x8080808080808080]):
                        mem = Mem2(a, b)
                        mem.store(off, n, v)
                        tests.append(((a, b, v), mem.q(rq)))
                    body = fill[:]
                    if src != "t2":
                        body.append("move t2, %s" % src)
                    body += ["%s %s, %d[sp]" % (m, src, off), "loadq %d[sp], t0" % rq, "addp 32, sp"]
                    f.func(name, body, tests)
        imms = {1: [0x80, -1, 0x7F], 2: [0xFFFF, -1, 0x8001], 4: [0x80000000, -1, 0x7FFFFFFF, 0xFFFFFFFF],
                8: [-1, 0x80000000, 0xFFFFFFFF, 0x123456789ABCDEF0, INT64_MIN, -0x80000000, 0x7FFFFFFF]}[n]
        for k, iv in enumerate(imms):
            for rq in [0, 8]:
                off = 8 - n + (1 if n < 8 else 0)
                name = "%s_imm%d_q%d" % (m, k, rq)
                tests = []
                for a, b in PATTERNS:
                    mem = Mem2(a, b)
                    mem.store(off, n, u64(iv))
                    tests.append(((a, b), mem.q(rq)))
                f.func(name, fill + ["%s %s, %d[sp]" % (m, imm(iv), off), "loadq %d[sp], t0" % rq, "addp 32, sp"],
                       tests)
    f.section("storep / storeq of sp")
    for m in ["storep", "storeq"]:
        f.func(m + "_sp", ["subp 16, sp", "%s sp, 8[sp]" % m, "loadq 8[sp], t0", "subq sp, t0", "addp 16, sp"],
               [((GARBAGE,), 0)], comment="the stored value equals sp")

    f.section("loadf / storef / loadd / stored")
    for off in [0, 4, 9]:
        name = "loadd_o%d" % off
        f.func(name, fill + ["loadd %d[sp], ft1" % off, "fd2q ft1, t0", "addp 32, sp"],
               [((a, b), Mem2(a, b).load(off, 8)) for a, b in PATTERNS])
        name = "loadf_o%d" % off
        f.func(name, fill + ["loadf %d[sp], ft2" % off, "ff2i ft2, t0", "addp 32, sp"],
               [((a, b), Mem2(a, b).load(off, 4)) for a, b in PATTERNS])
        for rq in [0, 8]:
            name = "stored_o%d_q%d" % (off, rq)
            tests = []
            for (a, b), v in zip(PATTERNS, [0x7FF0000000000001, 0x3FF8000000000000, 0x8000000000000000]):
                mem = Mem2(a, b)
                mem.store(off, 8, v)
                tests.append(((a, b, v), mem.q(rq)))
            f.func(name, fill + ["fq2d t2, ft3", "stored ft3, %d[sp]" % off, "loadq %d[sp], t0" % rq, "addp 32, sp"],
                   tests)
            name = "storef_o%d_q%d" % (off, rq)
            tests = []
            for (a, b), v in zip(PATTERNS, [0x7F800001, 0xFFFFFFFF3FC00000, 0x80000000]):
                mem = Mem2(a, b)
                mem.store(off, 4, v)
                tests.append(((a, b, v), mem.q(rq)))
            f.func(name, fill + ["fi2f t2, ft4", "storef ft4, %d[sp]" % off, "loadq %d[sp], t0" % rq,
                                 "addp 32, sp"], tests)

    f.section("loadv / storev")
    for off in [0, 4]:
        for rq in [16, 24]:
            name = "loadv_storev_o%d_q%d" % (off, rq)
            tests = []
            for a, b in PATTERNS:
                mem = Mem([a, b, GARBAGE, GARBAGE, 0, 0])
                v = mem.load(off, 16)
                mem.store(16, 16, v)
                tests.append(((a, b), mem.q(rq)))
            f.func(name, ["subp 48, sp", "storeq t0, [sp]", "storeq t1, 8[sp]", "move %s, t2" % imm(GARBAGE),
                          "storeq t2, 16[sp]", "storeq t2, 24[sp]", "storeq 0, 32[sp]",
                          "loadv %d[sp], ft1" % off, "storev ft1, 16[sp]", "loadq %d[sp], t0" % rq, "addp 48, sp"],
                   tests)
    f.func("storev_unaligned", ["subp 48, sp", "storeq t0, [sp]", "storeq t1, 8[sp]", "storeq 0, 16[sp]",
                                "storeq 0, 24[sp]", "loadv [sp], ft2", "storev ft2, 3[sp]", "loadq 8[sp], t0",
                                "addp 48, sp"],
           [((a, b), (lambda m: (m.store(3, 16, a | (b << 64)), m.q(8))[1])(Mem([a, b, 0, 0]))) for a, b in PATTERNS])
    f.func("loadv_keeps_low_double", ["subp 32, sp", "storeq t0, [sp]", "storeq t1, 8[sp]", "loadv [sp], ft0",
                                      "fd2q ft0, t0", "addp 32, sp"],
           [((a, b), a) for a, b in PATTERNS], comment="the low 64 bits of the vector are the double view")

    f.section("load2ia / store2ia")
    for off in [0, 4, 8]:  # 4-byte aligned: pair accesses need natural alignment (§1.9)
        for which in ["t0", "t1"]:
            name = "load2ia_o%d_%s" % (off, which)
            tests = []
            for a, b in PATTERNS:
                mem = Mem2(a, b)
                tests.append(((a, b), mem.load(off, 4) if which == "t0" else mem.load(off + 4, 4)))
            body = fill + ["load2ia %d[sp], t0, t1" % off, "addp 32, sp"]
            if which != "t0":
                body.append("move t1, t0")
            f.func(name, body, tests)
    for which, reg in [("d1", "t0"), ("d2", "t1")]:
        name = "load2ia_base_is_%s" % which
        tests = []
        for a, b in PATTERNS:
            mem = Mem2(a, b)
            tests.append(((a, b), mem.load(4 if which == "d1" else 8, 4)))
        body = fill + ["move sp, t0", "load2ia 4[t0], t0, t1", "addp 32, sp"]
        if which == "d2":
            body.append("move t1, t0")
        f.func(name, body, tests, comment="both words are read before either destination is written")
    for off in [0, 4, 12]:  # 4-byte aligned (§1.9)
        for rq in [0, 8]:
            name = "store2ia_o%d_q%d" % (off, rq)
            tests = []
            for (a, b), (x, y) in zip(PATTERNS, [(0x1111111122222222, 0x3333333344444444), (M64, 0), (0x80000000, 1)]):
                mem = Mem([a, b, 0])
                mem.store(off, 4, x)
                mem.store(off + 4, 4, y)
                tests.append(((a, b, x, y), mem.q(rq)))
            f.func(name, fill + ["store2ia t2, t3, %d[sp]" % off, "loadq %d[sp], t0" % rq, "addp 32, sp"], tests)

    f.section("label (data) sources")
    f.parts.append(
        "# Data in the code section for the label-source tests (emit is the only way\n"
        "# to place data; it is opaque to offasm, hence guarded by a target test).\n"
        "if X86_64 or X86_64_WIN or ARM64\n"
        "    emit \".p2align 4\"\n"
        "_ls_data:\n"
        + "".join("    emit \".quad 0x%016x\"\n" % q for q in LS_DATA)
        + "end\n\n"
        "# The same data under an exported label (references go through the\n"
        "# file-local twin on ELF and COFF).\n"
        "if X86_64 or X86_64_WIN or ARM64\n"
        "global _ls_data_exported\n"
        "_ls_data_exported:\n"
        + "".join("    emit \".quad 0x%016x\"\n" % q for q in LS_DATA)
        + "end\n\n"
        "# A helper that is not a test (and not exported).\n"
        "_ls_helper_add1000:\n"
        "    addq 1000, t0\n"
        "    ret\n\n"
    )
    data = Mem(LS_DATA)
    ext = Mem(EXT_DATA)
    for m, (n, fn) in LOADS.items():
        for off in [0, 7 if n < 8 else 8, 17]:
            name = "%s_local_o%d" % (m, off)
            f.func(name, ["%s _ls_data + %d, t0" % (m, off)], [((GARBAGE,), fn(data.load(off, n)))])
        name = "%s_local_vs_leap" % m
        f.func(name, ["%s _ls_data + 19, t1" % m, "leap _ls_data + 19, t2", "%s [t2], t3" % m, "subq t3, t1",
                      "move t1, t0"], [((GARBAGE,), 0)])
        for off in [0, 7 if n < 8 else 8]:
            name = "%s_ext_o%d" % (m, off)
            f.func(name, ["%s _oa_ext_data + %d, t0" % (m, off)], [((GARBAGE,), fn(ext.load(off, n)))])
    for m in ["loadq", "loadi", "loadbsq"]:
        n, fn = LOADS[m]
        f.func("%s_exported_o9" % m, ["%s _ls_data_exported + 9, t0" % m], [((GARBAGE,), fn(data.load(9, n)))])
    f.func("leap_exported_data", ["leap _ls_data_exported + 16, t1", "loadq 8[t1], t0"], [((0,), LS_DATA[3])])
    f.func("loadq_ext_all", ["loadq _oa_ext_data + 24, t0"], [((0,), EXT_DATA[3])])
    f.func("leap_ext", ["leap _oa_ext_data, t1", "loadq 8[t1], t0"], [((0,), EXT_DATA[1])])
    f.func("leap_ext_off", ["leap _oa_ext_data + 16, t5", "loadq -8[t5], t0"], [((0,), EXT_DATA[1])])
    f.func("loadv_ext", ["subp 32, sp", "loadv _oa_ext_data + 8, ft0", "storev ft0, [sp]", "loadq 8[sp], t0",
                         "addp 32, sp"], [((0,), EXT_DATA[2])])
    f.func("loadv_local", ["subp 32, sp", "loadv _ls_data + 16, ft0", "storev ft0, [sp]", "loadq 8[sp], t0",
                           "addp 32, sp"], [((0,), LS_DATA[3])])
    f.func("loadq_ext_vs_leap", ["loadq _oa_ext_data + 8, t1", "leap _oa_ext_data, t2", "loadq 8[t2], t3",
                                 "subq t3, t1", "move t1, t0"], [((0,), 0)])
    f.func("leap_local_data", ["leap _ls_data, t1", "loadq 8[t1], t0"], [((0,), LS_DATA[1])])
    f.func("leap_local_data_off", ["leap _ls_data + 24, t3", "loadq -16[t3], t0"], [((0,), LS_DATA[1])])
    f.func("jmp_to_leap_of_helper", ["leap _ls_helper_add1000, t3", "move 77, t0", "jmp t3"], [((5,), 1077)],
           comment="jumping to the address of a (non-exported) global label enters its code")
    return f


# ---------------------------------------------------------------------------


def gen_addressing():
    f = CorpusFile(
        "addressing.asm",
        "address forms (INSTRUCTIONS.md §1.1, §1.4, §2)",
        "EA(off[b]) = R(b) + off and EA(off[b, i, s]) = R(b) + R(i)*s + off, modulo\n"
        "2^64, with the FULL 64-bit index; leap returns it, leai its low 32 bits\n"
        "zero-extended; loads and stores through the same forms.",
    )
    f.section("leap")
    bases = [0, 0x1000, u64(-8), 0x7FFFFFFF00000000, 0xFFFFFFFFFFFFF000]
    for off in [0, 8, -1, 0x7FFFFFFF, -0x80000000, 0x12345]:
        name = "leap_b_o%s" % (str(off) if off >= 0 else "m%d" % -off)
        f.func(name, ["leap %s[t0], t0" % imm(off)], [((b,), u64(b + off)) for b in bases])
    idx = [0, 1, u64(-1), 0x100000000, u64(-3), 0x8000000000000000]
    for scale in [1, 2, 4, 8]:
        for off in [0, -12, 0x7FFFFFF0]:
            name = "leap_bi_s%d_o%s" % (scale, str(off) if off >= 0 else "m%d" % -off)
            f.func(name, ["leap %s[t0, t1, %d], t2" % (imm(off), scale), "move t2, t0"],
                   [((b, i, GARBAGE), u64(b + i * scale + off)) for b in bases[:3] for i in idx])
    combos = [("t3", "t5", "t0"), ("t5", "t3", "t5"), ("t3", "t3", "t3"), ("t0", "t0", "t0"), ("t5", "t5", "t1"),
              ("t1", "t3", "t3"), ("t4", "t5", "t4")]
    for b, i, d in combos:
        name = "leap_%s_%s_%s" % (b, i, d)
        body = ["move t1, t2"]  # index value
        body += ["move t0, %s" % b] if b != "t0" else []
        if i != b:
            body += ["move t2, %s" % i]
        body += ["leap 3[%s, %s, 4], %s" % (b, i, d)]
        if d != "t0":
            body += ["move %s, t0" % d]
        tests = []
        for bv, iv in [(0x1000, 2), (u64(-8), u64(-1)), (0x123456789, 0x10)]:
            ival = bv if i == b else iv
            tests.append(((bv, iv), u64(bv + ival * 4 + 3)))
        f.func(name, body, tests)
    f.section("leap absolute")
    for k in [0, 0x12345, 0x7FFFFFFF, -16, -0x80000000]:
        f.func("leap_abs_%s" % (str(k) if k >= 0 else "m%d" % -k), ["leap %s[], t0" % imm(k)], [((GARBAGE,), u64(k))])

    f.section("leai")
    for off, scale in [(8, None), (-8, 4), (0x7FFFFFFF, 8), (3, 1)]:
        if scale is None:
            name = "leai_b_o%d" % off
            body = ["leai %s[t0], t0" % imm(off)]
            tests = [((b,), lo(b + off, 32)) for b in [0xFFFFFFFFFFFFFFFC, 0x12345678FFFFFFF8, 5, 0x80000000]]
        else:
            name = "leai_bi_s%d_o%s" % (scale, str(off) if off >= 0 else "m%d" % -off)
            body = ["leai %s[t0, t1, %d], t1" % (imm(off), scale), "move t1, t0"]
            tests = [((b, i), lo(b + i * scale + off, 32)) for b in [0xFFFFFFFFFFFFFFFC, 0x12345678FFFFFFF8, 5]
                     for i in [0, 1, u64(-1), 0x100000001]]
        f.func(name, body, tests)

    f.section("loads and stores through index forms")
    # buffer of 4 qwords at sp; base register points to its middle (sp + 16)
    words = [0x1111111111111111, 0x2222222222222222, 0x3333333333333333, 0x4444444444444444]
    fill = ["subp 32, sp", "storeq %s, [sp]" % imm(words[0]), "storeq %s, 8[sp]" % imm(words[1]),
            "storeq %s, 16[sp]" % imm(words[2]), "storeq %s, 24[sp]" % imm(words[3])]
    mem = Mem(words)
    for scale in [1, 2, 4, 8]:
        for b, i in [("t3", "t1"), ("t5", "t3"), ("t2", "t5")]:
            name = "loadq_idx_s%d_%s_%s" % (scale, b, i)
            tests = []
            for k in [-2, -1, 0, 1]:
                if k * scale * 1 + 16 < 0:
                    continue
                o = 16 + k * scale  # byte offset from sp
                tests.append(((0, u64(k)), mem.load(o, 8)))
            body = fill + ["move t1, t4", "move sp, %s" % b, "addp 16, %s" % b, "move t4, %s" % i,
                           "loadq [%s, %s, %d], t0" % (b, i, scale), "addp 32, sp"]
            f.func(name, body, tests)
    for scale in [1, 2, 4, 8]:
        name = "loadi_idx_neg_s%d" % scale
        tests = []
        for k in [-3, -1, 0, 2]:
            o = 16 + k * scale - 4
            if not (0 <= o <= 28):
                continue
            tests.append(((0, u64(k)), mem.load(o, 4)))
        f.func(name, fill + ["move sp, t3", "addp 16, t3", "loadi -4[t3, t1, %d], t0" % scale, "addp 32, sp"], tests)
    for scale in [1, 8]:
        for rq in [0, 8, 16]:
            name = "storeq_idx_s%d_q%d" % (scale, rq)
            tests = []
            for k in [0, 1]:
                m2 = Mem(words)
                m2.store(8 + k * scale, 8, 0xA5A5A5A5A5A5A5A5)
                tests.append(((0xA5A5A5A5A5A5A5A5, u64(k)), m2.q(rq)))
            f.func(name, fill + ["storeq t0, 8[sp, t1, %d]" % scale, "loadq %d[sp], t0" % rq, "addp 32, sp"], tests)
    f.func("loadq_sp_index", fill + ["move 2, t1", "loadq [sp, t1, 8], t0", "addp 32, sp"], [((0,), words[2])])
    f.func("loadq_index_is_dest", fill + ["move 3, t0", "loadq [sp, t0, 8], t0", "addp 32, sp"], [((0,), words[3])])
    f.func("leap_vs_load", fill + ["move 1, t1", "leap 8[sp, t1, 8], t2", "loadq [t2], t0", "addp 32, sp"],
           [((0,), words[2])])
    f.func("loadq_large_offset", ["subp 32, sp", "storeq t1, 16[sp]", "move sp, t3", "subq 0x7fff0000, t3",
                                  "loadq 0x7fff0010[t3], t0", "addp 32, sp"], [((0, 0x5555AAAA5555AAAA), 0x5555AAAA5555AAAA)])
    f.func("loadq_negative_large_offset", ["subp 32, sp", "storeq t1, 8[sp]", "move sp, t3",
                                           "addq 0x7fffff00, t3", "loadq -0x7ffffef8[t3], t0", "addp 32, sp"],
           [((0, 0x5555AAAA5555AAAA), 0x5555AAAA5555AAAA)])
    return f


# ---------------------------------------------------------------------------


def gen_atomics():
    f = CorpusFile(
        "atomics.asm",
        "atomics and fences (INSTRUCTIONS.md §16)",
        "Atomic read-modify-write in the x86 two-operand form `op v!, m` (old value\n"
        "returned in v) and the three-operand form `op v, m, r!` (old value in r, v\n"
        "unchanged); compare-and-swap (`e` is t0, as x86 requires) with and without\n"
        "branch; atomic loads; fences. The memory word is an 8-byte-aligned slot\n"
        "read back as 64 bits, so the access width is checked too.",
    )
    widths = [("b", 8), ("h", 16), ("i", 32), ("q", 64)]
    cases = [(0x1122334455667788, 0x0102030405060708), (0xFFFFFFFFFFFFFFFF, 1), (0x80000000800000FF, 0x8000000180008001),
             (0, u64(-1))]
    for fam, fn in [("atomicxchgadd", lambda old, v, w: old + v), ("atomicxchgsub", lambda old, v, w: old - v),
                    ("atomicxchg", lambda old, v, w: v)]:
        for ws, w in widths:
            m = fam + ws
            f.section(m)
            frame = ["subp 16, sp", "storeq t0, 8[sp]"]
            # two-operand: old value -> v (t1)
            f.func(m + "_2_old", frame + ["%s t1, 8[sp]" % m, "move t1, t0", "addp 16, sp"],
                   [((mem, v), lo(mem, w)) for mem, v in cases])
            f.func(m + "_2_mem", frame + ["%s t1, 8[sp]" % m, "loadq 8[sp], t0", "addp 16, sp"],
                   [((mem, v), merge(mem, fn(lo(mem, w), lo(v, w), w), w)) for mem, v in cases])
            # three-operand: old value -> r (t2); v (t1) unchanged
            f.func(m + "_3_old", frame + ["%s t1, 8[sp], t2" % m, "move t2, t0", "addp 16, sp"],
                   [((mem, v, GARBAGE), lo(mem, w)) for mem, v in cases])
            f.func(m + "_3_v", frame + ["%s t1, 8[sp], t2" % m, "move t1, t0", "addp 16, sp"],
                   [((mem, v, GARBAGE), v) for mem, v in cases])
            f.func(m + "_3_mem", frame + ["%s t1, 8[sp], t2" % m, "loadq 8[sp], t0", "addp 16, sp"],
                   [((mem, v, GARBAGE), merge(mem, fn(lo(mem, w), lo(v, w), w), w)) for mem, v in cases])
            f.func(m + "_3_same", frame + ["%s t1, 8[sp], t1" % m, "move t1, t0", "addp 16, sp"],
                   [((mem, v), lo(mem, w)) for mem, v in cases])
            # other registers, indexed address
            f.func(m + "_2_t5_idx", ["subp 32, sp", "move 2, t3", "storeq t0, [sp, t3, 8]", "move t1, t5",
                                     "%s t5, 8[sp, t3, 4]" % m, "loadq 16[sp], t1", "addq t1, t5",
                                     "move t5, t0", "addp 32, sp"],
                   [((mem, v), u64(lo(mem, w) + merge(mem, fn(lo(mem, w), lo(v, w), w), w))) for mem, v in cases],
                   comment="returns old + new memory word")
    # compare-and-swap
    cas_cases = [(0x1122334455667788, 0x1122334455667788, 0xA1A2A3A4A5A6A7A8),  # equal at every width
                 (0x1122334455667788, 0x9922334455667788, 0xA1A2A3A4A5A6A7A8),  # differs only in the top byte
                 (0x1122334455667788, 0x1122334455667700, 0xA1A2A3A4A5A6A7A8),  # differs in the low byte
                 (0xFFFFFFFFFFFFFFFF, 0x00000000FFFFFFFF, 0),                 # equal in the low 32 bits
                 (0x80, 0xFFFFFFFFFFFFFF80, 0x7F)]
    for ws, w in widths:
        for pre in ["", "b"]:
            m = "%satomicweakcas%s" % (pre, ws)
            f.section(m)
            setup = ["subp 16, sp", "storeq t0, 8[sp]", "move t1, t0", "move t2, t1"]

            def swapped(mem, e, n):
                return lo(mem, w) == lo(e, w)

            def newmem(mem, e, n):
                return merge(mem, n, w) if swapped(mem, e, n) else mem

            if pre == "":
                f.func(m + "_old", setup + ["%s t0, t1, 8[sp]" % m, "addp 16, sp"],
                       [((mem, e, n), lo(mem, w)) for mem, e, n in cas_cases])
                f.func(m + "_mem", setup + ["%s t0, t1, 8[sp]" % m, "loadq 8[sp], t0", "addp 16, sp"],
                       [((mem, e, n), newmem(mem, e, n)) for mem, e, n in cas_cases])
                f.func(m + "_n_kept", setup + ["%s t0, t1, 8[sp]" % m, "move t1, t0", "addp 16, sp"],
                       [((mem, e, n), n) for mem, e, n in cas_cases])
                f.func(m + "_t5_idx", ["subp 32, sp", "move 1, t3", "storeq t0, 8[sp, t3, 8]", "move t1, t0",
                                       "move t2, t5", "%s t0, t5, 8[sp, t3, 8]" % m, "loadq 16[sp], t1",
                                       "addq t1, t0", "addp 32, sp"],
                       [((mem, e, n), u64(lo(mem, w) + newmem(mem, e, n))) for mem, e, n in cas_cases],
                       comment="returns old + new memory word")
            else:
                n_ = m + "_br"
                f.func(n_, setup + ["%s t0, t1, 8[sp], .%s_fail" % (m, n_), "move 1, t0", "jmp .%s_out" % n_,
                                    ".%s_fail:" % n_, "move 0, t0", ".%s_out:" % n_, "addp 16, sp"],
                       [((mem, e, n), 1 if swapped(mem, e, n) else 0) for mem, e, n in cas_cases],
                       comment="1 if the swap happened (branch not taken)")
                n_ = m + "_old"
                f.func(n_, setup + ["%s t0, t1, 8[sp], .%s_fail" % (m, n_), ".%s_fail:" % n_, "addp 16, sp"],
                       [((mem, e, n), lo(mem, w)) for mem, e, n in cas_cases])
                n_ = m + "_mem"
                f.func(n_, setup + ["%s t0, t1, 8[sp], .%s_fail" % (m, n_), ".%s_fail:" % n_, "loadq 8[sp], t0",
                                    "addp 16, sp"],
                       [((mem, e, n), newmem(mem, e, n)) for mem, e, n in cas_cases])
    # atomic loads
    for ws, w in widths:
        m = "atomicload" + ws
        f.section(m)
        vals = [0x8877665544332211, 0xFFFFFFFFFFFFFFFF, 0x80]
        f.func(m + "_0", ["subp 16, sp", "storeq t0, 8[sp]", "%s 8[sp], t0" % m, "addp 16, sp"],
               [((v,), lo(v, w)) for v in vals])
        f.func(m + "_idx_t5", ["subp 16, sp", "storeq t0, 8[sp]", "move 1, t3", "%s [sp, t3, 8], t5" % m,
                               "move t5, t0", "addp 16, sp"], [((v,), lo(v, w)) for v in vals])
    f.section("fences")
    for m in ["memfence", "fence"]:
        f.func(m + "_0", ["subp 16, sp", "storeq t0, 8[sp]", m, "loadq 8[sp], t1", m, "addq t1, t0", "addp 16, sp"],
               [((v,), u64(2 * v)) for v in [1, 0x8000000000000000, 21]])
        f.func(m + "_regs_kept", ["move t1, t5", "move t2, t4", m, "addq t5, t0", "addq t4, t0", "addq t3, t0"],
               [((1, 2, 3, 4), 10), ((M64, M64, M64, 4), 1)])
    return f


def merge(old, new, w):
    return (old & ~MASK[w] & M64) | lo(new, w)


if __name__ == "__main__":
    main([gen_loads_stores(), gen_addressing(), gen_atomics()])
