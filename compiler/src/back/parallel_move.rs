//! Sequentialising a parallel move: the lowering of `moveargs`
//! ([`Effects::WRITES_ARGS`](crate::isa::Effects::WRITES_ARGS)), shared by
//! every back end.
//!
//! A parallel move assigns `d_i := s_i` for all `i` at once: every source is
//! read before any destination is written. The destinations are distinct
//! physical registers; a source is a physical register (possibly another
//! destination, possibly the same register as another source) or an
//! immediate. [`schedule`] turns it into [`Step`]s that a machine executes
//! one after the other, using at most one scratch register:
//!
//! 1. A destination that already holds its source is left alone.
//! 2. Register copies go first. A copy whose destination no pending copy
//!    still reads is emitted (a "leaf"); its destination then holds its final
//!    value and is never written again.
//! 3. When no leaf is left, the pending copies form disjoint cycles (each
//!    destination has one source, so a pending copy that is not on a cycle
//!    always leads to a leaf). A cycle is opened by saving one member's value:
//!    if a destination already written holds that value (a member that was
//!    also copied to a destination outside the cycle, "fan-out"), its readers
//!    read it there, at no cost; otherwise the value is copied to the
//!    scratch register. The cycle then unwinds as a chain of leaves.
//! 4. Immediates are loaded last, straight into their destinations, so a
//!    destination that is also a register source has been read by then.
//!
//! The result has the least possible number of steps ([`minimum_steps`]):
//! one per destination whose value changes, plus one per cycle whose values
//! are not copied anywhere else. Lower bound: each changed destination needs
//! a write that gives it its final value. In a cycle with no copy outside
//! it, consider the first write to any member: it destroys a value that
//! another, not yet written, member still needs, so that value must already
//! have been written to a location outside the cycle — the scratch register
//! (not a destination) or a destination whose own final value comes from
//! elsewhere. Either way that is a write that is not a final write, and it
//! carries that cycle's value, so different cycles need different extra
//! writes. [`schedule`] makes exactly the final writes plus one scratch copy
//! per such cycle, which meets the bound. A pure permutation of `L`
//! registers in one cycle therefore costs `L + 1` moves; a cycle one of whose
//! values is also copied out costs `L`. The unit tests below check every
//! permutation of up to 6 registers and compare small instances with fan-out,
//! outside sources and immediates against a breadth-first search over all
//! move sequences.

/// A source of the parallel move.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Source<R> {
    Reg(R),
    Imm(i128),
}

/// A location a step reads or writes: a register, or the target's scratch
/// register (which is never a destination or a source of the parallel move).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Loc<R> {
    Reg(R),
    Scratch,
}

/// One machine-level step.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Step<R> {
    /// A full-width register copy `to := from`.
    Copy { from: Loc<R>, to: Loc<R> },
    /// `to := value` (an immediate, loaded without any other register).
    Load { value: i128, to: R },
}

/// A register copy still to do: `dst` must receive the original value of
/// register `value`, currently found at `from`.
struct Pending<R> {
    dst: R,
    value: R,
    from: Loc<R>,
}

