//! `ESR_EL2` syndromes for VMMs on an Armv8 host: a builder for the CP14
//! trap syndromes (tests and fuzzers write these by hand otherwise), and
//! the mapping between the syndrome's register numbers and the guest's
//! R0–R15.
//!
//! # The syndrome builder
//!
//! [`EsrBuilder`] builds EC 0x05 (MCR/MRC p14), 0x06 (LDC/STC p14) and
//! 0x0C (MCRR/MRRC p14) syndromes (DDI 0487 D17.2.37 "ESR_EL2": EC
//! \[31:26\], IL \[25\] = 1, ISS: CV \[24\], COND \[23:20\], then Opc2,
//! Opc1, CRn, Rt, CRm, Direction for EC 0x05; Opc1, Rt2, Rt, CRm,
//! Direction for 0x0C; imm8, Rn, Offset, AM, Direction for 0x06). It fills
//! an [`Access`] and encodes it with [`encode_esr`], so every field is
//! range-checked there and the result decodes back to the same access.
//!
//! # Register numbers
//!
//! A syndrome's Rt/Rt2/Rn is the AArch64 view of the AArch32 register the
//! instruction used (DDI 0487 D1.20.1 "Mapping of AArch32 registers to
//! AArch64": X0–X7 = R0–R7; X8–X12 = R8–R12 outside FIQ mode, X24–X28 in
//! FIQ mode; SP and LR per mode: X13/X14 User and System, X15 SP_hyp,
//! X16/X17 LR/SP_irq, X18/X19 svc, X20/X21 abt, X22/X23 und, X29/X30 fiq;
//! Hyp mode's R14 is LR_usr, X14). This crate's decoders report 31 for an
//! Rt of R15 (the `APSR_nzcv` form). [`aarch64_view`] and
//! [`guest_register`] convert one register; [`to_guest_numbering`] turns a
//! decoded syndrome into the access an A32/T32 word would have given, so a
//! VMM whose [`crate::emulate::GuestRegs`] numbers R0–R15 of the current
//! mode can feed syndromes to [`crate::emulate::step_access`] unchanged.
//! Monitor mode's SP and LR have no AArch64 view (there is no AArch32 EL3
//! under an AArch64 EL2).
//!
//! ```
//! use dbgregs::esr::{to_guest_numbering, EsrBuilder};
//! use dbgregs::decode::decode_esr;
//! use dbgregs::access::{Gpr, Operation};
//!
//! // MCR p14, 0, <r13>, c0, c0, 4 (DBGBVR0) from SVC mode: Rt = X19 (SP_svc).
//! let esr = EsrBuilder::mcr(0, 0, 0, 4).rt(19).build()?;
//! assert_eq!(esr, 0x1608_0260); // EC 0x05, IL, Opc2 = 4, Rt = 19, Direction = 0
//! let access = decode_esr(esr).unwrap();
//! let guest = to_guest_numbering(&access, 0x0000_01d3)?; // SVC, A32
//! assert_eq!(guest.rt(), Some(Gpr(13)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::access::{Access, AddressingMode, Condition, Direction, Gpr, Operation, Source};
use crate::encode::{encode_esr, EncodeError};
use crate::matching::Mode;
use crate::regmap::DebugRegister;

/// The AArch64 register number (0..=30) of AArch32 register `r` (0..=14)
/// as seen in `mode`, or 31 for R15; `None` for `r` > 15 and for Monitor
/// mode's R13/R14, which have no AArch64 view (DDI 0487 D1.20.1).
pub const fn aarch64_view(mode: Mode, r: u8) -> Option<u8> {
    Some(match r {
        0..=7 => r,
        8..=12 => {
            if matches!(mode, Mode::Fiq) {
                r + 16
            } else {
                r
            }
        }
        13 | 14 => {
            let (sp, lr) = match mode {
                Mode::User | Mode::System => (13, 14),
                Mode::Hyp => (15, 14),
                Mode::Irq => (17, 16),
                Mode::Supervisor => (19, 18),
                Mode::Abort => (21, 20),
                Mode::Undefined => (23, 22),
                Mode::Fiq => (29, 30),
                Mode::Monitor => return None,
            };
            if r == 13 {
                sp
            } else {
                lr
            }
        }
        15 => 31,
        _ => return None,
    })
}

