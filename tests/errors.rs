//! Errors as a caller sees them. The `Display` text of the structured error details
//! (`CodeFormatError`, `BackupCodeFormatError`, `SecretError`, `UriError`,
//! `RecordError`): every variant writes its own non-empty message naming what was
//! wrong (the numbers, the position, the parameter), the wrapping `Error` repeats
//! it, and no message ever echoes the submitted code, secret or URI. And which
//! errors answer the user rather than the caller.
#![allow(clippy::unwrap_used, missing_docs)]

use std::collections::HashSet;
use std::fmt::Display;

use mfa_core::backup::{BackupCodePolicy, BackupCodeSet};
use mfa_core::error::{
    BackupCodeFormatError, CodeFormatError, RecordError, SecretError, UriError, UriParameter,
};
use mfa_core::{Secret, ServerKey, error::Error, otp::TotpConfig, uri::KeyUri};
use rand::SeedableRng;
use rand::rngs::StdRng;

const NOW: u64 = 1_767_225_600;
/// 20 bytes of base32, a valid secret.
const SECRET_B32: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

/// Every message is non-empty and no two variants share one.
fn assert_distinct_and_non_empty<T: Display>(variants: &[T]) {
    let mut seen = HashSet::new();
    for v in variants {
        let text = v.to_string();
        assert!(!text.trim().is_empty(), "an empty message");
        assert!(seen.insert(text.clone()), "two variants say {text:?}");
    }
}

/// `message` contains no run of `run` consecutive characters of `input`.
fn assert_no_echo(message: &str, input: &str, run: usize) {
    let chars: Vec<char> = input.chars().collect();
    for window in chars.windows(run) {
        let piece: String = window.iter().collect();
        assert!(
            !message.contains(&piece),
            "{message:?} echoes {piece:?} of the input"
        );
    }
}

#[test]
fn code_format_errors_say_how_many_digits_were_expected_and_found() {
    let wrong = CodeFormatError::WrongLength {
        expected: 8,
        found: 5,
    };
    let text = wrong.to_string();
    assert!(text.contains('8') && text.contains('5'), "{text}");
    assert!(text.contains("digit"), "{text}");
    let not_digit = CodeFormatError::NotADigit.to_string();
    assert!(not_digit.contains("digit"), "{not_digit}");
    assert_distinct_and_non_empty(&[wrong, CodeFormatError::NotADigit]);
    let wrapped = Error::MalformedCode(wrong).to_string();
    assert!(wrapped.contains(&text), "{wrapped}");
}

#[test]
fn code_format_messages_never_echo_the_submitted_code() {
    let secret = Secret::from_base32(SECRET_B32).unwrap();
    let totp = TotpConfig::default();
    for (typed, expected) in [
        ("12a456", CodeFormatError::NotADigit),
        (
            "9876543",
            CodeFormatError::WrongLength {
                expected: 6,
                found: 7,
            },
        ),
    ] {
        let error = totp.verify(&secret, typed, NOW, None).unwrap_err();
        assert_eq!(error, Error::MalformedCode(expected));
        let text = error.to_string();
        assert!(text.contains(&expected.to_string()), "{text}");
        assert_no_echo(&text, typed, 3);
    }
}

#[test]
fn backup_code_format_errors_name_the_lengths_or_the_position() {
    let wrong = BackupCodeFormatError::WrongLength {
        expected: 16,
        found: 15,
    };
    let text = wrong.to_string();
    assert!(text.contains("16") && text.contains("15"), "{text}");
    let invalid = BackupCodeFormatError::InvalidChar { position: 7 };
    let at = invalid.to_string();
    assert!(at.contains('7') && at.contains("position"), "{at}");
    assert_distinct_and_non_empty(&[wrong, invalid]);
    let wrapped = Error::MalformedBackupCode(invalid).to_string();
    assert!(wrapped.contains(&at), "{wrapped}");
}

#[test]
fn backup_code_format_messages_never_echo_the_typed_code() {
    let key = ServerKey::new(1, &[0x42; 32]).unwrap();
    let (plain, mut set) = BackupCodeSet::generate(
        &BackupCodePolicy::default(),
        &key,
        &mut StdRng::seed_from_u64(9),
    );
    let code = plain.expose_secret().next().unwrap().to_owned();
    let bare = code.replace('-', "");
    let short = &bare[..15];
    let bad_char = format!("{}U", &bare[..15]);
    for (typed, expected) in [
        (
            short.to_owned(),
            BackupCodeFormatError::WrongLength {
                expected: 16,
                found: 15,
            },
        ),
        (
            bad_char,
            BackupCodeFormatError::InvalidChar { position: 15 },
        ),
    ] {
        let error = set.consume(&typed, &key, NOW).unwrap_err();
        assert_eq!(error, Error::MalformedBackupCode(expected));
        let text = error.to_string();
        assert!(text.contains(&expected.to_string()), "{text}");
        assert_no_echo(&text, &typed, 4);
    }
}

#[test]
fn secret_errors_name_the_sizes_or_the_position() {
    let too_short = SecretError::TooShort { len: 9, min: 16 };
    let short = too_short.to_string();
    assert!(short.contains('9') && short.contains("16"), "{short}");
    let too_long = SecretError::TooLong { len: 65, max: 64 };
    let long = too_long.to_string();
    assert!(long.contains("65") && long.contains("64"), "{long}");
    let bad_char = SecretError::InvalidBase32Char { position: 3 };
    let at = bad_char.to_string();
    assert!(at.contains('3') && at.contains("base32"), "{at}");
    let bad_length = SecretError::InvalidBase32Length;
    assert!(bad_length.to_string().contains("base32"), "{bad_length}");
    assert_distinct_and_non_empty(&[too_short, too_long, bad_char, bad_length]);
    let wrapped = Error::Secret(too_short).to_string();
    assert!(wrapped.contains(&short), "{wrapped}");
}

