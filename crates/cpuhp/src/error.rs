//! The crate's error type and the error a callback returns.

use std::fmt;

use crate::state::{DynRange, State};
use crate::{CpuId, InstanceId};

/// Linux errno values used by this crate (positive; the kernel returns them
/// negated).
pub mod errno {
    /// Operation not permitted.
    pub const EPERM: i32 = 1;
    /// I/O error.
    pub const EIO: i32 = 5;
    /// Try again.
    pub const EAGAIN: i32 = 11;
    /// Device or resource busy.
    pub const EBUSY: i32 = 16;
    /// No such device.
    pub const ENODEV: i32 = 19;
    /// Invalid argument.
    pub const EINVAL: i32 = 22;
    /// No space left (no free dynamic slot).
    pub const ENOSPC: i32 = 28;
    /// Resource deadlock would occur.
    pub const EDEADLK: i32 = 35;
}

/// The error a hotplug callback returns: a (positive) errno value, which the
/// registry propagates unchanged, as the kernel does.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, thiserror::Error)]
#[error("error -{errno}")]
pub struct CallbackError {
    errno: i32,
}

impl CallbackError {
    /// `-EIO`.
    pub const EIO: CallbackError = CallbackError { errno: errno::EIO };
    /// `-EINVAL`.
    pub const EINVAL: CallbackError = CallbackError {
        errno: errno::EINVAL,
    };
    /// `-ENODEV`.
    pub const ENODEV: CallbackError = CallbackError {
        errno: errno::ENODEV,
    };
    /// `-EBUSY`.
    pub const EBUSY: CallbackError = CallbackError {
        errno: errno::EBUSY,
    };
    /// `-EAGAIN`.
    pub const EAGAIN: CallbackError = CallbackError {
        errno: errno::EAGAIN,
    };

    /// An error with the given errno. The sign is ignored (`-5` and `5` both
    /// mean EIO); zero is not an error and becomes EINVAL.
    pub const fn new(errno: i32) -> CallbackError {
        let e = errno.unsigned_abs();
        let e = if e == 0 || e > i32::MAX as u32 {
            errno::EINVAL as u32
        } else {
            e
        };
        CallbackError { errno: e as i32 }
    }

    /// The positive errno value.
    pub const fn errno(self) -> i32 {
        self.errno
    }
}

/// Which callback of a state ran.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Direction {
    /// The startup callback (bring-up direction).
    Startup,
    /// The teardown callback (take-down direction).
    Teardown,
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Direction::Startup => "startup",
            Direction::Teardown => "teardown",
        })
    }
}

/// A failed callback: which state, which CPU, which instance, which
/// direction, and the callback's own error.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CallbackFailure {
    /// The state whose callback failed.
    pub state: State,
    /// The state's registered name.
    pub name: String,
    /// The CPU the callback ran for.
    pub cpu: CpuId,
    /// The instance, for a multi-instance state.
    pub instance: Option<InstanceId>,
    /// Startup or teardown.
    pub direction: Direction,
    /// The callback's error.
    pub error: CallbackError,
}

impl fmt::Display for CallbackFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} callback of state {} ({}) failed on CPU {}",
            self.direction, self.state, self.name, self.cpu
        )?;
        if let Some(i) = self.instance {
            write!(f, " for instance {i}")?;
        }
        write!(f, ": {}", self.error)
    }
}

/// What made the kernel hit `BUG()`: a fatal outcome, reported as a value.
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum BugKind {
    /// A teardown issued by setup rollback, `remove_state` or
    /// `remove_instance` failed (teardowns there must not fail).
    TeardownFailed(CallbackFailure),
    /// `remove_state`/`remove_instance` was given a number outside
    /// `OFFLINE+1 ..= ONLINE-1`.
    InvalidState(State),
}

impl fmt::Display for BugKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BugKind::TeardownFailed(fl) => write!(f, "{fl}"),
            BugKind::InvalidState(s) => write!(f, "invalid hotplug state {s} removed"),
        }
    }
}

