//! Boards: what a SoC decides beyond its core (docs/boards.md). A
//! [`Board`] is data — a core preset (with the board's MIDR where its boot
//! log prints another revision), a CPU count, each CPU's integration
//! signals ([`CpuSignals`]), the kernel the published log came from
//! ([`DriverVersion`], [`KernelConfig`], the compiler's Rt at the trapping
//! access sites) and the evidence — kept apart from the core model, which
//! knows nothing of boards. [`BOARDS`] holds one entry per board of
//! docs/boards.md whose published log was read in full.
//!
//! A board turns into the machine's per-CPU faults and the driver's init
//! options: DBGEN low (or a secure lock-down) makes DBGDSCR.MDBGen not stick
//! ([`FaultKind::MonitorRefused`]), DBGSWENABLE low makes software access
//! to the debug registers trap ([`FaultKind::SwenableLow`]), a debug power
//! domain that is down is [`FaultKind::PoweredDown`]. NIDEN, SPIDEN and
//! SPNIDEN gate non-invasive and secure debug, which the Linux driver's
//! init never exercises; they are carried as published (or, where
//! unpublished, as the nominal high) for callers that model them.

mod catalog;

use dbgregs::model::CoreModel;
use serde::Serialize;

use crate::driver::{AccessRegisters, DriverVersion, InitOptions, KernelConfig};
use crate::machine::{Fault, FaultKind, MachineConfig};

pub use catalog::BOARDS;

/// The debug power behaviour of one CPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum DebugPower {
    /// The debug power domain is up at boot.
    On,
    /// The debug power domain is down (DBGPRSR.PU = 0).
    Down,
}

/// One CPU's authentication and integration signals (DDI 0406C.d C2.3
/// "Authentication signals"; DBGSWENABLE from the debug access port).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct CpuSignals {
    /// DBGEN: invasive debug enabled. Low: DBGDSCR.MDBGen does not stick.
    pub dbgen: bool,
    /// NIDEN: non-invasive debug enabled.
    pub niden: bool,
    /// SPIDEN: secure invasive debug enabled.
    pub spiden: bool,
    /// SPNIDEN: secure non-invasive debug enabled.
    pub spniden: bool,
    /// DBGSWENABLE: software access to the debug registers enabled.
    pub dbgswenable: bool,
    /// The debug power domain at boot.
    pub power: DebugPower,
}

impl CpuSignals {
    /// Every signal high, debug powered: a fully enabled CPU.
    pub const NOMINAL: CpuSignals = CpuSignals {
        dbgen: true,
        niden: true,
        spiden: true,
        spniden: true,
        dbgswenable: true,
        power: DebugPower::On,
    };

    /// [`CpuSignals::NOMINAL`] with DBGEN low (or an equivalent secure
    /// lock-down; docs/boards.md#authentication).
    pub const DBGEN_LOW: CpuSignals = CpuSignals {
        dbgen: false,
        ..CpuSignals::NOMINAL
    };

    /// [`CpuSignals::NOMINAL`] with DBGSWENABLE low.
    pub const SWENABLE_LOW: CpuSignals = CpuSignals {
        dbgswenable: false,
        ..CpuSignals::NOMINAL
    };

    /// The machine faults these signals amount to.
    pub fn faults(&self) -> impl Iterator<Item = FaultKind> {
        [
            (!self.dbgen).then_some(FaultKind::MonitorRefused),
            (!self.dbgswenable).then_some(FaultKind::SwenableLow),
            (self.power == DebugPower::Down).then_some(FaultKind::PoweredDown),
        ]
        .into_iter()
        .flatten()
    }
}

/// Where a board's published boot log is and what it shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Evidence {
    /// The section of docs/boards.md (its anchor).
    pub section: &'static str,
    /// Where the log was published.
    pub published: &'static str,
    /// The kernel version line (or what is known of it).
    pub kernel: &'static str,
}

/// Which driver flow the board's kernel ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum BoardDriver {
    /// A modelled [`DriverVersion`].
    Modelled(DriverVersion),
    /// A kernel whose driver flow is not modelled (e.g. v3.4's
    /// `on_each_cpu(reset_ctrl_regs)`), by version.
    NotModelled(&'static str),
}

