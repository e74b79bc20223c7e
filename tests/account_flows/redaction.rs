//! Redaction: `Debug` output never shows secrets.

use mfa_core::Method::Sms;
use mfa_core::SetupNext;
use mfa_core::account::SetupMaterial;

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
