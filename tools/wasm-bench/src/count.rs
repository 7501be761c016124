//! Counts the WebAssembly instructions a call executes, independently of
//! offasm-wasm: the module is instrumented and run on wasmi.
//!
//! What counts as one instruction: one operator of the code section as the
//! decoder yields it (`local.get 0`, `i32.add`, `br_if 1`, `block`, `end`, …;
//! an instruction with immediates is one), each time control passes through
//! it. `block`, `loop` and `if` count each time they are entered, `br`,
//! `br_if`, `br_table`, `return`, `call` each time they run. `end` and `else`
//! count when execution falls into them (the end of an arm or body, including
//! a function's final `end`, which returns), not when a branch lands behind
//! them. Calls count the callee's instructions too. The counter's own code is
//! not counted. A call that traps may be counted a few instructions too high
//! (its block was counted when entered); the benchmark calls never trap.
//!
//! How: a mutable i64 global is added and exported, and at the start of every
//! basic block the instrumenter inserts
//! `global.get $n; i64.const <operators in the block>; i64.add; global.set $n`.
//! A basic block ends at (and includes) a control instruction: block, loop,
//! if, else, end, br, br_if, br_table, return, unreachable, the tail calls
//! and the GC branches. Every branch target lies just after one of those
//! (after `loop` for a loop's label, after `end` for a block's or an if's,
//! after `else` or `if` for the arms), so every block that starts runs to
//! its end, and adding the block's length when it starts counts exactly the
//! operators executed. Calls need not end a block: the callee returns to
//! the next operator.

use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
use wasm_encoder::{
    CodeSection, ConstExpr, ExportKind, ExportSection, GlobalSection, GlobalType, Instruction,
    RawSection, ValType,
};
use wasmparser::{Operator, Parser, Payload, TypeRef};

/// The name under which the instrumented module exports its counter.
pub const COUNTER: &str = "__wasm_bench_instructions";

/// Position of a section in the order the binary format requires.
fn order(id: u8) -> u8 {
    match id {
        1..=5 => id, // type, import, function, table, memory
        13 => 6,     // tag
        6 => 7,      // global
        7 => 8,      // export
        8 => 9,      // start
        9 => 10,     // element
        12 => 11,    // data count
        10 => 12,    // code
        11 => 13,    // data
        _ => 0,      // custom: anywhere
    }
}
const GLOBAL: u8 = 7;
const EXPORT: u8 = 8;

fn is_control(op: &Operator) -> Result<bool, String> {
    use Operator::*;
    Ok(match op {
        Block { .. }
        | Loop { .. }
        | If { .. }
        | Else
        | End
        | Br { .. }
        | BrIf { .. }
        | BrTable { .. }
        | Return
        | Unreachable
        | ReturnCall { .. }
        | ReturnCallIndirect { .. }
        | ReturnCallRef { .. }
        | BrOnNull { .. }
        | BrOnNonNull { .. }
        | BrOnCast { .. }
        | BrOnCastFail { .. } => true,
        // Exceptions transfer control between functions: not counted exactly.
        Try { .. }
        | Catch { .. }
        | CatchAll
        | Delegate { .. }
        | Throw { .. }
        | Rethrow { .. }
        | ThrowRef
        | TryTable { .. } => {
            return Err(format!(
                "instruction counter: exception handling (`{op:?}`) is not supported"
            ))
        }
        _ => false,
    })
}

fn err(e: impl std::fmt::Display) -> String {
    format!("instruction counter: {e}")
}

