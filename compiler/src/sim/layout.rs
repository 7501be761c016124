//! The simulator's image of the program: an address for every item.
//!
//! Instructions take 4 bytes each (the simulator has no machine code, so
//! these bytes cannot be read). `emit` lines that are plain data directives
//! (`.byte`, `.short`/`.hword`/`.2byte`, `.int`/`.long`/`.4byte`,
//! `.quad`/`.8byte`, `.p2align`, `.balign`) are laid out with their bytes,
//! which become read-only memory, as data in the code section is. Labels
//! take the address of what follows them, so `leap` and label differences
//! are consistent with each other (though not with machine-code sizes).

use crate::valid::{Item, Program, Value};

use super::CODE_BASE;

/// Size of every instruction in the image.
pub const INSTRUCTION_SIZE: u64 = 4;

/// What one `emit` line means to the simulator.
#[derive(Clone, Debug, PartialEq)]
pub enum Directive {
    Data(Vec<u8>),
    Align(u64),
    /// Anything else: it has no defined meaning here.
    Opaque(String),
}

/// The text of an `emit` statement (strings, and label names as spelled).
pub fn emit_text(ops: &[Value]) -> String {
    let mut line = String::new();
    for o in ops {
        match o {
            Value::Str(s) => line.push_str(s),
            Value::Label { name, .. } => line.push_str(name),
            _ => {}
        }
    }
    line
}

fn parse_number(s: &str) -> Option<i128> {
    let s = s.trim();
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b.trim()),
        None => (false, s),
    };
    let v = if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        i128::from_str_radix(h, 16).ok()?
    } else {
        body.parse::<i128>().ok()?
    };
    Some(if neg { -v } else { v })
}

pub fn parse_directive(text: &str) -> Directive {
    let t = text.trim();
    let (name, rest) = t.split_once(char::is_whitespace).unwrap_or((t, ""));
    let size = match name {
        ".byte" => 1,
        ".short" | ".hword" | ".2byte" => 2,
        ".int" | ".long" | ".4byte" => 4,
        ".quad" | ".8byte" => 8,
        ".p2align" | ".balign" => {
            let arg = rest.split(',').next().and_then(parse_number);
            return match arg {
                Some(n) if name == ".p2align" && (0..=16).contains(&n) => Directive::Align(1 << n),
                Some(n) if name == ".balign" && n > 0 && (n as u64).is_power_of_two() => Directive::Align(n as u64),
                _ => Directive::Opaque(t.to_string()),
            };
        }
        _ => return Directive::Opaque(t.to_string()),
    };
    let mut bytes = Vec::new();
    for v in rest.split(',') {
        let Some(n) = parse_number(v) else { return Directive::Opaque(t.to_string()) };
        let bits = 8 * size as u32;
        if n < -(1i128 << (bits - 1)) || n >= 1i128 << bits {
            return Directive::Opaque(t.to_string());
        }
        bytes.extend_from_slice(&(n as u64).to_le_bytes()[..size]);
    }
    Directive::Data(bytes)
}

pub struct Image {
    /// Address of every item (a label's is that of what follows it).
    pub addr: Vec<u64>,
    /// Runs of data: (address, bytes).
    pub data: Vec<(u64, Vec<u8>)>,
    /// End of the image.
    pub end: u64,
    /// (address, item) of every non-label item, in order.
    code: Vec<(u64, usize)>,
}

impl Image {
    pub fn new(prog: &Program) -> Image {
        let mut addr = Vec::with_capacity(prog.items.len());
        let mut data: Vec<(u64, Vec<u8>)> = Vec::new();
        let mut at = CODE_BASE;
        for item in &prog.items {
            match item {
                Item::Label { .. } => addr.push(at),
                Item::Instr(i) if i.def().op == crate::isa::Op::Emit => match parse_directive(&emit_text(&i.operands)) {
                    // The padding starts here; in code it is executed as no-ops.
                    Directive::Align(n) => {
                        addr.push(at);
                        at = at.next_multiple_of(n);
                    }
                    Directive::Data(bytes) => {
                        addr.push(at);
                        match data.last_mut() {
                            Some((start, run)) if *start + run.len() as u64 == at => run.extend_from_slice(&bytes),
                            _ => data.push((at, bytes.clone())),
                        }
                        at += bytes.len() as u64;
                    }
                    Directive::Opaque(_) => {
                        addr.push(at);
                        at += INSTRUCTION_SIZE;
                    }
                },
                Item::Instr(_) => {
                    addr.push(at);
                    at += INSTRUCTION_SIZE;
                }
            }
        }
        // Labels take the address of the next item, after any alignment.
        let mut next = at;
        for k in (0..prog.items.len()).rev() {
            match &prog.items[k] {
                Item::Label { .. } => addr[k] = next,
                Item::Instr(i) if i.def().op == crate::isa::Op::Emit => {
                    if let Directive::Align(n) = parse_directive(&emit_text(&i.operands)) {
                        next = addr[k].next_multiple_of(n);
                    } else {
                        next = addr[k];
                    }
                }
                Item::Instr(_) => next = addr[k],
            }
        }
        let code = (0..prog.items.len())
            .filter(|&k| !matches!(prog.items[k], Item::Label { .. }))
            .map(|k| (addr[k], k))
            .collect();
        Image { addr, data, end: at, code }
    }

    /// The first non-label item at code address `a` (their addresses never
    /// decrease; a label's address is that of the item after it).
    pub fn item_at(&self, a: u64) -> Option<usize> {
        let k = self.code.partition_point(|&(x, _)| x < a);
        self.code.get(k).filter(|&&(x, _)| x == a).map(|&(_, i)| i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_directives() {
        assert_eq!(parse_directive(".quad 42"), Directive::Data(vec![42, 0, 0, 0, 0, 0, 0, 0]));
        assert_eq!(parse_directive(".byte 1, -1, 0xff"), Directive::Data(vec![1, 0xff, 0xff]));
        assert_eq!(parse_directive(".short 0x1234"), Directive::Data(vec![0x34, 0x12]));
        assert_eq!(parse_directive(".p2align 4"), Directive::Align(16));
        assert_eq!(parse_directive(".balign 8"), Directive::Align(8));
        assert!(matches!(parse_directive(".byte 256"), Directive::Opaque(_)));
        assert!(matches!(parse_directive(".word 1"), Directive::Opaque(_)), ".word differs between assemblers");
        assert!(matches!(parse_directive("movq %rax, %rbx"), Directive::Opaque(_)));
    }
}
