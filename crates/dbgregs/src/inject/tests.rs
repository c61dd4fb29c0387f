//! Each case is written from the DDI 0406C.d pseudocode named in its
//! comment; `PC` there reads as the instruction + 8 (A32) or + 4 (T32)
//! (DDI 0406C.d A2.3 "ARM core registers").
#![allow(clippy::unwrap_used)]

use super::*;
use crate::matching::{moe, EventKind};

const SVC: u32 = 0x13;
const USR: u32 = 0x10;
const MON: u32 = 0x16;
const HYP: u32 = 0x1A;
const T: u32 = 1 << 5;
const F: u32 = 1 << 6;
const I: u32 = 1 << 7;
const A: u32 = 1 << 8;
const E: u32 = 1 << 9;
const J: u32 = 1 << 24;
/// IT[7:2] = 0b010011 in CPSR[15:10], IT[1:0] = 0b10 in CPSR[26:25].
const IT: u32 = (0b01_0011 << 10) | (0b10 << 25);

fn guest() -> ExceptionContext {
    ExceptionContext::guest(Sctlr::new(), 0x4000_0000)
}

fn hyp_ctx() -> ExceptionContext {
    ExceptionContext {
        virtualization: true,
        hvbar: 0x9000_0000,
        hsctlr: Sctlr::new().with_te(true).with_ee(true),
        ..guest()
    }
}

fn bp_event() -> DebugEvent {
    crate::matching::breakpoint_event(1).unwrap()
}

fn wp_event(wfar: Option<u32>, dfar: Option<u32>, wnr: bool, cm: bool) -> DebugEvent {
    DebugEvent {
        kind: EventKind::Watchpoint,
        units: 1,
        moe: moe::SYNC_WATCHPOINT,
        synchronous: true,
        wfar,
        dfar,
        wnr,
        cm,
    }
}

#[test]
fn undef_a32_from_svc() {
    // TakeUndefInstrException (B1.9.8): new_lr_value = PC-4 (A32) =
    // instruction + 4; SPSR = CPSR; CPSR.M = '11011'; I = 1; IT = 0; J = 0;
    // T = SCTLR.TE; E = SCTLR.EE; PC = ExcVectorBase() + 4, VBAR with the
    // Security Extensions (B1.8.1).
    let cpsr = 0x6000_0000 | F | SVC;
    let e = undefined_instruction(&guest(), Faulting::new(0x8000, cpsr)).unwrap();
    assert_eq!(e.kind, ExceptionKind::Undefined);
    assert_eq!(e.target, Mode::Undefined);
    assert_eq!(e.from, InstructionSet::A32);
    assert_eq!((e.vector_base, e.vector_offset), (VectorBase::Vbar, 4));
    assert_eq!(e.vector, 0x4000_0004);
    assert_eq!((e.preferred_return, e.link), (0x8000, 0x8004));
    assert_eq!(e.spsr, cpsr);
    // A and F are not changed by an Undefined Instruction exception.
    assert_eq!(e.cpsr, 0x6000_0000 | F | I | 0x1B);
    assert!(!e.clears_scr_ns);
}

#[test]
fn undef_t32_clears_it_and_takes_te_ee() {
    // TakeUndefInstrException: new_lr_value = PC-2 (T32) = instruction + 2;
    // CPSR.IT = '00000000'; T = SCTLR.TE; E = SCTLR.EE; the SPSR keeps the
    // IT state of the UNDEFINED instruction.
    let cpsr = T | IT | USR;
    let ctx = ExceptionContext::guest(Sctlr::new().with_ee(true), 0);
    let e = undefined_instruction(&ctx, Faulting::new(0x1_0000, cpsr)).unwrap();
    assert_eq!(e.from, InstructionSet::T32);
    assert_eq!(e.link, 0x1_0002);
    assert_eq!(e.spsr, cpsr);
    assert_eq!(e.cpsr, E | I | 0x1B); // T = TE = 0: an A32 handler
    let te = ExceptionContext::guest(Sctlr::new().with_te(true), 0);
    let e = undefined_instruction(&te, Faulting::new(0x1_0000, E | T | USR)).unwrap();
    assert_eq!(e.cpsr, T | I | 0x1B); // E = EE = 0 clears a set E
}

