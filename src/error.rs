//! The root package's error type: everything a caller of [`crate::machine`]
//! or [`crate::driver`] (or the `dbgemu` CLI) can get wrong. Each variant names
//! the offending value; a call that fails this way leaves every state as it
//! was.
//!
//! What the *guest* runs into (an Undefined Instruction exception nobody
//! handles, a hotplug callback failing) is not an error of the caller: it is
//! an outcome ([`crate::machine::KernelOops`], [`crate::driver::InitResult`]).

use dbgregs::error::DbgRegsError;

/// Everything that can be wrong with input to the `dbgemu` package.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DbgemuError {
    /// A core model name no preset has, or a custom model the builder
    /// refused.
    #[error(transparent)]
    Model(#[from] DbgRegsError),
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
    /// A fault spec that is not `CPU:KIND`.
    #[error("malformed fault `{spec}`: expected CPU:KIND, e.g. 2:swenable-low")]
    MalformedFault {
        /// The text given.
        spec: String,
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
    /// A CPU list (`2,3`, `1-3`) that does not parse.
    #[error("malformed CPU list `{list}`: {reason}")]
    MalformedCpuList {
        /// The text given.
        list: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The CPU hotplug registry refused a request (the machine's own
    /// operation, e.g. bringing a CPU up).
    #[error("CPU hotplug: {0}")]
    Hotplug(String),
    /// An executor name other than `inline` or `threads`.
    #[error("unknown executor `{name}` (known: inline, threads)")]
    UnknownExecutor {
        /// The text given.
        name: String,
    },
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
    BpOops(crate::oops::KernelOops),
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
    /// A replay trace word that is no CP14 access.
    #[error("line {line}: `{text}`: {word:#010x} is not a CP14 access")]
    TraceNotCp14 {
        /// 1-based line number.
        line: usize,
        /// The line as given.
        text: String,
        /// The word.
        word: u32,
    },
    /// A `decode` argument that is not 8 hex digits.
    #[error("invalid word {text:?} (argument {index}): expected 8 hex digits, optionally prefixed by 0x")]
    WordArgument {
        /// The argument as given.
        text: String,
        /// Its position among the WORD arguments, from 1.
        index: usize,
    },
    /// A line of `decode`'s standard input that is not 8 hex digits.
    #[error("invalid word {text:?} (stdin line {line}): expected 8 hex digits, optionally prefixed by 0x")]
    WordLine {
        /// The line, trimmed.
        text: String,
        /// Its line number, from 1.
        line: usize,
    },
    /// Reading the input or writing the output failed.
    #[error("I/O error: {0}")]
    Io(String),
}

impl From<std::io::Error> for DbgemuError {
    fn from(e: std::io::Error) -> Self {
        DbgemuError::Io(e.to_string())
    }
}
