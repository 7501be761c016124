//! Instantiation and invocation: linking imports, building the internal code,
//! and the loop that runs the assembly core and serves its exits.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::{Arc, Mutex, OnceLock};

use crate::abi::{self, Ctx, FuncInfo, MemDesc, RetEntry, Single, TableEntry};
use crate::module::{
    ConstExpr, ExportKind, FuncType, GlobalType, ImportKind, Limits, Module, ValType,
};
use crate::translate::{self, CodeBuf, Env, FuncCode};
use crate::linear_memory::LinearBytes;
use crate::{Error, Trap, TrapKind, Value};

/// Largest memory, in 64 KiB pages (4 GiB).
pub const MAX_PAGES: u32 = 65536;
/// Value-stack slots available to one invocation (8 MiB).
pub const STACK_SLOTS: usize = 1 << 20;
/// Nested calls available to one invocation.
pub const MAX_CALL_DEPTH: usize = 1 << 16;
/// The stacks an instance's first call makes (32 KiB of values, 256 calls):
/// they grow by [`STACK_GROWTH`] when a call finds them full, up to the
/// limits above, so that creating an instance does not clear megabytes.
const INITIAL_STACK_SLOTS: usize = 1 << 12;
const INITIAL_CALL_DEPTH: usize = 1 << 8;
const STACK_GROWTH: usize = 8;

/// A host function: called with the arguments, returns the results.
pub type HostFn = dyn Fn(&[Value]) -> Result<Vec<Value>, Trap>;

#[derive(Clone)]
pub struct HostFunc {
    pub ty: FuncType,
    pub f: Rc<HostFn>,
}

