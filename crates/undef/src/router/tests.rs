//! The router's unit tests: matching order, the decline policy, the outcome forms,
//! CPU slots and QSBR handles, and unregistering under concurrent routes.
#![allow(clippy::unwrap_used)]

use alloc::sync::Arc;
use alloc::vec::Vec;

use super::snapshot::key_of;
use super::*;
use crate::error::UndefError;
use crate::frame::{Consequence, InstrSize, TrapFrame};
use crate::frame::{PSR_T_BIT, SVC_MODE, USR_MODE};
use crate::hook::{HookResult, UndefHook};
use crate::sync::Ordering;
use alloc::vec;

fn counting(
    name: &'static str,
    mask: u32,
    val: u32,
    result: HookResult,
    log: &Arc<std::sync::Mutex<Vec<&'static str>>>,
) -> UndefHook {
    let log = Arc::clone(log);
    UndefHook::new(name, mask, val, move |f, _| {
        log.lock().unwrap().push(name);
        if result == HookResult::Handled {
            f.skip_instruction(InstrSize::Four);
        }
        result
    })
    .unwrap()
}

#[test]
fn snapshot_scan_agrees_with_linear_scan() {
    let r = UndefRouter::new();
    let log = Arc::default();
    // 20 hooks; hook i matches instructions whose low byte is i (so one each), plus
    // every 7th also matches everything with bit 31.
    let guards: Vec<_> = (0..20u32)
        .map(|i| {
            let (m, v) = if i % 7 == 0 {
                (0x8000_0000, 0x8000_0000)
            } else {
                (0xFF, i)
            };
            r.register(counting("h", m, v, HookResult::NotHandled, &log))
        })
        .collect();
    let check = |r: &UndefRouter, linear: bool| {
        let snap = r.inner.hooks.read(0);
        assert_eq!(snap.matcher.is_none(), linear);
        for instr in [0u32, 3, 8, 9, 15, 16, 19, 0x8000_0005, 0x8000_0013] {
            for from in 0..22 {
                let expect = snap
                    .hooks
                    .iter()
                    .enumerate()
                    .skip(from)
                    .find(|(_, (_, h))| h.matches(instr, 0))
                    .map(|(i, _)| i);
                let got = snap.next_match(from, key_of(instr, 0));
                assert_eq!(got.map(|(i, _)| i), expect, "{instr:#x} {from}");
                if let (Some((i, e)), Some((id, _))) = (got, expect.map(|i| &snap.hooks[i])) {
                    assert_eq!((e.hook.id, i), (*id, expect.unwrap_or(usize::MAX)));
                }
            }
        }
    };
    // 20 hooks: the bitset matcher; then 10: the linear scan.
    check(&r, false);
    let mut guards = guards;
    guards.truncate(10);
    check(&r, true);
    drop(guards);
}

