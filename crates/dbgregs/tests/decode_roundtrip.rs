//! Property tests: decode ∘ encode is the identity for every access form and
//! source; every A32/T32 word that decodes re-encodes to itself; decoding
//! and printing arbitrary input never panics.

use dbgregs::access::{Access, AddressingMode, Condition, Direction, Gpr, Operation, Source};
use dbgregs::decode::{decode_a32, decode_esr, decode_t32, decode_t32_halfwords};
use dbgregs::encode::{encode_a32, encode_esr, encode_t32};
use proptest::prelude::*;

fn direction() -> impl Strategy<Value = Direction> {
    prop_oneof![Just(Direction::Read), Just(Direction::Write)]
}

fn mode() -> impl Strategy<Value = AddressingMode> {
    prop_oneof![
        Just(AddressingMode::Unindexed),
        Just(AddressingMode::PostIndexed),
        Just(AddressingMode::Offset),
        Just(AddressingMode::PreIndexed),
    ]
}

/// Every operation an instruction (registers 0..=15) can encode.
fn instruction_operation() -> impl Strategy<Value = Operation> {
    prop_oneof![
        (0..8u8, 0..16u8, 0..16u8, 0..8u8, 0..16u8).prop_map(|(opc1, crn, crm, opc2, rt)| {
            Operation::Transfer {
                opc1,
                crn,
                crm,
                opc2,
                rt: Gpr(rt),
            }
        }),
        (0..16u8, 0..16u8, 0..16u8, 0..16u8).prop_map(|(opc1, crm, rt, rt2)| {
            Operation::Transfer64 {
                opc1,
                crm,
                rt: Gpr(rt),
                rt2: Gpr(rt2),
            }
        }),
        (
            0..16u8,
            0..16u8,
            any::<u8>(),
            mode(),
            any::<bool>(),
            any::<bool>()
        )
            .prop_map(|(crd, rn, imm8, mode, add, long)| Operation::Memory {
                crd,
                rn: Some(Gpr(rn)),
                imm8,
                mode,
                // The unindexed form always adds (P = U = W = 0 is no LDC/STC).
                add: add || mode == AddressingMode::Unindexed,
                long,
            }),
    ]
}

/// Every operation a syndrome (AArch64 registers 0..=31) can report.
fn syndrome_operation() -> impl Strategy<Value = Operation> {
    prop_oneof![
        (0..8u8, 0..16u8, 0..16u8, 0..8u8, 0..32u8).prop_map(|(opc1, crn, crm, opc2, rt)| {
            Operation::Transfer {
                opc1,
                crn,
                crm,
                opc2,
                rt: Gpr(rt),
            }
        }),
        (0..16u8, 0..16u8, 0..32u8, 0..32u8).prop_map(|(opc1, crm, rt, rt2)| {
            Operation::Transfer64 {
                opc1,
                crm,
                rt: Gpr(rt),
                rt2: Gpr(rt2),
            }
        }),
        (
            proptest::option::of(0..32u8),
            any::<u8>(),
            mode(),
            any::<bool>()
        )
            .prop_map(|(rn, imm8, mode, add)| {
                // Literal forms are unindexed or offset only.
                let mode = match (rn, mode) {
                    (None, AddressingMode::PostIndexed) => AddressingMode::Unindexed,
                    (None, AddressingMode::PreIndexed) => AddressingMode::Offset,
                    (_, m) => m,
                };
                Operation::Memory {
                    crd: 5,
                    rn: rn.map(Gpr),
                    imm8,
                    mode,
                    add: add || mode == AddressingMode::Unindexed,
                    long: false,
                }
            }),
    ]
}

fn a32_access() -> impl Strategy<Value = Access> {
    (instruction_operation(), direction(), 0..16u8).prop_map(|(operation, direction, cond)| {
        let two = cond == 0b1111;
        Access {
            source: Source::A32,
            direction,
            operation,
            condition: Some(if two { Condition::AL } else { Condition(cond) }),
            two,
        }
    })
}

fn t32_access() -> impl Strategy<Value = Access> {
    (instruction_operation(), direction(), any::<bool>()).prop_map(|(operation, direction, two)| {
        Access {
            source: Source::T32,
            direction,
            operation,
            condition: None,
            two,
        }
    })
}

