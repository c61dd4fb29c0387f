//! Property tests for `dbgregs::matching::BreakpointTable`:
//!
//! * the compiled table (built at once, one BRP at a time, or reloaded)
//!   agrees with the raw matcher (`breakpoint_matches`, `check_breakpoint`)
//!   for arbitrary configurations, BRP programming (every BT, BAS, MASK,
//!   HMC/SSC/PMC, LBN), gates and fetches — fetches placed on, beside and
//!   at the range edges of the programmed addresses, in every mode, both
//!   Security states and instruction sets, with the programmed or another
//!   CONTEXTIDR and VMID;
//! * every address the table reports a hit at lies inside its summary;
//! * after a guest write, the generation moves whenever the summary
//!   changed.

use proptest::prelude::*;

use dbgregs::matching::{
    breakpoint_matches, check_breakpoint, BreakpointTable, Breakpoints, DebugGate,
    InstructionFetch, MatchConfig, Mode,
};
use dbgregs::version::DebugVersion;

/// One BRP's programming: DBGBVR, DBGBCR, DBGBXVR.VMID.
type Brp = (u32, u32, u8);

/// A DBGBCR from random bits with E mostly set, BT and MASK from their
/// strategies and, mostly, a plain condition (PMC = 11, HMC = 0, SSC = 00)
/// so that hits are common.
fn bcr_strategy() -> impl Strategy<Value = u32> {
    (
        any::<u32>(),
        prop::bool::weighted(0.85),
        prop_oneof![
            4 => prop::sample::select(vec![0b0000u32, 0b0001, 0b0100, 0b0101]),
            3 => prop::sample::select(vec![0b0010u32, 0b0011, 0b1000, 0b1001, 0b1010, 0b1011]),
            1 => 0u32..16,
        ],
        prop_oneof![6 => Just(0u32), 1 => 1u32..=2, 3 => 3u32..=31],
        prop::bool::weighted(0.6),
        prop_oneof![3 => Just(0b1111u32), 1 => 0u32..16],
    )
        .prop_map(|(bits, e, bt, mask, plain, bas)| {
            let bits = if plain {
                (bits & !((1 << 13) | (0b11 << 14))) | (0b11 << 1)
            } else {
                bits
            };
            (bits & !(1 | (0xF << 5) | (0xF << 20) | (0x1F << 24)))
                | u32::from(e)
                | (bas << 5)
                | (bt << 20)
                | (mask << 24)
        })
}

/// Up to 17 BRPs; most LBNs name one of the two highest (where the
/// context BRPs usually are), so that links are made and broken often.
fn brps_strategy() -> impl Strategy<Value = Vec<Brp>> {
    prop::collection::vec(
        (
            any::<u32>(),
            bcr_strategy(),
            any::<u8>(),
            prop::bool::weighted(0.7),
            any::<bool>(),
        ),
        0..=17,
    )
    .prop_map(|brps| {
        let len = brps.len() as u32;
        brps.into_iter()
            .map(|(bvr, bcr, bxvr, high, second)| {
                let bcr = if high && len > 0 {
                    let lbn = len.saturating_sub(1 + u32::from(second)) & 0xF;
                    (bcr & !(0xF << 16)) | (lbn << 16)
                } else {
                    bcr
                };
                (bvr, bcr, bxvr)
            })
            .collect()
    })
}

fn config_strategy() -> impl Strategy<Value = MatchConfig> {
    (
        prop::sample::select(DebugVersion::ALL.to_vec()),
        prop_oneof![1 => 0u8..=17, 3 => Just(6u8), 2 => Just(16u8)],
        prop_oneof![3 => 0u8..=4, 1 => any::<u8>()],
        any::<[bool; 3]>(),
    )
        .prop_map(|(version, brps, ctx_cmps, flags)| MatchConfig {
            version,
            brps,
            wrps: 4,
            ctx_cmps,
            wp_bas_bytes: 8,
            bp_addr_mask: flags[0],
            wp_addr_mask: true,
            security: flags[1],
            virtualization: flags[2],
            async_watchpoints: false,
        })
}

