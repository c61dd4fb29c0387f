//! `dbgemu boot`: build an emulated machine, run the Linux hw_breakpoint
//! init on it, print the kernel log and a per-CPU register table, then bring
//! the `--online-later` CPUs up and show whether the reset ran on them.
//!
//! The kernel-style log lines come from `tracing` (target `hw-breakpoint`)
//! through a `tracing-subscriber` writing to stdout (to stderr with
//! `--json`, where stdout carries only the JSON result). Progress and timing
//! go to stderr.

use std::io::Write;
use std::time::Instant;

use crate::board::Board;
use crate::driver::{HwBreakpoint, InitOptions};
use crate::machine::{Executor, Fault, FaultKind, Machine, MachineConfig};
use dbgregs::model::CoreModel;
use dbgregs::version::DebugVersion;
use serde::Serialize;

use super::args::parse_cpu_list;
use super::json::{DemoDoc, FaultDoc, InitDoc, OopsDoc};

use super::CliResult;

/// The core preset without `--cpu` or `--board`.
const DEFAULT_MODEL: &str = "cortex-a15";
/// The CPU count without `--cpus` or `--board`.
const DEFAULT_CPUS: usize = 4;

/// Arguments of `dbgemu boot`.
#[derive(Debug, clap::Args)]
pub struct BootArgs {
    /// Core model preset of every vCPU (`dbgemu models` lists them;
    /// default cortex-a15, or the board's core).
    #[arg(long = "cpu", value_name = "MODEL")]
    pub cpu: Option<String>,
    /// Number of vCPUs (default 4, or the board's count).
    #[arg(long, value_name = "N")]
    pub cpus: Option<usize>,
    /// Boot a board description (`dbgemu boards` lists them): its core,
    /// CPU count, per-CPU signals (as faults), driver version, kernel
    /// configuration and access registers. `--cpu`, `--cpus`, `--fault` and
    /// `--kernel-config` override or add to it.
    #[arg(long, value_name = "NAME")]
    pub board: Option<String>,
    /// A fault on one CPU, `CPU:KIND` with KIND one of swenable-low,
    /// powered-down, double-lock, no-os-save-restore, spd-on-wfi,
    /// monitor-refused (repeatable).
    #[arg(long = "fault", value_name = "CPU:KIND")]
    pub faults: Vec<String>,
    /// CPUs that start offline and are brought online after init
    /// (`2,3` or `2-3`).
    #[arg(long = "online-later", value_name = "LIST")]
    pub online_later: Option<String>,
    /// After the late CPUs, put these online CPUs through a low-power state
    /// that loses debug state (CPU PM enter/exit), e.g. `1` or `0-3`.
    #[arg(long = "pm-cycle", value_name = "LIST")]
    pub pm_cycle: Option<String>,
    /// Print the structured result as JSON on stdout (the log goes to
    /// stderr).
    #[arg(long)]
    pub json: bool,
    /// Hotplug executor: `inline` or `threads` (one cpuhp/<n> thread per
    /// CPU).
    #[arg(long, value_name = "EXECUTOR", default_value = "inline")]
    pub executor: String,
    /// After init, install one breakpoint and one watchpoint on CPU 0, run
    /// a short synthetic program there and print the debug events.
    #[arg(long)]
    pub demo: bool,
    /// The kernel's build configuration: comma-separated options, each
    /// `NAME`, `NAME=y` or `NAME=n` (`CONFIG_` prefix optional), e.g.
    /// `CONFIG_ARM_ERRATA_764319=y`. Default: the Kconfig defaults.
    #[arg(long = "kernel-config", value_name = "LIST")]
    pub kernel_config: Option<String>,
}

/// One CPU's row of the table.
#[derive(Debug, Serialize)]
struct CpuReport {
    cpu: usize,
    online: bool,
    faults: Vec<FaultKind>,
    error: bool,
    resets: u32,
    dscr: u32,
    /// DBGOSLSR, where CP14 has it (v7 full CP14, v7.1 and later).
    oslsr: Option<u32>,
    /// DBGPRSR, where CP14 has it (v7 full CP14, v7.1).
    prsr: Option<u32>,
    vcr: u32,
    bcr: Vec<u32>,
    bvr: Vec<u32>,
    wcr: Vec<u32>,
    wvr: Vec<u32>,
}

