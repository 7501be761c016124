//! wasm-bench: offasm-wasm against other WebAssembly interpreters, side by
//! side in one process, calls interleaved, every result checked against the
//! kernel list's checksum. See docs/benchmark.md.

mod baseline;
mod count;
mod engines;
mod kernels;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;

use baseline::{Baseline, Row};
use engines::{Engine, Runner, OURS, OURS_EAGER};
use kernels::Kernel;

const DEFAULT_KERNELS: &str = "tests/wasm-bench/kernels.tsv";

/// Benchmarks offasm-wasm against wasmi, wasm3 and Stitch on WebAssembly
/// kernels (docs/benchmark.md).
#[derive(Parser, Debug)]
#[command(name = "wasm-bench", version)]
struct Cli {
    /// Kernel list: lines `group kernel arg checksum`, `#` comments.
    #[arg(long, value_name = "FILE.tsv", default_value = DEFAULT_KERNELS)]
    kernels: PathBuf,
    /// Directory of the `<kernel>.wasm` modules [default: the list's directory].
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// Timed calls per engine and kernel (interleaved across engines).
    #[arg(long, value_name = "N", default_value_t = 7)]
    runs: usize,
    /// Untimed (but checked) calls per engine before the timed ones.
    #[arg(long, value_name = "N", default_value_t = 1)]
    warmup: usize,
    /// Start-up measurements per engine and kernel (interleaved).
    #[arg(long, value_name = "N", default_value_t = 15)]
    startup_runs: usize,
    /// Competitors, comma-separated (offasm-wasm always runs) [default: all in this build].
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    engines: Option<Vec<String>>,
    /// Compare the ratios with those of a saved baseline.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Write the results as a baseline (with --count: the baseline given by
    /// --baseline with this run's counts added).
    #[arg(long, value_name = "FILE")]
    save_baseline: Option<PathBuf>,
    /// Count instead of timing: offasm-wasm's dispatches (build with the
    /// feature count-dispatches) and the WebAssembly instructions executed.
    #[arg(long)]
    count: bool,
    /// A comment line for the saved baseline (e.g. how the machine was).
    #[arg(long, value_name = "TEXT")]
    note: Option<String>,
    /// Kernels to run [default: all in the list].
    #[arg(value_name = "KERNEL")]
    only: Vec<String>,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    // Panics (an engine's, or ours) become one-line errors, not backtraces.
    std::panic::set_hook(Box::new(|_| {}));
    match catch_unwind(AssertUnwindSafe(|| run(&cli))) {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
        Err(p) => {
            eprintln!("error: internal panic: {}", panic_message(&p));
            ExitCode::from(1)
        }
    }
}

fn panic_message(p: &Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned())
        .replace('\n', " ")
}

/// Runs `f`, turning a panic into an error.
fn guarded<T>(f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f))
        .unwrap_or_else(|p| Err(format!("panicked: {}", panic_message(&p))))
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "unknown".to_owned())
}

fn read(path: &Path, what: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {what} {}: {e}", path.display()))
}

fn best(v: &[f64]) -> f64 {
    v.iter().copied().fold(f64::INFINITY, f64::min)
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

fn geomean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| (v.iter().map(|x| x.ln()).sum::<f64>() / v.len() as f64).exp())
}

fn ratio(x: Option<f64>) -> String {
    x.map_or_else(|| "—".to_owned(), |x| format!("{x:.3}"))
}

struct Setup {
    kernels: Vec<Kernel>,
    dir: PathBuf,
    engines: Vec<Engine>,
    baseline: Option<Baseline>,
}

