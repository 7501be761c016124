//! What the back ends emit, counted in machine instructions, kept in golden
//! files so that a change in code size shows in review (issue 10):
//!
//! - `golden/form-costs.txt`: every instruction form of the table in every
//!   operand shape that applies to it (registers; immediates 0, 7, -7, a
//!   32-bit and a 64-bit one; memory `8[base]` and `8[base, index, 8]` as a
//!   source and as the destination; the destination equal to a source;
//!   labels; shift counts and destinations in `rcx`; `sp` as destination and
//!   as source), lowered alone: the machine instructions it becomes on
//!   System V, Windows and ARM64, next to the hand-written reference of
//!   `golden/form-reference.txt` (`ref`), with `>`/`<` where offasm emits
//!   more/fewer instructions than the reference.
//! - `golden/code-size.txt`: the instruction totals of the execution corpus
//!   (`tests/corpus/*.asm`) and of the examples, per target and per file.
//!
//! `BLESS=1 cargo test -p offasm --test code_size` rewrites both; review the
//! diff (a count that grows is a regression unless the old code was wrong).
//! `golden/form-reference.txt` is written by hand, never blessed: the test
//! `no_form_is_longer_than_its_hand_written_reference` fails, listing them,
//! on every form where offasm emits more than the reference.

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use offasm::driver::{self, Input, Options};
use offasm::isa::{isa, Access, Form, InstrDef, Kinds, Op, Rule, Width};
use offasm::target::{Arch, Target};

/// Machine instructions in emitted assembly: indented lines that are not
/// directives or comments.
fn instructions(asm: &str) -> usize {
    asm.lines()
        .filter(|l| l.starts_with('\t') || l.starts_with("    "))
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('.') && !l.starts_with("//") && !l.starts_with('#') && !l.starts_with(';'))
        .count()
}

fn compile(text: &str, triple: &str, dir: Option<&Path>) -> Option<String> {
    let target = Target::from_triple(triple).unwrap();
    let mut opts = Options::new(target);
    opts.hazard_checks = false;
    if let Some(d) = dir {
        opts.include_dirs = vec![d.to_path_buf()];
    }
    let path = dir.map_or_else(|| PathBuf::from("form.asm"), |d| d.join("input.asm"));
    let out = driver::compile(Input::Text { path: &path, text: text.to_string() }, &opts).ok()?;
    let ok = out.ok();
    out.asm.filter(|_| ok)
}

/// Register operands by role: sources, destinations, FP sources/destinations.
const SRC: [&str; 3] = ["t0", "t2", "t3"];
const DST: [&str; 2] = ["t1", "t5"];
const FSRC: [&str; 3] = ["ft0", "ft1", "ft4"];
const FDST: [&str; 2] = ["ft2", "ft3"];

/// The operand shapes every form is generated in (where the shape applies).
/// Register roles differ between the x86-64 maps: `t3` is `rcx` on System V
/// and `t5` is `rcx` on Windows (TARGETS.md §3.2, §4.3), which the shapes
/// `c=t3`… exist for (the shift count must be in `cl`).
#[derive(Clone, Copy, PartialEq)]
enum Shape {
    Regs,
    ZeroImm,
    SmallImm,
    /// A small negative immediate (-7).
    NegImm,
    LargeImm,
    /// A 64-bit immediate that does not fit 32 bits (p/q forms).
    WideImm,
    Mem,
    IndexedMem,
    /// The written operand in memory (read-modify-write), register source.
    MemDest,
    /// The same with an immediate source.
    MemDestImm,
    /// The destination is also the source just before it (`op s, s`,
    /// `op a, d, d`).
    DestIsSource,
    /// Three sources-and-destination forms with the destination equal to
    /// the first source (`op d, b, d`).
    DestIsFirst,
    /// A code label operand (`jmp .target`), or a data label defined in the
    /// output (`loadp _form, t1`).
    Label,
    /// An external symbol (`call _ext`, `leap _ext, t1`).
    Extern,
    /// Two registers in a variadic form (`push t0, t2`).
    Pair,
    /// Shifts and rotates: the count, the destination, the value, or count
    /// and destination in `t3` or `t5`.
    CountT3,
    CountT5,
    DestT3,
    DestT5,
    ValueT3,
    ValueT5,
    CountDestT3,
    CountDestT5,
    /// 64-bit arithmetic, moves, `leap`, `loadq`/`storeq` with `sp`: as the
    /// destination (register or memory base), with a register, 16 or -16 as
    /// the other operand; as the first source (register or memory base).
    SpDest,
    SpDestImm,
    SpDestNegImm,
    SpSrc,
    SpSrcImm,
}

