//! Command-line argument parsing for the library's types: fault specs
//! (`CPU:KIND`), CPU lists, executor names. The library core never imports
//! this module.

use std::str::FromStr;

use super::error::CliError;
use crate::machine::{Executor, Fault, FaultKind, MAX_CPUS};

impl FromStr for FaultKind {
    type Err = CliError;

    fn from_str(s: &str) -> Result<FaultKind, CliError> {
        FaultKind::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| CliError::UnknownFault {
                kind: s.to_string(),
            })
    }
}

impl FromStr for Fault {
    type Err = CliError;

    /// Parses `CPU:KIND`, e.g. `2:swenable-low`. The CPU's range is checked
    /// by [`Machine::new`].
    fn from_str(s: &str) -> Result<Fault, CliError> {
        let malformed = || CliError::MalformedFault {
            spec: s.to_string(),
        };
        let (cpu, kind) = s.split_once(':').ok_or_else(malformed)?;
        let cpu = cpu.trim().parse::<usize>().map_err(|_| malformed())?;
        Ok(Fault {
            cpu,
            kind: kind.parse()?,
        })
    }
}

/// Parses a CPU list: comma-separated indices and inclusive ranges
/// (`2,3`, `2-3`, `1,4-6`). Duplicates are merged; the result is ascending.
///
/// # Errors
/// [`CliError::MalformedCpuList`] for anything else (empty items, a
/// reversed range, a non-number).
pub fn parse_cpu_list(list: &str) -> Result<Vec<usize>, CliError> {
    let bad = |reason: &str| CliError::MalformedCpuList {
        list: list.to_string(),
        reason: reason.to_string(),
    };
    let mut out = Vec::new();
    for item in list.split(',') {
        let item = item.trim();
        if item.is_empty() {
            return Err(bad("empty item"));
        }
        let num = |t: &str| {
            t.trim()
                .parse::<usize>()
                .map_err(|_| bad(&format!("`{}` is not a CPU number", t.trim())))
        };
        match item.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (num(a)?, num(b)?);
                if a > b {
                    return Err(bad(&format!("range {a}-{b} is reversed")));
                }
                if b - a >= MAX_CPUS {
                    return Err(bad(&format!(
                        "range {a}-{b} is longer than {MAX_CPUS} CPUs"
                    )));
                }
                out.extend(a..=b);
            }
            None => out.push(num(item)?),
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

impl FromStr for Executor {
    type Err = CliError;

    fn from_str(s: &str) -> Result<Executor, CliError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "inline" => Ok(Executor::Inline),
            "threads" | "thread-per-cpu" => Ok(Executor::Threads),
            _ => Err(CliError::UnknownExecutor {
                name: s.to_string(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_lists_parse() {
        assert_eq!(parse_cpu_list("2,3").ok(), Some(vec![2, 3]));
        assert_eq!(parse_cpu_list("2-3").ok(), Some(vec![2, 3]));
        assert_eq!(parse_cpu_list("5, 1-3,2").ok(), Some(vec![1, 2, 3, 5]));
        for bad in ["", "1,", "a", "3-1", "1-", "-2", "1--2"] {
            assert!(
                matches!(parse_cpu_list(bad), Err(CliError::MalformedCpuList { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn faults_parse() {
        assert_eq!(
            "2:swenable-low".parse::<Fault>().ok(),
            Some(Fault {
                cpu: 2,
                kind: FaultKind::SwenableLow
            })
        );
        for k in FaultKind::ALL {
            assert_eq!(k.name().parse::<FaultKind>().ok(), Some(k));
        }
        assert!(matches!(
            "2:melted".parse::<Fault>(),
            Err(CliError::UnknownFault { .. })
        ));
        assert!(matches!(
            "x:double-lock".parse::<Fault>(),
            Err(CliError::MalformedFault { .. })
        ));
        assert!(matches!(
            "double-lock".parse::<Fault>(),
            Err(CliError::MalformedFault { .. })
        ));
    }
}
