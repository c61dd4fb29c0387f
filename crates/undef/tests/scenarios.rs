//! Scenarios 23–28 (undefined-instruction hooks, listed in `docs/undef.md`), from outside.
#![allow(clippy::unwrap_used)]

mod common;

use common::{log_entries, GuestMem, Log};
use undef::{
    Consequence, Fallback, HookResult, InstrSize, RouteOutcome, TrapFrame, UndefError, UndefHook,
    UndefRouter, UnhandledReason, PSR_T_BIT, SVC_MODE, USR_MODE,
};

/// A hook that logs its calls and returns `result`, skipping by `skip` when handled.
fn logging_hook(
    name: &'static str,
    mask: u32,
    val: u32,
    result: HookResult,
    skip: Option<InstrSize>,
    log: &Log,
) -> UndefHook {
    let log = log.clone();
    UndefHook::new(name, mask, val, move |frame, instr| {
        log.lock().unwrap().push((name, instr));
        if let Some(size) = skip {
            frame.skip_instruction(size);
        }
        result
    })
    .unwrap()
}

fn sigill(pc: u32) -> Consequence {
    Consequence::Sigill {
        si_code: 1,
        si_addr: pc,
        trap_no: 6,
        error_code: 0,
    }
}

#[test]
fn scenario_23_no_hook_user_sigill_kernel_oops() {
    let router = UndefRouter::new();
    let mem = GuestMem::words(0x8000, &[0xE7F0_00F0]);
    let mut user = TrapFrame::new(0, USR_MODE, 0x8000);
    let out = router.route(&mut user, &mem).unwrap();
    assert_eq!(
        out,
        RouteOutcome::Unhandled {
            reason: UnhandledReason::NoMatchingHook,
            instr: 0xE7F0_00F0,
            size: InstrSize::Four,
            consequence: sigill(0x8000),
        }
    );
    assert_eq!(out.hook(), None);
    assert_eq!(user.pc(), 0x8000);

    let mut kernel = TrapFrame::new(0, SVC_MODE, 0x8000);
    match router.route(&mut kernel, &mem).unwrap() {
        RouteOutcome::Unhandled {
            consequence: Consequence::Oops { message, pc },
            ..
        } => {
            assert_eq!(message, "Oops - undefined instruction");
            assert_eq!(pc, 0x8000);
        }
        other => panic!("expected oops, got {other:?}"),
    }
}

#[test]
fn scenario_24_debug_reg_hook_spec_words() {
    let router = UndefRouter::new();
    let log = Log::default();
    let l = log.clone();
    let _g = router.register(UndefHook::debug_reg_hook("debug_reg_hook", move |f, i| {
        l.lock().unwrap().push(("debug_reg_hook", i));
        f.skip_instruction(InstrSize::Four);
        HookResult::Handled
    }));
    // Fourteen hand-written words (9 match, 5 do not); tests/hw_breakpoint.rs adds
    // every field boundary.
    let cases: [(u32, bool); 14] = [
        (0xEE10_0E10, true),
        (0xEE10_0E11, true),
        (0xEE00_0E52, true),
        (0xEE00_0E17, true),
        (0xEE00_1EB3, true),
        (0xEE01_0E90, true),
        (0xEE11_0E95, true),
        (0xFE10_0E10, true),
        (0x1E10_0E10, true),
        (0xEE10_0F10, false),
        (0xEED0_0E10, false),
        (0xEE30_0E10, false),
        (0xEE18_0E10, false),
        (0xEE00_0E07, false),
    ];
    for (i, (word, expect)) in cases.iter().enumerate() {
        for cpsr in [USR_MODE, SVC_MODE] {
            let pc = 0x1000 + 4 * i as u32;
            let mem = GuestMem::words(pc, &[*word]);
            let mut f = TrapFrame::new(1, cpsr, pc);
            let out = router.route(&mut f, &mem).unwrap();
            assert_eq!(out.is_handled(), *expect, "{word:#010x} cpsr {cpsr:#x}");
            if *expect {
                assert_eq!(f.pc(), pc + 4);
            } else {
                assert_eq!(f.pc(), pc);
                let c = Consequence::for_state(cpsr, pc);
                assert!(
                    matches!(out, RouteOutcome::Unhandled { consequence, .. } if consequence == c)
                );
            }
        }
    }
    let handled = cases.iter().filter(|c| c.1).count();
    assert_eq!(log_entries(&log).len(), 2 * handled);
}

