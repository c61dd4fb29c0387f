//! Bounded stress: vCPUs going on/offline at random in threads while states
//! are installed and removed; after every installer step the invariants are
//! checked under the read lock: each CPU has run a state's startup (and not
//! its teardown) exactly when its state is at or above the installed state;
//! no callback ran twice in a row for a CPU or was missed.
#![cfg(not(loom))]
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;

use common::{Env, INLINE, THREADED};
use cpuhp::{Callback, CallbackError, CpuhpError, Hotplug, HotplugConfig, State};

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap()
    }
}

/// Per-registration record of which CPUs have run the startup.
struct Tracker {
    up: Vec<AtomicU8>,
    violations: Arc<AtomicUsize>,
    /// While armed, the startup fails on this CPU (used only during setup).
    fail_cpu: AtomicUsize,
    armed: AtomicBool,
}

impl Tracker {
    fn new(cpus: usize, violations: &Arc<AtomicUsize>) -> Arc<Tracker> {
        Arc::new(Tracker {
            up: (0..cpus).map(|_| AtomicU8::new(0)).collect(),
            violations: Arc::clone(violations),
            fail_cpu: AtomicUsize::new(usize::MAX),
            armed: AtomicBool::new(false),
        })
    }

    fn callbacks(self: &Arc<Self>) -> (Callback, Callback) {
        let (a, b) = (Arc::clone(self), Arc::clone(self));
        let startup: Callback = Arc::new(move |cpu| {
            if a.armed.load(Ordering::SeqCst) && a.fail_cpu.load(Ordering::SeqCst) == cpu {
                return Err(CallbackError::EIO);
            }
            if a.up[cpu].swap(1, Ordering::SeqCst) != 0 {
                a.violations.fetch_add(1, Ordering::SeqCst);
            }
            Ok(())
        });
        let teardown: Callback = Arc::new(move |cpu| {
            if b.up[cpu].swap(0, Ordering::SeqCst) != 1 {
                b.violations.fetch_add(1, Ordering::SeqCst);
            }
            Ok(())
        });
        (startup, teardown)
    }

    /// Under the read lock: the record matches every CPU's state.
    fn check(&self, hp: &Hotplug, state: State) -> Result<(), String> {
        for cpu in 0..hp.cpus() {
            let s = hp.state_of(cpu).unwrap();
            if s != State::ONLINE && s != State::OFFLINE {
                return Err(format!("CPU {cpu} stuck at state {s}"));
            }
            let ran = self.up[cpu].load(Ordering::SeqCst) == 1;
            if ran != (s >= state) {
                return Err(format!(
                    "state {state}, CPU {cpu} at {s}: startup-ran record {ran} is inconsistent"
                ));
            }
        }
        Ok(())
    }

    fn all_down(&self) -> bool {
        self.up.iter().all(|u| u.load(Ordering::SeqCst) == 0)
    }
}

fn installer(
    hp: &Hotplug,
    seed: u64,
    steps: usize,
    violations: &Arc<AtomicUsize>,
) -> Result<(), String> {
    let mut rng = XorShift(seed);
    let mut mine: Vec<(State, Arc<Tracker>)> = Vec::new();
    for step in 0..steps {
        let choice = rng.below(10);
        if choice < 5 || mine.is_empty() {
            let request = if rng.below(4) == 0 {
                State::BP_PREPARE_DYN
            } else {
                State::AP_ONLINE_DYN
            };
            let tr = Tracker::new(hp.cpus(), violations);
            let failing = choice == 4;
            if failing {
                tr.fail_cpu.store(rng.below(hp.cpus()), Ordering::SeqCst);
                tr.armed.store(true, Ordering::SeqCst);
            }
            let (s, t) = tr.callbacks();
            let name = format!("stress{seed}_{step}:x");
            match hp.setup_state(request, &name, Some(s), Some(t)) {
                Ok(n) => {
                    tr.armed.store(false, Ordering::SeqCst);
                    mine.push((n, tr));
                }
                Err(CpuhpError::NoDynamicSlot { .. }) => {}
                Err(CpuhpError::Callback(_)) if failing => {
                    // Rolled back: no CPU keeps the startup's effect.
                    if !tr.all_down() {
                        return Err(format!("setup rollback of {name} left CPUs up"));
                    }
                }
                Err(e) => return Err(format!("setup_state: {e}")),
            }
        } else {
            let (n, tr) = mine.swap_remove(rng.below(mine.len()));
            hp.remove_state(n)
                .map_err(|e| format!("remove_state: {e}"))?;
            if !tr.all_down() {
                return Err(format!("remove_state({n}) missed a teardown"));
            }
        }
        let g = hp.cpus_read_lock().map_err(|e| e.to_string())?;
        for (n, tr) in &mine {
            tr.check(hp, *n)?;
        }
        drop(g);
    }
    for (n, tr) in mine {
        hp.remove_state(n)
            .map_err(|e| format!("remove_state: {e}"))?;
        if !tr.all_down() {
            return Err(format!("final remove_state({n}) missed a teardown"));
        }
    }
    Ok(())
}

fn hotplugger(hp: &Hotplug, seed: u64, steps: usize) -> Result<(), String> {
    let mut rng = XorShift(seed);
    for _ in 0..steps {
        let cpu = rng.below(hp.cpus());
        let r = if hp.is_online(cpu).unwrap() {
            hp.cpu_down(cpu)
        } else {
            hp.cpu_up(cpu)
        };
        match r {
            Ok(()) | Err(CpuhpError::LastOnlineCpu { .. }) => {}
            Err(e) => return Err(format!("CPU {cpu}: {e}")),
        }
    }
    Ok(())
}

fn stress(env: Env, cpus: usize, install_steps: usize, hotplug_steps: usize) {
    let hp = (env.mk)(HotplugConfig {
        cpus,
        online: (0..cpus).step_by(2).collect(),
    });
    let violations = Arc::new(AtomicUsize::new(0));
    let results: Vec<Result<(), String>> = std::thread::scope(|s| {
        let hp = &hp;
        let mut handles = Vec::new();
        for i in 0..2u64 {
            let v = Arc::clone(&violations);
            handles.push(s.spawn(move || installer(hp, 0x9E37_79B9 + i, install_steps, &v)));
        }
        for i in 0..2u64 {
            handles.push(s.spawn(move || hotplugger(hp, 0xC0FF_EE00 + i, hotplug_steps)));
        }
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for r in results {
        r.unwrap();
    }
    assert_eq!(
        violations.load(Ordering::SeqCst),
        0,
        "a callback ran twice or a teardown had no startup"
    );
    // Every test state is gone again; only the core states are listed.
    assert!(hp.states().iter().all(|(_, n)| !n.starts_with("stress")));
}

#[test]
fn stress_64_vcpus_inline() {
    stress(INLINE, 64, 400, 1000);
}

#[test]
fn stress_16_vcpus_threaded() {
    stress(THREADED, 16, 150, 400);
}
