//! Hook records: patterns, handler, identity.

use alloc::sync::Arc;
use core::fmt;
use core::ptr::NonNull;

use crate::error::UndefError;
use crate::frame::TrapFrame;

/// `instr_mask` of the ARM hw_breakpoint driver's debug-register hook: MRC/MCR to p14
/// with opc1 0 and CRn c0–c7 (`arch/arm/kernel/hw_breakpoint.c`, `debug_reg_hook`;
/// the fields are decoded in `docs/undef.md`, "The hw_breakpoint debug-register hook").
pub const DEBUG_REG_HOOK_INSTR_MASK: u32 = 0x0FE8_0F10;
/// `instr_val` of the ARM hw_breakpoint driver's debug-register hook.
pub const DEBUG_REG_HOOK_INSTR_VAL: u32 = 0x0E00_0E10;

/// What a handler did with the trap (the kernel's `0` / non-zero return).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HookResult {
    /// The trap is dealt with; execution resumes at the PC the handler left in the
    /// frame (kernel: return 0).
    Handled,
    /// The handler declines (kernel: non-zero).
    NotHandled,
}

/// A hook handler: receives the trap frame and the instruction (16-bit Thumb opcodes
/// zero-extended, 32-bit Thumb composed first-halfword-high).
///
/// Handlers run on the routing thread, concurrently with other CPUs' routes, so they
/// are `Send + Sync`; they may capture shared state.
pub type Handler = Arc<HandlerFn>;

/// The closure type behind a [`Handler`].
pub type HandlerFn = dyn Fn(&mut TrapFrame, u32) -> HookResult + Send + Sync;

/// The closure of a [`Handler`], addressed directly: what a published hook list calls.
///
/// A call through the `Arc<dyn Fn>` itself first finds the closure inside the `Arc`'s
/// allocation (its offset depends on the closure's alignment, read from the vtable on
/// every call); this reference is taken once, when the list is built, so a route pays
/// one vtable load and the indirect call.
#[derive(Clone, Copy)]
pub(crate) struct HandlerRef {
    f: NonNull<HandlerFn>,
}

// SAFETY: the pointee is `Send + Sync` (the `Handler` bound), and `HandlerRef` only
// hands out shared access to it (`call` takes `&self` and calls `Fn`).
unsafe impl Send for HandlerRef {}
// SAFETY: as above.
unsafe impl Sync for HandlerRef {}

impl HandlerRef {
    /// Addresses `handler`'s closure.
    ///
    /// # Safety
    /// The caller keeps an `Arc` clone of `handler` alive for as long as this
    /// reference (or a copy) may be called: the reference does not own the closure.
    pub(crate) unsafe fn new(handler: &Handler) -> Self {
        Self {
            f: NonNull::from(&**handler),
        }
    }

    /// Calls the handler.
    #[inline(always)]
    pub(crate) fn call(&self, frame: &mut TrapFrame, instr: u32) -> HookResult {
        // SAFETY: `new`'s contract: an `Arc` owning the closure outlives this reference,
        // so the pointer is valid, and the closure is only ever shared (`Fn`).
        let f = unsafe { self.f.as_ref() };
        f(frame, instr)
    }
}

/// Identity of a registered hook, unique within its router for the router's lifetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HookId(pub(crate) u64);

impl HookId {
    /// The raw number (registration sequence number, starting at 1).
    #[must_use]
    pub const fn get(self) -> u64 {
        self.0
    }
}

/// Which hook an outcome refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HookRef {
    /// The hook's identity.
    pub id: HookId,
    /// The hook's name.
    pub name: &'static str,
}

/// The kernel's `struct undef_hook`: patterns plus a handler.
///
/// The hook matches an instruction `instr` trapped with `cpsr` when
/// `(instr & instr_mask) == instr_val && (cpsr & cpsr_mask) == cpsr_val`. A zero CPSR
/// mask and value match every mode and instruction set.
#[derive(Clone)]
pub struct UndefHook {
    name: &'static str,
    instr_mask: u32,
    instr_val: u32,
    cpsr_mask: u32,
    cpsr_val: u32,
    handler: Handler,
}

