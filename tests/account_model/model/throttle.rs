//! Throttling (delays, lockout, the send budget) and the code check every
//! verifying call makes.

use mfa_core::{account::Event, error::Error};

use super::{MFactor, MPending, MProof, MTask, Model};
use crate::ops::Slot;
use crate::support::{
    BACKUP_LOW_AT, CODES_PER_HOUR, FIRST_DELAY, FREE_FAILURES, LOCKOUT, LOCKOUT_AFTER, MAX_DELAY,
    MAX_FAILURES, SEND_WINDOW, is_backup_shaped, is_counted, totp,
};

impl Model {
    pub(crate) fn hard_locked(&self) -> bool {
        self.failures >= u32::from(MAX_FAILURES)
    }

    fn locked(&self, now: u64) -> bool {
        self.failures >= u32::from(LOCKOUT_AFTER) && now < self.wait_until
    }

    /// Nothing begins while hard-locked or locked out; a delay alone is no bar.
    pub(super) fn check_not_locked(&self, now: u64) -> Result<(), Error> {
        if self.hard_locked() {
            return Err(Error::MfaLocked);
        }
        if self.locked(now) {
            return Err(Error::TooManyAttempts {
                retry_at: self.wait_until,
            });
        }
        Ok(())
    }

    /// No code is looked at while hard-locked or while a delay or lockout runs.
    pub(super) fn check_may_verify(&self, now: u64) -> Result<(), Error> {
        if self.hard_locked() {
            return Err(Error::MfaLocked);
        }
        if now < self.wait_until {
            return Err(Error::TooManyAttempts {
                retry_at: self.wait_until,
            });
        }
        Ok(())
    }

    /// No code is sent when none would be looked at, or over the hourly budget.
    pub(super) fn may_send(&self, now: u64) -> Result<(), Error> {
        self.check_may_verify(now)?;
        self.budget(now)
    }

    pub(super) fn budget(&self, now: u64) -> Result<(), Error> {
        let window_end = self.sends_since + SEND_WINDOW;
        if now < window_end && self.sends_sent >= CODES_PER_HOUR {
            return Err(Error::TooManyCodesSent {
                retry_at: window_end,
            });
        }
        Ok(())
    }

    pub(super) fn spend(&mut self, now: u64) {
        if now >= self.sends_since + SEND_WINDOW {
            self.sends_since = now;
            self.sends_sent = 0;
        }
        self.sends_sent += 1;
    }

    fn delay_after(failures: u32) -> u64 {
        let free = u32::from(FREE_FAILURES);
        if failures <= free {
            return 0;
        }
        let doublings = (failures - free - 1).min(63);
        FIRST_DELAY.saturating_mul(1u64 << doublings).min(MAX_DELAY)
    }

    fn fail(&mut self, now: u64, events: &mut Vec<Event>) {
        self.failures += 1;
        if self.hard_locked() {
            self.wait_until = 0;
            events.push(Event::MfaLocked {
                failures: self.failures,
            });
        } else if self.failures >= u32::from(LOCKOUT_AFTER) {
            self.wait_until = now + LOCKOUT;
            events.push(Event::LockoutStarted {
                until: self.wait_until,
            });
        } else {
            self.wait_until = now + Self::delay_after(self.failures);
        }
    }

    /// The code check every verifying call makes.
    pub(super) fn check_code(
        &mut self,
        slot: Slot,
        code: &str,
        now: u64,
        events: &mut Vec<Event>,
    ) -> Result<MProof, Error> {
        self.check_may_verify(now)?;
        let i = slot.index();
        let (method, confirming) = {
            let ch = self.challenges[i].as_ref().unwrap();
            (ch.factor.method(), ch.task.confirming())
        };
        // A method turned off after the challenge began proves nothing: no code is
        // looked at, a backup code included, and nothing is counted.
        if !confirming {
            self.require_enabled(method)?;
        }
        let ch = self.challenges[i].as_mut().unwrap();
        if ch.attempts_left == 0 {
            return Err(Error::AttemptsExhausted);
        }
        let result = match self.backup.as_mut() {
            Some(set) if !confirming && is_backup_shaped(code) => {
                match set.iter().position(|(c, _)| c == code) {
                    Some(at) if !set[at].1 => {
                        set[at].1 = true;
                        Ok(MProof::Backup {
                            remaining: set.iter().filter(|(_, used)| !used).count(),
                        })
                    }
                    Some(_) => Err(Error::BackupCodeUsed),
                    None => Err(Error::InvalidCode),
                }
            }
            _ => match &mut ch.factor {
                MFactor::Auth => {
                    let (secret, last) = match (&ch.task, &self.auth) {
                        (
                            MTask::Setup {
                                pending: MPending::Auth(Some(secret)),
                                confirming: true,
                            },
                            _,
                        ) => (secret.clone(), None),
                        (_, Some((secret, last))) => (secret.clone(), *last),
                        (_, None) => return Err(Error::AuthenticatorNotConfigured),
                    };
                    totp()
                        .verify(&secret, code, now, last)
                        .map(|m| MProof::Totp { step: m.step() })
                }
                MFactor::Oob(o) => o.verify(code, now).map(|()| MProof::Oob(o.method)),
                MFactor::Unsent(_) => return Err(Error::NoCodeSent),
            },
        };
        match result {
            Ok(proof) => {
                self.failures = 0;
                self.wait_until = 0;
                if let MProof::Backup { remaining } = proof {
                    events.push(Event::BackupCodeUsed {
                        remaining,
                        running_low: remaining <= usize::from(BACKUP_LOW_AT),
                    });
                }
                if let (MProof::Totp { step }, Some((_, last)), false) =
                    (&proof, self.auth.as_mut(), confirming)
                {
                    *last = Some(*step);
                }
                Ok(proof)
            }
            Err(error) if is_counted(&error) => {
                let ch = self.challenges[i].as_mut().unwrap();
                ch.attempts_left -= 1;
                match error {
                    Error::CodeReused { .. } => events.push(Event::CodeReused {
                        method: ch.factor.method(),
                    }),
                    Error::BackupCodeUsed => events.push(Event::BackupCodeReused),
                    _ => {}
                }
                self.fail(now, events);
                Err(error)
            }
            Err(error) => Err(error),
        }
    }
}
