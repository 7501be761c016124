//! Hardened control flow (issue 12, `--cf-protection`): a landing pad at
//! every label reached by an indirect call or jump (`endbr64` on x86-64,
//! `bti c` / `bti jc` on ARM64) and the ELF note that marks the object IBT /
//! BTI compatible. BTI is enforced for real: qemu-aarch64 with `-cpu max`
//! maps a shared library whose note says BTI with guarded pages, so an
//! indirect branch to anything but a pad faults.

use std::path::{Path, PathBuf};
use std::process::Command;

use offasm::driver::{self, Input, Options};
use offasm::target::Target;

fn have(tool: &str) -> bool {
    let ok = Command::new(tool).arg("--version").output().is_ok();
    assert!(ok || std::env::var("CI").is_err(), "required tool `{tool}` is missing");
    if !ok {
        eprintln!("SKIP: `{tool}` is not installed");
    }
    ok
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hardened").join(name)
}

fn compile(src: &Path, triple: &str, cf_protection: bool) -> String {
    let mut opts = Options::new(Target::from_triple(triple).unwrap());
    opts.cf_protection = cf_protection;
    let out = driver::compile(Input::File(src), &opts).unwrap();
    assert!(out.ok(), "{triple}:\n{}", out.render_short());
    // The functions are called from another object: default visibility.
    out.asm.unwrap().lines().filter(|l| !l.starts_with("\t.hidden")).map(|l| format!("{l}\n")).collect()
}

/// The labels of `asm` whose first instruction is `pad`.
fn padded_labels(asm: &str, pad: &str) -> Vec<String> {
    let lines: Vec<&str> = asm.lines().collect();
    let mut found = Vec::new();
    for (k, l) in lines.iter().enumerate() {
        let Some(label) = l.strip_suffix(':') else { continue };
        // The next instruction (labels and directives in between are at the
        // same address).
        let next = lines[k + 1..].iter().find(|n| n.starts_with('\t') && !n.starts_with("\t."));
        if next.is_some_and(|n| n.trim() == pad) {
            found.push(label.to_string());
        }
    }
    found
}

/// `bti.asm` built into a shared library (BTI note from offasm, or forced by
/// the linker), called from `main.c` under qemu-aarch64 `-cpu max`:
/// (exit success, stdout).
fn run_bti(asm: &str, force_bti: bool, misjump: bool) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bti.S"), asm).unwrap();
    let mut so = Command::new("aarch64-linux-gnu-gcc");
    so.args(["-shared", "-nostartfiles", "-nostdlib", "-o", "libbti.so", "bti.S"]).current_dir(dir.path());
    if force_bti {
        so.arg("-Wl,-z,force-bti");
    }
    let built = so.output().unwrap();
    assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
    let built = Command::new("aarch64-linux-gnu-gcc").arg("-o").arg(dir.path().join("main")).arg(fixture("main.c")).arg("-L").arg(dir.path()).arg("-lbti").output().unwrap();
    assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
    let mut run = Command::new("qemu-aarch64");
    run.args(["-cpu", "max", "-L", "/usr/aarch64-linux-gnu", "-E"]).arg(format!("LD_LIBRARY_PATH={}", dir.path().display())).arg(dir.path().join("main"));
    if misjump {
        run.arg("misjump");
    }
    let out = run.output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn bti_is_enforced_and_the_landing_pads_satisfy_it() {
    if !have("aarch64-linux-gnu-gcc") || !have("qemu-aarch64") {
        return;
    }
    let triple = "aarch64-unknown-linux-gnu";
    let hardened = compile(&fixture("bti.asm"), triple, true);
    assert!(hardened.contains(".note.gnu.property"), "{hardened}");
    // Exported labels get `bti c` (`bti jc`: the program jumps through
    // registers); labels whose address is taken `bti jc`.
    let mut pads = padded_labels(&hardened, "bti c");
    pads.extend(padded_labels(&hardened, "bti jc"));
    for label in ["dispatch", "misjump", "tailjump", "seven", ".Loa0_add1", ".Loa0_add2", ".Loa0_target"] {
        assert!(pads.iter().any(|p| p == label), "{label} has no landing pad:\n{hardened}");
    }
    assert!(padded_labels(&hardened, "bti jc").iter().any(|p| p == "seven"), "`seven` must admit jumps:\n{hardened}");
    let (ok, stdout) = run_bti(&hardened, false, false);
    assert!(ok && stdout.contains("dispatch 1 2") && stdout.contains("tailjump 7"), "with landing pads: {stdout}");
    // A deliberate indirect jump past a pad faults: BTI is enforced.
    let (ok, stdout) = run_bti(&hardened, false, true);
    assert!(!ok && !stdout.contains("misjump returned"), "a jump past the pad ran: {stdout}");
    // Without landing pads, the same code faults once BTI is on.
    let plain = compile(&fixture("bti.asm"), triple, false);
    assert!(!plain.contains("bti ") && !plain.contains(".note.gnu.property"));
    let (ok, stdout) = run_bti(&plain, true, false);
    assert!(!ok && !stdout.contains("dispatch 1 2"), "without landing pads: {stdout}");
}

