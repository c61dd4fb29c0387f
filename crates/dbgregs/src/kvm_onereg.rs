//! The `KVM_GET_ONE_REG` / `KVM_SET_ONE_REG` view of an AArch32 guest's
//! debug state on an arm64 KVM host, for migrating a vCPU's debug
//! registers between this crate and KVM.
//!
//! KVM keeps an AArch32 guest's debug registers as the AArch64 system
//! registers they are architecturally mapped to (DDI 0487, G8 "AArch32
//! System Register Descriptions": DBGBVRn is DBGBVRn_EL1\[31:0\],
//! DBGDSCRext is MDSCR_EL1, ...), and userspace reads and writes them one
//! at a time by id (`arch/arm64/kvm/sys_regs.c`, `sys_reg_descs[]`; the
//! CP14 trap table `cp14_regs[]` shows which AArch32 register lands
//! where). An id is `KVM_REG_ARM64 | KVM_REG_SIZE_U64 |
//! KVM_REG_ARM64_SYSREG | op0:op1:CRn:CRm:op2`
//! (`arch/arm64/include/uapi/asm/kvm.h`, `ARM64_SYS_REG()`; [`SysRegEncoding`]).
//!
//! This is the guest's *own* state (KVM's `vcpu_debug_state`). It is not
//! [`crate::snapshot::KvmGuestDebugArch`] as passed to `KVM_SET_GUEST_DEBUG`:
//! that ioctl sets the *host* debugger's breakpoints (KVM's
//! `external_debug_state`), which KVM loads into the hardware instead of the
//! guest's while the host debugs the guest; the guest never sees them. The
//! two share the 64-bit layout of the breakpoint and watchpoint pairs, so
//! [`crate::snapshot::to_kvm`] lays out the pairs for both.
//!
//! # The mapping, register by register
//!
//! | KVM register | encoding | AArch32 register | bits |
//! |---|---|---|---|
//! | DBGBVRn_EL1 | 2,0,0,n,4 | DBGBVRn, DBGBXVRn | \[31:0\] DBGBVRn; \[39:32\] DBGBXVRn.VMID where the BRP has a DBGBXVR (KVM's `cp14_regs[]` maps DBGBXVRn to the high half); other bits 0 |
//! | DBGBCRn_EL1 | 2,0,0,n,5 | DBGBCRn | \[31:0\], high half 0 |
//! | DBGWVRn_EL1 | 2,0,0,n,6 | DBGWVRn | \[31:0\], high half 0 |
//! | DBGWCRn_EL1 | 2,0,0,n,7 | DBGWCRn | \[31:0\], high half 0 |
//! | MDSCR_EL1 | 2,0,0,2,2 | DBGDSCRext | see below |
//! | MDCCINT_EL1 | 2,0,0,2,0 | DBGDCCINT | RX \[30\], TX \[29\] |
//! | OSLSR_EL1 | 2,0,1,1,4 | DBGOSLSR | OSLK \[1\] (OSLM = 0b10, nTT = 0: KVM's `set_oslsr_el1()` refuses any other change) |
//! | DBGVCR32_EL2 | 2,4,0,7,0 | DBGVCR | \[31:0\] |
//!
//! KVM lists all 16 of each pair register whatever the core implements;
//! [`one_regs`] gives 0 past the model's BRP/WRP counts and
//! [`apply_one_regs`] refuses a nonzero value there.
//!
//! MDSCR_EL1 ↔ DBGDSCRext (DDI 0487 D13.3 "MDSCR_EL1", G8.3 "DBGDSCRext";
//! the bit positions are shared): KVM's `trap_debug_regs()` stores an
//! AArch32 guest's DBGDSCRext writes in MDSCR_EL1\[31:0\] as written.
//! * carried both ways: MOE \[5:2\] (AArch32 only — RES0 for AArch64, but
//!   KVM stores it), ERR \[6\], UDCCdis \[12\] (AArch64 TDCC), HDE \[14\],
//!   MDBGen \[15\] (MDE), TDA \[21\], INTdis \[23:22\], TXU \[26\], RXO
//!   \[27\], TXfull \[29\], RXfull \[30\];
//! * AArch32 read-only status, not state: SPIDdis \[16\], SPNIDdis \[17\],
//!   NS \[18\] (MDSCR_EL1 RES0). [`one_regs`] gives 0; [`apply_one_regs`]
//!   ignores them (this crate derives them from the Security state);
//! * refused by [`apply_one_regs`]: SS \[0\] and KDE \[13\] (AArch64 only:
//!   no AArch32 guest sets them), SC2 \[19\] and TFO \[31\] (no model here
//!   implements them), \[35:32\] and every RES0 bit, and any bit the
//!   vCPU cannot hold (MDBGen on a board that holds monitor debug off).
//!
//! Not carried, because KVM does not keep them for an AArch32 guest (its
//! `cp14_regs[]` and `sys_reg_descs[]` make them RAZ/WI, so no ONE_REG
//! exists): DBGDTRRX/DBGDTRTX contents, DBGWFAR (no AArch64 counterpart:
//! AArch64 reports a watchpoint in FAR_EL1), DBGOSECCR, DBGOSDLR.DLK,
//! DBGPRCR, the claim tags, and the OSSRR sequence. [`apply_one_regs`]
//! leaves them as they are in the target state.
//!
//! The view is for Armv8 models only (an AArch32 guest on an arm64 host);
//! other models are refused ([`OneRegError::NotArmv8`]).
//!
//! # Example
//!
//! ```
//! use dbgregs::kvm_onereg::{apply_one_regs, one_regs, KvmDebugReg, ONE_REG_COUNT};
//! use dbgregs::model::CoreModel;
//! use dbgregs::state::{DebugState, UnknownFill};
//!
//! let model = CoreModel::preset("cortex-a53")?;
//! let source = DebugState::cold_reset(model, UnknownFill::Seeded(7));
//! let regs = one_regs(model, &source)?; // KVM_SET_ONE_REG each of these
//! assert_eq!(regs.len(), ONE_REG_COUNT);
//! assert_eq!(regs[0].id, KvmDebugReg::MdccintEl1.id());
//! assert_eq!(KvmDebugReg::MdscrEl1.id(), 0x6030_0000_0013_8012);
//!
//! let mut restored = DebugState::cold_reset(model, UnknownFill::Zero);
//! apply_one_regs(model, &mut restored, &regs)?; // from KVM_GET_ONE_REG
//! assert_eq!(restored.bvrs()[0], source.bvrs()[0]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::error::DbgRegsError;
use crate::model::CoreModel;
use crate::registers::{Dbgdccint, DbgdscrV8, Dbgoslsr};
use crate::semantics;
use crate::snapshot::{apply_kvm, to_kvm, KVM_ARM_MAX_DBG_REGS};
use crate::state::{flag, DebugState};
use crate::version::DebugVersion;

