//! Account records as earlier versions of the library stored them, kept as files:
//! every one must load, write back as it was until an operation changes it, and
//! work (sign in with the app's code and with a backup code).

use std::path::PathBuf;

use mfa_core::account::{LoginStart, MethodSetup, SetupMaterial, SetupNext};
use mfa_core::{
    Secret, ServerKey,
    account::{Account, Mfa, MfaPolicy},
    otp::TotpConfig,
};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::Value;

const T0: u64 = 1_767_225_600;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/records")
}

fn mfa() -> Mfa {
    Mfa::new(
        MfaPolicy::default(),
        ServerKey::new(1, &[0x42; 32]).unwrap(),
    )
}

/// The stages a record is stored in: name, JSON, the app's secret (base32) and the
/// plain backup codes, so that a test can answer as the user would.
fn stages() -> Vec<(&'static str, Account, String, Vec<String>)> {
    let mfa = mfa();
    let mut rng = StdRng::seed_from_u64(17);
    let mut account = Account::new();
    let mut out = vec![("new", account.clone(), String::new(), vec![])];
    let app = MethodSetup::Authenticator {
        account_name: "jane@example.com",
    };
    let started = mfa
        .begin_setup(&mut account, app, &mut rng, T0)
        .in_memory()
        .result
        .unwrap();
    let SetupNext::Confirm(SetupMaterial::Authenticator(e)) = started.next else {
        panic!("no method yet")
    };
    let secret = e.secret().clone();
    let b32 = secret.to_base32().expose_secret().to_owned();
    out.push(("pending_setup", account.clone(), b32.clone(), vec![]));
    let code = TotpConfig::default().generate(&secret, T0).unwrap();
    let done = mfa
        .confirm_setup(&mut account, &started.token, code.as_str(), &mut rng, T0)
        .in_memory()
        .result
        .unwrap();
    let backup: Vec<String> = done
        .backup_codes
        .unwrap()
        .expose_secret()
        .map(str::to_owned)
        .collect();
    let mail = MethodSetup::Email {
        address: "jane@example.com",
    };
    let now = T0 + 60;
    let s = mfa
        .begin_setup(&mut account, mail, &mut rng, now)
        .in_memory()
        .result
        .unwrap();
    let code = TotpConfig::default().generate(&secret, now).unwrap();
    let SetupMaterial::Oob(d) = mfa
        .verify_step_up(&mut account, &s.token, code.as_str(), &mut rng, now)
        .in_memory()
        .result
        .unwrap()
    else {
        panic!("email sends a code")
    };
    let sent = d.code().as_str().to_owned();
    let second = mfa.confirm_setup(&mut account, &s.token, &sent, &mut rng, now);
    assert!(second.in_memory().result.is_ok());
    out.push(("enabled", account.clone(), b32.clone(), backup.clone()));
    let now = T0 + 120;
    mfa.set_default_method(&mut account, mfa_core::account::Method::Email, now)
        .in_memory()
        .result
        .unwrap();
    let Ok(LoginStart::Required(login)) = mfa
        .begin_login(&mut account, &mut rng, now)
        .in_memory()
        .result
    else {
        panic!("MFA is on")
    };
    out.push(("mid_login", account.clone(), b32.clone(), backup.clone()));
    let resent = mfa.resend(&mut account, &login.token, &mut rng, now + 61);
    assert!(resent.in_memory().result.is_ok());
    out.push(("after_resend", account, b32, backup));
    out
}

/// Writes the fixtures of the schema version this build writes, named after it
/// (run by hand when a version is introduced, never to change an existing file:
/// `cargo test --all-features --test stored write_fixtures -- --ignored`).
#[test]
#[ignore = "writes the fixture files"]
fn write_fixtures() {
    for (stage, account, secret, backup) in stages() {
        let record = serde_json::to_string_pretty(&account).unwrap();
        let version: Value = serde_json::from_str(&record).unwrap();
        let name = format!("v{}_{stage}", version["v"]);
        if dir().join(format!("{name}.json")).exists() {
            continue;
        }
        std::fs::write(dir().join(format!("{name}.json")), record + "\n").unwrap();
        let user = serde_json::json!({ "secret": secret, "backup_codes": backup });
        let user = serde_json::to_string_pretty(&user).unwrap();
        std::fs::write(dir().join(format!("{name}.user.json")), user + "\n").unwrap();
    }
}

fn fixtures() -> Vec<(String, String, Value)> {
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json") && !n.ends_with(".user.json"))
        .collect();
    names.sort();
    assert!(names.len() >= 5, "{names:?}");
    names
        .into_iter()
        .map(|n| {
            let record = std::fs::read_to_string(dir().join(&n)).unwrap();
            let user = n.replace(".json", ".user.json");
            let user = std::fs::read_to_string(dir().join(user)).unwrap();
            (n, record, serde_json::from_str(&user).unwrap())
        })
        .collect()
}

