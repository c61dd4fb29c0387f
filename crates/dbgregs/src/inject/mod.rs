//! Guest exception injection: the AArch32 exception a guest must take after
//! an [`StepOutcome::Undefined`] or a breakpoint/watchpoint
//! [`DebugEvent`], as plain data the VMM writes into the vCPU.
//!
//! The rules are the exception-entry pseudocode of DDI 0406C.d B1.9
//! ("Exception handling"): `TakeUndefInstrException()` (B1.9.8),
//! `TakePrefetchAbortException()` (B1.9.10), `TakeDataAbortException()`
//! (B1.9.11), `ExcVectorBase()` (B1.8.1) and `EnterHypMode()` (B1.9.4),
//! each decision made in [`entry`]'s functions in the manual's order. An
//! [`ExceptionEntry`] holds:
//!
//! * the target mode ([`Mode::Undefined`], [`Mode::Abort`] or
//!   [`Mode::Hyp`]) and the vector: `ExcVectorBase()` (0xFFFF0000 with
//!   SCTLR.V = 1, else VBAR with the Security Extensions, else 0) or HVBAR,
//!   plus the offset (Undefined 0x04, Prefetch Abort 0x0C, Data Abort
//!   0x10, Hyp Trap 0x14);
//! * the link value: `R14` of the target mode, the preferred return address
//!   plus the manual's offset per instruction set (Undefined +4 A32 / +2
//!   T32, Prefetch Abort +4, Data Abort +8), or for Hyp mode `ELR_hyp`
//!   (the preferred return address itself);
//! * the SPSR (the CPSR the exception was taken from) and the new CPSR: M,
//!   I set, A set for aborts unless the Security Extensions without the
//!   Virtualization Extensions leave it alone in Non-secure state with
//!   SCR.AW = 0 (before Armv8; on Armv8 an Abort always sets A, DDI 0487
//!   G1.12 `AArch32.EnterMode()`), F unchanged (SCR.FW and SCTLR.NMFI only
//!   concern FIQs), IT and J cleared, T from SCTLR.TE, E from SCTLR.EE
//!   (HSCTLR.TE/EE and the SCR.EA/FIQ/IRQ rules of `EnterHypMode()` for
//!   Hyp mode); bits \[23:20\] (reserved before Armv8; IL and PAN/DIT on
//!   Armv8) are cleared — FEAT_PAN's SCTLR.SPAN is not modelled;
//! * whether `SCR.NS` is cleared (an exception taken from Monitor mode is
//!   handled in Secure state).
//!
//! For debug events [`debug_exception`] adds the abort syndrome
//! ([`AbortSyndrome`]): IFSR (breakpoint) or DFSR (watchpoint) with the
//! debug-event fault status (short-descriptor `FS` = 0b00010, LPAE
//! long-descriptor `STATUS` = 0b100010, [`FsrFormat`]), DFSR.WnR/CM,
//! IFAR/DFAR, and the debug registers the event sets: DBGDSCR.MOE and, on
//! v6, v6.1 and v7.0 watchpoints, DBGWFAR (the watchpointed instruction's
//! address + 8 in A32, + 4 in T32; DDI 0406C.d C11.11.44 "DBGWFAR"); from
//! v7.1 DBGWFAR is not written and DFAR holds the watched address (DDI
//! 0406C.d chapter C5 "Debug Exceptions"; the Cortex-R4 TRM, DDI 0363G
//! 12.7.1 "Effect of debug exceptions on CP15 registers and DBGWFAR",
//! states the v7.0 behaviour and its Table 12-40 the LR offsets used here). [`crate::state::DebugState::on_instruction`] and
//! [`crate::state::DebugState::on_data_access`] already record MOE and
//! DBGWFAR in the vCPU's debug state; the syndrome repeats them so that a
//! VMM keeping its own copy needs nothing else.
//!
//! What is supported:
//! * A32 and T32 (and ThumbEE, which takes exceptions as T32) state;
//!   Jazelle state is an error ([`InjectError::JazelleState`]);
//! * targets Undefined, Abort and Hyp. Hyp is reached when the exception
//!   is taken from Hyp mode, for an Undefined Instruction from Non-secure
//!   User mode with HCR.TGE = 1, and for a debug exception from Non-secure
//!   PL0/PL1 with HDCR.TDE = 1 (or HCR.TGE = 1, which makes TDE behave as
//!   1): a guest's view only has these with nested virtualization, so a
//!   VMM injecting into its own guest leaves
//!   [`ExceptionContext::virtualization`] false. For a Hyp entry the HSR,
//!   HIFAR and HDFAR are not computed ([`DebugException::syndrome`] is
//!   `None`);
//! * Monitor mode: an exception taken from Monitor mode is taken to the
//!   Secure Undefined/Abort mode (`SCR.NS` = 0, the Secure SCTLR and VBAR
//!   apply). None of these exceptions uses the Monitor vectors (MVBAR):
//!   SCR.EA routes external aborts only, and a debug event is none.
//! * **Decision** for the UNPREDICTABLE case of HCR.TGE = 1 in a
//!   Non-secure PL1 mode: the exception is taken to PL1, as the
//!   pseudocode's conditions (User mode only) give.
//!
//! No function allocates or panics.
//!
//! # Example
//!
//! A guest in SVC mode, A32, at 0x8000 traps a CP14 access that turns out
//! UNDEFINED; the guest's SCTLR has V = 0, TE = 1:
//!
//! ```
//! use dbgregs::inject::{undefined_instruction, ExceptionContext, Faulting, Sctlr};
//! use dbgregs::matching::Mode;
//!
//! let ctx = ExceptionContext::guest(Sctlr::new().with_te(true), 0x8000_0000);
//! let e = undefined_instruction(&ctx, Faulting::new(0x8000, 0x6000_01d3))?;
//! assert_eq!(e.target, Mode::Undefined);
//! assert_eq!(e.vector, 0x8000_0004); // VBAR + 0x04
//! assert_eq!(e.link, 0x8004); // LR_und: the instruction + 4 (A32)
//! assert_eq!(e.spsr, 0x6000_01d3);
//! assert_eq!(e.cpsr, 0x6000_01fb); // M = Undefined, I set, T = SCTLR.TE
//! # Ok::<(), dbgregs::inject::InjectError>(())
//! ```

