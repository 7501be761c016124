//! Decoding and validation in one pass over the binary: each section is given
//! to `wasmparser`'s validator (WebAssembly 1.0 features only) and then
//! decoded; each function body is read once, by our own validator
//! (`valid/`), which also measures its operand stack.

use std::ops::Range;
use std::sync::Arc;

use wasmparser::{
    DataKind, ElementItems, ElementKind, ExternalKind, FuncValidatorAllocations, Parser, Payload,
    TypeRef, ValidPayload, Validator, WasmFeatures,
};

use crate::valid;
use crate::Error;

/// A value type (WebAssembly 1.0 has only the four numeric types).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValType {
    I32,
    I64,
    F32,
    F64,
}

impl ValType {
    pub(crate) fn from_wasm(t: wasmparser::ValType) -> Result<ValType, Error> {
        Ok(match t {
            wasmparser::ValType::I32 => ValType::I32,
            wasmparser::ValType::I64 => ValType::I64,
            wasmparser::ValType::F32 => ValType::F32,
            wasmparser::ValType::F64 => ValType::F64,
            other => return Err(Error::Unsupported(format!("value type {other:?}"))),
        })
    }

    /// Whether the value fills a whole 8-byte slot.
    pub fn is_wide(self) -> bool {
        matches!(self, ValType::I64 | ValType::F64)
    }
}

impl std::fmt::Display for ValType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ValType::I32 => "i32",
            ValType::I64 => "i64",
            ValType::F32 => "f32",
            ValType::F64 => "f64",
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FuncType {
    pub params: Vec<ValType>,
    pub results: Vec<ValType>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub min: u32,
    pub max: Option<u32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GlobalType {
    pub ty: ValType,
    pub mutable: bool,
}

/// A constant expression (global initialisers, segment offsets).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConstExpr {
    /// A value's 64-bit slot representation.
    Value(ValType, u64),
    GlobalGet(u32),
}

#[derive(Clone, Debug)]
pub enum ImportKind {
    Func(u32),
    Table(Limits),
    Memory(Limits),
    Global(GlobalType),
}

#[derive(Clone, Debug)]
pub struct Import {
    pub module: String,
    pub name: String,
    pub kind: ImportKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportKind {
    Func,
    Table,
    Memory,
    Global,
}

#[derive(Clone, Debug)]
pub struct Export {
    pub name: String,
    pub kind: ExportKind,
    pub index: u32,
}

#[derive(Clone, Debug)]
pub struct ElemSegment {
    pub table: u32,
    pub offset: ConstExpr,
    pub funcs: Vec<u32>,
}

#[derive(Clone, Debug)]
pub struct DataSegment {
    pub memory: u32,
    pub offset: ConstExpr,
    pub bytes: Range<usize>,
}

/// A decoded, validated module.
#[derive(Debug)]
pub struct Module {
    pub(crate) bytes: Arc<[u8]>,
    pub types: Vec<FuncType>,
    pub imports: Vec<Import>,
    /// Type index of every function, imported ones first (the function index space).
    pub func_types: Vec<u32>,
    pub imported_funcs: usize,
    pub tables: Vec<Limits>,
    pub imported_tables: usize,
    pub memories: Vec<Limits>,
    pub imported_memories: usize,
    pub globals: Vec<GlobalType>,
    pub imported_globals: usize,
    /// Initialisers of the defined globals.
    pub global_inits: Vec<ConstExpr>,
    pub exports: Vec<Export>,
    pub start: Option<u32>,
    pub elems: Vec<ElemSegment>,
    pub data: Vec<DataSegment>,
    /// Byte range of each defined function's body (locals and code).
    pub bodies: Vec<Range<usize>>,
    /// The frame of each defined function, as validation measured it.
    pub frames: Vec<FrameShape>,
}

/// What a call needs to know of a function before it is translated.
#[derive(Clone, Copy, Debug)]
pub struct FrameShape {
    /// Declared locals (not counting parameters).
    pub locals: u32,
    /// Slots the frame can need at most: parameters, locals and the highest
    /// operand stack (the translator's frame is never larger: it keeps one
    /// slot per operand, and none for operands of unreachable code).
    pub max_slots: u32,
}

pub(crate) fn wasm_err(e: wasmparser::BinaryReaderError) -> Error {
    Error::Invalid(e.to_string())
}

fn limits32(initial: u64, maximum: Option<u64>) -> Limits {
    Limits {
        min: initial as u32,
        max: maximum.map(|m| m as u32),
    }
}

fn const_expr(expr: &wasmparser::ConstExpr<'_>) -> Result<ConstExpr, Error> {
    let mut reader = expr.get_operators_reader();
    let op = reader.read().map_err(wasm_err)?;
    use wasmparser::Operator as O;
    Ok(match op {
        O::I32Const { value } => ConstExpr::Value(ValType::I32, value as u32 as u64),
        O::I64Const { value } => ConstExpr::Value(ValType::I64, value as u64),
        O::F32Const { value } => ConstExpr::Value(ValType::F32, value.bits() as u64),
        O::F64Const { value } => ConstExpr::Value(ValType::F64, value.bits()),
        O::GlobalGet { global_index } => ConstExpr::GlobalGet(global_index),
        other => return Err(Error::Unsupported(format!("constant expression {other:?}"))),
    })
}

/// Who validates the function bodies.
#[derive(Clone, Copy, PartialEq, Eq)]
enum BodyValidator {
    Own,
    Wasmparser,
}

impl Module {
    /// Decodes and validates a binary module. Any malformed or invalid input is
    /// an error (never a panic).
    pub fn new(bytes: &[u8]) -> Result<Module, Error> {
        Module::decode(bytes, BodyValidator::Own)
    }

