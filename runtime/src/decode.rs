//! Reading WebAssembly 1.0 function bodies, shared by the validator
//! (`valid/`) and the translator: LEB128 as 1.0 bounds it, the numeric
//! instructions as one table, and a decoder of validated bodies straight into
//! `wasmparser`'s `Operator` (its own reader, built for every proposal, was a
//! third of the translation time).

use wasmparser::{BinaryReader, MemArg, Operator as O, OperatorsReader};

use crate::module::ValType;
use crate::Error;

/// WebAssembly 1.0's numeric instructions: opcode, `wasmparser` operator,
/// operand types and result type. `$m` is given the whole list.
macro_rules! numeric_instructions {
    ($m:ident) => {
        $m! {
            0x45 I32Eqz (I32) I32,
            0x46 I32Eq (I32 I32) I32,
            0x47 I32Ne (I32 I32) I32,
            0x48 I32LtS (I32 I32) I32,
            0x49 I32LtU (I32 I32) I32,
            0x4A I32GtS (I32 I32) I32,
            0x4B I32GtU (I32 I32) I32,
            0x4C I32LeS (I32 I32) I32,
            0x4D I32LeU (I32 I32) I32,
            0x4E I32GeS (I32 I32) I32,
            0x4F I32GeU (I32 I32) I32,
            0x50 I64Eqz (I64) I32,
            0x51 I64Eq (I64 I64) I32,
            0x52 I64Ne (I64 I64) I32,
            0x53 I64LtS (I64 I64) I32,
            0x54 I64LtU (I64 I64) I32,
            0x55 I64GtS (I64 I64) I32,
            0x56 I64GtU (I64 I64) I32,
            0x57 I64LeS (I64 I64) I32,
            0x58 I64LeU (I64 I64) I32,
            0x59 I64GeS (I64 I64) I32,
            0x5A I64GeU (I64 I64) I32,
            0x5B F32Eq (F32 F32) I32,
            0x5C F32Ne (F32 F32) I32,
            0x5D F32Lt (F32 F32) I32,
            0x5E F32Gt (F32 F32) I32,
            0x5F F32Le (F32 F32) I32,
            0x60 F32Ge (F32 F32) I32,
            0x61 F64Eq (F64 F64) I32,
            0x62 F64Ne (F64 F64) I32,
            0x63 F64Lt (F64 F64) I32,
            0x64 F64Gt (F64 F64) I32,
            0x65 F64Le (F64 F64) I32,
            0x66 F64Ge (F64 F64) I32,
            0x67 I32Clz (I32) I32,
            0x68 I32Ctz (I32) I32,
            0x69 I32Popcnt (I32) I32,
            0x6A I32Add (I32 I32) I32,
            0x6B I32Sub (I32 I32) I32,
            0x6C I32Mul (I32 I32) I32,
            0x6D I32DivS (I32 I32) I32,
            0x6E I32DivU (I32 I32) I32,
            0x6F I32RemS (I32 I32) I32,
            0x70 I32RemU (I32 I32) I32,
            0x71 I32And (I32 I32) I32,
            0x72 I32Or (I32 I32) I32,
            0x73 I32Xor (I32 I32) I32,
            0x74 I32Shl (I32 I32) I32,
            0x75 I32ShrS (I32 I32) I32,
            0x76 I32ShrU (I32 I32) I32,
            0x77 I32Rotl (I32 I32) I32,
            0x78 I32Rotr (I32 I32) I32,
            0x79 I64Clz (I64) I64,
            0x7A I64Ctz (I64) I64,
            0x7B I64Popcnt (I64) I64,
            0x7C I64Add (I64 I64) I64,
            0x7D I64Sub (I64 I64) I64,
            0x7E I64Mul (I64 I64) I64,
            0x7F I64DivS (I64 I64) I64,
            0x80 I64DivU (I64 I64) I64,
            0x81 I64RemS (I64 I64) I64,
            0x82 I64RemU (I64 I64) I64,
            0x83 I64And (I64 I64) I64,
            0x84 I64Or (I64 I64) I64,
            0x85 I64Xor (I64 I64) I64,
            0x86 I64Shl (I64 I64) I64,
            0x87 I64ShrS (I64 I64) I64,
            0x88 I64ShrU (I64 I64) I64,
            0x89 I64Rotl (I64 I64) I64,
            0x8A I64Rotr (I64 I64) I64,
            0x8B F32Abs (F32) F32,
            0x8C F32Neg (F32) F32,
            0x8D F32Ceil (F32) F32,
            0x8E F32Floor (F32) F32,
            0x8F F32Trunc (F32) F32,
            0x90 F32Nearest (F32) F32,
            0x91 F32Sqrt (F32) F32,
            0x92 F32Add (F32 F32) F32,
            0x93 F32Sub (F32 F32) F32,
            0x94 F32Mul (F32 F32) F32,
            0x95 F32Div (F32 F32) F32,
            0x96 F32Min (F32 F32) F32,
            0x97 F32Max (F32 F32) F32,
            0x98 F32Copysign (F32 F32) F32,
            0x99 F64Abs (F64) F64,
            0x9A F64Neg (F64) F64,
            0x9B F64Ceil (F64) F64,
            0x9C F64Floor (F64) F64,
            0x9D F64Trunc (F64) F64,
            0x9E F64Nearest (F64) F64,
            0x9F F64Sqrt (F64) F64,
            0xA0 F64Add (F64 F64) F64,
            0xA1 F64Sub (F64 F64) F64,
            0xA2 F64Mul (F64 F64) F64,
            0xA3 F64Div (F64 F64) F64,
            0xA4 F64Min (F64 F64) F64,
            0xA5 F64Max (F64 F64) F64,
            0xA6 F64Copysign (F64 F64) F64,
            0xA7 I32WrapI64 (I64) I32,
            0xA8 I32TruncF32S (F32) I32,
            0xA9 I32TruncF32U (F32) I32,
            0xAA I32TruncF64S (F64) I32,
            0xAB I32TruncF64U (F64) I32,
            0xAC I64ExtendI32S (I32) I64,
            0xAD I64ExtendI32U (I32) I64,
            0xAE I64TruncF32S (F32) I64,
            0xAF I64TruncF32U (F32) I64,
            0xB0 I64TruncF64S (F64) I64,
            0xB1 I64TruncF64U (F64) I64,
            0xB2 F32ConvertI32S (I32) F32,
            0xB3 F32ConvertI32U (I32) F32,
            0xB4 F32ConvertI64S (I64) F32,
            0xB5 F32ConvertI64U (I64) F32,
            0xB6 F32DemoteF64 (F64) F32,
            0xB7 F64ConvertI32S (I32) F64,
            0xB8 F64ConvertI32U (I32) F64,
            0xB9 F64ConvertI64S (I64) F64,
            0xBA F64ConvertI64U (I64) F64,
            0xBB F64PromoteF32 (F32) F64,
            0xBC I32ReinterpretF32 (F32) I32,
            0xBD I64ReinterpretF64 (F64) I64,
            0xBE F32ReinterpretI32 (I32) F32,
            0xBF F64ReinterpretI64 (I64) F64,
        }
    };
}
pub(crate) use numeric_instructions;

