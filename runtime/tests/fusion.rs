//! The translator's fused shapes against wasmi 2.0 as the oracle: loop steps
//! (`x += addend` then a compare-and-branch on `x`, for every i32 condition,
//! addend and bound each a local or a constant, `x` on either side of the
//! compare, in `br_if` and in `if`), address sums folded into loads and
//! stores, and the other fused shapes below, among them float
//! compare-and-branches (NaN operands on either side). Each function runs for
//! a range of arguments, including values where the add wraps.

use std::sync::Arc;

use offasm_wasm::{Imports, Instance, Module, Value};

mod common;
use common::wat;

const CONDITIONS: &[&str] = &["eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u"];

/// A loop counting how often `x += step` keeps `x <cond> bound` (at most 50
/// rounds), returning count * 1000 + x; in four shapes per condition.
fn step_module() -> String {
    let mut funcs = String::new();
    for cond in CONDITIONS {
        // addend and bound locals; x on the left.
        funcs.push_str(&format!(
            r#"(func (export "ss_{cond}") (param $x i32) (param $step i32) (param $bound i32) (result i32)
                 (local $n i32)
                 (block (loop
                   (br_if 1 (i32.ge_u (local.get $n) (i32.const 50)))
                   (local.set $n (i32.add (local.get $n) (i32.const 1)))
                   (local.set $x (i32.add (local.get $x) (local.get $step)))
                   (br_if 0 (i32.{cond} (local.get $x) (local.get $bound)))))
                 (i32.add (i32.mul (local.get $n) (i32.const 1000)) (local.get $x)))
               (func (export "ii_{cond}") (param $x i32) (param $step i32) (param $bound i32) (result i32)
                 (local $n i32)
                 (block (loop
                   (br_if 1 (i32.ge_u (local.get $n) (i32.const 50)))
                   (local.set $n (i32.add (local.get $n) (i32.const 1)))
                   (local.set $x (i32.add (local.get $x) (i32.const 7)))
                   (br_if 0 (i32.{cond} (local.get $x) (i32.const 40)))))
                 (i32.add (i32.mul (local.get $n) (i32.const 1000)) (local.get $x)))
               (func (export "swapped_{cond}") (param $x i32) (param $step i32) (param $bound i32) (result i32)
                 (local $n i32)
                 (block (loop
                   (br_if 1 (i32.ge_u (local.get $n) (i32.const 50)))
                   (local.set $n (i32.add (local.get $n) (i32.const 1)))
                   (local.set $x (i32.add (local.get $step) (local.get $x)))
                   (br_if 0 (i32.{cond} (local.get $bound) (local.get $x)))))
                 (i32.add (i32.mul (local.get $n) (i32.const 1000)) (local.get $x)))
               (func (export "if_{cond}") (param $x i32) (param $step i32) (param $bound i32) (result i32)
                 (local $n i32)
                 (loop $again
                   (local.set $x (i32.sub (local.get $x) (i32.const 3)))
                   (if (i32.{cond} (local.get $x) (local.get $bound))
                     (then
                       (local.set $n (i32.add (local.get $n) (i32.const 1)))
                       (br_if $again (i32.lt_u (local.get $n) (i32.const 50))))))
                 (i32.add (i32.mul (local.get $n) (i32.const 1000)) (local.get $x)))
            "#
        ));
    }
    format!("(module {funcs})")
}

const ADDRESSES: &str = r#"(module (memory 1)
  (func (export "fill") (param $n i32)
    (loop $l
      (i32.store8 (local.get $n) (i32.mul (local.get $n) (i32.const 7)))
      (local.tee $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (i32.ge_s (i32.const 0)))))
  (func (export "sum_at") (param $p i32) (param $q i32) (result i32)
    (i32.add
      (i32.add (i32.load8_u (i32.add (local.get $p) (i32.const 3)))
               (i32.load16_s offset=1 (i32.sub (local.get $p) (i32.const 2))))
      (i32.load (i32.add (i32.add (local.get $q) (i32.const -8)) (i32.const 5)))))
  (func (export "scaled") (param $i i32) (param $j i32) (result i32)
    (i32.store (i32.add (i32.shl (local.get $j) (i32.const 2)) (i32.const 64)) (local.get $i))
    (i64.store offset=4 (i32.add (i32.shl (local.get $i) (i32.const 3)) (i32.const -8)) (i64.extend_i32_u (local.get $j)))
    (i32.add
      (i32.add (i32.load (i32.add (i32.shl (local.get $j) (i32.const 2)) (i32.const 64)))
               (i32.load16_u (i32.shl (local.get $i) (i32.const 1))))
      (i32.add (i32.wrap_i64 (i64.load (i32.sub (i32.shl (local.get $j) (i32.const 3)) (i32.const 4))))
               (i32.load8_u (i32.shl (local.get $i) (i32.const 2))))))
  (func (export "store_then_load") (param $p i32) (param $v i64) (result i64)
    (i64.store32 (i32.add (local.get $p) (i32.const 16)) (local.get $v))
    (i64.store8 offset=2 (i32.add (local.get $p) (i32.const 16)) (i64.const 255))
    (i64.load (i32.add (local.get $p) (i32.const 16)))))"#;

