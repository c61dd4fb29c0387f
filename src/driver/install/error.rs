//! What the breakpoint install path refuses (the kernel's `-EINVAL`,
//! `-EBUSY`, `-ENODEV`), with the value that was wrong.

/// An error registering, unregistering or handling a breakpoint or
/// watchpoint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InstallError {
    /// A breakpoint or watchpoint length the core or the kernel's control
    /// register encoding cannot express (the kernel's `-EINVAL`).
    #[error("{kind} length {len} is not supported: {reason}")]
    BpBadLength {
        /// `"breakpoint"` or `"watchpoint"`.
        kind: &'static str,
        /// The length asked for, in bytes.
        len: u8,
        /// Why not.
        reason: &'static str,
    },
    /// A breakpoint or watchpoint address whose offset within the aligned
    /// word (doubleword for 8 bytes) the length cannot start at (`-EINVAL`).
    #[error("{kind} at {address:#010x} with length {len} is misaligned: {reason}")]
    BpMisaligned {
        /// `"breakpoint"` or `"watchpoint"`.
        kind: &'static str,
        /// The address asked for.
        address: u32,
        /// The length asked for.
        len: u8,
        /// Why not.
        reason: &'static str,
    },
    /// A step-over (default overflow handler) breakpoint or watchpoint the
    /// kernel's stepping mechanism cannot serve (`-EINVAL` / `-EPERM`).
    #[error("cannot step over a {kind} at {address:#010x}: {reason}")]
    BpStepUnsupported {
        /// `"breakpoint"` or `"watchpoint"`.
        kind: &'static str,
        /// The address asked for.
        address: u32,
        /// Why not.
        reason: &'static str,
    },
    /// Every slot of the kind is in use on that CPU, or the driver has none
    /// (after a failed init): "Can't find any breakpoint slot" (`-EBUSY`).
    #[error("Can't find any breakpoint slot: CPU {cpu} has {count} {kind} slot(s), none free")]
    BpNoSlot {
        /// The CPU.
        cpu: usize,
        /// `"breakpoint"` or `"watchpoint"`.
        kind: &'static str,
        /// The driver's slot count (`core_num_brps` / `core_num_wrps`).
        count: u8,
    },
    /// The CPU is not in monitor debug mode (`-ENODEV`).
    #[error("CPU {cpu} is not in monitor debug mode (DBGDSCR.MDBGen is clear)")]
    BpNoMonitorMode {
        /// The CPU.
        cpu: usize,
    },
    /// A breakpoint handle that names nothing installed.
    #[error("no breakpoint or watchpoint is installed with handle {handle}")]
    BpUnknownHandle {
        /// The handle given.
        handle: usize,
    },
    /// Programming the debug registers took an undefined-instruction oops.
    #[error("debug register access oopsed: {0}")]
    BpOops(#[source] crate::oops::KernelOops),
    /// A replay trace line that is not `<8-hex word> [0xVALUE]`.
    #[error("line {line}: `{text}`: {why}")]
    TraceLine {
        /// 1-based line number.
        line: usize,
        /// The line as given.
        text: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// A CPU the machine does not have.
    #[error(transparent)]
    Machine(#[from] crate::machine::MachineError),
}
