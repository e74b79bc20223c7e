//! What is issued: the policy's ranges, and codes of exact length whose digits are
//! uniform, drawn by rejection so that no value is favoured, with a generator that
//! keeps failing reported rather than looped on.

use std::convert::Infallible;

use mfa_core::error::Error;
use mfa_core::error::{ConfigError, PolicyField};
use mfa_core::oob::{OobChallenge, OobChannel, OobPolicy};
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::fixture::{T0, issue, key};

/// Draws `u64::MAX` (always rejected) `rejects` times, then 7; bytes are 0xff.
struct ScriptedRng {
    rejects: u32,
    then: u64,
}

impl rand::TryRng for ScriptedRng {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(self.try_next_u64()? as u32)
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        if self.rejects == 0 {
            return Ok(self.then);
        }
        self.rejects -= 1;
        // 0 times 10^digits has a low half of 0, below 2^64 mod 10^digits: rejected.
        Ok(0)
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        dst.fill(0xff);
        Ok(())
    }
}

impl rand::TryCryptoRng for ScriptedRng {}

#[test]
fn policy_defaults_and_ranges() {
    let p = OobPolicy::default();
    assert_eq!(p, OobPolicy::DEFAULT);
    let shape = (p.digits(), p.lifetime(), p.max_attempts());
    assert_eq!(
        (shape, p.resend_cooldown(), p.max_resends()),
        ((6, 600, 5), 60, 3)
    );
    let err = |f| Err(ConfigError::Policy(f));
    for d in 0..=255u8 {
        let r = p.with_digits(d);
        assert_eq!(r.is_ok(), (6..=10).contains(&d), "{d}");
    }
    assert_eq!(p.with_digits(11), err(PolicyField::OobDigits));
    assert_eq!(p.with_lifetime(0), err(PolicyField::OobLifetime));
    assert_eq!(p.with_lifetime(86_401), err(PolicyField::OobLifetime));
    assert!(p.with_lifetime(86_400).is_ok() && p.with_lifetime(1).is_ok());
    assert_eq!(p.with_max_attempts(0), err(PolicyField::OobAttempts));
    assert_eq!(p.with_max_attempts(101), err(PolicyField::OobAttempts));
    assert_eq!(p.with_max_resends(101), err(PolicyField::OobResends));
    assert!(p.with_max_resends(0).is_ok() && p.with_max_resends(100).is_ok());
    assert!(p.with_resend_cooldown(0).is_ok() && p.with_resend_cooldown(u64::MAX).is_ok());
    assert_eq!(OobChannel::Sms.to_string(), "sms");
}

#[test]
fn codes_have_exact_digits_and_uniform_first_digits() {
    let mut rng = StdRng::seed_from_u64(7);
    let mut first = [0u32; 10];
    let mut last = [0u32; 10];
    for _ in 0..20_000 {
        let (code, c) = issue(&OobPolicy::default(), &mut rng, T0);
        assert_eq!(c.digits(), 6);
        assert_eq!(code.len(), 6);
        assert!(code.bytes().all(|b| b.is_ascii_digit()));
        first[usize::from(code.as_bytes()[0] - b'0')] += 1;
        last[usize::from(code.as_bytes()[5] - b'0')] += 1;
    }
    // Expected 2,000 per bucket, standard deviation about 42: ±300 is beyond 7 sigma,
    // and the seed is fixed, so this cannot flake; it catches a stuck or biased digit.
    for bucket in first.iter().chain(&last) {
        assert!((1_700..=2_300).contains(bucket), "{first:?} {last:?}");
    }
    assert!(first[0] > 0, "leading zeros are kept");
    // 10-digit codes go past the 31-bit range of an HOTP value.
    let ten = OobPolicy::default().with_digits(10).unwrap();
    let big = (0..200).any(|_| issue(&ten, &mut rng, T0).0.parse::<u64>().unwrap() > 1 << 32);
    assert!(big);
    for d in 6..=10 {
        let p = OobPolicy::default().with_digits(d).unwrap();
        assert_eq!(issue(&p, &mut rng, T0).0.len(), usize::from(d));
    }
}

/// The smallest draw that gives `code` and is accepted: its product with `m` is at
/// least `code` × 2^64 + (2^64 mod m), so the high half is `code` and the low half is
/// at or above the rejection threshold.
fn accepted_draw_for(code: u64, m: u64) -> u64 {
    let threshold = (1u128 << 64) % u128::from(m);
    u64::try_from(((u128::from(code) << 64) + threshold).div_ceil(u128::from(m))).unwrap()
}

#[test]
fn rejection_sampling_bounds_and_rng_failure() {
    let policy = OobPolicy::default();
    let run = |rejects, then| {
        let mut rng = ScriptedRng { rejects, then };
        OobChallenge::issue(OobChannel::Sms, &policy, &key(), &mut rng, T0)
            .map(|(code, _)| code.as_str().to_owned())
    };
    let seven = accepted_draw_for(7, 1_000_000);
    assert_eq!(run(63, seven).unwrap(), "000007");
    assert_eq!(run(64, seven).unwrap_err(), Error::RngFailure);
    assert_eq!(run(u32::MAX, seven).unwrap_err(), Error::RngFailure);
    // The code is the high half of draw × 10^6; the low half decides acceptance.
    assert_eq!(run(0, u64::MAX).unwrap(), "999999");
    assert_eq!(run(0, (1 << 63) + 1).unwrap(), "500000");
    assert_eq!(run(0, 0).unwrap_err(), Error::RngFailure);
    // 2^63 × 10^6 is exactly 500,000 × 2^64: a low half of 0, rejected.
    assert_eq!(run(0, 1 << 63).unwrap_err(), Error::RngFailure);
    // Just below the first accepted draw for 7, the product either keeps the high half
    // 7 with a low half under 2^64 mod 10^6 (rejected), or falls into code 6.
    let below = u128::from(seven - 1) * 1_000_000;
    let expected = if below >> 64 == 7 {
        assert!((below as u64) < 551_616);
        Err(Error::RngFailure)
    } else {
        Ok("000006".to_owned())
    };
    assert_eq!(run(0, seven - 1), expected);
    let mut rng = StdRng::seed_from_u64(1);
    let (_, mut c) = issue(&policy, &mut rng, T0);
    let mut broken = ScriptedRng {
        rejects: u32::MAX,
        then: 0,
    };
    let before = c.clone();
    assert_eq!(
        c.resend(&key(), &mut broken, T0 + 60).unwrap_err(),
        Error::RngFailure
    );
    assert_eq!(c, before, "a failed resend changes nothing");
}
