//! Setup (004 "Initiate / Verify MFA Setup", 003 "Confirm MFA enrollment").

use mfa_core::account::Method::{Authenticator as Totp, Email, Sms};
use mfa_core::account::{SetupMaterial, SetupToken};
use mfa_core::error::CodeFormatError;
use mfa_core::oob::OobChannel::{Email as ByEmail, Sms as BySms};
use mfa_core::{
    account::{Event, Method, MethodSetup, MfaPolicy, SetupNext},
    error::Error,
};

use crate::fixture::{APP, EMAIL, Fx, MAIL, PHONE, Read, T0, TEXT, codes, is, on, other, used};

#[test]
fn authenticator_setup_confirms_with_the_app_and_returns_backup_codes() {
    let mut fx = Fx::with(MfaPolicy::default().with_issuer("Example Co"));
    let started = fx.setup(APP).val();
    assert_eq!(started.expires_at, T0 + 600);
    let SetupNext::Confirm(SetupMaterial::Authenticator(app)) = started.next else {
        panic!("no method is enabled: no step-up");
    };
    let uri = app.uri().expose_secret();
    assert!(uri.starts_with("otpauth://totp/Example"), "{uri}");
    assert!(uri.contains(app.secret().to_base32().expose_secret()));
    assert!(!fx.acct.mfa_enabled(), "a pending setup enables nothing");

    fx.app = Some(app.secret().clone());
    fx.now += 20;
    let out = fx.confirm(&started.token, &fx.totp_at(fx.now));
    let issued = Event::BackupCodesIssued { count: 10 };
    assert_eq!(out.events, [on(Totp), issued]);
    let done = out.val();
    assert_eq!((done.method, done.enabled_at), (Totp, fx.now));
    assert_eq!(done.methods, [Totp]);
    assert_eq!(codes(&done.backup_codes.unwrap()).len(), 10);
    assert_eq!(fx.acct.default_method(), Some(Totp));
    assert_eq!(fx.acct.backup_codes_remaining(), Some(10));
}

#[test]
fn email_and_sms_setup_send_codes_and_only_the_first_gets_backup_codes() {
    let mut fx = Fx::new();
    let address = " jane.doe@example.com ";
    let started = fx.setup(MethodSetup::Email { address }).val();
    let SetupNext::Confirm(SetupMaterial::Oob(mail)) = started.next else {
        panic!("email sends a code");
    };
    assert_eq!((mail.channel(), mail.destination()), (ByEmail, EMAIL));
    let out = fx.confirm(&started.token, mail.code().as_str());
    assert_eq!(out.events[1], Event::BackupCodesIssued { count: 10 });
    assert_eq!(out.val().backup_codes.unwrap().len(), 10);
    let masked = Some("j•••@example.com");

    // SMS as a second method: step up by email, then confirm the code sent to the phone.
    fx.now += 30;
    let started = fx.setup(TEXT).val();
    let SetupNext::StepUp(mut prompt) = started.next else {
        panic!("a method is enabled: step-up first");
    };
    assert_eq!((prompt.method(), prompt.hint()), (Email, masked));
    let code = fx.answer(&mut prompt);
    let SetupMaterial::Oob(text) = fx.step_up(&started.token, &code).val() else {
        panic!("sms sends a code");
    };
    assert_eq!((text.channel(), text.destination()), (BySms, PHONE));
    // A resend while confirming goes to the new number and replaces the code.
    fx.now += 60;
    let resent = fx.resend(&started.token).val();
    assert_eq!(resent.destination(), PHONE);
    let stale = fx.confirm(&started.token, text.code().as_str());
    assert_eq!(stale.fail(), Error::InvalidCode);
    let out = fx.confirm(&started.token, resent.code().as_str());
    assert_eq!(out.events, [on(Sms)]);
    let done = out.val();
    assert!(done.backup_codes.is_none());
    assert_eq!(done.methods, [Email, Sms]);
    assert_eq!(fx.acct.default_method(), Some(Email));

    // A user whose first method is SMS gets backup codes too.
    let first = Fx::new().enable(TEXT).val();
    assert_eq!(first.backup_codes.map(|c| c.len()), Some(10));
}

