//! The step table: one [`Step`] per [`State`] (name, callbacks, instances),
//! copied on write; the per-CPU records; the callback and configuration types.

use std::fmt;
use std::sync::Arc;

use crate::error::{CallbackError, Direction};
use crate::state::State;
use crate::sync::{AtomicBool, AtomicUsize, Ordering};
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
pub(super) enum Callbacks {
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
pub(super) struct Step {
    pub(super) name: Option<Arc<str>>,
    pub(super) core: bool,
    pub(super) cbs: Callbacks,
}

impl Step {
    pub(super) const EMPTY: Step = Step {
        name: None,
        core: false,
        cbs: Callbacks::None,
    };

    pub(super) fn has(&self, dir: Direction) -> bool {
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
pub(super) struct Table {
    pub(super) steps: Vec<Step>,
}

impl Table {
    pub(super) fn new() -> Table {
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

    pub(super) fn step(&self, s: State) -> &Step {
        self.steps.get(s.index()).unwrap_or(&Step::EMPTY)
    }

    pub(super) fn name(&self, s: State) -> String {
        self.step(s)
            .name
            .as_deref()
            .unwrap_or("(unregistered)")
            .to_owned()
    }
}

pub(super) struct CpuRecord {
    pub(super) state: AtomicUsize,
    pub(super) target: AtomicUsize,
    pub(super) online: AtomicBool,
    /// Fault-injection state (`hotplug/fail`), [`NO_FAIL`] when unset.
    pub(super) fail: AtomicUsize,
}

/// The kernel's `CPUHP_INVALID` for the fault-injection field.
pub(super) const NO_FAIL: usize = usize::MAX;

/// Whether a walk is an ordinary transition or the undo of a failed one.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    Normal,
    Rollback,
}

pub(super) fn load_state(a: &AtomicUsize) -> State {
    // Only valid state indices (< State::COUNT, which fits in u16) are ever
    // stored; saturate defensively instead of panicking.
    State::from_raw(u16::try_from(a.load(Ordering::Acquire)).unwrap_or(u16::MAX))
}
