//! Core models: the identification values and implementation choices of a
//! real (or custom) core that decide how its CP14 debug registers behave.
//!
//! Every preset figure is traceable to the core TRMs listed in MODELS.md table (source letter in
//! the comment: Q = QEMU, T = TRM, L = Linux, B = boot log, D = derived);
//! every decision where the sources are silent or conflict is listed in
//! `crates/dbgregs/MODELS.md`.

use crate::error::{DbgRegsError, KnownModels, ModelName};
use crate::registers::{Dbgdevid, Dbgdidr, Midr};
use crate::version::DebugVersion;

/// The OS Lock model a core implements (`DBGOSLSR.OSLM`, DDI 0406C.d C11, DBGOSLSR and DBGOSDLR; DDI 0487 G8.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OsLockModel {
    /// 0b00: no OS Lock (DBGOSLSR reads OSLM = 0; DBGOSLAR/DBGOSSRR absent).
    None,
    /// 0b01: v7.0 OS Save and Restore mechanism (DBGOSSRR present).
    SaveRestore,
    /// 0b10: OS Lock without DBGOSSRR (v7.1; mandatory in v8).
    LockOnly,
}

impl OsLockModel {
    /// The 2-bit OSLM value.
    pub const fn oslm(self) -> u8 {
        match self {
            OsLockModel::None => 0b00,
            OsLockModel::SaveRestore => 0b01,
            OsLockModel::LockOnly => 0b10,
        }
    }

    /// Whether the core has an OS Lock at all.
    pub const fn has_lock(self) -> bool {
        !matches!(self, OsLockModel::None)
    }
}

/// Known implementation quirks (`docs/registers.md`, "Sticky power-down and the Scorpion quirk", `docs/registers.md`, "DBGSWENABLE").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Quirks {
    /// Qualcomm Scorpion: every WFI sets DBGPRSR.SPD although the core is
    /// not powered down, so later "other debug" register accesses UNDEF.
    pub spd_on_wfi: bool,
    /// Cortex-A9 erratum 764319: with DBGSWENABLE low, privileged reads of
    /// DBGPRSR and DBGOSLSR also UNDEF.
    pub erratum_764319: bool,
}

/// A core model: identification registers and the implementation choices
/// the debug register semantics depend on. Immutable once built; the
/// per-vCPU mutable part is `state::DebugState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CoreModel {
    name: &'static str,
    midr: u32,
    id_dfr0: u32,
    version: DebugVersion,
    brps: u8,
    wrps: u8,
    ctx_cmps: u8,
    oslm: OsLockModel,
    wp_bas_bytes: u8,
    double_lock: bool,
    security: bool,
    virtualization: bool,
    lpae: bool,
    bp_addr_mask: bool,
    wp_addr_mask: bool,
    pcsr_imp: bool,
    nsuhd_imp: bool,
    devid: Option<u32>,
    devid1: Option<u32>,
    oslk_reset: bool,
    armv8: bool,
    quirks: Quirks,
    /// The values derived from the fields above, computed once by
    /// [`CoreModel::with_masks`] (builder and presets alike).
    derived: Derived,
}

/// What [`CoreModel::with_masks`] derives from a model's fields, so that the
/// hot paths read a value instead of recomputing a formula.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Derived {
    /// DBGBCR writable bits.
    bcr_wmask: u32,
    /// The DBGBCR bits a write stores as written: `bcr_wmask` less, from
    /// v7, BAS\[3\] and BAS\[1\].
    bcr_keep: u32,
    /// The DBGBCR bits copied one bit up on a write: from v7, BAS\[2\] and
    /// BAS\[0\].
    bcr_dup: u32,
    /// DBGWCR writable bits.
    wcr_wmask: u32,
    /// DBGVCR writable bits.
    vcr_wmask: u32,
    /// [`CoreModel::dbgdidr`].
    dbgdidr: u32,
}

impl Derived {
    /// Before [`CoreModel::with_masks`]: every value 0.
    const UNSET: Self = Self {
        bcr_wmask: 0,
        bcr_keep: 0,
        bcr_dup: 0,
        wcr_wmask: 0,
        vcr_wmask: 0,
        dbgdidr: 0,
    };
}

const NO_QUIRKS: Quirks = Quirks {
    spd_on_wfi: false,
    erratum_764319: false,
};

/// Armv8.0 AArch32 preset body shared by A53/A57/A72 (the core TRMs listed in MODELS.md: DBGDIDR
/// 0x3516d000 Q/T, ID_DFR0 0x03010066 Q, 6/4/2 T,Q, OSLM 0b10, 8-byte BAS).
const fn v8_core(name: &'static str, midr: u32, devid: u32) -> CoreModel {
    CoreModel {
        name,
        midr,
        id_dfr0: 0x0301_0066,
        version: DebugVersion::V8,
        brps: 6,
        wrps: 4,
        ctx_cmps: 2,
        oslm: OsLockModel::LockOnly,
        wp_bas_bytes: 8,
        double_lock: true,
        security: true,
        virtualization: true,
        lpae: true,
        bp_addr_mask: false,
        wp_addr_mask: true,
        pcsr_imp: false,
        nsuhd_imp: true,
        devid: Some(devid),
        // A53 TRM: DBGDEVID1 = 0x2 (the core TRMs listed in MODELS.md).
        devid1: Some(0x2),
        oslk_reset: true,
        armv8: true,
        quirks: NO_QUIRKS,
        derived: Derived::UNSET,
    }
}

/// v7.1 Cortex preset body (A7/A12/A15/A17): 6 BRPs, 4 WRPs, 2 context
/// BRPs, OSLM 0b10, Security and Virtualization Extensions, LPAE.
#[allow(clippy::too_many_arguments)]
const fn v7_1_cortex(
    name: &'static str,
    midr: u32,
    wp_bas_bytes: u8,
    devid: u32,
    devid1: u32,
) -> CoreModel {
    CoreModel {
        name,
        midr,
        id_dfr0: 0x0201_0555,
        version: DebugVersion::V7_1,
        brps: 6,
        wrps: 4,
        ctx_cmps: 2,
        oslm: OsLockModel::LockOnly,
        wp_bas_bytes,
        double_lock: true,
        security: true,
        virtualization: true,
        lpae: true,
        bp_addr_mask: false,
        wp_addr_mask: true,
        pcsr_imp: true,
        nsuhd_imp: true,
        devid: Some(devid),
        devid1: Some(devid1),
        oslk_reset: true,
        armv8: false,
        quirks: NO_QUIRKS,
        derived: Derived::UNSET,
    }
}