/// The AArch32 register (R0–R15 of `mode`) whose AArch64 view is `x`
/// (0..=31, 31 = R15 as this crate's decoders report it); `None` when `x`
/// is a register `mode` cannot name (another mode's banked SP/LR/R8–R12).
pub const fn guest_register(mode: Mode, x: u8) -> Option<u8> {
    let mut r = 0;
    while r < 16 {
        if let Some(v) = aarch64_view(mode, r) {
            if v == x {
                return Some(r);
            }
        }
        r += 1;
    }
    None
}

/// Why a syndrome's registers cannot be renumbered for the guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum EsrError {
    /// The access was not decoded from a syndrome.
    #[error("the access is from {from:?}, not an ESR_EL2 syndrome")]
    NotFromSyndrome {
        /// Where it was decoded from.
        from: Source,
    },
    /// CPSR.M is a reserved encoding.
    #[error("CPSR {cpsr:#010x} has a reserved mode")]
    ReservedMode {
        /// The CPSR.
        cpsr: u32,
    },
    /// The syndrome names an AArch64 register the guest's mode cannot use:
    /// syndrome and CPSR disagree.
    #[error("syndrome register X{x} is not a register of {mode:?} mode")]
    NotInMode {
        /// The AArch64 register number.
        x: u8,
        /// The guest's mode.
        mode: Mode,
    },
}

/// `access`, decoded from a syndrome, as the guest's A32 (CPSR.T = 0) or
/// T32 instruction would have given it: every register number R0–R15 of
/// the mode in `cpsr`, and the source [`Source::A32`] or [`Source::T32`].
/// The condition is kept as the syndrome reported it.
///
/// # Errors
/// [`EsrError::NotFromSyndrome`], [`EsrError::ReservedMode`],
/// [`EsrError::NotInMode`].
pub fn to_guest_numbering(access: &Access, cpsr: u32) -> Result<Access, EsrError> {
    if !matches!(access.source, Source::Esr) {
        return Err(EsrError::NotFromSyndrome {
            from: access.source,
        });
    }
    let mode = Mode::from_cpsr_m(cpsr).ok_or(EsrError::ReservedMode { cpsr })?;
    let map = |g: Gpr| {
        guest_register(mode, g.0)
            .map(Gpr)
            .ok_or(EsrError::NotInMode { x: g.0, mode })
    };
    let operation = match access.operation {
        Operation::Transfer {
            opc1,
            crn,
            crm,
            opc2,
            rt,
        } => Operation::Transfer {
            opc1,
            crn,
            crm,
            opc2,
            rt: map(rt)?,
        },
        Operation::Transfer64 { opc1, crm, rt, rt2 } => Operation::Transfer64 {
            opc1,
            crm,
            rt: map(rt)?,
            rt2: map(rt2)?,
        },
        Operation::Memory {
            crd,
            rn,
            imm8,
            mode: am,
            add,
            long,
        } => Operation::Memory {
            crd,
            rn: match rn {
                Some(r) => Some(map(r)?),
                None => None,
            },
            imm8,
            mode: am,
            add,
            long,
        },
    };
    Ok(Access {
        source: if cpsr & (1 << 5) != 0 {
            Source::T32
        } else {
            Source::A32
        },
        operation,
        ..*access
    })
}

/// A CP14 trap syndrome under construction. Register numbers are AArch64
/// numbers (use [`aarch64_view`] for a guest register); the condition is
/// not valid (CV = 0) unless [`EsrBuilder::cond`] sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EsrBuilder {
    access: Access,
}

impl EsrBuilder {
    const fn new(direction: Direction, operation: Operation) -> EsrBuilder {
        EsrBuilder {
            access: Access {
                source: Source::Esr,
                direction,
                operation,
                condition: None,
                two: false,
            },
        }
    }

    const fn transfer(direction: Direction, opc1: u8, crn: u8, crm: u8, opc2: u8) -> EsrBuilder {
        EsrBuilder::new(
            direction,
            Operation::Transfer {
                opc1,
                crn,
                crm,
                opc2,
                rt: Gpr(0),
            },
        )
    }

    /// EC 0x05, Direction = 1: `MRC p14, opc1, X0, c<crn>, c<crm>, opc2`.
    pub const fn mrc(opc1: u8, crn: u8, crm: u8, opc2: u8) -> EsrBuilder {
        EsrBuilder::transfer(Direction::Read, opc1, crn, crm, opc2)
    }

