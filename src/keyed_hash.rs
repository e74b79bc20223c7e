//! The one way stored codes are hashed: HMAC-SHA-256 under the [`ServerKey`]'s
//! hashing subkey (or, for records made before subkeys, the key itself), over a
//! domain label, a per-record random salt and the normalised code, truncated to 128
//! bits. Backup codes and out-of-band codes both use it, with different domains, so
//! a hash from one can never verify as the other.

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

/// How stored codes are hashed. Stored beside the hashes (a backup-code set's
/// `scheme`, an email/SMS code's), so a new scheme never misreads old records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum HashScheme {
    /// `HMAC-SHA-256(server key, domain ‖ salt ‖ code)`, first 16 bytes, under the
    /// server key's own bytes: records made before subkeys. Still verified; never
    /// written for anything new. Serialised as `"hmac-sha256-128"`.
    #[cfg_attr(feature = "serde", serde(rename = "hmac-sha256-128"))]
    HmacSha256Trunc128,
    /// The same under the server key's hashing subkey (HKDF-SHA-256 of the key with
    /// its own label), so no bytes of the key serve two jobs: what is written now.
    /// Serialised as `"hkdf-hmac-sha256-128"`.
    #[cfg_attr(feature = "serde", serde(rename = "hkdf-hmac-sha256-128"))]
    HkdfHmacSha256Trunc128,
}

impl HashScheme {
    /// The scheme new hashes are made with.
    pub const CURRENT: HashScheme = HashScheme::HkdfHmacSha256Trunc128;
}

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

/// `HMAC-SHA-256(key, domain ‖ salt ‖ code)[..16]`, keyed as `scheme` says. Does not
/// allocate.
pub(crate) fn keyed_hash(
    key: &ServerKey,
    scheme: HashScheme,
    domain: Domain,
    salt: &[u8; SALT_LEN],
    code: &[u8],
) -> CodeHash {
    let hasher = match scheme {
        HashScheme::HmacSha256Trunc128 => key.legacy_hasher(),
        HashScheme::HkdfHmacSha256Trunc128 => key.code_hasher(),
    };
    let mut full = hasher.mac(&[domain.label(), salt, code]);
    let mut out = [0u8; HASH_LEN];
    for (o, f) in out.iter_mut().zip(full.iter()) {
        *o = *f;
    }
    full.zeroize();
    out
}

/// Constant-time equality of two stored hashes, as two 64-bit words each: the
/// differences are folded into one word and compared with zero once, instead of
/// sixteen byte comparisons, for a set scanned slot by slot.
pub(crate) fn hashes_equal(a: &CodeHash, b: &CodeHash) -> Choice {
    let halves = |h: &CodeHash| {
        let (lo, hi) = h.split_at(HASH_LEN / 2);
        let word = |half: &[u8]| u64::from_le_bytes(half.try_into().unwrap_or_default());
        (word(lo), word(hi))
    };
    let ((a_lo, a_hi), (b_lo, b_hi)) = (halves(a), halves(b));
    ((a_lo ^ b_lo) | (a_hi ^ b_hi)).ct_eq(&0)
}
