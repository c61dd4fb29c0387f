//! The registry: step table, per-CPU state machine, setup/remove/instance API.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use crate::context::{self, InCallback, IrqsOff};
use crate::error::{BugKind, CallbackError, CallbackFailure, CpuhpError, Direction};
use crate::executor::CpuExecutor;
use crate::lock::{HotplugLock, WriteGuard};
use crate::state::{DynRange, Section, State};
use crate::sync::{lock, AtomicBool, AtomicUsize, Mutex, Ordering};
use crate::CpuId;

/// A single-instance callback: called with the CPU it is run for.
pub type Callback = Arc<dyn Fn(CpuId) -> Result<(), CallbackError> + Send + Sync>;

/// A multi-instance callback: called with the CPU and the instance.
pub type MultiCallback = Arc<dyn Fn(CpuId, InstanceId) -> Result<(), CallbackError> + Send + Sync>;

/// Identifies one instance of a multi-instance state (the kernel's
/// `hlist_node`): a value chosen by the caller, unique per state.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct InstanceId(pub u64);

impl fmt::Display for InstanceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// Which CPUs exist and which start online.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct HotplugConfig {
    /// Number of possible (= present) CPUs; ids are `0..cpus`.
    pub cpus: usize,
    /// The CPUs that start at [`State::ONLINE`] (the others at
    /// [`State::OFFLINE`]). At least one is required (the boot CPU).
    pub online: Vec<CpuId>,
}

impl HotplugConfig {
    /// `cpus` CPUs, all online.
    pub fn all_online(cpus: usize) -> HotplugConfig {
        HotplugConfig {
            cpus,
            online: (0..cpus).collect(),
        }
    }

    /// `cpus` CPUs, only the boot CPU 0 online.
    pub fn boot_cpu_only(cpus: usize) -> HotplugConfig {
        HotplugConfig {
            cpus,
            online: vec![0],
        }
    }
}

#[derive(Clone)]
enum Callbacks {
    None,
    Single {
        startup: Option<Callback>,
        teardown: Option<Callback>,
    },
    Multi {
        startup: Option<MultiCallback>,
        teardown: Option<MultiCallback>,
        /// Newest first (the kernel pushes at the head).
        instances: Vec<InstanceId>,
    },
}

#[derive(Clone)]
struct Step {
    name: Option<Arc<str>>,
    core: bool,
    cbs: Callbacks,
}

impl Step {
    const EMPTY: Step = Step {
        name: None,
        core: false,
        cbs: Callbacks::None,
    };

    fn has(&self, dir: Direction) -> bool {
        match (&self.cbs, dir) {
            (Callbacks::None, _) => false,
            (Callbacks::Single { startup, .. }, Direction::Startup) => startup.is_some(),
            (Callbacks::Single { teardown, .. }, Direction::Teardown) => teardown.is_some(),
            (Callbacks::Multi { startup, .. }, Direction::Startup) => startup.is_some(),
            (Callbacks::Multi { teardown, .. }, Direction::Teardown) => teardown.is_some(),
        }
    }
}

#[derive(Clone)]
struct Table {
    steps: Vec<Step>,
}

impl Table {
    fn new() -> Table {
        let mut steps = vec![Step::EMPTY; State::COUNT];
        for (s, name) in State::CORE {
            if let Some(step) = steps.get_mut(s.index()) {
                *step = Step {
                    name: Some(Arc::from(name)),
                    core: true,
                    cbs: Callbacks::None,
                };
            }
        }
        Table { steps }
    }

    fn step(&self, s: State) -> &Step {
        self.steps.get(s.index()).unwrap_or(&Step::EMPTY)
    }

    fn name(&self, s: State) -> String {
        self.step(s)
            .name
            .as_deref()
            .unwrap_or("(unregistered)")
            .to_owned()
    }
}

struct CpuRecord {
    state: AtomicUsize,
    target: AtomicUsize,
    online: AtomicBool,
    /// Fault-injection state (`hotplug/fail`), [`NO_FAIL`] when unset.
    fail: AtomicUsize,
}

/// The kernel's `CPUHP_INVALID` for the fault-injection field.
const NO_FAIL: usize = usize::MAX;

/// Whether a walk is an ordinary transition or the undo of a failed one.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Normal,
    Rollback,
}

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

/// Proof that the calling thread holds the registry's hotplug read lock
/// (`cpus_read_lock`). While any guard is alive no CPU of the registry changes
/// state: `cpu_up`/`cpu_down` from other threads wait. Dropping it releases
/// the lock. Not `Send`: it must be released by the thread that took it.
#[must_use = "the hotplug read lock is released when the guard is dropped"]
pub struct CpusReadGuard<'a> {
    hp: &'a Hotplug,
    _not_send: PhantomData<*const ()>,
}

impl fmt::Debug for CpusReadGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CpusReadGuard")
            .field("registry", &self.hp.id)
            .finish()
    }
}

impl Drop for CpusReadGuard<'_> {
    fn drop(&mut self) {
        self.hp.lock.read_unlock();
        context::note_read_released(self.hp.id);
    }
}

/// Keeps CPU hotplug disabled on a registry (`cpu_hotplug_disable`, see
/// [`Hotplug::cpu_hotplug_disable`]); dropping it is the matching
/// `cpu_hotplug_enable`. Guards nest: hotplug is enabled again when the last
/// one is dropped. It may be dropped on any thread (the kernel pairs the two
/// calls across suspend and resume).
#[must_use = "CPU hotplug is enabled again when the guard is dropped"]
pub struct HotplugDisabledGuard<'a> {
    hp: &'a Hotplug,
}