/// Every error of the hotplug registry.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CpuhpError {
    /// A CPU index outside the registry (`-EINVAL`).
    #[error("CPU {cpu} does not exist: the registry has {cpus} CPUs")]
    InvalidCpu {
        /// The index given.
        cpu: CpuId,
        /// Number of CPUs of the registry.
        cpus: usize,
    },
    /// A registry was configured with no CPU at all.
    #[error("a hotplug registry needs at least one CPU, got 0")]
    NoCpus,
    /// No CPU was configured to start online (there must be a boot CPU).
    #[error("no CPU is configured to start online; at least the boot CPU must be")]
    NoOnlineCpu,
    /// The executor cannot run jobs for every CPU of the registry.
    #[error("the executor serves {executor} CPUs but the registry has {cpus}")]
    ExecutorTooSmall {
        /// CPUs the executor serves.
        executor: usize,
        /// CPUs the registry needs.
        cpus: usize,
    },
    /// The executor was asked to run a job on a CPU it does not serve.
    #[error("the executor has no worker for CPU {cpu} (it serves {cpus} CPUs)")]
    ExecutorNoCpu {
        /// The CPU asked for.
        cpu: CpuId,
        /// CPUs the executor serves.
        cpus: usize,
    },
    /// A hotplug worker thread could not be started.
    #[error("could not start the hotplug worker for CPU {cpu}: {reason}")]
    ExecutorSpawn {
        /// The CPU whose worker failed to start.
        cpu: CpuId,
        /// The reason given by the thread builder.
        reason: String,
    },
    /// A state number outside `OFFLINE+1 ..= ONLINE-1` (`-EINVAL`).
    #[error("state {state} is outside the registrable range {min}..={max}", min = State::OFFLINE.raw() + 1, max = State::ONLINE.raw() - 1)]
    InvalidState {
        /// The number given.
        state: State,
    },
    /// An empty name (the kernel's NULL name) (`-EINVAL`).
    #[error("state {state}: a registered state needs a non-empty name")]
    EmptyName {
        /// The state requested.
        state: State,
    },
    /// The state already has a name (`-EBUSY`); nothing was changed.
    #[error("state {state} is already registered as \"{name}\"")]
    StateBusy {
        /// The state requested.
        state: State,
        /// The name it already has.
        name: String,
    },
    /// The dynamic range is full (`-ENOSPC`).
    #[error("No more dynamic states available for CPU hotplug (all {slots} {range} slots are in use)", slots = range.slots())]
    NoDynamicSlot {
        /// The range that is full.
        range: DynRange,
    },
    /// An attempt to remove one of the hotplug machine's own states.
    #[error(
        "state {state} (\"{name}\") is a core state of the hotplug machine and cannot be removed"
    )]
    CoreState {
        /// The state given.
        state: State,
        /// Its core name.
        name: &'static str,
    },
    /// An instance operation on a state that is not multi-instance (`-EINVAL`).
    #[error("state {state} is not a registered multi-instance state")]
    NotMultiInstance {
        /// The state given.
        state: State,
    },
    /// The instance is already on the state's list.
    #[error("instance {instance} is already added to state {state}")]
    DuplicateInstance {
        /// The state given.
        state: State,
        /// The instance given.
        instance: InstanceId,
    },
    /// The instance is not on the state's list.
    #[error("instance {instance} is not added to state {state}")]
    UnknownInstance {
        /// The state given.
        state: State,
        /// The instance given.
        instance: InstanceId,
    },
    /// A callback failed; its error code is propagated unchanged.
    #[error("{0}")]
    Callback(CallbackFailure),
    /// `cpu_up`/`cpu_down` while CPU hotplug is disabled
    /// (`cpu_hotplug_disable`, `-EBUSY`); nothing was changed.
    #[error(
        "{op} of CPU {cpu}: CPU hotplug is disabled ({depth} cpu_hotplug_disable guard(s) alive)"
    )]
    HotplugDisabled {
        /// The operation called.
        op: &'static str,
        /// The CPU given.
        cpu: CpuId,
        /// How many disable guards were alive.
        depth: usize,
    },
    /// `cpu_down` of the last online CPU (`-EBUSY`).
    #[error("CPU {cpu} is the last online CPU and cannot go offline")]
    LastOnlineCpu {
        /// The CPU given.
        cpu: CpuId,
    },
    /// A read guard of another registry was passed to a `_cpuslocked` call.
    #[error("{op}: the hotplug read guard passed belongs to another registry")]
    ForeignGuard {
        /// The operation called.
        op: &'static str,
    },
    /// The calling thread already holds this registry's hotplug read lock;
    /// taking it again (or waiting for the write side) would deadlock as the
    /// kernel's non-recursive `cpus_read_lock` does. Use the `_cpuslocked`
    /// variant.
    #[error("{op}: this thread already holds the hotplug read lock of this registry (recursive cpus_read_lock would deadlock); use the _cpuslocked variant")]
    ReadLockHeld {
        /// The operation called.
        op: &'static str,
    },
    /// A registry call from inside one of its own hotplug callbacks (would
    /// deadlock in the kernel).
    #[error("{op}: called from inside a hotplug callback of this registry (would deadlock)")]
    InsideCallback {
        /// The operation called.
        op: &'static str,
    },
    /// Fault injection refused for this state (`-EINVAL`).
    #[error("CPU {cpu}: cannot inject a failure at state {state}: {reason}")]
    FailNotAllowed {
        /// The CPU given.
        cpu: CpuId,
        /// The state given.
        state: State,
        /// Why the kernel refuses it.
        reason: &'static str,
    },
    /// A fatal kernel outcome (`BUG()`), reported as a value.
    #[error("kernel BUG: {0}")]
    Bug(BugKind),
}

