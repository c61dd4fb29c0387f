//! The hw_breakpoint driver scenarios of docs/kernel-flow.md (the lock race is in
//! `boot_faults.rs`, with the lock race), checked down to the instruction
//! words each vCPU executed.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use dbgemu::cpuhp::State;
use dbgemu::dbgregs::model::{CoreModel, OsLockModel};
use dbgemu::driver::{hw_breakpoint_slots, HwBreakpoint, InitOptions, SetupOutcome, Slots};
use dbgemu::machine::{Executor, Fault, FaultKind, Machine, MachineConfig};

const OSDLR_RD: u32 = 0xee11_0e93;
const OSLAR_WR: u32 = 0xee01_0e90;
const VCR_WR: u32 = 0xee00_0e17;
const DIDR_RD: u32 = 0xee10_0e10;
const PRSR_RD: u32 = 0xee11_0e95;
const OSLSR_RD_R5: u32 = 0xee11_5e91;
const DSCRINT_RD: u32 = 0xee10_0e11;
const DSCRINT_WR: u32 = 0xee00_0e11;
const DSCREXT_WR: u32 = 0xee00_0e52;

fn bcr_wr(i: u32) -> u32 {
    0xee00_0eb0 | i
}
fn bvr_wr(i: u32) -> u32 {
    0xee00_0e90 | i
}
fn wcr_wr(i: u32) -> u32 {
    0xee00_0ef0 | i
}
fn wvr_wr(i: u32) -> u32 {
    0xee00_0ed0 | i
}

/// Step E + F of the reset as words: DIDR read, every BRP pair, the used
/// WRP pairs, then the monitor-mode enable: DBGDSCRint, `get_debug_arch()`'s
/// DBGDIDR re-read (docs/kernel-flow.md, `monitor-mode`), the DBGDSCRext
/// write, the read-back.
fn pairs_and_monitor(brps: u32, wrps: u32) -> Vec<u32> {
    let mut v = vec![DIDR_RD];
    for i in 0..brps {
        v.extend([bcr_wr(i), bvr_wr(i)]);
    }
    for i in 0..wrps {
        v.extend([wcr_wr(i), wvr_wr(i)]);
    }
    v.extend([DSCRINT_RD, DIDR_RD, DSCREXT_WR, DSCRINT_RD]);
    v
}

fn boot(
    model: CoreModel,
    faults: &[(usize, FaultKind)],
    setup: impl FnOnce(&Machine),
) -> (Arc<Machine>, HwBreakpoint) {
    let mut cfg = MachineConfig::new(model, 4);
    cfg.faults = faults
        .iter()
        .map(|&(cpu, kind)| Fault { cpu, kind })
        .collect();
    cfg.trace = true;
    cfg.executor = Executor::Inline;
    let m = Machine::new(cfg).unwrap();
    setup(&m);
    let hw = HwBreakpoint::init(&m, InitOptions::default());
    (m, hw)
}

fn preset(name: &str) -> CoreModel {
    *CoreModel::preset(name).unwrap()
}

fn trace(m: &Machine, cpu: usize) -> Vec<u32> {
    m.vcpu(cpu).unwrap().trace().to_vec()
}

fn has_state(m: &Machine) -> bool {
    m.hotplug()
        .states()
        .iter()
        .any(|(_, n)| n == "arm/hw_breakpoint:online")
}

#[test]
fn scenario_29_healthy_v7_1() {
    let (m, hw) = boot(preset("cortex-a15"), &[], |_| {});
    let r = hw.result();
    let mut reset = vec![OSDLR_RD, OSLAR_WR, VCR_WR];
    reset.extend(pairs_and_monitor(6, 4));
    for cpu in 1..4 {
        assert_eq!(trace(&m, cpu), reset, "CPU {cpu}");
    }
    // CPU 0: the probes (DBGDIDR reads only on v7.1), its reset, then the
    // watchpoint length probe.
    let t0 = trace(&m, 0);
    let start = t0.len() - reset.len() - 3;
    assert!(start >= 1 && t0[..start].iter().all(|&w| w == DIDR_RD));
    assert_eq!(t0[start..start + reset.len()], reset[..]);
    assert_eq!(
        t0[start + reset.len()..],
        [wvr_wr(0), wcr_wr(0), 0xee10_0ef0]
    );
    assert_eq!(m.vcpu(0).unwrap().debug().wcrs()[0], 0x1FE0);
    assert_eq!(
        r.log_lines(),
        [
            "hw-breakpoint: found 5 (+1 reserved) breakpoint and 4 watchpoint registers.",
            "hw-breakpoint: maximum watchpoint size is 8 bytes."
        ]
    );
    assert!(has_state(&m));
    assert_eq!(
        r.setup,
        SetupOutcome::Allocated {
            state: State::AP_ONLINE_DYN.raw()
        }
    );
    assert!(m.router().hooks().is_empty());
    assert_eq!(m.pm_notifiers(), 1);
    for cpu in 0..4 {
        assert!(m.vcpu(cpu).unwrap().debug().mdbgen());
    }
}

