//! Debug events on a vCPU, from the outside: the guest programs its
//! breakpoint and watchpoint registers with real MCR words through
//! `emulate::step` (as Linux's hw_breakpoint driver does), then instruction
//! fetches and data accesses raise events with the right MOE, DBGWFAR/DFAR,
//! read back through trapped MRC words; monitor mode off or the OS Lock set
//! means no event and no change.
#![allow(clippy::unwrap_used)]

use dbgregs::emulate::{step, SimpleGuest, StepOutcome, Trap};
use dbgregs::matching::{
    moe, AccessKind, DataAccess, DebugGate, EventKind, InstructionFetch, Mode,
};
use dbgregs::model::CoreModel;
use dbgregs::state::{DebugState, UnknownFill};

fn model(name: &str) -> &'static CoreModel {
    CoreModel::preset(name).unwrap()
}

fn p14(read: bool, crn: u32, crm: u32, opc2: u32) -> u32 {
    0xEE00_0E10 | (u32::from(read) << 20) | (crn << 16) | (opc2 << 5) | crm
}

/// `MCR p14, 0, r1, c<crn>, c<crm>, <opc2>` with `value` in r1, SVC mode;
/// must complete.
#[track_caller]
fn mcr(m: &CoreModel, s: &mut DebugState, crn: u32, crm: u32, opc2: u32, value: u32) {
    let mut g = SimpleGuest::svc(0xC000_8000);
    g.regs[1] = value;
    let word = p14(false, crn, crm, opc2) | (1 << 12);
    let out = step(m, s, &mut g, Trap::A32(word)).unwrap();
    assert!(
        matches!(out, StepOutcome::Completed { .. }),
        "{word:#x}: {out:?}"
    );
}

/// `MRC p14, 0, r2, ...` in SVC mode; must complete.
#[track_caller]
fn mrc(m: &CoreModel, s: &mut DebugState, crn: u32, crm: u32, opc2: u32) -> u32 {
    let mut g = SimpleGuest::svc(0xC000_8000);
    let word = p14(true, crn, crm, opc2) | (2 << 12);
    let out = step(m, s, &mut g, Trap::A32(word)).unwrap();
    assert!(
        matches!(out, StepOutcome::Completed { .. }),
        "{word:#x}: {out:?}"
    );
    g.regs[2]
}

/// What Linux does for one breakpoint (user 4-byte execute at 0x10000,
/// BCR 0x1E5) and one watchpoint (kernel-address 4-byte store at
/// 0xC000_1000, WCR 0x1F7): OS unlock where there is an OS Lock, monitor
/// mode, value register then control register.
fn linux_vcpu(m: &CoreModel) -> DebugState {
    let mut s = DebugState::cold_reset(m, UnknownFill::Seeded(42));
    if m.version().at_least_v7_1() {
        mcr(m, &mut s, 1, 0, 4, !0xC5AC_CE55); // DBGOSLAR
    }
    if m.version().is_v6() {
        mcr(m, &mut s, 0, 1, 0, 1 << 15); // DBGDSCR (v6: c0,c1,0)
    } else {
        mcr(m, &mut s, 0, 2, 2, 1 << 15); // DBGDSCRext
    }
    for n in 0..u32::from(m.brps()) {
        mcr(m, &mut s, 0, n, 5, 0); // BCRn = 0
    }
    for n in 0..u32::from(m.wrps()) {
        mcr(m, &mut s, 0, n, 7, 0); // WCRn = 0
    }
    mcr(m, &mut s, 0, 0, 4, 0x0001_0000); // BVR0
    mcr(m, &mut s, 0, 0, 5, 0x1E5); // BCR0
    mcr(m, &mut s, 0, 0, 6, 0xC000_1000); // WVR0
    mcr(m, &mut s, 0, 0, 7, 0x1F7); // WCR0
    s
}

const FETCH: InstructionFetch = InstructionFetch {
    address: 0x0001_0000,
    thumb: false,
    mode: Mode::User,
    secure: false,
    contextidr: 0,
    vmid: 0,
};

const STORE: DataAccess = DataAccess {
    address: 0xC000_1002,
    size: 2,
    kind: AccessKind::Store,
    mode: Mode::Supervisor,
    unprivileged: false,
    secure: false,
    contextidr: 0,
    vmid: 0,
    instruction_address: 0xC010_2000,
    thumb: false,
};

/// DBGDSCRint.MOE as the guest reads it.
fn guest_moe(m: &CoreModel, s: &mut DebugState) -> u32 {
    (mrc(m, s, 0, 1, 0) >> 2) & 0xF
}

