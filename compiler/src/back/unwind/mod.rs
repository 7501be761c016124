//! Unwind information: where the caller's frame is at every instruction,
//! so that debuggers, profilers, C++ exceptions and Rust panics can walk
//! through offasm code (cranelift's `isa/unwind` shape: one model, one
//! writer per format).
//!
//! - [`Frame`] is the model: where the canonical frame address (CFA, the
//!   caller's `sp` before its call) is — `sp` or the frame pointer (`cfr`)
//!   plus an offset — and the stack slots that hold the caller's values of
//!   callee-saved registers.
//! - [`Tracker`] computes the frame after every line of a code buffer from
//!   what each machine instruction does to `sp`, `cfr` and the stack
//!   ([`FrameOp`], given by the architecture's `MachInst`), following
//!   branches to labels; a region (one unwind-table entry) starts at every
//!   exported label and every label the checks treat as the start of a C-ABI
//!   function.
//! - `cfi.rs` writes DWARF CFI directives (ELF, Mach-O), `seh.rs` Windows
//!   x64 SEH directives (COFF).
//!
//! The entry state of a region: a C-ABI function starts as its caller's
//! `call` left it (CFA = `sp` + 8 on x86-64, `sp` + 0 on ARM64); any other
//! region is interpreter code that runs inside a frame built by
//! `functionPrologue` (TARGETS.md §8.7: CFA = `cfr` + 16, the caller's
//! `cfr` at CFA − 16, the return address at CFA − 8). Where the model
//! loses the frame (`sp` and `cfr` both written with unknown values), the
//! return address is described as undefined: a backtrace stops there
//! instead of reading garbage.

pub mod cfi;
pub mod seh;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::back::code::{LabelKey, Line, MachInst, SpEffect, Sym, Text};
use crate::target::regs::{Reg, RegClass};
use crate::target::{Arch, RegMap};

/// Where the canonical frame address is.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Cfa {
    /// `sp` + n.
    Sp(i64),
    /// The frame pointer (`cfr`) + n.
    Fp(i64),
    /// Not known: the frame cannot be described.
    Lost,
}

/// The most callee-saved slots a frame records (x19–x30 on ARM64).
const MAX_SAVED: usize = 14;

/// What the unwinder needs at one point of the code.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// CFA − sp, if known.
    sp: Option<i64>,
    /// CFA − fp, if known.
    fp: Option<i64>,
    /// The CFA is described from the frame pointer (set when `cfr` is made
    /// to point into the frame, as `functionPrologue` does).
    use_fp: bool,
    /// Registers whose caller's value is in a stack slot, with the slot's
    /// offset from the CFA, in the order they were saved.
    saved: [(u8, i8); MAX_SAVED],
    n_saved: u8,
}

impl Frame {
    fn new(sp: Option<i64>, fp: Option<i64>, use_fp: bool) -> Frame {
        Frame { sp, fp, use_fp, saved: [(0, 0); MAX_SAVED], n_saved: 0 }
    }

    pub fn cfa(&self) -> Cfa {
        match (self.use_fp, self.fp, self.sp) {
            (true, Some(f), _) => Cfa::Fp(f),
            (_, _, Some(s)) => Cfa::Sp(s),
            (_, Some(f), _) => Cfa::Fp(f),
            _ => Cfa::Lost,
        }
    }

    /// The saved registers: (hardware number, offset from the CFA).
    pub fn saved(&self) -> impl Iterator<Item = (u8, i64)> + '_ {
        self.saved[..self.n_saved as usize].iter().map(|&(r, o)| (r, o as i64 * 8))
    }

    pub fn slot_of(&self, reg: u8) -> Option<i64> {
        self.saved().find(|&(r, _)| r == reg).map(|(_, o)| o)
    }

    fn save(&mut self, reg: u8, off: i64) {
        if self.slot_of(reg).is_some() || off % 8 != 0 || !(-128 * 8..0).contains(&off) || self.n_saved as usize == MAX_SAVED {
            return;
        }
        self.saved[self.n_saved as usize] = (reg, (off / 8) as i8);
        self.n_saved += 1;
    }

    fn restore(&mut self, reg: u8) {
        let n = self.n_saved as usize;
        if let Some(k) = self.saved[..n].iter().position(|&(r, _)| r == reg) {
            self.saved.copy_within(k + 1..n, k);
            self.n_saved -= 1;
        }
    }
}

