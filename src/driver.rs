//! The ARM Linux `hw_breakpoint` driver's init and per-CPU reset flow,
//! replayed on an emulated [`Machine`] (kernel-behaviour.md §3).
//!
//! The driver touches debug registers only by executing the MRC/MCR words the
//! kernel's accessors compile to, on the vCPU the kernel code would run on
//! ([`VcpuCtx::mrc`] / [`VcpuCtx::mcr`]): decode, register semantics, and on
//! UNDEFINED the machine's undef router and whatever hooks are registered.
//! The accessor register is r0 (r5 for the erratum-764319 OSLSR probe), so
//! the words match the kernel's, e.g. `0xee110e93` for the DBGOSDLR read.
//!
//! Decisions, in the kernel's order ([`HwBreakpoint::init`]):
//! `get_debug_arch` (MIDR CPUID scheme, then DBGDIDR), `debug_arch_supported`,
//! the Scorpion exclusion, `core_has_os_save_restore` (with the erratum
//! 764319 guard hook), the BRP/WRP counts; then under the hotplug read lock:
//! the debug-register undef hook, the `AP_ONLINE_DYN` state
//! "arm/hw_breakpoint:online" whose startup is the reset, the hook's removal,
//! and either the failure path (counts zeroed, state removed without calls)
//! or the success path (the "found" line, the watchpoint length probe,
//! monitor-mode handlers), unlock, and the CPU PM notifier.
//!
//! Messages go to `tracing` (target [`LOG_TARGET`]) with the kernel's wording
//! and into the structured log of [`InitResult`]. "Once" messages are keyed
//! by call site and per driver instance (one boot) with atomic flags, so the
//! reset path takes no lock and allocates nothing unless it has something to
//! say.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};

use cpuhp::{CallbackError, CpuId, State};
use serde::Serialize;
use undef::{HookResult, TrapFrame, UndefHook};

use crate::debug_arch as arch;
pub use crate::debug_arch::debug_arch_supported;
use crate::machine::{Machine, PmEvent, PmNotifier, PmNotifierId, VcpuCtx};
use crate::oops::KernelOops;
pub use crate::word::{mcr_word, mrc_word};

/// The `tracing` target (and the kernel's `pr_fmt` prefix) of the driver's
/// messages.
pub const LOG_TARGET: &str = "hw-breakpoint";

/// Name of the dynamic hotplug state the driver installs.
pub const HOTPLUG_STATE_NAME: &str = "arm/hw_breakpoint:online";

/// Name of the debug-register undef hook (registered only during init).
pub const DEBUG_REG_HOOK_NAME: &str = "debug_reg_hook";

/// Name of the erratum-764319 OSLSR guard hook (registered only around the
/// OSLSR read of `core_has_os_save_restore`).
pub const OSLSR_GUARD_HOOK_NAME: &str = "debug_oslsr_hook";

/// The exact instruction the erratum-764319 guard matches:
/// `MRC p14,0,r5,c1,c1,4` (read DBGOSLSR into r5).
pub const OSLSR_READ_R5: u32 = 0xee11_5e91;

/// The value written to DBGOSLAR to clear the OS Lock: the complement of the
/// CoreSight unlock key 0xC5ACCE55.
pub const OS_UNLOCK_VALUE: u32 = !0xC5AC_CE55;

/// DBGWCR0 value of the maximum-watchpoint-length probe: BAS (len) = 0xFF,
/// everything else 0 (disabled).
pub const WP_LEN_PROBE_CTRL: u32 = 0xFF << 5;

/// DBGDSCR.MDBGEN (monitor debug-mode enable), bit 15.
pub const DSCR_MDBGEN: u32 = 1 << 15;

/// `-EFAULT`: what this model's hotplug callback reports when the reset
/// oopsed (the kernel's `dbg_reset_online` never returns an error; an oops
/// there kills the hotplug thread, which this model turns into a failed
/// `cpu_up` instead of a hang).
pub const EFAULT: i32 = 14;

/// `ARM_CPU_PART_SCORPION`, compared with MIDR & 0xFF00FFF0.
pub const SCORPION_PART: u32 = 0x5100_02d0;

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

/// The driver's message catalogue (kernel-behaviour.md §3.11).
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
enum OnceSite {
    Cpuid = 0,
    PoweredDown = 1,
    VectorCatch = 2,
    ClearPairs = 3,
    MonitorMode = 4,
}

