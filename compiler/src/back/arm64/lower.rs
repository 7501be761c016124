//! Lowering of validated instructions to ARM64 machine instructions
//! (INSTRUCTIONS.md semantics, TARGETS.md §5–§6). Scratch: x16 (values),
//! x17 (addresses), x13 (immediates), v31 (FP).

use crate::back::code::{Code, Line, Sym, Text};
use crate::back::obj::{Obj, Reloc};
use crate::back::parallel_move::{Loc, Step};
use crate::back::{addr, arg_move_steps, constant_compare, constant_flag_branch, constant_test, imm, reg, sign_test};
use crate::front::lexer::Name;
use crate::isa::{ArithOp, AtomicOp, Cond as ICond, FCond, FlagCond, Op, TestCond, Width};
use crate::target::regs::{Reg, RegClass};
use crate::target::{ObjFormat, RegMap};
use crate::valid::{Instr, MemAddr, Program, Value};

use super::inst::{Arg, Cond, Ext, FView, Gp, Inst, Mem, Opc as O, Sfx, SP, SPV, ZR};
use super::regs::{ADR, FS, IMM, VAL};

const N: Arg<'static> = Arg::None;

/// A branch decided by one register alone: zero or not (cbz/cbnz), or one
/// of its bits clear or set (tbz/tbnz).
#[derive(Clone, Copy)]
enum ZeroTest {
    Zero { nz: bool },
    Bit { nz: bool, bit: u32 },
}

pub struct Lower<'a> {
    pub code: Code<'a, Inst<'a>>,
    pub map: RegMap,
    pub obj: Obj,
    pub prog: &'a Program,
    /// Counter of labels made for far branches (`<P>oat<k>`).
    pub next_label: u32,
    /// While an instruction that names `sp` where A64 cannot is lowered:
    /// register operands name [`SPV`] instead (see [`Lower::instr`]).
    sp_stand_in: bool,
}

fn wide(w: Width) -> bool {
    matches!(w, Width::P | Width::Q)
}

fn bits(w: Width) -> u32 {
    w.bits().unwrap_or(64)
}

fn cc(c: ICond) -> Cond {
    match c {
        ICond::Eq => Cond::Eq,
        ICond::Neq => Cond::Ne,
        ICond::A => Cond::Hi,
        ICond::Aeq => Cond::Hs,
        ICond::B => Cond::Lo,
        ICond::Beq => Cond::Ls,
        ICond::Gt => Cond::Gt,
        ICond::Gteq => Cond::Ge,
        ICond::Lt => Cond::Lt,
        ICond::Lteq => Cond::Le,
    }
}

/// Is `v` encodable as an A64 logical immediate of `size` bits?
pub fn logical_imm(v: u64, size: u32) -> bool {
    let mask = if size == 64 { u64::MAX } else { (1u64 << size) - 1 };
    let v = v & mask;
    if v == 0 || v == mask {
        return false;
    }
    // Find the smallest repeating element.
    let mut e = size;
    while e > 2 {
        let half = e / 2;
        let m = (1u64 << half) - 1;
        if (v & m) != ((v >> half) & m) {
            break;
        }
        e = half;
    }
    let m = if e == 64 { u64::MAX } else { (1u64 << e) - 1 };
    let elem = v & m;
    // The element must be a rotated run of ones.
    let ones = elem.count_ones();
    if ones == 0 || ones == e {
        return false;
    }
    (0..e).any(|r| {
        let rot = if r == 0 { elem } else { ((elem >> r) | (elem << (e - r))) & m };
        rot == (1u64 << ones) - 1
    })
}

/// Does `off` fit the immediate of a `size`-byte `ldr`/`str`: scaled
/// unsigned 12 bits, or unscaled signed 9 bits (`ldur`/`stur`, chosen by
/// [`Lower::ldst`])?
fn offset_fits(off: i64, size: u32) -> bool {
    let scaled = size > 0 && off >= 0 && off % size as i64 == 0 && off / (size as i64) < 4096;
    scaled || (-256..256).contains(&off)
}

fn add_imm(v: i64) -> bool {
    (0..4096).contains(&v) || (v & 0xfff == 0 && (0..(4096 << 12)).contains(&v))
}

fn imm_value(v: i128, bits: u32) -> u64 {
    let u = v as u128 as u64;
    if bits >= 64 {
        u
    } else {
        u & ((1u64 << bits) - 1)
    }
}

/// A scratch register in the `x` (`wide`) or `w` view.
fn sv(n: u8, wide: bool) -> Gp {
    Gp::view(n, wide)
}

fn zr(wide: bool) -> Gp {
    Gp::view(ZR, wide)
}

impl<'a> Lower<'a> {
    pub fn new(map: RegMap, obj: Obj, prog: &'a Program) -> Lower<'a> {
        Lower { code: Code::default(), map, obj, prog, next_label: 0, sp_stand_in: false }
    }

    fn e0(&mut self, op: O) {
        self.code.push(Inst::new(op, [N, N, N, N]));
    }
    fn e1(&mut self, op: O, a: impl Into<Arg<'a>>) {
        self.code.push(Inst::new(op, [a.into(), N, N, N]));
    }
    fn e2(&mut self, op: O, a: impl Into<Arg<'a>>, b: impl Into<Arg<'a>>) {
        self.code.push(Inst::new(op, [a.into(), b.into(), N, N]));
    }
    fn e3(&mut self, op: O, a: impl Into<Arg<'a>>, b: impl Into<Arg<'a>>, c: impl Into<Arg<'a>>) {
        self.code.push(Inst::new(op, [a.into(), b.into(), c.into(), N]));
    }
    fn e4(&mut self, op: O, a: impl Into<Arg<'a>>, b: impl Into<Arg<'a>>, c: impl Into<Arg<'a>>, d: impl Into<Arg<'a>>) {
        self.code.push(Inst::new(op, [a.into(), b.into(), c.into(), d.into()]));
    }
    /// An instruction with an access-size suffix.
    fn es(&mut self, op: O, sfx: Sfx, args: [Arg<'a>; 4]) {
        self.code.push(Inst { op, sfx, args });
    }

    /// A load or store (`op`: `Ldr`, `Ldrs`, `Str`) of `rt`; a `[base,
    /// #off]` operand whose offset the scaled form cannot encode takes the
    /// unscaled one (`ldur`/`stur`).
    fn ldst(&mut self, op: O, sfx: Sfx, rt: impl Into<Arg<'a>>, m: Mem<'a>) {
        let rt = rt.into();
        let op = match m {
            Mem::Off(_, off) => {
                let size: i64 = match (sfx, rt) {
                    (Sfx::B, _) => 1,
                    (Sfx::H, _) => 2,
                    (Sfx::W, _) => 4,
                    (_, Arg::R(g)) if !g.wide => 4,
                    (_, Arg::F(FView::S, _)) => 4,
                    (_, Arg::F(FView::Q, _)) => 16,
                    _ => 8,
                };
                let scaled_ok = off >= 0 && off % size == 0 && off / size < 4096;
                match op {
                    O::Ldr if !scaled_ok => O::Ldur,
                    O::Ldrs if !scaled_ok => O::Ldurs,
                    O::Str if !scaled_ok => O::Stur,
                    other => other,
                }
            }
            _ => op,
        };
        self.es(op, sfx, [rt, Arg::Mem(m), N, N]);
    }

    fn bcond(&mut self, cond: Cond, target: Sym<'a>) {
        self.e1(O::BCond(cond), Arg::Label(target));
    }

    /// Register number of a logical register in a register operand (`sp`
    /// is 31, or [`SPV`] while it stands in for it).
    fn num(&self, r: Reg) -> u8 {
        if r == Reg::SP && self.sp_stand_in {
            return SPV;
        }
        self.num_addr(r)
    }

    /// Register number of a logical register as the base of an address
    /// (where `sp` can always be named).
    fn num_addr(&self, r: Reg) -> u8 {
        self.map.phys(r).map(|p| p.index).unwrap_or_else(|| unreachable!("validated register {}", r.name()))
    }

    fn r(&self, r: Reg, wide: bool) -> Gp {
        Gp::view(self.num(r), wide)
    }
    fn x(&self, r: Reg) -> Gp {
        Gp::x(self.num(r))
    }
    fn f(&self, r: Reg, w: Width) -> Arg<'a> {
        let n = self.num(r);
        match w {
            Width::F | Width::I => Arg::F(FView::S, n),
            Width::V => Arg::F(FView::Q, n),
            _ => Arg::F(FView::D, n),
        }
    }
    fn v8b(&self, r: Reg) -> Arg<'a> {
        Arg::V8b(self.num(r))
    }

