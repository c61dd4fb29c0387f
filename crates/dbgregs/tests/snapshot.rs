//! Snapshots and the KVM layout from the outside: exact round trips on every
//! preset (seeded UNKNOWN states, states programmed through trapped CP14
//! accesses, random access streams), every header corruption and every
//! truncation rejected with its own error, forged (re-checksummed) impossible
//! payloads refused, arbitrary bytes never panicking.
#![allow(clippy::unwrap_used)]

use dbgregs::emulate::{step, SimpleGuest, Trap};
use dbgregs::error::DbgRegsError;
use dbgregs::model::{CoreModel, OsLockModel};
use dbgregs::snapshot::{
    apply_kvm, checksum, to_kvm, DebugSnapshot, KvmGuestDebugArch, SNAPSHOT_SIZE,
};
use dbgregs::state::{DebugState, UnknownFill};
use proptest::prelude::*;
use zerocopy::IntoBytes;

fn model(name: &str) -> &'static CoreModel {
    CoreModel::preset(name).unwrap()
}

/// `MCR`/`MRC p14, 0, r0, c<crn>, c<crm>, <opc2>` (A32, cond AL).
fn p14(read: bool, crn: u32, crm: u32, opc2: u32) -> u32 {
    0xEE00_0E10 | (u32::from(read) << 20) | (crn << 16) | (opc2 << 5) | crm
}

/// Executes `MCR p14, 0, r0, ...` with `value` in r0 as an SVC-mode guest
/// (the outcome — completed or UNDEF — does not matter here).
fn guest_write(m: &CoreModel, s: &mut DebugState, crn: u32, crm: u32, opc2: u32, value: u32) {
    let mut g = SimpleGuest::svc(0x8000);
    g.regs[0] = value;
    let _ = step(m, s, &mut g, Trap::A32(p14(false, crn, crm, opc2)));
}

/// A state a Linux-like guest programmed: OS Lock cleared, monitor mode,
/// BRP 0 / WRP 0 set, vector catch, a DTR word, claim tags.
fn programmed(m: &CoreModel, fill: UnknownFill) -> DebugState {
    let mut s = DebugState::cold_reset(m, fill);
    guest_write(m, &mut s, 1, 0, 4, !0xC5AC_CE55); // DBGOSLAR unlock
    guest_write(m, &mut s, 0, 2, 2, 1 << 15); // DBGDSCRext.MDBGen
    guest_write(m, &mut s, 0, 1, 0, 1 << 15); // v6: DSCR via c0,c1,0
    guest_write(m, &mut s, 0, 0, 4, 0x8000_1000); // BVR0
    guest_write(m, &mut s, 0, 0, 5, 0x1E5); // BCR0
    guest_write(m, &mut s, 0, 0, 6, 0xC000_2000); // WVR0
    guest_write(m, &mut s, 0, 0, 7, 0x1F7); // WCR0
    guest_write(m, &mut s, 0, 1, 4, 0x8000_2002); // BVR1 (unaligned bits)
    guest_write(m, &mut s, 0, 1, 5, 0x0040_01E7); // BCR1: mismatch
    guest_write(m, &mut s, 0, 7, 0, 0xFFFF_FFFF); // DBGVCR
    guest_write(m, &mut s, 0, 5, 0, 0x1234_5678); // DBGDTRTXint
    guest_write(m, &mut s, 7, 8, 6, 0xA5); // DBGCLAIMSET
    guest_write(m, &mut s, 0, 6, 0, 0x4000_0001); // DBGWFAR
    s
}

#[track_caller]
fn round_trip(m: &CoreModel, s: &DebugState) {
    let snap = DebugSnapshot::save(m, s);
    let bytes = snap.as_bytes().to_vec();
    assert_eq!(bytes.len(), SNAPSHOT_SIZE);
    let back = DebugSnapshot::from_bytes(&bytes).unwrap();
    assert_eq!(back, &snap);
    let restored = back.restore(m).unwrap();
    assert_eq!(&restored, s, "{}", m.name());
    assert_eq!(
        DebugSnapshot::save(m, &restored).as_bytes(),
        &bytes[..],
        "{}",
        m.name()
    );
}

