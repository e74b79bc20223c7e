//! Out-of-band codes: uniform generation, the verify/resend contract checked against a
//! reference model over random operation sequences, masked hints, the stored form.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::convert::Infallible;

use mfa_core::error::{CodeFormatError, ConfigError, PolicyField};
use mfa_core::oob::{OobChallenge, OobChannel, OobPolicy, mask_email, mask_phone};
use mfa_core::{Error, ServerKey};
use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

const T0: u64 = 1_767_225_600;

fn key() -> ServerKey {
    ServerKey::new(1, &[0x42; 32]).unwrap()
}

fn issue(policy: &OobPolicy, rng: &mut StdRng, now: u64) -> (String, OobChallenge) {
    let (code, c) = OobChallenge::issue(OobChannel::Email, policy, &key(), rng, now).unwrap();
    (code.as_str().to_owned(), c)
}

/// A code of the right shape that is not `code`.
fn wrong(code: &str, bump: u64) -> String {
    let m = 10u64.pow(code.len() as u32);
    let v = (code.parse::<u64>().unwrap() + 1 + bump % (m - 1)) % m;
    format!("{v:0width$}", width = code.len())
}

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

#[test]
fn masks() {
    let cases = [
        ("jane.doe@example.com", "j•••@example.com"),
        ("", "•••"),
        ("jane.doe", "•••"),
        ("@example.com", "•••@example.com"),
        ("ü@x.de", "ü•••@x.de"),
        ("😀smile@x.de", "😀•••@x.de"),
        ("\"a@b\"@example.com", "\"•••@example.com"),
        ("a@@", "a•••@"),
        ("@", "•••@"),
    ];
    for (input, masked) in cases {
        assert_eq!(mask_email(input), masked, "{input:?}");
    }
    let phones = [
        ("+1 415 555 0134", "•••• 0134"),
        ("+44 20 7946 0958", "•••• 0958"),
        ("12", "••••"),
        ("", "••••"),
        ("1234", "•••• 34"),
        ("123-4567", "•••• 67"),
        ("12345678", "•••• 5678"),
        ("٠١٢٣٤٥٦٧٨٩", "••••"),
        ("📞 555 0134 🙂", "•••• 34"),
    ];
    for (input, masked) in phones {
        assert_eq!(mask_phone(input), masked, "{input:?}");
    }
}

proptest! {
    #[test]
    fn masking_never_panics_or_reveals_too_much(
        text in any::<String>(),
        local in "\\PC{2,12}",
        domain in "[a-z0-9.-]{0,20}",
    ) {
        let _ = mask_email(&text);
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        let masked = mask_phone(&text);
        let shown: String = masked.chars().filter(char::is_ascii_digit).collect();
        prop_assert!(shown.len() <= 4 && digits.ends_with(&shown));
        prop_assert!(shown.len() < digits.len() || digits.is_empty());
        let local: String = local.chars().filter(|&c| c != '@').collect();
        prop_assume!(local.chars().count() >= 2);
        let masked = mask_email(&format!("{local}@{domain}"));
        let first = local.chars().next().unwrap();
        prop_assert_eq!(masked, format!("{first}•••@{domain}"));
    }

    #[test]
    fn verify_never_panics(text in any::<String>(), now in any::<u64>(), issued in any::<u64>()) {
        let mut rng = StdRng::seed_from_u64(now);
        let (_, mut c) = issue(&OobPolicy::default(), &mut rng, issued);
        let r = c.verify(&text, &key(), now);
        prop_assert!(r != Ok(()));
        let _ = c.resend(&key(), &mut rng, now);
    }
}

/// What a challenge should do, computed independently of the library.
#[derive(Debug)]
struct Model {
    policy: OobPolicy,
    consumed: bool,
    attempts_left: u8,
    expires_at: u64,
    last_sent: u64,
    resends: u8,
}

impl Model {
    fn verify(&self, now: u64, well_formed: bool, right: bool, same_id: bool) -> Result<(), Error> {
        if self.consumed {
            Err(Error::CodeConsumed)
        } else if now >= self.expires_at {
            Err(Error::CodeExpired {
                expired_at: self.expires_at,
            })
        } else if self.attempts_left == 0 {
            Err(Error::AttemptsExhausted)
        } else if !same_id {
            Err(Error::ServerKeyMismatch {
                stored: 1,
                given: 2,
            })
        } else if !well_formed {
            Err(Error::MalformedCode(CodeFormatError::NotADigit))
        } else if right {
            Ok(())
        } else {
            Err(Error::InvalidCode)
        }
    }

    fn resend(&self, now: u64) -> Result<(), Error> {
        let elapsed = now.saturating_sub(self.last_sent);
        let cooldown = self.policy.resend_cooldown();
        if self.consumed {
            Err(Error::CodeConsumed)
        } else if self.attempts_left == 0 {
            Err(Error::AttemptsExhausted)
        } else if self.resends >= self.policy.max_resends() {
            Err(Error::MaxResendLimit)
        } else if elapsed < cooldown {
            Err(Error::ResendCooldown {
                retry_at: self.last_sent.saturating_add(cooldown),
            })
        } else {
            Ok(())
        }
    }
}