/// Full-width loads feeding arithmetic (one instruction each), on either
/// side, with addresses that may be out of bounds; and a load before a
/// division by zero, whose trap must come first.
const LOADED: &str = r#"(module (memory 1)
  (func (export "init") (local $i i32)
    (loop $l
      (i32.store (local.get $i) (i32.mul (local.get $i) (i32.const 0x01010101)))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 4))) (i32.const 65536)))))
  (func (export "i32_sub") (param $p i32) (param $x i32) (result i32)
    (i32.sub (i32.load (local.get $p)) (local.get $x)))
  (func (export "i32_sub_r") (param $p i32) (param $x i32) (result i32)
    (i32.sub (local.get $x) (i32.load offset=3 (i32.add (local.get $p) (i32.const 5)))))
  (func (export "i64_mul") (param $p i32) (param $x i32) (result i64)
    (i64.mul (i64.extend_i32_s (local.get $x)) (i64.load (local.get $p))))
  (func (export "f64_div") (param $p i32) (param $x i32) (result i64)
    (i64.reinterpret_f64 (f64.div (f64.load (local.get $p)) (f64.convert_i32_s (local.get $x)))))
  (func (export "f32_sub_r") (param $p i32) (param $x i32) (result i32)
    (i32.reinterpret_f32 (f32.sub (f32.convert_i32_s (local.get $x)) (f32.load offset=8 (local.get $p)))))
  (func (export "count_below") (param $p i32) (param $x i32) (result i32)
    (local $n i32)
    (block $out (loop $l
      (br_if $out (i32.ge_u (i32.load (local.get $p)) (local.get $x)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br_if $l (i32.lt_u (local.get $n) (i32.const 40)))))
    (local.get $n))
  (func (export "pick") (param $p i32) (param $x i32) (result i32)
    (if (result i32) (i64.gt_s (i64.extend_i32_s (local.get $x)) (i64.load offset=4 (local.get $p)))
      (then (i32.const 1)) (else (i32.const 2))))
  (func (export "cmp_value") (param $p i32) (param $x i32) (result i32)
    (i32.add (i32.lt_s (local.get $x) (i32.load (local.get $p))) (i32.const 10)))
  (func (export "store_results") (param $p i32) (param $x i32) (result i32)
    (i32.store (local.get $p) (i32.sub (local.get $x) (local.get $p)))
    (f64.store offset=16 (local.get $p) (f64.mul (f64.convert_i32_s (local.get $x)) (f64.convert_i32_u (local.get $p))))
    (i64.store (i32.add (local.get $p) (i32.const 24)) (i64.xor (i64.extend_i32_u (local.get $x)) (i64.extend_i32_s (local.get $p))))
    ;; a result dropped, then another value stored: not the dropped one
    (drop (i32.add (local.get $x) (local.get $x)))
    (i32.store offset=4 (local.get $p) (local.get $x))
    (i32.add (i32.load (local.get $p)) (i32.load offset=4 (local.get $p))))
  (func (export "bumped") (param $p i32) (param $x i32) (result i32)
    (local $s i32)
    (loop $l
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (local.set $s (i32.add (local.get $s) (i32.load8_u offset=1 (local.get $p))))
      (local.set $p (i32.sub (local.get $p) (i32.const 2)))
      (local.set $s (i32.xor (local.get $s) (i32.load (local.get $p))))
      (br_if $l (i32.lt_u (local.tee $x (i32.add (local.get $x) (i32.const 1))) (i32.const 20))))
    (i32.add (local.get $s) (local.get $p)))
  (func (export "load_then_div") (param $p i32) (param $x i32) (result i32)
    (i32.add (i32.load (local.get $p)) (i32.div_s (local.get $x) (i32.const 0)))))"#;

/// Calls `name` with `args` on both engines; the results (or both trapping)
/// must agree.
fn agree(ours: &mut Instance, theirs: &wasmi::Instance, store: &mut wasmi::Store<()>, name: &str, args: &[Value]) {
    agree_as(ours, theirs, store, name, args, |v| v)
}

/// `agree`, comparing the results as `same` maps them.
fn agree_as(
    ours: &mut Instance,
    theirs: &wasmi::Instance,
    store: &mut wasmi::Store<()>,
    name: &str,
    args: &[Value],
    same: fn(Value) -> Value,
) {
    let ours = ours.invoke(name, args).map(|r| r.into_iter().map(same).collect::<Vec<_>>()).map_err(|_| ());
    let func = theirs.get_func(&*store, name).unwrap();
    let wargs: Vec<wasmi::Val> = args
        .iter()
        .map(|a| match *a {
            Value::I32(v) => wasmi::Val::I32(v),
            Value::I64(v) => wasmi::Val::I64(v),
            _ => unreachable!(),
        })
        .collect();
    let mut out = vec![wasmi::Val::I32(0); func.ty(&*store).results().len()];
    let theirs = func.call(&mut *store, &wargs, &mut out).map(|()| {
        out.iter()
            .map(|v| match v {
                wasmi::Val::I32(v) => Value::I32(*v),
                wasmi::Val::I64(v) => Value::I64(*v),
                _ => unreachable!(),
            })
            .map(same)
            .collect::<Vec<_>>()
    });
    assert_eq!(ours, theirs.map_err(|_| ()), "{name}{args:?}");
}

/// Which NaN comes out of an operation on NaNs is not specified (wasmi and
/// we differ on some without any fusion too): a NaN result (an f64's bits,
/// or an f32's zero-extended) only has to be a NaN on both sides.
fn nan_as_one(v: Value) -> Value {
    match v {
        Value::I64(b) if (b as u64 & 0x7FFF_FFFF_FFFF_FFFF) > 0x7FF0_0000_0000_0000 && b as u64 > u32::MAX as u64 => Value::I64(-1),
        Value::I64(b) if (0..=u32::MAX as i64).contains(&b) && (b as u32 & 0x7FFF_FFFF) > 0x7F80_0000 => Value::I64(-1),
        v => v,
    }
}

fn both(text: &str) -> (Instance, wasmi::Instance, wasmi::Store<()>) {
    let bytes = wat(text);
    let ours = Instance::new(&Arc::new(Module::new(&bytes).unwrap()), &Imports::new()).unwrap();
    let engine = wasmi::Engine::default();
    let module = wasmi::Module::new(&engine, &bytes[..]).unwrap();
    let mut store = wasmi::Store::new(&engine, ());
    let theirs = wasmi::Linker::<()>::new(&engine).instantiate_and_start(&mut store, &module).unwrap();
    (ours, theirs, store)
}

#[test]
fn loop_steps_agree_with_wasmi() {
    let (mut ours, theirs, mut store) = both(&step_module());
    // Every loop of the module became a loop step (the `if` shape has two).
    let steps = ours.dump_code().unwrap().lines().filter(|l| l.contains(" step_i32_")).count();
    assert_eq!(steps, CONDITIONS.len() * 5, "{}", ours.dump_code().unwrap());
    let values = [0, 1, 3, 39, 40, 41, -1, -7, i32::MAX - 3, i32::MIN + 2];
    let mut calls = 0;
    for cond in CONDITIONS {
        for shape in ["ss", "ii", "swapped", "if"] {
            for &x in &values {
                for &(step, bound) in &[(1, 10), (-2, -5), (5, i32::MAX), (i32::MAX, 0), (-1, i32::MIN)] {
                    agree(&mut ours, &theirs, &mut store, &format!("{shape}_{cond}"), &[Value::I32(x), Value::I32(step), Value::I32(bound)]);
                    calls += 1;
                }
            }
        }
    }
    assert_eq!(calls, 10 * 4 * 10 * 5);
}

