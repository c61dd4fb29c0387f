//! Setting up and removing states (`cpuhp_setup_state*`, `cpuhp_remove_state*`).

use std::sync::Arc;

use crate::context::IrqsOff;
use crate::error::{BugKind, CallbackError, CallbackFailure, CpuhpError, Direction};
use crate::state::{DynRange, State};
use crate::sync::lock;
use crate::CpuId;

use super::disable::CpusReadGuard;
use super::table::{Callback, Callbacks, InstanceId, MultiCallback, Step};
use super::Hotplug;

impl Hotplug {
    // ----- issuing one state's callback on CPUs (setup/remove/instances) ----

    /// `cpuhp_issue_call`: run one callback for `cpu` in the state's context
    /// (AP states on the target CPU, atomic ones with interrupts off; BP
    /// states directly on the caller).
    pub(super) fn issue(
        &self,
        cpu: CpuId,
        state: State,
        f: &(dyn Fn() -> Result<(), CallbackError> + Sync),
    ) -> Result<Result<(), CallbackError>, CpuhpError> {
        if self.take_fail(cpu, state) {
            return Ok(Err(CallbackError::EAGAIN));
        }
        if state.is_ap_state() {
            let mut r = Ok(());
            self.executor.run_on(cpu, &mut || {
                let _irqs = state.is_atomic().then(IrqsOff::enter);
                r = self.call_user(cpu, state, f);
            })?;
            Ok(r)
        } else {
            Ok(self.call_user(cpu, state, f))
        }
    }

    pub(super) fn unregister(&self, state: State) {
        let mut g = lock(&self.table);
        if let Some(step) = Arc::make_mut(&mut g).steps.get_mut(state.index()) {
            *step = Step::EMPTY;
        }
    }

    pub(super) fn bug(&self, kind: BugKind) -> CpuhpError {
        self.warn(format!("kernel BUG: {kind}"));
        CpuhpError::Bug(kind)
    }

    /// Run `teardown` for `instance` on every CPU `< failed` whose state is
    /// at least `state`, ascending (`cpuhp_rollback_install`). A failure is
    /// a kernel BUG.
    pub(super) fn rollback_install(
        &self,
        failed: CpuId,
        state: State,
        name: &str,
        instance: Option<InstanceId>,
        teardown: &(dyn Fn(CpuId) -> Result<(), CallbackError> + Sync),
    ) -> Result<(), CpuhpError> {
        for cpu in 0..failed {
            if self.st(cpu) < state {
                continue;
            }
            if let Err(error) = self.issue(cpu, state, &|| teardown(cpu))? {
                return Err(self.bug(BugKind::TeardownFailed(CallbackFailure {
                    state,
                    name: name.to_owned(),
                    cpu,
                    instance,
                    direction: Direction::Teardown,
                    error,
                })));
            }
        }
        Ok(())
    }

    /// Store the callbacks for `state` (allocating a dynamic slot if asked)
    /// and return the number used.
    pub(super) fn store(
        &self,
        state: State,
        name: &str,
        cbs: Callbacks,
    ) -> Result<State, CpuhpError> {
        let mut g = lock(&self.table);
        let number = match state {
            s if s == State::AP_ONLINE_DYN || s == State::BP_PREPARE_DYN => {
                let range = if s == State::AP_ONLINE_DYN {
                    DynRange::ApOnline
                } else {
                    DynRange::BpPrepare
                };
                let free = (range.first().raw()..=range.last().raw())
                    .map(State::from_raw)
                    .find(|&c| g.step(c).name.is_none());
                match free {
                    Some(c) => c,
                    None => {
                        drop(g);
                        self.warn("No more dynamic states available for CPU hotplug".to_owned());
                        return Err(CpuhpError::NoDynamicSlot { range });
                    }
                }
            }
            s => s,
        };
        if let Some(existing) = &g.step(number).name {
            return Err(CpuhpError::StateBusy {
                state: number,
                name: existing.to_string(),
            });
        }
        if let Some(step) = Arc::make_mut(&mut g).steps.get_mut(number.index()) {
            *step = Step {
                name: Some(Arc::from(name)),
                core: false,
                cbs,
            };
        }
        Ok(number)
    }

    pub(super) fn validate(state: State, name: &str) -> Result<(), CpuhpError> {
        if state <= State::OFFLINE || state >= State::ONLINE {
            return Err(CpuhpError::InvalidState { state });
        }
        if name.is_empty() {
            return Err(CpuhpError::EmptyName { state });
        }
        Ok(())
    }

