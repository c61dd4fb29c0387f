//! The ARM Linux `hw_breakpoint` driver's init and per-CPU reset flow,
//! replayed on an emulated [`Machine`] (`arch/arm/kernel/hw_breakpoint.c`; docs/kernel-flow.md).
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

mod cpumask;
pub mod install;
mod kconfig;
mod log;
mod options;
mod probe;
mod reset;

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use cpuhp::{CallbackError, CpuId, State};
use dbgregs::registers::{Dbgdscr, Dbgwcr};
use serde::Serialize;
use undef::{HookResult, TrapFrame, UndefHook};

use crate::debug_arch as arch;
pub use crate::debug_arch::debug_arch_supported;
use crate::machine::{Machine, PmEvent, PmNotifier, PmNotifierId, VcpuCtx};
use crate::oops::KernelOops;
pub use crate::word::{mcr_word, mrc_word};

pub use cpumask::CpuMask;
pub use kconfig::{KernelConfig, KernelConfigError};
pub use log::{Level, LogLine, Message};
pub use options::{
    AccessRegisters, DriverVersion, InitOptions, InitResult, InitWindow, SetupOutcome, WindowFn,
};
use probe::{get_max_wp_len, probe_hardware, Probe};
pub use probe::{hw_breakpoint_slots, Slots};
pub use reset::DriverCore;

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
pub const WP_LEN_PROBE_CTRL: u32 = Dbgwcr::new().with_bas(0xFF).into_bits();

/// DBGDSCR.MDBGEN (monitor debug-mode enable), bit 15.
pub const DSCR_MDBGEN: u32 = Dbgdscr::new().with_mdbgen(true).into_bits();

/// `-EFAULT`: what this model's hotplug callback reports when the reset
/// oopsed (the kernel's `dbg_reset_online` never returns an error; an oops
/// there kills the hotplug thread, which this model turns into a failed
/// `cpu_up` instead of a hang).
pub const EFAULT: i32 = 14;

/// `ARM_CPU_PART_SCORPION`, compared with MIDR & 0xFF00FFF0.
pub const SCORPION_PART: u32 = 0x5100_02d0;

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
        let core = Arc::new(DriverCore::new(
            machine.cpus(),
            opts.driver,
            opts.kernel,
            opts.rt,
        ));
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
            Ok(Ok(p)) => p,
            Ok(Err(oops)) => {
                // An oops in a probe after get_debug_arch() (the unguarded
                // OSLSR read): report what init had found.
                let arch = core.debug_arch();
                self.result.cpuid_scheme =
                    dbgregs::registers::Midr::from_bits(machine.model().midr()).architecture()
                        == probe::CPUID_SCHEME;
                self.result.debug_arch = arch;
                self.result.supported = debug_arch_supported(arch);
                return Err(oops);
            }
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
                    core.warn_on(init_cpu);
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
                core.warn_on(init_cpu);
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

#[cfg(test)]
mod tests;
