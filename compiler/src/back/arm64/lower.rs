//! Lowering of validated instructions to A64 assembly (INSTRUCTIONS.md
//! semantics, TARGETS.md §5–§6). Scratch: x16 (values), x17 (addresses),
//! x13 (immediates), v31 (FP).

use crate::back::obj::Obj;
use crate::back::parallel_move::{Loc, Step};
use crate::back::{addr, arg_move_steps, imm, reg};
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
    fn label(&mut self, s: String) {
        self.lines.push(Line::Label(s));
    }
    fn fresh(&mut self) -> String {
        *self.next_label += 1;
        format!("{}oat{}", self.obj.local_prefix(), self.next_label)
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
        d != Reg::SP
            && match src {
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
                    let d = self.x(reg(&ops[1]));
                    self.mov_imm_to(&d, Self::imm_value(*v, 64), true);
                }
                Value::Addr(a) => {
                    let m = self.mem(a, 8);
                    let d = self.x(reg(&ops[1]));
                    self.ins(format!("ldr {d}, {m}"));
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
            Op::Load { signed, ext_to } => {
                let d = reg(&ops[1]);
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
                let c = self.compare(c, w, &ops[0], &ops[1]);
                let d = self.r(reg(&ops[2]), false);
                self.ins(format!("cset {d}, {c}"));
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
                let c = self.test(t, w, &ops[0], m);
                let d = self.r(reg(ops.last().unwrap_or(&ops[0])), false);
                self.ins(format!("cset {d}, {c}"));
            }
            Op::TestBranch(t) if test_zero(t, w, &ops[0], if ops.len() == 3 { Some(&ops[1]) } else { None }).is_some() => {
                let m = if ops.len() == 3 { Some(&ops[1]) } else { None };
                let z = test_zero(t, w, &ops[0], m).unwrap_or(ZeroTest::Zero { nz: false });
                let l = self.target(ops.last().unwrap_or(&ops[0]));
                self.zero_branch(z, w, &ops[0], l);
            }
            Op::TestBranch(t) => {
                let m = if ops.len() == 3 { Some(&ops[1]) } else { None };
                let c = self.test(t, w, &ops[0], m);
                let l = self.target(ops.last().unwrap_or(&ops[0]));
                self.bcond(c, l);
            }
            Op::ArithBranch { op, cond } => {
                let n = ops.len();
                let c = self.arith_flags(op, cond, w, &ops[..n - 1]);
                if let Some(c) = c {
                    let l = self.target(&ops[n - 1]);
                    self.bcond(c, l);
                }
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
                let (lo, hi, d) = (self.r(reg(&ops[0]), false), self.x(reg(&ops[1])), self.f(reg(&ops[2]), Width::D));
                self.ins(format!("mov w{VAL}, {lo}"));
                self.ins(format!("orr x{VAL}, x{VAL}, {hi}, lsl #32"));
                self.ins(format!("fmov {d}, x{VAL}"));
            }
            Op::FpToIntPair => {
                let (s, lo, hi) = (self.f(reg(&ops[0]), Width::D), self.r(reg(&ops[1]), false), self.x(reg(&ops[2])));
                self.ins(format!("fmov x{VAL}, {s}"));
                self.ins(format!("mov {lo}, w{VAL}"));
                self.ins(format!("lsr {hi}, x{VAL}, #32"));
            }
            Op::FCompareSet { cond, unordered } => {
                let (a, b) = (self.f(reg(&ops[0]), w), self.f(reg(&ops[1]), w));
                let d = self.r(reg(&ops[2]), false);
                self.ins(format!("fcmp {a}, {b}"));
                match fp_cond(cond, unordered) {
                    (c, None) => self.ins(format!("cset {d}, {c}")),
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
                match w {
                    Width::B => self.ins(format!("and w{VAL}, {en}, #0xff")),
                    Width::H => self.ins(format!("and w{VAL}, {en}, #0xffff")),
                    _ => self.ins(format!("mov {v}, {en}")),
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
        let m = Self::int_mnemonic(op, flags);
        let (a, b, dst): (&Value, &Value, &Value) = if ops.len() == 2 { (&ops[1], &ops[0], &ops[1]) } else { (&ops[0], &ops[1], &ops[2]) };
        // a OP b into dst.
        let (a, b, swapped) = match (a, op) {
            (Value::Imm(_), Op::Add | Op::Mul | Op::And | Op::Or | Op::Xor) => (b, a, true),
            _ => (a, b, false),
        };
        let _ = swapped;
        // `a + 0`, `a - 0`, `a | 0`, `a ^ 0` into a register, no flags
        // consumed: a copy (a 32-bit one still clears the upper half), or
        // nothing when it is the same 64-bit register.
        if let (false, Op::Add | Op::Sub | Op::Or | Op::Xor, Value::Imm(0), Value::Reg(d), Value::Reg(s), Width::I | Width::P | Width::Q) =
            (flags, op, b, dst, a, w)
        {
            if *d != Reg::SP && *s != Reg::SP {
                if d != s || !wd {
                    let (dn, sn) = (self.r(*d, wd), self.r(*s, wd));
                    self.ins(format!("mov {dn}, {sn}"));
                }
                return;
            }
        }
        // `a` at the operation's width: a 16-bit memory operand is loaded
        // with `ldrh` (exactly its two bytes); the register view is 32-bit.
        // `add`/`sub` (and `adds`/`subs` not writing `sp`) with an encodable
        // immediate read `sp` directly: no copy into x16.
        let sp_direct = wd
            && matches!(op, Op::Add | Op::Sub)
            && matches!(a, Value::Reg(r) if *r == Reg::SP)
            && matches!(b, Value::Imm(i) if add_imm(Self::imm_value(*i, 64) as i64))
            && !(flags && matches!(dst, Value::Reg(r) if *r == Reg::SP));
        let an = if sp_direct { "sp".to_string() } else { self.in_reg(a, w, VAL) };
        let bn = if op == Op::Mul { self.in_reg(b, w, IMM) } else { self.operand2(op, if w == Width::H { Width::I } else { w }, b) };
        match dst {
            Value::Reg(r) => {
                let d = self.r(*r, wd);
                self.ins(format!("{m} {d}, {an}, {bn}"));
                if w == Width::H {
                    self.ins(format!("and {d}, {d}, #0xffff"));
                }
                if flags && op == Op::Or {
                    self.ins(format!("tst {d}, {d}"));
                }
            }
            Value::Addr(am) => {
                // Read-modify-write: `an` already holds the loaded value.
                let v = Self::s(VAL, wd);
                self.ins(format!("{m} {v}, {an}, {bn}"));
                if flags && op == Op::Or {
                    self.ins(format!("tst {v}, {v}"));
                }
                let mm = self.mem(am, bits(w) / 8);
                let st = match w {
                    Width::H => "strh",
                    _ => "str",
                };
                self.ins(fix_unscaled(format!("{st} {v}, {mm}")));
            }
            _ => unreachable!(),
        }
    }

    /// Arithmetic for `bOP…` branches: performs the operation and returns
    /// the condition to branch on (None: never branches).
    fn arith_flags(&mut self, op: ArithOp, cond: FlagCond, w: Width, ops: &[Value]) -> Option<&'static str> {
        let wd = wide(w);
        match op {
            ArithOp::Add | ArithOp::Sub => {
                let o = if op == ArithOp::Add { Op::Add } else { Op::Sub };
                self.int_op(o, w, ops, true);
                Some(flag_cc(cond))
            }
            ArithOp::Or => {
                self.int_op(Op::Or, w, ops, true);
                if cond == FlagCond::O {
                    None
                } else {
                    Some(flag_cc(cond))
                }
            }
            ArithOp::Mul => {
                // 32-bit: the full signed product decides overflow.
                let (a, b, dst): (&Value, &Value, &Value) =
                    if ops.len() == 2 { (&ops[1], &ops[0], &ops[1]) } else { (&ops[0], &ops[1], &ops[2]) };
                let an = self.in_reg(a, Width::I, VAL);
                let bn = self.in_reg(b, Width::I, IMM);
                self.ins(format!("smull x{VAL}, {an}, {bn}"));
                let d = match dst {
                    Value::Reg(r) => self.r(*r, wd),
                    _ => format!("w{VAL}"),
                };
                if cond == FlagCond::O {
                    self.ins(format!("cmp x{VAL}, w{VAL}, sxtw"));
                }
                if let Value::Addr(am) = dst {
                    let mm = self.mem(am, 4);
                    self.ins(fix_unscaled(format!("str w{VAL}, {mm}")));
                } else {
                    self.ins(format!("mov {d}, w{VAL}"));
                }
                if cond == FlagCond::O {
                    Some("ne")
                } else {
                    self.ins(format!("tst w{VAL}, w{VAL}"));
                    Some(flag_cc(cond))
                }
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
                self.ins(format!("{m} {dn}, {vn}, #{n}"));
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
            // A register's low byte against 0 for (in)equality: one `tst`.
            if let (Value::Reg(_), Value::Imm(i), Cond::Eq | Cond::Neq) = (l, r, c) {
                if Self::imm_value(*i, 8) == 0 {
                    let ln = self.in_reg(l, Width::B, VAL);
                    self.ins(format!("tst {ln}, #0xff"));
                    return cc(c);
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
            return self.test_byte(t, &vn, m);
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
    /// above it are not part of the operand.
    fn test_byte(&mut self, t: TestCond, vn: &str, m: Option<&Value>) -> &'static str {
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
            let ok = self.fresh();
            self.ins(format!("fcvtzs {d}, {s}"));
            self.ins(format!("scvtf d{FS}, {d}"));
            self.ins(format!("fcmp d{FS}, {s}"));
            self.bcond("ne", l.clone());
            self.lines.push(Line::CmpZeroBranch { nz: true, reg: d.clone(), target: ok.clone() });
            self.ins(format!("fmov x{VAL}, {s}"));
            self.ins(format!("tst x{VAL}, #0x8000000000000000"));
            self.bcond("ne", l);
            self.label(ok);
        } else {
            self.ins(format!("fcmp {s}, {s}"));
            self.bcond("vs", l.clone());
            self.ins(format!("fcvtzs x{VAL}, {s}"));
            self.ins(format!("cmp x{VAL}, w{VAL}, sxtw"));
            self.ins(format!("mov {d}, w{VAL}"));
            self.bcond("ne", l);
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

/// Is `v` a register or memory operand (not an immediate)?
fn reg_or_mem(v: &Value) -> bool {
    matches!(v, Value::Reg(_) | Value::Addr(_))
}

/// All ones at `w`'s width.
fn all_ones(w: Width) -> u64 {
    u64::MAX >> (64 - bits(w))
}

/// A compare with zero that one register decides (cbz/cbnz, or tbz/tbnz
/// on the sign bit), and the operand compared. Byte compares are left to
/// `compare` (their register operand's upper bits are not part of it).
fn compare_zero<'v>(c: Cond, w: Width, l: &'v Value, r: &'v Value) -> Option<(ZeroTest, &'v Value)> {
    let (v, zero, c) = match (l, r) {
        (Value::Imm(z), v) if reg_or_mem(v) => (v, *z, c.mirror()),
        (v, Value::Imm(z)) if reg_or_mem(v) => (v, *z, c),
        _ => return None,
    };
    if w == Width::B || Lower::imm_value(zero, bits(w)) != 0 {
        return None;
    }
    let sign = bits(w) - 1;
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