#[test]
fn adding_a_method_needs_a_step_up_with_a_method_or_a_backup_code() {
    let mut fx = Fx::enabled(&[APP]);
    fx.now += 30;
    let started = fx.setup(MAIL).val();
    let token = &started.token;
    let SetupNext::StepUp(prompt) = &started.next else {
        panic!("step-up first");
    };
    assert_eq!((prompt.method(), prompt.methods()), (Totp, &[Totp][..]));
    assert!(prompt.delivery().is_none() && prompt.backup_codes_accepted());

    let early = fx.confirm(token, &fx.totp_at(fx.now)).fail();
    is(early, Error::StepUpRequired, "step_up_required");
    let wrong = fx.step_up(token, &fx.wrong_totp()).fail();
    assert_eq!((wrong, fx.acct.failures()), (Error::InvalidCode, 1));
    let code = fx.next_totp();
    let SetupMaterial::Oob(mail) = fx.step_up(token, &code).val() else {
        panic!("email sends a code");
    };
    assert_eq!((mail.destination(), fx.acct.failures()), (EMAIL, 0));
    // The step-up is done and the token now confirms: the answer says go on.
    let again = fx.step_up(token, &code).fail();
    is(again, Error::StepUpComplete, "step_up_complete");
    // Only the new method's code confirms it: a backup code is not one.
    let backup = fx.backup[0].clone();
    let refused = fx.confirm(token, &backup).fail();
    assert!(matches!(refused, Error::MalformedCode(_)), "{refused:?}");
    assert_eq!(fx.acct.backup_codes_remaining(), Some(10));
    let done = fx.confirm(token, mail.code().as_str()).val();
    assert!(done.backup_codes.is_none());

    // The step-up takes a backup code instead of the app.
    fx.now += 30;
    let started = fx.setup(TEXT).val();
    let out = fx.step_up(&started.token, &backup);
    assert_eq!(out.events, [used(9)]);
    assert!(matches!(out.result, Ok(SetupMaterial::Oob(_))));
}

#[test]
fn setup_refuses_an_enabled_method_and_unusable_destinations() {
    let mut fx = Fx::enabled(&[APP]);
    let version = fx.acct.version();
    let method = Totp;
    let enabled = Error::MfaAlreadyEnabled { method };
    is(fx.setup(APP).fail(), enabled, "mfa_already_enabled");
    let long = format!("{}@example.com", "a".repeat(250));
    let emails = "|jane|@x.io|jane@|a@b@c|jane doe@x.io".split('|');
    for address in emails.chain([long.as_str()]) {
        let err = fx.setup(MethodSetup::Email { address }).fail();
        is(err, Error::InvalidDestination, "invalid_destination");
    }
    let phones = "|123|+1 415 555 0134 5678 9|415-CALL-NOW|++1415555";
    for number in phones.split('|') {
        let err = fx.setup(MethodSetup::Sms { number }).fail();
        assert_eq!(err, Error::InvalidDestination, "{number}");
    }
    assert_eq!(fx.acct.version(), version, "refusals change nothing");
}

