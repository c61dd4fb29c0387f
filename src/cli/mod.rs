//! The subcommands. Each returns `Err` with a message for the user on bad
//! input; `main` prints it and exits non-zero.

pub mod boot;
pub mod decode;
pub mod models;
pub mod replay;

/// An error a subcommand reports to the user.
pub type CliResult = Result<(), Box<dyn std::error::Error>>;
