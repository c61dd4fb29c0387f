//! A conservative description, for translators, of the instruction
//! addresses a [`BreakpointTable`] may report a hit at.
//!
//! A JIT or a translation cache cannot call [`BreakpointTable::matches`]
//! per instruction; it needs to know which guest code to instrument. The
//! [`BreakpointSummary`] says which addresses *may* hit in some mode,
//! Security state and context: every address where the table can report a
//! hit lies inside it (a property test checks this), and an address
//! outside it never hits until the summary changes. It over-approximates
//! where the answer depends on what the table does not hold:
//!
//! * the processor mode and Security state (a BRP that may fire in any of
//!   them counts);
//! * CONTEXTIDR and VMID: a linked address BRP counts whenever it names a
//!   linked context BRP; an unlinked context BRP fires on every
//!   instruction in its context, so it makes the summary cover everything.
//!
//! Mismatch BRPs (BT = 010x, the single-step breakpoints of DDI 0406C.d
//! C3.3 "Breakpoint debug events") fire on every instruction their address
//! compare does not match, so they are described as "everything except"
//! the range all of them exclude ([`Beyond::Except`]).
//!
//! The change signal is [`BreakpointTable::generation`]: it moves whenever
//! the summary may have changed (a guest write to a BRP, a gate change).
//! On a change, re-instrument the translated blocks that intersect the old
//! or the new summary.

use super::breakpoint::AddressCompare;
use super::{BreakpointTable, MAX_UNITS};

/// An inclusive range of instruction addresses, `first..=last` (inclusive
/// so that it can describe the whole 4 GiB).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InstructionRange {
    /// Lowest address in the range.
    pub first: u32,
    /// Highest address in the range (`≥ first`).
    pub last: u32,
}

impl InstructionRange {
    /// The whole address space.
    pub const ALL: InstructionRange = InstructionRange {
        first: 0,
        last: u32::MAX,
    };

    /// Whether `address` lies in the range.
    pub const fn contains(&self, address: u32) -> bool {
        self.first <= address && address <= self.last
    }

    /// Whether the ranges share an address.
    pub const fn overlaps(&self, other: &InstructionRange) -> bool {
        self.first <= other.last && other.first <= self.last
    }

    /// Whether every address of `other` lies in the range.
    pub const fn covers(&self, other: &InstructionRange) -> bool {
        self.first <= other.first && other.last <= self.last
    }

    /// The addresses an address compare is equal at: `base` with any
    /// value in the bits `keep` leaves out. `None` for a compare equal
    /// nowhere. (Every compare the crate derives keeps a contiguous run of
    /// high bits.)
    const fn of(compare: AddressCompare) -> Option<InstructionRange> {
        if compare.base & !compare.keep != 0 {
            return None;
        }
        Some(InstructionRange {
            first: compare.base,
            last: compare.base | !compare.keep,
        })
    }

    /// The common addresses of two ranges, if any.
    const fn intersection(&self, other: &InstructionRange) -> Option<InstructionRange> {
        if !self.overlaps(other) {
            return None;
        }
        Some(InstructionRange {
            first: if self.first > other.first {
                self.first
            } else {
                other.first
            },
            last: if self.last < other.last {
                self.last
            } else {
                other.last
            },
        })
    }
}

/// What a summary covers besides its ranges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Beyond {
    /// Nothing: only the ranges may hit.
    Nothing,
    /// Every address outside this range may hit (mismatch BRPs: the range
    /// is what all of them exclude).
    Except(InstructionRange),
    /// Every address may hit (an unlinked context BRP, a mismatch BRP that
    /// excludes nothing, or mismatch BRPs that exclude disjoint ranges).
    Everywhere,
}

/// What one BRP may contribute to the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Region {
    /// Never fires (disabled, reserved, gated off, a broken link, a
    /// linked context BRP).
    Never,
    /// Address match: fires only in the range.
    Range(InstructionRange),
    /// Address mismatch: fires only outside the range.
    Except(InstructionRange),
    /// Fires anywhere.
    Everywhere,
}

