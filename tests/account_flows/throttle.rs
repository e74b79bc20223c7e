//! Throttling (004 "too many attempts").

use mfa_core::account::DisableScope::Everything;
use mfa_core::account::LoginToken;
use mfa_core::account::Method::{Authenticator as Totp, Email};
use mfa_core::account::{LockState, MAX_FAILURES, ThrottlePolicy, Withheld};
use mfa_core::{
    account::{Event, MfaPolicy},
    error::Error,
};

use crate::fixture::{APP, DEAD, Fx, MAIL, Read, TEXT, by, is, other, wait};

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
        "attempts_exhausted",
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

/// An attacker with the password guesses whenever the account allows, waiting out
/// every delay and lockout, for 60 simulated days. The budget ends at 100
/// consecutive failures (NIST SP 800-63B-4), after about 4 days; then no code of
/// any kind is looked at, nothing begins and nothing is sent.
#[test]
fn the_guessing_budget_ends_at_100_failures_however_long_one_waits() {
    let mut fx = Fx::enabled(&[APP, MAIL]);
    let (start, mut evaluated, mut events) = (fx.now, 0u32, vec![]);
    let mut login = fx.login();
    let mut checked_at_lock = false;
    // Bounded in calls too, so that a throttle that stops counting fails here
    // rather than spinning on one instant.
    for _ in 0..20_000 {
        if fx.now >= start + 60 * 86_400 {
            break;
        }
        let out = fx.verify(&login.token, &fx.wrong_totp());
        let locks = out.events.contains(&Event::MfaLocked { failures: 100 });
        events.extend(out.events);
        match out.result {
            Err(Error::InvalidCode) => evaluated += 1,
            Err(Error::TooManyAttempts { retry_at }) => fx.now = retry_at,
            Err(Error::MfaLocked) => fx.now += 3_600,
            // The challenge is spent or expired: begin another, if anything begins.
            _ => match fx.login_or_locked() {
                Some(fresh) => login = fresh,
                None => fx.now += 3_600,
            },
        }
        if locks {
            nothing_works_on(&mut fx, &login.token);
            checked_at_lock = true;
        }
    }
    assert!(checked_at_lock);
    assert_eq!(evaluated, 100, "wrong codes evaluated in 60 days");
    assert_eq!(fx.acct.failures(), 100);
    assert_eq!(fx.lock_state(), LockState::HardLocked);
    let locked: Vec<_> = events
        .iter()
        .filter(|e| matches!(e, Event::MfaLocked { .. }))
        .collect();
    assert_eq!(locked, [&Event::MfaLocked { failures: 100 }]);
    let version = fx.acct.version();
    nothing_works_on(&mut fx, &login.token);
    assert_eq!(fx.acct.version(), version);
}

/// On a hard-locked account: no code of any kind is looked at on a live challenge,
/// nothing begins, nothing is sent, and nothing stored changes.
fn nothing_works_on(fx: &mut Fx, login: &LoginToken) {
    let version = fx.acct.version();
    let right = fx.totp_at(fx.now);
    let backup = fx.backup[0].clone();
    for code in [right.as_str(), backup.as_str(), "000000"] {
        let err = fx.verify(login, code).fail();
        assert!(
            matches!(err, Error::MfaLocked | Error::ChallengeExpired { .. }),
            "{err:?}"
        );
    }
    assert_eq!(fx.begin_login().fail(), Error::MfaLocked);
    assert_eq!(fx.begin_disable(Everything).fail(), Error::MfaLocked);
    assert_eq!(fx.begin_regen().fail(), Error::MfaLocked);
    assert_eq!(fx.setup(TEXT).fail(), Error::MfaLocked);
    // Not even what would send nothing (a resend of the app's challenge, a switch
    // to the method in use) is answered with anything but the lock.
    for err in [
        fx.switch(login, Email).fail(),
        fx.switch(login, Totp).fail(),
        fx.resend(login).fail(),
    ] {
        assert!(
            matches!(err, Error::MfaLocked | Error::ChallengeExpired { .. }),
            "{err:?}"
        );
    }
    assert_eq!(fx.acct.backup_codes_remaining(), Some(10));
    assert_eq!(fx.acct.version(), version);
}

