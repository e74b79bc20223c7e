//! The serialised form of an [`Account`] (feature `serde`), schema version 2:
//!
//! ```json
//! {"v":2,"version":7,"id":"<32 hex: the record's random id>","default":"authenticator",
//!  "authenticator":{"secret":{"k":1,"s":"<hex: nonce ‖ ciphertext ‖ tag>"},
//!                   "config":{"alg":"SHA256","digits":8,"period":30,"t0":0,"past":1,
//!                   "future":1},"enabled_at":…,"last_step":…},
//!  "email":{"to":{"k":1,"s":"<hex>"},"enabled_at":…},
//!  "backup_codes":{"v":2,…},"throttle":{"failures":2,"wait_until":0},
//!  "sends":{"since":…,"sent":1},"challenges":[…]}
//! ```
//!
//! What a fresh record holds is left out: a standard authenticator config, a
//! throttle and a send budget at zero, no challenges, no devices, a challenge's
//! `"consumed":false`, a backup-code set's empty `"used"`. A record that spells
//! them out reads alike; what is left out is fixed by this form, not by the
//! library's defaults, so a record keeps its meaning across versions.
//!
//! Every secret, address, number and pending account name is sealed (`k` names the
//! server key); schema version 1 is the same shape with them in the clear and no
//! `id`, read and written until the record's next change seals it. Absent methods
//! and sets are left out. Challenges keep the token's hash, never the token; email
//! / SMS codes only as keyed hashes. Any other version is refused
//! ([`Error::UnsupportedSchema`]); so are unknown fields and records the state
//! machine could not have produced ([`Error::CorruptRecord`]: a default method that
//! is not enabled, a confirmation whose factor is not the method enrolled, a
//! destination it never accepts, a time past the year 9999, …).

use alloc::vec::Vec;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

mod challenge;
mod check;
mod devices;
mod methods;
mod throttle;
mod vault;

use super::challenge::Challenge;
use super::device::RememberedDevice;
use super::record::Account;
use crate::backup::BackupCodeSet;
use crate::error::{Error, RecordError};
use crate::method::Method;
use crate::seal::RecordId;
use methods::{AuthenticatorV1, OobMethodV1};
use throttle::{SendsV1, ThrottleV1};

/// A record's id as 32 hex digits.
mod record_id {
    use serde::{Deserializer, Serializer};

    use crate::seal::RecordId;

    pub(super) fn serialize<S: Serializer>(id: &Option<RecordId>, s: S) -> Result<S::Ok, S::Error> {
        match id {
            Some(id) => crate::hex::array::serialize(id, s),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<RecordId>, D::Error> {
        crate::hex::array::deserialize(d).map(Some)
    }
}

/// Whether a field holds what a fresh record does, and is left out.
fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

/// The record as written, borrowed (no copy of secrets or sets on the way out).
#[derive(Serialize)]
struct WrittenV1<'a> {
    v: u32,
    version: u64,
    #[serde(skip_serializing_if = "Option::is_none", with = "record_id")]
    id: Option<RecordId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    default: Option<Method>,
    #[serde(skip_serializing_if = "Option::is_none")]
    authenticator: Option<AuthenticatorV1<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<OobMethodV1<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sms: Option<OobMethodV1<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    backup_codes: Option<&'a BackupCodeSet>,
    #[serde(skip_serializing_if = "is_default")]
    throttle: ThrottleV1,
    #[serde(skip_serializing_if = "is_default")]
    sends: SendsV1,
    #[serde(
        serialize_with = "challenge::serialize",
        skip_serializing_if = "<[_]>::is_empty"
    )]
    challenges: &'a [Challenge],
    #[serde(
        serialize_with = "devices::serialize",
        skip_serializing_if = "<[_]>::is_empty"
    )]
    devices: &'a [RememberedDevice],
}

