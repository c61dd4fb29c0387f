//! Breakpoints (DDI 0406C.d C11, DBGBCR; DDI 0487 G8.3, DBGBCR, DDI 0406C.d C11, DBGBVR and DBGBXVR, DDI 0406C.d C3, breakpoint debug events, DDI 0406C.d C3, breakpoint debug events): breakpoint types, address
//! match and mismatch with BAS and MASK, context comparisons and links.

use super::condition::{state_matches, Condition, Executing, Unit};
use super::{Breakpoints, DebugGate, InstructionFetch, MatchConfig, Privilege};
use crate::registers::Dbgbcr;

/// What a BRP compares, decoded from DBGBCR.BT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Compare {
    /// Instruction address (BT = 000x); `mismatch` for BT = 010x.
    Address { mismatch: bool },
    /// Context: CONTEXTIDR (`cid`), VTTBR.VMID (`vmid`) or both.
    Context { cid: bool, vmid: bool },
}

/// A decoded breakpoint type: what is compared and whether the BRP is
/// linked (BT\[0\]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BreakpointType {
    pub(crate) compare: Compare,
    pub(crate) linked: bool,
}

/// Decodes DBGBCR.BT of BRP `n`; `None` for reserved types, which behave as
/// disabled (DDI 0406C.d C11, DBGBCR; DDI 0487 G8.3, DBGBCR, ARMv8-ARM: "disabled or some non-reserved type").
///
/// * 000x address match — every version.
/// * 001x CONTEXTIDR match — context-capable BRPs only.
/// * 0100 address mismatch — every version. **Decision for v6/v6.1**
///   (unverified): DDI 0406B, under DBGBCR "0b101 Linked IVA
///   mismatch", notes only that *linked* mismatch "is not supported in v6
///   Debug", which implies unlinked mismatch exists from v6 Debug on.
/// * 0101 linked address mismatch — v6.1 and later (reserved on v6).
/// * 100x VMID, 101x VMID + CONTEXTIDR — context-capable BRPs with the
///   Virtualization Extensions/EL2.
/// * 011x (CONTEXTIDR_EL1 under VHE) and 11xx (CONTEXTIDR_EL2) — reserved:
///   never valid when EL2 is AArch32, which is all this crate models.
///
/// On v6/v7.0 bit 23 is a reserved (SBZ) bit; a 1 there is treated as
/// BT\[3\] = 1 and therefore reserved as well.
pub(crate) const fn decode_bt(cfg: &MatchConfig, n: usize, bt: u8) -> Option<BreakpointType> {
    let linked = bt & 1 != 0;
    let context = cfg.is_context_brp(n);
    let compare = match bt & 0b1110 {
        0b0000 => Compare::Address { mismatch: false },
        0b0100 if linked && matches!(cfg.version, crate::version::DebugVersion::V6) => return None,
        0b0100 => Compare::Address { mismatch: true },
        0b0010 if context => Compare::Context {
            cid: true,
            vmid: false,
        },
        0b1000 if context && cfg.virtualization => Compare::Context {
            cid: false,
            vmid: true,
        },
        0b1010 if context && cfg.virtualization => Compare::Context {
            cid: true,
            vmid: true,
        },
        _ => return None,
    };
    Some(BreakpointType { compare, linked })
}

/// DBGBCR.MASK as the core honours it: 0 where the field is not
/// implemented (v6 reserved, v8 RES0, or the option absent).
const fn effective_mask(cfg: &MatchConfig, bcr: Dbgbcr) -> u8 {
    if cfg.bp_mask_effective() {
        bcr.mask()
    } else {
        0
    }
}

