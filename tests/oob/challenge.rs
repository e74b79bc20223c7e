//! One challenge: verify checks in a fixed order and spends an attempt only on a
//! wrong code, resend replaces the code without resetting attempts, extreme times
//! are handled, its limits are the policy's, and its `Debug` hides the code.

use mfa_core::error::CodeFormatError;
use mfa_core::oob::{OobChallenge, OobChannel, OobPolicy};
use mfa_core::{ServerKey, error::Error};
use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::fixture::{T0, issue, key, wrong};
use crate::proptest_regressions::beside_source;

#[test]
fn verify_checks_in_order() {
    let mut rng = StdRng::seed_from_u64(2);
    let policy = OobPolicy::default().with_max_attempts(2).unwrap();
    let (code, mut c) = issue(&policy, &mut rng, T0);
    let other_id = ServerKey::new(9, &[0x42; 32]).unwrap();
    let mismatch = Error::ServerKeyMismatch {
        stored: 1,
        given: 9,
    };
    assert_eq!(c.verify(&code, &other_id, T0), Err(mismatch));
    let malformed = Err(Error::MalformedCode(CodeFormatError::NotADigit));
    assert_eq!(c.verify("12345x", &key(), T0), malformed);
    let short = CodeFormatError::WrongLength {
        expected: 6,
        found: 5,
    };
    assert_eq!(
        c.verify("12345", &key(), T0),
        Err(Error::MalformedCode(short))
    );
    assert_eq!(
        (c.attempts_left(), c.revision()),
        (2, 0),
        "no attempt spent"
    );
    assert_eq!(
        c.verify(&wrong(&code, 0), &key(), T0 + 1),
        Err(Error::InvalidCode)
    );
    assert_eq!((c.attempts_left(), c.revision()), (1, 1));
    let spaced = format!(" {} {} ", &code[..3], &code[3..]);
    assert_eq!(c.verify(&spaced, &key(), T0 + 599), Ok(()));
    assert!(c.is_consumed());
    assert_eq!(c.revision(), 2);
    assert_eq!(c.verify(&code, &key(), T0 + 2), Err(Error::CodeConsumed));
    assert_eq!(c.verify(&code, &key(), u64::MAX), Err(Error::CodeConsumed));

    let (code, mut c) = issue(&policy, &mut rng, T0);
    let expired = Err(Error::CodeExpired {
        expired_at: T0 + 600,
    });
    assert_eq!(c.verify(&code, &key(), T0 + 600), expired);
    assert_eq!(c.verify("garbage", &other_id, u64::MAX), expired);
    assert!(c.is_expired(T0 + 600) && !c.is_expired(T0 + 599));
    for _ in 0..2 {
        assert_eq!(
            c.verify(&wrong(&code, 5), &key(), T0),
            Err(Error::InvalidCode)
        );
    }
    let dead = Err(Error::AttemptsExhausted);
    assert_eq!(c.verify(&code, &key(), T0), dead);
    assert_eq!(c.verify("x", &other_id, T0), dead);
    assert_eq!(c.resend(&key(), &mut rng, T0 + 3_600).map(|_| ()), dead);
    assert_eq!(c.next_resend_at(), None);
}

#[test]
fn resend_replaces_the_code_without_resetting_attempts() {
    let mut rng = StdRng::seed_from_u64(3);
    let policy = OobPolicy::default().with_max_resends(2).unwrap();
    let (old, mut c) = issue(&policy, &mut rng, T0);
    c.verify(&wrong(&old, 0), &key(), T0 + 1).unwrap_err();
    assert_eq!(c.next_resend_at(), Some(T0 + 60));
    let cooldown = Error::ResendCooldown { retry_at: T0 + 60 };
    assert_eq!(c.resend(&key(), &mut rng, T0 + 10).unwrap_err(), cooldown);
    assert_eq!(c.revision(), 1);
    let new = c
        .resend(&key(), &mut rng, T0 + 60)
        .unwrap()
        .as_str()
        .to_owned();
    assert_ne!(new, old);
    assert_eq!(
        (c.attempts_left(), c.resends_used(), c.revision()),
        (4, 1, 2)
    );
    assert_eq!(
        (c.expires_at(), c.last_sent_at(), c.issued_at()),
        (T0 + 660, T0 + 60, T0)
    );
    assert_eq!(c.verify(&old, &key(), T0 + 61), Err(Error::InvalidCode));
    assert_eq!(c.attempts_left(), 3);
    // A resend after expiry is the normal "send me a new code" path.
    let rotated = ServerKey::new(2, &[0x17; 32]).unwrap();
    let third = c
        .resend(&rotated, &mut rng, T0 + 2_000)
        .unwrap()
        .as_str()
        .to_owned();
    assert_eq!((c.key_id(), c.expires_at()), (2, T0 + 2_600));
    assert_eq!(
        c.resend(&rotated, &mut rng, T0 + 9_000).unwrap_err(),
        Error::MaxResendLimit
    );
    assert_eq!(c.next_resend_at(), None);
    let mismatch = Error::ServerKeyMismatch {
        stored: 2,
        given: 1,
    };
    assert_eq!(c.verify(&third, &key(), T0 + 2_001), Err(mismatch));
    assert_eq!(c.verify(&third, &rotated, T0 + 2_001), Ok(()));
    assert_eq!(
        c.resend(&rotated, &mut rng, T0 + 9_000).unwrap_err(),
        Error::CodeConsumed
    );
}

