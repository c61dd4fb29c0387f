//! CPU hotplug registry costs (issue #4).
//!
//! * `setup_state/{inline,threaded}/N`: `setup_state(AP_ONLINE_DYN, ..)` with
//!   a trivial startup over N = 1, 16, 256, 1024 online CPUs, followed by
//!   `remove_state_nocalls` (constant cost) so every iteration allocates the
//!   same slot. Throughput is per CPU. Target (inline): linear in N and
//!   ≤ 100 ns per CPU at N = 1024. The registry (and for `threaded` its
//!   N worker threads) is built outside the timed loop.
//! * `cycle_8_states/{inline,threaded}`: `cpu_up` + `cpu_down` of one CPU
//!   through 8 registered states (2 PREPARE, 2 STARTING, 4 ONLINE), trivial
//!   callbacks. Throughput is per transition (2 per iteration).

use std::hint::black_box;
use std::sync::Arc;

use cpuhp::{Callback, Hotplug, HotplugConfig, InlineExecutor, State, ThreadPerCpuExecutor};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

fn trivial() -> Callback {
    Arc::new(|cpu| {
        black_box(cpu);
        Ok(())
    })
}

fn registry(cpus: usize, threaded: bool, online: Vec<usize>) -> Hotplug {
    let config = HotplugConfig { cpus, online };
    let built = if threaded {
        ThreadPerCpuExecutor::new(cpus).and_then(|ex| Hotplug::new(config, ex))
    } else {
        Hotplug::new(config, InlineExecutor)
    };
    built.unwrap_or_else(|e| panic!("cannot build the bench registry: {e}"))
}

fn setup_state(c: &mut Criterion) {
    let mut g = c.benchmark_group("setup_state");
    for (label, threaded) in [("inline", false), ("threaded", true)] {
        for n in [1usize, 16, 256, 1024] {
            let hp = registry(n, threaded, (0..n).collect());
            let cb = trivial();
            g.throughput(Throughput::Elements(n as u64));
            g.bench_with_input(BenchmarkId::new(label, n), &n, |b, _| {
                b.iter(|| {
                    let s = hp
                        .setup_state(
                            State::AP_ONLINE_DYN,
                            "bench:online",
                            Some(Arc::clone(&cb)),
                            None,
                        )
                        .unwrap_or_else(|e| panic!("setup_state: {e}"));
                    hp.remove_state_nocalls(s)
                        .unwrap_or_else(|e| panic!("remove_state_nocalls: {e}"));
                    black_box(s)
                });
            });
        }
    }
    g.finish();
}

fn cycle(c: &mut Criterion) {
    let mut g = c.benchmark_group("cycle_8_states");
    g.throughput(Throughput::Elements(2));
    for (label, threaded) in [("inline", false), ("threaded", true)] {
        let hp = registry(2, threaded, vec![0]);
        let states = [
            (State::PERF_PREPARE, "b1:prepare"),
            (State::BP_PREPARE_DYN, "b2:prepare"),
            (State::AP_ARM64_DEBUG_MONITORS_STARTING, "s1:starting"),
            (State::AP_PERF_ARM_HW_BREAKPOINT_STARTING, "s2:starting"),
            (State::AP_PERF_ONLINE, "o1:online"),
            (State::AP_ONLINE_DYN, "o2:online"),
            (State::AP_ONLINE_DYN, "o3:online"),
            (State::AP_ONLINE_DYN, "o4:online"),
        ];
        for (s, name) in states {
            hp.setup_state_nocalls(s, name, Some(trivial()), Some(trivial()))
                .unwrap_or_else(|e| panic!("setup {name}: {e}"));
        }
        g.bench_function(label, |b| {
            b.iter(|| {
                hp.cpu_up(1).unwrap_or_else(|e| panic!("cpu_up: {e}"));
                hp.cpu_down(1).unwrap_or_else(|e| panic!("cpu_down: {e}"));
            });
        });
    }
    g.finish();
}

criterion_group!(benches, setup_state, cycle);
criterion_main!(benches);