/// x86-64: `endbr64` after every label reached indirectly, the IBT note in
/// the object, and the code still runs (`endbr64` is a no-op without CET).
#[test]
fn x86_64_labels_reached_indirectly_get_endbr64() {
    let triple = "x86_64-unknown-linux-gnu";
    let asm = compile(&fixture("bti.asm"), triple, true);
    let pads = padded_labels(&asm, "endbr64");
    for label in ["dispatch", "misjump", "tailjump", "seven", ".Loa0_add1", ".Loa0_add2", ".Loa0_target"] {
        assert!(pads.iter().any(|p| p == label), "{label} has no endbr64:\n{asm}");
    }
    // Labels reached only directly get nothing.
    assert!(!pads.iter().any(|p| p == ".Loa0_go"), "{asm}");
    if !cfg!(all(target_arch = "x86_64", target_os = "linux")) || !have("gcc") || !have("readelf") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bti.S"), &asm).unwrap();
    let exe = dir.path().join("main");
    let built = Command::new("gcc").arg("-o").arg(&exe).arg(fixture("main.c")).arg(dir.path().join("bti.S")).output().unwrap();
    assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
    let out = Command::new(&exe).output().unwrap();
    assert!(out.status.success() && String::from_utf8_lossy(&out.stdout).contains("dispatch 1 2"));
    let obj = dir.path().join("bti.o");
    assert!(Command::new("gcc").arg("-c").arg("-o").arg(&obj).arg(dir.path().join("bti.S")).status().unwrap().success());
    let notes = Command::new("readelf").arg("-n").arg(&obj).output().unwrap();
    let notes = String::from_utf8_lossy(&notes.stdout);
    assert!(notes.contains("x86 feature: IBT"), "{notes}");
}

/// Hardened output assembles for every target (Mach-O and COFF get the pads
/// but no note).
#[test]
fn hardened_output_assembles_for_every_target() {
    if !have("llvm-mc") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/representative.asm");
    for (triple, mc) in [
        ("x86_64-unknown-linux-gnu", "x86_64-linux-gnu"),
        ("x86_64-apple-darwin", "x86_64-apple-macos11"),
        ("x86_64-pc-windows-gnu", "x86_64-pc-windows-gnu"),
        ("aarch64-unknown-linux-gnu", "aarch64-linux-gnu"),
        ("aarch64-apple-darwin", "arm64-apple-macos11"),
    ] {
        let s = dir.path().join(format!("{triple}.S"));
        std::fs::write(&s, compile(&src, triple, true)).unwrap();
        let out = Command::new("llvm-mc").arg(format!("-triple={mc}")).args(["-filetype=obj", "-o"]).arg(dir.path().join(format!("{triple}.o"))).arg(&s).output().unwrap();
        assert!(out.status.success(), "{triple}: {}", String::from_utf8_lossy(&out.stderr));
    }
}
