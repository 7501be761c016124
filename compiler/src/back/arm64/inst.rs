//! ARM64 machine instructions: an opcode (the A64 mnemonic's stem), an
//! access-size suffix (`ldrb`, `casalh`), and up to four typed operands in
//! A64 order (the destination first). `emit.rs` writes them.

use crate::back::code::{MachInst, SpEffect, Sym};
use crate::back::unwind::{FrameInst, FrameOp, Flow};
use crate::back::obj::Reloc;

/// Register number of `sp` (and of the zero register in other encodings;
/// here the zero register is [`ZR`]).
pub const SP: u8 = 31;
/// The zero register (`xzr`/`wzr`).
pub const ZR: u8 = 32;
/// `sp` in a register operand of an instruction that cannot name it: a
/// stand-in that lowering replaces by a free scratch register
/// (`Lower::instr`) before any instruction is written.
pub const SPV: u8 = 33;

/// A general-purpose register in its 64-bit (`x`) or 32-bit (`w`) view.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Gp {
    /// 0–30, [`SP`] or [`ZR`].
    pub n: u8,
    pub wide: bool,
}

impl Gp {
    pub const fn x(n: u8) -> Gp {
        Gp { n, wide: true }
    }
    pub const fn w(n: u8) -> Gp {
        Gp { n, wide: false }
    }
    /// The `x` (`wide`) or `w` view of register `n`.
    pub const fn view(n: u8, wide: bool) -> Gp {
        Gp { n, wide }
    }
    pub fn as_x(self) -> Gp {
        Gp { wide: true, ..self }
    }
    pub fn as_w(self) -> Gp {
        Gp { wide: false, ..self }
    }
    pub fn is_sp(self) -> bool {
        self.n == SP
    }
    pub fn is_zr(self) -> bool {
        self.n == ZR
    }
}

/// A view of an FP/SIMD register: `sN`, `dN`, `qN`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum FView {
    S,
    D,
    Q,
}

/// The mnemonic's stem; the suffix ([`Sfx`]) follows it.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Opc {
    Mov,
    Movz,
    Movn,
    Movk,
    Orr,
    Add,
    Adds,
    Sub,
    Subs,
    Mul,
    And,
    Ands,
    Eor,
    Neg,
    Mvn,
    Lsl,
    Lsr,
    Asr,
    Ror,
    Clz,
    Rbit,
    Bfi,
    Ubfx,
    Sdiv,
    Udiv,
    Smull,
    Umull,
    Sxtb,
    Sxth,
    Sxtw,
    Uxtb,
    Cmp,
    Cmn,
    Tst,
    Cset,
    Csinc,
    /// Loads and stores: `+ b`/`h` for a byte/halfword access; `Ldrs` +
    /// `b`/`h`/`w` sign-extends. `Ldur…`/`Stur…`: unscaled offsets.
    Ldr,
    Ldrs,
    Ldur,
    Ldurs,
    Str,
    Stur,
    Ldp,
    Stp,
    Adr,
    Adrp,
    Fmov,
    Fneg,
    Fabs,
    Fsqrt,
    Frintm,
    Frintp,
    Frintn,
    Frintz,
    Scvtf,
    Ucvtf,
    Fcvtzs,
    Fcvtzu,
    Fcvt,
    Fadd,
    Fsub,
    Fmul,
    Fdiv,
    Fcmp,
    Fccmp,
    Cmeq,
    B,
    BCond(Cond),
    Bl,
    Br,
    Blr,
    Cbz,
    Cbnz,
    Tbz,
    Tbnz,
    Ret,
    Brk,
    Nop,
    /// Branch target identification landing pads: `bti c` (calls), `bti
    /// j` (jumps), `bti jc` (both).
    BtiC,
    BtiJ,
    BtiJc,
    DmbSy,
    DmbIsh,
    /// Atomics (`+ b`/`h`).
    Casal,
    Ldaddal,
    Ldclral,
    Ldsetal,
    Ldeoral,
    Swpal,
    Ldar,
    Ldaxr,
    Stlxr,
    Mrs,
}

/// A condition code.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Cond {
    Eq,
    Ne,
    Hi,
    Ls,
    Hs,
    Lo,
    Gt,
    Le,
    Ge,
    Lt,
    Mi,
    Pl,
    Vs,
    Vc,
}

