//! The trapped CPU state, instruction sizes and the kernel's unhandled-trap consequence.

use core::fmt;

/// CPSR Thumb execution-state bit (`PSR_T_BIT`, A/R profile).
pub const PSR_T_BIT: u32 = 0x20;
/// CPSR processor-mode field (`MODE_MASK`).
pub const MODE_MASK: u32 = 0x1f;
/// User mode (`USR_MODE`).
pub const USR_MODE: u32 = 0x10;
/// Supervisor mode (`SVC_MODE`), the mode the kernel runs in.
pub const SVC_MODE: u32 = 0x13;
/// `trap_no` the kernel records for an undefined instruction.
pub const UNDEF_TRAP_NO: u32 = 6;
/// `si_code` for an illegal opcode (`ILL_ILLOPC` in Linux's `siginfo.h`).
pub const ILL_ILLOPC: i32 = 1;
/// `die()` message for an unhandled undefined instruction in kernel mode.
pub const OOPS_UNDEFINED_INSTRUCTION: &str = "Oops - undefined instruction";

/// Size of an instruction in bytes, as the kernel's fetch determines it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InstrSize {
    /// A 16-bit Thumb encoding.
    Two,
    /// An ARM word or a 32-bit Thumb encoding.
    Four,
}

impl InstrSize {
    /// The size in bytes (2 or 4).
    #[must_use]
    pub const fn bytes(self) -> u32 {
        match self {
            Self::Two => 2,
            Self::Four => 4,
        }
    }
}

impl fmt::Display for InstrSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} bytes", self.bytes())
    }
}

/// The trapped CPU state handed to hooks (the kernel's `struct pt_regs` subset).
///
/// `regs[15]` (the PC) is the address of the undefined instruction itself, as the
/// kernel's entry stub leaves it (v4.10 and later rewind the saved PC before the C
/// handler runs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrapFrame {
    /// General registers r0–r15; r15 is the PC.
    pub regs: [u32; 16],
    /// CPSR at the trap (mode bits, the T bit, ...).
    pub cpsr: u32,
    /// Number of the CPU that trapped.
    pub cpu: u32,
}

impl TrapFrame {
    /// A frame with zeroed r0–r14, the given PC, CPSR and CPU number.
    #[must_use]
    pub const fn new(cpu: u32, cpsr: u32, pc: u32) -> Self {
        let mut regs = [0; 16];
        regs[15] = pc;
        Self { regs, cpsr, cpu }
    }

    /// The PC (r15).
    #[must_use]
    pub const fn pc(&self) -> u32 {
        self.regs[15]
    }

    /// Sets the PC (r15).
    pub fn set_pc(&mut self, pc: u32) {
        self.regs[15] = pc;
    }

    /// Advances the PC past the faulting instruction (wrapping at 4 GiB, as the
    /// hardware PC does). This is what a handler does before returning
    /// [`HookResult::Handled`](crate::HookResult::Handled) to skip the instruction.
    pub fn skip_instruction(&mut self, size: InstrSize) {
        self.regs[15] = self.regs[15].wrapping_add(size.bytes());
    }

    /// The processor mode field (`CPSR & 0x1f`).
    #[must_use]
    pub const fn mode(&self) -> u32 {
        self.cpsr & MODE_MASK
    }

    /// Thumb state (`CPSR.T`, 0x20).
    #[must_use]
    pub const fn is_thumb(&self) -> bool {
        self.cpsr & PSR_T_BIT != 0
    }

    /// The kernel's `user_mode(regs)` test: the low four mode bits are zero (USR, 0x10;
    /// also the legacy 26-bit user mode 0x00).
    #[must_use]
    pub const fn is_user(&self) -> bool {
        self.cpsr & 0xf == 0
    }
}

/// What the kernel does with an undefined instruction that no hook handled
/// (`do_undefinstr()` in `arch/arm/kernel/traps.c`: `arm_notify_die("Oops - undefined
/// instruction", regs, &info, 0, 6)` with `SIGILL`/`ILL_ILLOPC`). The VMM delivers it to the guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consequence {
    /// User mode: SIGILL to the task.
    Sigill {
        /// `si_code`: always [`ILL_ILLOPC`].
        si_code: i32,
        /// `si_addr`: the PC of the faulting instruction (before any hook ran).
        si_addr: u32,
        /// The thread's `trap_no`: always [`UNDEF_TRAP_NO`] (6).
        trap_no: u32,
        /// The thread's `error_code`: always 0.
        error_code: u32,
    },
    /// Kernel mode: `die("Oops - undefined instruction", regs, 0)`.
    Oops {
        /// The oops message, [`OOPS_UNDEFINED_INSTRUCTION`].
        message: &'static str,
        /// The PC of the faulting instruction.
        pc: u32,
    },
}

impl Consequence {
    /// The consequence for a trap with this CPSR at `pc`: SIGILL when
    /// [`TrapFrame::is_user`], the oops otherwise.
    #[must_use]
    pub const fn for_state(cpsr: u32, pc: u32) -> Self {
        if cpsr & 0xf == 0 {
            Self::Sigill {
                si_code: ILL_ILLOPC,
                si_addr: pc,
                trap_no: UNDEF_TRAP_NO,
                error_code: 0,
            }
        } else {
            Self::Oops {
                message: OOPS_UNDEFINED_INSTRUCTION,
                pc,
            }
        }
    }

    /// The consequence for `frame` as it is now (its CPSR and PC).
    #[must_use]
    pub const fn for_frame(frame: &TrapFrame) -> Self {
        Self::for_state(frame.cpsr, frame.pc())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn skip_advances_by_real_size_and_wraps() {
        let mut f = TrapFrame::new(0, USR_MODE, 0x8000);
        f.skip_instruction(InstrSize::Two);
        assert_eq!(f.pc(), 0x8002);
        f.skip_instruction(InstrSize::Four);
        assert_eq!(f.pc(), 0x8006);
        f.set_pc(0xFFFF_FFFE);
        f.skip_instruction(InstrSize::Four);
        assert_eq!(f.pc(), 2);
    }

    #[test]
    fn user_mode_is_low_nibble_zero() {
        assert!(TrapFrame::new(0, USR_MODE, 0).is_user());
        assert!(TrapFrame::new(0, USR_MODE | PSR_T_BIT, 0).is_user());
        assert!(!TrapFrame::new(0, SVC_MODE, 0).is_user());
        assert!(!TrapFrame::new(0, 0x1b, 0).is_user()); // UND
        assert_eq!(TrapFrame::new(0, 0x1b | PSR_T_BIT, 0).mode(), 0x1b);
    }

    #[test]
    fn consequence_by_mode() {
        assert_eq!(
            Consequence::for_state(USR_MODE, 0x8000),
            Consequence::Sigill {
                si_code: ILL_ILLOPC,
                si_addr: 0x8000,
                trap_no: 6,
                error_code: 0
            }
        );
        assert_eq!(
            Consequence::for_state(SVC_MODE, 0x8000),
            Consequence::Oops {
                message: "Oops - undefined instruction",
                pc: 0x8000
            }
        );
    }
}
