//! `otpauth://` Key URIs, the format authenticator apps read from enrolment QR codes
//! (Google Authenticator's "Key Uri Format").
//!
//! ```
//! use mfa_core::{Secret, error::Error, otp::TotpConfig, uri::KeyUri};
//!
//! fn main() -> Result<(), Error> {
//!     let secret = Secret::generate(&mut rand::rng());
//!     let uri = KeyUri::totp(Some("Example"), "jane@example.com", secret, TotpConfig::default())?;
//!     let text = uri.to_uri(); // show it as a QR code; never log it
//!     let imported = KeyUri::parse(text.expose_secret())?;
//!     assert_eq!(imported, uri);
//!     assert_eq!((imported.issuer(), imported.account()), (Some("Example"), "jane@example.com"));
//!     Ok(())
//! }
//! ```
//!
//! ```text
//! otpauth://totp/ACME%20Co:john@example.com?secret=BASE32SECRET&issuer=ACME%20Co
//! otpauth://hotp/ACME%20Co:john@example.com?secret=BASE32SECRET&issuer=ACME%20Co&counter=0
//! ```
//!
//! [`KeyUri::to_uri`] builds one to show the user at enrolment; [`KeyUri::parse`] reads
//! one, for instance to import an account from another system. With the `qr` feature,
//! `KeyUri::to_qr_svg` draws it as the QR code to scan. **A Key URI contains the
//! secret**: it is handed out only as [`SensitiveText`], and must never be logged.
//!
//! Only what the format carries survives a round trip: issuer, account, secret,
//! algorithm, digits, period (TOTP) and counter (HOTP). Verification settings are the
//! server's own and are not written: a parsed TOTP URI has the default
//! [`Window`](crate::otp::Window), a parsed HOTP URI the default look-ahead and
//! resynchronisation window.

mod build;
mod parse;
mod percent;
#[cfg(feature = "qr")]
mod qr;

#[cfg(feature = "qr")]
pub(crate) use qr::qr_svg;

use alloc::string::{String, ToString};
use core::fmt;

use crate::error::{Error, UriError};
use crate::otp::{HotpConfig, TotpConfig};
use crate::secret::Secret;
use crate::sensitive::SensitiveText;

/// The type of one-time password a [`KeyUri`] enrols, with its parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OtpKind {
    /// `otpauth://totp/`: time-based codes (RFC 6238).
    Totp(TotpConfig),
    /// `otpauth://hotp/`: counter-based codes (RFC 4226).
    Hotp {
        /// Algorithm and digits (look-ahead and resync window are not in the URI).
        config: HotpConfig,
        /// The counter the authenticator starts from: the next counter the server
        /// expects.
        counter: u64,
    },
}

/// An `otpauth://` Key URI: what an authenticator app needs to produce codes.
///
/// - The issuer names the service, the account names the user within it; apps show
///   both. An empty issuer is stored as `None`. Leading spaces of the account are
///   not significant (the format allows them after the `Issuer:` prefix) and are
///   removed, both by the constructors and by [`parse`](KeyUri::parse).
/// - A `:` inside the issuer or the account is written as `%3A`, so it cannot be
///   confused with the `Issuer:account` separator; every `KeyUri` this crate builds
///   parses back to an equal one (up to the verification settings noted in the
///   [module documentation](self)).
/// - `Debug` prints the issuer and account but not the secret; there is no
///   `Display`, because the URI text is a secret.
///
/// ```
/// use mfa_core::uri::KeyUri;
/// use mfa_core::{Secret, otp::TotpConfig};
///
/// let secret = Secret::from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")?;
/// let key = KeyUri::totp(Some("ACME Co"), "john@example.com", secret, TotpConfig::default())?;
/// let uri = key.to_uri(); // show it as a QR code, never log it
/// assert_eq!(
///     uri.expose_secret(),
///     "otpauth://totp/ACME%20Co:john@example.com\
///      ?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME%20Co",
/// );
/// let parsed = KeyUri::parse(uri.expose_secret())?;
/// assert_eq!(parsed, key);
/// assert_eq!(parsed.issuer(), Some("ACME Co"));
/// assert!(format!("{parsed:?}").contains("secret: [redacted]"));
/// # Ok::<(), mfa_core::error::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct KeyUri {
    otp: OtpKind,
    issuer: Option<String>,
    account: String,
    secret: Secret,
}

impl KeyUri {
    /// A TOTP Key URI.
    ///
    /// The config's window is kept here but is not part of the URI. Authenticator apps
    /// always count time steps from the Unix epoch, so a config with another T0 would
    /// enrol an app whose codes the server never accepts: it is refused.
    ///
    /// # Errors
    /// - [`UriError::MissingLabel`] when `account` is empty (or only spaces).
    /// - [`UriError::UnsupportedT0`] when [`TotpConfig::t0`] is not 0.
    pub fn totp(
        issuer: Option<&str>,
        account: &str,
        secret: Secret,
        config: TotpConfig,
    ) -> Result<Self, UriError> {
        if config.t0() != 0 {
            return Err(UriError::UnsupportedT0);
        }
        Self::new(OtpKind::Totp(config), issuer, account, secret)
    }

    /// An HOTP Key URI whose authenticator starts at `counter`.
    ///
    /// Only the config's algorithm and digits are written to the URI.
    ///
    /// # Errors
    /// [`UriError::MissingLabel`] when `account` is empty (or only spaces).
    pub fn hotp(
        issuer: Option<&str>,
        account: &str,
        secret: Secret,
        config: HotpConfig,
        counter: u64,
    ) -> Result<Self, UriError> {
        Self::new(OtpKind::Hotp { config, counter }, issuer, account, secret)
    }

