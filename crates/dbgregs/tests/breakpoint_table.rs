//! `BreakpointTable` per breakpoint type (DDI 0406C.d C3.3 "Breakpoint
//! debug events", C11.11.2 DBGBCR; DDI 0487 G2.8): each test programs one
//! kind of BRP, states where it fires, and checks the table against the raw
//! matcher on a grid of fetches (a window of addresses, every mode, both
//! Security states and instruction sets, the programmed and another
//! context) and its summary against every hit.

use dbgregs::matching::{
    breakpoint_matches, Beyond, BreakpointTable, Breakpoints, DebugGate, InstructionFetch,
    InstructionRange, MatchConfig, Mode,
};
use dbgregs::version::DebugVersion;

/// A v7.1 core with the Security and Virtualization Extensions, 6 BRPs (4
/// and 5 context-capable) and DBGBCR.MASK.
const CFG: MatchConfig = MatchConfig {
    version: DebugVersion::V7_1,
    brps: 6,
    wrps: 4,
    ctx_cmps: 2,
    wp_bas_bytes: 8,
    bp_addr_mask: true,
    wp_addr_mask: true,
    security: true,
    virtualization: true,
    async_watchpoints: false,
};

const ON: DebugGate = DebugGate {
    mdbgen: true,
    halting: false,
    os_lock: false,
    double_lock: false,
    spiddis: false,
    suiden: false,
};

/// DBGBCR: E, PMC = 11, and the given BAS, BT, LBN and MASK.
const fn bcr(bas: u32, bt: u32, lbn: u32, mask: u32) -> u32 {
    1 | (0b11 << 1) | (bas << 5) | (lbn << 16) | (bt << 20) | (mask << 24)
}

const CID: u32 = 0x42;
const VMID: u8 = 7;

fn fetch(address: u32, thumb: bool) -> InstructionFetch {
    InstructionFetch {
        address,
        thumb,
        mode: Mode::User,
        secure: false,
        contextidr: CID,
        vmid: VMID,
    }
}

/// Builds the table, compares it with the raw matcher over the grid
/// around `centre` and checks the summary; returns the table.
fn agree(cfg: &MatchConfig, bps: &Breakpoints<'_>, centre: u32) -> BreakpointTable {
    let table = BreakpointTable::new(cfg, bps, &ON);
    let summary = table.summary();
    for k in -12i32..12 {
        let address = centre.wrapping_add((2 * k) as u32);
        for mode in Mode::ALL {
            for (secure, thumb, contextidr, vmid) in [
                (false, false, CID, VMID),
                (false, true, CID, VMID),
                (true, false, CID, VMID),
                (true, true, CID, VMID),
                (false, false, CID + 1, VMID),
                (false, true, CID, VMID + 1),
            ] {
                let f = InstructionFetch {
                    address,
                    thumb,
                    mode,
                    secure,
                    contextidr,
                    vmid,
                };
                let hits = table.matches(&f);
                assert_eq!(hits, breakpoint_matches(cfg, bps, &ON, &f), "{f:?}");
                if hits != 0 {
                    assert!(summary.may_hit(address), "{f:?} outside {summary:?}");
                }
            }
        }
    }
    table
}

fn brps<'a>(bvr: &'a [u32], bcr: &'a [u32], bxvr: &'a [u8]) -> Breakpoints<'a> {
    Breakpoints { bvr, bcr, bxvr }
}

#[test]
fn address_match_a32_word() {
    let bcr = [bcr(0b1111, 0b0000, 0, 0)];
    let t = agree(&CFG, &brps(&[0x8000], &bcr, &[]), 0x8000);
    assert_eq!(t.matches(&fetch(0x8000, false)), 1);
    assert_eq!(t.matches(&fetch(0x8004, false)), 0);
    // BAS = 1111 also matches a T32 instruction at +2.
    assert_eq!(t.matches(&fetch(0x8002, true)), 1);
    // A misaligned A32 PC faults first.
    assert_eq!(t.matches(&fetch(0x8002, false)), 0);
}

