//! `dbgemu models` (under construction).

use super::CliResult;

/// Arguments of `dbgemu models`.
#[derive(Debug, clap::Args)]
pub struct ModelsArgs {}

/// Runs `dbgemu models`.
pub fn run(_args: ModelsArgs) -> CliResult {
    Err("not implemented yet".into())
}