const ONCE_SITES: usize = 5;

impl Message {
    fn level(&self) -> Level {
        match self {
            Message::ArchUnsupported(_)
            | Message::Scorpion
            | Message::Found { .. }
            | Message::MaxWatchpoint(_) => Level::Info,
            _ => Level::Warn,
        }
    }

    fn once_site(&self) -> Option<OnceSite> {
        Some(match self {
            Message::CpuidNotSupported => OnceSite::Cpuid,
            Message::PoweredDown(_) => OnceSite::PoweredDown,
            Message::VectorCatch(_) => OnceSite::VectorCatch,
            Message::ClearPairs(_) => OnceSite::ClearPairs,
            Message::MonitorMode(_) => OnceSite::MonitorMode,
            _ => return None,
        })
    }

    fn prefix(&self) -> &'static str {
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

/// A lock-free set of CPU numbers (the kernel's `debug_err_mask`): only ever
/// set, never cleared.
#[derive(Debug)]
pub struct CpuMask {
    words: Box<[AtomicU64]>,
}

impl CpuMask {
    /// An empty mask for `cpus` CPUs.
    pub fn new(cpus: usize) -> CpuMask {
        CpuMask {
            words: (0..cpus.div_ceil(64)).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    /// Sets `cpu`'s bit (ignored for a CPU past the mask).
    pub fn set(&self, cpu: usize) {
        if let Some(w) = self.words.get(cpu / 64) {
            w.fetch_or(1 << (cpu % 64), Ordering::Relaxed);
        }
    }

    /// Whether `cpu`'s bit is set.
    pub fn test(&self, cpu: usize) -> bool {
        self.words
            .get(cpu / 64)
            .is_some_and(|w| w.load(Ordering::Relaxed) & (1 << (cpu % 64)) != 0)
    }

    /// Whether no bit is set.
    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|w| w.load(Ordering::Relaxed) == 0)
    }

    /// The CPUs whose bit is set, ascending.
    pub fn cpus(&self) -> Vec<usize> {
        let mut out = Vec::new();
        for (i, w) in self.words.iter().enumerate() {
            let mut bits = w.load(Ordering::Relaxed);
            while bits != 0 {
                let b = bits.trailing_zeros() as usize;
                out.push(i * 64 + b);
                bits &= bits - 1;
            }
        }
        out
    }
}

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
/// (kernel-behaviour.md §3.6, §3.12).
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
    /// re-opening the window the lock closes (kernel-behaviour.md §3.3).
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
}

impl Default for InitOptions {
    fn default() -> Self {
        InitOptions {
            hold_hotplug_lock: true,
            window: None,
            cpu_pm: true,
            driver: DriverVersion::Current,
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

/// Outcome of `enable_monitor_mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MonitorMode {
    Enabled,
    NoDevice,
    Refused,
}

/// The driver's global state (the kernel's file-scope variables), shared
/// with the hotplug callback, the undef hook and the PM notifier.
pub struct DriverCore {
    debug_arch: AtomicU8,
    has_ossr: AtomicBool,
    core_num_brps: AtomicU8,
    core_num_wrps: AtomicU8,
    err_mask: CpuMask,
    once: [AtomicBool; ONCE_SITES],
    log: Mutex<Vec<LogLine>>,
    reset_runs: Box<[AtomicU32]>,
    max_monitor_arch: u8,
}

impl fmt::Debug for DriverCore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DriverCore")
            .field("debug_arch", &self.debug_arch())
            .field("has_ossr", &self.has_ossr.load(Ordering::Relaxed))
            .field("core_num_brps", &self.core_num_brps())
            .field("core_num_wrps", &self.core_num_wrps())
            .field("err_mask", &self.err_mask.cpus())
            .finish_non_exhaustive()
    }
}

impl DriverCore {
    fn new(cpus: usize, driver: DriverVersion) -> DriverCore {
        DriverCore {
            debug_arch: AtomicU8::new(0),
            has_ossr: AtomicBool::new(false),
            core_num_brps: AtomicU8::new(0),
            core_num_wrps: AtomicU8::new(0),
            err_mask: CpuMask::new(cpus),
            once: std::array::from_fn(|_| AtomicBool::new(false)),
            log: Mutex::new(Vec::new()),
            reset_runs: (0..cpus).map(|_| AtomicU32::new(0)).collect(),
            max_monitor_arch: driver.max_monitor_arch(),
        }
    }

