//! Throttling (004 "too many attempts").

use mfa_core::Method::{Authenticator as Totp, Email};
use mfa_core::account::DisableScope::Everything;
use mfa_core::account::ThrottlePolicy;
use mfa_core::{Error, Event, MfaPolicy};

use crate::fixture::{APP, DEAD, Fx, MAIL, Read, is, other, wait};

#[test]
fn failures_count_across_switches_and_a_challenge_dies_after_its_attempts() {
    let lenient = ThrottlePolicy::new(20, 30, 900, 50, 3600).unwrap();
    let mut fx = Fx::with(MfaPolicy::default().with_throttle(lenient));
    assert!(fx.enable(APP).result.is_ok());
    assert!(fx.enable(MAIL).result.is_ok());
    let login = fx.login();
    let guess = |fx: &mut Fx, code: &str| fx.verify(&login.token, code).fail();
    let wrong = |fx: &mut Fx| guess(fx, &fx.wrong_totp());
    assert_eq!([wrong(&mut fx), wrong(&mut fx)], [Error::InvalidCode; 2]);
    let mail = fx.code_via(&login.token, Email);
    assert_eq!(guess(&mut fx, &other(&mail)), Error::InvalidCode);
    assert_eq!(fx.acct.failures(), 3);
    let prompt = fx.switch(&login.token, Totp).val();
    assert!(prompt.delivery().is_none());
    assert_eq!([wrong(&mut fx), wrong(&mut fx)], [Error::InvalidCode; 2]);
    assert_eq!(fx.acct.failures(), 5, "switching reset nothing");
    let code = fx.next_totp();
    is(
        fx.verify(&login.token, &code).fail(),
        DEAD,
        "too_many_attempts",
    );
    assert_eq!(fx.acct.failures(), 5, "a dead challenge counts nothing");
    // A switch sends a fresh code, but buys no attempts.
    let mail = fx.code_via(&login.token, Email);
    assert_eq!(fx.verify(&login.token, &mail).fail(), DEAD);
    let again = fx.login();
    let code = fx.next_totp();
    assert!(fx.verify(&again.token, &code).result.is_ok());
    assert_eq!(fx.acct.failures(), 0);
}

#[test]
fn delays_grow_then_the_account_locks_and_a_success_resets_it() {
    let mut fx = Fx::enabled(&[APP]);
    let (start, mut waits, mut events) = (fx.now, vec![], vec![]);
    for n in 1..=10 {
        let login = fx.login();
        let out = fx.verify(&login.token, &fx.wrong_totp());
        events.extend(out.events);
        assert_eq!(out.result, Err(Error::InvalidCode));
        assert_eq!(fx.acct.failures(), n);
        let Some(at) = fx.acct.retry_at(fx.now) else {
            waits.push(0);
            continue;
        };
        waits.push(at - fx.now);
        // Until `at` no code is looked at, not even the right one; nothing changes.
        let version = fx.acct.version();
        let right = fx.totp_at(fx.now);
        assert_eq!(fx.verify(&login.token, &right).fail(), wait(at));
        assert_eq!(fx.acct.version(), version);
        if n < 10 {
            fx.now = at;
        }
    }
    // The policy table: 3 free failures, 30 s doubling to 900 s, an hour's lockout
    // at 10. (Its prose says "10 codes in about 7.5 minutes": it is 30.5.)
    assert_eq!(waits, [0, 0, 0, 30, 60, 120, 240, 480, 900, 3600]);
    assert_eq!(fx.now - start, 1830);
    let until = fx.now + 3600;
    assert_eq!(events, [Event::LockoutStarted { until }]);
    assert_eq!(fx.begin_login().fail(), wait(until));
    assert_eq!(fx.begin_regen().fail(), wait(until));
    assert_eq!(fx.begin_disable(Everything).fail(), wait(until));
    assert_eq!(fx.setup(MAIL).fail(), wait(until));

    // After the lockout the count stays: the next failure locks again at once.
    fx.now = until;
    let login = fx.login();
    let out = fx.verify(&login.token, &fx.wrong_totp());
    let until = fx.now + 3600;
    assert_eq!(out.events, [Event::LockoutStarted { until }]);
    assert_eq!(fx.acct.failures(), 11);
    fx.now = until;
    let login = fx.login();
    let right = fx.totp_at(fx.now);
    assert!(fx.verify(&login.token, &right).result.is_ok());
    assert_eq!(fx.acct.failures(), 0);
    assert_eq!(fx.acct.retry_at(fx.now), None);
}