    /// EC 0x05, Direction = 0: `MCR p14, opc1, X0, c<crn>, c<crm>, opc2`.
    pub const fn mcr(opc1: u8, crn: u8, crm: u8, opc2: u8) -> EsrBuilder {
        EsrBuilder::transfer(Direction::Write, opc1, crn, crm, opc2)
    }

    /// An MRC (`Read`) or MCR (`Write`) of `reg`, which must have a 32-bit
    /// encoding; `None` for the 64-bit views (DBGDRAR/DBGDSAR via MRRC).
    pub const fn access_register(reg: DebugRegister, direction: Direction) -> Option<EsrBuilder> {
        match reg.coordinates() {
            Some((crn, crm, opc2)) => Some(EsrBuilder::transfer(direction, 0, crn, crm, opc2)),
            None => None,
        }
    }

    /// EC 0x0C, Direction = 1: `MRRC p14, opc1, X0, X0, c<crm>`.
    pub const fn mrrc(opc1: u8, crm: u8) -> EsrBuilder {
        EsrBuilder::new(
            Direction::Read,
            Operation::Transfer64 {
                opc1,
                crm,
                rt: Gpr(0),
                rt2: Gpr(0),
            },
        )
    }

    /// EC 0x0C, Direction = 0: `MCRR p14, opc1, X0, X0, c<crm>`.
    pub const fn mcrr(opc1: u8, crm: u8) -> EsrBuilder {
        let mut b = EsrBuilder::mrrc(opc1, crm);
        b.access.direction = Direction::Write;
        b
    }

    const fn memory(
        direction: Direction,
        rn: Option<Gpr>,
        imm8: u8,
        mode: AddressingMode,
        add: bool,
    ) -> EsrBuilder {
        EsrBuilder::new(
            direction,
            Operation::Memory {
                crd: 5,
                rn,
                imm8,
                mode,
                add,
                long: false,
            },
        )
    }

    /// EC 0x06, Direction = 1: `LDC p14, c5, [X<rn>, ...]` (the DTR; a
    /// write of the register) with the addressing `mode` and offset
    /// `imm8` × 4 added (`add`) or subtracted.
    pub const fn ldc(rn: u8, imm8: u8, mode: AddressingMode, add: bool) -> EsrBuilder {
        EsrBuilder::memory(Direction::Write, Some(Gpr(rn)), imm8, mode, add)
    }

    /// EC 0x06, AM\[2\] = 1: the literal `LDC p14, c5, [PC, #±imm8*4]`
    /// (offset form; no Rn is reported).
    pub const fn ldc_literal(imm8: u8, add: bool) -> EsrBuilder {
        EsrBuilder::memory(Direction::Write, None, imm8, AddressingMode::Offset, add)
    }

    /// EC 0x06, Direction = 0: `STC p14, c5, [X<rn>, ...]` (a read of the
    /// register).
    pub const fn stc(rn: u8, imm8: u8, mode: AddressingMode, add: bool) -> EsrBuilder {
        EsrBuilder::memory(Direction::Read, Some(Gpr(rn)), imm8, mode, add)
    }

    /// Rt (MCR/MRC/MCRR/MRRC; ignored for LDC/STC), an AArch64 number.
    pub const fn rt(mut self, x: u8) -> EsrBuilder {
        match &mut self.access.operation {
            Operation::Transfer { rt, .. } | Operation::Transfer64 { rt, .. } => *rt = Gpr(x),
            Operation::Memory { .. } => {}
        }
        self
    }

    /// Rt2 (MCRR/MRRC only; ignored otherwise).
    pub const fn rt2(mut self, x: u8) -> EsrBuilder {
        if let Operation::Transfer64 { rt2, .. } = &mut self.access.operation {
            *rt2 = Gpr(x);
        }
        self
    }

    /// CV = 1 with COND = `cond` (an A32 condition code).
    pub const fn cond(mut self, cond: u8) -> EsrBuilder {
        self.access.condition = Some(Condition(cond));
        self
    }

    /// The access the syndrome will report.
    pub const fn access(&self) -> Access {
        self.access
    }

