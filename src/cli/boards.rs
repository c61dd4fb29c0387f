//! `dbgemu boards`: the shipped board descriptions with their evidence
//! (docs/boards.md), and how `dbgemu boot --board` applies one.

use std::fmt::Write as _;

use crate::board::{Board, BoardDriver, CpuSignals, DebugPower, BOARDS};

use super::CliResult;

/// Arguments of `dbgemu boards`.
#[derive(Debug, clap::Args)]
pub struct BoardsArgs {}

fn signals(s: &CpuSignals) -> String {
    let mut low: Vec<&str> = [
        (s.dbgen, "DBGEN"),
        (s.niden, "NIDEN"),
        (s.spiden, "SPIDEN"),
        (s.spniden, "SPNIDEN"),
        (s.dbgswenable, "DBGSWENABLE"),
    ]
    .iter()
    .filter(|(on, _)| !on)
    .map(|&(_, n)| n)
    .collect();
    if s.power == DebugPower::Down {
        low.push("debug power");
    }
    if low.is_empty() {
        "nominal".to_string()
    } else {
        format!("{} low", low.join(", "))
    }
}

fn describe(out: &mut String, b: &Board) -> std::fmt::Result {
    writeln!(out, "{}  {}", b.name, b.title)?;
    let midr = b
        .midr
        .map_or_else(String::new, |m| format!(" (MIDR 0x{m:08x})"));
    writeln!(out, "    core {}{midr}, {} CPU(s)", b.core, b.cpus)?;
    for cpu in 0..b.cpus {
        let s = b.cpu_signals(cpu);
        if s != CpuSignals::NOMINAL {
            writeln!(out, "    CPU {cpu}: {}", signals(&s))?;
        }
    }
    let driver = match b.driver {
        BoardDriver::Modelled(d) => format!("{d:?}"),
        BoardDriver::NotModelled(v) => format!("{v} (not modelled)"),
    };
    writeln!(out, "    driver {driver}, kernel config {}", b.kernel)?;
    if b.rt.vcr_write != 0 || b.rt.prsr_read != 0 {
        writeln!(
            out,
            "    Rt: DBGVCR write r{}, DBGPRSR read r{}",
            b.rt.vcr_write, b.rt.prsr_read
        )?;
    }
    writeln!(out, "    kernel: {}", b.evidence.kernel)?;
    writeln!(out, "    published: {}", b.evidence.published)?;
    writeln!(out, "    evidence: {}", b.evidence.section)?;
    if let Some(needs) = b.needs {
        writeln!(
            out,
            "    does not yet boot to its published lines: needs {needs}"
        )?;
    }
    Ok(())
}

/// The listing `dbgemu boards` prints.
pub fn listing() -> String {
    let mut out = String::new();
    for b in &BOARDS {
        // Writing to a String cannot fail.
        let _ = describe(&mut out, b);
    }
    out
}

/// Runs `dbgemu boards`.
pub fn run(_args: BoardsArgs) -> CliResult {
    use std::io::Write as _;
    // A write, not print!: a closed stdout is an error main() recognises
    // (print! would panic).
    std::io::stdout().lock().write_all(listing().as_bytes())?;
    Ok(())
}
