//! Lowering of validated instructions to AT&T x86-64 assembly
//! (INSTRUCTIONS.md semantics, TARGETS.md §3–§4 register maps). Each
//! instruction may use the scratch registers `r11` and the FP scratch
//! (`xmm15` System V, `xmm5` Windows) and nothing else.

use crate::back::obj::Obj;
use crate::back::parallel_move::{Loc, Step};
use crate::back::{addr, arg_move_steps, constant_compare, constant_flag_branch, constant_test, imm, reg, sign_test};
use crate::back::Asm;
use crate::isa::{ArithOp, AtomicOp, Cond, Effects, FCond, FlagCond, Op, TestCond, Width};
use crate::target::regs::Reg;
use crate::target::RegMap;
use crate::target::ObjFormat;
use crate::valid::{Instr, MemAddr, Program, Value};

use super::regs::{gpr, phys, scratch, sized, xmm, Size, SCRATCH};

pub struct Lower<'a> {
    pub asm: &'a mut Asm,
    pub map: RegMap,
    pub obj: Obj,
    pub prog: &'a Program,
    /// FP scratch register, e.g. `%xmm15`.
    pub fscratch: String,
}

fn size_of(w: Width) -> Size {
    match w {
        Width::B => Size::B,
        Width::H => Size::W,
        Width::I => Size::L,
        _ => Size::Q,
    }
}

