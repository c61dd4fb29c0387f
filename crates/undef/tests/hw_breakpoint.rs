//! The ARM hw_breakpoint driver's debug-register hook (instr_mask 0x0FE80F10, instr_val
//! 0x0E000E10, CPSR mask/value 0) against words written from the mask arithmetic:
//! every field of the MRC/MCR encoding the mask constrains (`docs/undef.md`, "The
//! hw_breakpoint debug-register hook") at and just past its boundaries.
#![allow(clippy::unwrap_used)]

mod common;

use common::GuestMem;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use undef::{
    HookResult, InstrSize, RouteOutcome, TrapFrame, UndefHook, UndefRouter,
    DEBUG_REG_HOOK_INSTR_MASK, DEBUG_REG_HOOK_INSTR_VAL, PSR_T_BIT, SVC_MODE, USR_MODE,
};

/// (word, matches, why). Written by hand from the field table, not computed.
const WORDS: &[(u32, bool, &str)] = &[
    // The spec's examples.
    (0xEE10_0E10, true, "MRC p14,0,r0,c0,c0,0 DBGDIDR"),
    (0xEE10_0E11, true, "read DSCRint"),
    (0xEE00_0E52, true, "write DSCRext"),
    (0xEE00_0E17, true, "write VCR"),
    (0xEE00_1EB3, true, "write BCR3 from r1"),
    (0xEE01_0E90, true, "write OSLAR"),
    (0xEE11_0E95, true, "read PRSR"),
    (0xFE10_0E10, true, "MRC2 (cond 0xF)"),
    (0x1E10_0E10, true, "cond 0x1"),
    (0xEE10_0F10, false, "p15 MIDR"),
    (0xEED0_0E10, false, "opc1 6 ThumbEE"),
    (0xEE30_0E10, false, "opc1 1"),
    (0xEE18_0E10, false, "CRn c8"),
    (0xEE00_0E07, false, "CDP"),
    // 31:28 condition: unconstrained.
    (0x0E10_0E10, true, "cond 0x0"),
    (0x7E10_0E10, true, "cond 0x7"),
    (0x8E10_0E10, true, "cond 0x8"),
    // 27:24 must be 0xE.
    (0xEF10_0E10, false, "bits 27:24 = 0xF (SVC)"),
    (0xED10_0E10, false, "bits 27:24 = 0xD (LDC/STC)"),
    (0xEC10_0E10, false, "bits 27:24 = 0xC (MCRR/MRRC class)"),
    (0xE610_0E10, false, "bit 27 clear"),
    (0xEA10_0E10, false, "bit 26 clear"),
    // 23:21 opc1 must be 0 (20 is L, free).
    (0xEE20_0E10, false, "opc1 1 (bit 21), MCR"),
    (0xEE50_0E10, false, "opc1 2 (bit 22)"),
    (0xEE90_0E10, false, "opc1 4 (bit 23)"),
    (0xEEF0_0E10, false, "opc1 7 Jazelle"),
    (0xEE00_0E10, true, "L 0 (MCR)"),
    // 19 must be 0: CRn c0..c7 only; 18:16 free.
    (0xEE17_0E10, true, "CRn c7"),
    (0xEE07_0E10, true, "CRn c7, MCR"),
    (0xEE1F_0E10, false, "CRn c15"),
    (0xEE08_0E10, false, "CRn c8, MCR"),
    // 15:12 Rt free.
    (0xEE10_FE10, true, "Rt 15 (APSR_nzcv form)"),
    (0xEE17_FE10, true, "CRn c7, Rt 15"),
    // 11:8 must be 14.
    (0xEE10_0610, false, "p6 (bit 11 clear)"),
    (0xEE10_0A10, false, "p10 (VFP)"),
    (0xEE10_0B10, false, "p11 (VFP)"),
    (0xEE10_0C10, false, "p12 (bits 9:8 clear)"),
    (0xEE10_0D10, false, "p13 (0b1101: bit 9 clear)"),
    // 7:5 opc2 free.
    (0xEE10_0EF0, true, "opc2 7"),
    (0xEE10_0E30, true, "opc2 1"),
    // 4 must be 1.
    (0xEE10_0E00, false, "bit 4 clear (CDP)"),
    (0xEE10_0EEF, false, "bit 4 clear, everything else set"),
    // 3:0 CRm free.
    (0xEE10_0E1F, true, "CRm c15"),
    // Extremes.
    (0x0E00_0E10, true, "instr_val itself"),
    (0xFE17_FEFF, true, "instr_val with every don't-care bit set"),
    (0x0FE8_0F10, false, "instr_mask itself"),
    (0x0000_0000, false, "all zero"),
    (0xFFFF_FFFF, false, "all ones"),
];

