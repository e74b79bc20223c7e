//! Reading `otpauth://` text into a [`KeyUri`]. See [`KeyUri::parse`] for what is
//! accepted. Nothing here indexes, slices or does arithmetic on the input: every split
//! is `split_once`, so no input can panic.

use alloc::string::String;
use core::str::FromStr;

use zeroize::Zeroizing;

use super::percent::{Plus, decode};
use super::{KeyUri, OtpKind};
use crate::error::{Error, UriError, UriParameter};
use crate::otp::{Algorithm, HotpConfig, TotpConfig};
use crate::secret::Secret;

/// Which secret constructor a parse uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum SecretRule {
    /// [`Secret::from_base32`]: at least 16 bytes.
    Standard,
    /// [`Secret::from_legacy_base32`]: at least 10 bytes, for imports.
    Legacy,
}

/// Parses `uri`. See [`KeyUri::parse`].
pub(super) fn parse(uri: &str, rule: SecretRule) -> Result<KeyUri, Error> {
    let (scheme, rest) = uri.split_once("://").ok_or(UriError::NotOtpauth)?;
    if !scheme.eq_ignore_ascii_case("otpauth") {
        return Err(UriError::NotOtpauth.into());
    }
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (kind, label) = path.split_once('/').unwrap_or((path, ""));
    let is_hotp = if kind.eq_ignore_ascii_case("totp") {
        false
    } else if kind.eq_ignore_ascii_case("hotp") {
        true
    } else {
        return Err(UriError::UnknownType.into());
    };

    let (label_issuer, account) = split_label(label)?;
    if account.trim_start_matches(' ').is_empty() {
        return Err(UriError::MissingLabel.into());
    }
    let params = Params::collect(query)?;
    let issuer = merge_issuers(label_issuer, params.issuer)?;
    let secret = params.secret(rule)?;
    let algorithm = match params.algorithm {
        Some(raw) => Algorithm::from_name(&decode(raw, Plus::Space)?)
            .ok_or(UriError::InvalidParameter(UriParameter::Algorithm))?,
        None => Algorithm::Sha1,
    };
    let digits: Option<u8> = number(params.digits, UriParameter::Digits)?;

    let otp = if is_hotp {
        let mut config = HotpConfig::default().with_algorithm(algorithm);
        if let Some(digits) = digits {
            config = config
                .with_digits(digits)
                .map_err(|_| invalid(UriParameter::Digits))?;
        }
        let counter = number(params.counter, UriParameter::Counter)?;
        let counter = counter.ok_or(UriError::MissingCounter)?;
        OtpKind::Hotp { config, counter }
    } else {
        let mut config = TotpConfig::default().with_algorithm(algorithm);
        if let Some(digits) = digits {
            config = config
                .with_digits(digits)
                .map_err(|_| invalid(UriParameter::Digits))?;
        }
        if let Some(period) = number(params.period, UriParameter::Period)? {
            config = config
                .with_period(period)
                .map_err(|_| invalid(UriParameter::Period))?;
        }
        OtpKind::Totp(config)
    };
    Ok(KeyUri::new(otp, issuer.as_deref(), &account, secret)?)
}

/// Splits the label into its issuer prefix (if any) and account, both decoded.
///
/// The split is made on the raw text, at the first literal `:`, or without one at the
/// first `%3A`: a colon encoded inside the issuer (as [`KeyUri::to_uri`] writes it)
/// must not end the issuer.
fn split_label(label: &str) -> Result<(Option<String>, String), UriError> {
    let split = label.split_once(':').or_else(|| {
        [label.split_once("%3A"), label.split_once("%3a")]
            .into_iter()
            .flatten()
            .min_by_key(|(issuer, _)| issuer.len())
    });
    match split {
        Some((issuer, account)) => Ok((
            Some(decode(issuer, Plus::Literal)?),
            decode(account, Plus::Literal)?,
        )),
        None => Ok((None, decode(label, Plus::Literal)?)),
    }
}

/// The issuer from the label prefix and from the parameter: either alone, or both if
/// equal. An empty one counts as absent.
fn merge_issuers(label: Option<String>, param: Option<&str>) -> Result<Option<String>, UriError> {
    let label = label.filter(|i| !i.is_empty());
    let param = param
        .map(|raw| decode(raw, Plus::Space))
        .transpose()?
        .filter(|i| !i.is_empty());
    match (label, param) {
        (Some(label), Some(param)) if label != param => Err(UriError::IssuerMismatch),
        (label, param) => Ok(label.or(param)),
    }
}

/// The raw (still encoded) values of the known parameters.
#[derive(Default)]
struct Params<'a> {
    secret: Option<&'a str>,
    issuer: Option<&'a str>,
    algorithm: Option<&'a str>,
    digits: Option<&'a str>,
    period: Option<&'a str>,
    counter: Option<&'a str>,
}

impl<'a> Params<'a> {
    /// Sorts the query's `name=value` pairs, refusing a known name seen twice and
    /// ignoring unknown ones (their values are not even decoded).
    fn collect(query: &'a str) -> Result<Self, UriError> {
        let mut params = Params::default();
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let Some((parameter, slot)) = params.slot(name) else {
                continue;
            };
            if slot.replace(value).is_some() {
                return Err(UriError::DuplicateParameter(parameter));
            }
        }
        Ok(params)
    }

    /// The slot for parameter `name` (any letter case), if it is a known one.
    fn slot(&mut self, name: &str) -> Option<(UriParameter, &mut Option<&'a str>)> {
        [
            (UriParameter::Secret, &mut self.secret),
            (UriParameter::Issuer, &mut self.issuer),
            (UriParameter::Algorithm, &mut self.algorithm),
            (UriParameter::Digits, &mut self.digits),
            (UriParameter::Period, &mut self.period),
            (UriParameter::Counter, &mut self.counter),
        ]
        .into_iter()
        .find(|(parameter, _)| parameter.name().eq_ignore_ascii_case(name))
    }

    /// Decodes the secret; its decoded text is zeroized when dropped.
    fn secret(&self, rule: SecretRule) -> Result<Secret, Error> {
        let raw = self.secret.ok_or(UriError::MissingSecret)?;
        let text = Zeroizing::new(decode(raw, Plus::Space)?);
        if text.trim().is_empty() {
            return Err(UriError::MissingSecret.into());
        }
        let secret = match rule {
            SecretRule::Standard => Secret::from_base32(&text),
            SecretRule::Legacy => Secret::from_legacy_base32(&text),
        };
        Ok(secret?)
    }
}

/// Decodes and parses an optional decimal parameter: ASCII digits only (no sign, no
/// spaces), within the range of `T`.
fn number<T: FromStr>(raw: Option<&str>, parameter: UriParameter) -> Result<Option<T>, UriError> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    let text = decode(raw, Plus::Space)?;
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(parameter));
    }
    text.parse().map(Some).map_err(|_| invalid(parameter))
}

const fn invalid(parameter: UriParameter) -> UriError {
    UriError::InvalidParameter(parameter)
}
