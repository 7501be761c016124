//! The declarative instruction-set table of the dialect (INSTRUCTIONS.md).
//!
//! Every mnemonic — portable, x86-64-only, ARM64-only, Apple-only and the
//! reserved-but-unsupported ones of §19 — is described once by an
//! [`InstrDef`]: its semantic [`Op`] and [`Width`], its alternative operand
//! [`Form`]s (kinds, access, imm width, extra [`Rule`]s), its availability
//! ([`Avail`]) and its implicit [`Effects`]. Families are generated in
//! `table.rs` from one definition each. The table is built once, lazily,
//! into a `OnceLock` and looked up by name through a `HashMap`.
//!
//! Only `std` is used so the module can be compiled stand-alone.

use rustc_hash::FxHashMap as HashMap;
use std::fmt;
use std::ops::BitOr;
use std::sync::OnceLock;

#[rustfmt::skip] // keep the generated families as compact tables
mod table;

/// Operand / operation width (INSTRUCTIONS.md §1.3).
///
/// `P` (pointer) is 64 bits on every release-1 target; the table normalises
/// `p` mnemonics to `Q` in [`InstrDef::width`] and in operand widths, so
/// consumers never see `P` from the table. `None` marks width-less
/// instructions (`jmp`, `nop`, `emit`, …).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Width {
    B,
    H,
    I,
    P,
    Q,
    F,
    D,
    V,
    None,
}

impl Width {
    /// Size in bits (`P` = 64), `None` for [`Width::None`].
    pub fn bits(self) -> Option<u32> {
        Some(match self {
            Width::B => 8,
            Width::H => 16,
            Width::I | Width::F => 32,
            Width::P | Width::Q | Width::D => 64,
            Width::V => 128,
            Width::None => return None,
        })
    }
    /// `P` → `Q`; every other width unchanged (§1.3: `p` ≡ `q`).
    pub fn normalize(self) -> Width {
        if self == Width::P {
            Width::Q
        } else {
            self
        }
    }
    /// True for the floating-point / vector widths `F`, `D`, `V`.
    pub fn is_float(self) -> bool {
        matches!(self, Width::F | Width::D | Width::V)
    }
}

/// Integer comparison condition (§5, §7), in the spelling order of the spec.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Cond {
    Eq,
    Neq,
    A,
    Aeq,
    B,
    Beq,
    Gt,
    Gteq,
    Lt,
    Lteq,
}

impl Cond {
    /// All ten conditions, in table order.
    pub const ALL: [Cond; 10] = [
        Cond::Eq,
        Cond::Neq,
        Cond::A,
        Cond::Aeq,
        Cond::B,
        Cond::Beq,
        Cond::Gt,
        Cond::Gteq,
        Cond::Lt,
        Cond::Lteq,
    ];
    /// Mnemonic suffix (`eq`, `aeq`, …).
    pub fn suffix(self) -> &'static str {
        [
            "eq", "neq", "a", "aeq", "b", "beq", "gt", "gteq", "lt", "lteq",
        ][self as usize]
    }
    /// True for the signed conditions `gt`, `gteq`, `lt`, `lteq`.
    pub fn is_signed(self) -> bool {
        matches!(self, Cond::Gt | Cond::Gteq | Cond::Lt | Cond::Lteq)
    }
    /// Condition with the operands swapped (`a < b` ⇔ `b > a`); used when a
    /// back end swaps an immediate first operand (§20 item 17).
    pub fn mirror(self) -> Cond {
        match self {
            Cond::A => Cond::B,
            Cond::B => Cond::A,
            Cond::Aeq => Cond::Beq,
            Cond::Beq => Cond::Aeq,
            Cond::Gt => Cond::Lt,
            Cond::Lt => Cond::Gt,
            Cond::Gteq => Cond::Lteq,
            Cond::Lteq => Cond::Gteq,
            c => c,
        }
    }
    /// Logical negation (`eq` ↔ `neq`, `lt` ↔ `gteq`, …).
    pub fn negate(self) -> Cond {
        match self {
            Cond::Eq => Cond::Neq,
            Cond::Neq => Cond::Eq,
            Cond::A => Cond::Beq,
            Cond::Beq => Cond::A,
            Cond::Aeq => Cond::B,
            Cond::B => Cond::Aeq,
            Cond::Gt => Cond::Lteq,
            Cond::Lteq => Cond::Gt,
            Cond::Gteq => Cond::Lt,
            Cond::Lt => Cond::Gteq,
        }
    }
}

/// Test condition on a (masked) value (§6, §8).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum TestCond {
    /// Sign bit (bit W−1) set.
    S,
    /// Zero.
    Z,
    /// Non-zero.
    Nz,
}

impl TestCond {
    pub const ALL: [TestCond; 3] = [TestCond::S, TestCond::Z, TestCond::Nz];
    pub fn suffix(self) -> &'static str {
        ["s", "z", "nz"][self as usize]
    }
}

/// Condition on the result of a W-bit arithmetic operation (§9.1, §9.3).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum FlagCond {
    /// Signed overflow.
    O,
    /// Result negative.
    S,
    /// Result zero.
    Z,
    /// Result non-zero.
    Nz,
}

impl FlagCond {
    pub const ALL: [FlagCond; 4] = [FlagCond::O, FlagCond::S, FlagCond::Z, FlagCond::Nz];
    pub fn suffix(self) -> &'static str {
        ["o", "s", "z", "nz"][self as usize]
    }
}

