//! Object-format conventions (TARGETS.md §8.2–§8.5): symbol spelling, local
//! labels, directives for exported and file-local labels, file skeletons.
//! Every difference between ELF, Mach-O and COFF lives here.

use crate::target::{Arch, ObjFormat, Target};

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Obj {
    pub format: ObjFormat,
    pub arch: Arch,
}

impl Obj {
    pub fn new(t: &Target) -> Obj {
        Obj { format: t.obj, arch: t.arch }
    }

    /// Assembler-local label prefix.
    pub fn local_prefix(self) -> &'static str {
        match self.format {
            ObjFormat::MachO => "L",
            ObjFormat::Elf | ObjFormat::Coff => ".L",
        }
    }

    /// The symbol for a global label spelled `_name` in the dialect.
    pub fn symbol(self, label: &str) -> String {
        let bare = label.strip_prefix('_').unwrap_or(label);
        match self.format {
            ObjFormat::MachO => format!("_{bare}"),
            ObjFormat::Elf | ObjFormat::Coff => bare.to_string(),
        }
    }

    /// The assembler name of an expanded local label (`oa1_m_x`).
    pub fn local(self, name: &str) -> String {
        format!("{}{name}", self.local_prefix())
    }

    /// How code in `prog` refers to a label (branch target, displacement):
    /// local labels by their assembler-local name, labels defined in this
    /// output through their in-file name, anything else by its symbol.
    pub fn reference(self, name: &str, local: bool, prog: &crate::valid::Program) -> String {
        if local {
            self.local(name)
        } else if prog.defined.contains(name) {
            self.internal_name(name, prog.exports.contains(name))
        } else {
            self.symbol(name)
        }
    }

    /// References from inside the file to an exported label go through a
    /// file-local twin on ELF and COFF (no PC-relative reference to a
    /// preemptible symbol, §8.2); on Mach-O the symbol itself is used.
    pub fn internal_name(self, label: &str, exported: bool) -> String {
        let bare = label.strip_prefix('_').unwrap_or(label);
        match (self.format, exported) {
            (ObjFormat::MachO, _) | (_, false) => self.symbol(label),
            _ => format!("{}oa_g_{bare}", self.local_prefix()),
        }
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

    pub fn code_alignment(self) -> u32 {
        match self.arch {
            Arch::X86_64 => 4,
            Arch::Arm64 => 2,
        }
    }

    pub fn file_start(self) -> String {
        "\t.text\n".to_string()
    }

    /// Directives and label lines that define global label `label`.
    pub fn define_global(self, label: &str, exported: bool) -> String {
        let sym = self.symbol(label);
        let mut s = String::new();
        match (self.format, exported) {
            (ObjFormat::Elf, true) => {
                s += &format!("\t.globl\t{sym}\n\t.hidden\t{sym}\n\t.type\t{sym}, {}\n", self.function_type());
                s += &format!("\t.p2align {}\n{sym}:\n{}:\n", self.code_alignment(), self.internal_name(label, true));
            }
            (ObjFormat::Elf, false) => s += &format!("\t.type\t{sym}, {}\n{sym}:\n", self.function_type()),
            (ObjFormat::MachO, true) => {
                s += &format!("\t.globl\t{sym}\n\t.private_extern\t{sym}\n\t.p2align {}\n{sym}:\n", self.code_alignment())
            }
            (ObjFormat::MachO, false) => s += &format!("{sym}:\n"),
            (ObjFormat::Coff, true) => {
                s += &format!("\t.globl\t{sym}\n\t.def\t{sym}; .scl 2; .type 32; .endef\n\t.p2align {}\n{sym}:\n", self.code_alignment());
                s += &format!("{}:\n", self.internal_name(label, true));
            }
            (ObjFormat::Coff, false) => s += &format!("\t.def\t{sym}; .scl 3; .type 32; .endef\n{sym}:\n"),
        }
        s
    }

    /// Where a global label's extent ends (ELF `.size`).
    pub fn end_global(self, label: &str) -> String {
        match self.format {
            ObjFormat::Elf => {
                let sym = self.symbol(label);
                format!("\t.size\t{sym}, . - {sym}\n")
            }
            _ => String::new(),
        }
    }

    pub fn file_end(self) -> String {
        match self.format {
            ObjFormat::Elf => format!(
                "\t.section .note.GNU-stack,\"\",{}\n",
                if self.arch == Arch::X86_64 { "@progbits" } else { "%progbits" }
            ),
            _ => String::new(),
        }
    }

    /// Is a reference to an external symbol made through the GOT?
    pub fn uses_got(self) -> bool {
        self.format != ObjFormat::Coff
    }
}
