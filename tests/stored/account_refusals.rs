//! What loading an `Account` refuses: another schema version, unknown fields at any
//! depth, records whose parts disagree, and records the state machine could never
//! have written, each with a typed reason.

use mfa_core::account::{MAX_STORED_TIME, StoredAccount};
use mfa_core::error::RecordError;
use mfa_core::{
    account::{Account, MethodSetup, SetupNext},
    error::Error,
};
use serde_json::{Value, json};

use crate::fixture::{APP, Fx, MAIL, load_edited, val};

#[test]
fn loading_refuses_another_schema_version_and_unknown_fields() {
    let fx = Fx::enabled(&[APP, MAIL]);
    let acct = &fx.acct;
    let err = load_edited(acct, |v| v["v"] = json!(3)).unwrap_err();
    assert!(err.contains("unsupported stored schema version 3"), "{err}");
    let err = load_edited(acct, |v| v["v"] = json!(u64::MAX)).unwrap_err();
    assert!(err.contains("unsupported stored schema version"), "{err}");
    let unsupported = Error::UnsupportedSchema { version: 3 };
    assert_eq!(unsupported.code(), "unsupported_schema");
    let err = load_edited(acct, |v| drop(v.as_object_mut().unwrap().remove("v")));
    assert!(err.unwrap_err().contains("missing field `v`"));

    let places: [&[&str]; 5] = [
        &[],
        &["throttle"],
        &["sends"],
        &["authenticator"],
        &["email"],
    ];
    for path in places {
        let err = load_edited(acct, |v| surprise(v, path));
        let err = err.unwrap_err();
        assert!(err.contains("unknown field `surprise`"), "{path:?}: {err}");
    }
}

#[test]
fn loading_refuses_unknown_fields_inside_challenges() {
    let mut fx = Fx::enabled(&[APP]);
    let _login = fx.login();
    let err = load_edited(&fx.acct, |v| v["challenges"][0]["surprise"] = json!(1));
    assert!(err.unwrap_err().contains("unknown field `surprise`"));
}

#[test]
fn loading_refuses_unknown_fields_at_every_depth() {
    let mut fx = Fx::enabled(&[APP]);
    let (a, r, now) = (&mut fx.acct, &mut fx.rng, fx.now);
    let _step_up = val(fx.mfa.begin_setup(a, MAIL, r, now).in_memory());
    let mut fresh = Fx::new();
    let (a, r, now) = (&mut fresh.acct, &mut fresh.rng, fresh.now);
    let _pending = val(fresh.mfa.begin_setup(a, APP, r, now).in_memory());
    let places: [(&Account, &[&str]); 3] = [
        (&fx.acct, &["backup_codes"]),
        (&fx.acct, &["challenges", "0", "task", "setup"]),
        (
            &fresh.acct,
            &[
                "challenges",
                "0",
                "task",
                "setup",
                "pending",
                "authenticator",
            ],
        ),
    ];
    for (acct, path) in places {
        let err = load_edited(acct, |v| surprise(v, path));
        assert!(err.is_err(), "an unknown field at {path:?} was accepted");
    }
}

/// Adds an unknown field to the object at `path` (array indices as digits).
fn surprise(value: &mut Value, path: &[&str]) {
    let target = path
        .iter()
        .fold(value, |v, key| match key.parse::<usize>() {
            Ok(i) => &mut v[i],
            Err(_) => &mut v[*key],
        });
    target["surprise"] = json!(true);
}

/// Removes top-level fields from a stored record.
fn remove(keys: &[&str]) -> impl Fn(&mut Value) {
    move |v| {
        let record = v.as_object_mut().unwrap();
        keys.iter().for_each(|k| drop(record.remove(*k)));
    }
}

/// Loads `account`'s JSON after `edit` in two steps: the shape (a JSON error), then
/// what it holds (a typed error).
fn load_typed(account: &Account, edit: impl FnOnce(&mut Value)) -> Result<Account, Error> {
    let mut value = serde_json::to_value(account).unwrap();
    edit(&mut value);
    let stored: StoredAccount = serde_json::from_value(value).expect("the right shape");
    Account::try_from(stored)
}

/// Asserts `edit` makes a record the library refuses as corrupt, for `why`, both
/// typed and through `Deserialize for Account`.
fn refused(account: &Account, why: RecordError, edit: &dyn Fn(&mut Value)) {
    let err = load_typed(account, edit).unwrap_err();
    assert_eq!(
        (err, err.code()),
        (Error::CorruptRecord(why), "corrupt_record")
    );
    assert!(!err.is_user_error());
    let text = load_edited(account, edit).unwrap_err();
    assert!(text.contains("corrupt account record"), "{text}");
}

