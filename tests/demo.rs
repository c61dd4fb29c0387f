//! `dbgemu boot --demo` from the outside: the binary's printed events for a
//! v7.1 core (DFAR), a v7.0 core (DBGWFAR, one WRP) and a v6 core (no
//! step-over, asynchronous watchpoints), the JSON document, and a failed
//! init (no slot, no event).
#![allow(clippy::unwrap_used)]

use std::process::Command;

fn demo(args: &[&str]) -> (String, bool) {
    let out = Command::new(env!("CARGO_BIN_EXE_dbgemu"))
        .args(["boot", "--cpus", "2", "--demo"])
        .args(args)
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    (String::from_utf8(out.stdout).unwrap(), out.status.success())
}

fn demo_lines(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .filter(|l| l.starts_with("demo:") || l.starts_with("event:"))
        .collect()
}

/// The events both v7 cores share, with the watchpoint's fault address
/// field for the first and second hit.
fn v7_events(addr1: &str, addr2: &str, trig2: &str) -> Vec<String> {
    vec![
        format!("event: watchpoint pc 0x0001000c MOE 0b1010 sync {addr1}; WRP 0 fired at 0x00020000; step-over: mismatch BRP 5 BVR 0x0001000c BCR 0x004001e5"),
        "event: breakpoint pc 0x00010010 MOE 0b0001 sync; step done: WRP 0 re-armed".to_string(),
        format!("event: watchpoint pc 0x00010014 MOE 0b1010 sync {addr2}; WRP 0 fired at {trig2}; step-over: mismatch BRP 5 BVR 0x00010014 BCR 0x004001e5"),
        "event: breakpoint pc 0x00010018 MOE 0b0001 sync; BRP 0 fired at 0x00010018; step-over: mismatch BRP 0 BVR 0x00010018 BCR 0x004001e5; step done: WRP 0 re-armed".to_string(),
        "event: breakpoint pc 0x0001001c MOE 0b0001 sync; step done: BRP 0 re-armed".to_string(),
    ]
}

#[test]
fn cortex_a15_demo_reports_dfar_and_step_over() {
    let (out, ok) = demo(&["--cpu", "cortex-a15"]);
    assert!(ok, "{out}");
    let mut expected = vec![
        "demo: cortex-a15 on CPU 0, 5 breakpoint and 4 watchpoint slots".to_string(),
        "demo: install breakpoint at 0x00010018 len 4 (step-over): slot 0, ctrl 0x000001e5"
            .to_string(),
        "demo: install watchpoint at 0x00020000 len 4 (step-over): slot 0, ctrl 0x000001fd"
            .to_string(),
        "demo: ran 14 instructions, 5 debug exceptions".to_string(),
    ];
    expected.extend(v7_events(
        "DFAR 0x00020000",
        "DFAR 0x00020002",
        "0x00020002",
    ));
    assert_eq!(demo_lines(&out), expected);
}

#[test]
fn cortex_a9_demo_reports_wfar_and_one_watchpoint_slot() {
    let (out, ok) = demo(&["--cpu", "cortex-a9"]);
    assert!(ok, "{out}");
    let lines = demo_lines(&out);
    assert_eq!(
        lines[0],
        "demo: cortex-a9 on CPU 0, 5 breakpoint and 1 watchpoint slots"
    );
    // Before v7.1 the fault address is DBGWFAR (instruction + 8) and the
    // trigger is the watchpoint's own address.
    assert_eq!(
        lines[4..].to_vec(),
        v7_events("WFAR 0x00010014", "WFAR 0x0001001c", "0x00020000")
    );
}

#[test]
fn arm1176_demo_has_no_step_over_and_async_watchpoints() {
    let (out, ok) = demo(&["--cpu", "arm1176"]);
    assert!(ok, "{out}");
    let lines = demo_lines(&out);
    assert_eq!(
        lines[1],
        "demo: install breakpoint at 0x00010018 len 4: slot 0, ctrl 0x000001e5"
    );
    assert_eq!(lines[3], "demo: ran 9 instructions, 3 debug exceptions");
    assert!(lines[4].starts_with(
        "event: watchpoint pc 0x0001000c MOE 0b0010 async WFAR 0x00010014; WARNING: Asynchronous watchpoint"
    ));
    assert_eq!(
        lines[6],
        "event: breakpoint pc 0x00010018 MOE 0b0001 sync; BRP 0 fired at 0x00010018"
    );
}

#[test]
fn failed_init_demo_installs_nothing() {
    let (out, ok) = demo(&["--cpu", "cortex-a15", "--fault", "1:swenable-low"]);
    assert!(ok, "{out}");
    let lines = demo_lines(&out);
    assert!(
        lines[1].contains("failed: Can't find any breakpoint slot"),
        "{lines:?}"
    );
    assert!(lines[2].contains("failed: Can't find any breakpoint slot"));
    assert_eq!(lines[3], "demo: ran 9 instructions, 0 debug exceptions");
    assert_eq!(lines.len(), 4);
}

#[test]
fn json_carries_the_demo() {
    let (out, ok) = demo(&["--cpu", "cortex-a7", "--json"]);
    assert!(ok);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let d = &doc["demo"];
    assert_eq!(d["model"], "cortex-a7");
    assert_eq!(d["events"].as_array().map(Vec::len), Some(5));
    assert_eq!(d["events"][0]["moe"], 10);
    assert_eq!(d["events"][0]["dfar"], 0x0002_0000);
    assert_eq!(d["installs"][1]["ctrl"], 0x1FD);
    // Without --demo the field is null.
    let plain = Command::new(env!("CARGO_BIN_EXE_dbgemu"))
        .args(["boot", "--cpus", "1", "--json"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&plain.stdout).unwrap();
    assert!(doc["demo"].is_null());
}
