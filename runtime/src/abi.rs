//! The interface to the assembly core (lib-asm/wasm/interp.asm): the context
//! and function-descriptor structs it reads, the constants of
//! lib-asm/wasm/abi.asm, and the addresses of its handlers.

#![allow(non_upper_case_globals, dead_code)]

use std::mem::offset_of;

mod consts {
    include!(concat!(env!("OUT_DIR"), "/abi_consts.rs"));
}
pub use consts::*;

/// The interpreter's state between runs (struct Ctx of abi.asm).
#[repr(C)]
#[derive(Debug)]
pub struct Ctx {
    pub pc: u64,
    pub fp: u64,
    pub mem_desc: u64,
    pub mem_sp: u64,
    pub ret_sp: u64,
    pub ret_limit: u64,
    pub stack_end: u64,
    pub trap: u64,
    pub arg0: u64,
    pub arg1: u64,
    pub mem_limit: u64,
    pub dispatches: u64,
}

const _: () = {
    assert!(offset_of!(Ctx, pc) == Ctx_pc);
    assert!(offset_of!(Ctx, fp) == Ctx_fp);
    assert!(offset_of!(Ctx, mem_desc) == Ctx_memDesc);
    assert!(offset_of!(Ctx, mem_sp) == Ctx_memSp);
    assert!(offset_of!(Ctx, mem_limit) == Ctx_memLimit);
    assert!(offset_of!(Ctx, ret_sp) == Ctx_retSp);
    assert!(offset_of!(Ctx, ret_limit) == Ctx_retLimit);
    assert!(offset_of!(Ctx, stack_end) == Ctx_stackEnd);
    assert!(offset_of!(Ctx, trap) == Ctx_trap);
    assert!(offset_of!(Ctx, arg0) == Ctx_arg0);
    assert!(offset_of!(Ctx, arg1) == Ctx_arg1);
    assert!(offset_of!(Ctx, dispatches) == Ctx_dispatches);
};

/// Where a linear memory is now (struct MemDesc of abi.asm), plus, for Rust
/// only, the memory it describes (to grow it on a call-out).
#[repr(C)]
#[derive(Debug)]
pub struct MemDesc {
    pub base: u64,
    pub size: u64,
    pub owner: *const std::cell::RefCell<crate::instance::MemoryData>,
}

const _: () = {
    assert!(offset_of!(MemDesc, base) == Mem_base);
    assert!(offset_of!(MemDesc, size) == Mem_size);
};

/// One return-stack entry.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct RetEntry {
    pub pc: u64,
    pub fp: u64,
}

const _: () = {
    assert!(offset_of!(RetEntry, pc) == Ret_pc);
    assert!(offset_of!(RetEntry, fp) == Ret_fp);
    assert!(std::mem::size_of::<RetEntry>() == Ret_size);
};

/// What a call needs to know about its callee (struct FuncInfo of abi.asm).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct FuncInfo {
    pub code: u64,
    pub frame_bytes: u64,
    pub locals_start: u64,
    pub locals_bytes: u64,
}

const _: () = {
    assert!(offset_of!(FuncInfo, code) == Func_code);
    assert!(offset_of!(FuncInfo, frame_bytes) == Func_frameBytes);
    assert!(offset_of!(FuncInfo, locals_start) == Func_localsStart);
    assert!(offset_of!(FuncInfo, locals_bytes) == Func_localsBytes);
};

/// One table element (struct TableEntry of abi.asm).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TableEntry {
    /// The function's FuncInfo, 0 for none.
    pub func: u64,
    /// The canonical id of its type.
    pub sig: u64,
}

const _: () = {
    assert!(offset_of!(TableEntry, func) == Elem_func);
    assert!(offset_of!(TableEntry, sig) == Elem_sig);
    assert!(std::mem::size_of::<TableEntry>() == Elem_size);
    assert!(1 << Elem_shift == Elem_size);
};

extern "C" {
    /// Runs internal code from `ctx.pc` until something needs Rust; returns a `Status_*`.
    pub fn wasm_enter(ctx: *mut Ctx) -> u64;
}

/// Operand kinds of a two-operand handler: slot or immediate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kinds {
    SS,
    SI,
    IS,
}