#[derive(Clone, Debug)]
enum Op {
    Right,
    Wrong(u64),
    Garbage(String),
    Old(usize),
    OtherKeyBytes,
    OtherKeyId,
    Resend,
    Advance(u64),
    Reload,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => Just(Op::Right),
        6 => any::<u64>().prop_map(Op::Wrong),
        2 => "[0-9 a]{0,12}".prop_map(Op::Garbage),
        2 => any::<usize>().prop_map(Op::Old),
        1 => Just(Op::OtherKeyBytes),
        1 => Just(Op::OtherKeyId),
        4 => Just(Op::Resend),
        5 => prop_oneof![0..=120u64, 0..=2_000u64, Just(u64::MAX / 2)].prop_map(Op::Advance),
        2 => Just(Op::Reload),
    ]
}

fn policy() -> impl Strategy<Value = OobPolicy> {
    (6..=10u8, 1..=900u64, 1..=8u8, 0..=300u64, 0..=4u8)
        .prop_map(|(d, l, a, c, r)| OobPolicy::new(d, l, a, c, r).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Random runs of verify (right, wrong, garbage, replaced code, other key),
    /// resend, clock jumps and reloads, each result checked against `Model`.
    #[test]
    fn any_operation_sequence_keeps_the_limits(
        policy in policy(),
        seed in any::<u64>(),
        ops in prop::collection::vec(op(), 1..60),
    ) {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut now = T0;
        let (mut code, mut c) = issue(&policy, &mut rng, now);
        let mut old: Vec<String> = Vec::new();
        let mut m = Model {
            policy,
            consumed: false,
            attempts_left: policy.max_attempts(),
            expires_at: now + policy.lifetime(),
            last_sent: now,
            resends: 0,
        };
        let (mut invalid, mut successes) = (0u32, 0u32);
        let other_bytes = ServerKey::new(1, &[0x43; 32]).unwrap();
        let other_id = ServerKey::new(2, &[0x42; 32]).unwrap();
        for op in ops {
            let before = c.clone();
            let (input, well_formed, right, k) = match &op {
                Op::Advance(s) => {
                    now = now.saturating_add(*s);
                    continue;
                }
                Op::Reload => {
                    #[cfg(feature = "serde")]
                    {
                        let json = serde_json::to_string(&c).unwrap();
                        c = serde_json::from_str(&json).unwrap();
                        prop_assert_eq!(&c, &before);
                    }
                    continue;
                }
                Op::Resend => {
                    let expected = m.resend(now);
                    let got = c.resend(&key(), &mut rng, now).map(|n| n.as_str().to_owned());
                    prop_assert_eq!(got.as_ref().map(|_| ()).map_err(|e| *e), expected);
                    if let Ok(new) = got {
                        let elapsed = now.saturating_sub(m.last_sent);
                        prop_assert!(elapsed >= policy.resend_cooldown());
                        old.push(std::mem::replace(&mut code, new));
                        m.resends += 1;
                        m.last_sent = now;
                        m.expires_at = now.saturating_add(policy.lifetime());
                        prop_assert_eq!(c.revision(), before.revision() + 1);
                    } else {
                        prop_assert_eq!(&c, &before);
                    }
                    prop_assert!(c.resends_used() <= policy.max_resends());
                    prop_assert_eq!(c.resends_used(), m.resends);
                    prop_assert_eq!(c.attempts_left(), m.attempts_left);
                    continue;
                }
                Op::Right => (code.clone(), true, true, key()),
                Op::Wrong(b) => (wrong(&code, *b), true, false, key()),
                Op::OtherKeyBytes => (code.clone(), true, false, other_bytes.clone()),
                Op::OtherKeyId => (code.clone(), true, true, other_id.clone()),
                Op::Old(i) => {
                    if old.is_empty() {
                        continue;
                    }
                    let o = old[i % old.len()].clone();
                    if o == code {
                        continue; // the new code happened to repeat an old one
                    }
                    (o, true, false, key())
                }
                Op::Garbage(g) => {
                    let digits: String = g.chars().filter(|&ch| ch != ' ').collect();
                    let ok = digits.len() == usize::from(policy.digits())
                        && digits.bytes().all(|b| b.is_ascii_digit());
                    (g.clone(), ok, ok && digits == code, key())
                }
            };
            let expected = m.verify(now, well_formed, right, k.id() == 1);
            let got = c.verify(&input, &k, now);
            match (&expected, &got) {
                (Err(Error::MalformedCode(_)), Err(Error::MalformedCode(_))) => {}
                _ => prop_assert_eq!(&got, &expected, "{:?} at {}", op, now),
            }
            match got {
                Ok(()) => {
                    successes += 1;
                    m.consumed = true;
                }
                Err(Error::InvalidCode) => {
                    invalid += 1;
                    m.attempts_left -= 1;
                }
                Err(_) => prop_assert_eq!(&c, &before, "a refusal without a guess changes nothing"),
            }
            if got.is_ok() || got == Err(Error::InvalidCode) {
                prop_assert_eq!(c.revision(), before.revision() + 1);
            }
            prop_assert!(got.is_err() || (now < before.expires_at() && !before.is_consumed()));
            prop_assert!(invalid <= u32::from(policy.max_attempts()));
            prop_assert!(successes <= 1);
            prop_assert!(c.attempts_left() <= before.attempts_left());
            prop_assert_eq!(c.attempts_left(), m.attempts_left);
            prop_assert_eq!(c.is_consumed(), m.consumed);
            prop_assert_eq!(c.expires_at(), m.expires_at);
        }
    }
}

#[cfg(feature = "serde")]
mod stored {
    use super::*;

    #[test]
    fn json_round_trips_and_holds_no_code() {
        let mut rng = StdRng::seed_from_u64(6);
        let (code, mut c) = issue(&OobPolicy::default(), &mut rng, T0);
        c.verify(&wrong(&code, 0), &key(), T0 + 5).unwrap_err();
        let json = serde_json::to_string(&c).unwrap();
        println!("stored challenge, {} bytes: {json}", json.len());
        assert!(
            json.starts_with("{\"v\":2,\"rev\":1,\"channel\":\"email\","),
            "{json}"
        );
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        let fields: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut expected = [
            "v",
            "rev",
            "channel",
            "key_id",
            "scheme",
            "digits",
            "salt",
            "hash",
            "issued_at",
            "expires_at",
            "last_sent_at",
            "attempts_left",
            "max_attempts",
            "resends_used",
            "max_resends",
            "lifetime",
            "resend_cooldown",
            "consumed",
        ];
        expected.sort_unstable();
        let mut sorted = fields.clone();
        sorted.sort_unstable();
        assert_eq!(
            sorted, expected,
            "no field beyond these, none holding the code"
        );
        for (name, v) in value.as_object().unwrap() {
            assert_ne!(v.as_str(), Some(code.as_str()), "{name}");
            assert_ne!(v.as_u64(), Some(code.parse::<u64>().unwrap()), "{name}");
        }
        assert_eq!(value["salt"].as_str().unwrap().len(), 32);
        assert_eq!(value["hash"].as_str().unwrap().len(), 32);

        let mut back: OobChallenge = serde_json::from_str(&json).unwrap();
        assert_eq!(back, c);
        // Under a server key with the same id but other bytes, even the right code fails.
        let mut stolen = back.clone();
        let guess_key = ServerKey::new(1, &[0x43; 32]).unwrap();
        assert_eq!(
            stolen.verify(&code, &guess_key, T0 + 6),
            Err(Error::InvalidCode)
        );
        assert_eq!(back.verify(&code, &key(), T0 + 6), Ok(()));
    }

    #[test]
    fn unknown_versions_fields_and_ranges_are_refused() {
        let mut rng = StdRng::seed_from_u64(8);
        let (_, c) = issue(&OobPolicy::default(), &mut rng, T0);
        let json = serde_json::to_string(&c).unwrap();
        let load = |j: &str| serde_json::from_str::<OobChallenge>(j).map_err(|e| e.to_string());
        let v3 = json.replacen("\"v\":2", "\"v\":3", 1);
        assert!(
            load(&v3)
                .unwrap_err()
                .contains("unsupported stored schema version 3")
        );
        // Version 1 has no scheme (its hash is under the key itself); version 2
        // must name one.
        let no_scheme = json.replacen(",\"scheme\":\"hkdf-hmac-sha256-128\"", "", 1);
        assert!(load(&no_scheme).is_err());
        assert!(load(&no_scheme.replacen("\"v\":2", "\"v\":1", 1)).is_ok());
        assert!(load(&json.replacen("\"v\":2", "\"v\":1", 1)).is_err());
        // A future shape is refused for its version, not for its fields.
        let reshaped = "{\"v\":7,\"code_hash\":\"00\"}";
        assert!(
            load(reshaped)
                .unwrap_err()
                .contains("unsupported stored schema version 7")
        );
        assert!(load(&json.replacen("\"v\":2", "\"v\":0", 1)).is_err());
        assert!(load(&json.replacen("{", "{\"code\":\"123456\",", 1)).is_err());
        assert!(load(&json.replacen("\"attempts_left\":5", "\"attempts_left\":6", 1)).is_err());
        assert!(load(&json.replacen("\"digits\":6", "\"digits\":11", 1)).is_err());
        assert!(load(&json.replacen("\"resends_used\":0", "\"resends_used\":4", 1)).is_err());
        assert!(load(&json.replacen("\"lifetime\":600", "\"lifetime\":0", 1)).is_err());
        assert!(load(&json.replacen("\"channel\":\"email\"", "\"channel\":\"fax\"", 1)).is_err());
        let short_salt = json.replacen("\"salt\":\"", "\"salt\":\"0", 1);
        assert!(load(&short_salt).is_err());
        assert_eq!(load(&json).unwrap(), c);
    }
}
