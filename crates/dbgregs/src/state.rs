//! Per-vCPU debug register state: one small `Copy` struct, no heap, no
//! model inside (accesses pair it with a `&CoreModel`, see
//! `semantics`).
//!
//! Storage choices:
//! * the 16 BVR/BCR/WVR/WCR slots are always present (256 bytes); slots
//!   past the model's counts are never reachable through an access;
//! * DBGBXVR is stored as VMID\[7:0\] only: with an AArch32 EL2 the
//!   CONTEXTIDR_EL2 breakpoint types (BT = 11xx) are reserved, so
//!   BXVR\[31:8\] is RES0 (DDI 0406C.d C11, DBGBVR and DBGBXVR);
//! * DBGDSCR is stored once (the external view's writable bits); the
//!   internal view is derived from it, so an external write of MDBGen is
//!   visible in DBGDSCRint (DDI 0406C.d C11, DBGDSCR; DDI 0487 G8.3, DBGDSCRext).

use crate::model::{CoreModel, OsLockModel};
use crate::registers::{Dbgdscr, DbgdscrV8};
use crate::version::DebugVersion;
use crate::wmask;

/// How values the architecture leaves UNKNOWN at reset are filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum UnknownFill {
    /// Zero (the default; also what the Cortex-A8/A9 TRMs give for the
    /// breakpoint registers).
    #[default]
    Zero,
    /// Deterministic pseudo-random values from this seed (SplitMix64), so a
    /// VMM can catch guests that rely on UNKNOWN reset values. Only bits a
    /// write could set are filled.
    Seeded(u64),
}

/// SplitMix64: a tiny deterministic PRNG (public-domain algorithm by
/// Sebastiano Vigna), enough to scramble UNKNOWN reset values.
#[derive(Debug, Clone, Copy)]
struct SplitMix(u64);

impl SplitMix {
    fn next_u32(&mut self) -> u32 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) as u32
    }
}

struct Filler(Option<SplitMix>);

impl Filler {
    fn new(fill: UnknownFill) -> Filler {
        match fill {
            UnknownFill::Zero => Filler(None),
            UnknownFill::Seeded(seed) => Filler(Some(SplitMix(seed))),
        }
    }
    fn value(&mut self, mask: u32) -> u32 {
        match &mut self.0 {
            None => 0,
            Some(rng) => rng.next_u32() & mask,
        }
    }
}

pub(crate) mod flag {
    pub const RXFULL: u16 = 1 << 0;
    pub const TXFULL: u16 = 1 << 1;
    pub const OSLK: u16 = 1 << 2;
    pub const DLK: u16 = 1 << 3;
    pub const SPD: u16 = 1 << 4;
    pub const PU: u16 = 1 << 5;
    pub const SR: u16 = 1 << 6;
    pub const SWENABLE: u16 = 1 << 7;
    pub const NS: u16 = 1 << 8;
    /// Board input: DBGDSCR.MDBGen does not stick (writes ignored, reads 0).
    pub const MON_BLOCKED: u16 = 1 << 9;
}

/// The debug register state of one vCPU.
///
/// Create it with [`DebugState::cold_reset`]; read and write it through
/// `semantics` (or `emulate::step`) with the vCPU's
/// [`CoreModel`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DebugState {
    pub(crate) bvr: [u32; 16],
    pub(crate) bcr: [u32; 16],
    pub(crate) wvr: [u32; 16],
    pub(crate) wcr: [u32; 16],
    pub(crate) bxvr: [u8; 16],
    /// Writable DBGDSCR bits (external view), without RXfull/TXfull.
    pub(crate) dscr: u32,
    pub(crate) dtrrx: u32,
    pub(crate) dtrtx: u32,
    pub(crate) vcr: u32,
    pub(crate) wfar: u32,
    pub(crate) oseccr: u32,
    pub(crate) prcr: u8,
    pub(crate) claim: u8,
    pub(crate) dccint: u8,
    /// DBGOSSRR sequence position (0 = next read returns the count).
    pub(crate) ossrr_pos: u8,
    pub(crate) flags: u16,
}

