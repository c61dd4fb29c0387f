//! One guest vCPU's debug registers as an EL2 trap handler keeps them, with
//! `dbgregs` and no heap.
//!
//! The hypervisor traps the guest's CP14 accesses (HDCR.TDA/TDRA/TDOSA on an
//! ARMv7 host with the Virtualization Extensions, MDCR_EL2 on an ARMv8 one)
//! and hands each trapped word to [`Vcpu::trap`]; it checks the guest's data
//! accesses it single-steps or emulates against the compiled watchpoints
//! with [`Vcpu::data_access`]. Everything is `Copy` data on the stack or in
//! a `static`.

use dbgregs::access::Direction;
use dbgregs::emulate::{step, SimpleGuest, StepOutcome, Trap};
use dbgregs::error::DbgRegsError;
use dbgregs::matching::{AccessKind, DataAccess, DebugEvent, Mode, WatchpointTable};
use dbgregs::model::CoreModel;
use dbgregs::state::{DebugState, UnknownFill};

/// A guest vCPU: its general registers, its debug register file and the
/// watchpoints compiled from it.
#[derive(Debug, Clone)]
pub struct Vcpu {
    model: &'static CoreModel,
    /// The guest's r0–r15 and CPSR at the trap.
    pub guest: SimpleGuest,
    /// The emulated debug registers.
    pub debug: DebugState,
    /// `debug`'s watchpoints and gate, compiled for the per-access check;
    /// rebuilt after every completed write.
    watchpoints: WatchpointTable,
}

impl Vcpu {
    /// A vCPU of `model` after a cold reset (UNKNOWN register bits read as
    /// zero), in SVC mode at `pc`.
    #[must_use]
    pub fn new(model: &'static CoreModel, pc: u32) -> Self {
        let debug = DebugState::cold_reset(model, UnknownFill::Zero);
        Self {
            model,
            guest: SimpleGuest::svc(pc),
            watchpoints: debug.watchpoint_table(model),
            debug,
        }
    }

    /// Emulates the trapped A32 word `word`. A completed write recompiles
    /// the watchpoint table (always correct, and cheap next to a trap).
    ///
    /// # Errors
    /// [`DbgRegsError::NotCp14`] when `word` is no CP14 access (the trap
    /// came from something else: the hypervisor routes it elsewhere).
    pub fn trap(&mut self, word: u32) -> Result<StepOutcome, DbgRegsError> {
        let outcome = step(
            self.model,
            &mut self.debug,
            &mut self.guest,
            Trap::A32(word),
        )?;
        if let StepOutcome::Completed {
            direction: Direction::Write,
            ..
        } = outcome
        {
            self.watchpoints = self.debug.watchpoint_table(self.model);
        }
        Ok(outcome)
    }

    /// Checks one guest data access against the watchpoints. On a hit the
    /// event is recorded in the debug registers (DBGDSCR.MOE, DBGWFAR where
    /// the version has it) and returned: the hypervisor injects the Data
    /// Abort it describes.
    pub fn data_access(&mut self, access: &DataAccess) -> Option<DebugEvent> {
        let event = self.watchpoints.check(&self.debug.breakpoints(), access)?;
        self.debug.record_event(&event);
        Some(event)
    }
}

/// One trapped access as the hypervisor sees it: the instruction word, the
/// guest's CPSR, and the register the guest had loaded for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuestTrap {
    /// The trapped A32 word.
    pub word: u32,
    /// The guest's CPSR.
    pub cpsr: u32,
    /// `(n, value)`: the guest's rn held `value` when it trapped.
    pub reg: (u8, u32),
}

/// CPSR of the guest kernel: SVC mode, A32, IRQ and FIQ masked.
pub const CPSR_SVC: u32 = 0x1D3;
/// CPSR of a guest user process.
pub const CPSR_USR: u32 = 0x10;
/// The watched address of [`LINUX_WATCHPOINT`].
pub const WATCHED: u32 = 0xC000_1000;

