//! What one CP14 debug register access does on a given core: existence per
//! version, privilege, the lock and power-down rules, writable masks, RES0
//! bits and side effects — one place per register.
//!
//! The checks run in `docs/registers.md`, "Access checks" priority order:
//! 1. the register is not implemented on this core (version, index past the
//!    BRP/WRP count, optional feature absent) → [`UndefReason::NotImplemented`];
//!    the wrong direction (MCR to a read-only register, MRC from a
//!    write-only one) → [`UndefReason::WrongDirection`];
//! 2. PL0 access to a register that is not PL0-accessible → [`UndefReason::Privilege`];
//! 3. PL0 access with DBGDSCR.UDCCdis = 1 → [`UndefReason::UserAccessDisabled`];
//!    v6/v6.1 privileged access to a register other than DBGDIDR, DBGDSCR
//!    and the DTR while Monitor debug-mode is not selected →
//!    [`UndefReason::MonitorModeNotSelected`] (ARM DDI 0211K / DDI 0301H
//!    §13.5.1);
//! 4. (EL2/EL3 traps: not modelled here; a VMM applies its own before
//!    calling in);
//! 5. DBGSWENABLE low → [`UndefReason::SoftwareDebugDisabled`];
//! 6. v7.0 sticky power-down / OS Lock → [`UndefReason::StickyPowerDown`] /
//!    [`UndefReason::OsLock`];
//! 7. the access itself.
//!
//! Decisions where the sources leave room (each also in `MODELS.md`):
//! * A register absent on a version (reserved numbers, v7.1-only registers
//!   on v7.0, non-baseline registers on v7-baseline, everything QEMU leaves
//!   out) UNDEFs: the architecture allows it (UNPREDICTABLE) and it is never
//!   a silent value.
//! * Wrong-direction accesses UNDEF on every version (v8: unallocated;
//!   before v8: UNPREDICTABLE).
//! * DBGSWENABLE low: the baseline registers (DBGDIDR, DBGDSCRint, the DTR
//!   internal views, DBGDRAR, DBGDSAR) and the OS save/restore and
//!   power-down group (DBGOSLAR, DBGOSLSR, DBGOSSRR, DBGOSDLR, DBGPRCR,
//!   DBGPRSR) stay accessible; every other debug register UNDEFs. Erratum
//!   764319 (Cortex-A9) is precisely that DBGOSLSR/DBGPRSR reads UNDEF
//!   although they should not (docs/fidelity-decisions.md, J1).
//! * The sticky power-down and OS Lock UNDEF rules apply to v7.0 only
//!   (ARMv7 Table C6-12); v7.1 behaves as v8 (Linux does not read DBGPRSR
//!   on v7.1 and saves registers with the lock set, DDI 0406C.d Table C6-12).
//! * DBGITR/DBGPCSR, DBGITCTRL: not implemented in CP14. DBGCLAIM*,
//!   DBGAUTHSTATUS: v7.1 and later only. DBGECR, DBGDSCCR, DBGDSMCR:
//!   RAZ/WI on v7-full (A9 TRM) and (DSCCR/DSMCR) v6.1.
//! * DBGWFAR: RW (bit 0 reserved) on v6.1/v7.0, RAZ/WI on v7.1 (UNK/SBZ)
//!   and v8 (RES0); absent on v6 (ARM1136 keeps it in CP15).
//! * DBGBCR.BAS: BAS\[3\] = BAS\[2\] and BAS\[1\] = BAS\[0\] on every write
//!   from v7 (QEMU's rule; ARMv8-ARM's rule for the reserved values); v6
//!   stores BAS as written (Jazelle byte values).
//! * DBGBVR\[1:0\] are RES0 on BRPs that are not context-capable (A9 TRM:
//!   RAZ); context-capable BRPs keep all 32 bits (Context ID).
//! * Reserved BT values are stored as written (a read then returns the
//!   written value, which is one permitted UNKNOWN).
//! * DBGDSCRext writable bits through CP14: v7.0 MDBGen, UDCCdis; v7.1
//!   the same, plus the MSM save/restore mask 0x6C30FC3C while the OS Lock
//!   is set; v8 MDBGen, UDCCdis, MOE, plus the save/restore bits while the
//!   OS Lock is set. v6 writes MDBGen and UDCCdis through `c0,c1,0`.
//!   RESTARTED (bit 1) reads 1 before v8 (the PE is in Non-debug state).
//! * DBGDRCR (v7-full): bit 2 clears the sticky exception bits; halt and
//!   restart requests are ignored (halting debug is not modelled).
//! * DBGPRCR: CORENPDRQ and HCWR stored (v7), COREPURQ too (v7.1),
//!   CORENPDRQ only on v8; CWRR (reset request) is ignored.
//! * A DBGDTRRXint read with RXfull = 0 returns the stale register value
//!   (UNKNOWN); a DBGDTRTXint write with TXfull = 1 overwrites (UNKNOWN).

use crate::access::Direction;
use crate::model::{CoreModel, OsLockModel};
use crate::registers::{Dbgdscr, DbgdscrV8};
use crate::regmap::{DebugRegister, KINDS};
pub use crate::state::{dscr_ext_value, dscr_int_value, oslsr_value, prsr_value};
use crate::state::{flag, DebugState};
use crate::version::DebugVersion;
pub use crate::wmask::{
    bcr_mask, bvr_mask, normalize_bcr, prcr_mask, vcr_mask, wcr_mask, WVR_MASK,
};

