//! A record's remembered devices as stored (left out while there are none, so a
//! record without any is written as before):
//!
//! ```json
//! "devices":[{"id":"<32 hex: the token's keyed hash>","key_id":1,
//!             "label":"Firefox on macOS","created_at":…,"last_used_at":…,
//!             "expires_at":…}]
//! ```

use alloc::borrow::Cow;
use alloc::vec::Vec;
use core::fmt;

use serde::de::{Error as _, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::account::device::{DeviceId, RememberedDevice};
use crate::account::policy::MAX_REMEMBERED_DEVICES;
use crate::error::{Error, RecordError};

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DeviceV1<'a> {
    #[serde(with = "crate::hex::array")]
    id: DeviceId,
    key_id: u32,
    label: Cow<'a, str>,
    created_at: u64,
    last_used_at: u64,
    expires_at: u64,
}

impl<'a> From<&'a RememberedDevice> for DeviceV1<'a> {
    fn from(d: &'a RememberedDevice) -> Self {
        DeviceV1 {
            id: d.id,
            key_id: d.key_id,
            label: Cow::Borrowed(&d.label),
            created_at: d.created_at,
            last_used_at: d.last_used_at,
            expires_at: d.expires_at,
        }
    }
}

impl From<DeviceV1<'_>> for RememberedDevice {
    fn from(d: DeviceV1<'_>) -> Self {
        RememberedDevice {
            id: d.id,
            key_id: d.key_id,
            label: d.label.into_owned(),
            created_at: d.created_at,
            last_used_at: d.last_used_at,
            expires_at: d.expires_at,
        }
    }
}

/// Writes a record's devices in their stored form.
pub(super) fn serialize<S: Serializer>(
    devices: &[RememberedDevice],
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_seq(devices.iter().map(DeviceV1::from))
}

/// Reads a record's devices, refusing more than an account may remember as soon as
/// the list runs past it.
pub(super) fn deserialize<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Vec<RememberedDevice>, D::Error> {
    d.deserialize_seq(DevicesVisitor)
}

struct DevicesVisitor;

impl<'de> Visitor<'de> for DevicesVisitor {
    type Value = Vec<RememberedDevice>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of remembered devices")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let most = usize::from(MAX_REMEMBERED_DEVICES);
        let mut devices = Vec::new();
        while let Some(device) = seq.next_element::<DeviceV1<'_>>()? {
            if devices.len() == most {
                return Err(A::Error::custom(Error::from(RecordError::Devices)));
            }
            devices.push(RememberedDevice::from(device));
        }
        Ok(devices)
    }
}