/// The steps of the parallel move `dst := src` for every `(dst, src)` of
/// `moves` (see the module documentation). Destinations must be distinct.
pub fn schedule<R: Copy + Eq>(moves: &[(R, Source<R>)]) -> Vec<Step<R>> {
    for (i, (d, _)) in moves.iter().enumerate() {
        assert!(moves[..i].iter().all(|(e, _)| e != d), "parallel move with a repeated destination");
    }
    let mut pending: Vec<Pending<R>> = moves
        .iter()
        .filter_map(|&(dst, s)| match s {
            Source::Reg(r) if r != dst => Some(Pending { dst, value: r, from: Loc::Reg(r) }),
            _ => None,
        })
        .collect();
    let mut steps = Vec::with_capacity(moves.len() + 1);
    // Destinations already written, with the original register value they hold.
    let mut holders: Vec<(R, R)> = Vec::new();
    while !pending.is_empty() {
        let read = |pending: &[Pending<R>], r: R| pending.iter().any(|q| q.from == Loc::Reg(r));
        if let Some(i) = pending.iter().position(|p| !read(&pending, p.dst)) {
            let p = pending.remove(i);
            steps.push(Step::Copy { from: p.from, to: Loc::Reg(p.dst) });
            holders.push((p.value, p.dst));
            continue;
        }
        // Only cycles are left. Open one: its member `d` keeps its value
        // elsewhere, and the member that reads `d` reads it there.
        let found = pending
            .iter()
            .enumerate()
            .find_map(|(i, p)| holders.iter().find(|(v, _)| *v == p.dst).map(|&(_, h)| (i, Loc::Reg(h))));
        let (i, saved) = found.unwrap_or_else(|| {
            steps.push(Step::Copy { from: Loc::Reg(pending[0].dst), to: Loc::Scratch });
            (0, Loc::Scratch)
        });
        let d = Loc::Reg(pending[i].dst);
        for q in pending.iter_mut().filter(|q| q.from == d) {
            q.from = saved;
        }
    }
    for &(to, s) in moves {
        if let Source::Imm(value) = s {
            steps.push(Step::Load { value, to });
        }
    }
    steps
}