fn cc(c: Cond) -> &'static str {
    match c {
        Cond::Eq => "e",
        Cond::Neq => "ne",
        Cond::A => "a",
        Cond::Aeq => "ae",
        Cond::B => "b",
        Cond::Beq => "be",
        Cond::Gt => "g",
        Cond::Gteq => "ge",
        Cond::Lt => "l",
        Cond::Lteq => "le",
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

impl Lower<'_> {
    fn ins(&mut self, s: impl std::fmt::Display) {
        self.asm.ins(s);
    }

    fn reg(&self, r: Reg, size: Size) -> &'static str {
        gpr(self.map, r, size)
    }

    fn xmm(&self, r: Reg) -> &'static str {
        xmm(self.map, r)
    }

    fn same(&self, a: Reg, b: Reg) -> bool {
        phys(self.map, a) == phys(self.map, b)
    }

    fn is_rcx(&self, r: Reg) -> bool {
        phys(self.map, r) == "rcx"
    }

    /// A reference to a label usable as a branch target or displacement.
    fn label(&self, name: &str, local: bool) -> String {
        self.obj.reference(name, local, self.prog)
    }

    fn branch_target(&self, name: &str, local: bool) -> String {
        let l = self.label(name, local);
        if !local && !self.prog.defined.contains(name) && self.obj.format == ObjFormat::Elf {
            format!("{l}@PLT")
        } else {
            l
        }
    }

    fn with_offset(base: String, off: i64) -> String {
        match off {
            0 => base,
            o if o > 0 => format!("{base}+{o}"),
            o => format!("{base}{o}"),
        }
    }

    fn mem(&self, a: &MemAddr) -> String {
        let mut disp = match &a.diff {
            Some((p, m)) => {
                let d = format!("({} - {})", self.label(p, false), self.label(m, false));
                Self::with_offset(d, a.offset)
            }
            None if a.offset != 0 || (a.base.is_none() && a.index.is_none()) => a.offset.to_string(),
            None => String::new(),
        };
        if a.base.is_none() && a.index.is_none() {
            return disp;
        }
        disp.push('(');
        if let Some(b) = a.base {
            disp.push_str(self.reg(b, Size::Q));
        }
        if let Some(i) = a.index {
            disp.push_str(&format!(", {}, {}", self.reg(i, Size::Q), a.scale));
        }
        disp.push(')');
        disp
    }

    /// Moves an immediate into register `dst` (64-bit name) with the
    /// shortest correct instruction.
    fn mov_imm(&mut self, v: i128, dst64: &str, size: Size) {
        let x = imm_value(v, size);
        match size {
            Size::Q if fits_i32(x) => self.ins(format!("movq ${x}, {}", sized(dst64, Size::Q))),
            Size::Q if (0..=u32::MAX as i64).contains(&x) => self.ins(format!("movl ${x}, {}", sized(dst64, Size::L))),
            Size::Q => self.ins(format!("movabsq ${x}, {}", sized(dst64, Size::Q))),
            // 32-bit writes zero-extend; narrower results are produced as 32-bit.
            _ => self.ins(format!("movl ${}, {}", imm_value(v, Size::L), sized(dst64, Size::L))),
        }
    }

    /// An integer source operand at `size`; a 64-bit immediate that does not
    /// fit a sign-extended 32-bit field is first placed in the scratch.
    fn src(&mut self, v: &Value, size: Size) -> String {
        match v {
            Value::Reg(r) => self.reg(*r, size).to_string(),
            Value::Imm(i) => {
                let x = imm_value(*i, size);
                if size == Size::Q && !fits_i32(x) {
                    self.mov_imm(*i, SCRATCH, Size::Q);
                    scratch(Size::Q).to_string()
                } else {
                    format!("${x}")
                }
            }
            Value::Addr(a) => self.mem(a),
            Value::LabelDiff { plus, minus, offset } => {
                format!("${}", Self::with_offset(format!("({} - {})", self.label(plus, false), self.label(minus, false)), *offset))
            }
            Value::Label { .. } | Value::Str(_) => unreachable!("validated operand kind"),
        }
    }

    /// Copies an integer operand into register `dst` at `size` (32-bit
    /// moves zero-extend).
    fn load_into(&mut self, v: &Value, dst: Reg, size: Size) {
        match v {
            // The operation that follows writes (and zero-extends) the register.
            Value::Reg(r) if self.same(*r, dst) => {}
            Value::Imm(i) => {
                let name = phys(self.map, dst);
                self.mov_imm(*i, name, size)
            }
            _ => {
                let mv_size = if size == Size::Q { Size::Q } else { Size::L };
                let s = self.src(v, mv_size);
                let d = self.reg(dst, mv_size);
                self.ins(format!("mov{} {s}, {d}", mv_size.suffix()));
            }
        }
    }

    pub fn instr(&mut self, i: &Instr) {
        let def = i.def();
        let ops = &i.operands;
        let w = def.width;
        let size = size_of(w);
        match def.op {
            Op::Move => self.move_(ops),
            Op::MoveArgs => self.move_args(ops),
            Op::MoveZero => {
                let d = self.xmm(reg(&ops[0]));
                self.ins(format!("xorps {d}, {d}"));
            }
            Op::SignExtend { from } => {
                let (s, d) = (reg(&ops[0]), reg(&ops[1]));
                let (fs, ts) = (size_of(from), size_of(w));
                let m = format!("movs{}{}", fs.suffix(), ts.suffix());
                let m = if m == "movslq" { "movslq".to_string() } else { m };
                self.ins(format!("{m} {}, {}", self.reg(s, fs), self.reg(d, ts)));
            }
            Op::ZeroExtend { .. } => {
                let (s, d) = (reg(&ops[0]), reg(&ops[1]));
                self.ins(format!("movl {}, {}", self.reg(s, Size::L), self.reg(d, Size::L)));
            }
            Op::Lea => self.lea(ops, size),
            Op::Peek => {
                let (n, d) = (imm(&ops[0]), reg(&ops[1]));
                self.ins(format!("movq {}(%rsp), {}", n * 8, self.reg(d, Size::Q)));
            }
            Op::Poke => {
                let n = imm(&ops[1]);
                let s = self.src(&ops[0], Size::Q);
                self.ins(format!("movq {s}, {}(%rsp)", n * 8));
            }
            Op::Push => {
                for o in ops {
                    let r = self.reg(reg(o), Size::Q);
                    self.ins(format!("pushq {r}"));
                }
            }
            Op::Pop => {
                for o in ops {
                    let r = self.reg(reg(o), Size::Q);
                    self.ins(format!("popq {r}"));
                }
            }
            Op::Load { signed, ext_to } => self.load(w, signed, ext_to, &ops[0], reg(&ops[1])),
            Op::Store => self.store(w, &ops[0], &ops[1]),
            Op::LoadPair => {
                // load2ia: both words are read before either register is written.
                let (m, d1, d2) = (addr(&ops[0]), reg(&ops[1]), reg(&ops[2]));
                let lo = self.mem(m);
                let hi = self.mem(&MemAddr { offset: m.offset + 4, ..m.clone() });
                let in_address = |r: Reg| [m.base, m.index].into_iter().flatten().any(|x| self.same(x, r));
                if self.same(d1, d2) {
                    // One register written twice: the second word wins (§3).
                    self.ins(format!("movl {hi}, {}", self.reg(d2, Size::L)));
                } else if !in_address(d1) {
                    // The first write leaves the address intact: in order.
                    self.ins(format!("movl {lo}, {}", self.reg(d1, Size::L)));
                    self.ins(format!("movl {hi}, {}", self.reg(d2, Size::L)));
                } else if !in_address(d2) {
                    self.ins(format!("movl {hi}, {}", self.reg(d2, Size::L)));
                    self.ins(format!("movl {lo}, {}", self.reg(d1, Size::L)));
                } else {
                    self.ins(format!("movl {lo}, {}", scratch(Size::L)));
                    self.ins(format!("movl {hi}, {}", self.reg(d2, Size::L)));
                    self.ins(format!("movl {}, {}", scratch(Size::L), self.reg(d1, Size::L)));
                }
            }
            Op::StorePair => {
                let (s1, s2, m) = (reg(&ops[0]), reg(&ops[1]), addr(&ops[2]));
                let lo = self.mem(m);
                let hi = self.mem(&MemAddr { offset: m.offset + 4, ..m.clone() });
                self.ins(format!("movl {}, {lo}", self.reg(s1, Size::L)));
                self.ins(format!("movl {}, {hi}", self.reg(s2, Size::L)));
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
                        self.int_op("and", true, ops, size);
                        return;
                    }
                    _ => {
                        self.int_op("xor", true, ops, size);
                        return;
                    }
                };
                self.arith(op, ops, size, false, flags_used);
            }
            Op::Neg if w.is_float() => self.fp_sign(false, w, ops),
            Op::Neg | Op::Not => {
                let m = if def.op == Op::Neg { "neg" } else { "not" };
                let d = self.src(&ops[0], size);
                self.ins(format!("{m}{} {d}", size.suffix()));
            }
            Op::LShift | Op::RShift | Op::URShift | Op::LRotate | Op::RRotate => {
                if !self.identity(def.op, ops, size) {
                    self.shift(def.op, ops, size)
                }
            }
            Op::Lzcnt | Op::Tzcnt => self.bitcount(def.op == Op::Lzcnt, ops, size),
            Op::SignExtendR0IntoR1 => self.ins(if size == Size::L { "cltd" } else { "cqto" }),
            Op::X86Div { signed } => {
                let s = self.src(&ops[0], size);
                self.ins(format!("{}{} {s}", if signed { "idiv" } else { "div" }, size.suffix()));
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
                self.ins(format!("set{} {}", cc(c), scratch(Size::B)));
                self.ins(format!("movzbl {}, {d}", scratch(Size::B)));
            }
            Op::CompareBranch(c) => {
                if let Some(b) = constant_compare(c, w, &ops[0], &ops[1]) {
                    if b {
                        let l = self.target(&ops[2]);
                        self.ins(format!("jmp {l}"));
                    }
                    return;
                }
                let c = self.compare(c, &ops[0], &ops[1], size);
                let l = self.target(&ops[2]);
                self.ins(format!("j{} {l}", cc(c)));
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
                        let sz = size.suffix();
                        self.ins(format!("and{sz} {}, {}", self.reg(o, size), self.reg(d, size)));
                        self.ins(format!("shr{sz} ${}, {}", size.bits() - 1, self.reg(d, size)));
                        return;
                    }
                }
                self.test(v, m, size);
                let d = self.reg(reg(ops.last().unwrap_or(v)), Size::L);
                self.ins(format!("set{} {}", test_cc(t), scratch(Size::B)));
                self.ins(format!("movzbl {}, {d}", scratch(Size::B)));
            }
            Op::TestBranch(t) => {
                let (v, m) = (&ops[0], if ops.len() == 3 { Some(&ops[1]) } else { None });
                if let Some(b) = constant_test(t, w, m) {
                    if b {
                        let l = self.target(ops.last().unwrap_or(v));
                        self.ins(format!("jmp {l}"));
                    }
                    return;
                }
                self.test(v, m, size);
                let l = self.target(ops.last().unwrap_or(v));
                self.ins(format!("j{} {l}", test_cc(t)));
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
                        self.ins(format!("jmp {l}"));
                    }
                    return;
                }
                // d := a - d with the sign/zero of the result only: neg, add
                // (the overflow of that add is not the subtraction's).
                if let (ArithOp::Sub, [a, Value::Reg(b), Value::Reg(d), _]) = (op, ops.as_slice()) {
                    if cond != FlagCond::O && self.same(*b, *d) && !matches!(a, Value::Reg(x) if self.same(*x, *d)) {
                        let dr = self.reg(*d, size);
                        self.ins(format!("neg{} {dr}", size.suffix()));
                        let src = self.src(a, size);
                        self.ins(format!("add{} {src}, {dr}", size.suffix()));
                        let l = self.target(&ops[n - 1]);
                        self.ins(format!("j{} {l}", flag_cc(cond)));
                        return;
                    }
                }
                let needs_test = op == ArithOp::Mul && cond != FlagCond::O;
                self.arith(op, &ops[..n - 1], size, needs_test, true);
                if op == ArithOp::Or && cond == FlagCond::O {
                    return; // `or` never overflows (§9.1)
                }
                let l = self.target(&ops[n - 1]);
                self.ins(format!("j{} {l}", flag_cc(cond)));
            }
            Op::FlagBranch(c) => {
                let l = self.target(&ops[0]);
                self.ins(format!("j{} {l}", flag_cc(c)));
            }
            Op::Sqrt => {
                let (s, d) = (self.xmm(reg(&ops[0])), self.xmm(reg(&ops[1])));
                self.ins(format!("sqrts{} {s}, {d}", fsuf(w)));
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
                self.ins(format!("rounds{} ${mode}, {s}, {d}", fsuf(w)));
            }
            Op::IntToFp { from, signed } => self.int_to_fp(from, signed, w, ops),
            Op::FpToInt { from, signed } => self.fp_to_int(from, signed, w, ops),
            Op::CheckedD2I { exact } => self.checked_d2i(exact, ops),
            Op::FpConvert { from } => {
                let (s, d) = (self.xmm(reg(&ops[0])), self.xmm(reg(&ops[1])));
                self.ins(if from == Width::D { format!("cvtsd2ss {s}, {d}") } else { format!("cvtss2sd {s}, {d}") });
            }
            Op::BitMove { from } => {
                let (s, d) = (reg(&ops[0]), reg(&ops[1]));
                let text = match from {
                    Width::Q => format!("movq {}, {}", self.reg(s, Size::Q), self.xmm(d)),
                    Width::D => format!("movq {}, {}", self.xmm(s), self.reg(d, Size::Q)),
                    Width::I => format!("movd {}, {}", self.reg(s, Size::L), self.xmm(d)),
                    _ => format!("movd {}, {}", self.xmm(s), self.reg(d, Size::L)),
                };
                self.ins(text);
            }
            Op::FpFromIntPair => {
                let (lo, hi, d) = (reg(&ops[0]), reg(&ops[1]), reg(&ops[2]));
                // SSE4.1 (TARGETS.md §2.4): the high word goes into lane 1.
                let d = self.xmm(d);
                self.ins(format!("movd {}, {d}", self.reg(lo, Size::L)));
                self.ins(format!("pinsrd $1, {}, {d}", self.reg(hi, Size::L)));
            }
            Op::FpToIntPair => {
                let (s, lo, hi) = (self.xmm(reg(&ops[0])), reg(&ops[1]), reg(&ops[2]));
                // SSE4.1 (TARGETS.md §2.4): lane 1 is the high word.
                self.ins(format!("movd {s}, {}", self.reg(lo, Size::L)));
                self.ins(format!("pextrd $1, {s}, {}", self.reg(hi, Size::L)));
            }
            Op::FCompareSet { cond, unordered } => self.fp_compare_set(cond, unordered, w, ops),
            Op::FBranch { cond, unordered } => self.fp_branch(cond, unordered, w, ops),
            Op::Jmp | Op::Call => {
                let m = if def.op == Op::Jmp { "jmp" } else { "call" };
                let t = match &ops[0] {
                    Value::Label { name, local, .. } => self.branch_target(name, *local),
                    Value::Reg(r) => format!("*{}", self.reg(*r, Size::Q)),
                    Value::Addr(a) => format!("*{}", self.mem(a)),
                    _ => unreachable!("validated jump target"),
                };
                self.ins(format!("{m} {t}"));
            }
            Op::Ret => self.ins("ret"),
            Op::Break => self.ins("int3"),
            Op::Nop => self.ins("nop"),
            Op::PtrAuth => {}
            Op::Fence => self.ins("mfence"),
            Op::AtomicRmw(aop) => self.atomic_rmw(aop, ops, size),
            Op::AtomicCas { branch } => {
                let (n, m) = (reg(&ops[1]), addr(&ops[2]));
                let (n, m) = (self.reg(n, size), self.mem(m));
                self.ins(format!("lock cmpxchg{} {n}, {m}", size.suffix()));
                match size {
                    Size::B => self.ins("movzbl %al, %eax"),
                    Size::W => self.ins("movzwl %ax, %eax"),
                    Size::L => self.ins("movl %eax, %eax"),
                    Size::Q => {}
                }
                if branch {
                    let l = self.target(&ops[3]);
                    self.ins(format!("jne {l}"));
                }
            }
            Op::AtomicLoad => self.load(w, false, Width::Q, &ops[0], reg(&ops[1])),
            Op::Emit => {
                let mut line = String::new();
                for o in ops {
                    match o {
                        Value::Str(s) => line.push_str(s),
                        Value::Label { name, local, .. } => line.push_str(&self.label(name, *local)),
                        _ => {}
                    }
                }
                self.asm.text.push_str(&line);
                self.asm.text.push('\n');
            }
            Op::TlsLoad => {
                let d = self.reg(reg(&ops[1]), Size::Q);
                let slot = self.tls_slot(&ops[0]);
                self.ins(format!("movq %gs:{slot}, {d}"));
            }
            Op::TlsStore => {
                let s = self.reg(reg(&ops[0]), Size::Q);
                let slot = self.tls_slot(&ops[1]);
                self.ins(format!("movq {s}, %gs:{slot}"));
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

    /// `d := 0` or `d := 1`.
    fn set_constant(&mut self, d: Reg, b: bool) {
        let d = self.reg(d, Size::L);
        if b {
            self.ins(format!("movl $1, {d}"));
        } else {
            self.ins(format!("xorl {d}, {d}"));
        }
    }

    /// `d := ` the sign bit of `v` (a register or memory) at width `w`.
    fn sign_bit(&mut self, v: &Value, d: Reg, w: Width) {
        let size = size_of(w);
        let dr = self.reg(d, op_size(size));
        let sz = op_size(size).suffix();
        match (size, v) {
            (Size::B, _) => {
                let s = self.src(v, Size::B);
                self.ins(format!("movzbl {s}, {dr}"));
            }
            (_, Value::Reg(r)) if self.same(*r, d) => {}
            _ => {
                let s = self.src(v, size);
                self.ins(format!("mov{sz} {s}, {dr}"));
            }
        }
        self.ins(format!("shr{sz} ${}, {dr}", size.bits() - 1));
    }

    fn tls_slot(&self, v: &Value) -> String {
        match v {
            Value::Imm(n) => format!("{}", n * 8),
            Value::Reg(r) => format!("(, {}, 8)", self.reg(*r, Size::Q)),
            _ => unreachable!(),
        }
    }

    fn target(&self, v: &Value) -> String {
        match v {
            Value::Label { name, local, .. } => self.branch_target(name, *local),
            _ => unreachable!("validated label operand"),
        }
    }

    fn move_(&mut self, ops: &[Value]) {
        let d = reg(&ops[1]);
        match &ops[0] {
            Value::Imm(i) => {
                let name = phys(self.map, d);
                self.mov_imm(*i, name, Size::Q);
            }
            Value::Reg(s) if self.same(*s, d) => {}
            Value::LabelDiff { .. } => {
                let s = self.src(&ops[0], Size::Q);
                self.ins(format!("movq {s}, {}", self.reg(d, Size::Q)));
            }
            v => {
                let s = self.src(v, Size::Q);
                self.ins(format!("movq {s}, {}", self.reg(d, Size::Q)));
            }
        }
    }

    /// `moveargs`: the parallel move into the argument registers, as 64-bit
    /// copies (through `r11` to break a cycle) and immediate loads.
    fn move_args(&mut self, ops: &[Value]) {
        let name = |l: Loc<crate::target::regs::PhysReg>| match l {
            Loc::Reg(p) => sized(p.name, Size::Q),
            Loc::Scratch => scratch(Size::Q),
        };
        for step in arg_move_steps(self.map, ops) {
            match step {
                Step::Copy { from, to } => self.ins(format!("movq {}, {}", name(from), name(to))),
                Step::Load { value, to } => self.mov_imm(value, to.name, Size::Q),
            }
        }
    }

    /// The address of a data label (defined here: PC-relative; external:
    /// through the GOT where the format has one), as a memory operand for
    /// `lea` or a load.
    fn label_address(&mut self, name: &str, local: bool, offset: i64) -> String {
        let defined = local || self.prog.defined.contains(name);
        if defined || !self.obj.uses_got() {
            return format!("{}(%rip)", Self::with_offset(self.label(name, local), offset));
        }
        self.ins(format!("movq {}@GOTPCREL(%rip), {}", self.obj.symbol(name), scratch(Size::Q)));
        if offset == 0 {
            format!("({})", scratch(Size::Q))
        } else {
            format!("{offset}({})", scratch(Size::Q))
        }
    }

    fn lea(&mut self, ops: &[Value], size: Size) {
        let d = reg(&ops[1]);
        match &ops[0] {
            Value::Addr(a) => {
                let m = self.mem(a);
                self.ins(format!("lea{} {m}, {}", size.suffix(), self.reg(d, size)));
            }
            Value::Label { name, local: false, offset } if self.obj.uses_got() && !self.prog.defined.contains(name) => {
                // External: the address comes from the GOT.
                let dr = self.reg(d, Size::Q);
                self.ins(format!("movq {}@GOTPCREL(%rip), {dr}", self.obj.symbol(name)));
                if *offset != 0 {
                    self.ins(format!("leaq {offset}({dr}), {dr}"));
                }
            }
            Value::Label { name, local, offset } => {
                let m = self.label_address(name, *local, *offset);
                self.ins(format!("leaq {m}, {}", self.reg(d, Size::Q)));
            }
            _ => unreachable!(),
        }
    }

    fn load(&mut self, w: Width, signed: bool, ext_to: Width, src: &Value, d: Reg) {
        let m = match src {
            Value::Addr(a) => self.mem(a),
            Value::Label { name, local, offset } => self.label_address(name, *local, *offset),
            _ => unreachable!(),
        };
        let text = match (w, signed, ext_to) {
            (Width::B, false, _) => format!("movzbl {m}, {}", self.reg(d, Size::L)),
            (Width::B, true, Width::I) => format!("movsbl {m}, {}", self.reg(d, Size::L)),
            (Width::B, true, _) => format!("movsbq {m}, {}", self.reg(d, Size::Q)),
            (Width::H, false, _) => format!("movzwl {m}, {}", self.reg(d, Size::L)),
            (Width::H, true, Width::I) => format!("movswl {m}, {}", self.reg(d, Size::L)),
            (Width::H, true, _) => format!("movswq {m}, {}", self.reg(d, Size::Q)),
            (Width::I, false, _) => format!("movl {m}, {}", self.reg(d, Size::L)),
            (Width::I, true, _) => format!("movslq {m}, {}", self.reg(d, Size::Q)),
            (Width::F, ..) => format!("movss {m}, {}", self.xmm(d)),
            (Width::D, ..) => format!("movsd {m}, {}", self.xmm(d)),
            (Width::V, ..) => format!("movups {m}, {}", self.xmm(d)),
            _ => format!("movq {m}, {}", self.reg(d, Size::Q)),
        };
        self.ins(text);
    }

    fn store(&mut self, w: Width, s: &Value, m: &Value) {
        let m = match m {
            Value::Addr(a) => self.mem(a),
            _ => unreachable!(),
        };
        match w {
            Width::F => self.ins(format!("movss {}, {m}", self.xmm(reg(s)))),
            Width::D => self.ins(format!("movsd {}, {m}", self.xmm(reg(s)))),
            Width::V => self.ins(format!("movups {}, {m}", self.xmm(reg(s)))),
            _ => {
                let size = size_of(w);
                let s = self.src(s, size);
                self.ins(format!("mov{} {s}, {m}", size.suffix()));
            }
        }
    }

    /// `and`/`xor` (and the commutative part of `arith`): 2- and 3-operand forms.
    fn int_op(&mut self, m: &str, commutative: bool, ops: &[Value], size: Size) {
        let size = if size == Size::W { Size::W } else { size };
        if ops.len() == 2 {
            self.op2(m, &ops[0], &ops[1], size);
            return;
        }
        let (a, b, d) = (&ops[0], &ops[1], reg(&ops[2]));
        let is_d = |v: &Value, s: &Self| matches!(v, Value::Reg(r) if s.same(*r, d));
        if is_d(a, self) {
            let dv = Value::Reg(d);
            self.op2(m, b, &dv, size);
        } else if is_d(b, self) && commutative {
            let dv = Value::Reg(d);
            self.op2(m, a, &dv, size);
        } else if is_d(b, self) {
            // d := a - d: keep b in the scratch before d is overwritten.
            self.load_scratch(b, size);
            self.load_into(a, d, size);
            let sz = op_size(size);
            self.ins(format!("{m}{} {}, {}", sz.suffix(), scratch(sz), self.reg(d, sz)));
        } else {
            self.load_into(a, d, size);
            let dv = Value::Reg(d);
            self.op2(m, b, &dv, size);
        }
    }

    fn load_scratch(&mut self, v: &Value, size: Size) {
        match v {
            Value::Imm(i) => self.mov_imm(*i, SCRATCH, op_size(size)),
            _ => {
                let sz = op_size(size);
                let s = self.src(v, sz);
                self.ins(format!("mov{} {s}, {}", sz.suffix(), scratch(sz)));
            }
        }
    }

    /// `op s, d` with d a register or memory (16-bit register results are
    /// zero-extended afterwards, §1.5).
    fn op2(&mut self, m: &str, s: &Value, d: &Value, size: Size) {
        if m == "imul" {
            return self.imul2(s, d, size);
        }
        let src = self.src(s, size);
        let dst = match d {
            Value::Reg(r) => self.reg(*r, size).to_string(),
            Value::Addr(a) => self.mem(a),
            _ => unreachable!(),
        };
        self.ins(format!("{m}{} {src}, {dst}", size.suffix()));
        if let (Size::W, Value::Reg(r)) = (size, d) {
            self.ins(format!("movzwl {}, {}", self.reg(*r, Size::W), self.reg(*r, Size::L)));
        }
    }

    fn imul2(&mut self, s: &Value, d: &Value, size: Size) {
        match d {
            Value::Reg(r) => {
                let dst = self.reg(*r, size);
                match s {
                    Value::Imm(i) if size == Size::L || fits_i32(imm_value(*i, size)) => {
                        self.ins(format!("imul{} ${}, {dst}, {dst}", size.suffix(), imm_value(*i, size)))
                    }
                    _ => {
                        let src = self.src(s, size);
                        self.ins(format!("imul{} {src}, {dst}", size.suffix()));
                    }
                }
            }
            Value::Addr(a) => {
                // No memory destination for imul: multiply in the scratch.
                let m = self.mem(a);
                match s {
                    Value::Imm(i) if size == Size::L || fits_i32(imm_value(*i, size)) => {
                        let x = imm_value(*i, size);
                        self.ins(format!("imul{} ${x}, {m}, {}", size.suffix(), scratch(size)));
                    }
                    Value::Imm(i) => {
                        self.mov_imm(*i, SCRATCH, size);
                        self.ins(format!("imul{} {m}, {}", size.suffix(), scratch(size)));
                    }
                    _ => {
                        let src = self.src(s, size);
                        self.ins(format!("mov{} {m}, {}", size.suffix(), scratch(size)));
                        self.ins(format!("imul{} {src}, {}", size.suffix(), scratch(size)));
                    }
                }
                self.ins(format!("mov{} {}, {m}", size.suffix(), scratch(size)));
            }
            _ => unreachable!(),
        }
    }

    /// add/sub/mul/or in 2- or 3-operand form; flags reflect the result
    /// when `set_flags` is requested (imul leaves SF/ZF undefined), and must
    /// be those of the x86 operation itself when `flags_used`.
    fn arith(&mut self, op: ArithOp, ops: &[Value], size: Size, set_flags: bool, flags_used: bool) {
        let (m, comm) = match op {
            ArithOp::Add => ("add", true),
            ArithOp::Sub => ("sub", false),
            ArithOp::Mul => ("imul", true),
            ArithOp::Or => ("or", true),
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
                    self.ins(format!("test{} {r}, {r}", size.suffix()));
                }
                Value::Addr(a) => {
                    let m = self.mem(a);
                    self.ins(format!("cmp{} $0, {m}", size.suffix()));
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
                    self.ins(format!("movzwl {}, {}", self.reg(*d, Size::W), self.reg(*d, Size::L)));
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
                self.ins(format!("xorl {dr}, {dr}"));
                return true;
            }
            // `x & x` and `x | x` are x.
            let same_src = match ops {
                [Value::Reg(a), Value::Reg(b)] | [Value::Reg(a), Value::Reg(b), _] if self.same(*a, *b) => Some(*b),
                _ => None,
            };
            if let Some(x) = same_src {
                if !(size == Size::Q && self.same(x, d)) {
                    self.ins(format!("mov{} {}, {}", size.suffix(), self.reg(x, size), self.reg(d, size)));
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
            self.ins(format!("mov{} {}, {}", size.suffix(), self.reg(src, size), self.reg(d, size)));
        }
        true
    }

    /// Three-operand add/sub without flags, into a destination distinct from
    /// the register sources: `lea` (`leal` zero-extends as the 32-bit add
    /// does); `d := a - d` as `neg d ; add a, d`. Returns false when neither applies.
    fn add_sub_without_flags(&mut self, op: ArithOp, ops: &[Value], size: Size) -> bool {
        let [a, b, Value::Reg(d)] = ops else { return false };
        let d = *d;
        let is_d = |v: &Value| matches!(v, Value::Reg(r) if self.same(*r, d));
        match (op, a, b) {
            (ArithOp::Sub, _, _) if is_d(b) && !is_d(a) => {
                let dr = self.reg(d, size);
                self.ins(format!("neg{} {dr}", size.suffix()));
                let src = self.src(a, size);
                self.ins(format!("add{} {src}, {dr}", size.suffix()));
                true
            }
            _ if is_d(a) || is_d(b) => false,
            (ArithOp::Add, Value::Reg(x), y) | (ArithOp::Add, y, Value::Reg(x)) => self.lea_add(*x, y, d, size),
            (ArithOp::Sub, Value::Reg(x), Value::Imm(i)) => {
                let minus = -(imm_value(*i, size) as i128);
                self.lea_add(*x, &Value::Imm(minus), d, size)
            }
            _ => false,
        }
    }

    /// `d := base + plus` (a register or an immediate that fits a
    /// displacement) in one `lea`; false when it cannot be encoded.
    fn lea_add(&mut self, base: Reg, plus: &Value, d: Reg, size: Size) -> bool {
        let is_rsp = |r: Reg| phys(self.map, r) == "rsp";
        let addr = match plus {
            Value::Imm(i) => {
                let x = imm_value(*i, size);
                if !fits_i32(x) {
                    return false;
                }
                format!("{x}({})", self.reg(base, Size::Q))
            }
            Value::Reg(r) => {
                // rsp can be a base but never an index.
                let (b, i) = if is_rsp(*r) { (*r, base) } else { (base, *r) };
                if is_rsp(i) {
                    return false;
                }
                format!("({}, {})", self.reg(b, Size::Q), self.reg(i, Size::Q))
            }
            _ => return false,
        };
        self.ins(format!("lea{} {addr}, {}", size.suffix(), self.reg(d, size)));
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
        let sz = size.suffix();
        self.ins(format!("imul{sz} ${x}, {}, {}", self.reg(a, size), self.reg(d, size)));
        true
    }

    fn shift(&mut self, op: Op, ops: &[Value], size: Size) {
        let m = match op {
            Op::LShift => "shl",
            Op::RShift => "sar",
            Op::URShift => "shr",
            Op::LRotate => "rol",
            _ => "ror",
        };
        let (v, c, d) = if ops.len() == 2 { (&ops[1], &ops[0], reg(&ops[1])) } else { (&ops[0], &ops[1], reg(&ops[2])) };
        let sz = size.suffix();
        match c {
            Value::Imm(n) => {
                self.load_into(v, d, size);
                let dst = self.reg(d, size);
                self.ins(format!("{m}{sz} ${n}, {dst}"));
            }
            Value::Reg(cr) => {
                let cr = *cr;
                // Two operands, or three with the value in d: shift d itself.
                let in_place = matches!(v, Value::Reg(r) if self.same(*r, d));
                let dst = self.reg(d, size);
                if self.is_rcx(cr) && (in_place || !self.is_rcx(d)) {
                    self.load_into(v, d, size);
                    self.ins(format!("{m}{sz} %cl, {dst}"));
                } else if in_place && (self.is_rcx(d) || self.same(cr, d)) {
                    // d is rcx, or d is the count: swap the count into rcx and
                    // the value into the count's register (or leave it in rcx
                    // when it is the count), shift, swap back.
                    let crq = self.reg(cr, Size::Q);
                    let shifted = if self.is_rcx(d) { self.reg(cr, size) } else { sized("rcx", size) };
                    self.ins(format!("xchgq {crq}, %rcx"));
                    self.ins(format!("{m}{sz} %cl, {shifted}"));
                    self.ins(format!("xchgq {crq}, %rcx"));
                } else if !self.is_rcx(d) && !self.same(cr, d) {
                    // Neither rcx nor the count is written: swap the count into
                    // rcx around a shift of d itself.
                    let crq = self.reg(cr, Size::Q);
                    self.load_into(v, d, size);
                    self.ins(format!("xchgq {crq}, %rcx"));
                    self.ins(format!("{m}{sz} %cl, {dst}"));
                    self.ins(format!("xchgq {crq}, %rcx"));
                } else if self.is_rcx(d) {
                    // d is rcx (not the count) and the value elsewhere: rcx is
                    // free to take the count; the value is shifted in the scratch.
                    self.load_scratch(v, size);
                    if !self.is_rcx(cr) {
                        self.ins(format!("movl {}, %ecx", self.reg(cr, Size::L)));
                    }
                    self.ins(format!("{m}{sz} %cl, {}", scratch(size)));
                    self.ins(format!("mov{} {}, {}", op_size(size).suffix(), scratch(op_size(size)), self.reg(d, op_size(size))));
                } else {
                    // d is the count (not rcx) and the value elsewhere: compute
                    // in the scratch with the count swapped into rcx.
                    let crq = self.reg(cr, Size::Q);
                    self.load_scratch(v, size);
                    self.ins(format!("xchgq {crq}, %rcx"));
                    self.ins(format!("{m}{sz} %cl, {}", scratch(size)));
                    self.ins(format!("xchgq {crq}, %rcx"));
                    self.ins(format!("mov{sz} {}, {dst}", scratch(size)));
                }
            }
            _ => unreachable!(),
        }
    }

    fn bitcount(&mut self, leading: bool, ops: &[Value], size: Size) {
        let (s, d) = (reg(&ops[0]), reg(&ops[1]));
        let sz = size.suffix();
        let skip = self.asm.fresh_label();
        let bits = size.bits();
        // bsr/bsf write d only for a non-zero source (zero-extending at 32
        // bits); for a zero source d is set explicitly.
        let (rs, rd) = (self.reg(s, size), self.reg(d, size));
        if leading {
            // lzcnt = (bits - 1) - bsr(s) = bsr(s) ^ (bits - 1), as the index
            // is below `bits`; a zero source takes (2 * bits - 1) ^ (bits - 1) = bits.
            self.ins(format!("bsr{sz} {rs}, {rd}"));
            self.ins(format!("jnz {skip}"));
            self.ins(format!("mov{sz} ${}, {rd}", 2 * bits - 1));
            self.asm.label(&skip);
            self.ins(format!("xor{sz} ${}, {rd}", bits - 1));
        } else {
            self.ins(format!("bsf{sz} {rs}, {rd}"));
            self.ins(format!("jnz {skip}"));
            self.ins(format!("mov{sz} ${bits}, {rd}"));
            self.asm.label(&skip);
        }
    }

    /// Emits a compare of `l` with `r` and returns the condition to test
    /// (mirrored when the operands had to be swapped).
    fn compare(&mut self, c: Cond, l: &Value, r: &Value, size: Size) -> Cond {
        let (l, r, c) = match l {
            Value::Imm(_) => (r, l, c.mirror()),
            _ => (l, r, c),
        };
        let rs = self.src(r, size);
        let ls = match l {
            Value::Reg(x) => self.reg(*x, size).to_string(),
            Value::Addr(a) => self.mem(a),
            _ => unreachable!("validated: not both immediates"),
        };
        self.ins(format!("cmp{} {rs}, {ls}", size.suffix()));
        c
    }

    fn test(&mut self, v: &Value, m: Option<&Value>, size: Size) {
        let sz = size.suffix();
        let vs = match v {
            Value::Reg(r) => self.reg(*r, size).to_string(),
            Value::Addr(a) => self.mem(a),
            _ => unreachable!(),
        };
        match m {
            None => match v {
                Value::Reg(_) => self.ins(format!("test{sz} {vs}, {vs}")),
                _ => self.ins(format!("cmp{sz} $0, {vs}")),
            },
            Some(m) => {
                let ms = self.src(m, size);
                self.ins(format!("test{sz} {ms}, {vs}"));
            }
        }
    }

    fn fp_arith(&mut self, op: Op, w: Width, ops: &[Value]) {
        let (m, comm) = match (op, w) {
            (Op::Add, _) => (format!("adds{}", fsuf(w)), true),
            (Op::Sub, _) => (format!("subs{}", fsuf(w)), false),
            (Op::Mul, _) => (format!("muls{}", fsuf(w)), true),
            (Op::FDiv, _) => (format!("divs{}", fsuf(w)), false),
            (Op::And, Width::F) => ("andps".into(), true),
            (Op::And, _) => ("andpd".into(), true),
            (Op::Or, Width::F) => ("orps".into(), true),
            _ => ("orpd".into(), true),
        };
        // `x & x` and `x | x` are x.
        let idempotent = matches!(op, Op::And | Op::Or) && self.same(reg(&ops[0]), reg(&ops[1]));
        if ops.len() == 2 {
            let (s, d) = (self.xmm(reg(&ops[0])), self.xmm(reg(&ops[1])));
            if !idempotent {
                self.ins(format!("{m} {s}, {d}"));
            }
            return;
        }
        let (a, b, d) = (reg(&ops[0]), reg(&ops[1]), reg(&ops[2]));
        let (xa, xb, xd) = (self.xmm(a), self.xmm(b), self.xmm(d));
        if idempotent {
            if !self.same(a, d) {
                self.ins(format!("movaps {xa}, {xd}"));
            }
        } else if self.same(a, d) {
            self.ins(format!("{m} {xb}, {xd}"));
        } else if self.same(b, d) && comm {
            self.ins(format!("{m} {xa}, {xd}"));
        } else if self.same(b, d) {
            let fs = self.fscratch.clone();
            self.ins(format!("movaps {xb}, {fs}"));
            self.ins(format!("movaps {xa}, {xd}"));
            self.ins(format!("{m} {fs}, {xd}"));
        } else {
            self.ins(format!("movaps {xa}, {xd}"));
            self.ins(format!("{m} {xb}, {xd}"));
        }
    }

    fn fp_sign(&mut self, abs: bool, w: Width, ops: &[Value]) {
        let (s, d) = (self.xmm(reg(&ops[0])), self.xmm(reg(&ops[1])));
        if abs && s == d {
            // Clear the sign bit in place: shift it out and back in as 0.
            let l = if w == Width::F { 'd' } else { 'q' };
            self.ins(format!("psll{l} $1, {d}"));
            self.ins(format!("psrl{l} $1, {d}"));
            return;
        }
        // The mask goes into d when d is not the source (d := mask OP s),
        // into the FP scratch otherwise.
        let mask_reg = if s != d { d.to_string() } else { self.fscratch.clone() };
        if w == Width::F {
            let mask: u32 = if abs { 0x7fff_ffff } else { 0x8000_0000 };
            self.ins(format!("movl ${}, {}", mask as i32, scratch(Size::L)));
            self.ins(format!("movd {}, {mask_reg}", scratch(Size::L)));
        } else {
            let mask: u64 = if abs { 0x7fff_ffff_ffff_ffff } else { 0x8000_0000_0000_0000 };
            self.ins(format!("movabsq ${}, {}", mask as i64, scratch(Size::Q)));
            self.ins(format!("movq {}, {mask_reg}", scratch(Size::Q)));
        }
        let m = match (abs, w) {
            (true, Width::F) => "andps",
            (true, _) => "andpd",
            (false, Width::F) => "xorps",
            (false, _) => "xorpd",
        };
        let other = if s != d { s } else { mask_reg.as_str() };
        self.ins(format!("{m} {other}, {d}"));
    }

    fn int_to_fp(&mut self, from: Width, signed: bool, to: Width, ops: &[Value]) {
        let s = reg(&ops[0]);
        let d = self.xmm(reg(ops.last().unwrap_or(&ops[0])));
        let cvt = format!("cvtsi2s{}", if to == Width::F { "s" } else { "d" });
        match (from, signed) {
            (Width::I, true) => self.ins(format!("{cvt}l {}, {d}", self.reg(s, Size::L))),
            (Width::I, false) => {
                self.ins(format!("movl {}, {}", self.reg(s, Size::L), scratch(Size::L)));
                self.ins(format!("{cvt}q {}, {d}", scratch(Size::Q)));
            }
            (_, true) => self.ins(format!("{cvt}q {}, {d}", self.reg(s, Size::Q))),
            (_, false) => {
                // Unsigned 64-bit: convert as signed, which is right below
                // 2^63; above it, halve (keeping the lowest bit sticky for
                // correct rounding), convert, double.
                let (odd, done) = (self.asm.fresh_label(), self.asm.fresh_label());
                let rs = self.reg(s, Size::Q);
                self.ins(format!("{cvt}q {rs}, {d}"));
                self.ins(format!("testq {rs}, {rs}"));
                self.ins(format!("jns {done}"));
                self.ins(format!("movq {rs}, {}", scratch(Size::Q)));
                self.ins(format!("shrq $1, {}", scratch(Size::Q)));
                self.ins(format!("jnc {odd}"));
                self.ins(format!("orq $1, {}", scratch(Size::Q)));
                self.asm.label(&odd);
                self.ins(format!("{cvt}q {}, {d}", scratch(Size::Q)));
                self.ins(format!("adds{} {d}, {d}", fsuf(to)));
                self.asm.label(&done);
            }
        }
    }

    fn fp_to_int(&mut self, from: Width, signed: bool, to: Width, ops: &[Value]) {
        let s = self.xmm(reg(&ops[0]));
        let d = reg(&ops[1]);
        let cvt = format!("cvtts{}2si", if from == Width::F { "s" } else { "d" });
        match (to, signed) {
            (Width::I, true) => self.ins(format!("{cvt} {s}, {}", self.reg(d, Size::L))),
            (Width::I, false) => {
                self.ins(format!("{cvt} {s}, {}", scratch(Size::Q)));
                self.ins(format!("movl {}, {}", scratch(Size::L), self.reg(d, Size::L)));
            }
            (_, true) => self.ins(format!("{cvt} {s}, {}", self.reg(d, Size::Q))),
            (_, false) => {
                // Values at or above 2^63 convert as (x - 2^63) with bit 63 set.
                // The result is built in d (a Gpr, so never the source); the
                // scratch only carries the constant.
                let done = self.asm.fresh_label();
                let fs = self.fscratch.clone();
                let rd = self.reg(d, Size::Q);
                self.ins(format!("{cvt} {s}, {rd}"));
                self.ins(format!("testq {rd}, {rd}"));
                self.ins(format!("jns {done}"));
                if from == Width::F {
                    self.ins(format!("movl ${}, {}", 0xdf00_0000u32 as i32, scratch(Size::L)));
                    self.ins(format!("movd {}, {fs}", scratch(Size::L)));
                    self.ins(format!("addss {s}, {fs}"));
                } else {
                    self.ins(format!("movabsq ${}, {}", 0xc3e0_0000_0000_0000u64 as i64, scratch(Size::Q)));
                    self.ins(format!("movq {}, {fs}", scratch(Size::Q)));
                    self.ins(format!("addsd {s}, {fs}"));
                }
                self.ins(format!("{cvt} {fs}, {rd}"));
                self.ins(format!("btsq $63, {rd}"));
                self.asm.label(&done);
            }
        }
    }

    /// `bcd2i` (exact: branch unless the double is exactly an int32 other
    /// than -0.0) and `btd2i` (branch if NaN or the truncation is out of range).
    fn checked_d2i(&mut self, exact: bool, ops: &[Value]) {
        let s = self.xmm(reg(&ops[0]));
        let d = reg(&ops[1]);
        let l = self.target(&ops[2]);
        let fs = self.fscratch.clone();
        let (d32, d64) = (self.reg(d, Size::L), self.reg(d, Size::Q));
        if exact {
            // The round trip has the bits of the double exactly when it is an
            // int32 other than -0.0 (NaN, inexact, out of range and -0.0 all
            // give other bits): compare them as integers.
            self.ins(format!("cvttsd2si {s}, {d32}"));
            self.ins(format!("cvtsi2sdl {d32}, {fs}"));
            self.ins(format!("pcmpeqq {s}, {fs}"));
            self.ins(format!("movq {fs}, {}", scratch(Size::Q)));
            self.ins(format!("incq {}", scratch(Size::Q)));
            self.ins(format!("jnz {l}"));
        } else {
            // The 64-bit truncation (INT64_MIN for NaN and beyond ±2^63) is in
            // range exactly when it is its own low word sign-extended.
            self.ins(format!("cvttsd2siq {s}, {}", scratch(Size::Q)));
            self.ins(format!("movslq {}, {d64}", scratch(Size::L)));
            self.ins(format!("cmpq {}, {d64}", scratch(Size::Q)));
            self.ins(format!("movl {d32}, {d32}"));
            self.ins(format!("jne {l}"));
        }
    }

    /// Emits `ucomis` so that "a OP b (ordered)" is `ja`/`jae`/`je`-style;
    /// returns (flags condition, needs parity handling).
    fn fp_compare_set(&mut self, cond: FCond, unordered: bool, w: Width, ops: &[Value]) {
        let (a, b) = (self.xmm(reg(&ops[0])), self.xmm(reg(&ops[1])));
        let d = self.reg(reg(&ops[2]), Size::L);
        let u = format!("ucomis{}", fsuf(w));
        let sb = scratch(Size::B);
        if a == b {
            match self_compare(cond, unordered) {
                SelfCompare::Always => self.ins(format!("movl $1, {d}")),
                SelfCompare::Never => self.ins(format!("movl $0, {d}")),
                SelfCompare::IfNaN(nan) => {
                    self.ins(format!("{u} {a}, {a}"));
                    self.ins(format!("set{} {sb}", if nan { "p" } else { "np" }));
                    self.ins(format!("movzbl {sb}, {d}"));
                }
            }
            return;
        }
        match (cond, unordered) {
            (FCond::Eq, false) | (FCond::Neq, true) => {
                // cmpeq/cmpneq on a copy of a whose other lanes are 0: the
                // mask's sign is the result (movmsk).
                let fs = self.fscratch.clone();
                let (pred, sfx) = (if cond == FCond::Eq { "eq" } else { "neq" }, fsuf(w));
                if w == Width::F {
                    self.ins(format!("insertps $0x0e, {a}, {fs}"));
                } else {
                    self.ins(format!("movq {a}, {fs}"));
                }
                self.ins(format!("cmp{pred}s{sfx} {b}, {fs}"));
                self.ins(format!("movmskp{sfx} {fs}, {d}"));
                return;
            }
            (FCond::Neq, false) | (FCond::Eq, true) => {
                // Unordered sets ZF: ordered "not equal" and "equal or
                // unordered" are ZF alone.
                let set = if cond == FCond::Neq { "ne" } else { "e" };
                self.ins(format!("xorl {d}, {d}"));
                self.ins(format!("{u} {b}, {a}"));
                self.ins(format!("set{set} {}", self.reg(reg(&ops[2]), Size::B)));
                return;
            }
            (c, false) => {
                let (x, y, set) = match c {
                    FCond::Gt => (&b, &a, "a"),
                    FCond::Gteq => (&b, &a, "ae"),
                    FCond::Lt => (&a, &b, "a"),
                    _ => (&a, &b, "ae"),
                };
                self.ins(format!("{u} {x}, {y}"));
                self.ins(format!("set{set} {sb}"));
            }
            (c, true) => {
                let (x, y, set) = match c {
                    FCond::Gt => (&a, &b, "b"),
                    FCond::Gteq => (&a, &b, "be"),
                    FCond::Lt => (&b, &a, "b"),
                    _ => (&b, &a, "be"),
                };
                self.ins(format!("{u} {x}, {y}"));
                self.ins(format!("set{set} {sb}"));
            }
        }
        self.ins(format!("movzbl {sb}, {d}"));
    }

    fn fp_branch(&mut self, cond: FCond, unordered: bool, w: Width, ops: &[Value]) {
        let (a, b) = (self.xmm(reg(&ops[0])), self.xmm(reg(&ops[1])));
        let l = self.target(&ops[2]);
        let u = format!("ucomis{}", fsuf(w));
        if a == b {
            match self_compare(cond, unordered) {
                SelfCompare::Always => self.ins(format!("jmp {l}")),
                SelfCompare::Never => {}
                SelfCompare::IfNaN(nan) => {
                    self.ins(format!("{u} {a}, {a}"));
                    self.ins(format!("j{} {l}", if nan { "p" } else { "np" }));
                }
            }
            return;
        }
        match (cond, unordered) {
            (FCond::Eq, false) => {
                let skip = self.asm.fresh_label();
                self.ins(format!("{u} {b}, {a}"));
                self.ins(format!("jp {skip}"));
                self.ins(format!("je {l}"));
                self.asm.label(&skip);
            }
            (FCond::Neq, false) => {
                // Unordered sets ZF: jne is taken for ordered operands only.
                self.ins(format!("{u} {b}, {a}"));
                self.ins(format!("jne {l}"));
            }
            (FCond::Eq, true) => {
                self.ins(format!("{u} {b}, {a}"));
                self.ins(format!("je {l}"));
            }
            (FCond::Neq, true) => {
                self.ins(format!("{u} {b}, {a}"));
                self.ins(format!("jp {l}"));
                self.ins(format!("jne {l}"));
            }
            (c, false) => {
                let (x, y, j) = match c {
                    FCond::Gt => (&b, &a, "a"),
                    FCond::Gteq => (&b, &a, "ae"),
                    FCond::Lt => (&a, &b, "a"),
                    _ => (&a, &b, "ae"),
                };
                self.ins(format!("{u} {x}, {y}"));
                self.ins(format!("j{j} {l}"));
            }
            (c, true) => {
                let (x, y, j) = match c {
                    FCond::Gt => (&a, &b, "b"),
                    FCond::Gteq => (&a, &b, "be"),
                    FCond::Lt => (&b, &a, "b"),
                    _ => (&b, &a, "be"),
                };
                self.ins(format!("{u} {x}, {y}"));
                self.ins(format!("j{j} {l}"));
            }
        }
    }

    fn atomic_rmw(&mut self, aop: AtomicOp, ops: &[Value], size: Size) {
        let sz = size.suffix();
        let (v, a) = (reg(&ops[0]), addr(&ops[1]));
        let m = self.mem(a);
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
                    self.ins(format!("mov{} {}, {work_wide}", wide.suffix(), self.reg(v, wide)));
                }
                if aop == AtomicOp::Sub {
                    self.ins(format!("neg{sz} {work}"));
                }
                if aop == AtomicOp::Xchg {
                    self.ins(format!("xchg{sz} {work}, {m}"));
                } else {
                    self.ins(format!("lock xadd{sz} {work}, {m}"));
                }
                // 8- and 16-bit results leave the rest of the register as it
                // was: zero-extend (from the scratch, also copy out).
                let o = self.reg(out, Size::L);
                match size {
                    Size::B => self.ins(format!("movzbl {work}, {o}")),
                    Size::W => self.ins(format!("movzwl {work}, {o}")),
                    _ if direct => {}
                    Size::L => self.ins(format!("movl {work}, {o}")),
                    Size::Q => self.ins(format!("movq {work}, {}", self.reg(out, Size::Q))),
                }
            }
            _ => unreachable!("ARM64-only atomic (validated)"),
        }
    }
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

fn fsuf(w: Width) -> &'static str {
    if w == Width::F {
        "s"
    } else {
        "d"
    }
}

fn test_cc(t: TestCond) -> &'static str {
    match t {
        TestCond::S => "s",
        TestCond::Z => "e",
        TestCond::Nz => "ne",
    }
}

fn flag_cc(c: FlagCond) -> &'static str {
    match c {
        FlagCond::O => "o",
        FlagCond::S => "s",
        FlagCond::Z => "e",
        FlagCond::Nz => "ne",
    }
}
