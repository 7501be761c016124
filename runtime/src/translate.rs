//! Translation of one function body into the interpreter's internal code.
//!
//! The internal code is register-style: every instruction names frame slots
//! (byte offsets from the frame base) or immediates, so `local.get`,
//! constants and most `local.set`s cost no instruction of their own. A frame
//! is `[params][locals][operand slots]`; the wasm value at operand-stack
//! height h, once it needs a slot, lives in operand slot h. While translating,
//! each operand-stack entry is either in its own slot (`Temp`), still a local
//! (`Local`), a constant not yet materialised (`C32`/`C64`), or an i32 sum of
//! a slot shifted left by 0–3 and a constant not yet computed (`Sum`: a
//! memory access that takes it as its address computes it itself).
//! docs/interpreter.md describes the whole design.

use wasmparser::{BlockType, MemArg, Operator as O};

use crate::abi::{Binary, Branch, ConstFloat, ConstI64, FloatBinary, FloatBranch, FloatCompare, Kinds, Load, MemBinary, MulAcc, Shift, ShiftedOp, Single, Store, StoreResult, Unary};
use crate::decode::Operators;
use crate::module::{Module, ValType};
use crate::Error;

/// The code of one instance, as 32-bit units (handler addresses and 64-bit
/// fields take two, at even positions). Absolute addresses are filled in by
/// the instance once the code has its final place.
#[derive(Default)]
pub struct CodeBuf {
    pub words: Vec<u32>,
    /// (field position, code position): the field gets the code's address.
    pub code_relocs: Vec<(usize, usize)>,
}

impl CodeBuf {
    pub fn begin(&mut self, handler: u64) -> usize {
        debug_assert!(self.words.len().is_multiple_of(2));
        let at = self.words.len();
        self.words.push(handler as u32);
        self.words.push((handler >> 32) as u32);
        at
    }
    pub fn field(&mut self, v: u32) {
        self.words.push(v);
    }
    pub fn field64(&mut self, v: u64) {
        debug_assert!(self.words.len().is_multiple_of(2));
        self.words.push(v as u32);
        self.words.push((v >> 32) as u32);
    }
    pub fn end(&mut self) {
        if !self.words.len().is_multiple_of(2) {
            self.words.push(0);
        }
    }
}

/// What translation needs to know about the instance.
pub struct Env<'a> {
    pub module: &'a Module,
    /// Address of each function's FuncInfo.
    pub func_info: &'a dyn Fn(u32) -> u64,
    /// Address of each global's 8-byte cell.
    pub global_addr: &'a dyn Fn(u32) -> u64,
    /// The table call_indirect uses: its elements' address and length, or
    /// why it cannot be used yet.
    pub table: Result<(u64, u32), String>,
    /// The canonical id of each type (equal types, equal ids).
    pub sig_id: &'a dyn Fn(u32) -> u32,
}

