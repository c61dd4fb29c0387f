//! The hw_breakpoint install path from the outside (docs/kernel-flow.md,
//! `control-encoding`): control-register encodings as written to the vCPU through MCR
//! words (value register first), slot search from index 0, refusals with
//! typed errors, the failed-init case, and the mismatch step-over of
//! breakpoints and watchpoints through the debug exception handlers.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use dbgemu::dbgregs::matching::{AccessKind, DataAccess, InstructionFetch, Mode};
use dbgemu::dbgregs::model::CoreModel;
use dbgemu::driver::{mcr_word, HwBreakpoint, InitOptions};
use dbgemu::install::InstallError;
use dbgemu::install::{BpHandle, BpType, BreakpointRequest, HandlerAction, HwBreakpoints};
use dbgemu::machine::{FaultKind, Machine, MachineConfig};

fn boot(model: &str, faults: &[(usize, FaultKind)]) -> (Arc<Machine>, HwBreakpoint, HwBreakpoints) {
    let mut cfg = MachineConfig::new(*CoreModel::preset(model).unwrap(), 2);
    cfg.trace = true;
    for &(cpu, kind) in faults {
        cfg.faults.push(dbgemu::machine::Fault { cpu, kind });
    }
    let m = Machine::new(cfg).unwrap();
    let hw = HwBreakpoint::init(&m, InitOptions::default());
    let bps = HwBreakpoints::new(&m, &hw);
    (m, hw, bps)
}

/// (BVRn, BCRn, WVRn, WCRn) of `cpu`.
fn pair(m: &Machine, cpu: usize, n: usize) -> (u32, u32, u32, u32) {
    let v = m.vcpu(cpu).unwrap();
    let d = v.debug();
    (d.bvrs()[n], d.bcrs()[n], d.wvrs()[n], d.wcrs()[n])
}

fn last_words(m: &Machine, cpu: usize, n: usize) -> Vec<u32> {
    let v = m.vcpu(cpu).unwrap();
    let t = v.trace();
    t[t.len() - n..].to_vec()
}

fn user_fetch(address: u32) -> InstructionFetch {
    InstructionFetch {
        address,
        thumb: false,
        mode: Mode::User,
        secure: false,
        contextidr: 0,
        vmid: 0,
    }
}

fn user_access(pc: u32, address: u32, size: u32, kind: AccessKind) -> DataAccess {
    DataAccess {
        address,
        size,
        kind,
        mode: Mode::User,
        unprivileged: false,
        secure: false,
        contextidr: 0,
        vmid: 0,
        instruction_address: pc,
        thumb: false,
    }
}

#[test]
fn the_spec_examples_land_in_the_registers_value_first() {
    let (m, hw, mut bps) = boot("cortex-a15", &[]);
    assert!(hw.result().enabled);
    let h = bps
        .register(0, &BreakpointRequest::execute(0x0001_0000, 4))
        .unwrap();
    assert_eq!(bps.slot(h), Some(0));
    let (bvr, bcr, _, _) = pair(&m, 0, 0);
    assert_eq!((bvr, bcr), (0x0001_0000, 0x1E5));
    assert_eq!(
        last_words(&m, 0, 2),
        vec![mcr_word(0, 0, 0, 4), mcr_word(0, 0, 0, 5)],
        "BVR0 then BCR0"
    );
    let w = bps
        .register(0, &BreakpointRequest::watch(0xC000_1000, 4, BpType::Store))
        .unwrap();
    assert_eq!(bps.slot(w), Some(0));
    let (_, _, wvr, wcr) = pair(&m, 0, 0);
    assert_eq!((wvr, wcr), (0xC000_1000, 0x1F7));
    assert_eq!(
        last_words(&m, 0, 2),
        vec![mcr_word(0, 0, 0, 6), mcr_word(0, 0, 0, 7)],
        "WVR0 then WCR0"
    );
    let w8 = bps
        .register(
            0,
            &BreakpointRequest::watch(0xC000_2000, 8, BpType::LoadStore),
        )
        .unwrap();
    assert_eq!(bps.slot(w8), Some(1));
    let (_, _, wvr, wcr) = pair(&m, 0, 1);
    assert_eq!((wvr, wcr), (0xC000_2000, 0x1FFF));
    // Sub-word watchpoints: the length mask shifted by the offset.
    let b = bps
        .register(0, &BreakpointRequest::watch(0x0003_0003, 1, BpType::Load))
        .unwrap();
    assert_eq!(bps.get(b).map(|b| b.address), Some(0x0003_0000));
    let (_, _, wvr, wcr) = pair(&m, 0, 2);
    assert_eq!(
        (wvr, wcr),
        (0x0003_0000, (0x8 << 5) | (1 << 3) | (2 << 1) | 1)
    );
    // CPU 1 is untouched.
    assert_eq!(pair(&m, 1, 0), (0, 0, 0, 0));
}

