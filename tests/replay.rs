//! Golden replay traces (`tests/data/replay/<model>-<name>.trace` with the
//! hand-derived `.expected` output) through the library and the binary.

#![allow(clippy::unwrap_used)]

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
            // A replay that stops early (an unknown model is refused before
            // any input is read) may close its stdin first: not a failure.
            let _ = pipe.write_all(text.as_bytes());
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
    // Streaming: the two lines before the bad one have been replayed and
    // printed; nothing is printed for the bad line or after it.
    assert_eq!(out, "ee100e10 = 0x3515f021\nee100e11 = 0x00040002\n");
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

/// Issue 12 D8 (docs/fidelity-decisions.md#d8-trace-width): a value wider
/// than the transfer is an error naming the line, not a truncation.
#[test]
fn a_value_wider_than_the_transfer_is_an_error_naming_the_line() {
    let err = dbgemu::replay::replay("cortex-a15", "ee100e10\nee001e90 0x1ffffffff\n")
        .expect_err("a 33-bit value for a 32-bit MCR is refused");
    assert_eq!(
        err.to_string(),
        "line 2: value 0x1ffffffff does not fit the 32-bit transfer of ee001e90"
    );
    // Nine digits are refused even when the value would fit; a 64-bit
    // MCRR takes up to 16.
    assert!(dbgemu::replay::replay("cortex-a15", "ee001e90 0x0ffffffff\n").is_err());
    assert!(dbgemu::replay::replay("cortex-a15", "ec410e02 0x1ffffffff\n").is_ok());
    assert!(dbgemu::replay::replay("cortex-a15", "ec410e02 0x11ffffffffffffffff\n").is_err());
}

/// A generated trace of 1M lines replays through [`Replayer`] from a
/// reader, line for line: DBGBVR0 written with the line number, read back.
#[test]
fn a_million_line_trace_streams_through_a_reader() {
    use std::io::{BufReader, Read};
    /// Yields `ee000e90 0x<n>` / `ee100e90` pairs, `lines` lines in all,
    /// generated on demand (the trace never exists as a whole).
    struct Gen {
        next: u64,
        lines: u64,
        pending: Vec<u8>,
    }
    impl Read for Gen {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.pending.is_empty() && self.next < self.lines {
                let n = self.next / 2;
                self.pending = if self.next % 2 == 0 {
                    format!("ee000e90 0x{:x}\n", n << 2).into_bytes()
                } else {
                    b"ee100e90\n".to_vec()
                };
                self.next += 1;
            }
            let k = self.pending.len().min(buf.len());
            buf[..k].copy_from_slice(&self.pending[..k]);
            self.pending.drain(..k);
            Ok(k)
        }
    }
    const LINES: u64 = 1_000_000;
    let model = dbgregs::model::CoreModel::preset("cortex-a15").unwrap();
    let mut replayer = dbgemu::replay::Replayer::new(model);
    /// Checks each output line as it arrives instead of keeping them.
    struct Check {
        line: u64,
        partial: Vec<u8>,
        bad: Option<String>,
    }
    impl std::io::Write for Check {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            for &b in buf {
                if b != b'\n' {
                    self.partial.push(b);
                    continue;
                }
                let got = String::from_utf8_lossy(&self.partial).into_owned();
                let n = self.line / 2;
                let want = if self.line % 2 == 0 {
                    "ee000e90 ok".to_string()
                } else {
                    // DBGBVR bits [1:0] are RAZ/WI.
                    format!("ee100e90 = 0x{:08x}", (n << 2) as u32)
                };
                if got != want && self.bad.is_none() {
                    self.bad = Some(format!(
                        "output line {}: `{got}`, want `{want}`",
                        self.line + 1
                    ));
                }
                self.partial.clear();
                self.line += 1;
            }
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let input = BufReader::new(Gen {
        next: 0,
        lines: LINES,
        pending: Vec::new(),
    });
    let mut check = Check {
        line: 0,
        partial: Vec::new(),
        bad: None,
    };
    let accesses = replayer.run(input, &mut check).unwrap();
    assert_eq!(accesses as u64, LINES);
    assert_eq!(check.line, LINES);
    assert!(check.partial.is_empty());
    assert_eq!(check.bad, None);
}

/// Structure, not timing: an endless reader that fails after N lines. An
/// implementation that collected the lines first would print nothing
/// before the error; the streaming one has written all N results.
#[test]
fn output_arrives_before_the_input_ends() {
    use std::io::{BufReader, Read};
    struct FailsAfter {
        left: usize,
    }
    impl Read for FailsAfter {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            const LINE: &[u8] = b"ee100e10\n";
            if self.left == 0 {
                return Err(std::io::Error::other("the reader broke"));
            }
            self.left -= 1;
            buf[..LINE.len()].copy_from_slice(LINE);
            Ok(LINE.len())
        }
    }
    let model = dbgregs::model::CoreModel::preset("cortex-a15").unwrap();
    let mut out = Vec::new();
    let err = dbgemu::replay::Replayer::new(model)
        .run(
            BufReader::with_capacity(64, FailsAfter { left: 1000 }),
            &mut out,
        )
        .unwrap_err();
    assert!(
        matches!(
            err,
            dbgemu::replay::ReplayStreamError::Read { line: 1001, .. }
        ),
        "{err}"
    );
    assert_eq!(out, "ee100e10 = 0x3515f021\n".repeat(1000).as_bytes());
}
