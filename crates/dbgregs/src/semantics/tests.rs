//! Per-register, per-version unit tests written from the architecture (DDI 0406C.d C6 and C11, DDI 0487 G8.3;
//! `docs/registers.md`, "Access checks"), one
//! at least for every UNDEFINED case.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::state::UnknownFill;
use DebugRegister::*;

fn cpu(name: &str) -> (&'static CoreModel, DebugState) {
    let m = CoreModel::preset(name).unwrap();
    (m, DebugState::cold_reset(m, UnknownFill::Zero))
}

const PL1: AccessContext = AccessContext::PL1;
const PL0: AccessContext = AccessContext::PL0;

fn undef(r: UndefReason) -> AccessOutcome {
    AccessOutcome::Undefined(r)
}

#[test]
fn indexes_past_the_pair_counts_are_not_implemented() {
    let (m, mut s) = cpu("cortex-a15");
    assert_eq!(write(m, &mut s, Dbgbcr(5), 1, PL1), AccessOutcome::Written);
    assert_eq!(
        write(m, &mut s, Dbgbcr(6), 1, PL1),
        undef(UndefReason::NotImplemented)
    );
    assert_eq!(
        read(m, &mut s, Dbgbvr(15), PL1),
        undef(UndefReason::NotImplemented)
    );
    assert_eq!(read(m, &mut s, Dbgwvr(3), PL1), AccessOutcome::Read(0));
    assert_eq!(
        read(m, &mut s, Dbgwcr(4), PL1),
        undef(UndefReason::NotImplemented)
    );
    let (m, mut s) = cpu("arm1176");
    assert_eq!(
        read(m, &mut s, Dbgwcr(2), PL1),
        undef(UndefReason::NotImplemented)
    );
}

#[test]
fn registers_absent_in_a_version_are_not_implemented() {
    let cases: &[(&str, DebugRegister)] = &[
        ("cortex-a8", Dbgbcr(0)), // v7-baseline: memory-mapped only
        ("cortex-a8", Dbgvcr),
        ("cortex-a8", Dbgoslsr),
        ("cortex-a8", DbgdscrExt),
        ("cortex-a8", Dbgdrar64), // no LPAE
        ("arm1176", Dbgoslsr),    // v6.1
        ("arm1176", Dbgprsr),
        ("arm1176", Dbgdrar),
        ("arm1176", DbgdscrExt),
        ("arm1136", Dbgwfar),    // v6: DBGWFAR is in CP15
        ("cortex-a9", Dbgosdlr), // v7.1-only registers on v7.0
        ("cortex-a9", Dbgdevid1),
        ("cortex-a9", Dbgbxvr(4)),
        ("cortex-a9", Dbgclaimclr),
        ("cortex-a9", Dbgauthstatus),
        ("cortex-a9", Dbgdevid), // DBGDIDR.DEVID_imp = 0
        ("cortex-a9", Dbgoslar), // OSLM = 0b00
        ("cortex-a9", Dbgossrr),
        ("cortex-a15", Dbgossrr), // v7.1: no OS Save/Restore
        ("cortex-a15", Dbgecr),
        ("cortex-a15", Dbgdsccr),
        ("cortex-a15", Dbgdrcr),
        ("cortex-a15", Dbgbxvr(0)), // not context-capable
        ("cortex-a15", Dbgbxvr(6)), // past the BRPs
        ("cortex-a15", Dbgdccint),  // v8 only
        ("krait", Dbgbxvr(4)),      // no DBGBXVR on Krait
        ("cortex-a53", Dbgprsr),    // v8: external EDPRSR only
        ("cortex-a53", Dbgecr),
        ("cortex-a9", Dbgpcsr),
        ("cortex-a9", Dbgitctrl),
    ];
    for &(name, reg) in cases {
        let (m, mut s) = cpu(name);
        let before = s;
        let r = if matches!(reg, Dbgoslar | Dbgdrcr) {
            write(m, &mut s, reg, 0, PL1)
        } else {
            read(m, &mut s, reg, PL1)
        };
        assert_eq!(r, undef(UndefReason::NotImplemented), "{name} {reg}");
        assert_eq!(s, before);
    }
}

