//! Invariants of HOTP/TOTP verification, stated over random secrets, times,
//! configurations and inputs.

use mfa_core::{
    Secret,
    error::Error,
    otp::{Algorithm, HotpConfig, TotpConfig, Window},
};
use proptest::prelude::*;

use crate::proptest_regressions::beside_source;

fn algorithms() -> impl Strategy<Value = Algorithm> {
    prop::sample::select(Algorithm::ALL.to_vec())
}

fn secrets() -> impl Strategy<Value = Secret> {
    proptest::collection::vec(any::<u8>(), 16..=64).prop_map(|k| Secret::from_bytes(&k).unwrap())
}

prop_compose! {
    fn totp_configs()(
        algorithm in algorithms(),
        digits in 6u8..=10,
        period in prop_oneof![Just(30u64), 1u64..=3600],
        t0 in prop_oneof![Just(0u64), 0u64..1_000_000],
        past in 0u8..=10,
        future in 0u8..=10,
    ) -> TotpConfig {
        TotpConfig::default()
            .with_algorithm(algorithm)
            .with_digits(digits).unwrap()
            .with_period(period).unwrap()
            .with_t0(t0)
            .with_window(Window::new(past, future).unwrap())
    }
}

proptest! {
    #![proptest_config(beside_source(ProptestConfig::with_cases(500)))]

    /// A code from any step inside the window verifies, and reports its own step and
    /// drift unless an earlier step of the window happens to share the code.
    #[test]
    fn any_code_inside_the_window_verifies_with_its_offset(
        totp in totp_configs(),
        secret in secrets(),
        elapsed in 0u64..=10_000_000_000,
        pick in any::<prop::sample::Index>(),
    ) {
        let now = totp.t0() + elapsed;
        let current = totp.step_at(now).unwrap();
        let past = i64::from(totp.window().past()).min(current as i64);
        let offset = pick.index((past + i64::from(totp.window().future()) + 1) as usize) as i64 - past;
        let step = current.checked_add_signed(offset).unwrap();
        let code = totp.generate_at_step(&secret, step);
        let m = totp.verify(&secret, code.as_str(), now, None).unwrap();
        prop_assert!(totp.generate_at_step(&secret, m.step()) == code);
        let earlier_twin = (current.saturating_sub(past as u64)..step)
            .any(|s| totp.generate_at_step(&secret, s).as_str() == code.as_str());
        if !earlier_twin {
            prop_assert_eq!(m.step(), step);
            prop_assert_eq!(i64::from(m.drift()), offset);
        }
    }

    /// A code from outside the window is refused, unless it equals the code of some
    /// step inside the window (then it is that step that matched).
    #[test]
    fn codes_outside_the_window_are_refused(
        totp in totp_configs(),
        secret in secrets(),
        elapsed in 0u64..=10_000_000_000,
        distance in 1u64..=1000,
        before in any::<bool>(),
    ) {
        let now = totp.t0() + elapsed;
        let current = totp.step_at(now).unwrap();
        let outside = if before {
            current.checked_sub(u64::from(totp.window().past()) + distance)
        } else {
            current.checked_add(u64::from(totp.window().future()) + distance)
        };
        prop_assume!(outside.is_some());
        let code = totp.generate_at_step(&secret, outside.unwrap());
        let lo = current.saturating_sub(u64::from(totp.window().past()));
        let hi = current + u64::from(totp.window().future());
        let inside_twin = (lo..=hi).any(|s| totp.generate_at_step(&secret, s).as_str() == code.as_str());
        match totp.verify(&secret, code.as_str(), now, None) {
            Ok(m) => {
                prop_assert!(inside_twin);
                prop_assert!((lo..=hi).contains(&m.step()));
            }
            Err(e) => {
                prop_assert!(!inside_twin);
                prop_assert_eq!(e, Error::InvalidCode);
            }
        }
    }

    /// Once a step is accepted, nothing at or before it is ever accepted again: a
    /// user (or attacker) submitting any code at any time sees accepted steps strictly
    /// increase.
    #[test]
    fn no_code_is_ever_accepted_twice(
        totp in totp_configs(),
        secret in secrets(),
        start in 0u64..=10_000_000_000,
        moves in proptest::collection::vec((0u64..=90, -12i64..=12, any::<bool>()), 1..40),
    ) {
        let mut now = totp.t0() + start;
        let mut last: Option<u64> = None;
        for (advance, offset, garbage) in moves {
            now += advance;
            let current = totp.step_at(now).unwrap();
            let code = match current.checked_add_signed(offset) {
                Some(step) if !garbage => totp.generate_at_step(&secret, step).to_string(),
                _ => format!("{:0width$}", offset.unsigned_abs(), width = usize::from(totp.digits())),
            };
            match totp.verify(&secret, &code, now, last) {
                Ok(m) => {
                    prop_assert!(last.is_none_or(|l| m.step() > l), "step {} after {:?}", m.step(), last);
                    last = Some(m.step());
                }
                Err(Error::CodeReused { step }) => prop_assert!(last.is_some_and(|l| step <= l)),
                Err(e) => prop_assert_eq!(e, Error::InvalidCode),
            }
        }
    }

    /// Verification never panics, whatever the text, time or configuration.
    #[test]
    fn verify_never_panics(
        totp in totp_configs(),
        secret in secrets(),
        code in ".{0,40}",
        now in prop_oneof![Just(0u64), Just(u64::MAX), any::<u64>()],
        last in proptest::option::of(prop_oneof![Just(0u64), Just(u64::MAX), any::<u64>()]),
    ) {
        let _ = totp.verify(&secret, &code, now, last);
        let _ = totp.generate(&secret, now);
        let _ = totp.step_at(now);
    }

    /// At the top of the time range the window saturates instead of wrapping.
    #[test]
    fn extreme_times_verify_without_wrapping(totp in totp_configs(), secret in secrets()) {
        for now in [totp.t0(), u64::MAX] {
            let code = totp.generate(&secret, now).unwrap();
            let m = totp.verify(&secret, code.as_str(), now, None).unwrap();
            prop_assert_eq!(m.step(), totp.step_at(now).unwrap());
        }
        if totp.t0() > 0 {
            prop_assert_eq!(
                totp.verify(&secret, &"0".repeat(usize::from(totp.digits())), totp.t0() - 1, None).unwrap_err().code(),
                "time_before_epoch"
            );
        }
    }

    /// HOTP: a code up to the look-ahead verifies and reports the highest counter in
    /// the window with that code; the counter to persist is one past it, so the same
    /// code matches nothing in that window again.
    #[test]
    fn hotp_look_ahead_and_no_reuse(
        algorithm in algorithms(),
        digits in 6u8..=10,
        look_ahead in 0u32..=20,
        secret in secrets(),
        counter in prop_oneof![any::<u64>(), Just(u64::MAX - 1), Just(u64::MAX)],
        ahead in 0u64..=25,
    ) {
        let hotp = HotpConfig::default()
            .with_algorithm(algorithm)
            .with_digits(digits).unwrap()
            .with_look_ahead(look_ahead).unwrap();
        let Some(target) = counter.checked_add(ahead) else { return Ok(()); };
        let code = hotp.generate(&secret, target);
        match hotp.verify(&secret, code.as_str(), counter) {
            Ok(m) => {
                let window_end = counter.saturating_add(u64::from(look_ahead));
                prop_assert!(m.counter() >= counter && m.counter() <= window_end);
                if ahead <= u64::from(look_ahead) {
                    prop_assert!(m.counter() >= target);
                }
                prop_assert!(m.counter() < u64::MAX);
                prop_assert!(hotp.generate(&secret, m.counter()) == code);
                let replay = hotp.verify(&secret, code.as_str(), m.next_counter());
                if let Ok(again) = replay {
                    prop_assert!(again.counter() > window_end);
                }
            }
            Err(e) => {
                prop_assert_eq!(e, Error::InvalidCode);
                prop_assert!(ahead > u64::from(look_ahead) || target == u64::MAX);
            }
        }
    }

    /// RFC 4226 §7.4: two consecutive codes anywhere in the resync window
    /// resynchronise to the second one's counter.
    #[test]
    fn hotp_resync_finds_consecutive_pairs(
        secret in secrets(),
        counter in 0u64..=u64::MAX / 2,
        ahead in 0u64..=100,
    ) {
        let hotp = HotpConfig::default();
        let first = hotp.generate(&secret, counter + ahead);
        let second = hotp.generate(&secret, counter + ahead + 1);
        let m = hotp.resync(&secret, first.as_str(), second.as_str(), counter).unwrap();
        prop_assert!(m.counter() <= counter + ahead + 1);
        prop_assert!(hotp.generate(&secret, m.counter()) == second);
        prop_assert!(hotp.generate(&secret, m.counter() - 1) == first);
        // The pair in the wrong order is not a pair.
        prop_assert!(hotp.resync(&secret, second.as_str(), first.as_str(), counter + ahead).is_err()
            || hotp.generate(&secret, counter + ahead + 2).as_str() == first.as_str());
    }
}

