//! Trap-trace replay: runs trapped A32 CP14 words against a fresh vCPU of
//! a core model and renders one line per access, streaming: a
//! [`Replayer`] reads a [`BufRead`] one line at a time and writes each
//! result to a [`Write`] before it reads the next line, so memory stays
//! constant whatever the trace length.
//!
//! The vCPU is just out of cold reset (UNKNOWN values zero), executes at
//! PL1 (SVC mode, ARM state, APSR flags clear) with DBGSWENABLE high; the
//! general registers start at 0 and persist from line to line.
//!
//! # Input
//!
//! One access per line: `WORD [0xVALUE]`, the word in the syntax of
//! [`crate::input`] (8 hex digits, optional `0x`); `#` starts a comment;
//! blank lines and surrounding whitespace are ignored. The value, written
//! `0x` and 1–8 hex digits (1–16 for a 64-bit MCRR/MRRC), is loaded into
//! Rt before the step (the low word into Rt and the high word into Rt2 for
//! MCRR/MRRC); without it the instruction uses whatever Rt holds. A line
//! is at most [`MAX_LINE_BYTES`] bytes of UTF-8.
//!
//! # Output
//!
//! Exactly one line per access, the word as 8 lowercase hex digits:
//! * `<word> = 0x<8hex>` — a completed MRC (Rt = 15: the value read, whose
//!   top four bits went to APSR.NZCV);
//! * `<word> = 0x<16hex>` — a completed MRRC (Rt2:Rt);
//! * `<word> ok` — a completed MCR or MCRR;
//! * `<word> undef` — the access takes an Undefined Instruction exception;
//! * `<word> skipped` — the condition failed (flags are clear, so e.g. an
//!   `EQ` word is skipped), no access;
//! * `<word> abort` — an LDC/STC (the replay guest has no memory, so every
//!   memory transfer aborts).
//!
//! # Errors mid-stream
//!
//! Each line is checked before it runs: a malformed line, a word that is no
//! CP14 access or a value wider than its transfer stops the replay with an
//! error naming the line (number and text). Nothing is written for that
//! line; the lines before it have been written already.
//!
//! ```
//! use dbgemu::replay::Replayer;
//! use dbgemu::dbgregs::model::CoreModel;
//!
//! let mut replayer = Replayer::new(CoreModel::preset("cortex-a15")?);
//! let mut out = Vec::new();
//! let lines = replayer.run(&b"ee100e10 # DBGDIDR\n0xee000eb0 0x1e5\n"[..], &mut out)?;
//! assert_eq!(lines, 2);
//! assert_eq!(out, b"ee100e10 = 0x3515f021\nee000eb0 ok\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::io::{self, BufRead, Read as _, Write};

use dbgregs::access::{Access, Direction, Operation};
use dbgregs::decode::decode_a32;
use dbgregs::emulate::{step_access, SimpleGuest, StepOutcome};
use dbgregs::model::CoreModel;
use dbgregs::state::{DebugState, UnknownFill};

use crate::input::{content, parse_word, strip_hex_prefix, WordError};

/// The longest trace line accepted, in bytes, its newline included; a
/// longer one is [`ReplayError::TraceLineTooLong`] (this bounds the
/// replayer's memory).
pub const MAX_LINE_BYTES: usize = 4096;

/// One parsed and checked trace line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceLine {
    /// 1-based line number in the input.
    pub line: usize,
    /// The A32 word.
    pub word: u32,
    /// The access it decodes to.
    pub access: Access,
    /// The value to load into Rt (and Rt2) first.
    pub value: Option<u64>,
}

