//! Checking the code a challenge expects (or a backup code), with per-account
//! throttling: the one place a guess is counted.

use alloc::vec::Vec;

use super::challenge::{Factor, PendingMethod, Task};
use super::event::Event;
use super::mfa::Mfa;
use super::record::Account;
use crate::error::Error;
use crate::method::Method;

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
    /// Checks `code` against the challenge at `index`: its factor's code, or a backup
    /// code where the task allows one. A wrong guess counts against the account and
    /// the challenge; a success resets the account's count.
    ///
    /// The caller has already [`locate`](Mfa::locate)d the challenge. Checked in this
    /// order: account hard lock, delay or lockout, the factor's method still
    /// enabled, the challenge's attempts, then the code.
    pub(crate) fn check_code(
        &self,
        account: &mut Account,
        index: usize,
        code: &str,
        now: u64,
        events: &mut Vec<Event>,
    ) -> Result<Proof, Error> {
        self.check_may_verify(account, now)?;
        let challenge = Self::challenge(account, index)?;
        if !challenge.task.confirming_setup() {
            // A method turned off after the challenge began proves nothing.
            Self::require_enabled(account, challenge.factor.method())?;
        }
        let challenge = account
            .challenges
            .get_mut(index)
            .ok_or(Error::ChallengeInvalid)?;
        if challenge.attempts_left == 0 {
            return Err(Error::AttemptsExhausted);
        }
        let backup_allowed = !challenge.task.confirming_setup();
        let backup = account
            .backup_codes
            .as_mut()
            .filter(|set| backup_allowed && is_backup_shaped(code, set.code_length()));

        let result = match (backup, &mut challenge.factor) {
            (Some(set), _) => set
                .consume(code, self.keys.for_stored(set.key_id())?, now)
                .map(|used| Proof {
                    with: VerifiedWith::BackupCode {
                        remaining: used.remaining(),
                    },
                    step: None,
                }),
            (None, Factor::Authenticator) => {
                let pending = match &challenge.task {
                    Task::Setup {
                        pending,
                        confirming: true,
                    } => Some(&**pending),
                    _ => None,
                };
                let (secret, config, last) = match (pending, &account.authenticator) {
                    (Some(PendingMethod::Authenticator { secret, config, .. }), _) => {
                        (secret, config, None)
                    }
                    (_, Some(enrolled)) => (&enrolled.secret, &enrolled.config, enrolled.last_step),
                    (_, None) => return Err(Error::AuthenticatorNotConfigured),
                };
                config
                    .verify(secret.plain()?, code, now, last)
                    .map(|m| Proof {
                        with: VerifiedWith::Method(Method::Authenticator),
                        step: Some(m.step()),
                    })
            }
            (None, Factor::Unsent(_)) => return Err(Error::NoCodeSent),
            (None, Factor::Oob(oob)) => {
                // The code's own counters change only on a match or a wrong code,
                // both of which mark the account changed below.
                oob.verify(code, self.keys.for_stored(oob.key_id())?, now)
                    .map(|()| Proof {
                        with: VerifiedWith::Method(Method::from_channel(oob.channel())),
                        step: None,
                    })
            }
        };

        match result {
            Ok(proof) => {
                account.throttle.succeed();
                if let (VerifiedWith::BackupCode { remaining }, false) =
                    (proof.with, challenge.task.confirming_setup())
                {
                    events.push(Event::BackupCodeUsed {
                        remaining,
                        running_low: remaining <= usize::from(self.policy.backup_low_at),
                    });
                }
                if let (Some(step), Some(enrolled), false) = (
                    proof.step,
                    account.authenticator.as_mut(),
                    challenge.task.confirming_setup(),
                ) {
                    enrolled.last_step = Some(step);
                }
                account.dirty = true;
                Ok(proof)
            }
            Err(error) if is_failed_guess(&error) => {
                challenge.attempts_left = challenge.attempts_left.saturating_sub(1);
                match error {
                    Error::CodeReused { .. } => events.push(Event::CodeReused {
                        method: challenge.factor.method(),
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
