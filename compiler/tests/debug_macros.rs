//! `-g`: macro expansions are inlined subroutines in DWARF (docs/debugging.md),
//! so that gdb shows the chain of macro calls as inlined frames, puts a
//! breakpoint on a macro body line in every expansion, stops at the expansion
//! called on a line, and steps over (`next`) or into (`step`) a macro call.
//! x86-64 natively with gdb, ARM64 with gdb-multiarch over qemu-aarch64's gdb
//! stub; the DWARF of every target is checked with `llvm-dwarfdump --verify`.

use std::path::{Path, PathBuf};
use std::process::Command;

use offasm::driver::{self, Input, Options};
use offasm::target::Target;

/// Line numbers are part of the tests: `bump` is expanded four times (twice
/// through `twice`), `twice` once.
const SRC: &str = "macro bump(r)
    addq 1, r
    addq 2, r
end

macro twice(r)
    bump(r)
    bump(r)
end

global _dbg_entry
_dbg_entry:
    leap 1[a0], t0
    twice(t0)
    bump(t0)
    addq 1, t0
    bump(t0)
    ret
";

fn have(tool: &str) -> bool {
    let ok = Command::new(tool).arg("--version").output().is_ok();
    assert!(ok || std::env::var("CI").is_err(), "required tool `{tool}` is missing");
    if !ok {
        eprintln!("SKIP: `{tool}` is not installed");
    }
    ok
}

fn compile(dir: &Path, triple: &str) -> PathBuf {
    compile_src(dir, triple, "vm.asm", SRC)
}

fn compile_src(dir: &Path, triple: &str, name: &str, src: &str) -> PathBuf {
    let asm = dir.join(name);
    std::fs::write(&asm, src).unwrap();
    let mut opts = Options::new(Target::from_triple(triple).unwrap());
    opts.debug_info = true;
    let out = driver::compile(Input::File(&asm), &opts).unwrap();
    assert!(out.ok(), "{}", out.render_short());
    let s = dir.join(format!("{triple}.S"));
    std::fs::write(&s, out.asm.unwrap()).unwrap();
    s
}

/// `SRC` for `triple`, linked with a C `main` by `cc` and run once by
/// `runner` (None: natively).
fn build(triple: &str, cc: &str, cc_flags: &[&str], runner: Option<&str>) -> (tempfile::TempDir, PathBuf) {
    let main = "#include <stdint.h>\nuint64_t dbg_entry(uint64_t);\nint main(void) { return (int)dbg_entry(29) - 43; }\n";
    build_src(triple, cc, cc_flags, runner, SRC, main)
}

fn build_src(triple: &str, cc: &str, cc_flags: &[&str], runner: Option<&str>, src: &str, main: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let s = compile_src(dir.path(), triple, "vm.asm", src);
    let c = dir.path().join("main.c");
    std::fs::write(&c, main).unwrap();
    let exe = dir.path().join("vm");
    let built = Command::new(cc).arg("-g").args(cc_flags).arg("-o").arg(&exe).arg(&c).arg(&s).output().unwrap();
    assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
    let status = match runner {
        Some(r) => Command::new(r).arg(&exe).status(),
        None => Command::new(&exe).status(),
    };
    assert!(status.unwrap().success(), "the program computes what main expects");
    (dir, exe)
}

/// The debugger, for the architecture of one test.
#[derive(Copy, Clone)]
enum Gdb {
    Native,
    /// gdb-multiarch over qemu-aarch64's gdb stub.
    Qemu,
}

/// Runs `commands` in a gdb batch session on `exe`, from a breakpoint on
/// line `first_stop` (`run` or `continue`); returns gdb's output.
fn session(gdb: Gdb, exe: &Path, commands: &[&str]) -> String {
    let mut args: Vec<String> = vec!["-batch".into(), "-nx".into()];
    let mut ex = |c: String| {
        args.push("-ex".into());
        args.push(c);
    };
    let mut qemu = None;
    match gdb {
        Gdb::Native => {}
        Gdb::Qemu => {
            let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
            qemu = Some(Command::new("qemu-aarch64").arg("-g").arg(port.to_string()).arg(exe).spawn().unwrap());
            ex(format!("file {}", exe.display()));
            ex(format!("target remote 127.0.0.1:{port}"));
        }
    }
    for c in commands {
        let c = match (*c, gdb) {
            ("run", Gdb::Qemu) => "continue",
            (c, _) => c,
        };
        ex(c.to_string());
    }
    if matches!(gdb, Gdb::Qemu) {
        ex("kill".into());
    }
    let mut cmd = Command::new(match gdb {
        Gdb::Native => "gdb",
        Gdb::Qemu => "gdb-multiarch",
    });
    cmd.args(&args);
    if matches!(gdb, Gdb::Native) {
        cmd.arg(exe);
    }
    let g = cmd.output().unwrap();
    if let Some(mut q) = qemu {
        let _ = q.kill();
        let _ = q.wait();
    }
    format!("{}\n--- stderr:\n{}", String::from_utf8_lossy(&g.stdout), String::from_utf8_lossy(&g.stderr))
}

