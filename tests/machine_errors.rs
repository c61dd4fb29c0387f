//! The machine's refusals of a CPU index or a CPU state, which no other
//! test reached (COVERAGE.md): a PM cycle of an offline CPU
//! (`MachineError::SuspendOffline`: an offline CPU enters no CPU PM state)
//! or of a CPU past the machine (`MachineError::NoSuchCpu`); neither runs a
//! notifier or changes the vCPU.
#![allow(clippy::unwrap_used)]

use dbgemu::dbgregs::model::CoreModel;
use dbgemu::driver::{HwBreakpoint, InitOptions};
use dbgemu::machine::{Machine, MachineConfig, MachineError};

#[test]
fn pm_cycles_of_offline_or_missing_cpus_are_refused() {
    let mut cfg = MachineConfig::new(*CoreModel::preset("cortex-a15").unwrap(), 3);
    cfg.offline = vec![2];
    let m = Machine::new(cfg).unwrap();
    let hw = HwBreakpoint::init(&m, InitOptions::default());
    assert!(hw.result().pm_notifier);
    let before = m.vcpu(2).unwrap();
    assert_eq!(
        m.cpu_suspend_resume(2),
        Err(MachineError::SuspendOffline { cpu: 2 })
    );
    assert_eq!(
        m.cpu_suspend_resume(3),
        Err(MachineError::NoSuchCpu { cpu: 3, count: 3 })
    );
    assert_eq!(
        hw.core().reset_runs(2),
        0,
        "a notifier ran on the offline CPU"
    );
    assert_eq!(m.vcpu(2).unwrap().debug(), before.debug());
    // The online CPUs cycle, and the PM exit re-runs the reset.
    assert_eq!(m.cpu_suspend_resume(1), Ok(None));
    assert_eq!(hw.core().reset_runs(1), 2);
}
