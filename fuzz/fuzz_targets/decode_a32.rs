//! A32 decoding: never panics, renders, and re-encodes to the same word.
#![no_main]

use dbgregs::decode::decode_a32;
use dbgregs::encode::encode_a32;
use dbgregs::regmap::DebugRegister;
use libfuzzer_sys::fuzz_target;
use std::fmt::Write;

fuzz_target!(|word: u32| {
    let Some(access) = decode_a32(word) else {
        return;
    };
    let mut text = String::new();
    write!(text, "{access}").expect("formatting into a String cannot fail");
    assert!(text.contains("p14"), "{word:#010x} rendered as {text:?}");
    let _ = DebugRegister::identify(&access);
    let encoded = encode_a32(&access).expect("a decoded access re-encodes");
    let again = decode_a32(encoded).expect("a re-encoded access decodes");
    assert_eq!(again, access, "{word:#010x} -> {encoded:#010x}");
});