#[test]
fn loading_refuses_inconsistent_records() {
    let mut fx = Fx::enabled(&[APP]);
    let acct = fx.acct.clone();
    assert!(load_edited(&acct, |_| {}).is_ok(), "unchanged, it loads");
    assert!(load_typed(&acct, |_| {}).is_ok());
    // The default method is not enabled.
    refused(&acct, RecordError::DefaultMethod, &|v| {
        v["default"] = json!("email");
    });
    // Backup codes without any method; a method without a default.
    let no_method = remove(&["authenticator", "default"]);
    refused(&acct, RecordError::DefaultMethod, &no_method);
    refused(&acct, RecordError::DefaultMethod, &remove(&["default"]));

    // Two live challenges of one purpose; a login challenge with no method.
    let _login = fx.login();
    let acct = fx.acct.clone();
    assert!(load_edited(&acct, |_| {}).is_ok());
    refused(&acct, RecordError::DuplicatePurpose, &|v| {
        let first = v["challenges"][0].clone();
        v["challenges"].as_array_mut().unwrap().push(first);
    });
    let wiped = remove(&["authenticator", "default", "backup_codes"]);
    refused(&acct, RecordError::ChallengeWithoutMethod, &wiped);
    // A stored address that could never have been accepted, or not as stored (in
    // a record of the first schema, where addresses are in the clear).
    let v1 = v1_fixture("v1_enabled");
    for bad in [
        "not an address",
        " jane@example.com",
        "jane\u{7}@example.com",
    ] {
        refused(&v1, RecordError::Destination, &|v| {
            v["email"]["to"] = json!(bad)
        });
    }
    // The same for an address still pending (the enrolment that added email).
    assert!(v1_fixture("v1_enabled").challenge_keys().count() > 0);
    refused(&v1, RecordError::Destination, &|v| {
        let pending = &mut v["challenges"][0]["task"]["setup"]["pending"];
        assert!(pending.get("email").is_some(), "{pending}");
        pending["email"] = json!("jane\u{7}@example.com");
    });
    // A secret in the clear in a sealed record, or a sealed record without its id.
    let fx = Fx::enabled(&[MAIL]);
    refused(&fx.acct, RecordError::Sealing, &|v| {
        v["email"]["to"] = json!("jane@example.com");
    });
    refused(&fx.acct, RecordError::Sealing, &remove(&["id"]));
    refused(&v1, RecordError::Sealing, &|v| v["v"] = json!(2));
}

