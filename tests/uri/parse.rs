//! Parsing: the issuer in the label, a parameter or neither, percent-encoding and
//! case, lenient secrets, and every malformed URI refused with what is wrong.

use mfa_core::error::{SecretError, UriError, UriParameter};
use mfa_core::uri::{KeyUri, OtpKind};
use mfa_core::{
    error::Error,
    otp::{Algorithm, HotpConfig, TotpConfig, Window},
};

use crate::fixture::{GOOGLE, SECRET, SECRET_BYTES, parse, uri_err, with};

#[test]
fn google_example_needs_legacy() {
    assert_eq!(
        KeyUri::parse(GOOGLE).unwrap_err(),
        Error::Secret(SecretError::TooShort { len: 10, min: 16 })
    );
    let key = KeyUri::parse_legacy(GOOGLE).unwrap();
    assert_eq!(key.issuer(), Some("Example"));
    assert_eq!(key.account(), "alice@google.com");
    assert_eq!(key.secret().expose_secret(), b"Hello!\xDE\xAD\xBE\xEF");
    assert_eq!(key.totp_config(), Some(TotpConfig::default()));
    assert_eq!(key.hotp_config(), None);
    assert_eq!(key.counter(), None);
    assert_eq!(key.otp(), &OtpKind::Totp(TotpConfig::default()));
    assert_eq!(key.totp_config().unwrap().window(), Window::DEFAULT);
}

#[test]
fn issuer_in_label_parameter_or_neither() {
    let key = parse(&format!("otpauth://totp/alice@google.com?secret={SECRET}"));
    assert_eq!((key.issuer(), key.account()), (None, "alice@google.com"));
    assert_eq!(key.secret().expose_secret(), SECRET_BYTES);

    let key = parse(&format!(
        "otpauth://totp/alice?secret={SECRET}&issuer=Example"
    ));
    assert_eq!((key.issuer(), key.account()), (Some("Example"), "alice"));

    let key = parse(&format!("otpauth://totp/Example:alice?secret={SECRET}"));
    assert_eq!((key.issuer(), key.account()), (Some("Example"), "alice"));

    let key = parse(&format!("otpauth://totp/:alice?secret={SECRET}&issuer="));
    assert_eq!((key.issuer(), key.account()), (None, "alice"));
}

#[test]
fn disagreeing_issuers_are_refused() {
    let uri = format!("otpauth://totp/Foo:alice?secret={SECRET}&issuer=Bar");
    assert_eq!(uri_err(&uri), UriError::IssuerMismatch);
    let uri = format!("otpauth://totp/Foo:alice?secret={SECRET}&issuer=foo");
    assert_eq!(uri_err(&uri), UriError::IssuerMismatch);
}

#[test]
fn encoded_colon_and_spaces_in_label() {
    for label in [
        "Example%3Aalice%40google.com",
        "Example%3a%20alice@google.com",
        "Example:%20%20alice@google.com",
        "Example: alice@google.com",
    ] {
        let key = parse(&format!(
            "otpauth://totp/{label}?secret={SECRET}&issuer=Example"
        ));
        assert_eq!(key.issuer(), Some("Example"), "{label}");
        assert_eq!(key.account(), "alice@google.com", "{label}");
    }
    let key = parse(&format!(
        "otpauth://totp/ACME%20Co:john.doe@email.com?secret={SECRET}&issuer=ACME%20Co"
    ));
    assert_eq!(key.issuer(), Some("ACME Co"));
    assert_eq!(key.account(), "john.doe@email.com");
}

#[test]
fn plus_is_literal_in_label_and_a_space_in_values() {
    let key = parse(&format!(
        "otpauth://totp/ACME%20Co:a+b@x.org?secret={SECRET}&issuer=ACME+Co"
    ));
    assert_eq!(key.issuer(), Some("ACME Co"));
    assert_eq!(key.account(), "a+b@x.org");
    let key = parse(&format!("otpauth://totp/a?secret={SECRET}&issuer=C%2B%2B"));
    assert_eq!(key.issuer(), Some("C++"));
}

#[test]
fn literal_colon_wins_over_encoded_one() {
    let key = parse(&format!(
        "otpauth://totp/a%3Ab:c?secret={SECRET}&issuer=a%3Ab"
    ));
    assert_eq!((key.issuer(), key.account()), (Some("a:b"), "c"));
    let key = parse(&format!("otpauth://totp/a%3Ab%3Ac?secret={SECRET}"));
    assert_eq!((key.issuer(), key.account()), (Some("a"), "b:c"));
}

#[test]
fn scheme_type_and_names_in_any_case() {
    let key = parse(&format!(
        "OTPAUTH://TOTP/Example:alice?SECRET={SECRET}&Issuer=Example"
    ));
    assert_eq!(key.issuer(), Some("Example"));
    let key = parse(&format!("otpauth://HoTp/alice?secret={SECRET}&counter=3"));
    assert_eq!(key.counter(), Some(3));
}

#[test]
fn lower_case_secret_with_padding() {
    let bytes = b"1234567890123456";
    let text = base32::encode(base32::Alphabet::Rfc4648Lower { padding: true }, bytes);
    assert!(text.ends_with("======"));
    let key = parse(&format!("otpauth://totp/alice?secret={text}"));
    assert_eq!(key.secret().expose_secret(), bytes);
    let key = parse(&format!(
        "otpauth://totp/alice?secret={}",
        text.replace('=', "%3D")
    ));
    assert_eq!(key.secret().expose_secret(), bytes);
}