/// The privilege level of the access.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Privilege {
    /// PL0: User mode / EL0.
    Pl0,
    /// PL1: the kernel modes / EL1.
    Pl1,
    /// PL2: Hyp mode / EL2 (treated as PL1 for these registers).
    Pl2,
}

/// The context an access is made in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AccessContext {
    /// The privilege of the instruction.
    pub privilege: Privilege,
}

impl AccessContext {
    /// A PL1 (kernel) access.
    pub const PL1: AccessContext = AccessContext {
        privilege: Privilege::Pl1,
    };
    /// A PL0 (user) access.
    pub const PL0: AccessContext = AccessContext {
        privilege: Privilege::Pl0,
    };
}

/// Why an access takes the Undefined Instruction exception.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UndefReason {
    /// The encoding names no debug register (another opc1, an unallocated
    /// number, a `2` form, LDC/STC to anything but the DTR).
    Unallocated,
    /// The register does not exist on this core: not in this version, not
    /// in CP14 on a v7-baseline core, an index past the BRP/WRP count, an
    /// optional feature the model lacks.
    NotImplemented,
    /// MCR to a read-only register or MRC from a write-only one.
    WrongDirection,
    /// A PL0 access to a register only PL1 may access.
    Privilege,
    /// A PL0 access to a PL0-capable register while DBGDSCR.UDCCdis = 1.
    UserAccessDisabled,
    /// v6/v6.1: a privileged access to a register other than DBGDIDR,
    /// DBGDSCR and the DTR while DBGDSCR\[15:14\] is not `0b10` (Monitor
    /// debug-mode not selected): ARM1136JF-S TRM (ARM DDI 0211K) and
    /// ARM1176JZF-S TRM (ARM DDI 0301H) §13.5.1 "Executing CP14 debug
    /// instructions".
    MonitorModeNotSelected,
    /// v7.0: the OS Lock is set and the register is an "other debug"
    /// register.
    OsLock,
    /// v7.0: DBGPRSR.SPD is set and the register is an "other debug"
    /// register.
    StickyPowerDown,
    /// DBGSWENABLE is driven low (including the Cortex-A9 erratum 764319
    /// reads of DBGPRSR/DBGOSLSR).
    SoftwareDebugDisabled,
    /// An UNPREDICTABLE or CONSTRAINED UNPREDICTABLE case this crate
    /// resolves as UNDEFINED (MCR with Rt = 15, MRC to APSR_nzcv from
    /// another register than DBGDSCRint, MRRC with Rt = Rt2, DBGOSSRR
    /// without the OS Lock, ...).
    Unpredictable,
}

/// The result of one register access.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccessOutcome {
    /// A 32-bit read completed with this value.
    Read(u32),
    /// A 64-bit read (MRRC) completed with this value (low word to Rt).
    Read64(u64),
    /// A write completed.
    Written,
    /// The access takes the Undefined Instruction exception; nothing
    /// changed.
    Undefined(UndefReason),
}

/// The DBGOSLAR key that sets the OS Lock.
pub const OSLAR_KEY: u32 = 0xC5AC_CE55;

const DSCR_MDBGEN: u32 = Dbgdscr::MDBGEN;
const DSCR_HDBGEN: u32 = Dbgdscr::HDBGEN;
const DSCR_UDCCDIS: u32 = Dbgdscr::UDCCDIS;
const DSCR_RXFULL: u32 = Dbgdscr::RXFULL;
const DSCR_TXFULL: u32 = Dbgdscr::TXFULL;

/// DBGDSCRext bits a CP14 write may change on `model` in `state`.
#[inline]
pub const fn dscr_ext_write_mask(model: &CoreModel, state: &DebugState) -> u32 {
    let oslk = state.flags & flag::OSLK != 0;
    // A board holding monitor debug off: MDBGen writes are ignored.
    let blocked = if state.flags & flag::MON_BLOCKED != 0 {
        DSCR_MDBGEN
    } else {
        0
    };
    let m = match model.version() {
        DebugVersion::V6 | DebugVersion::V6_1 => DSCR_MDBGEN | DSCR_UDCCDIS,
        DebugVersion::V7Full | DebugVersion::V7Base => DSCR_MDBGEN | DSCR_UDCCDIS,
        DebugVersion::V7_1 => {
            if oslk {
                Dbgdscr::V7_1_OS_LOCK_WRITABLE
            } else {
                DSCR_MDBGEN | DSCR_UDCCDIS
            }
        }
        _ => {
            if oslk {
                DbgdscrV8::OS_LOCK_WRITABLE
            } else {
                DSCR_MDBGEN | DSCR_UDCCDIS | Dbgdscr::MOE
            }
        }
    };
    m & !blocked
}

/// How a register may be accessed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rw {
    ReadOnly,
    WriteOnly,
    ReadWrite,
}

/// Whether `reg` exists in CP14 on `model`, and how it may be accessed.
#[inline]
fn presence(model: &CoreModel, reg: DebugRegister) -> Option<Rw> {
    match presence_bits(model, reg) & (P_R | P_W) {
        P_R => Some(Rw::ReadOnly),
        P_W => Some(Rw::WriteOnly),
        0 => None,
        _ => Some(Rw::ReadWrite),
    }
}

