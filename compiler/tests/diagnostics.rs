//! Golden files for rendered diagnostics. Each `diagnostics/<code>[-N].asm`
//! is checked for its target (first line `# target: TRIPLE`, optional
//! `# args: -D NAME …`), and the rendered diagnostics are compared with
//! `diagnostics/<name>.stderr`. Regenerate with `BLESS=1 cargo test`.
//! `warning-<code>[-N].asm` and `hazard-<code>[-N].asm` cases (re-levellable
//! codes) are also checked under `--allow`, `--warn` and `--deny`.

use std::path::{Path, PathBuf};

mod common;

use common::options_for;
use offasm::diag::{Level, Severity};
use offasm::driver::{self, Input};

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
        let code = code.strip_prefix("warning-").or_else(|| code.strip_prefix("hazard-")).unwrap_or(code);
        assert!(
            out.diags.list.iter().any(|d| d.code == code),
            "{}: expected a `{code}` diagnostic, got:\n{rendered}",
            case.display()
        );
        common::golden(&case.with_extension("stderr"), &rendered, &mut failures);
    }
    assert!(failures.is_empty(), "{} golden mismatches:\n{}", failures.len(), failures.join("\n"));
}

/// The code a `warning-…`/`hazard-…` case is about, and the group it belongs to.
fn relevellable_case(case: &Path) -> Option<(String, &'static str)> {
    let stem = case.file_stem()?.to_str()?;
    let code = stem.trim_end_matches(|c: char| c.is_ascii_digit() || c == '-');
    let (group, code) = match (code.strip_prefix("warning-"), code.strip_prefix("hazard-")) {
        (Some(c), _) => ("warnings", c),
        (_, Some(c)) => ("hazards", c),
        _ => return None,
    };
    Some((code.to_string(), group))
}

/// Every re-levellable case, checked at each level given by code and by group:
/// allowed, its diagnostics are gone; warned, they are warnings and the
/// program compiles; denied, they are errors. A new `hazard-<code>.asm` case
/// is covered without changing this test.
#[test]
fn levels_apply_to_every_warning_and_hazard_case() {
    let mut seen = 0;
    for case in cases() {
        let Some((code, group)) = relevellable_case(&case) else { continue };
        seen += 1;
        let src = std::fs::read_to_string(&case).unwrap();
        let run = |levels: &[(&str, Level)]| {
            let mut o = options_for(&src);
            for (name, level) in levels {
                o.levels.set(name, *level).unwrap();
            }
            driver::check(Input::File(&case), &o).unwrap()
        };
        let of_code = |out: &driver::Outcome| out.diags.list.iter().filter(|d| d.code == code).map(|d| d.severity).collect::<Vec<_>>();
        let default = run(&[]);
        let n = of_code(&default).len();
        assert!(n > 0, "{}: no `{code}` diagnostic", case.display());
        let want_default = if group == "hazards" { Severity::Error } else { Severity::Warning };
        assert_eq!(of_code(&default), vec![want_default; n], "{}: default level", case.display());
        for name in [code.as_str(), group] {
            let allowed = run(&[(name, Level::Allow)]);
            assert!(of_code(&allowed).is_empty(), "{}: --allow {name}", case.display());
            let warned = run(&[(name, Level::Warn)]);
            assert_eq!(of_code(&warned), vec![Severity::Warning; n], "{}: --warn {name}", case.display());
            assert!(warned.ok(), "{}: --warn {name} still fails:\n{}", case.display(), warned.render_short());
            let denied = run(&[(name, Level::Deny)]);
            assert_eq!(of_code(&denied), vec![Severity::Error; n], "{}: --deny {name}", case.display());
            assert!(!denied.ok());
        }
        // The code's own level beats its group's, in either order.
        let own_wins = run(&[(group, Level::Deny), (&code, Level::Allow)]);
        assert!(of_code(&own_wins).is_empty(), "{}", case.display());
        let own_wins = run(&[(&code, Level::Warn), (group, Level::Allow)]);
        assert_eq!(of_code(&own_wins), vec![Severity::Warning; n], "{}", case.display());
        // Among levels for the same name, the last one wins.
        let last = run(&[(&code, Level::Allow), (&code, Level::Deny)]);
        assert_eq!(of_code(&last), vec![Severity::Error; n], "{}", case.display());
    }
    assert!(seen >= offasm::diag::WARNING_CODES.len(), "a case for every warning code, found {seen}");
}
