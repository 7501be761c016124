//! Cross-target execution tests.
//!
//! Every file of `tests/corpus/*.asm` is compiled by offasm for each target,
//! linked with a generated C driver (exec/cdriver.rs) that calls each
//! function named by a `# test` line (exec/corpus.rs) through a trampoline
//! checking callee-saved registers, and run:
//!
//! | target                      | how                                                    |
//! |-----------------------------|--------------------------------------------------------|
//! | x86_64-unknown-linux-gnu    | `gcc driver.c tramp.S test.S`, run natively            |
//! | x86_64-pc-windows-gnu       | `x86_64-w64-mingw32-gcc …`, run under `wine`           |
//! | x86_64-apple-darwin         | assembled only: `llvm-mc -triple=x86_64-apple-macos11` |
//! | aarch64-unknown-linux-gnu   | `aarch64-linux-gnu-gcc -static …`, run under `qemu-aarch64` |
//! | aarch64-apple-darwin        | assembled only: `llvm-mc -triple=arm64-apple-macos11`  |
//!
//! The fourth executor is the reference simulator (`offasm::sim`), which
//! runs the whole corpus under the System V, Windows and ARM64 register maps
//! (`sim_*`). `differential_random_programs` generates random programs from
//! the instruction table (exec/random.rs) and runs them on all four
//! executors; disagreements are minimised into reproducers.
//!
//! One `#[test]` per target runs every corpus file and reports all failures
//! at once (the full report, with the source and the generated assembly of
//! each failing function, is written to `target/tmp/exec-<triple>.txt`).
//! A missing tool fails the test when `CI=true` and prints a loud SKIP note
//! otherwise. Environment: `OFFASM_EXEC_FILTER=<substring>` selects corpus
//! files; `OFFASM_EXEC_KEEP=1` keeps the build directories.
//!
//! The page-boundary oracle (`page_edge_*`, exec/edge.rs) runs every
//! memory-operand form of the instruction table, at every width, with the
//! operand at the very end of a page followed by an inaccessible page and at
//! the start of a page preceded by one, on the three executors that run
//! code, with the simulator (mapping only the operand's bytes) computing the
//! expected values: an access wider than its operand faults and is reported.
//!
//! Further tests: the corpus executes every instruction available on x86
//! and on ARM64 (`corpus_covers_every_*_instruction`), test lines are well
//! formed and name exported functions, generated corpus files are up to
//! date, the output is deterministic, output with line information (`-g`)
//! assembles, and the harness itself detects wrong results, clobbered
//! registers, crashes and hangs (`harness_selftest_*`).

#[path = "exec/cdriver.rs"]
mod cdriver;
#[path = "exec/corpus.rs"]
mod corpus;
#[path = "exec/edge.rs"]
mod edge;
#[path = "exec/random.rs"]
mod random;
#[path = "exec/run.rs"]
mod run;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use cdriver::Abi;
use corpus::{CorpusFile, Edge, Expect, Family, Only, TestCase};
use offasm::driver::{self, Input, Options};
use offasm::target::{Arch, Target};
use offasm::valid::Item;
use run::{loud, require_tools, Event, Launcher};

/// The ARM64 back end is not written yet. Its execution tests (qemu for
/// Linux, llvm-mc for Apple) are prepared below and switched on here.
const ARM64_BACKEND_READY: bool = true;

/// Seconds without progress after which the driver reports a hang.
const HANG_SECONDS: u32 = 10;

#[derive(Copy, Clone, Debug)]
enum Mode {
    Native,
    Wine,
    Qemu,
    /// Under qemu-aarch64 `-cpu max` with BTI enforced: the corpus compiled
    /// with `--cf-protection` into a shared library (which the dynamic
    /// loader maps with guarded pages; the static C library has no landing
    /// pads, so a static binary cannot be used), called by the driver.
    QemuBti,
    /// Assemble only, with this llvm-mc triple.
    AssembleMachO(&'static str),
}

#[derive(Copy, Clone, Debug)]
struct Spec {
    triple: &'static str,
    family: Family,
    mode: Mode,
}

const LINUX_X86: Spec = Spec { triple: "x86_64-unknown-linux-gnu", family: Family::SysV, mode: Mode::Native };
const WINDOWS_X86: Spec = Spec { triple: "x86_64-pc-windows-gnu", family: Family::Win64, mode: Mode::Wine };
const MACOS_X86: Spec =
    Spec { triple: "x86_64-apple-darwin", family: Family::SysV, mode: Mode::AssembleMachO("x86_64-apple-macos11") };
const LINUX_ARM64: Spec = Spec { triple: "aarch64-unknown-linux-gnu", family: Family::Arm64, mode: Mode::Qemu };
const LINUX_ARM64_BTI: Spec = Spec { triple: "aarch64-unknown-linux-gnu", family: Family::Arm64, mode: Mode::QemuBti };
const APPLE_ARM64: Spec =
    Spec { triple: "aarch64-apple-darwin", family: Family::Arm64, mode: Mode::AssembleMachO("arm64-apple-macos11") };
const ALL_TARGETS: [Spec; 5] = [LINUX_X86, WINDOWS_X86, MACOS_X86, LINUX_ARM64, APPLE_ARM64];

impl Spec {
    fn abi(&self) -> Abi {
        match self.mode {
            Mode::Native => Abi::SysV,
            Mode::Wine => Abi::Win64,
            Mode::Qemu | Mode::QemuBti => Abi::Aapcs64,
            Mode::AssembleMachO(_) => unreachable!("Mach-O targets are only assembled"),
        }
    }
    fn tools(&self) -> Vec<&'static str> {
        match self.mode {
            Mode::Native => vec!["gcc"],
            Mode::Wine => vec!["x86_64-w64-mingw32-gcc", "wine"],
            Mode::Qemu | Mode::QemuBti => vec!["aarch64-linux-gnu-gcc", "qemu-aarch64"],
            Mode::AssembleMachO(_) => vec!["llvm-mc"],
        }
    }
    fn compiler(&self) -> &'static str {
        self.tools()[0]
    }
    fn launcher(&self, exe: &Path) -> Launcher {
        let exe = exe.display().to_string();
        match self.mode {
            Mode::Native => {
                Launcher { program: exe, prefix_args: vec![], env: vec![], timeout: Duration::from_secs(120) }
            }
            Mode::Wine => Launcher {
                program: "wine".into(),
                prefix_args: vec![exe],
                env: vec![("WINEDEBUG".into(), "-all".into()), ("WINEDLLOVERRIDES".into(), "mscoree,mshtml=".into())],
                // The first run may have to create the wine prefix.
                timeout: Duration::from_secs(300),
            },
            Mode::Qemu => Launcher {
                program: "qemu-aarch64".into(),
                prefix_args: vec![exe],
                env: vec![],
                timeout: Duration::from_secs(300),
            },
            Mode::QemuBti => Launcher {
                program: "qemu-aarch64".into(),
                // The driver runs in its directory, where libtest.so is.
                prefix_args: ["-cpu", "max", "-L", "/usr/aarch64-linux-gnu", "-E", "LD_LIBRARY_PATH=."].map(String::from).into_iter().chain([exe]).collect(),
                env: vec![],
                timeout: Duration::from_secs(300),
            },
            Mode::AssembleMachO(_) => unreachable!(),
        }
    }
    fn exe_name(&self) -> &'static str {
        if matches!(self.mode, Mode::Wine) {
            "t.exe"
        } else {
            "t"
        }
    }
    /// Symbol of a test function in the assembly (Mach-O prefixes `_`).
    fn symbol(&self, func: &str) -> String {
        if matches!(self.mode, Mode::AssembleMachO(_)) {
            format!("_{func}")
        } else {
            func.to_string()
        }
    }
}

/// The back ends are under test here, with programs that break the C ABI on
/// purpose (the harness self-tests, random programs): the cross-target
/// checks are off. (`hazards.rs` shows the corpus itself has no finding.)
fn options(triple: &str) -> Options {
    let mut o = Options::new(Target::from_triple(triple).unwrap());
    o.hazard_checks = false;
    o
}

