//! Remembered devices ("don't ask again on this device"): the token a browser keeps,
//! and what the record keeps of it — a keyed hash, a label and three times.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use rand_core::CryptoRng;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

use super::event::Event;
use super::record::Account;
use crate::ct::{FirstMatch, Outcome};
use crate::error::Error;
use crate::sensitive::SensitiveText;
use crate::server_key::ServerKey;
use crate::server_keys::ServerKeys;

/// Random bytes in a device token: 256 bits, beyond guessing for its whole life.
const DEVICE_TOKEN_BYTES: usize = 32;
/// Bytes of the keyed hash a record keeps of a device token.
pub(crate) const DEVICE_ID_BYTES: usize = 16;
/// What a device token's text starts with.
const PREFIX: &str = "device_";
/// Separates device-token hashes from every other use of the server key.
const CONTEXT: &[u8] = b"mfa-core/device/v1";

/// The longest label a remembered device keeps, in characters; a longer one is cut.
pub const MAX_DEVICE_LABEL_CHARS: usize = 64;

/// The hash a record keeps of a device token.
pub(crate) type DeviceId = [u8; DEVICE_ID_BYTES];

/// A remembered device's token: 256 bits from the caller's CSPRNG, written as
/// `device_<64 hex digits>`. Set it as a cookie (`Secure; HttpOnly;
/// SameSite=Strict`) and hand it back to
/// [`Mfa::begin_login_remembered`](super::Mfa::begin_login_remembered) at the next
/// sign-in.
///
/// The record keeps only an HMAC of it under the server key, so neither a copy of
/// the database nor its key alone yields a live token. Zeroized on drop; `Debug`
/// prints `DeviceToken([redacted])`.
pub struct DeviceToken {
    bytes: Zeroizing<[u8; DEVICE_TOKEN_BYTES]>,
}

impl DeviceToken {
    pub(crate) fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut bytes = Zeroizing::new([0u8; DEVICE_TOKEN_BYTES]);
        rng.fill_bytes(bytes.as_mut_slice());
        DeviceToken { bytes }
    }

    /// Reads a token as the browser sent it back; `None` for anything that is not
    /// one (treat it as no token: sign-in asks for a code).
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        let hex = text.trim().strip_prefix(PREFIX)?;
        let bytes = crate::hex::decode::<DEVICE_TOKEN_BYTES>(hex)?;
        Some(DeviceToken {
            bytes: Zeroizing::new(bytes),
        })
    }

    /// The token as text, for the cookie: `device_<64 hex digits>`.
    ///
    /// **Security warning:** it stands in for a second factor until it expires or
    /// is revoked. Send it to that browser only, as an `HttpOnly` cookie; never log
    /// it.
    pub fn to_text(&self) -> SensitiveText {
        let mut hex = [0u8; 2 * DEVICE_TOKEN_BYTES];
        crate::hex::encode_into(self.bytes.as_slice(), &mut hex);
        let mut text = String::with_capacity(PREFIX.len() + hex.len());
        text.push_str(PREFIX);
        crate::sensitive::push_ascii(&mut text, &hex);
        hex.zeroize();
        SensitiveText::from_string(text)
    }

    /// `HMAC-SHA-256` of the token under a subkey of `key` for this context, first
    /// 16 bytes.
    fn id(&self, key: &ServerKey) -> DeviceId {
        let full = key.lookup_digest(CONTEXT, self.bytes.as_slice());
        let mut id = [0u8; DEVICE_ID_BYTES];
        for (o, f) in id.iter_mut().zip(full.iter()) {
            *o = *f;
        }
        id
    }
}

impl fmt::Debug for DeviceToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DeviceToken([redacted])")
    }
}

impl zeroize::ZeroizeOnDrop for DeviceToken {}

/// A device the record remembers.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct RememberedDevice {
    /// The token's keyed hash, never the token.
    pub(crate) id: DeviceId,
    /// The server key the hash is made under.
    pub(crate) key_id: u32,
    /// What the user called it (or the server named it: "Firefox on macOS").
    pub(crate) label: String,
    pub(crate) created_at: u64,
    pub(crate) last_used_at: u64,
    pub(crate) expires_at: u64,
}