pub mod entry;
pub mod layout;
#[cfg(test)]
mod tests;

pub use entry::{
    data_abort_entry, debug_exception, prefetch_abort_entry, undefined_for_step,
    undefined_instruction,
};
pub use layout::{FsrLong, FsrShort, Hcr, Hdcr, Psr, Scr, Sctlr};

use crate::emulate::StepOutcome;
use crate::matching::{DebugEvent, Mode};
use crate::model::CoreModel;

/// The instruction set state the exception is taken from (CPSR.J and T;
/// DDI 0406C.d B1.3.3 "ISETSTATE").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InstructionSet {
    /// ARM state (J = 0, T = 0): the PC reads as the instruction + 8.
    A32,
    /// Thumb state (J = 0, T = 1): the PC reads as the instruction + 4.
    T32,
    /// ThumbEE state (J = 1, T = 1): exceptions are taken as from Thumb.
    ThumbEe,
}

impl InstructionSet {
    /// The state CPSR.J/T encode.
    ///
    /// # Errors
    /// [`InjectError::JazelleState`] for J = 1, T = 0.
    pub const fn from_cpsr(cpsr: u32) -> Result<InstructionSet, InjectError> {
        let psr = Psr::from_bits(cpsr);
        match (psr.j(), psr.t()) {
            (false, false) => Ok(InstructionSet::A32),
            (false, true) => Ok(InstructionSet::T32),
            (true, true) => Ok(InstructionSet::ThumbEe),
            (true, false) => Err(InjectError::JazelleState { cpsr }),
        }
    }

