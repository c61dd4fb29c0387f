//! Each fault kind on one CPU of four (docs/kernel-flow.md, `init` to `error-mask`), with
//! both executors, and the race the hotplug read lock closes (docs/kernel-flow.md,
//! `init`: why the read lock spans the hook and the check).
//!
//! Which model makes a fault visible to Linux depends on what the driver
//! reads per debug architecture (docs/kernel-flow.md, `reset`) and on the register semantics
//! (DDI 0406C.d; docs/kernel-flow.md, `sticky-power-down`): the expected outcomes below are derived from
//! those, per (fault, model) pair.
#![allow(clippy::unwrap_used)]

use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use dbgemu::dbgregs::model::{CoreModel, OsLockModel};
use dbgemu::driver::{HwBreakpoint, InitOptions, InitWindow, SetupOutcome};
use dbgemu::machine::MachineError;
use dbgemu::machine::{Executor, Fault, FaultKind, Machine, MachineConfig};

fn preset(name: &str) -> CoreModel {
    *CoreModel::preset(name).unwrap()
}

/// A Cortex-A9 variant with the v7.0 OS Save and Restore mechanism
/// (OSLM = 0b01), so that Linux's `has_ossr` is true on v7 ECP14.
fn a9_with_ossr() -> CoreModel {
    preset("cortex-a9")
        .to_builder()
        .name("cortex-a9+ossr")
        .os_lock(OsLockModel::SaveRestore)
        .build()
        .unwrap()
}

fn machine(
    model: CoreModel,
    faults: &[(usize, FaultKind)],
    offline: &[usize],
    executor: Executor,
) -> Arc<Machine> {
    let mut cfg = MachineConfig::new(model, 4);
    cfg.faults = faults
        .iter()
        .map(|&(cpu, kind)| Fault { cpu, kind })
        .collect();
    cfg.offline = offline.to_vec();
    cfg.executor = executor;
    Machine::new(cfg).unwrap()
}

const EXECUTORS: [Executor; 2] = [Executor::Inline, Executor::Threads];

/// The disabling cases: (fault, model, exact log).
fn disabling_cases() -> Vec<(FaultKind, CoreModel, Vec<&'static str>)> {
    vec![
        // Scenario 32: the DBGOSDLR read and DBGOSLAR write proceed, only
        // the DBGVCR write traps (docs/fidelity-decisions.md J1; the
        // Smartsens M1 Cortex-A7 log shows the same single trap).
        (
            FaultKind::SwenableLow,
            preset("cortex-a15"),
            vec![
                "hw-breakpoint: Debug register access (0xee000e17) caused undefined instruction on CPU 2",
                "hw-breakpoint: CPU 2 failed to disable vector catch",
            ],
        ),
        // v7 ECP14 with OS save/restore: DBGPRSR.PU = 0 → step B.
        (
            FaultKind::PoweredDown,
            a9_with_ossr(),
            vec!["hw-breakpoint: CPU 2 debug is powered down!"],
        ),
        // v7 ECP14 without OS save/restore (the A9 preset): the PRSR result
        // is ignored (docs/kernel-flow.md, `reset`), but with SPD set the VCR write is
        // UNDEFINED on a v7.0 core (docs/kernel-flow.md, `sticky-power-down`).
        (
            FaultKind::PoweredDown,
            preset("cortex-a9"),
            vec![
                "hw-breakpoint: Debug register access (0xee000e17) caused undefined instruction on CPU 2",
                "hw-breakpoint: CPU 2 failed to disable vector catch",
            ],
        ),
        // v7.1: DBGOSDLR.DLK = 1 → step B.
        (
            FaultKind::DoubleLock,
            preset("cortex-a15"),
            vec!["hw-breakpoint: CPU 2 debug is powered down!"],
        ),
        // has_ossr is probed on CPU 0 (true); CPU 2 has no DBGOSLAR, so the
        // unconditional OS-lock clear traps.
        (
            FaultKind::NoOsSaveRestore,
            a9_with_ossr(),
            vec![
                "hw-breakpoint: Debug register access (0xee010e90) caused undefined instruction on CPU 2",
                "hw-breakpoint: CPU 2 failed to disable vector catch",
            ],
        ),
        // Scenario 35: every step passes but DBGDSCR.MDBGen reads back 0
        // (v7.1: written through DBGDSCRext).
        (
            FaultKind::MonitorRefused,
            preset("cortex-a15"),
            vec!["hw-breakpoint: Failed to enable monitor mode on CPU 2."],
        ),
        // The same on the v6 path (DSCR written at c0,c1,0).
        (
            FaultKind::MonitorRefused,
            preset("arm1176"),
            vec!["hw-breakpoint: Failed to enable monitor mode on CPU 2."],
        ),
    ]
}

