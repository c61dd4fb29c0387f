//! `dbgemu models`: the core model presets as a table.

use dbgregs::model::{CoreModel, OsLockModel};

use super::CliResult;

/// Arguments of `dbgemu models`.
#[derive(Debug, clap::Args)]
pub struct ModelsArgs {}

/// The table `dbgemu models` prints.
pub fn table() -> String {
    let mut out = format!(
        "{:<11} {:<10} {:<10} {:<8} {:>4} {:>4} {:>3} {:<13} {:>6}\n",
        "MODEL", "MIDR", "DBGDIDR", "VERSION", "BRPS", "WRPS", "CTX", "OS-SAVE/REST", "MAX-WP"
    );
    for m in CoreModel::presets() {
        let os = match m.os_lock() {
            OsLockModel::None => "none",
            OsLockModel::SaveRestore => "save/restore",
            OsLockModel::LockOnly => "lock-only",
        };
        out.push_str(&format!(
            "{:<11} 0x{:08x} 0x{:08x} {:<8} {:>4} {:>4} {:>3} {:<13} {:>6}\n",
            m.name(),
            m.midr(),
            m.dbgdidr(),
            m.version().name(),
            m.brps(),
            m.wrps(),
            m.ctx_cmps(),
            os,
            m.wp_bas_bytes()
        ));
    }
    out
}

/// Runs `dbgemu models`.
pub fn run(_args: ModelsArgs) -> CliResult {
    use std::io::Write as _;
    std::io::stdout().lock().write_all(table().as_bytes())?;
    Ok(())
}
