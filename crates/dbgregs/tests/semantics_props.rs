//! Property tests from the outside: write-then-read of every plain RW
//! register on every preset, and no panic (and no change on UNDEF) for
//! arbitrary traps, guest states and state operations on every preset.

use dbgregs::access::{Access, AddressingMode, Condition, Direction, Gpr, Operation, Source};
use dbgregs::emulate::{step, SimpleGuest, StepOutcome, Trap};
use dbgregs::model::CoreModel;
use dbgregs::regmap::DebugRegister;
use dbgregs::semantics::{self, normalize_bcr, writable_mask, AccessContext, AccessOutcome};
use dbgregs::state::{DebugState, UnknownFill};
use proptest::prelude::*;

/// An arbitrary (not necessarily encodable) access built from `w`'s bits.
fn arbitrary_access(w: u64) -> Access {
    let b = |shift: u32, bits: u32| ((w >> shift) & ((1 << bits) - 1)) as u8;
    let source = [Source::A32, Source::T32, Source::Esr][(b(0, 2) % 3) as usize];
    let gpr = |shift| Gpr(b(shift, 5));
    let operation = match b(2, 2) {
        0 | 1 => Operation::Transfer {
            opc1: b(4, 3),
            crn: b(7, 4),
            crm: b(11, 4),
            opc2: b(15, 3),
            rt: gpr(18),
        },
        2 => Operation::Transfer64 {
            opc1: b(4, 4),
            crm: b(8, 4),
            rt: gpr(18),
            rt2: gpr(23),
        },
        _ => Operation::Memory {
            crd: b(4, 4),
            rn: if b(28, 1) == 1 { None } else { Some(gpr(18)) },
            imm8: b(40, 8),
            mode: [
                AddressingMode::Unindexed,
                AddressingMode::PostIndexed,
                AddressingMode::Offset,
                AddressingMode::PreIndexed,
            ][b(29, 2) as usize],
            add: b(31, 1) == 1,
            long: b(32, 1) == 1,
        },
    };
    Access {
        source,
        direction: if b(33, 1) == 1 {
            Direction::Read
        } else {
            Direction::Write
        },
        operation,
        condition: if b(34, 1) == 1 {
            None
        } else {
            Some(Condition(b(35, 4)))
        },
        two: b(39, 1) == 1,
    }
}

fn all_registers() -> Vec<DebugRegister> {
    use DebugRegister::*;
    let mut v = vec![
        Dbgdidr,
        DbgdscrInt,
        DbgdtrrxInt,
        DbgdtrtxInt,
        Dbgdccint,
        Dbgwfar,
        Dbgvcr,
        Dbgecr,
        Dbgdsccr,
        Dbgdsmcr,
        DbgdtrrxExt,
        Dbgitr,
        Dbgpcsr,
        DbgdscrExt,
        DbgdtrtxExt,
        Dbgdrcr,
        Dbgoseccr,
        Dbgdrar,
        Dbgdsar,
        Dbgdrar64,
        Dbgdsar64,
        Dbgoslar,
        Dbgoslsr,
        Dbgossrr,
        Dbgosdlr,
        Dbgprcr,
        Dbgprsr,
        Dbgitctrl,
        Dbgclaimset,
        Dbgclaimclr,
        Dbgauthstatus,
        Dbgdevid2,
        Dbgdevid1,
        Dbgdevid,
    ];
    for n in 0..16 {
        v.extend([Dbgbvr(n), Dbgbcr(n), Dbgwvr(n), Dbgwcr(n), Dbgbxvr(n)]);
    }
    v
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn write_then_read_is_value_and_mask(values in proptest::collection::vec(any::<u32>(), 120), unlock in any::<bool>()) {
        let regs = all_registers();
        for model in CoreModel::presets() {
            let mut state = DebugState::cold_reset(model, UnknownFill::Zero);
            if unlock {
                state.set_os_lock(false);
            }
            for (reg, &value) in regs.iter().zip(values.iter().cycle()) {
                let Some(mask) = writable_mask(model, &state, *reg) else { continue };
                if model.version().is_v6() && *reg != DebugRegister::DbgdscrInt {
                    // v6/v6.1 lock the other registers out unless Monitor
                    // debug-mode is selected (ARM DDI 0301H §13.5.1).
                    semantics::write(model, &mut state, DebugRegister::DbgdscrInt, 1 << 15, AccessContext::PL1);
                }
                let w = semantics::write(model, &mut state, *reg, value, AccessContext::PL1);
                prop_assert_eq!(w, AccessOutcome::Written, "{} {}", model.name(), reg);
                let r = semantics::read(model, &mut state, *reg, AccessContext::PL1);
                let AccessOutcome::Read(got) = r else {
                    return Err(TestCaseError::fail(format!("{} {reg}: {r:?}", model.name())));
                };
                let expected = match reg {
                    DebugRegister::Dbgbcr(_) => normalize_bcr(model, value),
                    _ => value & mask,
                };
                // DBGDSCRext also shows read-only status bits (NS, RESTARTED).
                let got = if *reg == DebugRegister::DbgdscrExt { got & mask } else { got };
                prop_assert_eq!(got, expected, "{} {} value {:#x}", model.name(), reg, value);
            }
        }
    }

    #[test]
    fn no_input_panics_and_undef_changes_nothing(
        ops in proptest::collection::vec((0u8..13, any::<u64>(), any::<u32>(), any::<[u32; 4]>()), 1..40),
        model_index in 0usize..64,
        seed in any::<u64>(),
    ) {
        let presets = CoreModel::presets();
        let model = &presets[model_index % presets.len()];
        let mut state = DebugState::cold_reset(model, UnknownFill::Seeded(seed));
        let mut guest = SimpleGuest::svc(0x8000);
        for (op, word, cpsr, regs) in ops {
            guest.regs[..4].copy_from_slice(&regs);
            guest.regs[(word as usize >> 12) & 15] = regs[0];
            let trap = match op {
                0 => { state.set_dbgswenable(word & 1 == 0); continue }
                1 => { state.wfi(model); continue }
                2 => { state.power_down(); state.power_up(model, UnknownFill::Seeded(word)); continue }
                3 => { state.set_double_lock(word & 1 == 1); continue }
                4 => { state.set_os_lock(word & 1 == 1); continue }
                5 | 6 => Trap::A32(0xEE00_0E10 | (word as u32 & 0xF0FF_F1EF)),
                7 => Trap::A32(word as u32),
                8 => Trap::T32(word as u32),
                9 => Trap::Esr(word),
                10 => Trap::A32(0x0C00_0E00 | (word as u32 & 0xF1FF_F0FF)),
                11 => Trap::Decoded(arbitrary_access(word)),
                _ => Trap::Esr((0x05 << 26) | (1 << 25) | (word & 0x1FF_FFFF)),
            };
            guest.cpsr = cpsr;
            let (before_state, before_guest) = (state, guest);
            match step(model, &mut state, &mut guest, trap) {
                Ok(StepOutcome::Undefined { .. }) | Ok(StepOutcome::DataAbort(_)) | Err(_) => {
                    prop_assert_eq!(state, before_state);
                    prop_assert_eq!(guest, before_guest);
                }
                Ok(StepOutcome::Completed { .. }) | Ok(StepOutcome::ConditionFailed) => {
                    prop_assert_eq!(guest.pc, before_guest.pc.wrapping_add(4));
                }
            }
        }
    }
}
