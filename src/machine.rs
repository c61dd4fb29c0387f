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

use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use cpuhp::{Hotplug, HotplugConfig, InlineExecutor, ThreadPerCpuExecutor};
use dbgregs::access::Gpr;
use dbgregs::emulate::{GuestRegs, MemFault, StepOutcome, Trap};
use dbgregs::model::{CoreModel, OsLockModel, Quirks};
use dbgregs::state::{DebugState, UnknownFill};
use serde::Serialize;
use undef::{Consequence, InstrSize, RouteOutcome, TrapFrame, UndefRouter, SVC_MODE};

use crate::driver::{mcr_word, mrc_word};
use crate::error::DbgemuError;

/// The largest machine [`Machine::new`] builds.
pub const MAX_CPUS: usize = 4096;

/// The notional kernel-text address the accessors execute at (the PC of
/// every MRC/MCR the driver issues; only reported in an oops).
pub const KERNEL_TEXT: u32 = 0xC010_0000;

/// CPSR of the kernel flow: SVC mode, ARM state, IRQs and FIQs masked.
pub const KERNEL_CPSR: u32 = SVC_MODE | 0xC0;

/// A fault a vCPU can be configured with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaultKind {
    /// The DBGSWENABLE input is driven low: CP14 accesses to every debug
    /// register but the baseline ones, DBGOSLSR and DBGPRSR are UNDEFINED
    /// (those two too on a core with erratum 764319).
    SwenableLow,
    /// The vCPU's debug power domain is down: DBGPRSR.PU = 0 and the sticky
    /// power-down bit SPD = 1. Linux sees this only on v7 ECP14, through
    /// DBGPRSR (and, on a v7.0 core, through the UNDEFINED "other debug"
    /// registers while SPD is set).
    PoweredDown,
    /// The OS Double Lock is set (DBGOSDLR.DLK = 1; v7.1 and later).
    DoubleLock,
    /// The vCPU's core has no OS Save/Restore and no OS Lock (OSLM = 0b00):
    /// a variant of the machine's model (not permitted on Armv8, where the
    /// OS Lock is mandatory).
    NoOsSaveRestore,
    /// The core sets DBGPRSR.SPD on every WFI (the Qualcomm Scorpion
    /// behaviour), without its MIDR.
    SpdOnWfi,
    /// Monitor debug-mode is held off by the board: DBGDSCR.MDBGen does not
    /// stick (writes through DBGDSCRext, or the v6 DSCR, are ignored for
    /// that bit; it reads 0), so Linux prints "Failed to enable monitor mode
    /// on CPU N." (scenario 35). Reproduces the Cortex-A5 (ADSP-SC589),
    /// Krait 200 (MSM8960) and OMAP4460 boot logs; the mechanism on those
    /// boards (plausibly invasive-debug authentication or a firmware or
    /// external-debugger setting) is unverified, so it is an input here.
    MonitorRefused,
}

impl FaultKind {
    /// Every kind, in CLI order.
    pub const ALL: [FaultKind; 6] = [
        FaultKind::SwenableLow,
        FaultKind::PoweredDown,
        FaultKind::DoubleLock,
        FaultKind::NoOsSaveRestore,
        FaultKind::SpdOnWfi,
        FaultKind::MonitorRefused,
    ];

    /// The CLI name (`swenable-low`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            FaultKind::SwenableLow => "swenable-low",
            FaultKind::PoweredDown => "powered-down",
            FaultKind::DoubleLock => "double-lock",
            FaultKind::NoOsSaveRestore => "no-os-save-restore",
            FaultKind::SpdOnWfi => "spd-on-wfi",
            FaultKind::MonitorRefused => "monitor-refused",
        }
    }

    const fn bit(self) -> u8 {
        1 << self as u8
    }
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for FaultKind {
    type Err = DbgemuError;

    fn from_str(s: &str) -> Result<FaultKind, DbgemuError> {
        FaultKind::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| DbgemuError::UnknownFault {
                kind: s.to_string(),
            })
    }
}

/// A fault on one CPU (`CPU:KIND` on the command line).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Fault {
    /// The CPU.
    pub cpu: usize,
    /// The fault.
    pub kind: FaultKind,
}

impl FromStr for Fault {
    type Err = DbgemuError;

