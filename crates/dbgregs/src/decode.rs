//! Decoding trapped coprocessor-14 accesses into an [`Access`].
//!
//! Three sources, one result:
//!
//! * [`decode_a32`]: an A32 instruction word (MCR/MRC, MCRR/MRRC, LDC/STC and
//!   their `2` forms with `coproc` = 14);
//! * [`decode_t32`] / [`decode_t32_halfwords`]: a 32-bit T32 instruction, the
//!   first halfword in bits \[31:16\] as the Linux undef handler composes it
//!   (`arch/arm/kernel/traps.c`, `do_undefinstr()`);
//! * [`decode_esr`]: an AArch64 `ESR_EL2` syndrome of EC 0x05, 0x06 or 0x0C
//!   (DDI 0487 D24.2.46, ESR_EL2).
//!
//! Every decoder is a total `const fn`: it never panics, never allocates and
//! returns `None` for anything that is not a coprocessor-14 transfer. The bit
//! layouts live in one place, the format types of `formats`, drawn as the
//! Arm ARM draws them. The UAL text of an access is its `Display`
//! implementation (module `ual`).
//!
//! They are written for a trap path: each format is recognised by one
//! mask/compare of its fixed bits (MCR/MRC first, the common case; for T32
//! the same compare also checks the first-halfword prefix), the fields are
//! plain shifts and masks, and all of it inlines into the caller, so that
//! the `Access` is assembled in registers and stored once. Every path
//! starts from a whole constant result whose padding is undefined, so that
//! a caller decoding in a loop carries nothing from one result to the next
//! (`benches/decode.rs` times them against yaxpeax-arm and capstone).
//!
//! ```
//! use dbgregs::decode::{decode_a32, decode_t32};
//! use dbgregs::regmap::DebugRegister;
//!
//! let access = decode_a32(0xee11_3e95).expect("an MRC to p14");
//! assert_eq!(access.to_string(), "mrc p14, 0, r3, c1, c5, 4");
//! assert_eq!(DebugRegister::identify(&access), Some(DebugRegister::Dbgprsr));
//! // The same instruction in a Thumb-2 kernel.
//! assert_eq!(decode_t32(0xee11_3e95).map(|a| a.to_string()).as_deref(),
//!            Some("mrc p14, 0, r3, c1, c5, 4"));
//! assert_eq!(decode_a32(0xee10_0f10), None); // p15: not ours
//! ```
//!
//! Decisions where the architecture leaves room (DDI 0487 D24.2.46, ESR_EL2, DDI 0487 F5.1, MCR/MRC/LDC/STC):
//!
//! * A32 `cond` = 0b1111 is the `2` form: `two = true` and `condition` is
//!   `Some(AL)` (the `2` forms are unconditional; `Access::condition`'s
//!   contract). They are decoded, not rejected: whether they exist on a core
//!   is for the semantics to decide (Armv8 UNDEFs them).
//! * LDC/STC with P = U = W = 0 is no LDC/STC: with D = 1 it is MCRR/MRRC,
//!   with D = 0 it is UNDEFINED space and decodes to `None`. CDP/CDP2 to
//!   p14 (bit 4 = 0 in the MCR/MRC space) decode to `None`.
//! * UNPREDICTABLE operand choices (MCR with Rt = 15, MCRR with Rt = 15,
//!   MRRC with Rt = Rt2, STC literal, LDC literal with writeback) are
//!   decoded as written; the semantics decide what they do.
//! * `ESR_EL2`: IL = 0 with a CP14 class is no valid report (every CP14
//!   transfer is a 32-bit instruction, DDI 0487 D24.2.46, ESR_EL2) and decodes to `None`.
//!   Bits \[63:32\] (ISS2, RES0) and the RES0 bits inside the ISS are
//!   ignored: they carry nothing for these classes. CV = 0 gives
//!   `condition: None`; CV = 1 gives the raw `COND`, including a (never
//!   architecturally reported) 0b1111, which `Condition::holds` treats as
//!   always. AM = 0b101 and 0b111 are reserved and decode to `None`; AM =
//!   0b000 or 0b100 (unindexed) with Offset = 0 cannot come from an
//!   instruction (P = U = W = 0) and decodes to `None` too, as does a
//!   literal AM (0b100, 0b110) with Direction = 0: the literal forms exist
//!   for LDC only and are reserved for STC (Arm ARM ISS encoding for EC
//!   0x06; DDI 0487 D24.2.46, ESR_EL2 ISS encodings "LDC only"). The literal
//!   forms (AM\[2\] = 1) report no base register: `rn: None`. `long` is
//!   always false (the syndrome has no D bit), `two` always false. The
//!   syndrome has no `CRd` field either: `crd` is 5, because the only
//!   coprocessor-14 LDC/STC encodings the architecture allocates (and so
//!   the only ones that can trap rather than UNDEF) are `p14, c5`, D = 0
//!   (DDI 0487 D24.2.46, ESR_EL2, DDI 0487 F5.1, the A32 encodings of MCR/MRC/MCRR/MRRC/LDC/STC).

