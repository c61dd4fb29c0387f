//! When debug events are generated at all (DDI 0406C.d C3; DDI 0487 G2 gating) and the
//! execution-condition table of HMC, SSC and PMC/PAC (DDI 0406C.d C3; DDI 0487 G2, ARMv8-ARM
//! G2.8/G2.9; v7 with the Security/Virtualization Extensions uses the same
//! fields).

use super::{DebugGate, MatchConfig, Mode, Privilege};

impl DebugGate {
    /// Whether Breakpoint and Watchpoint debug events can be generated from
    /// code running at `privilege` in the given Security state.
    ///
    /// * Monitor debug-mode must be enabled (MDBGen = 1) and halting debug
    ///   not selected (v6: DSCR\[15:14\] = 0b10).
    /// * v7.1/v8: the OS Lock and the OS Double Lock disable them (v8
    ///   pseudocode `AArch32.GenerateDebugExceptionsFrom`; v7.1 follows v8,
    ///   DDI 0406C.d Table C6-12/DDI 0487 G8.3, DBGOSDLR, and the Cortex-A15 TRM says the OS Lock "might also
    ///   disable Software debug events").
    /// * v7.0: **decision** — the OS Lock does *not* gate events. The v7.0
    ///   OS Lock is the save/restore lock of DBGOSSRR: DDI 0406B describes
    ///   DBGOSLSR.OSLK only as "writes to debug registers are ignored" (and
    ///   CP14 accesses UNDEF, DDI 0406C.d Table C6-12); suppressing events was introduced
    ///   with v7.1. v6 has no OS Lock and v6/v7.0 no Double Lock, so those
    ///   inputs are ignored there.
    /// * PL2 (Hyp mode): never — in AArch32, debug exceptions are not
    ///   generated from EL2 (v8 pseudocode: `enabled = from_el != EL2`;
    ///   assumed the same for v7.1 with the Virtualization Extensions).
    /// * Secure state, with the Security Extensions: not when Secure
    ///   privileged invasive debug is disabled (`spiddis`), except at PL0
    ///   when SDER.SUIDEN is set.
    pub const fn generates(&self, cfg: &MatchConfig, privilege: Privilege, secure: bool) -> bool {
        if !self.mdbgen || self.halting {
            return false;
        }
        if cfg.version.at_least_v7_1() && (self.os_lock || self.double_lock) {
            return false;
        }
        match privilege {
            Privilege::Pl2 => false,
            _ if !(cfg.security && secure && self.spiddis) => true,
            Privilege::Pl0 => self.suiden,
            Privilege::Pl1 => false,
        }
    }
}

/// Which unit the condition is evaluated for: the table has a few cells
/// that differ between breakpoints and watchpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    Breakpoint,
    Watchpoint,
}

/// The Security state a row requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Security {
    Both,
    NonSecure,
    Secure,
}

/// Levels one cell allows, as a bit set.
type Levels = u8;
const NONE: Levels = 0;
const PL0: Levels = 1 << 0;
const PL1: Levels = 1 << 1;
const PL2: Levels = 1 << 2;
/// PL1 only in Supervisor or System mode (with PL0 this is the ARM ARM's
/// `ssu_match`: User, Supervisor, System — breakpoints only).
const PL1_SVC_SYS: Levels = 1 << 3;
const SSU: Levels = PL0 | PL1_SVC_SYS;

/// One row of the table: levels a breakpoint and a watchpoint can fire at
/// (`NONE` = reserved for that unit) and the Security state.
#[derive(Debug, Clone, Copy)]
struct Row {
    bp: Levels,
    wp: Levels,
    security: Security,
}

const fn row(bp: Levels, wp: Levels, security: Security) -> Row {
    Row { bp, wp, security }
}

/// Reserved for both units.
const RES: Row = row(NONE, NONE, Security::Both);

