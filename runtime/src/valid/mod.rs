//! Validation of function bodies (WebAssembly 1.0), one pass over each body's
//! bytes: decodes every operator, follows the operand types and the control
//! frames, and measures the highest operand stack (which bounds the frame, so
//! a call can set it up before the function is translated).
//!
//! `wasmparser`'s validator still checks the module's sections; bodies are
//! most of a module, and its operator validator (built for every proposal)
//! was most of the start-up time. This one knows only 1.0: four value types,
//! blocks with at most one result and no parameters, one table, one memory.
//! `reference.rs` keeps the `wasmparser` path, and `tests/validate.rs` holds
//! the two to the same verdicts and frame sizes.

pub mod reference;

use crate::decode::{numeric_instructions, Reader, MEMORY};
use crate::module::{FrameShape, FuncType, GlobalType, ValType};
use crate::Error;

/// What `wasmparser` allows: parameters and locals of one function together.
const MAX_LOCALS: u64 = 50_000;

/// An operand's type as validation knows it. `Any` is an operand popped from
/// the empty stack of unreachable code: it matches every type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum Ty {
    I32,
    I64,
    F32,
    F64,
    Any,
}

impl From<ValType> for Ty {
    fn from(t: ValType) -> Ty {
        match t {
            ValType::I32 => Ty::I32,
            ValType::I64 => Ty::I64,
            ValType::F32 => Ty::F32,
            ValType::F64 => Ty::F64,
        }
    }
}

impl std::fmt::Display for Ty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Ty::I32 => "i32",
            Ty::I64 => "i64",
            Ty::F32 => "f32",
            Ty::F64 => "f64",
            Ty::Any => "any",
        })
    }
}

/// How a numeric instruction (0x45..=0xBF) uses the operand stack.
#[derive(Clone, Copy)]
struct Signature {
    /// 0: not a numeric instruction.
    arity: u8,
    input: Ty,
    output: Ty,
}

macro_rules! signatures {
    ($($op:literal $name:ident ($($input:ident)+) $output:ident,)*) => {{
        let mut t = [Signature { arity: 0, input: Ty::Any, output: Ty::Any }; 256];
        $({
            let inputs = [$(Ty::$input),+];
            t[$op] = Signature { arity: inputs.len() as u8, input: inputs[0], output: Ty::$output };
        })*
        t
    }};
}

const NUMERIC: [Signature; 256] = numeric_instructions!(signatures);

/// What a body may refer to: the module's index spaces, as decoded before
/// the code section.
pub(crate) struct Env<'m> {
    pub types: &'m [FuncType],
    /// Type index of every function, imported ones first.
    pub func_types: &'m [u32],
    pub globals: &'m [GlobalType],
    pub tables: usize,
    pub memories: usize,
}

/// Buffers kept from one body to the next.
#[derive(Default)]
pub(crate) struct Scratch {
    operands: Vec<Ty>,
    frames: Vec<Frame>,
    locals: Vec<ValType>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Block,
    Loop,
    If,
    Else,
}

/// A control frame: what its end expects, and the operand stack below it.
#[derive(Clone, Copy)]
struct Frame {
    kind: Kind,
    result: Option<ValType>,
    height: usize,
    unreachable: bool,
}

impl Frame {
    /// The type a branch to this frame carries.
    fn label(&self) -> Option<ValType> {
        match self.kind {
            Kind::Loop => None,
            _ => self.result,
        }
    }
}

