//! Per-thread execution context: which CPU's context a job runs in, whether
//! "interrupts are disabled", which registries' callbacks are running and
//! which registries' read locks this thread holds.

use std::cell::{Cell, RefCell};

use crate::CpuId;

// loom's `thread_local!` has no `const { .. }` form, and the same
// declarations serve both builds.
#[allow(clippy::missing_const_for_thread_local)]
mod tls {
    use super::{Cell, CpuId, RefCell};
    use crate::sync::thread_local;
    thread_local! {
        pub(super) static CURRENT_CPU: Cell<Option<CpuId>> = Cell::new(None);
        pub(super) static IRQS_OFF: Cell<bool> = Cell::new(false);
        pub(super) static IN_CALLBACK: RefCell<Vec<u64>> = RefCell::new(Vec::new());
        pub(super) static READ_HELD: RefCell<Vec<u64>> = RefCell::new(Vec::new());
    }
}
use tls::{CURRENT_CPU, IN_CALLBACK, IRQS_OFF, READ_HELD};

/// The CPU whose hotplug context the calling thread is running in, if any.
///
/// Executors set it while they run a job "on" a CPU: the inline executor for
/// the duration of the job, the thread-per-CPU executor permanently on each
/// `cpuhp/<n>` worker thread. PREPARE callbacks run on the control thread and
/// see the control thread's value (`None` for an ordinary thread).
pub fn current_cpu() -> Option<CpuId> {
    CURRENT_CPU.with(Cell::get)
}

/// Whether the calling thread is running a STARTING/DYING callback, which the
/// kernel runs with interrupts disabled on the target CPU.
pub fn irqs_disabled() -> bool {
    IRQS_OFF.with(Cell::get)
}

/// Set the current CPU for the lifetime of the returned guard (restores the
/// previous value on drop, also when unwinding). For executors.
pub fn enter_cpu_context(cpu: CpuId) -> CpuContextGuard {
    let prev = CURRENT_CPU.with(|c| c.replace(Some(cpu)));
    CpuContextGuard { prev }
}

/// Restores the previous CPU context when dropped; see [`enter_cpu_context`].
#[must_use = "the CPU context ends when the guard is dropped"]
#[derive(Debug)]
pub struct CpuContextGuard {
    prev: Option<CpuId>,
}

impl Drop for CpuContextGuard {
    fn drop(&mut self) {
        let prev = self.prev;
        CURRENT_CPU.with(|c| c.set(prev));
    }
}

/// Marks "interrupts disabled" while alive.
pub(crate) struct IrqsOff {
    prev: bool,
}

impl IrqsOff {
    pub(crate) fn enter() -> IrqsOff {
        IrqsOff {
            prev: IRQS_OFF.with(|c| c.replace(true)),
        }
    }
}

impl Drop for IrqsOff {
    fn drop(&mut self) {
        let prev = self.prev;
        IRQS_OFF.with(|c| c.set(prev));
    }
}

/// Marks "a callback of registry `id` runs on this thread" while alive.
pub(crate) struct InCallback;

impl InCallback {
    pub(crate) fn enter(id: u64) -> InCallback {
        IN_CALLBACK.with(|v| v.borrow_mut().push(id));
        InCallback
    }
}

impl Drop for InCallback {
    fn drop(&mut self) {
        IN_CALLBACK.with(|v| {
            v.borrow_mut().pop();
        });
    }
}

pub(crate) fn in_callback_of(id: u64) -> bool {
    IN_CALLBACK.with(|v| v.borrow().contains(&id))
}

pub(crate) fn note_read_held(id: u64) {
    READ_HELD.with(|v| v.borrow_mut().push(id));
}

pub(crate) fn note_read_released(id: u64) {
    READ_HELD.with(|v| {
        let mut v = v.borrow_mut();
        if let Some(pos) = v.iter().rposition(|&x| x == id) {
            v.swap_remove(pos);
        }
    });
}

pub(crate) fn read_held(id: u64) -> bool {
    READ_HELD.with(|v| v.borrow().contains(&id))
}
