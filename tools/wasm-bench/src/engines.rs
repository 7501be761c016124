//! The engines, behind one small interface: `prepare` does everything from
//! the module's bytes to a callable export (decode, validate, translate,
//! instantiate, export lookup: what the start-up time measures), `call` runs
//! the export once with an i32 argument and returns its i32 result.

use std::sync::Arc;

/// A prepared instance with its `bench_<kernel>` export.
pub trait Runner {
    fn call(&mut self, arg: i32) -> Result<i32, String>;
}

/// From a module's bytes and an export's name to a callable instance.
pub type Prepare = fn(&[u8], &str) -> Result<Box<dyn Runner>, String>;

/// One way to prepare a module: an engine in one configuration.
pub struct Engine {
    /// Name on the command line and in the tables and the baseline.
    pub name: &'static str,
    /// The engine this is a configuration of (`--engines` selects by it).
    pub family: &'static str,
    /// Part of the timed calls (otherwise a start-up variant only).
    pub timed: bool,
    pub prepare: Prepare,
}

/// Our engine: always first, the numerator of every ratio.
pub const OURS: &str = "offasm-wasm";
/// Ours translating every function at instantiation (by default a function
/// is translated at its first call): the numerator of the start-up ratios of
/// the other engines' `-eager` configurations.
pub const OURS_EAGER: &str = "offasm-wasm-eager";

/// The configuration of ours an engine's start-up is compared with: eager
/// with eager, lazy (each engine's default) with lazy.
pub fn startup_peer(engine: &str) -> &'static str {
    if engine.ends_with("-eager") {
        OURS_EAGER
    } else {
        OURS
    }
}

/// Every engine this build has, ours first.
pub fn all() -> Vec<Engine> {
    #[allow(unused_mut)] // without the competitor features
    let mut v = vec![
        Engine {
            name: OURS,
            family: OURS,
            timed: true,
            prepare: ours,
        },
        Engine {
            name: OURS_EAGER,
            family: OURS,
            timed: false,
            prepare: ours_eager,
        },
        Engine {
            name: "wasmi",
            family: "wasmi",
            timed: true,
            prepare: wasmi_default,
        },
        Engine {
            name: "wasmi-eager",
            family: "wasmi",
            timed: false,
            prepare: wasmi_eager,
        },
    ];
    #[cfg(feature = "wasm3")]
    {
        v.push(Engine {
            name: "wasm3",
            family: "wasm3",
            timed: true,
            prepare: wasm3::lazy,
        });
        v.push(Engine {
            name: "wasm3-eager",
            family: "wasm3",
            timed: false,
            prepare: wasm3::eager,
        });
    }
    #[cfg(feature = "stitch")]
    v.push(Engine {
        name: "stitch",
        family: "stitch",
        timed: true,
        prepare: stitch::prepare,
    });
    v
}

/// Names `--engines` accepts in this build (competitors only).
pub fn families() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = Vec::new();
    for e in all() {
        if e.family != OURS && !v.contains(&e.family) {
            v.push(e.family);
        }
    }
    v
}

// ---------------------------------------------------------------- offasm-wasm

struct Ours {
    instance: offasm_wasm::Instance,
    name: String,
}

fn ours(bytes: &[u8], name: &str) -> Result<Box<dyn Runner>, String> {
    ours_with(bytes, name, false)
}

fn ours_eager(bytes: &[u8], name: &str) -> Result<Box<dyn Runner>, String> {
    ours_with(bytes, name, true)
}

fn ours_with(bytes: &[u8], name: &str, eager: bool) -> Result<Box<dyn Runner>, String> {
    use offasm_wasm::{ExportKind, Imports, Instance, Module, ValType};
    let module = Arc::new(Module::new(bytes).map_err(|e| e.to_string())?);
    let instance = Instance::new(&module, &Imports::new()).map_err(|e| e.to_string())?;
    if eager {
        instance.translate_all().map_err(|e| e.to_string())?;
    }
    let export = module
        .export(name)
        .ok_or_else(|| format!("no export named `{name}`"))?;
    if export.kind != ExportKind::Func {
        return Err(format!("export `{name}` is not a function"));
    }
    let ty = module.func_type(export.index);
    if ty.params != [ValType::I32] || ty.results != [ValType::I32] {
        return Err(format!("export `{name}` is not of type (i32) -> i32"));
    }
    Ok(Box::new(Ours {
        instance,
        name: name.to_owned(),
    }))
}

impl Runner for Ours {
    fn call(&mut self, arg: i32) -> Result<i32, String> {
        match self
            .instance
            .invoke(&self.name, &[offasm_wasm::Value::I32(arg)])
            .map_err(|e| e.to_string())?
            .as_slice()
        {
            [offasm_wasm::Value::I32(v)] => Ok(*v),
            other => Err(format!("returned {other:?}, not one i32")),
        }
    }
}

/// Dispatches our instance has counted (feature `count-dispatches`): runs
/// one call on a fresh instance and returns its result and the count.
pub fn ours_dispatches(bytes: &[u8], name: &str, arg: i32) -> Result<(i32, Option<u64>), String> {
    use offasm_wasm::{Imports, Instance, Module, Value};
    let module = Arc::new(Module::new(bytes).map_err(|e| e.to_string())?);
    let mut instance = Instance::new(&module, &Imports::new()).map_err(|e| e.to_string())?;
    let before = instance.dispatches();
    let r = instance
        .invoke(name, &[Value::I32(arg)])
        .map_err(|e| e.to_string())?;
    let n = instance.dispatches().map(|n| n - before.unwrap_or(0));
    match r.as_slice() {
        [Value::I32(v)] => Ok((*v, n)),
        other => Err(format!("returned {other:?}, not one i32")),
    }
}