/// Declares a family of handlers: an enum with one variant per operation, and
/// for each of the listed suffixes a method returning the address of the
/// handler `wasm_<name><suffix>`. (One symbol module per suffix, because
/// macro_rules cannot nest a repetition over the suffixes in the one over the
/// operations.)
macro_rules! family {
    ($enum:ident $variants:tt, $($suffix:ident = $sfx:literal),+) => {
        family!(@enum $enum $variants);
        $( family!(@suffix $enum, $suffix, $sfx, $variants); )+
        impl $enum {
            /// (address, symbol name without `wasm_`) of every handler of the family.
            pub fn handlers() -> Vec<(u64, String)> {
                let mut all = Vec::new();
                for &op in Self::ALL {
                    $( all.push((op.$suffix(), format!("{}{}", op.name(), $sfx))); )+
                }
                all
            }
        }
    };
    (@enum $enum:ident { $($v:ident = $name:literal),* $(,)? }) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $enum { $($v),* }
        impl $enum {
            pub const ALL: &'static [$enum] = &[$($enum::$v),*];
            pub fn name(self) -> &'static str {
                match self { $($enum::$v => $name),* }
            }
        }
    };
    (@suffix $enum:ident, $suffix:ident, $sfx:literal, { $($v:ident = $name:literal),* $(,)? }) => {
        impl $enum {
            pub fn $suffix(self) -> u64 {
                #[allow(non_snake_case, non_upper_case_globals)]
                mod syms {
                    extern "C" {
                        $(
                            #[link_name = concat!("wasm_", $name, $sfx)]
                            pub fn $v();
                        )*
                    }
                }
                match self { $($enum::$v => syms::$v as unsafe extern "C" fn() as usize as u64),* }
            }
        }
    };
}

family!(Binary {
    I32Add = "i32_add", I32Sub = "i32_sub", I32Mul = "i32_mul",
    I32DivS = "i32_div_s", I32DivU = "i32_div_u", I32RemS = "i32_rem_s", I32RemU = "i32_rem_u",
    I32And = "i32_and", I32Or = "i32_or", I32Xor = "i32_xor",
    I32Shl = "i32_shl", I32ShrS = "i32_shr_s", I32ShrU = "i32_shr_u", I32Rotl = "i32_rotl", I32Rotr = "i32_rotr",
    I32Eq = "i32_eq", I32Ne = "i32_ne", I32LtS = "i32_lt_s", I32LtU = "i32_lt_u", I32GtS = "i32_gt_s",
    I32GtU = "i32_gt_u", I32LeS = "i32_le_s", I32LeU = "i32_le_u", I32GeS = "i32_ge_s", I32GeU = "i32_ge_u",
    I64Add = "i64_add", I64Sub = "i64_sub", I64Mul = "i64_mul",
    I64DivS = "i64_div_s", I64DivU = "i64_div_u", I64RemS = "i64_rem_s", I64RemU = "i64_rem_u",
    I64And = "i64_and", I64Or = "i64_or", I64Xor = "i64_xor",
    I64Shl = "i64_shl", I64ShrS = "i64_shr_s", I64ShrU = "i64_shr_u", I64Rotl = "i64_rotl", I64Rotr = "i64_rotr",
    I64Eq = "i64_eq", I64Ne = "i64_ne", I64LtS = "i64_lt_s", I64LtU = "i64_lt_u", I64GtS = "i64_gt_s",
    I64GtU = "i64_gt_u", I64LeS = "i64_le_s", I64LeU = "i64_le_u", I64GeS = "i64_ge_s", I64GeU = "i64_ge_u",
}, ss = "_ss", si = "_si", is = "_is", rs = "_rs", sr = "_sr", ri = "_ri", ir = "_ir", ss2 = "_ss2", si2 = "_si2");

impl Binary {
    /// The form of a `_ss`/`_si` handler that also writes its result to the
    /// slot in field 3 (which those forms leave as padding).
    pub fn with_second_dest(handler: u64) -> Option<u64> {
        Self::ALL.iter().find_map(|op| {
            if handler == op.ss() {
                Some(op.ss2())
            } else if handler == op.si() {
                Some(op.si2())
            } else {
                None
            }
        })
    }

    pub fn handler(self, kinds: Kinds) -> u64 {
        match kinds {
            Kinds::SS => self.ss(),
            Kinds::SI => self.si(),
            Kinds::IS => self.is(),
        }
    }
}

family!(ShiftedOp {
    I32Add = "i32_add", I32Sub = "i32_sub", I32And = "i32_and", I32Or = "i32_or", I32Xor = "i32_xor",
    I64Add = "i64_add", I64Sub = "i64_sub", I64And = "i64_and", I64Or = "i64_or", I64Xor = "i64_xor",
}, shl = "_shl_sk", shr_s = "_shr_s_sk", shr_u = "_shr_u_sk", rotl = "_rotl_sk", rotr = "_rotr_sk");

