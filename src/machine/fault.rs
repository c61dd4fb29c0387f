//! The faults a vCPU can be configured with, and how each one changes the
//! vCPU's core model or its debug register state.

use std::fmt;

use dbgregs::model::{CoreModel, OsLockModel, Quirks};
use dbgregs::state::DebugState;
use serde::Serialize;

use super::MachineError;

/// A fault a vCPU can be configured with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaultKind {
    /// The DBGSWENABLE input is driven low: CP14 accesses to every debug
    /// register but the baseline ones and the OS save/restore and
    /// power-down group (DBGOSLAR, DBGOSLSR, DBGOSSRR, DBGOSDLR, DBGPRCR,
    /// DBGPRSR) are UNDEFINED; the DBGOSLSR and DBGPRSR reads too on a core
    /// with erratum 764319 (docs/fidelity-decisions.md, J1). Only v7 debug
    /// cores have the signal.
    SwenableLow,
    /// The vCPU's debug power domain is down: DBGPRSR.PU = 0 and the sticky
    /// power-down bit SPD = 1. Linux sees this only on v7 ECP14, through
    /// DBGPRSR (and, on a v7.0 core, through the UNDEFINED "other debug"
    /// registers while SPD is set).
    PoweredDown,
    /// The OS Double Lock is set (DBGOSDLR.DLK = 1; v7.1 and later).
    DoubleLock,
    /// The vCPU's core has no OS Save/Restore and no OS Lock (OSLM = 0b00):
    /// a variant of the machine's model (not permitted on Armv8, where the
    /// OS Lock is mandatory).
    NoOsSaveRestore,
    /// The core sets DBGPRSR.SPD on every WFI (the Qualcomm Scorpion
    /// behaviour), without its MIDR.
    SpdOnWfi,
    /// Monitor debug-mode is held off by the board: DBGDSCR.MDBGen does not
    /// stick (writes through DBGDSCRext, or the v6 DSCR, are ignored for
    /// that bit; it reads 0), so Linux prints "Failed to enable monitor mode
    /// on CPU N.". Reproduces the Cortex-A5 (ADSP-SC589),
    /// Krait 200 (MSM8960) and OMAP4460 boot logs; the mechanism on those
    /// boards (plausibly invasive-debug authentication or a firmware or
    /// external-debugger setting) is unverified, so it is an input here.
    MonitorRefused,
}

impl FaultKind {
    /// Every kind, in CLI order.
    pub const ALL: [FaultKind; 6] = [
        FaultKind::SwenableLow,
        FaultKind::PoweredDown,
        FaultKind::DoubleLock,
        FaultKind::NoOsSaveRestore,
        FaultKind::SpdOnWfi,
        FaultKind::MonitorRefused,
    ];

    /// The CLI name (`swenable-low`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            FaultKind::SwenableLow => "swenable-low",
            FaultKind::PoweredDown => "powered-down",
            FaultKind::DoubleLock => "double-lock",
            FaultKind::NoOsSaveRestore => "no-os-save-restore",
            FaultKind::SpdOnWfi => "spd-on-wfi",
            FaultKind::MonitorRefused => "monitor-refused",
        }
    }

    pub(super) const fn bit(self) -> u8 {
        1 << self as u8
    }
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A fault on one CPU (`CPU:KIND` on the command line).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Fault {
    /// The CPU.
    pub cpu: usize,
    /// The fault.
    pub kind: FaultKind,
}

/// A set of [`FaultKind`]s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct FaultSet(pub(super) u8);

impl FaultSet {
    /// Whether `kind` is in the set.
    pub const fn contains(self, kind: FaultKind) -> bool {
        self.0 & kind.bit() != 0
    }

    /// Adds `kind`.
    pub fn insert(&mut self, kind: FaultKind) {
        self.0 |= kind.bit();
    }

    /// The kinds in the set, in [`FaultKind::ALL`] order.
    pub fn kinds(self) -> impl Iterator<Item = FaultKind> {
        FaultKind::ALL
            .into_iter()
            .filter(move |k| self.contains(*k))
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// The vCPU's model: the machine's, or the variant its faults ask for.
pub(super) fn variant_model(
    base: &CoreModel,
    cpu: usize,
    set: FaultSet,
) -> Result<CoreModel, MachineError> {
    let not = |kind: FaultKind, reason: String| MachineError::FaultNotApplicable {
        kind: kind.name(),
        cpu,
        model: base.name(),
        reason,
    };
    let mut b = base.to_builder();
    if set.contains(FaultKind::NoOsSaveRestore) {
        if base.version().is_v8() {
            return Err(not(
                FaultKind::NoOsSaveRestore,
                "the OS Lock is mandatory from Armv8 debug".to_string(),
            ));
        }
        b = b.os_lock(OsLockModel::None).oslk_reset(false);
    }
    if set.contains(FaultKind::SpdOnWfi) {
        b = b.quirks(Quirks {
            spd_on_wfi: true,
            ..base.quirks()
        });
    }
    // DBGSWENABLE is an ADIv5 debug-APB input of v7 debug: ARM1136/ARM1176
    // (ARM DDI 0211K / DDI 0301H §13.5.1) list no such access condition,
    // and the Armv8 AArch32 access pseudocode (DDI 0487) has no signal
    // term (docs/fidelity-decisions.md, J1).
    if set.contains(FaultKind::SwenableLow) && !base.version().is_v7() {
        return Err(not(
            FaultKind::SwenableLow,
            format!(
                "DBGSWENABLE exists on debug v7 and v7.1 only; this core is debug {}",
                base.version()
            ),
        ));
    }
    if set.contains(FaultKind::DoubleLock) && !base.version().at_least_v7_1() {
        return Err(not(
            FaultKind::DoubleLock,
            format!(
                "the OS Double Lock exists from debug v7.1; this core is debug {}",
                base.version()
            ),
        ));
    }
    b.build()
        .map_err(|e| not(FaultKind::NoOsSaveRestore, e.to_string()))
}

/// Applies the faults that live in the debug state.
pub(super) fn apply_state_faults(debug: &mut DebugState, set: FaultSet) {
    if set.contains(FaultKind::PoweredDown) {
        debug.power_down();
    }
    if set.contains(FaultKind::SwenableLow) {
        debug.set_dbgswenable(false);
    }
    if set.contains(FaultKind::DoubleLock) {
        debug.set_double_lock(true);
    }
    if set.contains(FaultKind::MonitorRefused) {
        debug.set_monitor_debug_blocked(true);
    }
}
