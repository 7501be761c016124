//! Rewrites of a stretch of lowered x86-64 code before it is written, where
//! one dialect instruction's code makes part of the next one's redundant:
//!
//! - a load into a register that only feeds the next ALU instruction is
//!   folded into it as a memory operand (`movl 12(%r14), %esi; addl %esi,
//!   %eax` → `addl 12(%r14), %eax`), when the register is dead afterwards;
//! - `test %r, %r` before a zero/sign branch is dropped when the last
//!   instruction to set the flags computed `%r` (`subq $8, %rax; … testq
//!   %rax, %rax; jne` → `subq $8, %rax; … jne`);
//! - a shift count loaded into a register only to be exchanged into `%rcx`
//!   and back is loaded into `%rcx`, whose value waits in the scratch
//!   register (`movl 16(%r14), %esi; xchgq %rsi, %rcx; shll %cl, %eax;
//!   xchgq %rsi, %rcx` → `movq %rcx, %r11; movl 16(%r14), %ecx; shll %cl,
//!   %eax; movq %r11, %rcx`), when the register is dead afterwards; when
//!   the count came from elsewhere, the exchange back becomes a move.
//!
//! Both are local to a straight run of code: a label, a branch or any
//! instruction not known here ends the run, so nothing is assumed about
//! code elsewhere. Lines removed are taken out of the statements' ranges.

use crate::back::code::{Code, Line};

use super::inst::{Arg, Base, Cc, Inst, Mem, Opc, Sfx, R11, RCX, RSP};
use super::regs::Size;

/// `rbp`: the frame pointer, left to the unwind tracker.
const RBP: u8 = 5;

pub fn run<'a>(code: &mut Code<'a, Inst<'a>>) {
    let mut removed = Vec::new();
    let lines = &mut code.lines;
    let mut k = 0;
    while k < lines.len() {
        if let Some(fused) = fold_load(lines, k) {
            lines[k + 1] = Line::Inst(fused);
            removed.push(k);
            k += 2;
            continue;
        }
        if let Some(moves) = count_into_rcx(lines, k) {
            for (j, i) in moves.into_iter().enumerate() {
                lines[k + j] = Line::Inst(i);
            }
            k += 4;
            continue;
        }
        if let Some(restore) = restore_rcx(lines, k) {
            lines[k + 2] = Line::Inst(restore);
            k += 3;
            continue;
        }
        if redundant_test(lines, k) {
            removed.push(k);
        }
        k += 1;
    }
    code.remove_lines(&removed);
}

fn inst<'l, 'a>(lines: &'l [Line<'a, Inst<'a>>], k: usize) -> Option<&'l Inst<'a>> {
    match lines.get(k) {
        Some(Line::Inst(i)) => Some(i),
        _ => None,
    }
}

/// `mov MEM, %x; op %x, %y` with `%x` dead afterwards → `op MEM, %y`.
fn fold_load<'a>(lines: &[Line<'a, Inst<'a>>], k: usize) -> Option<Inst<'a>> {
    let (load, next) = (inst(lines, k)?, inst(lines, k + 1)?);
    let (Opc::Mov, [Arg::Mem(m), Arg::Reg(x, sx)]) = (load.op, load.operands()) else { return None };
    if !matches!(load.sfx, Sfx::L | Sfx::Q) || next.sfx != load.sfx {
        return None;
    }
    let foldable = matches!(next.op, Opc::Add | Opc::Sub | Opc::And | Opc::Or | Opc::Xor | Opc::Cmp | Opc::Imul);
    let [Arg::Reg(s, ss), Arg::Reg(y, sy)] = next.operands() else { return None };
    if !foldable || s != x || ss != sx || sy != sx || y == x || [*x, *y].iter().any(|r| *r == RSP || *r == RBP) {
        return None;
    }
    if !dead_after(lines, k + 2, *x) {
        return None;
    }
    Some(Inst::new(next.op, next.sfx, [Arg::Mem(*m), Arg::Reg(*y, *sy), Arg::None]))
}