/// Loads (0x28..=0x35) and stores (0x36..=0x3E): the value's type and the
/// natural alignment (log2 of the access size).
pub(crate) const MEMORY: [(ValType, u32); 23] = {
    use ValType::*;
    [
        (I32, 2),
        (I64, 3),
        (F32, 2),
        (F64, 3),
        (I32, 0),
        (I32, 0),
        (I32, 1),
        (I32, 1),
        (I64, 0),
        (I64, 0),
        (I64, 1),
        (I64, 1),
        (I64, 2),
        (I64, 2),
        // stores
        (I32, 2),
        (I64, 3),
        (F32, 2),
        (F64, 3),
        (I32, 0),
        (I32, 1),
        (I64, 0),
        (I64, 1),
        (I64, 2),
    ]
};

/// Reads a body's encoding (LEB128 as WebAssembly 1.0 bounds it).
pub(crate) struct Reader<'b> {
    pub bytes: &'b [u8],
    pub pos: usize,
    /// The offset of `bytes` in the module, for messages.
    pub at: usize,
}

impl Reader<'_> {
    #[cold]
    #[inline(never)]
    pub(crate) fn fail(&self, what: impl std::fmt::Display) -> Error {
        Error::Invalid(format!("{what} (at offset {:#x})", self.at + self.pos))
    }

    pub(crate) fn eof(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    #[inline(always)]
    pub(crate) fn byte(&mut self) -> Result<u8, Error> {
        match self.bytes.get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                Ok(b)
            }
            None => Err(self.fail("unexpected end of the function body")),
        }
    }

    #[inline(always)]
    pub(crate) fn u32(&mut self) -> Result<u32, Error> {
        let b = self.byte()?;
        if b < 0x80 {
            return Ok(b as u32);
        }
        self.u32_long(b)
    }

    fn u32_long(&mut self, first: u8) -> Result<u32, Error> {
        let mut value = (first & 0x7F) as u32;
        for shift in [7, 14, 21] {
            let b = self.byte()?;
            value |= ((b & 0x7F) as u32) << shift;
            if b < 0x80 {
                return Ok(value);
            }
        }
        let b = self.byte()?;
        if b >= 0x80 {
            return Err(self.fail("invalid var_u32: integer representation too long"));
        }
        if b > 0x0F {
            return Err(self.fail("invalid var_u32: integer too large"));
        }
        Ok(value | (b as u32) << 28)
    }

    /// A signed LEB128 of at most `bits` bits (32 or 64), checking that the
    /// last byte's unused bits extend the sign.
    #[inline(always)]
    pub(crate) fn signed(&mut self, bits: u32) -> Result<i64, Error> {
        let max_bytes = bits.div_ceil(7);
        let mut value: i64 = 0;
        for i in 0..max_bytes - 1 {
            let b = self.byte()?;
            value |= ((b & 0x7F) as i64) << (7 * i);
            if b < 0x80 {
                let shift = 64 - 7 * (i + 1);
                return Ok(value << shift >> shift);
            }
        }
        let b = self.byte()?;
        if b >= 0x80 {
            return Err(self.fail("invalid var_s: integer representation too long"));
        }
        // The bits of the last byte beyond `bits`, and the sign bit below them.
        let used = bits - 7 * (max_bytes - 1);
        let high = (0x7F >> (used - 1)) << (used - 1);
        if b & high != 0 && b & high != high {
            return Err(self.fail("invalid var_s: integer too large"));
        }
        value |= ((b & 0x7F) as i64) << (7 * (max_bytes - 1));
        let shift = 64u32.saturating_sub(7 * max_bytes);
        Ok(value << shift >> shift)
    }

    /// `N` bytes (a float constant's).
    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], Error> {
        match self.bytes.get(self.pos..self.pos + N) {
            Some(b) => {
                self.pos += N;
                Ok(b.try_into().expect("N bytes"))
            }
            None => {
                self.pos = self.bytes.len();
                Err(self.fail("unexpected end of the function body"))
            }
        }
    }

    pub(crate) fn val_type(&mut self) -> Result<ValType, Error> {
        Ok(match self.byte()? {
            0x7F => ValType::I32,
            0x7E => ValType::I64,
            0x7D => ValType::F32,
            0x7C => ValType::F64,
            b => {
                self.pos -= 1;
                return Err(self.fail(format_args!("value type {b:#04x} is not WebAssembly 1.0")));
            }
        })
    }

    pub(crate) fn block_type(&mut self) -> Result<Option<ValType>, Error> {
        if self.bytes.get(self.pos) == Some(&0x40) {
            self.pos += 1;
            return Ok(None);
        }
        self.val_type().map(Some)
    }

    /// A memory instruction's alignment and offset.
    pub(crate) fn mem_arg(&mut self, natural: u32) -> Result<MemArg, Error> {
        let align = self.u32()?;
        if align > natural {
            return Err(self.fail("alignment must not be larger than natural"));
        }
        Ok(MemArg {
            align: align as u8,
            max_align: natural as u8,
            offset: self.u32()? as u64,
            target: wasmparser::MemArgTarget::Memory(0),
            ordering: None,
        })
    }

    /// The byte 1.0 reserves after `call_indirect`, `memory.size` and
    /// `memory.grow` (an index to come, always zero).
    pub(crate) fn zero_byte(&mut self) -> Result<(), Error> {
        if self.byte()? != 0 {
            self.pos -= 1;
            return Err(self.fail("zero byte expected"));
        }
        Ok(())
    }
}

