//! What [`HwBreakpoint::init`](super::HwBreakpoint::init) is asked
//! ([`InitOptions`]) and what it reports ([`InitResult`]).

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use super::{KernelConfig, LogLine};
use crate::debug_arch as arch;
use crate::oops::KernelOops;

/// Points in [`HwBreakpoint::init`] at which a test can synchronise with
/// another thread (see [`InitOptions::window`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InitWindow {
    /// `setup_state` returned; the debug-register hook is still registered.
    AfterSetup,
    /// The hook is unregistered; the error check (and, on failure, the
    /// state's removal) is next.
    AfterHookUnregistered,
}

/// A synchronisation callback for tests (see [`InitOptions::window`]).
pub type WindowFn = Arc<dyn Fn(InitWindow) + Send + Sync>;

/// Which kernel's driver to replay, where they differ in this flow
/// (docs/kernel-flow.md, `monitor-mode` and `driver-versions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub enum DriverVersion {
    /// Current mainline: `enable_monitor_mode` handles v6, v6.1, v7 ECP14,
    /// v7.1, v8, v8.1, v8.2 and v8.4.
    #[default]
    Current,
    /// v4.10: `enable_monitor_mode` handles up to v8 (6); a later debug
    /// architecture gets `-ENODEV`, silently, unless MDBGen was already set.
    V4_10,
}

impl DriverVersion {
    /// The highest debug architecture `enable_monitor_mode` writes MDBGen
    /// for.
    pub const fn max_monitor_arch(self) -> u8 {
        match self {
            DriverVersion::Current => arch::V8_4,
            DriverVersion::V4_10 => arch::V8,
        }
    }
}

/// Options of [`HwBreakpoint::init`].
#[derive(Clone)]
pub struct InitOptions {
    /// Hold the hotplug read lock from before the hook registration to after
    /// the failure-path removal / the fault-handler installation, using the
    /// `_cpuslocked` API — what the kernel does (default `true`). `false` is
    /// a test-only switch that uses the self-locking API variants instead,
    /// re-opening the window the lock closes (docs/kernel-flow.md, `init`).
    pub hold_hotplug_lock: bool,
    /// Called at each [`InitWindow`] point, on the init thread, with the
    /// lock held if [`InitOptions::hold_hotplug_lock`]. Test-only: a test
    /// uses it to request a `cpu_up` from another thread at a known point.
    pub window: Option<WindowFn>,
    /// Register the CPU PM notifier on success (the kernel's
    /// `CONFIG_CPU_PM`; default `true`).
    pub cpu_pm: bool,
    /// The kernel version replayed (default: current).
    pub driver: DriverVersion,
    /// The kernel's build configuration (default: the `Kconfig` defaults).
    pub kernel: KernelConfig,
    /// The general-purpose register the kernel's compiler chose at the
    /// access sites whose word a trap line prints (docs/boards.md#rt-of-published-words).
    pub rt: AccessRegisters,
}

/// Rt of the MRC/MCR words at the driver's access sites that boards'
/// published trap lines show. The compiler picks these; the default r0 is
/// the project's own choice, a board description carries its kernel's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub struct AccessRegisters {
    /// `reset_ctrl_regs()`'s DBGVCR write (`MCR p14,0,Rt,c0,c7,0`).
    pub vcr_write: u8,
    /// `reset_ctrl_regs()`'s DBGPRSR read (`MRC p14,0,Rt,c1,c5,4`).
    pub prsr_read: u8,
}

impl Default for InitOptions {
    fn default() -> Self {
        InitOptions {
            hold_hotplug_lock: true,
            window: None,
            cpu_pm: true,
            driver: DriverVersion::Current,
            kernel: KernelConfig::default(),
            rt: AccessRegisters::default(),
        }
    }
}

impl fmt::Debug for InitOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InitOptions")
            .field("hold_hotplug_lock", &self.hold_hotplug_lock)
            .field("window", &self.window.as_ref().map(|_| "<fn>"))
            .field("cpu_pm", &self.cpu_pm)
            .field("driver", &self.driver)
            .field("kernel", &self.kernel)
            .field("rt", &self.rt)
            .finish()
    }
}

/// What `cpuhp_setup_state_cpuslocked` did during init.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum SetupOutcome {
    /// Init stopped before the hotplug step (unsupported architecture,
    /// Scorpion, or an oops).
    NotAttempted,
    /// The state was allocated and the reset ran on every online CPU.
    Allocated {
        /// The dynamic state number.
        state: u16,
    },
    /// Setup failed (e.g. no free dynamic slot): nothing to remove.
    Failed {
        /// The hotplug core's error.
        error: String,
    },
}

/// The structured result of [`HwBreakpoint::init`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InitResult {
    /// The core model's name.
    pub model: String,
    /// Number of vCPUs.
    pub cpus: usize,
    /// The CPU the init code (and its probes) ran on.
    pub init_cpu: usize,
    /// Whether MIDR\[19:16\] = 0xF (CPUID scheme); otherwise v6 is assumed.
    pub cpuid_scheme: bool,
    /// The debug architecture the driver settled on (DBGDIDR.Version, or 1
    /// when assumed).
    pub debug_arch: u8,
    /// `debug_arch_supported`.
    pub supported: bool,
    /// MIDR matched the Scorpion part.
    pub scorpion: bool,
    /// `has_ossr`, when init got that far.
    pub has_os_save_restore: Option<bool>,
    /// Hardware BRPs (DBGDIDR), when init got that far.
    pub hw_brps: Option<u8>,
    /// Hardware WRPs (DBGDIDR), when init got that far.
    pub hw_wrps: Option<u8>,
    /// Usable BRPs after init (`core_num_brps`; 0 when disabled).
    pub brps: u8,
    /// BRPs reserved for mismatch (single-step): 1 or 0.
    pub reserved_brps: u8,
    /// Usable WRPs after init (`core_num_wrps`; 0 when disabled).
    pub wrps: u8,
    /// Maximum watchpoint length in bytes (success path only).
    pub max_watchpoint_len: Option<u8>,
    /// The hotplug setup.
    pub setup: SetupOutcome,
    /// CPUs in the error mask when init checked it, ascending.
    pub error_mask: Vec<usize>,
    /// The dynamic state that stays installed (its number), if any.
    pub state_installed: Option<u16>,
    /// Whether the CPU PM notifier was registered.
    pub pm_notifier: bool,
    /// Hardware breakpoints are usable (the success path was taken).
    pub enabled: bool,
    /// An unhandled undefined instruction in kernel mode stopped init.
    pub oops: Option<KernelOops>,
    /// Every line printed during init, in order.
    pub messages: Vec<LogLine>,
}

impl InitResult {
    /// The log lines as the kernel prints them.
    pub fn log_lines(&self) -> Vec<String> {
        self.messages.iter().map(ToString::to_string).collect()
    }
}
