//! Random programs for differential testing, generated from the one
//! instruction table: every instruction available on all targets (except
//! control transfer out of the function, `emit`, stack-pointer and TLS
//! instructions) is drawn with a random operand form, random registers,
//! immediates of every size, loads and stores into the test buffer (a0),
//! forward branches of every kind, flag branches after flag setters, and
//! push/pop pairs.
//!
//! Programs are portable by construction, so every executor must compute
//! the same value: a1..a3 are `t1`..`t3` on every target, a0 (the buffer
//! pointer) is first copied to `t5`, `t4` holds a small index, and only
//! `t0`..`t3` and `ft0`..`ft4` are written. The parallel move into the
//! argument registers (the instruction with `Effects::WRITES_ARGS`,
//! `moveargs`) is drawn as `moveargs a0, s1, …, sk` with k ≤ 3: a0 keeps its
//! value on every map (it is `t5`, the buffer pointer, on Windows and `t0` on
//! ARM64) and a1..a3 are `t1`..`t3` everywhere. The epilogue folds every data
//! register into `t0` (a NaN counts as one canonical value, since its
//! payload is unspecified); the driver folds in the buffer's hash.

#![allow(dead_code)]

use std::fmt::Write as _;

use offasm::isa::{self, Access, Avail, Effects, Form, Kinds, Op, Rule, Width};

/// SplitMix64: small, fast, and reproducible from a seed.
pub struct Rng(u64);

/// The SplitMix64 output function.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Rng {
    /// Stream `stream` of `seed`. The starting state is hashed: every step
    /// adds the same constant, so starting states a multiple of it apart
    /// (as `seed ^ stream * constant` were) would give the same numbers
    /// shifted by a few draws, i.e. nearly the same programs.
    pub fn new(seed: u64, stream: u64) -> Rng {
        Rng(mix(mix(seed) ^ stream.wrapping_add(0x2545_f491_4f6c_dd1d)))
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix(self.0)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
}

const WRITE_GPRS: [&str; 4] = ["t0", "t1", "t2", "t3"];
/// `t4` (the index, 0..7) is readable too; `t5` (the buffer pointer) is
/// only ever a base register: its value differs between executors.
const READ_GPRS: [&str; 5] = ["t0", "t1", "t2", "t3", "t4"];
const F64_REGS: [&str; 3] = ["ft0", "ft1", "ft2"];
const F32_REGS: [&str; 2] = ["ft3", "ft4"];
/// Bytes of the test buffer on each side of the pointer in a0.
const HALF_BUFFER: i64 = 128;

#[derive(Clone, Debug, PartialEq)]
pub enum Line {
    Instr(String),
    /// Local label number k of the program.
    Label(u32),
}

#[derive(Clone, Debug)]
pub struct RandomProgram {
    /// The C name of the function (`rp_<seed>_<k>`).
    pub name: String,
    pub body: Vec<Line>,
    /// a1..a3.
    pub inputs: [u64; 3],
    /// Initial t0 and the index in t4.
    pub t0: u64,
    pub index: u64,
}

/// An instruction form the generator can fill in.
struct Candidate {
    name: String,
    op: Op,
    form: Form,
    sets_flags: bool,
    /// Needs naturally aligned memory (§1.9).
    atomic: bool,
    /// A parallel move into the argument registers (variadic).
    writes_args: bool,
}