    /// Parses `CPU:KIND`, e.g. `2:swenable-low`. The CPU's range is checked
    /// by [`Machine::new`].
    fn from_str(s: &str) -> Result<Fault, DbgemuError> {
        let malformed = || DbgemuError::MalformedFault {
            spec: s.to_string(),
        };
        let (cpu, kind) = s.split_once(':').ok_or_else(malformed)?;
        let cpu = cpu.trim().parse::<usize>().map_err(|_| malformed())?;
        Ok(Fault {
            cpu,
            kind: kind.parse()?,
        })
    }
}

/// A set of [`FaultKind`]s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct FaultSet(u8);

impl FaultSet {
    /// Whether `kind` is in the set.
    pub const fn contains(self, kind: FaultKind) -> bool {
        self.0 & kind.bit() != 0
    }

    /// Adds `kind`.
    pub fn insert(&mut self, kind: FaultKind) {
        self.0 |= kind.bit();
    }

    /// The kinds in the set, in [`FaultKind::ALL`] order.
    pub fn kinds(self) -> impl Iterator<Item = FaultKind> {
        FaultKind::ALL
            .into_iter()
            .filter(move |k| self.contains(*k))
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// Parses a CPU list: comma-separated indices and inclusive ranges
/// (`2,3`, `2-3`, `1,4-6`). Duplicates are merged; the result is ascending.
///
/// # Errors
/// [`DbgemuError::MalformedCpuList`] for anything else (empty items, a
/// reversed range, a non-number).
pub fn parse_cpu_list(list: &str) -> Result<Vec<usize>, DbgemuError> {
    let bad = |reason: &str| DbgemuError::MalformedCpuList {
        list: list.to_string(),
        reason: reason.to_string(),
    };
    let mut out = Vec::new();
    for item in list.split(',') {
        let item = item.trim();
        if item.is_empty() {
            return Err(bad("empty item"));
        }
        let num = |t: &str| {
            t.trim()
                .parse::<usize>()
                .map_err(|_| bad(&format!("`{}` is not a CPU number", t.trim())))
        };
        match item.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (num(a)?, num(b)?);
                if a > b {
                    return Err(bad(&format!("range {a}-{b} is reversed")));
                }
                if b - a >= MAX_CPUS {
                    return Err(bad(&format!(
                        "range {a}-{b} is longer than {MAX_CPUS} CPUs"
                    )));
                }
                out.extend(a..=b);
            }
            None => out.push(num(item)?),
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// Which hotplug executor runs the per-CPU callbacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Executor {
    /// On the calling thread (deterministic).
    #[default]
    Inline,
    /// One `cpuhp/<n>` worker thread per CPU, as in the kernel.
    Threads,
}

impl FromStr for Executor {
    type Err = DbgemuError;

    fn from_str(s: &str) -> Result<Executor, DbgemuError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "inline" => Ok(Executor::Inline),
            "threads" | "thread-per-cpu" => Ok(Executor::Threads),
            _ => Err(DbgemuError::UnknownExecutor {
                name: s.to_string(),
            }),
        }
    }
}

impl fmt::Display for Executor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Executor::Inline => "inline",
            Executor::Threads => "threads",
        })
    }
}

/// How to build a [`Machine`].
#[derive(Debug, Clone)]
pub struct MachineConfig {
    /// The core model of every vCPU (faults may derive a variant per vCPU).
    pub model: CoreModel,
    /// Number of vCPUs.
    pub cpus: usize,
    /// Faults, per CPU.
    pub faults: Vec<Fault>,
    /// CPUs that start offline (not CPU 0, the boot CPU).
    pub offline: Vec<usize>,
    /// The hotplug executor.
    pub executor: Executor,
    /// Record every instruction each vCPU executes (tests; costs a push per
    /// access when on).
    pub trace: bool,
}

impl MachineConfig {
    /// `cpus` vCPUs of `model`, all online, no faults, inline executor.
    pub fn new(model: CoreModel, cpus: usize) -> MachineConfig {
        MachineConfig {
            model,
            cpus,
            faults: Vec::new(),
            offline: Vec::new(),
            executor: Executor::Inline,
            trace: false,
        }
    }
}

/// A vCPU's guest register frame: r0–r15 (r15 = PC) and CPSR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuestFrame {
    /// r0–r15.
    pub regs: [u32; 16],
    /// CPSR.
    pub cpsr: u32,
}

impl GuestFrame {
    /// The frame kernel code starts with: registers zero, PC at
    /// [`KERNEL_TEXT`], SVC mode.
    pub const fn kernel() -> GuestFrame {
        let mut regs = [0; 16];
        regs[15] = KERNEL_TEXT;
        GuestFrame {
            regs,
            cpsr: KERNEL_CPSR,
        }
    }
}

