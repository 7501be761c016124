//! `-g`: macro expansions as inlined subroutines in DWARF (docs/debugging.md).
//!
//! The assembler builds the line table (`.debug_line`) from the `.loc`
//! directives written with every statement; this pass writes the rest of the
//! debug information itself, as data directives at the end of the output:
//!
//! - while the code is written ([`crate::back::code::write_lines`]), a label
//!   where a function (a region, as the unwind tables define it: an exported
//!   label or a C-ABI function start) starts or ends and where the macro
//!   chain of the statements changes, and before the first statement of an
//!   expansion a `.loc` for the line that called the macro (so that a
//!   breakpoint on that line stops at the expansion, as for inlined calls);
//! - at the end ([`Debug::finish`]), `.debug_abbrev`, `.debug_info` (a
//!   compile unit whose `DW_AT_stmt_list` points at a label put at the start
//!   of `.debug_line`; a `DW_TAG_subprogram` per function; an abstract
//!   `DW_TAG_subprogram` per macro; a `DW_TAG_inlined_subroutine` per
//!   expansion, nested as the expansions are, cut at function boundaries)
//!   and, for an expansion that is not contiguous, `.debug_ranges`.

mod dwarf;

use std::rc::Rc;

use rustc_hash::FxHashMap as HashMap;

use crate::back::code::{Stmt, Text};
use crate::back::obj::Obj;
use crate::diag::Frame;
use crate::front::lexer::Name;
use crate::source::{FileId, SourceMap};
use crate::valid::{Item, Program};

/// A point of the code: the number of a label written there and how many
/// instructions were written before it (equal counts: nothing between two
/// points).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
struct Point {
    label: u32,
    insts: u64,
}

/// One expansion inside one function.
struct Node {
    frame: Rc<Frame>,
    /// Where its code is: [start, end) pairs.
    ranges: Vec<(Point, Point)>,
    open_since: Option<Point>,
    children: Vec<usize>,
}

/// A function: a region of the code.
struct Func<'a> {
    name: &'a Name,
    exported: bool,
    start: Point,
    end: Point,
    nodes: Vec<Node>,
    roots: Vec<usize>,
}

/// The debug information of one output, collected while its code is written.
pub struct Debug<'a> {
    program: &'a Program,
    map: &'a SourceMap,
    obj: Obj,
    /// Global labels that start a function.
    regions: HashMap<&'a str, bool>,
    /// `.file` numbers.
    files: HashMap<FileId, u32>,
    next_label: u32,
    insts: u64,
    text_start: u32,
    funcs: Vec<Func<'a>>,
    open: Option<Func<'a>>,
    /// The expansions open at this point, outermost first (nodes of `open`).
    stack: Vec<usize>,
    /// The node of each expansion in the open function.
    by_frame: HashMap<*const Frame, usize>,
    /// The innermost expansion of the statement before (null: none), for
    /// the common case of a statement in the same expansion.
    last_chain: *const Frame,
}