impl DebugState {
    /// The state out of a cold (power-on) reset: debug logic and core reset
    /// together. DBGSWENABLE is high, the core is powered up, SPD is clear,
    /// OSLK is the model's reset value (v7.1/v8: set, DDI 0406C.d C11, DBGOSLSR and DBGOSDLR; DDI 0487 G8.3; v7.0: this
    /// crate's choice, clear), MDBGen/UDCCdis/DLK are 0, values the
    /// architecture leaves UNKNOWN are filled per `fill`.
    pub fn cold_reset(model: &CoreModel, fill: UnknownFill) -> DebugState {
        let mut s = DebugState {
            bvr: [0; 16],
            bcr: [0; 16],
            wvr: [0; 16],
            wcr: [0; 16],
            bxvr: [0; 16],
            dscr: 0,
            dtrrx: 0,
            dtrtx: 0,
            vcr: 0,
            wfar: 0,
            oseccr: 0,
            prcr: 0,
            claim: 0,
            dccint: 0,
            ossrr_pos: 0,
            flags: flag::PU | flag::SWENABLE,
        };
        if model.security() {
            // A guest under a VMM runs in Non-secure state.
            s.flags |= flag::NS;
        }
        s.reset_debug_logic(model, fill);
        s
    }

    /// A debug-logic reset (what a power-up of the debug domain does):
    /// pairs, DTRs, VCR, WFAR UNKNOWN (per `fill`), DSCR control bits 0,
    /// claim tags 0, DLK 0, OSLK per model, OSSRR sequence restarted.
    /// DBGSWENABLE, PU, SPD, the Security state and the monitor-debug block
    /// input ([`DebugState::set_monitor_debug_blocked`]) are left alone.
    pub fn reset_debug_logic(&mut self, model: &CoreModel, fill: UnknownFill) {
        let mut f = Filler::new(fill);
        for n in 0..16u8 {
            let i = n as usize;
            self.bvr[i] = f.value(wmask::bvr_mask(model, n));
            self.bcr[i] = wmask::normalize_bcr(model, f.value(wmask::bcr_mask(model)));
            self.wvr[i] = f.value(wmask::WVR_MASK);
            self.wcr[i] = f.value(wmask::wcr_mask(model));
            self.bxvr[i] = f.value(0xFF) as u8;
        }
        self.dtrrx = f.value(u32::MAX);
        self.dtrtx = f.value(u32::MAX);
        self.vcr = f.value(wmask::vcr_mask(model));
        self.wfar = f.value(0xFFFF_FFFE);
        // MOE is UNKNOWN at reset in v8; every other DSCR control bit is 0.
        self.dscr = if model.version().is_v8() {
            f.value(0x3C)
        } else {
            0
        };
        self.oseccr = 0;
        self.prcr = 0;
        self.claim = 0;
        self.dccint = 0;
        self.ossrr_pos = 0;
        self.flags &= !(flag::RXFULL | flag::TXFULL | flag::DLK | flag::OSLK | flag::SR);
        if model.oslk_reset() && model.os_lock() != OsLockModel::None {
            self.flags |= flag::OSLK;
        }
    }

    /// A warm reset (core reset without debug-logic reset): v8 clears
    /// MDBGen, UDCCdis, DLK and DBGDCCINT (`docs/registers.md`, "Register map and reset values" reset column); the
    /// breakpoint registers keep their values. Sets DBGPRSR.SR.
    pub fn warm_reset(&mut self, model: &CoreModel) {
        if model.version().is_v8() {
            self.dscr &= !(Dbgdscr::MDBGEN | Dbgdscr::UDCCDIS);
            self.dccint = 0;
        }
        self.flags &= !flag::DLK;
        self.flags |= flag::SR;
    }

    const fn has(&self, f: u16) -> bool {
        self.flags & f != 0
    }

    fn put(&mut self, f: u16, on: bool) {
        if on {
            self.flags |= f;
        } else {
            self.flags &= !f;
        }
    }

    // ---- external signals and fault injection ----

    /// Drives the DBGSWENABLE input. Low: CP14 debug register accesses
    /// other than the baseline registers, DBGOSLSR and DBGPRSR UNDEF (and
    /// those two also on a core with erratum 764319; `docs/registers.md`, "DBGSWENABLE").
    pub fn set_dbgswenable(&mut self, high: bool) {
        self.put(flag::SWENABLE, high);
    }