// ---------------------------------------------------------------------- wasmi

struct Wasmi {
    store: wasmi::Store<()>,
    func: wasmi::TypedFunc<i32, i32>,
}

fn wasmi_with(engine: wasmi::Engine, bytes: &[u8], name: &str) -> Result<Box<dyn Runner>, String> {
    let module = wasmi::Module::new(&engine, bytes).map_err(|e| e.to_string())?;
    let mut store = wasmi::Store::new(&engine, ());
    let instance = wasmi::Linker::<()>::new(&engine)
        .instantiate_and_start(&mut store, &module)
        .map_err(|e| e.to_string())?;
    let func = instance
        .get_typed_func::<i32, i32>(&store, name)
        .map_err(|e| e.to_string())?;
    Ok(Box::new(Wasmi { store, func }))
}

/// wasmi as it comes: default configuration (lazy translation: functions
/// are validated at module creation, translated on their first call).
fn wasmi_default(bytes: &[u8], name: &str) -> Result<Box<dyn Runner>, String> {
    wasmi_with(wasmi::Engine::default(), bytes, name)
}

/// wasmi translating every function when the module is created.
fn wasmi_eager(bytes: &[u8], name: &str) -> Result<Box<dyn Runner>, String> {
    let mut config = wasmi::Config::default();
    config.compilation_mode(wasmi::CompilationMode::Eager);
    wasmi_with(wasmi::Engine::new(&config), bytes, name)
}

impl Runner for Wasmi {
    fn call(&mut self, arg: i32) -> Result<i32, String> {
        self.func
            .call(&mut self.store, arg)
            .map_err(|e| e.to_string())
    }
}

// ---------------------------------------------------------------------- wasm3

#[cfg(feature = "wasm3")]
mod wasm3 {
    use super::Runner;

    struct Wasm3 {
        store: wasm3x::Store<()>,
        func: wasm3x::TypedFunc<i32, i32>,
        // The engine owns the C runtime's environment: kept alive with the store.
        _engine: wasm3x::Engine,
    }

    fn with(
        mode: wasm3x::CompilationMode,
        bytes: &[u8],
        name: &str,
    ) -> Result<Box<dyn Runner>, String> {
        let mut config = wasm3x::Config::new();
        config.compilation_mode(mode);
        let engine = wasm3x::Engine::new(&config);
        let module = wasm3x::Module::new(&engine, bytes).map_err(|e| e.to_string())?;
        let mut store = wasm3x::Store::new(&engine, ());
        let instance = wasm3x::Linker::<()>::new(&engine)
            .instantiate_and_start(&mut store, &module)
            .map_err(|e| e.to_string())?;
        let func = instance
            .get_typed_func::<i32, i32>(&store, name)
            .map_err(|e| e.to_string())?;
        Ok(Box::new(Wasm3 {
            store,
            func,
            _engine: engine,
        }))
    }

    /// wasm3's default: each function compiled on its first call.
    pub fn lazy(bytes: &[u8], name: &str) -> Result<Box<dyn Runner>, String> {
        with(wasm3x::CompilationMode::Lazy, bytes, name)
    }

    /// Every function compiled at instantiation.
    pub fn eager(bytes: &[u8], name: &str) -> Result<Box<dyn Runner>, String> {
        with(wasm3x::CompilationMode::Eager, bytes, name)
    }

    impl Runner for Wasm3 {
        fn call(&mut self, arg: i32) -> Result<i32, String> {
            self.func
                .call(&mut self.store, arg)
                .map_err(|e| e.to_string())
        }
    }
}

// --------------------------------------------------------------------- Stitch

#[cfg(feature = "stitch")]
mod stitch {
    use super::Runner;
    use makepad_stitch::{Engine, Func, Linker, Module, Store, Val, ValType};

    struct Stitch {
        store: Store,
        func: Func,
    }

    pub fn prepare(bytes: &[u8], name: &str) -> Result<Box<dyn Runner>, String> {
        let mut store = Store::new(Engine::new());
        let module = Module::new(store.engine(), bytes).map_err(|e| e.to_string())?;
        let instance = Linker::new()
            .instantiate(&mut store, &module)
            .map_err(|e| e.to_string())?;
        let func = instance
            .exported_func(name)
            .ok_or_else(|| format!("no exported function `{name}`"))?;
        let ty = func.type_(&store);
        if ty.params() != [ValType::I32] || ty.results() != [ValType::I32] {
            return Err(format!("export `{name}` is not of type (i32) -> i32"));
        }
        Ok(Box::new(Stitch { store, func }))
    }

    impl Runner for Stitch {
        fn call(&mut self, arg: i32) -> Result<i32, String> {
            let mut results = [Val::I32(0)];
            self.func
                .call(&mut self.store, &[Val::I32(arg)], &mut results)
                .map_err(|e| e.to_string())?;
            results[0]
                .to_i32()
                .ok_or_else(|| "result is not an i32".to_owned())
        }
    }
}
