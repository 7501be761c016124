//! The machine-code layer between lowering and text emission, shared by
//! both back ends (the shape of cranelift's `MachInst` buffer):
//!
//! - each architecture has a typed instruction, `<arch>/inst.rs` (`Inst`:
//!   an opcode and typed operands — registers, immediates, memory operands,
//!   symbols), which says what it does to the stack pointer
//!   ([`MachInst::sp_effect`]);
//! - lowering (`<arch>/lower.rs`) appends [`Line`]s — instructions, labels,
//!   global-label definitions, `emit` text — to a [`Code`] buffer, which
//!   also records the source statement (program item) each run of lines
//!   came from ([`Stmt`]);
//! - `<arch>/emit.rs` writes an instruction as text from static name
//!   tables, with no allocation, and [`write_lines`] writes a buffer;
//!   symbol spelling and relocation operators come from `obj.rs`.
//!
//! The buffer is written out and emptied at every point where the distance
//! between the code before and after it is unknown to the assembler (the
//! alignment of an exported label, raw `emit` text): passes that need a
//! whole stretch of code (ARM64 branch relaxation, later unwind
//! information) see one such stretch at a time, and the buffer stays small.

use rustc_hash::FxHashMap as HashMap;

use crate::back::obj::Obj;
use crate::target::ObjFormat;
use crate::back::unwind::{Event, Flow, FrameInst, Unwind};
use crate::back::EmitOptions;
use crate::front::lexer::Name;
use crate::source::{FileId, SourceMap};
use crate::valid::{Instr, Item, Program};