/// The least number of steps that performs `moves`: one per destination
/// whose value changes, plus one per cycle of register copies none of whose
/// members is also the source of a destination outside the cycle.
pub fn minimum_steps<R: Copy + Eq>(moves: &[(R, Source<R>)]) -> usize {
    let src_of = |d: R| {
        moves.iter().find(|(e, _)| *e == d).and_then(|&(_, s)| match s {
            Source::Reg(r) if r != d => Some(r),
            _ => None,
        })
    };
    let changed = moves.iter().filter(|&&(d, s)| s != Source::Reg(d)).count();
    let mut cycles = 0;
    for (k, &(start, _)) in moves.iter().enumerate() {
        // Walk the sources back from `start`; a cycle is counted once, at its
        // first member in `moves` order.
        let mut members = vec![start];
        let mut cur = start;
        let closed = loop {
            match src_of(cur) {
                Some(s) if s == start => break true,
                Some(s) if !members.contains(&s) && members.len() < moves.len() => {
                    members.push(s);
                    cur = s;
                }
                _ => break false,
            }
        };
        let first = members.iter().all(|m| moves[..k].iter().all(|(e, _)| e != m));
        let copied_out = moves
            .iter()
            .any(|&(d, s)| !members.contains(&d) && matches!(s, Source::Reg(r) if members.contains(&r)));
        if closed && first && !copied_out {
            cycles += 1;
        }
    }
    changed + cycles
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashMap, HashSet, VecDeque};

    /// What a location holds: the original value of register `r`, an
    /// immediate, or garbage (the scratch register at the start).
    #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
    enum Val {
        Orig(u8),
        Imm(i128),
        Garbage,
    }

    /// Runs `steps` on registers holding their own number; checks that only
    /// destinations and the scratch are written and that immediates come last.
    fn run(moves: &[(u8, Source<u8>)], steps: &[Step<u8>]) -> HashMap<Loc<u8>, Val> {
        let dsts: HashSet<u8> = moves.iter().map(|m| m.0).collect();
        let mut st: HashMap<Loc<u8>, Val> = HashMap::new();
        let get = |st: &HashMap<Loc<u8>, Val>, l: Loc<u8>| match l {
            Loc::Reg(r) => *st.get(&l).unwrap_or(&Val::Orig(r)),
            Loc::Scratch => *st.get(&l).unwrap_or(&Val::Garbage),
        };
        let mut loaded = false;
        for s in steps {
            let (to, v) = match *s {
                Step::Copy { from, to } => {
                    assert!(!loaded, "a register copy after an immediate load: {steps:?}");
                    let v = get(&st, from);
                    assert_ne!(v, Val::Garbage, "reads the scratch before writing it: {steps:?}");
                    (to, v)
                }
                Step::Load { value, to } => {
                    loaded = true;
                    (Loc::Reg(to), Val::Imm(value))
                }
            };
            if let Loc::Reg(r) = to {
                assert!(dsts.contains(&r), "writes r{r}, which is not a destination: {moves:?} → {steps:?}");
            }
            st.insert(to, v);
        }
        for &(d, s) in moves {
            let want = match s {
                Source::Reg(r) => Val::Orig(r),
                Source::Imm(i) => Val::Imm(i),
            };
            assert_eq!(get(&st, Loc::Reg(d)), want, "r{d} is wrong after {moves:?} → {steps:?}");
        }
        st
    }

    fn check(moves: &[(u8, Source<u8>)]) -> usize {
        let steps = schedule(moves);
        run(moves, &steps);
        assert_eq!(steps.len(), minimum_steps(moves), "{moves:?} → {steps:?}");
        steps.len()
    }

    /// Every permutation of `0..n` (Heap's algorithm).
    fn permutations(n: usize) -> Vec<Vec<u8>> {
        fn go(k: usize, a: &mut Vec<u8>, out: &mut Vec<Vec<u8>>) {
            if k <= 1 {
                out.push(a.clone());
                return;
            }
            for i in 0..k {
                go(k - 1, a, out);
                let j = if k.is_multiple_of(2) { i } else { 0 };
                a.swap(j, k - 1);
            }
        }
        let mut out = Vec::new();
        go(n, &mut (0..n as u8).collect(), &mut out);
        out
    }

    /// Cycles of length ≥ 2 of the permutation `p` (register i receives p[i]).
    fn cycles(p: &[u8]) -> usize {
        let mut seen = vec![false; p.len()];
        let mut n = 0;
        for i in 0..p.len() {
            if seen[i] || p[i] as usize == i {
                continue;
            }
            n += 1;
            let mut j = i;
            while !seen[j] {
                seen[j] = true;
                j = p[j] as usize;
            }
        }
        n
    }

    #[test]
    fn every_permutation_of_up_to_six_registers() {
        let mut total = 0;
        for n in 1..=6 {
            let perms = permutations(n);
            assert_eq!(perms.len(), (1..=n).product::<usize>());
            for p in perms {
                let moves: Vec<(u8, Source<u8>)> = p.iter().enumerate().map(|(i, &s)| (i as u8, Source::Reg(s))).collect();
                let fixed = p.iter().enumerate().filter(|&(i, &s)| i == s as usize).count();
                // In place: nothing; every other register once; each cycle one more.
                assert_eq!(check(&moves), n - fixed + cycles(&p), "{p:?}");
                total += 1;
            }
        }
        assert_eq!(total, 1 + 2 + 6 + 24 + 120 + 720);
    }

    #[test]
    fn shapes() {
        use Source::{Imm, Reg};
        // Swap: through the scratch.
        let swap = schedule(&[(0u8, Reg(1)), (1, Reg(0))]);
        assert_eq!(
            swap,
            [
                Step::Copy { from: Loc::Reg(0), to: Loc::Scratch },
                Step::Copy { from: Loc::Reg(1), to: Loc::Reg(0) },
                Step::Copy { from: Loc::Scratch, to: Loc::Reg(1) },
            ]
        );
        // A swap whose member is also copied out needs no scratch.
        let fan = schedule(&[(0u8, Reg(1)), (1, Reg(0)), (2, Reg(0))]);
        assert_eq!(
            fan,
            [
                Step::Copy { from: Loc::Reg(0), to: Loc::Reg(2) },
                Step::Copy { from: Loc::Reg(1), to: Loc::Reg(0) },
                Step::Copy { from: Loc::Reg(2), to: Loc::Reg(1) },
            ]
        );
        // A chain is emitted from its end; immediates last.
        let chain = schedule(&[(0u8, Imm(7)), (1, Reg(0)), (2, Reg(1))]);
        assert_eq!(
            chain,
            [
                Step::Copy { from: Loc::Reg(1), to: Loc::Reg(2) },
                Step::Copy { from: Loc::Reg(0), to: Loc::Reg(1) },
                Step::Load { value: 7, to: 0 },
            ]
        );
        assert!(schedule(&[(0u8, Reg(0)), (1, Reg(1))]).is_empty());
        assert_eq!(check(&[(0u8, Reg(1)), (1, Reg(0)), (2, Reg(3)), (3, Reg(2))]), 6);
        assert_eq!(check(&[(0u8, Reg(9)), (1, Reg(9)), (2, Reg(9))]), 3);
    }

    /// Every assignment of sources from a pool of registers (destinations,
    /// others) and immediates, for up to 5 destinations: correct, minimal
    /// by [`minimum_steps`].
    #[test]
    fn every_source_assignment_with_fan_out_outside_sources_and_immediates() {
        let mut count = 0;
        for k in 1..=5u32 {
            // Registers 0..k are destinations; k, k+1 are only read; two immediates.
            let mut pool: Vec<Source<u8>> = (0..k as u8 + 2).map(Source::Reg).collect();
            pool.extend([Source::Imm(-1), Source::Imm(1 << 40)]);
            let b = pool.len();
            for code in 0..b.pow(k) {
                let moves: Vec<(u8, Source<u8>)> =
                    (0..k).map(|i| (i as u8, pool[code / b.pow(i) % b])).collect();
                check(&moves);
                count += 1;
            }
        }
        assert_eq!(count, 5 + 36 + 343 + 4096 + 59049);
    }

    /// The least number of steps by breadth-first search over every sequence
    /// of copies between any locations and immediate loads, writing only
    /// destinations and the scratch.
    fn bfs_minimum(moves: &[(u8, Source<u8>)]) -> usize {
        let k = moves.len();
        // Writable locations: the destinations 0..k, then the scratch.
        let goal: Vec<Val> = moves
            .iter()
            .map(|&(_, s)| match s {
                Source::Reg(r) => Val::Orig(r),
                Source::Imm(i) => Val::Imm(i),
            })
            .collect();
        let read_only: Vec<Val> = moves
            .iter()
            .filter_map(|&(_, s)| match s {
                Source::Reg(r) if r as usize >= k => Some(Val::Orig(r)),
                _ => None,
            })
            .collect();
        let imms: Vec<Val> = goal.iter().copied().filter(|v| matches!(v, Val::Imm(_))).collect();
        let mut start: Vec<Val> = (0..k as u8).map(Val::Orig).collect();
        start.push(Val::Garbage);
        let mut seen = HashSet::from([start.clone()]);
        let mut queue = VecDeque::from([(start, 0)]);
        while let Some((st, d)) = queue.pop_front() {
            if st[..k] == goal[..] {
                return d;
            }
            let sources: Vec<Val> =
                st.iter().chain(&read_only).chain(&imms).copied().filter(|v| *v != Val::Garbage).collect();
            for to in 0..=k {
                for &v in &sources {
                    let mut next = st.clone();
                    next[to] = v;
                    if seen.insert(next.clone()) {
                        queue.push_back((next, d + 1));
                    }
                }
            }
        }
        unreachable!("every parallel move can be done")
    }

    #[test]
    fn minimal_against_exhaustive_search() {
        let mut count = 0;
        for k in 1..=3u32 {
            let mut pool: Vec<Source<u8>> = (0..k as u8 + 1).map(Source::Reg).collect();
            pool.push(Source::Imm(5));
            let b = pool.len();
            for code in 0..b.pow(k) {
                let moves: Vec<(u8, Source<u8>)> =
                    (0..k).map(|i| (i as u8, pool[code / b.pow(i) % b])).collect();
                assert_eq!(check(&moves), bfs_minimum(&moves), "{moves:?}");
                count += 1;
            }
        }
        // And every permutation of four registers.
        for p in permutations(4) {
            let moves: Vec<(u8, Source<u8>)> = p.iter().enumerate().map(|(i, &s)| (i as u8, Source::Reg(s))).collect();
            assert_eq!(check(&moves), bfs_minimum(&moves), "{p:?}");
            count += 1;
        }
        assert_eq!(count, 3 + 16 + 125 + 24);
    }
}
