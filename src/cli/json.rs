//! The `--json` output of `dbgemu boot`: explicit serialisable types, one
//! per object of the documented schema (docs/cli-json.md, and
//! [`SCHEMA`] in `dbgemu boot --help`). The library's own types are
//! converted field by field, so their serde derives never decide the
//! document's shape: no `{"Ok": …}`/`{"Err": …}` or variant-named wrapper
//! objects; every enum is a string or an object with a `"kind"`/`"outcome"`
//! /`"action"` string field.

use serde::Serialize;

use crate::demo::{DemoInstall, DemoReport};
use crate::driver::install::{DebugException, HandlerAction};
use crate::driver::{InitResult, LogLine, SetupOutcome};
use crate::machine::Fault;
use crate::oops::KernelOops;

/// The schema summary `dbgemu boot --help` prints (docs/cli-json.md has
/// it field by field).
pub const SCHEMA: &str = "\
JSON (--json): one object on stdout, the log on stderr. Integers are JSON
numbers (register values unsigned 32-bit); absent values are null.
  schema: 1   model, midr, dbgdidr, cpus, executor (\"inline\"|\"threads\"),
  faults: [{cpu, kind}], online_later: [cpu],
  init: {model, cpus, init_cpu, cpuid_scheme, debug_arch, supported,
         scorpion, has_os_save_restore, hw_brps, hw_wrps, brps,
         reserved_brps, wrps, max_watchpoint_len,
         setup: {outcome: \"not_attempted\"|\"allocated\"|\"failed\", state, error},
         error_mask: [cpu], state_installed, pm_notifier, enabled,
         oops: OOPS|null, messages: [{level: \"info\"|\"warn\", prefix, text}]},
  table, table_after: [{cpu, online, faults: [kind], error, resets, dscr,
         oslsr, prsr, vcr, bcr: [..], bvr: [..], wcr: [..], wvr: [..]}],
  brought_online: [{cpu, online, reset_ran, error}],
  pm_cycled: [{cpu, reset_ran, oops: OOPS|null, error}],
  oopses: [OOPS]   where OOPS = {cpu, instr, pc, message},
  state_bytes,
  demo: null | {model, brps, wrps,
         installs: [{kind, address, len, step_over, slot, error, ctrl}],
         executed, events: [{cpu, kind, pc, moe, synchronous, wfar, dfar,
         units, actions: [{action: \"fired\"|\"step_started\"|\"step_finished\"
         |\"warning\"|\"unclaimed\"|\"cfi_breakpoint\"|\"not_debug_entry\",
         handle, slot, trigger,
         brp, bvr, bcr, text}]}]}
See docs/cli-json.md for every field.";

/// The version of the schema, `"schema"` in the document; raised when a
/// field changes meaning or disappears.
pub const SCHEMA_VERSION: u32 = 1;

/// A fault: `{cpu, kind}`.
#[derive(Debug, Serialize)]
pub struct FaultDoc {
    /// The CPU.
    pub cpu: usize,
    /// The fault's name, as `--fault` takes it.
    pub kind: &'static str,
}

impl From<&Fault> for FaultDoc {
    fn from(f: &Fault) -> FaultDoc {
        FaultDoc {
            cpu: f.cpu,
            kind: f.kind.name(),
        }
    }
}

/// A kernel oops: `{cpu, instr, pc, message}`.
#[derive(Debug, Serialize)]
pub struct OopsDoc {
    /// The CPU.
    pub cpu: usize,
    /// The faulting instruction word.
    pub instr: u32,
    /// Its address.
    pub pc: u32,
    /// The die() message.
    pub message: String,
}

impl From<&KernelOops> for OopsDoc {
    fn from(o: &KernelOops) -> OopsDoc {
        OopsDoc {
            cpu: o.cpu,
            instr: o.instr,
            pc: o.pc,
            message: o.message.clone(),
        }
    }
}

/// A kernel log line: `{level, prefix, text}`.
#[derive(Debug, Serialize)]
pub struct MessageDoc {
    /// `"info"` or `"warn"`.
    pub level: &'static str,
    /// The `pr_fmt` prefix (`hw-breakpoint`).
    pub prefix: &'static str,
    /// The text after the prefix.
    pub text: String,
}

impl From<&LogLine> for MessageDoc {
    fn from(l: &LogLine) -> MessageDoc {
        MessageDoc {
            level: match l.level {
                crate::driver::Level::Info => "info",
                crate::driver::Level::Warn => "warn",
            },
            prefix: l.prefix,
            text: l.text.clone(),
        }
    }
}

/// The hotplug setup: `{outcome, state, error}`.
#[derive(Debug, Serialize)]
pub struct SetupDoc {
    /// `"not_attempted"`, `"allocated"` or `"failed"`.
    pub outcome: &'static str,
    /// The dynamic state number when allocated.
    pub state: Option<u16>,
    /// The hotplug core's error when failed.
    pub error: Option<String>,
}

impl From<&SetupOutcome> for SetupDoc {
    fn from(s: &SetupOutcome) -> SetupDoc {
        match s {
            SetupOutcome::NotAttempted => SetupDoc {
                outcome: "not_attempted",
                state: None,
                error: None,
            },
            SetupOutcome::Allocated { state } => SetupDoc {
                outcome: "allocated",
                state: Some(*state),
                error: None,
            },
            SetupOutcome::Failed { error } => SetupDoc {
                outcome: "failed",
                state: None,
                error: Some(error.clone()),
            },
        }
    }
}

/// The driver init's result (fields as [`InitResult`] documents them).
#[derive(Debug, Serialize)]
#[allow(missing_docs)] // Each field is the InitResult field of the same name.
pub struct InitDoc {
    pub model: String,
    pub cpus: usize,
    pub init_cpu: usize,
    pub cpuid_scheme: bool,
    pub debug_arch: u8,
    pub supported: bool,
    pub scorpion: bool,
    pub has_os_save_restore: Option<bool>,
    pub hw_brps: Option<u8>,
    pub hw_wrps: Option<u8>,
    pub brps: u8,
    pub reserved_brps: u8,
    pub wrps: u8,
    pub max_watchpoint_len: Option<u8>,
    pub setup: SetupDoc,
    pub error_mask: Vec<usize>,
    pub state_installed: Option<u16>,
    pub pm_notifier: bool,
    pub enabled: bool,
    pub oops: Option<OopsDoc>,
    pub messages: Vec<MessageDoc>,
}

impl From<&InitResult> for InitDoc {
    fn from(r: &InitResult) -> InitDoc {
        InitDoc {
            model: r.model.clone(),
            cpus: r.cpus,
            init_cpu: r.init_cpu,
            cpuid_scheme: r.cpuid_scheme,
            debug_arch: r.debug_arch,
            supported: r.supported,
            scorpion: r.scorpion,
            has_os_save_restore: r.has_os_save_restore,
            hw_brps: r.hw_brps,
            hw_wrps: r.hw_wrps,
            brps: r.brps,
            reserved_brps: r.reserved_brps,
            wrps: r.wrps,
            max_watchpoint_len: r.max_watchpoint_len,
            setup: (&r.setup).into(),
            error_mask: r.error_mask.clone(),
            state_installed: r.state_installed,
            pm_notifier: r.pm_notifier,
            enabled: r.enabled,
            oops: r.oops.as_ref().map(OopsDoc::from),
            messages: r.messages.iter().map(MessageDoc::from).collect(),
        }
    }
}

/// One demo install: the slot on success, the error otherwise.
#[derive(Debug, Serialize)]
pub struct InstallDoc {
    /// `"breakpoint"` or `"watchpoint"`.
    pub kind: &'static str,
    /// The requested address.
    pub address: u32,
    /// The requested length in bytes.
    pub len: u8,
    /// Step-over requested.
    pub step_over: bool,
    /// The BRP/WRP index, or null when the install failed.
    pub slot: Option<u8>,
    /// Why the install failed, or null.
    pub error: Option<String>,
    /// The control register value written.
    pub ctrl: u32,
}

impl From<&DemoInstall> for InstallDoc {
    fn from(i: &DemoInstall) -> InstallDoc {
        InstallDoc {
            kind: i.kind,
            address: i.address,
            len: i.len,
            step_over: i.step_over,
            slot: i.slot.as_ref().ok().copied(),
            error: i.slot.as_ref().err().cloned(),
            ctrl: i.ctrl,
        }
    }
}

/// One action of the debug exception handler; the fields that do not apply
/// to the `action` are null.
#[derive(Debug, Default, Serialize)]
pub struct ActionDoc {
    /// `"fired"`, `"step_started"`, `"step_finished"`, `"warning"`,
    /// `"unclaimed"`, `"cfi_breakpoint"` or `"not_debug_entry"`.
    pub action: &'static str,
    /// The breakpoint/watchpoint handle (fired, step_started,
    /// step_finished).
    pub handle: Option<usize>,
    /// Its slot (fired, step_finished).
    pub slot: Option<u8>,
    /// The trigger address (fired).
    pub trigger: Option<u32>,
    /// The mismatch BRP (step_started).
    pub brp: Option<u8>,
    /// Its DBGBVR (step_started).
    pub bvr: Option<u32>,
    /// Its DBGBCR (step_started).
    pub bcr: Option<u32>,
    /// The WARNING text (warning).
    pub text: Option<String>,
}

impl From<&HandlerAction> for ActionDoc {
    fn from(a: &HandlerAction) -> ActionDoc {
        match a {
            HandlerAction::Fired {
                handle,
                slot,
                trigger,
            } => ActionDoc {
                action: "fired",
                handle: Some(handle.0),
                slot: Some(*slot),
                trigger: Some(*trigger),
                ..ActionDoc::default()
            },
            HandlerAction::StepStarted {
                handle,
                brp,
                bvr,
                bcr,
            } => ActionDoc {
                action: "step_started",
                handle: Some(handle.0),
                brp: Some(*brp),
                bvr: Some(*bvr),
                bcr: Some(*bcr),
                ..ActionDoc::default()
            },
            HandlerAction::StepFinished { handle, slot } => ActionDoc {
                action: "step_finished",
                handle: Some(handle.0),
                slot: Some(*slot),
                ..ActionDoc::default()
            },
            HandlerAction::Warning(text) => ActionDoc {
                action: "warning",
                text: Some(text.clone()),
                ..ActionDoc::default()
            },
            HandlerAction::Unclaimed => ActionDoc {
                action: "unclaimed",
                ..ActionDoc::default()
            },
            HandlerAction::CfiBreakpoint => ActionDoc {
                action: "cfi_breakpoint",
                ..ActionDoc::default()
            },
            HandlerAction::NotDebugEntry => ActionDoc {
                action: "not_debug_entry",
                ..ActionDoc::default()
            },
        }
    }
}

/// One debug exception (fields as [`DebugException`] documents them).
#[derive(Debug, Serialize)]
#[allow(missing_docs)] // Each field is the DebugException field of the same name.
pub struct EventDoc {
    pub cpu: usize,
    pub kind: &'static str,
    pub pc: u32,
    pub moe: u8,
    pub synchronous: bool,
    pub wfar: Option<u32>,
    pub dfar: Option<u32>,
    pub units: u16,
    pub actions: Vec<ActionDoc>,
}

impl From<&DebugException> for EventDoc {
    fn from(e: &DebugException) -> EventDoc {
        EventDoc {
            cpu: e.cpu,
            kind: e.kind,
            pc: e.pc,
            moe: e.moe,
            synchronous: e.synchronous,
            wfar: e.wfar,
            dfar: e.dfar,
            units: e.units,
            actions: e.actions.iter().map(ActionDoc::from).collect(),
        }
    }
}

/// The `--demo` result.
#[derive(Debug, Serialize)]
#[allow(missing_docs)] // Each field is the DemoReport field of the same name.
pub struct DemoDoc {
    pub model: String,
    pub brps: u8,
    pub wrps: u8,
    pub installs: Vec<InstallDoc>,
    pub executed: usize,
    pub events: Vec<EventDoc>,
}

impl From<&DemoReport> for DemoDoc {
    fn from(d: &DemoReport) -> DemoDoc {
        DemoDoc {
            model: d.model.clone(),
            brps: d.brps,
            wrps: d.wrps,
            installs: d.installs.iter().map(InstallDoc::from).collect(),
            executed: d.executed,
            events: d.events.iter().map(EventDoc::from).collect(),
        }
    }
}