const SHAPES: [Shape; 28] = [
    Shape::Regs,
    Shape::ZeroImm,
    Shape::SmallImm,
    Shape::NegImm,
    Shape::LargeImm,
    Shape::WideImm,
    Shape::Mem,
    Shape::IndexedMem,
    Shape::MemDest,
    Shape::MemDestImm,
    Shape::DestIsSource,
    Shape::DestIsFirst,
    Shape::Label,
    Shape::Extern,
    Shape::Pair,
    Shape::CountT3,
    Shape::CountT5,
    Shape::DestT3,
    Shape::DestT5,
    Shape::ValueT3,
    Shape::ValueT5,
    Shape::CountDestT3,
    Shape::CountDestT5,
    Shape::SpDest,
    Shape::SpDestImm,
    Shape::SpDestNegImm,
    Shape::SpSrc,
    Shape::SpSrcImm,
];

impl Shape {
    fn name(self) -> &'static str {
        match self {
            Shape::Regs => "regs",
            Shape::ZeroImm => "imm0",
            Shape::SmallImm => "imm8",
            Shape::NegImm => "imm-neg",
            Shape::LargeImm => "imm32",
            Shape::WideImm => "imm64",
            Shape::Mem => "mem",
            Shape::IndexedMem => "mem-index",
            Shape::MemDest => "mem-d",
            Shape::MemDestImm => "imm-mem-d",
            Shape::DestIsSource => "d=src",
            Shape::DestIsFirst => "d=a",
            Shape::Label => "label",
            Shape::Extern => "extern",
            Shape::Pair => "pair",
            Shape::CountT3 => "c=t3",
            Shape::CountT5 => "c=t5",
            Shape::DestT3 => "d=t3",
            Shape::DestT5 => "d=t5",
            Shape::ValueT3 => "v=t3",
            Shape::ValueT5 => "v=t5",
            Shape::CountDestT3 => "c=d=t3",
            Shape::CountDestT5 => "c=d=t5",
            Shape::SpDest => "sp=d",
            Shape::SpDestImm => "imm-sp=d",
            Shape::SpDestNegImm => "neg-sp=d",
            Shape::SpSrc => "sp=s",
            Shape::SpSrcImm => "imm-sp=s",
        }
    }
}

fn is_reg(text: &str) -> bool {
    text.starts_with('t') || text.starts_with("ft")
}

fn is_fpr(text: &str) -> bool {
    text.starts_with("ft")
}