#[test]
fn wrong_direction_undefs() {
    let (m, mut s) = cpu("cortex-a15");
    assert_eq!(
        write(m, &mut s, Dbgdidr, 0, PL1),
        undef(UndefReason::WrongDirection)
    );
    assert_eq!(
        write(m, &mut s, DbgdscrInt, 0x8000, PL1),
        undef(UndefReason::WrongDirection)
    );
    assert_eq!(
        read(m, &mut s, Dbgoslar, PL1),
        undef(UndefReason::WrongDirection)
    );
    assert_eq!(
        write(m, &mut s, Dbgoslsr, 0, PL1),
        undef(UndefReason::WrongDirection)
    );
    assert_eq!(
        write(m, &mut s, Dbgauthstatus, 0, PL1),
        undef(UndefReason::WrongDirection)
    );
    assert_eq!(
        write(m, &mut s, Dbgdrar64, 0, PL1),
        undef(UndefReason::WrongDirection)
    );
    assert_eq!(
        read(m, &mut s, DbgdtrtxInt, PL1),
        undef(UndefReason::WrongDirection)
    );
    let (m, mut s) = cpu("cortex-a53");
    assert_eq!(
        write(m, &mut s, Dbgdevid, 0, PL1),
        undef(UndefReason::WrongDirection)
    );
    // v6: DSCR is read/write at c0,c1,0.
    let (m, mut s) = cpu("arm1176");
    assert_eq!(
        write(m, &mut s, DbgdscrInt, 0x8000, PL1),
        AccessOutcome::Written
    );
    assert!(s.mdbgen());
}

#[test]
fn pl0_reaches_only_the_dcc_group_and_only_with_udccdis_clear() {
    let (m, mut s) = cpu("cortex-a15");
    for reg in [
        Dbgdidr,
        DbgdscrInt,
        DbgdtrrxInt,
        Dbgdrar,
        Dbgdsar,
        Dbgdrar64,
    ] {
        assert!(
            !matches!(read(m, &mut s, reg, PL0), AccessOutcome::Undefined(_)),
            "{reg}"
        );
    }
    assert_eq!(
        write(m, &mut s, DbgdtrtxInt, 1, PL0),
        AccessOutcome::Written
    );
    for reg in [Dbgbcr(0), Dbgvcr, DbgdscrExt, Dbgoslsr, Dbgprsr, Dbgdevid] {
        assert_eq!(
            read(m, &mut s, reg, PL0),
            undef(UndefReason::Privilege),
            "{reg}"
        );
    }
    assert_eq!(
        write(m, &mut s, Dbgoslar, 0, PL0),
        undef(UndefReason::Privilege)
    );
    // PL1 sets UDCCdis through DBGDSCRext.
    assert_eq!(
        write(m, &mut s, DbgdscrExt, 1 << 12, PL1),
        AccessOutcome::Written
    );
    for reg in [Dbgdidr, DbgdscrInt, DbgdtrrxInt, Dbgdrar, Dbgdsar64] {
        assert_eq!(
            read(m, &mut s, reg, PL0),
            undef(UndefReason::UserAccessDisabled),
            "{reg}"
        );
    }
    // Privilege is checked before UDCCdis.
    assert_eq!(
        read(m, &mut s, Dbgbcr(0), PL0),
        undef(UndefReason::Privilege)
    );
    assert!(matches!(
        read(m, &mut s, Dbgdidr, PL1),
        AccessOutcome::Read(_)
    ));
    // PL2 is treated as PL1.
    let hyp = AccessContext {
        privilege: Privilege::Pl2,
    };
    assert!(matches!(
        read(m, &mut s, Dbgbcr(0), hyp),
        AccessOutcome::Read(_)
    ));
    // v6: User mode may read but never write DSCR.
    let (m, mut s) = cpu("arm1176");
    assert!(matches!(
        read(m, &mut s, DbgdscrInt, PL0),
        AccessOutcome::Read(_)
    ));
    assert_eq!(
        write(m, &mut s, DbgdscrInt, 0, PL0),
        undef(UndefReason::Privilege)
    );
}

