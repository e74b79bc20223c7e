//! Remembering a device at sign-in, recognising it at the next one, and forgetting
//! it.

use rand_core::CryptoRng;

use super::challenge::VerifiedWith;
use super::change::Change;
use super::device::{DEVICE_ID_BYTES, DeviceToken, RememberedDevice};
use super::event::Event;
use super::login::LoginStart;
use super::mfa::Mfa;
use super::record::Account;
use super::token::LoginToken;

/// A successful second factor that also remembered the device.
#[derive(Debug)]
#[must_use = "sign the user in and set the device cookie only after persisting the account"]
pub struct RememberedLogin {
    /// What the user answered with.
    pub with: VerifiedWith,
    /// The device's token, for a `Secure; HttpOnly; SameSite=Strict` cookie.
    pub device: DeviceToken,
}

impl Mfa {
    /// [`verify_login`](Self::verify_login), and on success remembers the device:
    /// its token skips the second factor at the next sign-ins on it, for the
    /// policy's [`remember_for`](super::MfaPolicy::remember_for). A device can only
    /// be remembered by a second factor that succeeded in the same call.
    ///
    /// `label` names it in [`Account::devices`] ("Firefox on macOS"); control
    /// characters become spaces and it is cut at
    /// [`MAX_DEVICE_LABEL_CHARS`](super::MAX_DEVICE_LABEL_CHARS). Remembering one
    /// more device than the policy's [`max_devices`](super::MfaPolicy::max_devices)
    /// forgets the one remembered first. Events: those of the verification, then
    /// [`Event::DevicesForgotten`] for an evicted device and
    /// [`Event::DeviceRemembered`].
    ///
    /// # Errors
    /// As [`verify_login`](Self::verify_login); on any error no device is
    /// remembered.
    pub fn verify_login_remembering<'a, R: CryptoRng + ?Sized>(
        &self,
        account: &'a mut Account,
        token: &LoginToken,
        code: &str,
        label: &str,
        rng: &mut R,
        now: u64,
    ) -> Change<'a, RememberedLogin> {
        self.run_sealing(account, now, rng, |account, events, rng| {
            let with = Self::on_challenge(account, token, now, |account, challenge| {
                let proof = self.check_code(account, challenge, code, now, events)?;
                challenge.consumed = true;
                Ok(proof.with)
            })?;
            let device = DeviceToken::generate(rng);
            let remembered =
                RememberedDevice::new(&device, &self.keys, label, now, self.policy.remember_for);
            let expires_at = remembered.expires_at;
            account.drop_expired_devices(now);
            let keep = usize::from(self.policy.max_devices).saturating_sub(1);
            let evicted = account.devices.len().saturating_sub(keep);
            if evicted > 0 {
                // Oldest first: they were remembered in this order.
                account.devices.drain(..evicted);
                events.push(Event::DevicesForgotten { count: evicted });
            }
            account.devices.push(remembered);
            account.touch();
            events.push(Event::DeviceRemembered { expires_at });
            Ok(RememberedLogin { with, device })
        })
    }

    /// [`begin_login`](Self::begin_login) from a device that may be remembered:
    /// when `device` is one of the account's live remembered devices, the answer is
    /// [`LoginStart::NotRequired`] with [`Event::DeviceRecognized`] (and its last
    /// use is recorded); otherwise, as `begin_login`. A hard-locked
    /// account honours no device, and neither does one in a lockout.
    ///
    /// # Errors
    /// As [`begin_login`](Self::begin_login);
    /// [`Error::ServerKeyMismatch`](crate::error::Error::ServerKeyMismatch) for a
    /// device remembered under a key the ring no longer holds.
    pub fn begin_login_remembered<'a, R: CryptoRng + ?Sized>(
        &self,
        account: &'a mut Account,
        device: &DeviceToken,
        rng: &mut R,
        now: u64,
    ) -> Change<'a, LoginStart> {
        self.run_sealing(account, now, rng, |account, events, rng| {
            if account.default_method.is_some() && self.check_may_begin(account, now).is_ok() {
                account.drop_expired_devices(now);
                let index = account.find_device(device, &self.keys)?;
                if let Some(found) = index.and_then(|i| account.devices.get_mut(i)) {
                    // A second sign-in in the same second changes nothing stored.
                    if found.last_used_at != now {
                        found.last_used_at = now;
                        account.touch();
                    }
                    events.push(Event::DeviceRecognized);
                    return Ok(LoginStart::NotRequired);
                }
            }
            self.start_login(account, rng, now)
        })
    }

    /// Forgets the remembered device whose [`key`](super::DeviceInfo::key) is `key`
    /// (the user's "sign out this device"); returns whether there was one.
    pub fn forget_device<'a>(
        &self,
        account: &'a mut Account,
        key: &str,
        now: u64,
    ) -> Change<'a, bool> {
        self.run(account, now, |account, events| {
            let before = account.devices.len();
            let wanted = crate::hex::decode::<DEVICE_ID_BYTES>(key);
            account.devices.retain(|d| Some(d.id) != wanted);
            let forgotten = before.saturating_sub(account.devices.len());
            if forgotten > 0 {
                account.touch();
                events.push(Event::DevicesForgotten { count: forgotten });
            }
            Ok(forgotten > 0)
        })
    }

    /// Forgets every remembered device ("sign out everywhere"); returns how many
    /// there were.
    pub fn forget_devices<'a>(&self, account: &'a mut Account, now: u64) -> Change<'a, usize> {
        self.run(account, now, |account, events| {
            let count = account.devices.len();
            account.revoke_devices(events);
            Ok(count)
        })
    }
}
