//! The debug exception handlers: `hw_breakpoint_pending()`,
//! `breakpoint_handler()` and `watchpoint_handler()` of
//! `arch/arm/kernel/hw_breakpoint.c`, fed by the vCPU's debug hardware.

use dbgregs::matching::{moe, DataAccess, DebugEvent, EventKind, InstructionFetch, Mode};
use dbgregs::registers::Dbgdscr;

use super::*;
use crate::driver::DriverVersion;

impl HwBreakpoints {
    /// The vCPU `cpu` commits the instruction `fetch` for execution: the
    /// debug hardware checks its breakpoints; on a hit the kernel's debug
    /// exception handler runs. `None`: no breakpoint fired.
    ///
    /// # Errors
    /// [`MachineError::NoSuchCpu`] (as [`InstallError::Machine`]), [`InstallError::BpOops`] (and the
    /// install errors of a step-over re-install).
    pub fn fetch(
        &mut self,
        cpu: usize,
        fetch: &InstructionFetch,
    ) -> Result<Option<DebugException>, InstallError> {
        let event = self.machine.with_vcpu_mut(cpu, |v| {
            let (model, debug) = v.debug_mut();
            debug.on_instruction(model, fetch)
        })?;
        match event {
            None => Ok(None),
            Some(e) => self.handle(cpu, &e, fetch.address, None).map(Some),
        }
    }

    /// The vCPU `cpu` makes the data access `access`: the debug hardware
    /// checks its watchpoints; on a hit the kernel's debug exception
    /// handler runs. `None`: no watchpoint fired.
    ///
    /// # Errors
    /// As [`HwBreakpoints::fetch`].
    pub fn data_access(
        &mut self,
        cpu: usize,
        access: &DataAccess,
    ) -> Result<Option<DebugException>, InstallError> {
        let event = self.machine.with_vcpu_mut(cpu, |v| {
            let (model, debug) = v.debug_mut();
            debug.on_data_access(model, access)
        })?;
        match event {
            None => Ok(None),
            Some(e) => self
                .handle(cpu, &e, access.instruction_address, Some(access))
                .map(Some),
        }
    }

    /// The vCPU `cpu` executes a BKPT instruction at `pc` with monitor
    /// debug-mode enabled: a BKPT debug event, DBGDSCR.MOE = 0b0011 (DDI
    /// 0406C.d C3.3 "BKPT instruction debug events"), then the kernel's
    /// debug exception entry.
    ///
    /// # Errors
    /// [`MachineError::NoSuchCpu`] (as [`InstallError::Machine`]).
    pub fn bkpt(&mut self, cpu: usize, pc: u32) -> Result<DebugException, InstallError> {
        let event = DebugEvent {
            kind: EventKind::Breakpoint,
            units: 0,
            moe: moe::BKPT,
            synchronous: true,
            wfar: None,
            dfar: None,
            wnr: false,
            cm: false,
        };
        self.machine
            .with_vcpu_mut(cpu, |v| v.debug_mut().1.record_event(&event))?;
        self.handle(cpu, &event, pc, None)
    }

    /// The kernel's debug exception entry for an `event` the caller's own
    /// debug hardware model recorded on `cpu` (DBGDSCR.MOE already set;
    /// for watchpoints `access` is the access and `event.dfar` the DFAR
    /// injected with the abort). [`HwBreakpoints::fetch`] and
    /// [`HwBreakpoints::data_access`] are this with the vCPU's own matching.
    ///
    /// # Errors
    /// As [`HwBreakpoints::fetch`].
    pub fn handle_event(
        &mut self,
        cpu: usize,
        event: &DebugEvent,
        pc: u32,
        access: Option<&DataAccess>,
    ) -> Result<DebugException, InstallError> {
        self.machine
            .with_vcpu_mut(cpu, |v| v.debug_mut().1.record_event(event))?;
        self.handle(cpu, event, pc, access)
    }