/// The module with a counter of executed instructions, exported as [`COUNTER`].
pub fn instrument(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = wasm_encoder::Module::new();
    let mut rt = RoundtripReencoder;
    let mut imported_globals = 0u32;
    let mut counter = None::<u32>; // index of the counter once the global section is out
    let mut exported = false;
    let mut code: Option<(CodeSection, u32)> = None; // section being built, bodies left

    // The counter global (and its export) go into the module's own global
    // (export) section, or into one of their own where the module has none.
    let global_only = |out: &mut wasm_encoder::Module, index: u32| {
        let mut g = GlobalSection::new();
        g.global(
            GlobalType {
                val_type: ValType::I64,
                mutable: true,
                shared: false,
            },
            &ConstExpr::i64_const(0),
        );
        out.section(&g);
        index
    };
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload.map_err(err)?;
        // Sections the module lacks, before the first section that must follow them.
        if let Some((id, _)) = payload.as_section() {
            let o = order(id);
            if o > GLOBAL && counter.is_none() {
                counter = Some(global_only(&mut out, imported_globals));
            }
            if o > EXPORT && !exported {
                let mut e = ExportSection::new();
                e.export(COUNTER, ExportKind::Global, counter.unwrap());
                out.section(&e);
                exported = true;
            }
        }
        match payload {
            Payload::Version { encoding, .. } => {
                if encoding != wasmparser::Encoding::Module {
                    return Err(err("not a core module"));
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.clone().into_imports() {
                    if let TypeRef::Global(_) = import.map_err(err)?.ty {
                        imported_globals += 1;
                    }
                }
                let r = reader.range();
                out.section(&RawSection {
                    id: 2,
                    data: &bytes[r.start as usize..r.end as usize],
                });
            }
            Payload::GlobalSection(reader) => {
                let index = imported_globals + reader.count();
                let mut g = GlobalSection::new();
                rt.parse_global_section(&mut g, reader).map_err(err)?;
                g.global(
                    GlobalType {
                        val_type: ValType::I64,
                        mutable: true,
                        shared: false,
                    },
                    &ConstExpr::i64_const(0),
                );
                out.section(&g);
                counter = Some(index);
            }
            Payload::ExportSection(reader) => {
                let mut e = ExportSection::new();
                rt.parse_export_section(&mut e, reader).map_err(err)?;
                e.export(COUNTER, ExportKind::Global, counter.unwrap());
                out.section(&e);
                exported = true;
            }
            Payload::CodeSectionStart { count, .. } => {
                if count == 0 {
                    out.section(&CodeSection::new());
                } else {
                    code = Some((CodeSection::new(), count));
                }
            }
            Payload::CodeSectionEntry(body) => {
                let (section, left) = code
                    .as_mut()
                    .ok_or_else(|| err("code outside its section"))?;
                let mut f = rt.new_function_with_parsed_locals(&body).map_err(err)?;
                let mut reader = body.get_operators_reader().map_err(err)?;
                let mut ops = Vec::new();
                while !reader.eof() {
                    ops.push(reader.read().map_err(err)?);
                }
                let g = counter.unwrap();
                let mut start = 0;
                for j in 0..ops.len() {
                    if is_control(&ops[j])? {
                        f.instruction(&Instruction::GlobalGet(g));
                        f.instruction(&Instruction::I64Const((j + 1 - start) as i64));
                        f.instruction(&Instruction::I64Add);
                        f.instruction(&Instruction::GlobalSet(g));
                        for op in &ops[start..=j] {
                            f.instruction(&rt.instruction(op.clone()).map_err(err)?);
                        }
                        start = j + 1;
                    }
                }
                if start != ops.len() {
                    return Err(err("function body does not end with `end`"));
                }
                section.function(&f);
                *left -= 1;
                if *left == 0 {
                    out.section(&code.take().unwrap().0);
                }
            }
            Payload::End(_) => {
                if counter.is_none() {
                    counter = Some(global_only(&mut out, imported_globals));
                }
                if !exported {
                    let mut e = ExportSection::new();
                    e.export(COUNTER, ExportKind::Global, counter.unwrap());
                    out.section(&e);
                }
            }
            other => match other.as_section() {
                Some((id, range)) => {
                    let range = range.start as usize..range.end as usize;
                    out.section(&RawSection {
                        id,
                        data: &bytes[range],
                    });
                }
                None => return Err(err(format!("unexpected part of a module: {other:?}"))),
            },
        }
    }
    Ok(out.finish())
}

