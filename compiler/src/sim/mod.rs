//! The reference simulator: runs a validated program (the same
//! [`Program`](crate::valid::Program) the back ends lower) with the
//! semantics of INSTRUCTIONS.md, reading the one instruction table
//! (`crate::isa`) for what each instruction is.
//!
//! Registers are the target's physical registers, reached through its
//! register map, so logical aliases (`a0` = `t5` on Windows, `a0` = `t0` on
//! ARM64) behave as they do on that target. Memory is flat and byte
//! addressed: a stack, and whatever regions the caller maps (buffers, data
//! symbols). Calls and returns within the program work as on the target
//! (x86 pushes the return address; ARM64 writes `lr`); external functions
//! are Rust closures.
//!
//! Behaviour INSTRUCTIONS.md leaves undefined or unspecified is reported as
//! an error, never guessed: x86 division by zero or overflow, float → int
//! conversions out of range, misaligned atomics, and *reading* a value the
//! spec does not determine (the register left by a checked conversion that
//! branched, a NaN's payload, the upper bits of an FP register after a
//! scalar write, a caller-saved register after a call). ABI rules are
//! checked too: callee-saved registers and `sp` restored at return, the
//! stack 16-byte aligned at calls to external functions.

mod alu;
mod exec;
pub mod layout;
pub mod state;

use std::collections::HashMap;
use std::rc::Rc;

use crate::diag::{Diagnostic, Frame};
use crate::source::Span;
use crate::target::regs::{Reg, RegClass};
use crate::target::{Arch, RegMap, Target};
use crate::valid::{Item, Program};
use state::Memory;

/// Synthetic address of item `i` of the program: `CODE_BASE + 4·i`.
pub const CODE_BASE: u64 = 0x0000_4000_0000_0000;
/// Synthetic addresses of external functions: `EXTERNAL_BASE + 16·k`.
pub const EXTERNAL_BASE: u64 = 0x0000_4800_0000_0000;
/// The return address the simulated caller passes; returning to it ends the run.
pub const RETURN_ADDRESS: u64 = 0x0000_4fff_ffff_fff0;
/// The stack region `[STACK_BASE, STACK_BASE + STACK_SIZE)`.
pub const STACK_BASE: u64 = 0x0000_7ff0_0000_0000;
pub const STACK_SIZE: usize = 256 << 10;
/// Default instruction budget of one call.
pub const DEFAULT_MAX_STEPS: u64 = 100_000_000;

/// An external function: receives the integer argument registers.
pub type NativeFn = Box<dyn Fn(&[u64]) -> u64>;

/// What the simulated program can reach besides itself.
pub struct Env {
    pub memory: Memory,
    /// Data symbols (spelled as in the source, `_name`) → address.
    pub data: HashMap<String, u64>,
    /// External functions (spelled `_name`), at `EXTERNAL_BASE + 16·index`.
    pub functions: Vec<(String, NativeFn)>,
    pub max_steps: u64,
}

impl Default for Env {
    fn default() -> Env {
        Env::new()
    }
}

impl Env {
    /// An environment with only the stack mapped.
    pub fn new() -> Env {
        let mut memory = Memory::default();
        memory.add("stack", STACK_BASE, vec![0xa5; STACK_SIZE]);
        Env { memory, data: HashMap::new(), functions: Vec::new(), max_steps: DEFAULT_MAX_STEPS }
    }
    /// Maps `bytes` at `base` as a data symbol `name` (spelled `_name`).
    pub fn add_data(&mut self, name: &str, base: u64, bytes: Vec<u8>) {
        self.memory.add(name, base, bytes);
        self.data.insert(name.to_string(), base);
    }
    pub fn add_function(&mut self, name: &str, f: impl Fn(&[u64]) -> u64 + 'static) {
        self.functions.push((name.to_string(), Box::new(f)));
    }
}

/// The result register after a successful call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Returned {
    /// `r0` (all 64 bits).
    pub r0: u64,
    /// `Some(32|64)` when `r0` holds the bits of a NaN of that width whose
    /// payload the spec leaves open: only "some NaN" is determined.
    pub nan: Option<u8>,
    pub steps: u64,
}

/// A run that stopped on something the spec does not define, or that the
/// simulator cannot do.
#[derive(Clone, Debug)]
pub struct SimError {
    /// `sim-undefined`, `sim-unspecified-value`, `sim-memory`, `sim-abi`,
    /// `sim-unsupported`, `sim-limit`, `sim-entry`.
    pub code: &'static str,
    pub message: String,
    /// The instruction (None: before the first instruction).
    pub span: Option<Span>,
    pub chain: Option<Rc<Frame>>,
    pub secondary: Vec<(Span, String)>,
    pub notes: Vec<String>,
}

impl SimError {
    fn new(code: &'static str, message: impl Into<String>) -> SimError {
        SimError { code, message: message.into(), span: None, chain: None, secondary: Vec::new(), notes: Vec::new() }
    }
    fn note(mut self, n: impl Into<String>) -> SimError {
        self.notes.push(n.into());
        self
    }
    /// As a diagnostic at the instruction (or at `fallback` when there is none).
    pub fn to_diagnostic(&self, fallback: Span) -> Diagnostic {
        let mut d = Diagnostic::error(self.code, self.span.unwrap_or(fallback), self.message.clone())
            .with_chain(self.chain.clone());
        if self.span.is_some() {
            d = d.with_label("executing this instruction");
        }
        for (s, t) in &self.secondary {
            d = d.with_secondary(*s, t.clone());
        }
        for n in &self.notes {
            d = d.with_note(n.clone());
        }
        d
    }
}

type SimResult<T> = Result<T, SimError>;

