//! `dbgemu boot` from the outside: golden outputs (tests/data/boot/*.txt;
//! regenerate with `UPDATE_GOLDEN=1 cargo test --test boot_cli`), the JSON
//! document, and clean errors for bad input.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dbgemu"))
        .arg("boot")
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .unwrap()
}

fn golden(name: &str, args: &[&str]) {
    let out = run(args);
    assert!(out.status.success(), "{args:?}: {:?}", out);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "data", "boot", name]
        .iter()
        .collect();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &stdout).unwrap();
    }
    let want = std::fs::read_to_string(&path).unwrap();
    assert_eq!(stdout, want, "{name}: output differs from the golden file");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("dbgemu: booting"), "progress on stderr");
    assert!(stderr.contains("init took"), "timing on stderr");
}

#[test]
fn default_boot_matches_golden() {
    golden("default.txt", &[]);
}

#[test]
fn swenable_low_with_a_late_cpu_matches_golden() {
    golden(
        "swenable-low.txt",
        &["--fault", "2:swenable-low", "--online-later", "3"],
    );
}

#[test]
fn late_cpus_on_a_healthy_machine_match_golden() {
    golden(
        "online-later.txt",
        &["--cpu", "cortex-a9", "--cpus", "4", "--online-later", "2-3"],
    );
}

#[test]
fn a_late_cpu_whose_registers_trap_oopses_matches_golden() {
    // Init succeeds (CPU 3 offline); CPU 3 comes up, its reset runs with no
    // hook registered and traps: the kernel oops (a trap after init, docs/kernel-flow.md `error-mask`).
    golden(
        "late-oops.txt",
        &["--fault", "3:swenable-low", "--online-later", "3"],
    );
}

#[test]
fn pm_cycle_matches_golden() {
    golden("pm-cycle.txt", &["--cpus", "2", "--pm-cycle", "1"]);
}

#[test]
fn arm1136_matches_golden() {
    golden("arm1136.txt", &["--cpu", "arm1136", "--cpus", "2"]);
}

#[test]
fn the_default_boot_prints_the_kernel_lines() {
    let out = run(&[]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[..2],
        [
            "hw-breakpoint: found 5 (+1 reserved) breakpoint and 4 watchpoint registers.",
            "hw-breakpoint: maximum watchpoint size is 8 bytes."
        ]
    );
    assert_eq!(stdout.matches("online ").count(), 4);
}

#[test]
fn json_is_the_structured_result() {
    for executor in ["inline", "threads"] {
        let out = run(&[
            "--json",
            "--fault",
            "1:double-lock",
            "--online-later",
            "3",
            "--executor",
            executor,
        ]);
        assert!(out.status.success());
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["model"], "cortex-a15");
        assert_eq!(v["init"]["enabled"], false);
        assert_eq!(v["init"]["error_mask"], serde_json::json!([1]));
        assert_eq!(v["init"]["brps"], 0);
        assert_eq!(v["init"]["state_installed"], serde_json::Value::Null);
        assert_eq!(
            v["init"]["messages"][0]["text"],
            "CPU 1 debug is powered down!"
        );
        assert_eq!(v["brought_online"][0]["cpu"], 3);
        assert_eq!(v["brought_online"][0]["reset_ran"], false);
        assert_eq!(v["table"].as_array().unwrap().len(), 4);
        // The log went to stderr.
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.contains("hw-breakpoint: CPU 1 debug is powered down!"));
    }
}

#[test]
fn monitor_refused_on_the_boot_cpu() {
    // Scenario 35 (the A5/Krait 200/OMAP4460 boot logs).
    let out = run(&["--fault", "0:monitor-refused", "--online-later", "3"]);
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines.first(),
        Some(&"hw-breakpoint: Failed to enable monitor mode on CPU 0.")
    );
    assert_eq!(stdout.matches("Failed to enable monitor mode").count(), 1);
    assert!(!stdout.contains("found"), "{stdout}");
    assert!(stdout.contains("hardware breakpoints disabled"), "{stdout}");
    assert!(stdout.contains("error mask {0}"), "{stdout}");
    assert!(stdout.contains("faults monitor-refused"), "{stdout}");
    assert!(
        stdout.contains("cpu_up(3): online, reset did not run"),
        "{stdout}"
    );

    let out = run(&["--json", "--fault", "0:monitor-refused"]);
    assert!(out.status.success(), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["init"]["enabled"], false);
    assert_eq!(v["init"]["error_mask"], serde_json::json!([0]));
    assert_eq!(v["init"]["brps"], 0);
    assert_eq!(
        v["init"]["messages"][0]["text"],
        "Failed to enable monitor mode on CPU 0."
    );
}

fn fails_with(args: &[&str], needle: &str) {
    let out = run(args);
    assert!(!out.status.success(), "{args:?} should fail");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains(needle), "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    assert!(out.stdout.is_empty(), "{args:?}: nothing on stdout");
}

#[test]
fn bad_input_is_a_clear_error() {
    fails_with(&["--cpu", "cortex-a99"], "unknown core model `cortex-a99`");
    fails_with(&["--cpu", "cortex-a99"], "cortex-a15");
    fails_with(&["--fault", "7:swenable-low"], "CPU 7 does not exist");
    fails_with(&["--fault", "1:melted"], "unknown fault kind `melted`");
    fails_with(&["--fault", "1:melted"], "monitor-refused");
    fails_with(&["--fault", "swenable-low"], "malformed fault");
    fails_with(&["--online-later", "2-"], "malformed CPU list `2-`");
    fails_with(&["--online-later", "3-1"], "reversed");
    fails_with(&["--online-later", "0"], "boot CPU");
    fails_with(&["--online-later", "9"], "CPU 9 does not exist");
    fails_with(&["--cpus", "0"], "vCPU count 0");
    fails_with(&["--executor", "gpu"], "unknown executor `gpu`");
    fails_with(&["--pm-cycle", "5"], "CPU 5 does not exist");
    fails_with(
        &["--cpu", "cortex-a9", "--fault", "1:double-lock"],
        "double-lock cannot be applied to CPU 1",
    );
    fails_with(
        &["--cpu", "arm1176", "--fault", "0:swenable-low"],
        "swenable-low cannot be applied to CPU 0 of model arm1176",
    );
}
