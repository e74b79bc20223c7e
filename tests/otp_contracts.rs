//! OTP contracts that the RFC vectors and property tests left unchecked: which step
//! wins when two share a code, HOTP's counter arithmetic and window bounds, the
//! second code of a resynchronisation pair, and a stored configuration's fields.
//! Each was a mutant that survived `cargo mutants` (docs/mutants.md).
#![allow(clippy::unwrap_used, missing_docs)]

use mfa_core::error::ConfigError;
use mfa_core::otp::{MAX_LOOK_AHEAD, MAX_RESYNC_WINDOW};
use mfa_core::{Error, HotpConfig, Secret, TotpConfig};

/// RFC 4226's secret; with SHA-1 and 6 digits, counters 910737 and 910738 both give
/// 911617 (found by search: a 1-in-10^6 coincidence).
const RFC_SECRET: &[u8] = b"12345678901234567890";
const SHARED_FIRST: u64 = 910_737;
const SHARED_CODE: &str = "911617";

fn rfc_secret() -> Secret {
    Secret::from_bytes(RFC_SECRET).unwrap()
}

#[test]
fn the_vector_really_has_two_counters_with_one_code() {
    let hotp = HotpConfig::default();
    for counter in [SHARED_FIRST, SHARED_FIRST + 1] {
        assert_eq!(hotp.generate(&rfc_secret(), counter).as_str(), SHARED_CODE);
    }
}

/// RFC 6238 §5.2: once accepted, an OTP is not accepted again. The latest step wins,
/// so the stored step refuses the code at both.
#[test]
fn a_totp_code_of_two_steps_matches_the_latest_so_it_cannot_be_replayed() {
    let totp = TotpConfig::default();
    let now = (SHARED_FIRST + 1) * 30;
    let m = totp.verify(&rfc_secret(), SHARED_CODE, now, None).unwrap();
    assert_eq!((m.step(), m.drift()), (SHARED_FIRST + 1, 0));
    assert_eq!(
        totp.verify(&rfc_secret(), SHARED_CODE, now, Some(m.step())),
        Err(Error::CodeReused {
            step: SHARED_FIRST + 1
        })
    );
    // With only the earlier step refused, the code still belongs to the later one.
    let later = totp
        .verify(&rfc_secret(), SHARED_CODE, now, Some(SHARED_FIRST))
        .unwrap();
    assert_eq!(later.step(), SHARED_FIRST + 1);
}

#[test]
fn an_hotp_code_of_two_counters_matches_the_higher() {
    let hotp = HotpConfig::default();
    let m = hotp
        .verify(&rfc_secret(), SHARED_CODE, SHARED_FIRST - 2)
        .unwrap();
    assert_eq!(m.counter(), SHARED_FIRST + 1);
    assert_eq!(
        hotp.verify(&rfc_secret(), SHARED_CODE, m.next_counter()),
        Err(Error::InvalidCode)
    );
}

#[test]
fn the_next_counter_is_one_past_the_match() {
    let secret = Secret::from_bytes(&[9; 20]).unwrap();
    let hotp = HotpConfig::default();
    for (stored, ahead) in [(0u64, 0u64), (41, 3), (1_000_000, 5)] {
        let code = hotp.generate(&secret, stored + ahead);
        let m = hotp.verify(&secret, code.as_str(), stored).unwrap();
        assert_eq!(m.counter(), stored + ahead);
        assert_eq!(m.next_counter(), stored + ahead + 1);
        assert_eq!(
            hotp.verify(&secret, code.as_str(), m.next_counter()),
            Err(Error::InvalidCode),
            "stored {stored}, ahead {ahead}: a verified code must not verify again"
        );
    }
}

#[test]
fn hotp_windows_accept_their_maximum_and_report_what_was_set() {
    let at_max = HotpConfig::default()
        .with_look_ahead(MAX_LOOK_AHEAD)
        .unwrap()
        .with_resync_window(MAX_RESYNC_WINDOW)
        .unwrap();
    assert_eq!(
        (at_max.look_ahead(), at_max.resync_window()),
        (MAX_LOOK_AHEAD, MAX_RESYNC_WINDOW)
    );
    let small = HotpConfig::default()
        .with_look_ahead(7)
        .unwrap()
        .with_resync_window(250)
        .unwrap();
    assert_eq!((small.look_ahead(), small.resync_window()), (7, 250));
    assert!(matches!(
        HotpConfig::default().with_look_ahead(MAX_LOOK_AHEAD + 1),
        Err(ConfigError::WindowTooLarge { .. })
    ));
    assert!(matches!(
        HotpConfig::default().with_resync_window(MAX_RESYNC_WINDOW + 1),
        Err(ConfigError::WindowTooLarge { .. })
    ));
}

#[test]
fn resync_needs_the_first_code_of_the_pair_too() {
    let secret = Secret::from_bytes(&[3; 20]).unwrap();
    let hotp = HotpConfig::default();
    let (c, stored) = (60u64, 10u64);
    let first = hotp.generate(&secret, c);
    let second = hotp.generate(&secret, c + 1);
    let wrong = format!("{:06}", (first.value() + 1) % 1_000_000);
    assert_eq!(
        hotp.resync(&secret, &wrong, second.as_str(), stored),
        Err(Error::InvalidCode)
    );
    assert_eq!(
        hotp.resync(&secret, first.as_str(), second.as_str(), stored)
            .unwrap()
            .counter(),
        c + 1
    );
}

/// No counter at or past `u64::MAX` is ever usable, so no pair can end there, however
/// the codes of the last usable counters are arranged.
#[test]
fn resync_finds_no_pair_at_the_end_of_the_counter_space() {
    let secret = Secret::from_bytes(&[5; 20]).unwrap();
    let hotp = HotpConfig::default();
    let stored = u64::MAX - 2;
    let last = hotp.generate(&secret, u64::MAX - 1);
    let before = hotp.generate(&secret, u64::MAX - 2);
    // `last` then `before`: the window wraps back to `stored` once counters run out,
    // which must not close a pair.
    assert_eq!(
        hotp.resync(&secret, last.as_str(), before.as_str(), stored),
        Err(Error::InvalidCode)
    );
    assert_eq!(
        hotp.resync(&secret, before.as_str(), last.as_str(), stored)
            .unwrap()
            .counter(),
        u64::MAX - 1
    );
}

#[cfg(feature = "serde")]
#[test]
fn a_stored_totp_configuration_keeps_every_field() {
    use mfa_core::{Algorithm, Window};
    let config = TotpConfig::default()
        .with_algorithm(Algorithm::Sha512)
        .with_digits(8)
        .unwrap()
        .with_period(45)
        .unwrap()
        .with_t0(17)
        .with_window(Window::new(2, 3).unwrap());
    let json = serde_json::to_string(&config).unwrap();
    let back: TotpConfig = serde_json::from_str(&json).unwrap();
    assert_eq!(back, config);
    assert_ne!(back, TotpConfig::default());
}

#[test]
fn different_codes_are_unequal() {
    let secret = Secret::from_bytes(&[1; 20]).unwrap();
    let totp = TotpConfig::default();
    let a = totp.generate_at_step(&secret, 1);
    let b = totp.generate_at_step(&secret, 2);
    assert_ne!(a.as_str(), b.as_str());
    assert_ne!(a, b);
    assert_eq!(a, totp.generate_at_step(&secret, 1));
}
