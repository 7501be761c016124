//! The ARM64 back end: AAPCS64 Linux (ELF) and Apple (Mach-O), A64 GNU
//! assembler syntax (TARGETS.md §5, §6, §8). `lower.rs` turns validated
//! instructions into machine instructions (`inst.rs`), `peephole.rs` folds
//! what one instruction's code can take in of the next's; before `emit.rs`
//! writes a stretch of them, every conditional branch gets its short form
//! when its target is surely in range and `b.inv skip; b target; skip:`
//! otherwise (TARGETS.md §8.5).

pub mod emit;
pub mod inst;
pub mod lower;
pub mod peephole;
pub mod regs;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::back::code::{self, Backend, Code, LabelKey, Line, Sym, Text};
use crate::back::EmitOptions;
use crate::isa::{Effects, Op};
use crate::source::SourceMap;
use crate::target::Target;
use crate::valid::{Instr, Item, Program};

use inst::{Arg, Inst, Opc};
use lower::Lower;

/// Reach of `b.cond`/`cbz` (±1 MiB), with a margin for what the size
/// estimate cannot see.
const COND_RANGE: i64 = (1 << 20) - 4096;

/// Reach of `tbz`/`tbnz` (±32 KiB), with a margin; the distances it is
/// compared with are upper bounds (see `far_branches`).
const TEST_BIT_RANGE: i64 = (1 << 15) - 1024;

impl<'a> Backend<'a> for Lower<'a> {
    type Inst = Inst<'a>;

    fn code(&mut self) -> &mut Code<'a, Inst<'a>> {
        &mut self.code
    }

    fn lower(&mut self, i: &'a Instr) {
        self.instr(i);
    }

    fn landing_pad(&mut self, call: bool, jump: bool) {
        let op = match (call, jump) {
            (true, true) => Opc::BtiJc,
            (false, true) => Opc::BtiJ,
            _ => Opc::BtiC,
        };
        self.code.push(Inst::new(op, [Arg::None; 4]));
    }

    fn flush(&mut self, out: &mut Text) {
        peephole::run(&mut self.code);
        let far = far_branches(&self.code.lines);
        let Lower { code, obj, next_label, .. } = self;
        let obj = *obj;
        code::write_lines(out, obj, code, |out, k, i| {
            if !far.get(k).copied().unwrap_or(false) {
                return emit::write_inst(out, obj, i);
            }
            let Some(target) = i.short_branch_target() else { return emit::write_inst(out, obj, i) };
            *next_label += 1;
            let skip = Sym::Fresh(*next_label);
            emit::write_inst(out, obj, &i.inverted_to(skip));
            emit::write_inst(out, obj, &Inst::new(Opc::B, [Arg::Label(target), Arg::None, Arg::None, Arg::None]));
            obj.write_sym(out, skip);
            out.str(":\n");
        });
        code.clear();
    }
}

/// The assembly text, and what its unwind information cannot describe
/// (program item, why).
pub fn emit<'a>(
    p: &'a Program,
    target: &Target,
    map: &'a SourceMap,
    opts: &EmitOptions,
    function_starts: Option<&crate::check::FunctionStarts>,
) -> (String, Vec<(u32, String)>) {
    let uses_lse = p.items.iter().any(|i| {
        matches!(i, Item::Instr(i) if matches!(i.def().op, Op::AtomicRmw(_) | Op::AtomicCas { .. }) && i.def().effects.contains(Effects::ATOMIC))
    });
    let preamble = if uses_lse { "\t.arch_extension lse\n" } else { "" };
    code::emit_program(|obj| Lower::new(target.regmap(), obj, p), p, target, map, opts, function_starts, preamble)
}

/// A byte position: (segment, offset in it).
type Pos = (u32, i64);