/// A corpus file compiled for `spec` (with landing pads for enforced BTI).
fn compile_for(spec: &Spec, path: &Path) -> Result<String, String> {
    let mut opts = options(spec.triple);
    opts.cf_protection = matches!(spec.mode, Mode::QemuBti);
    let out = driver::compile(Input::File(path), &opts).map_err(|e| e.to_string())?;
    if !out.ok() {
        return Err(out.render_short());
    }
    out.asm.ok_or_else(|| "compilation succeeded but produced no assembly".to_string())
}

/// Compiles a corpus file with the offasm library.
fn compile(path: &Path, triple: &str) -> Result<String, String> {
    let out = driver::compile(Input::File(path), &options(triple)).map_err(|e| e.to_string())?;
    if !out.ok() {
        return Err(out.render_short());
    }
    out.asm.ok_or_else(|| "compilation succeeded but produced no assembly".to_string())
}

fn compile_text(text: &str, triple: &str) -> Result<String, String> {
    let out =
        driver::compile(Input::Text { path: Path::new("selftest.asm"), text: text.to_string() }, &options(triple))
            .map_err(|e| e.to_string())?;
    if !out.ok() {
        return Err(out.render_short());
    }
    out.asm.ok_or_else(|| "compilation succeeded but produced no assembly".to_string())
}

fn work_dir() -> tempfile::TempDir {
    tempfile::Builder::new().prefix("offasm-exec-").tempdir().expect("temporary directory")
}

fn keep(dir: tempfile::TempDir) -> Option<PathBuf> {
    if std::env::var("OFFASM_EXEC_KEEP").is_ok_and(|v| !v.is_empty() && v != "0") {
        Some(dir.keep())
    } else {
        None
    }
}

/// Builds and runs the driver for `tests` against the assembly `asm`.
/// Returns the events, or Err for a build failure.
fn execute(spec: &Spec, dir: &Path, asm: &str, tests: &[&TestCase], hang: u32) -> Result<Vec<Event>, String> {
    execute_restarts(spec, dir, asm, tests, hang, 60)
}

/// `execute`, restarting the driver after at most `restarts` crashes.
fn execute_restarts(
    spec: &Spec,
    dir: &Path,
    asm: &str,
    tests: &[&TestCase],
    hang: u32,
    restarts: usize,
) -> Result<Vec<Event>, String> {
    let abi = spec.abi();
    std::fs::write(dir.join("test.S"), asm).unwrap();
    std::fs::write(dir.join("tramp.S"), cdriver::trampoline(abi)).unwrap();
    std::fs::write(dir.join("driver.c"), cdriver::driver(abi, tests, hang)).unwrap();
    let mut args = vec!["-w", "-o", spec.exe_name(), "driver.c", "tramp.S", "test.S"];
    if matches!(spec.mode, Mode::Qemu) {
        args.insert(0, "-static");
    }
    if matches!(spec.mode, Mode::QemuBti) {
        // The tested code in a shared library of its own (exported with
        // default visibility), its BTI note from offasm; the driver exports
        // the symbols the corpus uses (`-rdynamic`).
        let shared: String = asm.lines().filter(|l| !l.starts_with("\t.hidden")).map(|l| format!("{l}\n")).collect();
        std::fs::write(dir.join("test.S"), shared).unwrap();
        // Bound as in one executable: the library's references to its own
        // symbols stay inside it (-Bsymbolic), and symbols are resolved at
        // load time (-z now), not by a lazy-binding resolver between a call
        // and its callee.
        run::build(spec.compiler(), &["-shared", "-nostartfiles", "-nostdlib", "-Wl,-Bsymbolic", "-Wl,-z,now", "-o", "libtest.so", "test.S"], dir)?;
        args = vec!["-w", "-rdynamic", "-Wl,-z,now", "-o", spec.exe_name(), "driver.c", "tramp.S", "-L.", "-ltest"];
    }
    run::build(spec.compiler(), &args, dir)?;
    Ok(run::run_driver_restarts(&spec.launcher(&dir.join(spec.exe_name())), dir, tests.len(), restarts))
}

// ---------------------------------------------------------------------------
// Reports

#[derive(Default)]
struct Report {
    /// Failures per (file, function): descriptions of the failing calls.
    by_func: BTreeMap<(String, String), Vec<String>>,
    /// Failures that concern a whole file (compile, build, run).
    file_errors: Vec<String>,
    details: String,
    ntests: usize,
    nfiles: usize,
    nfail: usize,
}

impl Report {
    fn file_error(&mut self, file: &str, what: &str, msg: &str) {
        let short: String = msg.lines().take(12).collect::<Vec<_>>().join("\n    ");
        self.file_errors.push(format!("{file}: {what}:\n    {short}"));
        let _ = writeln!(self.details, "==== {file}: {what}\n{msg}\n");
    }

    fn test_failure(&mut self, file: &CorpusFile, t: &TestCase, msg: String) {
        self.nfail += 1;
        self.by_func.entry((file.name.clone(), t.func.clone())).or_default().push(format!(
            "{}:{}: {} {msg}",
            file.name,
            t.line,
            t.call_text()
        ));
    }

    fn record(&mut self, spec: &Spec, file: &CorpusFile, tests: &[&TestCase], events: &[Event], asm: &str) {
        let slots = cdriver::slots(spec.abi());
        let before: BTreeSet<(String, String)> = self.by_func.keys().cloned().collect();
        for e in events {
            match e {
                Event::Wrong { index, got } => {
                    let t = tests[*index];
                    self.test_failure(file, t, format!("= {}, got {}", t.expect, corpus::show(*got)));
                }
                Event::Clobber { index, slot, value } => {
                    let t = tests[*index];
                    let s = &slots[*slot];
                    self.test_failure(
                        file,
                        t,
                        format!("clobbered {} (must be preserved; now {:#x}, was {:#x})", s.name, value, s.magic),
                    );
                }
                Event::Crash { index, code } => {
                    let t = tests[*index];
                    self.test_failure(file, t, format!("crashed (signal/exception {code})"));
                }
                Event::Hang { index } => {
                    let t = tests[*index];
                    self.test_failure(file, t, "hangs (no progress)".to_string());
                }
                Event::Died { index, detail } => {
                    let t = tests[*index];
                    self.test_failure(file, t, format!("killed the test process ({detail})"));
                }
                Event::Broken { detail } => self.file_error(&file.name, "run", detail),
            }
        }
        // Details for newly failing functions: dialect source and generated code.
        for key in self.by_func.keys().filter(|k| !before.contains(*k)).cloned().collect::<Vec<_>>() {
            let calls = &self.by_func[&key];
            let _ = writeln!(self.details, "==== {} {} ({} failing calls)", key.0, key.1, calls.len());
            for c in calls.iter().take(20) {
                let _ = writeln!(self.details, "  {c}");
            }
            if let Some(src) = file.function_source(&key.1) {
                let _ = writeln!(self.details, "-- source:\n{src}");
            }
            if let Some(code) = asm_snippet(asm, &spec.symbol(&key.1)) {
                let _ = writeln!(self.details, "-- generated:\n{code}");
            }
        }
    }

    /// Panics with a summary if anything failed; writes the full report.
    fn finish(self, what: &str) {
        let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("exec-{what}.txt"));
        let mut summary = String::new();
        for e in &self.file_errors {
            let _ = writeln!(summary, "  {e}");
        }
        for ((_, func), calls) in &self.by_func {
            let _ = writeln!(summary, "  {} — {} failing call(s), e.g.", func, calls.len());
            for c in calls.iter().take(3) {
                let _ = writeln!(summary, "      {c}");
            }
        }
        let head = format!(
            "{what}: {} corpus file(s), {} test(s): {} failing test(s) in {} function(s), {} file-level error(s)",
            self.nfiles,
            self.ntests,
            self.nfail,
            self.by_func.len(),
            self.file_errors.len()
        );
        let _ = std::fs::write(&path, format!("{head}\n\n{summary}\n\nDETAILS\n\n{}", self.details));
        if self.nfail > 0 || !self.file_errors.is_empty() {
            let mut lines: Vec<&str> = summary.lines().collect();
            let total = lines.len();
            lines.truncate(400);
            panic!(
                "{head}\n{}{}\nfull report (source and generated code of each failing function): {}",
                lines.join("\n"),
                if total > 400 { format!("\n  … {} more lines in the report", total - 400) } else { String::new() },
                path.display()
            );
        }
        eprintln!("{head}");
    }
}

