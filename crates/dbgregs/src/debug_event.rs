//! Breakpoints and watchpoints on a vCPU: the glue between the pure matcher
//! ([`crate::matching`]) and the per-vCPU register file
//! ([`DebugState`]).
//!
//! [`DebugState::on_instruction`] and [`DebugState::on_data_access`] take one
//! instruction fetch or data access, compute the gate from the vCPU's own
//! registers ([`DebugGate::from_state`]), run the matcher over the
//! registers the guest programmed, and on a hit apply the debug event to
//! the vCPU: DBGDSCR.MOE always, DBGWFAR on v6–v7.0 watchpoints. What is
//! not debug-register state is returned in the [`DebugEvent`] for the VMM
//! to apply: the Prefetch/Data Abort to inject, DFAR (v7.1+ watchpoints),
//! DFSR.WnR/CM.
//!
//! A vCPU with monitor debug disabled (DBGDSCR.MDBGen = 0), halting debug
//! selected (DBGDSCR bit 14), or — from v7.1 — the OS Lock or the OS Double
//! Lock in force reports no event and its state is left unchanged
//! (DDI 0406C.d C3; DDI 0487 G2; the v7.0 OS Lock does not gate events, as the matcher decides).
//!
//! Choices where the model says nothing:
//! * v7.0 watchpoints are reported synchronously
//!   ([`MatchConfig::async_watchpoints`] false): the core models carry no
//!   asynchronous-watchpoint property, and Cortex-A9, the v7.0 core Linux
//!   cares most about, is synchronous.
//! * SPIDdis/SUIDEN are taken as clear: the guest runs Non-secure under a
//!   VMM, and the emulated DBGDSCR never holds SPIDdis.
//! * The double lock is in force when DLK is set and DBGPRCR.CORENPDRQ is
//!   clear (the matcher's definition), whether or not the model has
//!   FEAT_DoubleLock (DLK can only be set on such a model by fault
//!   injection, [`DebugState::set_double_lock`]).

use crate::matching::{
    apply_event_to_dscr, check_breakpoint, check_watchpoint, BreakpointTable, Breakpoints,
    DataAccess, DebugEvent, DebugGate, InstructionFetch, MatchConfig, WatchpointTable, Watchpoints,
};
use crate::model::CoreModel;
use crate::registers::Dbgdscr;
use crate::state::DebugState;

/// DBGDSCR bit 14: v6 halting-mode select, v7 HDBGen, v8 HDE.
const DSCR_HALTING: u32 = Dbgdscr::HDBGEN;
/// DBGPRCR.CORENPDRQ.
#[cfg(test)]
const PRCR_CORENPDRQ: u8 = 1;

impl MatchConfig {
    /// What `model` implements, as the matcher needs it.
    pub const fn from_model(model: &CoreModel) -> MatchConfig {
        MatchConfig {
            version: model.version(),
            brps: model.brps(),
            wrps: model.wrps(),
            ctx_cmps: model.ctx_cmps(),
            wp_bas_bytes: model.wp_bas_bytes(),
            bp_addr_mask: model.bp_addr_mask(),
            wp_addr_mask: model.wp_addr_mask(),
            security: model.security(),
            virtualization: model.virtualization(),
            async_watchpoints: false,
        }
    }
}

impl DebugGate {
    /// The monitor-debug controls of a vCPU: MDBGen and the halting bit
    /// from its DBGDSCR, the OS Lock, and the double lock (DLK set with
    /// DBGPRCR.CORENPDRQ clear). Secure invasive debug is taken as enabled
    /// (see the module documentation).
    pub const fn from_state(state: &DebugState) -> DebugGate {
        DebugGate {
            mdbgen: state.mdbgen(),
            halting: state.dscr & DSCR_HALTING != 0,
            os_lock: state.oslk(),
            double_lock: state.double_lock_in_force(),
            spiddis: false,
            suiden: false,
        }
    }
}

