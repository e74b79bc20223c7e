//! The verify / resend contract as a reference model: random runs of right, wrong,
//! malformed and replaced codes, other keys, resends, clock jumps and reloads, each
//! answer checked against what the model predicts.

use mfa_core::error::CodeFormatError;
use mfa_core::oob::OobPolicy;
use mfa_core::{ServerKey, error::Error};
use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::fixture::{T0, issue, key, wrong};
use crate::proptest_regressions::beside_source;

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
    #![proptest_config(beside_source(ProptestConfig::with_cases(200)))]

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
