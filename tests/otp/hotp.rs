//! HOTP's counter arithmetic, its window bounds and RFC 4226 §7.4 resynchronisation,
//! at the values the vectors and properties do not reach.

use mfa_core::error::ConfigError;
use mfa_core::otp::{MAX_LOOK_AHEAD, MAX_RESYNC_WINDOW};
use mfa_core::{Secret, error::Error, otp::HotpConfig};

/// The counter to store after a match is one past the matched counter, wherever in
/// the look-ahead it matched: one less would accept the same code again.
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

/// Both windows take their documented maximum and refuse one more, and read back
/// what was set, so a caller's configuration is the one that runs.
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

/// Resynchronisation needs two consecutive codes: a right second code after a wrong
/// first one is refused, or one code seen over a shoulder would move the counter.
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