impl fmt::Debug for UndefHook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UndefHook")
            .field("name", &self.name)
            .field("instr_mask", &format_args!("{:#010x}", self.instr_mask))
            .field("instr_val", &format_args!("{:#010x}", self.instr_val))
            .field("cpsr_mask", &format_args!("{:#010x}", self.cpsr_mask))
            .field("cpsr_val", &format_args!("{:#010x}", self.cpsr_val))
            .finish_non_exhaustive()
    }
}

impl UndefHook {
    /// A hook matching `instr_mask`/`instr_val` in every mode and state (CPSR mask and
    /// value 0); narrow it with [`UndefHook::with_cpsr`].
    ///
    /// # Errors
    /// [`UndefError::InstrValueOutsideMask`] when `instr_val` has bits outside
    /// `instr_mask` (such a hook could never match; the kernel would accept it silently,
    /// we reject it as a certain mistake).
    pub fn new<F>(
        name: &'static str,
        instr_mask: u32,
        instr_val: u32,
        handler: F,
    ) -> Result<Self, UndefError>
    where
        F: Fn(&mut TrapFrame, u32) -> HookResult + Send + Sync + 'static,
    {
        Self::from_handler(name, instr_mask, instr_val, Arc::new(handler))
    }

    /// As [`UndefHook::new`] with an already shared handler.
    ///
    /// # Errors
    /// As [`UndefHook::new`].
    pub fn from_handler(
        name: &'static str,
        instr_mask: u32,
        instr_val: u32,
        handler: Handler,
    ) -> Result<Self, UndefError> {
        let stray = instr_val & !instr_mask;
        if stray != 0 {
            return Err(UndefError::InstrValueOutsideMask {
                name,
                mask: instr_mask,
                value: instr_val,
                stray,
            });
        }
        Ok(Self {
            name,
            instr_mask,
            instr_val,
            cpsr_mask: 0,
            cpsr_val: 0,
            handler,
        })
    }

    /// Restricts the hook to traps whose `(cpsr & cpsr_mask) == cpsr_val` (mode bits,
    /// the Thumb bit, ...).
    ///
    /// # Errors
    /// [`UndefError::CpsrValueOutsideMask`] when `cpsr_val` has bits outside
    /// `cpsr_mask`; `self` is consumed either way (it is cheap to rebuild).
    pub fn with_cpsr(mut self, cpsr_mask: u32, cpsr_val: u32) -> Result<Self, UndefError> {
        let stray = cpsr_val & !cpsr_mask;
        if stray != 0 {
            return Err(UndefError::CpsrValueOutsideMask {
                name: self.name,
                mask: cpsr_mask,
                value: cpsr_val,
                stray,
            });
        }
        self.cpsr_mask = cpsr_mask;
        self.cpsr_val = cpsr_val;
        Ok(self)
    }

