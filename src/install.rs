//! The ARM Linux `hw_breakpoint` driver's install path and debug exception
//! handlers, on an emulated [`Machine`] after [`HwBreakpoint::init`]
//! (kernel-behaviour.md §3.9, and the arch code's behaviour described
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

use dbgregs::matching::{moe, DataAccess, DebugEvent, EventKind, InstructionFetch};
use serde::Serialize;

use crate::debug_arch as arch;
use crate::driver::{DriverCore, HwBreakpoint, DSCR_MDBGEN};
use crate::machine::{Machine, MachineError, VcpuCtx};
use crate::oops::KernelOops;

/// `TASK_SIZE` of a 3G/1G ARM kernel (`PAGE_OFFSET` 0xC000_0000 less
/// 16 MiB for modules): addresses at or above it are kernel space.
/// **Decision**: the spec gives no value; this is the default split.
pub const TASK_SIZE: u32 = 0xBF00_0000;

/// The kernel's `ARM_BREAKPOINT_PRIV` (PL1).
pub const PRIV_KERNEL: u8 = 1;
/// The kernel's `ARM_BREAKPOINT_USER` (PL0).
pub const PRIV_USER: u8 = 2;

/// The type of a breakpoint or watchpoint (the control register's
/// `type` field, bits \[4:3\]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum BpType {
    /// An instruction breakpoint (0).
    Execute,
    /// A load watchpoint (1).
    Load,
    /// A store watchpoint (2).
    Store,
    /// A load/store watchpoint (3).
    LoadStore,
}

impl BpType {
    /// The control register encoding.
    pub const fn code(self) -> u8 {
        match self {
            BpType::Execute => 0,
            BpType::Load => 1,
            BpType::Store => 2,
            BpType::LoadStore => 3,
        }
    }

    /// A watchpoint type (not execute).
    pub const fn is_watchpoint(self) -> bool {
        !matches!(self, BpType::Execute)
    }

    /// `"breakpoint"` or `"watchpoint"`.
    pub const fn unit(self) -> &'static str {
        if self.is_watchpoint() {
            "watchpoint"
        } else {
            "breakpoint"
        }
    }
}

/// The kernel's `arch_hw_breakpoint_ctrl`: the fields of a DBGBCR/DBGWCR
/// value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub struct CtrlReg {
    /// Bit 22: mismatch (BT = 0b0100).
    pub mismatch: bool,
    /// Bits \[12:5\]: byte address select.
    pub len: u8,
    /// Bits \[4:3\]: [`BpType::code`].
    pub bp_type: u8,
    /// Bits \[2:1\]: [`PRIV_KERNEL`], [`PRIV_USER`] or both.
    pub privilege: u8,
    /// Bit 0: enable.
    pub enabled: bool,
}

/// `encode_ctrl_reg`: `mismatch << 22 | len << 5 | type << 3 | privilege << 1
/// | enabled`.
pub const fn encode_ctrl_reg(c: CtrlReg) -> u32 {
    ((c.mismatch as u32) << 22)
        | ((c.len as u32) << 5)
        | (((c.bp_type & 3) as u32) << 3)
        | (((c.privilege & 3) as u32) << 1)
        | c.enabled as u32
}

/// `decode_ctrl_reg`: the inverse of [`encode_ctrl_reg`] on its fields.
pub const fn decode_ctrl_reg(v: u32) -> CtrlReg {
    CtrlReg {
        mismatch: v & (1 << 22) != 0,
        len: (v >> 5) as u8,
        bp_type: ((v >> 3) & 3) as u8,
        privilege: ((v >> 1) & 3) as u8,
        enabled: v & 1 != 0,
    }
}

/// A breakpoint or watchpoint as perf asks for it (`perf_event_attr`'s
/// `bp_addr`, `bp_len`, `bp_type`, and whether the default overflow
/// handler — which steps over the hit — is used).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct BreakpointRequest {
    /// The address.
    pub address: u32,
    /// The length in bytes (1, 2, 4 or 8).
    pub len: u8,
    /// The type.
    pub bp_type: BpType,
    /// Default overflow handler (ptrace): step over the hit with a
    /// mismatch breakpoint and re-arm.
    pub step_over: bool,
}

