//! Sending a challenge's email / SMS code again, or the first one when it was
//! withheld.

use rand_core::CryptoRng;

use super::{Factor, PendingMethod};
use crate::account::change::Change;
use crate::account::mfa::Mfa;
use crate::account::prompt::Delivery;
use crate::account::record::Account;
use crate::account::token::{ChallengeToken, TokenPurpose};
use crate::error::Error;
use crate::method::Method;

impl Mfa {
    /// Sends a new email / SMS code for a challenge, replacing the old one (which
    /// stops working), or the first one when its delivery was withheld
    /// ([`Prompt::withheld`](crate::account::Prompt::withheld)). Attempts are not
    /// reset. The code expires with the challenge at the latest.
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
            Self::on_challenge(account, token, now, |account, challenge| {
                self.check_not_hard_locked(account)?;
                let channel = match &challenge.factor {
                    Factor::Oob(oob) => oob.channel(),
                    Factor::Unsent(channel) => *channel,
                    Factor::Authenticator => return Err(Error::ResendOnlyForOob),
                };
                let expires_by = challenge.expires_at;
                // A confirmation's code goes to the address being enrolled.
                let destination = match challenge.task.confirming() {
                    Some(PendingMethod::Email(to) | PendingMethod::Sms(to)) => to.plain()?.clone(),
                    _ => account.destination(Method::from_channel(channel))?,
                };
                let oob = match &mut challenge.factor {
                    Factor::Oob(oob) => oob,
                    _ => {
                        let (oob, delivery) =
                            self.send_code(account, channel, &destination, expires_by, rng, now)?;
                        challenge.factor = Factor::Oob(oob);
                        return Ok(delivery);
                    }
                };
                self.check_may_send(account, now)?;
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
        })
    }
}