    /// The one place issuer and account are normalised, shared with parsing so that
    /// both agree.
    fn new(
        otp: OtpKind,
        issuer: Option<&str>,
        account: &str,
        secret: Secret,
    ) -> Result<Self, UriError> {
        let account = account.trim_start_matches(' ');
        if account.is_empty() {
            return Err(UriError::MissingLabel);
        }
        Ok(KeyUri {
            otp,
            issuer: issuer.filter(|i| !i.is_empty()).map(ToString::to_string),
            account: account.to_string(),
            secret,
        })
    }

    /// Parses a Key URI, refusing secrets shorter than 16 bytes (128 bits,
    /// RFC 4226 R6).
    ///
    /// Lenient where real URIs vary: the scheme, the type, parameter names and the
    /// `algorithm` value in any letter case; base32 in lower case, with spaces or `=`
    /// padding; the `Issuer:` label prefix present or not, its colon literal or `%3A`,
    /// spaces before the account; unknown parameters (such as `image`) ignored.
    ///
    /// - The label is a path: a `+` in it is a literal plus sign. In parameter values
    ///   `+` means a space (HTML form encoding), as many issuers write it; a literal
    ///   plus sign there must be `%2B` (which [`to_uri`](KeyUri::to_uri) always does).
    /// - The label splits at its first literal `:`; without one, at its first `%3A`.
    ///   An encoded colon before a literal one is therefore part of the issuer.
    /// - `period` is ignored in an HOTP URI and `counter` in a TOTP URI (both are still
    ///   counted as duplicates).
    ///
    /// # Errors
    /// - [`Error::Uri`] with [`UriError::NotOtpauth`], [`UriError::UnknownType`],
    ///   [`UriError::MissingLabel`] (no account), [`UriError::MissingSecret`] (absent
    ///   or empty), [`UriError::MissingCounter`] (HOTP), [`UriError::IssuerMismatch`]
    ///   (the label's issuer and the `issuer` parameter differ),
    ///   [`UriError::DuplicateParameter`], [`UriError::InvalidParameter`] (an unknown
    ///   algorithm, digits outside 6 to 10, a period of 0, a value that is not a
    ///   number) or [`UriError::BadPercentEncoding`].
    /// - [`Error::Secret`] as [`Secret::from_base32`] returns it.
    pub fn parse(uri: &str) -> Result<Self, Error> {
        parse::parse(uri, parse::SecretRule::Standard)
    }

    /// Like [`parse`](KeyUri::parse), but accepts secrets down to 10 bytes (80 bits)
    /// through [`Secret::from_legacy_base32`].
    ///
    /// **Weaker than RFC 4226 requires.** Only for importing accounts whose secret was
    /// issued elsewhere with 80 bits (GitHub and Microsoft do this, and so does the
    /// example in Google's format description). Never use it for URIs you build from
    /// secrets you generate.
    ///
    /// # Errors
    /// As [`parse`](KeyUri::parse), with a 10-byte minimum for the secret.
    pub fn parse_legacy(uri: &str) -> Result<Self, Error> {
        parse::parse(uri, parse::SecretRule::Legacy)
    }

    /// The URI text, to show the user as a QR code or a link at enrolment.
    ///
    /// Written as `otpauth://TYPE/ISSUER:ACCOUNT?secret=BASE32&issuer=ISSUER`, with
    /// `algorithm`, `digits` and `period` only when they differ from SHA1, 6 and 30
    /// (some apps mishandle or refuse them), and `counter` always for HOTP. Issuer and
    /// account are percent-encoded except for `A-Z a-z 0-9 - . _ ~ @`; the secret is
    /// upper-case base32 without padding.
    ///
    /// **It contains the secret.** It zeroizes on drop; never log it.
    pub fn to_uri(&self) -> SensitiveText {
        build::to_uri(self)
    }

    /// The type of password and its parameters.
    #[must_use]
    pub const fn otp(&self) -> &OtpKind {
        &self.otp
    }

    /// The TOTP configuration, for a TOTP URI.
    #[must_use]
    pub const fn totp_config(&self) -> Option<TotpConfig> {
        match self.otp {
            OtpKind::Totp(config) => Some(config),
            OtpKind::Hotp { .. } => None,
        }
    }

    /// The HOTP configuration, for an HOTP URI (with the default look-ahead and
    /// resynchronisation window if parsed).
    #[must_use]
    pub const fn hotp_config(&self) -> Option<HotpConfig> {
        match self.otp {
            OtpKind::Hotp { config, .. } => Some(config),
            OtpKind::Totp(_) => None,
        }
    }

    /// The counter the authenticator starts from, for an HOTP URI: store it as the
    /// next counter the server expects.
    #[must_use]
    pub const fn counter(&self) -> Option<u64> {
        match self.otp {
            OtpKind::Hotp { counter, .. } => Some(counter),
            OtpKind::Totp(_) => None,
        }
    }

    /// The service the account belongs to, if named.
    #[must_use]
    pub fn issuer(&self) -> Option<&str> {
        self.issuer.as_deref()
    }

    /// The account within the service (a user name or an e-mail address).
    #[must_use]
    pub fn account(&self) -> &str {
        &self.account
    }

    /// The shared secret. Store it as the user's authenticator secret; never log it.
    #[must_use]
    pub const fn secret(&self) -> &Secret {
        &self.secret
    }

    /// Takes the shared secret out, dropping the rest.
    #[must_use]
    pub fn into_secret(self) -> Secret {
        self.secret
    }
}

impl fmt::Debug for KeyUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyUri")
            .field("otp", &self.otp)
            .field("issuer", &self.issuer)
            .field("account", &self.account)
            .field("secret", &format_args!("[redacted]"))
            .finish()
    }
}
