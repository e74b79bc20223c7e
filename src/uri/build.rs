//! Writing a [`KeyUri`] as `otpauth://` text.

use alloc::string::{String, ToString};

use super::percent::{encode_into, encoded_len};
use super::{KeyUri, OtpKind};
use crate::otp::Algorithm;
use crate::sensitive::SensitiveText;

/// Room for everything but the label, issuer and secret: the scheme and type,
/// the separators and every optional parameter at its longest (a 20-digit number).
const FIXED_LEN: usize = 160;

/// The defaults every app assumes, and which are therefore not written.
const DEFAULT_DIGITS: u8 = 6;
const DEFAULT_PERIOD: u64 = 30;

/// Builds the URI text. See [`KeyUri::to_uri`] for the format.
pub(super) fn to_uri(key: &KeyUri) -> SensitiveText {
    let secret = key.secret.to_base32();
    let secret = secret.expose_secret();
    let issuer = key.issuer.as_deref();
    let issuer_len = issuer.map_or(0, encoded_len);

    // Allocated once at its final size: a reallocation would free a copy of the
    // secret without zeroizing it.
    let capacity = FIXED_LEN
        .saturating_add(issuer_len.saturating_mul(2))
        .saturating_add(encoded_len(&key.account))
        .saturating_add(secret.len());
    let mut uri = String::with_capacity(capacity);

    uri.push_str(match key.otp {
        OtpKind::Totp(_) => "otpauth://totp/",
        OtpKind::Hotp { .. } => "otpauth://hotp/",
    });
    match issuer {
        Some(issuer) => {
            encode_into(&mut uri, issuer);
            uri.push(':');
        }
        // The label would otherwise split at the account's first (encoded) colon:
        // an empty issuer prefix keeps the whole account as the account.
        None if key.account.contains(':') => uri.push(':'),
        None => {}
    }
    encode_into(&mut uri, &key.account);

    uri.push_str("?secret=");
    uri.push_str(secret);
    if let Some(issuer) = issuer {
        uri.push_str("&issuer=");
        encode_into(&mut uri, issuer);
    }

    let (algorithm, digits) = match key.otp {
        OtpKind::Totp(config) => (config.algorithm(), config.digits()),
        OtpKind::Hotp { config, .. } => (config.algorithm(), config.digits()),
    };
    if algorithm != Algorithm::Sha1 {
        push_param(&mut uri, "algorithm", algorithm.name());
    }
    if digits != DEFAULT_DIGITS {
        push_param(&mut uri, "digits", &digits.to_string());
    }
    match key.otp {
        OtpKind::Totp(config) if config.period() != DEFAULT_PERIOD => {
            push_param(&mut uri, "period", &config.period().to_string());
        }
        OtpKind::Totp(_) => {}
        OtpKind::Hotp { counter, .. } => push_param(&mut uri, "counter", &counter.to_string()),
    }
    SensitiveText::from_string(uri)
}

/// Appends `&name=value`; `value` is already URI-safe (a name or a number).
fn push_param(uri: &mut String, name: &str, value: &str) {
    uri.push('&');
    uri.push_str(name);
    uri.push('=');
    uri.push_str(value);
}
