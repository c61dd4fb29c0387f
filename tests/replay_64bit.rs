//! `dbgemu replay` with 64-bit transfers, which no other test reached
//! (COVERAGE.md): an MRRC prints Rt2:Rt as 16 hex digits, its low word is
//! the register the 32-bit MRC reads (DBGDRAR, DDI 0406C.d chapter C11, "DBGDRAR,
//! Debug ROM Address Register": the 32-bit and 64-bit views of one
//! register), and an MCRR's 64-bit value is loaded into Rt and Rt2 before
//! the access (here to read-only DBGDRAR, so it is UNDEFINED).
#![allow(clippy::unwrap_used)]

use dbgemu::replay::replay;

#[test]
fn mrrc_prints_both_words_and_agrees_with_the_32_bit_view() {
    // MRC p14, 0, r0, c1, c0, 0; MRRC p14, 0, r0, r1, c1; MCRR p14, 0, r0, r1, c1.
    let out = replay(
        "cortex-a15",
        "ee110e10\nec510e01\nec410e01 0x1234567800abcdef\n",
    )
    .unwrap();
    let rows: Vec<&str> = out.lines().collect();
    assert_eq!(rows.len(), 3, "{out}");
    let low = rows[0].strip_prefix("ee110e10 = 0x").unwrap();
    let wide = rows[1].strip_prefix("ec510e01 = 0x").unwrap();
    assert_eq!(low.len(), 8, "{out}");
    assert_eq!(wide.len(), 16, "{out}");
    assert_eq!(&wide[8..], low, "{out}");
    assert_eq!(rows[2], "ec410e01 undef");
}