/// The presets with their derived masks filled in ([`CoreModel::with_masks`]).
static PRESETS: [CoreModel; 16] = with_masks_all(RAW_PRESETS);

/// [`CoreModel::with_masks`] on every model of `models`.
const fn with_masks_all<const N: usize>(mut models: [CoreModel; N]) -> [CoreModel; N] {
    let mut i = 0;
    while i < N {
        models[i] = models[i].with_masks();
        i += 1;
    }
    models
}

/// The preset definitions, before [`with_masks_all`].
const RAW_PRESETS: [CoreModel; 16] = [
    // ARM1136 r1p3: MIDR 0x4117b363 Q (MIDR[19:16] = 7, Linux assumes v6);
    // ID_DFR0 0x2 Q; 6 BRPs / 2 WRPs T; CTX 2 decided (no source gives it); v6;
    // no OS lock; 4-byte BAS D; no Security Extensions (ARM1136 predates
    // TrustZone).
    CoreModel {
        name: "arm1136",
        midr: 0x4117_b363,
        id_dfr0: 0x0000_0002,
        version: DebugVersion::V6,
        brps: 6,
        wrps: 2,
        ctx_cmps: 2,
        oslm: OsLockModel::None,
        wp_bas_bytes: 4,
        double_lock: false,
        security: false,
        virtualization: false,
        lpae: false,
        bp_addr_mask: false,
        wp_addr_mask: false,
        pcsr_imp: false,
        nsuhd_imp: false,
        devid: None,
        devid1: None,
        oslk_reset: false,
        armv8: false,
        quirks: NO_QUIRKS,
        derived: Derived::UNSET,
    },
    // ARM1156: part 0xB56 L; MIDR 0x4107b560 decided (architecture field 7
    // as ARM1136, no source gives it); v6 '?'; counts decided as ARM1136 (6/2/2).
    CoreModel {
        name: "arm1156",
        midr: 0x4107_b560,
        id_dfr0: 0x0000_0002,
        version: DebugVersion::V6,
        brps: 6,
        wrps: 2,
        ctx_cmps: 2,
        oslm: OsLockModel::None,
        wp_bas_bytes: 4,
        double_lock: false,
        security: false,
        virtualization: false,
        lpae: false,
        bp_addr_mask: false,
        wp_addr_mask: false,
        pcsr_imp: false,
        nsuhd_imp: false,
        devid: None,
        devid1: None,
        oslk_reset: false,
        armv8: false,
        quirks: NO_QUIRKS,
        derived: Derived::UNSET,
    },
    // ARM1176 r0p7: MIDR 0x410fb767 Q,B; DBGDIDR 0x15121xxx T (bit 12 = 1:
    // TrustZone); ID_DFR0 0x33 Q; 6/2/2 T, 6 BRPs B; v6.1; 4-byte BAS D.
    CoreModel {
        name: "arm1176",
        midr: 0x410f_b767,
        id_dfr0: 0x0000_0033,
        version: DebugVersion::V6_1,
        brps: 6,
        wrps: 2,
        ctx_cmps: 2,
        oslm: OsLockModel::None,
        wp_bas_bytes: 4,
        double_lock: false,
        security: true,
        virtualization: false,
        lpae: false,
        bp_addr_mask: false,
        wp_addr_mask: false,
        pcsr_imp: false,
        nsuhd_imp: false,
        devid: None,
        devid1: None,
        oslk_reset: false,
        armv8: false,
        quirks: NO_QUIRKS,
        derived: Derived::UNSET,
    },
    // Cortex-A5 r0p1: MIDR 0x410fc051 B; version "not 0, not 4" B → v7-full
    // (3) decided; counts 3/2/1 decided (no source gives it); no OS lock decided;
    // 4-byte BAS decided.
    CoreModel {
        name: "cortex-a5",
        midr: 0x410f_c051,
        id_dfr0: 0x0001_0444,
        version: DebugVersion::V7Full,
        brps: 3,
        wrps: 2,
        ctx_cmps: 1,
        oslm: OsLockModel::None,
        wp_bas_bytes: 4,
        double_lock: false,
        security: true,
        virtualization: false,
        lpae: false,
        bp_addr_mask: false,
        wp_addr_mask: true,
        pcsr_imp: false,
        nsuhd_imp: false,
        devid: None,
        devid1: None,
        oslk_reset: false,
        armv8: false,
        quirks: NO_QUIRKS,
        derived: Derived::UNSET,
    },
    // Cortex-A7 r0p5: MIDR 0x410fc075 Q, DBGDIDR 0x3515f005 Q, ID_DFR0
    // 0x02010555 Q, 6/4/2 Q,B, v7.1, 8-byte BAS Q,B, DBGDEVID 0x01110f13 Q,
    // DBGDEVID1 0x1 Q.
    v7_1_cortex("cortex-a7", 0x410f_c075, 8, 0x0111_0f13, 0x1),
    // Cortex-A8 r0p0: MIDR 0x410fc080 Q, DBGDIDR 0x15141000 Q=T, ID_DFR0
    // 0x400 Q, 6/2/2 T,Q, v7-baseline (4) → Linux "unsupported" L,B; BCR
    // MASK implemented T; Security Extensions (DBGDIDR bit 12) Q; OSLM
    // 0b01 T (A8 TRM DDI 0344K: OSLSR "lock implemented" bit always 1,
    // OSSRR present) — memory-mapped only, so no CP14 effect.
    CoreModel {
        name: "cortex-a8",
        midr: 0x410f_c080,
        id_dfr0: 0x0000_0400,
        version: DebugVersion::V7Base,
        brps: 6,
        wrps: 2,
        ctx_cmps: 2,
        oslm: OsLockModel::SaveRestore,
        wp_bas_bytes: 4,
        double_lock: false,
        security: true,
        virtualization: false,
        lpae: false,
        bp_addr_mask: true,
        wp_addr_mask: true,
        pcsr_imp: false,
        nsuhd_imp: false,
        devid: None,
        devid1: None,
        oslk_reset: false,
        armv8: false,
        quirks: NO_QUIRKS,
        derived: Derived::UNSET,
    },
    // Cortex-A9 r2p10: MIDR 0x412fc09a B (i.MX6DL); Version 3 B,L (not
    // QEMU's 4); 6/4/2 T (DDI 0388F), 6 BRPs B; 4-byte BAS B; BCR MASK
    // RAZ/WI (DDI 0406C.d C11, DBGBCR; DDI 0487 G8.3, DBGBCR); OSLM 0b00 decided; erratum 764319 L.
    CoreModel {
        name: "cortex-a9",
        midr: 0x412f_c09a,
        id_dfr0: 0x0001_0444,
        version: DebugVersion::V7Full,
        brps: 6,
        wrps: 4,
        ctx_cmps: 2,
        oslm: OsLockModel::None,
        wp_bas_bytes: 4,
        double_lock: false,
        security: true,
        virtualization: false,
        lpae: false,
        bp_addr_mask: false,
        wp_addr_mask: true,
        // DBGDIDR 0x3513702a read on an OMAP4460 (B, docs/boards.md#omap4460):
        // PCSR_imp = 1, nSUHD_imp = 1.
        pcsr_imp: true,
        nsuhd_imp: true,
        devid: None,
        devid1: None,
        oslk_reset: false,
        armv8: false,
        quirks: Quirks {
            spd_on_wfi: false,
            erratum_764319: true,
        },
        derived: Derived::UNSET,
    },
    // Cortex-A12 (RK3288): MIDR 0x410fc0d1 B; DBGDIDR [31:28]=3, [27:24]=5,
    // [19:16]=5 D; CTX 2 decided; 4-byte BAS B; DEVID as A7/A15 decided.
    v7_1_cortex("cortex-a12", 0x410f_c0d1, 4, 0x0111_0f13, 0x0),
    // Cortex-A15: MIDR 0x412fc0f1 (QEMU 2022, B) chosen so that QEMU's
    // DBGDIDR 0x3515f021 Q matches it; 6/4/2 T,Q,B; 8-byte BAS Q,B; DBGDEVID
    // 0x01110f13 Q, DBGDEVID1 0x0 Q.
    v7_1_cortex("cortex-a15", 0x412f_c0f1, 8, 0x0111_0f13, 0x0),
    // Cortex-A17: part 0xC0E L; MIDR 0x410fc0e0 decided; otherwise as the
    // A12 (RK3288, sold as A17, B): 6/4, v7.1, 4-byte BAS; CTX 2 decided.
    v7_1_cortex("cortex-a17", 0x410f_c0e0, 4, 0x0111_0f13, 0x0),
    // Cortex-A53 r0p4: MIDR 0x410fd034 Q. DBGDEVID 0x00110f13: A53 TRM (DDI
    // 0500D) §11.6.2 Table 11-9 fields (AuxRegs 0, DoubleLock 1, VirtExtns 1,
    // BPAddrMask 0xF, WPAddrMask 1) and PCSample 3, consistent with its
    // DBGDEVID1 = 0x2 (§11.6.3: EDPCSR implemented) and QEMU's model
    // (docs/fidelity-decisions.md, D7).
    v8_core("cortex-a53", 0x410f_d034, 0x0011_0f13),
    // Cortex-A57 r1p0: MIDR 0x411fd070 Q. DBGDEVID 0x01110f13: A57 TRM (DDI
    // 0488D) §10.6.3 Table 10.9 (AuxRegs 1) and EDDEVID PCSample 0x3
    // (§10.8.7 Table 10.17) (docs/fidelity-decisions.md, D7).
    v8_core("cortex-a57", 0x411f_d070, 0x0111_0f13),
    // Cortex-A72 r0p3: MIDR 0x410fd083 Q. DBGDEVID 0x01110f13: A72 TRM (Arm
    // 100095) §10.6.3 Table 10-9, PCSample 0x3 (docs/fidelity-decisions.md,
    // D7).
    v8_core("cortex-a72", 0x410f_d083, 0x0111_0f13),
    // Qualcomm Scorpion: impl 0x51 part 0x02D L, MIDR 0x510f02d0 decided;
    // Version 3 (inferred from the Linux comment); OSLM 0b01 (MSM DBGOSSRR path) ?; counts
    // 6/2/2 decided; 4-byte BAS decided; sticky power-down on WFI L.
    CoreModel {
        name: "scorpion",
        midr: 0x510f_02d0,
        id_dfr0: 0x0001_0444,
        version: DebugVersion::V7Full,
        brps: 6,
        wrps: 2,
        ctx_cmps: 2,
        oslm: OsLockModel::SaveRestore,
        wp_bas_bytes: 4,
        double_lock: false,
        security: true,
        virtualization: false,
        lpae: false,
        bp_addr_mask: false,
        wp_addr_mask: true,
        pcsr_imp: false,
        nsuhd_imp: false,
        devid: None,
        devid1: None,
        oslk_reset: false,
        armv8: false,
        quirks: Quirks {
            spd_on_wfi: true,
            erratum_764319: false,
        },
        derived: Derived::UNSET,
    },
    // Qualcomm Krait 400: MIDR 0x512f06f0 B (APQ8074); v7.1 B; 6/4 B, CTX 2
    // decided; 8-byte BAS B; OSLM 0b10 (v7.1 rule); no DBGBXVR (MSM) → no
    // Virtualization Extensions for debug; double lock implemented (J3);
    // LPAE.
    CoreModel {
        name: "krait",
        midr: 0x512f_06f0,
        id_dfr0: 0x0201_0555,
        version: DebugVersion::V7_1,
        brps: 6,
        wrps: 4,
        ctx_cmps: 2,
        oslm: OsLockModel::LockOnly,
        wp_bas_bytes: 8,
        // OS Double Lock: Qualcomm arch/arm/mach-msm/jtag.c writes DBGOSDLR
        // around power collapse (docs/fidelity-decisions.md, J3).
        double_lock: true,
        security: true,
        virtualization: false,
        lpae: true,
        bp_addr_mask: false,
        wp_addr_mask: true,
        pcsr_imp: true,
        nsuhd_imp: true,
        // DBGDEVID unsourced (no Krait value found): the DoubleLock field
        // [23:20] = 1 made consistent with the double lock (J3).
        devid: Some(0x0010_0f13),
        devid1: Some(0x0),
        oslk_reset: true,
        armv8: false,
        quirks: NO_QUIRKS,
        derived: Derived::UNSET,
    },
    // Krait 200 (MSM8960): part 0x04D B (FPSID); MIDR 0x511f04d0 decided;
    // otherwise as Krait 400 but with a 4-byte BAS decided (its boot log
    // prints no count, the core TRMs listed in MODELS.md).
    CoreModel {
        name: "krait200",
        midr: 0x511f_04d0,
        id_dfr0: 0x0201_0555,
        version: DebugVersion::V7_1,
        brps: 6,
        wrps: 4,
        ctx_cmps: 2,
        oslm: OsLockModel::LockOnly,
        wp_bas_bytes: 4,
        // OS Double Lock: Qualcomm arch/arm/mach-msm/jtag.c writes DBGOSDLR
        // around power collapse (docs/fidelity-decisions.md, J3).
        double_lock: true,
        security: true,
        virtualization: false,
        lpae: true,
        bp_addr_mask: false,
        wp_addr_mask: true,
        pcsr_imp: true,
        nsuhd_imp: true,
        // DBGDEVID unsourced (no Krait value found): the DoubleLock field
        // [23:20] = 1 made consistent with the double lock (J3).
        devid: Some(0x0010_0f13),
        devid1: Some(0x0),
        oslk_reset: true,
        armv8: false,
        quirks: NO_QUIRKS,
        derived: Derived::UNSET,
    },
];