impl<'a> Debug<'a> {
    /// `starts`: the C-ABI function starts, if the checks found them.
    pub fn new(program: &'a Program, obj: Obj, map: &'a SourceMap, starts: Option<&crate::check::FunctionStarts>) -> Debug<'a> {
        Debug {
            program,
            map,
            obj,
            regions: crate::back::unwind::regions(program, map, starts),
            files: HashMap::default(),
            next_label: 0,
            insts: 0,
            text_start: 0,
            funcs: Vec::new(),
            open: None,
            stack: Vec::new(),
            by_frame: HashMap::default(),
            last_chain: std::ptr::null(),
        }
    }

    /// At the start of the code (in `.text`), after the `.file` directives.
    pub fn begin(&mut self, out: &mut Text, files: &HashMap<FileId, usize>) {
        self.files = files.iter().map(|(&k, &v)| (k, v as u32)).collect();
        self.text_start = self.label(out);
    }

    fn label(&mut self, out: &mut Text) -> u32 {
        let n = self.next_label;
        self.next_label += 1;
        self.write_label(out, n);
        out.str(":\n");
        n
    }

    fn write_label(&self, out: &mut Text, n: u32) {
        out.str(self.obj.local_prefix());
        out.str("oadbg");
        out.u64(n as u64);
    }

    fn point(&mut self, out: &mut Text) -> Point {
        Point { label: self.label(out), insts: self.insts }
    }

    /// An instruction (or `emit` text) was written.
    #[inline]
    pub fn count(&mut self) {
        self.insts += 1;
    }

    /// Is this global label the start of a function?
    pub fn starts_function(&self, name: &str) -> bool {
        self.regions.contains_key(name)
    }

    /// Before the definition of a global label that starts a function: the
    /// open function ends.
    pub fn before_function(&mut self, out: &mut Text) {
        if self.open.is_some() {
            let p = self.point(out);
            self.close_function(p);
        }
    }

    /// After the definition of global label `name`, which starts a function.
    pub fn after_function(&mut self, out: &mut Text, name: &'a Name) {
        let start = self.point(out);
        let exported = self.program.exports.contains(name);
        self.open = Some(Func { name, exported, start, end: start, nodes: Vec::new(), roots: Vec::new() });
    }

    fn close_function(&mut self, p: Point) {
        let stack = std::mem::take(&mut self.stack);
        if let Some(mut f) = self.open.take() {
            for &n in stack.iter().rev() {
                close(&mut f.nodes[n], p);
            }
            f.end = p;
            if f.end.insts != f.start.insts {
                self.funcs.push(f);
            }
        }
        self.by_frame.clear();
        self.last_chain = std::ptr::null();
    }

    /// Before the first line of statement `s` (and its `.loc`): where the
    /// macro chain changes, a label, and for each expansion that starts here
    /// the `.loc` of its call.
    pub fn stmt(&mut self, out: &mut Text, s: &Stmt) {
        if self.open.is_none() {
            return;
        }
        let Some(Item::Instr(i)) = self.program.items.get(s.item as usize) else { return };
        let innermost = i.chain.as_ref().map_or(std::ptr::null(), Rc::as_ptr);
        if innermost == self.last_chain {
            return;
        }
        self.last_chain = innermost;
        let mut frames: Vec<&Rc<Frame>> = Vec::new();
        let mut f = i.chain.as_ref();
        while let Some(fr) = f {
            frames.push(fr);
            f = fr.parent.as_ref();
        }
        frames.reverse();
        let func = self.open.as_ref().unwrap_or_else(|| unreachable!());
        let common = self.stack.iter().zip(&frames).take_while(|(&n, f)| Rc::ptr_eq(&func.nodes[n].frame, f)).count();
        if common == self.stack.len() && common == frames.len() {
            return;
        }
        let p = self.point(out);
        let func = self.open.as_mut().unwrap_or_else(|| unreachable!());
        for n in self.stack.drain(common..).rev() {
            close(&mut func.nodes[n], p);
        }
        for fr in &frames[common..] {
            let key = Rc::as_ptr(fr);
            let n = match self.by_frame.get(&key) {
                Some(&n) => n,
                None => {
                    let n = func.nodes.len();
                    func.nodes.push(Node { frame: Rc::clone(fr), ranges: Vec::new(), open_since: None, children: Vec::new() });
                    match self.stack.last() {
                        Some(&parent) => func.nodes[parent].children.push(n),
                        None => func.roots.push(n),
                    }
                    self.by_frame.insert(key, n);
                    // The call's line at the expansion's first address.
                    if let Some(&file) = self.files.get(&fr.call.file) {
                        let (line, col) = self.map.file(fr.call.file).line_col(fr.call.start);
                        write_loc(out, file, line, col);
                    }
                    n
                }
            };
            func.nodes[n].open_since = Some(p);
            self.stack.push(n);
        }
    }

    /// At the end of the code (still in `.text`): ends the open function
    /// and writes the debug sections.
    pub fn finish(&mut self, out: &mut Text) {
        let end = self.point(out);
        self.close_function(end);
        dwarf::write(self, out, end.label);
    }
}

fn close(n: &mut Node, p: Point) {
    if let Some(s) = n.open_since.take() {
        if s.insts != p.insts {
            n.ranges.push((s, p));
        }
    }
}

fn write_loc(out: &mut Text, file: u32, line: u32, col: u32) {
    out.str("\t.loc ");
    out.u64(file as u64);
    out.byte(b' ');
    out.u64(line as u64);
    out.byte(b' ');
    out.u64(col as u64);
    out.byte(b'\n');
}