impl GuestRegs for GuestFrame {
    #[inline]
    fn reg(&self, r: Gpr) -> u32 {
        self.regs[(r.0 & 15) as usize]
    }
    #[inline]
    fn set_reg(&mut self, r: Gpr, value: u32) {
        self.regs[(r.0 & 15) as usize] = value;
    }
    #[inline]
    fn pc(&self) -> u32 {
        self.regs[15]
    }
    #[inline]
    fn set_pc(&mut self, pc: u32) {
        self.regs[15] = pc;
    }
    #[inline]
    fn cpsr(&self) -> u32 {
        self.cpsr
    }
    #[inline]
    fn set_cpsr(&mut self, cpsr: u32) {
        self.cpsr = cpsr;
    }
    /// The kernel flow never executes LDC/STC: no guest memory is mapped.
    fn read_mem_u32(&mut self, address: u32) -> Result<u32, MemFault> {
        Err(MemFault {
            address,
            write: false,
        })
    }
    /// As [`GuestFrame::read_mem_u32`].
    fn write_mem_u32(&mut self, address: u32, _value: u32) -> Result<(), MemFault> {
        Err(MemFault {
            address,
            write: true,
        })
    }
}

/// One vCPU: its model, debug registers, guest registers and faults.
#[derive(Debug, Clone)]
pub struct Vcpu {
    model: CoreModel,
    debug: DebugState,
    frame: GuestFrame,
    faults: FaultSet,
    trace: Option<Vec<u32>>,
}

impl Vcpu {
    /// The vCPU's core model (the machine's, or a fault-derived variant).
    pub fn model(&self) -> &CoreModel {
        &self.model
    }

    /// The debug register file.
    pub fn debug(&self) -> &DebugState {
        &self.debug
    }

    /// The guest register frame.
    pub fn frame(&self) -> &GuestFrame {
        &self.frame
    }

    /// The configured faults.
    pub fn faults(&self) -> FaultSet {
        self.faults
    }

    /// The instructions executed so far (empty unless tracing is on).
    pub fn trace(&self) -> &[u32] {
        self.trace.as_deref().unwrap_or(&[])
    }

    /// Host-side (VMM) access to the debug register file: fault injection
    /// in tests, and the direct-write "floor" of the reset bench. Guest
    /// kernel code never uses this; it goes through [`VcpuCtx`].
    pub fn debug_mut(&mut self) -> (&CoreModel, &mut DebugState) {
        (&self.model, &mut self.debug)
    }
}

/// A kernel undefined-instruction oops: a debug-register access trapped and
/// no hook handled it (kernel-behaviour.md §2.5, §3.7). Terminal for the
/// code that ran it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KernelOops {
    /// The CPU.
    pub cpu: usize,
    /// The faulting instruction.
    pub instr: u32,
    /// Its address.
    pub pc: u32,
    /// The die() message: "Oops - undefined instruction".
    pub message: String,
}

impl fmt::Display for KernelOops {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} on CPU {}: instruction 0x{:08x} at pc 0x{:08x}",
            self.message, self.cpu, self.instr, self.pc
        )
    }
}

/// The kernel code's view of one vCPU while it runs there: the only way the
/// driver reaches debug registers.
pub struct VcpuCtx<'a> {
    cpu: usize,
    vcpu: &'a mut Vcpu,
    router: &'a UndefRouter,
}

impl fmt::Debug for VcpuCtx<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VcpuCtx").field("cpu", &self.cpu).finish()
    }
}

/// Why an instruction did not complete: trapped and nobody handled it, or a
/// handler left the PC on it forever.
const MAX_REEXECUTIONS: u32 = 16;

