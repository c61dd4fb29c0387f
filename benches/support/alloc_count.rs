//! A counting global allocator for the benches, to show that a hot path
//! makes no heap allocation. Included with `#[path]` by each bench that
//! checks one; including it installs the allocator for that bench binary.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

/// Counts heap allocations (`alloc`, `alloc_zeroed`, `realloc`), forwarding
/// every call to [`System`].
pub struct CountingAlloc;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: every method forwards to `System` with the caller's arguments
// unchanged, so `System`'s guarantees are this allocator's; the counter is
// a relaxed atomic increment with no other effect.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with `layout` (above).
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller upholds `GlobalAlloc::alloc_zeroed`'s contract.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller upholds `GlobalAlloc::realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

/// Runs `op` `times` times and returns how many heap allocations the runs
/// made (the process-wide count; run it while no other thread allocates).
pub fn allocations(times: u32, mut op: impl FnMut()) -> u64 {
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    for _ in 0..times {
        op();
    }
    ALLOCATIONS.load(Ordering::Relaxed) - before
}

/// Runs `op` 10 000 times, prints how many heap allocations that made
/// (stderr, as `<what>: N heap allocations in 10000 runs`) and panics unless
/// there were none: the hot paths the project's guide names allocate nothing,
/// and `cargo test --benches` (CI's bench smoke run) holds them to it.
pub fn assert_no_alloc(what: &str, op: impl FnMut()) {
    let n = allocations(10_000, op);
    eprintln!("{what}: {n} heap allocations in 10000 runs");
    assert_eq!(n, 0, "{what} allocated on its hot path");
}