/// The generated code of one function: from its label to the next symbol.
fn asm_snippet(asm: &str, sym: &str) -> Option<String> {
    let lines: Vec<&str> = asm.lines().collect();
    let start = lines.iter().position(|l| l.trim_end() == format!("{sym}:"))?;
    let mut out = String::new();
    for (n, l) in lines[start..].iter().enumerate() {
        let t = l.trim();
        if n > 0 {
            let new_symbol =
                !l.starts_with(char::is_whitespace) && t.ends_with(':') && !t.starts_with(".L") && !t.starts_with('L');
            if new_symbol || t.starts_with(".globl") || t.starts_with(".size") || t.starts_with(".def") {
                break;
            }
        }
        if n >= 80 {
            out.push_str("\t…\n");
            break;
        }
        out.push_str(l);
        out.push('\n');
    }
    Some(out)
}

// ---------------------------------------------------------------------------
// Per-target execution

fn exec_target(spec: Spec) {
    let what = spec.triple;
    if spec.family == Family::Arm64 && !ARM64_BACKEND_READY {
        loud(&format!(
            "DISABLED {what}: the ARM64 back end does not exist yet (ARM64_BACKEND_READY = false in compiler/tests/exec.rs).\n\
             The corpus is checked for this target by the front end only (corpus_test_lines_are_well_formed)."
        ));
        return;
    }
    if !require_tools(what, &spec.tools()) {
        return;
    }
    let files = corpus::load_corpus();
    assert!(!files.is_empty(), "no corpus files in {}", corpus::corpus_dir().display());
    let mut report = Report::default();
    for f in &files {
        report.nfiles += 1;
        let tests: Vec<&TestCase> = f.tests.iter().filter(|t| t.applies_to(spec.family)).collect();
        report.ntests += tests.len();
        let asm = match compile_for(&spec, &f.path) {
            Ok(a) => a,
            Err(e) => {
                report.nfail += tests.len();
                report.file_error(&f.name, "offasm compile failed", &e);
                continue;
            }
        };
        let dir = work_dir();
        match spec.mode {
            Mode::AssembleMachO(mc_triple) => {
                assemble_macho(&spec, mc_triple, f, &tests, &asm, dir.path(), &mut report)
            }
            _ => match execute(&spec, dir.path(), &asm, &tests, HANG_SECONDS) {
                Ok(events) => report.record(&spec, f, &tests, &events, &asm),
                Err(e) => {
                    report.nfail += tests.len();
                    report.file_error(&f.name, "build failed", &e);
                }
            },
        }
        if let Some(p) = keep(dir) {
            eprintln!("{}: kept {}", f.name, p.display());
        }
    }
    report.finish(what);
}

fn assemble_macho(
    spec: &Spec,
    mc_triple: &str,
    f: &CorpusFile,
    tests: &[&TestCase],
    asm: &str,
    dir: &Path,
    report: &mut Report,
) {
    std::fs::write(dir.join("test.S"), asm).unwrap();
    let triple_arg = format!("-triple={mc_triple}");
    if let Err(e) = run::build("llvm-mc", &[&triple_arg, "-filetype=obj", "test.S", "-o", "t.o"], dir) {
        report.nfail += tests.len();
        report.file_error(&f.name, "llvm-mc rejected the Mach-O assembly", &e);
        return;
    }
    // Every tested function must be a defined symbol of the object.
    if run::find_tool("llvm-nm").is_none() {
        return;
    }
    let out = run::run(Command::new("llvm-nm").arg("t.o").current_dir(dir), Duration::from_secs(60));
    let Ok(out) = out else { return };
    let defined: BTreeSet<String> = out
        .stdout
        .lines()
        .filter_map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            (w.len() == 3 && w[1] != "U").then(|| w[2].to_string())
        })
        .collect();
    let mut missing = BTreeSet::new();
    for t in tests {
        let sym = spec.symbol(&t.func);
        if !defined.contains(&sym) && missing.insert(sym.clone()) {
            report.test_failure(f, t, format!("symbol {sym} is not defined in the Mach-O object"));
        }
    }
}

#[test]
fn exec_x86_64_linux() {
    exec_target(LINUX_X86);
}

#[test]
fn exec_x86_64_windows() {
    exec_target(WINDOWS_X86);
}

#[test]
fn exec_x86_64_macos_assemble() {
    exec_target(MACOS_X86);
}

#[test]
fn exec_aarch64_linux() {
    exec_target(LINUX_ARM64);
}

/// The corpus with landing pads, under enforced BTI (docs/hardening.md).
#[test]
fn exec_aarch64_linux_bti() {
    exec_target(LINUX_ARM64_BTI);
}

#[test]
fn exec_aarch64_apple_assemble() {
    exec_target(APPLE_ARM64);
}

// ---------------------------------------------------------------------------
// The fourth executor: the reference simulator (offasm::sim)

/// The simulator's environment for corpus functions: a stack, and the
/// symbols the C driver provides (`oa_ext_data`, `oa_ext_fn`).
fn sim_env() -> offasm::sim::Env {
    let mut env = offasm::sim::Env::new();
    let bytes: Vec<u8> = cdriver::EXT_DATA.iter().flat_map(|v| v.to_le_bytes()).collect();
    env.add_data("_oa_ext_data", 0x0000_6000_0000_0000, bytes);
    env.add_function("_oa_ext_fn", |a| a[0].wrapping_mul(3).wrapping_add(a[1]));
    env.max_steps = 10_000_000;
    env
}

/// Runs every corpus test that applies to `spec`'s family on the simulator
/// under `spec`'s register map; every result must be the expected value
/// (and therefore agree with the native, wine and qemu runs, which are held
/// to the same values).
fn sim_target(spec: Spec) {
    let files = corpus::load_corpus();
    let mut report = Report::default();
    let target = Target::from_triple(spec.triple).unwrap();
    for f in &files {
        report.nfiles += 1;
        let tests: Vec<&TestCase> = f.tests.iter().filter(|t| t.applies_to(spec.family)).collect();
        report.ntests += tests.len();
        let out = driver::check(Input::File(&f.path), &options(spec.triple)).unwrap();
        let Some(program) = out.program.as_ref().filter(|_| out.ok()) else {
            report.nfail += tests.len();
            report.file_error(&f.name, "offasm check failed", &out.render_short());
            continue;
        };
        let sim = offasm::sim::Simulator::new(program, &target);
        for t in &tests {
            let mut env = sim_env();
            let mut args = t.args.clone();
            if t.buffer {
                args[0] = env.add_test_buffer();
            }
            match sim.call(&mut env, &format!("_{}", t.func), &args) {
                Ok(mut r) => {
                    if let Some(b) = env.test_buffer_contents() {
                        r.r0 ^= offasm::sim::fnv1a64(b);
                    }
                    let ok = match (r.nan, t.expect) {
                        (Some(64), Expect::Nan64) | (Some(32), Expect::Nan32) => true,
                        (Some(bits), _) => {
                            report.test_failure(f, t, format!("= {}, got some binary{bits} NaN", t.expect));
                            continue;
                        }
                        (None, e) => e.matches(r.r0),
                    };
                    if !ok {
                        report.test_failure(f, t, format!("= {}, got {}", t.expect, corpus::show(r.r0)));
                    }
                }
                Err(e) => {
                    let d = e.to_diagnostic(offasm::source::Span::default());
                    report.test_failure(f, t, format!("simulator error: {}", d.render_short(&out.map).trim_end()));
                }
            }
        }
    }
    report.finish(&format!("sim-{}", spec.triple));
}

#[test]
fn sim_x86_64_linux() {
    sim_target(LINUX_X86);
}