#[test]
fn folded_addresses_agree_with_wasmi() {
    let (mut ours, theirs, mut store) = both(ADDRESSES);
    agree(&mut ours, &theirs, &mut store, "fill", &[Value::I32(300)]);
    for p in [0, 1, 2, 5, 100, 65530, 65533, 65534, 65535, 65536, -1, -2, -3] {
        for q in [0, 3, 8, 11, 65536, -4] {
            agree(&mut ours, &theirs, &mut store, "sum_at", &[Value::I32(p), Value::I32(q)]);
        }
        agree(&mut ours, &theirs, &mut store, "store_then_load", &[Value::I32(p), Value::I64(0x1122_3344_5566_7788)]);
        for j in [0, 1, 5, 8191, 8192, 16383, 16384, 0x4000_0010, -1, -16] {
            agree(&mut ours, &theirs, &mut store, "scaled", &[Value::I32(p), Value::I32(j)]);
        }
        agree(&mut ours, &theirs, &mut store, "store_then_load", &[Value::I32(p.wrapping_sub(16)), Value::I64(-1)]);
    }
}

#[test]
fn loads_feeding_arithmetic_agree_with_wasmi() {
    let (mut ours, theirs, mut store) = both(LOADED);
    agree(&mut ours, &theirs, &mut store, "init", &[]);
    // (`_rm`/`_mr`: the same with the other operand forwarded.)
    let fused = ours.dump_code().unwrap().lines().filter(|l| ["_sm ", "_ms ", "_rm ", "_mr "].iter().any(|f| l.contains(f))).count();
    // Two branches, and the value compare stays a load and a compare.
    assert_eq!(fused, 9, "{}", ours.dump_code().unwrap());
    let stored = ours.dump_code().unwrap().lines().filter(|l| ["_st ", "_rst ", "_srt "].iter().any(|f| l.contains(f))).count();
    assert_eq!(stored, 3, "{}", ours.dump_code().unwrap());
    let bumped = ours.dump_code().unwrap().lines().filter(|l| l.contains("_pre ")).count();
    assert_eq!(bumped, 1, "{}", ours.dump_code().unwrap());
    for name in ["i32_sub", "i32_sub_r", "i64_mul", "f64_div", "f32_sub_r", "count_below", "pick", "cmp_value", "store_results", "bumped", "load_then_div"] {
        for p in [0, 4, 100, 65524, 65528, 65532, 65535, 65536, -1, -5] {
            for x in [0, 1, -3, 1000, 0x0404_0404, 0x2020_2020] {
                agree(&mut ours, &theirs, &mut store, name, &[Value::I32(p), Value::I32(x)]);
            }
        }
    }
}

/// Constants that are not 32-bit immediates, in the instruction: i64
/// operations (sub as the add of the negation) and float operations with the
/// constant on either side.
const CONSTANTS: &str = r#"(module
  (func (export "i64_ops") (param $x i64) (result i64)
    (i64.xor
      (i64.mul (i64.add (local.get $x) (i64.const 0x9E3779B97F4A7C15)) (i64.const 0xBF58476D1CE4E5B9))
      (i64.or (i64.and (i64.const 0xFFFFFFFF) (local.get $x))
              (i64.sub (local.get $x) (i64.const 0x1_0000_0001)))))
  (func (export "f64_ops") (param $x i64) (result i64)
    (i64.reinterpret_f64
      (f64.add (f64.div (f64.const 3.5) (f64.reinterpret_i64 (local.get $x)))
               (f64.sub (f64.mul (f64.reinterpret_i64 (local.get $x)) (f64.const -0.1)) (f64.const 1e300)))))
  (func (export "selects") (param $x i64) (result i64)
    (i64.add
      (i64.add (select (local.get $x) (i64.const -5) (i64.lt_s (local.get $x) (i64.const 7)))
               (select (i64.const 0x7FFFFFFF) (local.get $x) (i32.wrap_i64 (local.get $x))))
      (i64.add (i64.extend_i32_u (select (i32.const -1) (i32.wrap_i64 (local.get $x)) (i64.eqz (local.get $x))))
               (i64.extend_i32_u (i32.reinterpret_f32 (select (f32.const 1.5) (f32.const -2) (i64.gt_u (local.get $x) (i64.const 3))))))))
  (func (export "f32_ops") (param $x i64) (result i64)
    (i64.extend_i32_u (i32.reinterpret_f32
      (f32.sub (f32.const 0.5)
               (f32.div (f32.add (f32.const 2.25) (f32.reinterpret_i32 (i32.wrap_i64 (local.get $x)))) (f32.const 3)))))))"#;

#[test]
fn wide_constants_agree_with_wasmi() {
    let (mut ours, theirs, mut store) = both(CONSTANTS);
    let dump = ours.dump_code().unwrap();
    assert!(!dump.contains("const64"), "{dump}");
    assert_eq!(dump.matches("const32").count(), 1, "{dump}");
    assert!(dump.contains("select_si") && dump.contains("select_is"), "{dump}");
    let values: [i64; 8] = [0, 1, -1, 0x7FF0_0000_0000_0000, 0x3FF0_0000_0000_0000, 0x7FC0_0001_4000_0000, i64::MIN, 0x4049_0FDB_4049_0FDB];
    for name in ["i64_ops", "f64_ops", "f32_ops", "selects"] {
        for &x in &values {
            agree(&mut ours, &theirs, &mut store, name, &[Value::I64(x)]);
        }
    }
}

/// `x * y` feeding the add or subtract right after it, for both widths and
/// with the product on either side; the last shapes have both operands
/// products (the second multiply fuses, the first stays).
fn mul_acc_module() -> String {
    let mut funcs = String::new();
    for (t, get) in [
        ("f64", "(f64.reinterpret_i64 (local.get {}))"),
        ("f32", "(f32.reinterpret_i32 (i32.wrap_i64 (local.get {})))"),
    ] {
        let [a, b, c] = ["$a", "$b", "$c"].map(|v| get.replace("{}", v));
        let out = if t == "f64" { "(i64.reinterpret_f64 {})" } else { "(i64.extend_i32_u (i32.reinterpret_f32 {}))" };
        let bodies = [
            ("mul_add", format!("({t}.add ({t}.mul {a} {b}) {c})")),
            ("add_mul", format!("({t}.add (local.get $cl) ({t}.mul {a} {b}))")),
            ("mul_sub", format!("({t}.sub ({t}.mul {a} {b}) {c})")),
            ("sub_mul", format!("({t}.sub (local.get $cl) ({t}.mul {a} {b}))")),
            ("dot", format!("({t}.add ({t}.mul {a} {a}) ({t}.mul {b} {c}))")),
            ("diff", format!("({t}.sub ({t}.mul {a} {b}) ({t}.mul {c} {c}))")),
        ];
        for (name, body) in bodies {
            funcs.push_str(&format!(
                r#"(func (export "{t}_{name}") (param $a i64) (param $b i64) (param $c i64) (result i64)
                     (local $cl {t})
                     (local.set $cl {c})
                     {})
                "#,
                out.replace("{}", &body)
            ));
        }
    }
    format!("(module {funcs})")
}

