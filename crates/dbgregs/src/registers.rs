//! Register layouts as typed bitfields, one type per register, fields named
//! as the Arm ARM names them (DDI 0406C.d C11 "The Debug Registers"; DDI 0487 G8.3). These are plain data: which bits a
//! given core implements and what an access does is decided in
//! `semantics`.
#![allow(clippy::struct_excessive_bools)]

use bitfield_struct::bitfield;

/// DBGDIDR, Debug ID Register (v6, v6.1, v7, v7.1, v8; DDI 0406C.d C11, DBGDIDR).
#[bitfield(u32)]
#[derive(PartialEq, Eq)]
pub struct Dbgdidr {
    /// Revision: MIDR\[3:0\] (v6–v7.1); RES0 in v8.
    #[bits(4)]
    pub revision: u8,
    /// Variant: MIDR\[23:20\] (v6–v7.1); RES0 in v8.
    #[bits(4)]
    pub variant: u8,
    /// Bits \[11:8\], RAZ / RES0.
    #[bits(4)]
    __: u8,
    /// SE_imp: Security Extensions (v7+) / EL3 (v8) implemented.
    pub se_imp: bool,
    /// PCSR_imp: DBGPCSR at register 33 (v7.1); RES0 in v8.
    pub pcsr_imp: bool,
    /// nSUHD_imp: Secure User halting debug not implemented (v7.1, v8).
    pub nsuhd_imp: bool,
    /// DEVID_imp: DBGDEVID implemented (v7); RAO in v7.1, RES1 in v8.
    pub devid_imp: bool,
    /// Version: the debug architecture code ([`crate::version::DebugVersion`]).
    #[bits(4)]
    pub version: u8,
    /// CTX_CMPs: context-matching BRPs − 1.
    #[bits(4)]
    pub ctx_cmps: u8,
    /// BRPs: breakpoint register pairs − 1.
    #[bits(4)]
    pub brps: u8,
    /// WRPs: watchpoint register pairs − 1.
    #[bits(4)]
    pub wrps: u8,
}

/// DBGDSCR, Debug Status and Control Register, v6/v6.1 DSCR and v7/v7.1
/// layout (ARM1136/ARM1176 TRMs, Cortex-A5/R4/R5 TRMs; DDI 0406C.d C11, DBGDSCR; DDI 0487 G8.3, DBGDSCRext).
///
/// v6 names: bit 14 is the mode select (0 monitor, 1 halting), bit 12 the
/// "user access to comms channel disable"; the positions are the same.
#[bitfield(u32)]
#[derive(PartialEq, Eq)]
pub struct Dbgdscr {
    /// HALTED: the processor is in Debug state.
    pub halted: bool,
    /// RESTARTED: the processor has exited Debug state.
    pub restarted: bool,
    /// MOE: method of debug entry.
    #[bits(4)]
    pub moe: u8,
    /// SDABORT_l: sticky synchronous data abort.
    pub sdabort_l: bool,
    /// ADABORT_l: sticky asynchronous abort.
    pub adabort_l: bool,
    /// UND_l: sticky undefined instruction.
    pub und_l: bool,
    /// Bit 9 (v7.0 DBGnoPWRDWN, unverified; reserved on R4).
    pub dbgnopwrdwn: bool,
    /// DBGack: force debug acknowledge.
    pub dbgack: bool,
    /// INTdis: interrupts disable.
    pub intdis: bool,
    /// UDCCdis: User mode access to the DCC (and the PL0-capable debug
    /// registers) disabled.
    pub udccdis: bool,
    /// ITRen: execute-instruction (DBGITR) enable.
    pub itren: bool,
    /// HDBGen: halting debug-mode enable (v6: mode select).
    pub hdbgen: bool,
    /// MDBGen: monitor debug-mode enable.
    pub mdbgen: bool,
    /// SPIDdis: Secure privileged invasive debug disabled.
    pub spiddis: bool,
    /// SPNIDdis: Secure privileged non-invasive debug disabled.
    pub spniddis: bool,
    /// NS: the processor is in Non-secure state.
    pub ns: bool,
    /// ADAdiscard: asynchronous aborts discarded.
    pub adadiscard: bool,
    /// ExtDCCmode: external DCC access mode.
    #[bits(2)]
    pub extdccmode: u8,
    /// Bits \[23:22\], reserved.
    #[bits(2)]
    __: u8,
    /// InstrCompl_l: instruction complete.
    pub instrcompl_l: bool,
    /// PipeAdv: sticky pipeline advance.
    pub pipeadv: bool,
    /// TXfull_l: latched TXfull.
    pub txfull_l: bool,
    /// RXfull_l: latched RXfull.
    pub rxfull_l: bool,
    /// Bit 28, reserved.
    __r28: bool,
    /// TXfull: DBGDTRTX full.
    pub txfull: bool,
    /// RXfull: DBGDTRRX full.
    pub rxfull: bool,
    /// Bit 31, reserved.
    __r31: bool,
}

