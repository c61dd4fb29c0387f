//! Watchpoints (DDI 0406C.d C11, DBGWCR; DDI 0487 G8.3, DBGWCR, DDI 0406C.d C3, watchpoint debug events): the bytes a WRP watches (BAS lanes or a
//! MASK range), LSC, the execution condition and links.

use super::breakpoint::{linked_context_matches, Context};
use super::condition::{state_matches, Condition, Executing, Unit};
use super::{AccessKind, Breakpoints, DataAccess, DebugGate, MatchConfig, Watchpoints};
use crate::registers::Dbgwcr;

/// The set of byte addresses one WRP watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Watched {
    /// MASK = 0: the bytes `block + i` of the doubleword-aligned `block`
    /// for each set bit i of `lanes`.
    Lanes { block: u32, lanes: u8 },
    /// MASK = m ≥ 3: the naturally aligned 2^m bytes at `base`.
    Range { base: u32, log2: u32 },
}

/// The bytes WRP `(wcr, wvr)` watches; `None` when the programming is
/// reserved (the WRP is then disabled).
///
/// * MASK = 0 (or not implemented): with WVR\[2\] = 1 (word mode, deprecated
///   in v8) BAS\[3:0\] select bytes of the word at WVR\[31:2\]; otherwise BAS
///   selects bytes of the doubleword at WVR\[31:3\] — BAS\[7:4\] only where
///   the 8-byte BAS is implemented (they are RAZ/WI on 4-byte-BAS cores, so
///   a 4-byte-BAS WRP watches the word at WVR\[31:3\]:000). WVR\[1:0\] are
///   RES0 and ignored. Each BAS bit selects its own byte: a non-contiguous
///   BAS is CONSTRAINED UNPREDICTABLE per byte of the doubleword (v8
///   pseudocode `WatchpointByteMatch`), so **decision**: the literal bits
///   (QEMU instead keeps the lowest run of ones).
/// * MASK = 1, 2: reserved → disabled (as QEMU).
/// * MASK = m ≥ 3: A\[31:m\] = WVR\[31:m\]. BAS should then be all ones;
///   otherwise CONSTRAINED UNPREDICTABLE → **decision**: BAS is ignored and
///   the whole range is watched (as QEMU). Nonzero masked WVR bits
///   (CONSTRAINED UNPREDICTABLE) are not compared (as QEMU).
pub(crate) const fn watched(cfg: &MatchConfig, wcr: Dbgwcr, wvr: u32) -> Option<Watched> {
    let mask = if cfg.wp_mask_effective() {
        wcr.mask()
    } else {
        0
    };
    match mask {
        0 => {
            let bas = if cfg.wp_bas8() {
                wcr.bas()
            } else {
                wcr.bas() & 0x0F
            };
            let lanes = if wvr & 0b100 != 0 {
                (bas & 0x0F) << 4
            } else {
                bas
            };
            Some(Watched::Lanes {
                block: wvr & !0b111,
                lanes,
            })
        }
        1 | 2 => None,
        m => {
            let log2 = m as u32;
            Some(Watched::Range {
                base: wvr & !((1u32 << log2) - 1),
                log2,
            })
        }
    }
}

/// `k` ones (k ≤ 8).
const fn ones(k: u64) -> u32 {
    (1u32 << k) - 1
}

/// The lanes of the doubleword at `block` that the access `[start, start +
/// size)` covers (byte addresses wrap at 4 GiB).
const fn access_lanes(block: u32, start: u32, size: u32) -> u8 {
    // Offset of the access from the block, and its end; both in [0, 2^33).
    let rel = start.wrapping_sub(block) as u64;
    let end = rel + size as u64;
    let lo = if rel < 8 { rel } else { 8 };
    let hi = if end < 8 { end } else { 8 };
    // An access that runs past 0xFFFF_FFFF continues at lane 0.
    let wrapped = end.saturating_sub(1 << 32);
    let wrapped = if wrapped < 8 { wrapped } else { 8 };
    ((ones(hi) & !ones(lo)) | ones(wrapped)) as u8
}

