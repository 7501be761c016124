//! x86-64 register names per operand size (TARGETS.md §2.2).

use crate::back::code::Tok;

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

/// The 64-bit registers by hardware number, with their names at 64, 32, 16 and 8 bits.
const GPR_NAMES: [&str; 64] = [
    "%rax", "%eax", "%ax", "%al",
    "%rcx", "%ecx", "%cx", "%cl",
    "%rdx", "%edx", "%dx", "%dl",
    "%rbx", "%ebx", "%bx", "%bl",
    "%rsp", "%esp", "%sp", "%spl",
    "%rbp", "%ebp", "%bp", "%bpl",
    "%rsi", "%esi", "%si", "%sil",
    "%rdi", "%edi", "%di", "%dil",
    "%r8", "%r8d", "%r8w", "%r8b",
    "%r9", "%r9d", "%r9w", "%r9b",
    "%r10", "%r10d", "%r10w", "%r10b",
    "%r11", "%r11d", "%r11w", "%r11b",
    "%r12", "%r12d", "%r12w", "%r12b",
    "%r13", "%r13d", "%r13w", "%r13b",
    "%r14", "%r14d", "%r14w", "%r14b",
    "%r15", "%r15d", "%r15w", "%r15b",
];

static GPR_TOKS: [Tok; 64] = Tok::table(GPR_NAMES);

pub static XMM_TOKS: [Tok; 16] = Tok::table([
    "%xmm0", "%xmm1", "%xmm2", "%xmm3", "%xmm4", "%xmm5", "%xmm6", "%xmm7", "%xmm8", "%xmm9", "%xmm10", "%xmm11", "%xmm12", "%xmm13",
    "%xmm14", "%xmm15",
]);

/// The name of general-purpose register `r` (hardware number) at `size`.
pub fn gpr_tok(r: u8, size: Size) -> &'static Tok {
    let column = match size {
        Size::Q => 0,
        Size::L => 1,
        Size::W => 2,
        Size::B => 3,
    };
    &GPR_TOKS[(r as usize & 15) * 4 + column]
}