/// Validates one function body (`body` is its bytes, locals first; `at` is
/// its offset in the module, for messages).
pub(crate) fn check_body(
    env: &Env<'_>,
    ty: &FuncType,
    body: &[u8],
    at: usize,
    scratch: &mut Scratch,
) -> Result<FrameShape, Error> {
    let mut reader = Reader {
        bytes: body,
        pos: 0,
        at,
    };
    scratch.locals.clear();
    scratch.locals.extend_from_slice(&ty.params);
    let mut declared: u64 = 0;
    for _ in 0..reader.u32()? {
        let count = reader.u32()?;
        let t = reader.val_type()?;
        declared += count as u64;
        if ty.params.len() as u64 + declared > MAX_LOCALS {
            return Err(reader.fail("too many locals: locals exceed maximum"));
        }
        scratch
            .locals
            .extend(std::iter::repeat_n(t, count as usize));
    }
    scratch.operands.clear();
    scratch.frames.clear();
    let mut check = BodyCheck {
        reader,
        env,
        locals: &scratch.locals,
        operands: &mut scratch.operands,
        frames: &mut scratch.frames,
        top: Frame {
            kind: Kind::Block,
            result: ty.results.first().copied(),
            height: 0,
            unreachable: false,
        },
        result: ty.results.first().copied(),
        max_height: 0,
        op_at: 0,
    };
    check.operators()?;
    let max_slots = (scratch.locals.len() as u64 + check.max_height as u64).max(1);
    Ok(FrameShape {
        locals: declared as u32,
        max_slots: u32::try_from(max_slots)
            .map_err(|_| Error::Unsupported("frame too large".into()))?,
    })
}

struct BodyCheck<'c, 'm> {
    reader: Reader<'c>,
    env: &'c Env<'m>,
    locals: &'c [ValType],
    operands: &'c mut Vec<Ty>,
    /// The frames around `top`, outermost first.
    frames: &'c mut Vec<Frame>,
    top: Frame,
    /// The function's result.
    result: Option<ValType>,
    max_height: usize,
    /// Where the operator being checked starts in the body.
    op_at: usize,
}

impl BodyCheck<'_, '_> {
    /// An error at the operator being checked.
    #[cold]
    #[inline(never)]
    fn fail(&self, what: impl std::fmt::Display) -> Error {
        Error::Invalid(format!(
            "{what} (at offset {:#x})",
            self.reader.at + self.op_at
        ))
    }

    #[inline(always)]
    fn push(&mut self, t: Ty) {
        self.operands.push(t);
        self.max_height = self.max_height.max(self.operands.len());
    }

    #[inline(always)]
    fn pop(&mut self, want: Ty) -> Result<(), Error> {
        let len = self.operands.len();
        if len > self.top.height {
            let got = self.operands[len - 1];
            self.operands.truncate(len - 1);
            if got == want || got == Ty::Any {
                return Ok(());
            }
            return Err(self.mismatch(want, Some(got)));
        }
        if self.top.unreachable {
            return Ok(());
        }
        Err(self.mismatch(want, None))
    }

    /// Pops an operand of any type (`drop`, `select`).
    fn pop_any(&mut self) -> Result<Ty, Error> {
        if self.operands.len() > self.top.height {
            return Ok(self.operands.pop().unwrap_or(Ty::Any));
        }
        if self.top.unreachable {
            return Ok(Ty::Any);
        }
        Err(self.fail("type mismatch: expected a value but nothing on stack"))
    }

    #[cold]
    #[inline(never)]
    fn mismatch(&self, want: Ty, got: Option<Ty>) -> Error {
        match got {
            Some(got) => self.fail(format_args!("type mismatch: expected {want}, found {got}")),
            None => self.fail(format_args!(
                "type mismatch: expected {want} but nothing on stack"
            )),
        }
    }

    /// The rest of the code is unreachable until the frame ends.
    fn unreachable(&mut self) {
        self.operands.truncate(self.top.height);
        self.top.unreachable = true;
    }

    fn enter(&mut self, kind: Kind, result: Option<ValType>) {
        let outer = std::mem::replace(
            &mut self.top,
            Frame {
                kind,
                result,
                height: self.operands.len(),
                unreachable: false,
            },
        );
        self.frames.push(outer);
    }