fn gate_strategy() -> impl Strategy<Value = DebugGate> {
    (
        prop::bool::weighted(0.9),
        prop::bool::weighted(0.1),
        prop::bool::weighted(0.2),
        prop::bool::weighted(0.1),
        prop::bool::weighted(0.3),
        any::<bool>(),
    )
        .prop_map(
            |(mdbgen, halting, os_lock, double_lock, spiddis, suiden)| DebugGate {
                mdbgen,
                halting,
                os_lock,
                double_lock,
                spiddis,
                suiden,
            },
        )
}

/// Where a fetch goes: near BRP `pick`'s BVR (`edge` 0), or at the start
/// (1) or just past the end (2) of its MASK range, plus `delta`; `far`
/// when `pick` names no BRP.
#[derive(Debug, Clone, Copy)]
struct FetchPlan {
    pick: usize,
    edge: usize,
    delta: i32,
    thumb: bool,
    mode: usize,
    secure: bool,
    ctx_pick: usize,
    ctx_same: bool,
    far: u32,
    vmid: u8,
}

fn plan_strategy() -> impl Strategy<Value = FetchPlan> {
    (
        0usize..=18,
        0usize..3,
        -10i32..=10,
        any::<bool>(),
        0usize..9,
        any::<bool>(),
        (
            0usize..=17,
            prop::bool::weighted(0.7),
            any::<u32>(),
            prop_oneof![Just(0u8), any::<u8>()],
        ),
    )
        .prop_map(
            |(pick, edge, delta, thumb, mode, secure, (ctx_pick, ctx_same, far, vmid))| FetchPlan {
                pick,
                edge,
                delta,
                thumb,
                mode,
                secure,
                ctx_pick,
                ctx_same,
                far,
                vmid,
            },
        )
}

