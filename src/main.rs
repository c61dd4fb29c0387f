//! The `dbgemu` command-line tool (see [`dbgemu::cli`]).

fn main() -> std::process::ExitCode {
    dbgemu::cli::main()
}
