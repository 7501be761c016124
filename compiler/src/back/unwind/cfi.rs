//! DWARF call-frame information as GNU assembler directives (`.cfi_*`), for
//! ELF and Mach-O on both architectures: the assembler builds `.eh_frame`
//! (and on Mach-O the linker the compact unwind tables) from them.

use super::{Cfa, Conventions, Event, Frame, LR};
use crate::back::code::Text;
use crate::back::x86_64::regs::{gpr_tok, Size};
use crate::target::Arch;

/// Writes the directives of the events of one output.
pub struct CfiWriter {
    conv: Conventions,
    /// What the directives written so far describe (in an open region).
    described: Option<Frame>,
}

impl CfiWriter {
    pub fn new(conv: Conventions) -> CfiWriter {
        CfiWriter { conv, described: None }
    }

    /// Before the line of a region's start: the previous region ends.
    pub fn before_start(&mut self, out: &mut Text) {
        self.end(out);
    }

    pub fn event(&mut self, out: &mut Text, e: &Event) {
        match e {
            Event::Start { frame, .. } => {
                out.str("\t.cfi_startproc\n");
                // What `.cfi_startproc` states: the entry of a function.
                self.described = Some(self.conv.entry());
                self.describe(out, *frame);
            }
            Event::After(f) | Event::At(f) => {
                if self.described.is_some() {
                    self.describe(out, *f);
                }
            }
            Event::LostAtCall => {}
        }
    }

    /// Ends the open region, if any (at the end of the output too).
    pub fn end(&mut self, out: &mut Text) {
        if self.described.take().is_some() {
            out.str("\t.cfi_endproc\n");
        }
    }

    fn reg(&self, out: &mut Text, r: u8) {
        match self.conv.arch {
            Arch::X86_64 => out.tok(gpr_tok(r, Size::Q)),
            Arch::Arm64 => {
                out.byte(b'x');
                out.u64(r as u64);
            }
        }
    }

    /// The return address column: `%rip` (16) on x86-64, `x30` on ARM64.
    fn ra(&self, out: &mut Text) {
        match self.conv.arch {
            Arch::X86_64 => out.str("16"),
            Arch::Arm64 => self.reg(out, LR),
        }
    }

    fn sp_name(&self) -> &'static str {
        match self.conv.arch {
            Arch::X86_64 => "%rsp",
            Arch::Arm64 => "sp",
        }
    }

    /// The directives that turn what is described into `f`.
    fn describe(&mut self, out: &mut Text, f: Frame) {
        let Some(old) = self.described else { return };
        if old == f {
            return;
        }
        let (was, now) = (old.cfa(), f.cfa());
        if was != now {
            match (was, now) {
                (Cfa::Sp(_), Cfa::Sp(n)) | (Cfa::Fp(_), Cfa::Fp(n)) => {
                    out.str("\t.cfi_def_cfa_offset ");
                    out.i64(n);
                    out.byte(b'\n');
                }
                (_, Cfa::Sp(n) | Cfa::Fp(n)) => {
                    out.str("\t.cfi_def_cfa ");
                    if matches!(now, Cfa::Sp(_)) {
                        out.str(self.sp_name());
                    } else {
                        self.reg(out, self.conv.fp);
                    }
                    out.str(", ");
                    out.i64(n);
                    out.byte(b'\n');
                }
                (_, Cfa::Lost) => {
                    // Unwinding stops here rather than reading garbage.
                    out.str("\t.cfi_undefined ");
                    self.ra(out);
                    out.byte(b'\n');
                }
            }
            if was == Cfa::Lost && self.conv.arch == Arch::X86_64 {
                // Back to the initial rule: the return address at CFA − 8.
                out.str("\t.cfi_restore 16\n");
            }
        }
        for (r, _) in old.saved() {
            if f.slot_of(r).is_none() {
                out.str("\t.cfi_restore ");
                self.reg(out, r);
                out.byte(b'\n');
            }
        }
        for (r, off) in f.saved() {
            if old.slot_of(r) != Some(off) || (was == Cfa::Lost && now != Cfa::Lost && r == LR && self.conv.arch == Arch::Arm64) {
                out.str("\t.cfi_offset ");
                self.reg(out, r);
                out.str(", ");
                out.i64(off);
                out.byte(b'\n');
            }
        }
        if was == Cfa::Lost && now != Cfa::Lost && self.conv.arch == Arch::Arm64 && f.slot_of(LR).is_none() {
            out.str("\t.cfi_restore x30\n");
        }
        self.described = Some(f);
    }
}