    /// Whether the PC reads with the Thumb offset (+4) rather than +8: the
    /// `CPSR.T == '1'` test of the exception-entry pseudocode.
    pub const fn is_thumb(self) -> bool {
        !matches!(self, InstructionSet::A32)
    }
}

/// The format of the IFSR/DFSR the abort reports in: TTBCR.EAE of the
/// translation regime (DDI 0406C.d B4.1.153 "TTBCR"; always
/// [`FsrFormat::Short`] without the LPAE).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum FsrFormat {
    /// Short-descriptor format (TTBCR.EAE = 0).
    #[default]
    Short,
    /// Long-descriptor format (TTBCR.EAE = 1, LPAE).
    Long,
}

impl FsrFormat {
    /// The format TTBCR selects: EAE is bit 31.
    pub const fn from_ttbcr(ttbcr: u32) -> FsrFormat {
        if ttbcr & (1 << 31) != 0 {
            FsrFormat::Long
        } else {
            FsrFormat::Short
        }
    }
}

/// The guest's system-register state that exception entry reads. The
/// fields are the guest's own registers (what it programmed, not the
/// host's), in the AArch32 layouts.
///
/// `Default` is a core without the Security or Virtualization Extensions,
/// every register 0 (low vectors at 0, A32 handlers, little-endian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ExceptionContext {
    /// The Security Extensions are implemented (v6Z/v7 TrustZone, or EL3
    /// on v8): VBAR, SCR and the Monitor mode exist.
    pub security: bool,
    /// The core implements the Virtualization Extensions (`HaveVirtExt()`;
    /// v7.1 cores such as Cortex-A15, and Armv8 cores with EL2): Hyp mode,
    /// HCR, HDCR, HSCTLR, HVBAR exist, and an Abort always masks CPSR.A.
    /// Requires `security`. Whether anything is routed to Hyp mode is
    /// decided by `hcr` and `hdcr`, which are 0 in a guest's own view.
    pub virtualization: bool,
    /// The core is Armv8 running AArch32: an Abort always masks CPSR.A
    /// (DDI 0487 G1.12, `AArch32.EnterMode()`; SCR.AW no longer matters).
    pub armv8: bool,
    /// SCTLR of the Non-secure state (or the only SCTLR without the
    /// Security Extensions).
    pub sctlr: Sctlr,
    /// VBAR of the Non-secure state (ignored without the Security
    /// Extensions, where the low vectors are at 0).
    pub vbar: u32,
    /// The Secure SCTLR: used when the exception is handled in Secure
    /// state (SCR.NS = 0, or taken from Monitor mode).
    pub sctlr_s: Sctlr,
    /// The Secure VBAR.
    pub vbar_s: u32,
    /// SCR (with the Security Extensions).
    pub scr: Scr,
    /// HCR (with the Virtualization Extensions).
    pub hcr: Hcr,
    /// HDCR (with the Virtualization Extensions).
    pub hdcr: Hdcr,
    /// HSCTLR: TE and EE give CPSR.T/E on Hyp-mode entry.
    pub hsctlr: Sctlr,
    /// HVBAR: the Hyp vector base.
    pub hvbar: u32,
    /// IFSR/DFSR format for debug-event aborts.
    pub fsr_format: FsrFormat,
}

impl ExceptionContext {
    /// The context of a VMM's guest on a core with the Security Extensions
    /// but neither the Virtualization Extensions nor Armv8 (Cortex-A9,
    /// Cortex-A5, ARM1176): Non-secure PL1/PL0, VBAR honoured, SCR.NS = 1,
    /// short-descriptor fault status. [`ExceptionContext::for_model`] takes
    /// the extensions from a core model.
    pub const fn guest(sctlr: Sctlr, vbar: u32) -> ExceptionContext {
        ExceptionContext {
            security: true,
            virtualization: false,
            armv8: false,
            sctlr,
            vbar,
            sctlr_s: Sctlr::new(),
            vbar_s: 0,
            scr: Scr::new().with_ns(true),
            hcr: Hcr::new(),
            hdcr: Hdcr::new(),
            hsctlr: Sctlr::new(),
            hvbar: 0,
            fsr_format: FsrFormat::Short,
        }
    }