/// A shift or rotate by a constant, as the second operand of a `ShiftedOp`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shift {
    Shl,
    ShrS,
    ShrU,
    Rotl,
    Rotr,
}

impl Shift {
    /// The operation computing it on its own.
    pub fn binary(self, wide: bool) -> Binary {
        use Binary as B;
        match (self, wide) {
            (Shift::Shl, false) => B::I32Shl,
            (Shift::ShrS, false) => B::I32ShrS,
            (Shift::ShrU, false) => B::I32ShrU,
            (Shift::Rotl, false) => B::I32Rotl,
            (Shift::Rotr, false) => B::I32Rotr,
            (Shift::Shl, true) => B::I64Shl,
            (Shift::ShrS, true) => B::I64ShrS,
            (Shift::ShrU, true) => B::I64ShrU,
            (Shift::Rotl, true) => B::I64Rotl,
            (Shift::Rotr, true) => B::I64Rotr,
        }
    }
}

impl ShiftedOp {
    /// The form of `op` whose second operand is shifted, if it has one.
    pub fn of(op: Binary) -> Option<ShiftedOp> {
        use Binary as B;
        Some(match op {
            B::I32Add => ShiftedOp::I32Add,
            B::I32Sub => ShiftedOp::I32Sub,
            B::I32And => ShiftedOp::I32And,
            B::I32Or => ShiftedOp::I32Or,
            B::I32Xor => ShiftedOp::I32Xor,
            B::I64Add => ShiftedOp::I64Add,
            B::I64Sub => ShiftedOp::I64Sub,
            B::I64And => ShiftedOp::I64And,
            B::I64Or => ShiftedOp::I64Or,
            B::I64Xor => ShiftedOp::I64Xor,
            _ => return None,
        })
    }

    pub fn is64(self) -> bool {
        self.name().starts_with("i64")
    }

    /// Whether the operands may be swapped (all but the subtractions).
    pub fn commutes(self) -> bool {
        !matches!(self, ShiftedOp::I32Sub | ShiftedOp::I64Sub)
    }

    pub fn handler(self, shift: Shift) -> u64 {
        match shift {
            Shift::Shl => self.shl(),
            Shift::ShrS => self.shr_s(),
            Shift::ShrU => self.shr_u(),
            Shift::Rotl => self.rotl(),
            Shift::Rotr => self.rotr(),
        }
    }
}

family!(Unary {
    I32Eqz = "i32_eqz", I64Eqz = "i64_eqz", I32Clz = "i32_clz", I64Clz = "i64_clz",
    I32Ctz = "i32_ctz", I64Ctz = "i64_ctz", I32Popcnt = "i32_popcnt", I64Popcnt = "i64_popcnt",
    I64ExtendI32S = "i64_extend_i32_s", I64ExtendI32U = "i64_extend_i32_u",
    F32Abs = "f32_abs", F32Neg = "f32_neg", F64Abs = "f64_abs", F64Neg = "f64_neg",
    F32Sqrt = "f32_sqrt", F32Ceil = "f32_ceil", F32Floor = "f32_floor", F32Trunc = "f32_trunc",
    F32Nearest = "f32_nearest", F64Sqrt = "f64_sqrt", F64Ceil = "f64_ceil", F64Floor = "f64_floor",
    F64Trunc = "f64_trunc", F64Nearest = "f64_nearest",
    F32DemoteF64 = "f32_demote_f64", F64PromoteF32 = "f64_promote_f32",
    F32ConvertI32S = "f32_convert_i32_s", F32ConvertI32U = "f32_convert_i32_u",
    F32ConvertI64S = "f32_convert_i64_s", F32ConvertI64U = "f32_convert_i64_u",
    F64ConvertI32S = "f64_convert_i32_s", F64ConvertI32U = "f64_convert_i32_u",
    F64ConvertI64S = "f64_convert_i64_s", F64ConvertI64U = "f64_convert_i64_u",
    I32TruncF32S = "i32_trunc_f32_s", I32TruncF32U = "i32_trunc_f32_u",
    I64TruncF32S = "i64_trunc_f32_s", I64TruncF32U = "i64_trunc_f32_u",
    I32TruncF64S = "i32_trunc_f64_s", I32TruncF64U = "i32_trunc_f64_u",
    I64TruncF64S = "i64_trunc_f64_s", I64TruncF64U = "i64_trunc_f64_u",
}, h = "", r = "_r");

