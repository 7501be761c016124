//! x86-64 machine instructions: an opcode (the AT&T mnemonic's stem), its
//! operand-size suffix, and up to three typed operands in AT&T order
//! (sources first, the destination last). `emit.rs` writes them.

use crate::back::code::{MachInst, SpEffect, Sym};
use crate::back::unwind::{FrameInst, FrameOp, Flow};

use super::regs::Size;

/// Hardware number of `rsp`.
pub const RSP: u8 = 4;
/// Hardware number of `rcx` (shift counts are in `cl`).
pub const RCX: u8 = 1;
/// Hardware number of `rax`.
pub const RAX: u8 = 0;
/// The general-purpose scratch register, `r11` (never a logical register).
pub const R11: u8 = 11;

/// The mnemonic's stem; the suffix ([`Sfx`]) follows it.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Opc {
    Mov,
    Movabs,
    /// `movzb`/`movzw` + destination size: zero-extending moves.
    Movzb,
    Movzw,
    /// `movsb`/`movsw`/`movsl` + destination size: sign-extending moves.
    Movsb,
    Movsw,
    Movsl,
    Lea,
    Push,
    Pop,
    Add,
    Sub,
    Imul,
    And,
    Or,
    Xor,
    Neg,
    Not,
    Inc,
    Shl,
    Sar,
    Shr,
    Rol,
    Ror,
    Test,
    Cmp,
    Bts,
    Bsr,
    Bsf,
    Cltd,
    Cqto,
    Idiv,
    Div,
    Set(Cc),
    J(Cc),
    Jmp,
    Call,
    Ret,
    Int3,
    Nop,
    /// An indirect-branch landing pad (CET IBT).
    Endbr64,
    Mfence,
    LockCmpxchg,
    LockXadd,
    Xchg,
    // SSE (`s`/`d` suffixes: single/double precision).
    Sqrts,
    Rounds,
    Adds,
    Subs,
    Muls,
    Divs,
    Ucomis,
    Cmpeqs,
    Cmpneqs,
    Movmskp,
    Cvtsd2ss,
    Cvtss2sd,
    Cvtsi2ss,
    Cvtsi2sd,
    Cvttss2si,
    Cvttsd2si,
    Movss,
    Movsd,
    Movups,
    Movaps,
    Movd,
    /// `movq` between an XMM register and a GPR or XMM register.
    Movq,
    Xorps,
    Xorpd,
    Andps,
    Andpd,
    Orps,
    Orpd,
    Insertps,
    Pinsrd,
    Pextrd,
    Pcmpeqq,
    Psll,
    Psrl,
}

/// A condition code (`set<cc>`, `j<cc>`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Cc {
    E,
    Ne,
    A,
    Ae,
    B,
    Be,
    G,
    Ge,
    L,
    Le,
    S,
    Ns,
    O,
    P,
    Np,
    Nc,
    Nz,
}

/// The suffix after the stem: an operand size, an SSE precision, or none.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Sfx {
    None,
    B,
    W,
    L,
    Q,
    /// `s`: single precision (`addss`); `d`: double (`addsd`) or dword (`pslld`).
    S,
    D,
}

impl From<Size> for Sfx {
    fn from(s: Size) -> Sfx {
        match s {
            Size::B => Sfx::B,
            Size::W => Sfx::W,
            Size::L => Sfx::L,
            Size::Q => Sfx::Q,
        }
    }
}

/// The base of a memory operand.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Base {
    None,
    Reg(u8),
    Rip,
}

/// The displacement of a memory operand.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Disp<'a> {
    /// A number (written when non-zero, or when it is the whole operand).
    Num(i64),
    /// A number written even when it is 0 (`0(%rsp)`).
    Always(i64),
    /// `sym+off`.
    Sym(Sym<'a>, i64),
    /// `(plus - minus)+off`.
    Diff(Sym<'a>, Sym<'a>, i64),
    /// `sym@GOTPCREL`.
    Got(Sym<'a>),
}

/// `disp(base, index, scale)`, optionally `%gs:`-relative.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Mem<'a> {
    pub disp: Disp<'a>,
    pub base: Base,
    /// Index register and scale (a scale of 0 is not written: `(b, i)`).
    pub index: Option<(u8, u8)>,
    pub gs: bool,
}

