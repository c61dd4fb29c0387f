//! The `dbgemu` command-line tool.

mod cli;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
    Boot(cli::boot::BootArgs),
    /// List the core model presets.
    Models(cli::models::ModelsArgs),
    /// Decode instruction words as CP14 accesses.
    Decode(cli::decode::DecodeArgs),
    /// Replay a trap trace against a fresh CPU of a model.
    Replay(cli::replay::ReplayArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Boot(args) => cli::boot::run(args),
        Command::Models(args) => cli::models::run(args),
        Command::Decode(args) => cli::decode::run(args),
        Command::Replay(args) => cli::replay::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("dbgemu: {err}");
            ExitCode::FAILURE
        }
    }
}