/// `KVM_REG_ARM64` (`include/uapi/linux/kvm.h`): the architecture field of
/// an arm64 register id.
pub const KVM_REG_ARM64: u64 = 0x6000_0000_0000_0000;
/// `KVM_REG_SIZE_U64` (`include/uapi/linux/kvm.h`): a 64-bit register.
pub const KVM_REG_SIZE_U64: u64 = 0x0030_0000_0000_0000;
/// `KVM_REG_ARM64_SYSREG` (`arch/arm64/include/uapi/asm/kvm.h`): the
/// system-register coprocessor space, `0x0013 << KVM_REG_ARM_COPROC_SHIFT`.
pub const KVM_REG_ARM64_SYSREG: u64 = 0x0013 << 16;

/// Number of registers in the view: 16 each of DBGBVR, DBGBCR, DBGWVR,
/// DBGWCR, plus MDCCINT_EL1, MDSCR_EL1, OSLSR_EL1 and DBGVCR32_EL2.
pub const ONE_REG_COUNT: usize = 4 * KVM_ARM_MAX_DBG_REGS + 4;

/// An AArch64 system register encoding (`op0, op1, CRn, CRm, op2`; DDI
/// 0487 C5.3 "A64 system instructions for ... system register access").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SysRegEncoding {
    /// op0, 0..=3.
    pub op0: u8,
    /// op1, 0..=7.
    pub op1: u8,
    /// CRn, 0..=15.
    pub crn: u8,
    /// CRm, 0..=15.
    pub crm: u8,
    /// op2, 0..=7.
    pub op2: u8,
}

