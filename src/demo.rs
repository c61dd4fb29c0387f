//! `dbgemu boot --demo`: after the hw_breakpoint init, install one
//! breakpoint and one watchpoint on CPU 0 the way ptrace does (default
//! overflow handler, so hits are stepped over with a mismatch breakpoint
//! where the core has them), run a short synthetic user program on CPU 0
//! (instruction fetches, loads and stores, some hitting) and report every
//! debug exception: kind, address, MOE, DBGWFAR/DFAR, slot, and the
//! step-over.
//!
//! The synthetic CPU: each instruction is fetched (breakpoints checked),
//! then makes its data access if it has one (watchpoints checked). After a
//! debug exception whose handler started or finished a step-over the
//! instruction is executed again (the exception returns to it); otherwise
//! (no step-over on the core, or an asynchronous watchpoint taken after the
//! access) the program moves on, as a debugger handling the event would.

use std::fmt::Write as _;
use std::sync::Arc;

use dbgregs::matching::{AccessKind, DataAccess, InstructionFetch, Mode};
use serde::Serialize;

use crate::driver::HwBreakpoint;
use crate::install::{
    encode_ctrl_reg, BpType, BreakpointRequest, DebugException, HandlerAction, HwBreakpoints,
    InstallError,
};
use crate::machine::Machine;

/// Where the demo's user program runs.
pub const USER_TEXT: u32 = 0x0001_0000;
/// The demo's watched user data word.
pub const USER_DATA: u32 = 0x0002_0000;
/// The breakpointed instruction.
pub const BREAKPOINT_PC: u32 = USER_TEXT + 0x18;

/// One instruction of the synthetic program: its address and its data
/// access (address, size, store?), if any.
type Insn = (u32, Option<(u32, u32, bool)>);

/// The synthetic program: nine A32 instructions in User mode; the store at
/// +0x0C and the halfword load at +0x14 touch the watched word, the
/// instruction at +0x18 is breakpointed, the store at +0x1C hits the next
/// word (no event).
pub const PROGRAM: [Insn; 9] = [
    (USER_TEXT, None),
    (USER_TEXT + 0x04, Some((USER_DATA + 0x10, 4, false))),
    (USER_TEXT + 0x08, None),
    (USER_TEXT + 0x0C, Some((USER_DATA, 4, true))),
    (USER_TEXT + 0x10, None),
    (USER_TEXT + 0x14, Some((USER_DATA + 2, 2, false))),
    (BREAKPOINT_PC, None),
    (USER_TEXT + 0x1C, Some((USER_DATA + 4, 4, true))),
    (USER_TEXT + 0x20, None),
];

/// What was installed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemoInstall {
    /// `"breakpoint"` or `"watchpoint"`.
    pub kind: &'static str,
    /// The requested address.
    pub address: u32,
    /// The requested length.
    pub len: u8,
    /// Step-over requested.
    pub step_over: bool,
    /// The slot (BRP/WRP index), or the error if the install failed.
    pub slot: Result<u8, String>,
    /// The control register value written (bit 0 forced on).
    pub ctrl: u32,
}

/// The demo's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemoReport {
    /// The core model.
    pub model: String,
    /// The driver's `core_num_brps` (also the reserved step BRP's index).
    pub brps: u8,
    /// The driver's `core_num_wrps`.
    pub wrps: u8,
    /// What was installed (breakpoint first).
    pub installs: Vec<DemoInstall>,
    /// Instructions executed (including re-executions).
    pub executed: usize,
    /// Every debug exception, in order.
    pub events: Vec<DebugException>,
}

impl DemoReport {
    /// The report as text, one line per install and per event.
    pub fn render(&self) -> String {
        let mut s = String::new();
        // Writing into a String cannot fail.
        let _ = self.render_into(&mut s);
        s
    }

