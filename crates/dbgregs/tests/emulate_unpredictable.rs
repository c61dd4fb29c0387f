//! The emulation step's UNPREDICTABLE and not-CP14 paths, which the rest
//! of the suite left unreached (see COVERAGE.md): each UNPREDICTABLE
//! encoding of DDI 0406C.d A8.8 (MCR, MRC, MCRR, MRRC pseudocode) is
//! refused as UNDEFINED with reason `Unpredictable` and changes nothing,
//! a word or syndrome that is no CP14 access is a typed error, and the two
//! defined neighbours (MRC to APSR_nzcv from DBGDSCRint; T32 R13 from
//! Armv8) complete.
#![allow(clippy::unwrap_used)]

use dbgregs::emulate::{step, SimpleGuest, StepOutcome, Trap};
use dbgregs::error::DbgRegsError;
use dbgregs::model::CoreModel;
use dbgregs::regmap::DebugRegister;
use dbgregs::semantics::UndefReason;
use dbgregs::state::{DebugState, UnknownFill};

fn vcpu(model: &str) -> (CoreModel, DebugState, SimpleGuest) {
    let m = *CoreModel::preset(model).unwrap();
    let state = DebugState::cold_reset(&m, UnknownFill::Zero);
    let mut guest = SimpleGuest::svc(0x8000);
    for (i, r) in guest.regs.iter_mut().enumerate() {
        *r = 0x1111_1111 * (i as u32 % 15 + 1);
    }
    (m, state, guest)
}

/// Steps `trap` and checks it is refused as UNPREDICTABLE with nothing
/// changed.
fn refused(model: &str, trap: Trap, register: Option<DebugRegister>) {
    let (m, mut state, mut guest) = vcpu(model);
    let (before_state, before_guest) = (state, guest);
    let out = step(&m, &mut state, &mut guest, trap).unwrap();
    assert_eq!(
        out,
        StepOutcome::Undefined {
            register,
            reason: UndefReason::Unpredictable
        },
        "{trap:x?} on {model}"
    );
    assert_eq!(state, before_state, "{trap:x?} changed the state");
    assert_eq!(guest, before_guest, "{trap:x?} changed the guest");
}

#[test]
fn mcr_from_pc_is_unpredictable() {
    // MCR p14, 0, pc, c0, c7, 0 (DBGVCR): A8.8 MCR "if t == 15".
    refused(
        "cortex-a15",
        Trap::A32(0xee00_fe17),
        Some(DebugRegister::Dbgvcr),
    );
}

#[test]
fn mrc_to_pc_is_unpredictable_except_from_dbgdscrint() {
    // MRC p14, 0, APSR_nzcv, c0, c0, 0 (DBGDIDR).
    refused(
        "cortex-a15",
        Trap::A32(0xee10_fe10),
        Some(DebugRegister::Dbgdidr),
    );
    // From DBGDSCRint the destination is APSR_nzcv: the flags take
    // DBGDSCR[31:28], no general register changes.
    let (m, mut state, mut guest) = vcpu("cortex-a15");
    let regs = guest.regs;
    let out = step(&m, &mut state, &mut guest, Trap::A32(0xee10_fe11)).unwrap();
    let StepOutcome::Completed {
        register, value, ..
    } = out
    else {
        panic!("{out:?}");
    };
    assert_eq!(register, DebugRegister::DbgdscrInt);
    assert_eq!(guest.cpsr >> 28, (value as u32) >> 28);
    assert_eq!(guest.regs, regs);
    assert_eq!(guest.pc, 0x8004);
}

#[test]
fn mrrc_with_equal_or_pc_registers_is_unpredictable() {
    // MRRC p14, 0, r1, r1, c1 (DBGDRAR): A8.8 MRRC "if t == t2".
    refused(
        "cortex-a15",
        Trap::A32(0xec51_1e01),
        Some(DebugRegister::Dbgdrar64),
    );
    // MRRC p14, 0, pc, r1, c1 and MRRC p14, 0, r1, pc, c1: "t == 15 || t2 == 15".
    refused(
        "cortex-a15",
        Trap::A32(0xec51_fe01),
        Some(DebugRegister::Dbgdrar64),
    );
    refused(
        "cortex-a15",
        Trap::A32(0xec5f_1e01),
        Some(DebugRegister::Dbgdrar64),
    );
}

#[test]
fn t32_r13_is_unpredictable_before_armv8_only() {
    // T32 MRC p14, 0, sp, c0, c0, 0 and MRRC p14, 0, r1, sp, c1.
    refused(
        "cortex-a15",
        Trap::T32(0xee10_de10),
        Some(DebugRegister::Dbgdidr),
    );
    refused(
        "cortex-a15",
        Trap::T32(0xec5d_1e01),
        Some(DebugRegister::Dbgdrar64),
    );
    // Armv8 removes the R13 case (DDI 0487, the AArch32 MRC/MRRC
    // pseudocode): the read completes into SP.
    let (m, mut state, mut guest) = vcpu("cortex-a53");
    let out = step(&m, &mut state, &mut guest, Trap::T32(0xee10_de10)).unwrap();
    assert!(matches!(out, StepOutcome::Completed { .. }), "{out:?}");
    assert_eq!(guest.regs[13], m.dbgdidr());
}

#[test]
fn words_and_syndromes_that_are_no_cp14_access_are_typed_errors() {
    let (m, mut state, mut guest) = vcpu("cortex-a9");
    let (before_state, before_guest) = (state, guest);
    for (trap, kind) in [
        (Trap::A32(0xe080_0001), "A32 word"), // add r0, r0, r1
        (Trap::A32(0xee10_0f10), "A32 word"), // MRC p15
        (Trap::T32(0x4408_0000), "T32 word"), // a 16-bit first halfword
        (Trap::T32(0xee10_0f10), "T32 word"), // T32 MRC p15
        (Trap::Esr(0x9600_0000), "ESR"),      // a data abort syndrome
    ] {
        match step(&m, &mut state, &mut guest, trap) {
            Err(DbgRegsError::NotCp14 { kind: k, .. }) => assert_eq!(k, kind, "{trap:x?}"),
            other => panic!("{trap:x?}: {other:?}"),
        }
        assert_eq!(state, before_state);
        assert_eq!(guest, before_guest);
    }
}