    /// Sets or clears DBGPRSR.SPD (sticky power-down) directly.
    pub fn set_sticky_power_down(&mut self, on: bool) {
        self.put(flag::SPD, on);
    }

    /// Sets or clears DBGOSDLR.DLK directly (an OS double lock set by
    /// firmware, or a fault to inject). Works whether or not the model has
    /// FEAT_DoubleLock.
    pub fn set_double_lock(&mut self, on: bool) {
        self.put(flag::DLK, on);
    }

    /// Sets or clears the OS Lock directly (e.g. firmware left it set).
    pub fn set_os_lock(&mut self, on: bool) {
        self.put(flag::OSLK, on);
    }

    /// Sets the Security state the guest runs in (DBGDSCR.NS). Only
    /// meaningful on a model with the Security Extensions.
    pub fn set_nonsecure(&mut self, ns: bool) {
        self.put(flag::NS, ns);
    }

    /// Holds monitor debug-mode off (a board-level input, e.g. an
    /// invasive-debug authentication signal or a firmware/external-debugger
    /// setting; the mechanism on real boards is unverified). While set,
    /// CP14 writes of DBGDSCR.MDBGen (DBGDSCRext, and the v6/v6.1 DSCR at
    /// `c0,c1,0`) leave it 0, so it reads back 0. Setting it clears MDBGen;
    /// clearing it changes nothing until the next write.
    pub fn set_monitor_debug_blocked(&mut self, on: bool) {
        self.put(flag::MON_BLOCKED, on);
        if on {
            self.dscr &= !Dbgdscr::MDBGEN;
        }
    }

    /// The monitor-debug block input ([`DebugState::set_monitor_debug_blocked`]).
    pub const fn monitor_debug_blocked(&self) -> bool {
        self.has(flag::MON_BLOCKED)
    }

    /// The debug (core) power domain goes down: DBGPRSR.PU = 0 and SPD = 1.
    /// The state is lost; [`DebugState::power_up`] resets it.
    pub fn power_down(&mut self) {
        self.put(flag::PU, false);
        self.put(flag::SPD, true);
    }

    /// The power domain comes back: PU = 1, SPD stays set until DBGPRSR is
    /// read (v7; on v8 there is no CP14 DBGPRSR and SPD has no CP14
    /// effect), and the debug logic is reset ([`DebugState::reset_debug_logic`]:
    /// OSLK set again on v7.1/v8, pairs UNKNOWN).
    pub fn power_up(&mut self, model: &CoreModel, fill: UnknownFill) {
        self.reset_debug_logic(model, fill);
        self.put(flag::PU, true);
        self.put(flag::SPD, true);
    }

    /// The guest executed WFI: on a core with the Scorpion quirk this sets
    /// DBGPRSR.SPD (`docs/registers.md`, "Sticky power-down and the Scorpion quirk"); otherwise nothing happens.
    pub fn wfi(&mut self, model: &CoreModel) {
        if model.quirks().spd_on_wfi {
            self.put(flag::SPD, true);
        }
    }

    /// An external debugger writes DBGDTRRX: the value is stored and
    /// RXfull is set.
    pub fn external_write_dtrrx(&mut self, value: u32) {
        self.dtrrx = value;
        self.put(flag::RXFULL, true);
    }

    /// An external debugger reads DBGDTRTX: `Some(value)` and TXfull
    /// cleared if it was full, `None` otherwise.
    pub fn external_read_dtrtx(&mut self) -> Option<u32> {
        if self.has(flag::TXFULL) {
            self.put(flag::TXFULL, false);
            Some(self.dtrtx)
        } else {
            None
        }
    }

    // ---- getters for the machine's per-CPU table ----

    /// Whether the OS Double Lock is in force (DDI 0406C.d C11, DBGOSLSR and DBGOSDLR; DDI 0487 G8.3): DBGOSDLR.DLK = 1
    /// and DBGPRCR.CORENPDRQ = 0 (the core is never halted here).
    pub const fn double_lock_in_force(&self) -> bool {
        self.dlk() && self.prcr & 1 == 0
    }

