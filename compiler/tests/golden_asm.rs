//! Golden files of the emitted assembly for a representative program on
//! every target (`tests/golden/<name>.<triple>.S`). Regenerate with
//! `BLESS=1 cargo test -p offasm --test golden_asm` and review the diff.

use std::path::{Path, PathBuf};

mod common;

use offasm::driver::{self, Input, Options};
use offasm::target::Target;

const TARGETS: &[&str] = &[
    "x86_64-unknown-linux-gnu",
    "x86_64-apple-darwin",
    "x86_64-pc-windows-gnu",
    "aarch64-unknown-linux-gnu",
    "aarch64-apple-darwin",
];

fn compile(src: &Path, triple: &str) -> String {
    let opts = Options::new(Target::from_triple(triple).unwrap());
    let out = driver::compile(Input::File(src), &opts).unwrap();
    assert!(out.ok(), "{triple}:\n{}", out.render_short());
    out.asm.unwrap()
}

#[test]
fn emitted_assembly_matches_golden_files() {
    let src = PathBuf::from("tests/golden/representative.asm");
    let mut failures = Vec::new();
    for t in TARGETS {
        let asm = compile(&src, t);
        // Deterministic: the same input gives byte-identical output.
        assert_eq!(asm, compile(&src, t), "{t}: output differs between two runs");
        common::golden(&src.with_file_name(format!("representative.{t}.S")), &asm, &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Runs a tool; a missing tool fails under CI and is reported loudly otherwise.
fn tool(cmd: &str, args: &[&str]) -> Option<std::process::Output> {
    match std::process::Command::new(cmd).args(args).output() {
        Ok(o) => Some(o),
        Err(e) => {
            assert!(std::env::var("CI").is_err(), "required tool `{cmd}` is missing: {e}");
            eprintln!("SKIP: `{cmd}` is not installed ({e}); install it to run this check");
            None
        }
    }
}

#[test]
fn golden_programs_assemble_for_every_object_format() {
    let dir = tempfile::tempdir().unwrap();
    let src = PathBuf::from("tests/golden/representative.asm");
    for (t, cmd, args) in [
        ("x86_64-unknown-linux-gnu", "gcc", vec!["-c"]),
        ("x86_64-pc-windows-gnu", "x86_64-w64-mingw32-gcc", vec!["-c"]),
        ("x86_64-apple-darwin", "llvm-mc", vec!["-triple=x86_64-apple-macos11", "-filetype=obj"]),
        ("aarch64-unknown-linux-gnu", "aarch64-linux-gnu-gcc", vec!["-c"]),
        ("aarch64-apple-darwin", "llvm-mc", vec!["-triple=arm64-apple-macos11", "-filetype=obj"]),
    ] {
        let s = dir.path().join(format!("{t}.S"));
        std::fs::write(&s, compile(&src, t)).unwrap();
        let o = dir.path().join(format!("{t}.o"));
        let mut a: Vec<&str> = args.clone();
        a.extend([s.to_str().unwrap(), "-o", o.to_str().unwrap()]);
        if let Some(out) = tool(cmd, &a) {
            assert!(out.status.success(), "{t}: {cmd} rejected the output:\n{}", String::from_utf8_lossy(&out.stderr));
            assert!(o.exists());
        }
    }
}
