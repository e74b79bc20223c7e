//! Differential test against an independent implementation (totp-rs): the same
//! secrets, times, algorithms and digit counts give the same codes and the same
//! accept/refuse decisions. totp-rs panics at 10 digits, so the comparison stops at 9;
//! 10-digit codes are covered by the RFC 4226 full truncation values in `rfc_vectors`.

use mfa_core::{
    Secret,
    otp::{Algorithm, TotpConfig},
};
use proptest::prelude::*;

use crate::proptest_regressions::beside_source;

fn theirs(algorithm: Algorithm, digits: u8, period: u64, secret: &[u8]) -> totp_rs::Totp {
    let algorithm = match algorithm {
        Algorithm::Sha1 => totp_rs::Algorithm::SHA1,
        Algorithm::Sha256 => totp_rs::Algorithm::SHA256,
        _ => totp_rs::Algorithm::SHA512,
    };
    totp_rs::Builder::new()
        .with_algorithm(algorithm)
        .with_digits(digits)
        .with_skew(1)
        .with_step_duration(period)
        .with_secret(secret.to_vec())
        .build_noncompliant()
}

fn algorithms() -> impl Strategy<Value = Algorithm> {
    prop::sample::select(Algorithm::ALL.to_vec())
}

proptest! {
    #![proptest_config(beside_source(ProptestConfig::with_cases(3000)))]

    #[test]
    fn same_codes_as_totp_rs(
        algorithm in algorithms(),
        digits in 6u8..=9,
        period in prop_oneof![Just(30u64), 1u64..=600],
        key in proptest::collection::vec(any::<u8>(), 16..=128),
        time in 0u64..=u64::MAX / 2,
    ) {
        let ours = TotpConfig::default()
            .with_algorithm(algorithm)
            .with_digits(digits).unwrap()
            .with_period(period).unwrap();
        let secret = Secret::from_bytes(&key).unwrap();
        let expected = theirs(algorithm, digits, period, &key).generate(time).to_string();
        let code = ours.generate(&secret, time).unwrap();
        prop_assert_eq!(code.as_str(), expected);
    }

    /// A code from a few steps around `time`: both accept it within ±1 and refuse it
    /// outside, and agree on the step it belongs to.
    #[test]
    fn same_decisions_as_totp_rs(
        algorithm in algorithms(),
        digits in 6u8..=9,
        key in proptest::collection::vec(any::<u8>(), 16..=64),
        time in 100u64..=4_000_000_000,
        offset in -3i64..=3,
    ) {
        let ours = TotpConfig::default()
            .with_algorithm(algorithm)
            .with_digits(digits).unwrap();
        let secret = Secret::from_bytes(&key).unwrap();
        let other = theirs(algorithm, digits, 30, &key);
        let at = time.checked_add_signed(offset * 30).unwrap();
        let code = ours.generate(&secret, at).unwrap();
        let their_step = other.check(code.as_str(), time);
        let our_step = ours.verify(&secret, code.as_str(), time, None).ok().map(|m| m.step());
        prop_assert_eq!(our_step, their_step);
    }
}
