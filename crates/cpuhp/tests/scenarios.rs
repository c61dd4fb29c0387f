//! The hotplug scenarios (listed in `docs/cpuhp.md`), written once and
//! run for both executors (modules `inline` and `threaded` at the bottom).
#![cfg(not(loom))]
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::mpsc;
use std::sync::Arc;

use common::{assert_on_control, assert_on_cpu, v, Env, Rec, INLINE, THREADED};
use cpuhp::{
    errno, BugKind, CallbackError, CpuhpError, Direction, Hotplug, HotplugConfig, InstanceId, State,
};

fn all(n: usize, env: Env) -> Hotplug {
    (env.mk)(HotplugConfig::all_online(n))
}

fn some(n: usize, online: &[usize], env: Env) -> Hotplug {
    (env.mk)(HotplugConfig {
        cpus: n,
        online: online.to_vec(),
    })
}

fn dyn_at(k: u16) -> State {
    State::from_raw(State::AP_ONLINE_DYN.raw() + k)
}

// 1. Dynamic ONLINE setup, all succeed.
fn s01_dynamic_online_setup(env: Env) {
    let hp = all(4, env);
    let r = Rec::new();
    let n = hp
        .setup_state(State::AP_ONLINE_DYN, "t:online", r.s(""), r.t(""))
        .unwrap();
    assert_eq!(n, State::AP_ONLINE_DYN);
    assert_eq!(r.seq(), v(&["S(0)", "S(1)", "S(2)", "S(3)"]));
    for c in r.calls() {
        assert_on_cpu(env, &c);
        assert!(!c.irqs_off);
    }
    assert!(!r.overlapped());
    let listing = hp.states_listing();
    assert!(
        listing.contains(&format!("{:>3}: t:online\n", n.raw())),
        "{listing}"
    );
}

// 2. Numbering and reuse.
fn s02_numbering_and_reuse(env: Env) {
    let hp = all(2, env);
    let a = hp
        .setup_state(State::AP_ONLINE_DYN, "a:online", None, None)
        .unwrap();
    let b = hp
        .setup_state(State::AP_ONLINE_DYN, "b:online", None, None)
        .unwrap();
    assert_eq!((a, b), (dyn_at(0), dyn_at(1)));
    hp.remove_state(a).unwrap();
    let c = hp
        .setup_state(State::AP_ONLINE_DYN, "c:online", None, None)
        .unwrap();
    let d = hp
        .setup_state(State::AP_ONLINE_DYN, "d:online", None, None)
        .unwrap();
    assert_eq!((c, d), (dyn_at(0), dyn_at(2)));
}

// 3. Exhaustion: 41 AP slots, 21 BP slots.
fn s03_exhaustion(env: Env) {
    let hp = all(2, env);
    let r = Rec::new();
    for i in 0..41 {
        let name = format!("fill{i}:online");
        hp.setup_state(State::AP_ONLINE_DYN, &name, None, None)
            .unwrap();
    }
    let before = hp.states_listing();
    hp.take_messages();
    let e = hp
        .setup_state(State::AP_ONLINE_DYN, "late:online", r.s(""), r.t(""))
        .unwrap_err();
    assert_eq!(
        e,
        CpuhpError::NoDynamicSlot {
            range: cpuhp::DynRange::ApOnline
        }
    );
    assert_eq!(e.errno(), errno::ENOSPC);
    assert_eq!(
        hp.take_messages(),
        v(&["No more dynamic states available for CPU hotplug"])
    );
    assert!(r.seq().is_empty());
    assert_eq!(hp.states_listing(), before);
    for i in 0..21 {
        let name = format!("bp{i}:prepare");
        hp.setup_state(State::BP_PREPARE_DYN, &name, None, None)
            .unwrap();
    }
    assert!(matches!(
        hp.setup_state(State::BP_PREPARE_DYN, "bp:late", None, None),
        Err(CpuhpError::NoDynamicSlot {
            range: cpuhp::DynRange::BpPrepare
        })
    ));
}

// 4. PREPARE dynamic state: callbacks run synchronously on the caller.
fn s04_prepare_dynamic(env: Env) {
    let hp = all(2, env);
    let r = Rec::new();
    let n = hp
        .setup_state(State::BP_PREPARE_DYN, "p:prepare", r.s(""), r.t(""))
        .unwrap();
    assert!(n >= State::BP_PREPARE_DYN && n <= State::BP_PREPARE_DYN_END);
    assert_eq!(r.seq(), v(&["S(0)", "S(1)"]));
    for c in r.calls() {
        assert_on_control(&c);
    }
}

// 5. Setup fails on the third CPU, teardown present.
fn s05_setup_fails_with_teardown(env: Env) {
    let hp = all(4, env);
    let r = Rec::new();
    let e = hp
        .setup_state(
            State::AP_ONLINE_DYN,
            "t:online",
            Some(r.cb("S", "", Some(2), CallbackError::EIO)),
            r.t(""),
        )
        .unwrap_err();
    assert_eq!(r.seq(), v(&["S(0)", "S(1)", "S(2)", "T(0)", "T(1)"]));
    for c in r.calls() {
        assert_on_cpu(env, &c);
    }
    assert_eq!(e.errno(), errno::EIO);
    let CpuhpError::Callback(f) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(
        (f.state, f.cpu, f.direction, f.name.as_str()),
        (dyn_at(0), 2, Direction::Startup, "t:online")
    );
    assert!(hp.state_name(dyn_at(0)).is_none());
    assert!(!hp.states_listing().contains("t:online"));
    let next = hp
        .setup_state(State::AP_ONLINE_DYN, "u:online", None, None)
        .unwrap();
    assert_eq!(next, dyn_at(0));
}

