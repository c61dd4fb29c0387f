//! The router: registration, snapshots and the routing hot path.

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::error::UndefError;
use crate::fetch::{fetch_instruction, InstructionMemory};
use crate::frame::{Consequence, InstrSize, TrapFrame};
use crate::hook::{HandlerRef, HookId, HookRef, HookResult, UndefHook};
use crate::matcher::{Matcher, Pattern};
use crate::rcu::RcuCell;
use crate::sync::{AtomicU64, Ordering, WriterLock};

/// CPU slots of a router made by [`UndefRouter::new`] / [`UndefRouter::with_fallback`].
#[cfg(not(loom))]
pub const DEFAULT_MAX_CPUS: u32 = 64;
/// CPU slots of a router made by [`UndefRouter::new`] (small under loom).
#[cfg(loom)]
pub const DEFAULT_MAX_CPUS: u32 = 2;

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
trait Outcome {
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

/// A registered hook as listed by [`UndefRouter::hooks`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HookInfo {
    /// Identity and name.
    pub hook: HookRef,
    /// Instruction mask.
    pub instr_mask: u32,
    /// Instruction value.
    pub instr_val: u32,
    /// CPSR mask.
    pub cpsr_mask: u32,
    /// CPSR value.
    pub cpsr_val: u32,
}

/// Above this many hooks, matching uses the bitset [`Matcher`]; up to it, a linear scan
/// of the flat pattern array (one AND and one compare per hook, no tables).
const LINEAR_MAX: usize = 16;

/// What the hot path needs of one hook, in one record: its pattern packed over the
/// 64-bit key `cpsr:instr` (it matches when `key & mask == val`), its identity and its
/// handler. A route reads one contiguous array of these.
struct Entry {
    mask: u64,
    val: u64,
    /// The closure of the `Handler` in the same snapshot's `hooks` (which owns it).
    handler: HandlerRef,
    hook: HookRef,
}

/// One immutable published hook list, in registration order (earliest first).
struct Snapshot {
    /// The router's decline policy (copied here so the decline path needs no other
    /// pointer).
    fallback: Fallback,
    /// One per hook, in registration order.
    entries: Box<[Entry]>,
    /// How many of `entries` the inline scan visits: all of them up to [`LINEAR_MAX`]
    /// hooks, none above (the bitset `matcher` answers instead).
    scan: usize,
    /// Only for more than [`LINEAR_MAX`] hooks.
    matcher: Option<Matcher>,
    /// The hooks as registered (listing and copy-on-write). Owns the handlers that
    /// `entries` call.
    hooks: Vec<(HookId, UndefHook)>,
}

/// The 64-bit matching key `cpsr:instr`.
#[inline(always)]
fn key_of(instr: u32, cpsr: u32) -> u64 {
    (u64::from(cpsr) << 32) | u64::from(instr)
}

impl Snapshot {
    fn build(hooks: Vec<(HookId, UndefHook)>, fallback: Fallback) -> Self {
        let entries: Box<[Entry]> = hooks
            .iter()
            .map(|(id, h)| Entry {
                mask: key_of(h.instr_mask(), h.cpsr_mask()),
                val: key_of(h.instr_val(), h.cpsr_val()),
                // SAFETY: `hooks`, moved into the same snapshot below and never changed,
                // owns this `Arc` for as long as the snapshot (and so the entry) lives.
                handler: unsafe { HandlerRef::new(h.handler()) },
                hook: HookRef {
                    id: *id,
                    name: h.name(),
                },
            })
            .collect();
        let matcher = (hooks.len() > LINEAR_MAX).then(|| {
            let patterns: Vec<Pattern> = hooks
                .iter()
                .map(|(_, h)| (h.instr_mask(), h.instr_val(), h.cpsr_mask(), h.cpsr_val()))
                .collect();
            Matcher::build(&patterns)
        });
        Self {
            fallback,
            scan: if matcher.is_none() { entries.len() } else { 0 },
            entries,
            matcher,
            hooks,
        }
    }

    /// The earliest-registered hook that matches `key` (the hot path's lookup): a
    /// linear scan inline, the bitset matcher (more than [`LINEAR_MAX`] hooks) out of
    /// line.
    #[inline(always)]
    fn first_match(&self, key: u64) -> Option<&Entry> {
        // `scan <= entries.len()` by construction (`build`): `get` cannot fail.
        let linear = self.entries.get(..self.scan).unwrap_or_default();
        match linear.iter().find(|e| key & e.mask == e.val) {
            Some(e) => Some(e),
            None => self.first_match_bitset(key),
        }
    }

    /// The bitset lookup above [`LINEAR_MAX`] hooks (`None` up to it: the scan was
    /// complete).
    #[inline(never)]
    fn first_match_bitset(&self, key: u64) -> Option<&Entry> {
        self.entries
            .get(self.matcher.as_ref()?.first_match(0, key)?)
    }

    /// The earliest-registered hook at index ≥ `from` that matches `key`, with its
    /// index.
    #[inline]
    fn next_match(&self, from: usize, key: u64) -> Option<(usize, &Entry)> {
        let i = match &self.matcher {
            None => {
                from + self
                    .entries
                    .get(from..)?
                    .iter()
                    .position(|e| key & e.mask == e.val)?
            }
            Some(m) => m.first_match(from, key)?,
        };
        self.entries.get(i).map(|e| (i, e))
    }

    /// The index of `entry`, an element of `entries` (for the decline policy).
    fn index_of(&self, entry: &Entry) -> usize {
        self.entries
            .iter()
            .position(|e| core::ptr::eq(e, entry))
            .unwrap_or(self.entries.len())
    }
}

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

struct Inner {
    hooks: RcuCell<Snapshot>,
    writer: WriterLock,
    next_id: AtomicU64,
    fallback: Fallback,
}

/// Routes Undefined Instruction traps to registered hooks; shared by all vCPUs.
///
/// Cheap to clone (all clones are the same router). See the crate docs for the
/// matching order, the concurrency guarantees and the design.
#[derive(Clone)]
pub struct UndefRouter {
    inner: Arc<Inner>,
}

impl core::fmt::Debug for UndefRouter {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("UndefRouter")
            .field("fallback", &self.inner.fallback)
            .field("hooks", &self.hooks())
            .finish()
    }
}

impl Default for UndefRouter {
    fn default() -> Self {
        Self::new()
    }
}

/// Keeps a hook registered; unregisters it when dropped or on
/// [`HookGuard::unregister`].
///
/// Unregistering waits for a grace period: when it returns, no route is running the
/// hook's handler and none will start it. It must therefore not be called from inside a
/// handler running on the same router (it would wait for itself).
#[must_use = "dropping the guard unregisters the hook at once"]
pub struct HookGuard {
    router: Arc<Inner>,
    hook: HookRef,
}

