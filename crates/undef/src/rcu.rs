//! A small read-copy-update cell with per-CPU-slot reader counters (an "SRCU" shape).
//!
//! Most of the crate's `unsafe` code is here (the rest: `hook::HandlerRef`, a handler
//! addressed inside its `Arc`). It owns one heap snapshot at a time
//! (`AtomicPtr` to a `Box`) and guarantees that a snapshot is freed only after every
//! reader that could have loaded it has left its read-side section.
//!
//! # Read side (routing, the hot path)
//! 1. `e = epoch` (any value works for safety; it only keeps writers' waits bounded);
//! 2. `counts[e][slot] += 1` (first half of the store-buffering pair);
//! 3. `p = current` (second half); use `*p`;
//! 4. `counts[e][slot] -= 1` with `Release`.
//!
//! `slot` is derived from the caller's CPU number so vCPU threads touch different cache
//! lines; two threads sharing a slot are still correct (the counter is an atomic RMW),
//! they merely contend. No lock, no allocation, no retry loop.
//!
//! Owned slots (claimed by one `CpuRouter` each) replace step 2 by
//! `state.swap(active(e))` and step 4 by a plain `Release` store of 0: one locked
//! instruction per section instead of two. Writers additionally wait, per epoch, until
//! no owned slot is `active(epoch)`; the argument below is unchanged (the marker plays
//! the role of the increment, and only the owner writes it).
//!
//! # Write side (register/unregister, serialised by the writer lock)
//! 1. `old = current.swap(new)` (first half of the pair);
//! 2. wait until every counter of epoch `1 - e` reads 0, flip `epoch` to `1 - e`, wait
//!    until every counter of epoch `e` reads 0 (second half: `Acquire` loads);
//! 3. free `old`.
//!
//! Why it is safe: a reader still using `old` loaded it before the swap, so its step-2
//! increment precedes the writer's swap in the total order S; the writer's later load of
//! that counter therefore sees the increment (or the matching decrement, which it then
//! synchronises with). Conversely, if the writer's load does not see a reader's increment,
//! the reader's pointer load comes after the swap in S and returns the new snapshot. Both
//! epochs are drained because a reader may have read a stale epoch value.
//!
//! Why waits are bounded: while the writer drains epoch `x`, new readers enter the other
//! epoch; only readers that read `epoch` before the flip can still enter `x`, and each
//! does so once.
//!
//! # QSBR readers (quiescent-state based, `QsbrRouter`)
//! An owned slot also has a `qsbr` word, written only by its owner: `0` = offline, else
//! the value of the grace-period counter `gp` (odd, starts at 1, `+= 2` per writer, so
//! never 0) that the owner last *reported*. A report means "I hold no reference to any
//! snapshot loaded before I read this `gp` value".
//!
//! * Read (hot path, online): `p = current.load(Acquire)`; use `*p`; then the implicit
//!   quiescent report `g = gp.load(Acquire)`; if `g != qsbr` then `qsbr.store(g,
//!   Release)`. No read-modify-write, no fence. (If the slot is offline the read takes
//!   the owned-slot path above instead, which needs no report.)
//! * `quiescent()`: the same report on its own. `offline()`: `qsbr.store(0, Release)`.
//! * `online()`: `qsbr.store(gp.load(Acquire), Release)`, then `fence(SeqCst)` before
//!   the next pointer load.
//! * Writer, after the swap and the SRCU wait above: `g = gp.fetch_add(2, AcqRel) + 2`,
//!   `fence(SeqCst)`, then for every owned slot wait until `qsbr.load(Acquire)` is `0` or
//!   `g`; then free `old`. (Writers are serialised, so no slot can hold a value past `g`.)
//!
//! Why it is safe. Suppose the writer's wait read value `v` from slot `s`.
//! (a) `v == g`: it was written by a `Release` store of the owner (a report or
//! `online()`), which the `Acquire`
//! load synchronises with, so every use of a snapshot sequenced before that report
//! happens before the free. Every read sequenced after it comes after the owner's
//! `Acquire` load of `gp` that returned `g` (or a later value in `gp`'s release sequence),
//! which synchronises with the writer's `fetch_add`; the swap is sequenced before it, so
//! by coherence the pointer load returns the new snapshot (or a later one), not `old`.
//! (b) `v == 0`: written by `offline()` (`Release`; all earlier uses happen before the
//! free, as in (a)), and the owner's next read is preceded by `online()`. Its store of
//! a nonzero value and the writer's load of `0` form a store-buffering pair with the
//! writer's swap and the owner's pointer load; the two `SeqCst` fences order them: if
//! the owner's fence comes first in the fence order S, the writer's load would see the
//! nonzero store (it did not), so the writer's fence comes first and the owner's later
//! pointer load sees the swap, i.e. not `old`.
//! An online owner that stops reporting stalls writers; that is the caller's
//! obligation (report at natural points, go offline before blocking), documented on
//! `QsbrRouter`.