#[test]
fn scenario_25_earliest_wins_no_fallback_then_unregister() {
    let router = UndefRouter::new();
    let log = Log::default();
    let h1 = router.register(logging_hook("H1", 0, 0, HookResult::NotHandled, None, &log));
    let _h2 = router.register(logging_hook(
        "H2",
        0,
        0,
        HookResult::Handled,
        Some(InstrSize::Four),
        &log,
    ));
    let mem = GuestMem::words(0x8000, &[0xEE10_0E10]);
    let mut f = TrapFrame::new(0, USR_MODE, 0x8000);
    let out = router.route(&mut f, &mem).unwrap();
    assert_eq!(
        out,
        RouteOutcome::Unhandled {
            reason: UnhandledReason::Declined(h1.hook()),
            instr: 0xEE10_0E10,
            size: InstrSize::Four,
            consequence: sigill(0x8000),
        }
    );
    assert_eq!(log_entries(&log), vec![("H1", 0xEE10_0E10)]);

    h1.unregister();
    let mut f = TrapFrame::new(0, USR_MODE, 0x8000);
    let out = router.route(&mut f, &mem).unwrap();
    assert_eq!(out.hook().map(|h| h.name), Some("H2"));
    assert!(out.is_handled());
    assert_eq!(f.pc(), 0x8004);
    assert_eq!(
        log_entries(&log),
        vec![("H1", 0xEE10_0E10), ("H2", 0xEE10_0E10)]
    );
}

#[test]
fn scenario_25_variant_next_matching_policy() {
    let router = UndefRouter::with_fallback(Fallback::NextMatching);
    let log = Log::default();
    let _h1 = router.register(logging_hook("H1", 0, 0, HookResult::NotHandled, None, &log));
    let h2 = router.register(logging_hook(
        "H2",
        0,
        0,
        HookResult::Handled,
        Some(InstrSize::Four),
        &log,
    ));
    let mut f = TrapFrame::new(0, USR_MODE, 0x8000);
    let out = router.route_instruction(&mut f, 0xEE10_0E10, InstrSize::Four);
    assert_eq!(
        out,
        RouteOutcome::Handled {
            hook: h2.hook(),
            instr: 0xEE10_0E10,
            size: InstrSize::Four
        }
    );
    assert_eq!(
        log_entries(&log),
        vec![("H1", 0xEE10_0E10), ("H2", 0xEE10_0E10)]
    );
    assert_eq!(f.pc(), 0x8004);
}

#[test]
fn scenario_26_cpsr_filter_tls_hook() {
    let router = UndefRouter::new();
    let log = Log::default();
    let _tls = router.register(
        logging_hook(
            "tls",
            0x0FFF_0FFF,
            0x0E1D_0F70,
            HookResult::Handled,
            Some(InstrSize::Four),
            &log,
        )
        .with_cpsr(PSR_T_BIT, 0)
        .unwrap(),
    );
    let mut arm = TrapFrame::new(0, USR_MODE, 0x8000);
    let out = router.route_instruction(&mut arm, 0xEE1D_0F70, InstrSize::Four);
    assert!(out.is_handled());
    assert_eq!(arm.pc(), 0x8004);

    let mut thumb = TrapFrame::new(0, USR_MODE | PSR_T_BIT, 0x8000);
    let out = router.route_instruction(&mut thumb, 0xEE1D_0F70, InstrSize::Four);
    assert_eq!(
        out,
        RouteOutcome::Unhandled {
            reason: UnhandledReason::NoMatchingHook,
            instr: 0xEE1D_0F70,
            size: InstrSize::Four,
            consequence: sigill(0x8000),
        }
    );
    assert_eq!(log_entries(&log), vec![("tls", 0xEE1D_0F70)]);
}

