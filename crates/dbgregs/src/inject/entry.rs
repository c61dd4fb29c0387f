//! The exception-entry pseudocode of DDI 0406C.d B1.9, one function per
//! exception, each condition in the manual's order.

use super::{
    is_undefined, kind_of, AbortSyndrome, DebugException, ExceptionContext, ExceptionEntry,
    ExceptionKind, FaultStatusRegister, Faulting, FsrFormat, FsrLong, FsrShort, InjectError,
    InstructionSet, Psr, Sctlr, VectorBase,
};
use crate::emulate::StepOutcome;
use crate::matching::{DebugEvent, EventKind, Mode, FS_DEBUG_LONG, FS_DEBUG_SHORT};

/// Vector offsets (DDI 0406C.d B1.8.1 "Exception vectors and the exception
/// base address").
const VECT_UNDEF: u32 = 0x04;
const VECT_PREFETCH_ABORT: u32 = 0x0C;
const VECT_DATA_ABORT: u32 = 0x10;
const VECT_HYP_TRAP: u32 = 0x14;
/// CPSR.M encodings of the target modes (DDI 0406C.d B1.3.1).
const M_ABT: u8 = 0b10111;
const M_HYP: u8 = 0b11010;
const M_UND: u8 = 0b11011;
/// CPSR\[23:20\]: reserved before Armv8 (IL, SS, PAN, DIT on Armv8),
/// cleared on entry (see the module documentation).
const PSR_23_20: u32 = 0x00F0_0000;
/// `Ones(16):Zeros(16)`, the high vectors.
const HIVECS: u32 = 0xFFFF_0000;

/// The state the exception is taken from, checked.
#[derive(Clone, Copy)]
struct From {
    set: InstructionSet,
    mode: Mode,
    at: Faulting,
}

fn check(ctx: &ExceptionContext, at: Faulting) -> Result<From, InjectError> {
    if ctx.virtualization && !ctx.security {
        return Err(InjectError::VirtualizationWithoutSecurity);
    }
    let set = InstructionSet::from_cpsr(at.cpsr)?;
    let m = Psr::from_bits(at.cpsr).m();
    let mode = Mode::from_cpsr_m(m as u32).ok_or(InjectError::ReservedMode { cpsr: at.cpsr, m })?;
    let implemented = match mode {
        Mode::Monitor => ctx.security,
        // Hyp mode exists only in Non-secure state.
        Mode::Hyp => ctx.virtualization && ctx.scr.ns(),
        _ => true,
    };
    if !implemented {
        return Err(InjectError::ModeNotImplemented {
            cpsr: at.cpsr,
            mode,
        });
    }
    Ok(From { set, mode, at })
}

/// `HaveVirtExt() && HaveSecurityExt() && SCR.NS == '1' && CPSR.M ==
/// '11010'`: taken from Hyp mode, stays in Hyp mode.
fn take_to_hyp(ctx: &ExceptionContext, from: &From) -> bool {
    ctx.virtualization && ctx.security && ctx.scr.ns() && matches!(from.mode, Mode::Hyp)
}

/// `!IsSecure()`: Non-secure and not in Monitor mode (B1.5.1).
fn non_secure(ctx: &ExceptionContext, from: &From) -> bool {
    ctx.security && ctx.scr.ns() && !matches!(from.mode, Mode::Monitor)
}

/// `ExcVectorBase()` (B1.8.1) for the security state the handler runs in:
/// `if SCTLR.V == '1' then Ones(16):Zeros(16) elsif HaveSecurityExt() then
/// VBAR else Zeros(32)`.
fn exc_vector_base(ctx: &ExceptionContext, secure: bool) -> (VectorBase, u32) {
    let (sctlr, vbar) = bank(ctx, secure);
    if sctlr.v() {
        (VectorBase::High, HIVECS)
    } else if ctx.security {
        (VectorBase::Vbar, vbar)
    } else {
        (VectorBase::Low, 0)
    }
}

/// The SCTLR and VBAR of the handler's security state.
fn bank(ctx: &ExceptionContext, secure: bool) -> (Sctlr, u32) {
    if ctx.security && secure {
        (ctx.sctlr_s, ctx.vbar_s)
    } else {
        (ctx.sctlr, ctx.vbar)
    }
}

