//! `dbgemu replay`: run a trap trace against a fresh CPU of a core model
//! (format: [`crate::replay`]).

use std::io::Read as _;
use std::path::PathBuf;

use super::CliResult;

/// Arguments of `dbgemu replay`.
#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// The core model preset (see `dbgemu models`).
    #[arg(long)]
    pub cpu: String,
    /// The trace file; standard input when absent.
    pub file: Option<PathBuf>,
}

/// Runs `dbgemu replay`.
pub fn run(args: ReplayArgs) -> CliResult {
    let text = match &args.file {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?,
        None => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| format!("cannot read standard input: {e}"))?;
            s
        }
    };
    let out = crate::replay::replay(&args.cpu, &text)?;
    print!("{out}");
    Ok(())
}