    /// The kernel's debug exception entry: DBGDSCRint, dispatch on MOE.
    pub(super) fn handle(
        &mut self,
        cpu: usize,
        event: &DebugEvent,
        pc: u32,
        access: Option<&DataAccess>,
    ) -> Result<DebugException, InstallError> {
        // `hw_breakpoint_pending()` reads DBGDSCRint only; no path reads
        // DBGWFAR (docs/fidelity-decisions.md#d5-no-wfar-read).
        let dscr = self.mrc(cpu, 0, 1, 0)?;
        let moe_read = Dbgdscr::from_bits(dscr).moe();
        let mut actions = Vec::new();
        match moe_read {
            moe::BREAKPOINT => self.breakpoint_handler(cpu, pc, &mut actions)?,
            moe::ASYNC_WATCHPOINT | moe::SYNC_WATCHPOINT => {
                if moe_read == moe::ASYNC_WATCHPOINT {
                    actions.push(HandlerAction::Warning(
                        "Asynchronous watchpoint exception taken. Debugging results may be unreliable"
                            .to_string(),
                    ));
                }
                if let Some(access) = access {
                    self.watchpoint_handler(cpu, event, access, &mut actions)?;
                }
            }
            moe::BKPT if self.core.driver() == DriverVersion::Current => {
                actions.push(HandlerAction::CfiBreakpoint)
            }
            _ => actions.push(HandlerAction::NotDebugEntry),
        }
        if !actions.iter().any(|a| {
            matches!(
                a,
                HandlerAction::Fired { .. }
                    | HandlerAction::StepStarted { .. }
                    | HandlerAction::StepFinished { .. }
                    | HandlerAction::NotDebugEntry
                    | HandlerAction::CfiBreakpoint
            )
        }) {
            actions.push(HandlerAction::Unclaimed);
        }
        Ok(DebugException {
            cpu,
            kind: match event.kind {
                EventKind::Breakpoint => "breakpoint",
                EventKind::Watchpoint => "watchpoint",
            },
            pc,
            moe: moe_read,
            synchronous: event.synchronous,
            wfar: event.wfar,
            dfar: event.dfar,
            units: event.units,
            actions,
        })
    }

    pub(super) fn handles_on(&self, cpu: usize, watch: bool) -> Vec<(u8, BpHandle)> {
        let Some(slots) = self.cpus.get(cpu) else {
            return Vec::new();
        };
        let (arr, count) = if watch {
            (&slots.wp_on_reg, self.core.core_num_wrps())
        } else {
            (&slots.bp_on_reg, self.core.core_num_brps())
        };
        arr[..usize::from(count).min(16)]
            .iter()
            .enumerate()
            .filter_map(|(i, h)| h.map(|h| (i as u8, h)))
            .collect()
    }

    /// `breakpoint_handler` and `watchpoint_single_step_handler`.
    pub(super) fn breakpoint_handler(
        &mut self,
        cpu: usize,
        addr: u32,
        actions: &mut Vec<HandlerAction>,
    ) -> Result<(), InstallError> {
        for (i, handle) in self.handles_on(cpu, false) {
            let bp = self.installed(handle)?.bp;
            let val = self.mrc(cpu, 0, i, BVR)?;
            if val == addr & !3 {
                let ctrl = decode_ctrl_reg(self.mrc(cpu, 0, i, BCR)?);
                if (1u32 << (addr & 3)) & u32::from(ctrl.len) != 0 {
                    self.with_bp(handle, |bp| bp.trigger = addr);
                    tracing::debug!(target: "hw-breakpoint", "breakpoint fired: address = {addr:#x}");
                    actions.push(HandlerAction::Fired {
                        handle,
                        slot: i,
                        trigger: addr,
                    });
                    if bp.request.step_over {
                        actions.push(self.enable_single_step(handle, addr)?);
                    }
                    continue;
                }
            }
            if bp.stepping() {
                actions.push(self.disable_single_step(handle)?);
            }
        }
        for (_, handle) in self.handles_on(cpu, true) {
            let bp = self.installed(handle)?.bp;
            if bp.stepping() && bp.trigger != addr {
                actions.push(self.disable_single_step(handle)?);
            }
        }
        Ok(())
    }