/// How control leaves an instruction.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Flow<'a> {
    /// To the next instruction.
    Next,
    /// A call (of a label of this output, if known): to the next
    /// instruction, after the callee returns.
    Call(Option<Sym<'a>>),
    /// To the next instruction or to a label.
    Branch(Sym<'a>),
    /// To a label only.
    Jump(Sym<'a>),
    /// Out of the region: `ret`, a jump to a symbol.
    Leave,
    /// An indirect jump (into interpreter code).
    Dispatch,
}

/// What one machine instruction does to the frame.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct FrameOp<'a> {
    pub sp: SpEffect,
    /// Registers stored at the new `sp` + offset (a push, `stp … [sp, #-16]!`).
    pub stores: [Option<(u8, i64)>; 2],
    /// Registers loaded from the stack (a pop, `ldp … [sp], #16`).
    pub loads: [Option<u8>; 2],
    /// `fp := sp + k` (after the instruction's own change of `sp`).
    pub fp_from_sp: Option<i64>,
    /// `sp := fp + k`.
    pub sp_from_fp: Option<i64>,
    /// The frame pointer is written otherwise.
    pub clobbers_fp: bool,
    pub flow: Flow<'a>,
}

impl<'a> FrameOp<'a> {
    pub fn plain(sp: SpEffect, flow: Flow<'a>) -> FrameOp<'a> {
        FrameOp { sp, stores: [None; 2], loads: [None; 2], fp_from_sp: None, sp_from_fp: None, clobbers_fp: false, flow }
    }

    /// Changes nothing the model follows (most instructions).
    fn is_inert(&self) -> bool {
        self.sp == SpEffect::None
            && self.stores == [None; 2]
            && self.loads == [None; 2]
            && self.fp_from_sp.is_none()
            && self.sp_from_fp.is_none()
            && !self.clobbers_fp
    }
}

/// A machine instruction that can say what it does to the frame (`fp`: the
/// hardware number of the frame pointer, `cfr`).
pub trait FrameInst<'a>: MachInst {
    fn frame_op(&self, fp: u8) -> FrameOp<'a>;
}

/// The conventions of one target that the model needs.
#[derive(Clone, Debug)]
pub struct Conventions {
    pub arch: Arch,
    /// Hardware number of the frame pointer (`cfr`).
    pub fp: u8,
    /// Hardware numbers of the callee-saved general-purpose registers
    /// whose saves are described (the frame pointer and, on ARM64, the link
    /// register included).
    callee_saved: u64,
}

impl Conventions {
    pub fn new(arch: Arch, map: RegMap) -> Conventions {
        let fp = map.phys(Reg::CFR).map(|p| p.index).unwrap_or_else(|| unreachable!("every target has cfr"));
        let mut callee_saved = 0u64;
        for r in Reg::all() {
            if let Some(p) = map.phys(r) {
                if p.class == RegClass::Gpr && r != Reg::SP && map.is_callee_saved(r) {
                    callee_saved |= 1 << p.index;
                }
            }
        }
        if arch == Arch::Arm64 {
            callee_saved |= 1 << LR;
        }
        Conventions { arch, fp, callee_saved }
    }

    /// At the entry of a C-ABI function: as the caller's call left it.
    pub fn entry(&self) -> Frame {
        match self.arch {
            Arch::X86_64 => Frame::new(Some(8), None, false),
            Arch::Arm64 => Frame::new(Some(0), None, false),
        }
    }

    /// In code that runs inside a frame built by `functionPrologue` (the
    /// baseline: the frame record only).
    pub fn in_frame(&self) -> Frame {
        let mut f = Frame::new(None, Some(16), true);
        f.save(self.fp, -16);
        if self.arch == Arch::Arm64 {
            f.save(LR, -8);
        }
        f
    }

    fn describes(&self, reg: u8) -> bool {
        reg < 64 && self.callee_saved & (1 << reg) != 0
    }
}

/// The ARM64 link register, which holds the return address at entry.
pub const LR: u8 = 30;

/// What the writers are told about one line of a buffer.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Event<'a> {
    /// A region starts at this line (a label; `c_abi`: entered by a call),
    /// with the frame at its start.
    Start { name: &'a str, c_abi: bool, frame: Frame },
    /// The frame after this line (only where it may differ from the one
    /// before).
    After(Frame),
    /// The frame at this line, which is reached from elsewhere than the line
    /// before (a label).
    At(Frame),
    /// A call where the frame is not known: a backtrace or an exception
    /// cannot pass it.
    LostAtCall,
}

/// Follows the frame through the buffers of one output, one buffer at a
/// time; the state at the end of a buffer carries over to the next.
pub struct Tracker<'a> {
    pub conv: Conventions,
    /// Global labels that start a region, and whether each is a C-ABI function.
    regions: HashMap<&'a str, bool>,
    /// Inside a region.
    pub open: bool,
    /// The frame at the end of the last buffer (`None`: not reached by
    /// falling through).
    fall: Option<Frame>,
    /// Frames at labels, from branches to them.
    at_label: HashMap<LabelKey<'a>, Frame>,
    /// The frame interpreter code runs in (see [`Tracker::set_interpreter_frame`]).
    interp: Frame,
    /// In a C-ABI function's region.
    c_abi_region: bool,
    /// Record the frames at indirect jumps out of C-ABI functions.
    collect: bool,
    /// Labels that a `call` of this output names: entered as by a call
    /// when nothing falls through to them.
    called: HashSet<LabelKey<'a>>,
    /// Labels of the current walk that got a frame no branch had brought yet.
    guessed: Vec<(LabelKey<'a>, Frame)>,
    dispatch_frames: Vec<Frame>,
}

impl<'a> Tracker<'a> {
    /// `regions`: the global labels that start a region, with whether each
    /// is entered by a C call.
    pub fn new(conv: Conventions, regions: HashMap<&'a str, bool>) -> Tracker<'a> {
        let interp = conv.in_frame();
        Tracker { conv, regions, open: false, fall: None, at_label: HashMap::default(), interp, c_abi_region: false, collect: false, called: HashSet::default(), guessed: Vec::new(), dispatch_frames: Vec::new() }
    }

    /// The frames at the indirect jumps of C-ABI functions in `lines` (the
    /// entries of an interpreter: its handlers run in the frame such a
    /// function built).
    pub fn dispatch_frames<I: FrameInst<'a>>(&mut self, lines: &[Line<'a, I>]) -> Vec<Frame> {
        self.collect = true;
        self.events(lines);
        self.dispatch_frames.dedup();
        self.collect = false;
        self.fall = None;
        self.open = false;
        self.at_label.clear();
        std::mem::take(&mut self.dispatch_frames)
    }

    /// Interpreter code (a region that is not a C-ABI function) runs in the
    /// frame the interpreter's entries built: when every entry leaves the
    /// same frame, found from the frame pointer, that one (with the saved
    /// callee-saved registers), else the baseline frame record.
    pub fn set_interpreter_frame(&mut self, frames: &[Frame]) {
        let Some(first) = frames.first() else { return };
        if !frames.iter().all(|f| f.saved == first.saved && f.n_saved == first.n_saved && f.fp == first.fp) {
            return;
        }
        let mut f = Frame::new(None, first.fp, true);
        f.saved = first.saved;
        f.n_saved = first.n_saved;
        let baseline = self.conv.in_frame();
        // Only a frame that holds the frame record where the baseline says.
        if f.fp == baseline.fp && baseline.saved().all(|(r, o)| f.slot_of(r) == Some(o)) {
            self.interp = f;
        }
    }

    pub fn interpreter_frame(&self) -> Frame {
        self.interp
    }

    /// The events of one buffer, by line; walked a second time when a
    /// label nothing falls through to is reached by a branch after it.
    pub fn events<I: FrameInst<'a>>(&mut self, lines: &[Line<'a, I>]) -> Vec<(u32, Event<'a>)> {
        let (fall, open) = (self.fall, self.open);
        let mut events = Vec::new();
        self.guessed.clear();
        self.walk(lines, Some(&mut events));
        // A label was given a frame before a later branch in the buffer
        // brought another one: walk again, knowing it.
        let wrong = self.guessed.iter().any(|(key, guess)| self.at_label.get(key).is_some_and(|f| f != guess));
        if wrong {
            self.fall = fall;
            self.open = open;
            events.clear();
            self.walk(lines, Some(&mut events));
        }
        events
    }

    fn walk<I: FrameInst<'a>>(&mut self, lines: &[Line<'a, I>], mut events: Option<&mut Vec<(u32, Event<'a>)>>) {
        let fp = self.conv.fp;
        let mut cur = self.fall;
        for (k, line) in lines.iter().enumerate() {
            let k = k as u32;
            let mut push = |e: Event<'a>| {
                if let Some(ev) = events.as_deref_mut() {
                    ev.push((k, e));
                }
            };
            match line {
                Line::Inst(i) => {
                    let op = i.frame_op(fp);
                    if op.flow == Flow::Next && op.is_inert() {
                        if cur.is_none() {
                            cur = Some(self.interp);
                        }
                        continue;
                    }
                    let before = cur.unwrap_or(self.interp);
                    if matches!(op.flow, Flow::Call(_)) && self.open && before.cfa() == Cfa::Lost {
                        push(Event::LostAtCall);
                    }
                    let after = if op.is_inert() { before } else { self.apply(before, &op) };
                    if after != before {
                        push(Event::After(after));
                    }
                    match op.flow {
                        Flow::Next => cur = Some(after),
                        Flow::Call(callee) => {
                            // The callee's code starts as a call enters it.
                            if let Some(s) = callee {
                                self.at_label.entry(s.key()).or_insert(self.conv.entry());
                            }
                            cur = Some(after);
                        }
                        Flow::Branch(s) => {
                            self.at_label.entry(s.key()).or_insert(after);
                            cur = Some(after);
                        }
                        Flow::Jump(s) => {
                            self.at_label.entry(s.key()).or_insert(after);
                            cur = None;
                        }
                        Flow::Leave => cur = None,
                        Flow::Dispatch => {
                            if self.collect && self.c_abi_region {
                                self.dispatch_frames.push(before);
                            }
                            cur = None;
                        }
                    }
                }
                Line::Global { name, .. } if self.regions.contains_key(&***name) => {
                    let c_abi = self.regions[&***name];
                    self.open = true;
                    self.c_abi_region = c_abi;
                    let f = if c_abi { self.conv.entry() } else { self.interp };
                    cur = Some(f);
                    push(Event::Start { name, c_abi, frame: f });
                }
                Line::Global { name, .. } => {
                    let at = self.join(cur, LabelKey::Global(name));
                    if cur.is_none() {
                        push(Event::At(at));
                    }
                    cur = Some(at);
                }
                Line::Label(s) => {
                    let at = self.join(cur, s.key());
                    if cur.is_none() {
                        push(Event::At(at));
                    }
                    cur = Some(at);
                }
                Line::EndGlobal(_) | Line::Raw(_) | Line::Align(_) => {}
            }
        }
        self.fall = cur;
    }

    /// The frame at a label: the one falling through to it, else the one
    /// a branch brought, else as a call enters it (a label a `call` names),
    /// else the interpreter frame (entered from elsewhere).
    fn join(&mut self, fall: Option<Frame>, key: LabelKey<'a>) -> Frame {
        match (fall, self.at_label.get(&key)) {
            (Some(f), _) => f,
            (None, Some(f)) => *f,
            (None, None) => {
                let f = if self.called.contains(&key) { self.conv.entry() } else { self.interp };
                self.guessed.push((key, f));
                f
            }
        }
    }

    fn apply(&self, mut f: Frame, op: &FrameOp<'a>) -> Frame {
        // Loads read the slots before a post-index moves sp.
        for r in op.loads.iter().flatten() {
            f.restore(*r);
            if *r == self.conv.fp {
                f.fp = None;
                f.use_fp = false;
            }
        }
        match op.sp {
            SpEffect::None => {}
            SpEffect::Add(n) => f.sp = f.sp.map(|s| s - n),
            SpEffect::Unknown => f.sp = op.sp_from_fp.and_then(|k| f.fp.map(|fp| fp - k)),
        }
        for &(r, off) in op.stores.iter().flatten() {
            if let Some(s) = f.sp {
                if self.conv.describes(r) {
                    f.save(r, off - s);
                }
            }
        }
        if let Some(k) = op.fp_from_sp {
            f.fp = f.sp.map(|s| s - k);
            f.use_fp = f.fp.is_some();
        } else if op.clobbers_fp {
            f.fp = None;
            f.use_fp = false;
        }
        f
    }
}

