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
use core::fmt;

use serde::de::{Error as _, SeqAccess, Visitor};
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
    #[serde(deserialize_with = "codes")]
    codes: Vec<StoredCode>,
}

/// Reads the codes into one allocation, refusing more than a set may hold as soon
/// as the list runs past it (stored data is hostile: a list of a million is not
/// read whole first).
fn codes<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<StoredCode>, D::Error> {
    struct Codes;
    impl<'de> Visitor<'de> for Codes {
        type Value = Vec<StoredCode>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list of stored backup codes")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let most = usize::from(MAX_BACKUP_CODE_COUNT);
            let mut codes = Vec::with_capacity(seq.size_hint().unwrap_or(16).min(most));
            while let Some(code) = seq.next_element()? {
                if codes.len() == most {
                    return Err(A::Error::custom(Error::from(ConfigError::Policy(
                        PolicyField::BackupCodeCount,
                    ))));
                }
                codes.push(code);
            }
            Ok(codes)
        }
    }
    d.deserialize_seq(Codes)
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
