//! The hotplug lock: a writer-preferring reader/writer lock built from a
//! mutex and a condition variable (so that loom can model it).
//!
//! Like the kernel's percpu-rwsem `cpu_hotplug_lock`, a new reader waits while
//! a writer holds the lock *or is waiting for it*; that is what makes a
//! recursive read acquisition a potential deadlock, which the registry turns
//! into a typed error instead.

use crate::sync::{lock, wait, Condvar, Mutex};

#[derive(Default)]
struct LockState {
    readers: usize,
    writer: bool,
    writers_waiting: usize,
}

pub(crate) struct HotplugLock {
    state: Mutex<LockState>,
    cv: Condvar,
}

impl HotplugLock {
    pub(crate) fn new() -> HotplugLock {
        HotplugLock {
            state: Mutex::new(LockState::default()),
            cv: Condvar::new(),
        }
    }

    pub(crate) fn read(&self) {
        let mut g = lock(&self.state);
        while g.writer || g.writers_waiting > 0 {
            g = wait(&self.cv, g);
        }
        g.readers += 1;
    }

    pub(crate) fn try_read(&self) -> bool {
        let mut g = lock(&self.state);
        if g.writer || g.writers_waiting > 0 {
            return false;
        }
        g.readers += 1;
        true
    }

    pub(crate) fn read_unlock(&self) {
        let mut g = lock(&self.state);
        g.readers = g.readers.saturating_sub(1);
        let wake = g.readers == 0;
        drop(g);
        if wake {
            self.cv.notify_all();
        }
    }

    pub(crate) fn write(&self) {
        let mut g = lock(&self.state);
        g.writers_waiting += 1;
        while g.writer || g.readers > 0 {
            g = wait(&self.cv, g);
        }
        g.writers_waiting -= 1;
        g.writer = true;
    }

    pub(crate) fn write_unlock(&self) {
        let mut g = lock(&self.state);
        g.writer = false;
        drop(g);
        self.cv.notify_all();
    }
}

/// Releases the write side when dropped (also when a callback panics).
pub(crate) struct WriteGuard<'a>(&'a HotplugLock);

impl<'a> WriteGuard<'a> {
    pub(crate) fn acquire(l: &'a HotplugLock) -> WriteGuard<'a> {
        l.write();
        WriteGuard(l)
    }
}

impl Drop for WriteGuard<'_> {
    fn drop(&mut self) {
        self.0.write_unlock();
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn readers_share_and_trylock_fails_under_writer() {
        let l = HotplugLock::new();
        l.read();
        assert!(l.try_read());
        l.read_unlock();
        l.read_unlock();
        let w = WriteGuard::acquire(&l);
        assert!(!l.try_read());
        drop(w);
        assert!(l.try_read());
        l.read_unlock();
    }
}