impl Watched {
    /// Whether at least one byte of the access is watched.
    pub(crate) const fn overlaps(self, start: u32, size: u32) -> bool {
        match self {
            Watched::Lanes { block, lanes } => lanes & access_lanes(block, start, size) != 0,
            // Two arcs of the 2^32 circle overlap iff one starts inside the
            // other (size ≥ 1 here).
            Watched::Range { base, log2 } => {
                (start.wrapping_sub(base) as u64) < (1u64 << log2)
                    || base.wrapping_sub(start) < size
            }
        }
    }

    /// Offset from `start` of the first watched byte the access touches.
    pub(crate) const fn first_hit(self, start: u32, size: u32) -> Option<u32> {
        match self {
            Watched::Lanes { block, lanes } => {
                let mut hit = lanes & access_lanes(block, start, size);
                let mut best: Option<u32> = None;
                while hit != 0 {
                    let lane = hit.trailing_zeros();
                    hit &= hit - 1;
                    let off = block.wrapping_add(lane).wrapping_sub(start);
                    best = match best {
                        Some(b) if b <= off => Some(b),
                        _ => Some(off),
                    };
                }
                best
            }
            Watched::Range { base, log2 } => {
                if (start.wrapping_sub(base) as u64) < (1u64 << log2) {
                    Some(0)
                } else if base.wrapping_sub(start) < size {
                    Some(base.wrapping_sub(start))
                } else {
                    None
                }
            }
        }
    }
}

/// Number of WRPs looked at: implemented and present in the slices.
fn wrp_count(cfg: &MatchConfig, wps: &Watchpoints<'_>) -> usize {
    cfg.wrp_count().min(wps.wvr.len()).min(wps.wcr.len())
}

/// The hot-path prefilter: a superset of the WRPs that can match the
/// access `[start, start + size)` — every enabled WRP with a MASK in effect,
/// and every enabled MASK = 0 WRP whose doubleword (WVR\[31:3\]) is one of
/// the doublewords the access touches. Branch-free, a few instructions per
/// WRP; the exact rules are applied to the candidates only.
fn candidates(cfg: &MatchConfig, wps: &Watchpoints<'_>, start: u32, size: u32) -> u16 {
    let mask_field: u32 = if cfg.wp_mask_effective() {
        0x1F << 24
    } else {
        0
    };
    let first_block = start & !0b111;
    // Bytes from `first_block` to the end of the last doubleword touched.
    // Block distances are multiples of 8, at most 0xFFFF_FFF8, so clamping
    // the span to u32::MAX keeps "every block" for huge accesses.
    let span = (u64::from(start & 0b111) + u64::from(size) + 7) & !0b111;
    let span = u32::try_from(span).unwrap_or(u32::MAX);
    let count = wrp_count(cfg, wps);
    // `count` is at most both lengths, so the `get`s succeed; equal-length
    // slices let the loop compile without bounds checks.
    let wvrs = wps.wvr.get(..count).unwrap_or_default();
    let wcrs = wps.wcr.get(..count).unwrap_or_default();
    let mut found = 0u16;
    for (n, (&wvr, &wcr)) in wvrs.iter().zip(wcrs).enumerate() {
        let enabled = wcr & 1 != 0;
        let ranged = wcr & mask_field != 0;
        let near = (wvr & !0b111).wrapping_sub(first_block) < span;
        found |= u16::from(enabled & (ranged | near)) << n;
    }
    found
}

