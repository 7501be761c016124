//! Lowering of validated instructions to x86-64 machine instructions
//! (INSTRUCTIONS.md semantics, TARGETS.md §3–§4 register maps). Each
//! instruction may use the scratch registers `r11` and the FP scratch
//! (`xmm15` System V, `xmm5` Windows) and nothing else.

use crate::back::code::{Code, Line, Sym, Text};
use crate::back::obj::Obj;
use crate::back::parallel_move::{Loc, Step};
use crate::back::{addr, arg_move_steps, constant_compare, constant_flag_branch, constant_test, imm, reg, sign_test};
use crate::front::lexer::Name;
use crate::isa::{ArithOp, AtomicOp, Cond, Effects, FCond, FlagCond, Op, TestCond, Width};
use crate::target::regs::{PhysReg, Reg, RegClass};
use crate::target::RegMap;
use crate::valid::{Instr, MemAddr, Program, Value};

use super::inst::{Arg, Base, Cc, Disp, Inst, Mem, Opc as O, Sfx, R11, RAX, RCX, RSP};
use super::regs::Size;

const N: Arg<'static> = Arg::None;

pub struct Lower<'a> {
    pub code: Code<'a, Inst<'a>>,
    pub map: RegMap,
    pub obj: Obj,
    pub prog: &'a Program,
    /// FP scratch register number (`xmm15` System V, `xmm5` Windows).
    pub fscratch: u8,
    /// Counter of labels made by lowering (`<P>oat<k>`).
    pub next_label: u32,
}

fn size_of(w: Width) -> Size {
    match w {
        Width::B => Size::B,
        Width::H => Size::W,
        Width::I => Size::L,
        _ => Size::Q,
    }
}

fn cc(c: Cond) -> Cc {
    match c {
        Cond::Eq => Cc::E,
        Cond::Neq => Cc::Ne,
        Cond::A => Cc::A,
        Cond::Aeq => Cc::Ae,
        Cond::B => Cc::B,
        Cond::Beq => Cc::Be,
        Cond::Gt => Cc::G,
        Cond::Gteq => Cc::Ge,
        Cond::Lt => Cc::L,
        Cond::Lteq => Cc::Le,
    }
}

/// The value of an immediate as the `size`-bit signed number x86 encodes.
fn imm_value(v: i128, size: Size) -> i64 {
    let bits = size.bits();
    let u = (v as u128 as u64) & if bits == 64 { u64::MAX } else { (1u64 << bits) - 1 };
    // Sign-extend from `bits`.
    ((u << (64 - bits)) as i64) >> (64 - bits)
}

fn fits_i32(v: i64) -> bool {
    (i32::MIN as i64..=i32::MAX as i64).contains(&v)
}

fn scratch<'a>(size: Size) -> Arg<'a> {
    Arg::Reg(R11, size)
}

impl<'a> Lower<'a> {
    pub fn new(map: RegMap, obj: Obj, prog: &'a Program) -> Lower<'a> {
        let fscratch = map.scratch_fpr().strip_prefix("xmm").and_then(|n| n.parse().ok()).unwrap_or(15);
        Lower { code: Code::default(), map, obj, prog, fscratch, next_label: 0 }
    }

    fn e0(&mut self, op: O, sfx: impl Into<Sfx>) {
        self.code.push(Inst::new(op, sfx, [N, N, N]));
    }
    fn e1(&mut self, op: O, sfx: impl Into<Sfx>, a: Arg<'a>) {
        self.code.push(Inst::new(op, sfx, [a, N, N]));
    }
    fn e2(&mut self, op: O, sfx: impl Into<Sfx>, a: Arg<'a>, b: Arg<'a>) {
        self.code.push(Inst::new(op, sfx, [a, b, N]));
    }
    fn e3(&mut self, op: O, sfx: impl Into<Sfx>, a: Arg<'a>, b: Arg<'a>, c: Arg<'a>) {
        self.code.push(Inst::new(op, sfx, [a, b, c]));
    }

    /// A fresh assembler-local label (`<P>oat<k>`, TARGETS.md §8.3).
    fn fresh_label(&mut self) -> Sym<'a> {
        self.next_label += 1;
        Sym::Fresh(self.next_label)
    }

    fn place(&mut self, l: Sym<'a>) {
        self.code.label(l);
    }

    fn phys(&self, r: Reg) -> PhysReg {
        self.map.phys(r).unwrap_or_else(|| unreachable!("validated register {}", r.name()))
    }

    /// Hardware number of a register.
    fn hw(&self, r: Reg) -> u8 {
        self.phys(r).index
    }