// Presence bits: the directions an access may take (none: not
// implemented), and which model check decides the rest.
const P_R: u8 = 1;
const P_W: u8 = 2;
/// Present when the index is below the model's BRP count.
const P_BRP: u8 = 4;
/// Present when the index is below the model's WRP count.
const P_WRP: u8 = 8;
/// Decided by [`model_presence`].
const P_MODEL: u8 = 16;

const fn rw_bits(c: bool, rw: Rw) -> u8 {
    if !c {
        return 0;
    }
    match rw {
        Rw::ReadOnly => P_R,
        Rw::WriteOnly => P_W,
        Rw::ReadWrite => P_R | P_W,
    }
}

/// The presence of a register kind on debug version `v`, as far as the
/// version decides it (see [`P_BRP`], [`P_WRP`], [`P_MODEL`]).
const fn version_presence(v: DebugVersion, reg: DebugRegister) -> u8 {
    use DebugRegister::*;
    use DebugVersion::*;
    let v6 = v.is_v6();
    let v7f = matches!(v, V7Full);
    let v71 = v.at_least_v7_1();
    let v8 = v.is_v8();
    let full = v6 || v7f || v71; // full CP14 map (not v7-baseline)
    match reg {
        Dbgdidr => P_R,
        DbgdscrInt => rw_bits(true, if v6 { Rw::ReadWrite } else { Rw::ReadOnly }),
        DbgdtrrxInt => P_R,
        DbgdtrtxInt => P_W,
        Dbgdccint => rw_bits(v8, Rw::ReadWrite),
        Dbgwfar => rw_bits(matches!(v, V6_1) || v7f || v71, Rw::ReadWrite),
        Dbgvcr => rw_bits(full, Rw::ReadWrite),
        Dbgecr => rw_bits(v7f, Rw::ReadWrite),
        Dbgdsccr | Dbgdsmcr => rw_bits(matches!(v, V6_1) || v7f, Rw::ReadWrite),
        DbgdtrrxExt | DbgdtrtxExt | DbgdscrExt => rw_bits(v7f || v71, Rw::ReadWrite),
        Dbgitr | Dbgpcsr | Dbgitctrl => 0,
        Dbgdrcr => rw_bits(v7f, Rw::WriteOnly),
        Dbgoseccr => rw_bits(v8, Rw::ReadWrite),
        Dbgbvr(_) | Dbgbcr(_) => rw_bits(full, Rw::ReadWrite) | if full { P_BRP } else { 0 },
        Dbgwvr(_) | Dbgwcr(_) => rw_bits(full, Rw::ReadWrite) | if full { P_WRP } else { 0 },
        Dbgdrar | Dbgdsar => rw_bits(!v6, Rw::ReadOnly),
        Dbgoslsr => rw_bits(v7f || v71, Rw::ReadOnly),
        Dbgosdlr => rw_bits(v71, Rw::ReadWrite),
        Dbgprcr => rw_bits(v7f || v71, Rw::ReadWrite),
        Dbgprsr => rw_bits(v7f || matches!(v, V7_1), Rw::ReadOnly),
        Dbgclaimset | Dbgclaimclr => rw_bits(v71, Rw::ReadWrite),
        Dbgauthstatus => rw_bits(v71, Rw::ReadOnly),
        Dbgdevid2 | Dbgdevid1 => rw_bits(v71, Rw::ReadOnly),
        Dbgbxvr(_) | Dbgdrar64 | Dbgdsar64 | Dbgoslar | Dbgossrr | Dbgdevid => P_MODEL,
    }
}

/// [`version_presence`] for every version and register kind, indexed by
/// `[version as usize][kind]`.
static PRESENCE: [[u8; KINDS]; DebugVersion::ALL.len()] = {
    let mut t = [[0; KINDS]; DebugVersion::ALL.len()];
    let mut v = 0;
    while v < DebugVersion::ALL.len() {
        let mut k = 0;
        while k < KINDS {
            t[v][k] = version_presence(DebugVersion::ALL[v], DebugRegister::ONE_OF_EACH_KIND[k]);
            k += 1;
        }
        v += 1;
    }
    t
};

/// Presence bits of the registers that depend on more of the model than
/// its version and pair counts.
#[cold]
#[inline(never)]
fn model_presence(model: &CoreModel, reg: DebugRegister) -> u8 {
    use DebugRegister::*;
    use DebugVersion::*;
    let v = model.version();
    let v6 = v.is_v6();
    let v7f = matches!(v, V7Full);
    let v71 = v.at_least_v7_1();
    let v8 = v.is_v8();
    match reg {
        Dbgbxvr(n) => rw_bits(
            v71 && model.virtualization() && n < model.brps() && n >= model.first_ctx_brp(),
            Rw::ReadWrite,
        ),
        Dbgdrar64 | Dbgdsar64 => rw_bits(!v6 && (model.lpae() || v8), Rw::ReadOnly),
        Dbgoslar => rw_bits(
            (v7f && model.os_lock() != OsLockModel::None) || v71,
            Rw::WriteOnly,
        ),
        Dbgossrr => rw_bits(
            v7f && model.os_lock() == OsLockModel::SaveRestore,
            Rw::ReadWrite,
        ),
        Dbgdevid => rw_bits((v7f || v71) && model.dbgdevid().is_some(), Rw::ReadOnly),
        _ => 0,
    }
}

