//! The first factor, as a stub: salted SHA-256, compared in constant time. A real
//! server uses a password hash (Argon2id, scrypt); this crate is about the second
//! factor.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// `SHA-256(salt ‖ password)`.
pub(crate) fn hash(salt: &[u8], password: &str) -> Vec<u8> {
    let mut hasher = Sha256::new();
    hasher.update(salt);
    hasher.update(password.as_bytes());
    hasher.finalize().to_vec()
}

/// Whether `password` matches the stored hash.
pub(crate) fn matches(salt: &[u8], stored: &[u8], password: &str) -> bool {
    hash(salt, password).ct_eq(stored).into()
}
