//! The ARM Linux `hw_breakpoint` driver's install path and debug exception
//! handlers, on an emulated [`Machine`](crate::machine::Machine) after [`HwBreakpoint::init`](crate::driver::HwBreakpoint::init)
//! (`arch/arm/kernel/hw_breakpoint.c`; docs/kernel-flow.md, `control-encoding`; the arch code's behaviour described
//! below).
//!
//! What is modelled, in the kernel's order:
//!
//! * **Validation** ([`parse`]): the type (execute, load, store,
//!   load/store); the length (1, 2, 4 bytes; 8 only for watchpoints and
//!   only when the init probe found 8-byte BAS; execute only 2 or 4); the
//!   privilege (user always, plus kernel when the range lies at or above
//!   [`TASK_SIZE`]); the alignment (offset 0 for any length, 1–2 for a
//!   halfword, 1–3 for a byte, 0 for a doubleword), the address then
//!   aligned down and the length mask (0x1, 0x3, 0xF, 0xFF) shifted by the
//!   offset; a step-over (default overflow handler, what ptrace uses)
//!   request additionally needs mismatch breakpoints, a user-space address,
//!   and before v8 (where DFSR.WnR cannot be trusted) the load/store type
//!   for watchpoints. **Stricter than the kernel**: an execute breakpoint at
//!   an odd address is refused (its BAS 0b0110 is reserved for
//!   breakpoints; the kernel would program it).
//! * **Monitor mode**: registering on a CPU whose DBGDSCR.MDBGen reads 0
//!   fails (`-ENODEV`).
//! * **Install** ([`HwBreakpoints::register`]): the first free per-CPU slot
//!   from index 0 below `core_num_brps` / `core_num_wrps` (zero after a
//!   failed init, so every install fails: "Can't find any breakpoint
//!   slot", `-EBUSY`); the value register written first, then the control
//!   register ([`encode_ctrl_reg`]) with bit 0 forced on — each as the
//!   MCR word the kernel executes, on that vCPU, through the trap path.
//!   **Uninstall** writes 0 to the control register and frees the slot.
//! * **Exceptions** ([`HwBreakpoints::fetch`], [`HwBreakpoints::data_access`]):
//!   the vCPU's debug hardware matches ([`dbgregs::debug_event`]) and
//!   records DBGDSCR.MOE / DBGWFAR; the kernel handler reads DBGDSCRint and
//!   dispatches on MOE: breakpoint (1) — each used BRP whose BVR equals the
//!   PC's word and whose BAS covers the PC fired, any stepping breakpoint
//!   that did not is restored, then any stepping watchpoint whose trigger
//!   is not the PC is restored; asynchronous watchpoint (2) — the kernel
//!   WARNING, then as synchronous; synchronous watchpoint (10) — before v7.1
//!   (one WRP) the hit is WRP 0 with the watchpoint's own requested address
//!   as trigger; from v7.1 the WRP whose watched bytes contain DFAR, else
//!   the closest one (from v8 skipping those whose type contradicts
//!   DFSR.WnR); other MOE values are left to the generic fault path.
//! * **Step-over**: a hit on a step-over breakpoint re-installs it in its
//!   own slot as an unlinked mismatch breakpoint on the hit address (PMC
//!   from the breakpoint, BAS 0xF); a hit on a step-over watchpoint disables
//!   the watchpoint (WCR = 0) and installs the mismatch breakpoint at the
//!   faulting instruction in the reserved BRP, index `core_num_brps` (the
//!   watchpoint keeps its WRP slot). The mismatch breakpoint fires on the
//!   next instruction; the handler then removes it (BCR = 0) and
//!   re-installs the breakpoint or watchpoint (value, then control).
//!   The kernel does this on every version with mismatch breakpoints (v7
//!   and later), not only before v7.1.

use std::sync::Arc;

mod error;
mod handler;
mod request;
mod slots;

use serde::Serialize;

use crate::debug_arch as arch;
use crate::driver::{DriverCore, HwBreakpoint, DSCR_MDBGEN};
use crate::machine::{Machine, MachineError, VcpuCtx};
use crate::oops::KernelOops;

pub use error::InstallError;
pub use request::{
    decode_ctrl_reg, encode_ctrl_reg, in_kernel_space, parse, ArchBreakpoint, BpType,
    BreakpointRequest, CtrlReg, PRIV_KERNEL, PRIV_USER, TASK_SIZE,
};