impl Dbgdscr {
    /// HDBGen / v6 mode select (bit 14).
    pub const HDBGEN: u32 = Dbgdscr::new().with_hdbgen(true).into_bits();
    /// MDBGen (bit 15).
    pub const MDBGEN: u32 = Dbgdscr::new().with_mdbgen(true).into_bits();
    /// UDCCdis (bit 12).
    pub const UDCCDIS: u32 = Dbgdscr::new().with_udccdis(true).into_bits();
    /// RXfull (bit 30).
    pub const RXFULL: u32 = Dbgdscr::new().with_rxfull(true).into_bits();
    /// TXfull (bit 29).
    pub const TXFULL: u32 = Dbgdscr::new().with_txfull(true).into_bits();
    /// NS (bit 18).
    pub const NS: u32 = Dbgdscr::new().with_ns(true).into_bits();
    /// RESTARTED (bit 1).
    pub const RESTARTED: u32 = Dbgdscr::new().with_restarted(true).into_bits();
    /// MOE (bits \[5:2\]).
    pub const MOE: u32 = Dbgdscr::new().with_moe(0xF).into_bits();
    /// The bits a v7.1 CP14 write to DBGDSCRext may change while the OS
    /// Lock is set: the bits the Krait/MSM8960 save/restore code restores
    /// (Code Aurora `arch/arm/mach-msm/jtag.c`); DDI 0406C.d C11, DBGDSCR
    /// lists the fields.
    pub const V7_1_OS_LOCK_WRITABLE: u32 = 0x6C30_FC3C;
    /// The DBGDSCRint view of the v6/v7 register: everything but the
    /// latched and pipeline bits \[28:19\] (DDI 0406C.d C11, DBGDSCR).
    pub const V7_INT_VIEW: u32 = 0x6007_FFFF;
}

/// DBGDSCRext / DBGDSCRint, Armv8 AArch32 layout (ARMv8-ARM G8.3.14/15;
/// DDI 0406C.d C11, DBGDSCR; DDI 0487 G8.3, DBGDSCRext).
#[bitfield(u32)]
#[derive(PartialEq, Eq)]
pub struct DbgdscrV8 {
    /// Bits \[1:0\], RES0.
    #[bits(2)]
    __: u8,
    /// MOE: method of debug entry.
    #[bits(4)]
    pub moe: u8,
    /// ERR: cumulative error flag.
    pub err: bool,
    /// Bits \[11:7\], RES0.
    #[bits(5)]
    __: u8,
    /// UDCCdis: traps EL0 access to the DCC and the PL0-capable registers.
    pub udccdis: bool,
    /// Bit 13, RES0.
    __r13: bool,
    /// HDE: halting debug enable (save/restore view of EDSCR.HDE).
    pub hde: bool,
    /// MDBGen: monitor debug events enable.
    pub mdbgen: bool,
    /// SPIDdis.
    pub spiddis: bool,
    /// SPNIDdis.
    pub spniddis: bool,
    /// NS: Non-secure state.
    pub ns: bool,
    /// SC2: sample CONTEXTIDR_EL2 with the PC.
    pub sc2: bool,
    /// Bit 20, RES0.
    __r20: bool,
    /// TDA: trap debug register accesses (save/restore view of EDSCR.TDA).
    pub tda: bool,
    /// INTdis: external interrupt disable.
    #[bits(2)]
    pub intdis: u8,
    /// Bits \[25:24\], RES0.
    #[bits(2)]
    __: u8,
    /// TXU: DTRTX underrun.
    pub txu: bool,
    /// RXO: DTRRX overrun.
    pub rxo: bool,
    /// Bit 28, RES0.
    __r28: bool,
    /// TXfull.
    pub txfull: bool,
    /// RXfull.
    pub rxfull: bool,
    /// TFO: trace filter override (FEAT_TRF).
    pub tfo: bool,
}

