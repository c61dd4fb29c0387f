//! Routing cost of `undef::UndefRouter` against the simple design, a
//! `Mutex<Vec<hook>>` list walk (written here as the baseline), in the same run.
//!
//! * `route/{router,mutex}/{1,8,64}`: one thread, n hooks registered, the matching hook
//!   registered last (so the scan visits all n). Targets: ≤ 5 ns at 1, ≤ 20 ns at 64.
//! * `route/cpu_handle/{1,8,64}`: the same through a per-vCPU `CpuRouter` handle.
//! * `route/qsbr/{1,8,64}`: the same through an online `QsbrRouter` handle (barrier-free
//!   read; each route ends with its implicit quiescent-state report, included).
//! * `route/qsbr_status/{1,8,64}`: the same handle and route through
//!   `route_instruction_status`, which returns the 16-byte `RouteStatus` (in registers)
//!   instead of the 56-byte `RouteOutcome`.
//! * `contended/{router,cpu_handle,qsbr,mutex}/8`: two threads route at once (CPU 0 and
//!   CPU 1) while a third registers and unregisters a hook in a loop; the figure is the
//!   mean time per route per routing thread (`iter_custom`). Target: within 2× of the
//!   single-thread figure. The QSBR threads report a quiescent state at the end of every
//!   route (without it the writer would wait forever); the cost is in the figure.
//!
//! Before timing, each configuration routes 10 000 traps through every path under a
//! counting allocator (`support/alloc_count.rs`): the bench prints the count and
//! panics unless it is 0.
//!
//! Every loop keeps the routing result where the route wrote it and passes
//! `black_box(&out)`: handing the value back to criterion (which `black_box`es it by
//! value) makes the loop copy it with 16-byte loads over the narrower stores that wrote
//! it, a store-to-load forwarding failure that stalled each iteration by 2–5 ns here
//! and measured the harness, not the route (BENCHMARKS.md, undef, "method").
//!
//! Both designs run the same handler (advance the PC by 4, return Handled) and the
//! baseline also walks earliest-first and stops at the first match (the kernel's
//! choice); it calls the handler while holding the lock, the simplest correct design.

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

#[path = "support/alloc_count.rs"]
mod alloc_count;
use undef::{HookResult, InstrSize, TrapFrame, UndefHook, UndefRouter, SVC_MODE};

/// `MRC p14, 0, r0, c0, c0, 0` (read DBGDIDR): the matching trapped word.
const TRAPPED: u32 = 0xEE10_0E10;

fn skip4(frame: &mut TrapFrame, _instr: u32) -> HookResult {
    frame.skip_instruction(InstrSize::Four);
    HookResult::Handled
}

/// A hook that does not match `TRAPPED` (exact-match pattern on another word).
#[allow(clippy::unwrap_used)] // valid constant patterns: instr_val inside instr_mask
fn filler(i: u32) -> UndefHook {
    UndefHook::new("filler", 0xFFFF_FFFF, 0xE7F0_00F0 + i, skip4).unwrap()
}

fn matching() -> UndefHook {
    UndefHook::debug_reg_hook("debug_reg_hook", skip4)
}

/// The lock-free router with `n` hooks, the matching one last.
fn router_with(n: u32) -> (UndefRouter, Vec<undef::HookGuard>) {
    let router = UndefRouter::new();
    let mut guards: Vec<_> = (0..n - 1).map(|i| router.register(filler(i))).collect();
    guards.push(router.register(matching()));
    (router, guards)
}

// ---- baseline: Mutex<Vec<hook>> ----

type BaseHandler = Arc<dyn Fn(&mut TrapFrame, u32) -> HookResult + Send + Sync>;

struct BaseHook {
    id: u64,
    instr_mask: u32,
    instr_val: u32,
    cpsr_mask: u32,
    cpsr_val: u32,
    handler: BaseHandler,
}

#[derive(Default)]
struct MutexRouter {
    hooks: Mutex<Vec<BaseHook>>,
}

impl MutexRouter {
    fn register(&self, h: &UndefHook, id: u64) {
        let hook = BaseHook {
            id,
            instr_mask: h.instr_mask(),
            instr_val: h.instr_val(),
            cpsr_mask: h.cpsr_mask(),
            cpsr_val: h.cpsr_val(),
            handler: Arc::new(skip4),
        };
        if let Ok(mut v) = self.hooks.lock() {
            v.push(hook);
        }
    }

    fn unregister(&self, id: u64) {
        if let Ok(mut v) = self.hooks.lock() {
            v.retain(|h| h.id != id);
        }
    }

