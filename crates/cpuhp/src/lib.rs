//! The CPU hotplug state registry, with the Linux kernel's guarantees, for a
//! VMM's vCPUs.
//!
//! Each CPU walks an ordered [`State`] space: bringing it online runs the
//! registered startup callbacks in ascending state order, taking it offline
//! runs the teardowns in descending order. The space has three sections that
//! decide where a callback runs:
//!
//! * PREPARE ([`Section::Prepare`]): on the control thread (the caller of
//!   [`Hotplug::cpu_up`], [`Hotplug::setup_state`], ...);
//! * STARTING ([`Section::Starting`]): on the target CPU with "interrupts
//!   disabled" ([`irqs_disabled`]); failures are only warned about;
//! * ONLINE ([`Section::Online`]): on the target CPU's hotplug worker.
//!
//! "On the target CPU" means through the registry's [`CpuExecutor`]:
//! [`InlineExecutor`] (deterministic, on the calling thread) or
//! [`ThreadPerCpuExecutor`] (one `cpuhp/<n>` thread per CPU); inside a job
//! [`current_cpu`] names the CPU.
//!
//! Semantics follow the current kernel (`kernel/cpu.c`): 21 dynamic PREPARE
//! slots and 41 dynamic ONLINE slots allocated lowest-first; a failing
//! startup during `setup_state` on CPU X is undone on the CPUs before X in
//! *ascending* order (X itself is not torn down) and the state is freed; a
//! failing startup during `cpu_up` unwinds that CPU back to OFFLINE; a failing
//! teardown during `cpu_down` re-runs the startups above it; a failing
//! teardown where the kernel would `BUG()` is [`CpuhpError::Bug`].
//!
//! # The hotplug lock
//!
//! [`Hotplug::cpus_read_lock`] returns a [`CpusReadGuard`]; while any guard
//! is alive no CPU comes online or goes offline (`cpu_up`/`cpu_down` wait).
//! The `_cpuslocked` variants take the guard by reference as proof. The lock
//! is not recursive, as in the kernel; where the kernel would deadlock (a
//! plain `setup_state` while this thread holds the read lock, any blocking
//! registry call from inside one of its callbacks) the call returns
//! [`CpuhpError::ReadLockHeld`] / [`CpuhpError::InsideCallback`] instead.
//!
//! [`Hotplug::cpu_hotplug_disable`] (the kernel's `cpu_hotplug_disable`, used
//! across suspend) returns a [`HotplugDisabledGuard`]: until it is dropped,
//! `cpu_up`/`cpu_down` fail with [`CpuhpError::HotplugDisabled`] (`-EBUSY`)
//! instead of waiting. Whole transitions are serialised by a separate lock
//! taken before the hotplug lock (`cpu_add_remove_lock`), which disabling
//! takes too, so it waits for a transition in progress.
//!
//! # Model decisions (where the reference is silent)
//!
//! * State numbers are this model's own; order and section boundaries follow
//!   the kernel. Static states free for registration: `PERF_PREPARE`, three
//!   STARTING states, `AP_PERF_ONLINE`. `BP_KICK_AP` is not modelled.
//! * The machine's own states (`offline`, `cpu:bringup`, `idle:dead`,
//!   `ap:offline`, `ap:online`, `cpu:teardown`, `ap:online-idle`,
//!   `sched:active`, `online`) are named and listed; registering one is
//!   `StateBusy` (as in the kernel), removing one is [`CpuhpError::CoreState`]
//!   (the kernel would silently wipe it).
//! * An empty name stands for the kernel's NULL name (`EmptyName`, EINVAL).
//! * A failure while undoing a failed transition is logged and the CPU stays
//!   where it is; the original error is returned. A failing DEAD (PREPARE)
//!   teardown during `cpu_down` is logged ("DEAD callback error for CPU%d")
//!   and the walk continues: the CPU is already gone.
//! * A teardown failing where the kernel `BUG()`s: for `remove_state` /
//!   `remove_instance` the state/instance stays registered (the kernel died
//!   mid-loop); for a setup/add-instance rollback the state is unregistered /
//!   the instance not added before `Bug` is returned.
//! * The online mark is set when a CPU passes `AP_ONLINE` and cleared at
//!   `TEARDOWN_CPU` before its DYING callbacks; `cpu_down` refuses when no
//!   other CPU is marked online.
//! * A multi-instance add of an instance already listed, or a removal of one
//!   not listed, is a typed error (kernel: list corruption).
//! * The ONLINE section of a transition runs as one job on the CPU's worker
//!   (the kernel wakes the worker per state); nothing else can run on it in
//!   between because the write lock is held.
//! * Fault injection (the kernel's per-CPU `hotplug/fail`) is
//!   [`Hotplug::set_fail`]: one-shot EAGAIN, with the kernel's refusals.
//! * Kernel messages are kept for [`Hotplug::take_messages`] and emitted as
//!   `tracing` warnings; callbacks are traced as `cpuhp_enter`/`cpuhp_exit`.
//!
//! # Modules, in reading order (bottom layer first)
//! Each module uses only the ones above it in this list; the everyday API is
//! re-exported at the crate root.
//! * `state`, `sync`: the [`State`] space and its sections; the locks and atomics
//!   (std or loom);
//! * `error`, `context`, `lock`: [`CpuhpError`] and callback errors; the per-thread
//!   CPU context ([`current_cpu`], [`irqs_disabled`]); the hotplug rwlock;
//! * `executor`: where a callback runs ([`CpuExecutor`]);
//! * `registry`: `table` (the step table) → `mod` ([`Hotplug`], queries, fault
//!   injection) → `disable` (the read lock, [`Hotplug::cpu_hotplug_disable`]) →
//!   `walk` (callbacks, up/down with rollback, `cpu_up`/`cpu_down`) → `api`
//!   (setup/remove state) → `instance` (multi-instance add/remove).
//!
//! The kernel facts behind these rules are collected in `docs/cpuhp.md`.
//!
//! # Example: the ARM hw_breakpoint driver pattern
//!
//! Install a dynamic ONLINE state whose startup resets every online CPU now
//! and every CPU that comes online later; if the driver then decides to back
//! out, remove the state without calls — all under the read lock, so that no
//! CPU can come online in between and run the callback.
//!
//! ```
//! use std::sync::Arc;
//! use std::sync::atomic::{AtomicUsize, Ordering};
//! use cpuhp::{Callback, CpuhpError, Hotplug, HotplugConfig, InlineExecutor, State};
//!
//! # fn main() -> Result<(), CpuhpError> {
//! let hp = Hotplug::new(HotplugConfig { cpus: 4, online: vec![0, 1, 2] }, InlineExecutor)?;
//! let resets = Arc::new(AtomicUsize::new(0));
//! let r = Arc::clone(&resets);
//! let reset: Callback = Arc::new(move |_cpu| {
//!     r.fetch_add(1, Ordering::SeqCst);
//!     Ok(())
//! });
//!
//! let guard = hp.cpus_read_lock()?;
//! let state = hp.setup_state_cpuslocked(
//!     &guard,
//!     State::AP_ONLINE_DYN,
//!     "arm/hw_breakpoint:online",
//!     Some(reset),
//!     None,
//! )?;
//! assert_eq!(state, State::AP_ONLINE_DYN); // first dynamic slot
//! assert_eq!(resets.load(Ordering::SeqCst), 3); // CPUs 0, 1, 2
//!
//! // Some CPU reported an error: back out without calling anything.
//! let some_cpu_failed = true;
//! if some_cpu_failed {
//!     hp.remove_state_nocalls_cpuslocked(&guard, state)?;
//! }
//! drop(guard); // cpus_read_unlock
//!
//! hp.cpu_up(3)?; // the state is gone: no reset for CPU 3
//! assert_eq!(resets.load(Ordering::SeqCst), 3);
//! assert!(hp.state_name(state).is_none());
//! # Ok(())
//! # }
//! ```

mod context;
mod error;
mod executor;
mod lock;
mod registry;
mod state;
mod sync;

/// A CPU index, `0..Hotplug::cpus()`.
pub type CpuId = usize;

pub use context::{current_cpu, enter_cpu_context, irqs_disabled, CpuContextGuard};
pub use error::{errno, BugKind, CallbackError, CallbackFailure, CpuhpError, Direction};
#[cfg(not(loom))]
pub use executor::ThreadPerCpuExecutor;
pub use executor::{CpuExecutor, InlineExecutor};
pub use registry::{
    Callback, CpusReadGuard, Hotplug, HotplugConfig, HotplugDisabledGuard, InstanceId,
    MultiCallback,
};
pub use state::{DynRange, Section, State};