impl DbgdscrV8 {
    /// The bits an Armv8 AArch32 CP14 write to DBGDSCRext may change while
    /// the OS Lock is set (DDI 0487 G8.3.15 "DBGDSCRext").
    pub const OS_LOCK_WRITABLE: u32 = 0x6CE0_D07C;
    /// The DBGDSCRint view (DDI 0487 G8.3.14 "DBGDSCRint").
    pub const INT_VIEW: u32 = 0x6007_903C;
}

/// DBGBCRn, Breakpoint Control Register (all versions; DDI 0406C.d C11, DBGBCR; DDI 0487 G8.3, DBGBCR). v6/v6.1
/// hold the same 3-bit type split as \[22:21\] meaning and \[20\] link
/// enable, which is `bt[2:0]` here.
#[bitfield(u32)]
#[derive(PartialEq, Eq)]
pub struct Dbgbcr {
    /// E: breakpoint enable.
    pub e: bool,
    /// PMC: privileged mode control (v6 "supervisor access").
    #[bits(2)]
    pub pmc: u8,
    /// Bits \[4:3\], reserved.
    #[bits(2)]
    __: u8,
    /// BAS: byte address select.
    #[bits(4)]
    pub bas: u8,
    /// Bits \[12:9\], reserved.
    #[bits(4)]
    __: u8,
    /// HMC: Hyp mode control (Virtualization Extensions / EL2).
    pub hmc: bool,
    /// SSC: Security state control (Security Extensions / EL3).
    #[bits(2)]
    pub ssc: u8,
    /// LBN: linked BRP number.
    #[bits(4)]
    pub lbn: u8,
    /// BT: breakpoint type (bit 3 only with the Virtualization Extensions).
    #[bits(4)]
    pub bt: u8,
    /// MASK: instruction address range mask (v7, optional; RES0 in v8).
    #[bits(5)]
    pub mask: u8,
    /// Bits \[31:29\], reserved.
    #[bits(3)]
    __: u8,
}

/// DBGWCRn, Watchpoint Control Register (all versions; DDI 0406C.d C11, DBGWCR; DDI 0487 G8.3, DBGWCR).
#[bitfield(u32)]
#[derive(PartialEq, Eq)]
pub struct Dbgwcr {
    /// E: watchpoint enable.
    pub e: bool,
    /// PAC: privileged access control.
    #[bits(2)]
    pub pac: u8,
    /// LSC: load/store access control (01 load, 10 store, 11 both).
    #[bits(2)]
    pub lsc: u8,
    /// BAS: byte address select; bits \[7:4\] only with the 8-byte BAS.
    #[bits(8)]
    pub bas: u8,
    /// HMC: Hyp mode control.
    pub hmc: bool,
    /// SSC: Security state control.
    #[bits(2)]
    pub ssc: u8,
    /// LBN: linked BRP number.
    #[bits(4)]
    pub lbn: u8,
    /// WT: watchpoint type (0 unlinked, 1 linked; v6 "enable linking").
    pub wt: bool,
    /// Bits \[23:21\], reserved.
    #[bits(3)]
    __: u8,
    /// MASK: data address range mask (v7 optional, v8).
    #[bits(5)]
    pub mask: u8,
    /// Bits \[31:29\], reserved.
    #[bits(3)]
    __: u8,
}

/// DBGBXVRn, Breakpoint Extended Value Register, as this crate stores it
/// (v7.1 with the Virtualization Extensions, v8 with EL2; DDI 0406C.d C11, DBGBVR and DBGBXVR): only
/// VMID\[7:0\]. With an AArch32 EL2 the CONTEXTIDR_EL2 types (BT = 11xx) are
/// reserved, so \[31:8\] is RES0.
#[bitfield(u32)]
#[derive(PartialEq, Eq)]
pub struct Dbgbxvr {
    /// VMID\[7:0\], compared with VTTBR.VMID.
    #[bits(8)]
    pub vmid: u8,
    /// Bits \[31:8\], RES0.
    #[bits(24)]
    __: u32,
}