    /// `Module::new` with the function bodies validated by `wasmparser`
    /// instead of `valid/`: the reference the tests hold it to.
    #[doc(hidden)]
    pub fn new_validated_by_wasmparser(bytes: &[u8]) -> Result<Module, Error> {
        Module::decode(bytes, BodyValidator::Wasmparser)
    }

    fn decode(bytes: &[u8], bodies: BodyValidator) -> Result<Module, Error> {
        let mut validator = Validator::new_with_features(WasmFeatures::WASM1);
        let mut allocs = FuncValidatorAllocations::default();
        let mut scratch = valid::Scratch::default();
        let bytes: Arc<[u8]> = bytes.into();
        let mut m = Module {
            bytes: bytes.clone(),
            types: Vec::new(),
            imports: Vec::new(),
            func_types: Vec::new(),
            imported_funcs: 0,
            tables: Vec::new(),
            imported_tables: 0,
            memories: Vec::new(),
            imported_memories: 0,
            globals: Vec::new(),
            imported_globals: 0,
            global_inits: Vec::new(),
            exports: Vec::new(),
            start: None,
            elems: Vec::new(),
            data: Vec::new(),
            bodies: Vec::new(),
            frames: Vec::new(),
        };
        let mut parser = Parser::new(0);
        parser.set_features(WasmFeatures::WASM1);
        for payload in parser.parse_all(&bytes) {
            let payload = payload.map_err(wasm_err)?;
            if let ValidPayload::Func(to_validate, body) =
                validator.payload(&payload).map_err(wasm_err)?
            {
                let f = (m.imported_funcs + m.frames.len()) as u32;
                let ty = m.func_type(f);
                let frame = match bodies {
                    BodyValidator::Own => {
                        let env = valid::Env {
                            types: &m.types,
                            func_types: &m.func_types,
                            globals: &m.globals,
                            tables: m.tables.len(),
                            memories: m.memories.len(),
                        };
                        let range = body.range();
                        let code = &bytes[range.start as usize..range.end as usize];
                        valid::check_body(&env, ty, code, range.start as usize, &mut scratch)?
                    }
                    BodyValidator::Wasmparser => {
                        let mut func = to_validate.into_validator(std::mem::take(&mut allocs));
                        let result = ty.results.first().copied();
                        let params = ty.params.len() as u32;
                        let frame = valid::reference::check_body(&mut func, &body, params, result)?;
                        allocs = func.into_allocations();
                        frame
                    }
                };
                m.frames.push(frame);
            }
            match payload {
                Payload::TypeSection(reader) => {
                    for ty in reader.into_iter_err_on_gc_types() {
                        let ty = ty.map_err(wasm_err)?;
                        let params = ty
                            .params()
                            .iter()
                            .map(|&t| ValType::from_wasm(t))
                            .collect::<Result<_, _>>()?;
                        let results = ty
                            .results()
                            .iter()
                            .map(|&t| ValType::from_wasm(t))
                            .collect::<Result<_, _>>()?;
                        m.types.push(FuncType { params, results });
                    }
                }
                Payload::ImportSection(reader) => {
                    for import in reader.into_imports() {
                        let import = import.map_err(wasm_err)?;
                        let kind = match import.ty {
                            TypeRef::Func(t) => {
                                m.func_types.push(t);
                                m.imported_funcs += 1;
                                ImportKind::Func(t)
                            }
                            TypeRef::Table(t) => {
                                let l = limits32(t.initial, t.maximum);
                                m.tables.push(l);
                                m.imported_tables += 1;
                                ImportKind::Table(l)
                            }
                            TypeRef::Memory(t) => {
                                let l = limits32(t.initial, t.maximum);
                                m.memories.push(l);
                                m.imported_memories += 1;
                                ImportKind::Memory(l)
                            }
                            TypeRef::Global(g) => {
                                let g = GlobalType {
                                    ty: ValType::from_wasm(g.content_type)?,
                                    mutable: g.mutable,
                                };
                                m.globals.push(g);
                                m.imported_globals += 1;
                                ImportKind::Global(g)
                            }
                            other => {
                                return Err(Error::Unsupported(format!("import of {other:?}")))
                            }
                        };
                        m.imports.push(Import {
                            module: import.module.to_string(),
                            name: import.name.to_string(),
                            kind,
                        });
                    }
                }
                Payload::FunctionSection(reader) => {
                    for t in reader {
                        m.func_types.push(t.map_err(wasm_err)?);
                    }
                }
                Payload::TableSection(reader) => {
                    for t in reader {
                        let t = t.map_err(wasm_err)?;
                        m.tables.push(limits32(t.ty.initial, t.ty.maximum));
                    }
                }
                Payload::MemorySection(reader) => {
                    for t in reader {
                        let t = t.map_err(wasm_err)?;
                        m.memories.push(limits32(t.initial, t.maximum));
                    }
                }
                Payload::GlobalSection(reader) => {
                    for g in reader {
                        let g = g.map_err(wasm_err)?;
                        m.globals.push(GlobalType {
                            ty: ValType::from_wasm(g.ty.content_type)?,
                            mutable: g.ty.mutable,
                        });
                        m.global_inits.push(const_expr(&g.init_expr)?);
                    }
                }
                Payload::ExportSection(reader) => {
                    for e in reader {
                        let e = e.map_err(wasm_err)?;
                        let kind = match e.kind {
                            ExternalKind::Func => ExportKind::Func,
                            ExternalKind::Table => ExportKind::Table,
                            ExternalKind::Memory => ExportKind::Memory,
                            ExternalKind::Global => ExportKind::Global,
                            other => {
                                return Err(Error::Unsupported(format!("export of {other:?}")))
                            }
                        };
                        m.exports.push(Export {
                            name: e.name.to_string(),
                            kind,
                            index: e.index,
                        });
                    }
                }
                Payload::StartSection { func, .. } => m.start = Some(func),
                Payload::ElementSection(reader) => {
                    for e in reader {
                        let e = e.map_err(wasm_err)?;
                        let ElementKind::Active {
                            table_index,
                            offset_expr,
                        } = e.kind
                        else {
                            return Err(Error::Unsupported(
                                "passive or declared element segment".into(),
                            ));
                        };
                        let mut funcs = Vec::new();
                        match e.items {
                            ElementItems::Functions(r) => {
                                for f in r {
                                    funcs.push(f.map_err(wasm_err)?);
                                }
                            }
                            ElementItems::Expressions(..) => {
                                return Err(Error::Unsupported("element expressions".into()));
                            }
                        }
                        m.elems.push(ElemSegment {
                            table: table_index.unwrap_or(0),
                            offset: const_expr(&offset_expr)?,
                            funcs,
                        });
                    }
                }
                Payload::DataSection(reader) => {
                    for d in reader {
                        let d = d.map_err(wasm_err)?;
                        let DataKind::Active {
                            memory_index,
                            offset_expr,
                        } = d.kind
                        else {
                            return Err(Error::Unsupported("passive data segment".into()));
                        };
                        let start = d.data.as_ptr() as usize - bytes.as_ptr() as usize;
                        m.data.push(DataSegment {
                            memory: memory_index,
                            offset: const_expr(&offset_expr)?,
                            bytes: start..start + d.data.len(),
                        });
                    }
                }
                Payload::CodeSectionEntry(body) => {
                    let r = body.range();
                    m.bodies.push(r.start as usize..r.end as usize);
                }
                _ => {}
            }
        }
        Ok(m)
    }

    pub fn func_type(&self, func: u32) -> &FuncType {
        &self.types[self.func_types[func as usize] as usize]
    }

    pub fn export(&self, name: &str) -> Option<&Export> {
        self.exports.iter().find(|e| e.name == name)
    }
}