#[test]
fn sim_x86_64_windows() {
    sim_target(WINDOWS_X86);
}

#[test]
fn sim_aarch64_linux() {
    sim_target(LINUX_ARM64);
}

/// Apple ARM64 also runs the TLS tests, which cannot run on Linux.
#[test]
fn sim_aarch64_apple() {
    sim_target(APPLE_ARM64);
}

// ---------------------------------------------------------------------------
// Differential testing with random programs (exec/random.rs)

/// The three executors that run code, and the simulator under each one's
/// register map.
const RUNNERS: [Spec; 3] = [LINUX_X86, WINDOWS_X86, LINUX_ARM64];

/// What the simulator says a random program computes on `spec`'s target:
/// `Ok(r0 ^ fnv1a64(buffer))`, or the simulator's complaint.
fn sim_random(sim: &offasm::sim::Simulator, p: &random::RandomProgram) -> Result<u64, String> {
    let mut env = sim_env();
    let mut args = p.args();
    args[0] = env.add_test_buffer();
    match sim.call(&mut env, &format!("_{}", p.name), &args) {
        Ok(r) if r.nan.is_none() => Ok(r.r0 ^ offasm::sim::fnv1a64(env.test_buffer_contents().unwrap())),
        Ok(_) => Err("sim-nan-result".into()),
        // Grouped by kind: the code and the message without its numbers.
        Err(e) => {
            let words: Vec<&str> = e.message.split_whitespace().filter(|w| !w.starts_with(|c: char| c.is_ascii_digit() || c == '-')).take(6).collect();
            Err(format!("{}: {}", e.code, words.join(" ")))
        }
    }
}

fn random_test_case(p: &random::RandomProgram, expect: u64) -> TestCase {
    TestCase { func: p.name.clone(), args: p.args(), expect: Expect::Exact(expect), only: None, line: 0, buffer: true, edge: None }
}

/// Runs `programs` (all valid) on the simulator under every runner's map and
/// on every runner; returns the programs kept (the simulator defined their
/// result), the disagreements as (program index, runner, message), and the
/// count of programs the simulator set aside, by reason.
/// A disagreement: (program index, runner, what differed).
type Disagreement = (usize, Spec, String);

fn run_random_batch(
    programs: &[random::RandomProgram],
    runners: &[Spec],
) -> (usize, Vec<Disagreement>, BTreeMap<String, usize>) {
    let text: String = programs.iter().map(|p| p.text()).collect();
    let mut expected: Vec<Option<u64>> = vec![None; programs.len()];
    let mut set_aside: BTreeMap<String, usize> = BTreeMap::new();
    let mut disagreements = Vec::new();
    let mut sim_values: Vec<Vec<Result<u64, String>>> = Vec::new();
    let t0 = std::time::Instant::now();
    for spec in runners {
        let out = driver::check(Input::Text { path: Path::new("random.asm"), text: text.clone() }, &options(spec.triple))
            .unwrap();
        assert!(out.ok(), "generated programs do not check for {}:\n{}", spec.triple, out.render_short());
        let program = out.program.unwrap();
        let sim = offasm::sim::Simulator::new(&program, &Target::from_triple(spec.triple).unwrap());
        sim_values.push(programs.iter().map(|p| sim_random(&sim, p)).collect());
    }
    for (k, _) in programs.iter().enumerate() {
        let values: Vec<&Result<u64, String>> = sim_values.iter().map(|v| &v[k]).collect();
        match values[0] {
            Ok(v) => {
                // A portable program: the simulator agrees with itself on every map.
                for (spec, other) in runners.iter().zip(&values).skip(1) {
                    if *other != values[0] {
                        disagreements.push((k, *spec, format!("simulator: {other:?} here, {:#x} on {}", v, runners[0].triple)));
                    }
                }
                expected[k] = Some(*v);
            }
            Err(why) => *set_aside.entry(why.clone()).or_default() += 1,
        }
    }
    let kept: Vec<usize> = (0..programs.len()).filter(|&k| expected[k].is_some()).collect();
    if std::env::var_os("OFFASM_DIFF_TIMING").is_some() {
        eprintln!("  check + simulate: {:.2} s", t0.elapsed().as_secs_f64());
    }
    for spec in runners {
        let t1 = std::time::Instant::now();
        // Programs whose assembly the target's toolchain rejects are
        // disagreements too; they are reported and the rest is rebuilt.
        let mut rejected: BTreeSet<usize> = BTreeSet::new();
        for _attempt in 0..5 {
            let live: Vec<usize> = kept.iter().copied().filter(|k| !rejected.contains(k)).collect();
            let text: String = live.iter().map(|&k| programs[k].text()).collect();
            let tests: Vec<TestCase> = live.iter().map(|&k| random_test_case(&programs[k], expected[k].unwrap())).collect();
            let test_refs: Vec<&TestCase> = tests.iter().collect();
            let asm = compile_text(&text, spec.triple).unwrap_or_else(|e| panic!("{}: {e}", spec.triple));
            if std::env::var_os("OFFASM_DIFF_TIMING").is_some() {
                eprintln!("  {} compile: {:.2} s", spec.triple, t1.elapsed().as_secs_f64());
            }
            let dir = work_dir();
            let result = execute(spec, dir.path(), &asm, &test_refs, HANG_SECONDS);
            if std::env::var_os("OFFASM_DIFF_TIMING").is_some() {
                eprintln!("  {} build + run: {:.2} s", spec.triple, t1.elapsed().as_secs_f64());
            }
            match result {
                Ok(events) => {
                    for e in events {
                        let (index, msg) = match e {
                            Event::Wrong { index, got } => {
                                (index, format!("got {got:#x}, simulator {:#x}", tests[index].expect_value()))
                            }
                            Event::Clobber { index, slot, value } => {
                                (index, format!("clobbered callee-saved slot {slot} ({value:#x})"))
                            }
                            Event::Crash { index, code } => (index, format!("crashed ({code})")),
                            Event::Hang { index } => (index, "hangs".to_string()),
                            Event::Died { index, detail } => (index, format!("died ({detail})")),
                            Event::Broken { detail } => panic!("{}: the driver run broke: {detail}", spec.triple),
                        };
                        disagreements.push((live[index], *spec, msg));
                    }
                    keep(dir);
                    break;
                }
                Err(e) => {
                    let culprits = functions_at_error_lines(&asm, &e);
                    assert!(!culprits.is_empty(), "{}: building the random programs failed: {e}", spec.triple);
                    for name in culprits {
                        if let Some(&k) = live.iter().find(|&&k| programs[k].name == name) {
                            let first = e.lines().find(|l| l.contains("Error")).unwrap_or("").trim().to_string();
                            disagreements.push((k, *spec, format!("the assembler rejects the output: {first}")));
                            rejected.insert(k);
                        }
                    }
                }
            }
        }
    }
    (kept.len(), disagreements, set_aside)
}

/// The functions (C names) containing the `test.S:LINE:` lines of an
/// assembler's error output.
fn functions_at_error_lines(asm: &str, errors: &str) -> BTreeSet<String> {
    let lines: Vec<&str> = asm.lines().collect();
    let mut out = BTreeSet::new();
    for l in errors.lines() {
        let Some(rest) = l.split("test.S:").nth(1) else { continue };
        let Some(n) = rest.split(':').next().and_then(|n| n.parse::<usize>().ok()) else { continue };
        let found = lines[..n.min(lines.len())].iter().rev().find_map(|l| {
            let t = l.trim_end();
            let name = t.strip_suffix(':')?;
            (!l.starts_with(char::is_whitespace) && name.starts_with("rp_")).then(|| name.to_string())
        });
        out.extend(found);
    }
    out
}

/// Disagreements minimised per run; the rest are listed.
const MAX_REPRODUCERS: usize = 4;
/// Builds and runs one minimisation may spend.
const MAX_MINIMISE_STEPS: usize = 150;

