//! The registry: [`Hotplug`], its queries and fault injection.

use std::fmt;
use std::sync::Arc;

use crate::error::{CpuhpError, Direction};
use crate::executor::CpuExecutor;
use crate::lock::HotplugLock;
use crate::state::State;
use crate::sync::{lock, AtomicBool, AtomicUsize, Mutex, Ordering};
use crate::CpuId;

mod api;
mod disable;
mod instance;
mod table;
mod walk;

pub use disable::{CpusReadGuard, HotplugDisabledGuard};
use table::{load_state, CpuRecord, Table, NO_FAIL};
pub use table::{Callback, HotplugConfig, InstanceId, MultiCallback};

static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// The CPU hotplug state registry for a set of (virtual) CPUs.
///
/// See the [crate documentation](crate) for the guarantees and an example.
pub struct Hotplug {
    id: u64,
    cpus: Box<[CpuRecord]>,
    lock: HotplugLock,
    /// The kernel's `cpu_add_remove_lock` (`cpu_maps_update_begin/done`): held
    /// across a whole `cpu_up`/`cpu_down`, taken before the hotplug lock, and
    /// guarding the `cpu_hotplug_disable` depth it holds.
    maps: Mutex<usize>,
    /// The kernel's `cpuhp_state_mutex`: serialises setup/remove/instance
    /// operations (held across their callback invocations).
    ops: Mutex<()>,
    /// Copy-on-write step table; its mutex is only held for short copies,
    /// never while a callback runs.
    table: Mutex<Arc<Table>>,
    log: Mutex<Vec<String>>,
    executor: Box<dyn CpuExecutor>,
}

impl fmt::Debug for Hotplug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hotplug")
            .field("id", &self.id)
            .field("cpus", &self.cpus.len())
            .finish()
    }
}