impl CoreModel {
    /// Every preset, in a fixed order.
    pub fn presets() -> &'static [CoreModel] {
        &PRESETS
    }

    /// The preset called `name` (`"cortex-a15"`, ...; ASCII case-insensitive).
    ///
    /// # Errors
    /// [`DbgRegsError::UnknownModel`], whose message lists the known names.
    pub fn preset(name: &str) -> Result<&'static CoreModel, DbgRegsError> {
        PRESETS
            .iter()
            .find(|m| m.name.eq_ignore_ascii_case(name))
            .ok_or(DbgRegsError::UnknownModel {
                name: ModelName::new(name),
            })
    }

    /// A builder for a custom model of `version`, starting from the minimal
    /// legal configuration (2 BRPs, 1 context BRP, 2 WRPs, the version's
    /// mandatory OS Lock model, 4-byte BAS, no extensions).
    pub const fn builder(name: &'static str, version: DebugVersion) -> CoreModelBuilder {
        let v8 = version.is_v8();
        CoreModelBuilder {
            model: CoreModel {
                name,
                midr: 0x410f_0000,
                id_dfr0: 0,
                version,
                brps: 2,
                wrps: 2,
                ctx_cmps: 1,
                oslm: if version.at_least_v7_1() {
                    OsLockModel::LockOnly
                } else {
                    OsLockModel::None
                },
                wp_bas_bytes: if v8 { 8 } else { 4 },
                double_lock: false,
                security: false,
                virtualization: false,
                lpae: v8,
                bp_addr_mask: false,
                wp_addr_mask: v8,
                pcsr_imp: false,
                nsuhd_imp: false,
                devid: None,
                devid1: None,
                oslk_reset: version.at_least_v7_1(),
                armv8: v8,
                quirks: NO_QUIRKS,
                derived: Derived::UNSET,
            },
            explicit_devid: false,
        }
    }

    /// A builder starting from this model (e.g. a preset), to derive a
    /// variant such as "the same core with 16 BRPs / 16 WRPs".
    pub const fn to_builder(&self) -> CoreModelBuilder {
        CoreModelBuilder {
            model: *self,
            explicit_devid: false,
        }
    }

    /// The model's name.
    pub const fn name(&self) -> &'static str {
        self.name
    }
    /// MIDR.
    pub const fn midr(&self) -> u32 {
        self.midr
    }
    /// ID_DFR0.
    pub const fn id_dfr0(&self) -> u32 {
        self.id_dfr0
    }
    /// The debug architecture version.
    pub const fn version(&self) -> DebugVersion {
        self.version
    }
    /// Number of breakpoint register pairs (2..=16).
    pub const fn brps(&self) -> u8 {
        self.brps
    }
    /// Number of watchpoint register pairs (1..=16).
    pub const fn wrps(&self) -> u8 {
        self.wrps
    }
    /// Number of context-matching BRPs (the highest-numbered ones).
    pub const fn ctx_cmps(&self) -> u8 {
        self.ctx_cmps
    }
    /// Index of the first context-capable BRP (`brps − ctx_cmps`).
    pub const fn first_ctx_brp(&self) -> u8 {
        self.brps - self.ctx_cmps
    }
    /// The OS Lock model.
    pub const fn os_lock(&self) -> OsLockModel {
        self.oslm
    }
    /// Maximum watchpoint length in bytes (the WCR BAS width: 4 or 8).
    pub const fn wp_bas_bytes(&self) -> u8 {
        self.wp_bas_bytes
    }
    /// FEAT_DoubleLock: DBGOSDLR is RW (else RAZ/WI).
    pub const fn double_lock(&self) -> bool {
        self.double_lock
    }
    /// Security Extensions (v6.1/v7) or EL3 (v8).
    pub const fn security(&self) -> bool {
        self.security
    }
    /// Virtualization Extensions (v7.1) or EL2 (v8): HMC, BT\[3\], DBGBXVR.
    pub const fn virtualization(&self) -> bool {
        self.virtualization
    }
    /// LPAE (v7) or v8: the 64-bit MRRC views of DBGDRAR/DBGDSAR exist.
    pub const fn lpae(&self) -> bool {
        self.lpae
    }
    /// DBGBCR.MASK implemented (v7 only).
    pub const fn bp_addr_mask(&self) -> bool {
        self.bp_addr_mask
    }
    /// DBGWCR.MASK implemented.
    pub const fn wp_addr_mask(&self) -> bool {
        self.wp_addr_mask
    }
    /// DBGDEVID value, when the register exists.
    pub const fn dbgdevid(&self) -> Option<u32> {
        self.devid
    }
    /// DBGDEVID1 value, when the register exists (v7.1, v8).
    pub const fn dbgdevid1(&self) -> Option<u32> {
        self.devid1
    }
    /// OSLK out of cold reset (v7.1/v8: set; v7.0: IMPLEMENTATION DEFINED,
    /// this crate chooses clear).
    pub const fn oslk_reset(&self) -> bool {
        self.oslk_reset
    }
    /// The core implements Armv8 (running AArch32).
    pub const fn armv8(&self) -> bool {
        self.armv8
    }
    /// Known quirks.
    pub const fn quirks(&self) -> Quirks {
        self.quirks
    }

    /// DBGDIDR as the core reports it, built from the model's fields
    /// (DDI 0406C.d C11, DBGDIDR) once, when the model is built.
    #[inline(always)]
    pub const fn dbgdidr(&self) -> u32 {
        self.derived.dbgdidr
    }

    /// [`CoreModel::dbgdidr`] from the fields: the one computation, run by
    /// `with_masks`.
    pub(crate) const fn dbgdidr_formula(&self) -> u32 {
        let v = self.version;
        let midr = Midr::from_bits(self.midr);
        let (variant, revision) = if v.is_v8() {
            (0, 0)
        } else {
            (midr.variant(), midr.revision())
        };
        let devid_imp = if v.is_v6() {
            false
        } else {
            v.at_least_v7_1() || self.devid.is_some()
        };
        Dbgdidr::new()
            .with_wrps(self.wrps - 1)
            .with_brps(self.brps - 1)
            .with_ctx_cmps(self.ctx_cmps - 1)
            .with_version(v.didr_code())
            .with_devid_imp(devid_imp)
            // nSUHD_imp / PCSR_imp also on v7.0 where the model sets them: a
            // Cortex-A9 (Version 3) reads 0x3513702a (OMAP4460,
            // docs/boards.md#omap4460).
            .with_nsuhd_imp(self.nsuhd_imp && v.at_least_v7())
            .with_pcsr_imp(self.pcsr_imp && (v.is_v7_0() || matches!(v, DebugVersion::V7_1)))
            .with_se_imp(self.security)
            .with_variant(variant)
            .with_revision(revision)
            .into_bits()
    }

    /// DBGBCRn writable bits (DDI 0406C.d C11, DBGBCR; DDI 0487 G8.3, DBGBCR), precomputed.
    #[inline(always)]
    pub(crate) const fn bcr_wmask(&self) -> u32 {
        self.derived.bcr_wmask
    }
    /// DBGBCRn value as stored after a write of `value`: masked and, from
    /// v7, with BAS\[3\] = BAS\[2\] and BAS\[1\] = BAS\[0\] (precomputed
    /// masks, no branch).
    #[inline(always)]
    pub(crate) const fn normalize_bcr(&self, value: u32) -> u32 {
        (value & self.derived.bcr_keep) | ((value & self.derived.bcr_dup) << 1)
    }
    /// DBGWCRn writable bits (DDI 0406C.d C11, DBGWCR; DDI 0487 G8.3, DBGWCR), precomputed.
    #[inline(always)]
    pub(crate) const fn wcr_wmask(&self) -> u32 {
        self.derived.wcr_wmask
    }
    /// DBGVCR writable bits (DDI 0406C.d C11, DBGVCR; DDI 0487 G8.3, DBGVCR), precomputed.
    #[inline(always)]
    pub(crate) const fn vcr_wmask(&self) -> u32 {
        self.derived.vcr_wmask
    }

    /// This model with the derived masks computed from its fields: the one
    /// computation, used by [`CoreModelBuilder::build`] and the presets.
    const fn with_masks(mut self) -> Self {
        self.derived.bcr_wmask = bcr_mask_formula(&self);
        // From v7 a write stores BAS[3] = BAS[2], BAS[1] = BAS[0]: keep
        // BAS[2], BAS[0] and copy them one bit up (the BAS field, bits
        // [8:5], is always writable).
        let fold = !self.version.is_v6();
        self.derived.bcr_keep = self.derived.bcr_wmask & if fold { !0x140 } else { u32::MAX };
        self.derived.bcr_dup = if fold { 0xA0 } else { 0 };
        self.derived.wcr_wmask = wcr_mask_formula(&self);
        self.derived.vcr_wmask = vcr_mask_formula(&self);
        self.derived.dbgdidr = self.dbgdidr_formula();
        self
    }

    /// Whether Linux's `get_debug_arch` reads DBGDIDR at all (MIDR
    /// architecture field 0xF); otherwise it assumes v6.
    pub const fn midr_has_cpuid_scheme(&self) -> bool {
        Midr::from_bits(self.midr).architecture() == 0xF
    }
}

