//! The built-in prelude (docs/prelude.md): `include prelude` with no include
//! path, from the library, the command line and the build API; the copy in
//! the crate is the repository's lib-asm/prelude.asm; a `prelude.asm` on the
//! search path still wins.

use std::path::{Path, PathBuf};
use std::process::Command;

use offasm::build::Build;
use offasm::driver::{self, Input, Options};
use offasm::target::Target;

const TARGETS: [&str; 5] =
    ["x86_64-unknown-linux-gnu", "x86_64-apple-darwin", "x86_64-pc-windows-msvc", "aarch64-unknown-linux-gnu", "aarch64-apple-darwin"];

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel)
}

fn offasm(args: &[&str], dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_offasm")).args(args).current_dir(dir).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn the_built_in_prelude_is_lib_asm_prelude() {
    let builtin = offasm::front::builtin_file("prelude").expect("a built-in prelude");
    let repo_copy = std::fs::read_to_string(repo("lib-asm/prelude.asm")).unwrap();
    assert!(
        builtin == repo_copy,
        "lib-asm/prelude.asm and compiler/lib-asm/prelude.asm (the copy built into the crate) differ: \
         copy the one you changed over the other"
    );
    assert!(offasm::front::builtin_file("prelude2").is_none());
}

/// The example of docs/prelude.md.
fn doc_example() -> String {
    let doc = std::fs::read_to_string(repo("docs/prelude.md")).unwrap();
    let start = doc.find("```\ninclude prelude").expect("docs/prelude.md: the example") + 4;
    let end = start + doc[start..].find("```").unwrap();
    doc[start..end].to_string()
}

#[test]
fn include_prelude_needs_no_include_path() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("vm.asm");
    std::fs::write(&file, doc_example()).unwrap();
    for t in TARGETS {
        let out = driver::compile(Input::File(&file), &Options::new(Target::from_triple(t).unwrap())).unwrap();
        assert!(out.ok(), "{t}:\n{}", out.render(false));
        assert!(out.asm.as_ref().is_some_and(|a| a.contains("vm_call_host")), "{t}");
        // The built-in file is not on disk: it is not a file read (no rerun-if-changed for it)…
        assert_eq!(out.files_read, [file.clone()], "{t}");
        // …but where the include looked for `prelude.asm` is recorded.
        assert_eq!(out.map.absent(), [dir.path().join("prelude.asm")], "{t}");
        assert!(out.map.files().any(|(_, f)| f.name == "<offasm>/prelude.asm"));
    }
    // The command line, every target at once, and a compilation to a file.
    let o = offasm(&["check", "vm.asm", "--all-targets"], dir.path());
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = offasm(&["compile", "vm.asm", "--target", "aarch64-unknown-linux-gnu", "-o", "vm.S", "-g"], dir.path());
    assert!(o.status.success(), "{}", text(&o.stderr));
    let asm = std::fs::read_to_string(dir.path().join("vm.S")).unwrap();
    assert!(asm.contains("<offasm>/prelude.asm"), "the .file directive names the built-in file");
}

#[test]
fn diagnostics_in_the_built_in_prelude_name_it() {
    let dir = tempfile::tempdir().unwrap();
    // t5 holds the function across cCall2's argument set-up: a0 is t5 on Windows.
    std::fs::write(
        dir.path().join("vm.asm"),
        "include prelude\nglobal _f\n_f:\n    functionPrologue()\n    loadp 8[a0], t5\n    cCall2(t5, a1, 0)\n    functionEpilogue()\n    ret\n",
    )
    .unwrap();
    let o = offasm(&["check", "vm.asm", "--target", "x86_64-pc-windows-msvc", "--diagnostic-format", "short"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(err.starts_with("<offasm>/prelude.asm:"), "{err}");
    assert!(err.contains("error[alias-clobber]"), "{err}");
    // The human form shows the excerpt of the built-in file.
    let o = offasm(&["check", "vm.asm", "--target", "x86_64-pc-windows-msvc"], dir.path());
    assert!(text(&o.stderr).contains("cCallSetUp"), "{}", text(&o.stderr));
}

#[test]
fn a_prelude_on_the_search_path_wins() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("inc")).unwrap();
    std::fs::write(dir.path().join("inc/prelude.asm"), "const Mine = 7\n").unwrap();
    std::fs::write(dir.path().join("vm.asm"), "include prelude\nglobal _f\n_f:\n    move Mine, r0\n    ret\n").unwrap();
    let o = offasm(&["expand", "vm.asm", "-I", "inc", "--target", "x86_64-unknown-linux-gnu"], dir.path());
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("move 7, r0"), "{}", text(&o.stdout));
    // Without -I the built-in prelude has no `Mine`.
    let o = offasm(&["check", "vm.asm", "--target", "x86_64-unknown-linux-gnu"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("Mine"), "{}", text(&o.stderr));
}

#[test]
fn the_build_api_finds_the_built_in_prelude_and_watches_where_it_looked() {
    let src = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    std::fs::create_dir(src.path().join("asm")).unwrap();
    std::fs::write(src.path().join("asm/vm.asm"), doc_example()).unwrap();
    for t in TARGETS {
        let g = Build::new()
            .target(t)
            .out_dir(out.path())
            .cargo_metadata(false)
            .file(src.path().join("asm/vm.asm"))
            .try_generate()
            .unwrap_or_else(|e| panic!("{t}: {e}"));
        assert_eq!(g.files_read, [src.path().join("asm/vm.asm")]);
        assert_eq!(g.watched_dirs, [src.path().join("asm")]);
        assert!(std::fs::read_to_string(&g.asm_files[0]).unwrap().contains("vm_call_host"));
    }
}
