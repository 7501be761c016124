//! The hazard corpus: `tests/hazards/*.asm` are small interpreter-style
//! programs that are wrong on some targets and right on others (a few are
//! right everywhere, a few wrong everywhere). Each file states, per target
//! group, which hazard diagnostics (the cross-target checks of
//! `offasm::check`) it must produce:
//!
//! ```text
//! # expect sysv: alias-clobber              (x86_64-unknown-linux-gnu, x86_64-apple-darwin)
//! # expect win64: none                      (x86_64-pc-windows-msvc)
//! # expect arm64: call-clobber, call-clobber (aarch64-unknown-linux-gnu, aarch64-apple-darwin)
//! ```
//!
//! The expectation is what is really wrong on the target, reasoned from the
//! register maps (TARGETS.md), not what the checker happens to say: where the
//! two disagree the file is listed in [`KNOWN_DISAGREEMENTS`].
//!
//! For every file and each of the five targets the test runs
//! `driver::check` (include dir `lib-asm`) and
//! (a) compares the multiset of hazard codes with the expectation line;
//! (b) compares the rendered diagnostics (human form without colour, then the
//!     short form) with `tests/hazards/<name>.<group>.stderr`. The golden file
//!     holds the rendering for the group's first target; the second target of
//!     a group must render identically once its triple is replaced by the
//!     first one's, or else it has its own golden file
//!     `<name>.<triple>.stderr`. A target that renders nothing has no golden
//!     file. Regenerate with `BLESS=1 cargo test -p offasm --test hazards`.
//!
//! `OFFASM_HAZARDS_STRICT=1` makes the known disagreements fail too (for
//! whoever fixes the checker).
//!
//! A second test checks that the project's own sources (the execution corpus,
//! the examples, the prelude, the golden-assembly program) produce no hazard
//! finding on any target, compiled with the options they are built with
//! elsewhere.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use offasm::check::HAZARD_CODES;
use offasm::driver::{self, Input, Options, Outcome};
use offasm::target::Target;

/// Target groups of the expectation lines, each with its targets (the first
/// one's rendering is the group's golden file).
const GROUPS: [(&str, &[&str]); 3] = [
    ("sysv", &["x86_64-unknown-linux-gnu", "x86_64-apple-darwin"]),
    ("win64", &["x86_64-pc-windows-msvc"]),
    ("arm64", &["aarch64-unknown-linux-gnu", "aarch64-apple-darwin"]),
];

/// Files (by stem) and target groups where the expectation — what is really
/// wrong — differs from what the checker reports. A mismatch is tolerated
/// only here (and reported); an entry that no longer mismatches fails the
/// test, so the list cannot go stale.
const KNOWN_DISAGREEMENTS: &[(&str, &str, &str)] = &[
    (
        "alias-args-a0-forwarded-then-t5",
        "win64",
        "a0 arrives as the function's own argument and is passed on unchanged; the checker only \
         checks argument registers written since the last call (args_set), so the t5 write that \
         destroys rcx = a0 before the call goes unreported",
    ),
    (
        "unbalanced-shared-exit",
        "sysv",
        "the exit shared by two C-ABI entries is reached with the states of both joined; the join \
         forgets the entry (State::entry becomes NO_SITE) and the sp offset, so nothing is checked \
         at the `ret` where vm_sum_fast returns with sp 16 bytes too high",
    ),
    ("unbalanced-shared-exit", "win64", "as on sysv"),
    ("unbalanced-shared-exit", "arm64", "as on sysv"),
    (
        "misaligned-in-internal-helper",
        "sysv",
        "code called from this file is analysed from an unknown state, so the alignment of sp at a \
         C call inside it is never known; here its only caller calls it with sp 16-byte aligned, \
         so its C call is made with sp 8 mod 16",
    ),
    ("misaligned-in-internal-helper", "win64", "as on sysv"),
];

fn hazard_dir() -> PathBuf {
    PathBuf::from("tests/hazards")
}

fn cases() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(hazard_dir())
        .expect("tests/hazards")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "asm"))
        .collect();
    v.sort();
    v
}

fn stem(p: &Path) -> String {
    p.file_stem().unwrap().to_str().unwrap().to_string()
}

/// The `# expect GROUP: codes` lines of a file: group → sorted codes.
fn expectations(src: &str) -> Result<BTreeMap<String, Vec<String>>, String> {
    let mut map = BTreeMap::new();
    for line in src.lines().take_while(|l| l.starts_with('#')) {
        let Some(rest) = line.strip_prefix("# expect ") else { continue };
        let (group, codes) = rest.split_once(':').ok_or_else(|| format!("malformed line `{line}`"))?;
        let group = group.trim();
        if !GROUPS.iter().any(|(g, _)| *g == group) {
            return Err(format!("unknown target group `{group}` in `{line}`"));
        }
        let codes = codes.trim();
        let mut list: Vec<String> = if codes == "none" {
            Vec::new()
        } else {
            codes.split(',').map(|c| c.trim().to_string()).collect()
        };
        for c in &list {
            if !HAZARD_CODES.contains(&c.as_str()) {
                return Err(format!("`{c}` is not a hazard code ({})", HAZARD_CODES.join(", ")));
            }
        }
        list.sort();
        if map.insert(group.to_string(), list).is_some() {
            return Err(format!("two expectation lines for `{group}`"));
        }
    }
    for (g, _) in GROUPS {
        if !map.contains_key(g) {
            return Err(format!("no `# expect {g}: …` line"));
        }
    }
    Ok(map)
}