    fn label_name(&self, name: &'a Name, local: bool) -> Sym<'a> {
        self.obj.code_ref(name, local, self.prog)
    }

    fn target(&self, v: &'a Value) -> Sym<'a> {
        match v {
            Value::Label { name, local, .. } => self.label_name(name, *local),
            _ => unreachable!("validated label operand"),
        }
    }

    /// Materialises an immediate into register `reg` with the shortest
    /// movz/movn/movk sequence (or one `orr` of a logical immediate).
    fn mov_imm_to(&mut self, reg: Gp, v: u64, wide: bool) {
        let v = if wide { v } else { v & 0xffff_ffff };
        let chunks = if wide { 4 } else { 2 };
        let part = |i: usize| (v >> (16 * i)) & 0xffff;
        let zeros = (0..chunks).filter(|&i| part(i) == 0).count();
        let ones = (0..chunks).filter(|&i| part(i) == 0xffff).count();
        if v == 0 {
            self.e2(O::Mov, reg, Arg::Imm(0));
            return;
        }
        let size = if wide { 64 } else { 32 };
        if logical_imm(v, size) && zeros < chunks - 1 && ones < chunks - 1 {
            // A single `orr` when the pattern allows it (mov alias).
            self.e3(O::Orr, reg, zr(reg.wide), Arg::Hex(v));
            return;
        }
        let inverted = ones > zeros;
        let mut first = true;
        for i in 0..chunks {
            let p = part(i);
            let skip = if inverted { p == 0xffff } else { p == 0 };
            if skip {
                continue;
            }
            let shift = Arg::Lsl(16 * i as u32);
            if first {
                if inverted {
                    self.e3(O::Movn, reg, Arg::Hex(!p & 0xffff), shift);
                } else {
                    self.e3(O::Movz, reg, Arg::Hex(p), shift);
                }
                first = false;
            } else {
                self.e3(O::Movk, reg, Arg::Hex(p), shift);
            }
        }
        if first {
            // All chunks were 0xffff (inverted): -1.
            self.e2(O::Movn, reg, Arg::Imm(0));
        }
    }

    /// An integer operand in a register: registers as they are, immediates
    /// in the immediate scratch, memory loaded into the value scratch with
    /// an access of exactly `w`'s bytes (`ldrb`/`ldrh`/`ldr w`/`ldr x`).
    /// The register view of a B, H or I operand is 32-bit: pass the
    /// operand's own width, never a wider one, when it may be in memory.
    fn in_reg(&mut self, v: &Value, w: Width, scratch: u8) -> Gp {
        let wd = wide(w);
        match v {
            Value::Reg(r) if *r == Reg::SP && self.sp_stand_in => Gp::view(SPV, wd),
            Value::Reg(r) if *r == Reg::SP => {
                self.e2(O::Mov, sv(scratch, true), Gp::x(SP));
                sv(scratch, wd)
            }
            Value::Reg(r) => self.r(*r, wd),
            Value::Imm(i) => {
                let sr = sv(scratch, wd);
                let x = imm_value(*i, bits(w));
                if x == 0 {
                    return zr(wd);
                }
                self.mov_imm_to(sr, x, wd);
                sr
            }
            Value::Addr(a) => {
                let m = self.mem(a, bits(w) / 8);
                let sfx = match w {
                    Width::B => Sfx::B,
                    Width::H => Sfx::H,
                    _ => Sfx::None,
                };
                self.ldst(O::Ldr, sfx, sv(scratch, wd && bits(w) == 64), m);
                sv(scratch, wd)
            }
            _ => unreachable!("validated integer operand"),
        }
    }

    /// A memory operand for an access of `size` bytes; address arithmetic
    /// that the addressing modes cannot express goes through x17.
    fn mem(&mut self, a: &MemAddr, size: u32) -> Mem<'a> {
        let off = a.offset;
        match (a.base, a.index) {
            (Some(b), None) => self.base_offset(self.num_addr(b), off, size),
            (Some(b), Some(i)) => {
                let (base, index) = (self.num_addr(b), self.num_addr(i));
                let sh = a.scale.trailing_zeros() as u8;
                if off == 0 && (a.scale == 1 || a.scale as u32 == size) {
                    Mem::Idx(base, index, sh)
                } else {
                    self.e4(O::Add, Gp::x(ADR), Gp::x(base), Gp::x(index), Arg::Lsl(sh as u32));
                    if off == 0 {
                        Mem::Base(ADR)
                    } else if offset_fits(off, size) {
                        // The offset rides in the access itself (ldr/ldur).
                        Mem::Off(ADR, off)
                    } else {
                        self.add_offset(Gp::x(ADR), Gp::x(ADR), off);
                        Mem::Base(ADR)
                    }
                }
            }
            _ => {
                self.mov_imm_to(Gp::x(ADR), off as u64, true);
                Mem::Base(ADR)
            }
        }
    }

    /// `[base, #off]` for an access of `size` bytes, through x17 when the
    /// offset does not fit.
    fn base_offset(&mut self, base: u8, off: i64, size: u32) -> Mem<'a> {
        if off == 0 {
            Mem::Base(base)
        } else if offset_fits(off, size) {
            Mem::Off(base, off)
        } else {
            self.add_offset(Gp::x(ADR), Gp::x(base), off);
            Mem::Base(ADR)
        }
    }

