//! How out-of-band codes are shaped and limited.

use crate::error::{ConfigError, PolicyField};
use crate::otp::Digits;

/// The fewest digits an out-of-band code may have.
pub const MIN_OOB_DIGITS: u8 = 6;
/// The most digits an out-of-band code may have.
pub const MAX_OOB_DIGITS: u8 = 10;
/// The longest lifetime of one code, seconds (one day).
pub const MAX_OOB_LIFETIME: u64 = 86_400;
/// The most verification attempts per challenge.
pub const MAX_OOB_ATTEMPTS: u8 = 100;
/// The most resends per challenge.
pub const MAX_OOB_RESENDS: u8 = 100;

/// The shape and limits of out-of-band (email / SMS) codes.
///
/// | setting | default | allowed |
/// |---|---|---|
/// | digits | 6 | 6 to 10 |
/// | lifetime of one code | 600 s | 1 to 86,400 s |
/// | wrong codes per challenge | 5 | 1 to 100 |
/// | resend cooldown | 60 s | any (0 = none) |
/// | resends per challenge | 3 | 0 to 100 |
///
/// A 6-digit code with 5 attempts gives a guesser a 5 in 10^6 chance per challenge;
/// the account layer must also throttle how many challenges it starts, since each
/// new challenge brings fresh attempts. The values a challenge needs later are copied
/// into it at [`issue`](super::OobChallenge::issue), so changing the policy never
/// alters challenges already in flight.
///
/// ```
/// use mfa_core::oob::OobPolicy;
/// let policy = OobPolicy::default().with_digits(8)?.with_max_resends(0)?;
/// assert_eq!((policy.digits(), policy.lifetime(), policy.max_attempts()), (8, 600, 5));
/// assert_eq!((policy.resend_cooldown(), policy.max_resends()), (60, 0));
/// assert!(OobPolicy::default().with_lifetime(0).is_err());
/// # Ok::<(), mfa_core::error::ConfigError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OobPolicy {
    digits: u8,
    lifetime: u64,
    max_attempts: u8,
    resend_cooldown: u64,
    max_resends: u8,
}

impl Default for OobPolicy {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl OobPolicy {
    /// 6 digits, 10 minutes, 5 attempts, 60 s between sends, 3 resends.
    pub const DEFAULT: Self = OobPolicy {
        digits: 6,
        lifetime: 600,
        max_attempts: 5,
        resend_cooldown: 60,
        max_resends: 3,
    };

    /// A policy with every value given.
    ///
    /// # Errors
    /// [`ConfigError::Policy`] naming the first value out of range:
    /// [`PolicyField::OobDigits`] outside 6 to 10, [`PolicyField::OobLifetime`]
    /// outside 1 to 86,400 s, [`PolicyField::OobAttempts`] outside 1 to 100,
    /// [`PolicyField::OobResends`] above 100. Any cooldown is accepted.
    pub const fn new(
        digits: u8,
        lifetime: u64,
        max_attempts: u8,
        resend_cooldown: u64,
        max_resends: u8,
    ) -> Result<Self, ConfigError> {
        // The same digit rule as OTP codes, kept in one place.
        if Digits::new(digits).is_err() {
            return Err(ConfigError::Policy(PolicyField::OobDigits));
        }
        if lifetime == 0 || lifetime > MAX_OOB_LIFETIME {
            return Err(ConfigError::Policy(PolicyField::OobLifetime));
        }
        if max_attempts == 0 || max_attempts > MAX_OOB_ATTEMPTS {
            return Err(ConfigError::Policy(PolicyField::OobAttempts));
        }
        if max_resends > MAX_OOB_RESENDS {
            return Err(ConfigError::Policy(PolicyField::OobResends));
        }
        Ok(OobPolicy {
            digits,
            lifetime,
            max_attempts,
            resend_cooldown,
            max_resends,
        })
    }

    /// The same policy with codes of `digits` digits.
    ///
    /// # Errors
    /// As [`new`](Self::new).
    pub const fn with_digits(self, digits: u8) -> Result<Self, ConfigError> {
        let p = self;
        Self::new(
            digits,
            p.lifetime,
            p.max_attempts,
            p.resend_cooldown,
            p.max_resends,
        )
    }

    /// The same policy with codes valid for `seconds` after each send.
    ///
    /// # Errors
    /// As [`new`](Self::new).
    pub const fn with_lifetime(self, seconds: u64) -> Result<Self, ConfigError> {
        let p = self;
        Self::new(
            p.digits,
            seconds,
            p.max_attempts,
            p.resend_cooldown,
            p.max_resends,
        )
    }

    /// The same policy allowing `attempts` wrong codes per challenge.
    ///
    /// # Errors
    /// As [`new`](Self::new).
    pub const fn with_max_attempts(self, attempts: u8) -> Result<Self, ConfigError> {
        let p = self;
        Self::new(
            p.digits,
            p.lifetime,
            attempts,
            p.resend_cooldown,
            p.max_resends,
        )
    }

    /// The same policy with `seconds` between two sends of a challenge.
    ///
    /// # Errors
    /// As [`new`](Self::new) (never, today: every cooldown is accepted).
    pub const fn with_resend_cooldown(self, seconds: u64) -> Result<Self, ConfigError> {
        let p = self;
        Self::new(p.digits, p.lifetime, p.max_attempts, seconds, p.max_resends)
    }

    /// The same policy allowing `resends` resends per challenge.
    ///
    /// # Errors
    /// As [`new`](Self::new).
    pub const fn with_max_resends(self, resends: u8) -> Result<Self, ConfigError> {
        let p = self;
        Self::new(
            p.digits,
            p.lifetime,
            p.max_attempts,
            p.resend_cooldown,
            resends,
        )
    }

    /// Digits per code.
    #[must_use]
    pub const fn digits(&self) -> u8 {
        self.digits
    }

    /// Seconds a code stays valid after it is sent.
    #[must_use]
    pub const fn lifetime(&self) -> u64 {
        self.lifetime
    }

    /// Wrong codes a challenge accepts before it is dead, counted across resends.
    #[must_use]
    pub const fn max_attempts(&self) -> u8 {
        self.max_attempts
    }

    /// Seconds between two sends of a challenge.
    #[must_use]
    pub const fn resend_cooldown(&self) -> u64 {
        self.resend_cooldown
    }

    /// Resends a challenge allows after its first send.
    #[must_use]
    pub const fn max_resends(&self) -> u8 {
        self.max_resends
    }
}
