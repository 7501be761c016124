//! Instantiation and invocation: linking imports, building the internal code,
//! and the loop that runs the assembly core and serves its exits.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use crate::abi::{self, Ctx, FuncInfo, RetEntry, Single, TableEntry};
use crate::module::{ConstExpr, ExportKind, FuncType, GlobalType, ImportKind, Limits, Module, ValType};
use crate::translate::{self, CodeBuf, Env, FuncCode};
use crate::{Error, Trap, TrapKind, Value};

/// Largest memory, in 64 KiB pages (4 GiB).
pub const MAX_PAGES: u32 = 65536;
/// Value-stack slots available to one invocation (8 MiB).
pub const STACK_SLOTS: usize = 1 << 20;
/// Nested calls available to one invocation.
pub const MAX_CALL_DEPTH: usize = 1 << 16;

/// A host function: called with the arguments, returns the results.
pub type HostFn = dyn Fn(&[Value]) -> Result<Vec<Value>, Trap>;

#[derive(Clone)]
pub struct HostFunc {
    pub ty: FuncType,
    pub f: Rc<HostFn>,
}

impl HostFunc {
    pub fn new(params: Vec<ValType>, results: Vec<ValType>, f: impl Fn(&[Value]) -> Result<Vec<Value>, Trap> + 'static) -> HostFunc {
        HostFunc { ty: FuncType { params, results }, f: Rc::new(f) }
    }
}

/// A global variable (shared by the instances that import it).
#[derive(Clone, Debug)]
pub struct Global(Rc<GlobalCell>);

#[derive(Debug)]
struct GlobalCell {
    ty: GlobalType,
    bits: Cell<u64>,
}

impl Global {
    pub fn new(value: Value, mutable: bool) -> Global {
        Global(Rc::new(GlobalCell { ty: GlobalType { ty: value.ty(), mutable }, bits: Cell::new(value.to_bits()) }))
    }
    pub fn get(&self) -> Value {
        Value::from_bits(self.0.ty.ty, self.0.bits.get())
    }
    pub fn ty(&self) -> GlobalType {
        self.0.ty
    }
    fn addr(&self) -> u64 {
        self.0.bits.as_ptr() as u64
    }
}

/// A linear memory (shared by the instances that import it).
#[derive(Clone, Debug)]
pub struct Memory(Rc<RefCell<MemoryData>>);

#[derive(Debug)]
struct MemoryData {
    bytes: Vec<u8>,
    max: Option<u32>,
}

impl Memory {
    pub fn new(limits: Limits) -> Result<Memory, Error> {
        if limits.min > MAX_PAGES {
            return Err(Error::Instantiate("memory size must be at most 65536 pages (4GiB)".into()));
        }
        let bytes = vec![0u8; limits.min as usize * 65536];
        Ok(Memory(Rc::new(RefCell::new(MemoryData { bytes, max: limits.max }))))
    }
    pub fn pages(&self) -> u32 {
        (self.0.borrow().bytes.len() / 65536) as u32
    }
    fn limits(&self) -> Limits {
        Limits { min: self.pages(), max: self.0.borrow().max }
    }
    /// Grows by `delta` pages; the old size in pages, or None past the limit.
    pub fn grow(&self, delta: u32) -> Option<u32> {
        let mut data = self.0.borrow_mut();
        let old = (data.bytes.len() / 65536) as u32;
        let new = old as u64 + delta as u64;
        let max = data.max.unwrap_or(MAX_PAGES).min(MAX_PAGES);
        if new > max as u64 {
            return None;
        }
        data.bytes.resize(new as usize * 65536, 0);
        Some(old)
    }
    /// A copy of `len` bytes at `offset`.
    pub fn read(&self, offset: usize, len: usize) -> Option<Vec<u8>> {
        let data = self.0.borrow();
        data.bytes.get(offset..offset.checked_add(len)?).map(|s| s.to_vec())
    }
    pub fn write(&self, offset: usize, bytes: &[u8]) -> Option<()> {
        let mut data = self.0.borrow_mut();
        let end = offset.checked_add(bytes.len())?;
        data.bytes.get_mut(offset..end)?.copy_from_slice(bytes);
        Some(())
    }
    fn raw(&self) -> (u64, u64) {
        let mut data = self.0.borrow_mut();
        (data.bytes.as_mut_ptr() as u64, data.bytes.len() as u64)
    }
}

