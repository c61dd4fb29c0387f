//! The hotplug lock (`cpus_read_lock`) and hotplug disable (`cpu_hotplug_disable`).

use std::fmt;
use std::marker::PhantomData;

use crate::context::{self};
use crate::error::CpuhpError;
use crate::sync::lock;
use crate::CpuId;

use super::Hotplug;

/// Proof that the calling thread holds the registry's hotplug read lock
/// (`cpus_read_lock`). While any guard is alive no CPU of the registry changes
/// state: `cpu_up`/`cpu_down` from other threads wait. Dropping it releases
/// the lock. Not `Send`: it must be released by the thread that took it.
#[must_use = "the hotplug read lock is released when the guard is dropped"]
pub struct CpusReadGuard<'a> {
    hp: &'a Hotplug,
    _not_send: PhantomData<*const ()>,
}

impl fmt::Debug for CpusReadGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CpusReadGuard")
            .field("registry", &self.hp.id)
            .finish()
    }
}

impl Drop for CpusReadGuard<'_> {
    fn drop(&mut self) {
        self.hp.lock.read_unlock();
        context::note_read_released(self.hp.id);
    }
}

/// Keeps CPU hotplug disabled on a registry (`cpu_hotplug_disable`, see
/// [`Hotplug::cpu_hotplug_disable`]); dropping it is the matching
/// `cpu_hotplug_enable`. Guards nest: hotplug is enabled again when the last
/// one is dropped. It may be dropped on any thread (the kernel pairs the two
/// calls across suspend and resume).
#[must_use = "CPU hotplug is enabled again when the guard is dropped"]
pub struct HotplugDisabledGuard<'a> {
    hp: &'a Hotplug,
}

impl fmt::Debug for HotplugDisabledGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HotplugDisabledGuard")
            .field("registry", &self.hp.id)
            .finish()
    }
}

impl Drop for HotplugDisabledGuard<'_> {
    fn drop(&mut self) {
        let mut depth = lock(&self.hp.maps);
        // Each guard added one; the depth cannot be zero while one is alive.
        *depth = depth.saturating_sub(1);
        tracing::debug!(target: "cpuhp", depth = *depth, "cpu_hotplug_enable");
    }
}

impl Hotplug {
    // ----- the lock ------------------------------------------------------

    pub(super) fn check_reentry(&self, op: &'static str) -> Result<(), CpuhpError> {
        if context::in_callback_of(self.id) {
            return Err(CpuhpError::InsideCallback { op });
        }
        if context::read_held(self.id) {
            return Err(CpuhpError::ReadLockHeld { op });
        }
        Ok(())
    }

    pub(super) fn check_guard(
        &self,
        guard: &CpusReadGuard<'_>,
        op: &'static str,
    ) -> Result<(), CpuhpError> {
        if !std::ptr::eq(guard.hp, self) {
            return Err(CpuhpError::ForeignGuard { op });
        }
        if context::in_callback_of(self.id) {
            return Err(CpuhpError::InsideCallback { op });
        }
        Ok(())
    }

    /// Take the hotplug read lock (`cpus_read_lock`). Blocks while a CPU
    /// transition runs or waits to run.
    ///
    /// # Errors
    /// [`CpuhpError::ReadLockHeld`] if this thread already holds it (the
    /// kernel's lock is not recursive), [`CpuhpError::InsideCallback`] from a
    /// callback of this registry. Both would deadlock in the kernel.
    pub fn cpus_read_lock(&self) -> Result<CpusReadGuard<'_>, CpuhpError> {
        self.check_reentry("cpus_read_lock")?;
        self.lock.read();
        context::note_read_held(self.id);
        Ok(CpusReadGuard {
            hp: self,
            _not_send: PhantomData,
        })
    }

    /// Try to take the hotplug read lock without waiting (`cpus_read_trylock`);
    /// `None` while a CPU transition runs or waits to run.
    pub fn cpus_read_trylock(&self) -> Option<CpusReadGuard<'_>> {
        if !self.lock.try_read() {
            return None;
        }
        context::note_read_held(self.id);
        Some(CpusReadGuard {
            hp: self,
            _not_send: PhantomData,
        })
    }

    // ----- CPU transitions -------------------------------------------------

    /// `cpu_maps_update_begin` plus the `cpu_hotplug_disabled` test of
    /// `do_cpu_up`/`do_cpu_down`: the whole-operation lock, or `-EBUSY` while
    /// hotplug is disabled (tested before the CPU's state, as the kernel does).
    pub(super) fn maps_update_begin(
        &self,
        op: &'static str,
        cpu: CpuId,
    ) -> Result<crate::sync::MutexGuard<'_, usize>, CpuhpError> {
        let maps = lock(&self.maps);
        if *maps > 0 {
            return Err(CpuhpError::HotplugDisabled {
                op,
                cpu,
                depth: *maps,
            });
        }
        Ok(maps)
    }

    /// Disable CPU hotplug (`cpu_hotplug_disable`) until the returned guard
    /// is dropped: from then on `cpu_up` and `cpu_down` fail with
    /// [`CpuhpError::HotplugDisabled`] (`-EBUSY`) and change nothing. Waits for
    /// a `cpu_up`/`cpu_down` in progress to finish first (the kernel takes
    /// `cpu_add_remove_lock`). Nests: each guard counts once. State setup,
    /// removal and instances are not affected (the kernel's are not either).
    ///
    /// # Errors
    /// [`CpuhpError::ReadLockHeld`] when this thread holds the hotplug read
    /// lock, [`CpuhpError::InsideCallback`] from a hotplug callback of this
    /// registry: both would deadlock behind a waiting or running transition.
    pub fn cpu_hotplug_disable(&self) -> Result<HotplugDisabledGuard<'_>, CpuhpError> {
        self.check_reentry("cpu_hotplug_disable")?;
        let mut depth = lock(&self.maps);
        *depth += 1;
        tracing::debug!(target: "cpuhp", depth = *depth, "cpu_hotplug_disable");
        Ok(HotplugDisabledGuard { hp: self })
    }

    /// How many [`HotplugDisabledGuard`]s are alive (the kernel's
    /// `cpu_hotplug_disabled`); hotplug is enabled when it is 0. Waits for a
    /// transition in progress, like [`Hotplug::cpu_hotplug_disable`].
    pub fn cpu_hotplug_disable_depth(&self) -> usize {
        *lock(&self.maps)
    }
}