/// The record as read, before its consistency is checked.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredV1 {
    v: u64,
    version: u64,
    #[serde(default, with = "record_id")]
    id: Option<RecordId>,
    #[serde(default)]
    default: Option<Method>,
    #[serde(default)]
    authenticator: Option<AuthenticatorV1<'static>>,
    #[serde(default)]
    email: Option<OobMethodV1<'static>>,
    #[serde(default)]
    sms: Option<OobMethodV1<'static>>,
    #[serde(default)]
    backup_codes: Option<BackupCodeSet>,
    #[serde(default)]
    throttle: ThrottleV1,
    #[serde(default)]
    sends: SendsV1,
    #[serde(default, deserialize_with = "challenge::deserialize")]
    challenges: Vec<Challenge>,
    #[serde(default, deserialize_with = "devices::deserialize")]
    devices: Vec<RememberedDevice>,
}

/// A stored account record that has the right shape but is not yet checked (feature
/// `serde`): deserialize into this, then [`Account::try_from`] it, to tell a record
/// that is not JSON of the right shape (your deserializer's error) from one that
/// holds what the library never writes ([`Error::CorruptRecord`],
/// [`Error::UnsupportedSchema`], typed, each with a stable [`Error::code`]).
///
/// ```
/// # use mfa_core::{account::Account, error::Error};
/// # use mfa_core::account::StoredAccount;
/// let text = r#"{"v":1,"version":3,"default":"email"}"#;
/// let stored: StoredAccount = serde_json::from_str(text).expect("the right shape");
/// let err = Account::try_from(stored).unwrap_err();
/// assert_eq!(err.code(), "corrupt_record"); // a default method that is not enabled
/// ```
///
/// Deserializing [`Account`] directly does both steps, with the typed error turned
/// into your deserializer's error message.
#[derive(Deserialize)]
#[serde(transparent)]
pub struct StoredAccount(StoredV1);

impl core::fmt::Debug for StoredAccount {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StoredAccount")
            .field("v", &self.0.v)
            .field("version", &self.0.version)
            .finish_non_exhaustive()
    }
}

/// Checks a stored record: its schema version first, then everything
/// loading requires (see the module docs).
impl TryFrom<StoredAccount> for Account {
    type Error = Error;

    fn try_from(StoredAccount(s): StoredAccount) -> Result<Self, Error> {
        let sealed = match u32::try_from(s.v) {
            Ok(Account::SCHEMA_VERSION) => true,
            Ok(Account::OLDEST_SCHEMA_VERSION) => false,
            _ => {
                let version = u32::try_from(s.v).unwrap_or(u32::MAX);
                return Err(Error::UnsupportedSchema { version });
            }
        };
        if sealed != s.id.is_some() {
            return Err(RecordError::Sealing.into());
        }
        let account = Account {
            version: s.version,
            id: s.id,
            default_method: s.default,
            authenticator: s.authenticator.map(Into::into),
            email: s.email.map(Into::into),
            sms: s.sms.map(Into::into),
            backup_codes: s.backup_codes,
            throttle: s.throttle.into(),
            sends: s.sends.into(),
            challenges: s.challenges,
            devices: s.devices,
            dirty: false,
        };
        check::check(&account, sealed)?;
        Ok(account)
    }
}

/// Writes schema version 2, or 1 for a record loaded in that version and not yet
/// sealed (see the module docs for the shape).
impl Serialize for Account {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        WrittenV1 {
            v: if self.id.is_some() {
                Account::SCHEMA_VERSION
            } else {
                Account::OLDEST_SCHEMA_VERSION
            },
            version: self.version,
            id: self.id,
            default: self.default_method,
            authenticator: self.authenticator.as_ref().map(Into::into),
            email: self.email.as_ref().map(Into::into),
            sms: self.sms.as_ref().map(Into::into),
            backup_codes: self.backup_codes.as_ref(),
            throttle: self.throttle.into(),
            sends: self.sends.into(),
            challenges: &self.challenges,
            devices: &self.devices,
        }
        .serialize(serializer)
    }
}

/// Reads schema versions 2 and 1; refuses another version, unknown fields and records the
/// state machine could not have produced (see [`StoredAccount`] for typed errors).
impl<'de> Deserialize<'de> for Account {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Account::try_from(StoredAccount::deserialize(deserializer)?).map_err(D::Error::custom)
    }
}
