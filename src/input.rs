//! The one input syntax for instruction words that `dbgemu decode` and
//! `dbgemu replay` (and [`crate::replay::Replayer`]) share.
//!
//! * A **word** is exactly 8 hexadecimal digits (either case), optionally
//!   prefixed by `0x` or `0X`. Shorter forms are refused so that a Thumb
//!   word cannot be read with its halfwords shifted.
//! * A **line** is stripped of everything from the first `#` (a comment)
//!   and of surrounding whitespace; what is left empty is a blank line and
//!   carries nothing.
//!
//! Both functions are pure and allocate nothing.

/// What is wrong with a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WordError {
    /// Not exactly 8 digits after the optional `0x`.
    #[error("expected 8 hex digits, optionally prefixed by 0x; found {digits} characters")]
    Length {
        /// How many characters follow the optional prefix.
        digits: usize,
    },
    /// A character that is not a hexadecimal digit.
    #[error("expected 8 hex digits, optionally prefixed by 0x; {found:?} is not a hex digit")]
    NotHex {
        /// The first offending character.
        found: char,
    },
}

/// Strips a `#` comment and surrounding whitespace from one input line;
/// `None` for a blank or comment-only line.
///
/// ```
/// use dbgemu::input::content;
/// assert_eq!(content("  ee100e10 0x1 # DBGBVR0\r"), Some("ee100e10 0x1"));
/// assert_eq!(content("   # only a comment"), None);
/// assert_eq!(content(""), None);
/// ```
pub fn content(line: &str) -> Option<&str> {
    let body = match line.split_once('#') {
        Some((body, _comment)) => body,
        None => line,
    }
    .trim();
    (!body.is_empty()).then_some(body)
}

/// Strips an optional `0x`/`0X` prefix.
pub(crate) fn strip_hex_prefix(text: &str) -> &str {
    text.strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text)
}

/// Parses one word: optional `0x`/`0X`, then exactly 8 hex digits.
///
/// # Errors
/// [`WordError`] saying what is wrong.
///
/// ```
/// use dbgemu::input::{parse_word, WordError};
/// assert_eq!(parse_word("0xEE100E10"), Ok(0xee10_0e10));
/// assert_eq!(parse_word("ee100e1"), Err(WordError::Length { digits: 7 }));
/// assert_eq!(parse_word("ee100g10"), Err(WordError::NotHex { found: 'g' }));
/// ```
pub fn parse_word(text: &str) -> Result<u32, WordError> {
    let digits = strip_hex_prefix(text);
    if let Some(found) = digits.chars().find(|c| !c.is_ascii_hexdigit()) {
        return Err(WordError::NotHex { found });
    }
    if digits.len() != 8 {
        return Err(WordError::Length {
            digits: digits.len(),
        });
    }
    u32::from_str_radix(digits, 16).map_err(|_| WordError::Length {
        // Unreachable: 8 ASCII hex digits always fit a u32.
        digits: digits.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_8_hex_digits_with_optional_prefix() {
        assert_eq!(parse_word("ee100e10"), Ok(0xEE10_0E10));
        assert_eq!(parse_word("EE100E10"), Ok(0xEE10_0E10));
        assert_eq!(parse_word("0xee100e10"), Ok(0xEE10_0E10));
        assert_eq!(parse_word("0Xee100e10"), Ok(0xEE10_0E10));
        for bad in [
            "",
            "0x",
            "ee100e1",
            "ee100e100",
            "+e100e10",
            "ee10 e10",
            "0x0xee100e",
            "ee100g10",
            "ee100e1é",
        ] {
            assert!(parse_word(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn lines_lose_comments_and_whitespace() {
        assert_eq!(content("ee100e10"), Some("ee100e10"));
        assert_eq!(content("\t0xee100e10  \r"), Some("0xee100e10"));
        assert_eq!(content("ee100e10#x"), Some("ee100e10"));
        assert_eq!(content("#ee100e10"), None);
        assert_eq!(content(" \t "), None);
    }
}
