//! The account record the caller persists: enabled methods, backup codes, throttling
//! state, live challenges and the version that orders every change.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use super::challenge::Challenge;
use super::device::RememberedDevice;
use super::throttle::{SendBudget, Throttle};
use super::vault::Vault;
use crate::backup::BackupCodeSet;
use crate::error::Error;
use crate::method::Method;
use crate::otp::TotpConfig;
use crate::seal::RecordId;
use crate::secret::Secret;

/// The latest time a stored record may carry, Unix seconds (9999-12-31T23:59:59Z).
/// The library writes times from the `now` you pass plus at most a few hours, so
/// loading refuses anything later as an edit: a `last_step`, a lockout or a send
/// window set to the end of time would lock a user out for good.
pub const MAX_STORED_TIME: u64 = 253_402_300_799;

/// An enabled authenticator app: its secret and the last time step it accepted.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct AuthenticatorMethod {
    pub(crate) secret: Vault<Secret>,
    pub(crate) config: TotpConfig,
    pub(crate) enabled_at: u64,
    /// The replay guard: steps at or before it are refused, across login, setup
    /// confirmation and every other challenge.
    pub(crate) last_step: Option<u64>,
}

/// An enabled email or SMS method: where codes go.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct OobMethod {
    pub(crate) to: Vault<String>,
    pub(crate) enabled_at: u64,
}

/// One user's second-factor state, as you persist it (one record per user, e.g. a
/// JSON column beside a `version` column).
///
/// It holds the enabled methods (the authenticator secret, the email address and
/// phone number codes go to), the backup-code set (keyed hashes only), the
/// authenticator's last accepted time step, the failure count and lockout clock, the
/// live challenges (token hashes only) and a **version** that increases with every
/// change.
///
/// You never change it directly: the operations of [`Mfa`](super::Mfa) do, and each
/// returns a [`Change`](super::Change) that makes you store the record before you
/// learn the outcome. Load → operate → store (compare-and-swap on
/// [`version`](Self::version)) → answer.
///
/// `Debug` shows the methods and counters, never a secret or a destination in full.
/// With the `serde` feature it serialises as schema version 2, its secrets and
/// addresses sealed under the server key (see the README); loading refuses other
/// versions and records the state machine could not have produced.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Account {
    pub(crate) version: u64,
    /// The record's random id, bound into every sealed value (none until the first
    /// value is sealed: a record of schema version 1).
    pub(crate) id: Option<RecordId>,
    pub(crate) default_method: Option<Method>,
    pub(crate) authenticator: Option<AuthenticatorMethod>,
    pub(crate) email: Option<OobMethod>,
    pub(crate) sms: Option<OobMethod>,
    pub(crate) backup_codes: Option<BackupCodeSet>,
    pub(crate) throttle: Throttle,
    pub(crate) sends: SendBudget,
    pub(crate) challenges: Vec<Challenge>,
    /// Devices that skip the second factor until they expire or are revoked.
    pub(crate) devices: Vec<RememberedDevice>,
    /// Set by every mutation during an operation; turned into one version step at
    /// its end. Never stored.
    pub(crate) dirty: bool,
}

impl Account {
    /// The schema version a stored record carries as `"v"` once its secrets are
    /// sealed (feature `serde`).
    pub const SCHEMA_VERSION: u32 = 2;

    /// The oldest schema version still read: 1, from before secrets were sealed. A
    /// record of it is written back as it was until its next change seals it.
    /// Loading refuses any version outside `OLDEST_SCHEMA_VERSION..=SCHEMA_VERSION`.
    pub const OLDEST_SCHEMA_VERSION: u32 = 1;

    /// A record with no method enabled: what a user without MFA has. Store it (or
    /// create it lazily) at version 0.
    #[must_use]
    pub fn new() -> Self {
        Account::default()
    }

    /// The version: 0 for a new record, one more after every change.
    #[must_use]
    pub const fn version(&self) -> u64 {
        self.version
    }

    /// The enabled methods, in [`Method::ALL`] order.
    #[must_use]
    pub fn methods(&self) -> Vec<Method> {
        Method::ALL
            .into_iter()
            .filter(|&m| self.is_enabled(m))
            .collect()
    }

    /// Whether `method` is enabled.
    #[must_use]
    pub const fn is_enabled(&self, method: Method) -> bool {
        match method {
            Method::Authenticator => self.authenticator.is_some(),
            Method::Email => self.email.is_some(),
            Method::Sms => self.sms.is_some(),
        }
    }

    /// Whether any method is enabled: whether sign-in asks for a second factor.
    #[must_use]
    pub const fn mfa_enabled(&self) -> bool {
        self.default_method.is_some()
    }

    /// The method sign-in starts with: the first one enabled, unless changed with
    /// [`Mfa::set_default_method`](super::Mfa::set_default_method).
    #[must_use]
    pub const fn default_method(&self) -> Option<Method> {
        self.default_method
    }