impl CpuhpError {
    /// The errno the kernel would return for this error (positive; the
    /// kernel's return value is its negation). A callback's own error is
    /// passed through unchanged; a `Bug` has none in the kernel and maps to
    /// EINVAL here.
    pub fn errno(&self) -> i32 {
        use CpuhpError as E;
        match self {
            E::Callback(f) => f.error.errno(),
            E::StateBusy { .. } | E::LastOnlineCpu { .. } | E::HotplugDisabled { .. } => {
                errno::EBUSY
            }
            E::NoDynamicSlot { .. } => errno::ENOSPC,
            E::ReadLockHeld { .. } | E::InsideCallback { .. } => errno::EDEADLK,
            E::CoreState { .. } => errno::EPERM,
            E::ExecutorSpawn { .. } | E::ExecutorNoCpu { .. } => errno::EAGAIN,
            E::InvalidCpu { .. }
            | E::NoCpus
            | E::NoOnlineCpu
            | E::ExecutorTooSmall { .. }
            | E::InvalidState { .. }
            | E::EmptyName { .. }
            | E::NotMultiInstance { .. }
            | E::DuplicateInstance { .. }
            | E::UnknownInstance { .. }
            | E::ForeignGuard { .. }
            | E::FailNotAllowed { .. }
            | E::Bug(_) => errno::EINVAL,
        }
    }

    /// Whether this is a fatal kernel outcome (`BUG()`).
    pub fn is_bug(&self) -> bool {
        matches!(self, CpuhpError::Bug(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_error_normalises_sign() {
        assert_eq!(CallbackError::new(-5), CallbackError::EIO);
        assert_eq!(CallbackError::new(5), CallbackError::EIO);
        assert_eq!(CallbackError::new(0), CallbackError::EINVAL);
        assert_eq!(CallbackError::new(i32::MIN).errno(), errno::EINVAL);
    }

    #[test]
    fn errno_mapping() {
        let e = CpuhpError::NoDynamicSlot {
            range: DynRange::ApOnline,
        };
        assert_eq!(e.errno(), errno::ENOSPC);
        assert!(e
            .to_string()
            .starts_with("No more dynamic states available for CPU hotplug"));
        let f = CpuhpError::Callback(CallbackFailure {
            state: State::AP_ONLINE_DYN,
            name: "t:online".into(),
            cpu: 2,
            instance: None,
            direction: Direction::Startup,
            error: CallbackError::EIO,
        });
        assert_eq!(f.errno(), errno::EIO);
        let msg = f.to_string();
        assert!(msg.contains("CPU 2") && msg.contains("t:online"), "{msg}");
        assert!(!f.is_bug());
    }
}
