//! Multi-instance states: adding and removing instances.

use std::sync::Arc;

use crate::error::{BugKind, CallbackFailure, CpuhpError, Direction};
use crate::state::State;
use crate::sync::lock;

use super::disable::CpusReadGuard;
use super::table::{Callbacks, InstanceId, Step};
use super::Hotplug;

impl Hotplug {
    /// Edits the instance list of multi-instance `state` in the copy-on-write
    /// table (nothing for any other kind of state).
    fn edit_instances(&self, state: State, edit: impl FnOnce(&mut Vec<InstanceId>)) {
        let mut g = lock(&self.table);
        if let Some(Step {
            cbs: Callbacks::Multi { instances, .. },
            ..
        }) = Arc::make_mut(&mut g).steps.get_mut(state.index())
        {
            edit(instances);
        }
    }

    pub(super) fn add_instance_common(
        &self,
        state: State,
        instance: InstanceId,
        invoke: bool,
    ) -> Result<(), CpuhpError> {
        if state <= State::OFFLINE || state >= State::ONLINE {
            return Err(CpuhpError::InvalidState { state });
        }
        let _span = tracing::info_span!(target: "cpuhp", "cpuhp_add_instance", state = state.raw(), instance = instance.0, invoke).entered();
        let _ops = lock(&self.ops);
        let t = self.snapshot();
        let Callbacks::Multi {
            startup,
            teardown,
            instances,
        } = &t.step(state).cbs
        else {
            return Err(CpuhpError::NotMultiInstance { state });
        };
        if instances.contains(&instance) {
            return Err(CpuhpError::DuplicateInstance { state, instance });
        }
        if let Some(st) = startup.as_ref().filter(|_| invoke) {
            for cpu in 0..self.cpus.len() {
                if self.st(cpu) < state {
                    continue;
                }
                let error = match self.issue(cpu, state, &|| st(cpu, instance)) {
                    Ok(Ok(())) => continue,
                    Ok(Err(error)) => CpuhpError::Callback(CallbackFailure {
                        state,
                        name: t.name(state),
                        cpu,
                        instance: Some(instance),
                        direction: Direction::Startup,
                        error,
                    }),
                    Err(other) => other,
                };
                if let Some(td) = teardown {
                    self.rollback_install(cpu, state, &t.name(state), Some(instance), &|c| {
                        td(c, instance)
                    })?;
                }
                return Err(error);
            }
        }
        drop(t); // see remove_common
        self.edit_instances(state, |instances| instances.insert(0, instance));
        Ok(())
    }

    /// Add `instance` to multi-instance `state`, running its startup on every
    /// CPU whose state is at least `state`, ascending
    /// (`cpuhp_state_add_instance`). On failure at CPU X the instance's
    /// teardown runs on the CPUs before X and the instance is not added. A
    /// successful instance goes to the head of the list (newest first).
    ///
    /// # Errors
    /// [`CpuhpError::InvalidState`], [`CpuhpError::NotMultiInstance`],
    /// [`CpuhpError::DuplicateInstance`], [`CpuhpError::Callback`],
    /// [`CpuhpError::Bug`], [`CpuhpError::ReadLockHeld`],
    /// [`CpuhpError::InsideCallback`].
    pub fn add_instance(&self, state: State, instance: InstanceId) -> Result<(), CpuhpError> {
        self.check_reentry("add_instance")?;
        let _g = self.cpus_read_lock()?;
        self.add_instance_common(state, instance, true)
    }

    /// [`Hotplug::add_instance`] without invoking callbacks.
    ///
    /// # Errors
    /// As [`Hotplug::add_instance`] minus the callback errors.
    pub fn add_instance_nocalls(
        &self,
        state: State,
        instance: InstanceId,
    ) -> Result<(), CpuhpError> {
        self.check_reentry("add_instance_nocalls")?;
        let _g = self.cpus_read_lock()?;
        self.add_instance_common(state, instance, false)
    }

    /// [`Hotplug::add_instance_nocalls`] under a held read lock.
    ///
    /// # Errors
    /// As [`Hotplug::add_instance_nocalls`], plus [`CpuhpError::ForeignGuard`].
    pub fn add_instance_nocalls_cpuslocked(
        &self,
        guard: &CpusReadGuard<'_>,
        state: State,
        instance: InstanceId,
    ) -> Result<(), CpuhpError> {
        self.check_guard(guard, "add_instance_nocalls_cpuslocked")?;
        self.add_instance_common(state, instance, false)
    }

    pub(super) fn remove_instance_common(
        &self,
        state: State,
        instance: InstanceId,
        invoke: bool,
    ) -> Result<(), CpuhpError> {
        if state <= State::OFFLINE || state >= State::ONLINE {
            return Err(self.bug(BugKind::InvalidState(state)));
        }
        let _span = tracing::info_span!(target: "cpuhp", "cpuhp_remove_instance", state = state.raw(), instance = instance.0, invoke).entered();
        let _ops = lock(&self.ops);
        let t = self.snapshot();
        let Callbacks::Multi {
            teardown,
            instances,
            ..
        } = &t.step(state).cbs
        else {
            return Err(CpuhpError::NotMultiInstance { state });
        };
        if !instances.contains(&instance) {
            return Err(CpuhpError::UnknownInstance { state, instance });
        }
        if let Some(td) = teardown.as_ref().filter(|_| invoke) {
            for cpu in 0..self.cpus.len() {
                if self.st(cpu) < state {
                    continue;
                }
                if let Err(error) = self.issue(cpu, state, &|| td(cpu, instance))? {
                    return Err(self.bug(BugKind::TeardownFailed(CallbackFailure {
                        state,
                        name: t.name(state),
                        cpu,
                        instance: Some(instance),
                        direction: Direction::Teardown,
                        error,
                    })));
                }
            }
        }
        drop(t); // see remove_common
        self.edit_instances(state, |instances| instances.retain(|&i| i != instance));
        Ok(())
    }

    /// Remove `instance` from multi-instance `state`, running its teardown
    /// on every CPU whose state is at least `state`, ascending
    /// (`cpuhp_state_remove_instance`).
    ///
    /// # Errors
    /// [`CpuhpError::Bug`] (invalid number or failing teardown),
    /// [`CpuhpError::NotMultiInstance`], [`CpuhpError::UnknownInstance`],
    /// [`CpuhpError::ReadLockHeld`], [`CpuhpError::InsideCallback`].
    pub fn remove_instance(&self, state: State, instance: InstanceId) -> Result<(), CpuhpError> {
        self.check_reentry("remove_instance")?;
        let _g = self.cpus_read_lock()?;
        self.remove_instance_common(state, instance, true)
    }

    /// [`Hotplug::remove_instance`] without invoking callbacks.
    ///
    /// # Errors
    /// As [`Hotplug::remove_instance`] minus the teardown failure.
    pub fn remove_instance_nocalls(
        &self,
        state: State,
        instance: InstanceId,
    ) -> Result<(), CpuhpError> {
        self.check_reentry("remove_instance_nocalls")?;
        let _g = self.cpus_read_lock()?;
        self.remove_instance_common(state, instance, false)
    }

    /// The instances of multi-instance `state`, in list order (newest first);
    /// empty for any other state.
    pub fn instances(&self, state: State) -> Vec<InstanceId> {
        match &self.snapshot().step(state).cbs {
            Callbacks::Multi { instances, .. } => instances.clone(),
            _ => Vec::new(),
        }
    }
}