fn counting_router() -> (UndefRouter, Arc<AtomicU64>, undef::HookGuard) {
    let router = UndefRouter::new();
    let err_mask = Arc::new(AtomicU64::new(0));
    let m = Arc::clone(&err_mask);
    let guard = router.register(UndefHook::debug_reg_hook("debug_reg_hook", move |f, _| {
        m.fetch_or(1 << f.cpu, Ordering::SeqCst);
        f.skip_instruction(InstrSize::Four);
        HookResult::Handled
    }));
    (router, err_mask, guard)
}

#[test]
fn constants_are_the_drivers() {
    assert_eq!(DEBUG_REG_HOOK_INSTR_MASK, 0x0FE8_0F10);
    assert_eq!(DEBUG_REG_HOOK_INSTR_VAL, 0x0E00_0E10);
    let info = counting_router().0.hooks();
    assert_eq!((info[0].cpsr_mask, info[0].cpsr_val), (0, 0));
}

#[test]
fn word_list_in_arm_state_all_modes() {
    let (router, err_mask, _g) = counting_router();
    for (cpu, cpsr) in [(0u32, SVC_MODE), (1, USR_MODE), (2, 0x1b), (3, 0x1f)] {
        for &(word, expect, why) in WORDS {
            let mut f = TrapFrame::new(cpu, cpsr, 0x4000);
            let out = router.route_instruction(&mut f, word, InstrSize::Four);
            assert_eq!(
                out.is_handled(),
                expect,
                "{word:#010x} ({why}) cpsr {cpsr:#x}"
            );
            assert_eq!(f.pc(), if expect { 0x4004 } else { 0x4000 }, "{why}");
        }
    }
    assert_eq!(err_mask.load(Ordering::SeqCst), 0b1111);
}

#[test]
fn word_list_in_thumb2_kernel_fetched_from_memory() {
    // A Thumb-2 kernel's MRC/MCR p14 is the same 32-bit value, fetched as two halfwords.
    // Words whose first halfword is < 0xE800 are 16-bit Thumb instructions: the hook
    // then sees only the zero-extended first halfword, which never matches (bits 27:24
    // of it are 0).
    let (router, _mask, _g) = counting_router();
    for &(word, expect, why) in WORDS {
        let hw = [(word >> 16) as u16, word as u16];
        let mem = GuestMem::halfwords(0xC000_0000, &hw);
        let mut f = TrapFrame::new(0, SVC_MODE | PSR_T_BIT, 0xC000_0000);
        let out = router.route(&mut f, &mem).unwrap();
        let wide = hw[0] >= 0xE800;
        let expect_thumb = expect && wide;
        assert_eq!(out.is_handled(), expect_thumb, "{word:#010x} ({why})");
        let (instr, size) = match out {
            RouteOutcome::Handled { instr, size, .. }
            | RouteOutcome::Unhandled { instr, size, .. } => (instr, size),
        };
        if wide {
            assert_eq!((instr, size), (word, InstrSize::Four));
        } else {
            assert_eq!((instr, size), (word >> 16, InstrSize::Two));
        }
    }
}

#[test]
fn single_bit_flips_of_instr_val() {
    // Bits constrained by the mask, read off the field table: 27..24, 23..21, 19, 11..8, 4.
    const CONSTRAINED: [u32; 13] = [27, 26, 25, 24, 23, 22, 21, 19, 11, 10, 9, 8, 4];
    let (router, _mask, _g) = counting_router();
    for bit in 0..32 {
        let word = DEBUG_REG_HOOK_INSTR_VAL ^ (1 << bit);
        let mut f = TrapFrame::new(0, SVC_MODE, 0);
        let handled = router
            .route_instruction(&mut f, word, InstrSize::Four)
            .is_handled();
        assert_eq!(handled, !CONSTRAINED.contains(&bit), "bit {bit}");
    }
}
