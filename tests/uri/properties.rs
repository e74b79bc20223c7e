//! Over random issuers, accounts, secrets and settings: what is built parses back
//! to the same key, and no text makes parsing panic.

use mfa_core::uri::KeyUri;
use mfa_core::{
    Secret,
    otp::{Algorithm, HotpConfig, TotpConfig},
};
use proptest::prelude::*;

use crate::fixture::SECRET;
use crate::proptest_regressions::beside_source;

fn algorithm() -> impl Strategy<Value = Algorithm> {
    prop_oneof![
        Just(Algorithm::Sha1),
        Just(Algorithm::Sha256),
        Just(Algorithm::Sha512)
    ]
}

/// Any Unicode text, often with the characters the format treats specially.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), "[a-zA-Z :%+@&=?/#é]{0,12}"]
}

/// Any account the constructors accept: not empty once leading spaces are removed.
fn account() -> impl Strategy<Value = String> {
    text().prop_filter("empty account", |a| !a.trim_start_matches(' ').is_empty())
}

fn check_round_trip(key: &KeyUri, issuer: Option<&str>, account: &str, bytes: &[u8]) {
    let expected_issuer = issuer.filter(|i| !i.is_empty());
    assert_eq!(key.issuer(), expected_issuer);
    assert_eq!(key.account(), account.trim_start_matches(' '));
    let parsed = KeyUri::parse(key.to_uri().expose_secret()).unwrap();
    assert_eq!(parsed.issuer(), expected_issuer);
    assert_eq!(parsed.account(), key.account());
    assert_eq!(parsed.secret().expose_secret(), bytes);
    assert_eq!(parsed.otp(), key.otp());
    assert_eq!(&parsed, key);
}

proptest! {
    #![proptest_config(beside_source(ProptestConfig::default()))]

    #[test]
    fn totp_round_trip(
        issuer in proptest::option::of(text()),
        account in account(),
        bytes in proptest::collection::vec(any::<u8>(), 16..=64),
        algorithm in algorithm(),
        digits in 6_u8..=10,
        period in 1_u64..,
    ) {
        let config = TotpConfig::default()
            .with_algorithm(algorithm)
            .with_digits(digits)
            .unwrap()
            .with_period(period)
            .unwrap();
        let secret = Secret::from_bytes(&bytes).unwrap();
        let key = KeyUri::totp(issuer.as_deref(), &account, secret, config).unwrap();
        check_round_trip(&key, issuer.as_deref(), &account, &bytes);
    }

    #[test]
    fn hotp_round_trip(
        issuer in proptest::option::of(text()),
        account in account(),
        bytes in proptest::collection::vec(any::<u8>(), 16..=64),
        algorithm in algorithm(),
        digits in 6_u8..=10,
        counter in any::<u64>(),
    ) {
        let config = HotpConfig::default()
            .with_algorithm(algorithm)
            .with_digits(digits)
            .unwrap();
        let secret = Secret::from_bytes(&bytes).unwrap();
        let key = KeyUri::hotp(issuer.as_deref(), &account, secret, config, counter).unwrap();
        check_round_trip(&key, issuer.as_deref(), &account, &bytes);
        prop_assert_eq!(key.counter(), Some(counter));
    }

    #[test]
    fn parse_never_panics(text in any::<String>()) {
        let _ = KeyUri::parse(&text);
        let _ = KeyUri::parse_legacy(&text);
        let _ = KeyUri::parse(&format!("otpauth://totp/{text}"));
        let _ = KeyUri::parse(&format!("otpauth://hotp/{text}"));
    }

    #[test]
    fn parse_never_panics_on_uri_like_text(
        text in "[A-Za-z0-9%:?&=+ /.@=-]{0,80}",
        tail in "(&(secret|issuer|digits|period|counter|algorithm)=[A-Za-z0-9%+=-]{0,40}){0,6}",
    ) {
        let _ = KeyUri::parse(&format!("otpauth://totp/{text}"));
        let _ = KeyUri::parse_legacy(&format!("otpauth://hotp/{text}?secret={SECRET}{tail}"));
        let _ = KeyUri::parse(&format!("otpauth://totp/a?{text}{tail}"));
    }
}
