//! The breakpoint registers compiled for the instruction-fetch hot path.
//!
//! [`breakpoint_matches`](super::breakpoint_matches) reads the raw DBGBVR/
//! DBGBCR/DBGBXVR values on every instruction and re-derives what each BRP
//! compares (DDI 0406C.d C3.3 "Breakpoint debug events", C11.11.2
//! "DBGBCR, Breakpoint Control Registers"; DDI 0487 G2.8 "Breakpoint
//! exceptions" for v8 AArch32). An emulator asks once per guest
//! instruction, so a [`BreakpointTable`] does that work once, when the
//! guest programs a BRP or changes the monitor-debug controls, the way a
//! core latches its comparators:
//!
//! * per processor mode and Security state, the set of BRPs whose E, BT
//!   and HMC/SSC/PMC fields let them fire there, with the gate
//!   ([`DebugGate::generates`]) folded in — when monitor debug is off, the
//!   OS Lock gates events or no BRP is enabled, every set is empty and one
//!   check is a load and a branch;
//! * per address BRP, the compare `pc & keep == base` (BAS halfwords of
//!   the word, or the MASK'ed range), and which of them are *match* and
//!   which *mismatch* BRPs (a mismatch BRP fires where its compare fails);
//! * per context BRP, the CONTEXTIDR and VMID compares against the values
//!   the guest programmed; the current CONTEXTIDR and VMID come with each
//!   fetch, as for the raw matcher, and are looked at only when a linked
//!   address BRP's address compare hit or an unlinked context BRP may fire.
//!
//! The rules are the raw matcher's (`decode_bt`, the address and context
//! compares, the condition table, [`DebugGate::generates`]; one place
//! each) and the table agrees with it on every input: a property test and
//! the `breakpoint_table` fuzz target compare them. For translators,
//! [`BreakpointTable::summary`] describes the addresses that may hit
//! (`breakpoint_summary`).
//!
//! Keep it current. After a write to DBGBVRn, DBGBCRn or DBGBXVRn, update
//! that BRP ([`BreakpointTable::set`]); after a change of the gate (a write
//! to DBGDSCR, DBGOSLAR, DBGOSDLR or DBGPRCR), [`BreakpointTable::set_gate`];
//! after a reset or a snapshot restore, [`BreakpointTable::reload`] (or a
//! new table, [`DebugState::breakpoint_table`](crate::state::DebugState::breakpoint_table)).
//! Reloading after every completed CP14 write is always correct.

use super::breakpoint::{
    address_compare, context_compare, decode_bt, AddressCompare, BreakpointType, Compare,
    ContextCompare,
};
use super::condition::{state_matches, Condition, Executing, Unit};
use super::event::{breakpoint_event, DebugEvent};
use super::table::{gate_bit, gate_mask};
use super::{Breakpoints, DebugGate, InstructionFetch, MatchConfig, Mode, Privilege, MAX_UNITS};
use crate::registers::Dbgbcr;

/// Number of processor modes ([`mode_index`], [`Mode::ALL`] order).
const MODES: usize = Mode::ALL.len();

/// A dense index of each mode, for the per-mode candidate sets.
#[inline(always)]
const fn mode_index(mode: Mode) -> usize {
    match mode {
        Mode::User => 0,
        Mode::Fiq => 1,
        Mode::Irq => 2,
        Mode::Supervisor => 3,
        Mode::Monitor => 4,
        Mode::Abort => 5,
        Mode::Hyp => 6,
        Mode::Undefined => 7,
        Mode::System => 8,
    }
}

/// The execution classes a breakpoint's HMC/SSC/PMC tell apart where
/// events can be generated (never at PL2): PL0, PL1 in Supervisor or System
/// mode (the PMC = 0b00 `ssu_match` modes), PL1 in the other modes. Each
/// with a representative mode.
const CLASSES: [(Privilege, Mode); 3] = [
    (Privilege::Pl0, Mode::User),
    (Privilege::Pl1, Mode::Supervisor),
    (Privilege::Pl1, Mode::Irq),
];

/// The class of `mode` in [`CLASSES`]; `None` for Hyp mode (PL2), where
/// no breakpoint debug event is generated.
const fn class_of(mode: Mode) -> Option<usize> {
    match mode {
        Mode::User => Some(0),
        Mode::Supervisor | Mode::System => Some(1),
        Mode::Hyp => None,
        _ => Some(2),
    }
}