/// The instruction addresses a [`BreakpointTable`] may report a hit at
/// ([`BreakpointTable::summary`]). `Copy`, no heap.
///
/// ```
/// use dbgregs::matching::{Beyond, BreakpointTable, Breakpoints, DebugGate, InstructionRange, MatchConfig};
/// use dbgregs::model::CoreModel;
///
/// let cfg = MatchConfig::from_model(&CoreModel::preset("cortex-a15").unwrap());
/// // BRP 0: a match on the word at 0x8000. BRP 1: a mismatch on 0x9000
/// // (single-stepping the instruction there).
/// let bcr = [1 | 0b11 << 1 | 0b1111 << 5, 1 | 0b11 << 1 | 0b1111 << 5 | 0b0100 << 20];
/// let bps = Breakpoints { bvr: &[0x8000, 0x9000], bcr: &bcr, bxvr: &[] };
/// let gate = DebugGate { mdbgen: true, ..DebugGate::default() };
/// let summary = BreakpointTable::new(&cfg, &bps, &gate).summary();
/// assert_eq!(summary.ranges(), &[InstructionRange { first: 0x8000, last: 0x8003 }]);
/// assert_eq!(summary.beyond(), Beyond::Except(InstructionRange { first: 0x9000, last: 0x9003 }));
/// assert!(summary.may_hit(0x8000) && summary.may_hit(0x1234) && !summary.may_hit(0x9000));
/// assert!(!summary.may_hit_in(&InstructionRange { first: 0x9000, last: 0x9003 }));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BreakpointSummary {
    /// Match ranges, sorted by first address, overlapping and adjacent
    /// ones merged; `len` of them are used.
    ranges: [InstructionRange; MAX_UNITS],
    len: u8,
    beyond: Beyond,
    generation: u32,
}

impl BreakpointSummary {
    /// The ranges address-match BRPs may hit in, sorted, disjoint and not
    /// adjacent.
    pub fn ranges(&self) -> &[InstructionRange] {
        // `len` ≤ MAX_UNITS by construction.
        self.ranges.get(..usize::from(self.len)).unwrap_or_default()
    }

    /// What may hit outside [`Self::ranges`].
    pub const fn beyond(&self) -> Beyond {
        self.beyond
    }

    /// The table's [`BreakpointTable::generation`] when the summary was
    /// taken.
    pub const fn generation(&self) -> u32 {
        self.generation
    }

    /// No address can hit: no instrumentation is needed.
    pub fn is_empty(&self) -> bool {
        self.len == 0 && self.beyond == Beyond::Nothing
    }

    /// Whether an instruction at `address` may hit.
    pub fn may_hit(&self, address: u32) -> bool {
        self.may_hit_in(&InstructionRange {
            first: address,
            last: address,
        })
    }

    /// Whether an instruction in `block` may hit (a translated block
    /// spanning `block` needs instrumenting).
    pub fn may_hit_in(&self, block: &InstructionRange) -> bool {
        let beyond = match self.beyond {
            Beyond::Nothing => false,
            Beyond::Except(range) => !range.covers(block),
            Beyond::Everywhere => true,
        };
        beyond || self.ranges().iter().any(|r| r.overlaps(block))
    }
}

impl BreakpointTable {
    /// What BRP `n < MAX_UNITS` may contribute to the summary.
    fn region(&self, n: usize) -> Region {
        let bit = 1u16 << n;
        if self.live & bit == 0 {
            return Region::Never;
        }
        if self.linked & bit != 0 {
            // A link to anything but a linked context BRP, or to one that
            // matches no context, never fires. LBN is 4 bits.
            let m = usize::from(self.lbn[n]) & (MAX_UNITS - 1);
            let never = super::breakpoint::ContextCompare::NEVER;
            if self.link_targets & (1 << m) == 0 || self.context[m] == never {
                return Region::Never;
            }
        }
        if self.unlinked_context & bit != 0 {
            let never = super::breakpoint::ContextCompare::NEVER;
            return if self.context[n] == never {
                Region::Never
            } else {
                Region::Everywhere
            };
        }
        let range = InstructionRange::of(self.address(n));
        match (self.mismatch & bit != 0, range) {
            (false, Some(range)) => Region::Range(range),
            (false, None) => Region::Never,
            (true, Some(range)) => Region::Except(range),
            (true, None) => Region::Everywhere,
        }
    }