#[test]
fn scenario_30_pre_v7_1_clears_only_wrp0() {
    // Version 3 with OSLM0 set and the A9's 6/4 counts.
    let model = preset("cortex-a9")
        .to_builder()
        .name("cortex-a9+ossr")
        .os_lock(OsLockModel::SaveRestore)
        .build()
        .unwrap();
    let (m, hw) = boot(model, &[], |_| {});
    assert_eq!(
        hw.result().log_lines(),
        [
            "hw-breakpoint: found 5 (+1 reserved) breakpoint and 1 watchpoint registers.",
            "hw-breakpoint: maximum watchpoint size is 4 bytes."
        ]
    );
    assert_eq!(hw.result().has_os_save_restore, Some(true));
    let mut reset = vec![PRSR_RD, OSLAR_WR, VCR_WR];
    reset.extend(pairs_and_monitor(6, 1));
    assert_eq!(trace(&m, 1), reset);
    // The OSLSR probe on CPU 0 uses r5, the erratum-764319 guard's word.
    assert!(trace(&m, 0).contains(&OSLSR_RD_R5));
}

#[test]
fn scenario_30_v6_without_cpuid_scheme() {
    let (m, hw) = boot(preset("arm1136"), &[], |_| {});
    let lines = hw.result().log_lines();
    assert_eq!(
        lines,
        [
            "hw-breakpoint: CPUID feature registers not supported. Assuming v6 debug is present.",
            "hw-breakpoint: found 6 breakpoint and 1 watchpoint registers.",
            "hw-breakpoint: maximum watchpoint size is 4 bytes."
        ]
    );
    // v6 path: only the monitor-mode enable, through c0,c1,0.
    let monitor = vec![DSCRINT_RD, DSCRINT_WR, DSCRINT_RD];
    for cpu in 1..4 {
        assert_eq!(trace(&m, cpu), monitor, "CPU {cpu}");
    }
    let t0 = trace(&m, 0);
    assert!(t0.ends_with(&monitor));
    // No watchpoint probe: WCR0 untouched, never accessed.
    assert!(!t0.iter().any(|&w| w & 0xFFEF_FFF0 == 0xee00_0ef0));
    assert_eq!(m.vcpu(0).unwrap().debug().wcrs()[0], 0);
}

#[test]
fn scenario_31_early_exits() {
    for (model, line, slots) in [
        (
            "cortex-a8",
            "hw-breakpoint: debug architecture 0x4 unsupported.",
            (0, 0),
        ),
        (
            "scorpion",
            "hw-breakpoint: Scorpion CPU detected. Hardware breakpoints and watchpoints disabled",
            (5, 1),
        ),
    ] {
        let (m, hw) = boot(preset(model), &[], |_| {});
        let r = hw.result();
        assert_eq!(r.log_lines(), [line], "{model}");
        assert_eq!(r.setup, SetupOutcome::NotAttempted);
        assert!(!has_state(&m));
        assert!(m.router().hooks().is_empty());
        assert_eq!(m.pm_notifiers(), 0);
        // Only the DBGDIDR read on CPU 0; nothing on the others.
        assert_eq!(trace(&m, 0), [DIDR_RD], "{model}");
        for cpu in 1..4 {
            assert!(trace(&m, cpu).is_empty());
        }
        assert_eq!(
            hw_breakpoint_slots(&m).unwrap(),
            Slots {
                brps: slots.0,
                wrps: slots.1
            }
        );
    }
}