/// The operands of `form` in one of the basic shapes (registers, an
/// immediate, memory, labels), or `None` when the shape does not apply.
fn basic_operands(form: &Form, shape: Shape) -> Option<Vec<String>> {
    let (mut src, mut dst, mut fsrc, mut fdst) = (SRC.iter(), DST.iter(), FSRC.iter(), FDST.iter());
    let mut out = Vec::new();
    let mut used_shape = shape == Shape::Regs;
    let first_imm = form.operands.iter().position(|s| s.access == Access::Read && s.kinds.contains(Kinds::IMM) && s.kinds != Kinds::IMM);
    let first_mem = form.operands.iter().position(|s| s.kinds.contains(Kinds::ADDR) && s.access != Access::Address && s.kinds != Kinds::ADDR);
    let first_label = form.operands.iter().position(|s| s.kinds.intersects(Kinds::LABEL | Kinds::DATA_LABEL) && s.width != Width::None);
    for (j, s) in form.operands.iter().enumerate() {
        let text = if matches!(shape, Shape::Label | Shape::Extern) && Some(j) == first_label {
            used_shape = true;
            match shape {
                Shape::Extern => "_ext".to_string(),
                _ if s.kinds.contains(Kinds::DATA_LABEL) => "_form".to_string(),
                _ => ".target".to_string(),
            }
        } else if s.kinds.contains(Kinds::LABEL) && s.width == Width::None {
            ".target".to_string()
        } else if s.kinds == Kinds::IMM {
            "1".to_string()
        } else if s.kinds == Kinds::ADDR || (s.kinds.contains(Kinds::ADDR) && !s.kinds.intersects(Kinds::GPR | Kinds::FPR)) {
            if shape == Shape::IndexedMem {
                used_shape = true;
                "8[t4, t5, 8]".to_string()
            } else {
                "8[t4]".to_string()
            }
        } else if matches!(shape, Shape::Mem | Shape::IndexedMem) && Some(j) == first_mem {
            used_shape = true;
            if shape == Shape::Mem { "8[t4]".to_string() } else { "8[t4, t5, 8]".to_string() }
        } else if matches!(shape, Shape::ZeroImm | Shape::SmallImm | Shape::NegImm | Shape::LargeImm | Shape::WideImm) && Some(j) == first_imm {
            used_shape = true;
            match shape {
                Shape::ZeroImm => "0".to_string(),
                Shape::SmallImm => "7".to_string(),
                Shape::NegImm => "-7".to_string(),
                Shape::LargeImm => "0x12345678".to_string(),
                _ => "0x123456789a".to_string(),
            }
        } else if s.kinds.contains(Kinds::FPR) {
            let r = if s.access == Access::Write { fdst.next() } else { fsrc.next() };
            r?.to_string()
        } else if s.access == Access::Write {
            dst.next()?.to_string()
        } else {
            src.next()?.to_string()
        };
        // The x86 division group divides by a register other than r0/r1;
        // exclusive accesses take no offset.
        let text = if form.rules.contains(&Rule::NotR0R1(j)) {
            "t3".to_string()
        } else if form.rules.contains(&Rule::ZeroOffset(j)) {
            text.replacen("8[", "0[", 1)
        } else {
            text
        };
        out.push(text);
    }
    used_shape.then_some(out)
}

