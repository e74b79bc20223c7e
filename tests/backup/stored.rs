//! The stored form of a backup-code set (feature `serde`): only keyed hashes, a
//! compact round trip that keeps working, the earlier form still read, and what
//! loading refuses, up to the count limit and one past it.

use hmac::{Hmac, KeyInit, Mac};
use mfa_core::backup::{BackupCodePolicy, BackupCodeSet, MAX_BACKUP_CODE_COUNT};
use mfa_core::error::Error;
use mfa_core::error::{ConfigError, PolicyField};
use sha2::{Digest, Sha256};

use crate::fixture::{NOW, codes_of, generate, generate_plain, key, spellings};

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
    assert_eq!(value["v"], 2);
    assert_eq!(value["scheme"], "hkdf-hmac-sha256-128");
    assert_eq!(value["key_id"], 1);
    assert_eq!(value["length"], 16);
    assert_eq!(value["used"], serde_json::json!([[3, NOW]]));
    let salt = hex(value["salt"].as_str().unwrap());
    let stored: Vec<Vec<u8>> = hex(value["hashes"].as_str().unwrap())
        .chunks(16)
        .map(<[u8]>::to_vec)
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
    let (codes, mut set) = generate(&BackupCodePolicy::default(), 13);
    let _ = set.consume(&codes[4], &key(1), NOW).unwrap();
    let json = serde_json::to_string(&set).unwrap();
    let refused = |text: String| {
        serde_json::from_str::<BackupCodeSet>(&text)
            .unwrap_err()
            .to_string()
    };
    let v3 = refused(json.replace("\"v\":2", "\"v\":3"));
    assert!(
        v3.contains(&Error::UnsupportedSchema { version: 3 }.to_string()),
        "{v3}"
    );
    // Each version's fields, and only those.
    let mixed = refused(json.replace("\"v\":2", "\"v\":1"));
    assert!(mixed.contains("another schema version"), "{mixed}");
    assert!(!refused(json.replace("\"v\":2,", "")).is_empty());
    assert!(!refused(json.replace("hmac-sha256-128", "sha256")).is_empty());
    let short = refused(json.replace("\"length\":16", "\"length\":12"));
    assert!(short.contains("backup code length"), "{short}");
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let edited = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut changed = value.clone();
        edit(&mut changed);
        refused(changed.to_string())
    };
    let empty = edited(&|v| {
        v["hashes"] = "".into();
        v["used"] = serde_json::json!([]);
    });
    assert!(empty.contains("backup code count"), "{empty}");
    let hashes = value["hashes"].as_str().unwrap().to_owned();
    let not_whole = edited(&|v| v["hashes"] = hashes[..hashes.len() - 2].into());
    assert!(not_whole.contains("not whole hashes"), "{not_whole}");
    let not_hex = edited(&|v| v["hashes"] = format!("zz{}", &hashes[2..]).into());
    assert!(not_hex.contains("not hex"), "{not_hex}");
    assert!(!edited(&|v| v["salt"] = "zz".into()).is_empty());
    for used in [
        serde_json::json!([[10, NOW]]),
        serde_json::json!([[4, NOW], [4, NOW]]),
        serde_json::json!([[5, NOW], [4, NOW]]),
        serde_json::json!([[u64::MAX, NOW]]),
    ] {
        let out_of_set = edited(&|v| v["used"] = used.clone());
        assert!(
            out_of_set.contains("not in the set, or not in order"),
            "{used}: {out_of_set}"
        );
    }
    assert!(!edited(&|v| v["used"] = serde_json::json!([[4]])).is_empty());
    // The wrong JSON type says what was expected.
    let number = edited(&|v| v["hashes"] = 7.into());
    assert!(number.contains("the codes' hashes as hex"), "{number}");
    let text = edited(&|v| v["used"] = "4".into());
    assert!(text.contains("a list of [slot, used_at] pairs"), "{text}");
    // A string of more hashes than a set holds is refused for its length alone,
    // before any of it is decoded.
    let huge = "zz".repeat(16 * (usize::from(MAX_BACKUP_CODE_COUNT) + 1));
    let too_long = edited(&|v| {
        v["hashes"] = huge.clone().into();
        v["used"] = serde_json::json!([]);
    });
    assert!(too_long.contains("backup code count"), "{too_long}");
    let v1_field = edited(&|v| v["codes"] = serde_json::json!([]));
    assert!(v1_field.contains("another schema version"), "{v1_field}");
}

/// `value`, a set as written now, in the form the first schema version wrote:
/// `"codes":[[hash, used_at or null], …]`.
fn as_first_version(value: &serde_json::Value) -> serde_json::Value {
    let hashes = value["hashes"].as_str().unwrap();
    let none = Vec::new();
    let used = value.get("used").map_or(&none, |u| u.as_array().unwrap());
    let codes: Vec<serde_json::Value> = (0..hashes.len() / 32)
        .map(|slot| {
            let at = used
                .iter()
                .find(|pair| pair[0] == slot)
                .map_or(serde_json::Value::Null, |pair| pair[1].clone());
            serde_json::json!([&hashes[slot * 32..slot * 32 + 32], at])
        })
        .collect();
    let mut old = value.clone();
    let map = old.as_object_mut().unwrap();
    map.remove("hashes");
    map.remove("used");
    map.insert("v".into(), 1.into());
    map.insert("codes".into(), codes.into());
    old
}