/// DBGVCR, Vector Catch Register (v6, v6.1, v7-full, v7.1, v8; DDI 0406C.d C11, DBGVCR; DDI 0487 G8.3, DBGVCR),
/// layout with the Security Extensions. Without them only the Secure-named
/// bits \[7:1\] exist, meaning the single vector table.
#[bitfield(u32)]
#[derive(PartialEq, Eq)]
pub struct Dbgvcr {
    /// Reset vector catch (v6/v7; RES0 in v8).
    pub r: bool,
    /// SU: Secure (or only) Undefined Instruction vector catch.
    pub su: bool,
    /// SS: Secure SVC vector catch.
    pub ss: bool,
    /// SP: Secure Prefetch Abort vector catch.
    pub sp: bool,
    /// SD: Secure Data Abort vector catch.
    pub sd: bool,
    /// Bit 5, RES0.
    __r5: bool,
    /// SI: Secure IRQ vector catch.
    pub si: bool,
    /// SF: Secure FIQ vector catch.
    pub sf: bool,
    /// Bits \[9:8\], RES0.
    #[bits(2)]
    __: u8,
    /// MS: Monitor SMC vector catch.
    pub ms: bool,
    /// MP: Monitor Prefetch Abort vector catch.
    pub mp: bool,
    /// MD: Monitor Data Abort vector catch.
    pub md: bool,
    /// Bit 13, RES0.
    __r13: bool,
    /// MI: Monitor IRQ vector catch.
    pub mi: bool,
    /// MF: Monitor FIQ vector catch.
    pub mf: bool,
    /// Bits \[24:16\], RES0.
    #[bits(9)]
    __: u16,
    /// NSU: Non-secure Undefined Instruction vector catch.
    pub nsu: bool,
    /// NSS: Non-secure SVC vector catch.
    pub nss: bool,
    /// NSP: Non-secure Prefetch Abort vector catch.
    pub nsp: bool,
    /// NSD: Non-secure Data Abort vector catch.
    pub nsd: bool,
    /// Bit 29, RES0.
    __r29: bool,
    /// NSI: Non-secure IRQ vector catch.
    pub nsi: bool,
    /// NSF: Non-secure FIQ vector catch.
    pub nsf: bool,
}

/// DBGOSLSR, OS Lock Status Register (v7-full, v7.1, v8; DDI 0406C.d C11, DBGOSLSR and DBGOSDLR; DDI 0487 G8.3).
#[bitfield(u32)]
#[derive(PartialEq, Eq)]
pub struct Dbgoslsr {
    /// OSLM\[0\].
    pub oslm0: bool,
    /// OSLK: the OS Lock is set.
    pub oslk: bool,
    /// nTT: not 32-bit access (always 0).
    pub ntt: bool,
    /// OSLM\[1\] (v7.1+).
    pub oslm1: bool,
    /// Bits \[31:4\], RES0.
    #[bits(28)]
    __: u32,
}

/// DBGOSDLR, OS Double Lock Register (v7.1, v8; DDI 0406C.d C11, DBGOSLSR and DBGOSDLR; DDI 0487 G8.3).
#[bitfield(u32)]
#[derive(PartialEq, Eq)]
pub struct Dbgosdlr {
    /// DLK: OS Double Lock control.
    pub dlk: bool,
    /// Bits \[31:1\], RES0.
    #[bits(31)]
    __: u32,
}

/// DBGPRCR, Device Power-down and Reset Control Register (v7-full, v7.1,
/// v8 with only CORENPDRQ; DDI 0406C.d C11, DBGPRCR and DBGPRSR; bits \[3:1\] unverified).
#[bitfield(u32)]
#[derive(PartialEq, Eq)]
pub struct Dbgprcr {
    /// CORENPDRQ: core no power-down request.
    pub corenpdrq: bool,
    /// CWRR: core warm reset request (v7, write-only).
    pub cwrr: bool,
    /// HCWR: hold core warm reset (v7).
    pub hcwr: bool,
    /// COREPURQ: core power-up request (v7.1).
    pub corepurq: bool,
    /// Bits \[31:4\], reserved.
    #[bits(28)]
    __: u32,
}