/// Runs `export(arg)` on the instrumented module (wasmi) and returns the
/// result and the number of WebAssembly instructions the call executed.
pub fn count(bytes: &[u8], export: &str, arg: i32) -> Result<(i32, u64), String> {
    let instrumented = instrument(bytes)?;
    let engine = wasmi::Engine::default();
    let module = wasmi::Module::new(&engine, &instrumented[..]).map_err(err)?;
    let mut store = wasmi::Store::new(&engine, ());
    let instance = wasmi::Linker::<()>::new(&engine)
        .instantiate_and_start(&mut store, &module)
        .map_err(err)?;
    let global = instance
        .get_global(&store, COUNTER)
        .ok_or_else(|| err("counter not exported"))?;
    let read = |store: &wasmi::Store<()>| global.get(store).i64().unwrap_or(0) as u64;
    let func = instance
        .get_typed_func::<i32, i32>(&store, export)
        .map_err(err)?;
    let before = read(&store);
    let result = func.call(&mut store, arg).map_err(err)?;
    Ok((result, read(&store) - before))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wat(text: &str) -> Vec<u8> {
        let buf = wast::parser::ParseBuffer::new(text).unwrap();
        let mut module = wast::parser::parse::<wast::Wat>(&buf).unwrap();
        module.encode().unwrap()
    }

    // Counted by hand (operators as decoded; see the module comment):
    //   $sq:   local.get, local.get, i32.mul, end                        = 4
    //   run:   block, loop                                               = 2 once
    //          per iteration with n != 0: local.get, i32.eqz, br_if (3),
    //          local.get, local.get, call (+4 in $sq), i32.add, local.set,
    //          local.get, i32.const, i32.sub, local.set, br (10)         = 17
    //          last test: local.get, i32.eqz, br_if (taken)              = 3
    //          after the block (the loop's and block's `end` are jumped
    //          over): local.get, end                                     = 2
    //   so run(n) = 17 n + 7, and returns the sum of the squares 1..n.
    //   pick:  local.get, if, then: i32.const, else (jumps past `end`),
    //          end (function)                                            = 5
    //          else arm: local.get, if, i32.const, i32.const, i32.add,
    //          end (if), end (function)                                  = 7
    const MODULE: &str = r#"
        (module
          (global $g (mut i32) (i32.const 0))
          (func $sq (param i32) (result i32)
            local.get 0
            local.get 0
            i32.mul)
          (func (export "run") (param $n i32) (result i32) (local $acc i32)
            block $exit
              loop $top
                local.get $n
                i32.eqz
                br_if $exit
                local.get $acc
                local.get $n
                call $sq
                i32.add
                local.set $acc
                local.get $n
                i32.const 1
                i32.sub
                local.set $n
                br $top
              end
            end
            local.get $acc)
          (func (export "pick") (param i32) (result i32)
            local.get 0
            if (result i32)
              i32.const 10
            else
              i32.const 20
              i32.const 1
              i32.add
            end))
    "#;

    #[test]
    fn counts_what_was_counted_by_hand() {
        let bytes = wat(MODULE);
        assert_eq!(count(&bytes, "run", 0).unwrap(), (0, 7));
        assert_eq!(count(&bytes, "run", 1).unwrap(), (1, 24));
        assert_eq!(count(&bytes, "run", 10).unwrap(), (385, 177));
        assert_eq!(count(&bytes, "pick", 1).unwrap(), (10, 5));
        assert_eq!(count(&bytes, "pick", 0).unwrap(), (21, 7));
    }

    #[test]
    fn module_without_globals_or_exports_sections() {
        // No global section (the counter gets one of its own) and a start
        // function whose instructions are counted before the call.
        let bytes = wat(r#"(module
            (memory 1)
            (func $s i32.const 0 i32.const 7 i32.store)
            (start $s)
            (func (export "f") (param i32) (result i32) i32.const 0 i32.load local.get 0 i32.add))"#);
        assert_eq!(count(&bytes, "f", 5).unwrap(), (12, 5));
        let out = instrument(&bytes).unwrap();
        wasmparser::Validator::new().validate_all(&out).unwrap();
    }

    #[test]
    fn counts_a_kernel_independently_of_its_argument_size() {
        // fib(n) makes fib(n+1)*2-1 calls: the count grows accordingly and
        // the result is unchanged by the instrumentation.
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/wasm-bench/fib.wasm"
        );
        let bytes = std::fs::read(path).unwrap();
        let (r10, n10) = count(&bytes, "bench_fib", 10).unwrap();
        let (r11, n11) = count(&bytes, "bench_fib", 11).unwrap();
        assert_eq!((r10, r11), (55, 89));
        assert!(n11 > n10 && n10 > 0, "{n10} {n11}");
    }
}
