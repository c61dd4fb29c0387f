//! `dbgemu decode [--thumb] [WORD...]`: instruction words as CP14 accesses.
//!
//! Each WORD is exactly 8 hexadecimal digits (either case), optionally
//! prefixed by `0x` or `0X`; shorter forms are refused so that a Thumb word
//! cannot be read with its halfwords shifted. With no WORD arguments the
//! words are read from standard input, one per line (surrounding
//! whitespace and blank lines are ignored).
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
use dbgregs::decode::{decode_a32, decode_t32};
use dbgregs::regmap::DebugRegister;

use super::CliResult;

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

/// Parses one word: optional `0x`/`0X`, then exactly 8 hex digits.
pub fn parse_word(text: &str) -> Option<u32> {
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text);
    if digits.len() != 8 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(digits, 16).ok()
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
            parse_word(text).ok_or_else(|| CliError::WordArgument {
                text: text.clone(),
                index: i + 1,
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
fn decode_lines(input: impl BufRead, out: &mut impl Write, thumb: bool) -> Result<(), CliError> {
    for (i, line) in input.lines().enumerate() {
        let line = line?;
        let text = line.trim();
        if text.is_empty() {
            continue;
        }
        let word = parse_word(text).ok_or_else(|| CliError::WordLine {
            text: text.to_string(),
            line: i + 1,
        })?;
        writeln!(out, "{}", format_line(word, thumb))?;
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn words_are_8_hex_digits_with_optional_prefix() {
        assert_eq!(parse_word("ee100e10"), Some(0xEE10_0E10));
        assert_eq!(parse_word("EE100E10"), Some(0xEE10_0E10));
        assert_eq!(parse_word("0xee100e10"), Some(0xEE10_0E10));
        assert_eq!(parse_word("0Xee100e10"), Some(0xEE10_0E10));
        for bad in [
            "",
            "0x",
            "ee100e1",
            "ee100e100",
            "+e100e10",
            "ee10 e10",
            "0x0xee100e",
            "ee100g10",
        ] {
            assert_eq!(parse_word(bad), None, "{bad:?}");
        }
    }

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
            &b"ee100e10\n\n  0xee113e95 \nzz\nee100e10\n"[..],
            &mut out,
            false,
        )
        .unwrap_err();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "ee100e10\tmrc p14, 0, r0, c0, c0, 0 ; DBGDIDR\nee113e95\tmrc p14, 0, r3, c1, c5, 4 ; DBGPRSR\n"
        );
        assert!(matches!(err, CliError::WordLine { line: 4, .. }), "{err}");
    }
}
