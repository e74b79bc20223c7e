//! Moving a challenge to another enabled method.

use rand_core::CryptoRng;

use crate::account::change::Change;
use crate::account::mfa::Mfa;
use crate::account::prompt::Prompt;
use crate::account::record::Account;
use crate::account::token::{ChallengeToken, TokenPurpose};
use crate::error::Error;
use crate::method::Method;

impl Mfa {
    /// Moves a challenge to another enabled method (a "switch MFA login
    /// method" endpoint), sending that method's code for email and SMS. The challenge keeps
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
            Self::on_challenge(account, token, now, |account, challenge| {
                self.check_not_hard_locked(account)?;
                if challenge.task.confirming().is_some() {
                    return Err(Error::InvalidMethod);
                }
                let expires_at = challenge.expires_at;
                if challenge.factor.method() == method {
                    return Ok(Self::prompt(account, method, None, None, expires_at));
                }
                let (factor, delivery) = self.factor_for(account, method, expires_at, rng, now)?;
                challenge.factor = factor;
                account.touch();
                Ok(Self::prompt(account, method, delivery, None, expires_at))
            })
        })
    }
}