#[test]
fn scenario_27_thumb_fetch() {
    let router = UndefRouter::new();
    let log = Log::default();
    // Catch-all hook in Thumb state that records what it saw and declines.
    let _all = router.register(
        logging_hook("thumb", 0, 0, HookResult::NotHandled, None, &log)
            .with_cpsr(PSR_T_BIT, PSR_T_BIT)
            .unwrap(),
    );
    let cpsr = USR_MODE | PSR_T_BIT;

    let mut f = TrapFrame::new(0, cpsr, 0x8000);
    let out = router
        .route(&mut f, &GuestMem::halfwords(0x8000, &[0xDE01, 0xF7F0]))
        .unwrap();
    assert!(matches!(
        out,
        RouteOutcome::Unhandled { instr: 0x0000_DE01, size: InstrSize::Two, consequence, .. }
            if consequence == sigill(0x8000)
    ));

    let mut f = TrapFrame::new(0, cpsr, 0x8000);
    let out = router
        .route(&mut f, &GuestMem::halfwords(0x8000, &[0xF7F0, 0xA000]))
        .unwrap();
    assert!(matches!(
        out,
        RouteOutcome::Unhandled {
            instr: 0xF7F0_A000,
            size: InstrSize::Four,
            ..
        }
    ));

    let mut f = TrapFrame::new(0, cpsr, 0x8000);
    let out = router
        .route(&mut f, &GuestMem::halfwords(0x8000, &[0xE800, 0x1234]))
        .unwrap();
    assert!(matches!(
        out,
        RouteOutcome::Unhandled {
            instr: 0xE800_1234,
            size: InstrSize::Four,
            ..
        }
    ));

    assert_eq!(
        log_entries(&log),
        vec![
            ("thumb", 0x0000_DE01),
            ("thumb", 0xF7F0_A000),
            ("thumb", 0xE800_1234)
        ]
    );

    // Fault on the second halfword: typed error, no hook consulted, frame untouched.
    let mut f = TrapFrame::new(0, cpsr, 0x8000);
    let before = f.clone();
    let err = router
        .route(&mut f, &GuestMem::halfwords(0x8000, &[0xF7F0]))
        .unwrap_err();
    assert_eq!(
        err,
        UndefError::FetchFault {
            addr: 0x8002,
            size: InstrSize::Two,
            pc: 0x8000,
            cpsr
        }
    );
    assert_eq!(f, before);
    assert_eq!(Consequence::for_frame(&f), sigill(0x8000));
    assert_eq!(log_entries(&log).len(), 3);
    assert!(err.to_string().contains("0x00008002"), "{err}");
}

#[test]
fn scenario_28_skipping_and_retrapping() {
    let router = UndefRouter::new();
    let log = Log::default();
    let skipper = router.register(logging_hook(
        "skip",
        0xFFFF_FFFF,
        0xEE10_0E10,
        HookResult::Handled,
        Some(InstrSize::Four),
        &log,
    ));
    let mem = GuestMem::words(0x8000, &[0xEE10_0E10, 0xEE10_0E11]);
    let mut f = TrapFrame::new(0, SVC_MODE, 0x8000);
    assert!(router.route(&mut f, &mem).unwrap().is_handled());
    assert_eq!(f.pc(), 0x8004);
    drop(skipper);

    // Handled without moving the PC: the same instruction traps again.
    let _stay = router.register(logging_hook(
        "stay",
        0xFFFF_FFFF,
        0xEE10_0E10,
        HookResult::Handled,
        None,
        &log,
    ));
    let mut f = TrapFrame::new(0, SVC_MODE, 0x8000);
    for _ in 0..3 {
        let out = router.route(&mut f, &mem).unwrap();
        assert!(out.is_handled());
        assert_eq!(f.pc(), 0x8000);
    }
    assert_eq!(
        log_entries(&log),
        vec![
            ("skip", 0xEE10_0E10),
            ("stay", 0xEE10_0E10),
            ("stay", 0xEE10_0E10),
            ("stay", 0xEE10_0E10)
        ]
    );
}

#[test]
fn sixteen_bit_thumb_skip_by_two() {
    let router = UndefRouter::new();
    let _h = router.register(
        UndefHook::new("udf16", 0xFFFF_FF00, 0x0000_DE00, |f, _| {
            f.skip_instruction(InstrSize::Two);
            HookResult::Handled
        })
        .unwrap()
        .with_cpsr(PSR_T_BIT, PSR_T_BIT)
        .unwrap(),
    );
    let mut f = TrapFrame::new(3, USR_MODE | PSR_T_BIT, 0x8000);
    let out = router
        .route(&mut f, &GuestMem::halfwords(0x8000, &[0xDE42]))
        .unwrap();
    assert!(matches!(
        out,
        RouteOutcome::Handled {
            instr: 0xDE42,
            size: InstrSize::Two,
            ..
        }
    ));
    assert_eq!(f.pc(), 0x8002);
}
