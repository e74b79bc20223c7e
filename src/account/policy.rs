//! The settings of the account state machine: what new methods look like, how long
//! challenges live, how failures are throttled.

use alloc::string::String;

use crate::backup::BackupCodePolicy;
use crate::error::{ConfigError, PolicyField};
use crate::oob::OobPolicy;
use crate::otp::TotpConfig;

/// The most consecutive failures a [`ThrottlePolicy`] may allow before lockout: NIST
/// SP 800-63B-4 §3.2.2 ("no more than 100"), RFC 4226 §7.3.
pub const MAX_LOCKOUT_AFTER: u8 = 100;

/// The most consecutive failures a [`ThrottlePolicy`] may allow in total before the
/// hard lock: NIST SP 800-63B-4 §3.2.2 ("no more than 100 consecutive failed
/// attempts on a single subscriber account").
pub const MAX_FAILURES: u8 = 100;

/// How an account answers a run of wrong codes. Failures are counted per account,
/// across every method and challenge, and reset only by a success.
///
/// | setting | default | allowed |
/// |---|---|---|
/// | failures before any delay | 3 | 0 to 254, below `lockout_after` |
/// | first delay | 30 s | 1 s or more |
/// | longest delay (each failure doubles it) | 900 s | at least the first delay |
/// | failures that lock the account | 10 | 1 to [`MAX_LOCKOUT_AFTER`] |
/// | lockout | 3,600 s | 1 s or more |
/// | failures that hard-lock the account | 100 | 1 to [`MAX_FAILURES`] |
///
/// After `free_failures` failures, each wrong code makes the next attempt wait
/// `first_delay · 2^k`, capped at `max_delay`. At `lockout_after` consecutive failures
/// the account is locked for `lockout`; when that ends the count is **not** reset, so
/// each further failure locks it again at once. With the defaults a guesser gets 10
/// codes in about 30 minutes (3 at once, then waits of 30, 60, 120, 240, 480 and
/// 900 s), then one per hour.
///
/// **The budget ends.** At `max_failures` consecutive failures the account's second
/// factor is *hard-locked*: no code of any kind is looked at, no challenge begins and
/// nothing is sent, whatever the clock says, until a privileged recovery
/// ([`Mfa::unlock`](super::Mfa::unlock) or
/// [`Mfa::reset_factors`](super::Mfa::reset_factors)). So over any length of time at
/// most `max_failures` wrong codes in a row are ever evaluated against one account:
/// with the defaults, about 3 days of patient guessing, then nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ThrottlePolicy {
    free_failures: u8,
    first_delay: u64,
    max_delay: u64,
    lockout_after: u8,
    lockout: u64,
    max_failures: u8,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl ThrottlePolicy {
    /// 3 free failures, delays from 30 s doubling to 900 s, lockout for an hour at 10,
    /// hard lock at 100.
    pub const DEFAULT: Self = ThrottlePolicy {
        free_failures: 3,
        first_delay: 30,
        max_delay: 900,
        lockout_after: 10,
        lockout: 3_600,
        max_failures: MAX_FAILURES,
    };

    /// A policy with these delays and lockout, and the hard lock at
    /// [`MAX_FAILURES`] (change it with [`with_max_failures`](Self::with_max_failures)).
    ///
    /// # Errors
    /// [`ConfigError::Policy`] with [`PolicyField::Throttle`] when `lockout_after` is
    /// 0 or above [`MAX_LOCKOUT_AFTER`], `free_failures` is not below it, a delay or
    /// the lockout is 0, or `max_delay < first_delay`.
    pub const fn new(
        free_failures: u8,
        first_delay: u64,
        max_delay: u64,
        lockout_after: u8,
        lockout: u64,
    ) -> Result<Self, ConfigError> {
        if lockout_after == 0
            || lockout_after > MAX_LOCKOUT_AFTER
            || free_failures >= lockout_after
            || first_delay == 0
            || max_delay < first_delay
            || lockout == 0
        {
            return Err(ConfigError::Policy(PolicyField::Throttle));
        }
        Ok(ThrottlePolicy {
            free_failures,
            first_delay,
            max_delay,
            lockout_after,
            lockout,
            max_failures: MAX_FAILURES,
        })
    }

    /// The same policy, hard-locking the account at `max_failures` consecutive
    /// failures. Below `lockout_after` the hard lock comes first and the hourly
    /// lockout never happens.
    ///
    /// Whether an account is hard-locked is read from its failure count under the
    /// policy in force: lowering the limit hard-locks accounts already at or past it,
    /// and raising it releases them.
    ///
    /// # Errors
    /// [`ConfigError::Policy`] with [`PolicyField::Throttle`] for 0 or above
    /// [`MAX_FAILURES`].
    pub const fn with_max_failures(mut self, max_failures: u8) -> Result<Self, ConfigError> {
        if max_failures == 0 || max_failures > MAX_FAILURES {
            return Err(ConfigError::Policy(PolicyField::Throttle));
        }
        self.max_failures = max_failures;
        Ok(self)
    }

    /// Consecutive failures answered without delay.
    #[must_use]
    pub const fn free_failures(&self) -> u8 {
        self.free_failures
    }

    /// The first delay, seconds.
    #[must_use]
    pub const fn first_delay(&self) -> u64 {
        self.first_delay
    }

    /// The longest delay, seconds.
    #[must_use]
    pub const fn max_delay(&self) -> u64 {
        self.max_delay
    }

    /// Consecutive failures that lock the account.
    #[must_use]
    pub const fn lockout_after(&self) -> u8 {
        self.lockout_after
    }

    /// How long a lockout lasts, seconds.
    #[must_use]
    pub const fn lockout(&self) -> u64 {
        self.lockout
    }

    /// Consecutive failures that hard-lock the account until recovery.
    #[must_use]
    pub const fn max_failures(&self) -> u8 {
        self.max_failures
    }

    /// The wait imposed after the `failures`-th consecutive failure (below lockout).
    pub(crate) fn delay_after(&self, failures: u32) -> u64 {
        let Some(over) = failures.checked_sub(u32::from(self.free_failures)) else {
            return 0;
        };
        if over == 0 {
            return 0;
        }
        let doublings = over.saturating_sub(1).min(63);
        self.first_delay
            .saturating_mul(1u64 << doublings)
            .min(self.max_delay)
    }
}