/// The execution-condition table (DDI 0406C.d C3; DDI 0487 G2), indexed by
/// `HMC:SSC:PxC` (5 bits). PxC bit 0 enables PL1, bit 1 PL0. Every
/// combination not in the specification's table is reserved and behaves as
/// disabled (the architecture allows "disabled or some valid
/// combination"; disabled is the choice everywhere in this module).
const TABLE: [Row; 32] = {
    use Security::{Both, NonSecure as Ns, Secure as S};
    [
        // HMC = 0, SSC = 00 (both Security states)
        row(SSU, NONE, Both), // PxC 00: User/Svc/Sys, breakpoints only
        row(PL1, PL1, Both),  // PxC 01
        row(PL0, PL0, Both),  // PxC 10
        row(PL1 | PL0, PL1 | PL0, Both), // PxC 11
        // HMC = 0, SSC = 01 (Non-secure only)
        row(SSU, NONE, Ns),
        row(PL1, PL1, Ns),
        row(PL0, PL0, Ns),
        row(PL1 | PL0, PL1 | PL0, Ns),
        // HMC = 0, SSC = 10 (Secure only)
        row(SSU, NONE, S),
        row(PL1, PL1, S),
        row(PL0, PL0, S),
        row(PL1 | PL0, PL1 | PL0, S),
        // HMC = 0, SSC = 11 (Secure)
        RES,
        row(PL2 | PL1, PL2 | PL1, S),
        RES,
        row(PL2 | PL1 | PL0, PL2 | PL1 | PL0, S),
        // HMC = 1, SSC = 00 (both)
        RES,
        row(PL2 | PL1, PL2 | PL1, Both),
        RES,
        row(PL2 | PL1 | PL0, PL2 | PL1 | PL0, Both),
        // HMC = 1, SSC = 01 (Non-secure)
        row(PL2, PL2, Ns),
        row(PL2 | PL1, PL2 | PL1, Ns),
        RES,
        row(PL2 | PL1 | PL0, PL2 | PL1 | PL0, Ns),
        // HMC = 1, SSC = 10 (Secure): PL2 for breakpoints only
        RES,
        row(PL2 | PL1, PL1, S),
        RES,
        row(PL2 | PL1 | PL0, PL1 | PL0, S),
        // HMC = 1, SSC = 11 (both)
        row(PL2, PL2, Both),
        row(PL2 | PL1, PL2 | PL1, Both),
        RES,
        row(PL2 | PL1 | PL0, PL2 | PL1 | PL0, Both),
    ]
};

/// Whether `HMC`, `SSC` are usable on this core (beyond the table):
///
/// * HMC = 1 needs the Virtualization Extensions/EL2;
/// * SSC = 01/10 need the Security Extensions/EL3 (so without EL2 and EL3
///   any nonzero HMC or SSC is reserved, DDI 0406C.d C3; DDI 0487 G2);
/// * SSC = 11 — **decision**: needs the Virtualization Extensions/EL2. It
///   is reserved in v6.1/v7.0 (DDI 0406B DBGBCR: "0b11 Reserved"), it came
///   with the HMC field, and a v8 core without EL2 can express "Secure
///   only" with SSC = 10.
const fn fields_implemented(cfg: &MatchConfig, hmc: bool, ssc: u8) -> bool {
    if hmc && !cfg.virtualization {
        return false;
    }
    match ssc & 0b11 {
        0b00 => true,
        0b11 => cfg.virtualization,
        _ => cfg.security,
    }
}

/// A unit's execution-condition fields: DBGBCR/DBGWCR.{HMC, SSC, PMC/PAC}.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Condition {
    pub(crate) hmc: bool,
    pub(crate) ssc: u8,
    /// PMC (breakpoints) or PAC (watchpoints).
    pub(crate) pxc: u8,
}

/// What the condition is checked against.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Executing {
    /// Privilege of the instruction (breakpoints) or of the access
    /// (watchpoints: PL0 for LDRT and friends).
    pub(crate) privilege: Privilege,
    /// Mode of the instruction.
    pub(crate) mode: Mode,
    /// Effective Security state.
    pub(crate) secure: bool,
}