/// The register a handler leaves its result in, or takes an operand the
/// previous handler computed from (interp.asm: t0, or ft0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegClass {
    Int,
    Float,
}

impl Unary {
    /// Where the handler leaves its result: float abs and neg work on the
    /// bits in t0, the truncations leave an integer.
    pub fn result_class(self) -> RegClass {
        use Unary::*;
        match self {
            I32Eqz | I64Eqz | I32Clz | I64Clz | I32Ctz | I64Ctz | I32Popcnt | I64Popcnt | I64ExtendI32S
            | I64ExtendI32U | F32Abs | F32Neg | F64Abs | F64Neg | I32TruncF32S | I32TruncF32U | I64TruncF32S
            | I64TruncF32U | I32TruncF64S | I32TruncF64U | I64TruncF64S | I64TruncF64U => RegClass::Int,
            F32Sqrt | F32Ceil | F32Floor | F32Trunc | F32Nearest | F64Sqrt | F64Ceil | F64Floor | F64Trunc
            | F64Nearest | F32DemoteF64 | F64PromoteF32 | F32ConvertI32S | F32ConvertI32U | F32ConvertI64S
            | F32ConvertI64U | F64ConvertI32S | F64ConvertI32U | F64ConvertI64S | F64ConvertI64U => RegClass::Float,
        }
    }

    /// Where the `_r` form takes its operand from. None for the unsigned
    /// conversions from i32: they assume the operand's upper half clear,
    /// and an i32 left in t0 by a copy or a select need not be.
    pub fn operand_class(self) -> Option<RegClass> {
        use Unary::*;
        match self {
            I32Eqz | I64Eqz | I32Clz | I64Clz | I32Ctz | I64Ctz | I32Popcnt | I64Popcnt | I64ExtendI32S
            | I64ExtendI32U | F32Abs | F32Neg | F64Abs | F64Neg | F32ConvertI32S | F32ConvertI64S | F32ConvertI64U
            | F64ConvertI32S | F64ConvertI64S | F64ConvertI64U => Some(RegClass::Int),
            F32Sqrt | F32Ceil | F32Floor | F32Trunc | F32Nearest | F64Sqrt | F64Ceil | F64Floor | F64Trunc
            | F64Nearest | F32DemoteF64 | F64PromoteF32 | I32TruncF32S | I32TruncF32U | I64TruncF32S
            | I64TruncF32U | I32TruncF64S | I32TruncF64U | I64TruncF64S | I64TruncF64U => Some(RegClass::Float),
            F32ConvertI32U | F64ConvertI32U => None,
        }
    }
}

family!(FloatBinary {
    F32Add = "f32_add", F32Sub = "f32_sub", F32Mul = "f32_mul", F32Div = "f32_div",
    F32Min = "f32_min", F32Max = "f32_max", F32Copysign = "f32_copysign",
    F64Add = "f64_add", F64Sub = "f64_sub", F64Mul = "f64_mul", F64Div = "f64_div",
    F64Min = "f64_min", F64Max = "f64_max", F64Copysign = "f64_copysign",
}, ss = "_ss");

// The float compares (an i32 0 or 1): two slots, or a slot and a constant in
// the instruction (`_sk`, fields as `ConstFloat`'s).
family!(FloatCompare {
    F32Eq = "f32_eq", F32Ne = "f32_ne", F32Lt = "f32_lt", F32Gt = "f32_gt", F32Le = "f32_le", F32Ge = "f32_ge",
    F64Eq = "f64_eq", F64Ne = "f64_ne", F64Lt = "f64_lt", F64Gt = "f64_gt", F64Le = "f64_le", F64Ge = "f64_ge",
}, ss = "_ss", sk = "_sk");

impl FloatCompare {
    pub fn is64(self) -> bool {
        self.name().starts_with("f64")
    }

    /// The compare on swapped operands (a < b is b > a).
    pub fn swap(self) -> FloatCompare {
        use FloatCompare::*;
        match self {
            F32Lt => F32Gt,
            F32Gt => F32Lt,
            F32Le => F32Ge,
            F32Ge => F32Le,
            F64Lt => F64Gt,
            F64Gt => F64Lt,
            F64Le => F64Ge,
            F64Ge => F64Le,
            other => other,
        }
    }

