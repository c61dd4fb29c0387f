//! The CP14 decoders against capstone on a fixed sample of a million words
//! (fixed seed): A32 and T32 words in the MCR/MRC, MCRR/MRRC and LDC/STC
//! coprocessor-14 space (every field random, including the condition and
//! the `2` forms), and random words. For every word both decoders must
//! agree on the operation, coprocessor, opc1, CRn, CRm, opc2, Rt/Rt2 (CRd
//! and Rn, addressing mode and offset for LDC/STC) and condition. No
//! disagreement is known: the UNPREDICTABLE encodings, where one would be
//! expected, are classified in `support/capstone_diff.rs`'s
//! `unpredictable` (with their Arm ARM reasons) and counted, and capstone
//! prints every one with the same fields.
#![allow(clippy::unwrap_used)]

#[path = "support/capstone_diff.rs"]
mod capstone_diff;

use std::collections::BTreeMap;

use capstone_diff::{compare, ours, parse_capstone, unpredictable, Capstones, Word};

/// splitmix64: a fixed, dependency-free sequence.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// (fixed-bit mask, fixed bits) of the three CP14 formats, A32 layout.
const FORMATS: [(u32, u32); 3] = [
    (0x0F00_0F10, 0x0E00_0E10), // MCR/MRC
    (0x0FE0_0F00, 0x0C40_0E00), // MCRR/MRRC
    (0x0E00_0F00, 0x0C00_0E00), // LDC/STC
];

fn sample(rng: &mut Rng) -> Word {
    let r = rng.next();
    let value = r as u32;
    let pick = (r >> 32) as u32;
    let thumb = pick & 1 != 0;
    match (pick >> 1) % 4 {
        // A random word.
        0 => Word { value, thumb },
        // A word of one of the CP14 formats.
        k => {
            let (mask, fixed) = FORMATS[(k - 1) as usize];
            let mut w = (value & !mask) | fixed;
            if thumb {
                w = (w & 0x1FFF_FFFF) | 0xE000_0000;
            }
            Word { value: w, thumb }
        }
    }
}

const SAMPLE: usize = 1_000_000;

#[test]
fn a_million_words_agree_with_capstone() {
    let cs = Capstones::new();
    let mut rng = Rng(0x00C0_FFEE_D15A_5AB1);
    let mut failures = Vec::new();
    let mut known: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut decoded = 0usize;
    for _ in 0..SAMPLE {
        let word = sample(&mut rng);
        let o = ours(word);
        decoded += usize::from(o.is_some());
        match compare(&cs, word) {
            Ok(()) => {
                if let Some(reason) = o.as_ref().and_then(|f| unpredictable(word, f)) {
                    *known.entry(reason).or_default() += 1;
                }
            }
            Err(e) => {
                if failures.len() < 40 {
                    failures.push(e);
                }
            }
        }
    }
    for (reason, n) in &known {
        eprintln!("UNPREDICTABLE, both agree, x{n}: {reason}");
    }
    // The sample reaches every UNPREDICTABLE class (so a capstone that
    // starts refusing one fails here).
    assert_eq!(known.len(), 7, "{known:#?}");
    eprintln!("{decoded} of {SAMPLE} words decoded as CP14 accesses");
    // The sample must exercise the CP14 space, not only random words.
    assert!(decoded > SAMPLE / 2, "{decoded}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_parser_reads_capstone_spellings() {
    let f = parse_capstone("mrceq p14, #0, apsr_nzcv, c0, c1, #0").unwrap();
    assert_eq!(
        (f.op, f.cond, f.rt, f.crn, f.crm, f.opc2),
        ("mrc", 0, 15, 0, 1, 0)
    );
    let f = parse_capstone("ldc2l p14, c5, [r1], #-4").unwrap();
    assert_eq!(
        (f.op, f.two, f.long, f.crn, f.rt),
        ("ldc", true, true, 5, 1)
    );
    let f = parse_capstone("mcrr p14, #1, r2, r3, c4").unwrap();
    assert_eq!(
        (f.op, f.opc1, f.rt, f.rt2, f.crm, f.cond),
        ("mcrr", 1, 2, 3, 4, 14)
    );
    assert!(parse_capstone("add r0, r0, r1").is_none());
    assert!(parse_capstone("cdp p14, #0, c0, c0, c0, #0").is_none());
}