/// log2 of the page size of [`BreakpointTable::pages`].
const PAGE_SHIFT: u32 = 12;

/// The [`BreakpointTable::pages`] bits of the pages `compare` may be equal
/// in: `page % 64` for each, all 64 when it spans 64 pages or more, none
/// for a compare equal nowhere.
const fn page_bits(compare: AddressCompare) -> u64 {
    if compare.base & !compare.keep != 0 {
        return 0;
    }
    let first = compare.base >> PAGE_SHIFT;
    let last = (compare.base | !compare.keep) >> PAGE_SHIFT;
    if last - first >= 63 {
        return !0;
    }
    let mut bits = 0u64;
    let mut page = first;
    while page <= last {
        bits |= 1 << (page & 63);
        page += 1;
    }
    bits
}

/// A vCPU's breakpoints, compiled from its DBGBVR/DBGBCR/DBGBXVR values and
/// monitor-debug controls for one core configuration. `Copy`, no heap;
/// build it when the guest programs a BRP, check every instruction
/// against it.
///
/// ```
/// use dbgregs::matching::{
///     breakpoint_matches, BreakpointTable, Breakpoints, DebugGate, InstructionFetch,
///     MatchConfig, Mode,
/// };
/// use dbgregs::model::CoreModel;
///
/// let cfg = MatchConfig::from_model(&CoreModel::preset("cortex-a15").unwrap());
/// // BRP 0: E, PMC = PL0 and PL1, BAS = 0b0011 (the A32 instruction or the
/// // T32 halfword at 0x8000), BT = 0000 (unlinked address match).
/// let bcr = [1 | 0b11 << 1 | 0b0011 << 5];
/// let bps = Breakpoints { bvr: &[0x8000], bcr: &bcr, bxvr: &[] };
/// let gate = DebugGate { mdbgen: true, ..DebugGate::default() };
/// let mut table = BreakpointTable::new(&cfg, &bps, &gate);
///
/// let fetch = InstructionFetch {
///     address: 0x8000,
///     thumb: false,
///     mode: Mode::User,
///     secure: false,
///     contextidr: 0,
///     vmid: 0,
/// };
/// assert_eq!(table.matches(&fetch), 0b1);
/// assert_eq!(table.matches(&fetch), breakpoint_matches(&cfg, &bps, &gate, &fetch));
/// let next = InstructionFetch { address: 0x8002, thumb: true, ..fetch };
/// assert_eq!(table.matches(&next), 0);
/// // The hit is a Prefetch Abort with DBGDSCR.MOE = 0b0001.
/// assert_eq!(table.check(&fetch).map(|e| e.moe), Some(0b0001));
///
/// // A translator asks which code may hit: only the word at 0x8000.
/// let summary = table.summary();
/// assert!(summary.may_hit(0x8000) && !summary.may_hit(0x8004));
///
/// // The guest clears DBGDSCR.MDBGen: nothing can hit any more, and the
/// // summary's generation tells the translator to drop the instrumentation.
/// table.set_gate(&DebugGate::default());
/// assert_eq!(table.matches(&fetch), 0);
/// assert!(table.summary().is_empty());
/// assert_ne!(table.generation(), summary.generation());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BreakpointTable {
    /// The union of `candidates`: 0 when nothing can hit.
    pub(super) live: u16,
    /// Per mode ([`mode_index`]) and Security state (as the fetch gives
    /// it; without the Security Extensions both columns are the same): the
    /// BRPs that may fire there, gate included.
    candidates: [[u16; 2]; MODES],
    /// Address-match BRPs (BT = 000x).
    pub(super) matching: u16,
    /// Address-mismatch BRPs (BT = 010x).
    pub(super) mismatch: u16,
    /// Unlinked context BRPs (BT = 0010, 1000, 1010): fire on every
    /// instruction in the matching context.
    pub(super) unlinked_context: u16,
    /// Linked address BRPs (BT = 0001, 0101): fire only with their LBN's
    /// context.
    pub(super) linked: u16,
    /// Linked context BRPs (BT = 0011, 1001, 1011): what a linked address
    /// BRP may name.
    pub(super) link_targets: u16,
    /// Address BRPs the compare visits, in groups of four: up to the
    /// highest match or mismatch BRP.
    groups: u8,
    /// The pages (4 KiB, hashed to bit `page % 64`) an address-match BRP
    /// may compare equal in; every bit when a mismatch BRP is programmed
    /// (it needs the compare everywhere). A fetch in a page whose bit is
    /// clear skips the compare.
    pages: u64,
    /// Per BRP: the PC bits compared ([`AddressCompare::keep`]).
    keep: [u32; MAX_UNITS],
    /// Per BRP: their value ([`AddressCompare::base`]; 1 with `keep` 0 for
    /// a BRP that compares no address).
    base: [u32; MAX_UNITS],
    /// Per BRP: the context compare (context types only, else never).
    pub(super) context: [ContextCompare; MAX_UNITS],
    /// Per BRP: DBGBCR.LBN (linked address BRPs only, else 0).
    pub(super) lbn: [u8; MAX_UNITS],
    /// Per execution class ([`CLASSES`]) and effective Security state: the
    /// BRPs whose E, BT and HMC/SSC/PMC let them fire there, gate not
    /// included.
    conditions: [[u16; 2]; CLASSES.len()],
    /// Where the gate lets events be generated ([`gate_mask`]).
    events: u8,
    /// Bumped whenever [`Self::summary`] may have changed.
    generation: u32,
    /// The configuration the table was compiled for.
    cfg: MatchConfig,
}

