//! The DWARF 4 sections written by hand: `.debug_abbrev`, `.debug_info`,
//! `.debug_ranges` (for expansions that are not contiguous) and the label at
//! the start of `.debug_line` that the compile unit points at.

use rustc_hash::FxHashMap as HashMap;

use super::{Debug, Func, Node};
use crate::back::code::Text;
use crate::target::ObjFormat;
use crate::valid::Item;

const DW_TAG_COMPILE_UNIT: u32 = 0x11;
const DW_TAG_SUBPROGRAM: u32 = 0x2e;
const DW_TAG_INLINED_SUBROUTINE: u32 = 0x1d;

const DW_AT_NAME: u32 = 0x03;
const DW_AT_STMT_LIST: u32 = 0x10;
const DW_AT_LOW_PC: u32 = 0x11;
const DW_AT_HIGH_PC: u32 = 0x12;
const DW_AT_LANGUAGE: u32 = 0x13;
const DW_AT_COMP_DIR: u32 = 0x1b;
const DW_AT_INLINE: u32 = 0x20;
const DW_AT_PRODUCER: u32 = 0x25;
const DW_AT_ABSTRACT_ORIGIN: u32 = 0x31;
const DW_AT_DECL_FILE: u32 = 0x3a;
const DW_AT_DECL_LINE: u32 = 0x3b;
const DW_AT_EXTERNAL: u32 = 0x3f;
const DW_AT_RANGES: u32 = 0x55;
const DW_AT_CALL_COLUMN: u32 = 0x57;
const DW_AT_CALL_FILE: u32 = 0x58;
const DW_AT_CALL_LINE: u32 = 0x59;

const DW_FORM_ADDR: u32 = 0x01;
const DW_FORM_DATA2: u32 = 0x05;
const DW_FORM_DATA4: u32 = 0x06;
const DW_FORM_STRING: u32 = 0x08;
const DW_FORM_DATA1: u32 = 0x0b;
const DW_FORM_UDATA: u32 = 0x0f;
const DW_FORM_REF4: u32 = 0x13;
const DW_FORM_SEC_OFFSET: u32 = 0x17;
const DW_FORM_FLAG_PRESENT: u32 = 0x19;

const DW_LANG_MIPS_ASSEMBLER: u32 = 0x8001;
const DW_INL_INLINED: u32 = 1;

/// The abbreviations, numbered from 1: (tag, has children, attributes).
const ABBREVS: [(u32, bool, &[(u32, u32)]); 10] = [
    // 1: the compile unit.
    (
        DW_TAG_COMPILE_UNIT,
        true,
        &[
            (DW_AT_PRODUCER, DW_FORM_STRING),
            (DW_AT_LANGUAGE, DW_FORM_DATA2),
            (DW_AT_NAME, DW_FORM_STRING),
            (DW_AT_COMP_DIR, DW_FORM_STRING),
            (DW_AT_STMT_LIST, DW_FORM_SEC_OFFSET),
            (DW_AT_LOW_PC, DW_FORM_ADDR),
            (DW_AT_HIGH_PC, DW_FORM_DATA4),
        ],
    ),
    // 2: a macro (abstract instance).
    (DW_TAG_SUBPROGRAM, false, &[(DW_AT_NAME, DW_FORM_STRING), (DW_AT_INLINE, DW_FORM_DATA1)]),
    // 3, 4: an exported function, with and without expansions.
    (DW_TAG_SUBPROGRAM, true, FUNC_EXTERNAL),
    (DW_TAG_SUBPROGRAM, false, FUNC_EXTERNAL),
    // 5, 6: a file-local function.
    (DW_TAG_SUBPROGRAM, true, FUNC_LOCAL),
    (DW_TAG_SUBPROGRAM, false, FUNC_LOCAL),
    // 7, 8: a contiguous expansion, with and without nested expansions.
    (DW_TAG_INLINED_SUBROUTINE, true, INLINED_PC),
    (DW_TAG_INLINED_SUBROUTINE, false, INLINED_PC),
    // 9, 10: an expansion in pieces.
    (DW_TAG_INLINED_SUBROUTINE, true, INLINED_RANGES),
    (DW_TAG_INLINED_SUBROUTINE, false, INLINED_RANGES),
];

