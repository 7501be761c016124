//! The public benchmark kernels (tests/wasm-bench, a copy of ../shared/bench/wasm) at their full size give
//! the checksums of kernels.tsv.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use offasm_wasm::{Error, Imports, Instance, Module, Value};

fn bench_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/wasm-bench")
}

fn kernels() -> Vec<(String, i32, i32)> {
    let tsv = std::fs::read_to_string(bench_dir().join("kernels.tsv")).expect("kernels.tsv");
    tsv.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (
                f[1].to_string(),
                f[2].parse().unwrap(),
                f[3].parse().unwrap(),
            )
        })
        .collect()
}

fn instantiate(name: &str) -> Result<Instance, Error> {
    let bytes = std::fs::read(bench_dir().join(format!("{name}.wasm"))).expect("kernel binary");
    let module = Arc::new(Module::new(&bytes)?);
    Instance::new(&module, &Imports::new())
}

#[test]
fn kernels_give_their_checksums() {
    let list = kernels();
    assert!(list.len() >= 6, "kernels.tsv lists the six public kernels");
    let mut unsupported = Vec::new();
    let mut ran = 0;
    for (name, arg, expected) in list {
        let mut instance = match instantiate(&name) {
            Ok(i) => i,
            Err(Error::Unsupported(why)) => {
                unsupported.push(format!("{name}: {why}"));
                continue;
            }
            Err(e) => panic!("{name}: {e}"),
        };
        let func = format!("bench_{name}");
        let got = instance
            .invoke(&func, &[Value::I32(arg)])
            .unwrap_or_else(|e| panic!("{name}({arg}): {e}"));
        assert_eq!(got, vec![Value::I32(expected)], "{name}({arg})");
        // Each call re-initialises its state: a second call on the same instance agrees.
        if name == "fib" || name == "sieve" {
            let again = instance.invoke(&func, &[Value::I32(arg)]).unwrap();
            assert_eq!(again, vec![Value::I32(expected)], "{name}({arg}) again");
        }
        ran += 1;
    }
    assert!(
        unsupported.is_empty(),
        "kernels not supported: {unsupported:?}"
    );
    assert!(ran >= 6, "the six public kernels");
}