/// `EnterHypMode(new_spsr_value, preferred_exceptn_return, vect_offset)`
/// (B1.9.4): M = Hyp, SPSR_hyp, ELR_hyp = the preferred return, J = 0,
/// T = HSCTLR.TE, E = HSCTLR.EE, A/F/I set unless SCR.EA/FIQ/IRQ route
/// them to Monitor mode, IT = 0, PC = HVBAR + offset.
fn enter_hyp(
    ctx: &ExceptionContext,
    kind: ExceptionKind,
    from: &From,
    vect_offset: u32,
) -> ExceptionEntry {
    let old = Psr::from_bits(from.at.cpsr);
    let new = old
        .with_m(M_HYP)
        .with_j(false)
        .with_t(ctx.hsctlr.te())
        .with_e(ctx.hsctlr.ee())
        .with_a(old.a() || !ctx.scr.ea())
        .with_f(old.f() || !ctx.scr.fiq())
        .with_i(old.i() || !ctx.scr.irq())
        .with_it_7_2(0)
        .with_it_1_0(0);
    let new = Psr::from_bits(new.into_bits() & !PSR_23_20);
    ExceptionEntry {
        kind,
        target: Mode::Hyp,
        from: from.set,
        vector_base: VectorBase::Hvbar,
        vector_offset: vect_offset,
        vector: ctx.hvbar.wrapping_add(vect_offset),
        preferred_return: from.at.address,
        link: from.at.address,
        spsr: from.at.cpsr,
        cpsr: new.into_bits(),
        clears_scr_ns: false,
    }
}

/// The PL1 branch of the Take*Exception functions: `if CPSR.M == '10110'
/// then SCR.NS = '0'`, M, SPSR, R\[14\], I = 1, A per `mask_a`, IT = 0,
/// J = 0, T = SCTLR.TE, E = SCTLR.EE, PC = ExcVectorBase() + offset.
#[allow(clippy::too_many_arguments)]
fn enter_pl1(
    ctx: &ExceptionContext,
    kind: ExceptionKind,
    from: &From,
    target: Mode,
    m: u8,
    link_offset: u32,
    vect_offset: u32,
    mask_a: impl FnOnce(bool) -> bool,
) -> ExceptionEntry {
    let clears_scr_ns = ctx.security && matches!(from.mode, Mode::Monitor);
    // SCR.NS after the Monitor-mode rule: the handler's security state.
    let ns_after = ctx.scr.ns() && !clears_scr_ns;
    let secure = ctx.security && !ns_after;
    let (sctlr, _) = bank(ctx, secure);
    let (vector_base, base) = exc_vector_base(ctx, secure);
    let old = Psr::from_bits(from.at.cpsr);
    let new = old
        .with_m(m)
        .with_i(true)
        .with_a(old.a() || mask_a(ns_after))
        .with_it_7_2(0)
        .with_it_1_0(0)
        .with_j(false)
        .with_t(sctlr.te())
        .with_e(sctlr.ee());
    let new = Psr::from_bits(new.into_bits() & !PSR_23_20);
    ExceptionEntry {
        kind,
        target,
        from: from.set,
        vector_base,
        vector_offset: vect_offset,
        vector: base.wrapping_add(vect_offset),
        preferred_return: from.at.address,
        link: from.at.address.wrapping_add(link_offset),
        spsr: from.at.cpsr,
        cpsr: new.into_bits(),
        clears_scr_ns,
    }
}

/// `TakeUndefInstrException()` (DDI 0406C.d B1.9.8) for the instruction
/// `at`: `new_lr_value = if CPSR.T == '1' then PC-2 else PC-4` (the
/// instruction + 2 in T32, + 4 in A32); to Hyp mode (offset 0x04) when
/// taken from Hyp mode, through the Hyp Trap vector (0x14) from Non-secure
/// User mode with HCR.TGE = 1, else to Undefined mode with only I masked.
///
/// # Errors
/// An [`InjectError`] when `at.cpsr` is in Jazelle state or a mode the
/// context does not implement, or the context is inconsistent.
pub fn undefined_instruction(
    ctx: &ExceptionContext,
    at: Faulting,
) -> Result<ExceptionEntry, InjectError> {
    let from = check(ctx, at)?;
    let route_to_hyp = ctx.virtualization
        && ctx.security
        && non_secure(ctx, &from)
        && ctx.hcr.tge()
        && matches!(from.mode, Mode::User);
    let kind = ExceptionKind::Undefined;
    Ok(if take_to_hyp(ctx, &from) {
        enter_hyp(ctx, kind, &from, VECT_UNDEF)
    } else if route_to_hyp {
        enter_hyp(ctx, kind, &from, VECT_HYP_TRAP)
    } else {
        let link_offset = if from.set.is_thumb() { 2 } else { 4 };
        enter_pl1(
            ctx,
            kind,
            &from,
            Mode::Undefined,
            M_UND,
            link_offset,
            VECT_UNDEF,
            |_| false,
        )
    })
}