impl core::fmt::Debug for HookGuard {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("HookGuard")
            .field("hook", &self.hook)
            .finish()
    }
}

impl HookGuard {
    /// The registered hook's identity and name.
    #[must_use]
    pub const fn hook(&self) -> HookRef {
        self.hook
    }

    /// Unregisters the hook now (same as dropping the guard, spelled out).
    pub fn unregister(self) {
        drop(self);
    }
}

impl Drop for HookGuard {
    fn drop(&mut self) {
        self.router.remove(self.hook.id);
    }
}

impl Inner {
    fn remove(&self, id: HookId) {
        let writer = self.writer.lock();
        let hooks: Vec<_> = {
            let snap = self.hooks.read(0);
            snap.hooks
                .iter()
                .filter(|(hid, _)| *hid != id)
                .cloned()
                .collect()
        };
        self.hooks
            .replace(Snapshot::build(hooks, self.fallback), &writer);
        debug_event!(hook = id.0, "undef hook unregistered");
    }
}

impl UndefRouter {
    /// An empty router with the kernel's policy ([`Fallback::None`]).
    #[must_use]
    pub fn new() -> Self {
        Self::with_fallback(Fallback::None)
    }

    /// An empty router with the given decline policy and [`DEFAULT_MAX_CPUS`] claimable
    /// CPU slots.
    #[must_use]
    pub fn with_fallback(fallback: Fallback) -> Self {
        Self::with_options(fallback, DEFAULT_MAX_CPUS)
    }

    /// An empty router with the given decline policy and room for `max_cpus`
    /// [`CpuRouter`] handles (CPUs `0..max_cpus`; 128 bytes each).
    #[must_use]
    pub fn with_options(fallback: Fallback, max_cpus: u32) -> Self {
        Self {
            inner: Arc::new(Inner {
                hooks: RcuCell::new(Snapshot::build(Vec::new(), fallback), max_cpus as usize),
                writer: WriterLock::new(),
                next_id: AtomicU64::new(1),
                fallback,
            }),
        }
    }

    /// The router's decline policy.
    #[must_use]
    pub fn fallback(&self) -> Fallback {
        self.inner.fallback
    }

    /// Registers `hook` (kernel: `register_undef_hook`). It is tried after every hook
    /// registered before it. Any route that starts after this returns sees it.
    ///
    /// Must not be called from inside a handler running on this router (it waits for a
    /// grace period, i.e. for that handler).
    pub fn register(&self, hook: UndefHook) -> HookGuard {
        let writer = self.inner.writer.lock();
        let id = HookId(self.inner.next_id.fetch_add(1, Ordering::Relaxed));
        let name = hook.name();
        let hooks: Vec<_> = {
            let snap = self.inner.hooks.read(0);
            let mut v = Vec::with_capacity(snap.hooks.len() + 1);
            v.extend(snap.hooks.iter().cloned());
            v.push((id, hook));
            v
        };
        self.inner
            .hooks
            .replace(Snapshot::build(hooks, self.inner.fallback), &writer);
        drop(writer);
        debug_event!(hook = id.0, name, "undef hook registered");
        HookGuard {
            router: Arc::clone(&self.inner),
            hook: HookRef { id, name },
        }
    }

    /// The registered hooks, earliest first (allocates; not for the hot path).
    #[must_use]
    pub fn hooks(&self) -> Vec<HookInfo> {
        let snap = self.inner.hooks.read(0);
        snap.hooks
            .iter()
            .map(|(id, h)| HookInfo {
                hook: HookRef {
                    id: *id,
                    name: h.name(),
                },
                instr_mask: h.instr_mask(),
                instr_val: h.instr_val(),
                cpsr_mask: h.cpsr_mask(),
                cpsr_val: h.cpsr_val(),
            })
            .collect()
    }

    /// Whether a hook with this id is registered.
    #[must_use]
    pub fn is_registered(&self, id: HookId) -> bool {
        self.inner.hooks.read(0).hooks.iter().any(|(h, _)| *h == id)
    }

    /// Fetches the instruction at the frame's PC from `mem` (kernel rules, see
    /// [`fetch_instruction`]) and routes it.
    ///
    /// # Errors
    /// [`UndefError::FetchFault`] when the fetch faults; no hook is consulted and the
    /// frame is untouched (deliver [`Consequence::for_frame`]).
    pub fn route<M: InstructionMemory + ?Sized>(
        &self,
        frame: &mut TrapFrame,
        mem: &M,
    ) -> Result<RouteOutcome, UndefError> {
        let (instr, size) = fetch_logged(frame, mem)?;
        Ok(self.route_instruction(frame, instr, size))
    }

    /// Routes an already fetched instruction (the hot path): finds the
    /// earliest-registered hook whose patterns match `instr` and `frame.cpsr`, calls it,
    /// and applies the decline policy. No lock, no allocation.
    ///
    /// `instr` must be in the hooks' format: 16-bit Thumb zero-extended, 32-bit Thumb
    /// first-halfword-high.
    #[inline(always)]
    pub fn route_instruction(
        &self,
        frame: &mut TrapFrame,
        instr: u32,
        size: InstrSize,
    ) -> RouteOutcome {
        self.route_as(frame, instr, size)
    }

    /// As [`UndefRouter::route_instruction`] (same hooks called, same guarantees and
    /// events), returning the compact [`RouteStatus`] instead of a [`RouteOutcome`].
    #[inline(always)]
    pub fn route_instruction_status(
        &self,
        frame: &mut TrapFrame,
        instr: u32,
        size: InstrSize,
    ) -> RouteStatus {
        self.route_as(frame, instr, size)
    }

    /// The routing of both [`UndefRouter::route_instruction`] forms, for either
    /// outcome type.
    #[inline(always)]
    fn route_as<O: Outcome>(&self, frame: &mut TrapFrame, instr: u32, size: InstrSize) -> O {
        let snap = self.inner.hooks.read(frame.cpu);
        route_in(&snap, frame, instr, size)
    }

    /// Claims CPU `cpu`'s private reader slot and returns a per-vCPU routing handle.
    ///
    /// Routing through the handle is cheaper than through the shared router (one
    /// locked instruction per trap instead of two, see the crate docs); it gives the
    /// same results and guarantees. One handle per CPU at a time; dropping it releases
    /// the slot.
    ///
    /// # Errors
    /// [`UndefError::CpuOutOfRange`] when `cpu` ≥ the router's `max_cpus`;
    /// [`UndefError::CpuAlreadyClaimed`] when a live handle holds it.
    pub fn claim_cpu(&self, cpu: u32) -> Result<CpuRouter, UndefError> {
        self.claim_index(cpu)?;
        Ok(CpuRouter {
            router: self.clone(),
            cpu,
        })
    }

