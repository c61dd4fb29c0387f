//! The binaries' runtime: where they leave their verdict, how they stop,
//! and the panic handler (bare-metal targets only; host builds have std's).

use core::sync::atomic::{AtomicU32, Ordering};

/// 0 while running, [`PASSED`] when every check passed, [`PANICKED`] after
/// a panic: what a debugger (or a harness reading memory) looks at.
pub static RESULT: AtomicU32 = AtomicU32::new(0);
/// [`RESULT`] when every check passed.
pub const PASSED: u32 = 1;
/// [`RESULT`] after a panic.
pub const PANICKED: u32 = 0xDEAD;

/// Records that every check passed and stops.
pub fn pass() -> ! {
    RESULT.store(PASSED, Ordering::Release);
    halt()
}

/// Spins forever (a real hypervisor would `wfe`/`wfi` or run the next vCPU).
pub fn halt() -> ! {
    loop {
        core::hint::spin_loop();
    }
}

/// Records the panic in [`RESULT`] and stops; the message is dropped (there
/// is no console).
#[cfg(target_os = "none")]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo<'_>) -> ! {
    RESULT.store(PANICKED, Ordering::Release);
    halt()
}