impl fmt::Debug for HotplugDisabledGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HotplugDisabledGuard")
            .field("registry", &self.hp.id)
            .finish()
    }
}

impl Drop for HotplugDisabledGuard<'_> {
    fn drop(&mut self) {
        let mut depth = lock(&self.hp.maps);
        // Each guard added one; the depth cannot be zero while one is alive.
        *depth = depth.saturating_sub(1);
        tracing::debug!(target: "cpuhp", depth = *depth, "cpu_hotplug_enable");
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

    // ----- the lock ------------------------------------------------------

    fn check_reentry(&self, op: &'static str) -> Result<(), CpuhpError> {
        if context::in_callback_of(self.id) {
            return Err(CpuhpError::InsideCallback { op });
        }
        if context::read_held(self.id) {
            return Err(CpuhpError::ReadLockHeld { op });
        }
        Ok(())
    }

    fn check_guard(&self, guard: &CpusReadGuard<'_>, op: &'static str) -> Result<(), CpuhpError> {
        if !std::ptr::eq(guard.hp, self) {
            return Err(CpuhpError::ForeignGuard { op });
        }
        if context::in_callback_of(self.id) {
            return Err(CpuhpError::InsideCallback { op });
        }
        Ok(())
    }

    /// Take the hotplug read lock (`cpus_read_lock`). Blocks while a CPU
    /// transition runs or waits to run.
    ///
    /// # Errors
    /// [`CpuhpError::ReadLockHeld`] if this thread already holds it (the
    /// kernel's lock is not recursive), [`CpuhpError::InsideCallback`] from a
    /// callback of this registry. Both would deadlock in the kernel.
    pub fn cpus_read_lock(&self) -> Result<CpusReadGuard<'_>, CpuhpError> {
        self.check_reentry("cpus_read_lock")?;
        self.lock.read();
        context::note_read_held(self.id);
        Ok(CpusReadGuard {
            hp: self,
            _not_send: PhantomData,
        })
    }

    /// Try to take the hotplug read lock without waiting (`cpus_read_trylock`);
    /// `None` while a CPU transition runs or waits to run.
    pub fn cpus_read_trylock(&self) -> Option<CpusReadGuard<'_>> {
        if !self.lock.try_read() {
            return None;
        }
        context::note_read_held(self.id);
        Some(CpusReadGuard {
            hp: self,
            _not_send: PhantomData,
        })
    }

    // ----- invoking callbacks ---------------------------------------------

    /// Call one user callback with trace events and the "inside a callback"
    /// marker, in the current context.
    fn call_user(
        &self,
        cpu: CpuId,
        state: State,
        f: &dyn Fn() -> Result<(), CallbackError>,
    ) -> Result<(), CallbackError> {
        tracing::trace!(
            target: "cpuhp",
            cpu,
            target = self.cpus.get(cpu).map_or(0, |r| r.target.load(Ordering::Relaxed)),
            step = state.raw(),
            "cpuhp_enter"
        );
        let r = {
            let _cb = InCallback::enter(self.id);
            f()
        };
        tracing::trace!(
            target: "cpuhp",
            cpu,
            state = self.cpus.get(cpu).map_or(0, |r| r.state.load(Ordering::Relaxed)),
            step = state.raw(),
            ret = r.map_or_else(|e| -e.errno(), |()| 0),
            "cpuhp_exit"
        );
        r
    }

    /// Run `state`'s callback in direction `dir` for `cpu` in the *current*
    /// context: for a multi-instance state every instance in list order, and
    /// if one fails the instances already done are undone (opposite callback,
    /// list order) before the failure is returned.
    fn invoke_step(
        &self,
        t: &Table,
        cpu: CpuId,
        state: State,
        dir: Direction,
    ) -> Result<(), CallbackFailure> {
        let fail = |instance, error| CallbackFailure {
            state,
            name: t.name(state),
            cpu,
            instance,
            direction: dir,
            error,
        };
        if self.take_fail(cpu, state) {
            return Err(fail(None, CallbackError::EAGAIN));
        }
        match &t.step(state).cbs {
            Callbacks::None => Ok(()),
            Callbacks::Single { startup, teardown } => {
                let cb = match dir {
                    Direction::Startup => startup,
                    Direction::Teardown => teardown,
                };
                match cb {
                    Some(cb) => self
                        .call_user(cpu, state, &|| cb(cpu))
                        .map_err(|e| fail(None, e)),
                    None => Ok(()),
                }
            }
            Callbacks::Multi {
                startup,
                teardown,
                instances,
            } => {
                let (cb, undo) = match dir {
                    Direction::Startup => (startup, teardown),
                    Direction::Teardown => (teardown, startup),
                };
                let Some(cb) = cb else { return Ok(()) };
                for (k, &inst) in instances.iter().enumerate() {
                    if let Err(e) = self.call_user(cpu, state, &|| cb(cpu, inst)) {
                        if let Some(undo) = undo {
                            for &done in instances.iter().take(k) {
                                if let Err(ue) = self.call_user(cpu, state, &|| undo(cpu, done)) {
                                    self.warn(format!(
                                        "CPU {cpu} state {} ({state}) instance {done}: undo after a partial multi-instance failure failed ({})",
                                        t.name(state),
                                        -ue.errno()
                                    ));
                                }
                            }
                        }
                        return Err(fail(Some(inst), e));
                    }
                }
                Ok(())
            }
        }
    }

    /// Walk startups of `(from, to]` in the current context, advancing the
    /// CPU's state before each callback. STARTING failures are warned about
    /// and ignored; any other failure steps the state back below the failing
    /// state and is returned.
    fn walk_up(
        &self,
        t: &Table,
        cpu: CpuId,
        from: State,
        to: State,
    ) -> Result<(), CallbackFailure> {
        let mut s = from.next();
        while s <= to {
            if t.step(s).has(Direction::Startup) {
                self.set_state(cpu, s);
                if let Err(f) = self.invoke_step(t, cpu, s, Direction::Startup) {
                    if s.is_atomic() {
                        self.warn(format!(
                            "CPU {cpu} UP state {} ({s}) failed ({})",
                            f.name,
                            -f.error.errno()
                        ));
                    } else {
                        self.set_state(cpu, s.prev());
                        return Err(f);
                    }
                }
            }
            s = s.next();
        }
        self.set_state(cpu, to);
        Ok(())
    }

    /// Walk teardowns of `(to, from]` descending in the current context,
    /// decrementing the CPU's state before each callback. STARTING (dying)
    /// failures are warned about and ignored; a PREPARE (dead) failure is
    /// warned about and ignored in normal mode (the CPU is already gone) and
    /// stops a rollback; an ONLINE failure restores the failing state (it is
    /// not undone) and is returned.
    fn walk_down(
        &self,
        t: &Table,
        cpu: CpuId,
        from: State,
        to: State,
        mode: Mode,
    ) -> Result<(), CallbackFailure> {
        let mut s = from;
        while s > to {
            if t.step(s).has(Direction::Teardown) {
                self.set_state(cpu, s.prev());
                if let Err(f) = self.invoke_step(t, cpu, s, Direction::Teardown) {
                    if s.is_atomic() {
                        self.warn(format!(
                            "CPU {cpu} DOWN state {} ({s}) failed ({})",
                            f.name,
                            -f.error.errno()
                        ));
                    } else if s.section() == Some(Section::Prepare) && mode == Mode::Normal {
                        self.warn(format!("DEAD callback error for CPU{cpu}"));
                    } else {
                        self.set_state(cpu, s);
                        return Err(f);
                    }
                }
            }
            s = s.prev();
        }
        self.set_state(cpu, to);
        Ok(())
    }

    /// Bring `cpu` from its current state up to `to`, each section in its
    /// context: PREPARE on the calling (control) thread, STARTING on the
    /// target with interrupts off (the CPU is marked online at `AP_ONLINE`),
    /// ONLINE on the target's hotplug worker.
    fn up_to(&self, t: &Table, cpu: CpuId, to: State) -> Result<(), CpuhpError> {
        let mut cur = self.st(cpu);
        if cur < State::BRINGUP_CPU && cur < to {
            let end = to.min(State::BRINGUP_CPU);
            self.walk_up(t, cpu, cur, end)
                .map_err(CpuhpError::Callback)?;
            cur = end;
        }
        if cur < State::AP_ONLINE_IDLE && cur < to {
            let end = to.min(State::AP_ONLINE_IDLE);
            let mut res = Ok(());
            self.executor.run_on(cpu, &mut || {
                let _irqs = IrqsOff::enter();
                res = self.walk_up(t, cpu, cur, end.min(State::AP_ONLINE.prev()));
                if end >= State::AP_ONLINE {
                    self.set_online(cpu, true);
                }
                if res.is_ok() {
                    self.set_state(cpu, end);
                }
            })?;
            res.map_err(CpuhpError::Callback)?;
            cur = end;
        }
        if cur < to {
            let mut res = Ok(());
            self.executor
                .run_on(cpu, &mut || res = self.walk_up(t, cpu, cur, to))?;
            res.map_err(CpuhpError::Callback)?;
        }
        Ok(())
    }

    /// Take `cpu` from its current state down to `to`: ONLINE teardowns on
    /// its worker, then `TEARDOWN_CPU` (the CPU is marked offline and runs its
    /// DYING callbacks with interrupts off), then the DEAD (PREPARE)
    /// teardowns on the control thread.
    fn down_to(&self, t: &Table, cpu: CpuId, to: State, mode: Mode) -> Result<(), CpuhpError> {
        let mut cur = self.st(cpu);
        if cur > State::AP_ONLINE_IDLE && cur > to {
            let end = to.max(State::AP_ONLINE_IDLE);
            let mut res = Ok(());
            self.executor
                .run_on(cpu, &mut || res = self.walk_down(t, cpu, cur, end, mode))?;
            res.map_err(CpuhpError::Callback)?;
            cur = end;
        }
        if cur > State::BRINGUP_CPU && cur > to {
            let end = to.max(State::BRINGUP_CPU);
            let mut res = Ok(());
            self.executor.run_on(cpu, &mut || {
                let _irqs = IrqsOff::enter();
                if end < State::AP_ONLINE {
                    self.set_online(cpu, false);
                }
                res = self.walk_down(t, cpu, cur, end, mode);
            })?;
            res.map_err(CpuhpError::Callback)?;
            cur = end;
        }
        if cur > to {
            self.walk_down(t, cpu, cur, to, mode)
                .map_err(CpuhpError::Callback)?;
        }
        Ok(())
    }

    // ----- CPU transitions -------------------------------------------------

    /// `cpu_maps_update_begin` plus the `cpu_hotplug_disabled` test of
    /// `do_cpu_up`/`do_cpu_down`: the whole-operation lock, or `-EBUSY` while
    /// hotplug is disabled (tested before the CPU's state, as the kernel does).
    fn maps_update_begin(
        &self,
        op: &'static str,
        cpu: CpuId,
    ) -> Result<crate::sync::MutexGuard<'_, usize>, CpuhpError> {
        let maps = lock(&self.maps);
        if *maps > 0 {
            return Err(CpuhpError::HotplugDisabled {
                op,
                cpu,
                depth: *maps,
            });
        }
        Ok(maps)
    }

    /// Disable CPU hotplug (`cpu_hotplug_disable`) until the returned guard
    /// is dropped: from then on `cpu_up` and `cpu_down` fail with
    /// [`CpuhpError::HotplugDisabled`] (`-EBUSY`) and change nothing. Waits for
    /// a `cpu_up`/`cpu_down` in progress to finish first (the kernel takes
    /// `cpu_add_remove_lock`). Nests: each guard counts once. State setup,
    /// removal and instances are not affected (the kernel's are not either).
    ///
    /// # Errors
    /// [`CpuhpError::ReadLockHeld`] when this thread holds the hotplug read
    /// lock, [`CpuhpError::InsideCallback`] from a hotplug callback of this
    /// registry: both would deadlock behind a waiting or running transition.
    pub fn cpu_hotplug_disable(&self) -> Result<HotplugDisabledGuard<'_>, CpuhpError> {
        self.check_reentry("cpu_hotplug_disable")?;
        let mut depth = lock(&self.maps);
        *depth += 1;
        tracing::debug!(target: "cpuhp", depth = *depth, "cpu_hotplug_disable");
        Ok(HotplugDisabledGuard { hp: self })
    }

    /// How many [`HotplugDisabledGuard`]s are alive (the kernel's
    /// `cpu_hotplug_disabled`); hotplug is enabled when it is 0. Waits for a
    /// transition in progress, like [`Hotplug::cpu_hotplug_disable`].
    pub fn cpu_hotplug_disable_depth(&self) -> usize {
        *lock(&self.maps)
    }

    /// Bring `cpu` online (`cpu_up` to [`State::ONLINE`]), taking the hotplug
    /// lock for write (waits while any read guard is held). Returns `Ok` at
    /// once if the CPU is already online. If a startup fails, the CPU is
    /// rolled back to the state it started from (for an offline CPU: fully
    /// offline) and the callback's error is returned.
    ///
    /// # Errors
    /// [`CpuhpError::InvalidCpu`], [`CpuhpError::HotplugDisabled`] (nothing
    /// changed), [`CpuhpError::Callback`], [`CpuhpError::ReadLockHeld`] /
    /// [`CpuhpError::InsideCallback`] for re-entrant use that would deadlock.
    pub fn cpu_up(&self, cpu: CpuId) -> Result<(), CpuhpError> {
        self.check_reentry("cpu_up")?;
        self.record(cpu)?;
        let _span = tracing::info_span!(target: "cpuhp", "cpu_up", cpu).entered();
        let _maps = self.maps_update_begin("cpu_up", cpu)?;
        let _w = WriteGuard::acquire(&self.lock);
        let from = self.st(cpu);
        if from >= State::ONLINE {
            return Ok(());
        }
        self.set_target(cpu, State::ONLINE);
        let t = self.snapshot();
        match self.up_to(&t, cpu, State::ONLINE) {
            Ok(()) => Ok(()),
            Err(e) => {
                if let CpuhpError::Callback(f) = &e {
                    tracing::debug!(
                        target: "cpuhp",
                        "CPU UP failed ({}) CPU {cpu} state {} ({})",
                        -f.error.errno(),
                        f.name,
                        f.state
                    );
                }
                self.set_target(cpu, from);
                if let Err(re) = self.down_to(&t, cpu, from, Mode::Rollback) {
                    self.warn(format!(
                        "CPU {cpu}: rollback of the failed online operation stopped at state {}: {re}",
                        self.st(cpu)
                    ));
                }
                Err(e)
            }
        }
    }

    /// Take `cpu` offline (`cpu_down` to [`State::OFFLINE`]), taking the
    /// hotplug lock for write. Returns `Ok` at once if the CPU is already
    /// offline. If an ONLINE teardown fails, the startups above it are re-run
    /// (the CPU stays online) and the error is returned.
    ///
    /// # Errors
    /// [`CpuhpError::InvalidCpu`], [`CpuhpError::HotplugDisabled`] (nothing
    /// changed), [`CpuhpError::LastOnlineCpu`], [`CpuhpError::Callback`],
    /// [`CpuhpError::ReadLockHeld`] / [`CpuhpError::InsideCallback`].
    pub fn cpu_down(&self, cpu: CpuId) -> Result<(), CpuhpError> {
        self.check_reentry("cpu_down")?;
        self.record(cpu)?;
        let _span = tracing::info_span!(target: "cpuhp", "cpu_down", cpu).entered();
        let _maps = self.maps_update_begin("cpu_down", cpu)?;
        let _w = WriteGuard::acquire(&self.lock);
        let from = self.st(cpu);
        if from == State::OFFLINE {
            return Ok(());
        }
        let others_online = self
            .cpus
            .iter()
            .enumerate()
            .any(|(i, r)| i != cpu && r.online.load(Ordering::Acquire));
        if !others_online {
            return Err(CpuhpError::LastOnlineCpu { cpu });
        }
        self.set_target(cpu, State::OFFLINE);
        let t = self.snapshot();
        match self.down_to(&t, cpu, State::OFFLINE, Mode::Normal) {
            Ok(()) => Ok(()),
            Err(e) => {
                self.set_target(cpu, from);
                if let Err(re) = self.up_to(&t, cpu, from) {
                    self.warn(format!(
                        "CPU {cpu}: rollback of the failed offline operation stopped at state {}: {re}",
                        self.st(cpu)
                    ));
                }
                Err(e)
            }
        }
    }

    // ----- issuing one state's callback on CPUs (setup/remove/instances) ----

    /// `cpuhp_issue_call`: run one callback for `cpu` in the state's context
    /// (AP states on the target CPU, atomic ones with interrupts off; BP
    /// states directly on the caller).
    fn issue(
        &self,
        cpu: CpuId,
        state: State,
        f: &(dyn Fn() -> Result<(), CallbackError> + Sync),
    ) -> Result<Result<(), CallbackError>, CpuhpError> {
        if self.take_fail(cpu, state) {
            return Ok(Err(CallbackError::EAGAIN));
        }
        if state.is_ap_state() {
            let mut r = Ok(());
            self.executor.run_on(cpu, &mut || {
                let _irqs = state.is_atomic().then(IrqsOff::enter);
                r = self.call_user(cpu, state, f);
            })?;
            Ok(r)
        } else {
            Ok(self.call_user(cpu, state, f))
        }
    }

    fn unregister(&self, state: State) {
        let mut g = lock(&self.table);
        if let Some(step) = Arc::make_mut(&mut g).steps.get_mut(state.index()) {
            *step = Step::EMPTY;
        }
    }

    fn bug(&self, kind: BugKind) -> CpuhpError {
        self.warn(format!("kernel BUG: {kind}"));
        CpuhpError::Bug(kind)
    }

    /// Run `teardown` for `instance` on every CPU `< failed` whose state is
    /// at least `state`, ascending (`cpuhp_rollback_install`). A failure is
    /// a kernel BUG.
    fn rollback_install(
        &self,
        failed: CpuId,
        state: State,
        name: &str,
        instance: Option<InstanceId>,
        teardown: &(dyn Fn(CpuId) -> Result<(), CallbackError> + Sync),
    ) -> Result<(), CpuhpError> {
        for cpu in 0..failed {
            if self.st(cpu) < state {
                continue;
            }
            if let Err(error) = self.issue(cpu, state, &|| teardown(cpu))? {
                return Err(self.bug(BugKind::TeardownFailed(CallbackFailure {
                    state,
                    name: name.to_owned(),
                    cpu,
                    instance,
                    direction: Direction::Teardown,
                    error,
                })));
            }
        }
        Ok(())
    }

    /// Store the callbacks for `state` (allocating a dynamic slot if asked)
    /// and return the number used.
    fn store(&self, state: State, name: &str, cbs: Callbacks) -> Result<State, CpuhpError> {
        let mut g = lock(&self.table);
        let number = match state {
            s if s == State::AP_ONLINE_DYN || s == State::BP_PREPARE_DYN => {
                let range = if s == State::AP_ONLINE_DYN {
                    DynRange::ApOnline
                } else {
                    DynRange::BpPrepare
                };
                let free = (range.first().raw()..=range.last().raw())
                    .map(State::from_raw)
                    .find(|&c| g.step(c).name.is_none());
                match free {
                    Some(c) => c,
                    None => {
                        drop(g);
                        self.warn("No more dynamic states available for CPU hotplug".to_owned());
                        return Err(CpuhpError::NoDynamicSlot { range });
                    }
                }
            }
            s => s,
        };
        if let Some(existing) = &g.step(number).name {
            return Err(CpuhpError::StateBusy {
                state: number,
                name: existing.to_string(),
            });
        }
        if let Some(step) = Arc::make_mut(&mut g).steps.get_mut(number.index()) {
            *step = Step {
                name: Some(Arc::from(name)),
                core: false,
                cbs,
            };
        }
        Ok(number)
    }

    fn validate(state: State, name: &str) -> Result<(), CpuhpError> {
        if state <= State::OFFLINE || state >= State::ONLINE {
            return Err(CpuhpError::InvalidState { state });
        }
        if name.is_empty() {
            return Err(CpuhpError::EmptyName { state });
        }
        Ok(())
    }

    fn setup_common(
        &self,
        state: State,
        name: &str,
        startup: Option<Callback>,
        teardown: Option<Callback>,
        invoke: bool,
    ) -> Result<State, CpuhpError> {
        Self::validate(state, name)?;
        let span = tracing::info_span!(target: "cpuhp", "cpuhp_setup_state", state = state.raw(), name, number = tracing::field::Empty, invoke);
        let _span = span.enter();
        let _ops = lock(&self.ops);
        let cbs = Callbacks::Single {
            startup: startup.clone(),
            teardown: teardown.clone(),
        };
        let number = self.store(state, name, cbs)?;
        span.record("number", number.raw());
        let Some(startup) = startup.filter(|_| invoke) else {
            return Ok(number);
        };
        for cpu in 0..self.cpus.len() {
            if self.st(cpu) < number {
                continue;
            }
            let error = match self.issue(cpu, number, &|| startup(cpu)) {
                Ok(Ok(())) => continue,
                Ok(Err(error)) => CpuhpError::Callback(CallbackFailure {
                    state: number,
                    name: name.to_owned(),
                    cpu,
                    instance: None,
                    direction: Direction::Startup,
                    error,
                }),
                Err(other) => other,
            };
            let rolled = match &teardown {
                Some(td) => self.rollback_install(cpu, number, name, None, &|c| td(c)),
                None => Ok(()),
            };
            self.unregister(number);
            rolled?;
            return Err(error);
        }
        Ok(number)
    }

    /// Register `startup`/`teardown` at `state` and run `startup` on every
    /// CPU whose state is at least the state's (in CPU order, each in the
    /// state's context), taking the read lock itself (`cpuhp_setup_state`).
    ///
    /// `state` is a static state or [`State::AP_ONLINE_DYN`] /
    /// [`State::BP_PREPARE_DYN`] to allocate the lowest free slot of that
    /// range. Returns the state number used. If a startup fails on CPU X, the
    /// teardown (if any) runs on the CPUs before X in ascending order (not on
    /// X), the state is unregistered and the error returned.
    ///
    /// # Errors
    /// [`CpuhpError::InvalidState`], [`CpuhpError::EmptyName`],
    /// [`CpuhpError::StateBusy`], [`CpuhpError::NoDynamicSlot`],
    /// [`CpuhpError::Callback`], [`CpuhpError::Bug`] (a rollback teardown
    /// failed), [`CpuhpError::ReadLockHeld`] if this thread holds the read
    /// lock (use [`Hotplug::setup_state_cpuslocked`]),
    /// [`CpuhpError::InsideCallback`].
    pub fn setup_state(
        &self,
        state: State,
        name: &str,
        startup: Option<Callback>,
        teardown: Option<Callback>,
    ) -> Result<State, CpuhpError> {
        self.check_reentry("setup_state")?;
        let _g = self.cpus_read_lock()?;
        self.setup_common(state, name, startup, teardown, true)
    }

    /// [`Hotplug::setup_state`] for a caller that holds the read lock
    /// (`cpuhp_setup_state_cpuslocked`).
    ///
    /// # Errors
    /// As [`Hotplug::setup_state`], plus [`CpuhpError::ForeignGuard`].
    pub fn setup_state_cpuslocked(
        &self,
        guard: &CpusReadGuard<'_>,
        state: State,
        name: &str,
        startup: Option<Callback>,
        teardown: Option<Callback>,
    ) -> Result<State, CpuhpError> {
        self.check_guard(guard, "setup_state_cpuslocked")?;
        self.setup_common(state, name, startup, teardown, true)
    }

    /// Register without invoking any callback (`cpuhp_setup_state_nocalls`).
    ///
    /// # Errors
    /// As [`Hotplug::setup_state`] minus the callback errors.
    pub fn setup_state_nocalls(
        &self,
        state: State,
        name: &str,
        startup: Option<Callback>,
        teardown: Option<Callback>,
    ) -> Result<State, CpuhpError> {
        self.check_reentry("setup_state_nocalls")?;
        let _g = self.cpus_read_lock()?;
        self.setup_common(state, name, startup, teardown, false)
    }

    /// [`Hotplug::setup_state_nocalls`] under a held read lock.
    ///
    /// # Errors
    /// As [`Hotplug::setup_state_nocalls`], plus [`CpuhpError::ForeignGuard`].
    pub fn setup_state_nocalls_cpuslocked(
        &self,
        guard: &CpusReadGuard<'_>,
        state: State,
        name: &str,
        startup: Option<Callback>,
        teardown: Option<Callback>,
    ) -> Result<State, CpuhpError> {
        self.check_guard(guard, "setup_state_nocalls_cpuslocked")?;
        self.setup_common(state, name, startup, teardown, false)
    }

    /// Register a multi-instance state (`cpuhp_setup_state_multi`): stores the
    /// callbacks only, never invokes them; instances are added with
    /// [`Hotplug::add_instance`].
    ///
    /// # Errors
    /// [`CpuhpError::InvalidState`], [`CpuhpError::EmptyName`],
    /// [`CpuhpError::StateBusy`], [`CpuhpError::NoDynamicSlot`],
    /// [`CpuhpError::ReadLockHeld`], [`CpuhpError::InsideCallback`].
    pub fn setup_state_multi(
        &self,
        state: State,
        name: &str,
        startup: Option<MultiCallback>,
        teardown: Option<MultiCallback>,
    ) -> Result<State, CpuhpError> {
        self.check_reentry("setup_state_multi")?;
        let _g = self.cpus_read_lock()?;
        Self::validate(state, name)?;
        let _span = tracing::info_span!(target: "cpuhp", "cpuhp_setup_state_multi", state = state.raw(), name).entered();
        let _ops = lock(&self.ops);
        self.store(
            state,
            name,
            Callbacks::Multi {
                startup,
                teardown,
                instances: Vec::new(),
            },
        )
    }

    fn remove_common(&self, state: State, invoke: bool) -> Result<(), CpuhpError> {
        if state <= State::OFFLINE || state >= State::ONLINE {
            return Err(self.bug(BugKind::InvalidState(state)));
        }
        let _span =
            tracing::info_span!(target: "cpuhp", "cpuhp_remove_state", state = state.raw(), invoke)
                .entered();
        let _ops = lock(&self.ops);
        let t = self.snapshot();
        let step = t.step(state);
        if step.core {
            return Err(CpuhpError::CoreState {
                state,
                name: State::CORE
                    .iter()
                    .find(|(s, _)| *s == state)
                    .map_or("core", |(_, n)| n),
            });
        }
        match &step.cbs {
            Callbacks::Multi { instances, .. } if !instances.is_empty() => {
                self.warn(format!(
                    "Error: Removing state {state} which has instances left."
                ));
            }
            Callbacks::Single {
                teardown: Some(td), ..
            } if invoke => {
                for cpu in 0..self.cpus.len() {
                    if self.st(cpu) < state {
                        continue;
                    }
                    if let Err(error) = self.issue(cpu, state, &|| td(cpu))? {
                        return Err(self.bug(BugKind::TeardownFailed(CallbackFailure {
                            state,
                            name: t.name(state),
                            cpu,
                            instance: None,
                            direction: Direction::Teardown,
                            error,
                        })));
                    }
                }
            }
            _ => {}
        }
        // Release the snapshot first so the copy-on-write update below does
        // not have to copy the table.
        drop(t);
        self.unregister(state);
        Ok(())
    }

    /// Unregister `state`, running its teardown on every CPU whose state is
    /// at least `state`, ascending (`cpuhp_remove_state`). A multi-instance
    /// state is removed without calls (warning if instances are left).
    /// Removing an unregistered state is a no-op, as in the kernel.
    ///
    /// # Errors
    /// [`CpuhpError::Bug`] for a number outside the registrable range or a
    /// failing teardown (the state then stays registered),
    /// [`CpuhpError::CoreState`], [`CpuhpError::ReadLockHeld`],
    /// [`CpuhpError::InsideCallback`].
    pub fn remove_state(&self, state: State) -> Result<(), CpuhpError> {
        self.check_reentry("remove_state")?;
        let _g = self.cpus_read_lock()?;
        self.remove_common(state, true)
    }

    /// [`Hotplug::remove_state`] under a held read lock.
    ///
    /// # Errors
    /// As [`Hotplug::remove_state`], plus [`CpuhpError::ForeignGuard`].
    pub fn remove_state_cpuslocked(
        &self,
        guard: &CpusReadGuard<'_>,
        state: State,
    ) -> Result<(), CpuhpError> {
        self.check_guard(guard, "remove_state_cpuslocked")?;
        self.remove_common(state, true)
    }

    /// Unregister `state` without invoking callbacks
    /// (`cpuhp_remove_state_nocalls`).
    ///
    /// # Errors
    /// As [`Hotplug::remove_state`] minus the teardown failure.
    pub fn remove_state_nocalls(&self, state: State) -> Result<(), CpuhpError> {
        self.check_reentry("remove_state_nocalls")?;
        let _g = self.cpus_read_lock()?;
        self.remove_common(state, false)
    }

    /// [`Hotplug::remove_state_nocalls`] under a held read lock
    /// (`cpuhp_remove_state_nocalls_cpuslocked`).
    ///
    /// # Errors
    /// As [`Hotplug::remove_state_nocalls`], plus [`CpuhpError::ForeignGuard`].
    pub fn remove_state_nocalls_cpuslocked(
        &self,
        guard: &CpusReadGuard<'_>,
        state: State,
    ) -> Result<(), CpuhpError> {
        self.check_guard(guard, "remove_state_nocalls_cpuslocked")?;
        self.remove_common(state, false)
    }

    /// Unregister a multi-instance state (`cpuhp_remove_multi_state`): never
    /// runs callbacks; warns "Error: Removing state %d which has instances
    /// left." if any are.
    ///
    /// # Errors
    /// As [`Hotplug::remove_state_nocalls`].
    pub fn remove_multi_state(&self, state: State) -> Result<(), CpuhpError> {
        self.check_reentry("remove_multi_state")?;
        let _g = self.cpus_read_lock()?;
        self.remove_common(state, false)
    }

    fn add_instance_common(
        &self,
        state: State,
        instance: InstanceId,
        invoke: bool,
    ) -> Result<(), CpuhpError> {
        if state <= State::OFFLINE || state >= State::ONLINE {
            return Err(CpuhpError::InvalidState { state });
        }
        let _span = tracing::info_span!(target: "cpuhp", "cpuhp_add_instance", state = state.raw(), instance = instance.0, invoke).entered();
        let _ops = lock(&self.ops);
        let t = self.snapshot();
        let Callbacks::Multi {
            startup,
            teardown,
            instances,
        } = &t.step(state).cbs
        else {
            return Err(CpuhpError::NotMultiInstance { state });
        };
        if instances.contains(&instance) {
            return Err(CpuhpError::DuplicateInstance { state, instance });
        }
        if let Some(st) = startup.as_ref().filter(|_| invoke) {
            for cpu in 0..self.cpus.len() {
                if self.st(cpu) < state {
                    continue;
                }
                let error = match self.issue(cpu, state, &|| st(cpu, instance)) {
                    Ok(Ok(())) => continue,
                    Ok(Err(error)) => CpuhpError::Callback(CallbackFailure {
                        state,
                        name: t.name(state),
                        cpu,
                        instance: Some(instance),
                        direction: Direction::Startup,
                        error,
                    }),
                    Err(other) => other,
                };
                if let Some(td) = teardown {
                    self.rollback_install(cpu, state, &t.name(state), Some(instance), &|c| {
                        td(c, instance)
                    })?;
                }
                return Err(error);
            }
        }
        drop(t); // see remove_common
        let mut g = lock(&self.table);
        if let Some(Step {
            cbs: Callbacks::Multi { instances, .. },
            ..
        }) = Arc::make_mut(&mut g).steps.get_mut(state.index())
        {
            instances.insert(0, instance);
        }
        Ok(())
    }

    /// Add `instance` to multi-instance `state`, running its startup on every
    /// CPU whose state is at least `state`, ascending
    /// (`cpuhp_state_add_instance`). On failure at CPU X the instance's
    /// teardown runs on the CPUs before X and the instance is not added. A
    /// successful instance goes to the head of the list (newest first).
    ///
    /// # Errors
    /// [`CpuhpError::InvalidState`], [`CpuhpError::NotMultiInstance`],
    /// [`CpuhpError::DuplicateInstance`], [`CpuhpError::Callback`],
    /// [`CpuhpError::Bug`], [`CpuhpError::ReadLockHeld`],
    /// [`CpuhpError::InsideCallback`].
    pub fn add_instance(&self, state: State, instance: InstanceId) -> Result<(), CpuhpError> {
        self.check_reentry("add_instance")?;
        let _g = self.cpus_read_lock()?;
        self.add_instance_common(state, instance, true)
    }

    /// [`Hotplug::add_instance`] without invoking callbacks.
    ///
    /// # Errors
    /// As [`Hotplug::add_instance`] minus the callback errors.
    pub fn add_instance_nocalls(
        &self,
        state: State,
        instance: InstanceId,
    ) -> Result<(), CpuhpError> {
        self.check_reentry("add_instance_nocalls")?;
        let _g = self.cpus_read_lock()?;
        self.add_instance_common(state, instance, false)
    }

    /// [`Hotplug::add_instance_nocalls`] under a held read lock.
    ///
    /// # Errors
    /// As [`Hotplug::add_instance_nocalls`], plus [`CpuhpError::ForeignGuard`].
    pub fn add_instance_nocalls_cpuslocked(
        &self,
        guard: &CpusReadGuard<'_>,
        state: State,
        instance: InstanceId,
    ) -> Result<(), CpuhpError> {
        self.check_guard(guard, "add_instance_nocalls_cpuslocked")?;
        self.add_instance_common(state, instance, false)
    }

    fn remove_instance_common(
        &self,
        state: State,
        instance: InstanceId,
        invoke: bool,
    ) -> Result<(), CpuhpError> {
        if state <= State::OFFLINE || state >= State::ONLINE {
            return Err(self.bug(BugKind::InvalidState(state)));
        }
        let _span = tracing::info_span!(target: "cpuhp", "cpuhp_remove_instance", state = state.raw(), instance = instance.0, invoke).entered();
        let _ops = lock(&self.ops);
        let t = self.snapshot();
        let Callbacks::Multi {
            teardown,
            instances,
            ..
        } = &t.step(state).cbs
        else {
            return Err(CpuhpError::NotMultiInstance { state });
        };
        if !instances.contains(&instance) {
            return Err(CpuhpError::UnknownInstance { state, instance });
        }
        if let Some(td) = teardown.as_ref().filter(|_| invoke) {
            for cpu in 0..self.cpus.len() {
                if self.st(cpu) < state {
                    continue;
                }
                if let Err(error) = self.issue(cpu, state, &|| td(cpu, instance))? {
                    return Err(self.bug(BugKind::TeardownFailed(CallbackFailure {
                        state,
                        name: t.name(state),
                        cpu,
                        instance: Some(instance),
                        direction: Direction::Teardown,
                        error,
                    })));
                }
            }
        }
        drop(t); // see remove_common
        let mut g = lock(&self.table);
        if let Some(Step {
            cbs: Callbacks::Multi { instances, .. },
            ..
        }) = Arc::make_mut(&mut g).steps.get_mut(state.index())
        {
            instances.retain(|&i| i != instance);
        }
        Ok(())
    }

    /// Remove `instance` from multi-instance `state`, running its teardown
    /// on every CPU whose state is at least `state`, ascending
    /// (`cpuhp_state_remove_instance`).
    ///
    /// # Errors
    /// [`CpuhpError::Bug`] (invalid number or failing teardown),
    /// [`CpuhpError::NotMultiInstance`], [`CpuhpError::UnknownInstance`],
    /// [`CpuhpError::ReadLockHeld`], [`CpuhpError::InsideCallback`].
    pub fn remove_instance(&self, state: State, instance: InstanceId) -> Result<(), CpuhpError> {
        self.check_reentry("remove_instance")?;
        let _g = self.cpus_read_lock()?;
        self.remove_instance_common(state, instance, true)
    }

    /// [`Hotplug::remove_instance`] without invoking callbacks.
    ///
    /// # Errors
    /// As [`Hotplug::remove_instance`] minus the teardown failure.
    pub fn remove_instance_nocalls(
        &self,
        state: State,
        instance: InstanceId,
    ) -> Result<(), CpuhpError> {
        self.check_reentry("remove_instance_nocalls")?;
        let _g = self.cpus_read_lock()?;
        self.remove_instance_common(state, instance, false)
    }

    /// The instances of multi-instance `state`, in list order (newest first);
    /// empty for any other state.
    pub fn instances(&self, state: State) -> Vec<InstanceId> {
        match &self.snapshot().step(state).cbs {
            Callbacks::Multi { instances, .. } => instances.clone(),
            _ => Vec::new(),
        }
    }
}

fn load_state(a: &AtomicUsize) -> State {
    // Only valid state indices (< State::COUNT, which fits in u16) are ever
    // stored; saturate defensively instead of panicking.
    State::from_raw(u16::try_from(a.load(Ordering::Acquire)).unwrap_or(u16::MAX))
}
