//! One program checked for every target at once (`driver::check_targets`,
//! `offasm check --all-targets`): the same diagnostics as one check per
//! target, grouped per target, each printed once.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use offasm::driver::{self, all::Style, Input, MultiOutcome, Options};
use offasm::target::Target;

fn offasm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_offasm")).args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn manifest(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

fn all(file: &Path, opts: &Options) -> MultiOutcome {
    driver::check_targets(Input::File(file), opts, &Target::all_supported(), false).unwrap()
}

fn all_text(src: &str, opts: &Options) -> MultiOutcome {
    driver::check_targets(Input::Text { path: Path::new("t.asm"), text: src.to_string() }, opts, &Target::all_supported(), false).unwrap()
}

/// Instructions whose validity depends on the register map: operands that
/// must differ alias on some targets only (Windows: `t5` = `a0`; System V:
/// `t6` = `a0`), registers that exist on some targets only.
const ALIASES: &str = "
    fd2ii ft0, t5, a0
    fd2ii ft0, t2, a2
    fd2ii ft0, t1, t2
    move 1, t6
    move 1, t9
    move 1, csr8
    loadpairq 16[cfr], t0, t1
    fd2ii ft0, t6, a0
    addq 08, t0
";

/// Every target of a run over all targets has exactly the diagnostics of a
/// check for that target alone, with threads or without.
#[test]
fn each_target_gets_what_a_single_target_check_gives() {
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in ["tests/diagnostics", "../tests/corpus", "tests/fixtures", "tests/golden", "../examples/tour"] {
        for e in std::fs::read_dir(manifest(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "asm") {
                files.push(p);
            }
        }
    }
    files.sort();
    let aliases = tempfile::tempdir().unwrap();
    let aliases_file = aliases.path().join("aliases.asm");
    std::fs::write(&aliases_file, ALIASES).unwrap();
    files.push(aliases_file);
    files.push(manifest("../examples/hello/src/hello.asm"));
    let mut compared = 0;
    for f in &files {
        let src = std::fs::read_to_string(f).unwrap();
        let mut opts = common::options_for(&src);
        // Layout tables naming a target are chosen per target (tested below).
        if !opts.layouts.is_empty() {
            continue;
        }
        opts.include_dirs.push(manifest("../lib-asm"));
        opts.include_dirs.push(f.parent().unwrap().join("include"));
        for jobs in [1, 2] {
            opts.jobs = jobs;
            let multi = all(f, &opts);
            assert_eq!(multi.targets.len(), 5);
            for t in &multi.targets {
                let mut single_opts = opts.clone();
                single_opts.target = t.target.clone();
                let single = driver::check(Input::File(f), &single_opts).unwrap();
                let got: String = t.diags.list.iter().map(|d| d.render_short(&multi.map)).collect();
                // Under a header naming the target, messages say "this target".
                let want = single.render_short().replace(&format!("on {}", t.target.triple), "on this target");
                assert_eq!(got, want, "{} on {} (jobs {jobs})", f.display(), t.target);
                compared += 1;
            }
        }
    }
    assert!(compared > 400, "only {compared} comparisons");
}

#[test]
fn a_windows_only_error_is_reported_under_windows_only() {
    let src = "if X86_64_WIN\n    error\nend\nglobal _f\n_f:\n    ret\n";
    let out = all_text(src, &common::opts("x86_64-unknown-linux-gnu"));
    assert!(!out.ok());
    let failing: Vec<&str> = out.targets.iter().filter(|t| !t.ok()).map(|t| t.target.triple.as_str()).collect();
    assert_eq!(failing, ["x86_64-pc-windows-msvc"]);
    let groups = out.grouped();
    assert_eq!(groups.len(), 1);
    assert_eq!(out.target_names(groups[0].0), ["x86_64-pc-windows-msvc"]);
    let r = out.render(Style::Short, 0);
    assert_eq!(r, "=== x86_64-pc-windows-msvc (x86-64 Windows x64, COFF) ===\nt.asm:2:5: error[error-reached]: `error` statement reached\n");
    assert_eq!(out.error_summary().unwrap(), "error: 1 error found (on x86_64-pc-windows-msvc)");
}

#[test]
fn a_diagnostic_of_every_target_is_printed_once() {
    let out = all_text("    move t0, t1\n    move 010, t0\n    move 1,\n", &common::opts("x86_64-unknown-linux-gnu"));
    assert!(out.targets.iter().all(|t| t.diags.error_count() == 1), "every target has the parse error");
    let r = out.render(Style::Short, 0);
    assert_eq!(r.matches("error[parse]").count(), 1, "{r}");
    assert!(r.starts_with("=== all 5 targets ===\n"), "{r}");
    assert_eq!(r.lines().filter(|l| l.starts_with("===")).count(), 1, "{r}");
    assert_eq!(out.error_count(), 1);
    assert_eq!(out.error_summary().unwrap(), "error: 1 error found (on all 5 targets)");
}

