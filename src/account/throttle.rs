//! Per-account failure counting, delays and lockout, and the budget of codes sent.

use super::event::Event;
use super::policy::ThrottlePolicy;
use crate::error::Error;

/// Seconds in the window the send budget counts over.
pub(crate) const SEND_WINDOW: u64 = 3_600;

/// Consecutive failures across every method and challenge of one account.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub(crate) struct Throttle {
    /// Consecutive failures since the last success.
    pub(crate) failures: u32,
    /// No code is checked before this time (a delay or a lockout), Unix seconds.
    pub(crate) wait_until: u64,
}

impl Throttle {
    /// Refuses an attempt made while a delay or lockout runs. Checked before a code
    /// is looked at, so a refused attempt is not a guess and changes nothing.
    pub(crate) fn check(&self, now: u64) -> Result<(), Error> {
        if now < self.wait_until {
            return Err(Error::TooManyAttempts {
                retry_at: Some(self.wait_until),
            });
        }
        Ok(())
    }

    /// Whether the account is locked out (not merely delayed) at `now`.
    pub(crate) fn locked(&self, now: u64, policy: &ThrottlePolicy) -> bool {
        self.failures >= u32::from(policy.lockout_after()) && now < self.wait_until
    }

    /// Counts one failure at `now`; returns the lockout event when this failure
    /// locks the account.
    pub(crate) fn fail(&mut self, now: u64, policy: &ThrottlePolicy) -> Option<Event> {
        self.failures = self.failures.saturating_add(1);
        if self.failures >= u32::from(policy.lockout_after()) {
            self.wait_until = now.saturating_add(policy.lockout());
            return Some(Event::LockoutStarted {
                until: self.wait_until,
            });
        }
        self.wait_until = now.saturating_add(policy.delay_after(self.failures));
        None
    }

    /// A success: the count starts again.
    pub(crate) fn succeed(&mut self) {
        *self = Throttle::default();
    }
}

/// How many email / SMS codes the account was sent in the current hour.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
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
