//! The system registers exception entry reads and writes, as typed
//! bitfields with the fields named as DDI 0406C.d names them (only the
//! AArch32 views; on an Armv8 host these are the guest's AArch32 SCTLR,
//! SCR, HCR, HDCR, or the low halves of the AArch64 registers they map to).
//! Bits this module does not use are kept as unnamed padding.
#![allow(clippy::struct_excessive_bools)]

use bitfield_struct::bitfield;

/// CPSR / SPSR, Program Status Register (DDI 0406C.d B1.3.3 "Program
/// Status Registers (PSRs)").
#[bitfield(u32)]
#[derive(PartialEq, Eq, Hash)]
pub struct Psr {
    /// M\[4:0\]: the processor mode.
    #[bits(5)]
    pub m: u8,
    /// T: Thumb execution state bit.
    pub t: bool,
    /// F: FIQ mask.
    pub f: bool,
    /// I: IRQ mask.
    pub i: bool,
    /// A: asynchronous abort mask.
    pub a: bool,
    /// E: endianness execution state (1 = big-endian).
    pub e: bool,
    /// IT\[7:2\]: If-Then execution state, high bits.
    #[bits(6)]
    pub it_7_2: u8,
    /// GE\[3:0\]: greater than or equal flags.
    #[bits(4)]
    pub ge: u8,
    /// Bits \[23:20\], reserved.
    #[bits(4)]
    __: u8,
    /// J: Jazelle execution state bit.
    pub j: bool,
    /// IT\[1:0\]: If-Then execution state, low bits.
    #[bits(2)]
    pub it_1_0: u8,
    /// Q: cumulative saturation.
    pub q: bool,
    /// V: overflow condition flag.
    pub v: bool,
    /// C: carry condition flag.
    pub c: bool,
    /// Z: zero condition flag.
    pub z: bool,
    /// N: negative condition flag.
    pub n: bool,
}

/// SCTLR, System Control Register (VMSA layout, DDI 0406C.d B4.1.130); the
/// same positions hold HSCTLR.TE/EE (B4.1.66) for Hyp-mode entry.
#[bitfield(u32)]
#[derive(PartialEq, Eq, Hash)]
pub struct Sctlr {
    /// M: MMU enable.
    pub m: bool,
    /// A: alignment check enable.
    pub a: bool,
    /// C: data cache enable.
    pub c: bool,
    /// Bits \[4:3\].
    #[bits(2)]
    __: u8,
    /// CP15BEN: CP15 barrier enable.
    pub cp15ben: bool,
    /// Bits \[9:6\].
    #[bits(4)]
    __: u8,
    /// SW: SWP/SWPB enable.
    pub sw: bool,
    /// Z: branch prediction enable.
    pub z: bool,
    /// I: instruction cache enable.
    pub i: bool,
    /// V: high exception vectors (Hivecs): the vector base is 0xFFFF0000.
    pub v: bool,
    /// RR: round-robin cache replacement.
    pub rr: bool,
    /// Bits \[18:15\].
    #[bits(4)]
    __: u8,
    /// WXN: write permission implies XN.
    pub wxn: bool,
    /// UWXN: unprivileged write permission implies PL1 XN.
    pub uwxn: bool,
    /// FI: fast interrupts configuration.
    pub fi: bool,
    /// Bits \[23:22\].
    #[bits(2)]
    __: u8,
    /// VE: interrupt vectors enable (IMPLEMENTATION DEFINED IRQ/FIQ vectors).
    pub ve: bool,
    /// EE: exception endianness: the value of CPSR.E on exception entry.
    pub ee: bool,
    /// Bit 26.
    __b26: bool,
    /// NMFI: non-maskable FIQ support.
    pub nmfi: bool,
    /// TRE: TEX remap enable.
    pub tre: bool,
    /// AFE: access flag enable.
    pub afe: bool,
    /// TE: Thumb exception enable: the value of CPSR.T on exception entry
    /// (ARMv6T2 and later; pass 0 for an ARMv6 core).
    pub te: bool,
    /// Bit 31.
    __b31: bool,
}

/// SCR, Secure Configuration Register (Security Extensions, DDI 0406C.d
/// B4.1.129).
#[bitfield(u32)]
#[derive(PartialEq, Eq, Hash)]
pub struct Scr {
    /// NS: Non-secure bit (PL1 modes other than Monitor are Non-secure).
    pub ns: bool,
    /// IRQ: IRQs taken to Monitor mode.
    pub irq: bool,
    /// FIQ: FIQs taken to Monitor mode.
    pub fiq: bool,
    /// EA: external aborts taken to Monitor mode.
    pub ea: bool,
    /// FW: CPSR.F writable in Non-secure state.
    pub fw: bool,
    /// AW: CPSR.A writable in Non-secure state.
    pub aw: bool,
    /// nET: not early termination.
    pub net: bool,
    /// SCD: Secure Monitor Call disable.
    pub scd: bool,
    /// HCE: Hypervisor Call enable.
    pub hce: bool,
    /// SIF: Secure instruction fetch.
    pub sif: bool,
    /// Bits \[31:10\].
    #[bits(22)]
    __: u32,
}

