//! Fetching the trapped instruction the way `do_undefinstr()` does
//! (`arch/arm/kernel/traps.c`: `get_user()` of a word, or of one or two Thumb halfwords).

use crate::error::UndefError;
use crate::frame::{InstrSize, TrapFrame};

/// A failed guest-memory read (the kernel's faulting `get_user`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FetchFault {
    /// The address whose read failed.
    pub addr: u32,
}

/// Guest memory as the trapped CPU sees it, for instruction fetch.
///
/// Implementations return *canonical* encodings: on a big-endian (BE8) guest they
/// byte-swap each halfword/word, as the kernel's `__mem_to_opcode_*` helpers do, so
/// hooks always see the architectural encoding.
pub trait InstructionMemory {
    /// Reads the halfword at `addr` (a Thumb instruction halfword).
    ///
    /// # Errors
    /// [`FetchFault`] when the address is not readable.
    fn read_u16(&self, addr: u32) -> Result<u16, FetchFault>;

    /// Reads the word at `addr` (an ARM instruction).
    ///
    /// # Errors
    /// [`FetchFault`] when the address is not readable.
    fn read_u32(&self, addr: u32) -> Result<u32, FetchFault>;
}

impl<M: InstructionMemory + ?Sized> InstructionMemory for &M {
    fn read_u16(&self, addr: u32) -> Result<u16, FetchFault> {
        (**self).read_u16(addr)
    }

    fn read_u32(&self, addr: u32) -> Result<u32, FetchFault> {
        (**self).read_u32(addr)
    }
}

/// First halfwords at or above this value start a 32-bit Thumb encoding (the kernel's
/// `is_wide_instruction`: 0xE800 and up, i.e. top five bits 0b11101, 0b11110, 0b11111).
pub const THUMB_WIDE_FIRST: u16 = 0xE800;