impl BreakpointRequest {
    /// An execute breakpoint of `len` bytes (2 for T32, 4 for A32) at
    /// `address`, without step-over.
    pub const fn execute(address: u32, len: u8) -> BreakpointRequest {
        BreakpointRequest {
            address,
            len,
            bp_type: BpType::Execute,
            step_over: false,
        }
    }

    /// A watchpoint of `len` bytes at `address`, without step-over.
    pub const fn watch(address: u32, len: u8, bp_type: BpType) -> BreakpointRequest {
        BreakpointRequest {
            address,
            len,
            bp_type,
            step_over: false,
        }
    }

    /// The same request with the default overflow handler (step-over).
    pub const fn stepping_over(self) -> BreakpointRequest {
        BreakpointRequest {
            step_over: true,
            ..self
        }
    }
}

/// The kernel's `arch_hw_breakpoint`: a validated request, as installed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct ArchBreakpoint {
    /// What was asked for.
    pub request: BreakpointRequest,
    /// The value register: the address aligned down to the word (the
    /// doubleword for 8 bytes).
    pub address: u32,
    /// The control register fields.
    pub ctrl: CtrlReg,
    /// The single-step (mismatch) control, enabled while stepping over a
    /// hit.
    pub step_ctrl: CtrlReg,
    /// The address that triggered the last hit (the PC being stepped
    /// over while stepping).
    pub trigger: u32,
}

impl ArchBreakpoint {
    /// Stepping over a hit (the mismatch breakpoint is installed).
    pub const fn stepping(&self) -> bool {
        self.step_ctrl.enabled
    }
}

/// `arch_check_bp_in_kernelspace`: the whole range lies at or above
/// [`TASK_SIZE`].
pub const fn in_kernel_space(address: u32, len: u8) -> bool {
    let last = address.wrapping_add((len as u32).saturating_sub(1));
    address >= TASK_SIZE && last >= TASK_SIZE
}

/// Validates `req` for a core of debug architecture `debug_arch` whose
/// init found `max_watchpoint_len` (0 if init never probed it), and builds
/// the control register (see the module documentation for the rules).
///
/// # Errors
/// [`InstallError::BpBadLength`], [`InstallError::BpMisaligned`],
/// [`InstallError::BpStepUnsupported`].
pub fn parse(
    req: &BreakpointRequest,
    debug_arch: u8,
    max_watchpoint_len: u8,
) -> Result<ArchBreakpoint, InstallError> {
    let kind = req.bp_type.unit();
    let bad_len = |reason| InstallError::BpBadLength {
        kind,
        len: req.len,
        reason,
    };
    let mask: u8 = match req.len {
        1 => 0x1,
        2 => 0x3,
        4 => 0xF,
        8 if !req.bp_type.is_watchpoint() => {
            return Err(bad_len("an execute breakpoint is 2 or 4 bytes"))
        }
        8 if max_watchpoint_len < 8 => {
            return Err(bad_len(
                "this core's DBGWCR.BAS is 4 bits wide: watchpoints are at most 4 bytes",
            ))
        }
        8 => 0xFF,
        _ => return Err(bad_len("lengths are 1, 2, 4 or 8 bytes")),
    };
    if !req.bp_type.is_watchpoint() && !matches!(req.len, 2 | 4) {
        return Err(bad_len("an execute breakpoint is 2 or 4 bytes"));
    }
    let mut privilege = PRIV_USER;
    if in_kernel_space(req.address, req.len) {
        privilege |= PRIV_KERNEL;
    }
    let align_mask: u32 = if req.len == 8 { 7 } else { 3 };
    let offset = req.address & align_mask;
    let misaligned = |reason| InstallError::BpMisaligned {
        kind,
        address: req.address,
        len: req.len,
        reason,
    };
    let fits = match offset {
        0 => true,
        1 | 2 => req.len <= 2,
        3 => req.len == 1,
        _ => false,
    };
    if !fits {
        return Err(misaligned(
            "the bytes would cross the aligned word (doubleword for 8 bytes)",
        ));
    }
    if !req.bp_type.is_watchpoint() && offset & 1 != 0 {
        return Err(misaligned(
            "instructions are halfword-aligned (BAS 0b0110 is reserved for breakpoints)",
        ));
    }
    if req.step_over {
        let refuse = |reason| InstallError::BpStepUnsupported {
            kind,
            address: req.address,
            reason,
        };
        if debug_arch < arch::V7_ECP14 {
            return Err(refuse(
                "stepping needs mismatch breakpoints (debug v7 and later)",
            ));
        }
        if privilege & PRIV_KERNEL != 0 {
            return Err(refuse(
                "mismatch breakpoints are not allowed in kernel space",
            ));
        }
        if debug_arch < arch::V8 && matches!(req.bp_type, BpType::Load | BpType::Store) {
            return Err(refuse(
                "before v8 DFSR.WnR is not reported, so only load/store watchpoints can be stepped",
            ));
        }
    }
    Ok(ArchBreakpoint {
        request: *req,
        address: req.address & !align_mask,
        ctrl: CtrlReg {
            mismatch: false,
            len: mask << offset,
            bp_type: req.bp_type.code(),
            privilege,
            enabled: true,
        },
        step_ctrl: CtrlReg::default(),
        trigger: 0,
    })
}

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
    /// DBGWFAR after the event (v6–v7.0 watchpoints): read through CP14
    /// where the core has it there, else as the event set it.
    pub wfar: Option<u32>,
    /// DFAR the VMM injects with the Data Abort (v7.1+ watchpoints).
    pub dfar: Option<u32>,
    /// The units that matched (bit n = BRP/WRP n).
    pub units: u16,
    /// What the handler did.
    pub actions: Vec<HandlerAction>,
}

