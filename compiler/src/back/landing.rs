//! Hardened control flow (issue 12): which labels get a landing pad.
//!
//! With CET IBT (x86-64) or BTI (ARM64) enforced, an indirect call or jump
//! must land on `endbr64` / `bti`. Direct branches and calls need nothing.
//! A label is reached indirectly when
//! - it is exported: C may call it through a function pointer (`bti c`);
//!   in a program that jumps through a register or memory, the jump may
//!   also reach it (`bti jc`): a threaded interpreter exports its handlers
//!   to the translator that stores their addresses, and dispatches to them;
//! - its address is taken: any use as an operand other than the target of
//!   a direct branch, jump or call (`leap`, a label loaded or stored, a
//!   label difference, a global label named in `emit` text) — the code may
//!   jump to it or call it (`bti jc`).
//!
//! The pad goes right after the label, so that the label's address is the
//! pad's; direct branches to it pass through the pad (a no-op). A label
//! followed by `emit` text (data placed in the code: `.quad …`) gets none.

use rustc_hash::FxHashMap as HashMap;

use crate::isa::Effects;
use crate::valid::{Item, Program, Value};

/// Per label (program item index) that gets a pad: (reached by calls,
/// reached by jumps).
pub fn pads(p: &Program) -> HashMap<u32, (bool, bool)> {
    let mut taken: rustc_hash::FxHashSet<&str> = Default::default();
    let mut jumps_indirectly = false;
    for item in &p.items {
        let Item::Instr(i) = item else { continue };
        let def = i.def();
        let transfers = def.effects.contains(Effects::BRANCH) || def.effects.contains(Effects::TERMINATOR) || def.effects.contains(Effects::CALL);
        // A jump whose target is not a label (`jmp t0`, `jmp [pc]`).
        jumps_indirectly |= transfers
            && !def.effects.contains(Effects::CALL)
            && !i.operands.is_empty()
            && !i.operands.iter().any(|v| matches!(v, Value::Label { .. }));
        for v in &i.operands {
            match v {
                // A label operand of a branch, jump or call is its target.
                Value::Label { .. } if transfers => {}
                Value::Label { name, .. } => {
                    taken.insert(name);
                }
                Value::LabelDiff { plus, minus, .. } => {
                    taken.insert(plus);
                    taken.insert(minus);
                }
                Value::Addr(a) => {
                    if let Some((x, y)) = &a.diff {
                        taken.insert(x);
                        taken.insert(y);
                    }
                }
                // `emit` text naming a global label (`.quad _handler`).
                Value::Str(text) if def.effects.contains(Effects::OPAQUE) => {
                    for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '$')) {
                        if let Some(name) = p.defined.get(word).or_else(|| p.defined.get(format!("_{word}").as_str())) {
                            taken.insert(name);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    // Labels in a row share one pad, after the last: they keep one address.
    let mut pads = HashMap::default();
    let (mut call, mut jump) = (false, false);
    for (k, item) in p.items.iter().enumerate() {
        let Item::Label { name, local, .. } = item else { continue };
        let exported = !local && p.exports.contains(&**name);
        call |= exported;
        jump |= taken.contains(&**name) || (exported && jumps_indirectly);
        let last_in_row = !matches!(p.items.get(k + 1), Some(Item::Label { .. }));
        if last_in_row {
            if (call || jump) && labels_code(&p.items[k + 1..]) {
                pads.insert(k as u32, (true, jump));
            }
            (call, jump) = (false, false);
        }
    }
    pads
}

/// Is what follows a label code? Data placed with `emit` (`.quad …`) is
/// not: a pad there would move the data.
fn labels_code(after: &[Item]) -> bool {
    match after.iter().find(|i| !matches!(i, Item::Label { .. })) {
        Some(Item::Instr(i)) => !i.def().effects.contains(Effects::OPAQUE),
        _ => false,
    }
}
