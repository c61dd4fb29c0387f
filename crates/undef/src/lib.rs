//! Routing of emulated ARM Undefined Instruction traps to registered hooks, the way the
//! ARM Linux kernel's `do_undefinstr`/`call_undef_hook` do it
//! (`arch/arm/kernel/traps.c`; the project's notes: `docs/undef.md`).
//!
//! # Example: a VMM routing a trapped debug-register read
//!
//! The hw_breakpoint driver registers a hook for `MRC/MCR p14, 0, <Rt>, c0-c7, ...`
//! around its first touch of the debug registers. When a CPU whose debug logic is
//! disabled traps, the hook records the CPU in an error mask and skips the instruction.
//!
//! ```
//! use std::sync::Arc;
//! use std::sync::atomic::{AtomicU64, Ordering};
//! use undef::{HookResult, InstrSize, RouteOutcome, TrapFrame, UndefHook, UndefRouter, SVC_MODE};
//!
//! // One router, shared by every vCPU thread.
//! let router = UndefRouter::new();
//!
//! // The driver's hook: sets this CPU's bit in a shared error mask and advances the PC.
//! let debug_err_mask = Arc::new(AtomicU64::new(0));
//! let mask = Arc::clone(&debug_err_mask);
//! let guard = router.register(UndefHook::debug_reg_hook("debug_reg_hook", move |frame, _instr| {
//!     mask.fetch_or(1 << (frame.cpu % 64), Ordering::SeqCst);
//!     frame.skip_instruction(InstrSize::Four);
//!     HookResult::Handled
//! }));
//!
//! // CPU 2 traps on `MRC p14, 0, r0, c0, c0, 0` (read DBGDIDR) at 0xC0008000 in SVC mode.
//! let mut frame = TrapFrame::new(2, SVC_MODE, 0xC000_8000);
//! let outcome = router.route_instruction(&mut frame, 0xEE10_0E10, InstrSize::Four);
//! assert!(matches!(outcome, RouteOutcome::Handled { hook, .. } if hook.name == "debug_reg_hook"));
//! assert_eq!(frame.pc(), 0xC000_8004); // resumes after the MRC
//! assert_eq!(frame.regs[0], 0); // a trapped MRC leaves Rt unwritten
//! assert_eq!(debug_err_mask.load(Ordering::SeqCst), 1 << 2);
//!
//! // After the driver unregisters its hook, the same access is a kernel oops.
//! guard.unregister();
//! let mut frame = TrapFrame::new(2, SVC_MODE, 0xC000_8000);
//! match router.route_instruction(&mut frame, 0xEE10_0E10, InstrSize::Four) {
//!     RouteOutcome::Unhandled { consequence: undef::Consequence::Oops { message, .. }, .. } => {
//!         assert_eq!(message, "Oops - undefined instruction")
//!     }
//!     other => panic!("unexpected {other:?}"),
//! }
//! ```
//!
//! [`UndefRouter::route`] does the same starting from guest memory: it fetches the
//! instruction at the PC through an [`InstructionMemory`] (ARM: one word; Thumb: one
//! halfword, and a second when the first is ≥ 0xE800, composed first-halfword-high).
//!
//! # Matching order and declining handlers
//! A hook matches when `(instr & instr_mask) == instr_val && (cpsr & cpsr_mask) ==
//! cpsr_val`. The kernel keeps its list newest-first, walks all of it and keeps the
//! *last* match, so the **earliest-registered** matching hook runs; if it declines, no
//! other hook is tried. This router keeps hooks earliest-first and stops at the first
//! match, which selects the same hook. The issue also asks for "a handler that declines
//! so the next hook runs"; that is offered as the opt-in policy
//! [`Fallback::NextMatching`] (next matching hook in the same order). The default,
//! [`Fallback::None`], is the kernel's.
//!
//! A handler returns [`HookResult::Handled`] (execution resumes at the PC it left in the
//! frame: it skips the instruction with [`TrapFrame::skip_instruction`]; leaving the PC
//! alone re-executes the instruction) or [`HookResult::NotHandled`]. Unhandled traps
//! come back as [`RouteOutcome::Unhandled`] with the kernel's [`Consequence`]: SIGILL
//! (`ILL_ILLOPC`, `si_addr` = PC, `trap_no` 6, `error_code` 0) in user mode (CPSR low
//! four bits zero, the kernel's `user_mode()`), the "Oops - undefined instruction" die
//! otherwise. Both are computed from the CPSR and PC at the trap, before any hook ran.
//!
//! # Concurrency guarantees
//! * [`UndefRouter`] is `Send + Sync`; clones share one hook list.
//! * [`UndefRouter::register`] returns a [`HookGuard`]; every route that *starts* after
//!   `register` returns sees the hook.
//! * Dropping the guard (or [`HookGuard::unregister`]) removes the hook and then waits
//!   for a grace period: when it returns, every route that could see the hook has
//!   finished, so **no call of the handler is running or can start** afterwards (the
//!   handler's captured state may be torn down).
//! * A route sees one consistent snapshot of the list from start to end: a hook
//!   registered or unregistered meanwhile is either wholly visible or not at all, so a
//!   trap runs each handler at most once, and a route that runs entirely while a
//!   matching hook is registered calls it (or an earlier-registered matching hook).
//! * `register`/`unregister` must not be called from inside a handler running on the
//!   same router: they wait for the grace period, i.e. for that very handler (deadlock).
//!   Routing from inside a handler is fine.
//! * [`QsbrRouter`] handles (quiescent-state-based, see below) give the same guarantees;
//!   in exchange, writers also wait until every **online** QSBR handle has reported a
//!   quiescent state. The caller's obligation: a thread holding an online handle
//!   reports at natural points (each route does; [`QsbrRouter::quiescent`] otherwise),
//!   goes [`offline`](QsbrRouter::offline) before blocking or halting, and does not
//!   itself register or unregister through the router while online (it would wait for
//!   its own report: use [`QsbrRouter::register`] / [`QsbrRouter::unregister`] /
//!   [`QsbrRouter::with_offline`], which go offline for the duration).
//!
//! These properties are model-checked with loom (`tests/loom.rs`).
//!
//! # Design: why not arc-swap
//! The list is an immutable snapshot published through an atomic pointer and reclaimed
//! after a grace period (read-copy-update). Readers (`route`) announce themselves in a
//! per-CPU-slot counter (a cache-line-padded atomic chosen by the trapping CPU number,
//! two epochs), so vCPUs do not share a written cache line; the cost is one atomic
//! increment and one decrement, with no lock, no retry loop and no allocation.
//! A vCPU thread can instead claim a private slot with [`UndefRouter::claim_cpu`] and
//! route through the returned [`CpuRouter`]: entering is one atomic swap and leaving a
//! plain release store (one locked instruction per trap instead of two).
//! Writers build a new snapshot, swap it in and wait until both epochs' counters (and
//! every private slot marked with the old epoch) drain.
//!
//! # QSBR handles: a read side without barriers
//! [`UndefRouter::qsbr_handle`] claims the same private slot and returns a
//! [`QsbrRouter`] (liburcu's `urcu-qsbr`, the kernel's RCU for vCPU threads). While it
//! is online, a route is an `Acquire` load of the snapshot pointer, the match and the
//! call, then a quiescent-state report: an `Acquire` load of the grace-period counter
//! and, only if a writer advanced it, a `Release` store to the handle's own cache line
//! (no atomic read-modify-write, no fence). [`QsbrRouter::online`] costs a full fence;
//! offline handles route through the locked path above. Writers, after the wait above,
//! advance the counter, fence, and wait until every online handle reports the new
//! value (or goes offline) before freeing the old snapshot.
//!
//! Why that is enough, in two sentences: a report is a `Release` store made after the
//! handle's last use of any earlier snapshot, and reports the counter value it read
//! with `Acquire` (which the writer's counter increment, sequenced after its pointer
//! swap, releases), so a writer that reads the new value both sees every earlier use
//! finished and knows every later pointer load by that handle returns the new snapshot.
//! A handle coming online and a writer skipping it as offline form a store-buffering
//! pair (its state store vs its next pointer load; the writer's swap vs its state
//! load), which the `SeqCst` fences in `online()` and in the writer order: either the
//! writer sees the handle online and waits, or the handle's next load sees the new
//! snapshot. (`rcu.rs` has the full argument; loom checks it, `tests/loom.rs`.)
//!
//! `arc-swap` would give a lock-free load too, but (a) it needs `std` (thread-local debt
//! lists), while this mechanism runs on `core` atomics + `alloc` and is the same code in
//! `std`, `no_std` and loom builds; and (b) it only keeps the *snapshot* alive: the
//! "no call after unregister returns" guarantee would still need a per-hook liveness
//! flag plus an in-flight counter and a wait, which the grace period here provides
//! directly (the kernel gets the same effect from RCU). The trade-off: writers spin
//! (yielding under `std`) until readers drain, so `register`/`unregister` are slow
//! paths, and they must not run inside a handler (see above).
//!
//! Matching depends on the snapshot's size. Each snapshot stores one record per hook
//! with its pattern packed over the 64-bit key `cpsr:instr` (a hook matches when
//! `key & mask == val`). With **up to 16 hooks** a route scans these records linearly,
//! earliest-registered first (one AND and one compare per hook, no tables). With
//! **more than 16 hooks** the snapshot also carries byte-indexed bitset tables (per
//! constrained byte of the instruction/CPSR, the set of hooks compatible with each of
//! the 256 byte values), so finding the earliest matching hook is at most 8 table
//! lookups and ANDs per 64 hooks plus a `trailing_zeros`, whichever hook matches;
//! those tables cost 2 KiB per constrained byte per 64 hooks and are built by writers.
//! Both select the same hook as the kernel's walk (the bitset matcher is checked
//! against a brute-force model by proptest). Each record also addresses its handler's
//! closure directly (taken from the hook's `Arc` once, when the snapshot is built; the
//! snapshot keeps the `Arc`), so a call is one vtable load and an indirect call.
//!
//! # Which handle to route through
//! A vCPU thread's hot path is a [`QsbrRouter`]: no locked instruction per trap. A
//! [`CpuRouter`] pays one (an atomic swap), the shared [`UndefRouter`] two (an atomic
//! increment and decrement); both need no reporting discipline from the caller.
//! [`QsbrRouter::route_instruction_status`] returns the 16-byte [`RouteStatus`] in
//! registers, for callers that have the instruction, size and CPSR at hand already.
//! BENCHMARKS.md has the measured cost of each.
//!
//! # Modules, in reading order (bottom layer first)
//! Each module uses only the ones above it in this list; the everyday API is
//! re-exported at the crate root.
//! * `frame`, `sync`, `matcher`: the trap frame and the kernel's consequences, the
//!   atomics (std or loom), the bitset matcher (no crate imports);
//! * `error`: [`UndefError`];
//! * `fetch`, `hook`, `rcu`: instruction fetch, hooks and handlers, the RCU cell;
//! * `router`: `outcome` → `snapshot` → `route` (the routing core) → `shared`
//!   ([`UndefRouter`]) → `handle` ([`SlotRouter`]) → `cpu` / `qsbr` (its two read
//!   sides, [`CpuRouter`] and [`QsbrRouter`]).
//!
//! The kernel facts behind the routing rules are collected in `docs/undef.md`.
//!
//! # Features
//! * `std` (default): `std` support in `thiserror` (and in `tracing`, when that is
//!   on); writers yield the thread while waiting. Without it the crate is `no_std` +
//!   `alloc` and writers spin with [`core::hint::spin_loop`].
//! * `tracing` (default): every routed trap emits a `debug`-level `tracing` event
//!   with the CPU, the instruction and the hook name (or "no hook"). Off, the crate
//!   does not depend on `tracing` at all (bare-metal builds: `tracing-core` needs
//!   `alloc` and a global allocator); routing is the same either way.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;
#[cfg(test)]
extern crate std;