/// Byte position of every line and of every label, under the size each
/// instruction is given; an aligned label or raw text makes positions
/// after it unknown relative to positions before it (tracked by a segment
/// number).
fn layout<'a>(lines: &[Line<'a, Inst<'a>>], size: impl Fn(usize, &Inst) -> i64) -> (Vec<Pos>, HashMap<LabelKey<'a>, Pos>) {
    let mut pos: Vec<Pos> = Vec::with_capacity(lines.len());
    let mut labels: HashMap<LabelKey<'a>, Pos> = HashMap::default();
    let (mut seg, mut at) = (0u32, 0i64);
    for (k, l) in lines.iter().enumerate() {
        pos.push((seg, at));
        match l {
            Line::Label(s) => {
                labels.insert(s.key(), (seg, at));
            }
            Line::Global { name, exported } => {
                if *exported {
                    seg += 1;
                    at = 0;
                }
                labels.insert(LabelKey::Global(name), (seg, at));
            }
            Line::Raw(_) => {
                seg += 1;
                at = 0;
            }
            Line::Inst(i) => at += size(k, i),
            Line::EndGlobal(_) | Line::Align(_) => {}
        }
    }
    (pos, labels)
}

/// Which lines are conditional branches that need the far form: their
/// target is not surely within reach (or not in this stretch of code).
fn far_branches<'a>(lines: &[Line<'a, Inst<'a>>]) -> Vec<bool> {
    let branch = |l: &Line<'a, Inst<'a>>| match l {
        Line::Inst(i) => i.short_branch_target().map(|t| (t, i.is_test_bit_branch())),
        _ => None,
    };
    let (mut branches, mut insts, mut break_inside) = (0usize, 0usize, false);
    for (k, l) in lines.iter().enumerate() {
        match l {
            Line::Inst(i) => {
                insts += 1;
                branches += i.short_branch_target().is_some() as usize;
            }
            Line::Raw(_) | Line::Global { exported: true, .. } => break_inside |= k > 0,
            _ => {}
        }
    }
    if branches == 0 {
        return Vec::new();
    }
    if !break_inside && 8 * (insts as i64) < TEST_BIT_RANGE {
        // One segment, and every distance in it is below the reach of the
        // shortest branch (an instruction is at most 8 bytes here): a
        // branch is far exactly when its target is not in this code.
        let labels: HashSet<LabelKey<'a>> = lines
            .iter()
            .filter_map(|l| match l {
                Line::Label(s) => Some(s.key()),
                Line::Global { name, .. } => Some(LabelKey::Global(name)),
                _ => None,
            })
            .collect();
        return lines.iter().map(|l| branch(l).is_some_and(|(t, _)| !labels.contains(&t.key()))).collect();
    }
    let within = |labels: &HashMap<LabelKey, Pos>, from: Pos, target: Sym, range: i64| match labels.get(&target.key()) {
        Some(&(s, a)) => s == from.0 && (a - from.1).abs() < range,
        None => false,
    };
    // b.cond and cbz/cbnz: every instruction 4 bytes (tbz/tbnz at most 8),
    // the margin of COND_RANGE covering far forms.
    let (pos, labels) = layout(lines, |_, i| if i.is_test_bit_branch() { 8 } else { 4 });
    let near: Vec<bool> = lines
        .iter()
        .enumerate()
        .map(|(k, l)| match branch(l) {
            Some((t, false)) => within(&labels, pos[k], t, COND_RANGE),
            _ => false,
        })
        .collect();
    // tbz/tbnz: again with those branches at their chosen size and every
    // tbz/tbnz at its far size, so that each distance is an upper bound.
    let (pos, labels) = layout(lines, |k, i| match i.short_branch_target() {
        Some(_) if i.is_test_bit_branch() || !near[k] => 8,
        _ => 4,
    });
    lines
        .iter()
        .enumerate()
        .map(|(k, l)| match branch(l) {
            Some((t, true)) => !within(&labels, pos[k], t, TEST_BIT_RANGE),
            Some((_, false)) => !near[k],
            None => false,
        })
        .collect()
}
