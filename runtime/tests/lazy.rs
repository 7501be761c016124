//! Translation is lazy: a function is translated at its first call, by
//! whichever instance makes it (its own, another instance calling its export,
//! a table, the start function), and runs the same as if translated eagerly.

use std::sync::Arc;

use offasm_wasm::{Imports, Instance, Module, Value};

mod common;
use common::wat;

fn instance(text: &str, imports: &Imports) -> Instance {
    let module = Arc::new(Module::new(&wat(text)).expect("valid module"));
    Instance::new(&module, imports).expect("instantiates")
}

const CHAIN: &str = r#"(module
  (table 2 funcref)
  (elem (i32.const 0) $by_table $unused)
  (type $t (func (param i32) (result i32)))
  (func $by_table (type $t) (i32.mul (local.get 0) (i32.const 3)))
  (func $unused (type $t) (local.get 0))
  (func $direct (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
  (func (export "f") (param i32) (result i32)
    (call_indirect (type $t) (call $direct (local.get 0)) (i32.const 0)))
  (func (export "g") (result i32) (i32.const 9)))"#;

#[test]
fn functions_are_translated_at_their_first_call_only() {
    let mut i = instance(CHAIN, &Imports::new());
    assert_eq!(i.translated_functions(), 0);
    assert_eq!(i.invoke("f", &[Value::I32(4)]).unwrap(), vec![Value::I32(15)]);
    // f, $direct and $by_table ran; $unused and g did not.
    assert_eq!(i.translated_functions(), 3);
    assert_eq!(i.invoke("f", &[Value::I32(5)]).unwrap(), vec![Value::I32(18)]);
    assert_eq!(i.translated_functions(), 3);
    i.translate_all().unwrap();
    assert_eq!(i.translated_functions(), 5);
    assert_eq!(i.invoke("g", &[]).unwrap(), vec![Value::I32(9)]);
}

#[test]
fn another_instance_translates_what_it_calls_first() {
    let a = instance(CHAIN, &Imports::new());
    let mut imports = Imports::new();
    imports.define("a", "f", a.export("f").unwrap());
    let mut b = instance(
        r#"(module
          (import "a" "f" (func $f (param i32) (result i32)))
          (func (export "twice") (param i32) (result i32) (call $f (call $f (local.get 0)))))"#,
        &imports,
    );
    assert_eq!(a.translated_functions(), 0);
    // (4 + 1) * 3 = 15, then (15 + 1) * 3 = 48: a's functions, translated on b's call.
    assert_eq!(b.invoke("twice", &[Value::I32(4)]).unwrap(), vec![Value::I32(48)]);
    assert_eq!(a.translated_functions(), 3);
    assert_eq!(b.translated_functions(), 1);
}

#[test]
fn the_start_function_is_translated_when_it_runs() {
    let mut i = instance(
        r#"(module
          (global $g (mut i32) (i32.const 0))
          (func $start (global.set $g (call $seven)))
          (func $seven (result i32) (i32.const 7))
          (func (export "get") (result i32) (global.get $g))
          (start $start))"#,
        &Imports::new(),
    );
    assert_eq!(i.translated_functions(), 2);
    assert_eq!(i.invoke("get", &[]).unwrap(), vec![Value::I32(7)]);
}

#[test]
fn a_first_call_in_dead_code_shaped_function_fits_its_frame() {
    // Operands left before a branch, then blocks in the dead code after it:
    // the frame the call sets up before translation (bounded by validation)
    // must hold what the translator uses. Recursing deeply makes the first
    // call of `dead` land near the end of a grown stack.
    let mut i = instance(
        r#"(module
          (func $dead (param i32) (result i32)
            (block (result i32)
              (i32.const 1) (i32.const 2) (br 0)
              (block (result i32) (block (result i32) (i32.const 3)))
              (drop)))
          (func $down (export "down") (param i32) (result i32)
            (if (result i32) (local.get 0)
              (then (call $down (i32.sub (local.get 0) (i32.const 1))))
              (else (call $dead (i32.const 0))))))"#,
        &Imports::new(),
    );
    assert_eq!(i.invoke("down", &[Value::I32(50_000)]).unwrap(), vec![Value::I32(2)]);
}
