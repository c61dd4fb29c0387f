//! Stateful replay: an arbitrary core model, fault switches and a sequence
//! of trapped accesses. Checks that nothing panics, that an access taking an
//! Undefined Instruction exception changes neither the debug state nor the
//! guest registers, and that a read right after a completed write of a
//! read/write register returns the value under its writable mask.
#![no_main]

use arbitrary::Arbitrary;
use dbgregs::emulate::{step, SimpleGuest, StepOutcome, Trap};
use dbgregs::model::CoreModel;
use dbgregs::regmap::DebugRegister;
use dbgregs::semantics::{normalize_bcr, writable_mask};
use dbgregs::state::{DebugState, UnknownFill};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
enum Op {
    /// Any A32 word (mostly not CP14; exercises the error paths).
    Word { word: u32, value: u32 },
    /// A T32 word.
    Thumb { word: u32, value: u32 },
    /// An MCR/MRC to opc1 0 at the given coordinates.
    Cp14 {
        read: bool,
        crn: u8,
        crm: u8,
        opc2: u8,
        rt: u8,
        cond: u8,
        value: u32,
    },
    /// A WFI (sets sticky power-down on cores with the Scorpion quirk).
    Wfi,
    /// Debug power domain down and up again.
    PowerCycle { seed: u64 },
}

#[derive(Debug, Arbitrary)]
struct Input {
    model: u8,
    swenable_low: bool,
    sticky_power_down: bool,
    double_lock: bool,
    user_mode: bool,
    flags: u8,
    seed: Option<u64>,
    ops: Vec<Op>,
}

const USR_CPSR: u32 = 0x0000_0010;

fn mcr_mrc(read: bool, crn: u8, crm: u8, opc2: u8, rt: u8, cond: u8) -> u32 {
    (u32::from(cond & 0xF) << 28)
        | 0x0E00_0E10
        | (u32::from(read) << 20)
        | (u32::from(crn & 0xF) << 16)
        | (u32::from(rt & 0xF) << 12)
        | (u32::from(opc2 & 7) << 5)
        | u32::from(crm & 0xF)
}

fuzz_target!(|input: Input| {
    let presets = CoreModel::presets();
    let model = &presets[usize::from(input.model) % presets.len()];
    let fill = match input.seed {
        Some(seed) => UnknownFill::Seeded(seed),
        None => UnknownFill::Zero,
    };
    let mut state = DebugState::cold_reset(model, fill);
    state.set_dbgswenable(!input.swenable_low);
    state.set_sticky_power_down(input.sticky_power_down);
    state.set_double_lock(input.double_lock);
    let mut guest = SimpleGuest::svc(0x8000);
    if input.user_mode {
        guest.cpsr = USR_CPSR;
    }
    guest.cpsr |= u32::from(input.flags & 0xF) << 28;

    for op in input.ops.iter().take(256) {
        let (trap, value) = match *op {
            Op::Word { word, value } => (Trap::A32(word), value),
            Op::Thumb { word, value } => (Trap::T32(word), value),
            Op::Cp14 { read, crn, crm, opc2, rt, cond, value } => {
                (Trap::A32(mcr_mrc(read, crn, crm, opc2, rt, cond)), value)
            }
            Op::Wfi => {
                state.wfi(model);
                continue;
            }
            Op::PowerCycle { seed } => {
                state.power_down();
                state.power_up(model, UnknownFill::Seeded(seed));
                continue;
            }
        };
        // Load the value into every register an MCR might use as Rt.
        for r in 0..15 {
            guest.regs[r] = value;
        }
        let before_state = state;
        let before_guest = guest;
        let Ok(outcome) = step(model, &mut state, &mut guest, trap) else {
            // Not a CP14 access: a typed error, and nothing may have changed.
            assert_eq!(state, before_state);
            assert_eq!(guest, before_guest);
            continue;
        };
        match outcome {
            StepOutcome::Undefined { .. } | StepOutcome::DataAbort(_) => {
                assert_eq!(state, before_state, "{trap:?} -> {outcome:?} changed the state");
                assert_eq!(guest, before_guest, "{trap:?} -> {outcome:?} changed the guest");
            }
            StepOutcome::Completed { register, direction, value } => {
                assert_eq!(guest.pc, before_guest.pc.wrapping_add(4));
                let Trap::A32(word) = trap else { continue };
                if direction != dbgregs::access::Direction::Write {
                    continue;
                }
                let Some(mask) = writable_mask(model, &before_state, register) else {
                    continue;
                };
                let Some((crn, crm, opc2)) = register.coordinates() else {
                    continue;
                };
                // Read it back at PL1 on a copy, so the sequence goes on
                // undisturbed.
                let mut probe = state;
                let mut reader = SimpleGuest::svc(0x9000);
                let read = step(
                    model,
                    &mut probe,
                    &mut reader,
                    Trap::A32(mcr_mrc(true, crn, crm, opc2, 1, 0xE)),
                );
                let written = value as u32;
                let expected = match register {
                    DebugRegister::Dbgbcr(_) => normalize_bcr(model, written),
                    _ => written,
                };
                match read {
                    Ok(StepOutcome::Completed { value: got, .. }) => assert_eq!(
                        got as u32 & mask,
                        expected & mask,
                        "{word:#010x} wrote {written:#x} to {register}, read back {got:#x} (mask {mask:#x})"
                    ),
                    other => panic!("{register} written but not readable at PL1: {other:?}"),
                }
            }
            StepOutcome::ConditionFailed => {
                assert_eq!(state, before_state);
                assert_eq!(guest.pc, before_guest.pc.wrapping_add(4));
            }
        }
    }
});
