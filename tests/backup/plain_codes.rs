//! What the user is shown: the policy's ranges and shape, the Crockford alphabet
//! drawn without bias, and the plain codes and their iterator, exact in length and
//! never empty.

use mfa_core::backup::{
    BACKUP_CODE_ALPHABET, BackupCodePolicy, BackupCodeSet, MAX_BACKUP_CODE_COUNT,
};
use mfa_core::error::{ConfigError, PolicyField};
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::fixture::{NOW, codes_of, edge_policies, generate, generate_plain, key};

#[test]
fn policy_ranges_and_defaults() {
    let p = BackupCodePolicy::default();
    assert_eq!((p.count(), p.length(), p.group()), (10, 16, 4));
    assert_eq!((p.entropy_bits(), p.display_length()), (80, 19));
    let field = |r: Result<BackupCodePolicy, ConfigError>| match r {
        Err(ConfigError::Policy(f)) => Some(f),
        _ => None,
    };
    assert_eq!(field(p.with_count(0)), Some(PolicyField::BackupCodeCount));
    assert_eq!(field(p.with_count(33)), Some(PolicyField::BackupCodeCount));
    assert!(p.with_count(MAX_BACKUP_CODE_COUNT).is_ok());
    assert_eq!(
        field(p.with_length(12)),
        Some(PolicyField::BackupCodeLength)
    );
    assert_eq!(
        field(p.with_length(33)),
        Some(PolicyField::BackupCodeLength)
    );
    assert_eq!(p.with_length(13).unwrap().entropy_bits(), 65);
    assert_eq!(field(p.with_group(0)), Some(PolicyField::BackupCodeGroup));
    assert_eq!(field(p.with_group(17)), Some(PolicyField::BackupCodeGroup));
    assert!(p.with_group(16).is_ok());
}

#[test]
fn codes_are_shown_grouped_in_the_crockford_alphabet() {
    let (codes, _) = generate(&BackupCodePolicy::default(), 1);
    assert_eq!(codes.len(), 10);
    for code in &codes {
        let groups: Vec<&str> = code.split('-').collect();
        assert_eq!(groups.len(), 4, "{code}");
        assert!(groups.iter().all(|g| g.len() == 4));
        assert!(
            code.replace('-', "")
                .bytes()
                .all(|b| BACKUP_CODE_ALPHABET.contains(&b))
        );
    }
    let odd = BackupCodePolicy::new(2, 13, 5).unwrap();
    let (codes, set) = generate(&odd, 2);
    assert_eq!(set.code_length(), 13);
    for code in &codes {
        let lens: Vec<usize> = code.split('-').map(str::len).collect();
        assert_eq!(lens, [5, 5, 3]);
    }
    let (codes, _) = generate(&BackupCodePolicy::new(1, 32, 32).unwrap(), 3);
    assert_eq!(codes[0].len(), 32);
}

/// An RNG that counts bytes up from 0: if characters come from 5 bits of each byte,
/// every alphabet character appears exactly as often as every other.
struct CountingRng(u8);

impl rand_core::TryRng for CountingRng {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut b = [0; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut b = [0; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for d in dst {
            *d = self.0;
            self.0 = self.0.wrapping_add(1);
        }
        Ok(())
    }
}

impl rand_core::TryCryptoRng for CountingRng {}

#[test]
fn characters_are_uniform_without_modulo_bias() {
    // 16 salt bytes, then 32 codes × 32 characters = 1024 bytes: every byte value 4
    // times, hence every character 32 times.
    let policy = BackupCodePolicy::new(32, 32, 4).unwrap();
    let (plain, _) = BackupCodeSet::generate(&policy, &key(1), &mut CountingRng(0));
    let mut seen = [0usize; 128];
    for code in plain.expose_secret() {
        for b in code.bytes().filter(|&b| b != b'-') {
            seen[usize::from(b)] += 1;
        }
    }
    for &c in BACKUP_CODE_ALPHABET {
        assert_eq!(seen[usize::from(c)], 32, "{}", char::from(c));
    }
    assert_eq!(seen.iter().sum::<usize>(), 1024);
}

/// At every edge of the policy's ranges, the user is shown exactly `count` codes of
/// the policy's display shape: full groups, a last group no longer than the others,
/// and only alphabet characters, each code one the set accepts.
#[test]
fn plain_codes_hold_exactly_count_codes_of_the_policys_display_shape() {
    for (seed, policy) in (0u64..).zip(edge_policies()) {
        let (plain, set) = generate_plain(&policy, seed);
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
            assert_eq!(set.consume(code, &key(1), NOW).unwrap().index(), i);
        }
    }
}

/// Plain codes are never empty: a policy has at least one code, and so has a set
/// regenerated down to one.
#[test]
fn generated_plain_codes_are_never_empty() {
    for (seed, policy) in (100u64..).zip(edge_policies()) {
        let (plain, _) = generate_plain(&policy, seed);
        assert!(!plain.is_empty(), "{policy:?}");
    }
    let mut set = generate_plain(&BackupCodePolicy::default(), 1).1;
    let one = BackupCodePolicy::default().with_count(1).unwrap();
    let regenerated = set.regenerate(&one, &key(1), &mut StdRng::seed_from_u64(2));
    assert_eq!(regenerated.len(), 1);
    assert!(!regenerated.is_empty());
}

/// The iterator is exact-size and fused: `size_hint` and `len` count what is left at
/// every step, so a collect allocates once and an exhausted iterator stays so.
#[test]
fn the_plain_code_iterator_reports_its_exact_remaining_length() {
    for (seed, policy) in (200u64..).zip(edge_policies()) {
        let (plain, _) = generate_plain(&policy, seed);
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

/// Part-way through, the reported length is what a collect then yields, in order.
#[test]
fn the_plain_code_iterator_length_sizes_a_collect() {
    let (plain, _) = generate_plain(&BackupCodePolicy::default(), 300);
    let mut iter = plain.expose_secret();
    let _ = iter.next();
    let _ = iter.next();
    assert_eq!(iter.size_hint(), (8, Some(8)));
    let rest: Vec<&str> = iter.collect();
    assert_eq!(rest.len(), 8);
    assert_eq!(rest, codes_of(&plain)[2..]);
}