#[test]
fn vector_base_choices() {
    // ExcVectorBase (B1.8.1): SCTLR.V = 1 -> 0xFFFF0000; else VBAR with the
    // Security Extensions; else 0.
    let at = Faulting::new(0x8000, SVC);
    let hivecs = ExceptionContext::guest(Sctlr::new().with_v(true), 0x4000_0000);
    let e = undefined_instruction(&hivecs, at).unwrap();
    assert_eq!((e.vector_base, e.vector), (VectorBase::High, 0xFFFF_0004));
    let no_security = ExceptionContext {
        vbar: 0x4000_0000,
        ..ExceptionContext::default()
    };
    let e = undefined_instruction(&no_security, at).unwrap();
    assert_eq!((e.vector_base, e.vector), (VectorBase::Low, 0x4));
    let e = prefetch_abort_entry(&no_security, at).unwrap();
    assert_eq!(e.vector, 0x0C);
    let e = data_abort_entry(&hivecs, at).unwrap();
    assert_eq!(e.vector, 0xFFFF_0010);
}

#[test]
fn undef_from_monitor_is_handled_secure() {
    // TakeUndefInstrException: "if CPSR.M == '10110' then SCR.NS = '0'":
    // the Secure SCTLR and VBAR apply.
    let ctx = ExceptionContext {
        sctlr_s: Sctlr::new().with_te(true),
        vbar_s: 0x7000_0000,
        ..guest()
    };
    let e = undefined_instruction(&ctx, Faulting::new(0x8000, MON)).unwrap();
    assert!(e.clears_scr_ns);
    assert_eq!(e.vector, 0x7000_0004);
    assert_eq!(e.cpsr, T | I | 0x1B);
    // Secure state without Monitor mode (SCR.NS = 0) also uses the Secure bank.
    let secure = ExceptionContext {
        scr: Scr::new(),
        ..ctx
    };
    let e = undefined_instruction(&secure, Faulting::new(0x8000, SVC)).unwrap();
    assert!(!e.clears_scr_ns);
    assert_eq!(e.vector, 0x7000_0004);
}

#[test]
fn undef_routed_to_hyp_by_tge_from_user_only() {
    // TakeUndefInstrException: route_to_hyp = HaveVirtExt() &&
    // HaveSecurityExt() && !IsSecure() && HCR.TGE == '1' && CPSR.M ==
    // '10000'; EnterHypMode(new_spsr_value, preferred_exceptn_return, 20)
    // (B1.9.4): ELR_hyp = preferred return (the instruction), T =
    // HSCTLR.TE, E = HSCTLR.EE, A/F/I set where SCR.EA/FIQ/IRQ = 0, PC =
    // HVBAR + 0x14.
    let ctx = ExceptionContext {
        hcr: Hcr::new().with_tge(true),
        ..hyp_ctx()
    };
    let cpsr = T | IT | USR;
    let e = undefined_instruction(&ctx, Faulting::new(0x8000, cpsr)).unwrap();
    assert_eq!(e.target, Mode::Hyp);
    assert_eq!((e.vector_base, e.vector), (VectorBase::Hvbar, 0x9000_0014));
    assert_eq!((e.preferred_return, e.link), (0x8000, 0x8000));
    assert_eq!(e.spsr, cpsr);
    assert_eq!(e.cpsr, T | E | A | I | F | HYP);
    // SCR.EA = 1 (and FIQ, IRQ): those masks are left alone.
    let routed = ExceptionContext {
        scr: Scr::new()
            .with_ns(true)
            .with_ea(true)
            .with_fiq(true)
            .with_irq(true),
        ..ctx
    };
    let e = undefined_instruction(&routed, Faulting::new(0x8000, USR)).unwrap();
    assert_eq!(e.cpsr, T | E | HYP);
    // Decision (UNPREDICTABLE): TGE = 1 in a Non-secure PL1 mode stays at PL1.
    let e = undefined_instruction(&ctx, Faulting::new(0x8000, SVC)).unwrap();
    assert_eq!(e.target, Mode::Undefined);
    // Without TGE, User mode goes to Undefined mode.
    let e = undefined_instruction(&hyp_ctx(), Faulting::new(0x8000, USR)).unwrap();
    assert_eq!(e.target, Mode::Undefined);
}

