//! The serialised form of a [`BackupCodeSet`]:
//!
//! ```json
//! {"v":1,"scheme":"hmac-sha256-128","key_id":1,"length":16,"salt":"<32 hex>",
//!  "codes":[["<32 hex>",null],["<32 hex>",1767225600],…]}
//! ```
//!
//! Each code is `[hash, used_at]`. Loading checks the version first, then that the
//! shape is one this build could have made; a record that fails is refused rather
//! than half-trusted.

use alloc::vec::Vec;

use serde::de::Error as _;
use serde::ser::SerializeStruct as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::policy::{MAX_BACKUP_CODE_COUNT, MAX_BACKUP_CODE_LENGTH, MIN_BACKUP_CODE_LENGTH};
use super::stored::{BackupCodeSet, StoredCode};
use crate::error::{ConfigError, Error, PolicyField};
use crate::keyed_hash::HashScheme;
use crate::keyed_hash::SALT_LEN;

/// The salt as hex, borrowed.
struct Salt<'a>(&'a [u8; SALT_LEN]);

impl Serialize for Salt<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        crate::hex::array::serialize(self.0, serializer)
    }
}

impl Serialize for BackupCodeSet {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("BackupCodeSet", 6)?;
        s.serialize_field("v", &BackupCodeSet::SCHEMA_VERSION)?;
        s.serialize_field("scheme", &self.scheme)?;
        s.serialize_field("key_id", &self.key_id)?;
        s.serialize_field("length", &self.length)?;
        s.serialize_field("salt", &Salt(&self.salt))?;
        s.serialize_field("codes", &self.codes)?;
        s.end()
    }
}

/// What is read before it is checked.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Repr {
    v: u32,
    scheme: HashScheme,
    key_id: u32,
    length: u8,
    #[serde(with = "crate::hex::array")]
    salt: [u8; SALT_LEN],
    codes: Vec<StoredCode>,
}

impl Repr {
    fn check(self) -> Result<BackupCodeSet, Error> {
        if self.v != BackupCodeSet::SCHEMA_VERSION {
            return Err(Error::UnsupportedSchema { version: self.v });
        }
        if !(MIN_BACKUP_CODE_LENGTH..=MAX_BACKUP_CODE_LENGTH).contains(&self.length) {
            return Err(ConfigError::Policy(PolicyField::BackupCodeLength).into());
        }
        if self.codes.is_empty() || self.codes.len() > usize::from(MAX_BACKUP_CODE_COUNT) {
            return Err(ConfigError::Policy(PolicyField::BackupCodeCount).into());
        }
        Ok(BackupCodeSet {
            scheme: self.scheme,
            key_id: self.key_id,
            length: self.length,
            salt: self.salt,
            codes: self.codes,
        })
    }
}

impl<'de> Deserialize<'de> for BackupCodeSet {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Repr::deserialize(deserializer)?
            .check()
            .map_err(D::Error::custom)
    }
}