    fn route(&self, frame: &mut TrapFrame, instr: u32) -> bool {
        let Ok(hooks) = self.hooks.lock() else {
            return false;
        };
        let cpsr = frame.cpsr;
        match hooks
            .iter()
            .find(|h| (instr & h.instr_mask) == h.instr_val && (cpsr & h.cpsr_mask) == h.cpsr_val)
        {
            Some(h) => (h.handler)(frame, instr) == HookResult::Handled,
            None => false,
        }
    }
}

fn mutex_with(n: u32) -> MutexRouter {
    let r = MutexRouter::default();
    for i in 0..n - 1 {
        r.register(&filler(i), u64::from(i));
    }
    r.register(&matching(), u64::from(n));
    r
}

/// 10 000 routes through each path under a counting allocator: prints the
/// count and panics unless it is 0 (routing is a no-allocation hot path).
fn assert_routes_do_not_allocate(router: &UndefRouter, n: u32) {
    let mut frame = TrapFrame::new(0, SVC_MODE, 0x8000);
    alloc_count::assert_no_alloc(&format!("route/router/{n}"), || {
        let out = router.route_instruction(&mut frame, black_box(TRAPPED), InstrSize::Four);
        black_box(&out);
    });
    let mut handle = router
        .claim_cpu(0)
        .expect("cpu 0 is in range and unclaimed");
    alloc_count::assert_no_alloc(&format!("route/cpu_handle/{n}"), || {
        let out = handle.route_instruction(&mut frame, black_box(TRAPPED), InstrSize::Four);
        black_box(&out);
    });
    drop(handle);
    let mut qsbr = router
        .qsbr_handle(0)
        .expect("cpu 0 is in range and unclaimed");
    alloc_count::assert_no_alloc(&format!("route/qsbr/{n}"), || {
        let out = qsbr.route_instruction(&mut frame, black_box(TRAPPED), InstrSize::Four);
        black_box(&out);
    });
    alloc_count::assert_no_alloc(&format!("route/qsbr_status/{n}"), || {
        let out = qsbr.route_instruction_status(&mut frame, black_box(TRAPPED), InstrSize::Four);
        black_box(&out);
    });
}

fn single_thread(c: &mut Criterion) {
    let mut g = c.benchmark_group("route");
    for n in [1u32, 8, 64] {
        let (router, _guards) = router_with(n);
        assert_routes_do_not_allocate(&router, n);
        g.bench_with_input(BenchmarkId::new("router", n), &n, |b, _| {
            let mut frame = TrapFrame::new(0, SVC_MODE, 0x8000);
            b.iter(|| {
                let out = router.route_instruction(
                    black_box(&mut frame),
                    black_box(TRAPPED),
                    InstrSize::Four,
                );
                black_box(&out);
            });
        });
        let mut handle = router
            .claim_cpu(0)
            .expect("cpu 0 is in range and unclaimed");
        g.bench_with_input(BenchmarkId::new("cpu_handle", n), &n, |b, _| {
            let mut frame = TrapFrame::new(0, SVC_MODE, 0x8000);
            b.iter(|| {
                let out = handle.route_instruction(
                    black_box(&mut frame),
                    black_box(TRAPPED),
                    InstrSize::Four,
                );
                black_box(&out);
            });
        });
        drop(handle);
        let mut qsbr = router
            .qsbr_handle(0)
            .expect("cpu 0 is in range and unclaimed");
        g.bench_with_input(BenchmarkId::new("qsbr", n), &n, |b, _| {
            let mut frame = TrapFrame::new(0, SVC_MODE, 0x8000);
            b.iter(|| {
                let out = qsbr.route_instruction(
                    black_box(&mut frame),
                    black_box(TRAPPED),
                    InstrSize::Four,
                );
                black_box(&out);
            });
        });
        g.bench_with_input(BenchmarkId::new("qsbr_status", n), &n, |b, _| {
            let mut frame = TrapFrame::new(0, SVC_MODE, 0x8000);
            b.iter(|| {
                let out = qsbr.route_instruction_status(
                    black_box(&mut frame),
                    black_box(TRAPPED),
                    InstrSize::Four,
                );
                black_box(&out);
            });
        });
        // Before `_guards` unregister: an online handle on this thread would make this
        // thread's writers wait for itself.
        drop(qsbr);
        let base = mutex_with(n);
        g.bench_with_input(BenchmarkId::new("mutex", n), &n, |b, _| {
            let mut frame = TrapFrame::new(0, SVC_MODE, 0x8000);
            b.iter(|| {
                let out = base.route(black_box(&mut frame), black_box(TRAPPED));
                black_box(&out);
            });
        });
    }
    g.finish();
}

/// Routes `iters` traps as CPU `cpu` and returns the time the loop took.
type RouteLoop = Arc<dyn Fn(u32, u64) -> Duration + Send + Sync>;
/// One register + unregister of a hook.
type Churn = Arc<dyn Fn() + Send + Sync>;

