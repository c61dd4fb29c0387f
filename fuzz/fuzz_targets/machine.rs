//! The whole machine, statefully: a preset, 1–16 vCPUs, faults, then a
//! sequence of what a guest and a VMM do to it — driver init and unload,
//! `cpu_up`/`cpu_down`, `cpu_hotplug_disable` scopes, CPU PM low-power
//! cycles, breakpoint and watchpoint install/uninstall through the driver's
//! install path, guest CP14 accesses (A32, T32, ESR; any mode), instruction
//! fetches and data accesses that may fire debug events, snapshot save and
//! restore (also of corrupted, re-checksummed snapshots), undef hooks
//! registered and traps routed.
//!
//! After every operation:
//! * no panic;
//! * every vCPU ran the driver's reset exactly once each time it came up
//!   while the driver's hotplug state was installed (and once per PM exit
//!   while the PM notifier was registered), and during init the resets ran
//!   while the driver's undef hook was registered (checked at the init
//!   windows: the hook is there when `setup_state` returns and gone after);
//! * the error mask names exactly the CPUs whose reset trapped (the
//!   driver's "caused undefined instruction on CPU N" lines), except CPUs
//!   whose error has a non-trap cause the input set up (a powered-down,
//!   double-locked or monitor-refused vCPU, guest writes or a restored
//!   snapshot, or a debug architecture the driver version cannot enable
//!   monitor mode on);
//! * every BVR/BCR/WVR/WCR the model implements, and DBGVCR, lies within
//!   its writable mask for the vCPU's model;
//! * a guest access that takes UNDEFINED (or aborts, or does not decode)
//!   changes neither the debug state nor the guest registers;
//! * a restored snapshot re-saves to the same bytes, and a rejected one
//!   leaves the vCPU's state untouched;
//! * the undef router runs the hook a plain earliest-registered-first list
//!   walk picks.
#![no_main]

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use arbitrary::Arbitrary;
use dbgemu::dbgregs::emulate::{step, StepOutcome, Trap};
use dbgemu::dbgregs::matching::{AccessKind, DataAccess, InstructionFetch, Mode};
use dbgemu::dbgregs::model::CoreModel;
use dbgemu::dbgregs::regmap::DebugRegister;
use dbgemu::dbgregs::semantics::writable_mask;
use dbgemu::dbgregs::snapshot::{checksum, DebugSnapshot, SNAPSHOT_SIZE};
use dbgemu::dbgregs::state::DebugState;
use dbgemu::driver::{
    DriverVersion, HwBreakpoint, InitOptions, InitWindow, SetupOutcome, DEBUG_REG_HOOK_NAME,
};
use dbgemu::install::{BpHandle, BpType, BreakpointRequest, HwBreakpoints};
use dbgemu::machine::{Fault, FaultKind, GuestFrame, Machine, MachineConfig};
use dbgemu::undef::{HookGuard, HookResult, InstrSize, TrapFrame, UndefHook};
use libfuzzer_sys::fuzz_target;

/// The CPSR mode fields the architecture defines, then any 5-bit value.
const MODES: [u32; 9] = [0x10, 0x11, 0x12, 0x13, 0x16, 0x17, 0x1A, 0x1B, 0x1F];
const HOOK_NAMES: [&str; 4] = ["fuzz0", "fuzz1", "fuzz2", "fuzz3"];
const MAX_OPS: usize = 128;
const MAX_SNAPSHOTS: usize = 8;

#[derive(Debug, Arbitrary)]
enum Form {
    A32,
    T32,
    Esr,
    /// MCR/MRC p14 at the given coordinates (A32 with the condition, or
    /// the same bits as T32).
    Cp14 {
        read: bool,
        opc1: u8,
        crn: u8,
        crm: u8,
        opc2: u8,
        rt: u8,
        cond: u8,
        thumb: bool,
    },
}

