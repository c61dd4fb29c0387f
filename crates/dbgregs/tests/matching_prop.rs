//! Property tests for `dbgregs::matching`:
//!
//! * a watchpoint matches exactly the byte set its BAS/MASK describe,
//!   checked against a brute-force model that enumerates the watched byte
//!   addresses from the architecture's wording (DDI 0406C.d C3, watchpoint debug events) — MASK ranges are enumerated
//!   over small address windows around their edges;
//! * multi-byte accesses match iff one of their bytes is watched, and the
//!   v7.1/v8 DFAR is the first watched byte of the access;
//! * no function panics for arbitrary register contents and inputs, and
//!   results only name implemented units;
//! * a compiled `WatchpointTable` (built at once or one WRP at a time)
//!   agrees with the raw matcher and its events on every input.

use proptest::prelude::*;

use dbgregs::matching::{
    apply_event_to_dscr, breakpoint_matches, check_breakpoint, check_watchpoint,
    watchpoint_matches, AccessKind, Breakpoints, DataAccess, DebugGate, InstructionFetch,
    MatchConfig, Mode, WatchpointTable, Watchpoints,
};
use dbgregs::version::DebugVersion;

const MODES: [Mode; 9] = [
    Mode::User,
    Mode::Fiq,
    Mode::Irq,
    Mode::Supervisor,
    Mode::Monitor,
    Mode::Abort,
    Mode::Hyp,
    Mode::Undefined,
    Mode::System,
];

const ON: DebugGate = DebugGate {
    mdbgen: true,
    halting: false,
    os_lock: false,
    double_lock: false,
    spiddis: false,
    suiden: false,
};

fn config(version: DebugVersion, bas8: bool, mask: bool) -> MatchConfig {
    MatchConfig {
        version,
        brps: 6,
        wrps: 4,
        ctx_cmps: 2,
        wp_bas_bytes: if bas8 { 8 } else { 4 },
        bp_addr_mask: false,
        wp_addr_mask: mask,
        security: false,
        virtualization: false,
        async_watchpoints: false,
    }
}

/// The watched byte addresses in `[lo, lo + len)` (wrapping), in address
/// order from `lo`, written from DDI 0406C.d C3, watchpoint debug events independently of the crate:
///
/// * MASK = 0: word mode (WVR\[2\] = 1) watches byte `WVR[31:2]:00 + i` for
///   each set BAS\[i\], i < 4; otherwise byte `WVR[31:3]:000 + i` for each
///   set BAS\[i\], i < the BAS width;
/// * MASK = 1, 2: nothing (reserved → disabled);
/// * MASK = m: every A with A\[31:m\] = WVR\[31:m\].
fn model_bytes(
    bas_width: u32,
    mask_implemented: bool,
    wcr: u32,
    wvr: u32,
    lo: u32,
    len: u32,
) -> Vec<u32> {
    let bas = (wcr >> 5) & 0xFF;
    let mask = if mask_implemented {
        (wcr >> 24) & 0x1F
    } else {
        0
    };
    let in_window = |a: u32| a.wrapping_sub(lo) < len;
    let mut bytes: Vec<u32> = match mask {
        0 => {
            let (base, lanes) = if wvr & 4 != 0 {
                (wvr & !3, 4)
            } else {
                (wvr & !7, bas_width)
            };
            (0..lanes)
                .filter(|i| bas & (1 << i) != 0)
                .map(|i| base.wrapping_add(i))
                .filter(|&a| in_window(a))
                .collect()
        }
        1 | 2 => Vec::new(),
        m => (0..len)
            .map(|k| lo.wrapping_add(k))
            .filter(|a| a >> m == wvr >> m)
            .collect(),
    };
    bytes.sort_by_key(|a| a.wrapping_sub(lo));
    bytes
}

/// An enabled WCR with PAC = 11, LSC = 11, WT = 0, HMC = 0, SSC = 0, the
/// given BAS and MASK, and arbitrary reserved bits (\[31:29\], \[23:21\]),
/// which must not matter.
fn wcr_value(bas: u8, mask: u8, reserved: u32) -> u32 {
    1 | (0b11 << 1)
        | (0b11 << 3)
        | (u32::from(bas) << 5)
        | (u32::from(mask & 0x1F) << 24)
        | (reserved & 0xE0E0_0000)
}

