//! Differential testing against wasmi 2.0: random WebAssembly 1.0 modules from
//! wasm-smith (no imports, every item exported, NaNs canonicalised so results
//! are deterministic, a fuel global so that every function terminates) must
//! give the same instantiation outcome, the same results or traps for every
//! exported function called with the same arguments, and the same final
//! memory and globals on both engines.
//!
//! `OFFASM_WASM_DIFF_MODULES` (default 300) modules from seed
//! `OFFASM_WASM_DIFF_SEED` (default 1). A disagreement fails the test and
//! leaves the module in `target/tmp/wasm-diff/` with the seed to reproduce it.
//! Long run: `OFFASM_WASM_DIFF_MODULES=100000 cargo test --release -p offasm-wasm --test differential`.

use std::sync::Arc;

use arbitrary::Unstructured;
use offasm_wasm::{Error, Imports, Instance, Module, TrapKind, ValType, Value};

#[path = "common/random.rs"]
mod random;

use random::{env_u64, Rng};

/// No imports, every item exported, NaNs canonicalised, small memories.
#[allow(clippy::field_reassign_with_default)] // one setting per line reads best here
fn config() -> wasm_smith::Config {
    let mut c = random::wasm1_config();
    c.max_imports = 0;
    c.max_table_elements = 1000;
    c.memory_max_size_required = true;
    c.max_memory32_bytes = 16 * 65536;
    c.export_everything = true;
    c.canonicalize_nans = true;
    c.min_funcs = 3;
    c.max_funcs = 20;
    c.max_instructions = 200;
    c
}

/// What one call gave: results as (type, bits) or a trap kind.
#[derive(Debug, PartialEq)]
enum Outcome {
    Values(Vec<(ValType, u64)>),
    Trap(TrapKind),
    Other(String),
}

fn ours(result: Result<Vec<Value>, Error>) -> Outcome {
    match result {
        Ok(values) => Outcome::Values(values.iter().map(|v| (v.ty(), v.to_bits())).collect()),
        Err(Error::Trap(t)) => Outcome::Trap(t.kind),
        Err(e) => Outcome::Other(e.to_string()),
    }
}

fn wasmi_val(v: &wasmi::Val) -> (ValType, u64) {
    match v {
        wasmi::Val::I32(x) => (ValType::I32, *x as u32 as u64),
        wasmi::Val::I64(x) => (ValType::I64, *x as u64),
        wasmi::Val::F32(x) => (ValType::F32, x.to_bits() as u64),
        wasmi::Val::F64(x) => (ValType::F64, x.to_bits()),
        other => panic!("unexpected wasmi value {other:?}"),
    }
}

fn theirs(result: Result<Vec<wasmi::Val>, wasmi::Error>) -> Outcome {
    use wasmi::TrapCode as C;
    match result {
        Ok(values) => Outcome::Values(values.iter().map(wasmi_val).collect()),
        Err(e) => match e.as_trap_code() {
            Some(C::UnreachableCodeReached) => Outcome::Trap(TrapKind::Unreachable),
            Some(C::MemoryOutOfBounds) => Outcome::Trap(TrapKind::MemoryOutOfBounds),
            Some(C::TableOutOfBounds) => Outcome::Trap(TrapKind::UndefinedElement),
            Some(C::IndirectCallToNull) => Outcome::Trap(TrapKind::UninitializedElement),
            Some(C::IntegerDivisionByZero) => Outcome::Trap(TrapKind::IntegerDivideByZero),
            Some(C::IntegerOverflow) => Outcome::Trap(TrapKind::IntegerOverflow),
            Some(C::BadConversionToInteger) => Outcome::Trap(TrapKind::InvalidConversionToInteger),
            Some(C::StackOverflow) => Outcome::Trap(TrapKind::CallStackExhausted),
            Some(C::BadSignature) => Outcome::Trap(TrapKind::IndirectCallTypeMismatch),
            _ => Outcome::Other(e.to_string()),
        },
    }
}