/// The address comparison of an address-type BRP against an (aligned)
/// instruction address; `None` if the programming is reserved (the BRP is
/// then disabled, for match and mismatch alike).
///
/// * MASK = 0: PC\[31:2\] = BVR\[31:2\] and BAS bit number PC\[1:0\] is set.
///   BVR\[1:0\] are ignored. PC\[1:0\] is 0 or 2, so only BAS\[0\] and
///   BAS\[2\] are ever looked at; that is exactly the ARMv8-ARM treatment of
///   the reserved BAS values (BAS\[1\] and BAS\[3\] read as copies of
///   BAS\[0\] and BAS\[2\]), and for BAS = 0b1111 an A32 BRP also matches a
///   T32 instruction at BVR + 2 (CONSTRAINED UNPREDICTABLE; this is the
///   literal rule). A 32-bit T32 instruction is matched by its first
///   halfword only (**decision**, CONSTRAINED UNPREDICTABLE for the second
///   halfword; QEMU does the same), so the instruction length is not an
///   input.
/// * MASK = 1, 2: reserved → disabled.
/// * MASK = m ≥ 3 (v7 only): PC\[31:m\] = BVR\[31:m\]. BAS must then be
///   0b1111, otherwise UNPREDICTABLE → **decision**: disabled. Nonzero
///   masked BVR bits (UNPREDICTABLE) are simply not compared.
const fn address_matches(cfg: &MatchConfig, bcr: Dbgbcr, bvr: u32, pc: u32) -> Option<bool> {
    match effective_mask(cfg, bcr) {
        0 => Some((pc ^ bvr) >> 2 == 0 && (bcr.bas() >> (pc & 3)) & 1 != 0),
        1 | 2 => None,
        m => {
            if bcr.bas() != 0b1111 {
                None
            } else {
                Some((pc ^ bvr) >> m == 0)
            }
        }
    }
}

/// The instruction addresses an address-type BRP compares equal, as one
/// masked compare (`pc & keep == base`), valid for every PC that is
/// aligned for its instruction set (PC\[0\] = 0; A32 also PC\[1\] = 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct AddressCompare {
    /// The PC bits compared.
    pub(crate) keep: u32,
    /// Their value (`base & !keep == 0`, except for [`Self::NEVER`]).
    pub(crate) base: u32,
}

impl AddressCompare {
    /// Compares equal to no PC (BAS\[0\] = BAS\[2\] = 0).
    pub(crate) const NEVER: AddressCompare = AddressCompare { keep: 0, base: 1 };

    /// Whether the aligned `pc` compares equal (the table compares its
    /// own `keep`/`base` arrays; this is the reference its tests use).
    #[cfg(test)]
    pub(crate) const fn hits(self, pc: u32) -> bool {
        pc & self.keep == self.base
    }
}

/// The address comparison rule of [`address_matches`], compiled once per
/// guest write for [`BreakpointTable`](super::BreakpointTable): `None` for
/// reserved programming. The raw matcher keeps its own per-fetch form (it
/// is the faster one when nothing is compiled, and stays an independent
/// oracle); a unit test below and the table's property tests hold the two
/// equal for every aligned PC. With MASK = 0 the halfword at BVR\[31:2\]
/// is compared when BAS\[0\] is set, the one at +2 when BAS\[2\] is set
/// (PC\[1:0\] picks the BAS bit, and an aligned PC has PC\[1:0\] = 0 or
/// 2): both is the word, neither is nothing.
pub(crate) const fn address_compare(
    cfg: &MatchConfig,
    bcr: Dbgbcr,
    bvr: u32,
) -> Option<AddressCompare> {
    let word = bvr & !0b11;
    match effective_mask(cfg, bcr) {
        0 => Some(match (bcr.bas() & 0b001 != 0, bcr.bas() & 0b100 != 0) {
            (true, true) => AddressCompare {
                keep: !0b11,
                base: word,
            },
            (true, false) => AddressCompare {
                keep: !0b1,
                base: word,
            },
            (false, true) => AddressCompare {
                keep: !0b1,
                base: word | 0b10,
            },
            (false, false) => AddressCompare::NEVER,
        }),
        1 | 2 => None,
        m => {
            if bcr.bas() != 0b1111 {
                None
            } else {
                // MASK is 5 bits, so 3 <= m <= 31 and the shift is in range.
                let keep = !((1u32 << m) - 1);
                Some(AddressCompare {
                    keep,
                    base: bvr & keep,
                })
            }
        }
    }
}

/// The state a context comparison is made against.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Context {
    pub(crate) contextidr: u32,
    pub(crate) vmid: u8,
    /// Privilege of the executing code (not of the access).
    pub(crate) privilege: Privilege,
    /// Effective Security state (false without the Security Extensions).
    pub(crate) secure: bool,
}