/// What happened when an `--online-later` CPU came up.
#[derive(Debug, Serialize)]
struct LateReport {
    cpu: usize,
    online: bool,
    reset_ran: bool,
    error: Option<String>,
}

/// What happened when a `--pm-cycle` CPU resumed.
#[derive(Debug, Serialize)]
struct PmReport {
    cpu: usize,
    reset_ran: bool,
    oops: Option<OopsDoc>,
    error: Option<String>,
}

/// The whole `--json` document (schema: [`super::json::SCHEMA`]).
#[derive(Debug, Serialize)]
struct BootReport {
    schema: u32,
    model: String,
    midr: u32,
    dbgdidr: u32,
    cpus: usize,
    executor: String,
    faults: Vec<FaultDoc>,
    online_later: Vec<usize>,
    init: InitDoc,
    table: Vec<CpuReport>,
    brought_online: Vec<LateReport>,
    table_after: Vec<CpuReport>,
    pm_cycled: Vec<PmReport>,
    oopses: Vec<OopsDoc>,
    state_bytes: usize,
    demo: Option<DemoDoc>,
}

fn install_log(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,hw-breakpoint=info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .without_time()
        .with_level(false)
        .with_target(true)
        .with_ansi(false);
    // A second installation (tests calling `run` twice) keeps the first.
    let _ = if json {
        builder.with_writer(std::io::stderr).try_init()
    } else {
        builder.with_writer(|| super::LogStdout).try_init()
    };
}

fn report(
    machine: &Machine,
    hw: &HwBreakpoint,
    cpus: &[usize],
) -> Result<Vec<CpuReport>, crate::DbgemuError> {
    let mut out = Vec::with_capacity(cpus.len());
    for &cpu in cpus {
        let v = machine.vcpu(cpu)?;
        let m = v.model();
        let d = v.debug();
        let b = usize::from(m.brps());
        let w = usize::from(m.wrps());
        let ver = m.version();
        let has_oslsr = ver == DebugVersion::V7Full || ver.at_least_v7_1();
        let has_prsr = ver == DebugVersion::V7Full || ver == DebugVersion::V7_1;
        out.push(CpuReport {
            cpu,
            online: machine.is_online(cpu),
            faults: v.faults().kinds().collect(),
            error: hw.core().err_mask().test(cpu),
            resets: hw.core().reset_runs(cpu),
            dscr: d.dscr_int(m),
            oslsr: has_oslsr.then(|| d.oslsr(m)),
            prsr: has_prsr.then(|| d.prsr(m)),
            vcr: d.vcr(),
            bcr: d.bcrs()[..b].to_vec(),
            bvr: d.bvrs()[..b].to_vec(),
            wcr: d.wcrs()[..w].to_vec(),
            wvr: d.wvrs()[..w].to_vec(),
        });
    }
    Ok(out)
}