impl BreakpointTable {
    /// Compiles the first `min(cfg.brps, bvr.len(), bcr.len())` BRPs of
    /// `bps` (the same pairs [`breakpoint_matches`](super::breakpoint_matches)
    /// looks at; a BRP without a `bxvr` entry never matches a VMID) and
    /// the monitor-debug controls `gate`. The generation starts at 0.
    pub fn new(cfg: &MatchConfig, bps: &Breakpoints<'_>, gate: &DebugGate) -> BreakpointTable {
        let mut table = BreakpointTable {
            live: 0,
            candidates: [[0; 2]; MODES],
            matching: 0,
            mismatch: 0,
            unlinked_context: 0,
            linked: 0,
            link_targets: 0,
            groups: 0,
            pages: 0,
            keep: [AddressCompare::NEVER.keep; MAX_UNITS],
            base: [AddressCompare::NEVER.base; MAX_UNITS],
            context: [ContextCompare::NEVER; MAX_UNITS],
            lbn: [0; MAX_UNITS],
            conditions: [[0; 2]; CLASSES.len()],
            events: gate_mask(cfg, gate),
            generation: 0,
            cfg: *cfg,
        };
        table.compile_all(bps);
        table
    }

    /// The configuration the table was compiled for.
    pub const fn config(&self) -> &MatchConfig {
        &self.cfg
    }

    /// The change count of [`Self::summary`]: [`Self::set`],
    /// [`Self::set_gate`] and [`Self::reload`] bump it (wrapping) whenever
    /// the summary may have changed, and leave it alone when it cannot
    /// have (a BRP rewritten with the same values, a gate change that
    /// enables nothing new).
    pub const fn generation(&self) -> u32 {
        self.generation
    }

    /// Recompiles every BRP and the gate (after a reset, a snapshot
    /// restore, or simply after every completed CP14 write), keeping the
    /// generation count going.
    pub fn reload(&mut self, bps: &Breakpoints<'_>, gate: &DebugGate) {
        let before = self.regions();
        *self = BreakpointTable {
            generation: self.generation,
            ..BreakpointTable::new(&self.cfg, bps, gate)
        };
        self.bump_if_changed(&before);
    }

    /// Recompiles the monitor-debug controls (after a change of
    /// DBGDSCR.MDBGen or the halting bit, the OS Lock, the OS Double Lock,
    /// or the authentication signals).
    pub fn set_gate(&mut self, gate: &DebugGate) {
        let before = self.regions();
        self.events = gate_mask(&self.cfg, gate);
        self.gate_candidates();
        self.bump_if_changed(&before);
    }

    /// Recompiles BRP `n` from new DBGBVRn, DBGBCRn and DBGBXVRn.VMID
    /// values (after the guest wrote any of them). A BRP the configuration
    /// does not implement (`n ≥ cfg.brps`, or `n ≥ 16`) stays disabled
    /// and `false` is returned; `true` when BRP `n` exists.
    pub fn set(&mut self, n: usize, bvr: u32, bcr: u32, bxvr: u8) -> bool {
        if n >= self.cfg.brp_count() {
            return false;
        }
        let before = self.regions();
        self.derive(n, bvr, bcr, Some(bxvr));
        self.finish();
        self.bump_if_changed(&before);
        true
    }

