//! The translator's last pass over a function: an operand that the previous
//! instruction has just computed is taken from the register that instruction
//! leaves it in, instead of being loaded back from its slot.
//!
//! Every handler that computes a result stores it to its destination slot and
//! still has it in t0 (ft0 for float results) when it dispatches
//! (interp.asm, before `binaryFamily`). The next handler may use it when it
//! runs straight after: when the two are adjacent and the second is no jump
//! target. Its `_r` variant then reads that operand from the register; the
//! fields stay as they are, and the slot is still written, so nothing else
//! about the code changes. What this saves is a field load, a slot load and
//! the store-to-load forwarding delay on the chain of dependent operations.

use rustc_hash::FxHashMap as HashMap;
use std::sync::OnceLock;

use crate::abi::RegClass as Reg;
use crate::abi::{Binary, Branch, ConstFloat, ConstI64, FloatArith, FloatBranch, FloatLoad, FloatStore, Load, LoadBranch, MemBinary, MulAcc, ShiftedOp, Single, Store, StoreResult, Unary};


/// A handler that leaves its result in a register: which one, and the field
/// naming the slot it stores the result to.
#[derive(Clone, Copy)]
struct Producer {
    reg: Reg,
    dest_field: usize,
}

/// A handler with `_r` variants: for each operand field, the register the
/// operand may come from and the variant that takes it from there.
struct Consumer {
    variants: Vec<(Reg, usize, u64)>,
}

impl Consumer {
    fn of(class: Reg, variants: &[(usize, u64)]) -> Consumer {
        Consumer { variants: variants.iter().map(|&(f, h)| (class, f, h)).collect() }
    }
    fn int(variants: &[(usize, u64)]) -> Consumer {
        Consumer::of(Reg::Int, variants)
    }
    fn float(variants: &[(usize, u64)]) -> Consumer {
        Consumer::of(Reg::Float, variants)
    }
}

struct Tables {
    producers: HashMap<u64, Producer>,
    consumers: HashMap<u64, Consumer>,
    /// A full-width integer load's form that loads into ft0 instead.
    float_loads: HashMap<u64, u64>,
    /// (i32 load, compare-and-branch taking its value from t0) → the
    /// handler doing both.
    load_branch_pairs: HashMap<(u64, u64), u64>,
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut producers = HashMap::default();
        let mut produce = |handlers: &[u64], reg: Reg, dest_field: usize| {
            for &h in handlers {
                producers.insert(h, Producer { reg, dest_field });
            }
        };
        for &op in Binary::ALL {
            produce(&[op.ss(), op.si(), op.is(), op.rs(), op.sr(), op.ri(), op.ir(), op.ss2(), op.si2()], Reg::Int, 2);
        }
        for &op in FloatArith::ALL {
            produce(&[op.ss(), op.rs(), op.sr()], Reg::Float, 2);
        }
        for &op in ShiftedOp::ALL {
            produce(&[op.shl(), op.shr_s(), op.shr_u(), op.rotl(), op.rotr()], Reg::Int, 3);
        }
        for &op in ConstFloat::ALL {
            produce(&[op.sk(), op.ks(), op.rk(), op.kr()], Reg::Float, 1);
        }
        for &op in ConstI64::ALL {
            produce(&[op.sk(), op.rk()], Reg::Int, 1);
        }
        for &op in MemBinary::ALL {
            produce(&[op.sm(), op.ms(), op.rm(), op.mr()], op.class(), 4);
        }
        for &op in MulAcc::ALL {
            produce(&[op.h(), op.r()], Reg::Float, 3);
        }
        for &op in Load::ALL {
            produce(&[op.h(), op.r()], Reg::Int, 2);
            produce(&[op.a(), op.ax(), op.pre(), op.ar(), op.axr()], Reg::Int, 3);
        }
        let mut float_loads = HashMap::default();
        for (int, float) in [(Load::I32, FloatLoad::F32), (Load::I64, FloatLoad::F64)] {
            produce(&[float.h(), float.r()], Reg::Float, 2);
            produce(&[float.a(), float.ax(), float.pre(), float.ar(), float.axr()], Reg::Float, 3);
            for (i, f) in [
                (int.h(), float.h()), (int.r(), float.r()), (int.a(), float.a()), (int.ax(), float.ax()),
                (int.pre(), float.pre()), (int.ar(), float.ar()), (int.axr(), float.axr()),
            ] {
                float_loads.insert(i, f);
            }
        }
        for &op in Unary::ALL {
            produce(&[op.h(), op.r()], op.result_class(), 1);
        }
        produce(&[Single::Copy.h(), Single::CopyR.h()], Reg::Int, 1);
        produce(&[Single::Const32.h()], Reg::Int, 0);
        produce(&[Single::Const64.h()], Reg::Int, 2);
        produce(&[Single::GlobalGet.h()], Reg::Int, 2);
        use Single as S;
        produce(&[S::Select.h(), S::SelectSI.h(), S::SelectIS.h(), S::SelectR.h(), S::SelectSIR.h(), S::SelectISR.h()], Reg::Int, 3);

