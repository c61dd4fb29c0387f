//! The per-CPU slots: `arch_install_hw_breakpoint()` and
//! `arch_uninstall_hw_breakpoint()` of `arch/arm/kernel/hw_breakpoint.c`,
//! and the step-over mismatch breakpoint (`enable_single_step()` /
//! `disable_single_step()`).

use super::*;
use crate::driver::Message;

impl HwBreakpoints {
    /// The install path of `driver`, initialised on `machine`: the slot
    /// counts are the driver's (`core_num_brps`, `core_num_wrps`, read at
    /// each install), the maximum watchpoint length its probe's (0 if init
    /// stopped before the probe).
    pub fn new(machine: &Arc<Machine>, driver: &HwBreakpoint) -> HwBreakpoints {
        HwBreakpoints {
            machine: Arc::clone(machine),
            core: Arc::clone(driver.core()),
            max_watchpoint_len: driver.result().max_watchpoint_len.unwrap_or(0),
            events: Vec::new(),
            cpus: vec![CpuSlots::default(); machine.cpus()],
        }
    }

    /// The driver's `core_num_brps` (the reserved step BRP has this index).
    pub fn core_num_brps(&self) -> u8 {
        self.core.core_num_brps()
    }

    /// The driver's `core_num_wrps`.
    pub fn core_num_wrps(&self) -> u8 {
        self.core.core_num_wrps()
    }

    /// The installed breakpoint or watchpoint `handle`.
    pub fn get(&self, handle: BpHandle) -> Option<&ArchBreakpoint> {
        self.events
            .get(handle.0)
            .and_then(Option::as_ref)
            .map(|i| &i.bp)
    }

    /// The slot `handle` occupies on its CPU (BRP or WRP index).
    pub fn slot(&self, handle: BpHandle) -> Option<u8> {
        let inst = self.events.get(handle.0).copied().flatten()?;
        let slots = &self.cpus[inst.cpu];
        let arr = if inst.bp.request.bp_type.is_watchpoint() {
            &slots.wp_on_reg
        } else {
            &slots.bp_on_reg
        };
        arr.iter().position(|s| *s == Some(handle)).map(|i| i as u8)
    }

    /// Validates `req` ([`parse`]), checks that `cpu` is in monitor mode
    /// and installs it there (the kernel's `register_user_hw_breakpoint`
    /// for a task on `cpu`, then `arch_install_hw_breakpoint`). On error
    /// nothing is installed.
    ///
    /// # Errors
    /// The [`parse`] errors, [`MachineError::NoSuchCpu`] (as [`InstallError::Machine`]),
    /// [`InstallError::BpNoMonitorMode`], [`InstallError::BpNoSlot`],
    /// [`InstallError::BpOops`].
    pub fn register(
        &mut self,
        cpu: usize,
        req: &BreakpointRequest,
    ) -> Result<BpHandle, InstallError> {
        let bp = parse(req, self.core.debug_arch(), self.max_watchpoint_len)?;
        let dscr = self.mrc(cpu, 0, 1, 0)?;
        if dscr & DSCR_MDBGEN == 0 {
            return Err(InstallError::BpNoMonitorMode { cpu });
        }
        let handle = BpHandle(self.events.len());
        self.events.push(Some(Installed { cpu, bp }));
        if let Err(e) = self.install(handle) {
            self.events.pop();
            return Err(e);
        }
        Ok(handle)
    }

    /// Uninstalls `handle` (control register 0, slot freed; while stepping,
    /// the mismatch breakpoint is the one removed) and forgets it.
    ///
    /// # Errors
    /// [`InstallError::BpUnknownHandle`], [`InstallError::BpOops`].
    pub fn unregister(&mut self, handle: BpHandle) -> Result<(), InstallError> {
        if self.get(handle).is_none() {
            return Err(InstallError::BpUnknownHandle { handle: handle.0 });
        }
        self.uninstall(handle)?;
        self.events[handle.0] = None;
        Ok(())
    }

    pub(super) fn installed(&self, handle: BpHandle) -> Result<Installed, InstallError> {
        self.events
            .get(handle.0)
            .copied()
            .flatten()
            .ok_or(InstallError::BpUnknownHandle { handle: handle.0 })
    }