    /// Claims CPU `cpu`'s private slot; returns its index.
    fn claim_index(&self, cpu: u32) -> Result<usize, UndefError> {
        let max = self.inner.hooks.owned_slots();
        let index = cpu as usize;
        if index >= max {
            return Err(UndefError::CpuOutOfRange {
                cpu,
                max_cpus: u32::try_from(max).unwrap_or(u32::MAX),
            });
        }
        if !self.inner.hooks.claim(index) {
            return Err(UndefError::CpuAlreadyClaimed { cpu });
        }
        Ok(index)
    }

    /// The number of CPUs that can hold a [`CpuRouter`] or [`QsbrRouter`].
    #[must_use]
    pub fn max_cpus(&self) -> u32 {
        u32::try_from(self.inner.hooks.owned_slots()).unwrap_or(u32::MAX)
    }

    /// Claims CPU `cpu`'s private slot and returns an **online** quiescent-state-based
    /// (QSBR) routing handle: routing through it does no atomic read-modify-write and
    /// no fence (see [`QsbrRouter`] for the caller's obligations).
    ///
    /// The slot is the one [`UndefRouter::claim_cpu`] uses: a CPU holds at most one
    /// handle of either kind at a time. Going online costs one full fence.
    ///
    /// # Errors
    /// [`UndefError::CpuOutOfRange`] when `cpu` ≥ the router's `max_cpus`;
    /// [`UndefError::CpuAlreadyClaimed`] when a live [`CpuRouter`] or [`QsbrRouter`]
    /// holds it.
    pub fn qsbr_handle(&self, cpu: u32) -> Result<QsbrRouter, UndefError> {
        let index = self.claim_index(cpu)?;
        self.inner.hooks.qsbr_online(index);
        Ok(QsbrRouter {
            router: self.clone(),
            cpu,
        })
    }
}

/// A per-vCPU routing handle (see [`UndefRouter::claim_cpu`]).
///
/// Routes like [`UndefRouter::route_instruction`] / [`UndefRouter::route`], through a
/// reader slot only this handle uses. Methods take `&mut self`, so a handle cannot be
/// used for two traps at once. `Send` (a vCPU may migrate between threads), not `Sync`.
pub struct CpuRouter {
    router: UndefRouter,
    cpu: u32,
}

impl core::fmt::Debug for CpuRouter {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CpuRouter").field("cpu", &self.cpu).finish()
    }
}

impl Drop for CpuRouter {
    fn drop(&mut self) {
        self.router.inner.hooks.unclaim(self.cpu as usize);
    }
}

impl CpuRouter {
    /// The CPU whose slot this handle holds.
    #[must_use]
    pub const fn cpu(&self) -> u32 {
        self.cpu
    }

    /// The router this handle routes through.
    #[must_use]
    pub const fn router(&self) -> &UndefRouter {
        &self.router
    }

    /// As [`UndefRouter::route_instruction`].
    #[inline(always)]
    pub fn route_instruction(
        &mut self,
        frame: &mut TrapFrame,
        instr: u32,
        size: InstrSize,
    ) -> RouteOutcome {
        self.route_as(frame, instr, size)
    }

    /// As [`CpuRouter::route_instruction`], returning the compact [`RouteStatus`] (see
    /// [`UndefRouter::route_instruction_status`]).
    #[inline(always)]
    pub fn route_instruction_status(
        &mut self,
        frame: &mut TrapFrame,
        instr: u32,
        size: InstrSize,
    ) -> RouteStatus {
        self.route_as(frame, instr, size)
    }

    /// The routing of both [`CpuRouter::route_instruction`] forms, for either outcome
    /// type.
    #[inline(always)]
    fn route_as<O: Outcome>(&mut self, frame: &mut TrapFrame, instr: u32, size: InstrSize) -> O {
        let inner = &self.router.inner;
        let snap = match inner.hooks.read_owned(self.cpu as usize) {
            Some(snap) => snap,
            // Unreachable: `claim_cpu` checked the index. Stay correct regardless.
            None => inner.hooks.read(self.cpu),
        };
        route_in(&snap, frame, instr, size)
    }

    /// As [`UndefRouter::route`].
    ///
    /// # Errors
    /// As [`UndefRouter::route`].
    pub fn route<M: InstructionMemory + ?Sized>(
        &mut self,
        frame: &mut TrapFrame,
        mem: &M,
    ) -> Result<RouteOutcome, UndefError> {
        let (instr, size) = fetch_logged(frame, mem)?;
        Ok(self.route_instruction(frame, instr, size))
    }
}

/// A per-vCPU routing handle with a barrier-free read side: quiescent-state-based
/// reclamation (QSBR), as liburcu's `urcu-qsbr` or the kernel's RCU for vCPU threads
/// (see [`UndefRouter::qsbr_handle`]).
///
/// # Cost
/// While the handle is *online*, [`QsbrRouter::route_instruction`] loads the current
/// snapshot pointer (`Acquire`), matches and calls the hook, then reports a quiescent
/// state: one more `Acquire` load of the router's grace-period counter and, only if a
/// writer advanced it since the last report, one `Release` store to the handle's own
/// cache line. No atomic read-modify-write, no fence. While *offline* it still routes
/// correctly, through the same slot as a [`CpuRouter`] (one locked instruction).
///
/// # Guarantees
/// The same as for the other routing paths (crate docs, "Concurrency guarantees"): when
/// `unregister` returns, no route through any handle, online or offline, is running
/// the hook's handler or can start it; a route that runs entirely while a hook is
/// registered calls it (or an earlier-registered matching hook); a route sees one
/// snapshot.
///
/// # The caller's obligation
/// Every `register`/`unregister` on the router waits until each **online** QSBR handle
/// has reported a quiescent state after the writer published its change. A handle
/// reports at the end of every route, on [`QsbrRouter::quiescent`], and when it goes
/// [`offline`](QsbrRouter::offline) or is dropped. So:
/// * a vCPU thread that holds an online handle must report at natural points (every
///   guest entry, say) or go offline before it halts, blocks or sleeps for long —
///   otherwise writers wait (spin/yield) until it does;
/// * the thread holding an online handle must not call [`UndefRouter::register`] or
///   drop/unregister a [`HookGuard`] itself: the writer would wait for a report only
///   that thread can make (self-deadlock). Use [`QsbrRouter::register`] /
///   [`QsbrRouter::unregister`] (or wrap the call in [`QsbrRouter::with_offline`]),
///   which take the handle offline for the duration. The same holds for anything that
///   waits for another thread's writer (e.g. joining it);
/// * as for every path, handlers must not register or unregister on the same router.
///
/// Methods take `&mut self`, so one handle serves one trap at a time. `Send` (a vCPU may
/// migrate between threads; the state belongs to the handle), not `Sync`. Dropping it
/// goes offline and releases the CPU's slot.
pub struct QsbrRouter {
    router: UndefRouter,
    cpu: u32,
}