    /// The debug architecture init settled on.
    pub fn debug_arch(&self) -> u8 {
        self.debug_arch.load(Ordering::Relaxed)
    }

    /// `core_num_brps`.
    pub fn core_num_brps(&self) -> u8 {
        self.core_num_brps.load(Ordering::Relaxed)
    }

    /// `core_num_wrps`.
    pub fn core_num_wrps(&self) -> u8 {
        self.core_num_wrps.load(Ordering::Relaxed)
    }

    /// The sticky per-CPU error mask.
    pub fn err_mask(&self) -> &CpuMask {
        &self.err_mask
    }

    /// How many times the reset ran on `cpu` (hotplug callback and PM exit).
    pub fn reset_runs(&self, cpu: usize) -> u32 {
        self.reset_runs
            .get(cpu)
            .map_or(0, |c| c.load(Ordering::Relaxed))
    }

    /// Every line printed so far (init, and later resets), in order.
    pub fn messages(&self) -> Vec<LogLine> {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn emit(&self, msg: Message) {
        if let Some(site) = msg.once_site() {
            if self.once[site as usize].swap(true, Ordering::Relaxed) {
                return;
            }
        }
        let line = LogLine {
            level: msg.level(),
            prefix: msg.prefix(),
            text: msg.to_string(),
        };
        match line.level {
            Level::Info => tracing::info!(target: "hw-breakpoint", "{}", line.text),
            Level::Warn if line.prefix == LOG_TARGET => {
                tracing::warn!(target: "hw-breakpoint", "{}", line.text)
            }
            Level::Warn => tracing::warn!(target: "kernel", "{line}"),
        }
        self.log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(line);
    }

    /// `reset_ctrl_regs(cpu)` on the vCPU of `ctx` (kernel-behaviour.md
    /// §3.5), through the trap path. Problems go to the error mask and the
    /// log; an `Err` is an unhandled undefined instruction (kernel oops),
    /// which stops the reset where it happened.
    ///
    /// This is the per-CPU hot path: no lock, no allocation (unless a
    /// message is printed).
    pub fn reset_ctrl_regs(&self, ctx: &mut VcpuCtx<'_>) -> Result<(), KernelOops> {
        let cpu = ctx.cpu();
        let arch = self.debug_arch();
        // Step A: power / lock checks.
        let mut err = false;
        let mut skip_to_vcr = false;
        match arch {
            arch::V6 | arch::V6_1 => {
                // v6 cores reset these registers themselves.
                return self.monitor_step(ctx);
            }
            arch::V7_ECP14 => {
                let prsr = ctx.mrc(0, 1, 5, 4)?;
                if prsr & 1 == 0 {
                    err = true;
                }
                if !self.has_ossr.load(Ordering::Relaxed) {
                    skip_to_vcr = true;
                }
            }
            arch::V7_1 => {
                let osdlr = ctx.mrc(0, 1, 3, 4)?;
                if osdlr & 1 == 1 {
                    err = true;
                }
            }
            _ => {}
        }
        if !skip_to_vcr {
            // Step B.
            if err {
                self.emit(Message::PoweredDown(cpu as u32));
                self.err_mask.set(cpu);
                return Ok(());
            }
            // Step C: clear the OS lock.
            ctx.mcr(0, 1, 0, 4, OS_UNLOCK_VALUE)?;
        }
        // Step D: vector catch off.
        ctx.mcr(0, 0, 7, 0, 0)?;
        if self.err_mask.test(cpu) {
            self.emit(Message::VectorCatch(cpu as u32));
            return Ok(());
        }
        // Step E: zero every pair (all BRPs this CPU reports, the WRPs the
        // driver uses).
        let didr = ctx.mrc(0, 0, 0, 0)?;
        let raw_brps = ((didr >> 24) & 0xF) as u8 + 1;
        for i in 0..raw_brps {
            ctx.mcr(0, 0, i, 5, 0)?;
            ctx.mcr(0, 0, i, 4, 0)?;
        }
        for i in 0..self.core_num_wrps() {
            ctx.mcr(0, 0, i, 7, 0)?;
            ctx.mcr(0, 0, i, 6, 0)?;
        }
        if self.err_mask.test(cpu) {
            self.emit(Message::ClearPairs(cpu as u32));
            return Ok(());
        }
        // Step F.
        self.monitor_step(ctx)
    }

    fn monitor_step(&self, ctx: &mut VcpuCtx<'_>) -> Result<(), KernelOops> {
        if self.enable_monitor_mode(ctx)? != MonitorMode::Enabled {
            self.err_mask.set(ctx.cpu());
        }
        Ok(())
    }

    /// `enable_monitor_mode` (kernel-behaviour.md §3.6).
    fn enable_monitor_mode(&self, ctx: &mut VcpuCtx<'_>) -> Result<MonitorMode, KernelOops> {
        let dscr = ctx.mrc(0, 0, 1, 0)?;
        if dscr & DSCR_MDBGEN != 0 {
            return Ok(MonitorMode::Enabled);
        }
        match self.debug_arch() {
            arch::V6 | arch::V6_1 => ctx.mcr(0, 0, 1, 0, dscr | DSCR_MDBGEN)?,
            a @ (arch::V7_ECP14 | arch::V7_1 | arch::V8 | arch::V8_1 | arch::V8_2 | arch::V8_4)
                if a <= self.max_monitor_arch =>
            {
                ctx.mcr(0, 0, 2, 2, dscr | DSCR_MDBGEN)?
            }
            _ => return Ok(MonitorMode::NoDevice),
        }
        let dscr = ctx.mrc(0, 0, 1, 0)?;
        if dscr & DSCR_MDBGEN == 0 {
            self.emit(Message::MonitorMode(ctx.cpu() as u32));
            return Ok(MonitorMode::Refused);
        }
        Ok(MonitorMode::Enabled)
    }

    /// The debug-register hook's handler (`debug_reg_trap`).
    fn debug_reg_trap(&self, frame: &mut TrapFrame, instr: u32) -> HookResult {
        self.emit(Message::DebugRegTrap {
            instr,
            cpu: frame.cpu,
        });
        self.err_mask.set(frame.cpu as usize);
        frame.skip_instruction(undef::InstrSize::Four);
        HookResult::Handled
    }

    /// `dbg_reset_online`: the hotplug startup callback. Always succeeds, as
    /// the kernel's does, unless the reset oopsed (recorded in the machine),
    /// which this model reports to the hotplug core as a failed callback.
    fn reset_online(&self, machine: &Machine, cpu: usize) -> Result<(), KernelOops> {
        if let Some(c) = self.reset_runs.get(cpu) {
            c.fetch_add(1, Ordering::Relaxed);
        }
        match machine.with_vcpu(cpu, |ctx| self.reset_ctrl_regs(ctx)) {
            Ok(r) => r,
            // The hotplug core never calls back for a CPU the machine lacks.
            Err(_) => Ok(()),
        }
    }
}

struct PmHook {
    core: Arc<DriverCore>,
}

impl PmNotifier for PmHook {
    fn notify(&self, event: PmEvent, ctx: &mut VcpuCtx<'_>) -> Result<(), KernelOops> {
        match event {
            PmEvent::Enter => Ok(()),
            PmEvent::Exit => {
                if let Some(c) = self.core.reset_runs.get(ctx.cpu()) {
                    c.fetch_add(1, Ordering::Relaxed);
                }
                self.core.reset_ctrl_regs(ctx)
            }
        }
    }
}

/// The driver, after init: its global state and what init installed.
pub struct HwBreakpoint {
    machine: Arc<Machine>,
    core: Arc<DriverCore>,
    result: InitResult,
    state: Option<State>,
    pm: Option<PmNotifierId>,
}

impl fmt::Debug for HwBreakpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HwBreakpoint")
            .field("core", &self.core)
            .field("result", &self.result)
            .finish_non_exhaustive()
    }
}