fn candidates() -> &'static [Candidate] {
    static C: std::sync::OnceLock<Vec<Candidate>> = std::sync::OnceLock::new();
    C.get_or_init(|| {
        let mut v = Vec::new();
        for (_, d) in isa::isa().iter() {
            if d.avail != Avail::All {
                continue;
            }
            let excluded = matches!(
                d.op,
                Op::Peek
                    | Op::Poke
                    | Op::Push
                    | Op::Pop
                    | Op::Jmp
                    | Op::Call
                    | Op::Ret
                    | Op::Break
                    | Op::Emit
                    | Op::FlagBranch(_)
                    | Op::TlsLoad
                    | Op::TlsStore
                    | Op::PcRelAddr
                    | Op::GlobalAddr
                    | Op::Reserved
            );
            if excluded {
                continue;
            }
            let writes_args = d.effects.contains(Effects::WRITES_ARGS);
            for f in &d.forms {
                let fillable = (!f.variadic || writes_args)
                    && f.operands.iter().all(|s| {
                        s.kinds.intersects(Kinds::GPR | Kinds::FPR | Kinds::IMM | Kinds::ADDR | Kinds::LABEL)
                    });
                if fillable {
                    v.push(Candidate {
                        name: d.name.clone(),
                        op: d.op,
                        form: f.clone(),
                        sets_flags: d.effects.contains(Effects::SETS_FLAGS),
                        atomic: d.effects.contains(Effects::ATOMIC),
                        writes_args,
                    });
                }
            }
        }
        v
    })
}

/// An immediate for a `w`-bit operand, from every size class.
fn immediate(r: &mut Rng, w: Width) -> i128 {
    let bits = match w {
        Width::B => 8,
        Width::H => 16,
        Width::I => 32,
        _ => 64,
    };
    let v: i128 = match r.below(10) {
        0 => r.below(33) as i128 - 16,
        1 => r.below(256) as i128,
        2 => r.below(4096) as i128,
        3 => (r.below(4096) as i128) << 12,
        // Logical-immediate shapes: a run of ones, rotated, maybe repeated.
        4 => {
            let len = 1 + r.below(31) as u32;
            let run = (1u64 << len) - 1;
            let rot = run.rotate_left(r.below(64) as u32);
            (if r.chance(50) { rot } else { (rot & 0xffff_ffff) * 0x1_0000_0001 }) as i64 as i128
        }
        5 => *r.pick(&[-1i128, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, i64::MIN as i128, i64::MAX as i128, 0x1_0000_0000]),
        6 => r.next() as u32 as i128,
        7 => r.next() as i32 as i128,
        8 => -(r.below(1 << 20) as i128),
        _ => r.next() as i64 as i128,
    };
    // Into the operand's range [−2^(W−1), 2^W − 1] (§1.6).
    let lo = -(1i128 << (bits - 1));
    let span = 1i128 << bits;
    let m = ((v - lo) % (span + (-lo)) + (span + (-lo))) % (span + (-lo));
    m + lo
}

/// A random 64-bit input: integers and floating-point bit patterns.
fn input(r: &mut Rng) -> u64 {
    match r.below(8) {
        0 => *r.pick(&[0, 1, u64::MAX, 1 << 63, (1 << 63) - 1, 0xffff_ffff, 0x8000_0000, 2]),
        1 => r.below(100),
        2 => (r.below(2000) as f64 - 1000.0).to_bits(),
        3 => ((r.next() as i64 as f64) / 1e6).to_bits(),
        4 => *r.pick(&[
            0.5f64.to_bits(),
            (-0.0f64).to_bits(),
            f64::INFINITY.to_bits(),
            f64::NAN.to_bits(),
            2.5f64.to_bits(),
            1e300f64.to_bits(),
            ((1u64 << 63) as f64).to_bits(),
            ((1u64 << 31) as f64 - 0.5).to_bits(),
        ]),
        5 => ((r.below(2000) as f32 - 1000.0).to_bits() as u64) | (r.next() << 32),
        _ => r.next(),
    }
}

struct Gen<'r> {
    r: &'r mut Rng,
    out: Vec<Line>,
    next_label: u32,
    /// Labels to place: (label, instructions still to emit before it).
    pending: Vec<(u32, u32)>,
}

