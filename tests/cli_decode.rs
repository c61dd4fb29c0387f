//! `dbgemu decode` run as a program: arguments, stdin, --thumb, bad words.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn dbgemu(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dbgemu"))
        .arg("decode")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the dbgemu binary runs");
    let mut input = child.stdin.take().expect("stdin is piped");
    input
        .write_all(stdin.unwrap_or("").as_bytes())
        .expect("stdin accepts the input");
    drop(input);
    child.wait_with_output().expect("dbgemu exits")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn words_as_arguments() {
    let out = dbgemu(
        &[
            "ee100e10",
            "0xEE113E95",
            "0e115e91",
            "ec510e02",
            "ed215e02",
            "fe100e10",
            "ee100f10",
            "e1a00000",
        ],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "ee100e10\tmrc p14, 0, r0, c0, c0, 0 ; DBGDIDR\n\
         ee113e95\tmrc p14, 0, r3, c1, c5, 4 ; DBGPRSR\n\
         0e115e91\tmrceq p14, 0, r5, c1, c1, 4 ; DBGOSLSR\n\
         ec510e02\tmrrc p14, 0, r0, r1, c2 ; DBGDSAR\n\
         ed215e02\tstc p14, c5, [r1, #-8]! ; DBGDTRRXint\n\
         fe100e10\tmrc2 p14, 0, r0, c0, c0, 0\n\
         ee100f10\t-\n\
         e1a00000\t-\n"
    );
}

#[test]
fn words_from_stdin() {
    let out = dbgemu(&[], Some("ee001eb3\n\n  EE000E52  \r\nee180e10\n"));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "ee001eb3\tmcr p14, 0, r1, c0, c3, 5 ; DBGBCR3\n\
         ee000e52\tmcr p14, 0, r0, c0, c2, 2 ; DBGDSCRext\n\
         ee180e10\tmrc p14, 0, r0, c8, c0, 0\n"
    );
}

#[test]
fn thumb_words() {
    let out = dbgemu(
        &["--thumb", "ee113e95", "fc510e02", "0e100e10", "ee100e10"],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "ee113e95\tmrc p14, 0, r3, c1, c5, 4 ; DBGPRSR\n\
         fc510e02\tmrrc2 p14, 0, r0, r1, c2\n\
         0e100e10\t-\n\
         ee100e10\tmrc p14, 0, r0, c0, c0, 0 ; DBGDIDR\n"
    );
    // --thumb applies to stdin as well.
    let out = dbgemu(&["--thumb"], Some("0e115e91\n"));
    assert!(out.status.success());
    assert_eq!(stdout(&out), "0e115e91\t-\n");
}

#[test]
fn a_malformed_argument_is_named_and_nothing_is_printed() {
    let out = dbgemu(&["ee100e10", "ee10e10"], None);
    assert!(!out.status.success());
    assert_eq!(stdout(&out), "");
    let err = stderr(&out);
    assert!(err.contains("\"ee10e10\""), "{err}");
    assert!(err.contains("argument 2"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_malformed_stdin_line_stops_after_the_good_ones() {
    let out = dbgemu(&[], Some("ee100e10\nnot-a-word\nee100e10\n"));
    assert!(!out.status.success());
    assert_eq!(
        stdout(&out),
        "ee100e10\tmrc p14, 0, r0, c0, c0, 0 ; DBGDIDR\n"
    );
    let err = stderr(&out);
    assert!(
        err.contains("\"not-a-word\"") && err.contains("line 2"),
        "{err}"
    );
}
