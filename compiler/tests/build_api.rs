//! The build-script API (`offasm::build`) outside Cargo, with an explicit
//! target and output directory, and the standard prelude (`lib-asm/prelude.asm`).
//! The API running inside a real build script is exercised by `examples/hello`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use offasm::build::{Build, Error};
use offasm::driver::{self, Input};

const SYSV: &str = "x86_64-unknown-linux-gnu";
const ALL_TARGETS: [&str; 5] =
    ["x86_64-unknown-linux-gnu", "x86_64-apple-darwin", "x86_64-pc-windows-msvc", "aarch64-unknown-linux-gnu", "aarch64-apple-darwin"];

fn lib_asm() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../lib-asm")
}

fn hello_asm() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/hello/src/hello.asm")
}

/// A temporary directory with the given files.
fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

/// A Build for `target` writing into `out`, printing no `cargo:` lines.
fn build(target: &str, out: &Path) -> Build {
    let mut b = Build::new();
    b.target(target).out_dir(out).cargo_metadata(false);
    b
}

const ADD: &str = "global _api_add\n_api_add:\n    move a0, r0\n    addq a1, r0\n    ret\n";

fn has_tool(name: &str) -> bool {
    Command::new(name).arg("--version").output().is_ok_and(|o| o.status.success())
}

/// In CI a missing tool is a failure (DEVELOPERS.md); locally the test is skipped.
fn require_tool(name: &str) -> bool {
    if has_tool(name) {
        return true;
    }
    assert!(std::env::var_os("CI").is_none(), "`{name}` is required in CI");
    eprintln!("skipped: `{name}` is not installed");
    false
}

/// The symbols `nm` lists as defined in the text section of a file.
fn text_symbols(file: &Path) -> Vec<String> {
    let out = Command::new("nm").arg(file).output().expect("nm");
    assert!(out.status.success(), "nm {}: {}", file.display(), String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() == 3 && f[1].eq_ignore_ascii_case("t")).then(|| f[2].to_string())
        })
        .collect()
}

// ---- generation ---------------------------------------------------------