    pub(super) fn setup_common(
        &self,
        state: State,
        name: &str,
        startup: Option<Callback>,
        teardown: Option<Callback>,
        invoke: bool,
    ) -> Result<State, CpuhpError> {
        Self::validate(state, name)?;
        let span = tracing::info_span!(target: "cpuhp", "cpuhp_setup_state", state = state.raw(), name, number = tracing::field::Empty, invoke);
        let _span = span.enter();
        let _ops = lock(&self.ops);
        let cbs = Callbacks::Single {
            startup: startup.clone(),
            teardown: teardown.clone(),
        };
        let number = self.store(state, name, cbs)?;
        span.record("number", number.raw());
        let Some(startup) = startup.filter(|_| invoke) else {
            return Ok(number);
        };
        for cpu in 0..self.cpus.len() {
            if self.st(cpu) < number {
                continue;
            }
            let error = match self.issue(cpu, number, &|| startup(cpu)) {
                Ok(Ok(())) => continue,
                Ok(Err(error)) => CpuhpError::Callback(CallbackFailure {
                    state: number,
                    name: name.to_owned(),
                    cpu,
                    instance: None,
                    direction: Direction::Startup,
                    error,
                }),
                Err(other) => other,
            };
            let rolled = match &teardown {
                Some(td) => self.rollback_install(cpu, number, name, None, &|c| td(c)),
                None => Ok(()),
            };
            self.unregister(number);
            rolled?;
            return Err(error);
        }
        Ok(number)
    }

    /// Register `startup`/`teardown` at `state` and run `startup` on every
    /// CPU whose state is at least the state's (in CPU order, each in the
    /// state's context), taking the read lock itself (`cpuhp_setup_state`).
    ///
    /// `state` is a static state or [`State::AP_ONLINE_DYN`] /
    /// [`State::BP_PREPARE_DYN`] to allocate the lowest free slot of that
    /// range. Returns the state number used. If a startup fails on CPU X, the
    /// teardown (if any) runs on the CPUs before X in ascending order (not on
    /// X), the state is unregistered and the error returned.
    ///
    /// # Errors
    /// [`CpuhpError::InvalidState`], [`CpuhpError::EmptyName`],
    /// [`CpuhpError::StateBusy`], [`CpuhpError::NoDynamicSlot`],
    /// [`CpuhpError::Callback`], [`CpuhpError::Bug`] (a rollback teardown
    /// failed), [`CpuhpError::ReadLockHeld`] if this thread holds the read
    /// lock (use [`Hotplug::setup_state_cpuslocked`]),
    /// [`CpuhpError::InsideCallback`].
    pub fn setup_state(
        &self,
        state: State,
        name: &str,
        startup: Option<Callback>,
        teardown: Option<Callback>,
    ) -> Result<State, CpuhpError> {
        self.check_reentry("setup_state")?;
        let _g = self.cpus_read_lock()?;
        self.setup_common(state, name, startup, teardown, true)
    }

    /// [`Hotplug::setup_state`] for a caller that holds the read lock
    /// (`cpuhp_setup_state_cpuslocked`).
    ///
    /// # Errors
    /// As [`Hotplug::setup_state`], plus [`CpuhpError::ForeignGuard`].
    pub fn setup_state_cpuslocked(
        &self,
        guard: &CpusReadGuard<'_>,
        state: State,
        name: &str,
        startup: Option<Callback>,
        teardown: Option<Callback>,
    ) -> Result<State, CpuhpError> {
        self.check_guard(guard, "setup_state_cpuslocked")?;
        self.setup_common(state, name, startup, teardown, true)
    }

    /// Register without invoking any callback (`cpuhp_setup_state_nocalls`).
    ///
    /// # Errors
    /// As [`Hotplug::setup_state`] minus the callback errors.
    pub fn setup_state_nocalls(
        &self,
        state: State,
        name: &str,
        startup: Option<Callback>,
        teardown: Option<Callback>,
    ) -> Result<State, CpuhpError> {
        self.check_reentry("setup_state_nocalls")?;
        let _g = self.cpus_read_lock()?;
        self.setup_common(state, name, startup, teardown, false)
    }

    /// [`Hotplug::setup_state_nocalls`] under a held read lock.
    ///
    /// # Errors
    /// As [`Hotplug::setup_state_nocalls`], plus [`CpuhpError::ForeignGuard`].
    pub fn setup_state_nocalls_cpuslocked(
        &self,
        guard: &CpusReadGuard<'_>,
        state: State,
        name: &str,
        startup: Option<Callback>,
        teardown: Option<Callback>,
    ) -> Result<State, CpuhpError> {
        self.check_guard(guard, "setup_state_nocalls_cpuslocked")?;
        self.setup_common(state, name, startup, teardown, false)
    }

    /// Register a multi-instance state (`cpuhp_setup_state_multi`): stores the
    /// callbacks only, never invokes them; instances are added with
    /// [`Hotplug::add_instance`].
    ///
    /// # Errors
    /// [`CpuhpError::InvalidState`], [`CpuhpError::EmptyName`],
    /// [`CpuhpError::StateBusy`], [`CpuhpError::NoDynamicSlot`],
    /// [`CpuhpError::ReadLockHeld`], [`CpuhpError::InsideCallback`].
    pub fn setup_state_multi(
        &self,
        state: State,
        name: &str,
        startup: Option<MultiCallback>,
        teardown: Option<MultiCallback>,
    ) -> Result<State, CpuhpError> {
        self.check_reentry("setup_state_multi")?;
        let _g = self.cpus_read_lock()?;
        Self::validate(state, name)?;
        let _span = tracing::info_span!(target: "cpuhp", "cpuhp_setup_state_multi", state = state.raw(), name).entered();
        let _ops = lock(&self.ops);
        self.store(
            state,
            name,
            Callbacks::Multi {
                startup,
                teardown,
                instances: Vec::new(),
            },
        )
    }