/// DBGPRSR, Device Power-down and Reset Status Register (v7-full, v7.1;
/// DDI 0406C.d C11, DBGPRCR and DBGPRSR; the v7.1 bits \[6:4\] are placed as in the v8 EDPRSR).
#[bitfield(u32)]
#[derive(PartialEq, Eq)]
pub struct Dbgprsr {
    /// PU: the core power domain is powered up.
    pub pu: bool,
    /// SPD: sticky power-down status (cleared by a read while powered up).
    pub spd: bool,
    /// R: the core is in reset.
    pub r: bool,
    /// SR: sticky reset status (cleared by a read).
    pub sr: bool,
    /// HALTED (v7.1).
    pub halted: bool,
    /// OSLK: OS Lock status (v7.1).
    pub oslk: bool,
    /// DLK: OS Double Lock status (v7.1).
    pub dlk: bool,
    /// Bits \[31:7\], reserved.
    #[bits(25)]
    __: u32,
}

/// DBGAUTHSTATUS, Authentication Status Register (v7.1, v8; DDI 0406C.d C11, DBGAUTHSTATUS).
#[bitfield(u32)]
#[derive(PartialEq, Eq)]
pub struct Dbgauthstatus {
    /// NSID: Non-secure invasive debug.
    #[bits(2)]
    pub nsid: u8,
    /// NSNID: Non-secure non-invasive debug.
    #[bits(2)]
    pub nsnid: u8,
    /// SID: Secure invasive debug.
    #[bits(2)]
    pub sid: u8,
    /// SNID: Secure non-invasive debug.
    #[bits(2)]
    pub snid: u8,
    /// Bits \[31:8\], RES0.
    #[bits(24)]
    __: u32,
}

/// DBGDEVID, Debug Device ID Register 0 (v7 when `DBGDIDR.DEVID_imp`, v7.1,
/// v8; DDI 0406C.d C11, DBGDEVID; DDI 0487 G8.3, DBGDEVID1).
#[bitfield(u32)]
#[derive(PartialEq, Eq)]
pub struct Dbgdevid {
    /// PCSample: PC sample-based profiling.
    #[bits(4)]
    pub pcsample: u8,
    /// WPAddrMask: watchpoint address mask (1 = implemented).
    #[bits(4)]
    pub wpaddrmask: u8,
    /// BPAddrMask: breakpoint address mask (0xF = not implemented).
    #[bits(4)]
    pub bpaddrmask: u8,
    /// VectorCatch: 0 address-matching form, 1 exception-trapping form.
    #[bits(4)]
    pub vectorcatch: u8,
    /// VirtExtns: Virtualization Extensions / EL2.
    #[bits(4)]
    pub virtextns: u8,
    /// DoubleLock: DBGOSDLR implemented (FEAT_DoubleLock).
    #[bits(4)]
    pub doublelock: u8,
    /// AuxRegs: EDACR present.
    #[bits(4)]
    pub auxregs: u8,
    /// CIDMask: Context ID masking.
    #[bits(4)]
    pub cidmask: u8,
}

/// DBGDEVID1, Debug Device ID Register 1 (v7.1, v8; DDI 0406C.d C11, DBGDEVID; DDI 0487 G8.3, DBGDEVID1).
#[bitfield(u32)]
#[derive(PartialEq, Eq)]
pub struct Dbgdevid1 {
    /// PCSROffset: 0 none, 2 samples not offset.
    #[bits(4)]
    pub pcsroffset: u8,
    /// Bits \[31:4\], RES0.
    #[bits(28)]
    __: u32,
}

/// DBGDRAR, Debug ROM Address Register, 64-bit view (v7 with LPAE, v8;
/// DDI 0406C.d C11, DBGDRAR and DBGDSAR); the 32-bit view is the low word.
#[bitfield(u64)]
#[derive(PartialEq, Eq)]
pub struct Dbgdrar {
    /// Valid: 0b00 not valid, 0b11 valid.
    #[bits(2)]
    pub valid: u8,
    /// Bits \[11:2\], RES0.
    #[bits(10)]
    __: u16,
    /// ROMADDR: bits \[47:12\] of the ROM table address.
    #[bits(36)]
    pub romaddr: u64,
    /// Bits \[63:48\], RES0.
    #[bits(16)]
    __: u16,
}

