//! The `dbgemu` command-line tool: argument parsing ([`args`]) and one
//! module per subcommand. Each subcommand returns `Err` with a message for
//! the user on bad input; [`main`] prints it and exits non-zero.
//!
//! This is the top layer: the library core (machine, driver, install,
//! replay) never imports it.

pub mod args;
pub mod boards;
pub mod boot;
pub mod decode;
pub mod error;
pub mod models;
pub mod replay;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// An error a subcommand reports to the user.
pub type CliResult = Result<(), Box<dyn std::error::Error>>;

/// Emulated ARM AArch32 CP14 debug registers.
#[derive(Debug, Parser)]
#[command(name = "dbgemu", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Boot an emulated machine and run the Linux hw_breakpoint init on it.
    Boot(boot::BootArgs),
    /// List the core model presets.
    Models(models::ModelsArgs),
    /// List the board descriptions and the published boot logs they follow.
    Boards(boards::BoardsArgs),
    /// Decode instruction words as CP14 accesses.
    Decode(decode::DecodeArgs),
    /// Replay a trap trace against a fresh CPU of a model.
    Replay(replay::ReplayArgs),
}

/// Parses the process arguments, runs the subcommand and maps its result to
/// the exit code (printing the error as `dbgemu: <error>`).
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Boot(args) => boot::run(args),
        Command::Models(args) => models::run(args),
        Command::Boards(args) => boards::run(args),
        Command::Decode(args) => decode::run(args),
        Command::Replay(args) => replay::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("dbgemu: {err}");
            ExitCode::FAILURE
        }
    }
}
