//! The router: registration, snapshots and the routing hot path.
//!
//! Reading order, bottom first: [`outcome`] (what a route returns), [`snapshot`] (the
//! published hook list), [`route`] (the routing core over one snapshot), [`shared`]
//! (the [`UndefRouter`] and its registration), [`handle`] (the per-vCPU
//! [`SlotRouter`] with its routing methods written once), [`cpu`] and [`qsbr`] (its two
//! read sides).

mod cpu;
mod handle;
mod outcome;
mod qsbr;
mod route;
mod shared;
mod snapshot;
#[cfg(test)]
mod tests;

pub use cpu::{CpuRouter, CpuSlot};
pub use handle::{ReadSide, SlotRouter};
pub use outcome::{Fallback, RouteOutcome, RouteStatus, UnhandledReason};
pub use qsbr::{QsbrRouter, QsbrSlot};
pub use shared::{HookGuard, HookInfo, UndefRouter, DEFAULT_MAX_CPUS};