const FUNC_EXTERNAL: &[(u32, u32)] = &[
    (DW_AT_NAME, DW_FORM_STRING),
    (DW_AT_EXTERNAL, DW_FORM_FLAG_PRESENT),
    (DW_AT_DECL_FILE, DW_FORM_UDATA),
    (DW_AT_DECL_LINE, DW_FORM_UDATA),
    (DW_AT_LOW_PC, DW_FORM_ADDR),
    (DW_AT_HIGH_PC, DW_FORM_DATA4),
];
const FUNC_LOCAL: &[(u32, u32)] = &[
    (DW_AT_NAME, DW_FORM_STRING),
    (DW_AT_DECL_FILE, DW_FORM_UDATA),
    (DW_AT_DECL_LINE, DW_FORM_UDATA),
    (DW_AT_LOW_PC, DW_FORM_ADDR),
    (DW_AT_HIGH_PC, DW_FORM_DATA4),
];
const INLINED_PC: &[(u32, u32)] = &[
    (DW_AT_ABSTRACT_ORIGIN, DW_FORM_REF4),
    (DW_AT_LOW_PC, DW_FORM_ADDR),
    (DW_AT_HIGH_PC, DW_FORM_DATA4),
    (DW_AT_CALL_FILE, DW_FORM_UDATA),
    (DW_AT_CALL_LINE, DW_FORM_UDATA),
    (DW_AT_CALL_COLUMN, DW_FORM_UDATA),
];
const INLINED_RANGES: &[(u32, u32)] = &[
    (DW_AT_ABSTRACT_ORIGIN, DW_FORM_REF4),
    (DW_AT_RANGES, DW_FORM_SEC_OFFSET),
    (DW_AT_CALL_FILE, DW_FORM_UDATA),
    (DW_AT_CALL_LINE, DW_FORM_UDATA),
    (DW_AT_CALL_COLUMN, DW_FORM_UDATA),
];

struct W<'d, 'a> {
    d: &'d mut Debug<'a>,
    out: &'d mut Text,
    /// Labels at the start of `.debug_info` and `.debug_ranges`.
    info_start: u32,
    ranges_start: u32,
}

impl W<'_, '_> {
    fn fresh(&mut self) -> u32 {
        let n = self.d.next_label;
        self.d.next_label += 1;
        n
    }

    fn label(&mut self, n: u32) {
        self.d.write_label(self.out, n);
        self.out.str(":\n");
    }

    fn sym(&mut self, n: u32) {
        self.d.write_label(self.out, n);
    }

    fn line(&mut self, directive: &str, v: u64) {
        self.out.byte(b'\t');
        self.out.str(directive);
        self.out.byte(b' ');
        self.out.u64(v);
        self.out.byte(b'\n');
    }

    fn uleb(&mut self, v: u64) {
        self.line(".uleb128", v);
    }

    /// Several ULEB128 values in one directive.
    fn ulebs(&mut self, vs: &[u64]) {
        self.out.str("\t.uleb128 ");
        for (k, v) in vs.iter().enumerate() {
            if k > 0 {
                self.out.str(", ");
            }
            self.out.u64(*v);
        }
        self.out.byte(b'\n');
    }

    fn string(&mut self, s: &str) {
        self.out.str("\t.asciz \"");
        for c in s.chars() {
            match c {
                '"' => self.out.str("\\\""),
                '\\' => self.out.str("\\\\"),
                c if (c as u32) < 0x20 => self.out.str(&format!("\\{:03o}", c as u32)),
                c => self.out.str(c.encode_utf8(&mut [0; 4])),
            }
        }
        self.out.str("\"\n");
    }

    /// `directive a - b`.
    fn diff(&mut self, directive: &str, a: u32, b: u32) {
        self.out.byte(b'\t');
        self.out.str(directive);
        self.out.byte(b' ');
        self.sym(a);
        self.out.str(" - ");
        self.sym(b);
        self.out.byte(b'\n');
    }

    /// An address (`DW_FORM_addr`).
    fn addr(&mut self, n: u32) {
        self.out.str("\t.quad ");
        self.sym(n);
        self.out.byte(b'\n');
    }

