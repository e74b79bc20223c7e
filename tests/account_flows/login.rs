//! Login (004 "Verify MFA Login", "Switch MFA Login Method"; 000 pending MFA).

use mfa_core::account::Method::{Authenticator as Totp, Email, Sms};
use mfa_core::account::{SetupMaterial, VerifiedWith};
use mfa_core::oob::OobChannel::{Email as ByEmail, Sms as BySms};
use mfa_core::{
    account::{Event, LoginStart, Method, SetupNext},
    error::Error,
};

use crate::fixture::{APP, EMAIL, Fx, MAIL, PHONE, Read, TEXT, by, is, used};

#[test]
fn login_is_not_required_without_an_enabled_method() {
    let mut fx = Fx::new();
    let _pending = fx.setup(APP).val();
    let version = fx.acct.version();
    let start = fx.begin_login().val();
    assert!(matches!(start, LoginStart::NotRequired));
    assert_eq!(fx.acct.version(), version, "nothing to store");
}

#[test]
fn totp_login_refuses_the_code_that_confirmed_setup() {
    let mut fx = Fx::enabled(&[APP]);
    let setup_code = fx.totp_at(fx.now);
    let login = fx.login();
    let prompt = &login.prompt;
    assert_eq!((prompt.method(), prompt.hint()), (Totp, None));
    assert_eq!(prompt.expires_at(), fx.now + 600);
    assert!(prompt.backup_codes_accepted());
    let out = fx.verify(&login.token, &setup_code);
    let reused = Event::CodeReused { method: Totp };
    assert_eq!(out.events, [reused]);
    let step = fx.now / 30;
    is(out.fail(), Error::CodeReused { step }, "code_reused");
    assert_eq!(fx.acct.failures(), 1);

    let code = fx.next_totp();
    assert_eq!(fx.verify(&login.token, &code).val(), by(Totp));
    assert_eq!(fx.acct.failures(), 0, "a success resets the count");
    let later = fx.totp_at(fx.now + 30);
    let done = fx.verify(&login.token, &later).fail();
    assert_eq!(done, Error::ChallengeConsumed);
    let again = fx.login();
    let replay = fx.verify(&again.token, &code).fail();
    assert!(matches!(replay, Error::CodeReused { .. }));
}

#[test]
fn login_by_email_through_a_switch_and_by_sms_as_default() {
    let mut fx = Fx::enabled(&[APP, MAIL, TEXT]);
    fx.now += 30;
    let login = fx.login();
    assert_eq!(login.prompt.methods(), [Totp, Email, Sms]);
    let mut prompt = fx.switch(&login.token, Email).val();
    let masked = Some("j•••@example.com");
    assert_eq!((prompt.method(), prompt.hint()), (Email, masked));
    assert_eq!(prompt.expires_at(), login.prompt.expires_at());
    let mail = prompt.take_delivery().unwrap();
    assert_eq!((mail.channel(), mail.destination()), (ByEmail, EMAIL));
    let same = fx.switch(&login.token, Email).val();
    assert!(
        same.delivery().is_none(),
        "the current method: nothing sent"
    );
    fx.now += 40;
    let out = fx.verify(&login.token, mail.code().as_str());
    assert_eq!(out.val(), by(Email));

    fx.set_default(Sms).val();
    assert_eq!(fx.acct.default_method(), Some(Sms));
    let mut login = fx.login();
    let prompt = &mut login.prompt;
    assert_eq!((prompt.method(), prompt.hint()), (Sms, Some("•••• 0134")));
    let text = prompt.take_delivery().unwrap();
    assert_eq!((text.channel(), text.destination()), (BySms, PHONE));
    let out = fx.verify(&login.token, text.code().as_str());
    assert_eq!(out.val(), by(Sms));
}