#[test]
fn v6_privileged_access_outside_monitor_mode_is_locked_out() {
    // ARM1136JF-S TRM (DDI 0211K) / ARM1176JZF-S TRM (DDI 0301H) §13.5.1.
    for name in ["arm1136", "arm1176"] {
        let (m, mut s) = cpu(name);
        let before = s;
        for reg in [Dbgbcr(0), Dbgbvr(1), Dbgwcr(0), Dbgwvr(1), Dbgvcr] {
            assert_eq!(
                write(m, &mut s, reg, 1, PL1),
                undef(UndefReason::MonitorModeNotSelected),
                "{name} {reg}"
            );
            assert_eq!(
                read(m, &mut s, reg, PL1),
                undef(UndefReason::MonitorModeNotSelected),
                "{name} {reg}"
            );
        }
        assert_eq!(s, before);
        for reg in [Dbgdidr, DbgdscrInt, DbgdtrrxInt] {
            assert!(
                matches!(read(m, &mut s, reg, PL1), AccessOutcome::Read(_)),
                "{name} {reg}"
            );
        }
        assert_eq!(
            write(m, &mut s, DbgdtrtxInt, 7, PL1),
            AccessOutcome::Written
        );
        // Halting mode selected (bit 14) keeps the lockout; an absent
        // register stays NotImplemented.
        s.dscr |= DSCR_HDBGEN | DSCR_MDBGEN;
        assert_eq!(
            read(m, &mut s, Dbgbcr(0), PL1),
            undef(UndefReason::MonitorModeNotSelected)
        );
        assert_eq!(
            read(m, &mut s, Dbgbcr(6), PL1),
            undef(UndefReason::NotImplemented)
        );
        s.dscr &= !DSCR_HDBGEN;
        assert_eq!(write(m, &mut s, Dbgbcr(0), 1, PL1), AccessOutcome::Written);
        assert_eq!(read(m, &mut s, Dbgbcr(0), PL1), AccessOutcome::Read(1));
    }
    // v7: no such rule (DDI 0406B Table C6-12).
    let (m, mut s) = cpu("cortex-a9");
    assert_eq!(write(m, &mut s, Dbgbcr(0), 1, PL1), AccessOutcome::Written);
}

#[test]
fn dbgswenable_low_undefs_all_but_the_baseline_and_the_os_power_group() {
    // docs/fidelity-decisions.md J1: the baseline registers and the OS
    // save/restore and power-down group survive (erratum 764319 text; the
    // Smartsens M1 Cortex-A7 log traps only the DBGVCR write).
    let (m, mut s) = cpu("cortex-a15");
    s.set_dbgswenable(false);
    let before = s;
    for reg in [
        Dbgbcr(0),
        Dbgvcr,
        DbgdscrExt,
        Dbgdevid,
        Dbgclaimclr,
        Dbgauthstatus,
    ] {
        assert_eq!(
            read(m, &mut s, reg, PL1),
            undef(UndefReason::SoftwareDebugDisabled),
            "{reg}"
        );
    }
    assert_eq!(
        write(m, &mut s, Dbgvcr, 0, PL1),
        undef(UndefReason::SoftwareDebugDisabled)
    );
    assert_eq!(s, before);
    for reg in [
        Dbgdidr, DbgdscrInt, Dbgdrar, Dbgdsar, Dbgoslsr, Dbgprsr, Dbgosdlr, Dbgprcr,
    ] {
        assert!(
            matches!(read(m, &mut s, reg, PL1), AccessOutcome::Read(_)),
            "{reg}"
        );
    }
    for reg in [Dbgoslar, Dbgosdlr, Dbgprcr] {
        assert_eq!(
            write(m, &mut s, reg, 0, PL1),
            AccessOutcome::Written,
            "{reg}"
        );
    }
    // v7.0 DBGOSSRR (with the OS Lock set) survives too.
    let (m, mut s) = cpu("scorpion");
    s.set_dbgswenable(false);
    assert_eq!(
        write(m, &mut s, Dbgoslar, OSLAR_KEY, PL1),
        AccessOutcome::Written
    );
    assert!(matches!(
        read(m, &mut s, Dbgossrr, PL1),
        AccessOutcome::Read(_)
    ));
    // Cortex-A9 erratum 764319: DBGOSLSR and DBGPRSR reads UNDEF too.
    let (m, mut s) = cpu("cortex-a9");
    s.set_dbgswenable(false);
    assert_eq!(
        read(m, &mut s, Dbgoslsr, PL1),
        undef(UndefReason::SoftwareDebugDisabled)
    );
    assert_eq!(
        read(m, &mut s, Dbgprsr, PL1),
        undef(UndefReason::SoftwareDebugDisabled)
    );
    assert!(matches!(
        read(m, &mut s, Dbgdidr, PL1),
        AccessOutcome::Read(_)
    ));
    // The same v7.0 access without the erratum works.
    let (m, mut s) = cpu("scorpion");
    s.set_dbgswenable(false);
    assert_eq!(read(m, &mut s, Dbgprsr, PL1), AccessOutcome::Read(1));
    s.set_dbgswenable(true);
    assert_eq!(read(m, &mut s, Dbgbcr(0), PL1), AccessOutcome::Read(0));
}

