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
pub use registry::{Callback, CpusReadGuard, Hotplug, HotplugConfig, InstanceId, MultiCallback};
pub use state::{DynRange, Section, State};
