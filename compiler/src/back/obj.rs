//! Object-format conventions (TARGETS.md §8.2–§8.5): symbol spelling, local
//! labels, directives for exported and file-local labels, file skeletons.
//! Every difference between ELF, Mach-O and COFF lives here.

use crate::back::code::{Sym, Text};
use crate::front::lexer::Name;
use crate::target::{Arch, ObjFormat, Target};
use crate::valid::Program;

/// A relocation operator on a symbolic operand.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Reloc {
    /// ARM64 `adrp`: the symbol's 4 KiB page.
    Page,
    /// ARM64: the low 12 bits of the address (`add`, a load's offset).
    PageOff,
    /// ARM64 `adrp`: the page of the symbol's GOT entry.
    GotPage,
    /// ARM64: the low 12 bits of the GOT entry's address (`ldr`).
    GotPageOff,
    /// x86-64: the symbol's GOT entry, PC-relative.
    GotPcRel,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Obj {
    pub format: ObjFormat,
    pub arch: Arch,
    /// Exported labels get hidden visibility (ELF `.hidden`, Mach-O
    /// `.private_extern`): the default, TARGETS.md §8.2.
    pub hidden: bool,
    /// log2 of the alignment of exported labels, when the user asked for
    /// more than the target's.
    pub label_p2align: Option<u32>,
}

impl Obj {
    pub fn new(t: &Target) -> Obj {
        Obj { format: t.obj, arch: t.arch, hidden: true, label_p2align: None }
    }

    pub fn with_visibility(self, v: crate::back::Visibility) -> Obj {
        Obj { hidden: v == crate::back::Visibility::Hidden, ..self }
    }

    /// Exported labels aligned to `bytes` (a power of two; 0 or less than
    /// the target's alignment: the target's).
    pub fn with_label_align(self, bytes: u32) -> Obj {
        let p2 = bytes.checked_ilog2().filter(|&p| p > self.default_code_alignment());
        Obj { label_p2align: p2, ..self }
    }

