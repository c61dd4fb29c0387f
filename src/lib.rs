//! dbgemu: the ARM AArch32 debug registers, CPU hotplug and undef hooks on an
//! emulated N-vCPU machine running the Linux hw_breakpoint driver flow.
//!
//! * [`machine`]: N vCPUs of one core model, each with its debug register
//!   file, guest frame, hotplug state and faults; kernel code runs on a vCPU
//!   by executing real MRC/MCR words through [`dbgregs::emulate::step`] and,
//!   on UNDEFINED, the machine's [`undef::UndefRouter`];
//! * [`driver`]: the ARM Linux `hw_breakpoint` init and per-CPU reset flow;
//! * [`install`]: the driver's breakpoint/watchpoint install path and
//!   step-over; [`demo`] drives it for `dbgemu boot --demo`;
//! * [`board`]: boards as data (core, CPUs, integration signals, kernel)
//!   for `dbgemu boot --board`;
//! * [`replay`]: trap traces for `dbgemu replay`, streamed; [`input`]: the
//!   word syntax `decode` and `replay` share; [`error`]: the error type.
//!
//! # Example
//!
//! Boot a 4-vCPU Cortex-A9 with DBGSWENABLE driven low on CPU 2 and run the
//! driver's init: the trapped access on CPU 2 reaches the driver's undef
//! hook, its bit lands in the error mask, and the driver disables hardware
//! breakpoints and removes its hotplug state.
//!
//! ```
//! use dbgemu::dbgregs::model::CoreModel;
//! use dbgemu::driver::{HwBreakpoint, InitOptions};
//! use dbgemu::machine::{Fault, FaultKind, Machine, MachineConfig};
//!
//! let mut config = MachineConfig::new(CoreModel::preset("cortex-a9")?.clone(), 4);
//! config.faults.push(Fault { cpu: 2, kind: FaultKind::SwenableLow });
//! let machine = Machine::new(config)?;
//!
//! let hw = HwBreakpoint::init(&machine, InitOptions::default());
//! let result = hw.result();
//! assert_eq!(result.error_mask, vec![2]);
//! assert!(!result.enabled);
//! assert_eq!((result.brps, result.wrps), (0, 0));
//! assert!(result.state_installed.is_none());
//! assert!(result
//!     .log_lines()
//!     .iter()
//!     .any(|l| l.contains("caused undefined instruction on CPU 2")));
//! # Ok::<(), dbgemu::DbgemuError>(())
//! ```

pub use cpuhp;
pub use dbgregs;
pub use undef;

pub mod debug_arch;
pub mod input;
pub mod oops;
pub mod word;

pub mod error;

pub mod machine;

pub mod driver;
pub use driver::install;

pub mod board;

pub mod demo;
pub mod replay;

pub mod cli;

pub use error::DbgemuError;
