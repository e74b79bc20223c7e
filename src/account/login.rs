//! Signing in after the first factor.

use rand_core::CryptoRng;

use super::challenge::{PendingChallenge, Task, VerifiedWith};
use super::change::Change;
use super::mfa::Mfa;
#[cfg(doc)]
use super::prompt::Prompt;
use super::record::Account;
use super::token::{Login, LoginToken};
#[cfg(doc)]
use crate::error::Error;

/// How sign-in continues after the first factor.
#[derive(Debug)]
#[must_use = "a user with MFA must not be signed in before the challenge is answered"]
pub enum LoginStart {
    /// No second factor is needed: no method is enabled (the first factor is the
    /// whole sign-in), or, from [`Mfa::begin_login_remembered`], the device is a
    /// remembered one (with [`Event::DeviceRecognized`](super::Event::DeviceRecognized)).
    NotRequired,
    /// Ask for a code (an MFA API's `pending_provider_mfa` with method and hint).
    Required(PendingChallenge<Login>),
}

/// A successful second factor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use = "sign the user in only after persisting the account"]
pub struct LoginVerified {
    /// What the user answered with.
    pub with: VerifiedWith,
}

impl Mfa {
    /// Starts the second step of a sign-in, after the first factor succeeded. With no
    /// method enabled the answer is [`LoginStart::NotRequired`] and nothing changes;
    /// otherwise a login challenge on the default method (its code sent, for email
    /// and SMS), replacing any login challenge in flight.
    ///
    /// When the default method's code cannot be sent (a delay after wrong codes
    /// runs, or the hourly budget of codes is spent), the challenge begins all the
    /// same, with the delivery withheld and the reason in
    /// [`Prompt::withheld`]: every other method and the backup codes still work.
    ///
    /// # Errors
    /// [`Error::TooManyAttempts`] while locked out; [`Error::MfaLocked`] when
    /// hard-locked.
    pub fn begin_login<'a, R: CryptoRng + ?Sized>(
        &self,
        account: &'a mut Account,
        rng: &mut R,
        now: u64,
    ) -> Change<'a, LoginStart> {
        self.run_sealing(account, now, rng, |account, _, rng| {
            self.start_login(account, rng, now)
        })
    }

    /// What [`begin_login`](Self::begin_login) does inside its run.
    pub(crate) fn start_login<R: CryptoRng + ?Sized>(
        &self,
        account: &mut Account,
        rng: &mut R,
        now: u64,
    ) -> Result<LoginStart, crate::error::Error> {
        let Some(method) = account.default_method else {
            return Ok(LoginStart::NotRequired);
        };
        self.check_may_begin(account, now)?;
        let pending = self.open_verifying(account, Task::Login, method, rng, now)?;
        Ok(LoginStart::Required(pending))
    }

    /// Checks the code of a login challenge: the current method's code, or a backup
    /// code. On success the challenge is consumed and the account's failure count
    /// reset; sign the user in once the account is stored.
    ///
    /// A wrong, replayed or used code counts as a failure against the account and
    /// the challenge (persist the account: [`Change`]).
    ///
    /// # Errors
    /// 1. [`Error::ChallengeInvalid`], [`Error::ChallengeConsumed`],
    ///    [`Error::ChallengeExpired`].
    /// 2. [`Error::MfaLocked`] when hard-locked; [`Error::TooManyAttempts`] during a
    ///    delay or lockout (no code is looked at, wait for `retry_at`);
    ///    [`Error::AttemptsExhausted`] when the challenge used its attempts (begin
    ///    again).
    /// 3. [`Error::MethodNotEnabled`] / [`Error::AuthenticatorNotConfigured`]: the
    ///    challenge's method was turned off since it began; not counted (switch).
    /// 4. [`Error::MalformedCode`], [`Error::MalformedBackupCode`]: not a code; not
    ///    counted.
    /// 5. [`Error::CodeExpired`]: the email / SMS code expired; resend.
    ///    [`Error::NoCodeSent`]: the code was withheld; resend.
    /// 6. [`Error::InvalidCode`], [`Error::CodeReused`], [`Error::BackupCodeUsed`]:
    ///    counted.
    pub fn verify_login<'a>(
        &self,
        account: &'a mut Account,
        token: &LoginToken,
        code: &str,
        now: u64,
    ) -> Change<'a, LoginVerified> {
        self.run(account, now, |account, events| {
            Self::on_challenge(account, token, now, |account, challenge| {
                let proof = self.check_code(account, challenge, code, now, events)?;
                challenge.consumed = true;
                Ok(LoginVerified { with: proof.with })
            })
        })
    }
}
