//! Challenge tokens: typed by purpose, parsed strictly, compared on every byte, and
//! named by their purpose.

use mfa_core::account::Method::Authenticator as Totp;
use mfa_core::account::{DisableToken, LoginToken, Purpose, SetupToken};
use mfa_core::error::Error;

use crate::fixture::{APP, Fx, MAIL, Read, by, is};

#[test]
fn tokens_are_typed_by_purpose() {
    let mut fx = Fx::enabled(&[APP]);
    let login = fx.login();
    let text = login.token.to_text();
    let text = text.expose_secret();
    assert!(text.starts_with("login_"), "{text}");
    assert_eq!(text.len(), 6 + 32);
    let (expected, found) = (Purpose::Setup, Purpose::Login);
    let err = SetupToken::parse(text).unwrap_err();
    is(
        err,
        Error::WrongPurpose { expected, found },
        "mfa_wrong_purpose",
    );
    let err = DisableToken::parse(text).unwrap_err();
    assert!(matches!(err, Error::WrongPurpose { .. }));
    let hex31 = format!("login_{}", "0".repeat(31));
    for junk in ["", "login", "login_", "login_xyz", "fax_00", &hex31] {
        let err = LoginToken::parse(junk).unwrap_err();
        assert_eq!(err, Error::ChallengeInvalid, "{junk}");
    }
    let back = LoginToken::parse(&format!(" {text}\n")).unwrap();
    assert!(back == login.token);
    // Only whitespace may follow the 32 digits.
    for junk in [
        format!("{text}0"),
        format!("{text} x"),
        format!("{text}\u{e9}"),
    ] {
        let err = LoginToken::parse(&junk).unwrap_err();
        assert_eq!(err, Error::ChallengeInvalid, "{junk}");
    }
    assert!(fx.acct.challenge_keys().any(|k| k == back.lookup_key()));
    let code = fx.next_totp();
    assert_eq!(fx.verify(&back, &code).val(), by(Totp));
}

/// Tokens compare every byte, whichever one differs; each sign-in draws a new token,
/// and a token's text parses back to that token.
#[test]
fn challenge_tokens_are_equal_only_with_the_same_bytes() {
    let token = |hex: &str| LoginToken::parse(&format!("login_{hex}")).unwrap();
    let zeros = "00000000000000000000000000000000";
    let a = token(zeros);
    assert_eq!(a, token(zeros));
    assert_eq!(a, a.clone());
    assert_ne!(a, token("00000000000000000000000000000001"), "last byte");
    assert_ne!(a, token("80000000000000000000000000000000"), "first byte");
    assert_ne!(a, token("ffffffffffffffffffffffffffffffff"), "every byte");
    // Real tokens: each sign-in draws a new one; its text reads back as itself.
    let mut fx = Fx::new();
    assert!(fx.enable(MAIL).result.is_ok());
    fx.now += 60;
    let first = fx.login().token;
    fx.now += 60;
    let second = fx.login().token;
    assert_ne!(first, second);
    let text = second.to_text().expose_secret().to_owned();
    assert_eq!(LoginToken::parse(&text).unwrap(), second);
}

/// A purpose displays as its name, which is also the prefix of its tokens' text.
#[test]
fn purposes_display_as_their_token_prefixes() {
    for purpose in Purpose::ALL {
        assert_eq!(purpose.to_string(), purpose.name());
    }
    assert_eq!(Purpose::Login.to_string(), "login");
}