/// The frames of the first `bt` in `text`: (function, line).
fn backtrace(text: &str) -> Vec<(String, u32)> {
    text.lines()
        .skip_while(|l| !l.starts_with("#0"))
        .take_while(|l| l.starts_with('#'))
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let name = if f.get(2) == Some(&"in") { f.get(3)? } else { f.get(1)? };
            let line = l.rsplit(':').next()?.trim().parse().ok()?;
            Some((name.to_string(), line))
        })
        .collect()
}

fn frames(v: &[(&str, u32)]) -> Vec<(String, u32)> {
    v.iter().map(|(n, l)| (n.to_string(), *l)).collect()
}

fn check_debugger(gdb: Gdb, exe: &Path) {
    // A line in a macro body expanded four times: four locations; the first
    // stop is in `bump` called by `twice` called by `dbg_entry`.
    let t = session(gdb, exe, &["break vm.asm:3", "info breakpoints", "run", "bt"]);
    assert!(t.contains("vm.asm:3. (4 locations)"), "{t}");
    assert_eq!(t.matches(" in bump at ").count(), 4, "one location per expansion:\n{t}");
    let bt = backtrace(&t);
    assert_eq!(bt[..3], frames(&[("bump", 3), ("twice", 7), ("dbg_entry", 14)])[..], "{t}");
    assert_eq!(bt[3].0, "main", "{t}");

    // A line that calls a macro: the stop is at that expansion (not at the
    // next line with code of its own, line 16), in its inlined frame.
    let t = session(gdb, exe, &["break vm.asm:15", "run", "bt", "info line *$pc"]);
    assert!(t.contains("file ") && t.contains("vm.asm, line 15."), "the breakpoint is on line 15:\n{t}");
    assert!(t.contains("Breakpoint 1, bump () at "), "{t}");
    let bt = backtrace(&t);
    assert_eq!(bt[..2], frames(&[("bump", 2), ("dbg_entry", 15)])[..], "{t}");

    // `next` stops on each macro call line and steps over the expansion;
    // `step` enters it, one macro level at a time.
    let t = session(gdb, exe, &["break vm.asm:13", "run", "next", "next", "next", "step", "bt", "step", "step", "bt"]);
    let shown: Vec<&str> = t.lines().filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_digit()) && l.contains('\t')).collect();
    assert_eq!(
        shown,
        ["13\t    leap 1[a0], t0", "14\t    twice(t0)", "15\t    bump(t0)", "16\t    addq 1, t0", "17\t    bump(t0)", "2\t    addq 1, r", "3\t    addq 2, r"],
        "{t}"
    );
    let bts: Vec<&str> = t.split("\n#0").skip(1).collect();
    assert_eq!(bts.len(), 2, "{t}");
    // Stopped on the call line 17 (in `dbg_entry`), then in the expansion.
    assert_eq!(backtrace(&format!("#0{}", bts[0]))[0], ("dbg_entry".to_string(), 17), "{t}");
    assert_eq!(backtrace(&format!("#0{}", bts[1]))[..2], frames(&[("bump", 3), ("dbg_entry", 17)])[..], "{t}");

    let t = session(gdb, exe, &["break vm.asm:13", "run", "next", "step", "bt", "step", "bt"]);
    assert!(t.contains("twice () at "), "`step` on line 14 enters `twice`:\n{t}");
    let bts: Vec<&str> = t.split("\n#0").skip(1).collect();
    assert_eq!(bts.len(), 2, "{t}");
    assert_eq!(backtrace(&format!("#0{}", bts[0]))[..2], frames(&[("twice", 7), ("dbg_entry", 14)])[..], "{t}");
    assert_eq!(backtrace(&format!("#0{}", bts[1]))[..3], frames(&[("bump", 2), ("twice", 7), ("dbg_entry", 14)])[..], "{t}");

    // A breakpoint on a macro's name is one per expansion; `finish` leaves
    // an expansion for the line after its call.
    let t = session(gdb, exe, &["break bump", "tbreak vm.asm:2", "run", "delete", "finish", "bt", "finish", "bt"]);
    assert!(t.contains("Breakpoint 1 at ") && t.contains(": bump. (4 locations)"), "{t}");
    let bts: Vec<&str> = t.split("\n#0").skip(1).collect();
    assert_eq!(bts.len(), 2, "{t}");
    assert_eq!(backtrace(&format!("#0{}", bts[0]))[..2], frames(&[("twice", 8), ("dbg_entry", 14)])[..], "{t}");
    assert_eq!(backtrace(&format!("#0{}", bts[1]))[0], ("dbg_entry".to_string(), 15), "{t}");
}