/// `P_R | P_W` bits of `reg` on `model`: none when the register is not
/// implemented.
#[inline(always)]
fn presence_bits(model: &CoreModel, reg: DebugRegister) -> u8 {
    let p = PRESENCE[model.version() as usize][reg.kind()];
    if p & (P_BRP | P_WRP | P_MODEL) == 0 {
        return p;
    }
    match reg {
        DebugRegister::Dbgbvr(n) | DebugRegister::Dbgbcr(n) if p & P_BRP != 0 => {
            if n < model.brps() {
                p & (P_R | P_W)
            } else {
                0
            }
        }
        DebugRegister::Dbgwvr(n) | DebugRegister::Dbgwcr(n) if p & P_WRP != 0 => {
            if n < model.wrps() {
                p & (P_R | P_W)
            } else {
                0
            }
        }
        _ => model_presence(model, reg),
    }
}

/// Runs `docs/registers.md`, "Access checks" checks 1–6 for an access to `reg` without performing it:
/// `Err` with the reason when the access would be UNDEFINED.
///
/// # Errors
/// The [`UndefReason`] of the first check that fails.
#[inline(always)]
pub fn check_access(
    model: &CoreModel,
    state: &DebugState,
    reg: DebugRegister,
    dir: Direction,
    ctx: AccessContext,
) -> Result<(), UndefReason> {
    let rw = presence_bits(model, reg);
    let read = matches!(dir, Direction::Read);
    if rw & if read { P_R } else { P_W } == 0 {
        return Err(if rw == 0 {
            UndefReason::NotImplemented
        } else {
            UndefReason::WrongDirection
        });
    }
    let rules = reg.row().classes;
    if matches!(ctx.privilege, Privilege::Pl0) {
        // v6: DSCR is never writable from User mode (ARM1136 TRM).
        if !rules.pl0 || (!read && matches!(reg, DebugRegister::DbgdscrInt)) {
            return Err(UndefReason::Privilege);
        }
        if state.dscr & DSCR_UDCCDIS != 0 {
            return Err(UndefReason::UserAccessDisabled);
        }
    } else if model.version().is_v6()
        && !rules.v6_lockout_exempt
        && state.dscr & (DSCR_MDBGEN | DSCR_HDBGEN) != DSCR_MDBGEN
    {
        // v6/v6.1 lockout: ARM DDI 0211K / DDI 0301H §13.5.1. v7 has no
        // such rule (DDI 0406B Table C6-12; Linux's reset_ctrl_regs()
        // writes the pairs before enable_monitor_mode()).
        return Err(UndefReason::MonitorModeNotSelected);
    }
    if state.flags & flag::SWENABLE == 0 {
        let erratum = model.quirks().erratum_764319
            && read
            && matches!(reg, DebugRegister::Dbgoslsr | DebugRegister::Dbgprsr);
        if !rules.swenable_exempt || erratum {
            return Err(UndefReason::SoftwareDebugDisabled);
        }
    }
    if model.version().is_v7_0() {
        let spd = state.flags & flag::SPD != 0;
        let oslk = state.flags & flag::OSLK != 0;
        if rules.other_debug {
            if spd {
                return Err(UndefReason::StickyPowerDown);
            }
            if oslk {
                return Err(UndefReason::OsLock);
            }
        }
        if matches!(reg, DebugRegister::Dbgossrr) && (spd || !oslk) {
            return Err(UndefReason::Unpredictable);
        }
    }
    Ok(())
}

/// Number of words in the DBGOSSRR save sequence: DBGDSCR, DBGVCR,
/// DBGWFAR, then every BVR, BCR, WVR, WCR (this crate's order; the
/// architecture leaves it IMPLEMENTATION DEFINED).
#[inline]
pub const fn ossrr_words(model: &CoreModel) -> u32 {
    3 + 2 * model.brps() as u32 + 2 * model.wrps() as u32
}

fn ossrr_slot<'s>(model: &CoreModel, s: &'s mut DebugState, k: u32) -> Option<&'s mut u32> {
    let b = model.brps() as u32;
    let w = model.wrps() as u32;
    Some(match k {
        0 => &mut s.dscr,
        1 => &mut s.vcr,
        2 => &mut s.wfar,
        k if k < 3 + b => &mut s.bvr[(k - 3) as usize],
        k if k < 3 + 2 * b => &mut s.bcr[(k - 3 - b) as usize],
        k if k < 3 + 2 * b + w => &mut s.wvr[(k - 3 - 2 * b) as usize],
        k if k < 3 + 2 * b + 2 * w => &mut s.wcr[(k - 3 - 2 * b - w) as usize],
        _ => return None,
    })
}

fn ossrr_mask(model: &CoreModel, s: &DebugState, k: u32) -> u32 {
    let b = model.brps() as u32;
    let w = model.wrps() as u32;
    match k {
        0 => dscr_ext_write_mask(model, s),
        1 => vcr_mask(model),
        2 => 0xFFFF_FFFE,
        k if k < 3 + b => bvr_mask(model, (k - 3) as u8),
        k if k < 3 + 2 * b => bcr_mask(model),
        k if k < 3 + 2 * b + w => WVR_MASK,
        _ => wcr_mask(model),
    }
}