use alloc::boxed::Box;
use core::marker::PhantomData;
use core::mem::ManuallyDrop;
use core::ops::Deref;

use crate::sync::{
    full_fence, relax, sb_fence, AtomicBool, AtomicPtr, AtomicUsize, Ordering, WriterLockGuard,
};
use crate::sync::{SB_LOAD, SB_RMW};

/// Number of reader-counter slots per epoch.
#[cfg(not(loom))]
pub(crate) const SLOTS: usize = 8;
/// Number of reader-counter slots per epoch (small under loom to bound the state space).
#[cfg(loom)]
pub(crate) const SLOTS: usize = 2;

/// State of an owned slot while its owner is inside a read-side section of `epoch`.
const fn owned_active(epoch: usize) -> usize {
    (epoch << 1) | 1
}

/// A slot claimed by one reader at a time (a vCPU's [`crate::CpuRouter`]): 0 when idle,
/// [`owned_active`]`(epoch)` inside a read-side section. Only the owner writes `state`,
/// so leaving the section is a plain `Release` store instead of a read-modify-write.
/// The same slot also carries the QSBR state of a `QsbrRouter` owner (see the module
/// docs): `qsbr` is `QSBR_OFFLINE` or the last reported grace-period counter value.
#[repr(align(128))]
pub(crate) struct OwnedSlot {
    state: AtomicUsize,
    qsbr: AtomicUsize,
    claimed: AtomicBool,
}

/// `qsbr` value of an offline (or never onlined) slot; `gp` values are odd, never 0.
const QSBR_OFFLINE: usize = 0;
/// First value of the grace-period counter.
const GP_START: usize = 1;
/// Grace-period counter step (keeps it odd, so it never wraps to `QSBR_OFFLINE`).
const GP_STEP: usize = 2;

/// The quiescent-state report of a QSBR slot whose last report was `mine`: publish the
/// current `gp` if it moved (one load; one `Release` store only when a writer advanced
/// `gp`).
#[inline(always)]
fn report(gp: &AtomicUsize, qsbr: &AtomicUsize, mine: usize) {
    let g = gp.load(Ordering::Acquire);
    if g != mine {
        qsbr.store(g, Ordering::Release);
    }
}

/// A reader counter on its own cache line pair (avoids false sharing between vCPUs and
/// adjacent-line prefetch).
#[repr(align(128))]
struct Slot(AtomicUsize);

/// The published value plus, under loom, a cell whose accesses let loom prove that the
/// writer's free happens after every reader's last use.
struct Node<T> {
    value: T,
    #[cfg(loom)]
    witness: loom::cell::UnsafeCell<()>,
}

/// An RCU-style cell; see the module documentation.
pub(crate) struct RcuCell<T> {
    current: AtomicPtr<Node<T>>,
    epoch: AtomicUsize,
    /// QSBR grace-period counter (odd; see the module docs).
    gp: AtomicUsize,
    counts: [[Slot; SLOTS]; 2],
    owned: Box<[OwnedSlot]>,
    /// The cell owns `Node<T>` values (drop check), and hands `&T` to several threads.
    _owns: PhantomData<Box<Node<T>>>,
}

// SAFETY: the cell hands out `&T` to any thread (needs `T: Sync`) and drops `T` on the
// writer's thread (needs `T: Send`); all shared state is atomic.
unsafe impl<T: Send + Sync> Send for RcuCell<T> {}
// SAFETY: as above.
unsafe impl<T: Send + Sync> Sync for RcuCell<T> {}

/// A read-side section; dereferences to the snapshot that was current at entry.
pub(crate) struct ReadGuard<'a, T> {
    node: &'a Node<T>,
    exit: Exit<'a>,
}

/// A read-side section of an online QSBR slot ([`RcuCell::try_read_qsbr`]); dropping it
/// reports a quiescent state for the slot (whose last report was `mine`).
pub(crate) struct QsbrGuard<'a, T> {
    node: &'a Node<T>,
    gp: &'a AtomicUsize,
    qsbr: &'a AtomicUsize,
    mine: usize,
}

