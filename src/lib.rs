//! dbgemu: the ARM AArch32 debug registers, CPU hotplug and undef hooks on an
//! emulated N-vCPU machine running the Linux hw_breakpoint driver flow.

pub use cpuhp;
pub use dbgregs;
pub use undef;

pub mod demo;
pub mod driver;
pub mod error;
pub mod install;
pub mod machine;

pub use error::DbgemuError;

pub mod replay;
