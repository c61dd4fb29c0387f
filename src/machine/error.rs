//! What a caller of [`Machine`](super::Machine) can get wrong: each variant
//! names the offending value, and a call that fails this way leaves the
//! machine as it was.

/// An error building or driving a [`Machine`](super::Machine).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MachineError {
    /// A machine of zero vCPUs, or more than the machine supports.
    #[error("vCPU count {count} is out of range: a machine has 1..={max} vCPUs")]
    BadCpuCount {
        /// The count asked for.
        count: usize,
        /// The largest supported count.
        max: usize,
    },
    /// A CPU index past the machine's last vCPU.
    #[error("CPU {cpu} does not exist: the machine has {count} vCPUs (0..={last})", last = count - 1)]
    NoSuchCpu {
        /// The index asked for.
        cpu: usize,
        /// The machine's vCPU count.
        count: usize,
    },
    /// The boot CPU (0) cannot start offline: it runs the init code.
    #[error("CPU 0 is the boot CPU and cannot start offline")]
    BootCpuOffline,
    /// A fault kind the CLI/`FromStr` does not know.
    #[error("unknown fault kind `{kind}` (known kinds: swenable-low, powered-down, double-lock, no-os-save-restore, spd-on-wfi, monitor-refused)")]
    UnknownFault {
        /// The text given.
        kind: String,
    },
    /// A fault the core model cannot have (the double lock before v7.1, no
    /// OS Lock on an Armv8 core).
    #[error("fault {kind} cannot be applied to CPU {cpu} of model {model}: {reason}")]
    FaultNotApplicable {
        /// The fault's name.
        kind: &'static str,
        /// The CPU it was asked for.
        cpu: usize,
        /// The machine's model.
        model: &'static str,
        /// Why not.
        reason: String,
    },
    /// The CPU hotplug registry refused a request (the machine's own
    /// operation, e.g. bringing a CPU up, or building the registry).
    #[error("CPU hotplug: {0}")]
    Hotplug(#[from] cpuhp::CpuhpError),
    /// A CPU PM cycle asked of an offline CPU.
    #[error("CPU hotplug: CPU {cpu} is offline: it cannot enter a low-power state")]
    SuspendOffline {
        /// The CPU.
        cpu: usize,
    },
}