    /// Every BRP's region, the input of the summary and of the change
    /// signal.
    pub(super) fn regions(&self) -> [Region; MAX_UNITS] {
        core::array::from_fn(|n| self.region(n))
    }

    /// The instruction addresses this table may report a hit at, in any
    /// mode, Security state and context ([`BreakpointSummary`]). Empty
    /// when nothing can hit (monitor debug off, the OS Lock gating events,
    /// no BRP enabled).
    pub fn summary(&self) -> BreakpointSummary {
        let mut ranges = [InstructionRange::ALL; MAX_UNITS];
        let mut len = 0usize;
        // `None`: no mismatch BRP yet.
        let mut excluded: Option<Option<InstructionRange>> = None;
        let mut everywhere = false;
        for region in self.regions() {
            match region {
                Region::Never => {}
                Region::Range(range) => {
                    // At most one range per BRP, so `len` < MAX_UNITS here.
                    if let Some(slot) = ranges.get_mut(len) {
                        *slot = range;
                        len += 1;
                    }
                }
                Region::Except(range) => {
                    excluded = Some(match excluded {
                        None => Some(range),
                        Some(common) => common.and_then(|c| c.intersection(&range)),
                    });
                }
                Region::Everywhere => everywhere = true,
            }
        }
        let beyond = match excluded {
            _ if everywhere => Beyond::Everywhere,
            None => Beyond::Nothing,
            Some(None) => Beyond::Everywhere,
            Some(Some(range)) => Beyond::Except(range),
        };
        // Sort and merge overlapping or adjacent ranges.
        let used = ranges.get_mut(..len).unwrap_or_default();
        used.sort_unstable();
        let mut merged = 0usize;
        for i in 0..len {
            let next = used[i];
            if merged > 0 {
                let last = &mut used[merged - 1];
                if next.first <= last.last.saturating_add(1) {
                    last.last = last.last.max(next.last);
                    continue;
                }
            }
            used[merged] = next;
            merged += 1;
        }
        BreakpointSummary {
            ranges,
            len: merged as u8,
            beyond,
            generation: self.generation(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::{Breakpoints, DebugGate, MatchConfig};
    use crate::version::DebugVersion;

    const CFG: MatchConfig = MatchConfig {
        version: DebugVersion::V7Full,
        brps: 6,
        wrps: 4,
        ctx_cmps: 2,
        wp_bas_bytes: 8,
        bp_addr_mask: true,
        wp_addr_mask: true,
        security: true,
        virtualization: false,
        async_watchpoints: false,
    };

    const ON: DebugGate = DebugGate {
        mdbgen: true,
        halting: false,
        os_lock: false,
        double_lock: false,
        spiddis: false,
        suiden: false,
    };

    /// E, PMC = 11, the BAS, BT and MASK given.
    const fn bcr(bas: u32, bt: u32, mask: u32) -> u32 {
        1 | (0b11 << 1) | (bas << 5) | (bt << 20) | (mask << 24)
    }

    fn summary(bvr: &[u32], bcr: &[u32]) -> BreakpointSummary {
        let bps = Breakpoints {
            bvr,
            bcr,
            bxvr: &[],
        };
        BreakpointTable::new(&CFG, &bps, &ON).summary()
    }

    const fn range(first: u32, last: u32) -> InstructionRange {
        InstructionRange { first, last }
    }

    #[test]
    fn halfwords_words_and_masks_become_sorted_merged_ranges() {
        let s = summary(
            &[0x9000, 0x8002, 0x8004, 0x1234_5678, 0x8000],
            &[
                bcr(0b0001, 0, 0),
                bcr(0b0100, 0, 0),
                bcr(0b1111, 0, 0),
                bcr(0b1111, 0, 12),
                bcr(0b0000, 0, 0),
            ],
        );
        assert_eq!(
            s.ranges(),
            &[
                // BAS[2] only: the second halfword of the word at 0x8000,
                // merged with the adjacent word at 0x8004.
                range(0x8002, 0x8007),
                range(0x9000, 0x9001),
                range(0x1234_5000, 0x1234_5FFF),
            ]
        );
        assert_eq!(s.beyond(), Beyond::Nothing);
        assert!(!s.may_hit(0x8000));
        assert!(s.may_hit_in(&range(0x7000, 0x8003)));
    }

    #[test]
    fn mismatch_brps_cover_everything_except_their_common_range() {
        let mismatch = 0b0100;
        let one = summary(&[0x9000], &[bcr(0b1111, mismatch, 0)]);
        assert_eq!(one.beyond(), Beyond::Except(range(0x9000, 0x9003)));
        assert!(one.ranges().is_empty());
        let nested = summary(
            &[0x9000, 0x9002],
            &[bcr(0b1111, mismatch, 0), bcr(0b0100, mismatch, 0)],
        );
        assert_eq!(nested.beyond(), Beyond::Except(range(0x9002, 0x9003)));
        let disjoint = summary(
            &[0x9000, 0xA000],
            &[bcr(0b1111, mismatch, 0), bcr(0b1111, mismatch, 0)],
        );
        assert_eq!(disjoint.beyond(), Beyond::Everywhere);
        // BAS = 0000 excludes nothing: fires everywhere.
        let all = summary(&[0x9000], &[bcr(0, mismatch, 0)]);
        assert_eq!(all.beyond(), Beyond::Everywhere);
    }

    #[test]
    fn context_brps_and_links() {
        // BRP 4: unlinked CONTEXTIDR: everywhere.
        let unlinked = summary(&[0, 0, 0, 0, 0x42], &[0, 0, 0, 0, bcr(0b1111, 0b0010, 0)]);
        assert_eq!(unlinked.beyond(), Beyond::Everywhere);
        // BRP 0 linked to linked-CONTEXTIDR BRP 5: its range; linked to
        // BRP 3 (no context BRP): nothing.
        let linked = bcr(0b1111, 0b0001, 0) | (5 << 16);
        let target = bcr(0b1111, 0b0011, 0);
        let s = summary(&[0x8000, 0, 0, 0, 0, 0x42], &[linked, 0, 0, 0, 0, target]);
        assert_eq!(s.ranges(), &[range(0x8000, 0x8003)]);
        let broken = bcr(0b1111, 0b0001, 0) | (3 << 16);
        let s = summary(&[0x8000, 0, 0, 0, 0, 0x42], &[broken, 0, 0, 0, 0, target]);
        assert!(s.is_empty());
    }

    #[test]
    fn generation_moves_only_when_the_summary_may_change() {
        let empty = Breakpoints {
            bvr: &[],
            bcr: &[],
            bxvr: &[],
        };
        let mut t = BreakpointTable::new(&CFG, &empty, &ON);
        assert_eq!(t.generation(), 0);
        assert!(t.set(0, 0x8000, bcr(0b1111, 0, 0), 0));
        assert_eq!(t.generation(), 1);
        // The same values again, and a gate change that keeps it live.
        assert!(t.set(0, 0x8000, bcr(0b1111, 0, 0), 0));
        t.set_gate(&DebugGate { suiden: true, ..ON });
        assert_eq!(t.generation(), 1);
        t.set_gate(&DebugGate::default());
        assert_eq!(t.generation(), 2);
        assert!(t.summary().is_empty());
        // A reload with the same registers and gate changes nothing more.
        let before = t;
        t.reload(
            &Breakpoints {
                bvr: &[0x8000],
                bcr: &[bcr(0b1111, 0, 0)],
                bxvr: &[],
            },
            &DebugGate::default(),
        );
        assert_eq!(t, before);
    }
}
