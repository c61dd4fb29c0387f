//! What a route returns: the full [`RouteOutcome`], the compact [`RouteStatus`], the
//! decline policy [`Fallback`], and the [`Outcome`] trait the routing core builds either
//! through.

use crate::frame::{Consequence, InstrSize};
use crate::hook::{HookId, HookRef};

use super::route::TrapState;

/// What happens when the hook chosen for a trap declines it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Fallback {
    /// The kernel's rule (`call_undef_hook`): only the earliest-registered matching hook
    /// is called; if it declines, the trap is unhandled even when later hooks match.
    #[default]
    None,
    /// Opt-in: a declining handler passes the trap to the next matching hook in the same
    /// earliest-registered-first order; unhandled only when every matching hook declines.
    /// Matching always uses the instruction and CPSR at the trap (a declining handler
    /// that edits `frame.cpsr` does not change which hooks are tried), and the frame is
    /// not restored between hooks: a declining handler should leave it alone.
    NextMatching,
}

/// Why no hook handled a trap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnhandledReason {
    /// No registered hook matched the instruction and CPSR.
    NoMatchingHook,
    /// A matching hook ran and declined (with [`Fallback::NextMatching`]: the last of
    /// the matching hooks, all of which declined).
    Declined(HookRef),
}

/// The result of routing one trap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteOutcome {
    /// A hook handled the trap; the frame's PC is where the handler left it.
    Handled {
        /// The hook that handled it.
        hook: HookRef,
        /// The instruction as the hooks saw it.
        instr: u32,
        /// Its real size (2 for 16-bit Thumb, else 4).
        size: InstrSize,
    },
    /// No hook handled the trap: the VMM must deliver `consequence` to the guest.
    Unhandled {
        /// Why.
        reason: UnhandledReason,
        /// The instruction as the hooks saw it.
        instr: u32,
        /// Its real size.
        size: InstrSize,
        /// The kernel's consequence, computed from the CPSR and PC at the trap (before
        /// any hook ran, as `do_undefinstr` does).
        consequence: Consequence,
    },
}

impl RouteOutcome {
    /// `true` for [`RouteOutcome::Handled`].
    #[must_use]
    pub const fn is_handled(&self) -> bool {
        matches!(self, Self::Handled { .. })
    }

    /// The hook that handled the trap, or that declined it; `None` when nothing matched.
    #[must_use]
    pub const fn hook(&self) -> Option<HookRef> {
        match self {
            Self::Handled { hook, .. }
            | Self::Unhandled {
                reason: UnhandledReason::Declined(hook),
                ..
            } => Some(*hook),
            Self::Unhandled { .. } => None,
        }
    }
}

/// The compact result of routing one trap, from the `route_instruction_status`
/// methods: what [`RouteOutcome`] says minus what the caller already has (the
/// instruction, its size, the hook's name) and the consequence, which the caller
/// computes only when it needs it, from the CPSR and PC it trapped with
/// ([`Consequence::for_state`]; a declining handler may have changed the frame).
///
/// 16 bytes, so it is returned in registers: a caller that moves or copies a
/// [`RouteOutcome`] (56 bytes) right after a route pays for that copy, this one does not.
/// Routing, hooks called, guarantees and `tracing` events are the same for both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RouteStatus {
    /// The hook with this id handled the trap ([`RouteOutcome::Handled`]).
    Handled(HookId),
    /// The hook with this id declined the trap and nothing handled it
    /// ([`UnhandledReason::Declined`]).
    Declined(HookId),
    /// No hook matched ([`UnhandledReason::NoMatchingHook`]).
    NoMatchingHook,
}

impl RouteStatus {
    /// `true` for [`RouteStatus::Handled`].
    #[must_use]
    pub const fn is_handled(self) -> bool {
        matches!(self, Self::Handled(_))
    }

    /// The hook that handled or declined the trap; `None` when nothing matched.
    #[must_use]
    pub const fn hook_id(self) -> Option<HookId> {
        match self {
            Self::Handled(id) | Self::Declined(id) => Some(id),
            Self::NoMatchingHook => None,
        }
    }
}

impl From<RouteOutcome> for RouteStatus {
    fn from(outcome: RouteOutcome) -> Self {
        match outcome {
            RouteOutcome::Handled { hook, .. } => Self::Handled(hook.id),
            RouteOutcome::Unhandled {
                reason: UnhandledReason::Declined(hook),
                ..
            } => Self::Declined(hook.id),
            RouteOutcome::Unhandled {
                reason: UnhandledReason::NoMatchingHook,
                ..
            } => Self::NoMatchingHook,
        }
    }
}

/// How the routing body builds its result ([`RouteOutcome`] or [`RouteStatus`]).
///
/// `pub` only so that the sealed [`ReadSide`](super::ReadSide) can name it; the module
/// is private, so no code outside the crate can implement or call it.
pub trait Outcome {
    /// `hook` handled the trap.
    fn handled(hook: &HookRef, instr: u32, size: InstrSize) -> Self;
    /// Nothing handled it; `declined`: the last hook that declined.
    fn unhandled(state: TrapState, size: InstrSize, declined: Option<HookRef>) -> Self;
}

impl Outcome for RouteOutcome {
    #[inline(always)]
    fn handled(hook: &HookRef, instr: u32, size: InstrSize) -> Self {
        Self::Handled {
            hook: *hook,
            instr,
            size,
        }
    }

    #[inline(always)]
    fn unhandled(state: TrapState, size: InstrSize, declined: Option<HookRef>) -> Self {
        Self::Unhandled {
            reason: match declined {
                Some(h) => UnhandledReason::Declined(h),
                None => UnhandledReason::NoMatchingHook,
            },
            instr: state.instr(),
            size,
            consequence: Consequence::for_state(state.cpsr(), state.pc()),
        }
    }
}

impl Outcome for RouteStatus {
    #[inline(always)]
    fn handled(hook: &HookRef, _instr: u32, _size: InstrSize) -> Self {
        Self::Handled(hook.id)
    }

    #[inline(always)]
    fn unhandled(_state: TrapState, _size: InstrSize, declined: Option<HookRef>) -> Self {
        declined.map_or(Self::NoMatchingHook, |h| Self::Declined(h.id))
    }
}
