//! The watchpoint registers compiled for the data-access hot path.
//!
//! [`watchpoint_matches`](super::watchpoint_matches) reads the raw DBGWVR/
//! DBGWCR pairs on every access and re-derives what each WRP watches. A VMM
//! checking every guest load and store wants that work done once, when the
//! guest programs a WRP, the way a real core latches its comparators: a
//! [`WatchpointTable`] holds, per WRP, the watched bytes as an address
//! compare (`address & keep == base`) plus a byte-lane mask, and, per kind of
//! access (load or store, PL0/PL1/PL2, Secure or not), the set of WRPs whose
//! E, LSC and HMC/SSC/PAC fields let it match. One check is then a table
//! lookup and a few instructions per WRP.
//!
//! The table also holds where the monitor-debug controls ([`DebugGate`]:
//! DBGDSCR.MDBGen and halting, OS Lock, OS Double Lock, SPIDdis/SUIDEN) let
//! events be generated. It holds no breakpoint state: a linked WRP (WT = 1)
//! looks at its linked context BRP on each check.
//!
//! The table is derived by the same rules as the raw matcher (`watched`, the
//! condition table, [`DebugGate::generates`]; one place each) and agrees
//! with it on every input (a property test compares them on arbitrary
//! registers, gates and accesses).
//!
//! Keep it current. After a write to DBGWVRn or DBGWCRn, update that WRP
//! ([`WatchpointTable::set`]); after a change of the gate (a write to
//! DBGDSCR, DBGOSLAR, DBGOSDLR or DBGPRCR), [`WatchpointTable::set_gate`];
//! after a reset or a snapshot restore, rebuild it ([`WatchpointTable::new`],
//! or [`DebugState::watchpoint_table`](crate::state::DebugState::watchpoint_table)).
//! Rebuilding after every completed CP14 write is always correct and costs
//! about 0.1–0.4 µs.

use super::breakpoint::{linked_context_matches, Context};
use super::condition::{state_matches, Condition, Executing, Unit};
use super::event::{watchpoint_event_with, DebugEvent};
use super::watchpoint::{watched, Watched};
use super::{
    AccessKind, Breakpoints, DataAccess, DebugGate, MatchConfig, Mode, Privilege, Watchpoints,
    MAX_UNITS,
};
use crate::registers::Dbgwcr;

/// Number of access classes: LSC kind (1 bit) × privilege (2 bits, PL0..PL2)
/// × Security state (1 bit).
const CLASSES: usize = 16;

/// PL0, PL1, PL2 as 0, 1, 2.
const fn level(privilege: Privilege) -> usize {
    match privilege {
        Privilege::Pl0 => 0,
        Privilege::Pl1 => 1,
        Privilege::Pl2 => 2,
    }
}

/// The class index of an access: bit 0 store (or cache maintenance), bits
/// \[2:1\] the access privilege, bit 3 Secure (effective).
const fn class_of(store: bool, privilege: Privilege, secure: bool) -> usize {
    (store as usize) | (level(privilege) << 1) | ((secure as usize) << 3)
}

/// Bit `2 × level + secure` of a gate mask: events are generated from code
/// at that level in that Security state.
pub(super) const fn gate_bit(privilege: Privilege, secure: bool) -> u8 {
    1 << (2 * level(privilege) + secure as usize)
}

/// Where `gate` lets events be generated on `cfg`, as [`gate_bit`]s: the
/// rule itself is [`DebugGate::generates`], evaluated once per level and
/// Security state.
pub(super) const fn gate_mask(cfg: &MatchConfig, gate: &DebugGate) -> u8 {
    let mut mask = 0;
    let levels = [Privilege::Pl0, Privilege::Pl1, Privilege::Pl2];
    let mut i = 0;
    while i < levels.len() {
        let pl = levels[i];
        if gate.generates(cfg, pl, false) {
            mask |= gate_bit(pl, false);
        }
        if gate.generates(cfg, pl, true) {
            mask |= gate_bit(pl, true);
        }
        i += 1;
    }
    mask
}