    /// The offset of label `n` in its debug section, which starts at label
    /// `start` (`DW_FORM_sec_offset`): relocated on ELF and COFF, where the
    /// linker joins the sections of several objects; a difference on Mach-O,
    /// where debug sections stay in the objects.
    fn sec_offset(&mut self, n: u32, start: u32) {
        match self.d.obj.format {
            ObjFormat::Elf => {
                self.out.str("\t.long ");
                self.sym(n);
                self.out.byte(b'\n');
            }
            ObjFormat::Coff => {
                self.out.str("\t.secrel32 ");
                self.sym(n);
                self.out.byte(b'\n');
            }
            ObjFormat::MachO => self.diff(".long", n, start),
        }
    }

    /// `DW_AT_high_pc`: the size (as GCC and clang write it) on ELF and
    /// COFF; on Mach-O the end address, because a difference of labels in
    /// two atoms (a function with a global label inside, the whole unit)
    /// stays a relocation pair in the object, which tools reading objects
    /// (`llvm-dwarfdump`) do not resolve.
    fn high_pc_form(&self) -> u32 {
        match self.d.obj.format {
            ObjFormat::MachO => DW_FORM_ADDR,
            _ => DW_FORM_DATA4,
        }
    }

    fn high_pc(&mut self, start: u32, end: u32) {
        match self.d.obj.format {
            ObjFormat::MachO => self.addr(end),
            _ => self.diff(".long", end, start),
        }
    }

    fn section(&mut self, name: &str) {
        let arm = self.d.obj.arch == crate::target::Arch::Arm64;
        match self.d.obj.format {
            ObjFormat::Elf => {
                self.out.str("\t.section .");
                self.out.str(name);
                self.out.str(if arm { ",\"\",%progbits\n" } else { ",\"\",@progbits\n" });
            }
            ObjFormat::MachO => {
                self.out.str("\t.section __DWARF,__");
                self.out.str(name);
                self.out.str(",regular,debug\n");
            }
            ObjFormat::Coff => {
                self.out.str("\t.section .");
                self.out.str(name);
                self.out.str(",\"dr\"\n");
            }
        }
    }
}