// 6. Setup fails, no teardown.
fn s06_setup_fails_without_teardown(env: Env) {
    let hp = all(4, env);
    let r = Rec::new();
    let e = hp
        .setup_state(
            State::AP_ONLINE_DYN,
            "t:online",
            Some(r.cb("S", "", Some(2), CallbackError::EIO)),
            None,
        )
        .unwrap_err();
    assert_eq!(e.errno(), errno::EIO);
    assert_eq!(r.seq(), v(&["S(0)", "S(1)", "S(2)"]));
    assert!(hp.state_name(dyn_at(0)).is_none());
    r.clear();
    let e = hp
        .setup_state(
            State::AP_ONLINE_DYN,
            "t:online",
            Some(r.cb("S", "", Some(0), CallbackError::EIO)),
            r.t(""),
        )
        .unwrap_err();
    assert_eq!(e.errno(), errno::EIO);
    assert_eq!(r.seq(), v(&["S(0)"]));
}

// 7. Offline CPUs skipped; a later cpu_up runs the startup on that CPU.
fn s07_offline_cpus_skipped(env: Env) {
    let hp = some(4, &[0, 1, 3], env);
    let r = Rec::new();
    hp.setup_state(State::AP_ONLINE_DYN, "t:online", r.s(""), r.t(""))
        .unwrap();
    assert_eq!(r.seq(), v(&["S(0)", "S(1)", "S(3)"]));
    r.clear();
    hp.cpu_up(2).unwrap();
    assert_eq!(r.seq(), v(&["S(2)"]));
    assert_on_cpu(env, &r.calls()[0]);
    assert_eq!(hp.state_of(2).unwrap(), State::ONLINE);
    assert!(hp.is_online(2).unwrap());
}

// 8. nocalls.
fn s08_nocalls(env: Env) {
    let hp = all(2, env);
    let r = Rec::new();
    hp.setup_state_nocalls(State::AP_ONLINE_DYN, "t:online", r.s(""), r.t(""))
        .unwrap();
    assert!(r.seq().is_empty());
    hp.cpu_down(1).unwrap();
    assert_eq!(r.seq(), v(&["T(1)"]));
    hp.cpu_up(1).unwrap();
    assert_eq!(r.seq(), v(&["T(1)", "S(1)"]));
}

// 9. Argument errors.
fn s09_argument_errors(env: Env) {
    let hp = all(2, env);
    let r = Rec::new();
    let e = hp
        .setup_state(State::AP_ONLINE_DYN, "", r.s(""), None)
        .unwrap_err();
    assert!(matches!(e, CpuhpError::EmptyName { .. }));
    assert_eq!(e.errno(), errno::EINVAL);
    for bad in [State::OFFLINE, State::ONLINE] {
        let e = hp.setup_state(bad, "x:online", r.s(""), None).unwrap_err();
        assert_eq!(e, CpuhpError::InvalidState { state: bad });
        assert_eq!(e.errno(), errno::EINVAL);
    }
    hp.setup_state(State::AP_PERF_ONLINE, "old:online", r.s("old"), r.t("old"))
        .unwrap();
    r.clear();
    let e = hp
        .setup_state(State::AP_PERF_ONLINE, "new:online", r.s("new"), r.t("new"))
        .unwrap_err();
    assert_eq!(
        e,
        CpuhpError::StateBusy {
            state: State::AP_PERF_ONLINE,
            name: "old:online".into()
        }
    );
    assert_eq!(e.errno(), errno::EBUSY);
    assert!(r.seq().is_empty());
    assert_eq!(
        hp.state_name(State::AP_PERF_ONLINE).as_deref(),
        Some("old:online")
    );
    hp.cpu_down(1).unwrap();
    assert_eq!(r.seq(), v(&["Told(1)"]));
    // The machine's own states are named and cannot be claimed either.
    assert!(matches!(
        hp.setup_state(State::AP_ACTIVE, "mine:online", None, None),
        Err(CpuhpError::StateBusy { .. })
    ));
    assert!(r.seq().len() == 1 && !r.overlapped());
}

