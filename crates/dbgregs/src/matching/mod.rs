//! Breakpoint and watchpoint matching (DDI 0406C.d C3 "Debug Events"; DDI 0487 G2): given what a core
//! implements, the registers a guest programmed and one instruction fetch or
//! data access, which units match — and the debug event a hit produces.
//!
//! Everything here is a pure function over plain inputs: the caller (the
//! per-vCPU state) fills a [`MatchConfig`] from its core model, hands over
//! the raw register values as the guest wrote them ([`Breakpoints`],
//! [`Watchpoints`]) and the monitor-debug controls ([`DebugGate`]), and
//! applies the returned [`DebugEvent`] (DBGDSCR.MOE with
//! [`apply_event_to_dscr`], DBGWFAR or DFAR, the abort). No function
//! allocates, locks or panics, whatever the register contents.
//!
//! The rules, one place each:
//!
//! * gating (DDI 0406C.d C3; DDI 0487 G2) — [`DebugGate::generates`];
//! * the HMC/SSC/PxC execution-condition table — `condition`;
//! * breakpoint types, address match/mismatch with BAS and MASK, context
//!   and linked comparisons — `breakpoint`;
//! * watched bytes (BAS lanes, MASK ranges), LSC, links — `watchpoint`;
//! * the same rules compiled once per WRP for the per-access hot path —
//!   [`WatchpointTable`] — and once per BRP for the per-instruction path —
//!   [`BreakpointTable`], with its [`BreakpointSummary`] for translators;
//! * MOE, fault addresses, synchronous or not — `event`.
//!
//! Where the architecture leaves a choice (reserved encodings, CONSTRAINED
//! UNPREDICTABLE cases) the choice is documented next to the code that makes
//! it; reserved combinations always behave as disabled unless noted.

mod breakpoint;
mod breakpoint_summary;
mod breakpoint_table;
mod condition;
mod event;
mod inputs;
mod table;
mod watchpoint;

pub use breakpoint::breakpoint_matches;
pub use breakpoint_summary::{Beyond, BreakpointSummary, InstructionRange};
pub use breakpoint_table::BreakpointTable;
pub use event::{
    apply_event_to_dscr, breakpoint_event, check_breakpoint, check_watchpoint, moe,
    watchpoint_event, DebugEvent, EventKind, FS_DEBUG_LONG, FS_DEBUG_SHORT,
};
pub use table::WatchpointTable;
pub use watchpoint::watchpoint_matches;

use crate::version::DebugVersion;

/// Most breakpoint or watchpoint register pairs any version has (DBGDIDR
/// encodes 1..=16); results are `u16` bitmasks, bit n = unit n.
pub const MAX_UNITS: usize = 16;

/// What the core implements, as far as matching depends on it. The caller
/// fills it from the core model; the fields are named as the model names
/// them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MatchConfig {
    /// Debug architecture version.
    pub version: DebugVersion,
    /// Number of breakpoint register pairs (BRPs); values above 16 count as
    /// 16.
    pub brps: u8,
    /// Number of watchpoint register pairs (WRPs); values above 16 count as
    /// 16.
    pub wrps: u8,
    /// Number of context-matching BRPs; they are the highest-numbered ones
    /// (`brps − ctx_cmps ..= brps − 1`, DDI 0406C.d C11, DBGDIDR). Values above `brps`
    /// count as `brps`.
    pub ctx_cmps: u8,
    /// Width of DBGWCR.BAS in bytes: 8 when BAS\[7:4\] exist (v7 and later,
    /// optional), else 4. Any value other than 8 means 4; 8 on a v6 core
    /// (which has no BAS\[7:4\]) also means 4.
    pub wp_bas_bytes: u8,
    /// DBGBCR.MASK implemented (v7/v7.1 only; ignored on other versions,
    /// where the field is reserved or RES0).
    pub bp_addr_mask: bool,
    /// DBGWCR.MASK implemented (v7 and later; ignored on v6).
    pub wp_addr_mask: bool,
    /// Security Extensions (v6.1/v7) or EL3 (v8): SSC = 01/10 are usable.
    pub security: bool,
    /// Virtualization Extensions (v7.1) or EL2 (v8): HMC, SSC = 11, the
    /// VMID breakpoint types (BT = 10xx) and DBGBXVR.
    pub virtualization: bool,
    /// A v7.0 core that reports watchpoints asynchronously (MOE 0b0010, the
    /// exception taken after the access). Cortex-A9 is always synchronous;
    /// ignored outside v7.0 (v6 watchpoints are always reported the v6 way,
    /// v7.1 and v8 always synchronously).
    pub async_watchpoints: bool,
}

impl MatchConfig {
    /// Implemented BRPs, at most [`MAX_UNITS`].
    pub(crate) const fn brp_count(&self) -> usize {
        let n = self.brps as usize;
        if n > MAX_UNITS {
            MAX_UNITS
        } else {
            n
        }
    }

    /// Implemented WRPs, at most [`MAX_UNITS`].
    pub(crate) const fn wrp_count(&self) -> usize {
        let n = self.wrps as usize;
        if n > MAX_UNITS {
            MAX_UNITS
        } else {
            n
        }
    }