    /// The context of a Non-secure guest of `model`: the Security and
    /// Virtualization Extensions and Armv8 as the model implements them,
    /// SCR.NS = 1 (when the model has the Security Extensions), HCR and
    /// HDCR 0 (the guest's own view: nothing routed to Hyp mode),
    /// short-descriptor fault status.
    ///
    /// ```
    /// use dbgregs::inject::{prefetch_abort_entry, ExceptionContext, Faulting, Sctlr};
    /// use dbgregs::model::CoreModel;
    ///
    /// let a15 = CoreModel::preset("cortex-a15")?;
    /// let ctx = ExceptionContext::for_model(a15, Sctlr::new(), 0x8000_0000);
    /// let e = prefetch_abort_entry(&ctx, Faulting::new(0x9000, 0x1d3))?;
    /// assert_eq!(e.cpsr, 0x1d7); // Abort mode, A set (VE core), I and F as before
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const fn for_model(model: &CoreModel, sctlr: Sctlr, vbar: u32) -> ExceptionContext {
        let security = model.security() || model.virtualization();
        ExceptionContext {
            security,
            virtualization: model.virtualization(),
            armv8: model.armv8(),
            scr: Scr::new().with_ns(security),
            ..ExceptionContext::guest(sctlr, vbar)
        }
    }

    /// This context with the fault status format `format`.
    pub const fn with_fsr_format(mut self, format: FsrFormat) -> ExceptionContext {
        self.fsr_format = format;
        self
    }
}

/// Where the exception is taken: the instruction and the CPSR it executes
/// with (before the exception, IT state not advanced).
///
/// For a synchronous exception `address` is the faulting instruction (the
/// trapped CP14 access, the breakpointed instruction, the instruction that
/// made the watchpointed access). For an asynchronous watchpoint (v6, v6.1,
/// v7.0 with [`DebugEvent::synchronous`] false) it is the first instruction
/// not yet executed when the abort is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Faulting {
    /// Address of the instruction.
    pub address: u32,
    /// The CPSR.
    pub cpsr: u32,
}

impl Faulting {
    /// The instruction at `address` executing with `cpsr`.
    pub const fn new(address: u32, cpsr: u32) -> Faulting {
        Faulting { address, cpsr }
    }
}

/// Which exception.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ExceptionKind {
    /// Undefined Instruction exception.
    Undefined,
    /// Prefetch Abort exception.
    PrefetchAbort,
    /// Data Abort exception.
    DataAbort,
}

/// Where the vector base came from (`ExcVectorBase()` or HVBAR).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum VectorBase {
    /// SCTLR.V = 1: the high vectors, 0xFFFF0000.
    High,
    /// VBAR (of the security state the exception is handled in).
    Vbar,
    /// No Security Extensions and SCTLR.V = 0: the low vectors, 0.
    Low,
    /// HVBAR (Hyp mode).
    Hvbar,
}

/// The exception the guest must take, as the VMM applies it: set the
/// target mode's banked `link` register (LR_und, LR_abt, or ELR_hyp) and
/// SPSR, the CPSR, and the PC to `vector`; clear SCR.NS if
/// `clears_scr_ns`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExceptionEntry {
    /// Which exception.
    pub kind: ExceptionKind,
    /// The mode it is taken to: [`Mode::Undefined`], [`Mode::Abort`] or
    /// [`Mode::Hyp`].
    pub target: Mode,
    /// The instruction set it was taken from.
    pub from: InstructionSet,
    /// Where the vector base came from.
    pub vector_base: VectorBase,
    /// The vector offset: 0x04 Undefined, 0x0C Prefetch Abort, 0x10 Data
    /// Abort, 0x14 Hyp Trap; the Hyp vectors use the same offsets when
    /// the exception is taken from Hyp mode.
    pub vector_offset: u32,
    /// The new PC: vector base + offset.
    pub vector: u32,
    /// The preferred return address (DDI 0406C.d B1.8.3): the faulting
    /// instruction for every exception here.
    pub preferred_return: u32,
    /// The value for the target mode's link register: R14 (LR_und/LR_abt)
    /// = preferred return + 4 (Undefined, A32), + 2 (Undefined, T32), + 4
    /// (Prefetch Abort), + 8 (Data Abort); ELR_hyp = the preferred return.
    pub link: u32,
    /// The target mode's SPSR: the CPSR the exception was taken from.
    pub spsr: u32,
    /// The new CPSR.
    pub cpsr: u32,
    /// Taken from Monitor mode: SCR.NS is cleared (the handler runs in
    /// Secure state).
    pub clears_scr_ns: bool,
}

