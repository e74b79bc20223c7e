//! The serialised form of an [`OobChallenge`] (feature `serde`), schema version 2.
//!
//! ```json
//! {"v":2,"rev":0,"channel":"email","key_id":1,"scheme":"hkdf-hmac-sha256-128","digits":6,
//!  "salt":"<32 hex>","hash":"<32 hex>","issued_at":…,"expires_at":…,
//!  "last_sent_at":…,"attempts_left":5,"max_attempts":5,"resends_used":0,
//!  "max_resends":3,"lifetime":600,"resend_cooldown":60,"consumed":false}
//! ```
//!
//! Version 1 is the same without `"scheme"`: its code was hashed under the server
//! key itself ([`HashScheme::HmacSha256Trunc128`]); it is still read. `"v"` is
//! written first and checked as soon as it is read, so a record of another version
//! is refused with the [`Error::UnsupportedSchema`] message even if its other fields
//! differ. Unknown fields are refused, and a record whose counters or policy
//! values are out of range is refused rather than loaded.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::challenge::OobChallenge;
use super::policy::OobPolicy;
use crate::error::{ConfigError, Error, PolicyField};
use crate::keyed_hash::{CodeHash, HashScheme, SALT_LEN};
use crate::method::OobChannel;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredV1 {
    #[serde(deserialize_with = "version")]
    v: u32,
    rev: u64,
    channel: OobChannel,
    key_id: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scheme: Option<HashScheme>,
    digits: u8,
    #[serde(with = "crate::hex::array")]
    salt: [u8; SALT_LEN],
    #[serde(with = "crate::hex::array")]
    hash: CodeHash,
    issued_at: u64,
    expires_at: u64,
    last_sent_at: u64,
    attempts_left: u8,
    max_attempts: u8,
    resends_used: u8,
    max_resends: u8,
    lifetime: u64,
    resend_cooldown: u64,
    consumed: bool,
}

/// The version before hash schemes were stored.
const NO_SCHEME_VERSION: u32 = OobChallenge::OLDEST_SCHEMA_VERSION;

/// Reads `"v"` and refuses any version but 2 and 1 on the spot.
fn version<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    let v = u64::deserialize(deserializer)?;
    let v = u32::try_from(v).unwrap_or(u32::MAX);
    if v != OobChallenge::SCHEMA_VERSION && v != NO_SCHEME_VERSION {
        return Err(D::Error::custom(Error::UnsupportedSchema { version: v }));
    }
    Ok(v)
}

impl From<&OobChallenge> for StoredV1 {
    fn from(c: &OobChallenge) -> Self {
        StoredV1 {
            // A code hashed before schemes were stored keeps the form it was read
            // in, so a record nothing changed writes back as it was.
            v: match c.scheme {
                HashScheme::HmacSha256Trunc128 => NO_SCHEME_VERSION,
                _ => OobChallenge::SCHEMA_VERSION,
            },
            rev: c.revision,
            channel: c.channel,
            key_id: c.key_id,
            scheme: match c.scheme {
                HashScheme::HmacSha256Trunc128 => None,
                scheme => Some(scheme),
            },
            digits: c.digits,
            salt: c.salt,
            hash: c.hash,
            issued_at: c.issued_at,
            expires_at: c.expires_at,
            last_sent_at: c.last_sent_at,
            attempts_left: c.attempts_left,
            max_attempts: c.max_attempts,
            resends_used: c.resends_used,
            max_resends: c.max_resends,
            lifetime: c.lifetime,
            resend_cooldown: c.resend_cooldown,
            consumed: c.consumed,
        }
    }
}

impl TryFrom<StoredV1> for OobChallenge {
    type Error = Error;

    fn try_from(s: StoredV1) -> Result<Self, Error> {
        let scheme = match (s.v, s.scheme) {
            (OobChallenge::SCHEMA_VERSION, Some(scheme)) => scheme,
            (NO_SCHEME_VERSION, None) => HashScheme::HmacSha256Trunc128,
            (OobChallenge::SCHEMA_VERSION | NO_SCHEME_VERSION, _) => {
                return Err(ConfigError::Policy(PolicyField::OobScheme).into());
            }
            (version, _) => return Err(Error::UnsupportedSchema { version }),
        };
        // The same ranges a policy accepts, so a record cannot hold what `issue`
        // could never have produced.
        OobPolicy::new(
            s.digits,
            s.lifetime,
            s.max_attempts,
            s.resend_cooldown,
            s.max_resends,
        )?;
        if s.attempts_left > s.max_attempts {
            return Err(ConfigError::Policy(PolicyField::OobAttempts).into());
        }
        if s.resends_used > s.max_resends {
            return Err(ConfigError::Policy(PolicyField::OobResends).into());
        }
        Ok(OobChallenge {
            channel: s.channel,
            key_id: s.key_id,
            scheme,
            digits: s.digits,
            salt: s.salt,
            hash: s.hash,
            issued_at: s.issued_at,
            expires_at: s.expires_at,
            last_sent_at: s.last_sent_at,
            attempts_left: s.attempts_left,
            max_attempts: s.max_attempts,
            resends_used: s.resends_used,
            max_resends: s.max_resends,
            lifetime: s.lifetime,
            resend_cooldown: s.resend_cooldown,
            consumed: s.consumed,
            revision: s.rev,
        })
    }
}

/// Writes schema version 2 (see the module docs for the shape): salt and hash as
/// lower-case hex, never a plain code.
impl Serialize for OobChallenge {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        StoredV1::from(self).serialize(serializer)
    }
}

/// Reads schema version 1; refuses another version
/// ([`Error::UnsupportedSchema`]'s message), unknown fields, and out-of-range
/// counters or policy values.
impl<'de> Deserialize<'de> for OobChallenge {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let stored = StoredV1::deserialize(deserializer)?;
        OobChallenge::try_from(stored).map_err(D::Error::custom)
    }
}
