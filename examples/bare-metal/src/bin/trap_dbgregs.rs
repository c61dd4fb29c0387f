//! Bare-metal binary using `dbgregs` with **no global allocator**: emulates
//! a guest's trapped CP14 accesses on a Cortex-A15 preset and checks a
//! store against the watchpoint the guest armed.
//!
//! The verdict goes to `dbgemu_bare_metal::rt::RESULT` (1 passed, 0xDEAD
//! panicked); the panic handler is the library's.
#![no_std]
#![no_main]

use core::hint::black_box;

use dbgemu_bare_metal::rt;
use dbgemu_bare_metal::vcpu::{kernel_store, run, LINUX_WATCHPOINT, WATCHED};
use dbgregs::model::CoreModel;

/// The entry point. The boot code that jumps here has set up a stack (see
/// the crate documentation).
#[no_mangle]
pub extern "C" fn _start() -> ! {
    // `black_box`: the words come from the trap at run time, not from
    // constants the optimiser could fold the emulation into.
    let traps = black_box(LINUX_WATCHPOINT);
    let name = black_box("cortex-a15");
    let model = match CoreModel::preset(name) {
        Ok(model) => model,
        Err(_) => panic!("no such preset"),
    };
    let summary = run(model, &traps, &black_box(kernel_store(WATCHED, 4)));
    assert_eq!(summary.first_read, Some(0x3515_f021));
    assert_eq!(
        (
            summary.completed,
            summary.skipped,
            summary.undefined,
            summary.not_cp14
        ),
        (6, 1, 1, 1)
    );
    assert!(summary.watchpoint.is_some_and(|event| event.units == 1));
    rt::pass()
}