#[test]
fn route_status_agrees_with_route_outcome_on_every_path() {
    use std::sync::atomic::AtomicUsize;
    for fallback in [Fallback::None, Fallback::NextMatching] {
        let r = UndefRouter::with_options(fallback, 4);
        let log = Arc::default();
        let calls = Arc::new(AtomicUsize::new(0));
        // 0xE7F0_00F0: `a` declines, then (NextMatching) `b` (matches everything)
        // handles; 0xE7F0_00F1: the same with `c`; anything else: `b` handles, and
        // once `b` is gone nothing matches.
        let a = r.register(counting(
            "a",
            0xFFFF_FFFF,
            0xE7F0_00F0,
            HookResult::NotHandled,
            &log,
        ));
        let c = r.register(counting(
            "c",
            0xFFFF_FFFF,
            0xE7F0_00F1,
            HookResult::NotHandled,
            &log,
        ));
        let b = r.register(skip_hook("b", &calls));
        let mut cpu = r.claim_cpu(1).unwrap();
        let mut qsbr = r.qsbr_handle(2).unwrap();
        for (instr, expect) in [
            (
                0xE7F0_00F0,
                match fallback {
                    Fallback::None => RouteStatus::Declined(a.hook().id),
                    Fallback::NextMatching => RouteStatus::Handled(b.hook().id),
                },
            ),
            (
                0xE7F0_00F1,
                match fallback {
                    Fallback::None => RouteStatus::Declined(c.hook().id),
                    Fallback::NextMatching => RouteStatus::Handled(b.hook().id),
                },
            ),
            (0x0000_DE01, RouteStatus::Handled(b.hook().id)),
        ] {
            let route = |f: &mut dyn FnMut(&mut TrapFrame) -> RouteStatus| {
                let mut frame = TrapFrame::new(1, USR_MODE, 0x8000);
                let status = f(&mut frame);
                (status, frame.pc())
            };
            let via_outcome =
                route(&mut |f| RouteStatus::from(r.route_instruction(f, instr, InstrSize::Four)));
            assert_eq!(via_outcome.0, expect, "{fallback:?} {instr:#x}");
            let shared = route(&mut |f| r.route_instruction_status(f, instr, InstrSize::Four));
            let handle = route(&mut |f| cpu.route_instruction_status(f, instr, InstrSize::Four));
            let online = route(&mut |f| qsbr.route_instruction_status(f, instr, InstrSize::Four));
            qsbr.offline();
            let offline = route(&mut |f| qsbr.route_instruction_status(f, instr, InstrSize::Four));
            qsbr.online();
            for got in [shared, handle, online, offline] {
                assert_eq!(got, via_outcome, "{fallback:?} {instr:#x}");
            }
            assert_eq!(expect.is_handled(), via_outcome.1 == 0x8004);
        }
        qsbr.unregister(b); // offline meanwhile: this thread holds an online handle
        let mut frame = TrapFrame::new(1, USR_MODE, 0x8000);
        let status = qsbr.route_instruction_status(&mut frame, 0x0000_DE01, InstrSize::Two);
        assert_eq!(status, RouteStatus::NoMatchingHook);
        assert_eq!((status.is_handled(), status.hook_id()), (false, None));
        assert_eq!(
            RouteStatus::Declined(a.hook().id).hook_id(),
            Some(a.hook().id)
        );
        assert_eq!(
            RouteStatus::from(r.route_instruction(&mut frame, 0, InstrSize::Four)),
            RouteStatus::NoMatchingHook
        );
        assert_eq!(core::mem::size_of::<RouteStatus>(), 16);
        drop(qsbr);
    }
}

#[test]
fn earliest_registered_wins_and_no_fallback_by_default() {
    let r = UndefRouter::new();
    let log = Arc::default();
    let h1 = r.register(counting("h1", 0, 0, HookResult::NotHandled, &log));
    let _h2 = r.register(counting("h2", 0, 0, HookResult::Handled, &log));
    let mut f = TrapFrame::new(1, USR_MODE, 0x8000);
    let out = r.route_instruction(&mut f, 0xE7F0_00F0, InstrSize::Four);
    assert_eq!(
        out,
        RouteOutcome::Unhandled {
            reason: UnhandledReason::Declined(h1.hook()),
            instr: 0xE7F0_00F0,
            size: InstrSize::Four,
            consequence: Consequence::for_state(USR_MODE, 0x8000),
        }
    );
    assert_eq!(*log.lock().unwrap(), vec!["h1"]);
    assert_eq!(f.pc(), 0x8000);
    h1.unregister();
    let out = r.route_instruction(&mut f, 0xE7F0_00F0, InstrSize::Four);
    assert_eq!(out.hook().map(|h| h.name), Some("h2"));
    assert!(out.is_handled());
    assert_eq!(f.pc(), 0x8004);
    assert_eq!(*log.lock().unwrap(), vec!["h1", "h2"]);
}