/// Reads `reg` (a 32-bit MRC, or STC for DBGDTRRXint).
#[inline]
pub fn read(
    model: &CoreModel,
    state: &mut DebugState,
    reg: DebugRegister,
    ctx: AccessContext,
) -> AccessOutcome {
    read_inline(model, state, reg, ctx)
}

/// [`read()`], always inlined: the emulation step's copy, so the access
/// outcome stays in registers.
#[inline(always)]
pub(crate) fn read_inline(
    model: &CoreModel,
    state: &mut DebugState,
    reg: DebugRegister,
    ctx: AccessContext,
) -> AccessOutcome {
    let out = match check_access(model, state, reg, Direction::Read, ctx) {
        Err(r) => AccessOutcome::Undefined(r),
        Ok(()) => read_checked(model, state, reg),
    };
    trace_access(reg, Direction::Read, 0, out);
    out
}

/// Writes `value` to `reg` (a 32-bit MCR, or LDC for DBGDTRTXint).
#[inline]
pub fn write(
    model: &CoreModel,
    state: &mut DebugState,
    reg: DebugRegister,
    value: u32,
    ctx: AccessContext,
) -> AccessOutcome {
    write_inline(model, state, reg, value, ctx)
}

/// [`write()`], always inlined (see [`read_inline`]).
#[inline(always)]
pub(crate) fn write_inline(
    model: &CoreModel,
    state: &mut DebugState,
    reg: DebugRegister,
    value: u32,
    ctx: AccessContext,
) -> AccessOutcome {
    let out = match check_access(model, state, reg, Direction::Write, ctx) {
        Err(r) => AccessOutcome::Undefined(r),
        Ok(()) => {
            write_checked(model, state, reg, value);
            AccessOutcome::Written
        }
    };
    trace_access(reg, Direction::Write, value as u64, out);
    out
}

/// Emits the `cp14 access` trace event. The level check comes first and
/// is all a disabled `trace` level costs: the event's fields are only
/// built, out of line, when it passes (the outcome travels as two
/// scalars, so nothing is copied to memory on the fast path).
#[inline(always)]
#[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
fn trace_access(reg: DebugRegister, dir: Direction, value: u64, out: AccessOutcome) {
    #[cfg(feature = "tracing")]
    if tracing::Level::TRACE <= tracing::level_filters::STATIC_MAX_LEVEL
        && tracing::Level::TRACE <= tracing::level_filters::LevelFilter::current()
    {
        let (tag, payload) = match out {
            AccessOutcome::Read(v) => (0, v as u64),
            AccessOutcome::Read64(v) => (1, v),
            AccessOutcome::Written => (2, value),
            AccessOutcome::Undefined(r) => (3, r as u64),
        };
        trace_access_event(reg, dir, value, tag, payload);
    }
}

/// Every [`UndefReason`], in declaration order.
#[cfg(feature = "tracing")]
const UNDEF_REASONS: [UndefReason; 10] = [
    UndefReason::Unallocated,
    UndefReason::NotImplemented,
    UndefReason::WrongDirection,
    UndefReason::Privilege,
    UndefReason::UserAccessDisabled,
    UndefReason::MonitorModeNotSelected,
    UndefReason::OsLock,
    UndefReason::StickyPowerDown,
    UndefReason::SoftwareDebugDisabled,
    UndefReason::Unpredictable,
];

#[cfg(feature = "tracing")]
#[cold]
#[inline(never)]
fn trace_access_event(reg: DebugRegister, dir: Direction, value: u64, tag: u8, payload: u64) {
    let (value, out) = match tag {
        0 => (payload, AccessOutcome::Read(payload as u32)),
        1 => (payload, AccessOutcome::Read64(payload)),
        2 => (value, AccessOutcome::Written),
        _ => {
            let r = UNDEF_REASONS
                .get(payload as usize)
                .copied()
                .unwrap_or(UndefReason::Unpredictable);
            (value, AccessOutcome::Undefined(r))
        }
    };
    tracing::trace!(register = %reg, direction = ?dir, value, outcome = ?out, "cp14 access");
}

