//! Bare-metal binary using `undef` (which needs `alloc`) with its own
//! global allocator, a bump allocator over a 16 KiB static arena: routes
//! trapped instructions to the hw_breakpoint driver's debug-register hook.
//!
//! The verdict goes to `dbgemu_bare_metal::rt::RESULT` (1 passed, 0xDEAD
//! panicked); the panic handler is the library's. An allocation failure
//! panics.
#![no_std]
#![no_main]

use core::hint::black_box;

use dbgemu_bare_metal::bump::BumpAllocator;
use dbgemu_bare_metal::route::{run, WORDS};
use dbgemu_bare_metal::rt;

/// The heap: one router and a hook take well under 1 KiB; registering and
/// unregistering at run time would use up the arena (the bump allocator
/// frees nothing).
#[global_allocator]
static HEAP: BumpAllocator<16384> = BumpAllocator::new();

/// The entry point. The boot code that jumps here has set up a stack (see
/// the crate documentation).
#[no_mangle]
pub extern "C" fn _start() -> ! {
    let words = black_box(WORDS);
    let summary = run(black_box(1), black_box(undef::SVC_MODE), &words);
    assert_eq!((summary.handled, summary.oops, summary.sigill), (2, 2, 0));
    assert_eq!(summary.resumed_at, 0xC000_8008);
    assert!(HEAP.used() > 0 && HEAP.used() < HEAP.capacity());
    rt::pass()
}