/// A board description (module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Board {
    /// The name `--board` takes.
    pub name: &'static str,
    /// What the board is.
    pub title: &'static str,
    /// The core model preset.
    pub core: &'static str,
    /// MIDR as the board's boot log prints it, where it differs from the
    /// preset's.
    pub midr: Option<u32>,
    /// Number of CPUs.
    pub cpus: usize,
    /// Signals of each CPU, by index; CPUs past the end are nominal.
    pub signals: &'static [CpuSignals],
    /// The driver flow of the board's kernel.
    pub driver: BoardDriver,
    /// The kernel's build configuration.
    pub kernel: KernelConfig,
    /// Rt at the access sites whose words the published lines print.
    pub rt: AccessRegisters,
    /// Where the published log is.
    pub evidence: Evidence,
    /// Why `boot --board` does not reproduce the published lines yet, if
    /// it does not (the missing piece and its decision section).
    pub needs: Option<&'static str>,
}

/// What is wrong with a board request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BoardError {
    /// No board has this name.
    #[error("unknown board `{name}` (known boards: {known})")]
    UnknownBoard {
        /// The name as given.
        name: String,
        /// The known names, comma-separated.
        known: String,
    },
    /// The board's kernel runs a driver flow the emulator does not model.
    #[error(
        "board `{board}` ran a {version} kernel, whose hw_breakpoint driver flow is not modelled"
    )]
    DriverNotModelled {
        /// The board.
        board: &'static str,
        /// Its kernel version.
        version: &'static str,
    },
    /// The board's core preset or MIDR was refused by the model builder.
    #[error("board `{board}`: {source}")]
    Model {
        /// The board.
        board: &'static str,
        /// The model error.
        #[source]
        source: dbgregs::error::DbgRegsError,
    },
}

impl Board {
    /// The board named `name` (case-insensitive).
    ///
    /// # Errors
    /// [`BoardError::UnknownBoard`], listing the known names.
    ///
    /// ```
    /// let b = dbgemu::board::Board::find("tegra124-jetson-tk1")?;
    /// assert_eq!((b.core, b.cpus), ("cortex-a15", 4));
    /// assert!(dbgemu::board::Board::find("nope").is_err());
    /// # Ok::<(), dbgemu::board::BoardError>(())
    /// ```
    pub fn find(name: &str) -> Result<&'static Board, BoardError> {
        BOARDS
            .iter()
            .find(|b| b.name.eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| BoardError::UnknownBoard {
                name: name.to_string(),
                known: BOARDS.iter().map(|b| b.name).collect::<Vec<_>>().join(", "),
            })
    }

    /// The signals of CPU `cpu`.
    pub fn cpu_signals(&self, cpu: usize) -> CpuSignals {
        self.signals
            .get(cpu)
            .copied()
            .unwrap_or(CpuSignals::NOMINAL)
    }

    /// The core model: the preset, with the board's MIDR.
    ///
    /// # Errors
    /// [`BoardError::Model`].
    pub fn model(&self) -> Result<CoreModel, BoardError> {
        let err = |source| BoardError::Model {
            board: self.name,
            source,
        };
        let preset = *CoreModel::preset(self.core).map_err(err)?;
        match self.midr {
            None => Ok(preset),
            Some(midr) => preset.to_builder().midr(midr).build().map_err(err),
        }
    }

    /// The machine: the model, the CPU count and each CPU's signals as
    /// faults.
    ///
    /// # Errors
    /// [`BoardError::Model`].
    pub fn machine_config(&self) -> Result<MachineConfig, BoardError> {
        let mut cfg = MachineConfig::new(self.model()?, self.cpus);
        cfg.faults = (0..self.cpus)
            .flat_map(|cpu| {
                self.cpu_signals(cpu)
                    .faults()
                    .map(move |kind| Fault { cpu, kind })
            })
            .collect();
        Ok(cfg)
    }

    /// The driver's init options: the board kernel's driver version,
    /// configuration and access registers.
    ///
    /// # Errors
    /// [`BoardError::DriverNotModelled`].
    pub fn init_options(&self) -> Result<InitOptions, BoardError> {
        match self.driver {
            BoardDriver::Modelled(driver) => Ok(InitOptions {
                driver,
                kernel: self.kernel,
                rt: self.rt,
                ..InitOptions::default()
            }),
            BoardDriver::NotModelled(version) => Err(BoardError::DriverNotModelled {
                board: self.name,
                version,
            }),
        }
    }
}
