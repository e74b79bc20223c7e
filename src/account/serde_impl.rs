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
//! the token; email / SMS codes only as keyed hashes. `"v"` is read first and any
//! other version is refused ([`Error::UnsupportedSchema`]); so are unknown fields and
//! records whose parts contradict each other (a default method that is not enabled,
//! backup codes without a method, two challenges of one purpose).

use alloc::vec::Vec;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::challenge::{Challenge, Task};
use super::destination;
use super::method::{Method, Purpose};
use super::record::{Account, AuthenticatorMethod, OobMethod};
use super::throttle::{SendBudget, Throttle};
use crate::backup::BackupCodeSet;
use crate::error::{ConfigError, Error, PolicyField};

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
    #[serde(rename = "v", deserialize_with = "version")]
    _v: (),
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

/// Reads `"v"` and refuses any version but 1 on the spot.
fn version<'de, D: Deserializer<'de>>(deserializer: D) -> Result<(), D::Error> {
    let v = u64::deserialize(deserializer)?;
    let v = u32::try_from(v).unwrap_or(u32::MAX);
    if v != ACCOUNT_SCHEMA_VERSION {
        return Err(D::Error::custom(Error::UnsupportedSchema { version: v }));
    }
    Ok(())
}

fn inconsistent() -> Error {
    ConfigError::Policy(PolicyField::AccountRecord).into()
}

impl TryFrom<StoredV1> for Account {
    type Error = Error;

    fn try_from(s: StoredV1) -> Result<Self, Error> {
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
        let any_enabled = Method::ALL.into_iter().any(|m| account.is_enabled(m));
        let default_ok = match account.default_method {
            Some(m) => account.is_enabled(m),
            None => !any_enabled && account.backup_codes.is_none(),
        };
        if !default_ok {
            return Err(inconsistent());
        }
        if let Some(email) = &account.email {
            destination::email(&email.to)?;
        }
        if let Some(sms) = &account.sms {
            destination::phone(&sms.to)?;
        }
        for purpose in Purpose::ALL {
            let count = account
                .challenges
                .iter()
                .filter(|c| c.purpose() == purpose)
                .count();
            if count > 1 {
                return Err(inconsistent());
            }
        }
        let orphan = account.challenges.iter().any(|c| {
            !any_enabled
                && !matches!(
                    c.task,
                    Task::Setup {
                        confirming: true,
                        ..
                    } | Task::Expired(Purpose::Setup)
                )
        });
        if orphan {
            return Err(inconsistent());
        }
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

/// Reads schema version 1; refuses another version, unknown fields and
/// inconsistent records.
impl<'de> Deserialize<'de> for Account {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Account::try_from(StoredV1::deserialize(deserializer)?).map_err(D::Error::custom)
    }
}