impl HwBreakpoint {
    /// `arch_hw_breakpoint_init` on `machine`, run from its boot CPU (0).
    ///
    /// Like the kernel's, it cannot fail: every outcome (unsupported,
    /// Scorpion, a per-CPU error, no hotplug slot, even an oops) is in
    /// [`HwBreakpoint::result`].
    pub fn init(machine: &Arc<Machine>, opts: InitOptions) -> HwBreakpoint {
        let core = Arc::new(DriverCore::new(machine.cpus(), opts.driver));
        let mut hw = HwBreakpoint {
            machine: Arc::clone(machine),
            core,
            result: InitResult {
                model: machine.model().name().to_string(),
                cpus: machine.cpus(),
                init_cpu: 0,
                cpuid_scheme: false,
                debug_arch: 0,
                supported: false,
                scorpion: false,
                has_os_save_restore: None,
                hw_brps: None,
                hw_wrps: None,
                brps: 0,
                reserved_brps: 0,
                wrps: 0,
                max_watchpoint_len: None,
                setup: SetupOutcome::NotAttempted,
                error_mask: Vec::new(),
                state_installed: None,
                pm_notifier: false,
                enabled: false,
                oops: None,
                messages: Vec::new(),
            },
            state: None,
            pm: None,
        };
        if let Err(oops) = hw.run_init(&opts) {
            hw.machine.record_oops(oops.clone());
            hw.result.oops = Some(oops);
        }
        hw.result.messages = hw.core.messages();
        hw
    }

