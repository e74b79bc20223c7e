//! The HMAC hash functions RFC 6238 allows.

use core::fmt;

use rand_core::CryptoRng;

use crate::secret::Secret;

/// The hash function under HMAC. SHA-1 is the RFC 4226 default and the only one every
/// authenticator app honours; HMAC-SHA-1 is not weakened by SHA-1 collisions
/// (RFC 4226 Appendix B.2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum Algorithm {
    /// HMAC-SHA-1.
    #[default]
    #[cfg_attr(feature = "serde", serde(rename = "SHA1"))]
    Sha1,
    /// HMAC-SHA-256.
    #[cfg_attr(feature = "serde", serde(rename = "SHA256"))]
    Sha256,
    /// HMAC-SHA-512.
    #[cfg_attr(feature = "serde", serde(rename = "SHA512"))]
    Sha512,
}

impl Algorithm {
    /// Every algorithm, SHA-1 first.
    pub const ALL: [Algorithm; 3] = [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512];

    /// The name used in `otpauth://` URIs: `SHA1`, `SHA256`, `SHA512`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Algorithm::Sha1 => "SHA1",
            Algorithm::Sha256 => "SHA256",
            Algorithm::Sha512 => "SHA512",
        }
    }

    /// Parses a URI `algorithm` value, in any letter case (`sha256` and `SHA256`).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Algorithm::ALL
            .into_iter()
            .find(|a| a.name().eq_ignore_ascii_case(name))
    }

    /// The HMAC output size in bytes (20, 32, 64), which is also the secret length
    /// RFC 6238's reference implementation pairs with each algorithm.
    #[must_use]
    pub const fn output_len(self) -> usize {
        match self {
            Algorithm::Sha1 => 20,
            Algorithm::Sha256 => 32,
            Algorithm::Sha512 => 64,
        }
    }

    /// A new secret of the length RFC 6238 pairs with this algorithm
    /// ([`output_len`](Self::output_len): 20 bytes for SHA-1, 32 for SHA-256, 64 for
    /// SHA-512), drawn from the caller's CSPRNG.
    #[must_use]
    pub fn generate_secret<R: CryptoRng + ?Sized>(self, rng: &mut R) -> Secret {
        Secret::generate_bytes(rng, self.output_len())
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