/// During a delay or lockout no code is generated or sent by any operation; a
/// challenge that begins then withholds its code, and a resend sends it once the
/// wait is over. Switching to the authenticator (which sends nothing) still works.
#[test]
fn nothing_is_sent_while_a_delay_or_lockout_runs() {
    let slow = ThrottlePolicy::new(0, 300, 900, 3, 3_600).unwrap();
    let mut fx = Fx::with(MfaPolicy::default().with_throttle(slow));
    assert!(fx.enable(MAIL).result.is_ok());
    assert!(fx.enable(APP).result.is_ok());
    let mut login = fx.login();
    let sent = fx.answer(&mut login.prompt);
    assert_eq!(
        fx.verify(&login.token, &other(&sent)).fail(),
        Error::InvalidCode
    );
    let delay = wait(fx.now + 300);
    fx.now += 61;
    let version = fx.acct.version();
    assert_eq!(fx.resend(&login.token).fail(), delay);
    assert!(fx.switch(&login.token, Totp).result.is_ok());
    assert_eq!(fx.switch(&login.token, Email).fail(), delay);
    assert_eq!(fx.acct.version(), version + 1, "only the switch to the app");

    // A sign-in begun during the delay withholds its code, and says why.
    let mut login = fx.login();
    assert!(login.prompt.delivery().is_none());
    assert_eq!(
        login.prompt.withheld(),
        Some(Withheld::Throttled {
            retry_at: fx.now + 239
        })
    );
    assert_eq!(fx.resend(&login.token).fail(), delay);
    fx.now += 239;
    let first = fx.resend(&login.token).val();
    assert!(first.expires_at() <= login.prompt.expires_at());
    assert_eq!(
        fx.verify(&login.token, first.code().as_str()).val(),
        by(Email)
    );

    // A lockout refuses every send, and every start.
    for i in 0..3 {
        if i > 0 {
            fx.now = fx.acct.retry_at(fx.now).unwrap();
        }
        login = fx.login();
        let code = fx.answer(&mut login.prompt);
        assert_eq!(
            fx.verify(&login.token, &other(&code)).fail(),
            Error::InvalidCode
        );
    }
    let until = fx.acct.retry_at(fx.now).unwrap();
    assert_eq!(fx.lock_state(), LockState::LockedOut { until });
    fx.now += 120;
    assert_eq!(fx.resend(&login.token).fail(), wait(until));
    assert!(
        fx.switch(&login.token, Totp).result.is_ok(),
        "sends nothing"
    );
    assert_eq!(fx.switch(&login.token, Email).fail(), wait(until));
    assert_eq!(fx.begin_login().fail(), wait(until));
}

/// The typed view of the budget: open, delayed, locked out, hard-locked.
#[test]
fn lock_state_reads_the_budget_without_the_policy_numbers() {
    let policy = ThrottlePolicy::new(1, 30, 900, 3, 3_600)
        .unwrap()
        .with_max_failures(4)
        .unwrap();
    let mut fx = Fx::with(MfaPolicy::default().with_throttle(policy));
    assert!(fx.enable(APP).result.is_ok());
    let mut seen = vec![fx.lock_state()];
    for _ in 0..4 {
        let login = fx.login();
        assert_eq!(
            fx.verify(&login.token, &fx.wrong_totp()).fail(),
            Error::InvalidCode
        );
        seen.push(fx.lock_state());
        fx.now = fx.acct.retry_at(fx.now).unwrap_or(fx.now);
    }
    let t = fx.now;
    assert_eq!(
        seen,
        [
            LockState::Open,
            LockState::Open,
            LockState::Delayed {
                until: seen_until(&seen[2])
            },
            LockState::LockedOut {
                until: seen_until(&seen[3])
            },
            LockState::HardLocked,
        ]
    );
    fx.now = t + 365 * 86_400;
    assert_eq!(
        fx.lock_state(),
        LockState::HardLocked,
        "a year changes nothing"
    );
    assert!(ThrottlePolicy::DEFAULT.with_max_failures(0).is_err());
    assert!(ThrottlePolicy::DEFAULT.with_max_failures(101).is_err());
    assert_eq!(ThrottlePolicy::DEFAULT.max_failures(), 100);
    // The limit itself is allowed: the bound is inclusive.
    let most = ThrottlePolicy::DEFAULT
        .with_max_failures(MAX_FAILURES)
        .unwrap();
    assert_eq!(most.max_failures(), MAX_FAILURES);
}

fn seen_until(state: &LockState) -> u64 {
    match *state {
        LockState::Delayed { until } | LockState::LockedOut { until } => until,
        _ => panic!("no wait in {state:?}"),
    }
}