#[test]
fn address_match_t32_halfwords_by_bas() {
    // BAS = 0011: the first halfword; 1100: the second.
    let bcr = [bcr(0b0011, 0b0000, 0, 0), bcr(0b1100, 0b0000, 0, 0)];
    let t = agree(&CFG, &brps(&[0x8000, 0x8000], &bcr, &[]), 0x8000);
    assert_eq!(t.matches(&fetch(0x8000, true)), 0b01);
    assert_eq!(t.matches(&fetch(0x8002, true)), 0b10);
    assert_eq!(
        t.summary().ranges(),
        &[InstructionRange {
            first: 0x8000,
            last: 0x8003
        }]
    );
}

#[test]
fn address_match_with_a_mask_range() {
    // MASK = 8: the 256 bytes at 0x8000 (BAS must be 1111).
    let bcr = [bcr(0b1111, 0b0000, 0, 8), bcr(0b0011, 0b0000, 0, 8)];
    let t = agree(&CFG, &brps(&[0x8040, 0x8040], &bcr, &[]), 0x8100);
    assert_eq!(t.matches(&fetch(0x80FC, false)), 1);
    assert_eq!(t.matches(&fetch(0x8100, false)), 0);
    // MASK with BAS != 1111 is disabled.
    assert_eq!(t.matches(&fetch(0x8040, false)), 1);
    assert_eq!(
        t.summary().ranges(),
        &[InstructionRange {
            first: 0x8000,
            last: 0x80FF
        }]
    );
}

#[test]
fn address_mismatch_fires_everywhere_else() {
    let bcr = [bcr(0b1111, 0b0100, 0, 0)];
    let t = agree(&CFG, &brps(&[0x8000], &bcr, &[]), 0x8000);
    assert_eq!(t.matches(&fetch(0x8000, false)), 0);
    assert_eq!(t.matches(&fetch(0x8004, false)), 1);
    assert_eq!(t.matches(&fetch(0x1234_5678, false)), 1);
    assert_eq!(
        t.summary().beyond(),
        Beyond::Except(InstructionRange {
            first: 0x8000,
            last: 0x8003
        })
    );
}

#[test]
fn unlinked_contextidr_fires_on_every_instruction_in_its_context() {
    let bcr = [0, 0, 0, 0, bcr(0b1111, 0b0010, 0, 0)];
    let t = agree(&CFG, &brps(&[0, 0, 0, 0, CID], &bcr, &[]), 0x8000);
    assert_eq!(t.matches(&fetch(0x8000, false)), 1 << 4);
    let other = InstructionFetch {
        contextidr: CID + 1,
        ..fetch(0x8000, false)
    };
    assert_eq!(t.matches(&other), 0);
    assert_eq!(t.summary().beyond(), Beyond::Everywhere);
}

#[test]
fn linked_address_and_contextidr() {
    // BRP 0: linked address match on 0x8000, LBN = 5; BRP 5: linked
    // CONTEXTIDR = CID. BRP 1 links to BRP 3, which is no context BRP.
    let bcr = [
        bcr(0b1111, 0b0001, 5, 0),
        bcr(0b1111, 0b0001, 3, 0),
        0,
        0,
        0,
        bcr(0b1111, 0b0011, 0, 0),
    ];
    let bvr = [0x8000, 0x8000, 0, 0, 0, CID];
    let t = agree(&CFG, &brps(&bvr, &bcr, &[]), 0x8000);
    assert_eq!(t.matches(&fetch(0x8000, false)), 1);
    let other = InstructionFetch {
        contextidr: CID + 1,
        ..fetch(0x8000, false)
    };
    assert_eq!(t.matches(&other), 0);
}

