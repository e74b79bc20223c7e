//! Challenge tokens (the `mfaToken` an MFA API hands its client): 128 random bits,
//! typed by purpose, stored only as a hash.

use alloc::string::String;
use core::fmt;
use core::marker::PhantomData;

use rand_core::CryptoRng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

use crate::error::Error;
use crate::method::Purpose;
use crate::sensitive::SensitiveText;

/// Random bytes in a token: 128 bits, beyond guessing for the token's short life.
pub(crate) const TOKEN_BYTES: usize = 16;
/// Bytes of the stored token hash.
pub(crate) const TOKEN_ID_BYTES: usize = 16;

/// What the account record keeps of a token: a hash it cannot be recovered from.
pub(crate) type TokenId = [u8; TOKEN_ID_BYTES];

mod sealed {
    pub trait Sealed {}
}

/// The purpose a [`ChallengeToken`] is typed with. Sealed: the four purposes are
/// [`LoginToken`], [`SetupToken`], [`DisableToken`] and [`RegenerateToken`].
pub trait TokenPurpose: sealed::Sealed {
    /// The purpose this marker stands for.
    const PURPOSE: Purpose;
}

macro_rules! purpose_marker {
    ($(#[$doc:meta])* $marker:ident, $purpose:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $marker {}
        impl sealed::Sealed for $marker {}
        impl TokenPurpose for $marker {
            const PURPOSE: Purpose = $purpose;
        }
    };
}

purpose_marker!(
    /// Marks a token of a sign-in challenge.
    Login,
    Purpose::Login
);
purpose_marker!(
    /// Marks a token of an enrolment.
    Setup,
    Purpose::Setup
);
purpose_marker!(
    /// Marks a token of a disable challenge.
    Disable,
    Purpose::Disable
);
purpose_marker!(
    /// Marks a token of a backup-code regeneration.
    Regenerate,
    Purpose::RegenerateBackupCodes
);

/// The token of a sign-in challenge.
pub type LoginToken = ChallengeToken<Login>;
/// The token of an enrolment.
pub type SetupToken = ChallengeToken<Setup>;
/// The token of a disable challenge.
pub type DisableToken = ChallengeToken<Disable>;
/// The token of a backup-code regeneration.
pub type RegenerateToken = ChallengeToken<Regenerate>;

/// A challenge token: 128 bits from the caller's CSPRNG, written as
/// `<purpose>_<32 hex digits>` (`login_5f0c…`), typed by its purpose so that a login
/// operation cannot even be called with a setup token.
///
/// Hand [`to_text`](Self::to_text) to the client (an MFA API's `mfaToken`); when it
/// comes back, [`parse`](Self::parse) it as the type the endpoint expects. The account
/// record keeps only a SHA-256 hash of the token ([`lookup_key`](Self::lookup_key)),
/// so a leaked database holds no live token. Lookups compare hashes in constant time.
///
/// Zeroized on drop; `Debug` prints `ChallengeToken<login>([redacted])`.
pub struct ChallengeToken<P: TokenPurpose> {
    bytes: Zeroizing<[u8; TOKEN_BYTES]>,
    purpose: PhantomData<P>,
}

impl<P: TokenPurpose> ChallengeToken<P> {
    pub(crate) fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut bytes = Zeroizing::new([0u8; TOKEN_BYTES]);
        rng.fill_bytes(bytes.as_mut_slice());
        ChallengeToken {
            bytes,
            purpose: PhantomData,
        }
    }

    /// Reads a token as the client sent it back.
    ///
    /// # Errors
    /// - [`Error::WrongPurpose`] for a well-formed token of another purpose.
    /// - [`Error::ChallengeInvalid`] for anything that is not a token.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let (prefix, rest) = text
            .trim_start()
            .split_once('_')
            .ok_or(Error::ChallengeInvalid)?;
        let found = Purpose::ALL
            .into_iter()
            .find(|p| p.name() == prefix)
            .ok_or(Error::ChallengeInvalid)?;
        // The hex digits are the secret: trailing whitespace is looked for after them
        // only, so no branch depends on a digit (`rest.trim_end()` tested the last).
        let hex = rest.get(..2 * TOKEN_BYTES).ok_or(Error::ChallengeInvalid)?;
        let tail = rest.get(2 * TOKEN_BYTES..).unwrap_or_default();
        if !tail.trim_end().is_empty() {
            return Err(Error::ChallengeInvalid);
        }
        let bytes = crate::hex::decode::<TOKEN_BYTES>(hex).ok_or(Error::ChallengeInvalid)?;
        if found != P::PURPOSE {
            return Err(Error::WrongPurpose {
                expected: P::PURPOSE,
                found,
            });
        }
        Ok(ChallengeToken {
            bytes: Zeroizing::new(bytes),
            purpose: PhantomData,
        })
    }

    /// The token as text, to send to the client: `<purpose>_<32 hex digits>`.
    ///
    /// **Security warning:** together with the user's code, it completes the
    /// challenge. Send it to the client that started the flow only; never log it.
    pub fn to_text(&self) -> SensitiveText {
        // Built in one allocation of the exact size, from a stack buffer that is
        // wiped: no growing string leaves a copy of the token in freed memory.
        let mut hex = [0u8; 2 * TOKEN_BYTES];
        crate::hex::encode_into(self.bytes.as_slice(), &mut hex);
        let prefix = P::PURPOSE.name();
        let mut text = String::with_capacity(prefix.len() + 1 + hex.len());
        text.push_str(prefix);
        text.push('_');
        crate::sensitive::push_ascii(&mut text, &hex);
        hex.zeroize();
        SensitiveText::from_string(text)
    }

    /// The hash the account record stores for this token, as 32 hex digits: safe to
    /// keep in an index (`challenge_key → user`) so the endpoint that receives the
    /// token can find the account. It cannot be turned back into the token.
    #[must_use]
    pub fn lookup_key(&self) -> String {
        crate::hex::encode(&self.id())
    }

    /// The purpose of this token.
    #[must_use]
    pub const fn purpose(&self) -> Purpose {
        P::PURPOSE
    }

    /// `SHA-256("mfa-core/challenge/v1\0" ‖ purpose ‖ "\0" ‖ bytes)`, first 16 bytes.
    pub(crate) fn id(&self) -> TokenId {
        let mut hasher = Sha256::new();
        hasher.update(b"mfa-core/challenge/v1\0");
        hasher.update(P::PURPOSE.name().as_bytes());
        hasher.update([0u8]);
        hasher.update(self.bytes.as_slice());
        let full = hasher.finalize();
        let mut id = [0u8; TOKEN_ID_BYTES];
        for (o, f) in id.iter_mut().zip(full.iter()) {
            *o = *f;
        }
        id
    }
}

impl<P: TokenPurpose> Clone for ChallengeToken<P> {
    fn clone(&self) -> Self {
        ChallengeToken {
            bytes: self.bytes.clone(),
            purpose: PhantomData,
        }
    }
}

/// Constant-time in the token bytes.
impl<P: TokenPurpose> PartialEq for ChallengeToken<P> {
    fn eq(&self, other: &Self) -> bool {
        bool::from(self.bytes.ct_eq(other.bytes.as_slice()))
    }
}

impl<P: TokenPurpose> Eq for ChallengeToken<P> {}

impl<P: TokenPurpose> zeroize::ZeroizeOnDrop for ChallengeToken<P> {}

impl<P: TokenPurpose> fmt::Debug for ChallengeToken<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChallengeToken<{}>([redacted])", P::PURPOSE.name())
    }
}