/// Whether `p` still disagrees on `spec` (for minimising).
fn still_disagrees(p: &random::RandomProgram, spec: &Spec) -> bool {
    let text = p.text();
    let out = driver::check(Input::Text { path: Path::new("random.asm"), text: text.clone() }, &options(spec.triple)).unwrap();
    let Some(program) = out.program.filter(|_| out.diags.list.iter().all(|d| !d.is_error())) else { return false };
    let sim = offasm::sim::Simulator::new(&program, &Target::from_triple(spec.triple).unwrap());
    let Ok(v) = sim_random(&sim, p) else { return false };
    let Ok(asm) = compile_text(&text, spec.triple) else { return false };
    let dir = work_dir();
    let t = random_test_case(p, v);
    match execute(spec, dir.path(), &asm, &[&t], HANG_SECONDS) {
        Ok(events) => !events.is_empty(),
        // The assembler rejecting the output is the disagreement being minimised.
        Err(e) => !functions_at_error_lines(&asm, &e).is_empty(),
    }
}

/// Removes body lines while `still_fails` holds (delta debugging: chunks of
/// half the body, then quarters, … single lines), within a step budget.
fn minimise(p: &random::RandomProgram, still_fails: impl Fn(&random::RandomProgram) -> bool) -> random::RandomProgram {
    let mut cur = p.clone();
    let mut chunk = cur.body.len().div_ceil(2).max(1);
    let mut attempts = 0;
    while attempts < MAX_MINIMISE_STEPS {
        let mut start = 0;
        let mut removed_any = false;
        while start < cur.body.len() && attempts < MAX_MINIMISE_STEPS {
            let drop: BTreeSet<usize> = (start..(start + chunk).min(cur.body.len())).collect();
            let candidate = cur.without(&drop);
            attempts += 1;
            if still_fails(&candidate) {
                cur = candidate;
                removed_any = true;
            } else {
                start += chunk;
            }
        }
        if chunk == 1 && !removed_any {
            break;
        }
        chunk = (chunk / 2).max(1);
    }
    cur
}

#[test]
fn minimise_keeps_only_what_the_failure_needs() {
    let p = random::generate(7, 3, 40);
    let culprit = p.body.iter().rposition(|l| matches!(l, random::Line::Instr(_))).unwrap();
    let line = p.body[culprit].clone();
    let min = minimise(&p, |c| c.body.contains(&line));
    assert_eq!(min.body, vec![line], "from {} lines", p.body.len());
    // Nothing can be removed: the program is kept whole.
    let whole = minimise(&p, |c| c.body.len() == p.body.len());
    assert_eq!(whole.body, p.body);
}