fn fetch_of(plan: &FetchPlan, brps: &[Brp], bxvr: &[u8]) -> InstructionFetch {
    let near = match brps.get(plan.pick) {
        Some(&(bvr, bcr, _)) => {
            let mask = (bcr >> 24) & 0x1F;
            let size = 1u64 << mask.max(2);
            let start = bvr & !((size - 1) as u32);
            [bvr, start, start.wrapping_add(size as u32)][plan.edge]
        }
        None => plan.far,
    };
    let (contextidr, vmid) = if plan.ctx_same {
        // Mostly the context the picked BRP links to, else another BRP's.
        let source = match brps.get(plan.pick) {
            Some(&(_, bcr, _)) if plan.ctx_pick % 3 != 0 => ((bcr >> 16) & 0xF) as usize,
            _ => plan.ctx_pick,
        };
        (
            brps.get(source).map_or(plan.far, |b| b.0),
            bxvr.get(source).copied().unwrap_or(plan.vmid),
        )
    } else {
        (plan.far, plan.vmid)
    };
    InstructionFetch {
        address: near.wrapping_add(plan.delta as u32),
        thumb: plan.thumb,
        mode: Mode::ALL[plan.mode],
        secure: plan.secure,
        contextidr,
        vmid,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    /// The table and the raw matcher agree on the hit mask and the event;
    /// incremental and reloaded tables equal a fresh one; every hit lies
    /// in the summary.
    #[test]
    fn breakpoint_table_agrees_with_the_raw_matcher(
        cfg in config_strategy(),
        gate in gate_strategy(),
        brps in brps_strategy(),
        bxvr_len in prop_oneof![3 => Just(17usize), 1 => 0usize..=17],
        plans in prop::collection::vec(plan_strategy(), 1..=8),
    ) {
        let bvr: Vec<u32> = brps.iter().map(|b| b.0).collect();
        let bcr: Vec<u32> = brps.iter().map(|b| b.1).collect();
        let bxvr_all: Vec<u8> = brps.iter().map(|b| b.2).collect();
        let bxvr = &bxvr_all[..bxvr_len.min(bxvr_all.len())];
        let bps = Breakpoints { bvr: &bvr, bcr: &bcr, bxvr };
        let table = BreakpointTable::new(&cfg, &bps, &gate);
        let summary = table.summary();
        for plan in &plans {
            let fetch = fetch_of(plan, &brps, bxvr);
            let hits = table.matches(&fetch);
            prop_assert_eq!(hits, breakpoint_matches(&cfg, &bps, &gate, &fetch), "{:?}", fetch);
            prop_assert_eq!(table.check(&fetch), check_breakpoint(&cfg, &bps, &gate, &fetch));
            if hits != 0 {
                prop_assert!(summary.may_hit(fetch.address), "{:#x} hits {:#x} outside {:?}",
                    fetch.address, hits, summary);
            }
        }

        // One BRP at a time (every BXVR present) from an empty table with
        // the gate off, then the gate: a fresh table of the same registers.
        let full = Breakpoints { bvr: &bvr, bcr: &bcr, bxvr: &bxvr_all };
        let empty = Breakpoints { bvr: &[], bcr: &[], bxvr: &[] };
        let mut incremental = BreakpointTable::new(&cfg, &empty, &DebugGate::default());
        for (n, &(v, c, x)) in brps.iter().enumerate() {
            prop_assert_eq!(incremental.set(n, v, c, x), n < usize::from(cfg.brps).min(16));
        }
        incremental.set_gate(&gate);
        let fresh = BreakpointTable::new(&cfg, &full, &gate);
        for plan in &plans {
            let fetch = fetch_of(plan, &brps, &bxvr_all);
            prop_assert_eq!(incremental.matches(&fetch), fresh.matches(&fetch));
        }
        let mut reloaded = incremental;
        reloaded.reload(&full, &gate);
        prop_assert_eq!(reloaded.generation(), incremental.generation());
        prop_assert_eq!(reloaded.summary(), incremental.summary());
        let (a, b) = (fresh.summary(), incremental.summary());
        prop_assert_eq!((a.ranges(), a.beyond()), (b.ranges(), b.beyond()));
    }

    /// A window of fetches around a programmed address: every hit, in any
    /// mode and Security state, lies inside the summary.
    #[test]
    fn every_hit_lies_inside_the_summary(
        cfg in config_strategy(),
        gate in gate_strategy(),
        brps in brps_strategy(),
        plan in plan_strategy(),
    ) {
        let bvr: Vec<u32> = brps.iter().map(|b| b.0).collect();
        let bcr: Vec<u32> = brps.iter().map(|b| b.1).collect();
        let bxvr: Vec<u8> = brps.iter().map(|b| b.2).collect();
        let bps = Breakpoints { bvr: &bvr, bcr: &bcr, bxvr: &bxvr };
        let table = BreakpointTable::new(&cfg, &bps, &gate);
        let summary = table.summary();
        let centre = fetch_of(&plan, &brps, &bxvr);
        for k in -16i32..16 {
            for (mode, secure, thumb) in [
                (Mode::User, false, false),
                (Mode::Supervisor, true, true),
                (Mode::Irq, false, true),
                (Mode::System, true, false),
            ] {
                let fetch = InstructionFetch {
                    address: centre.address.wrapping_add((2 * k) as u32),
                    mode,
                    secure,
                    thumb,
                    ..centre
                };
                let hits = table.matches(&fetch);
                prop_assert_eq!(hits, breakpoint_matches(&cfg, &bps, &gate, &fetch));
                if hits != 0 {
                    prop_assert!(summary.may_hit(fetch.address));
                    let block = dbgregs::matching::InstructionRange {
                        first: fetch.address & !0xF,
                        last: fetch.address | 0xF,
                    };
                    prop_assert!(summary.may_hit_in(&block));
                }
            }
        }
    }

    /// A guest write to one BRP or to the gate: if the summary changed,
    /// so did the generation.
    #[test]
    fn the_generation_moves_when_the_summary_changes(
        cfg in config_strategy(),
        gate in gate_strategy(),
        brps in brps_strategy(),
        writes in prop::collection::vec(
            (0usize..=17, any::<u32>(), bcr_strategy(), any::<u8>(), prop::option::weighted(0.2, gate_strategy())),
            1..=6),
    ) {
        let bvr: Vec<u32> = brps.iter().map(|b| b.0).collect();
        let bcr: Vec<u32> = brps.iter().map(|b| b.1).collect();
        let bxvr: Vec<u8> = brps.iter().map(|b| b.2).collect();
        let bps = Breakpoints { bvr: &bvr, bcr: &bcr, bxvr: &bxvr };
        let mut table = BreakpointTable::new(&cfg, &bps, &gate);
        for (n, v, c, x, new_gate) in writes {
            let before = table.summary();
            match new_gate {
                Some(g) => table.set_gate(&g),
                None => {
                    table.set(n, v, c, x);
                }
            }
            let after = table.summary();
            if (after.ranges(), after.beyond()) != (before.ranges(), before.beyond()) {
                prop_assert_ne!(after.generation(), before.generation());
            }
        }
    }
}