/// `mov MEM, %c; xchg %c, %rcx; SHIFT %cl, %d; xchg %c, %rcx`, with `%c`
/// dead afterwards → `mov %rcx, %r11; mov MEM, %ecx; SHIFT %cl, %d; mov
/// %r11, %rcx`. The same count of instructions, but an exchange is two or
/// three micro-ops and a register move one (often none, at renaming), and
/// the count goes straight from memory to `%cl`.
fn count_into_rcx<'a>(lines: &[Line<'a, Inst<'a>>], k: usize) -> Option<[Inst<'a>; 4]> {
    let (load, shift) = (inst(lines, k)?, inst(lines, k + 2)?);
    let (Opc::Mov, [Arg::Mem(m), Arg::Reg(c, size)]) = (load.op, load.operands()) else { return None };
    if !matches!(load.sfx, Sfx::L | Sfx::Q) || [RCX, R11, RSP, RBP].contains(c) || mentions(&Arg::Mem(*m), R11) {
        return None;
    }
    let swap = Inst::new(Opc::Xchg, Sfx::Q, [Arg::Reg(*c, Size::Q), Arg::Reg(RCX, Size::Q), Arg::None]);
    if inst(lines, k + 1)? != &swap || inst(lines, k + 3)? != &swap {
        return None;
    }
    let [Arg::Reg(RCX, Size::B), Arg::Reg(d, _)] = shift.operands() else { return None };
    if !matches!(shift.op, Opc::Shl | Opc::Shr | Opc::Sar | Opc::Rol | Opc::Ror) || [*c, RCX, R11].contains(d) {
        return None;
    }
    if !dead_after(lines, k + 4, *c) {
        return None;
    }
    let keep = |from: u8, to: u8| Inst::new(Opc::Mov, Sfx::Q, [Arg::Reg(from, Size::Q), Arg::Reg(to, Size::Q), Arg::None]);
    Some([
        keep(RCX, R11),
        Inst::new(Opc::Mov, load.sfx, [Arg::Mem(*m), Arg::Reg(RCX, *size), Arg::None]),
        *shift,
        keep(R11, RCX),
    ])
}

/// `xchg %c, %rcx; SHIFT %cl, %d; xchg %c, %rcx` with `%c` dead afterwards:
/// the second exchange only has to give `%rcx` its value back, which `%c`
/// holds (`mov %c, %rcx`: one micro-op where the exchange takes two or three).
fn restore_rcx<'a>(lines: &[Line<'a, Inst<'a>>], k: usize) -> Option<Inst<'a>> {
    let (Opc::Xchg, [Arg::Reg(c, Size::Q), Arg::Reg(RCX, Size::Q)]) = (inst(lines, k)?.op, inst(lines, k)?.operands()) else {
        return None;
    };
    if [RCX, RSP, RBP].contains(c) || inst(lines, k + 2)? != inst(lines, k)? {
        return None;
    }
    let shift = inst(lines, k + 1)?;
    let [Arg::Reg(RCX, Size::B), Arg::Reg(d, _)] = shift.operands() else { return None };
    if !matches!(shift.op, Opc::Shl | Opc::Shr | Opc::Sar | Opc::Rol | Opc::Ror) || [*c, RCX].contains(d) {
        return None;
    }
    if !dead_after(lines, k + 3, *c) {
        return None;
    }
    Some(Inst::new(Opc::Mov, Sfx::Q, [Arg::Reg(*c, Size::Q), Arg::Reg(RCX, Size::Q), Arg::None]))
}

/// Is register `r` overwritten, before anything reads it, in the straight
/// run of code from line `k`?
fn dead_after(lines: &[Line<'_, Inst<'_>>], k: usize, r: u8) -> bool {
    for line in &lines[k..] {
        let Line::Inst(i) = line else { return false };
        if !explicit_operands_only(i.op) {
            return false;
        }
        let ops = i.operands();
        let Some((dest, sources)) = ops.split_last() else { return false };
        let whole_write = matches!(i.op, Opc::Mov | Opc::Movzb | Opc::Movzw | Opc::Movsb | Opc::Movsw | Opc::Movsl | Opc::Lea)
            && matches!(dest, Arg::Reg(d, size) if *d == r && matches!(size, super::regs::Size::L | super::regs::Size::Q));
        if whole_write && !sources.iter().any(|a| mentions(a, r)) {
            return true;
        }
        if ops.iter().any(|a| mentions(a, r)) {
            return false;
        }
    }
    false
}

/// Instructions whose every register use is an explicit operand and which
/// do not transfer control.
fn explicit_operands_only(op: Opc) -> bool {
    matches!(
        op,
        Opc::Mov
            | Opc::Movzb
            | Opc::Movzw
            | Opc::Movsb
            | Opc::Movsw
            | Opc::Movsl
            | Opc::Lea
            | Opc::Add
            | Opc::Sub
            | Opc::And
            | Opc::Or
            | Opc::Xor
            | Opc::Cmp
            | Opc::Test
            | Opc::Neg
            | Opc::Not
            | Opc::Inc
            | Opc::Shl
            | Opc::Sar
            | Opc::Shr
            | Opc::Rol
            | Opc::Ror
    )
}

