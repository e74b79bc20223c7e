//! The shared secret of an authenticator: generation, base32, zeroization, redaction.

use core::fmt;

use rand_core::CryptoRng;
use subtle::{Choice, ConstantTimeEq};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::base32;
use crate::error::SecretError;
use crate::sensitive::SensitiveText;

/// The fewest bytes [`Secret`] accepts: 128 bits, RFC 4226 requirement R6.
pub const MIN_SECRET_BYTES: usize = 16;
/// The fewest bytes the legacy import constructors accept: 80 bits, what GitHub and
/// Microsoft issue.
pub const MIN_LEGACY_SECRET_BYTES: usize = 10;
/// The most bytes a [`Secret`] holds (one SHA-512 block; longer HMAC keys are hashed
/// down anyway, so longer secrets add nothing).
pub const MAX_SECRET_BYTES: usize = 128;
/// Bytes [`Secret::generate`] draws: 160 bits, the RFC 4226 recommendation.
pub const DEFAULT_SECRET_BYTES: usize = 20;

/// An HOTP/TOTP shared secret.
///
/// - Zeroed in memory when dropped ([`ZeroizeOnDrop`]), including every clone.
/// - `Debug` prints `Secret([redacted])`; there is no `Display` and no public field.
/// - Equality is constant-time in the bytes (only the lengths may differ in timing).
///
/// Built from the caller's CSPRNG ([`Secret::generate`]), from raw bytes, or from
/// base32 text as authenticator apps show it. Fewer than 16 bytes (128 bits) is
/// refused; [`Secret::from_legacy_bytes`] and [`Secret::from_legacy_base32`] accept
/// 10 bytes to import accounts issued elsewhere.
///
/// ```
/// use mfa_core::Secret;
/// let secret = Secret::from_base32("jbsw y3dp ehpk 3pxp jbsw y3dp ehpk 3pxp")?;
/// assert_eq!(secret.len(), 20);
/// assert_eq!(format!("{secret:?}"), "Secret([redacted])");
/// # Ok::<(), mfa_core::error::Error>(())
/// ```
#[derive(Clone)]
pub struct Secret {
    bytes: Zeroizing<[u8; MAX_SECRET_BYTES]>,
    len: usize,
}