/// The unwind information of one output: the tracker and the writer of the
/// target's format.
pub struct Unwind<'a> {
    pub tracker: Tracker<'a>,
    pub writer: Writer,
    /// What could not be described: the program item (statement) and why.
    pub problems: Vec<(u32, String)>,
}

pub enum Writer {
    Cfi(cfi::CfiWriter),
    Seh(seh::SehWriter),
}

impl<'a> Unwind<'a> {
    /// For `program` on `target`: a region per exported label and per label
    /// where the checks see a C-ABI function start.
    /// `starts`: the C-ABI function starts, if the checks found them.
    pub fn new(
        program: &'a crate::valid::Program,
        target: &crate::target::Target,
        map: &crate::source::SourceMap,
        starts: Option<&crate::check::FunctionStarts>,
    ) -> Unwind<'a> {
        let conv = Conventions::new(target.arch, target.regmap());
        let regions = regions(program, map, starts);
        let writer = match target.obj {
            crate::target::ObjFormat::Coff => Writer::Seh(seh::SehWriter::new(conv.clone())),
            _ => Writer::Cfi(cfi::CfiWriter::new(conv.clone())),
        };
        let mut tracker = Tracker::new(conv, regions);
        for item in &program.items {
            if let crate::valid::Item::Instr(i) = item {
                if i.def().op == crate::isa::Op::Call {
                    if let Some(crate::valid::Value::Label { name, local, .. }) = i.operands.first() {
                        tracker.called.insert(if *local { LabelKey::Local(name) } else { LabelKey::Global(name) });
                    }
                }
            }
        }
        Unwind { tracker, writer, problems: Vec::new() }
    }

    pub fn before_start(&mut self, out: &mut Text) {
        match &mut self.writer {
            Writer::Cfi(w) => w.before_start(out),
            Writer::Seh(w) => w.before_start(out),
        }
    }

    /// Does the writer look at every instruction (SEH: to end a prologue)?
    pub fn wants_each_instruction(&self) -> bool {
        matches!(self.writer, Writer::Seh(_))
    }

    /// Before an instruction (of program item `item`) with the frame after it.
    pub fn before_inst(&mut self, out: &mut Text, after: Option<&Frame>, call: bool, item: Option<u32>) {
        if let Writer::Seh(w) = &mut self.writer {
            if let Some(why) = w.before_inst(out, after, call, item) {
                self.problems.extend(item.map(|i| (i, why)));
            }
        }
    }

    pub fn event(&mut self, out: &mut Text, e: &Event, item: Option<u32>) {
        match e {
            Event::LostAtCall => self.problems.extend(item.map(|i| {
                (i, "the unwind information cannot describe the frame at this call: `sp` and `cfr` were both written with values it cannot follow, so a backtrace or an exception stops here".to_string())
            })),
            _ => match &mut self.writer {
                Writer::Cfi(w) => w.event(out, e),
                Writer::Seh(w) => w.event(out, e),
            },
        }
    }

    /// At the end of the output.
    pub fn finish(&mut self, out: &mut Text) {
        match &mut self.writer {
            Writer::Cfi(w) => w.end(out),
            Writer::Seh(w) => w.end(out),
        }
    }

    /// What could not be described, each statement once (a problem in a
    /// macro body is found once per expansion).
    pub fn take_problems(&mut self) -> Vec<(u32, String)> {
        let mut v = std::mem::take(&mut self.problems);
        if let Writer::Seh(w) = &mut self.writer {
            v.extend(w.problems.drain(..));
        }
        v.sort();
        v.dedup();
        v
    }
}

