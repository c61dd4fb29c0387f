//! The published hook list: one immutable [`Snapshot`] per registration state, with
//! the flat records the hot path scans and, above [`LINEAR_MAX`] hooks, the bitset
//! [`Matcher`].

use alloc::boxed::Box;
use alloc::vec::Vec;

use crate::hook::{HandlerRef, HookId, HookRef, UndefHook};
use crate::matcher::{Matcher, Pattern};

use super::outcome::Fallback;

/// Above this many hooks, matching uses the bitset [`Matcher`]; up to it, a linear scan
/// of the flat pattern array (one AND and one compare per hook, no tables).
pub(super) const LINEAR_MAX: usize = 16;

/// What the hot path needs of one hook, in one record: its pattern packed over the
/// 64-bit key `cpsr:instr` (it matches when `key & mask == val`), its identity and its
/// handler. A route reads one contiguous array of these.
pub(super) struct Entry {
    pub(super) mask: u64,
    pub(super) val: u64,
    /// The closure of the `Handler` in the same snapshot's `hooks` (which owns it).
    pub(super) handler: HandlerRef,
    pub(super) hook: HookRef,
}

/// One immutable published hook list, in registration order (earliest first).
pub(super) struct Snapshot {
    /// The router's decline policy (copied here so the decline path needs no other
    /// pointer).
    pub(super) fallback: Fallback,
    /// One per hook, in registration order.
    pub(super) entries: Box<[Entry]>,
    /// How many of `entries` the inline scan visits: all of them up to [`LINEAR_MAX`]
    /// hooks, none above (the bitset `matcher` answers instead).
    pub(super) scan: usize,
    /// Only for more than [`LINEAR_MAX`] hooks.
    pub(super) matcher: Option<Matcher>,
    /// The hooks as registered (listing and copy-on-write). Owns the handlers that
    /// `entries` call.
    pub(super) hooks: Vec<(HookId, UndefHook)>,
}

/// The 64-bit matching key `cpsr:instr`.
#[inline(always)]
pub(super) fn key_of(instr: u32, cpsr: u32) -> u64 {
    (u64::from(cpsr) << 32) | u64::from(instr)
}

impl Snapshot {
    pub(super) fn build(hooks: Vec<(HookId, UndefHook)>, fallback: Fallback) -> Self {
        let entries: Box<[Entry]> = hooks
            .iter()
            .map(|(id, h)| Entry {
                mask: key_of(h.instr_mask(), h.cpsr_mask()),
                val: key_of(h.instr_val(), h.cpsr_val()),
                // SAFETY: `hooks`, moved into the same snapshot below and never changed,
                // owns this `Arc` for as long as the snapshot (and so the entry) lives.
                handler: unsafe { HandlerRef::new(h.handler()) },
                hook: HookRef {
                    id: *id,
                    name: h.name(),
                },
            })
            .collect();
        let matcher = (hooks.len() > LINEAR_MAX).then(|| {
            let patterns: Vec<Pattern> = hooks
                .iter()
                .map(|(_, h)| (h.instr_mask(), h.instr_val(), h.cpsr_mask(), h.cpsr_val()))
                .collect();
            Matcher::build(&patterns)
        });
        Self {
            fallback,
            scan: if matcher.is_none() { entries.len() } else { 0 },
            entries,
            matcher,
            hooks,
        }
    }

    /// The earliest-registered hook that matches `key` (the hot path's lookup): a
    /// linear scan inline, the bitset matcher (more than [`LINEAR_MAX`] hooks) out of
    /// line.
    #[inline(always)]
    pub(super) fn first_match(&self, key: u64) -> Option<&Entry> {
        // `scan <= entries.len()` by construction (`build`): `get` cannot fail.
        let linear = self.entries.get(..self.scan).unwrap_or_default();
        match linear.iter().find(|e| key & e.mask == e.val) {
            Some(e) => Some(e),
            None => self.first_match_bitset(key),
        }
    }

    /// The bitset lookup above [`LINEAR_MAX`] hooks (`None` up to it: the scan was
    /// complete).
    #[inline(never)]
    fn first_match_bitset(&self, key: u64) -> Option<&Entry> {
        self.entries
            .get(self.matcher.as_ref()?.first_match(0, key)?)
    }

    /// The earliest-registered hook at index ≥ `from` that matches `key`, with its
    /// index.
    #[inline]
    pub(super) fn next_match(&self, from: usize, key: u64) -> Option<(usize, &Entry)> {
        let i = match &self.matcher {
            None => {
                from + self
                    .entries
                    .get(from..)?
                    .iter()
                    .position(|e| key & e.mask == e.val)?
            }
            Some(m) => m.first_match(from, key)?,
        };
        self.entries.get(i).map(|e| (i, e))
    }

    /// The index of `entry`, an element of `entries` (for the decline policy).
    pub(super) fn index_of(&self, entry: &Entry) -> usize {
        self.entries
            .iter()
            .position(|e| core::ptr::eq(e, entry))
            .unwrap_or(self.entries.len())
    }
}
