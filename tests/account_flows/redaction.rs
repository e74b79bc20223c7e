//! Redaction: `Debug` output never shows secrets.

use mfa_core::account::Method::Sms;
use mfa_core::account::SetupMaterial;
use mfa_core::{
    account::{MfaPolicy, SetupNext},
    otp::TotpConfig,
};

use crate::fixture::{APP, Fx, MAIL, Read, TEXT, codes};

#[test]
fn debug_output_never_shows_secrets_codes_or_full_destinations() {
    let mut fx = Fx::new();
    let started = fx.setup(APP).val();
    let started_dbg = format!("{started:?}");
    let SetupNext::Confirm(SetupMaterial::Authenticator(app)) = started.next else {
        panic!("authenticator setup shows a secret");
    };
    let secret = app.secret().to_base32().expose_secret().to_owned();
    let uri = app.uri().expose_secret().to_owned();
    fx.app = Some(app.secret().clone());
    let confirmed = fx.confirm(&started.token, &fx.totp_at(fx.now));
    let confirmed_dbg = format!("{confirmed:?}");
    let backup = codes(&confirmed.val().backup_codes.unwrap()).remove(0);
    assert!(fx.enable(MAIL).result.is_ok());
    assert!(fx.enable(TEXT).result.is_ok());
    let login = fx.login();
    let token = login.token.to_text().expose_secret().to_owned();
    let mut prompt = fx.switch(&login.token, Sms).val();
    let prompt_dbg = format!("{prompt:?}");
    let delivery = prompt.take_delivery().unwrap();
    let delivery_dbg = format!("{delivery:?}");
    let code = delivery.code().as_str();
    assert!(!delivery_dbg.contains(code), "{delivery_dbg}");
    let token_dbg = format!("{:?}", login.token);
    assert_eq!(token_dbg, "ChallengeToken<login>([redacted])");
    let account_dbg = format!("{:?}", fx.acct);
    assert!(account_dbg.contains("Authenticator"), "{account_dbg}");
    let login_dbg = format!("{login:?}");
    let all = [
        started_dbg,
        confirmed_dbg,
        login_dbg,
        prompt_dbg,
        delivery_dbg,
        account_dbg,
    ];
    let hidden = [&*secret, &token[6..], &uri, &backup, "jane.doe", "415 555"];
    for text in &all {
        for needle in hidden {
            assert!(!text.contains(needle), "{needle:?} in {text}");
        }
    }
    assert!(all[0].contains("[redacted]"));
    assert!(all[3].contains("[redacted]"));
}

/// An authenticator enrolment's `Debug` shows its settings and compatibility
/// report, so it can be logged, but never the secret or the URI that carries it.
#[test]
fn an_enrolment_debugs_its_settings_but_never_its_secret_or_uri() {
    let eight = TotpConfig::default().with_digits(8).unwrap();
    let mut fx = Fx::with(MfaPolicy::default().with_totp(eight));
    let enrolment = fx.first_authenticator();
    let shown = format!("{enrolment:?}");
    assert!(shown.starts_with("TotpEnrollment"), "{shown}");
    for field in ["secret", "uri", "compatibility", "[redacted]"] {
        assert!(shown.contains(field), "{field:?} missing in {shown}");
    }
    // The compatibility report is shown as the report itself shows it.
    let report = format!("{:?}", enrolment.compatibility());
    assert!(shown.contains(&report), "{report} missing in {shown}");
    let secret = enrolment.secret().to_base32().expose_secret().to_owned();
    let uri = enrolment.uri().expose_secret().to_owned();
    for hidden in [&*secret, &uri, "otpauth", &secret[..8]] {
        assert!(!shown.contains(hidden), "{hidden:?} in {shown}");
    }
}