impl VcpuCtx<'_> {
    /// The CPU number.
    #[inline]
    pub fn cpu(&self) -> usize {
        self.cpu
    }

    /// MIDR (a CP15 identification register, not a debug register).
    #[inline]
    pub fn midr(&self) -> u32 {
        self.vcpu.model.midr()
    }

    /// The vCPU (read-only).
    pub fn vcpu(&self) -> &Vcpu {
        self.vcpu
    }

    /// Host-side (VMM) access to this vCPU's debug register file, bypassing
    /// the trap path (benches use it to put the state back between runs).
    /// Guest kernel code never uses this.
    pub fn host_debug_mut(&mut self) -> (&CoreModel, &mut DebugState) {
        self.vcpu.debug_mut()
    }

    /// The guest registers (the accessor code sets its source register).
    #[inline]
    pub fn frame_mut(&mut self) -> &mut GuestFrame {
        &mut self.vcpu.frame
    }

    /// Executes the A32 word `word` at the current PC in the current mode.
    ///
    /// # Errors
    /// A [`KernelOops`] when the access is UNDEFINED and no hook handles it
    /// (or a handler keeps re-executing it).
    #[inline]
    pub fn execute(&mut self, word: u32) -> Result<(), KernelOops> {
        if let Some(t) = &mut self.vcpu.trace {
            t.push(word);
        }
        let mut tries = 0;
        loop {
            let out = step_a32(self.vcpu, word);
            match out {
                Ok(StepOutcome::Completed { .. } | StepOutcome::ConditionFailed) => return Ok(()),
                // A data abort cannot happen (no LDC/STC is executed); a
                // word that is no CP14 access is UNDEFINED like any other.
                Ok(StepOutcome::Undefined { .. } | StepOutcome::DataAbort(_)) | Err(_) => {}
            }
            let pc = self.vcpu.frame.regs[15];
            if !self.route_undef(word, pc)? {
                return Ok(());
            }
            tries += 1;
            if tries > MAX_REEXECUTIONS {
                return Err(self.oops(word, pc));
            }
        }
    }

    /// Routes an Undefined Instruction exception for `word` at `pc`.
    /// `Ok(true)`: a hook handled it but left the PC on it (re-execute).
    #[cold]
    fn route_undef(&mut self, word: u32, pc: u32) -> Result<bool, KernelOops> {
        let mut tf = TrapFrame::new(self.cpu as u32, self.vcpu.frame.cpsr, pc);
        tf.regs = self.vcpu.frame.regs;
        match self
            .router
            .route_instruction(&mut tf, word, InstrSize::Four)
        {
            RouteOutcome::Handled { .. } => {
                self.vcpu.frame.regs = tf.regs;
                self.vcpu.frame.cpsr = tf.cpsr;
                Ok(self.vcpu.frame.regs[15] == pc)
            }
            RouteOutcome::Unhandled { consequence, .. } => match consequence {
                Consequence::Oops { .. } | Consequence::Sigill { .. } => Err(self.oops(word, pc)),
            },
        }
    }

    fn oops(&self, instr: u32, pc: u32) -> KernelOops {
        KernelOops {
            cpu: self.cpu,
            instr,
            pc,
            message: undef::OOPS_UNDEFINED_INSTRUCTION.to_string(),
        }
    }

    /// `MRC p14, 0, R<rt>, c<crn>, c<crm>, <opc2>`: returns what lands in
    /// `R<rt>`. The accessor zeroes `R<rt>` first (as `u32 val = 0;` before
    /// the inline `mrc`), so a trapped read that a hook skips yields 0 — the
    /// defined value the spec recommends for the unwritten destination.
    #[inline]
    pub fn mrc(&mut self, rt: u8, crn: u8, crm: u8, opc2: u8) -> Result<u32, KernelOops> {
        let rt = rt & 15;
        self.vcpu.frame.regs[rt as usize] = 0;
        self.vcpu.frame.regs[15] = KERNEL_TEXT;
        self.execute(mrc_word(rt, crn, crm, opc2))?;
        Ok(self.vcpu.frame.regs[rt as usize])
    }

    /// `MCR p14, 0, R<rt>, c<crn>, c<crm>, <opc2>` with `value` in `R<rt>`.
    #[inline]
    pub fn mcr(
        &mut self,
        rt: u8,
        crn: u8,
        crm: u8,
        opc2: u8,
        value: u32,
    ) -> Result<(), KernelOops> {
        let rt = rt & 15;
        self.vcpu.frame.regs[rt as usize] = value;
        self.vcpu.frame.regs[15] = KERNEL_TEXT;
        self.execute(mcr_word(rt, crn, crm, opc2))
    }
}

/// One emulated A32 access on `vcpu`: decode, semantics, Rt and PC
/// ([`dbgregs::emulate::step`]).
#[inline(always)]
fn step_a32(vcpu: &mut Vcpu, word: u32) -> Result<StepOutcome, dbgregs::error::DbgRegsError> {
    dbgregs::emulate::step(
        &vcpu.model,
        &mut vcpu.debug,
        &mut vcpu.frame,
        Trap::A32(word),
    )
}

