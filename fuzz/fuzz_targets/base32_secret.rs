//! Base32 secret decoding never panics, and a decoded secret encodes to text that
//! decodes to the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mfa_core::Secret;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for decoded in [Secret::from_base32(text), Secret::from_legacy_base32(text)] {
        if let Ok(secret) = decoded {
            let again = Secret::from_legacy_base32(secret.to_base32().expose_secret())
                .expect("encoded text decodes");
            assert_eq!(again, secret, "encode then decode changed the secret");
        }
    }
});
