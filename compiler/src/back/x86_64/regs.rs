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

/// `%rax`-style name of a 64-bit register at `size`.
pub fn sized(name64: &str, size: Size) -> String {
    let legacy = |q: &str, l: &str, w: &str, b: &str| match size {
        Size::Q => q.to_string(),
        Size::L => l.to_string(),
        Size::W => w.to_string(),
        Size::B => b.to_string(),
    };
    let n = match name64 {
        "rax" => legacy("rax", "eax", "ax", "al"),
        "rbx" => legacy("rbx", "ebx", "bx", "bl"),
        "rcx" => legacy("rcx", "ecx", "cx", "cl"),
        "rdx" => legacy("rdx", "edx", "dx", "dl"),
        "rsi" => legacy("rsi", "esi", "si", "sil"),
        "rdi" => legacy("rdi", "edi", "di", "dil"),
        "rbp" => legacy("rbp", "ebp", "bp", "bpl"),
        "rsp" => legacy("rsp", "esp", "sp", "spl"),
        // r8..r15
        r => match size {
            Size::Q => r.to_string(),
            Size::L => format!("{r}d"),
            Size::W => format!("{r}w"),
            Size::B => format!("{r}b"),
        },
    };
    format!("%{n}")
}

/// The physical 64-bit name of a logical GPR (validated to exist).
pub fn phys(map: RegMap, r: Reg) -> &'static str {
    map.phys(r).map(|p| p.name).unwrap_or("<unavailable>")
}

pub fn gpr(map: RegMap, r: Reg, size: Size) -> String {
    sized(phys(map, r), size)
}

pub fn xmm(map: RegMap, r: Reg) -> String {
    format!("%{}", phys(map, r))
}

pub fn scratch(size: Size) -> String {
    sized(SCRATCH, size)
}