/// DBGBCRn writable bits on `model` (DDI 0406C.d C11, DBGBCR; DDI 0487 G8.3, DBGBCR).
pub(crate) const fn bcr_mask_formula(model: &CoreModel) -> u32 {
    // E, PMC, BAS, LBN, BT[2:0]
    let mut m = 0x007F_01E7;
    if model.security {
        m |= 0xC000; // SSC
    }
    if model.virtualization {
        m |= 0x0080_2000; // BT[3], HMC
    }
    if model.bp_addr_mask && model.version.is_v7() {
        m |= 0x1F00_0000; // MASK
    }
    m
}

/// DBGWCRn writable bits on `model` (DDI 0406C.d C11, DBGWCR; DDI 0487 G8.3, DBGWCR).
pub(crate) const fn wcr_mask_formula(model: &CoreModel) -> u32 {
    // E, PAC, LSC, BAS[3:0], LBN, WT
    let mut m = 0x001F_01FF;
    if model.wp_bas_bytes == 8 {
        m |= 0x1E00;
    }
    if model.security {
        m |= 0xC000;
    }
    if model.virtualization {
        m |= 0x2000;
    }
    if model.wp_addr_mask {
        m |= 0x1F00_0000;
    }
    m
}

/// DBGVCR writable bits on `model` (DDI 0406C.d C11, DBGVCR; DDI 0487 G8.3, DBGVCR): with the Security
/// Extensions the Secure, Monitor and Non-secure bits (v8: EL3 is taken to
/// be AArch64, so the Monitor bits are RES0), without them \[7:6\],\[4:1\];
/// bit 0 (Reset catch) before v8 only.
pub(crate) const fn vcr_mask_formula(model: &CoreModel) -> u32 {
    let v8 = model.version.is_v8();
    let mut m = 0xDE;
    if model.security {
        m |= 0xDE00_0000;
        if !v8 {
            m |= 0xDC00;
        }
    }
    if !v8 {
        m |= 1;
    }
    m
}