#[test]
fn algorithm_digits_period() {
    let key = parse(&with("&algorithm=sha256&digits=8&period=60"));
    let config = key.totp_config().unwrap();
    assert_eq!(config.algorithm(), Algorithm::Sha256);
    assert_eq!(config.digits(), 8);
    assert_eq!(config.period(), 60);
    assert_eq!(config.t0(), 0);
    assert_eq!(config.window(), Window::DEFAULT);
    let key = parse(&with("&algorithm=SHA512"));
    assert_eq!(key.totp_config().unwrap().algorithm(), Algorithm::Sha512);
}

#[test]
fn invalid_parameter_values() {
    use UriParameter::{Algorithm, Counter, Digits, Period};
    for (params, parameter) in [
        ("&algorithm=md5", Algorithm),
        ("&algorithm=", Algorithm),
        ("&digits=5", Digits),
        ("&digits=11", Digits),
        ("&digits=abc", Digits),
        ("&digits=+8", Digits),
        ("&digits=%2B8", Digits),
        ("&digits=", Digits),
        ("&digits=256", Digits),
        ("&period=0", Period),
        ("&period=-30", Period),
        ("&period=18446744073709551616", Period),
    ] {
        assert_eq!(
            uri_err(&with(params)),
            UriError::InvalidParameter(parameter),
            "{params}"
        );
    }
    let uri = format!("otpauth://hotp/alice?secret={SECRET}&counter=-1");
    assert_eq!(uri_err(&uri), UriError::InvalidParameter(Counter));
}

#[test]
fn unknown_parameters_are_ignored() {
    let key = parse(&with(
        "&image=https%3A%2F%2Fexample.com%2Flogo.png&foo=%ZZ&&flag&issuer=Example",
    ));
    assert_eq!(key.issuer(), Some("Example"));
    assert_eq!(key.totp_config(), Some(TotpConfig::default()));
    // Parameters of the other type are ignored too.
    assert_eq!(parse(&with("&counter=x")).counter(), None);
    let uri = format!("otpauth://hotp/alice?secret={SECRET}&counter=1&period=x");
    assert_eq!(parse(&uri).counter(), Some(1));
}

#[test]
fn duplicate_parameters_are_refused() {
    use UriParameter::{Algorithm, Digits, Issuer, Secret};
    for (params, parameter) in [
        (format!("&secret={SECRET}"), Secret),
        ("&issuer=Example&issuer=Example".into(), Issuer),
        ("&digits=6&digits=6".into(), Digits),
        ("&algorithm=SHA1&ALGORITHM=SHA1".into(), Algorithm),
    ] {
        assert_eq!(
            uri_err(&with(&params)),
            UriError::DuplicateParameter(parameter),
            "{params}"
        );
    }
}

#[test]
fn missing_secret() {
    assert_eq!(uri_err("otpauth://totp/alice"), UriError::MissingSecret);
    assert_eq!(
        uri_err("otpauth://totp/alice?issuer=A"),
        UriError::MissingSecret
    );
    assert_eq!(
        uri_err("otpauth://totp/alice?secret="),
        UriError::MissingSecret
    );
    assert_eq!(
        KeyUri::parse("otpauth://totp/alice?secret=JBSW1").unwrap_err(),
        Error::Secret(SecretError::InvalidBase32Char { position: 4 })
    );
}

#[test]
fn missing_label() {
    for uri in [
        format!("otpauth://totp?secret={SECRET}"),
        format!("otpauth://totp/?secret={SECRET}"),
        format!("otpauth://totp/Example:?secret={SECRET}"),
        format!("otpauth://totp/Example%3A%20?secret={SECRET}"),
    ] {
        assert_eq!(uri_err(&uri), UriError::MissingLabel, "{uri}");
    }
}

#[test]
fn hotp_needs_a_counter() {
    let key = parse(&format!(
        "otpauth://hotp/Example:alice?secret={SECRET}&counter=42&digits=8"
    ));
    assert_eq!(key.counter(), Some(42));
    let config = key.hotp_config().unwrap();
    assert_eq!(config.digits(), 8);
    assert_eq!(config.look_ahead(), HotpConfig::default().look_ahead());
    assert_eq!(key.totp_config(), None);
    let uri = format!("otpauth://hotp/Example:alice?secret={SECRET}");
    assert_eq!(uri_err(&uri), UriError::MissingCounter);
}

#[test]
fn wrong_scheme_or_type() {
    for uri in [
        "",
        "otpauth",
        "otpauth:/totp/a",
        "https://totp/a?secret=x",
        "otpauth2://totp/a",
    ] {
        assert_eq!(uri_err(uri), UriError::NotOtpauth, "{uri}");
    }
    for uri in ["otpauth://motp/a", "otpauth:///a", "otpauth://totp2/a"] {
        assert_eq!(uri_err(uri), UriError::UnknownType, "{uri}");
    }
}

#[test]
fn bad_percent_escapes() {
    for bad in ["%", "%G1", "%FF", "%4", "%C3%28"] {
        let in_label = format!("otpauth://totp/{bad}:alice?secret={SECRET}");
        assert_eq!(uri_err(&in_label), UriError::BadPercentEncoding, "{bad}");
        let in_issuer = format!("otpauth://totp/alice?secret={SECRET}&issuer={bad}");
        assert_eq!(uri_err(&in_issuer), UriError::BadPercentEncoding, "{bad}");
        let in_secret = format!("otpauth://totp/alice?secret={SECRET}{bad}");
        assert_eq!(uri_err(&in_secret), UriError::BadPercentEncoding, "{bad}");
    }
}
