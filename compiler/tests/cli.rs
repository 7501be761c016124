//! The `offasm` command line: subcommands, exit codes, error reporting.

use std::path::Path;
use std::process::{Command, Output};

fn offasm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_offasm")).args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const TOUR: &str = "../examples/tour/tour.asm";

#[test]
fn help_and_version_succeed() {
    for a in [["--help"], ["--version"]] {
        let o = offasm(&a);
        assert!(o.status.success(), "{a:?}");
        assert!(!o.stdout.is_empty());
    }
    assert!(text(&offasm(&["--version"]).stdout).contains(env!("CARGO_PKG_VERSION")));
}

#[test]
fn usage_errors_exit_1() {
    for args in [&["frobnicate"][..], &["check"], &["check", TOUR, "--bogus"], &[]] {
        let o = offasm(args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert!(!o.stderr.is_empty());
    }
}

#[test]
fn targets_lists_all_four_families() {
    let o = offasm(&["targets"]);
    assert!(o.status.success());
    let s = text(&o.stdout);
    for t in ["x86_64-unknown-linux-gnu", "x86_64-apple-darwin", "x86_64-pc-windows-msvc", "aarch64-unknown-linux-gnu", "aarch64-apple-darwin"] {
        assert!(s.contains(t), "{t} missing from:\n{s}");
    }
}

#[test]
fn unsupported_target_lists_supported_ones() {
    let o = offasm(&["check", TOUR, "--target", "riscv64gc-unknown-linux-gnu"]);
    assert_eq!(o.status.code(), Some(1));
    let e = text(&o.stderr);
    assert!(e.contains("riscv64gc-unknown-linux-gnu") && e.contains("aarch64-apple-darwin"), "{e}");
}

#[test]
fn check_and_expand_the_tour_on_every_target() {
    for t in ["x86_64-unknown-linux-gnu", "x86_64-apple-darwin", "x86_64-pc-windows-gnu", "aarch64-unknown-linux-gnu", "arm64-apple-macos11"] {
        let o = offasm(&["check", TOUR, "--target", t]);
        assert!(o.status.success(), "{t}: {}", text(&o.stderr));
        let o = offasm(&["expand", TOUR, "--target", t]);
        assert!(o.status.success(), "{t}");
        assert!(text(&o.stdout).contains("_sum_values:"));
    }
    // Default target: the host.
    assert!(offasm(&["check", TOUR]).status.success());
}

#[test]
fn missing_file_is_a_diagnostic_not_a_panic() {
    let o = offasm(&["check", "does/not/exist.asm", "--target", "x86_64-unknown-linux-gnu"]);
    assert_eq!(o.status.code(), Some(1));
    let e = text(&o.stderr);
    assert!(e.contains("cannot read") && !e.contains("panicked"), "{e}");
}

#[test]
fn defines_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("d.asm");
    std::fs::write(&f, "if FAST\n    move 1, t0\nelse\n    move 2, t0\nend\n").unwrap();
    let f = f.to_str().unwrap();
    let run = |extra: &[&str]| {
        let mut a = vec!["expand", f, "--target", "x86_64-unknown-linux-gnu"];
        a.extend_from_slice(extra);
        offasm(&a)
    };
    assert_eq!(text(&run(&["-D", "FAST"]).stdout).trim(), "move 1, t0");
    assert_eq!(text(&run(&["-D", "FAST=1"]).stdout).trim(), "move 1, t0");
    assert_eq!(text(&run(&["-D", "FAST=0"]).stdout).trim(), "move 2, t0");
    let o = run(&[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("unknown-setting"));
    let o = run(&["--undefined-settings-false"]);
    assert!(o.status.success());
    assert_eq!(text(&o.stdout).trim(), "move 2, t0");
    let o = run(&["-D", "FAST", "-D", "X86_64=0"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("setting-is-derived"), "{}", text(&o.stderr));
    let o = run(&["-D", "FAST=maybe"]);
    assert_eq!(o.status.code(), Some(1));
}

/// A target-derived setting given with `-D` is accepted when it agrees with
/// the target (and changes nothing) and is `setting-is-derived` when it
/// contradicts it, with the value the target fixes.
#[test]
fn derived_settings_may_be_restated_but_not_contradicted() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("d.asm");
    std::fs::write(&f, "if X86_64 and JSVALUE64
    move 1, t0
elsif ARM64
    move 2, t0
else
    move 3, t0
end
").unwrap();
    let f = f.to_str().unwrap();
    let run = |target: &str, defines: &[&str]| {
        let mut a = vec!["expand", f, "--target", target];
        for d in defines {
            a.extend_from_slice(&["-D", d]);
        }
        offasm(&a)
    };
    let x86 = "x86_64-unknown-linux-gnu";
    let arm = "aarch64-unknown-linux-gnu";
    for (target, defines, expected) in [
        (x86, &["JSVALUE64"][..], "move 1, t0"),
        (x86, &["JSVALUE64=1", "X86_64=true", "ADDRESS64"], "move 1, t0"),
        (x86, &["ARM64=0", "OS_LINUX", "OBJ_ELF=1", "OS_WINDOWS=false", "C_LOOP=0"], "move 1, t0"),
        (arm, &["X86_64=0"], "move 2, t0"),
        (arm, &["ARM64", "JSVALUE64", "X86_64_WIN=0", "OBJ_MACHO=0"], "move 2, t0"),
    ] {
        let o = run(target, defines);
        assert!(o.status.success(), "{target} {defines:?}: {}", text(&o.stderr));
        assert_eq!(text(&o.stdout).trim(), expected, "{target} {defines:?}");
    }
    for (target, define, fixed) in [
        (x86, "X86_64=0", "to 1 (true)"),
        (x86, "JSVALUE64=false", "to 1 (true)"),
        (x86, "ARM64", "to 0 (false)"),
        (x86, "OS_WINDOWS=1", "to 0 (false)"),
        (arm, "X86_64", "to 0 (false)"),
        (arm, "OBJ_ELF=0", "to 1 (true)"),
    ] {
        let o = run(target, &[define]);
        assert_eq!(o.status.code(), Some(1), "{target} -D {define}");
        let e = text(&o.stderr);
        let name = define.split('=').next().unwrap();
        assert!(e.contains("setting-is-derived") && e.contains(&format!("-D {define}")), "{e}");
        assert!(e.contains(&format!("`{name}` is fixed by the target `{target}` {fixed}")), "{e}");
        assert!(o.stdout.is_empty(), "no output after a bad -D");
    }
}

#[test]
fn print_layout_keys_gives_a_fillable_skeleton() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("l.asm");
    std::fs::write(
        &src,
        "loadi JSCell::m_structureID[t0], t1\nmove sizeof JSValue, t2\nmove constexpr (sizeof(void*)), t3\nmove constexpr Tag::Int, t4\n",
    )
    .unwrap();
    let s = src.to_str().unwrap();
    let o = offasm(&["compile", s, "--target", "aarch64-unknown-linux-gnu", "--print-layout-keys"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let mut v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["schema"], "oasm-layout-1");
    assert_eq!(v["target"], "aarch64-unknown-linux-gnu");
    assert!(v["offsets"]["JSCell::m_structureID"].is_null());
    assert!(v["sizes"]["JSValue"].is_null());
    assert!(v["constexpr"]["sizeof(void*)"].is_null());
    assert!(v["constexpr"]["Tag::Int"].is_null());
    // Without values: one missing-layout-key per key.
    let o = offasm(&["check", s, "--target", "aarch64-unknown-linux-gnu"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(text(&o.stderr).matches("missing-layout-key").count(), 4);
    // Filled in: checks cleanly.
    v["offsets"]["JSCell::m_structureID"] = 0.into();
    v["sizes"]["JSValue"] = 8.into();
    v["constexpr"]["sizeof(void*)"] = 8.into();
    v["constexpr"]["Tag::Int"] = "0xfffe000000000000".into();
    let layout = dir.path().join("layout.json");
    std::fs::write(&layout, v.to_string()).unwrap();
    let o = offasm(&["check", s, "--target", "aarch64-unknown-linux-gnu", "--layout", layout.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    // The same table for another target is refused.
    let o = offasm(&["check", s, "--target", "x86_64-unknown-linux-gnu", "--layout", layout.to_str().unwrap()]);
    assert!(text(&o.stderr).contains("layout-target-mismatch"));
}

#[test]
fn errors_in_a_file_exit_1_and_name_the_location() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("bad.asm");
    std::fs::write(&f, "addi 1, t0\naddi t0\nmove t1, t2, t3\n").unwrap();
    let o = offasm(&["check", f.to_str().unwrap(), "--target", "x86_64-unknown-linux-gnu", "--diagnostic-format", "short"]);
    assert_eq!(o.status.code(), Some(1));
    let e = text(&o.stderr);
    assert!(e.contains("bad.asm:2:1: error[operand-count]"), "{e}");
    assert!(e.contains("bad.asm:3:1: error[operand-count]"), "{e}");
    assert!(e.contains("2 errors"), "{e}");
    assert!(Path::new(&f).exists());
}

#[test]
fn expand_output_parses_and_expands_to_itself() {
    let o = offasm(&["expand", TOUR, "--target", "x86_64-unknown-linux-gnu"]);
    let first = text(&o.stdout);
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("again.asm");
    std::fs::write(&f, &first).unwrap();
    let o = offasm(&["expand", f.to_str().unwrap(), "--target", "x86_64-unknown-linux-gnu"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), first);
}

/// A dispatch table written with `emit` (one `emit-opaque` warning per row)
/// and a `global` that is never defined (`global-undefined`).
const TABLE: &str = "global _table\n_table:\n    emit \".quad 1\"\n    emit \".quad 2\"\n    emit \".quad 3\"\nglobal _missing\n";

fn table_file(dir: &tempfile::TempDir) -> String {
    let f = dir.path().join("table.asm");
    std::fs::write(&f, TABLE).unwrap();
    f.to_str().unwrap().to_string()
}

fn check_with(file: &str, extra: &[&str]) -> Output {
    let mut a = vec!["check", file, "--target", "x86_64-unknown-linux-gnu", "--diagnostic-format", "short"];
    a.extend_from_slice(extra);
    offasm(&a)
}

#[test]
fn allow_warn_and_deny_relevel_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let f = table_file(&dir);
    let o = check_with(&f, &[]);
    assert!(o.status.success());
    let e = text(&o.stderr);
    assert_eq!((e.matches("warning[emit-opaque]").count(), e.matches("warning[global-undefined]").count()), (3, 1), "{e}");

    let o = check_with(&f, &["--allow", "emit-opaque"]);
    assert!(o.status.success());
    let e = text(&o.stderr);
    assert!(!e.contains("emit-opaque") && e.contains("warning[global-undefined]"), "{e}");

    let o = check_with(&f, &["--deny", "global-undefined"]);
    assert_eq!(o.status.code(), Some(1));
    let e = text(&o.stderr);
    assert!(e.contains("error[global-undefined]") && e.contains("warning[emit-opaque]") && e.contains("1 error found"), "{e}");

    // A group, comma-separated names, and a code's own level beating its group's.
    let o = check_with(&f, &["--deny", "warnings", "--warn", "emit-opaque"]);
    assert_eq!(o.status.code(), Some(1));
    let e = text(&o.stderr);
    assert!(e.contains("error[global-undefined]") && e.matches("warning[emit-opaque]").count() == 3, "{e}");
    let o = check_with(&f, &["--warn", "emit-opaque", "--deny", "warnings"]);
    assert_eq!(text(&o.stderr), e, "a code's own level wins regardless of order");
    let o = check_with(&f, &["--allow", "emit-opaque,global-undefined"]);
    assert!(o.status.success() && o.stderr.is_empty(), "{}", text(&o.stderr));
    // The last level given for one name wins.
    let o = check_with(&f, &["--deny", "emit-opaque", "--allow", "emit-opaque"]);
    assert!(o.status.success() && !text(&o.stderr).contains("emit-opaque"));
    let o = check_with(&f, &["--allow", "emit-opaque", "--deny", "emit-opaque"]);
    assert_eq!(o.status.code(), Some(1));
    // Warnings turned into errors stop `compile` from writing anything.
    let out = dir.path().join("t.S");
    let o = offasm(&["compile", &f, "--target", "x86_64-unknown-linux-gnu", "--deny", "warnings", "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(!out.exists());
}

#[test]
fn hazard_switches_are_accepted_on_every_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let f = table_file(&dir);
    for sub in ["check", "expand", "compile"] {
        for args in [&["--allow", "hazards"][..], &["--deny", "hazards"], &["--warn", "alias-clobber"], &["--no-hazard-checks"]] {
            let mut a = vec![sub, f.as_str(), "--target", "x86_64-pc-windows-msvc"];
            a.extend_from_slice(args);
            let o = offasm(&a);
            assert!(o.status.success(), "{a:?}: {}", text(&o.stderr));
        }
    }
    let o = offasm(&["sim", TOUR, "--target", "x86_64-unknown-linux-gnu", "--allow", "hazards", "--call", "_sum_values", "--", "0", "0"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
}

#[test]
fn unknown_and_hard_error_codes_are_rejected() {
    for (args, why) in [
        (&["--allow", "parse"][..], "`parse` is always an error"),
        (&["--warn", "operand-kind"], "`operand-kind` is always an error"),
        (&["--deny", "no-such-code"], "unknown diagnostic code `no-such-code`"),
        (&["--allow", "emit-opaque,bogus"], "unknown diagnostic code `bogus`"),
    ] {
        let mut a = vec!["check", TOUR];
        a.extend_from_slice(args);
        let o = offasm(&a);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        let e = text(&o.stderr);
        assert!(e.contains(why), "{args:?}: {e}");
        // The message lists what can be re-levelled.
        assert!(e.contains("hazards: alias-clobber") && e.contains("warnings: duplicate-parameter"), "{e}");
    }
}

// ---- targets --registers ----------------------------------------------------

const ALL_FIVE: [&str; 5] =
    ["x86_64-unknown-linux-gnu", "x86_64-apple-darwin", "x86_64-pc-windows-msvc", "aarch64-unknown-linux-gnu", "aarch64-apple-darwin"];

/// `offasm targets --registers TRIPLE` against `tests/golden/registers/TRIPLE.txt`
/// (regenerate with `BLESS=1`).
#[test]
fn targets_registers_matches_golden_files() {
    let bless = std::env::var_os("BLESS").is_some();
    let mut failures = Vec::new();
    for t in ALL_FIVE {
        let o = offasm(&["targets", "--registers", t]);
        assert!(o.status.success(), "{t}: {}", text(&o.stderr));
        let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/golden/registers/{t}.txt"));
        if bless {
            std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
            std::fs::write(&golden, &o.stdout).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&golden).unwrap_or_default();
        if expected != text(&o.stdout) {
            failures.push(format!("{t}: --- expected\n{expected}\n--- actual\n{}", text(&o.stdout)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Another spelling of a supported triple gives its map; a bad one is an error.
    assert_eq!(offasm(&["targets", "--registers", "x86_64-w64-mingw32"]).stdout.len() > 0, true);
    for bad in ["riscv64gc-unknown-linux-gnu", "bogus", ""] {
        let o = offasm(&["targets", "--registers", bad]);
        assert_eq!(o.status.code(), Some(1), "{bad}");
        assert!(text(&o.stderr).starts_with("error: "), "{bad}: {}", text(&o.stderr));
    }
}

/// The pairs the listings show as "different registers on …" are exactly the
/// 21 target-dependent aliases of TARGETS.md §7 (copied here from the spec).
#[test]
fn targets_registers_shows_the_target_dependent_aliases_of_the_spec() {
    const SPEC: [&str; 21] = [
        "t0/a0", "t0/wa0", "t0/ws0", "t1/r1", "t2/r1", "t5/a0", "t5/a5", "t5/wa0", "t5/wa5", "t5/ws1", "t6/a0", "t6/wa0",
        "t7/a5", "t7/wa5", "a0/r0", "a1/r1", "a2/r1", "r0/wa0", "r0/ws0", "r1/wa1", "r1/wa2",
    ];
    let mut shown = std::collections::BTreeSet::new();
    for t in ["x86_64-unknown-linux-gnu", "x86_64-pc-windows-msvc", "aarch64-unknown-linux-gnu"] {
        let out = text(&offasm(&["targets", "--registers", t]).stdout);
        for line in out.lines().filter_map(|l| l.split_once("different registers on ").map(|(_, rest)| rest)) {
            let pairs = line.split_once(": ").unwrap().1;
            for p in pairs.split("), ") {
                shown.insert(p.split(' ').next().unwrap().to_string());
            }
        }
    }
    let spec: std::collections::BTreeSet<String> = SPEC.iter().map(|s| s.to_string()).collect();
    assert_eq!(shown, spec);
}

#[test]
fn targets_registers_on_windows_explains_t5_and_a0() {
    let s = text(&offasm(&["targets", "--registers", "x86_64-pc-windows-msvc"]).stdout);
    assert!(s.contains("  t5          rcx       caller-saved; arg 1                a0, wa0\n"), "{s}");
    assert!(s.contains("  rcx   t5, a0, wa0\n"), "{s}");
    assert!(s.contains("different registers on x86-64 System V: t5/a0 (r10, rdi)"), "{s}");
    assert!(s.contains("  t6          -         not available"), "{s}");
}

// ---- --visibility -------------------------------------------------------------

#[test]
fn visibility_default_omits_hidden() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("v.asm");
    std::fs::write(&file, "global _exported\n_exported:\n    ret\n").unwrap();
    let f = file.to_str().unwrap();
    for (t, directive) in [
        ("x86_64-unknown-linux-gnu", "\t.hidden\texported\n"),
        ("aarch64-unknown-linux-gnu", "\t.hidden\texported\n"),
        ("x86_64-apple-darwin", "\t.private_extern\t_exported\n"),
        ("aarch64-apple-darwin", "\t.private_extern\t_exported\n"),
    ] {
        let hidden = text(&offasm(&["compile", f, "--target", t]).stdout);
        let explicit = text(&offasm(&["compile", f, "--target", t, "--visibility=hidden"]).stdout);
        let default = offasm(&["compile", f, "--target", t, "--visibility=default"]);
        assert!(default.status.success(), "{t}: {}", text(&default.stderr));
        let default = text(&default.stdout);
        assert!(hidden.contains(directive), "{t}:\n{hidden}");
        assert_eq!(hidden, explicit, "{t}");
        assert!(!default.contains(directive), "{t}:\n{default}");
        assert!(default.contains(".globl"), "{t}:\n{default}");
        // Nothing else changes.
        assert_eq!(hidden.replace(directive, ""), default, "{t}");
    }
    // COFF has no visibility directive: the output is the same.
    let w = |v: &str| text(&offasm(&["compile", f, "--target", "x86_64-pc-windows-msvc", v]).stdout);
    assert_eq!(w("--visibility=hidden"), w("--visibility=default"));
    let o = offasm(&["compile", f, "--visibility=protected"]);
    assert_eq!(o.status.code(), Some(1));
}

// ---- --align-labels -----------------------------------------------------------

#[test]
fn align_labels_raises_the_alignment_of_exported_labels() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a.asm");
    std::fs::write(&file, "global _first\n_first:\n    ret\nglobal _second\n_second:\n    ret\n").unwrap();
    let f = file.to_str().unwrap();
    for (t, default) in [
        ("x86_64-unknown-linux-gnu", "\t.p2align 4\n"),
        ("x86_64-pc-windows-msvc", "\t.p2align 4\n"),
        ("aarch64-apple-darwin", "\t.p2align 2\n"),
    ] {
        let plain = text(&offasm(&["compile", f, "--target", t]).stdout);
        assert_eq!(plain.matches(default).count(), 2, "{t}:\n{plain}");
        let wide = text(&offasm(&["compile", f, "--target", t, "--align-labels", "64"]).stdout);
        assert_eq!(wide.matches("\t.p2align 6\n").count(), 2, "{t}:\n{wide}");
        assert_eq!(wide.replace("\t.p2align 6\n", default), plain, "{t}: only the alignment changes");
        // Less than the target's alignment leaves it.
        let narrow = text(&offasm(&["compile", f, "--target", t, "--align-labels", "2"]).stdout);
        assert_eq!(narrow, plain, "{t}");
    }
    for bad in ["24", "0", "8192", "x"] {
        let o = offasm(&["compile", f, "--align-labels", bad]);
        assert_eq!(o.status.code(), Some(1), "{bad}");
        assert!(text(&o.stderr).contains("--align-labels"), "{bad}: {}", text(&o.stderr));
    }
}