/// Minimises a disagreement of `p` on `spec` and writes a self-contained
/// reproducer; returns its path.
fn minimise_and_write(p: &random::RandomProgram, spec: &Spec, msg: &str) -> PathBuf {
    let cur = minimise(p, |c| still_disagrees(c, spec));
    let out = driver::check(Input::Text { path: Path::new("random.asm"), text: cur.text() }, &options(spec.triple)).unwrap();
    let sim_value = out
        .program
        .as_ref()
        .map(|prog| sim_random(&offasm::sim::Simulator::new(prog, &Target::from_triple(spec.triple).unwrap()), &cur));
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("difftest");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{}-{}.asm", cur.name, spec.triple));
    let [a1, a2, a3] = cur.inputs;
    let expect = match sim_value {
        Some(Ok(v)) => corpus::show(v),
        other => format!("? ({other:?})"),
    };
    let text = format!(
        "# Reproducer found by differential_random_programs (compiler/tests/exec.rs), minimised\n\
         # from {} body lines to {}. Disagreement on {}: {msg}\n\
         # The value is r0 ^ fnv1a64(buffer); the simulator shows it with\n\
         #   offasm sim {} --target {} --call {} --buffer -- {a1:#x} {a2:#x} {a3:#x}\n\
         # Copy into tests/corpus/ to keep it as a regression test.\n\
         # test: {}(buf, {}, {}, {}) = {expect}\n{}",
        p.body.len(),
        cur.body.len(),
        spec.triple,
        path.file_name().unwrap().to_string_lossy(),
        spec.triple,
        cur.name,
        cur.name,
        corpus::show(a1),
        corpus::show(a2),
        corpus::show(a3),
        cur.text()
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// Random programs on all four executors: the simulator (under each
/// target's register map) and x86-64 Linux, Windows (wine) and ARM64 Linux
/// (qemu); Mach-O output of every batch is assembled for both
/// architectures. Any disagreement is minimised and written out as a
/// reproducer under target/tmp/difftest/.
///
/// OFFASM_DIFF_PROGRAMS (default 3000), OFFASM_DIFF_SEED (default 1),
/// OFFASM_DIFF_BATCH (programs per build, default 1000), OFFASM_DIFF_LEN
/// (instructions per program, default 40).
#[test]
fn differential_random_programs() {
    let var = |name: &str, default: u64| -> u64 {
        std::env::var(name).ok().filter(|s| !s.is_empty()).map(|s| s.parse().expect(name)).unwrap_or(default)
    };
    let (count, seed, batch, len) = (
        var("OFFASM_DIFF_PROGRAMS", 3000),
        var("OFFASM_DIFF_SEED", 1),
        var("OFFASM_DIFF_BATCH", 1000).max(1),
        var("OFFASM_DIFF_LEN", 40) as usize,
    );
    let mut runners = Vec::new();
    for spec in RUNNERS {
        if require_tools(spec.triple, &spec.tools()) {
            runners.push(spec);
        }
    }
    let macho = require_tools("Mach-O", &["llvm-mc"]);
    let started = std::time::Instant::now();
    let (mut ran, mut set_aside_total) = (0usize, BTreeMap::<String, usize>::new());
    let mut reports = Vec::new();
    let mut k = 0;
    while k < count {
        let n = batch.min(count - k);
        let programs: Vec<random::RandomProgram> = (k..k + n).map(|i| random::generate(seed, i, len)).collect();
        let (kept, disagreements, set_aside) = run_random_batch(&programs, &runners);
        ran += kept;
        for (why, c) in set_aside {
            *set_aside_total.entry(why).or_default() += c;
        }
        if macho {
            let text: String = programs.iter().map(|p| p.text()).collect();
            for (triple, mc) in [(MACOS_X86.triple, "x86_64-apple-macos11"), (APPLE_ARM64.triple, "arm64-apple-macos11")] {
                let asm = compile_text(&text, triple).unwrap();
                let dir = work_dir();
                std::fs::write(dir.path().join("test.S"), asm).unwrap();
                run::build("llvm-mc", &[&format!("-triple={mc}"), "-filetype=obj", "test.S", "-o", "t.o"], dir.path())
                    .unwrap_or_else(|e| panic!("{triple}: llvm-mc rejected random programs: {e}"));
            }
        }
        let mut seen = BTreeSet::new();
        for (index, spec, msg) in disagreements {
            let p = &programs[index];
            let line = format!("{} on {}: {msg}", p.name, spec.triple);
            // One minimised reproducer per program and target, for the first
            // few (each minimising step is a build and a run).
            if seen.insert((index, spec.triple)) && seen.len() <= MAX_REPRODUCERS {
                let path = minimise_and_write(p, &spec, &msg);
                reports.push(format!("{line}\n    reproducer: {}", path.display()));
            } else {
                reports.push(line);
            }
        }
        k += n;
    }
    let summary = format!(
        "differential: {count} random programs (seed {seed}, {len} instructions), {ran} run on the simulator and {} executors in {:.1} s; \
         set aside by the simulator (undefined or unspecified results): {set_aside_total:?}; {} disagreement(s)",
        runners.len(),
        started.elapsed().as_secs_f64(),
        reports.len()
    );
    eprintln!("{summary}");
    // scripts/test.sh prints this after the run (cargo hides a passing test's output).
    let _ = std::fs::write(Path::new(env!("CARGO_TARGET_TMPDIR")).join("differential-summary.txt"), format!("{summary}\n"));
    assert!(reports.is_empty(), "{} disagreement(s):\n{}", reports.len(), reports.join("\n"));
    // Most programs must be usable, or the generator has drifted (longer
    // programs are likelier to read a value the spec leaves unspecified).
    let percent = if len <= 40 { 60 } else { 30 };
    assert!(
        ran * 100 >= count as usize * percent,
        "only {ran} of {count} programs had a defined result: {set_aside_total:?}"
    );
}

// ---------------------------------------------------------------------------
// The page-boundary oracle (exec/edge.rs): every memory-operand form, at
// every width, with its operand next to an inaccessible page.

/// Where the simulator maps the page-edge operand (only its own bytes).
const EDGE_SIM_BASE: u64 = 0x0000_6200_0000_0000;

/// A function that reads 8 bytes at a0: run with a 1-byte operand at the end
/// of the page it must fault (the guard page is there), with an 8-byte one not.
const EDGE_CANARY: &str = "
global _pe_canary
_pe_canary:
    move a0, t4
    loadq [t4], t0
    ret
";

/// What a page-edge function computes on the simulator: `r0 ^ fnv1a64(span)`,
/// with only the operand's `width` bytes mapped (any other access faults).
fn sim_edge(sim: &offasm::sim::Simulator, func: &str, width: u32, at_end: bool, args: &[u64; 3]) -> Result<u64, String> {
    let mut span = edge::span(at_end, width);
    let o = edge::operand_offset(at_end, width);
    let w = width as usize;
    let mut env = offasm::sim::Env::new();
    let base = EDGE_SIM_BASE + o as u64;
    env.memory.add("edge", base, span[o..o + w].to_vec());
    let r = sim
        .call(&mut env, &format!("_{func}"), &[base, args[0], args[1], args[2]])
        .map_err(|e| format!("{}: {}", e.code, e.message))?;
    if r.nan.is_some() {
        return Err("the result is an unspecified NaN".into());
    }
    span[o..o + w].copy_from_slice(&env.memory.region("edge").unwrap().bytes);
    Ok(r.r0 ^ offasm::sim::fnv1a64(&span))
}

fn place(at_end: bool) -> &'static str {
    if at_end {
        "at the end of a page (next page inaccessible)"
    } else {
        "at the start of a page (previous page inaccessible)"
    }
}

/// Runs the page-edge suite for `spec` (the simulator computes the expected
/// values, under `spec`'s register map, and is itself held to the exact
/// bytes); every fault, wrong value or clobbered register is a failure
/// naming the instruction, the placement and the target.
fn page_edge(spec: Spec) {
    let target = Target::from_triple(spec.triple).unwrap();
    let (text, fns) = edge::generate(target.arch);
    let text = format!("{text}{EDGE_CANARY}");
    let out = driver::check(Input::Text { path: Path::new("page_edge.asm"), text: text.clone() }, &options(spec.triple))
        .unwrap();
    assert!(out.ok(), "the page-edge program does not check for {}:\n{}", spec.triple, out.render_short());
    let program = out.program.unwrap();
    let sim = offasm::sim::Simulator::new(&program, &target);
    let mut problems = Vec::new();
    // (description of the call) per test.
    let mut what: Vec<String> = Vec::new();
    let mut tests: Vec<TestCase> = Vec::new();
    let mut case = |func: &str, width: u32, at_end: bool, a: [u64; 3], expect: u64, desc: String| {
        tests.push(TestCase {
            func: func.to_string(),
            args: vec![0, a[0], a[1], a[2]],
            expect: Expect::Exact(expect),
            only: None,
            buffer: false,
            edge: Some(Edge { at_end, width }),
            line: 0,
        });
        what.push(desc);
    };
    for f in &fns {
        for at_end in [true, false] {
            for a in &f.args {
                let desc = format!("`{}` ({} bytes) {}, a1..a3 = {:#x}, {:#x}, {:#x}", f.instr, f.width, place(at_end), a[0], a[1], a[2]);
                match sim_edge(&sim, &f.name, f.width, at_end, a) {
                    Ok(v) => case(&f.name, f.width, at_end, *a, v, desc),
                    Err(e) => problems.push(format!("{desc}: simulator: {e}")),
                }
            }
        }
    }
    // The guard is there: the simulator and the executor fault on the canary.
    match sim_edge(&sim, "pe_canary", 1, true, &[0; 3]) {
        Err(e) if e.starts_with("sim-memory") => {}
        other => problems.push(format!("the simulator's guard does not work: an 8-byte read of a 1-byte operand gave {other:?}")),
    }
    let fine = sim_edge(&sim, "pe_canary", 8, true, &[0; 3]).expect("canary on the simulator");
    case("pe_canary", 1, true, [0; 3], 0, "canary: an 8-byte read of a 1-byte operand at the end of a page".into());
    case("pe_canary", 8, true, [0; 3], fine, "canary: an 8-byte read of an 8-byte operand at the end of a page".into());
    let canary = tests.len() - 2;
    if !require_tools(&format!("page-edge oracle for {}", spec.triple), &spec.tools()) {
        // The simulator's part still runs.
        assert!(problems.is_empty(), "page-edge oracle, simulator under {}:\n{}", spec.triple, problems.join("\n"));
        return;
    }

    let asm = compile_text(&text, spec.triple).unwrap_or_else(|e| panic!("{}: {e}", spec.triple));
    let dir = work_dir();
    let refs: Vec<&TestCase> = tests.iter().collect();
    let events = execute_restarts(&spec, dir.path(), &asm, &refs, HANG_SECONDS, 100_000)
        .unwrap_or_else(|e| panic!("{}: building the page-edge suite failed: {e}", spec.triple));
    let mut canary_crashed = false;
    let mut failing_instrs = BTreeSet::new();
    for e in &events {
        let (index, msg) = match e {
            Event::Wrong { index, got } => {
                (*index, format!("= {:#x} (simulator), got {got:#x}", tests[*index].expect_value()))
            }
            Event::Clobber { index, slot, value } => {
                (*index, format!("clobbered {} ({value:#x})", cdriver::slots(spec.abi())[*slot].name))
            }
            Event::Crash { index, code } => (*index, format!("FAULTED (signal/exception {code})")),
            Event::Hang { index } => (*index, "hangs".to_string()),
            Event::Died { index, detail } => (*index, format!("died ({detail})")),
            Event::Broken { detail } => {
                problems.push(format!("the driver run broke: {detail}"));
                continue;
            }
        };
        if index == canary && matches!(e, Event::Crash { .. }) {
            canary_crashed = true;
            continue;
        }
        if index < canary {
            let mnemonic = what[index].split('`').nth(1).and_then(|i| i.split_whitespace().next());
            failing_instrs.insert(mnemonic.unwrap_or("").to_string());
        }
        problems.push(format!("{}: {} {msg}", spec.triple, what[index]));
    }
    if !canary_crashed {
        problems.push(format!("{}: the guard page does not work: the canary did not fault", spec.triple));
    }
    let generated = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("page-edge-{}.asm", spec.triple));
    let _ = std::fs::write(&generated, &text);
    let _ = std::fs::write(generated.with_extension("S"), &asm);
    let _ = keep(dir);
    eprintln!(
        "page-edge {}: {} functions for {} memory-operand forms, {} runs, {} problem(s)",
        spec.triple,
        fns.len(),
        edge::memory_forms(target.arch).len(),
        tests.len(),
        problems.len()
    );
    assert!(
        problems.is_empty(),
        "page-edge oracle, {}: {} problem(s); failing instructions ({}): {failing_instrs:?}\n{}\n(program: {}; assembly: {})",
        spec.triple,
        problems.len(),
        failing_instrs.len(),
        problems.iter().take(300).cloned().collect::<Vec<_>>().join("\n"),
        generated.display(),
        generated.with_extension("S").display()
    );
}

#[test]
fn page_edge_x86_64_linux() {
    page_edge(LINUX_X86);
}

#[test]
fn page_edge_x86_64_windows() {
    page_edge(WINDOWS_X86);
}

#[test]
fn page_edge_aarch64_linux() {
    page_edge(LINUX_ARM64);
}

