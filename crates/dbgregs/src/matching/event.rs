//! The debug event a hit produces (DDI 0406C.d C4 "Debug Exceptions"): DBGDSCR.MOE, the fault
//! address registers and whether the exception is synchronous.

use super::watchpoint::first_watched_address;
use super::{
    breakpoint_matches, watchpoint_matches, AccessKind, Breakpoints, DataAccess, DebugGate,
    InstructionFetch, MatchConfig, Watchpoints,
};
use crate::registers::Dbgdscr;

/// DBGDSCR.MOE (method of entry, bits \[5:2\]) codes a monitor debug
/// exception reports (DDI 0406C.d C11, DBGDSCR; DDI 0487 G8.3, DBGDSCRext).
pub mod moe {
    /// Breakpoint (every version).
    pub const BREAKPOINT: u8 = 0b0001;
    /// v6/v6.1: watchpoint; v7.0: asynchronous watchpoint.
    pub const ASYNC_WATCHPOINT: u8 = 0b0010;
    /// BKPT instruction.
    pub const BKPT: u8 = 0b0011;
    /// Vector catch.
    pub const VECTOR_CATCH: u8 = 0b0101;
    /// Synchronous watchpoint (v7 and later).
    pub const SYNC_WATCHPOINT: u8 = 0b1010;
}

/// IFSR/DFSR fault status of a debug event, short-descriptor format
/// (`FS[4:0]` = 0b00010, stored as bits \[10\] and \[3:0\]).
pub const FS_DEBUG_SHORT: u32 = 0b00010;
/// IFSR/DFSR fault status of a debug event, long-descriptor format
/// (`STATUS[5:0]` = 0b100010).
pub const FS_DEBUG_LONG: u32 = 0b10_0010;

/// Which kind of unit fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// A breakpoint: Prefetch Abort, IFSR debug status, IFAR UNKNOWN.
    Breakpoint,
    /// A watchpoint: Data Abort, DFSR debug status (with WnR and CM).
    Watchpoint,
}

/// A Breakpoint or Watchpoint debug event, for the caller to apply to the
/// vCPU: DBGDSCR.MOE ([`apply_event_to_dscr`]), DBGWFAR or DFAR, and the
/// abort with fault status [`FS_DEBUG_SHORT`]/[`FS_DEBUG_LONG`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DebugEvent {
    /// Breakpoint or watchpoint.
    pub kind: EventKind,
    /// The units that matched (bit n = BRP/WRP n), never 0.
    pub units: u16,
    /// DBGDSCR.MOE value (one of [`moe`]).
    pub moe: u8,
    /// The exception is taken before the instruction completes, with the
    /// return address of the instruction itself. False for v6 watchpoints
    /// (ARM1136 TRM: "Watchpoints are not taken precisely") and v7.0
    /// asynchronous watchpoints, taken after the access.
    pub synchronous: bool,
    /// New DBGWFAR (v6: the ARM1136 keeps it in CP15 c6,c0,1): the address
    /// of the watchpointed instruction + 8 (A32) or + 4 (T32). Only for
    /// watchpoints on v6, v6.1 and v7.0.
    pub wfar: Option<u32>,
    /// New DFAR: for watchpoints on v7.1 and v8, an address between the
    /// lowest address accessed and the highest watched address accessed —
    /// **decision**: the first byte of the access that a matching WRP
    /// watches (so it lies in the WRP's own doubleword, which Linux relies
    /// on to attribute the hit). `None` where DFAR is UNKNOWN (left
    /// unchanged).
    pub dfar: Option<u32>,
    /// DFSR.WnR: the access was a store (or cache maintenance). v8 Linux
    /// trusts it; on v7.1 it is architecturally UNKNOWN.
    pub wnr: bool,
    /// DFSR.CM: the access was cache maintenance.
    pub cm: bool,
}

/// The event for breakpoint hits `units` (`None` if no unit matched):
/// MOE = 0b0001 on every version, synchronous, no fault address (IFAR is
/// UNKNOWN).
pub const fn breakpoint_event(units: u16) -> Option<DebugEvent> {
    if units == 0 {
        return None;
    }
    Some(DebugEvent {
        kind: EventKind::Breakpoint,
        units,
        moe: moe::BREAKPOINT,
        synchronous: true,
        wfar: None,
        dfar: None,
        wnr: false,
        cm: false,
    })
}

/// The event for watchpoint hits `units` on `access` (`None` if no unit
/// matched). Per version:
///
/// | version | MOE | synchronous | fault address |
/// |---|---|---|---|
/// | v6, v6.1 | 0b0010 | no | DBGWFAR |
/// | v7.0 | 0b1010, or 0b0010 with [`MatchConfig::async_watchpoints`] | yes / no | DBGWFAR |
/// | v7.1, v8 | 0b1010 | yes | DFAR |
pub fn watchpoint_event(
    cfg: &MatchConfig,
    wps: &Watchpoints<'_>,
    units: u16,
    access: &DataAccess,
) -> Option<DebugEvent> {
    watchpoint_event_with(cfg, units, access, || {
        first_watched_address(cfg, wps, units, access)
    })
}

