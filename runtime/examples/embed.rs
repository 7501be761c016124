use std::sync::Arc;

use offasm_wasm::{Extern, HostFunc, Imports, Instance, Module, Trap, ValType, Value};

fn main() -> Result<(), offasm_wasm::Error> {
    // A module that imports `env.square` and exports `sum_squares(n)`.
    let bytes = wast::parser::parse::<wast::Wat>(
        &wast::parser::ParseBuffer::new(
            r#"(module
             (import "env" "square" (func $square (param i32) (result i32)))
             (func (export "sum_squares") (param $n i32) (result i32) (local $sum i32)
               (block $done
                 (loop $next
                   (br_if $done (i32.eqz (local.get $n)))
                   (local.set $sum (i32.add (local.get $sum) (call $square (local.get $n))))
                   (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                   (br $next)))
               (local.get $sum)))"#,
        )
        .unwrap(),
    )
    .unwrap()
    .encode()
    .unwrap(); // or std::fs::read("file.wasm")
    let module = Arc::new(Module::new(&bytes)?);

    // A host function written in Rust.
    let square = HostFunc::new(vec![ValType::I32], vec![ValType::I32], |args| match args {
        [Value::I32(x)] => Ok(vec![Value::I32(x.wrapping_mul(*x))]),
        _ => Err(Trap::host()),
    });
    let mut imports = Imports::new();
    imports.define("env", "square", Extern::Func(square));

    let mut instance = Instance::new(&module, &imports)?;
    let result = instance.invoke("sum_squares", &[Value::I32(10)])?;
    assert_eq!(result, vec![Value::I32(385)]);
    println!("sum_squares(10) = {}", result[0]);
    Ok(())
}
