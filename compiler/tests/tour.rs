//! The README's tour (`examples/tour/tour.asm`): the README shows the file
//! itself, and the function it defines, `sum_values(values, count)`, really
//! sums an array on every target: natively on x86-64 Linux, under wine for
//! both Windows triples (linked by mingw-w64 gcc), under qemu-aarch64 for
//! ARM64 Linux, and on the reference simulator under each register map.
//! The maps differ (on ARM64 `r0` is `a0`), which is what the runs check.
//!
//! A missing tool fails the test when `CI=true` and prints a loud SKIP note
//! otherwise (`exec/run.rs`).

#[allow(dead_code)]
#[path = "exec/run.rs"]
mod run;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use offasm::driver::{self, Input, Options};
use offasm::sim::{Env, Simulator};
use offasm::target::Target;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn tour_path() -> PathBuf {
    repo().join("examples/tour/tour.asm")
}

/// The values the C driver and the simulator sum, in prefixes of every length.
const VALUES: [i64; 9] = [3, -5, 1_000_000_007, 42, -1, 1 << 40, 7, i64::MIN / 2, -(1 << 33)];

fn expected(n: usize) -> i64 {
    VALUES[..n].iter().fold(0i64, |a, &v| a.wrapping_add(v))
}

#[test]
fn readme_shows_the_tour_file() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let section = readme.find("## A short tour of the dialect").expect("README has the tour section");
    let rest = &readme[section..];
    let start = rest.find("```\n").expect("a code block in the tour section") + 4;
    let len = rest[start..].find("```\n").expect("the code block ends");
    let shown = &rest[start..start + len];
    let file = std::fs::read_to_string(tour_path()).unwrap();
    assert!(shown == file, "README.md's tour differs from examples/tour/tour.asm:\n--- README\n{shown}\n--- file\n{file}");
}

/// Compiles the tour for `triple`: no diagnostics at all, and the assembly.
fn compile(triple: &str) -> String {
    let out = driver::compile(Input::File(&tour_path()), &Options::new(Target::from_triple(triple).unwrap())).unwrap();
    assert!(out.ok() && out.diags.list.is_empty(), "{triple}:\n{}", out.render_short());
    out.asm.expect("assembly")
}

#[test]
fn tour_compiles_cleanly_on_every_target() {
    for t in Target::supported() {
        let asm = compile(t.triple);
        assert!(asm.contains("sum_values"), "{}", t.triple);
    }
}

#[test]
fn tour_sums_on_the_simulator_under_every_map() {
    const BASE: u64 = 0x0000_6000_0000_0000;
    for triple in ["x86_64-unknown-linux-gnu", "x86_64-pc-windows-msvc", "aarch64-unknown-linux-gnu"] {
        let target = Target::from_triple(triple).unwrap();
        let out = driver::check(Input::File(&tour_path()), &Options::new(target.clone())).unwrap();
        assert!(out.ok(), "{triple}:\n{}", out.render_short());
        let sim = Simulator::new(out.program.as_ref().unwrap(), &target);
        for n in 0..=VALUES.len() {
            let mut env = Env::new();
            env.add_data("values", BASE, VALUES.iter().flat_map(|v| v.to_le_bytes()).collect());
            let r = sim
                .call(&mut env, "sum_values", &[BASE, n as u64])
                .unwrap_or_else(|e| panic!("{triple}: sum_values(values, {n}) stopped: {} {}", e.code, e.message));
            assert_eq!(r.r0 as i64, expected(n), "{triple}: sum_values(values, {n})");
        }
    }
}

/// The C driver: every prefix of VALUES, with the expected sums computed in C.
fn c_driver() -> String {
    let values: Vec<String> = VALUES.iter().map(|v| format!("INT64_C({v})")).collect();
    let values = values.join(", ");
    format!(
        r#"#include <inttypes.h>
#include <stdio.h>

extern int64_t sum_values(const int64_t *values, uint64_t count);

static const int64_t values[] = {{ {values} }};

int main(void) {{
    int failures = 0;
    uint64_t n = sizeof values / sizeof values[0];
    for (uint64_t k = 0; k <= n; k++) {{
        uint64_t want = 0;
        for (uint64_t i = 0; i < k; i++) want += (uint64_t)values[i];
        int64_t got = sum_values(values, k);
        printf("sum_values(values, %" PRIu64 ") = %" PRId64 " (expected %" PRId64 ")\n", k, got, (int64_t)want);
        fflush(stdout);
        if ((uint64_t)got != want) failures++;
    }}
    printf("%s\n", failures ? "FAIL" : "ok");
    return failures != 0;
}}
"#
    )
}

/// Builds the tour for `triple` with `cc` (and `flags`) and the C driver, runs
/// it (through `runner`, if any) and checks every sum.
fn run_tour(triple: &str, cc: &str, flags: &[&str], runner: Option<&str>) {
    let mut tools = vec![cc];
    tools.extend(runner);
    if !run::require_tools(&format!("tour on {triple}"), &tools) {
        return;
    }
    let dir = tempfile::Builder::new().prefix("offasm-tour-").tempdir().unwrap();
    std::fs::write(dir.path().join("tour.S"), compile(triple)).unwrap();
    std::fs::write(dir.path().join("driver.c"), c_driver()).unwrap();
    let mut args = flags.to_vec();
    args.extend(["-O1", "-o", "tour.exe", "driver.c", "tour.S"]);
    run::build(cc, &args, dir.path()).unwrap_or_else(|e| panic!("{triple}: {e}"));
    let exe = dir.path().join("tour.exe").display().to_string();
    let mut cmd = match runner {
        Some(r) => {
            let mut c = Command::new(r);
            c.arg(&exe);
            c
        }
        None => Command::new(&exe),
    };
    cmd.current_dir(dir.path()).env("WINEDEBUG", "-all").env("WINEDLLOVERRIDES", "mscoree,mshtml=");
    // The first wine run may have to create its prefix.
    let o = run::run(&mut cmd, Duration::from_secs(300)).unwrap_or_else(|e| panic!("{triple}: cannot run {exe}: {e}"));
    let lines: Vec<&str> = o.stdout.lines().collect();
    let status = match (o.status, o.timed_out) {
        (_, true) => "timed out".to_string(),
        (Some(c), _) => format!("exit status {c}"),
        (None, _) => "killed by a signal".to_string(),
    };
    let report = format!("{triple}: {status}\n{}\n{}", o.stdout, o.stderr);
    assert!(o.status == Some(0) && lines.last() == Some(&"ok"), "{report}");
    for n in 0..=VALUES.len() {
        let line = format!("sum_values(values, {n}) = {} (expected {})", expected(n), expected(n));
        assert!(lines.contains(&line.as_str()), "missing `{line}`\n{report}");
    }
}

#[test]
fn tour_runs_natively_on_x86_64_linux() {
    run_tour("x86_64-unknown-linux-gnu", "gcc", &[], None);
}

#[test]
fn tour_runs_under_wine_windows_gnu() {
    run_tour("x86_64-pc-windows-gnu", "x86_64-w64-mingw32-gcc", &[], Some("wine"));
}

#[test]
fn tour_runs_under_wine_windows_msvc() {
    run_tour("x86_64-pc-windows-msvc", "x86_64-w64-mingw32-gcc", &[], Some("wine"));
}

#[test]
fn tour_runs_under_qemu_aarch64() {
    run_tour("aarch64-unknown-linux-gnu", "aarch64-linux-gnu-gcc", &["-static"], Some("qemu-aarch64"));
}
