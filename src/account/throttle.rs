//! Per-account failure counting, delays and lockout, and the budget of codes sent.

use super::event::Event;
use super::policy::ThrottlePolicy;
use crate::error::Error;

/// Seconds in the window the send budget counts over.
pub(crate) const SEND_WINDOW: u64 = 3_600;

/// Consecutive failures across every method and challenge of one account.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Throttle {
    /// Consecutive failures since the last success.
    pub(crate) failures: u32,
    /// No code is checked before this time (a delay or a lockout), Unix seconds.
    pub(crate) wait_until: u64,
}

/// Where an account's guessing budget stands at a given time: what
/// [`Mfa::lock_state`](super::Mfa::lock_state) answers, so a server can show it
/// without knowing the policy's numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LockState {
    /// Codes are looked at now.
    Open,
    /// A delay after recent wrong codes: no code is looked at before `until`.
    Delayed {
        /// Unix seconds.
        until: u64,
    },
    /// A lockout after `lockout_after` wrong codes: no code is looked at and no
    /// challenge begins before `until`.
    LockedOut {
        /// Unix seconds.
        until: u64,
    },
    /// The policy's most consecutive failures was reached: nothing works until a
    /// privileged recovery ([`Mfa::unlock`](super::Mfa::unlock),
    /// [`Mfa::reset_factors`](super::Mfa::reset_factors)).
    HardLocked,
}

impl Throttle {
    /// Whether the budget has ended: `max_failures` consecutive failures.
    pub(crate) fn hard_locked(&self, policy: &ThrottlePolicy) -> bool {
        self.failures >= u32::from(policy.max_failures())
    }

    /// Where the budget stands at `now` under `policy`.
    pub(crate) fn state(&self, now: u64, policy: &ThrottlePolicy) -> LockState {
        if self.hard_locked(policy) {
            LockState::HardLocked
        } else if now >= self.wait_until {
            LockState::Open
        } else if self.failures >= u32::from(policy.lockout_after()) {
            LockState::LockedOut {
                until: self.wait_until,
            }
        } else {
            LockState::Delayed {
                until: self.wait_until,
            }
        }
    }

    /// Refuses an attempt made while hard-locked or while a delay or lockout runs.
    /// Checked before a code is looked at, so a refused attempt is not a guess and
    /// changes nothing.
    pub(crate) fn check(&self, now: u64, policy: &ThrottlePolicy) -> Result<(), Error> {
        match self.state(now, policy) {
            LockState::Open => Ok(()),
            LockState::HardLocked => Err(Error::MfaLocked),
            LockState::Delayed { until } | LockState::LockedOut { until } => {
                Err(Error::TooManyAttempts { retry_at: until })
            }
        }
    }

    /// Refuses to begin anything while hard-locked or locked out (a delay alone
    /// does not stop a challenge from beginning).
    pub(crate) fn check_may_begin(&self, now: u64, policy: &ThrottlePolicy) -> Result<(), Error> {
        match self.state(now, policy) {
            LockState::Open | LockState::Delayed { .. } => Ok(()),
            LockState::HardLocked => Err(Error::MfaLocked),
            LockState::LockedOut { until } => Err(Error::TooManyAttempts { retry_at: until }),
        }
    }

    /// Counts one failure at `now`; returns the event when this failure locks the
    /// account (hard, or for the lockout period).
    pub(crate) fn fail(&mut self, now: u64, policy: &ThrottlePolicy) -> Option<Event> {
        self.failures = self.failures.saturating_add(1);
        if self.hard_locked(policy) {
            self.wait_until = 0;
            return Some(Event::MfaLocked {
                failures: self.failures,
            });
        }
        if self.failures >= u32::from(policy.lockout_after()) {
            self.wait_until = now.saturating_add(policy.lockout());
            return Some(Event::LockoutStarted {
                until: self.wait_until,
            });
        }
        self.wait_until = now.saturating_add(policy.delay_after(self.failures));
        None
    }

    /// A success, or a privileged unlock: the count starts again.
    pub(crate) fn succeed(&mut self) {
        *self = Throttle::default();
    }
}

/// How many email / SMS codes the account was sent in the current hour.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct SendBudget {
    /// When the current window began, Unix seconds.
    pub(crate) since: u64,
    /// Codes sent since then.
    pub(crate) sent: u8,
}

impl SendBudget {
    /// Refuses a send over the hourly budget.
    pub(crate) fn check(&self, now: u64, per_hour: u8) -> Result<(), Error> {
        let window_end = self.since.saturating_add(SEND_WINDOW);
        if now < window_end && self.sent >= per_hour {
            return Err(Error::TooManyCodesSent {
                retry_at: window_end,
            });
        }
        Ok(())
    }

    /// Counts one send at `now` (after [`check`](Self::check) allowed it).
    pub(crate) fn spend(&mut self, now: u64) {
        if now >= self.since.saturating_add(SEND_WINDOW) {
            *self = SendBudget {
                since: now,
                sent: 0,
            };
        }
        self.sent = self.sent.saturating_add(1);
    }
}