#[test]
fn vmid_and_linked_vmid_contextidr() {
    // BRP 4: unlinked VMID = 7. BRP 0: linked address on 0x9000 with BRP 5,
    // a linked VMID + CONTEXTIDR match.
    let bcr = [
        bcr(0b1111, 0b0001, 5, 0),
        0,
        0,
        0,
        bcr(0b1111, 0b1000, 0, 0),
        bcr(0b1111, 0b1011, 0, 0),
    ];
    let bvr = [0x9000, 0, 0, 0, 0, CID];
    let bxvr = [0, 0, 0, 0, VMID, VMID];
    let t = agree(&CFG, &brps(&bvr, &bcr, &bxvr), 0x9000);
    assert_eq!(t.matches(&fetch(0x8000, false)), 1 << 4);
    assert_eq!(t.matches(&fetch(0x9000, false)), 1 | (1 << 4));
    // VMID compares only in Non-secure state.
    let secure = InstructionFetch {
        secure: true,
        ..fetch(0x9000, false)
    };
    assert_eq!(t.matches(&secure), 0);
    // Without the Virtualization Extensions the VMID types are reserved.
    let no_el2 = MatchConfig {
        virtualization: false,
        ..CFG
    };
    let t = agree(&no_el2, &brps(&bvr, &bcr, &bxvr), 0x9000);
    assert_eq!(t.matches(&fetch(0x9000, false)), 0);
    // A missing BXVR never matches a VMID.
    let t = agree(&CFG, &brps(&bvr, &bcr, &[]), 0x9000);
    assert_eq!(t.matches(&fetch(0x9000, false)), 0);
}

#[test]
fn pmc_hmc_ssc_and_security_state() {
    // BRP 0: PMC = 00 (User, Supervisor, System). BRP 1: PMC = 01 (PL1),
    // SSC = 01 (Non-secure). BRP 2: PMC = 10 (PL0), SSC = 10 (Secure).
    // BRP 3: HMC = 1, SSC = 01, PMC = 00 (Hyp only: never generated).
    let bas = 0b1111 << 5;
    let bcr = [
        1 | bas,
        1 | (0b01 << 1) | (0b01 << 14) | bas,
        1 | (0b10 << 1) | (0b10 << 14) | bas,
        1 | (1 << 13) | (0b01 << 14) | bas,
    ];
    let bvr = [0x8000; 4];
    let t = agree(&CFG, &brps(&bvr, &bcr, &[]), 0x8000);
    let at = |mode, secure| {
        t.matches(&InstructionFetch {
            mode,
            secure,
            ..fetch(0x8000, false)
        })
    };
    assert_eq!(at(Mode::User, false), 0b0001);
    assert_eq!(at(Mode::User, true), 0b0101);
    assert_eq!(at(Mode::Supervisor, false), 0b0011);
    assert_eq!(at(Mode::Irq, false), 0b0010);
    assert_eq!(at(Mode::Irq, true), 0);
    assert_eq!(at(Mode::Hyp, false), 0);
    // Secure PL1 with SPIDdis: not generated; Secure PL0 with SUIDEN: yes.
    let gate = DebugGate {
        spiddis: true,
        suiden: true,
        ..ON
    };
    let t = BreakpointTable::new(&CFG, &brps(&bvr, &bcr, &[]), &gate);
    let f = |mode| InstructionFetch {
        mode,
        secure: true,
        ..fetch(0x8000, false)
    };
    assert_eq!(t.matches(&f(Mode::Supervisor)), 0);
    assert_eq!(t.matches(&f(Mode::User)), 0b0101);
}

#[test]
fn gate_off_is_empty_and_the_generation_moves() {
    let bcr = [bcr(0b1111, 0b0000, 0, 0)];
    let bps = brps(&[0x8000], &bcr, &[]);
    let mut t = BreakpointTable::new(&CFG, &bps, &ON);
    let generation = t.generation();
    for gate in [
        DebugGate::default(),
        DebugGate {
            os_lock: true,
            ..ON
        },
        DebugGate {
            halting: true,
            ..ON
        },
    ] {
        t.set_gate(&gate);
        assert_eq!(t.matches(&fetch(0x8000, false)), 0);
        assert!(t.summary().is_empty());
    }
    assert_ne!(t.generation(), generation);
    t.set_gate(&ON);
    assert_eq!(t.matches(&fetch(0x8000, false)), 1);
}