/// Everything the account state machine needs besides the server key.
///
/// | setting | default |
/// |---|---|
/// | issuer shown in authenticator apps | none |
/// | new authenticator secrets | [`TotpConfig::default`] (SHA-1, 6 digits, 30 s, ±1 step) |
/// | email / SMS codes | [`OobPolicy::default`] (6 digits, 10 min, 5 attempts, 60 s cooldown, 3 resends) |
/// | backup codes | [`BackupCodePolicy::default`] (10 codes of 80 bits) |
/// | throttling | [`ThrottlePolicy::default`] |
/// | challenge lifetime | 600 s |
/// | wrong codes per challenge | 5 |
/// | email / SMS codes sent per account per hour | 10 |
/// | "running low" on backup codes at | 3 left |
/// | a remembered device skips the second factor for | 30 days |
/// | devices remembered per account | 5 (the oldest is forgotten for a sixth) |
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MfaPolicy {
    pub(crate) issuer: Option<String>,
    pub(crate) totp: TotpConfig,
    pub(crate) oob: OobPolicy,
    pub(crate) backup: BackupCodePolicy,
    pub(crate) throttle: ThrottlePolicy,
    pub(crate) challenge_lifetime: u64,
    pub(crate) challenge_attempts: u8,
    pub(crate) codes_per_hour: u8,
    pub(crate) backup_low_at: u8,
    pub(crate) remember_for: u64,
    pub(crate) max_devices: u8,
}

impl Default for MfaPolicy {
    fn default() -> Self {
        MfaPolicy {
            issuer: None,
            totp: TotpConfig::default(),
            oob: OobPolicy::DEFAULT,
            backup: BackupCodePolicy::default(),
            throttle: ThrottlePolicy::DEFAULT,
            challenge_lifetime: 600,
            challenge_attempts: 5,
            codes_per_hour: 10,
            backup_low_at: 3,
            remember_for: 30 * 86_400,
            max_devices: 5,
        }
    }
}

/// The longest a challenge may live, seconds (one hour).
pub const MAX_CHALLENGE_LIFETIME: u64 = 3_600;

/// The longest a device may be remembered, seconds (400 days).
pub const MAX_REMEMBER_FOR: u64 = 400 * 86_400;

/// The most devices an account may remember at once.
pub const MAX_REMEMBERED_DEVICES: u8 = 20;

impl MfaPolicy {
    /// The issuer name authenticator apps show beside the account (your product).
    #[must_use]
    pub fn with_issuer(mut self, issuer: &str) -> Self {
        self.issuer = Some(String::from(issuer));
        self
    }

    /// The configuration of new authenticator secrets. Methods already enabled keep
    /// the configuration they were enrolled with.
    #[must_use]
    pub fn with_totp(mut self, totp: TotpConfig) -> Self {
        self.totp = totp;
        self
    }

