//! The serialised form of a [`TotpConfig`] (feature `serde`):
//!
//! ```json
//! {"alg":"SHA1","digits":6,"period":30,"t0":0,"past":1,"future":1}
//! ```
//!
//! Loading re-checks every value, so a stored config that exists is as valid as one
//! built in code: 6 to 10 digits, a period of at least 1 s, a window of at most
//! [`MAX_WINDOW_STEPS`](super::MAX_WINDOW_STEPS) each way. Unknown fields are refused.
//!
//! An account record leaves an authenticator's settings out when they are the
//! standard ones ([`stored_standard`]), as nearly all are: a sign-in then reads and
//! writes seven fewer JSON fields.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{Algorithm, TotpConfig, Window};
use crate::error::ConfigError;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Stored {
    alg: Algorithm,
    digits: u8,
    period: u64,
    t0: u64,
    past: u8,
    future: u8,
}

impl TryFrom<Stored> for TotpConfig {
    type Error = ConfigError;

    fn try_from(s: Stored) -> Result<Self, ConfigError> {
        Ok(TotpConfig::default()
            .with_algorithm(s.alg)
            .with_digits(s.digits)?
            .with_period(s.period)?
            .with_t0(s.t0)
            .with_window(Window::new(s.past, s.future)?))
    }
}

impl Serialize for TotpConfig {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Stored {
            alg: self.algorithm(),
            digits: self.digits(),
            period: self.period(),
            t0: self.t0(),
            past: self.window().past(),
            future: self.window().future(),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for TotpConfig {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        TotpConfig::try_from(Stored::deserialize(deserializer)?).map_err(D::Error::custom)
    }
}

/// The settings a record that leaves them out stands for: SHA-1, 6 digits, 30 s,
/// T0 = 0, one step each way, fixed by the stored form (not the default).
pub(crate) fn stored_standard() -> TotpConfig {
    TotpConfig::STORED_STANDARD
}

/// Whether a record leaves `config` out.
// `skip_serializing_if` passes a reference.
#[allow(clippy::trivially_copy_pass_by_ref)]
pub(crate) fn is_stored_standard(config: &TotpConfig) -> bool {
    *config == TotpConfig::STORED_STANDARD
}
