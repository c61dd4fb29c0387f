//! `emulate::step` from the outside: the three trap encodings, and what the
//! Linux driver sees on a Cortex-A9 with DBGSWENABLE driven low.

use dbgregs::emulate::{step, SimpleGuest, StepOutcome, Trap};
use dbgregs::model::CoreModel;
use dbgregs::regmap::DebugRegister;
use dbgregs::semantics::UndefReason;
use dbgregs::state::{DebugState, UnknownFill};

fn vcpu(name: &str) -> (&'static CoreModel, DebugState, SimpleGuest) {
    let m = CoreModel::preset(name).unwrap_or_else(|e| panic!("{e}"));
    (
        m,
        DebugState::cold_reset(m, UnknownFill::Zero),
        SimpleGuest::svc(0x1000),
    )
}

/// ESR_EL2 for a trapped MRC/MCR p14 (EC 0x05, IL, CV, COND = AL).
fn esr_mcr_mrc(read: bool, crn: u64, crm: u64, opc2: u64, rt: u64) -> u64 {
    (0x05 << 26)
        | (1 << 25)
        | (1 << 24)
        | (0xE << 20)
        | (opc2 << 17)
        | (crn << 10)
        | (rt << 5)
        | (crm << 1)
        | read as u64
}

#[test]
fn the_three_encodings_of_one_access_agree() {
    let (m, mut s, mut g) = vcpu("cortex-a53");
    // MRC p14,0,r3,c0,c0,0 as A32, T32 and a syndrome (x3).
    for trap in [
        Trap::A32(0xee10_3e10),
        Trap::T32(0xee10_3e10),
        Trap::Esr(esr_mcr_mrc(true, 0, 0, 0, 3)),
    ] {
        g.regs[3] = 0;
        let pc = g.pc;
        let out = step(m, &mut s, &mut g, trap);
        assert!(
            matches!(
                out,
                Ok(StepOutcome::Completed {
                    register: DebugRegister::Dbgdidr,
                    ..
                })
            ),
            "{trap:?}: {out:?}"
        );
        assert_eq!(g.regs[3], 0x3516_d000);
        assert_eq!(g.pc, pc + 4);
    }
}

#[test]
fn esr_write_and_condition_code() {
    let (m, mut s, mut g) = vcpu("cortex-a15");
    g.regs[20] = 0x1e5; // x20
    let out = step(
        m,
        &mut s,
        &mut g,
        Trap::Esr(esr_mcr_mrc(false, 0, 2, 5, 20)),
    );
    assert!(matches!(out, Ok(StepOutcome::Completed { .. })), "{out:?}");
    assert_eq!(s.bcrs()[2], 0x1e5);
    // Same access, COND = NE with Z set: skipped.
    g.cpsr |= 1 << 30;
    let esr = (esr_mcr_mrc(false, 0, 2, 5, 20) & !(0xF << 20)) | (0x1 << 20);
    g.regs[20] = 0;
    assert_eq!(
        step(m, &mut s, &mut g, Trap::Esr(esr)),
        Ok(StepOutcome::ConditionFailed)
    );
    assert_eq!(s.bcrs()[2], 0x1e5);
}

#[test]
fn cortex_a9_with_dbgswenable_low_as_linux_sees_it() {
    let (m, mut s, mut g) = vcpu("cortex-a9");
    s.set_dbgswenable(false);
    // get_debug_arch: DBGDIDR still reads (before the undef hook exists).
    assert!(matches!(
        step(m, &mut s, &mut g, Trap::A32(0xee10_0e10)),
        Ok(StepOutcome::Completed { .. })
    ));
    // core_has_os_save_restore: 0xee115e91 traps (erratum 764319).
    assert_eq!(
        step(m, &mut s, &mut g, Trap::A32(0xee11_5e91)),
        Ok(StepOutcome::Undefined {
            register: Some(DebugRegister::Dbgoslsr),
            reason: UndefReason::SoftwareDebugDisabled
        })
    );
    // reset_ctrl_regs: DBGPRSR read (0xee113e95) traps too.
    assert!(matches!(
        step(m, &mut s, &mut g, Trap::A32(0xee11_3e95)),
        Ok(StepOutcome::Undefined { .. })
    ));
    // DBGVCR write traps.
    assert!(matches!(
        step(m, &mut s, &mut g, Trap::A32(0xee00_0e17)),
        Ok(StepOutcome::Undefined { .. })
    ));
    assert_eq!(g.pc, 0x1004, "only the DBGDIDR read advanced the PC");
}

#[test]
fn scorpion_wfi_makes_pair_accesses_undef_until_prsr_is_read() {
    let (m, mut s, mut g) = vcpu("scorpion");
    s.wfi(m);
    let bcr0_read = Trap::A32(0xee10_0eb0);
    assert!(matches!(
        step(m, &mut s, &mut g, bcr0_read),
        Ok(StepOutcome::Undefined {
            reason: UndefReason::StickyPowerDown,
            ..
        })
    ));
    assert!(matches!(
        step(m, &mut s, &mut g, Trap::A32(0xee11_0e95)),
        Ok(StepOutcome::Completed { value: 0b11, .. })
    ));
    assert!(matches!(
        step(m, &mut s, &mut g, bcr0_read),
        Ok(StepOutcome::Completed { .. })
    ));
}
