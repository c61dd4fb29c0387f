//! The shared router: [`UndefRouter`] (registration, listing, the shared read path,
//! claiming CPU slots) and [`HookGuard`].

use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::error::UndefError;
use crate::fetch::InstructionMemory;
use crate::frame::{InstrSize, TrapFrame};
use crate::hook::{HookId, HookRef, UndefHook};
use crate::rcu::RcuCell;
use crate::sync::{AtomicU64, Ordering, WriterLock};

use super::cpu::CpuRouter;
use super::handle::SlotRouter;
use super::outcome::{Fallback, Outcome, RouteOutcome, RouteStatus};
use super::qsbr::QsbrRouter;
use super::route::{fetch_logged, route_in};
use super::snapshot::Snapshot;

/// CPU slots of a router made by [`UndefRouter::new`] / [`UndefRouter::with_fallback`].
#[cfg(not(loom))]
pub const DEFAULT_MAX_CPUS: u32 = 64;
/// CPU slots of a router made by [`UndefRouter::new`] (small under loom).
#[cfg(loom)]
pub const DEFAULT_MAX_CPUS: u32 = 2;

/// A registered hook as listed by [`UndefRouter::hooks`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HookInfo {
    /// Identity and name.
    pub hook: HookRef,
    /// Instruction mask.
    pub instr_mask: u32,
    /// Instruction value.
    pub instr_val: u32,
    /// CPSR mask.
    pub cpsr_mask: u32,
    /// CPSR value.
    pub cpsr_val: u32,
}

pub(super) struct Inner {
    pub(super) hooks: RcuCell<Snapshot>,
    pub(super) writer: WriterLock,
    pub(super) next_id: AtomicU64,
    pub(super) fallback: Fallback,
}

/// Routes Undefined Instruction traps to registered hooks; shared by all vCPUs.
///
/// Cheap to clone (all clones are the same router). See the crate docs for the
/// matching order, the concurrency guarantees and the design.
#[derive(Clone)]
pub struct UndefRouter {
    pub(super) inner: Arc<Inner>,
}

impl core::fmt::Debug for UndefRouter {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("UndefRouter")
            .field("fallback", &self.inner.fallback)
            .field("hooks", &self.hooks())
            .finish()
    }
}

impl Default for UndefRouter {
    fn default() -> Self {
        Self::new()
    }
}

/// Keeps a hook registered; unregisters it when dropped or on
/// [`HookGuard::unregister`].
///
/// Unregistering waits for a grace period: when it returns, no route is running the
/// hook's handler and none will start it. It must therefore not be called from inside a
/// handler running on the same router (it would wait for itself).
#[must_use = "dropping the guard unregisters the hook at once"]
pub struct HookGuard {
    router: Arc<Inner>,
    hook: HookRef,
}

impl core::fmt::Debug for HookGuard {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("HookGuard")
            .field("hook", &self.hook)
            .finish()
    }
}

impl HookGuard {
    /// The registered hook's identity and name.
    #[must_use]
    pub const fn hook(&self) -> HookRef {
        self.hook
    }

    /// Unregisters the hook now (same as dropping the guard, spelled out).
    pub fn unregister(self) {
        drop(self);
    }
}

impl Drop for HookGuard {
    fn drop(&mut self) {
        self.router.remove(self.hook.id);
    }
}

impl Inner {
    fn remove(&self, id: HookId) {
        let writer = self.writer.lock();
        let hooks: Vec<_> = {
            let snap = self.hooks.read(0);
            snap.hooks
                .iter()
                .filter(|(hid, _)| *hid != id)
                .cloned()
                .collect()
        };
        self.hooks
            .replace(Snapshot::build(hooks, self.fallback), &writer);
        debug_event!(hook = id.0, "undef hook unregistered");
    }
}

impl UndefRouter {
    /// An empty router with the kernel's policy ([`Fallback::None`]).
    #[must_use]
    pub fn new() -> Self {
        Self::with_fallback(Fallback::None)
    }

    /// An empty router with the given decline policy and [`DEFAULT_MAX_CPUS`] claimable
    /// CPU slots.
    #[must_use]
    pub fn with_fallback(fallback: Fallback) -> Self {
        Self::with_options(fallback, DEFAULT_MAX_CPUS)
    }

    /// An empty router with the given decline policy and room for `max_cpus`
    /// [`CpuRouter`] handles (CPUs `0..max_cpus`; 128 bytes each).
    #[must_use]
    pub fn with_options(fallback: Fallback, max_cpus: u32) -> Self {
        Self {
            inner: Arc::new(Inner {
                hooks: RcuCell::new(Snapshot::build(Vec::new(), fallback), max_cpus as usize),
                writer: WriterLock::new(),
                next_id: AtomicU64::new(1),
                fallback,
            }),
        }
    }

    /// The router's decline policy.
    #[must_use]
    pub fn fallback(&self) -> Fallback {
        self.inner.fallback
    }

    /// Registers `hook` (kernel: `register_undef_hook`). It is tried after every hook
    /// registered before it. Any route that starts after this returns sees it.
    ///
    /// Must not be called from inside a handler running on this router (it waits for a
    /// grace period, i.e. for that handler).
    pub fn register(&self, hook: UndefHook) -> HookGuard {
        let writer = self.inner.writer.lock();
        let id = HookId(self.inner.next_id.fetch_add(1, Ordering::Relaxed));
        let name = hook.name();
        let hooks: Vec<_> = {
            let snap = self.inner.hooks.read(0);
            let mut v = Vec::with_capacity(snap.hooks.len() + 1);
            v.extend(snap.hooks.iter().cloned());
            v.push((id, hook));
            v
        };
        self.inner
            .hooks
            .replace(Snapshot::build(hooks, self.inner.fallback), &writer);
        drop(writer);
        debug_event!(hook = id.0, name, "undef hook registered");
        HookGuard {
            router: Arc::clone(&self.inner),
            hook: HookRef { id, name },
        }
    }

