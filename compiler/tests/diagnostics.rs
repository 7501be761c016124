//! Golden files for rendered diagnostics. Each `diagnostics/<code>[-N].asm`
//! is checked for its target (first line `# target: TRIPLE`, optional
//! `# args: -D NAME …`), and the rendered diagnostics are compared with
//! `diagnostics/<name>.stderr`. Regenerate with `BLESS=1 cargo test`.

use std::path::{Path, PathBuf};

use offasm::driver::{self, Input, Options};
use offasm::target::Target;

fn cases() -> Vec<PathBuf> {
    let dir = Path::new("tests/diagnostics");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("tests/diagnostics")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "asm"))
        .collect();
    v.sort();
    v
}

fn options_for(src: &str) -> Options {
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

/// Some notes (the include chain) name files by absolute path: make the
/// golden files independent of where the repository is checked out.
fn portable(s: String) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut s = s;
    for d in [dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf()), dir.to_path_buf()] {
        s = s.replace(&format!("{}/", d.display()), "");
    }
    s
}

#[test]
fn rendered_diagnostics_match_golden_files() {
    let bless = std::env::var_os("BLESS").is_some();
    let mut failures = Vec::new();
    let cases = cases();
    assert!(cases.len() >= 20, "expected at least 20 diagnostic cases, found {}", cases.len());
    for case in &cases {
        let src = std::fs::read_to_string(case).unwrap();
        let out = driver::check(Input::File(case), &options_for(&src)).expect("options");
        let rendered = portable(format!("{}\n--- short ---\n{}", out.render(false), out.render_short()));
        // The file name names the diagnostic code the case must produce.
        let stem = case.file_stem().unwrap().to_str().unwrap();
        let code = stem.trim_end_matches(|c: char| c.is_ascii_digit() || c == '-');
        let code = code.strip_prefix("warning-").unwrap_or(code);
        assert!(
            out.diags.list.iter().any(|d| d.code == code),
            "{}: expected a `{code}` diagnostic, got:\n{rendered}",
            case.display()
        );
        let golden = case.with_extension("stderr");
        if bless {
            std::fs::write(&golden, &rendered).unwrap();
            continue;
        }
        match std::fs::read_to_string(&golden) {
            Ok(expected) if expected == rendered => {}
            Ok(expected) => failures.push(format!("{}:\n--- expected\n{expected}\n--- actual\n{rendered}", case.display())),
            Err(_) => failures.push(format!("{}: no golden file (run with BLESS=1)", case.display())),
        }
    }
    assert!(failures.is_empty(), "{} golden mismatches:\n{}", failures.len(), failures.join("\n"));
}