    /// Whether BRP `n` can compare context (CONTEXTIDR/VMID): it is one of
    /// the `ctx_cmps` highest-numbered implemented BRPs.
    pub(crate) const fn is_context_brp(&self, n: usize) -> bool {
        let brps = self.brp_count();
        let ctx = if (self.ctx_cmps as usize) > brps {
            brps
        } else {
            self.ctx_cmps as usize
        };
        n < brps && n >= brps - ctx
    }

    /// DBGWCR.BAS\[7:4\] exist.
    pub(crate) const fn wp_bas8(&self) -> bool {
        self.wp_bas_bytes == 8 && self.version.at_least_v7()
    }

    /// DBGBCR.MASK is honoured: v7/v7.1 with the option implemented.
    pub(crate) const fn bp_mask_effective(&self) -> bool {
        self.bp_addr_mask && self.version.is_v7()
    }

    /// DBGWCR.MASK is honoured: v7 and later with the option implemented.
    pub(crate) const fn wp_mask_effective(&self) -> bool {
        self.wp_addr_mask && self.version.at_least_v7()
    }
}

/// Privilege level of an instruction or access: the same type the register
/// semantics use (PL0 = User, PL1 = the other non-Hyp modes, PL2 = Hyp).
pub use crate::semantics::Privilege;

/// AArch32 processor mode (CPSR.M), needed because breakpoints with
/// PMC = 0b00 match only in User, Supervisor and System modes (DDI 0406C.d C3; DDI 0487 G2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// User (0b10000).
    User,
    /// FIQ (0b10001).
    Fiq,
    /// IRQ (0b10010).
    Irq,
    /// Supervisor (0b10011).
    Supervisor,
    /// Monitor (0b10110), Secure PL1.
    Monitor,
    /// Abort (0b10111).
    Abort,
    /// Hyp (0b11010), PL2.
    Hyp,
    /// Undefined (0b11011).
    Undefined,
    /// System (0b11111).
    System,
}

impl Mode {
    /// Every mode, in declaration order.
    pub const ALL: [Mode; 9] = [
        Mode::User,
        Mode::Fiq,
        Mode::Irq,
        Mode::Supervisor,
        Mode::Monitor,
        Mode::Abort,
        Mode::Hyp,
        Mode::Undefined,
        Mode::System,
    ];

    /// The mode a CPSR.M value (bits \[4:0\]) encodes; `None` for reserved
    /// encodings.
    pub const fn from_cpsr_m(m: u32) -> Option<Mode> {
        Some(match m & 0x1F {
            0b10000 => Mode::User,
            0b10001 => Mode::Fiq,
            0b10010 => Mode::Irq,
            0b10011 => Mode::Supervisor,
            0b10110 => Mode::Monitor,
            0b10111 => Mode::Abort,
            0b11010 => Mode::Hyp,
            0b11011 => Mode::Undefined,
            0b11111 => Mode::System,
            _ => return None,
        })
    }

    /// The privilege level the mode executes at.
    pub const fn privilege(self) -> Privilege {
        match self {
            Mode::User => Privilege::Pl0,
            Mode::Hyp => Privilege::Pl2,
            _ => Privilege::Pl1,
        }
    }

    /// User, Supervisor or System mode: the modes a PMC = 0b00 breakpoint
    /// matches in (the ARM ARM's `ssu_match`).
    pub const fn is_usr_svc_sys(self) -> bool {
        matches!(self, Mode::User | Mode::Supervisor | Mode::System)
    }
}

/// Kind of a data access, for DBGWCR.LSC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccessKind {
    /// A load (LSC bit 0).
    Load,
    /// A store (LSC bit 1).
    Store,
    /// A data cache maintenance operation the core watches (DCIMVAC, which
    /// is IMPLEMENTATION DEFINED; DDI 0406C.d C3, watchpoint debug events). Matches as a store and is
    /// reported with DFSR.CM = 1, WnR = 1. Only pass operations the core
    /// model watches.
    CacheMaintenance,
}

/// One instruction committed for execution, as breakpoints see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InstructionFetch {
    /// Address of the instruction (of its first halfword for a 32-bit T32
    /// instruction).
    pub address: u32,
    /// T32 (Thumb) state; A32 otherwise.
    pub thumb: bool,
    /// Processor mode the instruction executes in.
    pub mode: Mode,
    /// Secure state (ignored without the Security Extensions).
    pub secure: bool,
    /// Current CONTEXTIDR (the whole 32-bit register).
    pub contextidr: u32,
    /// Current VTTBR.VMID (used only with the Virtualization Extensions).
    pub vmid: u8,
}

