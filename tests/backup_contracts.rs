//! Small contracts of backup codes that nothing else pins down: the plain codes fill
//! exactly their policy's shape, their iterator knows its exact length, neither the
//! plain codes nor a set is ever empty (not even with every code used), and a stored
//! set of exactly the maximum count loads while one more is refused with the count
//! error. Each was a mutant that survived `cargo mutants` (docs/mutants.md).
#![allow(clippy::unwrap_used, missing_docs)]

use mfa_core::ServerKey;
use mfa_core::backup::{
    BACKUP_CODE_ALPHABET, BackupCodePolicy, BackupCodeSet, MAX_BACKUP_CODE_COUNT,
    MAX_BACKUP_CODE_LENGTH, MIN_BACKUP_CODE_LENGTH, PlainBackupCodes,
};
use rand::SeedableRng;
use rand::rngs::StdRng;

const NOW: u64 = 1_767_225_600;

fn key() -> ServerKey {
    ServerKey::new(1, &[0x42; 32]).unwrap()
}

fn generate(policy: &BackupCodePolicy, seed: u64) -> (PlainBackupCodes, BackupCodeSet) {
    BackupCodeSet::generate(policy, &key(), &mut StdRng::seed_from_u64(seed))
}

fn codes_of(plain: &PlainBackupCodes) -> Vec<String> {
    plain.expose_secret().map(String::from).collect()
}

/// Policies at the edges of every range: one code, the most codes, the shortest and
/// longest codes, groups of one (a hyphen between every character) and of the whole
/// length (no hyphen at all).
fn edge_policies() -> Vec<BackupCodePolicy> {
    vec![
        BackupCodePolicy::default(),
        BackupCodePolicy::new(1, MIN_BACKUP_CODE_LENGTH, 4).unwrap(),
        BackupCodePolicy::new(MAX_BACKUP_CODE_COUNT, MAX_BACKUP_CODE_LENGTH, 1).unwrap(),
        BackupCodePolicy::new(3, MAX_BACKUP_CODE_LENGTH, MAX_BACKUP_CODE_LENGTH).unwrap(),
        BackupCodePolicy::new(7, MIN_BACKUP_CODE_LENGTH, MIN_BACKUP_CODE_LENGTH).unwrap(),
        BackupCodePolicy::new(5, 17, 5).unwrap(),
    ]
}

#[test]
fn plain_codes_hold_exactly_count_codes_of_the_policys_display_shape() {
    for (seed, policy) in (0u64..).zip(edge_policies()) {
        let (plain, set) = generate(&policy, seed);
        let codes = codes_of(&plain);
        let count = usize::from(policy.count());
        assert_eq!(plain.len(), count, "{policy:?}");
        assert_eq!(codes.len(), count, "{policy:?}");
        assert_eq!(set.len(), count, "{policy:?}");
        let group = usize::from(policy.group());
        let length = usize::from(policy.length());
        for code in &codes {
            assert_eq!(code.len(), policy.display_length(), "{policy:?}: {code}");
            let groups: Vec<&str> = code.split('-').collect();
            assert_eq!(groups.len(), length.div_ceil(group), "{policy:?}: {code}");
            let (last, full) = groups.split_last().unwrap();
            assert!(full.iter().all(|g| g.len() == group), "{policy:?}: {code}");
            assert!(
                !last.is_empty() && last.len() <= group,
                "{policy:?}: {code}"
            );
            let bare: String = groups.concat();
            assert_eq!(bare.len(), length, "{policy:?}: {code}");
            assert!(
                bare.bytes().all(|b| BACKUP_CODE_ALPHABET.contains(&b)),
                "{policy:?}: {code}"
            );
        }
        // Every code shown is one the set accepts, in the slot it was shown in: no
        // code was cut short or run into the next.
        let mut set = set;
        for (i, code) in codes.iter().enumerate() {
            assert_eq!(set.consume(code, &key(), NOW).unwrap().index(), i);
        }
    }
}

#[test]
fn generated_plain_codes_are_never_empty() {
    for (seed, policy) in (100u64..).zip(edge_policies()) {
        let (plain, _) = generate(&policy, seed);
        assert!(!plain.is_empty(), "{policy:?}");
    }
    let mut set = generate(&BackupCodePolicy::default(), 1).1;
    let one = BackupCodePolicy::default().with_count(1).unwrap();
    let regenerated = set.regenerate(&one, &key(), &mut StdRng::seed_from_u64(2));
    assert_eq!(regenerated.len(), 1);
    assert!(!regenerated.is_empty());
}

