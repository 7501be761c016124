//! Phase 8: lowering and emission. One back end per architecture
//! (`x86_64/`, `arm64/`), each with the same files: `lower.rs` (validated
//! instructions to typed machine instructions), `inst.rs` (the machine
//! instructions), `emit.rs` (their text), `regs.rs` (register names and
//! scratch registers). `code.rs` is the buffer between lowering and
//! emission shared by both; object-format conventions (ELF, Mach-O, COFF:
//! symbol spelling, relocation operators, directives) are kept in
//! `obj.rs` and the ordering of parallel moves (`moveargs`) in
//! `parallel_move.rs`.

pub mod arm64;
pub mod code;
pub mod debug;
pub mod landing;
pub mod obj;
pub mod parallel_move;
pub mod unwind;
pub mod x86_64;

use crate::source::SourceMap;
use crate::target::regs::{PhysReg, Reg};
use crate::isa::{ArithOp, Cond, FlagCond, TestCond, Width};
use crate::valid::{MemAddr, Value};
use crate::target::{Arch, RegMap, Target};
use crate::valid::Program;

#[derive(Clone, Debug)]
pub struct EmitOptions {
    /// `.file`/`.loc` line information.
    pub debug_info: bool,
    /// Unwind tables (DWARF CFI, Windows SEH).
    pub unwind: bool,
    /// Hardened control flow: landing pads (`endbr64`, `bti`) at every
    /// label reached indirectly, and the ELF property note that says so.
    pub landing_pads: bool,
    /// The visibility of exported labels (TARGETS.md §8.2).
    pub visibility: Visibility,
    /// Alignment of exported labels in bytes, when larger than the
    /// target's (TARGETS.md §9: 16 on x86-64, 4 on ARM64); 0: the target's.
    pub label_align: u32,
}

impl Default for EmitOptions {
    fn default() -> Self {
        EmitOptions { debug_info: false, unwind: true, landing_pads: false, visibility: Visibility::Hidden, label_align: 0 }
    }
}

/// The visibility of exported labels (TARGETS.md §8.2): hidden by default
/// (`.hidden` on ELF, `.private_extern` on Mach-O), or default visibility
/// (`--visibility=default`: the symbols can be exported from a shared
/// library). COFF has no such directive.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum Visibility {
    #[default]
    Hidden,
    Default,
}

impl std::str::FromStr for Visibility {
    type Err = String;
    fn from_str(s: &str) -> Result<Visibility, String> {
        match s {
            "hidden" => Ok(Visibility::Hidden),
            "default" => Ok(Visibility::Default),
            _ => Err(format!("unknown visibility `{s}` (expected `hidden` or `default`)")),
        }
    }
}

pub fn emit(p: &Program, target: &Target, map: &SourceMap, opts: &EmitOptions) -> String {
    emit_reporting(p, target, map, opts, None).0
}

/// The assembly text, and a warning (`unwind-undescribed`) at every
/// statement where the unwind information cannot describe the frame.
/// `function_starts`: the C-ABI function starts the checks found, if they
/// ran (else the unwind information finds them).
pub fn emit_reporting(
    p: &Program,
    target: &Target,
    map: &SourceMap,
    opts: &EmitOptions,
    function_starts: Option<&crate::check::FunctionStarts>,
) -> (String, Vec<crate::diag::Diagnostic>) {
    let (asm, problems) = match target.arch {
        Arch::X86_64 => x86_64::emit(p, target, map, opts, function_starts),
        Arch::Arm64 => arm64::emit(p, target, map, opts, function_starts),
    };
    let diags = problems
        .into_iter()
        .filter_map(|(item, why)| match p.items.get(item as usize) {
            Some(crate::valid::Item::Instr(i)) => Some(crate::diag::Diagnostic::warning("unwind-undescribed", i.span, why).with_chain(i.chain.clone())),
            _ => None,
        })
        .collect();
    (asm, diags)
}

/// Operand accessors for validated instructions (kinds are guaranteed).
pub fn reg(v: &Value) -> Reg {
    match v {
        Value::Reg(r) => *r,
        other => unreachable!("validated register operand, got {other:?}"),
    }
}

pub fn imm(v: &Value) -> i128 {
    match v {
        Value::Imm(i) => *i,
        other => unreachable!("validated immediate operand, got {other:?}"),
    }
}

