//! Writable masks: which bits of a plain read/write debug register a CP14
//! write stores on a given core model. The emulation
//! (the `semantics` writes and `writable_mask`), the reset
//! fill of the register file, snapshot validation and the KVM conversion all
//! read these functions, so a mask is written once.

use crate::model::CoreModel;
use crate::registers::Dbgprcr;
use crate::version::DebugVersion;

/// DBGWVR writable bits (\[1:0\] RES0).
pub const WVR_MASK: u32 = 0xFFFF_FFFC;
/// DBGBVRn writable bits on `model` (context-capable BRPs keep \[1:0\]).
#[inline]
pub const fn bvr_mask(model: &CoreModel, n: u8) -> u32 {
    if n >= model.first_ctx_brp() {
        u32::MAX
    } else {
        0xFFFF_FFFC
    }
}

/// DBGBCRn writable bits on `model` (DDI 0406C.d C11, DBGBCR; DDI 0487 G8.3, DBGBCR; precomputed per model).
#[inline(always)]
pub const fn bcr_mask(model: &CoreModel) -> u32 {
    model.bcr_wmask()
}

/// DBGBCR value as stored after a write of `value` on `model`: masked and,
/// from v7, with BAS\[3\] = BAS\[2\] and BAS\[1\] = BAS\[0\].
#[inline(always)]
pub const fn normalize_bcr(model: &CoreModel, value: u32) -> u32 {
    model.normalize_bcr(value)
}

/// DBGWCRn writable bits on `model` (DDI 0406C.d C11, DBGWCR; DDI 0487 G8.3, DBGWCR; precomputed per model).
#[inline(always)]
pub const fn wcr_mask(model: &CoreModel) -> u32 {
    model.wcr_wmask()
}

/// DBGVCR writable bits on `model` (DDI 0406C.d C11, DBGVCR; DDI 0487 G8.3, DBGVCR; precomputed per model): with
/// the Security Extensions the Secure, Monitor and Non-secure bits (v8: EL3
/// is taken to be AArch64, so the Monitor bits are RES0), without them
/// \[7:6\],\[4:1\]; bit 0 (Reset catch) before v8 only.
#[inline(always)]
pub const fn vcr_mask(model: &CoreModel) -> u32 {
    model.vcr_wmask()
}

/// DBGPRCRn writable bits on `model` where it has a DBGPRCR: CORENPDRQ
/// and HCWR on v7 (DDI 0406C.d C11, "DBGPRCR, Device Powerdown and
/// Reset Control Register"), COREPURQ too on v7.1, CORENPDRQ only in Armv8
/// AArch32 (DDI 0487 G8.3, DBGPRCR). CWRR is a write-only request this
/// crate ignores, so it is never stored.
#[inline(always)]
pub const fn prcr_mask(model: &CoreModel) -> u32 {
    const CORENPDRQ: u32 = Dbgprcr::new().with_corenpdrq(true).into_bits();
    const HCWR: u32 = Dbgprcr::new().with_hcwr(true).into_bits();
    const COREPURQ: u32 = Dbgprcr::new().with_corepurq(true).into_bits();
    match model.version() {
        DebugVersion::V7Full | DebugVersion::V7Base => CORENPDRQ | HCWR,
        DebugVersion::V7_1 => CORENPDRQ | HCWR | COREPURQ,
        _ => CORENPDRQ,
    }
}
