//! A set being used: what a malformed input is told, a key of another id refused
//! before anything else, a redacted `Debug`, and a set that stays a set once spent.

use mfa_core::backup::{BackupCodePolicy, BackupCodeSet, HashScheme};
use mfa_core::error::BackupCodeFormatError;
use mfa_core::{ServerKey, error::Error};
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::fixture::{NOW, codes_of, edge_policies, generate, generate_plain, key, spellings};

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

/// Used codes still count: a set's `len` is its policy's count and it is not empty
/// even once every code is used, so a spent set is not mistaken for none.
#[test]
fn a_set_is_never_empty_even_with_every_code_used() {
    for (seed, policy) in (400u64..).zip(edge_policies()) {
        let (plain, mut set) = generate_plain(&policy, seed);
        assert!(!set.is_empty(), "{policy:?}");
        for code in codes_of(&plain) {
            let _ = set.consume(&code, &key(1), NOW).unwrap();
        }
        assert_eq!(set.remaining(), 0, "{policy:?}");
        assert_eq!(set.len(), usize::from(policy.count()), "{policy:?}");
        assert!(!set.is_empty(), "used codes still count: {policy:?}");
        let _new = set.regenerate(&policy, &key(1), &mut StdRng::seed_from_u64(seed));
        assert!(!set.is_empty(), "{policy:?}");
    }
}