    /// A memory operand for `ldp`/`stp` of two `size`-byte registers: the
    /// offset in the instruction when it fits their scaled signed 7 bits,
    /// else the address (or base plus index) in x17.
    fn pair_mem(&mut self, a: &MemAddr, size: u32) -> Mem<'a> {
        let size = size as i64;
        let fits = a.offset % size == 0 && (-64..64).contains(&(a.offset / size));
        let base = match (a.base, a.index) {
            (Some(b), None) if fits => self.num_addr(b),
            (Some(b), Some(i)) if fits => {
                let (base, index) = (Gp::x(self.num_addr(b)), Gp::x(self.num_addr(i)));
                self.e4(O::Add, Gp::x(ADR), base, index, Arg::Lsl(a.scale.trailing_zeros()));
                ADR
            }
            _ => {
                self.address_into(a, Gp::x(ADR));
                return Mem::Base(ADR);
            }
        };
        if a.offset == 0 {
            Mem::Base(base)
        } else {
            Mem::Off(base, a.offset)
        }
    }

    /// `[base]` for an access that takes no offset (exclusive, acquire/
    /// release and atomic ones): a plain base register as it is, unless
    /// the instruction writes it (`avoid`), else the address in x17.
    fn base_only(&mut self, a: &MemAddr, avoid: &[Reg]) -> Mem<'a> {
        match (a.base, a.index, a.offset) {
            (Some(b), None, 0) if !avoid.contains(&b) => Mem::Base(self.num_addr(b)),
            _ => {
                self.address_into(a, Gp::x(ADR));
                Mem::Base(ADR)
            }
        }
    }

    /// dst := src + off (any 64-bit off), at 64 bits.
    fn add_offset(&mut self, dst: Gp, src: Gp, off: i64) {
        self.add_offset_w(dst, src, off, true);
    }

    /// dst := src + off in the `x` (`wd`) or `w` views named by dst/src.
    fn add_offset_w(&mut self, dst: Gp, src: Gp, off: i64, wd: bool) {
        if add_imm(off) {
            self.e3(O::Add, dst, src, Arg::Imm(off));
        } else if add_imm(-off) {
            self.e3(O::Sub, dst, src, Arg::Imm(-off));
        } else {
            let t = sv(IMM, wd);
            self.mov_imm_to(t, off as u64, wd);
            self.e3(O::Add, dst, src, t);
        }
    }

    /// The full address of an Addr into register `dst` (64-bit).
    fn address_into(&mut self, a: &MemAddr, dst: Gp) {
        self.address_into_w(a, dst, true);
    }

    /// The address of an Addr into `dst`, named in the view `wd` selects
    /// (the 32-bit view computes it modulo 2^32). `dst` is written first
    /// and only itself is read after that, so it may be the base or index.
    fn address_into_w(&mut self, a: &MemAddr, dst: Gp, wd: bool) {
        match (a.base, a.index) {
            (Some(b), None) => {
                let base = Gp::view(self.num_addr(b), wd);
                if a.offset == 0 {
                    self.e2(O::Mov, dst, base);
                } else {
                    self.add_offset_w(dst, base, a.offset, wd);
                }
            }
            (Some(b), Some(i)) => {
                let (base, index) = (Gp::view(self.num_addr(b), wd), Gp::view(self.num_addr(i), wd));
                self.e4(O::Add, dst, base, index, Arg::Lsl(a.scale.trailing_zeros()));
                if a.offset != 0 {
                    self.add_offset_w(dst, dst, a.offset, wd);
                }
            }
            _ => self.mov_imm_to(dst, a.offset as u64, wd),
        }
    }

    /// Can `lea` compute its address straight into `d`? Not into `sp`
    /// (`adrp` and shifted-register `add` cannot write it), not a label at
    /// 32 bits, and not from `wsp` (kept on the proven 64-bit path).
    fn lea_direct(&self, src: &Value, d: Reg, wd: bool) -> bool {
        match src {
            // sp can be written by add (immediate and extended register) and
            // mov from a register: any address from a base register.
            Value::Addr(a) if d == Reg::SP => wd && a.base.is_some() && a.base != Some(Reg::SP),
            _ if d == Reg::SP => false,
            Value::Addr(a) => wd || a.base != Some(Reg::SP),
            Value::Label { .. } => wd,
            _ => false,
        }
    }

    /// The address of a label into `dst` (PC-relative when defined here,
    /// through the GOT otherwise).
    fn label_address(&mut self, name: &'a Name, local: bool, offset: i64, dst: Gp, force_got: bool) {
        let defined = local || self.prog.defined.contains(&**name);
        let direct = defined && !force_got;
        // GOT entries name the symbol itself, never its file-local twin.
        let l = if direct { self.label_name(name, local) } else { Sym::Symbol(name) };
        if direct {
            self.e2(O::Adrp, dst, Arg::Reloc(Reloc::Page, l, 0));
            self.e3(O::Add, dst, dst, Arg::Reloc(Reloc::PageOff, l, 0));
        } else {
            self.e2(O::Adrp, dst, Arg::Reloc(Reloc::GotPage, l, 0));
            self.ldst(O::Ldr, Sfx::None, dst, Mem::Lo12(dst.n, Reloc::GotPageOff, l, 0));
        }
        if offset != 0 {
            self.add_offset(dst, dst, offset);
        }
    }

    /// Lowers one instruction. Where A64 cannot name `sp` in a register
    /// operand (`lsl`, `sxtw`, `cset`, `clz`, `ldr` of a label, …), `sp` is
    /// lowered as [`SPV`], then replaced by a scratch register that the code
    /// does not name while the value lives in it: loaded from `sp` just
    /// before its first use when the instruction reads `sp`, copied into `sp`
    /// after its last (before a final branch) when it writes `sp`.
    pub fn instr(&mut self, i: &'a Instr) {
        let ops = &i.operands;
        if !ops.iter().any(|v| matches!(v, Value::Reg(Reg::SP))) {
            return self.lower(i);
        }
        let def = i.def();
        let native = match def.op {
            Op::Load { .. } => matches!(ops[0], Value::Addr(_)),
            op => handles_sp(op),
        };
        if native {
            return self.lower(i);
        }
        let form = &def.forms[i.form];
        let (mut reads, mut writes) = (false, false);
        for (k, v) in ops.iter().enumerate() {
            if let (Value::Reg(Reg::SP), Some(spec)) = (v, form.operand(k)) {
                reads |= spec.access.reads();
                writes |= spec.access.writes();
            }
        }
        let first = self.code.lines.len();
        self.sp_stand_in = true;
        self.lower(i);
        self.sp_stand_in = false;
        // The instructions that name the stand-in, and the first one that
        // must see it copied back (a final branch, or the end).
        let names = |l: &mut Line<'a, Inst<'a>>, r: u8| match l {
            Line::Inst(inst) => {
                let mut found = false;
                inst.map_gprs(|n| {
                    found |= n == r;
                    n
                });
                found
            }
            _ => false,
        };
        let code = &mut self.code.lines[first..];
        let Some(from) = code.iter_mut().position(|l| names(l, SPV)) else { return };
        let last = code.iter_mut().rposition(|l| names(l, SPV)).unwrap_or(from);
        let end = match code.last() {
            Some(Line::Inst(i)) if i.is_branch() => code.len() - 1,
            _ => code.len(),
        };
        // A scratch register the code does not name while the stand-in is
        // live: from its first use to its last (a read), or to the copy
        // into sp (a write).
        let live = if writes { from..end.max(last + 1) } else { from..last + 1 };
        let Some(s) = [VAL, ADR, IMM].into_iter().find(|&s| !code[live.clone()].iter_mut().any(|l| names(l, s))) else {
            unreachable!("`{}` with sp keeps every scratch register busy", def.name)
        };
        for l in code.iter_mut() {
            if let Line::Inst(inst) = l {
                inst.map_gprs(|n| if n == SPV { s } else { n });
            }
        }
        let (from, end) = (first + from, first + end.max(last + 1));
        if writes {
            self.code.lines.insert(end, Line::Inst(Inst::new(O::Mov, [Gp::x(SP).into(), Gp::x(s).into(), N, N])));
        }
        if reads {
            self.code.lines.insert(from, Line::Inst(Inst::new(O::Mov, [Gp::x(s).into(), Gp::x(SP).into(), N, N])));
        }
    }

    fn lower(&mut self, i: &'a Instr) {
        let def = i.def();
        let ops = &i.operands;
        let w = def.width;
        let wd = wide(w);
        match def.op {
            Op::Move => match &ops[0] {
                Value::Imm(v) => {
                    let d = self.x_or_scratch(reg(&ops[1]));
                    self.mov_imm_to(d, imm_value(*v, 64), true);
                    self.copy_scratch_into_sp(reg(&ops[1]));
                }
                Value::Addr(a) => {
                    let m = self.mem(a, 8);
                    let d = self.x_or_scratch(reg(&ops[1]));
                    self.ldst(O::Ldr, Sfx::None, d, m);
                    self.copy_scratch_into_sp(reg(&ops[1]));
                }
                Value::Reg(s) if s.class() == RegClass::Fpr => {
                    let (s, d) = (self.f(*s, Width::D), self.f(reg(&ops[1]), Width::D));
                    if s != d {
                        self.e2(O::Fmov, d, s);
                    }
                }
                Value::Reg(s) => {
                    let (s, d) = (self.x(*s), self.x(reg(&ops[1])));
                    if s != d {
                        self.e2(O::Mov, d, s);
                    }
                }
                _ => unreachable!(),
            },
            Op::MoveArgs => {
                // The parallel move into the argument registers, through x16
                // to break a cycle; immediates last.
                let gp = |l: Loc<crate::target::regs::PhysReg>| match l {
                    Loc::Reg(p) => Gp::x(p.index),
                    Loc::Scratch => Gp::x(VAL),
                };
                for step in arg_move_steps(self.map, ops) {
                    match step {
                        Step::Copy { from, to } => self.e2(O::Mov, gp(to), gp(from)),
                        Step::Load { value, to } => self.mov_imm_to(Gp::x(to.index), imm_value(value, 64), true),
                    }
                }
            }
            Op::MoveZero => {
                let d = self.f(reg(&ops[0]), Width::D);
                self.e2(O::Fmov, d, zr(true));
            }
            Op::SignExtend { from } => {
                let (s, d) = (reg(&ops[0]), reg(&ops[1]));
                let m = match from {
                    Width::B => O::Sxtb,
                    Width::H => O::Sxth,
                    _ => O::Sxtw,
                };
                let (dn, sn) = (self.r(d, wd), self.r(s, false));
                self.e2(m, dn, sn);
            }
            Op::ZeroExtend { .. } => {
                let (s, d) = (self.r(reg(&ops[0]), false), self.r(reg(&ops[1]), false));
                self.e2(O::Mov, d, s);
            }
            Op::Lea if self.lea_direct(&ops[0], reg(&ops[1]), wd) => {
                let dn = self.r(reg(&ops[1]), wd);
                match &ops[0] {
                    Value::Addr(a) => self.address_into_w(a, dn, wd),
                    Value::Label { name, local, offset } => self.label_address(name, *local, *offset, dn, false),
                    _ => unreachable!(),
                }
            }
            Op::Lea => {
                let d = reg(&ops[1]);
                let t = Gp::x(ADR);
                match &ops[0] {
                    Value::Addr(a) => self.address_into(a, t),
                    Value::Label { name, local, offset } => self.label_address(name, *local, *offset, t, false),
                    _ => unreachable!(),
                }
                let dn = self.r(d, wd);
                self.e2(O::Mov, dn, sv(ADR, wd));
            }
            Op::PcRelAddr => {
                let l = self.target(&ops[0]);
                let d = self.x(reg(&ops[1]));
                self.e2(O::Adr, d, Arg::Label(l));
            }
            Op::GlobalAddr => {
                let d = self.x(reg(&ops[1]));
                if let Value::Label { name, local, offset } = &ops[0] {
                    self.label_address(name, *local, *offset, d, true);
                }
            }
            Op::Peek => {
                let (n, d) = (imm(&ops[0]), self.x(reg(&ops[1])));
                let m = self.base_offset(SP, (n * 8) as i64, 8);
                self.ldst(O::Ldr, Sfx::None, d, m);
            }
            Op::Poke => {
                let s = self.in_reg(&ops[0], Width::Q, VAL);
                let n = imm(&ops[1]);
                let m = self.base_offset(SP, (n * 8) as i64, 8);
                self.ldst(O::Str, Sfx::None, s, m);
            }
            Op::Push => {
                for p in ops.chunks(2) {
                    let a = self.in_reg(&p[0], Width::Q, VAL);
                    let b = self.in_reg(&p[1], Width::Q, IMM);
                    self.e3(O::Stp, a, b, Mem::Pre(SP, -16));
                }
            }
            Op::Pop => {
                for p in ops.chunks(2) {
                    let (a, b) = (self.x(reg(&p[0])), self.x(reg(&p[1])));
                    self.e3(O::Ldp, b, a, Mem::Post(SP, 16));
                }
            }
            Op::Load { signed, ext_to } if d_is_sp(ops) && !w.is_float() && matches!(ops[0], Value::Addr(_)) => {
                // ldr cannot write sp: load into x16 (at 64 bits: the value as
                // the load extends it), then copy.
                let m = self.mem(addr(&ops[0]), bits(w) / 8);
                let (op, sfx, x) = load_form(w, signed, ext_to);
                self.ldst(op, sfx, sv(VAL, x), m);
                self.e2(O::Mov, Gp::x(SP), Gp::x(VAL));
            }
            Op::Load { signed, ext_to } => {
                let d = reg(&ops[1]);
                // A byte of a symbol defined here: its page, and the low 12
                // bits in the load (wider loads would need the symbol aligned).
                if let (Value::Label { name, local, offset }, Width::B) = (&ops[0], w) {
                    let defined = *local || self.prog.defined.contains(&**name);
                    if defined && (*offset == 0 || self.obj.format != ObjFormat::MachO) {
                        let l = self.label_name(name, *local);
                        self.e2(O::Adrp, Gp::x(ADR), Arg::Reloc(Reloc::Page, l, *offset));
                        let (op, sfx, x) = load_form(w, signed, ext_to);
                        let dn = self.r(d, x);
                        self.ldst(op, sfx, dn, Mem::Lo12(ADR, Reloc::PageOff, l, *offset));
                        return;
                    }
                }
                let m = match &ops[0] {
                    Value::Addr(a) => self.mem(a, bits(w) / 8),
                    Value::Label { name, local, offset } => {
                        self.label_address(name, *local, *offset, Gp::x(ADR), false);
                        Mem::Base(ADR)
                    }
                    _ => unreachable!(),
                };
                if matches!(w, Width::F | Width::D | Width::V) {
                    let fd = self.f(d, w);
                    self.ldst(O::Ldr, Sfx::None, fd, m);
                } else {
                    let (op, sfx, x) = load_form(w, signed, ext_to);
                    let dn = self.r(d, x);
                    self.ldst(op, sfx, dn, m);
                }
            }
            Op::Store => match w {
                Width::F | Width::D | Width::V => {
                    let s = self.f(reg(&ops[0]), w);
                    let m = self.mem(addr(&ops[1]), bits(w) / 8);
                    self.ldst(O::Str, Sfx::None, s, m);
                }
                _ => {
                    let s = self.in_reg(&ops[0], if bits(w) == 64 { Width::Q } else { Width::I }, VAL);
                    let m = self.mem(addr(&ops[1]), bits(w) / 8);
                    let sfx = match w {
                        Width::B => Sfx::B,
                        Width::H => Sfx::H,
                        _ => Sfx::None,
                    };
                    self.ldst(O::Str, sfx, s, m);
                }
            },
            Op::LoadPair => {
                let a = addr(&ops[0]);
                let (d1, d2) = (reg(&ops[1]), reg(&ops[2]));
                let (n1, n2): (Arg, Arg) = match w {
                    Width::D => (self.f(d1, w), self.f(d2, w)),
                    Width::I => (self.r(d1, false).into(), self.r(d2, false).into()),
                    _ => (self.x(d1).into(), self.x(d2).into()),
                };
                let size = bits(w) / 8;
                if n1 == n2 {
                    // load2ia into one register: the second word wins.
                    let second = MemAddr { offset: a.offset + size as i64, ..a.clone() };
                    let m = self.mem(&second, size);
                    self.ldst(O::Ldr, Sfx::None, n1, m);
                } else {
                    let m = self.pair_mem(a, size);
                    self.e3(O::Ldp, n1, n2, m);
                }
            }
            Op::StorePair => {
                let a = addr(&ops[2]);
                let (n1, n2): (Arg, Arg) = match w {
                    Width::D => (self.f(reg(&ops[0]), w), self.f(reg(&ops[1]), w)),
                    Width::I => (self.in_reg(&ops[0], Width::I, VAL).into(), self.in_reg(&ops[1], Width::I, IMM).into()),
                    _ => (self.in_reg(&ops[0], Width::Q, VAL).into(), self.in_reg(&ops[1], Width::Q, IMM).into()),
                };
                let m = self.pair_mem(a, bits(w) / 8);
                self.e3(O::Stp, n1, n2, m);
            }
            Op::Add | Op::Sub | Op::Mul | Op::And | Op::Or | Op::Xor | Op::FDiv if w.is_float() => self.fp_arith(def.op, w, ops),
            Op::Or if w == Width::H && matches!(ops[1], Value::Reg(_)) && (matches!(ops[0], Value::Imm(0)) || ops[0] == ops[1]) => {
                // zx(lo16(d) | 0) = zx(lo16(d) | lo16(d)) = zx(lo16(d)).
                let d = self.r(reg(&ops[1]), false);
                self.e3(O::And, d, d, Arg::Hex(0xffff));
            }
            Op::Add | Op::Sub | Op::Mul | Op::And | Op::Or | Op::Xor => {
                let flags = def.effects.contains(crate::isa::Effects::SETS_FLAGS);
                self.int_op(def.op, w, ops, flags);
            }
            Op::Neg if w.is_float() => {
                let (s, d) = (self.f(reg(&ops[0]), w), self.f(reg(&ops[1]), w));
                self.e2(O::Fneg, d, s);
            }
            Op::Neg | Op::Not => {
                let m = if def.op == Op::Neg { O::Neg } else { O::Mvn };
                self.unary_rmw(m, w, &ops[0]);
            }
            Op::LShift | Op::RShift | Op::URShift | Op::LRotate | Op::RRotate => self.shift(def.op, w, ops),
            Op::Lzcnt => {
                let (s, d) = (self.r(reg(&ops[0]), wd), self.r(reg(&ops[1]), wd));
                self.e2(O::Clz, d, s);
            }
            Op::Tzcnt => {
                let (s, d) = (self.r(reg(&ops[0]), wd), self.r(reg(&ops[1]), wd));
                let t = sv(VAL, wd);
                self.e2(O::Rbit, t, s);
                self.e2(O::Clz, d, t);
            }
            Op::BitFieldInsert => {
                let (s, lsb, width, d) = (self.x(reg(&ops[0])), imm(&ops[1]), imm(&ops[2]), self.x(reg(&ops[3])));
                self.e4(O::Bfi, d, s, Arg::Imm(lsb as i64), Arg::Imm(width as i64));
            }
            Op::Div { signed } => {
                let m = if signed { O::Sdiv } else { O::Udiv };
                let (divisor, dividend, d) = if ops.len() == 2 {
                    (reg(&ops[0]), reg(&ops[1]), reg(&ops[1]))
                } else {
                    (reg(&ops[0]), reg(&ops[1]), reg(&ops[2]))
                };
                let (a, b, d) = (self.r(dividend, wd), self.r(divisor, wd), self.r(d, wd));
                self.e3(m, d, a, b);
            }
            Op::MulWiden { signed } => {
                let (a, b, d) = (self.r(reg(&ops[0]), false), self.r(reg(&ops[1]), false), self.x(reg(&ops[2])));
                self.e3(if signed { O::Smull } else { O::Umull }, d, a, b);
            }
            Op::CompareSet(c) => {
                let d = self.r(reg(&ops[2]), false);
                if let Some(b) = constant_compare(c, w, &ops[0], &ops[1]) {
                    self.e2(O::Mov, d, Arg::Imm(b as i64));
                    return;
                }
                // `x < 0` (or `0 > x`) of a register: its sign bit, shifted down.
                let zero = |v: &Value| matches!(v, Value::Imm(i) if imm_value(*i, bits(w)) == 0);
                if let (ICond::Lt, Value::Reg(r), z) | (ICond::Gt, z, Value::Reg(r)) = (c, &ops[0], &ops[1]) {
                    if zero(z) && *r != Reg::SP {
                        self.sign_bit_reg(*r, w, d);
                        return;
                    }
                }
                let c = self.compare(c, w, &ops[0], &ops[1]);
                self.e2(O::Cset, d, Arg::Cond(c));
            }
            Op::CompareBranch(c) if constant_compare(c, w, &ops[0], &ops[1]).is_some() => {
                if constant_compare(c, w, &ops[0], &ops[1]) == Some(true) {
                    let l = self.target(&ops[2]);
                    self.e1(O::B, Arg::Label(l));
                }
            }
            Op::CompareBranch(c) if compare_zero(c, w, &ops[0], &ops[1]).is_some() => {
                let (z, v) = compare_zero(c, w, &ops[0], &ops[1]).unwrap_or((ZeroTest::Zero { nz: false }, &ops[0]));
                let l = self.target(&ops[2]);
                self.zero_branch(z, w, v, l);
            }
            Op::CompareBranch(c) => {
                let c = self.compare(c, w, &ops[0], &ops[1]);
                let l = self.target(&ops[2]);
                self.bcond(c, l);
            }
            Op::TestSet(t) => {
                let m = if ops.len() == 3 { Some(&ops[1]) } else { None };
                let d = self.r(reg(ops.last().unwrap_or(&ops[0])), false);
                if let Some(b) = constant_test(t, w, m) {
                    self.e2(O::Mov, d, Arg::Imm(b as i64));
                    return;
                }
                if sign_test(t, w, m) {
                    // The sign bit, shifted down (memory: loaded first, a byte zero-extended).
                    match &ops[0] {
                        Value::Reg(r) if *r != Reg::SP => self.sign_bit_reg(*r, w, d),
                        v => {
                            let vn = self.in_reg(v, w, VAL);
                            let dn = if wide(w) { d.as_x() } else { d };
                            self.e3(O::Lsr, dn, vn, Arg::Imm(bits(w) as i64 - 1));
                        }
                    }
                    return;
                }
                if let (Width::B, TestCond::S, Some(mr @ Value::Reg(_))) = (w, t, m) {
                    // Bit 7 of `v & m`.
                    let vn = self.in_reg(&ops[0], w, VAL);
                    let mn = self.in_reg(mr, w, IMM);
                    self.e3(O::And, Gp::w(VAL), vn, mn);
                    self.e4(O::Ubfx, d, Gp::w(VAL), Arg::Imm(7), Arg::Imm(1));
                    return;
                }
                let c = self.test(t, w, &ops[0], m);
                self.e2(O::Cset, d, Arg::Cond(c));
            }
            Op::TestBranch(t) if constant_test(t, w, if ops.len() == 3 { Some(&ops[1]) } else { None }).is_some() => {
                if constant_test(t, w, if ops.len() == 3 { Some(&ops[1]) } else { None }) == Some(true) {
                    let l = self.target(ops.last().unwrap_or(&ops[0]));
                    self.e1(O::B, Arg::Label(l));
                }
            }
            Op::TestBranch(t) if test_zero(t, w, &ops[0], if ops.len() == 3 { Some(&ops[1]) } else { None }).is_some() => {
                let m = if ops.len() == 3 { Some(&ops[1]) } else { None };
                let z = test_zero(t, w, &ops[0], m).unwrap_or(ZeroTest::Zero { nz: false });
                let l = self.target(ops.last().unwrap_or(&ops[0]));
                self.zero_branch(z, w, &ops[0], l);
            }
            Op::TestBranch(t) => {
                let m = if ops.len() == 3 { Some(&ops[1]) } else { None };
                let l = self.target(ops.last().unwrap_or(&ops[0]));
                if let (Width::B, TestCond::S, Some(mr @ Value::Reg(_))) = (w, t, m) {
                    // Bit 7 of `v & m`.
                    let vn = self.in_reg(&ops[0], w, VAL);
                    let mn = self.in_reg(mr, w, IMM);
                    self.e3(O::And, Gp::w(VAL), vn, mn);
                    self.zero_branch_reg(ZeroTest::Bit { nz: true, bit: 7 }, Gp::w(VAL), l);
                    return;
                }
                let c = self.test(t, w, &ops[0], m);
                self.bcond(c, l);
            }
            Op::ArithBranch { op, cond } => {
                let n = ops.len();
                let l = self.target(&ops[n - 1]);
                self.arith_branch(op, cond, w, &ops[..n - 1], l);
            }
            Op::FlagBranch(c) => {
                let l = self.target(&ops[0]);
                self.bcond(flag_cc(c), l);
            }
            Op::Sqrt | Op::Abs | Op::Floor | Op::Ceil | Op::Round | Op::Truncate => {
                let m = match def.op {
                    Op::Sqrt => O::Fsqrt,
                    Op::Abs => O::Fabs,
                    Op::Floor => O::Frintm,
                    Op::Ceil => O::Frintp,
                    Op::Round => O::Frintn,
                    _ => O::Frintz,
                };
                let (s, d) = (self.f(reg(&ops[0]), w), self.f(reg(&ops[1]), w));
                self.e2(m, d, s);
            }
            Op::IntToFp { from, signed } => {
                let s = self.r(reg(&ops[0]), from == Width::Q);
                let d = self.f(reg(ops.last().unwrap_or(&ops[0])), w);
                self.e2(if signed { O::Scvtf } else { O::Ucvtf }, d, s);
            }
            Op::FpToInt { from, signed } => {
                let s = self.f(reg(&ops[0]), from);
                let d = self.r(reg(&ops[1]), wide(w));
                self.e2(if signed { O::Fcvtzs } else { O::Fcvtzu }, d, s);
            }
            Op::CheckedD2I { exact } => self.checked_d2i(exact, ops),
            Op::FpConvert { from } => {
                let to = if from == Width::D { Width::F } else { Width::D };
                let (s, d) = (self.f(reg(&ops[0]), from), self.f(reg(&ops[1]), to));
                self.e2(O::Fcvt, d, s);
            }
            Op::BitMove { from } => {
                let (s, d) = (reg(&ops[0]), reg(&ops[1]));
                match from {
                    Width::Q => self.e2(O::Fmov, self.f(d, Width::D), self.x(s)),
                    Width::D => self.e2(O::Fmov, self.x(d), self.f(s, Width::D)),
                    Width::I => self.e2(O::Fmov, self.f(d, Width::F), self.r(s, false)),
                    _ => self.e2(O::Fmov, self.r(d, false), self.f(s, Width::F)),
                }
            }
            Op::FpFromIntPair => {
                let (lo, hi, d) = (self.r(reg(&ops[0]), false), self.r(reg(&ops[1]), false), reg(&ops[2]));
                // The low word (clearing the rest), then lane 1.
                let (sf, v) = (self.f(d, Width::F), self.num(d));
                self.e2(O::Fmov, sf, lo);
                self.e2(O::Mov, Arg::LaneS(v, 1), hi);
            }
            Op::FpToIntPair => {
                let (s, lo, hi) = (reg(&ops[0]), self.r(reg(&ops[1]), false), self.r(reg(&ops[2]), false));
                // Lane 0 and lane 1 of the 64 bits, each zero-extended.
                let (sf, v) = (self.f(s, Width::F), self.num(s));
                self.e2(O::Fmov, lo, sf);
                self.e2(O::Mov, hi, Arg::LaneS(v, 1));
            }
            Op::FCompareSet { cond, unordered } => {
                let (a, b) = (self.f(reg(&ops[0]), w), self.f(reg(&ops[1]), w));
                let d = self.r(reg(&ops[2]), false);
                self.e2(O::Fcmp, a, b);
                match fp_cond(cond, unordered) {
                    (c, None) => self.e2(O::Cset, d, Arg::Cond(c)),
                    // Ordered ≠: less (mi), else 1 when greater (not le).
                    (Cond::Mi, Some(Cond::Gt)) => {
                        self.e2(O::Cset, d, Arg::Cond(Cond::Mi));
                        self.e4(O::Csinc, d, d, zr(false), Arg::Cond(Cond::Le));
                    }
                    (c1, Some(c2)) => {
                        self.e2(O::Cset, Gp::w(VAL), Arg::Cond(c1));
                        self.e2(O::Cset, d, Arg::Cond(c2));
                        self.e3(O::Orr, d, d, Gp::w(VAL));
                    }
                }
            }
            Op::FBranch { cond, unordered } => {
                let (a, b) = (self.f(reg(&ops[0]), w), self.f(reg(&ops[1]), w));
                let l = self.target(&ops[2]);
                self.e2(O::Fcmp, a, b);
                let (c1, c2) = fp_cond(cond, unordered);
                self.bcond(c1, l);
                if let Some(c2) = c2 {
                    self.bcond(c2, l);
                }
            }
            Op::Jmp | Op::Call => {
                let (b, br) = if def.op == Op::Jmp { (O::B, O::Br) } else { (O::Bl, O::Blr) };
                match &ops[0] {
                    Value::Label { .. } => {
                        let l = self.target(&ops[0]);
                        self.e1(b, Arg::Label(l));
                    }
                    Value::Reg(r) => {
                        let r = self.x(*r);
                        self.e1(br, r);
                    }
                    Value::Addr(a) => {
                        let m = self.mem(a, 8);
                        self.ldst(O::Ldr, Sfx::None, Gp::x(VAL), m);
                        self.e1(br, Gp::x(VAL));
                    }
                    _ => unreachable!(),
                }
            }
            Op::Ret => self.e0(O::Ret),
            Op::Break => self.e1(O::Brk, Arg::Hex(0xc471)),
            Op::Nop => self.e0(O::Nop),
            Op::PtrAuth => {}
            Op::Fence => self.e0(if def.name == "memfence" { O::DmbSy } else { O::DmbIsh }),
            Op::AtomicRmw(aop) => self.atomic_rmw(aop, w, ops),
            Op::AtomicCas { branch } => {
                let (e, n) = (reg(&ops[0]), reg(&ops[1]));
                let m = self.base_only(addr(&ops[2]), &[e]);
                let (en, nn) = (self.r(e, wd), self.r(n, wd));
                let sfx = atomic_suffix(w);
                let v = sv(VAL, wd);
                if branch {
                    // Keep the expected value to tell a swap (old = expected).
                    match w {
                        Width::B => self.e3(O::And, Gp::w(VAL), en, Arg::Hex(0xff)),
                        Width::H => self.e3(O::And, Gp::w(VAL), en, Arg::Hex(0xffff)),
                        _ => self.e2(O::Mov, v, en),
                    }
                }
                self.es(O::Casal, sfx, [en.into(), nn.into(), m.into(), N]);
                if branch {
                    self.e2(O::Cmp, en, v);
                    let l = self.target(&ops[3]);
                    self.bcond(Cond::Ne, l);
                }
            }
            Op::AtomicLoad => {
                let m = self.base_only(addr(&ops[0]), &[]);
                let d = self.r(reg(&ops[1]), wd);
                self.es(O::Ldar, atomic_suffix(w), [d.into(), m.into(), N, N]);
            }
            Op::LoadLinkAcq => {
                let m = self.base_only(addr(&ops[0]), &[]);
                let d = self.r(reg(&ops[1]), wd);
                self.es(O::Ldaxr, atomic_suffix(w), [d.into(), m.into(), N, N]);
            }
            Op::StoreCondRel => {
                // The status register must not be the base (unpredictable).
                let m = self.base_only(addr(&ops[2]), &[reg(&ops[0])]);
                let (st, v) = (self.r(reg(&ops[0]), false), self.r(reg(&ops[1]), wd));
                self.es(O::Stlxr, atomic_suffix(w), [st.into(), v.into(), m.into(), N]);
            }
            Op::Emit => {
                let mut line = Text::default();
                for o in ops {
                    match o {
                        Value::Str(s) => line.str(s),
                        Value::Label { name, local, .. } => self.obj.write_sym(&mut line, self.label_name(name, *local)),
                        _ => {}
                    }
                }
                self.code.lines.push(Line::Raw(line.into_string()));
                self.code.lines.push(Line::Align(2));
            }
            Op::TlsLoad => {
                let d = self.x(reg(&ops[1]));
                self.e2(O::Mrs, Gp::x(VAL), Arg::Tpidrro);
                match &ops[0] {
                    Value::Imm(n) => self.ldst(O::Ldr, Sfx::None, d, Mem::Off(VAL, (n * 8) as i64)),
                    Value::Reg(r) => {
                        let r = self.num(*r);
                        self.ldst(O::Ldr, Sfx::None, d, Mem::Idx(VAL, r, 3));
                    }
                    _ => unreachable!(),
                }
            }
            Op::TlsStore => {
                let s = self.x(reg(&ops[0]));
                self.e2(O::Mrs, Gp::x(VAL), Arg::Tpidrro);
                match &ops[1] {
                    Value::Imm(n) => self.ldst(O::Str, Sfx::None, s, Mem::Off(VAL, (n * 8) as i64)),
                    Value::Reg(r) => {
                        let r = self.num(*r);
                        self.ldst(O::Str, Sfx::None, s, Mem::Idx(VAL, r, 3));
                    }
                    _ => unreachable!(),
                }
            }
            Op::SignExtendR0IntoR1 | Op::X86Div { .. } | Op::Reserved => {
                unreachable!("`{}` is not available on ARM64 (validated)", def.name)
            }
            Op::FDiv => unreachable!(),
        }
    }

    /// The 64-bit view of `d`, or x16 when `d` is sp and the instruction
    /// writing it cannot name sp (then `copy_scratch_into_sp` copies x16 into sp).
    fn x_or_scratch(&self, d: Reg) -> Gp {
        if d == Reg::SP {
            Gp::x(VAL)
        } else {
            self.x(d)
        }
    }

    fn copy_scratch_into_sp(&mut self, d: Reg) {
        if d == Reg::SP {
            self.e2(O::Mov, Gp::x(SP), Gp::x(VAL));
        }
    }

    /// `d := ` the sign bit of register `r` at width `w` (`d` in its `w` view).
    fn sign_bit_reg(&mut self, r: Reg, w: Width, d: Gp) {
        match w {
            Width::B => {
                let rn = self.r(r, false);
                self.e4(O::Ubfx, d, rn, Arg::Imm(7), Arg::Imm(1));
            }
            _ if wide(w) => {
                let rn = self.x(r);
                self.e3(O::Lsr, d.as_x(), rn, Arg::Imm(63));
            }
            _ => {
                let rn = self.r(r, false);
                self.e3(O::Lsr, d, rn, Arg::Imm(31));
            }
        }
    }

    /// `neg`/`mvn` on a register or memory.
    fn unary_rmw(&mut self, m: O, w: Width, d: &Value) {
        let wd = wide(w);
        match d {
            Value::Reg(r) => {
                let r = self.r(*r, wd);
                self.e2(m, r, r);
            }
            Value::Addr(a) => {
                let v = sv(VAL, wd);
                let mm = self.mem(a, bits(w) / 8);
                self.ldst(O::Ldr, Sfx::None, v, mm);
                self.e2(m, v, v);
                self.ldst(O::Str, Sfx::None, v, mm);
            }
            _ => unreachable!(),
        }
    }

    /// Second operand of a data-processing instruction: register or an
    /// encodable immediate (else materialised).
    fn operand2(&mut self, op: Op, w: Width, v: &Value) -> Arg<'a> {
        let wd = wide(w);
        match v {
            Value::Imm(i) => {
                let x = imm_value(*i, bits(w).max(32));
                let ok = match op {
                    Op::Add | Op::Sub => add_imm(x as i64) && (wd || x < 1 << 32),
                    Op::And | Op::Or | Op::Xor => logical_imm(x, if wd { 64 } else { 32 }),
                    _ => false,
                };
                if ok {
                    Arg::Hex(x)
                } else if x == 0 {
                    zr(wd).into()
                } else {
                    let t = sv(IMM, wd);
                    self.mov_imm_to(t, x, wd);
                    t.into()
                }
            }
            other => self.in_reg(other, w, IMM).into(),
        }
    }

    fn int_mnemonic(op: Op, flags: bool) -> O {
        match (op, flags) {
            (Op::Add, false) => O::Add,
            (Op::Add, true) => O::Adds,
            (Op::Sub, false) => O::Sub,
            (Op::Sub, true) => O::Subs,
            (Op::Mul, _) => O::Mul,
            (Op::And, _) => O::And,
            (Op::Or, _) => O::Orr,
            _ => O::Eor,
        }
    }

    /// 2-/3-operand integer arithmetic; returns nothing, flags set by
    /// adds/subs when `flags` (and by an explicit test for or).
    fn int_op(&mut self, op: Op, w: Width, ops: &[Value], flags: bool) {
        let wd = wide(w);
        let (a, b, dst): (&Value, &Value, &Value) = if ops.len() == 2 { (&ops[1], &ops[0], &ops[1]) } else { (&ops[0], &ops[1], &ops[2]) };
        let is_sp = |v: &Value| matches!(v, Value::Reg(r) if *r == Reg::SP);
        // a OP b into dst; an immediate (or, for add, sp) goes second/first
        // where the operation commutes.
        let (a, b) = match (a, b, op) {
            (Value::Imm(_), _, Op::Add | Op::Mul | Op::And | Op::Or | Op::Xor) => (b, a),
            (_, Value::Reg(Reg::SP), Op::Add) if !is_sp(a) => (b, a),
            _ => (a, b),
        };
        // `a + 0`, `a - 0`, `a | 0`, `a ^ 0`, `a & a`, `a | a` into a
        // register, no flags consumed: a copy (a 32-bit one still clears the
        // upper half), or nothing when it is the same 64-bit register.
        let same_regs = matches!((a, b), (Value::Reg(x), Value::Reg(y)) if x == y);
        let identity = match (op, b) {
            (Op::Add | Op::Sub | Op::Or | Op::Xor, Value::Imm(i)) => imm_value(*i, bits(w)) == 0,
            (Op::And | Op::Or, _) => same_regs,
            _ => false,
        };
        if let (false, true, Value::Reg(d), Value::Reg(s), Width::I | Width::P | Width::Q) = (flags, identity, dst, a, w) {
            if *d != Reg::SP && *s != Reg::SP {
                if d != s || !wd {
                    let (dn, sn) = (self.r(*d, wd), self.r(*s, wd));
                    self.e2(O::Mov, dn, sn);
                }
                return;
            }
        }
        // `oris`: `a | 0` and `a | a` are a, whose flags `ands a, a` sets
        // (V clear, as `or` never overflows).
        if let (true, Op::Or, true, Value::Reg(d), Value::Reg(s), Width::I) = (flags, op, identity, dst, a, w) {
            if *d != Reg::SP && *s != Reg::SP {
                let (dn, sn) = (self.r(*d, false), self.r(*s, false));
                self.e3(O::Ands, dn, sn, sn);
                return;
            }
        }
        // add/sub of a negative immediate that the other one encodes (the
        // same result, the same N, Z and V).
        let neg_imm = match (op, b) {
            (Op::Add | Op::Sub, Value::Imm(i)) => {
                let x = imm_value(*i, bits(w).max(32));
                let neg = if wd { (x as i64).wrapping_neg() } else { (x as u32 as i32 as i64).wrapping_neg() };
                (!add_imm(if wd { x as i64 } else { x as u32 as i64 }) && neg > 0 && add_imm(neg)).then_some(neg)
            }
            _ => None,
        };
        let negated;
        let (op, b) = match neg_imm {
            Some(n) => {
                negated = Value::Imm(n as i128);
                (if op == Op::Add { Op::Sub } else { Op::Add }, &negated)
            }
            None => (op, b),
        };
        let m = Self::int_mnemonic(op, flags);
        // c - sp: sp - c, negated (sp can be the first source only).
        if let (Op::Sub, false, true, Value::Imm(i), Value::Reg(d)) = (op, flags, wd, a, dst) {
            let c = imm_value(*i, 64) as i64;
            if is_sp(b) && *d != Reg::SP && add_imm(c) {
                let dn = self.x(*d);
                self.e3(O::Sub, dn, Gp::x(SP), Arg::Imm(c));
                self.e2(O::Neg, dn, dn);
                return;
            }
        }
        // Read-modify-write of memory: the address once, for the load and the store.
        let rmw = match dst {
            Value::Addr(am) => {
                let mm = self.mem(am, bits(w) / 8);
                let v = sv(VAL, wd);
                self.ldst(O::Ldr, if w == Width::H { Sfx::H } else { Sfx::None }, v, mm);
                Some((mm, v))
            }
            _ => None,
        };
        // `add`/`sub`/`adds`/`subs` read sp as their first source when the
        // second one is a register or an encodable immediate.
        let sp_first = wd
            && matches!(op, Op::Add | Op::Sub)
            && is_sp(a)
            && match b {
                Value::Imm(i) => add_imm(imm_value(*i, 64) as i64),
                Value::Reg(r) => *r != Reg::SP,
                _ => false,
            };
        let an = match &rmw {
            Some((_, v)) => *v,
            None if sp_first => Gp::x(SP),
            None => self.in_reg(a, w, VAL),
        };
        // A multiply by ±2^k, 2^k + 1 or 1 - 2^k: one shifted add/sub/neg.
        if let (Op::Mul, Value::Imm(i)) = (op, b) {
            if let (Some((mn, rest)), false) = (mul_by_constant(imm_value(*i, bits(w)), bits(w), an), an.is_sp()) {
                let dn = match (dst, &rmw) {
                    (_, Some((_, v))) => *v,
                    (Value::Reg(r), None) if *r != Reg::SP => self.r(*r, wd),
                    _ => sv(VAL, wd),
                };
                self.code.push(Inst::new(mn, [dn.into(), rest[0], rest[1], rest[2]]));
                self.finish_int_op(dst, dn, &rmw, w, false, false);
                return;
            }
        }
        let bn = if op == Op::Mul { self.in_reg(b, w, IMM).into() } else { self.operand2(op, if w == Width::H { Width::I } else { w }, b) };
        // The result register: the destination, unless it is sp and the
        // instruction cannot write sp (only add/sub and the logical
        // immediates can, from a real register): then x16, moved into sp.
        let dn = match (dst, &rmw) {
            (_, Some((_, v))) => *v,
            (Value::Reg(r), None) if *r == Reg::SP => {
                let real_first = !an.is_zr();
                let writes_sp = real_first
                    && !flags
                    && match op {
                        Op::Add | Op::Sub => true,
                        Op::And | Op::Or | Op::Xor => matches!(bn, Arg::Hex(_)) && !an.is_sp(),
                        _ => false,
                    };
                if writes_sp {
                    Gp::view(SP, wd)
                } else {
                    sv(VAL, wd)
                }
            }
            (Value::Reg(r), None) => self.r(*r, wd),
            _ => unreachable!(),
        };
        self.e3(m, dn, an, bn);
        self.finish_int_op(dst, dn, &rmw, w, flags && op == Op::Or, w == Width::H);
    }

    /// After an integer operation computed into `dn`: the 16-bit
    /// truncation, the flags of `or` (`tst`), the store of a
    /// read-modify-write, the copy into sp.
    fn finish_int_op(&mut self, dst: &Value, dn: Gp, rmw: &Option<(Mem<'a>, Gp)>, w: Width, or_flags: bool, h: bool) {
        if h && rmw.is_none() {
            self.e3(O::And, dn, dn, Arg::Hex(0xffff));
        }
        if or_flags {
            self.e2(O::Tst, dn, dn);
        }
        if let Some((mm, v)) = rmw {
            self.ldst(O::Str, if w == Width::H { Sfx::H } else { Sfx::None }, *v, *mm);
        } else if matches!(dst, Value::Reg(r) if *r == Reg::SP) && !dn.is_sp() {
            self.e2(O::Mov, Gp::x(SP), Gp::x(VAL));
        }
    }

    /// The register an operation-and-branch left its (w-bit) result in
    /// (a branch cannot test `sp`: its copy in x16).
    fn result_reg(&mut self, dst: &Value, w: Width) -> Gp {
        match dst {
            Value::Reg(Reg::SP) => self.in_reg(dst, w, VAL),
            Value::Reg(r) => self.r(*r, wide(w)),
            _ => sv(VAL, wide(w)),
        }
    }

    /// An operation-and-branch (§9.1).
    fn arith_branch(&mut self, op: ArithOp, cond: FlagCond, w: Width, ops: &[Value], target: Sym<'a>) {
        let plain = match op {
            ArithOp::Add => Op::Add,
            ArithOp::Sub => Op::Sub,
            ArithOp::Mul => Op::Mul,
            ArithOp::Or => Op::Or,
        };
        let dst = ops.last().unwrap_or(&ops[0]);
        if let Some(taken) = constant_flag_branch(op, cond, w, ops) {
            // The operation alone, then the branch that is known.
            self.int_op(plain, w, ops, false);
            if taken {
                self.e1(O::B, Arg::Label(target));
            }
            return;
        }
        // The sources: `s` of `op s, d`, `a` and `b` of `op a, b, d`.
        let zero_operand = ops[..ops.len() - 1].iter().any(|v| matches!(v, Value::Imm(i) if imm_value(*i, bits(w)) == 0));
        let sign = ZeroTest::Bit { nz: true, bit: bits(w) - 1 };
        let on_result = match cond {
            FlagCond::Z => Some(ZeroTest::Zero { nz: false }),
            FlagCond::Nz => Some(ZeroTest::Zero { nz: true }),
            FlagCond::S => Some(sign),
            FlagCond::O => None,
        };
        // or and mul (no flags on A64), and add/sub of 0 (an identity):
        // the value, then cbz/cbnz/tbnz on it.
        if let Some(z) = on_result {
            if matches!(op, ArithOp::Or | ArithOp::Mul) || zero_operand {
                self.int_op(plain, w, ops, false);
                let r = self.result_reg(dst, w);
                self.zero_branch_reg(z, r, target);
                return;
            }
        }
        match op {
            ArithOp::Add | ArithOp::Sub | ArithOp::Or => {
                self.int_op(plain, w, ops, true);
                self.bcond(flag_cc(cond), target);
            }
            ArithOp::Mul => {
                // 32-bit overflow: the full signed product is not its low word.
                let (a, b): (&Value, &Value) = if ops.len() == 2 { (&ops[1], &ops[0]) } else { (&ops[0], &ops[1]) };
                let mm = match dst {
                    Value::Addr(am) => Some(self.mem(am, 4)),
                    _ => None,
                };
                let an = match (&mm, a) {
                    (Some(m), Value::Addr(_)) => {
                        self.ldst(O::Ldr, Sfx::None, Gp::w(VAL), *m);
                        Gp::w(VAL)
                    }
                    _ => self.in_reg(a, Width::I, VAL),
                };
                let bn = self.in_reg(b, Width::I, IMM);
                self.e3(O::Smull, Gp::x(VAL), an, bn);
                self.e3(O::Cmp, Gp::x(VAL), Gp::w(VAL), Arg::Ext(Ext::Sxtw));
                match (dst, mm) {
                    (_, Some(m)) => self.ldst(O::Str, Sfx::None, Gp::w(VAL), m),
                    (Value::Reg(r), None) => {
                        let d = self.r(*r, false);
                        self.e2(O::Mov, d, Gp::w(VAL));
                    }
                    _ => unreachable!(),
                }
                self.bcond(Cond::Ne, target);
            }
        }
    }

    fn shift(&mut self, op: Op, w: Width, ops: &[Value]) {
        let wd = wide(w);
        let (v, c, d) = if ops.len() == 2 { (&ops[1], &ops[0], &ops[1]) } else { (&ops[0], &ops[1], &ops[2]) };
        let vn = self.in_reg(v, w, VAL);
        let dn = self.r(reg(d), wd);
        let m = match op {
            Op::LShift => O::Lsl,
            Op::RShift => O::Asr,
            Op::URShift => O::Lsr,
            _ => O::Ror,
        };
        match c {
            Value::Imm(n) => {
                let n = *n as u32 % bits(w);
                let n = if op == Op::LRotate { (bits(w) - n) % bits(w) } else { n };
                if n == 0 {
                    // A copy; a 32-bit one still clears the upper half.
                    if !(wd && vn == dn) {
                        self.e2(O::Mov, dn, vn);
                    }
                } else {
                    self.e3(m, dn, vn, Arg::Imm(n as i64));
                }
            }
            Value::Reg(r) => {
                let cn = self.r(*r, wd);
                if op == Op::LRotate {
                    let t = sv(IMM, wd);
                    self.e2(O::Neg, t, cn);
                    self.e3(O::Ror, dn, vn, t);
                } else {
                    self.e3(m, dn, vn, cn);
                }
            }
            _ => unreachable!(),
        }
    }

    /// Branches to `target` on `v` (a register, or memory loaded with an
    /// access of exactly `w`'s bytes) as `z` says, in one instruction.
    fn zero_branch(&mut self, z: ZeroTest, w: Width, v: &Value, target: Sym<'a>) {
        let vn = self.in_reg(v, w, VAL);
        self.zero_branch_reg(z, vn, target);
    }

    /// The same on register `vn`.
    fn zero_branch_reg(&mut self, z: ZeroTest, vn: Gp, target: Sym<'a>) {
        match z {
            ZeroTest::Zero { nz } => self.e2(if nz { O::Cbnz } else { O::Cbz }, vn, Arg::Label(target)),
            ZeroTest::Bit { nz, bit } => {
                // Bits 0–31 are named on the `w` view (tbz encodes b5 = 0).
                let reg = if bit < 32 && !vn.is_sp() { vn.as_w() } else { vn };
                self.e3(if nz { O::Tbnz } else { O::Tbz }, reg, Arg::Imm(bit as i64), Arg::Label(target));
            }
        }
    }

    /// Compares `l` with `r` at width `w`; returns the condition code.
    fn compare(&mut self, c: ICond, w: Width, l: &Value, r: &Value) -> Cond {
        let (l, r, c) = match l {
            Value::Imm(_) => (r, l, c.mirror()),
            _ => (l, r, c),
        };
        let wd = wide(w);
        if w == Width::B {
            // Low 8 bits, signed or unsigned as the condition says. A memory
            // operand is loaded as exactly one byte, already extended.
            let (ext, ext_op) = if c.is_signed() { (Ext::Sxtb, O::Sxtb) } else { (Ext::Uxtb, O::Uxtb) };
            // A register's low byte against 0: one `tst` of the byte (zero)
            // or of bit 7 (sign), or for > and <= the byte moved to the top
            // (`cmn wzr, x, lsl #24`: N and Z of the byte, V clear).
            if let (Value::Reg(_), Value::Imm(i)) = (l, r) {
                if imm_value(*i, 8) == 0 {
                    let ln = self.in_reg(l, Width::B, VAL);
                    let (tst, cond) = match c {
                        ICond::Eq | ICond::Beq => (Some(0xff), Cond::Eq),
                        ICond::Neq | ICond::A => (Some(0xff), Cond::Ne),
                        ICond::Lt => (Some(0x80), Cond::Ne),
                        ICond::Gteq => (Some(0x80), Cond::Eq),
                        ICond::Gt => (None, Cond::Gt),
                        ICond::Lteq => (None, Cond::Le),
                        // Constant outcomes, decided before a compare is emitted.
                        ICond::B => (Some(0), Cond::Ne),
                        ICond::Aeq => (Some(0), Cond::Eq),
                    };
                    match tst {
                        Some(0) => self.e2(O::Tst, zr(false), zr(false)),
                        Some(mask) => self.e2(O::Tst, ln, Arg::Hex(mask)),
                        None => self.e3(O::Cmn, zr(false), ln, Arg::Lsl(24)),
                    }
                    return cond;
                }
            }
            match l {
                Value::Addr(a) => {
                    let m = self.mem(a, 1);
                    let ld = if c.is_signed() { O::Ldrs } else { O::Ldr };
                    self.ldst(ld, Sfx::B, Gp::w(VAL), m);
                }
                _ => {
                    let ln = self.in_reg(l, Width::B, VAL);
                    self.e2(ext_op, Gp::w(VAL), ln);
                }
            }
            match r {
                Value::Imm(i) => {
                    let x = imm_value(*i, 8);
                    let x = if c.is_signed() { x as u8 as i8 as i64 } else { x as i64 };
                    self.cmp_imm(Gp::w(VAL), x, false);
                }
                _ => {
                    // A register's low byte, or exactly the byte in memory (`ldrb`).
                    let rn = self.in_reg(r, Width::B, IMM);
                    self.e3(O::Cmp, Gp::w(VAL), rn, Arg::Ext(ext));
                }
            }
            return cc(c);
        }
        let ln = self.in_reg(l, w, VAL);
        match r {
            Value::Imm(i) => {
                let x = imm_value(*i, bits(w));
                let sx = if wd { x as i64 } else { x as u32 as i32 as i64 };
                self.cmp_imm(ln, sx, wd);
            }
            _ => {
                let rn = self.in_reg(r, w, IMM);
                self.e2(O::Cmp, ln, rn);
            }
        }
        cc(c)
    }

    fn cmp_imm(&mut self, reg: Gp, x: i64, wd: bool) {
        if add_imm(x) {
            self.e2(O::Cmp, reg, Arg::Imm(x));
        } else if x != i64::MIN && add_imm(-x) {
            self.e2(O::Cmn, reg, Arg::Imm(-x));
        } else {
            let t = sv(IMM, wd);
            self.mov_imm_to(t, x as u64, wd);
            self.e2(O::Cmp, reg, t);
        }
    }

    fn test(&mut self, t: TestCond, w: Width, v: &Value, m: Option<&Value>) -> Cond {
        let wd = wide(w);
        let vn = self.in_reg(v, w, VAL);
        if w == Width::B {
            return self.test_byte(t, vn, m, matches!(v, Value::Addr(_)));
        }
        match m {
            None => self.e2(O::Tst, vn, vn),
            Some(Value::Imm(i)) => {
                let x = imm_value(*i, bits(w));
                if logical_imm(x, if wd { 64 } else { 32 }) {
                    self.e2(O::Tst, vn, Arg::Hex(x));
                } else {
                    let sr = sv(IMM, wd);
                    self.mov_imm_to(sr, x, wd);
                    self.e2(O::Tst, vn, sr);
                }
            }
            Some(mr) => {
                let mn = self.in_reg(mr, w, IMM);
                self.e2(O::Tst, vn, mn);
            }
        }
        match t {
            TestCond::S => Cond::Mi,
            TestCond::Z => Cond::Eq,
            TestCond::Nz => Cond::Ne,
        }
    }

    /// A byte test of the low byte of `vn` (32-bit view): one `tst` whose
    /// mask stays inside the byte (bit 7 for the sign), since the bits
    /// above it are not part of the operand — unless `vn` holds a loaded,
    /// zero-extended byte (`loaded`).
    fn test_byte(&mut self, t: TestCond, vn: Gp, m: Option<&Value>, loaded: bool) -> Cond {
        let tested: u64 = if t == TestCond::S { 0x80 } else { 0xff };
        match m {
            None => self.e2(O::Tst, vn, Arg::Hex(tested)),
            Some(Value::Imm(i)) => match imm_value(*i, 8) & tested {
                // Nothing tested survives the mask: Z set, as by `tst` of 0.
                0 => self.e2(O::Tst, zr(false), zr(false)),
                x if logical_imm(x, 32) => self.e2(O::Tst, vn, Arg::Hex(x)),
                x => {
                    // Not every byte is a logical immediate (0xbd is not).
                    let sr = sv(IMM, false);
                    self.mov_imm_to(sr, x, false);
                    self.e2(O::Tst, vn, sr);
                }
            },
            Some(mr) if loaded && t != TestCond::S => {
                let mn = self.in_reg(mr, Width::B, IMM);
                self.e2(O::Tst, vn, mn);
            }
            Some(mr) => {
                let mn = self.in_reg(mr, Width::B, IMM);
                self.e3(O::And, Gp::w(VAL), vn, mn);
                self.e2(O::Tst, Gp::w(VAL), Arg::Hex(tested));
            }
        }
        if t == TestCond::Z {
            Cond::Eq
        } else {
            Cond::Ne
        }
    }

    fn fp_arith(&mut self, op: Op, w: Width, ops: &[Value]) {
        let (a, b, d) = if ops.len() == 2 { (reg(&ops[1]), reg(&ops[0]), reg(&ops[1])) } else { (reg(&ops[0]), reg(&ops[1]), reg(&ops[2])) };
        match op {
            // `x & x` and `x | x` are x: a copy, or nothing.
            Op::And | Op::Or if a == b => {
                let (an, dn) = (self.f(a, Width::D), self.f(d, Width::D));
                if an != dn {
                    self.e2(O::Fmov, dn, an);
                }
            }
            Op::And | Op::Or => {
                let m = if op == Op::And { O::And } else { O::Orr };
                let (an, bn, dn) = (self.v8b(a), self.v8b(b), self.v8b(d));
                self.e3(m, dn, an, bn);
            }
            _ => {
                let m = match op {
                    Op::Add => O::Fadd,
                    Op::Sub => O::Fsub,
                    Op::Mul => O::Fmul,
                    _ => O::Fdiv,
                };
                let (an, bn, dn) = (self.f(a, w), self.f(b, w), self.f(d, w));
                self.e3(m, dn, an, bn);
            }
        }
    }

    fn checked_d2i(&mut self, exact: bool, ops: &'a [Value]) {
        let s = self.f(reg(&ops[0]), Width::D);
        let d = self.r(reg(&ops[1]), false);
        let l = self.target(&ops[2]);
        let fs = Arg::F(FView::D, FS);
        if exact {
            // The round trip has the bits of the double exactly when it is an
            // int32 other than -0.0 (NaN, inexact, out of range and -0.0 all
            // give other bits): compare them as integers.
            self.e2(O::Fcvtzs, d, s);
            self.e2(O::Scvtf, fs, d);
            self.e3(O::Cmeq, fs, fs, s);
            self.e2(O::Fmov, Gp::x(VAL), fs);
            self.e2(O::Cbz, Gp::x(VAL), Arg::Label(l));
        } else {
            // In range: the 64-bit truncation is its sign-extended low word;
            // then NaN (truncated to 0) shows as unordered (V).
            self.e2(O::Fcvtzs, Gp::x(VAL), s);
            self.e3(O::Cmp, Gp::x(VAL), Gp::w(VAL), Arg::Ext(Ext::Sxtw));
            self.e2(O::Mov, d, Gp::w(VAL));
            self.e4(O::Fccmp, s, s, Arg::Imm(1), Arg::Cond(Cond::Eq));
            self.bcond(Cond::Vs, l);
        }
    }

    fn atomic_rmw(&mut self, aop: AtomicOp, w: Width, ops: &[Value]) {
        let wd = wide(w);
        let v = reg(&ops[0]);
        let out = if ops.len() == 3 { reg(&ops[2]) } else { v };
        let m = self.base_only(addr(&ops[1]), &[out]);
        let (vn, on) = (self.r(v, wd), self.r(out, wd));
        let sfx = atomic_suffix(w);
        let mn = match aop {
            AtomicOp::Add | AtomicOp::Sub => O::Ldaddal,
            AtomicOp::Clear => O::Ldclral,
            AtomicOp::Or => O::Ldsetal,
            AtomicOp::Xor => O::Ldeoral,
            AtomicOp::Xchg => O::Swpal,
        };
        let src = if aop == AtomicOp::Sub {
            let t = sv(VAL, wd);
            self.e2(O::Neg, t, vn);
            t
        } else {
            vn
        };
        self.es(mn, sfx, [src.into(), on.into(), m.into(), N]);
    }
}