/// Writes the debug sections of `d` (`text_end`: the label at the end of the code).
pub(super) fn write(d: &mut Debug, out: &mut Text, text_end: u32) {
    let map = d.map;
    let funcs = std::mem::take(&mut d.funcs);
    let text_start = d.text_start;
    let program = d.program;
    let mut w = W { d, out, info_start: 0, ranges_start: 0 };
    // Where each global label is defined.
    let mut decl: HashMap<&str, crate::source::Span> = HashMap::default();
    for item in &program.items {
        if let Item::Label { name, local: false, span } = item {
            decl.entry(&**name).or_insert(*span);
        }
    }
    let file_line = |w: &W, span: crate::source::Span| -> (u64, u64, u64) {
        let file = w.d.files.get(&span.file).copied().unwrap_or(0) as u64;
        let (line, col) = map.file(span.file).line_col(span.start);
        (file, line as u64, col as u64)
    };

    // .debug_abbrev
    let (abbrev_start, info_start, ranges_start, line_start) = (w.fresh(), w.fresh(), w.fresh(), w.fresh());
    w.info_start = info_start;
    w.ranges_start = ranges_start;
    w.section("debug_abbrev");
    w.label(abbrev_start);
    for (k, (tag, children, attrs)) in ABBREVS.iter().enumerate() {
        w.uleb(k as u64 + 1);
        w.uleb(*tag as u64);
        w.line(".byte", *children as u64);
        for &(at, form) in attrs.iter() {
            let form = if at == DW_AT_HIGH_PC { w.high_pc_form() } else { form };
            w.ulebs(&[at as u64, form as u64]);
        }
        w.line(".byte", 0);
        w.line(".byte", 0);
    }
    w.line(".byte", 0);

    // .debug_info
    let (body, info_end) = (w.fresh(), w.fresh());
    w.section("debug_info");
    w.label(info_start);
    w.diff(".long", info_end, body);
    w.label(body);
    w.line(".short", 4);
    w.sec_offset(abbrev_start, abbrev_start);
    w.line(".byte", 8);
    w.uleb(1);
    w.string(concat!("offasm ", env!("CARGO_PKG_VERSION")));
    w.line(".short", DW_LANG_MIPS_ASSEMBLER as u64);
    let main = map.files().next().map(|(_, f)| std::fs::canonicalize(&f.path).unwrap_or_else(|_| f.path.clone()));
    let (name, dir) = match &main {
        Some(p) => (p.display().to_string(), p.parent().map(|d| d.display().to_string()).unwrap_or_default()),
        None => (String::new(), String::new()),
    };
    w.string(&name.replace('\\', "/"));
    w.string(&dir.replace('\\', "/"));
    w.sec_offset(line_start, line_start);
    w.addr(text_start);
    w.high_pc(text_start, text_end);
    // The macros, in the order of their first expansion.
    let mut macros: Vec<(&str, u32)> = Vec::new();
    let mut macro_label: HashMap<&str, u32> = HashMap::default();
    for f in &funcs {
        for n in &f.nodes {
            if !n.ranges.is_empty() && !macro_label.contains_key(&*n.frame.name) {
                let l = w.fresh();
                macro_label.insert(&n.frame.name, l);
                macros.push((&n.frame.name, l));
            }
        }
    }
    for &(name, l) in &macros {
        w.label(l);
        w.uleb(2);
        w.string(name);
        w.line(".byte", DW_INL_INLINED as u64);
    }
    // The ranges of expansions in pieces: (label in .debug_ranges, pieces).
    let mut ranges: Vec<(u32, Vec<(u32, u32)>)> = Vec::new();
    for f in &funcs {
        let live = |n: &Node| !n.ranges.is_empty();
        let has_children = f.roots.iter().any(|&n| live(&f.nodes[n]));
        let code = match (f.exported, has_children) {
            (true, true) => 3,
            (true, false) => 4,
            (false, true) => 5,
            (false, false) => 6,
        };
        w.uleb(code);
        w.string(f.name.strip_prefix('_').unwrap_or(f.name));
        let (file, line, _) = decl.get(&**f.name).map(|&s| file_line(&w, s)).unwrap_or((0, 0, 0));
        w.ulebs(&[file, line]);
        w.addr(f.start.label);
        w.high_pc(f.start.label, f.end.label);
        if has_children {
            write_nodes(&mut w, f, &f.roots, &macro_label, &mut ranges, &file_line);
            w.line(".byte", 0);
        }
    }
    w.line(".byte", 0);
    w.label(info_end);

    if !ranges.is_empty() {
        w.section("debug_ranges");
        w.label(ranges_start);
        for (l, pieces) in &ranges {
            w.label(*l);
            // A base address of 0, then addresses.
            w.out.str("\t.quad -1\n");
            w.line(".quad", 0);
            for &(s, e) in pieces {
                w.addr(s);
                w.addr(e);
            }
            w.line(".quad", 0);
            w.line(".quad", 0);
        }
    }

    // The assembler appends the line table it builds from `.loc` here.
    w.section("debug_line");
    w.label(line_start);
}

fn write_nodes(
    w: &mut W,
    f: &Func,
    nodes: &[usize],
    macro_label: &HashMap<&str, u32>,
    ranges: &mut Vec<(u32, Vec<(u32, u32)>)>,
    file_line: &dyn Fn(&W, crate::source::Span) -> (u64, u64, u64),
) {
    for &k in nodes {
        let n = &f.nodes[k];
        if n.ranges.is_empty() {
            continue;
        }
        let has_children = n.children.iter().any(|&c| !f.nodes[c].ranges.is_empty());
        let pieces = n.ranges.len() > 1;
        let code = match (pieces, has_children) {
            (false, true) => 7,
            (false, false) => 8,
            (true, true) => 9,
            (true, false) => 10,
        };
        w.uleb(code);
        let info_start = w.info_start;
        w.diff(".long", macro_label[&*n.frame.name], info_start);
        if pieces {
            let l = w.fresh();
            let ranges_start = w.ranges_start;
            w.sec_offset(l, ranges_start);
            ranges.push((l, n.ranges.iter().map(|(s, e)| (s.label, e.label)).collect()));
        } else {
            let (s, e) = n.ranges[0];
            w.addr(s.label);
            w.high_pc(s.label, e.label);
        }
        let (file, line, col) = file_line(w, n.frame.call);
        w.ulebs(&[file, line, col]);
        if has_children {
            write_nodes(w, f, &n.children, macro_label, ranges, file_line);
            w.line(".byte", 0);
        }
    }
}