fn hazard_options(triple: &str) -> Options {
    let mut o = Options::new(Target::from_triple(triple).unwrap());
    o.include_dirs = vec![PathBuf::from("../lib-asm")];
    o
}

/// Paths in notes (the include chain) may be absolute: make the golden
/// files independent of where the repository is checked out.
fn portable(s: String) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut s = s;
    for d in [dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf()), dir.to_path_buf()] {
        s = s.replace(&format!("{}/", d.display()), "");
    }
    s
}

fn render(out: &Outcome) -> String {
    if out.diags.list.is_empty() {
        return String::new();
    }
    portable(format!("{}\n--- short ---\n{}", out.render(false), out.render_short()))
}

fn hazard_codes(out: &Outcome) -> Vec<String> {
    let mut v: Vec<String> =
        out.diags.list.iter().filter(|d| HAZARD_CODES.contains(&d.code)).map(|d| d.code.to_string()).collect();
    v.sort();
    v
}

fn show(codes: &[String]) -> String {
    if codes.is_empty() {
        "none".to_string()
    } else {
        codes.join(", ")
    }
}

#[test]
fn hazard_corpus_matches_expectations_and_golden_files() {
    let bless = common::blessing();
    let strict = std::env::var("OFFASM_HAZARDS_STRICT").is_ok_and(|v| !v.is_empty() && v != "0");
    let cases = cases();
    assert!(cases.len() >= 45, "expected at least 45 hazard programs, found {}", cases.len());
    let mut failures = Vec::new();
    let mut known = Vec::new();
    let mut disagreeing: Vec<(String, &str)> = Vec::new();
    let mut goldens_seen = Vec::new();
    for case in &cases {
        let name = stem(case);
        let src = std::fs::read_to_string(case).unwrap();
        let expect = match expectations(&src) {
            Ok(e) => e,
            Err(e) => {
                failures.push(format!("{}: {e}", case.display()));
                continue;
            }
        };
        for (group, triples) in GROUPS {
            let mut first: Option<(String, &str)> = None;
            for &triple in triples {
                let out = driver::check(Input::File(case), &hazard_options(triple)).expect("options");
                let rendered = render(&out);
                // A corpus file must be valid on every target: the checks run
                // only on a valid program.
                let other_errors: Vec<&str> =
                    out.diags.list.iter().filter(|d| d.is_error() && !HAZARD_CODES.contains(&d.code)).map(|d| d.code).collect();
                if !other_errors.is_empty() {
                    failures.push(format!("{} on {triple}: not a valid program there ({}):\n{rendered}", case.display(), other_errors.join(", ")));
                    continue;
                }
                // (a) the hazard codes
                let got = hazard_codes(&out);
                let want = &expect[group];
                if &got != want {
                    let msg = format!("{} on {triple}: expected {}, the checker reports {}", case.display(), show(want), show(&got));
                    if KNOWN_DISAGREEMENTS.iter().any(|(f, g, _)| *f == name && *g == group) {
                        known.push(msg.clone());
                        if !disagreeing.iter().any(|(f, g)| *f == name && *g == group) {
                            disagreeing.push((name.clone(), group));
                        }
                        if strict {
                            failures.push(format!("{msg}\n{rendered}"));
                        }
                    } else {
                        failures.push(format!("{msg}\n{rendered}"));
                    }
                }
                // (b) the rendered diagnostics
                match &first {
                    None => {
                        let path = hazard_dir().join(format!("{name}.{group}.stderr"));
                        common::golden(&path, &rendered, &mut failures);
                        goldens_seen.push(path);
                        first = Some((rendered, triple));
                    }
                    Some((first_rendered, first_triple)) => {
                        let path = hazard_dir().join(format!("{name}.{triple}.stderr"));
                        goldens_seen.push(path.clone());
                        if rendered.replace(triple, first_triple) == *first_rendered {
                            if bless {
                                let _ = std::fs::remove_file(&path);
                            } else if path.exists() {
                                failures.push(format!(
                                    "{}: {triple} renders like {first_triple} now; remove the file (BLESS=1)",
                                    path.display()
                                ));
                            }
                        } else {
                            common::golden(&path, &rendered, &mut failures);
                        }
                    }
                }
            }
        }
    }
    // Golden files that belong to no program and target any more.
    for e in std::fs::read_dir(hazard_dir()).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|e| e == "stderr") && !goldens_seen.contains(&p) {
            if bless {
                std::fs::remove_file(&p).unwrap();
            } else {
                failures.push(format!("{}: golden file of no hazard program and target (BLESS=1 removes it)", p.display()));
            }
        }
    }
    // The list of known disagreements stays exact.
    for (f, g, _) in KNOWN_DISAGREEMENTS {
        if !cases.iter().any(|c| stem(c) == *f) {
            failures.push(format!("KNOWN_DISAGREEMENTS names `{f}`, which is not a hazard program"));
        } else if !disagreeing.iter().any(|(df, dg)| df == f && dg == g) {
            failures.push(format!(
                "tests/hazards/{f}.asm on {g}: the checker now agrees with the expectation; remove it from KNOWN_DISAGREEMENTS"
            ));
        }
    }
    if !known.is_empty() {
        eprintln!("{} known disagreement(s) between the expectations and the checker:\n  {}", known.len(), known.join("\n  "));
    }
    assert!(failures.is_empty(), "{} failure(s):\n\n{}", failures.len(), failures.join("\n\n"));
}