#[test]
fn scenario_32_swenable_low_on_cpu_2() {
    let (m, hw) = boot(preset("cortex-a15"), &[(2, FaultKind::SwenableLow)], |_| {});
    let r = hw.result();
    assert_eq!(
        r.log_lines(),
        [
            // Only the DBGVCR write traps: DBGOSDLR and DBGOSLAR stay
            // accessible with DBGSWENABLE low (docs/fidelity-decisions.md J1).
            "hw-breakpoint: Debug register access (0xee000e17) caused undefined instruction on CPU 2",
            "hw-breakpoint: CPU 2 failed to disable vector catch",
        ]
    );
    assert_eq!(trace(&m, 2), [OSDLR_RD, OSLAR_WR, VCR_WR]);
    // The DBGOSDLR read proceeded and returned DLK = 0 in r0.
    assert_eq!(m.vcpu(2).unwrap().frame().regs[0], 0);
    // CPUs 0, 1 and 3 were reset normally.
    for cpu in [0, 1, 3] {
        assert!(m.vcpu(cpu).unwrap().debug().mdbgen(), "CPU {cpu}");
    }
    assert!(matches!(r.setup, SetupOutcome::Allocated { state } if state > 0));
    assert_eq!((r.brps, r.wrps), (0, 0));
    assert!(!has_state(&m));
    assert!(m.router().hooks().is_empty());
    // A later bring-up of any CPU runs no reset.
    m.cpu_down(1).unwrap();
    m.cpu_up(1).unwrap();
    assert_eq!(hw.core().reset_runs(1), 1);
}

#[test]
fn scenario_33_double_lock_on_cpus_1_and_3() {
    let (m, hw) = boot(
        preset("cortex-a15"),
        &[(1, FaultKind::DoubleLock), (3, FaultKind::DoubleLock)],
        |_| {},
    );
    let r = hw.result();
    assert_eq!(
        r.log_lines(),
        ["hw-breakpoint: CPU 1 debug is powered down!"]
    );
    assert_eq!(r.error_mask, [1, 3]);
    // No monitor-mode attempt on 1 or 3: the reset stopped at step B.
    assert_eq!(trace(&m, 1), [OSDLR_RD]);
    assert_eq!(trace(&m, 3), [OSDLR_RD]);
    assert!(!r.enabled && !has_state(&m));
}

#[test]
fn scenario_34_v7_ecp14_without_ossr_ignores_prsr() {
    // DBGPRSR.PU clear but SPD clear: Linux reads PRSR, ignores it (no OS
    // save/restore on the A9 preset) and continues at the VCR write.
    let (m, hw) = boot(preset("cortex-a9"), &[], |m| {
        m.with_vcpu_mut(2, |v| {
            let (_, d) = v.debug_mut();
            d.power_down();
            d.set_sticky_power_down(false);
        })
        .unwrap();
    });
    let r = hw.result();
    assert_eq!(r.has_os_save_restore, Some(false));
    assert!(r.enabled);
    assert!(!r.log_lines().iter().any(|l| l.contains("powered down")));
    let mut reset = vec![PRSR_RD, VCR_WR];
    reset.extend(pairs_and_monitor(6, 1));
    assert_eq!(trace(&m, 2), reset);
}

#[test]
fn scenario_36_no_dynamic_slot() {
    let (m, hw) = boot(preset("cortex-a15"), &[], |m| {
        let hp = m.hotplug();
        while hp
            .setup_state_nocalls(State::AP_ONLINE_DYN, "test:filler", None, None)
            .is_ok()
        {}
        let _ = hp.take_messages();
    });
    let r = hw.result();
    assert!(matches!(r.setup, SetupOutcome::Failed { .. }));
    // The WARN_ON(ret < 0) splat in kernel/panic.c __warn()'s shape
    // (docs/fidelity-decisions.md#j5-warn-splat): init CPU 0, PID 1, the
    // caller symbol (the no-file form of CONFIG_DEBUG_BUGVERBOSE=n).
    assert_eq!(
        r.log_lines(),
        [
            "------------[ cut here ]------------",
            "WARNING: CPU: 0 PID: 1 at arch_hw_breakpoint_init",
            "---[ end trace 0000000000000000 ]---",
        ]
    );
    assert!(m
        .hotplug()
        .take_messages()
        .iter()
        .any(|l| l.contains("No more dynamic states available for CPU hotplug")));
    for cpu in 0..4 {
        assert_eq!(hw.core().reset_runs(cpu), 0);
    }
    assert_eq!((r.brps, r.wrps), (0, 0));
    assert_eq!(r.state_installed, None);
    assert!(!r.enabled && m.router().hooks().is_empty() && m.pm_notifiers() == 0);
}

