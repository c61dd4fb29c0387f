//! The ordered hotplug state space: named static states, the two dynamic
//! ranges and the section each state belongs to.

use std::fmt;

/// A hotplug state number.
///
/// States form one ordered space from [`State::OFFLINE`] to [`State::ONLINE`].
/// A CPU comes up by running the startup callbacks in ascending order and goes
/// down by running the teardown callbacks in descending order.
///
/// The absolute numbers are this model's own (the kernel's differ between
/// versions); only the order and the section boundaries follow the kernel.
/// Use the named constants, never literal numbers.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct State(u16);

/// A dynamic range of the state space.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum DynRange {
    /// `BP_PREPARE_DYN ..= BP_PREPARE_DYN_END` in the PREPARE section.
    BpPrepare,
    /// `AP_ONLINE_DYN ..= AP_ONLINE_DYN_END` in the ONLINE section.
    ApOnline,
}

impl DynRange {
    /// First state of the range (the request value that asks for a slot).
    pub const fn first(self) -> State {
        match self {
            DynRange::BpPrepare => State::BP_PREPARE_DYN,
            DynRange::ApOnline => State::AP_ONLINE_DYN,
        }
    }

    /// Last state of the range (inclusive).
    pub const fn last(self) -> State {
        match self {
            DynRange::BpPrepare => State::BP_PREPARE_DYN_END,
            DynRange::ApOnline => State::AP_ONLINE_DYN_END,
        }
    }

    /// Number of slots in the range.
    pub const fn slots(self) -> usize {
        (self.last().0 - self.first().0) as usize + 1
    }

    /// Whether `state` lies inside this range.
    pub const fn contains(self, state: State) -> bool {
        state.0 >= self.first().0 && state.0 <= self.last().0
    }
}

impl fmt::Display for DynRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DynRange::BpPrepare => f.write_str("BP_PREPARE_DYN"),
            DynRange::ApOnline => f.write_str("AP_ONLINE_DYN"),
        }
    }
}

/// The section of the state space a state belongs to, which decides where and
/// how its callbacks run.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Section {
    /// [`State::OFFLINE`] itself (no callbacks).
    Offline,
    /// PREPARE ("BP") states, `OFFLINE+1 ..= BRINGUP_CPU`: run on the control
    /// thread (the caller of `cpu_up`/`cpu_down`/setup/remove); startups may
    /// fail, teardowns ("dead" callbacks) must not.
    Prepare,
    /// STARTING ("AP atomic") states, `AP_IDLE_DEAD .. AP_ONLINE`: run on the
    /// target CPU with interrupts disabled; failures are only warned about.
    Starting,
    /// The `AP_ONLINE` marker (no callbacks).
    ApOnlineMarker,
    /// `TEARDOWN_CPU`, run by the control thread (takes the CPU down).
    Teardown,
    /// ONLINE ("AP") states, `AP_ONLINE_IDLE ..= ONLINE-1`: run on the target
    /// CPU's hotplug worker; startups and teardowns may fail (rollback).
    Online,
    /// [`State::ONLINE`] itself (no callbacks).
    OnlineMarker,
}

impl State {
    /// The CPU is off; no callbacks.
    pub const OFFLINE: State = State(0);
    /// A static PREPARE state free for registration (the kernel's
    /// `CPUHP_PERF_PREPARE`).
    pub const PERF_PREPARE: State = State(1);
    /// Request value for a dynamic PREPARE state; also the first slot.
    pub const BP_PREPARE_DYN: State = State(2);
    /// Last dynamic PREPARE slot (`BP_PREPARE_DYN + 20`: 21 slots).
    pub const BP_PREPARE_DYN_END: State = State(22);
    /// Core state: the control thread starts the CPU (end of PREPARE).
    pub const BRINGUP_CPU: State = State(23);
    /// Core state: first STARTING state (the idle task reports a dead CPU).
    pub const AP_IDLE_DEAD: State = State(24);
    /// Core state: the CPU is running but not yet marked online.
    pub const AP_OFFLINE: State = State(25);
    /// Static STARTING state (arm64 debug monitors: clear the OS lock). It
    /// precedes [`State::AP_PERF_ARM_HW_BREAKPOINT_STARTING`].
    pub const AP_ARM64_DEBUG_MONITORS_STARTING: State = State(26);
    /// Static STARTING state (arm64 hw_breakpoint reset).
    pub const AP_PERF_ARM_HW_BREAKPOINT_STARTING: State = State(27);
    /// Static STARTING state (ARM CoreSight).
    pub const AP_ARM_CORESIGHT_STARTING: State = State(28);
    /// Core marker: end of the STARTING section; the CPU is marked online here.
    pub const AP_ONLINE: State = State(29);
    /// Core state: the control thread takes the CPU down (teardown side).
    pub const TEARDOWN_CPU: State = State(30);
    /// Core state: the CPU is idle and its hotplug worker runs.
    pub const AP_ONLINE_IDLE: State = State(31);
    /// A static ONLINE state free for registration (the kernel's
    /// `CPUHP_AP_PERF_ONLINE`).
    pub const AP_PERF_ONLINE: State = State(32);
    /// Request value for a dynamic ONLINE state; also the first slot.
    pub const AP_ONLINE_DYN: State = State(33);
    /// Last dynamic ONLINE slot (`AP_ONLINE_DYN + 40`: 41 slots, as in the
    /// current kernel; v4.10/v4.13 had 31).
    pub const AP_ONLINE_DYN_END: State = State(73);
    /// Core state: the scheduler activates the CPU (last ONLINE state).
    pub const AP_ACTIVE: State = State(74);
    /// The CPU is fully online; no callbacks.
    pub const ONLINE: State = State(75);