#[test]
fn each_fault_on_one_cpu_disables_breakpoints_and_blocks_later_resets() {
    for executor in EXECUTORS {
        for (kind, model, log) in disabling_cases() {
            let ctx = format!("{kind} on {} ({executor})", model.name());
            let m = machine(model, &[(2, kind)], &[3], executor);
            let hw = HwBreakpoint::init(&m, InitOptions::default());
            let r = hw.result();
            assert_eq!(r.log_lines(), log, "{ctx}");
            assert!(!r.enabled, "{ctx}");
            assert_eq!((r.brps, r.wrps), (0, 0), "{ctx}");
            assert_eq!(hw.core().core_num_brps(), 0, "{ctx}");
            assert_eq!(r.error_mask, vec![2], "{ctx}");
            assert!(
                matches!(r.setup, SetupOutcome::Allocated { .. }),
                "{ctx}: setup ran"
            );
            assert_eq!(r.state_installed, None, "{ctx}");
            assert!(
                !m.hotplug()
                    .states()
                    .iter()
                    .any(|(_, n)| n == "arm/hw_breakpoint:online"),
                "{ctx}: state removed"
            );
            assert!(m.router().hooks().is_empty(), "{ctx}: no hook left");
            assert_eq!(m.pm_notifiers(), 0, "{ctx}");
            assert_eq!(r.max_watchpoint_len, None, "{ctx}");
            // The reset ran once on each online CPU (0, 1, 2), not on 3.
            for cpu in 0..3 {
                assert_eq!(hw.core().reset_runs(cpu), 1, "{ctx}: CPU {cpu}");
            }
            m.cpu_up(3).unwrap();
            assert!(m.is_online(3));
            assert_eq!(hw.core().reset_runs(3), 0, "{ctx}: CPU 3 got a reset");
            assert!(!m.vcpu(3).unwrap().debug().mdbgen(), "{ctx}");
            assert!(m.oopses().is_empty(), "{ctx}");
        }
    }
}

/// Faults Linux cannot see on these cores: init succeeds (documented in
/// the report; the reasons are in the comments).
#[test]
fn faults_invisible_to_linux_on_some_cores() {
    let found = "hw-breakpoint: found 5 (+1 reserved) breakpoint and 4 watchpoint registers.";
    let cases = [
        // v7.1: Linux reads DBGOSDLR, never DBGPRSR; the v7.0 SPD rule does
        // not apply on v7.1.
        (FaultKind::PoweredDown, "cortex-a15", Some(found)),
        // v7.1: DBGOSLAR exists whatever OSLM says, and has_ossr is true.
        (FaultKind::NoOsSaveRestore, "cortex-a15", Some(found)),
        // v7.1: SPD set by WFI has no effect on CP14 accesses.
        (FaultKind::SpdOnWfi, "cortex-a15", Some(found)),
        // v7 ECP14: the reset's DBGPRSR read (step A) clears SPD while the
        // core is powered up, before any "other debug" register is touched.
        (
            FaultKind::SpdOnWfi,
            "cortex-a9",
            Some("hw-breakpoint: found 5 (+1 reserved) breakpoint and 1 watchpoint registers."),
        ),
    ];
    for (kind, model, first) in cases {
        let m = machine(preset(model), &[(2, kind)], &[], Executor::Inline);
        let hw = HwBreakpoint::init(&m, InitOptions::default());
        let r = hw.result();
        assert!(r.enabled, "{kind} on {model}");
        assert_eq!(r.log_lines().first().map(String::as_str), first);
        assert!(m.vcpu(2).unwrap().debug().mdbgen());
    }
}