#[test]
fn multiply_accumulate_agrees_with_wasmi() {
    let (mut ours, theirs, mut store) = both(&mul_acc_module());
    let dump = ours.dump_code().unwrap();
    // (`_r`: the same, with the added operand forwarded from the instruction before.)
    for (form, count) in [("_mul_add", 2), ("_add_mul", 4), ("_mul_sub", 2), ("_sub_mul", 4)] {
        let n = dump.matches(&format!("{form} ")).count() + dump.matches(&format!("{form}_r ")).count();
        assert_eq!(n, count, "{form}\n{dump}");
    }
    // 1 + 2^-30 and 1 - 2^-30 (their product rounds to 1; with a fused
    // multiply-add, product - 1 would be -2^-60), and the same in f32
    // (1 + 2^-13, 1 - 2^-13) in the low half; NaNs, infinities, zeros.
    let values: [i64; 10] = [
        0x3FF0_0000_0040_0000,
        0x3FEF_FFFF_FF80_0000,
        0xBFF0_0000_0000_0000u64 as i64,
        0x3F80_0400,
        0x3F7F_F800,
        0xBF80_0000,
        0x7FF8_0000_0000_0001,
        0x7FF0_0000_0000_0000,
        i64::MIN,
        0x7FC0_0001,
    ];
    for t in ["f64", "f32"] {
        for name in ["mul_add", "add_mul", "mul_sub", "sub_mul", "dot", "diff"] {
            for &a in &values {
                for &b in &values[..6] {
                    for &c in &[values[2], values[5], values[6], values[8], 0] {
                        let args = [Value::I64(a), Value::I64(b), Value::I64(c)];
                        agree_as(&mut ours, &theirs, &mut store, &format!("{t}_{name}"), &args, nan_as_one);
                    }
                }
            }
        }
    }
    // The rounding cases give 0, not -2^-60 (-2^-26 in f32).
    assert_eq!(
        ours.invoke("f64_mul_sub", &[Value::I64(values[0]), Value::I64(values[1]), Value::I64(0x3FF0_0000_0000_0000)]).unwrap(),
        vec![Value::I64(0)]
    );
    assert_eq!(
        ours.invoke("f32_mul_sub", &[Value::I64(values[3]), Value::I64(values[4]), Value::I64(0x3F80_0000)]).unwrap(),
        vec![Value::I64(0)]
    );
}

