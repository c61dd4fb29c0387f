//! Encoding an [`Access`] back into an instruction word or a syndrome: the
//! inverse of [`crate::decode`].
//!
//! For every access a decoder produces, decoding the encoding gives the same
//! access back; for every A32 or T32 word that decodes, encoding the access
//! gives the same word back (every bit of those encodings is a field). For a
//! syndrome the ignored parts (bits \[63:32\], RES0 bits, `COND` when CV = 0,
//! `Rn` of a literal form) encode as zero.
//!
//! The encoders check every field against the target's range and return an
//! [`EncodeError`] naming the field and value instead of truncating.
//! `Access::source` is not consulted: an access may be encoded for any
//! target whose ranges it fits.
//!
//! ```
//! use dbgregs::decode::decode_a32;
//! use dbgregs::encode::{encode_a32, encode_t32, EncodeError};
//!
//! let access = decode_a32(0x0e11_5e91).unwrap();
//! assert_eq!(encode_a32(&access), Ok(0x0e11_5e91));
//! // T32 has no condition field.
//! assert!(matches!(encode_t32(&access), Err(EncodeError::Condition { .. })));
//! ```

use crate::access::{Access, AddressingMode, Condition, Direction, Operation, Source};
use crate::decode::{
    EsrEl2, IssLdcStc, IssMcrMrc, IssMcrrMrrc, LdcStc, McrMrc, McrrMrrc, COND_TWO, CP14,
    EC_LDC_STC_CP14, EC_MCRR_MRRC_CP14, EC_MCR_MRC_CP14, OP1_LDC_STC, OP1_MCRR_MRRC, OP1_MCR_MRC,
};

/// Why an [`Access`] cannot be encoded for a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// A field's value does not fit the target's field.
    #[error("{field} = {value} is out of range for a {target:?} encoding (0..={max})")]
    FieldOutOfRange {
        /// The encoding asked for.
        target: Source,
        /// The field, as the Arm ARM names it (`opc1`, `Rt`, ...).
        field: &'static str,
        /// The value given.
        value: u8,
        /// The largest value the field holds.
        max: u8,
    },
    /// The condition cannot be expressed: a condition other than `AL` for
    /// T32 or a `2` form, 0b1111 for a non-`2` A32 instruction, or a value
    /// above 15.
    #[error("condition {cond:#x} cannot be encoded for a {target:?} {kind}instruction")]
    Condition {
        /// The encoding asked for.
        target: Source,
        /// The condition value given.
        cond: u8,
        /// `"2-form "` or empty.
        kind: &'static str,
    },
    /// An LDC/STC without a base register for an instruction encoding (only
    /// a syndrome's literal forms omit it).
    #[error("LDC/STC without a base register Rn cannot be encoded for {target:?}")]
    MissingBase {
        /// The encoding asked for.
        target: Source,
    },
    /// The unindexed LDC/STC form subtracts (U = 0): P = U = W = 0 is no
    /// LDC/STC.
    #[error("unindexed LDC/STC with U = 0 (P = U = W = 0) is not an LDC/STC")]
    UnindexedSubtract,
    /// A syndrome cannot report a `2` form.
    #[error("an ESR_EL2 syndrome cannot report a `2` form")]
    TwoInSyndrome,
    /// A syndrome cannot report the long (D = 1) LDC/STC form.
    #[error("an ESR_EL2 syndrome cannot report a long (D = 1) LDC/STC")]
    LongInSyndrome,
    /// A syndrome reports LDC/STC only for `CRd` = c5 (it has no `CRd`
    /// field).
    #[error("an ESR_EL2 syndrome reports LDC/STC only for CRd = c5, not c{crd}")]
    CrdInSyndrome {
        /// The `CRd` given.
        crd: u8,
    },
    /// A literal (no base register) STC in a syndrome: the literal forms
    /// are LDC only.
    #[error("an ESR_EL2 syndrome has no literal (no base register) form of STC")]
    LiteralStore,
    /// A literal (no base register) LDC/STC in a syndrome is unindexed or
    /// offset only (AM 0b101 and 0b111 are reserved).
    #[error("a literal LDC/STC cannot use the {mode:?} addressing mode in a syndrome")]
    LiteralMode {
        /// The mode given.
        mode: AddressingMode,
    },
}