impl RememberedDevice {
    /// A device remembered at `now` for `lifetime` seconds under the current key.
    pub(crate) fn new(
        token: &DeviceToken,
        keys: &ServerKeys,
        label: &str,
        now: u64,
        lifetime: u64,
    ) -> Self {
        RememberedDevice {
            id: token.id(keys.current()),
            key_id: keys.current().id(),
            label: clean_label(label),
            created_at: now,
            last_used_at: now,
            expires_at: now.saturating_add(lifetime),
        }
    }
}

/// A label as stored: control characters become spaces, surrounding space goes,
/// and at most [`MAX_DEVICE_LABEL_CHARS`] characters stay. A label is shown back
/// in a device list; it is never a reason to refuse a sign-in.
pub(crate) fn clean_label(label: &str) -> String {
    // Control characters become spaces before trimming, and the cut is trimmed
    // again, so that a stored label is already in this form: the check on loading
    // (`is_clean_label`) asks exactly that.
    let spaced: String = label
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let cut: String = spaced.trim().chars().take(MAX_DEVICE_LABEL_CHARS).collect();
    String::from(cut.trim_end())
}

/// Whether `label` is in the form [`clean_label`] stores.
#[cfg(feature = "serde")]
pub(crate) fn is_clean_label(label: &str) -> bool {
    clean_label(label) == label
}

/// A remembered device, as a device list shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeviceInfo {
    /// The device's key for [`Mfa::forget_device`](super::Mfa::forget_device): 32
    /// hex digits of its token's hash, which cannot be turned back into the token.
    pub key: String,
    /// Its label.
    pub label: String,
    /// When it was remembered, Unix seconds.
    pub created_at: u64,
    /// When it last stood in for a code, Unix seconds.
    pub last_used_at: u64,
    /// When it stops standing in for one, Unix seconds.
    pub expires_at: u64,
}

impl Account {
    /// The devices that skip the second factor at sign-in, oldest first (expired
    /// ones are dropped by the next operation).
    #[must_use]
    pub fn devices(&self) -> Vec<DeviceInfo> {
        self.devices
            .iter()
            .map(|d| DeviceInfo {
                key: crate::hex::encode(&d.id),
                label: d.label.clone(),
                created_at: d.created_at,
                last_used_at: d.last_used_at,
                expires_at: d.expires_at,
            })
            .collect()
    }

    /// Forgets every remembered device; returns how many there were.
    pub(crate) fn forget_all_devices(&mut self) -> usize {
        let count = self.devices.len();
        if count > 0 {
            self.devices.clear();
            self.touch();
        }
        count
    }

    /// Forgets every remembered device when a factor changes under them (a method
    /// turned off, backup codes replaced, an unlock or reset), with the event.
    pub(crate) fn revoke_devices(&mut self, events: &mut Vec<Event>) {
        let count = self.forget_all_devices();
        if count > 0 {
            events.push(Event::DevicesForgotten { count });
        }
    }

    /// Drops the devices whose time is up at `now` (a change of the record);
    /// returns whether any was.
    pub(crate) fn drop_expired_devices(&mut self, now: u64) -> bool {
        let before = self.devices.len();
        self.devices.retain(|d| now < d.expires_at);
        let dropped = before != self.devices.len();
        if dropped {
            self.touch();
        }
        dropped
    }

    /// The position of the live device `token` stands for, comparing its hash with
    /// every stored one in constant time (no early exit).
    ///
    /// # Errors
    /// [`Error::ServerKeyMismatch`] for a device hashed under a key the ring lacks.
    pub(crate) fn find_device(
        &self,
        token: &DeviceToken,
        keys: &ServerKeys,
    ) -> Result<Option<usize>, Error> {
        let mut found = FirstMatch::new();
        // Devices are usually all under one key: its hash of the token is made once.
        let mut hashed: Option<(u32, DeviceId)> = None;
        for (i, device) in (0u64..).zip(&self.devices) {
            let id = match hashed {
                Some((key_id, id)) if key_id == device.key_id => id,
                _ => {
                    let id = token.id(keys.for_stored(device.key_id)?);
                    hashed = Some((device.key_id, id));
                    id
                }
            };
            found.record(device.id.ct_eq(&id), i);
        }
        let index = core::hint::black_box(found.value_or(0));
        Ok(match found.verdict_alone().outcome() {
            Outcome::Found => usize::try_from(index).ok(),
            Outcome::Refused | Outcome::NoMatch => None,
        })
    }
}
