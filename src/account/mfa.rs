//! [`Mfa`]: the policy and server key every operation runs under, and what every
//! operation shares: opening the record's sealed values first, one version step and
//! the retiring of expired challenges last, the throttle's gates, the prompt.

use alloc::vec::Vec;

use rand_core::CryptoRng;

use super::change::{Change, Outcome};
use super::event::Event;
use super::policy::MfaPolicy;
use super::prompt::{Delivery, Prompt, Withheld};
use super::record::Account;
use super::throttle::LockState;
use crate::error::Error;
use crate::method::Method;
use crate::server_keys::ServerKeys;

/// The account state machine, configured: a [`MfaPolicy`] and the [`ServerKeys`] that
/// code hashes are made under (one key, or a ring of them while you rotate). Build
/// one at start-up and share it; it holds no per-user state. Every operation takes
/// the user's [`Account`], `now` (Unix seconds) and, when it draws a secret, a code
/// or a token, the caller's CSPRNG, and returns a [`Change`] to persist.
///
/// The flows, each a `begin_*` that returns what to show or send and a `verify_*` /
/// `confirm_*` that takes the token back with the user's code:
///
/// | flow | begin | then |
/// |---|---|---|
/// | enrol a method | [`begin_setup`](Self::begin_setup) | [`verify_step_up`](Self::verify_step_up) (only when a method is already enabled), [`confirm_setup`](Self::confirm_setup) |
/// | sign in | [`begin_login`](Self::begin_login) | [`verify_login`](Self::verify_login) |
/// | turn off | [`begin_disable`](Self::begin_disable) | [`verify_disable`](Self::verify_disable) |
/// | new backup codes | [`begin_regenerate`](Self::begin_regenerate) | [`verify_regenerate`](Self::verify_regenerate) |
///
/// and, on any challenge that verifies an enabled method,
/// [`switch_method`](Self::switch_method) and [`resend`](Self::resend).
///
/// For your support desk, two privileged operations restore a hard-locked user or
/// one who lost every factor, once you have proven who they are some other way:
/// [`unlock`](Self::unlock) and [`reset_factors`](Self::reset_factors).
/// [`lock_state`](Self::lock_state) tells you where an account's guessing budget
/// stands.
#[derive(Debug)]
pub struct Mfa {
    pub(crate) policy: MfaPolicy,
    pub(crate) keys: ServerKeys,
}

impl Mfa {
    /// The state machine under `policy`, hashing new codes under the current key of
    /// `keys` and checking stored ones under the key they name. Pass one
    /// [`ServerKey`](crate::ServerKey), or a [`ServerKeys`] ring while rotating.
    #[must_use]
    pub fn new(policy: MfaPolicy, keys: impl Into<ServerKeys>) -> Self {
        Mfa {
            policy,
            keys: keys.into(),
        }
    }

    /// The server keys.
    #[must_use]
    pub const fn keys(&self) -> &ServerKeys {
        &self.keys
    }

    /// The policy.
    #[must_use]
    pub const fn policy(&self) -> &MfaPolicy {
        &self.policy
    }

