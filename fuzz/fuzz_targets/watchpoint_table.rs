//! Differential: a compiled `WatchpointTable` agrees with the raw matcher
//! (`watchpoint_matches`, `check_watchpoint`) for arbitrary register
//! contents, configurations (every preset, or arbitrary fields), gates and
//! data accesses. Accesses are placed near a WVR most of the time so that
//! hits, doubleword crossings and MASK ranges are reached.
#![no_main]

use arbitrary::Arbitrary;
use dbgregs::matching::{
    check_watchpoint, watchpoint_matches, AccessKind, Breakpoints, DataAccess, DebugGate,
    MatchConfig, Mode, WatchpointTable, Watchpoints,
};
use dbgregs::model::CoreModel;
use dbgregs::version::DebugVersion;
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
struct Input {
    preset: u8,
    counts: [u8; 4],
    flags: [bool; 5],
    gate: [bool; 6],
    wvr: [u32; 17],
    wcr: [u32; 17],
    bvr: [u32; 17],
    bcr: [u32; 17],
    bxvr: [u8; 17],
    near: u8,
    delta: i8,
    size: u32,
    kind: u8,
    mode: u8,
    access_bits: [bool; 3],
    contextidr: u32,
    vmid: u8,
}

const MODES: [Mode; 9] = [
    Mode::User,
    Mode::Fiq,
    Mode::Irq,
    Mode::Supervisor,
    Mode::Monitor,
    Mode::Abort,
    Mode::Hyp,
    Mode::Undefined,
    Mode::System,
];

fuzz_target!(|input: Input| {
    let presets = CoreModel::presets();
    let cfg = match presets.get(usize::from(input.preset)) {
        Some(model) => MatchConfig::from_model(model),
        None => {
            let versions = DebugVersion::ALL;
            MatchConfig {
                version: versions[usize::from(input.preset) % versions.len()],
                brps: input.counts[0],
                wrps: input.counts[1],
                ctx_cmps: input.counts[2],
                wp_bas_bytes: input.counts[3],
                bp_addr_mask: input.flags[0],
                wp_addr_mask: input.flags[1],
                security: input.flags[2],
                virtualization: input.flags[3],
                async_watchpoints: input.flags[4],
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
    let wps = Watchpoints {
        wvr: &input.wvr,
        wcr: &input.wcr,
    };
    let bps = Breakpoints {
        bvr: &input.bvr,
        bcr: &input.bcr,
        bxvr: &input.bxvr,
    };
    let base = match input.wvr.get(usize::from(input.near)) {
        Some(&wvr) => wvr,
        None => input.contextidr,
    };
    let access = DataAccess {
        address: base.wrapping_add(i32::from(input.delta) as u32),
        size: if input.access_bits[0] { input.size % 17 } else { input.size },
        kind: [AccessKind::Load, AccessKind::Store, AccessKind::CacheMaintenance]
            [usize::from(input.kind % 3)],
        mode: MODES[usize::from(input.mode % 9)],
        unprivileged: input.access_bits[1],
        secure: input.access_bits[2],
        contextidr: input.contextidr,
        vmid: input.vmid,
        instruction_address: input.contextidr,
        thumb: input.access_bits[0],
    };
    let table = WatchpointTable::new(&cfg, &wps, &gate);
    assert_eq!(
        table.matches(&bps, &access),
        watchpoint_matches(&cfg, &wps, &bps, &gate, &access)
    );
    assert_eq!(
        table.check(&bps, &access),
        check_watchpoint(&cfg, &wps, &bps, &gate, &access)
    );
});