#[test]
fn spd_on_wfi_traps_after_the_next_idle() {
    // Why Linux refuses Scorpion (docs/kernel-flow.md, `scorpion`): after init (which cleared SPD
    // through DBGPRSR), the CPU idles, WFI sets SPD, and a later breakpoint
    // register write — no hook registered any more — is a kernel oops.
    let m = machine(
        preset("cortex-a9"),
        &[(2, FaultKind::SpdOnWfi)],
        &[],
        Executor::Inline,
    );
    let hw = HwBreakpoint::init(&m, InitOptions::default());
    assert!(hw.result().enabled);
    m.idle(2).unwrap();
    assert!(m.vcpu(2).unwrap().debug().spd());
    let write_bcr0 = m.with_vcpu(2, |ctx| ctx.mcr(0, 0, 0, 5, 0x1E5)).unwrap();
    let oops = write_bcr0.unwrap_err();
    assert_eq!(oops.instr, 0xee00_0eb0);
    assert_eq!(oops.message, "Oops - undefined instruction");
    // CPU 1 idles too but has no quirk.
    m.idle(1).unwrap();
    assert!(m
        .with_vcpu(1, |ctx| ctx.mcr(0, 0, 0, 5, 0x1E5))
        .unwrap()
        .is_ok());
}

#[test]
fn faults_a_model_cannot_have_are_typed_errors() {
    // DBGSWENABLE exists only on v7 debug (docs/fidelity-decisions.md J1):
    // not on ARM11 (no debug APB) nor on Armv8 (no signal term in DDI 0487).
    for (model, cpu) in [("arm1136", 0), ("arm1176", 1), ("cortex-a53", 2)] {
        let mut cfg = MachineConfig::new(preset(model), 4);
        cfg.faults = vec![Fault {
            cpu,
            kind: FaultKind::SwenableLow,
        }];
        let e = Machine::new(cfg).unwrap_err();
        assert!(
            matches!(
                e,
                MachineError::FaultNotApplicable { kind: "swenable-low", cpu: c, .. } if c == cpu
            ),
            "{model}: {e}"
        );
    }
    let mut cfg = MachineConfig::new(preset("cortex-a9"), 4);
    cfg.faults = vec![Fault {
        cpu: 1,
        kind: FaultKind::DoubleLock,
    }];
    let e = Machine::new(cfg).unwrap_err();
    assert!(
        matches!(
            e,
            MachineError::FaultNotApplicable {
                kind: "double-lock",
                cpu: 1,
                ..
            }
        ),
        "{e}"
    );
    let mut cfg = MachineConfig::new(preset("cortex-a53"), 4);
    cfg.faults = vec![Fault {
        cpu: 3,
        kind: FaultKind::NoOsSaveRestore,
    }];
    let e = Machine::new(cfg).unwrap_err();
    assert!(e.to_string().contains("no-os-save-restore"), "{e}");
    let mut cfg = MachineConfig::new(preset("cortex-a15"), 4);
    cfg.faults = vec![Fault {
        cpu: 4,
        kind: FaultKind::SwenableLow,
    }];
    assert_eq!(
        Machine::new(cfg).unwrap_err(),
        MachineError::NoSuchCpu { cpu: 4, count: 4 }
    );
    let mut cfg = MachineConfig::new(preset("cortex-a15"), 4);
    cfg.offline = vec![0];
    assert_eq!(Machine::new(cfg).unwrap_err(), MachineError::BootCpuOffline);
    let cfg = MachineConfig::new(preset("cortex-a15"), 0);
    assert!(matches!(
        Machine::new(cfg).unwrap_err(),
        MachineError::BadCpuCount { count: 0, .. }
    ));
}