// 10. Remove with calls; nocalls; failing teardown is a BUG.
fn s10_remove(env: Env) {
    let hp = some(4, &[0, 1, 2], env);
    let r = Rec::new();
    let n = hp
        .setup_state(State::AP_ONLINE_DYN, "t:online", r.s(""), r.t(""))
        .unwrap();
    r.clear();
    hp.remove_state(n).unwrap();
    assert_eq!(r.seq(), v(&["T(0)", "T(1)", "T(2)"]));
    for c in r.calls() {
        assert_on_cpu(env, &c);
    }
    assert!(hp.state_name(n).is_none());
    let n = hp
        .setup_state(State::AP_ONLINE_DYN, "t:online", r.s(""), r.t(""))
        .unwrap();
    r.clear();
    hp.remove_state_nocalls(n).unwrap();
    assert!(r.seq().is_empty());
    assert!(hp.state_name(n).is_none());
    let n = hp
        .setup_state(
            State::AP_ONLINE_DYN,
            "bad:online",
            r.s(""),
            Some(r.cb("T", "", Some(1), CallbackError::EIO)),
        )
        .unwrap();
    let e = hp.remove_state(n).unwrap_err();
    assert!(e.is_bug());
    let CpuhpError::Bug(BugKind::TeardownFailed(f)) = e else {
        panic!("{e:?}")
    };
    assert_eq!((f.state, f.cpu), (n, 1));
    // An invalid number is a BUG too, not an error return.
    assert_eq!(
        hp.remove_state(State::ONLINE),
        Err(CpuhpError::Bug(BugKind::InvalidState(State::ONLINE)))
    );
}

// 11. Remove by the base number removes the owner of the first slot.
fn s11_remove_by_base_number(env: Env) {
    let hp = all(2, env);
    let a = hp
        .setup_state(State::AP_ONLINE_DYN, "a:online", None, None)
        .unwrap();
    let b = hp
        .setup_state(State::AP_ONLINE_DYN, "b:online", None, None)
        .unwrap();
    hp.remove_state(State::AP_ONLINE_DYN).unwrap();
    assert!(hp.state_name(a).is_none());
    assert_eq!(hp.state_name(b).as_deref(), Some("b:online"));
}

// 12. Multi-instance add, with a failing instance.
fn s12_multi_instance_add(env: Env) {
    let hp = some(3, &[0, 1], env);
    let r = Rec::new();
    let n = hp
        .setup_state_multi(
            State::AP_ONLINE_DYN,
            "m:online",
            Some(r.multi("S", "", Some((1, 2)), CallbackError::EIO)),
            Some(r.multi("T", "", None, CallbackError::EIO)),
        )
        .unwrap();
    assert_eq!(n, State::AP_ONLINE_DYN);
    assert!(r.seq().is_empty());
    let (a, b) = (InstanceId(1), InstanceId(2));
    hp.add_instance(n, a).unwrap();
    assert_eq!(r.seq(), v(&["S(0,1)", "S(1,1)"]));
    for c in r.calls() {
        assert_on_cpu(env, &c);
    }
    r.clear();
    let e = hp.add_instance(n, b).unwrap_err();
    assert_eq!(e.errno(), errno::EIO);
    let CpuhpError::Callback(f) = &e else {
        panic!("{e:?}")
    };
    assert_eq!((f.cpu, f.instance), (1, Some(b)));
    assert_eq!(r.seq(), v(&["S(0,2)", "S(1,2)", "T(0,2)"]));
    assert_eq!(hp.instances(n), vec![a]);
    assert_eq!(
        hp.add_instance(n, a),
        Err(CpuhpError::DuplicateInstance {
            state: n,
            instance: a
        })
    );
    r.clear();
    hp.remove_instance(n, a).unwrap();
    assert_eq!(r.seq(), v(&["T(0,1)", "T(1,1)"]));
    assert!(hp.instances(n).is_empty());
}

// 13. Instance order: newest first, both directions.
fn s13_instance_order(env: Env) {
    let hp = some(3, &[0, 1], env);
    let r = Rec::new();
    let n = hp
        .setup_state_multi(
            State::AP_ONLINE_DYN,
            "m:online",
            Some(r.multi("S", "", None, CallbackError::EIO)),
            Some(r.multi("T", "", None, CallbackError::EIO)),
        )
        .unwrap();
    hp.add_instance_nocalls(n, InstanceId(1)).unwrap();
    hp.add_instance_nocalls(n, InstanceId(2)).unwrap();
    assert!(r.seq().is_empty());
    hp.cpu_up(2).unwrap();
    assert_eq!(r.seq(), v(&["S(2,2)", "S(2,1)"]));
    r.clear();
    hp.cpu_down(2).unwrap();
    assert_eq!(r.seq(), v(&["T(2,2)", "T(2,1)"]));
}

// 14. Multi-instance partial failure during online: full unwind to OFFLINE.
fn s14_multi_partial_failure_online(env: Env) {
    let hp = some(4, &[0, 1, 2], env);
    let r = Rec::new();
    hp.setup_state_nocalls(State::BP_PREPARE_DYN, "p:prepare", r.s("p"), r.t("p"))
        .unwrap();
    hp.setup_state_nocalls(
        State::AP_PERF_ARM_HW_BREAKPOINT_STARTING,
        "k:starting",
        r.s("k"),
        r.t("k"),
    )
    .unwrap();
    hp.setup_state_nocalls(State::AP_PERF_ONLINE, "x:online", r.s("x"), r.t("x"))
        .unwrap();
    let m = hp
        .setup_state_multi(
            State::AP_ONLINE_DYN,
            "m:online",
            Some(r.multi("S", "m", Some((3, 1)), CallbackError::EIO)),
            Some(r.multi("T", "m", None, CallbackError::EIO)),
        )
        .unwrap();
    hp.add_instance_nocalls(m, InstanceId(1)).unwrap(); // A
    hp.add_instance_nocalls(m, InstanceId(2)).unwrap(); // B, list [B, A]
    let e = hp.cpu_up(3).unwrap_err();
    assert_eq!(e.errno(), errno::EIO);
    assert_eq!(
        r.seq(),
        v(&[
            "Sp(3)", "Sk(3)", "Sx(3)", "Sm(3,2)", "Sm(3,1)", "Tm(3,2)", "Tx(3)", "Tk(3)", "Tp(3)",
        ])
    );
    assert_eq!(hp.state_of(3).unwrap(), State::OFFLINE);
    assert_eq!(hp.target_of(3).unwrap(), State::OFFLINE);
    assert!(!hp.is_online(3).unwrap());
}