/// The context comparison of a context-type BRP (DDI 0406C.d C3, breakpoint debug events): CONTEXTIDR =
/// BVR (all 32 bits), never at PL2; VMID = BXVR.VMID, only at PL0/PL1 in
/// Non-secure state (EL2 enabled). A context BRP with a nonzero MASK is
/// UNPREDICTABLE (DDI 0406B) → **decision**: disabled. A missing BXVR entry
/// never matches a VMID.
const fn context_matches(
    cfg: &MatchConfig,
    bcr: Dbgbcr,
    cid: bool,
    vmid: bool,
    bvr: u32,
    bxvr: Option<&u8>,
    ctx: &Context,
) -> bool {
    if effective_mask(cfg, bcr) != 0 || matches!(ctx.privilege, Privilege::Pl2) {
        return false;
    }
    let cid_ok = !cid || bvr == ctx.contextidr;
    let vmid_ok = !vmid
        || (!ctx.secure
            && match bxvr {
                Some(v) => *v == ctx.vmid,
                None => false,
            });
    cid_ok && vmid_ok
}

/// The context comparison of a context-type BRP (outside PL2), as two
/// masked compares: CONTEXTIDR against `cid` under `cid_keep`, and the
/// VMID with the Security state above it (bit 8) against `vmid` under
/// `vmid_keep`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct ContextCompare {
    pub(crate) cid_keep: u32,
    pub(crate) cid: u32,
    pub(crate) vmid_keep: u16,
    pub(crate) vmid: u16,
}

impl ContextCompare {
    /// Matches no context (a nonzero MASK, or no context type).
    pub(crate) const NEVER: ContextCompare = ContextCompare {
        cid_keep: 0,
        cid: 1,
        vmid_keep: 0,
        vmid: 0,
    };

    /// Whether the current CONTEXTIDR, VMID and (effective) Security state
    /// match.
    #[inline(always)]
    pub(crate) const fn hits(self, contextidr: u32, vmid: u8, secure: bool) -> bool {
        let key = vmid as u16 | (secure as u16) << 8;
        contextidr & self.cid_keep == self.cid && key & self.vmid_keep == self.vmid
    }
}

/// The context comparison rule of [`context_matches`], compiled for
/// [`BreakpointTable`](super::BreakpointTable) (held equal to it by a unit
/// test below and the table's property tests):
/// CONTEXTIDR = BVR (all 32 bits) when `cid`; VMID = BXVR.VMID in
/// Non-secure state when `vmid` (a missing BXVR entry never matches, so it
/// compares against 0x200, which no VMID and Security state make).
pub(crate) const fn context_compare(
    cfg: &MatchConfig,
    bcr: Dbgbcr,
    cid: bool,
    vmid: bool,
    bvr: u32,
    bxvr: Option<u8>,
) -> ContextCompare {
    if effective_mask(cfg, bcr) != 0 {
        return ContextCompare::NEVER;
    }
    let (cid_keep, cid) = if cid { (!0, bvr) } else { (0, 0) };
    let (vmid_keep, vmid) = match (vmid, bxvr) {
        (false, _) => (0, 0),
        // Bit 8 (Secure) must be clear.
        (true, Some(v)) => (0x1FF, v as u16),
        (true, None) => (0x1FF, 0x200),
    };
    ContextCompare {
        cid_keep,
        cid,
        vmid_keep,
        vmid,
    }
}

/// Number of BRPs looked at: implemented and present in the slices.
const fn brp_count(cfg: &MatchConfig, bps: &Breakpoints<'_>) -> usize {
    let mut n = cfg.brp_count();
    if bps.bvr.len() < n {
        n = bps.bvr.len();
    }
    if bps.bcr.len() < n {
        n = bps.bcr.len();
    }
    n
}

