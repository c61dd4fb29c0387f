//! Snapshot restore refuses nonzero reserved fields with a typed error
//! that names the field, and leaves the target state untouched — also
//! when the checksum was recomputed over the forged bytes, so the check
//! is the reserved-field one and not the checksum. These were the
//! input-facing error paths of `DebugSnapshot::restore` no test reached
//! (COVERAGE.md).
#![allow(clippy::unwrap_used)]

use dbgregs::error::DbgRegsError;
use dbgregs::model::CoreModel;
use dbgregs::snapshot::{checksum, DebugSnapshot, SNAPSHOT_SIZE};
use dbgregs::state::{DebugState, UnknownFill};

/// Header offsets: reserved0 (u16) at 10, reserved1 (u32) at 28, the
/// checksum at 32..40; the payload's 2 reserved bytes end the snapshot.
const RESERVED: [(usize, &str); 3] = [
    (10, "header.reserved0"),
    (28, "header.reserved1"),
    (SNAPSHOT_SIZE - 2, "payload.reserved"),
];

#[test]
fn nonzero_reserved_fields_are_refused_by_name() {
    for model in CoreModel::presets() {
        let live = DebugState::cold_reset(model, UnknownFill::Seeded(7));
        let good = *DebugSnapshot::save(model, &live).bytes_array();
        for (at, field) in RESERVED {
            let mut bytes = good;
            bytes[at] = 0x5A;
            let sum = checksum(&bytes);
            bytes[32..40].copy_from_slice(&sum.to_le_bytes());
            let snap = DebugSnapshot::from_bytes(&bytes).unwrap();
            let mut target = DebugState::cold_reset(model, UnknownFill::Zero);
            let before = target;
            match snap.restore_into(model, &mut target) {
                Err(DbgRegsError::SnapshotImpossibleValue {
                    field: f, value, ..
                }) => {
                    assert_eq!(f, field, "{}", model.name());
                    assert_ne!(value, 0);
                }
                other => panic!("{} {field}: {other:?}", model.name()),
            }
            assert_eq!(
                target,
                before,
                "{} {field}: the state changed",
                model.name()
            );
            assert!(snap.restore(model).is_err());
        }
    }
}