/// A table of function references. The interpreter reads its elements in
/// place (WebAssembly 1.0 tables never grow, so they never move). Elements
/// point at FuncInfos of the instance that owns the table; sharing a table
/// between instances is not supported yet.
#[derive(Clone, Debug)]
pub struct Table(Rc<RefCell<TableData>>);

#[derive(Debug)]
struct TableData {
    elems: Vec<TableEntry>,
    max: Option<u32>,
}

impl Table {
    pub fn new(limits: Limits) -> Table {
        Table(Rc::new(RefCell::new(TableData { elems: vec![TableEntry::default(); limits.min as usize], max: limits.max })))
    }
    fn limits(&self) -> Limits {
        let t = self.0.borrow();
        Limits { min: t.elems.len() as u32, max: t.max }
    }
    fn raw(&self) -> (u64, u32) {
        let mut t = self.0.borrow_mut();
        (t.elems.as_mut_ptr() as u64, t.elems.len() as u32)
    }
}

/// Something an instance can import.
#[derive(Clone)]
pub enum Extern {
    Func(HostFunc),
    /// A function exported by an instance (importing it is not supported yet).
    WasmFunc(FuncType),
    Global(Global),
    Memory(Memory),
    Table(Table),
}

/// Named imports: `(module, name) -> Extern`.
#[derive(Clone, Default)]
pub struct Imports {
    map: HashMap<(String, String), Extern>,
}

impl Imports {
    pub fn new() -> Imports {
        Imports::default()
    }
    pub fn define(&mut self, module: &str, name: &str, item: Extern) {
        self.map.insert((module.to_string(), name.to_string()), item);
    }
    pub fn get(&self, module: &str, name: &str) -> Option<&Extern> {
        self.map.get(&(module.to_string(), name.to_string()))
    }
}

enum FuncKind {
    Wasm(FuncCode),
    Host(HostFunc),
}

/// An instantiated module.
pub struct Instance {
    module: Arc<Module>,
    code: Box<[u64]>,
    /// FuncInfo of every function (the asm reads them by address; kept alive here).
    #[allow(dead_code)]
    funcs: Box<[FuncInfo]>,
    kinds: Vec<FuncKind>,
    /// Code position of each function's entry trampoline (`call f; exit`).
    trampolines: Vec<usize>,
    globals: Vec<Global>,
    memory: Option<Memory>,
    tables: Vec<Table>,
    stack: Vec<u64>,
    rets: Vec<RetEntry>,
    ctx: Box<Ctx>,
}

fn match_limits(actual: Limits, wanted: Limits) -> bool {
    actual.min >= wanted.min
        && match wanted.max {
            None => true,
            Some(wmax) => actual.max.is_some_and(|amax| amax <= wmax),
        }
}