    /// `watchpoint_handler`: every WRP at distance 0 fires with its own
    /// step-over; only when none is exact does the first closest one fire
    /// (docs/fidelity-decisions.md#d2-overlapping-watchpoints). The current
    /// driver's `watchpoint_fault_on_uaccess()`: an exact hit on a
    /// user-only watchpoint by kernel-mode code (a uaccess routine's
    /// LDRT/STRT) only steps, no event (#d3-uaccess).
    pub(super) fn watchpoint_handler(
        &mut self,
        cpu: usize,
        event: &DebugEvent,
        access: &DataAccess,
        actions: &mut Vec<HandlerAction>,
    ) -> Result<(), InstallError> {
        let arch_code = self.core.debug_arch();
        // (slot, handle, trigger, silent step)
        let mut hits: Vec<(u8, BpHandle, u32, bool)> = Vec::new();
        let uaccess_check =
            self.core.driver() == DriverVersion::Current && !matches!(access.mode, Mode::User);
        if arch_code < arch::V7_1 {
            // One WRP: the hit is unambiguous, the trigger is the
            // watchpoint's own requested address (DFAR is UNKNOWN).
            if let Some(&(i, handle)) = self.handles_on(cpu, true).first() {
                let bp = self.installed(handle)?.bp;
                let silent = uaccess_check && bp.ctrl.privilege == PRIV_USER;
                hits.push((i, handle, bp.request.address, silent));
            }
        } else if let Some(addr) = event.dfar {
            let mut closest: Option<(u32, u8, BpHandle)> = None;
            for (i, handle) in self.handles_on(cpu, true) {
                let val = self.mrc(cpu, 0, i, WVR)?;
                let ctrl = decode_ctrl_reg(self.mrc(cpu, 0, i, WCR)?);
                if arch_code >= arch::V8 {
                    // DFSR.WnR is trusted from v8.
                    let wnr = event.wnr;
                    if (ctrl.bp_type == BpType::Load.code() && wnr)
                        || (ctrl.bp_type == BpType::Store.code() && !wnr)
                    {
                        continue;
                    }
                }
                let dist = distance(addr, val, ctrl.len);
                // Strict `<`: the kernel keeps the first minimum.
                if closest.is_none_or(|(d, _, _)| dist < d) {
                    closest = Some((dist, i, handle));
                }
                if dist == 0 {
                    let silent = uaccess_check && ctrl.privilege == PRIV_USER;
                    hits.push((i, handle, addr, silent));
                }
            }
            if hits.is_empty() {
                // The closest-match fallback has no uaccess check.
                if let Some((_, i, handle)) = closest {
                    hits.push((i, handle, addr, false));
                }
            }
        }
        for (slot, handle, trigger, silent) in hits {
            self.with_bp(handle, |bp| bp.trigger = trigger);
            if silent {
                actions.push(self.enable_single_step(handle, access.instruction_address)?);
                continue;
            }
            tracing::debug!(target: "hw-breakpoint", "watchpoint fired: address = {trigger:#x}");
            actions.push(HandlerAction::Fired {
                handle,
                slot,
                trigger,
            });
            if self.installed(handle)?.bp.request.step_over {
                actions.push(self.enable_single_step(handle, access.instruction_address)?);
            }
        }
        Ok(())
    }
}

/// Distance from `addr` to the bytes a watchpoint with value `val` and BAS
/// `len` watches (0 inside).
pub(super) fn distance(addr: u32, val: u32, len: u8) -> u32 {
    if len == 0 {
        return u32::MAX;
    }
    let low = val.wrapping_add(len.trailing_zeros());
    let high = val.wrapping_add(7 - len.leading_zeros());
    if addr < low {
        low - addr
    } else {
        addr.saturating_sub(high)
    }
}