fn load(address: u32, size: u32) -> DataAccess {
    DataAccess {
        address,
        size,
        kind: AccessKind::Load,
        mode: Mode::Supervisor,
        unprivileged: false,
        secure: false,
        contextidr: 0,
        vmid: 0,
        instruction_address: 0x8000,
        thumb: false,
    }
}

/// MASK values: mostly 0 (BAS lanes), all of 1..=31 reachable.
fn mask_strategy() -> impl Strategy<Value = u8> {
    prop_oneof![3 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8), 4 => 3u8..=31]
}

fn version_strategy() -> impl Strategy<Value = DebugVersion> {
    prop::sample::select(vec![
        DebugVersion::V6,
        DebugVersion::V6_1,
        DebugVersion::V7Full,
        DebugVersion::V7_1,
        DebugVersion::V8,
    ])
}

/// A configuration from arbitrary parts: `counts` = BRPs, WRPs, context
/// BRPs, BAS bytes; `flags` = BRP mask, WRP mask, security,
/// virtualization, asynchronous watchpoints.
fn any_config(version: DebugVersion, counts: (u8, u8, u8, u8), flags: [bool; 5]) -> MatchConfig {
    MatchConfig {
        version,
        brps: counts.0,
        wrps: counts.1,
        ctx_cmps: counts.2,
        wp_bas_bytes: counts.3,
        bp_addr_mask: flags[0],
        wp_addr_mask: flags[1],
        security: flags[2],
        virtualization: flags[3],
        async_watchpoints: flags[4],
    }
}