    /// When `method` was enabled (Unix seconds), if it is.
    #[must_use]
    pub fn enabled_at(&self, method: Method) -> Option<u64> {
        match method {
            Method::Authenticator => self.authenticator.as_ref().map(|a| a.enabled_at),
            Method::Email => self.email.as_ref().map(|m| m.enabled_at),
            Method::Sms => self.sms.as_ref().map(|m| m.enabled_at),
        }
    }

    /// The masked destination of an email or SMS method, once the record is open.
    pub(crate) fn hint(&self, method: Method) -> Option<String> {
        let channel = method.channel()?;
        let to = self.oob_method(method)?.to.plain().ok()?;
        Some(channel.mask(to))
    }

    /// Unused backup codes, if the account has a set.
    #[must_use]
    pub fn backup_codes_remaining(&self) -> Option<usize> {
        self.backup_codes.as_ref().map(BackupCodeSet::remaining)
    }

    /// Consecutive failures since the last success.
    #[must_use]
    pub const fn failures(&self) -> u32 {
        self.throttle.failures
    }

    /// When the next code will be looked at, if a delay or lockout runs at `now`.
    /// `None` also when the account is hard-locked (no code is looked at until a
    /// recovery): ask [`Mfa::lock_state`](super::Mfa::lock_state) for the whole
    /// picture.
    #[must_use]
    pub const fn retry_at(&self, now: u64) -> Option<u64> {
        if now < self.throttle.wait_until {
            Some(self.throttle.wait_until)
        } else {
            None
        }
    }

    /// The lookup keys of the live challenges (see
    /// [`ChallengeToken::lookup_key`](super::ChallengeToken::lookup_key)): the rows a
    /// `challenge_key → user` index should hold for this user.
    pub fn challenge_keys(&self) -> impl Iterator<Item = String> + '_ {
        self.challenges.iter().map(|c| crate::hex::encode(&c.id))
    }

    /// The ids of the server keys this record still needs: those its secrets are
    /// sealed under, its backup-code set's, and those of the email/SMS codes that
    /// can still be checked. Sorted, each once. A key may leave the
    /// [`ServerKeys`](crate::ServerKeys) ring only when no record needs it: a
    /// record naming a key the ring lacks cannot be opened at all. The next change
    /// that draws randomness (any `begin_*`) re-seals a record under the current
    /// key, a resend moves its code there, and regenerating moves its backup codes.
    #[must_use]
    pub fn key_ids(&self) -> Vec<u32> {
        let mut ids: Vec<u32> = self
            .backup_codes
            .as_ref()
            .map(BackupCodeSet::key_id)
            .into_iter()
            .chain(self.challenges.iter().filter_map(Challenge::key_id))
            .chain(self.devices.iter().map(|d| d.key_id))
            .chain(self.sealed_forms().flatten().map(|s| s.key_id))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    pub(crate) fn touch(&mut self) {
        self.dirty = true;
    }

    /// Ends an operation: one version step if anything changed.
    pub(crate) fn commit(&mut self) {
        if self.dirty {
            self.version = self.version.saturating_add(1);
            self.dirty = false;
        }
    }

    /// Where codes of the enabled email / SMS `method` go.
    pub(crate) fn destination(&self, method: Method) -> Result<String, Error> {
        let oob = self
            .oob_method(method)
            .ok_or(Error::MethodNotEnabled { method })?;
        oob.to.plain().cloned()
    }

    pub(crate) fn oob_method(&self, method: Method) -> Option<&OobMethod> {
        match method {
            Method::Authenticator => None,
            Method::Email => self.email.as_ref(),
            Method::Sms => self.sms.as_ref(),
        }
    }

    /// Turns `method` off; the default moves to the first method left, and turning
    /// off the last one wipes everything secret.
    pub(crate) fn remove_method(&mut self, method: Method) {
        match method {
            Method::Authenticator => self.authenticator = None,
            Method::Email => self.email = None,
            Method::Sms => self.sms = None,
        }
        if self.default_method == Some(method) {
            self.default_method = self.methods().first().copied();
        }
        if self.default_method.is_none() {
            self.backup_codes = None;
            self.challenges.clear();
        }
        self.touch();
    }
}

/// Methods, counters and challenge count; never a secret, a hash or a full
/// destination.
impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Account")
            .field("version", &self.version)
            .field("methods", &self.methods())
            .field("default_method", &self.default_method)
            .field("backup_codes_remaining", &self.backup_codes_remaining())
            .field("failures", &self.throttle.failures)
            .field("wait_until", &self.throttle.wait_until)
            .field("challenges", &self.challenges.len())
            .field("devices", &self.devices.len())
            .finish_non_exhaustive()
    }
}
