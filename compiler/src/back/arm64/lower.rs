//! Lowering of validated instructions to A64 assembly (INSTRUCTIONS.md
//! semantics, TARGETS.md §5–§6). Scratch: x16 (values), x17 (addresses),
//! x13 (immediates), v31 (FP).

use crate::back::obj::Obj;
use crate::back::parallel_move::{Loc, Step};
use crate::back::{addr, arg_move_steps, constant_compare, constant_flag_branch, constant_test, imm, reg, sign_test};
use crate::isa::{ArithOp, AtomicOp, Cond, FCond, FlagCond, Op, TestCond, Width};
use crate::target::regs::Reg;
use crate::target::{ObjFormat, RegMap};
use crate::valid::{Instr, MemAddr, Program, Value};

use super::regs::{fnum, gpr, ADR, FS, IMM, VAL};

/// One output line; conditional branches are resolved to a short or a far
/// form once every label's position is known.
pub enum Line {
    Ins(String),
    Label(String),
    /// A directive that emits no bytes.
    Directive(String),
    /// Raw `emit` text: size unknown.
    Opaque(String),
    CondBranch { cond: &'static str, target: String },
    /// cbz/cbnz (`nz` selects cbnz) on a register.
    CmpZeroBranch { nz: bool, reg: String, target: String },
    /// tbz/tbnz (`nz` selects tbnz) on bit `bit` of a register.
    TestBitBranch { nz: bool, reg: String, bit: u32, target: String },
}

/// A branch decided by one register alone: zero or not (cbz/cbnz), or one
/// of its bits clear or set (tbz/tbnz).
#[derive(Clone, Copy)]
enum ZeroTest {
    Zero { nz: bool },
    Bit { nz: bool, bit: u32 },
}

pub struct Lower<'a> {
    pub lines: &'a mut Vec<Line>,
    pub map: RegMap,
    pub obj: Obj,
    pub prog: &'a Program,
    pub next_label: &'a mut u32,
}

fn wide(w: Width) -> bool {
    matches!(w, Width::P | Width::Q)
}

fn bits(w: Width) -> u32 {
    w.bits().unwrap_or(64)
}

fn cc(c: Cond) -> &'static str {
    match c {
        Cond::Eq => "eq",
        Cond::Neq => "ne",
        Cond::A => "hi",
        Cond::Aeq => "hs",
        Cond::B => "lo",
        Cond::Beq => "ls",
        Cond::Gt => "gt",
        Cond::Gteq => "ge",
        Cond::Lt => "lt",
        Cond::Lteq => "le",
    }
}

