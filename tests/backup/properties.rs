//! Invariants of backup codes over random policies, generators and input: each
//! code works once, another set's codes never do, every spelling a user might type
//! is accepted, and regeneration retires every old code.

use mfa_core::backup::{BackupCodePolicy, MAX_BACKUP_CODE_LENGTH, MIN_BACKUP_CODE_LENGTH};
use mfa_core::error::{ConfigError, PolicyField};
use mfa_core::{ServerKey, error::Error};
use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::fixture::{NOW, codes_of, generate, key};
use crate::proptest_regressions::beside_source;

fn policy_strategy() -> impl Strategy<Value = BackupCodePolicy> {
    (
        1..=12u8,
        MIN_BACKUP_CODE_LENGTH..=MAX_BACKUP_CODE_LENGTH,
        any::<prop::sample::Index>(),
    )
        .prop_map(|(count, length, group)| {
            let group = u8::try_from(group.index(usize::from(length))).unwrap() + 1;
            BackupCodePolicy::new(count, length, group).unwrap()
        })
}

proptest! {
    #![proptest_config(beside_source(ProptestConfig::with_cases(64)))]

    #[test]
    fn every_code_verifies_exactly_once(
        (policy, order) in policy_strategy().prop_flat_map(|p| {
            let order: Vec<usize> = (0..usize::from(p.count())).collect();
            (Just(p), Just(order).prop_shuffle())
        }),
        seed in any::<u64>(),
    ) {
        let (codes, mut set) = generate(&policy, seed);
        prop_assert_eq!(codes.len(), usize::from(policy.count()));
        prop_assert_eq!(set.len(), codes.len());
        for (n, &i) in order.iter().enumerate() {
            let used = set.consume(&codes[i], &key(1), NOW + n as u64).unwrap();
            prop_assert_eq!(used.index(), i);
            prop_assert_eq!(used.remaining(), codes.len() - n - 1);
            prop_assert_eq!(set.remaining(), used.remaining());
            prop_assert_eq!(set.consume(&codes[i], &key(1), NOW), Err(Error::BackupCodeUsed));
        }
        for code in &codes {
            prop_assert_eq!(set.consume(code, &key(1), NOW), Err(Error::BackupCodeUsed));
        }
        let mut expected = vec![None; codes.len()];
        for (n, &i) in order.iter().enumerate() {
            expected[i] = Some(NOW + n as u64);
        }
        prop_assert_eq!(set.usage().collect::<Vec<_>>(), expected);
    }

    #[test]
    fn codes_of_another_set_never_verify(policy in policy_strategy(), seed in any::<u64>()) {
        let (_, mut set) = generate(&policy, seed);
        let (others, _) = generate(&policy, seed ^ 0x5555_5555_5555_5555);
        let before = set.clone();
        for code in &others {
            prop_assert_eq!(set.consume(code, &key(1), NOW), Err(Error::InvalidCode));
        }
        prop_assert!(set == before, "a failed consume changed the set");
    }

    #[test]
    fn normalisation_variants_verify(
        seed in any::<u64>(),
        spelling in prop::collection::vec(0..4u8, 16),
        separators in prop::collection::vec((0..=16usize, prop::sample::select(vec![" ", "-", "  ", " - "])), 0..6),
    ) {
        let (codes, mut set) = generate(&BackupCodePolicy::default(), seed);
        let bare: Vec<char> = codes[0].replace('-', "").chars().collect();
        let mut typed: Vec<String> = bare
            .iter()
            .zip(&spelling)
            .map(|(&c, &s)| {
                let options: &[char] = match c {
                    '0' => &['0', 'o', 'O', '0'],
                    '1' => &['1', 'i', 'I', 'l'],
                    _ => &[c, c.to_ascii_lowercase(), c, c.to_ascii_lowercase()],
                };
                let mut out = options[usize::from(s)].to_string();
                if c == '1' && s == 3 {
                    out = "L".into();
                }
                out
            })
            .collect();
        for (at, sep) in separators {
            typed.insert(at.min(typed.len()), sep.to_owned());
        }
        let typed: String = typed.concat();
        let used = set.consume(&typed, &key(1), NOW);
        prop_assert!(used.is_ok(), "{typed:?} for {:?}: {used:?}", codes[0]);
    }

    #[test]
    fn arbitrary_input_never_panics_or_verifies(
        seed in 0..4u64,
        input in prop_oneof![any::<String>(), "[0-9A-Za-z -]{0,40}", "[0-9A-Z]{16}"],
    ) {
        let (_, mut set) = generate(&BackupCodePolicy::default(), seed);
        let result = set.consume(&input, &key(1), NOW);
        prop_assert!(
            matches!(result, Err(Error::InvalidCode | Error::MalformedBackupCode(_))),
            "{input:?}: {result:?}"
        );
        prop_assert_eq!(set.remaining(), 10);
    }

    #[test]
    fn entropy_is_five_bits_per_char_and_64_is_the_floor(length in 0..=255u8, count in 1..=32u8) {
        match BackupCodePolicy::new(count, length, 1) {
            Ok(policy) => {
                prop_assert_eq!(policy.entropy_bits(), 5 * u32::from(length));
                prop_assert!(policy.entropy_bits() >= 64);
                prop_assert!(length <= MAX_BACKUP_CODE_LENGTH);
            }
            Err(e) => {
                prop_assert_eq!(e, ConfigError::Policy(PolicyField::BackupCodeLength));
                prop_assert!(5 * u32::from(length) < 64 || length > MAX_BACKUP_CODE_LENGTH);
            }
        }
    }

    #[test]
    fn regeneration_makes_every_old_code_fail(
        policy in policy_strategy(),
        next in policy_strategy(),
        seed in any::<u64>(),
    ) {
        let (old, mut set) = generate(&policy, seed);
        // Use one of the old codes first: regeneration must reset usage too.
        let _ = set.consume(&old[0], &key(1), NOW).unwrap();
        // Same shape: old codes are well formed but match nothing.
        let same = codes_of(&set.regenerate(&policy, &key(1), &mut StdRng::seed_from_u64(!seed)));
        prop_assert_eq!(set.remaining(), usize::from(policy.count()));
        for code in &old {
            prop_assert_eq!(set.consume(code, &key(1), NOW), Err(Error::InvalidCode));
        }
        for code in &same {
            prop_assert!(set.consume(code, &key(1), NOW).is_ok());
        }
        // Another shape, and a rotated key: the set follows both.
        let key2 = ServerKey::new(2, &[0x24; 32]).unwrap();
        let rotated = set.regenerate(&next, &key2, &mut StdRng::seed_from_u64(seed ^ 1));
        prop_assert_eq!((set.key_id(), set.code_length()), (2, next.length()));
        for code in old.iter().chain(&same) {
            prop_assert!(matches!(
                set.consume(code, &key2, NOW),
                Err(Error::InvalidCode | Error::MalformedBackupCode(_))
            ));
        }
        for code in rotated.expose_secret() {
            prop_assert!(set.consume(code, &key2, NOW).is_ok());
        }
        prop_assert_eq!(set.remaining(), 0);
    }
}