/// DBGDSAR, Debug Self Address Offset Register, 64-bit view (v7 with LPAE,
/// v8 RES0 with Valid = 0; DDI 0406C.d C11, DBGDRAR and DBGDSAR).
#[bitfield(u64)]
#[derive(PartialEq, Eq)]
pub struct Dbgdsar {
    /// Valid: 0b00 not valid, 0b11 valid.
    #[bits(2)]
    pub valid: u8,
    /// Bits \[11:2\], RES0.
    #[bits(10)]
    __: u16,
    /// SELFOFFSET: signed offset from the ROM table to this core's block.
    #[bits(36)]
    pub selfoffset: u64,
    /// Bits \[63:48\], RES0.
    #[bits(16)]
    __: u16,
}

/// DBGDCCINT, DCC Interrupt Enable Register (v8; DDI 0406C.d C11, DBGWFAR; DDI 0487 G8.3, DBGDCCINT).
#[bitfield(u32)]
#[derive(PartialEq, Eq)]
pub struct Dbgdccint {
    /// Bits \[28:0\], RES0.
    #[bits(29)]
    __: u32,
    /// TX: DCC transmit interrupt enable.
    pub tx: bool,
    /// RX: DCC receive interrupt enable.
    pub rx: bool,
    /// Bit 31, RES0.
    __r31: bool,
}

/// ID_DFR0, Debug Feature Register 0 (CP15 `c0,c1,2`; DDI 0487 G8.2.84, ID_DFR0).
#[bitfield(u32)]
#[derive(PartialEq, Eq)]
pub struct IdDfr0 {
    /// CopDbg: CP14 debug model.
    #[bits(4)]
    pub copdbg: u8,
    /// CopSDbg: CP14 Secure debug model.
    #[bits(4)]
    pub copsdbg: u8,
    /// MMapDbg: memory-mapped debug model (v7).
    #[bits(4)]
    pub mmapdbg: u8,
    /// CopTrc: CP14 trace model.
    #[bits(4)]
    pub coptrc: u8,
    /// MMapTrc: memory-mapped trace model.
    #[bits(4)]
    pub mmaptrc: u8,
    /// MProfDbg: M-profile debug model.
    #[bits(4)]
    pub mprofdbg: u8,
    /// PerfMon: performance monitors.
    #[bits(4)]
    pub perfmon: u8,
    /// TraceFilt: trace filtering.
    #[bits(4)]
    pub tracefilt: u8,
}

/// MIDR, Main ID Register (CP15 `c0,c0,0`).
#[bitfield(u32)]
#[derive(PartialEq, Eq)]
pub struct Midr {
    /// Revision (the `p` of rNpM).
    #[bits(4)]
    pub revision: u8,
    /// PartNum: primary part number.
    #[bits(12)]
    pub partnum: u16,
    /// Architecture: 0xF = CPUID scheme; other values pre-date it (Linux
    /// then assumes v6 debug).
    #[bits(4)]
    pub architecture: u8,
    /// Variant (the `r` of rNpM).
    #[bits(4)]
    pub variant: u8,
    /// Implementer (0x41 Arm, 0x51 Qualcomm).
    #[bits(8)]
    pub implementer: u8,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dbgdidr_fields_of_the_qemu_a15_value() {
        // the core TRMs listed in MODELS.md: A15 0x3515f021: 4 WRPs, 6 BRPs, 2 CTX, v7.1, bits 15..12 set.
        let d = Dbgdidr::from_bits(0x3515_f021);
        assert_eq!(
            (d.wrps(), d.brps(), d.ctx_cmps(), d.version()),
            (3, 5, 1, 5)
        );
        assert!(d.devid_imp() && d.nsuhd_imp() && d.pcsr_imp() && d.se_imp());
        assert_eq!((d.variant(), d.revision()), (2, 1));
    }