#[test]
fn sticky_power_down_on_v7_0_and_the_scorpion_wfi_quirk() {
    let (m, mut s) = cpu("scorpion");
    s.wfi(m);
    assert_eq!(
        read(m, &mut s, Dbgbcr(0), PL1),
        undef(UndefReason::StickyPowerDown)
    );
    assert_eq!(
        write(m, &mut s, Dbgwcr(0), 0, PL1),
        undef(UndefReason::StickyPowerDown)
    );
    assert_eq!(
        read(m, &mut s, DbgdscrExt, PL1),
        undef(UndefReason::StickyPowerDown)
    );
    // Management registers stay accessible; a DBGPRSR read clears SPD.
    assert_eq!(read(m, &mut s, Dbgoslsr, PL1), AccessOutcome::Read(1));
    assert_eq!(read(m, &mut s, Dbgprsr, PL1), AccessOutcome::Read(0b11));
    assert_eq!(read(m, &mut s, Dbgprsr, PL1), AccessOutcome::Read(0b01));
    assert_eq!(read(m, &mut s, Dbgbcr(0), PL1), AccessOutcome::Read(0));
    // SPD has priority over the OS Lock.
    s.set_sticky_power_down(true);
    s.set_os_lock(true);
    assert_eq!(
        read(m, &mut s, Dbgbvr(0), PL1),
        undef(UndefReason::StickyPowerDown)
    );
    // While powered down a DBGPRSR read does not clear SPD.
    let (m, mut s) = cpu("cortex-a9");
    s.power_down();
    assert_eq!(read(m, &mut s, Dbgprsr, PL1), AccessOutcome::Read(0b10));
    assert_eq!(read(m, &mut s, Dbgprsr, PL1), AccessOutcome::Read(0b10));
    s.power_up(m, UnknownFill::Zero);
    assert_eq!(
        read(m, &mut s, Dbgvcr, PL1),
        undef(UndefReason::StickyPowerDown)
    );
    assert_eq!(read(m, &mut s, Dbgprsr, PL1), AccessOutcome::Read(0b11));
    assert_eq!(read(m, &mut s, Dbgvcr, PL1), AccessOutcome::Read(0));
    // v7.1: SPD is reported but does not UNDEF.
    let (m, mut s) = cpu("cortex-a15");
    s.set_sticky_power_down(true);
    assert_eq!(read(m, &mut s, Dbgbcr(0), PL1), AccessOutcome::Read(0));
}