    fn run_init(&mut self, opts: &InitOptions) -> Result<(), KernelOops> {
        let machine = Arc::clone(&self.machine);
        let core = Arc::clone(&self.core);
        let init_cpu = self.result.init_cpu;
        // Probes on the init CPU (steps 1-4).
        let probe = machine.with_vcpu(init_cpu, |ctx| -> Result<Probe, KernelOops> {
            probe_hardware(&core, &machine, ctx)
        });
        let probe = match probe {
            Ok(p) => p?,
            // CPU 0 always exists: a machine has at least one vCPU.
            Err(_) => return Ok(()),
        };
        self.result.cpuid_scheme = probe.cpuid_scheme;
        self.result.debug_arch = probe.arch;
        self.result.supported = probe.supported;
        self.result.scorpion = probe.scorpion;
        let Some(hw) = probe.counts else {
            return Ok(());
        };
        self.result.has_os_save_restore = Some(hw.has_ossr);
        self.result.hw_brps = Some(hw.hw_brps);
        self.result.hw_wrps = Some(hw.hw_wrps);
        core.has_ossr.store(hw.has_ossr, Ordering::Relaxed);
        core.core_num_brps.store(hw.brps, Ordering::Relaxed);
        core.core_num_wrps.store(hw.wrps, Ordering::Relaxed);

        // Step 5: the hotplug read lock (or, test-only, not).
        let hotplug = machine.hotplug();
        let guard = if opts.hold_hotplug_lock {
            match hotplug.cpus_read_lock() {
                Ok(g) => Some(g),
                Err(e) => {
                    // Only possible if this thread already holds the lock.
                    self.result.setup = SetupOutcome::Failed {
                        error: e.to_string(),
                    };
                    core.emit(Message::SetupFailed(e.to_string()));
                    return Ok(());
                }
            }
        } else {
            None
        };
        // Step 6: the debug-register hook.
        let hook_core = Arc::clone(&core);
        let hook = UndefHook::debug_reg_hook(DEBUG_REG_HOOK_NAME, move |frame, instr| {
            hook_core.debug_reg_trap(frame, instr)
        });
        let hook_guard = machine.router().register(hook);
        // Step 7: the dynamic ONLINE state, running the reset on every
        // online CPU.
        let cb_core = Arc::clone(&core);
        let cb_machine = Arc::downgrade(&machine);
        let startup: cpuhp::Callback = Arc::new(move |cpu: CpuId| {
            let Some(machine) = cb_machine.upgrade() else {
                return Ok(());
            };
            cb_core.reset_online(&machine, cpu).map_err(|oops| {
                machine.record_oops(oops);
                CallbackError::new(EFAULT)
            })
        });
        let ret = match &guard {
            Some(g) => hotplug.setup_state_cpuslocked(
                g,
                State::AP_ONLINE_DYN,
                HOTPLUG_STATE_NAME,
                Some(startup),
                None,
            ),
            None => hotplug.setup_state(
                State::AP_ONLINE_DYN,
                HOTPLUG_STATE_NAME,
                Some(startup),
                None,
            ),
        };
        if let Some(w) = &opts.window {
            w(InitWindow::AfterSetup);
        }
        // Step 8.
        drop(hook_guard);
        if let Some(w) = &opts.window {
            w(InitWindow::AfterHookUnregistered);
        }
        // Step 9.
        self.result.error_mask = core.err_mask.cpus();
        match &ret {
            Ok(state) => {
                self.result.setup = SetupOutcome::Allocated { state: state.raw() };
            }
            Err(e) => {
                self.result.setup = SetupOutcome::Failed {
                    error: e.to_string(),
                };
                core.emit(Message::SetupFailed(e.to_string()));
            }
        }
        if ret.is_err() || !core.err_mask.is_empty() {
            core.core_num_brps.store(0, Ordering::Relaxed);
            core.core_num_wrps.store(0, Ordering::Relaxed);
            if let Ok(state) = ret {
                // A state this call just allocated is always removable.
                let _ = match &guard {
                    Some(g) => hotplug.remove_state_nocalls_cpuslocked(g, state),
                    None => hotplug.remove_state_nocalls(state),
                };
            }
            drop(guard);
            return Ok(());
        }
        // `ret` is Ok here (checked just above).
        let state = ret.ok();
        self.state = state;
        self.result.state_installed = state.map(State::raw);
        // Step 10.
        self.result.brps = hw.brps;
        self.result.reserved_brps = u8::from(hw.mismatch);
        self.result.wrps = hw.wrps;
        core.emit(Message::Found {
            brps: hw.brps,
            reserved: hw.mismatch,
            wrps: hw.wrps,
        });
        // Step 11: on the init CPU.
        let len = machine
            .with_vcpu(init_cpu, |ctx| get_max_wp_len(&core, ctx))
            .unwrap_or(Ok(4))?;
        self.result.max_watchpoint_len = Some(len);
        core.emit(Message::MaxWatchpoint(len));
        // Step 12: the fault handlers (breakpoint/watchpoint debug
        // exceptions) would be installed here; nothing to emulate.
        // Step 13.
        drop(guard);
        self.result.enabled = true;
        // Step 14.
        if opts.cpu_pm {
            self.pm = Some(machine.register_pm_notifier(Arc::new(PmHook {
                core: Arc::clone(&core),
            })));
            self.result.pm_notifier = true;
        }
        Ok(())
    }

