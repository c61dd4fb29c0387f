//! The driver's back-out race (issue #4): with the hotplug read lock held
//! across `setup_state_cpuslocked` → failure → `remove_state_nocalls_cpuslocked`
//! a concurrently requested bring-up never runs the state's callback; without
//! the lock it can. (The exhaustive version of this is `tests/loom.rs`.)
#![cfg(not(loom))]
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};

use common::{Env, INLINE, THREADED};
use cpuhp::{Callback, Hotplug, HotplugConfig, State};

/// A startup callback that notes whether it ever ran for `watch`.
fn watcher(watch: usize) -> (Callback, Arc<AtomicBool>) {
    let ran = Arc::new(AtomicBool::new(false));
    let r = Arc::clone(&ran);
    let cb: Callback = Arc::new(move |cpu| {
        if cpu == watch {
            r.store(true, Ordering::SeqCst);
        }
        Ok(())
    });
    (cb, ran)
}

fn locked_backout(env: Env) {
    for round in 0..20 {
        let hp = Arc::new((env.mk)(HotplugConfig {
            cpus: 4,
            online: vec![0, 1, 2],
        }));
        let (cb, ran_on_3) = watcher(3);
        let guard = hp.cpus_read_lock().unwrap();
        let (tx, rx) = mpsc::channel();
        let hp2 = Arc::clone(&hp);
        let b = std::thread::spawn(move || {
            tx.send(()).unwrap();
            hp2.cpu_up(3)
        });
        rx.recv().unwrap();
        if round % 2 == 1 {
            std::thread::yield_now();
        }
        let n = hp
            .setup_state_cpuslocked(
                &guard,
                State::AP_ONLINE_DYN,
                "arm/hw_breakpoint:online",
                Some(cb),
                None,
            )
            .unwrap();
        // The driver found an error bit on some CPU: back out.
        hp.remove_state_nocalls_cpuslocked(&guard, n).unwrap();
        drop(guard);
        b.join().unwrap().unwrap();
        assert!(hp.is_online(3).unwrap());
        assert!(
            !ran_on_3.load(Ordering::SeqCst),
            "the bring-up ran the callback inside the locked window"
        );
    }
}

fn unlocked_backout(env: Env) {
    let hp = Arc::new((env.mk)(HotplugConfig {
        cpus: 4,
        online: vec![0, 1, 2],
    }));
    let (cb, ran_on_3) = watcher(3);
    let n = hp
        .setup_state(
            State::AP_ONLINE_DYN,
            "arm/hw_breakpoint:online",
            Some(cb),
            None,
        )
        .unwrap();
    // Without the lock, nothing stops CPU 3 from coming online here.
    let hp2 = Arc::clone(&hp);
    std::thread::spawn(move || hp2.cpu_up(3))
        .join()
        .unwrap()
        .unwrap();
    hp.remove_state_nocalls(n).unwrap();
    assert!(
        ran_on_3.load(Ordering::SeqCst),
        "without the lock the bring-up runs the callback"
    );
}

#[test]
fn locked_backout_inline() {
    locked_backout(INLINE);
}

#[test]
fn locked_backout_threaded() {
    locked_backout(THREADED);
}

#[test]
fn unlocked_backout_inline() {
    unlocked_backout(INLINE);
}

#[test]
fn unlocked_backout_threaded() {
    unlocked_backout(THREADED);
}

#[test]
fn trylock_fails_while_a_bringup_waits_or_runs() {
    let hp =
        Arc::new(Hotplug::new(HotplugConfig::boot_cpu_only(2), cpuhp::InlineExecutor).unwrap());
    let g = hp.cpus_read_trylock().expect("no writer yet");
    let hp2 = Arc::clone(&hp);
    let b = std::thread::spawn(move || hp2.cpu_up(1));
    // Wait until the writer is queued: from then on trylock must fail.
    while let Some(g2) = hp.cpus_read_trylock() {
        drop(g2);
        std::thread::yield_now();
    }
    assert_eq!(hp.state_of(1).unwrap(), State::OFFLINE);
    drop(g);
    b.join().unwrap().unwrap();
    assert!(hp.cpus_read_trylock().is_some());
}