impl Hotplug {
    /// Create a registry for `config.cpus` CPUs; the CPUs in `config.online`
    /// start at [`State::ONLINE`], the others at [`State::OFFLINE`]. No
    /// callbacks run.
    ///
    /// # Errors
    /// [`CpuhpError::NoCpus`], [`CpuhpError::NoOnlineCpu`],
    /// [`CpuhpError::InvalidCpu`] for an `online` entry out of range,
    /// [`CpuhpError::ExecutorTooSmall`] if the executor serves fewer CPUs.
    pub fn new<E: CpuExecutor + 'static>(
        config: HotplugConfig,
        executor: E,
    ) -> Result<Hotplug, CpuhpError> {
        let n = config.cpus;
        if n == 0 {
            return Err(CpuhpError::NoCpus);
        }
        if let Some(cap) = executor.cpu_count() {
            if cap < n {
                return Err(CpuhpError::ExecutorTooSmall {
                    executor: cap,
                    cpus: n,
                });
            }
        }
        if let Some(&bad) = config.online.iter().find(|&&c| c >= n) {
            return Err(CpuhpError::InvalidCpu { cpu: bad, cpus: n });
        }
        if config.online.is_empty() {
            return Err(CpuhpError::NoOnlineCpu);
        }
        let cpus = (0..n)
            .map(|cpu| {
                let on = config.online.contains(&cpu);
                let s = if on { State::ONLINE } else { State::OFFLINE };
                CpuRecord {
                    state: AtomicUsize::new(s.index()),
                    target: AtomicUsize::new(s.index()),
                    online: AtomicBool::new(on),
                    fail: AtomicUsize::new(NO_FAIL),
                }
            })
            .collect();
        Ok(Hotplug {
            id: NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            cpus,
            lock: HotplugLock::new(),
            maps: Mutex::new(0),
            ops: Mutex::new(()),
            table: Mutex::new(Arc::new(Table::new())),
            log: Mutex::new(Vec::new()),
            executor: Box::new(executor),
        })
    }

    // ----- queries -------------------------------------------------------

    /// Number of CPUs (ids `0..cpus()`).
    pub fn cpus(&self) -> usize {
        self.cpus.len()
    }

    fn record(&self, cpu: CpuId) -> Result<&CpuRecord, CpuhpError> {
        self.cpus.get(cpu).ok_or(CpuhpError::InvalidCpu {
            cpu,
            cpus: self.cpus.len(),
        })
    }

    /// The current hotplug state of `cpu`.
    ///
    /// # Errors
    /// [`CpuhpError::InvalidCpu`].
    pub fn state_of(&self, cpu: CpuId) -> Result<State, CpuhpError> {
        Ok(load_state(&self.record(cpu)?.state))
    }

    /// The target state of `cpu` (the requested final state; after a failed
    /// transition, the state it started from).
    ///
    /// # Errors
    /// [`CpuhpError::InvalidCpu`].
    pub fn target_of(&self, cpu: CpuId) -> Result<State, CpuhpError> {
        Ok(load_state(&self.record(cpu)?.target))
    }

    /// Whether `cpu` is marked online (the kernel's `cpu_online_mask`): set
    /// when the CPU passes [`State::AP_ONLINE`] coming up, cleared when it is
    /// taken down at [`State::TEARDOWN_CPU`].
    ///
    /// # Errors
    /// [`CpuhpError::InvalidCpu`].
    pub fn is_online(&self, cpu: CpuId) -> Result<bool, CpuhpError> {
        Ok(self.record(cpu)?.online.load(Ordering::Acquire))
    }

    /// The CPUs currently marked online, ascending.
    pub fn online_cpus(&self) -> Vec<CpuId> {
        self.cpus
            .iter()
            .enumerate()
            .filter(|(_, r)| r.online.load(Ordering::Acquire))
            .map(|(i, _)| i)
            .collect()
    }

    fn snapshot(&self) -> Arc<Table> {
        Arc::clone(&lock(&self.table))
    }

    /// Every named state (core and registered), ascending.
    pub fn states(&self) -> Vec<(State, String)> {
        let t = self.snapshot();
        t.steps
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                let n = u16::try_from(i).ok()?;
                Some((State::from_raw(n), s.name.as_deref()?.to_owned()))
            })
            .collect()
    }

    /// The sysfs `hotplug/states` text: one `"%3d: %s"` line per named state.
    pub fn states_listing(&self) -> String {
        let mut out = String::new();
        for (s, name) in self.states() {
            out.push_str(&format!("{:>3}: {}\n", s.raw(), name));
        }
        out
    }

    /// The name registered for `state`, if any.
    pub fn state_name(&self, state: State) -> Option<String> {
        self.snapshot()
            .steps
            .get(state.index())
            .and_then(|s| s.name.as_deref().map(str::to_owned))
    }

    /// Take the kernel-style messages (warnings) logged so far, oldest first.
    /// Each is also emitted as a `tracing` warning.
    pub fn take_messages(&self) -> Vec<String> {
        std::mem::take(&mut *lock(&self.log))
    }

    fn warn(&self, msg: String) {
        tracing::warn!(target: "cpuhp", "{msg}");
        lock(&self.log).push(msg);
    }

    fn set_state(&self, cpu: CpuId, s: State) {
        if let Some(r) = self.cpus.get(cpu) {
            r.state.store(s.index(), Ordering::Release);
        }
    }

    fn set_target(&self, cpu: CpuId, s: State) {
        if let Some(r) = self.cpus.get(cpu) {
            r.target.store(s.index(), Ordering::Release);
        }
    }

    fn set_online(&self, cpu: CpuId, on: bool) {
        if let Some(r) = self.cpus.get(cpu) {
            r.online.store(on, Ordering::Release);
        }
    }

    fn st(&self, cpu: CpuId) -> State {
        self.cpus
            .get(cpu)
            .map_or(State::OFFLINE, |r| load_state(&r.state))
    }

    // ----- fault injection -------------------------------------------------

    /// One-shot: whether `state`'s callback on `cpu` must fail now.
    fn take_fail(&self, cpu: CpuId, state: State) -> bool {
        self.cpus.get(cpu).is_some_and(|r| {
            r.fail
                .compare_exchange(state.index(), NO_FAIL, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
        })
    }

    /// Fault injection (the kernel's `hotplug/fail`): the next time the core
    /// is about to run a callback of `state` for `cpu` (in a transition or
    /// from setup/remove), it fails with EAGAIN instead, once. `None` clears.
    ///
    /// # Errors
    /// [`CpuhpError::InvalidCpu`]; [`CpuhpError::InvalidState`] outside
    /// `OFFLINE..=ONLINE`; [`CpuhpError::FailNotAllowed`] for a STARTING
    /// state, a PREPARE state while the CPU is above `BRINGUP_CPU`, or a
    /// state without callbacks (the kernel's checks).
    pub fn set_fail(&self, cpu: CpuId, state: Option<State>) -> Result<(), CpuhpError> {
        let rec = self.record(cpu)?;
        let Some(s) = state else {
            rec.fail.store(NO_FAIL, Ordering::Release);
            return Ok(());
        };
        if s > State::ONLINE {
            return Err(CpuhpError::InvalidState { state: s });
        }
        let refuse = |reason| {
            Err(CpuhpError::FailNotAllowed {
                cpu,
                state: s,
                reason,
            })
        };
        if s.is_atomic() {
            return refuse("STARTING/DYING callbacks cannot fail");
        }
        if s <= State::BRINGUP_CPU && self.st(cpu) > State::BRINGUP_CPU {
            return refuse("PREPARE states cannot fail while the CPU is up");
        }
        let step_has_callbacks = {
            let t = self.snapshot();
            let step = t.step(s);
            step.has(Direction::Startup) || step.has(Direction::Teardown)
        };
        if !step_has_callbacks {
            return refuse("the state has no callbacks");
        }
        rec.fail.store(s.index(), Ordering::Release);
        Ok(())
    }

    /// The pending fault-injection state of `cpu`, if any.
    ///
    /// # Errors
    /// [`CpuhpError::InvalidCpu`].
    pub fn fail_of(&self, cpu: CpuId) -> Result<Option<State>, CpuhpError> {
        let f = self.record(cpu)?.fail.load(Ordering::Acquire);
        Ok((f != NO_FAIL).then(|| State::from_raw(u16::try_from(f).unwrap_or(u16::MAX))))
    }
}
