//! Differential: a compiled `BreakpointTable` agrees with the raw matcher
//! (`breakpoint_matches`, `check_breakpoint`) for arbitrary register
//! contents, configurations (every preset, or arbitrary fields), gates and
//! instruction fetches, and every address it reports a hit at lies inside
//! its summary. Fetches are placed near a BVR (or the start of its MASK
//! range) most of the time, and the context is often the one a BRP holds,
//! so that hits, links and mismatch BRPs are reached.
#![no_main]

use arbitrary::Arbitrary;
use dbgregs::matching::{
    breakpoint_matches, check_breakpoint, BreakpointTable, Breakpoints, DebugGate,
    InstructionFetch, MatchConfig, Mode,
};
use dbgregs::model::CoreModel;
use dbgregs::version::DebugVersion;
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
struct Input {
    preset: u8,
    counts: [u8; 2],
    flags: [bool; 3],
    gate: [bool; 6],
    bvr: [u32; 17],
    bcr: [u32; 17],
    bxvr: [u8; 17],
    bxvr_len: u8,
    near: u8,
    range_start: bool,
    delta: i8,
    thumb: bool,
    mode: u8,
    secure: bool,
    context_from: u8,
    contextidr: u32,
    vmid: u8,
}

fuzz_target!(|input: Input| {
    let presets = CoreModel::presets();
    let cfg = match presets.get(usize::from(input.preset)) {
        Some(model) => MatchConfig::from_model(model),
        None => {
            let versions = DebugVersion::ALL;
            MatchConfig {
                version: versions[usize::from(input.preset) % versions.len()],
                brps: input.counts[0],
                wrps: 4,
                ctx_cmps: input.counts[1],
                wp_bas_bytes: 8,
                bp_addr_mask: input.flags[0],
                wp_addr_mask: true,
                security: input.flags[1],
                virtualization: input.flags[2],
                async_watchpoints: false,
            }
        }
    };
    let gate = DebugGate {
        mdbgen: input.gate[0],
        halting: input.gate[1],
        os_lock: input.gate[2],
        double_lock: input.gate[3],
        spiddis: input.gate[4],
        suiden: input.gate[5],
    };
    let bxvr = &input.bxvr[..usize::from(input.bxvr_len).min(input.bxvr.len())];
    let bps = Breakpoints {
        bvr: &input.bvr,
        bcr: &input.bcr,
        bxvr,
    };
    let near = usize::from(input.near);
    let base = match (input.bvr.get(near), input.bcr.get(near)) {
        (Some(&bvr), Some(&bcr)) if input.range_start => {
            let mask = (bcr >> 24) & 0x1F;
            bvr & !(((1u64 << mask) - 1) as u32)
        }
        (Some(&bvr), _) => bvr,
        _ => input.contextidr,
    };
    let source = usize::from(input.context_from);
    let fetch = InstructionFetch {
        address: base.wrapping_add(i32::from(input.delta) as u32),
        thumb: input.thumb,
        mode: Mode::ALL[usize::from(input.mode) % Mode::ALL.len()],
        secure: input.secure,
        contextidr: input.bvr.get(source).copied().unwrap_or(input.contextidr),
        vmid: bxvr.get(source).copied().unwrap_or(input.vmid),
    };
    let table = BreakpointTable::new(&cfg, &bps, &gate);
    let hits = table.matches(&fetch);
    assert_eq!(hits, breakpoint_matches(&cfg, &bps, &gate, &fetch));
    assert_eq!(table.check(&fetch), check_breakpoint(&cfg, &bps, &gate, &fetch));
    if hits != 0 {
        assert!(table.summary().may_hit(fetch.address));
    }
});
