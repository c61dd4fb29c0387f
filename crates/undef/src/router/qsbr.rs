//! [`QsbrRouter`]: a claimed slot read without barriers while online
//! (quiescent-state-based reclamation, `rcu.rs`'s QSBR readers), and the handle's
//! online/offline/report methods.

use crate::frame::{InstrSize, TrapFrame};
use crate::hook::UndefHook;

use super::handle::{sealed::ReadSideImpl, ReadSide, SlotRouter};
use super::outcome::Outcome;
use super::route::route_in;
use super::shared::{HookGuard, Inner, UndefRouter};

/// The [`ReadSide`] of a [`QsbrRouter`]: while online, a route is a pointer load, the
/// match and the call, then a quiescent-state report (no atomic read-modify-write, no
/// fence); offline, the [`CpuSlot`](super::CpuSlot) path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct QsbrSlot;

/// A per-vCPU routing handle with a barrier-free read side: quiescent-state-based
/// reclamation (QSBR), as liburcu's `urcu-qsbr` or the kernel's RCU for vCPU threads
/// (see [`UndefRouter::qsbr_handle`]).
///
/// # Cost
/// While the handle is *online*, [`QsbrRouter::route_instruction`] loads the current
/// snapshot pointer (`Acquire`), matches and calls the hook, then reports a quiescent
/// state: one more `Acquire` load of the router's grace-period counter and, only if a
/// writer advanced it since the last report, one `Release` store to the handle's own
/// cache line. No atomic read-modify-write, no fence. While *offline* it still routes
/// correctly, through the same slot as a [`CpuRouter`](super::CpuRouter) (one locked instruction).
///
/// # Guarantees
/// The same as for the other routing paths (crate docs, "Concurrency guarantees"): when
/// `unregister` returns, no route through any handle, online or offline, is running
/// the hook's handler or can start it; a route that runs entirely while a hook is
/// registered calls it (or an earlier-registered matching hook); a route sees one
/// snapshot.
///
/// # The caller's obligation
/// Every `register`/`unregister` on the router waits until each **online** QSBR handle
/// has reported a quiescent state after the writer published its change. A handle
/// reports at the end of every route, on [`QsbrRouter::quiescent`], and when it goes
/// [`offline`](QsbrRouter::offline) or is dropped. So:
/// * a vCPU thread that holds an online handle must report at natural points (every
///   guest entry, say) or go offline before it halts, blocks or sleeps for long —
///   otherwise writers wait (spin/yield) until it does;
/// * the thread holding an online handle must not call [`UndefRouter::register`] or
///   drop/unregister a [`HookGuard`] itself: the writer would wait for a report only
///   that thread can make (self-deadlock). Use [`QsbrRouter::register`] /
///   [`QsbrRouter::unregister`] (or wrap the call in [`QsbrRouter::with_offline`]),
///   which take the handle offline for the duration. The same holds for anything that
///   waits for another thread's writer (e.g. joining it);
/// * as for every path, handlers must not register or unregister on the same router.
///
/// Methods take `&mut self`, so one handle serves one trap at a time. `Send` (a vCPU may
/// migrate between threads; the state belongs to the handle), not `Sync`. Dropping it
/// goes offline and releases the CPU's slot.
pub type QsbrRouter = SlotRouter<QsbrSlot>;

impl ReadSide for QsbrSlot {}

impl ReadSideImpl for QsbrSlot {
    const NAME: &'static str = "QsbrRouter";

    #[inline(always)]
    fn route<O: Outcome>(
        handle: &mut QsbrRouter,
        frame: &mut TrapFrame,
        instr: u32,
        size: InstrSize,
    ) -> O {
        let inner = &*handle.router.inner;
        // Online (the common case): one way out of the section, no exit kind kept. The
        // index was checked by `qsbr_handle`; the slow path stays correct regardless.
        let cpu = handle.cpu;
        inner.hooks.with_qsbr(
            cpu as usize,
            frame,
            |snap, frame| route_in(snap, frame, instr, size),
            |frame| route_qsbr_slow(inner, cpu, frame, instr, size),
        )
    }

    fn release(router: &UndefRouter, cpu: u32) {
        let hooks = &router.inner.hooks;
        hooks.qsbr_offline(cpu as usize);
        hooks.unclaim(cpu as usize);
    }

    fn debug_fields(handle: &QsbrRouter, f: &mut core::fmt::DebugStruct<'_, '_>) {
        f.field("online", &handle.is_online());
    }
}

/// The QSBR handle's own methods: its online state and the writer calls that take it
/// offline for their duration.
impl SlotRouter<QsbrSlot> {
    /// Whether writers currently wait for this handle's reports.
    #[must_use]
    pub fn is_online(&self) -> bool {
        self.router.inner.hooks.qsbr_is_online(self.cpu as usize)
    }

    /// Reports a quiescent state: this thread holds no reference into any hook list
    /// (true between routes by construction). Cheap: one load, plus one release store
    /// to the handle's own cache line when a writer is waiting. No-op while offline.
    #[inline]
    pub fn quiescent(&mut self) {
        self.router.inner.hooks.qsbr_quiescent(self.cpu as usize);
    }

    /// Goes offline (one release store): writers stop waiting for this handle. Call it
    /// before the vCPU halts, blocks or sleeps. Routing keeps working while offline, at
    /// the cost of a [`CpuRouter`](super::CpuRouter) route. Idempotent.
    pub fn offline(&mut self) {
        self.router.inner.hooks.qsbr_offline(self.cpu as usize);
    }

    /// Comes back online (one full fence): routing is barrier-free again, and writers
    /// wait for this handle's reports. Idempotent.
    pub fn online(&mut self) {
        self.router.inner.hooks.qsbr_online(self.cpu as usize);
    }

    /// Runs `f` with the handle offline (restoring the previous state afterwards): for
    /// blocking calls, and for anything that may wait for a writer on this router.
    pub fn with_offline<R>(&mut self, f: impl FnOnce() -> R) -> R {
        let was_online = self.is_online();
        self.offline();
        let out = f();
        if was_online {
            self.online();
        }
        out
    }

    /// [`UndefRouter::register`] from the thread that holds this handle: goes offline
    /// for the duration, so the writer does not wait for this handle (see
    /// "The caller's obligation").
    pub fn register(&mut self, hook: UndefHook) -> HookGuard {
        let router = self.router.clone();
        self.with_offline(|| router.register(hook))
    }

    /// Unregisters `guard`'s hook from the thread that holds this handle (offline for
    /// the duration, as [`QsbrRouter::register`]). `guard` may belong to any router.
    pub fn unregister(&mut self, guard: HookGuard) {
        self.with_offline(|| guard.unregister());
    }
}

/// [`QsbrRouter`]'s route while its slot is offline (or out of range): through
/// `RcuCell::read_qsbr`'s other read paths. Out of line, off the hot path.
#[cold]
#[inline(never)]
fn route_qsbr_slow<O: Outcome>(
    inner: &Inner,
    cpu: u32,
    frame: &mut TrapFrame,
    instr: u32,
    size: InstrSize,
) -> O {
    let snap = inner.hooks.read_qsbr(cpu as usize);
    route_in(&snap, frame, instr, size)
}