#[derive(Debug, Arbitrary)]
enum Op {
    Init {
        cpu_pm: bool,
        v4_10: bool,
    },
    Unload,
    CpuUp(u8),
    CpuDown(u8),
    HotplugDisable,
    HotplugEnable,
    Pm(u8),
    Idle(u8),
    InjectFault {
        cpu: u8,
        kind: u8,
    },
    Install {
        cpu: u8,
        address: u32,
        len: u8,
        bp_type: u8,
        step_over: bool,
    },
    Uninstall(u8),
    Guest {
        cpu: u8,
        form: Form,
        word: u64,
        mode: u8,
        value: u32,
        flags: u8,
    },
    Fetch {
        cpu: u8,
        address: u32,
        thumb: bool,
        mode: u8,
    },
    Data {
        cpu: u8,
        pc: u32,
        address: u32,
        size: u8,
        kind: u8,
        mode: u8,
        unprivileged: bool,
    },
    Save(u8),
    Restore {
        slot: u8,
        cpu: u8,
        corrupt: Option<(u16, u8)>,
    },
    Hook {
        instr_mask: u32,
        instr_val: u32,
        cpsr_mask: u32,
        cpsr_val: u32,
        handles: bool,
    },
    Unhook(u8),
    Route {
        cpu: u8,
        instr: u32,
        cpsr: u32,
        thumb16: bool,
    },
}

#[derive(Debug, Arbitrary)]
struct Input {
    preset: u8,
    cpus: u8,
    offline: u16,
    faults: Vec<(u8, u8)>,
    ops: Vec<Op>,
}

/// One of the fuzzer's own undef hooks, as the reference list keeps it.
struct FuzzHook {
    index: usize,
    instr_mask: u32,
    instr_val: u32,
    cpsr_mask: u32,
    cpsr_val: u32,
    handles: bool,
    guard: HookGuard,
}

/// The driver, its install path and what the harness expects of it.
struct Driver {
    hw: HwBreakpoint,
    bps: HwBreakpoints,
    /// Resets each CPU must have run so far.
    expected_runs: Vec<u32>,
    handles: Vec<BpHandle>,
    v4_10: bool,
}

fn mode_bits(m: u8) -> u32 {
    MODES
        .get(usize::from(m))
        .copied()
        .unwrap_or(u32::from(m) & 0x1F)
}

fn mode_of(m: u8) -> Mode {
    Mode::from_cpsr_m(mode_bits(m % MODES.len() as u8)).unwrap_or(Mode::User)
}

fn cp14_word(read: bool, opc1: u8, crn: u8, crm: u8, opc2: u8, rt: u8, cond: u32) -> u32 {
    (cond << 28)
        | 0x0E00_0E10
        | (u32::from(opc1 & 7) << 21)
        | (u32::from(read) << 20)
        | (u32::from(crn & 0xF) << 16)
        | (u32::from(rt & 0xF) << 12)
        | (u32::from(opc2 & 7) << 5)
        | u32::from(crm & 0xF)
}

/// The CPUs named in the driver's "caused undefined instruction" lines.
fn trapped_cpus(hw: &HwBreakpoint) -> BTreeSet<usize> {
    const MARK: &str = "caused undefined instruction on CPU ";
    hw.core()
        .messages()
        .iter()
        .filter_map(|l| {
            let at = l.text.find(MARK)?;
            l.text[at + MARK.len()..].trim().parse().ok()
        })
        .collect()
}

struct Harness<'a> {
    machine: &'a Arc<Machine>,
    cpus: usize,
    driver: Option<Driver>,
    /// CPUs whose debug state the guest or a restore changed: a reset error
    /// there may have a non-trap cause the harness does not model.
    tainted: Vec<bool>,
    snapshots: Vec<(usize, [u8; SNAPSHOT_SIZE])>,
    hooks: Vec<FuzzHook>,
    ran: Arc<AtomicUsize>,
    next_hook: usize,
}

