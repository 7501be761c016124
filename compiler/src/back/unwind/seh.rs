//! Windows x64 structured exception handling unwind information as GNU
//! assembler directives (`.seh_*`), for COFF.
//!
//! SEH describes a function by its prologue only: the pushes of
//! non-volatile registers, the stack allocation and the frame register, in
//! order, then `.seh_endprologue`. After the prologue the unwinder finds the
//! frame from the frame register if one was set, otherwise from `rsp`, which
//! must then not move at a call. So:
//! - a C-ABI function's leading frame operations (pushes, `subp … sp`,
//!   `move sp, cfr`) are its prologue. `functionPrologue` sets `cfr` before
//!   `pushCalleeSaves` pushes: the frame register is declared at the end of
//!   the prologue, at its offset from the final `rsp` (which SEH requires
//!   to be a multiple of 16 up to 240), so that the unwinder finds `rsp`
//!   from `cfr` first and then undoes the pushes;
//! - interpreter code (a region that is not a C-ABI function) runs inside a
//!   frame built by `functionPrologue`: it gets an empty prologue that
//!   declares that frame (`rbp` pushed, `rbp` the frame register);
//! - a call at which `rsp` differs from where the prologue left it, in a
//!   function without a frame register, cannot be described: it is reported.

use super::{Cfa, Conventions, Event, Frame};
use crate::back::code::Text;
use crate::back::x86_64::regs::{gpr_tok, Size};

pub struct SehWriter {
    conv: Conventions,
    open: bool,
    /// In a C-ABI function's prologue: the frame after its last operation.
    prologue: Option<Frame>,
    /// The frame register's offset from the CFA, once set in the prologue.
    frame_reg: Option<i64>,
    /// After the prologue, without a frame register: `rsp` at its end.
    body_sp: Option<i64>,
    /// The frame described last.
    last: Option<Frame>,
    /// Problems found at the start of a region (the region's label item)
    /// or its prologue's end: why the frame cannot be described.
    pub problems: Vec<(u32, String)>,
    /// The program item of the region's first statement (where problems of
    /// its prologue are reported).
    first_item: Option<u32>,
    name: String,
}

impl SehWriter {
    pub fn new(conv: Conventions) -> SehWriter {
        SehWriter { conv, open: false, prologue: None, frame_reg: None, body_sp: None, last: None, problems: Vec::new(), first_item: None, name: String::new() }
    }

    pub fn before_start(&mut self, out: &mut Text) {
        self.end(out);
    }

    pub fn end(&mut self, out: &mut Text) {
        self.end_prologue(out);
        if self.open {
            out.str("\t.seh_endproc\n");
            self.open = false;
        }
    }

    /// Before an instruction line with the frame after it (`None`: the
    /// instruction does not change the frame); `call`: the instruction is a
    /// call. Returns why the frame at this call cannot be described, if so.
    pub fn before_inst(&mut self, out: &mut Text, after: Option<&Frame>, call: bool, item: Option<u32>) -> Option<String> {
        if self.first_item.is_none() {
            self.first_item = item;
        }
        if let Some(p) = self.prologue {
            let is_op = after.is_some_and(|f| prologue_op(&p, f).is_some());
            if !is_op || call {
                self.end_prologue(out);
            }
        }
        match (call, self.body_sp, self.last) {
            (true, Some(want), Some(f)) if f.sp != Some(want) => Some(format!(
                "Windows x64 unwind information cannot describe this call: `sp` is not where the prologue of `{}` left it, and the function sets no frame pointer (`cfr`)",
                self.name
            )),
            _ => None,
        }
    }

