//! Execution: one `match` on the table's [`Op`] with the INSTRUCTIONS.md
//! semantics, over the machine state of `state.rs`.

use std::rc::Rc;

use super::alu::{self, mask, sx};
use super::layout::{emit_text, parse_directive, Directive};
use super::state::{Fault, Fpr, Gpr, Regs, Unknown};
use super::{Env, Returned, SimError, SimResult, Simulator, CODE_BASE, EXTERNAL_BASE, RETURN_ADDRESS, STACK_BASE, STACK_SIZE};
use crate::isa::{ArithOp, AtomicOp, Effects, FlagCond, Op, Width};
use crate::target::regs::{Reg, RegClass};
use crate::target::{Arch, RegMap};
use crate::valid::{Instr, Item, MemAddr, Value};

/// Bits of a width (`p` is 64 on every release-1 target; widthless
/// instructions count as 64).
fn bits(w: Width) -> u32 {
    w.bits().unwrap_or(64)
}

/// Flags recorded by `addis`/`addps`/`subis`/`oris` (§9.2).
#[derive(Copy, Clone)]
struct Flags {
    overflow: bool,
    negative: bool,
    zero: bool,
}

enum Next {
    Continue,
    Goto(usize),
    Return,
}

pub struct Machine<'s, 'e> {
    sim: &'s Simulator<'s>,
    env: &'e mut Env,
    pub regs: Regs,
    flags: Option<(usize, Flags)>,
    /// The exclusive monitor: armed address of the last `loadlinkacq`.
    monitor: Option<u64>,
    /// Apple fast-TLS slots (`tls_loadp`/`tls_storep`).
    tls: Vec<u64>,
    /// The instruction being executed (for errors).
    current: Option<usize>,
}

impl<'s, 'e> Machine<'s, 'e> {
    pub fn new(sim: &'s Simulator<'s>, env: &'e mut Env) -> Machine<'s, 'e> {
        Machine { sim, env, regs: Regs::new(), flags: None, monitor: None, tls: vec![0; 16], current: None }
    }

    fn x86(&self) -> bool {
        self.sim.arch == Arch::X86_64
    }

    fn sp_index(&self) -> usize {
        if self.x86() {
            4
        } else {
            31
        }
    }

    fn sp(&self) -> u64 {
        self.regs.gpr[self.sp_index()].value
    }

    fn set_sp(&mut self, v: u64) {
        let i = self.sp_index();
        self.regs.gpr[i] = Gpr { value: v, unknown: None };
    }

    fn err(&self, code: &'static str, msg: impl Into<String>) -> SimError {
        let mut e = SimError::new(code, msg);
        if let Some(Item::Instr(i)) = self.current.map(|k| &self.sim.prog.items[k]) {
            e.span = Some(i.span);
            e.chain = i.chain.clone();
        }
        e
    }

    // ---- registers -------------------------------------------------------