/// Floating-point comparison (§12, §13); orderedness is separate.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum FCond {
    Eq,
    Neq,
    Gt,
    Gteq,
    Lt,
    Lteq,
}

impl FCond {
    pub const ALL: [FCond; 6] = [
        FCond::Eq,
        FCond::Neq,
        FCond::Gt,
        FCond::Gteq,
        FCond::Lt,
        FCond::Lteq,
    ];
    pub fn suffix(self) -> &'static str {
        ["eq", "neq", "gt", "gteq", "lt", "lteq"][self as usize]
    }
}

/// Operation of the arithmetic-with-branch family (§9.1).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Or,
}

/// Memory update of an atomic read-modify-write (§16.2); `old` is returned.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum AtomicOp {
    /// `M := old + v`
    Add,
    /// `M := old − v`
    Sub,
    /// `M := old & ~v`
    Clear,
    /// `M := old | v`
    Or,
    /// `M := old ^ v`
    Xor,
    /// `M := v`
    Xchg,
}

/// Semantic operation. Together with [`InstrDef::width`] it fully identifies
/// what an instruction computes; `p` mnemonics share the op and the `Q`
/// width of their `q` twin. Integer and FP variants of the same operation
/// share an op and differ by width (`addi`: `(Add, I)`, `addd`: `(Add, D)`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// `move`, `moved` (§2): full copy at width (Q or D); `move m, d` ≡ `loadq`.
    Move,
    /// `movdz`: `F64(d) := +0.0`.
    MoveZero,
    /// `sx*2*`: sign-extend the low `from` bits to the instruction width.
    SignExtend {
        from: Width,
    },
    /// `zxi2q`: zero-extend the low `from` bits.
    ZeroExtend {
        from: Width,
    },
    /// `leai`, `leap`: effective address (width I truncates).
    Lea,
    /// `peek n, d`: `R(d) := M_64[sp + 8n]`.
    Peek,
    /// `poke s, n`: `M_64[sp + 8n] := s`.
    Poke,
    /// `push` (§2.1).
    Push,
    /// `pop` (§2.1).
    Pop,
    /// Loads (§3): read `width` bits, extend (`signed`) to `ext_to`, then
    /// zero-extend to 64 (§1.5). FP/vector loads have `ext_to == width`.
    Load {
        signed: bool,
        ext_to: Width,
    },
    /// Stores (§3) of `width` bits.
    Store,
    /// `load2ia` (I), `loadpairq` (Q), `loadpaird` (D): two consecutive elements.
    LoadPair,
    /// `store2ia`, `storepairq`, `storepaird`.
    StorePair,
    Add,
    Sub,
    Mul,
    And,
    Or,
    Xor,
    /// `neg*` (two's complement for ints, sign flip for F/D).
    Neg,
    /// `noti`, `notq`.
    Not,
    LShift,
    RShift,
    URShift,
    LRotate,
    RRotate,
    Lzcnt,
    Tzcnt,
    /// `bfiq s, lsb, width, d` (§4.5).
    BitFieldInsert,
    /// ARM64 `div*` (§4.6): the divisor is the FIRST operand; x/0 = 0.
    Div {
        signed: bool,
    },
    /// x86 `cdqi` (I), `cqoq` (Q): r1 := sign bits of r0 (§4.7).
    SignExtendR0IntoR1,
    /// x86 `idiv*`/`udiv*` (§4.7): r1:r0 ÷ s → quotient r0, remainder r1.
    X86Div {
        signed: bool,
    },
    /// `smulli`: exact 64-bit product of two 32-bit inputs (§4.8).
    MulWiden {
        signed: bool,
    },
    /// `c<w><cc>` (§5).
    CompareSet(Cond),
    /// `b<w><cc>` (§7).
    CompareBranch(Cond),
    /// `t<w><c>` (§6).
    TestSet(TestCond),
    /// `bt<w><c>` (§8).
    TestBranch(TestCond),
    /// `b<op><w><c>` (§9.1).
    ArithBranch {
        op: ArithOp,
        cond: FlagCond,
    },
    /// `bo`/`bs`/`bz`/`bnz` on flags recorded by the previous instruction (§9.3).
    FlagBranch(FlagCond),
    /// FP `div*` (§10): `d := d ÷ s` / `d := a ÷ b`.
    FDiv,
    Sqrt,
    Abs,
    Floor,
    Ceil,
    /// Round to nearest, ties to even.
    Round,
    /// FP round toward zero (`truncatef`, `truncated`).
    Truncate,
    /// Integer → FP with rounding (§11.1); `from` is I or Q, width is F or D.
    IntToFp {
        from: Width,
        signed: bool,
    },
    /// FP → integer, truncating (§11.2); `from` F or D, width I or Q.
    FpToInt {
        from: Width,
        signed: bool,
    },
    /// `bcd2i` (`exact: true`) and `btd2i` (`exact: false`) (§11.3).
    CheckedD2I {
        exact: bool,
    },
    /// `cd2f`, `cf2d` (§11.4).
    FpConvert {
        from: Width,
    },
    /// Raw bit moves `fq2d`, `fd2q`, `fi2f`, `ff2i` (§11.5).
    BitMove {
        from: Width,
    },
    /// `fii2d lo, hi, d`.
    FpFromIntPair,
    /// `fd2ii s, lo, hi`.
    FpToIntPair,
    /// `c{f,d}<cc>[un]` (§12).
    FCompareSet {
        cond: FCond,
        unordered: bool,
    },
    /// `b{f,d}<cc>[un]` (§13).
    FBranch {
        cond: FCond,
        unordered: bool,
    },
    Jmp,
    Call,
    Ret,
    /// `break`: trap (§14).
    Break,
    Nop,
    /// Pointer-authentication instructions (§15): no code on release-1 targets.
    PtrAuth,
    /// `memfence`, `fence` (§16.1).
    Fence,
    /// `atomicxchg*` (§16.2).
    AtomicRmw(AtomicOp),
    /// `atomicweakcas*` / `batomicweakcas*` (`branch: true`) (§16.3).
    AtomicCas {
        branch: bool,
    },
    /// `atomicload*` (acquire).
    AtomicLoad,
    /// `loadlinkacq*` (exclusive load-acquire).
    LoadLinkAcq,
    /// `storecondrel*` (store-release-exclusive; status 0 = success).
    StoreCondRel,
    /// `emit` (§17): opaque text.
    Emit,
    /// `pcrtoaddr` (ARM64 `adr`).
    PcRelAddr,
    /// `globaladdr` (through the GOT).
    GlobalAddr,
    /// `tls_loadp`.
    TlsLoad,
    /// `tls_storep`.
    TlsStore,
    /// `moveargs s0, …, sk` (offasm extension, docs/instructions-extensions.md):
    /// a parallel move into the argument registers, `a_n := s_n` for every n,
    /// all sources read before any argument register is written.
    MoveArgs,
    /// Reserved mnemonic without release-1 semantics (§19).
    Reserved,
}