    /// The syndrome.
    ///
    /// # Errors
    /// An [`EncodeError`] naming a field out of range (Opc1 > 7 for MCR/MRC,
    /// a register > 31, COND > 15, ...) or a form a syndrome cannot report.
    pub fn build(self) -> Result<u64, EncodeError> {
        encode_esr(&self.access)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::decode::decode_esr;

    #[test]
    fn builder_fields_per_esr_el2() {
        // DDI 0487 D17.2.37: EC 0x05 << 26, IL << 25, CV 24, COND 23:20,
        // Opc2 19:17, Opc1 16:14, CRn 13:10, Rt 9:5, CRm 4:1, Direction 0.
        let esr = EsrBuilder::mrc(0, 0, 1, 0).rt(3).cond(0xE).build().unwrap();
        assert_eq!(
            esr,
            (0x05 << 26) | (1 << 25) | (1 << 24) | (0xE << 20) | (3 << 5) | (1 << 1) | 1
        );
        let esr = EsrBuilder::mcr(7, 15, 15, 7).rt(30).build().unwrap();
        assert_eq!(
            esr,
            (0x05 << 26) | (1 << 25) | (7 << 17) | (7 << 14) | (15 << 10) | (30 << 5) | (15 << 1)
        );
        // EC 0x0C: Opc1 19:16, Rt2 14:10, Rt 9:5, CRm 4:1.
        let esr = EsrBuilder::mrrc(0, 1).rt(2).rt2(4).build().unwrap();
        assert_eq!(
            esr,
            (0x0C << 26) | (1 << 25) | (4 << 10) | (2 << 5) | (1 << 1) | 1
        );
        assert_eq!(EsrBuilder::mcrr(0, 1).build().unwrap() & 1, 0);
        // EC 0x06: imm8 19:12, Rn 9:5, Offset 4, AM 3:1, Direction 0 (1 = LDC).
        let esr = EsrBuilder::ldc(1, 4, AddressingMode::PreIndexed, true)
            .build()
            .unwrap();
        assert_eq!(
            esr,
            (0x06 << 26) | (1 << 25) | (4 << 12) | (1 << 5) | (1 << 4) | (0b011 << 1) | 1
        );
        let esr = EsrBuilder::stc(2, 0, AddressingMode::Offset, false)
            .build()
            .unwrap();
        assert_eq!(esr, (0x06 << 26) | (1 << 25) | (2 << 5) | (0b010 << 1));
        let esr = EsrBuilder::ldc_literal(1, true).build().unwrap();
        assert_eq!(
            esr,
            (0x06 << 26) | (1 << 25) | (1 << 12) | (1 << 4) | (0b110 << 1) | 1
        );
    }

    #[test]
    fn builder_round_trips_and_checks_ranges() {
        for b in [
            EsrBuilder::mrc(0, 0, 5, 0).rt(7).cond(1),
            EsrBuilder::mcrr(0, 2).rt(1).rt2(2),
            EsrBuilder::stc(3, 1, AddressingMode::PostIndexed, false),
            EsrBuilder::access_register(DebugRegister::Dbgbcr(2), Direction::Write).unwrap(),
        ] {
            assert_eq!(decode_esr(b.build().unwrap()), Some(b.access()));
        }
        assert!(matches!(
            EsrBuilder::mrc(8, 0, 0, 0).build(),
            Err(EncodeError::FieldOutOfRange { field: "Opc1", .. })
        ));
        assert!(matches!(
            EsrBuilder::mcr(0, 0, 0, 0).rt(32).build(),
            Err(EncodeError::FieldOutOfRange { field: "Rt", .. })
        ));
        assert!(EsrBuilder::access_register(DebugRegister::Dbgdrar64, Direction::Read).is_none());
    }

    #[test]
    fn register_views_per_mode() {
        // DDI 0487 D1.20.1, the AArch32-to-AArch64 register mapping.
        let banked = [
            (Mode::User, 13, 14),
            (Mode::System, 13, 14),
            (Mode::Hyp, 15, 14),
            (Mode::Irq, 17, 16),
            (Mode::Supervisor, 19, 18),
            (Mode::Abort, 21, 20),
            (Mode::Undefined, 23, 22),
            (Mode::Fiq, 29, 30),
        ];
        for (mode, sp, lr) in banked {
            assert_eq!(aarch64_view(mode, 13), Some(sp));
            assert_eq!(aarch64_view(mode, 14), Some(lr));
            assert_eq!(aarch64_view(mode, 15), Some(31));
            assert_eq!(aarch64_view(mode, 3), Some(3));
            for r in 0..16 {
                let x = aarch64_view(mode, r).unwrap();
                assert_eq!(guest_register(mode, x), Some(r), "{mode:?} r{r}");
            }
        }
        assert_eq!(aarch64_view(Mode::Fiq, 8), Some(24));
        assert_eq!(aarch64_view(Mode::Fiq, 12), Some(28));
        assert_eq!(aarch64_view(Mode::Supervisor, 12), Some(12));
        assert_eq!(aarch64_view(Mode::Monitor, 13), None);
        assert_eq!(aarch64_view(Mode::User, 16), None);
        // SVC cannot name SP_irq; FIQ cannot name R8_usr.
        assert_eq!(guest_register(Mode::Supervisor, 17), None);
        assert_eq!(guest_register(Mode::Fiq, 8), None);
    }

    #[test]
    fn syndromes_renumbered_for_the_guest() {
        let svc_a32 = 0x0000_01d3;
        let irq_t32 = 0x0000_01b2;
        let a = decode_esr(EsrBuilder::mrrc(0, 1).rt(19).rt2(18).build().unwrap()).unwrap();
        let g = to_guest_numbering(&a, svc_a32).unwrap();
        assert_eq!(g.source, Source::A32);
        assert!(matches!(
            g.operation,
            Operation::Transfer64 {
                rt: Gpr(13),
                rt2: Gpr(14),
                ..
            }
        ));
        let a = decode_esr(
            EsrBuilder::stc(17, 0, AddressingMode::Offset, true)
                .build()
                .unwrap(),
        )
        .unwrap();
        let g = to_guest_numbering(&a, irq_t32).unwrap();
        assert_eq!(g.source, Source::T32);
        assert!(matches!(
            g.operation,
            Operation::Memory {
                rn: Some(Gpr(13)),
                ..
            }
        ));
        let a = decode_esr(EsrBuilder::mrc(0, 0, 1, 0).rt(31).build().unwrap()).unwrap();
        assert_eq!(to_guest_numbering(&a, svc_a32).unwrap().rt(), Some(Gpr(15)));
        assert_eq!(
            to_guest_numbering(&a, 0x15),
            Err(EsrError::ReservedMode { cpsr: 0x15 })
        );
        let a = decode_esr(EsrBuilder::mrc(0, 0, 1, 0).rt(17).build().unwrap()).unwrap();
        assert_eq!(
            to_guest_numbering(&a, svc_a32),
            Err(EsrError::NotInMode {
                x: 17,
                mode: Mode::Supervisor
            })
        );
        let word = crate::decode::decode_a32(0xee10_0e10).unwrap();
        assert_eq!(
            to_guest_numbering(&word, svc_a32),
            Err(EsrError::NotFromSyndrome { from: Source::A32 })
        );
    }

    #[test]
    fn renumbered_syndrome_steps_on_an_r0_r15_frame() {
        use crate::emulate::{step_access, SimpleGuest, StepOutcome};
        use crate::model::CoreModel;
        use crate::state::{DebugState, UnknownFill};
        let model = CoreModel::preset("cortex-a53").unwrap();
        let mut state = DebugState::cold_reset(model, UnknownFill::Zero);
        let mut g = SimpleGuest::svc(0x8000);
        g.regs[13] = 0x1234_5678; // SP_svc in the guest's R0-R15 frame
                                  // MCR p14, 0, SP, c0, c0, 4 (DBGBVR0) trapped from SVC: Rt = X19.
        let x = aarch64_view(Mode::Supervisor, 13).unwrap();
        let a = decode_esr(EsrBuilder::mcr(0, 0, 0, 4).rt(x).build().unwrap()).unwrap();
        let a = to_guest_numbering(&a, g.cpsr).unwrap();
        let out = step_access(model, &mut state, &mut g, &a);
        assert!(matches!(
            out,
            StepOutcome::Completed {
                value: 0x1234_5678,
                ..
            }
        ));
        assert_eq!(state.bvrs()[0], 0x1234_5678);
        assert_eq!(g.pc, 0x8004);
    }
}