        let mut consumers = HashMap::default();
        for &op in Binary::ALL {
            consumers.insert(op.ss(), Consumer::int(&[(0, op.rs()), (1, op.sr())]));
            consumers.insert(op.si(), Consumer::int(&[(0, op.ri())]));
            consumers.insert(op.is(), Consumer::int(&[(1, op.ir())]));
        }
        for &op in FloatArith::ALL {
            consumers.insert(op.ss(), Consumer::float(&[(0, op.rs()), (1, op.sr())]));
        }
        for &op in MulAcc::ALL {
            consumers.insert(op.h(), Consumer::float(&[(2, op.r())]));
        }
        for &op in StoreResult::ALL {
            consumers.insert(op.st(), Consumer::of(op.class(), &[(0, op.rst()), (1, op.srt())]));
        }
        for &op in ConstFloat::ALL {
            consumers.insert(op.sk(), Consumer::float(&[(0, op.rk())]));
            consumers.insert(op.ks(), Consumer::float(&[(0, op.kr())]));
        }
        for &op in Branch::ALL {
            consumers.insert(op.ss(), Consumer::int(&[(2, op.rs()), (3, op.sr())]));
            consumers.insert(op.si(), Consumer::int(&[(2, op.ri())]));
        }
        for &op in FloatBranch::ALL {
            consumers.insert(op.ss(), Consumer::float(&[(2, op.rs()), (3, op.sr())]));
            consumers.insert(op.sk(), Consumer::float(&[(2, op.rk())]));
        }
        for (plain, variant) in [
            (S::BrNz, S::BrNzR),
            (S::BrZ, S::BrZR),
        ] {
            consumers.insert(plain.h(), Consumer::int(&[(2, variant.h())]));
        }
        for (plain, variant) in [
            (S::Select, S::SelectR),
            (S::SelectSI, S::SelectSIR),
            (S::SelectIS, S::SelectISR),
        ] {
            consumers.insert(plain.h(), Consumer::int(&[(0, variant.h())]));
        }
        for &op in ConstI64::ALL {
            consumers.insert(op.sk(), Consumer::int(&[(0, op.rk())]));
        }
        for &op in MemBinary::ALL {
            consumers.insert(op.sm(), Consumer::of(op.class(), &[(3, op.rm())]));
            consumers.insert(op.ms(), Consumer::of(op.class(), &[(3, op.mr())]));
        }
        for &op in Unary::ALL {
            if let Some(class) = op.operand_class() {
                consumers.insert(op.h(), Consumer::of(class, &[(0, op.r())]));
            }
        }
        for &op in Load::ALL {
            consumers.insert(op.h(), Consumer::int(&[(0, op.r())]));
            consumers.insert(op.a(), Consumer::int(&[(0, op.ar())]));
            consumers.insert(op.ax(), Consumer::int(&[(0, op.axr())]));
        }
        consumers.insert(S::Copy.h(), Consumer::int(&[(0, S::CopyR.h())]));
        for &op in Store::ALL {
            consumers.insert(op.s(), Consumer::int(&[(2, op.r())]));
            consumers.insert(op.a_s(), Consumer::int(&[(3, op.a_r())]));
            consumers.insert(op.ax_s(), Consumer::int(&[(3, op.ax_r())]));
        }
        // A full-width store of a float result takes it from ft0.
        for (store, float) in [(Store::I32, FloatStore::F32), (Store::I64, FloatStore::F64)] {
            for (plain, field, variant) in [(store.s(), 2, float.r()), (store.a_s(), 3, float.ar()), (store.ax_s(), 3, float.axr())] {
                consumers.get_mut(&plain).expect("listed above").variants.push((Reg::Float, field, variant));
            }
        }
        let mut load_branch_pairs = HashMap::default();
        for &pair in LoadBranch::ALL {
            let branch = *Branch::ALL.iter().find(|b| b.name() == pair.name()).expect("a Branch of the same name");
            let load = Load::I32;
            for (l, b, h) in [
                (load.h(), branch.rs(), pair.load_rs()), (load.h(), branch.sr(), pair.load_sr()), (load.h(), branch.ri(), pair.load_ri()),
                (load.a(), branch.rs(), pair.load_a_rs()), (load.a(), branch.sr(), pair.load_a_sr()), (load.a(), branch.ri(), pair.load_a_ri()),
                (load.pre(), branch.rs(), pair.load_pre_rs()), (load.pre(), branch.sr(), pair.load_pre_sr()), (load.pre(), branch.ri(), pair.load_pre_ri()),
            ] {
                load_branch_pairs.insert((l, b), h);
            }
        }
        Tables { producers, consumers, float_loads, load_branch_pairs }
    })
}