#[test]
fn configuration_ranges_are_enforced() {
    assert!(TotpConfig::default().with_digits(5).is_err());
    assert!(TotpConfig::default().with_digits(11).is_err());
    assert!(TotpConfig::default().with_period(0).is_err());
    assert!(Window::new(10, 10).is_ok());
    assert!(Window::new(11, 0).is_err());
    assert!(Window::new(0, 11).is_err());
    assert!(HotpConfig::default().with_look_ahead(101).is_err());
    assert!(HotpConfig::default().with_resync_window(1001).is_err());
}

#[test]
fn malformed_codes_are_typed_errors() {
    let secret = Secret::from_bytes(&[1u8; 20]).unwrap();
    let totp = TotpConfig::default();
    for bad in ["", "12345", "1234567", "12a456", "12-456", "１２３４５６"] {
        let err = totp.verify(&secret, bad, 1_000_000, None).unwrap_err();
        assert_eq!(err.code(), "malformed_code", "{bad:?}");
        assert!(err.is_user_error());
    }
    let code = totp.generate(&secret, 1_000_000).unwrap();
    let spaced = format!("{} {}", &code.as_str()[..3], &code.as_str()[3..]);
    assert!(totp.verify(&secret, &spaced, 1_000_000, None).is_ok());
}

#[test]
fn a_code_two_steps_old_is_refused_with_the_default_window() {
    let secret = Secret::from_bytes(&[9u8; 20]).unwrap();
    let totp = TotpConfig::default();
    let now = 1_700_000_000;
    let old = totp.generate(&secret, now - 60).unwrap();
    let previous = totp.generate(&secret, now - 30).unwrap();
    assert_eq!(
        totp.verify(&secret, old.as_str(), now, None),
        Err(Error::InvalidCode)
    );
    assert_eq!(
        totp.verify(&secret, previous.as_str(), now, None)
            .unwrap()
            .drift(),
        -1
    );
}

/// Codes compare by their digits: the same step gives an equal code, another step a
/// different one, so a caller can compare a code with one it generated.
#[test]
fn generated_codes_are_equal_only_with_the_same_digits() {
    let secret = Secret::from_bytes(&[1; 20]).unwrap();
    let totp = TotpConfig::default();
    let a = totp.generate_at_step(&secret, 1);
    let b = totp.generate_at_step(&secret, 2);
    assert_ne!(a.as_str(), b.as_str());
    assert_ne!(a, b);
    assert_eq!(a, totp.generate_at_step(&secret, 1));
}