#[test]
fn one_dot_s_per_file_and_every_file_read_is_listed() {
    let src = tree(&[
        ("src/main.asm", "include helpers\nglobal _api_main\n_api_main:\n    twice()\n    ret\n"),
        ("inc/helpers.asm", "macro twice()\n    addq 1, r0\n    addq 1, r0\nend\n"),
        ("src/second.asm", ADD),
        ("layout.json", r#"{ "schema": "oasm-layout-1", "offsets": {} }"#),
    ]);
    let out = tempfile::tempdir().unwrap();
    let p = src.path();
    let g = build(SYSV, out.path())
        .file(p.join("src/main.asm"))
        .file(p.join("src/second.asm"))
        .include(p.join("inc"))
        .layout(p.join("layout.json"))
        .try_generate()
        .unwrap();
    assert_eq!(g.asm_files, vec![out.path().join("main.S"), out.path().join("second.S")]);
    for f in &g.asm_files {
        assert!(f.is_file(), "{} not written", f.display());
    }
    assert_eq!(g.target, SYSV);
    let read: Vec<&Path> = g.files_read.iter().map(PathBuf::as_path).collect();
    for f in ["src/main.asm", "inc/helpers.asm", "src/second.asm", "layout.json"] {
        assert!(read.contains(&p.join(f).as_path()), "{f} missing from {read:?}");
    }
    // The layout table is read once per source but listed once.
    assert_eq!(read.iter().filter(|f| f.ends_with("layout.json")).count(), 1);
    assert!(g.warnings.is_empty(), "{:?}", g.warnings);
}

#[test]
fn the_generated_file_is_the_compilers_output() {
    let src = tree(&[("add.asm", ADD)]);
    let out = tempfile::tempdir().unwrap();
    let path = src.path().join("add.asm");
    let g = build(SYSV, out.path()).file(&path).debug_info(false).try_generate().unwrap();
    let written = std::fs::read_to_string(&g.asm_files[0]).unwrap();
    let direct = driver::compile(Input::File(&path), &common::opts(SYSV)).unwrap();
    assert_eq!(Some(written), direct.asm);
}

#[test]
fn debug_info_reaches_the_back_end() {
    let src = tree(&[("add.asm", ADD)]);
    let out = tempfile::tempdir().unwrap();
    let path = src.path().join("add.asm");
    let with = build(SYSV, out.path()).file(&path).debug_info(true).try_generate().unwrap();
    let text = std::fs::read_to_string(&with.asm_files[0]).unwrap();
    assert!(text.contains(".loc"), "no line information with debug_info(true):\n{text}");
    let without = build(SYSV, out.path()).file(&path).debug_info(false).try_generate().unwrap();
    let text = std::fs::read_to_string(&without.asm_files[0]).unwrap();
    assert!(!text.contains(".loc"), "line information with debug_info(false):\n{text}");
}

#[test]
fn defines_choose_branches() {
    let src = tree(&[("f.asm", "if FAST\n    global _api_f\n_api_f:\n    ret\nelse\n    error\nend\n")]);
    let out = tempfile::tempdir().unwrap();
    let f = src.path().join("f.asm");
    build(SYSV, out.path()).file(&f).define("FAST", true).try_generate().unwrap();
    match build(SYSV, out.path()).file(&f).define("FAST", false).try_generate() {
        Err(Error::Source(files)) => assert!(files[0].rendered.contains("error-reached"), "{}", files[0].rendered),
        other => panic!("expected error-reached, got {other:?}"),
    }
    // Not defined at all: unknown-setting, unless unknown settings are false.
    match build(SYSV, out.path()).file(&f).try_generate() {
        Err(Error::Source(files)) => assert!(files[0].rendered.contains("unknown-setting"), "{}", files[0].rendered),
        other => panic!("expected unknown-setting, got {other:?}"),
    }
    let e = build(SYSV, out.path()).file(&f).undefined_settings_false(true).try_generate().unwrap_err();
    assert!(e.to_string().contains("1 error in"), "{e}");
}

#[test]
fn target_derived_settings_cannot_be_contradicted() {
    let src = tree(&[("add.asm", ADD)]);
    let out = tempfile::tempdir().unwrap();
    let e = build(SYSV, out.path()).file(src.path().join("add.asm")).define("X86_64", false).try_generate().unwrap_err();
    assert!(matches!(e, Error::Config(_)), "{e:?}");
    let e = e.to_string();
    assert!(e.starts_with("offasm: ") && e.contains("setting-is-derived"), "{e}");
    assert!(e.contains(&format!("`X86_64` is fixed by the target `{SYSV}` to 1 (true)")), "{e}");
    let e = build("aarch64-unknown-linux-gnu", out.path()).file(src.path().join("add.asm")).define("X86_64", true).try_generate();
    assert!(matches!(&e, Err(Error::Config(m)) if m.contains("to 0 (false)")), "{e:?}");
}

/// Restating what the target fixes is accepted (a build script may pass one
/// list of settings to every target) and changes nothing.
#[test]
fn target_derived_settings_agreeing_with_the_target_are_accepted() {
    let src = tree(&[("f.asm", "if X86_64 and JSVALUE64 and not ARM64
    global _api_f
_api_f:
    ret
else
    error
end
")]);
    let out = tempfile::tempdir().unwrap();
    let f = src.path().join("f.asm");
    // The sources reach `error` on the other targets on purpose: check only this one.
    let g = build(SYSV, out.path())
        .file(&f)
        .check_all_targets(false)
        .define("X86_64", true)
        .define("JSVALUE64", true)
        .define("ARM64", false)
        .define("OS_LINUX", true)
        .try_generate()
        .unwrap();
    assert_eq!(g.asm_files.len(), 1);
    let src = tree(&[("g.asm", "if ARM64 and not X86_64
    global _api_g
_api_g:
    ret
else
    error
end
")]);
    let g = build("aarch64-unknown-linux-gnu", out.path())
        .file(src.path().join("g.asm"))
        .check_all_targets(false)
        .define("X86_64", false)
        .define("JSVALUE64", true)
        .try_generate()
        .unwrap();
    assert_eq!(g.asm_files.len(), 1);
}

#[test]
fn warnings_are_collected_one_line_each() {
    let src = tree(&[("w.asm", "global _api_never_defined\nglobal _api_w\n_api_w:\n    ret\n")]);
    let out = tempfile::tempdir().unwrap();
    let g = build(SYSV, out.path()).file(src.path().join("w.asm")).try_generate().unwrap();
    assert_eq!(g.warnings.len(), 1, "{:?}", g.warnings);
    let first = g.warnings[0].lines().next().unwrap();
    assert!(first.contains("w.asm:1:") && first.contains("warning[global-undefined]"), "{first}");
    assert_eq!(g.asm_files.len(), 1, "warnings do not stop the output");
}

/// A dispatch table of seven rows written with `emit`: one `emit-opaque` warning each.
fn dispatch_table() -> String {
    let mut s = String::from("global _api_table\n_api_table:\n");
    for i in 0..7 {
        s.push_str(&format!("    emit \".quad {i}\"\n"));
    }
    s
}

#[test]
fn emit_warnings_are_one_line_each_and_can_be_allowed() {
    let src = tree(&[("table.asm", &dispatch_table())]);
    let out = tempfile::tempdir().unwrap();
    let f = src.path().join("table.asm");
    let g = build(SYSV, out.path()).file(&f).try_generate().unwrap();
    assert_eq!(g.warnings.len(), 7, "{:?}", g.warnings);
    for w in &g.warnings {
        assert!(!w.contains('\n') && w.contains("warning[emit-opaque]") && w.contains("(the checkers assume"), "{w}");
    }
    let g = build(SYSV, out.path()).file(&f).allow("emit-opaque").try_generate().unwrap();
    assert!(g.warnings.is_empty(), "{:?}", g.warnings);
    assert_eq!(g.asm_files.len(), 1);
    let g = build(SYSV, out.path()).file(&f).allow("warnings").try_generate().unwrap();
    assert!(g.warnings.is_empty(), "{:?}", g.warnings);
    // Denied, they fail the build.
    let e = build(SYSV, out.path()).file(&f).deny("emit-opaque").try_generate().unwrap_err();
    assert!(e.to_string().contains("7 errors in"), "{e}");
    let e = build(SYSV, out.path()).file(&f).warn("hazards").deny("warnings").warn("emit-opaque").try_generate();
    assert_eq!(e.unwrap().warnings.len(), 7, "the code's own level beats its group's");
    // Codes that cannot be re-levelled are a configuration error.
    for bad in ["parse", "no-such-code"] {
        let e = build(SYSV, out.path()).file(&f).allow(bad).try_generate().unwrap_err();
        assert!(matches!(&e, Error::Config(m) if m.contains(bad) && m.contains("hazards:")), "{e:?}");
    }
}

/// The `cargo:` lines a build prints: the test re-runs itself in a child
/// process (`OFFASM_CARGO_LINES_CHILD`) with metadata on and reads its output.
#[test]
fn one_cargo_warning_line_per_warning() {
    if let Some(dir) = std::env::var_os("OFFASM_CARGO_LINES_CHILD") {
        let dir = PathBuf::from(dir);
        let mut b = build(SYSV, &dir);
        b.cargo_metadata(true).file(dir.join("table.asm"));
        if std::env::var_os("OFFASM_ALLOW").is_some() {
            b.allow("emit-opaque");
        }
        b.try_generate().unwrap();
        return;
    }
    let src = tree(&[("table.asm", &dispatch_table())]);
    let run = |allow: bool| {
        let mut c = Command::new(std::env::current_exe().unwrap());
        c.args(["--exact", "one_cargo_warning_line_per_warning", "--nocapture", "--test-threads", "1"])
            .env("OFFASM_CARGO_LINES_CHILD", src.path());
        if allow {
            c.env("OFFASM_ALLOW", "1");
        }
        let o = c.output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).lines().filter(|l| l.starts_with("cargo:warning=")).map(String::from).collect::<Vec<_>>()
    };
    let lines = run(false);
    assert_eq!(lines.len(), 7, "{lines:#?}");
    assert!(lines.iter().all(|l| l.contains("table.asm:") && l.contains("warning[emit-opaque]")), "{lines:#?}");
    assert!(run(true).is_empty());
}

// ---- errors ---------------------------------------------------------------

#[test]
fn errors_name_every_failing_file_and_write_nothing_for_them() {
    let src = tree(&[
        ("good.asm", ADD),
        ("one.asm", "    move t0\n"),
        ("two.asm", "    bogus(t0)\n    jmp .nowhere\n"),
    ]);
    let out = tempfile::tempdir().unwrap();
    let p = src.path();
    let e = build(SYSV, out.path())
        .file(p.join("good.asm"))
        .file(p.join("one.asm"))
        .file(p.join("two.asm"))
        .try_generate()
        .unwrap_err();
    let Error::Source(files) = &e else { panic!("{e:?}") };
    assert_eq!(files.len(), 2);
    assert_eq!((files[0].file.as_path(), files[0].errors), (p.join("one.asm").as_path(), 1));
    assert_eq!((files[1].file.as_path(), files[1].errors), (p.join("two.asm").as_path(), 2));
    assert!(files[0].rendered.contains("operand-count"), "{}", files[0].rendered);
    assert!(files[1].rendered.contains("undefined-macro") && files[1].rendered.contains("undefined-local-label"));
    // Rendered without color, readable in Cargo's output.
    assert!(!files[1].rendered.contains('\u{1b}'), "escape codes in:\n{}", files[1].rendered);
    let msg = e.to_string();
    assert_eq!(
        msg,
        format!("offasm: 1 error in {}; 2 errors in {}", p.join("one.asm").display(), p.join("two.asm").display())
    );
    assert!(!out.path().join("one.asm.S").exists() && !out.path().join("one.S").exists());
    assert!(!out.path().join("two.S").exists());
}

#[test]
fn compile_panics_with_the_error_count_and_file() {
    let src = tree(&[("bad.asm", "    move t0\n    move t1\n")]);
    let out = tempfile::tempdir().unwrap();
    let file = src.path().join("bad.asm");
    let b = build(SYSV, out.path()).file(&file).clone();
    let panic = std::panic::catch_unwind(|| b.compile("bad")).unwrap_err();
    let msg = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert_eq!(msg, format!("offasm: 2 errors in {}", file.display()));
}

#[test]
fn a_missing_source_file_is_an_error_in_that_file() {
    let out = tempfile::tempdir().unwrap();
    let e = build(SYSV, out.path()).file(out.path().join("absent.asm")).try_generate().unwrap_err();
    assert!(matches!(&e, Error::Source(f) if f.len() == 1 && f[0].errors == 1), "{e:?}");
    assert!(e.to_string().contains("absent.asm"), "{e}");
}

#[test]
fn unsupported_target_is_an_error() {
    let src = tree(&[("add.asm", ADD)]);
    let out = tempfile::tempdir().unwrap();
    let e = build("riscv64gc-unknown-linux-gnu", out.path()).file(src.path().join("add.asm")).try_generate().unwrap_err();
    assert!(matches!(e, Error::Config(_)), "{e:?}");
    let msg = e.to_string();
    assert!(msg.contains("unsupported target `riscv64gc-unknown-linux-gnu`") && msg.contains("aarch64-apple-darwin"), "{msg}");
}

#[test]
fn without_cargo_the_target_and_out_dir_must_be_given() {
    let src = tree(&[("add.asm", ADD)]);
    let f = src.path().join("add.asm");
    if std::env::var_os("TARGET").is_none() {
        let e = Build::new().file(&f).out_dir(src.path()).cargo_metadata(false).try_generate().unwrap_err();
        assert!(e.to_string().contains("`TARGET` is not set"), "{e}");
    }
    if std::env::var_os("OUT_DIR").is_none() {
        let e = Build::new().file(&f).target(SYSV).cargo_metadata(false).try_generate().unwrap_err();
        assert!(e.to_string().contains("`OUT_DIR` is not set"), "{e}");
    }
}

#[test]
fn configuration_mistakes() {
    let src = tree(&[("a/x.asm", ADD), ("b/x.asm", ADD)]);
    let out = tempfile::tempdir().unwrap();
    let e = build(SYSV, out.path()).try_generate().unwrap_err();
    assert!(e.to_string().contains("no source files"), "{e}");
    let e = build(SYSV, out.path()).file(src.path().join("a/x.asm")).file(src.path().join("b/x.asm")).try_generate().unwrap_err();
    assert!(e.to_string().contains("x.S"), "{e}");
    let e = build(SYSV, out.path()).file(src.path().join("a/x.asm")).try_compile("a/b").unwrap_err();
    assert!(matches!(e, Error::Config(_)), "{e:?}");
    let e = build(SYSV, out.path()).file(src.path().join("a/x.asm")).align_labels(48).try_generate().unwrap_err();
    assert!(matches!(&e, Error::Config(m) if m.contains("48")), "{e:?}");
}

#[test]
fn aligned_labels_reach_the_output() {
    let src = tree(&[("x.asm", ADD)]);
    let out = tempfile::tempdir().unwrap();
    build(SYSV, out.path()).file(src.path().join("x.asm")).align_labels(32).try_generate().unwrap();
    let s = std::fs::read_to_string(out.path().join("x.S")).unwrap();
    assert!(s.contains("\t.p2align 5\napi_add:"), "{s}");
}

// ---- every target is checked ----------------------------------------------

const WINDOWS_ONLY_ERROR: &str = "if X86_64_WIN\n    error\nend\nglobal _api_w\n_api_w:\n    ret\n";

#[test]
fn a_windows_only_error_stops_a_linux_build() {
    let src = tree(&[("w.asm", WINDOWS_ONLY_ERROR)]);
    let out = tempfile::tempdir().unwrap();
    let f = src.path().join("w.asm");
    let e = build(SYSV, out.path()).file(&f).try_generate().unwrap_err();
    let Error::Source(files) = &e else { panic!("{e:?}") };
    assert_eq!((files[0].errors, files[0].built_target_ok), (1, true));
    assert_eq!(files[0].targets, ["x86_64-pc-windows-msvc"]);
    // The rendered diagnostics and the message name the target.
    let r = &files[0].rendered;
    assert!(r.starts_with("=== x86_64-pc-windows-msvc (x86-64 Windows x64, COFF) ===\n") && r.contains("error-reached"), "{r}");
    assert_eq!(
        e.to_string(),
        format!(
            "offasm: 1 error in {} on x86_64-pc-windows-msvc (every supported target is checked; see `Build::check_all_targets`)",
            f.display()
        )
    );
    assert!(!out.path().join("w.S").exists());
    // Turned off, only the target built is checked.
    let g = build(SYSV, out.path()).file(&f).check_all_targets(false).try_generate().unwrap();
    assert_eq!(g.checked_targets, [SYSV]);
    assert!(out.path().join("w.S").is_file());
    // Building for Windows: the error is the build's own.
    let e = build("x86_64-pc-windows-msvc", out.path()).file(&f).try_generate().unwrap_err();
    assert_eq!(e.to_string(), format!("offasm: 1 error in {} on x86_64-pc-windows-msvc", f.display()));
    let e = build("x86_64-pc-windows-msvc", out.path()).file(&f).check_all_targets(false).try_generate().unwrap_err();
    assert_eq!(e.to_string(), format!("offasm: 1 error in {}", f.display()));
    let Error::Source(files) = &e else { panic!("{e:?}") };
    assert!(!files[0].rendered.contains("==="), "one target: no headers\n{}", files[0].rendered);
}

#[test]
fn the_target_built_comes_first_and_others_are_checked() {
    let src = tree(&[("add.asm", ADD)]);
    let out = tempfile::tempdir().unwrap();
    let f = src.path().join("add.asm");
    let g = build(SYSV, out.path()).file(&f).try_generate().unwrap();
    assert_eq!(g.checked_targets, ALL_TARGETS);
    let g = build("aarch64-apple-ios", out.path()).file(&f).try_generate().unwrap();
    assert_eq!(g.checked_targets[0], "aarch64-apple-ios");
    assert_eq!(g.checked_targets.len(), 5, "aarch64-apple-darwin is the same target: {:?}", g.checked_targets);
    // Code is generated for the target built only.
    let written = std::fs::read_to_string(&g.asm_files[0]).unwrap();
    let direct = driver::compile(Input::File(&f), &common::opts("aarch64-apple-ios")).unwrap();
    assert_eq!(Some(written), direct.asm);
}

#[test]
fn warnings_of_some_targets_name_them() {
    let src = tree(&[("w.asm", "global _api_w\n_api_w:\nif ARM64\n    emit \"nop\"\nend\n    move 08, r0\n    ret\n")]);
    let out = tempfile::tempdir().unwrap();
    let g = build(SYSV, out.path()).file(src.path().join("w.asm")).try_generate().unwrap();
    assert_eq!(g.warnings.len(), 2, "{:#?}", g.warnings);
    assert!(g.warnings[0].contains("warning[leading-zero-decimal]") && !g.warnings[0].contains("[on "), "{:#?}", g.warnings);
    assert!(
        g.warnings[1].contains("warning[emit-opaque]") && g.warnings[1].ends_with(" [on aarch64-unknown-linux-gnu, aarch64-apple-darwin]"),
        "{:#?}",
        g.warnings
    );
    let g = build(SYSV, out.path()).file(src.path().join("w.asm")).check_all_targets(false).try_generate().unwrap();
    assert_eq!(g.warnings.len(), 1, "{:#?}", g.warnings);
    // The only warning, on some targets only, still names them.
    let src = tree(&[("x.asm", "global _api_x\n_api_x:\nif X86_64 or X86_64_WIN\n    emit \"nop\"\nend\n    ret\n")]);
    let g = build(SYSV, out.path()).file(src.path().join("x.asm")).try_generate().unwrap();
    assert_eq!(g.warnings.len(), 1, "{:#?}", g.warnings);
    assert!(g.warnings[0].ends_with(" [on x86_64-unknown-linux-gnu, x86_64-apple-darwin, x86_64-pc-windows-msvc]"), "{:#?}", g.warnings);
}

#[test]
fn a_layout_table_for_the_target_built_serves_the_others() {
    let src = tree(&[
        ("l.asm", "global _api_l\n_api_l:\n    loadq S::f[a0], r0\n    ret\n"),
        ("layout.json", r#"{ "schema": "oasm-layout-1", "target": "x86_64-unknown-linux-gnu", "offsets": { "S::f": 8 } }"#),
    ]);
    let out = tempfile::tempdir().unwrap();
    let b = |t: &str| {
        let mut b = build(t, out.path());
        b.file(src.path().join("l.asm")).layout(src.path().join("layout.json"));
        b
    };
    b(SYSV).try_generate().unwrap();
    // The table must still name the target built.
    let e = b("aarch64-unknown-linux-gnu").try_generate().unwrap_err();
    let Error::Source(files) = &e else { panic!("{e:?}") };
    assert!(files[0].rendered.contains("layout-target-mismatch"), "{}", files[0].rendered);
    assert_eq!(files[0].targets, ["aarch64-unknown-linux-gnu"]);
}

// ---- assembling -----------------------------------------------------------

#[test]
fn assembles_a_static_library_for_x86_64_linux() {
    if !require_tool("cc") || !require_tool("nm") {
        return;
    }
    let src = tree(&[("api.asm", ADD), ("more.asm", "global _api_more\n_api_more:\n    move 7, r0\n    ret\n")]);
    let out = tempfile::tempdir().unwrap();
    let a = build(SYSV, out.path())
        .host(SYSV)
        .file(src.path().join("api.asm"))
        .file(src.path().join("more.asm"))
        .debug_info(true)
        .try_compile("apitest")
        .unwrap();
    assert_eq!(a.library, out.path().join("libapitest.a"));
    let syms = text_symbols(&a.library);
    assert!(syms.contains(&"api_add".to_string()) && syms.contains(&"api_more".to_string()), "{syms:?}");
}

#[test]
fn assembles_for_windows_with_mingw() {
    if !require_tool("x86_64-w64-mingw32-gcc") {
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let a = build("x86_64-pc-windows-gnu", out.path())
        .host(SYSV)
        .file(hello_asm())
        .include(lib_asm())
        .try_compile("hello_win")
        .unwrap();
    let nm = Command::new("x86_64-w64-mingw32-nm").arg(&a.library).output().unwrap();
    let syms = String::from_utf8_lossy(&nm.stdout);
    for f in ["hello_muladd", "hello_sum", "hello_fold", "hello_reverse4"] {
        assert!(syms.lines().any(|l| l.ends_with(&format!(" T {f}"))), "{f} missing:\n{syms}");
    }
    assert!(syms.lines().any(|l| l.ends_with(" U hello_rust_mix4")), "external call missing:\n{syms}");
}

/// examples/hello's assembly built for `target` through the API, linked with
/// the C driver `examples/hello/c/harness.c`, the ABI's register probe and
/// callbacks (`c/{abi}_probe.S`, `c/{abi}_callbacks.S`) by `cc`, and run by
/// `runner`: the prelude's call sequences (alignment, Windows shadow space,
/// callee-saved registers) really execute.
fn run_hello_with_c_harness(target: &str, cc: &str, cc_flags: &[&str], abi: &str, runner: &str) {
    let out = tempfile::tempdir().unwrap();
    let a = build(target, out.path())
        .host(SYSV)
        .file(hello_asm())
        .include(lib_asm())
        .debug_info(true)
        .try_compile("hello")
        .unwrap();
    let c = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/hello/c");
    let exe = out.path().join("hello.exe");
    let link = Command::new(cc)
        .args(cc_flags)
        .arg("-O0")
        .arg(c.join("harness.c"))
        .arg(c.join(format!("{abi}_probe.S")))
        .arg(c.join(format!("{abi}_callbacks.S")))
        .arg(&a.library)
        .arg("-o")
        .arg(&exe)
        .output()
        .unwrap();
    assert!(link.status.success(), "{cc}: link failed:\n{}", String::from_utf8_lossy(&link.stderr));
    let run = Command::new(runner).arg(&exe).env("WINEDEBUG", "-all").output().unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success() && stdout.trim_end().ends_with("ok"),
        "hello for {target} under {runner} ({}):\n{stdout}\n{}",
        run.status,
        String::from_utf8_lossy(&run.stderr)
    );
}

#[test]
fn hello_runs_on_windows_under_wine() {
    if !require_tool("x86_64-w64-mingw32-gcc") || !require_tool("wine") {
        return;
    }
    run_hello_with_c_harness("x86_64-pc-windows-gnu", "x86_64-w64-mingw32-gcc", &[], "win64", "wine");
}

#[test]
fn hello_runs_on_arm64_linux_under_qemu() {
    if !require_tool("aarch64-linux-gnu-gcc") || !require_tool("qemu-aarch64") {
        return;
    }
    run_hello_with_c_harness("aarch64-unknown-linux-gnu", "aarch64-linux-gnu-gcc", &["-static"], "aarch64", "qemu-aarch64");
}

// ---- the prelude ----------------------------------------------------------

#[test]
fn prelude_and_hello_check_on_every_target() {
    for t in ALL_TARGETS {
        let mut o = common::opts(t);
        o.include_dirs = vec![lib_asm()];
        for f in [lib_asm().join("prelude.asm"), hello_asm()] {
            let out = driver::check(Input::File(&f), &o).unwrap();
            assert!(out.ok() && out.diags.list.is_empty(), "{t} {}:\n{}", f.display(), out.render_short());
        }
    }
}

/// The prelude's macros expanded on one target, as dialect text.
fn expand_with_prelude(body: &str, triple: &str) -> Vec<String> {
    let mut o = common::opts(triple);
    o.include_dirs = vec![lib_asm()];
    let text = format!("include prelude\n{body}");
    let out = driver::check(Input::Text { path: Path::new("t.asm"), text }, &o).unwrap();
    assert!(out.ok(), "{triple}:\n{}", out.render_short());
    common::lines(&offasm::print::expanded(out.expanded.as_ref().unwrap()))
}

#[test]
fn prelude_frames_and_callee_saves_per_target() {
    let body = "functionPrologue()\npushCalleeSaves()\npopCalleeSaves()\nfunctionEpilogue()\n";
    let x86 = ["push cfr", "move sp, cfr", "push csr0, csr1, csr2, csr3", "pop csr3, csr2, csr1, csr0", "pop cfr"];
    let arm = ["push cfr, lr", "move sp, cfr", "push csr0, csr1", "push csr2, csr3", "pop csr3, csr2", "pop csr1, csr0", "pop lr, cfr"];
    for t in ALL_TARGETS {
        let want: &[&str] = if t.starts_with("aarch64") { &arm } else { &x86 };
        assert_eq!(expand_with_prelude(body, t), want, "{t}");
    }
}

#[test]
fn prelude_c_calls_set_up_arguments_with_one_parallel_move() {
    // sp is required aligned (no realignment, no temporary written); Windows
    // reserves and releases the shadow space around the call.
    let cases = [("cCall2(_f, t1, 7)\n", "moveargs t1, 7"), ("cCall4(_f, a3, a2, a1, a0)\n", "moveargs a3, a2, a1, a0")];
    for t in ALL_TARGETS {
        for (call, moveargs) in cases {
            let want: Vec<&str> = match t {
                "x86_64-pc-windows-msvc" => vec![moveargs, "subp 32, sp", "call _f", "addp 32, sp"],
                _ => vec![moveargs, "call _f"],
            };
            assert_eq!(expand_with_prelude(call, t), want, "{t}");
        }
    }
    // A register holding the function works too.
    assert!(expand_with_prelude("cCall2(csr0, a1, a0)\n", SYSV).contains(&"call csr0".to_string()));
}

/// The C-call macros write nothing but the argument registers they set, sp
/// (Windows, restored) and the call: checked on the expanded program against
/// the instruction table.
#[test]
fn prelude_c_calls_write_only_argument_registers() {
    use offasm::isa::{Effects, Op};
    use offasm::valid::Item;
    for t in ALL_TARGETS {
        let mut o = common::opts(t);
        o.include_dirs = vec![lib_asm()];
        // (The second call passes no register the first call may change.)
        let text = "include prelude\n_g:\n    cCall4(_f, t1, 7, a0, csr1)\n    cCall2(csr0, csr2, r0)\n".to_string();
        let out = driver::check(Input::Text { path: Path::new("t.asm"), text }, &o).unwrap();
        assert!(out.ok(), "{t}:\n{}", out.render_short());
        for item in &out.program.unwrap().items {
            let Item::Instr(i) = item else { continue };
            let d = i.def();
            let sp_adjust = matches!(d.op, Op::Add | Op::Sub) && i.operands.last() == Some(&offasm::valid::Value::Reg(offasm::target::regs::Reg::SP));
            assert!(
                d.effects.contains(Effects::WRITES_ARGS) || d.effects.contains(Effects::CALL) || sp_adjust,
                "{t}: the C-call macros expand to `{}`",
                d.name
            );
        }
    }
}

#[test]
fn visibility_default_leaves_exported_labels_visible() {
    let src = tree(&[("v.asm", ADD)]);
    for (t, directive) in [(SYSV, "\t.hidden\tapi_add\n"), ("aarch64-apple-darwin", "\t.private_extern\t_api_add\n")] {
        let gen = |v: offasm::build::Visibility| {
            let out = tempfile::tempdir().unwrap();
            let g = build(t, out.path()).file(src.path().join("v.asm")).visibility(v).try_generate().unwrap();
            std::fs::read_to_string(&g.asm_files[0]).unwrap()
        };
        let hidden = gen(offasm::build::Visibility::Hidden);
        let default = gen(offasm::build::Visibility::Default);
        assert!(hidden.contains(directive), "{t}:\n{hidden}");
        assert_eq!(hidden.replace(directive, ""), default, "{t}");
    }
}
