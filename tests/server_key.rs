//! The server key: equal only to itself, redacted in `Debug`, and the keyed lookup
//! digests it derives for values a server must find without storing them in the
//! clear.
#![allow(clippy::unwrap_used, missing_docs)]

use mfa_core::ServerKey;

/// Equal keys have the same id and the same bytes: a key that differs in either is
/// another key, whose hashes and seals do not match.
#[test]
fn server_keys_are_equal_only_with_the_same_id_and_bytes() {
    let key = ServerKey::new(1, &[7; 32]).unwrap();
    assert_eq!(key, ServerKey::new(1, &[7; 32]).unwrap());
    assert_ne!(key, ServerKey::new(2, &[7; 32]).unwrap(), "another id");
    assert_ne!(key, ServerKey::new(1, &[8; 32]).unwrap(), "other bytes");
    assert_ne!(key, ServerKey::new(2, &[8; 32]).unwrap(), "both differ");
}

/// A key's `Debug` names its id, so logs can say which key was used, and never
/// shows its bytes, in decimal or in hex.
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

/// A lookup digest is HMAC-SHA-256 under an HKDF subkey of the server key, labelled
/// with its context: the same inputs give the same digest, and another context,
/// other data (however the two are split) or another key give another.
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
