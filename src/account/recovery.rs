//! Privileged recovery: what a support desk does for a user who is hard-locked or
//! lost every factor, once the user's identity was proven some other way.

use alloc::vec::Vec;

use super::change::Change;
use super::event::Event;
use super::mfa::Mfa;
use super::record::Account;
use crate::method::Method;

impl Mfa {
    /// **Privileged.** Clears the account's failure count and any delay, lockout or
    /// hard lock, keeping every method, backup code and challenge: the user signs in
    /// with their factors again.
    ///
    /// This checks no code: call it only after your own process proved who the user
    /// is (a support desk, an identity check, an administrator's decision), and
    /// record who did it. Returns the failures cleared, with [`Event::Unlocked`]
    /// when there were any (tell the user: someone guessed their codes, and their
    /// password may be known). An account with nothing to clear is left unchanged.
    ///
    /// If the factors themselves may be in the wrong hands, use
    /// [`reset_factors`](Self::reset_factors) instead.
    pub fn unlock<'a>(&self, account: &'a mut Account, now: u64) -> Change<'a, u32> {
        self.run(account, now, |account, events| {
            let failures = account.throttle.failures;
            if account.throttle != Default::default() {
                account.throttle.succeed();
                account.touch();
                events.push(Event::Unlocked { failures });
                // Someone was guessing codes: every device must prove itself again.
                account.revoke_devices(events);
            }
            Ok(failures)
        })
    }

    /// **Privileged.** Wipes every method (with its secret and destination), the
    /// backup codes and every challenge, and clears the failure count and any lock:
    /// the account is as if MFA had never been set up, as when the last method is
    /// disabled, and the user can enrol again at once. Returns the methods turned
    /// off.
    ///
    /// This checks no code: call it only after your own process proved who the user
    /// is, and record who did it. Events: [`Event::MethodDisabled`] for each method,
    /// [`Event::MfaTurnedOff`] if any was on, then [`Event::MfaReset`] (end the
    /// user's other sessions and tell them). The version keeps increasing and the
    /// hourly budget of sent codes is kept. An account with nothing to wipe or
    /// clear is left unchanged.
    pub fn reset_factors<'a>(&self, account: &'a mut Account, now: u64) -> Change<'a, Vec<Method>> {
        self.run(account, now, |account, events| {
            let removed = account.methods();
            let anything = !removed.is_empty()
                || account.backup_codes.is_some()
                || !account.challenges.is_empty()
                || !account.devices.is_empty()
                || account.throttle != Default::default();
            if !anything {
                return Ok(removed);
            }
            for &method in &removed {
                account.remove_method(method);
                events.push(Event::MethodDisabled { method });
            }
            if !removed.is_empty() {
                events.push(Event::MfaTurnedOff);
            }
            account.default_method = None;
            account.backup_codes = None;
            account.challenges.clear();
            account.throttle.succeed();
            account.revoke_devices(events);
            account.touch();
            events.push(Event::MfaReset);
            Ok(removed)
        })
    }
}
