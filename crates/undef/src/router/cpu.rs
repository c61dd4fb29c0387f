//! [`CpuRouter`]: a claimed slot entered with one atomic swap (the read side of
//! `rcu.rs`'s owned slots).

use crate::frame::{InstrSize, TrapFrame};

use super::handle::{sealed::ReadSideImpl, ReadSide, SlotRouter};
use super::outcome::Outcome;
use super::route::route_in;
use super::shared::UndefRouter;

/// The [`ReadSide`] of a [`CpuRouter`]: entering the slot is one atomic swap, leaving
/// it a plain release store (one locked instruction per trap; the shared router pays
/// two). The caller owes no reporting discipline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CpuSlot;

/// A per-vCPU routing handle (see [`UndefRouter::claim_cpu`]): one locked instruction
/// per trap. The routing methods are [`SlotRouter`]'s.
pub type CpuRouter = SlotRouter<CpuSlot>;

impl ReadSide for CpuSlot {}

impl ReadSideImpl for CpuSlot {
    const NAME: &'static str = "CpuRouter";

    #[inline(always)]
    fn route<O: Outcome>(
        handle: &mut CpuRouter,
        frame: &mut TrapFrame,
        instr: u32,
        size: InstrSize,
    ) -> O {
        let inner = &handle.router.inner;
        let snap = match inner.hooks.read_owned(handle.cpu as usize) {
            Some(snap) => snap,
            // Unreachable: `claim_cpu` checked the index. Stay correct regardless.
            None => inner.hooks.read(handle.cpu),
        };
        route_in(&snap, frame, instr, size)
    }

    fn release(router: &UndefRouter, cpu: u32) {
        router.inner.hooks.unclaim(cpu as usize);
    }

    fn debug_fields(_: &CpuRouter, _: &mut core::fmt::DebugStruct<'_, '_>) {}
}