/// Does the lowering of `op` handle `sp` in every register position
/// itself (through `in_reg`, `x_or_scratch`, the forms of add/sub that name
/// sp, or instructions that take it: `mov`, `mov wsp`)?
fn handles_sp(op: Op) -> bool {
    matches!(
        op,
        Op::Move
            | Op::MoveArgs
            | Op::Lea
            | Op::Store
            | Op::StorePair
            | Op::Push
            | Op::Poke
            | Op::ZeroExtend { .. }
            | Op::Add
            | Op::Sub
            | Op::Mul
            | Op::And
            | Op::Or
            | Op::Xor
            | Op::CompareBranch(_)
            | Op::TestBranch(_)
            | Op::ArithBranch { .. }
            | Op::Emit
    )
}

/// The form of an integer load of width `w`: opcode, suffix, and whether
/// the destination is named in its `x` view.
fn load_form(w: Width, signed: bool, ext_to: Width) -> (O, Sfx, bool) {
    match (w, signed) {
        (Width::B, false) => (O::Ldr, Sfx::B, false),
        (Width::B, true) => (O::Ldrs, Sfx::B, ext_to != Width::I),
        (Width::H, false) => (O::Ldr, Sfx::H, false),
        (Width::H, true) => (O::Ldrs, Sfx::H, ext_to != Width::I),
        (Width::I, false) => (O::Ldr, Sfx::None, false),
        (Width::I, true) => (O::Ldrs, Sfx::W, true),
        _ => (O::Ldr, Sfx::None, true),
    }
}

