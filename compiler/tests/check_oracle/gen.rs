//! Random C-ABI functions for the checker oracle (tests/check_oracle.rs).
//!
//! A program is a small tree of [`Op`]s (the IR), rendered to the dialect
//! by [`Program::text`] and evaluated by [`Program::intent`]. The generator
//! exercises exactly what the checker (compiler/src/check) is about: C calls
//! to host functions (`_co_f1` … `_co_f4`, the simulator's external
//! functions, see [`host`]) with arguments set up in random orders through
//! staging temporaries, pushes and pops of register pairs, `subp`/`addp` of
//! `sp`, spills to stack slots, callee-saved registers used with and without
//! saving them, values kept across calls, x86 division (guarded by
//! `if X86_64 or X86_64_WIN`, with an ARM64 `divqs` twin), registers that
//! exist on one register map only (guarded), and simple forward branches.
//! The frame comes from the prelude's functionPrologue/functionEpilogue
//! (and pushCalleeSaves/popCalleeSaves).
//!
//! ## What the program is meant to compute: the intent
//!
//! The generator thinks in *logical locations*: two register names are one
//! location when they are the same physical register on every register map
//! where both exist (`t1`/`a1`/`wa1`, `t0`/`r0`, `t4`/`a4`, …), and
//! different locations otherwise (`t0`/`a0`, `t5`/`a0`, `r1`/`t1`, `ws1`/`t5`
//! …): that is the mental model of a programmer who has not looked at the
//! per-target tables (TARGETS.md §7). [`Program::intent`] runs the IR on
//! that model, once per register map (guards resolved for the map; the
//! stack laid out as on the map, so pushes and the prologue are exact), with
//! C calls following the ABI only in the large: every caller-saved location
//! becomes *unspecified* and `r0` receives the host function's result.
//! It ignores stack alignment, callee-saved restoration and the Windows
//! shadow space: the intent is "the callee leaves my stack alone".
//!
//! The result is [`Intent::Value`] (what every target should return),
//! [`Intent::Unspecified`] (the program reads a value a call destroyed: it is
//! wrong everywhere) or [`Intent::Invalid`] (not a meaningful test: it would
//! use an entry value that differs between targets, divide by zero, pass an
//! unspecified value to a C function — which the simulator cannot see — …;
//! such programs are regenerated, and rejected as minimisation candidates).
//!
//! ## Modes
//!
//! `careful` programs (30%) avoid every cross-target alias (a register is
//! free only if it is a different physical register from every live value's
//! on every map) and make no mistakes: they must be right everywhere (the
//! harness treats a wrong one as a generator bug), and any checker finding
//! on them is a false positive. `careful+1 mistake` programs (25%) make one
//! kind of [`Mistake`] on purpose, so that each checker rule is exercised
//! on its own. `naive` programs (25%) avoid only logical-location conflicts,
//! so the hazards of TARGETS.md §7 arise as in real code. `naive+mistakes`
//! programs (20%) mix both. 15% of the programs make no call at all (leaf
//! functions, which may leave out the prologue).
//!
//! [`Program::diverges`] runs the IR a second time on a map's physical
//! registers and tells whether any value read differs from the intent's:
//! the harness uses it to tell real false positives from findings about
//! bugs whose effect never reaches the result.

use std::collections::HashMap;
use std::sync::OnceLock;

use offasm::target::{reg_by_name, Reg, RegClass, RegMap};

/// One arm of an `if`: its predicate per map and its ops.
type Branch<'a> = (Vec<(&'a str, RegMap)>, &'a Vec<Op>);

pub type R = &'static str;

/// SplitMix64: small, fast, reproducible.
#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64, stream: u64) -> Rng {
        let mut r = Rng(seed.wrapping_mul(0xd6e8_feb8_6659_fd93) ^ stream.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        r.next();
        r
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    pub fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }
    pub fn shuffle<T>(&mut self, xs: &mut [T]) {
        for i in (1..xs.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            xs.swap(i, j);
        }
    }
}

// ---------------------------------------------------------------------------
// Registers

fn reg(n: &str) -> Reg {
    reg_by_name(n).unwrap_or_else(|| panic!("register {n}"))
}

