//! The remembered-device cookie: `mfa_device`, `Secure; HttpOnly; SameSite=Strict`,
//! holding the device token the library issued after a second factor.
//!
//! `HttpOnly` keeps it from page scripts (an XSS cannot read it and replay it
//! elsewhere), `Secure` from plain HTTP, `SameSite=Strict` from requests other sites
//! start. The token is checked by the library against the keyed hash the record
//! keeps; the cookie itself proves nothing until then.

use axum::http::{HeaderMap, HeaderValue, header};
use mfa_core::account::DeviceToken;

/// The cookie's name.
pub const NAME: &str = "mfa_device";

/// The device token in the request's `Cookie` header, if one parses.
#[must_use]
pub fn read(headers: &HeaderMap) -> Option<DeviceToken> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == NAME)
        .and_then(|(_, value)| DeviceToken::parse(value))
}

/// The `Set-Cookie` value that stores `token` for `max_age` seconds.
#[must_use]
pub fn set(token: &DeviceToken, max_age: u64) -> Option<HeaderValue> {
    let text = token.to_text();
    let cookie = format!(
        "{NAME}={}; Path=/; Max-Age={max_age}; Secure; HttpOnly; SameSite=Strict",
        text.expose_secret()
    );
    HeaderValue::from_str(&cookie).ok().map(|mut value| {
        value.set_sensitive(true);
        value
    })
}

/// The `Set-Cookie` value that deletes the cookie from this browser.
#[must_use]
pub fn clear() -> HeaderValue {
    HeaderValue::from_static("mfa_device=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Strict")
}

/// A short label for the device list, from the `User-Agent` header.
#[must_use]
pub fn label(headers: &HeaderMap) -> String {
    headers
        .get(header::USER_AGENT)
        .and_then(|value| value.to_str().ok())
        .map_or_else(
            || "a browser".to_owned(),
            |agent| agent.chars().take(64).collect(),
        )
}