#[test]
fn slots_fill_from_index_0_and_run_out() {
    let (m, hw, mut bps) = boot("cortex-a15", &[]);
    assert_eq!((hw.result().brps, bps.core_num_brps()), (5, 5));
    let handles: Vec<BpHandle> = (0..5u32)
        .map(|i| {
            bps.register(1, &BreakpointRequest::execute(0x1000 + 0x100 * i, 4))
                .unwrap()
        })
        .collect();
    for (i, h) in handles.iter().enumerate() {
        assert_eq!(bps.slot(*h), Some(i as u8));
    }
    let err = bps
        .register(1, &BreakpointRequest::execute(0x9000, 4))
        .unwrap_err();
    assert_eq!(
        err,
        InstallError::BpNoSlot {
            cpu: 1,
            kind: "breakpoint",
            count: 5
        }
    );
    assert!(err
        .to_string()
        .starts_with("Can't find any breakpoint slot"));
    // The reserved BRP (index 5) was never touched.
    assert_eq!(pair(&m, 1, 5), (0, 0, 0, 0));
    bps.unregister(handles[2]).unwrap();
    assert_eq!(pair(&m, 1, 2).1, 0, "uninstall writes BCR2 = 0");
    assert_eq!(
        last_words(&m, 1, 1),
        vec![mcr_word(0, 0, 2, 5)],
        "uninstall writes only the control register"
    );
    let again = bps
        .register(1, &BreakpointRequest::execute(0x9000, 2))
        .unwrap();
    assert_eq!(bps.slot(again), Some(2));
    assert_eq!(pair(&m, 1, 2), (0x9000, 0x3 << 5 | 2 << 1 | 1, 0, 0));
    assert_eq!(
        bps.unregister(BpHandle(99)),
        Err(InstallError::BpUnknownHandle { handle: 99 })
    );
    bps.unregister(handles[2]).unwrap_err();
}

#[test]
fn one_watchpoint_before_v7_1() {
    let (_m, hw, mut bps) = boot("cortex-a9", &[]);
    assert_eq!(hw.result().wrps, 1);
    bps.register(0, &BreakpointRequest::watch(0x2000, 4, BpType::Store))
        .unwrap();
    assert_eq!(
        bps.register(0, &BreakpointRequest::watch(0x3000, 4, BpType::Store)),
        Err(InstallError::BpNoSlot {
            cpu: 0,
            kind: "watchpoint",
            count: 1
        })
    );
}

#[test]
fn a_failed_init_leaves_no_slot() {
    let (m, hw, mut bps) = boot("cortex-a15", &[(1, FaultKind::SwenableLow)]);
    assert!(!hw.result().enabled);
    let before = m.vcpu(0).unwrap().debug().bcrs()[0];
    for req in [
        BreakpointRequest::execute(0x1000, 4),
        BreakpointRequest::watch(0x2000, 4, BpType::Load),
    ] {
        let err = bps.register(0, &req).unwrap_err();
        assert!(
            matches!(err, InstallError::BpNoSlot { count: 0, .. }),
            "{err}"
        );
    }
    assert_eq!(m.vcpu(0).unwrap().debug().bcrs()[0], before);
}

#[test]
fn lengths_and_alignments_the_core_cannot_express_are_refused() {
    let (m, _hw, mut bps) = boot("cortex-a9", &[]); // 4-byte BAS
    let before = *m.vcpu(0).unwrap().debug();
    let bad_len = [
        BreakpointRequest::watch(0x1000, 8, BpType::Load), // 8 bytes, 4-bit BAS
        BreakpointRequest::execute(0x1000, 8),
        BreakpointRequest::execute(0x1000, 1),
        BreakpointRequest::watch(0x1000, 3, BpType::Load),
        BreakpointRequest::watch(0x1000, 0, BpType::Load),
    ];
    for req in bad_len {
        let err = bps.register(0, &req).unwrap_err();
        assert!(
            matches!(err, InstallError::BpBadLength { .. }),
            "{req:?}: {err}"
        );
    }
    let misaligned = [
        BreakpointRequest::execute(0x1002, 4),
        BreakpointRequest::execute(0x1001, 2),
        BreakpointRequest::watch(0x1003, 2, BpType::Store),
        BreakpointRequest::watch(0x1002, 4, BpType::Store),
        BreakpointRequest::watch(0x1001, 4, BpType::Store),
    ];
    for req in misaligned {
        let err = bps.register(0, &req).unwrap_err();
        assert!(
            matches!(err, InstallError::BpMisaligned { .. }),
            "{req:?}: {err}"
        );
    }
    assert_eq!(m.vcpu(0).unwrap().debug(), &before, "nothing was written");
    // On an 8-byte-BAS core, 8 bytes must be doubleword-aligned.
    let (_m, _hw, mut bps15) = boot("cortex-a15", &[]);
    let err = bps15
        .register(0, &BreakpointRequest::watch(0x1004, 8, BpType::Load))
        .unwrap_err();
    assert!(matches!(err, InstallError::BpMisaligned { .. }), "{err}");
    // A Thumb breakpoint at the second halfword is fine.
    let h = bps15
        .register(0, &BreakpointRequest::execute(0x1002, 2))
        .unwrap();
    assert_eq!(bps15.get(h).map(|b| b.ctrl.len), Some(0xC));
}

