//! The x86-64 back end: System V (ELF, Mach-O) and Windows x64 (COFF),
//! GNU-assembler AT&T syntax (TARGETS.md §3, §4, §8). `lower.rs` turns
//! validated instructions into machine instructions (`inst.rs`),
//! `peephole.rs` folds what one instruction's code makes redundant in the
//! next's, `emit.rs` writes them.

pub mod emit;
pub mod inst;
pub mod lower;
pub mod peephole;
pub mod regs;

use crate::back::code::{self, Backend, Code, Text};
use crate::back::EmitOptions;
use crate::source::SourceMap;
use crate::target::Target;
use crate::valid::{Instr, Program};

use inst::Inst;
use lower::Lower;

impl<'a> Backend<'a> for Lower<'a> {
    type Inst = Inst<'a>;

    fn code(&mut self) -> &mut Code<'a, Inst<'a>> {
        &mut self.code
    }

    fn lower(&mut self, i: &'a Instr) {
        self.instr(i);
    }

    fn landing_pad(&mut self, _call: bool, _jump: bool) {
        self.code.push(Inst::new(inst::Opc::Endbr64, inst::Sfx::None, [inst::Arg::None; 3]));
    }

    fn flush(&mut self, out: &mut Text) {
        peephole::run(&mut self.code);
        let obj = self.obj;
        code::write_lines(out, obj, &mut self.code, |out, _, i| emit::write_inst(out, obj, i));
        self.code.clear();
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
    code::emit_program(|obj| Lower::new(target.regmap(), obj, p), p, target, map, opts, function_starts, "")
}