/// Parses and checks one trace line (`raw` without its newline): `None`
/// for a blank or comment-only line.
///
/// # Errors
/// [`ReplayError`] naming `line` for a malformed line, a word that is no
/// CP14 access, or a value wider than the transfer.
pub fn parse_line(line: usize, raw: &str) -> Result<Option<TraceLine>, ReplayError> {
    let Some(body) = content(raw) else {
        return Ok(None);
    };
    let text = || raw.trim().to_string();
    let bad = |why| ReplayError::TraceLine {
        line,
        text: text(),
        why,
    };
    let mut tokens = body.split_whitespace();
    // `content` returned a non-empty, trimmed body: it has a first token.
    let word_tok = tokens.next().unwrap_or(body);
    let word = parse_word(word_tok).map_err(|source| ReplayError::TraceWord {
        line,
        text: text(),
        source,
    })?;
    let value_tok = tokens.next();
    if tokens.next().is_some() {
        return Err(bad("unexpected text after the value"));
    }
    let access = decode_a32(word).ok_or_else(|| ReplayError::TraceNotCp14 {
        line,
        text: text(),
        word,
    })?;
    let value = match value_tok {
        None => None,
        Some(v) => {
            if !v.starts_with("0x") && !v.starts_with("0X") {
                return Err(bad("the value must be written 0x<hex>"));
            }
            let digits = strip_hex_prefix(v);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(bad("the value must be 0x followed by hex digits"));
            }
            // Issue 12 D8 (docs/fidelity-decisions.md#d8-trace-width): an
            // MCR/MRC/LDC/STC carries one 32-bit register, MCRR/MRRC two.
            let bits = match access.operation {
                Operation::Transfer64 { .. } => 64,
                _ => 32,
            };
            if digits.len() > bits / 4 {
                return Err(ReplayError::TraceValueTooWide {
                    line,
                    value: v.to_string(),
                    word,
                    bits,
                });
            }
            // At most 16 hex digits: fits a u64.
            Some(u64::from_str_radix(digits, 16).map_err(|_| bad("bad value"))?)
        }
    };
    Ok(Some(TraceLine {
        line,
        word,
        access,
        value,
    }))
}

/// A streaming replay on one fresh vCPU of a core model: feed it lines
/// ([`Replayer::line`]) or a whole reader ([`Replayer::run`]); the vCPU's
/// registers persist from line to line.
#[derive(Debug)]
pub struct Replayer<'m> {
    model: &'m CoreModel,
    state: DebugState,
    guest: SimpleGuest,
    lines: usize,
}