/// A symbolic operand: a label or symbol as code refers to it. Lowering
/// decides which kind a reference is (it knows what the program defines and
/// exports); [`Obj::write_sym`] spells it for the object format.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Sym<'a> {
    /// An expanded local label (`.Loa1_m_x`).
    Local(&'a Name),
    /// The object symbol of a global label (`_x` on Mach-O, `x` elsewhere).
    Symbol(&'a Name),
    /// The object symbol of a global label this output does not define
    /// (a call to it goes through the PLT on ELF x86-64).
    Extern(&'a Name),
    /// The file-local twin of an exported label (ELF, COFF: `.Loa_g_x`).
    Twin(&'a Name),
    /// A label made by the back end (`<P>oat<k>`).
    Fresh(u32),
}

/// Which label a symbol names, for finding its definition in a buffer:
/// local labels by name, global labels by name whatever their spelling,
/// back-end labels by number.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum LabelKey<'a> {
    Local(&'a str),
    Global(&'a str),
    Fresh(u32),
}

impl<'a> Sym<'a> {
    pub fn key(self) -> LabelKey<'a> {
        match self {
            Sym::Local(n) => LabelKey::Local(n),
            Sym::Symbol(n) | Sym::Extern(n) | Sym::Twin(n) => LabelKey::Global(n),
            Sym::Fresh(k) => LabelKey::Fresh(k),
        }
    }
}

/// What an instruction does to the stack pointer, as far as the
/// instruction itself says (the input for unwind information).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum SpEffect {
    /// `sp` is not written.
    None,
    /// `sp += n` (a push is `Add(-8)` on x86-64).
    Add(i64),
    /// `sp` is written with a value not known from the instruction.
    Unknown,
}

/// A machine instruction of one architecture.
pub trait MachInst {
    fn sp_effect(&self) -> SpEffect;
}

/// One line of output.
#[derive(Clone, Debug)]
pub enum Line<'a, I> {
    Inst(I),
    Label(Sym<'a>),
    /// The definition of a global label: its directives and label lines
    /// ([`Obj::write_define_global`]); an exported one is aligned.
    Global { name: &'a Name, exported: bool },
    /// Where a global label's extent ends ([`Obj::write_end_global`]).
    EndGlobal(&'a Name),
    /// The text of an `emit` statement, a line as it is: its size is unknown.
    Raw(String),
    /// `.p2align n`.
    Align(u32),
}

/// A source statement (a program item) and the first line of its code;
/// its code runs up to the next statement's first line.
#[derive(Copy, Clone, Debug)]
pub struct Stmt {
    /// Index in [`Code::lines`].
    pub first: u32,
    /// Index in [`Program::items`].
    pub item: u32,
    /// `.loc` file number, line and column (with `-g`).
    pub loc: Option<(u32, u32, u32)>,
}

/// Lowered code not yet written.
pub struct Code<'a, I> {
    pub lines: Vec<Line<'a, I>>,
    pub stmts: Vec<Stmt>,
    /// The unwind information being written with the code (kept from one
    /// buffer to the next).
    pub unwind: Option<Unwind<'a>>,
    /// The debug information being collected with the code (with `-g`).
    pub debug: Option<crate::back::debug::Debug<'a>>,
}

impl<'a, I> Default for Code<'a, I> {
    fn default() -> Self {
        Code { lines: Vec::with_capacity(256), stmts: Vec::with_capacity(128), unwind: None, debug: None }
    }
}

impl<'a, I> Code<'a, I> {
    #[inline]
    pub fn push(&mut self, i: I) {
        self.lines.push(Line::Inst(i));
    }

    pub fn label(&mut self, s: Sym<'a>) {
        self.lines.push(Line::Label(s));
    }

    pub fn clear(&mut self) {
        self.lines.clear();
        self.stmts.clear();
    }

    /// Takes out the lines at `removed` (ascending), keeping each statement's
    /// first line on what follows (the peephole passes' folds).
    pub fn remove_lines(&mut self, removed: &[usize]) {
        if removed.is_empty() {
            return;
        }
        let mut gone = removed.iter().peekable();
        let mut index = 0;
        self.lines.retain(|_| {
            let keep = gone.next_if(|&&r| r == index).is_none();
            index += 1;
            keep
        });
        for s in &mut self.stmts {
            s.first -= removed.partition_point(|&r| r < s.first as usize) as u32;
        }
    }

    /// The statement line `k` belongs to (the hook for debug information
    /// and unwind tables per source statement).
    pub fn stmt_of(&self, k: usize) -> Option<&Stmt> {
        let n = self.stmts.partition_point(|s| s.first as usize <= k);
        n.checked_sub(1).map(|n| &self.stmts[n])
    }
}

/// One architecture's lowering, owning its code buffer.
pub trait Backend<'a> {
    type Inst: MachInst;
    fn code(&mut self) -> &mut Code<'a, Self::Inst>;
    /// Appends the code of one validated instruction.
    fn lower(&mut self, i: &'a Instr);
    /// Writes the buffered code to `out` and empties the buffer.
    fn flush(&mut self, out: &mut Text);
    /// Appends the landing pad of a label reached by indirect calls
    /// (`call`) and/or indirect jumps (`jump`).
    fn landing_pad(&mut self, call: bool, jump: bool);
}

/// The whole output of a back end: the header, `preamble` (architecture
/// directives), the code with its unwind and debug information, the
/// hardening note and the file end; and what the unwind information cannot
/// describe (program item, why). `lowering` makes the architecture's lowering
/// (a second one finds the interpreter frame).
pub fn emit_program<'a, B>(
    lowering: impl Fn(Obj) -> B,
    p: &'a Program,
    target: &crate::target::Target,
    map: &'a SourceMap,
    opts: &EmitOptions,
    function_starts: Option<&crate::check::FunctionStarts>,
    preamble: &str,
) -> (String, Vec<(u32, String)>)
where
    B: Backend<'a>,
    B::Inst: FrameInst<'a>,
{
    let obj = Obj::new(target).with_visibility(opts.visibility).with_label_align(opts.label_align);
    // About 30 bytes per line and one and a half lines per instruction.
    let mut out = Text::with_capacity(64 * p.items.len() + 4096);
    out.str(obj.comment());
    out.str(" generated by offasm ");
    out.str(env!("CARGO_PKG_VERSION"));
    out.str(" for ");
    out.str(&target.triple);
    out.byte(b'\n');
    out.str(obj.file_start());
    out.str(preamble);
    let mut lower = lowering(obj);
    if opts.unwind {
        let mut u = Unwind::new(p, target, map, function_starts);
        crate::back::unwind::find_interpreter_frame(&mut lowering(obj), p, &mut u);
        lower.code().unwind = Some(u);
    }
    if opts.debug_info {
        lower.code().debug = Some(crate::back::debug::Debug::new(p, obj, map, function_starts));
    }
    lower_program(&mut lower, p, map, opts, &mut out);
    if opts.landing_pads {
        out.str(obj.cf_protection_note());
    }
    out.str(obj.file_end());
    let problems = lower.code().unwind.as_mut().map(|u| u.take_problems()).unwrap_or_default();
    (out.into_string(), problems)
}

/// Lowers every item of `p` through `b`, writing to `out` (after the file
/// header, before the file end).
pub fn lower_program<'a, B: Backend<'a>>(b: &mut B, p: &'a Program, map: &SourceMap, opts: &EmitOptions, out: &mut Text) {
    let file_numbers: HashMap<FileId, usize> = if opts.debug_info { debug_files(map, out) } else { HashMap::default() };
    if let Some(d) = b.code().debug.as_mut() {
        d.begin(out, &file_numbers);
    }
    let pads = if opts.landing_pads { crate::back::landing::pads(p) } else { HashMap::default() };
    let mut open_global: Option<&'a Name> = None;
    for (k, item) in p.items.iter().enumerate() {
        let pad = |b: &mut B| {
            if let Some(&(call, jump)) = pads.get(&(k as u32)) {
                b.landing_pad(call, jump);
            }
        };
        match item {
            Item::Label { name, local: true, .. } => {
                b.code().label(Sym::Local(name));
                pad(b);
            }
            Item::Label { name, local: false, .. } => {
                if let Some(prev) = open_global.take() {
                    b.code().lines.push(Line::EndGlobal(prev));
                }
                let exported = p.exports.contains(name);
                if exported {
                    // The alignment makes distances across it unknown.
                    b.flush(out);
                }
                b.code().lines.push(Line::Global { name, exported });
                open_global = Some(name);
                pad(b);
            }
            Item::Instr(i) => {
                if i.def().op == crate::isa::Op::Emit {
                    b.flush(out);
                }
                let loc = file_numbers.get(&i.span.file).map(|&n| {
                    let (line, col) = map.file(i.span.file).line_col(i.span.start);
                    (n as u32, line, col)
                });
                let code = b.code();
                let first = code.lines.len() as u32;
                code.stmts.push(Stmt { first, item: k as u32, loc });
                b.lower(i);
            }
        }
    }
    if let Some(prev) = open_global {
        b.code().lines.push(Line::EndGlobal(prev));
    }
    b.flush(out);
    if let Some(u) = b.code().unwind.as_mut() {
        u.finish(out);
    }
    if let Some(d) = b.code().debug.as_mut() {
        d.finish(out);
    }
}

/// `.file N "path"` for every source file (with `-g`); returns the numbers.
fn debug_files(map: &SourceMap, out: &mut Text) -> HashMap<FileId, usize> {
    let mut numbers = HashMap::default();
    for (id, f) in map.files() {
        let n = numbers.len() + 1;
        numbers.insert(id, n);
        let path = std::fs::canonicalize(&f.path).unwrap_or_else(|_| f.path.clone());
        out.str(&format!("\t.file {n} \"{}\"\n", path.display().to_string().replace('\\', "/")));
    }
    numbers
}

/// Writes the lines of `code`, each instruction by `inst` (given its line
/// index), with the `.loc` of every statement before its first line.
pub fn write_lines<'a, I: FrameInst<'a>>(out: &mut Text, obj: Obj, code: &mut Code<'a, I>, mut inst: impl FnMut(&mut Text, usize, &I)) {
    let Code { lines, stmts, unwind, debug } = code;
    let mut unwind = unwind.as_mut();
    let events = match unwind.as_deref_mut() {
        Some(u) => u.tracker.events(lines),
        None => Vec::new(),
    };
    let mut events = events.iter().peekable();
    let stmts_all: &[Stmt] = stmts;
    let mut stmts = stmts.iter().peekable();
    for (k, l) in lines.iter().enumerate() {
        while let Some(s) = stmts.next_if(|s| s.first as usize <= k) {
            if let Some(d) = debug.as_mut() {
                d.stmt(out, s);
            }
            write_loc(out, s);
        }
        let debug_function = match (debug.as_mut(), l) {
            (Some(d), Line::Global { name, .. }) if d.starts_function(name) => {
                d.before_function(out);
                Some((d, *name))
            }
            (Some(d), Line::Inst(_) | Line::Raw(_)) => {
                d.count();
                None
            }
            _ => None,
        };
        let here = events.peek().is_some_and(|(at, _)| *at as usize == k);
        // The statement of line k (code.stmts is sorted by first line).
        let item_of = |k: usize| stmts_all.get(stmts_all.partition_point(|s| s.first as usize <= k).wrapping_sub(1)).map(|s| s.item);
        if let Some(u) = unwind.as_deref_mut() {
            match l {
                Line::Global { name, .. } => {
                    let starts = here && matches!(events.peek(), Some((_, Event::Start { .. })));
                    if starts {
                        u.before_start(out);
                    } else if obj.format == ObjFormat::MachO && u.tracker.open {
                        // A global label inside a function: the linker keeps it with the function.
                        out.str("\t.alt_entry\t");
                        obj.write_sym(out, Sym::Symbol(name));
                        out.byte(b'\n');
                    }
                }
                Line::Inst(i) if u.wants_each_instruction() => {
                    let after = events.clone().take_while(|(at, _)| *at as usize == k).find_map(|(_, e)| match e {
                        Event::After(f) => Some(f),
                        _ => None,
                    });
                    u.before_inst(out, after, matches!(i.frame_op(u.tracker.conv.fp).flow, Flow::Call(_)), item_of(k));
                }
                _ => {}
            }
        }
        match l {
            Line::Inst(i) => inst(out, k, i),
            Line::Label(s) => {
                obj.write_sym(out, *s);
                out.str(":\n");
            }
            Line::Global { name, exported } => {
                obj.write_define_global(out, name, *exported);
                if let Some((d, name)) = debug_function {
                    d.after_function(out, name);
                }
            }
            Line::EndGlobal(name) => obj.write_end_global(out, name),
            Line::Raw(text) => {
                out.str(text);
                out.byte(b'\n');
            }
            Line::Align(n) => {
                out.str("\t.p2align ");
                out.u64(*n as u64);
                out.byte(b'\n');
            }
        }
        if let Some(u) = unwind.as_deref_mut() {
            while let Some((_, e)) = events.next_if(|(at, _)| *at as usize == k) {
                u.event(out, e, item_of(k));
            }
        }
    }
    for s in stmts {
        if let Some(d) = debug.as_mut() {
            d.stmt(out, s);
        }
        write_loc(out, s);
    }
}

fn write_loc(out: &mut Text, s: &Stmt) {
    if let Some((file, line, col)) = s.loc {
        out.str("\t.loc ");
        out.u64(file as u64);
        out.byte(b' ');
        out.u64(line as u64);
        out.byte(b' ');
        out.u64(col as u64);
        out.byte(b'\n');
    }
}

// ---------------------------------------------------------------------------
// The output text.

/// A piece of text of at most 16 bytes, stored padded so that appending it
/// is one fixed-size copy (names of mnemonics and registers).
#[derive(Copy, Clone, Debug)]
pub struct Tok {
    bytes: [u8; 16],
    len: u8,
}

impl Tok {
    pub const EMPTY: Tok = Tok { bytes: [0; 16], len: 0 };

    pub const fn new(s: &str) -> Tok {
        let b = s.as_bytes();
        assert!(b.len() <= 16, "a token is at most 16 bytes");
        let mut bytes = [0u8; 16];
        let mut i = 0;
        while i < b.len() {
            bytes[i] = b[i];
            i += 1;
        }
        Tok { bytes, len: b.len() as u8 }
    }

    /// A table of tokens.
    pub const fn table<const K: usize>(names: [&str; K]) -> [Tok; K] {
        let mut t = [Tok::EMPTY; K];
        let mut i = 0;
        while i < K {
            t[i] = Tok::new(names[i]);
            i += 1;
        }
        t
    }
}

/// `tok!("text")`: a `&'static Tok`.
#[macro_export]
macro_rules! tok {
    ($s:expr) => {{
        const T: $crate::back::code::Tok = $crate::back::code::Tok::new($s);
        &T
    }};
}

/// Assembly text being written, as bytes: every piece written is UTF-8
/// (names, numbers, source text), which [`Text::into_string`] checks once.
#[derive(Default)]
pub struct Text {
    buf: Vec<u8>,
}

impl Text {
    pub fn with_capacity(n: usize) -> Text {
        Text { buf: Vec::with_capacity(n) }
    }

    #[inline]
    pub fn byte(&mut self, b: u8) {
        self.buf.push(b);
    }

    #[inline]
    pub fn str(&mut self, s: &str) {
        self.buf.extend_from_slice(s.as_bytes());
    }

    #[inline]
    pub fn tok(&mut self, t: &Tok) {
        let n = self.buf.len();
        self.buf.extend_from_slice(&t.bytes);
        self.buf.truncate(n + t.len as usize);
    }

    /// `v` in decimal.
    pub fn u64(&mut self, v: u64) {
        let digits = if v == 0 { 1 } else { v.ilog10() as usize + 1 };
        let mut buf = [0u8; 20];
        let mut x = v;
        for i in (0..digits).rev() {
            buf[i] = b'0' + (x % 10) as u8;
            x /= 10;
        }
        let n = self.buf.len();
        self.buf.extend_from_slice(&buf);
        self.buf.truncate(n + digits);
    }

    /// `v` in decimal, `-` for negative numbers.
    pub fn i64(&mut self, v: i64) {
        if v < 0 {
            self.byte(b'-');
        }
        self.u64(v.unsigned_abs());
    }

    /// `v` as `0x…` in lower-case hexadecimal (Rust's `{:#x}`), with at
    /// least `min` digits.
    pub fn hex(&mut self, v: u64, min: usize) {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let digits = ((64 - v.leading_zeros() as usize).div_ceil(4)).max(min).max(1);
        let mut buf = [0u8; 18];
        buf[0] = b'0';
        buf[1] = b'x';
        for i in 0..digits {
            buf[1 + digits - i] = DIGITS[((v >> (4 * i)) & 15) as usize];
        }
        let n = self.buf.len();
        self.buf.extend_from_slice(&buf);
        self.buf.truncate(n + 2 + digits);
    }

    /// An offset after a symbol: `+n`, `-n`, or nothing for 0.
    pub fn offset(&mut self, off: i64) {
        if off > 0 {
            self.byte(b'+');
        }
        if off != 0 {
            self.i64(off);
        }
    }

    pub fn len(&self) -> usize {
        self.buf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    pub fn into_string(self) -> String {
        String::from_utf8(self.buf).unwrap_or_else(|e| unreachable!("assembly text is UTF-8: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_as_format_writes_them() {
        for v in [0i64, 1, -1, 9, 10, -10, 4095, 0xe, 0xc471, i64::MAX, i64::MIN, 1 << 40, -(1 << 33)] {
            let mut t = Text::default();
            t.i64(v);
            t.byte(b' ');
            t.hex(v as u64, 0);
            t.byte(b' ');
            t.offset(v);
            t.byte(b' ');
            t.hex(v as u64 & 0xff, 2);
            let offset = match v {
                0 => String::new(),
                v if v > 0 => format!("+{v}"),
                v => v.to_string(),
            };
            assert_eq!(t.into_string(), format!("{v} {:#x} {offset} {:#04x}", v as u64, v as u64 & 0xff));
        }
        let mut t = Text::default();
        t.u64(u64::MAX);
        t.tok(crate::tok!("\tlock cmpxchg"));
        t.str("é");
        assert_eq!(t.into_string(), format!("{}\tlock cmpxchgé", u64::MAX));
    }
}