fn arg(rng: &mut Rng, ty: ValType) -> Value {
    let r = rng.next();
    // Mostly small numbers (they reach interesting paths), sometimes any bits.
    let small = !(r >> 8).is_multiple_of(7);
    match ty {
        ValType::I32 => Value::I32(if small {
            (r % 64) as i32 - 8
        } else {
            (r >> 16) as i32
        }),
        ValType::I64 => Value::I64(if small { (r % 64) as i64 - 8 } else { r as i64 }),
        ValType::F32 => Value::F32(if small {
            ((r % 64) as f32 - 8.5).to_bits()
        } else {
            (r >> 16) as u32
        }),
        ValType::F64 => Value::F64(if small {
            ((r % 64) as f64 - 8.5).to_bits()
        } else {
            r
        }),
    }
}

fn to_wasmi(v: Value) -> wasmi::Val {
    match v {
        Value::I32(x) => wasmi::Val::I32(x),
        Value::I64(x) => wasmi::Val::I64(x),
        Value::F32(x) => wasmi::Val::F32(wasmi::F32::from_bits(x)),
        Value::F64(x) => wasmi::Val::F64(wasmi::F64::from_bits(x)),
    }
}

fn zero(ty: ValType) -> wasmi::Val {
    match ty {
        ValType::I32 => wasmi::Val::I32(0),
        ValType::I64 => wasmi::Val::I64(0),
        ValType::F32 => wasmi::Val::F32(wasmi::F32::from_bits(0)),
        ValType::F64 => wasmi::Val::F64(wasmi::F64::from_bits(0)),
    }
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Runs a piece of wasmi, turning a panic inside it into an error: wasmi 2.0
/// has internal assertions that random modules can reach (such a module is
/// counted and kept, not blamed on the engine under test).
fn in_wasmi<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|p| {
        p.downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic".into())
    })
}

const WASMI_PANIC: &str = "wasmi panicked: ";

#[derive(Default)]
struct Stats {
    wasmi_panics: usize,
    instantiated: usize,
    values: usize,
    traps: usize,
}

/// Runs one module on both engines; Err(description) on a disagreement.
fn compare(bytes: &[u8], rng: &mut Rng, stats: &mut Stats) -> Result<usize, String> {
    let module = Module::new(bytes).map_err(|e| format!("offasm-wasm rejects the module: {e}"))?;
    let module = Arc::new(module);
    let mut config = wasmi::Config::default();
    config.set_max_recursion_depth(100_000);
    let engine = wasmi::Engine::new(&config);
    let their_module = in_wasmi(|| wasmi::Module::new(&engine, bytes))
        .map_err(|p| format!("{WASMI_PANIC}{p}"))?
        .map_err(|e| format!("wasmi rejects the module: {e}"))?;
    let mut store = wasmi::Store::new(&engine, ());
    let linker = wasmi::Linker::<()>::new(&engine);
    let mine = Instance::new(&module, &Imports::new());
    let theirs_inst = in_wasmi(|| linker.instantiate_and_start(&mut store, &their_module))
        .map_err(|p| format!("{WASMI_PANIC}{p}"))?;
    let (mut mine, their_inst) = match (mine, theirs_inst) {
        (Ok(a), Ok(b)) => {
            stats.instantiated += 1;
            (a, b)
        }
        (Err(_), Err(_)) => return Ok(0),
        (a, b) => {
            return Err(format!(
                "instantiation: offasm-wasm {:?}, wasmi {:?}",
                a.err().map(|e| e.to_string()),
                b.err().map(|e| e.to_string())
            ))
        }
    };
    let mut calls = 0;
    // Every exported function, three times with different arguments (the
    // fuel is shared, so a later call may run out where an earlier did not).
    let funcs: Vec<_> = module
        .exports
        .iter()
        .filter(|e| e.kind == offasm_wasm::ExportKind::Func)
        .cloned()
        .collect();
    for export in funcs.iter().chain(&funcs).chain(&funcs) {
        let ty = module.func_type(export.index).clone();
        let args: Vec<Value> = ty.params.iter().map(|&t| arg(rng, t)).collect();
        let a = ours(mine.invoke(&export.name, &args));
        let func = their_inst
            .get_func(&store, &export.name)
            .expect("wasmi export");
        let wargs: Vec<wasmi::Val> = args.iter().map(|&v| to_wasmi(v)).collect();
        let mut results: Vec<wasmi::Val> = ty.results.iter().map(|&t| zero(t)).collect();
        let b = in_wasmi(|| func.call(&mut store, &wargs, &mut results))
            .map_err(|p| format!("{WASMI_PANIC}{p}"))?;
        let b = theirs(b.map(|()| results));
        if a != b {
            return Err(format!(
                "call {}({args:?}): offasm-wasm {a:?}, wasmi {b:?}",
                export.name
            ));
        }
        match a {
            Outcome::Values(_) => stats.values += 1,
            _ => {
                stats.traps += 1;
                if std::env::var("OFFASM_WASM_DIFF_VERBOSE").is_ok() {
                    eprintln!("trap {a:?}");
                }
            }
        }
        calls += 1;
    }
    for export in &module.exports {
        match export.kind {
            offasm_wasm::ExportKind::Memory => {
                let a = mine
                    .memory()
                    .map(|m| m.read(0, m.pages() as usize * 65536).unwrap())
                    .unwrap_or_default();
                let m = their_inst
                    .get_memory(&store, &export.name)
                    .expect("wasmi memory");
                let b = m.data(&store);
                if a.len() != b.len() || fnv(&a) != fnv(b) {
                    return Err(format!(
                        "memory differs: {} bytes (hash {:x}) vs {} bytes (hash {:x})",
                        a.len(),
                        fnv(&a),
                        b.len(),
                        fnv(b)
                    ));
                }
            }
            offasm_wasm::ExportKind::Global => {
                let a = mine.global(&export.name).expect("our global");
                let g = their_inst
                    .get_global(&store, &export.name)
                    .expect("wasmi global");
                let b = wasmi_val(&g.get(&store));
                if (a.ty(), a.to_bits()) != b {
                    return Err(format!("global {} differs: {a:?} vs {b:?}", export.name));
                }
            }
            _ => {}
        }
    }
    Ok(calls)
}

