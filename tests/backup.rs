//! Backup codes: each code works exactly once, input is normalised, the stored form
//! holds nothing checkable without the server key, and consuming never allocates.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "support/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::allocations_in;

use mfa_core::backup::{
    BACKUP_CODE_ALPHABET, BackupCodePolicy, BackupCodeSet, HashScheme, MAX_BACKUP_CODE_COUNT,
    MAX_BACKUP_CODE_LENGTH, MIN_BACKUP_CODE_LENGTH, PlainBackupCodes,
};
use mfa_core::error::{BackupCodeFormatError, ConfigError, PolicyField};
use mfa_core::{Error, ServerKey};
use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

const NOW: u64 = 1_767_225_600;

fn key(id: u32) -> ServerKey {
    ServerKey::new(id, &[0x42; 32]).unwrap()
}

fn generate(policy: &BackupCodePolicy, seed: u64) -> (Vec<String>, BackupCodeSet) {
    let (plain, set) = BackupCodeSet::generate(policy, &key(1), &mut StdRng::seed_from_u64(seed));
    (codes_of(&plain), set)
}

fn codes_of(plain: &PlainBackupCodes) -> Vec<String> {
    plain.expose_secret().map(String::from).collect()
}

/// Every spelling of a code the stored form must not contain.
fn spellings(code: &str) -> Vec<String> {
    let bare = code.replace('-', "");
    vec![
        code.to_owned(),
        code.to_lowercase(),
        bare.clone(),
        bare.to_lowercase(),
    ]
}

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
    #![proptest_config(ProptestConfig::with_cases(64))]

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

#[test]
fn malformed_input_is_reported_with_positions() {
    let (codes, mut set) = generate(&BackupCodePolicy::default(), 4);
    let cases = [
        (
            "",
            BackupCodeFormatError::WrongLength {
                expected: 16,
                found: 0,
            },
        ),
        (
            "ABCD-EFGH",
            BackupCodeFormatError::WrongLength {
                expected: 16,
                found: 8,
            },
        ),
        (
            "ABCD-EFGH-JKMN-PQRS-T",
            BackupCodeFormatError::WrongLength {
                expected: 16,
                found: 17,
            },
        ),
        (
            "ABCD-EFGU-JKMN-PQRS",
            BackupCodeFormatError::InvalidChar { position: 8 },
        ),
        (
            "éBCD-EFGH-JKMN-PQR_",
            BackupCodeFormatError::InvalidChar { position: 0 },
        ),
        ("ÀÉ_D", BackupCodeFormatError::InvalidChar { position: 0 }),
        ("AB\tCD", BackupCodeFormatError::InvalidChar { position: 2 }),
        ("ÄÖ-ü", BackupCodeFormatError::InvalidChar { position: 0 }),
    ];
    for (input, want) in cases {
        assert_eq!(
            set.consume(input, &key(1), NOW),
            Err(Error::MalformedBackupCode(want)),
            "{input:?}"
        );
    }
    // The position counts characters, not bytes.
    let wrong = format!("ée{}", &codes[0][2..]);
    assert_eq!(
        set.consume(&wrong, &key(1), NOW),
        Err(Error::MalformedBackupCode(
            BackupCodeFormatError::InvalidChar { position: 0 }
        ))
    );
    let wrong = format!("{}ü", &codes[0][..5]);
    assert_eq!(
        set.consume(&wrong, &key(1), NOW),
        Err(Error::MalformedBackupCode(
            BackupCodeFormatError::InvalidChar { position: 5 }
        ))
    );
    assert_eq!(set.remaining(), 10);
}

#[test]
fn a_key_with_another_id_is_refused_and_changes_nothing() {
    let (codes, mut set) = generate(&BackupCodePolicy::default(), 5);
    let before = set.clone();
    assert_eq!(set.key_id(), 1);
    assert_eq!(
        set.consume(&codes[0], &key(2), NOW),
        Err(Error::ServerKeyMismatch {
            stored: 1,
            given: 2
        })
    );
    // Checked before the input, so a rotated key is reported whatever was typed.
    assert_eq!(
        set.consume("nonsense", &key(2), NOW),
        Err(Error::ServerKeyMismatch {
            stored: 1,
            given: 2
        })
    );
    assert!(set == before);
    // Same id, other key bytes: indistinguishable from a wrong code.
    let impostor = ServerKey::new(1, &[0x43; 32]).unwrap();
    assert_eq!(
        set.consume(&codes[0], &impostor, NOW),
        Err(Error::InvalidCode)
    );
    assert!(set.consume(&codes[0], &key(1), NOW).is_ok());
}

