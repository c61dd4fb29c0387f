//! One vCPU (model, debug registers, guest frame, faults) and the trap
//! loop kernel code runs through: [`VcpuCtx::execute`] steps a real A32
//! word through [`dbgregs::emulate::step`] and routes an UNDEFINED one
//! through the machine's [`UndefRouter`].

use std::fmt;

use dbgregs::access::Gpr;
use dbgregs::emulate::{GuestRegs, MemFault, StepOutcome, Trap};
use dbgregs::model::CoreModel;
use dbgregs::state::DebugState;
use undef::{Consequence, InstrSize, RouteOutcome, TrapFrame, UndefRouter, SVC_MODE};

use super::FaultSet;
use crate::oops::KernelOops;
use crate::word::{mcr_word, mrc_word};

/// The notional kernel-text address the accessors execute at (the PC of
/// every MRC/MCR the driver issues; only reported in an oops).
pub const KERNEL_TEXT: u32 = 0xC010_0000;

/// CPSR of the kernel flow: SVC mode, ARM state, IRQs and FIQs masked.
pub const KERNEL_CPSR: u32 = SVC_MODE | 0xC0;

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
    pub(super) model: CoreModel,
    pub(super) debug: DebugState,
    pub(super) frame: GuestFrame,
    pub(super) faults: FaultSet,
    pub(super) trace: Option<Vec<u32>>,
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

/// The kernel code's view of one vCPU while it runs there: the only way the
/// driver reaches debug registers.
pub struct VcpuCtx<'a> {
    pub(super) cpu: usize,
    pub(super) vcpu: &'a mut Vcpu,
    pub(super) router: &'a UndefRouter,
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
    /// defined value this model picks for the unwritten destination (docs/kernel-flow.md, `trap-hook`).
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
