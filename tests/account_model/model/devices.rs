//! Remembered devices: remembered by a sign-in, recognised until they expire, the
//! oldest evicted past the limit, forgotten on request and when factors change.

use mfa_core::{account::Event, error::Error};

use super::{MProof, Model};
use crate::calls::{Call, Reply};
use crate::ops::Slot;
use crate::support::{MAX_DEVICES, REMEMBER_FOR};

impl Model {
    /// A login challenge answered: the proof, the challenge consumed.
    pub(super) fn sign_in(
        &mut self,
        key: &str,
        code: &str,
        now: u64,
        events: &mut Vec<Event>,
    ) -> Result<MProof, Error> {
        self.locate(Slot::Login, key, now)?;
        let proof = self.check_code(Slot::Login, code, now, events)?;
        self.challenge_mut(Slot::Login).consumed = true;
        Ok(proof)
    }

    pub(super) fn verify_login_remembering(
        &mut self,
        key: &str,
        code: &str,
        now: u64,
        actual: &Result<Reply, Error>,
        events: &mut Vec<Event>,
    ) -> Result<String, Error> {
        let proof = self.sign_in(key, code, now, events)?;
        self.devices.retain(|&(_, expires)| now < expires);
        let keep = usize::from(MAX_DEVICES) - 1;
        let evicted = self.devices.len().saturating_sub(keep);
        if evicted > 0 {
            self.devices.drain(..evicted);
            events.push(Event::DevicesForgotten { count: evicted });
        }
        let expires_at = now + REMEMBER_FOR;
        if let Ok(Reply::Remembered(_, text)) = actual {
            self.devices.push((text.clone(), expires_at));
        }
        events.push(Event::DeviceRemembered { expires_at });
        Ok(format!("{}:remembered", proof.tag()))
    }

    /// A live device of an account that may begin skips the code; anything else
    /// is an ordinary sign-in.
    pub(super) fn begin_login_on(
        &mut self,
        text: &str,
        now: u64,
        actual: &Result<Reply, Error>,
        events: &mut Vec<Event>,
    ) -> Result<String, Error> {
        if self.default.is_some() && self.check_not_locked(now).is_ok() {
            let live = self
                .devices
                .iter()
                .any(|(known, expires)| known == text && now < *expires);
            if live {
                events.push(Event::DeviceRecognized);
                return Ok("not_required".to_owned());
            }
        }
        self.apply(&Call::BeginLogin, now, actual, events)
    }

    pub(super) fn forget_devices(&mut self, events: &mut Vec<Event>) -> String {
        let count = self.devices.len();
        self.revoke_devices(events);
        format!("forgotten:{count}")
    }

    /// Every remembered device is forgotten, with the event when there was one.
    pub(super) fn revoke_devices(&mut self, events: &mut Vec<Event>) {
        if !self.devices.is_empty() {
            events.push(Event::DevicesForgotten {
                count: self.devices.len(),
            });
            self.devices.clear();
        }
    }
}