/// Builds a custom [`CoreModel`], validating it in [`CoreModelBuilder::build`].
#[derive(Debug, Clone, Copy)]
pub struct CoreModelBuilder {
    model: CoreModel,
    explicit_devid: bool,
}

impl CoreModelBuilder {
    /// Sets the name.
    pub const fn name(mut self, name: &'static str) -> Self {
        self.model.name = name;
        self
    }
    /// Sets MIDR.
    pub const fn midr(mut self, midr: u32) -> Self {
        self.model.midr = midr;
        self
    }
    /// Sets ID_DFR0 (0 = derive from the version at build time).
    pub const fn id_dfr0(mut self, id_dfr0: u32) -> Self {
        self.model.id_dfr0 = id_dfr0;
        self
    }
    /// Sets the debug version.
    pub const fn version(mut self, version: DebugVersion) -> Self {
        self.model.version = version;
        self
    }
    /// Sets the number of breakpoint register pairs.
    pub const fn brps(mut self, n: u8) -> Self {
        self.model.brps = n;
        self
    }
    /// Sets the number of watchpoint register pairs.
    pub const fn wrps(mut self, n: u8) -> Self {
        self.model.wrps = n;
        self
    }
    /// Sets the number of context-matching BRPs.
    pub const fn ctx_cmps(mut self, n: u8) -> Self {
        self.model.ctx_cmps = n;
        self
    }
    /// Sets the OS Lock model (and the matching reset value of OSLK: set
    /// for v7.1/v8, clear for v7.0).
    pub const fn os_lock(mut self, oslm: OsLockModel) -> Self {
        self.model.oslm = oslm;
        self
    }
    /// Sets OSLK out of cold reset.
    pub const fn oslk_reset(mut self, set: bool) -> Self {
        self.model.oslk_reset = set;
        self
    }
    /// Sets the watchpoint BAS width in bytes (4 or 8).
    pub const fn wp_bas_bytes(mut self, bytes: u8) -> Self {
        self.model.wp_bas_bytes = bytes;
        self
    }
    /// Enables FEAT_DoubleLock.
    pub const fn double_lock(mut self, on: bool) -> Self {
        self.model.double_lock = on;
        self
    }
    /// Enables the Security Extensions / EL3.
    pub const fn security(mut self, on: bool) -> Self {
        self.model.security = on;
        self
    }
    /// Enables the Virtualization Extensions / EL2.
    pub const fn virtualization(mut self, on: bool) -> Self {
        self.model.virtualization = on;
        self
    }
    /// Enables LPAE (64-bit DBGDRAR/DBGDSAR views).
    pub const fn lpae(mut self, on: bool) -> Self {
        self.model.lpae = on;
        self
    }
    /// Implements DBGBCR.MASK (v7 only; ignored on v8 where it is RES0).
    pub const fn bp_addr_mask(mut self, on: bool) -> Self {
        self.model.bp_addr_mask = on;
        self
    }
    /// Implements DBGWCR.MASK.
    pub const fn wp_addr_mask(mut self, on: bool) -> Self {
        self.model.wp_addr_mask = on;
        self
    }
    /// Sets DBGDEVID explicitly (otherwise derived at build time for v7.1/v8).
    pub const fn dbgdevid(mut self, devid: Option<u32>) -> Self {
        self.model.devid = devid;
        self.explicit_devid = true;
        self
    }
    /// Marks the core as an Armv8 implementation.
    pub const fn armv8(mut self, on: bool) -> Self {
        self.model.armv8 = on;
        self
    }
    /// Sets the quirks.
    pub const fn quirks(mut self, quirks: Quirks) -> Self {
        self.model.quirks = quirks;
        self
    }

