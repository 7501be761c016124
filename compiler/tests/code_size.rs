//! What the back ends emit, counted in machine instructions, kept in golden
//! files so that a change in code size shows in review (issue 10):
//!
//! - `golden/form-costs.txt`: every instruction form of the table, in a few
//!   operand shapes (registers, the immediate 0, a small and a large immediate, a memory
//!   operand `8[base]` and an indexed one `8[base, index, 8]`, and for
//!   three-operand forms the destination equal to a source), lowered alone:
//!   the machine instructions it becomes on System V, Windows and ARM64
//!   (`imm0`: the immediate 0, where identities and zero tests apply).
//! - `golden/code-size.txt`: the instruction totals of the execution corpus
//!   (`tests/corpus/*.asm`) and of the examples, per target and per file.
//!
//! `BLESS=1 cargo test -p offasm --test code_size` rewrites both; review the
//! diff (a count that grows is a regression unless the old code was wrong).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use offasm::driver::{self, Input, Options};
use offasm::isa::{isa, Access, Form, Kinds, Width};
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

#[derive(Clone, Copy, PartialEq)]
enum Shape {
    Regs,
    ZeroImm,
    SmallImm,
    LargeImm,
    Mem,
    IndexedMem,
    /// Three operands, the destination also the second source.
    DestIsSource,
}

impl Shape {
    fn name(self) -> &'static str {
        match self {
            Shape::Regs => "regs",
            Shape::ZeroImm => "imm0",
            Shape::SmallImm => "imm8",
            Shape::LargeImm => "imm32",
            Shape::Mem => "mem",
            Shape::IndexedMem => "mem-index",
            Shape::DestIsSource => "d=src",
        }
    }
}

/// The operands of `form` in `shape`, or `None` when the shape does not apply.
fn operands(form: &Form, shape: Shape) -> Option<Vec<String>> {
    let (mut src, mut dst, mut fsrc, mut fdst) = (SRC.iter(), DST.iter(), FSRC.iter(), FDST.iter());
    let mut out = Vec::new();
    let mut used_shape = shape == Shape::Regs;
    let first_imm = form.operands.iter().position(|s| s.access == Access::Read && s.kinds.contains(Kinds::IMM) && s.kinds != Kinds::IMM);
    let first_mem = form.operands.iter().position(|s| s.kinds.contains(Kinds::ADDR) && s.access != Access::Address && s.kinds != Kinds::ADDR);
    for (j, s) in form.operands.iter().enumerate() {
        let text = if s.kinds.contains(Kinds::LABEL) && s.width == Width::None {
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
        } else if matches!(shape, Shape::ZeroImm | Shape::SmallImm | Shape::LargeImm) && Some(j) == first_imm {
            used_shape = true;
            match shape {
                Shape::ZeroImm => "0".to_string(),
                Shape::SmallImm => "7".to_string(),
                _ => "0x12345678".to_string(),
            }
        } else if s.kinds.contains(Kinds::FPR) {
            let r = if s.access == Access::Write { fdst.next() } else { fsrc.next() };
            r?.to_string()
        } else if s.access == Access::Write {
            dst.next()?.to_string()
        } else {
            src.next()?.to_string()
        };
        out.push(text);
    }
    if shape == Shape::DestIsSource {
        let n = out.len();
        let all_gpr = form.operands.iter().all(|s| s.kinds.intersects(Kinds::GPR) && !s.kinds.contains(Kinds::FPR));
        if n != 3 || !all_gpr || form.operands[2].access != Access::Write {
            return None;
        }
        out[2] = out[1].clone();
        used_shape = true;
    }
    used_shape.then_some(out)
}

const COLUMNS: [(&str, &str); 3] =
    [("sysv", "x86_64-unknown-linux-gnu"), ("win64", "x86_64-pc-windows-gnu"), ("arm64", "aarch64-unknown-linux-gnu")];

/// `instr | shape | sysv | win64 | arm64` for every form and shape.
fn form_table() -> String {
    let mut rows = BTreeMap::new();
    let shapes = [Shape::Regs, Shape::ZeroImm, Shape::SmallImm, Shape::LargeImm, Shape::Mem, Shape::IndexedMem, Shape::DestIsSource];
    for (_, def) in isa().iter() {
        for form in &def.forms {
            for shape in shapes {
                let Some(ops) = operands(form, shape) else { continue };
                let instr = format!("{} {}", def.name, ops.join(", "));
                let text = format!("_form:\n    {instr}\n.target:\n    ret\n");
                let counts: Vec<String> = COLUMNS
                    .iter()
                    .map(|(_, triple)| {
                        let arch = Target::from_triple(triple).unwrap().arch;
                        if !def.avail.on(arch, false) {
                            return "-".to_string();
                        }
                        // The function's own instructions, less its `ret`.
                        compile(&text, triple, None).map_or("-".to_string(), |asm| (instructions(&asm) - 1).to_string())
                    })
                    .collect();
                if counts.iter().all(|c| c == "-") {
                    continue;
                }
                rows.insert(instr.clone(), format!("{:<44} {:<9} {:>5} {:>5} {:>5}", instr, shape.name(), counts[0], counts[1], counts[2]));
            }
        }
    }
    let mut out = String::from("# Generated by compiler/tests/code_size.rs (BLESS=1 to update): machine instructions per form.\n");
    let _ = writeln!(out, "# {:<42} {:<9} {:>5} {:>5} {:>5}", "instruction", "shape", COLUMNS[0].0, COLUMNS[1].0, COLUMNS[2].0);
    for r in rows.values() {
        out.push_str(r);
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
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(name);
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if expected != actual {
        let diff: Vec<String> = expected
            .lines()
            .zip(actual.lines())
            .filter(|(a, b)| a != b)
            .take(20)
            .map(|(a, b)| format!("- {a}\n+ {b}"))
            .collect();
        panic!("{} differs (BLESS=1 to update after review):\n{}\n({} vs {} lines)", path.display(), diff.join("\n"), expected.lines().count(), actual.lines().count());
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