/// Operand-kind bit set (§1.1).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Default)]
pub struct Kinds(pub u8);

impl Kinds {
    pub const NONE: Kinds = Kinds(0);
    pub const GPR: Kinds = Kinds(1 << 0);
    pub const FPR: Kinds = Kinds(1 << 1);
    /// Integer expression (on x86-64 also a label difference where a rule allows).
    pub const IMM: Kinds = Kinds(1 << 2);
    pub const ADDR: Kinds = Kinds(1 << 3);
    /// Code label, offset 0: branch / jmp / call target, `pcrtoaddr`, `globaladdr`.
    pub const LABEL: Kinds = Kinds(1 << 4);
    /// Data label: global label ± k, or a local label (★ loads, `leap`).
    pub const DATA_LABEL: Kinds = Kinds(1 << 5);
    /// String literal (`emit` only).
    pub const STR: Kinds = Kinds(1 << 6);

    pub const fn union(self, o: Kinds) -> Kinds {
        Kinds(self.0 | o.0)
    }
    /// True if every kind of `o` is in `self`.
    pub const fn contains(self, o: Kinds) -> bool {
        self.0 & o.0 == o.0
    }
    pub const fn intersects(self, o: Kinds) -> bool {
        self.0 & o.0 != 0
    }
}

impl BitOr for Kinds {
    type Output = Kinds;
    fn bitor(self, o: Kinds) -> Kinds {
        self.union(o)
    }
}

impl fmt::Debug for Kinds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_bits(f, self.0 as u32, "Gpr Fpr Imm Addr Label DataLabel Str")
    }
}

/// Writes the names (from the space-separated `names`) of the set bits of
/// `bits`, joined by `|`, or `None`.
fn write_bits(f: &mut fmt::Formatter<'_>, bits: u32, names: &str) -> fmt::Result {
    let set: Vec<&str> = names
        .split_whitespace()
        .enumerate()
        .filter(|(i, _)| bits & (1 << i) != 0)
        .map(|(_, n)| n)
        .collect();
    f.write_str(&if set.is_empty() {
        "None".to_string()
    } else {
        set.join("|")
    })
}

/// How an instruction uses an operand. For an Addr (or data label) the
/// access describes the *memory* at the address; its base/index registers
/// are always read.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Access {
    Read,
    /// Written only (`!` in the spec, value not read).
    Write,
    /// Read and written (`!` on a read-modify-write destination).
    ReadWrite,
    /// Only the address is computed; memory is not touched (`leai`, `leap`).
    Address,
}

impl Access {
    pub fn reads(self) -> bool {
        matches!(self, Access::Read | Access::ReadWrite)
    }
    pub fn writes(self) -> bool {
        matches!(self, Access::Write | Access::ReadWrite)
    }
}

/// One operand position of a form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OperandSpec {
    pub kinds: Kinds,
    pub access: Access,
    /// Width of the value read/written: an Imm is range-checked at this width
    /// (LANGUAGE §10.1, INSTRUCTIONS §1.6); for an Addr it is the memory
    /// access width (the element width for pair loads/stores); for a written
    /// Gpr it is the result width before the §1.5 zero-extension (`Q` for
    /// 0/1 results of compares). Branch-target labels have `Width::None`.
    pub width: Width,
}