    /// Compiles every BRP the raw matcher looks at, then the derived sets.
    fn compile_all(&mut self, bps: &Breakpoints<'_>) {
        let count = self.cfg.brp_count().min(bps.bvr.len()).min(bps.bcr.len());
        for (n, (&bvr, &bcr)) in bps.bvr.iter().zip(bps.bcr).take(count).enumerate() {
            self.derive(n, bvr, bcr, bps.bxvr.get(n).copied());
        }
        self.finish();
    }

    /// Bumps the generation if a BRP's may-hit region changed.
    fn bump_if_changed(&mut self, before: &[super::breakpoint_summary::Region; MAX_UNITS]) {
        if self.regions() != *before {
            self.generation = self.generation.wrapping_add(1);
        }
    }

    /// Derives BRP `n < MAX_UNITS`'s compares, type sets and conditions
    /// (without the per-mode candidates: [`Self::finish`]).
    fn derive(&mut self, n: usize, bvr: u32, bcr: u32, bxvr: Option<u8>) {
        let bit = 1u16 << n;
        for row in self.conditions.iter_mut() {
            for set in row.iter_mut() {
                *set &= !bit;
            }
        }
        for set in [
            &mut self.matching,
            &mut self.mismatch,
            &mut self.unlinked_context,
            &mut self.linked,
            &mut self.link_targets,
        ] {
            *set &= !bit;
        }
        (self.keep[n], self.base[n]) = (AddressCompare::NEVER.keep, AddressCompare::NEVER.base);
        self.context[n] = ContextCompare::NEVER;
        self.lbn[n] = 0;

        let bcr = Dbgbcr::from_bits(bcr);
        if !bcr.e() {
            return;
        }
        // Reserved types behave as disabled, as in the raw matcher.
        let Some(BreakpointType { compare, linked }) = decode_bt(&self.cfg, n, bcr.bt()) else {
            return;
        };
        match compare {
            Compare::Address { mismatch } => {
                // Reserved MASK/BAS programming: disabled, match and
                // mismatch alike.
                let Some(c) = address_compare(&self.cfg, bcr, bvr) else {
                    return;
                };
                (self.keep[n], self.base[n]) = (c.keep, c.base);
                if mismatch {
                    self.mismatch |= bit;
                } else {
                    self.matching |= bit;
                }
                if linked {
                    self.linked |= bit;
                    self.lbn[n] = bcr.lbn();
                }
            }
            Compare::Context { cid, vmid } => {
                self.context[n] = context_compare(&self.cfg, bcr, cid, vmid, bvr, bxvr);
                if linked {
                    // Only ever qualifies a linking BRP; its own HMC/SSC/PMC
                    // are not evaluated.
                    self.link_targets |= bit;
                    return;
                }
                self.unlinked_context |= bit;
            }
        }
        let condition = Condition {
            hmc: bcr.hmc(),
            ssc: bcr.ssc(),
            pxc: bcr.pmc(),
        };
        for (row, &(privilege, mode)) in self.conditions.iter_mut().zip(&CLASSES) {
            for (secure, set) in row.iter_mut().enumerate() {
                let at = Executing {
                    privilege,
                    mode,
                    secure: secure != 0,
                };
                if state_matches(&self.cfg, Unit::Breakpoint, condition, at) {
                    *set |= bit;
                }
            }
        }
    }

    /// Derives the compare width and the per-mode candidates after BRPs
    /// changed.
    fn finish(&mut self) {
        let address = self.matching | self.mismatch;
        let highest = (u16::BITS - address.leading_zeros()) as usize;
        // At most 16 / 4 = 4.
        self.groups = highest.div_ceil(4) as u8;
        self.pages = if self.mismatch != 0 {
            !0
        } else {
            let mut pages = 0u64;
            let mut matching = self.matching;
            while matching != 0 {
                let n = matching.trailing_zeros() as usize & (MAX_UNITS - 1);
                matching &= matching - 1;
                pages |= page_bits(self.address(n));
            }
            pages
        };
        self.gate_candidates();
    }