    /// DBGBVR0..15 as stored (slots past the model's BRPs are unused).
    pub const fn bvrs(&self) -> &[u32; 16] {
        &self.bvr
    }
    /// DBGBCR0..15 as stored.
    pub const fn bcrs(&self) -> &[u32; 16] {
        &self.bcr
    }
    /// DBGWVR0..15 as stored.
    pub const fn wvrs(&self) -> &[u32; 16] {
        &self.wvr
    }
    /// DBGWCR0..15 as stored.
    pub const fn wcrs(&self) -> &[u32; 16] {
        &self.wcr
    }
    /// DBGBXVR0..15 VMID values as stored.
    pub const fn bxvr_vmids(&self) -> &[u8; 16] {
        &self.bxvr
    }
    /// DBGVCR.
    pub const fn vcr(&self) -> u32 {
        self.vcr
    }
    /// DBGWFAR.
    pub const fn wfar(&self) -> u32 {
        self.wfar
    }
    /// DBGDSCR.MDBGen: monitor debug-mode enabled.
    pub const fn mdbgen(&self) -> bool {
        self.dscr & Dbgdscr::MDBGEN != 0
    }
    /// DBGDSCR.UDCCdis.
    pub const fn udccdis(&self) -> bool {
        self.dscr & Dbgdscr::UDCCDIS != 0
    }
    /// The DBGDSCR external view for `model` (no side effects).
    pub fn dscr_ext(&self, model: &CoreModel) -> u32 {
        dscr_ext_value(model, self)
    }
    /// The DBGDSCR internal view for `model` (no side effects).
    pub fn dscr_int(&self, model: &CoreModel) -> u32 {
        dscr_int_value(model, self)
    }
    /// DBGOSLSR for `model`.
    pub fn oslsr(&self, model: &CoreModel) -> u32 {
        oslsr_value(model, self)
    }
    /// DBGPRSR for `model`, without the read side effects.
    pub fn prsr(&self, model: &CoreModel) -> u32 {
        prsr_value(model, self)
    }
    /// OS Lock set.
    pub const fn oslk(&self) -> bool {
        self.has(flag::OSLK)
    }
    /// OS Double Lock (DLK) set.
    pub const fn dlk(&self) -> bool {
        self.has(flag::DLK)
    }
    /// Sticky power-down set.
    pub const fn spd(&self) -> bool {
        self.has(flag::SPD)
    }
    /// Core/debug power domain up.
    pub const fn powered_up(&self) -> bool {
        self.has(flag::PU)
    }
    /// DBGSWENABLE high.
    pub const fn dbgswenable(&self) -> bool {
        self.has(flag::SWENABLE)
    }
    /// DBGDSCR.RXfull.
    pub const fn rxfull(&self) -> bool {
        self.has(flag::RXFULL)
    }
    /// DBGDSCR.TXfull.
    pub const fn txfull(&self) -> bool {
        self.has(flag::TXFULL)
    }
    /// Claim tag bits (DBGCLAIMCLR read value).
    pub const fn claim(&self) -> u8 {
        self.claim
    }
    /// Debug exceptions (breakpoint, watchpoint, vector catch) enabled:
    /// MDBGen set and, from v8 (and v7.1, which this crate treats alike),
    /// neither the OS Lock nor the double lock in force (DDI 0406C.d C3; DDI 0487 G2).
    pub fn debug_exceptions_enabled(&self, model: &CoreModel) -> bool {
        if !self.mdbgen() {
            return false;
        }
        match model.version() {
            DebugVersion::V6 | DebugVersion::V6_1 => self.dscr & Dbgdscr::HDBGEN == 0,
            v if v.at_least_v7_1() => !self.oslk() && !self.double_lock_in_force(),
            _ => true,
        }
    }
}

/// The DBGDSCR external view.
#[inline]
pub const fn dscr_ext_value(model: &CoreModel, s: &DebugState) -> u32 {
    let mut v = s.dscr;
    if s.flags & flag::RXFULL != 0 {
        v |= Dbgdscr::RXFULL;
    }
    if s.flags & flag::TXFULL != 0 {
        v |= Dbgdscr::TXFULL;
    }
    if model.security() && s.flags & flag::NS != 0 {
        v |= Dbgdscr::NS;
    }
    if !model.version().is_v8() {
        v |= Dbgdscr::RESTARTED;
    }
    v
}

