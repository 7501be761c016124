//! Unwind tables end to end (issue 12): a C++ exception thrown by a
//! callback that offasm code called is caught by the C++ caller of that
//! code, with its callee-saved registers intact — natively, under
//! qemu-aarch64 and under wine (SEH); gdb's backtrace from inside the
//! callback reaches `main`; the directives of every target are golden files
//! (`tests/unwind/vm.<triple>.S`, `BLESS=1` to update) and assemble into the
//! tables each format expects.

use std::path::{Path, PathBuf};
use std::process::Command;

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

fn have(tool: &str) -> bool {
    let ok = Command::new(tool).arg("--version").output().is_ok();
    assert!(ok || std::env::var("CI").is_err(), "required tool `{tool}` is missing");
    if !ok {
        eprintln!("SKIP: `{tool}` is not installed");
    }
    ok
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/unwind").join(name)
}

fn compile(triple: &str, unwind: bool, debug_info: bool) -> String {
    let mut opts = Options::new(Target::from_triple(triple).unwrap());
    opts.include_dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("../lib-asm")];
    opts.unwind = unwind;
    opts.debug_info = debug_info;
    let out = driver::compile(Input::File(&fixture("vm.asm")), &opts).unwrap();
    assert!(out.ok(), "{triple}:\n{}", out.render_short());
    out.asm.unwrap()
}

/// `vm.asm` (as `asm` for `triple`, or compiled) linked with `main.cpp` by
/// `cxx`, run by `runner` (None: natively): (exit success, stdout).
fn run_cpp(triple: &str, asm: Option<String>, cxx: &str, flags: &[&str], runner: Option<&str>) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("vm.S");
    std::fs::write(&s, asm.unwrap_or_else(|| compile(triple, true, true))).unwrap();
    let exe = dir.path().join("vm.exe");
    let built = Command::new(cxx).args(["-O2", "-g"]).args(flags).arg("-o").arg(&exe).arg(fixture("main.cpp")).arg(&s).output().unwrap();
    assert!(built.status.success(), "{triple}: {}", String::from_utf8_lossy(&built.stderr));
    let out = match runner {
        Some(r) => Command::new(r).arg(&exe).env("WINEDEBUG", "-all").output(),
        None => Command::new(&exe).output(),
    }
    .unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
}

fn assert_caught((ok, stdout): (bool, String), triple: &str) {
    assert!(ok && stdout.trim() == "ok", "{triple}: {stdout}");
}

#[test]
fn cpp_exceptions_cross_offasm_frames_natively() {
    if cfg!(all(target_arch = "x86_64", target_os = "linux")) && have("g++") {
        assert_caught(run_cpp("x86_64-unknown-linux-gnu", None, "g++", &[], None), "native");
    }
}

#[test]
fn cpp_exceptions_cross_offasm_frames_on_arm64_under_qemu() {
    if have("aarch64-linux-gnu-g++") && have("qemu-aarch64") {
        assert_caught(run_cpp("aarch64-unknown-linux-gnu", None, "aarch64-linux-gnu-g++", &["-static"], Some("qemu-aarch64")), "qemu");
    }
}

#[test]
fn cpp_exceptions_cross_offasm_frames_on_windows_under_wine() {
    if have("x86_64-w64-mingw32-g++") && have("wine") {
        assert_caught(run_cpp("x86_64-pc-windows-gnu", None, "x86_64-w64-mingw32-g++", &["-static"], Some("wine")), "wine");
    }
}

/// The checks above can fail: without unwind tables the exception is not
/// caught; without the rules for the saved registers of the interpreter
/// frame (or of the function), the caller's registers are not restored.
#[test]
fn the_exception_test_catches_missing_or_wrong_tables() {
    if !cfg!(all(target_arch = "x86_64", target_os = "linux")) || !have("g++") {
        return;
    }
    let triple = "x86_64-unknown-linux-gnu";
    let (ok, stdout) = run_cpp(triple, Some(compile(triple, false, false)), "g++", &[], None);
    assert!(!ok && !stdout.contains("ok"), "without unwind tables: {stdout}");
    let full = compile(triple, true, false);
    let without_saves: String = full.lines().filter(|l| !l.contains(".cfi_offset %r1") && !l.contains(".cfi_offset %rbx")).map(|l| format!("{l}\n")).collect();
    assert_ne!(full, without_saves);
    let (ok, stdout) = run_cpp(triple, Some(without_saves), "g++", &[], None);
    assert!(!ok && stdout.contains("registers lost"), "without the save rules: {stdout}");
}