#[derive(Debug, Clone, Copy)]
struct Installed {
    cpu: usize,
    bp: ArchBreakpoint,
}

#[derive(Debug, Clone, Copy, Default)]
struct CpuSlots {
    bp_on_reg: [Option<BpHandle>; 16],
    wp_on_reg: [Option<BpHandle>; 16],
}

/// The per-CPU breakpoint and watchpoint slots of the driver, with the
/// install path and the debug exception handlers (module documentation).
pub struct HwBreakpoints {
    machine: Arc<Machine>,
    core: Arc<DriverCore>,
    max_watchpoint_len: u8,
    events: Vec<Option<Installed>>,
    cpus: Vec<CpuSlots>,
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

const BVR: u8 = 4;
const BCR: u8 = 5;
const WVR: u8 = 6;
const WCR: u8 = 7;

impl HwBreakpoints {
    /// The install path of `driver`, initialised on `machine`: the slot
    /// counts are the driver's (`core_num_brps`, `core_num_wrps`, read at
    /// each install), the maximum watchpoint length its probe's (0 if init
    /// stopped before the probe).
    pub fn new(machine: &Arc<Machine>, driver: &HwBreakpoint) -> HwBreakpoints {
        HwBreakpoints {
            machine: Arc::clone(machine),
            core: Arc::clone(driver.core()),
            max_watchpoint_len: driver.result().max_watchpoint_len.unwrap_or(0),
            events: Vec::new(),
            cpus: vec![CpuSlots::default(); machine.cpus()],
        }
    }

    /// The driver's `core_num_brps` (the reserved step BRP has this index).
    pub fn core_num_brps(&self) -> u8 {
        self.core.core_num_brps()
    }

    /// The driver's `core_num_wrps`.
    pub fn core_num_wrps(&self) -> u8 {
        self.core.core_num_wrps()
    }

    /// The installed breakpoint or watchpoint `handle`.
    pub fn get(&self, handle: BpHandle) -> Option<&ArchBreakpoint> {
        self.events
            .get(handle.0)
            .and_then(Option::as_ref)
            .map(|i| &i.bp)
    }

    /// The slot `handle` occupies on its CPU (BRP or WRP index).
    pub fn slot(&self, handle: BpHandle) -> Option<u8> {
        let inst = self.events.get(handle.0).copied().flatten()?;
        let slots = &self.cpus[inst.cpu];
        let arr = if inst.bp.request.bp_type.is_watchpoint() {
            &slots.wp_on_reg
        } else {
            &slots.bp_on_reg
        };
        arr.iter().position(|s| *s == Some(handle)).map(|i| i as u8)
    }

