//! loom model check of register/unregister racing `route`.
//!
//! Run: `RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target-i-loom cargo test -p undef --release --test loom`
//!
//! Properties (crate docs, "Concurrency guarantees"):
//! * no handler call runs or starts after `unregister` returns;
//! * none is lost: a route that starts after `register` returned calls the hook;
//! * no double run: a route calls each handler at most once and reports exactly the
//!   hook it called;
//! * memory safety of snapshot reclamation (loom's `UnsafeCell` witness inside the
//!   snapshot checks that the free happens after every reader's last access).
//!
//! The `qsbr_*` models check the same through `QsbrRouter` handles (barrier-free reads,
//! quiescent reports, offline/online), where the witness proves the free happens after
//! the reader's quiescent report (or offline store).
#![cfg(loom)]
#![allow(clippy::unwrap_used)]

use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;
use undef::{
    HookResult, InstrSize, QsbrRouter, RouteOutcome, TrapFrame, UndefHook, UndefRouter, USR_MODE,
};

fn counting(name: &'static str, calls: &Arc<AtomicUsize>) -> UndefHook {
    let calls = Arc::clone(calls);
    UndefHook::new(name, 0, 0, move |f, _| {
        calls.fetch_add(1, Ordering::SeqCst);
        f.skip_instruction(InstrSize::Four);
        HookResult::Handled
    })
    .unwrap()
}

fn route_once(router: &UndefRouter, cpu: u32) -> RouteOutcome {
    let mut f = TrapFrame::new(cpu, USR_MODE, 0x8000);
    let out = router.route_instruction(&mut f, 0xEE10_0E10, InstrSize::Four);
    assert_eq!(out.is_handled(), f.pc() == 0x8004);
    out
}

/// Exhaustive exploration (no preemption bound unless `LOOM_MAX_PREEMPTIONS` is set):
/// all nine models together take about 15–25 s in release mode on the 2-core CI machine.
fn model(f: impl Fn() + Sync + Send + 'static) {
    loom::model::Builder::new().check(f);
}

#[test]
fn no_call_after_unregister_returns() {
    model(|| {
        let router = UndefRouter::new();
        let calls = Arc::new(AtomicUsize::new(0));
        let guard = router.register(counting("h", &calls));
        let r = router.clone();
        let t = thread::spawn(move || route_once(&r, 1).is_handled());
        guard.unregister();
        let at_return = calls.load(Ordering::SeqCst);
        // A route after unregister returned never sees the hook.
        assert!(!route_once(&router, 0).is_handled());
        let handled = t.join().unwrap();
        assert_eq!(
            calls.load(Ordering::SeqCst),
            at_return,
            "call after unregister"
        );
        assert_eq!(at_return, usize::from(handled), "lost or doubled call");
    });
}

#[test]
fn no_call_lost_after_register_returns() {
    model(|| {
        let router = UndefRouter::new();
        let calls = Arc::new(AtomicUsize::new(0));
        let registered = Arc::new(AtomicBool::new(false));
        let (r, reg) = (router.clone(), Arc::clone(&registered));
        let t = thread::spawn(move || {
            // Races with register: either outcome is allowed.
            let first = route_once(&r, 1).is_handled();
            while !reg.load(Ordering::Acquire) {
                thread::yield_now();
            }
            // Starts after register returned: must call the hook.
            let second = route_once(&r, 1).is_handled();
            assert!(second, "route after register returned missed the hook");
            usize::from(first) + usize::from(second)
        });
        let guard = router.register(counting("h", &calls));
        registered.store(true, Ordering::Release);
        let handled = t.join().unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), handled);
        drop(guard);
    });
}

#[test]
fn unregister_earliest_while_routing_picks_one_hook_once() {
    model(|| {
        let router = UndefRouter::new();
        let c1 = Arc::new(AtomicUsize::new(0));
        let c2 = Arc::new(AtomicUsize::new(0));
        let g1 = router.register(counting("h1", &c1));
        let g2 = router.register(counting("h2", &c2));
        let (id1, id2) = (g1.hook().id, g2.hook().id);
        let r = router.clone();
        let t = thread::spawn(move || route_once(&r, 0));
        g1.unregister();
        let c1_at_return = c1.load(Ordering::SeqCst);
        let out = t.join().unwrap();
        assert_eq!(c1.load(Ordering::SeqCst), c1_at_return);
        // Exactly one of the two ran, exactly once, and the outcome names it.
        let (n1, n2) = (c1.load(Ordering::SeqCst), c2.load(Ordering::SeqCst));
        assert_eq!(n1 + n2, 1);
        let id = out.hook().unwrap().id;
        assert_eq!(id, if n1 == 1 { id1 } else { id2 });
        drop(g2);
    });
}

#[test]
fn two_routers_on_different_slots_and_a_writer() {
    model(|| {
        let router = UndefRouter::new();
        let calls = Arc::new(AtomicUsize::new(0));
        let guard = router.register(counting("h", &calls));
        let workers: Vec<_> = (0..2u32)
            .map(|cpu| {
                let r = router.clone();
                thread::spawn(move || usize::from(route_once(&r, cpu).is_handled()))
            })
            .collect();
        guard.unregister();
        let at_return = calls.load(Ordering::SeqCst);
        let handled: usize = workers.into_iter().map(|w| w.join().unwrap()).sum();
        assert_eq!(calls.load(Ordering::SeqCst), at_return);
        assert_eq!(handled, at_return);
    });
}

