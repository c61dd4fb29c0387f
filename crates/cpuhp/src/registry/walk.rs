//! The state walk: invoking callbacks, walking a CPU up and down with rollback,
//! `cpu_up` / `cpu_down`.

use crate::context::{InCallback, IrqsOff};
use crate::error::{CallbackError, CallbackFailure, CpuhpError, Direction};
use crate::lock::WriteGuard;
use crate::state::{Section, State};
use crate::sync::Ordering;
use crate::CpuId;

use super::table::{Callbacks, Mode, Table};
use super::Hotplug;

impl Hotplug {
    // ----- invoking callbacks ---------------------------------------------

    /// Call one user callback with trace events and the "inside a callback"
    /// marker, in the current context.
    pub(super) fn call_user(
        &self,
        cpu: CpuId,
        state: State,
        f: &dyn Fn() -> Result<(), CallbackError>,
    ) -> Result<(), CallbackError> {
        tracing::trace!(
            target: "cpuhp",
            cpu,
            target = self.cpus.get(cpu).map_or(0, |r| r.target.load(Ordering::Relaxed)),
            step = state.raw(),
            "cpuhp_enter"
        );
        let r = {
            let _cb = InCallback::enter(self.id);
            f()
        };
        tracing::trace!(
            target: "cpuhp",
            cpu,
            state = self.cpus.get(cpu).map_or(0, |r| r.state.load(Ordering::Relaxed)),
            step = state.raw(),
            ret = r.map_or_else(|e| -e.errno(), |()| 0),
            "cpuhp_exit"
        );
        r
    }

    /// Run `state`'s callback in direction `dir` for `cpu` in the *current*
    /// context: for a multi-instance state every instance in list order, and
    /// if one fails the instances already done are undone (opposite callback,
    /// list order) before the failure is returned.
    pub(super) fn invoke_step(
        &self,
        t: &Table,
        cpu: CpuId,
        state: State,
        dir: Direction,
    ) -> Result<(), CallbackFailure> {
        let fail = |instance, error| CallbackFailure {
            state,
            name: t.name(state),
            cpu,
            instance,
            direction: dir,
            error,
        };
        if self.take_fail(cpu, state) {
            return Err(fail(None, CallbackError::EAGAIN));
        }
        match &t.step(state).cbs {
            Callbacks::None => Ok(()),
            Callbacks::Single { startup, teardown } => {
                let cb = match dir {
                    Direction::Startup => startup,
                    Direction::Teardown => teardown,
                };
                match cb {
                    Some(cb) => self
                        .call_user(cpu, state, &|| cb(cpu))
                        .map_err(|e| fail(None, e)),
                    None => Ok(()),
                }
            }
            Callbacks::Multi {
                startup,
                teardown,
                instances,
            } => {
                let (cb, undo) = match dir {
                    Direction::Startup => (startup, teardown),
                    Direction::Teardown => (teardown, startup),
                };
                let Some(cb) = cb else { return Ok(()) };
                for (k, &inst) in instances.iter().enumerate() {
                    if let Err(e) = self.call_user(cpu, state, &|| cb(cpu, inst)) {
                        if let Some(undo) = undo {
                            for &done in instances.iter().take(k) {
                                if let Err(ue) = self.call_user(cpu, state, &|| undo(cpu, done)) {
                                    self.warn(format!(
                                        "CPU {cpu} state {} ({state}) instance {done}: undo after a partial multi-instance failure failed ({})",
                                        t.name(state),
                                        -ue.errno()
                                    ));
                                }
                            }
                        }
                        return Err(fail(Some(inst), e));
                    }
                }
                Ok(())
            }
        }
    }

    /// Walk startups of `(from, to]` in the current context, advancing the
    /// CPU's state before each callback. STARTING failures are warned about
    /// and ignored; any other failure steps the state back below the failing
    /// state and is returned.
    pub(super) fn walk_up(
        &self,
        t: &Table,
        cpu: CpuId,
        from: State,
        to: State,
    ) -> Result<(), CallbackFailure> {
        let mut s = from.next();
        while s <= to {
            if t.step(s).has(Direction::Startup) {
                self.set_state(cpu, s);
                if let Err(f) = self.invoke_step(t, cpu, s, Direction::Startup) {
                    if s.is_atomic() {
                        self.warn(format!(
                            "CPU {cpu} UP state {} ({s}) failed ({})",
                            f.name,
                            -f.error.errno()
                        ));
                    } else {
                        self.set_state(cpu, s.prev());
                        return Err(f);
                    }
                }
            }
            s = s.next();
        }
        self.set_state(cpu, to);
        Ok(())
    }

