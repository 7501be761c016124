//! Every trap kind the interpreter has, with its location (function index and
//! the byte offset of the trapping instruction in the module binary), and the
//! instance still usable afterwards. Memory accesses of every width at every
//! edge of the memory (0, size - width, size - 1, size, 2^32 - 1, and static
//! offsets that overflow 32 bits) trap exactly when they should.

use std::sync::Arc;

use offasm_wasm::{
    Error, Extern, HostFunc, Imports, Instance, Module, Trap, TrapKind, ValType, Value,
};
use wasmparser::{Operator, Parser, Payload};

mod common;
use common::wat;

fn instance(bytes: &[u8], imports: &Imports) -> Instance {
    let module = Arc::new(Module::new(bytes).expect("valid module"));
    Instance::new(&module, imports).expect("instantiates")
}

/// Byte offset of the `nth` operator of defined function `func` (function
/// index space; the module has no imported functions) matching `pred`.
fn offset_of(bytes: &[u8], func: usize, pred: impl Fn(&Operator<'_>) -> bool) -> u32 {
    let mut index = 0;
    for payload in Parser::new(0).parse_all(bytes) {
        if let Payload::CodeSectionEntry(body) = payload.unwrap() {
            if index == func {
                let mut ops = body.get_operators_reader().unwrap();
                while !ops.eof() {
                    let (op, offset) = ops.read_with_offset().unwrap();
                    if pred(&op) {
                        return offset as u32;
                    }
                }
                panic!("no such operator in function {func}");
            }
            index += 1;
        }
    }
    panic!("no function {func}");
}

fn expect_trap(result: Result<Vec<Value>, Error>, kind: TrapKind, func: u32, offset: u32) {
    match result {
        Err(Error::Trap(t)) => assert_eq!(
            t,
            Trap {
                kind,
                func: Some(func),
                offset: Some(offset)
            },
            "{t}"
        ),
        other => panic!("expected {kind:?} in function {func} at {offset:#x}, got {other:?}"),
    }
}

const ARITH: &str = r#"(module
  (func $pad (result i32) (i32.const 7))
  (func (export "unreachable") (param i32) (result i32)
    (if (local.get 0) (then (unreachable)))
    (i32.const 1))
  (func (export "i32.div_s") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "i32.div_u") (param i32 i32) (result i32) (i32.div_u (local.get 0) (local.get 1)))
  (func (export "i32.rem_s") (param i32 i32) (result i32) (i32.rem_s (local.get 0) (local.get 1)))
  (func (export "i32.rem_u") (param i32 i32) (result i32) (i32.rem_u (local.get 0) (local.get 1)))
  (func (export "i64.div_s") (param i64 i64) (result i64) (i64.div_s (local.get 0) (local.get 1)))
  (func (export "i64.div_u") (param i64 i64) (result i64) (i64.div_u (local.get 0) (local.get 1)))
  (func (export "i64.rem_s") (param i64 i64) (result i64) (i64.rem_s (local.get 0) (local.get 1)))
  (func (export "i64.rem_u") (param i64 i64) (result i64) (i64.rem_u (local.get 0) (local.get 1)))
  (func (export "i32.div_s_imm") (param i32) (result i32) (i32.div_s (local.get 0) (i32.const 0)))
  (func (export "pad") (result i32) (call $pad))
)"#;

#[test]
fn unreachable_traps_where_it_is() {
    let bytes = wat(ARITH);
    let mut inst = instance(&bytes, &Imports::new());
    let at = offset_of(&bytes, 1, |op| matches!(op, Operator::Unreachable));
    expect_trap(
        inst.invoke("unreachable", &[Value::I32(1)]),
        TrapKind::Unreachable,
        1,
        at,
    );
    assert_eq!(
        inst.invoke("unreachable", &[Value::I32(0)]).unwrap(),
        vec![Value::I32(1)]
    );
    assert_eq!(inst.invoke("pad", &[]).unwrap(), vec![Value::I32(7)]);
}