#[test]
fn the_plain_code_iterator_reports_its_exact_remaining_length() {
    for (seed, policy) in (200u64..).zip(edge_policies()) {
        let (plain, _) = generate(&policy, seed);
        let count = usize::from(policy.count());
        let mut iter = plain.expose_secret();
        for left in (0..=count).rev() {
            assert_eq!(iter.size_hint(), (left, Some(left)), "{policy:?}");
            assert_eq!(iter.len(), left, "{policy:?}");
            assert_eq!(iter.clone().count(), left, "{policy:?}");
            assert_eq!(iter.next().is_some(), left > 0, "{policy:?}");
        }
        // Fused: exhausted stays exhausted, and says so.
        assert_eq!(iter.size_hint(), (0, Some(0)));
        assert!(iter.next().is_none());
    }
}

#[test]
fn the_plain_code_iterator_length_sizes_a_collect() {
    let (plain, _) = generate(&BackupCodePolicy::default(), 300);
    let mut iter = plain.expose_secret();
    let _ = iter.next();
    let _ = iter.next();
    assert_eq!(iter.size_hint(), (8, Some(8)));
    let rest: Vec<&str> = iter.collect();
    assert_eq!(rest.len(), 8);
    assert_eq!(rest, codes_of(&plain)[2..]);
}

#[test]
fn a_set_is_never_empty_even_with_every_code_used() {
    for (seed, policy) in (400u64..).zip(edge_policies()) {
        let (plain, mut set) = generate(&policy, seed);
        assert!(!set.is_empty(), "{policy:?}");
        for code in codes_of(&plain) {
            let _ = set.consume(&code, &key(), NOW).unwrap();
        }
        assert_eq!(set.remaining(), 0, "{policy:?}");
        assert_eq!(set.len(), usize::from(policy.count()), "{policy:?}");
        assert!(!set.is_empty(), "used codes still count: {policy:?}");
        let _new = set.regenerate(&policy, &key(), &mut StdRng::seed_from_u64(seed));
        assert!(!set.is_empty(), "{policy:?}");
    }
}

#[cfg(feature = "serde")]
mod stored {
    use mfa_core::Error;
    use mfa_core::error::{ConfigError, PolicyField};

    use super::*;

    fn load(value: &serde_json::Value) -> Result<BackupCodeSet, String> {
        serde_json::from_value(value.clone()).map_err(|e| e.to_string())
    }

    /// A persisted set of `MAX_BACKUP_CODE_COUNT` codes, and its plain codes.
    fn full_set() -> (Vec<String>, serde_json::Value) {
        let policy = BackupCodePolicy::default()
            .with_count(MAX_BACKUP_CODE_COUNT)
            .unwrap();
        let (plain, set) = generate(&policy, 500);
        (codes_of(&plain), serde_json::to_value(&set).unwrap())
    }

    #[test]
    fn a_stored_set_of_exactly_the_maximum_count_loads_and_works() {
        let (codes, value) = full_set();
        assert_eq!(
            value["codes"].as_array().unwrap().len(),
            usize::from(MAX_BACKUP_CODE_COUNT)
        );
        let mut set = load(&value).unwrap();
        assert_eq!(set.len(), usize::from(MAX_BACKUP_CODE_COUNT));
        assert!(!set.is_empty());
        let last = codes.last().unwrap();
        let used = set.consume(last, &key(), NOW).unwrap();
        assert_eq!(used.index(), usize::from(MAX_BACKUP_CODE_COUNT) - 1);
        assert_eq!(used.remaining(), usize::from(MAX_BACKUP_CODE_COUNT) - 1);
    }

    #[test]
    fn a_stored_set_one_over_the_maximum_count_is_refused_as_a_bad_count() {
        let (_, mut value) = full_set();
        // A well-formed extra slot, so the count is the only thing wrong.
        let extra = value["codes"][0].clone();
        value["codes"].as_array_mut().unwrap().push(extra);
        assert_eq!(
            value["codes"].as_array().unwrap().len(),
            usize::from(MAX_BACKUP_CODE_COUNT) + 1
        );
        let refused = load(&value).unwrap_err();
        let expected = Error::Config(ConfigError::Policy(PolicyField::BackupCodeCount));
        assert!(refused.contains(&expected.to_string()), "{refused}");
    }

    #[test]
    fn a_stored_set_of_one_code_loads() {
        let one = BackupCodePolicy::default().with_count(1).unwrap();
        let (plain, set) = generate(&one, 501);
        let mut loaded = load(&serde_json::to_value(&set).unwrap()).unwrap();
        assert_eq!(loaded, set);
        assert!(!loaded.is_empty());
        let code = codes_of(&plain).remove(0);
        assert_eq!(loaded.consume(&code, &key(), NOW).unwrap().remaining(), 0);
    }
}