// 15. Multi-instance misuse.
fn s15_multi_misuse(env: Env) {
    let hp = all(2, env);
    let r = Rec::new();
    let single = hp
        .setup_state(State::AP_ONLINE_DYN, "s:online", None, None)
        .unwrap();
    let e = hp.add_instance(single, InstanceId(1)).unwrap_err();
    assert_eq!(e, CpuhpError::NotMultiInstance { state: single });
    assert_eq!(e.errno(), errno::EINVAL);
    let m = hp
        .setup_state_multi(
            State::AP_ONLINE_DYN,
            "m:online",
            Some(r.multi("S", "", None, CallbackError::EIO)),
            Some(r.multi("T", "", None, CallbackError::EIO)),
        )
        .unwrap();
    hp.add_instance(m, InstanceId(7)).unwrap();
    r.clear();
    hp.take_messages();
    hp.remove_multi_state(m).unwrap();
    assert!(r.seq().is_empty());
    assert_eq!(
        hp.take_messages(),
        vec![format!(
            "Error: Removing state {} which has instances left.",
            m.raw()
        )]
    );
    assert!(hp.state_name(m).is_none());
}

// 16. Online failure in the ONLINE section.
fn s16_online_failure_online_section(env: Env) {
    let hp = some(4, &[0, 1, 2], env);
    let r = Rec::new();
    hp.setup_state_nocalls(State::BP_PREPARE_DYN, "p:prepare", r.s("p"), r.t("p"))
        .unwrap();
    hp.setup_state_nocalls(
        State::AP_ARM_CORESIGHT_STARTING,
        "k:starting",
        r.s("k"),
        r.t("k"),
    )
    .unwrap();
    hp.setup_state_nocalls(State::AP_PERF_ONLINE, "w:online", r.s("w"), r.t("w"))
        .unwrap();
    let x = hp
        .setup_state_nocalls(State::AP_ONLINE_DYN, "x:online", r.s("x"), r.t("x"))
        .unwrap();
    let y = hp
        .setup_state_nocalls(
            State::AP_ONLINE_DYN,
            "y:online",
            Some(r.cb("S", "y", Some(3), CallbackError::ENODEV)),
            r.t("y"),
        )
        .unwrap();
    let z = hp
        .setup_state_nocalls(State::AP_ONLINE_DYN, "z:online", r.s("z"), r.t("z"))
        .unwrap();
    assert!(x < y && y < z);
    let e = hp.cpu_up(3).unwrap_err();
    let CpuhpError::Callback(f) = &e else {
        panic!("{e:?}")
    };
    assert_eq!((f.state, f.cpu, f.error), (y, 3, CallbackError::ENODEV));
    assert_eq!(
        r.seq(),
        v(&["Sp(3)", "Sk(3)", "Sw(3)", "Sx(3)", "Sy(3)", "Tx(3)", "Tw(3)", "Tk(3)", "Tp(3)"])
    );
    assert_eq!(hp.state_of(3).unwrap(), State::OFFLINE);
    assert_eq!(hp.target_of(3).unwrap(), State::OFFLINE);
}

// 17. Online failure in the PREPARE section.
fn s17_online_failure_prepare_section(env: Env) {
    let hp = some(2, &[0], env);
    let r = Rec::new();
    let p1 = hp
        .setup_state_nocalls(State::BP_PREPARE_DYN, "p1:prepare", r.s("1"), r.t("1"))
        .unwrap();
    let p2 = hp
        .setup_state_nocalls(
            State::BP_PREPARE_DYN,
            "p2:prepare",
            Some(r.cb("S", "2", Some(1), CallbackError::EIO)),
            r.t("2"),
        )
        .unwrap();
    assert!(p1 < p2);
    hp.setup_state_nocalls(
        State::AP_ARM_CORESIGHT_STARTING,
        "k:starting",
        r.s("k"),
        r.t("k"),
    )
    .unwrap();
    hp.setup_state_nocalls(State::AP_ONLINE_DYN, "x:online", r.s("x"), r.t("x"))
        .unwrap();
    let e = hp.cpu_up(1).unwrap_err();
    assert_eq!(e.errno(), errno::EIO);
    assert_eq!(r.seq(), v(&["S1(1)", "S2(1)", "T1(1)"]));
    for c in r.calls() {
        assert_on_control(&c);
    }
    assert_eq!(hp.state_of(1).unwrap(), State::OFFLINE);
    assert!(!hp.is_online(1).unwrap());
}

