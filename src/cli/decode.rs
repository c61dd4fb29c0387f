//! `dbgemu decode [--thumb] [WORD...]`: instruction words as CP14 accesses.
//!
//! Words (arguments or standard-input lines) use the one input syntax of
//! [`crate::input`], shared with `dbgemu replay`: exactly 8 hexadecimal
//! digits (either case), optionally prefixed by `0x` or `0X`; on standard
//! input, one word per line, `#` starts a comment and blank lines and
//! surrounding whitespace are ignored. Shorter forms are refused so that a
//! Thumb word cannot be read with its halfwords shifted.
//!
//! Output, exactly one line per word:
//! `<word as 8 lower-case hex digits><TAB><UAL text>[ ; <register>]` for a
//! coprocessor-14 transfer (the register name when the access names a debug
//! register, see `DebugRegister::identify`), or `<word><TAB>-` for any
//! other word. With `--thumb` a word is a 32-bit T32 instruction whose first
//! halfword is the high 16 bits (the Linux kernel's composition).
//!
//! A malformed word is an error naming it, and the exit status is non-zero.
//! Words given as arguments are all checked before anything is printed, so
//! a bad argument prints nothing; words from standard input are decoded as
//! they arrive, so the lines before a bad one have been printed when the
//! error is reported (with its line number).

use std::io::{self, BufRead, Write};

use super::error::CliError;
use crate::input::{content, parse_word};
use dbgregs::decode::{decode_a32, decode_t32};
use dbgregs::regmap::DebugRegister;

use super::CliResult;

/// The input syntax, output form and exit status, for `dbgemu decode --help`.
pub const LONG_ABOUT: &str = "\
Decode instruction words as CP14 accesses.

INPUT:
  Each WORD is exactly 8 hex digits (either case), optionally prefixed by 0x
  (the same syntax as `dbgemu replay`). With no WORD arguments the words are
  read from standard input, one per line; `#` starts a comment, blank lines
  and surrounding whitespace are ignored.

OUTPUT (exactly one line per word):
    <word><TAB><UAL text>[ ; <register>]   a coprocessor-14 access, with the
                                           debug register it names
    <word><TAB>-                           any other word
  <word> is 8 lower-case hex digits. With --thumb a word is a 32-bit T32
  instruction whose first halfword is the high 16 bits.

ERRORS:
  Arguments are all checked before anything is printed. Standard input is
  decoded as it arrives: at a bad line the lines before it have been printed,
  then `dbgemu: invalid word ... (stdin line N): ...` goes to stderr.

EXIT STATUS:
  0  every word decoded, or stdout was closed early (e.g. `| head`)
  1  a malformed word (message on stderr)
  2  bad command-line usage";

/// Arguments of `dbgemu decode`.
#[derive(Debug, clap::Args)]
pub struct DecodeArgs {
    /// Decode 32-bit T32 (Thumb) instructions; the first halfword is the
    /// high 16 bits of WORD.
    #[arg(long)]
    pub thumb: bool,
    /// Instruction words: 8 hex digits each, optional 0x prefix. Read from
    /// standard input, one per line, when none are given.
    #[arg(value_name = "WORD")]
    pub words: Vec<String>,
}

/// The output line for one word (without the newline).
pub fn format_line(word: u32, thumb: bool) -> String {
    let access = if thumb {
        decode_t32(word)
    } else {
        decode_a32(word)
    };
    match access {
        Some(access) => match DebugRegister::identify(&access) {
            Some(register) => format!("{word:08x}\t{access} ; {register}"),
            None => format!("{word:08x}\t{access}"),
        },
        None => format!("{word:08x}\t-"),
    }
}

/// Runs `dbgemu decode`.
pub fn run(args: DecodeArgs) -> CliResult {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    if args.words.is_empty() {
        let result = decode_lines(io::stdin().lock(), &mut out, args.thumb);
        out.flush()?;
        return Ok(result?);
    }
    let words = args
        .words
        .iter()
        .enumerate()
        .map(|(i, text)| {
            parse_word(text.trim()).map_err(|source| CliError::WordArgument {
                text: text.clone(),
                index: i + 1,
                source,
            })
        })
        .collect::<Result<Vec<u32>, _>>()?;
    for word in words {
        writeln!(out, "{}", format_line(word, args.thumb))?;
    }
    out.flush()?;
    Ok(())
}

/// Decodes `input` line by line into `out`, stopping at the first malformed
/// line.
fn decode_lines(
    mut input: impl BufRead,
    out: &mut impl Write,
    thumb: bool,
) -> Result<(), CliError> {
    let mut buf = Vec::with_capacity(64);
    let mut line = 0;
    loop {
        buf.clear();
        if input.read_until(b'\n', &mut buf)? == 0 {
            return Ok(());
        }
        line += 1;
        let raw = std::str::from_utf8(&buf).map_err(|_| CliError::NotUtf8 { line })?;
        let Some(text) = content(raw) else {
            continue;
        };
        let word = parse_word(text).map_err(|source| CliError::WordLine {
            text: text.to_string(),
            line,
            source,
        })?;
        writeln!(out, "{}", format_line(word, thumb))?;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn lines() {
        assert_eq!(
            format_line(0xEE10_0E10, false),
            "ee100e10\tmrc p14, 0, r0, c0, c0, 0 ; DBGDIDR"
        );
        assert_eq!(
            format_line(0xEE30_0E10, false),
            "ee300e10\tmrc p14, 1, r0, c0, c0, 0"
        );
        assert_eq!(format_line(0xE1A0_0000, false), "e1a00000\t-");
        assert_eq!(format_line(0x0E10_0E10, true), "0e100e10\t-");
        assert_eq!(
            format_line(0xEE00_1EB3, true),
            "ee001eb3\tmcr p14, 0, r1, c0, c3, 5 ; DBGBCR3"
        );
    }

    #[test]
    fn stdin_stops_at_the_first_bad_line_after_printing_the_good_ones() {
        let mut out = Vec::new();
        let err = decode_lines(
            &b"ee100e10 # DBGDIDR\n\n  0xee113e95 \n# comment\nzz\nee100e10\n"[..],
            &mut out,
            false,
        )
        .unwrap_err();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "ee100e10\tmrc p14, 0, r0, c0, c0, 0 ; DBGDIDR\nee113e95\tmrc p14, 0, r3, c1, c5, 4 ; DBGPRSR\n"
        );
        assert!(matches!(err, CliError::WordLine { line: 5, .. }), "{err}");
    }
}
