//! Phase 8: lowering and emission. One back end per architecture
//! (`x86_64/`, `arm64/`), with object-format conventions (ELF, Mach-O,
//! COFF) kept in `obj.rs` and the ordering of parallel moves (`moveargs`)
//! in `parallel_move.rs`.

pub mod arm64;
pub mod obj;
pub mod parallel_move;
pub mod x86_64;

use std::fmt::Write;

use std::collections::HashMap;

use crate::source::{FileId, SourceMap};
use crate::target::regs::{PhysReg, Reg};
use crate::valid::{MemAddr, Value};
use crate::target::{Arch, RegMap, Target};
use crate::valid::Program;

#[derive(Clone, Debug, Default)]
pub struct EmitOptions {
    /// `.file`/`.loc` line information.
    pub debug_info: bool,
}

/// Assembly text being written, one statement per line.
pub struct Asm {
    pub text: String,
    /// Counter for labels generated inside one instruction's lowering.
    next_label: u32,
    local_prefix: &'static str,
}

impl Asm {
    pub fn new(local_prefix: &'static str) -> Asm {
        Asm { text: String::with_capacity(1 << 16), next_label: 0, local_prefix }
    }
    /// An instruction or directive, indented.
    pub fn ins(&mut self, s: impl std::fmt::Display) {
        let _ = writeln!(self.text, "\t{s}");
    }
    pub fn label(&mut self, name: &str) {
        let _ = writeln!(self.text, "{name}:");
    }
    /// A fresh assembler-local label (`<P>oat<k>`, TARGETS.md §8.3).
    pub fn fresh_label(&mut self) -> String {
        self.next_label += 1;
        format!("{}oat{}", self.local_prefix, self.next_label)
    }
}

pub fn emit(p: &Program, target: &Target, map: &SourceMap, opts: &EmitOptions) -> String {
    match target.arch {
        Arch::X86_64 => x86_64::emit(p, target, map, opts),
        Arch::Arm64 => arm64::emit(p, target, map, opts),
    }
}

/// `.file N "path"` for every source file (with `-g`); returns the numbers.
pub fn debug_files(map: &SourceMap, out: &mut String) -> HashMap<FileId, usize> {
    let mut numbers = HashMap::new();
    for (id, f) in map.files() {
        let n = numbers.len() + 1;
        numbers.insert(id, n);
        let path = std::fs::canonicalize(&f.path).unwrap_or_else(|_| f.path.clone());
        let _ = writeln!(out, "\t.file {n} \"{}\"", path.display().to_string().replace('\\', "/"));
    }
    numbers
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