/// `record` with a backup-code set of the first schema version,
/// `"codes":[[hash, used_at or null], …]`, in the current form: every hash end to
/// end in `"hashes"`, the used slots as `"used":[[slot, used_at], …]`.
fn with_current_backup_form(mut record: Value) -> Value {
    let Some(set) = record.get_mut("backup_codes") else {
        return record;
    };
    if set["v"] != 1 {
        return record;
    }
    let codes = set["codes"].as_array().unwrap().clone();
    let hashes: String = codes.iter().map(|c| c[0].as_str().unwrap()).collect();
    let used: Vec<Value> = (0..codes.len())
        .filter(|&slot| !codes[slot][1].is_null())
        .map(|slot| serde_json::json!([slot, codes[slot][1]]))
        .collect();
    let map = set.as_object_mut().unwrap();
    map.remove("codes");
    map.insert("v".into(), 2.into());
    map.insert("hashes".into(), hashes.into());
    map.insert("used".into(), used.into());
    record
}

/// `record` as this build writes it: what holds a fresh record's value is left
/// out (a zero throttle and send budget, no challenges, a standard authenticator
/// config, a challenge's `"consumed":false`, a backup-code set's empty `"used"`).
fn without_fresh_values(mut record: Value) -> Value {
    let fresh = [
        (
            "throttle",
            serde_json::json!({"failures": 0, "wait_until": 0}),
        ),
        ("sends", serde_json::json!({"since": 0, "sent": 0})),
        ("challenges", serde_json::json!([])),
    ];
    for (key, value) in fresh {
        drop_if(&mut record, key, &value);
    }
    drop_standard_config(record.get_mut("authenticator"));
    if let Some(set) = record.get_mut("backup_codes") {
        drop_if(set, "used", &serde_json::json!([]));
    }
    if let Some(Value::Array(challenges)) = record.get_mut("challenges") {
        for challenge in challenges {
            drop_if(challenge, "consumed", &Value::Bool(false));
            let pending = challenge.pointer_mut("/task/setup/pending/authenticator");
            drop_standard_config(pending);
        }
    }
    record
}

/// Removes `key` from the object `value` when it holds `fresh`.
fn drop_if(value: &mut Value, key: &str, fresh: &Value) {
    if value.get(key) == Some(fresh) {
        value.as_object_mut().unwrap().remove(key);
    }
}

/// Removes an authenticator's `config` when it is the standard one.
fn drop_standard_config(app: Option<&mut Value>) {
    let standard = serde_json::json!({"alg": "SHA1", "digits": 6, "period": 30,
                                      "t0": 0, "past": 1, "future": 1});
    if let Some(app) = app {
        drop_if(app, "config", &standard);
    }
}

/// Every record loads and writes back what it held: byte for byte when it was
/// written in the current form; else with a backup-code set of the first schema
/// version in the current form, with the same hashes and uses, and without the
/// fields that hold a fresh record's value.
#[test]
fn stored_records_of_every_version_load_and_write_back_unchanged() {
    let (mut rewritten, mut backup_sets) = (0, 0);
    for (name, text, _) in fixtures() {
        let account: Account =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let again = serde_json::to_string_pretty(&account).unwrap() + "\n";
        let stored: Value = serde_json::from_str(&text).unwrap();
        backup_sets += usize::from(stored["backup_codes"]["v"] == 1);
        let expected = without_fresh_values(with_current_backup_form(stored.clone()));
        if expected == stored {
            assert_eq!(again, text, "{name} wrote back differently");
        } else {
            let written: Value = serde_json::from_str(&again).unwrap();
            assert_eq!(written, expected, "{name} wrote back differently");
            rewritten += 1;
        }
    }
    assert!(
        rewritten > 0 && backup_sets > 0,
        "no record held a first-version backup-code set or a fresh record's value"
    );
}

/// Records that spell out a fresh record's values, as earlier builds wrote them,
/// load as the same record as those that leave them out.
#[test]
fn records_that_spell_out_fresh_values_load_alike() {
    for (name, text, _) in fixtures() {
        let stored: Value = serde_json::from_str(&text).unwrap();
        let slim = without_fresh_values(stored.clone());
        let one: Account = serde_json::from_value(stored).unwrap();
        let two: Account = serde_json::from_value(slim).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(one == two, "{name}");
    }
}

#[test]
fn stored_records_of_every_version_still_sign_in() {
    let mfa = mfa();
    for (name, text, user) in fixtures() {
        let mut account: Account = serde_json::from_str(&text).unwrap();
        if !account.mfa_enabled() {
            continue;
        }
        let secret = Secret::from_base32(user["secret"].as_str().unwrap()).unwrap();
        let mut rng = StdRng::seed_from_u64(3);
        let now = T0 + 600;
        for code in [
            TotpConfig::default()
                .generate(&secret, now)
                .unwrap()
                .as_str()
                .to_owned(),
            user["backup_codes"][0].as_str().unwrap().to_owned(),
        ] {
            let Ok(LoginStart::Required(login)) = mfa
                .begin_login(&mut account, &mut rng, now)
                .in_memory()
                .result
            else {
                panic!("{name}: MFA is on")
            };
            let app = mfa_core::account::Method::Authenticator;
            let switched = mfa.switch_method(&mut account, &login.token, app, &mut rng, now);
            assert!(switched.in_memory().result.is_ok(), "{name}");
            let verified = mfa
                .verify_login(&mut account, &login.token, &code, now)
                .in_memory();
            assert!(
                verified.result.is_ok(),
                "{name} {code}: {:?}",
                verified.result
            );
            let text = serde_json::to_string(&account).unwrap();
            let back: Account = serde_json::from_str(&text).unwrap();
            assert!(back == account, "{name}: what it wrote loads back");
        }
    }
}