#[test]
fn diagnostics_of_several_targets_are_grouped_by_target_set() {
    let out = all_text(ALIASES, &common::opts("x86_64-unknown-linux-gnu"));
    let r = out.render(Style::Short, 0);
    let headers: Vec<&str> = r.lines().filter(|l| l.starts_with("===")).collect();
    // Every target's diagnostics first, then by first target, larger sets first.
    assert_eq!(
        headers,
        [
            "=== all 5 targets ===",
            "=== x86_64-unknown-linux-gnu, x86_64-apple-darwin, x86_64-pc-windows-msvc ===",
            "=== x86_64-unknown-linux-gnu, x86_64-apple-darwin ===",
            "=== x86_64-pc-windows-msvc (x86-64 Windows x64, COFF) ===",
        ],
        "{r}"
    );
    let section = |h: &str| r.split(h).nth(1).unwrap().split("===").next().unwrap().to_string();
    // `t2` is `a2` everywhere; `t5` is `a0` on Windows only, `t6` is `a0` on System V only.
    assert!(section("=== all 5 targets ===").contains("t.asm:3:20: error[operand-kind]"), "{r}");
    assert!(section("=== x86_64-pc-windows-msvc (x86-64 Windows x64, COFF) ===").contains("t.asm:2:20: error[operand-kind]"), "{r}");
    assert!(section("=== x86_64-unknown-linux-gnu, x86_64-apple-darwin ===").contains("t.asm:9:20: error[operand-kind]"), "{r}");
    // The same unavailable instruction on three targets: once, naming no target.
    assert_eq!(r.matches("`loadpairq` is not available on this target").count(), 1, "{r}");
    // Register lists differ between System V and Windows: not merged.
    assert_eq!(r.matches("register `t9` is not available on this target").count(), 2, "{r}");
    // Each distinct diagnostic once; the error limit counts printed ones.
    let all_diags = out.distinct().len();
    assert_eq!(r.lines().filter(|l| l.contains("error[") || l.contains("warning[")).count(), all_diags);
    let limited = out.render(Style::Short, 2);
    assert_eq!(limited.lines().filter(|l| l.contains("error[") || l.contains("warning[")).count(), 2);
    assert!(limited.ends_with(&format!("note: {} more diagnostics not shown (--error-limit 0 shows all)\n", all_diags - 2)), "{limited}");
}

#[test]
fn levels_apply_to_every_target() {
    let mut opts = common::opts("x86_64-unknown-linux-gnu");
    opts.levels.set("leading-zero-decimal", offasm::diag::Level::Deny).unwrap();
    let out = all_text("    move 08, t0\n", &opts);
    assert!(out.targets.iter().all(|t| !t.ok()));
    opts.levels = Default::default();
    opts.levels.set("warnings", offasm::diag::Level::Allow).unwrap();
    let out = all_text("    move 08, t0\n", &opts);
    assert!(out.targets.iter().all(|t| t.diags.list.is_empty()));
}