fn setup(cli: &Cli) -> Result<Setup, String> {
    if cli.runs == 0 || cli.startup_runs == 0 {
        return Err("--runs and --startup-runs must be at least 1".to_owned());
    }
    // The default list is found from the workspace root, also when run elsewhere.
    let mut list = cli.kernels.clone();
    if list == Path::new(DEFAULT_KERNELS) && !list.exists() {
        list = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(DEFAULT_KERNELS);
    }
    let text = String::from_utf8(read(&list, "kernel list")?)
        .map_err(|_| format!("{}: not UTF-8 text", list.display()))?;
    let mut kernels = kernels::parse(&text, &list.display().to_string())?;
    if !cli.only.is_empty() {
        for name in &cli.only {
            if !kernels.iter().any(|k| &k.name == name) {
                return Err(format!("no kernel `{name}` in {}", list.display()));
            }
        }
        kernels.retain(|k| cli.only.contains(&k.name));
    }
    let dir = match &cli.dir {
        Some(d) => d.clone(),
        None => match list.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        },
    };
    let families = engines::families();
    let wanted: Vec<String> = match &cli.engines {
        None => families.iter().map(|s| s.to_string()).collect(),
        Some(list) => {
            for e in list {
                if e != OURS && !families.contains(&e.as_str()) {
                    return Err(format!(
                        "unknown engine `{e}` (this build has: {})",
                        families.join(", ")
                    ));
                }
            }
            list.clone()
        }
    };
    let engines = engines::all()
        .into_iter()
        .filter(|e| e.family == OURS || wanted.iter().any(|w| w == e.family))
        .collect();
    let baseline = match &cli.baseline {
        None => None,
        Some(p) => {
            let text = String::from_utf8(read(p, "baseline")?)
                .map_err(|_| format!("{}: not UTF-8 text", p.display()))?;
            Some(Baseline::parse(&text, &p.display().to_string())?)
        }
    };
    Ok(Setup {
        kernels,
        dir,
        engines,
        baseline,
    })
}

fn run(cli: &Cli) -> Result<(), String> {
    let s = setup(cli)?;
    if cli.count {
        return count_mode(cli, &s);
    }
    if cfg!(debug_assertions) {
        eprintln!("warning: a debug build: the times mean nothing (use --profile bench-wasm)");
    }
    if cfg!(feature = "count-dispatches") {
        eprintln!("warning: offasm-wasm counts its dispatches in this build: its times are not comparable");
    }
    let load_before = load_average();
    let mut results = Vec::new();
    for k in &s.kernels {
        results.push(measure(cli, &s, k)?);
    }
    let load_after = load_average();
    let timed: Vec<&Engine> = s.engines.iter().filter(|e| e.timed).collect();
    let header = vec![
        format!(
            "wasm-bench {}: {} on {}-{}; {} timed runs (after {} warm-up), {} start-up runs, interleaved",
            env!("CARGO_PKG_VERSION"),
            if cfg!(debug_assertions) { "debug build" } else { "optimised build" },
            std::env::consts::ARCH,
            std::env::consts::OS,
            cli.runs,
            cli.warmup,
            cli.startup_runs
        ),
        format!("load average (1, 5, 15 min) before: {load_before}; after: {load_after}"),
        format!(
            "kernels: {}; engines: {}",
            cli.kernels.display(),
            s.engines.iter().map(|e| e.name).collect::<Vec<_>>().join(", ")
        ),
    ];
    for h in &header {
        println!("{h}  ");
    }
    println!();
    print_calls(&s, &timed, &results);
    println!();
    print_startup(&s, &results);
    if let Some(path) = &cli.save_baseline {
        let mut b = Baseline {
            comments: vec!["wasm-bench baseline (docs/benchmark.md)".to_owned()],
            rows: Vec::new(),
        };
        b.comments.extend(header);
        if let Some(n) = &cli.note {
            b.comments.push(n.clone());
        }
        for r in &results {
            b.rows.extend(rows(&s, r));
        }
        std::fs::write(path, b.to_text())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        eprintln!("baseline written to {}", path.display());
    }
    Ok(())
}

struct KernelResult {
    kernel: Kernel,
    /// Times of the timed calls in seconds, per engine (index into Setup::engines).
    calls: Vec<Option<Vec<f64>>>,
    /// Start-up times in seconds, per engine.
    startup: Vec<Vec<f64>>,
}

impl KernelResult {
    fn call(&self, e: usize) -> Option<(f64, f64)> {
        self.calls[e].as_ref().map(|t| (best(t), median(t)))
    }
    fn start(&self, e: usize) -> (f64, f64) {
        (best(&self.startup[e]), median(&self.startup[e]))
    }
}