#[test]
fn gdb_sees_macro_expansions_as_inlined_frames() {
    if !cfg!(all(target_arch = "x86_64", target_os = "linux")) || !have("gdb") || !have("gcc") {
        return;
    }
    let (_dir, exe) = build("x86_64-unknown-linux-gnu", "gcc", &[], None);
    check_debugger(Gdb::Native, &exe);
}

#[test]
fn gdb_multiarch_sees_macro_expansions_as_inlined_frames_on_arm64_under_qemu() {
    if !have("aarch64-linux-gnu-gcc") || !have("qemu-aarch64") || !have("gdb-multiarch") {
        return;
    }
    let (_dir, exe) = build("aarch64-unknown-linux-gnu", "aarch64-linux-gnu-gcc", &["-static"], Some("qemu-aarch64"));
    check_debugger(Gdb::Qemu, &exe);
}

/// Functions defined by a macro (an interpreter's handlers, generated by
/// family macros): each function holds its part of the expansion that
/// defines it, with the macro chain down to the closure passed as the body.
const HANDLERS: &str = "macro addTwo(r)
    addq 1, r
    addq 1, r
end

macro handler(name, body)
    global _dbg_%name%
_dbg_%name%:
    move a0, r0
    body(r0)
    ret
end

handler(plus2, macro (r)
    addTwo(r)
end)
handler(plus4, macro (r)
    addTwo(r)
    addTwo(r)
end)
";

const HANDLERS_MAIN: &str = "#include <stdint.h>
uint64_t dbg_plus2(uint64_t);
uint64_t dbg_plus4(uint64_t);
int main(void) { return (int)(dbg_plus2(1) + dbg_plus4(2)) - 9; }
";

fn check_handlers(gdb: Gdb, exe: &Path) {
    let t = session(gdb, exe, &["break vm.asm:3", "run", "bt", "continue", "continue", "bt"]);
    assert!(t.contains("vm.asm:3. (3 locations)"), "{t}");
    let bts: Vec<&str> = t.split("\n#0").skip(1).collect();
    assert_eq!(bts.len(), 2, "{t}");
    let first = backtrace(&format!("#0{}", bts[0]));
    assert_eq!(first[..4], frames(&[("addTwo", 3), ("anon", 15), ("handler", 10), ("dbg_plus2", 14)])[..], "{t}");
    assert_eq!(first[4].0, "main", "{t}");
    let third = backtrace(&format!("#0{}", bts[1]));
    assert_eq!(third[..4], frames(&[("addTwo", 3), ("anon", 19), ("handler", 10), ("dbg_plus4", 17)])[..], "{t}");
}

#[test]
fn gdb_sees_functions_defined_by_macros() {
    if !cfg!(all(target_arch = "x86_64", target_os = "linux")) || !have("gdb") || !have("gcc") {
        return;
    }
    let (_dir, exe) = build_src("x86_64-unknown-linux-gnu", "gcc", &[], None, HANDLERS, HANDLERS_MAIN);
    check_handlers(Gdb::Native, &exe);
}

