//! The data of the instruction table (INSTRUCTIONS.md §2–§19).
//!
//! Each family is generated from one definition (a loop over its widths and
//! conditions). Operand specs are written `o(kinds, access, width)`; a `!`
//! in the spec is `WR` (written only) or `RW` (read-modify-write).

use super::*;
use Access::{Address as AD, Read as R, ReadWrite as RW, Write as WR};
use Width::{B, D, F, H, I, Q, V};

const NW: Width = Width::None;
const GPR: Kinds = Kinds::GPR;
const FPR: Kinds = Kinds::FPR;
const IMM: Kinds = Kinds::IMM;
const ADDR: Kinds = Kinds::ADDR;
const LBL: Kinds = Kinds::LABEL;
const DLBL: Kinds = Kinds::DATA_LABEL;
const STR: Kinds = Kinds::STR;
const GI: Kinds = GPR.union(IMM);
const GA: Kinds = GPR.union(ADDR);
const GIA: Kinds = GI.union(ADDR);

/// Integer widths of the arithmetic families: `i`, `p` (≡ `q`, §1.3), `q`.
const IPQ: [WidthSuffix; 3] = [("i", I), ("p", Q), ("q", Q)];
/// Widths of the compare/test families (§5–§8).
const BIPQ: [WidthSuffix; 4] = [("b", B), ("i", I), ("p", Q), ("q", Q)];
/// Widths of the atomic families (§16).
const BHIQ: [WidthSuffix; 4] = [("b", B), ("h", H), ("i", I), ("q", Q)];
/// A mnemonic width suffix and the width it denotes.
type WidthSuffix = (&'static str, Width);
/// FP widths (§10–§13).
const FD: [WidthSuffix; 2] = [("f", F), ("d", D)];

fn o(kinds: Kinds, access: Access, width: Width) -> OperandSpec {
    OperandSpec { kinds, access, width }
}

/// A fixed-arity form; adds [`Rule::AtMostOneAddr`] (§1.2) when two or more
/// operands admit an Addr.
fn form(operands: Vec<OperandSpec>) -> Form {
    let addrs = operands.iter().filter(|s| s.kinds.intersects(ADDR)).count();
    let rules = if addrs >= 2 { vec![Rule::AtMostOneAddr] } else { vec![] };
    Form { operands, variadic: false, rules }
}

impl Form {
    fn rule(mut self, r: Rule) -> Form {
        self.rules.push(r);
        self
    }
    fn repeat_last(mut self) -> Form {
        self.variadic = true;
        self
    }
}

fn ins(name: impl Into<String>, op: Op, width: Width, forms: Vec<Form>) -> InstrDef {
    InstrDef { name: name.into(), op, width, forms, avail: Avail::All, effects: Effects::NONE }
}

impl InstrDef {
    fn on(mut self, a: Avail) -> InstrDef {
        self.avail = a;
        self
    }
    fn fx(mut self, e: Effects) -> InstrDef {
        self.effects = self.effects | e;
        self
    }
}

fn bits(w: Width) -> i128 {
    w.bits().unwrap() as i128
}

/// §4.1 / §9.2: `op s, d!` and `op a, b, d!`.
fn arith_forms(w: Width) -> Vec<Form> {
    vec![
        form(vec![o(GIA, R, w), o(GA, RW, w)]),
        form(vec![o(GI, R, w), o(GI, R, w), o(GPR, WR, w)]).rule(Rule::NotBothImm(0, 1)),
    ]
}

/// §10: `op s, d!` and `op a, b, d!` on Fprs.
fn fp_arith_forms(w: Width) -> Vec<Form> {
    vec![
        form(vec![o(FPR, R, w), o(FPR, RW, w)]),
        form(vec![o(FPR, R, w), o(FPR, R, w), o(FPR, WR, w)]),
    ]
}

/// Two-register form `op s, d!` with given kinds.
fn unary(sk: Kinds, sw: Width, dk: Kinds, dw: Width) -> Vec<Form> {
    vec![form(vec![o(sk, R, sw), o(dk, WR, dw)])]
}

/// `jmp`/`call` targets (§14) with the optional pointer-auth `tag`, `div` Imms.
fn target_forms() -> Vec<Form> {
    let t = o(LBL | GPR | ADDR, R, Q);
    let imm = o(IMM, R, Q);
    vec![
        form(vec![t.clone()]),
        form(vec![t.clone(), imm.clone()]),
        form(vec![t, imm.clone(), imm]),
    ]
}

pub(super) fn build() -> Vec<InstrDef> {
    let mut v: Vec<InstrDef> = Vec::with_capacity(700);
    moves(&mut v);
    loads_stores(&mut v);
    integer(&mut v);
    compares(&mut v);
    floating(&mut v);
    control(&mut v);
    atomics(&mut v);
    helpers(&mut v);
    reserved(&mut v);
    v
}

/// §2: moves, extensions, address computation, stack slots.
fn moves(v: &mut Vec<InstrDef>) {
    v.push(
        ins("move", Op::Move, Q, vec![
            form(vec![o(GI, R, Q), o(GPR, WR, Q)]).rule(Rule::AllowsLabelDifference(0)),
            form(vec![o(ADDR, R, Q), o(GPR, WR, Q)]),
        ])
        .fx(Effects::WARN_MOVE_FROM_MEMORY),
    );
    v.push(ins("moved", Op::Move, D, unary(FPR, D, FPR, D)));
    v.push(ins("movdz", Op::MoveZero, D, vec![form(vec![o(FPR, WR, D)])]));
    for (name, from, to) in [("sxi2q", I, Q), ("sxb2i", B, I), ("sxh2i", H, I), ("sxb2q", B, Q), ("sxh2q", H, Q)] {
        v.push(ins(name, Op::SignExtend { from }, to, unary(GPR, from, GPR, to)));
    }
    v.push(ins("zxi2q", Op::ZeroExtend { from: I }, Q, unary(GPR, I, GPR, Q)));
    v.push(ins("leai", Op::Lea, I, vec![form(vec![o(ADDR, AD, I), o(GPR, WR, I)])]));
    v.push(ins("leap", Op::Lea, Q, vec![form(vec![o(ADDR | DLBL, AD, Q), o(GPR, WR, Q)])]));
    v.push(
        ins("peek", Op::Peek, Q, vec![form(vec![o(IMM, R, Q), o(GPR, WR, Q)])])
            .fx(Effects::READS_SP | Effects::MEMORY_READ),
    );
    v.push(
        ins("poke", Op::Poke, Q, vec![form(vec![o(GI, R, Q), o(IMM, R, Q)])])
            .fx(Effects::READS_SP | Effects::MEMORY_WRITE),
    );
    // offasm extension (docs/instructions-extensions.md): a parallel move into
    // a0..a(n-1); the sources are all read first.
    let f = form(vec![o(GI, R, Q)]).repeat_last().rule(Rule::MaxArgRegs);
    v.push(ins("moveargs", Op::MoveArgs, Q, vec![f]).fx(Effects::WRITES_ARGS));
    for (name, op, acc, fx) in [
        ("push", Op::Push, R, Effects::PUSHES | Effects::MEMORY_WRITE),
        ("pop", Op::Pop, WR, Effects::POPS | Effects::MEMORY_READ),
    ] {
        let mut f = form(vec![o(GPR, acc, Q)]).repeat_last().rule(Rule::EvenCountOnArm64);
        if op == Op::Pop {
            f = f.rule(Rule::NoSp);
        }
        v.push(ins(name, op, Q, vec![f]).fx(fx));
    }
}

/// §3: loads and stores, including the pair forms.
fn loads_stores(v: &mut Vec<InstrDef>) {
    // (name, memory width, signed, extended to, destination kind, ★ label source)
    let loads = [
        ("loadb", B, false, Q, GPR, true), ("loadbsi", B, true, I, GPR, true),
        ("loadbsq", B, true, Q, GPR, true), ("loadh", H, false, Q, GPR, true),
        ("loadhsi", H, true, I, GPR, true), ("loadhsq", H, true, Q, GPR, true),
        ("loadi", I, false, Q, GPR, true), ("loadis", I, true, Q, GPR, true),
        ("loadp", Q, false, Q, GPR, true), ("loadq", Q, false, Q, GPR, true),
        ("loadf", F, false, F, FPR, false), ("loadd", D, false, D, FPR, false),
        ("loadv", V, false, V, FPR, true),
    ];
    for (name, w, signed, ext_to, dk, star) in loads {
        let src = if star { ADDR | DLBL } else { ADDR };
        let mut f = form(vec![o(src, R, w), o(dk, WR, ext_to)]);
        if star {
            f = f.rule(Rule::GlobalLabelOnly(0));
        }
        v.push(ins(name, Op::Load { signed, ext_to }, w, vec![f]));
    }
    let stores = [
        ("b", B, GI), ("h", H, GI), ("i", I, GI), ("p", Q, GI), ("q", Q, GI),
        ("f", F, FPR), ("d", D, FPR), ("v", V, FPR),
    ];
    for (s, w, sk) in stores {
        v.push(ins(format!("store{s}"), Op::Store, w, vec![form(vec![o(sk, R, w), o(ADDR, WR, w)])]));
    }
    // (load name, store name, element width, register kind, availability)
    for (ld, st, w, k, avail) in [
        ("load2ia", "store2ia", I, GPR, Avail::All),
        ("loadpairq", "storepairq", Q, GPR, Avail::Arm64),
        ("loadpaird", "storepaird", D, FPR, Avail::Arm64),
    ] {
        let mut lf = form(vec![o(ADDR, R, w), o(k, WR, w), o(k, WR, w)]);
        if avail == Avail::Arm64 {
            lf = lf.rule(Rule::Distinct(1, 2)); // §3: d1 ≠ d2 (not stated for load2ia)
        }
        v.push(ins(ld, Op::LoadPair, w, vec![lf]).on(avail));
        let sf = form(vec![o(k, R, w), o(k, R, w), o(ADDR, WR, w)]);
        v.push(ins(st, Op::StorePair, w, vec![sf]).on(avail));
    }
}

/// §4: integer arithmetic, logic, shifts, bit counting, division.
fn integer(v: &mut Vec<InstrDef>) {
    let ops = [("add", Op::Add), ("sub", Op::Sub), ("mul", Op::Mul), ("and", Op::And), ("or", Op::Or), ("xor", Op::Xor)];
    for (n, op) in ops {
        for (s, w) in IPQ {
            v.push(ins(format!("{n}{s}"), op, w, arith_forms(w)));
        }
    }
    // §9.2 flag-setting twins: exactly the plain instruction, plus flags.
    for (name, op, w) in [("addis", Op::Add, I), ("addps", Op::Add, Q), ("subis", Op::Sub, I), ("oris", Op::Or, I)] {
        v.push(ins(name, op, w, arith_forms(w)).fx(Effects::SETS_FLAGS));
    }
    v.push(ins("orh", Op::Or, H, vec![form(vec![o(GI, R, H), o(GA, RW, H)])]));
    // §4.3: there is no `notp`.
    let unary_int = [
        ("negi", Op::Neg, I), ("negp", Op::Neg, Q), ("negq", Op::Neg, Q), ("noti", Op::Not, I), ("notq", Op::Not, Q),
    ];
    for (name, op, w) in unary_int {
        v.push(ins(name, op, w, vec![form(vec![o(GA, RW, w)])]));
    }
    // §4.4: shifts have a 3-operand form, rotates do not and have no `p` spelling.
    let shifts = [
        ("lshift", Op::LShift, true), ("rshift", Op::RShift, true), ("urshift", Op::URShift, true),
        ("lrotate", Op::LRotate, false), ("rrotate", Op::RRotate, false),
    ];
    for (n, op, is_shift) in shifts {
        for (s, w) in IPQ {
            if !is_shift && s == "p" {
                continue;
            }
            let max = bits(w) - 1;
            let two = form(vec![o(GI, R, w), o(GPR, RW, w)]).rule(Rule::ImmRange(0, 0, max));
            let three = form(vec![o(GPR, R, w), o(GI, R, w), o(GPR, WR, w)]).rule(Rule::ImmRange(1, 0, max));
            let forms = if is_shift { vec![two, three] } else { vec![two] };
            v.push(ins(format!("{n}{s}"), op, w, forms));
        }
    }
    for (n, op) in [("lzcnt", Op::Lzcnt), ("tzcnt", Op::Tzcnt)] {
        for (s, w) in [("i", I), ("q", Q)] {
            v.push(ins(format!("{n}{s}"), op, w, unary(GPR, w, GPR, w)));
        }
    }
    let bfi = form(vec![o(GPR, R, Q), o(IMM, R, Q), o(IMM, R, Q), o(GPR, RW, Q)])
        .rule(Rule::ImmRange(1, 0, 63))
        .rule(Rule::ImmRange(2, 1, 64))
        .rule(Rule::BfiWidth);
    v.push(ins("bfiq", Op::BitFieldInsert, Q, vec![bfi]).on(Avail::Arm64));
    // §4.6: the divisor is the first operand in both forms.
    for (s, w, signed) in [("i", I, false), ("is", I, true), ("q", Q, false), ("qs", Q, true)] {
        let forms = vec![
            form(vec![o(GPR, R, w), o(GPR, RW, w)]),
            form(vec![o(GPR, R, w), o(GPR, R, w), o(GPR, WR, w)]),
        ];
        v.push(ins(format!("div{s}"), Op::Div { signed }, w, forms).on(Avail::Arm64));
    }
    // §4.7: x86 sign extension into r1 and r1:r0 division.
    for (name, w) in [("cdqi", I), ("cqoq", Q)] {
        v.push(
            ins(name, Op::SignExtendR0IntoR1, w, vec![form(vec![])])
                .on(Avail::X86)
                .fx(Effects::READS_R0 | Effects::WRITES_R1),
        );
    }
    for (name, w, signed) in [("idivi", I, true), ("udivi", I, false), ("idivq", Q, true), ("udivq", Q, false)] {
        let f = form(vec![o(GPR, R, w)]).rule(Rule::NotR0R1(0));
        let fx = Effects::READS_R0 | Effects::READS_R1 | Effects::WRITES_R0 | Effects::WRITES_R1;
        v.push(ins(name, Op::X86Div { signed }, w, vec![f]).on(Avail::X86).fx(fx));
    }
    let smull = form(vec![o(GPR, R, I), o(GPR, R, I), o(GPR, WR, Q)]);
    v.push(ins("smulli", Op::MulWiden { signed: true }, I, vec![smull]).on(Avail::Arm64));
}

/// §5–§9: compare/test and set, compare/test and branch, arithmetic with branch.
fn compares(v: &mut Vec<InstrDef>) {
    let label = || o(LBL, R, NW);
    for (s, w) in BIPQ {
        for c in Cond::ALL {
            let (l, r) = (o(GIA, R, w), o(GIA, R, w));
            let set = form(vec![l.clone(), r.clone(), o(GPR, WR, Q)]).rule(Rule::NotBothImm(0, 1));
            v.push(ins(format!("c{s}{}", c.suffix()), Op::CompareSet(c), w, vec![set]));
            let br = form(vec![l, r, label()]).rule(Rule::NotBothImm(0, 1));
            v.push(ins(format!("b{s}{}", c.suffix()), Op::CompareBranch(c), w, vec![br]).fx(Effects::BRANCH));
        }
        for c in TestCond::ALL {
            let (val, mask) = (o(GA, R, w), o(GI, R, w));
            let set = vec![
                form(vec![val.clone(), o(GPR, WR, Q)]),
                form(vec![val.clone(), mask.clone(), o(GPR, WR, Q)]),
            ];
            v.push(ins(format!("t{s}{}", c.suffix()), Op::TestSet(c), w, set));
            let br = vec![form(vec![val.clone(), label()]), form(vec![val, mask, label()])];
            v.push(ins(format!("bt{s}{}", c.suffix()), Op::TestBranch(c), w, br).fx(Effects::BRANCH));
        }
    }
    // §9.1: b + op + width + cond.
    let fams: [(&str, ArithOp, &[WidthSuffix]); 4] = [
        ("add", ArithOp::Add, &IPQ), ("sub", ArithOp::Sub, &IPQ[..1]),
        ("mul", ArithOp::Mul, &IPQ[..1]), ("or", ArithOp::Or, &IPQ[..1]),
    ];
    for (n, op, widths) in fams {
        for &(s, w) in widths {
            for cond in FlagCond::ALL {
                let forms = vec![
                    form(vec![o(GIA, R, w), o(GA, RW, w), label()]),
                    form(vec![o(GI, R, w), o(GI, R, w), o(GPR, WR, w), label()]).rule(Rule::NotBothImm(0, 1)),
                ];
                let name = format!("b{n}{s}{}", cond.suffix());
                v.push(ins(name, Op::ArithBranch { op, cond }, w, forms).fx(Effects::BRANCH));
            }
        }
    }
    // §9.3: branch on recorded flags.
    for cond in FlagCond::ALL {
        let f = form(vec![label()]).rule(Rule::FollowsFlagSetter);
        let fx = Effects::BRANCH | Effects::USES_FLAGS;
        v.push(ins(format!("b{}", cond.suffix()), Op::FlagBranch(cond), NW, vec![f]).fx(fx));
    }
}

/// §10–§13: FP arithmetic, conversions, bit moves, FP compares and branches.
fn floating(v: &mut Vec<InstrDef>) {
    let binops = [
        ("add", Op::Add), ("sub", Op::Sub), ("mul", Op::Mul), ("div", Op::FDiv), ("and", Op::And), ("or", Op::Or),
    ];
    let unops = [
        ("sqrt", Op::Sqrt), ("abs", Op::Abs), ("neg", Op::Neg), ("floor", Op::Floor),
        ("ceil", Op::Ceil), ("round", Op::Round), ("truncate", Op::Truncate),
    ];
    for (s, w) in FD {
        for (n, op) in binops {
            v.push(ins(format!("{n}{s}"), op, w, fp_arith_forms(w)));
        }
        for (n, op) in unops {
            v.push(ins(format!("{n}{s}"), op, w, unary(FPR, w, FPR, w)));
        }
    }
    // §11.1: c{i,q}2{d,f}[s]; unsigned 64-bit sources take an optional scratch.
    for (is, from) in [("i", I), ("q", Q)] {
        for (fs, to) in [("d", D), ("f", F)] {
            for signed in [false, true] {
                let mut forms = unary(GPR, from, FPR, to);
                if from == Q && !signed {
                    forms.push(form(vec![o(GPR, R, Q), o(GPR, WR, Q), o(FPR, WR, to)]));
                }
                let name = format!("c{is}2{fs}{}", if signed { "s" } else { "" });
                v.push(ins(name, Op::IntToFp { from, signed }, to, forms));
            }
        }
    }
    // §11.2: truncate{f,d}2{i,q}[s], plus the legacy `td2i`.
    for (fs, from) in FD {
        for (is, to) in [("i", I), ("q", Q)] {
            for signed in [false, true] {
                let name = format!("truncate{fs}2{is}{}", if signed { "s" } else { "" });
                v.push(ins(name, Op::FpToInt { from, signed }, to, unary(FPR, from, GPR, to)));
            }
        }
    }
    v.push(ins("td2i", Op::FpToInt { from: D, signed: true }, I, unary(FPR, D, GPR, I)));
    // §11.3
    for (name, exact) in [("bcd2i", true), ("btd2i", false)] {
        let f = form(vec![o(FPR, R, D), o(GPR, WR, I), o(LBL, R, NW)]);
        v.push(ins(name, Op::CheckedD2I { exact }, I, vec![f]).fx(Effects::BRANCH));
    }
    // §11.4, §11.5
    v.push(ins("cd2f", Op::FpConvert { from: D }, F, unary(FPR, D, FPR, F)));
    v.push(ins("cf2d", Op::FpConvert { from: F }, D, unary(FPR, F, FPR, D)));
    for (name, from, to) in [("fq2d", Q, D), ("fd2q", D, Q), ("fi2f", I, F), ("ff2i", F, I)] {
        let k = |w: Width| if w.is_float() { FPR } else { GPR };
        v.push(ins(name, Op::BitMove { from }, to, unary(k(from), from, k(to), to)));
    }
    let fii2d = form(vec![o(GPR, R, I), o(GPR, R, I), o(FPR, WR, D)]);
    v.push(ins("fii2d", Op::FpFromIntPair, D, vec![fii2d]));
    let fd2ii = form(vec![o(FPR, R, D), o(GPR, WR, I), o(GPR, WR, I)]).rule(Rule::Distinct(1, 2));
    v.push(ins("fd2ii", Op::FpToIntPair, D, vec![fd2ii]));
    // §12: compare and set; the only unordered variant is `nequn`.
    for (s, w) in FD {
        for cond in FCond::ALL {
            for unordered in [false, true] {
                if unordered && cond != FCond::Neq {
                    continue;
                }
                let f = form(vec![o(FPR, R, w), o(FPR, R, w), o(GPR, WR, Q)]);
                let name = format!("c{s}{}{}", cond.suffix(), if unordered { "un" } else { "" });
                v.push(ins(name, Op::FCompareSet { cond, unordered }, w, vec![f]));
            }
        }
    }
    // §13: all 12 double branches; binary32 lacks neq, gteq, lteq, equn, nequn.
    for (s, w) in FD {
        for cond in FCond::ALL {
            for unordered in [false, true] {
                let missing = matches!(
                    (cond, unordered),
                    (FCond::Neq, _) | (FCond::Eq, true) | (FCond::Gteq | FCond::Lteq, false)
                );
                if w == F && missing {
                    continue;
                }
                let f = form(vec![o(FPR, R, w), o(FPR, R, w), o(LBL, R, NW)]);
                let name = format!("b{s}{}{}", cond.suffix(), if unordered { "un" } else { "" });
                v.push(ins(name, Op::FBranch { cond, unordered }, w, vec![f]).fx(Effects::BRANCH));
            }
        }
    }
}

/// §14, §15: control flow and the pointer-authentication no-ops.
fn control(v: &mut Vec<InstrDef>) {
    v.push(ins("jmp", Op::Jmp, NW, target_forms()).fx(Effects::BRANCH | Effects::TERMINATOR));
    v.push(ins("call", Op::Call, NW, target_forms()).fx(Effects::CALL));
    v.push(ins("ret", Op::Ret, NW, vec![form(vec![])]).fx(Effects::RETURN | Effects::TERMINATOR));
    v.push(ins("break", Op::Break, NW, vec![form(vec![])]).fx(Effects::TRAP | Effects::TERMINATOR));
    v.push(ins("nop", Op::Nop, NW, vec![form(vec![])]));
    let g = |a| o(GPR, a, Q);
    let pac: [(&str, Vec<Form>); 6] = [
        ("tagReturnAddress", vec![form(vec![g(R)])]),
        ("untagReturnAddress", vec![form(vec![g(R)])]),
        ("tagCodePtr", vec![
            form(vec![g(RW), o(GI, R, Q)]),
            form(vec![g(RW), o(GI, R, Q), o(IMM, R, Q), g(R)]),
        ]),
        ("removeCodePtrTag", vec![form(vec![g(RW)])]),
        ("untagArrayPtr", vec![form(vec![o(GA, R, Q), g(RW)])]),
        ("removeArrayPtrTag", vec![form(vec![g(RW)])]),
    ];
    for (name, forms) in pac {
        v.push(ins(name, Op::PtrAuth, Q, forms));
    }
}

/// §16: fences and atomics.
fn atomics(v: &mut Vec<InstrDef>) {
    for name in ["memfence", "fence"] {
        v.push(ins(name, Op::Fence, NW, vec![form(vec![])]).fx(Effects::FENCE));
    }
    let rmw = [
        ("xchgadd", AtomicOp::Add, Avail::All), ("xchgsub", AtomicOp::Sub, Avail::All),
        ("xchgclear", AtomicOp::Clear, Avail::Arm64), ("xchgor", AtomicOp::Or, Avail::Arm64),
        ("xchgxor", AtomicOp::Xor, Avail::Arm64), ("xchg", AtomicOp::Xchg, Avail::All),
    ];
    for (n, aop, avail) in rmw {
        for (s, w) in BHIQ {
            let forms = vec![
                form(vec![o(GPR, RW, w), o(ADDR, RW, w)]),
                form(vec![o(GPR, R, w), o(ADDR, RW, w), o(GPR, WR, w)]),
            ];
            v.push(ins(format!("atomic{n}{s}"), Op::AtomicRmw(aop), w, forms).on(avail).fx(Effects::ATOMIC));
        }
    }
    for (s, w) in BHIQ {
        let cas = || vec![o(GPR, RW, w), o(GPR, R, w), o(ADDR, RW, w)];
        let f = form(cas()).rule(Rule::RaxOnX86(0));
        v.push(ins(format!("atomicweakcas{s}"), Op::AtomicCas { branch: false }, w, vec![f]).fx(Effects::ATOMIC));
        let mut ops = cas();
        ops.push(o(LBL, R, NW));
        let f = form(ops).rule(Rule::RaxOnX86(0));
        let fx = Effects::ATOMIC | Effects::BRANCH;
        v.push(ins(format!("batomicweakcas{s}"), Op::AtomicCas { branch: true }, w, vec![f]).fx(fx));
    }
    for (s, w) in BHIQ {
        let f = form(vec![o(ADDR, R, w), o(GPR, WR, w)]);
        v.push(ins(format!("atomicload{s}"), Op::AtomicLoad, w, vec![f.clone()]).fx(Effects::ATOMIC));
        let ll = ins(format!("loadlinkacq{s}"), Op::LoadLinkAcq, w, vec![f.rule(Rule::ZeroOffset(0))]);
        v.push(ll.on(Avail::Arm64).fx(Effects::ATOMIC));
        let sc = form(vec![o(GPR, WR, Q), o(GPR, R, w), o(ADDR, WR, w)])
            .rule(Rule::ZeroOffset(2))
            .rule(Rule::Distinct(0, 1))
            .rule(Rule::Distinct(0, 2));
        let sc = ins(format!("storecondrel{s}"), Op::StoreCondRel, w, vec![sc]);
        v.push(sc.on(Avail::Arm64).fx(Effects::ATOMIC));
    }
}

/// §17: target helpers and escapes.
fn helpers(v: &mut Vec<InstrDef>) {
    let emit = form(vec![o(STR | LBL, R, NW)]).repeat_last().rule(Rule::LocalLabelOnly(0));
    v.push(ins("emit", Op::Emit, NW, vec![emit]).fx(Effects::OPAQUE));
    let pcr = form(vec![o(LBL, AD, Q), o(GPR, WR, Q)]).rule(Rule::LabelDefinedInOutput(0));
    v.push(ins("pcrtoaddr", Op::PcRelAddr, Q, vec![pcr]).on(Avail::Arm64));
    let ga = form(vec![o(LBL, AD, Q), o(GPR, WR, Q)]).rule(Rule::GlobalLabelOnly(0));
    v.push(ins("globaladdr", Op::GlobalAddr, Q, vec![ga]).on(Avail::Arm64));
    let tl = form(vec![o(GI, R, Q), o(GPR, WR, Q)]);
    v.push(ins("tls_loadp", Op::TlsLoad, Q, vec![tl]).on(Avail::Apple).fx(Effects::MEMORY_READ));
    let ts = form(vec![o(GPR, R, Q), o(GI, R, Q)]);
    v.push(ins("tls_storep", Op::TlsStore, Q, vec![ts]).on(Avail::Apple).fx(Effects::MEMORY_WRITE));
}

/// §19: reserved mnemonics (ARMv7, MIPS, RISC-V-only, C loop). They have no
/// forms: the validator reports `instruction-unavailable` before operands.
pub(super) const RESERVED: &[&str] = &[
    "adci", "bcs", "clrbp", "mvlbl", "sbci", "moveii", "loadlinkb", "loadlinkh", "loadlinki",
    "loadlink2i", "storecondb", "storecondh", "storecondi", "storecond2i",
    "la", "movz", "movn", "setcallreg", "slt", "sltu", "pichdr",
    "umulli", "remi", "remis", "remq", "remqs",
    "cloopCrash", "cloopCallJSFunction", "cloopCallNative", "cloopCallSlowPath",
    "cloopCallSlowPathVoid", "cloopCallSlowPath3", "cloopCallSlowPath4", "cloopDo",
];

fn reserved(v: &mut Vec<InstrDef>) {
    for name in RESERVED {
        v.push(ins(*name, Op::Reserved, NW, vec![]).on(Avail::Reserved));
    }
}