    /// Assembler-local label prefix.
    pub fn local_prefix(self) -> &'static str {
        match self.format {
            ObjFormat::MachO => "L",
            ObjFormat::Elf | ObjFormat::Coff => ".L",
        }
    }

    /// The bare name of a global label spelled `_name` in the dialect.
    fn bare(label: &str) -> &str {
        label.strip_prefix('_').unwrap_or(label)
    }

    /// How code in `prog` refers to a label (branch target, displacement):
    /// local labels by their assembler-local name, labels defined in this
    /// output through their in-file name, anything else by its symbol.
    pub fn code_ref<'a>(self, name: &'a Name, local: bool, prog: &Program) -> Sym<'a> {
        if local {
            Sym::Local(name)
        } else if prog.defined.contains(&**name) {
            self.internal_ref(name, prog.exports.contains(&**name))
        } else {
            Sym::Extern(name)
        }
    }

    /// References from inside the file to an exported label go through a
    /// file-local twin on ELF and COFF (no PC-relative reference to a
    /// preemptible symbol, §8.2); on Mach-O the symbol itself is used.
    pub fn internal_ref(self, name: &Name, exported: bool) -> Sym<'_> {
        match (self.format, exported) {
            (ObjFormat::MachO, _) | (_, false) => Sym::Symbol(name),
            _ => Sym::Twin(name),
        }
    }

    /// Writes a symbol's assembler spelling.
    pub fn write_sym(self, out: &mut Text, s: Sym) {
        match s {
            Sym::Local(n) => {
                out.str(self.local_prefix());
                out.str(n);
            }
            Sym::Symbol(n) | Sym::Extern(n) => self.write_symbol(out, n),
            Sym::Twin(n) => {
                out.str(self.local_prefix());
                out.str("oa_g_");
                out.str(Self::bare(n));
            }
            Sym::Fresh(k) => {
                out.str(self.local_prefix());
                out.str("oat");
                out.u64(k as u64);
            }
        }
    }

    /// The object symbol of global label `label`.
    fn write_symbol(self, out: &mut Text, label: &str) {
        if self.format == ObjFormat::MachO {
            out.byte(b'_');
        }
        out.str(Self::bare(label));
    }

    /// A branch or call target: calls to a symbol not defined here go
    /// through the PLT on ELF x86-64.
    pub fn write_branch_target(self, out: &mut Text, s: Sym) {
        self.write_sym(out, s);
        if matches!(s, Sym::Extern(_)) && self.format == ObjFormat::Elf && self.arch == Arch::X86_64 {
            out.str("@PLT");
        }
    }

    /// A relocated reference to `s` (plus `off`) in the object format's syntax.
    pub fn write_reloc(self, out: &mut Text, r: Reloc, s: Sym, off: i64) {
        let (prefix, suffix) = match (self.format, r) {
            (ObjFormat::MachO, Reloc::Page) => ("", "@PAGE"),
            (ObjFormat::MachO, Reloc::PageOff) => ("", "@PAGEOFF"),
            (ObjFormat::MachO, Reloc::GotPage) => ("", "@GOTPAGE"),
            (ObjFormat::MachO, Reloc::GotPageOff) => ("", "@GOTPAGEOFF"),
            (_, Reloc::Page) => ("", ""),
            (_, Reloc::PageOff) => (":lo12:", ""),
            (_, Reloc::GotPage) => (":got:", ""),
            (_, Reloc::GotPageOff) => (":got_lo12:", ""),
            (_, Reloc::GotPcRel) => ("", "@GOTPCREL"),
        };
        out.str(prefix);
        self.write_sym(out, s);
        out.offset(off);
        out.str(suffix);
    }

    pub fn comment(self) -> &'static str {
        match self.arch {
            Arch::X86_64 => "#",
            Arch::Arm64 => "//",
        }
    }

    fn function_type(self) -> &'static str {
        match self.arch {
            Arch::X86_64 => "@function",
            Arch::Arm64 => "%function",
        }
    }

    /// log2 of the alignment of exported labels.
    pub fn code_alignment(self) -> u32 {
        self.label_p2align.unwrap_or(self.default_code_alignment())
    }

    fn default_code_alignment(self) -> u32 {
        match self.arch {
            Arch::X86_64 => 4,
            Arch::Arm64 => 2,
        }
    }

    pub fn file_start(self) -> &'static str {
        "\t.text\n"
    }

    /// Directives and label lines that define global label `label`.
    pub fn write_define_global(self, out: &mut Text, label: &Name, exported: bool) {
        let sym = |out: &mut Text| self.write_symbol(out, label);
        let align = |out: &mut Text| {
            out.str("\t.p2align ");
            out.u64(self.code_alignment() as u64);
            out.byte(b'\n');
        };
        let directive = |out: &mut Text, d: &str| {
            out.byte(b'\t');
            out.str(d);
            out.byte(b'\t');
            sym(out);
            out.byte(b'\n');
        };
        let label_line = |out: &mut Text, s: Sym| {
            self.write_sym(out, s);
            out.str(":\n");
        };
        match (self.format, exported) {
            (ObjFormat::Elf, true) => {
                directive(out, ".globl");
                if self.hidden {
                    directive(out, ".hidden");
                }
                out.str("\t.type\t");
                sym(out);
                out.str(", ");
                out.str(self.function_type());
                out.byte(b'\n');
                align(out);
                label_line(out, Sym::Symbol(label));
                label_line(out, Sym::Twin(label));
            }
            (ObjFormat::Elf, false) => {
                out.str("\t.type\t");
                sym(out);
                out.str(", ");
                out.str(self.function_type());
                out.byte(b'\n');
                label_line(out, Sym::Symbol(label));
            }
            (ObjFormat::MachO, true) => {
                directive(out, ".globl");
                if self.hidden {
                    directive(out, ".private_extern");
                }
                align(out);
                label_line(out, Sym::Symbol(label));
            }
            (ObjFormat::MachO, false) => label_line(out, Sym::Symbol(label)),
            (ObjFormat::Coff, true) => {
                directive(out, ".globl");
                out.str("\t.def\t");
                sym(out);
                out.str("; .scl 2; .type 32; .endef\n");
                align(out);
                label_line(out, Sym::Symbol(label));
                label_line(out, Sym::Twin(label));
            }
            (ObjFormat::Coff, false) => {
                out.str("\t.def\t");
                sym(out);
                out.str("; .scl 3; .type 32; .endef\n");
                label_line(out, Sym::Symbol(label));
            }
        }
    }

    /// Where a global label's extent ends (ELF `.size`).
    pub fn write_end_global(self, out: &mut Text, label: &Name) {
        if self.format == ObjFormat::Elf {
            out.str("\t.size\t");
            self.write_symbol(out, label);
            out.str(", . - ");
            self.write_symbol(out, label);
            out.byte(b'\n');
        } else if self.arch == Arch::Arm64 {
            // The ARM64 output has always had an empty line in its place.
            out.byte(b'\n');
        }
    }

    pub fn file_end(self) -> &'static str {
        match (self.format, self.arch) {
            (ObjFormat::Elf, Arch::X86_64) => "\t.section .note.GNU-stack,\"\",@progbits\n",
            (ObjFormat::Elf, _) => "\t.section .note.GNU-stack,\"\",%progbits\n",
            _ => "",
        }
    }

    /// The ELF note that marks the object as compatible with indirect-branch
    /// tracking (x86-64 CET IBT: GNU_PROPERTY_X86_FEATURE_1_AND, bit IBT) or
    /// branch target identification (ARM64: GNU_PROPERTY_AARCH64_FEATURE_1_AND,
    /// bit BTI), so that linkers keep the feature on for the binary. Shadow
    /// stacks and pointer authentication are not claimed. Other formats: none.
    pub fn cf_protection_note(self) -> &'static str {
        match (self.format, self.arch) {
            (ObjFormat::Elf, Arch::X86_64) => {
                "\t.section .note.gnu.property,\"a\",@note\n\t.p2align 3\n\t.long 4\n\t.long 16\n\t.long 5\n\t.asciz \"GNU\"\n\t.long 0xc0000002\n\t.long 4\n\t.long 1\n\t.p2align 3\n"
            }
            (ObjFormat::Elf, Arch::Arm64) => {
                "\t.section .note.gnu.property,\"a\",%note\n\t.p2align 3\n\t.long 4\n\t.long 16\n\t.long 5\n\t.asciz \"GNU\"\n\t.long 0xc0000000\n\t.long 4\n\t.long 1\n\t.p2align 3\n"
            }
            _ => "",
        }
    }

    /// Is a reference to an external symbol made through the GOT?
    pub fn uses_got(self) -> bool {
        self.format != ObjFormat::Coff
    }
}