#[inline(always)]
fn read_checked(model: &CoreModel, s: &mut DebugState, reg: DebugRegister) -> AccessOutcome {
    use DebugRegister::*;
    let v = match reg {
        Dbgdidr => model.dbgdidr(),
        DbgdscrInt => dscr_int_value(model, s),
        DbgdscrExt => dscr_ext_value(model, s),
        DbgdtrrxInt => {
            s.flags &= !flag::RXFULL;
            s.dtrrx
        }
        DbgdtrrxExt => s.dtrrx,
        DbgdtrtxExt => s.dtrtx,
        Dbgdccint => (s.dccint as u32) << 29,
        Dbgwfar => {
            if model.version().at_least_v7_1() {
                0
            } else {
                s.wfar
            }
        }
        Dbgvcr => s.vcr,
        Dbgecr | Dbgdsccr | Dbgdsmcr => 0,
        Dbgoseccr => s.oseccr,
        Dbgbvr(n) => s.bvr[(n & 15) as usize],
        Dbgbcr(n) => s.bcr[(n & 15) as usize],
        Dbgwvr(n) => s.wvr[(n & 15) as usize],
        Dbgwcr(n) => s.wcr[(n & 15) as usize],
        Dbgbxvr(n) => s.bxvr[(n & 15) as usize] as u32,
        Dbgdrar | Dbgdsar => 0,
        Dbgdrar64 | Dbgdsar64 => return AccessOutcome::Read64(0),
        Dbgoslsr => oslsr_value(model, s),
        Dbgossrr => {
            let pos = s.ossrr_pos as u32;
            s.ossrr_pos = s.ossrr_pos.saturating_add(1);
            if pos == 0 {
                ossrr_words(model)
            } else {
                ossrr_slot(model, s, pos - 1).map_or(0, |w| *w)
            }
        }
        Dbgosdlr => (s.flags & flag::DLK != 0 && model.double_lock()) as u32,
        Dbgprcr => s.prcr as u32,
        Dbgprsr => {
            let v = prsr_value(model, s);
            if s.flags & flag::PU != 0 {
                s.flags &= !flag::SPD;
            }
            s.flags &= !flag::SR;
            v
        }
        Dbgclaimset => 0xFF,
        Dbgclaimclr => s.claim as u32,
        Dbgauthstatus => {
            if model.security() {
                0xFF
            } else {
                0x0F
            }
        }
        Dbgdevid2 => 0,
        Dbgdevid1 => model.dbgdevid1().unwrap_or(0),
        Dbgdevid => model.dbgdevid().unwrap_or(0),
        // Write-only registers never get here (check() refused them).
        DbgdtrtxInt | Dbgitr | Dbgdrcr | Dbgoslar => 0,
        Dbgpcsr | Dbgitctrl => 0,
    };
    AccessOutcome::Read(v)
}

#[inline]
fn write_checked(model: &CoreModel, s: &mut DebugState, reg: DebugRegister, value: u32) {
    use DebugRegister::*;
    match reg {
        DbgdscrInt | DbgdscrExt => {
            let m = dscr_ext_write_mask(model, s);
            s.dscr = (s.dscr & !m) | (value & m & !(DSCR_RXFULL | DSCR_TXFULL));
            if m & DSCR_RXFULL != 0 {
                let on = value & DSCR_RXFULL != 0;
                s.flags = (s.flags & !flag::RXFULL) | if on { flag::RXFULL } else { 0 };
            }
            if m & DSCR_TXFULL != 0 {
                let on = value & DSCR_TXFULL != 0;
                s.flags = (s.flags & !flag::TXFULL) | if on { flag::TXFULL } else { 0 };
            }
        }
        DbgdtrtxInt => {
            s.dtrtx = value;
            s.flags |= flag::TXFULL;
        }
        DbgdtrrxExt => s.dtrrx = value,
        DbgdtrtxExt => s.dtrtx = value,
        Dbgdccint => s.dccint = ((value >> 29) & 3) as u8,
        Dbgwfar => {
            if !model.version().at_least_v7_1() {
                s.wfar = value & 0xFFFF_FFFE;
            }
        }
        Dbgvcr => s.vcr = value & vcr_mask(model),
        Dbgecr | Dbgdsccr | Dbgdsmcr => {}
        Dbgdrcr => {
            if value & (1 << 2) != 0 {
                s.dscr &= !0x1C0; // clear sticky exceptions
            }
        }
        Dbgoseccr => {
            if s.flags & flag::OSLK != 0 {
                s.oseccr = value;
            }
        }
        Dbgbvr(n) => s.bvr[(n & 15) as usize] = value & bvr_mask(model, n),
        Dbgbcr(n) => s.bcr[(n & 15) as usize] = normalize_bcr(model, value),
        Dbgwvr(n) => s.wvr[(n & 15) as usize] = value & WVR_MASK,
        Dbgwcr(n) => s.wcr[(n & 15) as usize] = value & wcr_mask(model),
        Dbgbxvr(n) => s.bxvr[(n & 15) as usize] = value as u8,
        Dbgoslar => {
            if value == OSLAR_KEY {
                s.flags |= flag::OSLK;
            } else {
                s.flags &= !flag::OSLK;
            }
            s.ossrr_pos = 0;
        }
        Dbgossrr => {
            let pos = s.ossrr_pos as u32;
            if pos > 0 {
                let m = ossrr_mask(model, s, pos - 1);
                let b = model.brps() as u32;
                let bcr_word = (3 + b..3 + 2 * b).contains(&(pos - 1));
                let value = if bcr_word {
                    normalize_bcr(model, value)
                } else {
                    value & m
                };
                if let Some(w) = ossrr_slot(model, s, pos - 1) {
                    *w = value;
                }
            }
            s.ossrr_pos = s.ossrr_pos.saturating_add(1);
        }
        Dbgosdlr => {
            if model.double_lock() {
                if value & 1 != 0 {
                    s.flags |= flag::DLK;
                } else {
                    s.flags &= !flag::DLK;
                }
            }
        }
        Dbgprcr => {
            s.prcr = (value & prcr_mask(model)) as u8;
        }
        Dbgclaimset => s.claim |= value as u8,
        Dbgclaimclr => s.claim &= !(value as u8),
        // Read-only registers never get here (check() refused them).
        Dbgdidr | DbgdtrrxInt | Dbgitr | Dbgpcsr | Dbgdrar | Dbgdsar | Dbgdrar64 | Dbgdsar64
        | Dbgoslsr | Dbgprsr | Dbgitctrl | Dbgauthstatus | Dbgdevid2 | Dbgdevid1 | Dbgdevid => {}
    }
}

