//! The one way stored codes are hashed: HMAC-SHA-256 under the [`ServerKey`], over a
//! domain label, a per-record random salt and the normalised code, truncated to 128
//! bits. Backup codes and out-of-band codes both use it, with different domains, so
//! a hash from one can never verify as the other.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::{Choice, ConstantTimeEq};
use zeroize::Zeroize;

use crate::server_key::ServerKey;

/// Bytes of random salt per stored record.
pub(crate) const SALT_LEN: usize = 16;
/// Bytes kept of each HMAC-SHA-256 output (128 bits: a keyed hash of codes that have
/// at most 80 bits of entropy gains nothing from more, and records stay small).
pub(crate) const HASH_LEN: usize = 16;

/// A stored code hash.
pub(crate) type CodeHash = [u8; HASH_LEN];

/// What a hash is of; part of the hashed message, so hashes of one kind never match
/// another kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Domain {
    BackupCode,
    OobCode,
}

impl Domain {
    const fn label(self) -> &'static [u8] {
        match self {
            Domain::BackupCode => b"mfa-core/backup-code/v1\0",
            Domain::OobCode => b"mfa-core/oob-code/v1\0",
        }
    }
}

/// `HMAC-SHA-256(key, domain ‖ salt ‖ code)[..16]`. Does not allocate.
pub(crate) fn keyed_hash(
    key: &ServerKey,
    domain: Domain,
    salt: &[u8; SALT_LEN],
    code: &[u8],
) -> CodeHash {
    // HMAC accepts keys of any length, so this cannot fail; the fallback keeps the
    // no-panic rule without an unwrap.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key.expose_secret()) else {
        return [0; HASH_LEN];
    };
    mac.update(domain.label());
    mac.update(salt);
    mac.update(code);
    let mut full = mac.finalize().into_bytes();
    let mut out = [0u8; HASH_LEN];
    for (o, f) in out.iter_mut().zip(full.iter()) {
        *o = *f;
    }
    full.as_mut_slice().zeroize();
    out
}

/// Constant-time equality of two stored hashes.
pub(crate) fn hashes_equal(a: &CodeHash, b: &CodeHash) -> Choice {
    a.ct_eq(b)
}