impl Cond {
    pub fn invert(self) -> Cond {
        match self {
            Cond::Eq => Cond::Ne,
            Cond::Ne => Cond::Eq,
            Cond::Hi => Cond::Ls,
            Cond::Ls => Cond::Hi,
            Cond::Hs => Cond::Lo,
            Cond::Lo => Cond::Hs,
            Cond::Gt => Cond::Le,
            Cond::Le => Cond::Gt,
            Cond::Ge => Cond::Lt,
            Cond::Lt => Cond::Ge,
            Cond::Mi => Cond::Pl,
            Cond::Pl => Cond::Mi,
            Cond::Vs => Cond::Vc,
            Cond::Vc => Cond::Vs,
        }
    }
}

/// The access-size suffix.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Sfx {
    None,
    B,
    H,
    W,
}

/// An operand extension (`cmp x16, w16, sxtw`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Ext {
    Sxtw,
    Sxtb,
    Uxtb,
}

/// A memory operand; base and index registers are named in their `x` view.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Mem<'a> {
    /// `[xN]`.
    Base(u8),
    /// `[xN, #off]`.
    Off(u8, i64),
    /// `[xN, xM]` (shift 0) or `[xN, xM, lsl #s]`.
    Idx(u8, u8, u8),
    /// `[xN, #off]!`.
    Pre(u8, i64),
    /// `[xN], #off`.
    Post(u8, i64),
    /// `[xN, <relocated low 12 bits>]`.
    Lo12(u8, Reloc, Sym<'a>, i64),
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Arg<'a> {
    None,
    R(Gp),
    F(FView, u8),
    /// `vN.8b`.
    V8b(u8),
    /// `vN.s[i]`.
    LaneS(u8, u8),
    /// `#n`.
    Imm(i64),
    /// `#0x…`.
    Hex(u64),
    /// `lsl #n` (a shifted-register or `movz`/`movk` operand).
    Lsl(u32),
    Ext(Ext),
    Cond(Cond),
    Mem(Mem<'a>),
    /// A branch target or `adr` operand.
    Label(Sym<'a>),
    /// A relocated symbol (`adrp`, `add … :lo12:`).
    Reloc(Reloc, Sym<'a>, i64),
    /// The read-only thread pointer register.
    Tpidrro,
}

impl<'a> From<Gp> for Arg<'a> {
    fn from(g: Gp) -> Arg<'a> {
        Arg::R(g)
    }
}

impl<'a> From<Mem<'a>> for Arg<'a> {
    fn from(m: Mem<'a>) -> Arg<'a> {
        Arg::Mem(m)
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Inst<'a> {
    pub op: Opc,
    pub sfx: Sfx,
    pub args: [Arg<'a>; 4],
}

impl<'a> Inst<'a> {
    pub fn new(op: Opc, args: [Arg<'a>; 4]) -> Inst<'a> {
        Inst { op, sfx: Sfx::None, args }
    }

    /// The operands present.
    pub fn operands(&self) -> &[Arg<'a>] {
        let n = self.args.iter().position(|a| matches!(a, Arg::None)).unwrap_or(4);
        &self.args[..n]
    }

    /// Applies `f` to the number of every general-purpose register the
    /// instruction names (register operands, memory bases and indexes).
    pub fn map_gprs(&mut self, mut f: impl FnMut(u8) -> u8) {
        for a in &mut self.args {
            match a {
                Arg::R(g) => g.n = f(g.n),
                Arg::Mem(Mem::Base(b) | Mem::Off(b, _) | Mem::Pre(b, _) | Mem::Post(b, _) | Mem::Lo12(b, ..)) => *b = f(*b),
                Arg::Mem(Mem::Idx(b, i, _)) => {
                    *b = f(*b);
                    *i = f(*i);
                }
                _ => {}
            }
        }
    }

    pub fn is_branch(&self) -> bool {
        matches!(self.op, Opc::B | Opc::BCond(_) | Opc::Cbz | Opc::Cbnz | Opc::Tbz | Opc::Tbnz | Opc::Br)
    }

    /// A conditional branch whose reach is limited (`b.cond`, `cbz`,
    /// `cbnz`: ±1 MiB; `tbz`, `tbnz`: ±32 KiB): its target.
    pub fn short_branch_target(&self) -> Option<Sym<'a>> {
        let target = match self.op {
            Opc::BCond(_) => &self.args[0],
            Opc::Cbz | Opc::Cbnz => &self.args[1],
            Opc::Tbz | Opc::Tbnz => &self.args[2],
            _ => return None,
        };
        match target {
            Arg::Label(s) => Some(*s),
            _ => None,
        }
    }

    pub fn is_test_bit_branch(&self) -> bool {
        matches!(self.op, Opc::Tbz | Opc::Tbnz)
    }

    /// The same branch with the condition inverted and the target `to`.
    pub fn inverted_to(&self, to: Sym<'a>) -> Inst<'a> {
        let op = match self.op {
            Opc::BCond(c) => Opc::BCond(c.invert()),
            Opc::Cbz => Opc::Cbnz,
            Opc::Cbnz => Opc::Cbz,
            Opc::Tbz => Opc::Tbnz,
            Opc::Tbnz => Opc::Tbz,
            other => other,
        };
        let mut args = self.args;
        let n = self.operands().len();
        args[n - 1] = Arg::Label(to);
        Inst { op, sfx: self.sfx, args }
    }

    /// Does the instruction write its first operand? (Stores, compares,
    /// tests and branches do not.)
    fn writes_first(&self) -> bool {
        !matches!(
            self.op,
            Opc::Str
                | Opc::Stur
                | Opc::Stp
                | Opc::Cmp
                | Opc::Cmn
                | Opc::Tst
                | Opc::Fcmp
                | Opc::Fccmp
                | Opc::B
                | Opc::BCond(_)
                | Opc::Bl
                | Opc::Br
                | Opc::Blr
                | Opc::Cbz
                | Opc::Cbnz
                | Opc::Tbz
                | Opc::Tbnz
                | Opc::Ret
                | Opc::Brk
                | Opc::Nop
                | Opc::BtiC
                | Opc::BtiJ
                | Opc::BtiJc
                | Opc::DmbSy
                | Opc::DmbIsh
        )
    }
}

impl MachInst for Inst<'_> {
    fn sp_effect(&self) -> SpEffect {
        let ops = self.operands();
        let is_sp = |a: &Arg| matches!(a, Arg::R(g) if g.is_sp());
        // Pre- and post-indexed accesses with sp as the base move it.
        if let Some(Arg::Mem(Mem::Pre(SP, off) | Mem::Post(SP, off))) = ops.iter().find(|a| matches!(a, Arg::Mem(_))) {
            return SpEffect::Add(*off);
        }
        match (self.op, ops) {
            (Opc::Add, [d, s, Arg::Imm(n)]) if is_sp(d) && is_sp(s) => SpEffect::Add(*n),
            (Opc::Sub, [d, s, Arg::Imm(n)]) if is_sp(d) && is_sp(s) => SpEffect::Add(-*n),
            (Opc::Add, [d, s, Arg::Hex(n)]) if is_sp(d) && is_sp(s) => SpEffect::Add(*n as i64),
            (Opc::Sub, [d, s, Arg::Hex(n)]) if is_sp(d) && is_sp(s) => SpEffect::Add((*n as i64).wrapping_neg()),
            (Opc::Bl | Opc::Blr, _) => SpEffect::None,
            (_, [d, ..]) if self.writes_first() && is_sp(d) => SpEffect::Unknown,
            _ => SpEffect::None,
        }
    }
}

impl<'a> FrameInst<'a> for Inst<'a> {
    fn frame_op(&self, fp: u8) -> FrameOp<'a> {
        // Most instructions neither transfer control nor name sp or the
        // frame pointer.
        let control = matches!(self.op, Opc::B | Opc::BCond(_) | Opc::Cbz | Opc::Cbnz | Opc::Tbz | Opc::Tbnz | Opc::Br | Opc::Ret | Opc::Bl | Opc::Blr);
        let names_frame = self.args.iter().any(|a| match a {
            Arg::R(g) => g.n == SP || g.n == fp,
            Arg::Mem(Mem::Pre(b, _) | Mem::Post(b, _) | Mem::Off(b, _) | Mem::Base(b)) => *b == SP,
            _ => false,
        });
        if !control && !names_frame {
            return FrameOp::plain(SpEffect::None, Flow::Next);
        }
        let ops = self.operands();
        let flow = match (self.op, ops) {
            (Opc::B, [Arg::Label(s)]) if !matches!(s, Sym::Extern(_)) => Flow::Jump(*s),
            (Opc::Br, _) => Flow::Dispatch,
            (Opc::B | Opc::Ret, _) => Flow::Leave,
            (Opc::Bl, [Arg::Label(s)]) if !matches!(s, Sym::Extern(_)) => Flow::Call(Some(*s)),
            (Opc::Bl | Opc::Blr, _) => Flow::Call(None),
            _ => match self.short_branch_target() {
                Some(s) => Flow::Branch(s),
                None => Flow::Next,
            },
        };
        let mut op = FrameOp::plain(self.sp_effect(), flow);
        let x = |a: &Arg| match a {
            Arg::R(g) if g.wide && !g.is_zr() => Some(g.n),
            _ => None,
        };
        match (self.op, ops) {
            (Opc::Stp, [a, b, Arg::Mem(Mem::Pre(SP, _))]) => op.stores = [x(a).map(|r| (r, 0)), x(b).map(|r| (r, 8))],
            (Opc::Stp, [a, b, Arg::Mem(Mem::Off(SP, k))]) => op.stores = [x(a).map(|r| (r, *k)), x(b).map(|r| (r, *k + 8))],
            (Opc::Stp, [a, b, Arg::Mem(Mem::Base(SP))]) => op.stores = [x(a).map(|r| (r, 0)), x(b).map(|r| (r, 8))],
            (Opc::Str, [a, Arg::Mem(Mem::Pre(SP, _) | Mem::Base(SP))]) => op.stores[0] = x(a).map(|r| (r, 0)),
            (Opc::Str, [a, Arg::Mem(Mem::Off(SP, k))]) => op.stores[0] = x(a).map(|r| (r, *k)),
            (Opc::Ldp, [a, b, Arg::Mem(Mem::Post(SP, _) | Mem::Off(SP, _) | Mem::Base(SP))]) => op.loads = [x(a), x(b)],
            (Opc::Ldr, [a, Arg::Mem(Mem::Post(SP, _) | Mem::Off(SP, _) | Mem::Base(SP))]) => op.loads[0] = x(a),
            (Opc::Mov, [Arg::R(d), Arg::R(s)]) if d.n == fp && s.is_sp() => op.fp_from_sp = Some(0),
            (Opc::Mov, [Arg::R(d), Arg::R(s)]) if d.is_sp() && s.n == fp => op.sp_from_fp = Some(0),
            (Opc::Add | Opc::Sub, [Arg::R(d), Arg::R(s), Arg::Imm(n)]) => {
                let k = if self.op == Opc::Add { *n } else { -*n };
                if d.n == fp && s.is_sp() {
                    op.fp_from_sp = Some(k);
                } else if d.is_sp() && s.n == fp {
                    op.sp_from_fp = Some(k);
                }
            }
            _ => {}
        }
        let loads_fp = op.loads.contains(&Some(fp));
        if op.fp_from_sp.is_none() && !loads_fp {
            let writes_fp = match (self.op, ops) {
                (Opc::Ldp, [a, b, ..]) => x(a) == Some(fp) || x(b) == Some(fp),
                (_, [Arg::R(d), ..]) => self.writes_first() && d.n == fp,
                _ => false,
            };
            op.clobbers_fp = writes_fp;
        }
        op
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stack_pointer_effects() {
        let sp = Arg::R(Gp::x(SP));
        let x0 = Arg::R(Gp::x(0));
        let n = Arg::None;
        let push = Inst::new(Opc::Stp, [x0, x0, Arg::Mem(Mem::Pre(SP, -16)), n]);
        assert_eq!(push.sp_effect(), SpEffect::Add(-16));
        let pop = Inst::new(Opc::Ldp, [x0, x0, Arg::Mem(Mem::Post(SP, 16)), n]);
        assert_eq!(pop.sp_effect(), SpEffect::Add(16));
        assert_eq!(Inst::new(Opc::Sub, [sp, sp, Arg::Imm(32), n]).sp_effect(), SpEffect::Add(-32));
        assert_eq!(Inst::new(Opc::Add, [sp, sp, Arg::Imm(32), n]).sp_effect(), SpEffect::Add(32));
        assert_eq!(Inst::new(Opc::Mov, [sp, x0, n, n]).sp_effect(), SpEffect::Unknown);
        assert_eq!(Inst::new(Opc::Mov, [x0, sp, n, n]).sp_effect(), SpEffect::None);
        assert_eq!(Inst::new(Opc::Str, [x0, Arg::Mem(Mem::Off(SP, 8)), n, n]).sp_effect(), SpEffect::None);
        assert_eq!(Inst::new(Opc::Cmp, [sp, x0, n, n]).sp_effect(), SpEffect::None);
    }
}
