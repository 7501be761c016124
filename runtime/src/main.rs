//! The runner:
//!
//! ```text
//! offasm-wasm FILE.wasm --invoke NAME [ARGS…]   call an export, print its results
//! offasm-wasm FILE.wasm --dump                   print the internal code of its functions
//! offasm-wasm --wast FILE.wast…                  run spec scripts, print a summary per file
//! ```

use std::process::ExitCode;
use std::sync::Arc;

use offasm_wasm::wast_runner::{run_wast_file, spectest_imports};
use offasm_wasm::{Instance, Module, Value};

const USAGE: &str =
    "usage: offasm-wasm FILE.wasm --invoke NAME [ARGS...]\n       offasm-wasm FILE.wasm --dump\n       offasm-wasm --wast FILE.wast...";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<ExitCode, String> {
    match args.first().map(String::as_str) {
        None | Some("-h" | "--help") => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        Some("--wast") => {
            if args.len() < 2 {
                return Err(USAGE.into());
            }
            let mut ok = true;
            let (mut passed, mut failed, mut skipped) = (0, 0, 0);
            for file in &args[1..] {
                let summary = run_wast_file(std::path::Path::new(file))?;
                print!("{summary}");
                ok &= summary.failed.is_empty();
                passed += summary.passed;
                failed += summary.failed.len();
                skipped += summary.skipped.len();
            }
            if args.len() > 2 {
                println!(
                    "total: {} commands, {passed} passed, {failed} failed, {skipped} skipped",
                    passed + failed + skipped
                );
            }
            Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Some(file) => {
            let (name, rest) = match args.get(1).map(String::as_str) {
                Some("--invoke") => (args.get(2).ok_or(USAGE)?, &args[3.min(args.len())..]),
                Some("--dump") if args.len() == 2 => {
                    let bytes = std::fs::read(file).map_err(|e| format!("{file}: {e}"))?;
                    let module = Arc::new(Module::new(&bytes).map_err(|e| format!("{file}: {e}"))?);
                    let instance = Instance::new(&module, &spectest_imports()).map_err(|e| format!("{file}: {e}"))?;
                    print!("{}", instance.dump_code().map_err(|e| format!("{file}: {e}"))?);
                    return Ok(ExitCode::SUCCESS);
                }
                _ => return Err(USAGE.into()),
            };
            let bytes = std::fs::read(file).map_err(|e| format!("{file}: {e}"))?;
            let module = Arc::new(Module::new(&bytes).map_err(|e| format!("{file}: {e}"))?);
            let mut instance =
                Instance::new(&module, &spectest_imports()).map_err(|e| format!("{file}: {e}"))?;
            let ty = instance
                .func_type(name)
                .ok_or_else(|| format!("{file}: no exported function named `{name}`"))?
                .clone();
            if rest.len() != ty.params.len() {
                return Err(format!(
                    "`{name}` takes {} arguments, {} given",
                    ty.params.len(),
                    rest.len()
                ));
            }
            let values = ty
                .params
                .iter()
                .zip(rest)
                .map(|(&t, text)| {
                    Value::parse(t, text).ok_or_else(|| format!("`{text}` is not a valid {t}"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let results = instance.invoke(name, &values).map_err(|e| e.to_string())?;
            for r in results {
                println!("{r}");
            }
            if let Some(n) = instance.dispatches() {
                eprintln!("dispatches: {n}");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