/// Operands taken from the register the previous instruction left them in
/// (`_rs`, `_sr`, `_ri`, `_ir`, `_rk`, `_kr`): chains of dependent operations
/// of every kind of producer, and a loop whose first instruction follows a
/// producer of its operand in the code but is also reached by the back edge.
const FORWARDED: &str = r#"(module
  (memory 1)
  (data (i32.const 16) "\01\02\03\04\fd\fe\ff\7f\80\81\82\83")
  (data (i32.const 200) "\01\01\01\01\01\01\01\01\01\01\01\01\01\01\01\01\01\01\01\01\01\01\01\00")
  (func (export "i32_chain") (param $a i64) (param $b i64) (result i64)
    (local $x i32) (local $y i32)
    (local.set $x (i32.wrap_i64 (local.get $a)))
    (local.set $y (i32.wrap_i64 (local.get $b)))
    (i64.extend_i32_u
      (i32.sub (i32.const 1000)
        (i32.xor (local.get $y)
          (i32.rotl (i32.mul (i32.add (local.get $x) (local.get $y)) (i32.const 7))
                    (i32.shr_u (local.get $y) (i32.sub (local.get $x) (i32.const 3))))))))
  (func (export "i32_div") (param $a i64) (param $b i64) (result i64)
    (i64.extend_i32_s
      (i32.rem_s (i32.const 1000003)
        (i32.div_u (i32.add (i32.wrap_i64 (local.get $a)) (i32.const 5)) (i32.wrap_i64 (local.get $b))))))
  (func (export "i64_chain") (param $a i64) (param $b i64) (result i64)
    (i64.sub (i64.const 77)
      (i64.rotl (i64.xor (i64.add (local.get $a) (local.get $b)) (i64.const 0x5555))
                (i64.shl (i64.sub (local.get $a) (local.get $b)) (i64.const 1)))))
  (func (export "loads") (param $a i64) (param $b i64) (result i64)
    (local $p i32)
    (local.set $p (i32.and (i32.wrap_i64 (local.get $a)) (i32.const 7)))
    (i64.add
      (i64.extend_i32_u (i32.add (i32.load8_s offset=16 (local.get $p)) (i32.wrap_i64 (local.get $b))))
      (i64.mul (i64.load offset=16 (local.get $p)) (local.get $b))))
  (func (export "compares") (param $a i64) (param $b i64) (result i64)
    (i64.extend_i32_u
      (i32.add (i32.const 10)
        (i32.add (i64.lt_s (local.get $a) (local.get $b)) (i32.eqz (i32.wrap_i64 (local.get $b)))))))
  (func (export "floats") (param $a i64) (param $b i64) (result i64)
    (local $x f64) (local $y f64)
    (local.set $x (f64.convert_i64_s (local.get $a)))
    (local.set $y (f64.reinterpret_i64 (local.get $b)))
    (i64.reinterpret_f64
      (f64.div (f64.const 3)
        (f64.max (f64.sqrt (f64.add (f64.mul (local.get $x) (f64.const 0.5)) (local.get $y)))
                 (f64.min (f64.sub (local.get $y) (local.get $x)) (f64.const -1.5))))))
  (func (export "f32s") (param $a i64) (param $b i64) (result i64)
    (local $x f32)
    (local.set $x (f32.convert_i32_s (i32.wrap_i64 (local.get $a))))
    (i64.extend_i32_u (i32.reinterpret_f32
      (f32.sub (f32.const 2.5) (f32.div (f32.add (local.get $x) (f32.const 1)) (f32.demote_f64 (f64.reinterpret_i64 (local.get $b))))))))
  (func (export "branches") (param $a i64) (param $b i64) (result i64)
    (local $x i32) (local $n i32) (local $s i32)
    (local.set $x (i32.wrap_i64 (local.get $a)))
    (block $out
      (loop $l
        (br_if $out (i32.ge_u (local.get $n) (i32.const 40)))
        (br_if $out (i32.eqz (i32.load8_u offset=200 (local.get $n))))
        (local.set $s (i32.add (local.get $s)
          (select (i32.const 3) (local.get $x) (i32.lt_u (local.get $x) (i32.wrap_i64 (local.get $b))))))
        (i32.store8 offset=201 (local.get $n) (i32.mul (local.get $x) (local.get $s)))
        (i32.store offset=300 (i32.shl (local.get $n) (i32.const 2)) (i32.xor (local.get $x) (local.get $s)))
        (local.set $x (i32.shr_u (local.get $x) (i32.const 1)))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br_if $l (i32.gt_s (i32.add (local.get $x) (local.get $s)) (local.get $n)))))
    (i64.extend_i32_u (i32.add (local.get $s) (i32.load offset=300 (i32.const 4)))))
  (func (export "addresses") (param $a i64) (param $b i64) (result i64)
    (local $p i32)
    (local.set $p (i32.and (i32.wrap_i64 (local.get $a)) (i32.const 4095)))
    (i64.add
      (i64.load32_u offset=16 (i32.and (i32.wrap_i64 (local.get $b)) (i32.const 60)))
      (i64.add (i64.mul (i64.load8_s (i32.sub (local.get $p) (i32.const 1))) (i64.const 0x1_0000_0001))
               (i64.extend_i32_u (i32.load16_u offset=3 (i32.shl (i32.xor (local.get $p) (i32.const 5)) (i32.const 1)))))))
  (func (export "float_stores") (param $a i64) (param $b i64) (result i64)
    (local $p i32)
    (local.set $p (i32.and (i32.wrap_i64 (local.get $b)) (i32.const 0xFFF0)))
    (f64.store offset=8 (local.get $p) (f64.add (f64.reinterpret_i64 (local.get $a)) (f64.const 1.5)))
    (f32.store offset=20 (local.get $p) (f32.mul (f32.demote_f64 (f64.reinterpret_i64 (local.get $a))) (f32.const 3)))
    (f64.store (i32.shl (i32.and (i32.wrap_i64 (local.get $a)) (i32.const 255)) (i32.const 3))
               (f64.sqrt (f64.reinterpret_i64 (local.get $b))))
    (i64.add (i64.load offset=8 (local.get $p))
      (i64.add (i64.extend_i32_u (i32.load offset=20 (local.get $p)))
               (i64.load (i32.shl (i32.and (i32.wrap_i64 (local.get $a)) (i32.const 255)) (i32.const 3))))))
  (func (export "mixed") (param $a i64) (param $b i64) (result i64)
    (local $p i32) (local $f f64)
    (local.set $p (i32.and (i32.wrap_i64 (local.get $a)) (i32.const 0xFF8)))
    (f64.store offset=512 (local.get $p) (f64.convert_i64_s (i64.add (local.get $b) (i64.const 1))))
    (local.set $f (f64.add (f64.mul (f64.convert_i64_s (local.get $a)) (f64.const 0.25))
                           (f64.load offset=512 (local.get $p))))
    (i64.add (i64.add
      (i64.trunc_f64_s (f64.sub (local.get $f) (f64.const 0.5)))
      (i64.add (i64.add (i64.mul (local.get $a) (i64.const 3)) (i64.load offset=512 (local.get $p)))
               (i64.sub (i64.load offset=512 (local.get $p)) (i64.extend_i32_s (local.get $p)))))
      (i64.add (i64.reinterpret_f64 (f64.mul (f64.load offset=512 (local.get $p)) (f64.const 2)))
               (i64.extend_i32_u (i32.reinterpret_f32 (f32.add (f32.load offset=516 (local.get $p)) (f32.const 1)))))))
  (func (export "stored_results") (param $a i64) (param $b i64) (result i64)
    (local $p i32)
    (local.set $p (i32.and (i32.wrap_i64 (local.get $a)) (i32.const 0xFF8)))
    (i64.store offset=600 (local.get $p) (i64.sub (i64.mul (local.get $a) (local.get $b)) (local.get $b)))
    (i64.store offset=608 (local.get $p) (i64.sub (local.get $a) (i64.xor (local.get $a) (local.get $b))))
    (f64.store offset=616 (local.get $p)
      (f64.div (f64.add (f64.convert_i64_s (local.get $a)) (f64.const 0.5)) (f64.convert_i64_s (local.get $b))))
    (i64.add (i64.load offset=600 (local.get $p))
      (i64.add (i64.load offset=608 (local.get $p)) (i64.load offset=616 (local.get $p)))))
  (func (export "two_names") (param $a i64) (param $b i64) (result i64)
    (local $i i32) (local $j i32) (local $n i32) (local $p i32) (local $q i32) (local $s i32)
    (local.set $n (i32.and (i32.wrap_i64 (local.get $b)) (i32.const 31)))
    (local.set $p (i32.wrap_i64 (local.get $a)))
    (loop $l
      ;; a pointer bumped under two names, and a counter the loop step must not take back
      (local.set $p (local.tee $q (i32.add (local.get $p) (i32.const -4))))
      (local.set $s (i32.add (local.get $s) (i32.xor (local.get $p) (local.get $q))))
      (local.set $j (local.tee $i (i32.add (local.get $i) (i32.const 1))))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.set $s (local.tee $q (i32.mul (local.get $s) (local.get $j))))
    (i64.add (i64.extend_i32_u (i32.add (local.get $s) (local.get $q)))
             (i64.extend_i32_u (i32.add (local.get $p) (i32.mul (local.get $i) (local.get $j))))))
  (func (export "scans") (param $a i64) (param $b i64) (result i64)
    (local $p i32) (local $i i32) (local $k i32) (local $n i32) (local $v i32)
    (local.set $k (i32.wrap_i64 (local.get $b)))
    ;; v = *++p while v < k (the loaded value kept: a load, then the branch on it;
    ;; runs off the memory's end for large k)
    (local.set $p (i32.and (i32.wrap_i64 (local.get $a)) (i32.const 0xFFFC)))
    (block $out (loop $l
      (br_if $out (i32.ge_u (local.get $n) (i32.const 10)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br_if $l (i32.lt_u (local.tee $v (i32.load (local.get $p))) (local.get $k)))))
    ;; k > (v = a[i + 1]), the value on the right; and v != 7 with an immediate
    (block $done (loop $q
      (br_if $done (i32.ge_u (local.get $i) (i32.const 60)))
      (local.set $i (i32.add (local.get $i) (i32.const 3)))
      (br_if $q (i32.gt_s (local.get $k) (local.tee $v (i32.load offset=1 (local.get $i)))))))
    (block $end_r (loop $r
      (br_if $end_r (i32.ge_u (local.get $i) (i32.const 160)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br_if $r (i32.ne (local.tee $v (i32.load offset=40 (i32.add (local.get $i) (i32.const 8)))) (i32.const 7)))))
    (block $end_s (loop $s
      (br_if $end_s (i32.ge_u (local.get $i) (i32.const 160)))
      (local.set $i (i32.add (local.get $i) (i32.const 2)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br_if $s (i32.le_u (local.tee $v (i32.load16_u offset=40 (local.get $i))) (local.get $n)))))
    (block $end_t (loop $t
      (br_if $end_t (i32.ge_u (local.get $i) (i32.const 160)))
      (local.set $i (i32.add (local.get $i) (i32.const 2)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br_if $t (i32.le_u (local.get $n) (local.tee $v (i32.load offset=40 (local.get $i)))))))
    (i64.extend_i32_u (i32.add (i32.add (local.get $n) (local.get $v)) (i32.add (local.get $i) (local.get $p)))))
  (func (export "loop_head") (param $a i64) (param $b i64) (result i64)
    (local $x i32) (local $i i32) (local $n i32)
    (local.set $n (i32.and (i32.wrap_i64 (local.get $b)) (i32.const 15)))
    (local.set $x (i32.mul (i32.wrap_i64 (local.get $a)) (i32.const 3)))
    (loop $l
      (local.set $x (i32.add (local.get $x) (i32.const 5)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (i64.extend_i32_u (local.get $x))))"#;

#[test]
fn forwarded_operands_agree_with_wasmi() {
    let (mut ours, theirs, mut store) = both(FORWARDED);
    let dump = ours.dump_code().unwrap();
    for form in ["_rs ", "_sr ", "_ri ", "_ir ", "_rk ", "_kr ", "br_z_r ", "select_is_r ", "store8_r ", "store_axr ", "br_i32_gt_s_rs ", "load32_u_r ", "i64_mul_rk ", "load16_u_axr ", "f64_store_r ", "f32_store_r ", "f64_store_axr ", "f64_sqrt_r ", "i64_extend_i32_s_r ", "f64_add_rm ", "i64_add_rm ", "i64_sub_mr ", "i64_trunc_f64_s_r ", "f64_convert_i64_s_r ", "f64_load ", "f32_load ", "f64_mul_rk ", "f32_add_rk ", "i64_sub_rst ", "i64_sub_srt ", "i32_add_si2 ", "i32_mul_ss2 ", "br_i32_lt_u_load_pre_rs ", "br_i32_gt_s_load_pre_sr ", "br_i32_ne_load_a_ri ", "br_i32_le_u_load_sr "] {
        assert!(dump.contains(form), "no {form}\n{dump}");
    }
    let values: [i64; 9] = [0, 1, 3, 7, -1, 1000, i64::MIN, 0x7FF0_0000_0000_0000, 0x4049_0FDB_4049_0FDB];
    for name in ["i32_chain", "i32_div", "i64_chain", "loads", "compares", "floats", "f32s", "branches", "addresses", "mixed", "stored_results", "two_names", "scans", "loop_head"] {
        for &a in &values {
            for &b in &values {
                agree_as(&mut ours, &theirs, &mut store, name, &[Value::I64(a), Value::I64(b)], nan_as_one);
            }
        }
    }
    // Stored floats are read back as bits: no NaNs here (which NaN an
    // operation makes is not specified).
    for &a in values.iter().filter(|&&v| v != -1) {
        for &b in values.iter().filter(|&&v| v != -1) {
            agree(&mut ours, &theirs, &mut store, "float_stores", &[Value::I64(a), Value::I64(b)]);
        }
    }
}

/// `a + (i << k)`: an element's address kept in a local (as clang keeps a
/// pointer it stores through later), the base a local or a computed value,
/// on either side of the add, and k = 1, 2, 3; the sum wraps at 32 bits.
const SHIFTED_ADDS: &str = r#"(module (memory 1)
  (func (export "init")
    (local i32)
    (loop
      (i32.store (i32.mul (local.get 0) (i32.const 4)) (i32.xor (local.get 0) (i32.const 0x5a5a)))
      (br_if 0 (i32.ne (local.tee 0 (i32.add (local.get 0) (i32.const 1))) (i32.const 1000)))))
  (func (export "sum1") (param $a i32) (param $i i32) (result i32)
    (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 1))))
  (func (export "sum3_swapped") (param $a i32) (param $i i32) (result i32)
    (i32.add (i32.shl (local.get $i) (i32.const 3)) (local.get $a)))
  (func (export "computed_base") (param $a i32) (param $i i32) (result i32)
    (i32.add (i32.mul (local.get $a) (i32.const 3)) (i32.shl (i32.mul (local.get $i) (local.get $i)) (i32.const 2))))
  (func (export "shifted_temp") (param $a i32) (param $i i32) (result i32)
    (i32.add (local.get $a) (i32.shl (i32.xor (local.get $i) (i32.const 5)) (i32.const 2))))
  (func (export "swap") (param $a i32) (param $i i32) (result i32)
    (local $p i32) (local $v i32)
    (local.set $p (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 2))))
    (local.set $v (i32.load (local.get $p)))
    (i32.store (local.get $p) (i32.load offset=4 (local.get $p)))
    (i32.store offset=4 (local.get $p) (local.get $v))
    (i32.add (i32.load (local.get $p)) (i32.mul (local.get $v) (i32.const 7)))))
"#;

#[test]
fn shifted_adds_agree_with_wasmi() {
    let (mut ours, theirs, mut store) = both(SHIFTED_ADDS);
    agree(&mut ours, &theirs, &mut store, "init", &[]);
    let code = ours.dump_code().unwrap();
    let shifted = code.lines().filter(|l| l.contains(" i32_add_shl")).count();
    assert_eq!(shifted, 5, "{code}");
    for name in ["sum1", "sum3_swapped", "computed_base", "shifted_temp", "swap"] {
        for a in [0, 4, 100, 3000, 65524, 65532, -4, i32::MIN] {
            for i in [0, 1, 2, 7, 500, 16380, 0x3fff_ffff, -1, -2, i32::MIN] {
                agree(&mut ours, &theirs, &mut store, name, &[Value::I32(a), Value::I32(i)]);
            }
        }
    }
}

/// `a OP (b SHIFT k)` for every operation, shift and width, the shifted
/// operand on either side (only on the right for sub), the counts
/// including ones the operation masks (35 is 3 for i32).
fn shifted_module() -> (String, usize) {
    let mut m = String::from("(module\n");
    let mut fused = 0;
    for (t, ks) in [("i32", [1, 7, 31, 35]), ("i64", [1, 13, 63, 70])] {
        for op in ["add", "sub", "and", "or", "xor"] {
            for sh in ["shl", "shr_s", "shr_u", "rotl", "rotr"] {
                for k in ks {
                    let shifted = format!("({t}.{sh} (local.get 1) ({t}.const {k}))");
                    m += &format!("  (func (export \"{t}_{op}_{sh}_{k}\") (param {t} {t}) (result {t}) ({t}.{op} (local.get 0) {shifted}))\n");
                    m += &format!("  (func (export \"{t}_{op}_{sh}_{k}_left\") (param {t} {t}) (result {t}) ({t}.{op} {shifted} (local.get 0)))\n");
                    fused += if op == "sub" { 1 } else { 2 };
                }
            }
        }
        // A computed value shifted, a computed other operand, both shifted
        // (one of the two fuses), and the shifted local overwritten before
        // the operation takes it (the shift is done first, not fused).
        m += &format!(
            "  (func (export \"{t}_computed\") (param {t} {t}) (result {t})
    ({t}.xor ({t}.mul (local.get 0) (local.get 0)) ({t}.shr_u ({t}.add (local.get 1) (local.get 0)) ({t}.const 5))))
  (func (export \"{t}_both\") (param {t} {t}) (result {t})
    ({t}.or ({t}.shl (local.get 0) ({t}.const 9)) ({t}.rotr (local.get 1) ({t}.const 3))))
  (func (export \"{t}_overwritten\") (param {t} {t}) (result {t})
    (local.get 1) ({t}.const 4) ({t}.shl) (local.set 1 (local.get 0)) (local.get 0) ({t}.sub))\n"
        );
        fused += 2;
    }
    m += ")\n";
    (m, fused)
}

#[test]
fn shifted_operands_agree_with_wasmi() {
    let (text, fused) = shifted_module();
    let (mut ours, theirs, mut store) = both(&text);
    let code = ours.dump_code().unwrap();
    assert_eq!(code.lines().filter(|l| l.contains("_sk ")).count(), fused, "{code}");
    let i32s = [0, 1, -1, 5, i32::MIN, 0x1234_5678, -0x0f0f_0f0f];
    let i64s = [0, 1, -1, 5, i64::MIN, 0x1234_5678_9abc_def0, -0x0f0f_0f0f_0f0f_0f0f];
    let mut calls = 0;
    for name in text.lines().filter_map(|l| l.split('"').nth(1)) {
        for i in 0..i32s.len() {
            for j in 0..i32s.len() {
                let args = if name.starts_with("i32") {
                    [Value::I32(i32s[i]), Value::I32(i32s[j])]
                } else {
                    [Value::I64(i64s[i]), Value::I64(i64s[j])]
                };
                agree(&mut ours, &theirs, &mut store, name, &args);
                calls += 1;
            }
        }
    }
    assert_eq!(calls, (2 * 5 * 5 * 4 * 2 + 6) * 49);
}

const FLOAT_CONDITIONS: &[&str] = &["eq", "ne", "lt", "gt", "le", "ge"];

/// How a float compare's result is used: branched on (`br_if` to a block
/// without results; `if`; either on its `i32.eqz`; `br_if` to a block with
/// a result, which branches around the move on the complement), or kept as a
/// value (`keep`, plain or negated). `{c}` is the compare.
const FLOAT_USES: &[(&str, &str)] = &[
    ("br_if", "(block $out (br_if $out {c}) (return (i32.const 10))) (i32.const 20)"),
    ("if", "(if (result i32) {c} (then (i32.const 10)) (else (i32.const 20)))"),
    ("eqz_br_if", "(block $out (br_if $out (i32.eqz {c})) (return (i32.const 10))) (i32.const 20)"),
    ("eqz_if", "(if (result i32) (i32.eqz {c}) (then (i32.const 10)) (else (i32.const 20)))"),
    ("br_if_value", "(block $out (result i32) (br_if $out (i32.const 10) {c}) (drop) (i32.const 20))"),
    ("keep", "{c}"),
    ("eqz_keep", "(i32.eqz {c})"),
];

/// Constants of the compares with a constant side (as the text format
/// writes them): NaNs of both signs, both zeros, both infinities, a number.
const FLOAT_CONSTANTS: &[&str] = &["nan", "-nan:0x12345", "0", "-0", "inf", "-inf", "1.5"];

/// One float compare function: (export name, the fused handler's operand
/// shape, the use, whether its operands come from the two parameters).
struct FloatCase {
    name: String,
    shape: &'static str,
    use_: &'static str,
    two_operands: bool,
}

/// Every float condition, for f32 and f64, in every use of `FLOAT_USES`;
/// the operands parameters (`ss`), one of them computed right before the
/// compare (`rs`, `sr`: the multiply by 1 leaves it in a register), or one a
/// constant on either side, the other a parameter (`sk`, `ks`) or computed
/// (`rk`, `kr`). A function takes the operands' bits (i32 for f32, i64 for
/// f64) and returns 10 or 20 (branches), or the i32 result.
fn float_branch_module() -> (String, Vec<FloatCase>) {
    let mut funcs = String::new();
    let mut cases = Vec::new();
    for (t, bits) in [("f32", "i32"), ("f64", "i64")] {
        let get = |k: usize| format!("({t}.reinterpret_{bits} (local.get {k}))");
        let computed = |x: String| format!("({t}.mul {x} ({t}.const 1))");
        let mut shapes: Vec<(String, &'static str, String, String, bool)> = vec![
            ("ss".into(), "ss", get(0), get(1), true),
            ("rs".into(), "rs", computed(get(0)), get(1), true),
            ("sr".into(), "sr", get(0), computed(get(1)), true),
        ];
        for (i, k) in FLOAT_CONSTANTS.iter().enumerate() {
            let k = format!("({t}.const {k})");
            shapes.push((format!("sk{i}"), "sk", get(0), k.clone(), false));
            shapes.push((format!("ks{i}"), "sk", k.clone(), get(0), false));
            shapes.push((format!("rk{i}"), "rk", computed(get(0)), k.clone(), false));
            shapes.push((format!("kr{i}"), "rk", k, computed(get(0)), false));
        }
        for cond in FLOAT_CONDITIONS {
            for (use_, template) in FLOAT_USES {
                for (shape_name, shape, a, b, two_operands) in &shapes {
                    let name = format!("{t}_{cond}_{use_}_{shape_name}");
                    let body = template.replace("{c}", &format!("({t}.{cond} {a} {b})"));
                    funcs.push_str(&format!("(func (export \"{name}\") (param {bits} {bits}) (result i32) {body})\n"));
                    cases.push(FloatCase { name, shape, use_, two_operands: *two_operands });
                }
            }
        }
    }
    (format!("(module {funcs})"), cases)
}

#[test]
fn float_compare_branches_agree_with_wasmi() {
    let (text, cases) = float_branch_module();
    let (mut ours, theirs, mut store) = both(&text);
    // Each function's code: a branch is one compare-and-branch of the
    // expected shape (no compare, no materialised constant); a value is one
    // compare (`_ss`, or `_sk` with the constant in the instruction).
    let dump = ours.dump_code().unwrap();
    let funcs: Vec<&str> = dump.split("\nfunc ").skip(1).collect();
    assert_eq!(funcs.len(), cases.len());
    let handlers = |code: &str| -> Vec<String> { code.lines().skip(1).map(|l| l.split_whitespace().nth(2).unwrap().to_string()).collect() };
    let is_compare = |h: &str| FLOAT_CONDITIONS.iter().any(|c| h == format!("f32_{c}_ss") || h == format!("f32_{c}_sk") || h == format!("f64_{c}_ss") || h == format!("f64_{c}_sk"));
    let mut conditions = std::collections::BTreeSet::new();
    for (case, code) in cases.iter().zip(&funcs) {
        let hs = handlers(code);
        assert!(!hs.iter().any(|h| h == "const64"), "{}: {code}", case.name);
        let compares: Vec<&String> = hs.iter().filter(|h| is_compare(h)).collect();
        let branches: Vec<&String> = hs.iter().filter(|h| h.starts_with("br_f")).collect();
        if case.use_.ends_with("keep") {
            let shape = if case.shape.ends_with('k') { "_sk" } else { "_ss" };
            assert!(compares.len() == 1 && compares[0].ends_with(shape) && branches.is_empty(), "{}: {code}", case.name);
            assert!(!hs.iter().any(|h| h == "const32"), "{}: {code}", case.name);
        } else {
            assert!(compares.is_empty() && branches.len() == 1, "{}: {code}", case.name);
            assert!(branches[0].ends_with(&format!("_{}", case.shape)), "{}: {code}", case.name);
            conditions.insert(branches[0].rsplit_once('_').unwrap().0.to_string());
        }
    }
    // The six conditions and the complements of the four orders, each width.
    assert_eq!(conditions.len(), 20, "{conditions:?}");

    let f32s: [u32; 11] = [0x7fc0_0000, 0xffc0_0001, 0, 0x8000_0000, 0x7f80_0000, 0xff80_0000, 0x3fc0_0000, 0xbfc0_0000, 0x4000_0000, 1, 0x7f7f_ffff];
    let f64s: [u64; 11] = [
        0x7ff8_0000_0000_0000, 0xfff8_0000_0000_0001, 0, 0x8000_0000_0000_0000, 0x7ff0_0000_0000_0000, 0xfff0_0000_0000_0000,
        0x3ff8_0000_0000_0000, 0xbff8_0000_0000_0000, 0x4000_0000_0000_0000, 1, 0x7fef_ffff_ffff_ffff,
    ];
    let arg = |wide: bool, i: usize| if wide { Value::I64(f64s[i] as i64) } else { Value::I32(f32s[i] as i32) };
    let mut calls = 0;
    for case in &cases {
        let wide = case.name.starts_with("f64");
        for i in 0..f32s.len() {
            let seconds = if case.two_operands { 0..f32s.len() } else { 0..1 };
            for j in seconds {
                agree(&mut ours, &theirs, &mut store, &case.name, &[arg(wide, i), arg(wide, j)]);
                calls += 1;
            }
        }
    }
    assert_eq!(calls, 2 * 6 * FLOAT_USES.len() * (3 * 121 + 4 * FLOAT_CONSTANTS.len() * 11));
}

/// `i32.eqz` of an integer compare, branched on or kept: the branch tests
/// the complement of the compare in one instruction.
#[test]
fn negated_integer_compares_agree_with_wasmi() {
    let mut funcs = String::new();
    let mut names = Vec::new();
    for (t, conds) in [("i32", CONDITIONS), ("i64", CONDITIONS)] {
        for cond in conds {
            for (use_, template) in FLOAT_USES.iter().filter(|(u, _)| u.contains("eqz")) {
                for (shape, b) in [("ss", "(local.get 1)".to_string()), ("si", format!("({t}.const -3)"))] {
                    let name = format!("{t}_{cond}_{use_}_{shape}");
                    let body = template.replace("{c}", &format!("({t}.{cond} (local.get 0) {b})"));
                    funcs.push_str(&format!("(func (export \"{name}\") (param {t} {t}) (result i32) {body})\n"));
                    names.push(name);
                }
            }
        }
    }
    let (mut ours, theirs, mut store) = both(&format!("(module {funcs})"));
    let dump = ours.dump_code().unwrap();
    let funcs: Vec<&str> = dump.split("\nfunc ").skip(1).collect();
    assert_eq!(funcs.len(), names.len());
    for (name, code) in names.iter().zip(funcs) {
        if !name.contains("_keep_") {
            assert!(!code.contains("_eqz") && !code.contains("br_z") && !code.contains("br_nz"), "{name}: {code}");
        }
    }
    let values = [0i64, 1, -1, -3, -4, 7, i32::MIN as i64, i32::MAX as i64, i64::MIN, i64::MAX];
    for name in &names {
        for &a in &values {
            for &b in &values {
                let args = if name.starts_with("i32") { [Value::I32(a as i32), Value::I32(b as i32)] } else { [Value::I64(a), Value::I64(b)] };
                agree(&mut ours, &theirs, &mut store, name, &args);
            }
        }
    }
}