/// [`undefined_instruction`] for a step outcome: `Some` for
/// [`StepOutcome::Undefined`] (the step left the PC at the trapped
/// instruction, so `at` is the guest's PC and CPSR after the step), `None`
/// for every other outcome.
///
/// # Errors
/// As [`undefined_instruction`].
pub fn undefined_for_step(
    ctx: &ExceptionContext,
    at: Faulting,
    outcome: &StepOutcome,
) -> Result<Option<ExceptionEntry>, InjectError> {
    if is_undefined(outcome) {
        undefined_instruction(ctx, at).map(Some)
    } else {
        Ok(None)
    }
}

/// The Abort-mode A-bit rule of `TakePrefetchAbortException()` and
/// `TakeDataAbortException()`: `if !HaveSecurityExt() || HaveVirtExt() ||
/// SCR.NS == '0' || SCR.AW == '1' then CPSR.A = '1'`.
/// On Armv8 an Abort always sets A (DDI 0487 G1.12 `AArch32.EnterMode()`).
fn abort_masks_a(ctx: &ExceptionContext, ns_after: bool) -> bool {
    ctx.armv8 || !ctx.security || ctx.virtualization || !ns_after || ctx.scr.aw()
}

/// A debug exception goes to Hyp mode through the Hyp Trap vector:
/// `DebugException() && HDCR.TDE == '1'` from Non-secure state, with
/// HCR.TGE = 1 making TDE behave as 1 (DDI 0406C.d B4.1.67 "HDCR"; QEMU
/// `target/arm/debug_helper.c`, `arm_debug_target_el()`, routes on
/// `HCR_TGE || MDCR_TDE` the same way).
fn debug_routes_to_hyp(ctx: &ExceptionContext, from: &From) -> bool {
    ctx.virtualization && ctx.security && non_secure(ctx, from) && (ctx.hdcr.tde() || ctx.hcr.tge())
}

fn abort_entry(
    ctx: &ExceptionContext,
    at: Faulting,
    kind: ExceptionKind,
) -> Result<ExceptionEntry, InjectError> {
    let from = check(ctx, at)?;
    let (link_offset, vect_offset) = match kind {
        ExceptionKind::DataAbort => (8, VECT_DATA_ABORT),
        _ => (4, VECT_PREFETCH_ABORT),
    };
    // route_to_monitor needs an external abort: never for these aborts.
    Ok(if take_to_hyp(ctx, &from) {
        enter_hyp(ctx, kind, &from, vect_offset)
    } else if debug_routes_to_hyp(ctx, &from) {
        enter_hyp(ctx, kind, &from, VECT_HYP_TRAP)
    } else {
        enter_pl1(
            ctx,
            kind,
            &from,
            Mode::Abort,
            M_ABT,
            link_offset,
            vect_offset,
            |ns_after| abort_masks_a(ctx, ns_after),
        )
    })
}

/// `TakePrefetchAbortException()` (DDI 0406C.d B1.9.10) for a debug
/// exception on the instruction `at`: `new_lr_value = if CPSR.T == '1'
/// then PC else PC-4` (the instruction + 4 in both instruction sets),
/// offset 0x0C; to Hyp mode when taken from Hyp mode or routed by
/// HDCR.TDE.
///
/// # Errors
/// As [`undefined_instruction`].
pub fn prefetch_abort_entry(
    ctx: &ExceptionContext,
    at: Faulting,
) -> Result<ExceptionEntry, InjectError> {
    abort_entry(ctx, at, ExceptionKind::PrefetchAbort)
}

/// `TakeDataAbortException()` (DDI 0406C.d B1.9.11) for a debug exception
/// on the instruction `at`: `new_lr_value = if CPSR.T == '1' then PC+4
/// else PC` (the instruction + 8 in both instruction sets), offset 0x10;
/// to Hyp mode when taken from Hyp mode or routed by HDCR.TDE.
///
/// # Errors
/// As [`undefined_instruction`].
pub fn data_abort_entry(
    ctx: &ExceptionContext,
    at: Faulting,
) -> Result<ExceptionEntry, InjectError> {
    abort_entry(ctx, at, ExceptionKind::DataAbort)
}