/// A registered breakpoint or watchpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct BpHandle(pub usize);

/// What the kernel's debug exception handler did, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum HandlerAction {
    /// A breakpoint or watchpoint fired (`perf_bp_event`; the pr_debug
    /// "breakpoint fired: address = …" / "watchpoint fired: address = …").
    Fired {
        /// Which.
        handle: BpHandle,
        /// Its slot (BRP or WRP index).
        slot: u8,
        /// The trigger address the handler settled on.
        trigger: u32,
    },
    /// Step-over started: the mismatch breakpoint is installed.
    StepStarted {
        /// Which breakpoint or watchpoint is stepped over.
        handle: BpHandle,
        /// The BRP holding the mismatch breakpoint.
        brp: u8,
        /// Its DBGBVR (the stepped instruction's word).
        bvr: u32,
        /// Its DBGBCR.
        bcr: u32,
    },
    /// Step-over finished: the mismatch breakpoint is removed and the
    /// breakpoint or watchpoint re-installed.
    StepFinished {
        /// Which.
        handle: BpHandle,
        /// Its slot again.
        slot: u8,
    },
    /// A kernel WARNING.
    Warning(String),
    /// No installed breakpoint or watchpoint claimed the exception.
    Unclaimed,
    /// MOE names no breakpoint or watchpoint entry: left to the generic
    /// fault path.
    NotDebugEntry,
    /// MOE 3 (BKPT instruction) claimed as `ARM_ENTRY_CFI_BREAKPOINT` by
    /// the current driver's `hw_breakpoint_pending()`:
    /// `hw_breakpoint_cfi_handler()`, empty without `CONFIG_CFI_CLANG`, no
    /// event (docs/fidelity-decisions.md#d6-moe-3). The v4.10 driver
    /// leaves MOE 3 to the generic fault path ([`HandlerAction::NotDebugEntry`]).
    CfiBreakpoint,
}

/// One debug exception on a vCPU and how the kernel handled it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DebugException {
    /// The CPU.
    pub cpu: usize,
    /// `"breakpoint"` or `"watchpoint"`.
    pub kind: &'static str,
    /// The instruction's address (the breakpointed instruction, or the one
    /// that made the watched access).
    pub pc: u32,
    /// DBGDSCR.MOE as the handler read it from DBGDSCRint.
    pub moe: u8,
    /// Taken before the instruction completed.
    pub synchronous: bool,
    /// DBGWFAR as the debug hardware set it (v6–v7.0 watchpoints). The
    /// kernel never reads it (`hw_breakpoint_pending()` reads only
    /// DBGDSCRint; below v7.1 the trigger is the watchpoint's own address),
    /// so this is the event's value, not a guest access.
    pub wfar: Option<u32>,
    /// DFAR the VMM injects with the Data Abort (v7.1+ watchpoints).
    pub dfar: Option<u32>,
    /// The units that matched (bit n = BRP/WRP n).
    pub units: u16,
    /// What the handler did.
    pub actions: Vec<HandlerAction>,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Installed {
    pub(super) cpu: usize,
    pub(super) bp: ArchBreakpoint,
}

#[derive(Debug, Clone, Copy, Default)]
pub(super) struct CpuSlots {
    pub(super) bp_on_reg: [Option<BpHandle>; 16],
    pub(super) wp_on_reg: [Option<BpHandle>; 16],
}

/// The per-CPU breakpoint and watchpoint slots of the driver, with the
/// install path and the debug exception handlers (module documentation).
pub struct HwBreakpoints {
    pub(super) machine: Arc<Machine>,
    pub(super) core: Arc<DriverCore>,
    pub(super) max_watchpoint_len: u8,
    pub(super) events: Vec<Option<Installed>>,
    pub(super) cpus: Vec<CpuSlots>,
}

impl std::fmt::Debug for HwBreakpoints {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HwBreakpoints")
            .field("core_num_brps", &self.core.core_num_brps())
            .field("core_num_wrps", &self.core.core_num_wrps())
            .field("max_watchpoint_len", &self.max_watchpoint_len)
            .field("installed", &self.events.iter().flatten().count())
            .finish()
    }
}

pub(super) const BVR: u8 = 4;
pub(super) const BCR: u8 = 5;
pub(super) const WVR: u8 = 6;
pub(super) const WCR: u8 = 7;

#[cfg(test)]
mod tests;