    /// The hw_breakpoint driver's debug-register hook patterns
    /// ([`DEBUG_REG_HOOK_INSTR_MASK`], [`DEBUG_REG_HOOK_INSTR_VAL`], CPSR mask and
    /// value 0) with your handler (the driver's records the CPU in an error mask and
    /// skips the instruction by 4).
    #[must_use]
    pub fn debug_reg_hook<F>(name: &'static str, handler: F) -> Self
    where
        F: Fn(&mut TrapFrame, u32) -> HookResult + Send + Sync + 'static,
    {
        Self {
            name,
            instr_mask: DEBUG_REG_HOOK_INSTR_MASK,
            instr_val: DEBUG_REG_HOOK_INSTR_VAL,
            cpsr_mask: 0,
            cpsr_val: 0,
            handler: Arc::new(handler),
        }
    }

    /// The hook's name (used in traces and outcomes).
    #[must_use]
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The instruction mask.
    #[must_use]
    pub const fn instr_mask(&self) -> u32 {
        self.instr_mask
    }

    /// The instruction value.
    #[must_use]
    pub const fn instr_val(&self) -> u32 {
        self.instr_val
    }

    /// The CPSR mask.
    #[must_use]
    pub const fn cpsr_mask(&self) -> u32 {
        self.cpsr_mask
    }

    /// The CPSR value.
    #[must_use]
    pub const fn cpsr_val(&self) -> u32 {
        self.cpsr_val
    }

    /// The kernel's matching rule for one hook.
    #[must_use]
    pub const fn matches(&self, instr: u32, cpsr: u32) -> bool {
        (instr & self.instr_mask) == self.instr_val && (cpsr & self.cpsr_mask) == self.cpsr_val
    }

    pub(crate) fn handler(&self) -> &Handler {
        &self.handler
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn nop(_: &mut TrapFrame, _: u32) -> HookResult {
        HookResult::Handled
    }

    #[test]
    fn value_outside_mask_rejected() {
        let err = UndefHook::new("bad", 0x0F00_0000, 0x1E00_0000, nop).unwrap_err();
        assert_eq!(
            err,
            UndefError::InstrValueOutsideMask {
                name: "bad",
                mask: 0x0F00_0000,
                value: 0x1E00_0000,
                stray: 0x1000_0000
            }
        );
        let hook = UndefHook::new("ok", 0xF, 0x1, nop).unwrap();
        let err = hook.with_cpsr(PSR_T, 0x10).unwrap_err();
        assert!(matches!(
            err,
            UndefError::CpsrValueOutsideMask { stray: 0x10, .. }
        ));
    }

    const PSR_T: u32 = crate::frame::PSR_T_BIT;

    #[test]
    fn matching_arm_and_thumb_state() {
        // TLS-style hook: ARM state only.
        let tls = UndefHook::new("tls", 0x0FFF_0FFF, 0x0E1D_0F70, nop)
            .unwrap()
            .with_cpsr(PSR_T, 0)
            .unwrap();
        assert!(tls.matches(0xEE1D_0F70, 0x10));
        assert!(tls.matches(0xEE1D_0F70, 0x13));
        assert!(!tls.matches(0xEE1D_0F70, 0x10 | PSR_T));
        // Rt (bits 15:12) is outside the mask: any destination register matches.
        assert!(tls.matches(0xEE1D_1F70, 0x10));
        // opc2 differs (bits 7:5 are in the mask): no match.
        assert!(!tls.matches(0xEE1D_0F50, 0x10));
        // Thumb-only hook on a 16-bit encoding (zero-extended).
        let t16 = UndefHook::new("t16", 0xFFFF_FF00, 0x0000_DE00, nop)
            .unwrap()
            .with_cpsr(PSR_T, PSR_T)
            .unwrap();
        assert!(t16.matches(0x0000_DE01, 0x30));
        assert!(!t16.matches(0x0000_DE01, 0x10));
        assert!(!t16.matches(0xDE01_0000, 0x30));
        // Mode filter: user mode only.
        let usr = UndefHook::new("usr", 0, 0, nop)
            .unwrap()
            .with_cpsr(0x1f, 0x10)
            .unwrap();
        assert!(usr.matches(0x1234_5678, 0x10));
        assert!(usr.matches(0x1234_5678, 0x30));
        assert!(!usr.matches(0x1234_5678, 0x13));
    }

    #[test]
    fn zero_cpsr_pattern_matches_everything() {
        let h = UndefHook::debug_reg_hook("dbg", nop);
        for cpsr in [0x10, 0x13, 0x30, 0x33, 0x1b, 0xFFFF_FFFF] {
            assert!(h.matches(0xEE10_0E10, cpsr));
        }
    }
}