/// The operands of `form` (of `def`) in `shape`, or `None` when the shape
/// does not apply.
fn operands(def: &InstrDef, form: &Form, shape: Shape) -> Option<Vec<String>> {
    use Shape::*;
    let shift = matches!(def.op, Op::LShift | Op::RShift | Op::URShift | Op::LRotate | Op::RRotate);
    let sp_family = match def.op {
        Op::Add | Op::Sub | Op::And | Op::Or | Op::Xor | Op::Lea | Op::Store => def.width == Width::Q,
        Op::Load { .. } => def.width == Width::Q,
        Op::Move => def.width == Width::Q,
        _ => false,
    };
    let arith = matches!(def.op, Op::Add | Op::Sub | Op::And | Op::Or | Op::Xor);
    let ops = &form.operands;
    // The first written register operand.
    let written = |out: &[String]| (0..out.len()).find(|&j| ops[j].access.writes() && is_reg(&out[j]));
    let read_reg = |out: &[String], j: usize| ops[j].access == Access::Read && is_reg(&out[j]);
    match shape {
        Regs | ZeroImm | SmallImm | NegImm | LargeImm | WideImm | Mem | IndexedMem | Label | Extern => basic_operands(form, shape),
        MemDest | MemDestImm => {
            let mut out = basic_operands(form, if shape == MemDest { Regs } else { SmallImm })?;
            let j = written(&out)?;
            if !ops[j].kinds.contains(Kinds::ADDR) || out.iter().any(|t| t.contains('[')) {
                return None;
            }
            out[j] = "8[t4]".to_string();
            Some(out)
        }
        DestIsSource | DestIsFirst => {
            if form.variadic {
                return None;
            }
            let mut out = basic_operands(form, Regs)?;
            let j = written(&out)?;
            let k = if shape == DestIsSource { j.checked_sub(1)? } else { j.checked_sub(2)? };
            let same_class = |a: &str, b: &str| is_fpr(a) == is_fpr(b);
            if !read_reg(&out, k) || !same_class(&out[k], &out[j]) || (shape == DestIsFirst && !read_reg(&out, k + 1)) {
                return None;
            }
            out[k] = out[j].clone();
            Some(out)
        }
        Pair => {
            if !form.variadic || !ops.last()?.kinds.contains(Kinds::GPR) {
                return None;
            }
            let mut out = basic_operands(form, Regs)?;
            let second = if ops.last()?.access == Access::Write { "t5" } else { "t2" };
            out.push(second.to_string());
            Some(out)
        }
        CountT3 | CountT5 | DestT3 | DestT5 | ValueT3 | ValueT5 | CountDestT3 | CountDestT5 => {
            let mut out = basic_operands(form, Regs)?;
            if !shift {
                return None;
            }
            let (v, c, d) = if out.len() == 2 { (None, 0, 1) } else { (Some(0), 1, 2) };
            let r = if matches!(shape, CountT3 | DestT3 | ValueT3 | CountDestT3) { "t3" } else { "t5" }.to_string();
            match shape {
                CountT3 | CountT5 => out[c] = r,
                DestT3 | DestT5 => out[d] = r,
                ValueT3 | ValueT5 => out[v?] = r,
                _ => {
                    out[c] = r.clone();
                    out[d] = r;
                }
            }
            Some(out)
        }
        SpDest | SpDestImm | SpDestNegImm | SpSrc | SpSrcImm => {
            if !sp_family {
                return None;
            }
            let imm = matches!(shape, SpDestImm | SpDestNegImm | SpSrcImm);
            if imm && !arith {
                return None;
            }
            let mut out = basic_operands(form, if imm { SmallImm } else { Regs })?;
            if imm {
                let k = out.iter().position(|t| t == "7")?;
                out[k] = if shape == SpDestNegImm { "-16" } else { "16" }.to_string();
            }
            let j = if matches!(shape, SpDest | SpDestImm | SpDestNegImm) {
                (0..out.len()).find(|&j| ops[j].access.writes())?
            } else {
                (0..out.len()).find(|&j| matches!(ops[j].access, Access::Read | Access::Address) && (is_reg(&out[j]) || out[j].contains('[')))?
            };
            if out[j].contains('[') {
                out[j] = out[j].replacen("t4", "sp", 1);
            } else if is_reg(&out[j]) && !is_fpr(&out[j]) {
                out[j] = "sp".to_string();
            } else {
                return None;
            }
            Some(out)
        }
    }
}

const COLUMNS: [(&str, &str); 3] =
    [("sysv", "x86_64-unknown-linux-gnu"), ("win64", "x86_64-pc-windows-gnu"), ("arm64", "aarch64-unknown-linux-gnu")];

/// One row of the form table: an instruction, its shape, and the machine
/// instructions emitted per column (`None`: not available there).
struct Row {
    instr: String,
    shape: &'static str,
    emitted: [Option<usize>; 3],
}

/// Every form in every shape that applies, lowered alone, sorted by text.
fn form_rows() -> &'static [Row] {
    static ROWS: OnceLock<Vec<Row>> = OnceLock::new();
    ROWS.get_or_init(|| {
        let mut rows: BTreeMap<String, Row> = BTreeMap::new();
        for (_, def) in isa().iter() {
            for form in &def.forms {
                for shape in SHAPES {
                    let Some(ops) = operands(def, form, shape) else { continue };
                    let instr = format!("{} {}", def.name, ops.join(", ")).trim_end().to_string();
                    if rows.contains_key(&instr) {
                        // The same instruction from an earlier (simpler) shape.
                        continue;
                    }
                    let text = format!("_form:\n    {instr}\n.target:\n    ret\n");
                    let emitted = COLUMNS.map(|(_, triple)| {
                        let arch = Target::from_triple(triple).unwrap().arch;
                        if !def.avail.on(arch, false) {
                            return None;
                        }
                        // The function's own instructions, less its `ret`.
                        compile(&text, triple, None).map(|asm| instructions(&asm) - 1)
                    });
                    if emitted.iter().all(Option::is_none) {
                        continue;
                    }
                    rows.insert(instr.clone(), Row { instr, shape: shape.name(), emitted });
                }
            }
        }
        rows.into_values().collect()
    })
}

