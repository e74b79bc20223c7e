//! Serialised values: secrets as base32 text, algorithms by URI name, and TOTP
//! configurations with every field.

use mfa_core::{Secret, otp::Algorithm};

#[test]
fn secret_round_trips_as_base32_text() {
    let secret = Secret::from_bytes(b"12345678901234567890").unwrap();
    let json = serde_json::to_string(&secret).unwrap();
    assert_eq!(json, "\"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\"");
    let back: Secret = serde_json::from_str(&json).unwrap();
    assert!(back == secret);
    // Stored legacy 80-bit secrets still load; garbage does not.
    let legacy: Secret = serde_json::from_str("\"JBSWY3DPEHPK3PXP\"").unwrap();
    assert_eq!(legacy.len(), 10);
    assert!(serde_json::from_str::<Secret>("\"JBSWY3DP!\"").is_err());
    assert!(serde_json::from_str::<Secret>("42").is_err());
}

#[test]
fn algorithm_uses_uri_names() {
    for a in Algorithm::ALL {
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(json, format!("\"{}\"", a.name()));
        assert_eq!(serde_json::from_str::<Algorithm>(&json).unwrap(), a);
    }
    assert!(serde_json::from_str::<Algorithm>("\"MD5\"").is_err());
}

/// A stored configuration reads back with every field it was written with, none
/// reset to its default.
#[test]
fn a_stored_totp_configuration_keeps_every_field() {
    use mfa_core::otp::{TotpConfig, Window};
    let config = TotpConfig::default()
        .with_algorithm(Algorithm::Sha512)
        .with_digits(8)
        .unwrap()
        .with_period(45)
        .unwrap()
        .with_t0(17)
        .with_window(Window::new(2, 3).unwrap());
    let json = serde_json::to_string(&config).unwrap();
    let back: TotpConfig = serde_json::from_str(&json).unwrap();
    assert_eq!(back, config);
    assert_ne!(back, TotpConfig::default());
}

/// Loading a secret from the wrong JSON type says what was expected, so a corrupt
/// record is reported by what it lacks.
#[test]
fn a_secret_of_the_wrong_json_type_names_what_was_expected() {
    let error = serde_json::from_str::<Secret>("42").unwrap_err();
    assert!(error.to_string().contains("a base32 secret"), "{error}");
}
