//! What the command line can get wrong: options that do not parse, and
//! the library's errors passed up.

/// An error of a `dbgemu` subcommand.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
    /// A fault kind the CLI/`FromStr` does not know.
    #[error("unknown fault kind `{kind}` (known kinds: swenable-low, powered-down, double-lock, no-os-save-restore, spd-on-wfi, monitor-refused)")]
    UnknownFault {
        /// The text given.
        kind: String,
    },
    /// A fault spec that is not `CPU:KIND`.
    #[error("malformed fault `{spec}`: expected CPU:KIND, e.g. 2:swenable-low")]
    MalformedFault {
        /// The text given.
        spec: String,
    },
    /// A CPU list (`2,3`, `1-3`) that does not parse.
    #[error("malformed CPU list `{list}`: {reason}")]
    MalformedCpuList {
        /// The text given.
        list: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An executor name other than `inline` or `threads`.
    #[error("unknown executor `{name}` (known: inline, threads)")]
    UnknownExecutor {
        /// The text given.
        name: String,
    },
    /// A `decode` argument that is not a word.
    #[error("invalid word {text:?} (argument {index}): {source}")]
    WordArgument {
        /// The argument as given.
        text: String,
        /// Its position among the WORD arguments, from 1.
        index: usize,
        /// What is wrong with it.
        source: crate::input::WordError,
    },
    /// A line of `decode`'s standard input that is not a word.
    #[error("invalid word {text:?} (stdin line {line}): {source}")]
    WordLine {
        /// The line without its comment, trimmed.
        text: String,
        /// Its line number, from 1.
        line: usize,
        /// What is wrong with it.
        source: crate::input::WordError,
    },
    /// A line of `decode`'s standard input that is not UTF-8.
    #[error("stdin line {line}: not UTF-8 text")]
    NotUtf8 {
        /// Its line number, from 1.
        line: usize,
    },
    /// An input file that cannot be opened.
    #[error("cannot read {}: {source}", path.display())]
    Open {
        /// The path given.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A streamed replay that stopped early.
    #[error(transparent)]
    Replay(#[from] crate::replay::ReplayStreamError),
    /// A CPU index past the machine's last vCPU (an option naming CPUs).
    #[error("CPU {cpu} does not exist: the machine has {count} vCPUs (0..={last})", last = count - 1)]
    NoSuchCpu {
        /// The index asked for.
        cpu: usize,
        /// The machine's vCPU count.
        count: usize,
    },
    /// Reading the input or writing the output failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The library refused the request.
    #[error(transparent)]
    Core(#[from] crate::error::DbgemuError),
}