fn check(k: &Kernel, engine: &str, what: &str, r: Result<i32, String>) -> Result<(), String> {
    match r {
        Ok(v) if v == k.checksum => Ok(()),
        Ok(v) => Err(format!(
            "kernel {}: {engine} returned {v} on the {what}, but the checksum is {}",
            k.name, k.checksum
        )),
        Err(e) => Err(format!(
            "kernel {}: {engine} failed on the {what}: {e}",
            k.name
        )),
    }
}

fn measure(cli: &Cli, s: &Setup, k: &Kernel) -> Result<KernelResult, String> {
    let bytes = read(&s.dir.join(format!("{}.wasm", k.name)), "module")?;
    let export = k.export();
    // Start-up: every engine prepares the module, interleaved.
    let mut startup = vec![Vec::new(); s.engines.len()];
    for _ in 0..cli.startup_runs {
        for (i, e) in s.engines.iter().enumerate() {
            let t = Instant::now();
            let r = guarded(|| (e.prepare)(&bytes, &export));
            let dt = t.elapsed().as_secs_f64();
            r.map_err(|m| {
                format!(
                    "kernel {}: {} cannot load {}.wasm: {m}",
                    k.name, e.name, k.name
                )
            })?;
            startup[i].push(dt);
        }
    }
    // Calls: one instance per engine, calls interleaved A B C A B C …
    let mut runners: Vec<(usize, Box<dyn Runner>)> = Vec::new();
    for (i, e) in s.engines.iter().enumerate().filter(|(_, e)| e.timed) {
        let r = guarded(|| (e.prepare)(&bytes, &export)).map_err(|m| {
            format!(
                "kernel {}: {} cannot load {}.wasm: {m}",
                k.name, e.name, k.name
            )
        })?;
        runners.push((i, r));
    }
    for w in 0..cli.warmup {
        for (i, r) in runners.iter_mut() {
            let name = s.engines[*i].name;
            check(
                k,
                name,
                &format!("warm-up call {}", w + 1),
                guarded(|| r.call(k.arg)),
            )?;
        }
    }
    let mut calls = vec![None; s.engines.len()];
    for (i, _) in &runners {
        calls[*i] = Some(Vec::with_capacity(cli.runs));
    }
    for run in 0..cli.runs {
        for (i, r) in runners.iter_mut() {
            let t = Instant::now();
            let result = guarded(|| r.call(k.arg));
            let dt = t.elapsed().as_secs_f64();
            check(
                k,
                s.engines[*i].name,
                &format!("timed call {}", run + 1),
                result,
            )?;
            calls[*i].as_mut().unwrap().push(dt);
        }
    }
    let r = KernelResult {
        kernel: k.clone(),
        calls,
        startup,
    };
    eprintln!(
        "{}: {}",
        k.name,
        runners
            .iter()
            .map(|(i, _)| format!(
                "{} {:.1} ms",
                s.engines[*i].name,
                r.call(*i).unwrap().0 * 1e3
            ))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(r)
}

fn print_calls(s: &Setup, timed: &[&Engine], results: &[KernelResult]) {
    let with_base = s.baseline.is_some();
    println!(
        "Call time (ms; ratio = offasm-wasm time ÷ engine time: below 1, offasm-wasm is faster)"
    );
    println!();
    print!("| kernel (arg) | engine | best ms | median ms | ours/engine (best) | ours/engine (median) |");
    if with_base {
        print!(" baseline ratio (best) | change |");
    }
    println!();
    println!(
        "|---|---|---:|---:|---:|---:|{}",
        if with_base { "---:|---:|" } else { "" }
    );
    let ours = s.engines.iter().position(|e| e.name == OURS).unwrap();
    for r in results {
        let (ob, om) = r.call(ours).unwrap();
        for (i, e) in s.engines.iter().enumerate().filter(|(_, e)| e.timed) {
            let (b, m) = r.call(i).unwrap();
            let (rb, rm) = if i == ours {
                (None, None)
            } else {
                (Some(ob / b), Some(om / m))
            };
            print!(
                "| {} ({}) | {} | {:.1} | {:.1} | {} | {} |",
                r.kernel.name,
                r.kernel.arg,
                e.name,
                b * 1e3,
                m * 1e3,
                ratio(rb),
                ratio(rm)
            );
            if let Some(base) = &s.baseline {
                let old = base
                    .row(&r.kernel.name, e.name)
                    .and_then(|row| row.ratio_best);
                print!(
                    " {} | {} |",
                    ratio(old),
                    ratio(rb.zip(old).map(|(n, o)| n / o))
                );
            }
            println!();
        }
    }
    for e in timed.iter().filter(|e| e.name != OURS) {
        let i = s.engines.iter().position(|x| x.name == e.name).unwrap();
        let rb: Vec<f64> = results
            .iter()
            .map(|r| r.call(ours).unwrap().0 / r.call(i).unwrap().0)
            .collect();
        let rm: Vec<f64> = results
            .iter()
            .map(|r| r.call(ours).unwrap().1 / r.call(i).unwrap().1)
            .collect();
        print!(
            "| **geomean** | {} | | | **{}** | {} |",
            e.name,
            ratio(geomean(&rb)),
            ratio(geomean(&rm))
        );
        if let Some(base) = &s.baseline {
            let mut old = Vec::new();
            let mut change = Vec::new();
            for (r, now) in results.iter().zip(&rb) {
                if let Some(o) = base
                    .row(&r.kernel.name, e.name)
                    .and_then(|row| row.ratio_best)
                {
                    old.push(o);
                    change.push(now / o);
                }
            }
            print!(
                " {} | **{}** |",
                ratio(geomean(&old)),
                ratio(geomean(&change))
            );
        }
        println!();
    }
}

fn print_startup(s: &Setup, results: &[KernelResult]) {
    println!(
        "Start-up (µs: decode + validate + translate + instantiate + export lookup; ratio = offasm-wasm ÷ engine, \
         {OURS_EAGER} ÷ engine for the eager configurations)"
    );
    println!();
    println!(
        "| kernel | engine | best µs | median µs | ours/engine (best) | ours/engine (median) |"
    );
    println!("|---|---|---:|---:|---:|---:|");
    for r in results {
        for (i, e) in s.engines.iter().enumerate() {
            let (b, m) = r.start(i);
            let (rb, rm) = match startup_peer_of(s, i) {
                None => (None, None),
                Some(p) => (Some(r.start(p).0 / b), Some(r.start(p).1 / m)),
            };
            println!(
                "| {} | {} | {:.1} | {:.1} | {} | {} |",
                r.kernel.name,
                e.name,
                b * 1e6,
                m * 1e6,
                ratio(rb),
                ratio(rm)
            );
        }
    }
    for (i, e) in s.engines.iter().enumerate() {
        let Some(p) = startup_peer_of(s, i) else { continue };
        let rb: Vec<f64> = results
            .iter()
            .map(|r| r.start(p).0 / r.start(i).0)
            .collect();
        let rm: Vec<f64> = results
            .iter()
            .map(|r| r.start(p).1 / r.start(i).1)
            .collect();
        println!(
            "| **geomean** | {} | | | **{}** | {} |",
            e.name,
            ratio(geomean(&rb)),
            ratio(geomean(&rm))
        );
    }
}

/// The engine (index) engine `i`'s start-up is compared with: ours in the
/// same configuration; None for ours.
fn startup_peer_of(s: &Setup, i: usize) -> Option<usize> {
    let e = &s.engines[i];
    if e.family == OURS {
        return None;
    }
    let peer = engines::startup_peer(e.name);
    s.engines.iter().position(|x| x.name == peer)
}

/// A kernel's baseline rows, one per engine (timed or start-up only).
fn rows(s: &Setup, r: &KernelResult) -> Vec<Row> {
    let ours = s.engines.iter().position(|e| e.name == OURS).unwrap();
    let (ob, om) = r.call(ours).unwrap();
    let mut v = Vec::new();
    for (i, e) in s.engines.iter().enumerate() {
        let (sb, sm) = r.start(i);
        let mut row = Row {
            kernel: r.kernel.name.clone(),
            arg: r.kernel.arg,
            engine: e.name.to_owned(),
            startup_best_us: Some(sb * 1e6),
            startup_median_us: Some(sm * 1e6),
            ..Row::default()
        };
        if let Some((b, m)) = r.call(i) {
            row.best_ms = Some(b * 1e3);
            row.median_ms = Some(m * 1e3);
            if i != ours {
                row.ratio_best = Some(ob / b);
                row.ratio_median = Some(om / m);
            }
        }
        if let Some(p) = startup_peer_of(s, i) {
            let (psb, psm) = r.start(p);
            row.startup_ratio_best = Some(psb / sb);
            row.startup_ratio_median = Some(psm / sm);
        }
        v.push(row);
    }
    v
}

/// `--count`: per kernel, offasm-wasm's dispatches for one call and the
/// WebAssembly instructions the call executes (instrumented module on wasmi).
fn count_mode(cli: &Cli, s: &Setup) -> Result<(), String> {
    let counting = cfg!(feature = "count-dispatches");
    if !counting {
        eprintln!("note: dispatches are counted only when built with --features count-dispatches");
    }
    let mut out = s.baseline.clone();
    if cli.save_baseline.is_some() && out.is_none() {
        return Err(
            "--count --save-baseline adds the counts to a baseline: give it with --baseline"
                .to_owned(),
        );
    }
    let with_times = s.baseline.is_some();
    println!("Counts of one call (dispatches: offasm-wasm's handler dispatches; instructions: executed WebAssembly instructions, counted on an instrumented module run by wasmi)");
    println!();
    print!("| kernel (arg) | dispatches | Wasm instructions | dispatches / instruction |");
    if with_times {
        print!(" baseline best ms | ns / dispatch | ns / instruction |");
    }
    println!();
    println!(
        "|---|---:|---:|---:|{}",
        if with_times { "---:|---:|---:|" } else { "" }
    );
    for k in &s.kernels {
        let bytes = read(&s.dir.join(format!("{}.wasm", k.name)), "module")?;
        let export = k.export();
        let (r, dispatches) = guarded(|| engines::ours_dispatches(&bytes, &export, k.arg))
            .map_err(|e| format!("kernel {}: {OURS} failed: {e}", k.name))?;
        check(k, OURS, "counted call", Ok(r))?;
        let (r, instrs) = guarded(|| count::count(&bytes, &export, k.arg))
            .map_err(|e| format!("kernel {}: {e}", k.name))?;
        check(k, "wasmi (instrumented module)", "counted call", Ok(r))?;
        let per = dispatches.map(|d| d as f64 / instrs as f64);
        print!(
            "| {} ({}) | {} | {} | {} |",
            k.name,
            k.arg,
            dispatches.map_or("—".to_owned(), |d| d.to_string()),
            instrs,
            ratio(per)
        );
        let best = s
            .baseline
            .as_ref()
            .and_then(|b| b.row(&k.name, OURS))
            .filter(|row| row.arg == k.arg)
            .and_then(|row| row.best_ms);
        if with_times {
            let ns_d = best.zip(dispatches).map(|(ms, d)| ms * 1e6 / d as f64);
            let ns_i = best.map(|ms| ms * 1e6 / instrs as f64);
            print!(
                " {} | {} | {} |",
                best.map_or("—".to_owned(), |b| format!("{b:.1}")),
                ratio(ns_d),
                ratio(ns_i)
            );
        }
        println!();
        if let Some(b) = out.as_mut() {
            let path = cli.baseline.as_ref().unwrap().display();
            let row = b
                .rows
                .iter_mut()
                .find(|row| row.kernel == k.name && row.engine == OURS)
                .ok_or_else(|| format!("{path}: no {OURS} row for kernel {}", k.name))?;
            if row.arg != k.arg {
                return Err(format!(
                    "{path}: kernel {} was measured with arg {}, not {}",
                    k.name, row.arg, k.arg
                ));
            }
            row.dispatches = dispatches;
            row.wasm_instructions = Some(instrs);
        }
    }
    if let (Some(path), Some(mut b)) = (&cli.save_baseline, out) {
        let note = "counts: dispatches from offasm-wasm built with count-dispatches, instructions from wasmi on the instrumented module (wasm-bench --count)";
        if !b.comments.iter().any(|c| c == note) {
            b.comments.push(note.to_owned());
        }
        std::fs::write(path, b.to_text())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        eprintln!("baseline with counts written to {}", path.display());
    }
    Ok(())
}
