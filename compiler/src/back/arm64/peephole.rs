//! Rewrites of a stretch of lowered ARM64 code before it is written, where
//! one dialect instruction's code can take in the next one's:
//!
//! - a register advanced by a small constant and then used as the base of a
//!   load becomes the load's pre-index writeback (`add x20, x20, #24; ldr
//!   x16, [x20]` → `ldr x16, [x20, #24]!`): an interpreter's dispatch
//!   (`addp 24, PC; jmp [PC]`) is one instruction shorter.
//!
//! Local to two adjacent instructions: a label between them keeps both.
//! Lines removed are taken out of the statements' ranges.

use crate::back::code::{Code, Line};

use super::inst::{Arg, Inst, Mem, Opc, Sfx, SP};

/// `x29`: the frame pointer, left to the unwind tracker.
const FP: u8 = 29;

/// The reach of a pre-index offset (signed 9 bits, unscaled).
const PRE_INDEX: std::ops::RangeInclusive<i64> = -256..=255;

pub fn run<'a>(code: &mut Code<'a, Inst<'a>>) {
    let mut removed = Vec::new();
    let lines = &mut code.lines;
    let mut k = 0;
    while k + 1 < lines.len() {
        if let Some(fused) = pre_index_load(lines, k) {
            lines[k + 1] = Line::Inst(fused);
            removed.push(k);
            k += 2;
            continue;
        }
        k += 1;
    }
    code.remove_lines(&removed);
}

/// `add xN, xN, #imm; ldr R, [xN]` → `ldr R, [xN, #imm]!` (or `sub` and
/// `-imm`), for a load into
/// another register than `xN` (the writeback form requires it). The stack
/// and frame pointers are left alone: their moves are the unwind
/// information's.
fn pre_index_load<'a>(lines: &[Line<'a, Inst<'a>>], k: usize) -> Option<Inst<'a>> {
    let (Some(Line::Inst(add)), Some(Line::Inst(load))) = (lines.get(k), lines.get(k + 1)) else {
        return None;
    };
    let (op @ (Opc::Add | Opc::Sub), Sfx::None, [Arg::R(d), Arg::R(s), Arg::Hex(n)]) = (add.op, add.sfx, add.operands()) else {
        return None;
    };
    let Ok(n) = i64::try_from(*n) else { return None };
    let imm = if op == Opc::Sub { -n } else { n };
    if d != s || !d.wide || d.n == SP || d.n == FP || !PRE_INDEX.contains(&imm) {
        return None;
    }
    let (Opc::Ldr, [dest, Arg::Mem(Mem::Base(b) | Mem::Off(b, 0))]) = (load.op, load.operands()) else {
        return None;
    };
    if *b != d.n || matches!(dest, Arg::R(r) if r.n == d.n) || !matches!(dest, Arg::R(_) | Arg::F(..)) {
        return None;
    }
    let mut fused = *load;
    fused.args[1] = Arg::Mem(Mem::Pre(d.n, imm));
    Some(fused)
}