fn handler_at(words: &[u32], at: usize) -> u64 {
    words[at] as u64 | (words[at + 1] as u64) << 32
}

fn set_handler(words: &mut [u32], at: usize, handler: u64) {
    words[at] = handler as u32;
    words[at + 1] = (handler >> 32) as u32;
}

/// Rewrites the instructions starting at `starts` (code positions in
/// `words`, in order, every instruction of the function) so that each takes
/// an operand from the register its predecessor left it in, where it can.
/// `targets` are the positions something may jump to, in order.
pub fn forward_results(words: &mut [u32], starts: impl Iterator<Item = usize>, targets: &[usize]) {
    let t = tables();
    let mut previous: Option<usize> = None;
    let mut targets = targets.iter().copied().peekable();
    for at in starts {
        let before = previous.replace(at);
        let Some(p) = before else { continue };
        while targets.next_if(|&target| target < at).is_some() {}
        if targets.peek() == Some(&at) {
            continue;
        }
        let Some(producer) = t.producers.get(&handler_at(words, p)) else { continue };
        let Some(consumer) = t.consumers.get(&handler_at(words, at)) else { continue };
        let dest = words[p + 2 + producer.dest_field];
        let takes = |reg: Reg| {
            consumer.variants.iter().find(|&&(r, f, _)| r == reg && words[at + 2 + f] == dest).map(|v| v.2)
        };
        if let Some(variant) = takes(producer.reg) {
            set_handler(words, at, variant);
        } else if let (Some(&float_load), Some(variant)) = (t.float_loads.get(&handler_at(words, p)), takes(Reg::Float)) {
            // An f32/f64 loaded as its bits: load it into ft0 instead.
            set_handler(words, p, float_load);
            set_handler(words, at, variant);
        }
        // A load and the branch that now takes its value: one handler on the
        // load does both and steps over the branch (which nothing else reaches).
        if let Some(&pair) = t.load_branch_pairs.get(&(handler_at(words, p), handler_at(words, at))) {
            set_handler(words, p, pair);
        }
    }
}
