//! Breakpoint and watchpoint matching from the outside: tables of cases
//! written from the architecture (DDI 0406C.d C11, DBGBCR to DBGWCR;
//! DDI 0406C.d C3 "Debug Events"; DDI 0487 G2 and G8.3), one test per rule.

use dbgregs::matching::{
    apply_event_to_dscr, breakpoint_matches, check_breakpoint, check_watchpoint, moe,
    watchpoint_matches, AccessKind, Breakpoints, DataAccess, DebugGate, EventKind,
    InstructionFetch, MatchConfig, Mode, Watchpoints,
};
use dbgregs::registers::{Dbgbcr, Dbgwcr};
use dbgregs::version::DebugVersion;

// ---------------------------------------------------------------- setup

/// Cortex-A15-like: v7.1, 6 BRPs (4, 5 context), 4 WRPs, 8-byte BAS,
/// Security and Virtualization Extensions, no breakpoint MASK.
const A15: MatchConfig = MatchConfig {
    version: DebugVersion::V7_1,
    brps: 6,
    wrps: 4,
    ctx_cmps: 2,
    wp_bas_bytes: 8,
    bp_addr_mask: false,
    wp_addr_mask: true,
    security: true,
    virtualization: true,
    async_watchpoints: false,
};
/// Cortex-A9-like: v7.0 full CP14, 4-byte BAS, Security Extensions.
const A9: MatchConfig = MatchConfig {
    version: DebugVersion::V7Full,
    wp_bas_bytes: 4,
    virtualization: false,
    wp_addr_mask: false,
    ..A15
};
/// Cortex-A8-like: v7.0 with the breakpoint and watchpoint MASK.
const A8: MatchConfig = MatchConfig {
    version: DebugVersion::V7Base,
    bp_addr_mask: true,
    wp_addr_mask: true,
    ..A9
};
/// Cortex-A53 (AArch32): v8, 8-byte BAS, watchpoint MASK, EL2 and EL3.
const A53: MatchConfig = MatchConfig {
    version: DebugVersion::V8,
    ..A15
};
/// ARM1176: v6.1, 6 BRPs (2 context), 2 WRPs, Security Extensions.
const ARM1176: MatchConfig = MatchConfig {
    version: DebugVersion::V6_1,
    wrps: 2,
    wp_bas_bytes: 4,
    bp_addr_mask: false,
    wp_addr_mask: false,
    virtualization: false,
    ..A15
};
/// ARM1136: v6.0, no Security Extensions.
const ARM1136: MatchConfig = MatchConfig {
    version: DebugVersion::V6,
    security: false,
    ..ARM1176
};

const ON: DebugGate = DebugGate {
    mdbgen: true,
    halting: false,
    os_lock: false,
    double_lock: false,
    spiddis: false,
    suiden: false,
};

/// An A32 instruction at `address` in User mode, Non-secure.
const fn arm(address: u32) -> InstructionFetch {
    InstructionFetch {
        address,
        thumb: false,
        mode: Mode::User,
        secure: false,
        contextidr: 0,
        vmid: 0,
    }
}

/// A T32 instruction at `address` in User mode, Non-secure.
const fn thumb(address: u32) -> InstructionFetch {
    InstructionFetch {
        thumb: true,
        ..arm(address)
    }
}

