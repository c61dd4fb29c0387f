//! T32 decoding (first halfword high): never panics, renders, and
//! re-encodes to an access that decodes the same.
#![no_main]

use dbgregs::decode::{decode_t32, decode_t32_halfwords};
use dbgregs::encode::encode_t32;
use dbgregs::regmap::DebugRegister;
use libfuzzer_sys::fuzz_target;
use std::fmt::Write;

fuzz_target!(|word: u32| {
    let decoded = decode_t32(word);
    assert_eq!(
        decoded,
        decode_t32_halfwords((word >> 16) as u16, word as u16),
        "{word:#010x}"
    );
    let Some(access) = decoded else {
        return;
    };
    let mut text = String::new();
    write!(text, "{access}").expect("formatting into a String cannot fail");
    let _ = DebugRegister::identify(&access);
    let encoded = encode_t32(&access).expect("a decoded access re-encodes");
    let again = decode_t32(encoded).expect("a re-encoded access decodes");
    assert_eq!(again, access, "{word:#010x} -> {encoded:#010x}");
});
