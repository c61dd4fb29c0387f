//! The machine at scale: the 1024-vCPU memory bound, error masks past 64
//! CPUs, custom models, and the threads executor on a bigger machine.
#![allow(clippy::unwrap_used)]

use dbgemu::dbgregs::model::CoreModel;
use dbgemu::driver::{HwBreakpoint, InitOptions};
use dbgemu::machine::{Executor, Fault, FaultKind, Machine, MachineConfig};

fn a15() -> CoreModel {
    *CoreModel::preset("cortex-a15").unwrap()
}

#[test]
fn a_1024_vcpu_machine_fits_in_one_mib() {
    let m = Machine::new(MachineConfig::new(a15(), 1024)).unwrap();
    let bytes = m.state_bytes();
    assert!(bytes <= 1 << 20, "{bytes} bytes");
    assert!(std::mem::size_of::<dbgemu::dbgregs::state::DebugState>() <= 320);
    let hw = HwBreakpoint::init(&m, InitOptions::default());
    assert!(hw.result().enabled);
    assert!((0..1024).all(|cpu| hw.core().reset_runs(cpu) == 1));
}

#[test]
fn error_masks_past_64_cpus() {
    let mut cfg = MachineConfig::new(a15(), 130);
    cfg.faults = vec![
        Fault {
            cpu: 129,
            kind: FaultKind::DoubleLock,
        },
        Fault {
            cpu: 64,
            kind: FaultKind::SwenableLow,
        },
    ];
    let m = Machine::new(cfg).unwrap();
    let hw = HwBreakpoint::init(&m, InitOptions::default());
    let r = hw.result();
    assert_eq!(r.error_mask, [64, 129]);
    assert!(!r.enabled);
    assert_eq!(
        r.log_lines().last().map(String::as_str),
        Some("hw-breakpoint: CPU 129 debug is powered down!")
    );
}

#[test]
fn a_16_by_16_custom_model() {
    let model = a15()
        .to_builder()
        .name("custom-16x16")
        .brps(16)
        .wrps(16)
        .build()
        .unwrap();
    for executor in [Executor::Inline, Executor::Threads] {
        let mut cfg = MachineConfig::new(model, 8);
        cfg.executor = executor;
        let m = Machine::new(cfg).unwrap();
        let hw = HwBreakpoint::init(&m, InitOptions::default());
        assert_eq!(
            hw.result().log_lines(),
            [
                "hw-breakpoint: found 15 (+1 reserved) breakpoint and 16 watchpoint registers.",
                "hw-breakpoint: maximum watchpoint size is 8 bytes."
            ]
        );
        for cpu in 0..8 {
            let v = m.vcpu(cpu).unwrap();
            assert!(v.debug().mdbgen());
            assert!(v.debug().bcrs().iter().all(|&x| x == 0));
        }
    }
}

#[test]
fn cpus_go_down_and_come_back_with_a_reset() {
    let mut cfg = MachineConfig::new(a15(), 4);
    cfg.executor = Executor::Threads;
    let m = Machine::new(cfg).unwrap();
    let hw = HwBreakpoint::init(&m, InitOptions::default());
    m.cpu_down(2).unwrap();
    assert!(!m.is_online(2));
    assert_eq!(hw.core().reset_runs(2), 1, "offlining does nothing");
    m.cpu_up(2).unwrap();
    assert_eq!(hw.core().reset_runs(2), 2);
    // Bad indices are typed errors.
    assert!(m.cpu_up(4).is_err());
    assert!(m.vcpu(9).is_err());
    assert!(m.cpu_suspend_resume(7).is_err());
}
