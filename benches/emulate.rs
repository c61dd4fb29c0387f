//! One emulated CP14 access (decode + semantics + Rt/PC update), target
//! ≤ 10 ns median; and the same register write done directly on the state.
//! Each loop keeps the outcome in place and passes `black_box(&out)` (returning
//! it to criterion would add a copy per iteration, see `benches/undef.rs`).
//! At start, 10 000 steps of each case run under a counting allocator: the
//! bench prints the count and panics if it is not 0.

use std::hint::black_box;

#[path = "support/alloc_count.rs"]
mod alloc_count;

use criterion::{criterion_group, criterion_main, Criterion};
use dbgregs::emulate::{step, SimpleGuest, Trap};
use dbgregs::model::CoreModel;
use dbgregs::regmap::DebugRegister;
use dbgregs::semantics::{self, AccessContext};
use dbgregs::state::{DebugState, UnknownFill};

fn bench_emulate(c: &mut Criterion) {
    let Ok(model) = CoreModel::preset("cortex-a15") else {
        return;
    };
    let mut state = DebugState::cold_reset(model, UnknownFill::Zero);
    let mut guest = SimpleGuest::svc(0x8000);
    // No allocation on the emulation path: an MRC, an MCR and an UNDEF each.
    guest.regs[1] = 0x1e5;
    for (what, word) in [
        ("emulate/mrc_dbgdscrint", 0xee10_0e11),
        ("emulate/mcr_dbgbcr3", 0xee00_1eb3),
        ("emulate/undef_mcr_dbgbcr6", 0xee00_1eb6),
    ] {
        alloc_count::assert_no_alloc(what, || {
            guest.pc = 0x8000;
            let out = step(model, &mut state, &mut guest, Trap::A32(black_box(word)));
            black_box(&out);
        });
    }
    let mut g = c.benchmark_group("emulate");

    g.bench_function("mrc_dbgdscrint", |b| {
        b.iter(|| {
            guest.pc = 0x8000;
            let out = step(
                model,
                &mut state,
                &mut guest,
                Trap::A32(black_box(0xee10_0e11)),
            );
            black_box(&out);
        })
    });
    g.bench_function("mcr_dbgbcr3", |b| {
        guest.regs[1] = 0x1e5;
        b.iter(|| {
            guest.pc = 0x8000;
            let out = step(
                model,
                &mut state,
                &mut guest,
                Trap::A32(black_box(0xee00_1eb3)),
            );
            black_box(&out);
        })
    });
    g.bench_function("undef_mcr_dbgbcr6", |b| {
        b.iter(|| {
            guest.pc = 0x8000;
            let out = step(
                model,
                &mut state,
                &mut guest,
                Trap::A32(black_box(0xee00_1eb6)),
            );
            black_box(&out);
        })
    });
    g.bench_function("direct_write_dbgbcr3", |b| {
        b.iter(|| {
            let out = semantics::write(
                model,
                &mut state,
                black_box(DebugRegister::Dbgbcr(3)),
                black_box(0x1e5),
                AccessContext::PL1,
            );
            black_box(&out);
        })
    });
    g.finish();
}

criterion_group!(benches, bench_emulate);
criterion_main!(benches);
