//! Property tests: routing never panics for arbitrary instructions, CPSRs and hook sets,
//! and agrees with a brute-force reference model of the kernel's matching rule, through
//! the shared router, a `CpuRouter` and a `QsbrRouter` (online and offline).
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::{Arc, Mutex};

use common::GuestMem;
use proptest::prelude::*;
use undef::{
    Consequence, Fallback, HookGuard, HookResult, InstrSize, RouteOutcome, TrapFrame, UndefError,
    UndefHook, UndefRouter, UnhandledReason,
};

#[derive(Debug, Clone)]
struct HookSpec {
    instr_mask: u32,
    instr_val: u32,
    cpsr_mask: u32,
    cpsr_val: u32,
    handles: bool,
    keep: bool,
}

/// Masks biased towards few set bits so that matches are common.
fn sparse_mask() -> impl Strategy<Value = u32> {
    prop_oneof![
        Just(0u32),
        any::<u32>().prop_map(|m| m & 0x0000_00FF),
        any::<u32>().prop_map(|a| a & (a >> 3) & (a >> 7)),
        any::<u32>(),
    ]
}

fn hook_spec() -> impl Strategy<Value = HookSpec> {
    (
        sparse_mask(),
        any::<u32>(),
        prop_oneof![
            Just(0u32),
            Just(0x20),
            Just(0x1f),
            Just(0x3f),
            sparse_mask()
        ],
        any::<u32>(),
        any::<bool>(),
        prop::bool::weighted(0.8),
    )
        .prop_map(|(im, iv, cm, cv, handles, keep)| HookSpec {
            instr_mask: im,
            instr_val: iv & im,
            cpsr_mask: cm,
            cpsr_val: cv & cm,
            handles,
            keep,
        })
}

/// The reference model: the kernel's walk over a newest-first list, last match wins,
/// then (optional) fallback over later-registered matching hooks.
fn reference(
    specs: &[HookSpec],
    instr: u32,
    cpsr: u32,
    fallback: Fallback,
) -> (Vec<usize>, Option<usize>) {
    let live: Vec<usize> = (0..specs.len()).filter(|&i| specs[i].keep).collect();
    let matching = |i: &usize| {
        let s = &specs[*i];
        (instr & s.instr_mask) == s.instr_val && (cpsr & s.cpsr_mask) == s.cpsr_val
    };
    // Newest-first list, remember the last match.
    let mut chosen = None;
    for i in live.iter().rev() {
        if matching(i) {
            chosen = Some(*i);
        }
    }
    let Some(first) = chosen else {
        return (Vec::new(), None);
    };
    let mut called = vec![first];
    if specs[first].handles {
        return (called, Some(first));
    }
    if fallback == Fallback::NextMatching {
        for i in live.iter().filter(|i| **i > first && matching(i)) {
            called.push(*i);
            if specs[*i].handles {
                return (called, Some(*i));
            }
        }
    }
    (called, None)
}

type Built = (UndefRouter, Arc<Mutex<Vec<usize>>>, Vec<HookGuard>);