#[test]
fn undef_from_hyp_stays_in_hyp() {
    // TakeUndefInstrException: take_to_hyp (CPSR.M == '11010') ->
    // EnterHypMode(..., vect_offset = 4).
    let e = undefined_instruction(&hyp_ctx(), Faulting::new(0xA000, HYP)).unwrap();
    assert_eq!((e.target, e.vector), (Mode::Hyp, 0x9000_0004));
    assert_eq!(e.link, 0xA000);
    let e = prefetch_abort_entry(&hyp_ctx(), Faulting::new(0xA000, HYP)).unwrap();
    assert_eq!(e.vector, 0x9000_000C);
    let e = data_abort_entry(&hyp_ctx(), Faulting::new(0xA000, HYP)).unwrap();
    assert_eq!(e.vector, 0x9000_0010);
}

#[test]
fn prefetch_abort_link_and_a_mask() {
    // TakePrefetchAbortException (B1.9.10): new_lr_value = if CPSR.T then
    // PC else PC-4 = instruction + 4 in both sets (as DDI 0363G Table
    // 12-40 lists for a breakpoint: RA+4 in ARM and Thumb); vect_offset = 12; CPSR.A
    // = 1 if !HaveSecurityExt() || HaveVirtExt() || SCR.NS == '0' ||
    // SCR.AW == '1'.
    let a32 = prefetch_abort_entry(&guest(), Faulting::new(0x8000, SVC)).unwrap();
    let t32 = prefetch_abort_entry(&guest(), Faulting::new(0x8000, T | SVC)).unwrap();
    assert_eq!((a32.link, t32.link), (0x8004, 0x8004));
    assert_eq!(a32.target, Mode::Abort);
    assert_eq!(a32.vector, 0x4000_000C);
    // Security Extensions, no Virtualization, NS, AW = 0: A unchanged.
    assert_eq!(a32.cpsr, I | 0x17);
    let aw = ExceptionContext {
        scr: Scr::new().with_ns(true).with_aw(true),
        ..guest()
    };
    let e = prefetch_abort_entry(&aw, Faulting::new(0x8000, SVC)).unwrap();
    assert_eq!(e.cpsr, A | I | 0x17);
    let e = prefetch_abort_entry(&ExceptionContext::default(), Faulting::new(0, SVC)).unwrap();
    assert_eq!(e.cpsr, A | I | 0x17);
    let e = prefetch_abort_entry(&hyp_ctx(), Faulting::new(0, SVC)).unwrap();
    assert_eq!(e.cpsr, A | I | 0x17);
    // Armv8 (AArch32.EnterMode, DDI 0487 G1.12): A always set.
    let v8 = ExceptionContext {
        armv8: true,
        ..guest()
    };
    let e = data_abort_entry(&v8, Faulting::new(0, SVC)).unwrap();
    assert_eq!(e.cpsr, A | I | 0x17);
    // From Monitor mode: SCR.NS is cleared first, so A is masked.
    let e = prefetch_abort_entry(&guest(), Faulting::new(0, MON)).unwrap();
    assert!(e.clears_scr_ns);
    assert_eq!(e.cpsr, A | I | 0x17);
}

#[test]
fn data_abort_link() {
    // TakeDataAbortException (B1.9.11): new_lr_value = if CPSR.T then PC+4
    // else PC = instruction + 8 in both sets (DDI 0363G Table 12-40: a
    // watchpoint gives RA+8 in ARM and Thumb); vect_offset = 16.
    let a32 = data_abort_entry(&guest(), Faulting::new(0x8000, SVC)).unwrap();
    let t32 = data_abort_entry(&guest(), Faulting::new(0x8000, T | IT | SVC)).unwrap();
    assert_eq!((a32.link, t32.link), (0x8008, 0x8008));
    assert_eq!(
        (a32.kind, a32.vector),
        (ExceptionKind::DataAbort, 0x4000_0010)
    );
    assert_eq!(t32.spsr, T | IT | SVC);
    assert_eq!(t32.cpsr, I | 0x17); // IT and T cleared (TE = 0)
}