#[test]
fn os_lock_rules_per_version() {
    // v7.0 with OS Save/Restore: other debug registers UNDEF while locked.
    let (m, mut s) = cpu("scorpion");
    assert!(
        !s.oslk(),
        "v7.0 OS lock clear out of reset (crate decision)"
    );
    assert_eq!(
        write(m, &mut s, Dbgoslar, OSLAR_KEY, PL1),
        AccessOutcome::Written
    );
    assert_eq!(read(m, &mut s, Dbgoslsr, PL1), AccessOutcome::Read(0b011));
    assert_eq!(read(m, &mut s, Dbgbcr(0), PL1), undef(UndefReason::OsLock));
    assert_eq!(read(m, &mut s, Dbgwfar, PL1), undef(UndefReason::OsLock));
    assert_eq!(
        read(m, &mut s, DbgdtrrxExt, PL1),
        undef(UndefReason::OsLock)
    );
    assert!(matches!(
        read(m, &mut s, DbgdscrInt, PL1),
        AccessOutcome::Read(_)
    ));
    assert!(matches!(
        read(m, &mut s, Dbgprcr, PL1),
        AccessOutcome::Read(_)
    ));
    assert_eq!(
        write(m, &mut s, Dbgoslar, 0x3A53_31AA, PL1),
        AccessOutcome::Written
    );
    assert_eq!(read(m, &mut s, Dbgbcr(0), PL1), AccessOutcome::Read(0));
    // Any value other than the key clears the lock.
    write(m, &mut s, Dbgoslar, OSLAR_KEY, PL1);
    write(m, &mut s, Dbgoslar, 1, PL1);
    assert!(!s.oslk());
    // v7.1 and v8: no UNDEF.
    for name in ["cortex-a15", "cortex-a53", "krait"] {
        let (m, mut s) = cpu(name);
        assert!(s.oslk(), "{name}: OSLK set on cold reset");
        assert_eq!(read(m, &mut s, Dbgoslsr, PL1), AccessOutcome::Read(0b1010));
        assert_eq!(
            write(m, &mut s, Dbgbcr(0), 0x1e5, PL1),
            AccessOutcome::Written
        );
    }
}

#[test]
fn ossrr_save_and_restore_sequence() {
    let (m, mut s) = cpu("scorpion");
    assert_eq!(
        read(m, &mut s, Dbgossrr, PL1),
        undef(UndefReason::Unpredictable)
    );
    write(m, &mut s, Dbgbcr(0), 0x1e5, PL1);
    write(m, &mut s, Dbgvcr, 0x2, PL1);
    write(m, &mut s, Dbgoslar, OSLAR_KEY, PL1);
    let n = ossrr_words(m);
    assert_eq!(n, 3 + 12 + 4);
    assert_eq!(read(m, &mut s, Dbgossrr, PL1), AccessOutcome::Read(n));
    let mut saved = [0u32; 19];
    for w in saved.iter_mut() {
        let AccessOutcome::Read(v) = read(m, &mut s, Dbgossrr, PL1) else {
            panic!("OSSRR read failed")
        };
        *w = v;
    }
    assert_eq!(saved[1], 0x2);
    assert_eq!(saved[3 + 6], 0x1e5);
    // Power cycle, then restore: lock, dummy read, write back in order.
    s.power_down();
    s.power_up(m, UnknownFill::Seeded(3));
    read(m, &mut s, Dbgprsr, PL1);
    write(m, &mut s, Dbgoslar, OSLAR_KEY, PL1);
    read(m, &mut s, Dbgossrr, PL1);
    for &w in &saved {
        assert_eq!(write(m, &mut s, Dbgossrr, w, PL1), AccessOutcome::Written);
    }
    write(m, &mut s, Dbgoslar, 0, PL1);
    assert_eq!(read(m, &mut s, Dbgbcr(0), PL1), AccessOutcome::Read(0x1e5));
    assert_eq!(read(m, &mut s, Dbgvcr, PL1), AccessOutcome::Read(0x2));
}