/// A layout table naming one target is used for that target; a target that
/// no table names uses the first named target's tables (nothing is compiled
/// for it, and most offsets are the same on every 64-bit target).
#[test]
fn layout_tables_are_chosen_per_target() {
    let dir = tempfile::tempdir().unwrap();
    let table = |t: &str, v: u64| format!(r#"{{ "schema": "oasm-layout-1", "target": "{t}", "offsets": {{ "S::f": {v} }} }}"#);
    std::fs::write(dir.path().join("linux.json"), table("x86_64-unknown-linux-gnu", 8)).unwrap();
    std::fs::write(dir.path().join("arm.json"), table("aarch64-unknown-linux-gnu", 5_000_000_000_000)).unwrap();
    let src = dir.path().join("l.asm");
    // The ARM table's value is out of range: wrong only where that table is used.
    std::fs::write(&src, "if ARM64\n    loadpairq S::f[cfr], t0, t1\nelse\n    loadq S::f[cfr], t0\nend\n").unwrap();
    let mut opts = common::opts("x86_64-unknown-linux-gnu");
    opts.layouts = vec![dir.path().join("linux.json")];
    let out = all(&src, &opts);
    assert!(out.ok(), "{}", out.render(Style::Short, 0));
    opts.layouts.push(dir.path().join("arm.json"));
    let out = all(&src, &opts);
    let failing = out.target_names(out.failing());
    assert_eq!(failing, ["aarch64-unknown-linux-gnu"], "{}", out.render(Style::Short, 0));
    assert!(!out.render(Style::Short, 0).contains("layout-target-mismatch"));
    // Compiling for one target still requires its tables to name it.
    let targets = [Target::from_triple("aarch64-apple-darwin").unwrap(), Target::from_triple("x86_64-unknown-linux-gnu").unwrap()];
    let out = driver::check_targets(Input::File(&src), &opts, &targets, true).unwrap();
    assert!(out.render(Style::Short, 0).contains("layout-target-mismatch"));
    assert!(out.asm.is_none());
}

#[test]
fn compiling_the_first_target_gives_the_single_target_output() {
    let tour = manifest("../examples/tour/tour.asm");
    for t in Target::all_supported() {
        let mut targets = vec![t.clone()];
        targets.extend(Target::all_supported().into_iter().filter(|o| !o.same_as(&t)));
        let opts = Options::new(t.clone());
        let multi = driver::check_targets(Input::File(&tour), &opts, &targets, true).unwrap();
        let single = driver::compile(Input::File(&tour), &opts).unwrap();
        assert!(multi.asm.is_some() && multi.asm == single.asm, "{t}");
        assert!(multi.program.is_some() && multi.expanded.is_some());
    }
}

#[test]
fn bad_defines_are_command_line_errors() {
    let mut opts = common::opts("x86_64-unknown-linux-gnu");
    let run = |opts: &Options| driver::check_targets(Input::Text { path: Path::new("t.asm"), text: String::new() }, opts, &Target::all_supported(), false);
    // No target has it: a mistake.
    opts.defines = vec!["ARM64E=1".into()];
    assert!(run(&opts).is_err_and(|e| e.contains("setting-is-derived")));
    // Restated for the targets that have it (a build script's list for ARM64).
    opts.defines = vec!["ARM64=1".into()];
    assert!(run(&opts).is_ok());
    opts.defines = vec!["NOT A NAME".into()];
    assert!(run(&opts).is_err());
}

// ---- the command line -------------------------------------------------------

#[test]
fn check_all_targets_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("w.asm");
    std::fs::write(&f, "if X86_64_WIN\n    error\nend\n    emit \".byte 1\"\n").unwrap();
    let f = f.to_str().unwrap();
    let o = offasm(&["check", f, "--all-targets", "--diagnostic-format", "short"]);
    assert_eq!(o.status.code(), Some(1));
    let e = text(&o.stderr);
    assert_eq!(
        e.lines().filter(|l| l.starts_with("===")).collect::<Vec<_>>(),
        ["=== all 5 targets ===", "=== x86_64-pc-windows-msvc (x86-64 Windows x64, COFF) ==="],
        "{e}"
    );
    assert_eq!(e.matches("warning[emit-opaque]").count(), 1, "{e}");
    assert!(e.ends_with("error: 1 error found (on x86_64-pc-windows-msvc)\n"), "{e}");
    // Human format: the same headers around ariadne reports.
    let o = offasm(&["check", f, "--all-targets"]);
    let e = text(&o.stderr);
    assert!(e.contains("=== x86_64-pc-windows-msvc (x86-64 Windows x64, COFF) ===\n[error-reached] Error"), "{e}");
    // Levels apply; without errors the exit status is 0.
    std::fs::write(dir.path().join("ok.asm"), "    emit \".byte 1\"\n").unwrap();
    let ok = dir.path().join("ok.asm");
    let o = offasm(&["check", ok.to_str().unwrap(), "--all-targets", "--allow", "emit-opaque"]);
    assert!(o.status.success() && o.stderr.is_empty(), "{}", text(&o.stderr));
    let o = offasm(&["check", ok.to_str().unwrap(), "--all-targets", "--deny", "emit-opaque", "--diagnostic-format", "short"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).ends_with("error: 1 error found (on all 5 targets)\n"), "{}", text(&o.stderr));
    // --target makes no sense with it.
    let o = offasm(&["check", f, "--all-targets", "--target", "x86_64-unknown-linux-gnu"]);
    assert_eq!(o.status.code(), Some(1));
    // A missing file: one diagnostic.
    let o = offasm(&["check", "no/such.asm", "--all-targets", "--diagnostic-format", "short"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(text(&o.stderr).matches("cannot read").count(), 1, "{}", text(&o.stderr));
}
