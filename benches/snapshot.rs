//! Cost of snapshotting one vCPU's debug state (`dbgregs::snapshot`), what a
//! VMM pays per vCPU when it migrates or checkpoints a guest.
//!
//! * `save_restore`: the whole trip — `DebugSnapshot::save` (copy and
//!   checksum), the bytes, `DebugSnapshot::from_bytes` (envelope and checksum
//!   check) and `restore` (model identity and every value checked). Target:
//!   ≤ 50 ns.
//! * `save_into_restore_into`: the same in place — `save_into` a reused
//!   snapshot buffer, `restore_into` the vCPU's own state (no copies of
//!   returned values) — what a VMM with a migration buffer does.
//! * `save_restore_model`: the in-place path with the model's facts
//!   computed once (`SnapshotModel`), as a VMM restoring many vCPUs of one
//!   model does. All three paths are held to the ≤ 50 ns target.
//! * `save`, `from_bytes`, `restore`, `restore_into` alone, for reference.
//! * `checksum` of one snapshot's bytes, for reference.
//! * `kvm_round_trip`: `to_kvm` and `apply_kvm` (no target).
//!
//! The state is a Cortex-A15 vCPU with seeded UNKNOWN values (every slot
//! nonzero, so nothing is short-circuited). Every loop keeps its result where
//! it was built and passes `black_box(&out)`: returning it to criterion would
//! add a copy of it per iteration (see `benches/undef.rs`).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use dbgregs::model::CoreModel;
use dbgregs::snapshot::{apply_kvm, checksum, to_kvm, DebugSnapshot, SnapshotModel};
use dbgregs::state::{DebugState, UnknownFill};

fn bench_snapshot(c: &mut Criterion) {
    let Ok(model) = CoreModel::preset("cortex-a15") else {
        return;
    };
    let state = DebugState::cold_reset(model, UnknownFill::Seeded(0x5eed));
    let saved = DebugSnapshot::save(model, &state);
    let bytes = saved.to_bytes().to_vec();
    let mut group = c.benchmark_group("snapshot");
    group.bench_function("save_restore", |b| {
        b.iter(|| {
            let snap = DebugSnapshot::save(black_box(model), black_box(&state));
            let bytes = black_box(snap.to_bytes());
            let out = DebugSnapshot::from_bytes(bytes).and_then(|s| s.restore(black_box(model)));
            black_box(&out);
        })
    });
    let mut buf = saved;
    let mut vcpu = DebugState::cold_reset(model, UnknownFill::Zero);
    group.bench_function("save_into_restore_into", |b| {
        b.iter(|| {
            buf.save_into(black_box(model), black_box(&state));
            let out = DebugSnapshot::from_bytes(black_box(buf.to_bytes()))
                .and_then(|s| s.restore_into(black_box(model), &mut vcpu));
            black_box(&out);
        })
    });
    let facts = SnapshotModel::new(model);
    group.bench_function("save_restore_model", |b| {
        b.iter(|| {
            facts.save_into(&mut buf, black_box(&state));
            let out = DebugSnapshot::from_bytes(black_box(buf.to_bytes()))
                .and_then(|s| facts.restore_into(s, &mut vcpu));
            black_box(&out);
        })
    });
    group.bench_function("save", |b| {
        b.iter(|| {
            let out = DebugSnapshot::save(black_box(model), black_box(&state));
            black_box(&out);
        })
    });
    group.bench_function("from_bytes", |b| {
        b.iter(|| {
            let out = DebugSnapshot::from_bytes(black_box(&bytes)).map(|s| s.stored_checksum());
            black_box(&out);
        })
    });
    group.bench_function("restore", |b| {
        b.iter(|| {
            let out = black_box(&saved).restore(black_box(model));
            black_box(&out);
        })
    });
    group.bench_function("restore_into", |b| {
        let mut out = DebugState::cold_reset(model, UnknownFill::Zero);
        b.iter(|| {
            let res = black_box(&saved).restore_into(black_box(model), &mut out);
            black_box(&res);
        })
    });
    group.bench_function("checksum", |b| b.iter(|| checksum(black_box(&bytes))));
    group.bench_function("kvm_round_trip", |b| {
        let mut target = DebugState::cold_reset(model, UnknownFill::Zero);
        b.iter(|| {
            let k = to_kvm(black_box(model), black_box(&state));
            let out = apply_kvm(model, &mut target, black_box(&k));
            black_box(&out);
        })
    });
    group.finish();
}

criterion_group!(benches, bench_snapshot);
criterion_main!(benches);
