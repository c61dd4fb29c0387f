//! The root package's umbrella error: everything a caller of the library
//! core ([`crate::machine`], [`crate::install`], [`crate::replay`]) can get
//! wrong, one variant per module error, converted with `?`. Each module
//! error names the offending value; a call that fails this way leaves every
//! state as it was.
//!
//! What the *guest* runs into (an Undefined Instruction exception nobody
//! handles, a hotplug callback failing) is not an error of the caller: it is
//! an outcome ([`crate::oops::KernelOops`], [`crate::driver::InitResult`]).
//!
//! The command line's own errors (options that do not parse, I/O) are
//! [`crate::cli::error::CliError`], one layer up.

use dbgregs::error::DbgRegsError;

pub use crate::board::BoardError;
pub use crate::driver::install::InstallError;
pub use crate::driver::KernelConfigError;
pub use crate::machine::MachineError;
pub use crate::replay::ReplayError;

/// Everything that can be wrong with input to the `dbgemu` library.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DbgemuError {
    /// A core model name no preset has, or a custom model the builder
    /// refused.
    #[error(transparent)]
    Model(#[from] DbgRegsError),
    /// Building or driving the machine.
    #[error(transparent)]
    Machine(#[from] MachineError),
    /// Installing or handling a breakpoint or watchpoint.
    #[error(transparent)]
    Install(#[from] InstallError),
    /// Parsing or running a replay trace.
    #[error(transparent)]
    Replay(#[from] ReplayError),
    /// A board name no board has, or a board that cannot boot.
    #[error(transparent)]
    Board(#[from] BoardError),
    /// A kernel configuration list that does not parse.
    #[error(transparent)]
    KernelConfig(#[from] KernelConfigError),
}
