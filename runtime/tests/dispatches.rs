//! Feature `count-dispatches`: the instrumented core counts every handler
//! dispatch (`Instance::dispatches`), the figure the benchmark reports per
//! kernel. A loop's count must grow by the same number of dispatches per
//! iteration, and a build without the feature reports none.

use std::sync::Arc;

use offasm_wasm::{Imports, Instance, Module, Value};

mod common;
use common::wat;

const COUNTDOWN: &str = r#"(module
  (func (export "countdown") (param i32) (result i32)
    (local i32)
    (block
      (loop
        (br_if 1 (i32.eqz (local.get 0)))
        (local.set 1 (i32.add (local.get 1) (i32.const 3)))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (br 0)))
    (local.get 1)))"#;

/// Dispatches of a fresh instance running `countdown(n)`.
fn dispatches(n: i32) -> Option<u64> {
    let module = Arc::new(Module::new(&wat(COUNTDOWN)).unwrap());
    let mut instance = Instance::new(&module, &Imports::new()).unwrap();
    assert_eq!(instance.dispatches().unwrap_or(0), 0);
    let r = instance.invoke("countdown", &[Value::I32(n)]).unwrap();
    assert_eq!(r, vec![Value::I32(3 * n)]);
    instance.dispatches()
}

#[test]
#[cfg(feature = "count-dispatches")]
fn every_iteration_costs_the_same_dispatches() {
    let (d0, d1, d100) = (dispatches(0).unwrap(), dispatches(1).unwrap(), dispatches(100).unwrap());
    let per_iteration = d1 - d0;
    // Exit test, two arithmetic instructions, the back branch: each at most one dispatch.
    assert!((1..=4).contains(&per_iteration), "{d0} {d1}");
    assert_eq!(d100 - d0, 100 * per_iteration, "{d0} {d1} {d100}");
}

#[test]
#[cfg(not(feature = "count-dispatches"))]
fn an_uninstrumented_build_counts_nothing() {
    assert_eq!(dispatches(5), None);
}
