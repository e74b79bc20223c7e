//! Small public contracts that nothing else pins down: key equality and its redacted
//! `Debug`, names of purposes, policy accessors, which errors are the user's, and
//! serde's message for a secret of the wrong type. Each was a mutant that survived
//! `cargo mutants` (docs/mutants.md).
#![allow(clippy::unwrap_used, missing_docs)]

use mfa_core::account::{Purpose, ThrottlePolicy};
use mfa_core::{Error, ServerKey};

#[test]
fn server_keys_are_equal_only_with_the_same_id_and_bytes() {
    let key = ServerKey::new(1, &[7; 32]).unwrap();
    assert_eq!(key, ServerKey::new(1, &[7; 32]).unwrap());
    assert_ne!(key, ServerKey::new(2, &[7; 32]).unwrap(), "another id");
    assert_ne!(key, ServerKey::new(1, &[8; 32]).unwrap(), "other bytes");
    assert_ne!(key, ServerKey::new(2, &[8; 32]).unwrap(), "both differ");
}

#[test]
fn a_server_key_debugs_its_id_but_never_its_bytes() {
    let shown = format!("{:?}", ServerKey::new(42, &[0xab; 32]).unwrap());
    assert!(
        shown.contains("42") && shown.contains("[redacted]"),
        "{shown}"
    );
    assert!(
        !shown.contains("171") && !shown.to_lowercase().contains("ab, ab"),
        "{shown}"
    );
}

#[test]
fn purposes_display_as_their_token_prefixes() {
    for purpose in Purpose::ALL {
        assert_eq!(purpose.to_string(), purpose.name());
    }
    assert_eq!(Purpose::Login.to_string(), "login");
}

#[test]
fn the_default_throttle_gives_three_free_failures() {
    assert_eq!(ThrottlePolicy::DEFAULT.free_failures(), 3);
    let custom = ThrottlePolicy::new(5, 30, 900, 10, 3600).unwrap();
    assert_eq!(custom.free_failures(), 5);
}

#[test]
fn caller_and_data_errors_are_not_the_users() {
    assert!(Error::InvalidCode.is_user_error());
    assert!(!Error::RngFailure.is_user_error());
    assert!(!Error::UnsupportedSchema { version: 9 }.is_user_error());
}

#[test]
fn a_lookup_digest_is_an_hkdf_subkey_hmac_separated_by_context_key_and_data() {
    use hmac::{Hmac, KeyInit, Mac};
    let key = ServerKey::new(1, &[0x42; 32]).unwrap();
    let digest = key.lookup_digest(b"sends per destination", b"+14155550134");
    // Recomputed from the documented construction, so a change of label or
    // layout (which would reset every caller's counters) cannot pass unnoticed.
    let hkdf = hkdf::Hkdf::<sha2::Sha256>::new(Some(b"mfa-core server key"), &[0x42; 32]);
    let mut subkey = [0u8; 32];
    hkdf.expand(
        b"mfa-core/lookup/hmac-sha256/v1/sends per destination",
        &mut subkey,
    )
    .unwrap();
    let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(&subkey).unwrap();
    mac.update(b"+14155550134");
    assert_eq!(digest, <[u8; 32]>::from(mac.finalize().into_bytes()));

    assert_eq!(
        digest,
        key.lookup_digest(b"sends per destination", b"+14155550134")
    );
    assert_ne!(
        digest,
        key.lookup_digest(b"sends per destinatio", b"n+14155550134")
    );
    assert_ne!(
        digest,
        key.lookup_digest(b"sends per destination", b"+14155550135")
    );
    let other = ServerKey::new(1, &[0x43; 32]).unwrap();
    assert_ne!(
        digest,
        other.lookup_digest(b"sends per destination", b"+14155550134")
    );
}