    /// The structured result of init.
    pub fn result(&self) -> &InitResult {
        &self.result
    }

    /// The driver's global state (error mask, counts, reset counters, log).
    pub fn core(&self) -> &Arc<DriverCore> {
        &self.core
    }

    /// The state init left installed, if any.
    pub fn state(&self) -> Option<State> {
        self.state
    }

    /// Removes what init installed (the hotplug state, without calls, and
    /// the PM notifier), as if the driver were unloaded. The built-in kernel
    /// driver never does this; benches and tests use it to re-run init on
    /// the same machine.
    pub fn unload(mut self) {
        if let Some(state) = self.state.take() {
            // Our own dynamic state: removal without calls cannot fail.
            let _ = self.machine.hotplug().remove_state_nocalls(state);
        }
        if let Some(id) = self.pm.take() {
            self.machine.unregister_pm_notifier(id);
        }
    }
}

/// What `hw_breakpoint_slots` reports (kernel-behaviour.md §3.2 item 8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Slots {
    /// Usable breakpoints (0 if the architecture is unsupported).
    pub brps: u8,
    /// Usable watchpoints (0 if the architecture is unsupported).
    pub wrps: u8,
}

/// `hw_breakpoint_slots`, as the generic perf layer queries it early: the
/// counts recomputed from the hardware of the init CPU (0), through the trap
/// path with no hook registered. It does not reflect the Scorpion exclusion
/// or a failed init. The CPUID warning is printed (once) to `tracing` only.
///
/// # Errors
/// A [`KernelOops`] if a probe traps (e.g. DBGSWENABLE low on CPU 0 with
/// erratum 764319 on the OSLSR-free path never does; DBGDIDR is baseline).
pub fn hw_breakpoint_slots(machine: &Machine) -> Result<Slots, KernelOops> {
    let core = DriverCore::new(1, DriverVersion::Current);
    let probe = machine.with_vcpu(0, |ctx| -> Result<Option<(u8, u8)>, KernelOops> {
        let midr = ctx.midr();
        let arch = if (midr >> 16) & 0xF == 0xF {
            ((ctx.mrc(0, 0, 0, 0)? >> 16) & 0xF) as u8
        } else {
            core.emit(Message::CpuidNotSupported);
            arch::V6
        };
        if !debug_arch_supported(arch) {
            return Ok(None);
        }
        let didr = ctx.mrc(0, 0, 0, 0)?;
        let hw_brps = ((didr >> 24) & 0xF) as u8 + 1;
        let hw_wrps = ((didr >> 28) & 0xF) as u8 + 1;
        let brps = if arch >= arch::V7_ECP14 && hw_brps > 1 {
            hw_brps - 1
        } else {
            hw_brps
        };
        let wrps = if arch < arch::V7_1 { 1 } else { hw_wrps };
        Ok(Some((brps, wrps)))
    });
    match probe {
        Ok(r) => Ok(r?.map_or(Slots { brps: 0, wrps: 0 }, |(brps, wrps)| Slots {
            brps,
            wrps,
        })),
        // CPU 0 always exists.
        Err(_) => Ok(Slots { brps: 0, wrps: 0 }),
    }
}

