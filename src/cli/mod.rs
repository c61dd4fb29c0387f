//! The `dbgemu` command-line tool: argument parsing ([`args`]) and one
//! module per subcommand. Each subcommand returns `Err` with a message for
//! the user on bad input; [`main`] prints it and exits non-zero.
//!
//! A closed standard output (`dbgemu replay t | head -1`) is no error:
//! the reader chose to stop, so the tool stops quietly with status 0, as
//! ripgrep and other Rust tools do, rather than 141 (death by SIGPIPE, what
//! `cat` gets): Rust ignores SIGPIPE, a write then returns
//! [`std::io::ErrorKind::BrokenPipe`], and [`main`] recognises it anywhere
//! in the error's source chain. Status 0 keeps `set -o pipefail` scripts
//! from failing because a consumer read only what it needed.
//!
//! This is the top layer: the library core (machine, driver, install,
//! replay) never imports it.

pub mod args;
pub mod boards;
pub mod boot;
pub mod decode;
pub mod error;
pub mod json;
pub mod models;
pub mod replay;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// An error a subcommand reports to the user.
pub type CliResult = Result<(), Box<dyn std::error::Error>>;

/// Exit statuses, for the top-level `--help`.
const EXIT_STATUS: &str = "\
EXIT STATUS:
  0  success, or standard output was closed early (e.g. `| head`): every
     subcommand then stops quietly, without a message
  1  bad input (a malformed word or trace line, an unknown model, an
     unreadable file), reported as `dbgemu: <error>` on stderr
  2  bad command-line usage (clap's message on stderr)";

/// Emulated ARM AArch32 CP14 debug registers.
#[derive(Debug, Parser)]
#[command(name = "dbgemu", version, about, after_help = EXIT_STATUS)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Boot an emulated machine and run the Linux hw_breakpoint init on it.
    #[command(after_long_help = json::SCHEMA)]
    Boot(boot::BootArgs),
    /// List the core model presets.
    Models(models::ModelsArgs),
    /// List the board descriptions and the published boot logs they follow.
    Boards(boards::BoardsArgs),
    /// Decode instruction words as CP14 accesses.
    #[command(long_about = decode::LONG_ABOUT)]
    Decode(decode::DecodeArgs),
    /// Replay a trap trace against a fresh CPU of a model.
    #[command(long_about = replay::LONG_ABOUT)]
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
        Err(err) if is_broken_pipe(err.as_ref()) => ExitCode::SUCCESS,
        Err(err) => {
            use std::io::Write as _;
            // A closed stderr leaves nowhere to report to: the status says it.
            let _ = writeln!(std::io::stderr(), "dbgemu: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Whether `err` or any error in its source chain is a closed pipe.
pub fn is_broken_pipe(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(err);
    while let Some(e) = next {
        if e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
        {
            return true;
        }
        next = e.source();
    }
    false
}

/// Standard output for the kernel log (`tracing-subscriber`'s writer): a
/// closed pipe swallows the line instead of making the subscriber complain
/// on stderr; the subcommand's next own write then meets the closed pipe
/// and stops quietly. Every other error passes through.
pub(crate) struct LogStdout;

impl std::io::Write for LogStdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match std::io::stdout().write(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(buf.len()),
            other => other,
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match std::io::stdout().flush() {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => other,
        }
    }
}

/// Writes a progress line to stderr, ignoring a closed stderr (progress is
/// not output: losing it must not stop the tool or panic as `eprintln!`
/// does).
macro_rules! progress {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}
pub(crate) use progress;