    /// The per-mode candidates: the class conditions where the gate lets
    /// events be generated.
    fn gate_candidates(&mut self) {
        let mut live = 0;
        for (row, mode) in self.candidates.iter_mut().zip(Mode::ALL) {
            let privilege = mode.privilege();
            for (secure, set) in row.iter_mut().enumerate() {
                // Without the Security Extensions a Secure fetch is
                // Non-secure.
                let secure = secure != 0 && self.cfg.security;
                *set = match class_of(mode) {
                    Some(class) if self.events & gate_bit(privilege, secure) != 0 => {
                        self.conditions[class][usize::from(secure)]
                    }
                    _ => 0,
                };
                live |= *set;
            }
        }
        self.live = live;
    }

    /// The BRPs whose address compare is equal for the aligned `pc`
    /// (BRPs that compare no address never are), over the groups of four
    /// up to the highest address BRP.
    #[inline(always)]
    fn compare(&self, pc: u32) -> u16 {
        let mut equal = self.compare_group(0, pc);
        for g in 1..usize::from(self.groups) {
            equal |= self.compare_group(g, pc);
        }
        equal
    }

    /// [`Self::compare`] for BRPs `4g..4g + 4` (g < 4): four lanes the
    /// compiler turns into one vector compare and a mask extraction.
    #[inline(always)]
    fn compare_group(&self, g: usize, pc: u32) -> u16 {
        let first = (g & 3) * 4;
        let mut equal = 0u16;
        for lane in 0..4 {
            let n = first + lane;
            equal |= u16::from(pc & self.keep[n] == self.base[n]) << lane;
        }
        equal << first
    }

    /// Which breakpoints match the instruction `fetch`, as a bitmask (bit
    /// n = BRP n): exactly what [`breakpoint_matches`](super::breakpoint_matches)
    /// returns for the registers and gate the table was compiled from.
    #[inline]
    pub fn matches(&self, fetch: &InstructionFetch) -> u16 {
        // Monitor debug off, the OS Lock gating events, nothing enabled.
        if self.live == 0 {
            return 0;
        }
        let candidates = self.candidates[mode_index(fetch.mode)][usize::from(fetch.secure)];
        // A PC alignment fault has priority over breakpoints.
        let misaligned = if fetch.thumb { 0b01 } else { 0b11 };
        if candidates == 0 || fetch.address & misaligned != 0 {
            return 0;
        }
        let page = (fetch.address >> PAGE_SHIFT) & 63;
        let equal = if self.pages & (1 << page) != 0 {
            self.compare(fetch.address)
        } else {
            // No address-match BRP compares equal in this page, and no
            // mismatch BRP is programmed.
            0
        };
        let hits = candidates & ((equal & self.matching) | (!equal & self.mismatch));
        if hits & self.linked == 0 && candidates & self.unlinked_context == 0 {
            hits
        } else {
            self.with_context(fetch, candidates, hits)
        }
    }

    /// Drops the linked BRPs among `hits` whose linked context BRP does not
    /// match the fetch's context, and adds the unlinked context BRPs among
    /// `candidates` that match it.
    #[inline]
    fn with_context(&self, fetch: &InstructionFetch, candidates: u16, hits: u16) -> u16 {
        let secure = self.cfg.security & fetch.secure;
        let matches =
            |m: usize| self.context[m & (MAX_UNITS - 1)].hits(fetch.contextidr, fetch.vmid, secure);
        let mut out = hits & !self.linked;
        let mut linked = hits & self.linked;
        while linked != 0 {
            let n = linked.trailing_zeros() as usize;
            linked &= linked - 1;
            // LBN is 4 bits, so `m` < 16.
            let m = usize::from(self.lbn[n & (MAX_UNITS - 1)]);
            if self.link_targets & (1 << m) != 0 && matches(m) {
                out |= 1 << n;
            }
        }
        let mut context = candidates & self.unlinked_context;
        while context != 0 {
            let n = context.trailing_zeros() as usize;
            context &= context - 1;
            if matches(n) {
                out |= 1 << n;
            }
        }
        out
    }

    /// [`Self::matches`] and the event a hit raises: exactly what
    /// [`check_breakpoint`](super::check_breakpoint) returns for the
    /// registers the table was compiled from.
    #[inline]
    pub fn check(&self, fetch: &InstructionFetch) -> Option<DebugEvent> {
        breakpoint_event(self.matches(fetch))
    }