/// Fetches the instruction at `frame.pc()`: ARM state → one word; Thumb state (CPSR.T)
/// → one halfword, plus a second at PC + 2 when the first is ≥ [`THUMB_WIDE_FIRST`],
/// composed `(first << 16) | second`; 16-bit opcodes are zero-extended.
///
/// The kernel distinguishes SVC mode (plain reads; Thumb only on Thumb-2 kernels) from
/// the rest (fault-checked user reads). The model applies one rule to every mode: the
/// T bit selects Thumb (a guest that runs Thumb in SVC mode *is* a Thumb-2 kernel), and
/// any read fault is reported, because a VMM must not crash on a guest's bad PC.
///
/// # Errors
/// [`UndefError::FetchFault`] naming the address and width that faulted.
pub fn fetch_instruction<M: InstructionMemory + ?Sized>(
    frame: &TrapFrame,
    mem: &M,
) -> Result<(u32, InstrSize), UndefError> {
    let pc = frame.pc();
    let fault = |addr: u32, size: InstrSize| UndefError::FetchFault {
        addr,
        size,
        pc,
        cpsr: frame.cpsr,
    };
    if frame.is_thumb() {
        let first = mem
            .read_u16(pc)
            .map_err(|f| fault(f.addr, InstrSize::Two))?;
        if first >= THUMB_WIDE_FIRST {
            let second = mem
                .read_u16(pc.wrapping_add(2))
                .map_err(|f| fault(f.addr, InstrSize::Two))?;
            Ok((
                (u32::from(first) << 16) | u32::from(second),
                InstrSize::Four,
            ))
        } else {
            Ok((u32::from(first), InstrSize::Two))
        }
    } else {
        let word = mem
            .read_u32(pc)
            .map_err(|f| fault(f.addr, InstrSize::Four))?;
        Ok((word, InstrSize::Four))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::frame::{PSR_T_BIT, SVC_MODE, USR_MODE};

    /// Little-endian memory over a small window starting at `base`.
    struct Mem {
        base: u32,
        bytes: [u8; 8],
    }

    impl Mem {
        fn byte(&self, addr: u32) -> Result<u8, FetchFault> {
            let off = addr.wrapping_sub(self.base) as usize;
            self.bytes.get(off).copied().ok_or(FetchFault { addr })
        }
    }

    impl InstructionMemory for Mem {
        fn read_u16(&self, addr: u32) -> Result<u16, FetchFault> {
            Ok(u16::from_le_bytes([
                self.byte(addr)?,
                self.byte(addr.wrapping_add(1))
                    .map_err(|_| FetchFault { addr })?,
            ]))
        }
        fn read_u32(&self, addr: u32) -> Result<u32, FetchFault> {
            let mut b = [0; 4];
            for (i, x) in b.iter_mut().enumerate() {
                *x = self
                    .byte(addr.wrapping_add(i as u32))
                    .map_err(|_| FetchFault { addr })?;
            }
            Ok(u32::from_le_bytes(b))
        }
    }

    fn halfwords(base: u32, hw: &[u16]) -> Mem {
        let mut bytes = [0; 8];
        for (i, h) in hw.iter().enumerate() {
            bytes[2 * i..2 * i + 2].copy_from_slice(&h.to_le_bytes());
        }
        Mem { base, bytes }
    }

    #[test]
    fn arm_state_reads_one_word() {
        let mut bytes = [0; 8];
        bytes[..4].copy_from_slice(&0xEE10_0E10u32.to_le_bytes());
        let mem = Mem {
            base: 0x8000,
            bytes,
        };
        for mode in [USR_MODE, SVC_MODE] {
            let f = TrapFrame::new(0, mode, 0x8000);
            assert_eq!(
                fetch_instruction(&f, &mem),
                Ok((0xEE10_0E10, InstrSize::Four))
            );
        }
    }

    #[test]
    fn thumb_16_bit_zero_extended() {
        let mem = halfwords(0x8000, &[0xDE01, 0xFFFF]);
        let f = TrapFrame::new(0, USR_MODE | PSR_T_BIT, 0x8000);
        assert_eq!(fetch_instruction(&f, &mem), Ok((0xDE01, InstrSize::Two)));
        // 0xE7FF is the largest 16-bit first halfword.
        let mem = halfwords(0x8000, &[0xE7FF, 0x1234]);
        assert_eq!(fetch_instruction(&f, &mem), Ok((0xE7FF, InstrSize::Two)));
    }

    #[test]
    fn thumb_32_bit_composed_first_high() {
        let f = TrapFrame::new(0, USR_MODE | PSR_T_BIT, 0x8000);
        let mem = halfwords(0x8000, &[0xF7F0, 0xA000]);
        assert_eq!(
            fetch_instruction(&f, &mem),
            Ok((0xF7F0_A000, InstrSize::Four))
        );
        let mem = halfwords(0x8000, &[0xE800, 0x0001]);
        assert_eq!(
            fetch_instruction(&f, &mem),
            Ok((0xE800_0001, InstrSize::Four))
        );
        // Thumb-2 kernel: MRC p14 composed like the ARM encoding with cond 0xE.
        let k = TrapFrame::new(0, SVC_MODE | PSR_T_BIT, 0x8000);
        let mem = halfwords(0x8000, &[0xEE10, 0x0E10]);
        assert_eq!(
            fetch_instruction(&k, &mem),
            Ok((0xEE10_0E10, InstrSize::Four))
        );
    }

    #[test]
    fn faults_are_typed() {
        let f = TrapFrame::new(0, USR_MODE | PSR_T_BIT, 0x8006);
        let mem = halfwords(0x8000, &[0, 0, 0, 0xF7F0]);
        assert_eq!(
            fetch_instruction(&f, &mem),
            Err(UndefError::FetchFault {
                addr: 0x8008,
                size: InstrSize::Two,
                pc: 0x8006,
                cpsr: USR_MODE | PSR_T_BIT
            })
        );
        let a = TrapFrame::new(0, USR_MODE, 0x9000);
        assert_eq!(
            fetch_instruction(&a, &mem),
            Err(UndefError::FetchFault {
                addr: 0x9000,
                size: InstrSize::Four,
                pc: 0x9000,
                cpsr: USR_MODE
            })
        );
    }
}