#[test]
fn dscr_ext_write_is_visible_in_the_int_view() {
    for name in ["cortex-a9", "cortex-a15", "cortex-a53", "scorpion"] {
        let (m, mut s) = cpu(name);
        write(m, &mut s, Dbgoslar, 0, PL1);
        assert_eq!(
            write(m, &mut s, DbgdscrExt, 1 << 15, PL1),
            AccessOutcome::Written
        );
        let AccessOutcome::Read(v) = read(m, &mut s, DbgdscrInt, PL1) else {
            panic!("{name}")
        };
        assert_ne!(v & (1 << 15), 0, "{name}");
    }
    // v8: with the OS lock set the save/restore bits become writable.
    let (m, mut s) = cpu("cortex-a53");
    write(m, &mut s, DbgdscrExt, 0x4000_0000 | (1 << 14), PL1);
    assert!(s.rxfull());
    assert_eq!(
        read(m, &mut s, DbgdscrExt, PL1),
        AccessOutcome::Read(0x4004_4000)
    );
    // ... and HDE is not in the internal view.
    assert_eq!(
        read(m, &mut s, DbgdscrInt, PL1),
        AccessOutcome::Read(0x4004_0000)
    );
}

#[test]
fn dtr_flags() {
    let (m, mut s) = cpu("cortex-a15");
    assert_eq!(
        write(m, &mut s, DbgdtrtxInt, 0x55, PL1),
        AccessOutcome::Written
    );
    assert!(s.txfull());
    assert_eq!(read(m, &mut s, DbgdtrtxExt, PL1), AccessOutcome::Read(0x55));
    assert!(s.txfull(), "ext view does not touch the flags");
    assert_eq!(s.external_read_dtrtx(), Some(0x55));
    s.external_write_dtrrx(0x66);
    assert_eq!(read(m, &mut s, DbgdtrrxExt, PL1), AccessOutcome::Read(0x66));
    assert!(s.rxfull());
    assert_eq!(read(m, &mut s, DbgdtrrxInt, PL1), AccessOutcome::Read(0x66));
    assert!(!s.rxfull());
}

#[test]
fn masks_bas_and_res0_bits() {
    let (m, mut s) = cpu("cortex-a15");
    // BAS[3] = BAS[2], BAS[1] = BAS[0].
    write(m, &mut s, Dbgbcr(0), 0b0101 << 5, PL1);
    assert_eq!(
        read(m, &mut s, Dbgbcr(0), PL1),
        AccessOutcome::Read(0b1111 << 5)
    );
    write(m, &mut s, Dbgbcr(0), 0b1010 << 5, PL1);
    assert_eq!(read(m, &mut s, Dbgbcr(0), PL1), AccessOutcome::Read(0));
    // BVR[1:0] RES0 on BRP 0, kept on context BRP 4.
    write(m, &mut s, Dbgbvr(0), 0x1003, PL1);
    write(m, &mut s, Dbgbvr(4), 0x1003, PL1);
    assert_eq!(read(m, &mut s, Dbgbvr(0), PL1), AccessOutcome::Read(0x1000));
    assert_eq!(read(m, &mut s, Dbgbvr(4), PL1), AccessOutcome::Read(0x1003));
    // BXVR keeps VMID[7:0] only.
    write(m, &mut s, Dbgbxvr(5), 0x1234, PL1);
    assert_eq!(read(m, &mut s, Dbgbxvr(5), PL1), AccessOutcome::Read(0x34));
    // v6 keeps BAS as written (Monitor mode selected first: D1 lockout).
    let (m, mut s) = cpu("arm1176");
    write(m, &mut s, DbgdscrInt, DSCR_MDBGEN, PL1);
    write(m, &mut s, Dbgbcr(0), 0b0001 << 5, PL1);
    assert_eq!(
        read(m, &mut s, Dbgbcr(0), PL1),
        AccessOutcome::Read(0b0001 << 5)
    );
    // A8 implements BCR.MASK (v7); MASK on A9/A15 is RAZ/WI.
    let a8 = CoreModel::preset("cortex-a8").unwrap();
    assert_eq!(bcr_mask(a8) & 0x1F00_0000, 0x1F00_0000);
    assert_eq!(bcr_mask(m) & 0x1F00_0000, 0);
}