/// A CPU power-management event (`CPU_PM_ENTER` / `CPU_PM_EXIT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum PmEvent {
    /// The CPU is about to enter a low-power state.
    Enter,
    /// The CPU resumed from it.
    Exit,
}

/// A CPU PM notifier (the kernel's `cpu_pm_register_notifier`): called on
/// the CPU the event is about.
pub trait PmNotifier: Send + Sync {
    /// Handles `event` on `ctx`'s CPU.
    ///
    /// # Errors
    /// A [`KernelOops`] if the notifier's register accesses trap unhandled.
    fn notify(&self, event: PmEvent, ctx: &mut VcpuCtx<'_>) -> Result<(), KernelOops>;
}

/// Identity of a registered [`PmNotifier`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PmNotifierId(u64);

type PmChain = Vec<(PmNotifierId, Arc<dyn PmNotifier>)>;

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
    /// [`DbgemuError::BadCpuCount`], [`DbgemuError::NoSuchCpu`] for a fault
    /// or offline CPU out of range, [`DbgemuError::BootCpuOffline`],
    /// [`DbgemuError::FaultNotApplicable`], [`DbgemuError::Hotplug`] if the
    /// registry cannot be built (e.g. worker threads cannot start).
    pub fn new(config: MachineConfig) -> Result<Arc<Machine>, DbgemuError> {
        let n = config.cpus;
        if n == 0 || n > MAX_CPUS {
            return Err(DbgemuError::BadCpuCount {
                count: n,
                max: MAX_CPUS,
            });
        }
        let check = |cpu: usize| {
            if cpu >= n {
                Err(DbgemuError::NoSuchCpu { cpu, count: n })
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
                return Err(DbgemuError::BootCpuOffline);
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

    fn check_cpu(&self, cpu: usize) -> Result<(), DbgemuError> {
        if cpu < self.vcpus.len() {
            Ok(())
        } else {
            Err(DbgemuError::NoSuchCpu {
                cpu,
                count: self.vcpus.len(),
            })
        }
    }

    /// Runs `f` on `cpu` as kernel code (the vCPU's lock is held for the
    /// call: take it once per callback, not per access).
    ///
    /// # Errors
    /// [`DbgemuError::NoSuchCpu`].
    pub fn with_vcpu<R>(
        &self,
        cpu: usize,
        f: impl FnOnce(&mut VcpuCtx<'_>) -> R,
    ) -> Result<R, DbgemuError> {
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
    /// [`DbgemuError::NoSuchCpu`].
    pub fn with_vcpu_mut<R>(
        &self,
        cpu: usize,
        f: impl FnOnce(&mut Vcpu) -> R,
    ) -> Result<R, DbgemuError> {
        self.check_cpu(cpu)?;
        Ok(f(&mut lock(&self.vcpus[cpu])))
    }

    /// A copy of `cpu`'s vCPU (registers, faults, trace).
    ///
    /// # Errors
    /// [`DbgemuError::NoSuchCpu`].
    pub fn vcpu(&self, cpu: usize) -> Result<Vcpu, DbgemuError> {
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
    /// [`DbgemuError::NoSuchCpu`]; [`DbgemuError::Hotplug`] with the
    /// registry's error (e.g. a callback failed and the CPU rolled back).
    pub fn cpu_up(&self, cpu: usize) -> Result<(), DbgemuError> {
        self.check_cpu(cpu)?;
        self.hotplug
            .cpu_up(cpu)
            .map_err(|e| DbgemuError::Hotplug(e.to_string()))?;
        self.idle(cpu)
    }

    /// Takes `cpu` offline.
    ///
    /// # Errors
    /// [`DbgemuError::NoSuchCpu`]; [`DbgemuError::Hotplug`].
    pub fn cpu_down(&self, cpu: usize) -> Result<(), DbgemuError> {
        self.check_cpu(cpu)?;
        self.hotplug
            .cpu_down(cpu)
            .map_err(|e| DbgemuError::Hotplug(e.to_string()))
    }

    /// `cpu` executes WFI once (the idle loop).
    ///
    /// # Errors
    /// [`DbgemuError::NoSuchCpu`].
    pub fn idle(&self, cpu: usize) -> Result<(), DbgemuError> {
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
    /// [`DbgemuError::NoSuchCpu`], [`DbgemuError::FaultNotApplicable`];
    /// the vCPU is unchanged on error.
    pub fn inject_fault(&self, cpu: usize, kind: FaultKind) -> Result<(), DbgemuError> {
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
    /// [`DbgemuError::NoSuchCpu`]; [`DbgemuError::Hotplug`] if the CPU is
    /// offline (an offline CPU does not enter CPU PM states).
    pub fn cpu_suspend_resume(&self, cpu: usize) -> Result<Option<KernelOops>, DbgemuError> {
        self.check_cpu(cpu)?;
        if !self.is_online(cpu) {
            return Err(DbgemuError::Hotplug(format!(
                "CPU {cpu} is offline: it cannot enter a low-power state"
            )));
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

/// The vCPU's model: the machine's, or the variant its faults ask for.
fn variant_model(base: &CoreModel, cpu: usize, set: FaultSet) -> Result<CoreModel, DbgemuError> {
    let not = |kind: FaultKind, reason: String| DbgemuError::FaultNotApplicable {
        kind: kind.name(),
        cpu,
        model: base.name(),
        reason,
    };
    let mut b = base.to_builder();
    if set.contains(FaultKind::NoOsSaveRestore) {
        if base.version().is_v8() {
            return Err(not(
                FaultKind::NoOsSaveRestore,
                "the OS Lock is mandatory from Armv8 debug".to_string(),
            ));
        }
        b = b.os_lock(OsLockModel::None).oslk_reset(false);
    }
    if set.contains(FaultKind::SpdOnWfi) {
        b = b.quirks(Quirks {
            spd_on_wfi: true,
            ..base.quirks()
        });
    }
    if set.contains(FaultKind::DoubleLock) && !base.version().at_least_v7_1() {
        return Err(not(
            FaultKind::DoubleLock,
            format!(
                "the OS Double Lock exists from debug v7.1; this core is debug {}",
                base.version()
            ),
        ));
    }
    b.build()
        .map_err(|e| not(FaultKind::NoOsSaveRestore, e.to_string()))
}

/// Applies the faults that live in the debug state.
fn apply_state_faults(debug: &mut DebugState, set: FaultSet) {
    if set.contains(FaultKind::PoweredDown) {
        debug.power_down();
    }
    if set.contains(FaultKind::SwenableLow) {
        debug.set_dbgswenable(false);
    }
    if set.contains(FaultKind::DoubleLock) {
        debug.set_double_lock(true);
    }
    if set.contains(FaultKind::MonitorRefused) {
        debug.set_monitor_debug_blocked(true);
    }
}

fn build_hotplug(n: usize, online: Vec<usize>, executor: Executor) -> Result<Hotplug, DbgemuError> {
    let map = |e: cpuhp::CpuhpError| DbgemuError::Hotplug(e.to_string());
    let config = HotplugConfig { cpus: n, online };
    match executor {
        Executor::Inline => Hotplug::new(config, InlineExecutor).map_err(map),
        Executor::Threads => {
            let ex = ThreadPerCpuExecutor::new(n).map_err(map)?;
            Hotplug::new(config, ex).map_err(map)
        }
    }
}

/// Bytes of the hotplug registry's per-CPU record (state, target, online
/// flag: two `AtomicUsize` and an `AtomicBool`, padded), which the registry
/// does not export.
pub const HOTPLUG_PER_CPU_BYTES: usize = 3 * std::mem::size_of::<usize>();

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_lists_parse() {
        assert_eq!(parse_cpu_list("2,3").ok(), Some(vec![2, 3]));
        assert_eq!(parse_cpu_list("2-3").ok(), Some(vec![2, 3]));
        assert_eq!(parse_cpu_list("5, 1-3,2").ok(), Some(vec![1, 2, 3, 5]));
        for bad in ["", "1,", "a", "3-1", "1-", "-2", "1--2"] {
            assert!(
                matches!(
                    parse_cpu_list(bad),
                    Err(DbgemuError::MalformedCpuList { .. })
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn faults_parse() {
        assert_eq!(
            "2:swenable-low".parse::<Fault>().ok(),
            Some(Fault {
                cpu: 2,
                kind: FaultKind::SwenableLow
            })
        );
        for k in FaultKind::ALL {
            assert_eq!(k.name().parse::<FaultKind>().ok(), Some(k));
        }
        assert!(matches!(
            "2:melted".parse::<Fault>(),
            Err(DbgemuError::UnknownFault { .. })
        ));
        assert!(matches!(
            "x:double-lock".parse::<Fault>(),
            Err(DbgemuError::MalformedFault { .. })
        ));
        assert!(matches!(
            "double-lock".parse::<Fault>(),
            Err(DbgemuError::MalformedFault { .. })
        ));
    }
}
