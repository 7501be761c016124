//! The built tool on a tiny kernel set: a correct checksum passes, a wrong
//! one (and other bad input) fails with one error line and exit code 1.
//! Untimed in effect: one call per engine of a one-instruction kernel.

use std::path::{Path, PathBuf};
use std::process::Command;

const TINY: &str = r#"(module
  (memory (export "memory") 1)
  (func (export "bench_tiny") (param i32) (result i32)
    local.get 0
    i32.const 2
    i32.mul))"#;

fn dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("wasm-bench-{name}"));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    let buf = wast::parser::ParseBuffer::new(TINY).unwrap();
    let mut wat = wast::parser::parse::<wast::Wat>(&buf).unwrap();
    std::fs::write(d.join("tiny.wasm"), wat.encode().unwrap()).unwrap();
    d
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_wasm-bench"))
        .args(["--runs", "1", "--warmup", "0", "--startup-runs", "1"])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn error_line(stderr: &str) -> &str {
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.starts_with("warning:") && !l.starts_with("note:"))
        .collect();
    assert_eq!(lines.len(), 1, "one error line: {stderr}");
    assert!(lines[0].starts_with("error: "), "{stderr}");
    lines[0]
}

#[test]
fn right_checksum_passes_and_saves_a_baseline() {
    let d = dir("ok");
    std::fs::write(
        d.join("k.tsv"),
        "# group kernel arg checksum\nt tiny 21 42\n",
    )
    .unwrap();
    let base = d.join("base.tsv");
    let (code, stdout, stderr) = run(&[
        "--kernels",
        d.join("k.tsv").to_str().unwrap(),
        "--save-baseline",
        base.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("| tiny (21) | offasm-wasm |"), "{stdout}");
    assert!(stdout.contains("| **geomean** | wasmi |"), "{stdout}");
    let saved = std::fs::read_to_string(&base).unwrap();
    assert!(saved.contains("\ntiny\t21\toffasm-wasm\t"), "{saved}");
    // Compared with its own baseline.
    let (code, stdout, stderr) = run(&[
        "--kernels",
        d.join("k.tsv").to_str().unwrap(),
        "--baseline",
        base.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("| change |"), "{stdout}");
    // The counts (instructions: local.get, i32.const, i32.mul, end).
    let (code, stdout, stderr) = run(&["--count", "--kernels", d.join("k.tsv").to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("| tiny (21) |") && stdout.contains("| 4 |"),
        "{stdout}"
    );
}

#[test]
fn wrong_checksum_fails() {
    let d = dir("wrong");
    std::fs::write(d.join("k.tsv"), "t tiny 21 43\n").unwrap();
    let (code, _, stderr) = run(&["--kernels", d.join("k.tsv").to_str().unwrap()]);
    assert_eq!(code, 1, "{stderr}");
    let e = error_line(&stderr);
    assert!(
        e.contains("kernel tiny") && e.contains("returned 42") && e.contains("checksum is 43"),
        "{e}"
    );
    // In the counting mode too.
    let (code, _, stderr) = run(&["--count", "--kernels", d.join("k.tsv").to_str().unwrap()]);
    assert_eq!(code, 1, "{stderr}");
    assert!(error_line(&stderr).contains("checksum is 43"), "{stderr}");
}

#[test]
fn bad_input_fails_with_one_line() {
    let d = dir("bad");
    let k = d.join("k.tsv");
    let ks = k.to_str().unwrap();
    // A malformed line.
    std::fs::write(&k, "t tiny 21\n").unwrap();
    let (code, _, stderr) = run(&["--kernels", ks]);
    assert_eq!(code, 1);
    assert!(
        error_line(&stderr).contains("k.tsv:1: expected 4 fields"),
        "{stderr}"
    );
    // A missing list, a missing module, an unknown kernel or engine.
    let (code, _, stderr) = run(&["--kernels", d.join("none.tsv").to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        error_line(&stderr).contains("cannot read kernel list"),
        "{stderr}"
    );
    std::fs::write(&k, "t absent 1 1\n").unwrap();
    let (code, _, stderr) = run(&["--kernels", ks]);
    assert_eq!(code, 1);
    assert!(
        error_line(&stderr).contains("cannot read module"),
        "{stderr}"
    );
    std::fs::write(&k, "t tiny 21 42\n").unwrap();
    let (code, _, stderr) = run(&["--kernels", ks, "other"]);
    assert_eq!(code, 1);
    assert!(
        error_line(&stderr).contains("no kernel `other`"),
        "{stderr}"
    );
    let (code, _, stderr) = run(&["--kernels", ks, "--engines", "nope"]);
    assert_eq!(code, 1);
    assert!(
        error_line(&stderr).contains("unknown engine `nope`"),
        "{stderr}"
    );
    // A module that does not decode.
    std::fs::write(d.join("tiny.wasm"), b"\0asm\x01\0\0\0garbage").unwrap();
    let (code, _, stderr) = run(&["--kernels", ks]);
    assert_eq!(code, 1);
    assert!(
        error_line(&stderr).contains("cannot load tiny.wasm"),
        "{stderr}"
    );
    // Not a baseline.
    let (code, _, stderr) = run(&["--kernels", ks, "--baseline", ks]);
    assert_eq!(code, 1);
    assert!(
        error_line(&stderr).contains("not a wasm-bench baseline"),
        "{stderr}"
    );
}