/// A rule of golden/form-reference.txt: the hand-written instruction counts
/// for the rows whose shape and instruction its globs match.
struct RefRule {
    line: usize,
    counts: [Option<usize>; 3],
    shape: Vec<String>,
    mnemonic: Vec<String>,
    /// One glob (as alternatives) per operand; `rest`: `...` ended the list.
    operands: Vec<Vec<String>>,
    rest: bool,
}

/// `{a,b}` alternatives expanded (nested groups are not used).
fn expand_braces(p: &str) -> Vec<String> {
    let Some(open) = p.find('{') else { return vec![p.to_string()] };
    let close = open + p[open..].find('}').expect("unbalanced `{` in form-reference.txt");
    let tails = expand_braces(&p[close + 1..]);
    p[open + 1..close]
        .split(',')
        .flat_map(|alt| tails.iter().map(move |t| format!("{}{alt}{t}", &p[..open])))
        .collect()
}

/// `*` matches any text.
fn wildcard(p: &str, s: &str) -> bool {
    match p.split_once('*') {
        None => p == s,
        Some((head, tail)) => {
            let Some(rest) = s.strip_prefix(head) else { return false };
            (0..=rest.len()).filter(|&k| rest.is_char_boundary(k)).any(|k| wildcard(tail, &rest[k..]))
        }
    }
}

fn glob(alternatives: &[String], s: &str) -> bool {
    alternatives.iter().any(|p| wildcard(p, s))
}

/// Splits at `, ` outside brackets and braces.
fn split_operands(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    let bytes = text.as_bytes();
    for (k, &b) in bytes.iter().enumerate() {
        match b {
            b'[' | b'{' => depth += 1,
            b']' | b'}' => depth -= 1,
            b',' if depth == 0 && bytes.get(k + 1) == Some(&b' ') => {
                out.push(&text[start..k]);
                start = k + 2;
            }
            _ => {}
        }
    }
    if !text.is_empty() {
        out.push(&text[start..]);
    }
    out
}

fn reference_rules() -> Vec<RefRule> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/form-reference.txt");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut rules = Vec::new();
    for (k, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap().trim();
        if line.is_empty() {
            continue;
        }
        // Four whitespace-separated fields, then the instruction pattern.
        let mut rest = line;
        let mut field = || {
            rest = rest.trim_start();
            let end = rest.find(char::is_whitespace).unwrap_or_else(|| panic!("form-reference.txt:{}: too few fields", k + 1));
            let (f, r) = rest.split_at(end);
            rest = r;
            f
        };
        let counts = [field(), field(), field()].map(|c| match c {
            "-" => None,
            n => Some(n.parse().unwrap_or_else(|_| panic!("form-reference.txt:{}: bad count `{n}`", k + 1))),
        });
        let shape = expand_braces(field());
        let pattern = rest.trim();
        let (mnemonic, ops) = pattern.split_once(' ').unwrap_or((pattern, ""));
        let mut operands: Vec<Vec<String>> = split_operands(ops).into_iter().map(expand_braces).collect();
        let rest = operands.last().is_some_and(|o| o == &["..."]);
        if rest {
            operands.pop();
        }
        rules.push(RefRule { line: k + 1, counts, shape, mnemonic: expand_braces(mnemonic), operands, rest });
    }
    rules
}

impl RefRule {
    fn matches(&self, row: &Row) -> bool {
        let (mnemonic, ops) = row.instr.split_once(' ').unwrap_or((&row.instr, ""));
        let ops = split_operands(ops);
        glob(&self.shape, row.shape)
            && glob(&self.mnemonic, mnemonic)
            && (ops.len() == self.operands.len() || (self.rest && ops.len() >= self.operands.len()))
            && self.operands.iter().zip(&ops).all(|(p, o)| glob(p, o))
    }
}

