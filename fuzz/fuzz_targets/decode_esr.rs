//! ESR_EL2 syndrome decoding: never panics, renders, and re-encodes to a
//! syndrome that decodes the same.
#![no_main]

use dbgregs::decode::decode_esr;
use dbgregs::encode::encode_esr;
use dbgregs::regmap::DebugRegister;
use libfuzzer_sys::fuzz_target;
use std::fmt::Write;

fuzz_target!(|esr: u64| {
    let Some(access) = decode_esr(esr) else {
        return;
    };
    let mut text = String::new();
    write!(text, "{access}").expect("formatting into a String cannot fail");
    let _ = DebugRegister::identify(&access);
    let encoded = encode_esr(&access).expect("a decoded access re-encodes");
    let again = decode_esr(encoded).expect("a re-encoded syndrome decodes");
    assert_eq!(again, access, "{esr:#x} -> {encoded:#x}");
});
