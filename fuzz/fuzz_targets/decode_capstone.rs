//! The CP14 decoders against capstone: one word, decoded as A32 and as T32
//! by `dbgregs::decode` and by capstone; both must agree on the operation,
//! coprocessor, opc1, CRn, CRm, opc2, Rt/Rt2 (CRd, Rn, addressing mode and
//! offset for LDC/STC) and condition. The comparison, and the list of
//! UNPREDICTABLE encodings where a disagreement would be expected (none is
//! known), live in `tests/support/capstone_diff.rs`, shared with the
//! deterministic million-word test `tests/decode_capstone.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/support/capstone_diff.rs"]
#[allow(dead_code)]
mod capstone_diff;

use capstone_diff::{compare, Capstones, Word};

/// Capstone handles are not `Sync`; libFuzzer runs the target on one
/// thread, so one pair per thread.
fn with_capstone<R>(f: impl FnOnce(&Capstones) -> R) -> R {
    thread_local! {
        static CS: Capstones = Capstones::new();
    }
    CS.with(f)
}

fuzz_target!(|data: [u8; 4]| {
    let value = u32::from_le_bytes(data);
    with_capstone(|cs| {
        for thumb in [false, true] {
            // Also the word forced into the CP14 coprocessor space, where
            // random words rarely land: coproc = 14 and bits [27:26] = 11.
            let forced = (value & !0x0C00_0F00) | 0x0C00_0E00;
            let forced = if thumb { forced | 0xE000_0000 } else { forced };
            for v in [value, forced] {
                let word = Word { value: v, thumb };
                if let Err(e) = compare(cs, word) {
                    panic!("{e}");
                }
            }
        }
    });
});
