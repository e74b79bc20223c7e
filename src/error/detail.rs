//! The structured details some [`Error`](super::Error) variants carry: why a code,
//! secret, configuration or URI was refused.

use core::fmt;

/// Why submitted text is not a code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CodeFormatError {
    /// After removing spaces, the number of digits differs from the configuration.
    WrongLength {
        /// Digits the configuration expects.
        expected: u8,
        /// Characters found (capped at 255).
        found: u8,
    },
    /// A character other than an ASCII digit or a space.
    NotADigit,
}

impl fmt::Display for CodeFormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodeFormatError::WrongLength { expected, found } => {
                write!(f, "expected {expected} digits, found {found}")
            }
            CodeFormatError::NotADigit => f.write_str("only digits and spaces are allowed"),
        }
    }
}

/// Why text is not a backup code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BackupCodeFormatError {
    /// After removing spaces and hyphens, the length differs from the set's codes.
    WrongLength {
        /// Characters the set's codes have.
        expected: u8,
        /// Characters found (capped at 255).
        found: u8,
    },
    /// A character outside the Crockford base32 alphabet (after folding case and the
    /// confusables `o`→`0`, `i`/`l`→`1`), at this position in the input, from 0.
    InvalidChar {
        /// Position of the offending character.
        position: usize,
    },
}

impl fmt::Display for BackupCodeFormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BackupCodeFormatError::WrongLength { expected, found } => {
                write!(f, "expected {expected} characters, found {found}")
            }
            BackupCodeFormatError::InvalidChar { position } => {
                write!(f, "character at position {position} is not allowed")
            }
        }
    }
}

/// Why a secret was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SecretError {
    /// Fewer bytes than the minimum (16, i.e. 128 bits, RFC 4226 R6; 10 through the
    /// legacy import constructors).
    TooShort {
        /// Bytes given.
        len: usize,
        /// Bytes required.
        min: usize,
    },
    /// More bytes than this crate stores.
    TooLong {
        /// Bytes given.
        len: usize,
        /// Most bytes accepted.
        max: usize,
    },
    /// A character outside the base32 alphabet, at this position (counting characters
    /// of the input as given, from 0).
    InvalidBase32Char {
        /// Position of the offending character.
        position: usize,
    },
    /// Base32 text whose length cannot come from whole bytes, or whose unused trailing
    /// bits are not zero (a sign of a truncated or mistyped secret).
    InvalidBase32Length,
}

impl fmt::Display for SecretError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretError::TooShort { len, min } => {
                write!(f, "{len} bytes is shorter than the minimum of {min}")
            }
            SecretError::TooLong { len, max } => {
                write!(f, "{len} bytes is longer than the maximum of {max}")
            }
            SecretError::InvalidBase32Char { position } => {
                write!(f, "character at position {position} is not base32")
            }
            SecretError::InvalidBase32Length => {
                f.write_str("base32 length or trailing bits do not form whole bytes")
            }
        }
    }
}

/// A configuration value out of its allowed range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// Digits must be 6 to 10.
    Digits(u8),
    /// The TOTP period must be at least one second.
    ZeroPeriod,
    /// A verification window wider than the allowed maximum.
    WindowTooLarge {
        /// Steps (or counters) requested on one side.
        requested: u32,
        /// Most allowed.
        max: u32,
    },
    /// A server key must be 32 to 64 bytes.
    ServerKeyLength {
        /// Bytes given.
        len: usize,
    },
    /// Two keys of a [`ServerKeys`](crate::ServerKeys) ring share an id.
    DuplicateKeyId {
        /// The id given twice.
        id: u32,
    },
    /// A policy value out of its range (backup-code count or length, out-of-band code
    /// lifetime, attempts, resends).
    Policy(PolicyField),
}

/// The policy value [`ConfigError::Policy`] refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PolicyField {
    /// Backup codes per set.
    BackupCodeCount,
    /// Characters per backup code (below 64 bits of entropy is refused).
    BackupCodeLength,
    /// Characters per display group of a backup code.
    BackupCodeGroup,
    /// Digits of an out-of-band code.
    OobDigits,
    /// Lifetime of an out-of-band code.
    OobLifetime,
    /// Attempts allowed per out-of-band code.
    OobAttempts,
    /// Resends allowed per out-of-band code.
    OobResends,
    /// A stored out-of-band code's hash scheme does not fit its schema version.
    OobScheme,
    /// A throttling setting (delays, lockout).
    Throttle,
    /// A challenge's lifetime or attempts.
    Challenge,
    /// Email / SMS codes per account per hour.
    CodesPerHour,
    /// A stored account record whose parts contradict each other.
    AccountRecord,
    /// How long devices are remembered, or how many.
    RememberedDevices,
}

impl PolicyField {
    /// The field's name, for messages.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            PolicyField::BackupCodeCount => "backup code count",
            PolicyField::BackupCodeLength => "backup code length",
            PolicyField::BackupCodeGroup => "backup code group size",
            PolicyField::OobDigits => "out-of-band code digits",
            PolicyField::OobLifetime => "out-of-band code lifetime",
            PolicyField::OobAttempts => "out-of-band code attempts",
            PolicyField::OobResends => "out-of-band code resends",
            PolicyField::OobScheme => "out-of-band code hash scheme",
            PolicyField::Throttle => "throttling policy",
            PolicyField::Challenge => "challenge lifetime or attempts",
            PolicyField::CodesPerHour => "codes per hour",
            PolicyField::AccountRecord => "account record",
            PolicyField::RememberedDevices => "remembered devices",
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Digits(d) => write!(f, "{d} digits is outside 6 to 10"),
            ConfigError::ZeroPeriod => f.write_str("the period must be at least 1 second"),
            ConfigError::WindowTooLarge { requested, max } => {
                write!(f, "a window of {requested} exceeds the maximum of {max}")
            }
            ConfigError::ServerKeyLength { len } => {
                write!(f, "a server key of {len} bytes is outside 32 to 64")
            }
            ConfigError::DuplicateKeyId { id } => {
                write!(f, "two server keys have the id {id}")
            }
            ConfigError::Policy(field) => write!(f, "the {} is out of range", field.name()),
        }
    }
}

