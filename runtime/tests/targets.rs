//! The interpreter core (lib-asm/wasm/interp.asm) compiles for every target
//! offasm supports, with no finding of the cross-target checks, and each
//! output assembles with that target's assembler (GNU as for ELF and COFF,
//! clang for Mach-O). The native, ARM64 Linux and Windows x64 builds also run
//! (the rest of the test suite, natively, under qemu-aarch64 and under wine);
//! Apple only builds here.
//!
//! A test of the Linux host: it is not built for Windows (the suite built for
//! x86_64-pc-windows-gnu runs under wine), where it could not assemble
//! anything (the assemblers are Linux programs; wine starts a Unix program but
//! returns no process handle: no waiting, no exit status), and where it would
//! cost a Windows build of the compiler and its dependencies.
#![cfg(not(windows))]

use std::path::Path;
use std::process::Command;

const TARGETS: &[(&str, &[&str])] = &[
    ("x86_64-unknown-linux-gnu", &["as", "--64"]),
    ("x86_64-pc-windows-gnu", &["x86_64-w64-mingw32-as"]),
    ("aarch64-unknown-linux-gnu", &["aarch64-linux-gnu-as"]),
    (
        "x86_64-apple-darwin",
        &["clang", "-c", "--target=x86_64-apple-macos11"],
    ),
    (
        "aarch64-apple-darwin",
        &["clang", "-c", "--target=arm64-apple-macos11"],
    ),
];

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn interpreter_core_builds_and_assembles_for_every_target() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = root.join("target/tmp/wasm-targets");
    let mut missing = Vec::new();
    for (triple, assembler) in TARGETS {
        let dir = out.join(triple);
        std::fs::create_dir_all(&dir).unwrap();
        let generated = offasm::build::Build::new()
            .file(root.join("lib-asm/wasm/interp.asm"))
            .include(root.join("lib-asm"))
            .include(root.join("lib-asm/wasm"))
            .define("COUNT_DISPATCHES", false)
            .target(triple)
            .out_dir(&dir)
            .cargo_metadata(false)
            .try_generate()
            .unwrap_or_else(|e| panic!("{triple}: {e}"));
        assert!(
            generated.warnings.is_empty(),
            "{triple}: {:?}",
            generated.warnings
        );
        assert_eq!(
            generated.checked_targets.len(),
            5,
            "{triple}: every target checked"
        );
        let asm = &generated.asm_files[0];
        if !have(assembler[0]) {
            missing.push(assembler[0]);
            continue;
        }
        let object = dir.join("interp.o");
        let status = Command::new(assembler[0])
            .args(&assembler[1..])
            .arg(asm)
            .arg("-o")
            .arg(&object)
            .status()
            .unwrap();
        assert!(
            status.success(),
            "{triple}: {} failed on {}",
            assembler[0],
            asm.display()
        );
        assert!(
            std::fs::metadata(&object).unwrap().len() > 10_000,
            "{triple}: object too small"
        );
    }
    if !missing.is_empty() {
        // scripts/test.sh installs them; under CI a missing tool is a failure.
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "assemblers missing: {missing:?}"
        );
        eprintln!("SKIP assembling with {missing:?} (not installed)");
    }
}
