//! Exhaustive cross-check of the A32 and T32 decoders against an
//! independent predicate.
//!
//! The predicate is written from the encoding diagrams of DDI 0487 F5.1 (the A32 and T32
//! encodings of MCR/MRC/MCRR/MRRC/LDC/STC) as
//! pattern strings, one per instruction, read MSB first: `0`/`1` are fixed
//! bits, a lower-case letter is a multi-bit field, an upper-case letter a
//! one-bit field. It knows nothing of the decoder's bitfield types; it only
//! shares the [`Access`] type the answer is expressed in.
//!
//! The full runs cover all 2^32 words per instruction set and are
//! `#[ignore]`d; run them in release mode:
//! `cargo test --release -p dbgregs --test decode_exhaustive -- --ignored`.
//! The non-ignored tests run the same check on a strided sample.

use std::thread;

use dbgregs::access::{Access, AddressingMode, Condition, Direction, Gpr, Operation, Source};
use dbgregs::decode::{decode_a32, decode_t32};
use dbgregs::encode::{encode_a32, encode_t32};

/// Which instruction a pattern describes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Mcr,
    Mrc,
    Mcrr,
    Mrrc,
    Stc,
    Ldc,
}

/// A32, DDI 0487 F5.1, the A32 encodings of MCR/MRC/MCRR/MRRC/LDC/STC (`c` cond, `o` opc1, `n` CRn/Rn, `t` Rt, `p` opc2, `m`
/// CRm, `s` Rt2, `d` CRd, `i` imm8, `P U D W` the LDC/STC bits).
const A32_PATTERNS: [(&str, Kind); 6] = [
    ("cccc 1110 ooo0 nnnn tttt 1110 ppp1 mmmm", Kind::Mcr),
    ("cccc 1110 ooo1 nnnn tttt 1110 ppp1 mmmm", Kind::Mrc),
    ("cccc 1100 0100 ssss tttt 1110 oooo mmmm", Kind::Mcrr),
    ("cccc 1100 0101 ssss tttt 1110 oooo mmmm", Kind::Mrrc),
    ("cccc 110P UDW0 nnnn dddd 1110 iiii iiii", Kind::Stc),
    ("cccc 110P UDW1 nnnn dddd 1110 iiii iiii", Kind::Ldc),
];

/// T32, DDI 0487 F5.1, the T32 encodings, as `hw1 hw2` (`T` = the `2` forms).
const T32_PATTERNS: [(&str, &str, Kind); 6] = [
    ("111T 1110 ooo0 nnnn", "tttt 1110 ppp1 mmmm", Kind::Mcr),
    ("111T 1110 ooo1 nnnn", "tttt 1110 ppp1 mmmm", Kind::Mrc),
    ("111T 1100 0100 ssss", "tttt 1110 oooo mmmm", Kind::Mcrr),
    ("111T 1100 0101 ssss", "tttt 1110 oooo mmmm", Kind::Mrrc),
    ("111T 110P UDW0 nnnn", "dddd 1110 iiii iiii", Kind::Stc),
    ("111T 110P UDW1 nnnn", "dddd 1110 iiii iiii", Kind::Ldc),
];

/// A compiled pattern: fixed-bit mask/value and, per field letter, the bit
/// positions MSB first.
#[derive(Debug, Clone)]
struct Pattern {
    kind: Kind,
    mask: u32,
    value: u32,
    fields: Vec<(char, Vec<u32>)>,
}

impl Pattern {
    fn compile(text: &str, kind: Kind) -> Pattern {
        let bits: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
        assert_eq!(bits.len(), 32, "{text}");
        let mut pattern = Pattern {
            kind,
            mask: 0,
            value: 0,
            fields: Vec::new(),
        };
        for (i, c) in bits.iter().enumerate() {
            let bit = 31 - i as u32;
            match c {
                '0' => pattern.mask |= 1 << bit,
                '1' => {
                    pattern.mask |= 1 << bit;
                    pattern.value |= 1 << bit;
                }
                letter => match pattern.fields.iter_mut().find(|(l, _)| l == letter) {
                    Some((_, positions)) => positions.push(bit),
                    None => pattern.fields.push((*letter, vec![bit])),
                },
            }
        }
        pattern
    }

    fn matches(&self, word: u32) -> bool {
        word & self.mask == self.value
    }

    /// The field's value, bits gathered MSB first; 0 if absent.
    fn field(&self, word: u32, letter: char) -> u8 {
        self.fields
            .iter()
            .find(|(l, _)| *l == letter)
            .map_or(0, |(_, positions)| {
                positions
                    .iter()
                    .fold(0u8, |acc, &bit| (acc << 1) | ((word >> bit) & 1) as u8)
            })
    }

