//! Secrets: lengths, base32 in and out (against the independent `base32` crate),
//! redaction, and zeroize-on-drop as a type-level promise.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use mfa_core::error::SecretError;
use mfa_core::{Secret, SensitiveText, otp::Algorithm};
use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

fn zeroizes_on_drop<T: zeroize::ZeroizeOnDrop>() {}

#[test]
fn secret_types_promise_zeroize_on_drop() {
    zeroizes_on_drop::<Secret>();
    zeroizes_on_drop::<SensitiveText>();
    zeroizes_on_drop::<mfa_core::otp::OtpCode>();
}

#[test]
fn generated_lengths() {
    let mut rng = StdRng::seed_from_u64(1);
    assert_eq!(Secret::generate(&mut rng).len(), 20);
    assert!(
        !Secret::generate(&mut rng).is_empty(),
        "no secret is ever empty"
    );
    assert_eq!(Algorithm::Sha1.generate_secret(&mut rng).len(), 20);
    assert_eq!(Algorithm::Sha256.generate_secret(&mut rng).len(), 32);
    assert_eq!(Algorithm::Sha512.generate_secret(&mut rng).len(), 64);
    assert_eq!(
        Secret::generate_with_len(&mut rng, 15).unwrap_err(),
        SecretError::TooShort { len: 15, min: 16 }
    );
    assert!(Secret::generate_with_len(&mut rng, 129).is_err());
    assert_ne!(Secret::generate(&mut rng), Secret::generate(&mut rng));
}

/// A base32 secret one byte over the maximum is refused with the length it would
/// have decoded to, as `from_bytes` would refuse those bytes; the maximum itself is
/// accepted.
#[test]
fn long_base32_secrets_are_refused_with_their_length() {
    let encode =
        |n: usize| base32::encode(base32::Alphabet::Rfc4648 { padding: false }, &vec![7u8; n]);
    assert_eq!(Secret::from_base32(&encode(128)).unwrap().len(), 128);
    let too_long = SecretError::TooLong { len: 129, max: 128 };
    assert_eq!(Secret::from_base32(&encode(129)).unwrap_err(), too_long);
    assert_eq!(Secret::from_bytes(&[7u8; 129]).unwrap_err(), too_long);
}

#[test]
fn short_secrets_need_the_legacy_door() {
    let ten = [5u8; 10];
    assert_eq!(
        Secret::from_bytes(&ten).unwrap_err(),
        SecretError::TooShort { len: 10, min: 16 }
    );
    assert_eq!(Secret::from_legacy_bytes(&ten).unwrap().len(), 10);
    assert!(Secret::from_legacy_bytes(&[5u8; 9]).is_err());
    // GitHub-style 80-bit base32 secret.
    assert!(Secret::from_base32("JBSWY3DPEHPK3PXP").is_err());
    assert_eq!(
        Secret::from_legacy_base32("JBSWY3DPEHPK3PXP")
            .unwrap()
            .len(),
        10
    );
}

#[test]
fn debug_is_redacted_everywhere() {
    let s = Secret::from_bytes(b"12345678901234567890").unwrap();
    assert_eq!(format!("{s:?}"), "Secret([redacted])");
    assert_eq!(format!("{:?}", s.to_base32()), "SensitiveText([redacted])");
    assert_eq!(
        s.to_base32().expose_secret(),
        "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    );
}

#[test]
fn bad_characters_are_named_by_position() {
    assert_eq!(
        Secret::from_base32("GEZDGNBVGY3TQOJ0GEZDGNBVGY3TQOJQ").unwrap_err(),
        SecretError::InvalidBase32Char { position: 15 }
    );
    assert_eq!(
        Secret::from_base32("GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJ!").unwrap_err(),
        SecretError::InvalidBase32Char { position: 38 }
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Out: the RFC 4648 encoding without padding, as the `base32` crate makes it.
    /// In: the same bytes back, however the text is dressed up.
    #[test]
    fn base32_round_trips_with_lenient_variants(
        bytes in proptest::collection::vec(any::<u8>(), 16..=128),
        lower in any::<bool>(),
        pad in any::<bool>(),
        separator in prop_oneof![Just(""), Just(" "), Just("-")],
        group in 1usize..=8,
    ) {
        let secret = Secret::from_bytes(&bytes).unwrap();
        let text = secret.to_base32();
        let reference = base32::encode(base32::Alphabet::Rfc4648 { padding: false }, &bytes);
        prop_assert_eq!(text.expose_secret(), reference.as_str());

        let mut dressed: String = text
            .expose_secret()
            .as_bytes()
            .chunks(group)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect::<Vec<_>>()
            .join(separator);
        if lower {
            dressed = dressed.to_lowercase();
        }
        if pad {
            let padded = base32::encode(base32::Alphabet::Rfc4648 { padding: true }, &bytes);
            dressed.push_str(&"=".repeat(padded.len() - reference.len()));
        }
        let back = Secret::from_base32(&dressed).unwrap();
        prop_assert_eq!(back.expose_secret(), &bytes[..]);
        prop_assert!(back == secret);
    }

    /// Arbitrary text never panics and never yields a secret outside the length limits.
    #[test]
    fn arbitrary_text_never_panics(text in ".{0,300}") {
        if let Ok(s) = Secret::from_base32(&text) {
            prop_assert!((16..=128).contains(&s.len()));
        }
        if let Ok(s) = Secret::from_legacy_base32(&text) {
            prop_assert!((10..=128).contains(&s.len()));
        }
    }
}

#[test]
fn sensitive_text_is_equal_only_with_the_same_text() {
    let a = Secret::from_bytes(&[1; 20]).unwrap();
    let mut last = [1; 20];
    last[19] = 2;
    let b = Secret::from_bytes(&last).unwrap();
    let longer = Secret::from_bytes(&[1; 25]).unwrap();
    assert_eq!(a.to_base32(), a.clone().to_base32());
    assert_ne!(a.to_base32(), b.to_base32(), "the last byte differs");
    assert_ne!(a.to_base32(), longer.to_base32(), "another length");
}