/// Runs init with a `cpu_up(3)` requested from another thread in the window
/// after the hook is unregistered. Returns (the machine, the driver, the
/// hooks seen registered when CPU 3's bring-up was requested, the result of
/// that `cpu_up`).
fn race(
    hold_lock: bool,
    faults: &[(usize, FaultKind)],
    executor: Executor,
) -> (Arc<Machine>, HwBreakpoint, usize, Result<(), MachineError>) {
    let m = machine(preset("cortex-a15"), faults, &[3], executor);
    let (done_tx, done_rx) = mpsc::channel::<Result<(), MachineError>>();
    let hooks_seen = Arc::new(Mutex::new(usize::MAX));
    let requester: Arc<Mutex<Option<std::thread::JoinHandle<()>>>> = Arc::new(Mutex::new(None));
    let window = {
        let m = Arc::clone(&m);
        let hooks_seen = Arc::clone(&hooks_seen);
        let requester = Arc::clone(&requester);
        let done_tx = Mutex::new(Some(done_tx));
        Arc::new(move |w: InitWindow| {
            if w != InitWindow::AfterHookUnregistered {
                return;
            }
            *hooks_seen.lock().unwrap() = m.router().hooks().len();
            let (started_tx, started_rx) = mpsc::channel::<()>();
            let m2 = Arc::clone(&m);
            let tx = done_tx.lock().unwrap().take().unwrap();
            let t = std::thread::spawn(move || {
                started_tx.send(()).unwrap();
                let r = m2.cpu_up(3);
                tx.send(r).unwrap();
            });
            // The request is made inside the window.
            started_rx.recv().unwrap();
            if !hold_lock {
                // Nothing stops the bring-up: wait for it, still inside the
                // window (deterministic: init cannot proceed before it).
                t.join().unwrap();
            } else {
                // The bring-up blocks on the read lock init holds; it can
                // only complete after init unlocks. Let it wait.
                *requester.lock().unwrap() = Some(t);
            }
        }) as Arc<dyn Fn(InitWindow) + Send + Sync>
    };
    let opts = InitOptions {
        hold_hotplug_lock: hold_lock,
        window: Some(window),
        ..InitOptions::default()
    };
    let hw = HwBreakpoint::init(&m, opts);
    if hold_lock {
        // While init ran (lock held) CPU 3 could not have come up.
        let t = requester.lock().unwrap().take().unwrap();
        t.join().unwrap();
    }
    let up = done_rx.recv().unwrap();
    let seen = *hooks_seen.lock().unwrap();
    (m, hw, seen, up)
}

#[test]
fn without_the_lock_a_cpu_coming_up_mid_init_is_reset_unprotected() {
    for executor in EXECUTORS {
        // Init fails (double lock on CPU 1), CPU 3 comes up between the
        // hook's removal and the state's removal: it runs the reset with no
        // hook registered, although init is about to disable everything.
        let (m, hw, hooks, up) = race(false, &[(1, FaultKind::DoubleLock)], executor);
        assert_eq!(hooks, 0);
        assert!(up.is_ok());
        assert!(!hw.result().enabled);
        assert_eq!(hw.core().reset_runs(3), 1, "{executor}");
        assert!(m.vcpu(3).unwrap().debug().mdbgen(), "{executor}");

        // Same, CPU 3's debug registers trap: with no hook the reset is a
        // kernel oops on CPU 3 (its bring-up fails).
        let (m, hw, _, up) = race(
            false,
            &[(1, FaultKind::DoubleLock), (3, FaultKind::SwenableLow)],
            executor,
        );
        assert!(up.is_err(), "{executor}");
        assert_eq!(hw.core().reset_runs(3), 1);
        let oopses = m.oopses();
        assert_eq!(oopses.len(), 1, "{executor}");
        assert_eq!(oopses[0].cpu, 3);
        // The DBGVCR write: DBGOSDLR/DBGOSLAR stay accessible with
        // DBGSWENABLE low (docs/fidelity-decisions.md J1).
        assert_eq!(oopses[0].instr, 0xee00_0e17);
        assert!(!hw
            .result()
            .log_lines()
            .iter()
            .any(|l| l.contains("on CPU 3")));
    }
}

#[test]
fn with_the_lock_the_same_request_waits_and_runs_no_reset() {
    for executor in EXECUTORS {
        let (m, hw, hooks, up) = race(
            true,
            &[(1, FaultKind::DoubleLock), (3, FaultKind::SwenableLow)],
            executor,
        );
        assert_eq!(hooks, 0);
        assert!(up.is_ok(), "{executor}: {up:?}");
        assert!(m.is_online(3));
        assert!(!hw.result().enabled);
        assert_eq!(hw.core().reset_runs(3), 0, "{executor}");
        assert!(m.oopses().is_empty(), "{executor}");
    }
}

#[test]
fn with_the_lock_a_successful_init_resets_the_waiting_cpu_afterwards() {
    // Scenario 37, success case: the bring-up waits for the unlock, then
    // CPU 3 runs dbg_reset_online (the hook is no longer registered).
    for executor in EXECUTORS {
        let (m, hw, _, up) = race(true, &[], executor);
        assert!(up.is_ok());
        assert!(hw.result().enabled);
        assert_eq!(hw.core().reset_runs(3), 1, "{executor}");
        assert!(m.vcpu(3).unwrap().debug().mdbgen());
        assert!(m.router().hooks().is_empty());
    }
}