mod formats;
mod ual;

pub(crate) use formats::{EsrEl2, IssLdcStc, IssMcrMrc, IssMcrrMrrc, LdcStc, McrMrc, McrrMrrc};

use crate::access::{Access, AddressingMode, Condition, Direction, Gpr, Operation, Source};

/// `ESR_EL2.EC` of a trapped MCR/MRC to coprocessor 14.
pub const EC_MCR_MRC_CP14: u8 = 0x05;
/// `ESR_EL2.EC` of a trapped LDC/STC to coprocessor 14.
pub const EC_LDC_STC_CP14: u8 = 0x06;
/// `ESR_EL2.EC` of a trapped MCRR/MRRC to coprocessor 14.
pub const EC_MCRR_MRRC_CP14: u8 = 0x0C;

/// The debug coprocessor number.
pub(crate) const CP14: u8 = 14;
/// `[27:24]` of MCR/MRC/CDP.
pub(crate) const OP1_MCR_MRC: u8 = 0b1110;
/// `[27:21]` of MCRR/MRRC.
pub(crate) const OP1_MCRR_MRRC: u8 = 0b110_0010;
/// `[27:25]` of LDC/STC.
pub(crate) const OP1_LDC_STC: u8 = 0b110;
/// The `cond` value that selects the unconditional `2` forms in A32.
pub(crate) const COND_TWO: u8 = 0b1111;

// Classification: one mask/compare per format, the fixed bits of
// `op1`, `coproc` (and `op` for MCR/MRC) drawn from the format types, so
// that the layouts stay in `formats` alone.

/// The fixed bits of MCR/MRC: `op1`, `coproc`, `op`.
const MCR_MRC_MASK: u32 = McrMrc::new()
    .with_op1(0xF)
    .with_coproc(0xF)
    .with_op(true)
    .into_bits();
/// MCR/MRC to p14 (`0x0E00_0E10`).
const MCR_MRC_P14: u32 = McrMrc::new()
    .with_op1(OP1_MCR_MRC)
    .with_coproc(CP14)
    .with_op(true)
    .into_bits();
/// The fixed bits of MCRR/MRRC: `op1`, `coproc`.
const MCRR_MRRC_MASK: u32 = McrrMrrc::new().with_op1(0x7F).with_coproc(0xF).into_bits();
/// MCRR/MRRC to p14 (`0x0C40_0E00`).
const MCRR_MRRC_P14: u32 = McrrMrrc::new()
    .with_op1(OP1_MCRR_MRRC)
    .with_coproc(CP14)
    .into_bits();
/// The fixed bits of LDC/STC: `op1`, `coproc`.
const LDC_STC_MASK: u32 = LdcStc::new().with_op1(0x7).with_coproc(0xF).into_bits();
/// LDC/STC to p14 (`0x0C00_0E00`), before the P = U = W = 0 exclusion.
const LDC_STC_P14: u32 = LdcStc::new()
    .with_op1(OP1_LDC_STC)
    .with_coproc(CP14)
    .into_bits();
/// `P`, `U` and `W`: at least one is set in an LDC/STC.
const LDC_STC_PUW: u32 = LdcStc::new()
    .with_p(true)
    .with_u(true)
    .with_w(true)
    .into_bits();
/// The fixed bits of a T32 coprocessor instruction above bit 28: the
/// first halfword is `111T 11xx xxxx xxxx`, so `[31:29]` = 0b111
/// (`0xE000_0000`). Added to each format's mask/compare for T32.
const T32_PREFIX: u32 = McrMrc::new().with_cond(0b1110).into_bits();
/// The least word with `cond` = [`COND_TWO`]: every word at or above it is
/// a `2` form.
const TWO_FORMS: u32 = McrMrc::new().with_cond(COND_TWO).into_bits();

// Codegen, not semantics: the result of a decoder is a 12-byte value with
// padding (the bytes a `Transfer` or `Transfer64` leaves unused, everything
// but the niche byte of `None`). Written in place, a path leaves those
// bytes as they were, and a caller that decodes in a loop into one slot
// then carries every byte of the previous result across the iteration in a
// register (its compiler cannot know the bytes are dead), which spills. So
// every path starts from a whole constant, [`NONE`] or [`TEMPLATE`], whose
// padding is uninitialised: copying it defines all 12 bytes as "anything",
// and nothing is carried.

/// `None`, returned as a whole constant (see above).
const NONE: Option<Access> = None;

/// The value that [`decode_body`] overwrites field by field (see above): an
/// `Access` whose operation is a `Transfer64`, the variant with the most
/// padding; every field is replaced before it is returned.
const TEMPLATE: Option<Access> = Some(Access {
    source: Source::A32,
    direction: Direction::Read,
    operation: Operation::Transfer64 {
        opc1: 0,
        crm: 0,
        rt: Gpr(0),
        rt2: Gpr(0),
    },
    condition: None,
    two: false,
});

