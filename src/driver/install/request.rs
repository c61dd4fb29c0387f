//! What a breakpoint or watchpoint request is and how the kernel validates
//! it: the control register encoding (`encode_ctrl_reg()` /
//! `decode_ctrl_reg()`) and `hw_breakpoint_arch_parse()` with
//! `arch_build_bp_info()` of `arch/arm/kernel/hw_breakpoint.c`.

use dbgregs::registers::{Dbgbcr, Dbgwcr};
use serde::Serialize;

use super::InstallError;
use crate::debug_arch as arch;

/// `TASK_SIZE` of a 3G/1G ARM kernel (`PAGE_OFFSET` 0xC000_0000 less
/// 16 MiB for modules): addresses at or above it are kernel space.
/// **Decision**: the value depends on `CONFIG_VMSPLIT_*` (`arch/arm/Kconfig`); this is the default 3G/1G split.
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

/// DBGBCR.BT of an unlinked instruction address mismatch breakpoint
/// (`0b0100`, DDI 0406C.d "DBGBCR, Breakpoint Control
/// Registers"): the kernel's `ARM_BREAKPOINT_MISMATCH` sets just this bit.
const BT_MISMATCH: u8 = 0b0100;

/// The kernel's `encode_ctrl_reg()` (`arch/arm/include/asm/hw_breakpoint.h`):
/// one value for both DBGBCR and DBGWCR, so the fields come from both
/// layouts: E, PAC/PMC, LSC and BAS as in [`Dbgwcr`], mismatch as
/// [`Dbgbcr`]'s BT.
pub const fn encode_ctrl_reg(c: CtrlReg) -> u32 {
    let common = Dbgwcr::new()
        .with_e(c.enabled)
        .with_pac(c.privilege & 3)
        .with_lsc(c.bp_type & 3)
        .with_bas(c.len);
    let bt = if c.mismatch { BT_MISMATCH } else { 0 };
    common.into_bits() | Dbgbcr::new().with_bt(bt).into_bits()
}

/// The kernel's `decode_ctrl_reg()`: the inverse of [`encode_ctrl_reg`] on
/// its fields.
pub const fn decode_ctrl_reg(v: u32) -> CtrlReg {
    let common = Dbgwcr::from_bits(v);
    CtrlReg {
        mismatch: Dbgbcr::from_bits(v).bt() & BT_MISMATCH != 0,
        len: common.bas(),
        bp_type: common.lsc(),
        privilege: common.pac(),
        enabled: common.e(),
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
