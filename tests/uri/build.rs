//! Building: defaults left out, other settings written and percent-encoded, labels
//! normalised or refused, and the secret redacted from `Debug`.

use mfa_core::error::UriError;
use mfa_core::otp::{Algorithm, HotpConfig, TotpConfig};
use mfa_core::uri::KeyUri;

use crate::fixture::{SECRET, secret};

#[test]
fn build_omits_defaults() {
    let key = KeyUri::totp(
        Some("ACME Co"),
        "john.doe@email.com",
        secret(),
        TotpConfig::default(),
    )
    .unwrap();
    assert_eq!(
        key.to_uri().expose_secret(),
        format!("otpauth://totp/ACME%20Co:john.doe@email.com?secret={SECRET}&issuer=ACME%20Co")
    );
    let key = KeyUri::totp(None, "alice", secret(), TotpConfig::default()).unwrap();
    assert_eq!(
        key.to_uri().expose_secret(),
        format!("otpauth://totp/alice?secret={SECRET}")
    );
}

#[test]
fn build_writes_non_defaults() {
    let config = TotpConfig::default()
        .with_algorithm(Algorithm::Sha512)
        .with_digits(8)
        .unwrap()
        .with_period(60)
        .unwrap();
    let key = KeyUri::totp(Some("Ex:am+ple/é"), "a b", secret(), config).unwrap();
    assert_eq!(
        key.to_uri().expose_secret(),
        format!(
            "otpauth://totp/Ex%3Aam%2Bple%2F%C3%A9:a%20b?secret={SECRET}\
             &issuer=Ex%3Aam%2Bple%2F%C3%A9&algorithm=SHA512&digits=8&period=60"
        )
    );
    assert_eq!(KeyUri::parse(key.to_uri().expose_secret()).unwrap(), key);

    let key = KeyUri::hotp(None, "bob", secret(), HotpConfig::default(), 0).unwrap();
    assert_eq!(
        key.to_uri().expose_secret(),
        format!("otpauth://hotp/bob?secret={SECRET}&counter=0")
    );
}

#[test]
fn account_with_colon_and_no_issuer_round_trips() {
    let key = KeyUri::totp(None, "a:b", secret(), TotpConfig::default()).unwrap();
    let uri = key.to_uri();
    assert_eq!(
        uri.expose_secret(),
        format!("otpauth://totp/:a%3Ab?secret={SECRET}")
    );
    let parsed = KeyUri::parse(uri.expose_secret()).unwrap();
    assert_eq!((parsed.issuer(), parsed.account()), (None, "a:b"));
}

#[test]
fn constructor_normalises_and_refuses() {
    let key = KeyUri::totp(Some(""), "  alice", secret(), TotpConfig::default()).unwrap();
    assert_eq!((key.issuer(), key.account()), (None, "alice"));
    for account in ["", "   "] {
        assert_eq!(
            KeyUri::totp(None, account, secret(), TotpConfig::default()).unwrap_err(),
            UriError::MissingLabel
        );
    }
    // Apps count from the Unix epoch: a URI cannot carry another T0.
    let config = TotpConfig::default().with_t0(1);
    assert_eq!(
        KeyUri::totp(None, "alice", secret(), config).unwrap_err(),
        UriError::UnsupportedT0
    );
}

#[test]
fn debug_redacts_the_secret() {
    let key = KeyUri::totp(Some("Example"), "alice", secret(), TotpConfig::default()).unwrap();
    let debug = format!("{key:?}");
    assert!(
        debug.contains("Example") && debug.contains("alice"),
        "{debug}"
    );
    assert!(debug.contains("secret: [redacted]"), "{debug}");
    assert!(
        !debug.contains(SECRET) && !debug.contains("1234567890"),
        "{debug}"
    );
    assert_eq!(format!("{:?}", key.to_uri()), "SensitiveText([redacted])");
}
