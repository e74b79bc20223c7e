//! The persistence contract: `persist` and the record version.

use std::convert::Infallible;

use mfa_core::account::DisableScope::Everything;
use mfa_core::account::Method::Email;
use mfa_core::account::SetupMaterial;
use mfa_core::{
    account::{Account, SetupNext},
    error::Error,
};

use crate::fixture::{APP, Fx, MAIL, Read, on, other};

#[test]
fn persist_saves_only_changes_with_the_loaded_version_and_withholds_on_error() {
    let mut fx = Fx::enabled(&[APP]);
    let login = fx.login();
    let loaded = fx.acct.version();
    let mut saved = Vec::new();
    let mut save = |record: &Account, expected: u64| {
        saved.push((record.version(), expected));
        Ok::<(), Infallible>(())
    };
    let (token, now) = (&login.token, fx.now);
    let change = fx.mfa.verify_login(&mut fx.acct, token, "12", now);
    assert!(!change.is_changed());
    assert_eq!(change.expected_version(), loaded);
    let out = change.persist(&mut save).unwrap();
    assert!(matches!(out.result, Err(Error::MalformedCode(_))));
    let wrong = fx.wrong_totp();
    let change = fx.mfa.verify_login(&mut fx.acct, token, &wrong, now);
    assert!(change.is_changed());
    let out = change.persist(&mut save).unwrap();
    assert_eq!(out.fail(), Error::InvalidCode);
    assert_eq!(saved, [(loaded + 1, loaded)]);

    let code = fx.next_totp();
    let change = fx.mfa.verify_login(&mut fx.acct, token, &code, fx.now);
    assert_eq!(change.expected_version(), loaded + 1);
    let refused = change.persist(|_, _| Err("version conflict"));
    assert_eq!(refused.unwrap_err(), "version conflict");
    assert_eq!(fx.acct.version(), loaded + 2);
}

#[test]
fn the_version_grows_by_one_with_every_change_and_only_then() {
    let mut fx = Fx::new();
    let mut history = vec![fx.acct.version()];
    let mut step = |fx: &Fx, changed: bool| {
        let last = *history.last().unwrap();
        let now = fx.acct.version();
        assert_eq!(now, last + u64::from(changed), "{history:?}");
        history.push(now);
    };
    let started = fx.setup(MAIL).val();
    step(&fx, true);
    let SetupNext::Confirm(SetupMaterial::Oob(mail)) = started.next else {
        panic!("email sends a code");
    };
    let (code, wrong) = (mail.code().as_str(), other(mail.code().as_str()));
    for (attempt, changed) in [("abc", false), (&wrong, true), (code, true)] {
        let _ = fx.confirm(&started.token, attempt);
        step(&fx, changed);
    }
    let mut login = fx.login();
    step(&fx, true);
    fx.set_default(Email).val();
    step(&fx, false);
    let sent = fx.answer(&mut login.prompt);
    for (attempt, changed) in [(sent.as_str(), true), ("000000", false)] {
        let _ = fx.verify(&login.token, attempt);
        step(&fx, changed);
    }
    fx.now += 600;
    let _ = fx.begin_disable(Everything).val();
    step(&fx, true);
}

/// Polls a future that never waits (the saves below resolve at once).
fn ready<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut context) {
        std::task::Poll::Ready(output) => output,
        std::task::Poll::Pending => panic!("the save future was ready"),
    }
}

#[test]
fn persist_async_saves_only_changes_and_withholds_on_error() {
    let mut fx = Fx::enabled(&[APP]);
    let login = fx.login();
    let loaded = fx.acct.version();
    let (token, now) = (&login.token, fx.now);
    let saved = std::cell::RefCell::new(Vec::new());
    let save = |record: &Account, expected: u64| {
        saved.borrow_mut().push((record.version(), expected));
        async { Ok::<(), Infallible>(()) }
    };

    let change = fx.mfa.verify_login(&mut fx.acct, token, "12", now);
    let out = ready(change.persist_async(save)).unwrap();
    assert!(matches!(out.result, Err(Error::MalformedCode(_))));
    let wrong = fx.wrong_totp();
    let change = fx.mfa.verify_login(&mut fx.acct, token, &wrong, now);
    assert_eq!(
        ready(change.persist_async(save)).unwrap().fail(),
        Error::InvalidCode
    );
    assert_eq!(*saved.borrow(), [(loaded + 1, loaded)]);

    let code = fx.next_totp();
    let change = fx.mfa.verify_login(&mut fx.acct, token, &code, fx.now);
    let refused = ready(change.persist_async(|_, _| async { Err("version conflict") }));
    assert_eq!(refused.unwrap_err(), "version conflict");
    assert_eq!(fx.acct.version(), loaded + 2);
}

#[test]
fn a_change_shows_its_events_before_it_is_stored() {
    let mut fx = Fx::new();
    let started = fx.setup(MAIL).val();
    let SetupNext::Confirm(SetupMaterial::Oob(mail)) = started.next else {
        panic!("email sends a code");
    };
    let change = fx.mfa.confirm_setup(
        &mut fx.acct,
        &started.token,
        mail.code().as_str(),
        &mut fx.rng,
        fx.now,
    );
    let before = change.events().to_vec();
    assert!(before.contains(&on(Email)), "{before:?}");
    let out = change.persist(|_, _| Ok::<(), Infallible>(())).unwrap();
    assert_eq!(out.events, before);
}
