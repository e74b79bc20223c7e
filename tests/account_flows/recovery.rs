//! The support desk's recovery: unlock (keep the factors) and reset (wipe them).

use mfa_core::account::Method::{Authenticator as Totp, Email};
use mfa_core::account::{LockState, LoginToken, ThrottlePolicy};
use mfa_core::{
    account::{Event, LoginStart, MfaPolicy},
    error::Error,
};

use crate::fixture::{APP, Fx, MAIL, Read, by, is, off, on};

/// A user with the app and email, hard-locked after three wrong codes on the
/// login challenge returned.
fn hard_locked() -> (Fx, LoginToken) {
    let policy = ThrottlePolicy::DEFAULT.with_max_failures(3).unwrap();
    let mut fx = Fx::with(MfaPolicy::default().with_throttle(policy));
    assert!(fx.enable(APP).result.is_ok());
    assert!(fx.enable(MAIL).result.is_ok());
    let login = fx.login();
    for _ in 0..3 {
        assert_eq!(
            fx.verify(&login.token, &fx.wrong_totp()).fail(),
            Error::InvalidCode
        );
    }
    assert_eq!(fx.lock_state(), LockState::HardLocked);
    (fx, login.token)
}

#[test]
fn unlock_clears_the_lock_and_keeps_every_factor() {
    let (mut fx, _) = hard_locked();
    let version = fx.acct.version();
    let out = fx.unlock();
    assert_eq!(out.events, [Event::Unlocked { failures: 3 }]);
    assert_eq!(out.val(), 3);
    assert_eq!(fx.acct.version(), version + 1);
    assert_eq!((fx.lock_state(), fx.acct.failures()), (LockState::Open, 0));
    assert_eq!(fx.acct.methods(), [Totp, Email]);
    assert_eq!(fx.acct.backup_codes_remaining(), Some(10));
    let login = fx.login();
    let code = fx.next_totp();
    assert_eq!(fx.verify(&login.token, &code).val(), by(Totp));

    // Nothing to clear: nothing changes, and no event.
    let version = fx.acct.version();
    let out = fx.unlock();
    assert!(out.events.is_empty());
    assert_eq!((out.val(), fx.acct.version()), (0, version));
}

#[test]
fn reset_wipes_every_factor_and_the_user_enrols_again_at_once() {
    let (mut fx, stale) = hard_locked();
    let out = fx.reset();
    assert_eq!(
        out.events,
        [off(Totp), off(Email), Event::MfaTurnedOff, Event::MfaReset]
    );
    assert_eq!(out.val(), [Totp, Email]);
    assert!(!fx.acct.mfa_enabled());
    assert_eq!(fx.acct.backup_codes_remaining(), None);
    assert_eq!(fx.acct.challenge_keys().count(), 0);
    assert_eq!((fx.lock_state(), fx.acct.failures()), (LockState::Open, 0));
    assert!(matches!(fx.begin_login().val(), LoginStart::NotRequired));
    let err = fx.verify(&stale, &fx.totp_at(fx.now)).fail();
    is(err, Error::ChallengeInvalid, "mfa_token_invalid");
    let old_backup = fx.backup[0].clone();

    let enabled = fx.enable(APP);
    assert_eq!(enabled.events[0], on(Totp));
    assert_eq!(fx.acct.backup_codes_remaining(), Some(10));
    assert!(!fx.backup.contains(&old_backup), "a new set");

    // Nothing left to wipe: nothing changes.
    let mut fresh = Fx::new();
    let out = fresh.reset();
    assert!(out.events.is_empty());
    assert_eq!((out.val(), fresh.acct.version()), (vec![], 0));
}

/// A record stored without its backup-code set or any challenge (loading accepts
/// one) still has its methods wiped by a reset: the methods alone are something to
/// wipe.
#[cfg(feature = "serde")]
#[test]
fn reset_wipes_the_methods_of_a_record_without_backup_codes() {
    let mut fx = Fx::new();
    assert!(fx.enable(APP).result.is_ok());
    let mut record = serde_json::to_value(&fx.acct).unwrap();
    let object = record.as_object_mut().unwrap();
    assert!(object.remove("backup_codes").is_some());
    object.insert("challenges".into(), serde_json::Value::Array(vec![]));
    fx.acct = serde_json::from_value(record).unwrap();
    assert_eq!(fx.acct.backup_codes_remaining(), None);
    let out = fx.reset();
    assert_eq!(out.val(), [Totp]);
    assert!(!fx.acct.mfa_enabled());
    assert_eq!(fx.acct.methods(), []);
}
