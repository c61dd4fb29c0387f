//! Routing trapped Undefined Instructions to hooks with `undef`, on bare
//! metal: the router needs `alloc` (its hook snapshots), so the binary
//! using this module declares a global allocator
//! ([`BumpAllocator`](crate::bump::BumpAllocator)).
//!
//! The hook is the ARM hw_breakpoint driver's `debug_reg_hook`
//! (`arch/arm/kernel/hw_breakpoint.c`: on a CPU whose debug logic traps, it
//! marks the CPU in `debug_err_mask` and skips the instruction), here
//! counting the traps per debug register class with `dbgregs`' decoder.

use core::sync::atomic::{AtomicU32, Ordering};

use dbgregs::decode::decode_a32;
use dbgregs::regmap::DebugRegister;
use undef::{Consequence, HookResult, InstrSize, RouteOutcome, TrapFrame, UndefHook, UndefRouter};

/// CPUs whose debug-register access trapped (bit n = CPU n), the driver's
/// `debug_err_mask`.
pub static DEBUG_ERR_MASK: AtomicU32 = AtomicU32::new(0);
/// Trapped accesses that named a debug register.
pub static NAMED: AtomicU32 = AtomicU32::new(0);

/// The hook's handler: record the CPU, count the access if it names a
/// debug register, skip the instruction.
fn debug_reg_trap(frame: &mut TrapFrame, instr: u32) -> HookResult {
    DEBUG_ERR_MASK.fetch_or(1 << (frame.cpu % 32), Ordering::Relaxed);
    if decode_a32(instr)
        .as_ref()
        .and_then(DebugRegister::identify)
        .is_some()
    {
        NAMED.fetch_add(1, Ordering::Relaxed);
    }
    frame.skip_instruction(InstrSize::Four);
    HookResult::Handled
}

/// What [`run`] saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    /// Traps a hook handled.
    pub handled: u32,
    /// Traps no hook handled, delivered as an oops (kernel mode).
    pub oops: u32,
    /// Traps no hook handled, delivered as SIGILL (user mode).
    pub sigill: u32,
    /// The PC after the last handled trap.
    pub resumed_at: u32,
}

/// Registers the debug-register hook on a new router, routes `words`
/// trapped by CPU `cpu` in mode `cpsr` at consecutive addresses from
/// 0xC000_8000, unregisters the hook and routes the first word again.
#[must_use]
pub fn run(cpu: u32, cpsr: u32, words: &[u32]) -> Summary {
    let router = UndefRouter::new();
    let guard = router.register(UndefHook::debug_reg_hook("debug_reg_hook", debug_reg_trap));
    let mut summary = Summary::default();
    let mut count = |outcome: RouteOutcome, frame: &TrapFrame| match outcome {
        RouteOutcome::Handled { .. } => {
            summary.handled += 1;
            summary.resumed_at = frame.pc();
        }
        RouteOutcome::Unhandled {
            consequence: Consequence::Sigill { .. },
            ..
        } => summary.sigill += 1,
        RouteOutcome::Unhandled { .. } => summary.oops += 1,
    };
    let mut pc = 0xC000_8000;
    for &word in words {
        let mut frame = TrapFrame::new(cpu, cpsr, pc);
        let outcome = router.route_instruction(&mut frame, word, InstrSize::Four);
        count(outcome, &frame);
        pc += 4;
    }
    guard.unregister();
    if let Some(&word) = words.first() {
        let mut frame = TrapFrame::new(cpu, cpsr, 0xC000_8000);
        let outcome = router.route_instruction(&mut frame, word, InstrSize::Four);
        count(outcome, &frame);
    }
    summary
}

/// Trapped words for [`run`]: DBGDIDR and DBGWCR0 accesses (the hook's
/// patterns match them), and UDF #0 (no hook matches).
pub const WORDS: [u32; 3] = [0xEE10_0E10, 0xEE00_3EF0, 0xE7F0_00F0];

#[cfg(test)]
mod tests {
    use super::*;
    use undef::{SVC_MODE, USR_MODE};

    #[test]
    fn the_hook_skips_debug_register_accesses_until_unregistered() {
        let before = NAMED.load(Ordering::Relaxed);
        let s = run(3, SVC_MODE, &WORDS);
        // Two debug-register accesses handled, UDF and the access after
        // unregistering are oopses.
        assert_eq!((s.handled, s.oops, s.sigill), (2, 2, 0));
        assert_eq!(s.resumed_at, 0xC000_8008);
        assert_ne!(DEBUG_ERR_MASK.load(Ordering::Relaxed) & (1 << 3), 0);
        assert!(NAMED.load(Ordering::Relaxed) >= before + 2);
    }

    #[test]
    fn unhandled_user_traps_are_sigill() {
        let s = run(0, USR_MODE, &[0xE7F0_00F0]);
        assert_eq!((s.handled, s.oops, s.sigill), (0, 0, 2));
    }
}
