//! The stored form of a challenge (feature `serde`): no field holds the code, it
//! round trips and keeps working, and loading refuses unknown versions, fields and
//! out-of-range values.

use mfa_core::oob::{OobChallenge, OobPolicy};
use mfa_core::{ServerKey, error::Error};
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::fixture::{T0, issue, key, wrong};

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
