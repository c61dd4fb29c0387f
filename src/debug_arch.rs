//! The debug architecture codes the kernel driver distinguishes: the values
//! of DBGDIDR.Version (DDI 0406C.d, "DBGDIDR, Debug ID Register")
//! as `arch/arm/include/asm/hw_breakpoint.h` names them
//! (`ARM_DEBUG_ARCH_V6` … `ARM_DEBUG_ARCH_V8_4`). A leaf: imports nothing of
//! the crate.

/// `ARM_DEBUG_ARCH_V6`.
pub const V6: u8 = 1;
/// `ARM_DEBUG_ARCH_V6_1`.
pub const V6_1: u8 = 2;
/// `ARM_DEBUG_ARCH_V7_ECP14`.
pub const V7_ECP14: u8 = 3;
/// `ARM_DEBUG_ARCH_V7_1`.
pub const V7_1: u8 = 5;
/// `ARM_DEBUG_ARCH_V8`.
pub const V8: u8 = 6;
/// `ARM_DEBUG_ARCH_V8_1`.
pub const V8_1: u8 = 7;
/// `ARM_DEBUG_ARCH_V8_2`.
pub const V8_2: u8 = 8;
/// `ARM_DEBUG_ARCH_V8_4`.
pub const V8_4: u8 = 9;

/// Kernel `debug_arch_supported()` (`arch/arm/kernel/hw_breakpoint.c`):
/// version 1..=3 or ≥ 5 (0 is reserved, 4 is v7 memory-mapped only).
pub const fn debug_arch_supported(arch: u8) -> bool {
    matches!(arch, 1..=3) || arch >= 5
}
