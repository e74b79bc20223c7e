//! The serialised form of a [`BackupCodeSet`], schema version 2:
//!
//! ```json
//! {"v":2,"scheme":"hkdf-hmac-sha256-128","key_id":1,"length":16,"salt":"<32 hex>",
//!  "hashes":"<32 hex per code, in the order shown>","used":[[3,1767225600],…]}
//! ```
//!
//! `hashes` holds every code's keyed hash end to end; `used` lists the slots used
//! so far, as `[slot, used_at]` in slot order, and is left out while none is (a
//! set that spells out `"used":[]` reads alike). Schema version 1, still
//! read and rewritten as version 2 at the next change, kept each code as
//! `"codes":[["<32 hex>",null],["<32 hex>",1767225600],…]`: one JSON string and one
//! array per code made the set about a fifth of a sign-in's decode and encode time,
//! where version 2 is one string.
//!
//! Loading checks the version first, then that the shape is one this build could
//! have made; a set that fails is refused rather than half-trusted.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::marker::PhantomData;

use serde::de::{SeqAccess, Visitor};
use serde::ser::{SerializeSeq as _, SerializeStruct as _};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::policy::{MAX_BACKUP_CODE_COUNT, MAX_BACKUP_CODE_LENGTH, MIN_BACKUP_CODE_LENGTH};
use super::stored::{BackupCodeSet, StoredCode};
use crate::error::{ConfigError, Error, PolicyField};
use crate::keyed_hash::{CodeHash, HASH_LEN, HashScheme, SALT_LEN};

/// The salt as hex, borrowed.
struct Salt<'a>(&'a [u8; SALT_LEN]);

impl Serialize for Salt<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        crate::hex::array::serialize(self.0, serializer)
    }
}

/// Every code's hash as one hex string.
struct Hashes<'a>(&'a [StoredCode]);

impl Serialize for Hashes<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut hex = alloc::vec![0u8; self.0.len().saturating_mul(2 * HASH_LEN)];
        for (code, out) in self.0.iter().zip(hex.chunks_exact_mut(2 * HASH_LEN)) {
            crate::hex::encode_into(code.hash(), out);
        }
        // Hex digits are ASCII, so this never falls back.
        serializer.serialize_str(&String::from_utf8(hex).unwrap_or_default())
    }
}

/// The used slots as `[slot, used_at]` pairs.
struct Used<'a>(&'a [StoredCode]);

impl Serialize for Used<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(None)?;
        for (slot, code) in self.0.iter().enumerate() {
            if let Some(at) = code.used_at() {
                seq.serialize_element(&(slot, at))?;
            }
        }
        seq.end()
    }
}

impl Serialize for BackupCodeSet {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let any_used = self.codes.iter().any(|code| code.used_at().is_some());
        let mut s = serializer.serialize_struct("BackupCodeSet", 6 + usize::from(any_used))?;
        s.serialize_field("v", &BackupCodeSet::SCHEMA_VERSION)?;
        s.serialize_field("scheme", &self.scheme)?;
        s.serialize_field("key_id", &self.key_id)?;
        s.serialize_field("length", &self.length)?;
        s.serialize_field("salt", &Salt(&self.salt))?;
        s.serialize_field("hashes", &Hashes(&self.codes))?;
        if any_used {
            s.serialize_field("used", &Used(&self.codes))?;
        } else {
            s.skip_field("used")?;
        }
        s.end()
    }
}

/// What is read before it is checked: `codes` in version 1, `hashes` and `used`
/// in version 2.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Repr {
    v: u32,
    scheme: HashScheme,
    key_id: u32,
    length: u8,
    #[serde(with = "crate::hex::array")]
    salt: [u8; SALT_LEN],
    #[serde(default, deserialize_with = "codes")]
    codes: Option<Vec<StoredCode>>,
    #[serde(default, deserialize_with = "hashes")]
    hashes: Option<Vec<u8>>,
    #[serde(default, deserialize_with = "used")]
    used: Option<Vec<(u64, u64)>>,
}

/// The error for a list that runs past the most codes a set may hold.
fn too_many<E: serde::de::Error>() -> E {
    E::custom(Error::from(ConfigError::Policy(
        PolicyField::BackupCodeCount,
    )))
}