/// A set stored by the first schema version loads as the same set, keeps its used
/// codes used and its others working, and is written back in the current form.
#[test]
fn a_set_in_the_first_schema_version_still_loads() {
    let (codes, mut set) = generate(&BackupCodePolicy::default(), 14);
    let _ = set.consume(&codes[2], &key(1), NOW).unwrap();
    let _ = set.consume(&codes[7], &key(1), NOW + 60).unwrap();
    let current = serde_json::to_value(&set).unwrap();
    let old = as_first_version(&current);
    assert_eq!(old["codes"][7][1], NOW + 60);
    assert_eq!(old["codes"][0][1], serde_json::Value::Null);
    let mut loaded = load(&old).unwrap();
    assert!(loaded == set);
    assert_eq!(serde_json::to_value(&loaded).unwrap(), current);
    assert_eq!(
        loaded.consume(&codes[2], &key(1), NOW),
        Err(Error::BackupCodeUsed)
    );
    assert_eq!(
        loaded.consume(&codes[3], &key(1), NOW).unwrap().remaining(),
        7
    );
    // Its refusals still hold: a bad hash, a v1 set with the current fields.
    let mut bad_hash = old.clone();
    bad_hash["codes"][0][0] = serde_json::json!("00");
    assert!(load(&bad_hash).is_err());
    let mut mixed = old;
    mixed["used"] = serde_json::json!([]);
    assert!(load(&mixed).unwrap_err().contains("another schema version"));
}

fn load(value: &serde_json::Value) -> Result<BackupCodeSet, String> {
    serde_json::from_value(value.clone()).map_err(|e| e.to_string())
}

/// A persisted set of `MAX_BACKUP_CODE_COUNT` codes, and its plain codes.
fn full_set() -> (Vec<String>, serde_json::Value) {
    let policy = BackupCodePolicy::default()
        .with_count(MAX_BACKUP_CODE_COUNT)
        .unwrap();
    let (plain, set) = generate_plain(&policy, 500);
    (codes_of(&plain), serde_json::to_value(&set).unwrap())
}

/// The count limit on loading is inclusive: a set of `MAX_BACKUP_CODE_COUNT` codes,
/// which a policy can generate, loads and its last code works.
#[test]
fn a_stored_set_of_exactly_the_maximum_count_loads_and_works() {
    let (codes, value) = full_set();
    assert_eq!(
        value["hashes"].as_str().unwrap().len(),
        32 * usize::from(MAX_BACKUP_CODE_COUNT)
    );
    let mut set = load(&value).unwrap();
    assert_eq!(set.len(), usize::from(MAX_BACKUP_CODE_COUNT));
    assert!(!set.is_empty());
    let last = codes.last().unwrap();
    let used = set.consume(last, &key(1), NOW).unwrap();
    assert_eq!(used.index(), usize::from(MAX_BACKUP_CODE_COUNT) - 1);
    assert_eq!(used.remaining(), usize::from(MAX_BACKUP_CODE_COUNT) - 1);
}

/// One code over the maximum is refused, and for its count rather than for
/// anything else.
#[test]
fn a_stored_set_one_over_the_maximum_count_is_refused_as_a_bad_count() {
    let (_, value) = full_set();
    // A well-formed extra slot, so the count is the only thing wrong: in the
    // current form, and in the first version's.
    let mut current = value.clone();
    let extra = format!("{}{}", value["hashes"].as_str().unwrap(), "ab".repeat(16));
    current["hashes"] = extra.into();
    let mut first = as_first_version(&value);
    let slot = first["codes"][0].clone();
    first["codes"].as_array_mut().unwrap().push(slot);
    assert_eq!(
        first["codes"].as_array().unwrap().len(),
        usize::from(MAX_BACKUP_CODE_COUNT) + 1
    );
    let expected = Error::Config(ConfigError::Policy(PolicyField::BackupCodeCount));
    for value in [current, first] {
        let refused = load(&value).unwrap_err();
        assert!(refused.contains(&expected.to_string()), "{refused}");
    }
}

/// The smallest set a policy allows survives storage and its one code works.
#[test]
fn a_stored_set_of_one_code_loads() {
    let one = BackupCodePolicy::default().with_count(1).unwrap();
    let (plain, set) = generate_plain(&one, 501);
    let mut loaded = load(&serde_json::to_value(&set).unwrap()).unwrap();
    assert_eq!(loaded, set);
    assert!(!loaded.is_empty());
    let code = codes_of(&plain).remove(0);
    assert_eq!(loaded.consume(&code, &key(1), NOW).unwrap().remaining(), 0);
}

/// A set none of whose codes is used leaves `"used"` out; one that spells out
/// `"used":[]` (as sets were written before) reads as the same set, and one that
/// leaves it out has no code used: it holds no more than the empty list.
#[test]
fn a_set_with_no_code_used_leaves_the_used_list_out() {
    let (codes, mut set) = generate(&BackupCodePolicy::default(), 15);
    let fresh = serde_json::to_value(&set).unwrap();
    assert!(fresh.get("used").is_none(), "{fresh}");
    let mut spelled_out = fresh.clone();
    spelled_out["used"] = serde_json::json!([]);
    assert!(load(&spelled_out).unwrap() == set);
    let mut loaded = load(&fresh).unwrap();
    assert!(loaded == set);
    assert_eq!(
        loaded.consume(&codes[0], &key(1), NOW).unwrap().remaining(),
        9
    );
    let _ = set.consume(&codes[0], &key(1), NOW).unwrap();
    let used = serde_json::to_value(&set).unwrap();
    assert_eq!(used["used"], serde_json::json!([[0, NOW]]));
    assert_eq!(serde_json::to_value(&loaded).unwrap(), used);
}