    pub fn event(&mut self, out: &mut Text, e: &Event) {
        match e {
            Event::LostAtCall => {}
            Event::Start { name, c_abi, frame } => {
                self.first_item = None;
                self.open = true;
                self.name = name.to_string();
                self.frame_reg = None;
                self.body_sp = None;
                out.str("\t.seh_proc\t");
                out.str(name.strip_prefix('_').unwrap_or(name));
                out.byte(b'\n');
                if *c_abi {
                    self.prologue = Some(*frame);
                } else {
                    self.frame_prologue(out, frame);
                    self.prologue = None;
                }
                self.last = Some(*frame);
            }
            Event::After(f) => {
                if let Some(p) = self.prologue {
                    match prologue_op(&p, f) {
                        Some(Op::Push(r)) => {
                            out.str("\t.seh_pushreg ");
                            out.tok(gpr_tok(r, Size::Q));
                            out.byte(b'\n');
                        }
                        Some(Op::Alloc(n)) => {
                            out.str("\t.seh_stackalloc ");
                            out.i64(n);
                            out.byte(b'\n');
                        }
                        Some(Op::SetFrame(fp)) => self.frame_reg = Some(fp),
                        None => {}
                    }
                    self.prologue = Some(*f);
                }
                self.last = Some(*f);
            }
            Event::At(f) => {
                self.end_prologue(out);
                self.last = Some(*f);
            }
        }
    }

    /// An empty prologue that declares the frame interpreter code runs in:
    /// the registers it saved, pushed in order from the frame record down,
    /// and the frame register, so that the unwinder finds `rsp` from `rbp`
    /// and then pops them.
    fn frame_prologue(&mut self, out: &mut Text, f: &Frame) {
        let mut slots: Vec<(u8, i64)> = f.saved().collect();
        slots.sort_by_key(|&(_, o)| std::cmp::Reverse(o));
        let contiguous = slots.iter().enumerate().all(|(k, &(_, o))| o == -16 - 8 * k as i64);
        let describable = contiguous && slots.first().map(|&(r, _)| r) == Some(self.conv.fp) && f.fp == Some(16);
        if !describable {
            self.problems.push((
                self.first_item.unwrap_or(0),
                "Windows x64 unwind information cannot describe the registers the interpreter's entries saved (they are not pushed in one run below the frame record): only the frame record is described".to_string(),
            ));
            slots = vec![(self.conv.fp, -16)];
        }
        for &(r, _) in &slots {
            out.str("\t.seh_pushreg ");
            out.tok(gpr_tok(r, Size::Q));
            out.byte(b'\n');
        }
        // rsp after the pushes is 8 * (n + 1) below the CFA; rbp is 16 below.
        let mut k = 8 * (slots.len() as i64 - 1);
        if k % 16 != 0 {
            out.str("\t.seh_stackalloc 8\n");
            k += 8;
        }
        out.str("\t.seh_setframe %rbp, ");
        out.i64(k);
        out.str("\n\t.seh_endprologue\n");
    }

    fn end_prologue(&mut self, out: &mut Text) {
        let Some(p) = self.prologue.take() else { return };
        if let (Some(fp), Some(sp)) = (self.frame_reg, p.sp) {
            // rbp = rsp + k at the end of the prologue.
            let k = sp - fp;
            if (0..=240).contains(&k) && k % 16 == 0 {
                out.str("\t.seh_setframe %rbp, ");
                out.i64(k);
                out.byte(b'\n');
            } else {
                self.frame_reg = None;
                self.problems.push((
                    self.first_item.unwrap_or(0),
                    format!("Windows x64 unwind information cannot describe this prologue: the frame pointer (`cfr`) ends {k} bytes above `sp`, where a multiple of 16 up to 240 is needed"),
                ));
            }
        }
        out.str("\t.seh_endprologue\n");
        if self.frame_reg.is_none() {
            self.body_sp = p.sp;
        }
    }
}

enum Op {
    Push(u8),
    Alloc(i64),
    SetFrame(i64),
}

/// The prologue operation that turns `p` into `f`, if it is one.
fn prologue_op(p: &Frame, f: &Frame) -> Option<Op> {
    let (Some(a), Some(b)) = (p.sp, f.sp) else { return None };
    if matches!(f.cfa(), Cfa::Lost) {
        return None;
    }
    let new_saves: Vec<(u8, i64)> = f.saved().filter(|&(r, _)| p.slot_of(r).is_none()).collect();
    let restored = p.saved().any(|(r, _)| f.slot_of(r).is_none());
    if restored {
        return None;
    }
    match (b - a, new_saves.as_slice()) {
        (8, [(r, off)]) if *off == -b => Some(Op::Push(*r)),
        (n, []) if n > 0 && n % 8 == 0 && f.use_fp == p.use_fp => Some(Op::Alloc(n)),
        (0, []) if f.use_fp && !p.use_fp => f.fp.map(Op::SetFrame),
        _ => None,
    }
}