impl Gen<'_> {
    fn forward_label(&mut self) -> u32 {
        let l = self.next_label;
        self.next_label += 1;
        let distance = 1 + self.r.below(6) as u32;
        self.pending.push((l, distance));
        l
    }

    /// Emits one unit (an instruction, or an instruction with the branch
    /// that consumes its flags, or a push/pop block) and places due labels.
    fn unit(&mut self) {
        let mut lines = if self.r.chance(3) { self.push_pop_block() } else { self.instruction(true) };
        self.out.append(&mut lines);
        for p in &mut self.pending {
            p.1 = p.1.saturating_sub(1);
        }
        let due: Vec<u32> = self.pending.iter().filter(|p| p.1 == 0).map(|p| p.0).collect();
        self.pending.retain(|p| p.1 > 0);
        for l in due {
            self.out.push(Line::Label(l));
        }
    }

    fn push_pop_block(&mut self) -> Vec<Line> {
        let (a, b) = (*self.r.pick(&READ_GPRS), *self.r.pick(&READ_GPRS));
        let mut out = vec![Line::Instr(format!("push {a}, {b}"))];
        for _ in 0..self.r.below(3) {
            out.extend(self.instruction(false));
        }
        let c = *self.r.pick(&WRITE_GPRS);
        let d = loop {
            let d = *self.r.pick(&WRITE_GPRS);
            if d != c {
                break d;
            }
        };
        out.push(Line::Instr(format!("pop {c}, {d}")));
        out
    }

    /// One random instruction (`branches`: whether it may branch).
    fn instruction(&mut self, branches: bool) -> Vec<Line> {
        let cands = candidates();
        // About one parallel move per program (uniformly it would be one in
        // every few hundred instructions).
        if self.r.chance(2) {
            if let Some(c) = cands.iter().find(|c| c.writes_args) {
                return vec![Line::Instr(format!("{} {}", c.name, self.arg_sources(c).join(", ")))];
            }
        }
        for _ in 0..50 {
            let c = self.r.pick(cands);
            let has_label = c.form.operands.iter().any(|s| s.kinds == Kinds::LABEL);
            if has_label && !branches {
                continue;
            }
            // FP → int of an out-of-range value is undefined, and the
            // simulator sets such programs aside: draw these less often.
            if matches!(c.op, Op::FpToInt { .. }) && !self.r.chance(25) {
                continue;
            }
            if let Some(ops) = self.operands(c) {
                let mut out = vec![Line::Instr(format!("{} {}", c.name, ops.join(", ")).trim_end().to_string())];
                // The scratch of `cq2d s, t, d` is unspecified afterwards (§11.1):
                // give it a value again, or most later reads would be set aside.
                if matches!(c.op, Op::IntToFp { .. }) && ops.len() == 3 {
                    out.push(Line::Instr(format!("move {}, {}", immediate(self.r, Width::Q), ops[1])));
                }
                if c.sets_flags && branches && self.r.chance(50) {
                    let l = self.forward_label();
                    out.push(Line::Instr(format!("{} .L{l}", self.r.pick(&["bo", "bs", "bz", "bnz"]))));
                }
                return out;
            }
        }
        vec![Line::Instr("nop".into())]
    }

    /// Sources of `moveargs a0, s1, …, sk` (k ≤ 3): a0 stays in place, a1..a3
    /// (= t1..t3 on every map) receive readable registers or immediates.
    fn arg_sources(&mut self, c: &Candidate) -> Vec<String> {
        let spec = c.form.operand(0).expect("a source operand");
        let mut ops = vec!["a0".to_string()];
        for _ in 0..self.r.below(4) {
            ops.push(if spec.kinds.contains(Kinds::IMM) && self.r.chance(30) {
                immediate(self.r, spec.width).to_string()
            } else {
                self.r.pick(&READ_GPRS).to_string()
            });
        }
        ops
    }

    fn operands(&mut self, c: &Candidate) -> Option<Vec<String>> {
        if c.writes_args {
            return Some(self.arg_sources(c));
        }
        let specs = &c.form.operands;
        let mut kinds = Vec::with_capacity(specs.len());
        for s in specs {
            let mut options = Vec::new();
            for k in [Kinds::GPR, Kinds::FPR, Kinds::IMM, Kinds::ADDR, Kinds::LABEL] {
                if s.kinds.intersects(k) {
                    options.push(k);
                }
            }
            kinds.push(*self.r.pick(&options));
        }
        // Form rules that concern kinds.
        for rule in &c.form.rules {
            match *rule {
                Rule::AtMostOneAddr if kinds.iter().filter(|&&k| k == Kinds::ADDR).count() > 1 => return None,
                Rule::NotBothImm(a, b) if kinds[a] == Kinds::IMM && kinds[b] == Kinds::IMM => return None,
                _ => {}
            }
        }
        let mut ops: Vec<String> = Vec::with_capacity(specs.len());
        let mut labels = Vec::new();
        for (i, (s, &k)) in specs.iter().zip(&kinds).enumerate() {
            let text = match k {
                Kinds::GPR => {
                    if c.form.rules.contains(&Rule::RaxOnX86(i)) {
                        "t0".to_string()
                    } else if s.access.writes() {
                        self.r.pick(&WRITE_GPRS).to_string()
                    } else {
                        self.r.pick(&READ_GPRS).to_string()
                    }
                }
                Kinds::FPR => match s.width {
                    Width::F => self.r.pick(&F32_REGS).to_string(),
                    Width::D => self.r.pick(&F64_REGS).to_string(),
                    _ => return None,
                },
                Kinds::IMM => {
                    let range = c.form.rules.iter().find_map(|r| match *r {
                        Rule::ImmRange(j, lo, hi) if j == i => Some((lo, hi)),
                        _ => None,
                    });
                    let v = match range {
                        Some((lo, hi)) => lo + (self.r.below((hi - lo + 1) as u64) as i128),
                        None => immediate(self.r, s.width),
                    };
                    v.to_string()
                }
                Kinds::ADDR => self.address(s.access, s.width, &c.form, i, c.atomic),
                _ => {
                    let l = self.forward_label();
                    labels.push(l);
                    format!(".L{l}")
                }
            };
            ops.push(text);
        }
        for rule in &c.form.rules {
            if let Rule::Distinct(a, b) = *rule {
                if ops[a] == ops[b] || ops[b].contains(&format!("{}]", ops[a])) || ops[a].contains(&format!("{}]", ops[b])) {
                    // Forget the labels made for this attempt.
                    self.pending.retain(|p| !labels.contains(&p.0));
                    return None;
                }
            }
        }
        Some(ops)
    }

    /// A memory operand: `off[t5]` or `off[t5, t4, s]` inside the buffer;
    /// for `lea` (address only) any registers and offsets.
    fn address(&mut self, access: Access, w: Width, form: &Form, i: usize, atomic: bool) -> String {
        if access == Access::Address {
            let (b, x) = (self.r.pick(&READ_GPRS), self.r.pick(&READ_GPRS));
            let off = immediate(self.r, Width::I) as i32;
            return match self.r.below(3) {
                0 => format!("{off}[{b}]"),
                1 => format!("{off}[{b}, {x}, {}]", self.r.pick(&[1, 2, 4, 8])),
                _ => format!("[{b}, {x}, {}]", self.r.pick(&[1, 2, 4, 8])),
            };
        }
        let size = match w {
            Width::B => 1,
            Width::H => 2,
            Width::I | Width::F => 4,
            Width::V => 16,
            _ => 8,
        };
        let zero_offset = form.rules.contains(&Rule::ZeroOffset(i));
        // Pairs touch two elements.
        let span = if form.operands.len() == 3 && form.operands.iter().filter(|s| s.kinds.intersects(Kinds::ADDR)).count() == 1
            && form.operands.iter().all(|s| !s.kinds.intersects(Kinds::IMM))
        {
            2 * size
        } else {
            size
        };
        let aligned = zero_offset || atomic || self.r.chance(50);
        if zero_offset {
            return "[t5]".to_string();
        }
        let with_index = !aligned && self.r.chance(50);
        let reach = if with_index { 7 * 8 } else { 0 };
        let lo = -HALF_BUFFER;
        let hi = HALF_BUFFER - reach - span;
        let mut off = lo + self.r.below((hi - lo + 1) as u64) as i64;
        if aligned {
            off = off.div_euclid(span.max(size)) * span.max(size);
        }
        if with_index {
            format!("{off}[t5, t4, {}]", self.r.pick(&[1, 2, 4, 8]))
        } else {
            format!("{off}[t5]")
        }
    }
}