pub fn addr(v: &Value) -> &MemAddr {
    match v {
        Value::Addr(a) => a,
        other => unreachable!("validated address operand, got {other:?}"),
    }
}

/// The steps of an instruction with [`Effects::WRITES_ARGS`](crate::isa::Effects::WRITES_ARGS)
/// (`moveargs s0, …, sk`): the parallel move `a_n := s_n` in `map`'s
/// physical registers, ordered by [`parallel_move::schedule`].
pub fn arg_move_steps(map: RegMap, ops: &[Value]) -> Vec<parallel_move::Step<PhysReg>> {
    use parallel_move::Source;
    let phys = |r: Reg| map.phys(r).unwrap_or_else(|| unreachable!("validated register {}", r.name()));
    let moves: Vec<(PhysReg, Source<PhysReg>)> = ops
        .iter()
        .enumerate()
        .map(|(n, v)| {
            let src = match v {
                Value::Reg(r) => Source::Reg(phys(*r)),
                Value::Imm(i) => Source::Imm(*i),
                other => unreachable!("validated moveargs source, got {other:?}"),
            };
            (phys(Reg::arg(n)), src)
        })
        .collect();
    parallel_move::schedule(&moves)
}

/// The value of an immediate at `bits` bits (two's complement, as stored).
pub fn imm_bits(v: i128, bits: u32) -> u64 {
    let u = v as u128 as u64;
    if bits >= 64 {
        u
    } else {
        u & ((1u64 << bits) - 1)
    }
}

fn width_bits(w: Width) -> u32 {
    w.bits().unwrap_or(64)
}

fn is_zero(v: &Value, w: Width) -> bool {
    matches!(v, Value::Imm(i) if imm_bits(*i, width_bits(w)) == 0)
}

/// The outcome of a compare that does not depend on the values compared:
/// unsigned `x < 0` is never true and `x >= 0` always (in either operand
/// order), and a register compared with itself is equal to itself.
pub fn constant_compare(c: Cond, w: Width, l: &Value, r: &Value) -> Option<bool> {
    let (c, zero_right) = if is_zero(r, w) {
        (c, true)
    } else if is_zero(l, w) {
        (c.mirror(), true)
    } else {
        (c, false)
    };
    if zero_right {
        return match c {
            Cond::B => Some(false),
            Cond::Aeq => Some(true),
            _ => None,
        };
    }
    match (l, r) {
        (Value::Reg(a), Value::Reg(b)) if a == b => {
            Some(matches!(c, Cond::Eq | Cond::Aeq | Cond::Beq | Cond::Gteq | Cond::Lteq))
        }
        _ => None,
    }
}

/// The outcome of a test whose constant mask decides it: nothing of the
/// mask survives (`z` true, `nz` false), or the mask clears the sign bit
/// (`s` false).
pub fn constant_test(t: TestCond, w: Width, m: Option<&Value>) -> Option<bool> {
    let Some(Value::Imm(i)) = m else { return None };
    let bits = width_bits(w);
    let mask = imm_bits(*i, bits);
    match t {
        TestCond::S if mask >> (bits - 1) & 1 == 0 => Some(false),
        TestCond::Z if mask == 0 => Some(true),
        TestCond::Nz if mask == 0 => Some(false),
        _ => None,
    }
}

/// A test of the sign bit alone: `s` without a mask or with a constant mask
/// that keeps the sign bit.
pub fn sign_test(t: TestCond, w: Width, m: Option<&Value>) -> bool {
    let bits = width_bits(w);
    t == TestCond::S
        && match m {
            None => true,
            Some(Value::Imm(i)) => imm_bits(*i, bits) >> (bits - 1) & 1 == 1,
            _ => false,
        }
}