#[test]
fn monitor_mode_off_is_refused() {
    let (m, _hw, mut bps) = boot("cortex-a15", &[]);
    m.with_vcpu(1, |ctx| ctx.mcr(0, 0, 2, 2, 0))
        .unwrap()
        .unwrap(); // DSCRext
    assert_eq!(
        bps.register(1, &BreakpointRequest::execute(0x1000, 4)),
        Err(InstallError::BpNoMonitorMode { cpu: 1 })
    );
    assert!(bps
        .register(0, &BreakpointRequest::execute(0x1000, 4))
        .is_ok());
}

#[test]
fn step_over_refusals() {
    let (_m, _hw, mut v6) = boot("arm1176", &[]);
    let err = v6
        .register(0, &BreakpointRequest::execute(0x1000, 4).stepping_over())
        .unwrap_err();
    assert!(
        matches!(err, InstallError::BpStepUnsupported { .. }),
        "{err}"
    );
    let (_m, _hw, mut a9) = boot("cortex-a9", &[]);
    for req in [
        BreakpointRequest::execute(0xC000_0000, 4).stepping_over(),
        BreakpointRequest::watch(0x2000, 4, BpType::Store).stepping_over(),
    ] {
        let err = a9.register(0, &req).unwrap_err();
        assert!(
            matches!(err, InstallError::BpStepUnsupported { .. }),
            "{err}"
        );
    }
    // From v8 DFSR.WnR is reported, so a store-only watchpoint can be stepped.
    let (_m, _hw, mut a53) = boot("cortex-a53", &[]);
    assert!(a53
        .register(
            0,
            &BreakpointRequest::watch(0x2000, 4, BpType::Store).stepping_over()
        )
        .is_ok());
}

/// The pre-v7.1 watchpoint step-over (and the same on v7.1): hit, the
/// watchpoint disabled and the mismatch breakpoint in the reserved BRP,
/// the re-executed access does not fire, the next instruction does, the
/// watchpoint comes back.
#[test]
fn watchpoint_step_over() {
    for (model, reserved) in [("cortex-a9", 5u8), ("cortex-a15", 5u8)] {
        let (m, _hw, mut bps) = boot(model, &[]);
        assert_eq!(bps.core_num_brps(), reserved);
        let w = bps
            .register(
                0,
                &BreakpointRequest::watch(0x0002_0000, 4, BpType::LoadStore).stepping_over(),
            )
            .unwrap();
        let wcr = pair(&m, 0, 0).3;
        assert_eq!(wcr, 0x1FD, "{model}");
        let pc = 0x0001_0010;
        let store = user_access(pc, 0x0002_0002, 2, AccessKind::Store);
        let ex = bps.data_access(0, &store).unwrap().unwrap();
        assert_eq!(
            (ex.kind, ex.moe, ex.synchronous),
            ("watchpoint", 0b1010, true)
        );
        if model == "cortex-a9" {
            assert_eq!((ex.wfar, ex.dfar), (Some(pc + 8), None), "{model}");
        } else {
            assert_eq!((ex.wfar, ex.dfar), (None, Some(0x0002_0002)), "{model}");
        }
        let trigger = if model == "cortex-a9" {
            0x0002_0000
        } else {
            0x0002_0002
        };
        assert_eq!(
            ex.actions,
            vec![
                HandlerAction::Fired {
                    handle: w,
                    slot: 0,
                    trigger
                },
                HandlerAction::StepStarted {
                    handle: w,
                    brp: reserved,
                    bvr: pc,
                    bcr: 0x4001E5
                }
            ],
            "{model}"
        );
        assert_eq!(pair(&m, 0, 0).3, 0, "{model}: watchpoint disabled");
        let (bvr, bcr, _, _) = pair(&m, 0, usize::from(reserved));
        assert_eq!((bvr, bcr), (pc, 0x4001E5), "{model}");
        assert!(bps.get(w).unwrap().stepping());
        // The faulting instruction is re-executed: no breakpoint on its own
        // address, no watchpoint.
        assert_eq!(bps.fetch(0, &user_fetch(pc)).unwrap(), None);
        assert_eq!(bps.data_access(0, &store).unwrap(), None);
        // The next instruction: the mismatch breakpoint fires.
        let ex = bps.fetch(0, &user_fetch(pc + 4)).unwrap().unwrap();
        assert_eq!((ex.kind, ex.moe), ("breakpoint", 1));
        assert_eq!(
            ex.actions,
            vec![HandlerAction::StepFinished { handle: w, slot: 0 }]
        );
        assert_eq!(
            pair(&m, 0, usize::from(reserved)).1,
            0,
            "{model}: step BRP removed"
        );
        assert_eq!(pair(&m, 0, 0).3, wcr, "{model}: watchpoint back");
        assert!(!bps.get(w).unwrap().stepping());
        assert_eq!(bps.fetch(0, &user_fetch(pc + 8)).unwrap(), None);
        // And it fires again.
        assert!(bps.data_access(0, &store).unwrap().is_some());
    }
}