/// A vCPU's watchpoints, compiled from its DBGWVR/DBGWCR pairs for one core
/// configuration. `Copy`, no heap, at most 256 bytes; build it when the guest
/// programs a WRP, check every data access against it.
///
/// ```
/// use dbgregs::matching::{
///     AccessKind, Breakpoints, DataAccess, DebugGate, MatchConfig, Mode, WatchpointTable,
///     Watchpoints,
/// };
/// use dbgregs::model::CoreModel;
///
/// let cfg = MatchConfig::from_model(&CoreModel::preset("cortex-a15").unwrap());
/// // WRP 0: E, PAC = PL0 and PL1, LSC = stores, BAS = the word at 0x1000.
/// let wcr = [1 | 0b11 << 1 | 0b10 << 3 | 0x0F << 5];
/// let gate = DebugGate { mdbgen: true, ..DebugGate::default() };
/// let mut table = WatchpointTable::new(&cfg, &Watchpoints { wvr: &[0x1000], wcr: &wcr }, &gate);
///
/// let store = DataAccess {
///     address: 0x1002,
///     size: 2,
///     kind: AccessKind::Store,
///     mode: Mode::User,
///     unprivileged: false,
///     secure: false,
///     contextidr: 0,
///     vmid: 0,
///     instruction_address: 0x8000,
///     thumb: false,
/// };
/// let no_brps = Breakpoints { bvr: &[], bcr: &[], bxvr: &[] };
/// assert_eq!(table.matches(&no_brps, &store), 0b1);
/// let load = DataAccess { kind: AccessKind::Load, ..store };
/// assert_eq!(table.matches(&no_brps, &load), 0);
/// // On a v7.1 core the hit is reported with DFAR = the first watched byte.
/// assert_eq!(table.check(&no_brps, &store).unwrap().dfar, Some(0x1002));
/// // The guest clears DBGDSCR.MDBGen: no more events.
/// table.set_gate(&DebugGate::default());
/// assert_eq!(table.matches(&no_brps, &store), 0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WatchpointTable {
    /// The configuration the table was compiled for.
    cfg: MatchConfig,
    /// Where debug events are generated ([`gate_mask`] of the gate).
    events: u8,
    /// Per WRP: the address bits compared (`!0b111` for BAS lanes, the
    /// MASK'ed range otherwise).
    keep: [u32; MAX_UNITS],
    /// Per WRP: the compared address (the doubleword, or the range base).
    base: [u32; MAX_UNITS],
    /// Per WRP: the watched lanes of each matching doubleword (`0xFF` for a
    /// range; 0 for a WRP that watches nothing or is disabled).
    lanes: [u8; MAX_UNITS],
    /// Per WRP: DBGWCR.LBN (linked WRPs only).
    lbn: [u8; MAX_UNITS],
    /// Per access class ([`class_of`]): the enabled WRPs whose LSC and
    /// HMC/SSC/PAC accept it.
    by_class: [u16; CLASSES],
    /// The WRPs with WT = 1.
    linked: u16,
    /// Groups of four WRPs the address check visits: up to the highest
    /// compiled (enabled, not reserved) WRP.
    groups: u8,
}

impl WatchpointTable {
    /// Compiles the first `min(cfg.wrps, wvr.len(), wcr.len())` WRPs of
    /// `wps` (the same pairs [`watchpoint_matches`](super::watchpoint_matches)
    /// looks at) and the monitor-debug controls `gate`.
    pub fn new(cfg: &MatchConfig, wps: &Watchpoints<'_>, gate: &DebugGate) -> WatchpointTable {
        let mut table = WatchpointTable {
            cfg: *cfg,
            events: gate_mask(cfg, gate),
            keep: [0; MAX_UNITS],
            base: [0; MAX_UNITS],
            lanes: [0; MAX_UNITS],
            lbn: [0; MAX_UNITS],
            by_class: [0; CLASSES],
            linked: 0,
            groups: 0,
        };
        let count = cfg.wrp_count().min(wps.wvr.len()).min(wps.wcr.len());
        for (n, (&wvr, &wcr)) in wps.wvr.iter().zip(wps.wcr).take(count).enumerate() {
            table.compile(n, wvr, wcr);
        }
        table
    }

    /// The configuration the table was compiled for.
    pub const fn config(&self) -> &MatchConfig {
        &self.cfg
    }