/// The table has memory-operand forms at every width, and the generator
/// makes a function of each (reads, writes, read-modify-writes).
#[test]
fn page_edge_covers_the_memory_forms() {
    for arch in [Arch::X86_64, Arch::Arm64] {
        let forms = edge::memory_forms(arch);
        let (_, fns) = edge::generate(arch);
        let names: BTreeSet<String> = forms.iter().map(|(d, _, _)| d.name.clone()).collect();
        for must in ["loadb", "storeh", "bbeq", "orh", "atomicxchgaddb", "atomicweakcash", "addi", "btqz", "jmp"] {
            assert!(names.contains(must), "{arch:?}: {must} has no memory-operand form in the generator");
        }
        assert!(fns.len() >= forms.len(), "{arch:?}: {} functions for {} forms", fns.len(), forms.len());
        let widths: BTreeSet<u32> = fns.iter().map(|f| f.width).collect();
        assert!(widths.is_superset(&[1, 2, 4, 8, 16].into()), "{arch:?}: widths {widths:?}");
    }
}

// ---------------------------------------------------------------------------
// Corpus checks that need no back end

/// Every x86-available instruction (except `emit` and `break`) is executed:
/// it appears, after settings and macro expansion for the target, in a
/// function that has a test on x86.
#[test]
fn corpus_covers_every_x86_instruction() {
    covers_every_instruction(Arch::X86_64, &[LINUX_X86, WINDOWS_X86]);
}

/// The same for ARM64 (Linux: the Apple-only TLS instructions cannot run there).
#[test]
fn corpus_covers_every_arm64_instruction() {
    covers_every_instruction(Arch::Arm64, &[LINUX_ARM64]);
}

fn covers_every_instruction(arch: Arch, specs: &[Spec]) {
    let isa = offasm::isa::isa();
    let required: BTreeSet<String> = isa
        .iter()
        .filter(|(_, d)| d.avail.on(arch, false))
        .map(|(_, d)| d.name.clone())
        .filter(|n| n != "emit" && n != "break")
        .collect();
    let files = corpus::load_corpus();
    if std::env::var("OFFASM_EXEC_FILTER").is_ok_and(|f| !f.is_empty()) {
        loud("SKIP instruction coverage: OFFASM_EXEC_FILTER selects only part of the corpus");
        return;
    }
    for spec in specs {
        let (triple, family) = (spec.triple, spec.family);
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut forms: BTreeSet<(String, usize)> = BTreeSet::new();
        for f in &files {
            let tested: BTreeSet<&str> =
                f.tests.iter().filter(|t| t.applies_to(family)).map(|t| t.func.as_str()).collect();
            let out = driver::check(Input::File(&f.path), &options(triple)).unwrap();
            assert!(out.ok(), "{} does not check for {triple}:\n{}", f.name, out.render_short());
            let mut current: Option<String> = None;
            for item in &out.program.as_ref().unwrap().items {
                match item {
                    Item::Label { name, local: false, .. } => {
                        current = Some(name.strip_prefix('_').unwrap_or(name).to_string())
                    }
                    Item::Instr(i) if current.as_deref().is_some_and(|c| tested.contains(c)) => {
                        seen.insert(i.def().name.clone());
                        forms.insert((i.def().name.clone(), i.form));
                    }
                    _ => {}
                }
            }
        }
        let missing: Vec<&String> = required.difference(&seen).collect();
        assert!(
            missing.is_empty(),
            "{triple}: {} instruction(s) are not executed by any test: {missing:?}",
            missing.len()
        );
        // Every operand form of every required instruction, too.
        let mut missing_forms = Vec::new();
        for (_, d) in isa.iter().filter(|(_, d)| required.contains(&d.name)) {
            for k in 0..d.forms.len() {
                if !forms.contains(&(d.name.clone(), k)) {
                    missing_forms.push(format!("{} (form {} of {})", d.name, k + 1, d.forms.len()));
                }
            }
        }
        assert!(missing_forms.is_empty(), "{triple}: operand forms not executed by any test: {missing_forms:?}");
    }
}