/// The writable mask of a plain read/write register on `model` in
/// `state`: a write of `v` followed by a read returns `v & mask` (for
/// DBGBCR, followed by the BAS normalisation of [`normalize_bcr`]).
/// `None` for registers that are not plain storage (RO, WO, RAZ/WI,
/// side-effecting, or absent on the model).
pub fn writable_mask(model: &CoreModel, state: &DebugState, reg: DebugRegister) -> Option<u32> {
    use DebugRegister::*;
    if presence(model, reg) != Some(Rw::ReadWrite) {
        return None;
    }
    Some(match reg {
        Dbgbvr(n) => bvr_mask(model, n),
        Dbgbcr(_) => bcr_mask(model),
        Dbgwvr(_) => WVR_MASK,
        Dbgwcr(_) => wcr_mask(model),
        Dbgbxvr(_) => 0xFF,
        Dbgvcr => vcr_mask(model),
        Dbgwfar if !model.version().at_least_v7_1() => 0xFFFF_FFFE,
        DbgdtrrxExt | DbgdtrtxExt => u32::MAX,
        Dbgdccint => 0x6000_0000,
        Dbgprcr => prcr_mask(model),
        Dbgosdlr if model.double_lock() => 1,
        DbgdscrExt => {
            let m = dscr_ext_write_mask(model, state);
            // RXfull/TXfull are flags; the rest is plain storage.
            m & !(DSCR_RXFULL | DSCR_TXFULL)
        }
        _ => return None,
    })
}

/// A vCPU's debug registers: the model paired with its state, for callers
/// that prefer methods.
#[derive(Debug)]
pub struct DebugCpu<'a> {
    /// The core model.
    pub model: &'a CoreModel,
    /// The vCPU's state.
    pub state: &'a mut DebugState,
}

