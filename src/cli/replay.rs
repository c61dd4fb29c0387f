//! `dbgemu replay` (under construction).

use super::CliResult;

/// Arguments of `dbgemu replay`.
#[derive(Debug, clap::Args)]
pub struct ReplayArgs {}

/// Runs `dbgemu replay`.
pub fn run(_args: ReplayArgs) -> CliResult {
    Err("not implemented yet".into())
}