fn build(specs: &[HookSpec], fallback: Fallback) -> Built {
    let router = UndefRouter::with_fallback(fallback);
    let calls = Arc::new(Mutex::new(Vec::new()));
    let mut guards = Vec::new();
    for (i, s) in specs.iter().enumerate() {
        let c = Arc::clone(&calls);
        let handles = s.handles;
        let hook = UndefHook::new("p", s.instr_mask, s.instr_val, move |f, _| {
            c.lock().unwrap().push(i);
            if handles {
                f.skip_instruction(InstrSize::Four);
                HookResult::Handled
            } else {
                HookResult::NotHandled
            }
        })
        .unwrap()
        .with_cpsr(s.cpsr_mask, s.cpsr_val)
        .unwrap();
        guards.push((router.register(hook), s.keep));
    }
    // Unregister the ones not kept (exercises removal from the middle of the list).
    let mut kept = Vec::new();
    for (g, keep) in guards {
        if keep {
            kept.push(g);
        } else {
            g.unregister();
        }
    }
    (router, calls, kept)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn route_agrees_with_reference(
        specs in prop::collection::vec(hook_spec(), 0..40),
        instr in any::<u32>(),
        cpsr in any::<u32>(),
        pc in any::<u32>(),
        next in any::<bool>(),
    ) {
        let fallback = if next { Fallback::NextMatching } else { Fallback::None };
        let (router, calls, _guards) = build(&specs, fallback);
        let (expect_calls, expect_handler) = reference(&specs, instr, cpsr, fallback);
        // Through a per-CPU handle first, then through the shared router: same result.
        let mut handle = router.claim_cpu(0).unwrap();
        let mut hf = TrapFrame::new(0, cpsr, pc);
        let via_handle = handle.route_instruction(&mut hf, instr, InstrSize::Four);
        prop_assert_eq!(calls.lock().unwrap().clone(), expect_calls.clone());
        calls.lock().unwrap().clear();
        let mut f = TrapFrame::new(0, cpsr, pc);
        let out = router.route_instruction(&mut f, instr, InstrSize::Four);
        prop_assert_eq!(out, via_handle);
        prop_assert_eq!(&hf, &f);
        prop_assert_eq!(calls.lock().unwrap().clone(), expect_calls.clone());
        // Through a QSBR handle (online: the barrier-free path), then offline (the
        // owned-slot path): same result again.
        calls.lock().unwrap().clear();
        let mut qsbr = router.qsbr_handle(1).unwrap();
        let mut qf = TrapFrame::new(0, cpsr, pc);
        prop_assert_eq!(qsbr.route_instruction(&mut qf, instr, InstrSize::Four), out);
        prop_assert_eq!(&qf, &f);
        prop_assert_eq!(calls.lock().unwrap().clone(), expect_calls.clone());
        calls.lock().unwrap().clear();
        qsbr.offline();
        let mut qf = TrapFrame::new(0, cpsr, pc);
        prop_assert_eq!(qsbr.route_instruction(&mut qf, instr, InstrSize::Four), out);
        prop_assert_eq!(&qf, &f);
        prop_assert_eq!(calls.lock().unwrap().clone(), expect_calls.clone());
        // Dropped before `_guards` unregister (an online handle on this thread would
        // make this thread's writers wait for itself).
        drop(qsbr);
        match (out, expect_handler) {
            (RouteOutcome::Handled { .. }, Some(_)) => {
                prop_assert_eq!(f.pc(), pc.wrapping_add(4));
            }
            (RouteOutcome::Unhandled { reason, consequence, .. }, None) => {
                prop_assert_eq!(consequence, Consequence::for_state(cpsr, pc));
                prop_assert_eq!(f.pc(), pc);
                match reason {
                    UnhandledReason::NoMatchingHook => prop_assert!(expect_calls.is_empty()),
                    UnhandledReason::Declined(_) => prop_assert!(!expect_calls.is_empty()),
                }
            }
            (out, h) => prop_assert!(false, "outcome {:?} vs reference {:?}", out, h),
        }
        // The routed hook's id is the registration order (ids start at 1).
        if let (Some(h), Some(i)) = (out.hook(), expect_calls.last()) {
            prop_assert_eq!(h.id.get(), *i as u64 + 1);
        }
    }

    #[test]
    fn route_from_memory_never_panics(
        specs in prop::collection::vec(hook_spec(), 0..12),
        bytes in prop::collection::vec(any::<u8>(), 0..8),
        base in any::<u32>(),
        pc_off in 0u32..10,
        cpsr in any::<u32>(),
    ) {
        let (router, _calls, _guards) = build(&specs, Fallback::None);
        let mem = GuestMem { base, bytes };
        let pc = base.wrapping_add(pc_off);
        let mut f = TrapFrame::new(7, cpsr, pc);
        match router.route(&mut f, &mem) {
            Ok(RouteOutcome::Handled { size, .. }) => {
                prop_assert_eq!(f.pc(), pc.wrapping_add(4));
                prop_assert!(size == InstrSize::Two || size == InstrSize::Four);
            }
            Ok(RouteOutcome::Unhandled { .. }) => prop_assert_eq!(f.pc(), pc),
            Err(UndefError::FetchFault { pc: fpc, cpsr: fcpsr, .. }) => {
                prop_assert_eq!((fpc, fcpsr), (pc, cpsr));
                prop_assert_eq!(f.pc(), pc);
            }
            Err(e) => prop_assert!(false, "unexpected error {}", e),
        }
    }

    #[test]
    fn invalid_patterns_are_rejected_not_panicking(
        im in any::<u32>(), iv in any::<u32>(), cm in any::<u32>(), cv in any::<u32>(),
    ) {
        let r = UndefHook::new("x", im, iv, |_, _| HookResult::Handled)
            .and_then(|h| h.with_cpsr(cm, cv));
        let valid = iv & !im == 0 && cv & !cm == 0;
        prop_assert_eq!(r.is_ok(), valid);
    }
}