impl core::fmt::Debug for QsbrRouter {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("QsbrRouter")
            .field("cpu", &self.cpu)
            .field("online", &self.is_online())
            .finish()
    }
}

impl Drop for QsbrRouter {
    fn drop(&mut self) {
        let hooks = &self.router.inner.hooks;
        hooks.qsbr_offline(self.cpu as usize);
        hooks.unclaim(self.cpu as usize);
    }
}

impl QsbrRouter {
    /// The CPU whose slot this handle holds.
    #[must_use]
    pub const fn cpu(&self) -> u32 {
        self.cpu
    }

    /// The router this handle routes through.
    #[must_use]
    pub const fn router(&self) -> &UndefRouter {
        &self.router
    }

    /// Whether writers currently wait for this handle's reports.
    #[must_use]
    pub fn is_online(&self) -> bool {
        self.router.inner.hooks.qsbr_is_online(self.cpu as usize)
    }

    /// Reports a quiescent state: this thread holds no reference into any hook list
    /// (true between routes by construction). Cheap: one load, plus one release store
    /// to the handle's own cache line when a writer is waiting. No-op while offline.
    #[inline]
    pub fn quiescent(&mut self) {
        self.router.inner.hooks.qsbr_quiescent(self.cpu as usize);
    }

    /// Goes offline (one release store): writers stop waiting for this handle. Call it
    /// before the vCPU halts, blocks or sleeps. Routing keeps working while offline, at
    /// the cost of a [`CpuRouter`] route. Idempotent.
    pub fn offline(&mut self) {
        self.router.inner.hooks.qsbr_offline(self.cpu as usize);
    }

    /// Comes back online (one full fence): routing is barrier-free again, and writers
    /// wait for this handle's reports. Idempotent.
    pub fn online(&mut self) {
        self.router.inner.hooks.qsbr_online(self.cpu as usize);
    }

    /// Runs `f` with the handle offline (restoring the previous state afterwards): for
    /// blocking calls, and for anything that may wait for a writer on this router.
    pub fn with_offline<R>(&mut self, f: impl FnOnce() -> R) -> R {
        let was_online = self.is_online();
        self.offline();
        let out = f();
        if was_online {
            self.online();
        }
        out
    }

    /// [`UndefRouter::register`] from the thread that holds this handle: goes offline
    /// for the duration, so the writer does not wait for this handle (see
    /// "The caller's obligation").
    pub fn register(&mut self, hook: UndefHook) -> HookGuard {
        let router = self.router.clone();
        self.with_offline(|| router.register(hook))
    }

    /// Unregisters `guard`'s hook from the thread that holds this handle (offline for
    /// the duration, as [`QsbrRouter::register`]). `guard` may belong to any router.
    pub fn unregister(&mut self, guard: HookGuard) {
        self.with_offline(|| guard.unregister());
    }

    /// As [`UndefRouter::route_instruction`], barrier-free while online; ends with a
    /// quiescent-state report.
    #[inline(always)]
    pub fn route_instruction(
        &mut self,
        frame: &mut TrapFrame,
        instr: u32,
        size: InstrSize,
    ) -> RouteOutcome {
        self.route_as(frame, instr, size)
    }

    /// As [`QsbrRouter::route_instruction`], returning the compact [`RouteStatus`] (see
    /// [`UndefRouter::route_instruction_status`]).
    #[inline(always)]
    pub fn route_instruction_status(
        &mut self,
        frame: &mut TrapFrame,
        instr: u32,
        size: InstrSize,
    ) -> RouteStatus {
        self.route_as(frame, instr, size)
    }

    /// The routing of both [`QsbrRouter::route_instruction`] forms, for either
    /// outcome type.
    #[inline(always)]
    fn route_as<O: Outcome>(&mut self, frame: &mut TrapFrame, instr: u32, size: InstrSize) -> O {
        let inner = &*self.router.inner;
        // Online (the common case): one way out of the section, no exit kind kept. The
        // index was checked by `qsbr_handle`; the slow path stays correct regardless.
        let cpu = self.cpu;
        inner.hooks.with_qsbr(
            cpu as usize,
            frame,
            |snap, frame| route_in(snap, frame, instr, size),
            |frame| route_qsbr_slow(inner, cpu, frame, instr, size),
        )
    }

    /// As [`UndefRouter::route`].
    ///
    /// # Errors
    /// As [`UndefRouter::route`].
    pub fn route<M: InstructionMemory + ?Sized>(
        &mut self,
        frame: &mut TrapFrame,
        mem: &M,
    ) -> Result<RouteOutcome, UndefError> {
        let (instr, size) = fetch_logged(frame, mem)?;
        Ok(self.route_instruction(frame, instr, size))
    }
}

/// [`QsbrRouter`]'s route while its slot is offline (or out of range): through
/// [`RcuCell::read_qsbr`]'s other read paths. Out of line, off the hot path.
#[cold]
#[inline(never)]
fn route_qsbr_slow<O: Outcome>(
    inner: &Inner,
    cpu: u32,
    frame: &mut TrapFrame,
    instr: u32,
    size: InstrSize,
) -> O {
    let snap = inner.hooks.read_qsbr(cpu as usize);
    route_in(&snap, frame, instr, size)
}