#[test]
fn round_trip_every_preset() {
    for m in CoreModel::presets() {
        round_trip(m, &DebugState::cold_reset(m, UnknownFill::Zero));
        for seed in [1, 2, 0xDEAD_BEEF, u64::MAX] {
            let s = DebugState::cold_reset(m, UnknownFill::Seeded(seed));
            round_trip(m, &s);
            round_trip(m, &programmed(m, UnknownFill::Seeded(seed)));
        }
        let mut s = programmed(m, UnknownFill::Zero);
        round_trip(m, &s);
        s.set_dbgswenable(false);
        s.set_sticky_power_down(true);
        s.set_double_lock(true);
        s.external_write_dtrrx(7);
        round_trip(m, &s);
        s.set_monitor_debug_blocked(true);
        s.set_nonsecure(false);
        round_trip(m, &s);
        s.power_down();
        round_trip(m, &s);
    }
}

#[test]
fn the_snapshot_is_small_and_the_state_did_not_grow() {
    assert_eq!(SNAPSHOT_SIZE, 344);
    assert!(core::mem::size_of::<DebugState>() <= 320);
}

/// The error from_bytes gives for header byte `i` corrupted (the checksum
/// covers everything else).
fn expected_kind(i: usize) -> &'static str {
    match i {
        0..=7 => "magic",
        8..=9 => "version",
        12..=15 => "size",
        _ => "checksum",
    }
}

fn kind(e: &DbgRegsError) -> &'static str {
    match e {
        DbgRegsError::SnapshotBadMagic { .. } => "magic",
        DbgRegsError::SnapshotVersion { .. } => "version",
        DbgRegsError::SnapshotSizeField { .. } => "size",
        DbgRegsError::SnapshotChecksum { .. } => "checksum",
        _ => "other",
    }
}

#[test]
fn every_single_byte_header_corruption_is_rejected() {
    for name in ["cortex-a15", "cortex-a9", "arm1136"] {
        let m = model(name);
        let s = programmed(m, UnknownFill::Seeded(9));
        let good = DebugSnapshot::save(m, &s).as_bytes().to_vec();
        for i in 0..40 {
            for x in [0x01u8, 0x02, 0x10, 0x80, 0xFF, 0x5A] {
                let mut bytes = good.clone();
                bytes[i] ^= x;
                let err = DebugSnapshot::from_bytes(&bytes).unwrap_err();
                assert_eq!(kind(&err), expected_kind(i), "byte {i} ^ {x:#x}: {err}");
            }
        }
    }
}

#[test]
fn every_single_byte_payload_corruption_is_rejected() {
    let m = model("cortex-a7");
    let good = DebugSnapshot::save(m, &programmed(m, UnknownFill::Seeded(4)))
        .as_bytes()
        .to_vec();
    for i in 40..SNAPSHOT_SIZE {
        let mut bytes = good.clone();
        bytes[i] ^= 0x40;
        assert!(matches!(
            DebugSnapshot::from_bytes(&bytes),
            Err(DbgRegsError::SnapshotChecksum { .. })
        ));
    }
}

#[test]
fn truncation_at_every_length_and_trailing_bytes() {
    let m = model("cortex-a15");
    let good = DebugSnapshot::save(m, &programmed(m, UnknownFill::Seeded(5)))
        .as_bytes()
        .to_vec();
    for len in 0..SNAPSHOT_SIZE {
        assert_eq!(
            DebugSnapshot::from_bytes(&good[..len]),
            Err(DbgRegsError::SnapshotTruncated {
                len,
                expected: SNAPSHOT_SIZE
            })
        );
    }
    for extra in [1, 7, 344] {
        let mut long = good.clone();
        long.resize(SNAPSHOT_SIZE + extra, 0);
        assert_eq!(
            DebugSnapshot::from_bytes(&long),
            Err(DbgRegsError::SnapshotTrailingBytes {
                len: SNAPSHOT_SIZE + extra,
                expected: SNAPSHOT_SIZE
            })
        );
    }
    // Any alignment of the input is fine.
    let mut shifted = vec![0u8; SNAPSHOT_SIZE + 1];
    shifted[1..].copy_from_slice(&good);
    assert!(DebugSnapshot::from_bytes(&shifted[1..]).is_ok());
}