impl SysRegEncoding {
    /// The `KVM_{GET,SET}_ONE_REG` id: `ARM64_SYS_REG(op0, op1, crn, crm,
    /// op2)` (fields masked to their widths, as the macro does).
    pub const fn kvm_id(self) -> u64 {
        KVM_REG_ARM64
            | KVM_REG_SIZE_U64
            | KVM_REG_ARM64_SYSREG
            | ((self.op0 as u64 & 3) << 14)
            | ((self.op1 as u64 & 7) << 11)
            | ((self.crn as u64 & 15) << 7)
            | ((self.crm as u64 & 15) << 3)
            | (self.op2 as u64 & 7)
    }

    /// The encoding a 64-bit arm64 system-register id names; `None` for
    /// any other id.
    pub const fn from_kvm_id(id: u64) -> Option<SysRegEncoding> {
        if id & !0xFFFF != KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM64_SYSREG {
            return None;
        }
        Some(SysRegEncoding {
            op0: ((id >> 14) & 3) as u8,
            op1: ((id >> 11) & 7) as u8,
            crn: ((id >> 7) & 15) as u8,
            crm: ((id >> 3) & 15) as u8,
            op2: (id & 7) as u8,
        })
    }
}

/// A breakpoint or watchpoint pair number, 0..=15 (`KVM_ARM_MAX_DBG_REGS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PairIndex(u8);

impl PairIndex {
    /// `n` if it is below 16.
    pub const fn new(n: u8) -> Option<PairIndex> {
        if (n as usize) < KVM_ARM_MAX_DBG_REGS {
            Some(PairIndex(n))
        } else {
            None
        }
    }

    /// The number.
    pub const fn get(self) -> u8 {
        self.0
    }
}

/// A debug register of KVM's ONE_REG view of an AArch32 guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KvmDebugReg {
    /// DBGBVRn_EL1: DBGBVRn, and DBGBXVRn in \[63:32\].
    Dbgbvr(PairIndex),
    /// DBGBCRn_EL1: DBGBCRn.
    Dbgbcr(PairIndex),
    /// DBGWVRn_EL1: DBGWVRn.
    Dbgwvr(PairIndex),
    /// DBGWCRn_EL1: DBGWCRn.
    Dbgwcr(PairIndex),
    /// MDCCINT_EL1: DBGDCCINT.
    MdccintEl1,
    /// MDSCR_EL1: DBGDSCRext.
    MdscrEl1,
    /// OSLSR_EL1: DBGOSLSR (OSLK).
    OslsrEl1,
    /// DBGVCR32_EL2: DBGVCR.
    Dbgvcr32El2,
}

impl KvmDebugReg {
    /// The AArch64 encoding (`SYS_DBGBVRn_EL1(n)` etc. in
    /// `arch/arm64/include/asm/sysreg.h`).
    pub const fn encoding(self) -> SysRegEncoding {
        let (op0, op1, crn, crm, op2) = match self {
            KvmDebugReg::Dbgbvr(n) => (2, 0, 0, n.0, 4),
            KvmDebugReg::Dbgbcr(n) => (2, 0, 0, n.0, 5),
            KvmDebugReg::Dbgwvr(n) => (2, 0, 0, n.0, 6),
            KvmDebugReg::Dbgwcr(n) => (2, 0, 0, n.0, 7),
            KvmDebugReg::MdccintEl1 => (2, 0, 0, 2, 0),
            KvmDebugReg::MdscrEl1 => (2, 0, 0, 2, 2),
            KvmDebugReg::OslsrEl1 => (2, 0, 1, 1, 4),
            KvmDebugReg::Dbgvcr32El2 => (2, 4, 0, 7, 0),
        };
        SysRegEncoding {
            op0,
            op1,
            crn,
            crm,
            op2,
        }
    }

