//! The debug exception handlers against `arch/arm/kernel/hw_breakpoint.c`
//! (docs/fidelity-decisions.md D2, D3, D5, D6): every exact watchpoint hit
//! reported, uaccess hits on user-only watchpoints stepped silently, no
//! DBGWFAR read at entry, MOE 3 claimed by the current driver.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use dbgemu::dbgregs::matching::{AccessKind, DataAccess, Mode};
use dbgemu::dbgregs::model::CoreModel;
use dbgemu::driver::{DriverVersion, HwBreakpoint, InitOptions};
use dbgemu::install::{BpType, BreakpointRequest, HandlerAction, HwBreakpoints};
use dbgemu::machine::{Machine, MachineConfig};

fn boot_with(model: &str, driver: DriverVersion) -> (Arc<Machine>, HwBreakpoints) {
    let mut cfg = MachineConfig::new(*CoreModel::preset(model).unwrap(), 2);
    cfg.trace = true;
    let m = Machine::new(cfg).unwrap();
    let opts = InitOptions {
        driver,
        ..InitOptions::default()
    };
    let hw = HwBreakpoint::init(&m, opts);
    assert!(hw.result().enabled);
    let bps = HwBreakpoints::new(&m, &hw);
    (m, bps)
}

fn boot(model: &str) -> (Arc<Machine>, HwBreakpoints) {
    boot_with(model, DriverVersion::Current)
}

fn access(pc: u32, address: u32, size: u32, kind: AccessKind, mode: Mode) -> DataAccess {
    DataAccess {
        address,
        size,
        kind,
        mode,
        unprivileged: false,
        secure: false,
        contextidr: 0,
        vmid: 0,
        instruction_address: pc,
        thumb: false,
    }
}

fn trace_len(m: &Machine, cpu: usize) -> usize {
    m.vcpu(cpu).unwrap().trace().len()
}

fn trace_from(m: &Machine, cpu: usize, from: usize) -> Vec<u32> {
    m.vcpu(cpu).unwrap().trace()[from..].to_vec()
}

const DSCRINT_RD: u32 = 0xee10_0e11;
const WFAR_RD: u32 = 0xee10_0e16;

#[test]
fn d5_no_dbgwfar_read_at_exception_entry() {
    let (m, mut bps) = boot("cortex-a9");
    let w = bps
        .register(
            0,
            &BreakpointRequest::watch(0x0002_0000, 4, BpType::LoadStore).stepping_over(),
        )
        .unwrap();
    let before = trace_len(&m, 0);
    let pc = 0x0001_0010;
    let ex = bps
        .data_access(
            0,
            &access(pc, 0x0002_0000, 4, AccessKind::Store, Mode::User),
        )
        .unwrap()
        .unwrap();
    // The hardware value is still reported, from the event.
    assert_eq!(ex.wfar, Some(pc + 8));
    let words = trace_from(&m, 0, before);
    assert_eq!(words[0], DSCRINT_RD, "{words:x?}");
    assert!(!words.contains(&WFAR_RD), "{words:x?}");
    assert!(matches!(ex.actions[0], HandlerAction::Fired { handle, .. } if handle == w));
}

#[test]
fn d6_moe_3_is_claimed_by_the_current_driver_only() {
    let (m, mut bps) = boot("cortex-a15");
    let before = trace_len(&m, 0);
    let ex = bps.bkpt(0, 0x0001_0000).unwrap();
    assert_eq!(ex.moe, 0b0011);
    assert_eq!(ex.actions, vec![HandlerAction::CfiBreakpoint]);
    assert_eq!(trace_from(&m, 0, before), vec![DSCRINT_RD]);
    let (_m, mut bps) = boot_with("cortex-a15", DriverVersion::V4_10);
    let ex = bps.bkpt(0, 0x0001_0000).unwrap();
    assert_eq!(ex.actions, vec![HandlerAction::NotDebugEntry]);
    assert!(bps.bkpt(7, 0).is_err(), "no CPU 7");
}