impl<'a, T> QsbrGuard<'a, T> {
    /// The same section as a [`ReadGuard`] (which makes the same report when dropped).
    #[inline(always)]
    fn into_read_guard(self) -> ReadGuard<'a, T> {
        let this = ManuallyDrop::new(self);
        ReadGuard {
            node: this.node,
            exit: Exit::Qsbr {
                gp: this.gp,
                qsbr: this.qsbr,
                mine: this.mine,
            },
        }
    }
}

impl<T> Deref for QsbrGuard<'_, T> {
    type Target = T;

    #[inline(always)]
    fn deref(&self) -> &T {
        &self.node.value
    }
}

impl<T> Drop for QsbrGuard<'_, T> {
    #[inline(always)]
    fn drop(&mut self) {
        #[cfg(loom)]
        self.node.witness.with(|_| ());
        report(self.gp, self.qsbr, self.mine);
    }
}

/// How a read-side section is left.
enum Exit<'a> {
    /// Decrement a shared counter.
    Shared(&'a AtomicUsize),
    /// Mark an owned slot idle.
    Owned(&'a AtomicUsize),
    /// Report a quiescent state for an online QSBR slot whose last report was `mine`.
    Qsbr {
        gp: &'a AtomicUsize,
        qsbr: &'a AtomicUsize,
        mine: usize,
    },
}

fn new_node<T>(value: T) -> *mut Node<T> {
    Box::into_raw(Box::new(Node {
        value,
        #[cfg(loom)]
        witness: loom::cell::UnsafeCell::new(()),
    }))
}

impl<T> RcuCell<T> {
    /// A cell holding `value`, with `owned_slots` claimable reader slots.
    pub(crate) fn new(value: T, owned_slots: usize) -> Self {
        Self {
            current: AtomicPtr::new(new_node(value)),
            epoch: AtomicUsize::new(0),
            gp: AtomicUsize::new(GP_START),
            counts: [
                core::array::from_fn(|_| Slot(AtomicUsize::new(0))),
                core::array::from_fn(|_| Slot(AtomicUsize::new(0))),
            ],
            owned: (0..owned_slots)
                .map(|_| OwnedSlot {
                    state: AtomicUsize::new(0),
                    qsbr: AtomicUsize::new(QSBR_OFFLINE),
                    claimed: AtomicBool::new(false),
                })
                .collect(),
            _owns: PhantomData,
        }
    }

    /// Enters a read-side section. `hint` spreads readers over counter slots (the CPU
    /// number); any value is correct.
    #[inline]
    pub(crate) fn read(&self, hint: u32) -> ReadGuard<'_, T> {
        let epoch = self.epoch.load(Ordering::Relaxed) & 1;
        let counter = &self.counts[epoch][hint as usize % SLOTS].0;
        counter.fetch_add(1, SB_RMW);
        sb_fence();
        let ptr = self.current.load(SB_LOAD);
        // SAFETY: `ptr` came from `Box::into_raw` (in `new` or `replace`) and is never
        // null. It is freed only by `replace`/`drop` after a grace period that waits for
        // our counter, which we incremented before loading `ptr` (module docs), and which
        // we decrement only when this guard is dropped; the guard borrows `self`, so the
        // cell (and its `Drop`) cannot run while the reference is alive.
        let node = unsafe { &*ptr };
        ReadGuard {
            node,
            exit: Exit::Shared(counter),
        }
    }

    /// Number of claimable slots.
    pub(crate) fn owned_slots(&self) -> usize {
        self.owned.len()
    }

    /// Claims owned slot `index` for one reader; `false` if out of range or taken.
    pub(crate) fn claim(&self, index: usize) -> bool {
        self.owned.get(index).is_some_and(|s| {
            s.claimed
                .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
        })
    }

    /// Releases a slot claimed with [`RcuCell::claim`].
    pub(crate) fn unclaim(&self, index: usize) {
        if let Some(s) = self.owned.get(index) {
            s.claimed.store(false, Ordering::Release);
        }
    }

    /// Enters a read-side section through owned slot `index`.
    ///
    /// The caller must own the claim on `index` and must not be inside another section
    /// through the same slot (the `&mut` receiver of `CpuRouter` methods ensures both).
    /// Returns `None` if `index` is out of range.
    #[inline]
    pub(crate) fn read_owned(&self, index: usize) -> Option<ReadGuard<'_, T>> {
        let slot = &self.owned.get(index)?.state;
        let epoch = self.epoch.load(Ordering::Relaxed) & 1;
        // A swap (one locked instruction on x86) rather than store + SeqCst fence.
        slot.swap(owned_active(epoch), SB_RMW);
        sb_fence();
        let ptr = self.current.load(SB_LOAD);
        // SAFETY: as in `read`: the slot was marked active before `ptr` was loaded, and
        // writers wait for it to leave that state (see `drain`) before freeing; the
        // guard borrows `self`.
        let node = unsafe { &*ptr };
        Some(ReadGuard {
            node,
            exit: Exit::Owned(slot),
        })
    }

    /// Enters a read-side section as QSBR reader `index`; dropping the guard reports a
    /// quiescent state for the slot (module docs). If the slot is offline, enters
    /// through the owned-slot path instead (one locked instruction, no report needed);
    /// an out-of-range `index` enters through the shared counters.
    ///
    /// The caller must own the claim on `index` and must not be inside another section
    /// or QSBR state change through the same slot (the `&mut` receiver of `QsbrRouter`
    /// methods ensures both).
    #[inline(always)]
    pub(crate) fn read_qsbr(&self, index: usize) -> ReadGuard<'_, T> {
        match self.try_read_qsbr(index) {
            Some(guard) => guard.into_read_guard(),
            None => self.read_qsbr_fallback(index),
        }
    }

    /// The fast path of [`RcuCell::read_qsbr`]: a read-side section of QSBR slot
    /// `index` if it exists and is online (same contract), else `None` (the caller then
    /// uses [`RcuCell::read_qsbr`]). Its guard leaves the section only one way (the
    /// quiescent report), so a caller keeps no exit kind to dispatch on.
    #[inline(always)]
    pub(crate) fn try_read_qsbr(&self, index: usize) -> Option<QsbrGuard<'_, T>> {
        let slot = self.owned.get(index)?;
        // Only the owner (us) writes `qsbr`, so a relaxed load reads our own last
        // store.
        let mine = slot.qsbr.load(Ordering::Relaxed);
        if mine == QSBR_OFFLINE {
            return None;
        }
        Some(self.enter_qsbr(slot, mine))
    }

    /// Runs `online(value, ctx)` inside a read-side section of QSBR slot `index` if it
    /// exists and is online (the section ends with the quiescent report, also when
    /// `online` unwinds), else returns `offline(ctx)` (which then reads through
    /// [`RcuCell::read_qsbr`]). Same contract as [`RcuCell::try_read_qsbr`]; the hot
    /// path's form of it, with no `Option` to build and test.
    #[inline(always)]
    pub(crate) fn with_qsbr<C, R>(
        &self,
        index: usize,
        ctx: C,
        online: impl FnOnce(&T, C) -> R,
        offline: impl FnOnce(C) -> R,
    ) -> R {
        let Some(slot) = self.owned.get(index) else {
            return offline(ctx);
        };
        // Only the owner (us) writes `qsbr`, so a relaxed load reads our own last
        // store.
        let mine = slot.qsbr.load(Ordering::Relaxed);
        if mine == QSBR_OFFLINE {
            return offline(ctx);
        }
        let guard = self.enter_qsbr(slot, mine);
        online(&guard, ctx)
    }

    /// The section of [`RcuCell::try_read_qsbr`] / [`RcuCell::with_qsbr`] once the
    /// slot is known to be online with last report `mine`.
    #[inline(always)]
    fn enter_qsbr<'a>(&'a self, slot: &'a OwnedSlot, mine: usize) -> QsbrGuard<'a, T> {
        let ptr = self.current.load(Ordering::Acquire);
        // SAFETY: `ptr` came from `Box::into_raw` and is never null. The slot is
        // online and its last report (`mine`) was made before this load; a writer
        // frees the node only after reading a later report or `QSBR_OFFLINE` from
        // this slot. The only report or offline store that can follow is the
        // guard's own report in its `Drop` (`Release`, after the last use of the
        // reference: the guard borrows `self` and hands out `&T` only for its own
        // lifetime; converted by `into_read_guard`, the `ReadGuard`'s `Drop` makes the
        // same report); the next `read_qsbr`/`qsbr_quiescent`/`qsbr_offline` on this
        // slot needs the owner's `&mut` handle, which this section borrows
        // (module docs, "Why it is safe").
        let node = unsafe { &*ptr };
        QsbrGuard {
            node,
            gp: &self.gp,
            qsbr: &slot.qsbr,
            mine,
        }
    }

    /// [`RcuCell::read_qsbr`] for an offline slot (through the owned-slot path) or an
    /// out-of-range index (through the shared counters). Out of line, off the hot path.
    #[cold]
    #[inline(never)]
    fn read_qsbr_fallback(&self, index: usize) -> ReadGuard<'_, T> {
        match self.read_owned(index) {
            Some(guard) => guard,
            None => self.read(u32::try_from(index).unwrap_or(u32::MAX)),
        }
    }

    /// Reports a quiescent state for QSBR slot `index` (no-op if it is offline or out
    /// of range). The caller owns the claim and is outside any read through it.
    #[inline]
    pub(crate) fn qsbr_quiescent(&self, index: usize) {
        if let Some(slot) = self.owned.get(index) {
            let mine = slot.qsbr.load(Ordering::Relaxed);
            if mine != QSBR_OFFLINE {
                report(&self.gp, &slot.qsbr, mine);
            }
        }
    }

    /// Marks QSBR slot `index` offline: writers stop waiting for it. Same contract.
    pub(crate) fn qsbr_offline(&self, index: usize) {
        if let Some(slot) = self.owned.get(index) {
            slot.qsbr.store(QSBR_OFFLINE, Ordering::Release);
        }
    }

    /// Marks QSBR slot `index` online (writers wait for its reports from now on). Ends
    /// with a full fence: the store must be ordered before the next pointer load.
    pub(crate) fn qsbr_online(&self, index: usize) {
        if let Some(slot) = self.owned.get(index) {
            // `Release`: a writer that reads this value instead of our earlier offline
            // store must still see our earlier reads finished (C++20 release sequences
            // no longer include plain stores).
            slot.qsbr
                .store(self.gp.load(Ordering::Acquire), Ordering::Release);
            full_fence();
        }
    }

    /// Whether QSBR slot `index` is online.
    pub(crate) fn qsbr_is_online(&self, index: usize) -> bool {
        self.owned
            .get(index)
            .is_some_and(|s| s.qsbr.load(Ordering::Relaxed) != QSBR_OFFLINE)
    }

    /// Publishes `value`, waits for a grace period, then drops the previous value.
    ///
    /// Writers must be serialised: the caller proves it holds the writer lock.
    pub(crate) fn replace(&self, value: T, _writer: &WriterLockGuard<'_>) {
        let new = new_node(value);
        let old = self.current.swap(new, SB_RMW);
        sb_fence();
        self.synchronize();
        self.qsbr_synchronize();
        // SAFETY: `old` came from `Box::into_raw` and was unpublished by the swap above;
        // `synchronize` returned, so no reader can still hold a reference to it (module
        // docs), `qsbr_synchronize` returned, so no online QSBR reader can either (module
        // docs, QSBR), and no other writer can free it (we held the writer lock for the swap).
        let old = unsafe { Box::from_raw(old) };
        #[cfg(loom)]
        old.witness.with_mut(|_| ());
        drop(old);
    }

    /// Waits until every reader that entered before this call has left.
    fn synchronize(&self) {
        let cur = self.epoch.load(Ordering::Relaxed) & 1;
        self.drain(cur ^ 1);
        self.epoch.store(cur ^ 1, Ordering::Relaxed);
        self.drain(cur);
    }

    /// Waits until every QSBR slot is offline or has reported the new counter value.
    fn qsbr_synchronize(&self) {
        let g = self
            .gp
            .fetch_add(GP_STEP, Ordering::AcqRel)
            .wrapping_add(GP_STEP);
        // Pairs with the fence in `qsbr_online` (store-buffering; module docs, case (b)).
        full_fence();
        for slot in self.owned.iter() {
            loop {
                let v = slot.qsbr.load(Ordering::Acquire);
                if v == QSBR_OFFLINE || v == g {
                    break;
                }
                relax();
            }
        }
    }

    fn drain(&self, epoch: usize) {
        for slot in &self.counts[epoch] {
            while slot.0.load(SB_LOAD) != 0 {
                relax();
            }
        }
        for slot in self.owned.iter() {
            while slot.state.load(SB_LOAD) == owned_active(epoch) {
                relax();
            }
        }
    }
}

impl<T> Drop for RcuCell<T> {
    fn drop(&mut self) {
        let ptr = self.current.load(Ordering::Acquire);
        // SAFETY: `&mut self` proves no read guard (they borrow `self`) or writer exists; the pointer is the cell's own live
        // `Box` allocation and is not used again.
        drop(unsafe { Box::from_raw(ptr) });
    }
}

impl<T> Deref for ReadGuard<'_, T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        &self.node.value
    }
}

impl<T> Drop for ReadGuard<'_, T> {
    #[inline(always)]
    fn drop(&mut self) {
        #[cfg(loom)]
        self.node.witness.with(|_| ());
        match self.exit {
            Exit::Shared(counter) => {
                counter.fetch_sub(1, Ordering::Release);
            }
            Exit::Owned(state) => state.store(0, Ordering::Release),
            Exit::Qsbr { gp, qsbr, mine } => report(gp, qsbr, mine),
        }
    }
}
