//! `otpauth://` parsing never panics, and what parses builds a URI that parses back
//! to the same key.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mfa_core::uri::KeyUri;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for parsed in [KeyUri::parse(text), KeyUri::parse_legacy(text)] {
        if let Ok(key) = parsed {
            let again =
                KeyUri::parse_legacy(key.to_uri().expose_secret()).expect("a built URI parses");
            assert_eq!(again, key, "build then parse changed the key");
        }
    }
});
