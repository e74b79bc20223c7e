//! The one error type of the crate, and its machine-readable codes.
//!
//! Errors fall in two families, kept apart on purpose:
//!
//! - **what the user did**: a wrong code ([`Error::InvalidCode`]), a code that was
//!   already used ([`Error::CodeReused`]), text that is not a code at all
//!   ([`Error::MalformedCode`]). A server answers these to the user.
//! - **what the caller (or stored data) got wrong**: a bad secret, a configuration out
//!   of range, a clock before the epoch, an `otpauth://` URI that does not parse. These
//!   are bugs or bad records; a server logs them and answers with a generic failure.
//!
//! No variant holds a string or any secret material, so an `Error` is safe to log.

use core::fmt;

/// Everything that can go wrong in this crate.
///
/// Each variant has a stable [`code()`](Error::code) for APIs and logs; the `Display`
/// text is for humans and may change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The code is well formed but matches no step or counter in the window.
    InvalidCode,
    /// The code is right, but for a step or counter at or before the last accepted one
    /// (RFC 6238 §5.2). Treat it as a failed attempt; a burst of these can mean a code
    /// was phished or shoulder-surfed and is being replayed.
    CodeReused {
        /// The step or counter the code belongs to.
        step: u64,
    },
    /// The submitted text is not a code of the configured shape.
    MalformedCode(CodeFormatError),
    /// A secret could not be built or decoded.
    Secret(SecretError),
    /// A configuration value is out of range.
    Config(ConfigError),
    /// `now` lies before the configured T0, so no time step exists for it.
    TimeBeforeEpoch {
        /// The time passed in, Unix seconds.
        now: u64,
        /// The configured T0, Unix seconds.
        t0: u64,
    },
    /// An `otpauth://` URI could not be parsed.
    Uri(UriError),
    /// A backup code that was valid but has already been used. Each works once; a
    /// second use can mean someone else holds the user's printed codes: notify them.
    BackupCodeUsed,
    /// The text is not a backup code of the set's shape.
    MalformedBackupCode(BackupCodeFormatError),
    /// The one-time code has expired; a new one must be sent.
    CodeExpired {
        /// When it expired, Unix seconds.
        expired_at: u64,
    },
    /// No attempts are left. `retry_at` is when trying again is allowed (Unix
    /// seconds), or `None` when this code or challenge is dead and a new one is needed.
    TooManyAttempts {
        /// When trying again is allowed, if ever.
        retry_at: Option<u64>,
    },
    /// The one-time code was already used successfully; it cannot be used again.
    CodeConsumed,
    /// A resend came sooner than the cooldown allows.
    ResendCooldown {
        /// Seconds to wait before a resend is allowed.
        retry_after: u64,
    },
    /// The most resends for this code have been sent.
    MaxResendLimit,
    /// The record was hashed under a server key with another id: the key was rotated
    /// (load the old key for this record) or the record belongs elsewhere.
    ServerKeyMismatch {
        /// The id stored in the record.
        stored: u32,
        /// The id of the key passed in.
        given: u32,
    },
    /// A stored record carries a schema version this build does not know.
    UnsupportedSchema {
        /// The version found.
        version: u32,
    },
    /// The caller's random number generator produced output a CSPRNG essentially
    /// never does (e.g. 64 rejected samples in a row): it is broken.
    RngFailure,
}

impl Error {
    /// A stable, machine-readable name for this error, for API bodies and metrics.
    ///
    /// ```
    /// assert_eq!(mfa_core::Error::InvalidCode.code(), "invalid_code");
    /// ```
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Error::InvalidCode => "invalid_code",
            Error::CodeReused { .. } => "code_reused",
            Error::MalformedCode(_) => "malformed_code",
            Error::Secret(_) => "invalid_secret",
            Error::Config(_) => "invalid_config",
            Error::TimeBeforeEpoch { .. } => "time_before_epoch",
            Error::Uri(_) => "invalid_otpauth_uri",
            Error::BackupCodeUsed => "backup_code_used",
            Error::MalformedBackupCode(_) => "malformed_backup_code",
            Error::CodeExpired { .. } => "code_expired",
            Error::TooManyAttempts { .. } => "too_many_attempts",
            Error::CodeConsumed => "code_consumed",
            Error::ResendCooldown { .. } => "resend_cooldown",
            Error::MaxResendLimit => "max_resend_limit",
            Error::ServerKeyMismatch { .. } => "server_key_mismatch",
            Error::UnsupportedSchema { .. } => "unsupported_schema",
            Error::RngFailure => "rng_failure",
        }
    }

    /// Whether this error is an answer to something the end user typed (a wrong,
    /// reused or malformed code), as opposed to a caller bug or bad stored data.
    #[must_use]
    pub const fn is_user_error(&self) -> bool {
        matches!(
            self,
            Error::InvalidCode
                | Error::CodeReused { .. }
                | Error::MalformedCode(_)
                | Error::BackupCodeUsed
                | Error::MalformedBackupCode(_)
                | Error::CodeExpired { .. }
                | Error::TooManyAttempts { .. }
                | Error::CodeConsumed
                | Error::ResendCooldown { .. }
                | Error::MaxResendLimit
        )
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidCode => f.write_str("the code is not valid"),
            Error::CodeReused { step } => {
                write!(f, "the code for step {step} was already used")
            }
            Error::MalformedCode(e) => write!(f, "malformed code: {e}"),
            Error::Secret(e) => write!(f, "invalid secret: {e}"),
            Error::Config(e) => write!(f, "invalid configuration: {e}"),
            Error::TimeBeforeEpoch { now, t0 } => {
                write!(f, "time {now} is before the configured T0 {t0}")
            }
            Error::Uri(e) => write!(f, "invalid otpauth URI: {e}"),
            Error::BackupCodeUsed => f.write_str("this backup code was already used"),
            Error::MalformedBackupCode(e) => write!(f, "malformed backup code: {e}"),
            Error::CodeExpired { expired_at } => write!(f, "the code expired at {expired_at}"),
            Error::TooManyAttempts { retry_at: Some(t) } => {
                write!(f, "too many attempts; try again at {t}")
            }
            Error::TooManyAttempts { retry_at: None } => {
                f.write_str("too many attempts; request a new code")
            }
            Error::CodeConsumed => f.write_str("the code was already used"),
            Error::ResendCooldown { retry_after } => {
                write!(f, "wait {retry_after} s before asking for another code")
            }
            Error::MaxResendLimit => f.write_str("no more resends are allowed for this code"),
            Error::ServerKeyMismatch { stored, given } => {
                write!(
                    f,
                    "record hashed under server key {stored}, key {given} given"
                )
            }
            Error::UnsupportedSchema { version } => {
                write!(f, "unsupported stored schema version {version}")
            }
            Error::RngFailure => f.write_str("the random number generator is broken"),
        }
    }
}

impl core::error::Error for Error {}

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

impl From<SecretError> for Error {
    fn from(e: SecretError) -> Self {
        Error::Secret(e)
    }
}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Self {
        Error::Config(e)
    }
}

impl From<UriError> for Error {
    fn from(e: UriError) -> Self {
        Error::Uri(e)
    }
}

impl From<BackupCodeFormatError> for Error {
    fn from(e: BackupCodeFormatError) -> Self {
        Error::MalformedBackupCode(e)
    }
}

impl From<CodeFormatError> for Error {
    fn from(e: CodeFormatError) -> Self {
        Error::MalformedCode(e)
    }
}