/// The corpus covers every hazard class, on targets where it is wrong and on
/// targets where the same code is right, and every target-dependent alias
/// pair of TARGETS.md §7 in both directions: a header line
/// `# Pair X/Y: written through W, read through R` names each direction a
/// program exercises.
#[test]
fn hazard_corpus_covers_every_class_and_pair() {
    let mut expected_somewhere: BTreeMap<String, usize> = BTreeMap::new();
    let mut selective = 0;
    let mut pair_lines = Vec::new();
    for case in cases() {
        let src = std::fs::read_to_string(&case).unwrap();
        let e = expectations(&src).unwrap_or_else(|m| panic!("{}: {m}", case.display()));
        for codes in e.values() {
            for c in codes {
                *expected_somewhere.entry(c.clone()).or_default() += 1;
            }
        }
        if e.values().any(|c| c.is_empty()) && e.values().any(|c| !c.is_empty()) {
            selective += 1;
        }
        pair_lines.extend(src.lines().take_while(|l| l.starts_with('#')).filter(|l| l.starts_with("# Pair ")).map(String::from));
    }
    for code in HAZARD_CODES {
        assert!(expected_somewhere.contains_key(*code), "no hazard program expects `{code}`");
    }
    assert!(selective >= 45, "only {selective} programs are right on some targets and wrong on others");
    let pairs = [
        "t0/a0", "t0/wa0", "t0/ws0", "t1/r1", "t2/r1", "t5/a0", "t5/a5", "t5/wa0", "t5/wa5", "t5/ws1", "t6/a0",
        "t6/wa0", "t7/a5", "t7/wa5", "a0/r0", "a1/r1", "a2/r1", "r0/wa0", "r0/ws0", "r1/wa1", "r1/wa2",
    ];
    let mut missing = Vec::new();
    for p in pairs {
        let (x, y) = p.split_once('/').unwrap();
        for (w, r) in [(x, y), (y, x)] {
            let covered = pair_lines.iter().any(|l| {
                l.strip_prefix(&format!("# Pair {p}: written through {w}"))
                    .is_some_and(|rest| rest.starts_with([' ', ',']) && rest.contains(&format!("read through {r}")))
            });
            if !covered {
                missing.push(format!("{p} written through {w}, read through {r}"));
            }
        }
    }
    assert!(missing.is_empty(), "alias pairs not covered:\n{}", missing.join("\n"));
}

/// Options for the project's own sources, as they are built elsewhere:
/// the execution corpus, the tour and the golden-assembly program with the
/// defaults (compiler/tests/exec.rs, tour.rs, golden_asm.rs), the hello
/// example with `lib-asm` and `-g` (examples/hello/build.rs), the library
/// sources with `lib-asm`.
fn own_sources() -> Vec<(PathBuf, Vec<PathBuf>, bool)> {
    let mut v = Vec::new();
    let mut add = |dir: &str, includes: &[&str], debug: bool| {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{dir}: {e}"))
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "asm"))
            .collect();
        files.sort();
        assert!(!files.is_empty(), "no .asm files in {dir}");
        for f in files {
            v.push((f, includes.iter().map(PathBuf::from).collect(), debug));
        }
    };
    add("../tests/corpus", &[], false);
    add("../examples/tour", &[], false);
    add("../examples/hello/src", &["../lib-asm"], true);
    add("../lib-asm", &["../lib-asm"], false);
    add("tests/golden", &[], false);
    v
}

#[test]
fn project_sources_have_no_hazards() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for (file, includes, debug) in own_sources() {
        for (_, triples) in GROUPS {
            for &triple in triples {
                let mut o = Options::new(Target::from_triple(triple).unwrap());
                o.include_dirs = includes.clone();
                o.debug_info = debug;
                let out = driver::check(Input::File(&file), &o).expect("options");
                let hazards = hazard_codes(&out);
                if out.diags.has_errors() || !hazards.is_empty() {
                    failures.push(format!("{} on {triple}:\n{}", file.display(), out.render_short()));
                }
                checked += 1;
            }
        }
    }
    assert!(failures.is_empty(), "{} of {checked} checks failed:\n{}", failures.len(), failures.join("\n"));
}