/// Which watchpoints match a data access, as a bitmask (bit n = WRP n).
/// Zero when debug events are not generated ([`DebugGate::generates`],
/// evaluated for the mode of the accessing instruction) or nothing is
/// accessed (`size` = 0).
///
/// Per enabled WRP (DDI 0406C.d C3, watchpoint debug events): at least one byte accessed is watched
/// (the `watched` rules in this file; an unaligned or multi-word access
/// matches if any of its bytes does, e.g. a watch on 0x1009 fires for an
/// 8-byte access at 0x1003), LSC covers the access (01 loads, 10 stores and watched cache
/// maintenance, 11 both, 00 never), the execution condition matches
/// (HMC/SSC/PAC against the privilege of the *access*), and with WT = 1
/// the BRP named by LBN is a matching linked context breakpoint
/// (`bps` supplies it).
pub fn watchpoint_matches(
    cfg: &MatchConfig,
    wps: &Watchpoints<'_>,
    bps: &Breakpoints<'_>,
    gate: &DebugGate,
    access: &DataAccess,
) -> u16 {
    let secure = cfg.security && access.secure;
    if access.size == 0 || !gate.generates(cfg, access.mode.privilege(), secure) {
        return 0;
    }
    match candidates(cfg, wps, access.address, access.size) {
        0 => 0,
        found => confirm(cfg, wps, bps, access, found),
    }
}

/// The exact rules for the prefilter's candidates. Kept out of line so the
/// common "nothing near" check stays small.
#[inline(never)]
fn confirm(
    cfg: &MatchConfig,
    wps: &Watchpoints<'_>,
    bps: &Breakpoints<'_>,
    access: &DataAccess,
    mut candidates: u16,
) -> u16 {
    let secure = cfg.security && access.secure;
    let pe_privilege = access.mode.privilege();
    let lsc_bit = match access.kind {
        AccessKind::Load => 0b01,
        AccessKind::Store | AccessKind::CacheMaintenance => 0b10,
    };
    let mut hits = 0u16;
    while candidates != 0 {
        let n = candidates.trailing_zeros() as usize;
        candidates &= candidates - 1;
        let (Some(&wvr), Some(&wcr)) = (wps.wvr.get(n), wps.wcr.get(n)) else {
            continue;
        };
        let wcr = Dbgwcr::from_bits(wcr);
        if !wcr.e() {
            continue;
        }
        match watched(cfg, wcr, wvr) {
            Some(w) if w.overlaps(access.address, access.size) => {}
            _ => continue,
        }
        if wcr.lsc() & lsc_bit == 0 {
            continue;
        }
        let condition = Condition {
            hmc: wcr.hmc(),
            ssc: wcr.ssc(),
            pxc: wcr.pac(),
        };
        let at = Executing {
            privilege: access.access_privilege(),
            mode: access.mode,
            secure,
        };
        if !state_matches(cfg, Unit::Watchpoint, condition, at) {
            continue;
        }
        if wcr.wt() {
            let ctx = Context {
                contextidr: access.contextidr,
                vmid: access.vmid,
                privilege: pe_privilege,
                secure,
            };
            if !linked_context_matches(cfg, bps, wcr.lbn(), &ctx) {
                continue;
            }
        }
        hits |= 1 << n;
    }
    hits
}

