//! The one error type of the crate, and its machine-readable codes.
//!
//! ```
//! use mfa_core::error::Error;
//!
//! /// The HTTP status to answer with (the crate README has the whole table).
//! fn status(error: &Error, signing_in: bool) -> u16 {
//!     match error {
//!         Error::TooManyAttempts { .. }
//!         | Error::ResendCooldown { .. }
//!         | Error::TooManyCodesSent { .. } => 429, // Retry-After: the error's retry_at
//!         Error::MfaLocked => 423,
//!         Error::ChallengeInvalid => 404,
//!         Error::MfaAlreadyEnabled { .. } | Error::StepUpComplete => 409,
//!         Error::StepUpRequired => 403,
//!         Error::InvalidCode | Error::CodeReused { .. } | Error::BackupCodeUsed if signing_in => 401,
//!         e if e.is_user_error() => 400,
//!         _ => 500, // a caller bug or bad stored data: log it
//!     }
//! }
//!
//! fn main() {
//!     let error = Error::InvalidCode;
//!     assert_eq!((status(&error, true), error.code()), (401, "invalid_code"));
//!     assert_eq!(status(&Error::RngFailure, false), 500);
//! }
//! ```
//!
//! Errors fall in two families, kept apart on purpose:
//!
//! - **what the user did**: a wrong code ([`Error::InvalidCode`]), a code that was
//!   already used ([`Error::CodeReused`]), text that is not a code at all
//!   ([`Error::MalformedCode`]). A server answers these to the user.
//! - **what the caller (or stored data) got wrong**: a bad secret, a configuration out
//!   of range, a clock before the epoch, an `otpauth://` URI that does not parse or
//!   does not fit in a QR code. These are bugs or bad records; a server logs them and
//!   answers with a generic failure.
//!
//! No variant holds a string or any secret material, so an `Error` is safe to log.

use core::fmt;

mod detail;

pub use detail::{
    BackupCodeFormatError, CodeFormatError, ConfigError, PolicyField, RecordError, SecretError,
    UriError, UriParameter,
};