#[test]
fn next_matching_policy_passes_declined_trap_on() {
    let r = UndefRouter::with_fallback(Fallback::NextMatching);
    let log = Arc::default();
    let _a = r.register(counting("a", 0, 0, HookResult::NotHandled, &log));
    let _skip = r.register(counting("other", 0xFFFF_FFFF, 1, HookResult::Handled, &log));
    let _b = r.register(counting("b", 0, 0, HookResult::NotHandled, &log));
    let c = r.register(counting("c", 0, 0, HookResult::Handled, &log));
    let _d = r.register(counting("d", 0, 0, HookResult::Handled, &log));
    let mut f = TrapFrame::new(0, SVC_MODE, 0x100);
    let out = r.route_instruction(&mut f, 0xEE00_0E10, InstrSize::Four);
    assert_eq!(
        out,
        RouteOutcome::Handled {
            hook: c.hook(),
            instr: 0xEE00_0E10,
            size: InstrSize::Four
        }
    );
    assert_eq!(*log.lock().unwrap(), vec!["a", "b", "c"]);
}

#[test]
fn next_matching_all_decline_reports_last_decliner() {
    let r = UndefRouter::with_fallback(Fallback::NextMatching);
    let log = Arc::default();
    let _a = r.register(counting("a", 0, 0, HookResult::NotHandled, &log));
    let b = r.register(counting("b", 0, 0, HookResult::NotHandled, &log));
    let mut f = TrapFrame::new(0, SVC_MODE | PSR_T_BIT, 0x100);
    let out = r.route_instruction(&mut f, 0xDE01, InstrSize::Two);
    assert_eq!(
        out,
        RouteOutcome::Unhandled {
            reason: UnhandledReason::Declined(b.hook()),
            instr: 0xDE01,
            size: InstrSize::Two,
            consequence: Consequence::Oops {
                message: crate::OOPS_UNDEFINED_INSTRUCTION,
                pc: 0x100
            },
        }
    );
    assert_eq!(*log.lock().unwrap(), vec!["a", "b"]);
}

#[test]
fn consequence_uses_state_at_trap_not_after_decliner() {
    let r = UndefRouter::new();
    let _h = r.register(
        UndefHook::new("mangler", 0, 0, |f, _| {
            f.set_pc(0xDEAD);
            f.cpsr = SVC_MODE;
            HookResult::NotHandled
        })
        .unwrap(),
    );
    let mut f = TrapFrame::new(0, USR_MODE, 0x8000);
    let out = r.route_instruction(&mut f, 0, InstrSize::Four);
    assert!(matches!(
        out,
        RouteOutcome::Unhandled {
            consequence: Consequence::Sigill {
                si_addr: 0x8000,
                ..
            },
            ..
        }
    ));
}

#[test]
fn listing_and_registration_state() {
    let r = UndefRouter::new();
    assert!(r.hooks().is_empty());
    let g = r.register(UndefHook::debug_reg_hook("debug_reg_hook", |_, _| {
        HookResult::Handled
    }));
    let id = g.hook().id;
    assert!(r.is_registered(id));
    assert_eq!(r.hooks().len(), 1);
    assert_eq!(r.hooks()[0].instr_mask, 0x0FE8_0F10);
    assert_eq!(r.hooks()[0].instr_val, 0x0E00_0E10);
    let r2 = r.clone();
    drop(g);
    assert!(!r2.is_registered(id));
    assert!(r.hooks().is_empty());
}

