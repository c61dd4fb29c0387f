//! How a [`Machine`](super::Machine) is built: vCPU count, faults, offline
//! CPUs, hotplug executor.

use std::fmt;

use dbgregs::model::CoreModel;
use serde::Serialize;

use super::Fault;

/// The largest machine [`Machine::new`] builds.
pub const MAX_CPUS: usize = 4096;

/// Which hotplug executor runs the per-CPU callbacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Executor {
    /// On the calling thread (deterministic).
    #[default]
    Inline,
    /// One `cpuhp/<n>` worker thread per CPU, as in the kernel.
    Threads,
}

impl fmt::Display for Executor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Executor::Inline => "inline",
            Executor::Threads => "threads",
        })
    }
}

/// How to build a [`Machine`].
#[derive(Debug, Clone)]
pub struct MachineConfig {
    /// The core model of every vCPU (faults may derive a variant per vCPU).
    pub model: CoreModel,
    /// Number of vCPUs.
    pub cpus: usize,
    /// Faults, per CPU.
    pub faults: Vec<Fault>,
    /// CPUs that start offline (not CPU 0, the boot CPU).
    pub offline: Vec<usize>,
    /// The hotplug executor.
    pub executor: Executor,
    /// Record every instruction each vCPU executes (tests; costs a push per
    /// access when on).
    pub trace: bool,
}

impl MachineConfig {
    /// `cpus` vCPUs of `model`, all online, no faults, inline executor.
    pub fn new(model: CoreModel, cpus: usize) -> MachineConfig {
        MachineConfig {
            model,
            cpus,
            faults: Vec::new(),
            offline: Vec::new(),
            executor: Executor::Inline,
            trace: false,
        }
    }
}