/// The global labels that start a region (an unwind-table entry, and a
/// function in the debug information): every exported label and every label
/// where the checks see a C-ABI function start, with whether each is entered
/// by a call. `starts`: the C-ABI function starts, if the checks found them.
pub fn regions<'a>(
    program: &'a crate::valid::Program,
    map: &crate::source::SourceMap,
    starts: Option<&crate::check::FunctionStarts>,
) -> HashMap<&'a str, bool> {
    let found;
    let starts = match starts {
        Some(s) => s,
        None => {
            found = crate::check::function_starts(program, map);
            &found
        }
    };
    let mut regions: HashMap<&'a str, bool> = HashMap::default();
    for (k, item) in program.items.iter().enumerate() {
        if let crate::valid::Item::Label { name, local: false, .. } = item {
            let c_abi = starts.contains(&k) || builds_frame_record(&program.items[k + 1..]);
            if c_abi || program.exports.contains(&**name) {
                regions.insert(name, c_abi);
            }
        }
    }
    regions
}

/// Does the code at a label start by pushing `cfr` (`functionPrologue`)?
/// Then it is entered by a call, whatever it does later (an interpreter
/// entry that dispatches into handlers, which the checks do not take for a
/// C-ABI function).
fn builds_frame_record(after: &[crate::valid::Item]) -> bool {
    use crate::valid::{Item, Value};
    match after.iter().find(|i| !matches!(i, Item::Label { local: true, .. })) {
        Some(Item::Instr(i)) => i.def().op == crate::isa::Op::Push && i.operands.iter().any(|v| matches!(v, Value::Reg(Reg::CFR))),
        _ => false,
    }
}