impl DebugState {
    /// The breakpoint registers as the matcher reads them (all 16 slots;
    /// the matcher looks at the model's BRPs only).
    pub fn breakpoints(&self) -> Breakpoints<'_> {
        Breakpoints {
            bvr: &self.bvr,
            bcr: &self.bcr,
            bxvr: &self.bxvr,
        }
    }

    /// The watchpoint registers as the matcher reads them.
    pub fn watchpoints(&self) -> Watchpoints<'_> {
        Watchpoints {
            wvr: &self.wvr,
            wcr: &self.wcr,
        }
    }

    /// This vCPU's watchpoints and gate compiled for the data-access hot
    /// path ([`WatchpointTable`]): `table.check(&state.breakpoints(), access)`
    /// is [`Self::peek_data_access`]. Rebuild it after the guest writes a
    /// debug register (see [`WatchpointTable`] for the finer rules).
    pub fn watchpoint_table(&self, model: &CoreModel) -> WatchpointTable {
        WatchpointTable::new(
            &MatchConfig::from_model(model),
            &self.watchpoints(),
            &DebugGate::from_state(self),
        )
    }

    /// This vCPU's breakpoints and gate compiled for the instruction-fetch
    /// hot path ([`BreakpointTable`]): `table.check(fetch)` is
    /// [`Self::peek_instruction`], and [`Self::on_instruction_with`] records
    /// its event. Keep it current with [`Self::refresh_breakpoint_table`]
    /// (or the finer [`BreakpointTable::set`]/[`BreakpointTable::set_gate`])
    /// after the guest writes a debug register.
    pub fn breakpoint_table(&self, model: &CoreModel) -> BreakpointTable {
        BreakpointTable::new(
            &MatchConfig::from_model(model),
            &self.breakpoints(),
            &DebugGate::from_state(self),
        )
    }

    /// Recompiles `table` (built by [`Self::breakpoint_table`] for this
    /// vCPU's model) from this vCPU's current BRPs and gate, keeping its
    /// generation count going so that a translator sees whether the
    /// [`BreakpointTable::summary`] changed. Call it after every completed
    /// CP14 write, reset or snapshot restore.
    pub fn refresh_breakpoint_table(&self, table: &mut BreakpointTable) {
        table.reload(&self.breakpoints(), &DebugGate::from_state(self));
    }

    /// [`Self::on_instruction`] on a compiled table: if a breakpoint of
    /// `table` (kept current for this vCPU) fires, records the event
    /// (DBGDSCR.MOE = 0b0001) and returns it. No allocation, no lock; the
    /// per-instruction path an emulator uses.
    #[inline]
    pub fn on_instruction_with(
        &mut self,
        table: &BreakpointTable,
        fetch: &InstructionFetch,
    ) -> Option<DebugEvent> {
        let event = table.check(fetch)?;
        self.record_event(&event);
        Some(event)
    }

    /// The breakpoint debug event `fetch` raises on this vCPU of `model`,
    /// without changing anything.
    pub fn peek_instruction(
        &self,
        model: &CoreModel,
        fetch: &InstructionFetch,
    ) -> Option<DebugEvent> {
        check_breakpoint(
            &MatchConfig::from_model(model),
            &self.breakpoints(),
            &DebugGate::from_state(self),
            fetch,
        )
    }

    /// The watchpoint debug event `access` raises on this vCPU of `model`,
    /// without changing anything.
    pub fn peek_data_access(&self, model: &CoreModel, access: &DataAccess) -> Option<DebugEvent> {
        check_watchpoint(
            &MatchConfig::from_model(model),
            &self.watchpoints(),
            &self.breakpoints(),
            &DebugGate::from_state(self),
            access,
        )
    }

    /// An instruction is committed for execution: if a breakpoint fires,
    /// records the event (DBGDSCR.MOE = 0b0001) and returns it; the VMM
    /// then injects the Prefetch Abort (IFSR debug status) with the
    /// instruction's own address as the return address. `None`: no
    /// breakpoint fired (or debug events are disabled), nothing changed.
    /// No allocation, no lock.
    pub fn on_instruction(
        &mut self,
        model: &CoreModel,
        fetch: &InstructionFetch,
    ) -> Option<DebugEvent> {
        let event = self.peek_instruction(model, fetch)?;
        self.record_event(&event);
        Some(event)
    }

    /// A data access is made: if a watchpoint fires, records the event
    /// (DBGDSCR.MOE = 0b1010 synchronous or 0b0010 on v6; DBGWFAR on
    /// v6–v7.0) and returns it; the VMM then injects the Data Abort with
    /// the event's DFAR (v7.1+), WnR and CM. `None`: nothing fired, nothing
    /// changed. No allocation, no lock.
    pub fn on_data_access(&mut self, model: &CoreModel, access: &DataAccess) -> Option<DebugEvent> {
        let event = self.peek_data_access(model, access)?;
        self.record_event(&event);
        Some(event)
    }

    /// Applies `event` to the debug registers: DBGDSCR.MOE, and DBGWFAR
    /// when the event carries one (bit 0 of DBGWFAR is not stored, as for a
    /// write).
    pub fn record_event(&mut self, event: &DebugEvent) {
        self.dscr = apply_event_to_dscr(self.dscr, event);
        if let Some(wfar) = event.wfar {
            self.wfar = wfar & 0xFFFF_FFFE;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::{moe, AccessKind, EventKind, Mode};
    use crate::state::UnknownFill;

    #[allow(clippy::unwrap_used)]
    fn model(name: &str) -> &'static CoreModel {
        CoreModel::preset(name).unwrap()
    }

    #[test]
    fn config_from_model() {
        let c = MatchConfig::from_model(model("cortex-a15"));
        assert_eq!((c.brps, c.wrps, c.ctx_cmps, c.wp_bas_bytes), (6, 4, 2, 8));
        assert!(c.virtualization && !c.async_watchpoints);
        let c = MatchConfig::from_model(model("cortex-a9"));
        assert_eq!((c.brps, c.wrps, c.wp_bas_bytes), (6, 4, 4));
    }

    #[test]
    fn gate_from_state() {
        let a15 = model("cortex-a15");
        let mut s = DebugState::cold_reset(a15, UnknownFill::Zero);
        let g = DebugGate::from_state(&s);
        assert!(!g.mdbgen && g.os_lock && !g.double_lock && !g.halting);
        s.dscr |= 1 << 15 | DSCR_HALTING;
        s.set_double_lock(true);
        let g = DebugGate::from_state(&s);
        assert!(g.mdbgen && g.halting && g.double_lock);
        s.prcr = PRCR_CORENPDRQ;
        assert!(!DebugGate::from_state(&s).double_lock);
    }

    #[test]
    fn compiled_breakpoints_follow_the_registers() {
        let a15 = model("cortex-a15");
        let mut s = DebugState::cold_reset(a15, UnknownFill::Zero);
        s.set_os_lock(false);
        s.dscr |= 1 << 15;
        s.bvr[1] = 0x8000;
        s.bcr[1] = 1 | (0b11 << 1) | (0b1111 << 5);
        let fetch = InstructionFetch {
            address: 0x8000,
            thumb: false,
            mode: Mode::Supervisor,
            secure: false,
            contextidr: 0,
            vmid: 0,
        };
        let mut table = s.breakpoint_table(a15);
        assert_eq!(table.check(&fetch), s.peek_instruction(a15, &fetch));
        let e = s.on_instruction_with(&table, &fetch);
        assert_eq!(
            e.map(|e| (e.kind, e.units)),
            Some((EventKind::Breakpoint, 0b10))
        );
        assert_eq!((s.dscr >> 2) & 0xF, u32::from(moe::BREAKPOINT));
        // The guest disables BRP 1: the refreshed table agrees, and its
        // generation tells a translator.
        let generation = table.generation();
        s.bcr[1] = 0;
        s.refresh_breakpoint_table(&mut table);
        assert_ne!(table.generation(), generation);
        let before = s;
        assert_eq!(s.on_instruction_with(&table, &fetch), None);
        assert_eq!(s, before);
    }

    #[test]
    fn record_event_sets_moe_and_wfar() {
        let a9 = model("cortex-a9");
        let mut s = DebugState::cold_reset(a9, UnknownFill::Zero);
        s.dscr = 1 << 15;
        s.wvr[0] = 0x1000;
        s.wcr[0] = 0x1F7; // store, 4 bytes, PL0+PL1, enabled
        let access = DataAccess {
            address: 0x1002,
            size: 2,
            kind: AccessKind::Store,
            mode: Mode::Supervisor,
            unprivileged: false,
            secure: false,
            contextidr: 0,
            vmid: 0,
            instruction_address: 0x8000,
            thumb: false,
        };
        let e = s.on_data_access(a9, &access);
        assert_eq!(
            e.map(|e| (e.kind, e.moe)),
            Some((EventKind::Watchpoint, moe::SYNC_WATCHPOINT))
        );
        assert_eq!(s.wfar(), 0x8008);
        assert_eq!((s.dscr >> 2) & 0xF, u32::from(moe::SYNC_WATCHPOINT));
        let load = DataAccess {
            kind: AccessKind::Load,
            ..access
        };
        let before = s;
        assert_eq!(s.on_data_access(a9, &load), None);
        assert_eq!(s, before);
    }
}
