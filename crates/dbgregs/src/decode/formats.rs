//! The encodings as the Arm ARM draws them: one bitfield type per
//! instruction format and per syndrome layout, fields named as the manual
//! names them, declared from the most significant bit down (bit 31 on the
//! left, as in the manual's encoding diagrams and DDI 0487 D24.2.46, ESR_EL2 ISS encodings/DDI 0487 F5.1, MCR/MRC/LDC/STC).
//!
//! Only the decoders in [`super`] and the encoders in `encode` use
//! these; not every generated accessor is used by both, hence the
//! `dead_code` allowance for the generated setters.
#![allow(dead_code)]

use bitfield_struct::bitfield;

/// MCR/MRC (A1), MCR2/MRC2 (A2): `cond 1110 opc1 L CRn Rt coproc opc2 1 CRm`.
///
/// A composed T32 word (`hw1:hw2`) has the same layout below bit 28.
#[bitfield(u32, order = Msb)]
pub(crate) struct McrMrc {
    /// \[31:28\] `cond` (0b1111: the `2` form).
    #[bits(4)]
    pub cond: u8,
    /// \[27:24\] = 0b1110 for a coprocessor register transfer.
    #[bits(4)]
    pub op1: u8,
    /// \[23:21\] `opc1`.
    #[bits(3)]
    pub opc1: u8,
    /// \[20\] `L`: 1 = MRC (coprocessor to ARM register).
    pub l: bool,
    /// \[19:16\] `CRn`.
    #[bits(4)]
    pub crn: u8,
    /// \[15:12\] `Rt`.
    #[bits(4)]
    pub rt: u8,
    /// \[11:8\] `coproc`.
    #[bits(4)]
    pub coproc: u8,
    /// \[7:5\] `opc2`.
    #[bits(3)]
    pub opc2: u8,
    /// \[4\] = 1 for MCR/MRC (0 is CDP).
    pub op: bool,
    /// \[3:0\] `CRm`.
    #[bits(4)]
    pub crm: u8,
}

/// MCRR/MRRC (A1), MCRR2/MRRC2 (A2): `cond 1100010 L Rt2 Rt coproc opc1 CRm`.
#[bitfield(u32, order = Msb)]
pub(crate) struct McrrMrrc {
    /// \[31:28\] `cond`.
    #[bits(4)]
    pub cond: u8,
    /// \[27:21\] = 0b1100010.
    #[bits(7)]
    pub op1: u8,
    /// \[20\] `L`: 1 = MRRC.
    pub l: bool,
    /// \[19:16\] `Rt2` (high word).
    #[bits(4)]
    pub rt2: u8,
    /// \[15:12\] `Rt` (low word).
    #[bits(4)]
    pub rt: u8,
    /// \[11:8\] `coproc`.
    #[bits(4)]
    pub coproc: u8,
    /// \[7:4\] `opc1`.
    #[bits(4)]
    pub opc1: u8,
    /// \[3:0\] `CRm`.
    #[bits(4)]
    pub crm: u8,
}

/// LDC/STC (A1), LDC2/STC2 (A2): `cond 110 P U D W L Rn CRd coproc imm8`.
#[bitfield(u32, order = Msb)]
pub(crate) struct LdcStc {
    /// \[31:28\] `cond`.
    #[bits(4)]
    pub cond: u8,
    /// \[27:25\] = 0b110.
    #[bits(3)]
    pub op1: u8,
    /// \[24\] `P`: index before the transfer.
    pub p: bool,
    /// \[23\] `U`: add the offset.
    pub u: bool,
    /// \[22\] `D`: the long form.
    pub d: bool,
    /// \[21\] `W`: write back.
    pub w: bool,
    /// \[20\] `L`: 1 = LDC.
    pub l: bool,
    /// \[19:16\] `Rn`.
    #[bits(4)]
    pub rn: u8,
    /// \[15:12\] `CRd`.
    #[bits(4)]
    pub crd: u8,
    /// \[11:8\] `coproc`.
    #[bits(4)]
    pub coproc: u8,
    /// \[7:0\] `imm8`.
    #[bits(8)]
    pub imm8: u8,
}