#[test]
fn d2_every_exact_watchpoint_hit_is_reported_with_its_step() {
    let (_m, mut bps) = boot("cortex-a15");
    let a = bps
        .register(
            0,
            &BreakpointRequest::watch(0x1000, 4, BpType::LoadStore).stepping_over(),
        )
        .unwrap();
    let b = bps
        .register(
            0,
            &BreakpointRequest::watch(0x1002, 2, BpType::LoadStore).stepping_over(),
        )
        .unwrap();
    let ex = bps
        .data_access(0, &access(0x8000, 0x1002, 2, AccessKind::Store, Mode::User))
        .unwrap()
        .unwrap();
    let fired: Vec<_> = ex
        .actions
        .iter()
        .map(|a| match a {
            HandlerAction::Fired { handle, slot, .. } => Some((*handle, *slot)),
            _ => None,
        })
        .collect();
    assert_eq!(fired.len(), 4, "{:?}", ex.actions);
    assert_eq!(fired[0], Some((a, 0)));
    assert!(matches!(ex.actions[1], HandlerAction::StepStarted { handle, .. } if handle == a));
    assert_eq!(fired[2], Some((b, 1)));
    assert!(matches!(ex.actions[3], HandlerAction::StepStarted { handle, .. } if handle == b));
}

#[test]
fn d2_without_an_exact_hit_the_first_closest_fires() {
    let (m, mut bps) = boot("cortex-a15");
    bps.register(0, &BreakpointRequest::watch(0x1000, 4, BpType::Store))
        .unwrap();
    let b = bps
        .register(0, &BreakpointRequest::watch(0x1008, 4, BpType::Store))
        .unwrap();
    // A DFAR outside both (the hardware's DFAR is IMPLEMENTATION DEFINED
    // within the access; feed the handler one 5 bytes past WRP1).
    let event = dbgemu::dbgregs::matching::DebugEvent {
        kind: dbgemu::dbgregs::matching::EventKind::Watchpoint,
        units: 0b10,
        moe: 0b1010,
        synchronous: true,
        wfar: None,
        dfar: Some(0x1010),
        wnr: true,
        cm: false,
    };
    let ex = bps
        .handle_event(
            0,
            &event,
            0x8000,
            Some(&access(0x8000, 0x1010, 4, AccessKind::Store, Mode::User)),
        )
        .unwrap();
    assert_eq!(
        ex.actions,
        vec![HandlerAction::Fired {
            handle: b,
            slot: 1,
            trigger: 0x1010
        }]
    );
    drop(m);
}

#[test]
fn d3_a_uaccess_hit_on_a_user_watchpoint_only_steps() {
    let (_m, mut bps) = boot("cortex-a15");
    let w = bps
        .register(0, &BreakpointRequest::watch(0x2000, 4, BpType::Store))
        .unwrap();
    // STRT from a kernel uaccess routine: SVC mode, unprivileged access.
    let mut strt = access(0xC010_0000, 0x2000, 4, AccessKind::Store, Mode::Supervisor);
    strt.unprivileged = true;
    let ex = bps.data_access(0, &strt).unwrap().unwrap();
    assert_eq!(ex.actions.len(), 1, "{:?}", ex.actions);
    assert!(matches!(ex.actions[0], HandlerAction::StepStarted { handle, .. } if handle == w));
    // The v4.10 driver reports it.
    let (_m, mut bps) = boot_with("cortex-a15", DriverVersion::V4_10);
    let w = bps
        .register(0, &BreakpointRequest::watch(0x2000, 4, BpType::Store))
        .unwrap();
    let ex = bps.data_access(0, &strt).unwrap().unwrap();
    assert!(matches!(ex.actions[0], HandlerAction::Fired { handle, .. } if handle == w));
}

#[test]
fn j5_no_slot_is_a_pr_warn_log_line() {
    let m = Machine::new(MachineConfig::new(
        *CoreModel::preset("cortex-a9").unwrap(),
        1,
    ))
    .unwrap();
    let hw = HwBreakpoint::init(&m, InitOptions::default());
    let mut bps = HwBreakpoints::new(&m, &hw);
    bps.register(0, &BreakpointRequest::watch(0x2000, 4, BpType::Store))
        .unwrap();
    let before = hw.core().messages().len();
    assert!(bps
        .register(0, &BreakpointRequest::watch(0x3000, 4, BpType::Store))
        .is_err());
    let msgs = hw.core().messages();
    assert_eq!(msgs.len(), before + 1);
    assert_eq!(
        msgs[before].to_string(),
        "hw-breakpoint: Can't find any breakpoint slot"
    );
}