    fn flag(&self, word: u32, letter: char) -> bool {
        self.field(word, letter) == 1
    }
}

/// What the predicate says `word` is, given a table and how the instruction
/// set supplies the condition and `two`.
fn expected(
    patterns: &[Pattern],
    word: u32,
    source: Source,
    cond_two: impl Fn(&Pattern, u32) -> (Option<Condition>, bool),
) -> Option<Access> {
    let mut found = None;
    for pattern in patterns.iter().filter(|p| p.matches(word)) {
        let f = |l| pattern.field(word, l);
        let (p, u, w) = (
            pattern.flag(word, 'P'),
            pattern.flag(word, 'U'),
            pattern.flag(word, 'W'),
        );
        let operation = match pattern.kind {
            Kind::Mcr | Kind::Mrc => Operation::Transfer {
                opc1: f('o'),
                crn: f('n'),
                crm: f('m'),
                opc2: f('p'),
                rt: Gpr(f('t')),
            },
            Kind::Mcrr | Kind::Mrrc => Operation::Transfer64 {
                opc1: f('o'),
                crm: f('m'),
                rt: Gpr(f('t')),
                rt2: Gpr(f('s')),
            },
            // "LDC/STC have bits [27:25] = 0b110 with not (P = U = W = 0)".
            Kind::Stc | Kind::Ldc if !p && !u && !w => continue,
            Kind::Stc | Kind::Ldc => Operation::Memory {
                crd: f('d'),
                rn: Some(Gpr(f('n'))),
                imm8: f('i'),
                mode: match (p, w) {
                    (false, false) => AddressingMode::Unindexed,
                    (false, true) => AddressingMode::PostIndexed,
                    (true, false) => AddressingMode::Offset,
                    (true, true) => AddressingMode::PreIndexed,
                },
                add: u,
                long: pattern.flag(word, 'D'),
            },
        };
        let direction = match pattern.kind {
            Kind::Mrc | Kind::Mrrc | Kind::Stc => Direction::Read,
            Kind::Mcr | Kind::Mcrr | Kind::Ldc => Direction::Write,
        };
        let (condition, two) = cond_two(pattern, word);
        assert!(found.is_none(), "{word:#010x} matches two patterns");
        found = Some(Access {
            source,
            direction,
            operation,
            condition,
            two,
        });
    }
    found
}

fn a32_patterns() -> Vec<Pattern> {
    A32_PATTERNS
        .iter()
        .map(|(text, kind)| Pattern::compile(text, *kind))
        .collect()
}

fn t32_patterns() -> Vec<Pattern> {
    T32_PATTERNS
        .iter()
        .map(|(hw1, hw2, kind)| Pattern::compile(&format!("{hw1} {hw2}"), *kind))
        .collect()
}

fn a32_expected(patterns: &[Pattern], word: u32) -> Option<Access> {
    expected(patterns, word, Source::A32, |p, w| match p.field(w, 'c') {
        0b1111 => (Some(Condition::AL), true),
        cond => (Some(Condition(cond)), false),
    })
}

fn t32_expected(patterns: &[Pattern], word: u32) -> Option<Access> {
    expected(patterns, word, Source::T32, |p, w| (None, p.flag(w, 'T')))
}

/// Checks one word: the decoder agrees with the predicate and a decoded word
/// re-encodes to itself. Returns a description of the first disagreement.
fn check_a32(patterns: &[Pattern], word: u32) -> Result<bool, String> {
    let got = decode_a32(word);
    // Cheap reject first: most words match no pattern.
    if got.is_none() && !patterns.iter().any(|p| p.matches(word)) {
        return Ok(false);
    }
    let want = a32_expected(patterns, word);
    if got != want {
        return Err(format!(
            "A32 {word:#010x}: decoder {got:?}, predicate {want:?}"
        ));
    }
    if let Some(access) = got {
        if encode_a32(&access) != Ok(word) {
            return Err(format!(
                "A32 {word:#010x}: re-encodes to {:?}",
                encode_a32(&access)
            ));
        }
    }
    Ok(got.is_some())
}

fn check_t32(patterns: &[Pattern], word: u32) -> Result<bool, String> {
    let got = decode_t32(word);
    if got.is_none() && !patterns.iter().any(|p| p.matches(word)) {
        return Ok(false);
    }
    let want = t32_expected(patterns, word);
    if got != want {
        return Err(format!(
            "T32 {word:#010x}: decoder {got:?}, predicate {want:?}"
        ));
    }
    if let Some(access) = got {
        if encode_t32(&access) != Ok(word) {
            return Err(format!(
                "T32 {word:#010x}: re-encodes to {:?}",
                encode_t32(&access)
            ));
        }
    }
    Ok(got.is_some())
}