/// Why an `otpauth://` URI was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UriError {
    /// The URI does not start with `otpauth://`.
    NotOtpauth,
    /// The type is neither `totp` nor `hotp`.
    UnknownType,
    /// The label (issuer and account) is missing or empty.
    MissingLabel,
    /// No `secret` parameter.
    MissingSecret,
    /// An `hotp` URI without a `counter` parameter.
    MissingCounter,
    /// The issuer in the label and the `issuer` parameter differ.
    IssuerMismatch,
    /// A parameter appears twice.
    DuplicateParameter(UriParameter),
    /// A parameter's value is not valid.
    InvalidParameter(UriParameter),
    /// A `%` not followed by two hex digits, or percent-encoded bytes that are not UTF-8.
    BadPercentEncoding,
    /// A TOTP configuration with a T0 other than 0: the URI format cannot carry it, so
    /// an app enrolled from it would count steps from the epoch and never agree.
    UnsupportedT0,
}

/// A known `otpauth://` parameter, named in [`UriError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UriParameter {
    /// `secret`
    Secret,
    /// `issuer`
    Issuer,
    /// `algorithm`
    Algorithm,
    /// `digits`
    Digits,
    /// `period`
    Period,
    /// `counter`
    Counter,
}

impl UriParameter {
    /// The parameter's name as it appears in a URI.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            UriParameter::Secret => "secret",
            UriParameter::Issuer => "issuer",
            UriParameter::Algorithm => "algorithm",
            UriParameter::Digits => "digits",
            UriParameter::Period => "period",
            UriParameter::Counter => "counter",
        }
    }
}

impl fmt::Display for UriError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UriError::NotOtpauth => f.write_str("the scheme is not otpauth://"),
            UriError::UnknownType => f.write_str("the type is neither totp nor hotp"),
            UriError::MissingLabel => f.write_str("the label is missing"),
            UriError::MissingSecret => f.write_str("the secret parameter is missing"),
            UriError::MissingCounter => f.write_str("an hotp URI needs a counter parameter"),
            UriError::IssuerMismatch => {
                f.write_str("the issuer in the label differs from the issuer parameter")
            }
            UriError::DuplicateParameter(p) => write!(f, "parameter {} appears twice", p.name()),
            UriError::InvalidParameter(p) => write!(f, "parameter {} is not valid", p.name()),
            UriError::BadPercentEncoding => f.write_str("bad percent-encoding"),
            UriError::UnsupportedT0 => f.write_str("otpauth URIs cannot carry a T0 other than 0"),
        }
    }
}

/// Why a stored account record was refused: it holds something the state machine
/// never writes. Stored data is treated as hostile; a record refused here was
/// damaged or edited, and nothing about the account is changed by refusing it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecordError {
    /// The default method is not enabled, or methods or backup codes exist without
    /// a default.
    DefaultMethod,
    /// Two challenges of one purpose.
    DuplicatePurpose,
    /// A sign-in, disable or regeneration challenge (or a step-up) with no method
    /// enabled.
    ChallengeWithoutMethod,
    /// A challenge whose stage does not fit what it checks: a confirmation whose
    /// factor is not the method being enrolled, a withheld code where none can be,
    /// a tombstone that still holds a code.
    StageMismatch,
    /// An email address or phone number, enabled or pending, that the library would
    /// never have accepted (or not in the form it stores).
    Destination,
    /// A time past [`MAX_STORED_TIME`](crate::account::MAX_STORED_TIME).
    TimeOutOfRange,
    /// A secret in the clear in a record of the sealed schema (version 2), a
    /// sealed one in a record of version 1, or a sealed record without its id.
    Sealing,
    /// Remembered devices the library never keeps: with no method enabled, more
    /// than [`MAX_REMEMBERED_DEVICES`](crate::account::MAX_REMEMBERED_DEVICES), two
    /// with one hash, a label not in its stored form, or times out of order.
    Devices,
}

impl RecordError {
    /// A stable name, for logs.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            RecordError::DefaultMethod => "default_method",
            RecordError::DuplicatePurpose => "duplicate_purpose",
            RecordError::ChallengeWithoutMethod => "challenge_without_method",
            RecordError::StageMismatch => "stage_mismatch",
            RecordError::Destination => "destination",
            RecordError::TimeOutOfRange => "time_out_of_range",
            RecordError::Sealing => "sealing",
            RecordError::Devices => "devices",
        }
    }
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RecordError::DefaultMethod => "the default method does not match the methods",
            RecordError::DuplicatePurpose => "two challenges of one purpose",
            RecordError::ChallengeWithoutMethod => "a challenge that needs a method, with none",
            RecordError::StageMismatch => "a challenge whose stage does not fit its factor",
            RecordError::Destination => "a destination the library never accepts",
            RecordError::TimeOutOfRange => "a time past the year 9999",
            RecordError::Sealing => "a secret sealed or in the clear against its schema",
            RecordError::Devices => "remembered devices the library never keeps",
        })
    }
}

/// Each detail is an error in its own right, so a `?` on a call that returns one
/// works in a function returning `Box<dyn core::error::Error>`.
impl core::error::Error for CodeFormatError {}
impl core::error::Error for BackupCodeFormatError {}
impl core::error::Error for SecretError {}
impl core::error::Error for ConfigError {}
impl core::error::Error for UriError {}
impl core::error::Error for RecordError {}
