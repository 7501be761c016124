//! What build.rs (offasm::build) told Cargo and wrote into OUT_DIR.

use std::path::Path;

fn out_dir() -> &'static Path {
    Path::new(env!("OUT_DIR"))
}

#[test]
fn build_script_output_lists_sources_and_links_the_library() {
    // Cargo keeps a build script's stdout next to its OUT_DIR.
    let output = std::fs::read_to_string(out_dir().parent().unwrap().join("output")).unwrap();
    let lines: Vec<&str> = output.lines().collect();
    for want in [
        "cargo:rerun-if-changed=src/hello.asm",
        "cargo:rerun-if-changed=../../lib-asm/prelude.asm", // an include
        "cargo:rustc-link-lib=static=hello_asm",
    ] {
        assert_eq!(lines.iter().filter(|l| **l == want).count(), 1, "`{want}` not listed exactly once in:\n{output}");
    }
    // (Only offasm's warnings: `cc` may warn about the C compiler it probes.)
    let ours = |l: &&str| l.starts_with("cargo:warning=") && (l.contains("hello.asm") || l.contains("prelude.asm"));
    assert!(!lines.iter().any(ours), "the example compiles without warnings:\n{output}");
    assert!(out_dir().join("libhello_asm.a").is_file());
}

#[test]
fn generated_assembly_has_line_information_for_both_sources() {
    let s = std::fs::read_to_string(out_dir().join("hello.S")).unwrap();
    let files: Vec<&str> = s.lines().filter(|l| l.trim_start().starts_with(".file")).collect();
    assert!(files.iter().any(|l| l.contains("hello.asm\"")), "no .file for hello.asm:\n{files:?}");
    assert!(files.iter().any(|l| l.contains("prelude.asm\"")), "no .file for prelude.asm:\n{files:?}");
    assert!(s.lines().any(|l| l.trim_start().starts_with(".loc")), "no .loc lines");
}
