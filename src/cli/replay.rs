//! `dbgemu replay`: run a trap trace against a fresh CPU of a core model,
//! streamed line by line (format: [`crate::replay`]).

use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::path::PathBuf;

use super::error::CliError;
use super::CliResult;
use crate::replay::Replayer;
use dbgregs::model::CoreModel;

/// The trace format, every output form and the error behaviour, for
/// `dbgemu replay --help`.
pub const LONG_ABOUT: &str = "\
Replay a trap trace against a fresh CPU of a core model.

The vCPU is just out of cold reset (UNKNOWN values zero) and runs at PL1 (SVC
mode, ARM state, APSR flags clear) with DBGSWENABLE high; its general
registers start at 0 and persist from line to line.

INPUT (one access per line):
    WORD [0xVALUE]
  WORD is an A32 instruction word: exactly 8 hex digits, optionally prefixed
  by 0x (the same syntax as `dbgemu decode`). VALUE is loaded into Rt before
  the access (low word into Rt, high word into Rt2 for MCRR/MRRC); it is 0x
  followed by 1-8 hex digits, 1-16 for a 64-bit MCRR/MRRC. `#` starts a
  comment; blank lines and surrounding whitespace are ignored. A line is at
  most 4096 bytes of UTF-8.

OUTPUT (exactly one line per access, the word as 8 lower-case hex digits):
    <word> = 0x<8 hex>    a completed MRC: the value read (Rt = 15: its top
                          four bits went to APSR.NZCV)
    <word> = 0x<16 hex>   a completed MRRC: Rt2:Rt
    <word> ok             a completed MCR or MCRR
    <word> undef          the access takes an Undefined Instruction exception
    <word> skipped        the condition failed (flags are clear), no access
    <word> abort          an LDC/STC: the replay guest has no memory

STREAMING AND ERRORS:
  The trace is read and replayed one line at a time, in constant memory
  whatever its length. Each line is checked before it runs: a malformed line,
  a word that is no CP14 access or a value wider than its transfer stops the
  replay with `dbgemu: line N: ...` on stderr naming the line, and nothing is
  printed for it; the output of the lines before it has already been written.

EXIT STATUS:
  0  the whole trace replayed, or stdout was closed early (e.g. `| head`):
     the tool then stops quietly
  1  a bad line, an unknown model, or an unreadable input (message on stderr)
  2  bad command-line usage";

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
    let model = CoreModel::preset(&args.cpu).map_err(crate::DbgemuError::from)?;
    let stdin;
    let input: Box<dyn BufRead> = match &args.file {
        Some(path) => Box::new(BufReader::new(File::open(path).map_err(|source| {
            CliError::Open {
                path: path.clone(),
                source,
            }
        })?)),
        None => {
            stdin = io::stdin();
            Box::new(stdin.lock())
        }
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let result = Replayer::new(model).run(input, &mut out);
    // The lines before an error are printed before the error is reported.
    let flushed = out.flush();
    result?;
    flushed?;
    Ok(())
}