#[test]
fn cpu_handles_claim_release_and_route_like_the_router() {
    let r = UndefRouter::with_options(Fallback::None, 4);
    assert_eq!(r.max_cpus(), 4);
    assert_eq!(
        r.claim_cpu(4).unwrap_err(),
        UndefError::CpuOutOfRange {
            cpu: 4,
            max_cpus: 4
        }
    );
    let mut h2 = r.claim_cpu(2).unwrap();
    assert_eq!(
        r.claim_cpu(2).unwrap_err(),
        UndefError::CpuAlreadyClaimed { cpu: 2 }
    );
    assert_eq!(h2.cpu(), 2);
    let log = Arc::default();
    let g = r.register(counting(
        "h",
        0x0FE8_0F10,
        0x0E00_0E10,
        HookResult::Handled,
        &log,
    ));
    let mut f1 = TrapFrame::new(2, SVC_MODE, 0x100);
    let mut f2 = f1.clone();
    let via_handle = h2.route_instruction(&mut f1, 0xEE10_0E10, InstrSize::Four);
    let via_router = r.route_instruction(&mut f2, 0xEE10_0E10, InstrSize::Four);
    assert_eq!(via_handle, via_router);
    assert_eq!(via_handle.hook(), Some(g.hook()));
    assert_eq!((f1.pc(), f2.pc()), (0x104, 0x104));
    drop(g);
    let out = h2.route_instruction(&mut f1, 0xEE10_0E10, InstrSize::Four);
    assert!(!out.is_handled());
    drop(h2);
    let h2again = r.claim_cpu(2).unwrap();
    assert!(core::ptr::eq(
        Arc::as_ptr(&h2again.router().inner),
        Arc::as_ptr(&r.inner)
    ));
}

#[test]
fn unregister_while_routing_threads() {
    use std::sync::atomic::{AtomicBool, AtomicUsize};
    let r = UndefRouter::new();
    let calls = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let c = Arc::clone(&calls);
    let g = r.register(
        UndefHook::new("victim", 0, 0, move |f, _| {
            c.fetch_add(1, Ordering::SeqCst);
            f.skip_instruction(InstrSize::Four);
            HookResult::Handled
        })
        .unwrap(),
    );
    let workers: Vec<_> = (0..2u32)
        .map(|cpu| {
            let r = r.clone();
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let mut handled = 0usize;
                // CPU 0 routes through its private slot, CPU 1 through the shared ones.
                let mut handle = (cpu == 0).then(|| r.claim_cpu(cpu).unwrap());
                while !stop.load(Ordering::SeqCst) {
                    let mut f = TrapFrame::new(cpu, USR_MODE, 0);
                    let out = match handle.as_mut() {
                        Some(h) => h.route_instruction(&mut f, 0, InstrSize::Four),
                        None => r.route_instruction(&mut f, 0, InstrSize::Four),
                    };
                    handled += usize::from(out.is_handled());
                    assert_eq!(out.is_handled(), f.pc() == 4);
                }
                handled
            })
        })
        .collect();
    while calls.load(Ordering::SeqCst) < 1000 {
        std::thread::yield_now();
    }
    g.unregister();
    let frozen = calls.load(Ordering::SeqCst);
    // Routes keep running; none may call the hook any more.
    let before = r.inner.hooks.read(0).hooks.len();
    assert_eq!(before, 0);
    for _ in 0..1000 {
        std::thread::yield_now();
    }
    assert_eq!(calls.load(Ordering::SeqCst), frozen);
    stop.store(true, Ordering::SeqCst);
    let handled: usize = workers.into_iter().map(|w| w.join().unwrap()).sum();
    // Every call was reported as handled by exactly one route: none lost or doubled.
    assert_eq!(handled, frozen);
}

fn skip_hook(name: &'static str, calls: &Arc<std::sync::atomic::AtomicUsize>) -> UndefHook {
    let c = Arc::clone(calls);
    UndefHook::new(name, 0, 0, move |f, _| {
        c.fetch_add(1, Ordering::SeqCst);
        f.skip_instruction(InstrSize::Four);
        HookResult::Handled
    })
    .unwrap()
}

/// Runs `f` on a new thread; returns a flag set when it finished, and the thread.
fn spawn_flagged(
    f: impl FnOnce() + Send + 'static,
) -> (
    Arc<std::sync::atomic::AtomicBool>,
    std::thread::JoinHandle<()>,
) {
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let d = Arc::clone(&done);
    let t = std::thread::spawn(move || {
        f();
        d.store(true, Ordering::SeqCst);
    });
    (done, t)
}