    pub(super) fn remove_common(&self, state: State, invoke: bool) -> Result<(), CpuhpError> {
        if state <= State::OFFLINE || state >= State::ONLINE {
            return Err(self.bug(BugKind::InvalidState(state)));
        }
        let _span =
            tracing::info_span!(target: "cpuhp", "cpuhp_remove_state", state = state.raw(), invoke)
                .entered();
        let _ops = lock(&self.ops);
        let t = self.snapshot();
        let step = t.step(state);
        if step.core {
            return Err(CpuhpError::CoreState {
                state,
                name: State::CORE
                    .iter()
                    .find(|(s, _)| *s == state)
                    .map_or("core", |(_, n)| n),
            });
        }
        match &step.cbs {
            Callbacks::Multi { instances, .. } if !instances.is_empty() => {
                self.warn(format!(
                    "Error: Removing state {state} which has instances left."
                ));
            }
            Callbacks::Single {
                teardown: Some(td), ..
            } if invoke => {
                for cpu in 0..self.cpus.len() {
                    if self.st(cpu) < state {
                        continue;
                    }
                    if let Err(error) = self.issue(cpu, state, &|| td(cpu))? {
                        return Err(self.bug(BugKind::TeardownFailed(CallbackFailure {
                            state,
                            name: t.name(state),
                            cpu,
                            instance: None,
                            direction: Direction::Teardown,
                            error,
                        })));
                    }
                }
            }
            _ => {}
        }
        // Release the snapshot first so the copy-on-write update below does
        // not have to copy the table.
        drop(t);
        self.unregister(state);
        Ok(())
    }

    /// Unregister `state`, running its teardown on every CPU whose state is
    /// at least `state`, ascending (`cpuhp_remove_state`). A multi-instance
    /// state is removed without calls (warning if instances are left).
    /// Removing an unregistered state is a no-op, as in the kernel.
    ///
    /// # Errors
    /// [`CpuhpError::Bug`] for a number outside the registrable range or a
    /// failing teardown (the state then stays registered),
    /// [`CpuhpError::CoreState`], [`CpuhpError::ReadLockHeld`],
    /// [`CpuhpError::InsideCallback`].
    pub fn remove_state(&self, state: State) -> Result<(), CpuhpError> {
        self.check_reentry("remove_state")?;
        let _g = self.cpus_read_lock()?;
        self.remove_common(state, true)
    }

    /// [`Hotplug::remove_state`] under a held read lock.
    ///
    /// # Errors
    /// As [`Hotplug::remove_state`], plus [`CpuhpError::ForeignGuard`].
    pub fn remove_state_cpuslocked(
        &self,
        guard: &CpusReadGuard<'_>,
        state: State,
    ) -> Result<(), CpuhpError> {
        self.check_guard(guard, "remove_state_cpuslocked")?;
        self.remove_common(state, true)
    }

    /// Unregister `state` without invoking callbacks
    /// (`cpuhp_remove_state_nocalls`).
    ///
    /// # Errors
    /// As [`Hotplug::remove_state`] minus the teardown failure.
    pub fn remove_state_nocalls(&self, state: State) -> Result<(), CpuhpError> {
        self.check_reentry("remove_state_nocalls")?;
        let _g = self.cpus_read_lock()?;
        self.remove_common(state, false)
    }

    /// [`Hotplug::remove_state_nocalls`] under a held read lock
    /// (`cpuhp_remove_state_nocalls_cpuslocked`).
    ///
    /// # Errors
    /// As [`Hotplug::remove_state_nocalls`], plus [`CpuhpError::ForeignGuard`].
    pub fn remove_state_nocalls_cpuslocked(
        &self,
        guard: &CpusReadGuard<'_>,
        state: State,
    ) -> Result<(), CpuhpError> {
        self.check_guard(guard, "remove_state_nocalls_cpuslocked")?;
        self.remove_common(state, false)
    }

    /// Unregister a multi-instance state (`cpuhp_remove_multi_state`): never
    /// runs callbacks; warns "Error: Removing state %d which has instances
    /// left." if any are.
    ///
    /// # Errors
    /// As [`Hotplug::remove_state_nocalls`].
    pub fn remove_multi_state(&self, state: State) -> Result<(), CpuhpError> {
        self.check_reentry("remove_multi_state")?;
        let _g = self.cpus_read_lock()?;
        self.remove_common(state, false)
    }
}