/// A program prepared for simulation on one target.
pub struct Simulator<'p> {
    prog: &'p Program,
    arch: Arch,
    map: RegMap,
    /// (name, local) → item index of the label.
    labels: HashMap<(Rc<str>, bool), usize>,
    image: layout::Image,
}

impl<'p> Simulator<'p> {
    pub fn new(prog: &'p Program, target: &Target) -> Simulator<'p> {
        let mut labels = HashMap::new();
        for (i, item) in prog.items.iter().enumerate() {
            if let Item::Label { name, local, .. } = item {
                labels.entry((name.clone(), *local)).or_insert(i);
            }
        }
        Simulator { prog, arch: target.arch, map: target.regmap(), labels, image: layout::Image::new(prog) }
    }

    /// The global labels a caller can name, in program order (spelled `_x`).
    pub fn entry_points(&self) -> Vec<&str> {
        self.prog
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Label { name, local: false, .. } => Some(&**name),
                _ => None,
            })
            .collect()
    }

    /// Calls the C-ABI function at global label `entry` (as spelled in the
    /// source, `_x`; or its C name `x`) with the integer arguments `args` and
    /// returns `r0`.
    pub fn call(&self, env: &mut Env, entry: &str, args: &[u64]) -> SimResult<Returned> {
        let exact = self.labels.get(&(Rc::from(entry), false));
        let spelled = if exact.is_some() { entry.to_string() } else { format!("_{entry}") };
        let Some(&start) = self.labels.get(&(Rc::from(spelled.as_str()), false)) else {
            let known = self.entry_points();
            let mut e = SimError::new("sim-entry", format!("no global label `{spelled}` in the program"));
            if !known.is_empty() {
                let shown: Vec<&str> = known.iter().take(12).copied().collect();
                e = e.note(format!(
                    "global labels: {}{}",
                    shown.join(", "),
                    if known.len() > 12 { ", …" } else { "" }
                ));
            }
            return Err(e);
        };
        let argregs = self.argument_registers();
        if args.len() > argregs.len() {
            return Err(SimError::new(
                "sim-entry",
                format!("{} arguments given; the target passes {} in registers", args.len(), argregs.len()),
            ));
        }
        // Data emitted into the code section: read-only memory.
        for (k, (base, bytes)) in self.image.data.iter().enumerate() {
            let name = format!("code-section data #{k}");
            if env.memory.region(&name).is_none() {
                env.memory.add_region(name, *base, bytes.clone(), false);
            }
        }
        let mut m = exec::Machine::new(self, env);
        for (&r, &v) in argregs.iter().zip(args) {
            m.regs.gpr[r].value = v;
        }
        m.run(start)
    }

    /// Hardware numbers of the integer argument registers of the C ABI.
    fn argument_registers(&self) -> &'static [usize] {
        match self.map {
            RegMap::SysV => &[7, 6, 2, 1, 8, 9],
            RegMap::Win64 => &[1, 2, 8, 9],
            RegMap::Arm64 => &[0, 1, 2, 3, 4, 5, 6, 7],
        }
    }

    /// Hardware number of a logical register on this target (validated: available).
    fn phys(&self, r: Reg) -> usize {
        self.map.phys(r).expect("validated: the register is available on the target").index as usize
    }

    /// The physical registers the ABI preserves: (class, hardware number, logical name).
    fn callee_saved(&self) -> Vec<(RegClass, usize, &'static str)> {
        let mut out: Vec<(RegClass, usize, &'static str)> = Vec::new();
        for r in Reg::all() {
            if r == Reg::SP || !self.map.is_callee_saved(r) {
                continue;
            }
            let p = self.map.phys(r).unwrap();
            if !out.iter().any(|&(c, i, _)| c == p.class && i == p.index as usize) {
                out.push((p.class, p.index as usize, r.name()));
            }
        }
        out
    }
}

/// The test buffer of the differential harness and `offasm sim --buffer`:
/// `TEST_BUFFER_SIZE` bytes with byte i = (73·i + 41) mod 256, at
/// `TEST_BUFFER_BASE`; functions receive a pointer to its middle in a0.
pub const TEST_BUFFER_SIZE: usize = 256;
pub const TEST_BUFFER_BASE: u64 = 0x0000_6100_0000_0000;

pub fn test_buffer() -> Vec<u8> {
    (0..TEST_BUFFER_SIZE).map(|i| (i * 73 + 41) as u8).collect()
}

/// FNV-1a, 64-bit: how a buffer's final contents enter a test's result.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3))
}

impl Env {
    /// Maps the test buffer; returns the pointer to pass in a0 (its middle).
    pub fn add_test_buffer(&mut self) -> u64 {
        self.memory.add("buffer", TEST_BUFFER_BASE, test_buffer());
        TEST_BUFFER_BASE + TEST_BUFFER_SIZE as u64 / 2
    }
    /// The test buffer's current contents.
    pub fn test_buffer_contents(&self) -> Option<&[u8]> {
        self.memory.region("buffer").map(|r| &r.bytes[..])
    }
}

/// Parses an integer argument: decimal (optionally negative) or `0x` hex.
pub fn parse_int_arg(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (neg, body) = match t.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, t),
    };
    let v = if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        u64::from_str_radix(&h.replace('_', ""), 16).map_err(|e| format!("integer argument `{s}`: {e}"))?
    } else {
        body.replace('_', "").parse::<u64>().map_err(|e| format!("integer argument `{s}`: {e}"))?
    };
    if neg {
        if v > 1u64 << 63 {
            return Err(format!("integer argument `{s}` is below the 64-bit range"));
        }
        Ok(v.wrapping_neg())
    } else {
        Ok(v)
    }
}
