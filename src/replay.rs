//! Trap-trace replay: runs a list of trapped A32 CP14 words against a fresh
//! vCPU of a core model and renders one line per access.
//!
//! The vCPU is just out of cold reset (UNKNOWN values zero), executes at
//! PL1 (SVC mode, ARM state, APSR flags clear) with DBGSWENABLE high; the
//! general registers start at 0 and persist from line to line.
//!
//! Input, one access per line: `<8-hex A32 word> [0xVALUE]`. The value (up
//! to 64 bits) is loaded into Rt before the step (the low word into Rt and
//! the high word into Rt2 for MCRR); without it the instruction uses
//! whatever Rt holds. `#` starts a comment; blank lines are ignored.
//!
//! Output, exactly one line per access, the word as 8 lowercase hex digits:
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
//! The whole input is checked before anything runs: a malformed line or a
//! word that is no CP14 access is an error naming the line (number and
//! text), and nothing is printed.

use std::fmt::Write as _;

use dbgregs::access::{Direction, Operation};
use dbgregs::decode::decode_a32;
use dbgregs::emulate::{step_access, SimpleGuest, StepOutcome};
use dbgregs::model::CoreModel;
use dbgregs::state::{DebugState, UnknownFill};

/// One parsed trace line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceLine {
    /// 1-based line number in the input.
    pub line: usize,
    /// The A32 word.
    pub word: u32,
    /// The value to load into Rt (and Rt2) first.
    pub value: Option<u64>,
}

fn parse_hex(s: &str, max_digits: usize) -> Option<u64> {
    let digits = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .unwrap_or(s);
    if digits.is_empty() || digits.len() > max_digits {
        return None;
    }
    u64::from_str_radix(digits, 16).ok()
}

/// Parses and checks a whole trace.
///
/// # Errors
/// [`ReplayError::TraceLine`] or [`ReplayError::TraceNotCp14`] for the first bad
/// line.
pub fn parse_trace(text: &str) -> Result<Vec<TraceLine>, ReplayError> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let body = raw.split('#').next().unwrap_or("").trim();
        if body.is_empty() {
            continue;
        }
        let bad = |why| ReplayError::TraceLine {
            line,
            text: raw.to_string(),
            why,
        };
        let mut tokens = body.split_whitespace();
        let word_tok = tokens.next().ok_or_else(|| bad("empty"))?;
        if word_tok.len() != 8 || !word_tok.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad("the word must be exactly 8 hex digits"));
        }
        let word = u32::from_str_radix(word_tok, 16).map_err(|_| bad("bad word"))?;
        let value = match tokens.next() {
            None => None,
            Some(v) => {
                if !v.starts_with("0x") && !v.starts_with("0X") {
                    return Err(bad("the value must be written 0x<hex>"));
                }
                Some(parse_hex(v, 16).ok_or_else(|| bad("the value must be 1 to 16 hex digits"))?)
            }
        };
        if tokens.next().is_some() {
            return Err(bad("unexpected text after the value"));
        }
        if decode_a32(word).is_none() {
            return Err(ReplayError::TraceNotCp14 {
                line,
                text: raw.to_string(),
                word,
            });
        }
        out.push(TraceLine { line, word, value });
    }
    Ok(out)
}

/// Runs parsed lines on a fresh vCPU of `model`; returns the output text.
pub fn run_lines(model: &CoreModel, lines: &[TraceLine]) -> String {
    let mut state = DebugState::cold_reset(model, UnknownFill::Zero);
    let mut guest = SimpleGuest::svc(0x8000);
    let mut out = String::new();
    for l in lines {
        let Some(access) = decode_a32(l.word) else {
            // parse_trace() only lets CP14 words through.
            continue;
        };
        if let Some(v) = l.value {
            match access.operation {
                Operation::Transfer { rt, .. } => guest.regs[(rt.0 & 31) as usize] = v as u32,
                Operation::Transfer64 { rt, rt2, .. } => {
                    guest.regs[(rt.0 & 31) as usize] = v as u32;
                    guest.regs[(rt2.0 & 31) as usize] = (v >> 32) as u32;
                }
                Operation::Memory { .. } => {}
            }
        }
        let outcome = step_access(model, &mut state, &mut guest, &access);
        let _ = match outcome {
            StepOutcome::Completed {
                direction: Direction::Read,
                value,
                ..
            } => match access.operation {
                Operation::Transfer64 { .. } => writeln!(out, "{:08x} = 0x{value:016x}", l.word),
                _ => writeln!(out, "{:08x} = 0x{value:08x}", l.word),
            },
            StepOutcome::Completed { .. } => writeln!(out, "{:08x} ok", l.word),
            StepOutcome::Undefined { .. } => writeln!(out, "{:08x} undef", l.word),
            StepOutcome::ConditionFailed => writeln!(out, "{:08x} skipped", l.word),
            StepOutcome::DataAbort(_) => writeln!(out, "{:08x} abort", l.word),
        };
    }
    out
}

/// Parses `text` and runs it on a fresh vCPU of the preset `model_name`.
///
/// # Errors
/// An unknown model, or the first malformed / non-CP14 line; nothing runs
/// then.
pub fn replay(model_name: &str, text: &str) -> Result<String, ReplayError> {
    let model = CoreModel::preset(model_name)?;
    let lines = parse_trace(text)?;
    Ok(run_lines(model, &lines))
}

/// A replay trace or model name that is wrong; nothing ran.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// A replay trace line that is not `<8-hex word> [0xVALUE]`.
    #[error("line {line}: `{text}`: {why}")]
    TraceLine {
        /// 1-based line number.
        line: usize,
        /// The line as given.
        text: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// A replay trace word that is no CP14 access.
    #[error("line {line}: `{text}`: {word:#010x} is not a CP14 access")]
    TraceNotCp14 {
        /// 1-based line number.
        line: usize,
        /// The line as given.
        text: String,
        /// The word.
        word: u32,
    },
    /// The model name is no preset.
    #[error(transparent)]
    Model(#[from] dbgregs::error::DbgRegsError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_comments_values_and_blank_lines() {
        let t = "# header\n\nee100e10\nee000eb0 0x1e5 # write BCR0\n";
        let l = parse_trace(t).map_err(|e| e.to_string());
        assert_eq!(
            l,
            Ok(vec![
                TraceLine {
                    line: 3,
                    word: 0xee10_0e10,
                    value: None
                },
                TraceLine {
                    line: 4,
                    word: 0xee00_0eb0,
                    value: Some(0x1e5)
                },
            ])
        );
    }

    #[test]
    fn malformed_lines_name_the_line() {
        for (t, n) in [
            ("ee100e10\nzz\n", 2),
            ("ee100e1\n", 1),
            ("ee100e10 1e5\n", 1),
            ("ee100e10 0x1 extra\n", 1),
            ("ee100e10 0x\n", 1),
        ] {
            match parse_trace(t) {
                Err(ReplayError::TraceLine { line, .. }) => assert_eq!(line, n, "{t}"),
                other => panic!("{t:?}: {other:?}"),
            }
        }
        let e = parse_trace("\nee100f10\n");
        assert!(matches!(e, Err(ReplayError::TraceNotCp14 { line: 2, .. })));
        assert!(replay("nope", "").is_err());
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