#[test]
fn breakpoint_fires_with_moe_1_on_every_version() {
    for name in [
        "arm1136",
        "arm1176",
        "cortex-a5",
        "cortex-a9",
        "cortex-a15",
        "cortex-a53",
    ] {
        let m = model(name);
        let mut s = linux_vcpu(m);
        assert_eq!(
            s.on_instruction(
                m,
                &InstructionFetch {
                    address: 0x0001_0004,
                    ..FETCH
                }
            ),
            None
        );
        let e = s.on_instruction(m, &FETCH).unwrap();
        assert_eq!(
            (e.kind, e.units, e.moe, e.synchronous),
            (EventKind::Breakpoint, 1, 1, true)
        );
        assert_eq!(guest_moe(m, &mut s), 1, "{name}");
        // A PL1-only fetch does not match the user breakpoint.
        let svc = InstructionFetch {
            mode: Mode::Supervisor,
            ..FETCH
        };
        assert_eq!(s.on_instruction(m, &svc), None, "{name}");
    }
}

#[test]
fn watchpoint_event_per_version() {
    // v7.1 / v8: synchronous, DFAR = first watched byte accessed, WFAR untouched.
    for name in ["cortex-a15", "cortex-a7", "cortex-a53"] {
        let m = model(name);
        let mut s = linux_vcpu(m);
        let wfar = s.wfar();
        let e = s.on_data_access(m, &STORE).unwrap();
        assert_eq!(
            (e.kind, e.moe, e.synchronous),
            (EventKind::Watchpoint, moe::SYNC_WATCHPOINT, true)
        );
        assert_eq!((e.dfar, e.wfar, e.wnr), (Some(0xC000_1002), None, true));
        assert_eq!(s.wfar(), wfar, "{name}");
        assert_eq!(guest_moe(m, &mut s), 0b1010, "{name}");
    }
    // v7.0: synchronous, DBGWFAR = instruction + 8, readable through CP14.
    for name in ["cortex-a9", "cortex-a5"] {
        let m = model(name);
        let mut s = linux_vcpu(m);
        let e = s.on_data_access(m, &STORE).unwrap();
        assert_eq!(
            (e.moe, e.wfar, e.dfar),
            (moe::SYNC_WATCHPOINT, Some(0xC010_2008), None)
        );
        assert_eq!(mrc(m, &mut s, 0, 6, 0), 0xC010_2008, "{name}: DBGWFAR");
        assert_eq!(guest_moe(m, &mut s), 0b1010);
        // Thumb: + 4.
        let t = DataAccess {
            thumb: true,
            ..STORE
        };
        s.on_data_access(m, &t).unwrap();
        assert_eq!(mrc(m, &mut s, 0, 6, 0), 0xC010_2004);
    }
    // v6.1: asynchronous (MOE 0b0010), DBGWFAR set.
    let m = model("arm1176");
    let mut s = linux_vcpu(m);
    let e = s.on_data_access(m, &STORE).unwrap();
    assert_eq!(
        (e.moe, e.synchronous, e.wfar),
        (moe::ASYNC_WATCHPOINT, false, Some(0xC010_2008))
    );
    assert_eq!(s.wfar(), 0xC010_2008);
    assert_eq!(guest_moe(m, &mut s), 0b0010);
}

#[test]
fn loads_and_other_addresses_do_not_fire_the_store_watchpoint() {
    let m = model("cortex-a15");
    let mut s = linux_vcpu(m);
    let before = s;
    for access in [
        DataAccess {
            kind: AccessKind::Load,
            ..STORE
        },
        DataAccess {
            address: 0xC000_1004,
            ..STORE
        },
        DataAccess {
            address: 0xC000_0FFC,
            size: 4,
            ..STORE
        },
    ] {
        assert_eq!(s.on_data_access(m, &access), None, "{access:?}");
    }
    assert_eq!(s, before);
    // An unaligned 8-byte store starting below the word still fires.
    let wide = DataAccess {
        address: 0xC000_0FFD,
        size: 8,
        ..STORE
    };
    assert_eq!(
        s.on_data_access(m, &wide).and_then(|e| e.dfar),
        Some(0xC000_1000)
    );
}

