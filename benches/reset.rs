//! The hw_breakpoint per-CPU reset path and the whole init.
//!
//! * `reset/trap/<model>`: `reset_ctrl_regs` on one vCPU through the trap
//!   path (real MRC/MCR words → decode → semantics), targets: cortex-a15
//!   (6 BRPs / 4 WRPs) ≤ 300 ns, a 16/16 custom model ≤ 600 ns.
//! * `reset/direct/<model>`: the floor — the same register accesses, in the
//!   same order with the same decisions, done directly on the register file
//!   (`dbgregs::semantics::{read, write}`). Target: trap ≤ 3 × direct.
//!   Both variants end each iteration with the same direct DBGDSCR write
//!   that clears MDBGen again, so every iteration does the full
//!   monitor-mode enable (read, write, read-back) as a CPU fresh out of a
//!   debug power-up does.
//! * `init/<executor>/<N>`: `HwBreakpoint::init` on an N-vCPU cortex-a15
//!   machine (N = 1, 4, 64, 1024), inline and thread-per-CPU executors; the
//!   vCPUs are put back to their cold-reset state and the driver unloaded
//!   between iterations (outside the timed region). Target: inline at 1024
//!   ≤ 1 ms, linear in N.
//!
//! Printed with `eprintln`: the state size of a 1024-vCPU machine (target
//! ≤ 1 MiB) and the number of heap allocations made by 10 000 resets
//! (target 0, or the bench panics; counted by the wrapping global allocator
//! of `benches/support/alloc_count.rs`).

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use dbgemu::dbgregs::model::CoreModel;
use dbgemu::dbgregs::regmap::DebugRegister as R;
use dbgemu::dbgregs::semantics::{self, AccessContext, AccessOutcome};
use dbgemu::dbgregs::state::{DebugState, UnknownFill};
use dbgemu::driver::{HwBreakpoint, InitOptions};
use dbgemu::machine::{Executor, Machine, MachineConfig};

#[path = "support/alloc_count.rs"]
mod alloc_count;

const DSCR_MDBGEN: u32 = 1 << 15;

fn a15() -> Option<CoreModel> {
    CoreModel::preset("cortex-a15").ok().copied()
}

fn big() -> Option<CoreModel> {
    a15()?
        .to_builder()
        .name("custom-16x16")
        .brps(16)
        .wrps(16)
        .build()
        .ok()
}

fn rd(m: &CoreModel, s: &mut DebugState, r: R) -> u32 {
    match semantics::read(m, s, r, AccessContext::PL1) {
        AccessOutcome::Read(v) => v,
        _ => 0,
    }
}

fn wr(m: &CoreModel, s: &mut DebugState, r: R, v: u32) {
    black_box(semantics::write(m, s, r, v, AccessContext::PL1));
}

/// The floor: the v7.1 reset's accesses, straight on the register file.
fn direct_reset(m: &CoreModel, s: &mut DebugState, num_wrps: u8) {
    if rd(m, s, R::Dbgosdlr) & 1 == 1 {
        return;
    }
    wr(m, s, R::Dbgoslar, !0xC5AC_CE55);
    wr(m, s, R::Dbgvcr, 0);
    let brps = ((rd(m, s, R::Dbgdidr) >> 24) & 0xF) as u8 + 1;
    for i in 0..brps {
        wr(m, s, R::Dbgbcr(i), 0);
        wr(m, s, R::Dbgbvr(i), 0);
    }
    for i in 0..num_wrps {
        wr(m, s, R::Dbgwcr(i), 0);
        wr(m, s, R::Dbgwvr(i), 0);
    }
    let dscr = rd(m, s, R::DbgdscrInt);
    if dscr & DSCR_MDBGEN == 0 {
        wr(m, s, R::DbgdscrExt, dscr | DSCR_MDBGEN);
        black_box(rd(m, s, R::DbgdscrInt));
    }
}