// 18. Offline failure: re-run the startups above, stay online.
fn s18_offline_failure(env: Env) {
    let hp = all(2, env);
    let r = Rec::new();
    hp.setup_state_nocalls(State::AP_ONLINE_DYN, "x:online", r.s("x"), r.t("x"))
        .unwrap();
    hp.setup_state_nocalls(
        State::AP_ONLINE_DYN,
        "y:online",
        r.s("y"),
        Some(r.cb("T", "y", Some(1), CallbackError::EBUSY)),
    )
    .unwrap();
    hp.setup_state_nocalls(State::AP_ONLINE_DYN, "z:online", r.s("z"), r.t("z"))
        .unwrap();
    let e = hp.cpu_down(1).unwrap_err();
    assert_eq!(e.errno(), errno::EBUSY);
    assert_eq!(r.seq(), v(&["Tz(1)", "Ty(1)", "Sz(1)"]));
    for c in r.calls() {
        assert_on_cpu(env, &c);
    }
    assert_eq!(hp.state_of(1).unwrap(), State::ONLINE);
    assert_eq!(hp.target_of(1).unwrap(), State::ONLINE);
    assert!(hp.is_online(1).unwrap());
}

// 19. Order and context of a full up/down cycle.
fn s19_order_and_context(env: Env) {
    let hp = some(2, &[0], env);
    let r = Rec::new();
    hp.setup_state_nocalls(State::PERF_PREPARE, "a:prepare", r.s("a"), r.t("a"))
        .unwrap();
    hp.setup_state_nocalls(State::BP_PREPARE_DYN, "b:prepare", r.s("b"), r.t("b"))
        .unwrap();
    hp.setup_state_nocalls(
        State::AP_ARM64_DEBUG_MONITORS_STARTING,
        "c:starting",
        r.s("c"),
        r.t("c"),
    )
    .unwrap();
    hp.setup_state_nocalls(
        State::AP_PERF_ARM_HW_BREAKPOINT_STARTING,
        "d:starting",
        r.s("d"),
        r.t("d"),
    )
    .unwrap();
    hp.setup_state_nocalls(State::AP_PERF_ONLINE, "e:online", r.s("e"), r.t("e"))
        .unwrap();
    hp.setup_state_nocalls(State::AP_ONLINE_DYN, "f:online", r.s("f"), r.t("f"))
        .unwrap();
    hp.cpu_up(1).unwrap();
    hp.cpu_down(1).unwrap();
    assert_eq!(
        r.seq(),
        v(&[
            "Sa(1)", "Sb(1)", "Sc(1)", "Sd(1)", "Se(1)", "Sf(1)", "Tf(1)", "Te(1)", "Td(1)",
            "Tc(1)", "Tb(1)", "Ta(1)",
        ])
    );
    let calls = r.calls();
    for (i, c) in calls.iter().enumerate() {
        match i {
            0 | 1 | 10 | 11 => assert_on_control(c),
            2 | 3 | 8 | 9 => {
                assert_on_cpu(env, c);
                assert!(c.irqs_off, "{} must run with IRQs off", c.what);
            }
            _ => {
                assert_on_cpu(env, c);
                assert!(!c.irqs_off, "{}", c.what);
            }
        }
    }
    assert!(!r.overlapped());
    assert_eq!(hp.state_of(1).unwrap(), State::OFFLINE);
}

// 20. A failing STARTING startup is only warned about.
fn s20_starting_failure_ignored(env: Env) {
    let hp = some(3, &[0, 1], env);
    let r = Rec::new();
    let k = State::AP_PERF_ARM_HW_BREAKPOINT_STARTING;
    hp.setup_state_nocalls(
        k,
        "k:starting",
        Some(r.cb("S", "k", Some(2), CallbackError::EINVAL)),
        None,
    )
    .unwrap();
    hp.take_messages();
    hp.cpu_up(2).unwrap();
    assert_eq!(
        hp.take_messages(),
        vec![format!(
            "CPU 2 UP state k:starting ({}) failed (-{})",
            k.raw(),
            errno::EINVAL
        )]
    );
    assert_eq!(hp.state_of(2).unwrap(), State::ONLINE);
    assert!(hp.is_online(2).unwrap());
}

