//! Constructors for the matcher inputs, so that a caller names only what
//! differs from the common case (Non-secure, CONTEXTIDR and VMID 0,
//! privileged access, A32).

use super::{AccessKind, DataAccess, InstructionFetch, Mode};

impl InstructionFetch {
    /// An instruction at `address` in `mode`, A32 (`thumb` false) or T32,
    /// Non-secure, CONTEXTIDR = 0, VMID = 0.
    ///
    /// ```
    /// use dbgregs::matching::{InstructionFetch, Mode};
    ///
    /// let fetch = InstructionFetch::new(0x8000, false, Mode::User).with_context(0x42, 0);
    /// assert_eq!((fetch.address, fetch.contextidr, fetch.secure), (0x8000, 0x42, false));
    /// ```
    pub const fn new(address: u32, thumb: bool, mode: Mode) -> InstructionFetch {
        InstructionFetch {
            address,
            thumb,
            mode,
            secure: false,
            contextidr: 0,
            vmid: 0,
        }
    }

    /// This fetch with CONTEXTIDR `contextidr` and VTTBR.VMID `vmid`.
    pub const fn with_context(mut self, contextidr: u32, vmid: u8) -> InstructionFetch {
        self.contextidr = contextidr;
        self.vmid = vmid;
        self
    }

    /// This fetch in Secure (`true`) or Non-secure state.
    pub const fn with_secure(mut self, secure: bool) -> InstructionFetch {
        self.secure = secure;
        self
    }
}

impl DataAccess {
    /// A privileged-as-the-mode access of `size` bytes at `address`,
    /// Non-secure, CONTEXTIDR = 0, VMID = 0, made by an A32 instruction at
    /// address 0 (set it with [`DataAccess::from_instruction`] when
    /// DBGWFAR matters).
    ///
    /// ```
    /// use dbgregs::matching::{AccessKind, DataAccess, Mode};
    ///
    /// let a = DataAccess::new(0x1000, 4, AccessKind::Load, Mode::User).from_instruction(0x8000, true);
    /// assert_eq!((a.instruction_address, a.thumb, a.unprivileged), (0x8000, true, false));
    /// ```
    pub const fn new(address: u32, size: u32, kind: AccessKind, mode: Mode) -> DataAccess {
        DataAccess {
            address,
            size,
            kind,
            mode,
            unprivileged: false,
            secure: false,
            contextidr: 0,
            vmid: 0,
            instruction_address: 0,
            thumb: false,
        }
    }

    /// [`DataAccess::new`] for a load.
    pub const fn load(address: u32, size: u32, mode: Mode) -> DataAccess {
        DataAccess::new(address, size, AccessKind::Load, mode)
    }

    /// [`DataAccess::new`] for a store.
    pub const fn store(address: u32, size: u32, mode: Mode) -> DataAccess {
        DataAccess::new(address, size, AccessKind::Store, mode)
    }

    /// This access made by the instruction at `address`, T32 if `thumb`.
    pub const fn from_instruction(mut self, address: u32, thumb: bool) -> DataAccess {
        self.instruction_address = address;
        self.thumb = thumb;
        self
    }

    /// This access as an unprivileged one (LDRT/STRT at PL1).
    pub const fn unprivileged(mut self) -> DataAccess {
        self.unprivileged = true;
        self
    }

    /// This access with CONTEXTIDR `contextidr` and VTTBR.VMID `vmid`.
    pub const fn with_context(mut self, contextidr: u32, vmid: u8) -> DataAccess {
        self.contextidr = contextidr;
        self.vmid = vmid;
        self
    }

    /// This access in Secure (`true`) or Non-secure state.
    pub const fn with_secure(mut self, secure: bool) -> DataAccess {
        self.secure = secure;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constructors_fill_the_common_case() {
        let f = InstructionFetch::new(0x10, true, Mode::Supervisor)
            .with_context(7, 3)
            .with_secure(true);
        assert_eq!(
            f,
            InstructionFetch {
                address: 0x10,
                thumb: true,
                mode: Mode::Supervisor,
                secure: true,
                contextidr: 7,
                vmid: 3,
            }
        );
        let a = DataAccess::store(0x1002, 2, Mode::Supervisor)
            .from_instruction(0x8000, false)
            .unprivileged()
            .with_context(1, 2)
            .with_secure(false);
        assert_eq!(
            a,
            DataAccess {
                address: 0x1002,
                size: 2,
                kind: AccessKind::Store,
                mode: Mode::Supervisor,
                unprivileged: true,
                secure: false,
                contextidr: 1,
                vmid: 2,
                instruction_address: 0x8000,
                thumb: false,
            }
        );
        assert_eq!(DataAccess::load(0, 1, Mode::User).kind, AccessKind::Load);
    }
}
