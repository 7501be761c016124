//! Expanding for several groups of targets at once (`offasm check
//! --all-targets`, the build API). The tree is resolved for all groups
//! ([`super::settings::resolve_groups`]): where their `if` branches differ it
//! holds [`Variants`](crate::front::ast::Variants). The expander runs once,
//! for a set of groups (a [`GroupMask`]), and every statement it produces
//! carries the groups it belongs to. File-level macros and constants are
//! defined per group ([`ByGroup`]); when a lookup finds different
//! definitions for the groups being expanded, the statement is expanded
//! again for each part (docs/decisions.md, "Every target at once").

use crate::diag::Diagnostic;
use crate::front::ast::{GroupMask, Name};
use crate::source::Span;

use super::{Expanded, Item};

/// Definitions of one name, each for a set of groups (disjoint sets: a new
/// definition replaces older ones for its groups).
pub struct ByGroup<T> {
    defs: Vec<(GroupMask, T)>,
}

impl<T> Default for ByGroup<T> {
    fn default() -> Self {
        ByGroup { defs: Vec::new() }
    }
}

impl<T> ByGroup<T> {
    pub fn define(&mut self, groups: GroupMask, value: T) {
        if self.defs.len() == 1 && self.defs[0].0 & !groups == 0 {
            self.defs[0] = (groups, value);
            return;
        }
        for d in &mut self.defs {
            d.0 &= !groups;
        }
        self.defs.retain(|d| d.0 != 0);
        self.defs.push((groups, value));
    }

    /// The definition every group of `groups` sees (`None`: none of them has
    /// one), or `Err(part)` when they differ: `part` is a set of groups that
    /// see the same one (a proper subset of `groups`).
    pub fn pick(&self, groups: GroupMask) -> Result<Option<&T>, GroupMask> {
        let mut hits = self.defs.iter().filter(|d| d.0 & groups != 0);
        match (hits.next(), hits.next()) {
            (None, _) => Ok(None),
            (Some((m, v)), None) if groups & !m == 0 => Ok(Some(v)),
            (Some((m, _)), _) => Err(m & groups),
        }
    }
}

/// The groups of a mask, lowest first.
pub fn groups_of(mut mask: GroupMask) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        (mask != 0).then(|| {
            let g = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            g
        })
    })
}

/// The expansion of every group: statements, `global`s and diagnostics,
/// each with the groups it belongs to.
#[derive(Default)]
pub struct GroupedExpansion {
    pub items: Vec<Item>,
    pub masks: Vec<GroupMask>,
    pub globals: Vec<(Name, Span, GroupMask)>,
    pub diags: Vec<(Diagnostic, GroupMask)>,
}

impl GroupedExpansion {
    /// Group `g`'s expansion and diagnostics.
    pub fn for_group(&self, g: usize) -> (Expanded, Vec<Diagnostic>) {
        let bit = 1 << g;
        let items = self.items.iter().zip(&self.masks).filter(|(_, m)| *m & bit != 0).map(|(i, _)| i.clone()).collect();
        let globals = first_of_each(self.globals.iter().filter(|(_, _, m)| m & bit != 0).map(|(n, s, _)| (n.clone(), *s)));
        let diags = self.diags.iter().filter(|(_, m)| m & bit != 0).map(|(d, _)| d.clone()).collect();
        (Expanded { items, globals }, diags)
    }

    /// The only group's expansion, without copying.
    pub fn into_single(self) -> (Expanded, Vec<Diagnostic>) {
        let globals = first_of_each(self.globals.into_iter().map(|(n, s, _)| (n, s)));
        (Expanded { items: self.items, globals }, self.diags.into_iter().map(|(d, _)| d).collect())
    }
}

/// A `global` declared twice counts once, where it was first declared.
fn first_of_each(globals: impl Iterator<Item = (Name, Span)>) -> Vec<(Name, Span)> {
    let mut seen = rustc_hash::FxHashSet::default();
    globals.filter(|(n, _)| seen.insert(n.clone())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_definition_replaces_older_ones_for_its_groups_only() {
        let mut d = ByGroup::default();
        d.define(0b111, "all");
        assert_eq!(d.pick(0b111), Ok(Some(&"all")));
        d.define(0b010, "one");
        assert_eq!(d.pick(0b101), Ok(Some(&"all")));
        assert_eq!(d.pick(0b010), Ok(Some(&"one")));
        let part = d.pick(0b111).unwrap_err();
        assert!(part == 0b101 || part == 0b010, "{part:b}");
        d.define(0b111, "again");
        assert_eq!(d.pick(0b111), Ok(Some(&"again")));
    }

    #[test]
    fn groups_without_a_definition_split_from_those_with_one() {
        let mut d = ByGroup::default();
        d.define(0b100, 7);
        assert_eq!(d.pick(0b011), Ok(None));
        assert_eq!(d.pick(0b110).unwrap_err(), 0b100);
        assert_eq!(groups_of(0b1010_0001).collect::<Vec<_>>(), vec![0, 5, 7]);
    }
}
