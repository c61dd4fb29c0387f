//! An emulated N-vCPU AArch32 machine: per vCPU a debug register file
//! ([`DebugState`]) of one core model, a guest register frame (r0–r15 and
//! CPSR, in SVC mode for the kernel flow), a hotplug state (in the shared
//! [`cpuhp::Hotplug`] registry) and a fault configuration; one shared
//! [`UndefRouter`] and a CPU PM notifier chain.
//!
//! Kernel code runs on a vCPU through a [`VcpuCtx`]: it executes real
//! MRC/MCR words ([`VcpuCtx::execute`]), which go through
//! [`dbgregs::emulate::step`]; an access the core makes UNDEFINED becomes a
//! [`TrapFrame`] routed through the router's hooks. A handled trap continues
//! where the hook left the PC; an unhandled one in kernel mode is a
//! [`KernelOops`], a terminal outcome, not a panic.
//!
//! Boot: every vCPU starts from a cold reset of its model; the CPUs not
//! listed as starting offline are brought online through the registry, and
//! every online CPU then idles once (executes WFI) before any driver runs —
//! which is when a core with the Scorpion behaviour sets its sticky
//! power-down bit.

mod config;
mod error;
mod fault;
mod pm;
mod vcpu;

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use cpuhp::{Hotplug, HotplugConfig, InlineExecutor, ThreadPerCpuExecutor};
use dbgregs::model::CoreModel;
use dbgregs::state::{DebugState, UnknownFill};
use undef::UndefRouter;

pub use crate::oops::KernelOops;

pub use config::{Executor, MachineConfig, MAX_CPUS};
pub use error::MachineError;
use fault::{apply_state_faults, variant_model};
pub use fault::{Fault, FaultKind, FaultSet};
use pm::PmChain;
pub use pm::{PmEvent, PmNotifier, PmNotifierId};
pub use vcpu::{GuestFrame, Vcpu, VcpuCtx, KERNEL_CPSR, KERNEL_TEXT};

/// The emulated machine. Shared (`Arc`) between the driver, the hotplug
/// callbacks and whoever drives the machine.
pub struct Machine {
    model: CoreModel,
    vcpus: Box<[Mutex<Vcpu>]>,
    hotplug: Hotplug,
    router: UndefRouter,
    executor: Executor,
    pm: Mutex<PmChain>,
    next_pm: AtomicU64,
    oopses: Mutex<Vec<KernelOops>>,
}

