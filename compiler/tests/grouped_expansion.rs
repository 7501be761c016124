//! The several-group expansion (`expand::expand_groups`, which `--all-targets`
//! and the build API use) against the single-target expansion as oracle.
//!
//! For random programs whose `if`s differ by target — constants, macros,
//! local labels, `global`s, `error`s and nested `if`s inside the arms, at file
//! level and in macro bodies, with closures, concatenations and macros that
//! exist on some targets only — every target's share of one expansion for all
//! five targets must be that target's own expansion: the same statements in
//! the same order (local-label numbers aside, which are only unique names)
//! and the same diagnostics.
//!
//! `GROUPED_CASES=<n>` runs more programs (default 1500); `GROUPED_FILE=<path>`
//! checks one program.

use std::collections::HashMap;
use std::fmt::Write;
use std::path::Path;

use offasm::diag::{Diagnostic, Diagnostics};
use offasm::expand::settings::{resolve, resolve_groups, Settings};
use offasm::expand::{expand, expand_groups, Expanded};
use offasm::front::Loader;
use offasm::source::SourceMap;
use offasm::target::Target;

struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const PREDICATES: &[&str] =
    &["X86_64", "ARM64", "X86_64_WIN", "X86_64 or X86_64_WIN", "not ARM64", "OS_DARWIN", "ARM64 and OS_LINUX", "OS_WINDOWS or OS_DARWIN"];
const CONSTS: &[&str] = &["K0", "K1", "K2"];
const MACROS: &[&str] = &["m0", "m1", "m2"];
const LABELS: &[&str] = &[".l0", ".l1", ".l2"];
const VALUES: &[&str] = &["t1", "t4", "csr2", "8", "K0 + 4", "3 * 8", "a0"];

/// A random program: file-level statements, some inside `if`s.
struct Gen {
    rng: Lcg,
    out: String,
}

impl Gen {
    fn line(&mut self, indent: usize, text: &str) {
        let _ = writeln!(self.out, "{}{text}", "    ".repeat(indent));
    }

    fn file(&mut self) {
        // Defaults first, so that most uses resolve.
        for &k in CONSTS {
            if self.rng.chance(70) {
                let v = self.rng.pick(VALUES);
                self.line(0, &format!("const {k} = {}", if v.contains("K0") { "2" } else { v }));
            }
        }
        for _ in 0..3 + self.rng.below(6) {
            self.file_stmt(0, 2);
        }
    }

    fn file_stmt(&mut self, indent: usize, depth: usize) {
        match self.rng.below(10) {
            0 | 1 if depth > 0 => self.if_block(indent, depth, true),
            2 | 3 => self.macro_def(indent, depth),
            4 => {
                let (k, v) = (self.rng.pick(CONSTS), self.rng.pick(VALUES));
                self.line(indent, &format!("const {k} = {v}"));
            }
            5 => {
                let n = self.rng.below(4);
                self.line(indent, &format!("global _g{n}"));
                self.line(indent, &format!("_g{n}:"));
            }
            _ => {
                let name = format!("_entry{}", self.rng.below(1000));
                self.line(indent, &format!("{name}:"));
                for _ in 0..1 + self.rng.below(3) {
                    self.body_stmt(indent + 1, depth, &[]);
                }
            }
        }
    }

    fn if_block(&mut self, indent: usize, depth: usize, file_level: bool) {
        let arms = 1 + self.rng.below(3);
        for a in 0..arms {
            let p = self.rng.pick(PREDICATES);
            self.line(indent, &format!("{} {p}", if a == 0 { "if" } else { "elsif" }));
            for _ in 0..1 + self.rng.below(3) {
                if file_level {
                    self.file_stmt(indent + 1, depth - 1);
                } else {
                    self.body_stmt(indent + 1, depth - 1, &[]);
                }
            }
        }
        if self.rng.chance(50) {
            self.line(indent, "else");
            if self.rng.chance(15) {
                self.line(indent + 1, "error");
            } else if file_level {
                self.file_stmt(indent + 1, depth - 1);
            } else {
                self.body_stmt(indent + 1, depth - 1, &[]);
            }
        }
        self.line(indent, "end");
    }