/// Extra constraint on a form, checked by the validator. Operand indices are
/// 0-based; in a variadic form an index naming the last spec applies to
/// every repetition of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rule {
    /// §1.2: at most one operand is an Addr (`operand-kind`). Added
    /// automatically to every form in which two operands admit Addr.
    AtMostOneAddr,
    /// §1.2: the two operands are not both Imm (comparisons, 3-operand arithmetic).
    NotBothImm(usize, usize),
    /// The operands must not name the same register; if one of them is an
    /// Addr, the other must not be its base or index register
    /// (`loadpairq`, `fd2ii`, `storecondrel*`).
    Distinct(usize, usize),
    /// x86 division group (§4.7): the register must not be physically r0 or r1.
    NotR0R1(usize),
    /// On x86 targets the register must be physically `rax` (`t0`), §16.3.
    RaxOnX86(usize),
    /// Imm operand value must lie in `[lo, hi]` (`imm-range`): shift counts,
    /// `bfiq` lsb/width.
    ImmRange(usize, i128, i128),
    /// The Addr operand must have offset 0 (`loadlinkacq*`, `storecondrel*`).
    ZeroOffset(usize),
    /// The variadic operand count must be even on ARM64 (`operand-count`), §2.1.
    EvenCountOnArm64,
    /// No operand may be `sp` (`operand-kind`): `pop` moves `sp` itself, so
    /// popping into it has no one meaning (x86-64 keeps the loaded value,
    /// ARM64 the incremented pointer, §2.1 the sum of both).
    NoSp,
    /// `bfiq`: `1 <= width (op 2) <= 64 - lsb (op 1)` (§4.5).
    BfiWidth,
    /// Must directly follow `addis`/`addps`/`subis`/`oris` (`flags-not-set`), §9.3.
    FollowsFlagSetter,
    /// A label operand here must be a global label (★ loads, `globaladdr`).
    GlobalLabelOnly(usize),
    /// A label operand here must be a local label (`emit`, §17).
    LocalLabelOnly(usize),
    /// The label must be defined in this output (`pcrtoaddr`, §17).
    LabelDefinedInOutput(usize),
    /// The Imm may be a label difference `_a − _b` on x86-64 (`move`, LANGUAGE §10.4).
    AllowsLabelDifference(usize),
    /// The operand count must not exceed the target's number of integer
    /// argument registers (6 System V, 4 Windows, 8 ARM64) (`operand-count`):
    /// `moveargs` writes a0..a(n-1).
    MaxArgRegs,
}

/// One alternative operand form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Form {
    pub operands: Vec<OperandSpec>,
    /// The last operand spec repeats (at least once): `push`, `pop`, `emit`.
    pub variadic: bool,
    pub rules: Vec<Rule>,
}

impl Form {
    /// True if `n` operands can match this form's count.
    pub fn accepts_count(&self, n: usize) -> bool {
        if self.variadic {
            n >= self.operands.len()
        } else {
            n == self.operands.len()
        }
    }
    /// The spec for operand `i`, honouring repetition of a variadic tail.
    pub fn operand(&self, i: usize) -> Option<&OperandSpec> {
        match self.operands.get(i) {
            Some(s) => Some(s),
            None if self.variadic => self.operands.last(),
            None => None,
        }
    }
}

/// The instruction set's view of an architecture is the target's.
pub use crate::target::Arch;


/// Availability column (§1.10).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Avail {
    /// All four release-1 targets.
    All,
    /// Targets (a) and (b).
    X86,
    /// Targets (c) and (d).
    Arm64,
    /// Mach-O targets only (x86-64 macOS and ARM64 Apple).
    Apple,
    /// None: reserved mnemonic (§19), always `instruction-unavailable`.
    Reserved,
}

impl Avail {
    /// Whether the instruction exists on `arch` (`apple`: Mach-O target).
    pub fn on(&self, arch: Arch, apple: bool) -> bool {
        match self {
            Avail::All => true,
            Avail::X86 => arch == Arch::X86_64,
            Avail::Arm64 => arch == Arch::Arm64,
            Avail::Apple => apple,
            Avail::Reserved => false,
        }
    }
}

/// Implicit effects (bit set), beyond the operands' own [`Access`].
#[derive(Copy, Clone, PartialEq, Eq, Hash, Default)]
pub struct Effects(pub u32);

impl Effects {
    pub const NONE: Effects = Effects(0);
    /// Implicitly reads physical r0 (rax) — x86 division group (§4.7).
    pub const READS_R0: Effects = Effects(1 << 0);
    /// Implicitly reads physical r1 (rdx).
    pub const READS_R1: Effects = Effects(1 << 1);
    /// Implicitly writes physical r0.
    pub const WRITES_R0: Effects = Effects(1 << 2);
    /// Implicitly writes physical r1.
    pub const WRITES_R1: Effects = Effects(1 << 3);
    /// A call: clobbers caller-saved registers; x86 pushes the return
    /// address, ARM64 writes `lr` (§14).
    pub const CALL: Effects = Effects(1 << 4);
    /// May jump to its label operand (conditional or not).
    pub const BRANCH: Effects = Effects(1 << 5);
    /// No fall-through (`jmp`, `ret`, `break`).
    pub const TERMINATOR: Effects = Effects(1 << 6);
    /// Records flags for a following `bo`/`bs`/`bz`/`bnz` (§9.2).
    pub const SETS_FLAGS: Effects = Effects(1 << 7);
    /// Consumes flags recorded by the previous instruction (§9.3).
    pub const USES_FLAGS: Effects = Effects(1 << 8);
    /// Opaque to the compiler: assume everything is clobbered (`emit`, warning `emit-opaque`).
    pub const OPAQUE: Effects = Effects(1 << 9);
    /// Reads memory not described by an operand (stack slots, TLS, return address).
    pub const MEMORY_READ: Effects = Effects(1 << 10);
    /// Writes memory not described by an operand.
    pub const MEMORY_WRITE: Effects = Effects(1 << 11);
    /// Atomic / exclusive memory access (natural alignment required, §1.9).
    pub const ATOMIC: Effects = Effects(1 << 12);
    /// Decrements `sp` and stores (`push`).
    pub const PUSHES: Effects = Effects(1 << 13);
    /// Loads and increments `sp` (`pop`).
    pub const POPS: Effects = Effects(1 << 14);
    /// An Addr source draws the warning `move-from-memory` (§2).
    pub const WARN_MOVE_FROM_MEMORY: Effects = Effects(1 << 15);
    /// Memory barrier (fences; every atomic is also sequentially consistent).
    pub const FENCE: Effects = Effects(1 << 16);
    /// Returns to the caller (`ret`): x86 pops the return address, ARM64 reads `lr`.
    pub const RETURN: Effects = Effects(1 << 17);
    /// Traps (`break`).
    pub const TRAP: Effects = Effects(1 << 18);
    /// Reads `sp` implicitly (`peek`, `poke`).
    pub const READS_SP: Effects = Effects(1 << 19);
    /// Writes the argument registers a0..a(n-1), n = operand count, after
    /// reading every source: a parallel move (`moveargs`). Operand n is the
    /// value `a_n` receives; the operands themselves are all read.
    pub const WRITES_ARGS: Effects = Effects(1 << 20);

