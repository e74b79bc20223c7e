//! A sealed value as stored: `{"k": key id, "s": hex of nonce ‖ ciphertext ‖ tag}`
//! (schema version 2), or the plain value (schema version 1, not yet sealed).

use alloc::boxed::Box;
use core::fmt;
use core::marker::PhantomData;

use serde::de::value::StrDeserializer;
use serde::de::{Error as _, MapAccess, Visitor};
use serde::ser::{Error as _, SerializeStruct};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::account::vault::{Sealable, Vault};
use crate::hex::HexBytes;
use crate::seal::Sealed;

/// The sealed form when there is one (schema version 2):
/// `{"k": key id, "s": hex of nonce ‖ ciphertext ‖ tag}`; else the plain value
/// (schema version 1, not yet sealed).
impl<T: Sealable + Serialize> Serialize for Vault<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match (&self.sealed, &self.plain) {
            (Some(sealed), _) => {
                let mut form = serializer.serialize_struct("SealedForm", 2)?;
                form.serialize_field("k", &sealed.key_id)?;
                form.serialize_field("s", &HexBytes(&sealed.bytes))?;
                form.end()
            }
            (None, Some(plain)) => plain.serialize(serializer),
            (None, None) => Err(S::Error::custom("a secret with neither form")),
        }
    }
}

/// Reads either form in one pass: a map is the sealed form, a string the plain
/// value. (Serde's untagged enums buffer the whole value first to try each form,
/// which cost more than the rest of a sealed value's decoding.)
impl<'de, T: Sealable + Deserialize<'de>> Deserialize<'de> for Vault<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(VaultVisitor(PhantomData))
    }
}

struct VaultVisitor<T>(PhantomData<T>);

impl<'de, T: Sealable + Deserialize<'de>> Visitor<'de> for VaultVisitor<T> {
    type Value = Vault<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sealed value {\"k\", \"s\"} or a string")
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Vault<T>, E> {
        let plain = T::deserialize(StrDeserializer::<E>::new(text))?;
        Ok(Vault {
            plain: Some(Box::new(plain)),
            sealed: None,
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vault<T>, A::Error> {
        let (mut key_id, mut bytes) = (None, None);
        while let Some(field) = map.next_key::<SealedField>()? {
            match field {
                SealedField::K if key_id.is_none() => key_id = Some(map.next_value()?),
                SealedField::S if bytes.is_none() => {
                    bytes = Some(map.next_value::<crate::hex::HexVec>()?.0);
                }
                SealedField::K => return Err(A::Error::duplicate_field("k")),
                SealedField::S => return Err(A::Error::duplicate_field("s")),
            }
        }
        let key_id = key_id.ok_or_else(|| A::Error::missing_field("k"))?;
        let bytes = bytes.ok_or_else(|| A::Error::missing_field("s"))?;
        let sealed = Sealed::from_parts(key_id, bytes)
            .ok_or_else(|| A::Error::custom("a sealed value that is not one"))?;
        Ok(Vault {
            plain: None,
            sealed: Some(sealed),
        })
    }
}

/// The sealed form's fields; any other is refused.
#[derive(Deserialize)]
#[serde(field_identifier)]
enum SealedField {
    #[serde(rename = "k")]
    K,
    #[serde(rename = "s")]
    S,
}