impl DebugCpu<'_> {
    /// [`read()`] on this vCPU.
    #[inline]
    pub fn read(&mut self, reg: DebugRegister, ctx: AccessContext) -> AccessOutcome {
        read(self.model, self.state, reg, ctx)
    }
    /// [`write()`] on this vCPU.
    #[inline]
    pub fn write(&mut self, reg: DebugRegister, value: u32, ctx: AccessContext) -> AccessOutcome {
        write(self.model, self.state, reg, value, ctx)
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod table_tests {
    use super::*;
    use crate::model::Quirks;

    /// The original `presence` match, the reference for the tables.
    #[cfg(test)]
    fn presence_reference(model: &CoreModel, reg: DebugRegister) -> Option<Rw> {
        use DebugRegister::*;
        use DebugVersion::*;
        let v = model.version();
        let v6 = v.is_v6();
        let v7f = matches!(v, V7Full);
        let v71 = v.at_least_v7_1();
        let v8 = v.is_v8();
        let full = v6 || v7f || v71; // full CP14 map (not v7-baseline)
        let yes = |c: bool, rw: Rw| if c { Some(rw) } else { None };
        match reg {
            Dbgdidr => Some(Rw::ReadOnly),
            DbgdscrInt => Some(if v6 { Rw::ReadWrite } else { Rw::ReadOnly }),
            DbgdtrrxInt => Some(Rw::ReadOnly),
            DbgdtrtxInt => Some(Rw::WriteOnly),
            Dbgdccint => yes(v8, Rw::ReadWrite),
            Dbgwfar => yes(matches!(v, V6_1) || v7f || v71, Rw::ReadWrite),
            Dbgvcr => yes(full, Rw::ReadWrite),
            Dbgecr => yes(v7f, Rw::ReadWrite),
            Dbgdsccr | Dbgdsmcr => yes(matches!(v, V6_1) || v7f, Rw::ReadWrite),
            DbgdtrrxExt | DbgdtrtxExt | DbgdscrExt => yes(v7f || v71, Rw::ReadWrite),
            Dbgitr | Dbgpcsr => None,
            Dbgdrcr => yes(v7f, Rw::WriteOnly),
            Dbgoseccr => yes(v8, Rw::ReadWrite),
            Dbgbvr(n) | Dbgbcr(n) => yes(full && n < model.brps(), Rw::ReadWrite),
            Dbgwvr(n) | Dbgwcr(n) => yes(full && n < model.wrps(), Rw::ReadWrite),
            Dbgbxvr(n) => yes(
                v71 && model.virtualization() && n < model.brps() && n >= model.first_ctx_brp(),
                Rw::ReadWrite,
            ),
            Dbgdrar | Dbgdsar => yes(!v6, Rw::ReadOnly),
            Dbgdrar64 | Dbgdsar64 => yes(!v6 && (model.lpae() || v8), Rw::ReadOnly),
            Dbgoslar => yes(
                (v7f && model.os_lock() != OsLockModel::None) || v71,
                Rw::WriteOnly,
            ),
            Dbgoslsr => yes(v7f || v71, Rw::ReadOnly),
            Dbgossrr => yes(
                v7f && model.os_lock() == OsLockModel::SaveRestore,
                Rw::ReadWrite,
            ),
            Dbgosdlr => yes(v71, Rw::ReadWrite),
            Dbgprcr => yes(v7f || v71, Rw::ReadWrite),
            Dbgprsr => yes(v7f || matches!(v, V7_1), Rw::ReadOnly),
            Dbgitctrl => None,
            Dbgclaimset | Dbgclaimclr => yes(v71, Rw::ReadWrite),
            Dbgauthstatus => yes(v71, Rw::ReadOnly),
            Dbgdevid2 | Dbgdevid1 => yes(v71, Rw::ReadOnly),
            Dbgdevid => yes((v7f || v71) && model.dbgdevid().is_some(), Rw::ReadOnly),
        }
    }

    fn models() -> std::vec::Vec<CoreModel> {
        let mut out = std::vec::Vec::new();
        for m in CoreModel::presets() {
            out.push(*m);
            for v in DebugVersion::ALL {
                for (lpae, virt, oslm, devid) in [
                    (false, false, OsLockModel::None, None),
                    (true, true, OsLockModel::SaveRestore, Some(1)),
                    (true, false, OsLockModel::LockOnly, None),
                ] {
                    if let Ok(b) = m
                        .to_builder()
                        .version(v)
                        .brps(16)
                        .wrps(3)
                        .lpae(lpae)
                        .virtualization(virt)
                        .os_lock(oslm)
                        .dbgdevid(devid)
                        .quirks(Quirks::default())
                        .build()
                    {
                        out.push(b);
                    }
                }
            }
        }
        out
    }

    // The rule classes written out as matches: an independent oracle for
    // the register table's class columns.
    /// Registers a PL0 access may reach (`docs/registers.md`, "Access checks").
    fn pl0_capable(reg: DebugRegister) -> bool {
        use DebugRegister::*;
        matches!(
            reg,
            Dbgdidr
                | DbgdscrInt
                | DbgdtrrxInt
                | DbgdtrtxInt
                | Dbgdrar
                | Dbgdsar
                | Dbgdrar64
                | Dbgdsar64
        )
    }

    /// Registers a privileged v6/v6.1 access reaches outside Monitor
    /// debug-mode (ARM DDI 0211K / DDI 0301H §13.5.1).
    fn v6_lockout_exempt(reg: DebugRegister) -> bool {
        use DebugRegister::*;
        matches!(reg, Dbgdidr | DbgdscrInt | DbgdtrrxInt | DbgdtrtxInt)
    }

    /// Registers still accessible with DBGSWENABLE low (this crate's choice,
    /// see the module documentation).
    fn swenable_exempt(reg: DebugRegister) -> bool {
        use DebugRegister::*;
        pl0_capable(reg)
            || matches!(
                reg,
                Dbgoslar | Dbgoslsr | Dbgossrr | Dbgosdlr | Dbgprcr | Dbgprsr
            )
    }

    /// The v7 "other debug" registers (numbers 0–127 minus DBGECR, DBGDRCR
    /// and the baseline registers; ARMv7 Table C6-12), which the v7.0 OS Lock
    /// and sticky power-down make UNDEFINED.
    fn other_debug(reg: DebugRegister) -> bool {
        use DebugRegister::*;
        matches!(
            reg,
            Dbgwfar
                | Dbgvcr
                | Dbgdsccr
                | Dbgdsmcr
                | DbgdtrrxExt
                | DbgdtrtxExt
                | DbgdscrExt
                | Dbgitr
                | Dbgpcsr
                | Dbgbvr(_)
                | Dbgbcr(_)
                | Dbgwvr(_)
                | Dbgwcr(_)
                | Dbgbxvr(_)
        )
    }

    #[test]
    fn presence_table_matches_the_reference() {
        let ms = models();
        assert!(ms.len() > 20);
        for m in &ms {
            for k in DebugRegister::ONE_OF_EACH_KIND {
                for n in 0..18u8 {
                    let r = match k {
                        DebugRegister::Dbgbvr(_) => DebugRegister::Dbgbvr(n),
                        DebugRegister::Dbgbcr(_) => DebugRegister::Dbgbcr(n),
                        DebugRegister::Dbgwvr(_) => DebugRegister::Dbgwvr(n),
                        DebugRegister::Dbgwcr(_) => DebugRegister::Dbgwcr(n),
                        DebugRegister::Dbgbxvr(_) => DebugRegister::Dbgbxvr(n),
                        other => other,
                    };
                    assert_eq!(
                        presence(m, r),
                        presence_reference(m, r),
                        "{} {:?} {r}",
                        m.name(),
                        m.version()
                    );
                }
            }
        }
    }

    #[cfg(feature = "tracing")]
    #[test]
    fn undef_reasons_are_in_declaration_order() {
        for (i, r) in UNDEF_REASONS.iter().enumerate() {
            assert_eq!(*r as usize, i, "{r:?}");
        }
    }

    #[test]
    fn kind_rules_match_the_predicates() {
        for r in DebugRegister::ONE_OF_EACH_KIND {
            let k = r.row().classes;
            assert_eq!(k.pl0, pl0_capable(r), "{r}");
            assert_eq!(k.swenable_exempt, swenable_exempt(r), "{r}");
            assert_eq!(k.other_debug, other_debug(r), "{r}");
            assert_eq!(k.v6_lockout_exempt, v6_lockout_exempt(r), "{r}");
        }
    }
}
