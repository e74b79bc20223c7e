//! The policy a server runs with: throttling delays, the issuer, the TOTP settings
//! of new secrets, and the bounds and defaults of challenges.

use mfa_core::account::{MAX_CHALLENGE_LIFETIME, ThrottlePolicy};
use mfa_core::error::{ConfigError, PolicyField};
use mfa_core::{account::MfaPolicy, otp::TotpConfig};

use crate::fixture::Fx;

/// The delays read back as given; the defaults start at 30 seconds and stop growing
/// at 15 minutes.
#[test]
fn a_throttle_policy_reports_the_delays_it_was_given() {
    let policy = ThrottlePolicy::new(2, 45, 700, 8, 1_800).unwrap();
    assert_eq!((policy.first_delay(), policy.max_delay()), (45, 700));
    let default = ThrottlePolicy::default();
    assert_eq!((default.first_delay(), default.max_delay()), (30, 900));
}

/// Three failures are answered without delay by default, and a policy's own number
/// reads back as given.
#[test]
fn the_default_throttle_gives_three_free_failures() {
    assert_eq!(ThrottlePolicy::DEFAULT.free_failures(), 3);
    let custom = ThrottlePolicy::new(5, 30, 900, 10, 3600).unwrap();
    assert_eq!(custom.free_failures(), 5);
}

/// The issuer reads back as set, and there is none unless one is set, so an
/// enrolment URI names no issuer the server did not choose.
#[test]
fn a_policy_reports_the_issuer_it_was_given_and_none_by_default() {
    assert_eq!(MfaPolicy::default().issuer(), None);
    let policy = MfaPolicy::default().with_issuer("Acme Corp");
    assert_eq!(policy.issuer(), Some("Acme Corp"));
}

/// `with_totp` sets what new authenticator secrets are enrolled with and leaves the
/// rest of the policy as it was.
#[test]
fn with_totp_sets_the_configuration_of_new_secrets_and_keeps_every_other_setting() {
    let eight = TotpConfig::default().with_digits(8).unwrap();
    let policy = MfaPolicy::default()
        .with_issuer("Acme Corp")
        .with_challenges(300, 3)
        .unwrap()
        .with_totp(eight);
    assert_eq!(policy.totp(), &eight);
    assert_eq!(policy.issuer(), Some("Acme Corp"));
    assert_eq!(
        (policy.challenge_lifetime(), policy.challenge_attempts()),
        (300, 3)
    );
    // New secrets are enrolled with it: the URI asks the app for 8 digits.
    let mut fx = Fx::with(policy);
    let enrolment = fx.first_authenticator();
    let uri = enrolment.uri().expose_secret();
    assert!(uri.contains("digits=8") && uri.contains("Acme"), "{uri}");
}

/// A challenge's lifetime and attempts and the hourly code budget read back as set;
/// the defaults are 10 minutes, 5 attempts and 10 codes.
#[test]
fn a_policy_reports_the_challenge_limits_it_was_given() {
    let default = MfaPolicy::default();
    assert_eq!(
        (
            default.challenge_lifetime(),
            default.challenge_attempts(),
            default.codes_per_hour()
        ),
        (600, 5, 10)
    );
    let policy = MfaPolicy::default()
        .with_challenges(420, 7)
        .unwrap()
        .with_codes_per_hour(4)
        .unwrap();
    assert_eq!(
        (
            policy.challenge_lifetime(),
            policy.challenge_attempts(),
            policy.codes_per_hour()
        ),
        (420, 7, 4)
    );
}

/// The lifetime's bounds are inclusive at both ends, one second and
/// `MAX_CHALLENGE_LIFETIME`, and any number of attempts from one up is taken.
#[test]
fn with_challenges_accepts_lifetimes_from_one_second_to_the_maximum_and_any_attempts() {
    for (lifetime, attempts) in [
        (1, 1),
        (2, 255),
        (600, 5),
        (MAX_CHALLENGE_LIFETIME - 1, 2),
        (MAX_CHALLENGE_LIFETIME, 9),
    ] {
        let policy = MfaPolicy::default().with_challenges(lifetime, attempts);
        let policy = policy.unwrap_or_else(|e| panic!("({lifetime}, {attempts}): {e:?}"));
        assert_eq!(
            (policy.challenge_lifetime(), policy.challenge_attempts()),
            (lifetime, attempts)
        );
    }
}

/// A challenge that could never be answered (no lifetime, no attempt) or that would
/// outlive the maximum is refused, each alone and together, as a challenge-policy
/// error.
#[test]
fn with_challenges_refuses_a_zero_or_too_long_lifetime_and_zero_attempts() {
    let refused = Err(ConfigError::Policy(PolicyField::Challenge));
    for (lifetime, attempts) in [
        (0, 5),
        (0, 1),
        (MAX_CHALLENGE_LIFETIME + 1, 5),
        (MAX_CHALLENGE_LIFETIME + 1, 1),
        (MAX_CHALLENGE_LIFETIME * 2, 5),
        (u64::MAX, 5),
        (600, 0),
        (1, 0),
        (0, 0),
    ] {
        let got = MfaPolicy::default().with_challenges(lifetime, attempts);
        assert_eq!(got, refused, "({lifetime}, {attempts})");
    }
}