    /// Recompiles the monitor-debug controls (after a change of
    /// DBGDSCR.MDBGen or the halting bit, the OS Lock, the OS Double Lock,
    /// or the authentication signals).
    pub fn set_gate(&mut self, gate: &DebugGate) {
        self.events = gate_mask(&self.cfg, gate);
    }

    /// Recompiles WRP `n` from new DBGWVRn and DBGWCRn values (after the
    /// guest wrote either). A WRP the configuration does not implement
    /// (`n ≥ cfg.wrps`, or `n ≥ 16`) stays disabled and `false` is
    /// returned; `true` when WRP `n` exists.
    pub fn set(&mut self, n: usize, wvr: u32, wcr: u32) -> bool {
        if n >= self.cfg.wrp_count() {
            return false;
        }
        self.compile(n, wvr, wcr);
        true
    }

    /// (Re)derives WRP `n < MAX_UNITS` from its registers.
    fn compile(&mut self, n: usize, wvr: u32, wcr: u32) {
        self.derive(n, wvr, wcr);
        let highest = self
            .lanes
            .iter()
            .rposition(|&l| l != 0)
            .map_or(0, |n| n + 1);
        // At most 16 / 4 = 4.
        self.groups = highest.div_ceil(4) as u8;
    }

    /// Derives WRP `n < MAX_UNITS`'s compare, lanes, classes and link.
    fn derive(&mut self, n: usize, wvr: u32, wcr: u32) {
        let bit = 1u16 << n;
        for class in self.by_class.iter_mut() {
            *class &= !bit;
        }
        self.linked &= !bit;
        self.lbn[n] = 0;
        let (keep, base, lanes) = (&mut self.keep[n], &mut self.base[n], &mut self.lanes[n]);
        (*keep, *base, *lanes) = (0, 0, 0);
        let wcr = Dbgwcr::from_bits(wcr);
        if !wcr.e() {
            return;
        }
        // Reserved programming (MASK = 1, 2) is disabled, as in the raw
        // matcher.
        let Some(w) = watched(&self.cfg, wcr, wvr) else {
            return;
        };
        (*keep, *base, *lanes) = match w {
            Watched::Lanes { block, lanes } => (!0b111, block, lanes),
            // `log2` is 3..=31 here (`watched`), so the shift is in range.
            Watched::Range { base, log2 } => (!((1u32 << log2) - 1), base, 0xFF),
        };
        let condition = Condition {
            hmc: wcr.hmc(),
            ssc: wcr.ssc(),
            pxc: wcr.pac(),
        };
        for (class, set) in self.by_class.iter_mut().enumerate() {
            let store = class & 1 != 0;
            let secure = class & 8 != 0;
            let (privilege, mode) = match (class >> 1) & 0b11 {
                0 => (Privilege::Pl0, Mode::User),
                1 => (Privilege::Pl1, Mode::Supervisor),
                2 => (Privilege::Pl2, Mode::Hyp),
                _ => continue,
            };
            // The watchpoint column of the condition table depends on the
            // privilege only, never on the PL1 mode (`condition` tests it),
            // so one representative mode per level is exact.
            let at = Executing {
                privilege,
                mode,
                secure,
            };
            let lsc_ok = wcr.lsc() & if store { 0b10 } else { 0b01 } != 0;
            if lsc_ok && state_matches(&self.cfg, Unit::Watchpoint, condition, at) {
                *set |= bit;
            }
        }
        if wcr.wt() {
            self.linked |= bit;
            self.lbn[n] = wcr.lbn();
        }
    }