#[test]
fn random_modules_agree_with_wasmi() {
    let count = env_u64("OFFASM_WASM_DIFF_MODULES", 300);
    let seed = env_u64("OFFASM_WASM_DIFF_SEED", 1);
    let mut generated = 0;
    let mut calls = 0;
    let mut failures = Vec::new();
    let mut stats = Stats::default();
    for i in 0..count {
        let module_seed = seed.wrapping_mul(1_000_003).wrapping_add(i);
        let mut rng = Rng(module_seed);
        let data = rng.bytes(8192);
        let mut u = Unstructured::new(&data);
        let Ok(mut module) = wasm_smith::Module::new(config(), &mut u) else {
            continue;
        };
        if module.ensure_termination(1000).is_err() {
            continue;
        }
        let bytes = module.to_bytes();
        generated += 1;
        match compare(&bytes, &mut rng, &mut stats) {
            Ok(n) => calls += n,
            Err(why) if why.starts_with(WASMI_PANIC) => {
                stats.wasmi_panics += 1;
                let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("../target/tmp/wasm-diff/wasmi-panics");
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(dir.join(format!("{module_seed}.wasm")), &bytes).unwrap();
            }
            Err(why) => {
                let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("../target/tmp/wasm-diff");
                std::fs::create_dir_all(&dir).unwrap();
                let path = dir.join(format!("{module_seed}.wasm"));
                std::fs::write(&path, &bytes).unwrap();
                failures.push(format!(
                    "module seed {module_seed} ({}): {why}",
                    path.display()
                ));
                if failures.len() >= 10 {
                    break;
                }
            }
        }
    }
    println!(
        "{generated} modules ({} instantiated, {} set aside because wasmi panicked), {calls} calls compared with wasmi ({} returned, {} trapped); {} disagreements",
        stats.instantiated,
        stats.wasmi_panics,
        stats.values,
        stats.traps,
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        generated as u64 * 2 > count,
        "too few modules generated: {generated} of {count}"
    );
}
