//! The driver's printk model: log levels, the messages with the kernel's
//! wording, and the "once" call sites.

use std::fmt;

use serde::Serialize;

use super::LOG_TARGET;

/// Severity of a log line (the kernel's printk level).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// `pr_info`.
    Info,
    /// `pr_warn` / `pr_warn_once`, and the WARNING splat.
    Warn,
}

/// One line of the kernel log as the driver (or the hotplug core on its
/// behalf) prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogLine {
    /// Severity.
    pub level: Level,
    /// The prefix: `hw-breakpoint` for the driver's `pr_*` lines, `WARNING`
    /// for the init splat's WARNING line, empty for its framing lines.
    pub prefix: &'static str,
    /// The text after the prefix.
    pub text: String,
}

impl fmt::Display for LogLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.prefix.is_empty() {
            f.write_str(&self.text)
        } else {
            write!(f, "{}: {}", self.prefix, self.text)
        }
    }
}

/// The driver's message catalogue (docs/kernel-flow.md, `messages`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// MIDR\[19:16\] ≠ 0xF (warn, once).
    CpuidNotSupported,
    /// Init step 2 (info).
    ArchUnsupported(u8),
    /// Init step 3 (info).
    Scorpion,
    /// The debug-register hook fired (warn, every time).
    DebugRegTrap {
        /// The trapped instruction.
        instr: u32,
        /// The CPU it trapped on.
        cpu: u32,
    },
    /// Reset step B (warn, once).
    PoweredDown(u32),
    /// Reset step D (warn, once).
    VectorCatch(u32),
    /// Reset step E (warn, once).
    ClearPairs(u32),
    /// `enable_monitor_mode` read-back check (warn, once).
    MonitorMode(u32),
    /// Init success: counts.
    Found {
        /// `core_num_brps`.
        brps: u8,
        /// Whether one BRP is reserved for mismatch.
        reserved: bool,
        /// `core_num_wrps`.
        wrps: u8,
    },
    /// Init success: the watchpoint length probe.
    MaxWatchpoint(u8),
    /// `arch_install_hw_breakpoint()` / `arch_uninstall_hw_breakpoint()`
    /// found no slot (`pr_warn`, every time; then `-EBUSY`).
    NoSlot,
    /// First line of a WARN splat (the BUG/WARN trap path's
    /// `------------[ cut here ]------------`).
    CutHere,
    /// The `WARN_ON(ret < 0)` of `arch_hw_breakpoint_init()` when
    /// `cpuhp_setup_state_cpuslocked()` failed: `kernel/panic.c` `__warn()`'s
    /// `WARNING: CPU: %d PID: %d at %pS` line. The no-file form
    /// (`CONFIG_DEBUG_BUGVERBOSE=n`) is rendered, and `%pS` without its
    /// `+offset/size` suffix: both depend on the kernel build, which the
    /// emulator cannot know (docs/fidelity-decisions.md#j5-warn-splat).
    WarnOn {
        /// The CPU that ran the check (the init CPU).
        cpu: u32,
        /// The task's PID (1: init runs initcalls).
        pid: u32,
        /// The calling function.
        function: &'static str,
    },
    /// Last line of a WARN splat (`---[ end trace %016llx ]---`; the
    /// trace id is 0 on the first splat of a boot).
    EndTrace,
}

/// The call sites whose message is printed once per boot.
#[derive(Debug, Clone, Copy)]
pub(super) enum OnceSite {
    Cpuid = 0,
    PoweredDown = 1,
    VectorCatch = 2,
    ClearPairs = 3,
    MonitorMode = 4,
}

pub(super) const ONCE_SITES: usize = 5;

impl Message {
    pub(super) fn level(&self) -> Level {
        match self {
            Message::ArchUnsupported(_)
            | Message::Scorpion
            | Message::Found { .. }
            | Message::MaxWatchpoint(_) => Level::Info,
            _ => Level::Warn,
        }
    }

    pub(super) fn once_site(&self) -> Option<OnceSite> {
        Some(match self {
            Message::CpuidNotSupported => OnceSite::Cpuid,
            Message::PoweredDown(_) => OnceSite::PoweredDown,
            Message::VectorCatch(_) => OnceSite::VectorCatch,
            Message::ClearPairs(_) => OnceSite::ClearPairs,
            Message::MonitorMode(_) => OnceSite::MonitorMode,
            _ => return None,
        })
    }

    pub(super) fn prefix(&self) -> &'static str {
        match self {
            Message::WarnOn { .. } => "WARNING",
            Message::CutHere | Message::EndTrace => "",
            _ => LOG_TARGET,
        }
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Message::CpuidNotSupported => {
                f.write_str("CPUID feature registers not supported. Assuming v6 debug is present.")
            }
            Message::ArchUnsupported(v) => write!(f, "debug architecture 0x{v:x} unsupported."),
            Message::Scorpion => {
                f.write_str("Scorpion CPU detected. Hardware breakpoints and watchpoints disabled")
            }
            Message::DebugRegTrap { instr, cpu } => write!(
                f,
                "Debug register access (0x{instr:x}) caused undefined instruction on CPU {cpu}"
            ),
            Message::PoweredDown(cpu) => write!(f, "CPU {cpu} debug is powered down!"),
            Message::VectorCatch(cpu) => write!(f, "CPU {cpu} failed to disable vector catch"),
            Message::ClearPairs(cpu) => {
                write!(f, "CPU {cpu} failed to clear debug register pairs")
            }
            Message::MonitorMode(cpu) => write!(f, "Failed to enable monitor mode on CPU {cpu}."),
            Message::Found {
                brps,
                reserved,
                wrps,
            } => write!(
                f,
                "found {brps} {}breakpoint and {wrps} watchpoint registers.",
                if *reserved { "(+1 reserved) " } else { "" }
            ),
            Message::MaxWatchpoint(n) => write!(f, "maximum watchpoint size is {n} bytes."),
            Message::NoSlot => f.write_str("Can't find any breakpoint slot"),
            Message::CutHere => f.write_str("------------[ cut here ]------------"),
            Message::WarnOn { cpu, pid, function } => {
                write!(f, "CPU: {cpu} PID: {pid} at {function}")
            }
            Message::EndTrace => f.write_str("---[ end trace 0000000000000000 ]---"),
        }
    }
}