/// Whether the BRP named by a linked breakpoint's or watchpoint's LBN
/// matches the current context (DDI 0406C.d C3, breakpoint debug events): it must be implemented,
/// context-capable, enabled and programmed as a *linked* context type
/// (0b0011, 0b1001, 0b1011), otherwise the linking unit behaves as
/// disabled (**decision** for an LBN naming a non-context or unimplemented
/// BRP, CONSTRAINED UNPREDICTABLE: disabled). Only the linked BRP's value
/// comparison counts; its HMC/SSC/PMC are not evaluated (v8 pseudocode; the
/// v7 ARM requires them to be programmed as "any", so a correctly
/// programmed pair behaves the same either way).
pub(crate) fn linked_context_matches(
    cfg: &MatchConfig,
    bps: &Breakpoints<'_>,
    lbn: u8,
    ctx: &Context,
) -> bool {
    let n = lbn as usize;
    if n >= brp_count(cfg, bps) {
        return false;
    }
    let (Some(&bcr), Some(&bvr)) = (bps.bcr.get(n), bps.bvr.get(n)) else {
        return false;
    };
    let bcr = Dbgbcr::from_bits(bcr);
    if !bcr.e() {
        return false;
    }
    match decode_bt(cfg, n, bcr.bt()) {
        Some(BreakpointType {
            compare: Compare::Context { cid, vmid },
            linked: true,
        }) => context_matches(cfg, bcr, cid, vmid, bvr, bps.bxvr.get(n), ctx),
        _ => false,
    }
}