impl Harness<'_> {
    fn cpu(&self, c: u8) -> usize {
        usize::from(c) % (self.cpus + 1) // one past the end: the error paths
    }

    fn init(&mut self, cpu_pm: bool, v4_10: bool) {
        if self.driver.is_some() {
            return;
        }
        let online_before: Vec<bool> = (0..self.cpus).map(|c| self.machine.is_online(c)).collect();
        let hook_at_setup = Arc::new(AtomicBool::new(false));
        let hook_after = Arc::new(AtomicBool::new(true));
        let (m, at_setup, after) = (
            Arc::downgrade(self.machine),
            Arc::clone(&hook_at_setup),
            Arc::clone(&hook_after),
        );
        let window = move |w: InitWindow| {
            let Some(m) = m.upgrade() else { return };
            let there = m
                .router()
                .hooks()
                .iter()
                .any(|h| h.hook.name == DEBUG_REG_HOOK_NAME);
            match w {
                InitWindow::AfterSetup => at_setup.store(there, Ordering::SeqCst),
                InitWindow::AfterHookUnregistered => after.store(there, Ordering::SeqCst),
            }
        };
        let opts = InitOptions {
            cpu_pm,
            driver: if v4_10 {
                DriverVersion::V4_10
            } else {
                DriverVersion::Current
            },
            window: Some(Arc::new(window)),
            ..InitOptions::default()
        };
        let hw = HwBreakpoint::init(self.machine, opts);
        let setup = hw.result().setup.clone();
        let mut expected_runs = vec![0; self.cpus];
        match setup {
            SetupOutcome::NotAttempted => {}
            SetupOutcome::Allocated { .. } => {
                assert!(
                    hook_at_setup.load(Ordering::SeqCst),
                    "resets ran without the undef hook"
                );
                assert!(
                    !hook_after.load(Ordering::SeqCst),
                    "the undef hook outlived init"
                );
                for (c, on) in online_before.iter().enumerate() {
                    expected_runs[c] = u32::from(*on);
                }
            }
            SetupOutcome::Failed { .. } => {
                // A startup failed part-way (an oops): the CPUs before it
                // ran the reset once, none twice.
                for (c, on) in online_before.iter().enumerate() {
                    let runs = hw.core().reset_runs(c);
                    assert!(runs <= u32::from(*on), "CPU {c} ran the reset {runs} times");
                    expected_runs[c] = runs;
                }
            }
        }
        let bps = HwBreakpoints::new(self.machine, &hw);
        self.driver = Some(Driver {
            hw,
            bps,
            expected_runs,
            handles: Vec::new(),
            v4_10,
        });
    }

    fn state_installed(&self) -> bool {
        self.driver.as_ref().is_some_and(|d| d.hw.state().is_some())
    }

    fn pm_registered(&self) -> bool {
        self.driver
            .as_ref()
            .is_some_and(|d| d.hw.result().pm_notifier)
    }

    fn guest(&mut self, cpu: usize, form: &Form, word: u64, mode: u8, value: u32, flags: u8) {
        let (trap, thumb) = match *form {
            Form::A32 => (Trap::A32(word as u32), false),
            Form::T32 => (Trap::T32(word as u32), true),
            Form::Esr => (Trap::Esr(word), false),
            Form::Cp14 {
                read,
                opc1,
                crn,
                crm,
                opc2,
                rt,
                cond,
                thumb,
            } => {
                let cond = if thumb { 0xE } else { u32::from(cond & 0xF) };
                (
                    Trap::A32(cp14_word(read, opc1, crn, crm, opc2, rt, cond)),
                    thumb,
                )
            }
        };
        let trap = match (trap, thumb) {
            (Trap::A32(w), true) => Trap::T32(w),
            (t, _) => t,
        };
        let mut frame = GuestFrame {
            regs: [value; 16],
            cpsr: mode_bits(mode),
        };
        frame.regs[15] = 0x8000;
        frame.cpsr |= u32::from(flags & 0xF) << 28;
        if thumb {
            frame.cpsr |= 1 << 5;
        }
        let changed = self.machine.with_vcpu_mut(cpu, |v| {
            let before_state = *v.debug();
            let before_frame = frame;
            let (model, debug) = v.debug_mut();
            let out = step(model, debug, &mut frame, trap);
            match out {
                Err(_) | Ok(StepOutcome::Undefined { .. } | StepOutcome::DataAbort(_)) => {
                    assert_eq!(
                        *v.debug(),
                        before_state,
                        "{trap:x?} -> {out:?} changed the state"
                    );
                    assert_eq!(
                        frame, before_frame,
                        "{trap:x?} -> {out:?} changed the guest"
                    );
                    false
                }
                Ok(StepOutcome::ConditionFailed) => {
                    assert_eq!(
                        *v.debug(),
                        before_state,
                        "a skipped {trap:x?} changed the state"
                    );
                    false
                }
                Ok(StepOutcome::Completed { .. }) => true,
            }
        });
        if let Ok(true) = changed {
            self.tainted[cpu] = true;
        }
    }

    fn save(&mut self, cpu: usize) {
        let Ok(bytes) = self.machine.with_vcpu_mut(cpu, |v| {
            let snap = DebugSnapshot::save(v.model(), v.debug());
            let restored = snap
                .restore(v.model())
                .expect("a snapshot of a live vCPU restores");
            assert_eq!(restored, *v.debug(), "save/restore is not the identity");
            *snap.bytes_array()
        }) else {
            return;
        };
        if self.snapshots.len() == MAX_SNAPSHOTS {
            self.snapshots.remove(0);
        }
        self.snapshots.push((cpu, bytes));
    }

    fn restore(&mut self, slot: u8, cpu: usize, corrupt: Option<(u16, u8)>) {
        let Some(&(_, mut bytes)) = self
            .snapshots
            .get(usize::from(slot) % self.snapshots.len().max(1))
        else {
            return;
        };
        if let Some((at, xor)) = corrupt {
            bytes[usize::from(at) % SNAPSHOT_SIZE] ^= xor;
            // Re-checksum so the corruption reaches the payload checks.
            let sum = checksum(&bytes);
            bytes[32..40].copy_from_slice(&sum.to_le_bytes());
        }
        let Ok(snap) = DebugSnapshot::from_bytes(&bytes) else {
            return;
        };
        let restored = self.machine.with_vcpu_mut(cpu, |v| {
            let before: DebugState = *v.debug();
            let (model, debug) = v.debug_mut();
            match snap.restore_into(model, debug) {
                Ok(()) => {
                    let again = DebugSnapshot::save(v.model(), v.debug());
                    assert_eq!(
                        again.to_bytes(),
                        &bytes[..],
                        "a restored snapshot re-saves differently"
                    );
                    true
                }
                Err(_) => {
                    assert_eq!(*v.debug(), before, "a rejected snapshot changed the state");
                    false
                }
            }
        });
        if let Ok(true) = restored {
            self.tainted[cpu] = true;
        }
    }

    fn hook(
        &mut self,
        instr_mask: u32,
        instr_val: u32,
        cpsr_mask: u32,
        cpsr_val: u32,
        handles: bool,
    ) {
        if self.hooks.len() == HOOK_NAMES.len() {
            return;
        }
        let index = self.next_hook;
        let ran = Arc::clone(&self.ran);
        let hook = UndefHook::new(
            HOOK_NAMES[index % HOOK_NAMES.len()],
            instr_mask,
            instr_val,
            move |frame: &mut TrapFrame, _| {
                ran.store(index, Ordering::SeqCst);
                if handles {
                    frame.skip_instruction(InstrSize::Four);
                    HookResult::Handled
                } else {
                    HookResult::NotHandled
                }
            },
        )
        .and_then(|h| h.with_cpsr(cpsr_mask, cpsr_val));
        match hook {
            Ok(h) => {
                self.next_hook += 1;
                let guard = self.machine.router().register(h);
                self.hooks.push(FuzzHook {
                    index,
                    instr_mask,
                    instr_val,
                    cpsr_mask,
                    cpsr_val,
                    handles,
                    guard,
                });
            }
            Err(_) => assert!(instr_val & !instr_mask != 0 || cpsr_val & !cpsr_mask != 0),
        }
    }

    fn route(&self, cpu: usize, instr: u32, cpsr: u32, thumb16: bool) {
        // Outside init only the fuzzer's hooks are registered.
        assert_eq!(self.machine.router().hooks().len(), self.hooks.len());
        let (instr, size) = if thumb16 {
            (instr & 0xFFFF, InstrSize::Two)
        } else {
            (instr, InstrSize::Four)
        };
        self.ran.store(usize::MAX, Ordering::SeqCst);
        let mut frame = TrapFrame::new(cpu as u32, cpsr, 0x8000);
        let outcome = self
            .machine
            .router()
            .route_instruction(&mut frame, instr, size);
        let expected = self
            .hooks
            .iter()
            .find(|h| instr & h.instr_mask == h.instr_val && cpsr & h.cpsr_mask == h.cpsr_val);
        let observed = self.ran.load(Ordering::SeqCst);
        match expected {
            None => {
                assert_eq!(observed, usize::MAX, "no hook may run");
                assert!(!outcome.is_handled());
            }
            Some(h) => {
                assert_eq!(observed, h.index, "the earliest-registered match runs");
                assert_eq!(outcome.is_handled(), h.handles);
            }
        }
    }

    fn check(&self, depth: usize) {
        let m = self.machine;
        assert_eq!(m.hotplug().cpu_hotplug_disable_depth(), depth);
        for cpu in 0..self.cpus {
            let _ = m.with_vcpu_mut(cpu, |v| {
                let (model, d) = (v.model(), v.debug());
                let mut regs = vec![(DebugRegister::Dbgvcr, d.vcr())];
                for n in 0..model.brps() {
                    regs.push((DebugRegister::Dbgbvr(n), d.bvrs()[usize::from(n)]));
                    regs.push((DebugRegister::Dbgbcr(n), d.bcrs()[usize::from(n)]));
                }
                for n in 0..model.wrps() {
                    regs.push((DebugRegister::Dbgwvr(n), d.wvrs()[usize::from(n)]));
                    regs.push((DebugRegister::Dbgwcr(n), d.wcrs()[usize::from(n)]));
                }
                for (reg, value) in regs {
                    if let Some(mask) = writable_mask(model, d, reg) {
                        assert_eq!(
                            value & !mask,
                            0,
                            "CPU {cpu} {reg} = {value:#x} outside its mask {mask:#x}"
                        );
                    }
                }
            });
        }
        let Some(drv) = &self.driver else { return };
        let core = drv.hw.core();
        for cpu in 0..self.cpus {
            assert_eq!(
                core.reset_runs(cpu),
                drv.expected_runs[cpu],
                "reset runs on CPU {cpu}"
            );
        }
        let trapped = trapped_cpus(&drv.hw);
        let errors: BTreeSet<usize> = core.err_mask().cpus().into_iter().collect();
        for &cpu in &trapped {
            assert!(
                errors.contains(&cpu),
                "CPU {cpu} trapped but is not in the error mask {errors:?}"
            );
        }
        // enable_monitor_mode gives -ENODEV (an error without a trap) for
        // an architecture outside the driver version's list
        // (arch/arm/kernel/hw_breakpoint.c, enable_monitor_mode()).
        let arch = core.debug_arch();
        let no_monitor = !(1..=9).contains(&arch) || arch == 4 || (drv.v4_10 && arch > 6);
        for &cpu in errors.difference(&trapped) {
            let faults = m.vcpu(cpu).map(|v| v.faults()).unwrap_or_default();
            let non_trap = faults.contains(FaultKind::PoweredDown)
                || faults.contains(FaultKind::DoubleLock)
                || faults.contains(FaultKind::MonitorRefused)
                || self.tainted[cpu]
                || no_monitor;
            assert!(
                non_trap,
                "CPU {cpu} is in the error mask {errors:?} but its reset never trapped"
            );
        }
        for &h in &drv.handles {
            if let (Some(bp), Some(slot)) = (drv.bps.get(h), drv.bps.slot(h)) {
                let count = if bp.request.bp_type.is_watchpoint() {
                    drv.bps.core_num_wrps()
                } else {
                    drv.bps.core_num_brps()
                };
                assert!(slot < count, "{h:?} in slot {slot} of {count}");
            }
        }
    }
}

