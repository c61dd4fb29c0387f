//! UAL text of an [`Access`]: `mrc p14, 0, r0, c0, c0, 0`.
//!
//! The rendering follows the Arm ARM's UAL syntax in lower case, the way
//! disassemblers print it:
//!
//! * mnemonic, then `2` for the unconditional forms, then `l` for LDC/STC
//!   with D = 1, then the condition suffix (none for `AL`, for T32, for a
//!   syndrome with CV = 0, and for the `2` forms): `mrceq`, `ldc2l`,
//!   `stcleq`;
//! * registers of an A32/T32 access are `r0`..`r12`, `sp`, `lr`, `pc`; the
//!   MRC destination 15 is `APSR_nzcv`;
//! * registers of a syndrome ([`Source::Esr`]) are the AArch64 numbers the
//!   syndrome reports, `x0`..`x30`; 31, which the syndrome reports for the
//!   AArch32 R15, is printed as R15 is (`APSR_nzcv` as an MRC destination,
//!   `pc` otherwise), and so is the base of a literal LDC (`rn: None`);
//! * LDC/STC offsets are `#imm8×4` with a `-` when U = 0 and are always
//!   printed (`[r0, #0]`, so that U = 0 stays visible as `#-0`); the
//!   unindexed form prints its option as `{imm8}`.

use core::fmt;

use crate::access::{Access, AddressingMode, Direction, Gpr, Operation, Source};

/// A general-purpose register as the access's source numbers it.
struct Reg {
    gpr: Gpr,
    source: Source,
    /// Print R15 as `APSR_nzcv` (the MRC destination).
    apsr: bool,
}

impl Reg {
    /// Whether this is the R15 view of the source (15 for A32/T32, 31 for a
    /// syndrome).
    const fn is_r15(&self) -> bool {
        self.gpr.0 == r15(self.source)
    }
}

/// The number a source gives R15.
const fn r15(source: Source) -> u8 {
    match source {
        Source::A32 | Source::T32 => 15,
        Source::Esr => 31,
    }
}

impl fmt::Display for Reg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_r15() {
            return f.write_str(if self.apsr { "APSR_nzcv" } else { "pc" });
        }
        let n = self.gpr.0;
        match self.source {
            Source::Esr => write!(f, "x{n}"),
            Source::A32 | Source::T32 => match n {
                13 => f.write_str("sp"),
                14 => f.write_str("lr"),
                _ => write!(f, "r{n}"),
            },
        }
    }
}

impl fmt::Display for Access {
    /// The UAL assembly text, e.g. `mrceq p14, 0, r5, c1, c1, 4` or
    /// `stc p14, c5, [r1, #-8]!`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let read = matches!(self.direction, Direction::Read);
        let (mnemonic, long) = match self.operation {
            Operation::Transfer { .. } => (if read { "mrc" } else { "mcr" }, false),
            Operation::Transfer64 { .. } => (if read { "mrrc" } else { "mcrr" }, false),
            // STC reads the register (stores it), LDC writes it.
            Operation::Memory { long, .. } => (if read { "stc" } else { "ldc" }, long),
        };
        f.write_str(mnemonic)?;
        if self.two {
            f.write_str("2")?;
        }
        if long {
            f.write_str("l")?;
        }
        if let (Some(cond), false) = (self.condition, self.two) {
            f.write_str(cond.suffix())?;
        }
        let reg = |gpr, apsr| Reg {
            gpr,
            source: self.source,
            apsr,
        };
        match self.operation {
            Operation::Transfer {
                opc1,
                crn,
                crm,
                opc2,
                rt,
            } => write!(f, " p14, {opc1}, {}, c{crn}, c{crm}, {opc2}", reg(rt, read)),
            Operation::Transfer64 { opc1, crm, rt, rt2 } => {
                write!(
                    f,
                    " p14, {opc1}, {}, {}, c{crm}",
                    reg(rt, false),
                    reg(rt2, false)
                )
            }
            Operation::Memory {
                crd,
                rn,
                imm8,
                mode,
                add,
                ..
            } => {
                // A literal form of a syndrome reports no base: it is PC.
                let base = match rn {
                    Some(gpr) => reg(gpr, false),
                    None => reg(Gpr(r15(self.source)), false),
                };
                let sign = if add { "" } else { "-" };
                let offset = imm8 as u32 * 4;
                write!(f, " p14, c{crd}, [{base}")?;
                match mode {
                    AddressingMode::Unindexed => write!(f, "], {{{imm8}}}"),
                    AddressingMode::PostIndexed => write!(f, "], #{sign}{offset}"),
                    AddressingMode::Offset => write!(f, ", #{sign}{offset}]"),
                    AddressingMode::PreIndexed => write!(f, ", #{sign}{offset}]!"),
                }
            }
        }
    }
}
