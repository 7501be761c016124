//! The public kernels (tests/wasm-bench, a copy of ../shared/bench/wasm) on this interpreter and on
//! wasmi 2.0, side by side in one run: `cargo bench -p offasm-wasm --bench versus_wasmi`.
//!
//! Each kernel is called with its full argument from kernels.tsv on an
//! instance of each engine, alternating engines (A B A B …), `OFFASM_BENCH_RUNS`
//! times (default 5); the best time of each is printed with the ratio
//! (wasmi time / this interpreter's time: above 1 means faster than wasmi) and
//! the geometric mean of the ratios. Instantiation is not measured. The
//! checksums of both engines are checked against kernels.tsv.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use offasm_wasm::{Imports, Instance, Module, Value};

fn bench_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/wasm-bench")
}

fn main() {
    let runs: usize = std::env::var("OFFASM_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let tsv = std::fs::read_to_string(bench_dir().join("kernels.tsv")).expect("kernels.tsv");
    println!("| kernel (arg) | offasm-wasm ms | wasmi 2.0 ms | wasmi / offasm-wasm |");
    println!("|---|---:|---:|---:|");
    let mut log_sum = 0.0;
    let mut n = 0;
    for line in tsv
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let f: Vec<&str> = line.split_whitespace().collect();
        let (name, arg, expected): (&str, i32, i32) =
            (f[1], f[2].parse().unwrap(), f[3].parse().unwrap());
        if !filter.is_empty() && !filter.iter().any(|x| x == name) {
            continue;
        }
        let bytes = std::fs::read(bench_dir().join(format!("{name}.wasm"))).unwrap();
        let func = format!("bench_{name}");

        let module = Arc::new(Module::new(&bytes).unwrap());
        let mut ours = Instance::new(&module, &Imports::new()).unwrap();

        let engine = wasmi::Engine::default();
        let wmodule = wasmi::Module::new(&engine, &bytes[..]).unwrap();
        let mut store = wasmi::Store::new(&engine, ());
        let winst = wasmi::Linker::<()>::new(&engine)
            .instantiate_and_start(&mut store, &wmodule)
            .unwrap();
        let wfunc = winst.get_typed_func::<i32, i32>(&store, &func).unwrap();

        let (mut best_ours, mut best_wasmi) = (Duration::MAX, Duration::MAX);
        for _ in 0..runs {
            let t = Instant::now();
            let r = ours.invoke(&func, &[Value::I32(arg)]).unwrap();
            best_ours = best_ours.min(t.elapsed());
            assert_eq!(r, vec![Value::I32(expected)], "offasm-wasm {name}");
            let t = Instant::now();
            let r = wfunc.call(&mut store, arg).unwrap();
            best_wasmi = best_wasmi.min(t.elapsed());
            assert_eq!(r, expected, "wasmi {name}");
        }
        let ratio = best_wasmi.as_secs_f64() / best_ours.as_secs_f64();
        log_sum += ratio.ln();
        n += 1;
        println!(
            "| {name} ({arg}) | {:.0} | {:.0} | {ratio:.2} |",
            best_ours.as_secs_f64() * 1e3,
            best_wasmi.as_secs_f64() * 1e3
        );
    }
    if n > 0 {
        println!("| geomean | | | {:.2} |", (log_sum / n as f64).exp());
    }
}
