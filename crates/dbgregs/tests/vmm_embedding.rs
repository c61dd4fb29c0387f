//! A hypervisor's use of the crate end to end, through the public API only:
//! a trapped access arriving as an `ESR_EL2` syndrome, the exception to
//! inject when it is UNDEFINED, a breakpoint hit turned into a Prefetch
//! Abort, and a vCPU's debug state moved through the KVM ONE_REG view.
#![allow(clippy::unwrap_used)]

use dbgregs::emulate::{step, step_access, SimpleGuest, StepOutcome, Trap};
use dbgregs::esr::{aarch64_view, to_guest_numbering, EsrBuilder};
use dbgregs::inject::{
    debug_exception, undefined_for_step, ExceptionContext, ExceptionKind, FaultStatusRegister,
    Faulting, FsrFormat, Sctlr,
};
use dbgregs::kvm_onereg::{apply_one_regs, one_regs};
use dbgregs::matching::{InstructionFetch, Mode};
use dbgregs::model::CoreModel;
use dbgregs::state::{DebugState, UnknownFill};

/// MCR p14, 0, r0, c0, c2, 2 (DBGDSCRext), c0, c0, 4 (DBGBVR0), c0, c0, 5
/// (DBGBCR0).
const MCR_DSCR_EXT: u32 = 0xee00_0e52;
const MCR_BVR0: u32 = 0xee00_0e90;
const MCR_BCR0: u32 = 0xee00_0eb0;

/// Programs BRP0 to break on the A32 instruction at `address` in PL1 and
/// enables monitor debug, as a guest kernel would.
fn program_breakpoint(model: &CoreModel, state: &mut DebugState, address: u32) {
    state.set_os_lock(false);
    let mut g = SimpleGuest::svc(0);
    // BCR: BAS = 0xF, PMC = 0b11, E.
    for (word, value) in [
        (MCR_DSCR_EXT, 1 << 15),
        (MCR_BVR0, address),
        (MCR_BCR0, 0x1E7),
    ] {
        g.regs[0] = value;
        let out = step(model, state, &mut g, Trap::A32(word)).unwrap();
        assert!(matches!(out, StepOutcome::Completed { .. }), "{out:?}");
    }
}

#[test]
fn syndrome_trap_undefined_then_injected() {
    let model = CoreModel::preset("cortex-a53").unwrap();
    let mut state = DebugState::cold_reset(model, UnknownFill::Zero);
    let mut guest = SimpleGuest::svc(0x8000);
    // MRC p14, 1, SP, c0, c0, 0 from SVC mode: opc1 = 1 is no debug register.
    let sp = aarch64_view(Mode::Supervisor, 13).unwrap();
    let esr = EsrBuilder::mrc(1, 0, 0, 0).rt(sp).build().unwrap();
    let access = dbgregs::decode::decode_esr(esr).unwrap();
    let access = to_guest_numbering(&access, guest.cpsr).unwrap();
    let out = step_access(model, &mut state, &mut guest, &access);
    assert!(matches!(out, StepOutcome::Undefined { .. }));
    let ctx = ExceptionContext::for_model(model, Sctlr::new().with_te(true), 0xC000_0000);
    let e = undefined_for_step(&ctx, Faulting::new(guest.pc, guest.cpsr), &out)
        .unwrap()
        .unwrap();
    assert_eq!(e.kind, ExceptionKind::Undefined);
    assert_eq!(
        (e.vector, e.link, e.spsr),
        (0xC000_0004, 0x8004, guest.cpsr)
    );
    assert_eq!(e.cpsr & 0x3F, 0x3B); // Undefined mode, T = SCTLR.TE
}

#[test]
fn breakpoint_hit_becomes_a_prefetch_abort() {
    let model = CoreModel::preset("cortex-a15").unwrap();
    let mut state = DebugState::cold_reset(model, UnknownFill::Zero);
    program_breakpoint(model, &mut state, 0x9000);
    let fetch = InstructionFetch::new(0x9000, false, Mode::Supervisor);
    let event = state.on_instruction(model, &fetch).unwrap();
    let ctx = ExceptionContext::for_model(model, Sctlr::new(), 0)
        .with_fsr_format(FsrFormat::from_ttbcr(1 << 31));
    let x = debug_exception(&ctx, Faulting::new(0x9000, 0x1d3), &event).unwrap();
    assert_eq!(
        (x.entry.kind, x.entry.vector),
        (ExceptionKind::PrefetchAbort, 0x0C)
    );
    assert_eq!(x.entry.link, 0x9004);
    let s = x.syndrome.unwrap();
    assert_eq!(
        (s.register, s.fsr, s.far),
        (FaultStatusRegister::Ifsr, 0x222, None)
    );
    // The event also set DBGDSCR.MOE = breakpoint in the vCPU's state.
    assert_eq!((state.dscr_ext(model) >> 2) & 0xF, u32::from(s.moe));
}

#[test]
fn migrate_through_one_reg_keeps_the_breakpoint() {
    let model = CoreModel::preset("cortex-a57").unwrap();
    let mut source = DebugState::cold_reset(model, UnknownFill::Seeded(11));
    program_breakpoint(model, &mut source, 0x4_0000);
    let regs = one_regs(model, &source).unwrap();
    let mut target = DebugState::cold_reset(model, UnknownFill::Zero);
    apply_one_regs(model, &mut target, &regs).unwrap();
    let fetch = InstructionFetch::new(0x4_0000, false, Mode::Supervisor);
    assert!(source.peek_instruction(model, &fetch).is_some());
    assert_eq!(
        target.peek_instruction(model, &fetch),
        source.peek_instruction(model, &fetch)
    );
}