/// A list read into one allocation, refusing more than a set may hold as soon as
/// the list runs past it (stored data is hostile: a list of a million is not read
/// whole first). Its text names what was expected.
struct Bounded<T>(&'static str, PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for Bounded<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let most = usize::from(MAX_BACKUP_CODE_COUNT);
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(16).min(most));
        while let Some(item) = seq.next_element()? {
            if items.len() == most {
                return Err(too_many());
            }
            items.push(item);
        }
        Ok(items)
    }
}

/// Version 1's `codes`.
fn codes<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<StoredCode>>, D::Error> {
    let list = Bounded("a list of stored backup codes", PhantomData);
    d.deserialize_seq(list).map(Some)
}

/// Version 2's `used`.
fn used<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<(u64, u64)>>, D::Error> {
    let list = Bounded("a list of [slot, used_at] pairs", PhantomData);
    d.deserialize_seq(list).map(Some)
}

/// Version 2's `hashes`: whole hashes only, at most a set's worth, decoded in one
/// pass without a copy of the text.
fn hashes<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
    struct Hashes;
    impl Visitor<'_> for Hashes {
        type Value = Vec<u8>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("the codes' hashes as hex")
        }

        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Self::Value, E> {
            let each = 2 * HASH_LEN;
            if !text.len().is_multiple_of(each) {
                return Err(E::custom("backup code hashes that are not whole hashes"));
            }
            if text.len() / each > usize::from(MAX_BACKUP_CODE_COUNT) {
                return Err(too_many());
            }
            crate::hex::decode_vec(text)
                .ok_or_else(|| E::custom("backup code hashes that are not hex"))
        }
    }
    d.deserialize_str(Hashes).map(Some)
}

impl Repr {
    fn check<E: serde::de::Error>(self) -> Result<BackupCodeSet, E> {
        let codes = match (self.v, self.codes, self.hashes, self.used) {
            (BackupCodeSet::OLDEST_SCHEMA_VERSION, Some(codes), None, None) => codes,
            (BackupCodeSet::SCHEMA_VERSION, None, Some(hashes), used) => {
                slots(&hashes, &used.unwrap_or_default())?
            }
            (BackupCodeSet::OLDEST_SCHEMA_VERSION | BackupCodeSet::SCHEMA_VERSION, ..) => {
                return Err(E::custom(
                    "a backup code set with fields of another schema version",
                ));
            }
            (version, ..) => return Err(E::custom(Error::UnsupportedSchema { version })),
        };
        let refuse = |field| Err(E::custom(Error::from(ConfigError::Policy(field))));
        if !(MIN_BACKUP_CODE_LENGTH..=MAX_BACKUP_CODE_LENGTH).contains(&self.length) {
            return refuse(PolicyField::BackupCodeLength);
        }
        if codes.is_empty() || codes.len() > usize::from(MAX_BACKUP_CODE_COUNT) {
            return refuse(PolicyField::BackupCodeCount);
        }
        Ok(BackupCodeSet {
            scheme: self.scheme,
            key_id: self.key_id,
            length: self.length,
            salt: self.salt,
            codes,
        })
    }
}

/// Version 2's slots: each hash (`hashes` holds them end to end), used when `used`
/// names its slot. The slots named must exist and come in order, each once, as
/// the library writes them.
fn slots<E: serde::de::Error>(hashes: &[u8], used: &[(u64, u64)]) -> Result<Vec<StoredCode>, E> {
    let count = hashes.len() / HASH_LEN;
    let in_order = used.windows(2).all(|pair| match pair {
        [(earlier, _), (later, _)] => earlier < later,
        _ => true,
    });
    let in_set = used
        .last()
        .is_none_or(|&(slot, _)| usize::try_from(slot).is_ok_and(|slot| slot < count));
    if !(in_order && in_set) {
        return Err(E::custom(
            "used backup code slots that are not in the set, or not in order",
        ));
    }
    let mut used = used.iter().peekable();
    Ok(hashes
        .chunks_exact(HASH_LEN)
        .enumerate()
        .map(|(slot, hash)| {
            let at = used
                .next_if(|&&(named, _)| usize::try_from(named).is_ok_and(|named| named == slot))
                .map(|&(_, at)| at);
            // `chunks_exact` makes every chunk a whole hash.
            let code = CodeHash::try_from(hash).unwrap_or_default();
            StoredCode::stored(code, at)
        })
        .collect())
}

impl<'de> Deserialize<'de> for BackupCodeSet {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Repr::deserialize(deserializer)?.check()
    }
}
