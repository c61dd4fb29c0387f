//! Golden replay traces (`tests/data/replay/<model>-<name>.trace` with the
//! hand-derived `.expected` output) through the library and the binary.

use std::path::{Path, PathBuf};
use std::process::Command;

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/replay")
}

/// `(model, trace path)` for every golden trace; the model is the file name
/// up to the last `-<name>`.
fn traces() -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let entries = std::fs::read_dir(data_dir()).unwrap_or_else(|e| panic!("read_dir: {e}"));
    for entry in entries {
        let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
        if path.extension().and_then(|e| e.to_str()) != Some("trace") {
            continue;
        }
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_else(|| panic!("bad name {path:?}"));
        let model = stem
            .rsplit_once('-')
            .map(|(m, _)| m.to_string())
            .unwrap_or_else(|| panic!("trace {stem} has no -<name> suffix"));
        out.push((model, path));
    }
    out.sort();
    out
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_golden_trace_matches_through_the_library() {
    let all = traces();
    for required in ["cortex-a15", "cortex-a9", "cortex-a8", "arm1176"] {
        assert!(
            all.iter().any(|(m, _)| m == required),
            "no golden trace for {required}"
        );
    }
    let mut failures = Vec::new();
    for (model, path) in &all {
        let expected = read(&path.with_extension("expected"));
        let got = dbgemu::replay::replay(model, &read(path))
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if got != expected {
            for (i, (g, e)) in got.lines().zip(expected.lines()).enumerate() {
                if g != e {
                    failures.push(format!(
                        "{}: output line {}: got `{g}`, expected `{e}`",
                        path.display(),
                        i + 1
                    ));
                }
            }
            if got.lines().count() != expected.lines().count() {
                failures.push(format!("{}: line count differs", path.display()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn dbgemu(args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
    use std::io::Write as _;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dbgemu"));
    cmd.args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("spawn: {e}"));
    if let Some(mut pipe) = child.stdin.take() {
        if let Some(text) = stdin {
            pipe.write_all(text.as_bytes())
                .unwrap_or_else(|e| panic!("stdin: {e}"));
        }
    }
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("wait: {e}"));
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_binary_replays_a_golden_trace_from_a_file_and_stdin() {
    let trace = data_dir().join("cortex-a9-linux_init.trace");
    let expected = read(&trace.with_extension("expected"));
    let path = trace.to_string_lossy().into_owned();
    let (ok, out, err) = dbgemu(&["replay", "--cpu", "cortex-a9", &path], None);
    assert!(ok, "stderr: {err}");
    assert_eq!(out, expected);
    let (ok, out, _) = dbgemu(&["replay", "--cpu", "cortex-a9"], Some(&read(&trace)));
    assert!(ok);
    assert_eq!(out, expected);
}

#[test]
fn the_binary_rejects_a_malformed_trace_naming_the_line() {
    let (ok, out, err) = dbgemu(
        &["replay", "--cpu", "cortex-a15"],
        Some("ee100e10\nee100e11\nnot-a-word 0x1\nee100e10\n"),
    );
    assert!(!ok);
    assert_eq!(out, "", "nothing is printed");
    assert!(
        err.contains("line 3") && err.contains("not-a-word"),
        "{err}"
    );
    let (ok, out, err) = dbgemu(&["replay", "--cpu", "cortex-a15"], Some("ee100f10\n"));
    assert!(!ok && out.is_empty());
    assert!(
        err.contains("line 1") && err.contains("not a CP14 access"),
        "{err}"
    );
}

#[test]
fn the_binary_rejects_an_unknown_model_listing_the_known_ones() {
    let (ok, out, err) = dbgemu(&["replay", "--cpu", "cortex-a99"], Some("ee100e10\n"));
    assert!(!ok && out.is_empty());
    assert!(
        err.contains("cortex-a99") && err.contains("cortex-a15") && err.contains("arm1176"),
        "{err}"
    );
}

#[test]
fn the_binary_lists_the_models() {
    let (ok, out, err) = dbgemu(&["models"], None);
    assert!(ok, "{err}");
    assert!(out.starts_with("MODEL"));
    let a15 = out
        .lines()
        .find(|l| l.starts_with("cortex-a15 "))
        .unwrap_or_else(|| panic!("no cortex-a15 row in\n{out}"));
    for field in ["0x412fc0f1", "0x3515f021", "v7.1", "lock-only"] {
        assert!(a15.contains(field), "{a15}");
    }
    assert_eq!(
        out.lines().count(),
        1 + dbgregs::model::CoreModel::presets().len()
    );
}