/// The DBGDSCR internal view: the external view restricted to the
/// internal view's bits (v8 G8.3.14; v6/v7: everything but the latched
/// and pipeline bits).
#[inline]
pub const fn dscr_int_value(model: &CoreModel, s: &DebugState) -> u32 {
    let mask = if model.version().is_v8() {
        DbgdscrV8::INT_VIEW
    } else {
        Dbgdscr::V7_INT_VIEW
    };
    dscr_ext_value(model, s) & mask
}

/// DBGOSLSR value.
#[inline]
pub const fn oslsr_value(model: &CoreModel, s: &DebugState) -> u32 {
    let oslm = model.os_lock().oslm() as u32;
    let mut v = (oslm & 1) | ((oslm >> 1) << 3);
    if s.flags & flag::OSLK != 0 {
        v |= 2;
    }
    v
}

/// DBGPRSR value (without the read side effects): PU, SPD, SR, and on
/// v7.1 OSLK (bit 5) and DLK (bit 6).
#[inline]
pub const fn prsr_value(model: &CoreModel, s: &DebugState) -> u32 {
    let mut v = 0;
    if s.flags & flag::PU != 0 {
        v |= 1;
    }
    if s.flags & flag::SPD != 0 {
        v |= 2;
    }
    if s.flags & flag::SR != 0 {
        v |= 8;
    }
    if matches!(model.version(), DebugVersion::V7_1) {
        if s.flags & flag::OSLK != 0 {
            v |= 1 << 5;
        }
        if s.flags & flag::DLK != 0 {
            v |= 1 << 6;
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(name: &str) -> &'static CoreModel {
        #[allow(clippy::unwrap_used)]
        CoreModel::preset(name).unwrap()
    }

    #[test]
    fn state_is_small() {
        assert!(core::mem::size_of::<DebugState>() <= 320);
    }

    #[test]
    fn cold_reset_values() {
        let a15 = model("cortex-a15");
        let s = DebugState::cold_reset(a15, UnknownFill::Zero);
        assert!(s.oslk() && s.powered_up() && s.dbgswenable() && !s.spd() && !s.dlk());
        assert!(!s.mdbgen());
        assert_eq!(s.bcrs(), &[0; 16]);
        let a9 = model("cortex-a9");
        assert!(!DebugState::cold_reset(a9, UnknownFill::Zero).oslk());
        let a53 = model("cortex-a53");
        assert!(DebugState::cold_reset(a53, UnknownFill::Zero).oslk());
    }

    #[test]
    fn seeded_fill_is_deterministic_and_masked() {
        let a9 = model("cortex-a9");
        let a = DebugState::cold_reset(a9, UnknownFill::Seeded(7));
        let b = DebugState::cold_reset(a9, UnknownFill::Seeded(7));
        let c = DebugState::cold_reset(a9, UnknownFill::Seeded(8));
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(a.wcrs().iter().all(|w| w & 0x1E00 == 0), "4-byte BAS only");
        assert!(a.bvrs()[..4].iter().all(|v| v & 3 == 0));
        assert!(a.bcrs().iter().any(|&v| v != 0));
    }

    #[test]
    fn power_cycle_and_wfi() {
        let sc = model("scorpion");
        let mut s = DebugState::cold_reset(sc, UnknownFill::Zero);
        s.wfi(sc);
        assert!(s.spd());
        let a15 = model("cortex-a15");
        let mut s = DebugState::cold_reset(a15, UnknownFill::Zero);
        s.wfi(a15);
        assert!(!s.spd());
        s.set_os_lock(false);
        s.bcr[0] = 0x1e5;
        s.power_down();
        assert!(!s.powered_up() && s.spd());
        s.power_up(a15, UnknownFill::Zero);
        assert!(s.powered_up() && s.spd() && s.oslk());
        assert_eq!(s.bcrs()[0], 0);
    }

    #[test]
    fn external_dtr_handshake() {
        let a15 = model("cortex-a15");
        let mut s = DebugState::cold_reset(a15, UnknownFill::Zero);
        assert_eq!(s.external_read_dtrtx(), None);
        s.external_write_dtrrx(5);
        assert!(s.rxfull());
    }
}