    /// Validates and returns the model.
    ///
    /// # Errors
    /// A [`DbgRegsError`] naming the first invalid field: more than 16 BRPs
    /// or WRPs, fewer than 2 BRPs, no WRP (or 1 on v8), context BRPs 0 or
    /// more than BRPs, an OS Lock model the version does not allow (any
    /// lock on v6, Save/Restore on v7.1+, none on v8), an 8-byte BAS before
    /// v7, the double lock before v7.1, EL2 before v7.1, an Armv8 core with a
    /// version below v8.
    pub fn build(self) -> Result<CoreModel, DbgRegsError> {
        let mut m = self.model;
        let v = m.version;
        if m.brps > 16 {
            return Err(DbgRegsError::TooManyPairs {
                what: "BRP",
                count: m.brps,
            });
        }
        if m.wrps > 16 {
            return Err(DbgRegsError::TooManyPairs {
                what: "WRP",
                count: m.wrps,
            });
        }
        if m.brps < 2 {
            return Err(DbgRegsError::TooFewBrps { count: m.brps });
        }
        let min_wrps = if v.is_v8() { 2 } else { 1 };
        if m.wrps < min_wrps {
            return Err(DbgRegsError::TooFewWrps {
                count: m.wrps,
                version: v,
                min: min_wrps,
            });
        }
        if m.ctx_cmps == 0 || m.ctx_cmps > m.brps {
            return Err(DbgRegsError::BadContextCount {
                ctx: m.ctx_cmps,
                brps: m.brps,
            });
        }
        if m.armv8 && !v.is_v8() {
            return Err(DbgRegsError::Armv8VersionTooLow { version: v });
        }
        let oslm_ok = match m.oslm {
            OsLockModel::None => !v.is_v8(),
            OsLockModel::SaveRestore => v.is_v7_0(),
            OsLockModel::LockOnly => v.at_least_v7_1(),
        };
        if !oslm_ok {
            return Err(DbgRegsError::BadOsLockModel {
                oslm: m.oslm.oslm(),
                version: v,
            });
        }
        if m.wp_bas_bytes != 4 && m.wp_bas_bytes != 8 {
            return Err(DbgRegsError::BadBasWidth {
                bytes: m.wp_bas_bytes,
            });
        }
        if m.wp_bas_bytes == 8 && v.is_v6() {
            return Err(DbgRegsError::EightByteBasBeforeV7 { version: v });
        }
        if m.double_lock && !v.at_least_v7_1() {
            return Err(DbgRegsError::DoubleLockBeforeV71 { version: v });
        }
        if m.virtualization && !v.at_least_v7_1() {
            return Err(DbgRegsError::VirtualizationBeforeV71 { version: v });
        }
        if v.is_v6() {
            // v6 has no MASK fields (DDI 0406C.d C11, DBGBCR; DDI 0487 G8.3, DBGBCR, DDI 0406C.d C11, DBGWCR; DDI 0487 G8.3, DBGWCR).
            m.bp_addr_mask = false;
            m.wp_addr_mask = false;
        }
        if v.is_v8() {
            // v8: BCR.MASK RES0, WCR.MASK implemented (DDI 0406C.d C11, DBGBCR; DDI 0487 G8.3, DBGBCR, DDI 0406C.d C11, DBGWCR; DDI 0487 G8.3, DBGWCR).
            m.bp_addr_mask = false;
            m.wp_addr_mask = true;
        }
        if !m.oslm.has_lock() {
            m.oslk_reset = false;
        }
        if m.id_dfr0 == 0 {
            let code = v.copdbg_code() as u32;
            let sdbg = if m.security { code << 4 } else { 0 };
            let mmap = match v {
                DebugVersion::V7Full | DebugVersion::V7Base => 4 << 8,
                DebugVersion::V7_1 => 5 << 8,
                _ => 0,
            };
            m.id_dfr0 = code | sdbg | mmap;
        }
        if !self.explicit_devid && self.model.devid.is_none() && v.at_least_v7_1() {
            m.devid = Some(
                Dbgdevid::new()
                    .with_doublelock(m.double_lock as u8)
                    .with_virtextns(m.virtualization as u8)
                    .with_bpaddrmask(if m.bp_addr_mask { 1 } else { 0xF })
                    .with_wpaddrmask(m.wp_addr_mask as u8)
                    .into_bits(),
            );
        }
        if v.at_least_v7_1() && m.devid1.is_none() {
            m.devid1 = Some(0);
        }
        if !v.at_least_v7_1() {
            m.devid1 = None;
        }
        if v.at_least_v7_1() && m.devid.is_none() {
            // DBGDIDR.DEVID_imp is RAO/RES1 from v7.1: DBGDEVID must exist.
            m.devid = Some(0);
        }
        if let Some(devid) = m.devid {
            // Keep DBGDEVID consistent with the model's own flags.
            m.devid = Some(
                Dbgdevid::from_bits(devid)
                    .with_doublelock(m.double_lock as u8)
                    .with_virtextns(m.virtualization as u8)
                    .into_bits(),
            );
        }
        Ok(m.with_masks())
    }
}