impl Secret {
    /// Draws [`DEFAULT_SECRET_BYTES`] (20) bytes from the caller's CSPRNG.
    #[must_use]
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        Self::generate_bytes(rng, DEFAULT_SECRET_BYTES)
    }

    /// Draws `len` bytes from the caller's CSPRNG.
    ///
    /// # Errors
    /// [`SecretError::TooShort`] below 16 bytes, [`SecretError::TooLong`] above 128.
    pub fn generate_with_len<R: CryptoRng + ?Sized>(
        rng: &mut R,
        len: usize,
    ) -> Result<Self, SecretError> {
        check_len(len, MIN_SECRET_BYTES)?;
        Ok(Self::generate_bytes(rng, len))
    }

    pub(crate) fn generate_bytes<R: CryptoRng + ?Sized>(rng: &mut R, len: usize) -> Self {
        let mut secret = Self::empty();
        secret.len = len.min(MAX_SECRET_BYTES);
        rng.fill_bytes(secret.as_mut_bytes());
        secret
    }

    /// Copies raw secret bytes. The caller should zeroize its own copy.
    ///
    /// # Errors
    /// [`SecretError::TooShort`] below 16 bytes, [`SecretError::TooLong`] above 128.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SecretError> {
        Self::copy_from(bytes, MIN_SECRET_BYTES)
    }

    /// Decodes base32 leniently: upper or lower case, spaces, hyphens, `=` padding.
    ///
    /// # Errors
    /// [`SecretError::InvalidBase32Char`] with the offending position,
    /// [`SecretError::InvalidBase32Length`], or the length errors of [`Secret::from_bytes`].
    pub fn from_base32(text: &str) -> Result<Self, SecretError> {
        Self::decode(text, MIN_SECRET_BYTES)
    }

    /// Like [`Secret::from_bytes`], but accepts secrets down to 10 bytes (80 bits).
    ///
    /// **Weaker than RFC 4226 requires.** Only for importing existing accounts whose
    /// secret was issued elsewhere with 80 bits (GitHub and Microsoft do this). Never
    /// use it for secrets you generate: use [`Secret::generate`].
    ///
    /// # Errors
    /// [`SecretError::TooShort`] below 10 bytes, [`SecretError::TooLong`] above 128.
    pub fn from_legacy_bytes(bytes: &[u8]) -> Result<Self, SecretError> {
        Self::copy_from(bytes, MIN_LEGACY_SECRET_BYTES)
    }

    /// Like [`Secret::from_base32`], but accepts secrets down to 10 bytes (80 bits).
    /// The same warning as [`Secret::from_legacy_bytes`] applies.
    ///
    /// # Errors
    /// As [`Secret::from_base32`], with a 10-byte minimum.
    pub fn from_legacy_base32(text: &str) -> Result<Self, SecretError> {
        Self::decode(text, MIN_LEGACY_SECRET_BYTES)
    }

    fn copy_from(bytes: &[u8], min: usize) -> Result<Self, SecretError> {
        check_len(bytes.len(), min)?;
        let mut secret = Self::empty();
        secret.len = bytes.len();
        secret.as_mut_bytes().copy_from_slice(bytes);
        Ok(secret)
    }

    fn decode(text: &str, min: usize) -> Result<Self, SecretError> {
        let mut secret = Self::empty();
        secret.len = base32::decode_into(text, secret.bytes.as_mut_slice())?;
        check_len(secret.len, min)?;
        Ok(secret)
    }

    fn empty() -> Self {
        Self {
            bytes: Zeroizing::new([0; MAX_SECRET_BYTES]),
            len: 0,
        }
    }

    fn as_mut_bytes(&mut self) -> &mut [u8] {
        let len = self.len;
        self.bytes.get_mut(..len).unwrap_or_default()
    }

    /// The number of bytes in the secret.
    #[must_use]
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Always `false`: no constructor builds an empty secret.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The raw secret bytes.
    ///
    /// **Security warning:** these bytes are the whole authenticator. Do not log them,
    /// and zeroize any copy you make.
    #[must_use]
    pub fn expose_secret(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }

    /// The secret as RFC 4648 base32, upper case, without padding: the form
    /// authenticator apps accept when typed in by hand.
    ///
    /// The text is a secret too: it zeroizes on drop and is redacted in `Debug`.
    pub fn to_base32(&self) -> SensitiveText {
        let mut buf = [0u8; base32::encoded_len(MAX_SECRET_BYTES)];
        let n = base32::encode_into(self.expose_secret(), &mut buf);
        let text = SensitiveText::from_ascii(buf.get(..n).unwrap_or_default());
        buf.zeroize();
        text
    }
}

fn check_len(len: usize, min: usize) -> Result<(), SecretError> {
    if len < min {
        return Err(SecretError::TooShort { len, min });
    }
    if len > MAX_SECRET_BYTES {
        return Err(SecretError::TooLong {
            len,
            max: MAX_SECRET_BYTES,
        });
    }
    Ok(())
}

impl ZeroizeOnDrop for Secret {}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl ConstantTimeEq for Secret {
    fn ct_eq(&self, other: &Self) -> Choice {
        self.expose_secret().ct_eq(other.expose_secret())
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other).into()
    }
}

impl Eq for Secret {}

#[cfg(feature = "serde")]
mod serde_impl {
    use super::Secret;
    use serde::de::Visitor;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Serialised as the base32 text of [`Secret::to_base32`].
    impl Serialize for Secret {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.serialize_str(self.to_base32().expose_secret())
        }
    }

    /// Accepts the lenient base32 of [`Secret::from_legacy_base32`]: stored records
    /// may hold imported 80-bit secrets, and refusing to load them would lock users out.
    impl<'de> Deserialize<'de> for Secret {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct Base32Visitor;
            impl Visitor<'_> for Base32Visitor {
                type Value = Secret;
                fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                    f.write_str("a base32 secret")
                }
                fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Secret, E> {
                    Secret::from_legacy_base32(v).map_err(E::custom)
                }
            }
            deserializer.deserialize_str(Base32Visitor)
        }
    }
}