/// `Ok(value)` if `value <= max`, else the range error.
const fn check(target: Source, field: &'static str, value: u8, max: u8) -> Result<u8, EncodeError> {
    if value <= max {
        Ok(value)
    } else {
        Err(EncodeError::FieldOutOfRange {
            target,
            field,
            value,
            max,
        })
    }
}

/// Encodes an access as an A32 word.
///
/// `condition` `None` encodes as `AL`; a `2` form (cond = 0b1111) accepts
/// `None`, `AL` or 0b1111. Registers must be 0..=15.
pub fn encode_a32(access: &Access) -> Result<u32, EncodeError> {
    let target = Source::A32;
    let cond = match (access.two, access.condition) {
        (true, None | Some(Condition::AL) | Some(Condition(COND_TWO))) => COND_TWO,
        (false, None) => Condition::AL.0,
        (false, Some(Condition(c))) if c < COND_TWO => c,
        (two, Some(Condition(cond))) => {
            return Err(EncodeError::Condition {
                target,
                cond,
                kind: if two { "2-form " } else { "" },
            })
        }
    };
    encode_body(access, cond, target)
}

/// Encodes an access as a 32-bit T32 instruction, first halfword in bits
/// \[31:16\] (the layout [`crate::decode::decode_t32`] takes).
///
/// T32 has no condition field: `condition` must be `None` or `AL`.
/// Registers must be 0..=15.
pub fn encode_t32(access: &Access) -> Result<u32, EncodeError> {
    let target = Source::T32;
    match access.condition {
        None | Some(Condition::AL) => {}
        Some(Condition(cond)) => {
            return Err(EncodeError::Condition {
                target,
                cond,
                kind: if access.two { "2-form " } else { "" },
            })
        }
    }
    // hw1 = 111T 11..: the top nibble is 0b1110, or 0b1111 for the 2 forms.
    encode_body(access, if access.two { 0b1111 } else { 0b1110 }, target)
}

/// Encodes bits \[27:0\] (shared by A32 and composed T32) under `top`.
fn encode_body(access: &Access, top: u8, target: Source) -> Result<u32, EncodeError> {
    let read = matches!(access.direction, Direction::Read);
    Ok(match access.operation {
        Operation::Transfer {
            opc1,
            crn,
            crm,
            opc2,
            rt,
        } => McrMrc::new()
            .with_cond(top)
            .with_op1(OP1_MCR_MRC)
            .with_opc1(check(target, "opc1", opc1, 7)?)
            .with_l(read)
            .with_crn(check(target, "CRn", crn, 15)?)
            .with_rt(check(target, "Rt", rt.0, 15)?)
            .with_coproc(CP14)
            .with_opc2(check(target, "opc2", opc2, 7)?)
            .with_op(true)
            .with_crm(check(target, "CRm", crm, 15)?)
            .into_bits(),
        Operation::Transfer64 { opc1, crm, rt, rt2 } => McrrMrrc::new()
            .with_cond(top)
            .with_op1(OP1_MCRR_MRRC)
            .with_l(read)
            .with_rt2(check(target, "Rt2", rt2.0, 15)?)
            .with_rt(check(target, "Rt", rt.0, 15)?)
            .with_coproc(CP14)
            .with_opc1(check(target, "opc1", opc1, 15)?)
            .with_crm(check(target, "CRm", crm, 15)?)
            .into_bits(),
        Operation::Memory {
            crd,
            rn,
            imm8,
            mode,
            add,
            long,
        } => {
            let Some(rn) = rn else {
                return Err(EncodeError::MissingBase { target });
            };
            let (p, w) = p_w(mode, add)?;
            LdcStc::new()
                .with_cond(top)
                .with_op1(OP1_LDC_STC)
                .with_p(p)
                .with_u(add)
                .with_d(long)
                .with_w(w)
                // LDC writes the register.
                .with_l(!read)
                .with_rn(check(target, "Rn", rn.0, 15)?)
                .with_crd(check(target, "CRd", crd, 15)?)
                .with_coproc(CP14)
                .with_imm8(imm8)
                .into_bits()
        }
    })
}

/// `{P, W}` of an addressing mode; the unindexed form must add.
const fn p_w(mode: AddressingMode, add: bool) -> Result<(bool, bool), EncodeError> {
    Ok(match mode {
        AddressingMode::Unindexed if !add => return Err(EncodeError::UnindexedSubtract),
        AddressingMode::Unindexed => (false, false),
        AddressingMode::PostIndexed => (false, true),
        AddressingMode::Offset => (true, false),
        AddressingMode::PreIndexed => (true, true),
    })
}