    pub const fn union(self, o: Effects) -> Effects {
        Effects(self.0 | o.0)
    }
    pub const fn contains(self, o: Effects) -> bool {
        self.0 & o.0 == o.0
    }
}

impl BitOr for Effects {
    type Output = Effects;
    fn bitor(self, o: Effects) -> Effects {
        self.union(o)
    }
}

impl fmt::Debug for Effects {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Effects(")?;
        write_bits(
            f,
            self.0,
            "READS_R0 READS_R1 WRITES_R0 WRITES_R1 CALL BRANCH TERMINATOR SETS_FLAGS USES_FLAGS \
             OPAQUE MEMORY_READ MEMORY_WRITE ATOMIC PUSHES POPS WARN_MOVE_FROM_MEMORY FENCE \
             RETURN TRAP READS_SP WRITES_ARGS",
        )?;
        f.write_str(")")
    }
}

/// Identifier of an instruction: index into the table.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct InstrId(pub u16);

/// One mnemonic.
#[derive(Clone, Debug)]
pub struct InstrDef {
    pub name: String,
    pub op: Op,
    /// Operation width; `p` mnemonics carry `Q` (§1.3).
    pub width: Width,
    /// Alternative operand forms, tried in order. Empty for reserved mnemonics.
    pub forms: Vec<Form>,
    pub avail: Avail,
    pub effects: Effects,
}

/// The instruction table with a name index.
pub struct Isa {
    defs: Vec<InstrDef>,
    by_name: HashMap<String, InstrId>,
}

impl Isa {
    fn new(defs: Vec<InstrDef>) -> Isa {
        let mut by_name = HashMap::with_capacity_and_hasher(defs.len(), Default::default());
        for (i, d) in defs.iter().enumerate() {
            let prev = by_name.insert(d.name.clone(), InstrId(i as u16));
            assert!(prev.is_none(), "duplicate mnemonic {}", d.name);
        }
        Isa { defs, by_name }
    }
    /// O(1) lookup of a mnemonic (case-sensitive).
    pub fn lookup(&self, mnemonic: &str) -> Option<InstrId> {
        self.by_name.get(mnemonic).copied()
    }
    pub fn get(&self, id: InstrId) -> &InstrDef {
        &self.defs[id.0 as usize]
    }
    /// Lookup returning the definition.
    pub fn def(&self, mnemonic: &str) -> Option<&InstrDef> {
        self.lookup(mnemonic).map(|id| self.get(id))
    }
    /// Every mnemonic, including reserved ones (§19) — i.e. a reserved word
    /// (LANGUAGE §2.10).
    pub fn is_mnemonic(&self, word: &str) -> bool {
        self.by_name.contains_key(word)
    }
    /// The supported mnemonic nearest to `word` by edit distance (1, or 2 for words of 4+ letters), for "did you mean".
    pub fn closest(&self, word: &str) -> Option<&str> {
        self.defs
            .iter()
            .filter(|d| d.avail != Avail::Reserved)
            .map(|d| (edit_distance(word, &d.name), d.name.as_str()))
            .filter(|&(dist, _)| dist <= 1 || (dist == 2 && word.len() >= 4))
            .min()
            .map(|(_, n)| n)
    }
    pub fn iter(&self) -> impl Iterator<Item = (InstrId, &InstrDef)> {
        self.defs
            .iter()
            .enumerate()
            .map(|(i, d)| (InstrId(i as u16), d))
    }
    pub fn len(&self) -> usize {
        self.defs.len()
    }
    pub fn is_empty(&self) -> bool {
        self.defs.is_empty()
    }
}

/// The process-wide table, built on first use.
pub fn isa() -> &'static Isa {
    static ISA: OnceLock<Isa> = OnceLock::new();
    ISA.get_or_init(|| Isa::new(table::build()))
}

/// Levenshtein distance (byte-wise; mnemonics are ASCII).
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, &ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
#[rustfmt::skip] // compact spot checks and the pasted §21 name list
mod tests {
    use super::*;

