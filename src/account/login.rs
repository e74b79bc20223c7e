//! Signing in after the first factor, and what every verifying challenge shares:
//! switching method and resending a code.

use rand_core::CryptoRng;

use super::challenge::{Factor, PendingMethod, Task};
use super::change::Change;
use super::method::Method;
use super::mfa::Mfa;
use super::prompt::{Delivery, Prompt};
use super::record::Account;
use super::token::{ChallengeToken, Login, LoginToken, TokenPurpose};
use super::verify::VerifiedWith;
use crate::error::Error;

/// A challenge waiting for the user's code: the token to hand the client, and the
/// prompt to show (and its code to send, for email and SMS).
#[derive(Debug)]
#[must_use = "return the token, show the prompt, send its delivery"]
pub struct PendingChallenge<P: TokenPurpose> {
    /// The token for the verify call (the seeds' `mfaToken`).
    pub token: ChallengeToken<P>,
    /// What to ask the user for.
    pub prompt: Prompt,
}

/// How sign-in continues after the first factor.
#[derive(Debug)]
#[must_use = "a user with MFA must not be signed in before the challenge is answered"]
pub enum LoginStart {
    /// No method is enabled: the first factor is the whole sign-in.
    NotRequired,
    /// Ask for a code (the seeds' `pending_provider_mfa` with method and hint).
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
    /// # Errors
    /// [`Error::TooManyAttempts`] while locked out; [`Error::TooManyCodesSent`] when
    /// the hourly budget of codes is spent (switch to the authenticator, or wait).
    pub fn begin_login<'a, R: CryptoRng + ?Sized>(
        &self,
        account: &'a mut Account,
        rng: &mut R,
        now: u64,
    ) -> Change<'a, LoginStart> {
        self.run(account, now, |account, _| {
            let Some(method) = account.default_method else {
                return Ok(LoginStart::NotRequired);
            };
            self.check_not_locked(account, now)?;
            let pending = self.open_verifying(account, Task::Login, method, rng, now)?;
            Ok(LoginStart::Required(pending))
        })
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
    /// 2. [`Error::TooManyAttempts`] with `retry_at` during a delay or lockout (no
    ///    code is looked at), or `None` when the challenge used its attempts (begin
    ///    again).
    /// 3. [`Error::MethodNotEnabled`] / [`Error::AuthenticatorNotConfigured`]: the
    ///    challenge's method was turned off since it began; not counted (switch).
    /// 4. [`Error::MalformedCode`], [`Error::MalformedBackupCode`]: not a code; not
    ///    counted.
    /// 5. [`Error::CodeExpired`]: the email / SMS code expired; resend.
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
            let index = Self::locate(account, token, now)?;
            let proof = self.check_code(account, index, code, now, events)?;
            Self::challenge_mut(account, index)?.consumed = true;
            Ok(LoginVerified { with: proof.with })
        })
    }

    /// Moves a challenge to another enabled method (the seeds' "switch MFA login
    /// method"), sending that method's code for email and SMS. The challenge keeps
    /// its attempts and the account its failure count: switching never buys guesses.
    /// Switching to the current method changes nothing and sends nothing (use
    /// [`resend`](Self::resend)).
    ///
    /// # Errors
    /// - [`Error::ChallengeInvalid`], [`Error::ChallengeConsumed`],
    ///   [`Error::ChallengeExpired`].
    /// - [`Error::InvalidMethod`] on an enrolment being confirmed (its factor is the
    ///   new method).
    /// - [`Error::AuthenticatorNotConfigured`], [`Error::MethodNotEnabled`].
    /// - [`Error::TooManyCodesSent`].
    pub fn switch_method<'a, P: TokenPurpose, R: CryptoRng + ?Sized>(
        &self,
        account: &'a mut Account,
        token: &ChallengeToken<P>,
        method: Method,
        rng: &mut R,
        now: u64,
    ) -> Change<'a, Prompt> {
        self.run(account, now, |account, _| {
            let index = Self::locate(account, token, now)?;
            let challenge = Self::challenge(account, index)?;
            if challenge.task.confirming_setup() {
                return Err(Error::InvalidMethod);
            }
            let expires_at = challenge.expires_at;
            if challenge.factor.method() == method {
                return Ok(Self::prompt(account, method, None, expires_at));
            }
            let (factor, delivery) = self.factor_for(account, method, rng, now)?;
            Self::challenge_mut(account, index)?.factor = factor;
            account.touch();
            Ok(Self::prompt(account, method, delivery, expires_at))
        })
    }

    /// Sends a new email / SMS code for a challenge, replacing the old one (which
    /// stops working). Attempts are not reset.
    ///
    /// # Errors
    /// - [`Error::ChallengeInvalid`], [`Error::ChallengeConsumed`],
    ///   [`Error::ChallengeExpired`].
    /// - [`Error::ResendOnlyForOob`]: the challenge's method is the authenticator.
    /// - [`Error::ResendCooldown`] (with the seconds to wait),
    ///   [`Error::MaxResendLimit`], [`Error::TooManyAttempts`] (the code's attempts
    ///   are spent), [`Error::TooManyCodesSent`].
    pub fn resend<'a, P: TokenPurpose, R: CryptoRng + ?Sized>(
        &self,
        account: &'a mut Account,
        token: &ChallengeToken<P>,
        rng: &mut R,
        now: u64,
    ) -> Change<'a, Delivery> {
        self.run(account, now, |account, _| {
            let index = Self::locate(account, token, now)?;
            let challenge = Self::challenge(account, index)?;
            let Factor::Oob(oob) = &challenge.factor else {
                return Err(Error::ResendOnlyForOob);
            };
            let channel = oob.channel();
            let destination = match &challenge.task {
                Task::Setup {
                    pending: PendingMethod::Email(to) | PendingMethod::Sms(to),
                    confirming: true,
                } => to.clone(),
                _ => account.destination(Method::from_channel(channel))?,
            };
            account.sends.check(now, self.policy.codes_per_hour)?;
            let Factor::Oob(oob) = &mut Self::challenge_mut(account, index)?.factor else {
                return Err(Error::ResendOnlyForOob);
            };
            let code = oob.resend(&self.key, rng, now)?;
            account.sends.spend(now);
            account.touch();
            Ok(Delivery {
                channel,
                destination,
                code,
            })
        })
    }

    /// Makes `method` the one sign-in starts with.
    ///
    /// # Errors
    /// [`Error::AuthenticatorNotConfigured`], [`Error::MethodNotEnabled`].
    pub fn set_default_method<'a>(
        &self,
        account: &'a mut Account,
        method: Method,
        now: u64,
    ) -> Change<'a, ()> {
        self.run(account, now, |account, _| {
            Self::require_enabled(account, method)?;
            if account.default_method != Some(method) {
                account.default_method = Some(method);
                account.touch();
            }
            Ok(())
        })
    }

    /// Opens a challenge for `task` that verifies the enabled `method`.
    pub(crate) fn open_verifying<P: TokenPurpose, R: CryptoRng + ?Sized>(
        &self,
        account: &mut Account,
        task: Task,
        method: Method,
        rng: &mut R,
        now: u64,
    ) -> Result<PendingChallenge<P>, Error> {
        let (factor, delivery) = self.factor_for(account, method, rng, now)?;
        let (token, expires_at) = self.open_challenge(account, task, factor, rng, now);
        let prompt = Self::prompt(account, method, delivery, expires_at);
        Ok(PendingChallenge { token, prompt })
    }
}
