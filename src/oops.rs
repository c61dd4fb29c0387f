//! The kernel undefined-instruction oops: a leaf type every layer can
//! report.

use std::fmt;

use serde::Serialize;

/// A kernel undefined-instruction oops: a debug-register access trapped and
/// no hook handled it (`do_undefinstr()` in `arch/arm/kernel/traps.c`; docs/kernel-flow.md,
/// `undefined-oops` and `error-mask`). Terminal for the
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

impl std::error::Error for KernelOops {}