fn esr_access() -> impl Strategy<Value = Access> {
    (
        syndrome_operation(),
        direction(),
        proptest::option::of(0..16u8),
    )
        .prop_map(|(operation, direction, cond)| Access {
            source: Source::Esr,
            // The literal forms (no base register) are LDC only.
            direction: match operation {
                Operation::Memory { rn: None, .. } => Direction::Write,
                _ => direction,
            },
            operation,
            condition: cond.map(Condition),
            two: false,
        })
}

/// A word in the coprocessor-14 space (coproc = 14 forced, the rest random),
/// so that random words reach the decoders' interesting paths.
fn cp14_word() -> impl Strategy<Value = u32> {
    prop_oneof![
        any::<u32>(),
        any::<u32>().prop_map(|w| (w & !0x0F00) | 0x0E00),
        any::<u32>().prop_map(|w| (w & !0x0F00_0F00) | 0x0E00_0E00),
        any::<u32>().prop_map(|w| (w & !0x0E00_0F00) | 0x0C00_0E00),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn a32_decode_of_encode_is_identity(access in a32_access()) {
        let word = encode_a32(&access);
        prop_assert!(word.is_ok(), "{access:?}: {word:?}");
        let word = word.unwrap_or_default();
        prop_assert_eq!(decode_a32(word), Some(access), "{:#010x}", word);
    }

    #[test]
    fn t32_decode_of_encode_is_identity(access in t32_access()) {
        let word = encode_t32(&access);
        prop_assert!(word.is_ok(), "{access:?}: {word:?}");
        let word = word.unwrap_or_default();
        prop_assert_eq!(decode_t32(word), Some(access), "{:#010x}", word);
        prop_assert_eq!(decode_t32_halfwords((word >> 16) as u16, word as u16), Some(access));
    }

    #[test]
    fn esr_decode_of_encode_is_identity(access in esr_access()) {
        let esr = encode_esr(&access);
        prop_assert!(esr.is_ok(), "{access:?}: {esr:?}");
        let esr = esr.unwrap_or_default();
        prop_assert_eq!(decode_esr(esr), Some(access), "{:#x}", esr);
    }

    #[test]
    fn a32_words_that_decode_re_encode_to_themselves(word in cp14_word()) {
        if let Some(access) = decode_a32(word) {
            prop_assert_eq!(encode_a32(&access), Ok(word));
            prop_assert!(!access.to_string().is_empty());
        }
    }

    #[test]
    fn t32_words_that_decode_re_encode_to_themselves(word in cp14_word()) {
        if let Some(access) = decode_t32(word) {
            prop_assert_eq!(encode_t32(&access), Ok(word));
            prop_assert!(!access.to_string().is_empty());
        }
    }

    #[test]
    fn any_syndrome_decodes_without_panic_and_round_trips(
        esr in prop_oneof![
            any::<u64>(),
            (any::<u64>(), prop_oneof![Just(0x05u64), Just(0x06), Just(0x0C)])
                .prop_map(|(e, ec)| (e & !(0x3F << 26)) | (ec << 26) | (1 << 25)),
        ]
    ) {
        if let Some(access) = decode_esr(esr) {
            let again = encode_esr(&access);
            prop_assert!(again.is_ok(), "{access:?}: {again:?}");
            prop_assert_eq!(decode_esr(again.unwrap_or_default()), Some(access));
            prop_assert!(!access.to_string().is_empty());
        }
    }

    /// Display is total, even for hand-made accesses with out-of-range
    /// fields that no decoder produces.
    #[test]
    fn display_never_panics(
        op in (any::<u8>(), any::<u8>(), any::<u8>(), any::<u8>(), any::<u8>()),
        source in prop_oneof![Just(Source::A32), Just(Source::T32), Just(Source::Esr)],
        kind in 0..3u8,
        cond in proptest::option::of(any::<u8>()),
        two in any::<bool>(),
        mode in mode(),
    ) {
        let (a, b, c, d, e) = op;
        let operation = match kind {
            0 => Operation::Transfer { opc1: a, crn: b, crm: c, opc2: d, rt: Gpr(e) },
            1 => Operation::Transfer64 { opc1: a, crm: b, rt: Gpr(c), rt2: Gpr(d) },
            _ => Operation::Memory {
                crd: a,
                rn: if b & 1 == 0 { None } else { Some(Gpr(c)) },
                imm8: d,
                mode,
                add: e & 1 == 0,
                long: e & 2 == 0,
            },
        };
        let access = Access {
            source,
            direction: Direction::Read,
            operation,
            condition: cond.map(Condition),
            two,
        };
        prop_assert!(access.to_string().starts_with(['m', 'l', 's']));
    }
}