fn mentions(a: &Arg<'_>, r: u8) -> bool {
    let in_mem = |m: &Mem<'_>| m.base == Base::Reg(r) || m.index.is_some_and(|(i, _)| i == r);
    match a {
        Arg::Reg(x, _) | Arg::IndReg(x) => *x == r,
        Arg::Mem(m) | Arg::IndMem(m) => in_mem(m),
        _ => false,
    }
}

/// `test %r, %r` followed by a zero/sign branch, where the last
/// flag-setting instruction before it (in the same straight run) computed
/// `%r` at the same size and set ZF and SF from the result.
fn redundant_test(lines: &[Line<'_, Inst<'_>>], k: usize) -> bool {
    let Some(test) = inst(lines, k) else { return false };
    let (Opc::Test, [Arg::Reg(a, sa), Arg::Reg(b, _)]) = (test.op, test.operands()) else { return false };
    if a != b || !matches!(inst(lines, k + 1).map(|j| j.op), Some(Opc::J(Cc::E | Cc::Ne | Cc::Nz | Cc::S | Cc::Ns))) {
        return false;
    }
    for line in lines[..k].iter().rev() {
        let Line::Inst(i) = line else { return false };
        let ops = i.operands();
        let writes_r = matches!(ops.last(), Some(Arg::Reg(d, _)) if d == a);
        match i.op {
            // Sets ZF and SF from the result it writes.
            Opc::Add | Opc::Sub | Opc::And | Opc::Or | Opc::Xor | Opc::Neg | Opc::Inc => {
                return writes_r && i.sfx == test.sfx && matches!(ops.last(), Some(Arg::Reg(_, s)) if s == sa);
            }
            // Touch no flags: look further back unless they write %r.
            Opc::Mov | Opc::Movzb | Opc::Movzw | Opc::Movsb | Opc::Movsw | Opc::Movsl | Opc::Lea if !writes_r => {}
            _ => return false,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::super::regs::Size;
    use super::*;

    const RAX: u8 = 0;
    const RSI: u8 = 6;
    const R14: u8 = 14;

    fn i<'a>(op: Opc, sfx: Sfx, a: Arg<'a>, b: Arg<'a>) -> Line<'a, Inst<'a>> {
        Line::Inst(Inst::new(op, sfx, [a, b, Arg::None]))
    }
    fn reg(r: u8) -> Arg<'static> {
        Arg::Reg(r, Size::L)
    }
    fn field(off: i64) -> Arg<'static> {
        Arg::Mem(Mem::base(R14, off))
    }
    fn run_on(lines: Vec<Line<'static, Inst<'static>>>) -> Vec<Line<'static, Inst<'static>>> {
        let mut code = Code::default();
        code.lines = lines;
        run(&mut code);
        code.lines
    }

    #[test]
    fn a_load_feeding_an_add_is_folded_when_the_register_dies() {
        let out = run_on(vec![
            i(Opc::Mov, Sfx::L, field(12), reg(RSI)),
            i(Opc::Add, Sfx::L, reg(RSI), reg(RAX)),
            i(Opc::Mov, Sfx::L, field(16), reg(RSI)),
        ]);
        assert_eq!(out.len(), 2);
        assert!(matches!(&out[0], Line::Inst(x) if x.op == Opc::Add && x.operands() == [field(12), reg(RAX)]));
    }

    #[test]
    fn a_load_whose_register_is_read_later_stays() {
        let out = run_on(vec![
            i(Opc::Mov, Sfx::L, field(12), reg(RSI)),
            i(Opc::Add, Sfx::L, reg(RSI), reg(RAX)),
            i(Opc::Mov, Sfx::L, reg(RSI), field(16)),
        ]);
        assert_eq!(out.len(), 3);
        // Nothing known after the ALU instruction: the register may be live.
        let out = run_on(vec![i(Opc::Mov, Sfx::L, field(12), reg(RSI)), i(Opc::Add, Sfx::L, reg(RSI), reg(RAX))]);
        assert_eq!(out.len(), 2);
    }

    /// Only a plain `mov` is folded: `movslq 12(%r14), %rsi; addq %rsi,
    /// %rax` is not `addq 12(%r14), %rax` (that reads 64 bits where the
    /// load sign-extended 32). The execution corpus does not catch this
    /// shape; this test does.
    #[test]
    fn an_extending_load_is_not_folded() {
        let q = |r| Arg::Reg(r, Size::Q);
        let out = run_on(vec![
            i(Opc::Movsl, Sfx::Q, field(12), q(RSI)),
            i(Opc::Add, Sfx::Q, q(RSI), q(RAX)),
            i(Opc::Mov, Sfx::L, field(16), reg(RSI)),
        ]);
        assert_eq!(out.len(), 3);
        assert!(matches!(&out[0], Line::Inst(x) if x.op == Opc::Movsl));
    }

    #[test]
    fn test_after_a_sub_of_the_same_register_goes() {
        let q = |r| Arg::Reg(r, Size::Q);
        let out = run_on(vec![
            i(Opc::Sub, Sfx::Q, Arg::Imm(8), q(RAX)),
            i(Opc::Mov, Sfx::Q, Arg::Imm(0), field(0)),
            i(Opc::Test, Sfx::Q, q(RAX), q(RAX)),
            Line::Inst(Inst::new(Opc::J(Cc::Ne), Sfx::None, [Arg::None; 3])),
        ]);
        assert_eq!(out.len(), 3);
        // A compare-style branch (OF/CF) needs the test.
        let out = run_on(vec![
            i(Opc::Sub, Sfx::Q, Arg::Imm(8), q(RAX)),
            i(Opc::Test, Sfx::Q, q(RAX), q(RAX)),
            Line::Inst(Inst::new(Opc::J(Cc::Le), Sfx::None, [Arg::None; 3])),
        ]);
        assert_eq!(out.len(), 3);
    }

    /// `SHIFT %cl, %eax` with the count exchanged into rcx from rsi.
    fn shift_by(count: u8) -> Vec<Line<'static, Inst<'static>>> {
        let q = |r| Arg::Reg(r, Size::Q);
        vec![
            i(Opc::Xchg, Sfx::Q, q(count), q(RCX)),
            i(Opc::Shl, Sfx::L, Arg::Reg(RCX, Size::B), reg(RAX)),
            i(Opc::Xchg, Sfx::Q, q(count), q(RCX)),
        ]
    }

    #[test]
    fn a_loaded_shift_count_goes_straight_to_rcx() {
        let q = |r| Arg::Reg(r, Size::Q);
        let mut lines = vec![i(Opc::Mov, Sfx::L, field(16), reg(RSI))];
        lines.extend(shift_by(RSI));
        lines.push(i(Opc::Mov, Sfx::L, field(20), reg(RSI)));
        let out = run_on(lines);
        let ops: Vec<_> = out.iter().map(|l| match l {
            Line::Inst(x) => (x.op, x.operands().to_vec()),
            _ => unreachable!(),
        }).collect();
        assert_eq!(ops[0], (Opc::Mov, vec![q(RCX), q(R11)]));
        assert_eq!(ops[1], (Opc::Mov, vec![field(16), reg(RCX)]));
        assert_eq!(ops[2].0, Opc::Shl);
        assert_eq!(ops[3], (Opc::Mov, vec![q(R11), q(RCX)]));
        assert_eq!(out.len(), 5);
    }

    #[test]
    fn a_live_count_keeps_its_exchanges() {
        // The count is read after the shift: both exchanges stay.
        let mut lines = vec![i(Opc::Mov, Sfx::L, field(16), reg(RSI))];
        lines.extend(shift_by(RSI));
        lines.push(i(Opc::Add, Sfx::L, reg(RSI), reg(RAX)));
        let out = run_on(lines);
        assert_eq!(out.iter().filter(|l| matches!(l, Line::Inst(x) if x.op == Opc::Xchg)).count(), 2);
        // Nothing known after the shift: the count may be live.
        let out = run_on(shift_by(RSI));
        assert_eq!(out.iter().filter(|l| matches!(l, Line::Inst(x) if x.op == Opc::Xchg)).count(), 2);
    }

    #[test]
    fn a_dead_count_from_a_register_is_moved_back() {
        let q = |r| Arg::Reg(r, Size::Q);
        let mut lines = shift_by(RSI);
        lines.push(i(Opc::Mov, Sfx::L, field(20), reg(RSI)));
        let out = run_on(lines);
        assert!(matches!(&out[0], Line::Inst(x) if x.op == Opc::Xchg));
        assert!(matches!(&out[2], Line::Inst(x) if x.op == Opc::Mov && x.operands() == [q(RSI), q(RCX)]));
        // Shifting the count's own register: the exchange must give it back.
        let out = run_on(vec![
            i(Opc::Xchg, Sfx::Q, q(RSI), q(RCX)),
            i(Opc::Shl, Sfx::L, Arg::Reg(RCX, Size::B), reg(RSI)),
            i(Opc::Xchg, Sfx::Q, q(RSI), q(RCX)),
            i(Opc::Mov, Sfx::L, field(20), reg(RSI)),
        ]);
        assert_eq!(out.iter().filter(|l| matches!(l, Line::Inst(x) if x.op == Opc::Xchg)).count(), 2);
    }
}
