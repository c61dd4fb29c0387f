//! The CPU PM notifier chain (the kernel's `cpu_pm_register_notifier`).

use std::sync::Arc;

use serde::Serialize;

use super::VcpuCtx;
use crate::oops::KernelOops;

/// A CPU power-management event (`CPU_PM_ENTER` / `CPU_PM_EXIT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum PmEvent {
    /// The CPU is about to enter a low-power state.
    Enter,
    /// The CPU resumed from it.
    Exit,
}

/// A CPU PM notifier (the kernel's `cpu_pm_register_notifier`): called on
/// the CPU the event is about.
pub trait PmNotifier: Send + Sync {
    /// Handles `event` on `ctx`'s CPU.
    ///
    /// # Errors
    /// A [`KernelOops`] if the notifier's register accesses trap unhandled.
    fn notify(&self, event: PmEvent, ctx: &mut VcpuCtx<'_>) -> Result<(), KernelOops>;
}

/// Identity of a registered [`PmNotifier`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PmNotifierId(pub(super) u64);

pub(super) type PmChain = Vec<(PmNotifierId, Arc<dyn PmNotifier>)>;
