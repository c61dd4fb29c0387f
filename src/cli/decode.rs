//! `dbgemu decode` (under construction).

use super::CliResult;

/// Arguments of `dbgemu decode`.
#[derive(Debug, clap::Args)]
pub struct DecodeArgs {}

/// Runs `dbgemu decode`.
pub fn run(_args: DecodeArgs) -> CliResult {
    Err("not implemented yet".into())
}
