//! The server key ("pepper") under which stored code hashes are computed.

use core::fmt;

use subtle::ConstantTimeEq;
use zeroize::{ZeroizeOnDrop, Zeroizing};

use aes_gcm_siv::Aes256GcmSiv;
use hkdf::Hkdf;
use hmac::KeyInit as _;
use sha2::Sha256;

use crate::error::{ConfigError, Error};
use crate::hmac_sha256::KeyedSha256;

/// HKDF's salt for every subkey of a server key.
const HKDF_SALT: &[u8] = b"mfa-core server key";
/// HKDF's info for the sealing subkey.
const SEAL_LABEL: &[u8] = b"mfa-core/seal/aes-256-gcm-siv/v2";
/// HKDF's info for the hashing subkey.
const HASH_LABEL: &[u8] = b"mfa-core/hash/hmac-sha256/v2";
/// HKDF's info prefix for a caller's lookup subkey (the caller's context follows).
const LOOKUP_LABEL: &[u8] = b"mfa-core/lookup/hmac-sha256/v1/";

/// The fewest bytes a [`ServerKey`] accepts (256 bits).
pub const MIN_SERVER_KEY_BYTES: usize = 32;
/// The most bytes a [`ServerKey`] holds (one SHA-256 block).
pub const MAX_SERVER_KEY_BYTES: usize = 64;

/// A secret key held by the server, **outside the database** (configuration, a secret
/// manager, an HSM-wrapped blob), under which backup-code and out-of-band-code hashes
/// are computed (HMAC-SHA-256).
///
/// Keeping it out of the database is the point: a leaked database then holds hashes
/// that cannot be checked against guesses, not even the 10^6 possible 6-digit codes.
///
/// The `id` is stored beside every hash made under the key, so keys can be rotated:
/// a record hashed under another key is refused with
/// [`Error::ServerKeyMismatch`](crate::error::Error::ServerKeyMismatch) rather than silently
/// failing every code. Zeroized on drop, redacted in `Debug`.
///
/// ```
/// use mfa_core::ServerKey;
/// let key = ServerKey::new(1, &[0x42; 32])?;
/// assert_eq!(format!("{key:?}"), "ServerKey { id: 1, key: [redacted] }");
/// # Ok::<(), mfa_core::error::ConfigError>(())
/// ```
#[derive(Clone)]
pub struct ServerKey {
    id: u32,
    bytes: Zeroizing<[u8; MAX_SERVER_KEY_BYTES]>,
    len: usize,
    /// AES-256-GCM-SIV keyed with the subkey secrets are sealed under (HKDF-SHA-256
    /// of the key with its own label, so no bytes serve two jobs), its key schedule
    /// expanded once here rather than on every seal and open. Wiped on drop.
    sealer: Aes256GcmSiv,
    /// HMAC keyed with the subkey codes are hashed under (derived the same way with
    /// another label), keyed once here because every code hash uses it.
    code_hasher: KeyedSha256,
    /// HMAC keyed with the key's own bytes: how codes were hashed before subkeys.
    legacy_hasher: KeyedSha256,
}

impl ServerKey {
    /// A key with identifier `id` (your choice; change it when you rotate the key).
    ///
    /// # Errors
    /// [`ConfigError::ServerKeyLength`] outside 32 to 64 bytes.
    pub fn new(id: u32, key: &[u8]) -> Result<Self, ConfigError> {
        let len = key.len();
        if !(MIN_SERVER_KEY_BYTES..=MAX_SERVER_KEY_BYTES).contains(&len) {
            return Err(ConfigError::ServerKeyLength { len });
        }
        let mut bytes = Zeroizing::new([0u8; MAX_SERVER_KEY_BYTES]);
        for (b, k) in bytes.iter_mut().zip(key) {
            *b = *k;
        }
        let hkdf = Hkdf::<Sha256>::new(Some(HKDF_SALT), key);
        let (mut seal, mut hash) = (Zeroizing::new([0u8; 32]), Zeroizing::new([0u8; 32]));
        // 32 bytes is far below HKDF-SHA-256's limit of 255 · 32, so expand cannot
        // fail; a subkey would stay all zeros only if it did.
        let _ = hkdf.expand(SEAL_LABEL, seal.as_mut_slice());
        let _ = hkdf.expand(HASH_LABEL, hash.as_mut_slice());
        let code_hasher = KeyedSha256::new(hash.as_slice());
        Ok(ServerKey {
            id,
            len,
            sealer: Aes256GcmSiv::new((&*seal).into()),
            code_hasher,
            legacy_hasher: KeyedSha256::new(key),
            bytes,
        })
    }