    #[test]
    fn dbgdidr_fields_of_the_a53_value() {
        // the core TRMs listed in MODELS.md: 0x3516d000, DEVID_imp 1, nSUHD 1, PCSR_imp 0, SE 1.
        let d = Dbgdidr::from_bits(0x3516_d000);
        assert_eq!(d.version(), 6);
        assert!(d.devid_imp() && d.nsuhd_imp() && !d.pcsr_imp() && d.se_imp());
    }

    #[test]
    fn bcr_decodes_linux_control_words() {
        // `arch/arm/kernel/hw_breakpoint.c`, `encode_ctrl_reg()`: user single-step breakpoint 0x4001E5.
        let c = Dbgbcr::from_bits(0x0040_01e5);
        assert!(c.e());
        assert_eq!(c.pmc(), 2);
        assert_eq!(c.bas(), 0xF);
        assert_eq!(c.bt(), 0b0100);
        assert_eq!(Dbgbcr::new().with_bt(0b1111).into_bits(), 0x00F0_0000);
        assert_eq!(Dbgbcr::new().with_mask(0x1F).into_bits(), 0x1F00_0000);
    }

    #[test]
    fn wcr_holds_the_8_byte_bas_and_linux_probe() {
        let w = Dbgwcr::from_bits(0x1FE0);
        assert_eq!(w.bas(), 0xFF);
        assert!(!w.e());
        let w = Dbgwcr::from_bits(0x1F7);
        assert_eq!((w.lsc(), w.pac(), w.bas()), (2, 3, 0xF));
    }

    #[test]
    fn dscr_bit_positions() {
        assert_eq!(Dbgdscr::new().with_mdbgen(true).into_bits(), 1 << 15);
        assert_eq!(Dbgdscr::new().with_udccdis(true).into_bits(), 1 << 12);
        assert_eq!(Dbgdscr::new().with_rxfull(true).into_bits(), 1 << 30);
        assert_eq!(Dbgdscr::new().with_txfull(true).into_bits(), 1 << 29);
        assert_eq!(Dbgdscr::new().with_ns(true).into_bits(), 1 << 18);
        assert_eq!(Dbgdscr::new().with_moe(0xA).into_bits(), 0xA << 2);
        assert_eq!(DbgdscrV8::new().with_mdbgen(true).into_bits(), 1 << 15);
        assert_eq!(DbgdscrV8::new().with_tfo(true).into_bits(), 1 << 31);
        assert_eq!(DbgdscrV8::new().with_intdis(3).into_bits(), 3 << 22);
    }

    #[test]
    fn small_registers() {
        assert_eq!(
            Dbgoslsr::new().with_oslm1(true).with_oslk(true).into_bits(),
            0xA
        );
        assert_eq!(Dbgprsr::new().with_pu(true).with_spd(true).into_bits(), 3);
        assert_eq!(Dbgvcr::new().with_nsf(true).into_bits(), 1 << 31);
        assert_eq!(Dbgvcr::new().with_mf(true).into_bits(), 1 << 15);
        let dev = Dbgdevid::from_bits(0x0111_0f13);
        assert_eq!(
            (dev.doublelock(), dev.virtextns(), dev.bpaddrmask()),
            (1, 1, 0xF)
        );
        let midr = Midr::from_bits(0x4117_b363);
        assert_eq!((midr.architecture(), midr.partnum()), (7, 0xB36));
        assert_eq!(Dbgdccint::new().with_rx(true).into_bits(), 1 << 30);
        assert_eq!(
            Dbgdrar::new().with_valid(3).with_romaddr(1).into_bits(),
            0x1003
        );
        assert_eq!(IdDfr0::from_bits(0x0201_0555).copdbg(), 5);
        assert_eq!(Dbgauthstatus::new().with_snid(3).into_bits(), 0xC0);
        assert_eq!(Dbgbxvr::from_bits(0xFFFF_FFFF).vmid(), 0xFF);
        assert!(Dbgosdlr::from_bits(1).dlk());
        assert_eq!(Dbgprcr::new().with_corepurq(true).into_bits(), 8);
        assert_eq!(Dbgdevid1::from_bits(2).pcsroffset(), 2);
        assert_eq!(Dbgdsar::new().with_valid(3).into_bits(), 3);
    }
}
