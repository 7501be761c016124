//! `-g`: gdb maps machine code back to lines of the `.asm` source, also
//! inside macro bodies (TARGETS.md §8.7).

use std::path::PathBuf;
use std::process::Command;

use offasm::driver::{self, Input, Options};
use offasm::target::Target;

const SRC: &str = "macro bump(r)
    addq 1, r
    addq 2, r
end

global _dbg_entry
_dbg_entry:
    move a0, t0
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

/// `SRC` compiled with `-g` for `triple`, linked with a C `main` by `cc`
/// (plus `cc_flags`) and run once by `runner` (None: natively); returns the
/// directory (keep it alive) and the executable.
fn build_debug_program(triple: &str, cc: &str, cc_flags: &[&str], runner: Option<&str>) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let asm = dir.path().join("dbg.asm");
    std::fs::write(&asm, SRC).unwrap();
    let mut opts = Options::new(Target::from_triple(triple).unwrap());
    opts.debug_info = true;
    let out = driver::compile(Input::File(&asm), &opts).unwrap();
    assert!(out.ok(), "{}", out.render_short());
    let s = dir.path().join("dbg.S");
    std::fs::write(&s, out.asm.unwrap()).unwrap();
    let c = dir.path().join("main.c");
    std::fs::write(&c, "#include <stdint.h>\nuint64_t dbg_entry(uint64_t);\nint main(void) { return (int)dbg_entry(39) - 42; }\n").unwrap();
    let exe = dir.path().join("dbg");
    let built = Command::new(cc).arg("-g").args(cc_flags).arg("-o").arg(&exe).arg(&c).arg(&s).output().unwrap();
    assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
    let status = match runner {
        Some(r) => Command::new(r).arg(&exe).status(),
        None => Command::new(&exe).status(),
    };
    assert!(status.unwrap().success(), "the program computes 39 + 3");
    (dir, exe)
}

/// gdb's answer stops on line 3, the second instruction of the macro body,
/// in the expansion of `bump` (an inlined frame, tests/debug_macros.rs).
fn assert_stopped_on_line_3(stdout: &[u8], stderr: &[u8]) {
    let text = String::from_utf8_lossy(stdout);
    assert!(text.contains("Breakpoint 1, bump () at"), "{text}\n{}", String::from_utf8_lossy(stderr));
    assert!(text.contains("dbg.asm:3"), "{text}");
    assert!(text.contains("Line 3 of"), "{text}");
}

#[test]
fn gdb_breaks_on_a_source_line_inside_a_macro_body() {
    if !cfg!(all(target_arch = "x86_64", target_os = "linux")) || !have("gdb") || !have("gcc") {
        return;
    }
    let (_dir, exe) = build_debug_program("x86_64-unknown-linux-gnu", "gcc", &[], None);
    let g = Command::new("gdb")
        .args(["-batch", "-nx", "-ex", "break dbg.asm:3", "-ex", "run", "-ex", "info line *$pc"])
        .arg(&exe)
        .output()
        .unwrap();
    assert_stopped_on_line_3(&g.stdout, &g.stderr);
}

/// The same on ARM64 Linux: the program runs under qemu-aarch64's gdb stub
/// and gdb-multiarch stops on line 3 inside the macro body.
#[test]
fn gdb_breaks_inside_a_macro_body_on_arm64_under_qemu() {
    if !have("aarch64-linux-gnu-gcc") || !have("qemu-aarch64") || !have("gdb-multiarch") {
        return;
    }
    let (_dir, exe) =
        build_debug_program("aarch64-unknown-linux-gnu", "aarch64-linux-gnu-gcc", &["-static"], Some("qemu-aarch64"));
    // A free port for the gdb stub (released just before qemu takes it).
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut qemu = Command::new("qemu-aarch64").arg("-g").arg(port.to_string()).arg(&exe).spawn().unwrap();
    let g = Command::new("gdb-multiarch")
        .args(["-batch", "-nx"])
        .arg("-ex")
        .arg(format!("file {}", exe.display()))
        .arg("-ex")
        .arg(format!("target remote 127.0.0.1:{port}"))
        .args(["-ex", "break dbg.asm:3", "-ex", "continue", "-ex", "info line *$pc", "-ex", "kill"])
        .output()
        .unwrap();
    let _ = qemu.kill();
    let _ = qemu.wait();
    assert_stopped_on_line_3(&g.stdout, &g.stderr);
}

/// The rows of an object file's DWARF line table as (address, line), in order,
/// end-of-sequence rows left out; and the file names of its file table.
fn line_table(object: &std::path::Path) -> (Vec<(u64, u32)>, String) {
    let out = Command::new("llvm-dwarfdump").arg("--debug-line").arg(object).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let rows = text
        .lines()
        .filter(|l| l.starts_with("0x") && !l.contains("end_sequence"))
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (u64::from_str_radix(&f[0][2..], 16).unwrap(), f[1].parse().unwrap())
        })
        .collect();
    (rows, text)
}

/// On every target the line table maps the macro body's two instructions to
/// lines 2 and 3 of the source and `ret` to line 10, at increasing addresses
/// (and the call `bump(t0)`, line 9, to the expansion's first address)
/// (ARM64 included, where no debugger runs here: the object is checked instead).
#[test]
fn every_target_maps_instructions_to_source_lines() {
    if !have("llvm-mc") || !have("llvm-dwarfdump") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let asm = dir.path().join("dbg.asm");
    std::fs::write(&asm, SRC).unwrap();
    let targets = [
        ("x86_64-unknown-linux-gnu", "x86_64-linux-gnu"),
        ("x86_64-apple-darwin", "x86_64-apple-macos11"),
        ("x86_64-pc-windows-gnu", "x86_64-pc-windows-gnu"),
        ("aarch64-unknown-linux-gnu", "aarch64-linux-gnu"),
        ("aarch64-apple-darwin", "arm64-apple-macos11"),
    ];
    for (triple, mc_triple) in targets {
        let mut opts = Options::new(Target::from_triple(triple).unwrap());
        opts.debug_info = true;
        let out = driver::compile(Input::File(&asm), &opts).unwrap();
        assert!(out.ok(), "{}", out.render_short());
        let s = dir.path().join(format!("{triple}.S"));
        let o = dir.path().join(format!("{triple}.o"));
        std::fs::write(&s, out.asm.unwrap()).unwrap();
        let mc = Command::new("llvm-mc").arg(format!("-triple={mc_triple}")).arg("-filetype=obj").arg(&s).arg("-o").arg(&o).output().unwrap();
        assert!(mc.status.success(), "{triple}: {}", String::from_utf8_lossy(&mc.stderr));
        let (rows, text) = line_table(&o);
        assert!(text.contains("dbg.asm"), "{triple}: source file missing from the line table:\n{text}");
        let find = |line: u32| rows.iter().find(|r| r.1 == line).map(|r| r.0).unwrap_or_else(|| panic!("{triple}: no row for line {line}:\n{text}"));
        let (a2, a3, a10) = (find(2), find(3), find(10));
        assert!(a2 < a3 && a3 < a10, "{triple}: lines 2, 3, 10 at {a2:#x}, {a3:#x}, {a10:#x}:\n{text}");
        let lines: Vec<u32> = rows.iter().map(|r| r.1).collect();
        assert!(lines.iter().all(|l| [2, 3, 8, 9, 10].contains(l)), "{triple}: unexpected lines {lines:?}");
        assert_eq!(find(9), a2, "{triple}: the call's line is at the expansion's first address:\n{text}");
    }
}
