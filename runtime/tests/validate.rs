//! The body validator (`src/valid/`) against the reference, `wasmparser`'s
//! validator with the 1.0 `br_table` rule (`Module::new_validated_by_wasmparser`):
//! on random modules and on modules with bytes of their function bodies
//! changed at random, both must accept or both reject, and where both accept,
//! measure the same frame for every function.
//!
//! `OFFASM_WASM_VALIDATE_MODULES` (default 400; 40 off x86-64, where the
//! suite runs under an emulator and the code checked is the same) modules from seed
//! `OFFASM_WASM_VALIDATE_SEED` (default 1), each changed
//! `OFFASM_WASM_VALIDATE_EDITS` (default 40) times. A disagreement fails the
//! test and leaves the module in `target/tmp/wasm-validate/`.

use arbitrary::Unstructured;
use offasm_wasm::{Error, Module};

#[path = "common/random.rs"]
mod random;

use random::{env_u64, Rng};

/// Modules with imports of every kind, so that every index space has
/// imported and defined entries.
#[allow(clippy::field_reassign_with_default)] // one setting per line reads best here
fn config() -> wasm_smith::Config {
    let mut c = random::wasm1_config();
    c.min_funcs = 2;
    c.max_funcs = 12;
    c.max_instructions = 120;
    c
}

/// Opcodes and immediates worth writing over a body's bytes: the control
/// instructions, the ones with an index or a memory argument, the first
/// opcodes past 1.0 and small numbers (depths, indices, alignments).
const INTERESTING: &[u8] = &[
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x10, 0x11, 0x1A, 0x1B, 0x1C,
    0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x28, 0x29, 0x2C, 0x35, 0x36, 0x3E, 0x3F, 0x40, 0x41, 0x42,
    0x43, 0x44, 0x45, 0x50, 0x5B, 0x6A, 0x7C, 0x92, 0xA0, 0xA7, 0xBF, 0xC0, 0xFC, 0x7F, 0x7E, 0x7D,
    0x7C, 0x7B, 0x70, 0x80, 0xFF, 0x02, 0x03, 0x04, 0x08,
];

/// Both validators' verdicts on `bytes`; `Err` describes a disagreement.
fn agree(bytes: &[u8]) -> Result<bool, String> {
    let ours = Module::new(bytes);
    let reference = Module::new_validated_by_wasmparser(bytes);
    match (&ours, &reference) {
        (Ok(a), Ok(b)) => {
            for (f, (x, y)) in a.frames.iter().zip(&b.frames).enumerate() {
                if (x.locals, x.max_slots) != (y.locals, y.max_slots) {
                    return Err(format!(
                        "function {f}: frame {} locals/{} slots, the reference {}/{}",
                        x.locals, x.max_slots, y.locals, y.max_slots
                    ));
                }
            }
            Ok(true)
        }
        (Err(Error::Invalid(_)), Err(Error::Invalid(_))) => Ok(false),
        (Err(Error::Unsupported(a)), Err(Error::Unsupported(b))) if a == b => Ok(false),
        _ => Err(format!(
            "ours: {}; the reference: {}",
            verdict(&ours),
            verdict(&reference)
        )),
    }
}

fn verdict(m: &Result<Module, Error>) -> String {
    match m {
        Ok(_) => "valid".into(),
        Err(e) => e.to_string(),
    }
}