/// Is the destination (the last operand) the stack pointer?
fn d_is_sp(ops: &[Value]) -> bool {
    matches!(ops.last(), Some(Value::Reg(r)) if *r == Reg::SP)
}

/// Is `v` a register or memory operand (not an immediate)?
fn reg_or_mem(v: &Value) -> bool {
    matches!(v, Value::Reg(_) | Value::Addr(_))
}

/// A multiply of the register `an` by the constant `c` (at `bits` bits) as
/// one shifted add, sub or neg: c = 2^k + 1, 1 - 2^k, 2^k or -2^k (k > 0).
/// Returns the opcode and the operands after the destination.
fn mul_by_constant<'a>(c: u64, bits: u32, an: Gp) -> Option<(O, [Arg<'a>; 3])> {
    let mask = u64::MAX >> (64 - bits);
    let neg = c.wrapping_neg() & mask;
    let pow = |x: u64| (x.is_power_of_two() && x > 1).then(|| x.trailing_zeros());
    let a = Arg::R(an);
    if let Some(k) = pow(c.wrapping_sub(1) & mask) {
        Some((O::Add, [a, a, Arg::Lsl(k)]))
    } else if let Some(k) = pow(neg.wrapping_add(1) & mask) {
        Some((O::Sub, [a, a, Arg::Lsl(k)]))
    } else if let Some(k) = pow(c) {
        Some((O::Lsl, [a, Arg::Imm(k as i64), N]))
    } else {
        pow(neg).map(|k| (O::Neg, [a, Arg::Lsl(k), N]))
    }
}