/// The preset names, comma-separated (the list an unknown-model error
/// shows).
impl core::fmt::Display for KnownModels {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for (i, m) in CoreModel::presets().iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(m.name())?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn p(name: &str) -> &'static CoreModel {
        #[allow(clippy::unwrap_used)]
        CoreModel::preset(name).unwrap()
    }

    #[test]
    fn every_required_preset_exists() {
        for n in [
            "arm1136",
            "arm1156",
            "arm1176",
            "cortex-a5",
            "cortex-a7",
            "cortex-a8",
            "cortex-a9",
            "cortex-a12",
            "cortex-a15",
            "cortex-a17",
            "cortex-a53",
            "cortex-a57",
            "cortex-a72",
            "scorpion",
            "krait",
        ] {
            assert_eq!(p(n).name(), n);
        }
    }

    #[test]
    fn presets_are_valid_models() {
        for m in CoreModel::presets() {
            assert_eq!(m.to_builder().build(), Ok(*m), "{}", m.name());
        }
    }

    #[test]
    fn dbgdidr_matches_the_spec_table() {
        assert_eq!(p("cortex-a7").dbgdidr(), 0x3515_f005); // Q
        assert_eq!(p("cortex-a15").dbgdidr(), 0x3515_f021); // Q
        assert_eq!(p("cortex-a8").dbgdidr(), 0x1514_1000); // Q = T
        assert_eq!(p("cortex-a53").dbgdidr(), 0x3516_d000); // Q = T
        assert_eq!(p("cortex-a57").dbgdidr(), 0x3516_d000); // Q
        assert_eq!(p("cortex-a72").dbgdidr(), 0x3516_d000); // Q
        assert_eq!(p("arm1176").dbgdidr() >> 8, 0x15_1210); // T 0x15121x
                                                            // B: OMAP4460 DBGDIDR read through PTRACE_GETHBPREGS (docs/cores.md
                                                            // summary, docs/boards.md#omap4460): nSUHD_imp = PCSR_imp = 1.
        assert_eq!(p("cortex-a9").dbgdidr(), 0x3513_702a);
    }

    #[test]
    fn linux_visible_outcomes() {
        // ARM1136: MIDR[19:16] = 7 → Linux assumes v6.
        assert!(!p("arm1136").midr_has_cpuid_scheme());
        assert!(p("arm1176").midr_has_cpuid_scheme());
        assert!(!p("cortex-a8").version().linux_supported());
        assert_eq!(p("cortex-a9").wp_bas_bytes(), 4);
        assert_eq!(p("cortex-a12").wp_bas_bytes(), 4);
        for n in ["cortex-a7", "cortex-a15", "cortex-a53", "krait"] {
            assert_eq!((p(n).brps(), p(n).wrps(), p(n).wp_bas_bytes()), (6, 4, 8));
        }
        assert!(p("scorpion").quirks().spd_on_wfi);
        assert!(p("cortex-a9").quirks().erratum_764319);
        // Scorpion: Linux refuses MIDR & 0xff00fff0 == 0x510002d0.
        assert_eq!(p("scorpion").midr() & 0xff00_fff0, 0x5100_02d0);
    }

    #[test]
    fn unknown_name_lists_the_presets() {
        let e = CoreModel::preset("cortex-a99").unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("cortex-a99") && msg.contains("cortex-a15") && msg.contains("krait"));
        assert!(CoreModel::preset("Cortex-A15").is_ok());
    }

    #[test]
    fn builder_rejects_invalid_models() {
        use DebugVersion::*;
        let b = CoreModel::builder("x", V7_1);
        assert!(matches!(
            b.brps(17).build(),
            Err(DbgRegsError::TooManyPairs {
                what: "BRP",
                count: 17
            })
        ));
        assert!(matches!(
            b.wrps(17).build(),
            Err(DbgRegsError::TooManyPairs { what: "WRP", .. })
        ));
        assert!(matches!(
            b.brps(1).build(),
            Err(DbgRegsError::TooFewBrps { count: 1 })
        ));
        assert!(matches!(
            b.wrps(0).build(),
            Err(DbgRegsError::TooFewWrps { .. })
        ));
        assert!(matches!(
            b.brps(4).ctx_cmps(5).build(),
            Err(DbgRegsError::BadContextCount { ctx: 5, brps: 4 })
        ));
        assert!(matches!(
            b.ctx_cmps(0).build(),
            Err(DbgRegsError::BadContextCount { .. })
        ));
        assert!(matches!(
            CoreModel::builder("x", V6)
                .os_lock(OsLockModel::LockOnly)
                .build(),
            Err(DbgRegsError::BadOsLockModel { .. })
        ));
        assert!(matches!(
            CoreModel::builder("x", V8)
                .os_lock(OsLockModel::None)
                .build(),
            Err(DbgRegsError::BadOsLockModel { .. })
        ));
        assert!(matches!(
            CoreModel::builder("x", V7Full).armv8(true).build(),
            Err(DbgRegsError::Armv8VersionTooLow { .. })
        ));
        assert!(matches!(
            CoreModel::builder("x", V6_1).wp_bas_bytes(8).build(),
            Err(DbgRegsError::EightByteBasBeforeV7 { .. })
        ));
        assert!(matches!(
            CoreModel::builder("x", V7Full).double_lock(true).build(),
            Err(DbgRegsError::DoubleLockBeforeV71 { .. })
        ));
        assert!(matches!(
            CoreModel::builder("x", V8).wrps(1).build(),
            Err(DbgRegsError::TooFewWrps { min: 2, .. })
        ));
        assert!(matches!(
            b.wp_bas_bytes(6).build(),
            Err(DbgRegsError::BadBasWidth { bytes: 6 })
        ));
    }

    #[test]
    fn builder_derives_variants_of_presets() {
        let big = p("cortex-a15")
            .to_builder()
            .name("a15-16")
            .brps(16)
            .wrps(16)
            .build();
        let big = big.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(big.dbgdidr() >> 24, 0xFF);
        let no_ossr = p("scorpion")
            .to_builder()
            .os_lock(OsLockModel::None)
            .build();
        let no_ossr = no_ossr.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(no_ossr.os_lock(), OsLockModel::None);
        assert!(!no_ossr.oslk_reset());
    }

    fn assert_masks_match_the_formulas(m: &CoreModel) {
        assert_eq!(m.bcr_wmask(), bcr_mask_formula(m), "{}", m.name());
        assert_eq!(m.wcr_wmask(), wcr_mask_formula(m), "{}", m.name());
        assert_eq!(m.vcr_wmask(), vcr_mask_formula(m), "{}", m.name());
        assert_eq!(m.dbgdidr(), m.dbgdidr_formula(), "{}", m.name());
        // The BAS normalisation, as the formula it replaces: mask, then
        // from v7 BAS[3] = BAS[2] and BAS[1] = BAS[0].
        let normalize = |value: u32| {
            let v = value & bcr_mask_formula(m);
            if m.version().is_v6() {
                return v;
            }
            let bas2 = (v >> 7) & 1;
            let bas0 = (v >> 5) & 1;
            (v & !0x1E0) | (bas2 << 8) | (bas2 << 7) | (bas0 << 6) | (bas0 << 5)
        };
        for low in 0..0x400u32 {
            for high in [0, 0xFFFF_FC00, 0xA5A5_A400, 0x5A5A_5800] {
                let value = high | low;
                assert_eq!(
                    m.normalize_bcr(value),
                    normalize(value),
                    "{} {value:#x}",
                    m.name()
                );
            }
        }
    }

    #[test]
    fn precomputed_masks_equal_the_formulas() {
        for m in CoreModel::presets() {
            assert_masks_match_the_formulas(m);
            let variants = [
                m.to_builder().brps(16).wrps(16).build(),
                m.to_builder().os_lock(OsLockModel::None).build(),
                m.to_builder().wp_bas_bytes(4).build(),
                m.to_builder().wp_bas_bytes(8).build(),
                m.to_builder()
                    .security(!m.security())
                    .virtualization(!m.virtualization())
                    .bp_addr_mask(!m.bp_addr_mask())
                    .wp_addr_mask(!m.wp_addr_mask())
                    .build(),
            ];
            for v in variants.iter().flatten() {
                assert_masks_match_the_formulas(v);
            }
        }
        for v in DebugVersion::ALL {
            for bas in [4, 8] {
                if let Ok(m) = CoreModel::builder("x", v)
                    .brps(16)
                    .wrps(16)
                    .wp_bas_bytes(bas)
                    .build()
                {
                    assert_masks_match_the_formulas(&m);
                }
            }
        }
        // A spot check against literal values (cortex-a15, cortex-a8).
        assert_eq!(p("cortex-a15").bcr_wmask(), 0x00FF_E1E7);
        assert_eq!(p("cortex-a15").wcr_wmask(), 0x1F1F_FFFF);
        assert_eq!(p("cortex-a8").bcr_wmask(), 0x1F7F_C1E7);
    }
}
