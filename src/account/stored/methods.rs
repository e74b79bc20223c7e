//! A record's enabled methods as stored:
//!
//! ```json
//! "authenticator":{"secret":…,"config":{"alg":"SHA256","digits":8,"period":30,"t0":0,
//!                  "past":1,"future":1},"enabled_at":…,"last_step":…},
//! "email":{"to":…,"enabled_at":…}
//! ```
//!
//! with `config` left out when it is the standard one (SHA-1, 6 digits, 30 s,
//! T0 = 0, one step each way; a record that spells it out is read alike), and
//! `secret` and `to` sealed (`{"k":1,"s":"<hex>"}`) or, in schema version 1,
//! in the clear. Borrowed from the record when written, owned when read.

use alloc::borrow::Cow;
use alloc::string::String;

use serde::{Deserialize, Serialize};

use crate::account::record::{AuthenticatorMethod, OobMethod};
use crate::account::vault::Vault;
use crate::otp::TotpConfig;
use crate::secret::Secret;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AuthenticatorV1<'a> {
    secret: Cow<'a, Vault<Secret>>,
    #[serde(
        default = "crate::otp::stored_standard",
        skip_serializing_if = "crate::otp::is_stored_standard"
    )]
    config: TotpConfig,
    enabled_at: u64,
    last_step: Option<u64>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct OobMethodV1<'a> {
    to: Cow<'a, Vault<String>>,
    enabled_at: u64,
}

impl<'a> From<&'a AuthenticatorMethod> for AuthenticatorV1<'a> {
    fn from(app: &'a AuthenticatorMethod) -> Self {
        AuthenticatorV1 {
            secret: Cow::Borrowed(&app.secret),
            config: app.config,
            enabled_at: app.enabled_at,
            last_step: app.last_step,
        }
    }
}

impl From<AuthenticatorV1<'_>> for AuthenticatorMethod {
    fn from(app: AuthenticatorV1<'_>) -> Self {
        AuthenticatorMethod {
            secret: app.secret.into_owned(),
            config: app.config,
            enabled_at: app.enabled_at,
            last_step: app.last_step,
        }
    }
}

impl<'a> From<&'a OobMethod> for OobMethodV1<'a> {
    fn from(oob: &'a OobMethod) -> Self {
        OobMethodV1 {
            to: Cow::Borrowed(&oob.to),
            enabled_at: oob.enabled_at,
        }
    }
}

impl From<OobMethodV1<'_>> for OobMethod {
    fn from(oob: OobMethodV1<'_>) -> Self {
        OobMethod {
            to: oob.to.into_owned(),
            enabled_at: oob.enabled_at,
        }
    }
}