/// A guest Linux kernel arming a store watchpoint on [`WATCHED`] the way
/// `arch/arm/kernel/hw_breakpoint.c` does on a v7.1 core
/// (`arch_hw_breakpoint_init()` → `reset_ctrl_regs()` clears the OS Lock,
/// `enable_monitor_mode()` sets DBGDSCR.MDBGen, `arch_install_hw_breakpoint()`
/// writes the value register, then the control register), then a user
/// process poking at the debug registers, a condition-failed access, and a
/// trap that is no CP14 access.
pub const LINUX_WATCHPOINT: [GuestTrap; 9] = [
    // MRC p14, 0, r0, c0, c0, 0: read DBGDIDR.
    GuestTrap {
        word: 0xEE10_0E10,
        cpsr: CPSR_SVC,
        reg: (0, 0),
    },
    // MCR p14, 0, r1, c1, c0, 4: DBGOSLAR = 0 (OS Lock off).
    GuestTrap {
        word: 0xEE01_1E90,
        cpsr: CPSR_SVC,
        reg: (1, 0),
    },
    // MRC p14, 0, r0, c0, c2, 2: read DBGDSCRext.
    GuestTrap {
        word: 0xEE10_0E52,
        cpsr: CPSR_SVC,
        reg: (0, 0),
    },
    // MCR p14, 0, r0, c0, c2, 2: DBGDSCRext = MDBGen.
    GuestTrap {
        word: 0xEE00_0E52,
        cpsr: CPSR_SVC,
        reg: (0, 1 << 15),
    },
    // MCR p14, 0, r2, c0, c0, 6: DBGWVR0 = the watched word.
    GuestTrap {
        word: 0xEE00_2ED0,
        cpsr: CPSR_SVC,
        reg: (2, WATCHED),
    },
    // MCR p14, 0, r3, c0, c0, 7: DBGWCR0 = BAS 0b1111, LSC store,
    // PAC PL0 and PL1, E.
    GuestTrap {
        word: 0xEE00_3EF0,
        cpsr: CPSR_SVC,
        reg: (3, 0x1F7),
    },
    // User mode: MCR p14, 0, r3, c0, c0, 7 again (PL1 only: UNDEFINED).
    GuestTrap {
        word: 0xEE00_3EF0,
        cpsr: CPSR_USR,
        reg: (3, 0),
    },
    // MRCEQ p14, 0, r0, c0, c0, 0 with Z clear: skipped.
    GuestTrap {
        word: 0x0E10_0E10,
        cpsr: CPSR_SVC,
        reg: (0, 0),
    },
    // UDF #0: no CP14 access at all.
    GuestTrap {
        word: 0xE7F0_00F0,
        cpsr: CPSR_SVC,
        reg: (0, 0),
    },
];

/// A guest kernel store of `size` bytes at `address`, from A32 code at
/// 0xC000_8000.
#[must_use]
pub const fn kernel_store(address: u32, size: u32) -> DataAccess {
    DataAccess {
        address,
        size,
        kind: AccessKind::Store,
        mode: Mode::Supervisor,
        unprivileged: false,
        secure: false,
        contextidr: 0,
        vmid: 0,
        instruction_address: 0xC000_8000,
        thumb: false,
    }
}

/// What [`run`] saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    /// Accesses emulated to completion.
    pub completed: u32,
    /// Accesses whose condition failed.
    pub skipped: u32,
    /// Accesses the guest must take an Undefined Instruction exception for.
    pub undefined: u32,
    /// Traps that were no CP14 access.
    pub not_cp14: u32,
    /// The first value read (DBGDIDR in [`LINUX_WATCHPOINT`]).
    pub first_read: Option<u32>,
    /// The watchpoint event of the store checked after the traps.
    pub watchpoint: Option<DebugEvent>,
}