/// Test lines parse, each file has tests, and every tested function is
/// defined and exported on every target its tests apply to.
#[test]
fn corpus_test_lines_are_well_formed() {
    let files = corpus::load_corpus();
    assert!(!files.is_empty());
    let mut problems = Vec::new();
    for f in &files {
        if f.tests.is_empty() {
            problems.push(format!("{}: no `# test` lines", f.name));
        }
        for spec in ALL_TARGETS {
            let out = driver::check(Input::File(&f.path), &options(spec.triple)).unwrap();
            if !out.ok() {
                problems.push(format!("{} does not check for {}:\n{}", f.name, spec.triple, out.render_short()));
                continue;
            }
            let p = out.program.as_ref().unwrap();
            let exported: BTreeSet<String> =
                p.exports.iter().map(|n| n.strip_prefix('_').unwrap_or(n).to_string()).collect();
            let defined: BTreeSet<String> =
                p.defined.iter().map(|n| n.strip_prefix('_').unwrap_or(n).to_string()).collect();
            let mut reported = BTreeSet::new();
            for t in f.tests.iter().filter(|t| t.applies_to(spec.family)) {
                if !(defined.contains(&t.func) && exported.contains(&t.func)) && reported.insert(t.func.clone()) {
                    problems.push(format!(
                        "{}:{}: `{}` is tested on {} but not defined and exported there",
                        f.name, t.line, t.func, spec.triple
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn test_line_syntax() {
    let t = corpus::parse_tests(
        "# test: f(1, -1, 0x10) = -2\n# test x86: g() = nan64\n# test arm64: h(0) = nan32\n# tests below\n# testing\n",
    )
    .unwrap();
    assert_eq!(t.len(), 3);
    assert_eq!(t[0].args, vec![1, u64::MAX, 16]);
    assert_eq!(t[0].expect, Expect::Exact(u64::MAX - 1));
    assert_eq!(t[1].only, Some(Only::X86));
    assert_eq!(t[2].expect, Expect::Nan32);
    let u = corpus::parse_tests("# test sysv: f() = 1\n# test win: g() = 2\n").unwrap();
    assert_eq!((u[0].only, u[1].only), (Some(Only::SysV), Some(Only::Win64)));
    assert!(u[0].applies_to(Family::SysV) && !u[0].applies_to(Family::Win64) && !u[0].applies_to(Family::Arm64));
    assert!(u[1].applies_to(Family::Win64) && !u[1].applies_to(Family::SysV));
    assert!(t[1].applies_to(Family::SysV) && t[1].applies_to(Family::Win64) && !t[1].applies_to(Family::Arm64));
    assert!(corpus::parse_tests("# test: f(1 = 2\n").is_err());
    assert!(corpus::parse_tests("# test ppc: f() = 2\n").is_err());
    assert!(corpus::parse_tests("# test: f() = 0x1g\n").is_err());
    assert!(corpus::parse_tests("# test: f(1,2,3,4,5) = 0\n").is_err());
    assert!(Expect::Nan64.matches(0xfff8000000000001));
    assert!(!Expect::Nan64.matches(0x7ff0000000000000));
    assert!(Expect::Nan32.matches(0x7fc00000));
    assert!(!Expect::Nan32.matches(0x1_7fc00000));
}

/// The generated corpus files are what their generators produce.
#[test]
fn generated_corpus_files_are_up_to_date() {
    if !require_tools("generated_corpus_files_are_up_to_date", &["python3"]) {
        return;
    }
    let dir = corpus::corpus_dir();
    let mut gens: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.starts_with("gen_") && n.ends_with(".py")
        })
        .collect();
    gens.sort();
    assert!(!gens.is_empty());
    let mut stale = Vec::new();
    for g in gens {
        let out = run::run(
            Command::new("python3").arg(&g).arg("--check").current_dir(&dir).env("PYTHONDONTWRITEBYTECODE", "1"),
            Duration::from_secs(300),
        )
        .unwrap();
        if out.status != Some(0) {
            stale.push(format!("{}: {}{}", g.display(), out.stdout, out.stderr));
        }
    }
    assert!(stale.is_empty(), "stale generated corpus files:\n{}", stale.join("\n"));
}

/// Compiling the same file twice gives byte-identical assembly, on every target.
#[test]
fn generated_assembly_is_deterministic() {
    let files = corpus::load_corpus();
    let mut problems = Vec::new();
    for f in &files {
        for spec in ALL_TARGETS {
            match (compile(&f.path, spec.triple), compile(&f.path, spec.triple)) {
                (Ok(a), Ok(b)) => {
                    if a != b {
                        let line = a.lines().zip(b.lines()).position(|(x, y)| x != y).map_or(0, |n| n + 1);
                        problems.push(format!("{} for {}: outputs differ (first at line {line})", f.name, spec.triple));
                    }
                }
                (Err(e), _) | (_, Err(e)) => {
                    let e: String = e.lines().take(5).collect::<Vec<_>>().join("\n    ");
                    problems.push(format!("{} for {}: does not compile:\n    {e}", f.name, spec.triple))
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// With debug information (`-g`: `.file`/`.loc`, and the macro expansions as
/// inlined subroutines, docs/debugging.md), every corpus file still assembles
/// for every target, and its DWARF passes `llvm-dwarfdump --verify`.
#[test]
fn debug_info_output_assembles() {
    let files = corpus::load_corpus();
    let mut problems = Vec::new();
    let dwarfdump = Command::new("llvm-dwarfdump").arg("--version").output().is_ok();
    assert!(dwarfdump || std::env::var("CI").is_err(), "llvm-dwarfdump is missing");
    for spec in ALL_TARGETS {
        if !require_tools(&format!("debug_info_output_assembles ({})", spec.triple), &spec.tools()[..1]) {
            continue;
        }
        for f in &files {
            let mut opts = options(spec.triple);
            opts.debug_info = true;
            let out = driver::compile(Input::File(&f.path), &opts).unwrap();
            let Some(asm) = out.asm.clone().filter(|_| out.ok()) else {
                problems.push(format!(
                    "{} for {} with -g: does not compile:\n{}",
                    f.name,
                    spec.triple,
                    out.render_short()
                ));
                continue;
            };
            // A file whose code is all for other targets has nothing to locate.
            let has_code = out.program.as_ref().is_some_and(|p| p.items.iter().any(|i| matches!(i, Item::Instr(_))));
            if has_code && !asm.contains(".loc") {
                problems.push(format!("{} for {} with -g: no .loc directives", f.name, spec.triple));
            }
            let dir = work_dir();
            std::fs::write(dir.path().join("test.S"), &asm).unwrap();
            let r = match spec.mode {
                Mode::AssembleMachO(mc) => {
                    let t = format!("-triple={mc}");
                    run::build("llvm-mc", &[&t, "-filetype=obj", "test.S", "-o", "t.o"], dir.path())
                }
                _ => run::build(spec.compiler(), &["-c", "test.S", "-o", "t.o"], dir.path()),
            };
            if let Err(e) = r {
                let e: String = e.lines().take(8).collect::<Vec<_>>().join("\n    ");
                problems.push(format!("{} for {} with -g: {e}", f.name, spec.triple));
                continue;
            }
            if dwarfdump {
                let v = Command::new("llvm-dwarfdump").arg("--verify").arg(dir.path().join("t.o")).output().unwrap();
                let text = String::from_utf8_lossy(&v.stdout);
                if !v.status.success() || !text.contains("No errors.") {
                    let e: String = text.lines().filter(|l| l.contains("error")).take(8).collect::<Vec<_>>().join("\n    ");
                    problems.push(format!("{} for {} with -g: llvm-dwarfdump --verify:\n    {e}", f.name, spec.triple));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ---------------------------------------------------------------------------
// The harness can fail: wrong results, clobbered registers, crashes and
// hangs are all reported, and the tests after a crash or hang still run.

const SELFTEST_LINES: &str = "\
# test: oa_self_ok(41) = 42
# test: oa_self_wrong(41) = 43
# test: oa_self_nan(0x7ff8000000000001) = nan64
# test: oa_self_clobber(1) = 1
# test: oa_self_crash(0) = 0
# test: oa_self_after_crash(5) = 5
# test: oa_self_hang(0) = 0
# test: oa_self_last(7) = 7
";

const SELFTEST_DIALECT: &str = "
global _oa_self_ok
_oa_self_ok:
    move a0, t0
    addq 1, t0
    ret
global _oa_self_wrong
_oa_self_wrong:
    move a0, t0
    addq 1, t0
    ret
global _oa_self_nan
_oa_self_nan:
    move a0, t0
    ret
global _oa_self_clobber
_oa_self_clobber:
    move a0, t0
    move 0x1234, csr0
    ret
global _oa_self_crash
_oa_self_crash:
    move a0, t0
    loadq [t0], t0
    ret
global _oa_self_after_crash
_oa_self_after_crash:
    move a0, t0
    ret
global _oa_self_hang
_oa_self_hang:
    move a0, t0
.spin:
    jmp .spin
global _oa_self_last
_oa_self_last:
    move a0, t0
    ret
";

/// The same functions written directly in AArch64 assembly (the ARM64 back
/// end does not exist yet), to prove the qemu path of the harness.
const SELFTEST_AARCH64: &str = "
\t.text
\t.globl oa_self_ok
oa_self_ok:
\tadd x0, x0, #1
\tret
\t.globl oa_self_wrong
oa_self_wrong:
\tadd x0, x0, #1
\tret
\t.globl oa_self_nan
oa_self_nan:
\tret
\t.globl oa_self_clobber
oa_self_clobber:
\tmov x19, #0x1234
\tret
\t.globl oa_self_crash
oa_self_crash:
\tldr x0, [x0]
\tret
\t.globl oa_self_after_crash
oa_self_after_crash:
\tret
\t.globl oa_self_hang
oa_self_hang:
\tb oa_self_hang
\t.globl oa_self_last
oa_self_last:
\tret
\t.section .note.GNU-stack,\"\",%progbits
";

fn harness_selftest(spec: Spec, asm: Result<String, String>) {
    if !require_tools(&format!("harness self-test for {}", spec.triple), &spec.tools()) {
        return;
    }
    let asm = asm.unwrap_or_else(|e| panic!("the self-test program does not compile for {}:\n{e}", spec.triple));
    let tests = corpus::parse_tests(SELFTEST_LINES).unwrap();
    let refs: Vec<&TestCase> = tests.iter().collect();
    let dir = work_dir();
    let events = execute(&spec, dir.path(), &asm, &refs, 2).unwrap_or_else(|e| panic!("{e}"));
    let slot0 = &cdriver::slots(spec.abi())[0].name;
    let summary: Vec<String> = events
        .iter()
        .map(|e| match e {
            Event::Wrong { index, got } => format!("wrong {} {got}", tests[*index].func),
            Event::Clobber { index, slot, .. } => {
                format!("clobber {} {}", tests[*index].func, cdriver::slots(spec.abi())[*slot].name)
            }
            Event::Crash { index, .. } => format!("crash {}", tests[*index].func),
            Event::Hang { index } => format!("hang {}", tests[*index].func),
            Event::Died { index, detail } => format!("died {} {detail}", tests[*index].func),
            Event::Broken { detail } => format!("broken {detail}"),
        })
        .collect();
    let expected = vec![
        "wrong oa_self_wrong 42".to_string(),
        format!("clobber oa_self_clobber {slot0}"),
        "crash oa_self_crash".to_string(),
        "hang oa_self_hang".to_string(),
    ];
    assert_eq!(summary, expected, "{}: the harness misreported its self-test", spec.triple);
    let _ = keep(dir);
}

#[test]
fn harness_selftest_x86_64_linux() {
    harness_selftest(LINUX_X86, compile_text(&format!("{SELFTEST_LINES}{SELFTEST_DIALECT}"), LINUX_X86.triple));
}

#[test]
fn harness_selftest_x86_64_windows() {
    harness_selftest(WINDOWS_X86, compile_text(&format!("{SELFTEST_LINES}{SELFTEST_DIALECT}"), WINDOWS_X86.triple));
}

#[test]
fn harness_selftest_aarch64_linux() {
    harness_selftest(LINUX_ARM64, Ok(SELFTEST_AARCH64.to_string()));
}