    /// The address compare of BRP `n < MAX_UNITS`.
    pub(super) const fn address(&self, n: usize) -> AddressCompare {
        AddressCompare {
            keep: self.keep[n],
            base: self.base[n],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::DebugVersion;

    const CFG: MatchConfig = MatchConfig {
        version: DebugVersion::V7_1,
        brps: 6,
        wrps: 4,
        ctx_cmps: 2,
        wp_bas_bytes: 8,
        bp_addr_mask: true,
        wp_addr_mask: true,
        security: true,
        virtualization: true,
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

    #[test]
    fn mode_index_follows_all_modes() {
        for (i, mode) in Mode::ALL.into_iter().enumerate() {
            assert_eq!(mode_index(mode), i);
        }
        for (class, &(privilege, mode)) in CLASSES.iter().enumerate() {
            assert_eq!(class_of(mode), Some(class));
            assert_eq!(mode.privilege(), privilege);
        }
    }

    #[test]
    fn gate_and_nothing_enabled_leave_nothing_live() {
        // E, PMC = 11, BAS = 1111, address match.
        let bcr = [1 | (0b11 << 1) | (0b1111 << 5)];
        let bps = Breakpoints {
            bvr: &[0x8000],
            bcr: &bcr,
            bxvr: &[],
        };
        assert_ne!(BreakpointTable::new(&CFG, &bps, &ON).live, 0);
        assert_eq!(
            BreakpointTable::new(&CFG, &bps, &DebugGate::default()).live,
            0
        );
        let locked = DebugGate {
            os_lock: true,
            ..ON
        };
        assert_eq!(BreakpointTable::new(&CFG, &bps, &locked).live, 0);
        let none = Breakpoints {
            bvr: &[0x8000],
            bcr: &[0],
            bxvr: &[],
        };
        assert_eq!(BreakpointTable::new(&CFG, &none, &ON).live, 0);
    }

    #[test]
    fn page_bits_cover_every_page_a_compare_reaches() {
        let word = AddressCompare {
            keep: !0b11,
            base: 0x0004_1ffc,
        };
        assert_eq!(page_bits(word), 1 << 1);
        // 16 KiB from 0x3F_C000: pages 0x3FC..=0x3FF, bits 60..=63.
        let range = AddressCompare {
            keep: !0x3FFF,
            base: 0x003F_C000,
        };
        assert_eq!(page_bits(range), 0xF << 60);
        let huge = AddressCompare {
            keep: !0x3F_FFFF,
            base: 0,
        };
        assert_eq!(page_bits(huge), !0);
        assert_eq!(page_bits(AddressCompare::NEVER), 0);
    }

    #[test]
    fn compare_width_follows_the_highest_address_brp() {
        let mut t = BreakpointTable::new(
            &MatchConfig { brps: 16, ..CFG },
            &Breakpoints {
                bvr: &[],
                bcr: &[],
                bxvr: &[],
            },
            &ON,
        );
        assert_eq!(t.groups, 0);
        let bcr = 1 | (0b11 << 1) | (0b1111 << 5);
        assert!(t.set(5, 0x1000, bcr, 0));
        assert_eq!(t.groups, 2);
        assert!(t.set(12, 0x1000, bcr | (0b0100 << 20), 0));
        assert_eq!(t.groups, 4);
        assert!(t.set(12, 0, 0, 0));
        assert_eq!(t.groups, 2);
    }

    #[test]
    fn a_rewritten_brp_leaves_nothing_of_its_old_value() {
        let empty = Breakpoints {
            bvr: &[],
            bcr: &[],
            bxvr: &[],
        };
        let fresh = BreakpointTable::new(&CFG, &empty, &ON);
        let mut t = fresh;
        // Linked VMID + CONTEXTIDR on context BRP 5, then disabled again.
        assert!(t.set(5, 0x42, 1 | (0b11 << 1) | (0b1011 << 20), 7));
        assert_ne!(t.link_targets, 0);
        assert!(t.set(5, 0, 0, 0));
        assert_eq!(BreakpointTable { generation: 0, ..t }, fresh);
        assert!(!t.set(6, 0x42, 1, 0));
    }
}
