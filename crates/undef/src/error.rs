//! The crate's error type.

use crate::frame::InstrSize;

/// Everything that can go wrong in this crate. Every variant names the offending value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UndefError {
    /// A hook's `instr_val` has bits set outside `instr_mask`, so
    /// `(instr & instr_mask) == instr_val` can never hold: the hook could never run.
    #[error(
        "hook `{name}`: instr_val {value:#010x} has bits {stray:#010x} outside instr_mask {mask:#010x}; it could never match"
    )]
    InstrValueOutsideMask {
        /// The hook's name.
        name: &'static str,
        /// The hook's instruction mask.
        mask: u32,
        /// The hook's instruction value.
        value: u32,
        /// `value & !mask`.
        stray: u32,
    },
    /// A hook's `cpsr_val` has bits set outside `cpsr_mask` (same reasoning).
    #[error(
        "hook `{name}`: cpsr_val {value:#010x} has bits {stray:#010x} outside cpsr_mask {mask:#010x}; it could never match"
    )]
    CpsrValueOutsideMask {
        /// The hook's name.
        name: &'static str,
        /// The hook's CPSR mask.
        mask: u32,
        /// The hook's CPSR value.
        value: u32,
        /// `value & !mask`.
        stray: u32,
    },
    /// [`UndefRouter::claim_cpu`](crate::UndefRouter::claim_cpu) for a CPU number the
    /// router has no slot for.
    #[error("cpu {cpu} out of range: the router has slots for cpus 0..{max_cpus}")]
    CpuOutOfRange {
        /// The CPU asked for.
        cpu: u32,
        /// The router's number of CPU slots.
        max_cpus: u32,
    },
    /// [`UndefRouter::claim_cpu`](crate::UndefRouter::claim_cpu) for a CPU whose
    /// [`CpuRouter`](crate::CpuRouter) is still alive.
    #[error("cpu {cpu} already has a live CpuRouter handle")]
    CpuAlreadyClaimed {
        /// The CPU asked for.
        cpu: u32,
    },
    /// Fetching the trapped instruction from guest memory faulted. The hooks were not
    /// consulted (kernel: a faulting user read skips the hooks and goes to the signal
    /// path); deliver [`Consequence::for_frame`](crate::Consequence::for_frame).
    #[error("instruction fetch of {size} at {addr:#010x} faulted (trap at pc {pc:#010x}, cpsr {cpsr:#010x})")]
    FetchFault {
        /// Address whose read faulted (the PC, or PC + 2 for a Thumb second halfword).
        addr: u32,
        /// Width of the read that faulted.
        size: InstrSize,
        /// PC of the trapped instruction.
        pc: u32,
        /// CPSR at the trap.
        cpsr: u32,
    },
}