#[test]
fn confirm_refuses_wrong_malformed_unknown_consumed_and_expired() {
    let mut fx = Fx::new();
    let started = fx.setup(MAIL).val();
    let SetupNext::Confirm(SetupMaterial::Oob(mail)) = started.next else {
        panic!("email sends a code");
    };
    let (token, code) = (&started.token, mail.code().as_str());
    let version = fx.acct.version();
    let bad = Error::MalformedCode(CodeFormatError::NotADigit);
    is(fx.confirm(token, "12a456").fail(), bad, "malformed_code");
    let (expected, found) = (6, 5);
    let short = CodeFormatError::WrongLength { expected, found };
    let err = fx.confirm(token, "12345").fail();
    assert_eq!(err, Error::MalformedCode(short));
    assert_eq!(fx.acct.version(), version, "not a guess: nothing changed");

    let err = fx.confirm(token, &other(code)).fail();
    is(err, Error::InvalidCode, "invalid_code");
    assert_eq!(fx.acct.version(), version + 1);
    assert_eq!(fx.acct.failures(), 1);

    let unknown = format!("setup_{}", "ab".repeat(16));
    let stranger = SetupToken::parse(&unknown).unwrap();
    let err = fx.confirm(&stranger, code).fail();
    is(err, Error::ChallengeInvalid, "mfa_token_invalid");
    assert!(fx.confirm(token, code).result.is_ok());
    let err = fx.confirm(token, code).fail();
    is(err, Error::ChallengeConsumed, "mfa_token_consumed");

    // An enrolment left past its lifetime.
    let mut fx = Fx::new();
    let started = fx.setup(APP).val();
    let SetupNext::Confirm(SetupMaterial::Authenticator(app)) = started.next else {
        panic!("authenticator setup shows a secret");
    };
    fx.app = Some(app.secret().clone());
    fx.now = started.expires_at;
    let version = fx.acct.version();
    let err = fx.confirm(&started.token, &fx.totp_at(fx.now)).fail();
    let expired = Error::ChallengeExpired {
        expired_at: T0 + 600,
    };
    is(err, expired, "mfa_token_expired");
    assert_eq!(
        fx.acct.version(),
        version + 1,
        "the challenge became a tombstone"
    );
    assert!(!fx.acct.mfa_enabled());
    // The token keeps answering "expired", not "invalid", and the tombstone holds
    // nothing of the pending secret.
    let err = fx.confirm(&started.token, &fx.totp_at(fx.now)).fail();
    is(err, expired, "mfa_token_expired");
    assert_eq!(fx.acct.version(), version + 1, "nothing more changed");
    assert_eq!(fx.acct.challenge_keys().count(), 1);
    #[cfg(feature = "serde")]
    {
        let stored = serde_json::to_string(&fx.acct).unwrap();
        let secret = fx.app.as_ref().unwrap().to_base32();
        assert!(!stored.contains(secret.expose_secret()), "{stored}");
        assert!(!stored.contains(EMAIL), "{stored}");
    }
    // Until a new enrolment replaces it.
    let again = fx.setup(APP).val();
    assert_eq!(fx.acct.challenge_keys().count(), 1);
    let err = fx.confirm(&started.token, &fx.totp_at(fx.now)).fail();
    is(err, Error::ChallengeInvalid, "mfa_token_invalid");
    assert!(fx.confirm(&again.token, "000000").result.is_err());
}

/// A request refused for what it asks spends nothing: an account name the app
/// cannot show is refused when the enrolment begins, before any step-up could
/// spend a code on it; a step-up refused for the account's state (here, the hourly
/// budget, so the new address could not be sent its code) keeps the code typed.
#[test]
fn a_refused_enrolment_spends_nothing() {
    let mut fx = Fx::enabled(&[MAIL]);
    let version = fx.acct.version();
    let blank = MethodSetup::Authenticator {
        account_name: "   ",
    };
    let err = fx.setup(blank).fail();
    assert_eq!(err.code(), "invalid_otpauth_uri");
    assert_eq!(fx.acct.version(), version, "nothing began");

    // Enrolling email sent the first code of the hour; nine step-ups send the rest.
    for _ in 0..9 {
        fx.now += 1;
        let SetupNext::StepUp(prompt) = fx.setup(TEXT).val().next else {
            panic!("email is on: step up first")
        };
        assert!(prompt.delivery().is_some());
    }
    let started = fx.setup(TEXT).val();
    let backup = fx.backup[0].clone();
    let failures = fx.acct.failures();
    let err = fx.step_up(&started.token, &backup).fail();
    assert!(matches!(err, Error::TooManyCodesSent { .. }), "{err:?}");
    assert_eq!(fx.acct.backup_codes_remaining(), Some(10));
    assert_eq!(fx.acct.failures(), failures);
}

/// `enabled_at` is when a method's setup was confirmed: none before, and kept as it
/// was when other methods are enrolled later.
#[test]
fn enabled_at_is_when_each_method_was_confirmed_and_none_before() {
    let mut fx = Fx::new();
    for method in Method::ALL {
        assert_eq!(fx.acct.enabled_at(method), None, "{method:?}");
    }
    // Off a step boundary, so a time rounded to its step would not pass.
    fx.now += 7;
    assert!(fx.enable(MAIL).result.is_ok());
    let mail_at = fx.now;
    fx.now += 90;
    assert!(fx.enable(APP).result.is_ok());
    let app_at = fx.now;
    assert_eq!(fx.acct.enabled_at(Email), Some(mail_at));
    assert_eq!(fx.acct.enabled_at(Totp), Some(app_at));
    assert_eq!(fx.acct.enabled_at(Sms), None);
    fx.now += 150;
    assert!(fx.enable(TEXT).result.is_ok());
    assert_eq!(fx.acct.enabled_at(Sms), Some(fx.now));
    assert_eq!(fx.acct.enabled_at(Email), Some(mail_at), "unchanged");
}