#[test]
fn gdb_multiarch_sees_functions_defined_by_macros_on_arm64_under_qemu() {
    if !have("aarch64-linux-gnu-gcc") || !have("qemu-aarch64") || !have("gdb-multiarch") {
        return;
    }
    let (_dir, exe) = build_src("aarch64-unknown-linux-gnu", "aarch64-linux-gnu-gcc", &["-static"], Some("qemu-aarch64"), HANDLERS, HANDLERS_MAIN);
    check_handlers(Gdb::Qemu, &exe);
}

/// The expansions in the DWARF of an object: (macro, call line), in order.
fn inlined(object: &Path) -> (Vec<(String, u32)>, String) {
    let out = Command::new("llvm-dwarfdump").arg("--debug-info").arg(object).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut v = Vec::new();
    for die in text.split("DW_TAG_inlined_subroutine").skip(1) {
        let name = die.split("DW_AT_abstract_origin").nth(1).and_then(|s| s.split('"').nth(1)).unwrap_or("?");
        let line = die.split("DW_AT_call_line\t(").nth(1).and_then(|s| s.split(')').next()).and_then(|s| s.parse().ok()).unwrap_or(0);
        v.push((name.to_string(), line));
    }
    (v, text)
}

fn verify(object: &Path, what: &str) {
    let out = Command::new("llvm-dwarfdump").arg("--verify").arg(object).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && text.contains("No errors."), "{what}: llvm-dwarfdump --verify:\n{text}{}", String::from_utf8_lossy(&out.stderr));
}

/// Every target's object (llvm-mc; GNU as for ELF, mingw as for COFF where
/// installed) passes `llvm-dwarfdump --verify` and describes the five
/// expansions with their call lines, nested as called.
#[test]
fn every_target_describes_expansions_in_valid_dwarf() {
    if !have("llvm-mc") || !have("llvm-dwarfdump") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let targets = [
        ("x86_64-unknown-linux-gnu", "x86_64-linux-gnu", "as"),
        ("x86_64-apple-darwin", "x86_64-apple-macos11", ""),
        ("x86_64-pc-windows-gnu", "x86_64-pc-windows-gnu", "x86_64-w64-mingw32-as"),
        ("aarch64-unknown-linux-gnu", "aarch64-linux-gnu", "aarch64-linux-gnu-as"),
        ("aarch64-apple-darwin", "arm64-apple-macos11", ""),
    ];
    let expected: Vec<(String, u32)> = frames(&[("twice", 14), ("bump", 7), ("bump", 8), ("bump", 15), ("bump", 17)]);
    for (triple, mc_triple, gnu_as) in targets {
        let s = compile(dir.path(), triple);
        let o = dir.path().join(format!("{triple}.o"));
        let mc = Command::new("llvm-mc").arg(format!("-triple={mc_triple}")).arg("-filetype=obj").arg(&s).arg("-o").arg(&o).output().unwrap();
        assert!(mc.status.success(), "{triple}: {}", String::from_utf8_lossy(&mc.stderr));
        verify(&o, triple);
        let (v, text) = inlined(&o);
        assert_eq!(v, expected, "{triple}:\n{text}");
        // `twice` holds the two expansions of `bump` it calls.
        let nested = text.split("DW_TAG_inlined_subroutine").nth(2).unwrap_or("");
        assert!(text.contains("DW_AT_name\t(\"dbg_entry\")") && nested.starts_with('\n'), "{triple}:\n{text}");
        if !gnu_as.is_empty() && Command::new(gnu_as).arg("--version").output().is_ok() {
            let g = dir.path().join(format!("{triple}.gas.o"));
            let r = Command::new(gnu_as).arg(&s).arg("-o").arg(&g).output().unwrap();
            assert!(r.status.success(), "{triple} ({gnu_as}): {}", String::from_utf8_lossy(&r.stderr));
            verify(&g, &format!("{triple} ({gnu_as})"));
            assert_eq!(inlined(&g).0, expected, "{triple} ({gnu_as})");
        }
    }
}

/// With `-g`, the output is the same from one compilation to the next.
#[test]
fn debug_output_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    for triple in ["x86_64-unknown-linux-gnu", "aarch64-apple-darwin", "x86_64-pc-windows-gnu"] {
        let a = std::fs::read_to_string(compile(dir.path(), triple)).unwrap();
        let b = std::fs::read_to_string(compile(dir.path(), triple)).unwrap();
        assert_eq!(a, b, "{triple}");
        assert!(a.contains("debug_info"), "{triple}");
    }
}
