//! Synchronisation shim: `loom` primitives under `cfg(loom)`, `core` atomics otherwise.
//!
//! Everything in the crate that is shared between threads goes through this module so
//! the loom model check (`tests/loom.rs`) exercises the exact code that ships.

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{fence, AtomicBool, AtomicPtr, AtomicU64, AtomicUsize};

#[cfg(not(loom))]
pub(crate) use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, AtomicUsize};

pub(crate) use core::sync::atomic::Ordering;

/// Back off inside a writer-side spin loop (never used by routing).
#[inline]
pub(crate) fn relax() {
    #[cfg(loom)]
    loom::thread::yield_now();
    #[cfg(all(not(loom), feature = "std"))]
    std::thread::yield_now();
    #[cfg(all(not(loom), not(feature = "std")))]
    core::hint::spin_loop();
}

/// A `SeqCst` fence (loom's under `cfg(loom)`), for the QSBR `online()` /
/// writer store-buffering pair (`rcu.rs`). Never on the routing hot path.
#[inline]
pub(crate) fn full_fence() {
    #[cfg(loom)]
    fence(Ordering::SeqCst);
    #[cfg(not(loom))]
    core::sync::atomic::fence(Ordering::SeqCst);
}

/// Ordering of the store-buffering ("Dekker") pair between a router entering its
/// read-side section and a writer publishing a new snapshot.
///
/// Outside loom the pair is built from `SeqCst` accesses (the read-side increment is a
/// `SeqCst` read-modify-write, the pointer load, the writer's swap and its counter loads
/// are `SeqCst`): in the C++20/Rust model all of them take part in the single total
/// order S, which is exactly what the argument in `rcu.rs` needs, and on x86-64 it costs
/// one `lock xadd` and plain loads (no `mfence`).
///
/// loom does not model `SeqCst` *accesses* fully (tokio-rs/loom#180: it lets both sides
/// of a store-buffering litmus test read the old values) but it does model `SeqCst`
/// *fences*. Under `cfg(loom)` the accesses are therefore weakened to
/// `Relaxed`/`Acquire`/`AcqRel` and a `SeqCst` fence is placed between the two halves on
/// each side, which gives the same guarantee in the C++20 model; loom then checks the
/// algorithm under that formulation.
#[inline]
pub(crate) fn sb_fence() {
    #[cfg(loom)]
    fence(Ordering::SeqCst);
}

/// Ordering for the first half of the store-buffering pair (see [`sb_fence`]).
#[cfg(not(loom))]
pub(crate) const SB_RMW: Ordering = Ordering::SeqCst;
/// Ordering for the first half of the store-buffering pair (see [`sb_fence`]).
#[cfg(loom)]
pub(crate) const SB_RMW: Ordering = Ordering::AcqRel;
/// Ordering for the second half of the store-buffering pair (see [`sb_fence`]).
#[cfg(not(loom))]
pub(crate) const SB_LOAD: Ordering = Ordering::SeqCst;
/// Ordering for the second half of the store-buffering pair (see [`sb_fence`]).
#[cfg(loom)]
pub(crate) const SB_LOAD: Ordering = Ordering::Acquire;

/// Writer-side mutual exclusion: a test-and-test-and-set spin lock.
///
/// Only `register`/`unregister` take it (never routing), so a spin lock is adequate and
/// works the same in `no_std`, `std` and loom builds.
pub(crate) struct WriterLock {
    locked: AtomicBool,
}

/// Releases the [`WriterLock`] on drop.
pub(crate) struct WriterLockGuard<'a> {
    lock: &'a WriterLock,
}

impl WriterLock {
    pub(crate) fn new() -> Self {
        Self {
            locked: AtomicBool::new(false),
        }
    }

    pub(crate) fn lock(&self) -> WriterLockGuard<'_> {
        loop {
            if self
                .locked
                .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
            {
                return WriterLockGuard { lock: self };
            }
            while self.locked.load(Ordering::Relaxed) {
                relax();
            }
        }
    }
}

impl Drop for WriterLockGuard<'_> {
    fn drop(&mut self) {
        self.lock.locked.store(false, Ordering::Release);
    }
}