    /// `arch_install_hw_breakpoint`.
    pub(super) fn install(&mut self, handle: BpHandle) -> Result<(), InstallError> {
        let Installed { cpu, bp } = self.installed(handle)?;
        let watch = bp.request.bp_type.is_watchpoint();
        let (count, kind) = if watch {
            (self.core.core_num_wrps(), "watchpoint")
        } else {
            (self.core.core_num_brps(), "breakpoint")
        };
        let slots =
            self.cpus
                .get_mut(cpu)
                .ok_or(InstallError::Machine(MachineError::NoSuchCpu {
                    cpu,
                    count: self.machine.cpus(),
                }))?;
        let arr = if watch {
            &mut slots.wp_on_reg
        } else {
            &mut slots.bp_on_reg
        };
        let Some(i) = arr[..usize::from(count).min(16)]
            .iter()
            .position(Option::is_none)
        else {
            self.core.emit(Message::NoSlot);
            return Err(InstallError::BpNoSlot { cpu, kind, count });
        };
        arr[i] = Some(handle);
        let (mut index, mut val_op, mut ctrl_op) = (i as u8, BVR, BCR);
        if watch {
            (val_op, ctrl_op) = (WVR, WCR);
        }
        let (mut addr, mut ctrl) = (bp.address, encode_ctrl_reg(bp.ctrl));
        if bp.stepping() {
            addr = bp.trigger & !3;
            ctrl = encode_ctrl_reg(bp.step_ctrl);
            if watch {
                (index, val_op, ctrl_op) = (self.core.core_num_brps(), BVR, BCR);
            }
        }
        let written = self
            .mcr(cpu, index, val_op, addr)
            .and_then(|()| self.mcr(cpu, index, ctrl_op, ctrl | 1));
        if written.is_err() {
            // Leave the slot table as the hardware is: not installed.
            self.free_slot(cpu, handle);
        }
        written
    }

    pub(super) fn free_slot(&mut self, cpu: usize, handle: BpHandle) -> Option<usize> {
        let slots = self.cpus.get_mut(cpu)?;
        for arr in [&mut slots.bp_on_reg, &mut slots.wp_on_reg] {
            if let Some(i) = arr.iter().position(|s| *s == Some(handle)) {
                arr[i] = None;
                return Some(i);
            }
        }
        None
    }

    /// `arch_uninstall_hw_breakpoint`.
    pub(super) fn uninstall(&mut self, handle: BpHandle) -> Result<(), InstallError> {
        let Installed { cpu, bp } = self.installed(handle)?;
        let watch = bp.request.bp_type.is_watchpoint();
        let Some(i) = self.free_slot(cpu, handle) else {
            let count = if watch {
                self.core.core_num_wrps()
            } else {
                self.core.core_num_brps()
            };
            self.core.emit(Message::NoSlot);
            return Err(InstallError::BpNoSlot {
                cpu,
                kind: bp.request.bp_type.unit(),
                count,
            });
        };
        let (index, op) = match (watch, bp.stepping()) {
            (true, true) => (self.core.core_num_brps(), BCR),
            (true, false) => (i as u8, WCR),
            (false, _) => (i as u8, BCR),
        };
        self.mcr(cpu, index, op, 0)
    }

    pub(super) fn with_bp(&mut self, handle: BpHandle, f: impl FnOnce(&mut ArchBreakpoint)) {
        if let Some(Some(inst)) = self.events.get_mut(handle.0) {
            f(&mut inst.bp);
        }
    }

    /// `enable_single_step`: uninstall, switch to the mismatch control on
    /// `addr`, install.
    pub(super) fn enable_single_step(
        &mut self,
        handle: BpHandle,
        addr: u32,
    ) -> Result<HandlerAction, InstallError> {
        self.uninstall(handle)?;
        self.with_bp(handle, |bp| {
            bp.step_ctrl = CtrlReg {
                mismatch: true,
                len: 0xF,
                bp_type: BpType::Execute.code(),
                privilege: bp.ctrl.privilege,
                enabled: true,
            };
            bp.trigger = addr;
        });
        self.install(handle)?;
        let bp = self.installed(handle)?.bp;
        let brp = if bp.request.bp_type.is_watchpoint() {
            self.core.core_num_brps()
        } else {
            self.slot(handle).unwrap_or(0)
        };
        Ok(HandlerAction::StepStarted {
            handle,
            brp,
            bvr: addr & !3,
            bcr: encode_ctrl_reg(bp.step_ctrl) | 1,
        })
    }

    /// `disable_single_step`: uninstall (removing the mismatch breakpoint),
    /// switch back, install.
    pub(super) fn disable_single_step(
        &mut self,
        handle: BpHandle,
    ) -> Result<HandlerAction, InstallError> {
        self.uninstall(handle)?;
        self.with_bp(handle, |bp| bp.step_ctrl.enabled = false);
        self.install(handle)?;
        Ok(HandlerAction::StepFinished {
            handle,
            slot: self.slot(handle).unwrap_or(0),
        })
    }

    pub(super) fn mcr(
        &self,
        cpu: usize,
        crm: u8,
        opc2: u8,
        value: u32,
    ) -> Result<(), InstallError> {
        self.on_cpu(cpu, |ctx| ctx.mcr(0, 0, crm, opc2, value))
    }

    pub(super) fn mrc(&self, cpu: usize, crn: u8, crm: u8, opc2: u8) -> Result<u32, InstallError> {
        self.on_cpu(cpu, |ctx| ctx.mrc(0, crn, crm, opc2))
    }

    pub(super) fn on_cpu<R>(
        &self,
        cpu: usize,
        f: impl FnOnce(&mut VcpuCtx<'_>) -> Result<R, KernelOops>,
    ) -> Result<R, InstallError> {
        self.machine.with_vcpu(cpu, f)?.map_err(|oops| {
            self.machine.record_oops(oops.clone());
            InstallError::BpOops(oops)
        })
    }
}