impl HostFunc {
    pub fn new(
        params: Vec<ValType>,
        results: Vec<ValType>,
        f: impl Fn(&[Value]) -> Result<Vec<Value>, Trap> + 'static,
    ) -> HostFunc {
        HostFunc {
            ty: FuncType { params, results },
            f: Rc::new(f),
        }
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
        Global(Rc::new(GlobalCell {
            ty: GlobalType {
                ty: value.ty(),
                mutable,
            },
            bits: Cell::new(value.to_bits()),
        }))
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
pub(crate) struct MemoryData {
    bytes: LinearBytes,
    max: Option<u32>,
    /// Where the memory is now, for the interpreter (a stable address).
    desc: Box<MemDesc>,
}

impl MemoryData {
    fn update_desc(&mut self) {
        self.desc.base = self.bytes.base() as u64;
        self.desc.size = self.bytes.len() as u64;
    }

    /// Grows by `delta` pages; the old size in pages, or None past the limit.
    fn grow(&mut self, delta: u32) -> Option<u32> {
        let old = (self.bytes.len() / 65536) as u32;
        let new = old as u64 + delta as u64;
        let max = self.max.unwrap_or(MAX_PAGES).min(MAX_PAGES);
        if new > max as u64 {
            return None;
        }
        // Failing to map is a failed grow.
        self.bytes.grow_to(new as usize * 65536)?;
        self.update_desc();
        Some(old)
    }
}

impl Memory {
    pub fn new(limits: Limits) -> Result<Memory, Error> {
        if limits.min > MAX_PAGES {
            return Err(Error::Instantiate(
                "memory size must be at most 65536 pages (4GiB)".into(),
            ));
        }
        let bytes = LinearBytes::zeroed(limits.min as usize * 65536)
            .ok_or_else(|| Error::Instantiate(format!("cannot allocate {} pages of memory", limits.min)))?;
        let desc = Box::new(MemDesc {
            base: 0,
            size: 0,
            owner: std::ptr::null(),
        });
        let memory = Memory(Rc::new(RefCell::new(MemoryData {
            bytes,
            max: limits.max,
            desc,
        })));
        {
            let mut data = memory.0.borrow_mut();
            data.desc.owner = Rc::as_ptr(&memory.0);
            data.update_desc();
        }
        Ok(memory)
    }
    pub fn pages(&self) -> u32 {
        (self.0.borrow().bytes.len() / 65536) as u32
    }
    fn limits(&self) -> Limits {
        Limits {
            min: self.pages(),
            max: self.0.borrow().max,
        }
    }
    /// Grows by `delta` pages; the old size in pages, or None past the limit.
    pub fn grow(&self, delta: u32) -> Option<u32> {
        self.0.borrow_mut().grow(delta)
    }
    /// A copy of `len` bytes at `offset`.
    pub fn read(&self, offset: usize, len: usize) -> Option<Vec<u8>> {
        let data = self.0.borrow();
        data.bytes
            .bytes()
            .get(offset..offset.checked_add(len)?)
            .map(|s| s.to_vec())
    }
    pub fn write(&self, offset: usize, bytes: &[u8]) -> Option<()> {
        let mut data = self.0.borrow_mut();
        let end = offset.checked_add(bytes.len())?;
        data.bytes.bytes_mut().get_mut(offset..end)?.copy_from_slice(bytes);
        Some(())
    }
    fn desc(&self) -> u64 {
        &*self.0.borrow().desc as *const MemDesc as u64
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
    /// The instances whose code the elements of a shared table point into
    /// (kept alive by the table; an instance that shares a table with
    /// itself in here is never freed, a leak accepted for now).
    owners: Vec<Rc<Shared>>,
}

impl Table {
    pub fn new(limits: Limits) -> Table {
        Table(Rc::new(RefCell::new(TableData {
            elems: vec![TableEntry::default(); limits.min as usize],
            max: limits.max,
            owners: Vec::new(),
        })))
    }
    fn limits(&self) -> Limits {
        let t = self.0.borrow();
        Limits {
            min: t.elems.len() as u32,
            max: t.max,
        }
    }
    fn raw(&self) -> (u64, u32) {
        let mut t = self.0.borrow_mut();
        (t.elems.as_mut_ptr() as u64, t.elems.len() as u32)
    }
}

/// A function exported by an instance, importable by another one.
#[derive(Clone)]
pub struct WasmFunc {
    ty: FuncType,
    owner: Rc<Shared>,
    index: u32,
}

impl WasmFunc {
    /// The FuncInfo a caller in another instance calls: a stub that switches
    /// to the owner's memory (or the host stub itself).
    fn entry(&self) -> u64 {
        self.owner.external_entry(self.index)
    }
}

/// Something an instance can import.
#[derive(Clone)]
pub enum Extern {
    Func(HostFunc),
    WasmFunc(WasmFunc),
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
        self.map
            .insert((module.to_string(), name.to_string()), item);
    }
    pub fn get(&self, module: &str, name: &str) -> Option<&Extern> {
        self.map.get(&(module.to_string(), name.to_string()))
    }
}

enum FuncKind {
    /// A function of this module: translated when it is first called.
    Wasm,
    /// A host function; the record the `host_call` stub names.
    Host(Box<HostFunc>),
    /// A function of another instance.
    Imported(WasmFunc),
}

/// What an instance's code refers to by address, shared with the instances
/// that import its functions (and kept alive by them).
pub(crate) struct Shared {
    // (Debug by hand below: the code and tables are large and cyclic.)
    module: Arc<Module>,
    /// Host stubs, external entries, trampolines and the `translate`
    /// instruction each defined function starts as.
    code: Box<[u64]>,
    /// FuncInfo of every function, then of every function's external entry
    /// (the asm reads them by address; translating a function rewrites its
    /// own).
    funcs: Box<[Cell<FuncInfo>]>,
    kinds: Vec<FuncKind>,
    /// The code of each defined function once it has been translated.
    translated: RefCell<Vec<Option<Translated>>>,
    /// The addresses translation puts in the code.
    link: Link,
    /// Code position of each function's entry trampoline (`call f; exit`).
    trampolines: Vec<usize>,
    globals: Vec<Global>,
    memory: Option<Memory>,
    /// The MemDesc of an instance without memory.
    no_memory: Box<MemDesc>,
    tables: Vec<Table>,
}

/// A translated function: its internal code, where nothing else moves it.
struct Translated {
    code: Box<[u64]>,
    /// Positions in `code`'s 32-bit words.
    func: FuncCode,
}

/// What the internal code of this instance's functions refers to.
struct Link {
    /// The FuncInfo a call of each function names.
    call_targets: Vec<u64>,
    /// Each global's 8-byte cell.
    global_addrs: Vec<u64>,
    /// The table call_indirect uses (its elements and length), or why there
    /// is none.
    table: Result<(u64, u32), String>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Shared {{ {} functions, {} code words }}",
            self.kinds.len(),
            self.code.len()
        )
    }
}

impl Shared {
    fn external_entry(&self, func: u32) -> u64 {
        let n = self.kinds.len();
        self.funcs[n + func as usize].as_ptr() as u64
    }

    /// The defined function whose own FuncInfo is at `info`, if it is one of
    /// this instance's.
    fn func_at(&self, info: u64) -> Option<u32> {
        let base = self.funcs.as_ptr() as u64;
        let size = std::mem::size_of::<FuncInfo>() as u64;
        let f = info.checked_sub(base)? / size;
        (info.checked_sub(base)? % size == 0 && (f as usize) < self.kinds.len()).then_some(f as u32)
    }