/// A record stored by the first schema, from the fixtures.
fn v1_fixture(name: &str) -> Account {
    let path = format!(
        "{}/tests/data/records/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The records a review of the decoder loaded, each of which the state machine could
/// never have written: a step-up edited into a confirmation of another address (one
/// authenticator code would then enable an address never proven), a pending address
/// with a control character (which, once enabled, made the record undecodable), and
/// times at the end of time (a replay guard, lockout or send window that never ends).
#[test]
fn loading_refuses_what_the_state_machine_never_writes() {
    let mut fx = Fx::enabled(&[APP]);
    let (a, r, n) = (&mut fx.acct, &mut fx.rng, fx.now);
    let mail = MethodSetup::Email {
        address: "jane@example.com",
    };
    let started = val(fx.mfa.begin_setup(a, mail, r, n).in_memory());
    assert!(matches!(started.next, SetupNext::StepUp(_)));
    let acct = fx.acct.clone();
    assert!(load_typed(&acct, |_| {}).is_ok());
    let setup = |edit: &'static dyn Fn(&mut Value)| {
        move |v: &mut Value| {
            let challenge = &mut v["challenges"][0];
            assert!(challenge["task"].get("setup").is_some(), "{challenge}");
            edit(challenge);
        }
    };
    refused(
        &acct,
        RecordError::StageMismatch,
        &setup(&|c| {
            c["task"]["setup"]["confirming"] = json!(true);
            c["attempts_left"] = json!(255);
        }),
    );
    refused(
        &acct,
        RecordError::Sealing,
        &setup(&|c| c["task"]["setup"]["pending"] = json!({"email": "mallory@example.com"})),
    );
    refused(
        &acct,
        RecordError::TimeOutOfRange,
        &setup(&|c| c["expires_at"] = json!(u64::MAX)),
    );
    refused(&acct, RecordError::TimeOutOfRange, &|v| {
        v["authenticator"]["last_step"] = json!(u64::MAX);
    });
    // The throttle and send budget are left out while at zero: spelled out whole.
    refused(&acct, RecordError::TimeOutOfRange, &|v| {
        v["throttle"] = json!({"failures": 0, "wait_until": u64::MAX});
    });
    refused(&acct, RecordError::TimeOutOfRange, &|v| {
        v["sends"] = json!({"since": u64::MAX, "sent": 0});
    });
    // The latest time allowed still loads.
    let last = load_typed(&acct, |v| {
        v["throttle"] = json!({"failures": 0, "wait_until": MAX_STORED_TIME});
    });
    assert!(last.is_ok());
    // Its Debug names the versions, never a secret.
    let stored: StoredAccount =
        serde_json::from_value(serde_json::to_value(&acct).unwrap()).unwrap();
    let debug = format!("{stored:?}");
    assert!(
        debug.starts_with("StoredAccount { v: 2, version: "),
        "{debug}"
    );
    // Not JSON of the right shape is the deserializer's error, not a typed one.
    assert!(serde_json::from_str::<StoredAccount>(r#"{"v":1}"#).is_err());
    // Another schema version is typed too.
    let err = load_typed(&acct, |v| v["v"] = json!(7)).unwrap_err();
    assert_eq!(err, Error::UnsupportedSchema { version: 7 });
}

/// A record with remembered devices writes them and loads them back as they were;
/// a record without any writes no `devices` field at all (it reads as before). A
/// device list the library never keeps is refused.
#[test]
fn remembered_devices_round_trip_and_loading_refuses_what_is_never_kept() {
    let mut fx = Fx::enabled(&[APP]);
    let before = crate::fixture::round_trip(&fx.acct);
    assert!(!before.contains("devices"), "{before}");
    for label in ["laptop", "phone"] {
        fx.now += 60;
        let login = fx.login();
        let code = fx.next_totp();
        let (a, r, n) = (&mut fx.acct, &mut fx.rng, fx.now);
        let out = fx
            .mfa
            .verify_login_remembering(a, &login.token, &code, label, r, n)
            .in_memory();
        assert!(out.result.is_ok(), "{:?}", out.result);
    }
    let json = crate::fixture::round_trip(&fx.acct);
    assert!(json.contains(r#""label":"laptop""#), "{json}");
    let acct = fx.acct.clone();

    let devices = Error::CorruptRecord(RecordError::Devices);
    refused(&acct, RecordError::Devices, &|v| {
        v["devices"][1]["id"] = v["devices"][0]["id"].clone();
    });
    refused(&acct, RecordError::Devices, &|v| {
        v["devices"][0]["label"] = json!("tab\there");
    });
    refused(&acct, RecordError::Devices, &|v| {
        v["devices"][0]["last_used_at"] = json!(0);
    });
    refused(&acct, RecordError::Devices, &|v| {
        let created = v["devices"][0]["created_at"].clone();
        v["devices"][0]["expires_at"] = created;
    });
    refused(&acct, RecordError::Devices, &|v| {
        v["devices"][0]["expires_at"] = json!(MAX_STORED_TIME + 1);
    });
    // Devices with no method left.
    refused(&acct, RecordError::Devices, &|v| {
        let object = v.as_object_mut().unwrap();
        for key in ["authenticator", "default", "backup_codes"] {
            object.remove(key);
        }
        object.insert("challenges".into(), json!([]));
    });
    // More than any account may keep: refused while reading the list.
    let text = load_edited(&acct, |v| {
        let one = v["devices"][0].clone();
        v["devices"] = Value::Array(vec![one; 21]);
    })
    .unwrap_err();
    assert!(text.contains(&devices.to_string()), "{text}");
}

/// A stored value of the wrong JSON type names what was expected there, and a
/// sealed value naming its key or bytes twice is refused rather than read with
/// either copy.
#[test]
fn loading_names_what_was_expected_and_refuses_sealed_fields_twice() {
    let fx = Fx::enabled(&[MAIL]);
    let acct = fx.acct.clone();
    for (edit, expected) in [
        (
            &(|v: &mut Value| v["backup_codes"]["codes"] = json!("none")) as &dyn Fn(&mut Value),
            "a list of stored backup codes",
        ),
        (
            &|v: &mut Value| v["challenges"] = json!(7),
            "a list of challenges",
        ),
        (
            &|v: &mut Value| v["devices"] = json!(7),
            "a list of remembered devices",
        ),
        (
            &|v: &mut Value| v["email"]["to"] = json!(7),
            "a sealed value {\"k\", \"s\"} or a string",
        ),
    ] {
        let text = load_edited(&acct, edit).unwrap_err();
        assert!(text.contains(expected), "{expected} in {text}");
    }
    let json = serde_json::to_string(&acct).unwrap();
    let value: Value = serde_json::from_str(&json).unwrap();
    let sealed = &value["email"]["to"];
    let (k, s) = (&sealed["k"], sealed["s"].as_str().unwrap());
    for (twice, field) in [
        (format!(r#"{{"k":{k},"k":{k},"s":"{s}"}}"#), "`k`"),
        (format!(r#"{{"k":{k},"s":"{s}","s":"{s}"}}"#), "`s`"),
    ] {
        let to = serde_json::to_string(sealed).unwrap();
        let edited = json.replacen(&to, &twice, 1);
        assert_ne!(edited, json);
        let err = serde_json::from_str::<Account>(&edited)
            .unwrap_err()
            .to_string();
        assert!(err.contains(&format!("duplicate field {field}")), "{err}");
    }
}
