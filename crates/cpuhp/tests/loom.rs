//! Loom model of the driver's back-out race (issue #4).
//!
//! Run with:
//! `RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target-c-loom cargo test -p cpuhp --release --test loom`
#![cfg(loom)]
#![allow(clippy::unwrap_used)]

use std::cell::Cell;
use std::sync::Arc;

use cpuhp::{Callback, Hotplug, HotplugConfig, InlineExecutor, State};
use loom::sync::atomic::{AtomicBool, Ordering};

loom::thread_local! {
    /// Set on the thread that requests the bring-up.
    static BRINGUP_THREAD: Cell<bool> = Cell::new(false);
}

/// A startup callback that notes whether the bring-up thread ran it for CPU 1.
fn watcher() -> (Callback, Arc<AtomicBool>) {
    let ran = Arc::new(AtomicBool::new(false));
    let r = Arc::clone(&ran);
    let cb: Callback = Arc::new(move |cpu| {
        if cpu == 1 && BRINGUP_THREAD.with(Cell::get) {
            r.store(true, Ordering::SeqCst);
        }
        Ok(())
    });
    (cb, ran)
}

/// Exhaustive exploration (no preemption bound): the models are small enough
/// to finish in well under a second.
fn builder() -> loom::model::Builder {
    let mut b = loom::model::Builder::new();
    b.preemption_bound = None;
    b
}

fn spawn_bringup(hp: &Arc<Hotplug>) -> loom::thread::JoinHandle<()> {
    let hp = Arc::clone(hp);
    loom::thread::spawn(move || {
        BRINGUP_THREAD.with(|b| b.set(true));
        hp.cpu_up(1).unwrap();
    })
}

#[test]
fn locked_backout_never_runs_callback_on_concurrent_bringup() {
    builder().check(|| {
        let hp = Arc::new(Hotplug::new(HotplugConfig::boot_cpu_only(2), InlineExecutor).unwrap());
        let (cb, ran) = watcher();
        let b = spawn_bringup(&hp);
        {
            let g = hp.cpus_read_lock().unwrap();
            let n = hp
                .setup_state_cpuslocked(
                    &g,
                    State::AP_ONLINE_DYN,
                    "arm/hw_breakpoint:online",
                    Some(cb),
                    None,
                )
                .unwrap();
            hp.remove_state_nocalls_cpuslocked(&g, n).unwrap();
        }
        b.join().unwrap();
        assert!(hp.is_online(1).unwrap());
        assert!(
            !ran.load(Ordering::SeqCst),
            "bring-up ran the callback in the locked window"
        );
    });
}

#[test]
fn unlocked_backout_can_run_callback_on_concurrent_bringup() {
    static SEEN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    builder().check(|| {
        let hp = Arc::new(Hotplug::new(HotplugConfig::boot_cpu_only(2), InlineExecutor).unwrap());
        let (cb, ran) = watcher();
        let b = spawn_bringup(&hp);
        let n = hp
            .setup_state(
                State::AP_ONLINE_DYN,
                "arm/hw_breakpoint:online",
                Some(cb),
                None,
            )
            .unwrap();
        hp.remove_state_nocalls(n).unwrap();
        b.join().unwrap();
        if ran.load(Ordering::SeqCst) {
            SEEN.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    });
    assert!(
        SEEN.load(std::sync::atomic::Ordering::SeqCst),
        "loom found no interleaving in which the unlocked window lets the bring-up run the callback"
    );
}

/// Setup with calls racing a CPU going down and up again: whatever the
/// interleaving, each CPU has run the startup exactly once more than the
/// teardown iff its final state is at or above the installed state.
#[test]
fn setup_racing_down_up_keeps_callbacks_balanced() {
    builder().check(|| {
        let hp = Arc::new(Hotplug::new(HotplugConfig::all_online(2), InlineExecutor).unwrap());
        let ups: Arc<[loom::sync::atomic::AtomicUsize; 2]> = Arc::new(Default::default());
        let downs: Arc<[loom::sync::atomic::AtomicUsize; 2]> = Arc::new(Default::default());
        let (u, d) = (Arc::clone(&ups), Arc::clone(&downs));
        let startup: Callback = Arc::new(move |cpu| {
            u[cpu].fetch_add(1, Ordering::SeqCst);
            Ok(())
        });
        let teardown: Callback = Arc::new(move |cpu| {
            d[cpu].fetch_add(1, Ordering::SeqCst);
            Ok(())
        });
        let hp2 = Arc::clone(&hp);
        let b = loom::thread::spawn(move || {
            hp2.cpu_down(1).unwrap();
            hp2.cpu_up(1).unwrap();
        });
        let n = hp
            .setup_state(
                State::AP_ONLINE_DYN,
                "t:online",
                Some(startup),
                Some(teardown),
            )
            .unwrap();
        b.join().unwrap();
        for cpu in 0..2 {
            let up = ups[cpu].load(Ordering::SeqCst);
            let down = downs[cpu].load(Ordering::SeqCst);
            let expected = usize::from(hp.state_of(cpu).unwrap() >= n);
            assert_eq!(
                up - down,
                expected,
                "cpu {cpu}: {up} startups, {down} teardowns"
            );
        }
    });
}