/// Every row with the first reference rule that matches it.
fn rows_with_reference() -> (Vec<(&'static Row, Option<usize>)>, Vec<RefRule>) {
    let rules = reference_rules();
    let rows = form_rows().iter().map(|r| (r, rules.iter().position(|rule| rule.matches(r)))).collect();
    (rows, rules)
}

fn count(c: Option<usize>) -> String {
    c.map_or("-".to_string(), |n| n.to_string())
}

/// The golden table: per row and column the emitted count and the
/// hand-written reference, with `>` where offasm emits more and `<` where it
/// emits less.
fn form_table() -> String {
    let (rows, rules) = rows_with_reference();
    let mut out = String::from(
        "# Generated by compiler/tests/code_size.rs (BLESS=1 to update): machine instructions per form,\n\
         # emitted by offasm and in the hand-written reference (golden/form-reference.txt, `ref`);\n\
         # `>`/`<` after a row: offasm emits more/fewer than the reference on that target.\n",
    );
    let _ = writeln!(out, "# {:<42} {:<10} {:>5} {:>3} {:>5} {:>3} {:>5} {:>3}", "instruction", "shape", "sysv", "ref", "win64", "ref", "arm64", "ref");
    for (row, rule) in rows {
        let refs = rule.map_or([None; 3], |k| rules[k].counts);
        let _ = write!(out, "{:<44} {:<10}", row.instr, row.shape);
        let mut marks = String::new();
        for c in 0..3 {
            let _ = write!(out, " {:>5} {:>3}", count(row.emitted[c]), rule.map_or("?".to_string(), |_| count(refs[c])));
            match (row.emitted[c], refs[c]) {
                (Some(e), Some(r)) if e > r => marks.push_str(&format!(" >{}", COLUMNS[c].0)),
                (Some(e), Some(r)) if e < r => marks.push_str(&format!(" <{}", COLUMNS[c].0)),
                _ => {}
            }
        }
        out.push_str(&marks);
        out.push('\n');
    }
    out
}

fn programs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("tests/corpus"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "asm"))
        .collect();
    // The hello example needs its build script's layout: only the tour compiles alone.
    files.push(root.join("examples/tour/tour.asm"));
    files.sort();
    files
}

/// Per target: total, then per file.
fn size_table() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut out = String::from("# Generated by compiler/tests/code_size.rs (BLESS=1 to update): machine instructions emitted.\n");
    let files = programs();
    let mut per_file: Vec<(String, Vec<String>)> = Vec::new();
    let mut totals = vec![0usize; Target::all_supported().len()];
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let name = f.strip_prefix(root).unwrap().display().to_string();
        let mut row = Vec::new();
        for (k, t) in Target::all_supported().iter().enumerate() {
            match compile(&text, &t.triple, f.parent()) {
                Some(asm) => {
                    let n = instructions(&asm);
                    totals[k] += n;
                    row.push(n.to_string());
                }
                None => row.push("-".into()),
            }
        }
        per_file.push((name, row));
    }
    let triples: Vec<String> = Target::all_supported().iter().map(|t| t.triple.clone()).collect();
    let _ = writeln!(out, "# columns: {}", triples.join(", "));
    let _ = writeln!(out, "{:<44} {}", "total", totals.iter().map(|n| format!("{n:>7}")).collect::<String>());
    for (name, row) in per_file {
        let _ = writeln!(out, "{:<44} {}", name, row.iter().map(|n| format!("{n:>7}")).collect::<String>());
    }
    out
}