type Checker = fn(&[Pattern], u32) -> Result<bool, String>;

/// Runs `check` over `words` split into two threads; returns the number of
/// words that decode, or the first few disagreements.
fn run(patterns: Vec<Pattern>, check: Checker, start: u64, end: u64, step: u64) -> u64 {
    let mid = start + ((end - start) / 2 / step) * step;
    let halves = [(start, mid), (mid, end)];
    let results: Vec<(u64, Vec<String>)> = thread::scope(|scope| {
        let handles: Vec<_> = halves
            .iter()
            .map(|&(lo, hi)| {
                let patterns = &patterns;
                scope.spawn(move || {
                    let mut decoded = 0u64;
                    let mut errors = Vec::new();
                    let mut word = lo;
                    while word < hi {
                        match check(patterns, word as u32) {
                            Ok(true) => decoded += 1,
                            Ok(false) => {}
                            Err(e) if errors.len() < 8 => errors.push(e),
                            Err(_) => {}
                        }
                        word += step;
                    }
                    (decoded, errors)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| match h.join() {
                Ok(r) => r,
                Err(_) => (0, vec!["checker thread panicked".to_string()]),
            })
            .collect()
    });
    let errors: Vec<&String> = results.iter().flat_map(|(_, e)| e).collect();
    assert!(errors.is_empty(), "disagreements: {errors:#?}");
    results.iter().map(|(n, _)| n).sum()
}

const ALL: u64 = 1 << 32;

#[test]
#[ignore = "2^32 words; run in release mode with --ignored"]
fn every_a32_word_agrees_with_the_predicate() {
    let decoded = run(a32_patterns(), check_a32, 0, ALL, 1);
    // Per cond (16 values): MCR/MRC 2 × 2^18 (opc1, CRn, Rt, opc2, CRm =
    // 3+4+4+3+4 free bits); MCRR/MRRC 2 × 2^16 (Rt2, Rt, opc1, CRm); LDC/STC
    // 2 × 2^20 (P, U, D, W, Rn, CRd, imm8) less the 2 of 16 P,U,D,W values
    // with P = U = W = 0 (D = 0 UNDEFINED, D = 1 is MCRR/MRRC).
    let per_cond = (2u64 << 18) + (2 << 16) + (2 << 20) * 14 / 16;
    assert_eq!(decoded, 16 * per_cond);
}

#[test]
#[ignore = "2^32 words; run in release mode with --ignored"]
fn every_t32_word_agrees_with_the_predicate() {
    let decoded = run(t32_patterns(), check_t32, 0, ALL, 1);
    // As for A32, per value of T (hw1 bit 12).
    let per_top = (2u64 << 18) + (2 << 16) + (2 << 20) * 14 / 16;
    assert_eq!(decoded, 2 * per_top);
}

#[test]
fn sampled_a32_words_agree_with_the_predicate() {
    // Every 4093rd word, plus the whole p14 space below one cond prefix.
    let sampled = run(a32_patterns(), check_a32, 0, ALL, 4093);
    let dense = run(a32_patterns(), check_a32, 0xEC00_0000, 0xF000_0000, 1 << 4);
    assert!(sampled > 0 && dense > 0);
}

#[test]
fn sampled_t32_words_agree_with_the_predicate() {
    let sampled = run(t32_patterns(), check_t32, 0, ALL, 4093);
    let dense = run(t32_patterns(), check_t32, 0xEC00_0000, 0xF000_0000, 1 << 4);
    assert!(sampled > 0 && dense > 0);
}

#[test]
fn the_predicate_reads_the_spec_examples() {
    let a32 = a32_patterns();
    let mrc = a32_expected(&a32, 0xEE11_3E95);
    assert_eq!(
        mrc.map(|a| a.operation),
        Some(Operation::Transfer {
            opc1: 0,
            crn: 1,
            crm: 5,
            opc2: 4,
            rt: Gpr(3)
        })
    );
    assert_eq!(a32_expected(&a32, 0xEE00_0E07), None); // CDP
    assert_eq!(a32_expected(&a32, 0xEC10_5E01), None); // P = U = W = 0, D = 0
    let mrrc = a32_expected(&a32, 0xEC50_5E01).map(|a| a.operation);
    assert!(matches!(mrrc, Some(Operation::Transfer64 { .. })));
    let t32 = t32_patterns();
    assert_eq!(t32_expected(&t32, 0xFE10_0E10).map(|a| a.two), Some(true));
    assert_eq!(t32_expected(&t32, 0x0E10_0E10), None);
}
