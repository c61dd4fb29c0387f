//! The driver's shared state ([`DriverCore`]) and the per-CPU reset,
//! `reset_ctrl_regs()` of `arch/arm/kernel/hw_breakpoint.c`.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU8, Ordering};
use std::sync::Mutex;

use dbgregs::registers::{Dbgdidr, Dbgosdlr, Dbgprsr};

use super::log::ONCE_SITES;
use super::*;

/// Outcome of `enable_monitor_mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum MonitorMode {
    Enabled,
    NoDevice,
    Refused,
}

/// The driver's global state (the kernel's file-scope variables), shared
/// with the hotplug callback, the undef hook and the PM notifier.
pub struct DriverCore {
    pub(super) debug_arch: AtomicU8,
    pub(super) has_ossr: AtomicBool,
    pub(super) core_num_brps: AtomicU8,
    pub(super) core_num_wrps: AtomicU8,
    pub(super) err_mask: CpuMask,
    pub(super) once: [AtomicBool; ONCE_SITES],
    pub(super) log: Mutex<Vec<LogLine>>,
    pub(super) reset_runs: Box<[AtomicU32]>,
    pub(super) max_monitor_arch: u8,
    pub(super) driver: DriverVersion,
    pub(super) kernel: KernelConfig,
    pub(super) rt: AccessRegisters,
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
    pub(super) fn new(
        cpus: usize,
        driver: DriverVersion,
        kernel: KernelConfig,
        rt: AccessRegisters,
    ) -> DriverCore {
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
            driver,
            kernel,
            rt,
        }
    }

    /// The debug architecture init settled on.
    pub fn debug_arch(&self) -> u8 {
        self.debug_arch.load(Ordering::Relaxed)
    }

    /// The driver version this instance follows.
    pub fn driver(&self) -> DriverVersion {
        self.driver
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

    pub(super) fn emit(&self, msg: Message) {
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

    /// The `WARN_ON()` splat of `arch_hw_breakpoint_init()` on `cpu`
    /// (PID 1), three lines.
    pub(super) fn warn_on(&self, cpu: usize) {
        self.emit(Message::CutHere);
        self.emit(Message::WarnOn {
            cpu: cpu as u32,
            pid: 1,
            function: "arch_hw_breakpoint_init",
        });
        self.emit(Message::EndTrace);
    }

    /// `reset_ctrl_regs(cpu)` on the vCPU of `ctx` (`arch/arm/kernel/hw_breakpoint.c`;
    /// docs/kernel-flow.md, `reset`), through the trap path. Problems go to the error mask and the
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
                let prsr = ctx.mrc(self.rt.prsr_read, 1, 5, 4)?;
                if !Dbgprsr::from_bits(prsr).pu() {
                    err = true;
                }
                if !self.has_ossr.load(Ordering::Relaxed) {
                    skip_to_vcr = true;
                }
            }
            arch::V7_1 => {
                let osdlr = ctx.mrc(0, 1, 3, 4)?;
                if Dbgosdlr::from_bits(osdlr).dlk() {
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
        ctx.mcr(self.rt.vcr_write, 0, 7, 0, 0)?;
        if self.err_mask.test(cpu) {
            self.emit(Message::VectorCatch(cpu as u32));
            return Ok(());
        }
        // Step E: zero every pair (all BRPs this CPU reports, the WRPs the
        // driver uses).
        let didr = ctx.mrc(0, 0, 0, 0)?;
        let raw_brps = Dbgdidr::from_bits(didr).brps() + 1;
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

    pub(super) fn monitor_step(&self, ctx: &mut VcpuCtx<'_>) -> Result<(), KernelOops> {
        if self.enable_monitor_mode(ctx)? != MonitorMode::Enabled {
            self.err_mask.set(ctx.cpu());
        }
        Ok(())
    }

    /// `enable_monitor_mode` (docs/kernel-flow.md, `monitor-mode`).
    pub(super) fn enable_monitor_mode(
        &self,
        ctx: &mut VcpuCtx<'_>,
    ) -> Result<MonitorMode, KernelOops> {
        let dscr = ctx.mrc(0, 0, 1, 0)?;
        if dscr & DSCR_MDBGEN != 0 {
            return Ok(MonitorMode::Enabled);
        }
        // `switch (get_debug_arch())`: the kernel re-reads DBGDIDR on this
        // CPU here rather than using the cached `debug_arch`
        // (`enable_monitor_mode()`; docs/kernel-flow.md, `monitor-mode`).
        match super::probe::get_debug_arch(self, ctx)? {
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
    pub(super) fn debug_reg_trap(&self, frame: &mut TrapFrame, instr: u32) -> HookResult {
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
    pub(super) fn reset_online(&self, machine: &Machine, cpu: usize) -> Result<(), KernelOops> {
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
