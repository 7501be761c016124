//! x86-64 register names per operand size, and the back end's scratch
//! registers (TARGETS.md §2.2).

use crate::target::regs::Reg;
use crate::target::RegMap;

/// Operand size of an integer instruction.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Size {
    B,
    W,
    L,
    Q,
}

impl Size {
    pub fn suffix(self) -> char {
        match self {
            Size::B => 'b',
            Size::W => 'w',
            Size::L => 'l',
            Size::Q => 'q',
        }
    }
    pub fn bits(self) -> u32 {
        match self {
            Size::B => 8,
            Size::W => 16,
            Size::L => 32,
            Size::Q => 64,
        }
    }
}

/// The general-purpose scratch register (never a logical register).
pub const SCRATCH: &str = "r11";

/// The 64-bit registers in encoding order, with their names at 64, 32, 16 and 8 bits.
const GPR_NAMES: [[&str; 5]; 16] = [
    ["rax", "%rax", "%eax", "%ax", "%al"],
    ["rcx", "%rcx", "%ecx", "%cx", "%cl"],
    ["rdx", "%rdx", "%edx", "%dx", "%dl"],
    ["rbx", "%rbx", "%ebx", "%bx", "%bl"],
    ["rsp", "%rsp", "%esp", "%sp", "%spl"],
    ["rbp", "%rbp", "%ebp", "%bp", "%bpl"],
    ["rsi", "%rsi", "%esi", "%si", "%sil"],
    ["rdi", "%rdi", "%edi", "%di", "%dil"],
    ["r8", "%r8", "%r8d", "%r8w", "%r8b"],
    ["r9", "%r9", "%r9d", "%r9w", "%r9b"],
    ["r10", "%r10", "%r10d", "%r10w", "%r10b"],
    ["r11", "%r11", "%r11d", "%r11w", "%r11b"],
    ["r12", "%r12", "%r12d", "%r12w", "%r12b"],
    ["r13", "%r13", "%r13d", "%r13w", "%r13b"],
    ["r14", "%r14", "%r14d", "%r14w", "%r14b"],
    ["r15", "%r15", "%r15d", "%r15w", "%r15b"],
];

const XMM_NAMES: [&str; 16] = [
    "%xmm0", "%xmm1", "%xmm2", "%xmm3", "%xmm4", "%xmm5", "%xmm6", "%xmm7", "%xmm8", "%xmm9", "%xmm10", "%xmm11", "%xmm12", "%xmm13",
    "%xmm14", "%xmm15",
];

/// `%rax`-style name of a 64-bit register at `size` (a table: this is on
/// the path of every operand). An XMM register keeps its one name (`movq`
/// between a GPR and an XMM register names both with their 64-bit names).
pub fn sized(name64: &str, size: Size) -> &'static str {
    let column = match size {
        Size::Q => 1,
        Size::L => 2,
        Size::W => 3,
        Size::B => 4,
    };
    match GPR_NAMES.iter().find(|n| n[0] == name64) {
        Some(n) => n[column],
        None => xmm_name(name64),
    }
}

fn xmm_name(name: &str) -> &'static str {
    name.strip_prefix("xmm").and_then(|n| n.parse::<usize>().ok()).and_then(|n| XMM_NAMES.get(n).copied()).unwrap_or("%<unknown>")
}

/// The physical 64-bit name of a logical GPR (validated to exist).
pub fn phys(map: RegMap, r: Reg) -> &'static str {
    map.phys(r).map(|p| p.name).unwrap_or("<unavailable>")
}

pub fn gpr(map: RegMap, r: Reg, size: Size) -> &'static str {
    sized(phys(map, r), size)
}

pub fn xmm(map: RegMap, r: Reg) -> &'static str {
    xmm_name(phys(map, r))
}

pub fn scratch(size: Size) -> &'static str {
    sized(SCRATCH, size)
}