struct Counts {
    hw_brps: u8,
    hw_wrps: u8,
    brps: u8,
    wrps: u8,
    mismatch: bool,
    has_ossr: bool,
}

struct Probe {
    cpuid_scheme: bool,
    arch: u8,
    supported: bool,
    scorpion: bool,
    counts: Option<Counts>,
}

/// Init steps 1-4 on the init CPU.
fn probe_hardware(
    core: &DriverCore,
    machine: &Machine,
    ctx: &mut VcpuCtx<'_>,
) -> Result<Probe, KernelOops> {
    let midr = ctx.midr();
    let cpuid_scheme = (midr >> 16) & 0xF == 0xF;
    // Step 1: get_debug_arch.
    let arch = if cpuid_scheme {
        ((ctx.mrc(0, 0, 0, 0)? >> 16) & 0xF) as u8
    } else {
        core.emit(Message::CpuidNotSupported);
        arch::V6
    };
    core.debug_arch.store(arch, Ordering::Relaxed);
    let mut probe = Probe {
        cpuid_scheme,
        arch,
        supported: debug_arch_supported(arch),
        scorpion: midr & 0xFF00_FFF0 == SCORPION_PART,
        counts: None,
    };
    // Step 2.
    if !probe.supported {
        core.emit(Message::ArchUnsupported(arch));
        return Ok(probe);
    }
    // Step 3.
    if probe.scorpion {
        core.emit(Message::Scorpion);
        return Ok(probe);
    }
    // Step 4.
    let has_ossr = core_has_os_save_restore(machine, arch, ctx)?;
    let didr = ctx.mrc(0, 0, 0, 0)?;
    let hw_brps = ((didr >> 24) & 0xF) as u8 + 1;
    let didr = ctx.mrc(0, 0, 0, 0)?;
    let hw_wrps = ((didr >> 28) & 0xF) as u8 + 1;
    let mismatch = arch >= arch::V7_ECP14 && hw_brps > 1;
    probe.counts = Some(Counts {
        hw_brps,
        hw_wrps,
        brps: if mismatch { hw_brps - 1 } else { hw_brps },
        wrps: if arch < arch::V7_1 { 1 } else { hw_wrps },
        mismatch,
        has_ossr,
    });
    Ok(probe)
}

/// `core_has_os_save_restore`, with the erratum-764319 guard around the
/// OSLSR read on v7 ECP14.
fn core_has_os_save_restore(
    machine: &Machine,
    arch: u8,
    ctx: &mut VcpuCtx<'_>,
) -> Result<bool, KernelOops> {
    match arch {
        arch::V7_1 => Ok(true),
        arch::V7_ECP14 => {
            let trapped = Arc::new(AtomicBool::new(false));
            let flag = Arc::clone(&trapped);
            let hook = UndefHook::new(
                OSLSR_GUARD_HOOK_NAME,
                0xFFFF_FFFF,
                OSLSR_READ_R5,
                move |frame: &mut TrapFrame, _instr| {
                    flag.store(true, Ordering::Relaxed);
                    frame.skip_instruction(undef::InstrSize::Four);
                    HookResult::Handled
                },
            );
            // A full mask accepts any value: construction cannot fail.
            let guard = hook.map(|h| machine.router().register(h));
            let oslsr = ctx.mrc(5, 1, 1, 4);
            drop(guard);
            let oslsr = oslsr?;
            if trapped.load(Ordering::Relaxed) {
                Ok(false)
            } else {
                Ok(oslsr & 1 != 0)
            }
        }
        _ => Ok(false),
    }
}

