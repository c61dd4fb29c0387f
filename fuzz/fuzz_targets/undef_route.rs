//! Undef routing: for arbitrary hook sets and traps, routing never panics
//! and runs exactly the hook a plain earliest-registered-first list walk
//! picks (the kernel's rule, no fallback).
#![no_main]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use undef::{HookResult, InstrSize, RouteOutcome, TrapFrame, UndefHook, UndefRouter};

const NAMES: [&str; 8] = ["h0", "h1", "h2", "h3", "h4", "h5", "h6", "h7"];

#[derive(Debug, Arbitrary)]
struct Hook {
    instr_mask: u32,
    instr_val: u32,
    cpsr_mask: u32,
    cpsr_val: u32,
    handles: bool,
}

#[derive(Debug, Arbitrary)]
struct Trap {
    instr: u32,
    cpsr: u32,
    thumb16: bool,
}

#[derive(Debug, Arbitrary)]
struct Input {
    hooks: Vec<Hook>,
    traps: Vec<Trap>,
}

fuzz_target!(|input: Input| {
    let router = UndefRouter::new();
    let ran = Arc::new(AtomicUsize::new(usize::MAX));
    let mut guards = Vec::new();
    // The reference list: (index, masks) of the hooks that registered.
    let mut reference = Vec::new();
    for (i, h) in input.hooks.iter().take(NAMES.len()).enumerate() {
        let ran = Arc::clone(&ran);
        let handles = h.handles;
        let hook = UndefHook::new(NAMES[i], h.instr_mask, h.instr_val, move |_, _| {
            ran.store(i, Ordering::SeqCst);
            if handles {
                HookResult::Handled
            } else {
                HookResult::NotHandled
            }
        })
        .and_then(|hook| hook.with_cpsr(h.cpsr_mask, h.cpsr_val));
        match hook {
            Ok(hook) => {
                guards.push(router.register(hook));
                reference.push(i);
            }
            // A value with bits outside its mask is rejected, never registered.
            Err(_) => {
                assert!(h.instr_val & !h.instr_mask != 0 || h.cpsr_val & !h.cpsr_mask != 0)
            }
        }
    }
    for trap in input.traps.iter().take(64) {
        ran.store(usize::MAX, Ordering::SeqCst);
        let (instr, size) = if trap.thumb16 {
            (trap.instr & 0xFFFF, InstrSize::Two)
        } else {
            (trap.instr, InstrSize::Four)
        };
        let mut frame = TrapFrame::new(0, trap.cpsr, 0x8000);
        let outcome = router.route_instruction(&mut frame, instr, size);
        let expected = reference.iter().copied().find(|&i| {
            let h = &input.hooks[i];
            instr & h.instr_mask == h.instr_val && trap.cpsr & h.cpsr_mask == h.cpsr_val
        });
        let observed = ran.load(Ordering::SeqCst);
        match expected {
            None => {
                assert_eq!(observed, usize::MAX, "no hook may run");
                assert!(!outcome.is_handled());
            }
            Some(i) => {
                assert_eq!(observed, i, "the earliest-registered match runs");
                assert_eq!(outcome.is_handled(), input.hooks[i].handles);
                assert_eq!(outcome.hook().map(|h| h.name), Some(NAMES[i]));
                if let RouteOutcome::Handled { size: s, .. } = outcome {
                    assert_eq!(s, size);
                }
            }
        }
    }
    drop(guards);
    assert!(router.hooks().is_empty());
});
