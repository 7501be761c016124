//! Lexical environments of the expander: a persistent (shared-tail) list of
//! parameter bindings, body constants and local-label frames. Closures keep a
//! handle to the list as it was where they were written (LANGUAGE.md §9.3).

use std::collections::HashMap;
use std::rc::Rc;

use crate::front::ast::{GroupMask, MacroDef, Name, Operand};

/// A macro as a value: its definition plus the lexical environment it closes over.
pub struct MacroValue {
    pub def: Rc<MacroDef>,
    pub env: Env,
    pub info: Rc<BodyInfo>,
}

/// Facts about a macro body computed once per definition.
pub struct BodyInfo {
    /// Local labels defined directly in the body (§9.5).
    /// With the groups whose statements define them (all, outside `Variants`).
    pub labels: HashMap<Name, GroupMask>,
    /// Named macros defined directly in the body, in order (§9.4).
    pub macros: Vec<Rc<MacroDef>>,
    /// Macros or constants are defined inside `Variants`: the body is
    /// expanded per set of groups that takes the same branches.
    pub variant_defs: bool,
}

#[derive(Clone)]
pub enum Binding {
    Operand(Operand),
    Macro(Rc<MacroValue>),
}

pub enum Node {
    Param {
        name: Name,
        binding: Binding,
        macro_name: Name,
    },
    Const {
        name: Name,
        value: Operand,
    },
    /// The local labels of one body expansion: `.x` → `oa<n>_<macro>_x`.
    Labels {
        expansion: u32,
        macro_name: Name,
        info: Rc<BodyInfo>,
    },
}

pub struct Link {
    node: Node,
    parent: Env,
}

#[derive(Clone, Default)]
pub struct Env(Option<Rc<Link>>);

/// Environments can be as long as the expansion depth limit: unlink them
/// iteratively instead of recursing once per node.
impl Drop for Link {
    fn drop(&mut self) {
        let mut next = self.parent.0.take();
        while let Some(rc) = next {
            match Rc::try_unwrap(rc) {
                Ok(mut l) => next = l.parent.0.take(),
                Err(_) => break,
            }
        }
    }
}

pub enum Found<'a> {
    Param { binding: &'a Binding, macro_name: &'a Name },
    Const(&'a Operand),
}

impl Env {
    pub fn push(&self, node: Node) -> Env {
        Env(Some(Rc::new(Link { node, parent: self.clone() })))
    }

    fn iter(&self) -> impl Iterator<Item = &Node> {
        let mut cur = self.0.as_deref();
        std::iter::from_fn(move || {
            let l = cur?;
            cur = l.parent.0.as_deref();
            Some(&l.node)
        })
    }

    /// Variable lookup, innermost first (§8 rule 4).
    pub fn lookup(&self, name: &str) -> Option<Found<'_>> {
        self.iter().find_map(|n| match n {
            Node::Param { name: p, binding, macro_name } if &**p == name => Some(Found::Param { binding, macro_name }),
            Node::Const { name: c, value } if &**c == name => Some(Found::Const(value)),
            _ => None,
        })
    }

    /// A parameter of a lexically enclosing macro (call position, §9.4 step 1).
    pub fn lookup_param(&self, name: &str) -> Option<&Binding> {
        self.iter().find_map(|n| match n {
            Node::Param { name: p, binding, .. } if &**p == name => Some(binding),
            _ => None,
        })
    }

    /// Output name for a local-label reference: the innermost lexically
    /// enclosing body that defines it (§9.5) for the groups of `groups`.
    /// `Ok(None)`: not defined in any body; `Err(part)`: the body defines it
    /// for the groups of `part` only.
    pub fn local_label(&self, label: &str, groups: GroupMask) -> Result<Option<Name>, GroupMask> {
        for n in self.iter() {
            if let Node::Labels { expansion, macro_name, info } = n {
                let defined = info.labels.get(label).map_or(0, |m| m & groups);
                if defined == groups {
                    return Ok(Some(expansion_label(*expansion, macro_name, label)));
                }
                if defined != 0 {
                    return Err(defined);
                }
            }
        }
        Ok(None)
    }

    /// Output name for a local label defined in the innermost body.
    pub fn own_label(&self, label: &str) -> Option<Name> {
        self.iter().find_map(|n| match n {
            Node::Labels { expansion, macro_name, .. } => Some(expansion_label(*expansion, macro_name, label)),
            _ => None,
        })
    }
}

/// `.x` at file level → `oa0_x` (TARGETS.md §8.3, without the assembler prefix).
pub fn file_label(label: &str) -> Name {
    with_buffer(|b| {
        b.push_str("oa0_");
        b.push_str(&label[1..]);
    })
}

/// `.x` in the n-th expansion of macro `m` → `oa<n>_<m>_x`.
pub fn expansion_label(n: u32, macro_name: &str, label: &str) -> Name {
    with_buffer(|b| {
        use std::fmt::Write;
        b.push_str("oa");
        let _ = write!(b, "{n}");
        b.push('_');
        if macro_name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_') {
            b.push_str(macro_name);
        } else {
            b.extend(macro_name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }));
        }
        b.push('_');
        b.push_str(&label[1..]);
    })
}

/// A name written into a reused buffer: one allocation per name (labels are
/// made for every expansion of every body that defines or uses one).
fn with_buffer(write: impl FnOnce(&mut String)) -> Name {
    thread_local! {
        static BUFFER: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
    }
    BUFFER.with_borrow_mut(|b| {
        b.clear();
        write(b);
        Name::from(b.as_str())
    })
}