/// A translated function's place in the code and its frame.
#[derive(Clone, Debug, Default)]
pub struct FuncCode {
    pub start: usize,
    pub end: usize,
    /// (code position, wasm byte offset) of every instruction, in order.
    pub offsets: Vec<(u32, u32)>,
    pub frame_slots: u32,
    pub params: u32,
    pub locals: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Opd {
    Temp,
    Local(u32),
    C32(u32),
    C64(u64),
    /// `(slot << shift) + imm` (i32, wrapping; shift 0–3): the slot is a
    /// local's or this entry's own.
    Sum(u32, u8, u32),
    /// `slot SHIFT k` (i64 when the flag is set; 0 < k < width), from the
    /// same slots, for an add/sub/and/or/xor to take as its second operand.
    Shifted(u32, Shift, u8, bool),
}

/// How a memory access gets its address: a slot, `slot + c`, or
/// `(slot << log2 width) + c`.
#[derive(Clone, Copy)]
enum Address {
    Slot(u32),
    Sum(u32, u32),
    Scaled(u32, u32),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    Slot(u32),
    Imm(u32),
}

impl Field {
    fn raw(self) -> u32 {
        match self {
            Field::Slot(v) | Field::Imm(v) => v,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CtrlKind {
    Func,
    Block,
    Loop,
    If,
    Else,
}

struct Ctrl {
    kind: CtrlKind,
    height: usize,
    results: usize,
    label: usize,
    else_label: Option<usize>,
    unreachable_entry: bool,
    branched: bool,
}

/// A compare just emitted, whose result a branch may consume instead.
#[derive(Clone, Copy)]
struct Cmp {
    cond: Branch,
    a: u32,
    b: Field,
    /// One side loaded from memory instead of `b`: `mem <cond> a` when the
    /// load is on the left, `a <cond> mem` otherwise.
    mem: Option<MemSide>,
}

/// A float compare just emitted, whose result a branch may consume instead:
/// `a <cond> b`, b a slot or a constant (an f32's bits in the low half).
#[derive(Clone, Copy)]
struct FloatCmp {
    cond: FloatBranch,
    a: u32,
    b: FloatSide,
}

#[derive(Clone, Copy)]
enum FloatSide {
    Slot(u32),
    Const(u64),
}

/// What a branch on the result of the compare just emitted tests instead.
#[derive(Clone, Copy)]
enum Condition {
    Int(Cmp),
    Float(FloatCmp),
}

impl Condition {
    /// The condition that holds exactly when this one does not.
    fn negate(self) -> Condition {
        match self {
            Condition::Int(c) => Condition::Int(Cmp { cond: c.cond.negate(), ..c }),
            Condition::Float(c) => Condition::Float(FloatCmp { cond: c.cond.negate(), ..c }),
        }
    }
}

#[derive(Clone, Copy)]
struct MemSide {
    base: u32,
    imm: u32,
    end: u32,
    left: bool,
    /// Wasm byte offset of the load.
    offset: u32,
}

/// A compare of the pending load with a slot, not emitted yet: the branch
/// right after it takes both in one instruction.
#[derive(Clone, Copy)]
struct PendingCmp {
    idx: usize,
    op: Binary,
    cmp: Cmp,
    load: PendingLoad,
}

/// The last instruction, if it produced the top of the operand stack into its
/// slot: `local.set` may redirect its destination, a branch may fuse with it.
#[derive(Clone, Copy)]
struct Last {
    start: usize,
    dest_word: usize,
    height: usize,
    /// What a branch on the result may test instead, and where the code it
    /// takes back starts (this instruction, or the compare an `i32.eqz`
    /// negates).
    cmp: Option<(Condition, usize)>,
}

/// What an instruction carries after its result's slot (`emit_result`).
#[derive(Clone, Copy)]
enum Constant {
    None,
    Word(u32),
    Wide(u64),
}

/// The last instruction, if it adds to a slot in place (`x = x + addend`):
/// a compare-and-branch on `x` right after it becomes one loop step.
#[derive(Clone, Copy)]
struct InPlaceAdd {
    start: usize,
    end: usize,
    slot: u32,
    addend: Field,
}

/// A full-width load not emitted yet (its value is entry `idx`, a `Temp`):
/// the arithmetic right after it may take its operand from memory. Any other
/// instruction emits it first, so the order of effects and traps is kept.
#[derive(Clone, Copy)]
struct PendingLoad {
    idx: usize,
    op: Load,
    addr: Address,
    end: u32,
    /// Wasm byte offset of the load (where its trap is reported).
    offset: u32,
}

struct Tr<'a> {
    env: &'a Env<'a>,
    code: &'a mut CodeBuf,
    offsets: Vec<(u32, u32)>,
    offset: u32,
    stack: Vec<Opd>,
    ctrl: Vec<Ctrl>,
    labels: Vec<Option<usize>>,
    label_uses: Vec<(usize, usize)>,
    reachable: bool,
    temp_base: u32,
    max_height: usize,
    last: Option<Last>,
    last_add: Option<InPlaceAdd>,
    /// The last instruction, if a `local.tee` made it write a local: its
    /// position and the local (a `local.set` of that local right after can
    /// become its second destination).
    last_tee: Option<(usize, u32)>,
    pending: Option<PendingLoad>,
    pending_cmp: Option<PendingCmp>,
    results: usize,
    ret_label: usize,
}

fn unsupported(what: &str) -> Error {
    Error::Unsupported(what.to_string())
}

impl FloatBranch {
    /// The condition that holds exactly when this one does not: with a NaN
    /// operand every order is false, so the complement of an order holds
    /// (`nlt` is a >= b or unordered); ne holds and eq does not.
    fn negate(self) -> FloatBranch {
        use FloatBranch::*;
        match self {
            F32Eq => F32Ne,
            F32Ne => F32Eq,
            F32Lt => F32Nlt,
            F32Nlt => F32Lt,
            F32Gt => F32Ngt,
            F32Ngt => F32Gt,
            F32Le => F32Nle,
            F32Nle => F32Le,
            F32Ge => F32Nge,
            F32Nge => F32Ge,
            F64Eq => F64Ne,
            F64Ne => F64Eq,
            F64Lt => F64Nlt,
            F64Nlt => F64Lt,
            F64Gt => F64Ngt,
            F64Ngt => F64Gt,
            F64Le => F64Nle,
            F64Nle => F64Le,
            F64Ge => F64Nge,
            F64Nge => F64Ge,
        }
    }
}

impl Branch {
    /// The condition that holds exactly when this one does not.
    fn negate(self) -> Branch {
        use Branch::*;
        match self {
            I32Eq => I32Ne,
            I32Ne => I32Eq,
            I32LtS => I32GeS,
            I32GeS => I32LtS,
            I32LtU => I32GeU,
            I32GeU => I32LtU,
            I32GtS => I32LeS,
            I32LeS => I32GtS,
            I32GtU => I32LeU,
            I32LeU => I32GtU,
            I32And => I32Nand,
            I32Nand => I32And,
            I64Eq => I64Ne,
            I64Ne => I64Eq,
            I64LtS => I64GeS,
            I64GeS => I64LtS,
            I64LtU => I64GeU,
            I64GeU => I64LtU,
            I64GtS => I64LeS,
            I64LeS => I64GtS,
            I64GtU => I64LeU,
            I64LeU => I64GtU,
        }
    }

    /// The condition on swapped operands (a < b is b > a).
    fn swap(self) -> Branch {
        use Branch::*;
        match self {
            I32LtS => I32GtS,
            I32GtS => I32LtS,
            I32LtU => I32GtU,
            I32GtU => I32LtU,
            I32LeS => I32GeS,
            I32GeS => I32LeS,
            I32LeU => I32GeU,
            I32GeU => I32LeU,
            I64LtS => I64GtS,
            I64GtS => I64LtS,
            I64LtU => I64GtU,
            I64GtU => I64LtU,
            I64LeS => I64GeS,
            I64GeS => I64LeS,
            I64LeU => I64GeU,
            I64GeU => I64LeU,
            other => other,
        }
    }
}

/// Translates defined function `index` (in the function index space) into `code`.
pub fn translate(env: &Env<'_>, index: u32, code: &mut CodeBuf) -> Result<FuncCode, Error> {
    let module = env.module;
    let ty = module.func_type(index);
    let body_range = module.bodies[index as usize - module.imported_funcs].clone();
    let bytes = &module.bytes[body_range.clone()];
    let (mut operators, locals) = Operators::new(bytes, body_range.start)?;
    let params = ty.params.len() as u32;
    let temp_base = params
        .checked_add(locals)
        .filter(|&n| n < (1 << 26))
        .ok_or_else(|| unsupported("frame too large"))?;
    let start = code.words.len();
    let mut tr = Tr {
        env,
        code,
        offsets: Vec::new(),
        offset: body_range.start as u32,
        stack: Vec::new(),
        ctrl: Vec::new(),
        labels: Vec::new(),
        label_uses: Vec::new(),
        reachable: true,
        temp_base,
        max_height: 0,
        last: None,
        last_add: None,
        last_tee: None,
        pending: None,
        pending_cmp: None,
        results: ty.results.len(),
        ret_label: 0,
    };
    tr.ret_label = tr.new_label();
    let func_label = tr.ret_label;
    tr.ctrl.push(Ctrl {
        kind: CtrlKind::Func,
        height: 0,
        results: ty.results.len(),
        label: func_label,
        else_label: None,
        unreachable_entry: false,
        branched: false,
    });
    while !operators.eof() {
        let (op, offset) = operators.next()?;
        tr.offset = offset as u32;
        tr.op(op)?;
    }
    for &(at, label) in &tr.label_uses {
        let target = tr.labels[label].expect("every used label is bound");
        tr.code.code_relocs.push((at, target));
    }
    let mut targets: Vec<usize> = tr.labels.iter().flatten().copied().collect();
    targets.sort_unstable();
    crate::forward::forward_results(&mut tr.code.words, tr.offsets.iter().map(|&(at, _)| at as usize), &targets);
    let frame_slots = (temp_base as usize + tr.max_height).max(tr.results).max(1);
    let frame_slots = u32::try_from(frame_slots).map_err(|_| unsupported("frame too large"))?;
    Ok(FuncCode {
        start,
        end: tr.code.words.len(),
        offsets: tr.offsets,
        frame_slots,
        params,
        locals,
    })
}

impl Tr<'_> {
    fn new_label(&mut self) -> usize {
        self.labels.push(None);
        self.labels.len() - 1
    }

    fn bind(&mut self, label: usize) {
        self.labels[label] = Some(self.code.words.len());
        self.last = None;
        self.last_add = None;
        self.last_tee = None;
    }

    /// Notes the instruction at `start`, just emitted, if it is an i32 add
    /// writing `dest` that is also one of its operands.
    fn note_in_place_add(&mut self, start: usize, dest: u32) {
        let w = &self.code.words;
        let handler = w[start] as u64 | (w[start + 1] as u64) << 32;
        let (a, b) = (w[start + 2], w[start + 3]);
        let addend = if handler == Binary::I32Add.si() && a == dest {
            Field::Imm(b)
        } else if handler == Binary::I32Add.is() && b == dest {
            Field::Imm(a)
        } else if handler == Binary::I32Add.ss() && a == dest {
            Field::Slot(b)
        } else if handler == Binary::I32Add.ss() && b == dest {
            Field::Slot(a)
        } else {
            return;
        };
        self.last_add = Some(InPlaceAdd { start, end: w.len(), slot: dest, addend });
    }

    /// Takes back the instructions from code position `start` on, to emit
    /// them again fused with what follows (they name no label). The caller
    /// forgets what `last`/`last_add` said about them.
    fn retract(&mut self, start: usize) {
        if self.last_tee.is_some_and(|(at, _)| at >= start) {
            self.last_tee = None;
        }
        self.code.words.truncate(start);
        while self.offsets.last().is_some_and(|&(w, _)| w as usize >= start) {
            self.offsets.pop();
        }
    }

    fn begin(&mut self, handler: u64) -> usize {
        self.last = None;
        self.last_tee = None;
        let at = self.code.begin(handler);
        self.offsets.push((at as u32, self.offset));
        at
    }

    /// Emits an instruction whose result replaces the stack entries from
    /// `height` up: its operand fields, then the result's slot, then the
    /// constant some forms carry. It becomes `last`, so that what follows
    /// may redirect its destination or fuse with it.
    fn emit_result(&mut self, handler: u64, operands: &[u32], constant: Constant, height: usize, cmp: Option<Condition>) {
        self.emit_into(handler, operands, self.temp_off(height), constant, height, cmp);
        self.stack.truncate(height);
        self.push_temp();
    }

    /// Emits an instruction writing slot `dest`: its operand fields, `dest`,
    /// then its constant; it becomes `last` (`height` is the stack entry it
    /// produces, `usize::MAX` for none). Returns where it starts.
    fn emit_into(&mut self, handler: u64, operands: &[u32], dest: u32, constant: Constant, height: usize, cmp: Option<Condition>) -> usize {
        let start = self.begin(handler);
        for &f in operands {
            self.code.field(f);
        }
        let dest_word = self.code.words.len();
        self.code.field(dest);
        match constant {
            Constant::None => {}
            Constant::Word(v) => self.code.field(v),
            Constant::Wide(v) => self.code.field64(v),
        }
        self.code.end();
        self.last = Some(Last { start, dest_word, height, cmp: cmp.map(|c| (c, start)) });
        start
    }

    fn label_field(&mut self, label: usize) {
        self.label_uses.push((self.code.words.len(), label));
        self.code.field64(0);
    }

    fn temp_off(&self, height: usize) -> u32 {
        (self.temp_base + height as u32) * 8
    }

    fn push(&mut self, opd: Opd) {
        self.stack.push(opd);
        self.max_height = self.max_height.max(self.stack.len());
    }

    fn push_temp(&mut self) {
        self.push(Opd::Temp);
    }

    fn pop(&mut self) -> Opd {
        self.stack
            .pop()
            .expect("validated: operand stack not empty")
    }

    /// Emits the instruction that writes `opd` into the slot at byte `dest`
    /// (nothing when it is already there).
    fn write_opd(&mut self, opd: Opd, from_height: usize, dest: u32) {
        match opd {
            Opd::Temp => {
                let src = self.temp_off(from_height);
                if src != dest {
                    self.copy(src, dest);
                }
            }
            Opd::Local(i) => {
                if i * 8 != dest {
                    self.copy(i * 8, dest);
                }
            }
            Opd::C32(v) => {
                let at = self.begin(Single::Const32.h());
                self.code.field(dest);
                self.code.field(v);
                self.code.end();
                self.last = Some(Last {
                    start: at,
                    dest_word: at + 2,
                    height: usize::MAX,
                    cmp: None,
                });
            }
            Opd::C64(v) => {
                let at = self.begin(Single::Const64.h());
                self.code.field64(v);
                self.code.field(dest);
                self.code.end();
                self.last = Some(Last {
                    start: at,
                    dest_word: at + 4,
                    height: usize::MAX,
                    cmp: None,
                });
            }
            Opd::Sum(base, shift, imm) => {
                let (op, a, b) = if shift == 0 { (Binary::I32Add, base, imm) } else { (Binary::I32Shl, base, shift as u32) };
                let mut at = self.emit_into(op.si(), &[a, b], dest, Constant::None, usize::MAX, None);
                if shift != 0 && imm != 0 {
                    at = self.emit_into(Binary::I32Add.si(), &[dest, imm], dest, Constant::None, usize::MAX, None);
                }
                if shift == 0 {
                    self.note_in_place_add(at, dest);
                }
            }
            Opd::Shifted(base, shift, k, wide) => {
                self.emit_into(shift.binary(wide).si(), &[base, k as u32], dest, Constant::None, usize::MAX, None);
            }
        }
    }

    /// Does `opd` read local `local`'s slot?
    fn reads_local(&self, opd: Opd, local: u32) -> bool {
        match opd {
            Opd::Local(i) => i == local,
            Opd::Sum(base, _, _) | Opd::Shifted(base, ..) => base == local * 8,
            _ => false,
        }
    }

    /// Does `opd` read any local's slot?
    fn reads_a_local(&self, opd: Opd) -> bool {
        match opd {
            Opd::Local(_) => true,
            Opd::Sum(base, _, _) | Opd::Shifted(base, ..) => base < self.temp_base * 8,
            _ => false,
        }
    }

    /// `i32.add` / `i32.sub` with a constant operand is left as a `Sum` for
    /// a memory access to fold. Returns false when it cannot be (the other
    /// operand is not in a slot that stays put).
    fn lazy_sum(&mut self, sub: bool) -> bool {
        self.flush_pending();
        let n = self.stack.len();
        let (ia, ib) = (n - 2, n - 1);
        let (value, c, at) = match (self.stack[ia], self.stack[ib]) {
            (v, Opd::C32(c)) => (v, if sub { c.wrapping_neg() } else { c }, ia),
            (Opd::C32(c), v) if !sub => (v, c, ib),
            _ => return false,
        };
        let sum = match value {
            Opd::Local(i) => Opd::Sum(i * 8, 0, c),
            // An entry's own slot is only its own while it stays at its height.
            Opd::Temp if at == ia => Opd::Sum(self.temp_off(ia), 0, c),
            Opd::Sum(base, s, c0) if at == ia || base < self.temp_base * 8 => Opd::Sum(base, s, c0.wrapping_add(c)),
            _ => return false,
        };
        self.stack.truncate(ia);
        self.push(sum);
        true
    }

    /// `i32.shl` by 1, 2 or 3 is left as a `Sum` too: an array index, which
    /// an access of that width scales itself.
    fn lazy_shl(&mut self) -> bool {
        self.flush_pending();
        let n = self.stack.len();
        let (ia, ib) = (n - 2, n - 1);
        let Opd::C32(c) = self.stack[ib] else { return false };
        let shift = (c & 31) as u8;
        if !(1..=3).contains(&shift) {
            return false;
        }
        let sum = match self.stack[ia] {
            Opd::Local(i) => Opd::Sum(i * 8, shift, 0),
            Opd::Temp => Opd::Sum(self.temp_off(ia), shift, 0),
            _ => return false,
        };
        self.stack.truncate(ia);
        self.push(sum);
        true
    }

    /// A shift or rotate by a constant (not 0) is left as a `Shifted`
    /// entry, for the add/sub/and/or/xor that takes it to do both.
    fn lazy_shift(&mut self, shift: Shift, wide: bool) -> bool {
        self.flush_pending();
        let n = self.stack.len();
        let (ia, ib) = (n - 2, n - 1);
        let k = match (self.stack[ib], wide) {
            (Opd::C32(c), false) => c & 31,
            (Opd::C64(c), true) => (c & 63) as u32,
            _ => return false,
        };
        let base = match self.stack[ia] {
            Opd::Local(i) => i * 8,
            Opd::Temp => self.temp_off(ia),
            _ => return false,
        };
        if k == 0 {
            return false;
        }
        self.stack.truncate(ia);
        self.push(Opd::Shifted(base, shift, k as u8, wide));
        true
    }

    /// `a OP (b SHIFT k)` with the shift still pending (a `Shifted`, or an
    /// i32 `Sum` that is only a shift left): one instruction. The other
    /// operand is put in a slot if it is not (a constant is left to the
    /// plain operation's immediate form).
    fn shifted_operand(&mut self, op: Binary) -> bool {
        let Some(form) = ShiftedOp::of(op) else { return false };
        let wide = form.is64();
        let n = self.stack.len();
        let (ia, ib) = (n - 2, n - 1);
        let shifted = |o: Opd| match o {
            Opd::Shifted(base, shift, k, w) if w == wide => Some((base, shift, k)),
            Opd::Sum(base, k, 0) if !wide && k > 0 => Some((base, Shift::Shl, k)),
            _ => None,
        };
        let (other, (base, shift, k)) = match (shifted(self.stack[ia]), shifted(self.stack[ib])) {
            (_, Some(s)) => (ia, s),
            (Some(s), None) if form.commutes() => (ib, s),
            _ => return false,
        };
        // A constant stays an immediate of the plain operation instead.
        if let Opd::C32(_) | Opd::C64(_) = self.stack[other] {
            return false;
        }
        self.flush_pending();
        let a = self.slot(other);
        self.emit_result(form.handler(shift), &[a, base, k as u32], Constant::None, ia, None);
        true
    }

    /// Writes entry `idx` to the function's result slot at `dest`, on the
    /// way out: the instruction that just produced it writes there
    /// directly (nothing reads the frame after the return).
    fn put_result(&mut self, idx: usize, dest: u32) {
        if self.stack[idx] == Opd::Temp {
            if let Some(last) = self.last.filter(|l| l.height == idx) {
                self.code.words[last.dest_word] = dest;
                self.last = None;
                return;
            }
        }
        let opd = self.stack[idx];
        self.write_opd(opd, idx, dest);
    }

    fn copy(&mut self, src: u32, dest: u32) {
        let at = self.begin(Single::Copy.h());
        self.code.field(src);
        self.code.field(dest);
        self.code.end();
        self.last = Some(Last {
            start: at,
            dest_word: at + 3,
            height: usize::MAX,
            cmp: None,
        });
    }

    /// Puts the entry at `idx` into its own slot.
    fn materialize(&mut self, idx: usize) {
        let opd = self.stack[idx];
        if opd != Opd::Temp {
            let dest = self.temp_off(idx);
            self.write_opd(opd, idx, dest);
            self.stack[idx] = Opd::Temp;
        }
    }

    /// Every entry that still names a local gets its own slot (at the start of
    /// a block, so that all paths into its end agree on where values are).
    fn materialize_locals(&mut self) {
        for idx in 0..self.stack.len() {
            if self.reads_a_local(self.stack[idx]) {
                self.materialize(idx);
            }
        }
    }

    /// The slot holding entry `idx` (constants are materialised).
    fn slot(&mut self, idx: usize) -> u32 {
        match self.stack[idx] {
            Opd::Temp => self.temp_off(idx),
            Opd::Local(i) => i * 8,
            _ => {
                self.materialize(idx);
                self.temp_off(idx)
            }
        }
    }

    /// Entry `idx` as an operand field: a slot or a 32-bit immediate (64-bit
    /// constants only when they sign-extend from 32 bits).
    fn field(&mut self, idx: usize) -> Field {
        match self.stack[idx] {
            Opd::C32(v) => Field::Imm(v),
            Opd::C64(v) if v as i64 == v as i32 as i64 => Field::Imm(v as u32),
            _ => Field::Slot(self.slot(idx)),
        }
    }

    fn shift(&mut self, shift: Shift, wide: bool) {
        if !self.lazy_shift(shift, wide) {
            self.binary(shift.binary(wide), None);
        }
    }

    fn binary(&mut self, op: Binary, cmp: Option<Branch>) {
        if cmp.is_none() && self.shifted_operand(op) {
            return;
        }
        let n = self.stack.len();
        let (ia, ib) = (n - 2, n - 1);
        if let (Some(cond), Some(p)) = (cmp, self.pending) {
            let other = if p.idx == ib { ia } else { ib };
            if p.op == cond.load()
                && (p.idx == ia || p.idx == ib)
                && self.stack[p.idx] == Opd::Temp
                && !matches!(self.stack[other], Opd::C32(_) | Opd::C64(_))
            {
                let x = self.slot(other);
                let (Address::Slot(base) | Address::Sum(base, _)) = p.addr else { unreachable!("scaled loads are not left pending") };
                let imm = if let Address::Sum(_, imm) = p.addr { imm } else { 0 };
                let mem = MemSide { base, imm, end: p.end, left: p.idx == ia, offset: p.offset };
                let cmp = Cmp { cond, a: x, b: Field::Imm(0), mem: Some(mem) };
                self.pending = None;
                self.pending_cmp = Some(PendingCmp { idx: ia, op, cmp, load: p });
                self.stack.truncate(ia);
                self.push_temp();
                self.last = None;
                return;
            }
        }
        self.flush_pending();
        let mut fa = self.field(ia);
        let fb = self.field(ib);
        if let (Field::Imm(_), Field::Imm(_)) = (fa, fb) {
            fa = Field::Slot(self.slot(ia));
        }
        let kinds = match (fa, fb) {
            (Field::Slot(_), Field::Slot(_)) => Kinds::SS,
            (Field::Slot(_), Field::Imm(_)) => Kinds::SI,
            _ => Kinds::IS,
        };
        let cmp = cmp.map(|cond| match (fa, fb) {
            (Field::Imm(a), Field::Slot(b)) => Cmp {
                cond: cond.swap(),
                a: b,
                b: Field::Imm(a),
                mem: None,
            },
            (a, b) => Cmp {
                cond,
                a: a.raw(),
                b,
                mem: None,
            },
        });
        self.emit_result(op.handler(kinds), &[fa.raw(), fb.raw()], Constant::None, ia, cmp.map(Condition::Int));
    }

    /// An i64 operation with a constant operand that does not fit a 32-bit
    /// immediate: the constant goes in the instruction. Returns whether it
    /// was emitted.
    fn wide_i64(&mut self, op: ConstI64, sub: bool) -> bool {
        let n = self.stack.len();
        let (ia, ib) = (n - 2, n - 1);
        let wide = |o: Opd| matches!(o, Opd::C64(v) if v as i64 != v as i32 as i64);
        let (x, k) = match (self.stack[ia], self.stack[ib]) {
            (_, Opd::C64(k)) if wide(self.stack[ib]) => (ia, if sub { k.wrapping_neg() } else { k }),
            (Opd::C64(k), _) if wide(self.stack[ia]) && !sub => (ib, k),
            _ => return false,
        };
        self.flush_pending();
        let x = self.slot(x);
        self.emit_result(op.sk(), &[x], Constant::Wide(k), ia, None);
        true
    }

    /// A two-operand float operation: operands in slots, or one a constant
    /// in the instruction.
    fn float_binary(&mut self, op: FloatBinary) {
        if self.multiply_accumulate(op) {
            return;
        }
        let n = self.stack.len();
        let (ia, ib) = (n - 2, n - 1);
        if let Some(k) = ConstFloat::of(op) {
            let constant = |o: Opd| match o {
                Opd::C64(v) if k.is64() => Some(v),
                Opd::C32(v) if !k.is64() => Some(v as u64),
                _ => None,
            };
            let (a, b) = (self.stack[ia], self.stack[ib]);
            let form = match (constant(a), constant(b)) {
                (_, Some(v)) => Some((ia, v, k.sk())),
                (Some(v), None) => Some((ib, v, k.ks())),
                _ => None,
            };
            if let Some((x, v, h)) = form {
                self.flush_pending();
                let x = self.slot(x);
                let constant = if k.is64() { Constant::Wide(v) } else { Constant::Word(v as u32) };
                self.emit_result(h, &[x], constant, ia, None);
                return;
            }
        }
        let a = self.slot(ia);
        let b = self.slot(ib);
        self.emit_result(op.ss(), &[a, b], Constant::None, ia, None);
    }

    /// A float compare: both operands in slots, or one a constant in the
    /// instruction (a constant on the left swaps the compare). A branch
    /// right after takes it back and does both (`take_condition`).
    fn float_compare(&mut self, op: FloatCompare) {
        let n = self.stack.len();
        let (ia, ib) = (n - 2, n - 1);
        let wide = op.is64();
        let constant = |o: Opd| match o {
            Opd::C64(v) if wide => Some(v),
            Opd::C32(v) if !wide => Some(v as u64),
            _ => None,
        };
        let with_constant = match (constant(self.stack[ia]), constant(self.stack[ib])) {
            (_, Some(k)) => Some((op, ia, k)),
            (Some(k), None) => Some((op.swap(), ib, k)),
            (None, None) => None,
        };
        if let Some((op, x, k)) = with_constant {
            let a = self.slot(x);
            let cmp = FloatCmp { cond: op.branch(), a, b: FloatSide::Const(k) };
            let k = if wide { Constant::Wide(k) } else { Constant::Word(k as u32) };
            self.emit_result(op.sk(), &[a], k, ia, Some(Condition::Float(cmp)));
            return;
        }
        let a = self.slot(ia);
        let b = self.slot(ib);
        let cmp = FloatCmp { cond: op.branch(), a, b: FloatSide::Slot(b) };
        self.emit_result(op.ss(), &[a, b], Constant::None, ia, Some(Condition::Float(cmp)));
    }

    /// A float add or subtract right after the multiply that produced one
    /// of its operands (`x * y + c`, `c - x * y`: dot products, polynomials,
    /// physics updates): the multiply is taken back and one instruction does
    /// both, rounding each as WebAssembly does. The other operand must be in
    /// a slot already, so that nothing is emitted between the two.
    fn multiply_accumulate(&mut self, op: FloatBinary) -> bool {
        let Some((mul, product_first, product_second)) = MulAcc::of(op) else { return false };
        let Some(last) = self.last else { return false };
        if self.pending.is_some() || self.pending_cmp.is_some() {
            return false;
        }
        let n = self.stack.len();
        let (ia, ib) = (n - 2, n - 1);
        let w = &self.code.words;
        let handler = w[last.start] as u64 | (w[last.start + 1] as u64) << 32;
        if handler != mul.ss() || self.stack[last.height] != Opd::Temp {
            return false;
        }
        let (fused, other) = match last.height {
            h if h == ia => (product_first, ib),
            h if h == ib => (product_second, ia),
            _ => return false,
        };
        let c = match self.stack[other] {
            Opd::Local(i) => i * 8,
            Opd::Temp => self.temp_off(other),
            _ => return false,
        };
        let (a, b) = (w[last.start + 2], w[last.start + 3]);
        self.retract(last.start);
        self.emit_result(fused.h(), &[a, b, c], Constant::None, ia, None);
        true
    }

    fn unary(&mut self, op: Unary, cmp: Option<Cmp>) {
        let ia = self.stack.len() - 1;
        // `i32.eqz` of the compare just emitted: a branch on it takes both
        // back and branches on the complement of the compare.
        let negated = match self.last {
            Some(Last { height, cmp: Some((c, from)), .. }) if op == Unary::I32Eqz && height == ia && self.stack[ia] == Opd::Temp => {
                Some((c.negate(), from))
            }
            _ => None,
        };
        let src = self.slot(ia);
        let cmp = cmp.map(|c| Condition::Int(Cmp { a: src, ..c }));
        self.emit_result(op.h(), &[src], Constant::None, ia, cmp);
        if let (Some(negated), Some(last)) = (negated, self.last.as_mut()) {
            last.cmp = Some(negated);
        }
    }

    /// The condition for a branch on the popped top entry: a compare just
    /// emitted for it is taken back and fused into the branch.
    fn take_condition(&mut self) -> Result<Condition, Opd> {
        let idx = self.stack.len() - 1;
        if let Some(pc) = self.pending_cmp {
            if pc.idx == idx {
                self.pending_cmp = None;
                self.pop();
                return Ok(Condition::Int(pc.cmp));
            }
            self.flush_pending();
        }
        if let Opd::Sum(..) | Opd::Shifted(..) = self.stack[idx] {
            self.materialize(idx);
        }
        let opd = self.pop();
        if opd == Opd::Temp {
            if let Some(last) = self.last {
                if last.height == idx {
                    if let Some((cmp, from)) = last.cmp {
                        self.retract(from);
                        self.last = None;
                        return Ok(cmp);
                    }
                }
            }
            return Ok(Condition::Int(Cmp {
                cond: Branch::I32Ne,
                a: self.temp_off(idx),
                b: Field::Imm(0),
                mem: None,
            }));
        }
        match opd {
            Opd::Local(i) => Ok(Condition::Int(Cmp {
                cond: Branch::I32Ne,
                a: i * 8,
                b: Field::Imm(0),
                mem: None,
            })),
            other => Err(other),
        }
    }

    /// Branches to `label` when `cond` holds (or does not, with `negate`).
    fn cond_branch(&mut self, cond: Result<Condition, Opd>, negate: bool, label: usize) {
        match cond {
            Ok(Condition::Float(c)) => self.float_branch(c, negate, label),
            Ok(Condition::Int(mut c)) => {
                if negate {
                    c.cond = c.cond.negate();
                }
                if let Some(m) = c.mem {
                    let offset = std::mem::replace(&mut self.offset, m.offset);
                    self.begin(if m.left { c.cond.ms() } else { c.cond.sm() });
                    self.offset = offset;
                    self.label_field(label);
                    for f in [c.a, m.base, m.imm, m.end] {
                        self.code.field(f);
                    }
                    self.code.end();
                    return;
                }
                if self.step(c, label) {
                    return;
                }
                let handler = match (c.cond, c.b) {
                    (Branch::I32Ne, Field::Imm(0)) => Some(Single::BrNz.h()),
                    (Branch::I32Eq, Field::Imm(0)) => Some(Single::BrZ.h()),
                    _ => None,
                };
                if let Some(h) = handler {
                    self.begin(h);
                    self.label_field(label);
                    self.code.field(c.a);
                    self.code.end();
                } else {
                    let h = match c.b {
                        Field::Slot(_) => c.cond.ss(),
                        Field::Imm(_) => c.cond.si(),
                    };
                    self.begin(h);
                    self.label_field(label);
                    self.code.field(c.a);
                    self.code.field(c.b.raw());
                    self.code.end();
                }
            }
            Err(constant) => {
                let nonzero = match constant {
                    Opd::C32(v) => v != 0,
                    Opd::C64(v) => v != 0,
                    _ => unreachable!("conditions are slots or constants"),
                };
                if nonzero != negate {
                    self.br(label);
                }
            }
        }
    }

    /// Branches to `label` when the float compare `c` holds (with `negate`:
    /// when it does not, NaN operands included).
    fn float_branch(&mut self, mut c: FloatCmp, negate: bool, label: usize) {
        if negate {
            c.cond = c.cond.negate();
        }
        match c.b {
            FloatSide::Slot(b) => {
                self.begin(c.cond.ss());
                self.label_field(label);
                self.code.field(c.a);
                self.code.field(b);
            }
            FloatSide::Const(k) => {
                self.begin(c.cond.sk());
                self.label_field(label);
                self.code.field(c.a);
                if c.cond.is64() {
                    self.code.field(0);
                    self.code.field64(k);
                } else {
                    self.code.field(k as u32);
                }
            }
        }
        self.code.end();
    }

    /// `x += addend` just emitted, then a branch on an i32 compare of `x`:
    /// one loop-step instruction instead. Returns whether it was emitted.
    fn step(&mut self, mut c: Cmp, label: usize) -> bool {
        let Some(add) = self.last_add else { return false };
        if add.end != self.code.words.len() {
            return false;
        }
        if c.a != add.slot && c.b == Field::Slot(add.slot) {
            c = Cmp { cond: c.cond.swap(), a: add.slot, b: Field::Slot(c.a), mem: None };
        }
        let Some(step) = c.cond.step() else { return false };
        if c.a != add.slot {
            return false;
        }
        self.retract(add.start);
        self.last_add = None;
        let imm = |f: Field| matches!(f, Field::Imm(_));
        self.begin(step.handler(imm(add.addend), imm(c.b)));
        self.label_field(label);
        self.code.field(add.slot);
        self.code.field(add.addend.raw());
        self.code.field(c.b.raw());
        self.code.end();
        true
    }

    fn br(&mut self, label: usize) {
        self.begin(Single::Br.h());
        self.label_field(label);
        self.code.end();
    }

    fn emit_return(&mut self) {
        self.begin(Single::Return.h());
        self.code.end();
    }

    /// Copies the top `arity` values (without popping them) to the result
    /// slots of the frame `depth` levels out, then jumps there (or returns).
    fn branch_out(&mut self, depth: u32) {
        let target_idx = self.ctrl.len() - 1 - depth as usize;
        let (kind, height, results, label) = {
            let t = &self.ctrl[target_idx];
            (t.kind, t.height, t.results, t.label)
        };
        let arity = if kind == CtrlKind::Loop { 0 } else { results };
        let n = self.stack.len();
        if kind == CtrlKind::Func {
            for k in 0..arity {
                let idx = n - arity + k;
                self.put_result(idx, k as u32 * 8);
            }
            self.emit_return();
            return;
        }
        for k in 0..arity {
            let idx = n - arity + k;
            let opd = self.stack[idx];
            let dest = self.temp_off(height + k);
            self.write_opd(opd, idx, dest);
        }
        self.ctrl[target_idx].branched = true;
        self.br(label);
    }

    /// The label a branch with no values to move may jump to directly.
    fn direct_label(&mut self, depth: u32) -> Option<usize> {
        let target_idx = self.ctrl.len() - 1 - depth as usize;
        let t = &mut self.ctrl[target_idx];
        let arity = if t.kind == CtrlKind::Loop {
            0
        } else {
            t.results
        };
        if arity != 0 {
            return None;
        }
        t.branched = true;
        Some(t.label)
    }

    fn block_results(&self, ty: BlockType) -> Result<usize, Error> {
        match ty {
            BlockType::Empty => Ok(0),
            BlockType::Type(_) => Ok(1),
            BlockType::FuncType(idx) => {
                let ft = &self.env.module.types[idx as usize];
                if !ft.params.is_empty() {
                    return Err(unsupported("block parameters"));
                }
                Ok(ft.results.len())
            }
        }
    }

    fn push_ctrl(
        &mut self,
        kind: CtrlKind,
        results: usize,
        label: usize,
        else_label: Option<usize>,
    ) {
        let unreachable_entry = !self.reachable;
        self.ctrl.push(Ctrl {
            kind,
            height: self.stack.len(),
            results,
            label,
            else_label,
            unreachable_entry,
            branched: false,
        });
    }

    fn load(&mut self, op: Load, memarg: MemArg) {
        let ia = self.stack.len() - 1;
        let addr = self.address(ia, op.width());
        let end = memarg.offset + op.width() as u64;
        self.stack.truncate(ia);
        if end > u32::MAX as u64 {
            self.begin(Single::TrapOob.h());
            self.code.end();
            self.reachable = false;
            self.push_temp();
            return;
        }
        if matches!(op, Load::I32 | Load::I64) && !matches!(addr, Address::Scaled(..)) {
            self.pending = Some(PendingLoad { idx: ia, op, addr, end: end as u32, offset: self.offset });
            self.push_temp();
            self.last = None;
            return;
        }
        self.emit_load(op, addr, end as u32, ia);
        self.push_temp();
    }

    /// Emits the pending load or compare, if any.
    fn flush_pending(&mut self) {
        if let Some(pc) = self.pending_cmp.take() {
            self.pending = Some(pc.load);
            self.flush_pending();
            let (loaded, x) = (self.temp_off(pc.load.idx), pc.cmp.a);
            let left = pc.cmp.mem.is_some_and(|m| m.left);
            let (a, b) = if left { (loaded, x) } else { (x, loaded) };
            let at = self.begin(pc.op.ss());
            self.code.field(a);
            self.code.field(b);
            self.code.field(self.temp_off(pc.idx));
            self.code.end();
            self.last = Some(Last {
                start: at,
                dest_word: at + 4,
                height: pc.idx,
                cmp: Some((Condition::Int(Cmp { cond: pc.cmp.cond, a, b: Field::Slot(b), mem: None }), at)),
            });
        }
        if let Some(p) = self.pending.take() {
            let offset = std::mem::replace(&mut self.offset, p.offset);
            self.emit_load(p.op, p.addr, p.end, p.idx);
            self.offset = offset;
        }
    }

    /// The load of entry `idx` into its own slot.
    fn emit_load(&mut self, op: Load, addr: Address, end: u32, ia: usize) {
        let dest = self.temp_off(ia);
        // `p += c` just before, on the address slot: one instruction.
        let bumped = match (self.last_add, addr) {
            (Some(add), Address::Slot(base)) if add.end == self.code.words.len() && add.slot == base => match add.addend {
                Field::Imm(c) => Some((add.start, c)),
                Field::Slot(_) => None,
            },
            _ => None,
        };
        if let Some((start, c)) = bumped {
            self.retract(start);
            self.last_add = None;
            let Address::Slot(base) = addr else { unreachable!() };
            let at = self.begin(op.pre());
            for f in [base, c, end, dest] {
                self.code.field(f);
            }
            self.code.end();
            self.last = Some(Last { start: at, dest_word: at + 5, height: ia, cmp: None });
            return;
        }
        let at = match addr {
            Address::Slot(base) => {
                let at = self.begin(op.h());
                self.code.field(base);
                at
            }
            Address::Sum(base, imm) | Address::Scaled(base, imm) => {
                let at = self.begin(if matches!(addr, Address::Sum(..)) { op.a() } else { op.ax() });
                self.code.field(base);
                self.code.field(imm);
                at
            }
        };
        self.code.field(end);
        let dest_word = self.code.words.len();
        self.code.field(dest);
        self.code.end();
        self.last = Some(Last {
            start: at,
            dest_word,
            height: ia,
            cmp: None,
        });
    }

    /// A binary operation one of whose operands is the pending load: one
    /// instruction that loads and computes. Returns false (having emitted
    /// the load) when it cannot be.
    fn fuse_pending(&mut self, op: MemBinary) -> bool {
        let Some(p) = self.pending else { return false };
        let n = self.stack.len();
        let (ia, ib) = (n - 2, n - 1);
        let other = if p.idx == ib { ia } else { ib };
        // With a constant, the plain load and an immediate operand do as well.
        let fits = p.op == op.load()
            && (p.idx == ia || p.idx == ib)
            && self.stack[p.idx] == Opd::Temp
            && !matches!(self.stack[other], Opd::C32(_) | Opd::C64(_));
        let (Address::Slot(base) | Address::Sum(base, _)) = p.addr else { unreachable!("scaled loads are not left pending") };
        let imm = if let Address::Sum(_, imm) = p.addr { imm } else { 0 };
        if !fits {
            self.flush_pending();
            return false;
        }
        let x = self.slot(other);
        self.pending = None;
        let offset = std::mem::replace(&mut self.offset, p.offset);
        let at = self.begin(if p.idx == ib { op.sm() } else { op.ms() });
        self.offset = offset;
        for f in [base, imm, p.end, x, self.temp_off(ia)] {
            self.code.field(f);
        }
        self.code.end();
        self.stack.truncate(ia);
        self.push_temp();
        self.last = Some(Last {
            start: at,
            dest_word: at + 6,
            height: ia,
            cmp: None,
        });
        true
    }

    /// The address operand of an access of `width` bytes: a `Sum` unshifted
    /// or scaled by the width is left to the access.
    fn address(&mut self, idx: usize, width: u32) -> Address {
        match self.stack[idx] {
            Opd::Sum(base, 0, imm) => Address::Sum(base, imm),
            Opd::Sum(base, shift, imm) if 1 << shift == width => Address::Scaled(base, imm),
            _ => Address::Slot(self.slot(idx)),
        }
    }

    fn store(&mut self, op: Store, memarg: MemArg) {
        let n = self.stack.len();
        let (ia, iv) = (n - 2, n - 1);
        let addr = self.address(ia, op.width());
        let computed = self.stack[iv] == Opd::Temp;
        let value = match self.stack[iv] {
            Opd::C32(v) if !op.is64() => Field::Imm(v),
            Opd::C64(v) if op.is64() && v as i64 == v as i32 as i64 => Field::Imm(v as u32),
            _ => Field::Slot(self.slot(iv)),
        };
        self.stack.truncate(ia);
        let end = memarg.offset + op.width() as u64;
        if end > u32::MAX as u64 {
            self.begin(Single::TrapOob.h());
            self.code.end();
            self.reachable = false;
            return;
        }
        if computed && self.store_result(op, addr, end as u32, iv) {
            return;
        }
        let slot = matches!(value, Field::Slot(_));
        let h = match addr {
            Address::Slot(_) => if slot { op.s() } else { op.i() },
            Address::Sum(..) => if slot { op.a_s() } else { op.a_i() },
            Address::Scaled(..) => if slot { op.ax_s() } else { op.ax_i() },
        };
        self.begin(h);
        match addr {
            Address::Slot(base) => self.code.field(base),
            Address::Sum(base, imm) | Address::Scaled(base, imm) => {
                self.code.field(base);
                self.code.field(imm);
            }
        }
        self.code.field(end as u32);
        self.code.field(value.raw());
        self.code.end();
    }

    /// The value of a full-width store (entry `iv`, a `Temp`) computed by the
    /// instruction just emitted, an operation on two slots: one instruction
    /// that computes and stores. Returns whether it was emitted.
    fn store_result(&mut self, op: Store, addr: Address, end: u32, iv: usize) -> bool {
        let Some(last) = self.last.filter(|l| l.height == iv && l.cmp.is_none()) else { return false };
        let (Address::Slot(base) | Address::Sum(base, _)) = addr else { return false };
        let imm = if let Address::Sum(_, imm) = addr { imm } else { 0 };
        let w = &self.code.words;
        let handler = w[last.start] as u64 | (w[last.start + 1] as u64) << 32;
        let Some(fused) = StoreResult::of(handler).filter(|f| f.store() == op) else { return false };
        let (a, b) = (w[last.start + 2], w[last.start + 3]);
        self.retract(last.start);
        self.last = None;
        self.begin(fused.st());
        for f in [a, b, base, imm, end] {
            self.code.field(f);
        }
        self.code.end();
        true
    }

    /// `local.set` / `local.tee` of the popped value `opd` (which was at `height`).
    fn set_local(&mut self, local: u32, opd: Opd, height: usize) {
        // Entries still naming this local keep its old value in their own slot.
        let mut preserved = false;
        for idx in 0..self.stack.len() {
            if self.reads_local(self.stack[idx], local) {
                self.materialize(idx);
                preserved = true;
            }
        }
        if opd == Opd::Temp && !preserved {
            if let Some(last) = self.last {
                if last.height == height {
                    // The instruction that produced the value writes the local directly.
                    self.code.words[last.dest_word] = local * 8;
                    self.last = None;
                    self.note_in_place_add(last.start, local * 8);
                    self.last_tee = Some((last.start, local));
                    return;
                }
            }
        }
        if let (Opd::Local(src), Some((start, teed)), false) = (opd, self.last_tee, preserved) {
            // `local.tee src` then `local.set local` of a binary operation's
            // result: the operation writes both (clang's output has this
            // wherever a value has two names).
            let w = &self.code.words;
            let handler = w[start] as u64 | (w[start + 1] as u64) << 32;
            // (A binary instruction is 6 words: its destination is word 4,
            // word 5 is padding.)
            let two = Binary::with_second_dest(handler).filter(|_| src == teed && w[start + 4] == src * 8);
            if let Some(two) = two {
                self.code.words[start] = two as u32;
                self.code.words[start + 1] = (two >> 32) as u32;
                self.code.words[start + 5] = local * 8;
                self.last_tee = None;
                // It is no longer the plain add a loop step would take back.
                self.last_add = None;
                return;
            }
        }
        self.write_opd(opd, height, local * 8);
        if let Some(last) = self.last {
            if last.dest_word == last.start + 4 && self.code.words[last.dest_word] == local * 8 {
                self.last_tee = Some((last.start, local));
            }
        }
    }

    fn op(&mut self, op: O<'_>) -> Result<(), Error> {
        if !self.reachable {
            return self.unreachable_op(op);
        }
        if self.pending_cmp.is_some() && !matches!(op, O::BrIf { .. } | O::If { .. }) {
            self.flush_pending();
        }
        if let Some(p) = self.pending {
            // What neither emits nor reorders anything observable keeps the
            // load pending: a constant, a local, a unary operation that
            // cannot trap on another entry (a conversion of the other operand).
            let keeps = mem_binary(&op).is_some()
                || compare(&op)
                || matches!(op, O::LocalGet { .. } | O::I32Const { .. } | O::I64Const { .. } | O::F32Const { .. } | O::F64Const { .. } | O::Nop)
                || (pure_unary(&op) && p.idx != self.stack.len() - 1);
            if !keeps {
                self.flush_pending();
            }
        }
        if let Some(m) = mem_binary(&op) {
            if self.fuse_pending(m) {
                return Ok(());
            }
        }
        use Binary as B;
        use Branch as C;
        match op {
            O::Unreachable => {
                self.begin(Single::Unreachable.h());
                self.code.end();
                self.reachable = false;
            }
            O::Nop => {}
            O::Block { blockty } => {
                let results = self.block_results(blockty)?;
                self.materialize_locals();
                let label = self.new_label();
                self.push_ctrl(CtrlKind::Block, results, label, None);
            }
            O::Loop { blockty } => {
                let results = self.block_results(blockty)?;
                self.materialize_locals();
                let label = self.new_label();
                self.bind(label);
                self.push_ctrl(CtrlKind::Loop, results, label, None);
            }
            O::If { blockty } => {
                let results = self.block_results(blockty)?;
                let cond = self.take_condition();
                self.materialize_locals();
                let label = self.new_label();
                let else_label = self.new_label();
                self.cond_branch(cond, true, else_label);
                self.push_ctrl(CtrlKind::If, results, label, Some(else_label));
            }
            O::Else => self.else_op(),
            O::End => self.end_op(),
            O::Br { relative_depth } => {
                self.branch_out(relative_depth);
                self.reachable = false;
            }
            O::BrIf { relative_depth } => {
                let cond = self.take_condition();
                if let Some(label) = self.direct_label(relative_depth) {
                    self.cond_branch(cond, false, label);
                } else {
                    let skip = self.new_label();
                    self.cond_branch(cond, true, skip);
                    self.branch_out(relative_depth);
                    self.bind(skip);
                }
            }
            O::BrTable { targets } => {
                let default = targets.default();
                let mut depths = Vec::new();
                for t in targets.targets() {
                    depths.push(t.map_err(|e| Error::Invalid(e.to_string()))?);
                }
                depths.push(default);
                self.br_table(&depths);
                self.reachable = false;
            }
            O::Return => {
                let depth = self.ctrl.len() as u32 - 1;
                self.branch_out(depth);
                self.reachable = false;
            }
            O::Call { function_index } => self.call(function_index),
            O::CallIndirect { type_index, .. } => self.call_indirect(type_index)?,
            O::Drop => {
                self.pop();
            }
            O::Select => {
                let n = self.stack.len();
                let (ia, ib, ic) = (n - 3, n - 2, n - 1);
                let c = self.slot(ic);
                // One value may be an immediate (sign-extended to the slot).
                let (a, b, h) = match (self.field(ib), self.stack[ia]) {
                    (Field::Imm(b), _) => (self.slot(ia), b, Single::SelectSI),
                    (Field::Slot(b), Opd::C32(_) | Opd::C64(_)) => match self.field(ia) {
                        Field::Imm(a) => (a, b, Single::SelectIS),
                        Field::Slot(a) => (a, b, Single::Select),
                    },
                    (Field::Slot(b), _) => (self.slot(ia), b, Single::Select),
                };
                self.emit_result(h.h(), &[c, a, b], Constant::None, ia, None);
            }
            O::LocalGet { local_index } => self.push(Opd::Local(local_index)),
            O::LocalSet { local_index } => {
                let height = self.stack.len() - 1;
                let opd = self.pop();
                self.set_local(local_index, opd, height);
            }
            O::LocalTee { local_index } => {
                let height = self.stack.len() - 1;
                let opd = self.pop();
                self.set_local(local_index, opd, height);
                self.push(match opd {
                    Opd::C32(_) | Opd::C64(_) => opd,
                    _ => Opd::Local(local_index),
                });
            }
            O::GlobalGet { global_index } => {
                let addr = (self.env.global_addr)(global_index);
                let height = self.stack.len();
                let dest = self.temp_off(height);
                let at = self.begin(Single::GlobalGet.h());
                self.code.field64(addr);
                self.code.field(dest);
                self.code.end();
                self.push_temp();
                self.last = Some(Last {
                    start: at,
                    dest_word: at + 4,
                    height,
                    cmp: None,
                });
            }
            O::GlobalSet { global_index } => {
                let addr = (self.env.global_addr)(global_index);
                let ia = self.stack.len() - 1;
                let src = self.slot(ia);
                self.stack.truncate(ia);
                self.begin(Single::GlobalSet.h());
                self.code.field64(addr);
                self.code.field(src);
                self.code.end();
            }

            O::I32Load { memarg } => self.load(Load::I32, memarg),
            O::I64Load { memarg } => self.load(Load::I64, memarg),
            O::F32Load { memarg } => self.load(Load::I32, memarg),
            O::F64Load { memarg } => self.load(Load::I64, memarg),
            O::I32Load8S { memarg } => self.load(Load::I32_8S, memarg),
            O::I32Load8U { memarg } => self.load(Load::I32_8U, memarg),
            O::I32Load16S { memarg } => self.load(Load::I32_16S, memarg),
            O::I32Load16U { memarg } => self.load(Load::I32_16U, memarg),
            O::I64Load8S { memarg } => self.load(Load::I64_8S, memarg),
            O::I64Load8U { memarg } => self.load(Load::I64_8U, memarg),
            O::I64Load16S { memarg } => self.load(Load::I64_16S, memarg),
            O::I64Load16U { memarg } => self.load(Load::I64_16U, memarg),
            O::I64Load32S { memarg } => self.load(Load::I64_32S, memarg),
            O::I64Load32U { memarg } => self.load(Load::I64_32U, memarg),
            O::I32Store { memarg } => self.store(Store::I32, memarg),
            O::I64Store { memarg } => self.store(Store::I64, memarg),
            O::F32Store { memarg } => self.store(Store::I32, memarg),
            O::F64Store { memarg } => self.store(Store::I64, memarg),
            O::I32Store8 { memarg } => self.store(Store::I32_8, memarg),
            O::I32Store16 { memarg } => self.store(Store::I32_16, memarg),
            O::I64Store8 { memarg } => self.store(Store::I64_8, memarg),
            O::I64Store16 { memarg } => self.store(Store::I64_16, memarg),
            O::I64Store32 { memarg } => self.store(Store::I64_32, memarg),
            O::MemorySize { .. } => {
                let height = self.stack.len();
                let dest = self.temp_off(height);
                let at = self.begin(Single::MemorySize.h());
                self.code.field(dest);
                self.code.end();
                self.push_temp();
                self.last = Some(Last {
                    start: at,
                    dest_word: at + 2,
                    height,
                    cmp: None,
                });
            }
            O::MemoryGrow { .. } => {
                let ia = self.stack.len() - 1;
                let delta = self.slot(ia);
                let dest = self.temp_off(ia);
                self.begin(Single::MemoryGrow.h());
                self.code.field(delta);
                self.code.field(dest);
                self.code.end();
                self.stack.truncate(ia);
                self.push_temp();
            }

            O::I32Const { value } => self.push(Opd::C32(value as u32)),
            O::I64Const { value } => self.push(Opd::C64(value as u64)),
            O::F32Const { value } => self.push(Opd::C32(value.bits())),
            O::F64Const { value } => self.push(Opd::C64(value.bits())),

            O::I32Eqz => {
                self.unary(
                    Unary::I32Eqz,
                    Some(Cmp {
                        cond: C::I32Eq,
                        a: 0,
                        b: Field::Imm(0),
                        mem: None,
                    }),
                );
            }
            O::I64Eqz => {
                self.unary(
                    Unary::I64Eqz,
                    Some(Cmp {
                        cond: C::I64Eq,
                        a: 0,
                        b: Field::Imm(0),
                        mem: None,
                    }),
                );
            }
            O::I32Eq => self.binary(B::I32Eq, Some(C::I32Eq)),
            O::I32Ne => self.binary(B::I32Ne, Some(C::I32Ne)),
            O::I32LtS => self.binary(B::I32LtS, Some(C::I32LtS)),
            O::I32LtU => self.binary(B::I32LtU, Some(C::I32LtU)),
            O::I32GtS => self.binary(B::I32GtS, Some(C::I32GtS)),
            O::I32GtU => self.binary(B::I32GtU, Some(C::I32GtU)),
            O::I32LeS => self.binary(B::I32LeS, Some(C::I32LeS)),
            O::I32LeU => self.binary(B::I32LeU, Some(C::I32LeU)),
            O::I32GeS => self.binary(B::I32GeS, Some(C::I32GeS)),
            O::I32GeU => self.binary(B::I32GeU, Some(C::I32GeU)),
            O::I64Eq => self.binary(B::I64Eq, Some(C::I64Eq)),
            O::I64Ne => self.binary(B::I64Ne, Some(C::I64Ne)),
            O::I64LtS => self.binary(B::I64LtS, Some(C::I64LtS)),
            O::I64LtU => self.binary(B::I64LtU, Some(C::I64LtU)),
            O::I64GtS => self.binary(B::I64GtS, Some(C::I64GtS)),
            O::I64GtU => self.binary(B::I64GtU, Some(C::I64GtU)),
            O::I64LeS => self.binary(B::I64LeS, Some(C::I64LeS)),
            O::I64LeU => self.binary(B::I64LeU, Some(C::I64LeU)),
            O::I64GeS => self.binary(B::I64GeS, Some(C::I64GeS)),
            O::I64GeU => self.binary(B::I64GeU, Some(C::I64GeU)),

            O::I32Clz => self.unary(Unary::I32Clz, None),
            O::I32Ctz => self.unary(Unary::I32Ctz, None),
            O::I32Popcnt => self.unary(Unary::I32Popcnt, None),
            O::I64Clz => self.unary(Unary::I64Clz, None),
            O::I64Ctz => self.unary(Unary::I64Ctz, None),
            O::I64Popcnt => self.unary(Unary::I64Popcnt, None),
            O::I32Add => {
                if !self.lazy_sum(false) {
                    self.binary(B::I32Add, None)
                }
            }
            O::I32Sub => {
                if !self.lazy_sum(true) {
                    self.binary(B::I32Sub, None)
                }
            }
            O::I32Mul => self.binary(B::I32Mul, None),
            O::I32DivS => self.binary(B::I32DivS, None),
            O::I32DivU => self.binary(B::I32DivU, None),
            O::I32RemS => self.binary(B::I32RemS, None),
            O::I32RemU => self.binary(B::I32RemU, None),
            O::I32And => self.binary(B::I32And, None),
            O::I32Or => self.binary(B::I32Or, None),
            O::I32Xor => self.binary(B::I32Xor, None),
            O::I32Shl => {
                if !self.lazy_shl() {
                    self.shift(Shift::Shl, false)
                }
            }
            O::I32ShrS => self.shift(Shift::ShrS, false),
            O::I32ShrU => self.shift(Shift::ShrU, false),
            O::I32Rotl => self.shift(Shift::Rotl, false),
            O::I32Rotr => self.shift(Shift::Rotr, false),
            O::I64Add => {
                if !self.wide_i64(ConstI64::I64Add, false) {
                    self.binary(B::I64Add, None)
                }
            }
            O::I64Sub => {
                if !self.wide_i64(ConstI64::I64Add, true) {
                    self.binary(B::I64Sub, None)
                }
            }
            O::I64Mul => {
                if !self.wide_i64(ConstI64::I64Mul, false) {
                    self.binary(B::I64Mul, None)
                }
            }
            O::I64DivS => self.binary(B::I64DivS, None),
            O::I64DivU => self.binary(B::I64DivU, None),
            O::I64RemS => self.binary(B::I64RemS, None),
            O::I64RemU => self.binary(B::I64RemU, None),
            O::I64And => {
                if !self.wide_i64(ConstI64::I64And, false) {
                    self.binary(B::I64And, None)
                }
            }
            O::I64Or => {
                if !self.wide_i64(ConstI64::I64Or, false) {
                    self.binary(B::I64Or, None)
                }
            }
            O::I64Xor => {
                if !self.wide_i64(ConstI64::I64Xor, false) {
                    self.binary(B::I64Xor, None)
                }
            }
            O::I64Shl => self.shift(Shift::Shl, true),
            O::I64ShrS => self.shift(Shift::ShrS, true),
            O::I64ShrU => self.shift(Shift::ShrU, true),
            O::I64Rotl => self.shift(Shift::Rotl, true),
            O::I64Rotr => self.shift(Shift::Rotr, true),

            // Reinterpretations and the wrap only change how the bits are read:
            // an i32 is the low half of its slot.
            O::I32WrapI64 => {
                if let Some(Opd::C64(v)) = self.stack.last().copied() {
                    *self.stack.last_mut().unwrap() = Opd::C32(v as u32);
                }
            }
            O::I32ReinterpretF32
            | O::F32ReinterpretI32
            | O::I64ReinterpretF64
            | O::F64ReinterpretI64 => {}
            O::I64ExtendI32S => self.unary(Unary::I64ExtendI32S, None),
            O::I64ExtendI32U => self.unary(Unary::I64ExtendI32U, None),

            O::F32Add => self.float_binary(FloatBinary::F32Add),
            O::F32Sub => self.float_binary(FloatBinary::F32Sub),
            O::F32Mul => self.float_binary(FloatBinary::F32Mul),
            O::F32Div => self.float_binary(FloatBinary::F32Div),
            O::F32Min => self.float_binary(FloatBinary::F32Min),
            O::F32Max => self.float_binary(FloatBinary::F32Max),
            O::F32Copysign => self.float_binary(FloatBinary::F32Copysign),
            O::F64Add => self.float_binary(FloatBinary::F64Add),
            O::F64Sub => self.float_binary(FloatBinary::F64Sub),
            O::F64Mul => self.float_binary(FloatBinary::F64Mul),
            O::F64Div => self.float_binary(FloatBinary::F64Div),
            O::F64Min => self.float_binary(FloatBinary::F64Min),
            O::F64Max => self.float_binary(FloatBinary::F64Max),
            O::F64Copysign => self.float_binary(FloatBinary::F64Copysign),
            O::F32Eq => self.float_compare(FloatCompare::F32Eq),
            O::F32Ne => self.float_compare(FloatCompare::F32Ne),
            O::F32Lt => self.float_compare(FloatCompare::F32Lt),
            O::F32Gt => self.float_compare(FloatCompare::F32Gt),
            O::F32Le => self.float_compare(FloatCompare::F32Le),
            O::F32Ge => self.float_compare(FloatCompare::F32Ge),
            O::F64Eq => self.float_compare(FloatCompare::F64Eq),
            O::F64Ne => self.float_compare(FloatCompare::F64Ne),
            O::F64Lt => self.float_compare(FloatCompare::F64Lt),
            O::F64Gt => self.float_compare(FloatCompare::F64Gt),
            O::F64Le => self.float_compare(FloatCompare::F64Le),
            O::F64Ge => self.float_compare(FloatCompare::F64Ge),
            O::F32Abs => self.unary(Unary::F32Abs, None),
            O::F32Neg => self.unary(Unary::F32Neg, None),
            O::F64Abs => self.unary(Unary::F64Abs, None),
            O::F64Neg => self.unary(Unary::F64Neg, None),
            O::F32Sqrt => self.unary(Unary::F32Sqrt, None),
            O::F32Ceil => self.unary(Unary::F32Ceil, None),
            O::F32Floor => self.unary(Unary::F32Floor, None),
            O::F32Trunc => self.unary(Unary::F32Trunc, None),
            O::F32Nearest => self.unary(Unary::F32Nearest, None),
            O::F64Sqrt => self.unary(Unary::F64Sqrt, None),
            O::F64Ceil => self.unary(Unary::F64Ceil, None),
            O::F64Floor => self.unary(Unary::F64Floor, None),
            O::F64Trunc => self.unary(Unary::F64Trunc, None),
            O::F64Nearest => self.unary(Unary::F64Nearest, None),
            O::F32DemoteF64 => self.unary(Unary::F32DemoteF64, None),
            O::F64PromoteF32 => self.unary(Unary::F64PromoteF32, None),
            O::F32ConvertI32S => self.unary(Unary::F32ConvertI32S, None),
            O::F32ConvertI32U => self.unary(Unary::F32ConvertI32U, None),
            O::F32ConvertI64S => self.unary(Unary::F32ConvertI64S, None),
            O::F32ConvertI64U => self.unary(Unary::F32ConvertI64U, None),
            O::F64ConvertI32S => self.unary(Unary::F64ConvertI32S, None),
            O::F64ConvertI32U => self.unary(Unary::F64ConvertI32U, None),
            O::F64ConvertI64S => self.unary(Unary::F64ConvertI64S, None),
            O::F64ConvertI64U => self.unary(Unary::F64ConvertI64U, None),
            O::I32TruncF32S => self.unary(Unary::I32TruncF32S, None),
            O::I32TruncF32U => self.unary(Unary::I32TruncF32U, None),
            O::I64TruncF32S => self.unary(Unary::I64TruncF32S, None),
            O::I64TruncF32U => self.unary(Unary::I64TruncF32U, None),
            O::I32TruncF64S => self.unary(Unary::I32TruncF64S, None),
            O::I32TruncF64U => self.unary(Unary::I32TruncF64U, None),
            O::I64TruncF64S => self.unary(Unary::I64TruncF64S, None),
            O::I64TruncF64U => self.unary(Unary::I64TruncF64U, None),

            other => {
                return Err(Error::Unsupported(format!(
                    "instruction {}",
                    op_name(&other)
                )))
            }
        }
        Ok(())
    }

    /// Operators after an unconditional branch: only the block structure matters.
    fn unreachable_op(&mut self, op: O<'_>) -> Result<(), Error> {
        match op {
            O::Block { blockty } | O::Loop { blockty } | O::If { blockty } => {
                // Like the validator, forget the operands left from before
                // the branch: a block opened here keeps the stack no higher
                // than validation measured it (the frame bound a call sets up
                // before translation).
                let height = self.ctrl.last().expect("inside the function body").height;
                self.stack.truncate(height);
                let results = self.block_results(blockty)?;
                let label = self.new_label();
                let else_label = matches!(op, O::If { .. }).then(|| self.new_label());
                let kind = match op {
                    O::Block { .. } => CtrlKind::Block,
                    O::Loop { .. } => CtrlKind::Loop,
                    _ => CtrlKind::If,
                };
                self.push_ctrl(kind, results, label, else_label);
            }
            O::Else => self.else_op(),
            O::End => self.end_op(),
            _ => {}
        }
        Ok(())
    }

    fn else_op(&mut self) {
        let frame = self.ctrl.last_mut().expect("validated: else inside if");
        let (height, results, label, else_label) =
            (frame.height, frame.results, frame.label, frame.else_label);
        if self.reachable {
            for k in 0..results {
                let idx = height + k;
                self.materialize(idx);
            }
            self.ctrl.last_mut().unwrap().branched = true;
            self.br(label);
        }
        let frame = self.ctrl.last_mut().unwrap();
        frame.kind = CtrlKind::Else;
        frame.else_label = None;
        self.reachable = !frame.unreachable_entry;
        if let Some(l) = else_label {
            self.bind(l);
        }
        self.stack.truncate(height);
    }

    fn end_op(&mut self) {
        let frame = self.ctrl.pop().expect("validated: balanced end");
        // A block's results go to its slots; a function's straight to the
        // result slots, below (WebAssembly 1.0: one result at most, so no
        // move can overwrite another's source).
        if self.reachable && frame.kind != CtrlKind::Func {
            for k in 0..frame.results {
                self.materialize(frame.height + k);
            }
        }
        if frame.kind == CtrlKind::Func {
            if self.reachable {
                let n = self.stack.len();
                for k in 0..frame.results {
                    let idx = n - frame.results + k;
                    self.put_result(idx, k as u32 * 8);
                }
                self.emit_return();
            }
            if self.label_uses.iter().any(|&(_, l)| l == self.ret_label) {
                self.bind(self.ret_label);
                self.emit_return();
            }
            self.reachable = false;
            return;
        }
        let reachable_after = match frame.kind {
            CtrlKind::Loop => self.reachable,
            CtrlKind::If => !frame.unreachable_entry,
            _ => self.reachable || frame.branched,
        };
        if let Some(l) = frame.else_label {
            self.bind(l);
        }
        if frame.kind != CtrlKind::Loop {
            self.bind(frame.label);
        }
        self.stack.truncate(frame.height);
        for _ in 0..frame.results {
            self.push_temp();
        }
        self.reachable = reachable_after;
    }

    fn br_table(&mut self, depths: &[u32]) {
        let ia = self.stack.len() - 1;
        let index = self.slot(ia);
        self.stack.truncate(ia);
        let default = *depths.last().unwrap();
        let target = &self.ctrl[self.ctrl.len() - 1 - default as usize];
        let arity = if target.kind == CtrlKind::Loop {
            0
        } else {
            target.results
        };
        // Each distinct target gets a label: its own when no value moves,
        // otherwise a stub after the table that moves the value and jumps.
        let mut labels = Vec::with_capacity(depths.len());
        let mut stubs: Vec<(u32, usize)> = Vec::new();
        for &d in depths {
            let label = if arity == 0
                && self.ctrl[self.ctrl.len() - 1 - d as usize].kind != CtrlKind::Func
            {
                self.direct_label(d).unwrap()
            } else if let Some(&(_, l)) = stubs.iter().find(|&&(sd, _)| sd == d) {
                l
            } else {
                let l = self.new_label();
                stubs.push((d, l));
                l
            };
            labels.push(label);
        }
        self.begin(Single::BrTable.h());
        self.code.field(index);
        self.code.field(depths.len() as u32 - 1);
        for l in labels {
            self.label_field(l);
        }
        self.code.end();
        for (d, l) in stubs {
            self.bind(l);
            self.branch_out(d);
        }
    }

    fn call(&mut self, func: u32) {
        let ty = self.env.module.func_type(func);
        let (nparams, nresults) = (ty.params.len(), ty.results.len());
        let base = self.stack.len() - nparams;
        for idx in base..self.stack.len() {
            self.materialize(idx);
        }
        let info = (self.env.func_info)(func);
        let args = self.temp_off(base);
        self.begin(Single::Call.h());
        self.code.field64(info);
        self.code.field(args);
        self.code.end();
        self.stack.truncate(base);
        for _ in 0..nresults {
            self.push_temp();
        }
    }
}

impl Tr<'_> {
    fn call_indirect(&mut self, type_index: u32) -> Result<(), Error> {
        let (table, len) = self.env.table.clone().map_err(Error::Unsupported)?;
        let ty = &self.env.module.types[type_index as usize];
        let (nparams, nresults) = (ty.params.len(), ty.results.len());
        let iindex = self.stack.len() - 1;
        let index = self.slot(iindex);
        let base = iindex - nparams;
        for idx in base..iindex {
            self.materialize(idx);
        }
        let args = self.temp_off(base);
        let sig = (self.env.sig_id)(type_index);
        self.begin(Single::CallIndirect.h());
        self.code.field64(table);
        self.code.field(len);
        self.code.field(sig);
        self.code.field(index);
        self.code.field(args);
        self.code.end();
        self.stack.truncate(base);
        for _ in 0..nresults {
            self.push_temp();
        }
        Ok(())
    }
}

/// The integer compares (which a branch may take with a loaded side).
fn compare(op: &O<'_>) -> bool {
    matches!(
        op,
        O::I32Eq
            | O::I32Ne
            | O::I32LtS
            | O::I32LtU
            | O::I32GtS
            | O::I32GtU
            | O::I32LeS
            | O::I32LeU
            | O::I32GeS
            | O::I32GeU
            | O::I64Eq
            | O::I64Ne
            | O::I64LtS
            | O::I64LtU
            | O::I64GtS
            | O::I64GtU
            | O::I64LeS
            | O::I64LeU
            | O::I64GeS
            | O::I64GeU
    )
}

/// Unary operations with no effect but their result, which cannot trap.
fn pure_unary(op: &O<'_>) -> bool {
    matches!(
        op,
        O::I32Eqz
            | O::I64Eqz
            | O::I32Clz
            | O::I32Ctz
            | O::I32Popcnt
            | O::I64Clz
            | O::I64Ctz
            | O::I64Popcnt
            | O::I64ExtendI32S
            | O::I64ExtendI32U
            | O::F32Abs
            | O::F32Neg
            | O::F64Abs
            | O::F64Neg
            | O::F32Sqrt
            | O::F64Sqrt
            | O::F32Ceil
            | O::F32Floor
            | O::F32Trunc
            | O::F32Nearest
            | O::F64Ceil
            | O::F64Floor
            | O::F64Trunc
            | O::F64Nearest
            | O::F32DemoteF64
            | O::F64PromoteF32
            | O::F32ConvertI32S
            | O::F32ConvertI32U
            | O::F32ConvertI64S
            | O::F32ConvertI64U
            | O::F64ConvertI32S
            | O::F64ConvertI32U
            | O::F64ConvertI64S
            | O::F64ConvertI64U
    )
}

/// The operations that can take an operand straight from a load.
fn mem_binary(op: &O<'_>) -> Option<MemBinary> {
    use MemBinary as M;
    Some(match op {
        O::I32Add => M::I32Add,
        O::I32Sub => M::I32Sub,
        O::I32Mul => M::I32Mul,
        O::I32And => M::I32And,
        O::I32Or => M::I32Or,
        O::I32Xor => M::I32Xor,
        O::I64Add => M::I64Add,
        O::I64Sub => M::I64Sub,
        O::I64Mul => M::I64Mul,
        O::I64And => M::I64And,
        O::I64Or => M::I64Or,
        O::I64Xor => M::I64Xor,
        O::F32Add => M::F32Add,
        O::F32Sub => M::F32Sub,
        O::F32Mul => M::F32Mul,
        O::F32Div => M::F32Div,
        O::F64Add => M::F64Add,
        O::F64Sub => M::F64Sub,
        O::F64Mul => M::F64Mul,
        O::F64Div => M::F64Div,
        _ => return None,
    })
}

fn op_name(op: &O<'_>) -> String {
    let debug = format!("{op:?}");
    let name = debug.split([' ', '{', '(']).next().unwrap_or("?");
    // CamelCase to the text format's spelling (F32Add -> f32.add) is only
    // approximate; the variant name is enough to tell what is missing.
    name.to_string()
}

/// The value type at the top of a function's result list, for documentation
/// of the slot convention (results are in the callee frame's first slots).
#[allow(dead_code)]
pub fn result_slots(results: &[ValType]) -> usize {
    results.len()
}