fn check_golden(name: &str, actual: &str) {
    let mut failures = Vec::new();
    common::golden(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(name), actual, &mut failures);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The goal of issue 10 §2: no form longer than the shortest sequence
/// written by hand (golden/form-reference.txt); every row has a rule, every
/// rule a row, and a form is available exactly where its reference says.
#[test]
fn no_form_is_longer_than_its_hand_written_reference() {
    let (rows, rules) = rows_with_reference();
    let mut problems = Vec::new();
    let mut used = vec![false; rules.len()];
    for (row, rule) in &rows {
        let Some(k) = *rule else {
            problems.push(format!("{:<44} {:<10} no rule in form-reference.txt", row.instr, row.shape));
            continue;
        };
        used[k] = true;
        let refs = rules[k].counts;
        for c in 0..3 {
            let why = match (row.emitted[c], refs[c]) {
                (Some(e), Some(r)) if e > r => format!("{e} instructions, reference {r}"),
                (Some(_), None) => "available, reference says it is not".to_string(),
                (None, Some(_)) => "not available (or rejected), reference has a count".to_string(),
                _ => continue,
            };
            problems.push(format!("{:<44} {:<10} {:<6} {why} (form-reference.txt:{})", row.instr, row.shape, COLUMNS[c].0, rules[k].line));
        }
    }
    for (k, rule) in rules.iter().enumerate() {
        if !used[k] {
            problems.push(format!("form-reference.txt:{}: the rule matches no row", rule.line));
        }
    }
    assert!(problems.is_empty(), "{} forms differ from the hand-written reference:\n{}", problems.len(), problems.join("\n"));
}

/// The assembler accepts what every form of the table becomes, on every
/// object format (the count alone would not notice, say, `ldr sp, [x4]`).
#[test]
fn every_form_assembles() {
    let dir = tempfile::tempdir().unwrap();
    for (triple, column, cmd, args) in [
        ("x86_64-unknown-linux-gnu", 0, "gcc", vec!["-c"]),
        ("x86_64-pc-windows-gnu", 1, "x86_64-w64-mingw32-gcc", vec!["-c"]),
        ("x86_64-apple-darwin", 0, "llvm-mc", vec!["-triple=x86_64-apple-macos11", "-filetype=obj"]),
        ("aarch64-unknown-linux-gnu", 2, "aarch64-linux-gnu-gcc", vec!["-c"]),
        ("aarch64-apple-darwin", 2, "llvm-mc", vec!["-triple=arm64-apple-macos11", "-filetype=obj"]),
    ] {
        // Every row as its own function, its branch target renamed apart;
        // `emit` writes its operand as a line of its own, not an instruction.
        let mut text = String::from("_form:\n    ret\n");
        for (k, row) in form_rows().iter().enumerate() {
            if row.emitted[column].is_none() || row.instr.starts_with("emit") {
                continue;
            }
            let instr = row.instr.replace(".target", &format!(".target{k}"));
            let _ = write!(text, "_form{k}:\n    {instr}\n.target{k}:\n    ret\n");
        }
        let asm = compile(&text, triple, None).unwrap_or_else(|| panic!("{triple}: the forms do not compile together"));
        let s = dir.path().join(format!("{triple}.S"));
        std::fs::write(&s, &asm).unwrap();
        let o = dir.path().join(format!("{triple}.o"));
        let mut a: Vec<&str> = args.clone();
        a.extend([s.to_str().unwrap(), "-o", o.to_str().unwrap()]);
        match std::process::Command::new(cmd).args(&a).output() {
            Ok(out) => assert!(
                out.status.success(),
                "{triple}: {cmd} rejected the output of some forms:\n{}",
                String::from_utf8_lossy(&out.stderr).lines().take(40).collect::<Vec<_>>().join("\n")
            ),
            Err(e) => {
                assert!(std::env::var("CI").is_err(), "required tool `{cmd}` is missing: {e}");
                eprintln!("SKIP: `{cmd}` is not installed ({e})");
            }
        }
    }
}

/// Every form with `sp` in one of its general-purpose register positions
/// (read, written or both), or as the base of its memory operand, in turn:
/// the forms the validator accepts lower to assembly the assembler accepts,
/// on every object format (A64 cannot name `sp` in most register positions:
/// `lsl sp, …`, `cset wsp`, `sxtw sp`, `clz sp` do not exist). `pop` into
/// `sp` is rejected on every target (it moves `sp` itself).
#[test]
fn sp_in_every_register_position_assembles() {
    let dir = tempfile::tempdir().unwrap();
    let mut variants: Vec<(String, &InstrDef)> = Vec::new();
    for (_, def) in isa().iter() {
        for form in &def.forms {
            let Some(ops) = basic_operands(form, Shape::Regs) else { continue };
            for j in 0..ops.len() {
                let mut v = ops.clone();
                if is_reg(&v[j]) && !is_fpr(&v[j]) && form.operands[j.min(form.operands.len() - 1)].kinds.contains(Kinds::GPR) {
                    v[j] = "sp".to_string();
                } else if v[j].contains("[t4") {
                    v[j] = v[j].replacen("[t4", "[sp", 1);
                } else {
                    continue;
                }
                variants.push((format!("{} {}", def.name, v.join(", ")), def));
            }
        }
    }
    variants.sort_by(|a, b| a.0.cmp(&b.0));
    variants.dedup_by(|a, b| a.0 == b.0);
    assert!(variants.len() > 300, "too few variants: {}", variants.len());
    for (triple, cmd, args) in [
        ("x86_64-unknown-linux-gnu", "gcc", vec!["-c"]),
        ("x86_64-pc-windows-gnu", "x86_64-w64-mingw32-gcc", vec!["-c"]),
        ("x86_64-apple-darwin", "llvm-mc", vec!["-triple=x86_64-apple-macos11", "-filetype=obj"]),
        ("aarch64-unknown-linux-gnu", "aarch64-linux-gnu-gcc", vec!["-c"]),
        ("aarch64-apple-darwin", "llvm-mc", vec!["-triple=arm64-apple-macos11", "-filetype=obj"]),
    ] {
        let arch = Target::from_triple(triple).unwrap().arch;
        let mut text = String::from("_form:\n    ret\n");
        let mut accepted = 0;
        for (k, (instr, def)) in variants.iter().enumerate() {
            if !def.avail.on(arch, false) || instr.starts_with("emit") {
                continue;
            }
            let instr = instr.replace(".target", &format!(".target{k}"));
            let one = format!("_form{k}:\n    {instr}\n.target{k}:\n    ret\n");
            if compile(&one, triple, None).is_none() {
                // Rejected by the validator (operand rules of the form).
                continue;
            }
            assert!(!(instr.starts_with("pop ") && instr.contains("sp")), "{triple}: `{instr}` accepted");
            accepted += 1;
            text.push_str(&one);
        }
        assert!(accepted > 250, "{triple}: only {accepted} variants compile");
        let asm = compile(&text, triple, None).unwrap_or_else(|| panic!("{triple}: the variants do not compile together"));
        let s = dir.path().join(format!("sp-{triple}.S"));
        std::fs::write(&s, &asm).unwrap();
        let o = dir.path().join(format!("sp-{triple}.o"));
        let mut a: Vec<&str> = args.clone();
        a.extend([s.to_str().unwrap(), "-o", o.to_str().unwrap()]);
        match std::process::Command::new(cmd).args(&a).output() {
            Ok(out) => assert!(
                out.status.success(),
                "{triple}: {cmd} rejected the output of some forms with sp:\n{}",
                String::from_utf8_lossy(&out.stderr).lines().take(40).collect::<Vec<_>>().join("\n")
            ),
            Err(e) => {
                assert!(std::env::var("CI").is_err(), "required tool `{cmd}` is missing: {e}");
                eprintln!("SKIP: `{cmd}` is not installed ({e})");
            }
        }
    }
}

#[test]
fn instruction_count_of_every_form() {
    let table = form_table();
    // Every architecture has forms in the table (the generator works).
    assert!(table.lines().filter(|l| !l.starts_with('#')).count() > 300, "too few forms:\n{table}");
    check_golden("form-costs.txt", &table);
}

#[test]
fn instruction_totals_of_the_corpus_and_examples() {
    let table = size_table();
    assert!(table.lines().count() > 20, "too few programs:\n{table}");
    check_golden("code-size.txt", &table);
}

#[test]
fn the_counter_counts_instructions_only() {
    let asm = "// header\n\t.text\n\t.globl f\nf:\n.Lx:\n\tmov x0, x1\n\tadd x0, x0, #1 // note\n\tret\n\t.size f, . - f\n";
    assert_eq!(instructions(asm), 3);
    assert_eq!(Arch::Arm64, Target::from_triple("aarch64-unknown-linux-gnu").unwrap().arch);
}