#[test]
fn division_traps() {
    let bytes = wat(ARITH);
    let mut inst = instance(&bytes, &Imports::new());
    let i32s = |a: i32, b: i32| [Value::I32(a), Value::I32(b)];
    let i64s = |a: i64, b: i64| [Value::I64(a), Value::I64(b)];
    type Pred = fn(&Operator<'_>) -> bool;
    let ops32: [(&str, u32, Pred); 4] = [
        ("i32.div_s", 2, |o| matches!(o, Operator::I32DivS)),
        ("i32.div_u", 3, |o| matches!(o, Operator::I32DivU)),
        ("i32.rem_s", 4, |o| matches!(o, Operator::I32RemS)),
        ("i32.rem_u", 5, |o| matches!(o, Operator::I32RemU)),
    ];
    for (name, func, pred) in ops32 {
        let at = offset_of(&bytes, func as usize, pred);
        expect_trap(
            inst.invoke(name, &i32s(7, 0)),
            TrapKind::IntegerDivideByZero,
            func,
            at,
        );
        expect_trap(
            inst.invoke(name, &i32s(i32::MIN, 0)),
            TrapKind::IntegerDivideByZero,
            func,
            at,
        );
    }
    let ops64: [(&str, u32, Pred); 4] = [
        ("i64.div_s", 6, |o| matches!(o, Operator::I64DivS)),
        ("i64.div_u", 7, |o| matches!(o, Operator::I64DivU)),
        ("i64.rem_s", 8, |o| matches!(o, Operator::I64RemS)),
        ("i64.rem_u", 9, |o| matches!(o, Operator::I64RemU)),
    ];
    for (name, func, pred) in ops64 {
        let at = offset_of(&bytes, func as usize, pred);
        expect_trap(
            inst.invoke(name, &i64s(7, 0)),
            TrapKind::IntegerDivideByZero,
            func,
            at,
        );
    }
    let at = offset_of(&bytes, 10, |o| matches!(o, Operator::I32DivS));
    expect_trap(
        inst.invoke("i32.div_s_imm", &[Value::I32(5)]),
        TrapKind::IntegerDivideByZero,
        10,
        at,
    );

    // The one overflowing quotient traps; the matching remainder is 0.
    let at = offset_of(&bytes, 2, |o| matches!(o, Operator::I32DivS));
    expect_trap(
        inst.invoke("i32.div_s", &i32s(i32::MIN, -1)),
        TrapKind::IntegerOverflow,
        2,
        at,
    );
    let at = offset_of(&bytes, 6, |o| matches!(o, Operator::I64DivS));
    expect_trap(
        inst.invoke("i64.div_s", &i64s(i64::MIN, -1)),
        TrapKind::IntegerOverflow,
        6,
        at,
    );
    assert_eq!(
        inst.invoke("i32.rem_s", &i32s(i32::MIN, -1)).unwrap(),
        vec![Value::I32(0)]
    );
    assert_eq!(
        inst.invoke("i64.rem_s", &i64s(i64::MIN, -1)).unwrap(),
        vec![Value::I64(0)]
    );

    // The instance still works, with the same results as Rust.
    for (a, b) in [
        (7, 2),
        (-7, 2),
        (7, -2),
        (i32::MIN, 1),
        (i32::MAX, -1),
        (-1, 3),
    ] {
        assert_eq!(
            inst.invoke("i32.div_s", &i32s(a, b)).unwrap(),
            vec![Value::I32(a.wrapping_div(b))]
        );
        assert_eq!(
            inst.invoke("i32.rem_s", &i32s(a, b)).unwrap(),
            vec![Value::I32(a.wrapping_rem(b))]
        );
        let (ua, ub) = (a as u32, b as u32);
        assert_eq!(
            inst.invoke("i32.div_u", &i32s(a, b)).unwrap(),
            vec![Value::I32((ua / ub) as i32)]
        );
        assert_eq!(
            inst.invoke("i32.rem_u", &i32s(a, b)).unwrap(),
            vec![Value::I32((ua % ub) as i32)]
        );
        let (a, b) = ((a as i64).wrapping_mul(0x1_0000_0001), b as i64);
        assert_eq!(
            inst.invoke("i64.div_s", &i64s(a, b)).unwrap(),
            vec![Value::I64(a.wrapping_div(b))]
        );
        assert_eq!(
            inst.invoke("i64.rem_u", &i64s(a, b)).unwrap(),
            vec![Value::I64(((a as u64) % (b as u64)) as i64)]
        );
    }
}

#[test]
fn call_stack_exhaustion_traps_at_the_call() {
    let bytes = wat(r#"(module
      (func $pad)
      (func $rec (export "rec") (param i32) (result i32)
        (i32.add (local.get 0) (call $rec (local.get 0))))
      (func $wide (export "wide") (param i32) (result i64)
        (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
               i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
        (call $wide (local.get 0)))
      (func (export "ok") (result i32) (i32.const 42)))"#);
    let mut inst = instance(&bytes, &Imports::new());
    let at = offset_of(&bytes, 1, |o| matches!(o, Operator::Call { .. }));
    expect_trap(
        inst.invoke("rec", &[Value::I32(1)]),
        TrapKind::CallStackExhausted,
        1,
        at,
    );
    // Frames of 34 slots run out of value stack before the return stack is full.
    let at = offset_of(&bytes, 2, |o| matches!(o, Operator::Call { .. }));
    expect_trap(
        inst.invoke("wide", &[Value::I32(1)]),
        TrapKind::CallStackExhausted,
        2,
        at,
    );
    assert_eq!(inst.invoke("ok", &[]).unwrap(), vec![Value::I32(42)]);
    expect_trap(
        inst.invoke("rec", &[Value::I32(1)]),
        TrapKind::CallStackExhausted,
        1,
        offset_of(&bytes, 1, |o| matches!(o, Operator::Call { .. })),
    );
}

/// The stacks start small and grow when a call finds them full: frames
/// deep in a recursion keep their values across every growth, a host call
/// deep down sees its arguments, and the limits are where they were.
#[test]
fn deep_recursion_grows_the_stacks_and_keeps_every_frame() {
    let bytes = wat(r#"(module
      (import "env" "id" (func $id (param i64) (result i64)))
      (func $sum (export "sum") (param $n i64) (result i64)
        (local $keep i64)
        (local.set $keep (i64.mul (local.get $n) (i64.const 3)))
        (if (result i64) (i64.eqz (local.get $n))
          (then (call $id (i64.const 1000)))
          (else
            (i64.add
              (i64.sub (local.get $keep) (i64.add (local.get $n) (local.get $n)))
              (call $sum (i64.sub (local.get $n) (i64.const 1))))))))"#);
    let mut imports = Imports::new();
    imports.define(
        "env",
        "id",
        Extern::Func(HostFunc::new(
            vec![ValType::I64],
            vec![ValType::I64],
            |args: &[Value]| Ok(args.to_vec()),
        )),
    );
    let mut inst = instance(&bytes, &imports);
    // 60,000 frames: the return stack grows from 256 entries three times,
    // the value stack twice; each frame still adds its own n.
    for n in [10i64, 300, 5_000, 60_000, 10] {
        assert_eq!(
            inst.invoke("sum", &[Value::I64(n)]).unwrap(),
            vec![Value::I64(n * (n + 1) / 2 + 1000)],
            "sum({n})"
        );
    }
    // The limit is 65,536 nested calls, as before.
    expect_trap(
        inst.invoke("sum", &[Value::I64(70_000)]),
        TrapKind::CallStackExhausted,
        1,
        offset_of(&bytes, 0, |o| matches!(o, Operator::Call { function_index: 1 })),
    );
}

#[test]
fn host_function_failure_is_a_trap() {
    let bytes = wat(r#"(module
      (import "env" "check" (func $check (param i32) (result i32)))
      (func (export "f") (param i32) (result i32) (i32.add (call $check (local.get 0)) (i32.const 1))))"#);
    let mut imports = Imports::new();
    imports.define(
        "env",
        "check",
        Extern::Func(HostFunc::new(
            vec![ValType::I32],
            vec![ValType::I32],
            |args| match args[0] {
                Value::I32(v) if v >= 0 => Ok(vec![Value::I32(v * 10)]),
                _ => Err(Trap::host()),
            },
        )),
    );
    let mut inst = instance(&bytes, &imports);
    assert_eq!(
        inst.invoke("f", &[Value::I32(4)]).unwrap(),
        vec![Value::I32(41)]
    );
    match inst.invoke("f", &[Value::I32(-1)]) {
        Err(Error::Trap(t)) => assert_eq!(t.kind, TrapKind::Host),
        other => panic!("expected a host trap, got {other:?}"),
    }
    assert_eq!(
        inst.invoke("f", &[Value::I32(5)]).unwrap(),
        vec![Value::I32(51)]
    );
}

/// (load or store, result/value type, natural width in bytes)
const ACCESSES: &[(&str, &str, u32)] = &[
    ("i32.load", "i32", 4),
    ("i32.load8_s", "i32", 1),
    ("i32.load8_u", "i32", 1),
    ("i32.load16_s", "i32", 2),
    ("i32.load16_u", "i32", 2),
    ("i64.load", "i64", 8),
    ("i64.load8_s", "i64", 1),
    ("i64.load8_u", "i64", 1),
    ("i64.load16_s", "i64", 2),
    ("i64.load16_u", "i64", 2),
    ("i64.load32_s", "i64", 4),
    ("i64.load32_u", "i64", 4),
    ("i32.store", "i32", 4),
    ("i32.store8", "i32", 1),
    ("i32.store16", "i32", 2),
    ("i64.store", "i64", 8),
    ("i64.store8", "i64", 1),
    ("i64.store16", "i64", 2),
    ("i64.store32", "i64", 4),
];

#[test]
fn memory_accesses_trap_exactly_out_of_bounds() {
    const PAGE: u64 = 65536;
    // Static offsets: none, one that puts the access at the end of the page,
    // and one that overflows 32 bits with any address (and even alone).
    let offsets = |w: u32| [0u64, PAGE - w as u64, 0xffff_ffff];
    let mut text = String::from("(module (memory 1)\n");
    let mut funcs = Vec::new();
    for &(op, ty, w) in ACCESSES {
        for off in offsets(w) {
            let name = format!("{op}@{off}");
            if op.contains("load") {
                text += &format!("(func (export \"{name}\") (param i32) (result {ty}) ({op} offset={off} (local.get 0)))\n");
            } else {
                text += &format!("(func (export \"{name}\") (param i32) ({op} offset={off} (local.get 0) ({ty}.const -1)))\n");
            }
            funcs.push((name, op, ty, w, off));
        }
    }
    text += ")";
    let bytes = wat(&text);
    let mut inst = instance(&bytes, &Imports::new());
    let mut checked = 0;
    for (index, (name, op, ty, w, off)) in funcs.iter().enumerate() {
        let at = offset_of(&bytes, index, |o| {
            !matches!(
                o,
                Operator::LocalGet { .. } | Operator::I32Const { .. } | Operator::I64Const { .. }
            )
        });
        let size = PAGE;
        let addrs: [u64; 7] = [
            0,
            1,
            size - *w as u64,
            size - *w as u64 + 1,
            size - 1,
            size,
            0xffff_ffff,
        ];
        for addr in addrs {
            let end = addr + off + *w as u64;
            let result = inst.invoke(name, &[Value::I32(addr as u32 as i32)]);
            if end <= size {
                let values = result.unwrap_or_else(|e| panic!("{name}({addr}): {e}"));
                if op.contains("load") {
                    assert_eq!(values.len(), 1, "{name}");
                    assert_eq!(values[0].ty().to_string(), *ty, "{name}");
                } else {
                    assert!(values.is_empty());
                }
            } else {
                expect_trap(result, TrapKind::MemoryOutOfBounds, index as u32, at);
            }
            checked += 1;
        }
    }
    assert_eq!(checked, ACCESSES.len() * 3 * 7);
}

#[test]
fn loads_read_what_stores_wrote_little_endian() {
    let bytes = wat(r#"(module (memory 1)
      (func (export "store64") (param i32 i64) (i64.store (local.get 0) (local.get 1)))
      (func (export "load8_s") (param i32) (result i32) (i32.load8_s (local.get 0)))
      (func (export "load16_u") (param i32) (result i32) (i32.load16_u (local.get 0)))
      (func (export "load32_s") (param i32) (result i64) (i64.load32_s (local.get 0)))
      (func (export "size") (result i32) (memory.size))
      (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#);
    let mut inst = instance(&bytes, &Imports::new());
    inst.invoke(
        "store64",
        &[
            Value::I32(65528),
            Value::I64(0x8081_8283_f4f5_f6f7u64 as i64),
        ],
    )
    .unwrap();
    assert_eq!(
        inst.invoke("load8_s", &[Value::I32(65528)]).unwrap(),
        vec![Value::I32(-9)]
    );
    assert_eq!(
        inst.invoke("load16_u", &[Value::I32(65528)]).unwrap(),
        vec![Value::I32(0xf6f7)]
    );
    assert_eq!(
        inst.invoke("load32_s", &[Value::I32(65532)]).unwrap(),
        vec![Value::I64(0xffff_ffff_8081_8283u64 as i64)]
    );
    // After growing, the old edge is in bounds and the new one traps.
    expect_trap(
        inst.invoke("load8_s", &[Value::I32(65536)]),
        TrapKind::MemoryOutOfBounds,
        1,
        offset_of(&bytes, 1, |o| matches!(o, Operator::I32Load8S { .. })),
    );
    assert_eq!(
        inst.invoke("grow", &[Value::I32(1)]).unwrap(),
        vec![Value::I32(1)]
    );
    assert_eq!(inst.invoke("size", &[]).unwrap(), vec![Value::I32(2)]);
    assert_eq!(
        inst.invoke("load8_s", &[Value::I32(65536)]).unwrap(),
        vec![Value::I32(0)]
    );
    assert_eq!(
        inst.invoke("grow", &[Value::I32(65535)]).unwrap(),
        vec![Value::I32(-1)]
    );
    assert_eq!(inst.invoke("size", &[]).unwrap(), vec![Value::I32(2)]);
}

/// `x + c` folded into the access that uses it as its address wraps at 32
/// bits as `i32.add` does: the fused handlers must not add in 64 bits.
#[test]
fn folded_address_sums_wrap_at_32_bits() {
    let bytes = wat(r#"(module (memory 1)
      (func (export "store_at_minus_4") (param i32 i32)
        (i32.store (i32.add (local.get 0) (i32.const -4)) (local.get 1)))
      (func (export "load_at_plus_8") (param i32) (result i32)
        (i32.load offset=2 (i32.add (local.get 0) (i32.const 8))))
      (func (export "byte_at_minus_2_of_loaded") (param i32) (result i32)
        (i32.load8_u (i32.sub (i32.load (local.get 0)) (i32.const 2))))
      (func (export "sum_then_local_set") (param i32) (result i32)
        (local i32)
        (local.set 1 (i32.add (local.get 0) (i32.const 4)))
        (local.set 0 (i32.const 100))
        (i32.load (local.get 1)))
      (func (export "sum_kept_across_set") (param i32) (result i32)
        (i32.add (local.get 0) (i32.const 4))
        (local.set 0 (i32.const 0))
        (i32.load)))"#);
    let mut inst = instance(&bytes, &Imports::new());
    // 0 + (-4) wraps to 0xfffffffc: out of bounds, not address -4 + 64 bits.
    expect_trap(
        inst.invoke("store_at_minus_4", &[Value::I32(0), Value::I32(1)]),
        TrapKind::MemoryOutOfBounds,
        0,
        offset_of(&bytes, 0, |o| matches!(o, Operator::I32Store { .. })),
    );
    inst.invoke("store_at_minus_4", &[Value::I32(16), Value::I32(0x1234_5678)]).unwrap();
    // 0xfffffffc + 8 wraps to 4, offset 2: the word at 6, stored at 10 - 4.
    inst.invoke("store_at_minus_4", &[Value::I32(10), Value::I32(0x0a0b_0c0d)]).unwrap();
    assert_eq!(
        inst.invoke("load_at_plus_8", &[Value::I32(-4)]).unwrap(),
        vec![Value::I32(0x0a0b_0c0d)]
    );
    expect_trap(
        inst.invoke("load_at_plus_8", &[Value::I32(65526)]),
        TrapKind::MemoryOutOfBounds,
        1,
        offset_of(&bytes, 1, |o| matches!(o, Operator::I32Load { .. })),
    );
    // The base of the sum is a loaded value (a slot of its own): 16 - 2 = 14.
    inst.invoke("store_at_minus_4", &[Value::I32(104), Value::I32(16)]).unwrap();
    assert_eq!(
        inst.invoke("byte_at_minus_2_of_loaded", &[Value::I32(100)]).unwrap(),
        vec![Value::I32(0x34)]
    );
    assert_eq!(
        inst.invoke("sum_then_local_set", &[Value::I32(8)]).unwrap(),
        vec![Value::I32(0x1234_5678)]
    );
    // The sum is taken before local 0 changes.
    assert_eq!(
        inst.invoke("sum_kept_across_set", &[Value::I32(8)]).unwrap(),
        vec![Value::I32(0x1234_5678)]
    );
}

#[test]
fn call_indirect_traps() {
    let bytes = wat(r#"(module
      (type $ii (func (param i32) (result i32)))
      (type $v (func (result i32)))
      (table 4 funcref)
      (elem (i32.const 0) $double $seven)
      (func $double (type $ii) (i32.mul (local.get 0) (i32.const 2)))
      (func $seven (type $v) (i32.const 7))
      (func (export "call_ii") (param i32 i32) (result i32)
        (call_indirect (type $ii) (local.get 1) (local.get 0)))
      (func (export "call_v") (param i32) (result i32)
        (call_indirect (type $v) (local.get 0))))"#);
    let mut inst = instance(&bytes, &Imports::new());
    let at2 = offset_of(&bytes, 2, |o| matches!(o, Operator::CallIndirect { .. }));
    let at3 = offset_of(&bytes, 3, |o| matches!(o, Operator::CallIndirect { .. }));
    assert_eq!(
        inst.invoke("call_ii", &[Value::I32(0), Value::I32(21)])
            .unwrap(),
        vec![Value::I32(42)]
    );
    assert_eq!(
        inst.invoke("call_v", &[Value::I32(1)]).unwrap(),
        vec![Value::I32(7)]
    );
    expect_trap(
        inst.invoke("call_ii", &[Value::I32(1), Value::I32(0)]),
        TrapKind::IndirectCallTypeMismatch,
        2,
        at2,
    );
    expect_trap(
        inst.invoke("call_v", &[Value::I32(0)]),
        TrapKind::IndirectCallTypeMismatch,
        3,
        at3,
    );
    expect_trap(
        inst.invoke("call_v", &[Value::I32(2)]),
        TrapKind::UninitializedElement,
        3,
        at3,
    );
    expect_trap(
        inst.invoke("call_v", &[Value::I32(4)]),
        TrapKind::UndefinedElement,
        3,
        at3,
    );
    expect_trap(
        inst.invoke("call_v", &[Value::I32(-1)]),
        TrapKind::UndefinedElement,
        3,
        at3,
    );
    assert_eq!(
        inst.invoke("call_ii", &[Value::I32(0), Value::I32(-5)])
            .unwrap(),
        vec![Value::I32(-10)]
    );
}

#[test]
fn float_to_integer_conversion_traps() {
    let bytes = wat(r#"(module
      (func (export "i32.trunc_f32_s") (param f32) (result i32) (i32.trunc_f32_s (local.get 0)))
      (func (export "i32.trunc_f64_u") (param f64) (result i32) (i32.trunc_f64_u (local.get 0)))
      (func (export "i64.trunc_f64_s") (param f64) (result i64) (i64.trunc_f64_s (local.get 0)))
      (func (export "i64.trunc_f32_u") (param f32) (result i64) (i64.trunc_f32_u (local.get 0))))"#);
    let mut inst = instance(&bytes, &Imports::new());
    let f32v = |x: f32| [Value::F32(x.to_bits())];
    let f64v = |x: f64| [Value::F64(x.to_bits())];
    let at = |f: usize| offset_of(&bytes, f, |o| !matches!(o, Operator::LocalGet { .. }));
    expect_trap(
        inst.invoke("i32.trunc_f32_s", &f32v(f32::NAN)),
        TrapKind::InvalidConversionToInteger,
        0,
        at(0),
    );
    expect_trap(
        inst.invoke("i32.trunc_f32_s", &f32v(2147483648.0)),
        TrapKind::IntegerOverflow,
        0,
        at(0),
    );
    expect_trap(
        inst.invoke("i32.trunc_f32_s", &f32v(-2147483904.0)),
        TrapKind::IntegerOverflow,
        0,
        at(0),
    );
    assert_eq!(
        inst.invoke("i32.trunc_f32_s", &f32v(-2147483648.0))
            .unwrap(),
        vec![Value::I32(i32::MIN)]
    );
    assert_eq!(
        inst.invoke("i32.trunc_f32_s", &f32v(-1.9)).unwrap(),
        vec![Value::I32(-1)]
    );
    expect_trap(
        inst.invoke("i32.trunc_f64_u", &f64v(-1.0)),
        TrapKind::IntegerOverflow,
        1,
        at(1),
    );
    expect_trap(
        inst.invoke("i32.trunc_f64_u", &f64v(4294967296.0)),
        TrapKind::IntegerOverflow,
        1,
        at(1),
    );
    expect_trap(
        inst.invoke("i32.trunc_f64_u", &f64v(f64::NEG_INFINITY)),
        TrapKind::IntegerOverflow,
        1,
        at(1),
    );
    assert_eq!(
        inst.invoke("i32.trunc_f64_u", &f64v(-0.99)).unwrap(),
        vec![Value::I32(0)]
    );
    assert_eq!(
        inst.invoke("i32.trunc_f64_u", &f64v(4294967295.9)).unwrap(),
        vec![Value::I32(-1)]
    );
    expect_trap(
        inst.invoke("i64.trunc_f64_s", &f64v(-f64::NAN)),
        TrapKind::InvalidConversionToInteger,
        2,
        at(2),
    );
    expect_trap(
        inst.invoke("i64.trunc_f64_s", &f64v(9223372036854775808.0)),
        TrapKind::IntegerOverflow,
        2,
        at(2),
    );
    assert_eq!(
        inst.invoke("i64.trunc_f64_s", &f64v(-9223372036854775808.0))
            .unwrap(),
        vec![Value::I64(i64::MIN)]
    );
    expect_trap(
        inst.invoke("i64.trunc_f32_u", &f32v(18446744073709551616.0)),
        TrapKind::IntegerOverflow,
        3,
        at(3),
    );
    assert_eq!(
        inst.invoke("i64.trunc_f32_u", &f32v(18446742974197923840.0))
            .unwrap(),
        vec![Value::I64(-1099511627776)]
    );
}

#[test]
fn traps_in_another_instance_name_the_callee() {
    let a_bytes = wat(r#"(module
      (memory (export "mem") 1)
      (func $pad)
      (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
      (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#);
    let mut a = instance(&a_bytes, &Imports::new());
    let mut imports = Imports::new();
    for (name, item) in a.exports() {
        imports.define("a", &name, item);
    }
    let b_bytes = wat(r#"(module
      (import "a" "load" (func $load (param i32) (result i32)))
      (import "a" "grow" (func $grow (param i32) (result i32)))
      (memory 1)
      (func (export "store_own") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
      (func (export "load_own") (param i32) (result i32) (i32.load (local.get 0)))
      (func (export "load_a") (param i32) (result i32)
        (i32.add (call $load (local.get 0)) (i32.load (local.get 0))))
      (func (export "grow_a") (param i32) (result i32) (call $grow (local.get 0))))"#);
    let mut b = instance(&b_bytes, &imports);
    // b's memory and a's are different: the call switches and switches back.
    b.invoke("store_own", &[Value::I32(8), Value::I32(5)])
        .unwrap();
    a.memory().unwrap().write(8, &40i32.to_le_bytes()).unwrap();
    assert_eq!(
        b.invoke("load_a", &[Value::I32(8)]).unwrap(),
        vec![Value::I32(45)]
    );
    // A trap inside a's function, called from b, names a's function.
    let at = offset_of(&a_bytes, 1, |o| matches!(o, Operator::I32Load { .. }));
    expect_trap(
        b.invoke("load_a", &[Value::I32(65536)]),
        TrapKind::MemoryOutOfBounds,
        1,
        at,
    );
    // Growing a's memory from b grows a's (not b's), and b's own stays bounded.
    assert_eq!(
        b.invoke("grow_a", &[Value::I32(1)]).unwrap(),
        vec![Value::I32(1)]
    );
    assert_eq!(
        a.invoke("load", &[Value::I32(65536)]).unwrap(),
        vec![Value::I32(0)]
    );
    let at = offset_of(&b_bytes, 1, |o| matches!(o, Operator::I32Load { .. })); // defined function 1 = index 3
    expect_trap(
        b.invoke("load_own", &[Value::I32(65536)]),
        TrapKind::MemoryOutOfBounds,
        3,
        at,
    );
    assert_eq!(
        b.invoke("load_own", &[Value::I32(8)]).unwrap(),
        vec![Value::I32(5)]
    );
}