#[test]
fn scenario_38_pm_exit_resets_that_cpu_only_then_a_late_trap_oopses() {
    let (m, hw) = boot(preset("cortex-a15"), &[], |_| {});
    assert!(hw.result().enabled);
    // Breakpoints installed on CPUs 1 and 2 (kernel writes BVR0, BCR0).
    for cpu in [1, 2] {
        m.with_vcpu(cpu, |ctx| {
            ctx.mcr(0, 0, 0, 4, 0x8000).unwrap();
            ctx.mcr(0, 0, 0, 5, 0x1E5).unwrap();
        })
        .unwrap();
    }
    assert_eq!(m.cpu_suspend_resume(1).unwrap(), None);
    assert_eq!(hw.core().reset_runs(1), 2);
    for cpu in [0, 2, 3] {
        assert_eq!(hw.core().reset_runs(cpu), 1, "CPU {cpu}");
    }
    let v1 = m.vcpu(1).unwrap();
    assert_eq!(v1.debug().bcrs()[0], 0, "not re-programmed on ARM32");
    assert_eq!(v1.debug().bvrs()[0], 0);
    assert!(v1.debug().mdbgen());
    assert!(!v1.debug().oslk());
    assert_eq!(
        m.vcpu(2).unwrap().debug().bcrs()[0],
        0x1E5,
        "CPU 2 untouched"
    );

    // CPU 1's debug registers now trap: the PM-exit reset has no hook.
    let before = hw.core().messages().len();
    m.inject_fault(1, FaultKind::SwenableLow).unwrap();
    let oops = m.cpu_suspend_resume(1).unwrap().unwrap();
    assert_eq!((oops.cpu, oops.instr), (1, VCR_WR)); // OSDLR/OSLAR proceed (J1)
    assert_eq!(oops.message, "Oops - undefined instruction");
    assert_eq!(m.oopses(), [oops]);
    assert_eq!(
        hw.core().messages().len(),
        before,
        "an oops, not a log line"
    );
}

#[test]
fn pm_after_failed_init_does_nothing() {
    let (m, hw) = boot(preset("cortex-a15"), &[(2, FaultKind::DoubleLock)], |_| {});
    assert!(!hw.result().enabled);
    assert_eq!(m.cpu_suspend_resume(1).unwrap(), None);
    assert_eq!(hw.core().reset_runs(1), 1);
    // Power-up reset the debug logic: MDBGen is off again.
    assert!(!m.vcpu(1).unwrap().debug().mdbgen());
}

#[test]
fn erratum_764319_guard_turns_a_trapping_oslsr_probe_into_no_ossr() {
    // Cortex-A9 (erratum 764319) with OS save/restore, DBGSWENABLE low on
    // the init CPU: the OSLSR probe (r5) traps and the private guard hook
    // answers "no OS save/restore" silently; the reset's DBGPRSR read then
    // traps under the debug-register hook.
    let model = preset("cortex-a9")
        .to_builder()
        .name("cortex-a9+ossr")
        .os_lock(OsLockModel::SaveRestore)
        .build()
        .unwrap();
    assert!(model.quirks().erratum_764319);
    // A kernel built with CONFIG_ARM_ERRATA_764319 (not the Kconfig default).
    let mut cfg = MachineConfig::new(model, 4);
    cfg.faults = vec![Fault {
        cpu: 0,
        kind: FaultKind::SwenableLow,
    }];
    cfg.trace = true;
    cfg.executor = Executor::Inline;
    let m = Machine::new(cfg).unwrap();
    let opts = InitOptions {
        kernel: "CONFIG_ARM_ERRATA_764319=y".parse().unwrap(),
        ..InitOptions::default()
    };
    let hw = HwBreakpoint::init(&m, opts);
    let r = hw.result();
    assert_eq!(r.has_os_save_restore, Some(false));
    assert_eq!(
        r.log_lines(),
        [
            "hw-breakpoint: Debug register access (0xee110e95) caused undefined instruction on CPU 0",
            "hw-breakpoint: Debug register access (0xee000e17) caused undefined instruction on CPU 0",
            "hw-breakpoint: CPU 0 failed to disable vector catch",
        ]
    );
    assert!(trace(&m, 0).contains(&OSLSR_RD_R5));
    assert!(m.router().hooks().is_empty(), "guard hook unregistered");
    assert_eq!(r.error_mask, [0]);

    // Same model, healthy: the probe reads OSLM0 = 1.
    let (_, hw) = boot(model, &[], |_| {});
    assert_eq!(hw.result().has_os_save_restore, Some(true));
}