    /// The compare-and-branch taken when this compare is 1.
    pub fn branch(self) -> FloatBranch {
        use FloatBranch as B;
        match self {
            FloatCompare::F32Eq => B::F32Eq,
            FloatCompare::F32Ne => B::F32Ne,
            FloatCompare::F32Lt => B::F32Lt,
            FloatCompare::F32Gt => B::F32Gt,
            FloatCompare::F32Le => B::F32Le,
            FloatCompare::F32Ge => B::F32Ge,
            FloatCompare::F64Eq => B::F64Eq,
            FloatCompare::F64Ne => B::F64Ne,
            FloatCompare::F64Lt => B::F64Lt,
            FloatCompare::F64Gt => B::F64Gt,
            FloatCompare::F64Le => B::F64Le,
            FloatCompare::F64Ge => B::F64Ge,
        }
    }
}

// Fused float compare-and-branch (interp.asm, `floatBranchFamily`): the six
// compares and the complements of the four orders (`nlt`: not a < b, so
// taken when a >= b or either is NaN), for branching on a compare being
// false. Both sides slots (`_ss`), or one the previous result (`_rs`,
// `_sr`); the right side a constant in the instruction (`_sk`, `_rk`).
family!(FloatBranch {
    F32Eq = "br_f32_eq", F32Ne = "br_f32_ne", F32Lt = "br_f32_lt", F32Gt = "br_f32_gt", F32Le = "br_f32_le",
    F32Ge = "br_f32_ge", F32Nlt = "br_f32_nlt", F32Ngt = "br_f32_ngt", F32Nle = "br_f32_nle", F32Nge = "br_f32_nge",
    F64Eq = "br_f64_eq", F64Ne = "br_f64_ne", F64Lt = "br_f64_lt", F64Gt = "br_f64_gt", F64Le = "br_f64_le",
    F64Ge = "br_f64_ge", F64Nlt = "br_f64_nlt", F64Ngt = "br_f64_ngt", F64Nle = "br_f64_nle", F64Nge = "br_f64_nge",
}, ss = "_ss", sk = "_sk", rs = "_rs", sr = "_sr", rk = "_rk");

impl FloatBranch {
    pub fn is64(self) -> bool {
        self.name().starts_with("br_f64")
    }
}

family!(Branch {
    I32Eq = "br_i32_eq", I32Ne = "br_i32_ne", I32LtS = "br_i32_lt_s", I32LtU = "br_i32_lt_u",
    I32GtS = "br_i32_gt_s", I32GtU = "br_i32_gt_u", I32LeS = "br_i32_le_s", I32LeU = "br_i32_le_u",
    I32GeS = "br_i32_ge_s", I32GeU = "br_i32_ge_u", I32And = "br_i32_and", I32Nand = "br_i32_nand",
    I64Eq = "br_i64_eq", I64Ne = "br_i64_ne", I64LtS = "br_i64_lt_s", I64LtU = "br_i64_lt_u",
    I64GtS = "br_i64_gt_s", I64GtU = "br_i64_gt_u", I64LeS = "br_i64_le_s", I64LeU = "br_i64_le_u",
    I64GeS = "br_i64_ge_s", I64GeU = "br_i64_ge_u",
}, ss = "_ss", si = "_si", sm = "_sm", ms = "_ms", rs = "_rs", sr = "_sr", ri = "_ri");

impl Branch {
    /// The load a side of the compare can be taken from.
    pub fn load(self) -> Load {
        use Branch::*;
        match self {
            I64Eq | I64Ne | I64LtS | I64LtU | I64GtS | I64GtU | I64LeS | I64LeU | I64GeS | I64GeU => Load::I64,
            _ => Load::I32,
        }
    }
}

family!(Step {
    I32Eq = "step_i32_eq", I32Ne = "step_i32_ne", I32LtS = "step_i32_lt_s", I32LtU = "step_i32_lt_u",
    I32GtS = "step_i32_gt_s", I32GtU = "step_i32_gt_u", I32LeS = "step_i32_le_s", I32LeU = "step_i32_le_u",
    I32GeS = "step_i32_ge_s", I32GeU = "step_i32_ge_u",
}, ii = "_ii", is = "_is", si = "_si", ss = "_ss");