fuzz_target!(|input: Input| {
    let presets = CoreModel::presets();
    let model = presets[usize::from(input.preset) % presets.len()];
    let cpus = 1 + usize::from(input.cpus % 16);
    let mut config = MachineConfig::new(model, cpus);
    config.offline = (1..cpus)
        .filter(|c| input.offline & (1 << c) != 0)
        .collect();
    for &(cpu, kind) in input.faults.iter().take(8) {
        let kind = FaultKind::ALL[usize::from(kind) % FaultKind::ALL.len()];
        config.faults.push(Fault {
            cpu: usize::from(cpu) % cpus,
            kind,
        });
    }
    let machine = match Machine::new(config.clone()) {
        Ok(m) => m,
        Err(_) => {
            // A fault the model cannot have: a typed error; boot without.
            config.faults.clear();
            Machine::new(config).expect("a preset machine without faults boots")
        }
    };
    let mut disabled = Vec::new();
    let mut h = Harness {
        machine: &machine,
        cpus,
        driver: None,
        tainted: vec![false; cpus],
        snapshots: Vec::new(),
        hooks: Vec::new(),
        ran: Arc::new(AtomicUsize::new(usize::MAX)),
        next_hook: 0,
    };
    h.check(0);
    for op in input.ops.iter().take(MAX_OPS) {
        match *op {
            Op::Init { cpu_pm, v4_10 } => h.init(cpu_pm, v4_10),
            Op::Unload => {
                // The installed breakpoints stay in the hardware, as they
                // would if the module went away under them.
                if let Some(d) = h.driver.take() {
                    d.hw.unload();
                }
            }
            Op::CpuUp(c) => {
                let cpu = h.cpu(c);
                let runs = cpu < cpus
                    && !machine.is_online(cpu)
                    && disabled.is_empty()
                    && h.state_installed();
                let _ = machine.cpu_up(cpu);
                if runs {
                    if let Some(d) = &mut h.driver {
                        d.expected_runs[cpu] += 1;
                    }
                }
            }
            Op::CpuDown(c) => {
                let cpu = h.cpu(c);
                let was = machine.is_online(cpu);
                let r = machine.cpu_down(cpu);
                if !disabled.is_empty() {
                    assert!(r.is_err(), "cpu_down with hotplug disabled succeeded");
                    assert_eq!(machine.is_online(cpu), was);
                }
            }
            Op::HotplugDisable => {
                if disabled.len() < 4 {
                    if let Ok(g) = machine.hotplug().cpu_hotplug_disable() {
                        disabled.push(g);
                    }
                }
            }
            Op::HotplugEnable => {
                disabled.pop();
            }
            Op::Pm(c) => {
                let cpu = h.cpu(c);
                let runs = machine.is_online(cpu) && h.pm_registered();
                let r = machine.cpu_suspend_resume(cpu);
                if runs {
                    assert!(r.is_ok(), "PM cycle of online CPU {cpu}: {r:?}");
                    if let Some(d) = &mut h.driver {
                        d.expected_runs[cpu] += 1;
                    }
                }
            }
            Op::Idle(c) => {
                let _ = machine.idle(h.cpu(c));
            }
            Op::InjectFault { cpu, kind } => {
                let kind = FaultKind::ALL[usize::from(kind) % FaultKind::ALL.len()];
                let cpu = h.cpu(cpu);
                let before = machine.vcpu(cpu).ok().map(|v| *v.debug());
                if machine.inject_fault(cpu, kind).is_err() {
                    assert_eq!(machine.vcpu(cpu).ok().map(|v| *v.debug()), before);
                }
            }
            Op::Install {
                cpu,
                address,
                len,
                bp_type,
                step_over,
            } => {
                let cpu = h.cpu(cpu);
                if let Some(d) = &mut h.driver {
                    let bp_type = [
                        BpType::Execute,
                        BpType::Load,
                        BpType::Store,
                        BpType::LoadStore,
                    ][usize::from(bp_type & 3)];
                    let req = BreakpointRequest {
                        address,
                        len: [1, 2, 4, 8][usize::from(len & 3)],
                        bp_type,
                        step_over,
                    };
                    if let Ok(handle) = d.bps.register(cpu, &req) {
                        d.handles.push(handle);
                    }
                }
            }
            Op::Uninstall(i) => {
                if let Some(d) = &mut h.driver {
                    if !d.handles.is_empty() {
                        let handle = d.handles.remove(usize::from(i) % d.handles.len());
                        let _ = d.bps.unregister(handle);
                        assert!(d.bps.get(handle).is_none() || d.bps.slot(handle).is_none());
                    }
                }
            }
            Op::Guest {
                cpu,
                ref form,
                word,
                mode,
                value,
                flags,
            } => {
                let cpu = h.cpu(cpu);
                h.guest(cpu, form, word, mode, value, flags);
            }
            Op::Fetch {
                cpu,
                address,
                thumb,
                mode,
            } => {
                let cpu = h.cpu(cpu);
                if let Some(d) = &mut h.driver {
                    let fetch = InstructionFetch {
                        address,
                        thumb,
                        mode: mode_of(mode),
                        secure: false,
                        contextidr: 0,
                        vmid: 0,
                    };
                    if let Ok(Some(e)) = d.bps.fetch(cpu, &fetch) {
                        assert_eq!(e.cpu, cpu);
                    }
                }
            }
            Op::Data {
                cpu,
                pc,
                address,
                size,
                kind,
                mode,
                unprivileged,
            } => {
                let cpu = h.cpu(cpu);
                if let Some(d) = &mut h.driver {
                    let kind = [AccessKind::Load, AccessKind::Store][usize::from(kind & 1)];
                    let access = DataAccess {
                        address,
                        size: u32::from(size % 9),
                        kind,
                        mode: mode_of(mode),
                        unprivileged,
                        secure: false,
                        contextidr: 0,
                        vmid: 0,
                        instruction_address: pc,
                        thumb: false,
                    };
                    if let Ok(Some(e)) = d.bps.data_access(cpu, &access) {
                        assert_eq!(e.cpu, cpu);
                    }
                }
            }
            Op::Save(c) => {
                let cpu = h.cpu(c);
                h.save(cpu);
            }
            Op::Restore { slot, cpu, corrupt } => {
                let cpu = h.cpu(cpu);
                h.restore(slot, cpu, corrupt);
            }
            Op::Hook {
                instr_mask,
                instr_val,
                cpsr_mask,
                cpsr_val,
                handles,
            } => h.hook(instr_mask, instr_val, cpsr_mask, cpsr_val, handles),
            Op::Unhook(i) => {
                if !h.hooks.is_empty() {
                    let hook = h.hooks.remove(usize::from(i) % h.hooks.len());
                    hook.guard.unregister();
                }
            }
            Op::Route {
                cpu,
                instr,
                cpsr,
                thumb16,
            } => {
                let cpu = h.cpu(cpu);
                h.route(cpu, instr, cpsr, thumb16);
            }
        }
        h.check(disabled.len());
    }
    drop(disabled);
});