/// [`TEMPLATE`] with every field replaced (see above).
// Written as an update of the whole `Option` in place: built as a fresh
// `Access` (or a copy of one) and then wrapped, it is assembled field by
// field into the result and the padding is carried again.
#[inline(always)]
const fn access(
    source: Source,
    direction: Direction,
    operation: Operation,
    condition: Option<Condition>,
    two: bool,
) -> Option<Access> {
    let mut result = TEMPLATE;
    if let Some(access) = &mut result {
        access.source = source;
        access.direction = direction;
        access.operation = operation;
        access.condition = condition;
        access.two = two;
    }
    result
}

/// Decodes an A32 instruction word as a coprocessor-14 access.
///
/// Returns `None` for every word that is not MCR/MRC, MCRR/MRRC or LDC/STC
/// (or a `2` form of them) with `coproc` = 14.
///
/// ```
/// # use dbgregs::decode::decode_a32;
/// let a = decode_a32(0x1e10_0e10).unwrap();
/// assert_eq!(a.to_string(), "mrcne p14, 0, r0, c0, c0, 0");
/// ```
#[inline]
pub const fn decode_a32(word: u32) -> Option<Access> {
    let cond = McrMrc::from_bits(word).cond();
    // `cond == COND_TWO`, as one compare of the word (cond is its top
    // nibble), which leaves the compiler more registers in a decode loop.
    let two = word >= TWO_FORMS;
    // The `2` forms are unconditional: AL (`Access::condition`'s contract),
    // and 0b1111 ^ 1 is AL.
    let condition = Some(Condition(cond ^ two as u8));
    const _: () = assert!(COND_TWO ^ 1 == Condition::AL.0);
    decode_body(word, 0, Source::A32, condition, two)
}

/// Whether a halfword is the first half of a 32-bit T32 instruction (bits
/// \[15:11\] = 0b11101, 0b11110 or 0b11111; the kernel's `>= 0xE800`).
#[inline]
pub const fn is_t32_prefix(hw1: u16) -> bool {
    hw1 >= 0xE800
}

/// Decodes a 32-bit T32 instruction, first halfword in bits \[31:16\], as a
/// coprocessor-14 access (the kernel's `(first << 16) | second`).
///
/// A word whose first halfword is not a 32-bit prefix is `None`. T32 has no
/// condition field: `condition` is always `None`; `two` is hw1 bit 12.
///
/// ```
/// # use dbgregs::decode::decode_t32;
/// let a = decode_t32(0xfe10_0e10).unwrap();
/// assert!(a.two);
/// assert_eq!(a.to_string(), "mrc2 p14, 0, r0, c0, c0, 0");
/// ```
#[inline]
pub const fn decode_t32(word: u32) -> Option<Access> {
    // The coprocessor space is hw1 = 111T 11xx xxxx xxxx: below bit 28 the
    // composed word has the A32 layout (DDI 0487 F5.1, the T32 encodings); bit 28 is T (the `2`
    // form). Every format `decode_body` accepts has [27:26] = 11, so with
    // [31:29] = 111 (`T32_PREFIX`, checked by each format's compare) the
    // first halfword is >= 0xEC00, a 32-bit prefix.
    let two = McrMrc::from_bits(word).cond() == COND_TWO;
    decode_body(word, T32_PREFIX, Source::T32, None, two)
}

/// [`decode_t32`] from the two halfwords in instruction-stream order.
#[inline]
pub const fn decode_t32_halfwords(hw1: u16, hw2: u16) -> Option<Access> {
    decode_t32(((hw1 as u32) << 16) | hw2 as u32)
}

/// Decodes bits \[27:0\], the layout A32 and composed T32 share, with the
/// bits `prefix` set above them (0 for A32, [`T32_PREFIX`] for T32).
///
/// MCR/MRC, the trap path's common case, costs one mask/compare and the
/// field extraction; MCRR/MRRC and LDC/STC are one more compare each.
// Inlined into each caller so that the `two`/`condition` of each call site
// fold into the result.
#[inline(always)]
const fn decode_body(
    word: u32,
    prefix: u32,
    source: Source,
    condition: Option<Condition>,
    two: bool,
) -> Option<Access> {
    if word & (MCR_MRC_MASK | prefix) == MCR_MRC_P14 | prefix {
        let f = McrMrc::from_bits(word);
        return access(
            source,
            direction_from_l(f.l()),
            // `rt` first: with this order the compiler's register choice
            // in a decode loop needs two moves fewer per word (measured).
            Operation::Transfer {
                rt: Gpr(f.rt()),
                opc1: f.opc1(),
                crn: f.crn(),
                crm: f.crm(),
                opc2: f.opc2(),
            },
            condition,
            two,
        );
    }
    decode_body_rare(word, prefix, source, condition, two)
}