/// Whether `x` and `y` are the same physical register on `m` (both available).
pub fn same_on(m: RegMap, x: R, y: R) -> bool {
    match (m.phys(reg(x)), m.phys(reg(y))) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// Same physical register on at least one map: writing one may destroy the other.
pub fn alias_somewhere(x: R, y: R) -> bool {
    x == y || RegMap::ALL.iter().any(|&m| same_on(m, x, y))
}

/// The logical location of every GPR name: names that coexist on some map
/// and are the same register wherever they coexist share a location.
fn classes() -> &'static HashMap<&'static str, usize> {
    static C: OnceLock<HashMap<&'static str, usize>> = OnceLock::new();
    C.get_or_init(|| {
        let names: Vec<&'static str> =
            Reg::all().filter(|r| r.class() == RegClass::Gpr && RegMap::ALL.iter().any(|m| m.phys(*r).is_some())).map(|r| r.name()).collect();
        let coexist = |x: &str, y: &str| RegMap::ALL.iter().any(|m| m.phys(reg(x)).is_some() && m.phys(reg(y)).is_some());
        let differ = |x: &str, y: &str| {
            RegMap::ALL.iter().any(|m| matches!((m.phys(reg(x)), m.phys(reg(y))), (Some(a), Some(b)) if a != b))
        };
        let mut class: Vec<usize> = (0..names.len()).collect();
        for i in 0..names.len() {
            for j in 0..i {
                if coexist(names[i], names[j]) && !differ(names[i], names[j]) {
                    let (ci, cj) = (class[i], class[j]);
                    for c in class.iter_mut() {
                        if *c == ci {
                            *c = cj;
                        }
                    }
                }
            }
        }
        // A location must be one register on every map.
        for i in 0..names.len() {
            for j in 0..i {
                if class[i] == class[j] {
                    assert!(!differ(names[i], names[j]), "location of {} and {} is not one register", names[i], names[j]);
                }
            }
        }
        names.iter().zip(class).map(|(n, c)| (*n, c)).collect()
    })
}

pub fn loc(x: R) -> usize {
    *classes().get(x).unwrap_or_else(|| panic!("no location for {x}"))
}

/// The GPR names available on every map (sp, cfr, lr excluded).
pub const TEMPS: &[R] = &["t0", "t1", "t2", "t3", "t4", "t5", "a0", "a1", "a2", "a3", "r0", "r1", "wa0", "wa1", "wa2", "wa3"];
pub const CSRS: &[R] = &["csr0", "csr1", "csr2", "csr3", "csr4"];
/// Scratch registers that exist on one map only (used inside guards).
pub const SYSV_ONLY: &[R] = &["t6", "t7", "ws0", "ws1", "a4", "a5", "wa4", "wa5"];
pub const ARM_ONLY: &[R] =
    &["t6", "t7", "t8", "t9", "t10", "t11", "t12", "a4", "a5", "a6", "a7", "wa4", "wa5", "wa6", "wa7", "ws0", "ws1", "ws2", "ws3"];
/// Divisors: never r0 or r1 on an x86 map (`idivq s` — Gpr, not r0/r1).
const DIVISORS: &[R] = &["t3", "t4", "t5", "a0", "a3", "wa0", "wa3"];

// ---------------------------------------------------------------------------
// The IR

#[derive(Clone, Debug, PartialEq)]
pub enum Src {
    R(R),
    I(i64),
}

impl Src {
    fn text(&self) -> String {
        match self {
            Src::R(r) => r.to_string(),
            Src::I(k) => imm_text(*k),
        }
    }
}

fn imm_text(k: i64) -> String {
    if (-4096..4096).contains(&k) {
        k.to_string()
    } else if k < 0 {
        format!("-{:#x}", k.unsigned_abs())
    } else {
        format!("{k:#x}")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Alu {
    Add,
    Sub,
    Xor,
    Or,
    And,
    Mul,
    Shl,
    Rotl,
}

impl Alu {
    fn mnemonic(self) -> &'static str {
        match self {
            Alu::Add => "addq",
            Alu::Sub => "subq",
            Alu::Xor => "xorq",
            Alu::Or => "orq",
            Alu::And => "andq",
            Alu::Mul => "mulq",
            Alu::Shl => "lshiftq",
            Alu::Rotl => "lrotateq",
        }
    }
    fn apply(self, d: u64, s: u64) -> u64 {
        match self {
            Alu::Add => d.wrapping_add(s),
            Alu::Sub => d.wrapping_sub(s),
            Alu::Xor => d ^ s,
            Alu::Or => d | s,
            Alu::And => d & s,
            Alu::Mul => d.wrapping_mul(s),
            Alu::Shl => d << (s % 64),
            Alu::Rotl => d.rotate_left((s % 64) as u32),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cond {
    Eq,
    Neq,
    /// Unsigned below.
    B,
    /// Unsigned above or equal.
    Aeq,
}

impl Cond {
    fn mnemonic(self) -> &'static str {
        match self {
            Cond::Eq => "bqeq",
            Cond::Neq => "bqneq",
            Cond::B => "bqb",
            Cond::Aeq => "bqaeq",
        }
    }
    fn holds(self, a: u64, b: u64) -> bool {
        match self {
            Cond::Eq => a == b,
            Cond::Neq => a != b,
            Cond::B => a < b,
            Cond::Aeq => a >= b,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// The prelude's functionPrologue() / functionEpilogue().
    Prologue,
    Epilogue,
    PushCalleeSaves,
    PopCalleeSaves,
    Ret,
    Move(Src, R),
    Alu(Alu, Src, R),
    Push(R, R),
    Pop(R, R),
    SubSp(i64),
    AddSp(i64),
    /// `storep r, off[sp]`.
    Store(R, i64),
    /// `loadp off[sp], r`.
    Load(i64, R),
    /// `call _co_fN` (N = arity).
    Call(u8),
    /// x86: `cqoq`.
    Cqo,
    /// x86: `idivq d` / `udivq d`.
    XDiv { d: R, unsigned: bool },
    /// ARM64: `divqs d, t0` / `divq d, t0`.
    ADiv { d: R, unsigned: bool },
    /// Per-map code: `if X86_64 … elsif X86_64_WIN … elsif ARM64 … end`.
    Guard { sysv: Vec<Op>, win: Vec<Op>, arm: Vec<Op> },
    /// `bXX a, b, .skip` over `body` (the body runs when the condition is false).
    If { cond: Cond, a: R, b: Src, body: Vec<Op> },
}

impl Op {
    fn win_only(ops: Vec<Op>) -> Op {
        Op::Guard { sysv: vec![], win: ops, arm: vec![] }
    }
}

/// The host functions the programs call (`_co_f1` … `_co_f4`): the
/// simulator's external functions and the intent's model of them.
pub fn host(arity: u8, args: &[u64]) -> u64 {
    const P: [u64; 4] = [0x9e37_79b9_7f4a_7c15, 0xc2b2_ae3d_27d4_eb4f, 0x1656_67b1_9e37_79f9, 0x27d4_eb2f_1656_67c5];
    let mut h = 0x5851_f42d_4c95_7f2du64.wrapping_mul(arity as u64);
    for (i, &a) in args.iter().take(arity as usize).enumerate() {
        h = (h ^ a).wrapping_mul(P[i]).rotate_left(23);
    }
    h
}

pub const HOST_ARITIES: [u8; 4] = [1, 2, 3, 4];

pub fn host_name(arity: u8) -> String {
    format!("_co_f{arity}")
}

#[derive(Clone, Debug)]
pub struct Program {
    /// The C name (`co_<seed>_<index>`); the label is `_<name>`.
    pub name: String,
    pub ops: Vec<Op>,
    /// a0..a3.
    pub args: [u64; 4],
    /// How it was generated: `careful`, `careful+1 mistake`, `naive` or `naive+mistakes`.
    pub mode: &'static str,
    /// The one kind of mistake a `careful+1 mistake` program may make.
    pub only: Option<Mistake>,
}

// ---------------------------------------------------------------------------
// Rendering

impl Program {
    pub fn text(&self) -> String {
        self.render().0
    }

    /// The text, and every leaf op with its line (1-based) and the maps it
    /// is emitted for, in textual order (the bodies of forward branches
    /// included).
    pub fn render(&self) -> (String, Vec<Placed>) {
        let mut r = Renderer { s: String::new(), line: 1, labels: 0, name: &self.name, placed: Vec::new() };
        r.line("include prelude".to_string());
        r.line(String::new());
        r.line(format!("global _{n}", n = self.name));
        r.line(format!("_{n}:", n = self.name));
        r.ops(&self.ops, 1, &RegMap::ALL);
        (r.s, r.placed)
    }

    /// Number of ops, counting nested ones.
    pub fn size(&self) -> usize {
        fn count(ops: &[Op]) -> usize {
            ops.iter()
                .map(|o| match o {
                    Op::Guard { sysv, win, arm } => 1 + count(sysv) + count(win) + count(arm),
                    Op::If { body, .. } => 1 + count(body),
                    _ => 1,
                })
                .sum()
        }
        count(&self.ops)
    }
}

/// A leaf op of the rendered text.
#[derive(Clone, Debug)]
pub struct Placed {
    pub line: u32,
    pub maps: Vec<RegMap>,
    pub op: Op,
    /// The op's address in the program's tree (identifies it for [`Program::skipped_lines`]).
    ptr: usize,
}

struct Renderer<'a> {
    s: String,
    line: u32,
    labels: u32,
    name: &'a str,
    placed: Vec<Placed>,
}

impl Renderer<'_> {
    fn line(&mut self, l: String) {
        self.s.push_str(&l);
        self.s.push('\n');
        self.line += 1;
    }

    fn leaf(&mut self, ind: &str, text: String, op: &Op, maps: &[RegMap]) {
        self.placed.push(Placed { line: self.line, maps: maps.to_vec(), op: op.clone(), ptr: op as *const Op as usize });
        self.line(format!("{ind}{text}"));
    }

    fn ops(&mut self, ops: &[Op], depth: usize, maps: &[RegMap]) {
        let ind = "    ".repeat(depth);
        for op in ops {
            let text = match op {
                Op::Prologue => "functionPrologue()".to_string(),
                Op::Epilogue => "functionEpilogue()".to_string(),
                Op::PushCalleeSaves => "pushCalleeSaves()".to_string(),
                Op::PopCalleeSaves => "popCalleeSaves()".to_string(),
                Op::Ret => "ret".to_string(),
                Op::Move(src, d) => format!("move {}, {d}", src.text()),
                Op::Alu(a, src, d) => format!("{} {}, {d}", a.mnemonic(), src.text()),
                Op::Push(a, b) => format!("push {a}, {b}"),
                Op::Pop(a, b) => format!("pop {a}, {b}"),
                Op::SubSp(n) => format!("subp {n}, sp"),
                Op::AddSp(n) => format!("addp {n}, sp"),
                Op::Store(r, off) => format!("storep {r}, {off}[sp]"),
                Op::Load(off, r) => format!("loadp {off}[sp], {r}"),
                Op::Call(k) => format!("call {}", host_name(*k)),
                Op::Cqo => "cqoq".to_string(),
                Op::XDiv { d, unsigned } => format!("{} {d}", if *unsigned { "udivq" } else { "idivq" }),
                Op::ADiv { d, unsigned } => format!("{} {d}, t0", if *unsigned { "divq" } else { "divqs" }),
                Op::Guard { sysv, win, arm } => {
                    if sysv == win && win == arm {
                        self.ops(sysv, depth, maps);
                        continue;
                    }
                    // Identical bodies share a branch; empty ones are left out.
                    let mut branches: Vec<Branch> = Vec::new();
                    for (setting, map, body) in
                        [("X86_64", RegMap::SysV, sysv), ("X86_64_WIN", RegMap::Win64, win), ("ARM64", RegMap::Arm64, arm)]
                    {
                        match branches.iter_mut().find(|(_, b)| *b == body) {
                            Some((names, _)) => names.push((setting, map)),
                            None => branches.push((vec![(setting, map)], body)),
                        }
                    }
                    branches.retain(|(_, b)| !b.is_empty());
                    for (k, (names, body)) in branches.iter().enumerate() {
                        let kw = if k == 0 { "if" } else { "elsif" };
                        let cond: Vec<&str> = names.iter().map(|(s, _)| *s).collect();
                        self.line(format!("{ind}{kw} {}", cond.join(" or ")));
                        let inner: Vec<RegMap> = names.iter().map(|(_, m)| *m).filter(|m| maps.contains(m)).collect();
                        self.ops(body, depth + 1, &inner);
                    }
                    if !branches.is_empty() {
                        self.line(format!("{ind}end"));
                    }
                    continue;
                }
                Op::If { cond, a, b, body } => {
                    self.labels += 1;
                    let l = format!(".{}_skip{}", self.name, self.labels);
                    self.leaf(&ind, format!("{} {a}, {}, {l}", cond.mnemonic(), b.text()), op, maps);
                    self.ops(body, depth + 1, maps);
                    self.line(format!("{l}:"));
                    continue;
                }
            };
            self.leaf(&ind, text, op, maps);
        }
    }
}

// ---------------------------------------------------------------------------
// The intent

#[derive(Clone, Debug, PartialEq)]
pub enum Intent {
    Value(u64),
    Unspecified(String),
    Invalid(String),
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum V {
    K(u64),
    /// Destroyed by a call (the spec leaves it unspecified).
    Undef,
    /// Some value that differs between targets (an entry value, a return address, `sp`).
    Garbage,
}

enum Stop {
    Done(u64),
    Unspecified(String),
    Invalid(String),
}

struct Eval {
    map: RegMap,
    /// Locations are the map's physical registers (what the hardware and
    /// the simulator do) instead of the intent's logical locations.
    physical: bool,
    regs: HashMap<usize, V>,
    mem: HashMap<i64, V>,
    sp: i64,
    /// Every value read (computations, stores, pushes, call arguments,
    /// branch operands, the result), in order.
    trace: Vec<V>,
    /// The host functions called: (arity, arguments).
    calls: Vec<(u8, Vec<u64>)>,
    /// The ops run (their addresses in the program's tree).
    executed: std::collections::HashSet<usize>,
}

impl Eval {
    fn l(&self, r: R) -> usize {
        if self.physical {
            match self.map.phys(reg(r)) {
                Some(p) => p.index as usize,
                None => panic!("`{r}` does not exist on {:?}", self.map),
            }
        } else {
            loc(r)
        }
    }
    fn get(&self, r: R) -> V {
        self.regs.get(&self.l(r)).copied().unwrap_or(V::Garbage)
    }
    fn set(&mut self, r: R, v: V) {
        let l = self.l(r);
        self.regs.insert(l, v);
    }
    /// The value of `r` used in a computation.
    fn use_(&mut self, r: R) -> Result<u64, Stop> {
        let v = self.get(r);
        self.trace.push(v);
        match v {
            V::K(v) => Ok(v),
            V::Undef => Err(Stop::Unspecified(format!("reads `{r}`, destroyed by a call"))),
            V::Garbage => Err(Stop::Invalid(format!("reads `{r}`, which holds no value computed from the arguments"))),
        }
    }
    fn src(&mut self, s: &Src) -> Result<u64, Stop> {
        match s {
            Src::R(r) => self.use_(r),
            Src::I(k) => Ok(*k as u64),
        }
    }
    /// A register written to memory (`push`, `storep`): the simulator reads it.
    fn stored(&mut self, r: R) -> Result<V, Stop> {
        let v = self.get(r);
        self.trace.push(v);
        match v {
            V::Undef => Err(Stop::Unspecified(format!("stores `{r}`, destroyed by a call"))),
            v => Ok(v),
        }
    }
    fn x86(&self) -> bool {
        self.map != RegMap::Arm64
    }
    fn push(&mut self, regs: &[R]) -> Result<(), Stop> {
        if self.x86() {
            for r in regs {
                let v = self.stored(r)?;
                self.sp -= 8;
                self.mem.insert(self.sp, v);
            }
        } else {
            for p in regs.chunks(2) {
                let (a, b) = (self.stored(p[0])?, self.stored(p[1])?);
                self.sp -= 16;
                self.mem.insert(self.sp, a);
                self.mem.insert(self.sp + 8, b);
            }
        }
        Ok(())
    }
    fn mem_at(&self, a: i64) -> V {
        self.mem.get(&a).copied().unwrap_or(V::Garbage)
    }
    fn pop(&mut self, regs: &[R]) {
        if self.x86() {
            for r in regs {
                let v = self.mem_at(self.sp);
                self.trace.push(v);
                self.set(r, v);
                self.sp += 8;
            }
        } else {
            for p in regs.chunks(2) {
                let (lo, hi) = (self.mem_at(self.sp), self.mem_at(self.sp + 8));
                self.trace.extend([lo, hi]);
                self.set(p[1], lo);
                self.set(p[0], hi);
                self.sp += 16;
            }
        }
    }

    fn run(&mut self, ops: &[Op]) -> Result<(), Stop> {
        for op in ops {
            self.executed.insert(op as *const Op as usize);
            match op {
                Op::Prologue => {
                    if self.x86() {
                        self.push(&["cfr"])?;
                    } else {
                        self.push(&["cfr", "lr"])?;
                    }
                    self.set("cfr", V::Garbage);
                }
                Op::Epilogue => {
                    if self.x86() {
                        self.pop(&["cfr"]);
                    } else {
                        self.pop(&["lr", "cfr"]);
                    }
                }
                Op::PushCalleeSaves => self.push(&["csr0", "csr1", "csr2", "csr3"])?,
                Op::PopCalleeSaves => {
                    if self.x86() {
                        self.pop(&["csr3", "csr2", "csr1", "csr0"]);
                    } else {
                        self.pop(&["csr3", "csr2"]);
                        self.pop(&["csr1", "csr0"]);
                    }
                }
                Op::Ret => {
                    let r0 = self.get("r0");
                    self.trace.push(r0);
                    return Err(match r0 {
                        V::K(v) => Stop::Done(v),
                        V::Undef => Stop::Unspecified("returns `r0` destroyed by a call".into()),
                        V::Garbage => Stop::Invalid("returns a value not computed from the arguments".into()),
                    })
                }
                Op::Move(Src::R(s), d) => {
                    let v = self.get(s);
                    self.trace.push(v);
                    self.set(d, v);
                }
                Op::Move(Src::I(k), d) => self.set(d, V::K(*k as u64)),
                Op::Alu(a, s, d) => {
                    let x = self.src(s)?;
                    let y = self.use_(d)?;
                    self.set(d, V::K(a.apply(y, x)));
                }
                Op::Push(a, b) => self.push(&[a, b])?,
                Op::Pop(a, b) => self.pop(&[a, b]),
                Op::SubSp(n) => self.sp -= n,
                Op::AddSp(n) => self.sp += n,
                Op::Store(r, off) => {
                    let v = self.stored(r)?;
                    self.mem.insert(self.sp + off, v);
                }
                Op::Load(off, r) => {
                    let v = self.mem_at(self.sp + off);
                    self.trace.push(v);
                    self.set(r, v);
                }
                Op::Call(k) => {
                    let mut args = Vec::new();
                    for i in 0..*k {
                        let a = ["a0", "a1", "a2", "a3"][i as usize];
                        let v = self.get(a);
                        self.trace.push(v);
                        match v {
                            V::K(v) => args.push(v),
                            // The simulator passes whatever bits are there; the
                            // intent must not depend on them.
                            _ if self.physical => {}
                            _ => return Err(Stop::Invalid(format!("passes `{a}` without a defined value"))),
                        }
                    }
                    let result = if args.len() == *k as usize { V::K(host(*k, &args)) } else { V::Garbage };
                    self.calls.push((*k, args));
                    let map = self.map;
                    for name in classes().keys() {
                        let r = reg(name);
                        if map.phys(r).is_some() && !map.is_callee_saved(r) && *name != "sp" {
                            let l = self.l(name);
                            self.regs.insert(l, V::Undef);
                        }
                    }
                    if self.physical && map == RegMap::Win64 {
                        // The callee owns the shadow space above its return address.
                        for k in 0..4 {
                            self.mem.insert(self.sp + 8 * k, V::Garbage);
                        }
                    }
                    self.set("r0", result);
                }
                Op::Cqo => {
                    let v = self.use_("r0")?;
                    self.set("r1", V::K(((v as i64) >> 63) as u64));
                }
                Op::XDiv { d, unsigned } => {
                    let lo = self.use_("r0")?;
                    let hi = self.use_("r1")?;
                    let dv = self.use_(d)?;
                    if dv == 0 {
                        return Err(Stop::Invalid("x86 division by zero".into()));
                    }
                    let n = ((hi as u128) << 64) | lo as u128;
                    let (q, rem) = if *unsigned {
                        let q = n / dv as u128;
                        if q > u64::MAX as u128 {
                            return Err(Stop::Invalid("x86 division overflow".into()));
                        }
                        (q as u64, (n % dv as u128) as u64)
                    } else {
                        let (n, dv) = (n as i128, dv as i64 as i128);
                        let q = n / dv;
                        if q < i64::MIN as i128 || q > i64::MAX as i128 {
                            return Err(Stop::Invalid("x86 division overflow".into()));
                        }
                        (q as i64 as u64, (n % dv) as i64 as u64)
                    };
                    self.set("r0", V::K(q));
                    self.set("r1", V::K(rem));
                }
                Op::ADiv { d, unsigned } => {
                    let dv = self.use_(d)?;
                    let n = self.use_("t0")?;
                    let q = if dv == 0 {
                        0
                    } else if *unsigned {
                        n / dv
                    } else {
                        (n as i64).wrapping_div(dv as i64) as u64
                    };
                    self.set("t0", V::K(q));
                }
                Op::Guard { sysv, win, arm } => {
                    let body = match self.map {
                        RegMap::SysV => sysv,
                        RegMap::Win64 => win,
                        RegMap::Arm64 => arm,
                    };
                    let r = self.run(body);
                    // Identical branches are rendered once (from the first):
                    // what ran here ran there.
                    for other in [sysv, win, arm] {
                        if other == body {
                            mirror(&mut self.executed, body, other);
                        }
                    }
                    r?;
                }
                Op::If { cond, a, b, body } => {
                    let x = self.use_(a)?;
                    let y = self.src(b)?;
                    if !cond.holds(x, y) {
                        self.run(body)?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// Marks the ops of `b` whose twins in the identical `a` ran.
fn mirror(executed: &mut std::collections::HashSet<usize>, a: &[Op], b: &[Op]) {
    for (x, y) in a.iter().zip(b) {
        if executed.contains(&(x as *const Op as usize)) {
            executed.insert(y as *const Op as usize);
        }
        match (x, y) {
            (Op::Guard { sysv, win, arm }, Op::Guard { sysv: s2, win: w2, arm: a2 }) => {
                mirror(executed, sysv, s2);
                mirror(executed, win, w2);
                mirror(executed, arm, a2);
            }
            (Op::If { body, .. }, Op::If { body: b2, .. }) => mirror(executed, body, b2),
            _ => {}
        }
    }
}

impl Program {
    fn eval(&self, map: RegMap, physical: bool) -> (Intent, Eval) {
        let mut e = Eval { map, physical, regs: HashMap::new(), mem: HashMap::new(), sp: 0, trace: Vec::new(), calls: Vec::new(), executed: Default::default() };
        for (i, a) in ["a0", "a1", "a2", "a3"].iter().enumerate() {
            e.set(a, V::K(self.args[i]));
        }
        if e.x86() {
            e.mem.insert(0, V::Garbage); // the return address
        }
        let i = match e.run(&self.ops) {
            Ok(()) => Intent::Invalid("runs past the end".into()),
            Err(Stop::Done(v)) => Intent::Value(v),
            Err(Stop::Unspecified(m)) => Intent::Unspecified(m),
            Err(Stop::Invalid(m)) => Intent::Invalid(m),
        };
        (i, e)
    }

    /// What the program means on register map `map` (see the module docs).
    pub fn intent(&self, map: RegMap) -> Intent {
        self.eval(map, false).0
    }

    /// The lines of the ops emitted for `map` that its run does not reach
    /// (the bodies of branches taken, what follows the first unspecified read).
    pub fn skipped_lines(&self, map: RegMap) -> Vec<u32> {
        let (_, e) = self.eval(map, false);
        self.render().1.into_iter().filter(|p| p.maps.contains(&map) && !e.executed.contains(&p.ptr)).map(|p| p.line).collect()
    }

    /// The host functions the intent calls on `map`: (arity, arguments).
    pub fn intent_calls(&self, map: RegMap) -> Vec<(u8, Vec<u64>)> {
        self.eval(map, false).1.calls
    }

    /// Whether some value read on `map` (by any instruction: computations,
    /// copies, loads, pops, pushes, stores, call arguments, branches)
    /// differs from the intent's: the program run on the map's physical
    /// registers (aliases shared, calls destroying every caller-saved
    /// register, the Windows callee writing its shadow space) reads
    /// something else than the intent at some point, even if that never
    /// reaches the result.
    pub fn diverges(&self, map: RegMap) -> bool {
        let (i, e) = self.eval(map, false);
        let (pi, pe) = self.eval(map, true);
        i != pi || e.trace != pe.trace
    }

    /// The intent on every map, if the program is a meaningful test: not
    /// invalid anywhere, and the same everywhere (the program is portable
    /// in the generator's model).
    pub fn portable_intent(&self) -> Result<Intent, String> {
        let all: Vec<Intent> = RegMap::ALL.iter().map(|&m| self.intent(m)).collect();
        for (m, i) in RegMap::ALL.iter().zip(&all) {
            if let Intent::Invalid(why) = i {
                return Err(format!("{m:?}: {why}"));
            }
        }
        let values: Vec<Option<u64>> = all.iter().map(|i| if let Intent::Value(v) = i { Some(*v) } else { None }).collect();
        if values.windows(2).any(|w| w[0] != w[1]) {
            return Err(format!("the intent differs between maps: {all:?}"));
        }
        let calls: Vec<_> = RegMap::ALL.iter().map(|&m| self.intent_calls(m)).collect();
        if values[0].is_some() && calls.windows(2).any(|w| w[0] != w[1]) {
            return Err("the intent calls the host functions differently on different maps".into());
        }
        Ok(all.into_iter().next().unwrap())
    }
}

// ---------------------------------------------------------------------------
// The generator

/// The ABI mistakes the generator makes on purpose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mistake {
    /// A value kept in a caller-saved register across a call, read after it.
    KeptAcrossCall,
    /// A callee-saved register used without saving it.
    UnsavedCsr,
    /// A call on Windows without the 32 bytes of shadow space.
    NoShadowSpace,
    /// `sp` moved by 8 or 24 (misaligned at a call, or at any stack access on ARM64).
    SpBy8,
    /// No functionPrologue in a function that calls.
    NoPrologue,
    /// A frame not released before returning (or released by 8 bytes too few).
    Unbalanced,
    /// Callee-saved registers popped in the wrong order.
    SwappedPops,
    /// `r1` read after a call (a one-word C function leaves it unspecified).
    R1AfterCall,
    /// `csr5`/`csr6` (Windows only) used as a scratch register without saving it.
    WinCsrScratch,
}

pub const MISTAKES: [Mistake; 9] = [
    Mistake::KeptAcrossCall,
    Mistake::UnsavedCsr,
    Mistake::NoShadowSpace,
    Mistake::SpBy8,
    Mistake::NoPrologue,
    Mistake::Unbalanced,
    Mistake::SwappedPops,
    Mistake::R1AfterCall,
    Mistake::WinCsrScratch,
];

#[derive(Clone, Copy, Debug, PartialEq)]
enum Home {
    Reg(R),
    /// A slot of a `Reserve` frame, at `off` from the frame's base.
    Slot(usize, i64),
    /// In a pushed pair (frame index).
    Pushed(usize),
}

#[derive(Clone, Debug)]
struct Val {
    home: Option<Home>,
    /// Kept in a caller-saved register across a call (a mistake): only ever
    /// read by ALU instructions, so that the simulator sees the read.
    lost: bool,
}

/// Where a C argument comes from.
#[derive(Clone, Copy, Debug, PartialEq)]
enum ArgSrc {
    Reg(R),
    /// A stack slot at this offset from sp.
    Slot(i64),
    Imm(i64),
}

impl ArgSrc {
    fn op(&self, dst: R) -> Op {
        match self {
            ArgSrc::Reg(r) => Op::Move(Src::R(r), dst),
            ArgSrc::Slot(o) => Op::Load(*o, dst),
            ArgSrc::Imm(k) => Op::Move(Src::I(*k), dst),
        }
    }
}

#[derive(Clone, Debug)]
enum Frame {
    /// `push a, b` of values [a, b].
    Pair([usize; 2]),
    /// `subp size, sp`; slots in use (offset, value).
    Reserve { size: i64, slots: Vec<(i64, usize)> },
}

impl Frame {
    fn size(&self) -> i64 {
        match self {
            Frame::Pair(_) => 16,
            Frame::Reserve { size, .. } => *size,
        }
    }
}

struct Gen {
    r: Rng,
    careful: bool,
    /// Every mistake (at its base rate), one mistake (at three times its rate, at least 30%), or none.
    mistakes: bool,
    only: Option<Mistake>,
    /// No calls at all (a leaf function may leave out the prologue).
    leaf: bool,
    ops: Vec<Op>,
    vals: Vec<Val>,
    frames: Vec<Frame>,
    /// Callee-saved registers saved at the entry (usable as homes).
    saved: Vec<R>,
    /// How the callee-saved registers were saved: pushCalleeSaves or pairs.
    csr_pairs: Vec<(R, R)>,
    used_macro_saves: bool,
    prologue: bool,
}

/// Generates program `index` of `seed`: a meaningful test (its intent is
/// valid and the same on every map), and how many attempts were set aside
/// before it.
pub fn generate(seed: u64, index: u64) -> (Program, u64) {
    for attempt in 0..1000 {
        let p = generate_once(seed, index, attempt);
        if p.portable_intent().is_ok() {
            return (p, attempt);
        }
    }
    panic!("no meaningful program for seed {seed} index {index}");
}

pub fn generate_once(seed: u64, index: u64, attempt: u64) -> Program {
    let mut r = Rng::new(seed, index.wrapping_mul(1000).wrapping_add(attempt));
    let mode = r.below(100);
    let (careful, mistakes, only) = match mode {
        0..=29 => (true, false, None),
        30..=54 => (false, false, None),
        55..=79 => (true, false, Some(r.pick(&MISTAKES))),
        _ => (false, true, None),
    };
    let leaf = r.chance(15);
    let args = [r.next(), r.next() >> r.below(60), r.next(), r.below(1000)];
    let mut g = Gen {
        r,
        careful,
        mistakes,
        only,
        leaf,
        ops: Vec::new(),
        vals: Vec::new(),
        frames: Vec::new(),
        saved: Vec::new(),
        csr_pairs: Vec::new(),
        used_macro_saves: false,
        prologue: true,
    };
    for a in ["a0", "a1", "a2", "a3"] {
        g.vals.push(Val { home: Some(Home::Reg(a)), lost: false });
    }
    g.start();
    let n = 3 + g.r.below(10);
    for _ in 0..n {
        g.segment();
    }
    g.finish();
    Program {
        name: format!("co_{seed}_{index}"),
        ops: g.ops,
        args,
        only,
        mode: match (careful, mistakes, only) {
            (true, _, None) => "careful",
            (true, _, Some(_)) => "careful+1 mistake",
            (false, true, _) => "naive+mistakes",
            (false, false, _) => "naive",
        },
    }
}

impl Gen {
    fn mistake(&mut self, kind: Mistake, percent: u64) -> bool {
        if self.only == Some(kind) {
            self.r.chance((3 * percent).clamp(30, 100))
        } else {
            self.mistakes && self.r.chance(percent)
        }
    }

    fn emit(&mut self, op: Op) {
        self.ops.push(op);
    }

    /// Whether writing `x` may destroy the value in `y` (in this mode's view).
    fn conflicts(&self, x: R, y: R) -> bool {
        if self.careful {
            alias_somewhere(x, y)
        } else {
            loc(x) == loc(y)
        }
    }

    fn live(&self) -> impl Iterator<Item = (usize, &Val)> {
        self.vals.iter().enumerate().filter(|(_, v)| v.home.is_some())
    }

    /// Live values in registers.
    fn live_regs(&self) -> Vec<(usize, R)> {
        self.live().filter_map(|(i, v)| match v.home {
            Some(Home::Reg(r)) => Some((i, r)),
            _ => None,
        }).collect()
    }

    /// Live, readable-by-move values in registers.
    fn movable_regs(&self) -> Vec<(usize, R)> {
        self.live_regs().into_iter().filter(|(i, _)| !self.vals[*i].lost).collect()
    }

    /// Whether `x` can be written without destroying a live value (or one
    /// of `protect`).
    fn is_free(&self, x: R, protect: &[R]) -> bool {
        self.live_regs().iter().all(|&(_, y)| !self.conflicts(x, y)) && protect.iter().all(|&p| !self.conflicts(x, p))
    }

    /// A free register: a temporary, or a saved callee-saved register (or,
    /// as a mistake, an unsaved one).
    fn free_reg(&mut self, protect: &[R], allow_csr: bool) -> Option<R> {
        let mut pool: Vec<R> = TEMPS.to_vec();
        if allow_csr {
            pool.extend(self.saved.iter().copied());
            if self.mistake(Mistake::UnsavedCsr, 8) {
                pool.extend(CSRS.iter().copied().filter(|c| !self.saved.contains(c)));
            }
        }
        let free: Vec<R> = pool.into_iter().filter(|&x| self.is_free(x, protect)).collect();
        if free.is_empty() {
            None
        } else {
            Some(self.r.pick(&free))
        }
    }

    fn free_csr(&mut self, protect: &[R]) -> Option<R> {
        let free: Vec<R> = self.saved.clone().into_iter().filter(|&x| self.is_free(x, protect)).collect();
        if free.is_empty() {
            None
        } else {
            Some(self.r.pick(&free))
        }
    }

    fn new_val(&mut self, home: Home) -> usize {
        self.vals.push(Val { home: Some(home), lost: false });
        self.vals.len() - 1
    }

    fn imm(&mut self) -> i64 {
        match self.r.below(4) {
            0 => self.r.below(256) as i64,
            1 => (self.r.next() as i64) >> 33,
            2 => self.r.next() as i64,
            _ => -(self.r.below(1000) as i64) - 1,
        }
    }

    /// An immediate operand for `op` (a shift count for shifts and rotates).
    fn alu_imm(&mut self, op: Alu) -> i64 {
        match op {
            Alu::Shl | Alu::Rotl => self.r.below(64) as i64,
            _ => self.imm(),
        }
    }

    fn alu_op(&mut self) -> Alu {
        self.r.pick(&[Alu::Add, Alu::Sub, Alu::Xor, Alu::Or, Alu::Mul, Alu::Add, Alu::Xor, Alu::Rotl, Alu::Shl, Alu::And])
    }

    /// Offset from the current sp of frame `f`'s base.
    fn frame_base(&self, f: usize) -> i64 {
        self.frames[f + 1..].iter().map(|x| x.size()).sum()
    }

    // ---- the function's start and end ---------------------------------

    fn start(&mut self) {
        self.prologue = if self.leaf { self.r.chance(50) } else { !self.mistake(Mistake::NoPrologue, 20) };
        if self.prologue {
            self.emit(Op::Prologue);
        }
        match self.r.below(10) {
            0..=4 => {
                self.emit(Op::PushCalleeSaves);
                self.used_macro_saves = true;
                self.saved = vec!["csr0", "csr1", "csr2", "csr3"];
            }
            5..=7 => {
                let mut cs = CSRS.to_vec();
                self.r.shuffle(&mut cs);
                let npairs = 1 + self.r.below(2) as usize;
                for k in 0..npairs {
                    let (a, b) = (cs[2 * k], cs[2 * k + 1]);
                    self.emit(Op::Push(a, b));
                    self.csr_pairs.push((a, b));
                    self.saved.extend([a, b]);
                }
            }
            _ => {}
        }
    }

    /// Two free registers that are different registers on every map (a valid `pop`).
    fn free_pair(&mut self, protect: &[R], allow_csr: bool) -> Option<(R, R)> {
        for _ in 0..8 {
            let a = self.free_reg(protect, allow_csr)?;
            let mut p = protect.to_vec();
            p.push(a);
            let b = self.free_reg(&p, allow_csr)?;
            if !alias_somewhere(a, b) {
                return Some((a, b));
            }
        }
        None
    }

    /// Folds every live value into an accumulator (frames from the top of
    /// the stack), moves it to r0, restores what was saved, returns.
    fn finish(&mut self) {
        let mut started = false;
        let acc = match self.free_reg(&[], false) {
            Some(a) => a,
            None => {
                // Everything is taken: accumulate in the first value's register.
                let regs = self.movable_regs();
                let temps: Vec<(usize, R)> = regs.iter().copied().filter(|(_, r)| !CSRS.contains(r)).collect();
                match temps.first().or(regs.first()) {
                    Some(&(v, r)) => {
                        self.vals[v].home = None;
                        started = true;
                        r
                    }
                    None => {
                        // Only lost values in registers: give up on those in a temporary.
                        let t = self.r.pick(TEMPS);
                        for (v, r) in self.live_regs() {
                            if alias_somewhere(r, t) {
                                self.vals[v].home = None;
                            }
                        }
                        t
                    }
                }
            }
        };
        let regs: Vec<usize> = self.live_regs().into_iter().map(|(i, _)| i).collect();
        for v in regs {
            self.fold_into(acc, &mut started, v);
        }
        // An unbalanced stack: a frame left on it (the pops that follow
        // then restore the wrong values too), or sp moved just before `ret`.
        let unbalanced = self.mistake(Mistake::Unbalanced, 25);
        let skip_release = if unbalanced && !self.frames.is_empty() && self.r.chance(50) {
            Some(self.r.below(self.frames.len() as u64) as usize)
        } else {
            None
        };
        let nudge_before_ret = unbalanced && skip_release.is_none();
        while let Some(f) = self.frames.pop() {
            let idx = self.frames.len();
            match f {
                Frame::Pair([x, y]) => {
                    let pair = self.free_pair(&[acc], false);
                    if skip_release == Some(idx) || pair.is_none() {
                        self.vals[x].home = None;
                        self.vals[y].home = None;
                        if pair.is_none() {
                            self.emit(Op::AddSp(16));
                        }
                        continue;
                    }
                    let (a, b) = pair.unwrap();
                    self.emit(Op::Pop(b, a));
                    self.vals[x].home = Some(Home::Reg(a));
                    self.vals[y].home = Some(Home::Reg(b));
                    self.fold_into(acc, &mut started, x);
                    self.fold_into(acc, &mut started, y);
                }
                Frame::Reserve { size, slots } => {
                    for (off, v) in slots {
                        match self.free_reg(&[acc], false) {
                            Some(t) => {
                                self.emit(Op::Load(off, t));
                                self.vals[v].home = Some(Home::Reg(t));
                                self.fold_into(acc, &mut started, v);
                            }
                            None => self.vals[v].home = None,
                        }
                    }
                    if skip_release == Some(idx) {
                        continue;
                    }
                    let n = if self.mistake(Mistake::Unbalanced, 8) { size - 8 } else { size };
                    self.emit(Op::AddSp(n));
                }
            }
        }
        if !started {
            let k = self.imm();
            self.emit(Op::Move(Src::I(k), acc));
        }
        if loc(acc) != loc("r0") || (acc != "r0" && self.r.chance(50)) {
            self.emit(Op::Move(Src::R(acc), "r0"));
        }
        // Restore the callee-saved registers.
        if self.used_macro_saves {
            if self.mistake(Mistake::SwappedPops, 25) {
                // Pairs in the wrong order: csr0 and csr1 swap (x86 and ARM64 alike).
                self.emit(Op::Pop("csr3", "csr2"));
                self.emit(Op::Pop("csr0", "csr1"));
            } else {
                self.emit(Op::PopCalleeSaves);
            }
        }
        let pairs = self.csr_pairs.clone();
        for &(a, b) in pairs.iter().rev() {
            if self.mistake(Mistake::SwappedPops, 25) {
                self.emit(Op::Pop(a, b));
            } else {
                self.emit(Op::Pop(b, a));
            }
        }
        if self.prologue {
            self.emit(Op::Epilogue);
        }
        if nudge_before_ret {
            // Returns with sp 16 bytes below where it was at the entry.
            self.emit(Op::SubSp(16));
        }
        self.emit(Op::Ret);
    }

    fn fold_into(&mut self, acc: R, started: &mut bool, v: usize) {
        let Some(Home::Reg(r)) = self.vals[v].home else { unreachable!() };
        if !*started {
            if self.vals[v].lost {
                // A lost value is read by an ALU instruction.
                self.emit(Op::Move(Src::I(0), acc));
                self.emit(Op::Alu(Alu::Add, Src::R(r), acc));
            } else if r != acc {
                self.emit(Op::Move(Src::R(r), acc));
            }
            *started = true;
        } else {
            let op = self.r.pick(&[Alu::Add, Alu::Xor, Alu::Sub]);
            let k = self.r.below(64) as i64;
            self.emit(Op::Alu(Alu::Rotl, Src::I(k), acc));
            self.emit(Op::Alu(op, Src::R(r), acc));
        }
        self.vals[v].home = None;
    }

    /// Combines two register values into one (frees a register).
    fn combine_any(&mut self) -> bool {
        let regs = self.live_regs();
        if regs.len() < 2 {
            return false;
        }
        let (v, rv) = regs[self.r.below(regs.len() as u64) as usize];
        let (w, rw) = regs[self.r.below(regs.len() as u64) as usize];
        if v == w || self.vals[v].lost {
            return false;
        }
        let op = self.r.pick(&[Alu::Add, Alu::Xor, Alu::Sub, Alu::Mul]);
        self.emit(Op::Alu(op, Src::R(rw), rv));
        self.vals[w].home = None;
        true
    }

    // ---- segments ---------------------------------------------------------

    fn segment(&mut self) {
        if self.live().count() > 7 {
            self.combine_any();
        }
        match self.r.below(100) {
            0..=14 => self.seg_compute(),
            15..=22 => self.seg_move(),
            23..=30 => self.seg_spill(),
            31..=38 => self.seg_push(),
            39..=44 => self.seg_pop(),
            45..=49 => self.seg_release(),
            50..=74 if !self.leaf => self.seg_call(),
            50..=74 => self.seg_compute(),
            75..=82 => self.seg_divide(),
            83..=89 => self.seg_guarded_scratch(),
            90..=95 => self.seg_if(),
            _ => self.seg_sp_nudge(),
        }
    }

    /// A new value, or a value changed in place.
    fn seg_compute(&mut self) {
        let regs = self.movable_regs();
        if regs.is_empty() || self.r.chance(30) {
            let Some(d) = self.free_reg(&[], true) else { return };
            let src = if !regs.is_empty() && self.r.chance(70) { Src::R(self.r.pick(&regs).1) } else { Src::I(self.imm()) };
            self.emit(Op::Move(src, d));
            if self.r.chance(60) {
                let op = self.alu_op();
                let k = self.alu_imm(op);
                self.emit(Op::Alu(op, Src::I(k), d));
            }
            self.new_val(Home::Reg(d));
        } else {
            let all = self.live_regs();
            let (v, rv) = self.r.pick(&regs);
            let _ = v;
            let src = if self.r.chance(50) && all.len() > 1 { Src::R(self.r.pick(&all).1) } else { Src::I(self.imm()) };
            let op = self.alu_op();
            let src = match (op, src) {
                (Alu::Shl | Alu::Rotl, _) => Src::I(self.r.below(64) as i64),
                (_, s) => s,
            };
            self.emit(Op::Alu(op, src, rv));
        }
    }

    fn seg_move(&mut self) {
        let regs = self.movable_regs();
        if regs.is_empty() {
            return;
        }
        let (v, from) = self.r.pick(&regs);
        let Some(to) = self.free_reg(&[], true) else { return };
        self.emit(Op::Move(Src::R(from), to));
        self.vals[v].home = Some(Home::Reg(to));
    }

    /// A reserve frame with a free slot (pushing a new one if needed).
    fn slot(&mut self) -> Option<(usize, i64)> {
        if let Some(Frame::Reserve { size, slots }) = self.frames.last() {
            let free = (0..*size / 8).map(|k| k * 8).find(|o| slots.iter().all(|(s, _)| s != o));
            if let Some(o) = free {
                return Some((self.frames.len() - 1, o));
            }
        }
        if self.frames.len() >= 6 {
            return None;
        }
        let size = if self.mistake(Mistake::SpBy8, 10) { self.r.pick(&[8, 24]) } else { self.r.pick(&[16, 16, 32, 48]) };
        self.emit(Op::SubSp(size));
        self.frames.push(Frame::Reserve { size, slots: Vec::new() });
        Some((self.frames.len() - 1, 0))
    }

    /// `storep` a register value into a stack slot, or `loadp` one back.
    fn seg_spill(&mut self) {
        let spilled: Vec<(usize, usize, i64)> = self
            .live()
            .filter_map(|(i, v)| match v.home {
                Some(Home::Slot(f, o)) => Some((i, f, o)),
                _ => None,
            })
            .collect();
        if !spilled.is_empty() && self.r.chance(40) {
            let (v, f, o) = self.r.pick(&spilled);
            let Some(t) = self.free_reg(&[], true) else { return };
            self.emit(Op::Load(self.frame_base(f) + o, t));
            self.vals[v].home = Some(Home::Reg(t));
            if let Frame::Reserve { slots, .. } = &mut self.frames[f] {
                slots.retain(|(s, _)| *s != o);
            }
            return;
        }
        let regs = self.movable_regs();
        if regs.is_empty() {
            return;
        }
        let (v, r) = self.r.pick(&regs);
        self.spill(v, r);
    }

    fn spill(&mut self, v: usize, r: R) -> bool {
        let Some((f, o)) = self.slot() else { return false };
        self.emit(Op::Store(r, self.frame_base(f) + o));
        self.vals[v].home = Some(Home::Slot(f, o));
        if let Frame::Reserve { slots, .. } = &mut self.frames[f] {
            slots.push((o, v));
        }
        true
    }

    fn seg_push(&mut self) {
        if self.frames.len() >= 6 {
            return;
        }
        let mut regs = self.movable_regs();
        while regs.len() < 2 {
            let Some(d) = self.free_reg(&[], false) else { return };
            let k = self.imm();
            self.emit(Op::Move(Src::I(k), d));
            self.new_val(Home::Reg(d));
            regs = self.movable_regs();
        }
        self.r.shuffle(&mut regs);
        let ((x, a), (y, b)) = (regs[0], regs[1]);
        self.emit(Op::Push(a, b));
        self.vals[x].home = Some(Home::Pushed(self.frames.len()));
        self.vals[y].home = Some(Home::Pushed(self.frames.len()));
        self.frames.push(Frame::Pair([x, y]));
    }

    fn seg_pop(&mut self) {
        let Some(Frame::Pair([x, y])) = self.frames.last().cloned() else { return };
        let Some((a, b)) = self.free_pair(&[], true) else { return };
        self.frames.pop();
        self.emit(Op::Pop(b, a));
        self.vals[x].home = Some(Home::Reg(a));
        self.vals[y].home = Some(Home::Reg(b));
    }

    fn seg_release(&mut self) {
        let Some(Frame::Reserve { size, slots }) = self.frames.last().cloned() else { return };
        let mut protect = Vec::new();
        let mut loads = Vec::new();
        for (o, v) in slots {
            let Some(t) = self.free_reg(&protect, true) else { return };
            protect.push(t);
            loads.push((o, v, t));
        }
        self.frames.pop();
        for (o, v, t) in loads {
            self.emit(Op::Load(o, t));
            self.vals[v].home = Some(Home::Reg(t));
        }
        self.emit(Op::AddSp(size));
    }

    /// `subp 8, sp` … `addp 8, sp` around a few instructions (a mistake
    /// when it brackets a call or, on ARM64, any stack access); or 16.
    fn seg_sp_nudge(&mut self) {
        let n = if self.mistake(Mistake::SpBy8, 50) { 8 } else { 16 };
        let depth = self.frames.len();
        self.emit(Op::SubSp(n));
        self.frames.push(Frame::Reserve { size: n, slots: Vec::new() });
        let k = self.r.below(3);
        for _ in 0..k {
            match self.r.below(3) {
                0 => self.seg_compute(),
                1 if !self.leaf => self.seg_call(),
                1 => self.seg_compute(),
                _ => self.seg_spill(),
            }
        }
        // Release it (and whatever was pushed above it) in order.
        while self.frames.len() > depth {
            let top = self.frames.len() - 1;
            match self.frames[top].clone() {
                Frame::Reserve { slots, .. } if top == depth && slots.is_empty() => {
                    self.frames.pop();
                    self.emit(Op::AddSp(n));
                }
                Frame::Pair(_) => {
                    let before = self.frames.len();
                    self.seg_pop();
                    if self.frames.len() == before {
                        break;
                    }
                }
                Frame::Reserve { .. } => {
                    let before = self.frames.len();
                    self.seg_release();
                    if self.frames.len() == before {
                        break;
                    }
                }
            }
        }
    }

    /// Moves values out of caller-saved registers before a call: into saved
    /// callee-saved registers or stack slots (or, as a mistake, not).
    fn secure(&mut self) -> Vec<usize> {
        let mut lost = Vec::new();
        for (v, r) in self.live_regs() {
            if CSRS.contains(&r) {
                continue;
            }
            if self.vals[v].lost || self.mistake(Mistake::KeptAcrossCall, 15) {
                lost.push(v);
                continue;
            }
            let to_csr = self.r.chance(50);
            if to_csr {
                if let Some(c) = self.free_csr(&[]) {
                    self.emit(Op::Move(Src::R(r), c));
                    self.vals[v].home = Some(Home::Reg(c));
                    continue;
                }
            }
            if !self.spill(v, r) {
                if let Some(c) = self.free_csr(&[]) {
                    self.emit(Op::Move(Src::R(r), c));
                    self.vals[v].home = Some(Home::Reg(c));
                } else {
                    // Nowhere to keep it: it is consumed before the call.
                    let others: Vec<(usize, R)> = self.live_regs().into_iter().filter(|&(w, _)| w != v && !self.vals[w].lost).collect();
                    if let Some(&(_, c)) = others.iter().find(|(_, c)| CSRS.contains(c)) {
                        self.emit(Op::Alu(Alu::Xor, Src::R(r), c));
                        self.vals[v].home = None;
                    } else {
                        lost.push(v);
                    }
                }
            }
        }
        lost
    }

    /// Arguments a0..a(k-1) from `srcs`, in a random order, some through
    /// staging temporaries; no write destroys an argument already set up, a
    /// staged value or a source still to be read (in this mode's view).
    fn setup_args(&mut self, k: u8, srcs: &[ArgSrc]) {
        const ARGS: [R; 4] = ["a0", "a1", "a2", "a3"];
        #[derive(Clone, Copy)]
        enum Step {
            Direct(usize),
            Stage(usize),
            Commit(usize),
        }
        let k = k as usize;
        let reg_src = |s: &ArgSrc| match s {
            ArgSrc::Reg(r) => Some(*r),
            _ => None,
        };
        let mut staged: Vec<bool> = (0..k).map(|_| self.r.chance(40)).collect();
        for _attempt in 0..6 {
            let mut steps: Vec<Step> = Vec::new();
            for (i, &s) in staged.iter().enumerate() {
                if s {
                    steps.extend([Step::Stage(i), Step::Commit(i)]);
                } else {
                    steps.push(Step::Direct(i));
                }
            }
            self.r.shuffle(&mut steps);
            for i in 0..k {
                let s = steps.iter().position(|s| matches!(s, Step::Stage(j) if *j == i));
                let c = steps.iter().position(|s| matches!(s, Step::Commit(j) if *j == i));
                if let (Some(s), Some(c)) = (s, c) {
                    if s > c {
                        steps.swap(s, c);
                    }
                }
            }
            let mut protect: Vec<R> = Vec::new();
            let mut temps: Vec<Option<R>> = vec![None; k];
            let mut plan: Vec<Op> = Vec::new();
            let mut ok = true;
            for (n, st) in steps.iter().enumerate() {
                // Register sources still to be read after this step.
                let later: Vec<R> = steps[n + 1..]
                    .iter()
                    .filter_map(|s| match s {
                        Step::Direct(i) | Step::Stage(i) => reg_src(&srcs[*i]),
                        Step::Commit(_) => None,
                    })
                    .collect();
                let (dst, src) = match *st {
                    Step::Direct(i) => (ARGS[i], srcs[i]),
                    Step::Stage(i) => {
                        let mut avoid = protect.clone();
                        avoid.extend(later.iter().copied());
                        if self.careful {
                            avoid.extend(ARGS[..k].iter().copied());
                        }
                        let cands: Vec<R> =
                            TEMPS.iter().copied().filter(|&t| !ARGS.contains(&t) && self.is_free(t, &avoid)).collect();
                        if cands.is_empty() {
                            ok = false;
                            break;
                        }
                        let t = self.r.pick(&cands);
                        temps[i] = Some(t);
                        (t, srcs[i])
                    }
                    Step::Commit(i) => (ARGS[i], ArgSrc::Reg(temps[i].unwrap())),
                };
                let mut avoid = protect.clone();
                avoid.extend(later.iter().copied());
                if let Step::Commit(i) = *st {
                    avoid.retain(|&r| Some(r) != temps[i]);
                }
                if !self.is_free(dst, &avoid) {
                    ok = false;
                    break;
                }
                plan.push(src.op(dst));
                if let Step::Commit(i) = *st {
                    protect.retain(|&r| Some(r) != temps[i]);
                }
                protect.push(dst);
            }
            if ok {
                self.ops.extend(plan);
                return;
            }
            staged = vec![false; k];
        }
        // Direct writes in order always work (sources are callee-saved
        // registers, stack slots or immediates).
        for (i, s) in srcs.iter().enumerate() {
            let op = s.op(ARGS[i]);
            self.emit(op);
        }
    }

    fn seg_call(&mut self) {
        let lost = self.secure();
        let k = self.r.pick(&HOST_ARITIES);
        // Sources: values in callee-saved registers or slots, immediates.
        let mut srcs = Vec::new();
        for _ in 0..k {
            let cands: Vec<ArgSrc> = self
                .live()
                .filter(|(_, v)| !v.lost)
                .filter_map(|(_, v)| match v.home {
                    Some(Home::Reg(r)) if CSRS.contains(&r) => Some(ArgSrc::Reg(r)),
                    Some(Home::Slot(f, o)) => Some(ArgSrc::Slot(self.frame_base(f) + o)),
                    _ => None,
                })
                .collect();
            if !cands.is_empty() && self.r.chance(70) {
                srcs.push(self.r.pick(&cands));
            } else {
                srcs.push(ArgSrc::Imm(self.imm()));
            }
        }
        self.setup_args(k, &srcs);
        let shadow = !self.mistake(Mistake::NoShadowSpace, 20);
        if shadow {
            self.emit(Op::win_only(vec![Op::SubSp(32)]));
        }
        self.emit(Op::Call(k));
        if shadow {
            self.emit(Op::win_only(vec![Op::AddSp(32)]));
        }
        for v in lost {
            if self.vals[v].home.is_some() {
                self.vals[v].lost = true;
            }
        }
        // Registers the call destroyed that the generator knows about: none
        // are live except lost ones. The result:
        if self.mistake(Mistake::R1AfterCall, 10) {
            // r1 is not a result of a one-word C function.
            let regs = self.movable_regs();
            if let Some(&(_, d)) = regs.first() {
                self.emit(Op::Alu(Alu::Add, Src::R("r1"), d));
            }
        }
        let home = if self.r.chance(40) {
            self.free_csr(&[])
        } else if self.r.chance(50) {
            self.free_reg(&[], false)
        } else {
            None
        };
        match home {
            Some(h) => {
                let src = if self.r.chance(50) { "r0" } else { "t0" };
                self.emit(Op::Move(Src::R(src), h));
                self.new_val(Home::Reg(h));
            }
            None => {
                // Keep it where it is (r0 = t0 everywhere), if nothing else is there.
                if self.is_free("t0", &[]) {
                    let name = self.r.pick(&["t0", "r0"]);
                    self.new_val(Home::Reg(name));
                } else if let Some(d) = self.free_reg(&[], true) {
                    self.emit(Op::Move(Src::R("r0"), d));
                    self.new_val(Home::Reg(d));
                }
            }
        }
    }

    /// Makes `x` writable: values in registers it may destroy move elsewhere.
    fn make_room(&mut self, x: R, protect: &[R]) -> bool {
        for (v, r) in self.live_regs() {
            if self.conflicts(x, r) {
                if self.vals[v].lost {
                    self.vals[v].home = None; // forgotten
                    continue;
                }
                let mut avoid = protect.to_vec();
                avoid.push(x);
                let Some(t) = self.free_reg(&avoid, true) else { return false };
                self.emit(Op::Move(Src::R(r), t));
                self.vals[v].home = Some(Home::Reg(t));
            }
        }
        true
    }

    /// x86 `idivq`/`udivq` (guarded) with an ARM64 `divqs`/`divq` twin.
    fn seg_divide(&mut self) {
        // The dividend goes in t0 (r0); x86 also writes r1.
        if !self.make_room("t0", &["r1"]) || !self.make_room("r1", &["t0"]) {
            return;
        }
        let dcands: Vec<R> = DIVISORS.iter().copied().filter(|&d| self.is_free(d, &["t0", "r1"])).collect();
        if dcands.is_empty() {
            return;
        }
        let d = self.r.pick(&dcands);
        let regs = self.movable_regs();
        let src = if !regs.is_empty() && self.r.chance(80) { Src::R(self.r.pick(&regs).1) } else { Src::I(self.imm()) };
        let dsrc = if !regs.is_empty() && self.r.chance(60) { Src::R(self.r.pick(&regs).1) } else { Src::I(self.imm()) };
        let prep_d = vec![Op::Move(dsrc, d), Op::Alu(Alu::And, Src::I(255), d), Op::Alu(Alu::Or, Src::I(1), d)];
        let dividend = Op::Move(src, "t0");
        if self.r.chance(50) {
            self.ops.extend(prep_d);
            self.emit(dividend);
        } else {
            self.emit(dividend);
            self.ops.extend(prep_d);
        }
        let unsigned = self.r.chance(30);
        let x86 = if unsigned { vec![Op::Move(Src::I(0), "r1"), Op::XDiv { d, unsigned }] } else { vec![Op::Cqo, Op::XDiv { d, unsigned }] };
        self.emit(Op::Guard { sysv: x86.clone(), win: x86, arm: vec![Op::ADiv { d, unsigned }] });
        self.new_val(Home::Reg("t0"));
    }

    /// A copy through a register that exists on one map only.
    fn seg_guarded_scratch(&mut self) {
        let regs = self.movable_regs();
        if regs.is_empty() {
            return;
        }
        let (_, v) = self.r.pick(&regs);
        let Some(dst) = self.free_reg(&[], true) else { return };
        let branch = |g: &mut Gen, names: &[R], map: RegMap| -> Vec<Op> {
            let cands: Vec<R> = names
                .iter()
                .copied()
                .filter(|&s| map.phys(reg(s)).is_some())
                .filter(|&s| !g.careful || g.live_regs().iter().all(|&(_, y)| !same_on(map, s, y)) && !same_on(map, s, dst))
                .filter(|&s| g.careful || g.live_regs().iter().all(|&(_, y)| loc(y) != loc(s)))
                .collect();
            if cands.is_empty() || g.r.chance(15) {
                return vec![Op::Move(Src::R(v), dst)];
            }
            let s = g.r.pick(&cands);
            vec![Op::Move(Src::R(v), s), Op::Move(Src::R(s), dst)]
        };
        let sysv = branch(self, SYSV_ONLY, RegMap::SysV);
        let arm = branch(self, ARM_ONLY, RegMap::Arm64);
        let win = if self.mistake(Mistake::WinCsrScratch, 25) {
            // A callee-saved register that exists on Windows only, unsaved.
            let c = self.r.pick(&["csr5", "csr6"]);
            vec![Op::Move(Src::R(v), c), Op::Move(Src::R(c), dst)]
        } else {
            vec![Op::Move(Src::R(v), dst)]
        };
        self.emit(Op::Guard { sysv, win, arm });
        self.new_val(Home::Reg(dst));
    }

    /// A forward branch over in-place updates (and sometimes a call).
    fn seg_if(&mut self) {
        let regs = self.movable_regs();
        if regs.is_empty() {
            return;
        }
        let a = self.r.pick(&regs).1;
        let cond = self.r.pick(&[Cond::B, Cond::Aeq, Cond::Eq, Cond::Neq, Cond::B]);
        let b = if regs.len() > 1 && self.r.chance(60) { Src::R(self.r.pick(&regs).1) } else { Src::I(self.imm()) };
        let saved_ops = std::mem::take(&mut self.ops);
        let n = 1 + self.r.below(3);
        for _ in 0..n {
            let regs = self.movable_regs();
            let (_, d) = self.r.pick(&regs);
            let all = self.live_regs();
            let op = self.alu_op();
            let src = match op {
                Alu::Shl | Alu::Rotl => Src::I(self.r.below(64) as i64),
                _ if self.r.chance(50) => Src::R(self.r.pick(&all).1),
                _ => Src::I(self.imm()),
            };
            self.emit(Op::Alu(op, src, d));
        }
        // A call inside the branch when nothing lives in a caller-saved register.
        let csr_vals: Vec<R> = self.movable_regs().into_iter().map(|(_, r)| r).filter(|r| CSRS.contains(r)).collect();
        let all_safe = self.live_regs().iter().all(|(_, r)| CSRS.contains(r));
        if all_safe && !csr_vals.is_empty() && !self.leaf && self.r.chance(50) {
            let k = self.r.pick(&HOST_ARITIES);
            let srcs: Vec<ArgSrc> =
                (0..k).map(|_| if self.r.chance(50) { ArgSrc::Reg(self.r.pick(&csr_vals)) } else { ArgSrc::Imm(self.imm()) }).collect();
            self.setup_args(k, &srcs);
            let shadow = !self.mistake(Mistake::NoShadowSpace, 20);
            if shadow {
                self.emit(Op::win_only(vec![Op::SubSp(32)]));
            }
            self.emit(Op::Call(k));
            if shadow {
                self.emit(Op::win_only(vec![Op::AddSp(32)]));
            }
            let c = self.r.pick(&csr_vals);
            let r0 = self.r.pick(&["r0", "t0"]);
            self.emit(Op::Alu(Alu::Add, Src::R(r0), c));
        }
        let body = std::mem::replace(&mut self.ops, saved_ops);
        self.emit(Op::If { cond, a, b, body });
    }
}
