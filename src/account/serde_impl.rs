//! The serialised form of an [`Account`] (feature `serde`), schema version 1:
//!
//! ```json
//! {"v":1,"version":7,"default":"authenticator",
//!  "authenticator":{"secret":"<base32>","config":{"alg":"SHA1","digits":6,"period":30,
//!                   "t0":0,"past":1,"future":1},"enabled_at":…,"last_step":…},
//!  "email":{"to":"jane@example.com","enabled_at":…},
//!  "backup_codes":{"v":1,…},"throttle":{"failures":0,"wait_until":0},
//!  "sends":{"since":…,"sent":1},"challenges":[…]}
//! ```
//!
//! Absent methods and sets are left out. Challenges keep the token's hash, never
//! the token; email / SMS codes only as keyed hashes. Any version but 1 is refused
//! ([`Error::UnsupportedSchema`]); so are unknown fields and records the state
//! machine could not have produced ([`Error::CorruptRecord`]: a default method that
//! is not enabled, a confirmation whose factor is not the method enrolled, a
//! destination it never accepts, a time past the year 9999, …).

use alloc::vec::Vec;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::challenge::Challenge;
use super::method::Method;
use super::record::{Account, AuthenticatorMethod, OobMethod};
use super::record_check;
use super::throttle::{SendBudget, Throttle};
use crate::backup::BackupCodeSet;
use crate::error::Error;

/// The schema version this build writes and reads.
pub(crate) const ACCOUNT_SCHEMA_VERSION: u32 = 1;

/// The record as written, borrowed (no copy of secrets or sets on the way out).
#[derive(Serialize)]
struct WrittenV1<'a> {
    v: u32,
    version: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    default: Option<Method>,
    #[serde(skip_serializing_if = "Option::is_none")]
    authenticator: Option<&'a AuthenticatorMethod>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a OobMethod>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sms: Option<&'a OobMethod>,
    #[serde(skip_serializing_if = "Option::is_none")]
    backup_codes: Option<&'a BackupCodeSet>,
    throttle: Throttle,
    sends: SendBudget,
    challenges: &'a [Challenge],
}

/// The record as read, before its consistency is checked.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredV1 {
    v: u64,
    version: u64,
    #[serde(default)]
    default: Option<Method>,
    #[serde(default)]
    authenticator: Option<AuthenticatorMethod>,
    #[serde(default)]
    email: Option<OobMethod>,
    #[serde(default)]
    sms: Option<OobMethod>,
    #[serde(default)]
    backup_codes: Option<BackupCodeSet>,
    throttle: Throttle,
    sends: SendBudget,
    challenges: Vec<Challenge>,
}

/// A stored account record that has the right shape but is not yet checked (feature
/// `serde`): deserialize into this, then [`Account::try_from`] it, to tell a record
/// that is not JSON of the right shape (your deserializer's error) from one that
/// holds what the library never writes ([`Error::CorruptRecord`],
/// [`Error::UnsupportedSchema`], typed, each with a stable [`Error::code`]).
///
/// ```
/// # use mfa_core::{Account, Error};
/// # use mfa_core::account::StoredAccount;
/// let text = r#"{"v":1,"version":3,"default":"email","throttle":{"failures":0,"wait_until":0},
///               "sends":{"since":0,"sent":0},"challenges":[]}"#;
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
/// [`record_check`] requires.
impl TryFrom<StoredAccount> for Account {
    type Error = Error;

    fn try_from(StoredAccount(s): StoredAccount) -> Result<Self, Error> {
        if s.v != u64::from(ACCOUNT_SCHEMA_VERSION) {
            let version = u32::try_from(s.v).unwrap_or(u32::MAX);
            return Err(Error::UnsupportedSchema { version });
        }
        let account = Account {
            version: s.version,
            default_method: s.default,
            authenticator: s.authenticator,
            email: s.email,
            sms: s.sms,
            backup_codes: s.backup_codes,
            throttle: s.throttle,
            sends: s.sends,
            challenges: s.challenges,
            dirty: false,
        };
        record_check::check(&account)?;
        Ok(account)
    }
}

/// Writes schema version 1 (see the module docs for the shape).
impl Serialize for Account {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        WrittenV1 {
            v: ACCOUNT_SCHEMA_VERSION,
            version: self.version,
            default: self.default_method,
            authenticator: self.authenticator.as_ref(),
            email: self.email.as_ref(),
            sms: self.sms.as_ref(),
            backup_codes: self.backup_codes.as_ref(),
            throttle: self.throttle,
            sends: self.sends,
            challenges: &self.challenges,
        }
        .serialize(serializer)
    }
}

/// Reads schema version 1; refuses another version, unknown fields and records the
/// state machine could not have produced (see [`StoredAccount`] for typed errors).
impl<'de> Deserialize<'de> for Account {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Account::try_from(StoredAccount::deserialize(deserializer)?).map_err(D::Error::custom)
    }
}
