//! The examples run and pass their own checks: `examples/vmm_exit_loop.rs`
//! is compiled in here as a module, its scenario run, and its trace
//! inspected (the example itself exits non-zero when a check fails).
#![allow(clippy::unwrap_used)]

#[allow(dead_code)]
#[path = "../examples/vmm_exit_loop.rs"]
mod vmm_exit_loop;

#[test]
fn vmm_exit_loop_runs_and_its_checks_pass() {
    let trace = vmm_exit_loop::run().unwrap();
    let text = trace.join("\n");
    assert!(
        text.contains("InjectedUndef(\"DBGBCR0 (Privilege)\")"),
        "{text}"
    );
    assert!(text.contains("migrate: 344 snapshot bytes"), "{text}");
    assert!(text.contains("read BCR0  -> X7 = 0x1e5"), "{text}");
    assert!(
        text.contains("kernel store to 0xc0001000 -> watchpoint, MOE 0b1010, DFAR 0xc0001000"),
        "{text}"
    );
}