    /// Validates `req` ([`parse`]), checks that `cpu` is in monitor mode
    /// and installs it there (the kernel's `register_user_hw_breakpoint`
    /// for a task on `cpu`, then `arch_install_hw_breakpoint`). On error
    /// nothing is installed.
    ///
    /// # Errors
    /// The [`parse`] errors, [`MachineError::NoSuchCpu`] (as [`InstallError::Machine`]),
    /// [`InstallError::BpNoMonitorMode`], [`InstallError::BpNoSlot`],
    /// [`InstallError::BpOops`].
    pub fn register(
        &mut self,
        cpu: usize,
        req: &BreakpointRequest,
    ) -> Result<BpHandle, InstallError> {
        let bp = parse(req, self.core.debug_arch(), self.max_watchpoint_len)?;
        let dscr = self.mrc(cpu, 0, 1, 0)?;
        if dscr & DSCR_MDBGEN == 0 {
            return Err(InstallError::BpNoMonitorMode { cpu });
        }
        let handle = BpHandle(self.events.len());
        self.events.push(Some(Installed { cpu, bp }));
        if let Err(e) = self.install(handle) {
            self.events.pop();
            return Err(e);
        }
        Ok(handle)
    }

    /// Uninstalls `handle` (control register 0, slot freed; while stepping,
    /// the mismatch breakpoint is the one removed) and forgets it.
    ///
    /// # Errors
    /// [`InstallError::BpUnknownHandle`], [`InstallError::BpOops`].
    pub fn unregister(&mut self, handle: BpHandle) -> Result<(), InstallError> {
        if self.get(handle).is_none() {
            return Err(InstallError::BpUnknownHandle { handle: handle.0 });
        }
        self.uninstall(handle)?;
        self.events[handle.0] = None;
        Ok(())
    }

    fn installed(&self, handle: BpHandle) -> Result<Installed, InstallError> {
        self.events
            .get(handle.0)
            .copied()
            .flatten()
            .ok_or(InstallError::BpUnknownHandle { handle: handle.0 })
    }

    /// `arch_install_hw_breakpoint`.
    fn install(&mut self, handle: BpHandle) -> Result<(), InstallError> {
        let Installed { cpu, bp } = self.installed(handle)?;
        let watch = bp.request.bp_type.is_watchpoint();
        let (count, kind) = if watch {
            (self.core.core_num_wrps(), "watchpoint")
        } else {
            (self.core.core_num_brps(), "breakpoint")
        };
        let slots =
            self.cpus
                .get_mut(cpu)
                .ok_or(InstallError::Machine(MachineError::NoSuchCpu {
                    cpu,
                    count: self.machine.cpus(),
                }))?;
        let arr = if watch {
            &mut slots.wp_on_reg
        } else {
            &mut slots.bp_on_reg
        };
        let Some(i) = arr[..usize::from(count).min(16)]
            .iter()
            .position(Option::is_none)
        else {
            return Err(InstallError::BpNoSlot { cpu, kind, count });
        };
        arr[i] = Some(handle);
        let (mut index, mut val_op, mut ctrl_op) = (i as u8, BVR, BCR);
        if watch {
            (val_op, ctrl_op) = (WVR, WCR);
        }
        let (mut addr, mut ctrl) = (bp.address, encode_ctrl_reg(bp.ctrl));
        if bp.stepping() {
            addr = bp.trigger & !3;
            ctrl = encode_ctrl_reg(bp.step_ctrl);
            if watch {
                (index, val_op, ctrl_op) = (self.core.core_num_brps(), BVR, BCR);
            }
        }
        let written = self
            .mcr(cpu, index, val_op, addr)
            .and_then(|()| self.mcr(cpu, index, ctrl_op, ctrl | 1));
        if written.is_err() {
            // Leave the slot table as the hardware is: not installed.
            self.free_slot(cpu, handle);
        }
        written
    }

    fn free_slot(&mut self, cpu: usize, handle: BpHandle) -> Option<usize> {
        let slots = self.cpus.get_mut(cpu)?;
        for arr in [&mut slots.bp_on_reg, &mut slots.wp_on_reg] {
            if let Some(i) = arr.iter().position(|s| *s == Some(handle)) {
                arr[i] = None;
                return Some(i);
            }
        }
        None
    }

