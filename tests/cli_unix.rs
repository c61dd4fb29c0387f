//! The CLI as a Unix tool: a closed standard output stops every subcommand
//! quietly with status 0; `--help` documents the formats and exit codes.
#![allow(clippy::unwrap_used)]

use std::io::Write as _;
use std::process::{Command, Stdio};

/// Runs `dbgemu args` with its stdout a pipe whose read end is closed
/// before the child writes (and `stdin` fed, then closed); returns the
/// exit code and stderr.
fn with_closed_stdout(args: &[&str], stdin: &[u8]) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dbgemu"))
        .args(args)
        .env_remove("RUST_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut input = child.stdin.take().unwrap();
    // The child may stop reading once its output is gone.
    let _ = input.write_all(stdin);
    drop(input);
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn assert_quiet(args: &[&str], stdin: &[u8]) {
    let (code, stderr) = with_closed_stdout(args, stdin);
    assert_eq!(code, Some(0), "{args:?}: stderr {stderr}");
    for noise in ["Broken pipe", "panicked", "dbgemu: I/O", "cannot write"] {
        assert!(!stderr.contains(noise), "{args:?}: {stderr}");
    }
}

#[test]
fn a_closed_stdout_stops_every_subcommand_quietly() {
    let trace = "ee100e10\n".repeat(50_000);
    assert_quiet(&["replay", "--cpu", "cortex-a15"], trace.as_bytes());
    assert_quiet(&["decode"], trace.as_bytes());
    let words: Vec<&str> = std::iter::repeat_n("ee100e10", 5000).collect();
    let mut args = vec!["decode"];
    args.extend(&words);
    assert_quiet(&args, b"");
    assert_quiet(&["boot"], b"");
    assert_quiet(&["boot", "--json", "--demo"], b"");
    assert_quiet(
        &["boot", "--demo", "--online-later", "3", "--pm-cycle", "1"],
        b"",
    );
    assert_quiet(&["models"], b"");
    assert_quiet(&["boards"], b"");
    assert_quiet(&["--help"], b"");
    assert_quiet(&["replay", "--help"], b"");
}

#[test]
fn an_input_error_still_fails_with_a_closed_stdout() {
    // The pipe is closed, but the bad line comes first: status 1 and the
    // message, never a silent success.
    let (code, stderr) = with_closed_stdout(&["replay", "--cpu", "cortex-a15"], b"zz\n");
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("line 1"), "{stderr}");
}

fn help(sub: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_dbgemu"))
        .args([sub, "--help"])
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn help_documents_formats_errors_and_exit_codes() {
    let cases: [(&str, &[&str]); 3] = [
        (
            "replay",
            &[
                "WORD [0xVALUE]",
                "optionally prefixed",
                "`#` starts a",
                "= 0x<8 hex>",
                "= 0x<16 hex>",
                " ok ",
                " undef ",
                " skipped ",
                " abort ",
                "already been written",
                "constant memory",
                "EXIT STATUS",
                "1-16 for a 64-bit MCRR/MRRC",
            ],
        ),
        (
            "decode",
            &[
                "optionally prefixed by 0x",
                "`#` starts a comment",
                "<TAB>-",
                "EXIT STATUS",
            ],
        ),
        (
            "boot",
            &[
                "JSON (--json)",
                "schema: 1",
                "docs/cli-json.md",
                "\"allocated\"",
            ],
        ),
    ];
    for (sub, needles) in cases {
        let text = help(sub);
        for needle in needles {
            assert!(
                text.contains(needle),
                "{sub} --help lacks {needle:?}:\n{text}"
            );
        }
    }
}

#[test]
fn decode_and_replay_share_the_word_syntax() {
    let input = "# a comment\n\n  0xEE100E10  # DBGDIDR\nee100e10\n";
    let run = |args: &[&str]| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_dbgemu"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(
        run(&["decode"]),
        "ee100e10\tmrc p14, 0, r0, c0, c0, 0 ; DBGDIDR\n".repeat(2)
    );
    assert_eq!(
        run(&["replay", "--cpu", "cortex-a15"]),
        "ee100e10 = 0x3515f021\n".repeat(2)
    );
}