impl Instance {
    /// Links `module` against `imports`, builds its code and memory, and runs
    /// its start function.
    pub fn new(module: &Arc<Module>, imports: &Imports) -> Result<Instance, Error> {
        let mut host: Vec<HostFunc> = Vec::new();
        let mut globals: Vec<Global> = Vec::new();
        let mut memory: Option<Memory> = None;
        let mut tables: Vec<Table> = Vec::new();
        for import in &module.imports {
            let item = imports
                .get(&import.module, &import.name)
                .ok_or_else(|| Error::Link(format!("unknown import {}.{}", import.module, import.name)))?;
            let incompatible = || Error::Link(format!("incompatible import type for {}.{}", import.module, import.name));
            match (&import.kind, item) {
                (ImportKind::Func(t), Extern::Func(f)) => {
                    if module.types[*t as usize] != f.ty {
                        return Err(incompatible());
                    }
                    host.push(f.clone());
                }
                (ImportKind::Func(t), Extern::WasmFunc(ty)) => {
                    if &module.types[*t as usize] != ty {
                        return Err(incompatible());
                    }
                    return Err(Error::Unsupported("importing a function of another instance".into()));
                }
                (ImportKind::Global(t), Extern::Global(g)) => {
                    if g.ty() != *t {
                        return Err(incompatible());
                    }
                    globals.push(g.clone());
                }
                (ImportKind::Memory(l), Extern::Memory(m)) => {
                    if !match_limits(m.limits(), *l) {
                        return Err(incompatible());
                    }
                    memory = Some(m.clone());
                }
                (ImportKind::Table(l), Extern::Table(t)) => {
                    if !match_limits(t.limits(), *l) {
                        return Err(incompatible());
                    }
                    tables.push(t.clone());
                }
                _ => return Err(incompatible()),
            }
        }
        for (ty, init) in module.globals[module.imported_globals..].iter().zip(&module.global_inits) {
            let bits = eval_const(*init, &globals);
            globals.push(Global(Rc::new(GlobalCell { ty: *ty, bits: Cell::new(bits) })));
        }
        for limits in &module.memories[module.imported_memories..] {
            memory = Some(Memory::new(*limits)?);
        }
        for limits in &module.tables[module.imported_tables..] {
            tables.push(Table::new(*limits));
        }

        // Code: the defined functions, a stub per host function, a trampoline per function.
        let nfuncs = module.func_types.len();
        let mut funcs: Box<[FuncInfo]> = vec![FuncInfo::default(); nfuncs].into_boxed_slice();
        let info_base = funcs.as_ptr() as u64;
        let func_info = move |f: u32| info_base + f as u64 * std::mem::size_of::<FuncInfo>() as u64;
        let global_addrs: Vec<u64> = globals.iter().map(Global::addr).collect();
        let global_addr = |g: u32| global_addrs[g as usize];
        let table = match tables.first() {
            None => Err("call_indirect without a table".to_string()),
            Some(_) if module.imported_tables > 0 => Err("call_indirect through an imported table".to_string()),
            Some(t) => Ok(t.raw()),
        };
        let sig_id = |t: u32| canonical_sig(module, t);
        let env = Env { module, func_info: &func_info, global_addr: &global_addr, table, sig_id: &sig_id };
        let mut buf = CodeBuf::default();
        let mut kinds = Vec::with_capacity(nfuncs);
        let mut entries = Vec::with_capacity(nfuncs);
        for (i, h) in host.iter().enumerate() {
            let at = buf.begin(Single::HostCall.h());
            buf.field(i as u32);
            buf.end();
            buf.begin(Single::Return.h());
            buf.end();
            entries.push(at);
            kinds.push(FuncKind::Host(h.clone()));
        }
        for f in module.imported_funcs..nfuncs {
            let code = translate::translate(&env, f as u32, &mut buf)?;
            entries.push(code.start);
            kinds.push(FuncKind::Wasm(code));
        }
        let mut trampolines = Vec::with_capacity(nfuncs);
        for f in 0..nfuncs {
            trampolines.push(buf.begin(Single::Call.h()));
            buf.field64(func_info(f as u32));
            buf.field(0);
            buf.end();
            buf.begin(Single::Exit.h());
            buf.end();
        }
        let mut code: Box<[u64]> = buf.words.chunks(2).map(|w| w[0] as u64 | (w[1] as u64) << 32).collect();
        let code_base = code.as_ptr() as u64;
        for &(at, target) in &buf.code_relocs {
            code[at / 2] = code_base + target as u64 * 4;
        }
        for (f, kind) in kinds.iter().enumerate() {
            let info = &mut funcs[f];
            info.code = code_base + entries[f] as u64 * 4;
            match kind {
                FuncKind::Wasm(c) => {
                    info.frame_bytes = c.frame_slots as u64 * 8;
                    info.locals_start = c.params as u64 * 8;
                    info.locals_bytes = c.locals as u64 * 8;
                }
                FuncKind::Host(h) => {
                    info.frame_bytes = h.ty.params.len().max(h.ty.results.len()).max(1) as u64 * 8;
                }
            }
        }
        debug_assert_eq!(funcs.as_ptr() as u64, info_base);

        let mut instance = Instance {
            module: module.clone(),
            code,
            funcs,
            kinds,
            trampolines,
            globals,
            memory,
            tables,
            stack: vec![0u64; STACK_SLOTS],
            rets: vec![RetEntry::default(); MAX_CALL_DEPTH],
            ctx: Box::new(Ctx {
                pc: 0,
                fp: 0,
                mem_base: 0,
                mem_size: 0,
                ret_sp: 0,
                ret_limit: 0,
                stack_end: 0,
                trap: 0,
                arg0: 0,
                arg1: 0,
            }),
        };

        // Segments: all bounds are checked before anything is written (WebAssembly 1.0).
        let mut elem_writes = Vec::new();
        if !module.elems.is_empty() && module.imported_tables > 0 {
            return Err(Error::Unsupported("element segments for an imported table".into()));
        }
        for seg in &module.elems {
            let offset = eval_const(seg.offset, &instance.globals) as u32 as usize;
            let table = instance.tables.get(seg.table as usize).ok_or_else(|| Error::Link("unknown table".into()))?;
            if offset + seg.funcs.len() > table.0.borrow().elems.len() {
                return Err(Error::Instantiate("out of bounds table access (elements segment does not fit)".into()));
            }
            elem_writes.push((seg.table as usize, offset, seg.funcs.clone()));
        }
        let mut data_writes = Vec::new();
        for seg in &module.data {
            let offset = eval_const(seg.offset, &instance.globals) as u32 as usize;
            let mem = instance.memory.as_ref().ok_or_else(|| Error::Link("unknown memory".into()))?;
            let len = seg.bytes.len();
            if offset + len > mem.pages() as usize * 65536 {
                return Err(Error::Instantiate("out of bounds memory access (data segment does not fit)".into()));
            }
            data_writes.push((offset, seg.bytes.clone()));
        }
        for (t, offset, funcs) in elem_writes {
            let mut table = instance.tables[t].0.borrow_mut();
            for (k, f) in funcs.into_iter().enumerate() {
                let sig = canonical_sig(module, module.func_types[f as usize]) as u64;
                table.elems[offset + k] = TableEntry { func: func_info(f), sig };
            }
        }
        for (offset, range) in data_writes {
            let bytes = module.bytes[range].to_vec();
            instance.memory.as_ref().unwrap().write(offset, &bytes).expect("checked above");
        }
        if let Some(start) = module.start {
            instance.call(start, &[])?;
        }
        Ok(instance)
    }

