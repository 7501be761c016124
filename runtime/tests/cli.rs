//! The runner binary: `--invoke` prints results, `--wast` prints a summary,
//! bad input is a clear error with exit status 1 (never a panic).

use std::process::Command;

/// The runner binary; under an emulator (`TEST_RUNNER`, set by
/// .cargo/config.toml for ARM64 Linux) through it.
fn runner() -> Command {
    let bin = env!("CARGO_BIN_EXE_offasm-wasm");
    match std::env::var("TEST_RUNNER") {
        Ok(emulator) if !emulator.is_empty() => {
            let mut c = Command::new(emulator);
            c.arg(bin);
            c
        }
        _ => Command::new(bin),
    }
}

fn bench(name: &str) -> String {
    format!(
        "{}/../tests/wasm-bench/{name}.wasm",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn invoke_prints_results() {
    let out = runner()
        .args([&bench("fib"), "--invoke", "bench_fib", "20"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "6765:i32\n");
}

#[test]
fn wast_prints_a_summary() {
    let dir = tempdir();
    let path = dir.join("t.wast");
    std::fs::write(
        &path,
        r#"(module (func (export "f") (param i32) (result i32) (i32.div_u (i32.const 10) (local.get 0))))
           (assert_return (invoke "f" (i32.const 3)) (i32.const 3))
           (assert_trap (invoke "f" (i32.const 0)) "integer divide by zero")
           (module $a (func (export "g") (result f32) (f32.add (f32.const 1) (f32.const 2))))
           (register "a" $a)
           (module (func (import "a" "g") (result f32)) (export "h" (func 0)))
           (assert_return (invoke "h") (f32.const 3))
           (module definition $d (func))
           (module instance $i $d)
           (assert_invalid (module (func (result i32))) "type mismatch")"#,
    )
    .unwrap();
    let out = runner()
        .args(["--wast", path.to_str().unwrap()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("t.wast: 10 commands, 8 passed, 0 failed, 2 skipped"),
        "{stdout}"
    );
    assert!(
        stdout.contains("skipped 1: `module definition` is not part of WebAssembly 1.0 scripts"),
        "{stdout}"
    );
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let dir = tempdir();
    let garbage = dir.join("garbage.wasm");
    std::fs::write(&garbage, b"\0asm\x01\0\0\0\x01\xff\xff").unwrap();
    for args in [
        vec![
            garbage.to_str().unwrap().to_string(),
            "--invoke".into(),
            "f".into(),
        ],
        vec![bench("fib"), "--invoke".into(), "nope".into()],
        vec![
            bench("fib"),
            "--invoke".into(),
            "bench_fib".into(),
            "x".into(),
        ],
        vec![bench("fib"), "--invoke".into(), "bench_fib".into()],
        vec!["/nonexistent.wasm".into(), "--invoke".into(), "f".into()],
        vec![bench("fib")],
    ] {
        let out = runner().args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn module_errors_are_errors() {
    use offasm_wasm::{Error, Module};
    for bytes in [
        &b""[..],
        b"\0asm",
        b"\0asm\x02\0\0\0",
        b"\0asm\x01\0\0\0\x0a\x04\x01\x02\x00\x0b",
    ] {
        assert!(
            matches!(Module::new(bytes), Err(Error::Invalid(_))),
            "{bytes:?}"
        );
    }
}

fn tempdir() -> std::path::PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "offasm-wasm-cli-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The README's embedding example is examples/embed.rs, verbatim (cargo test
/// builds the example; this keeps the README from drifting).
#[test]
fn readme_shows_the_embedding_example() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let example = std::fs::read_to_string(root.join("examples/embed.rs")).unwrap();
    let readme = std::fs::read_to_string(root.join("../README.md")).unwrap();
    assert!(
        readme.contains(&format!("```rust\n{example}```")),
        "README.md must show runtime/examples/embed.rs verbatim"
    );
}
