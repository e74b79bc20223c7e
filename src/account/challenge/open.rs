//! Opening a challenge: its token, its factor, and the code it sends (or the reason
//! the code is withheld).

use rand_core::CryptoRng;

use super::{Challenge, Factor, Task};
use crate::account::mfa::Mfa;
use crate::account::prompt::{Delivery, Prompt, Withheld};
use crate::account::record::Account;
use crate::account::token::{ChallengeToken, TokenPurpose};
use crate::error::Error;
use crate::method::{Method, OobChannel};
use crate::oob::OobChallenge;

/// A challenge waiting for the user's code: the token to hand the client, and the
/// prompt to show (and its code to send, for email and SMS).
#[derive(Debug)]
#[must_use = "return the token, show the prompt, send its delivery"]
pub struct PendingChallenge<P: TokenPurpose> {
    /// The token for the verify call (an MFA API's `mfaToken`).
    pub token: ChallengeToken<P>,
    /// What to ask the user for.
    pub prompt: Prompt,
}

impl Mfa {
    /// When a challenge opened at `now` expires.
    pub(crate) const fn challenge_expiry(&self, now: u64) -> u64 {
        now.saturating_add(self.policy.challenge_lifetime)
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

    /// Stores a new challenge for `task` that expires at `expires_at`, replacing any
    /// challenge of the same purpose (the newest one wins), and returns its token.
    pub(crate) fn open_challenge<P: TokenPurpose, R: CryptoRng + ?Sized>(
        &self,
        account: &mut Account,
        task: Task,
        factor: Factor,
        expires_at: u64,
        rng: &mut R,
    ) -> ChallengeToken<P> {
        let token = ChallengeToken::<P>::generate(rng);
        account.challenges.retain(|c| c.purpose() != P::PURPOSE);
        account.challenges.push(Challenge {
            id: token.id(),
            task,
            factor,
            expires_at,
            attempts_left: self.policy.challenge_attempts,
            consumed: false,
        });
        account.touch();
        token
    }

    /// The factor for checking an enabled `method` on a challenge that expires at
    /// `expires_by`, sending its code if it has one.
    pub(crate) fn factor_for<R: CryptoRng + ?Sized>(
        &self,
        account: &mut Account,
        method: Method,
        expires_by: u64,
        rng: &mut R,
        now: u64,
    ) -> Result<(Factor, Option<Delivery>), Error> {
        Self::require_enabled(account, method)?;
        let Some(channel) = method.channel() else {
            return Ok((Factor::Authenticator, None));
        };
        let destination = account.destination(method)?;
        let (oob, delivery) =
            self.send_code(account, channel, &destination, expires_by, rng, now)?;
        Ok((Factor::Oob(oob), Some(delivery)))
    }

    /// Issues an email / SMS code to `destination` for a challenge that expires at
    /// `expires_by` (the code expires then at the latest), when
    /// [`check_may_send`](Self::check_may_send) allows.
    pub(crate) fn send_code<R: CryptoRng + ?Sized>(
        &self,
        account: &mut Account,
        channel: OobChannel,
        destination: &str,
        expires_by: u64,
        rng: &mut R,
        now: u64,
    ) -> Result<(OobChallenge, Delivery), Error> {
        self.check_may_send(account, now)?;
        let (code, mut oob) =
            OobChallenge::issue(channel, &self.policy.oob, self.keys.current(), rng, now)?;
        oob.expire_by(expires_by);
        account.sends.spend(now);
        account.touch();
        let delivery = Delivery {
            channel,
            destination: destination.into(),
            code,
            expires_at: oob.expires_at(),
        };
        Ok((oob, delivery))
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