    /// Number of BP (PREPARE) dynamic slots.
    pub const BP_PREPARE_DYN_SLOTS: usize = DynRange::BpPrepare.slots();
    /// Number of AP (ONLINE) dynamic slots.
    pub const AP_ONLINE_DYN_SLOTS: usize = DynRange::ApOnline.slots();

    /// Number of states (`ONLINE + 1`).
    pub(crate) const COUNT: usize = State::ONLINE.0 as usize + 1;

    /// A state from its raw number (as returned by a dynamic setup). Any value
    /// is accepted here; the registry rejects values outside the registrable
    /// range with a typed error.
    pub const fn from_raw(number: u16) -> State {
        State(number)
    }

    /// The raw number of this state.
    pub const fn raw(self) -> u16 {
        self.0
    }

    pub(crate) const fn index(self) -> usize {
        self.0 as usize
    }

    /// The next state up (saturating at `u16::MAX`).
    pub(crate) const fn next(self) -> State {
        State(self.0.saturating_add(1))
    }

    /// The next state down (saturating at 0).
    pub(crate) const fn prev(self) -> State {
        State(self.0.saturating_sub(1))
    }

    /// The section this state belongs to (`None` above [`State::ONLINE`]).
    pub fn section(self) -> Option<Section> {
        let s = self;
        Some(if s == State::OFFLINE {
            Section::Offline
        } else if s <= State::BRINGUP_CPU {
            Section::Prepare
        } else if s < State::AP_ONLINE {
            Section::Starting
        } else if s == State::AP_ONLINE {
            Section::ApOnlineMarker
        } else if s == State::TEARDOWN_CPU {
            Section::Teardown
        } else if s < State::ONLINE {
            Section::Online
        } else if s == State::ONLINE {
            Section::OnlineMarker
        } else {
            return None;
        })
    }

    /// The kernel's "AP state" predicate: above `BRINGUP_CPU` and not
    /// `TEARDOWN_CPU`. AP states run on the target CPU.
    pub fn is_ap_state(self) -> bool {
        self > State::BRINGUP_CPU && self != State::TEARDOWN_CPU
    }

    /// The kernel's "atomic" predicate: `AP_IDLE_DEAD <= s < AP_ONLINE`
    /// (STARTING/DYING callbacks, run with interrupts disabled).
    pub fn is_atomic(self) -> bool {
        self >= State::AP_IDLE_DEAD && self < State::AP_ONLINE
    }

    /// The dynamic range this state lies in, if any.
    pub fn dyn_range(self) -> Option<DynRange> {
        [DynRange::BpPrepare, DynRange::ApOnline]
            .into_iter()
            .find(|r| r.contains(self))
    }

    /// Name and number of the core states that the hotplug machine itself
    /// owns (they are listed like registered states and cannot be claimed).
    pub(crate) const CORE: [(State, &'static str); 9] = [
        (State::OFFLINE, "offline"),
        (State::BRINGUP_CPU, "cpu:bringup"),
        (State::AP_IDLE_DEAD, "idle:dead"),
        (State::AP_OFFLINE, "ap:offline"),
        (State::AP_ONLINE, "ap:online"),
        (State::TEARDOWN_CPU, "cpu:teardown"),
        (State::AP_ONLINE_IDLE, "ap:online-idle"),
        (State::AP_ACTIVE, "sched:active"),
        (State::ONLINE, "online"),
    ];
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slot_counts_match_current_kernel() {
        assert_eq!(State::BP_PREPARE_DYN_SLOTS, 21);
        assert_eq!(State::AP_ONLINE_DYN_SLOTS, 41);
    }

    #[test]
    fn order_and_sections() {
        let order = [
            State::OFFLINE,
            State::PERF_PREPARE,
            State::BP_PREPARE_DYN,
            State::BP_PREPARE_DYN_END,
            State::BRINGUP_CPU,
            State::AP_IDLE_DEAD,
            State::AP_OFFLINE,
            State::AP_ARM64_DEBUG_MONITORS_STARTING,
            State::AP_PERF_ARM_HW_BREAKPOINT_STARTING,
            State::AP_ARM_CORESIGHT_STARTING,
            State::AP_ONLINE,
            State::TEARDOWN_CPU,
            State::AP_ONLINE_IDLE,
            State::AP_PERF_ONLINE,
            State::AP_ONLINE_DYN,
            State::AP_ONLINE_DYN_END,
            State::AP_ACTIVE,
            State::ONLINE,
        ];
        assert!(order.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(State::BP_PREPARE_DYN.section(), Some(Section::Prepare));
        assert_eq!(State::BRINGUP_CPU.section(), Some(Section::Prepare));
        assert_eq!(
            State::AP_PERF_ARM_HW_BREAKPOINT_STARTING.section(),
            Some(Section::Starting)
        );
        assert_eq!(State::TEARDOWN_CPU.section(), Some(Section::Teardown));
        assert_eq!(State::AP_ONLINE_DYN.section(), Some(Section::Online));
        assert_eq!(State::AP_ACTIVE.section(), Some(Section::Online));
        assert_eq!(State::ONLINE.next().section(), None);
        assert!(State::AP_ONLINE_DYN.is_ap_state());
        assert!(!State::TEARDOWN_CPU.is_ap_state());
        assert!(!State::BP_PREPARE_DYN.is_ap_state());
        assert!(State::AP_IDLE_DEAD.is_atomic());
        assert!(!State::AP_ONLINE.is_atomic());
        assert_eq!(
            State::AP_ONLINE_DYN_END.dyn_range(),
            Some(DynRange::ApOnline)
        );
        assert_eq!(State::AP_ACTIVE.dyn_range(), None);
    }
}