/// A `debug`-level `tracing` event with the `tracing` feature, nothing without
/// it (functions whose arguments only feed an event allow them unused then).
#[cfg(feature = "tracing")]
macro_rules! debug_event {
    ($($arg:tt)*) => { tracing::debug!($($arg)*) };
}
#[cfg(not(feature = "tracing"))]
macro_rules! debug_event {
    ($($arg:tt)*) => {};
}

#[cfg(test)]
mod tests {
    use super::*;

    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}

    #[test]
    fn shared_types_are_send_and_sync() {
        send_sync::<UndefRouter>();
        send_sync::<HookGuard>();
        send_sync::<UndefHook>();
        send::<CpuRouter>();
        send::<QsbrRouter>();
    }
}

mod error;
mod fetch;
mod frame;
mod hook;
mod matcher;
mod rcu;
mod router;
mod sync;

pub use error::UndefError;
pub use fetch::{fetch_instruction, FetchFault, InstructionMemory, THUMB_WIDE_FIRST};
pub use frame::{
    Consequence, InstrSize, TrapFrame, ILL_ILLOPC, MODE_MASK, OOPS_UNDEFINED_INSTRUCTION,
    PSR_T_BIT, SVC_MODE, UNDEF_TRAP_NO, USR_MODE,
};
pub use hook::{
    Handler, HandlerFn, HookId, HookRef, HookResult, UndefHook, DEBUG_REG_HOOK_INSTR_MASK,
    DEBUG_REG_HOOK_INSTR_VAL,
};
pub use router::{
    CpuRouter, CpuSlot, Fallback, HookGuard, HookInfo, QsbrRouter, QsbrSlot, ReadSide,
    RouteOutcome, RouteStatus, SlotRouter, UndefRouter, UnhandledReason, DEFAULT_MAX_CPUS,
};