/// `get_max_wp_len` on the init CPU.
fn get_max_wp_len(core: &DriverCore, ctx: &mut VcpuCtx<'_>) -> Result<u8, KernelOops> {
    if core.debug_arch() < arch::V7_ECP14 {
        return Ok(4);
    }
    ctx.mcr(0, 0, 0, 6, 0)?;
    ctx.mcr(0, 0, 0, 7, WP_LEN_PROBE_CTRL)?;
    let wcr = ctx.mrc(0, 0, 0, 7)?;
    Ok(if wcr & WP_LEN_PROBE_CTRL == WP_LEN_PROBE_CTRL {
        8
    } else {
        4
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accessor_words_match_the_kernel_ones() {
        // kernel-behaviour.md scenario 32 and §3.4 examples.
        assert_eq!(mrc_word(0, 1, 3, 4), 0xee11_0e93); // OSDLR read
        assert_eq!(mcr_word(0, 1, 0, 4), 0xee01_0e90); // OSLAR write
        assert_eq!(mcr_word(0, 0, 7, 0), 0xee00_0e17); // VCR write
        assert_eq!(mrc_word(0, 0, 0, 0), 0xee10_0e10); // DIDR read
        assert_eq!(mrc_word(0, 0, 1, 0), 0xee10_0e11); // DSCRint read
        assert_eq!(mcr_word(0, 0, 2, 2), 0xee00_0e52); // DSCRext write
        assert_eq!(mcr_word(1, 0, 3, 5), 0xee00_1eb3); // BCR3 from r1
        assert_eq!(mrc_word(0, 1, 5, 4), 0xee11_0e95); // PRSR read
        assert_eq!(mrc_word(5, 1, 1, 4), OSLSR_READ_R5);
        assert_eq!(OS_UNLOCK_VALUE, 0x3A53_31AA);
        assert_eq!(WP_LEN_PROBE_CTRL, 0x1FE0);
    }

    #[test]
    fn supported_architectures() {
        let ok: Vec<u8> = (0..16).filter(|&v| debug_arch_supported(v)).collect();
        assert_eq!(ok, vec![1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    }

    #[test]
    fn message_wording() {
        let cases = [
            (
                Message::Found {
                    brps: 5,
                    reserved: true,
                    wrps: 4,
                },
                "found 5 (+1 reserved) breakpoint and 4 watchpoint registers.",
            ),
            (
                Message::Found {
                    brps: 6,
                    reserved: false,
                    wrps: 1,
                },
                "found 6 breakpoint and 1 watchpoint registers.",
            ),
            (
                Message::MaxWatchpoint(8),
                "maximum watchpoint size is 8 bytes.",
            ),
            (
                Message::ArchUnsupported(4),
                "debug architecture 0x4 unsupported.",
            ),
            (
                Message::DebugRegTrap {
                    instr: 0xee110e93,
                    cpu: 2,
                },
                "Debug register access (0xee110e93) caused undefined instruction on CPU 2",
            ),
            (Message::PoweredDown(1), "CPU 1 debug is powered down!"),
            (
                Message::VectorCatch(2),
                "CPU 2 failed to disable vector catch",
            ),
            (
                Message::ClearPairs(3),
                "CPU 3 failed to clear debug register pairs",
            ),
            (
                Message::MonitorMode(0),
                "Failed to enable monitor mode on CPU 0.",
            ),
        ];
        for (m, text) in cases {
            assert_eq!(m.to_string(), text);
        }
    }

    #[test]
    fn once_messages_print_once_per_site() {
        let core = DriverCore::new(4, DriverVersion::Current);
        core.emit(Message::PoweredDown(1));
        core.emit(Message::PoweredDown(3));
        core.emit(Message::VectorCatch(3));
        core.emit(Message::DebugRegTrap { instr: 1, cpu: 0 });
        core.emit(Message::DebugRegTrap { instr: 1, cpu: 0 });
        let lines: Vec<String> = core.messages().iter().map(|l| l.text.clone()).collect();
        assert_eq!(
            lines,
            vec![
                "CPU 1 debug is powered down!",
                "CPU 3 failed to disable vector catch",
                "Debug register access (0x1) caused undefined instruction on CPU 0",
                "Debug register access (0x1) caused undefined instruction on CPU 0",
            ]
        );
    }

    #[test]
    fn cpu_mask_sets_and_lists() {
        let m = CpuMask::new(130);
        assert!(m.is_empty());
        m.set(1);
        m.set(129);
        m.set(64);
        m.set(500); // past the mask: ignored
        assert!(m.test(129) && m.test(1) && !m.test(2));
        assert_eq!(m.cpus(), vec![1, 64, 129]);
    }
}