/// Finds the frame interpreter code runs in: lowers (through `b`) the C-ABI
/// functions that jump indirectly — the interpreter's entries — and gives
/// the frames at those jumps to the tracker of `u`.
pub fn find_interpreter_frame<'a, B>(b: &mut B, p: &'a crate::valid::Program, u: &mut Unwind<'a>)
where
    B: crate::back::code::Backend<'a>,
    B::Inst: FrameInst<'a>,
{
    use crate::valid::{Item, Value};
    let region_of = |item: &Item| match item {
        Item::Label { name, local: false, .. } => u.tracker.regions.get(&**name).copied(),
        _ => None,
    };
    let mut entries: Vec<(usize, usize)> = Vec::new();
    let mut current: Option<(usize, bool, bool)> = None;
    for (k, item) in p.items.iter().enumerate() {
        if let Some(c_abi) = region_of(item) {
            if let Some((start, true, true)) = current {
                entries.push((start, k));
            }
            current = Some((k, c_abi, false));
        } else if let (Some((_, true, dispatches)), Item::Instr(i)) = (&mut current, item) {
            *dispatches |= i.def().op == crate::isa::Op::Jmp && !matches!(i.operands.first(), Some(Value::Label { .. }));
        }
    }
    if let Some((start, true, true)) = current {
        entries.push((start, p.items.len()));
    }
    let mut frames = Vec::new();
    for (start, end) in entries {
        for item in &p.items[start..end] {
            match item {
                Item::Label { name, local: true, .. } => b.code().label(Sym::Local(name)),
                Item::Label { name, local: false, .. } => b.code().lines.push(Line::Global { name, exported: p.exports.contains(name) }),
                Item::Instr(i) => b.lower(i),
            }
        }
        frames.extend(u.tracker.dispatch_frames(&b.code().lines));
        b.code().clear();
    }
    u.tracker.set_interpreter_frame(&frames);
}