    /// A register operand at `size` (an XMM register keeps its one name:
    /// `movq` between XMM registers names both through this path).
    fn reg(&self, r: Reg, size: Size) -> Arg<'a> {
        let p = self.phys(r);
        match p.class {
            RegClass::Fpr => Arg::Xmm(p.index),
            RegClass::Gpr => Arg::Reg(p.index, size),
        }
    }

    fn xmm(&self, r: Reg) -> Arg<'a> {
        Arg::Xmm(self.hw(r))
    }

    fn fs(&self) -> Arg<'a> {
        Arg::Xmm(self.fscratch)
    }

    fn same(&self, a: Reg, b: Reg) -> bool {
        self.phys(a) == self.phys(b)
    }

    fn is_rcx(&self, r: Reg) -> bool {
        let p = self.phys(r);
        p.class == RegClass::Gpr && p.index == RCX
    }

    /// A reference to a label usable as a branch target or displacement.
    fn label(&self, name: &'a Name, local: bool) -> Sym<'a> {
        self.obj.code_ref(name, local, self.prog)
    }

    fn mem(&self, a: &'a MemAddr) -> Mem<'a> {
        let disp = match &a.diff {
            Some((p, m)) => Disp::Diff(self.label(p, false), self.label(m, false), a.offset),
            None => Disp::Num(a.offset),
        };
        Mem {
            disp,
            base: a.base.map_or(Base::None, |b| Base::Reg(self.hw(b))),
            index: a.index.map(|i| (self.hw(i), a.scale)),
            gs: false,
        }
    }

    /// Moves an immediate into register `dst` (hardware number) with the
    /// shortest correct instruction.
    fn mov_imm(&mut self, v: i128, dst: u8, size: Size) {
        let x = imm_value(v, size);
        match size {
            Size::Q if fits_i32(x) => self.e2(O::Mov, Sfx::Q, Arg::Imm(x), Arg::Reg(dst, Size::Q)),
            Size::Q if (0..=u32::MAX as i64).contains(&x) => self.e2(O::Mov, Sfx::L, Arg::Imm(x), Arg::Reg(dst, Size::L)),
            Size::Q => self.e2(O::Movabs, Sfx::Q, Arg::Imm(x), Arg::Reg(dst, Size::Q)),
            // 32-bit writes zero-extend; narrower results are produced as 32-bit.
            _ => self.e2(O::Mov, Sfx::L, Arg::Imm(imm_value(v, Size::L)), Arg::Reg(dst, Size::L)),
        }
    }

    /// An integer source operand at `size`; a 64-bit immediate that does not
    /// fit a sign-extended 32-bit field is first placed in the scratch.
    fn src(&mut self, v: &'a Value, size: Size) -> Arg<'a> {
        match v {
            Value::Reg(r) => self.reg(*r, size),
            Value::Imm(i) => {
                let x = imm_value(*i, size);
                if size == Size::Q && !fits_i32(x) {
                    self.mov_imm(*i, R11, Size::Q);
                    scratch(Size::Q)
                } else {
                    Arg::Imm(x)
                }
            }
            Value::Addr(a) => Arg::Mem(self.mem(a)),
            Value::LabelDiff { plus, minus, offset } => Arg::ImmDiff(self.label(plus, false), self.label(minus, false), *offset),
            Value::Label { .. } | Value::Str(_) => unreachable!("validated operand kind"),
        }
    }

    /// Copies an integer operand into register `dst` at `size` (32-bit
    /// moves zero-extend).
    fn load_into(&mut self, v: &'a Value, dst: Reg, size: Size) {
        match v {
            // The operation that follows writes (and zero-extends) the register.
            Value::Reg(r) if self.same(*r, dst) => {}
            Value::Imm(i) => {
                let d = self.hw(dst);
                self.mov_imm(*i, d, size)
            }
            _ => {
                let mv_size = if size == Size::Q { Size::Q } else { Size::L };
                let s = self.src(v, mv_size);
                let d = self.reg(dst, mv_size);
                self.e2(O::Mov, mv_size, s, d);
            }
        }
    }

    pub fn instr(&mut self, i: &'a Instr) {
        let def = i.def();
        let ops = &i.operands;
        let w = def.width;
        let size = size_of(w);
        match def.op {
            Op::Move => self.move_(ops),
            Op::MoveArgs => self.move_args(ops),
            Op::MoveZero => {
                let d = self.xmm(reg(&ops[0]));
                self.e2(O::Xorps, Sfx::None, d, d);
            }
            Op::SignExtend { from } => {
                let (s, d) = (reg(&ops[0]), reg(&ops[1]));
                let (fs, ts) = (size_of(from), size_of(w));
                let m = match fs {
                    Size::B => O::Movsb,
                    Size::W => O::Movsw,
                    _ => O::Movsl,
                };
                let (s, d) = (self.reg(s, fs), self.reg(d, ts));
                self.e2(m, ts, s, d);
            }
            Op::ZeroExtend { .. } => {
                let (s, d) = (self.reg(reg(&ops[0]), Size::L), self.reg(reg(&ops[1]), Size::L));
                self.e2(O::Mov, Sfx::L, s, d);
            }
            Op::Lea => self.lea(ops, size),
            Op::Peek => {
                let (n, d) = (imm(&ops[0]), reg(&ops[1]));
                let d = self.reg(d, Size::Q);
                self.e2(O::Mov, Sfx::Q, Arg::Mem(Mem { disp: Disp::Always((n * 8) as i64), ..Mem::base(RSP, 0) }), d);
            }
            Op::Poke => {
                let n = imm(&ops[1]);
                let s = self.src(&ops[0], Size::Q);
                self.e2(O::Mov, Sfx::Q, s, Arg::Mem(Mem { disp: Disp::Always((n * 8) as i64), ..Mem::base(RSP, 0) }));
            }
            Op::Push => {
                for o in ops {
                    let r = self.reg(reg(o), Size::Q);
                    self.e1(O::Push, Sfx::Q, r);
                }
            }
            Op::Pop => {
                for o in ops {
                    let r = self.reg(reg(o), Size::Q);
                    self.e1(O::Pop, Sfx::Q, r);
                }
            }
            Op::Load { signed, ext_to } => self.load(w, signed, ext_to, &ops[0], reg(&ops[1])),
            Op::Store => self.store(w, &ops[0], &ops[1]),
            Op::LoadPair => {
                // load2ia: both words are read before either register is written.
                let (m, d1, d2) = (addr(&ops[0]), reg(&ops[1]), reg(&ops[2]));
                let lo = Arg::Mem(self.mem(m));
                let hi = Arg::Mem(self.mem(m).plus(4));
                let in_address = |r: Reg| [m.base, m.index].into_iter().flatten().any(|x| self.same(x, r));
                let (r1, r2) = (self.reg(d1, Size::L), self.reg(d2, Size::L));
                if self.same(d1, d2) {
                    // One register written twice: the second word wins (§3).
                    self.e2(O::Mov, Sfx::L, hi, r2);
                } else if !in_address(d1) {
                    // The first write leaves the address intact: in order.
                    self.e2(O::Mov, Sfx::L, lo, r1);
                    self.e2(O::Mov, Sfx::L, hi, r2);
                } else if !in_address(d2) {
                    self.e2(O::Mov, Sfx::L, hi, r2);
                    self.e2(O::Mov, Sfx::L, lo, r1);
                } else {
                    self.e2(O::Mov, Sfx::L, lo, scratch(Size::L));
                    self.e2(O::Mov, Sfx::L, hi, r2);
                    self.e2(O::Mov, Sfx::L, scratch(Size::L), r1);
                }
            }
            Op::StorePair => {
                let (s1, s2, m) = (reg(&ops[0]), reg(&ops[1]), addr(&ops[2]));
                let lo = Arg::Mem(self.mem(m));
                let hi = Arg::Mem(self.mem(m).plus(4));
                let (r1, r2) = (self.reg(s1, Size::L), self.reg(s2, Size::L));
                self.e2(O::Mov, Sfx::L, r1, lo);
                self.e2(O::Mov, Sfx::L, r2, hi);
            }
            Op::Add | Op::Sub | Op::Mul | Op::And | Op::Or | Op::Xor if w.is_float() => self.fp_arith(def.op, w, ops),
            Op::FDiv => self.fp_arith(def.op, w, ops),
            Op::Add | Op::Sub | Op::Mul | Op::And | Op::Or | Op::Xor => {
                // Only the §9.2 twins (`addis`, …) promise flags to a following branch.
                let flags_used = def.effects.contains(Effects::SETS_FLAGS);
                if !flags_used && self.identity(def.op, ops, size) {
                    return;
                }
                let op = match def.op {
                    Op::Add => ArithOp::Add,
                    Op::Sub => ArithOp::Sub,
                    Op::Mul => ArithOp::Mul,
                    Op::Or => ArithOp::Or,
                    Op::And => {
                        self.int_op(O::And, true, ops, size);
                        return;
                    }
                    _ => {
                        self.int_op(O::Xor, true, ops, size);
                        return;
                    }
                };
                self.arith(op, ops, size, false, flags_used);
            }
            Op::Neg if w.is_float() => self.fp_sign(false, w, ops),
            Op::Neg | Op::Not => {
                let m = if def.op == Op::Neg { O::Neg } else { O::Not };
                let d = self.src(&ops[0], size);
                self.e1(m, size, d);
            }
            Op::LShift | Op::RShift | Op::URShift | Op::LRotate | Op::RRotate => {
                if !self.identity(def.op, ops, size) {
                    self.shift(def.op, ops, size)
                }
            }
            Op::Lzcnt | Op::Tzcnt => self.bitcount(def.op == Op::Lzcnt, ops, size),
            Op::SignExtendR0IntoR1 => self.e0(if size == Size::L { O::Cltd } else { O::Cqto }, Sfx::None),
            Op::X86Div { signed } => {
                let s = self.src(&ops[0], size);
                self.e1(if signed { O::Idiv } else { O::Div }, size, s);
            }
            Op::CompareSet(c) => {
                if let Some(b) = constant_compare(c, w, &ops[0], &ops[1]) {
                    self.set_constant(reg(&ops[2]), b);
                    return;
                }
                // `x < 0` (or `0 > x`): the sign bit, shifted down.
                let zero = |v: &Value| matches!(v, Value::Imm(0));
                let sign_of = match (c, &ops[0], &ops[1]) {
                    (Cond::Lt, v, z) | (Cond::Gt, z, v) if zero(z) && !matches!(v, Value::Imm(_)) => Some(v),
                    _ => None,
                };
                if let Some(v) = sign_of {
                    self.sign_bit(v, reg(&ops[2]), w);
                    return;
                }
                let c = self.compare(c, &ops[0], &ops[1], size);
                let d = self.reg(reg(&ops[2]), Size::L);
                self.set_movzx(cc(c), d);
            }
            Op::CompareBranch(c) => {
                if let Some(b) = constant_compare(c, w, &ops[0], &ops[1]) {
                    if b {
                        let l = self.target(&ops[2]);
                        self.e1(O::Jmp, Sfx::None, l);
                    }
                    return;
                }
                let c = self.compare(c, &ops[0], &ops[1], size);
                let l = self.target(&ops[2]);
                self.e1(O::J(cc(c)), Sfx::None, l);
            }
            Op::TestSet(t) => {
                let (v, m) = (&ops[0], if ops.len() == 3 { Some(&ops[1]) } else { None });
                let d = reg(ops.last().unwrap_or(v));
                if let Some(b) = constant_test(t, w, m) {
                    self.set_constant(d, b);
                    return;
                }
                if sign_test(t, w, m) {
                    self.sign_bit(v, d, w);
                    return;
                }
                // The sign of `v & m` into `d` when d is one of them: and, shift.
                if let (TestCond::S, Some(Value::Reg(mr)), Value::Reg(vr), Size::L | Size::Q) = (t, m, v, size) {
                    let other = if self.same(*vr, d) { Some(*mr) } else if self.same(*mr, d) { Some(*vr) } else { None };
                    if let Some(o) = other {
                        let (o, dr) = (self.reg(o, size), self.reg(d, size));
                        self.e2(O::And, size, o, dr);
                        self.e2(O::Shr, size, Arg::Imm(size.bits() as i64 - 1), dr);
                        return;
                    }
                }
                self.test(v, m, size);
                let d = self.reg(d, Size::L);
                self.set_movzx(test_cc(t), d);
            }
            Op::TestBranch(t) => {
                let (v, m) = (&ops[0], if ops.len() == 3 { Some(&ops[1]) } else { None });
                if let Some(b) = constant_test(t, w, m) {
                    if b {
                        let l = self.target(ops.last().unwrap_or(v));
                        self.e1(O::Jmp, Sfx::None, l);
                    }
                    return;
                }
                self.test(v, m, size);
                let l = self.target(ops.last().unwrap_or(v));
                self.e1(O::J(test_cc(t)), Sfx::None, l);
            }
            Op::ArithBranch { op, cond } => {
                let n = ops.len();
                if let Some(b) = constant_flag_branch(op, cond, w, &ops[..n - 1]) {
                    // The operation alone (no flags needed), then the known branch.
                    let plain = match op {
                        ArithOp::Add => Op::Add,
                        ArithOp::Sub => Op::Sub,
                        ArithOp::Mul => Op::Mul,
                        ArithOp::Or => Op::Or,
                    };
                    if !self.identity(plain, &ops[..n - 1], size) {
                        self.arith(op, &ops[..n - 1], size, false, false);
                    }
                    if b {
                        let l = self.target(&ops[n - 1]);
                        self.e1(O::Jmp, Sfx::None, l);
                    }
                    return;
                }
                // d := a - d with the sign/zero of the result only: neg, add
                // (the overflow of that add is not the subtraction's).
                if let (ArithOp::Sub, [a, Value::Reg(b), Value::Reg(d), _]) = (op, ops.as_slice()) {
                    if cond != FlagCond::O && self.same(*b, *d) && !matches!(a, Value::Reg(x) if self.same(*x, *d)) {
                        let dr = self.reg(*d, size);
                        self.e1(O::Neg, size, dr);
                        let src = self.src(a, size);
                        self.e2(O::Add, size, src, dr);
                        let l = self.target(&ops[n - 1]);
                        self.e1(O::J(flag_cc(cond)), Sfx::None, l);
                        return;
                    }
                }
                let needs_test = op == ArithOp::Mul && cond != FlagCond::O;
                self.arith(op, &ops[..n - 1], size, needs_test, true);
                if op == ArithOp::Or && cond == FlagCond::O {
                    return; // `or` never overflows (§9.1)
                }
                let l = self.target(&ops[n - 1]);
                self.e1(O::J(flag_cc(cond)), Sfx::None, l);
            }
            Op::FlagBranch(c) => {
                let l = self.target(&ops[0]);
                self.e1(O::J(flag_cc(c)), Sfx::None, l);
            }
            Op::Sqrt => {
                let (s, d) = (self.xmm(reg(&ops[0])), self.xmm(reg(&ops[1])));
                self.e2(O::Sqrts, fsuf(w), s, d);
            }
            Op::Abs => self.fp_sign(true, w, ops),
            Op::Floor | Op::Ceil | Op::Round | Op::Truncate => {
                let mode = match def.op {
                    Op::Round => 8,
                    Op::Floor => 9,
                    Op::Ceil => 10,
                    _ => 11,
                };
                let (s, d) = (self.xmm(reg(&ops[0])), self.xmm(reg(&ops[1])));
                self.e3(O::Rounds, fsuf(w), Arg::Imm(mode), s, d);
            }
            Op::IntToFp { from, signed } => self.int_to_fp(from, signed, w, ops),
            Op::FpToInt { from, signed } => self.fp_to_int(from, signed, w, ops),
            Op::CheckedD2I { exact } => self.checked_d2i(exact, ops),
            Op::FpConvert { from } => {
                let (s, d) = (self.xmm(reg(&ops[0])), self.xmm(reg(&ops[1])));
                self.e2(if from == Width::D { O::Cvtsd2ss } else { O::Cvtss2sd }, Sfx::None, s, d);
            }
            Op::BitMove { from } => {
                let (s, d) = (reg(&ops[0]), reg(&ops[1]));
                match from {
                    Width::Q => self.e2(O::Movq, Sfx::None, self.reg(s, Size::Q), self.xmm(d)),
                    Width::D => self.e2(O::Movq, Sfx::None, self.xmm(s), self.reg(d, Size::Q)),
                    Width::I => self.e2(O::Movd, Sfx::None, self.reg(s, Size::L), self.xmm(d)),
                    _ => self.e2(O::Movd, Sfx::None, self.xmm(s), self.reg(d, Size::L)),
                }
            }
            Op::FpFromIntPair => {
                let (lo, hi, d) = (reg(&ops[0]), reg(&ops[1]), reg(&ops[2]));
                // SSE4.1 (TARGETS.md §2.4): the high word goes into lane 1.
                let d = self.xmm(d);
                self.e2(O::Movd, Sfx::None, self.reg(lo, Size::L), d);
                self.e3(O::Pinsrd, Sfx::None, Arg::Imm(1), self.reg(hi, Size::L), d);
            }
            Op::FpToIntPair => {
                let (s, lo, hi) = (self.xmm(reg(&ops[0])), reg(&ops[1]), reg(&ops[2]));
                // SSE4.1 (TARGETS.md §2.4): lane 1 is the high word.
                self.e2(O::Movd, Sfx::None, s, self.reg(lo, Size::L));
                self.e3(O::Pextrd, Sfx::None, Arg::Imm(1), s, self.reg(hi, Size::L));
            }
            Op::FCompareSet { cond, unordered } => self.fp_compare_set(cond, unordered, w, ops),
            Op::FBranch { cond, unordered } => self.fp_branch(cond, unordered, w, ops),
            Op::Jmp | Op::Call => {
                let m = if def.op == Op::Jmp { O::Jmp } else { O::Call };
                let t = match &ops[0] {
                    Value::Label { name, local, .. } => Arg::Target(self.label(name, *local)),
                    Value::Reg(r) => Arg::IndReg(self.hw(*r)),
                    Value::Addr(a) => Arg::IndMem(self.mem(a)),
                    _ => unreachable!("validated jump target"),
                };
                self.e1(m, Sfx::None, t);
            }
            Op::Ret => self.e0(O::Ret, Sfx::None),
            Op::Break => self.e0(O::Int3, Sfx::None),
            Op::Nop => self.e0(O::Nop, Sfx::None),
            Op::PtrAuth => {}
            Op::Fence => self.e0(O::Mfence, Sfx::None),
            Op::AtomicRmw(aop) => self.atomic_rmw(aop, ops, size),
            Op::AtomicCas { branch } => {
                let (n, m) = (reg(&ops[1]), addr(&ops[2]));
                let (n, m) = (self.reg(n, size), Arg::Mem(self.mem(m)));
                self.e2(O::LockCmpxchg, size, n, m);
                let (al, eax) = (Arg::Reg(RAX, Size::B), Arg::Reg(RAX, Size::L));
                match size {
                    Size::B => self.e2(O::Movzb, Sfx::L, al, eax),
                    Size::W => self.e2(O::Movzw, Sfx::L, Arg::Reg(RAX, Size::W), eax),
                    Size::L => self.e2(O::Mov, Sfx::L, eax, eax),
                    Size::Q => {}
                }
                if branch {
                    let l = self.target(&ops[3]);
                    self.e1(O::J(Cc::Ne), Sfx::None, l);
                }
            }
            Op::AtomicLoad => self.load(w, false, Width::Q, &ops[0], reg(&ops[1])),
            Op::Emit => {
                let mut line = Text::default();
                for o in ops {
                    match o {
                        Value::Str(s) => line.str(s),
                        Value::Label { name, local, .. } => self.obj.write_sym(&mut line, self.label(name, *local)),
                        _ => {}
                    }
                }
                self.code.lines.push(Line::Raw(line.into_string()));
            }
            Op::TlsLoad => {
                let d = self.reg(reg(&ops[1]), Size::Q);
                let slot = self.tls_slot(&ops[0]);
                self.e2(O::Mov, Sfx::Q, slot, d);
            }
            Op::TlsStore => {
                let s = self.reg(reg(&ops[0]), Size::Q);
                let slot = self.tls_slot(&ops[1]);
                self.e2(O::Mov, Sfx::Q, s, slot);
            }
            Op::Div { .. }
            | Op::MulWiden { .. }
            | Op::BitFieldInsert
            | Op::LoadLinkAcq
            | Op::StoreCondRel
            | Op::PcRelAddr
            | Op::GlobalAddr
            | Op::Reserved => unreachable!("`{}` is not available on x86-64 (validated)", def.name),
        }
    }

    /// `set<c>` into the scratch's low byte, zero-extended into `d` (32-bit view).
    fn set_movzx(&mut self, c: Cc, d: Arg<'a>) {
        self.e1(O::Set(c), Sfx::None, scratch(Size::B));
        self.e2(O::Movzb, Sfx::L, scratch(Size::B), d);
    }

    /// `d := 0` or `d := 1`.
    fn set_constant(&mut self, d: Reg, b: bool) {
        let d = self.reg(d, Size::L);
        if b {
            self.e2(O::Mov, Sfx::L, Arg::Imm(1), d);
        } else {
            self.e2(O::Xor, Sfx::L, d, d);
        }
    }

    /// `d := ` the sign bit of `v` (a register or memory) at width `w`.
    fn sign_bit(&mut self, v: &'a Value, d: Reg, w: Width) {
        let size = size_of(w);
        let dr = self.reg(d, op_size(size));
        let sz = op_size(size);
        match (size, v) {
            (Size::B, _) => {
                let s = self.src(v, Size::B);
                self.e2(O::Movzb, Sfx::L, s, dr);
            }
            (_, Value::Reg(r)) if self.same(*r, d) => {}
            _ => {
                let s = self.src(v, size);
                self.e2(O::Mov, sz, s, dr);
            }
        }
        self.e2(O::Shr, sz, Arg::Imm(size.bits() as i64 - 1), dr);
    }

    fn tls_slot(&self, v: &Value) -> Arg<'a> {
        let m = match v {
            Value::Imm(n) => Mem { disp: Disp::Num((n * 8) as i64), base: Base::None, index: None, gs: true },
            Value::Reg(r) => Mem { disp: Disp::Num(0), base: Base::None, index: Some((self.hw(*r), 8)), gs: true },
            _ => unreachable!(),
        };
        Arg::Mem(m)
    }

    fn target(&self, v: &'a Value) -> Arg<'a> {
        match v {
            Value::Label { name, local, .. } => Arg::Target(self.label(name, *local)),
            _ => unreachable!("validated label operand"),
        }
    }

    fn move_(&mut self, ops: &'a [Value]) {
        let d = reg(&ops[1]);
        match &ops[0] {
            Value::Imm(i) => {
                let dn = self.hw(d);
                self.mov_imm(*i, dn, Size::Q);
            }
            Value::Reg(s) if self.same(*s, d) => {}
            v => {
                let s = self.src(v, Size::Q);
                let dr = self.reg(d, Size::Q);
                self.e2(O::Mov, Sfx::Q, s, dr);
            }
        }
    }

    /// `moveargs`: the parallel move into the argument registers, as 64-bit
    /// copies (through `r11` to break a cycle) and immediate loads.
    fn move_args(&mut self, ops: &[Value]) {
        let arg = |l: Loc<PhysReg>| match l {
            Loc::Reg(p) => Arg::Reg(p.index, Size::Q),
            Loc::Scratch => scratch(Size::Q),
        };
        for step in arg_move_steps(self.map, ops) {
            match step {
                Step::Copy { from, to } => self.e2(O::Mov, Sfx::Q, arg(from), arg(to)),
                Step::Load { value, to } => self.mov_imm(value, to.index, Size::Q),
            }
        }
    }

    /// The address of a data label (defined here: PC-relative; external:
    /// through the GOT where the format has one), as a memory operand for
    /// `lea` or a load.
    fn label_address(&mut self, name: &'a Name, local: bool, offset: i64) -> Mem<'a> {
        let defined = local || self.prog.defined.contains(&**name);
        if defined || !self.obj.uses_got() {
            return Mem { disp: Disp::Sym(self.label(name, local), offset), base: Base::Rip, index: None, gs: false };
        }
        let got = Mem { disp: Disp::Got(Sym::Symbol(name)), base: Base::Rip, index: None, gs: false };
        self.e2(O::Mov, Sfx::Q, Arg::Mem(got), scratch(Size::Q));
        Mem::base(R11, offset)
    }

    fn lea(&mut self, ops: &'a [Value], size: Size) {
        let d = reg(&ops[1]);
        match &ops[0] {
            Value::Addr(a) => {
                let m = Arg::Mem(self.mem(a));
                let dr = self.reg(d, size);
                self.e2(O::Lea, size, m, dr);
            }
            Value::Label { name, local: false, offset } if self.obj.uses_got() && !self.prog.defined.contains(&**name) => {
                // External: the address comes from the GOT.
                let dr = self.reg(d, Size::Q);
                let got = Mem { disp: Disp::Got(Sym::Symbol(name)), base: Base::Rip, index: None, gs: false };
                self.e2(O::Mov, Sfx::Q, Arg::Mem(got), dr);
                if *offset != 0 {
                    let dn = self.hw(d);
                    self.e2(O::Lea, Sfx::Q, Arg::Mem(Mem::base(dn, *offset)), dr);
                }
            }
            Value::Label { name, local, offset } => {
                let m = Arg::Mem(self.label_address(name, *local, *offset));
                let dr = self.reg(d, Size::Q);
                self.e2(O::Lea, Sfx::Q, m, dr);
            }
            _ => unreachable!(),
        }
    }

    fn load(&mut self, w: Width, signed: bool, ext_to: Width, src: &'a Value, d: Reg) {
        let m = Arg::Mem(match src {
            Value::Addr(a) => self.mem(a),
            Value::Label { name, local, offset } => self.label_address(name, *local, *offset),
            _ => unreachable!(),
        });
        let (op, sfx, size) = match (w, signed, ext_to) {
            (Width::B, false, _) => (O::Movzb, Sfx::L, Size::L),
            (Width::B, true, Width::I) => (O::Movsb, Sfx::L, Size::L),
            (Width::B, true, _) => (O::Movsb, Sfx::Q, Size::Q),
            (Width::H, false, _) => (O::Movzw, Sfx::L, Size::L),
            (Width::H, true, Width::I) => (O::Movsw, Sfx::L, Size::L),
            (Width::H, true, _) => (O::Movsw, Sfx::Q, Size::Q),
            (Width::I, false, _) => (O::Mov, Sfx::L, Size::L),
            (Width::I, true, _) => (O::Movsl, Sfx::Q, Size::Q),
            (Width::F, ..) => return self.e2(O::Movss, Sfx::None, m, self.xmm(d)),
            (Width::D, ..) => return self.e2(O::Movsd, Sfx::None, m, self.xmm(d)),
            (Width::V, ..) => return self.e2(O::Movups, Sfx::None, m, self.xmm(d)),
            _ => (O::Mov, Sfx::Q, Size::Q),
        };
        let dr = self.reg(d, size);
        self.e2(op, sfx, m, dr);
    }

    fn store(&mut self, w: Width, s: &'a Value, m: &'a Value) {
        let m = match m {
            Value::Addr(a) => Arg::Mem(self.mem(a)),
            _ => unreachable!(),
        };
        match w {
            Width::F => self.e2(O::Movss, Sfx::None, self.xmm(reg(s)), m),
            Width::D => self.e2(O::Movsd, Sfx::None, self.xmm(reg(s)), m),
            Width::V => self.e2(O::Movups, Sfx::None, self.xmm(reg(s)), m),
            _ => {
                let size = size_of(w);
                let s = self.src(s, size);
                self.e2(O::Mov, size, s, m);
            }
        }
    }

    /// `and`/`xor` (and the commutative part of `arith`): 2- and 3-operand forms.
    fn int_op(&mut self, m: O, commutative: bool, ops: &'a [Value], size: Size) {
        if ops.len() == 2 {
            let d = self.dst(&ops[1], size);
            self.op2(m, &ops[0], d, size);
            return;
        }
        let (a, b, d) = (&ops[0], &ops[1], reg(&ops[2]));
        let is_d = |v: &Value, s: &Self| matches!(v, Value::Reg(r) if s.same(*r, d));
        let dv = self.reg(d, size);
        if is_d(a, self) {
            self.op2(m, b, dv, size);
        } else if is_d(b, self) && commutative {
            self.op2(m, a, dv, size);
        } else if is_d(b, self) {
            // d := a - d: keep b in the scratch before d is overwritten.
            self.load_scratch(b, size);
            self.load_into(a, d, size);
            let sz = op_size(size);
            let dr = self.reg(d, sz);
            self.e2(m, sz, scratch(sz), dr);
        } else {
            self.load_into(a, d, size);
            self.op2(m, b, dv, size);
        }
    }

    /// The written operand of a two-operand form: a register or memory.
    fn dst(&self, v: &'a Value, size: Size) -> Arg<'a> {
        match v {
            Value::Reg(r) => self.reg(*r, size),
            Value::Addr(a) => Arg::Mem(self.mem(a)),
            _ => unreachable!(),
        }
    }

    fn load_scratch(&mut self, v: &'a Value, size: Size) {
        match v {
            Value::Imm(i) => self.mov_imm(*i, R11, op_size(size)),
            _ => {
                let sz = op_size(size);
                let s = self.src(v, sz);
                self.e2(O::Mov, sz, s, scratch(sz));
            }
        }
    }

    /// `op s, d` with d a register or memory (16-bit register results are
    /// zero-extended afterwards, §1.5).
    fn op2(&mut self, m: O, s: &'a Value, d: Arg<'a>, size: Size) {
        if m == O::Imul {
            return self.imul2(s, d, size);
        }
        let src = self.src(s, size);
        self.e2(m, size, src, d);
        if let (Size::W, Arg::Reg(r, _)) = (size, d) {
            self.e2(O::Movzw, Sfx::L, Arg::Reg(r, Size::W), Arg::Reg(r, Size::L));
        }
    }

    fn imul2(&mut self, s: &'a Value, d: Arg<'a>, size: Size) {
        match d {
            Arg::Reg(..) => match s {
                Value::Imm(i) if size == Size::L || fits_i32(imm_value(*i, size)) => {
                    self.e3(O::Imul, size, Arg::Imm(imm_value(*i, size)), d, d)
                }
                _ => {
                    let src = self.src(s, size);
                    self.e2(O::Imul, size, src, d);
                }
            },
            Arg::Mem(_) => {
                // No memory destination for imul: multiply in the scratch.
                match s {
                    Value::Imm(i) if size == Size::L || fits_i32(imm_value(*i, size)) => {
                        let x = imm_value(*i, size);
                        self.e3(O::Imul, size, Arg::Imm(x), d, scratch(size));
                    }
                    Value::Imm(i) => {
                        self.mov_imm(*i, R11, size);
                        self.e2(O::Imul, size, d, scratch(size));
                    }
                    _ => {
                        let src = self.src(s, size);
                        self.e2(O::Mov, size, d, scratch(size));
                        self.e2(O::Imul, size, src, scratch(size));
                    }
                }
                self.e2(O::Mov, size, scratch(size), d);
            }
            _ => unreachable!(),
        }
    }

    /// add/sub/mul/or in 2- or 3-operand form; flags reflect the result
    /// when `set_flags` is requested (imul leaves SF/ZF undefined), and must
    /// be those of the x86 operation itself when `flags_used`.
    fn arith(&mut self, op: ArithOp, ops: &'a [Value], size: Size, set_flags: bool, flags_used: bool) {
        let (m, comm) = match op {
            ArithOp::Add => (O::Add, true),
            ArithOp::Sub => (O::Sub, false),
            ArithOp::Mul => (O::Imul, true),
            ArithOp::Or => (O::Or, true),
        };
        let short = match op {
            ArithOp::Add | ArithOp::Sub if !flags_used => self.add_sub_without_flags(op, ops, size),
            // The three-operand imul sets OF/CF exactly as the two-operand one.
            ArithOp::Mul => self.imul_imm3(ops, size),
            _ => false,
        };
        if !short {
            self.int_op(m, comm, ops, size);
        }
        if set_flags {
            let d = ops.last().unwrap_or(&ops[0]);
            match d {
                Value::Reg(r) => {
                    let r = self.reg(*r, size);
                    self.e2(O::Test, size, r, r);
                }
                Value::Addr(a) => {
                    let m = Arg::Mem(self.mem(a));
                    self.e2(O::Cmp, size, Arg::Imm(0), m);
                }
                _ => {}
            }
        }
    }

    /// `x + 0`, `x - 0`, `x | 0`, `x ^ 0`, a shift or rotate by 0: the result
    /// is the unchanged source, so at most a copy remains (at 32 bits a
    /// `movl`, which keeps the zero-extension of §1.5). Register destinations
    /// only; the caller knows that no flags are consumed. Returns false when
    /// the operation is not such an identity.
    fn identity(&mut self, op: Op, ops: &[Value], size: Size) -> bool {
        let zero = |v: &Value| matches!(v, Value::Imm(i) if imm_value(*i, size) == 0);
        // 16-bit or into a register: `d | 0` and `d | d` are zx(lo16(d)).
        if size == Size::W {
            if let (Op::Or, [s, Value::Reg(d)]) = (op, ops) {
                if zero(s) || matches!(s, Value::Reg(r) if self.same(*r, *d)) {
                    let (w16, l32) = (self.reg(*d, Size::W), self.reg(*d, Size::L));
                    self.e2(O::Movzw, Sfx::L, w16, l32);
                    return true;
                }
            }
            return false;
        }
        if matches!(size, Size::L | Size::Q) && matches!(op, Op::And | Op::Or) {
            let n = ops.len();
            let Value::Reg(d) = ops[n - 1] else { return false };
            // `x & 0` is 0.
            if op == Op::And && ops[..n - 1].iter().any(zero) {
                let dr = self.reg(d, Size::L);
                self.e2(O::Xor, Sfx::L, dr, dr);
                return true;
            }
            // `x & x` and `x | x` are x.
            let same_src = match ops {
                [Value::Reg(a), Value::Reg(b)] | [Value::Reg(a), Value::Reg(b), _] if self.same(*a, *b) => Some(*b),
                _ => None,
            };
            if let Some(x) = same_src {
                if !(size == Size::Q && self.same(x, d)) {
                    let (xr, dr) = (self.reg(x, size), self.reg(d, size));
                    self.e2(O::Mov, size, xr, dr);
                }
                return true;
            }
        }
        let commutative = matches!(op, Op::Add | Op::Or | Op::Xor);
        let right_identity_zero = matches!(
            op,
            Op::Add | Op::Sub | Op::Or | Op::Xor | Op::LShift | Op::RShift | Op::URShift | Op::LRotate | Op::RRotate
        );
        if !right_identity_zero || !matches!(size, Size::L | Size::Q) {
            return false;
        }
        // Two operands: `op s, d` is `d OP s`; three: `op a, b, d` is `a OP b`.
        let (src, d) = match ops {
            [s, Value::Reg(d)] if zero(s) => (*d, *d),
            [Value::Reg(a), b, Value::Reg(d)] if zero(b) => (*a, *d),
            [a, Value::Reg(b), Value::Reg(d)] if zero(a) && commutative => (*b, *d),
            _ => return false,
        };
        if !(size == Size::Q && self.same(src, d)) {
            let (sr, dr) = (self.reg(src, size), self.reg(d, size));
            self.e2(O::Mov, size, sr, dr);
        }
        true
    }

    /// Three-operand add/sub without flags, into a destination distinct from
    /// the register sources: `lea` (`leal` zero-extends as the 32-bit add
    /// does); `d := a - d` as `neg d ; add a, d`. Returns false when neither applies.
    fn add_sub_without_flags(&mut self, op: ArithOp, ops: &'a [Value], size: Size) -> bool {
        let [a, b, Value::Reg(d)] = ops else { return false };
        let d = *d;
        let is_d = |v: &Value| matches!(v, Value::Reg(r) if self.same(*r, d));
        match (op, a, b) {
            (ArithOp::Sub, _, _) if is_d(b) && !is_d(a) => {
                let dr = self.reg(d, size);
                self.e1(O::Neg, size, dr);
                let src = self.src(a, size);
                self.e2(O::Add, size, src, dr);
                true
            }
            _ if is_d(a) || is_d(b) => false,
            (ArithOp::Add, Value::Reg(x), y) | (ArithOp::Add, y, Value::Reg(x)) => match y {
                Value::Imm(i) => self.lea_add(*x, LeaPlus::Imm(imm_value(*i, size)), d, size),
                Value::Reg(r) => self.lea_add(*x, LeaPlus::Reg(*r), d, size),
                _ => false,
            },
            (ArithOp::Sub, Value::Reg(x), Value::Imm(i)) => {
                let minus = -(imm_value(*i, size) as i128);
                self.lea_add(*x, LeaPlus::Imm(imm_value(minus, size)), d, size)
            }
            _ => false,
        }
    }

    /// `d := base + plus` (a register or an immediate that fits a
    /// displacement) in one `lea`; false when it cannot be encoded.
    fn lea_add(&mut self, base: Reg, plus: LeaPlus, d: Reg, size: Size) -> bool {
        let is_rsp = |r: Reg| {
            let p = self.phys(r);
            p.class == RegClass::Gpr && p.index == RSP
        };
        let m = match plus {
            LeaPlus::Imm(x) => {
                if !fits_i32(x) {
                    return false;
                }
                Mem { disp: Disp::Always(x), ..Mem::base(self.hw(base), 0) }
            }
            LeaPlus::Reg(r) => {
                // rsp can be a base but never an index.
                let (b, i) = if is_rsp(r) { (r, base) } else { (base, r) };
                if is_rsp(i) {
                    return false;
                }
                // `(b, i)`: scale 0 is not written.
                Mem { disp: Disp::Num(0), base: Base::Reg(self.hw(b)), index: Some((self.hw(i), 0)), gs: false }
            }
        };
        let dr = self.reg(d, size);
        self.e2(O::Lea, size, Arg::Mem(m), dr);
        true
    }

    /// `mul imm, a, d` / `mul a, imm, d` as one `imul $imm, a, d`.
    fn imul_imm3(&mut self, ops: &[Value], size: Size) -> bool {
        let (x, a, d) = match ops {
            [Value::Imm(i), Value::Reg(a), Value::Reg(d)] | [Value::Reg(a), Value::Imm(i), Value::Reg(d)] => {
                (imm_value(*i, size), *a, *d)
            }
            _ => return false,
        };
        if !fits_i32(x) {
            return false;
        }
        let (ar, dr) = (self.reg(a, size), self.reg(d, size));
        self.e3(O::Imul, size, Arg::Imm(x), ar, dr);
        true
    }

    fn shift(&mut self, op: Op, ops: &'a [Value], size: Size) {
        let m = match op {
            Op::LShift => O::Shl,
            Op::RShift => O::Sar,
            Op::URShift => O::Shr,
            Op::LRotate => O::Rol,
            _ => O::Ror,
        };
        let (v, c, d) = if ops.len() == 2 { (&ops[1], &ops[0], reg(&ops[1])) } else { (&ops[0], &ops[1], reg(&ops[2])) };
        let cl = Arg::Reg(RCX, Size::B);
        let rcx = Arg::Reg(RCX, Size::Q);
        match c {
            Value::Imm(n) => {
                self.load_into(v, d, size);
                let dst = self.reg(d, size);
                self.e2(m, size, Arg::Imm(*n as i64), dst);
            }
            Value::Reg(cr) => {
                let cr = *cr;
                // Two operands, or three with the value in d: shift d itself.
                let in_place = matches!(v, Value::Reg(r) if self.same(*r, d));
                let dst = self.reg(d, size);
                if self.is_rcx(cr) && (in_place || !self.is_rcx(d)) {
                    self.load_into(v, d, size);
                    self.e2(m, size, cl, dst);
                } else if in_place && (self.is_rcx(d) || self.same(cr, d)) {
                    // d is rcx, or d is the count: swap the count into rcx and
                    // the value into the count's register (or leave it in rcx
                    // when it is the count), shift, swap back.
                    let crq = self.reg(cr, Size::Q);
                    let shifted = if self.is_rcx(d) { self.reg(cr, size) } else { Arg::Reg(RCX, size) };
                    self.e2(O::Xchg, Sfx::Q, crq, rcx);
                    self.e2(m, size, cl, shifted);
                    self.e2(O::Xchg, Sfx::Q, crq, rcx);
                } else if !self.is_rcx(d) && !self.same(cr, d) {
                    // Neither rcx nor the count is written: swap the count into
                    // rcx around a shift of d itself.
                    let crq = self.reg(cr, Size::Q);
                    self.load_into(v, d, size);
                    self.e2(O::Xchg, Sfx::Q, crq, rcx);
                    self.e2(m, size, cl, dst);
                    self.e2(O::Xchg, Sfx::Q, crq, rcx);
                } else if self.is_rcx(d) {
                    // d is rcx (not the count) and the value elsewhere: rcx is
                    // free to take the count; the value is shifted in the scratch.
                    self.load_scratch(v, size);
                    if !self.is_rcx(cr) {
                        let c32 = self.reg(cr, Size::L);
                        self.e2(O::Mov, Sfx::L, c32, Arg::Reg(RCX, Size::L));
                    }
                    self.e2(m, size, cl, scratch(size));
                    let wide = op_size(size);
                    let dw = self.reg(d, wide);
                    self.e2(O::Mov, wide, scratch(wide), dw);
                } else {
                    // d is the count (not rcx) and the value elsewhere: compute
                    // in the scratch with the count swapped into rcx.
                    let crq = self.reg(cr, Size::Q);
                    self.load_scratch(v, size);
                    self.e2(O::Xchg, Sfx::Q, crq, rcx);
                    self.e2(m, size, cl, scratch(size));
                    self.e2(O::Xchg, Sfx::Q, crq, rcx);
                    self.e2(O::Mov, size, scratch(size), dst);
                }
            }
            _ => unreachable!(),
        }
    }

    fn bitcount(&mut self, leading: bool, ops: &[Value], size: Size) {
        let (s, d) = (reg(&ops[0]), reg(&ops[1]));
        let skip = self.fresh_label();
        let bits = size.bits() as i64;
        // bsr/bsf write d only for a non-zero source (zero-extending at 32
        // bits); for a zero source d is set explicitly.
        let (rs, rd) = (self.reg(s, size), self.reg(d, size));
        if leading {
            // lzcnt = (bits - 1) - bsr(s) = bsr(s) ^ (bits - 1), as the index
            // is below `bits`; a zero source takes (2 * bits - 1) ^ (bits - 1) = bits.
            self.e2(O::Bsr, size, rs, rd);
            self.e1(O::J(Cc::Nz), Sfx::None, Arg::Target(skip));
            self.e2(O::Mov, size, Arg::Imm(2 * bits - 1), rd);
            self.place(skip);
            self.e2(O::Xor, size, Arg::Imm(bits - 1), rd);
        } else {
            self.e2(O::Bsf, size, rs, rd);
            self.e1(O::J(Cc::Nz), Sfx::None, Arg::Target(skip));
            self.e2(O::Mov, size, Arg::Imm(bits), rd);
            self.place(skip);
        }
    }

    /// Emits a compare of `l` with `r` and returns the condition to test
    /// (mirrored when the operands had to be swapped).
    fn compare(&mut self, c: Cond, l: &'a Value, r: &'a Value, size: Size) -> Cond {
        let (l, r, c) = match l {
            Value::Imm(_) => (r, l, c.mirror()),
            _ => (l, r, c),
        };
        let rs = self.src(r, size);
        let ls = match l {
            Value::Reg(x) => self.reg(*x, size),
            Value::Addr(a) => Arg::Mem(self.mem(a)),
            _ => unreachable!("validated: not both immediates"),
        };
        self.e2(O::Cmp, size, rs, ls);
        c
    }

    fn test(&mut self, v: &'a Value, m: Option<&'a Value>, size: Size) {
        let vs = match v {
            Value::Reg(r) => self.reg(*r, size),
            Value::Addr(a) => Arg::Mem(self.mem(a)),
            _ => unreachable!(),
        };
        match m {
            None => match v {
                Value::Reg(_) => self.e2(O::Test, size, vs, vs),
                _ => self.e2(O::Cmp, size, Arg::Imm(0), vs),
            },
            Some(m) => {
                let ms = self.src(m, size);
                self.e2(O::Test, size, ms, vs);
            }
        }
    }

    fn fp_arith(&mut self, op: Op, w: Width, ops: &[Value]) {
        let p = fsuf(w);
        let (m, sfx, comm) = match (op, w) {
            (Op::Add, _) => (O::Adds, p, true),
            (Op::Sub, _) => (O::Subs, p, false),
            (Op::Mul, _) => (O::Muls, p, true),
            (Op::FDiv, _) => (O::Divs, p, false),
            (Op::And, Width::F) => (O::Andps, Sfx::None, true),
            (Op::And, _) => (O::Andpd, Sfx::None, true),
            (Op::Or, Width::F) => (O::Orps, Sfx::None, true),
            _ => (O::Orpd, Sfx::None, true),
        };
        // `x & x` and `x | x` are x.
        let idempotent = matches!(op, Op::And | Op::Or) && self.same(reg(&ops[0]), reg(&ops[1]));
        if ops.len() == 2 {
            let (s, d) = (self.xmm(reg(&ops[0])), self.xmm(reg(&ops[1])));
            if !idempotent {
                self.e2(m, sfx, s, d);
            }
            return;
        }
        let (a, b, d) = (reg(&ops[0]), reg(&ops[1]), reg(&ops[2]));
        let (xa, xb, xd) = (self.xmm(a), self.xmm(b), self.xmm(d));
        if idempotent {
            if !self.same(a, d) {
                self.e2(O::Movaps, Sfx::None, xa, xd);
            }
        } else if self.same(a, d) {
            self.e2(m, sfx, xb, xd);
        } else if self.same(b, d) && comm {
            self.e2(m, sfx, xa, xd);
        } else if self.same(b, d) {
            let fs = self.fs();
            self.e2(O::Movaps, Sfx::None, xb, fs);
            self.e2(O::Movaps, Sfx::None, xa, xd);
            self.e2(m, sfx, fs, xd);
        } else {
            self.e2(O::Movaps, Sfx::None, xa, xd);
            self.e2(m, sfx, xb, xd);
        }
    }

    fn fp_sign(&mut self, abs: bool, w: Width, ops: &[Value]) {
        let (s, d) = (self.xmm(reg(&ops[0])), self.xmm(reg(&ops[1])));
        if abs && s == d {
            // Clear the sign bit in place: shift it out and back in as 0.
            let l = if w == Width::F { Sfx::D } else { Sfx::Q };
            self.e2(O::Psll, l, Arg::Imm(1), d);
            self.e2(O::Psrl, l, Arg::Imm(1), d);
            return;
        }
        // The mask goes into d when d is not the source (d := mask OP s),
        // into the FP scratch otherwise.
        let mask_reg = if s != d { d } else { self.fs() };
        if w == Width::F {
            let mask: u32 = if abs { 0x7fff_ffff } else { 0x8000_0000 };
            self.e2(O::Mov, Sfx::L, Arg::Imm(mask as i32 as i64), scratch(Size::L));
            self.e2(O::Movd, Sfx::None, scratch(Size::L), mask_reg);
        } else {
            let mask: u64 = if abs { 0x7fff_ffff_ffff_ffff } else { 0x8000_0000_0000_0000 };
            self.e2(O::Movabs, Sfx::Q, Arg::Imm(mask as i64), scratch(Size::Q));
            self.e2(O::Movq, Sfx::None, scratch(Size::Q), mask_reg);
        }
        let m = match (abs, w) {
            (true, Width::F) => O::Andps,
            (true, _) => O::Andpd,
            (false, Width::F) => O::Xorps,
            (false, _) => O::Xorpd,
        };
        let other = if s != d { s } else { mask_reg };
        self.e2(m, Sfx::None, other, d);
    }

    fn int_to_fp(&mut self, from: Width, signed: bool, to: Width, ops: &[Value]) {
        let s = reg(&ops[0]);
        let d = self.xmm(reg(ops.last().unwrap_or(&ops[0])));
        let cvt = if to == Width::F { O::Cvtsi2ss } else { O::Cvtsi2sd };
        match (from, signed) {
            (Width::I, true) => self.e2(cvt, Sfx::L, self.reg(s, Size::L), d),
            (Width::I, false) => {
                self.e2(O::Mov, Sfx::L, self.reg(s, Size::L), scratch(Size::L));
                self.e2(cvt, Sfx::Q, scratch(Size::Q), d);
            }
            (_, true) => self.e2(cvt, Sfx::Q, self.reg(s, Size::Q), d),
            (_, false) => {
                // Unsigned 64-bit: convert as signed, which is right below
                // 2^63; above it, halve (keeping the lowest bit sticky for
                // correct rounding), convert, double.
                let (odd, done) = (self.fresh_label(), self.fresh_label());
                let rs = self.reg(s, Size::Q);
                self.e2(cvt, Sfx::Q, rs, d);
                self.e2(O::Test, Sfx::Q, rs, rs);
                self.e1(O::J(Cc::Ns), Sfx::None, Arg::Target(done));
                self.e2(O::Mov, Sfx::Q, rs, scratch(Size::Q));
                self.e2(O::Shr, Sfx::Q, Arg::Imm(1), scratch(Size::Q));
                self.e1(O::J(Cc::Nc), Sfx::None, Arg::Target(odd));
                self.e2(O::Or, Sfx::Q, Arg::Imm(1), scratch(Size::Q));
                self.place(odd);
                self.e2(cvt, Sfx::Q, scratch(Size::Q), d);
                self.e2(O::Adds, fsuf(to), d, d);
                self.place(done);
            }
        }
    }

    fn fp_to_int(&mut self, from: Width, signed: bool, to: Width, ops: &[Value]) {
        let s = self.xmm(reg(&ops[0]));
        let d = reg(&ops[1]);
        let cvt = if from == Width::F { O::Cvttss2si } else { O::Cvttsd2si };
        match (to, signed) {
            (Width::I, true) => self.e2(cvt, Sfx::None, s, self.reg(d, Size::L)),
            (Width::I, false) => {
                self.e2(cvt, Sfx::None, s, scratch(Size::Q));
                self.e2(O::Mov, Sfx::L, scratch(Size::L), self.reg(d, Size::L));
            }
            (_, true) => self.e2(cvt, Sfx::None, s, self.reg(d, Size::Q)),
            (_, false) => {
                // Values at or above 2^63 convert as (x - 2^63) with bit 63 set.
                // The result is built in d (a Gpr, so never the source); the
                // scratch only carries the constant.
                let done = self.fresh_label();
                let fs = self.fs();
                let rd = self.reg(d, Size::Q);
                self.e2(cvt, Sfx::None, s, rd);
                self.e2(O::Test, Sfx::Q, rd, rd);
                self.e1(O::J(Cc::Ns), Sfx::None, Arg::Target(done));
                if from == Width::F {
                    self.e2(O::Mov, Sfx::L, Arg::Imm(0xdf00_0000u32 as i32 as i64), scratch(Size::L));
                    self.e2(O::Movd, Sfx::None, scratch(Size::L), fs);
                    self.e2(O::Adds, Sfx::S, s, fs);
                } else {
                    self.e2(O::Movabs, Sfx::Q, Arg::Imm(0xc3e0_0000_0000_0000u64 as i64), scratch(Size::Q));
                    self.e2(O::Movq, Sfx::None, scratch(Size::Q), fs);
                    self.e2(O::Adds, Sfx::D, s, fs);
                }
                self.e2(cvt, Sfx::None, fs, rd);
                self.e2(O::Bts, Sfx::Q, Arg::Imm(63), rd);
                self.place(done);
            }
        }
    }

    /// `bcd2i` (exact: branch unless the double is exactly an int32 other
    /// than -0.0) and `btd2i` (branch if NaN or the truncation is out of range).
    fn checked_d2i(&mut self, exact: bool, ops: &'a [Value]) {
        let s = self.xmm(reg(&ops[0]));
        let d = reg(&ops[1]);
        let l = self.target(&ops[2]);
        let fs = self.fs();
        let (d32, d64) = (self.reg(d, Size::L), self.reg(d, Size::Q));
        if exact {
            // The round trip has the bits of the double exactly when it is an
            // int32 other than -0.0 (NaN, inexact, out of range and -0.0 all
            // give other bits): compare them as integers.
            self.e2(O::Cvttsd2si, Sfx::None, s, d32);
            self.e2(O::Cvtsi2sd, Sfx::L, d32, fs);
            self.e2(O::Pcmpeqq, Sfx::None, s, fs);
            self.e2(O::Movq, Sfx::None, fs, scratch(Size::Q));
            self.e1(O::Inc, Sfx::Q, scratch(Size::Q));
            self.e1(O::J(Cc::Nz), Sfx::None, l);
        } else {
            // The 64-bit truncation (INT64_MIN for NaN and beyond ±2^63) is in
            // range exactly when it is its own low word sign-extended.
            self.e2(O::Cvttsd2si, Sfx::Q, s, scratch(Size::Q));
            self.e2(O::Movsl, Sfx::Q, scratch(Size::L), d64);
            self.e2(O::Cmp, Sfx::Q, scratch(Size::Q), d64);
            self.e2(O::Mov, Sfx::L, d32, d32);
            self.e1(O::J(Cc::Ne), Sfx::None, l);
        }
    }

    /// Emits `ucomis` so that "a OP b (ordered)" is `ja`/`jae`/`je`-style;
    /// returns (flags condition, needs parity handling).
    fn fp_compare_set(&mut self, cond: FCond, unordered: bool, w: Width, ops: &[Value]) {
        let (a, b) = (self.xmm(reg(&ops[0])), self.xmm(reg(&ops[1])));
        let d = self.reg(reg(&ops[2]), Size::L);
        let p = fsuf(w);
        let sb = scratch(Size::B);
        if a == b {
            match self_compare(cond, unordered) {
                SelfCompare::Always => self.e2(O::Mov, Sfx::L, Arg::Imm(1), d),
                SelfCompare::Never => self.e2(O::Mov, Sfx::L, Arg::Imm(0), d),
                SelfCompare::IfNaN(nan) => {
                    self.e2(O::Ucomis, p, a, a);
                    self.e1(O::Set(if nan { Cc::P } else { Cc::Np }), Sfx::None, sb);
                    self.e2(O::Movzb, Sfx::L, sb, d);
                }
            }
            return;
        }
        match (cond, unordered) {
            (FCond::Eq, false) | (FCond::Neq, true) => {
                // cmpeq/cmpneq on a copy of a whose other lanes are 0: the
                // mask's sign is the result (movmsk).
                let fs = self.fs();
                let pred = if cond == FCond::Eq { O::Cmpeqs } else { O::Cmpneqs };
                if w == Width::F {
                    self.e3(O::Insertps, Sfx::None, Arg::ImmHex(0x0e), a, fs);
                } else {
                    self.e2(O::Movq, Sfx::None, a, fs);
                }
                self.e2(pred, p, b, fs);
                self.e2(O::Movmskp, p, fs, d);
                return;
            }
            (FCond::Neq, false) | (FCond::Eq, true) => {
                // Unordered sets ZF: ordered "not equal" and "equal or
                // unordered" are ZF alone.
                let set = if cond == FCond::Neq { Cc::Ne } else { Cc::E };
                self.e2(O::Xor, Sfx::L, d, d);
                self.e2(O::Ucomis, p, b, a);
                let d8 = self.reg(reg(&ops[2]), Size::B);
                self.e1(O::Set(set), Sfx::None, d8);
                return;
            }
            (c, false) => {
                let (x, y, set) = match c {
                    FCond::Gt => (b, a, Cc::A),
                    FCond::Gteq => (b, a, Cc::Ae),
                    FCond::Lt => (a, b, Cc::A),
                    _ => (a, b, Cc::Ae),
                };
                self.e2(O::Ucomis, p, x, y);
                self.e1(O::Set(set), Sfx::None, sb);
            }
            (c, true) => {
                let (x, y, set) = match c {
                    FCond::Gt => (a, b, Cc::B),
                    FCond::Gteq => (a, b, Cc::Be),
                    FCond::Lt => (b, a, Cc::B),
                    _ => (b, a, Cc::Be),
                };
                self.e2(O::Ucomis, p, x, y);
                self.e1(O::Set(set), Sfx::None, sb);
            }
        }
        self.e2(O::Movzb, Sfx::L, sb, d);
    }

    fn fp_branch(&mut self, cond: FCond, unordered: bool, w: Width, ops: &'a [Value]) {
        let (a, b) = (self.xmm(reg(&ops[0])), self.xmm(reg(&ops[1])));
        let l = self.target(&ops[2]);
        let p = fsuf(w);
        let j = |c| O::J(c);
        if a == b {
            match self_compare(cond, unordered) {
                SelfCompare::Always => self.e1(O::Jmp, Sfx::None, l),
                SelfCompare::Never => {}
                SelfCompare::IfNaN(nan) => {
                    self.e2(O::Ucomis, p, a, a);
                    self.e1(j(if nan { Cc::P } else { Cc::Np }), Sfx::None, l);
                }
            }
            return;
        }
        match (cond, unordered) {
            (FCond::Eq, false) => {
                let skip = self.fresh_label();
                self.e2(O::Ucomis, p, b, a);
                self.e1(j(Cc::P), Sfx::None, Arg::Target(skip));
                self.e1(j(Cc::E), Sfx::None, l);
                self.place(skip);
            }
            (FCond::Neq, false) => {
                // Unordered sets ZF: jne is taken for ordered operands only.
                self.e2(O::Ucomis, p, b, a);
                self.e1(j(Cc::Ne), Sfx::None, l);
            }
            (FCond::Eq, true) => {
                self.e2(O::Ucomis, p, b, a);
                self.e1(j(Cc::E), Sfx::None, l);
            }
            (FCond::Neq, true) => {
                self.e2(O::Ucomis, p, b, a);
                self.e1(j(Cc::P), Sfx::None, l);
                self.e1(j(Cc::Ne), Sfx::None, l);
            }
            (c, false) => {
                let (x, y, cc) = match c {
                    FCond::Gt => (b, a, Cc::A),
                    FCond::Gteq => (b, a, Cc::Ae),
                    FCond::Lt => (a, b, Cc::A),
                    _ => (a, b, Cc::Ae),
                };
                self.e2(O::Ucomis, p, x, y);
                self.e1(j(cc), Sfx::None, l);
            }
            (c, true) => {
                let (x, y, cc) = match c {
                    FCond::Gt => (a, b, Cc::B),
                    FCond::Gteq => (a, b, Cc::Be),
                    FCond::Lt => (b, a, Cc::B),
                    _ => (b, a, Cc::Be),
                };
                self.e2(O::Ucomis, p, x, y);
                self.e1(j(cc), Sfx::None, l);
            }
        }
    }

    fn atomic_rmw(&mut self, aop: AtomicOp, ops: &'a [Value], size: Size) {
        let (v, a) = (reg(&ops[0]), addr(&ops[1]));
        let m = Arg::Mem(self.mem(a));
        let out = if ops.len() == 3 { reg(&ops[2]) } else { v };
        let in_address = |r: Reg| [a.base, a.index].into_iter().flatten().any(|x| self.same(x, r));
        // Work in the result register itself unless writing it before the
        // access (the copy of v, the negation) would move the address.
        let direct = if self.same(out, v) { aop != AtomicOp::Sub || !in_address(v) } else { !in_address(out) };
        match aop {
            AtomicOp::Add | AtomicOp::Sub | AtomicOp::Xchg => {
                // The register the value goes through: the result itself, or the scratch.
                let wide = op_size(size);
                let (work, work_wide) = if direct { (self.reg(out, size), self.reg(out, wide)) } else { (scratch(size), scratch(wide)) };
                if !(direct && self.same(out, v)) {
                    let vw = self.reg(v, wide);
                    self.e2(O::Mov, wide, vw, work_wide);
                }
                if aop == AtomicOp::Sub {
                    self.e1(O::Neg, size, work);
                }
                if aop == AtomicOp::Xchg {
                    self.e2(O::Xchg, size, work, m);
                } else {
                    self.e2(O::LockXadd, size, work, m);
                }
                // 8- and 16-bit results leave the rest of the register as it
                // was: zero-extend (from the scratch, also copy out).
                let o = self.reg(out, Size::L);
                match size {
                    Size::B => self.e2(O::Movzb, Sfx::L, work, o),
                    Size::W => self.e2(O::Movzw, Sfx::L, work, o),
                    _ if direct => {}
                    Size::L => self.e2(O::Mov, Sfx::L, work, o),
                    Size::Q => {
                        let oq = self.reg(out, Size::Q);
                        self.e2(O::Mov, Sfx::Q, work, oq)
                    }
                }
            }
            _ => unreachable!("ARM64-only atomic (validated)"),
        }
    }
}

/// The addend of a `lea` that adds: an immediate or a register.
#[derive(Copy, Clone)]
enum LeaPlus {
    Imm(i64),
    Reg(Reg),
}

/// The outcome of comparing a floating-point register with itself: equal
/// unless it holds a NaN, which is unordered.
enum SelfCompare {
    Always,
    Never,
    /// True exactly when the value is (`true`) / is not (`false`) a NaN.
    IfNaN(bool),
}

fn self_compare(cond: FCond, unordered: bool) -> SelfCompare {
    let when_equal = matches!(cond, FCond::Eq | FCond::Gteq | FCond::Lteq);
    match (when_equal, unordered) {
        (true, true) => SelfCompare::Always,
        (false, false) => SelfCompare::Never,
        (true, false) => SelfCompare::IfNaN(false),
        (false, true) => SelfCompare::IfNaN(true),
    }
}

/// Operation size used for moves into registers: narrower values are
/// handled as 32-bit (which zero-extends).
fn op_size(size: Size) -> Size {
    match size {
        Size::B | Size::W => Size::L,
        s => s,
    }
}

fn fsuf(w: Width) -> Sfx {
    if w == Width::F {
        Sfx::S
    } else {
        Sfx::D
    }
}

fn test_cc(t: TestCond) -> Cc {
    match t {
        TestCond::S => Cc::S,
        TestCond::Z => Cc::E,
        TestCond::Nz => Cc::Ne,
    }
}

fn flag_cc(c: FlagCond) -> Cc {
    match c {
        FlagCond::O => Cc::O,
        FlagCond::S => Cc::S,
        FlagCond::Z => Cc::E,
        FlagCond::Nz => Cc::Ne,
    }
}