#[test]
fn backup_codes_sign_in_once_each_and_report_what_is_left() {
    let mut fx = Fx::enabled(&[APP]);
    let list = fx.backup.clone();
    for (i, code) in list.iter().enumerate().take(7) {
        let login = fx.login();
        let typed = code.to_lowercase().replace('-', " ");
        let out = fx.verify(&login.token, &typed);
        let remaining = 9 - i;
        assert_eq!(out.events, [used(remaining)]);
        assert_eq!(out.val(), VerifiedWith::BackupCode { remaining });
    }
    assert_eq!(fx.acct.backup_codes_remaining(), Some(3));
    let login = fx.login();
    let out = fx.verify(&login.token, &list[0]);
    assert_eq!(out.events, [Event::BackupCodeReused]);
    is(out.fail(), Error::BackupCodeUsed, "backup_code_used");
    assert_eq!(fx.acct.failures(), 1);
    assert_eq!(fx.acct.backup_codes_remaining(), Some(3));
}

#[test]
fn switching_to_a_method_that_is_not_enabled_is_refused() {
    let mut fx = Fx::enabled(&[MAIL]);
    let login = fx.login();
    let sms = Error::MethodNotEnabled { method: Sms };
    let err = fx.switch(&login.token, Sms).fail();
    is(err, sms, "mfa_method_not_enabled");
    let err = fx.switch(&login.token, Totp).fail();
    let none = Error::AuthenticatorNotConfigured;
    is(err, none, "authenticator_not_configured");
    assert_eq!(fx.set_default(Sms).fail(), sms);
    assert_eq!(fx.set_default(Totp).fail(), none);
    let err = Method::parse("fax").unwrap_err();
    is(err, Error::InvalidMethod, "invalid_mfa_method");
    assert_eq!(Method::parse(" SMS ").unwrap(), Sms);
    assert_eq!(Method::parse("Authenticator").unwrap(), Totp);

    // The factor of an enrolment being confirmed cannot be switched.
    let started = fx.setup(APP).val();
    let SetupNext::StepUp(mut prompt) = started.next else {
        panic!("step-up first");
    };
    let code = fx.answer(&mut prompt);
    assert!(fx.step_up(&started.token, &code).result.is_ok());
    let err = fx.switch(&started.token, Email).fail();
    assert_eq!(err, Error::InvalidMethod);
}

/// Where a code went is shown masked for its channel, at setup and at sign-in
/// alike: the delivery's hint and the prompt's agree.
#[test]
fn a_delivery_hint_is_the_destination_masked_for_its_channel() {
    let mut fx = Fx::new();
    let (SetupMaterial::Oob(mail), confirmed) = fx.enable_showing(MAIL) else {
        panic!("email setup sends a code");
    };
    assert!(confirmed.result.is_ok());
    assert_eq!(mail.hint(), "j•••@example.com");
    let (SetupMaterial::Oob(text), confirmed) = fx.enable_showing(TEXT) else {
        panic!("SMS setup sends a code");
    };
    assert!(confirmed.result.is_ok());
    assert_eq!(text.hint(), "•••• 0134");
    // The sign-in prompt's delivery agrees with the prompt's own hint.
    fx.now += 60;
    let login = fx.login();
    let delivery = login.prompt.delivery().unwrap();
    assert_eq!(delivery.hint(), "j•••@example.com");
    assert_eq!(Some(&*delivery.hint()), login.prompt.hint());
}

/// A sign-in prompt offers backup codes when the account holds a set.
#[test]
fn a_prompt_accepts_backup_codes_when_the_account_has_a_set() {
    let mut fx = Fx::new();
    assert!(fx.enable(MAIL).result.is_ok());
    assert_eq!(fx.acct.backup_codes_remaining(), Some(10));
    fx.now += 60;
    assert!(fx.login().prompt.backup_codes_accepted());
}

/// A record stored without a backup-code set (loading accepts one) has nothing a
/// backup code could be checked against, and its prompts say so.
#[cfg(feature = "serde")]
#[test]
fn a_prompt_refuses_backup_codes_when_the_account_has_no_set() {
    let mut fx = Fx::new();
    assert!(fx.enable(MAIL).result.is_ok());
    let mut record = serde_json::to_value(&fx.acct).unwrap();
    assert!(
        record
            .as_object_mut()
            .unwrap()
            .remove("backup_codes")
            .is_some()
    );
    fx.acct = serde_json::from_value(record).unwrap();
    assert_eq!(fx.acct.backup_codes_remaining(), None);
    fx.now += 60;
    let login = fx.login();
    assert!(!login.prompt.backup_codes_accepted(), "{:?}", login.prompt);
    assert_eq!(login.prompt.method(), Method::Email);
}