#[test]
fn secret_messages_never_echo_the_secret_text() {
    // A '1' (not base32) at position 16 of an otherwise valid secret.
    let typo = "JBSWY3DPEHPK3PXP1BSWY3DPEHPK3PXP";
    let error = Secret::from_base32(typo).unwrap_err();
    assert_eq!(error, SecretError::InvalidBase32Char { position: 16 });
    let text = error.to_string();
    assert!(text.contains("16"), "{text}");
    assert_no_echo(&text, typo, 4);

    let short = "JBSWY3DPEHPK3PXP"; // 10 bytes
    let error = Secret::from_base32(short).unwrap_err();
    assert_eq!(error, SecretError::TooShort { len: 10, min: 16 });
    let text = Error::Secret(error).to_string();
    assert!(text.contains("10") && text.contains("16"), "{text}");
    assert_no_echo(&text, short, 4);
}

#[test]
fn uri_errors_each_say_what_is_wrong_and_name_the_parameter() {
    let all = [
        UriError::NotOtpauth,
        UriError::UnknownType,
        UriError::MissingLabel,
        UriError::MissingSecret,
        UriError::MissingCounter,
        UriError::IssuerMismatch,
        UriError::DuplicateParameter(UriParameter::Secret),
        UriError::DuplicateParameter(UriParameter::Digits),
        UriError::InvalidParameter(UriParameter::Secret),
        UriError::InvalidParameter(UriParameter::Period),
        UriError::BadPercentEncoding,
        UriError::UnsupportedT0,
    ];
    assert_distinct_and_non_empty(&all);
    assert!(UriError::NotOtpauth.to_string().contains("otpauth"));
    assert!(UriError::MissingSecret.to_string().contains("secret"));
    assert!(UriError::MissingCounter.to_string().contains("counter"));
    for p in [
        UriParameter::Secret,
        UriParameter::Issuer,
        UriParameter::Algorithm,
        UriParameter::Digits,
        UriParameter::Period,
        UriParameter::Counter,
    ] {
        let twice = UriError::DuplicateParameter(p).to_string();
        assert!(twice.contains(p.name()), "{twice}");
        let invalid = UriError::InvalidParameter(p).to_string();
        assert!(invalid.contains(p.name()), "{invalid}");
        assert_ne!(twice, invalid);
    }
    let wrapped = Error::Uri(UriError::MissingLabel).to_string();
    assert!(
        wrapped.contains(&UriError::MissingLabel.to_string()),
        "{wrapped}"
    );
}

#[test]
fn uri_messages_never_echo_the_secret() {
    let cases = [
        (
            format!("otpauth://totp/Example:jane?secret={SECRET_B32}&secret={SECRET_B32}"),
            UriError::DuplicateParameter(UriParameter::Secret),
        ),
        (
            format!("otpauth://totp/Example:jane?secret={SECRET_B32}&digits=99"),
            UriError::InvalidParameter(UriParameter::Digits),
        ),
        (
            format!("otpauth://push/Example:jane?secret={SECRET_B32}"),
            UriError::UnknownType,
        ),
        (
            format!("otpauth://hotp/Example:jane?secret={SECRET_B32}"),
            UriError::MissingCounter,
        ),
    ];
    for (uri, expected) in cases {
        let error = KeyUri::parse(&uri).unwrap_err();
        assert_eq!(error, Error::Uri(expected), "{uri}");
        let text = error.to_string();
        assert!(text.contains(&expected.to_string()), "{text}");
        assert_no_echo(&text, SECRET_B32, 4);
    }
}

/// A URI too long for a QR code is the caller's (its issuer or account names are
/// too long), and the message says both lengths.
#[test]
fn a_uri_too_long_for_a_qr_code_names_both_lengths() {
    let error = Error::UriTooLongForQr {
        len: 2400,
        max: 2331,
    };
    let text = error.to_string();
    assert!(
        text.contains("2400") && text.contains("2331") && text.contains("QR"),
        "{text}"
    );
    assert_eq!(error.code(), "uri_too_long_for_qr");
    assert!(!error.is_user_error());
}

/// Why a stored record was refused: each reason has its own stable name and its own
/// message, and the error wrapping it says which.
#[test]
fn record_errors_name_the_reason() {
    let reasons = [
        RecordError::DefaultMethod,
        RecordError::DuplicatePurpose,
        RecordError::ChallengeWithoutMethod,
        RecordError::StageMismatch,
        RecordError::Destination,
        RecordError::TimeOutOfRange,
        RecordError::Sealing,
    ];
    assert_distinct_and_non_empty(&reasons);
    let names: Vec<&str> = reasons.iter().map(|r| r.name()).collect();
    assert_eq!(
        names,
        [
            "default_method",
            "duplicate_purpose",
            "challenge_without_method",
            "stage_mismatch",
            "destination",
            "time_out_of_range",
            "sealing"
        ]
    );
    for reason in reasons {
        let error = Error::CorruptRecord(reason);
        assert_eq!(error.code(), "corrupt_record");
        assert!(error.to_string().ends_with(&reason.to_string()), "{error}");
    }
    assert_eq!(Error::SealedValueInvalid.code(), "sealed_value_invalid");
    assert!(!Error::SealedValueInvalid.is_user_error());
}

/// Only an answer to what the user typed is a user error: a failing generator or a
/// record of an unknown schema is the server's to fix, not something to show the
/// user as a wrong code.
#[test]
fn caller_and_data_errors_are_not_the_users() {
    assert!(Error::InvalidCode.is_user_error());
    assert!(!Error::RngFailure.is_user_error());
    assert!(!Error::UnsupportedSchema { version: 9 }.is_user_error());
}
