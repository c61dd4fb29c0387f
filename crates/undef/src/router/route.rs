//! The routing core: one algorithm over one snapshot ([`route_in`]), shared by every
//! handle; the decline policy and the unhandled outcome out of line; the `tracing`
//! events of a route.

use crate::error::UndefError;
use crate::fetch::{fetch_instruction, InstructionMemory};
use crate::frame::{InstrSize, TrapFrame};
use crate::hook::{HookRef, HookResult};

use super::outcome::{Fallback, Outcome};
use super::snapshot::{key_of, Entry, Snapshot};

/// Whether `debug` events can be enabled at all right now: the static maximum level
/// (compile time) and the global maximum level filter (one relaxed load). The events
/// themselves are emitted from `#[cold]` helpers, which check the callsite's interest.
#[inline(always)]
fn debug_possible() -> bool {
    #[cfg(feature = "tracing")]
    return tracing::Level::DEBUG <= tracing::level_filters::STATIC_MAX_LEVEL
        && tracing::Level::DEBUG <= tracing::level_filters::LevelFilter::current();
    #[cfg(not(feature = "tracing"))]
    false
}

#[cold]
#[inline(never)]
#[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
fn trace_handled(cpu: u32, instr: u32, hook: &'static str, pc: u32) {
    debug_event!(
        cpu,
        instr = %format_args!("{instr:#010x}"),
        hook,
        pc = %format_args!("{pc:#010x}"),
        "undef trap handled"
    );
}

#[cold]
#[inline(never)]
#[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
fn trace_declined(cpu: u32, instr: u32, hook: &'static str) {
    debug_event!(
        cpu,
        instr = %format_args!("{instr:#010x}"),
        hook,
        "undef hook declined"
    );
}

#[cold]
#[inline(never)]
#[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
fn trace_unhandled(cpu: u32, instr: u32, hook: &'static str) {
    debug_event!(
        cpu,
        instr = %format_args!("{instr:#010x}"),
        hook,
        "undef trap unhandled"
    );
}

#[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
pub(super) fn fetch_logged<M: InstructionMemory + ?Sized>(
    frame: &TrapFrame,
    mem: &M,
) -> Result<(u32, InstrSize), UndefError> {
    fetch_instruction(frame, mem).inspect_err(|e| {
        debug_event!(
            cpu = frame.cpu,
            pc = %format_args!("{:#010x}", frame.pc()),
            error = %e,
            hook = "no hook",
            "undef trap: fetch fault, hooks not consulted"
        );
    })
}

/// The state at the trap that the outcome and the traces use (a declining handler may
/// change the frame; these may not change with it). Two words, passed in registers, to
/// keep few values live across the handler call.
#[derive(Clone, Copy)]
pub struct TrapState {
    /// The matching key `cpsr:instr`.
    key: u64,
    /// `pc:cpu`.
    pc_cpu: u64,
}

impl TrapState {
    #[inline(always)]
    pub(super) fn at(frame: &TrapFrame, key: u64) -> Self {
        Self {
            key,
            pc_cpu: (u64::from(frame.pc()) << 32) | u64::from(frame.cpu),
        }
    }

    #[inline(always)]
    pub(super) const fn instr(self) -> u32 {
        self.key as u32
    }

    #[inline(always)]
    pub(super) const fn cpsr(self) -> u32 {
        (self.key >> 32) as u32
    }

    #[inline(always)]
    pub(super) const fn pc(self) -> u32 {
        (self.pc_cpu >> 32) as u32
    }

    #[inline(always)]
    pub(super) const fn cpu(self) -> u32 {
        self.pc_cpu as u32
    }
}

/// The routing algorithm over one snapshot: the first matching hook inline, the rest
/// (decline policy, nothing handled) out of line.
#[inline(always)]
pub(super) fn route_in<O: Outcome>(
    snap: &Snapshot,
    frame: &mut TrapFrame,
    instr: u32,
    size: InstrSize,
) -> O {
    // Matching and the consequence use the state at the trap, not what a declining
    // handler may have left in the frame.
    let key = key_of(instr, frame.cpsr);
    let Some(e) = snap.first_match(key) else {
        return unhandled(TrapState::at(frame, key), size, None);
    };
    let state = TrapState::at(frame, key);
    match e.handler.call(frame, instr) {
        HookResult::Handled => {
            if debug_possible() {
                trace_handled(state.cpu(), instr, e.hook.name, frame.pc());
            }
            O::handled(&e.hook, instr, size)
        }
        HookResult::NotHandled => declined(snap, frame, state, size, e),
    }
}

/// After hook `first` declined: [`Fallback::NextMatching`] tries the later matching
/// hooks in order; otherwise the trap is unhandled.
#[inline(never)]
fn declined<O: Outcome>(
    snap: &Snapshot,
    frame: &mut TrapFrame,
    state: TrapState,
    size: InstrSize,
    first: &Entry,
) -> O {
    let mut i = snap.index_of(first);
    let mut hook = first.hook;
    loop {
        if debug_possible() {
            trace_declined(state.cpu(), state.instr(), hook.name);
        }
        if snap.fallback == Fallback::None {
            return unhandled(state, size, Some(hook));
        }
        let Some((j, e)) = snap.next_match(i + 1, state.key) else {
            return unhandled(state, size, Some(hook));
        };
        match e.handler.call(frame, state.instr()) {
            HookResult::Handled => {
                if debug_possible() {
                    trace_handled(state.cpu(), state.instr(), e.hook.name, frame.pc());
                }
                return O::handled(&e.hook, state.instr(), size);
            }
            HookResult::NotHandled => (i, hook) = (j, e.hook),
        }
    }
}

/// The outcome when no hook handled the trap (`declined`: the last hook that declined).
/// Out of line: keeps the inlined routing body small.
#[inline(never)]
fn unhandled<O: Outcome>(state: TrapState, size: InstrSize, declined: Option<HookRef>) -> O {
    if debug_possible() {
        trace_unhandled(
            state.cpu(),
            state.instr(),
            declined.map_or("no hook", |h| h.name),
        );
    }
    O::unhandled(state, size, declined)
}
