//! The per-vCPU routing handle, once for both read sides: [`SlotRouter`] holds one
//! claimed CPU slot of an [`UndefRouter`] and routes through it; its [`ReadSide`]
//! parameter says how a route enters the read-side section ([`CpuSlot`]: one atomic
//! swap; [`QsbrSlot`]: barrier-free while online). The routing methods are written
//! here once; each read side adds only its section entry, its release and its own
//! methods (`cpu.rs`, `qsbr.rs`).

use core::marker::PhantomData;

use crate::error::UndefError;
use crate::fetch::InstructionMemory;
use crate::frame::{InstrSize, TrapFrame};

use super::outcome::{Outcome, RouteOutcome, RouteStatus};
use super::route::fetch_logged;
use super::shared::UndefRouter;

/// How a [`SlotRouter`] enters its slot's read-side section: [`CpuSlot`](super::CpuSlot) or
/// [`QsbrSlot`](super::QsbrSlot). Sealed: the crate's two read sides are the only ones.
pub trait ReadSide: sealed::ReadSideImpl {}

pub(super) mod sealed {
    use super::{InstrSize, Outcome, SlotRouter, TrapFrame, UndefRouter};

    /// The read side's part of a route, its release and its `Debug` form. `pub` in a
    /// private module: nameable by [`ReadSide`](super::ReadSide) only.
    pub trait ReadSideImpl: Sized {
        /// The handle's name in its `Debug` form.
        const NAME: &'static str;

        /// Routes one trap through `handle`'s slot (the hot path).
        fn route<O: Outcome>(
            handle: &mut SlotRouter<Self>,
            frame: &mut TrapFrame,
            instr: u32,
            size: InstrSize,
        ) -> O
        where
            Self: super::ReadSide;

        /// Leaves the read side and releases CPU `cpu`'s slot of `router` (on drop).
        fn release(router: &UndefRouter, cpu: u32);

        /// The read side's extra `Debug` fields.
        fn debug_fields(handle: &SlotRouter<Self>, f: &mut core::fmt::DebugStruct<'_, '_>)
        where
            Self: super::ReadSide;
    }
}

/// A per-vCPU routing handle: one claimed CPU slot of an [`UndefRouter`], entered the
/// way `K` says. Used through its two names, [`CpuRouter`](super::CpuRouter)
/// ([`UndefRouter::claim_cpu`]) and [`QsbrRouter`](super::QsbrRouter)
/// ([`UndefRouter::qsbr_handle`]).
///
/// Routes like [`UndefRouter::route_instruction`] / [`UndefRouter::route`] (same hooks
/// called, same outcome, same guarantees), through a reader slot only this handle uses.
/// Methods take `&mut self`, so a handle cannot be used for two traps at once. A vCPU
/// may migrate between threads with its handle (`Send`). Dropping it releases the slot.
pub struct SlotRouter<K: ReadSide> {
    pub(super) router: UndefRouter,
    pub(super) cpu: u32,
    kind: PhantomData<K>,
}

impl<K: ReadSide> SlotRouter<K> {
    /// A handle over CPU `cpu`'s slot, which the caller has just claimed.
    pub(super) const fn claimed(router: UndefRouter, cpu: u32) -> Self {
        Self {
            router,
            cpu,
            kind: PhantomData,
        }
    }

    /// The CPU whose slot this handle holds.
    #[must_use]
    pub const fn cpu(&self) -> u32 {
        self.cpu
    }

    /// The router this handle routes through.
    #[must_use]
    pub const fn router(&self) -> &UndefRouter {
        &self.router
    }

    /// As [`UndefRouter::route_instruction`], through this handle's slot (for a
    /// [`QsbrRouter`](super::QsbrRouter): barrier-free while online, ending with a
    /// quiescent-state report).
    #[inline(always)]
    pub fn route_instruction(
        &mut self,
        frame: &mut TrapFrame,
        instr: u32,
        size: InstrSize,
    ) -> RouteOutcome {
        K::route(self, frame, instr, size)
    }

    /// As [`SlotRouter::route_instruction`], returning the compact [`RouteStatus`] (see
    /// [`UndefRouter::route_instruction_status`]).
    #[inline(always)]
    pub fn route_instruction_status(
        &mut self,
        frame: &mut TrapFrame,
        instr: u32,
        size: InstrSize,
    ) -> RouteStatus {
        K::route(self, frame, instr, size)
    }

    /// As [`UndefRouter::route`].
    ///
    /// # Errors
    /// As [`UndefRouter::route`].
    pub fn route<M: InstructionMemory + ?Sized>(
        &mut self,
        frame: &mut TrapFrame,
        mem: &M,
    ) -> Result<RouteOutcome, UndefError> {
        let (instr, size) = fetch_logged(frame, mem)?;
        Ok(self.route_instruction(frame, instr, size))
    }
}

impl<K: ReadSide> core::fmt::Debug for SlotRouter<K> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let mut d = f.debug_struct(K::NAME);
        d.field("cpu", &self.cpu);
        K::debug_fields(self, &mut d);
        d.finish()
    }
}

impl<K: ReadSide> Drop for SlotRouter<K> {
    fn drop(&mut self) {
        K::release(&self.router, self.cpu);
    }
}