    fn macro_def(&mut self, indent: usize, depth: usize) {
        let name = self.rng.pick(MACROS);
        let params: &[&str] = match self.rng.below(3) {
            0 => &[],
            1 => &["x"],
            _ => &["x", "y"],
        };
        self.line(indent, &format!("macro {name}({})", params.join(", ")));
        for _ in 0..1 + self.rng.below(4) {
            self.body_stmt(indent + 1, depth, params);
        }
        self.line(indent, "end");
    }

    fn body_stmt(&mut self, indent: usize, depth: usize, params: &[&str]) {
        let operand = |g: &mut Gen| -> String {
            match g.rng.below(6) {
                0 if !params.is_empty() => params[g.rng.below(params.len())].to_string(),
                1 | 2 => g.rng.pick(CONSTS).to_string(),
                3 => "8[t1]".to_string(),
                _ => g.rng.pick(&["t0", "t2", "t3", "1"]).to_string(),
            }
        };
        match self.rng.below(14) {
            0 | 1 if depth > 0 => self.if_block(indent, depth, false),
            2 if depth > 0 => {
                // A constant or a nested macro in the body (inside an `if`
                // arm: the body is then expanded per set of targets).
                if self.rng.chance(50) {
                    let (k, v) = (self.rng.pick(CONSTS), operand(self));
                    self.line(indent, &format!("const {k} = {v}"));
                } else {
                    self.macro_def(indent, depth - 1);
                }
            }
            3 => {
                let l = self.rng.pick(LABELS);
                self.line(indent, &format!("{l}:"));
            }
            4 => {
                let (l, o) = (self.rng.pick(LABELS), operand(self));
                self.line(indent, &format!("bineq t0, {o}, {l}"));
            }
            5 | 6 => {
                let m = self.rng.pick(MACROS);
                let args: Vec<String> = (0..self.rng.below(3)).map(|_| operand(self)).collect();
                self.line(indent, &format!("{m}({})", args.join(", ")));
            }
            7 if depth > 0 => {
                // A closure.
                let m = self.rng.pick(MACROS);
                self.line(indent, &format!("{m}(macro (z)"));
                self.line(indent + 1, "addp z, t2");
                self.body_stmt(indent + 1, depth - 1, &["z"]);
                self.line(indent, "end)");
            }
            8 if !params.is_empty() => {
                let p = params[self.rng.below(params.len())];
                self.line(indent, &format!("_cat_%{p}%:"));
            }
            _ => {
                let (a, b) = (operand(self), operand(self));
                let m = self.rng.pick(&["addp", "move", "subi", "orq"]);
                self.line(indent, &format!("{m} {a}, {b}"));
            }
        }
    }
}

/// The expansion as text, local-label numbers replaced by their order of
/// first appearance (they are only unique names).
fn render(x: &Expanded) -> String {
    let mut text = String::new();
    for item in &x.items {
        let _ = writeln!(text, "{:?}", item);
    }
    for g in &x.globals {
        let _ = writeln!(text, "global {:?}", g);
    }
    renumber(&text)
}