/// [`decode_body`] for MCRR/MRRC and LDC/STC.
// Inlined like `decode_body`: out of line, its result would come back
// through memory written a byte at a time, and a caller that then moves the
// whole `Access` (a 4- or 8-byte load of those bytes) stalls on store
// forwarding, which costs more than the longer inlined code.
#[inline(always)]
const fn decode_body_rare(
    word: u32,
    prefix: u32,
    source: Source,
    condition: Option<Condition>,
    two: bool,
) -> Option<Access> {
    if word & (MCRR_MRRC_MASK | prefix) == MCRR_MRRC_P14 | prefix {
        let f = McrrMrrc::from_bits(word);
        return access(
            source,
            direction_from_l(f.l()),
            Operation::Transfer64 {
                opc1: f.opc1(),
                crm: f.crm(),
                rt: Gpr(f.rt()),
                rt2: Gpr(f.rt2()),
            },
            condition,
            two,
        );
    }
    // P = U = W = 0: with D = 1 it was MCRR/MRRC above, with D = 0 it is
    // UNDEFINED space.
    if word & (LDC_STC_MASK | prefix) != LDC_STC_P14 | prefix || word & LDC_STC_PUW == 0 {
        return NONE;
    }
    let f = LdcStc::from_bits(word);
    // Every byte of a `Memory` access is a field: no template needed.
    Some(Access {
        source,
        // LDC loads the register from memory: a write of the register.
        direction: direction_from_l(!f.l()),
        operation: Operation::Memory {
            crd: f.crd(),
            rn: Some(Gpr(f.rn())),
            imm8: f.imm8(),
            mode: addressing_mode(f.p(), f.w()),
            add: f.u(),
            long: f.d(),
        },
        condition,
        two,
    })
}

/// MCR/MRC and MCRR/MRRC: `L` = 1 moves the coprocessor register to the
/// core, i.e. reads it.
#[inline(always)]
const fn direction_from_l(l: bool) -> Direction {
    if l {
        Direction::Read
    } else {
        Direction::Write
    }
}

/// The addressing mode of `{P, W}` (the unindexed form, P = W = 0, must be
/// checked for U = 1 by the caller).
#[inline(always)]
const fn addressing_mode(p: bool, w: bool) -> AddressingMode {
    // As `{P, W}`, 0..=3, which the compiler folds into the discriminant.
    match (p as u8) << 1 | w as u8 {
        0b00 => AddressingMode::Unindexed,
        0b01 => AddressingMode::PostIndexed,
        0b10 => AddressingMode::Offset,
        _ => AddressingMode::PreIndexed,
    }
}

/// `ESR_EL2` bits \[31:25\], `EC:IL`, of the three CP14 classes with IL = 1.
const fn ec_il(ec: u8) -> u32 {
    EsrEl2::new().with_ec(ec).with_il(true).into_bits() as u32 >> 25
}
/// `EC:IL` of a trapped MCR/MRC.
const EC_IL_MCR_MRC: u32 = ec_il(EC_MCR_MRC_CP14);
/// `EC:IL` of a trapped MCRR/MRRC.
const EC_IL_MCRR_MRRC: u32 = ec_il(EC_MCRR_MRRC_CP14);
/// `EC:IL` of a trapped LDC/STC.
const EC_IL_LDC_STC: u32 = ec_il(EC_LDC_STC_CP14);

/// Decodes an AArch64 `ESR_EL2` value as a trapped coprocessor-14 access.
///
/// EC 0x05 (MCR/MRC), 0x06 (LDC/STC) and 0x0C (MCRR/MRRC) decode; every
/// other class (including 0x03/0x04, the CP15 ones) and IL = 0 is `None`.
/// Registers are the AArch64 numbers the syndrome reports (0..=31).
///
/// ```
/// # use dbgregs::decode::decode_esr;
/// // EC 0x05, IL, CV, COND = AL, Opc2 4, Opc1 0, CRn 1, Rt 5, CRm 1, read.
/// let esr = (0x05 << 26) | (1 << 25) | (1 << 24) | (0xE << 20) | (4 << 17)
///     | (1 << 10) | (5 << 5) | (1 << 1) | 1;
/// let a = decode_esr(esr).unwrap();
/// assert_eq!(a.to_string(), "mrc p14, 0, x5, c1, c1, 4");
/// ```
#[inline]
pub const fn decode_esr(esr: u64) -> Option<Access> {
    // Bits [63:32] (ISS2, RES0) carry nothing for these classes; the ISS
    // formats are drawn over bits [31:0]. One compare per class checks EC
    // and IL together.
    let low = esr as u32;
    match low >> 25 {
        EC_IL_MCR_MRC => {
            let iss = IssMcrMrc::from_bits(low);
            Some(Access {
                source: Source::Esr,
                direction: direction_from_l(iss.direction()),
                operation: Operation::Transfer {
                    opc1: iss.opc1(),
                    crn: iss.crn(),
                    crm: iss.crm(),
                    opc2: iss.opc2(),
                    rt: Gpr(iss.rt()),
                },
                condition: esr_condition(iss.cv(), iss.cond()),
                two: false,
            })
        }
        EC_IL_MCRR_MRRC => {
            let iss = IssMcrrMrrc::from_bits(low);
            Some(Access {
                source: Source::Esr,
                direction: direction_from_l(iss.direction()),
                operation: Operation::Transfer64 {
                    opc1: iss.opc1(),
                    crm: iss.crm(),
                    rt: Gpr(iss.rt()),
                    rt2: Gpr(iss.rt2()),
                },
                condition: esr_condition(iss.cv(), iss.cond()),
                two: false,
            })
        }
        EC_IL_LDC_STC => decode_esr_ldc_stc(IssLdcStc::from_bits(low)),
        _ => None,
    }
}