#[test]
fn extreme_times_do_not_panic() {
    let mut rng = StdRng::seed_from_u64(4);
    let policy = OobPolicy::default().with_resend_cooldown(u64::MAX).unwrap();
    let (code, mut c) = issue(&policy, &mut rng, u64::MAX);
    assert_eq!(c.expires_at(), u64::MAX, "born expired");
    let expired = Err(Error::CodeExpired {
        expired_at: u64::MAX,
    });
    assert_eq!(c.verify(&code, &key(), u64::MAX), expired);
    let wait = Error::ResendCooldown { retry_at: u64::MAX };
    assert_eq!(c.resend(&key(), &mut rng, 0).unwrap_err(), wait);
    assert_eq!(c.next_resend_at(), Some(u64::MAX));
    let (code, mut c) = issue(&OobPolicy::default(), &mut rng, 0);
    assert_eq!(c.verify(&code, &key(), 0), Ok(()));
}

#[test]
fn debug_output_hides_the_code_salt_and_hash() {
    let mut rng = StdRng::seed_from_u64(5);
    let (code, c) =
        OobChallenge::issue(OobChannel::Sms, &OobPolicy::default(), &key(), &mut rng, T0).unwrap();
    assert_eq!(format!("{code:?}"), "OobCode([redacted])");
    assert_eq!(code.to_string(), code.as_str());
    let debug = format!("{c:?}");
    assert!(debug.starts_with("OobChallenge { channel: Sms, key_id: 1, digits: 6,"));
    assert!(
        !debug.contains("salt") && !debug.contains("hash"),
        "{debug}"
    );
}

/// A challenge keeps the limits of the policy it was issued under, and reads them
/// back: a code already sent keeps the attempts, lifetime and resends it was sent
/// with.
#[test]
fn an_oob_challenge_reports_the_limits_it_was_issued_with() {
    let policy = OobPolicy::new(8, 900, 7, 45, 4).unwrap();
    let mut rng = StdRng::seed_from_u64(7);
    let (_code, challenge) =
        OobChallenge::issue(OobChannel::Sms, &policy, &key(), &mut rng, T0).unwrap();
    assert_eq!(
        (challenge.max_attempts(), challenge.attempts_left()),
        (7, 7)
    );
    assert_eq!((challenge.max_resends(), challenge.resends_used()), (4, 0));
    assert_eq!(challenge.lifetime(), 900);
    assert_eq!(challenge.expires_at(), T0 + challenge.lifetime());
    assert_eq!(challenge.resend_cooldown(), 45);
    assert_eq!(challenge.next_resend_at(), Some(T0 + 45));
    // The defaults are copied the same way.
    let (_code, default) =
        OobChallenge::issue(OobChannel::Email, &OobPolicy::DEFAULT, &key(), &mut rng, T0).unwrap();
    assert_eq!(
        (
            default.max_attempts(),
            default.max_resends(),
            default.lifetime(),
            default.resend_cooldown()
        ),
        (5, 3, 600, 60)
    );
}

proptest! {
    #![proptest_config(beside_source(ProptestConfig::default()))]

    #[test]
    fn verify_never_panics(text in any::<String>(), now in any::<u64>(), issued in any::<u64>()) {
        let mut rng = StdRng::seed_from_u64(now);
        let (_, mut c) = issue(&OobPolicy::default(), &mut rng, issued);
        let r = c.verify(&text, &key(), now);
        prop_assert!(r != Ok(()));
        let _ = c.resend(&key(), &mut rng, now);
    }
}