#[test]
fn debug_exceptions_routed_by_tde() {
    // TakePrefetch/DataAbortException: route_to_hyp includes
    // "DebugException() && HDCR.TDE == '1'" from Non-secure state; HCR.TGE
    // makes TDE behave as 1 (B4.1.67).
    let tde = ExceptionContext {
        hdcr: Hdcr::new().with_tde(true),
        ..hyp_ctx()
    };
    let x = debug_exception(&tde, Faulting::new(0x8000, SVC), &bp_event()).unwrap();
    assert_eq!((x.entry.target, x.entry.vector), (Mode::Hyp, 0x9000_0014));
    assert_eq!(x.entry.kind, ExceptionKind::PrefetchAbort);
    assert_eq!(x.entry.link, 0x8000);
    assert_eq!(x.syndrome, None);
    let tge = ExceptionContext {
        hcr: Hcr::new().with_tge(true),
        ..hyp_ctx()
    };
    let wp = wp_event(None, Some(0x1000), true, false);
    let x = debug_exception(&tge, Faulting::new(0x8000, USR), &wp).unwrap();
    assert_eq!(
        (x.entry.kind, x.entry.vector),
        (ExceptionKind::DataAbort, 0x9000_0014)
    );
    // Secure state is never routed to Hyp.
    let secure = ExceptionContext {
        scr: Scr::new(),
        ..tde
    };
    let x = debug_exception(&secure, Faulting::new(0x8000, SVC), &bp_event()).unwrap();
    assert_eq!(x.entry.target, Mode::Abort);
    // Without TDE/TGE a debug exception is taken to Abort mode.
    let x = debug_exception(&hyp_ctx(), Faulting::new(0x8000, SVC), &bp_event()).unwrap();
    assert_eq!(x.entry.target, Mode::Abort);
}

#[test]
fn debug_fault_status_both_formats() {
    // IFSR/DFSR (B4.1.96, B4.1.52): short FS[4:0] = 0b00010 -> 0x002 (FS[4]
    // is bit 10); long STATUS = 0b100010 with LPAE (bit 9) = 1 -> 0x222;
    // WnR bit 11, CM bit 13, DFSR only.
    let at = Faulting::new(0x8000, SVC);
    let x = debug_exception(&guest(), at, &bp_event()).unwrap();
    let s = x.syndrome.unwrap();
    assert_eq!(s.register, FaultStatusRegister::Ifsr);
    assert_eq!(
        (s.fsr, s.far, s.moe, s.wfar),
        (0x002, None, moe::BREAKPOINT, None)
    );
    let long = guest().with_fsr_format(FsrFormat::from_ttbcr(0x8000_0000));
    let s = debug_exception(&long, at, &bp_event())
        .unwrap()
        .syndrome
        .unwrap();
    assert_eq!(s.fsr, 0x222);
    let cm = wp_event(None, Some(0x1000), true, true);
    let s = debug_exception(&guest(), at, &cm)
        .unwrap()
        .syndrome
        .unwrap();
    assert_eq!((s.register, s.fsr), (FaultStatusRegister::Dfsr, 0x2802));
    let s = debug_exception(&long, at, &cm).unwrap().syndrome.unwrap();
    assert_eq!(s.fsr, 0x2A22);
    let load = wp_event(None, Some(0x1000), false, false);
    let s = debug_exception(&long, at, &load).unwrap().syndrome.unwrap();
    assert_eq!(s.fsr, 0x222);
    assert_eq!(FsrFormat::from_ttbcr(0x7FFF_FFFF), FsrFormat::Short);
}

#[test]
fn watchpoint_fault_addresses_per_version() {
    // DDI 0406C.d C5 and C11.11.44 "DBGWFAR" (DDI 0363G 12.7.1 for a v7.0
    // core): v6–v7.0 set DBGWFAR (instruction + 8 A32, + 4 T32) and leave
    // DFAR UNKNOWN; v7.1+ set DFAR and not DBGWFAR. The event carries the
    // version's choice; the syndrome passes it on.
    let at = Faulting::new(0x8000, SVC);
    let v7 = wp_event(Some(0x8008), None, true, false);
    let s = debug_exception(&guest(), at, &v7)
        .unwrap()
        .syndrome
        .unwrap();
    assert_eq!(
        (s.far, s.wfar, s.moe),
        (None, Some(0x8008), moe::SYNC_WATCHPOINT)
    );
    let v71 = wp_event(None, Some(0x1004), false, false);
    let s = debug_exception(&guest(), at, &v71)
        .unwrap()
        .syndrome
        .unwrap();
    assert_eq!((s.far, s.wfar), (Some(0x1004), None));
}

