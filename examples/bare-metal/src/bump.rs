//! A bump allocator over a static arena: the smallest global allocator that
//! lets `undef` (which needs `alloc`) run on bare metal.
//!
//! Allocation moves a cursor forward with one compare-and-swap; `dealloc`
//! frees nothing. That suits a hypervisor that registers its undef hooks
//! once at boot: each registration builds a new hook snapshot (a few dozen
//! bytes per hook) and the old ones are never reused. A hypervisor that
//! registers and unregisters hooks at run time wants an allocator that
//! frees (`embedded-alloc`, `talc`, `linked_list_allocator`).

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::ptr;
use core::sync::atomic::{AtomicUsize, Ordering};

/// A global allocator handing out the bytes of an `N`-byte static arena in
/// order, never reusing them. Returns null (an allocation failure) once the
/// arena is exhausted.
///
/// ```
/// use core::alloc::{GlobalAlloc, Layout};
/// use dbgemu_bare_metal::bump::BumpAllocator;
///
/// static ARENA: BumpAllocator<64> = BumpAllocator::new();
/// let layout = Layout::from_size_align(24, 8).unwrap();
/// // SAFETY: `layout` has a non-zero size.
/// let p = unsafe { ARENA.alloc(layout) };
/// assert!(!p.is_null() && p as usize % 8 == 0);
/// assert_eq!(ARENA.used(), 24);
/// ```
pub struct BumpAllocator<const N: usize> {
    /// The arena. Bytes below `next` have been handed out; the allocator
    /// never touches their contents.
    arena: UnsafeCell<[u8; N]>,
    /// Offset of the first free byte in `arena`.
    next: AtomicUsize,
}

// SAFETY: the only shared mutable state is `next`, an atomic; each byte of
// `arena` is handed out to at most one allocation (the compare-and-swap in
// `alloc` claims `[start, end)` exclusively) and never read or written by
// the allocator itself.
unsafe impl<const N: usize> Sync for BumpAllocator<N> {}

impl<const N: usize> BumpAllocator<N> {
    /// An empty arena of `N` bytes (in `.bss` when used as a `static`).
    #[must_use]
    pub const fn new() -> Self {
        Self {
            arena: UnsafeCell::new([0; N]),
            next: AtomicUsize::new(0),
        }
    }

    /// Bytes handed out so far, alignment padding included.
    #[must_use]
    pub fn used(&self) -> usize {
        self.next.load(Ordering::Relaxed)
    }

    /// The arena's size, `N`.
    #[must_use]
    pub const fn capacity(&self) -> usize {
        N
    }
}

impl<const N: usize> Default for BumpAllocator<N> {
    fn default() -> Self {
        Self::new()
    }
}

// SAFETY: `alloc` returns either null or a pointer to `layout.size()` bytes
// inside the arena, aligned to `layout.align()` (the start is rounded up on
// the real address), that no other allocation overlaps (the cursor only
// moves forward, by compare-and-swap). `dealloc` does nothing, which the
// `GlobalAlloc` contract allows.
unsafe impl<const N: usize> GlobalAlloc for BumpAllocator<N> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let base = self.arena.get().cast::<u8>();
        let mut current = self.next.load(Ordering::Relaxed);
        loop {
            // Round the real address up: the arena itself is only
            // byte-aligned.
            let addr = (base as usize).wrapping_add(current);
            let padding = addr.wrapping_neg() & (layout.align() - 1);
            let Some(start) = current.checked_add(padding) else {
                return ptr::null_mut();
            };
            let end = match start.checked_add(layout.size()) {
                Some(end) if end <= N => end,
                _ => return ptr::null_mut(),
            };
            match self.next.compare_exchange_weak(
                current,
                end,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                // SAFETY: `start + size <= N`, so the offset stays inside
                // the arena.
                Ok(_) => return unsafe { base.add(start) },
                Err(seen) => current = seen,
            }
        }
    }

    unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(size: usize, align: usize) -> Layout {
        #[allow(clippy::unwrap_used)] // the tests pass powers of two
        Layout::from_size_align(size, align).unwrap()
    }

    #[test]
    fn allocations_are_aligned_disjoint_and_in_the_arena() {
        let a = BumpAllocator::<256>::new();
        let base = a.arena.get() as usize;
        let mut previous_end = base;
        for (size, align) in [(1, 1), (8, 8), (3, 2), (16, 16), (5, 4), (32, 64)] {
            // SAFETY: non-zero sizes.
            let p = unsafe { a.alloc(layout(size, align)) } as usize;
            assert_ne!(p, 0);
            assert_eq!(p % align, 0, "alignment {align}");
            assert!(p >= previous_end, "overlaps the previous allocation");
            assert!(p + size <= base + 256);
            previous_end = p + size;
        }
        assert_eq!(a.used(), previous_end - base);
    }

    #[test]
    fn exhaustion_returns_null_and_leaves_the_cursor() {
        let a = BumpAllocator::<32>::new();
        // SAFETY: non-zero sizes.
        unsafe {
            assert!(!a.alloc(layout(24, 1)).is_null());
            assert!(a.alloc(layout(16, 1)).is_null());
            assert_eq!(a.used(), 24);
            assert!(!a.alloc(layout(8, 1)).is_null());
            assert!(a.alloc(layout(1, 1)).is_null());
            assert!(a.alloc(layout(isize::MAX as usize, 1)).is_null());
        }
        assert_eq!(a.used(), 32);
    }
}