fn renumber(text: &str) -> String {
    let mut numbers: HashMap<String, usize> = HashMap::new();
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("oa") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && after.as_bytes().get(digits) == Some(&b'_') {
            let next = numbers.len();
            let n = *numbers.entry(after[..digits].to_string()).or_insert(next);
            let _ = write!(out, "oa#{n}");
            rest = &after[digits..];
        } else {
            out.push_str("oa");
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

fn render_diags(list: &[Diagnostic]) -> Vec<String> {
    let mut v: Vec<String> = list.iter().map(|d| renumber(&format!("{} {:?} {} {:?} {:?}", d.code, d.span, d.message, d.secondary, d.notes))).collect();
    v.sort();
    v
}

struct Stats {
    programs: usize,
    with_variants: usize,
    items_grouped: usize,
    items_separate: usize,
}

fn check_program(text: &str, targets: &[Target], stats: &mut Stats) -> Result<(), String> {
    let mut map = SourceMap::new();
    let mut parse_diags = Diagnostics::default();
    let tree = Loader::new(&mut map, &[], &mut parse_diags).load_text(Path::new("gen.asm"), "gen.asm", text.to_string());
    if parse_diags.has_errors() {
        return Err(format!("the generator wrote a program that does not parse: {:?}", parse_diags.list.first().map(|d| &d.message)));
    }
    let settings: Vec<Settings> = targets.iter().map(|t| Settings::new(t.clone())).collect();
    let (grouped_tree, resolve_diags) = resolve_groups(tree.clone(), &settings);
    let all = u64::MAX >> (64 - targets.len());
    let grouped = expand_groups(&grouped_tree, all, 64);
    stats.programs += 1;
    stats.with_variants += usize::from(grouped.masks.iter().any(|&m| m != all));
    stats.items_grouped += grouped.items.len();
    for (g, t) in targets.iter().enumerate() {
        let mut single_diags = Diagnostics::default();
        let single_tree = resolve(tree.clone(), &settings[g], &mut single_diags);
        let single = expand(&single_tree, 64, &mut single_diags);
        stats.items_separate += single.items.len();
        let (mine, mut my_diags) = grouped.for_group(g);
        my_diags.splice(0..0, resolve_diags[g].iter().cloned());
        let (want, got) = (render(&single), render(&mine));
        if want != got {
            let first = want.lines().zip(got.lines()).position(|(a, b)| a != b).unwrap_or(want.lines().count().min(got.lines().count()));
            return Err(format!(
                "{}: the grouped expansion differs from the target's own at statement {first}:\n  own:     {}\n  grouped: {}\n({} vs {} lines)",
                t.triple,
                want.lines().nth(first).unwrap_or("(end)"),
                got.lines().nth(first).unwrap_or("(end)"),
                want.lines().count(),
                got.lines().count()
            ));
        }
        let (want, got) = (render_diags(&single_diags.list), render_diags(&my_diags));
        if want != got {
            return Err(format!("{}: diagnostics differ:\n  own:     {want:#?}\n  grouped: {got:#?}", t.triple));
        }
    }
    Ok(())
}

#[test]
fn every_targets_share_of_the_grouped_expansion_is_its_own_expansion() {
    let cases: usize = std::env::var("GROUPED_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(1500);
    let targets = Target::all_supported();
    let mut stats = Stats { programs: 0, with_variants: 0, items_grouped: 0, items_separate: 0 };
    // `GROUPED_FILE=<path>`: check that program instead (to study a failure).
    if let Some(path) = std::env::var_os("GROUPED_FILE") {
        let text = std::fs::read_to_string(path).unwrap();
        check_program(&text, &targets, &mut stats).unwrap_or_else(|e| panic!("{e}"));
        return;
    }
    for seed in 0..cases as u64 {
        let mut g = Gen { rng: Lcg(seed.wrapping_mul(0x9e3779b97f4a7c15) | 1), out: String::new() };
        g.file();
        if let Err(e) = check_program(&g.out, &targets, &mut stats) {
            panic!("seed {seed}: {e}\n--- program ---\n{}", g.out);
        }
    }
    eprintln!(
        "{} programs ({} with statements for some targets only): {} statements expanded for all targets at once, {} for each target separately",
        stats.programs, stats.with_variants, stats.items_grouped, stats.items_separate
    );
    // The generator must exercise what it is for.
    assert!(stats.with_variants * 2 > stats.programs, "too few programs differ by target");
    assert!(stats.items_grouped < stats.items_separate, "nothing was shared");
}

/// The programs of the repository (examples, lib-asm, the test corpus) too.
#[test]
fn repository_programs_expand_the_same_grouped_and_alone() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut files = Vec::new();
    for dir in ["examples", "lib-asm", "compiler/tests/corpus", "compiler/tests/golden", "compiler/tests/hazards"] {
        collect_asm(&root.join(dir), &mut files);
    }
    assert!(files.len() > 20, "found only {} programs", files.len());
    let targets = Target::all_supported();
    let mut stats = Stats { programs: 0, with_variants: 0, items_grouped: 0, items_separate: 0 };
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        // Programs that include others need their directory: those are skipped here.
        if text.lines().any(|l| l.trim_start().starts_with("include")) {
            continue;
        }
        if let Err(e) = check_program(&text, &targets, &mut stats) {
            if !e.starts_with("the generator") {
                panic!("{}: {e}", f.display());
            }
        }
    }
    assert!(stats.with_variants > 5, "only {} repository programs differ by target", stats.with_variants);
}

fn collect_asm(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect_asm(&p, out);
        } else if p.extension().is_some_and(|x| x == "asm") {
            out.push(p);
        }
    }
}
