//! offasm-wasm: a WebAssembly interpreter whose execution core is written in
//! offasm's portable assembly dialect (`lib-asm/wasm/`), compiled by offasm
//! from this crate's build script for the target being built.
//!
//! Rust decodes and validates modules (`wasmparser` for the sections, `valid/`
//! for the function bodies), translates each
//! function into the interpreter's internal code, instantiates, and serves
//! the interpreter's exits (traps, host calls, memory growth). Nothing of the
//! guest program runs in Rust. The design is in `docs/interpreter.md`.
//!
//! ```no_run
//! use std::sync::Arc;
//! use offasm_wasm::{Imports, Instance, Module, Value};
//! let bytes = std::fs::read("fib.wasm").unwrap();
//! let module = Arc::new(Module::new(&bytes).unwrap());
//! let mut instance = Instance::new(&module, &Imports::new()).unwrap();
//! let results = instance.invoke("bench_fib", &[Value::I32(20)]).unwrap();
//! println!("{results:?}");
//! ```

mod abi;
mod decode;
mod forward;
mod instance;
mod linear_memory;
mod module;
mod translate;
mod valid;
pub mod wast_runner;

pub use instance::{Extern, Global, HostFunc, Imports, Instance, Memory, Table};
pub use module::{ExportKind, FuncType, GlobalType, Import, ImportKind, Limits, Module, ValType};

use std::fmt;

/// A WebAssembly value. Floats are kept as their bit patterns, so NaN
/// payloads survive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
}

impl Value {
    pub fn ty(self) -> ValType {
        match self {
            Value::I32(_) => ValType::I32,
            Value::I64(_) => ValType::I64,
            Value::F32(_) => ValType::F32,
            Value::F64(_) => ValType::F64,
        }
    }

    /// The value's 8-byte slot representation.
    pub fn to_bits(self) -> u64 {
        match self {
            Value::I32(v) => v as u32 as u64,
            Value::I64(v) => v as u64,
            Value::F32(v) => v as u64,
            Value::F64(v) => v,
        }
    }

    /// Reads a slot as a value of type `ty` (narrow types use the low bits).
    pub fn from_bits(ty: ValType, bits: u64) -> Value {
        match ty {
            ValType::I32 => Value::I32(bits as u32 as i32),
            ValType::I64 => Value::I64(bits as i64),
            ValType::F32 => Value::F32(bits as u32),
            ValType::F64 => Value::F64(bits),
        }
    }

    /// Parses a command-line argument of type `ty` (decimal, `0x` hex, or for
    /// floats a decimal number).
    pub fn parse(ty: ValType, text: &str) -> Option<Value> {
        fn int(text: &str) -> Option<i128> {
            let (neg, digits) = match text.strip_prefix('-') {
                Some(rest) => (true, rest),
                None => (false, text),
            };
            let v = match digits.strip_prefix("0x") {
                Some(hex) => i128::from_str_radix(hex, 16).ok()?,
                None => digits.parse::<i128>().ok()?,
            };
            Some(if neg { -v } else { v })
        }
        match ty {
            ValType::I32 => {
                let v = int(text)?;
                (i32::MIN as i128..=u32::MAX as i128)
                    .contains(&v)
                    .then_some(Value::I32(v as i32))
            }
            ValType::I64 => {
                let v = int(text)?;
                (i64::MIN as i128..=u64::MAX as i128)
                    .contains(&v)
                    .then_some(Value::I64(v as i64))
            }
            ValType::F32 => text.parse::<f32>().ok().map(|f| Value::F32(f.to_bits())),
            ValType::F64 => text.parse::<f64>().ok().map(|f| Value::F64(f.to_bits())),
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Value::I32(v) => write!(f, "{v}:i32"),
            Value::I64(v) => write!(f, "{v}:i64"),
            Value::F32(v) => write!(f, "{}:f32", f32::from_bits(v)),
            Value::F64(v) => write!(f, "{}:f64", f64::from_bits(v)),
        }
    }
}

/// Why execution stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrapKind {
    Unreachable,
    IntegerDivideByZero,
    IntegerOverflow,
    MemoryOutOfBounds,
    CallStackExhausted,
    UndefinedElement,
    UninitializedElement,
    IndirectCallTypeMismatch,
    InvalidConversionToInteger,
    /// A host function failed.
    Host,
    /// A trap code the interpreter does not define (a bug).
    Unknown(usize),
}

impl TrapKind {
    fn from_code(code: usize) -> TrapKind {
        match code {
            abi::Trap_Unreachable => TrapKind::Unreachable,
            abi::Trap_DivideByZero => TrapKind::IntegerDivideByZero,
            abi::Trap_IntegerOverflow => TrapKind::IntegerOverflow,
            abi::Trap_MemoryOutOfBounds => TrapKind::MemoryOutOfBounds,
            abi::Trap_StackExhausted => TrapKind::CallStackExhausted,
            abi::Trap_UndefinedElement => TrapKind::UndefinedElement,
            abi::Trap_UninitializedElement => TrapKind::UninitializedElement,
            abi::Trap_IndirectCallTypeMismatch => TrapKind::IndirectCallTypeMismatch,
            abi::Trap_InvalidConversion => TrapKind::InvalidConversionToInteger,
            other => TrapKind::Unknown(other),
        }
    }

    /// The message the spec test suite uses for this trap.
    pub fn message(self) -> &'static str {
        match self {
            TrapKind::Unreachable => "unreachable",
            TrapKind::IntegerDivideByZero => "integer divide by zero",
            TrapKind::IntegerOverflow => "integer overflow",
            TrapKind::MemoryOutOfBounds => "out of bounds memory access",
            TrapKind::CallStackExhausted => "call stack exhausted",
            TrapKind::UndefinedElement => "undefined element",
            TrapKind::UninitializedElement => "uninitialized element",
            TrapKind::IndirectCallTypeMismatch => "indirect call type mismatch",
            TrapKind::InvalidConversionToInteger => "invalid conversion to integer",
            TrapKind::Host => "host function failed",
            TrapKind::Unknown(_) => "unknown trap",
        }
    }
}

/// A trap, with where it happened: the function (index space of the module)
/// and the byte offset in the module binary of the instruction that trapped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Trap {
    pub kind: TrapKind,
    pub func: Option<u32>,
    pub offset: Option<u32>,
}

impl Trap {
    pub fn host() -> Trap {
        Trap {
            kind: TrapKind::Host,
            func: None,
            offset: None,
        }
    }
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind.message())?;
        if let TrapKind::Unknown(code) = self.kind {
            write!(f, " {code}")?;
        }
        match (self.func, self.offset) {
            (Some(func), Some(off)) => write!(f, " in function {func} at code offset {off:#x}"),
            (Some(func), None) => write!(f, " in function {func}"),
            _ => Ok(()),
        }
    }
}

/// Everything that can go wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// The binary is malformed or fails validation.
    Invalid(String),
    /// Valid WebAssembly that this interpreter cannot run yet.
    Unsupported(String),
    /// An import is missing or has the wrong type.
    Link(String),
    /// A segment does not fit (instantiation failed).
    Instantiate(String),
    /// Execution trapped.
    Trap(Trap),
    /// A bad call from the embedder (unknown export, wrong argument types).
    Runtime(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Invalid(m) => write!(f, "invalid module: {m}"),
            Error::Unsupported(m) => write!(f, "not supported yet: {m}"),
            Error::Link(m) => write!(f, "link error: {m}"),
            Error::Instantiate(m) => write!(f, "instantiation failed: {m}"),
            Error::Trap(t) => write!(f, "trap: {t}"),
            Error::Runtime(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for Error {}