// 21. Lock exclusion: a bring-up waits for the read lock; setup under the
// lock completes meanwhile.
fn s21_lock_exclusion(env: Env) {
    let hp = Arc::new(some(4, &[0, 1, 3], env));
    let r = Rec::new();
    let guard = hp.cpus_read_lock().unwrap();
    let (started_tx, started_rx) = mpsc::channel();
    let (done_tx, done_rx) = mpsc::channel();
    let hp2 = Arc::clone(&hp);
    let b = std::thread::spawn(move || {
        started_tx.send(()).unwrap();
        let res = hp2.cpu_up(2);
        done_tx.send(()).unwrap();
        res
    });
    started_rx.recv().unwrap();
    let n = hp
        .setup_state_cpuslocked(&guard, State::AP_ONLINE_DYN, "t:online", r.s(""), None)
        .unwrap();
    assert_eq!(r.seq(), v(&["S(0)", "S(1)", "S(3)"]));
    // Give B every chance to (wrongly) proceed; it must still be waiting.
    for _ in 0..50 {
        std::thread::yield_now();
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    assert!(
        done_rx.try_recv().is_err(),
        "cpu_up ran under the read lock"
    );
    assert_eq!(hp.state_of(2).unwrap(), State::OFFLINE);
    assert_eq!(r.seq().len(), 3);
    drop(guard);
    b.join().unwrap().unwrap();
    assert_eq!(r.seq(), v(&["S(0)", "S(1)", "S(3)", "S(2)"]));
    assert_eq!(hp.state_of(2).unwrap(), State::ONLINE);
    assert_eq!(n, State::AP_ONLINE_DYN);
}

// 22. Lock misuse: typed errors instead of deadlocks.
fn s22_lock_misuse(env: Env) {
    let hp = Arc::new(all(2, env));
    let other = all(2, env);
    {
        let guard = hp.cpus_read_lock().unwrap();
        assert_eq!(
            hp.setup_state(State::AP_ONLINE_DYN, "t:online", None, None),
            Err(CpuhpError::ReadLockHeld { op: "setup_state" })
        );
        assert!(matches!(
            hp.cpus_read_lock(),
            Err(CpuhpError::ReadLockHeld { .. })
        ));
        assert!(matches!(hp.cpu_up(1), Err(CpuhpError::ReadLockHeld { .. })));
        assert!(matches!(
            hp.remove_state_nocalls(State::AP_ONLINE_DYN),
            Err(CpuhpError::ReadLockHeld { .. })
        ));
        let og = other.cpus_read_lock().unwrap();
        assert_eq!(
            hp.setup_state_cpuslocked(&og, State::AP_ONLINE_DYN, "t:online", None, None),
            Err(CpuhpError::ForeignGuard {
                op: "setup_state_cpuslocked"
            })
        );
        drop(og);
        assert!(hp.state_name(State::AP_ONLINE_DYN).is_none());
        drop(guard);
    }
    // Registry calls from inside a callback.
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (hp2, seen2) = (Arc::clone(&hp), Arc::clone(&seen));
    let cb: cpuhp::Callback = Arc::new(move |cpu| {
        let mut s = seen2.lock().unwrap();
        s.push(hp2.cpu_down(cpu).map_err(|e| e.errno()));
        s.push(hp2.cpus_read_lock().map(drop).map_err(|e| e.errno()));
        s.push(
            hp2.setup_state(State::AP_ONLINE_DYN, "inner:online", None, None)
                .map(drop)
                .map_err(|e| e.errno()),
        );
        // Non-blocking queries work from a callback.
        assert_eq!(hp2.state_name(State::ONLINE).as_deref(), Some("online"));
        Ok(())
    });
    hp.setup_state(State::AP_ONLINE_DYN, "t:online", Some(cb), None)
        .unwrap();
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 6);
    assert!(seen.iter().all(|r| *r == Err(errno::EDEADLK)), "{seen:?}");
    assert_eq!(
        hp.states()
            .iter()
            .filter(|(_, n)| n == "inner:online")
            .count(),
        0
    );
}

// Extra (`cpuhp_issue_call()` for an atomic AP state, `kernel/cpu.c`): installing a STARTING state runs its startup on each
// already-online CPU, in that CPU's context, with interrupts disabled.
fn s23_starting_setup_context(env: Env) {
    let hp = some(3, &[0, 2], env);
    let r = Rec::new();
    let n = hp
        .setup_state(
            State::AP_ARM64_DEBUG_MONITORS_STARTING,
            "arm64/debug_monitors:starting",
            r.s(""),
            r.t(""),
        )
        .unwrap();
    assert_eq!(n, State::AP_ARM64_DEBUG_MONITORS_STARTING);
    assert_eq!(r.seq(), v(&["S(0)", "S(2)"]));
    for c in r.calls() {
        assert_on_cpu(env, &c);
        assert!(c.irqs_off, "{}", c.what);
    }
    r.clear();
    hp.remove_state(n).unwrap();
    assert_eq!(r.seq(), v(&["T(0)", "T(2)"]));
    assert!(r.calls().iter().all(|c| c.irqs_off));
}

