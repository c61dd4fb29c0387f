//! What an EL2 hypervisor links from dbgemu's libraries on bare metal, with
//! no operating system and (for `dbgregs`) no heap.
//!
//! Two binaries, built for `aarch64-unknown-none`, `armv7a-none-eabi` and
//! (the first) `thumbv7em-none-eabi`:
//!
//! * `trap-dbgregs` emulates a guest's trapped CP14 accesses on a
//!   Cortex-A15 preset's [`DebugState`](dbgregs::state::DebugState) and
//!   checks its data accesses against the compiled watchpoint table
//!   ([`vcpu::Vcpu`]). It has **no global allocator**: `dbgregs` without
//!   its default features needs none, and the link proves it (the
//!   repository's CI also checks the binary has no allocator symbol).
//! * `route-undef` (feature `undef`) routes trapped instructions through an
//!   `undef::UndefRouter`, which needs `alloc`; the binary brings its own
//!   global allocator, [`bump::BumpAllocator`] over a static arena.
//!
//! Each binary has an `extern "C" fn _start` entry point; the panic handler
//! is this crate's own ([`rt`], bare-metal targets only). Neither sets up a stack or exception vectors: in a real
//! hypervisor its boot code does that before calling into Rust (on
//! Cortex-M, `cortex-m-rt`'s reset handler would). They are examples of
//! what links, checked on the host by this crate's unit tests
//! (`cargo test --lib --features undef`); nothing here runs them on a
//! board.
//!
//! Build (from this directory; this crate is not a workspace member):
//!
//! ```text
//! cargo build --release --target aarch64-unknown-none --bin trap-dbgregs
//! cargo build --release --target aarch64-unknown-none --features undef --bin route-undef
//! ```
//!
//! Build the two binaries in separate invocations: with the `undef` feature
//! the library's [`route`] module puts `alloc` into every binary's crate
//! graph, and `trap-dbgregs` then fails to link for want of an allocator,
//! which is the point of it.
#![cfg_attr(not(test), no_std)]

pub mod bump;
#[cfg(feature = "undef")]
pub mod route;
pub mod rt;
pub mod vcpu;