    /// Walk teardowns of `(to, from]` descending in the current context,
    /// decrementing the CPU's state before each callback. STARTING (dying)
    /// failures are warned about and ignored; a PREPARE (dead) failure is
    /// warned about and ignored in normal mode (the CPU is already gone) and
    /// stops a rollback; an ONLINE failure restores the failing state (it is
    /// not undone) and is returned.
    pub(super) fn walk_down(
        &self,
        t: &Table,
        cpu: CpuId,
        from: State,
        to: State,
        mode: Mode,
    ) -> Result<(), CallbackFailure> {
        let mut s = from;
        while s > to {
            if t.step(s).has(Direction::Teardown) {
                self.set_state(cpu, s.prev());
                if let Err(f) = self.invoke_step(t, cpu, s, Direction::Teardown) {
                    if s.is_atomic() {
                        self.warn(format!(
                            "CPU {cpu} DOWN state {} ({s}) failed ({})",
                            f.name,
                            -f.error.errno()
                        ));
                    } else if s.section() == Some(Section::Prepare) && mode == Mode::Normal {
                        self.warn(format!("DEAD callback error for CPU{cpu}"));
                    } else {
                        self.set_state(cpu, s);
                        return Err(f);
                    }
                }
            }
            s = s.prev();
        }
        self.set_state(cpu, to);
        Ok(())
    }

    /// Bring `cpu` from its current state up to `to`, each section in its
    /// context: PREPARE on the calling (control) thread, STARTING on the
    /// target with interrupts off (the CPU is marked online at `AP_ONLINE`),
    /// ONLINE on the target's hotplug worker.
    pub(super) fn up_to(&self, t: &Table, cpu: CpuId, to: State) -> Result<(), CpuhpError> {
        let mut cur = self.st(cpu);
        if cur < State::BRINGUP_CPU && cur < to {
            let end = to.min(State::BRINGUP_CPU);
            self.walk_up(t, cpu, cur, end)
                .map_err(CpuhpError::Callback)?;
            cur = end;
        }
        if cur < State::AP_ONLINE_IDLE && cur < to {
            let end = to.min(State::AP_ONLINE_IDLE);
            let mut res = Ok(());
            self.executor.run_on(cpu, &mut || {
                let _irqs = IrqsOff::enter();
                res = self.walk_up(t, cpu, cur, end.min(State::AP_ONLINE.prev()));
                if end >= State::AP_ONLINE {
                    self.set_online(cpu, true);
                }
                if res.is_ok() {
                    self.set_state(cpu, end);
                }
            })?;
            res.map_err(CpuhpError::Callback)?;
            cur = end;
        }
        if cur < to {
            let mut res = Ok(());
            self.executor
                .run_on(cpu, &mut || res = self.walk_up(t, cpu, cur, to))?;
            res.map_err(CpuhpError::Callback)?;
        }
        Ok(())
    }

    /// Take `cpu` from its current state down to `to`: ONLINE teardowns on
    /// its worker, then `TEARDOWN_CPU` (the CPU is marked offline and runs its
    /// DYING callbacks with interrupts off), then the DEAD (PREPARE)
    /// teardowns on the control thread.
    pub(super) fn down_to(
        &self,
        t: &Table,
        cpu: CpuId,
        to: State,
        mode: Mode,
    ) -> Result<(), CpuhpError> {
        let mut cur = self.st(cpu);
        if cur > State::AP_ONLINE_IDLE && cur > to {
            let end = to.max(State::AP_ONLINE_IDLE);
            let mut res = Ok(());
            self.executor
                .run_on(cpu, &mut || res = self.walk_down(t, cpu, cur, end, mode))?;
            res.map_err(CpuhpError::Callback)?;
            cur = end;
        }
        if cur > State::BRINGUP_CPU && cur > to {
            let end = to.max(State::BRINGUP_CPU);
            let mut res = Ok(());
            self.executor.run_on(cpu, &mut || {
                let _irqs = IrqsOff::enter();
                if end < State::AP_ONLINE {
                    self.set_online(cpu, false);
                }
                res = self.walk_down(t, cpu, cur, end, mode);
            })?;
            res.map_err(CpuhpError::Callback)?;
            cur = end;
        }
        if cur > to {
            self.walk_down(t, cpu, cur, to, mode)
                .map_err(CpuhpError::Callback)?;
        }
        Ok(())
    }