#[test]
fn foreign_version_and_errors_name_the_values() {
    let m = model("cortex-a15");
    let mut bytes = DebugSnapshot::save(m, &DebugState::cold_reset(m, UnknownFill::Zero))
        .as_bytes()
        .to_vec();
    bytes[8] = 2;
    let err = DebugSnapshot::from_bytes(&bytes).unwrap_err();
    assert_eq!(
        err,
        DbgRegsError::SnapshotVersion {
            found: 2,
            supported: 1
        }
    );
    assert!(err.to_string().contains("version 2"), "{err}");
}

/// Re-checksums `bytes` as a forger (or a buggy writer) would.
fn forge(bytes: &mut [u8]) {
    let c = checksum(bytes);
    bytes[32..40].copy_from_slice(&c.to_le_bytes());
}

#[test]
fn restore_onto_another_model_is_refused() {
    let a15 = model("cortex-a15");
    let snap = DebugSnapshot::save(a15, &DebugState::cold_reset(a15, UnknownFill::Zero));
    let err = snap.restore(model("cortex-a7")).unwrap_err();
    assert!(
        matches!(
            err,
            DbgRegsError::SnapshotModelMismatch { field: "MIDR", .. }
        ),
        "{err}"
    );
    // Same MIDR and DBGDIDR, different implementation choice.
    let variant = a15
        .to_builder()
        .os_lock(OsLockModel::LockOnly)
        .wp_addr_mask(!a15.wp_addr_mask())
        .build()
        .unwrap();
    assert_eq!(variant.midr(), a15.midr());
    assert_eq!(variant.dbgdidr(), a15.dbgdidr());
    let err = snap.restore(&variant).unwrap_err();
    assert!(
        matches!(
            err,
            DbgRegsError::SnapshotModelMismatch {
                field: "features",
                ..
            }
        ),
        "{err}"
    );
}

/// Payload offsets (see the module documentation).
const BCR0: usize = 40 + 64;
const WCR0: usize = 40 + 192;
const DSCR: usize = 40 + 272;
const OSECCR: usize = 40 + 292;
const CLAIM: usize = 40 + 297;
const FLAGS: usize = 40 + 300;
const RESERVED: usize = 40 + 302;

#[test]
fn forged_impossible_payloads_are_refused() {
    let a9 = model("cortex-a9");
    let good = DebugSnapshot::save(a9, &programmed(a9, UnknownFill::Zero))
        .as_bytes()
        .to_vec();
    assert!(programmed(a9, UnknownFill::Zero).mdbgen());
    let cases: [(usize, u8, &str); 9] = [
        (BCR0 + 3, 0x10, "bcr"),    // MASK on a core without it
        (BCR0, 0x20, "bcr"),        // BAS 0b1110: not normalised
        (WCR0 + 1, 0x1E, "wcr"),    // BAS[7:4] on a 4-byte-BAS core
        (DSCR + 2, 0x04, "dscr"),   // DSCR bit 18 is never stored
        (OSECCR, 0x01, "oseccr"),   // no DBGOSECCR before v8
        (CLAIM, 0x01, "claim"),     // no claim tags before v7.1
        (FLAGS + 1, 0x80, "flags"), // an unknown flag
        (FLAGS + 1, 0x02, "dscr"),  // monitor debug blocked, MDBGen still set
        (RESERVED, 0x01, "payload.reserved"),
    ];
    for (offset, x, field) in cases {
        let mut bytes = good.clone();
        bytes[offset] ^= x;
        forge(&mut bytes);
        let snap = DebugSnapshot::from_bytes(&bytes).unwrap();
        match snap.restore(a9) {
            Err(DbgRegsError::SnapshotImpossibleValue { field: f, .. }) => {
                assert_eq!(f, field, "offset {offset}")
            }
            other => panic!("offset {offset}: {other:?}"),
        }
    }
    // A WVR with bits [1:0] set.
    let mut bytes = good.clone();
    bytes[40 + 128] |= 1;
    forge(&mut bytes);
    let err = DebugSnapshot::from_bytes(&bytes)
        .unwrap()
        .restore(a9)
        .unwrap_err();
    assert_eq!(
        err,
        DbgRegsError::SnapshotImpossibleValue {
            field: "wvr",
            index: 0,
            value: 0xC000_2001,
            invalid: 1,
            model: "cortex-a9"
        }
    );
}

