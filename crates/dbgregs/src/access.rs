//! The trapped coprocessor-14 access, as plain data.
//!
//! Every decoder in `decode` (A32 word, T32 halfword pair, AArch64
//! ESR_EL2 syndrome) produces the same [`Access`]. It carries exactly what the
//! instruction (or the syndrome) says and nothing the register file would
//! have to supply; which debug register it names is `regmap`'s job,
//! and what happens when it executes is `semantics`'s.

/// Where an [`Access`] was decoded from. Decides the instruction size the PC
/// advances by and how [`Gpr`] numbers are to be read.
// T32 is declared first (discriminant 0, A32 1) for codegen only: the
// source of a decoded A32/T32 word then equals the tag of its `condition`
// (`Some` for A32, `None` for T32), so that a decode loop keeps one value
// for both bytes instead of two. No discriminant is part of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// A 32-bit T32 (Thumb state) instruction, first halfword in bits
    /// \[31:16\]: 4 bytes, `Gpr` is R0..R15.
    T32,
    /// An A32 (ARM state) instruction word: 4 bytes, `Gpr` is R0..R15.
    A32,
    /// An AArch64 `ESR_EL2` syndrome (EC 0x05, 0x06 or 0x0C): the guest
    /// instruction was 32 bits long (IL = 1) and `Gpr` is the AArch64 view
    /// X0..X30 of the banked AArch32 register (Arm ARM D1.10.1.1).
    Esr,
}

impl Source {
    /// Size in bytes of the trapped instruction (always 4: every CP14
    /// transfer is a 32-bit encoding in both instruction sets).
    pub const fn instruction_size(self) -> u32 {
        4
    }
}

/// Direction of the transfer, seen from the debug register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// The register is read: MRC, MRRC, and STC (coprocessor to memory).
    Read,
    /// The register is written: MCR, MCRR, and LDC (memory to coprocessor).
    Write,
}

/// A general-purpose register operand as the trap source numbers it.
///
/// For [`Source::A32`] and [`Source::T32`] this is R0..R15 (15 = PC, or
/// `APSR_nzcv` for an MRC). For [`Source::Esr`] it is the AArch64 register
/// number 0..=31 reported in the syndrome; 31 is what the syndrome reports
/// for an AArch32 Rt of 15.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Gpr(pub u8);

/// An A32 condition code (`cond` field, 0..=15).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Condition(pub u8);

impl Condition {
    /// `AL`, always: what an unconditional A32 instruction and a syndrome of
    /// an unconditional instruction report.
    pub const AL: Condition = Condition(0b1110);

    /// The UAL suffix (`eq`, `ne`, ... ; empty for `AL`; `nv` for 0b1111,
    /// which only the `2` forms use and which is never printed for them).
    pub const fn suffix(self) -> &'static str {
        match self.0 & 0xF {
            0 => "eq",
            1 => "ne",
            2 => "cs",
            3 => "cc",
            4 => "mi",
            5 => "pl",
            6 => "vs",
            7 => "vc",
            8 => "hi",
            9 => "ls",
            10 => "ge",
            11 => "lt",
            12 => "gt",
            13 => "le",
            14 => "",
            _ => "nv",
        }
    }

    /// Whether the condition passes for the APSR flags in `nzcv`
    /// (N in bit 3, Z bit 2, C bit 1, V bit 0), per the Arm ARM
    /// `ConditionHolds()` pseudocode. `AL` and 0b1111 always pass.
    pub const fn holds(self, nzcv: u8) -> bool {
        let n = nzcv & 8 != 0;
        let z = nzcv & 4 != 0;
        let c = nzcv & 2 != 0;
        let v = nzcv & 1 != 0;
        let base = match (self.0 >> 1) & 7 {
            0 => z,
            1 => c,
            2 => n,
            3 => v,
            4 => c && !z,
            5 => n == v,
            6 => n == v && !z,
            _ => true,
        };
        if self.0 & 1 == 1 && self.0 != 0b1111 {
            !base
        } else {
            base
        }
    }
}

/// The operation and its operands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// MCR/MRC (and MCR2/MRC2): a 32-bit register transfer.
    Transfer {
        /// `opc1`, 0..=7 (0 for every debug register).
        opc1: u8,
        /// `CRn`, 0..=15.
        crn: u8,
        /// `CRm`, 0..=15.
        crm: u8,
        /// `opc2`, 0..=7.
        opc2: u8,
        /// `Rt`.
        rt: Gpr,
    },
    /// MCRR/MRRC (and the `2` forms): a 64-bit transfer; low word in `rt`,
    /// high word in `rt2`.
    Transfer64 {
        /// `opc1`, 0..=15.
        opc1: u8,
        /// `CRm`, 0..=15.
        crm: u8,
        /// `Rt` (low word).
        rt: Gpr,
        /// `Rt2` (high word).
        rt2: Gpr,
    },
    /// LDC/STC (and the `2` forms): a memory transfer to or from `CRd`.
    Memory {
        /// `CRd`, 0..=15 (5 = the DTR, the only architected debug use).
        crd: u8,
        /// Base register `Rn`; `None` when a syndrome does not report it
        /// (the literal forms, AM\[2\] = 1).
        rn: Option<Gpr>,
        /// `imm8` (offset = imm8 × 4; the unindexed form's option value).
        imm8: u8,
        /// Addressing mode.
        mode: AddressingMode,
        /// `U`: the offset is added (true) or subtracted.
        add: bool,
        /// `D` (bit 22): the "long" form. Always false in a syndrome.
        long: bool,
    },
}

/// The LDC/STC addressing mode (the P and W bits, plus the literal forms).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddressingMode {
    /// `[Rn], {option}`: P = 0, W = 0, U = 1.
    Unindexed,
    /// `[Rn], #±imm`: P = 0, W = 1.
    PostIndexed,
    /// `[Rn, #±imm]`: P = 1, W = 0.
    Offset,
    /// `[Rn, #±imm]!`: P = 1, W = 1.
    PreIndexed,
}

/// One trapped coprocessor-14 access: what the guest asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Access {
    /// Where it was decoded from.
    pub source: Source,
    /// Read or write, from the register's side.
    pub direction: Direction,
    /// The operation and its operands.
    pub operation: Operation,
    /// The condition: `Some` for A32 (the `cond` field; `AL` for the `2`
    /// forms) and for a syndrome with CV = 1; `None` for T32 (conditional
    /// only through the IT state) and for a syndrome with CV = 0.
    pub condition: Option<Condition>,
    /// The unconditional `2` forms (MCR2, MRC2, MCRR2, MRRC2, LDC2, STC2):
    /// A32 cond = 0b1111, T32 first-halfword bit 12 set. Never true for a
    /// syndrome (the architecture does not trap them as CP14 accesses).
    pub two: bool,
}

impl Access {
    /// The `Rt` operand of a 32- or 64-bit register transfer.
    pub const fn rt(&self) -> Option<Gpr> {
        match self.operation {
            Operation::Transfer { rt, .. } | Operation::Transfer64 { rt, .. } => Some(rt),
            Operation::Memory { .. } => None,
        }
    }
}
