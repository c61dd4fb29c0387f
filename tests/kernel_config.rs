//! The kernel configuration beside the driver version
//! (docs/fidelity-decisions.md#j2-kernel-config): without
//! `CONFIG_ARM_ERRATA_764319` (the Kconfig default) the DBGOSLSR probe of
//! `core_has_os_save_restore()` runs bare, before the debug-register hook is
//! registered, so a Cortex-A9 with DBGSWENABLE low on the boot CPU oopses.
#![allow(clippy::unwrap_used)]

use dbgemu::dbgregs::model::CoreModel;
use dbgemu::driver::{HwBreakpoint, InitOptions, KernelConfig};
use dbgemu::machine::{Fault, FaultKind, Machine, MachineConfig};

fn a9_swenable_low_cpu0() -> std::sync::Arc<Machine> {
    let mut cfg = MachineConfig::new(*CoreModel::preset("cortex-a9").unwrap(), 2);
    cfg.faults.push(Fault {
        cpu: 0,
        kind: FaultKind::SwenableLow,
    });
    Machine::new(cfg).unwrap()
}

#[test]
fn default_config_has_no_erratum_guard_so_the_oslsr_probe_oopses() {
    assert!(!KernelConfig::default().arm_errata_764319);
    let m = a9_swenable_low_cpu0();
    let hw = HwBreakpoint::init(&m, InitOptions::default());
    let oops = hw.result().oops.as_ref().expect("an oops at init");
    assert_eq!(oops.message, "Oops - undefined instruction");
    assert_eq!(oops.instr, 0xee11_5e91);
    assert!(!hw.result().enabled);
    // What init had found before the oops is still reported.
    assert_eq!((hw.result().debug_arch, hw.result().supported), (3, true));
}

#[test]
fn with_the_erratum_the_probe_says_no_ossr_and_prsr_traps() {
    let m = a9_swenable_low_cpu0();
    let opts = InitOptions {
        kernel: KernelConfig {
            arm_errata_764319: true,
        },
        ..InitOptions::default()
    };
    let hw = HwBreakpoint::init(&m, opts);
    let r = hw.result();
    assert!(r.oops.is_none(), "{:?}", r.oops);
    assert_eq!(r.has_os_save_restore, Some(false));
    let lines = r.log_lines();
    assert_eq!(
        lines[0],
        "hw-breakpoint: Debug register access (0xee110e95) caused undefined instruction on CPU 0"
    );
    assert!(!r.enabled);
}

#[test]
fn config_lists_parse_with_typed_errors() {
    let c: KernelConfig = "CONFIG_ARM_ERRATA_764319=y".parse().unwrap();
    assert!(c.arm_errata_764319);
    let c: KernelConfig = "arm_errata_764319".parse().unwrap();
    assert!(c.arm_errata_764319);
    let c: KernelConfig = "arm_errata_764319=n".parse().unwrap();
    assert!(!c.arm_errata_764319);
    let e = "CONFIG_NOPE".parse::<KernelConfig>().unwrap_err();
    assert!(e.to_string().contains("CONFIG_NOPE"), "{e}");
    assert!(e.to_string().contains("arm_errata_764319"), "{e}");
    let e = "arm_errata_764319=maybe"
        .parse::<KernelConfig>()
        .unwrap_err();
    assert!(e.to_string().contains("maybe"), "{e}");
}
