//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use offasm::driver::{self, Input, Options, Outcome};
use offasm::target::Target;

pub fn opts(triple: &str) -> Options {
    Options::new(Target::from_triple(triple).unwrap())
}

pub fn expand_text(src: &str, triple: &str) -> Outcome {
    driver::expand(Input::Text { path: Path::new("ex.asm"), text: src.to_string() }, &opts(triple)).unwrap()
}

pub fn check_text(src: &str, triple: &str) -> Outcome {
    driver::check(Input::Text { path: Path::new("ex.asm"), text: src.to_string() }, &opts(triple)).unwrap()
}

/// The expanded program printed in the dialect, or the rendered diagnostics.
pub fn expanded(src: &str, triple: &str) -> String {
    let out = expand_text(src, triple);
    assert!(out.ok(), "unexpected errors:\n{}", out.render_short());
    offasm::print::expanded(out.expanded.as_ref().unwrap())
}

pub fn codes(out: &Outcome) -> Vec<&'static str> {
    out.diags.list.iter().filter(|d| d.is_error()).map(|d| d.code).collect()
}

/// Whitespace-insensitive comparison of instruction listings.
pub fn lines(s: &str) -> Vec<String> {
    s.lines().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).filter(|l| !l.is_empty()).collect()
}

/// Options for a case file of `tests/diagnostics`: its target (first lines
/// `# target: TRIPLE`, default x86-64 Linux) and arguments (`# args: -D NAME
/// --undefined-settings-false --max-expansion-depth=N --layout=FILE`).
/// Relative paths are relative to the crate directory.
pub fn options_for(src: &str) -> Options {
    let mut target = "x86_64-unknown-linux-gnu".to_string();
    let mut defines = Vec::new();
    let mut flags = Vec::new();
    for line in src.lines().take_while(|l| l.starts_with('#')) {
        if let Some(t) = line.strip_prefix("# target:") {
            target = t.trim().to_string();
        }
        if let Some(a) = line.strip_prefix("# args:") {
            let mut it = a.split_whitespace();
            while let Some(w) = it.next() {
                match w {
                    "-D" => defines.push(it.next().expect("-D value").to_string()),
                    other => flags.push(other.to_string()),
                }
            }
        }
    }
    let mut o = Options::new(Target::from_triple(&target).unwrap());
    o.defines = defines;
    o.include_dirs = vec![PathBuf::from("tests/diagnostics/include")];
    for f in flags {
        match f.as_str() {
            "--undefined-settings-false" => o.undefined_settings_false = true,
            f if f.starts_with("--max-expansion-depth=") => o.max_depth = f[22..].parse().unwrap(),
            f if f.starts_with("--layout=") => o.layouts.push(PathBuf::from(&f[9..])),
            other => panic!("unknown flag {other}"),
        }
    }
    o
}

/// Golden files: `BLESS=1` rewrites them instead of comparing.
pub fn blessing() -> bool {
    std::env::var_os("BLESS").is_some()
}

/// Compares `actual` with the golden file `path`, or writes it when
/// blessing. An empty `actual` means the file must not exist. A mismatch is
/// pushed to `failures` with its first differing lines.
pub fn golden(path: &Path, actual: &str, failures: &mut Vec<String>) {
    if blessing() {
        if actual.is_empty() {
            let _ = std::fs::remove_file(path);
        } else {
            std::fs::write(path, actual).unwrap();
        }
        return;
    }
    let expected = match std::fs::read_to_string(path) {
        Ok(e) => e,
        Err(_) if actual.is_empty() => return,
        Err(_) => return failures.push(format!("{}: no golden file (BLESS=1 to create):\n{actual}", path.display())),
    };
    if expected == actual {
        return;
    }
    if actual.is_empty() {
        return failures.push(format!("{}: nothing is produced but the golden file exists:\n{expected}", path.display()));
    }
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    let diff: Vec<String> = (0..e.len().max(a.len()))
        .filter(|&k| e.get(k) != a.get(k))
        .take(20)
        .map(|k| format!("{:>5}: - {}\n       + {}", k + 1, e.get(k).unwrap_or(&"<none>"), a.get(k).unwrap_or(&"<none>")))
        .collect();
    failures.push(format!("{} differs (BLESS=1 to update after review; {} vs {} lines):\n{}", path.display(), e.len(), a.len(), diff.join("\n")));
}
