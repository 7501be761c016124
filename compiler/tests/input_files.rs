//! Input and output files at their edges (issue 12): a UTF-8 byte order mark
//! is accepted; a file that is not text is one diagnostic (never a flood of
//! errors echoing its bytes, never a panic); control characters never reach
//! the terminal raw; `-o` is written atomically and a failed compilation
//! leaves no output behind; an `include?` that found nothing is watched by the
//! build API.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use offasm::build::Build;

const SYSV: &str = "x86_64-unknown-linux-gnu";
const ADD: &str = "global _api_add\n_api_add:\n    move a0, r0\n    addq a1, r0\n    ret\n";

fn offasm(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_offasm")).args(args).current_dir(dir).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A temporary directory with the given files.
fn tree(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    dir
}

/// Standard error is UTF-8 with no control character but newlines and tabs.
fn assert_clean(err: &[u8]) {
    let s = std::str::from_utf8(err).unwrap_or_else(|e| panic!("stderr is not UTF-8 ({e}): {}", text(err)));
    assert!(!s.chars().any(|c| c.is_control() && c != '\n' && c != '\t'), "a control character reached stderr: {s:?}");
}

/// Random bytes (a fixed xorshift sequence): what a binary file looks like.
fn random_bytes(n: usize) -> Vec<u8> {
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

// ---- byte order mark --------------------------------------------------------

#[test]
fn a_utf8_byte_order_mark_is_accepted() {
    let with_bom = [b"\xef\xbb\xbf".as_slice(), ADD.as_bytes()].concat();
    let dir = tree(&[("bom.asm", &with_bom), ("plain.asm", ADD.as_bytes()), ("inc.asm", b"\xef\xbb\xbfinclude bom\n")]);
    for (file, root) in [("bom.asm", "bom"), ("inc.asm", "inc")] {
        let o = offasm(&["compile", file, "--target", SYSV], dir.path());
        assert!(o.status.success(), "{root}: {}", text(&o.stderr));
        let plain = offasm(&["compile", "plain.asm", "--target", SYSV], dir.path());
        assert_eq!(text(&o.stdout), text(&plain.stdout), "{root}");
    }
    // Columns on the first line are those an editor shows (the mark is not counted).
    let dir = tree(&[("bad.asm", b"\xef\xbb\xbfmove t0\n")]);
    let o = offasm(&["check", "bad.asm", "--target", SYSV, "--diagnostic-format", "short"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).starts_with("bad.asm:1:1: error[operand-count]"), "{}", text(&o.stderr));
}

// ---- files that are not text ------------------------------------------------

/// One `io` error naming the file and the first offending byte, exit status
/// 1, nothing raw on the terminal, in both diagnostic formats.
fn assert_one_not_text_error(bytes: &[u8], expected: &str) {
    let dir = tree(&[("in.asm", bytes)]);
    for format in ["human", "short"] {
        for cmd in [&["check", "in.asm"][..], &["compile", "in.asm", "-o", "out.S"], &["check", "in.asm", "--all-targets"]] {
            let mut args = cmd.to_vec();
            args.extend(["--diagnostic-format", format]);
            if !args.contains(&"--all-targets") {
                args.extend(["--target", SYSV]);
            }
            let o = offasm(&args, dir.path());
            assert_eq!(o.status.code(), Some(1), "{args:?}: {}", text(&o.stderr));
            assert_clean(&o.stderr);
            let err = text(&o.stderr);
            assert_eq!(err.matches("error[io]").count() + err.matches("[io] Error").count(), 1, "{args:?}: {err}");
            assert!(err.contains(expected), "{args:?}: expected `{expected}` in:\n{err}");
            assert!(!err.contains("unexpected-char"), "{err}");
            assert!(!dir.path().join("out.S").exists());
        }
    }
}

#[test]
fn a_binary_file_is_one_error() {
    let mut bytes = random_bytes(4096);
    bytes[0] = b'\x1b'; // an escape sequence start, which must not reach the terminal
    bytes[1] = b'[';
    let nul = bytes.iter().position(|&b| b == 0).unwrap();
    assert!(nul > 2);
    let line = bytes[..nul].iter().filter(|&&b| b == b'\n').count() + 1;
    assert_one_not_text_error(&bytes, &format!("`in.asm` is not a text file: it contains a NUL byte (line {line}, column "));
    // An ELF header.
    assert_one_not_text_error(b"\x7fELF\x02\x01\x01\x00\x00\x00", "`in.asm` is not a text file: it contains a NUL byte (line 1, column 8)");
}

#[test]
fn text_in_another_encoding_is_one_error() {
    // Latin-1 `é` in a comment on line 2.
    assert_one_not_text_error(
        b"global _f\n# caf\xe9\n_f:\n    ret\n",
        "`in.asm` is not UTF-8 text: byte 0xe9 (line 2, column 6) is not part of a UTF-8 character",
    );
    // A UTF-8 file cut in the middle of a character.
    assert_one_not_text_error("# \u{e9}".as_bytes().split_last().unwrap().1, "byte 0xc3 (line 1, column 3)");
    // UTF-16 (little endian, with its byte order mark).
    let utf16: Vec<u8> = [0xfeffu16].into_iter().chain("    ret\n".encode_utf16()).flat_map(u16::to_le_bytes).collect();
    assert_one_not_text_error(&utf16, "`in.asm` is UTF-16 text; source files must be UTF-8");
}

#[test]
fn an_included_binary_file_is_one_error_at_the_include() {
    let dir = tree(&[("main.asm", b"    nop\ninclude blob\n    ret\n"), ("blob.asm", &random_bytes(2000))]);
    let o = offasm(&["check", "main.asm", "--target", SYSV, "--diagnostic-format", "short"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    assert_clean(&o.stderr);
    let err = text(&o.stderr);
    assert!(err.starts_with("main.asm:2:1: error[io]: `blob.asm` is not a text file: it contains a NUL byte"), "{err}");
    assert_eq!(err.matches("error[").count(), 1, "{err}");
}

#[test]
fn binary_files_never_panic() {
    // Many random files (with and without NUL bytes) through the library: one
    // error each, no panic.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("x.asm");
    let opts = common::options_for("# target: x86_64-unknown-linux-gnu\n");
    let mut seed = random_bytes(64 * 256);
    for case in 0..64 {
        let mut bytes: Vec<u8> = seed.drain(..256).collect();
        if case % 2 == 0 {
            bytes.retain(|&b| b != 0); // invalid UTF-8 but no NUL
        }
        std::fs::write(&file, &bytes).unwrap();
        let out = offasm::driver::check(offasm::driver::Input::File(&file), &opts).unwrap();
        assert!(!out.ok());
        if std::str::from_utf8(&bytes).is_err() {
            assert_eq!(out.diags.list.len(), 1, "case {case}: {}", out.render_short());
        }
    }
}

#[test]
fn control_characters_in_text_are_not_echoed() {
    // Valid UTF-8 with an escape sequence in a string and a bell in a comment:
    // lexed as usual, but excerpts and messages show them as `?`/escapes.
    let dir = tree(&[("ctl.asm", b"# ring \x07\n\x1b[31m\n"), ("str.asm", b"# ring \x07\n    move \"\x1b[2J\", t0\n")]);
    for file in ["ctl.asm", "str.asm"] {
        for format in ["human", "short"] {
            let o = offasm(&["check", file, "--target", SYSV, "--diagnostic-format", format], dir.path());
            assert_eq!(o.status.code(), Some(1), "{file}");
            assert_clean(&o.stderr);
        }
    }
    let o = offasm(&["check", "ctl.asm", "--target", SYSV], dir.path());
    assert!(text(&o.stderr).contains(" 2 │ ?[31m"), "{}", text(&o.stderr));
    let o = offasm(&["check", "str.asm", "--target", SYSV], dir.path());
    assert!(text(&o.stderr).contains("move \"?[2J\", t0"), "{}", text(&o.stderr));
}

// ---- -o ---------------------------------------------------------------------

/// The names in a directory, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

#[test]
fn a_failed_compile_leaves_no_output_file() {
    let dir = tree(&[("good.asm", ADD.as_bytes()), ("bad.asm", b"    move t0\n")]);
    let o = offasm(&["compile", "good.asm", "--target", SYSV, "-o", "out.S"], dir.path());
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(std::fs::read_to_string(dir.path().join("out.S")).unwrap().contains("api_add"));
    // An error removes the previous output instead of leaving it stale.
    let o = offasm(&["compile", "bad.asm", "--target", SYSV, "-o", "out.S"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(!dir.path().join("out.S").exists(), "a stale out.S was left in place");
    // So does a missing input, and an unsupported target.
    for args in [
        &["compile", "missing.asm", "--target", SYSV, "-o", "out.S"][..],
        &["compile", "good.asm", "--target", "riscv64gc-unknown-linux-gnu", "-o", "out.S"],
    ] {
        std::fs::write(dir.path().join("out.S"), "stale").unwrap();
        let o = offasm(args, dir.path());
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert!(!dir.path().join("out.S").exists(), "{args:?}: a stale out.S was left in place");
    }
    // No temporary file is left behind either way.
    assert_eq!(listing(dir.path()), ["bad.asm", "good.asm"]);
}

#[test]
fn the_output_replaces_the_old_file_in_one_step() {
    let dir = tree(&[("good.asm", ADD.as_bytes()), ("out.S", b"old")]);
    // A reader that opened the old file keeps reading the old file: the new
    // one is a different file renamed over it, never a truncated old one.
    let held = std::fs::File::open(dir.path().join("out.S")).unwrap();
    let o = offasm(&["compile", "good.asm", "--target", SYSV, "-o", "out.S"], dir.path());
    assert!(o.status.success(), "{}", text(&o.stderr));
    let mut old = String::new();
    std::io::Read::read_to_string(&mut &held, &mut old).unwrap();
    assert_eq!(old, "old");
    assert!(std::fs::read_to_string(dir.path().join("out.S")).unwrap().contains("api_add"));
    assert_eq!(listing(dir.path()), ["good.asm", "out.S"]);
}

#[test]
fn an_output_that_is_a_source_is_refused() {
    let dir = tree(&[("good.asm", ADD.as_bytes()), ("inc.asm", b"include good\n")]);
    for (file, out) in [("good.asm", "good.asm"), ("good.asm", "./good.asm"), ("inc.asm", "good.asm")] {
        let o = offasm(&["compile", file, "--target", SYSV, "-o", out], dir.path());
        assert_eq!(o.status.code(), Some(1), "{file} -o {out}");
        assert!(text(&o.stderr).contains("is one of the source files"), "{}", text(&o.stderr));
        assert_eq!(std::fs::read(dir.path().join("good.asm")).unwrap(), ADD.as_bytes(), "{file} -o {out}: the source was changed");
    }
}

#[test]
fn the_build_api_writes_atomically_and_removes_stale_output() {
    let src = tree(&[("vm.asm", ADD.as_bytes())]);
    let out = tempfile::tempdir().unwrap();
    let gen = |b: &mut Build| b.target(SYSV).out_dir(out.path()).cargo_metadata(false).file(src.path().join("vm.asm")).try_generate();
    let g = gen(&mut Build::new()).unwrap();
    assert_eq!(g.asm_files, [out.path().join("vm.S")]);
    assert_eq!(listing(out.path()), ["vm.S"]);
    std::fs::write(src.path().join("vm.asm"), "    move t0\n").unwrap();
    assert!(gen(&mut Build::new()).is_err());
    assert_eq!(listing(out.path()), Vec::<String>::new(), "the .S of the earlier build was left in place");
}

// ---- include? misses are watched by the build API ---------------------------

/// The `cargo:` lines a build prints (the API runs in a child process, whose
/// standard output is the build script's).
fn cargo_lines(root: &Path, includes: &[&Path]) -> Vec<String> {
    let mut c = Command::new(std::env::current_exe().unwrap());
    c.args(["--exact", "cargo_lines_child", "--nocapture", "--test-threads", "1"]).env("OFFASM_WATCH_CHILD", root);
    let joined = std::env::join_paths(includes).unwrap();
    c.env("OFFASM_WATCH_INCLUDES", joined);
    let o = c.output().unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    // (With --nocapture the first line follows the harness's `test … ` on its line.)
    let key = "cargo:rerun-if-changed=";
    text(&o.stdout).lines().filter_map(|l| l.find(key).map(|i| l[i + key.len()..].to_string())).collect()
}

#[test]
fn cargo_lines_child() {
    let Some(root) = std::env::var_os("OFFASM_WATCH_CHILD") else { return };
    let out = tempfile::tempdir().unwrap();
    let mut b = Build::new();
    b.target(SYSV).out_dir(out.path()).file(PathBuf::from(root));
    for d in std::env::split_paths(&std::env::var_os("OFFASM_WATCH_INCLUDES").unwrap_or_default()) {
        b.include(d);
    }
    b.try_generate().unwrap();
}

#[test]
fn include_misses_are_watched() {
    let dir = tree(&[
        ("src/vm.asm", b"include? config\ninclude helpers\nglobal _f\n_f:\n    ret\n"),
        ("lib/helpers.asm", b"const H = 1\n"),
        ("gen/.keep", b""),
    ]);
    let (src, lib, gen) = (dir.path().join("src"), dir.path().join("lib"), dir.path().join("gen"));
    let lines = cargo_lines(&src.join("vm.asm"), &[&gen, &lib]);
    // The files read, then the directories where a file could appear:
    // `config.asm` in gen/, lib/ or src/ (the include? found nothing),
    // `helpers.asm` in gen/ (searched before lib/, where it was found).
    let shown = |p: &Path| p.display().to_string();
    assert_eq!(lines, [shown(&src.join("vm.asm")), shown(&lib.join("helpers.asm")), shown(&gen), shown(&lib), shown(&src)], "{lines:#?}");
    // Once the file exists in src/, it is read; only lib/, searched before
    // src/, is still watched for it.
    std::fs::write(src.join("config.asm"), "const C = 2\n").unwrap();
    let lines = cargo_lines(&src.join("vm.asm"), &[&lib]);
    assert_eq!(lines, [shown(&src.join("vm.asm")), shown(&src.join("config.asm")), shown(&lib.join("helpers.asm")), shown(&lib)], "{lines:#?}");
    // With the file in the first directory searched, nothing is watched.
    std::fs::rename(src.join("config.asm"), lib.join("config.asm")).unwrap();
    let lines = cargo_lines(&src.join("vm.asm"), &[&lib]);
    assert_eq!(lines, [shown(&src.join("vm.asm")), shown(&lib.join("config.asm")), shown(&lib.join("helpers.asm"))], "{lines:#?}");
}

#[test]
fn a_directory_holding_the_output_directory_is_not_watched() {
    // `.asm` files at a package root: watching the root would watch `target/`
    // and rerun the build script on every build.
    let dir = tree(&[("vm.asm", b"include? config\nglobal _f\n_f:\n    ret\n")]);
    let out = dir.path().join("target/out");
    std::fs::create_dir_all(&out).unwrap();
    let g = Build::new().target(SYSV).out_dir(&out).cargo_metadata(false).file(dir.path().join("vm.asm")).try_generate().unwrap();
    assert!(g.watched_dirs.is_empty(), "{:?}", g.watched_dirs);
    let elsewhere = tempfile::tempdir().unwrap();
    let g = Build::new().target(SYSV).out_dir(elsewhere.path()).cargo_metadata(false).file(dir.path().join("vm.asm")).try_generate().unwrap();
    assert_eq!(g.watched_dirs, [dir.path().to_path_buf()]);
}