    /// Bring `cpu` online (`cpu_up` to [`State::ONLINE`]), taking the hotplug
    /// lock for write (waits while any read guard is held). Returns `Ok` at
    /// once if the CPU is already online. If a startup fails, the CPU is
    /// rolled back to the state it started from (for an offline CPU: fully
    /// offline) and the callback's error is returned.
    ///
    /// # Errors
    /// [`CpuhpError::InvalidCpu`], [`CpuhpError::HotplugDisabled`] (nothing
    /// changed), [`CpuhpError::Callback`], [`CpuhpError::ReadLockHeld`] /
    /// [`CpuhpError::InsideCallback`] for re-entrant use that would deadlock.
    pub fn cpu_up(&self, cpu: CpuId) -> Result<(), CpuhpError> {
        self.check_reentry("cpu_up")?;
        self.record(cpu)?;
        let _span = tracing::info_span!(target: "cpuhp", "cpu_up", cpu).entered();
        let _maps = self.maps_update_begin("cpu_up", cpu)?;
        let _w = WriteGuard::acquire(&self.lock);
        let from = self.st(cpu);
        if from >= State::ONLINE {
            return Ok(());
        }
        self.set_target(cpu, State::ONLINE);
        let t = self.snapshot();
        match self.up_to(&t, cpu, State::ONLINE) {
            Ok(()) => Ok(()),
            Err(e) => {
                if let CpuhpError::Callback(f) = &e {
                    tracing::debug!(
                        target: "cpuhp",
                        "CPU UP failed ({}) CPU {cpu} state {} ({})",
                        -f.error.errno(),
                        f.name,
                        f.state
                    );
                }
                self.set_target(cpu, from);
                if let Err(re) = self.down_to(&t, cpu, from, Mode::Rollback) {
                    self.warn(format!(
                        "CPU {cpu}: rollback of the failed online operation stopped at state {}: {re}",
                        self.st(cpu)
                    ));
                }
                Err(e)
            }
        }
    }

    /// Take `cpu` offline (`cpu_down` to [`State::OFFLINE`]), taking the
    /// hotplug lock for write. Returns `Ok` at once if the CPU is already
    /// offline. If an ONLINE teardown fails, the startups above it are re-run
    /// (the CPU stays online) and the error is returned.
    ///
    /// # Errors
    /// [`CpuhpError::InvalidCpu`], [`CpuhpError::HotplugDisabled`] (nothing
    /// changed), [`CpuhpError::LastOnlineCpu`], [`CpuhpError::Callback`],
    /// [`CpuhpError::ReadLockHeld`] / [`CpuhpError::InsideCallback`].
    pub fn cpu_down(&self, cpu: CpuId) -> Result<(), CpuhpError> {
        self.check_reentry("cpu_down")?;
        self.record(cpu)?;
        let _span = tracing::info_span!(target: "cpuhp", "cpu_down", cpu).entered();
        let _maps = self.maps_update_begin("cpu_down", cpu)?;
        let _w = WriteGuard::acquire(&self.lock);
        let from = self.st(cpu);
        if from == State::OFFLINE {
            return Ok(());
        }
        let others_online = self
            .cpus
            .iter()
            .enumerate()
            .any(|(i, r)| i != cpu && r.online.load(Ordering::Acquire));
        if !others_online {
            return Err(CpuhpError::LastOnlineCpu { cpu });
        }
        self.set_target(cpu, State::OFFLINE);
        let t = self.snapshot();
        match self.down_to(&t, cpu, State::OFFLINE, Mode::Normal) {
            Ok(()) => Ok(()),
            Err(e) => {
                self.set_target(cpu, from);
                if let Err(re) = self.up_to(&t, cpu, from) {
                    self.warn(format!(
                        "CPU {cpu}: rollback of the failed offline operation stopped at state {}: {re}",
                        self.st(cpu)
                    ));
                }
                Err(e)
            }
        }
    }
}