#[test]
fn debug_output_is_redacted() {
    let (plain, set) = BackupCodeSet::generate(
        &BackupCodePolicy::default(),
        &key(1),
        &mut StdRng::seed_from_u64(6),
    );
    assert_eq!(format!("{plain:?}"), "PlainBackupCodes([redacted])");
    assert_eq!(
        format!("{:?}", plain.expose_secret()),
        "PlainBackupCodesIter([redacted])"
    );
    let debug = format!("{set:?} {set:#?}");
    assert_eq!(
        format!("{set:?}"),
        "BackupCodeSet { scheme: HkdfHmacSha256Trunc128, key_id: 1, length: 16, codes: 10, remaining: 10, .. }"
    );
    for code in plain.expose_secret() {
        for s in spellings(code) {
            assert!(!debug.contains(&s), "{s}");
        }
    }
    assert_eq!(set.scheme(), HashScheme::HkdfHmacSha256Trunc128);
}

#[test]
fn consume_never_allocates() {
    let (codes, mut set) = generate(&BackupCodePolicy::new(32, 32, 4).unwrap(), 7);
    let (other, _) = generate(&BackupCodePolicy::new(32, 32, 4).unwrap(), 8);
    let mismatched = key(9);
    let k = key(1);
    let lower = codes[1].to_lowercase();
    let (n, results) = allocations_in(|| {
        [
            set.consume(&codes[0], &k, NOW).map(|u| u.remaining()),
            set.consume(&codes[0], &k, NOW).map(|u| u.remaining()),
            set.consume(&lower, &k, NOW).map(|u| u.remaining()),
            set.consume(&other[0], &k, NOW).map(|u| u.remaining()),
            set.consume("not a code", &k, NOW).map(|u| u.remaining()),
            set.consume("", &k, NOW).map(|u| u.remaining()),
            set.consume(&codes[2], &mismatched, NOW)
                .map(|u| u.remaining()),
        ]
    });
    assert_eq!(n, 0, "consume allocated");
    assert_eq!(results[0], Ok(31));
    assert_eq!(results[1], Err(Error::BackupCodeUsed));
    assert_eq!(results[2], Ok(30));
    assert_eq!(results[3], Err(Error::InvalidCode));
    assert!(matches!(results[4], Err(Error::MalformedBackupCode(_))));
    let (n, remaining) = allocations_in(|| (set.remaining(), set.usage().flatten().count()));
    assert_eq!((n, remaining), (0, (30, 2)));
}

#[cfg(feature = "serde")]
mod stored_form {
    use super::*;
    use hmac::{Hmac, KeyInit, Mac};
    use sha2::{Digest, Sha256};