#[test]
fn scenario_35_monitor_mode_refused_on_cpu_0() {
    // The A5 (ADSP-SC589), Krait 200 and OMAP4460 boot logs: every step of
    // the reset passes, but DBGDSCR.MDBGen does not read back as 1 on the
    // boot CPU. CPU 3 starts offline and comes up after init.
    let mut cfg = MachineConfig::new(preset("cortex-a15"), 4);
    cfg.faults = vec![Fault {
        cpu: 0,
        kind: FaultKind::MonitorRefused,
    }];
    cfg.offline = vec![3];
    cfg.trace = true;
    cfg.executor = Executor::Inline;
    let m = Machine::new(cfg).unwrap();
    let hw = HwBreakpoint::init(&m, InitOptions::default());
    let r = hw.result();
    assert_eq!(
        r.log_lines(),
        ["hw-breakpoint: Failed to enable monitor mode on CPU 0."],
        "the line once, no \"found\" line"
    );
    assert_eq!(r.error_mask, [0]);
    // CPU 0's reset ran to the end: the write went out, the read-back
    // found MDBGen clear.
    let mut reset = vec![OSDLR_RD, OSLAR_WR, VCR_WR];
    reset.extend(pairs_and_monitor(6, 4));
    assert!(trace(&m, 0).ends_with(&reset));
    assert!(!m.vcpu(0).unwrap().debug().mdbgen());
    for cpu in [1, 2] {
        assert_eq!(trace(&m, cpu), reset, "CPU {cpu}");
        assert!(m.vcpu(cpu).unwrap().debug().mdbgen(), "CPU {cpu}");
    }
    // Init fails as when a CPU traps during init: counts zeroed, the state removed
    // without calls, nothing left registered.
    assert!(!r.enabled);
    assert_eq!((r.brps, r.wrps), (0, 0));
    assert_eq!(hw.core().core_num_brps(), 0);
    assert!(matches!(r.setup, SetupOutcome::Allocated { state } if state > 0));
    assert_eq!(r.state_installed, None);
    assert!(!has_state(&m));
    assert!(m.router().hooks().is_empty());
    assert_eq!(m.pm_notifiers(), 0);
    for cpu in 0..3 {
        assert_eq!(hw.core().reset_runs(cpu), 1, "CPU {cpu}");
    }
    // A CPU brought online later gets no reset.
    m.cpu_up(3).unwrap();
    assert!(m.is_online(3));
    assert_eq!(hw.core().reset_runs(3), 0);
    assert!(trace(&m, 3).is_empty());
    assert!(m.oopses().is_empty());
}

fn v8_1_model() -> CoreModel {
    preset("cortex-a53")
        .to_builder()
        .name("v8.1-core")
        .version(dbgemu::dbgregs::version::DebugVersion::V8_1)
        .build()
        .unwrap()
}

#[test]
fn scenario_35_monitor_mode_refused_by_a_v4_10_driver() {
    use dbgemu::driver::DriverVersion;
    // Debug v8.1 (code 7) under the v4.10 driver: enable_monitor_mode
    // returns -ENODEV silently on every CPU, so every CPU is in the mask.
    let mut cfg = MachineConfig::new(v8_1_model(), 4);
    cfg.trace = true;
    let m = Machine::new(cfg).unwrap();
    let opts = InitOptions {
        driver: DriverVersion::V4_10,
        ..InitOptions::default()
    };
    let hw = HwBreakpoint::init(&m, opts);
    let r = hw.result();
    assert_eq!(r.debug_arch, 7);
    assert!(r.log_lines().is_empty(), "silently: {:?}", r.log_lines());
    assert_eq!(r.error_mask, [0, 1, 2, 3]);
    assert!(!r.enabled && !has_state(&m));
    // The reset stopped after the DBGDSCRint read and `get_debug_arch()`'s
    // DBGDIDR read: no DBGDSCRext write.
    assert!(trace(&m, 1).ends_with(&[DSCRINT_RD, DIDR_RD]));
    assert!(!trace(&m, 1).contains(&DSCREXT_WR));

    // The current driver handles v8.1.
    let m = Machine::new(MachineConfig::new(v8_1_model(), 4)).unwrap();
    let hw = HwBreakpoint::init(&m, InitOptions::default());
    assert!(hw.result().enabled);

    // If firmware already set MDBGen, the early return hides the problem.
    let m = Machine::new(MachineConfig::new(v8_1_model(), 4)).unwrap();
    for cpu in 0..4 {
        m.with_vcpu_mut(cpu, |v| {
            let (model, d) = v.debug_mut();
            let out = dbgemu::dbgregs::semantics::write(
                model,
                d,
                dbgemu::dbgregs::regmap::DebugRegister::DbgdscrExt,
                1 << 15,
                dbgemu::dbgregs::semantics::AccessContext::PL1,
            );
            assert_eq!(out, dbgemu::dbgregs::semantics::AccessOutcome::Written);
        })
        .unwrap();
    }
    let opts = InitOptions {
        driver: DriverVersion::V4_10,
        ..InitOptions::default()
    };
    let hw = HwBreakpoint::init(&m, opts);
    assert!(hw.result().enabled);
    assert!(hw.result().error_mask.is_empty());
}