    /// The ONE_REG id.
    pub const fn id(self) -> u64 {
        self.encoding().kvm_id()
    }

    /// The register an id names, if it is one of this view's.
    pub const fn from_id(id: u64) -> Option<KvmDebugReg> {
        let Some(e) = SysRegEncoding::from_kvm_id(id) else {
            return None;
        };
        Some(match (e.op0, e.op1, e.crn, e.crm, e.op2) {
            (2, 0, 0, n, 4) => KvmDebugReg::Dbgbvr(PairIndex(n)),
            (2, 0, 0, n, 5) => KvmDebugReg::Dbgbcr(PairIndex(n)),
            (2, 0, 0, n, 6) => KvmDebugReg::Dbgwvr(PairIndex(n)),
            (2, 0, 0, n, 7) => KvmDebugReg::Dbgwcr(PairIndex(n)),
            (2, 0, 0, 2, 0) => KvmDebugReg::MdccintEl1,
            (2, 0, 0, 2, 2) => KvmDebugReg::MdscrEl1,
            (2, 0, 1, 1, 4) => KvmDebugReg::OslsrEl1,
            (2, 4, 0, 7, 0) => KvmDebugReg::Dbgvcr32El2,
            _ => return None,
        })
    }
}

/// One register of the view: KVM's `struct kvm_one_reg` with the value
/// itself in place of the `addr` pointer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OneReg {
    /// The ONE_REG id ([`KvmDebugReg::id`]).
    pub id: u64,
    /// The 64-bit value.
    pub value: u64,
}

/// What is wrong with a ONE_REG list; the target state is left untouched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OneRegError {
    /// The model is not Armv8: KVM's AArch32 guests are.
    #[error("the ONE_REG view is for Armv8 models; this one is {version:?}")]
    NotArmv8 {
        /// The model's debug version.
        version: DebugVersion,
    },
    /// The id names no register of this view.
    #[error("ONE_REG id {id:#018x} is not one of the AArch32 debug registers")]
    UnknownId {
        /// The id.
        id: u64,
    },
    /// The value has bits the AArch32 register (or this vCPU) cannot hold.
    /// For the pair registers the check is the one
    /// [`crate::snapshot::apply_kvm`] makes.
    #[error("{reg:?} = {value:#018x} has bits {invalid:#018x} the AArch32 register cannot hold")]
    InvalidBits {
        /// The register.
        reg: KvmDebugReg,
        /// The value.
        value: u64,
        /// The bits that cannot be held.
        invalid: u64,
    },
    /// A breakpoint or watchpoint register past the model's BRP/WRP count
    /// is nonzero.
    #[error("{reg:?} = {value:#018x} is nonzero but the model implements only {count} pairs")]
    PastCount {
        /// The register.
        reg: KvmDebugReg,
        /// The value.
        value: u64,
        /// The model's BRP or WRP count.
        count: u8,
    },
}

/// The DBGDSCRext bits MDSCR_EL1 carries both ways.
const MDSCR_CARRIED: u32 = DbgdscrV8::new()
    .with_moe(0xF)
    .with_err(true)
    .with_udccdis(true)
    .with_hde(true)
    .with_mdbgen(true)
    .with_tda(true)
    .with_intdis(3)
    .with_txu(true)
    .with_rxo(true)
    .with_txfull(true)
    .with_rxfull(true)
    .into_bits();
/// The AArch32 read-only status bits, ignored on load.
const MDSCR_IGNORED: u32 = DbgdscrV8::new()
    .with_spiddis(true)
    .with_spniddis(true)
    .with_ns(true)
    .into_bits();
const DSCR_RXFULL: u32 = DbgdscrV8::new().with_rxfull(true).into_bits();
const DSCR_TXFULL: u32 = DbgdscrV8::new().with_txfull(true).into_bits();
const DCCINT_BITS: u32 = Dbgdccint::new().with_rx(true).with_tx(true).into_bits();
const OSLSR_OSLK: u32 = Dbgoslsr::new().with_oslk(true).into_bits();