    /// Translates defined function `func` (once) and points its FuncInfo at
    /// the code; returns the code's address. A call may already have set up
    /// the frame the `translate` instruction ran in: it was sized by the bound
    /// validation measured, which the translator's frame never exceeds.
    fn translate(&self, func: u32) -> Result<u64, Error> {
        let defined = func as usize - self.module.imported_funcs;
        if self.translated.borrow()[defined].is_some() {
            return Ok(self.funcs[func as usize].get().code);
        }
        let module = &*self.module;
        let func_info = |f: u32| self.link.call_targets[f as usize];
        let global_addr = |g: u32| self.link.global_addrs[g as usize];
        let sig = |t: u32| sig_id(&module.types[t as usize]);
        let env = Env {
            module,
            func_info: &func_info,
            global_addr: &global_addr,
            table: self.link.table.clone(),
            sig_id: &sig,
        };
        let mut buf = CodeBuf::default();
        let fc = translate::translate(&env, func, &mut buf)?;
        let bound = module.frames[defined].max_slots;
        if fc.frame_slots > bound {
            return Err(Error::Runtime(format!(
                "internal error: function {func} needs {} frame slots, validation bounded it by {bound}",
                fc.frame_slots
            )));
        }
        let mut code: Box<[u64]> = buf
            .words
            .chunks(2)
            .map(|w| w[0] as u64 | (w[1] as u64) << 32)
            .collect();
        let base = code.as_ptr() as u64;
        for &(at, target) in &buf.code_relocs {
            code[at / 2] = base + target as u64 * 4;
        }
        self.funcs[func as usize].set(FuncInfo {
            code: base + fc.start as u64 * 4,
            frame_bytes: fc.frame_slots as u64 * 8,
            locals_start: fc.params as u64 * 8,
            locals_bytes: fc.locals as u64 * 8,
        });
        self.translated.borrow_mut()[defined] = Some(Translated { code, func: fc });
        Ok(self.funcs[func as usize].get().code)
    }

    /// Translates every function not yet translated.
    fn translate_all(&self) -> Result<(), Error> {
        for f in self.module.imported_funcs..self.kinds.len() {
            self.translate(f as u32)?;
        }
        Ok(())
    }

    fn mem_desc(&self) -> u64 {
        match &self.memory {
            Some(m) => m.desc(),
            None => &*self.no_memory as *const MemDesc as u64,
        }
    }

    /// The function containing code address `pc`, and the wasm offset of its
    /// instruction there.
    fn locate(&self, pc: u64) -> Option<(u32, Option<u32>)> {
        let translated = self.translated.borrow();
        for (defined, t) in translated.iter().enumerate() {
            let Some(t) = t else { continue };
            let base = t.code.as_ptr() as u64;
            if pc < base || pc >= base + t.code.len() as u64 * 8 {
                continue;
            }
            let pos = ((pc - base) / 4) as usize;
            let c = &t.func;
            let i = c.offsets.partition_point(|&(w, _)| w as usize <= pos);
            let f = (self.module.imported_funcs + defined) as u32;
            return Some((f, i.checked_sub(1).map(|i| c.offsets[i].1)));
        }
        None
    }
}

thread_local! {
    /// Every live instance's code, to say where a trap happened even when
    /// it happened in another instance than the one called.
    static CODE: RefCell<Vec<std::rc::Weak<Shared>>> = const { RefCell::new(Vec::new()) };
}

/// Canonical type ids, equal for equal function types of any module (tables
/// may be shared, so call_indirect compares types across instances).
fn sig_id(ty: &FuncType) -> u32 {
    static IDS: OnceLock<Mutex<HashMap<FuncType, u32>>> = OnceLock::new();
    let mut ids = IDS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let next = ids.len() as u32;
    *ids.entry(ty.clone()).or_insert(next)
}