    /// Which WRPs among `allowed` the access `[start, start + size)`
    /// touches a watched byte of.
    #[inline(always)]
    fn address_hits(&self, start: u32, size: u32, allowed: u16) -> u16 {
        if size > 8 {
            return self.address_hits_wide(start, size) & allowed;
        }
        // An access of 1..=8 bytes touches the lanes `m` of the doubleword
        // at `b0` and, when it crosses, the lanes `m >> 8` of the next one
        // (byte addresses wrap at 4 GiB, as does `b1`). Every watched set is
        // whole lanes of a doubleword or whole doublewords, so comparing the
        // two doublewords' addresses, then the lanes, is exact.
        let m = ((1u32 << size) - 1) << (start & 0b111);
        let (l0, l1) = (m as u8, (m >> 8) as u8);
        let b0 = start & !0b111;
        let b1 = b0.wrapping_add(8);
        // The address compare first, over a fixed width (one vector compare
        // per four WRPs): cores with up to four WRPs (most) compare four.
        let (mut first, mut second) = if self.groups <= 1 {
            (self.compare::<4>(b0), 0)
        } else {
            (self.compare::<MAX_UNITS>(b0), 0)
        };
        if l1 != 0 {
            second = self.compare::<MAX_UNITS>(b1);
        }
        first &= allowed;
        second &= allowed;
        // Then the lanes, for the few WRPs whose doubleword matched.
        let mut hits = 0u16;
        let mut near = first | second;
        while near != 0 {
            let n = near.trailing_zeros() as usize;
            near &= near - 1;
            let bit = 1u16 << n;
            let lanes = self.lanes[n & (MAX_UNITS - 1)];
            let touched =
                (if first & bit != 0 { l0 } else { 0 }) | (if second & bit != 0 { l1 } else { 0 });
            if lanes & touched != 0 {
                hits |= bit;
            }
        }
        hits
    }

    /// The WRPs among `0..N` (N ≤ 16) whose compared address bits match
    /// the doubleword at `block` (disabled WRPs are excluded later by the
    /// class sets).
    #[inline(always)]
    fn compare<const N: usize>(&self, block: u32) -> u16 {
        let mut found = 0u16;
        for n in 0..N.min(MAX_UNITS) {
            found |= u16::from(block & self.keep[n] == self.base[n]) << n;
        }
        found
    }

    /// [`Self::address_hits`] for accesses of more than 8 bytes (LDM/STM):
    /// the exact overlap rules of the raw matcher.
    #[cold]
    #[inline(never)]
    fn address_hits_wide(&self, start: u32, size: u32) -> u16 {
        let mut hits = 0u16;
        for n in 0..MAX_UNITS {
            if let Some(w) = self.watched_by(n) {
                hits |= u16::from(w.overlaps(start, size)) << n;
            }
        }
        hits
    }

    /// The bytes WRP `n` watches, as the raw matcher describes them; `None`
    /// when it watches nothing.
    fn watched_by(&self, n: usize) -> Option<Watched> {
        let (keep, base, lanes) = (self.keep[n], self.base[n], self.lanes[n]);
        if lanes == 0 {
            None
        } else if keep == !0b111 {
            // BAS lanes, or a MASK = 3 range (the same bytes as all lanes).
            Some(Watched::Lanes { block: base, lanes })
        } else {
            Some(Watched::Range {
                base,
                log2: (!keep).count_ones(),
            })
        }
    }

    /// Which watchpoints match a data access, as a bitmask (bit n = WRP n):
    /// exactly what [`watchpoint_matches`](super::watchpoint_matches)
    /// returns for the registers and gate the table was compiled from.
    /// `bps` supplies the linked context BRPs of WRPs with WT = 1.
    #[inline]
    pub fn matches(&self, bps: &Breakpoints<'_>, access: &DataAccess) -> u16 {
        let secure = self.cfg.security & access.secure;
        if access.size == 0 || self.events & gate_bit(access.mode.privilege(), secure) == 0 {
            return 0;
        }
        let store = !matches!(access.kind, AccessKind::Load);
        let class = class_of(store, access.access_privilege(), secure);
        // `class_of` is below 16 = CLASSES by construction.
        let allowed = self.by_class[class & (CLASSES - 1)];
        if allowed == 0 {
            return 0;
        }
        let hits = self.address_hits(access.address, access.size, allowed);
        if hits & self.linked == 0 {
            hits
        } else {
            self.check_links(bps, access, hits)
        }
    }

    /// Drops the linked WRPs among `hits` whose linked context BRP does not
    /// match.
    #[cold]
    #[inline(never)]
    fn check_links(&self, bps: &Breakpoints<'_>, access: &DataAccess, hits: u16) -> u16 {
        let ctx = Context {
            contextidr: access.contextidr,
            vmid: access.vmid,
            privilege: access.mode.privilege(),
            secure: self.cfg.security && access.secure,
        };
        let mut linked = hits & self.linked;
        let mut out = hits & !self.linked;
        while linked != 0 {
            let n = linked.trailing_zeros() as usize;
            linked &= linked - 1;
            if linked_context_matches(&self.cfg, bps, self.lbn[n], &ctx) {
                out |= 1 << n;
            }
        }
        out
    }