/// IFSR or DFSR.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FaultStatusRegister {
    /// IFSR (Prefetch Abort: breakpoint).
    Ifsr,
    /// DFSR (Data Abort: watchpoint).
    Dfsr,
}

/// The registers a debug-event abort taken to Abort mode sets besides the
/// exception entry (DDI 0406C.d C5.3, C5.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AbortSyndrome {
    /// Which fault status register `fsr` is for.
    pub register: FaultStatusRegister,
    /// The IFSR/DFSR value: debug-event status in the context's format
    /// (short 0x002, long 0x222), DFSR.WnR and CM from the event.
    pub fsr: u32,
    /// The new IFAR/DFAR: `None` where the architecture makes it UNKNOWN
    /// (IFAR on a breakpoint; DFAR on v6–v7.0 watchpoints), which a VMM
    /// may leave unchanged.
    pub far: Option<u32>,
    /// DBGDSCR.MOE the event sets.
    pub moe: u8,
    /// The new DBGWFAR (v6, v6.1, v7.0 watchpoints), else `None`.
    pub wfar: Option<u32>,
}

/// A debug exception to inject: the entry, and the syndrome when it is
/// taken to Abort mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DebugException {
    /// The exception entry.
    pub entry: ExceptionEntry,
    /// IFSR/DFSR, IFAR/DFAR, MOE, DBGWFAR; `None` when routed to Hyp mode
    /// (HSR, HIFAR and HDFAR are the VMM's to write).
    pub syndrome: Option<AbortSyndrome>,
}

/// Bad input to the injection functions: the state is one no exception
/// can be taken from as described.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum InjectError {
    /// CPSR.M is a reserved encoding.
    #[error("CPSR {cpsr:#010x} has reserved mode M = {m:#07b}")]
    ReservedMode {
        /// The CPSR.
        cpsr: u32,
        /// Its M\[4:0\].
        m: u8,
    },
    /// CPSR.M is a mode the context's extensions do not have (Monitor
    /// without the Security Extensions, Hyp without the Virtualization
    /// Extensions, or Hyp in Secure state).
    #[error("CPSR {cpsr:#010x} is in {mode:?} mode, which this context does not implement")]
    ModeNotImplemented {
        /// The CPSR.
        cpsr: u32,
        /// The mode.
        mode: Mode,
    },
    /// Jazelle state (CPSR.J = 1, T = 0) is not supported.
    #[error("CPSR {cpsr:#010x} is in Jazelle state, which injection does not support")]
    JazelleState {
        /// The CPSR.
        cpsr: u32,
    },
    /// The context claims the Virtualization Extensions without the
    /// Security Extensions.
    #[error("the Virtualization Extensions require the Security Extensions")]
    VirtualizationWithoutSecurity,
}

/// Whether `outcome` asks for an Undefined Instruction exception.
pub(crate) const fn is_undefined(outcome: &StepOutcome) -> bool {
    matches!(outcome, StepOutcome::Undefined { .. })
}

/// The event's kind, as the exception it raises.
pub(crate) const fn kind_of(event: &DebugEvent) -> ExceptionKind {
    match event.kind {
        crate::matching::EventKind::Breakpoint => ExceptionKind::PrefetchAbort,
        crate::matching::EventKind::Watchpoint => ExceptionKind::DataAbort,
    }
}
