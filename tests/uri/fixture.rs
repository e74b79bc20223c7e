//! A secret in every form the URI tests write it, and parsing that names the URI on
//! failure.

use mfa_core::error::UriError;
use mfa_core::uri::KeyUri;
use mfa_core::{Secret, error::Error};

/// 20 bytes: "12345678901234567890".
pub(crate) const SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
pub(crate) const SECRET_BYTES: &[u8] = b"12345678901234567890";
pub(crate) const GOOGLE: &str =
    "otpauth://totp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example";

pub(crate) fn secret() -> Secret {
    Secret::from_bytes(SECRET_BYTES).unwrap()
}

pub(crate) fn parse(uri: &str) -> KeyUri {
    KeyUri::parse(uri).unwrap_or_else(|e| panic!("{uri}: {e}"))
}

pub(crate) fn uri_err(uri: &str) -> UriError {
    match KeyUri::parse(uri) {
        Err(Error::Uri(e)) => e,
        other => panic!("{uri}: expected a URI error, got {other:?}"),
    }
}

pub(crate) fn with(params: &str) -> String {
    format!("otpauth://totp/Example:alice?secret={SECRET}{params}")
}