#[test]
fn kvm_round_trip_every_preset() {
    for m in CoreModel::presets() {
        let s = programmed(m, UnknownFill::Seeded(11));
        let k = to_kvm(m, &s);
        for n in usize::from(m.brps())..16 {
            assert_eq!((k.dbg_bcr[n], k.dbg_bvr[n]), (0, 0));
        }
        for n in usize::from(m.wrps())..16 {
            assert_eq!((k.dbg_wcr[n], k.dbg_wvr[n]), (0, 0));
        }
        let mut fresh = DebugState::cold_reset(m, UnknownFill::Zero);
        apply_kvm(m, &mut fresh, &k).unwrap();
        assert_eq!(to_kvm(m, &fresh), k, "{}", m.name());
        for n in 0..usize::from(m.brps()) {
            assert_eq!(fresh.bcrs()[n], s.bcrs()[n]);
            assert_eq!(fresh.bvrs()[n], s.bvrs()[n]);
        }
        // Applying onto the state it came from changes nothing.
        let mut same = s;
        apply_kvm(m, &mut same, &k).unwrap();
        assert_eq!(same, s);
    }
}

#[test]
fn kvm_layout_matches_the_uapi_header() {
    // bcr, bvr, wcr, wvr: 16 x u64 each, in that order.
    assert_eq!(core::mem::size_of::<KvmGuestDebugArch>(), 512);
    let mut k = KvmGuestDebugArch::default();
    k.dbg_bvr[0] = 1;
    k.dbg_wcr[0] = 2;
    k.dbg_wvr[15] = 3;
    let b = k.as_bytes();
    assert_eq!(b[128], 1);
    assert_eq!(b[256], 2);
    assert_eq!(b[504], 3);
    assert_eq!(u64::from_ne_bytes(b[128..136].try_into().unwrap()), 1);
}

#[test]
fn kvm_vmid_rides_in_the_bvr_high_half() {
    let a15 = model("cortex-a15"); // 6 BRPs, context BRPs 4 and 5, Virtualization
    let mut s = DebugState::cold_reset(a15, UnknownFill::Zero);
    guest_write(a15, &mut s, 1, 0, 4, 0); // unlock
    guest_write(a15, &mut s, 1, 5, 1, 0x42); // DBGBXVR5 = VMID 0x42
    guest_write(a15, &mut s, 0, 5, 4, 0x1234); // BVR5 (context ID)
    assert_eq!(s.bxvr_vmids()[5], 0x42);
    let k = to_kvm(a15, &s);
    assert_eq!(k.dbg_bvr[5], 0x42_0000_1234);
    let mut fresh = DebugState::cold_reset(a15, UnknownFill::Zero);
    apply_kvm(a15, &mut fresh, &k).unwrap();
    assert_eq!(fresh.bxvr_vmids()[5], 0x42);
    assert_eq!(fresh.bvrs()[5], 0x1234);
}