use crate::method::{Method, Purpose};

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
    /// The `otpauth://` URI holds more bytes than the largest QR code can carry at
    /// the error correction used (`KeyUri::to_qr_svg`, feature `qr`). Only a long
    /// issuer or account name can make it so: cap their lengths where they are
    /// chosen.
    UriTooLongForQr {
        /// The URI's length, bytes.
        len: usize,
        /// The most a QR code carries, bytes.
        max: usize,
    },
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
    /// A delay or lockout runs after wrong codes: no code is looked at until
    /// `retry_at`. Waiting helps; a new challenge does not.
    TooManyAttempts {
        /// When a code will be looked at again, Unix seconds.
        retry_at: u64,
    },
    /// This code or challenge took its last wrong attempt and is dead: start a new
    /// one (send a new code, begin the flow again). Waiting does not help.
    AttemptsExhausted,
    /// The account's second factor is hard-locked: it reached the policy's most
    /// consecutive failures ([`ThrottlePolicy::max_failures`]). No code of any kind
    /// is looked at and no challenge begins until a privileged recovery
    /// ([`Mfa::unlock`] or [`Mfa::reset_factors`]). Waiting does not help.
    ///
    /// [`ThrottlePolicy::max_failures`]: crate::account::ThrottlePolicy::max_failures
    /// [`Mfa::unlock`]: crate::account::Mfa::unlock
    /// [`Mfa::reset_factors`]: crate::account::Mfa::reset_factors
    MfaLocked,
    /// The one-time code was already used successfully; it cannot be used again.
    CodeConsumed,
    /// A resend came sooner than the cooldown allows.
    ResendCooldown {
        /// When a resend is allowed, Unix seconds.
        retry_at: u64,
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
    /// A sealed value in a stored record does not open under the key it names: it
    /// was tampered with, moved to another field or another user's record, or sealed
    /// under another key that had the same id. Nothing was changed.
    SealedValueInvalid,
    /// A stored account record holds something the state machine never writes
    /// (see [`RecordError`]): it was damaged or edited. Nothing was changed.
    CorruptRecord(RecordError),
    /// A stored record carries a schema version this build does not know.
    UnsupportedSchema {
        /// The version found.
        version: u32,
    },
    /// The caller's random number generator produced output a CSPRNG essentially
    /// never does (e.g. 64 rejected samples in a row): it is broken.
    RngFailure,
    /// The challenge token matches no challenge of this account: never issued, replaced
    /// by a newer challenge of the same purpose, wiped, or not a token at all.
    ChallengeInvalid,
    /// The challenge's lifetime is over; start a new one.
    ChallengeExpired {
        /// When it expired, Unix seconds.
        expired_at: u64,
    },
    /// The challenge already succeeded once; start a new one.
    ChallengeConsumed,
    /// The token belongs to a challenge of another purpose (a setup token sent to the
    /// login endpoint, say).
    WrongPurpose {
        /// The purpose the operation serves.
        expected: Purpose,
        /// The purpose the token was issued for.
        found: Purpose,
    },
    /// Setup of a method that is already enabled.
    MfaAlreadyEnabled {
        /// The method.
        method: Method,
    },
    /// The operation needs at least one enabled method, and the account has none.
    MfaNotEnabled,
    /// The email or SMS method named is not enabled on this account.
    MethodNotEnabled {
        /// The method.
        method: Method,
    },
    /// Text that names no method, or a method that cannot be used at this point (the
    /// factor of a setup being confirmed cannot be switched).
    InvalidMethod,
    /// The authenticator app was asked for, and the account has none configured.
    AuthenticatorNotConfigured,
    /// A resend was asked for a challenge whose current method is the authenticator
    /// app: only email and SMS codes are sent.
    ResendOnlyForOob,
    /// The account has been sent as many email / SMS codes as its hourly budget
    /// allows.
    TooManyCodesSent {
        /// When a code may be sent again, Unix seconds.
        retry_at: u64,
    },
    /// Adding a method while another is enabled needs a fresh code from an enabled
    /// method first ([`Mfa::verify_step_up`](crate::account::Mfa::verify_step_up)).
    StepUpRequired,
    /// The enrolment's step-up is already done: confirm the new method with its code
    /// ([`Mfa::confirm_setup`](crate::account::Mfa::confirm_setup)). The token still
    /// works there.
    StepUpComplete,
    /// No email / SMS code was sent for this challenge yet (its delivery was
    /// withheld: see [`Prompt::withheld`](crate::account::Prompt::withheld)). Ask for
    /// one with [`Mfa::resend`](crate::account::Mfa::resend), switch to another
    /// method, or type a backup code. Not counted as a failure.
    NoCodeSent,
    /// An email address or phone number that cannot be a destination (empty, too
    /// long, no `@`, too few digits).
    InvalidDestination,
}