impl fmt::Debug for Machine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Machine")
            .field("model", &self.model.name())
            .field("cpus", &self.vcpus.len())
            .field("executor", &self.executor)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A poisoned lock means a panic elsewhere; the data is still consistent
    // for our purposes (every update is a single assignment or push).
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Machine {
    /// Builds and boots the machine: cold reset of every vCPU, faults
    /// applied, the CPUs not in `config.offline` brought online, and every
    /// online CPU idles once (WFI).
    ///
    /// # Errors
    /// [`MachineError::BadCpuCount`], [`MachineError::NoSuchCpu`] for a fault
    /// or offline CPU out of range, [`MachineError::BootCpuOffline`],
    /// [`MachineError::FaultNotApplicable`], [`MachineError::Hotplug`] if the
    /// registry cannot be built (e.g. worker threads cannot start).
    pub fn new(config: MachineConfig) -> Result<Arc<Machine>, MachineError> {
        let n = config.cpus;
        if n == 0 || n > MAX_CPUS {
            return Err(MachineError::BadCpuCount {
                count: n,
                max: MAX_CPUS,
            });
        }
        let check = |cpu: usize| {
            if cpu >= n {
                Err(MachineError::NoSuchCpu { cpu, count: n })
            } else {
                Ok(())
            }
        };
        for f in &config.faults {
            check(f.cpu)?;
        }
        for &cpu in &config.offline {
            check(cpu)?;
            if cpu == 0 {
                return Err(MachineError::BootCpuOffline);
            }
        }
        let base = config.model;
        let mut faults = vec![FaultSet::default(); n];
        for f in &config.faults {
            faults[f.cpu].insert(f.kind);
        }
        let mut vcpus = Vec::with_capacity(n);
        for (cpu, set) in faults.into_iter().enumerate() {
            let model = variant_model(&base, cpu, set)?;
            let mut debug = DebugState::cold_reset(&model, UnknownFill::Zero);
            apply_state_faults(&mut debug, set);
            vcpus.push(Mutex::new(Vcpu {
                model,
                debug,
                frame: GuestFrame::kernel(),
                faults: set,
                trace: config.trace.then(Vec::new),
            }));
        }
        let online: Vec<usize> = (0..n).filter(|c| !config.offline.contains(c)).collect();
        let hotplug = build_hotplug(n, online, config.executor)?;
        let machine = Arc::new(Machine {
            model: base,
            vcpus: vcpus.into_boxed_slice(),
            hotplug,
            router: UndefRouter::new(),
            executor: config.executor,
            pm: Mutex::new(Vec::new()),
            next_pm: AtomicU64::new(1),
            oopses: Mutex::new(Vec::new()),
        });
        for cpu in 0..n {
            if machine.is_online(cpu) {
                machine.idle(cpu)?;
            }
        }
        Ok(machine)
    }

    /// The machine's core model.
    pub fn model(&self) -> &CoreModel {
        &self.model
    }

    /// Number of vCPUs.
    pub fn cpus(&self) -> usize {
        self.vcpus.len()
    }

    /// The executor running hotplug callbacks.
    pub fn executor(&self) -> Executor {
        self.executor
    }

    /// The hotplug registry.
    pub fn hotplug(&self) -> &Hotplug {
        &self.hotplug
    }

    /// The shared undef router.
    pub fn router(&self) -> &UndefRouter {
        &self.router
    }

    fn check_cpu(&self, cpu: usize) -> Result<(), MachineError> {
        if cpu < self.vcpus.len() {
            Ok(())
        } else {
            Err(MachineError::NoSuchCpu {
                cpu,
                count: self.vcpus.len(),
            })
        }
    }

    /// Runs `f` on `cpu` as kernel code (the vCPU's lock is held for the
    /// call: take it once per callback, not per access).
    ///
    /// # Errors
    /// [`MachineError::NoSuchCpu`].
    pub fn with_vcpu<R>(
        &self,
        cpu: usize,
        f: impl FnOnce(&mut VcpuCtx<'_>) -> R,
    ) -> Result<R, MachineError> {
        self.check_cpu(cpu)?;
        let mut guard = lock(&self.vcpus[cpu]);
        let mut ctx = VcpuCtx {
            cpu,
            vcpu: &mut guard,
            router: &self.router,
        };
        Ok(f(&mut ctx))
    }

    /// Runs `f` on `cpu`'s vCPU from the host side (the VMM), e.g. to
    /// inject a state the fault kinds do not cover. Takes the vCPU lock.
    ///
    /// # Errors
    /// [`MachineError::NoSuchCpu`].
    pub fn with_vcpu_mut<R>(
        &self,
        cpu: usize,
        f: impl FnOnce(&mut Vcpu) -> R,
    ) -> Result<R, MachineError> {
        self.check_cpu(cpu)?;
        Ok(f(&mut lock(&self.vcpus[cpu])))
    }

    /// A copy of `cpu`'s vCPU (registers, faults, trace).
    ///
    /// # Errors
    /// [`MachineError::NoSuchCpu`].
    pub fn vcpu(&self, cpu: usize) -> Result<Vcpu, MachineError> {
        self.check_cpu(cpu)?;
        Ok(lock(&self.vcpus[cpu]).clone())
    }

    /// Whether `cpu` is online (false for a CPU that does not exist).
    pub fn is_online(&self, cpu: usize) -> bool {
        cpu < self.vcpus.len() && self.hotplug.is_online(cpu).unwrap_or(false)
    }

    /// Brings `cpu` online (running every registered startup callback on
    /// it), then lets it idle (WFI).
    ///
    /// # Errors
    /// [`MachineError::NoSuchCpu`]; [`MachineError::Hotplug`] with the
    /// registry's error (e.g. a callback failed and the CPU rolled back).
    pub fn cpu_up(&self, cpu: usize) -> Result<(), MachineError> {
        self.check_cpu(cpu)?;
        self.hotplug.cpu_up(cpu)?;
        self.idle(cpu)
    }

    /// Takes `cpu` offline.
    ///
    /// # Errors
    /// [`MachineError::NoSuchCpu`]; [`MachineError::Hotplug`].
    pub fn cpu_down(&self, cpu: usize) -> Result<(), MachineError> {
        self.check_cpu(cpu)?;
        Ok(self.hotplug.cpu_down(cpu)?)
    }

    /// `cpu` executes WFI once (the idle loop).
    ///
    /// # Errors
    /// [`MachineError::NoSuchCpu`].
    pub fn idle(&self, cpu: usize) -> Result<(), MachineError> {
        self.with_vcpu(cpu, |ctx| {
            let v = &mut *ctx.vcpu;
            v.debug.wfi(&v.model);
        })
    }

    /// Adds a fault to `cpu` at run time (model-changing faults —
    /// `no-os-save-restore`, `spd-on-wfi` — replace the vCPU's model; its
    /// register values are kept).
    ///
    /// # Errors
    /// [`MachineError::NoSuchCpu`], [`MachineError::FaultNotApplicable`];
    /// the vCPU is unchanged on error.
    pub fn inject_fault(&self, cpu: usize, kind: FaultKind) -> Result<(), MachineError> {
        self.check_cpu(cpu)?;
        let mut v = lock(&self.vcpus[cpu]);
        let mut set = v.faults;
        set.insert(kind);
        let model = variant_model(&self.model, cpu, set)?;
        v.model = model;
        v.faults = set;
        apply_state_faults(&mut v.debug, FaultSet(kind.bit()));
        Ok(())
    }

    /// Registers a CPU PM notifier.
    pub fn register_pm_notifier(&self, n: Arc<dyn PmNotifier>) -> PmNotifierId {
        let id = PmNotifierId(self.next_pm.fetch_add(1, Ordering::Relaxed));
        lock(&self.pm).push((id, n));
        id
    }

    /// Unregisters a CPU PM notifier (no effect if it is not registered).
    pub fn unregister_pm_notifier(&self, id: PmNotifierId) {
        lock(&self.pm).retain(|(i, _)| *i != id);
    }

    /// Number of registered PM notifiers.
    pub fn pm_notifiers(&self) -> usize {
        lock(&self.pm).len()
    }

    /// `cpu` enters a low-power state that loses its debug state and
    /// resumes: `CPU_PM_ENTER` notifiers, debug power domain down and up
    /// (registers reset, sticky power-down set), `CPU_PM_EXIT` notifiers, on
    /// `cpu` itself.
    ///
    /// Returns the oops a notifier ran into, if any (also recorded in
    /// [`Machine::oopses`]).
    ///
    /// # Errors
    /// [`MachineError::NoSuchCpu`]; [`MachineError::Hotplug`] if the CPU is
    /// offline (an offline CPU does not enter CPU PM states).
    pub fn cpu_suspend_resume(&self, cpu: usize) -> Result<Option<KernelOops>, MachineError> {
        self.check_cpu(cpu)?;
        if !self.is_online(cpu) {
            return Err(MachineError::SuspendOffline { cpu });
        }
        let chain: PmChain = lock(&self.pm).clone();
        let oops = self.with_vcpu(cpu, |ctx| -> Option<KernelOops> {
            for (_, n) in &chain {
                if let Err(o) = n.notify(PmEvent::Enter, ctx) {
                    return Some(o);
                }
            }
            let v = &mut *ctx.vcpu;
            v.debug.power_down();
            // DBGSWENABLE is an input and survives; DLK and the registers
            // are reset by the power-up.
            v.debug.power_up(&v.model, UnknownFill::Zero);
            for (_, n) in &chain {
                if let Err(o) = n.notify(PmEvent::Exit, ctx) {
                    return Some(o);
                }
            }
            None
        })?;
        if let Some(o) = &oops {
            self.record_oops(o.clone());
        }
        Ok(oops)
    }

    /// Records a kernel oops (from a driver callback).
    pub fn record_oops(&self, oops: KernelOops) {
        tracing::error!(target: "kernel", "Internal error: {oops}");
        lock(&self.oopses).push(oops);
    }

    /// Every kernel oops so far.
    pub fn oopses(&self) -> Vec<KernelOops> {
        lock(&self.oopses).clone()
    }

    /// Bytes of machine state: the per-vCPU structures plus the hotplug
    /// registry's per-CPU data (what scales with N; excludes traces and
    /// worker thread stacks).
    pub fn state_bytes(&self) -> usize {
        std::mem::size_of::<Machine>()
            + self.vcpus.len() * std::mem::size_of::<Mutex<Vcpu>>()
            + self.vcpus.len() * HOTPLUG_PER_CPU_BYTES
    }
}

fn build_hotplug(
    n: usize,
    online: Vec<usize>,
    executor: Executor,
) -> Result<Hotplug, MachineError> {
    let config = HotplugConfig { cpus: n, online };
    match executor {
        Executor::Inline => Ok(Hotplug::new(config, InlineExecutor)?),
        Executor::Threads => {
            let ex = ThreadPerCpuExecutor::new(n)?;
            Ok(Hotplug::new(config, ex)?)
        }
    }
}

/// Bytes of the hotplug registry's per-CPU record (state, target, online
/// flag: two `AtomicUsize` and an `AtomicBool`, padded), which the registry
/// does not export.
pub const HOTPLUG_PER_CPU_BYTES: usize = 3 * std::mem::size_of::<usize>();