    pub fn module(&self) -> &Module {
        &self.module
    }

    /// Calls the exported function `name`.
    pub fn invoke(&mut self, name: &str, args: &[Value]) -> Result<Vec<Value>, Error> {
        let export = self.module.export(name).ok_or_else(|| Error::Runtime(format!("no export named `{name}`")))?;
        if export.kind != ExportKind::Func {
            return Err(Error::Runtime(format!("export `{name}` is not a function")));
        }
        let index = export.index;
        self.call(index, args)
    }

    /// The type of the exported function `name`.
    pub fn func_type(&self, name: &str) -> Option<&FuncType> {
        let e = self.module.export(name)?;
        (e.kind == ExportKind::Func).then(|| self.module.func_type(e.index))
    }

    /// The value of the exported global `name`.
    pub fn global(&self, name: &str) -> Option<Value> {
        let e = self.module.export(name)?;
        (e.kind == ExportKind::Global).then(|| self.globals[e.index as usize].get())
    }

    /// The exported memory `name` (or the instance's memory with `None`).
    pub fn memory(&self) -> Option<&Memory> {
        self.memory.as_ref()
    }

    /// The export `name` as something another instance can import.
    pub fn export(&self, name: &str) -> Option<Extern> {
        let e = self.module.export(name)?;
        Some(match e.kind {
            ExportKind::Func => match &self.kinds[e.index as usize] {
                FuncKind::Host(h) => Extern::Func(h.clone()),
                FuncKind::Wasm(_) => Extern::WasmFunc(self.module.func_type(e.index).clone()),
            },
            ExportKind::Global => Extern::Global(self.globals[e.index as usize].clone()),
            ExportKind::Memory => Extern::Memory(self.memory.clone()?),
            ExportKind::Table => Extern::Table(self.tables.get(e.index as usize)?.clone()),
        })
    }

    /// Every export, by name.
    pub fn exports(&self) -> Vec<(String, Extern)> {
        self.module.exports.iter().filter_map(|e| Some((e.name.clone(), self.export(&e.name)?))).collect()
    }