// Extra (`hotplug/fail`, `fail_store()` in `kernel/cpu.c`): one-shot fault injection.
fn s24_fault_injection(env: Env) {
    let hp = some(3, &[0, 1], env);
    let r = Rec::new();
    let x = hp
        .setup_state_nocalls(State::AP_ONLINE_DYN, "x:online", r.s("x"), r.t("x"))
        .unwrap();
    let y = hp
        .setup_state_nocalls(State::AP_ONLINE_DYN, "y:online", r.s("y"), r.t("y"))
        .unwrap();
    hp.setup_state_nocalls(
        State::AP_ARM_CORESIGHT_STARTING,
        "k:starting",
        r.s("k"),
        None,
    )
    .unwrap();
    let p = hp
        .setup_state_nocalls(State::BP_PREPARE_DYN, "p:prepare", r.s("p"), r.t("p"))
        .unwrap();
    hp.set_fail(2, Some(y)).unwrap();
    assert_eq!(hp.fail_of(2).unwrap(), Some(y));
    let e = hp.cpu_up(2).unwrap_err();
    assert_eq!(e.errno(), errno::EAGAIN);
    // Y's callback is not called; X is undone; the CPU ends offline.
    assert_eq!(r.seq(), v(&["Sp(2)", "Sk(2)", "Sx(2)", "Tx(2)", "Tp(2)"]));
    assert_eq!(hp.state_of(2).unwrap(), State::OFFLINE);
    assert_eq!(hp.fail_of(2).unwrap(), None, "one-shot");
    r.clear();
    hp.cpu_up(2).unwrap();
    assert_eq!(r.seq(), v(&["Sp(2)", "Sk(2)", "Sx(2)", "Sy(2)"]));
    // The kernel's refusals.
    for (s, why) in [
        (State::AP_ARM_CORESIGHT_STARTING, "STARTING"),
        (p, "PREPARE"),
        (State::AP_PERF_ONLINE, "no callbacks"),
    ] {
        assert!(
            matches!(
                hp.set_fail(1, Some(s)),
                Err(CpuhpError::FailNotAllowed { .. })
            ),
            "{why}"
        );
    }
    assert!(matches!(
        hp.set_fail(1, Some(State::from_raw(State::ONLINE.raw() + 1))),
        Err(CpuhpError::InvalidState { .. })
    ));
    // From the instance API, an injected failure stops the add like a
    // callback error would (rollback on the CPUs before).
    let m = hp
        .setup_state_multi(
            State::AP_ONLINE_DYN,
            "m:online",
            Some(r.multi("S", "m", None, CallbackError::EIO)),
            Some(r.multi("T", "m", None, CallbackError::EIO)),
        )
        .unwrap();
    hp.set_fail(1, Some(m)).unwrap();
    r.clear();
    let e = hp.add_instance(m, InstanceId(5)).unwrap_err();
    assert_eq!(e.errno(), errno::EAGAIN);
    assert_eq!(r.seq(), v(&["Sm(0,5)", "Tm(0,5)"]));
    assert!(hp.instances(m).is_empty());
    assert_eq!(x, dyn_at(0));
}

// Extra: bad CPU indices and the last online CPU.
fn s_cpu_errors(env: Env) {
    let hp = some(2, &[0], env);
    assert_eq!(
        hp.cpu_up(2),
        Err(CpuhpError::InvalidCpu { cpu: 2, cpus: 2 })
    );
    assert_eq!(
        hp.state_of(9),
        Err(CpuhpError::InvalidCpu { cpu: 9, cpus: 2 })
    );
    let e = hp.cpu_down(0).unwrap_err();
    assert_eq!(e, CpuhpError::LastOnlineCpu { cpu: 0 });
    assert_eq!(e.errno(), errno::EBUSY);
    assert_eq!(hp.state_of(0).unwrap(), State::ONLINE);
    hp.cpu_up(1).unwrap();
    hp.cpu_down(0).unwrap();
    assert_eq!(hp.online_cpus(), vec![1]);
    // Already there: no-ops.
    hp.cpu_down(0).unwrap();
    hp.cpu_up(1).unwrap();
    assert_eq!(hp.state_of(0).unwrap(), State::OFFLINE);
}