impl<'a> Mem<'a> {
    /// `off(base)`.
    pub fn base(base: u8, off: i64) -> Mem<'a> {
        Mem { disp: Disp::Num(off), base: Base::Reg(base), index: None, gs: false }
    }

    /// The same address `d` bytes further.
    pub fn plus(self, d: i64) -> Mem<'a> {
        let disp = match self.disp {
            Disp::Num(o) => Disp::Num(o + d),
            Disp::Always(o) => Disp::Always(o + d),
            Disp::Sym(s, o) => Disp::Sym(s, o + d),
            Disp::Diff(p, m, o) => Disp::Diff(p, m, o + d),
            Disp::Got(_) => unreachable!("no offset from a GOT entry"),
        };
        Mem { disp, ..self }
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Arg<'a> {
    None,
    /// A general-purpose register (hardware number) at an operand size.
    Reg(u8, Size),
    Xmm(u8),
    /// `$n`.
    Imm(i64),
    /// `$0x…`, at least two digits (`$0x0e`).
    ImmHex(u64),
    /// `$(plus - minus)+off`.
    ImmDiff(Sym<'a>, Sym<'a>, i64),
    Mem(Mem<'a>),
    /// A branch or call target.
    Target(Sym<'a>),
    /// `*%reg`: an indirect branch or call target.
    IndReg(u8),
    /// `*mem`.
    IndMem(Mem<'a>),
}

impl Arg<'_> {
    fn is_reg(&self, r: u8) -> bool {
        matches!(self, Arg::Reg(x, _) if *x == r)
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Inst<'a> {
    pub op: Opc,
    pub sfx: Sfx,
    pub args: [Arg<'a>; 3],
}

impl<'a> Inst<'a> {
    pub fn new(op: Opc, sfx: impl Into<Sfx>, args: [Arg<'a>; 3]) -> Inst<'a> {
        Inst { op, sfx: sfx.into(), args }
    }

    /// The operands present.
    pub fn operands(&self) -> &[Arg<'a>] {
        let n = self.args.iter().position(|a| matches!(a, Arg::None)).unwrap_or(3);
        &self.args[..n]
    }

    /// Does the instruction write its last operand? (Compares, tests,
    /// pushes, stores of flags and branches do not.)
    fn writes_last(&self) -> bool {
        !matches!(
            self.op,
            Opc::Test | Opc::Cmp | Opc::Ucomis | Opc::Push | Opc::J(_) | Opc::Jmp | Opc::Call | Opc::Ret | Opc::Idiv | Opc::Div | Opc::Endbr64
        )
    }
}

impl MachInst for Inst<'_> {
    fn sp_effect(&self) -> SpEffect {
        let ops = self.operands();
        match (self.op, ops) {
            (Opc::Push, _) => SpEffect::Add(-8),
            (Opc::Pop, [d]) if d.is_reg(RSP) => SpEffect::Unknown,
            (Opc::Pop, _) => SpEffect::Add(8),
            (Opc::Add, [Arg::Imm(n), d]) if self.sfx == Sfx::Q && d.is_reg(RSP) => SpEffect::Add(*n),
            (Opc::Sub, [Arg::Imm(n), d]) if self.sfx == Sfx::Q && d.is_reg(RSP) => SpEffect::Add(-*n),
            (Opc::Lea, [Arg::Mem(Mem { disp: Disp::Num(n) | Disp::Always(n), base: Base::Reg(RSP), index: None, gs: false }), d])
                if self.sfx == Sfx::Q && d.is_reg(RSP) =>
            {
                SpEffect::Add(*n)
            }
            // Both operands of an exchange are written.
            (Opc::Xchg | Opc::LockXadd | Opc::LockCmpxchg, _) if ops.iter().any(|a| a.is_reg(RSP)) => SpEffect::Unknown,
            // A call returns with sp as it was; `ret` leaves the function.
            (Opc::Call | Opc::Ret, _) => SpEffect::None,
            (_, [.., d]) if self.writes_last() && d.is_reg(RSP) => SpEffect::Unknown,
            _ => SpEffect::None,
        }
    }
}

impl<'a> FrameInst<'a> for Inst<'a> {
    fn frame_op(&self, fp: u8) -> FrameOp<'a> {
        // Most instructions neither transfer control nor name rsp or the
        // frame pointer as a register.
        let control = matches!(self.op, Opc::J(_) | Opc::Jmp | Opc::Call | Opc::Ret | Opc::Push | Opc::Pop);
        if !control && !self.args.iter().any(|a| matches!(a, Arg::Reg(r, _) if *r == RSP || *r == fp)) {
            return FrameOp::plain(SpEffect::None, Flow::Next);
        }
        let ops = self.operands();
        let flow = match (self.op, ops) {
            (Opc::J(_), [Arg::Target(s)]) => Flow::Branch(*s),
            (Opc::Jmp, [Arg::Target(s)]) if !matches!(s, Sym::Extern(_)) => Flow::Jump(*s),
            (Opc::Jmp, [Arg::IndReg(_) | Arg::IndMem(_)]) => Flow::Dispatch,
            (Opc::Jmp | Opc::Ret, _) => Flow::Leave,
            (Opc::Call, [Arg::Target(s)]) if !matches!(s, Sym::Extern(_)) => Flow::Call(Some(*s)),
            (Opc::Call, _) => Flow::Call(None),
            _ => Flow::Next,
        };
        let mut op = FrameOp::plain(self.sp_effect(), flow);
        let q = self.sfx == Sfx::Q;
        match (self.op, ops) {
            (Opc::Push, [Arg::Reg(r, _)]) => op.stores[0] = Some((*r, 0)),
            (Opc::Pop, [Arg::Reg(r, _)]) => op.loads[0] = Some(*r),
            (Opc::Mov, [s, d]) if q && s.is_reg(RSP) && d.is_reg(fp) => op.fp_from_sp = Some(0),
            (Opc::Mov, [s, d]) if q && s.is_reg(fp) && d.is_reg(RSP) => op.sp_from_fp = Some(0),
            (Opc::Lea, [Arg::Mem(Mem { disp: Disp::Num(n) | Disp::Always(n), base: Base::Reg(b), index: None, gs: false }), d]) if q => {
                if *b == fp && d.is_reg(RSP) {
                    op.sp_from_fp = Some(*n);
                } else if *b == RSP && d.is_reg(fp) {
                    op.fp_from_sp = Some(*n);
                }
            }
            _ => {}
        }
        if op.fp_from_sp.is_none() && self.op != Opc::Pop {
            let writes_fp = match ops {
                [.., d] if self.writes_last() && d.is_reg(fp) => true,
                _ => matches!(self.op, Opc::Xchg | Opc::LockXadd | Opc::LockCmpxchg) && ops.iter().any(|a| a.is_reg(fp)),
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
        let rsp = Arg::Reg(RSP, Size::Q);
        let rax = Arg::Reg(RAX, Size::Q);
        let n = Arg::None;
        assert_eq!(Inst::new(Opc::Push, Sfx::Q, [rax, n, n]).sp_effect(), SpEffect::Add(-8));
        assert_eq!(Inst::new(Opc::Pop, Sfx::Q, [rax, n, n]).sp_effect(), SpEffect::Add(8));
        assert_eq!(Inst::new(Opc::Pop, Sfx::Q, [rsp, n, n]).sp_effect(), SpEffect::Unknown);
        assert_eq!(Inst::new(Opc::Sub, Sfx::Q, [Arg::Imm(32), rsp, n]).sp_effect(), SpEffect::Add(-32));
        assert_eq!(Inst::new(Opc::Add, Sfx::Q, [Arg::Imm(16), rsp, n]).sp_effect(), SpEffect::Add(16));
        assert_eq!(Inst::new(Opc::Lea, Sfx::Q, [Arg::Mem(Mem::base(RSP, -8)), rsp, n]).sp_effect(), SpEffect::Add(-8));
        assert_eq!(Inst::new(Opc::Mov, Sfx::Q, [rax, rsp, n]).sp_effect(), SpEffect::Unknown);
        assert_eq!(Inst::new(Opc::Mov, Sfx::Q, [rsp, rax, n]).sp_effect(), SpEffect::None);
        assert_eq!(Inst::new(Opc::Cmp, Sfx::Q, [rax, rsp, n]).sp_effect(), SpEffect::None);
        assert_eq!(Inst::new(Opc::Xchg, Sfx::Q, [rsp, rax, n]).sp_effect(), SpEffect::Unknown);
    }
}
