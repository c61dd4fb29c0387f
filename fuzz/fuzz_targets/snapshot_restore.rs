//! Snapshot restore: arbitrary bytes never panic through
//! `DebugSnapshot::from_bytes` and `restore` on any preset, and whatever
//! restores re-saves to exactly the same bytes. A second pass re-checksums
//! the input first, so the payload's semantic checks are exercised too.
#![no_main]

use dbgregs::model::CoreModel;
use dbgregs::snapshot::{checksum, DebugSnapshot, SNAPSHOT_SIZE};
use libfuzzer_sys::fuzz_target;

fn check(bytes: &[u8]) {
    let Ok(snap) = DebugSnapshot::from_bytes(bytes) else {
        return;
    };
    for model in CoreModel::presets() {
        if let Ok(state) = snap.restore(model) {
            let again = DebugSnapshot::save(model, &state);
            assert_eq!(again.to_bytes(), bytes, "{}", model.name());
        }
    }
}

fuzz_target!(|data: &[u8]| {
    check(data);
    if data.len() == SNAPSHOT_SIZE {
        let mut forged = [0u8; SNAPSHOT_SIZE];
        forged.copy_from_slice(data);
        let sum = checksum(&forged);
        forged[32..40].copy_from_slice(&sum.to_le_bytes());
        check(&forged);
    }
});