/// The LDC/STC class of [`decode_esr`] (inlined for the reason given at
/// `decode_body_rare`).
#[inline(always)]
const fn decode_esr_ldc_stc(iss: IssLdcStc) -> Option<Access> {
    let am = iss.am();
    let literal = am & 0b100 != 0;
    // AM[1:0] = {P, W}.
    let (p, w) = (am & 0b10 != 0, am & 0b01 != 0);
    // Direction = 1: LDC, a read from memory (a write of the register).
    let ldc = iss.direction();
    // Unindexed with U = 0 is no instruction; AM = 0b101 and 0b111 are
    // reserved; the literal forms are LDC only (reserved for STC).
    if (!p && !w && !iss.offset()) || (literal && (w || !ldc)) {
        return None;
    }
    Some(Access {
        source: Source::Esr,
        direction: direction_from_l(!ldc),
        operation: Operation::Memory {
            crd: 5, // the only CP14 LDC/STC that traps (DBGDTR*int)
            rn: if literal { None } else { Some(Gpr(iss.rn())) },
            imm8: iss.imm8(),
            mode: addressing_mode(p, w),
            add: iss.offset(),
            long: false,
        },
        condition: esr_condition(iss.cv(), iss.cond()),
        two: false,
    })
}

/// `COND` when `CV` says it is valid.
#[inline(always)]
const fn esr_condition(cv: bool, cond: u8) -> Option<Condition> {
    if cv {
        Some(Condition(cond))
    } else {
        None
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    extern crate std;
    use std::string::{String, ToString};

    use super::*;
    use crate::regmap::DebugRegister;

    fn a32(word: u32) -> Option<String> {
        decode_a32(word).map(|a| a.to_string())
    }

    fn t32(word: u32) -> Option<String> {
        decode_t32(word).map(|a| a.to_string())
    }

    fn esr(ec: u64, iss: u64) -> u64 {
        (ec << 26) | (1 << 25) | iss
    }

    #[test]
    fn kernel_hook_examples_decode_as_the_kernel_reads_them() {
        // `arch/arm/kernel/hw_breakpoint.c`, `debug_reg_trap()`: the 14 example words of debug_reg_hook
        // (9 it matches, 5 it rejects), plus the plain MCR to DBGDIDR.
        let cases: [(u32, Option<&str>, Option<DebugRegister>); 15] = [
            (
                0xEE10_0E10,
                Some("mrc p14, 0, r0, c0, c0, 0"),
                Some(DebugRegister::Dbgdidr),
            ),
            (
                0xEE10_0E11,
                Some("mrc p14, 0, r0, c0, c1, 0"),
                Some(DebugRegister::DbgdscrInt),
            ),
            (
                0xEE00_0E52,
                Some("mcr p14, 0, r0, c0, c2, 2"),
                Some(DebugRegister::DbgdscrExt),
            ),
            (
                0xEE00_0E17,
                Some("mcr p14, 0, r0, c0, c7, 0"),
                Some(DebugRegister::Dbgvcr),
            ),
            (
                0xEE00_1EB3,
                Some("mcr p14, 0, r1, c0, c3, 5"),
                Some(DebugRegister::Dbgbcr(3)),
            ),
            (
                0xEE01_0E90,
                Some("mcr p14, 0, r0, c1, c0, 4"),
                Some(DebugRegister::Dbgoslar),
            ),
            (
                0xEE11_0E95,
                Some("mrc p14, 0, r0, c1, c5, 4"),
                Some(DebugRegister::Dbgprsr),
            ),
            (0xFE10_0E10, Some("mrc2 p14, 0, r0, c0, c0, 0"), None),
            (
                0x1E10_0E10,
                Some("mrcne p14, 0, r0, c0, c0, 0"),
                Some(DebugRegister::Dbgdidr),
            ),
            (0xEE10_0F10, None, None), // p15 MIDR
            (0xEED0_0E10, Some("mrc p14, 6, r0, c0, c0, 0"), None), // ThumbEE
            (0xEE30_0E10, Some("mrc p14, 1, r0, c0, c0, 0"), None),
            (0xEE18_0E10, Some("mrc p14, 0, r0, c8, c0, 0"), None),
            (0xEE00_0E07, None, None), // CDP
            (
                0xEE00_0E10,
                Some("mcr p14, 0, r0, c0, c0, 0"),
                Some(DebugRegister::Dbgdidr),
            ),
        ];
        for (word, text, reg) in cases {
            let access = decode_a32(word);
            assert_eq!(
                access.map(|a| a.to_string()).as_deref(),
                text,
                "{word:#010x}"
            );
            assert_eq!(
                access.and_then(|a| DebugRegister::identify(&a)),
                reg,
                "{word:#010x}"
            );
            // A Thumb-2 kernel composes the same value for cond = 0xE / 0xF.
            if word >> 28 >= 0xE {
                assert_eq!(t32(word).as_deref(), text, "T32 {word:#010x}");
            }
        }
    }

    #[test]
    fn the_kernel_hook_mask_selects_opc1_0_crn_c0_to_c7_transfers() {
        // debug_reg_hook: instr_mask 0x0FE80F10, instr_val 0x0E000E10.
        let mut random = 1u32;
        let mut matched = 0;
        for _ in 0..(1 << 19) {
            random = random.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            // A random word, and the same forced into the MCR/MRC p14 space.
            for word in [random, (random & !0x0F00_0F10) | 0x0E00_0E10] {
                let hook = word & 0x0FE8_0F10 == 0x0E00_0E10;
                let ours = matches!(
                    decode_a32(word).map(|a| a.operation),
                    Some(Operation::Transfer {
                        opc1: 0,
                        crn: 0..=7,
                        ..
                    })
                );
                assert_eq!(hook, ours, "{word:#010x}");
                matched += hook as u32;
            }
        }
        // opc1 = 0 and CRn[3] = 0: a sixteenth of the forced words.
        assert!(matched > (1 << 19) / 20, "{matched}");
    }

    #[test]
    fn boot_log_words() {
        assert_eq!(a32(0xee11_3e95).unwrap(), "mrc p14, 0, r3, c1, c5, 4");
        assert_eq!(a32(0xee11_5e91).unwrap(), "mrc p14, 0, r5, c1, c1, 4");
    }

    #[test]
    fn mcr_mrc_fields() {
        let a = decode_a32(0x0E11_5E91).unwrap();
        assert_eq!(
            a,
            Access {
                source: Source::A32,
                direction: Direction::Read,
                operation: Operation::Transfer {
                    opc1: 0,
                    crn: 1,
                    crm: 1,
                    opc2: 4,
                    rt: Gpr(5)
                },
                condition: Some(Condition(0)),
                two: false,
            }
        );
        assert_eq!(a.to_string(), "mrceq p14, 0, r5, c1, c1, 4");
        assert_eq!(
            a32(0xEE10_FE11).unwrap(),
            "mrc p14, 0, APSR_nzcv, c0, c1, 0"
        );
        assert_eq!(a32(0xEE00_FE15).unwrap(), "mcr p14, 0, pc, c0, c5, 0");
        assert_eq!(a32(0xEE00_DE15).unwrap(), "mcr p14, 0, sp, c0, c5, 0");
        assert_eq!(a32(0xAE00_EE15).unwrap(), "mcrge p14, 0, lr, c0, c5, 0");
        assert_eq!(a32(0xEEE0_CE15).unwrap(), "mcr p14, 7, r12, c0, c5, 0");
        assert_eq!(a32(0xFE00_1E10).unwrap(), "mcr2 p14, 0, r1, c0, c0, 0");
        let two = decode_a32(0xFE00_1E10).unwrap();
        assert!(two.two);
        assert_eq!(two.condition, Some(Condition::AL));
    }

    #[test]
    fn mcrr_mrrc_fields() {
        let a = decode_a32(0xEC41_0E01).unwrap();
        assert_eq!(
            a.operation,
            Operation::Transfer64 {
                opc1: 0,
                crm: 1,
                rt: Gpr(0),
                rt2: Gpr(1)
            }
        );
        assert_eq!(a.direction, Direction::Write);
        assert_eq!(a.to_string(), "mcrr p14, 0, r0, r1, c1");
        assert_eq!(a32(0xEC51_0E02).unwrap(), "mrrc p14, 0, r0, r1, c2");
        assert_eq!(a32(0x3C53_4EF2).unwrap(), "mrrccc p14, 15, r4, r3, c2");
        assert_eq!(a32(0xFC51_0E02).unwrap(), "mrrc2 p14, 0, r0, r1, c2");
        assert_eq!(
            DebugRegister::identify(&decode_a32(0xEC51_0E02).unwrap()),
            Some(DebugRegister::Dbgdsar64)
        );
        // MCRR to p15 is not ours.
        assert_eq!(a32(0xEC51_0F02), None);
    }

    #[test]
    fn ldc_stc_forms() {
        assert_eq!(a32(0xECB0_5E01).unwrap(), "ldc p14, c5, [r0], #4");
        assert_eq!(a32(0xED21_5E02).unwrap(), "stc p14, c5, [r1, #-8]!");
        assert_eq!(a32(0xED90_5E01).unwrap(), "ldc p14, c5, [r0, #4]");
        assert_eq!(a32(0xED10_5E01).unwrap(), "ldc p14, c5, [r0, #-4]");
        assert_eq!(a32(0xEC90_5E04).unwrap(), "ldc p14, c5, [r0], {4}");
        assert_eq!(a32(0xEDD0_5E01).unwrap(), "ldcl p14, c5, [r0, #4]");
        assert_eq!(a32(0x0DC0_5E01).unwrap(), "stcleq p14, c5, [r0, #4]");
        assert_eq!(a32(0xFD90_5E01).unwrap(), "ldc2 p14, c5, [r0, #4]");
        assert_eq!(a32(0xFDD0_5EFF).unwrap(), "ldc2l p14, c5, [r0, #1020]");
        assert_eq!(a32(0xED9F_5E01).unwrap(), "ldc p14, c5, [pc, #4]");
        let stc = decode_a32(0xED21_5E02).unwrap();
        assert_eq!(stc.direction, Direction::Read);
        assert_eq!(
            DebugRegister::identify(&stc),
            Some(DebugRegister::DbgdtrrxInt)
        );
        let ldc = decode_a32(0xECB0_5E01).unwrap();
        assert_eq!(ldc.direction, Direction::Write);
        assert_eq!(
            DebugRegister::identify(&ldc),
            Some(DebugRegister::DbgdtrtxInt)
        );
        assert_eq!(
            ldc.operation,
            Operation::Memory {
                crd: 5,
                rn: Some(Gpr(0)),
                imm8: 1,
                mode: AddressingMode::PostIndexed,
                add: true,
                long: false
            }
        );
        // P = U = W = 0, D = 0: UNDEFINED space; with D = 1: MRRC.
        assert_eq!(a32(0xEC10_5E01), None);
        assert_eq!(a32(0xEC50_5E01).unwrap(), "mrrc p14, 0, r5, r0, c1");
        // Other coprocessors.
        assert_eq!(a32(0xED90_5B01), None);
    }

    #[test]
    fn non_coprocessor_words_are_none() {
        for word in [
            0,
            0xE1A0_0000,
            0xE59F_0E10,
            0xEAFF_FFFE,
            0xEF00_0E10,
            0xFFFF_FFFF,
        ] {
            assert_eq!(decode_a32(word), None, "{word:#010x}");
        }
    }

    #[test]
    fn t32_forms() {
        let a = decode_t32_halfwords(0xEE11, 0x3E95).unwrap();
        assert_eq!(a.source, Source::T32);
        assert_eq!(a.condition, None);
        assert!(!a.two);
        assert_eq!(a.to_string(), "mrc p14, 0, r3, c1, c5, 4");
        assert_eq!(t32(0xFE00_1E10).unwrap(), "mcr2 p14, 0, r1, c0, c0, 0");
        assert_eq!(t32(0xEC41_0E01).unwrap(), "mcrr p14, 0, r0, r1, c1");
        assert_eq!(t32(0xFC51_0E02).unwrap(), "mrrc2 p14, 0, r0, r1, c2");
        assert_eq!(t32(0xED21_5E02).unwrap(), "stc p14, c5, [r1, #-8]!");
        assert_eq!(t32(0xFDD0_5EFF).unwrap(), "ldc2l p14, c5, [r0, #1020]");
        // Not a 32-bit prefix: a 16-bit instruction in the top half.
        assert_eq!(t32(0x0E10_0E10), None);
        assert_eq!(t32(0xBE10_0E10), None);
        // 32-bit prefix, not the coprocessor space.
        assert_eq!(t32(0xE810_0E10), None);
        assert_eq!(t32(0xF000_0E10), None);
        // Advanced SIMD (hw1 = 111x 1111) is not a coprocessor transfer.
        assert_eq!(t32(0xEF10_0E10), None);
        assert_eq!(t32(0xFF10_0E10), None);
        assert!(is_t32_prefix(0xE800) && !is_t32_prefix(0xE7FF));
    }

    #[test]
    fn esr_mcr_mrc() {
        // CV, COND = AL, Opc2 4, Opc1 0, CRn 1, Rt 5, CRm 1, read.
        let iss = (1 << 24) | (0xE << 20) | (4 << 17) | (1 << 10) | (5 << 5) | (1 << 1) | 1;
        let a = decode_esr(esr(0x05, iss)).unwrap();
        assert_eq!(
            a,
            Access {
                source: Source::Esr,
                direction: Direction::Read,
                operation: Operation::Transfer {
                    opc1: 0,
                    crn: 1,
                    crm: 1,
                    opc2: 4,
                    rt: Gpr(5)
                },
                condition: Some(Condition::AL),
                two: false,
            }
        );
        assert_eq!(a.to_string(), "mrc p14, 0, x5, c1, c1, 4");
        assert_eq!(DebugRegister::identify(&a), Some(DebugRegister::Dbgoslsr));
        // CV = 0: no condition.
        let no_cv = decode_esr(esr(0x05, iss & !(1 << 24))).unwrap();
        assert_eq!(no_cv.condition, None);
        assert_eq!(no_cv.to_string(), "mrc p14, 0, x5, c1, c1, 4");
        // COND = EQ.
        let eq = iss & !(0xF << 20);
        assert_eq!(
            decode_esr(esr(0x05, eq)).unwrap().to_string(),
            "mrceq p14, 0, x5, c1, c1, 4"
        );
        // Rt = 31 is the AArch32 R15: APSR_nzcv for an MRC; Rt = 30 is x30.
        let apsr = (1 << 24) | (0xE << 20) | (31 << 5) | (1 << 1) | 1;
        assert_eq!(
            decode_esr(esr(0x05, apsr)).unwrap().to_string(),
            "mrc p14, 0, APSR_nzcv, c0, c1, 0"
        );
        let x30 = (1 << 24) | (0xE << 20) | (7 << 14) | (30 << 5) | (3 << 1);
        assert_eq!(
            decode_esr(esr(0x05, x30)).unwrap().to_string(),
            "mcr p14, 7, x30, c0, c3, 0"
        );
        // Bits [63:32] are ignored.
        assert_eq!(decode_esr(esr(0x05, iss) | (0x1F << 32)), Some(a));
    }

    #[test]
    fn esr_mcrr_mrrc() {
        let iss = (1 << 24) | (0xE << 20) | (1 << 10) | (2 << 1) | 1;
        let a = decode_esr(esr(0x0C, iss)).unwrap();
        assert_eq!(
            a.operation,
            Operation::Transfer64 {
                opc1: 0,
                crm: 2,
                rt: Gpr(0),
                rt2: Gpr(1)
            }
        );
        assert_eq!(a.to_string(), "mrrc p14, 0, x0, x1, c2");
        assert_eq!(DebugRegister::identify(&a), Some(DebugRegister::Dbgdsar64));
        let w = (0xF << 16) | (29 << 10) | (3 << 5) | (1 << 1);
        assert_eq!(
            decode_esr(esr(0x0C, w)).unwrap().to_string(),
            "mcrr p14, 15, x3, x29, c1"
        );
    }

    #[test]
    fn esr_ldc_stc() {
        // LDC literal offset (AM 110), imm8 1, U.
        let lit = (1 << 24) | (0xE << 20) | (1 << 12) | (1 << 4) | (0b110 << 1) | 1;
        let a = decode_esr(esr(0x06, lit)).unwrap();
        assert_eq!(
            a.operation,
            Operation::Memory {
                crd: 5,
                rn: None,
                imm8: 1,
                mode: AddressingMode::Offset,
                add: true,
                long: false
            }
        );
        assert_eq!(a.direction, Direction::Write);
        assert_eq!(a.to_string(), "ldc p14, c5, [pc, #4]");
        assert_eq!(
            DebugRegister::identify(&a),
            Some(DebugRegister::DbgdtrtxInt)
        );
        // STC pre-indexed, subtract, Rn = x1, imm8 2.
        let stc = (1 << 24) | (0x1 << 20) | (2 << 12) | (1 << 5) | (0b011 << 1);
        let s = decode_esr(esr(0x06, stc)).unwrap();
        assert_eq!(s.direction, Direction::Read);
        assert_eq!(s.to_string(), "stcne p14, c5, [x1, #-8]!");
        // Literal unindexed (A32 only).
        let lu = (4 << 12) | (1 << 4) | (0b100 << 1) | 1;
        assert_eq!(
            decode_esr(esr(0x06, lu)).unwrap().to_string(),
            "ldc p14, c5, [pc], {4}"
        );
        // Immediate unindexed and post-indexed.
        let un = (4 << 12) | (3 << 5) | (1 << 4) | 1;
        assert_eq!(
            decode_esr(esr(0x06, un)).unwrap().to_string(),
            "ldc p14, c5, [x3], {4}"
        );
        let post = (4 << 12) | (3 << 5) | (0b001 << 1) | 1;
        assert_eq!(
            decode_esr(esr(0x06, post)).unwrap().to_string(),
            "ldc p14, c5, [x3], #-16"
        );
        // Reserved AM, and unindexed with U = 0.
        assert_eq!(decode_esr(esr(0x06, (0b101 << 1) | (1 << 4))), None);
        assert_eq!(decode_esr(esr(0x06, (0b111 << 1) | (1 << 4))), None);
        assert_eq!(decode_esr(esr(0x06, 0)), None);
        assert_eq!(decode_esr(esr(0x06, 0b100 << 1)), None);
        // Literal STC: reserved.
        assert_eq!(decode_esr(esr(0x06, lit & !1)), None);
        assert_eq!(decode_esr(esr(0x06, lu & !1)), None);
    }

    #[test]
    fn esr_other_classes_and_il0_are_none() {
        let iss = (1 << 24) | (0xE << 20) | (5 << 5) | 1;
        for ec in (0..64).filter(|ec| ![0x05, 0x06, 0x0C].contains(ec)) {
            assert_eq!(decode_esr(esr(ec, iss | (1 << 4))), None, "EC {ec:#x}");
        }
        assert!(decode_esr(esr(0x05, iss)).is_some());
        assert_eq!(decode_esr(esr(0x05, iss) & !(1 << 25)), None);
    }
}