fn require_v8(model: &CoreModel) -> Result<(), OneRegError> {
    if model.version().is_v8() {
        Ok(())
    } else {
        Err(OneRegError::NotArmv8 {
            version: model.version(),
        })
    }
}

/// The ONE_REG list of `state` (a vCPU of `model`), in KVM's
/// `sys_reg_descs[]` order: MDCCINT_EL1, MDSCR_EL1, then per pair n
/// DBGBVR, DBGBCR, DBGWVR, DBGWCR (pairs past the model's counts 0), then
/// OSLSR_EL1 and DBGVCR32_EL2. No allocation.
///
/// # Errors
/// [`OneRegError::NotArmv8`] for a model before Armv8.
pub fn one_regs(
    model: &CoreModel,
    state: &DebugState,
) -> Result<[OneReg; ONE_REG_COUNT], OneRegError> {
    require_v8(model)?;
    let pairs = to_kvm(model, state);
    let mut out = [OneReg { id: 0, value: 0 }; ONE_REG_COUNT];
    let mut put = |i: usize, reg: KvmDebugReg, value: u64| {
        out[i] = OneReg {
            id: reg.id(),
            value,
        };
    };
    put(
        0,
        KvmDebugReg::MdccintEl1,
        u64::from(u32::from(state.dccint) << 29),
    );
    put(
        1,
        KvmDebugReg::MdscrEl1,
        u64::from(state.dscr_ext(model) & MDSCR_CARRIED),
    );
    for n in 0..KVM_ARM_MAX_DBG_REGS {
        let p = PairIndex(n as u8);
        put(2 + 4 * n, KvmDebugReg::Dbgbvr(p), pairs.dbg_bvr[n]);
        put(3 + 4 * n, KvmDebugReg::Dbgbcr(p), pairs.dbg_bcr[n]);
        put(4 + 4 * n, KvmDebugReg::Dbgwvr(p), pairs.dbg_wvr[n]);
        put(5 + 4 * n, KvmDebugReg::Dbgwcr(p), pairs.dbg_wcr[n]);
    }
    put(
        ONE_REG_COUNT - 2,
        KvmDebugReg::OslsrEl1,
        u64::from(state.oslsr(model)),
    );
    put(
        ONE_REG_COUNT - 1,
        KvmDebugReg::Dbgvcr32El2,
        u64::from(state.vcr()),
    );
    Ok(out)
}

/// The DBGDSCR bits a vCPU in `state` can hold (whatever its OS Lock),
/// plus RXfull/TXfull.
fn dscr_holdable(model: &CoreModel, state: &DebugState) -> u32 {
    let mut locked = *state;
    locked.set_os_lock(true);
    let mut unlocked = *state;
    unlocked.set_os_lock(false);
    semantics::dscr_ext_write_mask(model, &locked)
        | semantics::dscr_ext_write_mask(model, &unlocked)
        | DbgdscrV8::new().with_moe(0xF).into_bits()
        | DSCR_RXFULL
        | DSCR_TXFULL
}

fn invalid(reg: KvmDebugReg, value: u64, accepted: u64) -> Result<(), OneRegError> {
    if value & !accepted == 0 {
        Ok(())
    } else {
        Err(OneRegError::InvalidBits {
            reg,
            value,
            invalid: value & !accepted,
        })
    }
}