    /// Runs one operation that draws no randomness (it sends nothing and shows no
    /// address): the record's sealed secrets are opened first (a value that does not
    /// open fails the call and changes nothing),
    /// whatever the operation changed becomes one version step, and expired
    /// challenges become tombstones on the way out (their tokens keep answering
    /// "expired" until a new challenge of the purpose replaces them).
    pub(crate) fn run<'a, T>(
        &self,
        account: &'a mut Account,
        now: u64,
        op: impl FnOnce(&mut Account, &mut Vec<Event>) -> Result<T, Error>,
    ) -> Change<'a, T> {
        let loaded = account.version;
        account.dirty = false;
        let mut events = Vec::new();
        if let Err(error) = account.open(&self.keys, false) {
            return Change::new(account, loaded, Outcome::failed(error));
        }
        let result = op(account, &mut events);
        Self::retire_expired(account, now);
        account.commit();
        Change::new(account, loaded, Outcome { result, events })
    }

    /// [`run`](Self::run) for an operation that draws from the caller's CSPRNG:
    /// when it changed the record, every value that is new or sealed under a
    /// retired key is sealed under the current key before the record is stored (a
    /// record of schema version 1 becomes version 2 then).
    pub(crate) fn run_sealing<'a, T, R: CryptoRng + ?Sized>(
        &self,
        account: &'a mut Account,
        now: u64,
        rng: &mut R,
        op: impl FnOnce(&mut Account, &mut Vec<Event>, &mut R) -> Result<T, Error>,
    ) -> Change<'a, T> {
        let loaded = account.version;
        account.dirty = false;
        let mut events = Vec::new();
        if let Err(error) = account.open(&self.keys, true) {
            return Change::new(account, loaded, Outcome::failed(error));
        }
        let result = op(account, &mut events, rng);
        Self::retire_expired(account, now);
        if account.dirty {
            account.seal(&self.keys, rng);
        }
        account.commit();
        Change::new(account, loaded, Outcome { result, events })
    }

    /// Expired challenges become tombstones; expired devices are forgotten.
    fn retire_expired(account: &mut Account, now: u64) {
        let mut retired = account.drop_expired_devices(now);
        for challenge in &mut account.challenges {
            retired |= challenge.retire_if_expired(now);
        }
        if retired {
            account.touch();
        }
    }

    /// Where the account's guessing budget stands at `now` under this policy: open,
    /// delayed or locked out until a time, or hard-locked until recovery.
    #[must_use]
    pub fn lock_state(&self, account: &Account, now: u64) -> LockState {
        account.throttle.state(now, &self.policy.throttle)
    }

    /// Refuses everything on a challenge of a hard-locked account, even what would
    /// send nothing (a switch to the authenticator, to the current method).
    pub(crate) fn check_not_hard_locked(&self, account: &Account) -> Result<(), Error> {
        if account.throttle.hard_locked(&self.policy.throttle) {
            return Err(Error::MfaLocked);
        }
        Ok(())
    }

    /// Refuses to start anything while the account is locked out or hard-locked.
    pub(crate) fn check_may_begin(&self, account: &Account, now: u64) -> Result<(), Error> {
        account.throttle.check_may_begin(now, &self.policy.throttle)
    }

    /// Refuses to look at a code while a delay or lockout runs or the account is
    /// hard-locked.
    pub(crate) fn check_may_verify(&self, account: &Account, now: u64) -> Result<(), Error> {
        account.throttle.check(now, &self.policy.throttle)
    }

    /// Refuses to send a code while no code would be looked at (a delay, lockout or
    /// hard lock) or when the hourly budget is spent.
    pub(crate) fn check_may_send(&self, account: &Account, now: u64) -> Result<(), Error> {
        self.check_may_verify(account, now)?;
        account.sends.check(now, self.policy.codes_per_hour)
    }

    /// Refuses a method the account has not enabled, with the error an MFA API gives for it.
    pub(crate) fn require_enabled(account: &Account, method: Method) -> Result<(), Error> {
        match (method, account.is_enabled(method)) {
            (_, true) => Ok(()),
            (Method::Authenticator, false) => Err(Error::AuthenticatorNotConfigured),
            (method, false) => Err(Error::MethodNotEnabled { method }),
        }
    }

    /// What to show for a challenge that checks the enabled `method`.
    pub(crate) fn prompt(
        account: &Account,
        method: Method,
        delivery: Option<Delivery>,
        withheld: Option<Withheld>,
        expires_at: u64,
    ) -> Prompt {
        Prompt {
            method,
            methods: account.methods(),
            hint: account.hint(method),
            delivery,
            withheld,
            expires_at,
            backup_codes_accepted: account.backup_codes.is_some(),
        }
    }
}