/// Program `k` of `seed`: about `len` instructions.
pub fn generate(seed: u64, k: u64, len: usize) -> RandomProgram {
    let mut r = Rng::new(seed, k);
    let inputs = [input(&mut r), input(&mut r), input(&mut r)];
    let t0 = input(&mut r);
    let index = r.below(8);
    let mut g = Gen { r: &mut r, out: Vec::new(), next_label: 0, pending: Vec::new() };
    for _ in 0..len {
        g.unit();
    }
    let rest: Vec<u32> = g.pending.drain(..).map(|p| p.0).collect();
    for l in rest {
        g.out.push(Line::Label(l));
    }
    let body = std::mem::take(&mut g.out);
    RandomProgram { name: format!("rp_{seed}_{k}"), body, inputs, t0, index }
}

impl RandomProgram {
    /// The function in the dialect.
    pub fn text(&self) -> String {
        let n = &self.name;
        let mut s = String::new();
        let _ = writeln!(s, "global _{n}\n_{n}:");
        let _ = writeln!(s, "    move a0, t5\n    move {:#x}, t0\n    move {}, t4", self.t0, self.index);
        s.push_str("    fq2d t1, ft0\n    fq2d t2, ft1\n    cq2ds t3, ft2\n    fi2f t1, ft3\n    fi2f t3, ft4\n");
        for l in &self.body {
            match l {
                Line::Instr(i) => {
                    let _ = writeln!(s, "    {}", i.replace(".L", &format!(".{n}_")));
                }
                Line::Label(k) => {
                    let _ = writeln!(s, ".{n}_{k}:");
                }
            }
        }
        // Fold every data register into t0.
        for (k, r) in ["t1", "t2", "t3", "t4"].iter().enumerate() {
            let _ = writeln!(s, "    lrotateq {}, t0\n    xorq {r}, t0", 7 + 6 * k);
        }
        for (k, f) in F64_REGS.iter().enumerate() {
            let _ = writeln!(
                s,
                "    move 0x7ff8dead, t1\n    bdnequn {f}, {f}, .{n}_nan{k}\n    fd2q {f}, t1\n.{n}_nan{k}:\n    lrotateq 11, t0\n    xorq t1, t0"
            );
        }
        for (k, f) in F32_REGS.iter().enumerate() {
            let _ = writeln!(
                s,
                "    move 0x7fc0dead, t1\n    bfeq {f}, {f}, .{n}_num{k}\n    jmp .{n}_fnan{k}\n.{n}_num{k}:\n    ff2i {f}, t1\n.{n}_fnan{k}:\n    lrotateq 13, t0\n    xorq t1, t0"
            );
        }
        s.push_str("    ret\n\n");
        s
    }

    /// The arguments as the C driver passes them (a0 is the buffer).
    pub fn args(&self) -> Vec<u64> {
        vec![0, self.inputs[0], self.inputs[1], self.inputs[2]]
    }

    /// The same program without the body lines whose indices are in `drop`.
    pub fn without(&self, drop: &std::collections::BTreeSet<usize>) -> RandomProgram {
        let body = self.body.iter().enumerate().filter(|(i, _)| !drop.contains(i)).map(|(_, l)| l.clone()).collect();
        RandomProgram { body, ..self.clone() }
    }
}