#[test]
fn body_validation_agrees_with_wasmparser() {
    let count = env_u64(
        "OFFASM_WASM_VALIDATE_MODULES",
        if cfg!(target_arch = "x86_64") {
            400
        } else {
            40
        },
    );
    let edits = env_u64("OFFASM_WASM_VALIDATE_EDITS", 40);
    let seed = env_u64("OFFASM_WASM_VALIDATE_SEED", 1);
    let (mut valid, mut checked, mut accepted) = (0, 0, 0);
    let mut failures = Vec::new();
    for i in 0..count {
        let module_seed = seed.wrapping_mul(1_000_003).wrapping_add(i);
        let mut rng = Rng(module_seed);
        let data = rng.bytes(4096);
        let mut u = Unstructured::new(&data);
        let Ok(module) = wasm_smith::Module::new(config(), &mut u) else {
            continue;
        };
        let bytes = module.to_bytes();
        let mut candidates = vec![bytes.clone()];
        match Module::new_validated_by_wasmparser(&bytes) {
            Ok(m) if !m.bodies.is_empty() => {
                valid += 1;
                let bodies = m.bodies.clone();
                for _ in 0..edits {
                    let mut edited = bytes.clone();
                    // One to three bytes of one body, so sections keep their sizes.
                    let body = &bodies[rng.below(bodies.len())];
                    for _ in 0..1 + rng.below(3) {
                        let at = body.start + rng.below(body.len());
                        edited[at] = match rng.below(3) {
                            0 => rng.next() as u8,
                            1 => INTERESTING[rng.below(INTERESTING.len())],
                            _ => edited[at] ^ (1 << rng.below(8)),
                        };
                    }
                    candidates.push(edited);
                }
            }
            _ => {}
        }
        for candidate in candidates {
            checked += 1;
            match agree(&candidate) {
                Ok(ok) => accepted += ok as u32,
                Err(why) => {
                    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                        .join("../target/tmp/wasm-validate");
                    std::fs::create_dir_all(&dir).unwrap();
                    let path = dir.join(format!("{module_seed}-{checked}.wasm"));
                    std::fs::write(&path, &candidate).unwrap();
                    failures.push(format!("{}: {why}", path.display()));
                }
            }
        }
    }
    eprintln!(
        "{valid} generated modules valid; {checked} modules checked, {accepted} accepted by both"
    );
    assert!(
        valid > count / 4,
        "too few valid modules: {valid} of {count}"
    );
    assert!(
        accepted < checked,
        "no edited module was rejected: the edits test nothing"
    );
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Each rule of the body validator, on a module that breaks only that rule;
/// the module with the rule kept is valid.
#[test]
fn each_rule_rejects_its_module() {
    let cases: &[(&str, &str, &str)] = &[
        // (what, valid body, the same with the rule broken)
        (
            "operand type",
            "(i32.add (i32.const 1) (i32.const 2)) drop",
            "(i32.add (i32.const 1) (i64.const 2)) drop",
        ),
        ("empty stack", "(i32.const 1) drop", "drop"),
        (
            "values left at end",
            "(block (result i32) (i32.const 1)) drop",
            "(block (result i32) (i32.const 1) (i32.const 2)) drop",
        ),
        (
            "block result",
            "(block (result i32) (i32.const 1)) drop",
            "(block (result i32) (i64.const 1)) drop",
        ),
        (
            "if without else",
            "(if (i32.const 1) (then))",
            "(if (result i32) (i32.const 1) (then (i32.const 1))) drop",
        ),
        (
            "branch depth",
            "(block (block (br 1)))",
            "(block (block (br 3)))",
        ),
        (
            "branch value",
            "(block (result i32) (br 0 (i32.const 1))) drop",
            "(block (result i32) (br 0 (f32.const 1))) drop",
        ),
        (
            "loop label carries nothing",
            "(loop (result i32) (br 0 (f32.const 0))) drop",
            "(block (result i32) (br 0 (f32.const 0))) drop",
        ),
        (
            "br_table labels",
            "(block (result i32) (block (unreachable) (br_table 0 0)) (i32.const 0)) drop",
            "(block (result i32) (block (unreachable) (br_table 0 1)) (i32.const 0)) drop",
        ),
        (
            "select operands",
            "(select (i32.const 1) (i32.const 2) (i32.const 0)) drop",
            "(select (i32.const 1) (f32.const 2) (i32.const 0)) drop",
        ),
        (
            "local index",
            "(local.set 0 (i32.const 0))",
            "(local.set 1 (i32.const 0))",
        ),
        (
            "local type",
            "(local.set 0 (i32.const 0))",
            "(local.set 0 (i64.const 0))",
        ),
        (
            "immutable global",
            "(global.set 1 (i32.const 0))",
            "(global.set 0 (i32.const 0))",
        ),
        ("global index", "(global.get 1) drop", "(global.get 2) drop"),
        (
            "function index",
            "(call 0 (i32.const 1))",
            "(call 7 (i32.const 1))",
        ),
        (
            "call arguments",
            "(call 0 (i32.const 1))",
            "(call 0 (i64.const 1))",
        ),
        (
            "call_indirect type",
            "(call_indirect (type 0) (i32.const 1) (i32.const 0))",
            "(call_indirect (type 0) (i32.const 0))",
        ),
        (
            "alignment",
            "(i32.load align=4 (i32.const 0)) drop",
            "(i32.load align=8 (i32.const 0)) drop",
        ),
        (
            "store operands",
            "(i64.store (i32.const 0) (i64.const 1))",
            "(i64.store (i32.const 0) (i32.const 1))",
        ),
        (
            "memory.grow operand",
            "(memory.grow (i32.const 1)) drop",
            "(memory.grow (i64.const 1)) drop",
        ),
        (
            "conversion",
            "(f64.promote_f32 (f32.const 1)) drop",
            "(f64.promote_f32 (f64.const 1)) drop",
        ),
        ("result", "(return (i32.const 0))", "(return (i64.const 0))"),
        ("else needs if", "i32.const 1 if else end", "block else end"),
    ];
    let module = |body: &str| {
        format!(
            "(module (type (func (param i32))) (table 1 funcref) (memory 1)
               (global i32 (i32.const 0)) (global (mut i32) (i32.const 0))
               (func (param i32) (local i32))
               (func (result i32) (local i32) {body} (i32.const 0)))"
        )
    };
    for (what, good, bad) in cases {
        let parse = |text: &str| {
            let buf = wast::parser::ParseBuffer::new(text).expect("lex");
            let mut wat: wast::Wat = wast::parser::parse(&buf).expect("parse");
            wat.encode().expect("encode")
        };
        let good = parse(&module(good));
        let bad = parse(&module(bad));
        assert!(
            Module::new(&good).is_ok(),
            "{what}: the valid module: {:?}",
            Module::new(&good).err()
        );
        assert!(
            matches!(Module::new(&bad), Err(Error::Invalid(_))),
            "{what}: the module breaking the rule was accepted"
        );
        assert_eq!(agree(&good), Ok(true), "{what}");
        assert_eq!(agree(&bad), Ok(false), "{what}");
    }
}
