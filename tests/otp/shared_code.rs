//! A code two steps share: RFC 4226's secret gives the same code at two consecutive
//! counters, so a window holding both must pick one, and the one it picks decides
//! whether the code can be used twice.

use mfa_core::{
    Secret,
    error::Error,
    otp::{HotpConfig, TotpConfig},
};

/// RFC 4226's secret; with SHA-1 and 6 digits, counters 910737 and 910738 both give
/// 911617 (found by search: a 1-in-10^6 coincidence).
const RFC_SECRET: &[u8] = b"12345678901234567890";
const SHARED_FIRST: u64 = 910_737;
const SHARED_CODE: &str = "911617";

fn rfc_secret() -> Secret {
    Secret::from_bytes(RFC_SECRET).unwrap()
}

/// The tests below rest on this coincidence: without it they would pass whichever
/// step a shared code matched.
#[test]
fn rfc4226_secret_gives_one_code_at_two_consecutive_counters() {
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

/// The HOTP form of the same rule: the highest counter wins, so the counter stored
/// after the match is past both and the code does not verify again.
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