/// The IFSR/DFSR value of a debug event (DDI 0406C.d B4.1.52, B4.1.96):
/// FS = 0b00010 (short) or STATUS = 0b100010 with LPAE = 1 (long);
/// WnR and CM for a DFSR.
pub const fn debug_fsr(format: FsrFormat, dfsr: bool, wnr: bool, cm: bool) -> u32 {
    let (wnr, cm) = (dfsr && wnr, dfsr && cm);
    match format {
        FsrFormat::Short => FsrShort::new()
            .with_fs_3_0((FS_DEBUG_SHORT & 0xF) as u8)
            .with_fs_4(FS_DEBUG_SHORT & 0x10 != 0)
            .with_wnr(wnr)
            .with_cm(cm)
            .into_bits(),
        FsrFormat::Long => FsrLong::new()
            .with_status(FS_DEBUG_LONG as u8)
            .with_lpae(true)
            .with_wnr(wnr)
            .with_cm(cm)
            .into_bits(),
    }
}

/// The exception a Breakpoint or Watchpoint debug event requires: a
/// Prefetch Abort (breakpoint) or Data Abort (watchpoint) entry for the
/// instruction `at` (see [`Faulting`] for an asynchronous watchpoint), and
/// when it is taken to Abort mode the syndrome: IFSR/DFSR in the context's
/// format, IFAR/DFAR (UNKNOWN, `None`, for a breakpoint and for v6–v7.0
/// watchpoints; the event's DFAR from v7.1), DBGDSCR.MOE and DBGWFAR.
///
/// # Errors
/// As [`undefined_instruction`].
///
/// # Example
///
/// A Cortex-A9 (v7.0) guest's watchpoint fires on a T32 store at 0x8000:
///
/// ```
/// use dbgregs::inject::{debug_exception, ExceptionContext, Faulting, Sctlr};
/// use dbgregs::matching::{AccessKind, DataAccess, Mode};
/// use dbgregs::model::CoreModel;
/// use dbgregs::state::{DebugState, UnknownFill};
///
/// let model = CoreModel::preset("cortex-a9")?;
/// let mut state = DebugState::cold_reset(model, UnknownFill::Zero);
/// # let mut g = dbgregs::emulate::SimpleGuest::svc(0);
/// # for (word, value) in [(0xee00_0e52u32, 0x8000u32), (0xee00_0ed0, 0x1000), (0xee00_0ef0, 0x1F7)] {
/// #     g.regs[0] = value;
/// #     dbgregs::emulate::step(model, &mut state, &mut g, dbgregs::emulate::Trap::A32(word))?;
/// # }
/// // (DBGDSCR.MDBGen set, WRP0 watching stores to 0x1000..=0x1003.)
/// let access = DataAccess::store(0x1000, 4, Mode::Supervisor).from_instruction(0x8000, true);
/// let event = state.on_data_access(model, &access).expect("the watchpoint fires");
///
/// let ctx = ExceptionContext::guest(Sctlr::new(), 0);
/// let x = debug_exception(&ctx, Faulting::new(0x8000, 0x0000_01f3), &event)?;
/// assert_eq!(x.entry.vector, 0x10);
/// assert_eq!(x.entry.link, 0x8008); // LR_abt: the instruction + 8
/// let s = x.syndrome.expect("taken to Abort mode");
/// assert_eq!(s.fsr, 0x802); // DFSR: FS = debug event, WnR
/// assert_eq!(s.wfar, Some(0x8004)); // v7.0: DBGWFAR = instruction + 4 (T32)
/// assert_eq!(s.far, None); // DFAR UNKNOWN before v7.1
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn debug_exception(
    ctx: &ExceptionContext,
    at: Faulting,
    event: &DebugEvent,
) -> Result<DebugException, InjectError> {
    let kind = kind_of(event);
    let entry = abort_entry(ctx, at, kind)?;
    let syndrome = if matches!(entry.target, Mode::Hyp) {
        None
    } else {
        let dfsr = matches!(event.kind, EventKind::Watchpoint);
        Some(AbortSyndrome {
            register: if dfsr {
                FaultStatusRegister::Dfsr
            } else {
                FaultStatusRegister::Ifsr
            },
            fsr: debug_fsr(ctx.fsr_format, dfsr, event.wnr, event.cm),
            far: if dfsr { event.dfar } else { None },
            moe: event.moe,
            wfar: event.wfar,
        })
    };
    Ok(DebugException { entry, syndrome })
}