    fn render_into(&self, s: &mut String) -> std::fmt::Result {
        writeln!(
            s,
            "demo: {} on CPU 0, {} breakpoint and {} watchpoint slots",
            self.model, self.brps, self.wrps
        )?;
        for i in &self.installs {
            let what = format!(
                "install {} at 0x{:08x} len {}{}",
                i.kind,
                i.address,
                i.len,
                if i.step_over { " (step-over)" } else { "" }
            );
            match &i.slot {
                Ok(slot) => writeln!(s, "demo: {what}: slot {slot}, ctrl 0x{:08x}", i.ctrl)?,
                Err(e) => writeln!(s, "demo: {what}: failed: {e}")?,
            }
        }
        writeln!(
            s,
            "demo: ran {} instructions, {} debug exceptions",
            self.executed,
            self.events.len()
        )?;
        for e in &self.events {
            write!(
                s,
                "event: {} pc 0x{:08x} MOE 0b{:04b} {}",
                e.kind,
                e.pc,
                e.moe,
                if e.synchronous { "sync" } else { "async" }
            )?;
            if let Some(w) = e.wfar {
                write!(s, " WFAR 0x{w:08x}")?;
            }
            if let Some(d) = e.dfar {
                write!(s, " DFAR 0x{d:08x}")?;
            }
            for a in &e.actions {
                match a {
                    HandlerAction::Fired { slot, trigger, .. } => {
                        let unit = if e.kind == "watchpoint" { "WRP" } else { "BRP" };
                        write!(s, "; {unit} {slot} fired at 0x{trigger:08x}")?
                    }
                    HandlerAction::StepStarted { brp, bvr, bcr, .. } => write!(
                        s,
                        "; step-over: mismatch BRP {brp} BVR 0x{bvr:08x} BCR 0x{bcr:08x}"
                    )?,
                    HandlerAction::StepFinished { slot, handle } => {
                        let unit = if self.is_watchpoint(handle.0) {
                            "WRP"
                        } else {
                            "BRP"
                        };
                        write!(s, "; step done: {unit} {slot} re-armed")?
                    }
                    HandlerAction::Warning(w) => write!(s, "; WARNING: {w}")?,
                    HandlerAction::Unclaimed => write!(s, "; unclaimed")?,
                    HandlerAction::NotDebugEntry => write!(s, "; not a debug entry")?,
                    HandlerAction::CfiBreakpoint => write!(s, "; BKPT claimed (CFI handler)")?,
                }
            }
            writeln!(s)?;
        }
        Ok(())
    }

    fn is_watchpoint(&self, handle: usize) -> bool {
        self.installs
            .get(handle)
            .is_some_and(|i| i.kind == "watchpoint")
    }
}

/// Runs the demo on CPU 0 of `machine`, whose driver init is `driver`.
/// An install the driver refuses (e.g. after a failed init) is reported,
/// and the program still runs.
///
/// # Errors
/// [`InstallError::BpOops`] if a debug register access oopses, and the
/// install-path errors of a step-over re-install.
pub fn run_demo(machine: &Arc<Machine>, driver: &HwBreakpoint) -> Result<DemoReport, InstallError> {
    let mut bps = HwBreakpoints::new(machine, driver);
    // Step-over needs mismatch breakpoints (debug v7+).
    let step = driver.result().debug_arch >= 3;
    let mut requests = [
        BreakpointRequest::execute(BREAKPOINT_PC, 4),
        BreakpointRequest::watch(USER_DATA, 4, BpType::LoadStore),
    ];
    if step {
        requests = requests.map(BreakpointRequest::stepping_over);
    }
    let mut installs = Vec::new();
    for req in &requests {
        let slot = bps.register(0, req).map_err(|e| e.to_string());
        let ctrl = match &slot {
            Ok(h) => bps.get(*h).map_or(0, |b| encode_ctrl_reg(b.ctrl) | 1),
            Err(_) => 0,
        };
        installs.push(DemoInstall {
            kind: req.bp_type.unit(),
            address: req.address,
            len: req.len,
            step_over: req.step_over,
            slot: slot.map(|h| bps.slot(h).unwrap_or(0)),
            ctrl,
        });
    }
    let mut events = Vec::new();
    let mut executed = 0;
    for &(pc, data) in &PROGRAM {
        // At most one re-execution after a step-over exception: a stepped
        // instruction cannot raise the same exception twice.
        for _ in 0..3 {
            executed += 1;
            let fetch = InstructionFetch {
                address: pc,
                thumb: false,
                mode: Mode::User,
                secure: false,
                contextidr: 0,
                vmid: 0,
            };
            if let Some(e) = bps.fetch(0, &fetch)? {
                let again = steps(&e);
                events.push(e);
                if again {
                    continue;
                }
                break;
            }
            if let Some((address, size, store)) = data {
                let access = DataAccess {
                    address,
                    size,
                    kind: if store {
                        AccessKind::Store
                    } else {
                        AccessKind::Load
                    },
                    mode: Mode::User,
                    unprivileged: false,
                    secure: false,
                    contextidr: 0,
                    vmid: 0,
                    instruction_address: pc,
                    thumb: false,
                };
                if let Some(e) = bps.data_access(0, &access)? {
                    let again = e.synchronous && steps(&e);
                    events.push(e);
                    if again {
                        continue;
                    }
                }
            }
            break;
        }
    }
    Ok(DemoReport {
        model: machine.model().name().to_string(),
        brps: bps.core_num_brps(),
        wrps: bps.core_num_wrps(),
        installs,
        executed,
        events,
    })
}

/// The handler started or finished a step-over: the exception returns to
/// the instruction, which executes again.
fn steps(e: &DebugException) -> bool {
    e.actions.iter().any(|a| {
        matches!(
            a,
            HandlerAction::StepStarted { .. } | HandlerAction::StepFinished { .. }
        )
    })
}