    /// `arch_uninstall_hw_breakpoint`.
    fn uninstall(&mut self, handle: BpHandle) -> Result<(), InstallError> {
        let Installed { cpu, bp } = self.installed(handle)?;
        let watch = bp.request.bp_type.is_watchpoint();
        let Some(i) = self.free_slot(cpu, handle) else {
            let count = if watch {
                self.core.core_num_wrps()
            } else {
                self.core.core_num_brps()
            };
            return Err(InstallError::BpNoSlot {
                cpu,
                kind: bp.request.bp_type.unit(),
                count,
            });
        };
        let (index, op) = match (watch, bp.stepping()) {
            (true, true) => (self.core.core_num_brps(), BCR),
            (true, false) => (i as u8, WCR),
            (false, _) => (i as u8, BCR),
        };
        self.mcr(cpu, index, op, 0)
    }

    fn with_bp(&mut self, handle: BpHandle, f: impl FnOnce(&mut ArchBreakpoint)) {
        if let Some(Some(inst)) = self.events.get_mut(handle.0) {
            f(&mut inst.bp);
        }
    }

    /// `enable_single_step`: uninstall, switch to the mismatch control on
    /// `addr`, install.
    fn enable_single_step(
        &mut self,
        handle: BpHandle,
        addr: u32,
    ) -> Result<HandlerAction, InstallError> {
        self.uninstall(handle)?;
        self.with_bp(handle, |bp| {
            bp.step_ctrl = CtrlReg {
                mismatch: true,
                len: 0xF,
                bp_type: BpType::Execute.code(),
                privilege: bp.ctrl.privilege,
                enabled: true,
            };
            bp.trigger = addr;
        });
        self.install(handle)?;
        let bp = self.installed(handle)?.bp;
        let brp = if bp.request.bp_type.is_watchpoint() {
            self.core.core_num_brps()
        } else {
            self.slot(handle).unwrap_or(0)
        };
        Ok(HandlerAction::StepStarted {
            handle,
            brp,
            bvr: addr & !3,
            bcr: encode_ctrl_reg(bp.step_ctrl) | 1,
        })
    }

    /// `disable_single_step`: uninstall (removing the mismatch breakpoint),
    /// switch back, install.
    fn disable_single_step(&mut self, handle: BpHandle) -> Result<HandlerAction, InstallError> {
        self.uninstall(handle)?;
        self.with_bp(handle, |bp| bp.step_ctrl.enabled = false);
        self.install(handle)?;
        Ok(HandlerAction::StepFinished {
            handle,
            slot: self.slot(handle).unwrap_or(0),
        })
    }

    fn mcr(&self, cpu: usize, crm: u8, opc2: u8, value: u32) -> Result<(), InstallError> {
        self.on_cpu(cpu, |ctx| ctx.mcr(0, 0, crm, opc2, value))
    }

    fn mrc(&self, cpu: usize, crn: u8, crm: u8, opc2: u8) -> Result<u32, InstallError> {
        self.on_cpu(cpu, |ctx| ctx.mrc(0, crn, crm, opc2))
    }