macro_rules! numeric_operator {
    ($($op:literal $name:ident ($($input:ident)+) $output:ident,)*) => {
        /// The numeric instruction `op` (no immediates).
        fn numeric_operator(op: u8) -> Option<O<'static>> {
            match op {
                $($op => Some(O::$name),)*
                _ => None,
            }
        }
    };
}
numeric_instructions!(numeric_operator);

/// The operators of a validated body, in order.
pub(crate) struct Operators<'b> {
    reader: Reader<'b>,
}

impl<'b> Operators<'b> {
    /// `body` is a function body's bytes (locals first), at offset `at` in the
    /// module. Also returns the count of declared locals.
    pub(crate) fn new(body: &'b [u8], at: usize) -> Result<(Operators<'b>, u32), Error> {
        let mut reader = Reader {
            bytes: body,
            pos: 0,
            at,
        };
        let mut locals: u32 = 0;
        for _ in 0..reader.u32()? {
            let count = reader.u32()?;
            reader.val_type()?;
            locals = locals
                .checked_add(count)
                .ok_or_else(|| Error::Unsupported("more than 2^32 locals".into()))?;
        }
        Ok((Operators { reader }, locals))
    }

    pub(crate) fn eof(&self) -> bool {
        self.reader.eof()
    }

    /// The next operator and its offset in the module.
    pub(crate) fn next(&mut self) -> Result<(O<'b>, usize), Error> {
        let r = &mut self.reader;
        let start = r.pos;
        let op = r.byte()?;
        let op = match op {
            0x00 => O::Unreachable,
            0x01 => O::Nop,
            0x02 => O::Block {
                blockty: block_type(r.block_type()?),
            },
            0x03 => O::Loop {
                blockty: block_type(r.block_type()?),
            },
            0x04 => O::If {
                blockty: block_type(r.block_type()?),
            },
            0x05 => O::Else,
            0x0B => O::End,
            0x0C => O::Br {
                relative_depth: r.u32()?,
            },
            0x0D => O::BrIf {
                relative_depth: r.u32()?,
            },
            0x0E => {
                // A `BrTable` is only made by wasmparser's reader.
                let mut wasm = OperatorsReader::new(BinaryReader::new(
                    &r.bytes[start..],
                    (r.at + start) as u64,
                ));
                let op = wasm.read().map_err(|e| Error::Invalid(e.to_string()))?;
                r.pos = wasm.original_position() as usize - r.at;
                op
            }
            0x0F => O::Return,
            0x10 => O::Call {
                function_index: r.u32()?,
            },
            0x11 => {
                let type_index = r.u32()?;
                r.zero_byte()?;
                O::CallIndirect {
                    type_index,
                    table_index: 0,
                }
            }
            0x1A => O::Drop,
            0x1B => O::Select,
            0x20 => O::LocalGet {
                local_index: r.u32()?,
            },
            0x21 => O::LocalSet {
                local_index: r.u32()?,
            },
            0x22 => O::LocalTee {
                local_index: r.u32()?,
            },
            0x23 => O::GlobalGet {
                global_index: r.u32()?,
            },
            0x24 => O::GlobalSet {
                global_index: r.u32()?,
            },
            0x28..=0x3E => {
                let memarg = r.mem_arg(MEMORY[op as usize - 0x28].1)?;
                match op {
                    0x28 => O::I32Load { memarg },
                    0x29 => O::I64Load { memarg },
                    0x2A => O::F32Load { memarg },
                    0x2B => O::F64Load { memarg },
                    0x2C => O::I32Load8S { memarg },
                    0x2D => O::I32Load8U { memarg },
                    0x2E => O::I32Load16S { memarg },
                    0x2F => O::I32Load16U { memarg },
                    0x30 => O::I64Load8S { memarg },
                    0x31 => O::I64Load8U { memarg },
                    0x32 => O::I64Load16S { memarg },
                    0x33 => O::I64Load16U { memarg },
                    0x34 => O::I64Load32S { memarg },
                    0x35 => O::I64Load32U { memarg },
                    0x36 => O::I32Store { memarg },
                    0x37 => O::I64Store { memarg },
                    0x38 => O::F32Store { memarg },
                    0x39 => O::F64Store { memarg },
                    0x3A => O::I32Store8 { memarg },
                    0x3B => O::I32Store16 { memarg },
                    0x3C => O::I64Store8 { memarg },
                    0x3D => O::I64Store16 { memarg },
                    _ => O::I64Store32 { memarg },
                }
            }
            0x3F => {
                r.zero_byte()?;
                O::MemorySize { mem: 0 }
            }
            0x40 => {
                r.zero_byte()?;
                O::MemoryGrow { mem: 0 }
            }
            0x41 => O::I32Const {
                value: r.signed(32)? as i32,
            },
            0x42 => O::I64Const {
                value: r.signed(64)?,
            },
            0x43 => O::F32Const {
                value: f32::from_bits(u32::from_le_bytes(r.array()?)).into(),
            },
            0x44 => O::F64Const {
                value: f64::from_bits(u64::from_le_bytes(r.array()?)).into(),
            },
            _ => match numeric_operator(op) {
                Some(op) => op,
                None => {
                    r.pos = start;
                    return Err(r.fail(format_args!(
                        "illegal opcode {op:#04x} (not WebAssembly 1.0)"
                    )));
                }
            },
        };
        Ok((op, r.at + start))
    }
}