/// The branch of an operation-and-branch (§9.1) when it does not depend on
/// the operands: `x ± 0` and `x | y` never overflow, `x - x` and `x * 0` are
/// 0, `x | c` for a constant `c != 0` is never 0 (and always negative when
/// `c` is). `ops` are the operation's operands without the label.
pub fn constant_flag_branch(op: ArithOp, cond: FlagCond, w: Width, ops: &[Value]) -> Option<bool> {
    // The operand pair: `d OP s` (two operands), `a OP b` (three).
    let (x, y) = if ops.len() == 2 { (&ops[1], &ops[0]) } else { (&ops[0], &ops[1]) };
    let zero_result = match op {
        ArithOp::Sub => matches!((x, y), (Value::Reg(a), Value::Reg(b)) if a == b),
        ArithOp::Mul => is_zero(x, w) || is_zero(y, w),
        _ => false,
    };
    if zero_result {
        return Some(cond == FlagCond::Z);
    }
    match (op, cond) {
        (ArithOp::Or, FlagCond::O) => Some(false),
        (ArithOp::Add, FlagCond::O) if is_zero(x, w) || is_zero(y, w) => Some(false),
        (ArithOp::Sub, FlagCond::O) if is_zero(y, w) => Some(false),
        (ArithOp::Or, _) => {
            let bits = width_bits(w);
            let c = [x, y].into_iter().find_map(|v| match v {
                Value::Imm(i) => Some(imm_bits(*i, bits)),
                _ => None,
            })?;
            match cond {
                _ if c == 0 => None,
                FlagCond::Z => Some(false),
                FlagCond::Nz => Some(true),
                _ if c >> (bits - 1) & 1 == 1 => Some(true),
                _ => None,
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::back::code::{Backend, Line, MachInst, SpEffect};
    use crate::driver::{self, Input, Options};
    use crate::target::Target;
    use crate::valid::Item;

    /// What the machine-instruction layer records for a later unwind pass:
    /// each instruction's effect on sp, and the statement it came from.
    #[test]
    fn instructions_know_their_statement_and_their_effect_on_sp() {
        let text = "global _f\n_f:\n    push t0, t1\n    subp 32, sp\n    move sp, t2\n    addp 32, sp\n    pop t1, t0\n    ret\n";
        for triple in ["x86_64-unknown-linux-gnu", "x86_64-pc-windows-msvc", "aarch64-unknown-linux-gnu", "aarch64-apple-darwin"] {
            let target = Target::from_triple(triple).unwrap();
            let mut opts = Options::new(target.clone());
            opts.hazard_checks = false;
            let out = driver::check(Input::Text { path: std::path::Path::new("f.asm"), text: text.into() }, &opts).unwrap();
            let p = out.program.as_ref().expect("valid program");
            // Per statement (by source line): the sum of the sp effects, or None if one is unknown.
            let effects: Vec<(u32, Option<i64>)> = match target.arch {
                super::Arch::X86_64 => statement_effects(&mut super::x86_64::lower::Lower::new(target.regmap(), super::obj::Obj::new(&target), p), p, &out.map),
                super::Arch::Arm64 => statement_effects(&mut super::arm64::lower::Lower::new(target.regmap(), super::obj::Obj::new(&target), p), p, &out.map),
            };
            assert_eq!(effects, vec![(3, Some(-16)), (4, Some(-32)), (5, Some(0)), (6, Some(32)), (7, Some(16)), (8, Some(0))], "{triple}");
        }
    }

    fn statement_effects<'a, B: Backend<'a>>(b: &mut B, p: &'a crate::valid::Program, map: &crate::source::SourceMap) -> Vec<(u32, Option<i64>)> {
        for (k, item) in p.items.iter().enumerate() {
            if let Item::Instr(i) = item {
                let code = b.code();
                let first = code.lines.len() as u32;
                code.stmts.push(super::code::Stmt { first, item: k as u32, loc: None });
                b.lower(i);
            }
        }
        let code = b.code();
        let mut v = Vec::new();
        for s in &code.stmts {
            let Item::Instr(i) = &p.items[s.item as usize] else { unreachable!() };
            let line = map.file(i.span.file).line_col(i.span.start).0;
            let mut sum = Some(0);
            for (k, l) in code.lines.iter().enumerate().skip(s.first as usize) {
                if code.stmt_of(k).map(|t| t.item) != Some(s.item) {
                    break;
                }
                if let Line::Inst(inst) = l {
                    sum = match (sum, inst.sp_effect()) {
                        (Some(x), SpEffect::Add(d)) => Some(x + d),
                        (Some(x), SpEffect::None) => Some(x),
                        _ => None,
                    };
                }
            }
            v.push((line, sum));
        }
        v
    }
}