    /// Every mnemonic named in INSTRUCTIONS.md §21 (all tables and lists).
    const SECTION_21: &str = "
        move loadp loadi bineq jmp storep storei addp subp loadq andi btiz storeq subi leap bieq
        btpz orq call push addi emit pop btinz ori fq2d stored loadd btqnz btqz loadb bbneq biaeq
        ret bilt bia lshifti addq ci2ds fii2d andq lshiftp bib fi2f bpneq rshifti muli bqb negi
        fence btpnz loadpairq break bqneq loadis xori bdgtequn sxi2q tagReturnAddress storepairq
        bqeq cieq loadh bbeq subq urshifti bdltequn bpbeq load2ia xorq cqeq store2ia andp btbnz fd2q
        bfgtequn bpeq loadpaird bpb untagReturnAddress bigt bqaeq bpa storepaird bilteq muld storeb
        loadhsi cdqi idivi bdeq bdnequn bbb negq bigteq bpgteq cib loadbsi lshiftq bfeq bfltequn
        bfltun moved cpeq btbz truncated2i truncated2is bsubinz bbaeq addps notq addd cibeq baddis
        addf bqa ff2i zxi2q bpaeq cbeq cia ciaeq lzcnti mulq tzcnti fd2ii storecondrelb
        storecondrelh storecondreli storecondrelq bqbeq divd cineq loadhsq bdgt bdlt bdltun orh negp
        bfgt bflt cqoq idivq truncated2q truncated2qs truncatef2i truncatef2is truncatef2q
        truncatef2qs udivi udivq bmulio cbaeq cq2d cq2f noti sxb2i sxh2i tbz baddinz addis bfiq divi
        divis divq divqs loadlinkacqb loadlinkacqh loadlinkacqi loadlinkacqq pcrtoaddr subis
        untagArrayPtr baddio subd atomicxchgaddb atomicxchgaddh atomicxchgaddi atomicxchgaddq
        loadbsq cdgt cdgteq cdlt cdlteq cigt cigteq cilt cilteq storeh loadf bba memfence storef
        batomicweakcasb batomicweakcash batomicweakcasi batomicweakcasq loadv storev bbbeq baddpnz
        mulp absd absf andd andf atomicloadb atomicloadh atomicloadi atomicweakcasb atomicweakcash
        atomicweakcasi atomicweakcasq cd2f cdeq cdnequn ceild ceilf cf2d cfeq cfgt cfgteq cflt
        cflteq cfnequn ci2d ci2f ci2fs cq2ds cq2fs cqa cqaeq cqb cqbeq cqgt cqgteq cqlt cqlteq cqneq
        divf floord floorf lrotatei lrotateq lzcntq mulf negd negf ord orf roundd roundf rrotatei
        rrotateq rshiftq sqrtd sqrtf subf sxb2q sxh2q tqnz tqz truncated truncatef tzcntq urshiftq
        atomicxchgclearb atomicxchgclearh atomicxchgcleari atomicxchgclearq bcd2i remi remis
        removeArrayPtrTag remq remqs tagCodePtr umulli bibeq bsubio atomicxchgb atomicxchgh
        atomicxchgi atomicxchgq bdgteq bdgtun bdlteq atomicxchgsubb atomicxchgsubh atomicxchgsubi
        atomicxchgsubq atomicxchgorb atomicxchgorh atomicxchgori atomicxchgorq atomicxchgxorb
        atomicxchgxorh atomicxchgxori atomicxchgxorq atomicloadq baddiz baddpo baddps baddpz baddqnz
        baddqo baddqs baddqz bbgt bbgteq bblt bblteq bdequn bdneq bfgtun bmulinz bmulis bmuliz bnz
        bo borinz borio boris boriz bpgt bplt bplteq bqgt bqgteq bqlt bqlteq bs bsubis bsubiz btbs
        btd2i btis btps btqs bz cba cbb cbbeq cbgt cbgteq cblt cblteq cbneq cdneq cfneq cpa cpaeq
        cpb cpbeq cpgt cpgteq cplt cplteq cpneq globaladdr leai movdz nop oris orp peek poke
        removeCodePtrTag rshiftp smulli tbnz tbs td2i tinz tis tiz tls_loadp tls_storep tpnz tps tpz
        tqs urshiftp xorp adci bcs clrbp mvlbl sbci moveii loadlinkb loadlinkh loadlinki loadlink2i
        storecondb storecondh storecondi storecond2i la setcallreg cloopCrash cloopCallJSFunction
        cloopCallNative cloopCallSlowPath cloopCallSlowPathVoid cloopCallSlowPath3
        cloopCallSlowPath4 movz movn slt sltu pichdr cloopDo
    ";