fn block_type(t: Option<ValType>) -> wasmparser::BlockType {
    use wasmparser::{BlockType, ValType as W};
    match t {
        None => BlockType::Empty,
        Some(ValType::I32) => BlockType::Type(W::I32),
        Some(ValType::I64) => BlockType::Type(W::I64),
        Some(ValType::F32) => BlockType::Type(W::F32),
        Some(ValType::F64) => BlockType::Type(W::F64),
    }
}

/// The integration tests' random-module helpers, for the unit test below.
#[cfg(test)]
#[allow(dead_code)]
#[path = "../tests/common/random.rs"]
mod random;

#[cfg(test)]
mod tests {
    use super::*;

    /// The decoder gives the operators and offsets `wasmparser`'s reader gives,
    /// on every body of random valid 1.0 modules.
    #[test]
    fn operators_match_wasmparser() {
        let config = random::wasm1_config();
        let (mut bodies, mut operators) = (0, 0);
        for seed in 0..300u64 {
            let data = random::Rng(seed).bytes(4096);
            let Ok(module) =
                wasm_smith::Module::new(config.clone(), &mut arbitrary::Unstructured::new(&data))
            else {
                continue;
            };
            let bytes = module.to_bytes();
            let Ok(m) = crate::Module::new(&bytes) else {
                continue;
            };
            for range in &m.bodies {
                bodies += 1;
                let body = wasmparser::FunctionBody::new(BinaryReader::new(
                    &bytes[range.clone()],
                    range.start as u64,
                ));
                let mut theirs = body.get_operators_reader().unwrap();
                let (mut ours, locals) =
                    Operators::new(&bytes[range.clone()], range.start).unwrap();
                let their_locals: u32 = body
                    .get_locals_reader()
                    .unwrap()
                    .into_iter()
                    .map(|l| l.unwrap().0)
                    .sum();
                assert_eq!(locals, their_locals);
                while !theirs.eof() {
                    let (op, at) = theirs.read_with_offset().unwrap();
                    assert_eq!(ours.next().unwrap(), (op, at as usize));
                    operators += 1;
                }
                assert!(ours.eof());
            }
        }
        assert!(operators > 10_000, "{bodies} bodies, {operators} operators");
    }
}
