//! `-g`: gdb maps machine code back to lines of the `.asm` source, also
//! inside macro bodies (TARGETS.md §8.7).

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

#[test]
fn gdb_breaks_on_a_source_line_inside_a_macro_body() {
    if !cfg!(all(target_arch = "x86_64", target_os = "linux")) || !have("gdb") || !have("gcc") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let asm = dir.path().join("dbg.asm");
    std::fs::write(&asm, SRC).unwrap();
    let mut opts = Options::new(Target::from_triple("x86_64-unknown-linux-gnu").unwrap());
    opts.debug_info = true;
    let out = driver::compile(Input::File(&asm), &opts).unwrap();
    assert!(out.ok(), "{}", out.render_short());
    let s = dir.path().join("dbg.S");
    std::fs::write(&s, out.asm.unwrap()).unwrap();
    let c = dir.path().join("main.c");
    std::fs::write(&c, "#include <stdint.h>\nuint64_t dbg_entry(uint64_t);\nint main(void) { return (int)dbg_entry(39) - 42; }\n").unwrap();
    let exe = dir.path().join("dbg");
    let cc = Command::new("gcc").args(["-g", "-o"]).arg(&exe).arg(&c).arg(&s).output().unwrap();
    assert!(cc.status.success(), "{}", String::from_utf8_lossy(&cc.stderr));
    assert!(Command::new(&exe).status().unwrap().success(), "the program computes 39 + 3");
    // Line 3 is the second instruction of the macro body.
    let g = Command::new("gdb")
        .args(["-batch", "-nx", "-ex", "break dbg.asm:3", "-ex", "run", "-ex", "info line *$pc"])
        .arg(&exe)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&g.stdout);
    assert!(text.contains("Breakpoint 1, dbg_entry () at"), "{text}");
    assert!(text.contains("dbg.asm:3"), "{text}");
    assert!(text.contains("Line 3 of"), "{text}");
}