#[test]
fn unwind_directives_match_golden_files() {
    let mut failures = Vec::new();
    for t in TARGETS {
        common::golden(&fixture(&format!("vm.{t}.S")), &compile(t, true, false), &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Each format's tables, as the tools read them from the assembled object:
/// DWARF CFI (`.eh_frame`) on ELF, compact unwind or `__eh_frame` on Mach-O,
/// `.pdata`/`.xdata` on COFF; every function has an entry.
#[test]
fn every_format_gets_its_unwind_tables() {
    if !have("llvm-mc") || !have("llvm-objdump") || !have("llvm-readobj") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mc_triples = [
        ("x86_64-unknown-linux-gnu", "x86_64-linux-gnu"),
        ("x86_64-apple-darwin", "x86_64-apple-macos11"),
        ("x86_64-pc-windows-gnu", "x86_64-pc-windows-gnu"),
        ("aarch64-unknown-linux-gnu", "aarch64-linux-gnu"),
        ("aarch64-apple-darwin", "arm64-apple-macos11"),
    ];
    for (triple, mc_triple) in mc_triples {
        let s = dir.path().join(format!("{triple}.S"));
        let o = dir.path().join(format!("{triple}.o"));
        std::fs::write(&s, compile(triple, true, false)).unwrap();
        let mc = Command::new("llvm-mc").arg(format!("-triple={mc_triple}")).arg("-filetype=obj").arg(&s).arg("-o").arg(&o).output().unwrap();
        assert!(mc.status.success(), "{triple}: {}", String::from_utf8_lossy(&mc.stderr));
        let (tool, args): (&str, &[&str]) = match triple {
            t if t.contains("windows") => ("llvm-readobj", &["--unwind"]),
            t if t.contains("apple") => ("llvm-objdump", &["--unwind-info", "--dwarf=frames"]),
            _ => ("llvm-objdump", &["--dwarf=frames"]),
        };
        let out = Command::new(tool).args(args).arg(&o).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{triple}: {}", String::from_utf8_lossy(&out.stderr));
        let entries = match triple {
            t if t.contains("windows") => text.matches("RuntimeFunction {").count(),
            t if t.contains("apple") => text.matches("start: 0x").count() + text.matches(" FDE ").count(),
            _ => text.matches(" FDE ").count(),
        };
        assert!(entries >= 3, "{triple}: {entries} unwind entries for 3 functions:\n{text}");
        if triple.contains("windows") {
            // The handler's empty prologue declares the frame the entry built.
            assert!(text.contains("PUSH_NONVOL reg=RBX") && text.contains("SET_FPREG"), "{text}");
        }
    }
}

/// gdb's backtrace from a breakpoint in the callback reaches `main` through
/// the offasm frames (the handler's too), with no "corrupt stack".
fn assert_backtrace_reaches_main(stdout: &[u8], stderr: &[u8], what: &str) {
    let text = String::from_utf8_lossy(stdout);
    let all = format!("{text}\n{}", String::from_utf8_lossy(stderr));
    for frame in ["callback", "vm_handler", "survives", "main"] {
        assert!(text.contains(frame), "{what}: no `{frame}` frame in the backtrace:\n{all}");
    }
    assert!(!all.contains("corrupt stack") && !all.contains("Backtrace stopped"), "{what}:\n{all}");
}

#[test]
fn gdb_backtrace_from_a_callback_reaches_main() {
    if !cfg!(all(target_arch = "x86_64", target_os = "linux")) || !have("gdb") || !have("g++") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("vm.S");
    std::fs::write(&s, compile("x86_64-unknown-linux-gnu", true, true)).unwrap();
    let exe = dir.path().join("vm");
    let built = Command::new("g++").args(["-O1", "-g", "-o"]).arg(&exe).arg(fixture("main.cpp")).arg(&s).output().unwrap();
    assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
    // The fourth call of the callback is the one through the handler that throws.
    let g = Command::new("gdb")
        .args(["-batch", "-nx", "-ex", "break callback if a == 42", "-ex", "run", "-ex", "continue", "-ex", "bt"])
        .arg(&exe)
        .output()
        .unwrap();
    assert_backtrace_reaches_main(&g.stdout, &g.stderr, "x86-64");
}

#[test]
fn gdb_backtrace_from_a_callback_reaches_main_on_arm64_under_qemu() {
    if !have("aarch64-linux-gnu-g++") || !have("qemu-aarch64") || !have("gdb-multiarch") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("vm.S");
    std::fs::write(&s, compile("aarch64-unknown-linux-gnu", true, true)).unwrap();
    let exe = dir.path().join("vm");
    let built = Command::new("aarch64-linux-gnu-g++").args(["-O1", "-g", "-static", "-o"]).arg(&exe).arg(fixture("main.cpp")).arg(&s).output().unwrap();
    assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut qemu = Command::new("qemu-aarch64").arg("-g").arg(port.to_string()).arg(&exe).spawn().unwrap();
    let g = Command::new("gdb-multiarch")
        .args(["-batch", "-nx"])
        .arg("-ex")
        .arg(format!("file {}", exe.display()))
        .arg("-ex")
        .arg(format!("target remote 127.0.0.1:{port}"))
        .args(["-ex", "break callback if a == 42", "-ex", "continue", "-ex", "continue", "-ex", "bt", "-ex", "kill"])
        .output()
        .unwrap();
    let _ = qemu.kill();
    let _ = qemu.wait();
    assert_backtrace_reaches_main(&g.stdout, &g.stderr, "ARM64");
}