#[test]
fn vcr_masks_per_security_and_version() {
    let w = |name: &str| {
        let (m, mut s) = cpu(name);
        // v6: Monitor mode selected first (D1 lockout).
        write(m, &mut s, DbgdscrInt, DSCR_MDBGEN, PL1);
        write(m, &mut s, Dbgvcr, u32::MAX, PL1);
        s.vcr()
    };
    assert_eq!(w("cortex-a9"), 0xDE00_DCDF);
    assert_eq!(w("arm1136"), 0xDF);
    assert_eq!(w("cortex-a53"), 0xDE00_00DE);
}

#[test]
fn small_registers() {
    let (m, mut s) = cpu("cortex-a15");
    assert_eq!(
        read(m, &mut s, Dbgauthstatus, PL1),
        AccessOutcome::Read(0xFF)
    );
    assert_eq!(
        read(m, &mut s, Dbgdevid, PL1),
        AccessOutcome::Read(0x0111_0f13)
    );
    assert_eq!(read(m, &mut s, Dbgdevid1, PL1), AccessOutcome::Read(0));
    assert_eq!(read(m, &mut s, Dbgdevid2, PL1), AccessOutcome::Read(0));
    assert_eq!(read(m, &mut s, Dbgdrar, PL1), AccessOutcome::Read(0));
    assert_eq!(read(m, &mut s, Dbgdsar64, PL1), AccessOutcome::Read64(0));
    // Claim tags.
    write(m, &mut s, Dbgclaimset, 0x105, PL1);
    assert_eq!(read(m, &mut s, Dbgclaimset, PL1), AccessOutcome::Read(0xFF));
    assert_eq!(read(m, &mut s, Dbgclaimclr, PL1), AccessOutcome::Read(0x05));
    write(m, &mut s, Dbgclaimclr, 0x01, PL1);
    assert_eq!(read(m, &mut s, Dbgclaimclr, PL1), AccessOutcome::Read(0x04));
    // DBGWFAR: RAZ/WI on v7.1, RW (bit 0 reserved) on v7.0.
    write(m, &mut s, Dbgwfar, 0x1235, PL1);
    assert_eq!(read(m, &mut s, Dbgwfar, PL1), AccessOutcome::Read(0));
    let (m9, mut s9) = cpu("cortex-a9");
    write(m9, &mut s9, Dbgwfar, 0x1235, PL1);
    assert_eq!(read(m9, &mut s9, Dbgwfar, PL1), AccessOutcome::Read(0x1234));
    // DBGECR/DSCCR/DSMCR RAZ/WI on v7-full.
    write(m9, &mut s9, Dbgdsccr, 7, PL1);
    assert_eq!(read(m9, &mut s9, Dbgdsccr, PL1), AccessOutcome::Read(0));
    // DBGOSDLR: RW with FEAT_DoubleLock (Krait too, J3), RAZ/WI without.
    write(m, &mut s, Dbgosdlr, 1, PL1);
    assert!(s.dlk());
    assert_eq!(read(m, &mut s, Dbgosdlr, PL1), AccessOutcome::Read(1));
    let (mk, mut sk) = cpu("krait");
    write(mk, &mut sk, Dbgosdlr, 1, PL1);
    assert_eq!(read(mk, &mut sk, Dbgosdlr, PL1), AccessOutcome::Read(1));
    let nodl = mk.to_builder().double_lock(false).build().unwrap();
    let mut sn = DebugState::cold_reset(&nodl, UnknownFill::Zero);
    write(&nodl, &mut sn, Dbgosdlr, 1, PL1);
    assert_eq!(read(&nodl, &mut sn, Dbgosdlr, PL1), AccessOutcome::Read(0));
    // DBGPRCR per version; v8 DBGDCCINT.
    write(m, &mut s, Dbgprcr, 0xF, PL1);
    assert_eq!(read(m, &mut s, Dbgprcr, PL1), AccessOutcome::Read(0b1101));
    let (m8, mut s8) = cpu("cortex-a53");
    write(m8, &mut s8, Dbgprcr, 0xF, PL1);
    assert_eq!(read(m8, &mut s8, Dbgprcr, PL1), AccessOutcome::Read(1));
    write(m8, &mut s8, Dbgdccint, u32::MAX, PL1);
    assert_eq!(
        read(m8, &mut s8, Dbgdccint, PL1),
        AccessOutcome::Read(0x6000_0000)
    );
    // DBGOSECCR (v8): writes only while the OS Lock is set.
    write(m8, &mut s8, Dbgoseccr, 9, PL1);
    assert_eq!(read(m8, &mut s8, Dbgoseccr, PL1), AccessOutcome::Read(9));
    write(m8, &mut s8, Dbgoslar, 0, PL1);
    write(m8, &mut s8, Dbgoseccr, 1, PL1);
    assert_eq!(read(m8, &mut s8, Dbgoseccr, PL1), AccessOutcome::Read(9));
}