#[test]
fn cpu_handle_route_racing_unregister() {
    model(|| {
        let router = UndefRouter::new();
        let calls = Arc::new(AtomicUsize::new(0));
        let guard = router.register(counting("h", &calls));
        let mut handle = router.claim_cpu(1).unwrap();
        let t = thread::spawn(move || {
            let mut f = TrapFrame::new(1, USR_MODE, 0x8000);
            let a = handle
                .route_instruction(&mut f, 0xEE10_0E10, InstrSize::Four)
                .is_handled();
            // Second section through the same slot: exercises slot reuse across epochs.
            let mut f = TrapFrame::new(1, USR_MODE, 0x8000);
            let b = handle
                .route_instruction(&mut f, 0xEE10_0E10, InstrSize::Four)
                .is_handled();
            usize::from(a) + usize::from(b)
        });
        guard.unregister();
        let at_return = calls.load(Ordering::SeqCst);
        let handled = t.join().unwrap();
        assert_eq!(
            calls.load(Ordering::SeqCst),
            at_return,
            "call after unregister"
        );
        assert_eq!(at_return, handled);
    });
}

#[test]
fn cpu_handle_and_shared_route_with_register_then_unregister() {
    model(|| {
        let router = UndefRouter::new();
        let calls = Arc::new(AtomicUsize::new(0));
        let mut handle = router.claim_cpu(0).unwrap();
        let r = router.clone();
        let t = thread::spawn(move || {
            let mut f = TrapFrame::new(0, USR_MODE, 0x8000);
            let a = handle.route_instruction(&mut f, 0xEE10_0E10, InstrSize::Four);
            let b = route_once(&r, 1);
            usize::from(a.is_handled()) + usize::from(b.is_handled())
        });
        let guard = router.register(counting("h", &calls));
        guard.unregister();
        let at_return = calls.load(Ordering::SeqCst);
        let handled = t.join().unwrap();
        assert_eq!(
            calls.load(Ordering::SeqCst),
            at_return,
            "call after unregister"
        );
        assert_eq!(at_return, handled);
    });
}

fn qsbr_route(handle: &mut QsbrRouter) -> bool {
    let mut f = TrapFrame::new(handle.cpu(), USR_MODE, 0x8000);
    let handled = handle
        .route_instruction(&mut f, 0xEE10_0E10, InstrSize::Four)
        .is_handled();
    assert_eq!(handled, f.pc() == 0x8004);
    handled
}

#[test]
fn qsbr_route_racing_unregister() {
    model(|| {
        let router = UndefRouter::new();
        let calls = Arc::new(AtomicUsize::new(0));
        let guard = router.register(counting("h", &calls));
        // Online from here: the writer below waits for its reports.
        let mut handle = router.qsbr_handle(1).unwrap();
        let t = thread::spawn(move || {
            // Each route reports at its end; the second one starts after the first
            // report, so it may see the new snapshot; dropping goes offline.
            usize::from(qsbr_route(&mut handle)) + usize::from(qsbr_route(&mut handle))
        });
        guard.unregister();
        let at_return = calls.load(Ordering::SeqCst);
        let handled = t.join().unwrap();
        assert_eq!(
            calls.load(Ordering::SeqCst),
            at_return,
            "call after unregister"
        );
        assert_eq!(at_return, handled, "lost or doubled call");
    });
}

#[test]
fn qsbr_no_call_lost_after_register_returns() {
    model(|| {
        let router = UndefRouter::new();
        let calls = Arc::new(AtomicUsize::new(0));
        let registered = Arc::new(AtomicBool::new(false));
        let mut handle = router.qsbr_handle(0).unwrap();
        let reg = Arc::clone(&registered);
        let t = thread::spawn(move || {
            let first = qsbr_route(&mut handle);
            // The writer may need our report before `register` returns: wait offline
            // (blocking while online would stall it), then come back online.
            handle.offline();
            while !reg.load(Ordering::Acquire) {
                thread::yield_now();
            }
            handle.online();
            let second = qsbr_route(&mut handle);
            assert!(second, "route after register returned missed the hook");
            usize::from(first) + usize::from(second)
        });
        let guard = router.register(counting("h", &calls));
        registered.store(true, Ordering::Release);
        let handled = t.join().unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), handled);
        drop(guard);
    });
}

#[test]
fn qsbr_online_racing_unregister() {
    model(|| {
        let router = UndefRouter::new();
        let calls = Arc::new(AtomicUsize::new(0));
        let guard = router.register(counting("h", &calls));
        let mut handle = router.qsbr_handle(1).unwrap();
        handle.offline();
        let t = thread::spawn(move || {
            // Coming online races the writer's wait: either the writer sees us online
            // and waits for our report, or our route must see the new snapshot.
            handle.online();
            usize::from(qsbr_route(&mut handle))
        });
        guard.unregister();
        let at_return = calls.load(Ordering::SeqCst);
        let handled = t.join().unwrap();
        assert_eq!(
            calls.load(Ordering::SeqCst),
            at_return,
            "call after unregister"
        );
        assert_eq!(at_return, handled, "lost or doubled call");
    });
}
