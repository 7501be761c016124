//! Pure value semantics of the integer and FP operations (INSTRUCTIONS.md
//! §4–§9, §12–§13): functions of operand values, no machine state.

use crate::isa::{ArithOp, Cond, FCond, Op, TestCond};

/// The low `n` bits of `v`.
pub fn mask(v: u64, n: u32) -> u64 {
    if n >= 64 {
        v
    } else {
        v & ((1u64 << n) - 1)
    }
}

/// Sign-extends the low `n` bits.
pub fn sx(v: u64, n: u32) -> i64 {
    if n >= 64 {
        v as i64
    } else {
        ((v << (64 - n)) as i64) >> (64 - n)
    }
}

pub fn compare(c: Cond, l: u64, r: u64, w: u32) -> bool {
    let (sl, sr) = (sx(l, w), sx(r, w));
    match c {
        Cond::Eq => l == r,
        Cond::Neq => l != r,
        Cond::A => l > r,
        Cond::Aeq => l >= r,
        Cond::B => l < r,
        Cond::Beq => l <= r,
        Cond::Gt => sl > sr,
        Cond::Gteq => sl >= sr,
        Cond::Lt => sl < sr,
        Cond::Lteq => sl <= sr,
    }
}

pub fn test(c: TestCond, t: u64, w: u32) -> bool {
    match c {
        TestCond::S => (t >> (w - 1)) & 1 == 1,
        TestCond::Z => t == 0,
        TestCond::Nz => t != 0,
    }
}

pub fn fcompare(c: FCond, unordered: bool, a: f64, b: f64) -> bool {
    if a.is_nan() || b.is_nan() {
        return unordered;
    }
    match c {
        FCond::Eq => a == b,
        FCond::Neq => a != b,
        FCond::Gt => a > b,
        FCond::Gteq => a >= b,
        FCond::Lt => a < b,
        FCond::Lteq => a <= b,
    }
}

/// W-bit integer operation and its overflow (signed exact result not representable).
pub fn arith(op: ArithOp, x: u64, y: u64, w: u32) -> (u64, bool) {
    let (sxv, syv) = (sx(x, w) as i128, sx(y, w) as i128);
    let exact = match op {
        ArithOp::Add => sxv + syv,
        ArithOp::Sub => sxv - syv,
        ArithOp::Mul => sxv * syv,
        ArithOp::Or => return (mask(x | y, w), false),
    };
    let r = mask(exact as u64, w);
    let lo = -(1i128 << (w - 1));
    let hi = (1i128 << (w - 1)) - 1;
    (r, exact < lo || exact > hi)
}

pub fn int_op(op: Op, x: u64, y: u64, w: u32) -> u64 {
    mask(
        match op {
            Op::Add => x.wrapping_add(y),
            Op::Sub => x.wrapping_sub(y),
            Op::Mul => x.wrapping_mul(y),
            Op::And => x & y,
            Op::Or => x | y,
            Op::Xor => x ^ y,
            _ => unreachable!(),
        },
        w,
    )
}

pub fn shift(op: Op, v: u64, n: u32, w: u32) -> u64 {
    let v = mask(v, w);
    mask(
        match op {
            Op::LShift => v << n,
            Op::RShift => (sx(v, w) >> n) as u64,
            Op::URShift => v >> n,
            Op::LRotate if n == 0 => v,
            Op::LRotate => (v << n) | (v >> (w - n)),
            Op::RRotate if n == 0 => v,
            Op::RRotate => (v >> n) | (v << (w - n)),
            _ => unreachable!(),
        },
        w,
    )
}
