//! `dbgemu boot` (under construction).

use super::CliResult;

/// Arguments of `dbgemu boot`.
#[derive(Debug, clap::Args)]
pub struct BootArgs {}

/// Runs `dbgemu boot`.
pub fn run(_args: BootArgs) -> CliResult {
    Err("not implemented yet".into())
}