/// Runs `route_loop` on two threads (CPUs 0 and 1) while `churn` loops on a third;
/// returns the mean per-thread elapsed time (time / iters = time per route per thread).
fn contended_run(iters: u64, route_loop: &RouteLoop, churn: &Churn) -> Duration {
    let stop = Arc::new(AtomicBool::new(false));
    let start = Arc::new(Barrier::new(3));
    let writer = {
        let (stop, start, churn) = (Arc::clone(&stop), Arc::clone(&start), Arc::clone(churn));
        thread::spawn(move || {
            start.wait();
            while !stop.load(Ordering::Relaxed) {
                churn();
            }
        })
    };
    let workers: Vec<_> = (0..2u32)
        .map(|cpu| {
            let (start, route_loop) = (Arc::clone(&start), Arc::clone(route_loop));
            thread::spawn(move || {
                start.wait();
                route_loop(cpu, iters)
            })
        })
        .collect();
    let total: Duration = workers
        .into_iter()
        .map(|w| w.join().unwrap_or_default())
        .sum();
    stop.store(true, Ordering::Relaxed);
    let _ = writer.join();
    total / 2
}

fn contended(c: &mut Criterion) {
    let mut g = c.benchmark_group("contended");
    let n = 8;
    {
        let (router, _guards) = router_with(n);
        let r1 = router.clone();
        let route_loop: RouteLoop = Arc::new(move |cpu, iters| {
            let mut frame = TrapFrame::new(cpu, SVC_MODE, 0x8000);
            let t0 = Instant::now();
            for _ in 0..iters {
                let out = r1.route_instruction(
                    black_box(&mut frame),
                    black_box(TRAPPED),
                    InstrSize::Four,
                );
                black_box(&out);
            }
            t0.elapsed()
        });
        let r2 = router.clone();
        let churn: Churn = Arc::new(move || r2.register(filler(1000)).unregister());
        g.bench_function(BenchmarkId::new("router", n), |b| {
            b.iter_custom(|iters| contended_run(iters, &route_loop, &churn));
        });
        let r3 = router.clone();
        let handle_loop: RouteLoop = Arc::new(move |cpu, iters| {
            // Claimed per batch (outside the timed loop); each thread has its own CPU.
            let Ok(mut handle) = r3.claim_cpu(cpu) else {
                return Duration::ZERO;
            };
            let mut frame = TrapFrame::new(cpu, SVC_MODE, 0x8000);
            let t0 = Instant::now();
            for _ in 0..iters {
                let out = handle.route_instruction(
                    black_box(&mut frame),
                    black_box(TRAPPED),
                    InstrSize::Four,
                );
                black_box(&out);
            }
            t0.elapsed()
        });
        g.bench_function(BenchmarkId::new("cpu_handle", n), |b| {
            b.iter_custom(|iters| contended_run(iters, &handle_loop, &churn));
        });
        let r4 = router.clone();
        let qsbr_loop: RouteLoop = Arc::new(move |cpu, iters| {
            // Online per batch (outside the timed loop); dropped (offline) at the end so
            // the churning writer never waits for a finished thread.
            let Ok(mut handle) = r4.qsbr_handle(cpu) else {
                return Duration::ZERO;
            };
            let mut frame = TrapFrame::new(cpu, SVC_MODE, 0x8000);
            let t0 = Instant::now();
            for _ in 0..iters {
                // Reports a quiescent state at its end: the writer waits for that.
                let out = handle.route_instruction(
                    black_box(&mut frame),
                    black_box(TRAPPED),
                    InstrSize::Four,
                );
                black_box(&out);
            }
            t0.elapsed()
        });
        g.bench_function(BenchmarkId::new("qsbr", n), |b| {
            b.iter_custom(|iters| contended_run(iters, &qsbr_loop, &churn));
        });
    }
    {
        let base = Arc::new(mutex_with(n));
        let b1 = Arc::clone(&base);
        let route_loop: RouteLoop = Arc::new(move |cpu, iters| {
            let mut frame = TrapFrame::new(cpu, SVC_MODE, 0x8000);
            let t0 = Instant::now();
            for _ in 0..iters {
                let out = b1.route(black_box(&mut frame), black_box(TRAPPED));
                black_box(&out);
            }
            t0.elapsed()
        });
        let b2 = Arc::clone(&base);
        let churn: Churn = Arc::new(move || {
            b2.register(&filler(1000), 1000);
            b2.unregister(1000);
        });
        g.bench_function(BenchmarkId::new("mutex", n), |b| {
            b.iter_custom(|iters| contended_run(iters, &route_loop, &churn));
        });
    }
    g.finish();
}

criterion_group!(benches, single_thread, contended);
criterion_main!(benches);
