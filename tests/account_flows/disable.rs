//! Disable (004 "Initiate / Verify MFA Disable").

use mfa_core::account::DisableScope::Everything;
use mfa_core::account::Method::{Authenticator as Totp, Email, Sms};
use mfa_core::account::{DisableScope, VerifiedWith};
use mfa_core::{
    account::{Event, LoginStart},
    error::Error,
};

use crate::fixture::{APP, Fx, MAIL, Read, TEXT, by, is, off, used};

#[test]
fn disabling_one_method_then_the_last_wipes_every_secret() {
    let mut fx = Fx::enabled(&[APP, MAIL]);
    let err = fx.begin_disable(DisableScope::Method(Sms)).fail();
    assert_eq!(err, Error::MethodNotEnabled { method: Sms });
    let pending = fx.begin_disable(DisableScope::Method(Email)).val();
    assert_eq!(pending.prompt.method(), Totp);
    let wrong = fx.wrong_totp();
    let err = fx.disable(&pending.token, &wrong).fail();
    assert_eq!(err, Error::InvalidCode);
    let code = fx.next_totp();
    let out = fx.disable(&pending.token, &code);
    assert_eq!(out.events, [off(Email)]);
    let done = out.val();
    assert_eq!((done.disabled, done.methods), (vec![Email], vec![Totp]));
    assert_eq!(done.with, by(Totp));
    let hint = fx.mfa.hint(&fx.acct, Email).unwrap();
    assert_eq!((fx.acct.methods(), hint), (vec![Totp], None));
    assert_eq!(fx.acct.backup_codes_remaining(), Some(10));

    // The last one, answered with a backup code, while a login is pending.
    let login = fx.login();
    let pending = fx.begin_disable(DisableScope::Method(Totp)).val();
    let out = fx.disable(&pending.token, &fx.backup[0].clone());
    assert_eq!(out.events, [used(9), off(Totp), Event::MfaTurnedOff]);
    let done = out.val();
    assert!(done.methods.is_empty());
    assert_eq!(done.with, VerifiedWith::BackupCode { remaining: 9 });
    assert!(fx.acct.methods().is_empty() && !fx.acct.mfa_enabled());
    assert_eq!(fx.acct.backup_codes_remaining(), None);
    assert_eq!(fx.acct.challenge_keys().count(), 0);
    let code = fx.totp_at(fx.now);
    let err = fx.verify(&login.token, &code).fail();
    assert_eq!(err, Error::ChallengeInvalid, "the pending login was wiped");
    let start = fx.begin_login().val();
    assert!(matches!(start, LoginStart::NotRequired));
    let err = fx.begin_disable(Everything).fail();
    is(err, Error::MfaNotEnabled, "mfa_not_enabled");
    assert_eq!(fx.begin_regen().fail(), Error::MfaNotEnabled);
    // Enrolling again starts over: no step-up, new backup codes.
    assert!(fx.enable(APP).val().backup_codes.is_some());
}

#[test]
fn disabling_keeps_the_default_unless_it_goes_and_everything_turns_mfa_off() {
    // Email was enabled first, so it is the default; disabling SMS keeps it.
    let mut fx = Fx::enabled(&[MAIL, APP, TEXT]);
    assert_eq!(fx.acct.default_method(), Some(Email));
    let steps = [(Sms, vec![Totp, Email], Email), (Email, vec![Totp], Totp)];
    for (method, left, default) in steps {
        let mut pending = fx.begin_disable(DisableScope::Method(method)).val();
        let code = fx.answer(&mut pending.prompt);
        let done = fx.disable(&pending.token, &code).val();
        assert_eq!(done.methods, left);
        assert_eq!(fx.acct.default_method(), Some(default));
    }
    assert!(fx.enable(TEXT).result.is_ok());
    let mut pending = fx.begin_disable(Everything).val();
    let code = fx.answer(&mut pending.prompt);
    let out = fx.disable(&pending.token, &code);
    assert_eq!(out.events, [off(Totp), off(Sms), Event::MfaTurnedOff]);
    assert_eq!(out.val().disabled, [Totp, Sms]);
    assert!(fx.acct.methods().is_empty());
    assert!(fx.acct.backup_codes_remaining().is_none());
}