fn wait_for(flag: &std::sync::atomic::AtomicBool) {
    let t0 = std::time::Instant::now();
    while !flag.load(Ordering::SeqCst) {
        assert!(t0.elapsed().as_secs() < 30, "writer never finished");
        std::thread::yield_now();
    }
}

#[test]
fn qsbr_handle_claims_the_cpu_slot_and_routes_like_the_router() {
    let r = UndefRouter::with_options(Fallback::None, 4);
    assert_eq!(
        r.qsbr_handle(4).unwrap_err(),
        UndefError::CpuOutOfRange {
            cpu: 4,
            max_cpus: 4
        }
    );
    let mut q = r.qsbr_handle(3).unwrap();
    assert!(q.is_online());
    assert_eq!(q.cpu(), 3);
    // One handle of either kind per CPU.
    assert_eq!(
        r.qsbr_handle(3).unwrap_err(),
        UndefError::CpuAlreadyClaimed { cpu: 3 }
    );
    assert_eq!(
        r.claim_cpu(3).unwrap_err(),
        UndefError::CpuAlreadyClaimed { cpu: 3 }
    );
    let c = r.claim_cpu(2).unwrap();
    assert_eq!(
        r.qsbr_handle(2).unwrap_err(),
        UndefError::CpuAlreadyClaimed { cpu: 2 }
    );
    drop(c);
    let log = Arc::default();
    let g = q.register(counting(
        "h",
        0x0FE8_0F10,
        0x0E00_0E10,
        HookResult::Handled,
        &log,
    ));
    assert!(q.is_online(), "register restores the online state");
    let mut f1 = TrapFrame::new(3, SVC_MODE, 0x100);
    let mut f2 = f1.clone();
    let via_qsbr = q.route_instruction(&mut f1, 0xEE10_0E10, InstrSize::Four);
    let via_router = r.route_instruction(&mut f2, 0xEE10_0E10, InstrSize::Four);
    assert_eq!(via_qsbr, via_router);
    assert_eq!(via_qsbr.hook(), Some(g.hook()));
    assert_eq!((f1.pc(), f2.pc()), (0x104, 0x104));
    // Offline, it still routes (through the owned-slot path) with the same result.
    q.offline();
    assert!(!q.is_online());
    let mut f3 = TrapFrame::new(3, SVC_MODE, 0x100);
    assert_eq!(
        q.route_instruction(&mut f3, 0xEE10_0E10, InstrSize::Four),
        via_router
    );
    q.quiescent(); // no-op offline: stays offline
    assert!(!q.is_online());
    q.online();
    q.online(); // idempotent
    assert!(q.is_online());
    q.unregister(g);
    assert!(q.is_online(), "unregister restores the online state");
    assert!(!q
        .route_instruction(&mut f1, 0xEE10_0E10, InstrSize::Four)
        .is_handled());
    assert!(format!("{q:?}").contains("online: true"));
    // with_offline restores an offline handle to offline.
    q.offline();
    assert!(q.with_offline(|| 7) == 7 && !q.is_online());
    // Dropping releases the slot, for either kind of handle.
    drop(q);
    let q2 = r.qsbr_handle(3).unwrap();
    assert!(core::ptr::eq(
        Arc::as_ptr(&q2.router().inner),
        Arc::as_ptr(&r.inner)
    ));
    drop(q2);
    drop(r.claim_cpu(3).unwrap());
}