#[test]
fn kvm_bad_entries_are_refused_and_leave_the_state_untouched() {
    let a9 = model("cortex-a9"); // 6 BRPs, 4 WRPs, no Virtualization
    let s = programmed(a9, UnknownFill::Seeded(2));
    let good = to_kvm(a9, &s);
    let mut target = DebugState::cold_reset(a9, UnknownFill::Seeded(3));
    let before = target;

    let mut k = good;
    k.dbg_wcr[4] = 1;
    assert_eq!(
        apply_kvm(a9, &mut target, &k),
        Err(DbgRegsError::KvmEntryPastCount {
            array: "dbg_wcr",
            index: 4,
            value: 1,
            count: 4
        })
    );
    let mut k = good;
    k.dbg_bvr[5] |= 1 << 32; // no DBGBXVR on a v7.0 core
    assert_eq!(
        apply_kvm(a9, &mut target, &k),
        Err(DbgRegsError::KvmInvalidBits {
            array: "dbg_bvr",
            index: 5,
            value: (1 << 32) | u64::from(s.bvrs()[5]),
            invalid: 1 << 32
        })
    );
    let mut k = good;
    k.dbg_bcr[0] |= 1 << 40;
    assert!(matches!(
        apply_kvm(a9, &mut target, &k),
        Err(DbgRegsError::KvmInvalidBits {
            array: "dbg_bcr",
            ..
        })
    ));
    let mut k = good;
    k.dbg_wvr[1] = 0x1001; // WVR[1:0] are RES0
    assert!(matches!(
        apply_kvm(a9, &mut target, &k),
        Err(DbgRegsError::KvmInvalidBits {
            array: "dbg_wvr",
            index: 1,
            invalid: 1,
            ..
        })
    ));
    let mut k = good;
    k.dbg_bvr[0] = 0x1002; // BVR[1:0] of an address BRP
    assert!(apply_kvm(a9, &mut target, &k).is_err());
    assert_eq!(target, before);
    // The high half of a VMID BRP takes only VMID[7:0].
    let a15 = model("cortex-a15");
    let mut t15 = DebugState::cold_reset(a15, UnknownFill::Zero);
    let mut k = KvmGuestDebugArch::default();
    k.dbg_bvr[5] = 0x100_0000_0000;
    assert!(apply_kvm(a15, &mut t15, &k).is_err());
    assert_eq!(t15, DebugState::cold_reset(a15, UnknownFill::Zero));
}

fn presets() -> impl Strategy<Value = &'static CoreModel> {
    (0..CoreModel::presets().len()).prop_map(|i| &CoreModel::presets()[i])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever a guest does through CP14 (random MCR/MRC words in the
    /// debug space, external DTR traffic, lock and power changes), the
    /// state round-trips exactly.
    #[test]
    fn any_reachable_state_round_trips(
        m in presets(),
        seed in any::<u64>(),
        ops in prop::collection::vec((any::<bool>(), 0u32..8, 0u32..16, 0u32..8, any::<u32>(), 0u8..8), 0..64),
    ) {
        let mut s = DebugState::cold_reset(m, UnknownFill::Seeded(seed));
        for (read, crn, crm, opc2, value, extra) in ops {
            let mut g = SimpleGuest::svc(0x8000);
            g.regs[0] = value;
            let _ = step(m, &mut s, &mut g, Trap::A32(p14(read, crn, crm, opc2)));
            match extra {
                0 => s.set_os_lock(value & 1 != 0),
                1 => s.external_write_dtrrx(value),
                2 => { let _ = s.external_read_dtrtx(); }
                3 => s.wfi(m),
                4 => s.warm_reset(m),
                5 if value % 8 == 0 => s.power_up(m, UnknownFill::Seeded(u64::from(value))),
                6 => s.set_monitor_debug_blocked(value & 1 != 0),
                7 => s.set_double_lock(value & 1 != 0),
                _ => {}
            }
        }
        round_trip(m, &s);
    }

    /// Arbitrary bytes never panic, and whatever restores re-saves to the
    /// same bytes.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        if let Ok(snap) = DebugSnapshot::from_bytes(&bytes) {
            for m in CoreModel::presets() {
                if let Ok(s) = snap.restore(m) {
                    let again = DebugSnapshot::save(m, &s);
                    prop_assert_eq!(again.as_bytes(), &bytes[..]);
                }
            }
        }
    }

    /// Valid envelopes around arbitrary payload corruptions (re-checksummed,
    /// so only restore's semantic checks stand in the way): restore either
    /// refuses or gives a state that re-saves to the same bytes.
    #[test]
    fn forged_payloads_restore_to_possible_states_or_fail(
        m in presets(),
        seed in any::<u64>(),
        edits in prop::collection::vec((40usize..SNAPSHOT_SIZE, any::<u8>()), 1..8),
    ) {
        let mut bytes = DebugSnapshot::save(m, &DebugState::cold_reset(m, UnknownFill::Seeded(seed)))
            .as_bytes()
            .to_vec();
        for (i, v) in edits {
            bytes[i] = v;
        }
        forge(&mut bytes);
        let snap = DebugSnapshot::from_bytes(&bytes).unwrap();
        if let Ok(s) = snap.restore(m) {
            let again = DebugSnapshot::save(m, &s);
                    prop_assert_eq!(again.as_bytes(), &bytes[..]);
        }
    }

    /// Arbitrary KVM layouts: applied or refused with the state untouched,
    /// and an applied one reads back unchanged.
    #[test]
    fn arbitrary_kvm_layouts(
        m in presets(),
        words in prop::collection::vec(any::<u64>(), 64),
        sparse in any::<u64>(),
    ) {
        let mut k = KvmGuestDebugArch::default();
        for (i, w) in words.iter().enumerate() {
            // Keep most entries small/zero so some layouts are valid.
            let v = if sparse >> i & 1 == 0 { 0 } else { w & 0xFFFF_FFFC };
            match i / 16 {
                0 => k.dbg_bcr[i % 16] = v,
                1 => k.dbg_bvr[i % 16] = v,
                2 => k.dbg_wcr[i % 16] = v,
                _ => k.dbg_wvr[i % 16] = v,
            }
        }
        let mut s = DebugState::cold_reset(m, UnknownFill::Seeded(sparse));
        let before = s;
        match apply_kvm(m, &mut s, &k) {
            Ok(()) => prop_assert_eq!(to_kvm(m, &s), k),
            Err(_) => prop_assert_eq!(s, before),
        }
    }
}