    /// The registered hooks, earliest first (allocates; not for the hot path).
    #[must_use]
    pub fn hooks(&self) -> Vec<HookInfo> {
        let snap = self.inner.hooks.read(0);
        snap.hooks
            .iter()
            .map(|(id, h)| HookInfo {
                hook: HookRef {
                    id: *id,
                    name: h.name(),
                },
                instr_mask: h.instr_mask(),
                instr_val: h.instr_val(),
                cpsr_mask: h.cpsr_mask(),
                cpsr_val: h.cpsr_val(),
            })
            .collect()
    }

    /// Whether a hook with this id is registered.
    #[must_use]
    pub fn is_registered(&self, id: HookId) -> bool {
        self.inner.hooks.read(0).hooks.iter().any(|(h, _)| *h == id)
    }

    /// Fetches the instruction at the frame's PC from `mem` (kernel rules, see
    /// [`fetch_instruction`](crate::fetch::fetch_instruction)) and routes it.
    ///
    /// # Errors
    /// [`UndefError::FetchFault`] when the fetch faults; no hook is consulted and the
    /// frame is untouched (deliver [`Consequence::for_frame`](crate::frame::Consequence::for_frame)).
    pub fn route<M: InstructionMemory + ?Sized>(
        &self,
        frame: &mut TrapFrame,
        mem: &M,
    ) -> Result<RouteOutcome, UndefError> {
        let (instr, size) = fetch_logged(frame, mem)?;
        Ok(self.route_instruction(frame, instr, size))
    }

    /// Routes an already fetched instruction (the hot path): finds the
    /// earliest-registered hook whose patterns match `instr` and `frame.cpsr`, calls it,
    /// and applies the decline policy. No lock, no allocation.
    ///
    /// `instr` must be in the hooks' format: 16-bit Thumb zero-extended, 32-bit Thumb
    /// first-halfword-high.
    #[inline(always)]
    pub fn route_instruction(
        &self,
        frame: &mut TrapFrame,
        instr: u32,
        size: InstrSize,
    ) -> RouteOutcome {
        self.route_as(frame, instr, size)
    }

    /// As [`UndefRouter::route_instruction`] (same hooks called, same guarantees and
    /// events), returning the compact [`RouteStatus`] instead of a [`RouteOutcome`].
    #[inline(always)]
    pub fn route_instruction_status(
        &self,
        frame: &mut TrapFrame,
        instr: u32,
        size: InstrSize,
    ) -> RouteStatus {
        self.route_as(frame, instr, size)
    }

    /// The routing of both [`UndefRouter::route_instruction`] forms, for either
    /// outcome type.
    #[inline(always)]
    fn route_as<O: Outcome>(&self, frame: &mut TrapFrame, instr: u32, size: InstrSize) -> O {
        let snap = self.inner.hooks.read(frame.cpu);
        route_in(&snap, frame, instr, size)
    }

    /// Claims CPU `cpu`'s private reader slot and returns a per-vCPU routing handle.
    ///
    /// Routing through the handle is cheaper than through the shared router (one
    /// locked instruction per trap instead of two, see the crate docs); it gives the
    /// same results and guarantees. One handle per CPU at a time; dropping it releases
    /// the slot.
    ///
    /// # Errors
    /// [`UndefError::CpuOutOfRange`] when `cpu` ≥ the router's `max_cpus`;
    /// [`UndefError::CpuAlreadyClaimed`] when a live handle holds it.
    pub fn claim_cpu(&self, cpu: u32) -> Result<CpuRouter, UndefError> {
        self.claim_index(cpu)?;
        Ok(SlotRouter::claimed(self.clone(), cpu))
    }

    /// Claims CPU `cpu`'s private slot; returns its index.
    fn claim_index(&self, cpu: u32) -> Result<usize, UndefError> {
        let max = self.inner.hooks.owned_slots();
        let index = cpu as usize;
        if index >= max {
            return Err(UndefError::CpuOutOfRange {
                cpu,
                max_cpus: u32::try_from(max).unwrap_or(u32::MAX),
            });
        }
        if !self.inner.hooks.claim(index) {
            return Err(UndefError::CpuAlreadyClaimed { cpu });
        }
        Ok(index)
    }

    /// The number of CPUs that can hold a [`CpuRouter`] or [`QsbrRouter`].
    #[must_use]
    pub fn max_cpus(&self) -> u32 {
        u32::try_from(self.inner.hooks.owned_slots()).unwrap_or(u32::MAX)
    }

    /// Claims CPU `cpu`'s private slot and returns an **online** quiescent-state-based
    /// (QSBR) routing handle: routing through it does no atomic read-modify-write and
    /// no fence (see [`QsbrRouter`] for the caller's obligations).
    ///
    /// The slot is the one [`UndefRouter::claim_cpu`] uses: a CPU holds at most one
    /// handle of either kind at a time. Going online costs one full fence.
    ///
    /// # Errors
    /// [`UndefError::CpuOutOfRange`] when `cpu` ≥ the router's `max_cpus`;
    /// [`UndefError::CpuAlreadyClaimed`] when a live [`CpuRouter`] or [`QsbrRouter`]
    /// holds it.
    pub fn qsbr_handle(&self, cpu: u32) -> Result<QsbrRouter, UndefError> {
        let index = self.claim_index(cpu)?;
        self.inner.hooks.qsbr_online(index);
        Ok(SlotRouter::claimed(self.clone(), cpu))
    }
}
