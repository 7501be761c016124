//! Runs the `hello` program itself (as `cargo run -p hello` would).

use std::process::{Command, Output};

/// Runs the hello binary, through the emulator named by TEST_RUNNER when
/// the tests themselves run emulated (`cargo test --target
/// aarch64-unknown-linux-gnu`; see .cargo/config.toml).
fn run_hello() -> Output {
    run_hello_with(&[])
}

fn run_hello_with(args: &[&str]) -> Output {
    let exe = env!("CARGO_BIN_EXE_hello");
    let mut cmd = match std::env::var("TEST_RUNNER") {
        Ok(runner) => {
            let mut c = Command::new(runner);
            c.arg(exe);
            c
        }
        Err(_) => Command::new(exe),
    };
    cmd.args(args).env("RUST_BACKTRACE", "1").output().expect("cannot run the hello binary")
}

/// A Rust panic in a callback unwinds through the assembly's frames into
/// `catch_unwind`, and the backtrace taken in the callback reaches `main`
/// (issue 12: unwind tables).
#[test]
fn a_panic_unwinds_through_the_assembly_frames() {
    let out = run_hello_with(&["panic-through"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "hello panic-through failed ({}):\n{stdout}\n{stderr}", out.status);
    for line in ["panic caught: yes", "backtrace passes hello_fold: yes", "backtrace reaches main: yes", "values kept across the panic: intact"] {
        assert!(stdout.lines().any(|l| l == line), "missing `{line}` in:\n{stdout}\n{stderr}");
    }
}

#[test]
fn hello_prints_correct_results() {
    let out = run_hello();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "hello failed ({}):\n{stdout}\n{stderr}", out.status);
    for line in [
        "hello_muladd(6, 7, 8) = 50",
        "hello_sum([1, 2, ..., 10]) = 55",
        "hello_reverse4(1, 2, 3, 4) = 4322",
        "callbacks entered with a misaligned stack: 0",
        "hello: all results correct",
    ] {
        assert!(stdout.lines().any(|l| l == line), "missing `{line}` in:\n{stdout}");
    }
}
