//! Resend (004 "Resend MFA Email Code") and the hourly budget.

use mfa_core::account::DisableScope::Everything;
use mfa_core::account::Method::{Authenticator as Totp, Email};
use mfa_core::account::Withheld;
use mfa_core::oob::OobChannel::Email as ByEmail;
use mfa_core::{
    account::{MfaPolicy, SetupNext},
    error::Error,
    oob::OobPolicy,
};

use crate::fixture::{APP, EMAIL, Fx, MAIL, Read, TEXT, by, is};

#[test]
fn resend_only_for_email_and_sms_with_cooldown_and_limit() {
    let mut fx = Fx::enabled(&[APP, MAIL]);
    let login = fx.login();
    let err = fx.resend(&login.token).fail();
    is(err, Error::ResendOnlyForOob, "resend_only_for_oob");
    let mut code = fx.code_via(&login.token, Email);
    fx.now += 10;
    let version = fx.acct.version();
    let err = fx.resend(&login.token).fail();
    let cooldown = Error::ResendCooldown {
        retry_at: fx.now + 50,
    };
    is(err, cooldown, "resend_cooldown");
    assert_eq!(fx.acct.version(), version);
    for _ in 0..3 {
        fx.now += 60;
        let sent = fx.resend(&login.token).val();
        assert_eq!((sent.channel(), sent.destination()), (ByEmail, EMAIL));
        code = sent.code().as_str().to_owned();
    }
    fx.now += 60;
    let err = fx.resend(&login.token).fail();
    is(err, Error::MaxResendLimit, "max_resend_limit");
    assert_eq!(fx.verify(&login.token, &code).val(), by(Email));
}

#[test]
fn an_expired_email_code_is_not_a_guess_and_a_resend_revives_it() {
    let oob = OobPolicy::default().with_lifetime(120).unwrap();
    let mut fx = Fx::with(MfaPolicy::default().with_oob(oob));
    assert!(fx.enable(MAIL).result.is_ok());
    let mut login = fx.login();
    let sent = fx.answer(&mut login.prompt);
    let expired_at = fx.now + 120;
    fx.now += 150;
    let err = fx.verify(&login.token, &sent).fail();
    is(err, Error::CodeExpired { expired_at }, "code_expired");
    assert_eq!(fx.acct.failures(), 0);
    let fresh = fx.resend(&login.token).val();
    let out = fx.verify(&login.token, fresh.code().as_str());
    assert_eq!(out.val(), by(Email));
}

#[test]
fn too_many_codes_sent_in_an_hour() {
    let mut fx = Fx::enabled(&[APP, MAIL]);
    // Enrolling email sent the first code of the window; nine switches send the rest.
    let window_end = fx.now + 3600;
    let spent = Error::TooManyCodesSent {
        retry_at: window_end,
    };
    let login = fx.login();
    for i in 0..9 {
        fx.now += 1;
        let prompt = fx.switch(&login.token, Email).val();
        assert!(prompt.delivery().is_some());
        if i < 8 {
            assert!(fx.switch(&login.token, Totp).result.is_ok());
        }
    }
    fx.now += 60;
    is(fx.resend(&login.token).fail(), spent, "too_many_codes_sent");
    // The app still works; nothing that sends a code does.
    assert!(fx.switch(&login.token, Totp).result.is_ok());
    assert_eq!(fx.switch(&login.token, Email).fail(), spent);
    // A step-up that cannot send the new number its code keeps the user's code.
    let started = fx.setup(TEXT).val();
    let backup = fx.backup[0].clone();
    assert_eq!(fx.step_up(&started.token, &backup).fail(), spent);
    assert_eq!(fx.acct.backup_codes_remaining(), Some(10));
    // With email the default, sign-in still begins: the code is withheld, and the
    // app and the backup codes work.
    fx.set_default(Email).val();
    let withheld = Some(Withheld::SendLimit {
        retry_at: window_end,
    });
    let login = fx.login();
    assert!(login.prompt.delivery().is_none());
    assert_eq!(login.prompt.withheld(), withheld);
    let (version, failures) = (fx.acct.version(), fx.acct.failures());
    let err = fx.verify(&login.token, "123456").fail();
    is(err, Error::NoCodeSent, "no_code_sent");
    assert_eq!((fx.acct.version(), fx.acct.failures()), (version, failures));
    assert_eq!(fx.resend(&login.token).fail(), spent);
    let backup = fx.backup[1].clone();
    assert!(fx.verify(&login.token, &backup).result.is_ok());
    let login = fx.login();
    assert!(fx.switch(&login.token, Totp).result.is_ok());
    let code = fx.next_totp();
    assert_eq!(fx.verify(&login.token, &code).val(), by(Totp));
    // Disable, regenerate and adding a method begin too, with the code withheld.
    let disable = fx.begin_disable(Everything).val();
    assert_eq!(disable.prompt.withheld(), withheld);
    let regen = fx.begin_regen().val();
    assert_eq!(regen.prompt.withheld(), withheld);
    let SetupNext::StepUp(prompt) = fx.setup(TEXT).val().next else {
        panic!("email is on: step up first")
    };
    assert_eq!(prompt.withheld(), withheld);
    fx.now = window_end;
    assert!(fx.login().prompt.delivery().is_some());
}

/// A code sent for a challenge (first, resent or switched to) expires with the
/// challenge at the latest: a resend 61 s in does not outlive it.
#[test]
fn a_code_never_outlives_its_challenge() {
    let mut fx = Fx::enabled(&[APP, MAIL]);
    fx.set_default(Email).val();
    let mut login = fx.login();
    let end = login.prompt.expires_at();
    let first = login.prompt.take_delivery().unwrap();
    assert_eq!(first.expires_at(), end);
    fx.now += 61;
    let sent = fx.resend(&login.token).val();
    assert_eq!(sent.expires_at(), end, "not {}", fx.now + 600);
    fx.now += 61;
    assert!(fx.switch(&login.token, Totp).result.is_ok());
    let mut prompt = fx.switch(&login.token, Email).val();
    let switched = prompt.take_delivery().unwrap();
    assert_eq!(switched.expires_at(), end);
    fx.now = end - 1;
    let code = switched.code().as_str();
    assert_eq!(fx.verify(&login.token, code).val(), by(Email));
}