/// The execution-condition match of one unit: its HMC, SSC and PMC/PAC
/// against the level, mode and Security state of the code (for a
/// watchpoint: of the *access*). Reserved combinations never match.
pub(crate) const fn state_matches(
    cfg: &MatchConfig,
    unit: Unit,
    condition: Condition,
    at: Executing,
) -> bool {
    let Condition { hmc, ssc, pxc } = condition;
    let Executing {
        privilege,
        mode,
        secure,
    } = at;
    if !fields_implemented(cfg, hmc, ssc) {
        return false;
    }
    let index = ((hmc as usize) << 4) | (((ssc & 0b11) as usize) << 2) | (pxc & 0b11) as usize;
    let row = TABLE[index];
    let levels = match unit {
        Unit::Breakpoint => row.bp,
        Unit::Watchpoint => row.wp,
    };
    // Without the Security Extensions there is one Security state, which
    // every implemented SSC value (only 00) accepts.
    let security_ok = match row.security {
        Security::Both => true,
        Security::NonSecure => !secure,
        Security::Secure => secure,
    };
    let level_ok = match privilege {
        Privilege::Pl0 => levels & PL0 != 0,
        Privilege::Pl1 => levels & PL1 != 0 || (levels & PL1_SVC_SYS != 0 && mode.is_usr_svc_sys()),
        Privilege::Pl2 => levels & PL2 != 0,
    };
    security_ok && level_ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::DebugVersion;

    fn cfg(security: bool, virtualization: bool) -> MatchConfig {
        MatchConfig {
            version: DebugVersion::V8,
            brps: 6,
            wrps: 4,
            ctx_cmps: 2,
            wp_bas_bytes: 8,
            bp_addr_mask: false,
            wp_addr_mask: true,
            security,
            virtualization,
            async_watchpoints: false,
        }
    }

    /// (privilege, mode) for PL0, PL1 in Supervisor, PL1 in IRQ, PL2.
    const LEVELS: [(Privilege, Mode); 4] = [
        (Privilege::Pl0, Mode::User),
        (Privilege::Pl1, Mode::Supervisor),
        (Privilege::Pl1, Mode::Irq),
        (Privilege::Pl2, Mode::Hyp),
    ];

    /// Which of [PL0, PL1 Svc, PL1 IRQ, PL2] match, in one Security state.
    fn fires(c: &MatchConfig, unit: Unit, hmc: bool, ssc: u8, pxc: u8, secure: bool) -> Fires {
        LEVELS.map(|(privilege, mode)| {
            state_matches(
                c,
                unit,
                Condition { hmc, ssc, pxc },
                Executing {
                    privilege,
                    mode,
                    secure,
                },
            )
        })
    }

    const Y: bool = true;
    const N: bool = false;

    /// Which of [PL0, PL1 Svc, PL1 IRQ, PL2] fire.
    type Fires = [bool; 4];
    /// (HMC, SSC, PxC, Non-secure, Secure).
    type TableRow = (bool, u8, u8, Fires, Fires);

    #[test]
    fn spec_table_rows_for_breakpoints() {
        let c = cfg(true, true);
        let bp = Unit::Breakpoint;
        // (HMC, SSC, PxC, Non-secure [PL0, PL1 svc, PL1 irq, PL2], Secure [...])
        let rows: [TableRow; 32] = [
            (N, 0b00, 0b00, [Y, Y, N, N], [Y, Y, N, N]),
            (N, 0b00, 0b01, [N, Y, Y, N], [N, Y, Y, N]),
            (N, 0b00, 0b10, [Y, N, N, N], [Y, N, N, N]),
            (N, 0b00, 0b11, [Y, Y, Y, N], [Y, Y, Y, N]),
            (N, 0b01, 0b00, [Y, Y, N, N], [N; 4]),
            (N, 0b01, 0b01, [N, Y, Y, N], [N; 4]),
            (N, 0b01, 0b10, [Y, N, N, N], [N; 4]),
            (N, 0b01, 0b11, [Y, Y, Y, N], [N; 4]),
            (N, 0b10, 0b00, [N; 4], [Y, Y, N, N]),
            (N, 0b10, 0b01, [N; 4], [N, Y, Y, N]),
            (N, 0b10, 0b10, [N; 4], [Y, N, N, N]),
            (N, 0b10, 0b11, [N; 4], [Y, Y, Y, N]),
            (N, 0b11, 0b00, [N; 4], [N; 4]),
            (N, 0b11, 0b01, [N; 4], [N, Y, Y, Y]),
            (N, 0b11, 0b10, [N; 4], [N; 4]),
            (N, 0b11, 0b11, [N; 4], [Y, Y, Y, Y]),
            (Y, 0b00, 0b00, [N; 4], [N; 4]),
            (Y, 0b00, 0b01, [N, Y, Y, Y], [N, Y, Y, Y]),
            (Y, 0b00, 0b10, [N; 4], [N; 4]),
            (Y, 0b00, 0b11, [Y, Y, Y, Y], [Y, Y, Y, Y]),
            (Y, 0b01, 0b00, [N, N, N, Y], [N; 4]),
            (Y, 0b01, 0b01, [N, Y, Y, Y], [N; 4]),
            (Y, 0b01, 0b10, [N; 4], [N; 4]),
            (Y, 0b01, 0b11, [Y, Y, Y, Y], [N; 4]),
            (Y, 0b10, 0b00, [N; 4], [N; 4]),
            (Y, 0b10, 0b01, [N; 4], [N, Y, Y, Y]),
            (Y, 0b10, 0b10, [N; 4], [N; 4]),
            (Y, 0b10, 0b11, [N; 4], [Y, Y, Y, Y]),
            (Y, 0b11, 0b00, [N, N, N, Y], [N, N, N, Y]),
            (Y, 0b11, 0b01, [N, Y, Y, Y], [N, Y, Y, Y]),
            (Y, 0b11, 0b10, [N; 4], [N; 4]),
            (Y, 0b11, 0b11, [Y, Y, Y, Y], [Y, Y, Y, Y]),
        ];
        for (hmc, ssc, pxc, ns, s) in rows {
            assert_eq!(
                fires(&c, bp, hmc, ssc, pxc, false),
                ns,
                "NS {hmc} {ssc:02b} {pxc:02b}"
            );
            assert_eq!(
                fires(&c, bp, hmc, ssc, pxc, true),
                s,
                "S {hmc} {ssc:02b} {pxc:02b}"
            );
        }
    }

    #[test]
    fn watchpoints_differ_only_in_pac_00_and_secure_hyp() {
        let c = cfg(true, true);
        let wp = Unit::Watchpoint;
        // PAC = 00 is reserved for watchpoints except HMC=1 with SSC 01/11.
        for ssc in 0..4 {
            for secure in [false, true] {
                assert_eq!(fires(&c, wp, false, ssc, 0b00, secure), [N; 4]);
            }
        }
        assert_eq!(fires(&c, wp, true, 0b01, 0b00, false), [N, N, N, Y]);
        assert_eq!(fires(&c, wp, true, 0b11, 0b00, true), [N, N, N, Y]);
        // HMC=1, SSC=10: PL2 only for breakpoints.
        assert_eq!(fires(&c, wp, true, 0b10, 0b01, true), [N, Y, Y, N]);
        assert_eq!(fires(&c, wp, true, 0b10, 0b11, true), [Y, Y, Y, N]);
        // Elsewhere the watchpoint column equals the breakpoint column.
        for i in 0..32u8 {
            let (hmc, ssc, pxc) = (i & 0x10 != 0, (i >> 2) & 3, i & 3);
            if pxc == 0 || (hmc && ssc == 0b10) {
                continue;
            }
            for secure in [false, true] {
                assert_eq!(
                    fires(&c, wp, hmc, ssc, pxc, secure),
                    fires(&c, Unit::Breakpoint, hmc, ssc, pxc, secure)
                );
            }
        }
    }

    /// The watchpoint column never uses the PL1-mode cell (`ssu_match`), so
    /// a watchpoint's condition depends on the privilege and Security state
    /// only — what `WatchpointTable` relies on to compile it per level.
    #[test]
    fn watchpoint_column_ignores_the_pl1_mode() {
        for row in TABLE {
            assert_eq!(row.wp & PL1_SVC_SYS, 0);
        }
    }

    #[test]
    fn nonzero_hmc_or_ssc_reserved_without_el2_and_el3() {
        let c = cfg(false, false);
        for i in 0..32u8 {
            let (hmc, ssc, pxc) = (i & 0x10 != 0, (i >> 2) & 3, i & 3);
            if !hmc && ssc == 0 {
                continue;
            }
            for unit in [Unit::Breakpoint, Unit::Watchpoint] {
                for secure in [false, true] {
                    assert_eq!(fires(&c, unit, hmc, ssc, pxc, secure), [N; 4]);
                }
            }
        }
        // SSC = 00 still works and ignores the Security state.
        assert_eq!(
            fires(&c, Unit::Breakpoint, false, 0, 0b11, true),
            [Y, Y, Y, N]
        );
    }

    #[test]
    fn ssc_01_10_reserved_without_el3_and_hmc_without_el2() {
        let el2_only = cfg(false, true);
        assert_eq!(
            fires(&el2_only, Unit::Breakpoint, false, 0b01, 0b11, false),
            [N; 4]
        );
        assert_eq!(
            fires(&el2_only, Unit::Breakpoint, true, 0b10, 0b11, true),
            [N; 4]
        );
        assert_eq!(
            fires(&el2_only, Unit::Breakpoint, true, 0b11, 0b11, false),
            [Y; 4]
        );
        let el3_only = cfg(true, false);
        assert_eq!(
            fires(&el3_only, Unit::Breakpoint, true, 0b00, 0b11, false),
            [N; 4]
        );
        assert_eq!(
            fires(&el3_only, Unit::Breakpoint, false, 0b11, 0b11, true),
            [N; 4]
        );
        assert_eq!(
            fires(&el3_only, Unit::Watchpoint, false, 0b01, 0b11, false),
            [Y, Y, Y, N]
        );
    }

    #[test]
    fn pmc_00_matches_user_supervisor_system_only() {
        let c = cfg(false, false);
        for (mode, expect) in [
            (Mode::User, true),
            (Mode::Supervisor, true),
            (Mode::System, true),
            (Mode::Fiq, false),
            (Mode::Irq, false),
            (Mode::Abort, false),
            (Mode::Undefined, false),
            (Mode::Monitor, false),
            (Mode::Hyp, false),
        ] {
            let got = state_matches(
                &c,
                Unit::Breakpoint,
                Condition {
                    hmc: false,
                    ssc: 0,
                    pxc: 0,
                },
                Executing {
                    privilege: mode.privilege(),
                    mode,
                    secure: false,
                },
            );
            assert_eq!(got, expect, "{mode:?}");
        }
    }

    #[test]
    fn gate_follows_spec_6_1() {
        let mut c = cfg(true, true);
        let on = DebugGate {
            mdbgen: true,
            ..DebugGate::default()
        };
        assert!(on.generates(&c, Privilege::Pl1, false));
        assert!(!DebugGate::default().generates(&c, Privilege::Pl1, false));
        assert!(!DebugGate {
            halting: true,
            ..on
        }
        .generates(&c, Privilege::Pl0, false));
        assert!(!DebugGate {
            os_lock: true,
            ..on
        }
        .generates(&c, Privilege::Pl0, false));
        assert!(!DebugGate {
            double_lock: true,
            ..on
        }
        .generates(&c, Privilege::Pl0, false));
        assert!(!on.generates(&c, Privilege::Pl2, false));
        // Secure: SPIDdis blocks PL1, and PL0 unless SUIDEN.
        let spid = DebugGate {
            spiddis: true,
            ..on
        };
        assert!(!spid.generates(&c, Privilege::Pl1, true));
        assert!(!spid.generates(&c, Privilege::Pl0, true));
        assert!(DebugGate {
            suiden: true,
            ..spid
        }
        .generates(&c, Privilege::Pl0, true));
        assert!(spid.generates(&c, Privilege::Pl1, false));
        // v7.0: the OS Lock does not gate; v6 ignores both locks.
        c.version = DebugVersion::V7Full;
        assert!(DebugGate {
            os_lock: true,
            ..on
        }
        .generates(&c, Privilege::Pl1, false));
        c.version = DebugVersion::V6;
        assert!(DebugGate {
            os_lock: true,
            double_lock: true,
            ..on
        }
        .generates(&c, Privilege::Pl1, false));
        // Without the Security Extensions SPIDdis has no effect.
        c.security = false;
        assert!(spid.generates(&c, Privilege::Pl1, true));
    }
}