fn hex_row(values: &[u32]) -> String {
    values
        .iter()
        .map(|v| format!("{v:08x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn print_table(out: &mut impl Write, rows: &[CpuReport]) -> std::io::Result<()> {
    for r in rows {
        let faults = if r.faults.is_empty() {
            "-".to_string()
        } else {
            r.faults
                .iter()
                .map(|f| f.name())
                .collect::<Vec<_>>()
                .join(",")
        };
        writeln!(
            out,
            "CPU {:<3} {:<8} error {:<3} resets {:<2} faults {}",
            r.cpu,
            if r.online { "online" } else { "offline" },
            if r.error { "yes" } else { "no" },
            r.resets,
            faults
        )?;
        let opt = |v: Option<u32>| v.map_or_else(|| "-".repeat(8), |v| format!("{v:08x}"));
        writeln!(
            out,
            "    DSCR {:08x}  OSLSR {}  PRSR {}  VCR {:08x}",
            r.dscr,
            opt(r.oslsr),
            opt(r.prsr),
            r.vcr
        )?;
        writeln!(out, "    BCR  {}", hex_row(&r.bcr))?;
        writeln!(out, "    BVR  {}", hex_row(&r.bvr))?;
        writeln!(out, "    WCR  {}", hex_row(&r.wcr))?;
        writeln!(out, "    WVR  {}", hex_row(&r.wvr))?;
    }
    Ok(())
}

/// Runs `dbgemu boot`.
pub fn run(args: BootArgs) -> CliResult {
    let board = match &args.board {
        Some(name) => Some(Board::find(name).map_err(crate::DbgemuError::from)?),
        None => None,
    };
    let model: CoreModel = match (&args.cpu, board) {
        (Some(cpu), _) => *CoreModel::preset(cpu).map_err(crate::DbgemuError::from)?,
        (None, Some(b)) => b.model().map_err(crate::DbgemuError::from)?,
        (None, None) => *CoreModel::preset(DEFAULT_MODEL).map_err(crate::DbgemuError::from)?,
    };
    let cpus = args.cpus.or(board.map(|b| b.cpus)).unwrap_or(DEFAULT_CPUS);
    let executor: Executor = args.executor.parse()?;
    let mut faults = match board {
        Some(b) => b
            .machine_config()
            .map_err(crate::DbgemuError::from)?
            .faults
            .into_iter()
            .filter(|f| f.cpu < cpus)
            .collect(),
        None => Vec::new(),
    };
    for s in &args.faults {
        faults.push(s.parse::<Fault>()?);
    }
    let later = match &args.online_later {
        Some(list) => parse_cpu_list(list)?,
        None => Vec::new(),
    };
    let pm_cpus = match &args.pm_cycle {
        Some(list) => parse_cpu_list(list)?,
        None => Vec::new(),
    };
    if let Some(&cpu) = pm_cpus.iter().find(|&&c| c >= cpus) {
        return Err(super::error::CliError::NoSuchCpu { cpu, count: cpus }.into());
    }
    let base = match board {
        Some(b) => b.init_options().map_err(crate::DbgemuError::from)?,
        None => InitOptions::default(),
    };
    let init_options = InitOptions {
        kernel: match &args.kernel_config {
            Some(list) => list.parse().map_err(crate::DbgemuError::from)?,
            None => base.kernel,
        },
        ..base
    };
    let config = MachineConfig {
        model,
        cpus,
        faults: faults.clone(),
        offline: later.clone(),
        executor,
        trace: false,
    };
    install_log(args.json);

    super::progress!(
        "dbgemu: booting {} x {} (MIDR 0x{:08x}, DBGDIDR 0x{:08x}, debug {}), executor {}",
        cpus,
        model.name(),
        model.midr(),
        model.dbgdidr(),
        model.version(),
        executor
    );
    let t0 = Instant::now();
    let machine = Machine::new(config)?;
    let t_machine = t0.elapsed();
    let t1 = Instant::now();
    let hw = HwBreakpoint::init(&machine, init_options);
    let t_init = t1.elapsed();
    super::progress!(
        "dbgemu: machine built in {:.1?}, hw_breakpoint init took {:.1?}",
        t_machine,
        t_init
    );

    let all: Vec<usize> = (0..machine.cpus()).collect();
    let table = report(&machine, &hw, &all)?;
    let stdout = std::io::stdout();
    if !args.json {
        let mut out = stdout.lock();
        let r = hw.result();
        writeln!(out)?;
        writeln!(
            out,
            "init: debug arch 0x{:x} ({}), {}; state {}; error mask {}",
            r.debug_arch,
            if r.supported {
                "supported"
            } else {
                "unsupported"
            },
            if r.enabled {
                "hardware breakpoints enabled"
            } else {
                "hardware breakpoints disabled"
            },
            match r.state_installed {
                Some(s) => format!("{s} \"arm/hw_breakpoint:online\" installed"),
                None => "none installed".to_string(),
            },
            if r.error_mask.is_empty() {
                "{}".to_string()
            } else {
                format!(
                    "{{{}}}",
                    r.error_mask
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(",")
                )
            }
        )?;
        if let Some(o) = &r.oops {
            writeln!(out, "init stopped: {o}")?;
        }
        writeln!(out)?;
        print_table(&mut out, &table)?;
    }
    let demo = match args.demo {
        true => Some(crate::demo::run_demo(&machine, &hw)?),
        false => None,
    };
    if let (Some(d), false) = (&demo, args.json) {
        let mut out = stdout.lock();
        writeln!(out)?;
        write!(out, "{}", d.render())?;
    }

    let mut late = Vec::new();
    if !later.is_empty() {
        if !args.json {
            writeln!(stdout.lock())?;
        }
        for &cpu in &later {
            let before = hw.core().reset_runs(cpu);
            super::progress!("dbgemu: bringing CPU {cpu} online");
            let t = Instant::now();
            let res = machine.cpu_up(cpu);
            let took = t.elapsed();
            let ran = hw.core().reset_runs(cpu) > before;
            let rep = LateReport {
                cpu,
                online: machine.is_online(cpu),
                reset_ran: ran,
                error: res.err().map(|e| e.to_string()),
            };
            super::progress!("dbgemu: cpu_up({cpu}) took {took:.1?}");
            if !args.json {
                let mut out = stdout.lock();
                write!(
                    out,
                    "cpu_up({cpu}): {}, reset {}",
                    if rep.online {
                        "online"
                    } else {
                        "still offline"
                    },
                    if rep.reset_ran {
                        "ran (dbg_reset_online)"
                    } else {
                        "did not run"
                    }
                )?;
                match &rep.error {
                    Some(e) => writeln!(out, ", failed: {e}")?,
                    None => writeln!(out)?,
                }
            }
            late.push(rep);
        }
    }
    let table_after = report(&machine, &hw, &later)?;
    if !args.json && !later.is_empty() {
        let mut out = stdout.lock();
        writeln!(out)?;
        print_table(&mut out, &table_after)?;
    }

    let mut pm = Vec::new();
    if !pm_cpus.is_empty() && !args.json {
        writeln!(stdout.lock())?;
    }
    for &cpu in &pm_cpus {
        let before = hw.core().reset_runs(cpu);
        super::progress!("dbgemu: CPU {cpu} enters a low-power state and resumes");
        let res = machine.cpu_suspend_resume(cpu);
        let rep = PmReport {
            cpu,
            reset_ran: hw.core().reset_runs(cpu) > before,
            oops: res
                .as_ref()
                .ok()
                .and_then(Option::as_ref)
                .map(OopsDoc::from),
            error: res.as_ref().err().map(ToString::to_string),
        };
        if !args.json {
            let mut out = stdout.lock();
            write!(
                out,
                "cpu_pm_exit({cpu}): reset {}",
                if rep.reset_ran {
                    "ran (CPU_PM_EXIT)"
                } else {
                    "did not run"
                }
            )?;
            match (res.as_ref().ok().and_then(Option::as_ref), &rep.error) {
                (Some(o), _) => writeln!(out, ", {o}")?,
                (None, Some(e)) => writeln!(out, ", failed: {e}")?,
                (None, None) => writeln!(out)?,
            }
        }
        pm.push(rep);
    }
    if !pm_cpus.is_empty() && !args.json {
        let rows = report(&machine, &hw, &pm_cpus)?;
        let mut out = stdout.lock();
        writeln!(out)?;
        print_table(&mut out, &rows)?;
    }

    let oopses = machine.oopses();
    if args.json {
        let doc = BootReport {
            schema: super::json::SCHEMA_VERSION,
            model: model.name().to_string(),
            midr: model.midr(),
            dbgdidr: model.dbgdidr(),
            cpus: machine.cpus(),
            executor: executor.to_string(),
            faults: faults.iter().map(FaultDoc::from).collect(),
            online_later: later,
            init: hw.result().into(),
            table,
            brought_online: late,
            table_after,
            pm_cycled: pm,
            oopses: oopses.iter().map(OopsDoc::from).collect(),
            state_bytes: machine.state_bytes(),
            demo: demo.as_ref().map(DemoDoc::from),
        };
        let mut out = stdout.lock();
        // Back to an io::Error, so that a closed pipe is recognised as one.
        serde_json::to_writer_pretty(&mut out, &doc).map_err(std::io::Error::from)?;
        writeln!(out)?;
    } else if !oopses.is_empty() {
        let mut out = stdout.lock();
        writeln!(out)?;
        for o in &oopses {
            writeln!(out, "{o}")?;
        }
    }
    Ok(())
}