/// An instantiated module.
pub struct Instance {
    shared: Rc<Shared>,
    stack: Vec<u64>,
    rets: Vec<RetEntry>,
    mems: Vec<u64>,
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
    /// Links `module` against `imports`, makes its memory, tables, globals
    /// and entry code, and runs its start function. Each function is
    /// translated at its first call ([`Instance::translate_all`] does all at
    /// once).
    pub fn new(module: &Arc<Module>, imports: &Imports) -> Result<Instance, Error> {
        let mut funcs_in: Vec<Extern> = Vec::new();
        let mut globals: Vec<Global> = Vec::new();
        let mut memory: Option<Memory> = None;
        let mut tables: Vec<Table> = Vec::new();
        for import in &module.imports {
            let item = imports.get(&import.module, &import.name).ok_or_else(|| {
                Error::Link(format!("unknown import {}.{}", import.module, import.name))
            })?;
            let incompatible = || {
                Error::Link(format!(
                    "incompatible import type for {}.{}",
                    import.module, import.name
                ))
            };
            match (&import.kind, item) {
                (
                    ImportKind::Func(t),
                    Extern::Func(HostFunc { ty, .. }) | Extern::WasmFunc(WasmFunc { ty, .. }),
                ) => {
                    if &module.types[*t as usize] != ty {
                        return Err(incompatible());
                    }
                    funcs_in.push(item.clone());
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
        for (ty, init) in module.globals[module.imported_globals..]
            .iter()
            .zip(&module.global_inits)
        {
            let bits = eval_const(*init, &globals);
            globals.push(Global(Rc::new(GlobalCell {
                ty: *ty,
                bits: Cell::new(bits),
            })));
        }
        for limits in &module.memories[module.imported_memories..] {
            memory = Some(Memory::new(*limits)?);
        }
        for limits in &module.tables[module.imported_tables..] {
            tables.push(Table::new(*limits));
        }
        let no_memory = Box::new(MemDesc {
            base: 0,
            size: 0,
            owner: std::ptr::null(),
        });
        let mem_desc = match &memory {
            Some(m) => m.desc(),
            None => &*no_memory as *const MemDesc as u64,
        };

        // Code: a stub per host function, the defined functions, an external
        // entry and a trampoline per function.
        let nfuncs = module.func_types.len();
        let funcs: Box<[Cell<FuncInfo>]> = (0..2 * nfuncs).map(|_| Cell::new(FuncInfo::default())).collect();
        let info_base = funcs.as_ptr() as u64;
        let own_info = move |f: u32| info_base + f as u64 * std::mem::size_of::<FuncInfo>() as u64;
        let ext_info = move |f: u32| own_info(nfuncs as u32 + f);
        let mut kinds: Vec<FuncKind> = Vec::with_capacity(nfuncs);
        for item in funcs_in {
            kinds.push(match item {
                Extern::Func(h) => FuncKind::Host(Box::new(h)),
                Extern::WasmFunc(w) => FuncKind::Imported(w),
                _ => unreachable!("only functions were collected"),
            });
        }
        // What a call of function f names: its own FuncInfo, or for a function
        // of another instance, that instance's external entry.
        let call_targets: Vec<u64> = (0..nfuncs)
            .map(|f| match kinds.get(f) {
                Some(FuncKind::Imported(w)) => w.entry(),
                _ => own_info(f as u32),
            })
            .collect();
        let func_info = |f: u32| call_targets[f as usize];
        let global_addrs: Vec<u64> = globals.iter().map(Global::addr).collect();
        let table = tables
            .first()
            .map(|t| t.raw())
            .ok_or_else(|| "call_indirect without a table".to_string());
        let mut buf = CodeBuf::default();
        let mut entries = vec![0usize; nfuncs];
        for (f, kind) in kinds.iter().enumerate() {
            if let FuncKind::Host(h) = kind {
                entries[f] = buf.begin(Single::HostCall.h());
                buf.field64(&**h as *const HostFunc as u64);
                buf.end();
                buf.begin(Single::Return.h());
                buf.end();
            }
        }
        // A defined function starts as `translate`, which its first call
        // replaces by its code.
        for (f, entry) in entries.iter_mut().enumerate().skip(module.imported_funcs) {
            *entry = buf.begin(Single::Translate.h());
            buf.field64(own_info(f as u32));
            buf.end();
            kinds.push(FuncKind::Wasm);
        }
        let mut ext_entries = vec![None; nfuncs];
        for (f, kind) in kinds.iter().enumerate() {
            if let FuncKind::Wasm = kind {
                ext_entries[f] = Some(buf.begin(Single::MemoryEnter.h()));
                buf.field64(mem_desc);
                buf.end();
                buf.begin(Single::Call.h());
                buf.field64(own_info(f as u32));
                buf.field(0);
                buf.end();
                buf.begin(Single::MemoryLeave.h());
                buf.end();
                buf.begin(Single::Return.h());
                buf.end();
            }
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
        debug_assert!(buf.code_relocs.is_empty());
        let code: Box<[u64]> = buf
            .words
            .chunks(2)
            .map(|w| w[0] as u64 | (w[1] as u64) << 32)
            .collect();
        let code_base = code.as_ptr() as u64;
        for (f, kind) in kinds.iter().enumerate() {
            let (info, ext) = (f, nfuncs + f);
            match kind {
                FuncKind::Wasm => {
                    let ty = module.func_type(f as u32);
                    let shape = module.frames[f - module.imported_funcs];
                    funcs[info].set(FuncInfo {
                        code: code_base + entries[f] as u64 * 4,
                        frame_bytes: shape.max_slots as u64 * 8,
                        locals_start: ty.params.len() as u64 * 8,
                        locals_bytes: shape.locals as u64 * 8,
                    });
                    funcs[ext].set(FuncInfo {
                        code: code_base + ext_entries[f].unwrap() as u64 * 4,
                        frame_bytes: ty.params.len().max(ty.results.len()).max(1) as u64 * 8,
                        locals_start: 0,
                        locals_bytes: 0,
                    });
                }
                FuncKind::Host(h) => {
                    funcs[info].set(FuncInfo {
                        code: code_base + entries[f] as u64 * 4,
                        frame_bytes: h.ty.params.len().max(h.ty.results.len()).max(1) as u64 * 8,
                        locals_start: 0,
                        locals_bytes: 0,
                    });
                    funcs[ext].set(funcs[info].get());
                }
                FuncKind::Imported(w) => {
                    // Re-exported: callers go straight to the owner's entry.
                    // SAFETY: `w.owner` is alive (held by this kind) and its FuncInfos never move.
                    let entry = unsafe { *(w.entry() as *const FuncInfo) };
                    funcs[info].set(entry);
                    funcs[ext].set(entry);
                }
            }
        }
        debug_assert_eq!(funcs.as_ptr() as u64, info_base);

        // Segments: all bounds are checked before anything is written (WebAssembly 1.0).
        let mut elem_writes = Vec::new();
        for seg in &module.elems {
            let offset = eval_const(seg.offset, &globals) as u32 as usize;
            let table = tables
                .get(seg.table as usize)
                .ok_or_else(|| Error::Link("unknown table".into()))?;
            if offset + seg.funcs.len() > table.0.borrow().elems.len() {
                return Err(Error::Instantiate(
                    "out of bounds table access (elements segment does not fit)".into(),
                ));
            }
            elem_writes.push((seg.table as usize, offset, seg.funcs.clone()));
        }
        let mut data_writes = Vec::new();
        for seg in &module.data {
            let offset = eval_const(seg.offset, &globals) as u32 as usize;
            let mem = memory
                .as_ref()
                .ok_or_else(|| Error::Link("unknown memory".into()))?;
            if offset + seg.bytes.len() > mem.pages() as usize * 65536 {
                return Err(Error::Instantiate(
                    "out of bounds memory access (data segment does not fit)".into(),
                ));
            }
            data_writes.push((offset, seg.bytes.clone()));
        }
        // A table another instance can reach (imported or exported) gets
        // external entries, which switch to this instance's memory.
        let shared_table = module.imported_tables > 0
            || module.exports.iter().any(|e| e.kind == ExportKind::Table);
        let written: Vec<usize> = elem_writes.iter().map(|w| w.0).collect();
        for (t, offset, fs) in elem_writes {
            let mut table = tables[t].0.borrow_mut();
            for (k, f) in fs.into_iter().enumerate() {
                let func = if shared_table {
                    ext_info(f)
                } else {
                    func_info(f)
                };
                let func = match kinds.get(f as usize) {
                    Some(FuncKind::Imported(w)) => w.entry(),
                    _ => func,
                };
                let sig = sig_id(module.func_type(f)) as u64;
                table.elems[offset + k] = TableEntry { func, sig };
            }
        }
        for (offset, range) in data_writes {
            memory
                .as_ref()
                .unwrap()
                .write(offset, &module.bytes[range])
                .expect("checked above");
        }

        let shared = Rc::new(Shared {
            module: module.clone(),
            code,
            funcs,
            kinds,
            translated: RefCell::new((module.imported_funcs..nfuncs).map(|_| None).collect()),
            link: Link {
                call_targets,
                global_addrs,
                table,
            },
            trampolines,
            globals,
            memory,
            no_memory,
            tables,
        });
        if shared_table {
            for t in written {
                shared.tables[t].0.borrow_mut().owners.push(shared.clone());
            }
        }
        CODE.with(|c| {
            let mut c = c.borrow_mut();
            c.retain(|w| w.strong_count() > 0);
            c.push(Rc::downgrade(&shared));
        });
        let mut instance = Instance {
            shared,
            stack: Vec::new(),
            rets: Vec::new(),
            mems: Vec::new(),
            ctx: Box::new(Ctx {
                pc: 0,
                fp: 0,
                mem_desc: 0,
                mem_sp: 0,
                ret_sp: 0,
                ret_limit: 0,
                stack_end: 0,
                trap: 0,
                arg0: 0,
                arg1: 0,
                mem_limit: 0,
                dispatches: 0,
            }),
        };
        if let Some(start) = module.start {
            instance.call(start, &[])?;
        }
        Ok(instance)
    }

    /// Handler dispatches this instance has run so far: counted only when
    /// the crate is built with the feature `count-dispatches` (an
    /// instrumented core, for the benchmark), `None` otherwise.
    pub fn dispatches(&self) -> Option<u64> {
        cfg!(feature = "count-dispatches").then_some(self.ctx.dispatches)
    }

    /// The internal code of every function defined in the module, one
    /// instruction per line: code position (32-bit units), the wasm byte
    /// offset it came from, the handler, its fields as 32-bit words (64-bit
    /// fields are two). For looking at what the translator made
    /// (`offasm-wasm FILE --dump`).
    pub fn dump_code(&self) -> Result<String, Error> {
        use std::fmt::Write as _;
        self.shared.translate_all()?;
        let names = abi::handler_names();
        let translated = self.shared.translated.borrow();
        let translated = translated.iter().flatten();
        let mut out = String::new();
        let body_bytes: usize = self.shared.module.bodies.iter().map(|r| r.len()).sum();
        let code_bytes: usize = translated.clone().map(|t| (t.func.end - t.func.start) * 4).sum();
        writeln!(
            out,
            "internal code: {code_bytes} bytes for {body_bytes} bytes of function bodies ({:.2} per wasm byte)",
            code_bytes as f64 / body_bytes.max(1) as f64
        )
        .unwrap();
        for (defined, t) in translated.enumerate() {
            let (c, f) = (&t.func, self.shared.module.imported_funcs + defined);
            let words: Vec<u32> = t.code.iter().flat_map(|&w| [w as u32, (w >> 32) as u32]).collect();
            writeln!(out, "func {f}: {} params, {} locals, {} slots", c.params, c.locals, c.frame_slots).unwrap();
            for (k, &(at, wasm)) in c.offsets.iter().enumerate() {
                let at = at as usize;
                let next = c.offsets.get(k + 1).map_or(c.end, |&(n, _)| n as usize);
                let handler = words[at] as u64 | (words[at + 1] as u64) << 32;
                let name = names.get(&handler).map_or("?", String::as_str);
                write!(out, "  {at:6} @{wasm:<6} {name:<22}").unwrap();
                for w in &words[at + 2..next] {
                    write!(out, " {w}").unwrap();
                }
                out.push('\n');
            }
        }
        Ok(out)
    }

    /// Translates every function now rather than at its first call (which
    /// is when it happens otherwise): after this, no call pays for it.
    pub fn translate_all(&self) -> Result<(), Error> {
        self.shared.translate_all()
    }

    /// How many of the module's functions have been translated so far.
    pub fn translated_functions(&self) -> usize {
        self.shared.translated.borrow().iter().flatten().count()
    }

    pub fn module(&self) -> &Module {
        &self.shared.module
    }

    /// Calls the exported function `name`.
    pub fn invoke(&mut self, name: &str, args: &[Value]) -> Result<Vec<Value>, Error> {
        let export = self
            .shared
            .module
            .export(name)
            .ok_or_else(|| Error::Runtime(format!("no export named `{name}`")))?;
        if export.kind != ExportKind::Func {
            return Err(Error::Runtime(format!("export `{name}` is not a function")));
        }
        let index = export.index;
        self.call(index, args)
    }

    /// The type of the exported function `name`.
    pub fn func_type(&self, name: &str) -> Option<&FuncType> {
        let e = self.shared.module.export(name)?;
        (e.kind == ExportKind::Func).then(|| self.shared.module.func_type(e.index))
    }

    /// The value of the exported global `name`.
    pub fn global(&self, name: &str) -> Option<Value> {
        let e = self.shared.module.export(name)?;
        (e.kind == ExportKind::Global).then(|| self.shared.globals[e.index as usize].get())
    }

    /// The instance's memory, if it has one.
    pub fn memory(&self) -> Option<&Memory> {
        self.shared.memory.as_ref()
    }

    /// The export `name` as something another instance can import.
    pub fn export(&self, name: &str) -> Option<Extern> {
        let e = self.shared.module.export(name)?;
        Some(match e.kind {
            ExportKind::Func => match &self.shared.kinds[e.index as usize] {
                FuncKind::Host(h) => Extern::Func((**h).clone()),
                FuncKind::Imported(w) => Extern::WasmFunc(w.clone()),
                FuncKind::Wasm => Extern::WasmFunc(WasmFunc {
                    ty: self.shared.module.func_type(e.index).clone(),
                    owner: self.shared.clone(),
                    index: e.index,
                }),
            },
            ExportKind::Global => Extern::Global(self.shared.globals[e.index as usize].clone()),
            ExportKind::Memory => Extern::Memory(self.shared.memory.clone()?),
            ExportKind::Table => Extern::Table(self.shared.tables.get(e.index as usize)?.clone()),
        })
    }

    /// Every export, by name.
    pub fn exports(&self) -> Vec<(String, Extern)> {
        self.shared
            .module
            .exports
            .iter()
            .filter_map(|e| Some((e.name.clone(), self.export(&e.name)?)))
            .collect()
    }

    /// Calls function `func` (function index space) with `args`.
    pub fn call(&mut self, func: u32, args: &[Value]) -> Result<Vec<Value>, Error> {
        let ty = self.shared.module.func_type(func).clone();
        if args.len() != ty.params.len() || args.iter().zip(&ty.params).any(|(a, &t)| a.ty() != t) {
            return Err(Error::Runtime(format!(
                "function {func} takes ({}), given ({})",
                list(ty.params.iter().map(|t| t.to_string())),
                list(args.iter().map(|a| a.ty().to_string()))
            )));
        }
        // The stacks are made by the first call (an instance that is never
        // called does not pay for them).
        if self.stack.is_empty() {
            self.stack = vec![0u64; INITIAL_STACK_SLOTS];
            self.rets = vec![RetEntry::default(); INITIAL_CALL_DEPTH];
            self.mems = vec![0u64; INITIAL_CALL_DEPTH];
        }
        for (slot, a) in self.stack.iter_mut().zip(args) {
            *slot = a.to_bits();
        }
        let stack_base = self.stack.as_mut_ptr() as u64;
        let rets_base = self.rets.as_mut_ptr() as u64;
        let mems_base = self.mems.as_mut_ptr() as u64;
        let code_base = self.shared.code.as_ptr() as u64;
        let ctx = &mut *self.ctx;
        ctx.pc = code_base + self.shared.trampolines[func as usize] as u64 * 4;
        ctx.fp = stack_base;
        ctx.mem_desc = self.shared.mem_desc();
        ctx.mem_sp = mems_base;
        ctx.mem_limit = mems_base + (self.mems.len() * 8) as u64;
        ctx.ret_sp = rets_base;
        ctx.ret_limit = rets_base + (self.rets.len() * std::mem::size_of::<RetEntry>()) as u64;
        ctx.stack_end = stack_base + (self.stack.len() * 8) as u64;
        loop {
            // SAFETY: everything the internal code addresses (code, FuncInfos,
            // globals, tables, memories, host records, of this instance and
            // of the instances it links to, which it keeps alive) stays where
            // it is while it runs; stacks and memories are bounds-checked by
            // the handlers (stack_end, ret_limit, mem_limit, MemDesc.size).
            let status = unsafe { abi::wasm_enter(&mut *self.ctx) } as usize;
            match status {
                abi::Status_Return => {
                    return Ok(ty
                        .results
                        .iter()
                        .enumerate()
                        .map(|(k, &t)| Value::from_bits(t, self.stack[k]))
                        .collect());
                }
                // A call found a stack full: grow them and run the call again
                // (nothing changed before the check).
                abi::Status_Trap if self.ctx.trap == abi::Trap_StackExhausted as u64 && self.grow_stacks() => {}
                abi::Status_Trap => return Err(Error::Trap(trap_at(self.ctx.trap, self.ctx.pc))),
                abi::Status_HostCall => {
                    // SAFETY: host_call names a HostFunc boxed in a live instance's kinds.
                    let h = unsafe { &*(self.ctx.arg0 as *const HostFunc) }.clone();
                    let fp = ((self.ctx.fp - self.stack.as_ptr() as u64) / 8) as usize;
                    let args: Vec<Value> =
                        h.ty.params
                            .iter()
                            .enumerate()
                            .map(|(k, &t)| Value::from_bits(t, self.stack[fp + k]))
                            .collect();
                    let results = (h.f)(&args).map_err(Error::Trap)?;
                    if results.len() != h.ty.results.len()
                        || results.iter().zip(&h.ty.results).any(|(r, &t)| r.ty() != t)
                    {
                        return Err(Error::Runtime(
                            "host function returned results of the wrong type".into(),
                        ));
                    }
                    for (k, r) in results.iter().enumerate() {
                        self.stack[fp + k] = r.to_bits();
                    }
                }
                abi::Status_Translate => {
                    let info = self.ctx.arg0;
                    let code = self.translate_at(info)?;
                    self.ctx.pc = code;
                }
                abi::Status_MemoryGrow => {
                    let delta = self.ctx.arg0 as u32;
                    // SAFETY: Ctx_memDesc is the MemDesc of a live memory (or an instance's empty one).
                    let owner = unsafe { (*(self.ctx.mem_desc as *const MemDesc)).owner };
                    let result = if owner.is_null() {
                        -1
                    } else {
                        // SAFETY: a MemDesc's owner is the memory that holds it.
                        unsafe { &*owner }
                            .borrow_mut()
                            .grow(delta)
                            .map_or(-1i32, |old| old as i32)
                    };
                    let slot = ((self.ctx.arg1 - self.stack.as_ptr() as u64) / 8) as usize;
                    self.stack[slot] = result as u32 as u64;
                }
                other => {
                    return Err(Error::Runtime(format!(
                        "the interpreter returned unknown status {other}"
                    )))
                }
            }
        }
    }
}

impl Instance {
    /// Translates the function whose FuncInfo is at `info`: one of this
    /// instance's, or of an instance it calls into. Returns its code address.
    fn translate_at(&self, info: u64) -> Result<u64, Error> {
        if let Some(f) = self.shared.func_at(info) {
            return self.shared.translate(f);
        }
        let owner = CODE.with(|c| {
            c.borrow()
                .iter()
                .filter_map(std::rc::Weak::upgrade)
                .find(|s| s.func_at(info).is_some())
        });
        match owner {
            Some(s) => s.translate(s.func_at(info).expect("found by it")),
            None => Err(Error::Runtime(format!(
                "internal error: `translate` names FuncInfo {info:#x} of no live instance"
            ))),
        }
    }

    /// Makes the value, return and memory stacks that are below their
    /// limits `STACK_GROWTH` times larger and moves what they hold, fixing
    /// the addresses into them (the frame base in the Ctx and in every
    /// return entry, the stack pointers and limits). The value stack holds
    /// only wasm values, the memory stack only MemDesc addresses: nothing
    /// else points into them. Returns false when all are at their limits.
    fn grow_stacks(&mut self) -> bool {
        fn grown<T: Copy + Default>(v: &[T], max: usize) -> Vec<T> {
            let mut new = vec![T::default(); (v.len() * STACK_GROWTH).min(max)];
            new[..v.len()].copy_from_slice(v);
            new
        }
        if self.stack.len() >= STACK_SLOTS && self.rets.len() >= MAX_CALL_DEPTH && self.mems.len() >= MAX_CALL_DEPTH {
            return false;
        }
        let (old_stack, old_rets, old_mems) = (self.stack.as_ptr() as u64, self.rets.as_ptr() as u64, self.mems.as_ptr() as u64);
        self.stack = grown(&self.stack, STACK_SLOTS);
        self.rets = grown(&self.rets, MAX_CALL_DEPTH);
        self.mems = grown(&self.mems, MAX_CALL_DEPTH);
        let (stack, rets, mems) = (self.stack.as_ptr() as u64, self.rets.as_ptr() as u64, self.mems.as_ptr() as u64);
        let ctx = &mut *self.ctx;
        let used_rets = ((ctx.ret_sp - old_rets) as usize) / std::mem::size_of::<RetEntry>();
        for e in &mut self.rets[..used_rets] {
            e.fp = e.fp - old_stack + stack;
        }
        ctx.fp = ctx.fp - old_stack + stack;
        ctx.stack_end = stack + (self.stack.len() * 8) as u64;
        ctx.ret_sp = ctx.ret_sp - old_rets + rets;
        ctx.ret_limit = rets + (self.rets.len() * std::mem::size_of::<RetEntry>()) as u64;
        ctx.mem_sp = ctx.mem_sp - old_mems + mems;
        ctx.mem_limit = mems + (self.mems.len() * 8) as u64;
        true
    }
}

/// Where a trap happened: the function whose code holds `pc` (in whichever
/// instance) and the wasm byte offset of the instruction it was translated from.
fn trap_at(kind: u64, pc: u64) -> Trap {
    let kind = TrapKind::from_code(kind as usize);
    let found = CODE.with(|c| {
        c.borrow()
            .iter()
            .filter_map(|w| w.upgrade())
            .find_map(|s| s.locate(pc))
    });
    match found {
        Some((func, offset)) => Trap {
            kind,
            func: Some(func),
            offset,
        },
        None => Trap {
            kind,
            func: None,
            offset: None,
        },
    }
}

fn list(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join(", ")
}

fn eval_const(expr: ConstExpr, globals: &[Global]) -> u64 {
    match expr {
        ConstExpr::Value(_, bits) => bits,
        ConstExpr::GlobalGet(g) => globals[g as usize].0.bits.get(),
    }
}