    fn on_cpu<R>(
        &self,
        cpu: usize,
        f: impl FnOnce(&mut VcpuCtx<'_>) -> Result<R, KernelOops>,
    ) -> Result<R, InstallError> {
        self.machine.with_vcpu(cpu, f)?.map_err(|oops| {
            self.machine.record_oops(oops.clone());
            InstallError::BpOops(oops)
        })
    }

    /// The vCPU `cpu` commits the instruction `fetch` for execution: the
    /// debug hardware checks its breakpoints; on a hit the kernel's debug
    /// exception handler runs. `None`: no breakpoint fired.
    ///
    /// # Errors
    /// [`MachineError::NoSuchCpu`] (as [`InstallError::Machine`]), [`InstallError::BpOops`] (and the
    /// install errors of a step-over re-install).
    pub fn fetch(
        &mut self,
        cpu: usize,
        fetch: &InstructionFetch,
    ) -> Result<Option<DebugException>, InstallError> {
        let event = self.machine.with_vcpu_mut(cpu, |v| {
            let (model, debug) = v.debug_mut();
            debug.on_instruction(model, fetch)
        })?;
        match event {
            None => Ok(None),
            Some(e) => self.handle(cpu, &e, fetch.address, None).map(Some),
        }
    }

    /// The vCPU `cpu` makes the data access `access`: the debug hardware
    /// checks its watchpoints; on a hit the kernel's debug exception
    /// handler runs. `None`: no watchpoint fired.
    ///
    /// # Errors
    /// As [`HwBreakpoints::fetch`].
    pub fn data_access(
        &mut self,
        cpu: usize,
        access: &DataAccess,
    ) -> Result<Option<DebugException>, InstallError> {
        let event = self.machine.with_vcpu_mut(cpu, |v| {
            let (model, debug) = v.debug_mut();
            debug.on_data_access(model, access)
        })?;
        match event {
            None => Ok(None),
            Some(e) => self
                .handle(cpu, &e, access.instruction_address, Some(access))
                .map(Some),
        }
    }

    /// The kernel's debug exception entry: DBGDSCRint, dispatch on MOE.
    fn handle(
        &mut self,
        cpu: usize,
        event: &DebugEvent,
        pc: u32,
        access: Option<&DataAccess>,
    ) -> Result<DebugException, InstallError> {
        let dscr = self.mrc(cpu, 0, 1, 0)?;
        let moe_read = ((dscr >> 2) & 0xF) as u8;
        let arch_code = self.core.debug_arch();
        let wfar = match event.wfar {
            Some(_) if matches!(arch_code, arch::V6_1 | arch::V7_ECP14) => {
                Some(self.mrc(cpu, 0, 6, 0)?)
            }
            w => w,
        };
        let mut actions = Vec::new();
        match moe_read {
            moe::BREAKPOINT => self.breakpoint_handler(cpu, pc, &mut actions)?,
            moe::ASYNC_WATCHPOINT | moe::SYNC_WATCHPOINT => {
                if moe_read == moe::ASYNC_WATCHPOINT {
                    actions.push(HandlerAction::Warning(
                        "Asynchronous watchpoint exception taken. Debugging results may be unreliable"
                            .to_string(),
                    ));
                }
                if let Some(access) = access {
                    self.watchpoint_handler(cpu, event, access, &mut actions)?;
                }
            }
            _ => actions.push(HandlerAction::NotDebugEntry),
        }
        if !actions.iter().any(|a| {
            matches!(
                a,
                HandlerAction::Fired { .. }
                    | HandlerAction::StepFinished { .. }
                    | HandlerAction::NotDebugEntry
            )
        }) {
            actions.push(HandlerAction::Unclaimed);
        }
        Ok(DebugException {
            cpu,
            kind: match event.kind {
                EventKind::Breakpoint => "breakpoint",
                EventKind::Watchpoint => "watchpoint",
            },
            pc,
            moe: moe_read,
            synchronous: event.synchronous,
            wfar,
            dfar: event.dfar,
            units: event.units,
            actions,
        })
    }

    fn handles_on(&self, cpu: usize, watch: bool) -> Vec<(u8, BpHandle)> {
        let Some(slots) = self.cpus.get(cpu) else {
            return Vec::new();
        };
        let (arr, count) = if watch {
            (&slots.wp_on_reg, self.core.core_num_wrps())
        } else {
            (&slots.bp_on_reg, self.core.core_num_brps())
        };
        arr[..usize::from(count).min(16)]
            .iter()
            .enumerate()
            .filter_map(|(i, h)| h.map(|h| (i as u8, h)))
            .collect()
    }

    /// `breakpoint_handler` and `watchpoint_single_step_handler`.
    fn breakpoint_handler(
        &mut self,
        cpu: usize,
        addr: u32,
        actions: &mut Vec<HandlerAction>,
    ) -> Result<(), InstallError> {
        for (i, handle) in self.handles_on(cpu, false) {
            let bp = self.installed(handle)?.bp;
            let val = self.mrc(cpu, 0, i, BVR)?;
            if val == addr & !3 {
                let ctrl = decode_ctrl_reg(self.mrc(cpu, 0, i, BCR)?);
                if (1u32 << (addr & 3)) & u32::from(ctrl.len) != 0 {
                    self.with_bp(handle, |bp| bp.trigger = addr);
                    tracing::debug!(target: "hw-breakpoint", "breakpoint fired: address = {addr:#x}");
                    actions.push(HandlerAction::Fired {
                        handle,
                        slot: i,
                        trigger: addr,
                    });
                    if bp.request.step_over {
                        actions.push(self.enable_single_step(handle, addr)?);
                    }
                    continue;
                }
            }
            if bp.stepping() {
                actions.push(self.disable_single_step(handle)?);
            }
        }
        for (_, handle) in self.handles_on(cpu, true) {
            let bp = self.installed(handle)?.bp;
            if bp.stepping() && bp.trigger != addr {
                actions.push(self.disable_single_step(handle)?);
            }
        }
        Ok(())
    }

    /// `watchpoint_handler`.
    fn watchpoint_handler(
        &mut self,
        cpu: usize,
        event: &DebugEvent,
        access: &DataAccess,
        actions: &mut Vec<HandlerAction>,
    ) -> Result<(), InstallError> {
        let arch_code = self.core.debug_arch();
        let mut hits: Vec<(u8, BpHandle, u32)> = Vec::new();
        if arch_code < arch::V7_1 {
            // One WRP: the hit is unambiguous, the trigger is the
            // watchpoint's own requested address (DFAR is UNKNOWN).
            if let Some(&(i, handle)) = self.handles_on(cpu, true).first() {
                let bp = self.installed(handle)?.bp;
                hits.push((i, handle, bp.request.address));
            }
        } else if let Some(addr) = event.dfar {
            let mut closest: Option<(u32, u8, BpHandle)> = None;
            for (i, handle) in self.handles_on(cpu, true) {
                let val = self.mrc(cpu, 0, i, WVR)?;
                let ctrl = decode_ctrl_reg(self.mrc(cpu, 0, i, WCR)?);
                if arch_code >= arch::V8 {
                    // DFSR.WnR is trusted from v8.
                    let wnr = event.wnr;
                    if (ctrl.bp_type == BpType::Load.code() && wnr)
                        || (ctrl.bp_type == BpType::Store.code() && !wnr)
                    {
                        continue;
                    }
                }
                let dist = distance(addr, val, ctrl.len);
                if closest.is_none_or(|(d, _, _)| dist < d) {
                    closest = Some((dist, i, handle));
                }
            }
            if let Some((_, i, handle)) = closest {
                hits.push((i, handle, addr));
            }
        }
        for (slot, handle, trigger) in hits {
            self.with_bp(handle, |bp| bp.trigger = trigger);
            tracing::debug!(target: "hw-breakpoint", "watchpoint fired: address = {trigger:#x}");
            actions.push(HandlerAction::Fired {
                handle,
                slot,
                trigger,
            });
            if self.installed(handle)?.bp.request.step_over {
                actions.push(self.enable_single_step(handle, access.instruction_address)?);
            }
        }
        Ok(())
    }
}

/// Distance from `addr` to the bytes a watchpoint with value `val` and BAS
/// `len` watches (0 inside).
fn distance(addr: u32, val: u32, len: u8) -> u32 {
    if len == 0 {
        return u32::MAX;
    }
    let low = val.wrapping_add(len.trailing_zeros());
    let high = val.wrapping_add(7 - len.leading_zeros());
    if addr < low {
        low - addr
    } else {
        addr.saturating_sub(high)
    }
}

/// An error registering, unregistering or handling a breakpoint or
/// watchpoint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InstallError {
    /// A breakpoint or watchpoint length the core or the kernel's control
    /// register encoding cannot express (the kernel's `-EINVAL`).
    #[error("{kind} length {len} is not supported: {reason}")]
    BpBadLength {
        /// `"breakpoint"` or `"watchpoint"`.
        kind: &'static str,
        /// The length asked for, in bytes.
        len: u8,
        /// Why not.
        reason: &'static str,
    },
    /// A breakpoint or watchpoint address whose offset within the aligned
    /// word (doubleword for 8 bytes) the length cannot start at (`-EINVAL`).
    #[error("{kind} at {address:#010x} with length {len} is misaligned: {reason}")]
    BpMisaligned {
        /// `"breakpoint"` or `"watchpoint"`.
        kind: &'static str,
        /// The address asked for.
        address: u32,
        /// The length asked for.
        len: u8,
        /// Why not.
        reason: &'static str,
    },
    /// A step-over (default overflow handler) breakpoint or watchpoint the
    /// kernel's stepping mechanism cannot serve (`-EINVAL` / `-EPERM`).
    #[error("cannot step over a {kind} at {address:#010x}: {reason}")]
    BpStepUnsupported {
        /// `"breakpoint"` or `"watchpoint"`.
        kind: &'static str,
        /// The address asked for.
        address: u32,
        /// Why not.
        reason: &'static str,
    },
    /// Every slot of the kind is in use on that CPU, or the driver has none
    /// (after a failed init): "Can't find any breakpoint slot" (`-EBUSY`).
    #[error("Can't find any breakpoint slot: CPU {cpu} has {count} {kind} slot(s), none free")]
    BpNoSlot {
        /// The CPU.
        cpu: usize,
        /// `"breakpoint"` or `"watchpoint"`.
        kind: &'static str,
        /// The driver's slot count (`core_num_brps` / `core_num_wrps`).
        count: u8,
    },
    /// The CPU is not in monitor debug mode (`-ENODEV`).
    #[error("CPU {cpu} is not in monitor debug mode (DBGDSCR.MDBGen is clear)")]
    BpNoMonitorMode {
        /// The CPU.
        cpu: usize,
    },
    /// A breakpoint handle that names nothing installed.
    #[error("no breakpoint or watchpoint is installed with handle {handle}")]
    BpUnknownHandle {
        /// The handle given.
        handle: usize,
    },
    /// Programming the debug registers took an undefined-instruction oops.
    #[error("debug register access oopsed: {0}")]
    BpOops(#[source] crate::oops::KernelOops),
    /// A replay trace line that is not `<8-hex word> [0xVALUE]`.
    #[error("line {line}: `{text}`: {why}")]
    TraceLine {
        /// 1-based line number.
        line: usize,
        /// The line as given.
        text: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// A CPU the machine does not have.
    #[error(transparent)]
    Machine(#[from] crate::machine::MachineError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ctrl_encoding_examples() {
        let user_exec = parse(&BreakpointRequest::execute(0x1_0000, 4), 5, 8);
        let k_store = parse(
            &BreakpointRequest::watch(0xC000_1000, 4, BpType::Store),
            5,
            8,
        );
        let k_rw8 = parse(
            &BreakpointRequest::watch(0xC000_1000, 8, BpType::LoadStore),
            5,
            8,
        );
        let enc = |r: Result<ArchBreakpoint, InstallError>| r.map(|b| encode_ctrl_reg(b.ctrl));
        assert_eq!(enc(user_exec), Ok(0x1E5));
        assert_eq!(enc(k_store), Ok(0x1F7));
        assert_eq!(enc(k_rw8), Ok(0x1FFF));
        let step = CtrlReg {
            mismatch: true,
            len: 0xF,
            bp_type: 0,
            privilege: PRIV_USER,
            enabled: true,
        };
        assert_eq!(encode_ctrl_reg(step), 0x4001E5);
        assert_eq!(decode_ctrl_reg(0x4001E5), step);
    }

    #[test]
    fn len_masks_shift_by_offset() {
        let w = |addr, len| {
            parse(&BreakpointRequest::watch(addr, len, BpType::Load), 5, 8)
                .map(|b| (b.address, b.ctrl.len))
        };
        assert_eq!(w(0x1003, 1), Ok((0x1000, 0x8)));
        assert_eq!(w(0x1002, 2), Ok((0x1000, 0xC)));
        assert_eq!(w(0x1001, 2), Ok((0x1000, 0x6)));
        assert_eq!(w(0x1008, 8), Ok((0x1008, 0xFF)));
        assert!(w(0x1003, 2).is_err());
        assert!(w(0x1002, 4).is_err());
        assert!(w(0x1004, 8).is_err());
        assert!(w(0x1000, 3).is_err());
    }

    #[test]
    fn kernel_space_and_distance() {
        assert!(in_kernel_space(0xC000_0000, 4));
        assert!(!in_kernel_space(0xBEFF_FFFE, 4));
        assert!(!in_kernel_space(0x1000, 4));
        assert_eq!(distance(0x1002, 0x1000, 0x0C), 0);
        assert_eq!(distance(0x1000, 0x1000, 0x0C), 2);
        assert_eq!(distance(0x1008, 0x1000, 0x0C), 5);
        assert_eq!(distance(0x1008, 0x1000, 0), u32::MAX);
    }
}
