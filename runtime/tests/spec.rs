//! The WebAssembly 1.0 spec scripts (tests/wasm-spec, a copy of ../shared/wasm-spec: all 74) through the
//! wast runner: no command may fail. Commands that need what the interpreter
//! does not have yet (float arithmetic, call_indirect, functions imported from
//! other instances) are skipped with their reason; the per-file table is
//! printed and written to target/tmp/wasm-spec-summary.txt. The scripts whose
//! every command the integer subset supports must run completely (no skip), so
//! a regression in coverage fails too.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use offasm_wasm::wast_runner::{run_wast_file, Summary};

fn spec_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/wasm-spec");
    assert!(
        dir.is_dir(),
        "the spec scripts are expected at {}",
        dir.display()
    );
    dir
}

fn scripts() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(spec_dir())
        .expect("read the spec directory")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "wast"))
        .collect();
    files.sort();
    files
}

#[test]
fn spec_scripts_have_no_failures() {
    let files = scripts();
    assert_eq!(files.len(), 74, "the MVP spec suite has 74 scripts");
    let mut table = String::from("| script | commands | passed | failed | skipped | skip reasons |\n|---|---:|---:|---:|---:|---|\n");
    let mut failures = Vec::new();
    let mut incomplete = Vec::new(); // scripts with skipped commands
    let (mut total, mut passed, mut skipped) = (0, 0, 0);
    for file in &files {
        let summary: Summary = run_wast_file(file).unwrap_or_else(|e| panic!("{e}"));
        let reasons: Vec<String> = summary
            .skip_reasons()
            .iter()
            .map(|(r, n)| format!("{n}× {r}"))
            .collect();
        writeln!(
            table,
            "| {} | {} | {} | {} | {} | {} |",
            summary.name,
            summary.total(),
            summary.passed,
            summary.failed.len(),
            summary.skipped.len(),
            reasons.join("; ")
        )
        .unwrap();
        total += summary.total();
        passed += summary.passed;
        skipped += summary.skipped.len();
        failures.extend(summary.failed.iter().cloned());
        let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
        if !summary.skipped.is_empty() || summary.passed == 0 {
            incomplete.push(format!("{stem}: {:?}", summary.skipped));
        }
    }
    writeln!(
        table,
        "| total | {total} | {passed} | {} | {skipped} | |",
        failures.len()
    )
    .unwrap();
    println!("{table}");
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/tmp");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("wasm-spec-summary.txt"), &table).unwrap();
    assert!(
        failures.is_empty(),
        "{} failing commands:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        incomplete.is_empty(),
        "scripts with skipped commands:\n{}",
        incomplete.join("\n")
    );
}