    /// The shape and limits of email / SMS codes.
    #[must_use]
    pub fn with_oob(mut self, oob: OobPolicy) -> Self {
        self.oob = oob;
        self
    }

    /// The shape of new backup-code sets.
    #[must_use]
    pub fn with_backup_codes(mut self, backup: BackupCodePolicy) -> Self {
        self.backup = backup;
        self
    }

    /// How failures are throttled.
    #[must_use]
    pub fn with_throttle(mut self, throttle: ThrottlePolicy) -> Self {
        self.throttle = throttle;
        self
    }

    /// How long a challenge lives, and how many wrong codes it takes.
    ///
    /// # Errors
    /// [`ConfigError::Policy`] with [`PolicyField::Challenge`] for a lifetime outside
    /// 1 to [`MAX_CHALLENGE_LIFETIME`] s or 0 attempts.
    pub fn with_challenges(mut self, lifetime: u64, attempts: u8) -> Result<Self, ConfigError> {
        if lifetime == 0 || lifetime > MAX_CHALLENGE_LIFETIME || attempts == 0 {
            return Err(ConfigError::Policy(PolicyField::Challenge));
        }
        self.challenge_lifetime = lifetime;
        self.challenge_attempts = attempts;
        Ok(self)
    }

    /// The most email / SMS codes one account is sent per hour, counting first sends,
    /// switches and resends: a cap on what an attacker holding the password can make
    /// you spend, and on how many fresh codes they can guess at.
    ///
    /// # Errors
    /// [`ConfigError::Policy`] with [`PolicyField::CodesPerHour`] for 0.
    pub fn with_codes_per_hour(mut self, codes: u8) -> Result<Self, ConfigError> {
        if codes == 0 {
            return Err(ConfigError::Policy(PolicyField::CodesPerHour));
        }
        self.codes_per_hour = codes;
        Ok(self)
    }

    /// How few unused backup codes count as "running low" in
    /// [`Event::BackupCodeUsed`](super::Event::BackupCodeUsed).
    #[must_use]
    pub fn with_backup_low_at(mut self, remaining: u8) -> Self {
        self.backup_low_at = remaining;
        self
    }

    /// How long a device remembered after a sign-in skips the second factor
    /// (`lifetime` seconds, counted from when it was remembered), and how many
    /// devices an account keeps (remembering one more forgets the oldest).
    ///
    /// # Errors
    /// [`ConfigError::Policy`] with [`PolicyField::RememberedDevices`] for a
    /// lifetime of 0 or above [`MAX_REMEMBER_FOR`], or a count of 0 or above
    /// [`MAX_REMEMBERED_DEVICES`].
    pub fn with_remembered_devices(mut self, lifetime: u64, max: u8) -> Result<Self, ConfigError> {
        if lifetime == 0 || lifetime > MAX_REMEMBER_FOR || max == 0 || max > MAX_REMEMBERED_DEVICES
        {
            return Err(ConfigError::Policy(PolicyField::RememberedDevices));
        }
        self.remember_for = lifetime;
        self.max_devices = max;
        Ok(self)
    }

    /// How long a remembered device skips the second factor, seconds.
    #[must_use]
    pub const fn remember_for(&self) -> u64 {
        self.remember_for
    }

    /// How many devices an account remembers at most.
    #[must_use]
    pub const fn max_devices(&self) -> u8 {
        self.max_devices
    }

    /// The issuer name, if set.
    #[must_use]
    pub fn issuer(&self) -> Option<&str> {
        self.issuer.as_deref()
    }

    /// The configuration of new authenticator secrets.
    #[must_use]
    pub const fn totp(&self) -> &TotpConfig {
        &self.totp
    }

    /// The email / SMS code policy.
    #[must_use]
    pub const fn oob(&self) -> &OobPolicy {
        &self.oob
    }

    /// The backup-code policy.
    #[must_use]
    pub const fn backup_codes(&self) -> &BackupCodePolicy {
        &self.backup
    }

    /// The throttling policy.
    #[must_use]
    pub const fn throttle(&self) -> &ThrottlePolicy {
        &self.throttle
    }

    /// Seconds a challenge lives.
    #[must_use]
    pub const fn challenge_lifetime(&self) -> u64 {
        self.challenge_lifetime
    }

    /// Wrong codes a challenge takes before it is dead.
    #[must_use]
    pub const fn challenge_attempts(&self) -> u8 {
        self.challenge_attempts
    }

    /// Email / SMS codes per account per hour.
    #[must_use]
    pub const fn codes_per_hour(&self) -> u8 {
        self.codes_per_hour
    }
}