    fn hex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    }

    /// The hashing subkey a server key derives: HKDF-SHA-256 with the documented
    /// salt and label.
    fn hash_subkey(key: &[u8]) -> [u8; 32] {
        let mut out = [0u8; 32];
        hkdf::Hkdf::<Sha256>::new(Some(b"mfa-core server key"), key)
            .expand(b"mfa-core/hash/hmac-sha256/v2", &mut out)
            .unwrap();
        out
    }

    fn hmac_trunc(key: &[u8], salt: &[u8], code: &str) -> Vec<u8> {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
        mac.update(b"mfa-core/backup-code/v1\0");
        mac.update(salt);
        mac.update(code.as_bytes());
        mac.finalize().into_bytes()[..16].to_vec()
    }

    #[test]
    fn json_holds_only_keyed_hashes() {
        let (codes, mut set) = generate(&BackupCodePolicy::default(), 10);
        let _ = set.consume(&codes[3], &key(1), NOW).unwrap();
        let json = serde_json::to_string(&set).unwrap();
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["v"], 1);
        assert_eq!(value["scheme"], "hkdf-hmac-sha256-128");
        assert_eq!(value["key_id"], 1);
        assert_eq!(value["length"], 16);
        assert_eq!(value["codes"][3][1], NOW);
        let salt = hex(value["salt"].as_str().unwrap());
        let stored: Vec<Vec<u8>> = value["codes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| hex(c[0].as_str().unwrap()))
            .collect();
        assert_eq!(stored.len(), 10);
        for (i, code) in codes.iter().enumerate() {
            for s in spellings(code) {
                assert!(!json.contains(&s), "{s} in {json}");
            }
            let bare = code.replace('-', "");
            for window in bare.to_lowercase().as_bytes().windows(8) {
                assert!(!json.contains(std::str::from_utf8(window).unwrap()));
            }
            // The documented scheme, under the real key's hashing subkey, reproduces
            // the stored hash...
            assert_eq!(
                hmac_trunc(&hash_subkey(&[0x42; 32]), &salt, &bare),
                stored[i]
            );
            // ...and nothing computable without it does, the key's own bytes included
            // (they are the older scheme's, never the same bytes for two jobs).
            let guesses = [
                hmac_trunc(&[0x42; 32], &salt, &bare),
                hmac_trunc(&hash_subkey(&[0x43; 32]), &salt, &bare),
                hmac_trunc(&[0x43; 32], &salt, &bare),
                hmac_trunc(&[], &salt, &bare),
                hmac_trunc(&salt, &[], &bare),
                Sha256::digest([&salt[..], bare.as_bytes()].concat())[..16].to_vec(),
                Sha256::digest(bare.as_bytes())[..16].to_vec(),
            ];
            for g in &guesses {
                assert!(!stored.contains(g), "code {i} checkable without the key");
            }
        }
    }

    #[test]
    fn round_trips_and_keeps_working() {
        let (codes, mut set) = generate(&BackupCodePolicy::default(), 11);
        let _ = set.consume(&codes[0], &key(1), NOW).unwrap();
        let json = serde_json::to_string(&set).unwrap();
        let mut back: BackupCodeSet = serde_json::from_str(&json).unwrap();
        assert!(back == set);
        assert_eq!(serde_json::to_string(&back).unwrap(), json);
        assert_eq!(
            back.consume(&codes[0], &key(1), NOW),
            Err(Error::BackupCodeUsed)
        );
        assert_eq!(
            back.consume(&codes[1], &key(1), NOW).unwrap().remaining(),
            8
        );
    }

    #[test]
    fn json_is_compact() {
        let (codes, mut set) = generate(&BackupCodePolicy::default(), 12);
        let fresh = serde_json::to_string(&set).unwrap().len();
        for code in &codes {
            let _ = set.consume(code, &key(1), NOW).unwrap();
        }
        let used = serde_json::to_string(&set).unwrap().len();
        println!("JSON for a set of 10: {fresh} bytes fresh, {used} bytes all used");
        assert!(fresh < 600 && used < 600, "{fresh} / {used}");
    }

    #[test]
    fn unknown_versions_and_bad_shapes_are_refused() {
        let (_, set) = generate(&BackupCodePolicy::default(), 13);
        let json = serde_json::to_string(&set).unwrap();
        let refused = |text: String| {
            serde_json::from_str::<BackupCodeSet>(&text)
                .unwrap_err()
                .to_string()
        };
        let v2 = refused(json.replace("\"v\":1", "\"v\":2"));
        assert!(
            v2.contains(&Error::UnsupportedSchema { version: 2 }.to_string()),
            "{v2}"
        );
        assert!(!refused(json.replace("\"v\":1,", "")).is_empty());
        assert!(!refused(json.replace("hmac-sha256-128", "sha256")).is_empty());
        let short = refused(json.replace("\"length\":16", "\"length\":12"));
        assert!(short.contains("backup code length"), "{short}");
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        let mut empty = value.clone();
        empty["codes"] = serde_json::json!([]);
        assert!(refused(empty.to_string()).contains("backup code count"));
        let mut bad_hash = value.clone();
        bad_hash["codes"][0][0] = serde_json::json!("00");
        assert!(!refused(bad_hash.to_string()).is_empty());
        let mut bad_salt = value;
        bad_salt["salt"] = serde_json::json!("zz");
        assert!(!refused(bad_salt.to_string()).is_empty());
    }
}