    /// Calls function `func` (function index space) with `args`.
    pub fn call(&mut self, func: u32, args: &[Value]) -> Result<Vec<Value>, Error> {
        let ty = self.module.func_type(func).clone();
        if args.len() != ty.params.len() || args.iter().zip(&ty.params).any(|(a, &t)| a.ty() != t) {
            return Err(Error::Runtime(format!(
                "function {func} takes ({}), given ({})",
                list(ty.params.iter().map(|t| t.to_string())),
                list(args.iter().map(|a| a.ty().to_string()))
            )));
        }
        for (slot, a) in self.stack.iter_mut().zip(args) {
            *slot = a.to_bits();
        }
        let stack_base = self.stack.as_mut_ptr() as u64;
        let rets_base = self.rets.as_mut_ptr() as u64;
        let code_base = self.code.as_ptr() as u64;
        let ctx = &mut *self.ctx;
        ctx.pc = code_base + self.trampolines[func as usize] as u64 * 4;
        ctx.fp = stack_base;
        ctx.ret_sp = rets_base;
        ctx.ret_limit = rets_base + (self.rets.len() * std::mem::size_of::<RetEntry>()) as u64;
        ctx.stack_end = stack_base + (self.stack.len() * 8) as u64;
        loop {
            let (base, size) = match &self.memory {
                Some(m) => m.raw(),
                None => (0, 0),
            };
            self.ctx.mem_base = base;
            self.ctx.mem_size = size;
            // SAFETY: the code, FuncInfos, globals, stacks and memory the
            // internal code addresses are owned by this instance (or by the
            // Rc'd imports it holds) and do not move while it runs; every
            // memory access is bounds-checked against mem_size, every frame
            // against stack_end and every call against ret_limit.
            let status = unsafe { abi::wasm_enter(&mut *self.ctx) } as usize;
            match status {
                abi::Status_Return => {
                    return Ok(ty.results.iter().enumerate().map(|(k, &t)| Value::from_bits(t, self.stack[k])).collect());
                }
                abi::Status_Trap => return Err(Error::Trap(self.trap_at(self.ctx.trap, self.ctx.pc))),
                abi::Status_HostCall => {
                    let index = self.ctx.arg0 as usize;
                    let FuncKind::Host(h) = &self.kinds[index] else { unreachable!("host_call names a host function") };
                    let h = h.clone();
                    let fp = ((self.ctx.fp - stack_base) / 8) as usize;
                    let args: Vec<Value> =
                        h.ty.params.iter().enumerate().map(|(k, &t)| Value::from_bits(t, self.stack[fp + k])).collect();
                    let results = (h.f)(&args).map_err(Error::Trap)?;
                    if results.len() != h.ty.results.len() || results.iter().zip(&h.ty.results).any(|(r, &t)| r.ty() != t) {
                        return Err(Error::Runtime("host function returned results of the wrong type".into()));
                    }
                    for (k, r) in results.iter().enumerate() {
                        self.stack[fp + k] = r.to_bits();
                    }
                }
                abi::Status_MemoryGrow => {
                    let delta = self.ctx.arg0 as u32;
                    let result = match &self.memory {
                        Some(m) => m.grow(delta).map_or(-1i32, |old| old as i32),
                        None => -1,
                    };
                    let slot = ((self.ctx.arg1 - stack_base) / 8) as usize;
                    self.stack[slot] = result as u32 as u64;
                }
                other => return Err(Error::Runtime(format!("the interpreter returned unknown status {other}"))),
            }
        }
    }

    /// Where a trap happened: the function whose code holds `pc` and the wasm
    /// byte offset of the instruction it was translated from.
    fn trap_at(&self, kind: u64, pc: u64) -> Trap {
        let kind = TrapKind::from_code(kind as usize);
        let pos = ((pc - self.code.as_ptr() as u64) / 4) as usize;
        for (f, k) in self.kinds.iter().enumerate() {
            if let FuncKind::Wasm(c) = k {
                if (c.start..c.end).contains(&pos) {
                    let i = c.offsets.partition_point(|&(w, _)| w as usize <= pos);
                    let offset = i.checked_sub(1).map(|i| c.offsets[i].1);
                    return Trap { kind, func: Some(f as u32), offset };
                }
            }
        }
        Trap { kind, func: None, offset: None }
    }
}

fn list(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join(", ")
}

/// The first type index with the same signature as type `t`.
fn canonical_sig(module: &Module, t: u32) -> u32 {
    let ty = &module.types[t as usize];
    module.types.iter().position(|x| x == ty).expect("a type equals itself") as u32
}

fn eval_const(expr: ConstExpr, globals: &[Global]) -> u64 {
    match expr {
        ConstExpr::Value(_, bits) => bits,
        ConstExpr::GlobalGet(g) => globals[g as usize].0.bits.get(),
    }
}