/// Loads the registers of `regs` (any subset of the view, in any order;
/// a later entry for the same id wins) into `state`, a vCPU of `model`.
/// Everything is checked first: on any error `state` is untouched.
/// Registers the list does not name, and the state the view does not
/// carry (see the module documentation), keep their values.
///
/// # Errors
/// [`OneRegError::NotArmv8`], [`OneRegError::UnknownId`],
/// [`OneRegError::InvalidBits`] (MDSCR_EL1, MDCCINT_EL1, OSLSR_EL1 or
/// DBGVCR32_EL2 with bits the AArch32 register cannot hold; see the
/// mapping; or a pair register with bits outside the model's writable
/// mask, BCR BAS not in the normalised form), [`OneRegError::PastCount`]
/// (a nonzero pair register past the model's count).
pub fn apply_one_regs(
    model: &CoreModel,
    state: &mut DebugState,
    regs: &[OneReg],
) -> Result<(), OneRegError> {
    require_v8(model)?;
    let mut next = *state;
    let mut pairs = to_kvm(model, state);
    for r in regs {
        let reg = KvmDebugReg::from_id(r.id).ok_or(OneRegError::UnknownId { id: r.id })?;
        let v = r.value;
        match reg {
            KvmDebugReg::Dbgbvr(n) => pairs.dbg_bvr[usize::from(n.0)] = v,
            KvmDebugReg::Dbgbcr(n) => pairs.dbg_bcr[usize::from(n.0)] = v,
            KvmDebugReg::Dbgwvr(n) => pairs.dbg_wvr[usize::from(n.0)] = v,
            KvmDebugReg::Dbgwcr(n) => pairs.dbg_wcr[usize::from(n.0)] = v,
            KvmDebugReg::MdccintEl1 => {
                invalid(reg, v, u64::from(DCCINT_BITS))?;
                next.dccint = (Dbgdccint::from_bits(v as u32).into_bits() >> 29) as u8;
            }
            KvmDebugReg::MdscrEl1 => {
                let holdable = dscr_holdable(model, state) & MDSCR_CARRIED;
                invalid(reg, v, u64::from(holdable | MDSCR_IGNORED))?;
                let dscr = v as u32 & holdable;
                next.dscr = dscr & !(DSCR_RXFULL | DSCR_TXFULL);
                next.flags &= !(flag::RXFULL | flag::TXFULL);
                if dscr & DSCR_RXFULL != 0 {
                    next.flags |= flag::RXFULL;
                }
                if dscr & DSCR_TXFULL != 0 {
                    next.flags |= flag::TXFULL;
                }
            }
            KvmDebugReg::OslsrEl1 => {
                // KVM's set_oslsr_el1(): only OSLK may differ.
                let fixed = u64::from(state.oslsr(model) & !OSLSR_OSLK);
                if (v & !u64::from(OSLSR_OSLK)) != fixed {
                    return Err(OneRegError::InvalidBits {
                        reg,
                        value: v,
                        invalid: (v & !u64::from(OSLSR_OSLK)) ^ fixed,
                    });
                }
                next.set_os_lock(Dbgoslsr::from_bits(v as u32).oslk());
            }
            KvmDebugReg::Dbgvcr32El2 => {
                invalid(reg, v, u64::from(semantics::vcr_mask(model)))?;
                next.vcr = v as u32;
            }
        }
    }
    apply_kvm(model, &mut next, &pairs).map_err(|e| pair_error(&e))?;
    *state = next;
    Ok(())
}

/// A `kvm_guest_debug_arch` check failure, named as the ONE_REG register.
/// `apply_kvm` returns only its two KVM variants, with an index below 16.
fn pair_error(e: &DbgRegsError) -> OneRegError {
    let reg = |array: &str, index: u8| {
        let n = PairIndex::new(index).unwrap_or(PairIndex(0));
        match array {
            "dbg_bcr" => KvmDebugReg::Dbgbcr(n),
            "dbg_wcr" => KvmDebugReg::Dbgwcr(n),
            "dbg_wvr" => KvmDebugReg::Dbgwvr(n),
            _ => KvmDebugReg::Dbgbvr(n),
        }
    };
    match *e {
        DbgRegsError::KvmEntryPastCount {
            array,
            index,
            value,
            count,
        } => OneRegError::PastCount {
            reg: reg(array, index),
            value,
            count,
        },
        DbgRegsError::KvmInvalidBits {
            array,
            index,
            value,
            invalid,
        } => OneRegError::InvalidBits {
            reg: reg(array, index),
            value,
            invalid,
        },
        // Not returned by apply_kvm; reported as an invalid DBGBVR0_EL1.
        _ => OneRegError::InvalidBits {
            reg: KvmDebugReg::Dbgbvr(PairIndex(0)),
            value: 0,
            invalid: 0,
        },
    }
}

#[cfg(test)]
mod tests;