fn clear_mdbgen(m: &CoreModel, s: &mut DebugState) {
    wr(m, s, R::DbgdscrExt, 0);
}

/// A 1-vCPU machine with the driver initialised on it.
fn one_cpu(model: CoreModel) -> Option<(Arc<Machine>, HwBreakpoint)> {
    let m = Machine::new(MachineConfig::new(model, 1)).ok()?;
    let hw = HwBreakpoint::init(&m, InitOptions::default());
    hw.result().enabled.then_some((m, hw))
}

fn bench_reset(c: &mut Criterion) {
    let (Some(a15), Some(big)) = (a15(), big()) else {
        eprintln!("reset bench: presets unavailable");
        return;
    };
    let mut g = c.benchmark_group("reset");
    for model in [a15, big] {
        let Some((m, hw)) = one_cpu(model) else {
            eprintln!("reset bench: init failed on {}", model.name());
            continue;
        };
        let core = Arc::clone(hw.core());
        let _ = m.with_vcpu(0, |ctx| {
            g.bench_function(BenchmarkId::new("trap", model.name()), |b| {
                b.iter(|| {
                    black_box(core.reset_ctrl_regs(ctx)).ok();
                    let (mm, s) = ctx.host_debug_mut();
                    clear_mdbgen(mm, s);
                })
            });
            // No allocation on the reset path.
            alloc_count::assert_no_alloc(&format!("reset/trap/{}", model.name()), || {
                black_box(core.reset_ctrl_regs(ctx)).ok();
                let (mm, s) = ctx.host_debug_mut();
                clear_mdbgen(mm, s);
            });
        });
        let wrps = core.core_num_wrps();
        let mut state = DebugState::cold_reset(&model, UnknownFill::Zero);
        g.bench_function(BenchmarkId::new("direct", model.name()), |b| {
            b.iter(|| {
                direct_reset(&model, &mut state, wrps);
                clear_mdbgen(&model, &mut state);
            })
        });
    }
    g.finish();
}

fn bench_init(c: &mut Criterion) {
    let Some(a15) = a15() else {
        return;
    };
    let mut g = c.benchmark_group("init");
    g.sample_size(10);
    for executor in [Executor::Inline, Executor::Threads] {
        for n in [1usize, 4, 64, 1024] {
            let mut cfg = MachineConfig::new(a15, n);
            cfg.executor = executor;
            let Ok(m) = Machine::new(cfg) else {
                eprintln!("init bench: cannot build {n} vCPUs ({executor})");
                continue;
            };
            g.bench_function(BenchmarkId::new(executor.to_string(), n), |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        for cpu in 0..n {
                            let _ = m.with_vcpu_mut(cpu, |v| {
                                let (mm, s) = v.debug_mut();
                                *s = DebugState::cold_reset(mm, UnknownFill::Zero);
                            });
                        }
                        let t = Instant::now();
                        let hw = HwBreakpoint::init(&m, InitOptions::default());
                        total += t.elapsed();
                        hw.unload();
                    }
                    total
                })
            });
        }
    }
    g.finish();

    // Memory of a 1024-vCPU machine.
    let cfg = MachineConfig::new(a15, 1024);
    if let Ok(m) = Machine::new(cfg) {
        let bytes = m.state_bytes();
        eprintln!(
            "memory: 1024-vCPU machine state {bytes} bytes ({:.1} KiB; limit 1024 KiB) — \
             DebugState {} B, per-vCPU slot {} B, hotplug per-CPU record {} B",
            bytes as f64 / 1024.0,
            std::mem::size_of::<DebugState>(),
            (bytes - std::mem::size_of::<Machine>()) / 1024
                - dbgemu::machine::HOTPLUG_PER_CPU_BYTES,
            dbgemu::machine::HOTPLUG_PER_CPU_BYTES,
        );
    }
}

criterion_group!(benches, bench_reset, bench_init);
criterion_main!(benches);