    fn phys_name(&self, r: Reg) -> &'static str {
        self.sim.map.phys(r).map(|p| p.name).unwrap_or("?")
    }

    fn unknown_error(&self, what: String, u: &Unknown) -> SimError {
        let mut e = self.err("sim-unspecified-value", format!("reads {what}, which holds {}", u.describe()));
        e.secondary.push((u.at(), "the value was left unspecified here".to_string()));
        e
    }

    fn read_gpr(&self, r: Reg) -> SimResult<u64> {
        let g = &self.regs.gpr[self.sim.phys(r)];
        match &g.unknown {
            None => Ok(g.value),
            Some(u) => Err(self.unknown_error(format!("`{}` ({})", r.name(), self.phys_name(r)), u)),
        }
    }

    fn write_gpr(&mut self, r: Reg, v: u64) {
        let i = self.sim.phys(r);
        self.regs.gpr[i] = Gpr { value: v, unknown: None };
    }

    fn poison_gpr(&mut self, r: Reg, why: String) {
        let at = self.span();
        let i = self.sim.phys(r);
        self.regs.gpr[i].unknown = Some(Unknown::Any { why, at });
    }

    fn span(&self) -> crate::source::Span {
        match self.current.map(|k| &self.sim.prog.items[k]) {
            Some(Item::Instr(i)) => i.span,
            Some(Item::Label { span, .. }) => *span,
            None => crate::source::Span::default(),
        }
    }

    fn fpr(&self, r: Reg) -> &Fpr {
        &self.regs.fpr[self.sim.phys(r)]
    }

    /// The low `n` bits of an FPR as bits; every one of them must be specified.
    fn read_fpr_bits(&self, r: Reg, n: u8) -> SimResult<u128> {
        let f = self.fpr(r);
        if let Some(u) = &f.unknown {
            return Err(self.unknown_error(format!("the bits of `{}`", r.name()), u));
        }
        if f.defined < n {
            return Err(self.err(
                "sim-unspecified-value",
                format!(
                    "reads bits {}..{} of `{}`, which the last write (binary{}) left unspecified (INSTRUCTIONS.md §1.5)",
                    f.defined,
                    n - 1,
                    r.name(),
                    f.defined
                ),
            ));
        }
        Ok(if n == 128 { f.bits } else { f.bits & ((1u128 << n) - 1) })
    }

    /// An FPR as a number: an unspecified NaN is still a NaN.
    fn read_f64(&self, r: Reg) -> SimResult<f64> {
        let f = self.fpr(r);
        if let Some(Unknown::Nan { bits: 64, .. }) = f.unknown {
            return Ok(f64::NAN);
        }
        Ok(f64::from_bits(self.read_fpr_bits(r, 64)? as u64))
    }

    fn read_f32(&self, r: Reg) -> SimResult<f32> {
        let f = self.fpr(r);
        if let Some(Unknown::Nan { bits: 32, .. }) = f.unknown {
            return Ok(f32::NAN);
        }
        Ok(f32::from_bits(self.read_fpr_bits(r, 32)? as u32))
    }

    fn write_fpr(&mut self, r: Reg, bits: u128, defined: u8, unknown: Option<Unknown>) {
        let i = self.sim.phys(r);
        self.regs.fpr[i] = Fpr { bits, defined, unknown };
    }

    /// The result of FP arithmetic: a NaN result has an unspecified payload.
    fn write_f64(&mut self, r: Reg, v: f64) {
        if v.is_nan() {
            let at = self.span();
            self.write_fpr(r, 0x7ff8_0000_0000_0000, 64, Some(Unknown::Nan { bits: 64, at }));
        } else {
            self.write_fpr(r, v.to_bits() as u128, 64, None);
        }
    }

    fn write_f32(&mut self, r: Reg, v: f32) {
        if v.is_nan() {
            let at = self.span();
            self.write_fpr(r, 0x7fc0_0000, 32, Some(Unknown::Nan { bits: 32, at }));
        } else {
            self.write_fpr(r, v.to_bits() as u128, 32, None);
        }
    }

    // ---- memory ----------------------------------------------------------

    /// `_plus − _minus` in the simulator's image (consistent with `leap`).
    fn label_difference(&self, plus: &Rc<str>, minus: &Rc<str>) -> SimResult<u64> {
        Ok(self.label_address(plus, false, 0)?.wrapping_sub(self.label_address(minus, false, 0)?))
    }

    fn ea(&self, m: &MemAddr) -> SimResult<u64> {
        if m.base == Some(Reg::SP) && !self.x86() {
            self.check_sp_aligned(self.sp())?;
        }
        let mut a = m.offset as u64;
        if let Some((plus, minus)) = &m.diff {
            a = a.wrapping_add(self.label_difference(plus, minus)?);
        }
        if let Some(b) = m.base {
            a = a.wrapping_add(self.read_gpr(b)?);
        }
        if let Some(i) = m.index {
            a = a.wrapping_add(self.read_gpr(i)?.wrapping_mul(m.scale as u64));
        }
        Ok(a)
    }

    fn describe_memory(&self) -> String {
        let regions: Vec<String> = self
            .env
            .memory
            .regions
            .iter()
            .map(|r| format!("{} {:#x}..{:#x}", r.name, r.base, r.base + r.bytes.len() as u64))
            .collect();
        format!("mapped: {}", regions.join(", "))
    }

    fn unmapped(&self, what: &str, addr: u64, len: usize) -> SimError {
        let mut e = self.err("sim-memory", format!("{what} {len} byte(s) at {addr:#x}, which is not mapped memory"));
        if (CODE_BASE..self.sim.image.end).contains(&addr) {
            e = e.note("that is a code address: the simulator has no machine code to read or write");
        }
        e.note(self.describe_memory())
    }

    fn load(&self, addr: u64, nbits: u32) -> SimResult<u128> {
        let len = (nbits / 8) as usize;
        self.env.memory.read(addr, len).ok_or_else(|| self.unmapped("reads", addr, len))
    }

    fn store(&mut self, addr: u64, nbits: u32, v: u128) -> SimResult<()> {
        let len = (nbits / 8) as usize;
        match self.env.memory.write(addr, len, v) {
            Ok(()) => Ok(()),
            Err(Fault::Unmapped) => Err(self.unmapped("writes", addr, len)),
            Err(Fault::ReadOnly) => Err(self.err(
                "sim-memory",
                format!("writes {len} byte(s) at {addr:#x}, which is data in the read-only code section"),
            )),
        }
    }

    fn check_aligned(&self, addr: u64, nbits: u32, what: &str) -> SimResult<()> {
        let n = (nbits / 8) as u64;
        if !addr.is_multiple_of(n) {
            return Err(self.err(
                "sim-undefined",
                format!("{what} of {n} bytes at {addr:#x} is not naturally aligned (undefined, INSTRUCTIONS.md §1.9)"),
            ));
        }
        Ok(())
    }

    // ---- operands --------------------------------------------------------

    /// `val_W(x)` (§1.4) for a Gpr, Imm or Addr operand.
    fn val(&self, v: &Value, w: u32) -> SimResult<u64> {
        Ok(match v {
            Value::Reg(r) => mask(self.read_gpr(*r)?, w),
            Value::Imm(i) => mask(*i as u64, w),
            Value::Addr(m) => self.load(self.ea(m)?, w)? as u64,
            Value::Label { name, local, offset } => self.load(self.label_address(name, *local, *offset)?, w)? as u64,
            Value::LabelDiff { plus, minus, offset } => {
                mask(self.label_difference(plus, minus)?.wrapping_add(*offset as u64), w)
            }
            Value::Str(_) => unreachable!("validated operand kind"),
        })
    }

    /// `put_W(d, v)`: a Gpr gets `zx(lo_W(v))`, an Addr `lo_W(v)`.
    fn put(&mut self, d: &Value, w: u32, v: u64) -> SimResult<()> {
        match d {
            Value::Reg(r) => {
                self.write_gpr(*r, mask(v, w));
                Ok(())
            }
            Value::Addr(m) => {
                let a = self.ea(m)?;
                self.store(a, w, mask(v, w) as u128)
            }
            _ => unreachable!("validated destination kind"),
        }
    }

    fn reg(v: &Value) -> Reg {
        crate::back::reg(v)
    }

    // ---- labels and code addresses ---------------------------------------

    fn label_index(&self, name: &Rc<str>, local: bool) -> Option<usize> {
        self.sim.labels.get(&(name.clone(), local)).copied()
    }

    fn label_address(&self, name: &Rc<str>, local: bool, offset: i64) -> SimResult<u64> {
        let base = if let Some(i) = self.label_index(name, local) {
            self.sim.image.addr[i]
        } else if let Some(&a) = self.env.data.get(&**name) {
            a
        } else if let Some(k) = self.env.functions.iter().position(|(n, _)| **n == **name) {
            EXTERNAL_BASE + 16 * k as u64
        } else {
            return Err(self.err(
                "sim-unsupported",
                format!("`{name}` is not defined in the program and the simulator was given no such symbol"),
            ));
        };
        Ok(base.wrapping_add(offset as u64))
    }

    /// Where a jump or call goes.
    fn target_of(&self, v: &Value) -> SimResult<u64> {
        match v {
            Value::Label { name, local, .. } => self.label_address(name, *local, 0),
            Value::Reg(r) => self.read_gpr(*r),
            Value::Addr(m) => Ok(self.load(self.ea(m)?, 64)? as u64),
            _ => unreachable!("validated jump target"),
        }
    }

    fn return_address(&self, pc: usize) -> u64 {
        self.sim.image.addr[pc] + super::layout::INSTRUCTION_SIZE
    }

    /// Continues at code address `a` (an item of the program, an external
    /// function to run and return from, or the simulated caller).
    fn jump_to(&mut self, a: u64) -> SimResult<Next> {
        if a == RETURN_ADDRESS {
            return Ok(Next::Return);
        }
        if (CODE_BASE..self.sim.image.end).contains(&a) {
            if let Some(k) = self.sim.image.item_at(a) {
                return Ok(Next::Goto(k));
            }
        }
        if a >= EXTERNAL_BASE && (a - EXTERNAL_BASE).is_multiple_of(16) && ((a - EXTERNAL_BASE) / 16) < self.env.functions.len() as u64
        {
            // Entered like a tail call: run it, then return where it would.
            let lr = self.regs.gpr[30].clone();
            self.run_external(((a - EXTERNAL_BASE) / 16) as usize)?;
            if !self.x86() {
                self.regs.gpr[30] = lr;
            }
            return self.do_ret();
        }
        Err(self.err("sim-memory", format!("jumps to {a:#x}, which is not a code address")))
    }

    /// Runs external function `k` with the C ABI: arguments from the
    /// argument registers, result in r0, caller-saved registers clobbered.
    fn run_external(&mut self, k: usize) -> SimResult<()> {
        // At the entry of a C function the stack was 16-byte aligned at the call.
        let sp = self.sp();
        let aligned = if self.x86() { (sp + 8).is_multiple_of(16) } else { sp.is_multiple_of(16) };
        let name = self.env.functions[k].0.clone();
        if !aligned {
            return Err(self
                .err("sim-abi", format!("`{name}` is called with a stack that is not 16-byte aligned (sp = {sp:#x})"))
                .note("the C ABI requires sp to be a multiple of 16 at every call instruction (TARGETS.md)"));
        }
        let argregs = self.sim.argument_registers();
        let mut args = Vec::with_capacity(argregs.len());
        for &i in argregs {
            args.push(self.regs.gpr[i].value);
        }
        let result = (self.env.functions[k].1)(&args);
        if self.sim.map == RegMap::Win64 {
            // The callee owns the 32-byte shadow space above its return address.
            for off in (8..40).step_by(8) {
                let _ = self.env.memory.write(sp + off, 8, 0xcccc_cccc_cccc_cccc);
            }
        }
        // Caller-saved registers hold unknown values after the call.
        let saved = self.sim.callee_saved();
        let at = self.span();
        let why = format!("a caller-saved register's value after the call to `{name}`");
        for i in 0..32 {
            let keep = i == self.sp_index() || saved.iter().any(|&(c, n, _)| c == RegClass::Gpr && n == i);
            if !keep {
                self.regs.gpr[i].unknown = Some(Unknown::Any { why: why.clone(), at });
            }
            let fkeep = saved.iter().any(|&(c, n, _)| c == RegClass::Fpr && n == i);
            if !fkeep {
                self.regs.fpr[i].unknown = Some(Unknown::Any { why: why.clone(), at });
            } else if !self.x86() {
                // AAPCS64 preserves only the low 64 bits of v8–v15.
                self.regs.fpr[i].defined = self.regs.fpr[i].defined.min(64);
            }
        }
        self.regs.gpr[0] = Gpr { value: result, unknown: None };
        Ok(())
    }

    fn push64(&mut self, v: u64) -> SimResult<()> {
        let sp = self.sp().wrapping_sub(8);
        self.set_sp(sp);
        self.store(sp, 64, v as u128)
    }

    fn pop64(&mut self) -> SimResult<u64> {
        let sp = self.sp();
        let v = self.load(sp, 64)? as u64;
        self.set_sp(sp.wrapping_add(8));
        Ok(v)
    }

    fn do_ret(&mut self) -> SimResult<Next> {
        let target = if self.x86() {
            self.pop64()?
        } else {
            let lr = &self.regs.gpr[30];
            if let Some(u) = &lr.unknown {
                return Err(self.unknown_error("`lr` (x30)".into(), u));
            }
            lr.value
        };
        self.jump_to(target)
    }

    // ---- the run ---------------------------------------------------------

    pub fn run(&mut self, start: usize) -> SimResult<Returned> {
        // The simulated caller: sp 16-byte aligned at its call; x86 pushes
        // the return address (and Win64 callers leave 32 bytes of shadow space).
        let top = STACK_BASE + STACK_SIZE as u64 - 4096;
        self.set_sp(top);
        if self.x86() {
            self.push64(RETURN_ADDRESS)?;
        } else {
            self.regs.gpr[30] = Gpr { value: RETURN_ADDRESS, unknown: None };
        }
        let entry_sp = self.sp();
        let saved: Vec<(RegClass, usize, &'static str, u128)> = self
            .sim
            .callee_saved()
            .into_iter()
            .map(|(c, i, n)| {
                let v = match c {
                    RegClass::Gpr => self.regs.gpr[i].value as u128,
                    RegClass::Fpr => self.regs.fpr[i].bits,
                };
                (c, i, n, v)
            })
            .collect();
        let sim = self.sim;
        let items = &sim.prog.items;
        let mut pc = start;
        let mut steps = 0u64;
        loop {
            if pc >= items.len() {
                self.current = pc.checked_sub(1);
                return Err(self.err("sim-undefined", "execution runs past the end of the program"));
            }
            let Item::Instr(ins) = &items[pc] else {
                pc += 1;
                continue;
            };
            steps += 1;
            if steps > self.env.max_steps {
                self.current = Some(pc);
                return Err(self.err("sim-limit", format!("stopped after {} instructions", self.env.max_steps))
                    .note("the program may not terminate; the budget is Env::max_steps"));
            }
            self.current = Some(pc);
            match self.step(pc, ins)? {
                Next::Continue => pc += 1,
                Next::Goto(t) => pc = t,
                Next::Return => break,
            }
        }
        // Back in the simulated caller: the ABI's promises.
        let sp_now = self.sp();
        let want_sp = if self.x86() { entry_sp + 8 } else { entry_sp };
        if sp_now != want_sp {
            return Err(self.err(
                "sim-abi",
                format!("returns with sp = {sp_now:#x}, but the caller's sp was {want_sp:#x} (unbalanced stack)"),
            ));
        }
        for (c, i, name, v) in saved {
            let (now, preserved) = match c {
                RegClass::Gpr => (self.regs.gpr[i].value as u128, self.regs.gpr[i].value as u128 == v),
                // ARM64 preserves only the low 64 bits of d8–d15.
                RegClass::Fpr if !self.x86() => (self.regs.fpr[i].bits, self.regs.fpr[i].bits as u64 == v as u64),
                RegClass::Fpr => (self.regs.fpr[i].bits, self.regs.fpr[i].bits == v),
            };
            if !preserved {
                return Err(self.err(
                    "sim-abi",
                    format!("returns with the callee-saved register `{name}` changed ({v:#x} → {now:#x})"),
                ));
            }
        }
        let r0 = &self.regs.gpr[0];
        let nan = match &r0.unknown {
            None => None,
            Some(Unknown::Nan { bits, .. }) => Some(*bits),
            Some(u) => return Err(self.unknown_error("the result register `r0`".into(), u)),
        };
        Ok(Returned { r0: r0.value, nan, steps })
    }

    fn branch_if(&self, cond: bool, label: &Value) -> SimResult<Next> {
        if !cond {
            return Ok(Next::Continue);
        }
        match label {
            Value::Label { name, local, .. } => match self.label_index(name, *local) {
                Some(i) => Ok(Next::Goto(i)),
                None => Err(self.err("sim-unsupported", format!("branch to `{name}`, which is not in the program"))),
            },
            _ => unreachable!("validated branch target"),
        }
    }


    /// Writes an FP result at width F or D. A binary32 result computed in
    /// binary64 from binary32 operands is rounded once more: for +, −, ×, ÷,
    /// √ that double rounding is exact (53 ≥ 2·24 + 2), and floor, ceil,
    /// round and truncate are exact in either width.
    fn fput(&mut self, r: Reg, w: Width, v: f64) {
        if w == Width::F {
            self.write_f32(r, v as f32)
        } else {
            self.write_f64(r, v)
        }
    }

    /// An FP operand at width F or D, as f64 (binary32 values convert exactly).
    fn fval(&self, r: Reg, w: Width) -> SimResult<f64> {
        if w == Width::F {
            Ok(self.read_f32(r)? as f64)
        } else {
            self.read_f64(r)
        }
    }


    fn step(&mut self, pc: usize, i: &Instr) -> SimResult<Next> {
        let def = i.def();
        let ops = &i.operands[..];
        let w = bits(def.width);
        let fw = def.width;
        let setter = def.effects.contains(Effects::SETS_FLAGS);
        match def.op {
            Op::Move if fw == Width::D => {
                // `moved`: the whole specified state moves with the value.
                let s = self.fpr(Self::reg(&ops[0])).clone();
                let i = self.sim.phys(Self::reg(&ops[1]));
                self.regs.fpr[i] = Fpr { defined: s.defined.min(64), ..s };
            }
            Op::Move => {
                let d = Self::reg(&ops[1]);
                match &ops[0] {
                    // A register copy carries an unknown value along instead of failing.
                    Value::Reg(s) => {
                        let g = self.regs.gpr[self.sim.phys(*s)].clone();
                        let di = self.sim.phys(d);
                        self.regs.gpr[di] = g;
                    }
                    other => {
                        let v = self.val(other, 64)?;
                        self.write_gpr(d, v);
                    }
                }
            }
            Op::MoveArgs => {
                // Every source is read (a register copy carries an unknown
                // value along, as `move` does), then a0..ak are written
                // through the target's map.
                let mut vals = Vec::with_capacity(ops.len());
                for o in ops {
                    vals.push(match o {
                        Value::Reg(s) => self.regs.gpr[self.sim.phys(*s)].clone(),
                        other => Gpr { value: self.val(other, 64)?, unknown: None },
                    });
                }
                for (n, g) in vals.into_iter().enumerate() {
                    let i = self.sim.phys(Reg::arg(n));
                    self.regs.gpr[i] = g;
                }
            }
            Op::MoveZero => self.write_fpr(Self::reg(&ops[0]), 0, 64, None),
            Op::SignExtend { from } => {
                let v = self.read_gpr(Self::reg(&ops[0]))?;
                self.write_gpr(Self::reg(&ops[1]), mask(sx(v, bits(from)) as u64, w));
            }
            Op::ZeroExtend { .. } => {
                let v = self.read_gpr(Self::reg(&ops[0]))?;
                self.write_gpr(Self::reg(&ops[1]), mask(v, 32));
            }
            Op::Lea => {
                let a = match &ops[0] {
                    Value::Addr(m) => self.ea(m)?,
                    Value::Label { name, local, offset } => self.label_address(name, *local, *offset)?,
                    _ => unreachable!("validated lea source"),
                };
                self.write_gpr(Self::reg(&ops[1]), mask(a, w));
            }
            Op::Peek => {
                let a = self.sp().wrapping_add((crate::back::imm(&ops[0]) as i64 as u64).wrapping_mul(8));
                let v = self.load(a, 64)? as u64;
                self.write_gpr(Self::reg(&ops[1]), v);
            }
            Op::Poke => {
                let v = self.val(&ops[0], 64)?;
                let a = self.sp().wrapping_add((crate::back::imm(&ops[1]) as i64 as u64).wrapping_mul(8));
                self.store(a, 64, v as u128)?;
            }
            Op::Push => {
                if self.x86() {
                    for o in ops {
                        let v = self.read_gpr(Self::reg(o))?;
                        self.push64(v)?;
                    }
                } else {
                    for pair in ops.chunks(2) {
                        let (a, b) = (self.read_gpr(Self::reg(&pair[0]))?, self.read_gpr(Self::reg(&pair[1]))?);
                        let sp = self.sp().wrapping_sub(16);
                        self.check_sp_aligned(sp)?;
                        self.set_sp(sp);
                        self.store(sp, 64, a as u128)?;
                        self.store(sp + 8, 64, b as u128)?;
                    }
                }
            }
            Op::Pop => {
                if self.x86() {
                    for o in ops {
                        let v = self.pop64()?;
                        self.write_gpr(Self::reg(o), v);
                    }
                } else {
                    for pair in ops.chunks(2) {
                        let sp = self.sp();
                        self.check_sp_aligned(sp)?;
                        let b = self.load(sp, 64)? as u64;
                        let a = self.load(sp + 8, 64)? as u64;
                        self.write_gpr(Self::reg(&pair[1]), b);
                        self.write_gpr(Self::reg(&pair[0]), a);
                        self.set_sp(sp.wrapping_add(16));
                    }
                }
            }
            Op::Load { signed, ext_to } => {
                let a = match &ops[0] {
                    Value::Addr(m) => self.ea(m)?,
                    Value::Label { name, local, offset } => self.label_address(name, *local, *offset)?,
                    _ => unreachable!("validated load source"),
                };
                let v = self.load(a, w)?;
                let d = Self::reg(&ops[1]);
                match fw {
                    Width::F => self.write_fpr(d, v, 32, None),
                    Width::D => self.write_fpr(d, v, 64, None),
                    Width::V => self.write_fpr(d, v, 128, None),
                    _ => {
                        let v = v as u64;
                        let v = if signed { mask(sx(v, w) as u64, bits(ext_to)) } else { v };
                        self.write_gpr(d, v);
                    }
                }
            }
            Op::Store => {
                let a = self.ea(crate::back::addr(&ops[1]))?;
                let v = match fw {
                    Width::F => self.read_fpr_bits(Self::reg(&ops[0]), 32)?,
                    Width::D => self.read_fpr_bits(Self::reg(&ops[0]), 64)?,
                    Width::V => self.read_fpr_bits(Self::reg(&ops[0]), 128)?,
                    _ => self.val(&ops[0], w)? as u128,
                };
                self.store(a, w, v)?;
            }
            Op::LoadPair => {
                let a = self.ea(crate::back::addr(&ops[0]))?;
                let n = w / 8;
                if fw != Width::I {
                    self.check_aligned(a, w, "a pair access")?;
                }
                let (lo, hi) = (self.load(a, w)?, self.load(a.wrapping_add(n as u64), w)?);
                let (d1, d2) = (Self::reg(&ops[1]), Self::reg(&ops[2]));
                if fw == Width::D {
                    self.write_fpr(d1, lo, 64, None);
                    self.write_fpr(d2, hi, 64, None);
                } else {
                    self.write_gpr(d1, lo as u64);
                    self.write_gpr(d2, hi as u64);
                }
            }
            Op::StorePair => {
                let a = self.ea(crate::back::addr(&ops[2]))?;
                let n = w / 8;
                if fw != Width::I {
                    self.check_aligned(a, w, "a pair access")?;
                }
                let (s1, s2) = (Self::reg(&ops[0]), Self::reg(&ops[1]));
                let (v1, v2) = if fw == Width::D {
                    (self.read_fpr_bits(s1, 64)?, self.read_fpr_bits(s2, 64)?)
                } else {
                    (mask(self.read_gpr(s1)?, w) as u128, mask(self.read_gpr(s2)?, w) as u128)
                };
                self.store(a, w, v1)?;
                self.store(a.wrapping_add(n as u64), w, v2)?;
            }
            Op::Add | Op::Sub | Op::Mul | Op::And | Op::Or | Op::Xor | Op::FDiv if fw.is_float() || def.op == Op::FDiv => {
                let (a, b, d) = if ops.len() == 2 {
                    (Self::reg(&ops[1]), Self::reg(&ops[0]), Self::reg(&ops[1]))
                } else {
                    (Self::reg(&ops[0]), Self::reg(&ops[1]), Self::reg(&ops[2]))
                };
                if matches!(def.op, Op::And | Op::Or) {
                    let n = bits(fw) as u8;
                    let (x, y) = (self.read_fpr_bits(a, n)?, self.read_fpr_bits(b, n)?);
                    let r = if def.op == Op::And { x & y } else { x | y };
                    self.write_fpr(d, r, n, None);
                } else {
                    let (x, y) = (self.fval(a, fw)?, self.fval(b, fw)?);
                    let r = match def.op {
                        Op::Add => x + y,
                        Op::Sub => x - y,
                        Op::Mul => x * y,
                        _ => x / y,
                    };
                    self.fput(d, fw, r);
                }
            }
            // (`FDiv` is always FP: handled above.)
            Op::Add | Op::Sub | Op::Mul | Op::And | Op::Or | Op::Xor | Op::FDiv => {
                let (x, y, d) = if ops.len() == 2 {
                    (self.val(&ops[1], w)?, self.val(&ops[0], w)?, &ops[1])
                } else {
                    (self.val(&ops[0], w)?, self.val(&ops[1], w)?, &ops[2])
                };
                // `orh` with a register destination: zx(lo_16(d) | s) (§4.2).
                let r = alu::int_op(def.op, x, y, w);
                if setter {
                    let aop = match def.op {
                        Op::Add => ArithOp::Add,
                        Op::Sub => ArithOp::Sub,
                        _ => ArithOp::Or,
                    };
                    let (_, overflow) = alu::arith(aop, x, y, w);
                    self.flags = Some((pc, Flags { overflow, negative: (r >> (w - 1)) & 1 == 1, zero: r == 0 }));
                }
                self.put(d, w, r)?;
            }
            Op::Neg if fw.is_float() => {
                let (s, d) = (Self::reg(&ops[0]), Self::reg(&ops[1]));
                self.sign_op(s, d, fw, |b, n| b ^ (1u128 << (n - 1)))?;
            }
            Op::Abs => {
                let (s, d) = (Self::reg(&ops[0]), Self::reg(&ops[1]));
                self.sign_op(s, d, fw, |b, n| b & !(1u128 << (n - 1)))?;
            }
            Op::Neg | Op::Not => {
                let x = self.val(&ops[0], w)?;
                let r = if def.op == Op::Neg { x.wrapping_neg() } else { !x };
                self.put(&ops[0], w, mask(r, w))?;
            }
            Op::LShift | Op::RShift | Op::URShift | Op::LRotate | Op::RRotate => {
                let (v, c, d) = if ops.len() == 2 {
                    (self.val(&ops[1], w)?, &ops[0], Self::reg(&ops[1]))
                } else {
                    (self.val(&ops[0], w)?, &ops[1], Self::reg(&ops[2]))
                };
                let n = (self.val(c, 64)? % w as u64) as u32;
                self.write_gpr(d, alu::shift(def.op, v, n, w));
            }
            Op::Lzcnt | Op::Tzcnt => {
                let v = mask(self.read_gpr(Self::reg(&ops[0]))?, w);
                let r = if def.op == Op::Lzcnt {
                    if w == 32 {
                        (v as u32).leading_zeros()
                    } else {
                        v.leading_zeros()
                    }
                } else if w == 32 {
                    (v as u32).trailing_zeros()
                } else {
                    v.trailing_zeros()
                };
                self.write_gpr(Self::reg(&ops[1]), r as u64);
            }
            Op::BitFieldInsert => {
                let s = self.read_gpr(Self::reg(&ops[0]))?;
                let (lsb, width) = (crate::back::imm(&ops[1]) as u32, crate::back::imm(&ops[2]) as u32);
                let d = Self::reg(&ops[3]);
                let old = self.read_gpr(d)?;
                let field = mask(u64::MAX, width) << lsb;
                self.write_gpr(d, (old & !field) | ((mask(s, width) << lsb) & field));
            }
            Op::Div { signed } => {
                let (divisor, dividend, d) = if ops.len() == 2 {
                    (Self::reg(&ops[0]), Self::reg(&ops[1]), Self::reg(&ops[1]))
                } else {
                    (Self::reg(&ops[0]), Self::reg(&ops[1]), Self::reg(&ops[2]))
                };
                let (y, x) = (mask(self.read_gpr(divisor)?, w), mask(self.read_gpr(dividend)?, w));
                let q = if y == 0 {
                    0
                } else if signed {
                    let (sxv, syv) = (sx(x, w), sx(y, w));
                    // MIN ÷ −1 = MIN (§4.6): the wrapping quotient.
                    mask(sxv.wrapping_div(syv) as u64, w)
                } else {
                    x / y
                };
                self.write_gpr(d, q);
            }
            Op::SignExtendR0IntoR1 => {
                let r0 = self.read_gpr(Reg::R0)?;
                let v = if w == 32 { mask((sx(r0, 32) >> 32) as u64, 32) } else { ((r0 as i64) >> 63) as u64 };
                self.write_gpr(Reg::R1, v);
            }
            Op::X86Div { signed } => self.x86_div(signed, w, Self::reg(&ops[0]))?,
            Op::MulWiden { signed } => {
                let (a, b) = (self.read_gpr(Self::reg(&ops[0]))?, self.read_gpr(Self::reg(&ops[1]))?);
                let r = if signed { (sx(a, 32) * sx(b, 32)) as u64 } else { mask(a, 32) * mask(b, 32) };
                self.write_gpr(Self::reg(&ops[2]), r);
            }
            Op::CompareSet(c) => {
                let (l, r) = (self.val(&ops[0], w)?, self.val(&ops[1], w)?);
                self.write_gpr(Self::reg(&ops[2]), alu::compare(c, l, r, w) as u64);
            }
            Op::CompareBranch(c) => {
                let (l, r) = (self.val(&ops[0], w)?, self.val(&ops[1], w)?);
                return self.branch_if(alu::compare(c, l, r, w), &ops[2]);
            }
            Op::TestSet(c) => {
                let mut t = self.val(&ops[0], w)?;
                if ops.len() == 3 {
                    t &= self.val(&ops[1], w)?;
                }
                self.write_gpr(Self::reg(&ops[ops.len() - 1]), alu::test(c, t, w) as u64);
            }
            Op::TestBranch(c) => {
                let mut t = self.val(&ops[0], w)?;
                if ops.len() == 3 {
                    t &= self.val(&ops[1], w)?;
                }
                return self.branch_if(alu::test(c, t, w), &ops[ops.len() - 1]);
            }
            Op::ArithBranch { op, cond } => {
                let (x, y, d, l) = if ops.len() == 3 {
                    (self.val(&ops[1], w)?, self.val(&ops[0], w)?, &ops[1], &ops[2])
                } else {
                    (self.val(&ops[0], w)?, self.val(&ops[1], w)?, &ops[2], &ops[3])
                };
                let (r, overflow) = alu::arith(op, x, y, w);
                self.put(d, w, r)?;
                let taken = match cond {
                    FlagCond::O => overflow,
                    FlagCond::S => (r >> (w - 1)) & 1 == 1,
                    FlagCond::Z => r == 0,
                    FlagCond::Nz => r != 0,
                };
                return self.branch_if(taken, l);
            }
            Op::FlagBranch(c) => {
                let f = match self.flags {
                    Some((at, f)) if at + 1 == pc => f,
                    _ => return Err(self.err("sim-undefined", "no flags recorded by the instruction before (§9.3)")),
                };
                let taken = match c {
                    FlagCond::O => f.overflow,
                    FlagCond::S => f.negative,
                    FlagCond::Z => f.zero,
                    FlagCond::Nz => !f.zero,
                };
                return self.branch_if(taken, &ops[0]);
            }
            Op::Sqrt | Op::Floor | Op::Ceil | Op::Round | Op::Truncate => {
                let (s, d) = (Self::reg(&ops[0]), Self::reg(&ops[1]));
                let x = self.fval(s, fw)?;
                let r = match def.op {
                    Op::Sqrt => x.sqrt(),
                    Op::Floor => x.floor(),
                    Op::Ceil => x.ceil(),
                    Op::Round => x.round_ties_even(),
                    _ => x.trunc(),
                };
                self.fput(d, fw, r);
            }
            Op::IntToFp { from, signed } => {
                let s = self.read_gpr(Self::reg(&ops[0]))?;
                let d = Self::reg(&ops[ops.len() - 1]);
                // Rust's integer → float casts round to nearest, ties to even.
                match (from, signed, fw) {
                    (Width::I, false, Width::D) => self.write_f64(d, mask(s, 32) as f64),
                    (Width::I, true, Width::D) => self.write_f64(d, sx(s, 32) as f64),
                    (Width::I, false, _) => self.write_f32(d, mask(s, 32) as f32),
                    (Width::I, true, _) => self.write_f32(d, sx(s, 32) as f32),
                    (_, false, Width::D) => self.write_f64(d, s as f64),
                    (_, true, Width::D) => self.write_f64(d, s as i64 as f64),
                    (_, false, _) => self.write_f32(d, s as f32),
                    (_, true, _) => self.write_f32(d, s as i64 as f32),
                }
                if ops.len() == 3 {
                    let t = Self::reg(&ops[1]);
                    self.poison_gpr(t, format!("the scratch operand of `{}` (unspecified afterwards, §11.1)", def.name));
                }
            }
            Op::FpToInt { from, signed } => {
                let x = self.fval(Self::reg(&ops[0]), from)?;
                let t = x.trunc();
                let (lo, hi) = match (w, signed) {
                    (32, false) => (0.0, 4294967295.0),
                    (32, true) => (-2147483648.0, 2147483647.0),
                    (_, false) => (0.0, 18446744073709551615.0),
                    (_, true) => (-9223372036854775808.0, 9223372036854775807.0),
                };
                // Bounds as f64: 2^64−1 and 2^63−1 round up to 2^64 and 2^63, so compare with `<`.
                let in_range = !t.is_nan() && t >= lo && if w == 64 { t < hi } else { t <= hi };
                if !in_range {
                    return Err(self
                        .err("sim-undefined", format!("`{}` of {x} (the value is not representable)", def.name))
                        .note("INSTRUCTIONS.md §11.2: the result is an unspecified value"));
                }
                let v = if signed { mask(t as i64 as u64, w) } else { t as u64 };
                self.write_gpr(Self::reg(&ops[1]), v);
            }
            Op::CheckedD2I { exact } => {
                let x = self.read_f64(Self::reg(&ops[0]))?;
                let d = Self::reg(&ops[1]);
                let t = x.trunc();
                let representable = !x.is_nan() && (-2147483648.0..=2147483647.0).contains(&t);
                let branch = if exact {
                    !representable || t != x || (x == 0.0 && x.is_sign_negative())
                } else {
                    !representable
                };
                if representable {
                    self.write_gpr(d, mask(t as i64 as u64, 32));
                } else {
                    self.poison_gpr(d, format!("the result of `{}` on {x}, which is not representable (§11.3)", def.name));
                }
                return self.branch_if(branch, &ops[2]);
            }
            Op::FpConvert { from } => {
                let (s, d) = (Self::reg(&ops[0]), Self::reg(&ops[1]));
                if from == Width::D {
                    let x = self.read_f64(s)?;
                    self.write_f32(d, x as f32);
                } else {
                    let x = self.read_f32(s)?;
                    self.write_f64(d, x as f64);
                }
            }
            Op::BitMove { from } => match from {
                Width::Q => {
                    let v = self.read_gpr(Self::reg(&ops[0]))?;
                    self.write_fpr(Self::reg(&ops[1]), v as u128, 64, None);
                }
                Width::I => {
                    let v = self.read_gpr(Self::reg(&ops[0]))?;
                    self.write_fpr(Self::reg(&ops[1]), mask(v, 32) as u128, 32, None);
                }
                _ => {
                    let n = bits(from) as u8;
                    let (s, d) = (Self::reg(&ops[0]), Self::reg(&ops[1]));
                    // A NaN of unknown payload becomes integer bits known only to be "a NaN".
                    if let Some(u @ Unknown::Nan { bits, .. }) = &self.fpr(s).unknown {
                        if *bits == n {
                            let (v, u) = (self.fpr(s).bits as u64, u.clone());
                            let i = self.sim.phys(d);
                            self.regs.gpr[i] = Gpr { value: mask(v, n as u32), unknown: Some(u) };
                            return Ok(Next::Continue);
                        }
                    }
                    let v = self.read_fpr_bits(s, n)?;
                    self.write_gpr(d, v as u64);
                }
            },
            Op::FpFromIntPair => {
                let (lo, hi) = (self.read_gpr(Self::reg(&ops[0]))?, self.read_gpr(Self::reg(&ops[1]))?);
                self.write_fpr(Self::reg(&ops[2]), ((mask(hi, 32) << 32) | mask(lo, 32)) as u128, 64, None);
            }
            Op::FpToIntPair => {
                let v = self.read_fpr_bits(Self::reg(&ops[0]), 64)? as u64;
                self.write_gpr(Self::reg(&ops[1]), mask(v, 32));
                self.write_gpr(Self::reg(&ops[2]), v >> 32);
            }
            Op::FCompareSet { cond, unordered } => {
                let (a, b) = (self.fval(Self::reg(&ops[0]), fw)?, self.fval(Self::reg(&ops[1]), fw)?);
                self.write_gpr(Self::reg(&ops[2]), alu::fcompare(cond, unordered, a, b) as u64);
            }
            Op::FBranch { cond, unordered } => {
                let (a, b) = (self.fval(Self::reg(&ops[0]), fw)?, self.fval(Self::reg(&ops[1]), fw)?);
                return self.branch_if(alu::fcompare(cond, unordered, a, b), &ops[2]);
            }
            Op::Jmp => {
                let t = self.target_of(&ops[0])?;
                return self.jump_to(t);
            }
            Op::Call => {
                let t = self.target_of(&ops[0])?;
                let ret = self.return_address(pc);
                if t >= EXTERNAL_BASE && t < EXTERNAL_BASE + 16 * self.env.functions.len() as u64 && t % 16 == 0 {
                    // Called from here: the alignment check sees sp as the callee would.
                    if self.x86() {
                        self.push64(ret)?;
                    }
                    self.run_external(((t - EXTERNAL_BASE) / 16) as usize)?;
                    // On ARM64 `lr` stays clobbered, as after any call of a C function.
                    if self.x86() {
                        self.pop64()?;
                    }
                    return Ok(Next::Continue);
                }
                if self.x86() {
                    self.push64(ret)?;
                } else {
                    self.regs.gpr[30] = Gpr { value: ret, unknown: None };
                }
                return self.jump_to(t);
            }
            Op::Ret => return self.do_ret(),
            Op::Break => return Err(self.err("sim-undefined", "`break` traps (§14)")),
            Op::Nop | Op::PtrAuth | Op::Fence => {}
            Op::AtomicRmw(aop) => {
                let m = crate::back::addr(&ops[1]);
                let a = self.ea(m)?;
                self.check_aligned(a, w, "an atomic access")?;
                let v = mask(self.read_gpr(Self::reg(&ops[0]))?, w);
                let old = self.load(a, w)? as u64;
                let new = match aop {
                    AtomicOp::Add => old.wrapping_add(v),
                    AtomicOp::Sub => old.wrapping_sub(v),
                    AtomicOp::Clear => old & !v,
                    AtomicOp::Or => old | v,
                    AtomicOp::Xor => old ^ v,
                    AtomicOp::Xchg => v,
                };
                self.store(a, w, mask(new, w) as u128)?;
                let r = if ops.len() == 3 { Self::reg(&ops[2]) } else { Self::reg(&ops[0]) };
                self.write_gpr(r, old);
            }
            Op::AtomicCas { branch } => {
                let (e, n) = (Self::reg(&ops[0]), Self::reg(&ops[1]));
                let a = self.ea(crate::back::addr(&ops[2]))?;
                self.check_aligned(a, w, "an atomic access")?;
                let (expected, new) = (mask(self.read_gpr(e)?, w), mask(self.read_gpr(n)?, w));
                let old = self.load(a, w)? as u64;
                let swapped = old == expected;
                if swapped {
                    self.store(a, w, new as u128)?;
                }
                self.write_gpr(e, old);
                if branch {
                    return self.branch_if(!swapped, &ops[3]);
                }
            }
            Op::AtomicLoad | Op::LoadLinkAcq => {
                let a = self.ea(crate::back::addr(&ops[0]))?;
                self.check_aligned(a, w, "an atomic access")?;
                let v = self.load(a, w)? as u64;
                if def.op == Op::LoadLinkAcq {
                    self.monitor = Some(a);
                }
                self.write_gpr(Self::reg(&ops[1]), v);
            }
            Op::StoreCondRel => {
                let (st, v) = (Self::reg(&ops[0]), Self::reg(&ops[1]));
                let a = self.ea(crate::back::addr(&ops[2]))?;
                self.check_aligned(a, w, "an exclusive access")?;
                let value = mask(self.read_gpr(v)?, w);
                let ok = self.monitor.take() == Some(a);
                if ok {
                    self.store(a, w, value as u128)?;
                }
                self.write_gpr(st, if ok { 0 } else { 1 });
            }
            Op::PcRelAddr | Op::GlobalAddr => {
                let Value::Label { name, local, offset } = &ops[0] else { unreachable!("validated label operand") };
                let a = self.label_address(name, *local, *offset)?;
                self.write_gpr(Self::reg(&ops[1]), a);
            }
            Op::TlsLoad | Op::TlsStore => {
                let (slot_op, load) = if def.op == Op::TlsLoad { (&ops[0], true) } else { (&ops[1], false) };
                let slot = self.val(slot_op, 64)? as usize;
                if slot >= self.tls.len() {
                    return Err(self.err("sim-unsupported", format!("TLS slot {slot} (the simulator has {})", self.tls.len())));
                }
                if load {
                    let v = self.tls[slot];
                    self.write_gpr(Self::reg(&ops[1]), v);
                } else {
                    self.tls[slot] = self.read_gpr(Self::reg(&ops[0]))?;
                }
            }
            Op::Emit => match parse_directive(&emit_text(ops)) {
                // Code alignment is padded with no-ops.
                Directive::Align(_) => {}
                Directive::Data(_) => return Err(self.err("sim-undefined", "executes data emitted into the code section")),
                Directive::Opaque(_) => {
                    return Err(self.err("sim-unsupported", "`emit` is target assembly text, which the simulator cannot run"))
                }
            },
            Op::Reserved => unreachable!("reserved mnemonics do not validate"),
        }
        Ok(Next::Continue)
    }

    /// `negf`/`negd`/`absf`/`absd`: a bit operation that keeps a NaN's payload.
    fn sign_op(&mut self, s: Reg, d: Reg, fw: Width, f: impl Fn(u128, u32) -> u128) -> SimResult<()> {
        let n = bits(fw);
        let src = self.fpr(s).clone();
        let keep_nan = matches!(src.unknown, Some(Unknown::Nan { bits, .. }) if bits as u32 == n);
        if keep_nan {
            // Still some NaN (the sign bit of an unspecified NaN is unspecified too).
            let masked = src.bits & ((1u128 << n) - 1);
            self.write_fpr(d, f(masked, n), n as u8, src.unknown);
            return Ok(());
        }
        let b = self.read_fpr_bits(s, n as u8)?;
        self.write_fpr(d, f(b, n), n as u8, None);
        Ok(())
    }

    fn check_sp_aligned(&self, sp: u64) -> SimResult<()> {
        if !sp.is_multiple_of(16) {
            return Err(self.err("sim-abi", format!("sp = {sp:#x} is not 16-byte aligned (an ARM64 stack access faults)")));
        }
        Ok(())
    }

    /// `idivi`/`udivi`/`idivq`/`udivq` (§4.7): r1:r0 ÷ s.
    fn x86_div(&mut self, signed: bool, w: u32, s: Reg) -> SimResult<()> {
        let (r0, r1, d) = (self.read_gpr(Reg::R0)?, self.read_gpr(Reg::R1)?, self.read_gpr(s)?);
        let d = mask(d, w);
        if d == 0 {
            return Err(self.err("sim-undefined", "division by zero (x86 division set, §4.7)"));
        }
        let (q, r, fits) = if w == 32 {
            let n = (mask(r1, 32) << 32) | mask(r0, 32);
            if signed {
                let (n, d) = (n as i64 as i128, sx(d, 32) as i128);
                let (q, r) = (n / d, n % d);
                (q as u64, r as u64, (i32::MIN as i128..=i32::MAX as i128).contains(&q))
            } else {
                let (q, r) = (n / d, n % d);
                (q, r, q <= u32::MAX as u64)
            }
        } else {
            let n = ((r1 as u128) << 64) | r0 as u128;
            if signed {
                let (n, d) = (n as i128, d as i64 as i128);
                // i128::MIN / −1 cannot fit 64 bits either; checked_div avoids the Rust overflow.
                match n.checked_div(d) {
                    Some(q) => (q as u64, (n % d) as u64, (i64::MIN as i128..=i64::MAX as i128).contains(&q)),
                    None => (0, 0, false),
                }
            } else {
                let (q, r) = (n / d as u128, n % d as u128);
                (q as u64, r as u64, q <= u64::MAX as u128)
            }
        };
        if !fits {
            return Err(self.err("sim-undefined", "the quotient does not fit the destination (x86 division set, §4.7)"));
        }
        self.write_gpr(Reg::R0, mask(q, w));
        self.write_gpr(Reg::R1, mask(r, w));
        Ok(())
    }
}
