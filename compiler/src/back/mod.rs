//! Phase 8: lowering and emission. One back end per architecture
//! (`x86_64/`, later `arm64/`), with object-format conventions (ELF,
//! Mach-O, COFF) kept in `obj.rs`.

pub mod arm64;
pub mod obj;
pub mod x86_64;

use std::fmt::Write;

use crate::source::SourceMap;
use crate::target::{Arch, Target};
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