impl Branch {
    /// The loop step (add, then this compare-and-branch) for an i32 compare.
    pub fn step(self) -> Option<Step> {
        Some(match self {
            Branch::I32Eq => Step::I32Eq,
            Branch::I32Ne => Step::I32Ne,
            Branch::I32LtS => Step::I32LtS,
            Branch::I32LtU => Step::I32LtU,
            Branch::I32GtS => Step::I32GtS,
            Branch::I32GtU => Step::I32GtU,
            Branch::I32LeS => Step::I32LeS,
            Branch::I32LeU => Step::I32LeU,
            Branch::I32GeS => Step::I32GeS,
            Branch::I32GeU => Step::I32GeU,
            _ => return None,
        })
    }
}

impl Step {
    /// The handler for an addend and a bound each a slot or an immediate.
    pub fn handler(self, addend_imm: bool, bound_imm: bool) -> u64 {
        match (addend_imm, bound_imm) {
            (true, true) => self.ii(),
            (true, false) => self.is(),
            (false, true) => self.si(),
            (false, false) => self.ss(),
        }
    }
}

family!(ConstI64 {
    I64Add = "i64_add", I64Mul = "i64_mul", I64And = "i64_and", I64Or = "i64_or", I64Xor = "i64_xor",
}, sk = "_sk", rk = "_rk");

family!(ConstFloat {
    F32Add = "f32_add", F32Sub = "f32_sub", F32Mul = "f32_mul", F32Div = "f32_div",
    F64Add = "f64_add", F64Sub = "f64_sub", F64Mul = "f64_mul", F64Div = "f64_div",
}, sk = "_sk", ks = "_ks", rk = "_rk", kr = "_kr");

impl ConstFloat {
    pub fn of(op: FloatBinary) -> Option<ConstFloat> {
        use ConstFloat as K;
        Some(match op {
            FloatBinary::F32Add => K::F32Add,
            FloatBinary::F32Sub => K::F32Sub,
            FloatBinary::F32Mul => K::F32Mul,
            FloatBinary::F32Div => K::F32Div,
            FloatBinary::F64Add => K::F64Add,
            FloatBinary::F64Sub => K::F64Sub,
            FloatBinary::F64Mul => K::F64Mul,
            FloatBinary::F64Div => K::F64Div,
            _ => return None,
        })
    }
    pub fn is64(self) -> bool {
        matches!(self, ConstFloat::F64Add | ConstFloat::F64Sub | ConstFloat::F64Mul | ConstFloat::F64Div)
    }
}

family!(MemBinary {
    I32Add = "i32_add", I32Sub = "i32_sub", I32Mul = "i32_mul", I32And = "i32_and", I32Or = "i32_or", I32Xor = "i32_xor",
    I64Add = "i64_add", I64Sub = "i64_sub", I64Mul = "i64_mul", I64And = "i64_and", I64Or = "i64_or", I64Xor = "i64_xor",
    F32Add = "f32_add", F32Sub = "f32_sub", F32Mul = "f32_mul", F32Div = "f32_div",
    F64Add = "f64_add", F64Sub = "f64_sub", F64Mul = "f64_mul", F64Div = "f64_div",
}, sm = "_sm", ms = "_ms", rm = "_rm", mr = "_mr");

impl MemBinary {
    /// The class of the operands and the result.
    pub fn class(self) -> RegClass {
        if self.name().starts_with('f') { RegClass::Float } else { RegClass::Int }
    }
}

impl MemBinary {
    /// The load whose result the operation can take from memory.
    pub fn load(self) -> Load {
        use MemBinary::*;
        match self {
            I32Add | I32Sub | I32Mul | I32And | I32Or | I32Xor | F32Add | F32Sub | F32Mul | F32Div => Load::I32,
            _ => Load::I64,
        }
    }
}

family!(StoreResult {
    I32Add = "i32_add", I32Sub = "i32_sub", I32Mul = "i32_mul", I32And = "i32_and", I32Or = "i32_or", I32Xor = "i32_xor",
    I64Add = "i64_add", I64Sub = "i64_sub", I64Mul = "i64_mul", I64And = "i64_and", I64Or = "i64_or", I64Xor = "i64_xor",
    F32Add = "f32_add", F32Sub = "f32_sub", F32Mul = "f32_mul", F32Div = "f32_div",
    F64Add = "f64_add", F64Sub = "f64_sub", F64Mul = "f64_mul", F64Div = "f64_div",
}, st = "_st", rst = "_rst", srt = "_srt");

impl StoreResult {
    /// The class of the operands.
    pub fn class(self) -> RegClass {
        if self.name().starts_with('f') { RegClass::Float } else { RegClass::Int }
    }
}

