//! The driver's printk model: log levels, the messages with the kernel's
//! wording, and the "once" call sites.

use std::fmt;

use serde::Serialize;

use super::{HOTPLUG_STATE_NAME, LOG_TARGET};

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
    /// for the init splat.
    pub prefix: &'static str,
    /// The text after the prefix.
    pub text: String,
}

impl fmt::Display for LogLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.prefix, self.text)
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
    /// `cpuhp_setup_state_cpuslocked` returned an error: the WARNING splat.
    SetupFailed(String),
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
            Message::SetupFailed(_) => "WARNING",
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
            Message::SetupFailed(e) => write!(
                f,
                "arch_hw_breakpoint_init: cpuhp_setup_state_cpuslocked(AP_ONLINE_DYN, \"{HOTPLUG_STATE_NAME}\") failed: {e}"
            ),
        }
    }
}
