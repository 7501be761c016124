//! The interpreter core on Windows x64, run under wine, driven by a C harness
//! (tests/win64/harness.c, built with mingw-w64): it writes small programs in
//! the internal code (calls and returns, fused compare-branch, division traps,
//! memory bounds, floats, call-outs and resumption, br_table, select, stack
//! exhaustion) and runs them through `wasm_enter` from a probe
//! (examples/hello/c/win64_probe.S) that checks that the non-volatile
//! registers of the Windows ABI survive every run, which the whole suite run
//! under wine (`--target x86_64-pc-windows-gnu`, scripts/test.sh) cannot see.
//!
//! This test runs on the Linux host only: it drives the host's mingw-w64 gcc
//! and wine, which a Windows program (this suite built for Windows, under
//! wine) cannot run and wait for: wine starts a Unix program but returns no
//! process handle (no waiting, no exit status).
#![cfg(not(windows))]

use std::path::Path;
use std::process::Command;

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

const EXPECTED: &str = "\
fib(25) = 75025 status 0
div by zero: status 1 trap 2 at insn 1
rem 0 div_u 6148914691236517204 status 0
load8_s -128; status 1 trap 4
f64 3.75 trunc 3 min -0 status 0
trunc nan: status 1 trap 9
grow: status 3 delta 1 slot 1
size 2; host: status 2 record 1234
after host: status 0
popcnt 32 rotl 18 select 123456789abcdef br_table 80000001 status 0
recursion: status 1 trap 5
non-volatile registers preserved: yes
";

#[test]
fn interpreter_core_runs_on_windows_under_wine() {
    if !have("x86_64-w64-mingw32-gcc") || Command::new("wine").arg("--version").output().is_err() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "mingw-w64 and wine are required"
        );
        eprintln!("SKIP: mingw-w64 or wine missing");
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = root.join("target/tmp/wasm-win64");
    std::fs::create_dir_all(&dir).unwrap();
    // abi.h: the constants of abi.asm for the C harness.
    let abi = std::fs::read_to_string(root.join("lib-asm/wasm/abi.asm")).unwrap();
    let mut header =
        String::from("/* Generated from lib-asm/wasm/abi.asm by runtime/tests/windows.rs. */\n");
    for line in abi.lines() {
        let code = line.split('#').next().unwrap().trim();
        if let Some(rest) = code.strip_prefix("const ") {
            let (name, value) = rest.split_once('=').unwrap();
            header += &format!("#define {} {}\n", name.trim(), value.trim());
        }
    }
    std::fs::write(dir.join("abi.h"), header).unwrap();
    let generated = offasm::build::Build::new()
        .file(root.join("lib-asm/wasm/interp.asm"))
        .include(root.join("lib-asm"))
        .include(root.join("lib-asm/wasm"))
        .define("COUNT_DISPATCHES", false)
        .target("x86_64-pc-windows-gnu")
        .out_dir(&dir)
        .cargo_metadata(false)
        .try_generate()
        .unwrap_or_else(|e| panic!("{e}"));
    let exe = dir.join("harness.exe");
    let tests = root.join("runtime/tests/win64");
    let out = Command::new("x86_64-w64-mingw32-gcc")
        .args(["-O1", "-D__USE_MINGW_ANSI_STDIO=1", "-I"])
        .arg(&dir)
        .arg(tests.join("harness.c"))
        .arg(root.join("examples/hello/c/win64_probe.S"))
        .arg(&generated.asm_files[0])
        .arg("-o")
        .arg(&exe)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "mingw-w64 gcc: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = Command::new("wine")
        .arg(&exe)
        .env("WINEDEBUG", "-all")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout).replace('\r', "");
    assert!(
        run.status.success(),
        "wine: {}\n{stdout}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(stdout, EXPECTED);
}