impl StoreResult {
    /// The operation on two slots whose result this stores.
    pub fn source(self) -> u64 {
        use StoreResult as S;
        match self {
            S::I32Add => Binary::I32Add.ss(),
            S::I32Sub => Binary::I32Sub.ss(),
            S::I32Mul => Binary::I32Mul.ss(),
            S::I32And => Binary::I32And.ss(),
            S::I32Or => Binary::I32Or.ss(),
            S::I32Xor => Binary::I32Xor.ss(),
            S::I64Add => Binary::I64Add.ss(),
            S::I64Sub => Binary::I64Sub.ss(),
            S::I64Mul => Binary::I64Mul.ss(),
            S::I64And => Binary::I64And.ss(),
            S::I64Or => Binary::I64Or.ss(),
            S::I64Xor => Binary::I64Xor.ss(),
            S::F32Add => FloatBinary::F32Add.ss(),
            S::F32Sub => FloatBinary::F32Sub.ss(),
            S::F32Mul => FloatBinary::F32Mul.ss(),
            S::F32Div => FloatBinary::F32Div.ss(),
            S::F64Add => FloatBinary::F64Add.ss(),
            S::F64Sub => FloatBinary::F64Sub.ss(),
            S::F64Mul => FloatBinary::F64Mul.ss(),
            S::F64Div => FloatBinary::F64Div.ss(),
        }
    }

    /// The store that takes the whole result.
    pub fn store(self) -> Store {
        use StoreResult as S;
        match self {
            S::I32Add | S::I32Sub | S::I32Mul | S::I32And | S::I32Or | S::I32Xor | S::F32Add | S::F32Sub | S::F32Mul | S::F32Div => Store::I32,
            _ => Store::I64,
        }
    }

    /// The fused form of the operation whose handler is `source`, if any.
    pub fn of(source: u64) -> Option<StoreResult> {
        Self::ALL.iter().copied().find(|s| s.source() == source)
    }
}

family!(Load {
    I32 = "i32_load", I32_8S = "i32_load8_s", I32_8U = "i32_load8_u", I32_16S = "i32_load16_s",
    I32_16U = "i32_load16_u", I64 = "i64_load", I64_8S = "i64_load8_s", I64_8U = "i64_load8_u",
    I64_16S = "i64_load16_s", I64_16U = "i64_load16_u", I64_32S = "i64_load32_s", I64_32U = "i64_load32_u",
}, h = "", a = "_a", ax = "_ax", pre = "_pre", r = "_r", ar = "_ar", axr = "_axr");

family!(Store {
    I32 = "i32_store", I32_8 = "i32_store8", I32_16 = "i32_store16",
    I64 = "i64_store", I64_8 = "i64_store8", I64_16 = "i64_store16", I64_32 = "i64_store32",
}, s = "_s", i = "_i", a_s = "_as", a_i = "_ai", ax_s = "_axs", ax_i = "_axi", r = "_r", a_r = "_ar", ax_r = "_axr");

// The float arithmetic of `FloatBinary`, whose handlers also come with an
// operand taken from the previous instruction's result (`_rs`, `_sr`).
family!(FloatArith {
    F32Add = "f32_add", F32Sub = "f32_sub", F32Mul = "f32_mul", F32Div = "f32_div", F32Min = "f32_min", F32Max = "f32_max",
    F64Add = "f64_add", F64Sub = "f64_sub", F64Mul = "f64_mul", F64Div = "f64_div", F64Min = "f64_min", F64Max = "f64_max",
}, ss = "_ss", rs = "_rs", sr = "_sr");

// Load-and-branch pairs (interp.asm, `loadBranchPairs`): an i32 load, plain,
// `_a` or `_pre`, with the compare-and-branch after it that takes the loaded
// value from t0 (`_rs`, `_sr`, `_ri`), in one handler.
family!(LoadBranch {
    I32Eq = "br_i32_eq", I32Ne = "br_i32_ne", I32LtS = "br_i32_lt_s", I32LtU = "br_i32_lt_u",
    I32GtS = "br_i32_gt_s", I32GtU = "br_i32_gt_u", I32LeS = "br_i32_le_s", I32LeU = "br_i32_le_u",
    I32GeS = "br_i32_ge_s", I32GeU = "br_i32_ge_u",
}, load_rs = "_load_rs", load_sr = "_load_sr", load_ri = "_load_ri",
   load_a_rs = "_load_a_rs", load_a_sr = "_load_a_sr", load_a_ri = "_load_a_ri",
   load_pre_rs = "_load_pre_rs", load_pre_sr = "_load_pre_sr", load_pre_ri = "_load_pre_ri");

