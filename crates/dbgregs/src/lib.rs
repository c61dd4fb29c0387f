//! Decoding and emulation of the ARM AArch32 CP14 debug registers, per real
//! core model (ARMv6 to Armv8 AArch32).
//!
//! The pieces, in the order a trapped access flows through them:
//!
//! * [`decode`] turns an A32 word, a T32 word or an `ESR_EL2` syndrome into
//!   an [`access::Access`]; [`encode`] is its inverse;
//! * [`regmap`] names the debug register an access reaches;
//! * [`model`] holds the core models ([`model::CoreModel`]: presets such as
//!   `cortex-a15`, `cortex-a9`, `arm1176`, plus a validating builder) and
//!   [`version`] the debug architecture versions;
//! * [`state`] is the per-vCPU register file ([`state::DebugState`], a small
//!   `Copy` struct) and [`semantics`] what one read or write does on a given
//!   model (existence, privilege, OS Lock, power-down, DBGSWENABLE, masks);
//! * [`emulate`] is one VMM emulation step: condition, privilege, access,
//!   Rt and PC update, or an Undefined Instruction exception to inject;
//! * [`matching`] decides which breakpoints/watchpoints a fetch or data
//!   access hits ([`matching::WatchpointTable`] is the per-access fast
//!   path), and [`snapshot`] saves/restores a vCPU's debug state;
//! * [`registers`] has the register layouts as typed bitfields;
//! * [`inject`] gives the exception the guest must take after an
//!   UNDEFINED access or a debug event (vector, mode, LR, SPSR, CPSR,
//!   IFSR/DFSR, IFAR/DFAR), [`esr`] builds `ESR_EL2` syndromes and maps
//!   their register numbers to the guest's R0–R15, and [`kvm_onereg`] is
//!   the `KVM_GET/SET_ONE_REG` view of the guest's debug registers.
//!
//! # Who it is for
//!
//! Hypervisors at EL2 that trap and emulate an AArch32 guest's debug
//! registers: on an ARMv8 host with `MDCR_EL2.TDA`/`TDOSA`/`TDRA` (traps
//! reported in `ESR_EL2`), on an ARMv7 host with the Virtualization
//! Extensions through `HDCR.TDA`/`TDOSA`/`TDRA`, on Cortex-R52's EL2 —
//! often `no_std` without an allocator — and emulators modelling a core's
//! debug logic. Userspace VMMs on KVM are not: KVM handles an AArch32
//! guest's CP14 accesses in the kernel (`arch/arm64/kvm/sys_regs.c`,
//! `cp14_regs[]`), so they never see these exits; for them
//! [`kvm_onereg`] moves a vCPU's debug state in and out of KVM.
//!
//! The crate is `no_std` without its default `std` feature and never
//! allocates.
//!
//! # Features
//! * `std` (default): `std::error::Error` for the error types.
//! * `tracing` (default): a `trace`-level `tracing` event per emulated access
//!   and per Undefined outcome. Off, the crate does not depend on `tracing`
//!   (whose core needs `alloc`), so it links into a bare-metal binary with no
//!   global allocator; the emulation is the same either way.
//!
//! # Example
//!
//! A Cortex-A15 vCPU in SVC mode traps `MRC p14, 0, r0, c0, c0, 0`
//! (read DBGDIDR):
//!
//! ```
//! use dbgregs::emulate::{step, SimpleGuest, StepOutcome, Trap};
//! use dbgregs::model::CoreModel;
//! use dbgregs::state::{DebugState, UnknownFill};
//!
//! let model = CoreModel::preset("cortex-a15")?;
//! let mut state = DebugState::cold_reset(model, UnknownFill::Zero);
//! let mut guest = SimpleGuest::svc(0x8000);
//!
//! let outcome = step(model, &mut state, &mut guest, Trap::A32(0xee10_0e10))?;
//! assert!(matches!(outcome, StepOutcome::Completed { .. }));
//! assert_eq!(guest.regs[0], 0x3515_f021); // 4 WRPs, 6 BRPs, 2 CTX, v7.1
//! assert_eq!(guest.pc, 0x8004);
//! # Ok::<(), dbgregs::error::DbgRegsError>(())
//! ```
#![cfg_attr(not(feature = "std"), no_std)]

pub mod access;
pub mod debug_event;
pub mod decode;
pub mod emulate;
pub mod encode;
pub mod error;
pub mod esr;
pub mod inject;
pub mod kvm_onereg;
pub mod matching;
pub mod model;
pub mod registers;
pub mod regmap;
pub mod semantics;
pub mod snapshot;
pub mod state;
pub mod version;
pub mod wmask;