#[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
fn fetch_logged<M: InstructionMemory + ?Sized>(
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
struct TrapState {
    /// The matching key `cpsr:instr`.
    key: u64,
    /// `pc:cpu`.
    pc_cpu: u64,
}

impl TrapState {
    #[inline(always)]
    fn at(frame: &TrapFrame, key: u64) -> Self {
        Self {
            key,
            pc_cpu: (u64::from(frame.pc()) << 32) | u64::from(frame.cpu),
        }
    }

    #[inline(always)]
    const fn instr(self) -> u32 {
        self.key as u32
    }

    #[inline(always)]
    const fn cpsr(self) -> u32 {
        (self.key >> 32) as u32
    }

    #[inline(always)]
    const fn pc(self) -> u32 {
        (self.pc_cpu >> 32) as u32
    }

    #[inline(always)]
    const fn cpu(self) -> u32 {
        self.pc_cpu as u32
    }
}

/// The routing algorithm over one snapshot: the first matching hook inline, the rest
/// (decline policy, nothing handled) out of line.
#[inline(always)]
fn route_in<O: Outcome>(snap: &Snapshot, frame: &mut TrapFrame, instr: u32, size: InstrSize) -> O {
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::frame::{PSR_T_BIT, SVC_MODE, USR_MODE};
    use alloc::vec;

    fn counting(
        name: &'static str,
        mask: u32,
        val: u32,
        result: HookResult,
        log: &Arc<std::sync::Mutex<Vec<&'static str>>>,
    ) -> UndefHook {
        let log = Arc::clone(log);
        UndefHook::new(name, mask, val, move |f, _| {
            log.lock().unwrap().push(name);
            if result == HookResult::Handled {
                f.skip_instruction(InstrSize::Four);
            }
            result
        })
        .unwrap()
    }

    #[test]
    fn snapshot_scan_agrees_with_linear_scan() {
        let r = UndefRouter::new();
        let log = Arc::default();
        // 20 hooks; hook i matches instructions whose low byte is i (so one each), plus
        // every 7th also matches everything with bit 31.
        let guards: Vec<_> = (0..20u32)
            .map(|i| {
                let (m, v) = if i % 7 == 0 {
                    (0x8000_0000, 0x8000_0000)
                } else {
                    (0xFF, i)
                };
                r.register(counting("h", m, v, HookResult::NotHandled, &log))
            })
            .collect();
        let check = |r: &UndefRouter, linear: bool| {
            let snap = r.inner.hooks.read(0);
            assert_eq!(snap.matcher.is_none(), linear);
            for instr in [0u32, 3, 8, 9, 15, 16, 19, 0x8000_0005, 0x8000_0013] {
                for from in 0..22 {
                    let expect = snap
                        .hooks
                        .iter()
                        .enumerate()
                        .skip(from)
                        .find(|(_, (_, h))| h.matches(instr, 0))
                        .map(|(i, _)| i);
                    let got = snap.next_match(from, key_of(instr, 0));
                    assert_eq!(got.map(|(i, _)| i), expect, "{instr:#x} {from}");
                    if let (Some((i, e)), Some((id, _))) = (got, expect.map(|i| &snap.hooks[i])) {
                        assert_eq!((e.hook.id, i), (*id, expect.unwrap_or(usize::MAX)));
                    }
                }
            }
        };
        // 20 hooks: the bitset matcher; then 10: the linear scan.
        check(&r, false);
        let mut guards = guards;
        guards.truncate(10);
        check(&r, true);
        drop(guards);
    }

    #[test]
    fn route_status_agrees_with_route_outcome_on_every_path() {
        use std::sync::atomic::AtomicUsize;
        for fallback in [Fallback::None, Fallback::NextMatching] {
            let r = UndefRouter::with_options(fallback, 4);
            let log = Arc::default();
            let calls = Arc::new(AtomicUsize::new(0));
            // 0xE7F0_00F0: `a` declines, then (NextMatching) `b` (matches everything)
            // handles; 0xE7F0_00F1: the same with `c`; anything else: `b` handles, and
            // once `b` is gone nothing matches.
            let a = r.register(counting(
                "a",
                0xFFFF_FFFF,
                0xE7F0_00F0,
                HookResult::NotHandled,
                &log,
            ));
            let c = r.register(counting(
                "c",
                0xFFFF_FFFF,
                0xE7F0_00F1,
                HookResult::NotHandled,
                &log,
            ));
            let b = r.register(skip_hook("b", &calls));
            let mut cpu = r.claim_cpu(1).unwrap();
            let mut qsbr = r.qsbr_handle(2).unwrap();
            for (instr, expect) in [
                (
                    0xE7F0_00F0,
                    match fallback {
                        Fallback::None => RouteStatus::Declined(a.hook().id),
                        Fallback::NextMatching => RouteStatus::Handled(b.hook().id),
                    },
                ),
                (
                    0xE7F0_00F1,
                    match fallback {
                        Fallback::None => RouteStatus::Declined(c.hook().id),
                        Fallback::NextMatching => RouteStatus::Handled(b.hook().id),
                    },
                ),
                (0x0000_DE01, RouteStatus::Handled(b.hook().id)),
            ] {
                let route = |f: &mut dyn FnMut(&mut TrapFrame) -> RouteStatus| {
                    let mut frame = TrapFrame::new(1, USR_MODE, 0x8000);
                    let status = f(&mut frame);
                    (status, frame.pc())
                };
                let via_outcome = route(&mut |f| {
                    RouteStatus::from(r.route_instruction(f, instr, InstrSize::Four))
                });
                assert_eq!(via_outcome.0, expect, "{fallback:?} {instr:#x}");
                let shared = route(&mut |f| r.route_instruction_status(f, instr, InstrSize::Four));
                let handle =
                    route(&mut |f| cpu.route_instruction_status(f, instr, InstrSize::Four));
                let online =
                    route(&mut |f| qsbr.route_instruction_status(f, instr, InstrSize::Four));
                qsbr.offline();
                let offline =
                    route(&mut |f| qsbr.route_instruction_status(f, instr, InstrSize::Four));
                qsbr.online();
                for got in [shared, handle, online, offline] {
                    assert_eq!(got, via_outcome, "{fallback:?} {instr:#x}");
                }
                assert_eq!(expect.is_handled(), via_outcome.1 == 0x8004);
            }
            qsbr.unregister(b); // offline meanwhile: this thread holds an online handle
            let mut frame = TrapFrame::new(1, USR_MODE, 0x8000);
            let status = qsbr.route_instruction_status(&mut frame, 0x0000_DE01, InstrSize::Two);
            assert_eq!(status, RouteStatus::NoMatchingHook);
            assert_eq!((status.is_handled(), status.hook_id()), (false, None));
            assert_eq!(
                RouteStatus::Declined(a.hook().id).hook_id(),
                Some(a.hook().id)
            );
            assert_eq!(
                RouteStatus::from(r.route_instruction(&mut frame, 0, InstrSize::Four)),
                RouteStatus::NoMatchingHook
            );
            assert_eq!(core::mem::size_of::<RouteStatus>(), 16);
            drop(qsbr);
        }
    }

    #[test]
    fn earliest_registered_wins_and_no_fallback_by_default() {
        let r = UndefRouter::new();
        let log = Arc::default();
        let h1 = r.register(counting("h1", 0, 0, HookResult::NotHandled, &log));
        let _h2 = r.register(counting("h2", 0, 0, HookResult::Handled, &log));
        let mut f = TrapFrame::new(1, USR_MODE, 0x8000);
        let out = r.route_instruction(&mut f, 0xE7F0_00F0, InstrSize::Four);
        assert_eq!(
            out,
            RouteOutcome::Unhandled {
                reason: UnhandledReason::Declined(h1.hook()),
                instr: 0xE7F0_00F0,
                size: InstrSize::Four,
                consequence: Consequence::for_state(USR_MODE, 0x8000),
            }
        );
        assert_eq!(*log.lock().unwrap(), vec!["h1"]);
        assert_eq!(f.pc(), 0x8000);
        h1.unregister();
        let out = r.route_instruction(&mut f, 0xE7F0_00F0, InstrSize::Four);
        assert_eq!(out.hook().map(|h| h.name), Some("h2"));
        assert!(out.is_handled());
        assert_eq!(f.pc(), 0x8004);
        assert_eq!(*log.lock().unwrap(), vec!["h1", "h2"]);
    }

    #[test]
    fn next_matching_policy_passes_declined_trap_on() {
        let r = UndefRouter::with_fallback(Fallback::NextMatching);
        let log = Arc::default();
        let _a = r.register(counting("a", 0, 0, HookResult::NotHandled, &log));
        let _skip = r.register(counting("other", 0xFFFF_FFFF, 1, HookResult::Handled, &log));
        let _b = r.register(counting("b", 0, 0, HookResult::NotHandled, &log));
        let c = r.register(counting("c", 0, 0, HookResult::Handled, &log));
        let _d = r.register(counting("d", 0, 0, HookResult::Handled, &log));
        let mut f = TrapFrame::new(0, SVC_MODE, 0x100);
        let out = r.route_instruction(&mut f, 0xEE00_0E10, InstrSize::Four);
        assert_eq!(
            out,
            RouteOutcome::Handled {
                hook: c.hook(),
                instr: 0xEE00_0E10,
                size: InstrSize::Four
            }
        );
        assert_eq!(*log.lock().unwrap(), vec!["a", "b", "c"]);
    }

    #[test]
    fn next_matching_all_decline_reports_last_decliner() {
        let r = UndefRouter::with_fallback(Fallback::NextMatching);
        let log = Arc::default();
        let _a = r.register(counting("a", 0, 0, HookResult::NotHandled, &log));
        let b = r.register(counting("b", 0, 0, HookResult::NotHandled, &log));
        let mut f = TrapFrame::new(0, SVC_MODE | PSR_T_BIT, 0x100);
        let out = r.route_instruction(&mut f, 0xDE01, InstrSize::Two);
        assert_eq!(
            out,
            RouteOutcome::Unhandled {
                reason: UnhandledReason::Declined(b.hook()),
                instr: 0xDE01,
                size: InstrSize::Two,
                consequence: Consequence::Oops {
                    message: crate::OOPS_UNDEFINED_INSTRUCTION,
                    pc: 0x100
                },
            }
        );
        assert_eq!(*log.lock().unwrap(), vec!["a", "b"]);
    }

    #[test]
    fn consequence_uses_state_at_trap_not_after_decliner() {
        let r = UndefRouter::new();
        let _h = r.register(
            UndefHook::new("mangler", 0, 0, |f, _| {
                f.set_pc(0xDEAD);
                f.cpsr = SVC_MODE;
                HookResult::NotHandled
            })
            .unwrap(),
        );
        let mut f = TrapFrame::new(0, USR_MODE, 0x8000);
        let out = r.route_instruction(&mut f, 0, InstrSize::Four);
        assert!(matches!(
            out,
            RouteOutcome::Unhandled {
                consequence: Consequence::Sigill {
                    si_addr: 0x8000,
                    ..
                },
                ..
            }
        ));
    }

    #[test]
    fn listing_and_registration_state() {
        let r = UndefRouter::new();
        assert!(r.hooks().is_empty());
        let g = r.register(UndefHook::debug_reg_hook("debug_reg_hook", |_, _| {
            HookResult::Handled
        }));
        let id = g.hook().id;
        assert!(r.is_registered(id));
        assert_eq!(r.hooks().len(), 1);
        assert_eq!(r.hooks()[0].instr_mask, 0x0FE8_0F10);
        assert_eq!(r.hooks()[0].instr_val, 0x0E00_0E10);
        let r2 = r.clone();
        drop(g);
        assert!(!r2.is_registered(id));
        assert!(r.hooks().is_empty());
    }

    #[test]
    fn cpu_handles_claim_release_and_route_like_the_router() {
        let r = UndefRouter::with_options(Fallback::None, 4);
        assert_eq!(r.max_cpus(), 4);
        assert_eq!(
            r.claim_cpu(4).unwrap_err(),
            UndefError::CpuOutOfRange {
                cpu: 4,
                max_cpus: 4
            }
        );
        let mut h2 = r.claim_cpu(2).unwrap();
        assert_eq!(
            r.claim_cpu(2).unwrap_err(),
            UndefError::CpuAlreadyClaimed { cpu: 2 }
        );
        assert_eq!(h2.cpu(), 2);
        let log = Arc::default();
        let g = r.register(counting(
            "h",
            0x0FE8_0F10,
            0x0E00_0E10,
            HookResult::Handled,
            &log,
        ));
        let mut f1 = TrapFrame::new(2, SVC_MODE, 0x100);
        let mut f2 = f1.clone();
        let via_handle = h2.route_instruction(&mut f1, 0xEE10_0E10, InstrSize::Four);
        let via_router = r.route_instruction(&mut f2, 0xEE10_0E10, InstrSize::Four);
        assert_eq!(via_handle, via_router);
        assert_eq!(via_handle.hook(), Some(g.hook()));
        assert_eq!((f1.pc(), f2.pc()), (0x104, 0x104));
        drop(g);
        let out = h2.route_instruction(&mut f1, 0xEE10_0E10, InstrSize::Four);
        assert!(!out.is_handled());
        drop(h2);
        let h2again = r.claim_cpu(2).unwrap();
        assert!(core::ptr::eq(
            Arc::as_ptr(&h2again.router().inner),
            Arc::as_ptr(&r.inner)
        ));
    }

    #[test]
    fn unregister_while_routing_threads() {
        use std::sync::atomic::{AtomicBool, AtomicUsize};
        let r = UndefRouter::new();
        let calls = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let c = Arc::clone(&calls);
        let g = r.register(
            UndefHook::new("victim", 0, 0, move |f, _| {
                c.fetch_add(1, Ordering::SeqCst);
                f.skip_instruction(InstrSize::Four);
                HookResult::Handled
            })
            .unwrap(),
        );
        let workers: Vec<_> = (0..2u32)
            .map(|cpu| {
                let r = r.clone();
                let stop = Arc::clone(&stop);
                std::thread::spawn(move || {
                    let mut handled = 0usize;
                    // CPU 0 routes through its private slot, CPU 1 through the shared ones.
                    let mut handle = (cpu == 0).then(|| r.claim_cpu(cpu).unwrap());
                    while !stop.load(Ordering::SeqCst) {
                        let mut f = TrapFrame::new(cpu, USR_MODE, 0);
                        let out = match handle.as_mut() {
                            Some(h) => h.route_instruction(&mut f, 0, InstrSize::Four),
                            None => r.route_instruction(&mut f, 0, InstrSize::Four),
                        };
                        handled += usize::from(out.is_handled());
                        assert_eq!(out.is_handled(), f.pc() == 4);
                    }
                    handled
                })
            })
            .collect();
        while calls.load(Ordering::SeqCst) < 1000 {
            std::thread::yield_now();
        }
        g.unregister();
        let frozen = calls.load(Ordering::SeqCst);
        // Routes keep running; none may call the hook any more.
        let before = r.inner.hooks.read(0).hooks.len();
        assert_eq!(before, 0);
        for _ in 0..1000 {
            std::thread::yield_now();
        }
        assert_eq!(calls.load(Ordering::SeqCst), frozen);
        stop.store(true, Ordering::SeqCst);
        let handled: usize = workers.into_iter().map(|w| w.join().unwrap()).sum();
        // Every call was reported as handled by exactly one route: none lost or doubled.
        assert_eq!(handled, frozen);
    }

    fn skip_hook(name: &'static str, calls: &Arc<std::sync::atomic::AtomicUsize>) -> UndefHook {
        let c = Arc::clone(calls);
        UndefHook::new(name, 0, 0, move |f, _| {
            c.fetch_add(1, Ordering::SeqCst);
            f.skip_instruction(InstrSize::Four);
            HookResult::Handled
        })
        .unwrap()
    }

    /// Runs `f` on a new thread; returns a flag set when it finished, and the thread.
    fn spawn_flagged(
        f: impl FnOnce() + Send + 'static,
    ) -> (
        Arc<std::sync::atomic::AtomicBool>,
        std::thread::JoinHandle<()>,
    ) {
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let d = Arc::clone(&done);
        let t = std::thread::spawn(move || {
            f();
            d.store(true, Ordering::SeqCst);
        });
        (done, t)
    }

    fn wait_for(flag: &std::sync::atomic::AtomicBool) {
        let t0 = std::time::Instant::now();
        while !flag.load(Ordering::SeqCst) {
            assert!(t0.elapsed().as_secs() < 30, "writer never finished");
            std::thread::yield_now();
        }
    }

    #[test]
    fn qsbr_handle_claims_the_cpu_slot_and_routes_like_the_router() {
        let r = UndefRouter::with_options(Fallback::None, 4);
        assert_eq!(
            r.qsbr_handle(4).unwrap_err(),
            UndefError::CpuOutOfRange {
                cpu: 4,
                max_cpus: 4
            }
        );
        let mut q = r.qsbr_handle(3).unwrap();
        assert!(q.is_online());
        assert_eq!(q.cpu(), 3);
        // One handle of either kind per CPU.
        assert_eq!(
            r.qsbr_handle(3).unwrap_err(),
            UndefError::CpuAlreadyClaimed { cpu: 3 }
        );
        assert_eq!(
            r.claim_cpu(3).unwrap_err(),
            UndefError::CpuAlreadyClaimed { cpu: 3 }
        );
        let c = r.claim_cpu(2).unwrap();
        assert_eq!(
            r.qsbr_handle(2).unwrap_err(),
            UndefError::CpuAlreadyClaimed { cpu: 2 }
        );
        drop(c);
        let log = Arc::default();
        let g = q.register(counting(
            "h",
            0x0FE8_0F10,
            0x0E00_0E10,
            HookResult::Handled,
            &log,
        ));
        assert!(q.is_online(), "register restores the online state");
        let mut f1 = TrapFrame::new(3, SVC_MODE, 0x100);
        let mut f2 = f1.clone();
        let via_qsbr = q.route_instruction(&mut f1, 0xEE10_0E10, InstrSize::Four);
        let via_router = r.route_instruction(&mut f2, 0xEE10_0E10, InstrSize::Four);
        assert_eq!(via_qsbr, via_router);
        assert_eq!(via_qsbr.hook(), Some(g.hook()));
        assert_eq!((f1.pc(), f2.pc()), (0x104, 0x104));
        // Offline, it still routes (through the owned-slot path) with the same result.
        q.offline();
        assert!(!q.is_online());
        let mut f3 = TrapFrame::new(3, SVC_MODE, 0x100);
        assert_eq!(
            q.route_instruction(&mut f3, 0xEE10_0E10, InstrSize::Four),
            via_router
        );
        q.quiescent(); // no-op offline: stays offline
        assert!(!q.is_online());
        q.online();
        q.online(); // idempotent
        assert!(q.is_online());
        q.unregister(g);
        assert!(q.is_online(), "unregister restores the online state");
        assert!(!q
            .route_instruction(&mut f1, 0xEE10_0E10, InstrSize::Four)
            .is_handled());
        assert!(format!("{q:?}").contains("online: true"));
        // with_offline restores an offline handle to offline.
        q.offline();
        assert!(q.with_offline(|| 7) == 7 && !q.is_online());
        // Dropping releases the slot, for either kind of handle.
        drop(q);
        let q2 = r.qsbr_handle(3).unwrap();
        assert!(core::ptr::eq(
            Arc::as_ptr(&q2.router().inner),
            Arc::as_ptr(&r.inner)
        ));
        drop(q2);
        drop(r.claim_cpu(3).unwrap());
    }

    #[test]
    fn writer_waits_for_an_online_handle_until_it_reports() {
        use std::sync::atomic::AtomicUsize;
        let r = UndefRouter::new();
        let calls = Arc::new(AtomicUsize::new(0));
        let mut q = r.qsbr_handle(5).unwrap();
        // This thread holds an online handle: register through it (offline meanwhile).
        let g = q.register(skip_hook("h", &calls));
        let mut f = TrapFrame::new(5, USR_MODE, 0);
        assert!(q.route_instruction(&mut f, 0, InstrSize::Four).is_handled());
        // The old snapshot holds a clone of the handler (and its `calls` Arc) until the
        // writer frees it: watch the count to see when it is freed.
        let before = Arc::strong_count(&calls);
        let (done, t) = spawn_flagged(move || g.unregister());
        std::thread::sleep(std::time::Duration::from_millis(100));
        assert!(
            !done.load(Ordering::SeqCst),
            "writer did not wait for the handle"
        );
        assert_eq!(Arc::strong_count(&calls), before, "freed before the report");
        q.quiescent();
        wait_for(&done);
        t.join().unwrap();
        assert_eq!(Arc::strong_count(&calls), 1, "old snapshot freed");
        assert!(!q.route_instruction(&mut f, 0, InstrSize::Four).is_handled());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn writer_waits_for_an_online_handle_until_it_routes_or_drops() {
        let r = UndefRouter::new();
        let mut q = r.qsbr_handle(0).unwrap();
        let r2 = r.clone();
        let (done, t) = spawn_flagged(move || {
            drop(r2.register(UndefHook::debug_reg_hook("h", |_, _| HookResult::Handled)))
        });
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert!(!done.load(Ordering::SeqCst));
        // A route reports at its end (it may run on either snapshot).
        let mut f = TrapFrame::new(0, USR_MODE, 0);
        q.route_instruction(&mut f, 0, InstrSize::Four);
        // The writer registers then unregisters: the second grace period needs another
        // report; dropping the handle (offline) gives it.
        std::thread::sleep(std::time::Duration::from_millis(50));
        drop(q);
        wait_for(&done);
        t.join().unwrap();
    }

    #[test]
    fn writer_does_not_wait_for_offline_handles() {
        let r = UndefRouter::new();
        let mut q = r.qsbr_handle(1).unwrap();
        q.offline();
        // Writers on this thread and others complete although q never reports.
        let g = r.register(UndefHook::debug_reg_hook("h", |_, _| HookResult::Handled));
        let r2 = r.clone();
        let (done, t) = spawn_flagged(move || {
            drop(r2.register(UndefHook::debug_reg_hook("h2", |_, _| HookResult::Handled)))
        });
        wait_for(&done);
        t.join().unwrap();
        drop(g);
        assert!(r.hooks().is_empty());
        // Back online, writers wait for it again; QsbrRouter::register does not deadlock
        // on its own handle.
        q.online();
        let g = q.register(UndefHook::debug_reg_hook("h3", |_, _| HookResult::Handled));
        q.unregister(g);
        assert!(q.with_offline(|| r.hooks().is_empty()));
    }

    #[test]
    fn qsbr_no_call_after_unregister_returns() {
        use std::sync::atomic::{AtomicBool, AtomicUsize};
        for round in 0..20u32 {
            let r = UndefRouter::new();
            let calls = Arc::new(AtomicUsize::new(0));
            let stop = Arc::new(AtomicBool::new(false));
            let g = r.register(skip_hook("victim", &calls));
            let workers: Vec<_> = (0..2u32)
                .map(|cpu| {
                    let (r, stop) = (r.clone(), Arc::clone(&stop));
                    std::thread::spawn(move || {
                        let mut q = r.qsbr_handle(cpu).unwrap();
                        let mut handled = 0usize;
                        let mut n = 0u32;
                        while !stop.load(Ordering::SeqCst) {
                            let mut f = TrapFrame::new(cpu, USR_MODE, 0);
                            let out = q.route_instruction(&mut f, 0, InstrSize::Four);
                            handled += usize::from(out.is_handled());
                            assert_eq!(out.is_handled(), f.pc() == 4);
                            n = n.wrapping_add(1);
                            // Exercise offline/online transitions while racing writers.
                            if (n + round) % 97 == 0 {
                                q.offline();
                                std::thread::yield_now();
                                q.online();
                            }
                        }
                        handled
                    })
                })
                .collect();
            while calls.load(Ordering::SeqCst) < 200 {
                std::thread::yield_now();
            }
            g.unregister();
            let frozen = calls.load(Ordering::SeqCst);
            for _ in 0..200 {
                std::thread::yield_now();
            }
            assert_eq!(
                calls.load(Ordering::SeqCst),
                frozen,
                "call after unregister"
            );
            stop.store(true, Ordering::SeqCst);
            let handled: usize = workers.into_iter().map(|w| w.join().unwrap()).sum();
            assert_eq!(handled, frozen, "lost or doubled call");
        }
    }

    /// Snapshot entries call each handler's closure through a reference taken from its
    /// `Arc` when the snapshot is built (`HandlerRef`): it must address the closure
    /// whatever its alignment and size (the `Arc` places it at an offset that depends on
    /// the alignment), and stay valid while the snapshot lives even after the caller
    /// dropped its own copies of the hook and handler.
    #[test]
    fn snapshot_calls_each_handler_whatever_its_layout() {
        #[repr(align(128))]
        struct Wide([u32; 40]);
        let wide = Wide(core::array::from_fn(|i| 0x100 + i as u32));
        let small = 7u8;
        let shared: crate::Handler = Arc::new(move |f: &mut TrapFrame, _| {
            f.regs[3] = u32::from(small);
            f.skip_instruction(InstrSize::Four);
            HookResult::Handled
        });
        let r = UndefRouter::new();
        let guards = [
            // Over-aligned capture: the closure sits 128 bytes into the Arc allocation.
            r.register(
                UndefHook::new("wide", 0xFFFF_FFFF, 1, move |f: &mut TrapFrame, _| {
                    f.regs[1] = wide.0[39];
                    f.skip_instruction(InstrSize::Four);
                    HookResult::Handled
                })
                .unwrap(),
            ),
            // A zero-sized fn item.
            r.register(
                UndefHook::new("zst", 0xFFFF_FFFF, 2, |f: &mut TrapFrame, _| {
                    f.regs[2] = 2;
                    HookResult::NotHandled
                })
                .unwrap(),
            ),
            // A handler shared through `from_handler`; our copy is dropped below.
            r.register(
                UndefHook::from_handler("shared", 0xFFFF_FFFF, 3, Arc::clone(&shared)).unwrap(),
            ),
        ];
        drop(shared);
        // Every path, on the 3-hook snapshot (linear scan), then on one of 23 hooks
        // (bitset matcher): each rebuild re-derives the entries from the owned `Arc`s.
        let check = |r: &UndefRouter| {
            let mut q = r.qsbr_handle(0).unwrap();
            let mut f = TrapFrame::new(0, SVC_MODE, 0);
            assert!(q.route_instruction(&mut f, 1, InstrSize::Four).is_handled());
            assert_eq!((f.regs[1], f.pc()), (0x100 + 39, 4));
            assert_eq!(
                q.route_instruction_status(&mut f, 2, InstrSize::Four),
                RouteStatus::Declined(guards[1].hook().id)
            );
            assert_eq!((f.regs[2], f.pc()), (2, 4));
            drop(q);
            let mut c = r.claim_cpu(1).unwrap();
            assert!(c.route_instruction(&mut f, 3, InstrSize::Four).is_handled());
            assert_eq!((f.regs[3], f.pc()), (7, 8));
            drop(c);
            assert!(r.route_instruction(&mut f, 1, InstrSize::Four).is_handled());
            assert_eq!(f.pc(), 12);
        };
        check(&r);
        let more: Vec<_> = (0..20u32)
            .map(|i| {
                r.register(
                    UndefHook::new("filler", 0xFFFF_FFFF, 0x100 + i, |_, _| HookResult::Handled)
                        .unwrap(),
                )
            })
            .collect();
        assert!(r.inner.hooks.read(0).matcher.is_some());
        check(&r);
        drop(more);
        assert!(r.inner.hooks.read(0).matcher.is_none());
        check(&r);
    }
}