pub fn invert(c: &str) -> &'static str {
    match c {
        "eq" => "ne",
        "ne" => "eq",
        "hi" => "ls",
        "ls" => "hi",
        "hs" => "lo",
        "lo" => "hs",
        "gt" => "le",
        "le" => "gt",
        "ge" => "lt",
        "lt" => "ge",
        "mi" => "pl",
        "pl" => "mi",
        "vs" => "vc",
        "vc" => "vs",
        other => unreachable!("condition {other}"),
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
/// `fix_unscaled`)?
fn offset_fits(off: i64, size: u32) -> bool {
    let scaled = size > 0 && off >= 0 && off % size as i64 == 0 && off / (size as i64) < 4096;
    scaled || (-256..256).contains(&off)
}

fn add_imm(v: i64) -> bool {
    (0..4096).contains(&v) || (v & 0xfff == 0 && (0..(4096 << 12)).contains(&v))
}

impl Lower<'_> {
    fn ins(&mut self, s: impl Into<String>) {
        let s = s.into();
        let s = if s.starts_with("ldr") || s.starts_with("str") { fix_unscaled(s) } else { s };
        self.lines.push(Line::Ins(s));
    }
    fn bcond(&mut self, cond: &'static str, target: String) {
        self.lines.push(Line::CondBranch { cond, target });
    }

    fn r(&self, r: Reg, wide: bool) -> String {
        gpr(self.map, r, wide)
    }
    fn x(&self, r: Reg) -> String {
        gpr(self.map, r, true)
    }
    fn f(&self, r: Reg, w: Width) -> String {
        let n = fnum(self.map, r);
        match w {
            Width::F | Width::I => format!("s{n}"),
            Width::V => format!("q{n}"),
            _ => format!("d{n}"),
        }
    }
    fn v8b(&self, r: Reg) -> String {
        format!("v{}.8b", fnum(self.map, r))
    }
    fn s(n: &str, wide: bool) -> String {
        format!("{}{n}", if wide { 'x' } else { 'w' })
    }

    fn label_name(&self, name: &str, local: bool) -> String {
        self.obj.reference(name, local, self.prog)
    }

    fn target(&self, v: &Value) -> String {
        match v {
            Value::Label { name, local, .. } => self.label_name(name, *local),
            _ => unreachable!("validated label operand"),
        }
    }

    /// Materialises an immediate into scratch register number `n` with the
    /// shortest movz/movn/movk sequence.
    fn mov_imm_to(&mut self, reg: &str, v: u64, wide: bool) {
        let v = if wide { v } else { v & 0xffff_ffff };
        let chunks = if wide { 4 } else { 2 };
        let parts: Vec<u64> = (0..chunks).map(|i| (v >> (16 * i)) & 0xffff).collect();
        let zeros = parts.iter().filter(|&&p| p == 0).count();
        let ones = parts.iter().filter(|&&p| p == 0xffff).count();
        if v == 0 {
            self.ins(format!("mov {reg}, #0"));
            return;
        }
        let size = if wide { 64 } else { 32 };
        if logical_imm(v, size) && zeros < chunks - 1 && ones < chunks - 1 {
            // A single `orr` when the pattern allows it (mov alias).
            self.ins(format!("orr {reg}, {}zr, #{v:#x}", &reg[..1]));
            return;
        }
        let inverted = ones > zeros;
        let mut first = true;
        for (i, &p) in parts.iter().enumerate() {
            let skip = if inverted { p == 0xffff } else { p == 0 };
            if skip {
                continue;
            }
            if first {
                if inverted {
                    self.ins(format!("movn {reg}, #{:#x}, lsl #{}", !p & 0xffff, 16 * i));
                } else {
                    self.ins(format!("movz {reg}, #{p:#x}, lsl #{}", 16 * i));
                }
                first = false;
            } else {
                self.ins(format!("movk {reg}, #{p:#x}, lsl #{}", 16 * i));
            }
        }
        if first {
            // All chunks were 0xffff (inverted): -1.
            self.ins(format!("movn {reg}, #0"));
        }
    }

    fn imm_value(v: i128, bits: u32) -> u64 {
        let u = v as u128 as u64;
        if bits >= 64 {
            u
        } else {
            u & ((1u64 << bits) - 1)
        }
    }

    /// An integer operand in a register: registers as they are, immediates
    /// in the immediate scratch, memory loaded into the value scratch with
    /// an access of exactly `w`'s bytes (`ldrb`/`ldrh`/`ldr w`/`ldr x`).
    /// The register view of a B, H or I operand is 32-bit: pass the
    /// operand's own width, never a wider one, when it may be in memory.
    fn in_reg(&mut self, v: &Value, w: Width, scratch: &str) -> String {
        let wd = wide(w);
        match v {
            Value::Reg(r) if *r == Reg::SP => {
                let s = Self::s(scratch, true);
                self.ins(format!("mov {s}, sp"));
                Self::s(scratch, wd)
            }
            Value::Reg(r) => self.r(*r, wd),
            Value::Imm(i) => {
                let s = Self::s(scratch, wd);
                let x = Self::imm_value(*i, bits(w));
                if x == 0 {
                    return if wd { "xzr".into() } else { "wzr".into() };
                }
                self.mov_imm_to(&s, x, wd);
                s
            }
            Value::Addr(a) => {
                let s = Self::s(scratch, wd);
                let m = self.mem(a, bits(w) / 8);
                let ld = match w {
                    Width::B => "ldrb",
                    Width::H => "ldrh",
                    _ => "ldr",
                };
                let s32 = Self::s(scratch, wd && bits(w) == 64);
                self.ins(format!("{ld} {s32}, {m}"));
                s
            }
            _ => unreachable!("validated integer operand"),
        }
    }

    /// A memory operand for an access of `size` bytes; address arithmetic
    /// that the addressing modes cannot express goes through x17.
    fn mem(&mut self, a: &MemAddr, size: u32) -> String {
        let off = a.offset;
        match (a.base, a.index) {
            (Some(b), None) => {
                let base = self.x(b);
                if off == 0 {
                    format!("[{base}]")
                } else if offset_fits(off, size) {
                    format!("[{base}, #{off}]")
                } else {
                    self.add_offset(&format!("x{ADR}"), &base, off);
                    format!("[x{ADR}]")
                }
            }
            (Some(b), Some(i)) => {
                let (base, index) = (self.x(b), self.x(i));
                let sh = a.scale.trailing_zeros();
                if off == 0 && (a.scale == 1 || a.scale as u32 == size) {
                    if sh == 0 {
                        format!("[{base}, {index}]")
                    } else {
                        format!("[{base}, {index}, lsl #{sh}]")
                    }
                } else {
                    self.ins(format!("add x{ADR}, {base}, {index}, lsl #{sh}"));
                    if off == 0 {
                        format!("[x{ADR}]")
                    } else if offset_fits(off, size) {
                        // The offset rides in the access itself (ldr/ldur).
                        format!("[x{ADR}, #{off}]")
                    } else {
                        let t = format!("x{ADR}");
                        self.add_offset(&t, &t, off);
                        format!("[x{ADR}]")
                    }
                }
            }
            _ => {
                self.mov_imm_to(&format!("x{ADR}"), off as u64, true);
                format!("[x{ADR}]")
            }
        }
    }

    /// A memory operand for `ldp`/`stp` of two `size`-byte registers: the
    /// offset in the instruction when it fits their scaled signed 7 bits,
    /// else the address (or base plus index) in x17.
    fn pair_mem(&mut self, a: &MemAddr, size: u32) -> String {
        let size = size as i64;
        let fits = a.offset % size == 0 && (-64..64).contains(&(a.offset / size));
        let t = format!("x{ADR}");
        let base = match (a.base, a.index) {
            (Some(b), None) if fits => self.x(b),
            (Some(b), Some(i)) if fits => {
                let (base, index) = (self.x(b), self.x(i));
                self.ins(format!("add {t}, {base}, {index}, lsl #{}", a.scale.trailing_zeros()));
                t
            }
            _ => {
                self.address_into(a, &t);
                return format!("[{t}]");
            }
        };
        if a.offset == 0 {
            format!("[{base}]")
        } else {
            format!("[{base}, #{}]", a.offset)
        }
    }

    /// `[base]` for an access that takes no offset (exclusive, acquire/
    /// release and atomic ones): a plain base register as it is, unless
    /// the instruction writes it (`avoid`), else the address in x17.
    fn base_only(&mut self, a: &MemAddr, avoid: &[Reg]) -> String {
        match (a.base, a.index, a.offset) {
            (Some(b), None, 0) if !avoid.contains(&b) => format!("[{}]", self.x(b)),
            _ => {
                let t = format!("x{ADR}");
                self.address_into(a, &t);
                format!("[{t}]")
            }
        }
    }

    /// dst := src + off (any 64-bit off), at 64 bits.
    fn add_offset(&mut self, dst: &str, src: &str, off: i64) {
        self.add_offset_w(dst, src, off, true);
    }

    /// dst := src + off in the `x` (`wd`) or `w` views named by dst/src.
    fn add_offset_w(&mut self, dst: &str, src: &str, off: i64, wd: bool) {
        if add_imm(off) {
            self.ins(format!("add {dst}, {src}, #{off}"));
        } else if add_imm(-off) {
            self.ins(format!("sub {dst}, {src}, #{}", -off));
        } else {
            let t = Self::s(IMM, wd);
            self.mov_imm_to(&t, off as u64, wd);
            self.ins(format!("add {dst}, {src}, {t}"));
        }
    }

    /// The full address of an Addr into register `dst` (64-bit).
    fn address_into(&mut self, a: &MemAddr, dst: &str) {
        self.address_into_w(a, dst, true);
    }

    /// The address of an Addr into `dst`, named in the view `wd` selects
    /// (the 32-bit view computes it modulo 2^32). `dst` is written first
    /// and only itself is read after that, so it may be the base or index.
    fn address_into_w(&mut self, a: &MemAddr, dst: &str, wd: bool) {
        match (a.base, a.index) {
            (Some(b), None) => {
                let base = self.r(b, wd);
                if a.offset == 0 {
                    self.ins(format!("mov {dst}, {base}"));
                } else {
                    self.add_offset_w(dst, &base, a.offset, wd);
                }
            }
            (Some(b), Some(i)) => {
                let (base, index) = (self.r(b, wd), self.r(i, wd));
                self.ins(format!("add {dst}, {base}, {index}, lsl #{}", a.scale.trailing_zeros()));
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
    fn label_address(&mut self, name: &str, local: bool, offset: i64, dst: &str, force_got: bool) {
        let defined = local || self.prog.defined.contains(name);
        let direct = defined && !force_got;
        // GOT entries name the symbol itself, never its file-local twin.
        let l = if direct { self.label_name(name, local) } else { self.obj.symbol(name) };
        match (self.obj.format, direct) {
            (ObjFormat::MachO, true) => {
                self.ins(format!("adrp {dst}, {l}@PAGE"));
                self.ins(format!("add {dst}, {dst}, {l}@PAGEOFF"));
            }
            (ObjFormat::MachO, false) => {
                self.ins(format!("adrp {dst}, {l}@GOTPAGE"));
                self.ins(format!("ldr {dst}, [{dst}, {l}@GOTPAGEOFF]"));
            }
            (_, true) => {
                self.ins(format!("adrp {dst}, {l}"));
                self.ins(format!("add {dst}, {dst}, :lo12:{l}"));
            }
            (_, false) => {
                self.ins(format!("adrp {dst}, :got:{l}"));
                self.ins(format!("ldr {dst}, [{dst}, :got_lo12:{l}]"));
            }
        }
        if offset != 0 {
            self.add_offset(dst, dst, offset);
        }
    }

    pub fn instr(&mut self, i: &Instr) {
        let def = i.def();
        let ops = &i.operands;
        let w = def.width;
        let wd = wide(w);
        match def.op {
            Op::Move => match &ops[0] {
                Value::Imm(v) => {
                    let d = self.x_or_scratch(reg(&ops[1]));
                    self.mov_imm_to(&d, Self::imm_value(*v, 64), true);
                    self.copy_scratch_into_sp(reg(&ops[1]));
                }
                Value::Addr(a) => {
                    let m = self.mem(a, 8);
                    let d = self.x_or_scratch(reg(&ops[1]));
                    self.ins(format!("ldr {d}, {m}"));
                    self.copy_scratch_into_sp(reg(&ops[1]));
                }
                Value::Reg(s) if s.class() == crate::target::regs::RegClass::Fpr => {
                    // moved
                    let (s, d) = (self.f(*s, Width::D), self.f(reg(&ops[1]), Width::D));
                    if s != d {
                        self.ins(format!("fmov {d}, {s}"));
                    }
                }
                Value::Reg(s) => {
                    let (s, d) = (self.x(*s), self.x(reg(&ops[1])));
                    if s != d {
                        self.ins(format!("mov {d}, {s}"));
                    }
                }
                _ => unreachable!(),
            },
            Op::MoveArgs => {
                // The parallel move into the argument registers, through x16
                // to break a cycle; immediates last.
                let name = |l: Loc<crate::target::regs::PhysReg>| match l {
                    Loc::Reg(p) => p.name.to_string(),
                    Loc::Scratch => format!("x{VAL}"),
                };
                for step in arg_move_steps(self.map, ops) {
                    match step {
                        Step::Copy { from, to } => self.ins(format!("mov {}, {}", name(to), name(from))),
                        Step::Load { value, to } => self.mov_imm_to(to.name, Self::imm_value(value, 64), true),
                    }
                }
            }
            Op::MoveZero => {
                let d = self.f(reg(&ops[0]), Width::D);
                self.ins(format!("fmov {d}, xzr"));
            }
            Op::SignExtend { from } => {
                let (s, d) = (reg(&ops[0]), reg(&ops[1]));
                let m = match from {
                    Width::B => "sxtb",
                    Width::H => "sxth",
                    _ => "sxtw",
                };
                let (dn, sn) = (self.r(d, wd), self.r(s, false));
                self.ins(format!("{m} {dn}, {sn}"));
            }
            Op::ZeroExtend { .. } => {
                let (s, d) = (self.r(reg(&ops[0]), false), self.r(reg(&ops[1]), false));
                self.ins(format!("mov {d}, {s}"));
            }
            Op::Lea if self.lea_direct(&ops[0], reg(&ops[1]), wd) => {
                let dn = self.r(reg(&ops[1]), wd);
                match &ops[0] {
                    Value::Addr(a) => self.address_into_w(a, &dn, wd),
                    Value::Label { name, local, offset } => self.label_address(name, *local, *offset, &dn, false),
                    _ => unreachable!(),
                }
            }
            Op::Lea => {
                let d = reg(&ops[1]);
                let t = format!("x{ADR}");
                match &ops[0] {
                    Value::Addr(a) => self.address_into(a, &t),
                    Value::Label { name, local, offset } => self.label_address(name, *local, *offset, &t, false),
                    _ => unreachable!(),
                }
                let dn = self.r(d, wd);
                self.ins(format!("mov {dn}, {}", Self::s(ADR, wd)));
            }
            Op::PcRelAddr => {
                let l = self.target(&ops[0]);
                let d = self.x(reg(&ops[1]));
                self.ins(format!("adr {d}, {l}"));
            }
            Op::GlobalAddr => {
                let d = self.x(reg(&ops[1]));
                if let Value::Label { name, local, offset } = &ops[0] {
                    self.label_address(name, *local, *offset, &d, true);
                }
            }
            Op::Peek => {
                let (n, d) = (imm(&ops[0]), self.x(reg(&ops[1])));
                let m = self.mem(&MemAddr { base: Some(Reg::SP), index: None, scale: 1, offset: (n * 8) as i64, diff: None }, 8);
                self.ins(format!("ldr {d}, {m}"));
            }
            Op::Poke => {
                let s = self.in_reg(&ops[0], Width::Q, VAL);
                let n = imm(&ops[1]);
                let m = self.mem(&MemAddr { base: Some(Reg::SP), index: None, scale: 1, offset: (n * 8) as i64, diff: None }, 8);
                self.ins(format!("str {s}, {m}"));
            }
            Op::Push => {
                for p in ops.chunks(2) {
                    let a = self.in_reg(&p[0], Width::Q, VAL);
                    let b = self.in_reg(&p[1], Width::Q, IMM);
                    self.ins(format!("stp {a}, {b}, [sp, #-16]!"));
                }
            }
            Op::Pop => {
                for p in ops.chunks(2) {
                    let (a, b) = (self.x(reg(&p[0])), self.x(reg(&p[1])));
                    self.ins(format!("ldp {b}, {a}, [sp], #16"));
                }
            }
            Op::Load { signed, ext_to } if d_is_sp(ops) && !w.is_float() => {
                // ldr cannot write sp: load into x16 (at 64 bits: the value as
                // the load extends it), then copy.
                let m = self.mem(addr(&ops[0]), bits(w) / 8);
                let ld = match (w, signed) {
                    (Width::B, false) => "ldrb w",
                    (Width::B, true) => if ext_to == Width::I { "ldrsb w" } else { "ldrsb x" },
                    (Width::H, false) => "ldrh w",
                    (Width::H, true) => if ext_to == Width::I { "ldrsh w" } else { "ldrsh x" },
                    (Width::I, false) => "ldr w",
                    (Width::I, true) => "ldrsw x",
                    _ => "ldr x",
                };
                self.ins(format!("{ld}{VAL}, {m}"));
                self.ins(format!("mov sp, x{VAL}"));
            }
            Op::Load { signed, ext_to } => {
                let d = reg(&ops[1]);
                // A byte of a symbol defined here: its page, and the low 12
                // bits in the load (wider loads would need the symbol aligned).
                if let (Value::Label { name, local, offset }, Width::B) = (&ops[0], w) {
                    let defined = *local || self.prog.defined.contains(name);
                    if defined && (*offset == 0 || self.obj.format != ObjFormat::MachO) {
                        let l = match *offset {
                            0 => self.label_name(name, *local),
                            o => format!("{}{o:+}", self.label_name(name, *local)),
                        };
                        let t = format!("x{ADR}");
                        let (page, lo12) = if self.obj.format == ObjFormat::MachO {
                            (format!("{l}@PAGE"), format!("{l}@PAGEOFF"))
                        } else {
                            (l.clone(), format!(":lo12:{l}"))
                        };
                        self.ins(format!("adrp {t}, {page}"));
                        let text = match (signed, ext_to) {
                            (false, _) => format!("ldrb {}, [{t}, {lo12}]", self.r(d, false)),
                            (true, Width::I) => format!("ldrsb {}, [{t}, {lo12}]", self.r(d, false)),
                            (true, _) => format!("ldrsb {}, [{t}, {lo12}]", self.x(d)),
                        };
                        self.ins(text);
                        return;
                    }
                }
                let m = match &ops[0] {
                    Value::Addr(a) => self.mem(a, bits(w) / 8),
                    Value::Label { name, local, offset } => {
                        let t = format!("x{ADR}");
                        self.label_address(name, *local, *offset, &t, false);
                        format!("[{t}]")
                    }
                    _ => unreachable!(),
                };
                let text = match (w, signed, ext_to) {
                    (Width::B, false, _) => format!("ldrb {}, {m}", self.r(d, false)),
                    (Width::B, true, Width::I) => format!("ldrsb {}, {m}", self.r(d, false)),
                    (Width::B, true, _) => format!("ldrsb {}, {m}", self.x(d)),
                    (Width::H, false, _) => format!("ldrh {}, {m}", self.r(d, false)),
                    (Width::H, true, Width::I) => format!("ldrsh {}, {m}", self.r(d, false)),
                    (Width::H, true, _) => format!("ldrsh {}, {m}", self.x(d)),
                    (Width::I, false, _) => format!("ldr {}, {m}", self.r(d, false)),
                    (Width::I, true, _) => format!("ldrsw {}, {m}", self.x(d)),
                    (Width::F | Width::D | Width::V, ..) => format!("ldr {}, {m}", self.f(d, w)),
                    _ => format!("ldr {}, {m}", self.x(d)),
                };
                self.ins(fix_unscaled(text));
            }
            Op::Store => {
                let text = match w {
                    Width::F | Width::D | Width::V => {
                        let s = self.f(reg(&ops[0]), w);
                        let m = self.mem(addr(&ops[1]), bits(w) / 8);
                        format!("str {s}, {m}")
                    }
                    _ => {
                        let s = self.in_reg(&ops[0], if bits(w) == 64 { Width::Q } else { Width::I }, VAL);
                        let m = self.mem(addr(&ops[1]), bits(w) / 8);
                        let st = match w {
                            Width::B => "strb",
                            Width::H => "strh",
                            _ => "str",
                        };
                        format!("{st} {s}, {m}")
                    }
                };
                self.ins(fix_unscaled(text));
            }
            Op::LoadPair => {
                let a = addr(&ops[0]);
                let (d1, d2) = (reg(&ops[1]), reg(&ops[2]));
                let (n1, n2) = match w {
                    Width::D => (self.f(d1, w), self.f(d2, w)),
                    Width::I => (self.r(d1, false), self.r(d2, false)),
                    _ => (self.x(d1), self.x(d2)),
                };
                let size = bits(w) / 8;
                if n1 == n2 {
                    // load2ia into one register: the second word wins.
                    let second = MemAddr { offset: a.offset + size as i64, ..a.clone() };
                    let m = self.mem(&second, size);
                    self.ins(format!("ldr {n1}, {m}"));
                } else {
                    let m = self.pair_mem(a, size);
                    self.ins(format!("ldp {n1}, {n2}, {m}"));
                }
            }
            Op::StorePair => {
                let a = addr(&ops[2]);
                let (n1, n2) = match w {
                    Width::D => (self.f(reg(&ops[0]), w), self.f(reg(&ops[1]), w)),
                    Width::I => (self.in_reg(&ops[0], Width::I, VAL), self.in_reg(&ops[1], Width::I, IMM)),
                    _ => (self.in_reg(&ops[0], Width::Q, VAL), self.in_reg(&ops[1], Width::Q, IMM)),
                };
                let m = self.pair_mem(a, bits(w) / 8);
                self.ins(format!("stp {n1}, {n2}, {m}"));
            }
            Op::Add | Op::Sub | Op::Mul | Op::And | Op::Or | Op::Xor | Op::FDiv if w.is_float() => self.fp_arith(def.op, w, ops),
            Op::Or if w == Width::H && matches!(ops[1], Value::Reg(_)) && (matches!(ops[0], Value::Imm(0)) || ops[0] == ops[1]) => {
                // zx(lo16(d) | 0) = zx(lo16(d) | lo16(d)) = zx(lo16(d)).
                let d = self.r(reg(&ops[1]), false);
                self.ins(format!("and {d}, {d}, #0xffff"));
            }
            Op::Add | Op::Sub | Op::Mul | Op::And | Op::Or | Op::Xor => {
                let flags = def.effects.contains(crate::isa::Effects::SETS_FLAGS);
                self.int_op(def.op, w, ops, flags);
            }
            Op::Neg if w.is_float() => {
                let (s, d) = (self.f(reg(&ops[0]), w), self.f(reg(&ops[1]), w));
                self.ins(format!("fneg {d}, {s}"));
            }
            Op::Neg | Op::Not => {
                let m = if def.op == Op::Neg { "neg" } else { "mvn" };
                self.unary_rmw(m, w, &ops[0]);
            }
            Op::LShift | Op::RShift | Op::URShift | Op::LRotate | Op::RRotate => self.shift(def.op, w, ops),
            Op::Lzcnt => {
                let (s, d) = (self.r(reg(&ops[0]), wd), self.r(reg(&ops[1]), wd));
                self.ins(format!("clz {d}, {s}"));
            }
            Op::Tzcnt => {
                let (s, d) = (self.r(reg(&ops[0]), wd), self.r(reg(&ops[1]), wd));
                let t = Self::s(VAL, wd);
                self.ins(format!("rbit {t}, {s}"));
                self.ins(format!("clz {d}, {t}"));
            }
            Op::BitFieldInsert => {
                let (s, lsb, width, d) = (self.x(reg(&ops[0])), imm(&ops[1]), imm(&ops[2]), self.x(reg(&ops[3])));
                self.ins(format!("bfi {d}, {s}, #{lsb}, #{width}"));
            }
            Op::Div { signed } => {
                let m = if signed { "sdiv" } else { "udiv" };
                let (divisor, dividend, d) = if ops.len() == 2 {
                    (reg(&ops[0]), reg(&ops[1]), reg(&ops[1]))
                } else {
                    (reg(&ops[0]), reg(&ops[1]), reg(&ops[2]))
                };
                let (a, b, d) = (self.r(dividend, wd), self.r(divisor, wd), self.r(d, wd));
                self.ins(format!("{m} {d}, {a}, {b}"));
            }
            Op::MulWiden { signed } => {
                let (a, b, d) = (self.r(reg(&ops[0]), false), self.r(reg(&ops[1]), false), self.x(reg(&ops[2])));
                self.ins(format!("{} {d}, {a}, {b}", if signed { "smull" } else { "umull" }));
            }
            Op::CompareSet(c) => {
                let d = self.r(reg(&ops[2]), false);
                if let Some(b) = constant_compare(c, w, &ops[0], &ops[1]) {
                    self.ins(format!("mov {d}, #{}", b as u8));
                    return;
                }
                // `x < 0` (or `0 > x`) of a register: its sign bit, shifted down.
                let zero = |v: &Value| matches!(v, Value::Imm(i) if Self::imm_value(*i, bits(w)) == 0);
                if let (Cond::Lt, Value::Reg(r), z) | (Cond::Gt, z, Value::Reg(r)) = (c, &ops[0], &ops[1]) {
                    if zero(z) && *r != Reg::SP {
                        self.sign_bit_reg(*r, w, &d);
                        return;
                    }
                }
                let c = self.compare(c, w, &ops[0], &ops[1]);
                self.ins(format!("cset {d}, {c}"));
            }
            Op::CompareBranch(c) if constant_compare(c, w, &ops[0], &ops[1]).is_some() => {
                if constant_compare(c, w, &ops[0], &ops[1]) == Some(true) {
                    let l = self.target(&ops[2]);
                    self.ins(format!("b {l}"));
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
                    self.ins(format!("mov {d}, #{}", b as u8));
                    return;
                }
                if sign_test(t, w, m) {
                    // The sign bit, shifted down (memory: loaded first, a byte zero-extended).
                    match &ops[0] {
                        Value::Reg(r) if *r != Reg::SP => self.sign_bit_reg(*r, w, &d),
                        v => {
                            let vn = self.in_reg(v, w, VAL);
                            let dn = if wide(w) { d.replacen('w', "x", 1) } else { d.clone() };
                            self.ins(format!("lsr {dn}, {vn}, #{}", bits(w) - 1));
                        }
                    }
                    return;
                }
                if let (Width::B, TestCond::S, Some(mr @ Value::Reg(_))) = (w, t, m) {
                    // Bit 7 of `v & m`.
                    let vn = self.in_reg(&ops[0], w, VAL);
                    let mn = self.in_reg(mr, w, IMM);
                    self.ins(format!("and w{VAL}, {vn}, {mn}"));
                    self.ins(format!("ubfx {d}, w{VAL}, #7, #1"));
                    return;
                }
                let c = self.test(t, w, &ops[0], m);
                self.ins(format!("cset {d}, {c}"));
            }
            Op::TestBranch(t) if constant_test(t, w, if ops.len() == 3 { Some(&ops[1]) } else { None }).is_some() => {
                if constant_test(t, w, if ops.len() == 3 { Some(&ops[1]) } else { None }) == Some(true) {
                    let l = self.target(ops.last().unwrap_or(&ops[0]));
                    self.ins(format!("b {l}"));
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
                    self.ins(format!("and w{VAL}, {vn}, {mn}"));
                    self.zero_branch_reg(ZeroTest::Bit { nz: true, bit: 7 }, format!("w{VAL}"), l);
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
                    Op::Sqrt => "fsqrt",
                    Op::Abs => "fabs",
                    Op::Floor => "frintm",
                    Op::Ceil => "frintp",
                    Op::Round => "frintn",
                    _ => "frintz",
                };
                let (s, d) = (self.f(reg(&ops[0]), w), self.f(reg(&ops[1]), w));
                self.ins(format!("{m} {d}, {s}"));
            }
            Op::IntToFp { from, signed } => {
                let s = self.r(reg(&ops[0]), from == Width::Q);
                let d = self.f(reg(ops.last().unwrap_or(&ops[0])), w);
                self.ins(format!("{} {d}, {s}", if signed { "scvtf" } else { "ucvtf" }));
            }
            Op::FpToInt { from, signed } => {
                let s = self.f(reg(&ops[0]), from);
                let d = self.r(reg(&ops[1]), wide(w));
                self.ins(format!("{} {d}, {s}", if signed { "fcvtzs" } else { "fcvtzu" }));
            }
            Op::CheckedD2I { exact } => self.checked_d2i(exact, ops),
            Op::FpConvert { from } => {
                let to = if from == Width::D { Width::F } else { Width::D };
                let (s, d) = (self.f(reg(&ops[0]), from), self.f(reg(&ops[1]), to));
                self.ins(format!("fcvt {d}, {s}"));
            }
            Op::BitMove { from } => {
                let (s, d) = (reg(&ops[0]), reg(&ops[1]));
                let text = match from {
                    Width::Q => format!("fmov {}, {}", self.f(d, Width::D), self.x(s)),
                    Width::D => format!("fmov {}, {}", self.x(d), self.f(s, Width::D)),
                    Width::I => format!("fmov {}, {}", self.f(d, Width::F), self.r(s, false)),
                    _ => format!("fmov {}, {}", self.r(d, false), self.f(s, Width::F)),
                };
                self.ins(text);
            }
            Op::FpFromIntPair => {
                let (lo, hi, d) = (self.r(reg(&ops[0]), false), self.r(reg(&ops[1]), false), reg(&ops[2]));
                // The low word (clearing the rest), then lane 1.
                let (s, v) = (self.f(d, Width::F), fnum(self.map, d));
                self.ins(format!("fmov {s}, {lo}"));
                self.ins(format!("mov v{v}.s[1], {hi}"));
            }
            Op::FpToIntPair => {
                let (s, lo, hi) = (reg(&ops[0]), self.r(reg(&ops[1]), false), self.r(reg(&ops[2]), false));
                // Lane 0 and lane 1 of the 64 bits, each zero-extended.
                let (sf, v) = (self.f(s, Width::F), fnum(self.map, s));
                self.ins(format!("fmov {lo}, {sf}"));
                self.ins(format!("mov {hi}, v{v}.s[1]"));
            }
            Op::FCompareSet { cond, unordered } => {
                let (a, b) = (self.f(reg(&ops[0]), w), self.f(reg(&ops[1]), w));
                let d = self.r(reg(&ops[2]), false);
                self.ins(format!("fcmp {a}, {b}"));
                match fp_cond(cond, unordered) {
                    (c, None) => self.ins(format!("cset {d}, {c}")),
                    // Ordered ≠: less (mi), else 1 when greater (not le).
                    ("mi", Some("gt")) => {
                        self.ins(format!("cset {d}, mi"));
                        self.ins(format!("csinc {d}, {d}, wzr, le"));
                    }
                    (c1, Some(c2)) => {
                        self.ins(format!("cset w{VAL}, {c1}"));
                        self.ins(format!("cset {d}, {c2}"));
                        self.ins(format!("orr {d}, {d}, w{VAL}"));
                    }
                }
            }
            Op::FBranch { cond, unordered } => {
                let (a, b) = (self.f(reg(&ops[0]), w), self.f(reg(&ops[1]), w));
                let l = self.target(&ops[2]);
                self.ins(format!("fcmp {a}, {b}"));
                let (c1, c2) = fp_cond(cond, unordered);
                self.bcond(c1, l.clone());
                if let Some(c2) = c2 {
                    self.bcond(c2, l);
                }
            }
            Op::Jmp | Op::Call => {
                let (b, br) = if def.op == Op::Jmp { ("b", "br") } else { ("bl", "blr") };
                match &ops[0] {
                    Value::Label { .. } => {
                        let l = self.target(&ops[0]);
                        self.ins(format!("{b} {l}"));
                    }
                    Value::Reg(r) => {
                        let r = self.x(*r);
                        self.ins(format!("{br} {r}"));
                    }
                    Value::Addr(a) => {
                        let m = self.mem(a, 8);
                        self.ins(fix_unscaled(format!("ldr x{VAL}, {m}")));
                        self.ins(format!("{br} x{VAL}"));
                    }
                    _ => unreachable!(),
                }
            }
            Op::Ret => self.ins("ret"),
            Op::Break => self.ins("brk #0xc471"),
            Op::Nop => self.ins("nop"),
            Op::PtrAuth => {}
            Op::Fence => self.ins(if def.name == "memfence" { "dmb sy" } else { "dmb ish" }),
            Op::AtomicRmw(aop) => self.atomic_rmw(aop, w, ops),
            Op::AtomicCas { branch } => {
                let (e, n) = (reg(&ops[0]), reg(&ops[1]));
                let m = self.base_only(addr(&ops[2]), &[e]);
                let (en, nn) = (self.r(e, wd), self.r(n, wd));
                let sfx = atomic_suffix(w);
                let v = Self::s(VAL, wd);
                if branch {
                    // Keep the expected value to tell a swap (old = expected).
                    match w {
                        Width::B => self.ins(format!("and w{VAL}, {en}, #0xff")),
                        Width::H => self.ins(format!("and w{VAL}, {en}, #0xffff")),
                        _ => self.ins(format!("mov {v}, {en}")),
                    }
                }
                self.ins(format!("casal{sfx} {en}, {nn}, {m}"));
                if branch {
                    self.ins(format!("cmp {en}, {v}"));
                    let l = self.target(&ops[3]);
                    self.bcond("ne", l);
                }
            }
            Op::AtomicLoad => {
                let m = self.base_only(addr(&ops[0]), &[]);
                let d = self.r(reg(&ops[1]), wd);
                self.ins(format!("ldar{} {d}, {m}", atomic_suffix(w)));
            }
            Op::LoadLinkAcq => {
                let m = self.base_only(addr(&ops[0]), &[]);
                let d = self.r(reg(&ops[1]), wd);
                self.ins(format!("ldaxr{} {d}, {m}", atomic_suffix(w)));
            }
            Op::StoreCondRel => {
                // The status register must not be the base (unpredictable).
                let m = self.base_only(addr(&ops[2]), &[reg(&ops[0])]);
                let (st, v) = (self.r(reg(&ops[0]), false), self.r(reg(&ops[1]), wd));
                self.ins(format!("stlxr{} {st}, {v}, {m}", atomic_suffix(w)));
            }
            Op::Emit => {
                let mut line = String::new();
                for o in ops {
                    match o {
                        Value::Str(s) => line.push_str(s),
                        Value::Label { name, local, .. } => line.push_str(&self.label_name(name, *local)),
                        _ => {}
                    }
                }
                self.lines.push(Line::Opaque(line));
                self.lines.push(Line::Directive("\t.p2align 2".into()));
            }
            Op::TlsLoad => {
                let d = self.x(reg(&ops[1]));
                self.ins(format!("mrs x{VAL}, TPIDRRO_EL0"));
                match &ops[0] {
                    Value::Imm(n) => self.ins(format!("ldr {d}, [x{VAL}, #{}]", n * 8)),
                    Value::Reg(r) => {
                        let r = self.x(*r);
                        self.ins(format!("ldr {d}, [x{VAL}, {r}, lsl #3]"));
                    }
                    _ => unreachable!(),
                }
            }
            Op::TlsStore => {
                let s = self.x(reg(&ops[0]));
                self.ins(format!("mrs x{VAL}, TPIDRRO_EL0"));
                match &ops[1] {
                    Value::Imm(n) => self.ins(format!("str {s}, [x{VAL}, #{}]", n * 8)),
                    Value::Reg(r) => {
                        let r = self.x(*r);
                        self.ins(format!("str {s}, [x{VAL}, {r}, lsl #3]"));
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

    /// The 64-bit name of `d`, or x16 when `d` is sp and the instruction
    /// writing it cannot name sp (then `copy_scratch_into_sp` copies x16 into sp).
    fn x_or_scratch(&self, d: Reg) -> String {
        if d == Reg::SP {
            format!("x{VAL}")
        } else {
            self.x(d)
        }
    }

    fn copy_scratch_into_sp(&mut self, d: Reg) {
        if d == Reg::SP {
            self.ins(format!("mov sp, x{VAL}"));
        }
    }

    /// `d := ` the sign bit of register `r` at width `w` (`d` named as `wN`).
    fn sign_bit_reg(&mut self, r: Reg, w: Width, d: &str) {
        match w {
            Width::B => {
                let rn = self.r(r, false);
                self.ins(format!("ubfx {d}, {rn}, #7, #1"));
            }
            _ if wide(w) => {
                let (rn, dn) = (self.x(r), d.replacen('w', "x", 1));
                self.ins(format!("lsr {dn}, {rn}, #63"));
            }
            _ => {
                let rn = self.r(r, false);
                self.ins(format!("lsr {d}, {rn}, #31"));
            }
        }
    }

    /// `neg`/`mvn` on a register or memory.
    fn unary_rmw(&mut self, m: &str, w: Width, d: &Value) {
        let wd = wide(w);
        match d {
            Value::Reg(r) => {
                let r = self.r(*r, wd);
                self.ins(format!("{m} {r}, {r}"));
            }
            Value::Addr(a) => {
                let v = Self::s(VAL, wd);
                let mm = self.mem(a, bits(w) / 8);
                self.ins(fix_unscaled(format!("ldr {v}, {mm}")));
                self.ins(format!("{m} {v}, {v}"));
                self.ins(fix_unscaled(format!("str {v}, {mm}")));
            }
            _ => unreachable!(),
        }
    }

    /// Second operand of a data-processing instruction: register or an
    /// encodable immediate (else materialised).
    fn operand2(&mut self, op: Op, w: Width, v: &Value) -> String {
        let wd = wide(w);
        match v {
            Value::Imm(i) => {
                let x = Self::imm_value(*i, bits(w).max(32));
                let sx = if wd { x as i64 } else { x as u32 as i32 as i64 };
                let ok = match op {
                    Op::Add | Op::Sub => add_imm(x as i64) && (wd || x < 1 << 32),
                    Op::And | Op::Or | Op::Xor => logical_imm(x, if wd { 64 } else { 32 }),
                    _ => false,
                };
                let _ = sx;
                if ok {
                    format!("#{x:#x}")
                } else if x == 0 {
                    if wd { "xzr".into() } else { "wzr".into() }
                } else {
                    let s = Self::s(IMM, wd);
                    self.mov_imm_to(&s, x, wd);
                    s
                }
            }
            other => self.in_reg(other, w, IMM),
        }
    }

    fn int_mnemonic(op: Op, flags: bool) -> &'static str {
        match (op, flags) {
            (Op::Add, false) => "add",
            (Op::Add, true) => "adds",
            (Op::Sub, false) => "sub",
            (Op::Sub, true) => "subs",
            (Op::Mul, _) => "mul",
            (Op::And, _) => "and",
            (Op::Or, _) => "orr",
            _ => "eor",
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
            (Op::Add | Op::Sub | Op::Or | Op::Xor, Value::Imm(i)) => Self::imm_value(*i, bits(w)) == 0,
            (Op::And | Op::Or, _) => same_regs,
            _ => false,
        };
        if let (false, true, Value::Reg(d), Value::Reg(s), Width::I | Width::P | Width::Q) = (flags, identity, dst, a, w) {
            if *d != Reg::SP && *s != Reg::SP {
                if d != s || !wd {
                    let (dn, sn) = (self.r(*d, wd), self.r(*s, wd));
                    self.ins(format!("mov {dn}, {sn}"));
                }
                return;
            }
        }
        // `oris`: `a | 0` and `a | a` are a, whose flags `ands a, a` sets
        // (V clear, as `or` never overflows).
        if let (true, Op::Or, true, Value::Reg(d), Value::Reg(s), Width::I) = (flags, op, identity, dst, a, w) {
            if *d != Reg::SP && *s != Reg::SP {
                let (dn, sn) = (self.r(*d, false), self.r(*s, false));
                self.ins(format!("ands {dn}, {sn}, {sn}"));
                return;
            }
        }
        // add/sub of a negative immediate that the other one encodes (the
        // same result, the same N, Z and V).
        let neg_imm = match (op, b) {
            (Op::Add | Op::Sub, Value::Imm(i)) => {
                let x = Self::imm_value(*i, bits(w).max(32));
                let neg = if wd { (x as i64).wrapping_neg() } else { (x as u32 as i32 as i64).wrapping_neg() };
                (!add_imm(if wd { x as i64 } else { x as u32 as i64 }) && neg > 0 && add_imm(neg)).then_some(neg)
            }
            _ => None,
        };
        let (op, b) = match neg_imm {
            Some(n) => (if op == Op::Add { Op::Sub } else { Op::Add }, Value::Imm(n as i128)),
            None => (op, b.clone()),
        };
        let b = &b;
        let m = Self::int_mnemonic(op, flags);
        // c - sp: sp - c, negated (sp can be the first source only).
        if let (Op::Sub, false, true, Value::Imm(i), Value::Reg(d)) = (op, flags, wd, a, dst) {
            let c = Self::imm_value(*i, 64) as i64;
            if is_sp(b) && *d != Reg::SP && add_imm(c) {
                let dn = self.x(*d);
                self.ins(format!("sub {dn}, sp, #{c}"));
                self.ins(format!("neg {dn}, {dn}"));
                return;
            }
        }
        // Read-modify-write of memory: the address once, for the load and the store.
        let rmw = match dst {
            Value::Addr(am) => {
                let mm = self.mem(am, bits(w) / 8);
                let v = Self::s(VAL, wd);
                let ld = if w == Width::H { "ldrh" } else { "ldr" };
                self.ins(format!("{ld} {v}, {mm}"));
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
                Value::Imm(i) => add_imm(Self::imm_value(*i, 64) as i64),
                Value::Reg(r) => *r != Reg::SP,
                _ => false,
            };
        let an = match &rmw {
            Some((_, v)) => v.clone(),
            None if sp_first => "sp".to_string(),
            None => self.in_reg(a, w, VAL),
        };
        // A multiply by ±2^k, 2^k + 1 or 1 - 2^k: one shifted add/sub/neg.
        if let (Op::Mul, Value::Imm(i)) = (op, b) {
            if let (Some((mn, text)), false) = (mul_by_constant(Self::imm_value(*i, bits(w)), bits(w), &an), an == "sp") {
                let dn = match (dst, &rmw) {
                    (_, Some((_, v))) => v.clone(),
                    (Value::Reg(r), None) if *r != Reg::SP => self.r(*r, wd),
                    _ => Self::s(VAL, wd),
                };
                self.ins(format!("{mn} {dn}, {text}"));
                self.finish_int_op(dst, &dn, &rmw, w, false, false);
                return;
            }
        }
        let bn = if op == Op::Mul { self.in_reg(b, w, IMM) } else { self.operand2(op, if w == Width::H { Width::I } else { w }, b) };
        // The result register: the destination, unless it is sp and the
        // instruction cannot write sp (only add/sub and the logical
        // immediates can, from a real register): then x16, moved into sp.
        let dn = match (dst, &rmw) {
            (_, Some((_, v))) => v.clone(),
            (Value::Reg(r), None) if *r == Reg::SP => {
                let real_first = an != "xzr" && an != "wzr";
                let writes_sp = real_first
                    && !flags
                    && match op {
                        Op::Add | Op::Sub => true,
                        Op::And | Op::Or | Op::Xor => bn.starts_with('#') && an != "sp",
                        _ => false,
                    };
                match (writes_sp, wd) {
                    (true, true) => "sp".to_string(),
                    (true, false) => "wsp".to_string(),
                    (false, _) => Self::s(VAL, wd),
                }
            }
            (Value::Reg(r), None) => self.r(*r, wd),
            _ => unreachable!(),
        };
        self.ins(format!("{m} {dn}, {an}, {bn}"));
        self.finish_int_op(dst, &dn, &rmw, w, flags && op == Op::Or, w == Width::H);
    }

    /// After an integer operation computed into `dn`: the 16-bit
    /// truncation, the flags of `or` (`tst`), the store of a
    /// read-modify-write, the copy into sp.
    fn finish_int_op(&mut self, dst: &Value, dn: &str, rmw: &Option<(String, String)>, w: Width, or_flags: bool, h: bool) {
        if h && rmw.is_none() {
            self.ins(format!("and {dn}, {dn}, #0xffff"));
        }
        if or_flags {
            self.ins(format!("tst {dn}, {dn}"));
        }
        if let Some((mm, v)) = rmw {
            let st = if w == Width::H { "strh" } else { "str" };
            self.ins(format!("{st} {v}, {mm}"));
        } else if matches!(dst, Value::Reg(r) if *r == Reg::SP) && dn != "sp" && dn != "wsp" {
            self.ins(format!("mov sp, x{VAL}"));
        }
    }

    /// The register an operation-and-branch left its (w-bit) result in.
    fn result_reg(&self, dst: &Value, w: Width) -> String {
        match dst {
            Value::Reg(r) => self.r(*r, wide(w)),
            _ => Self::s(VAL, wide(w)),
        }
    }

    /// An operation-and-branch (§9.1).
    fn arith_branch(&mut self, op: ArithOp, cond: FlagCond, w: Width, ops: &[Value], target: String) {
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
                self.ins(format!("b {target}"));
            }
            return;
        }
        // The sources: `s` of `op s, d`, `a` and `b` of `op a, b, d`.
        let zero_operand = ops[..ops.len() - 1].iter().any(|v| matches!(v, Value::Imm(i) if Self::imm_value(*i, bits(w)) == 0));
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
                        self.ins(format!("ldr w{VAL}, {m}"));
                        format!("w{VAL}")
                    }
                    _ => self.in_reg(a, Width::I, VAL),
                };
                let bn = self.in_reg(b, Width::I, IMM);
                self.ins(format!("smull x{VAL}, {an}, {bn}"));
                self.ins(format!("cmp x{VAL}, w{VAL}, sxtw"));
                match (dst, mm) {
                    (_, Some(m)) => self.ins(format!("str w{VAL}, {m}")),
                    (Value::Reg(r), None) => {
                        let d = self.r(*r, false);
                        self.ins(format!("mov {d}, w{VAL}"));
                    }
                    _ => unreachable!(),
                }
                self.bcond("ne", target);
            }
        }
    }

    fn shift(&mut self, op: Op, w: Width, ops: &[Value]) {
        let wd = wide(w);
        let (v, c, d) = if ops.len() == 2 { (&ops[1], &ops[0], &ops[1]) } else { (&ops[0], &ops[1], &ops[2]) };
        let vn = self.in_reg(v, w, VAL);
        let dn = self.r(reg(d), wd);
        let m = match op {
            Op::LShift => "lsl",
            Op::RShift => "asr",
            Op::URShift => "lsr",
            _ => "ror",
        };
        match c {
            Value::Imm(n) => {
                let n = *n as u32 % bits(w);
                let n = if op == Op::LRotate { (bits(w) - n) % bits(w) } else { n };
                if n == 0 {
                    // A copy; a 32-bit one still clears the upper half.
                    if !(wd && vn == dn) {
                        self.ins(format!("mov {dn}, {vn}"));
                    }
                } else {
                    self.ins(format!("{m} {dn}, {vn}, #{n}"));
                }
            }
            Value::Reg(r) => {
                let cn = self.r(*r, wd);
                if op == Op::LRotate {
                    let t = Self::s(IMM, wd);
                    self.ins(format!("neg {t}, {cn}"));
                    self.ins(format!("ror {dn}, {vn}, {t}"));
                } else {
                    self.ins(format!("{m} {dn}, {vn}, {cn}"));
                }
            }
            _ => unreachable!(),
        }
    }

    /// Branches to `target` on `v` (a register, or memory loaded with an
    /// access of exactly `w`'s bytes) as `z` says, in one instruction.
    fn zero_branch(&mut self, z: ZeroTest, w: Width, v: &Value, target: String) {
        let vn = self.in_reg(v, w, VAL);
        self.zero_branch_reg(z, vn, target);
    }

    /// The same on the register named `vn`.
    fn zero_branch_reg(&mut self, z: ZeroTest, vn: String, target: String) {
        match z {
            ZeroTest::Zero { nz } => self.lines.push(Line::CmpZeroBranch { nz, reg: vn, target }),
            ZeroTest::Bit { nz, bit } => {
                // Bits 0–31 are named on the `w` view (tbz encodes b5 = 0).
                let reg = if bit < 32 { vn.replacen('x', "w", 1) } else { vn };
                self.lines.push(Line::TestBitBranch { nz, reg, bit, target });
            }
        }
    }

    /// Compares `l` with `r` at width `w`; returns the condition code.
    fn compare(&mut self, c: Cond, w: Width, l: &Value, r: &Value) -> &'static str {
        let (l, r, c) = match l {
            Value::Imm(_) => (r, l, c.mirror()),
            _ => (l, r, c),
        };
        let wd = wide(w);
        if w == Width::B {
            // Low 8 bits, signed or unsigned as the condition says. A memory
            // operand is loaded as exactly one byte, already extended.
            let ext = if c.is_signed() { "sxtb" } else { "uxtb" };
            // A register's low byte against 0: one `tst` of the byte (zero)
            // or of bit 7 (sign), or for > and <= the byte moved to the top
            // (`cmn wzr, x, lsl #24`: N and Z of the byte, V clear).
            if let (Value::Reg(_), Value::Imm(i)) = (l, r) {
                if Self::imm_value(*i, 8) == 0 {
                    let ln = self.in_reg(l, Width::B, VAL);
                    let (text, cond) = match c {
                        Cond::Eq | Cond::Beq => (format!("tst {ln}, #0xff"), "eq"),
                        Cond::Neq | Cond::A => (format!("tst {ln}, #0xff"), "ne"),
                        Cond::Lt => (format!("tst {ln}, #0x80"), "ne"),
                        Cond::Gteq => (format!("tst {ln}, #0x80"), "eq"),
                        Cond::Gt => (format!("cmn wzr, {ln}, lsl #24"), "gt"),
                        Cond::Lteq => (format!("cmn wzr, {ln}, lsl #24"), "le"),
                        // Constant outcomes, decided before a compare is emitted.
                        Cond::B => ("tst wzr, wzr".to_string(), "ne"),
                        Cond::Aeq => ("tst wzr, wzr".to_string(), "eq"),
                    };
                    self.ins(text);
                    return cond;
                }
            }
            match l {
                Value::Addr(a) => {
                    let m = self.mem(a, 1);
                    let ld = if c.is_signed() { "ldrsb" } else { "ldrb" };
                    self.ins(format!("{ld} w{VAL}, {m}"));
                }
                _ => {
                    let ln = self.in_reg(l, Width::B, VAL);
                    self.ins(format!("{ext} w{VAL}, {ln}"));
                }
            }
            match r {
                Value::Imm(i) => {
                    let x = Self::imm_value(*i, 8);
                    let x = if c.is_signed() { x as u8 as i8 as i64 } else { x as i64 };
                    self.cmp_imm(&format!("w{VAL}"), x, false);
                }
                _ => {
                    // A register's low byte, or exactly the byte in memory (`ldrb`).
                    let rn = self.in_reg(r, Width::B, IMM);
                    self.ins(format!("cmp w{VAL}, {rn}, {ext}"));
                }
            }
            return cc(c);
        }
        let ln = self.in_reg(l, w, VAL);
        match r {
            Value::Imm(i) => {
                let x = Self::imm_value(*i, bits(w));
                let sx = if wd { x as i64 } else { x as u32 as i32 as i64 };
                self.cmp_imm(&ln, sx, wd);
            }
            _ => {
                let rn = self.in_reg(r, w, IMM);
                self.ins(format!("cmp {ln}, {rn}"));
            }
        }
        cc(c)
    }

    fn cmp_imm(&mut self, reg: &str, x: i64, wd: bool) {
        if add_imm(x) {
            self.ins(format!("cmp {reg}, #{x}"));
        } else if x != i64::MIN && add_imm(-x) {
            self.ins(format!("cmn {reg}, #{}", -x));
        } else {
            let t = Self::s(IMM, wd);
            self.mov_imm_to(&t, x as u64, wd);
            self.ins(format!("cmp {reg}, {t}"));
        }
    }

    fn test(&mut self, t: TestCond, w: Width, v: &Value, m: Option<&Value>) -> &'static str {
        let wd = wide(w);
        let vn = self.in_reg(v, w, VAL);
        if w == Width::B {
            return self.test_byte(t, &vn, m, matches!(v, Value::Addr(_)));
        }
        match m {
            None => self.ins(format!("tst {vn}, {vn}")),
            Some(Value::Imm(i)) => {
                let x = Self::imm_value(*i, bits(w));
                if logical_imm(x, if wd { 64 } else { 32 }) {
                    self.ins(format!("tst {vn}, #{x:#x}"));
                } else {
                    let s = Self::s(IMM, wd);
                    self.mov_imm_to(&s, x, wd);
                    self.ins(format!("tst {vn}, {s}"));
                }
            }
            Some(mr) => {
                let mn = self.in_reg(mr, w, IMM);
                self.ins(format!("tst {vn}, {mn}"));
            }
        }
        match t {
            TestCond::S => "mi",
            TestCond::Z => "eq",
            TestCond::Nz => "ne",
        }
    }

    /// A byte test of the low byte of `vn` (32-bit view): one `tst` whose
    /// mask stays inside the byte (bit 7 for the sign), since the bits
    /// above it are not part of the operand — unless `vn` holds a loaded,
    /// zero-extended byte (`loaded`).
    fn test_byte(&mut self, t: TestCond, vn: &str, m: Option<&Value>, loaded: bool) -> &'static str {
        let tested: u64 = if t == TestCond::S { 0x80 } else { 0xff };
        match m {
            None => self.ins(format!("tst {vn}, #{tested:#x}")),
            Some(Value::Imm(i)) => match Self::imm_value(*i, 8) & tested {
                // Nothing tested survives the mask: Z set, as by `tst` of 0.
                0 => self.ins("tst wzr, wzr"),
                x if logical_imm(x, 32) => self.ins(format!("tst {vn}, #{x:#x}")),
                x => {
                    // Not every byte is a logical immediate (0xbd is not).
                    let s = Self::s(IMM, false);
                    self.mov_imm_to(&s, x, false);
                    self.ins(format!("tst {vn}, {s}"));
                }
            },
            Some(mr) if loaded && t != TestCond::S => {
                let mn = self.in_reg(mr, Width::B, IMM);
                self.ins(format!("tst {vn}, {mn}"));
            }
            Some(mr) => {
                let mn = self.in_reg(mr, Width::B, IMM);
                self.ins(format!("and w{VAL}, {vn}, {mn}"));
                self.ins(format!("tst w{VAL}, #{tested:#x}"));
            }
        }
        if t == TestCond::Z {
            "eq"
        } else {
            "ne"
        }
    }

    fn fp_arith(&mut self, op: Op, w: Width, ops: &[Value]) {
        let (a, b, d) = if ops.len() == 2 { (reg(&ops[1]), reg(&ops[0]), reg(&ops[1])) } else { (reg(&ops[0]), reg(&ops[1]), reg(&ops[2])) };
        match op {
            // `x & x` and `x | x` are x: a copy, or nothing.
            Op::And | Op::Or if a == b => {
                let (an, dn) = (self.f(a, Width::D), self.f(d, Width::D));
                if an != dn {
                    self.ins(format!("fmov {dn}, {an}"));
                }
            }
            Op::And | Op::Or => {
                let m = if op == Op::And { "and" } else { "orr" };
                let (an, bn, dn) = (self.v8b(a), self.v8b(b), self.v8b(d));
                self.ins(format!("{m} {dn}, {an}, {bn}"));
            }
            _ => {
                let m = match op {
                    Op::Add => "fadd",
                    Op::Sub => "fsub",
                    Op::Mul => "fmul",
                    _ => "fdiv",
                };
                let (an, bn, dn) = (self.f(a, w), self.f(b, w), self.f(d, w));
                self.ins(format!("{m} {dn}, {an}, {bn}"));
            }
        }
    }

    fn checked_d2i(&mut self, exact: bool, ops: &[Value]) {
        let s = self.f(reg(&ops[0]), Width::D);
        let d = self.r(reg(&ops[1]), false);
        let l = self.target(&ops[2]);
        if exact {
            // The round trip has the bits of the double exactly when it is an
            // int32 other than -0.0 (NaN, inexact, out of range and -0.0 all
            // give other bits): compare them as integers.
            self.ins(format!("fcvtzs {d}, {s}"));
            self.ins(format!("scvtf d{FS}, {d}"));
            self.ins(format!("cmeq d{FS}, d{FS}, {s}"));
            self.ins(format!("fmov x{VAL}, d{FS}"));
            self.lines.push(Line::CmpZeroBranch { nz: false, reg: format!("x{VAL}"), target: l });
        } else {
            // In range: the 64-bit truncation is its sign-extended low word;
            // then NaN (truncated to 0) shows as unordered (V).
            self.ins(format!("fcvtzs x{VAL}, {s}"));
            self.ins(format!("cmp x{VAL}, w{VAL}, sxtw"));
            self.ins(format!("mov {d}, w{VAL}"));
            self.ins(format!("fccmp {s}, {s}, #1, eq"));
            self.bcond("vs", l);
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
            AtomicOp::Add | AtomicOp::Sub => "ldaddal",
            AtomicOp::Clear => "ldclral",
            AtomicOp::Or => "ldsetal",
            AtomicOp::Xor => "ldeoral",
            AtomicOp::Xchg => "swpal",
        };
        let src = if aop == AtomicOp::Sub {
            let s = Self::s(VAL, wd);
            self.ins(format!("neg {s}, {vn}"));
            s
        } else {
            vn
        };
        self.ins(format!("{mn}{sfx} {src}, {on}, {m}"));
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
/// Returns the mnemonic and the operands after the destination.
fn mul_by_constant(c: u64, bits: u32, an: &str) -> Option<(&'static str, String)> {
    let mask = u64::MAX >> (64 - bits);
    let neg = c.wrapping_neg() & mask;
    let pow = |x: u64| (x.is_power_of_two() && x > 1).then(|| x.trailing_zeros());
    if let Some(k) = pow(c.wrapping_sub(1) & mask) {
        Some(("add", format!("{an}, {an}, lsl #{k}")))
    } else if let Some(k) = pow(neg.wrapping_add(1) & mask) {
        Some(("sub", format!("{an}, {an}, lsl #{k}")))
    } else if let Some(k) = pow(c) {
        Some(("lsl", format!("{an}, #{k}")))
    } else {
        pow(neg).map(|k| ("neg", format!("{an}, lsl #{k}")))
    }
}

/// All ones at `w`'s width.
fn all_ones(w: Width) -> u64 {
    u64::MAX >> (64 - bits(w))
}

/// A compare with zero that one register decides (cbz/cbnz, or tbz/tbnz
/// on the sign bit), and the operand compared. A byte register's zero
/// tests are left to `compare` (its upper bits are not part of it).
fn compare_zero<'v>(c: Cond, w: Width, l: &'v Value, r: &'v Value) -> Option<(ZeroTest, &'v Value)> {
    let (v, zero, c) = match (l, r) {
        (Value::Imm(z), v) if reg_or_mem(v) => (v, *z, c.mirror()),
        (v, Value::Imm(z)) if reg_or_mem(v) => (v, *z, c),
        _ => return None,
    };
    if Lower::imm_value(zero, bits(w)) != 0 {
        return None;
    }
    let sign = bits(w) - 1;
    if w == Width::B {
        // A byte's sign is bit 7 of the register; its zero test needs the
        // byte alone, which only a load (`ldrb`) gives.
        return Some((
            match (c, v) {
                (Cond::Lt, _) => ZeroTest::Bit { nz: true, bit: 7 },
                (Cond::Gteq, _) => ZeroTest::Bit { nz: false, bit: 7 },
                (Cond::Eq | Cond::Beq, Value::Addr(_)) => ZeroTest::Zero { nz: false },
                (Cond::Neq | Cond::A, Value::Addr(_)) => ZeroTest::Zero { nz: true },
                _ => return None,
            },
            v,
        ));
    }
    Some((
        match c {
            Cond::Eq | Cond::Beq => ZeroTest::Zero { nz: false },
            Cond::Neq | Cond::A => ZeroTest::Zero { nz: true },
            Cond::Lt => ZeroTest::Bit { nz: true, bit: sign },
            Cond::Gteq => ZeroTest::Bit { nz: false, bit: sign },
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
        Some(Value::Imm(i)) => Lower::imm_value(*i, bits(w)),
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
fn fp_cond(c: FCond, unordered: bool) -> (&'static str, Option<&'static str>) {
    match (c, unordered) {
        (FCond::Eq, false) => ("eq", None),
        (FCond::Eq, true) => ("eq", Some("vs")),
        (FCond::Neq, false) => ("mi", Some("gt")),
        (FCond::Neq, true) => ("ne", None),
        (FCond::Gt, false) => ("gt", None),
        (FCond::Gt, true) => ("hi", None),
        (FCond::Gteq, false) => ("ge", None),
        (FCond::Gteq, true) => ("hs", None),
        (FCond::Lt, false) => ("mi", None),
        (FCond::Lt, true) => ("lt", None),
        (FCond::Lteq, false) => ("ls", None),
        (FCond::Lteq, true) => ("le", None),
    }
}

fn flag_cc(c: FlagCond) -> &'static str {
    match c {
        FlagCond::O => "vs",
        FlagCond::S => "mi",
        FlagCond::Z => "eq",
        FlagCond::Nz => "ne",
    }
}

fn atomic_suffix(w: Width) -> &'static str {
    match w {
        Width::B => "b",
        Width::H => "h",
        _ => "",
    }
}

/// `ldr`/`str` with a negative or unaligned small offset need the
/// unscaled forms (`ldur`/`stur`).
fn fix_unscaled(text: String) -> String {
    let Some(open) = text.find('[') else { return text };
    let inner = &text[open..];
    let Some(hash) = inner.find("#") else { return text };
    if inner.contains(',') && inner[..hash].matches(',').count() == 1 {
        let num: String = inner[hash + 1..].chars().take_while(|c| *c == '-' || c.is_ascii_digit()).collect();
        let Ok(off) = num.parse::<i64>() else { return text };
        let mnem_end = text.find(' ').unwrap_or(0);
        let mnem = &text[..mnem_end];
        let size: i64 = match mnem {
            "ldrb" | "strb" | "ldrsb" => 1,
            "ldrh" | "strh" | "ldrsh" => 2,
            "ldrsw" => 4,
            _ => {
                let reg = text[mnem_end + 1..].trim_start();
                match reg.as_bytes().first() {
                    Some(b'w') | Some(b's') => 4,
                    Some(b'q') => 16,
                    _ => 8,
                }
            }
        };
        let scaled_ok = off >= 0 && off % size == 0 && off / size < 4096;
        if !scaled_ok {
            let un = match mnem {
                "ldr" => "ldur",
                "str" => "stur",
                "ldrb" => "ldurb",
                "strb" => "sturb",
                "ldrh" => "ldurh",
                "strh" => "sturh",
                "ldrsb" => "ldursb",
                "ldrsh" => "ldursh",
                "ldrsw" => "ldursw",
                other => other,
            };
            return format!("{un}{}", &text[mnem_end..]);
        }
    }
    text
}