#[test]
fn writer_waits_for_an_online_handle_until_it_reports() {
    use std::sync::atomic::AtomicUsize;
    let r = UndefRouter::new();
    let calls = Arc::new(AtomicUsize::new(0));
    let mut q = r.qsbr_handle(5).unwrap();
    // This thread holds an online handle: register through it (offline meanwhile).
    let g = q.register(skip_hook("h", &calls));
    let mut f = TrapFrame::new(5, USR_MODE, 0);
    assert!(q.route_instruction(&mut f, 0, InstrSize::Four).is_handled());
    // The old snapshot holds a clone of the handler (and its `calls` Arc) until the
    // writer frees it: watch the count to see when it is freed.
    let before = Arc::strong_count(&calls);
    let (done, t) = spawn_flagged(move || g.unregister());
    std::thread::sleep(std::time::Duration::from_millis(100));
    assert!(
        !done.load(Ordering::SeqCst),
        "writer did not wait for the handle"
    );
    assert_eq!(Arc::strong_count(&calls), before, "freed before the report");
    q.quiescent();
    wait_for(&done);
    t.join().unwrap();
    assert_eq!(Arc::strong_count(&calls), 1, "old snapshot freed");
    assert!(!q.route_instruction(&mut f, 0, InstrSize::Four).is_handled());
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[test]
fn writer_waits_for_an_online_handle_until_it_routes_or_drops() {
    let r = UndefRouter::new();
    let mut q = r.qsbr_handle(0).unwrap();
    let r2 = r.clone();
    let (done, t) = spawn_flagged(move || {
        drop(r2.register(UndefHook::debug_reg_hook("h", |_, _| HookResult::Handled)))
    });
    std::thread::sleep(std::time::Duration::from_millis(50));
    assert!(!done.load(Ordering::SeqCst));
    // A route reports at its end (it may run on either snapshot).
    let mut f = TrapFrame::new(0, USR_MODE, 0);
    q.route_instruction(&mut f, 0, InstrSize::Four);
    // The writer registers then unregisters: the second grace period needs another
    // report; dropping the handle (offline) gives it.
    std::thread::sleep(std::time::Duration::from_millis(50));
    drop(q);
    wait_for(&done);
    t.join().unwrap();
}

#[test]
fn writer_does_not_wait_for_offline_handles() {
    let r = UndefRouter::new();
    let mut q = r.qsbr_handle(1).unwrap();
    q.offline();
    // Writers on this thread and others complete although q never reports.
    let g = r.register(UndefHook::debug_reg_hook("h", |_, _| HookResult::Handled));
    let r2 = r.clone();
    let (done, t) = spawn_flagged(move || {
        drop(r2.register(UndefHook::debug_reg_hook("h2", |_, _| HookResult::Handled)))
    });
    wait_for(&done);
    t.join().unwrap();
    drop(g);
    assert!(r.hooks().is_empty());
    // Back online, writers wait for it again; QsbrRouter::register does not deadlock
    // on its own handle.
    q.online();
    let g = q.register(UndefHook::debug_reg_hook("h3", |_, _| HookResult::Handled));
    q.unregister(g);
    assert!(q.with_offline(|| r.hooks().is_empty()));
}

#[test]
fn qsbr_no_call_after_unregister_returns() {
    use std::sync::atomic::{AtomicBool, AtomicUsize};
    for round in 0..20u32 {
        let r = UndefRouter::new();
        let calls = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let g = r.register(skip_hook("victim", &calls));
        let workers: Vec<_> = (0..2u32)
            .map(|cpu| {
                let (r, stop) = (r.clone(), Arc::clone(&stop));
                std::thread::spawn(move || {
                    let mut q = r.qsbr_handle(cpu).unwrap();
                    let mut handled = 0usize;
                    let mut n = 0u32;
                    while !stop.load(Ordering::SeqCst) {
                        let mut f = TrapFrame::new(cpu, USR_MODE, 0);
                        let out = q.route_instruction(&mut f, 0, InstrSize::Four);
                        handled += usize::from(out.is_handled());
                        assert_eq!(out.is_handled(), f.pc() == 4);
                        n = n.wrapping_add(1);
                        // Exercise offline/online transitions while racing writers.
                        if (n + round) % 97 == 0 {
                            q.offline();
                            std::thread::yield_now();
                            q.online();
                        }
                    }
                    handled
                })
            })
            .collect();
        while calls.load(Ordering::SeqCst) < 200 {
            std::thread::yield_now();
        }
        g.unregister();
        let frozen = calls.load(Ordering::SeqCst);
        for _ in 0..200 {
            std::thread::yield_now();
        }
        assert_eq!(
            calls.load(Ordering::SeqCst),
            frozen,
            "call after unregister"
        );
        stop.store(true, Ordering::SeqCst);
        let handled: usize = workers.into_iter().map(|w| w.join().unwrap()).sum();
        assert_eq!(handled, frozen, "lost or doubled call");
    }
}

/// Snapshot entries call each handler's closure through a reference taken from its
/// `Arc` when the snapshot is built (`HandlerRef`): it must address the closure
/// whatever its alignment and size (the `Arc` places it at an offset that depends on
/// the alignment), and stay valid while the snapshot lives even after the caller
/// dropped its own copies of the hook and handler.
#[test]
fn snapshot_calls_each_handler_whatever_its_layout() {
    #[repr(align(128))]
    struct Wide([u32; 40]);
    let wide = Wide(core::array::from_fn(|i| 0x100 + i as u32));
    let small = 7u8;
    let shared: crate::Handler = Arc::new(move |f: &mut TrapFrame, _| {
        f.regs[3] = u32::from(small);
        f.skip_instruction(InstrSize::Four);
        HookResult::Handled
    });
    let r = UndefRouter::new();
    let guards = [
        // Over-aligned capture: the closure sits 128 bytes into the Arc allocation.
        r.register(
            UndefHook::new("wide", 0xFFFF_FFFF, 1, move |f: &mut TrapFrame, _| {
                f.regs[1] = wide.0[39];
                f.skip_instruction(InstrSize::Four);
                HookResult::Handled
            })
            .unwrap(),
        ),
        // A zero-sized fn item.
        r.register(
            UndefHook::new("zst", 0xFFFF_FFFF, 2, |f: &mut TrapFrame, _| {
                f.regs[2] = 2;
                HookResult::NotHandled
            })
            .unwrap(),
        ),
        // A handler shared through `from_handler`; our copy is dropped below.
        r.register(UndefHook::from_handler("shared", 0xFFFF_FFFF, 3, Arc::clone(&shared)).unwrap()),
    ];
    drop(shared);
    // Every path, on the 3-hook snapshot (linear scan), then on one of 23 hooks
    // (bitset matcher): each rebuild re-derives the entries from the owned `Arc`s.
    let check = |r: &UndefRouter| {
        let mut q = r.qsbr_handle(0).unwrap();
        let mut f = TrapFrame::new(0, SVC_MODE, 0);
        assert!(q.route_instruction(&mut f, 1, InstrSize::Four).is_handled());
        assert_eq!((f.regs[1], f.pc()), (0x100 + 39, 4));
        assert_eq!(
            q.route_instruction_status(&mut f, 2, InstrSize::Four),
            RouteStatus::Declined(guards[1].hook().id)
        );
        assert_eq!((f.regs[2], f.pc()), (2, 4));
        drop(q);
        let mut c = r.claim_cpu(1).unwrap();
        assert!(c.route_instruction(&mut f, 3, InstrSize::Four).is_handled());
        assert_eq!((f.regs[3], f.pc()), (7, 8));
        drop(c);
        assert!(r.route_instruction(&mut f, 1, InstrSize::Four).is_handled());
        assert_eq!(f.pc(), 12);
    };
    check(&r);
    let more: Vec<_> = (0..20u32)
        .map(|i| {
            r.register(
                UndefHook::new("filler", 0xFFFF_FFFF, 0x100 + i, |_, _| HookResult::Handled)
                    .unwrap(),
            )
        })
        .collect();
    assert!(r.inner.hooks.read(0).matcher.is_some());
    check(&r);
    drop(more);
    assert!(r.inner.hooks.read(0).matcher.is_none());
    check(&r);
}