/// One data access, as watchpoints see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DataAccess {
    /// Lowest byte address accessed.
    pub address: u32,
    /// Number of bytes accessed (an unaligned word, LDRD or LDM/STM may
    /// span several words; 0 accesses nothing). Byte addresses wrap at 4 GiB.
    pub size: u32,
    /// Load, store or watched cache maintenance.
    pub kind: AccessKind,
    /// Mode of the instruction making the access.
    pub mode: Mode,
    /// The access is unprivileged (LDRT/STRT/LDRBT/... at PL1): DBGWCR.PAC
    /// checks it as a PL0 access (DDI 0406C.d C3; DDI 0487 G2).
    pub unprivileged: bool,
    /// Secure state (ignored without the Security Extensions).
    pub secure: bool,
    /// Current CONTEXTIDR, for linked watchpoints.
    pub contextidr: u32,
    /// Current VTTBR.VMID, for linked watchpoints.
    pub vmid: u8,
    /// Address of the instruction making the access (for DBGWFAR).
    pub instruction_address: u32,
    /// That instruction is T32 (DBGWFAR offset +4; A32 +8).
    pub thumb: bool,
}

impl DataAccess {
    /// The privilege DBGWCR.PAC checks: PL0 for unprivileged accesses,
    /// else the mode's.
    pub const fn access_privilege(&self) -> Privilege {
        if self.unprivileged {
            Privilege::Pl0
        } else {
            self.mode.privilege()
        }
    }
}

/// A vCPU's breakpoint registers, raw as the guest programmed them. Only the
/// first `min(MatchConfig::brps, bvr.len(), bcr.len())` pairs are looked
/// at; a context BRP without a `bxvr` entry never matches a VMID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Breakpoints<'a> {
    /// DBGBVRn.
    pub bvr: &'a [u32],
    /// DBGBCRn.
    pub bcr: &'a [u32],
    /// DBGBXVRn.VMID (bits \[7:0\]), for context BRPs with BT = 10xx.
    pub bxvr: &'a [u8],
}

/// A vCPU's watchpoint registers, raw as the guest programmed them. Only the
/// first `min(MatchConfig::wrps, wvr.len(), wcr.len())` pairs are looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Watchpoints<'a> {
    /// DBGWVRn.
    pub wvr: &'a [u32],
    /// DBGWCRn.
    pub wcr: &'a [u32],
}

/// The controls that decide whether Breakpoint and Watchpoint debug events
/// are generated at all (DDI 0406C.d C3; DDI 0487 G2). `Default` is everything clear, which
/// generates nothing (monitor debug disabled).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct DebugGate {
    /// DBGDSCR.MDBGen (bit 15): monitor debug-mode enabled.
    pub mdbgen: bool,
    /// Halting debug is selected: v6 DSCR\[14\] = 1 (mode select), v7
    /// DBGDSCR.HDBGen = 1, v8 EDSCR.HDE = 1 with halting allowed. Debug
    /// events then halt the core for an external debugger instead of raising
    /// monitor exceptions; this crate models no external debugger, so no
    /// event is reported.
    pub halting: bool,
    /// DBGOSLSR.OSLK: the OS Lock is set.
    pub os_lock: bool,
    /// The OS Double Lock is in force (v7.1/v8: DBGOSDLR.DLK = 1,
    /// DBGPRCR.CORENPDRQ = 0, not halted).
    pub double_lock: bool,
    /// DBGDSCR.SPIDdis: Secure privileged invasive debug disabled (SPIDEN
    /// low, SDCR.SPD). Only with the Security Extensions.
    pub spiddis: bool,
    /// SDER.SUIDEN: Secure User invasive debug enabled even when `spiddis`.
    pub suiden: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpsr_modes_and_privileges() {
        let modes = [
            (0b10000, Mode::User, Privilege::Pl0),
            (0b10001, Mode::Fiq, Privilege::Pl1),
            (0b10010, Mode::Irq, Privilege::Pl1),
            (0b10011, Mode::Supervisor, Privilege::Pl1),
            (0b10110, Mode::Monitor, Privilege::Pl1),
            (0b10111, Mode::Abort, Privilege::Pl1),
            (0b11010, Mode::Hyp, Privilege::Pl2),
            (0b11011, Mode::Undefined, Privilege::Pl1),
            (0b11111, Mode::System, Privilege::Pl1),
        ];
        for (m, mode, pl) in modes {
            // Only CPSR.M[4:0] is looked at.
            assert_eq!(Mode::from_cpsr_m(0x6000_01C0 | m), Some(mode));
            assert_eq!(mode.privilege(), pl);
        }
        for reserved in [0b00000, 0b10100, 0b10101, 0b11000, 0b11001, 0b11100] {
            assert_eq!(Mode::from_cpsr_m(reserved), None, "{reserved:05b}");
        }
    }

    #[test]
    fn unprivileged_accesses_check_as_pl0() {
        let access = DataAccess {
            address: 0,
            size: 4,
            kind: AccessKind::Load,
            mode: Mode::Supervisor,
            unprivileged: true,
            secure: false,
            contextidr: 0,
            vmid: 0,
            instruction_address: 0,
            thumb: false,
        };
        assert_eq!(access.access_privilege(), Privilege::Pl0);
        let ldr = DataAccess {
            unprivileged: false,
            ..access
        };
        assert_eq!(ldr.access_privilege(), Privilege::Pl1);
    }
}