/// All ones at `w`'s width.
fn all_ones(w: Width) -> u64 {
    u64::MAX >> (64 - bits(w))
}

/// A compare with zero that one register decides (cbz/cbnz, or tbz/tbnz
/// on the sign bit), and the operand compared. A byte register's zero
/// tests are left to `compare` (its upper bits are not part of it).
fn compare_zero<'v>(c: ICond, w: Width, l: &'v Value, r: &'v Value) -> Option<(ZeroTest, &'v Value)> {
    let (v, zero, c) = match (l, r) {
        (Value::Imm(z), v) if reg_or_mem(v) => (v, *z, c.mirror()),
        (v, Value::Imm(z)) if reg_or_mem(v) => (v, *z, c),
        _ => return None,
    };
    if imm_value(zero, bits(w)) != 0 {
        return None;
    }
    let sign = bits(w) - 1;
    if w == Width::B {
        // A byte's sign is bit 7 of the register; its zero test needs the
        // byte alone, which only a load (`ldrb`) gives.
        return Some((
            match (c, v) {
                (ICond::Lt, _) => ZeroTest::Bit { nz: true, bit: 7 },
                (ICond::Gteq, _) => ZeroTest::Bit { nz: false, bit: 7 },
                (ICond::Eq | ICond::Beq, Value::Addr(_)) => ZeroTest::Zero { nz: false },
                (ICond::Neq | ICond::A, Value::Addr(_)) => ZeroTest::Zero { nz: true },
                _ => return None,
            },
            v,
        ));
    }
    Some((
        match c {
            ICond::Eq | ICond::Beq => ZeroTest::Zero { nz: false },
            ICond::Neq | ICond::A => ZeroTest::Zero { nz: true },
            ICond::Lt => ZeroTest::Bit { nz: true, bit: sign },
            ICond::Gteq => ZeroTest::Bit { nz: false, bit: sign },
            _ => return None,
        },
        v,
    ))
}

