//! Turning methods off, and replacing the backup codes: both need a fresh code.

use alloc::vec::Vec;

use rand_core::CryptoRng;

use super::challenge::{DisableScope, Task};
use super::change::Change;
use super::event::Event;
use super::login::PendingChallenge;
use super::mfa::Mfa;
use super::record::Account;
use super::token::{Disable, DisableToken, Regenerate, RegenerateToken};
use super::verify::VerifiedWith;
use crate::backup::{BackupCodeSet, PlainBackupCodes};
use crate::error::Error;
use crate::method::Method;

/// A completed disable.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use = "tell the user which methods were turned off"]
pub struct Disabled {
    /// The methods turned off.
    pub disabled: Vec<Method>,
    /// The methods still enabled; empty when MFA is now off.
    pub methods: Vec<Method>,
    /// What the user answered with.
    pub with: VerifiedWith,
}

impl Mfa {
    /// Starts turning off one method or all of them: a challenge on the default
    /// method (switchable; backup codes accepted), replacing any disable in flight.
    ///
    /// # Errors
    /// [`Error::MfaNotEnabled`]; [`Error::AuthenticatorNotConfigured`] or
    /// [`Error::MethodNotEnabled`] for a method that is not on;
    /// [`Error::TooManyAttempts`] while locked out; [`Error::MfaLocked`]. A code
    /// that cannot be sent is withheld, as in [`begin_login`](Self::begin_login).
    pub fn begin_disable<'a, R: CryptoRng + ?Sized>(
        &self,
        account: &'a mut Account,
        scope: DisableScope,
        rng: &mut R,
        now: u64,
    ) -> Change<'a, PendingChallenge<Disable>> {
        self.run_sealing(account, now, rng, |account, _, rng| {
            let method = account.default_method.ok_or(Error::MfaNotEnabled)?;
            if let DisableScope::Method(target) = scope {
                Self::require_enabled(account, target)?;
            }
            self.check_may_begin(account, now)?;
            self.open_verifying(account, Task::Disable(scope), method, rng, now)
        })
    }

    /// Checks the code of a disable challenge and turns the methods off. Turning off
    /// the last method wipes every secret, the backup codes and every challenge:
    /// the account is as if MFA had never been set up (its version and failure
    /// count remain).
    ///
    /// # Errors
    /// As [`verify_login`](Self::verify_login), plus [`Error::MethodNotEnabled`] /
    /// [`Error::AuthenticatorNotConfigured`] when the method was turned off meanwhile.
    pub fn verify_disable<'a>(
        &self,
        account: &'a mut Account,
        token: &DisableToken,
        code: &str,
        now: u64,
    ) -> Change<'a, Disabled> {
        self.run(account, now, |account, events| {
            let index = Self::locate(account, token, now)?;
            let scope = match Self::challenge(account, index)?.task {
                Task::Disable(scope) => scope,
                _ => return Err(Error::ChallengeInvalid),
            };
            let targets = match scope {
                DisableScope::Method(method) => {
                    Self::require_enabled(account, method)?;
                    Vec::from([method])
                }
                DisableScope::Everything => account.methods(),
            };
            let proof = self.check_code(account, index, code, now, events)?;
            Self::challenge_mut(account, index)?.consumed = true;
            for &method in &targets {
                account.remove_method(method);
                events.push(Event::MethodDisabled { method });
            }
            if !account.mfa_enabled() {
                events.push(Event::MfaTurnedOff);
            }
            Ok(Disabled {
                disabled: targets,
                methods: account.methods(),
                with: proof.with,
            })
        })
    }

    /// Starts replacing the backup codes: a challenge on the default method
    /// (switchable; a backup code is accepted too).
    ///
    /// # Errors
    /// [`Error::MfaNotEnabled`]; [`Error::TooManyAttempts`] while locked out;
    /// [`Error::MfaLocked`]. A code that cannot be sent is withheld, as in
    /// [`begin_login`](Self::begin_login).
    pub fn begin_regenerate<'a, R: CryptoRng + ?Sized>(
        &self,
        account: &'a mut Account,
        rng: &mut R,
        now: u64,
    ) -> Change<'a, PendingChallenge<Regenerate>> {
        self.run_sealing(account, now, rng, |account, _, rng| {
            let method = account.default_method.ok_or(Error::MfaNotEnabled)?;
            self.check_may_begin(account, now)?;
            self.open_verifying(account, Task::Regenerate, method, rng, now)
        })
    }

    /// Checks the code of a regeneration and replaces the backup codes with a new set
    /// under the current policy and server key. Every old code stops working, used or
    /// not. Show the new codes once.
    ///
    /// # Errors
    /// As [`verify_login`](Self::verify_login).
    pub fn verify_regenerate<'a, R: CryptoRng + ?Sized>(
        &self,
        account: &'a mut Account,
        token: &RegenerateToken,
        code: &str,
        rng: &mut R,
        now: u64,
    ) -> Change<'a, PlainBackupCodes> {
        self.run_sealing(account, now, rng, |account, events, rng| {
            let index = Self::locate(account, token, now)?;
            self.check_code(account, index, code, now, events)?;
            Self::challenge_mut(account, index)?.consumed = true;
            let (plain, set) =
                BackupCodeSet::generate(&self.policy.backup, self.keys.current(), rng);
            events.push(Event::BackupCodesRegenerated { count: set.len() });
            account.backup_codes = Some(set);
            account.touch();
            Ok(plain)
        })
    }
}