/// HCR, Hyp Configuration Register (Virtualization Extensions, DDI 0406C.d
/// B4.1.65).
#[bitfield(u32)]
#[derive(PartialEq, Eq, Hash)]
pub struct Hcr {
    /// VM: second stage of translation enable.
    pub vm: bool,
    /// SWIO: set/way invalidation override.
    pub swio: bool,
    /// PTW: protected table walk.
    pub ptw: bool,
    /// FMO: FIQ mask override.
    pub fmo: bool,
    /// IMO: IRQ mask override.
    pub imo: bool,
    /// AMO: asynchronous abort mask override.
    pub amo: bool,
    /// VF: virtual FIQ.
    pub vf: bool,
    /// VI: virtual IRQ.
    pub vi: bool,
    /// VA: virtual asynchronous abort.
    pub va: bool,
    /// FB: force broadcast.
    pub fb: bool,
    /// BSU: barrier shareability upgrade.
    #[bits(2)]
    pub bsu: u8,
    /// DC: default cacheable.
    pub dc: bool,
    /// TWI: trap WFI.
    pub twi: bool,
    /// TWE: trap WFE.
    pub twe: bool,
    /// TID0: trap ID group 0.
    pub tid0: bool,
    /// TID1: trap ID group 1.
    pub tid1: bool,
    /// TID2: trap ID group 2.
    pub tid2: bool,
    /// TID3: trap ID group 3.
    pub tid3: bool,
    /// TSC: trap SMC.
    pub tsc: bool,
    /// TIDCP: trap implementation-defined CP15 c9/c10/c11 accesses.
    pub tidcp: bool,
    /// TAC: trap ACTLR accesses.
    pub tac: bool,
    /// TSW: trap data cache set/way operations.
    pub tsw: bool,
    /// TPC: trap cache maintenance to point of coherency.
    pub tpc: bool,
    /// TPU: trap cache maintenance to point of unification.
    pub tpu: bool,
    /// TTLB: trap TLB maintenance.
    pub ttlb: bool,
    /// TVM: trap virtual memory controls.
    pub tvm: bool,
    /// TGE: trap general exceptions: Undefined Instruction exceptions
    /// from Non-secure User mode go to Hyp mode, and HDCR.TDE behaves as 1.
    pub tge: bool,
    /// Bits \[31:28\].
    #[bits(4)]
    __: u8,
}

/// HDCR, Hyp Debug Configuration Register (Virtualization Extensions,
/// DDI 0406C.d B4.1.67).
#[bitfield(u32)]
#[derive(PartialEq, Eq, Hash)]
pub struct Hdcr {
    /// HPMN: number of performance counters accessible from Non-secure
    /// PL1 and PL0.
    #[bits(5)]
    pub hpmn: u8,
    /// TPMCR: trap PMCR accesses.
    pub tpmcr: bool,
    /// TPM: trap Performance Monitors accesses.
    pub tpm: bool,
    /// HPME: Hyp performance counters enable.
    pub hpme: bool,
    /// TDE: trap debug exceptions: Non-secure PL0/PL1 debug exceptions
    /// are routed to Hyp mode.
    pub tde: bool,
    /// TDA: trap CP14 debug register accesses (other than TDOSA/TDRA ones).
    pub tda: bool,
    /// TDOSA: trap OS-related debug register accesses (DBGOSLAR, DBGOSLSR,
    /// DBGOSDLR, DBGPRCR).
    pub tdosa: bool,
    /// TDRA: trap debug ROM address register accesses (DBGDRAR, DBGDSAR).
    pub tdra: bool,
    /// Bits \[31:12\].
    #[bits(20)]
    __: u32,
}

/// DFSR / IFSR in the short-descriptor format (TTBCR.EAE = 0; DDI 0406C.d
/// B4.1.52 "DFSR", B4.1.96 "IFSR"). IFSR has no Domain, WnR or CM (those
/// bits are 0 in an IFSR value).
#[bitfield(u32)]
#[derive(PartialEq, Eq, Hash)]
pub struct FsrShort {
    /// FS\[3:0\]: fault status, low bits.
    #[bits(4)]
    pub fs_3_0: u8,
    /// Domain: the domain of the fault address (UNKNOWN for a debug event).
    #[bits(4)]
    pub domain: u8,
    /// Bit 8.
    __b8: bool,
    /// LPAE: 0 = short-descriptor format (with the LPAE).
    pub lpae: bool,
    /// FS\[4\]: fault status, high bit.
    pub fs_4: bool,
    /// WnR: the abort was caused by a write (DFSR only).
    pub wnr: bool,
    /// ExT: external abort type.
    pub ext: bool,
    /// CM: the abort was caused by cache maintenance (DFSR only; with the
    /// LPAE or the Virtualization Extensions).
    pub cm: bool,
    /// Bits \[31:14\].
    #[bits(18)]
    __: u32,
}

/// DFSR / IFSR in the long-descriptor format (TTBCR.EAE = 1, LPAE; DDI
/// 0406C.d B4.1.52, B4.1.96).
#[bitfield(u32)]
#[derive(PartialEq, Eq, Hash)]
pub struct FsrLong {
    /// STATUS\[5:0\]: fault status.
    #[bits(6)]
    pub status: u8,
    /// Bits \[8:6\].
    #[bits(3)]
    __: u8,
    /// LPAE: 1 = long-descriptor format.
    pub lpae: bool,
    /// Bit 10.
    __b10: bool,
    /// WnR: the abort was caused by a write (DFSR only).
    pub wnr: bool,
    /// ExT: external abort type.
    pub ext: bool,
    /// CM: the abort was caused by cache maintenance (DFSR only).
    pub cm: bool,
    /// Bits \[31:14\].
    #[bits(18)]
    __: u32,
}