/// A `size`-byte load at `address` in Supervisor mode, Non-secure.
const fn load(address: u32, size: u32) -> DataAccess {
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

/// An enabled DBGBCR with PMC = 11 (PL0 and PL1).
fn bcr(bt: u8, bas: u8) -> Dbgbcr {
    Dbgbcr::new()
        .with_e(true)
        .with_pmc(0b11)
        .with_bas(bas)
        .with_bt(bt)
}

/// An enabled DBGWCR with PAC = 11 and LSC = 11.
fn wcr(bas: u8) -> Dbgwcr {
    Dbgwcr::new()
        .with_e(true)
        .with_pac(0b11)
        .with_lsc(0b11)
        .with_bas(bas)
}

/// One programmed BRP: (n, DBGBVRn, DBGBCRn).
type Brp = (usize, u32, Dbgbcr);

/// Six BRPs, all disabled except those given.
fn brps(units: &[Brp]) -> ([u32; 6], [u32; 6]) {
    let (mut bvr, mut bcr) = ([0u32; 6], [0u32; 6]);
    for &(n, v, c) in units {
        bvr[n] = v;
        bcr[n] = c.into_bits();
    }
    (bvr, bcr)
}

/// Breakpoint hits of `units` for `fetch`.
fn bp_hits(cfg: &MatchConfig, units: &[Brp], fetch: &InstructionFetch) -> u16 {
    let (bvr, bcr) = brps(units);
    let bxvr = [0u8, 0, 0, 0, 7, 9];
    breakpoint_matches(
        cfg,
        &Breakpoints {
            bvr: &bvr,
            bcr: &bcr,
            bxvr: &bxvr,
        },
        &ON,
        fetch,
    )
}

/// Watchpoint hits of one WRP (WRP 0) for `access`, with BRPs `links`.
fn wp_hit(cfg: &MatchConfig, wvr: u32, wcr: Dbgwcr, links: &[Brp], access: &DataAccess) -> bool {
    let (bvr, bcr) = brps(links);
    let bps = Breakpoints {
        bvr: &bvr,
        bcr: &bcr,
        bxvr: &[],
    };
    let wps = Watchpoints {
        wvr: &[wvr],
        wcr: &[wcr.into_bits()],
    };
    watchpoint_matches(cfg, &wps, &bps, &ON, access) == 1
}

// ---------------------------------------------------------------- gating

#[test]
fn gating_monitor_mode_halting_and_locks() {
    let bp = [(0, 0x8000, bcr(0b0000, 0b1111))];
    let (bvr, bcr_) = brps(&bp);
    let bps = Breakpoints {
        bvr: &bvr,
        bcr: &bcr_,
        bxvr: &[],
    };
    let w = wcr(0xFF).into_bits();
    let wps = Watchpoints {
        wvr: &[0x1000],
        wcr: &[w],
    };
    // (config, gate, fires)
    let cases = [
        (A15, ON, true),
        (A15, DebugGate::default(), false),
        (
            A15,
            DebugGate {
                halting: true,
                ..ON
            },
            false,
        ),
        (
            A15,
            DebugGate {
                os_lock: true,
                ..ON
            },
            false,
        ),
        (
            A15,
            DebugGate {
                double_lock: true,
                ..ON
            },
            false,
        ),
        (
            A53,
            DebugGate {
                os_lock: true,
                ..ON
            },
            false,
        ),
        (
            A53,
            DebugGate {
                double_lock: true,
                ..ON
            },
            false,
        ),
        // v7.0: the OS Lock is the save/restore lock and does not gate.
        (
            A9,
            DebugGate {
                os_lock: true,
                ..ON
            },
            true,
        ),
        (
            A9,
            DebugGate {
                mdbgen: false,
                ..ON
            },
            false,
        ),
        // v6: MDBGen with mode select 0 (monitor); mode select 1 = halting.
        (ARM1176, ON, true),
        (
            ARM1176,
            DebugGate {
                halting: true,
                ..ON
            },
            false,
        ),
        (
            ARM1136,
            DebugGate {
                os_lock: true,
                double_lock: true,
                ..ON
            },
            true,
        ),
    ];
    for (i, (cfg, gate, fires)) in cases.into_iter().enumerate() {
        let b = breakpoint_matches(&cfg, &bps, &gate, &arm(0x8000));
        let w = watchpoint_matches(&cfg, &wps, &bps, &gate, &load(0x1000, 4));
        assert_eq!((b, w), if fires { (1, 1) } else { (0, 0) }, "case {i}");
    }
}

#[test]
fn gating_hyp_mode_and_secure_debug_disable() {
    let bp = [(0, 0x8000, bcr(0b0000, 0b1111).with_hmc(true))];
    let hyp = InstructionFetch {
        mode: Mode::Hyp,
        ..arm(0x8000)
    };
    // HMC = 1 allows PL2 in the table, but AArch32 never generates debug
    // exceptions from Hyp mode.
    assert_eq!(bp_hits(&A15, &bp, &hyp), 0);
    assert_eq!(
        bp_hits(
            &A15,
            &bp,
            &InstructionFetch {
                mode: Mode::Supervisor,
                ..hyp
            }
        ),
        1
    );
    // Secure PL1 with SPIDdis: nothing; Secure PL0 needs SUIDEN.
    let (bvr, bcr_) = brps(&[(0, 0x8000, bcr(0b0000, 0b1111))]);
    let bps = Breakpoints {
        bvr: &bvr,
        bcr: &bcr_,
        bxvr: &[],
    };
    let spid = DebugGate {
        spiddis: true,
        ..ON
    };
    let s_svc = InstructionFetch {
        mode: Mode::Supervisor,
        secure: true,
        ..arm(0x8000)
    };
    let s_usr = InstructionFetch {
        secure: true,
        ..arm(0x8000)
    };
    assert_eq!(breakpoint_matches(&A15, &bps, &spid, &s_svc), 0);
    assert_eq!(breakpoint_matches(&A15, &bps, &spid, &s_usr), 0);
    assert_eq!(
        breakpoint_matches(
            &A15,
            &bps,
            &DebugGate {
                suiden: true,
                ..spid
            },
            &s_usr
        ),
        1
    );
    assert_eq!(breakpoint_matches(&A15, &bps, &spid, &arm(0x8000)), 1);
}

// ------------------------------------------------------ address breakpoints

/// Every BAS pattern: does a BRP at 0x8000 match (A32 at 0x8000, T32 at
/// 0x8000, T32 at 0x8002)? PC\[1:0\] selects the BAS bit, so only BAS\[0\]
/// and BAS\[2\] count (DDI 0406C.d C3, breakpoint debug events; the reserved values behave as ARMv8 reads
/// them back, BAS\[1\] = BAS\[0\], BAS\[3\] = BAS\[2\]).
const BAS_TABLE: [(u8, bool, bool, bool); 16] = [
    (0b0000, false, false, false), // never
    (0b0001, true, true, false),
    (0b0010, false, false, false),
    (0b0011, true, true, false), // T32 halfword at BVR
    (0b0100, false, false, true),
    (0b0101, true, true, true),
    (0b0110, false, false, true),
    (0b0111, true, true, true),
    (0b1000, false, false, false),
    (0b1001, true, true, false),
    (0b1010, false, false, false),
    (0b1011, true, true, false),
    (0b1100, false, false, true), // T32 halfword at BVR + 2
    (0b1101, true, true, true),
    (0b1110, false, false, true),
    (0b1111, true, true, true), // A32 word at BVR
];

#[test]
fn address_match_every_bas_pattern_arm_and_thumb() {
    for cfg in [A15, A9, A53, ARM1176, ARM1136] {
        for (bas, a32, t32_lo, t32_hi) in BAS_TABLE {
            let bp = [(1, 0x8000, bcr(0b0000, bas))];
            let got = (
                bp_hits(&cfg, &bp, &arm(0x8000)) == 0b10,
                bp_hits(&cfg, &bp, &thumb(0x8000)) == 0b10,
                bp_hits(&cfg, &bp, &thumb(0x8002)) == 0b10,
            );
            assert_eq!(got, (a32, t32_lo, t32_hi), "{} BAS {bas:04b}", cfg.version);
            // Never the next word, nor the previous one.
            assert_eq!(bp_hits(&cfg, &bp, &arm(0x8004)), 0);
            assert_eq!(bp_hits(&cfg, &bp, &thumb(0x7FFE)), 0);
        }
    }
}

#[test]
fn address_match_ignores_bvr_1_0_and_rejects_misaligned_pcs() {
    let bp = [(0, 0x8003, bcr(0b0000, 0b1111))];
    assert_eq!(bp_hits(&A15, &bp, &arm(0x8000)), 1);
    // A32 PC[1] = 1 / T32 PC[0] = 1 take a PC alignment fault instead.
    assert_eq!(bp_hits(&A15, &bp, &arm(0x8002)), 0);
    assert_eq!(bp_hits(&A15, &bp, &thumb(0x8001)), 0);
}

#[test]
fn address_mismatch_fires_everywhere_else() {
    // (config, BAS, fetch, fires)
    let cases = [
        (A15, 0b1111, arm(0x8000), false),
        (A15, 0b1111, arm(0x8004), true),
        (A15, 0b1111, arm(0x7FFC), true),
        (A15, 0b0011, thumb(0x8000), false),
        (A15, 0b0011, thumb(0x8002), true),
        (A15, 0b1100, thumb(0x8002), false),
        (A15, 0b1100, thumb(0x8000), true),
        // BAS = 0000: matches nothing, so the mismatch fires on every
        // instruction.
        (A15, 0b0000, arm(0x8000), true),
        (A15, 0b0000, thumb(0x8002), true),
        (A53, 0b1111, arm(0x8004), true),
        (A9, 0b1111, arm(0x8004), true),
        // v6/v6.1: unlinked mismatch exists (DDI 0406B).
        (ARM1176, 0b1111, arm(0x8004), true),
        (ARM1136, 0b1111, arm(0x8004), true),
        (ARM1136, 0b1111, arm(0x8000), false),
    ];
    for (i, (cfg, bas, fetch, fires)) in cases.into_iter().enumerate() {
        let bp = [(2, 0x8000, bcr(0b0100, bas))];
        assert_eq!(bp_hits(&cfg, &bp, &fetch) == 0b100, fires, "case {i}");
    }
}

#[test]
fn linux_single_step_breakpoint() {
    // Linux user single-step: 0x4001E5 = BT 0100 (mismatch), BAS 1111,
    // PMC 10 (PL0 only), E (`arch/arm/kernel/hw_breakpoint.c`, `encode_ctrl_reg()`).
    let step = Dbgbcr::from_bits(0x0040_01E5);
    let bp = [(5, 0x0001_0000, step)];
    assert_eq!(
        bp_hits(&A15, &bp, &arm(0x0001_0000)),
        0,
        "the stepped instruction"
    );
    assert_eq!(
        bp_hits(&A15, &bp, &arm(0x0001_0004)),
        0b10_0000,
        "the next one"
    );
    let svc = InstructionFetch {
        mode: Mode::Supervisor,
        ..arm(0x0001_0004)
    };
    assert_eq!(bp_hits(&A15, &bp, &svc), 0, "not in the kernel");
    // Linux user 4-byte execute breakpoint 0x1E5 (BT 0000).
    let bp = [(0, 0x0001_0000, Dbgbcr::from_bits(0x1E5))];
    assert_eq!(bp_hits(&A15, &bp, &arm(0x0001_0000)), 1);
    assert_eq!(bp_hits(&A15, &bp, &arm(0x0001_0004)), 0);
}

#[test]
fn breakpoint_mask_3_to_31_on_v7() {
    for m in 3u8..=31 {
        let size = 1u64 << m;
        let base = 0x8000_0000u32;
        let bp = [(0, base, bcr(0b0000, 0b1111).with_mask(m))];
        let last = (u64::from(base) + size - 4) as u32;
        let after = (u64::from(base) + size) as u32;
        assert_eq!(bp_hits(&A8, &bp, &arm(base)), 1, "m={m} first");
        assert_eq!(bp_hits(&A8, &bp, &arm(last)), 1, "m={m} last");
        assert_eq!(
            bp_hits(&A8, &bp, &thumb(last + 2)),
            1,
            "m={m} last halfword"
        );
        assert_eq!(bp_hits(&A8, &bp, &arm(after)), 0, "m={m} after");
        assert_eq!(bp_hits(&A8, &bp, &arm(base - 4)), 0, "m={m} before");
        // Masked BVR bits are not compared.
        let bp_dirty = [(
            0,
            base | (((size - 1) as u32) & !3),
            bcr(0b0000, 0b1111).with_mask(m),
        )];
        assert_eq!(bp_hits(&A8, &bp_dirty, &arm(base)), 1, "m={m} dirty BVR");
        // A masked mismatch breakpoint fires outside the range only.
        let mm = [(0, base, bcr(0b0100, 0b1111).with_mask(m))];
        assert_eq!(bp_hits(&A8, &mm, &arm(last)), 0, "m={m} mismatch inside");
        assert_eq!(
            bp_hits(&A8, &mm, &arm(base - 4)),
            1,
            "m={m} mismatch outside"
        );
    }
}

#[test]
fn breakpoint_mask_reserved_and_unimplemented() {
    let fetch = arm(0x8008);
    // MASK 1, 2 reserved; MASK with BAS != 1111 UNPREDICTABLE: disabled.
    for (mask, bas) in [(1, 0b1111), (2, 0b1111), (4, 0b0011)] {
        let bp = [(0, 0x8000, bcr(0b0000, bas).with_mask(mask))];
        assert_eq!(bp_hits(&A8, &bp, &fetch), 0, "mask {mask} bas {bas:04b}");
        assert_eq!(bp_hits(&A8, &bp, &arm(0x8000)), 0);
    }
    // Not implemented (A15), v8 (RES0), v6 (reserved): ignored.
    let bp = [(0, 0x8000, bcr(0b0000, 0b1111).with_mask(4))];
    for cfg in [A15, A53, ARM1176] {
        assert_eq!(bp_hits(&cfg, &bp, &fetch), 0, "{}", cfg.version);
        assert_eq!(bp_hits(&cfg, &bp, &arm(0x8000)), 1, "{}", cfg.version);
    }
}

// ------------------------------------------------------ context breakpoints

#[test]
fn unlinked_context_id_breakpoints() {
    let ctx = |contextidr, mode| InstructionFetch {
        contextidr,
        mode,
        ..arm(0x1234_5678)
    };
    // (BRP, BT, CONTEXTIDR, mode, fires)
    let cases = [
        (4, 0b0010, 0x0000_0042, Mode::User, true),
        (5, 0b0010, 0x0000_0042, Mode::Irq, true),
        (4, 0b0010, 0x0000_0043, Mode::User, false),
        (4, 0b0010, 0x8000_0042, Mode::User, false), // all 32 bits compared
        (3, 0b0010, 0x0000_0042, Mode::User, false), // not context-capable
        (4, 0b0011, 0x0000_0042, Mode::User, false), // linked: never alone
        (4, 0b0010, 0x0000_0042, Mode::Hyp, false),  // never at PL2
    ];
    for (i, (n, bt, cid, mode, fires)) in cases.into_iter().enumerate() {
        let bp = [(n, 0x42, bcr(bt, 0b1111))];
        assert_eq!(bp_hits(&A15, &bp, &ctx(cid, mode)) != 0, fires, "case {i}");
    }
}

#[test]
fn vmid_breakpoints_need_el2_and_non_secure() {
    // bp_hits gives BXVR.VMID 7 to BRP 4 and 9 to BRP 5.
    let f = |vmid, secure| InstructionFetch {
        vmid,
        secure,
        contextidr: 0x42,
        ..arm(0x1000)
    };
    let vmid_only = [(4, 0, bcr(0b1000, 0b1111))];
    assert_eq!(bp_hits(&A15, &vmid_only, &f(7, false)), 0b1_0000);
    assert_eq!(bp_hits(&A15, &vmid_only, &f(8, false)), 0);
    assert_eq!(bp_hits(&A15, &vmid_only, &f(7, true)), 0);
    assert_eq!(bp_hits(&A9, &vmid_only, &f(7, false)), 0, "no EL2");
    let both = [(5, 0x42, bcr(0b1010, 0b1111))];
    assert_eq!(bp_hits(&A15, &both, &f(9, false)), 0b10_0000);
    assert_eq!(
        bp_hits(
            &A15,
            &both,
            &InstructionFetch {
                contextidr: 0x41,
                ..f(9, false)
            }
        ),
        0
    );
    // Reserved context types (CONTEXTIDR_EL1/EL2 under VHE): disabled.
    for bt in [0b0110, 0b1100, 0b1110] {
        assert_eq!(
            bp_hits(&A53, &[(5, 0x42, bcr(bt, 0b1111))], &f(9, false)),
            0
        );
    }
}

#[test]
fn linked_address_and_context_breakpoints() {
    let hit = InstructionFetch {
        contextidr: 0x42,
        ..arm(0x8000)
    };
    let ctx_linked = bcr(0b0011, 0b1111);
    // (units, fetch, expected)
    let cases: [(&[Brp], InstructionFetch, u16); 9] = [
        // Linked address match on BRP 0 → BRP 4 (linked CONTEXTIDR 0x42).
        (
            &[
                (0, 0x8000, bcr(0b0001, 0b1111).with_lbn(4)),
                (4, 0x42, ctx_linked),
            ],
            hit,
            0b1,
        ),
        (
            &[
                (0, 0x8000, bcr(0b0001, 0b1111).with_lbn(4)),
                (4, 0x42, ctx_linked),
            ],
            InstructionFetch {
                contextidr: 0x43,
                ..hit
            },
            0,
        ),
        (
            &[
                (0, 0x8000, bcr(0b0001, 0b1111).with_lbn(4)),
                (4, 0x42, ctx_linked),
            ],
            arm(0x8004),
            0,
        ),
        // LBN names a disabled / unlinked-context / non-context BRP.
        (
            &[
                (0, 0x8000, bcr(0b0001, 0b1111).with_lbn(4)),
                (4, 0x42, ctx_linked.with_e(false)),
            ],
            hit,
            0,
        ),
        (
            &[
                (0, 0x8000, bcr(0b0001, 0b1111).with_lbn(4)),
                (4, 0x42, bcr(0b0010, 0b1111)),
            ],
            hit,
            0b1_0000,
        ),
        (
            &[
                (0, 0x8000, bcr(0b0001, 0b1111).with_lbn(1)),
                (1, 0x42, ctx_linked),
            ],
            hit,
            0,
        ),
        (
            &[
                (0, 0x8000, bcr(0b0001, 0b1111).with_lbn(9)),
                (4, 0x42, ctx_linked),
            ],
            hit,
            0,
        ),
        // Linked mismatch: everywhere but 0x8000, in context 0x42 only.
        (
            &[
                (2, 0x8000, bcr(0b0101, 0b1111).with_lbn(5)),
                (5, 0x42, ctx_linked),
            ],
            InstructionFetch {
                contextidr: 0x42,
                ..arm(0x9000)
            },
            0b100,
        ),
        (
            &[
                (2, 0x8000, bcr(0b0101, 0b1111).with_lbn(5)),
                (5, 0x42, ctx_linked),
            ],
            arm(0x9000),
            0,
        ),
    ];
    for (i, (units, fetch, expect)) in cases.into_iter().enumerate() {
        assert_eq!(bp_hits(&A15, units, &fetch), expect, "case {i}");
    }
    // v6: linked mismatch reserved; linked match works.
    let v6_mm = [
        (2, 0x8000, bcr(0b0101, 0b1111).with_lbn(5)),
        (5, 0x42, ctx_linked),
    ];
    assert_eq!(
        bp_hits(
            &ARM1136,
            &v6_mm,
            &InstructionFetch {
                contextidr: 0x42,
                ..arm(0x9000)
            }
        ),
        0
    );
    let v6_m = [
        (0, 0x8000, bcr(0b0001, 0b1111).with_lbn(5)),
        (5, 0x42, ctx_linked),
    ];
    assert_eq!(bp_hits(&ARM1136, &v6_m, &hit), 1);
}

// ------------------------------------------------ execution conditions

#[test]
fn breakpoint_privilege_rows() {
    // (PMC, HMC, SSC, mode, secure, fires) on A15 (EL2 + EL3).
    let rows = [
        (0b00, false, 0b00, Mode::User, false, true),
        (0b00, false, 0b00, Mode::Supervisor, false, true),
        (0b00, false, 0b00, Mode::System, false, true),
        (0b00, false, 0b00, Mode::Irq, false, false),
        (0b00, false, 0b00, Mode::Abort, false, false),
        (0b01, false, 0b00, Mode::User, false, false),
        (0b01, false, 0b00, Mode::Irq, false, true),
        (0b10, false, 0b00, Mode::User, false, true),
        (0b10, false, 0b00, Mode::Supervisor, false, false),
        (0b11, false, 0b00, Mode::Undefined, true, true),
        (0b11, false, 0b01, Mode::User, false, true),
        (0b11, false, 0b01, Mode::User, true, false),
        (0b11, false, 0b10, Mode::Monitor, true, true),
        (0b11, false, 0b10, Mode::Supervisor, false, false),
        (0b01, false, 0b11, Mode::Supervisor, true, true),
        (0b01, false, 0b11, Mode::Supervisor, false, false),
        (0b11, true, 0b00, Mode::User, false, true),
        (0b01, true, 0b01, Mode::Fiq, false, true),
        (0b00, true, 0b00, Mode::User, false, false), // reserved
        (0b10, true, 0b11, Mode::User, false, false), // reserved
    ];
    for (i, (pmc, hmc, ssc, mode, secure, fires)) in rows.into_iter().enumerate() {
        let bp = [(
            0,
            0x8000,
            bcr(0b0000, 0b1111)
                .with_pmc(pmc)
                .with_hmc(hmc)
                .with_ssc(ssc),
        )];
        let fetch = InstructionFetch {
            mode,
            secure,
            ..arm(0x8000)
        };
        assert_eq!(bp_hits(&A15, &bp, &fetch) == 1, fires, "row {i}");
    }
    // Without EL2 and EL3 every nonzero HMC/SSC is reserved.
    let no_ext = MatchConfig {
        security: false,
        virtualization: false,
        ..A15
    };
    for (hmc, ssc) in [(true, 0b00), (false, 0b01), (false, 0b10), (false, 0b11)] {
        let bp = [(0, 0x8000, bcr(0b0000, 0b1111).with_hmc(hmc).with_ssc(ssc))];
        assert_eq!(
            bp_hits(&no_ext, &bp, &arm(0x8000)),
            0,
            "HMC {hmc} SSC {ssc:02b}"
        );
    }
}

#[test]
fn watchpoint_privilege_rows_use_the_access_privilege() {
    let svc = load(0x1000, 4);
    let ldrt = DataAccess {
        unprivileged: true,
        ..svc
    };
    let usr = DataAccess {
        mode: Mode::User,
        ..svc
    };
    // (PAC, access, fires)
    let rows = [
        (0b00, svc, false), // PAC 00 reserved for watchpoints
        (0b00, usr, false),
        (0b01, svc, true),
        (0b01, ldrt, false), // LDRT at PL1 is a PL0 access
        (0b01, usr, false),
        (0b10, svc, false),
        (0b10, ldrt, true),
        (0b10, usr, true),
        (0b11, svc, true),
        (0b11, ldrt, true),
    ];
    for (i, (pac, access, fires)) in rows.into_iter().enumerate() {
        assert_eq!(
            wp_hit(&A15, 0x1000, wcr(0x0F).with_pac(pac), &[], &access),
            fires,
            "row {i}"
        );
    }
    // HMC = 1, SSC = 01, PAC = 00 is PL2 only: never from a guest.
    let hyp_only = wcr(0x0F).with_pac(0).with_hmc(true).with_ssc(0b01);
    assert!(!wp_hit(&A15, 0x1000, hyp_only, &[], &svc));
    // SSC = 10 (Secure only).
    let secure_only = wcr(0x0F).with_ssc(0b10);
    assert!(!wp_hit(&A15, 0x1000, secure_only, &[], &svc));
    assert!(wp_hit(
        &A15,
        0x1000,
        secure_only,
        &[],
        &DataAccess {
            secure: true,
            ..svc
        }
    ));
}

// ---------------------------------------------------------- watchpoints

#[test]
fn watchpoint_every_bas_pattern_byte_by_byte() {
    for (cfg, width) in [(A15, 8u32), (A53, 8), (A9, 4), (ARM1176, 4)] {
        for bas in 0..=255u8 {
            for byte in 0..8u32 {
                let watched = byte < width && bas & (1 << byte) != 0;
                let got = wp_hit(&cfg, 0x2000, wcr(bas), &[], &load(0x2000 + byte, 1));
                assert_eq!(got, watched, "{} BAS {bas:08b} byte {byte}", cfg.version);
            }
            assert!(!wp_hit(&cfg, 0x2000, wcr(bas), &[], &load(0x1FFF, 1)));
            assert!(!wp_hit(&cfg, 0x2000, wcr(bas), &[], &load(0x2008, 1)));
        }
    }
}

#[test]
fn watchpoint_word_mode_uses_bas_3_0() {
    // WVR[2] = 1: BAS[3:0] select the bytes of the word at WVR.
    for bas in 0..=255u8 {
        for byte in 0..8u32 {
            let expect = byte < 4 && bas & (1 << byte) != 0;
            assert_eq!(
                wp_hit(&A15, 0x2004, wcr(bas), &[], &load(0x2004 + byte, 1)),
                expect
            );
        }
        assert!(!wp_hit(&A15, 0x2004, wcr(bas), &[], &load(0x2000, 4)));
    }
}

#[test]
fn watchpoint_unaligned_and_multi_word_accesses() {
    // A watch on 0x1009 (BAS bit 1 of the doubleword at 0x1008).
    let w = wcr(0b0000_0010);
    let cases = [
        (0x1003, 8, true),  // 8-byte access at 0x1003 covers 0x1009
        (0x1001, 8, false), // 0x1001..=0x1008
        (0x1002, 8, true),
        (0x1009, 1, true),
        (0x100A, 4, false),
        (0x1000, 64, true),  // LDM of 16 words
        (0x0FCA, 64, true),  // ..=0x1009
        (0x0FC9, 64, false), // ..=0x1008
    ];
    for (address, size, fires) in cases {
        assert_eq!(
            wp_hit(&A15, 0x1008, w, &[], &load(address, size)),
            fires,
            "{address:#x}+{size}"
        );
    }
    assert!(
        !wp_hit(&A15, 0x1008, w, &[], &load(0x1009, 0)),
        "zero-size access"
    );
    // Linux kernel-address 8-byte load/store watchpoint 0x1FFF.
    let linux8 = Dbgwcr::from_bits(0x1FFF);
    assert!(wp_hit(&A15, 0x3000, linux8, &[], &load(0x2FFE, 4)));
    assert!(wp_hit(&A15, 0x3000, linux8, &[], &load(0x3007, 1)));
    assert!(!wp_hit(&A15, 0x3000, linux8, &[], &load(0x3008, 4)));
    // On a 4-byte-BAS core BAS[7:4] do not exist.
    assert!(!wp_hit(&A9, 0x3000, linux8, &[], &load(0x3004, 4)));
}

#[test]
fn watchpoint_mask_3_to_31() {
    let base = 0x8000_0000u32;
    for m in 3u8..=31 {
        let size = 1u64 << m;
        let last = (u64::from(base) + size - 1) as u32;
        let after = (u64::from(base) + size) as u32;
        let w = wcr(0xFF).with_mask(m);
        for cfg in [A15, A53, A8] {
            assert!(wp_hit(&cfg, base, w, &[], &load(base, 1)), "m={m} first");
            assert!(wp_hit(&cfg, base, w, &[], &load(last, 1)), "m={m} last");
            assert!(!wp_hit(&cfg, base, w, &[], &load(after, 1)), "m={m} after");
            assert!(
                !wp_hit(&cfg, base, w, &[], &load(base - 1, 1)),
                "m={m} before"
            );
            assert!(
                wp_hit(&cfg, base, w, &[], &load(base - 4, 8)),
                "m={m} straddling start"
            );
            // Masked WVR bits and BAS are not looked at.
            let dirty = base | ((size - 1) as u32);
            assert!(
                wp_hit(&cfg, dirty, wcr(0x01).with_mask(m), &[], &load(last, 1)),
                "m={m} dirty"
            );
        }
    }
    // MASK 1, 2 reserved: disabled.
    for m in [1u8, 2] {
        assert!(!wp_hit(
            &A15,
            0x2000,
            wcr(0xFF).with_mask(m),
            &[],
            &load(0x2000, 1)
        ));
    }
    // No MASK on A9 (not implemented) or v6: the BAS applies.
    assert!(!wp_hit(
        &A9,
        0x2000,
        wcr(0x01).with_mask(4),
        &[],
        &load(0x2004, 1)
    ));
    assert!(!wp_hit(
        &ARM1176,
        0x2000,
        wcr(0x01).with_mask(4),
        &[],
        &load(0x2004, 1)
    ));
}

#[test]
fn watchpoint_lsc() {
    let store = DataAccess {
        kind: AccessKind::Store,
        ..load(0x2000, 4)
    };
    let dc = DataAccess {
        kind: AccessKind::CacheMaintenance,
        ..store
    };
    // (LSC, load, store, cache maintenance)
    for (lsc, l, s, c) in [
        (0b00, false, false, false),
        (0b01, true, false, false),
        (0b10, false, true, true),
        (0b11, true, true, true),
    ] {
        let w = wcr(0x0F).with_lsc(lsc);
        assert_eq!(
            wp_hit(&A15, 0x2000, w, &[], &load(0x2000, 4)),
            l,
            "LSC {lsc:02b} load"
        );
        assert_eq!(
            wp_hit(&A15, 0x2000, w, &[], &store),
            s,
            "LSC {lsc:02b} store"
        );
        assert_eq!(wp_hit(&A15, 0x2000, w, &[], &dc), c, "LSC {lsc:02b} DC");
    }
}

#[test]
fn watchpoint_linked_context() {
    let access = DataAccess {
        contextidr: 0x42,
        ..load(0x2000, 4)
    };
    let linked = wcr(0x0F).with_wt(true).with_lbn(4);
    let ctx = |c: Dbgbcr| [(4usize, 0x42u32, c)];
    assert!(wp_hit(
        &A15,
        0x2000,
        linked,
        &ctx(bcr(0b0011, 0b1111)),
        &access
    ));
    assert!(!wp_hit(
        &A15,
        0x2000,
        linked,
        &ctx(bcr(0b0011, 0b1111)),
        &DataAccess {
            contextidr: 0x43,
            ..access
        }
    ));
    assert!(
        !wp_hit(&A15, 0x2000, linked, &ctx(bcr(0b0010, 0b1111)), &access),
        "unlinked context type"
    );
    assert!(
        !wp_hit(
            &A15,
            0x2000,
            linked,
            &ctx(bcr(0b0011, 0b1111).with_e(false)),
            &access
        ),
        "disabled"
    );
    assert!(
        !wp_hit(&A15, 0x2000, linked, &[], &access),
        "nothing to link to"
    );
    assert!(
        !wp_hit(
            &A15,
            0x2000,
            linked.with_lbn(0),
            &[(0, 0x42, bcr(0b0011, 0b1111))],
            &access
        ),
        "non-context BRP"
    );
    // WT = 0 ignores LBN.
    assert!(wp_hit(&A15, 0x2000, wcr(0x0F).with_lbn(4), &[], &access));
    // v6 "enable linking" is the same bit.
    assert!(wp_hit(
        &ARM1176,
        0x2000,
        linked,
        &ctx(bcr(0b0011, 0b1111)),
        &access
    ));
}

#[test]
fn several_units_report_a_bitmask() {
    let w = [
        wcr(0x0F).into_bits(),
        0,
        wcr(0xF0).into_bits(),
        wcr(0xFF).into_bits(),
    ];
    let wps = Watchpoints {
        wvr: &[0x2000, 0x2000, 0x2000, 0x3000],
        wcr: &w,
    };
    let bps = Breakpoints {
        bvr: &[],
        bcr: &[],
        bxvr: &[],
    };
    assert_eq!(
        watchpoint_matches(&A15, &wps, &bps, &ON, &load(0x2002, 4)),
        0b101
    );
    assert_eq!(
        watchpoint_matches(&A15, &wps, &bps, &ON, &load(0x2000, 2)),
        0b001
    );
    assert_eq!(
        watchpoint_matches(&A15, &wps, &bps, &ON, &load(0x2004, 0x1000)),
        0b1100
    );
    // Only the implemented WRPs count.
    let two = MatchConfig { wrps: 2, ..A15 };
    assert_eq!(
        watchpoint_matches(&two, &wps, &bps, &ON, &load(0x2002, 4)),
        0b001
    );
}

// --------------------------------------------------------------- events

#[test]
fn events_moe_and_fault_addresses() {
    let w = [wcr(0b0000_0010).into_bits()];
    let wps = Watchpoints {
        wvr: &[0x1008],
        wcr: &w,
    };
    let bps = Breakpoints {
        bvr: &[],
        bcr: &[],
        bxvr: &[],
    };
    let access = DataAccess {
        kind: AccessKind::Store,
        instruction_address: 0x8000_0100,
        ..load(0x1003, 8)
    };
    // v7.1: synchronous, DFAR = the watched byte, no WFAR.
    let e = check_watchpoint(&A15, &wps, &bps, &ON, &access);
    assert_eq!(
        e.map(|e| (e.kind, e.units, e.moe, e.synchronous, e.dfar, e.wfar, e.wnr)),
        Some((
            EventKind::Watchpoint,
            1,
            moe::SYNC_WATCHPOINT,
            true,
            Some(0x1009),
            None,
            true
        ))
    );
    // v7.0 (A9): synchronous, WFAR = instruction + 8 (A32) / + 4 (T32).
    let e = check_watchpoint(
        &A9,
        &wps,
        &bps,
        &ON,
        &DataAccess {
            address: 0x1009,
            size: 1,
            ..access
        },
    );
    assert_eq!(
        e.map(|e| (e.moe, e.synchronous, e.wfar, e.dfar)),
        Some((0b1010, true, Some(0x8000_0108), None))
    );
    let e = check_watchpoint(
        &A9,
        &wps,
        &bps,
        &ON,
        &DataAccess {
            address: 0x1009,
            size: 1,
            thumb: true,
            ..access
        },
    );
    assert_eq!(e.and_then(|e| e.wfar), Some(0x8000_0104));
    // v7.0 core reporting asynchronous watchpoints, and v6.
    let async_a9 = MatchConfig {
        async_watchpoints: true,
        ..A9
    };
    let e = check_watchpoint(
        &async_a9,
        &wps,
        &bps,
        &ON,
        &DataAccess {
            address: 0x1009,
            size: 1,
            ..access
        },
    );
    assert_eq!(
        e.map(|e| (e.moe, e.synchronous)),
        Some((moe::ASYNC_WATCHPOINT, false))
    );
    let e = check_watchpoint(
        &ARM1176,
        &wps,
        &bps,
        &ON,
        &DataAccess {
            address: 0x1009,
            size: 1,
            ..access
        },
    );
    assert_eq!(
        e.map(|e| (e.moe, e.synchronous, e.wfar)),
        Some((0b0010, false, Some(0x8000_0108)))
    );
    // No hit, no event; gate closed, no event.
    assert_eq!(
        check_watchpoint(&A15, &wps, &bps, &ON, &load(0x1000, 4)),
        None
    );
    assert_eq!(
        check_watchpoint(&A15, &wps, &bps, &DebugGate::default(), &access),
        None
    );

    // Breakpoint: MOE 0001, synchronous, no fault address.
    let (bvr, bcr_) = brps(&[(3, 0x8000, bcr(0b0000, 0b1111))]);
    let bps = Breakpoints {
        bvr: &bvr,
        bcr: &bcr_,
        bxvr: &[],
    };
    let e = check_breakpoint(&A15, &bps, &ON, &arm(0x8000));
    assert_eq!(
        e.map(|e| (e.kind, e.units, e.moe, e.synchronous, e.wfar, e.dfar)),
        Some((
            EventKind::Breakpoint,
            0b1000,
            moe::BREAKPOINT,
            true,
            None,
            None
        ))
    );
    // DBGDSCR: MOE replaced, MDBGen and everything else kept.
    if let Some(e) = e {
        assert_eq!(apply_event_to_dscr(0x0000_8028, &e), 0x0000_8004);
    }
    assert_eq!(check_breakpoint(&A15, &bps, &ON, &arm(0x8004)), None);
}