/// [`watchpoint_event`] with the DFAR rule supplied by the caller:
/// `first_watched` returns the first byte of the access that one of `units`
/// watches, and is called only where the version reports DFAR.
pub(crate) fn watchpoint_event_with(
    cfg: &MatchConfig,
    units: u16,
    access: &DataAccess,
    first_watched: impl FnOnce() -> Option<u32>,
) -> Option<DebugEvent> {
    if units == 0 {
        return None;
    }
    let version = cfg.version;
    let synchronous = if version.is_v6() {
        false
    } else if version.is_v7_0() {
        !cfg.async_watchpoints
    } else {
        true
    };
    let moe = if synchronous {
        moe::SYNC_WATCHPOINT
    } else {
        moe::ASYNC_WATCHPOINT
    };
    let (wfar, dfar) = if version.at_least_v7_1() {
        (None, first_watched())
    } else {
        let offset = if access.thumb { 4 } else { 8 };
        (Some(access.instruction_address.wrapping_add(offset)), None)
    };
    Some(DebugEvent {
        kind: EventKind::Watchpoint,
        units,
        moe,
        synchronous,
        wfar,
        dfar,
        wnr: !matches!(access.kind, AccessKind::Load),
        cm: matches!(access.kind, AccessKind::CacheMaintenance),
    })
}

/// [`breakpoint_matches`] and [`breakpoint_event`] in one call: the debug
/// event the instruction raises, if any.
pub fn check_breakpoint(
    cfg: &MatchConfig,
    bps: &Breakpoints<'_>,
    gate: &DebugGate,
    fetch: &InstructionFetch,
) -> Option<DebugEvent> {
    breakpoint_event(breakpoint_matches(cfg, bps, gate, fetch))
}

/// [`watchpoint_matches`] and [`watchpoint_event`] in one call: the debug
/// event the access raises, if any.
pub fn check_watchpoint(
    cfg: &MatchConfig,
    wps: &Watchpoints<'_>,
    bps: &Breakpoints<'_>,
    gate: &DebugGate,
    access: &DataAccess,
) -> Option<DebugEvent> {
    watchpoint_event(
        cfg,
        wps,
        watchpoint_matches(cfg, wps, bps, gate, access),
        access,
    )
}

/// DBGDSCR with MOE (bits \[5:2\]) set to the event's method of entry; every
/// other bit is kept. Works for the v6/v7 and v8 layouts alike.
pub const fn apply_event_to_dscr(dscr: u32, event: &DebugEvent) -> u32 {
    Dbgdscr::from_bits(dscr)
        .with_moe(event.moe & 0xF)
        .into_bits()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::Mode;
    use crate::version::DebugVersion;

    fn cfg(version: DebugVersion, async_watchpoints: bool) -> MatchConfig {
        MatchConfig {
            version,
            brps: 6,
            wrps: 4,
            ctx_cmps: 2,
            wp_bas_bytes: 8,
            bp_addr_mask: false,
            wp_addr_mask: true,
            security: false,
            virtualization: false,
            async_watchpoints,
        }
    }

    const ACCESS: DataAccess = DataAccess {
        address: 0x1003,
        size: 8,
        kind: AccessKind::Store,
        mode: Mode::User,
        unprivileged: false,
        secure: false,
        contextidr: 0,
        vmid: 0,
        instruction_address: 0x8000,
        thumb: false,
    };

    #[test]
    fn watchpoint_event_per_version() {
        // WRP 1 watches 0x1009..=0x100A.
        let wps = Watchpoints {
            wvr: &[0, 0x1008],
            wcr: &[0, (0b0110 << 5) | 0b10111],
        };
        let units = 0b10;
        let v6 = watchpoint_event(&cfg(DebugVersion::V6_1, false), &wps, units, &ACCESS);
        let v7 = watchpoint_event(&cfg(DebugVersion::V7Full, false), &wps, units, &ACCESS);
        let v7a = watchpoint_event(&cfg(DebugVersion::V7Full, true), &wps, units, &ACCESS);
        let v71 = watchpoint_event(&cfg(DebugVersion::V7_1, false), &wps, units, &ACCESS);
        let v8t = watchpoint_event(
            &cfg(DebugVersion::V8, true),
            &wps,
            units,
            &DataAccess {
                thumb: true,
                kind: AccessKind::Load,
                ..ACCESS
            },
        );
        let pick = |e: Option<DebugEvent>| e.map(|e| (e.moe, e.synchronous, e.wfar, e.dfar, e.wnr));
        assert_eq!(pick(v6), Some((0b0010, false, Some(0x8008), None, true)));
        assert_eq!(pick(v7), Some((0b1010, true, Some(0x8008), None, true)));
        assert_eq!(pick(v7a), Some((0b0010, false, Some(0x8008), None, true)));
        assert_eq!(pick(v71), Some((0b1010, true, None, Some(0x1009), true)));
        assert_eq!(pick(v8t), Some((0b1010, true, None, Some(0x1009), false)));
        let v7t = watchpoint_event(
            &cfg(DebugVersion::V7Full, false),
            &wps,
            units,
            &DataAccess {
                thumb: true,
                ..ACCESS
            },
        );
        assert_eq!(v7t.and_then(|e| e.wfar), Some(0x8004));
        assert_eq!(
            watchpoint_event(&cfg(DebugVersion::V8, false), &wps, 0, &ACCESS),
            None
        );
    }

    #[test]
    fn breakpoint_event_and_dscr() {
        assert_eq!(breakpoint_event(0), None);
        let e = breakpoint_event(0b100);
        assert_eq!(
            e.map(|e| (e.kind, e.moe, e.synchronous, e.units)),
            Some((EventKind::Breakpoint, 1, true, 0b100))
        );
        if let Some(e) = e {
            assert_eq!(apply_event_to_dscr(0xFFFF_FFFF, &e), 0xFFFF_FFC7);
            assert_eq!(apply_event_to_dscr(0x0000_8000, &e), 0x0000_8004);
            let wp = DebugEvent {
                moe: moe::SYNC_WATCHPOINT,
                ..e
            };
            assert_eq!(apply_event_to_dscr(0x0000_8004, &wp), 0x0000_8028);
        }
    }
}