#[test]
fn drcr_clears_sticky_exceptions() {
    let (m, mut s) = cpu("cortex-a9");
    s.dscr |= 0x1C0;
    assert_eq!(
        write(m, &mut s, Dbgdrcr, 1 << 2, PL1),
        AccessOutcome::Written
    );
    assert_eq!(s.dscr & 0x1C0, 0);
    assert_eq!(
        read(m, &mut s, Dbgdrcr, PL1),
        undef(UndefReason::WrongDirection)
    );
}

#[test]
fn debug_exception_gating() {
    let (m, mut s) = cpu("cortex-a15");
    write(m, &mut s, DbgdscrExt, 1 << 15, PL1);
    assert!(!s.debug_exceptions_enabled(m), "OS lock set");
    write(m, &mut s, Dbgoslar, 0, PL1);
    assert!(s.debug_exceptions_enabled(m));
    s.set_double_lock(true);
    assert!(!s.debug_exceptions_enabled(m));
    // The double lock is in force only while DBGPRCR.CORENPDRQ = 0.
    assert_eq!(write(m, &mut s, Dbgprcr, 1, PL1), AccessOutcome::Written);
    assert!(!s.double_lock_in_force());
    assert!(s.debug_exceptions_enabled(m));
}

#[test]
fn writable_mask_describes_plain_registers() {
    let (m, s) = cpu("cortex-a15");
    assert_eq!(writable_mask(m, &s, Dbgbcr(0)), Some(0x00FF_E1E7));
    assert_eq!(writable_mask(m, &s, Dbgwcr(3)), Some(0x1F1F_FFFF));
    assert_eq!(writable_mask(m, &s, Dbgwcr(4)), None);
    assert_eq!(writable_mask(m, &s, Dbgdidr), None);
}

#[test]
fn monitor_debug_block_keeps_mdbgen_clear() {
    // (model, register the MDBGen write goes through)
    for (name, reg) in [("cortex-a15", DbgdscrExt), ("arm1176", DbgdscrInt)] {
        let m = CoreModel::preset(name).unwrap();
        for blocked in [false, true] {
            let mut s = DebugState::cold_reset(m, UnknownFill::Zero);
            write(m, &mut s, Dbgoslar, 0, PL1);
            s.set_monitor_debug_blocked(blocked);
            assert_eq!(s.monitor_debug_blocked(), blocked);
            assert_eq!(write(m, &mut s, reg, 1 << 15, PL1), AccessOutcome::Written);
            assert_eq!(s.mdbgen(), !blocked, "{name} blocked={blocked}");
            let AccessOutcome::Read(v) = read(m, &mut s, reg, PL1) else {
                panic!("{name}: read of {reg:?} did not complete")
            };
            assert_eq!(v & (1 << 15) != 0, !blocked, "{name} blocked={blocked}");
            // Other writable bits (UDCCdis) still stick.
            write(m, &mut s, reg, 1 << 12, PL1);
            assert!(s.udccdis(), "{name}");
        }
        // Setting the input clears an MDBGen that was already set.
        let mut s = DebugState::cold_reset(m, UnknownFill::Zero);
        write(m, &mut s, Dbgoslar, 0, PL1);
        write(m, &mut s, reg, 1 << 15, PL1);
        assert!(s.mdbgen());
        s.set_monitor_debug_blocked(true);
        assert!(!s.mdbgen() && !s.debug_exceptions_enabled(m));
    }
}