// The full-width loads into ft0 (interp.asm, `loadHandlerInto`).
family!(FloatLoad {
    F32 = "f32_load", F64 = "f64_load",
}, h = "", a = "_a", ax = "_ax", pre = "_pre", r = "_r", ar = "_ar", axr = "_axr");

// Stores of a float result left in ft0 by the previous instruction, the
// float forms of `Store::I32`/`Store::I64`'s `_r` variants.
family!(FloatStore {
    F32 = "f32_store", F64 = "f64_store",
}, r = "_r", ar = "_ar", axr = "_axr");

family!(MulAcc {
    F32MulAdd = "f32_mul_add", F32AddMul = "f32_add_mul", F32MulSub = "f32_mul_sub", F32SubMul = "f32_sub_mul",
    F64MulAdd = "f64_mul_add", F64AddMul = "f64_add_mul", F64MulSub = "f64_mul_sub", F64SubMul = "f64_sub_mul",
}, h = "", r = "_r");

impl MulAcc {
    /// For a float add or subtract: the multiply whose product it may take,
    /// and the fused forms with the product as its first and as its second
    /// operand.
    pub fn of(op: FloatBinary) -> Option<(FloatBinary, MulAcc, MulAcc)> {
        use FloatBinary as F;
        Some(match op {
            F::F32Add => (F::F32Mul, MulAcc::F32MulAdd, MulAcc::F32AddMul),
            F::F32Sub => (F::F32Mul, MulAcc::F32MulSub, MulAcc::F32SubMul),
            F::F64Add => (F::F64Mul, MulAcc::F64MulAdd, MulAcc::F64AddMul),
            F::F64Sub => (F::F64Mul, MulAcc::F64MulSub, MulAcc::F64SubMul),
            _ => return None,
        })
    }
}

family!(Single {
    Copy = "copy", CopyR = "copy_r", Const32 = "const32", Const64 = "const64", Select = "select", SelectSI = "select_si", SelectIS = "select_is",
    SelectR = "select_r", SelectSIR = "select_si_r", SelectISR = "select_is_r", BrNzR = "br_nz_r", BrZR = "br_z_r",
    GlobalGet = "global_get", GlobalSet = "global_set", Unreachable = "unreachable",
    Br = "br", BrNz = "br_nz", BrZ = "br_z", BrTable = "br_table",
    Call = "call_direct", CallIndirect = "call_indirect", Return = "return", Exit = "exit", HostCall = "host_call",
    Translate = "translate",
    MemoryEnter = "memory_enter", MemoryLeave = "memory_leave",
    TrapOob = "trap_oob", MemorySize = "memory_size", MemoryGrow = "memory_grow",
}, h = "");

impl Load {
    /// Bytes the access reads.
    pub fn width(self) -> u32 {
        match self {
            Load::I32 | Load::I64_32S | Load::I64_32U => 4,
            Load::I64 => 8,
            Load::I32_8S | Load::I32_8U | Load::I64_8S | Load::I64_8U => 1,
            Load::I32_16S | Load::I32_16U | Load::I64_16S | Load::I64_16U => 2,
        }
    }
}

impl Store {
    pub fn width(self) -> u32 {
        match self {
            Store::I32 | Store::I64_32 => 4,
            Store::I64 => 8,
            Store::I32_8 | Store::I64_8 => 1,
            Store::I32_16 | Store::I64_16 => 2,
        }
    }
    pub fn is64(self) -> bool {
        matches!(
            self,
            Store::I64 | Store::I64_8 | Store::I64_16 | Store::I64_32
        )
    }
}

/// The name of every handler by address (for `--dump`).
pub fn handler_names() -> std::collections::HashMap<u64, String> {
    [Binary::handlers(), ShiftedOp::handlers(), Unary::handlers(), FloatBinary::handlers(), FloatCompare::handlers(), FloatBranch::handlers(), Branch::handlers(), Step::handlers(), MemBinary::handlers(), StoreResult::handlers(), ConstI64::handlers(), ConstFloat::handlers(), FloatArith::handlers(), FloatStore::handlers(), FloatLoad::handlers(), LoadBranch::handlers(), MulAcc::handlers(), Load::handlers(), Store::handlers(), Single::handlers()]
        .into_iter()
        .flatten()
        .collect()
}