/// Which breakpoints match an instruction committed for execution, as a
/// bitmask (bit n = BRP n). Zero when debug events are not generated
/// ([`DebugGate::generates`]) or the PC is misaligned for its instruction
/// set (a PC alignment fault has priority over breakpoints, DDI 0406C.d C3; DDI 0487 G2).
///
/// Per enabled BRP: the type (the `decode_bt` rules in this file), the
/// comparison — address match, address mismatch (fires on every instruction the
/// address test does not match; BAS = 0b0000 therefore fires everywhere),
/// or context — the execution condition (HMC/SSC/PMC), and for linked
/// types the linked context BRP. Linked context BRPs never fire on their
/// own; unlinked context BRPs fire on every instruction executed in the
/// matching context.
pub fn breakpoint_matches(
    cfg: &MatchConfig,
    bps: &Breakpoints<'_>,
    gate: &DebugGate,
    fetch: &InstructionFetch,
) -> u16 {
    let privilege = fetch.mode.privilege();
    let secure = cfg.security && fetch.secure;
    if !gate.generates(cfg, privilege, secure) {
        return 0;
    }
    let misaligned = if fetch.thumb { 0b01 } else { 0b11 };
    if fetch.address & misaligned != 0 {
        return 0;
    }
    let ctx = Context {
        contextidr: fetch.contextidr,
        vmid: fetch.vmid,
        privilege,
        secure,
    };
    let mut hits = 0u16;
    let count = brp_count(cfg, bps);
    // `count` is at most both lengths, so the `get`s succeed.
    let bvrs = bps.bvr.get(..count).unwrap_or_default();
    let bcrs = bps.bcr.get(..count).unwrap_or_default();
    for (n, (&bvr, &bcr)) in bvrs.iter().zip(bcrs).enumerate() {
        let bcr = Dbgbcr::from_bits(bcr);
        if !bcr.e() {
            continue;
        }
        let Some(ty) = decode_bt(cfg, n, bcr.bt()) else {
            continue;
        };
        let value = match ty.compare {
            Compare::Address { mismatch } => match address_matches(cfg, bcr, bvr, fetch.address) {
                Some(m) => m != mismatch,
                None => false,
            },
            // Linked context BRPs only ever qualify a linking unit.
            Compare::Context { .. } if ty.linked => false,
            Compare::Context { cid, vmid } => {
                context_matches(cfg, bcr, cid, vmid, bvr, bps.bxvr.get(n), &ctx)
            }
        };
        if !value {
            continue;
        }
        let condition = Condition {
            hmc: bcr.hmc(),
            ssc: bcr.ssc(),
            pxc: bcr.pmc(),
        };
        let at = Executing {
            privilege,
            mode: fetch.mode,
            secure,
        };
        if !state_matches(cfg, Unit::Breakpoint, condition, at) {
            continue;
        }
        // Unlinked types ignore LBN (v8 behaviour for the v7 "must be 0").
        let is_address = matches!(ty.compare, Compare::Address { .. });
        if ty.linked && is_address && !linked_context_matches(cfg, bps, bcr.lbn(), &ctx) {
            continue;
        }
        hits |= 1 << n;
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::Mode;
    use crate::version::DebugVersion;

    fn cfg(version: DebugVersion) -> MatchConfig {
        MatchConfig {
            version,
            brps: 6,
            wrps: 4,
            ctx_cmps: 2,
            wp_bas_bytes: 8,
            bp_addr_mask: true,
            wp_addr_mask: true,
            security: true,
            virtualization: true,
            async_watchpoints: false,
        }
    }

    #[test]
    fn bt_decoding_per_version_and_brp() {
        let v8 = cfg(DebugVersion::V8);
        let addr = |mismatch, linked| {
            Some(BreakpointType {
                compare: Compare::Address { mismatch },
                linked,
            })
        };
        assert_eq!(decode_bt(&v8, 0, 0b0000), addr(false, false));
        assert_eq!(decode_bt(&v8, 0, 0b0001), addr(false, true));
        assert_eq!(decode_bt(&v8, 0, 0b0100), addr(true, false));
        assert_eq!(decode_bt(&v8, 0, 0b0101), addr(true, true));
        // Context types only on BRPs 4 and 5.
        assert_eq!(decode_bt(&v8, 3, 0b0010), None);
        assert_eq!(
            decode_bt(&v8, 4, 0b0011),
            Some(BreakpointType {
                compare: Compare::Context {
                    cid: true,
                    vmid: false
                },
                linked: true
            })
        );
        assert_eq!(
            decode_bt(&v8, 5, 0b1010),
            Some(BreakpointType {
                compare: Compare::Context {
                    cid: true,
                    vmid: true
                },
                linked: false
            })
        );
        assert_eq!(decode_bt(&v8, 3, 0b1000), None);
        for reserved in [0b0110, 0b0111, 0b1100, 0b1101, 0b1110, 0b1111] {
            assert_eq!(decode_bt(&v8, 5, reserved), None, "{reserved:04b}");
        }
        // VMID types need EL2.
        let no_el2 = MatchConfig {
            virtualization: false,
            ..v8
        };
        assert_eq!(decode_bt(&no_el2, 5, 0b1001), None);
        // Linked mismatch is reserved on v6, unlinked mismatch is not.
        let v6 = cfg(DebugVersion::V6);
        assert_eq!(decode_bt(&v6, 0, 0b0101), None);
        assert_eq!(decode_bt(&v6, 0, 0b0100), addr(true, false));
        assert_eq!(
            decode_bt(&cfg(DebugVersion::V6_1), 0, 0b0101),
            addr(true, true)
        );
    }

    #[test]
    fn mask_is_honoured_only_on_v7() {
        // BAS 1111, MASK 4: 16-byte range at 0x1000.
        let bcr = Dbgbcr::new().with_e(true).with_bas(0b1111).with_mask(4);
        for (version, in_range) in [
            (DebugVersion::V7Full, Some(true)),
            (DebugVersion::V7_1, Some(true)),
            (DebugVersion::V8, Some(false)),
            (DebugVersion::V6_1, Some(false)),
        ] {
            assert_eq!(
                address_matches(&cfg(version), bcr, 0x1000, 0x100C),
                in_range,
                "{version}"
            );
        }
        let no_mask = MatchConfig {
            bp_addr_mask: false,
            ..cfg(DebugVersion::V7Full)
        };
        assert_eq!(address_matches(&no_mask, bcr, 0x1000, 0x100C), Some(false));
    }

    #[test]
    fn compiled_compares_equal_the_per_fetch_rules() {
        for version in [DebugVersion::V6_1, DebugVersion::V7Full, DebugVersion::V8] {
            let c = cfg(version);
            for bas in 0..16u8 {
                for mask in 0..32u8 {
                    let bcr = Dbgbcr::new().with_e(true).with_bas(bas).with_mask(mask);
                    for bvr in [0x8000_1002u32, 0x0000_0000, 0xFFFF_FFFF] {
                        let compiled = address_compare(&c, bcr, bvr);
                        for pc in
                            (0..64u32).map(|k| (bvr & !0x1F).wrapping_add(2 * k).wrapping_sub(32))
                        {
                            assert_eq!(
                                compiled.map(|x| x.hits(pc)),
                                address_matches(&c, bcr, bvr, pc),
                                "{version} BAS {bas:04b} MASK {mask} BVR {bvr:#x} PC {pc:#x}"
                            );
                        }
                    }
                }
            }
            for (mask, cid, vmid, bxvr) in [
                (0, true, false, None),
                (0, false, true, Some(7u8)),
                (0, true, true, Some(7)),
                (0, false, true, None),
                (4, true, false, None),
            ] {
                let bcr = Dbgbcr::new().with_e(true).with_mask(mask);
                let compiled = context_compare(&c, bcr, cid, vmid, 0x42, bxvr);
                for (contextidr, v, secure) in [
                    (0x42, 7, false),
                    (0x42, 7, true),
                    (0x43, 7, false),
                    (0x42, 6, false),
                    (0x42, 0, false),
                ] {
                    let ctx = Context {
                        contextidr,
                        vmid: v,
                        privilege: Privilege::Pl1,
                        secure,
                    };
                    assert_eq!(
                        compiled.hits(contextidr, v, secure),
                        context_matches(&c, bcr, cid, vmid, 0x42, bxvr.as_ref(), &ctx)
                    );
                }
            }
        }
    }

    #[test]
    fn linked_context_requires_a_linked_context_type() {
        let c = cfg(DebugVersion::V7_1);
        let ctx = Context {
            contextidr: 0x42,
            vmid: 3,
            privilege: Privilege::Pl0,
            secure: false,
        };
        let linked_cid = Dbgbcr::new()
            .with_e(true)
            .with_bt(0b0011)
            .with_pmc(0b11)
            .into_bits();
        let unlinked_cid = Dbgbcr::new()
            .with_e(true)
            .with_bt(0b0010)
            .with_pmc(0b11)
            .into_bits();
        let bcr = [0, 0, 0, 0, linked_cid, unlinked_cid];
        let bvr = [0, 0, 0, 0, 0x42, 0x42];
        let bps = Breakpoints {
            bvr: &bvr,
            bcr: &bcr,
            bxvr: &[],
        };
        assert!(linked_context_matches(&c, &bps, 4, &ctx));
        assert!(!linked_context_matches(&c, &bps, 5, &ctx));
        assert!(!linked_context_matches(&c, &bps, 0, &ctx));
        assert!(!linked_context_matches(&c, &bps, 9, &ctx));
        assert!(!linked_context_matches(
            &c,
            &bps,
            4,
            &Context {
                contextidr: 0x43,
                ..ctx
            }
        ));
        assert!(!linked_context_matches(
            &c,
            &bps,
            4,
            &Context {
                privilege: Privilege::Pl2,
                ..ctx
            }
        ));
    }

    #[test]
    fn misaligned_pc_never_matches() {
        let c = cfg(DebugVersion::V8);
        let bcr = [Dbgbcr::new()
            .with_e(true)
            .with_bas(0b1111)
            .with_pmc(0b11)
            .with_bt(0b0100)
            .into_bits()];
        let bps = Breakpoints {
            bvr: &[0x8000],
            bcr: &bcr,
            bxvr: &[],
        };
        let gate = DebugGate {
            mdbgen: true,
            ..DebugGate::default()
        };
        let fetch = InstructionFetch {
            address: 0x9002,
            thumb: false,
            mode: Mode::User,
            secure: false,
            contextidr: 0,
            vmid: 0,
        };
        // A mismatch BRP would fire anywhere else, but an A32 PC with
        // bit 1 set faults first.
        assert_eq!(breakpoint_matches(&c, &bps, &gate, &fetch), 0);
        assert_eq!(
            breakpoint_matches(
                &c,
                &bps,
                &gate,
                &InstructionFetch {
                    thumb: true,
                    ..fetch
                }
            ),
            1
        );
        assert_eq!(
            breakpoint_matches(
                &c,
                &bps,
                &gate,
                &InstructionFetch {
                    address: 0x9001,
                    thumb: true,
                    ..fetch
                }
            ),
            0
        );
    }
}
