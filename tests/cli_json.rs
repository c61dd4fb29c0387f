//! `dbgemu boot --json` against its documented schema (docs/cli-json.md):
//! the exact key set of every object, the types, and no serde-internal
//! shapes (`{"Ok": …}`, variant-named wrappers).
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::process::Command;

use serde_json::Value;

fn boot_json(args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_dbgemu"))
        .arg("boot")
        .arg("--json")
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    serde_json::from_slice(&out.stdout).unwrap()
}

fn keys(v: &Value) -> BTreeSet<&str> {
    v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .map(String::as_str)
        .collect()
}

fn assert_keys(v: &Value, want: &[&str]) {
    assert_eq!(keys(v), want.iter().copied().collect(), "{v}");
}

/// Every object in the document, recursively.
fn objects(v: &Value, out: &mut Vec<Value>) {
    match v {
        Value::Object(m) => {
            out.push(v.clone());
            m.values().for_each(|c| objects(c, out));
        }
        Value::Array(a) => a.iter().for_each(|c| objects(c, out)),
        _ => {}
    }
}

const OOPS: &[&str] = &["cpu", "instr", "pc", "message"];
const ROW: &[&str] = &[
    "cpu", "online", "faults", "error", "resets", "dscr", "oslsr", "prsr", "vcr", "bcr", "bvr",
    "wcr", "wvr",
];

#[test]
fn the_document_has_exactly_the_documented_keys() {
    let demo = boot_json(&[
        "--cpu",
        "cortex-a7",
        "--demo",
        "--fault",
        "2:swenable-low",
        "--online-later",
        "3",
        "--pm-cycle",
        "1",
    ]);
    assert_keys(
        &demo,
        &[
            "schema",
            "model",
            "midr",
            "dbgdidr",
            "cpus",
            "executor",
            "faults",
            "online_later",
            "init",
            "table",
            "brought_online",
            "table_after",
            "pm_cycled",
            "oopses",
            "state_bytes",
            "demo",
        ],
    );
    assert_eq!(demo["schema"], 1);
    assert_eq!(demo["executor"], "inline");
    assert_eq!(
        demo["faults"],
        serde_json::json!([{"cpu": 2, "kind": "swenable-low"}])
    );
    let init = &demo["init"];
    assert_keys(
        init,
        &[
            "model",
            "cpus",
            "init_cpu",
            "cpuid_scheme",
            "debug_arch",
            "supported",
            "scorpion",
            "has_os_save_restore",
            "hw_brps",
            "hw_wrps",
            "brps",
            "reserved_brps",
            "wrps",
            "max_watchpoint_len",
            "setup",
            "error_mask",
            "state_installed",
            "pm_notifier",
            "enabled",
            "oops",
            "messages",
        ],
    );
    assert_keys(&init["setup"], &["outcome", "state", "error"]);
    assert_eq!(init["setup"]["outcome"], "allocated");
    assert!(init["setup"]["state"].is_u64() && init["setup"]["error"].is_null());
    for m in init["messages"].as_array().unwrap() {
        assert_keys(m, &["level", "prefix", "text"]);
        assert!(m["level"] == "info" || m["level"] == "warn");
    }
    for row in demo["table"]
        .as_array()
        .unwrap()
        .iter()
        .chain(demo["table_after"].as_array().unwrap())
    {
        assert_keys(row, ROW);
    }
    assert_keys(
        &demo["brought_online"][0],
        &["cpu", "online", "reset_ran", "error"],
    );
    assert_keys(
        &demo["pm_cycled"][0],
        &["cpu", "reset_ran", "oops", "error"],
    );
    let d = &demo["demo"];
    assert_keys(
        d,
        &["model", "brps", "wrps", "installs", "executed", "events"],
    );
    // swenable-low disabled the driver: every install failed, with its error.
    for i in d["installs"].as_array().unwrap() {
        assert_keys(
            i,
            &[
                "kind",
                "address",
                "len",
                "step_over",
                "slot",
                "error",
                "ctrl",
            ],
        );
        assert!(i["slot"].is_null() && i["error"].is_string(), "{i}");
    }

    // A healthy demo: installs succeed, events carry actions.
    let ok = boot_json(&["--cpu", "cortex-a7", "--demo"]);
    let d = &ok["demo"];
    for i in d["installs"].as_array().unwrap() {
        assert!(i["slot"].is_u64() && i["error"].is_null(), "{i}");
    }
    let mut actions = BTreeSet::new();
    for e in d["events"].as_array().unwrap() {
        assert_keys(
            e,
            &[
                "cpu",
                "kind",
                "pc",
                "moe",
                "synchronous",
                "wfar",
                "dfar",
                "units",
                "actions",
            ],
        );
        for a in e["actions"].as_array().unwrap() {
            assert_keys(
                a,
                &[
                    "action", "handle", "slot", "trigger", "brp", "bvr", "bcr", "text",
                ],
            );
            actions.insert(a["action"].as_str().unwrap().to_string());
        }
    }
    assert!(
        actions.contains("fired") && actions.contains("step_started"),
        "{actions:?}"
    );

    // No serde-internal shapes anywhere: no Ok/Err wrappers, no key that is
    // a Rust variant name (capitalised).
    for doc in [&demo, &ok] {
        let mut all = Vec::new();
        objects(doc, &mut all);
        for o in &all {
            for k in keys(o) {
                assert!(
                    k.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                    "key {k:?} in {o}"
                );
            }
        }
    }
}

#[test]
fn an_oops_has_the_documented_shape() {
    // CPU 3 comes up after init with no hook registered and traps: the
    // kernel oopses (the late-oops golden boot).
    let v = boot_json(&["--fault", "3:swenable-low", "--online-later", "3"]);
    let oopses = v["oopses"].as_array().unwrap();
    assert_eq!(oopses.len(), 1, "{v}");
    assert_keys(&oopses[0], OOPS);
    assert_eq!(oopses[0]["cpu"], 3);
    assert!(oopses[0]["instr"].is_u64() && oopses[0]["message"].is_string());
    assert!(v["init"]["oops"].is_null());
}