    fn d(name: &str) -> &'static InstrDef {
        isa().def(name).unwrap_or_else(|| panic!("missing mnemonic {name}"))
    }
    fn count(pred: impl Fn(&InstrDef) -> bool) -> usize {
        isa().iter().filter(|(_, d)| pred(d)).count()
    }
    fn arities(name: &str) -> Vec<usize> {
        d(name).forms.iter().map(|f| f.operands.len()).collect()
    }

    /// Mnemonics offasm adds to INSTRUCTIONS.md (docs/instructions-extensions.md).
    /// They are not in §21, which lists the mnemonics of the reference sources.
    const EXTENSIONS: &[&str] = &["moveargs"];

    #[test]
    fn every_section_21_name_is_a_mnemonic() {
        let names: Vec<&str> = SECTION_21.split_whitespace().collect();
        assert_eq!(names.len(), 413);
        for n in &names {
            assert!(isa().is_mnemonic(n), "{n} not in table");
        }
        // §21 lists every documented mnemonic, so the table has nothing else
        // but offasm's own extensions, which §21 cannot list.
        for n in EXTENSIONS {
            assert!(isa().is_mnemonic(n) && !names.contains(n), "{n}: an extension, not a §21 name");
        }
        assert_eq!(isa().len(), names.len() + EXTENSIONS.len());
    }

    #[test]
    fn moveargs_is_a_variadic_parallel_move() {
        let m = d("moveargs");
        assert_eq!((m.op, m.width, m.avail), (Op::MoveArgs, Width::Q, Avail::All));
        assert_eq!(m.forms.len(), 1);
        let f = &m.forms[0];
        assert!(f.variadic && f.accepts_count(1) && f.accepts_count(8) && !f.accepts_count(0));
        assert_eq!(f.operands, vec![OperandSpec { kinds: Kinds::GPR | Kinds::IMM, access: Access::Read, width: Width::Q }]);
        assert_eq!(f.rules, vec![Rule::MaxArgRegs]);
        assert_eq!(m.effects, Effects::WRITES_ARGS);
        // The only instruction with that effect, and the effect has a name.
        assert_eq!(count(|d| d.effects.contains(Effects::WRITES_ARGS)), 1);
        assert_eq!(format!("{:?}", m.effects), "Effects(WRITES_ARGS)");
    }

    #[test]
    fn section_18_names_are_not_mnemonics() {
        for n in ["leaq", "sxi2p", "zxi2p", "fp2d", "fd2p", "notp", "mulis", "popcnti", "popcntq", "loadbs"] {
            assert!(!isa().is_mnemonic(n), "{n} must not be a mnemonic");
        }
        for n in ["bfneq", "bfgteq", "bflteq", "bfequn", "bfnequn", "lrotatep", "rrotatep", "MOVE", "cbh"] {
            assert!(!isa().is_mnemonic(n), "{n} must not be a mnemonic");
        }
    }

    #[test]
    fn family_counts() {
        assert_eq!(count(|d| matches!(d.op, Op::CompareBranch(_))), 40);
        assert_eq!(count(|d| matches!(d.op, Op::CompareSet(_))), 40);
        assert_eq!(count(|d| matches!(d.op, Op::TestSet(_))), 12);
        assert_eq!(count(|d| matches!(d.op, Op::TestBranch(_))), 12);
        assert_eq!(count(|d| matches!(d.op, Op::ArithBranch { .. })), 24);
        assert_eq!(count(|d| matches!(d.op, Op::FlagBranch(_))), 4);
        assert_eq!(count(|d| matches!(d.op, Op::FCompareSet { .. })), 14);
        assert_eq!(count(|d| matches!(d.op, Op::FBranch { .. }) && d.width == Width::D), 12);
        assert_eq!(count(|d| matches!(d.op, Op::FBranch { .. }) && d.width == Width::F), 7);
        assert_eq!(count(|d| matches!(d.op, Op::AtomicRmw(_))), 24);
        assert_eq!(count(|d| matches!(d.op, Op::AtomicCas { .. })), 8);
        assert_eq!(count(|d| matches!(d.op, Op::Load { .. })), 13);
        assert_eq!(count(|d| d.op == Op::Store), 8);
        assert_eq!(count(|d| d.op == Op::PtrAuth), 6);
        assert_eq!(count(|d| matches!(d.op, Op::IntToFp { .. })), 8);
        assert_eq!(count(|d| matches!(d.op, Op::FpToInt { .. })), 9);
        assert_eq!(count(|d| d.avail == Avail::Reserved), 34);
        assert_eq!(count(|d| d.effects.contains(Effects::SETS_FLAGS)), 4);
    }

    #[test]
    fn lookup_is_a_hash_index() {
        let t = isa();
        assert_eq!(t.by_name.len(), t.defs.len());
        for (id, def) in t.iter() {
            assert_eq!(t.lookup(&def.name), Some(id));
            assert_eq!(t.get(id).name, def.name);
        }
        assert!(std::ptr::eq(isa(), t), "built once");
        assert_eq!(t.lookup("nosuch"), None);
    }

    #[test]
    fn availability() {
        for (n, a) in [
            ("divi", Avail::Arm64), ("cdqi", Avail::X86), ("storecondrelq", Avail::Arm64),
            ("tls_loadp", Avail::Apple), ("pcrtoaddr", Avail::Arm64), ("bfiq", Avail::Arm64),
            ("loadpairq", Avail::Arm64), ("load2ia", Avail::All), ("atomicxchgclearh", Avail::Arm64),
            ("atomicxchgsubq", Avail::All), ("idivq", Avail::X86), ("notq", Avail::All),
            ("oris", Avail::All), ("remi", Avail::Reserved), ("cloopDo", Avail::Reserved),
        ] {
            assert_eq!(d(n).avail, a, "{n}");
        }
        assert!(d("cdqi").effects.contains(Effects::WRITES_R1 | Effects::READS_R0));
        assert!(Avail::Apple.on(Arch::X86_64, true) && !Avail::Apple.on(Arch::Arm64, false));
        assert!(!Avail::X86.on(Arch::Arm64, true) && Avail::X86.on(Arch::X86_64, false));
        assert!(!Avail::Reserved.on(Arch::X86_64, false) && !Avail::Reserved.on(Arch::Arm64, true));
        assert!(d("remi").forms.is_empty());
    }

    #[test]
    fn shift_forms_and_ranges() {
        let li = d("lshifti");
        assert_eq!(li.forms[0].rules, vec![Rule::ImmRange(0, 0, 31)]);
        assert_eq!(li.forms[1].rules, vec![Rule::ImmRange(1, 0, 31)]);
        assert_eq!(d("lshiftq").forms[0].rules, vec![Rule::ImmRange(0, 0, 63)]);
        assert_eq!(d("urshiftp").forms[1].rules, vec![Rule::ImmRange(1, 0, 63)]);
        assert_eq!(arities("lrotatei"), vec![2]);
        assert_eq!(arities("rshiftp"), vec![2, 3]);
        assert_eq!(li.forms[0].operands[1].access, Access::ReadWrite);
        let bfi = &d("bfiq").forms[0];
        assert!(bfi.rules.contains(&Rule::ImmRange(1, 0, 63)) && bfi.rules.contains(&Rule::BfiWidth));
        assert_eq!(bfi.operands[3].access, Access::ReadWrite);
    }

    #[test]
    fn spot_checks() {
        // move: Gpr|Imm form and the warned Addr form.
        let mv = d("move");
        assert_eq!(mv.forms.len(), 2);
        assert!(mv.forms[0].operands[0].kinds.contains(Kinds::GPR | Kinds::IMM));
        assert_eq!(mv.forms[1].operands[0].kinds, Kinds::ADDR);
        assert!(mv.effects.contains(Effects::WARN_MOVE_FROM_MEMORY));
        // p ≡ q: same op and width, own name.
        assert_eq!((d("addp").op, d("addp").width), (d("addq").op, d("addq").width));
        assert_eq!(d("bpeq").op, Op::CompareBranch(Cond::Eq));
        assert_eq!(d("addi").forms[0].operands[1].access, Access::ReadWrite);
        assert_eq!(d("addi").forms[1].rules, vec![Rule::NotBothImm(0, 1)]);
        assert_eq!(d("addi").forms[0].rules, vec![Rule::AtMostOneAddr]);
        assert_eq!(d("addis").op, Op::Add);
        // orh: Gpr|Imm source, Addr|Gpr read-modify-write destination.
        let orh = &d("orh").forms;
        assert_eq!(orh.len(), 1);
        assert_eq!(orh[0].operands[0].kinds, Kinds::GPR | Kinds::IMM);
        assert_eq!(orh[0].operands[1].kinds, Kinds::GPR | Kinds::ADDR);
        assert_eq!((orh[0].operands[1].access, orh[0].operands[0].width), (Access::ReadWrite, Width::H));
        assert_eq!(arities("cq2d"), vec![2, 3]);
        assert_eq!(arities("cq2ds"), vec![2]);
        assert_eq!(arities("atomicxchgaddi"), vec![2, 3]);
        assert_eq!(d("atomicxchgaddi").forms[0].operands[0].access, Access::ReadWrite);
        assert_eq!(arities("jmp"), vec![1, 2, 3]);
        assert!(d("jmp").forms[0].operands[0].kinds.contains(Kinds::LABEL | Kinds::GPR | Kinds::ADDR));
        assert!(d("jmp").effects.contains(Effects::TERMINATOR) && d("call").effects.contains(Effects::CALL));
        let push = &d("push").forms[0];
        assert!(push.variadic && push.accepts_count(3) && !push.accepts_count(0));
        assert!(push.rules.contains(&Rule::EvenCountOnArm64) && !push.rules.contains(&Rule::NoSp));
        assert!(d("pop").forms[0].rules.contains(&Rule::NoSp));
        assert_eq!(d("pop").forms[0].operand(5).unwrap().access, Access::Write);
        let emit = &d("emit").forms[0];
        assert!(emit.variadic && emit.operands[0].kinds == Kinds::STR | Kinds::LABEL);
        assert!(d("bo").forms[0].rules.contains(&Rule::FollowsFlagSetter));
        assert!(d("loadpairq").forms[0].rules.contains(&Rule::Distinct(1, 2)));
        assert!(d("loadlinkacqb").forms[0].rules.contains(&Rule::ZeroOffset(0)));
        assert!(d("storecondreli").forms[0].rules.contains(&Rule::ZeroOffset(2)));
        assert!(d("idivi").forms[0].rules.contains(&Rule::NotR0R1(0)));
        assert_eq!(d("loadbsi").op, Op::Load { signed: true, ext_to: Width::I });
        assert!(d("loadp").forms[0].operands[0].kinds.contains(Kinds::DATA_LABEL));
        assert!(!d("loadd").forms[0].operands[0].kinds.contains(Kinds::DATA_LABEL));
        assert_eq!(d("leap").forms[0].operands[0].access, Access::Address);
        assert_eq!(d("storeb").forms[0].operands[1].access, Access::Write);
        assert_eq!(d("ord").op, Op::Or);
        assert_eq!(d("cdnequn").op, Op::FCompareSet { cond: FCond::Neq, unordered: true });
        assert_eq!(d("bfltequn").op, Op::FBranch { cond: FCond::Lteq, unordered: true });
        assert_eq!(d("td2i").op, d("truncated2is").op);
        assert_eq!(d("cbgt").width, Width::B);
        assert_eq!(arities("tagCodePtr"), vec![2, 4]);
        assert_eq!(d("nop").forms.len(), 1);
        assert_eq!(arities("ret"), vec![0]);
    }

    #[test]
    fn table_invariants() {
        for (_, def) in isa().iter() {
            assert_ne!(def.width, Width::P, "{}: p is normalised to q", def.name);
            for f in &def.forms {
                let addrs = f.operands.iter().filter(|s| s.kinds.intersects(Kinds::ADDR)).count();
                assert_eq!(addrs >= 2, f.rules.contains(&Rule::AtMostOneAddr), "{}", def.name);
                assert!(f.operands.iter().all(|s| s.kinds != Kinds::NONE));
            }
            if def.effects.contains(Effects::BRANCH) {
                assert!(def.forms.iter().all(|f| f.operands.iter().any(|s| s.kinds.contains(Kinds::LABEL))));
            }
        }
    }
}