/// The first byte (lowest offset from `access.address`) that the access
/// touches and one of the WRPs in `units` watches; `None` if there is none.
pub(crate) fn first_watched_address(
    cfg: &MatchConfig,
    wps: &Watchpoints<'_>,
    units: u16,
    access: &DataAccess,
) -> Option<u32> {
    let pairs = wps.wvr.iter().zip(wps.wcr.iter()).take(wrp_count(cfg, wps));
    pairs
        .enumerate()
        .filter(|(n, _)| units & (1 << n) != 0)
        .filter_map(|(_, (&wvr, &wcr))| watched(cfg, Dbgwcr::from_bits(wcr), wvr))
        .filter_map(|w| w.first_hit(access.address, access.size))
        .min()
        .map(|off| access.address.wrapping_add(off))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::DebugVersion;

    fn cfg(bas8: bool) -> MatchConfig {
        MatchConfig {
            version: DebugVersion::V7_1,
            brps: 6,
            wrps: 4,
            ctx_cmps: 2,
            wp_bas_bytes: if bas8 { 8 } else { 4 },
            bp_addr_mask: false,
            wp_addr_mask: true,
            security: false,
            virtualization: false,
            async_watchpoints: false,
        }
    }

    #[test]
    fn access_lanes_cover_exactly_the_accessed_bytes() {
        assert_eq!(access_lanes(0x1000, 0x1000, 8), 0xFF);
        assert_eq!(access_lanes(0x1000, 0x1003, 8), 0b1111_1000);
        assert_eq!(access_lanes(0x1008, 0x1003, 8), 0b0000_0111);
        assert_eq!(access_lanes(0x1000, 0x1002, 2), 0b0000_1100);
        assert_eq!(access_lanes(0x1010, 0x1003, 8), 0);
        assert_eq!(access_lanes(0x1000, 0x0FF0, 64), 0xFF);
        // Wrap at 4 GiB: 4 bytes at 0xFFFF_FFFE cover lanes 0,1 at 0.
        assert_eq!(access_lanes(0, 0xFFFF_FFFE, 4), 0b11);
        assert_eq!(access_lanes(0xFFFF_FFF8, 0xFFFF_FFFE, 4), 0b1100_0000);
        assert_eq!(access_lanes(0x1000, 0x1000, u32::MAX), 0xFF);
        // Everything but the byte at 0x1000.
        assert_eq!(access_lanes(0x1000, 0x1001, u32::MAX), 0xFE);
    }

    #[test]
    fn word_mode_uses_bas_3_0_at_wvr_bit_2() {
        let wcr = Dbgwcr::new().with_bas(0xF3);
        assert_eq!(
            watched(&cfg(true), wcr, 0x2004),
            Some(Watched::Lanes {
                block: 0x2000,
                lanes: 0x30
            })
        );
        assert_eq!(
            watched(&cfg(true), wcr, 0x2000),
            Some(Watched::Lanes {
                block: 0x2000,
                lanes: 0xF3
            })
        );
        // 4-byte BAS: BAS[7:4] do not exist.
        assert_eq!(
            watched(&cfg(false), wcr, 0x2000),
            Some(Watched::Lanes {
                block: 0x2000,
                lanes: 0x03
            })
        );
    }

    #[test]
    fn mask_ranges_and_reserved_masks() {
        let c = cfg(true);
        assert_eq!(watched(&c, Dbgwcr::new().with_mask(1), 0x2000), None);
        assert_eq!(watched(&c, Dbgwcr::new().with_mask(2), 0x2000), None);
        assert_eq!(
            watched(&c, Dbgwcr::new().with_mask(12), 0x2345),
            Some(Watched::Range {
                base: 0x2000,
                log2: 12
            })
        );
        assert_eq!(
            watched(&c, Dbgwcr::new().with_mask(31), 0xFFFF_FFFF),
            Some(Watched::Range {
                base: 0x8000_0000,
                log2: 31
            })
        );
        // Not implemented, or v6: MASK ignored.
        let no_mask = MatchConfig {
            wp_addr_mask: false,
            ..c
        };
        assert!(matches!(
            watched(&no_mask, Dbgwcr::new().with_mask(1), 0),
            Some(Watched::Lanes { .. })
        ));
        let v6 = MatchConfig {
            version: DebugVersion::V6_1,
            ..c
        };
        assert!(matches!(
            watched(&v6, Dbgwcr::new().with_mask(5), 0),
            Some(Watched::Lanes { .. })
        ));
    }

    #[test]
    fn first_hit_is_the_lowest_watched_byte_accessed() {
        let w = Watched::Lanes {
            block: 0x1008,
            lanes: 0b0000_0110,
        };
        assert_eq!(w.first_hit(0x1003, 8), Some(0x1009 - 0x1003));
        assert_eq!(w.first_hit(0x100A, 4), Some(0));
        assert_eq!(w.first_hit(0x100B, 4), None);
        let r = Watched::Range {
            base: 0x4000,
            log2: 4,
        };
        assert_eq!(r.first_hit(0x3FF8, 16), Some(8));
        assert_eq!(r.first_hit(0x4008, 64), Some(0));
        assert_eq!(r.first_hit(0x4010, 4), None);
    }
}