    /// [`Self::matches`] and the event a hit raises: exactly what
    /// [`check_watchpoint`](super::check_watchpoint) returns for the
    /// registers the table was compiled from.
    pub fn check(&self, bps: &Breakpoints<'_>, access: &DataAccess) -> Option<DebugEvent> {
        let units = self.matches(bps, access);
        watchpoint_event_with(&self.cfg, units, access, || {
            (0..MAX_UNITS)
                .filter(|&n| units & (1 << n) != 0)
                .filter_map(|n| self.watched_by(n))
                .filter_map(|w| w.first_hit(access.address, access.size))
                .min()
                .map(|off| access.address.wrapping_add(off))
        })
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
        bp_addr_mask: false,
        wp_addr_mask: true,
        security: true,
        virtualization: true,
        async_watchpoints: false,
    };

    /// E, PAC = 11, LSC = 11 and the given BAS.
    const fn wcr(bas: u32) -> u32 {
        1 | (0b11 << 1) | (0b11 << 3) | (bas << 5)
    }

    #[test]
    fn compiles_lanes_ranges_and_disabled_pairs() {
        let wvr = [0x1004, 0x2345, 0x3000, 0x4000];
        let wcrs = [wcr(0x03), wcr(0xFF) | (12 << 24), wcr(0xFF) | (1 << 24), 0];
        let t = WatchpointTable::new(
            &CFG,
            &Watchpoints {
                wvr: &wvr,
                wcr: &wcrs,
            },
            &DebugGate::default(),
        );
        // Word mode: BAS[3:0] moved to the upper half of the doubleword.
        assert_eq!((t.keep[0], t.base[0], t.lanes[0]), (!7, 0x1000, 0x30));
        assert_eq!((t.keep[1], t.base[1], t.lanes[1]), (!0xFFF, 0x2000, 0xFF));
        // MASK = 1 is reserved: disabled; WRP 3 is not enabled.
        assert_eq!(t.lanes[2], 0);
        assert_eq!(t.lanes[3], 0);
        assert_eq!(t.by_class.iter().fold(0, |a, &c| a | c), 0b11);
        assert_eq!(
            t.watched_by(1),
            Some(Watched::Range {
                base: 0x2000,
                log2: 12
            })
        );
    }

    #[test]
    fn set_updates_one_pair_and_refuses_unimplemented_ones() {
        let mut t = WatchpointTable::new(
            &CFG,
            &Watchpoints { wvr: &[], wcr: &[] },
            &DebugGate::default(),
        );
        assert!(t.set(3, 0x8000, wcr(0x0F)));
        assert_eq!((t.base[3], t.lanes[3]), (0x8000, 0x0F));
        assert!(!t.set(4, 0x8000, wcr(0x0F)));
        assert_eq!(t.lanes[4], 0);
        assert!(t.set(3, 0x8000, 0));
        assert_eq!(t.by_class, [0; CLASSES]);
    }

    #[test]
    fn a_rewritten_pair_leaves_nothing_of_its_old_value() {
        let empty = Watchpoints { wvr: &[], wcr: &[] };
        let fresh = WatchpointTable::new(&CFG, &empty, &DebugGate::default());
        let mut t = fresh;
        // WT = 1, LBN = 5, then disabled again.
        assert!(t.set(2, 0x8000, wcr(0x0F) | (1 << 20) | (5 << 16)));
        assert!(t.set(2, 0, 0));
        assert_eq!(t, fresh);
    }

    #[test]
    fn table_is_small() {
        assert!(core::mem::size_of::<WatchpointTable>() <= 256);
    }

    #[test]
    fn class_index_separates_kind_privilege_and_security() {
        let mut seen = [false; CLASSES];
        for store in [false, true] {
            for pl in [Privilege::Pl0, Privilege::Pl1, Privilege::Pl2] {
                for secure in [false, true] {
                    let c = class_of(store, pl, secure);
                    assert!(!seen[c]);
                    seen[c] = true;
                }
            }
        }
    }
}