#[test]
fn bad_states_are_errors() {
    let ctx = guest();
    assert_eq!(
        undefined_instruction(&ctx, Faulting::new(0, J | SVC)),
        Err(InjectError::JazelleState { cpsr: J | SVC })
    );
    assert_eq!(
        InstructionSet::from_cpsr(J | T | SVC),
        Ok(InstructionSet::ThumbEe)
    );
    let e = undefined_instruction(&ctx, Faulting::new(0x8000, J | T | SVC)).unwrap();
    assert_eq!(e.link, 0x8002); // ThumbEE: the Thumb offset
    assert_eq!(
        undefined_instruction(&ctx, Faulting::new(0, 0x15)),
        Err(InjectError::ReservedMode {
            cpsr: 0x15,
            m: 0x15
        })
    );
    assert_eq!(
        prefetch_abort_entry(&ctx, Faulting::new(0, HYP)),
        Err(InjectError::ModeNotImplemented {
            cpsr: HYP,
            mode: Mode::Hyp
        })
    );
    assert!(matches!(
        data_abort_entry(&ExceptionContext::default(), Faulting::new(0, MON)),
        Err(InjectError::ModeNotImplemented { .. })
    ));
    let secure_hyp = ExceptionContext {
        scr: Scr::new(),
        ..hyp_ctx()
    };
    assert!(undefined_instruction(&secure_hyp, Faulting::new(0, HYP)).is_err());
    let inconsistent = ExceptionContext {
        virtualization: true,
        ..ExceptionContext::default()
    };
    assert_eq!(
        undefined_instruction(&inconsistent, Faulting::new(0, SVC)),
        Err(InjectError::VirtualizationWithoutSecurity)
    );
}

#[test]
fn context_from_models() {
    use crate::model::CoreModel;
    for (name, security, virt, v8) in [
        ("cortex-a9", true, false, false),
        ("cortex-a15", true, true, false),
        ("cortex-a53", true, true, true),
    ] {
        let m = CoreModel::preset(name).unwrap();
        let c = ExceptionContext::for_model(m, Sctlr::new(), 0);
        assert_eq!(
            (c.security, c.virtualization, c.armv8),
            (security, virt, v8),
            "{name}"
        );
        assert_eq!(c.scr.ns(), security);
        assert_eq!((c.hcr, c.hdcr), (Hcr::new(), Hdcr::new()));
    }
    // Reserved/Armv8 CPSR[23:20] are cleared on entry, kept in the SPSR.
    let cpsr = (0xF << 20) | SVC;
    let e = undefined_instruction(&guest(), Faulting::new(0, cpsr)).unwrap();
    assert_eq!((e.spsr, e.cpsr), (cpsr, I | 0x1B));
}

#[test]
fn step_outcomes() {
    use crate::emulate::{step, SimpleGuest, Trap};
    use crate::model::CoreModel;
    use crate::state::{DebugState, UnknownFill};
    let model = CoreModel::preset("cortex-a15").unwrap();
    let mut state = DebugState::cold_reset(model, UnknownFill::Zero);
    let mut g = SimpleGuest::svc(0x8000);
    // MRC p14, 1, r0, c0, c0, 0: opc1 = 1 names no debug register.
    let out = step(model, &mut state, &mut g, Trap::A32(0xee30_0e10)).unwrap();
    let at = Faulting::new(g.pc, g.cpsr);
    let e = undefined_for_step(&guest(), at, &out).unwrap().unwrap();
    assert_eq!((e.link, e.spsr), (0x8004, SimpleGuest::SVC_CPSR));
    // MRC p14, 0, r0, c0, c0, 0 (DBGDIDR) completes: nothing to inject.
    let out = step(model, &mut state, &mut g, Trap::A32(0xee10_0e10)).unwrap();
    assert_eq!(undefined_for_step(&guest(), at, &out), Ok(None));
}