/// Runs `traps` on a fresh vCPU of `model`, then checks `store` against the
/// watchpoints the guest programmed.
#[must_use]
pub fn run(model: &'static CoreModel, traps: &[GuestTrap], store: &DataAccess) -> Summary {
    let mut vcpu = Vcpu::new(model, 0xC010_0000);
    let mut summary = Summary::default();
    for trap in traps {
        vcpu.guest.cpsr = trap.cpsr;
        vcpu.guest.regs[usize::from(trap.reg.0 & 15)] = trap.reg.1;
        match vcpu.trap(trap.word) {
            Ok(StepOutcome::Completed {
                direction, value, ..
            }) => {
                summary.completed += 1;
                if direction == Direction::Read && summary.first_read.is_none() {
                    summary.first_read = Some(value as u32);
                }
            }
            Ok(StepOutcome::ConditionFailed) => summary.skipped += 1,
            // A real hypervisor injects the Undefined Instruction (or Data
            // Abort) exception here; this one counts.
            Ok(StepOutcome::Undefined { .. } | StepOutcome::DataAbort(_)) => {
                summary.undefined += 1;
            }
            Err(_) => summary.not_cp14 += 1,
        }
    }
    summary.watchpoint = vcpu.data_access(store);
    summary
}

#[cfg(test)]
mod tests {
    use super::*;
    use dbgregs::matching::EventKind;

    fn a15() -> &'static CoreModel {
        #[allow(clippy::unwrap_used)] // a preset the crate ships
        CoreModel::preset("cortex-a15").unwrap()
    }

    #[test]
    fn linux_arms_a_store_watchpoint_and_the_store_hits_it() {
        let s = run(a15(), &LINUX_WATCHPOINT, &kernel_store(WATCHED + 2, 2));
        assert_eq!(
            (s.completed, s.skipped, s.undefined, s.not_cp14),
            (6, 1, 1, 1)
        );
        // Cortex-A15 DBGDIDR: 4 WRPs, 6 BRPs, 2 context BRPs, v7.1.
        assert_eq!(s.first_read, Some(0x3515_f021));
        let event = s.watchpoint.expect("the store hits WRP0");
        assert_eq!(event.kind, EventKind::Watchpoint);
        assert_eq!(event.units, 0b1);
        assert!(event.wnr);
        // v7.1 reports the first watched byte accessed in DFAR.
        assert_eq!(event.dfar, Some(WATCHED + 2));
    }

    #[test]
    fn loads_and_other_words_do_not_hit() {
        let load = DataAccess {
            kind: AccessKind::Load,
            ..kernel_store(WATCHED, 4)
        };
        assert_eq!(run(a15(), &LINUX_WATCHPOINT, &load).watchpoint, None);
        let elsewhere = kernel_store(WATCHED + 4, 4);
        assert_eq!(run(a15(), &LINUX_WATCHPOINT, &elsewhere).watchpoint, None);
    }

    #[test]
    fn without_monitor_mode_nothing_hits() {
        // Drop the DBGDSCRext write: MDBGen stays clear.
        let mut traps = LINUX_WATCHPOINT;
        traps[3].reg.1 = 0;
        let s = run(a15(), &traps, &kernel_store(WATCHED, 4));
        assert_eq!(s.watchpoint, None);
    }

    #[test]
    fn a_hit_is_recorded_in_dbgdscr_moe() {
        let mut vcpu = Vcpu::new(a15(), 0xC010_0000);
        for trap in &LINUX_WATCHPOINT[..6] {
            vcpu.guest.regs[usize::from(trap.reg.0)] = trap.reg.1;
            assert!(matches!(
                vcpu.trap(trap.word),
                Ok(StepOutcome::Completed { .. })
            ));
        }
        assert!(vcpu.data_access(&kernel_store(WATCHED, 1)).is_some());
        // DBGDSCR.MOE (bits [5:2]) = 0b1010, synchronous watchpoint.
        assert_eq!((vcpu.debug.dscr_int(a15()) >> 2) & 0xF, 0b1010);
    }
}