/// A test that one register decides: no mask (or an all-ones one) is a
/// zero test, a single-bit mask a bit test, and the sign of a mask that
/// keeps the sign bit a test of that bit. A byte in a register is not
/// zero-extended, so its zero test is left to `test`.
fn test_zero(t: TestCond, w: Width, v: &Value, m: Option<&Value>) -> Option<ZeroTest> {
    if !reg_or_mem(v) {
        return None;
    }
    let mask = match m {
        None => all_ones(w),
        Some(Value::Imm(i)) => imm_value(*i, bits(w)),
        _ => return None,
    };
    let sign = bits(w) - 1;
    match t {
        TestCond::S if mask >> sign & 1 == 1 => Some(ZeroTest::Bit { nz: true, bit: sign }),
        TestCond::S => None,
        _ if mask.count_ones() == 1 => Some(ZeroTest::Bit { nz: t == TestCond::Nz, bit: mask.trailing_zeros() }),
        _ if mask == all_ones(w) && (w != Width::B || matches!(v, Value::Addr(_))) => Some(ZeroTest::Zero { nz: t == TestCond::Nz }),
        _ => None,
    }
}

/// The A64 conditions for a float compare (second one or-ed in).
fn fp_cond(c: FCond, unordered: bool) -> (Cond, Option<Cond>) {
    match (c, unordered) {
        (FCond::Eq, false) => (Cond::Eq, None),
        (FCond::Eq, true) => (Cond::Eq, Some(Cond::Vs)),
        (FCond::Neq, false) => (Cond::Mi, Some(Cond::Gt)),
        (FCond::Neq, true) => (Cond::Ne, None),
        (FCond::Gt, false) => (Cond::Gt, None),
        (FCond::Gt, true) => (Cond::Hi, None),
        (FCond::Gteq, false) => (Cond::Ge, None),
        (FCond::Gteq, true) => (Cond::Hs, None),
        (FCond::Lt, false) => (Cond::Mi, None),
        (FCond::Lt, true) => (Cond::Lt, None),
        (FCond::Lteq, false) => (Cond::Ls, None),
        (FCond::Lteq, true) => (Cond::Le, None),
    }
}

fn flag_cc(c: FlagCond) -> Cond {
    match c {
        FlagCond::O => Cond::Vs,
        FlagCond::S => Cond::Mi,
        FlagCond::Z => Cond::Eq,
        FlagCond::Nz => Cond::Ne,
    }
}

fn atomic_suffix(w: Width) -> Sfx {
    match w {
        Width::B => Sfx::B,
        Width::H => Sfx::H,
        _ => Sfx::None,
    }
}