    /// HMAC under the subkey stored codes are hashed under (see [`crate::keyed_hash`]).
    pub(crate) fn code_hasher(&self) -> &KeyedSha256 {
        &self.code_hasher
    }

    /// HMAC under the key's own bytes, for hashes made before subkeys.
    pub(crate) fn legacy_hasher(&self) -> &KeyedSha256 {
        &self.legacy_hasher
    }

    /// The cipher values are sealed with (see [`crate::seal`]).
    pub(crate) fn sealer(&self) -> &Aes256GcmSiv {
        &self.sealer
    }

    /// A keyed digest of `data` for the caller's own lookups: HMAC-SHA-256 under a
    /// subkey of this key derived (HKDF-SHA-256) for `context` alone, so it shares
    /// no bytes with the subkeys mfa-core hashes codes and seals secrets under, nor
    /// with another context's.
    ///
    /// Use it where a server must find or count something by a value it should not
    /// store in the clear: a rate-limit bucket per phone number or email address, a
    /// blind index. Without the key a leaked table of digests cannot be tested
    /// against guesses, not even the few billion phone numbers. Deterministic per
    /// key: after a rotation, digests under the new key differ.
    ///
    /// ```
    /// use mfa_core::ServerKey;
    /// let key = ServerKey::new(1, &[0x42; 32])?;
    /// let a = key.lookup_digest(b"sends per destination", b"+14155550134");
    /// assert_eq!(a, key.lookup_digest(b"sends per destination", b"+14155550134"));
    /// assert_ne!(a, key.lookup_digest(b"blind index", b"+14155550134"));
    /// # Ok::<(), mfa_core::error::ConfigError>(())
    /// ```
    #[must_use]
    pub fn lookup_digest(&self, context: &[u8], data: &[u8]) -> [u8; 32] {
        let hkdf = Hkdf::<Sha256>::new(Some(HKDF_SALT), self.expose_secret());
        let mut subkey = Zeroizing::new([0u8; 32]);
        // 32 bytes is far below HKDF-SHA-256's limit, so expand cannot fail.
        let _ = hkdf.expand_multi_info(&[LOOKUP_LABEL, context], subkey.as_mut_slice());
        KeyedSha256::new(subkey.as_slice()).mac(&[data])
    }

    /// The key's identifier, stored beside every hash made under it.
    #[must_use]
    pub const fn id(&self) -> u32 {
        self.id
    }

    /// Refuses this key for a record hashed under the key with id `stored`.
    pub(crate) fn check_id(&self, stored: u32) -> Result<(), Error> {
        if self.id != stored {
            return Err(Error::ServerKeyMismatch {
                stored,
                given: self.id,
            });
        }
        Ok(())
    }

    pub(crate) fn expose_secret(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }
}

impl ZeroizeOnDrop for ServerKey {}

impl fmt::Debug for ServerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerKey")
            .field("id", &self.id)
            .field("key", &format_args!("[redacted]"))
            .finish()
    }
}

impl PartialEq for ServerKey {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id && bool::from(self.expose_secret().ct_eq(other.expose_secret()))
    }
}

impl Eq for ServerKey {}