/// The compiled table of a vCPU reports what the vCPU itself reports, and
/// follows the guest's writes once updated: a WCR write through
/// `WatchpointTable::set`, an MDBGen write through `set_gate`.
#[test]
fn watchpoint_table_follows_the_vcpu() {
    for name in [
        "arm1176",
        "cortex-a9",
        "cortex-a7",
        "cortex-a15",
        "cortex-a53",
    ] {
        let m = model(name);
        let mut s = linux_vcpu(m);
        let mut table = s.watchpoint_table(m);
        let accesses = [
            STORE,
            DataAccess {
                kind: AccessKind::Load,
                ..STORE
            },
            DataAccess {
                address: 0xC000_0FFD,
                size: 8,
                ..STORE
            },
            DataAccess {
                address: 0xC000_0FF0,
                size: 64,
                ..STORE
            },
            DataAccess {
                address: 0xC000_1004,
                ..STORE
            },
            DataAccess {
                mode: Mode::User,
                ..STORE
            },
        ];
        for a in &accesses {
            assert_eq!(
                table.check(&s.breakpoints(), a),
                s.peek_data_access(m, a),
                "{name} {a:?}"
            );
        }
        assert!(table.check(&s.breakpoints(), &STORE).is_some(), "{name}");

        // The guest makes WRP 0 a load watchpoint (LSC = 01).
        mcr(m, &mut s, 0, 0, 7, 0x1EF);
        assert!(table.set(0, s.watchpoints().wvr[0], s.watchpoints().wcr[0]));
        assert_eq!(table, s.watchpoint_table(m), "{name}");
        assert_eq!(table.check(&s.breakpoints(), &STORE), None, "{name}");

        // The guest turns monitor debug off: the table follows its gate.
        mcr(m, &mut s, 0, 0, 7, 0x1F7);
        assert!(table.set(0, s.watchpoints().wvr[0], s.watchpoints().wcr[0]));
        if m.version().is_v6() {
            mcr(m, &mut s, 0, 1, 0, 0);
        } else {
            mcr(m, &mut s, 0, 2, 2, 0);
        }
        assert!(
            table.check(&s.breakpoints(), &STORE).is_some(),
            "{name}: stale"
        );
        table.set_gate(&DebugGate::from_state(&s));
        assert_eq!(table, s.watchpoint_table(m), "{name}");
        assert_eq!(table.check(&s.breakpoints(), &STORE), None, "{name}");
    }
}

#[test]
fn monitor_mode_disabled_means_no_event_and_no_change() {
    for name in ["arm1176", "cortex-a9", "cortex-a15", "cortex-a53"] {
        let m = model(name);
        let mut s = linux_vcpu(m);
        if m.version().is_v6() {
            mcr(m, &mut s, 0, 1, 0, 0);
        } else {
            mcr(m, &mut s, 0, 2, 2, 0);
        }
        assert!(!s.mdbgen());
        let before = s;
        assert_eq!(s.on_instruction(m, &FETCH), None, "{name}");
        assert_eq!(s.on_data_access(m, &STORE), None, "{name}");
        assert_eq!(s, before);
    }
}

#[test]
fn os_lock_set_means_no_event_from_v7_1() {
    for name in ["cortex-a15", "cortex-a53"] {
        let m = model(name);
        let mut s = linux_vcpu(m);
        mcr(m, &mut s, 1, 0, 4, 0xC5AC_CE55); // DBGOSLAR: lock
        assert!(s.oslk());
        let before = s;
        assert_eq!(s.on_instruction(m, &FETCH), None, "{name}");
        assert_eq!(s.on_data_access(m, &STORE), None, "{name}");
        assert_eq!(s, before);
        // Unlocked again, the same registers fire.
        mcr(m, &mut s, 1, 0, 4, 0);
        assert!(s.on_instruction(m, &FETCH).is_some());
    }
}

#[test]
fn double_lock_means_no_event() {
    let m = model("cortex-a15");
    let mut s = linux_vcpu(m);
    s.set_double_lock(true);
    assert_eq!(s.on_instruction(m, &FETCH), None);
    assert_eq!(s.on_data_access(m, &STORE), None);
}

#[test]
fn single_step_mismatch_breakpoint_fires_on_the_next_instruction() {
    // Linux's step-over: BRP n = mismatch on the stepped instruction,
    // user only (BCR 0x4001E5).
    let m = model("cortex-a9");
    let mut s = linux_vcpu(m);
    mcr(m, &mut s, 0, 5, 4, 0x0002_0000); // BVR5
    mcr(m, &mut s, 0, 5, 5, 0x0040_01E5); // BCR5: mismatch
    let at = InstructionFetch {
        address: 0x0002_0000,
        ..FETCH
    };
    assert_eq!(s.on_instruction(m, &at), None);
    let next = InstructionFetch {
        address: 0x0002_0004,
        ..FETCH
    };
    assert_eq!(s.on_instruction(m, &next).map(|e| e.units), Some(1 << 5));
}
