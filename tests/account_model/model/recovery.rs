//! The privileged recovery operations: unlock, and reset every factor.

use mfa_core::account::Event;

use super::Model;

impl Model {
    /// Clears the count and any wait or hard lock; keeps every factor.
    pub(super) fn unlock(&mut self, events: &mut Vec<Event>) -> String {
        let failures = self.failures;
        if failures != 0 || self.wait_until != 0 {
            self.failures = 0;
            self.wait_until = 0;
            events.push(Event::Unlocked { failures });
            self.revoke_devices(events);
        }
        format!("unlocked:{failures}")
    }

    /// Wipes every factor, backup code and challenge, and clears the count.
    pub(super) fn reset(&mut self, events: &mut Vec<Event>) -> String {
        let removed = self.methods();
        let anything = !removed.is_empty()
            || self.backup.is_some()
            || self.challenges.iter().any(Option::is_some)
            || !self.devices.is_empty()
            || self.failures != 0
            || self.wait_until != 0;
        if anything {
            for &method in &removed {
                self.remove(method);
                events.push(Event::MethodDisabled { method });
            }
            if !removed.is_empty() {
                events.push(Event::MfaTurnedOff);
            }
            self.backup = None;
            self.challenges = Default::default();
            self.failures = 0;
            self.wait_until = 0;
            self.revoke_devices(events);
            events.push(Event::MfaReset);
        }
        format!("reset:{removed:?}")
    }
}