/// A gate from arbitrary bits, in field order.
fn any_gate(bits: [bool; 6]) -> DebugGate {
    DebugGate {
        mdbgen: bits[0],
        halting: bits[1],
        os_lock: bits[2],
        double_lock: bits[3],
        spiddis: bits[4],
        suiden: bits[5],
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Every single-byte access in a 128-byte window (around the WVR, or
    /// around an edge of the MASK range) matches iff the model watches it.
    #[test]
    fn watchpoint_matches_exactly_its_byte_set(
        version in version_strategy(),
        bas8 in any::<bool>(),
        mask_implemented in any::<bool>(),
        bas in any::<u8>(),
        mask in mask_strategy(),
        reserved in any::<u32>(),
        wvr in any::<u32>(),
        edge in 0usize..3,
        delta in -64i64..64,
    ) {
        let cfg = config(version, bas8, mask_implemented);
        let v7 = version != DebugVersion::V6 && version != DebugVersion::V6_1;
        let bas_width = if bas8 && v7 { 8 } else { 4 };
        let model_mask = mask_implemented && v7;
        let wcr = wcr_value(bas, mask, reserved);
        let wvr = wvr & !3; // WVR[1:0] are RES0
        let m = u32::from(mask).max(3);
        let range_start = wvr & !((1u64 << m) - 1) as u32;
        let range_end = range_start.wrapping_add(((1u64 << m) - 1) as u32).wrapping_add(1);
        let centre = [wvr, range_start, range_end][edge];
        let lo = centre.wrapping_add(delta as u32);
        let expected = model_bytes(bas_width, model_mask, wcr, wvr, lo, 128);

        let bps = Breakpoints { bvr: &[], bcr: &[], bxvr: &[] };
        let wps = Watchpoints { wvr: &[wvr], wcr: &[wcr] };
        let got: Vec<u32> = (0..128u32)
            .map(|k| lo.wrapping_add(k))
            .filter(|&a| watchpoint_matches(&cfg, &wps, &bps, &ON, &load(a, 1)) == 1)
            .collect();
        prop_assert_eq!(got, expected);
    }

    /// A multi-byte access (1..=64 bytes, any alignment) matches iff one of
    /// its bytes is watched; on v7.1/v8 the event's DFAR is the first
    /// watched byte of the access.
    #[test]
    fn multi_byte_access_matches_iff_a_byte_is_watched(
        bas8 in any::<bool>(),
        bas in any::<u8>(),
        mask in mask_strategy(),
        wvr in any::<u32>(),
        edge in 0usize..3,
        delta in -80i64..16,
        size in 1u32..=64,
    ) {
        let cfg = config(DebugVersion::V7_1, bas8, true);
        let wcr = wcr_value(bas, mask, 0);
        let wvr = wvr & !3;
        let m = u32::from(mask).max(3);
        let range_start = wvr & !((1u64 << m) - 1) as u32;
        let range_end = range_start.wrapping_add(((1u64 << m) - 1) as u32).wrapping_add(1);
        let address = [wvr, range_start, range_end][edge].wrapping_add(delta as u32);
        let watched = model_bytes(if bas8 { 8 } else { 4 }, true, wcr, wvr, address, size);

        let bps = Breakpoints { bvr: &[], bcr: &[], bxvr: &[] };
        let wps = Watchpoints { wvr: &[wvr], wcr: &[wcr] };
        let access = load(address, size);
        let hit = watchpoint_matches(&cfg, &wps, &bps, &ON, &access);
        prop_assert_eq!(hit == 1, !watched.is_empty());
        let event = check_watchpoint(&cfg, &wps, &bps, &ON, &access);
        prop_assert_eq!(event.and_then(|e| e.dfar), watched.first().copied());
    }

    /// Arbitrary register contents, configurations and inputs: no panic,
    /// results name only implemented units, events agree with the masks.
    #[test]
    fn never_panics_for_arbitrary_inputs(
        version in prop::sample::select(DebugVersion::ALL.to_vec()),
        counts in (any::<u8>(), any::<u8>(), any::<u8>(), any::<u8>()),
        flags in any::<[bool; 5]>(),
        gate_bits in any::<[bool; 6]>(),
        bvr in prop::collection::vec(any::<u32>(), 0..=18),
        bcr in prop::collection::vec(any::<u32>(), 0..=18),
        bxvr in prop::collection::vec(any::<u8>(), 0..=18),
        wvr in prop::collection::vec(any::<u32>(), 0..=18),
        wcr in prop::collection::vec(any::<u32>(), 0..=18),
        fetch_bits in (any::<u32>(), any::<bool>(), 0usize..9, any::<bool>(), any::<u32>(), any::<u8>()),
        access_bits in (any::<u32>(), any::<u32>(), 0usize..3, 0usize..9, any::<[bool; 3]>(), any::<u32>(), any::<u32>()),
        dscr in any::<u32>(),
    ) {
        let cfg = any_config(version, counts, flags);
        let gate = any_gate(gate_bits);
        let bps = Breakpoints { bvr: &bvr, bcr: &bcr, bxvr: &bxvr };
        let wps = Watchpoints { wvr: &wvr, wcr: &wcr };
        let fetch = InstructionFetch {
            address: fetch_bits.0,
            thumb: fetch_bits.1,
            mode: MODES[fetch_bits.2],
            secure: fetch_bits.3,
            contextidr: fetch_bits.4,
            vmid: fetch_bits.5,
        };
        let access = DataAccess {
            address: access_bits.0,
            size: access_bits.1,
            kind: [AccessKind::Load, AccessKind::Store, AccessKind::CacheMaintenance][access_bits.2],
            mode: MODES[access_bits.3],
            unprivileged: access_bits.4[0],
            secure: access_bits.4[1],
            contextidr: access_bits.5,
            vmid: 0,
            instruction_address: access_bits.6,
            thumb: access_bits.4[2],
        };

        let brp_limit = usize::from(cfg.brps).min(16).min(bvr.len()).min(bcr.len());
        let wrp_limit = usize::from(cfg.wrps).min(16).min(wvr.len()).min(wcr.len());
        let b = breakpoint_matches(&cfg, &bps, &gate, &fetch);
        prop_assert_eq!(u32::from(b) >> brp_limit, 0);
        let w = watchpoint_matches(&cfg, &wps, &bps, &gate, &access);
        prop_assert_eq!(u32::from(w) >> wrp_limit, 0);

        let be = check_breakpoint(&cfg, &bps, &gate, &fetch);
        prop_assert_eq!(be.map_or(0, |e| e.units), b);
        let we = check_watchpoint(&cfg, &wps, &bps, &gate, &access);
        prop_assert_eq!(we.map_or(0, |e| e.units), w);
        if let Some(e) = we {
            if let Some(dfar) = e.dfar {
                prop_assert!(dfar.wrapping_sub(access.address) < access.size);
            }
            prop_assert_eq!(apply_event_to_dscr(dscr, &e) & !0x3C, dscr & !0x3C);
        }
    }

    /// The compiled table and the raw matcher agree: same hit mask, same
    /// event (MOE, DFAR/WFAR, WnR), for arbitrary WRP programming (mostly
    /// enabled, every BAS, MASK, LSC, PAC, HMC/SSC, WT/LBN), arbitrary
    /// linked BRPs, gates and accesses placed around the watched addresses,
    /// including accesses wider than a doubleword and wrapping at 4 GiB.
    #[test]
    fn watchpoint_table_agrees_with_the_raw_matcher(
        version in prop::sample::select(DebugVersion::ALL.to_vec()),
        counts in (0u8..=17, 0u8..=17, 0u8..=4, prop::sample::select(vec![4u8, 8])),
        flags in any::<[bool; 5]>(),
        gate_bits in (prop::bool::weighted(0.9), prop::bool::weighted(0.1),
            prop::bool::weighted(0.2), prop::bool::weighted(0.2), any::<bool>(), any::<bool>()),
        wrps in prop::collection::vec(
            (any::<u32>(), any::<u32>(), prop::bool::weighted(0.8), mask_strategy(),
                prop::bool::weighted(0.2), prop::bool::weighted(0.7)),
            0..=17),
        bps in prop::collection::vec((any::<u32>(), any::<u32>(), any::<u8>()), 0..=17),
        access_bits in (0usize..=17, -12i32..=12,
            prop_oneof![6 => 1u32..=8, 2 => 9u32..=24, 1 => Just(0u32), 1 => any::<u32>()],
            0usize..3, 0usize..9, any::<[bool; 3]>(), any::<u32>()),
        ctx_pick in (0usize..=17, any::<bool>()),
    ) {
        let cfg = any_config(version, counts, flags);
        let gate = any_gate([gate_bits.0, gate_bits.1, gate_bits.2, gate_bits.3, gate_bits.4, gate_bits.5]);
        // WCR: random bits, with E forced on (mostly), MASK from the
        // strategy, WT mostly off, and mostly a plain condition (PAC = 11,
        // LSC = 11, HMC = 0, SSC = 00) so that hits are common.
        let wvr: Vec<u32> = wrps.iter().map(|w| w.0).collect();
        let wcr: Vec<u32> = wrps
            .iter()
            .map(|&(_, bits, e, mask, wt, plain)| {
                let bits = if plain {
                    (bits & !(0b111 << 13)) | (0b1111 << 1)
                } else {
                    bits
                };
                (bits & !(1 | (1 << 20) | (0x1F << 24)))
                    | u32::from(e)
                    | (u32::from(wt) << 20)
                    | (u32::from(mask) << 24)
            })
            .collect();
        let bvr: Vec<u32> = bps.iter().map(|b| b.0).collect();
        let bcr: Vec<u32> = bps.iter().map(|b| b.1).collect();
        let bxvr: Vec<u8> = bps.iter().map(|b| b.2).collect();
        let bps = Breakpoints { bvr: &bvr, bcr: &bcr, bxvr: &bxvr };
        let wps = Watchpoints { wvr: &wvr, wcr: &wcr };

        let (pick, delta, size, kind, mode, bools, far) = access_bits;
        let near = wvr.get(pick).copied().unwrap_or(far);
        let contextidr = if ctx_pick.1 { bvr.get(ctx_pick.0).copied().unwrap_or(0) } else { far };
        let access = DataAccess {
            address: near.wrapping_add(delta as u32),
            size,
            kind: [AccessKind::Load, AccessKind::Store, AccessKind::CacheMaintenance][kind],
            mode: MODES[mode],
            unprivileged: bools[0],
            secure: bools[1],
            contextidr,
            vmid: bxvr.get(ctx_pick.0).copied().unwrap_or(0),
            instruction_address: far,
            thumb: bools[2],
        };

        let table = WatchpointTable::new(&cfg, &wps, &gate);
        prop_assert_eq!(
            table.matches(&bps, &access),
            watchpoint_matches(&cfg, &wps, &bps, &gate, &access)
        );
        prop_assert_eq!(
            table.check(&bps, &access),
            check_watchpoint(&cfg, &wps, &bps, &gate, &access)
        );

        // One WRP at a time from an empty table with the gate off, then the
        // gate: the same table.
        let empty = Watchpoints { wvr: &[], wcr: &[] };
        let mut incremental = WatchpointTable::new(&cfg, &empty, &DebugGate::default());
        for (n, (&v, &c)) in wvr.iter().zip(&wcr).enumerate() {
            let implemented = incremental.set(n, v, c);
            prop_assert_eq!(implemented, n < usize::from(cfg.wrps).min(16));
        }
        incremental.set_gate(&gate);
        prop_assert_eq!(incremental, table);
    }
}