// Extra (`cpu_hotplug_disable()`, `kernel/cpu.c`): `cpu_hotplug_disable` makes `cpu_up`/`cpu_down` fail with
// -EBUSY, changing nothing, until every guard is dropped; it nests, leaves state
// setup alone, waits for a transition in progress, and refuses the two calls
// that would deadlock.
fn s25_hotplug_disable(env: Env) {
    let hp = Arc::new(some(3, &[0, 1], env));
    let r = Rec::new();
    let g1 = hp.cpu_hotplug_disable().unwrap();
    let g2 = hp.cpu_hotplug_disable().unwrap();
    assert_eq!(hp.cpu_hotplug_disable_depth(), 2);
    let e = hp.cpu_up(2).unwrap_err();
    assert_eq!(
        e,
        CpuhpError::HotplugDisabled {
            op: "cpu_up",
            cpu: 2,
            depth: 2
        }
    );
    assert_eq!(e.errno(), errno::EBUSY);
    assert!(matches!(
        hp.cpu_down(1),
        Err(CpuhpError::HotplugDisabled {
            op: "cpu_down",
            cpu: 1,
            ..
        })
    ));
    // Tested before the CPU's state (an online CPU's cpu_up is still -EBUSY),
    // after the CPU number.
    assert!(matches!(
        hp.cpu_up(0),
        Err(CpuhpError::HotplugDisabled { .. })
    ));
    assert_eq!(
        hp.cpu_up(9),
        Err(CpuhpError::InvalidCpu { cpu: 9, cpus: 3 })
    );
    // State setup is not affected.
    hp.setup_state(State::AP_ONLINE_DYN, "t:online", r.s(""), r.t(""))
        .unwrap();
    assert_eq!(r.seq(), v(&["S(0)", "S(1)"]));
    assert_eq!(hp.online_cpus(), vec![0, 1]);
    drop(g1);
    assert_eq!(hp.cpu_hotplug_disable_depth(), 1);
    assert!(matches!(
        hp.cpu_up(2),
        Err(CpuhpError::HotplugDisabled { depth: 1, .. })
    ));
    // The guard may be dropped on another thread.
    std::thread::scope(|sc| {
        sc.spawn(move || drop(g2));
    });
    assert_eq!(hp.cpu_hotplug_disable_depth(), 0);
    hp.cpu_up(2).unwrap();
    hp.cpu_down(1).unwrap();
    assert_eq!(r.seq(), v(&["S(0)", "S(1)", "S(2)", "T(1)"]));

    // Would-deadlock uses are typed errors.
    {
        let guard = hp.cpus_read_lock().unwrap();
        assert_eq!(
            hp.cpu_hotplug_disable().unwrap_err(),
            CpuhpError::ReadLockHeld {
                op: "cpu_hotplug_disable"
            }
        );
        drop(guard);
    }
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (hp2, seen2) = (Arc::clone(&hp), Arc::clone(&seen));
    let cb: cpuhp::Callback = Arc::new(move |_| {
        let res = hp2.cpu_hotplug_disable().map(drop).map_err(|e| e.errno());
        seen2.lock().unwrap().push(res);
        Ok(())
    });
    hp.setup_state(State::AP_ONLINE_DYN, "inner:online", Some(cb), None)
        .unwrap();
    assert_eq!(*seen.lock().unwrap(), vec![Err(errno::EDEADLK); 2]);
    assert_eq!(hp.cpu_hotplug_disable_depth(), 0);

    // Disabling waits for a transition in progress.
    let (in_tx, in_rx) = mpsc::channel();
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let go_rx = std::sync::Mutex::new(go_rx);
    let slow: cpuhp::Callback = Arc::new(move |_| {
        in_tx.send(()).unwrap();
        go_rx.lock().unwrap().recv().unwrap();
        Ok(())
    });
    hp.setup_state_nocalls(State::AP_ONLINE_DYN, "slow:online", Some(slow), None)
        .unwrap();
    let up = {
        let hp = Arc::clone(&hp);
        std::thread::spawn(move || hp.cpu_up(1))
    };
    in_rx.recv().unwrap();
    let (dis_tx, dis_rx) = mpsc::channel();
    let disabler = {
        let hp = Arc::clone(&hp);
        std::thread::spawn(move || {
            let g = hp.cpu_hotplug_disable().unwrap();
            dis_tx.send(()).unwrap();
            // Hold it until the main thread has checked the depth.
            std::thread::park();
            drop(g);
        })
    };
    for _ in 0..50 {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    assert!(
        dis_rx.try_recv().is_err(),
        "cpu_hotplug_disable returned while cpu_up was running"
    );
    go_tx.send(()).unwrap();
    up.join().unwrap().unwrap();
    dis_rx.recv().unwrap();
    assert_eq!(hp.state_of(1).unwrap(), State::ONLINE);
    assert!(matches!(
        hp.cpu_down(1),
        Err(CpuhpError::HotplugDisabled { .. })
    ));
    disabler.thread().unpark();
    disabler.join().unwrap();
    assert_eq!(hp.cpu_hotplug_disable_depth(), 0);
}

macro_rules! for_executors {
    ($($name:ident),* $(,)?) => {
        mod inline {
            $( #[test] fn $name() { super::$name(super::INLINE) } )*
        }
        mod threaded {
            $( #[test] fn $name() { super::$name(super::THREADED) } )*
        }
    };
}

for_executors!(
    s01_dynamic_online_setup,
    s02_numbering_and_reuse,
    s03_exhaustion,
    s04_prepare_dynamic,
    s05_setup_fails_with_teardown,
    s06_setup_fails_without_teardown,
    s07_offline_cpus_skipped,
    s08_nocalls,
    s09_argument_errors,
    s10_remove,
    s11_remove_by_base_number,
    s12_multi_instance_add,
    s13_instance_order,
    s14_multi_partial_failure_online,
    s15_multi_misuse,
    s16_online_failure_online_section,
    s17_online_failure_prepare_section,
    s18_offline_failure,
    s19_order_and_context,
    s20_starting_failure_ignored,
    s21_lock_exclusion,
    s22_lock_misuse,
    s23_starting_setup_context,
    s24_fault_injection,
    s25_hotplug_disable,
    s_cpu_errors,
);

#[test]
fn config_errors() {
    use cpuhp::InlineExecutor;
    assert_eq!(
        Hotplug::new(
            HotplugConfig {
                cpus: 0,
                online: vec![]
            },
            InlineExecutor
        )
        .unwrap_err(),
        CpuhpError::NoCpus
    );
    assert_eq!(
        Hotplug::new(
            HotplugConfig {
                cpus: 2,
                online: vec![]
            },
            InlineExecutor
        )
        .unwrap_err(),
        CpuhpError::NoOnlineCpu
    );
    assert_eq!(
        Hotplug::new(
            HotplugConfig {
                cpus: 2,
                online: vec![2]
            },
            InlineExecutor
        )
        .unwrap_err(),
        CpuhpError::InvalidCpu { cpu: 2, cpus: 2 }
    );
    let ex = cpuhp::ThreadPerCpuExecutor::new(1).unwrap();
    assert_eq!(
        Hotplug::new(HotplugConfig::all_online(2), ex).unwrap_err(),
        CpuhpError::ExecutorTooSmall {
            executor: 1,
            cpus: 2
        }
    );
}