#[test]
fn breakpoint_step_over_uses_its_own_slot() {
    let (m, _hw, mut bps) = boot("cortex-a15", &[]);
    let b = bps
        .register(
            0,
            &BreakpointRequest::execute(0x0001_0000, 4).stepping_over(),
        )
        .unwrap();
    let ex = bps.fetch(0, &user_fetch(0x0001_0000)).unwrap().unwrap();
    assert_eq!(
        ex.actions,
        vec![
            HandlerAction::Fired {
                handle: b,
                slot: 0,
                trigger: 0x0001_0000
            },
            HandlerAction::StepStarted {
                handle: b,
                brp: 0,
                bvr: 0x0001_0000,
                bcr: 0x4001E5
            }
        ]
    );
    assert_eq!(pair(&m, 0, 0).1, 0x4001E5);
    assert_eq!(bps.fetch(0, &user_fetch(0x0001_0000)).unwrap(), None);
    let ex = bps.fetch(0, &user_fetch(0x0001_0004)).unwrap().unwrap();
    assert_eq!(
        ex.actions,
        vec![HandlerAction::StepFinished { handle: b, slot: 0 }]
    );
    assert_eq!(pair(&m, 0, 0).1, 0x1E5);
    // Kernel-mode code never hits the user breakpoint.
    let svc = InstructionFetch {
        mode: Mode::Supervisor,
        ..user_fetch(0x0001_0000)
    };
    assert_eq!(bps.fetch(0, &svc).unwrap(), None);
}

#[test]
fn v7_1_attributes_hits_by_dfar() {
    let (_m, _hw, mut bps) = boot("cortex-a15", &[]);
    let _a = bps
        .register(0, &BreakpointRequest::watch(0xC000_1000, 4, BpType::Store))
        .unwrap();
    let b = bps
        .register(0, &BreakpointRequest::watch(0xC000_2000, 2, BpType::Store))
        .unwrap();
    let mut store = user_access(0xC010_0000, 0xC000_2000, 4, AccessKind::Store);
    store.mode = Mode::Supervisor;
    let ex = bps.data_access(0, &store).unwrap().unwrap();
    assert_eq!(ex.dfar, Some(0xC000_2000));
    assert_eq!(
        ex.actions,
        vec![HandlerAction::Fired {
            handle: b,
            slot: 1,
            trigger: 0xC000_2000
        }]
    );
}

#[test]
fn v6_watchpoints_are_asynchronous_with_the_kernel_warning() {
    let (m, hw, mut bps) = boot("arm1176", &[]);
    assert_eq!(hw.result().wrps, 1);
    let w = bps
        .register(0, &BreakpointRequest::watch(0xC000_1000, 4, BpType::Store))
        .unwrap();
    let mut store = user_access(0xC010_0000, 0xC000_1000, 4, AccessKind::Store);
    store.mode = Mode::Supervisor;
    let ex = bps.data_access(0, &store).unwrap().unwrap();
    assert_eq!((ex.moe, ex.synchronous), (0b0010, false));
    assert_eq!(ex.wfar, Some(0xC010_0008));
    assert_eq!(m.vcpu(0).unwrap().debug().wfar(), 0xC010_0008);
    assert!(
        matches!(&ex.actions[0], HandlerAction::Warning(t) if t.starts_with("Asynchronous watchpoint"))
    );
    assert_eq!(
        ex.actions[1],
        HandlerAction::Fired {
            handle: w,
            slot: 0,
            trigger: 0xC000_1000
        }
    );
}