/// `ESR_EL2` (Arm ARM D17.2.37): `[63:37] RES0, [36:32] ISS2, [31:26] EC,
/// [25] IL, [24:0] ISS`.
#[bitfield(u64, order = Msb)]
pub(crate) struct EsrEl2 {
    /// \[63:32\] ISS2 and RES0; nothing for the CP14 exception classes.
    #[bits(32)]
    pub iss2: u32,
    /// \[31:26\] `EC`, the exception class.
    #[bits(6)]
    pub ec: u8,
    /// \[25\] `IL`: 1 = 32-bit instruction.
    pub il: bool,
    /// \[24:0\] `ISS`.
    #[bits(25)]
    pub iss: u32,
}

/// ISS of EC 0x05 (MCR/MRC coproc 14; same layout as EC 0x03).
#[bitfield(u32, order = Msb)]
pub(crate) struct IssMcrMrc {
    /// \[31:25\] outside the ISS.
    #[bits(7)]
    pub __: u8,
    /// \[24\] `CV`: `COND` is valid.
    pub cv: bool,
    /// \[23:20\] `COND`.
    #[bits(4)]
    pub cond: u8,
    /// \[19:17\] `Opc2`.
    #[bits(3)]
    pub opc2: u8,
    /// \[16:14\] `Opc1`.
    #[bits(3)]
    pub opc1: u8,
    /// \[13:10\] `CRn`.
    #[bits(4)]
    pub crn: u8,
    /// \[9:5\] `Rt` (AArch64 register number).
    #[bits(5)]
    pub rt: u8,
    /// \[4:1\] `CRm`.
    #[bits(4)]
    pub crm: u8,
    /// \[0\] `Direction`: 1 = read (MRC).
    pub direction: bool,
}

/// ISS of EC 0x0C (MCRR/MRRC coproc 14; same layout as EC 0x04).
#[bitfield(u32, order = Msb)]
pub(crate) struct IssMcrrMrrc {
    /// \[31:25\] outside the ISS.
    #[bits(7)]
    pub __: u8,
    /// \[24\] `CV`.
    pub cv: bool,
    /// \[23:20\] `COND`.
    #[bits(4)]
    pub cond: u8,
    /// \[19:16\] `Opc1`.
    #[bits(4)]
    pub opc1: u8,
    /// \[15\] RES0.
    pub res0: bool,
    /// \[14:10\] `Rt2`.
    #[bits(5)]
    pub rt2: u8,
    /// \[9:5\] `Rt`.
    #[bits(5)]
    pub rt: u8,
    /// \[4:1\] `CRm`.
    #[bits(4)]
    pub crm: u8,
    /// \[0\] `Direction`: 1 = read (MRRC).
    pub direction: bool,
}

/// ISS of EC 0x06 (LDC/STC coproc 14).
#[bitfield(u32, order = Msb)]
pub(crate) struct IssLdcStc {
    /// \[31:25\] outside the ISS.
    #[bits(7)]
    pub __: u8,
    /// \[24\] `CV`.
    pub cv: bool,
    /// \[23:20\] `COND`.
    #[bits(4)]
    pub cond: u8,
    /// \[19:12\] `imm8`.
    #[bits(8)]
    pub imm8: u8,
    /// \[11:10\] RES0.
    #[bits(2)]
    pub res0: u8,
    /// \[9:5\] `Rn` (UNKNOWN for the literal forms).
    #[bits(5)]
    pub rn: u8,
    /// \[4\] `Offset`: 1 = add (`U`).
    pub offset: bool,
    /// \[3:1\] `AM`: `AM[2]` = literal, `AM[1:0]` = `{P, W}`.
    #[bits(3)]
    pub am: u8,
    /// \[0\] `Direction`: 1 = read from memory (LDC), 0 = write to memory
    /// (STC).
    pub direction: bool,
}