impl Error {
    /// A stable, machine-readable name for this error, for API bodies and metrics.
    ///
    /// ```
    /// assert_eq!(mfa_core::error::Error::InvalidCode.code(), "invalid_code");
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
            Error::UriTooLongForQr { .. } => "uri_too_long_for_qr",
            Error::BackupCodeUsed => "backup_code_used",
            Error::MalformedBackupCode(_) => "malformed_backup_code",
            Error::CodeExpired { .. } => "code_expired",
            Error::TooManyAttempts { .. } => "too_many_attempts",
            Error::AttemptsExhausted => "attempts_exhausted",
            Error::MfaLocked => "mfa_locked",
            Error::CodeConsumed => "code_consumed",
            Error::ResendCooldown { .. } => "resend_cooldown",
            Error::MaxResendLimit => "max_resend_limit",
            Error::ServerKeyMismatch { .. } => "server_key_mismatch",
            Error::UnsupportedSchema { .. } => "unsupported_schema",
            Error::CorruptRecord(_) => "corrupt_record",
            Error::SealedValueInvalid => "sealed_value_invalid",
            Error::RngFailure => "rng_failure",
            Error::ChallengeInvalid => "mfa_token_invalid",
            Error::ChallengeExpired { .. } => "mfa_token_expired",
            Error::ChallengeConsumed => "mfa_token_consumed",
            Error::WrongPurpose { .. } => "mfa_wrong_purpose",
            Error::MfaAlreadyEnabled { .. } => "mfa_already_enabled",
            Error::MfaNotEnabled => "mfa_not_enabled",
            Error::MethodNotEnabled { .. } => "mfa_method_not_enabled",
            Error::InvalidMethod => "invalid_mfa_method",
            Error::AuthenticatorNotConfigured => "authenticator_not_configured",
            Error::ResendOnlyForOob => "resend_only_for_oob",
            Error::TooManyCodesSent { .. } => "too_many_codes_sent",
            Error::StepUpRequired => "step_up_required",
            Error::StepUpComplete => "step_up_complete",
            Error::NoCodeSent => "no_code_sent",
            Error::InvalidDestination => "invalid_destination",
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
                | Error::AttemptsExhausted
                | Error::MfaLocked
                | Error::CodeConsumed
                | Error::ResendCooldown { .. }
                | Error::MaxResendLimit
                | Error::ChallengeInvalid
                | Error::ChallengeExpired { .. }
                | Error::ChallengeConsumed
                | Error::WrongPurpose { .. }
                | Error::MfaAlreadyEnabled { .. }
                | Error::MfaNotEnabled
                | Error::MethodNotEnabled { .. }
                | Error::InvalidMethod
                | Error::AuthenticatorNotConfigured
                | Error::ResendOnlyForOob
                | Error::TooManyCodesSent { .. }
                | Error::StepUpRequired
                | Error::StepUpComplete
                | Error::NoCodeSent
                | Error::InvalidDestination
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
            Error::UriTooLongForQr { len, max } => write!(
                f,
                "the otpauth URI is {len} bytes, more than the {max} a QR code carries"
            ),
            Error::BackupCodeUsed => f.write_str("this backup code was already used"),
            Error::MalformedBackupCode(e) => write!(f, "malformed backup code: {e}"),
            Error::CodeExpired { expired_at } => write!(f, "the code expired at {expired_at}"),
            Error::TooManyAttempts { retry_at } => {
                write!(f, "too many attempts; try again at {retry_at}")
            }
            Error::AttemptsExhausted => {
                f.write_str("no attempts left for this code; start again for a new one")
            }
            Error::MfaLocked => f.write_str(
                "too many failed attempts: the second factor is locked until support restores it",
            ),
            Error::CodeConsumed => f.write_str("the code was already used"),
            Error::ResendCooldown { retry_at } => {
                write!(f, "another code can be sent at {retry_at}")
            }
            Error::MaxResendLimit => f.write_str("no more resends are allowed for this code"),
            Error::ServerKeyMismatch { stored, given } => {
                write!(
                    f,
                    "record hashed under server key {stored}, key {given} given"
                )
            }
            Error::CorruptRecord(e) => write!(f, "corrupt account record: {e}"),
            Error::SealedValueInvalid => f.write_str("a sealed value in the record does not open"),
            Error::UnsupportedSchema { version } => {
                write!(f, "unsupported stored schema version {version}")
            }
            Error::RngFailure => f.write_str("the random number generator is broken"),
            Error::ChallengeInvalid => f.write_str("the MFA token is not valid"),
            Error::ChallengeExpired { expired_at } => {
                write!(f, "the MFA token expired at {expired_at}")
            }
            Error::ChallengeConsumed => f.write_str("the MFA token was already used"),
            Error::WrongPurpose { expected, found } => {
                write!(
                    f,
                    "a {found} token was given where a {expected} token is needed"
                )
            }
            Error::MfaAlreadyEnabled { method } => write!(f, "{method} MFA is already enabled"),
            Error::MfaNotEnabled => f.write_str("MFA is not enabled"),
            Error::MethodNotEnabled { method } => write!(f, "{method} MFA is not enabled"),
            Error::InvalidMethod => f.write_str("not an MFA method usable here"),
            Error::AuthenticatorNotConfigured => f.write_str("no authenticator app is configured"),
            Error::ResendOnlyForOob => f.write_str("only email and SMS codes can be resent"),
            Error::TooManyCodesSent { retry_at } => {
                write!(f, "too many codes sent; try again at {retry_at}")
            }
            Error::StepUpRequired => f.write_str("verify an enabled method before adding another"),
            Error::StepUpComplete => {
                f.write_str("the step-up is done; confirm the new method with its code")
            }
            Error::NoCodeSent => f.write_str(
                "no code was sent for this challenge; ask for one, switch method or use a backup code",
            ),
            Error::InvalidDestination => f.write_str("not a usable email address or phone number"),
        }
    }
}

impl core::error::Error for Error {}

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

impl From<RecordError> for Error {
    fn from(e: RecordError) -> Self {
        Error::CorruptRecord(e)
    }
}

impl From<CodeFormatError> for Error {
    fn from(e: CodeFormatError) -> Self {
        Error::MalformedCode(e)
    }
}
