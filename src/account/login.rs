//! Signing in after the first factor, and what every verifying challenge shares:
//! switching method and resending a code.

use rand_core::CryptoRng;

use super::challenge::{Factor, PendingMethod, Task};
use super::change::Change;
use super::mfa::Mfa;
use super::prompt::{Delivery, Prompt, Withheld};
use super::record::Account;
use super::token::{ChallengeToken, Login, LoginToken, TokenPurpose};
use super::verify::VerifiedWith;
use crate::error::Error;
use crate::method::Method;

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
            let Some(method) = account.default_method else {
                return Ok(LoginStart::NotRequired);
            };
            self.check_may_begin(account, now)?;
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
    /// [`resend`](Self::resend)). A code sent here expires with the challenge at the
    /// latest.
    ///
    /// # Errors
    /// - [`Error::ChallengeInvalid`], [`Error::ChallengeConsumed`],
    ///   [`Error::ChallengeExpired`].
    /// - [`Error::InvalidMethod`] on an enrolment being confirmed (its factor is the
    ///   new method).
    /// - [`Error::AuthenticatorNotConfigured`], [`Error::MethodNotEnabled`].
    /// - To email or SMS, nothing is sent and nothing changes during a delay or
    ///   lockout ([`Error::TooManyAttempts`]), when hard-locked
    ///   ([`Error::MfaLocked`]) or when the hourly budget is spent
    ///   ([`Error::TooManyCodesSent`]).
    pub fn switch_method<'a, P: TokenPurpose, R: CryptoRng + ?Sized>(
        &self,
        account: &'a mut Account,
        token: &ChallengeToken<P>,
        method: Method,
        rng: &mut R,
        now: u64,
    ) -> Change<'a, Prompt> {
        self.run_sealing(account, now, rng, |account, _, rng| {
            let index = Self::locate(account, token, now)?;
            self.check_not_hard_locked(account)?;
            let challenge = Self::challenge(account, index)?;
            if challenge.task.confirming_setup() {
                return Err(Error::InvalidMethod);
            }
            let expires_at = challenge.expires_at;
            if challenge.factor.method() == method {
                return Ok(Self::prompt(account, method, None, None, expires_at));
            }
            let (factor, delivery) = self.factor_for(account, method, expires_at, rng, now)?;
            Self::challenge_mut(account, index)?.factor = factor;
            account.touch();
            Ok(Self::prompt(account, method, delivery, None, expires_at))
        })
    }

    /// Sends a new email / SMS code for a challenge, replacing the old one (which
    /// stops working), or the first one when its delivery was withheld
    /// ([`Prompt::withheld`]). Attempts are not reset. The code expires with the
    /// challenge at the latest.
    ///
    /// # Errors
    /// - [`Error::ChallengeInvalid`], [`Error::ChallengeConsumed`],
    ///   [`Error::ChallengeExpired`].
    /// - [`Error::ResendOnlyForOob`]: the challenge's method is the authenticator.
    /// - Nothing is sent and nothing changes during a delay or lockout
    ///   ([`Error::TooManyAttempts`]), when hard-locked ([`Error::MfaLocked`]) or
    ///   when the hourly budget is spent ([`Error::TooManyCodesSent`]).
    /// - [`Error::ResendCooldown`] (with when to ask again),
    ///   [`Error::MaxResendLimit`], [`Error::AttemptsExhausted`] (the code's
    ///   attempts are spent).
    pub fn resend<'a, P: TokenPurpose, R: CryptoRng + ?Sized>(
        &self,
        account: &'a mut Account,
        token: &ChallengeToken<P>,
        rng: &mut R,
        now: u64,
    ) -> Change<'a, Delivery> {
        self.run_sealing(account, now, rng, |account, _, rng| {
            let index = Self::locate(account, token, now)?;
            self.check_not_hard_locked(account)?;
            let challenge = Self::challenge(account, index)?;
            let channel = match &challenge.factor {
                Factor::Oob(oob) => oob.channel(),
                Factor::Unsent(channel) => *channel,
                Factor::Authenticator => return Err(Error::ResendOnlyForOob),
            };
            let expires_by = challenge.expires_at;
            let confirming_address = match &challenge.task {
                Task::Setup {
                    pending,
                    confirming: true,
                } => match &**pending {
                    PendingMethod::Email(to) | PendingMethod::Sms(to) => Some(to),
                    PendingMethod::Authenticator { .. } => None,
                },
                _ => None,
            };
            let destination = match confirming_address {
                Some(to) => to.plain()?.clone(),
                None => account.destination(Method::from_channel(channel))?,
            };
            if let Factor::Unsent(_) = challenge.factor {
                let (oob, delivery) =
                    self.send_code(account, channel, &destination, expires_by, rng, now)?;
                Self::challenge_mut(account, index)?.factor = Factor::Oob(oob);
                return Ok(delivery);
            }
            self.check_may_send(account, now)?;
            let Factor::Oob(oob) = &mut Self::challenge_mut(account, index)?.factor else {
                return Err(Error::ResendOnlyForOob);
            };
            let code = oob.resend(self.keys.current(), rng, now)?;
            oob.expire_by(expires_by);
            let expires_at = oob.expires_at();
            account.sends.spend(now);
            account.touch();
            Ok(Delivery {
                channel,
                destination,
                code,
                expires_at,
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

    /// Opens a challenge for `task` that verifies the enabled `method`. When the
    /// method's code cannot be sent now, the challenge opens without it (the
    /// prompt says why), so that the other methods and backup codes still work.
    pub(crate) fn open_verifying<P: TokenPurpose, R: CryptoRng + ?Sized>(
        &self,
        account: &mut Account,
        task: Task,
        method: Method,
        rng: &mut R,
        now: u64,
    ) -> Result<PendingChallenge<P>, Error> {
        let expires_at = self.challenge_expiry(now);
        let (factor, delivery, withheld) = match self
            .factor_for(account, method, expires_at, rng, now)
        {
            Ok((factor, delivery)) => (factor, delivery, None),
            Err(error) => {
                let (Some(channel), Some(withheld)) = (method.channel(), withheld(&error)) else {
                    return Err(error);
                };
                (Factor::Unsent(channel), None, Some(withheld))
            }
        };
        let token = self.open_challenge(account, task, factor, expires_at, rng);
        let prompt = Self::prompt(account, method, delivery, withheld, expires_at);
        Ok(PendingChallenge { token, prompt })
    }
}

/// The reason to give for a code that could not be sent, when beginning the
/// challenge anyway is right: a wait that ends. A hard lock is not one (nothing
/// begins then).
const fn withheld(error: &Error) -> Option<Withheld> {
    match *error {
        Error::TooManyAttempts { retry_at } => Some(Withheld::Throttled { retry_at }),
        Error::TooManyCodesSent { retry_at } => Some(Withheld::SendLimit { retry_at }),
        _ => None,
    }
}
