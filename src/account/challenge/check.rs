//! Checking the code a challenge expects (or a backup code), with per-account
//! throttling: the one place a guess is counted.

use alloc::vec::Vec;

use super::{Challenge, Factor, PendingMethod};
use crate::account::event::Event;
use crate::account::mfa::Mfa;
use crate::account::record::Account;
use crate::account::vault::Vault;
use crate::error::Error;
use crate::method::Method;
use crate::oob::OobChallenge;
use crate::otp::TotpConfig;
use crate::secret::Secret;

/// How a challenge was answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifiedWith {
    /// A code of this method.
    Method(Method),
    /// A backup code.
    BackupCode {
        /// Unused backup codes left.
        remaining: usize,
    },
}

/// What a correct code proved, for the flow to finish with.
pub(crate) struct Proof {
    pub(crate) with: VerifiedWith,
    /// The time step of an accepted authenticator code.
    pub(crate) step: Option<u64>,
}

/// Whether `input` has the shape of a backup code of `length` characters rather than
/// a digit code (which has at most 10): separators and spaces do not count.
///
/// Counts `char`s by their first bytes, with no branch on what a byte holds: the
/// input may be a secret code, and only its length may show in the timing.
fn is_backup_shaped(input: &str, length: u8) -> bool {
    let counted = input
        .bytes()
        .map(|b| usize::from((b != b' ') & (b != b'-') & (b & 0xc0 != 0x80)))
        .fold(0usize, usize::wrapping_add);
    counted == usize::from(length)
}

/// Whether an error means a guess was made and was wrong (a failure to count), as
/// opposed to input that is not a code, or a state that refuses every code.
const fn is_failed_guess(error: &Error) -> bool {
    matches!(
        error,
        Error::InvalidCode | Error::CodeReused { .. } | Error::BackupCodeUsed
    )
}

impl Mfa {
    /// Checks `code` against `challenge` (already located): its factor's code, or a
    /// backup code where the stage allows one. A wrong guess counts against the
    /// account and the challenge; a success resets the account's count.
    ///
    /// Checked in this order: account hard lock, delay or lockout, the factor's
    /// method still enabled, the challenge's attempts, then the code.
    pub(crate) fn check_code(
        &self,
        account: &mut Account,
        challenge: &mut Challenge,
        code: &str,
        now: u64,
        events: &mut Vec<Event>,
    ) -> Result<Proof, Error> {
        self.check_may_verify(account, now)?;
        let Challenge {
            task,
            factor,
            attempts_left,
            ..
        } = challenge;
        let confirming = task.confirming();
        if confirming.is_none() {
            // A method turned off after the challenge began proves nothing.
            Self::require_enabled(account, factor.method())?;
        }
        if *attempts_left == 0 {
            return Err(Error::AttemptsExhausted);
        }
        let result = match confirming {
            Some(pending) => self.check_new_method(pending, factor, code, now),
            None => self.check_enabled(account, factor, code, now),
        };

        match result {
            Ok(proof) => {
                account.throttle.succeed();
                if confirming.is_none() {
                    self.note_enabled_success(account, &proof, events);
                }
                account.dirty = true;
                Ok(proof)
            }
            Err(error) if is_failed_guess(&error) => {
                *attempts_left = attempts_left.saturating_sub(1);
                match error {
                    Error::CodeReused { .. } => events.push(Event::CodeReused {
                        method: factor.method(),
                    }),
                    Error::BackupCodeUsed => events.push(Event::BackupCodeReused),
                    _ => {}
                }
                events.extend(account.throttle.fail(now, &self.policy.throttle));
                account.dirty = true;
                Err(error)
            }
            Err(error) => Err(error),
        }
    }

    /// A code that proves a method already enabled: a backup code (anything shaped
    /// like one, when the account has a set), or the factor's code; the
    /// authenticator's against its replay guard.
    fn check_enabled(
        &self,
        account: &mut Account,
        factor: &mut Factor,
        code: &str,
        now: u64,
    ) -> Result<Proof, Error> {
        let backup = account
            .backup_codes
            .as_mut()
            .filter(|set| is_backup_shaped(code, set.code_length()));
        if let Some(set) = backup {
            let used = set.consume(code, self.keys.for_stored(set.key_id())?, now)?;
            return Ok(Proof {
                with: VerifiedWith::BackupCode {
                    remaining: used.remaining(),
                },
                step: None,
            });
        }
        match factor {
            Factor::Authenticator => {
                let app = account
                    .authenticator
                    .as_ref()
                    .ok_or(Error::AuthenticatorNotConfigured)?;
                Self::check_app(&app.secret, &app.config, code, now, app.last_step)
            }
            Factor::Unsent(_) => Err(Error::NoCodeSent),
            Factor::Oob(oob) => self.check_oob(oob, code, now),
        }
    }

    /// The first code of the method being enrolled: the new secret's (no replay
    /// guard yet: it has accepted nothing), or the one sent to the new address.
    /// Never a backup code: only the new method's code proves it works.
    fn check_new_method(
        &self,
        pending: &PendingMethod,
        factor: &mut Factor,
        code: &str,
        now: u64,
    ) -> Result<Proof, Error> {
        match (factor, pending) {
            (Factor::Authenticator, PendingMethod::Authenticator { secret, config, .. }) => {
                Self::check_app(secret, config, code, now, None)
            }
            (Factor::Authenticator, _) => Err(Error::AuthenticatorNotConfigured),
            (Factor::Unsent(_), _) => Err(Error::NoCodeSent),
            (Factor::Oob(oob), _) => self.check_oob(oob, code, now),
        }
    }

    fn check_app(
        secret: &Vault<Secret>,
        config: &TotpConfig,
        code: &str,
        now: u64,
        last_step: Option<u64>,
    ) -> Result<Proof, Error> {
        let matched = config.verify(secret.plain()?, code, now, last_step)?;
        Ok(Proof {
            with: VerifiedWith::Method(Method::Authenticator),
            step: Some(matched.step()),
        })
    }

    /// An email / SMS code. Its own counters change only on a match or a wrong
    /// code, both of which mark the account changed.
    fn check_oob(&self, oob: &mut OobChallenge, code: &str, now: u64) -> Result<Proof, Error> {
        oob.verify(code, self.keys.for_stored(oob.key_id())?, now)?;
        Ok(Proof {
            with: VerifiedWith::Method(Method::from_channel(oob.channel())),
            step: None,
        })
    }

    /// What a success with an enabled method moves on: the authenticator's replay
    /// guard, and the event for a backup code spent.
    fn note_enabled_success(&self, account: &mut Account, proof: &Proof, events: &mut Vec<Event>) {
        if let VerifiedWith::BackupCode { remaining } = proof.with {
            events.push(Event::BackupCodeUsed {
                remaining,
                running_low: remaining <= usize::from(self.policy.backup_low_at),
            });
        }
        if let (Some(step), Some(enrolled)) = (proof.step, account.authenticator.as_mut()) {
            enrolled.last_step = Some(step);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_backup_shaped;

    proptest::proptest! {
        /// Counting first bytes is counting the `char`s that are not separators.
        #[test]
        fn backup_shape_counts_chars_without_separators(
            input in "[0-9a-z -]{0,20}|\\PC{0,20}",
            length in 0u8..=24,
        ) {
            let plain = input.chars().filter(|c| !matches!(c, ' ' | '-')).count();
            proptest::prop_assert_eq!(
                is_backup_shaped(&input, length),
                plain == usize::from(length)
            );
        }
    }
}