#[test]
fn restore_into_writes_only_on_success() {
    let a15 = model("cortex-a15");
    let s = programmed(a15, UnknownFill::Seeded(21));
    let snap = DebugSnapshot::save(a15, &s);
    let mut out = DebugState::cold_reset(a15, UnknownFill::Seeded(22));
    snap.restore_into(a15, &mut out).unwrap();
    assert_eq!(out, s);
    // A forged impossible value: refused, `out` untouched.
    let mut bytes = snap.as_bytes().to_vec();
    bytes[WCR0 + 3] |= 0x80; // WCR bit 31
    forge(&mut bytes);
    let bad = DebugSnapshot::from_bytes(&bytes).unwrap();
    let mut target = DebugState::cold_reset(a15, UnknownFill::Seeded(23));
    let before = target;
    let err = bad.restore_into(a15, &mut target).unwrap_err();
    assert!(
        matches!(
            err,
            DbgRegsError::SnapshotImpossibleValue {
                field: "wcr",
                index: 0,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(target, before);
    // Onto another model: refused, untouched.
    assert!(snap.restore_into(model("cortex-a9"), &mut target).is_err());
    assert_eq!(target, before);
}

#[test]
fn snapshot_model_facts_match_the_plain_calls() {
    use dbgregs::snapshot::SnapshotModel;
    for m in CoreModel::presets() {
        let sm = SnapshotModel::new(m);
        assert_eq!(sm.model(), m);
        let s = programmed(m, UnknownFill::Seeded(31));
        let mut a = DebugSnapshot::save(m, &DebugState::cold_reset(m, UnknownFill::Zero));
        sm.save_into(&mut a, &s);
        assert_eq!(a, DebugSnapshot::save(m, &s), "{}", m.name());
        let mut out = DebugState::cold_reset(m, UnknownFill::Zero);
        sm.restore_into(&a, &mut out).unwrap();
        assert_eq!(out, s);
    }
    // Same refusals as restore: another model, and a forged bad value.
    let a15 = model("cortex-a15");
    let snap = DebugSnapshot::save(a15, &programmed(a15, UnknownFill::Zero));
    let a9_facts = SnapshotModel::new(model("cortex-a9"));
    let mut out = DebugState::cold_reset(a15, UnknownFill::Zero);
    let before = out;
    assert_eq!(
        a9_facts.restore_into(&snap, &mut out).unwrap_err(),
        snap.restore(model("cortex-a9")).unwrap_err()
    );
    let mut bytes = snap.as_bytes().to_vec();
    bytes[DSCR] |= 0x01; // DSCR bit 0 is never stored
    forge(&mut bytes);
    let bad = DebugSnapshot::from_bytes(&bytes).unwrap();
    let err = SnapshotModel::new(a15)
        .restore_into(bad, &mut out)
        .unwrap_err();
    assert_eq!(err, bad.restore(a15).unwrap_err());
    assert!(matches!(
        err,
        DbgRegsError::SnapshotImpossibleValue { field: "dscr", .. }
    ));
    assert_eq!(out, before);
}
