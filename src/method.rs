//! The names every layer shares: the second factors an account can enable, the
//! channels out-of-band codes travel on, and the purposes a challenge serves. The
//! error type names them too, so this sits at the bottom beside it and imports
//! nothing above.

use core::fmt;

use crate::error::Error;

/// A second factor an account can enable. Serialised with the names MFA HTTP APIs
/// use: `"authenticator"` (a TOTP authenticator app), `"email"`, `"sms"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
#[non_exhaustive]
pub enum Method {
    /// An authenticator app holding a TOTP secret (RFC 6238).
    Authenticator,
    /// A one-time code sent by email.
    Email,
    /// A one-time code sent by text message.
    Sms,
}

impl Method {
    /// Every method, in the order an account lists them.
    pub const ALL: [Method; 3] = [Method::Authenticator, Method::Email, Method::Sms];

    /// The method's name: `"authenticator"`, `"email"` or `"sms"`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Method::Authenticator => "authenticator",
            Method::Email => "email",
            Method::Sms => "sms",
        }
    }

    /// Reads a method name as a request carries it (`"authenticator"`, `"email"`,
    /// `"sms"`; ASCII case ignored).
    ///
    /// # Errors
    /// [`Error::InvalidMethod`] for any other text.
    pub fn parse(name: &str) -> Result<Self, Error> {
        Method::ALL
            .into_iter()
            .find(|m| m.name().eq_ignore_ascii_case(name.trim()))
            .ok_or(Error::InvalidMethod)
    }

    /// The delivery channel of an out-of-band method; `None` for the authenticator.
    #[must_use]
    pub const fn channel(self) -> Option<OobChannel> {
        match self {
            Method::Authenticator => None,
            Method::Email => Some(OobChannel::Email),
            Method::Sms => Some(OobChannel::Sms),
        }
    }

    pub(crate) const fn from_channel(channel: OobChannel) -> Self {
        match channel {
            OobChannel::Email => Method::Email,
            OobChannel::Sms => Method::Sms,
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a challenge (an MFA API's `mfaToken`) is for. A token of one purpose is refused
/// by the operations of every other ([`Error::WrongPurpose`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Purpose {
    /// Enrolling a new method.
    Setup,
    /// The second step of a sign-in.
    Login,
    /// Turning off one method, or all of them.
    Disable,
    /// Replacing the backup codes.
    RegenerateBackupCodes,
}

impl Purpose {
    /// Every purpose.
    pub const ALL: [Purpose; 4] = [
        Purpose::Setup,
        Purpose::Login,
        Purpose::Disable,
        Purpose::RegenerateBackupCodes,
    ];

    /// The purpose's name, also the prefix of its tokens: `"setup"`, `"login"`,
    /// `"disable"`, `"regenerate"`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Purpose::Setup => "setup",
            Purpose::Login => "login",
            Purpose::Disable => "disable",
            Purpose::RegenerateBackupCodes => "regenerate",
        }
    }
}

impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The channel an out-of-band code is delivered on. Stored in the challenge (so the
/// account layer can tell which method a login used) and serialised as `"email"` or
/// `"sms"`, the names MFA HTTP APIs use for a method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
#[non_exhaustive]
pub enum OobChannel {
    /// A code sent by email.
    Email,
    /// A code sent by text message.
    Sms,
}

impl OobChannel {
    /// The channel's name as serialised: `"email"` or `"sms"`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            OobChannel::Email => "email",
            OobChannel::Sms => "sms",
        }
    }
}

impl fmt::Display for OobChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