/// Encodes an access as the `ESR_EL2` value of its trap (IL = 1).
///
/// `condition` `None` encodes CV = 0 (COND = 0), `Some(c)` CV = 1 with
/// COND = c. Registers are AArch64 numbers, 0..=31. `two`, `long` and a
/// `CRd` other than c5 cannot be reported and are errors; `rn: None` is the
/// literal form (AM\[2\] = 1), unindexed or offset only.
pub fn encode_esr(access: &Access) -> Result<u64, EncodeError> {
    let target = Source::Esr;
    if access.two {
        return Err(EncodeError::TwoInSyndrome);
    }
    let (cv, cond) = match access.condition {
        None => (false, 0),
        Some(Condition(c)) => (true, check(target, "COND", c, 15)?),
    };
    let read = matches!(access.direction, Direction::Read);
    let (ec, iss) = match access.operation {
        Operation::Transfer {
            opc1,
            crn,
            crm,
            opc2,
            rt,
        } => (
            EC_MCR_MRC_CP14,
            IssMcrMrc::new()
                .with_cv(cv)
                .with_cond(cond)
                .with_opc2(check(target, "Opc2", opc2, 7)?)
                .with_opc1(check(target, "Opc1", opc1, 7)?)
                .with_crn(check(target, "CRn", crn, 15)?)
                .with_rt(check(target, "Rt", rt.0, 31)?)
                .with_crm(check(target, "CRm", crm, 15)?)
                .with_direction(read)
                .into_bits(),
        ),
        Operation::Transfer64 { opc1, crm, rt, rt2 } => (
            EC_MCRR_MRRC_CP14,
            IssMcrrMrrc::new()
                .with_cv(cv)
                .with_cond(cond)
                .with_opc1(check(target, "Opc1", opc1, 15)?)
                .with_rt2(check(target, "Rt2", rt2.0, 31)?)
                .with_rt(check(target, "Rt", rt.0, 31)?)
                .with_crm(check(target, "CRm", crm, 15)?)
                .with_direction(read)
                .into_bits(),
        ),
        Operation::Memory {
            crd,
            rn,
            imm8,
            mode,
            add,
            long,
        } => {
            if long {
                return Err(EncodeError::LongInSyndrome);
            }
            if crd != 5 {
                return Err(EncodeError::CrdInSyndrome { crd });
            }
            let (p, w) = p_w(mode, add)?;
            let (literal, rn) = match rn {
                Some(rn) => (false, check(target, "Rn", rn.0, 31)?),
                None if w => return Err(EncodeError::LiteralMode { mode }),
                None if read => return Err(EncodeError::LiteralStore),
                None => (true, 0),
            };
            let am = ((literal as u8) << 2) | ((p as u8) << 1) | w as u8;
            (
                EC_LDC_STC_CP14,
                IssLdcStc::new()
                    .with_cv(cv)
                    .with_cond(cond)
                    .with_imm8(imm8)
                    .with_rn(rn)
                    .with_offset(add)
                    .with_am(am)
                    // Direction 1 = LDC = a write of the register.
                    .with_direction(!read)
                    .into_bits(),
            )
        }
    };
    Ok(EsrEl2::new()
        .with_ec(ec)
        .with_il(true)
        .with_iss(iss)
        .into_bits())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::access::Gpr;
    use crate::decode::{decode_a32, decode_esr, decode_t32};

    fn mcr(opc1: u8, rt: u8) -> Access {
        Access {
            source: Source::A32,
            direction: Direction::Write,
            operation: Operation::Transfer {
                opc1,
                crn: 0,
                crm: 3,
                opc2: 5,
                rt: Gpr(rt),
            },
            condition: Some(Condition::AL),
            two: false,
        }
    }

    #[test]
    fn encodes_the_spec_words() {
        assert_eq!(encode_a32(&mcr(0, 1)), Ok(0xEE00_1EB3));
        assert_eq!(encode_t32(&mcr(0, 1)), Ok(0xEE00_1EB3));
        for word in [
            0xEE10_0E10,
            0x0E11_5E91,
            0xFE10_0E10,
            0xEC51_0E02,
            0xED21_5E02,
            0xEC90_5E04,
        ] {
            assert_eq!(
                encode_a32(&decode_a32(word).unwrap()),
                Ok(word),
                "{word:#x}"
            );
        }
        for word in [0xEE11_3E95, 0xFC51_0E02, 0xFDD0_5EFF] {
            assert_eq!(
                encode_t32(&decode_t32(word).unwrap()),
                Ok(word),
                "{word:#x}"
            );
        }
    }

    #[test]
    fn out_of_range_fields_are_typed_errors() {
        assert_eq!(
            encode_a32(&mcr(8, 1)),
            Err(EncodeError::FieldOutOfRange {
                target: Source::A32,
                field: "opc1",
                value: 8,
                max: 7
            })
        );
        assert_eq!(
            encode_t32(&mcr(0, 16)),
            Err(EncodeError::FieldOutOfRange {
                target: Source::T32,
                field: "Rt",
                value: 16,
                max: 15
            })
        );
        // x20 fits a syndrome but not an instruction.
        assert!(encode_esr(&mcr(0, 20)).is_ok());
        assert!(matches!(
            encode_esr(&mcr(0, 32)),
            Err(EncodeError::FieldOutOfRange {
                field: "Rt",
                value: 32,
                max: 31,
                ..
            })
        ));
        let e = encode_a32(&mcr(9, 1)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "opc1 = 9 is out of range for a A32 encoding (0..=7)"
        );
    }

    #[test]
    fn conditions_that_do_not_fit() {
        let mut a = mcr(0, 1);
        a.condition = Some(Condition(0));
        assert_eq!(encode_a32(&a), Ok(0x0E00_1EB3));
        assert!(matches!(
            encode_t32(&a),
            Err(EncodeError::Condition { cond: 0, .. })
        ));
        a.condition = Some(Condition(15));
        assert!(matches!(
            encode_a32(&a),
            Err(EncodeError::Condition { cond: 15, .. })
        ));
        a.condition = Some(Condition(16));
        assert!(matches!(
            encode_esr(&a),
            Err(EncodeError::FieldOutOfRange { field: "COND", .. })
        ));
        a.two = true;
        a.condition = Some(Condition(1));
        assert!(matches!(
            encode_a32(&a),
            Err(EncodeError::Condition { cond: 1, .. })
        ));
        assert_eq!(encode_esr(&a), Err(EncodeError::TwoInSyndrome));
        a.condition = None;
        assert_eq!(encode_a32(&a), Ok(0xFE00_1EB3));
    }

    #[test]
    fn memory_forms() {
        let ldc = decode_a32(0xED9F_5E01).unwrap();
        let mut literal = ldc;
        literal.source = Source::Esr;
        if let Operation::Memory { ref mut rn, .. } = literal.operation {
            *rn = None;
        }
        assert_eq!(
            encode_a32(&literal),
            Err(EncodeError::MissingBase {
                target: Source::A32
            })
        );
        let esr = encode_esr(&literal).unwrap();
        assert_eq!(
            esr,
            (0x06 << 26)
                | (1 << 25)
                | (1 << 24)
                | (0xE << 20)
                | (1 << 12)
                | (1 << 4)
                | (0b110 << 1)
                | 1
        );
        assert_eq!(decode_esr(esr), Some(literal));
        let mut pre = literal;
        if let Operation::Memory { ref mut mode, .. } = pre.operation {
            *mode = AddressingMode::PreIndexed;
        }
        assert_eq!(
            encode_esr(&pre),
            Err(EncodeError::LiteralMode {
                mode: AddressingMode::PreIndexed
            })
        );
        let mut store = literal;
        store.direction = Direction::Read;
        assert_eq!(encode_esr(&store), Err(EncodeError::LiteralStore));
        let long = decode_a32(0xEDD0_5E01).unwrap();
        assert_eq!(encode_esr(&long), Err(EncodeError::LongInSyndrome));
        let c6 = decode_a32(0xED90_6E01).unwrap();
        assert_eq!(encode_esr(&c6), Err(EncodeError::CrdInSyndrome { crd: 6 }));
        let mut sub = decode_a32(0xEC90_5E04).unwrap();
        if let Operation::Memory { ref mut add, .. } = sub.operation {
            *add = false;
        }
        assert_eq!(encode_a32(&sub), Err(EncodeError::UnindexedSubtract));
        assert_eq!(encode_esr(&sub), Err(EncodeError::UnindexedSubtract));
    }
}