impl<'m> Replayer<'m> {
    /// A replayer on a vCPU of `model` just out of cold reset.
    pub fn new(model: &'m CoreModel) -> Replayer<'m> {
        Replayer {
            model,
            state: DebugState::cold_reset(model, UnknownFill::Zero),
            guest: SimpleGuest::svc(0x8000),
            lines: 0,
        }
    }

    /// How many input lines (blank and comment lines included) this
    /// replayer has consumed.
    pub fn lines_read(&self) -> usize {
        self.lines
    }

    /// Runs one checked line and writes its output line to `out`.
    ///
    /// # Errors
    /// Only what `out` returns.
    pub fn step(&mut self, l: &TraceLine, out: &mut impl Write) -> io::Result<()> {
        let access = &l.access;
        if let Some(v) = l.value {
            match access.operation {
                Operation::Transfer { rt, .. } => {
                    // parse_line() refused values wider than 32 bits.
                    self.guest.regs[(rt.0 & 31) as usize] = v as u32;
                }
                Operation::Transfer64 { rt, rt2, .. } => {
                    self.guest.regs[(rt.0 & 31) as usize] = v as u32;
                    self.guest.regs[(rt2.0 & 31) as usize] = (v >> 32) as u32;
                }
                Operation::Memory { .. } => {}
            }
        }
        let word = l.word;
        match step_access(self.model, &mut self.state, &mut self.guest, access) {
            StepOutcome::Completed {
                direction: Direction::Read,
                value,
                ..
            } => match access.operation {
                Operation::Transfer64 { .. } => writeln!(out, "{word:08x} = 0x{value:016x}"),
                _ => writeln!(out, "{word:08x} = 0x{value:08x}"),
            },
            StepOutcome::Completed { .. } => writeln!(out, "{word:08x} ok"),
            StepOutcome::Undefined { .. } => writeln!(out, "{word:08x} undef"),
            StepOutcome::ConditionFailed => writeln!(out, "{word:08x} skipped"),
            StepOutcome::DataAbort(_) => writeln!(out, "{word:08x} abort"),
        }
    }

    /// Parses, checks and runs the next input line (`raw`, without its
    /// newline), writing its output line (if it is not blank) to `out`.
    ///
    /// # Errors
    /// [`ReplayStreamError::Trace`] for a bad line (nothing is written for
    /// it and the vCPU is untouched), [`ReplayStreamError::Write`] when
    /// `out` fails.
    pub fn line(&mut self, raw: &str, out: &mut impl Write) -> Result<(), ReplayStreamError> {
        self.lines += 1;
        if let Some(l) = parse_line(self.lines, raw)? {
            self.step(&l, out).map_err(ReplayStreamError::Write)?;
        }
        Ok(())
    }

    /// Replays every line of `input` into `out`, one line at a time;
    /// returns the number of accesses run. Stops at the first bad line,
    /// after the output of every line before it has been written.
    ///
    /// # Errors
    /// [`ReplayStreamError`]: a bad line (named), a read or a write that
    /// failed.
    pub fn run(
        &mut self,
        mut input: impl BufRead,
        out: &mut impl Write,
    ) -> Result<usize, ReplayStreamError> {
        let mut buf = Vec::with_capacity(128);
        let mut accesses = 0;
        loop {
            buf.clear();
            let line = self.lines + 1;
            let n = input
                .by_ref()
                .take(MAX_LINE_BYTES as u64)
                .read_until(b'\n', &mut buf)
                .map_err(|source| ReplayStreamError::Read { line, source })?;
            if n == 0 {
                return Ok(accesses);
            }
            if n == MAX_LINE_BYTES && buf.last() != Some(&b'\n') {
                return Err(ReplayError::TraceLineTooLong {
                    line,
                    max: MAX_LINE_BYTES,
                }
                .into());
            }
            let raw = std::str::from_utf8(&buf)
                .map_err(|_| ReplayError::TraceNotUtf8 { line })?
                .trim_end_matches(['\n', '\r']);
            self.lines += 1;
            if let Some(l) = parse_line(line, raw)? {
                self.step(&l, out).map_err(ReplayStreamError::Write)?;
                accesses += 1;
            }
        }
    }
}

/// Replays `text` on a fresh vCPU of the preset `model_name` and returns
/// the whole output (a convenience over [`Replayer`] for short traces).
///
/// # Errors
/// An unknown model, or the first bad line; the output of the lines before
/// it is discarded.
pub fn replay(model_name: &str, text: &str) -> Result<String, ReplayError> {
    let model = CoreModel::preset(model_name)?;
    let mut replayer = Replayer::new(model);
    let mut out = Vec::new();
    match replayer.run(text.as_bytes(), &mut out) {
        Ok(_) => {}
        Err(ReplayStreamError::Trace(e)) => return Err(e),
        // Reading a byte slice and writing a Vec cannot fail.
        Err(ReplayStreamError::Read { .. } | ReplayStreamError::Write(_)) => {}
    }
    // Every output line is ASCII.
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// A replay trace line or model name that is wrong; nothing ran for it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// A replay trace line that is not `WORD [0xVALUE]`.
    #[error("line {line}: `{text}`: {why}")]
    TraceLine {
        /// 1-based line number.
        line: usize,
        /// The line as given (trimmed).
        text: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// A trace line whose word does not parse.
    #[error("line {line}: `{text}`: {source}")]
    TraceWord {
        /// 1-based line number.
        line: usize,
        /// The line as given (trimmed).
        text: String,
        /// What is wrong with the word.
        source: WordError,
    },
    /// A replay trace word that is no CP14 access.
    #[error("line {line}: `{text}`: {word:#010x} is not a CP14 access")]
    TraceNotCp14 {
        /// 1-based line number.
        line: usize,
        /// The line as given (trimmed).
        text: String,
        /// The word.
        word: u32,
    },
    /// A value wider than the transfer of its word (32 bits for
    /// MCR/MRC/LDC/STC, 64 for MCRR/MRRC); issue 12 D8.
    #[error("line {line}: value {value} does not fit the {bits}-bit transfer of {word:08x}")]
    TraceValueTooWide {
        /// 1-based line number.
        line: usize,
        /// The value as written.
        value: String,
        /// The word.
        word: u32,
        /// The transfer's width.
        bits: usize,
    },
    /// A line longer than [`MAX_LINE_BYTES`].
    #[error("line {line}: longer than {max} bytes")]
    TraceLineTooLong {
        /// 1-based line number.
        line: usize,
        /// The limit.
        max: usize,
    },
    /// A line that is not UTF-8.
    #[error("line {line}: not UTF-8 text")]
    TraceNotUtf8 {
        /// 1-based line number.
        line: usize,
    },
    /// The model name is no preset.
    #[error(transparent)]
    Model(#[from] dbgregs::error::DbgRegsError),
}

/// Why a streaming replay ([`Replayer::run`]) stopped early.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayStreamError {
    /// A bad line; the lines before it have been replayed and written.
    #[error(transparent)]
    Trace(#[from] ReplayError),
    /// Reading the input failed.
    #[error("line {line}: cannot read the trace: {source}")]
    Read {
        /// The line being read, from 1.
        line: usize,
        /// The reader's error.
        source: io::Error,
    },
    /// Writing the output failed (a closed pipe is
    /// [`io::ErrorKind::BrokenPipe`]).
    #[error("cannot write the output: {0}")]
    Write(#[source] io::Error),
}
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse_all(t: &str) -> Result<Vec<(usize, u32, Option<u64>)>, ReplayError> {
        let mut out = Vec::new();
        for (i, raw) in t.lines().enumerate() {
            if let Some(l) = parse_line(i + 1, raw)? {
                out.push((l.line, l.word, l.value));
            }
        }
        Ok(out)
    }

    #[test]
    fn parses_comments_values_prefixes_and_blank_lines() {
        let t = "# header\n\n  ee100e10  \n0xee000eb0 0x1e5 # write BCR0\n";
        assert_eq!(
            parse_all(t),
            Ok(vec![(3, 0xee10_0e10, None), (4, 0xee00_0eb0, Some(0x1e5))])
        );
    }

    #[test]
    fn malformed_lines_name_the_line() {
        for (t, n) in [
            ("ee100e10\nee100e10 1e5\n", 2),
            ("ee100e10 0x1 extra\n", 1),
            ("ee100e10 0x\n", 1),
            ("ee100e10 0xzz\n", 1),
        ] {
            match parse_all(t) {
                Err(ReplayError::TraceLine { line, .. }) => assert_eq!(line, n, "{t}"),
                other => panic!("{t:?}: {other:?}"),
            }
        }
        for (t, n) in [("ee100e10\nzz\n", 2), ("ee100e1\n", 1)] {
            match parse_all(t) {
                Err(ReplayError::TraceWord { line, .. }) => assert_eq!(line, n, "{t}"),
                other => panic!("{t:?}: {other:?}"),
            }
        }
        let e = parse_all("\nee100f10\n");
        assert!(matches!(e, Err(ReplayError::TraceNotCp14 { line: 2, .. })));
        assert!(replay("nope", "").is_err());
    }

    #[test]
    fn values_fit_the_transfer() {
        assert!(matches!(
            parse_all("ee001e90 0x1ffffffff"),
            Err(ReplayError::TraceValueTooWide {
                line: 1,
                bits: 32,
                ..
            })
        ));
        assert!(parse_all("ee001e90 0xffffffff").is_ok());
        assert!(parse_all("ec410e02 0xffffffffffffffff").is_ok());
        assert!(matches!(
            parse_all("ec410e02 0x1ffffffffffffffff"),
            Err(ReplayError::TraceValueTooWide { bits: 64, .. })
        ));
    }

    #[test]
    fn over_long_and_non_utf8_lines_are_errors() {
        let model = CoreModel::preset("cortex-a15").unwrap();
        let long = format!("ee100e10\n{}\n", "#".repeat(MAX_LINE_BYTES));
        let mut out = Vec::new();
        let e = Replayer::new(model).run(long.as_bytes(), &mut out);
        assert!(matches!(
            e,
            Err(ReplayStreamError::Trace(ReplayError::TraceLineTooLong {
                line: 2,
                ..
            }))
        ));
        assert_eq!(out, b"ee100e10 = 0x3515f021\n");
        let e = Replayer::new(model).run(&b"ee100e10\n\xff\n"[..], &mut Vec::new());
        assert!(matches!(
            e,
            Err(ReplayStreamError::Trace(ReplayError::TraceNotUtf8 {
                line: 2
            }))
        ));
    }

    #[test]
    fn renders_each_outcome() {
        let out = replay(
            "cortex-a15",
            "ee100e10\nee000eb0 0x1e5\nfe100e10\n0e100e10\nec510e01\n",
        );
        assert_eq!(
            out.map_err(|e| e.to_string()).as_deref(),
            Ok("ee100e10 = 0x3515f021\nee000eb0 ok\nfe100e10 undef\n0e100e10 skipped\nec510e01 = 0x0000000000000000\n")
        );
    }
}