    /// At `else` or `end`: the frame's result and nothing else on its stack.
    fn leave(&mut self) -> Result<(), Error> {
        if let Some(t) = self.top.result {
            self.pop(t.into())?;
        }
        if self.operands.len() != self.top.height {
            return Err(self.fail("type mismatch: values remaining on stack at end of block"));
        }
        Ok(())
    }

    /// The type a branch `depth` frames out carries.
    fn label(&self, depth: u32) -> Result<Option<ValType>, Error> {
        let depth = depth as usize;
        if depth == 0 {
            return Ok(self.top.label());
        }
        match self.frames.len().checked_sub(depth) {
            Some(i) => Ok(self.frames[i].label()),
            None => Err(self.fail("unknown label: branch depth too large")),
        }
    }

    fn call(&mut self, ty: &FuncType) -> Result<(), Error> {
        for &p in ty.params.iter().rev() {
            self.pop(p.into())?;
        }
        if let Some(&t) = ty.results.first() {
            self.push(t.into());
        }
        Ok(())
    }

    fn has_memory(&self) -> Result<(), Error> {
        if self.env.memories == 0 {
            return Err(self.fail("unknown memory 0"));
        }
        Ok(())
    }

    fn operators(&mut self) -> Result<(), Error> {
        loop {
            let op = match self.reader.bytes.get(self.reader.pos) {
                Some(&op) => op,
                None => {
                    return Err(
                        self.fail("control frames remain at end of function: END opcode expected")
                    )
                }
            };
            self.op_at = self.reader.pos;
            self.reader.pos += 1;
            match op {
                0x00 => self.unreachable(),
                0x01 => {}
                0x02 => {
                    let bt = self.reader.block_type()?;
                    self.enter(Kind::Block, bt);
                }
                0x03 => {
                    let bt = self.reader.block_type()?;
                    self.enter(Kind::Loop, bt);
                }
                0x04 => {
                    let bt = self.reader.block_type()?;
                    self.pop(Ty::I32)?;
                    self.enter(Kind::If, bt);
                }
                0x05 => {
                    if self.top.kind != Kind::If {
                        return Err(self.fail("else found outside of an `if` block"));
                    }
                    self.leave()?;
                    self.top.kind = Kind::Else;
                    self.top.unreachable = false;
                }
                0x0B => {
                    self.leave()?;
                    if self.top.kind == Kind::If && self.top.result.is_some() {
                        return Err(
                            self.fail("type mismatch: an `if` with a result needs an `else`")
                        );
                    }
                    let result = self.top.result;
                    let outer = self.frames.pop();
                    // The function's end too leaves its result on the stack
                    // (the translator's frame holds it there).
                    if let Some(t) = result {
                        self.push(t.into());
                    }
                    match outer {
                        Some(outer) => self.top = outer,
                        None if self.reader.eof() => return Ok(()),
                        None => return Err(self.fail("operators remaining after end of function")),
                    }
                }
                0x0C => {
                    let depth = self.reader.u32()?;
                    if let Some(t) = self.label(depth)? {
                        self.pop(t.into())?;
                    }
                    self.unreachable();
                }
                0x0D => {
                    let depth = self.reader.u32()?;
                    let label = self.label(depth)?;
                    self.pop(Ty::I32)?;
                    if let Some(t) = label {
                        self.pop(t.into())?;
                        self.push(t.into());
                    }
                }
                0x0E => self.br_table()?,
                0x0F => {
                    if let Some(t) = self.result {
                        self.pop(t.into())?;
                    }
                    self.unreachable();
                }
                0x10 => {
                    let f = self.reader.u32()?;
                    let Some(&t) = self.env.func_types.get(f as usize) else {
                        return Err(self.fail(format_args!("unknown function {f}")));
                    };
                    self.call(&self.env.types[t as usize])?;
                }
                0x11 => {
                    let t = self.reader.u32()?;
                    self.reader.zero_byte()?;
                    let Some(ty) = self.env.types.get(t as usize) else {
                        return Err(self.fail(format_args!("unknown type {t}")));
                    };
                    if self.env.tables == 0 {
                        return Err(self.fail("unknown table 0"));
                    }
                    self.pop(Ty::I32)?;
                    self.call(ty)?;
                }
                0x1A => {
                    self.pop_any()?;
                }
                0x1B => {
                    self.pop(Ty::I32)?;
                    let a = self.pop_any()?;
                    let b = self.pop_any()?;
                    let t = match (a, b) {
                        (Ty::Any, t) | (t, Ty::Any) => t,
                        (a, b) if a == b => a,
                        (a, b) => {
                            return Err(
                                self.fail(format_args!("type mismatch: select of {b} and {a}"))
                            )
                        }
                    };
                    self.push(t);
                }
                0x20..=0x22 => {
                    let i = self.reader.u32()?;
                    let Some(&t) = self.locals.get(i as usize) else {
                        return Err(self.fail(format_args!("unknown local {i}")));
                    };
                    if op != 0x20 {
                        self.pop(t.into())?;
                    }
                    if op != 0x21 {
                        self.push(t.into());
                    }
                }
                0x23 | 0x24 => {
                    let i = self.reader.u32()?;
                    let Some(&g) = self.env.globals.get(i as usize) else {
                        return Err(self.fail(format_args!("unknown global {i}")));
                    };
                    if op == 0x23 {
                        self.push(g.ty.into());
                    } else if !g.mutable {
                        return Err(
                            self.fail("global is immutable: cannot modify it with `global.set`")
                        );
                    } else {
                        self.pop(g.ty.into())?;
                    }
                }
                0x28..=0x35 => {
                    let (t, natural) = MEMORY[op as usize - 0x28];
                    self.reader.mem_arg(natural)?;
                    self.has_memory()?;
                    self.pop(Ty::I32)?;
                    self.push(t.into());
                }
                0x36..=0x3E => {
                    let (t, natural) = MEMORY[op as usize - 0x28];
                    self.reader.mem_arg(natural)?;
                    self.has_memory()?;
                    self.pop(t.into())?;
                    self.pop(Ty::I32)?;
                }
                0x3F | 0x40 => {
                    self.reader.zero_byte()?;
                    self.has_memory()?;
                    if op == 0x40 {
                        self.pop(Ty::I32)?;
                    }
                    self.push(Ty::I32);
                }
                0x41 => {
                    self.reader.signed(32)?;
                    self.push(Ty::I32);
                }
                0x42 => {
                    self.reader.signed(64)?;
                    self.push(Ty::I64);
                }
                0x43 => {
                    self.reader.array::<4>()?;
                    self.push(Ty::F32);
                }
                0x44 => {
                    self.reader.array::<8>()?;
                    self.push(Ty::F64);
                }
                _ => {
                    let sig = NUMERIC[op as usize];
                    match sig.arity {
                        1 => self.pop(sig.input)?,
                        2 => {
                            self.pop(sig.input)?;
                            self.pop(sig.input)?;
                        }
                        _ => {
                            return Err(self.fail(format_args!(
                                "illegal opcode {op:#04x} (not WebAssembly 1.0)"
                            )));
                        }
                    }
                    self.push(sig.output);
                }
            }
        }
    }

    /// WebAssembly 1.0 requires every label of a `br_table` to carry the same
    /// type, also in unreachable code (later versions only require each to
    /// match the operands).
    fn br_table(&mut self) -> Result<(), Error> {
        let count = self.reader.u32()?;
        let mut want = None;
        for _ in 0..=count as u64 {
            let depth = self.reader.u32()?;
            let label = self.label(depth)?;
            if *want.get_or_insert(label) != label {
                return Err(self.fail("type mismatch: br_table labels of different types"));
            }
        }
        self.pop(Ty::I32)?;
        if let Some(Some(t)) = want {
            self.pop(t.into())?;
        }
        self.unreachable();
        Ok(())
    }
}
