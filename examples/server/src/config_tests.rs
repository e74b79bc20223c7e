//! The configuration's parsing: rings, single keys, the key file, and every way
//! they can be wrong (with no key material in any message).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::ffi::OsString;

use mfa_core::{ServerKey, ServerKeys};

use super::{Config, ConfigError, Database, describe, parse_key_file, parse_key_ring};
use crate::password::Cost;
use crate::session::Sessions;

const HEX_A: &str = "abababababababababababababababababababababababababababababababab";
const HEX_C: &str = "CDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCDCD";

fn key(id: u32, byte: u8) -> ServerKey {
    ServerKey::new(id, &[byte; 32]).unwrap()
}

/// The configuration from exactly `vars` (no other variable is set).
fn from_vars(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let vars: HashMap<String, OsString> = vars
        .iter()
        .map(|(name, value)| ((*name).to_owned(), OsString::from(value)))
        .collect();
    Config::from_vars(|name| vars.get(name).cloned())
}

/// The message of `result`, which must be an error, checked to repeat none of
/// the key digits.
#[track_caller]
fn checked<T>(result: Result<T, ConfigError>) -> String {
    let Err(error) = result else {
        panic!("accepted")
    };
    let message = error.to_string();
    for hex in [HEX_A, HEX_C, &HEX_A[..16], &HEX_C[..16]] {
        assert!(!message.contains(hex), "key material in {message:?}");
    }
    message
}

#[test]
fn a_ring_is_read_current_key_first() {
    let ring = parse_key_ring("MFA_SERVER_KEYS", &format!("2:{HEX_A},1:{HEX_C}")).unwrap();
    assert_eq!(ring.current().id(), 2);
    assert_eq!(ring.ids().collect::<Vec<_>>(), [2, 1]);
    let expected = ServerKeys::new(key(2, 0xab))
        .with_retired(key(1, 0xcd))
        .unwrap();
    assert_eq!(ring, expected);

    // The order is the operator's: whichever comes first is current.
    let ring = parse_key_ring("MFA_SERVER_KEYS", &format!("1:{HEX_C},2:{HEX_A}")).unwrap();
    assert_eq!(ring.current().id(), 1);
    assert_eq!(ring.ids().collect::<Vec<_>>(), [1, 2]);

    // Blanks around entries (a secret manager's trailing newline) are ignored.
    let spaced = format!(" 3:{HEX_A} ,\n 2 : {HEX_C}\n");
    let ring = parse_key_ring("MFA_SERVER_KEYS", &spaced).unwrap();
    assert_eq!(ring.ids().collect::<Vec<_>>(), [3, 2]);

    // A ring of one key, and ids up to u32::MAX.
    let ring = parse_key_ring("MFA_SERVER_KEYS", &format!("4294967295:{HEX_A}")).unwrap();
    assert_eq!(ring, ServerKeys::new(key(u32::MAX, 0xab)));
}

#[test]
fn mfa_server_keys_is_the_ring_and_mfa_server_key_is_key_1() {
    let config = from_vars(&[("MFA_SERVER_KEYS", &format!("2:{HEX_A},1:{HEX_C}"))]).unwrap();
    assert_eq!(config.server_keys.ids().collect::<Vec<_>>(), [2, 1]);
    assert_eq!(config.key_source, "MFA_SERVER_KEYS");
    assert_eq!(
        describe(&config.server_keys),
        "key 2 (current), key 1 (retired)"
    );

    let config = from_vars(&[("MFA_SERVER_KEY", HEX_A)]).unwrap();
    assert_eq!(config.server_keys, ServerKeys::new(key(1, 0xab)));
    assert_eq!(config.key_source, "MFA_SERVER_KEY");
    assert_eq!(describe(&config.server_keys), "key 1 (current)");
}

#[test]
fn both_key_variables_set_is_refused() {
    let error = from_vars(&[
        ("MFA_SERVER_KEYS", &format!("2:{HEX_A},1:{HEX_C}")),
        ("MFA_SERVER_KEY", HEX_C),
    ]);
    let message = checked(error);
    assert!(message.contains("MFA_SERVER_KEYS and MFA_SERVER_KEY are both set"));
    // Even an empty one counts as set: no silent fallback.
    let error = from_vars(&[("MFA_SERVER_KEYS", ""), ("MFA_SERVER_KEY", HEX_C)]);
    assert!(checked(error).contains("both set"));
}

#[test]
fn a_repeated_id_is_refused() {
    let error = parse_key_ring("MFA_SERVER_KEYS", &format!("2:{HEX_A},2:{HEX_C}"));
    assert_eq!(
        checked(error),
        "MFA_SERVER_KEYS: two server keys have the id 2"
    );
    let error = parse_key_ring("MFA_SERVER_KEYS", &format!("1:{HEX_A},2:{HEX_C},1:{HEX_C}"));
    assert!(checked(error).contains("the id 1"));
}

#[test]
fn bad_hex_is_refused_without_repeating_it() {
    let cases = [
        // One digit short.
        (
            format!("2:{}", &HEX_A[1..]),
            "entry 1 (id 2): the key must be 64 hex digits (32 bytes), not 63",
        ),
        // One digit long.
        (
            format!("2:{HEX_A},1:{HEX_C}0"),
            "entry 2 (id 1): the key must be 64 hex digits (32 bytes), not 65",
        ),
        // Not a hex digit.
        (
            format!("2:{}g", &HEX_A[1..]),
            "entry 1 (id 2): the key must be 64 hex digits (32 bytes), and holds a character that is not a hex digit",
        ),
        // Not ASCII.
        (
            format!("2:{}é", &HEX_A[2..]),
            "a character that is not a hex digit",
        ),
        // A key without its id.
        (HEX_A.to_owned(), "entry 1 is not an id:hex pair"),
        (
            format!("{HEX_A}:2"),
            "entry 1 has an id that is not a whole number",
        ),
        (
            format!("x:{HEX_A}"),
            "entry 1 has an id that is not a whole number",
        ),
        (
            format!("-1:{HEX_A}"),
            "entry 1 has an id that is not a whole number",
        ),
        (
            format!("4294967296:{HEX_A}"),
            "entry 1 has an id that is not a whole number",
        ),
        (
            format!("2:{HEX_A}:{HEX_C}"),
            "a character that is not a hex digit",
        ),
    ];
    for (list, expected) in cases {
        let error = parse_key_ring("MFA_SERVER_KEYS", &list);
        let message = checked(error);
        assert!(message.starts_with("MFA_SERVER_KEYS: "), "{message}");
        assert!(message.contains(expected), "{message:?} lacks {expected:?}");
    }
    let error = from_vars(&[("MFA_SERVER_KEY", &HEX_A[2..])]);
    assert_eq!(
        checked(error),
        "MFA_SERVER_KEY: the key must be 64 hex digits (32 bytes), not 62"
    );
}

#[test]
fn an_empty_ring_or_entry_is_refused() {
    for list in ["", "  ", "\n"] {
        let error = from_vars(&[("MFA_SERVER_KEYS", list)]);
        assert_eq!(
            checked(error),
            "MFA_SERVER_KEYS is empty: give comma-separated id:hex pairs, the current key first"
        );
    }
    for (list, expected) in [
        (format!("2:{HEX_A},"), "entry 2 is empty"),
        (format!(",2:{HEX_A}"), "entry 1 is empty"),
        (format!("2:{HEX_A},,1:{HEX_C}"), "entry 2 is empty"),
        (
            "2:".to_owned(),
            "entry 1 (id 2): the key must be 64 hex digits (32 bytes), not 0",
        ),
        (
            format!(":{HEX_A}"),
            "entry 1 has an id that is not a whole number",
        ),
    ] {
        let error = parse_key_ring("MFA_SERVER_KEYS", &list);
        let message = checked(error);
        assert!(message.contains(expected), "{message:?} lacks {expected:?}");
    }
    let error = from_vars(&[("MFA_SERVER_KEY", "")]);
    assert!(checked(error).starts_with("MFA_SERVER_KEY: the key must be 64 hex digits"));
}

#[test]
fn the_key_file_holds_one_key_or_a_ring_and_is_created_with_key_1() {
    let single = parse_key_file("MFA_SERVER_KEY_FILE (k)", &format!("{HEX_A}\n")).unwrap();
    assert_eq!(single, ServerKeys::new(key(1, 0xab)));
    let ring =
        parse_key_file("MFA_SERVER_KEY_FILE (k)", &format!("2:{HEX_A},1:{HEX_C}\n")).unwrap();
    assert_eq!(ring.ids().collect::<Vec<_>>(), [2, 1]);
    let error = parse_key_file("MFA_SERVER_KEY_FILE (k)", &format!("2:{HEX_A},2:{HEX_C}"));
    assert_eq!(
        checked(error),
        "MFA_SERVER_KEY_FILE (k): two server keys have the id 2"
    );

    let dir = std::env::temp_dir().join(format!("mfa-server-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("local.key");
    let _ = std::fs::remove_file(&file);
    let path = file.to_str().unwrap();
    let first = from_vars(&[("MFA_SERVER_KEY_FILE", path)]).unwrap();
    assert_eq!(first.server_keys.ids().collect::<Vec<_>>(), [1]);
    assert_eq!(first.key_source, format!("the key file {path}"));
    let written = std::fs::read_to_string(&file).unwrap();
    assert_eq!(written.len(), 64);
    // The next start reads the same key.
    let again = from_vars(&[("MFA_SERVER_KEY_FILE", path)]).unwrap();
    assert_eq!(again.server_keys, first.server_keys);
    // A ring written into the file is read as a ring.
    std::fs::write(&file, format!("5:{HEX_A}, 1:{written}")).unwrap();
    let ring = from_vars(&[("MFA_SERVER_KEY_FILE", path)]).unwrap();
    assert_eq!(ring.server_keys.ids().collect::<Vec<_>>(), [5, 1]);
    assert_eq!(ring.server_keys.get(1), first.server_keys.get(1));
    // The environment wins over the file.
    let env = from_vars(&[("MFA_SERVER_KEY_FILE", path), ("MFA_SERVER_KEY", HEX_C)]).unwrap();
    assert_eq!(env.server_keys, ServerKeys::new(key(1, 0xcd)));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn every_setting_has_a_default() {
    let config = from_vars(&[("MFA_SERVER_KEY", HEX_A)]).unwrap();
    assert_eq!(config.addr.to_string(), "127.0.0.1:8080");
    assert_eq!(
        config.database,
        Database::Sqlite("mfa-server.sqlite".into())
    );
    assert_eq!(config.database_pool, 16);
    assert_eq!(config.outbox, Some("mfa-server.outbox.jsonl".into()));
    assert_eq!(config.password_cost, Cost::RECOMMENDED);
    assert_eq!(config.sessions, Sessions::default());
    assert_eq!(
        (config.sessions.idle, config.sessions.lifetime),
        (1800, 43_200)
    );
    assert_eq!(config.client_ip_header, None);
    let error = from_vars(&[("MFA_SERVER_KEY", HEX_A), ("MFA_ADDR", "nowhere")]);
    assert!(checked(error).starts_with("MFA_ADDR: "));
}

#[test]
fn every_setting_is_read_and_checked() {
    let config = from_vars(&[
        ("MFA_SERVER_KEY", HEX_A),
        (
            "MFA_DATABASE_URL",
            "postgres://mfa:secret@db.internal:5432/mfa",
        ),
        ("MFA_DATABASE_POOL", "4"),
        ("MFA_OUTBOX", "off"),
        ("MFA_ARGON2", "m=65536,t=3,p=1"),
        ("MFA_SESSION_IDLE_SECS", "600"),
        ("MFA_SESSION_LIFETIME_SECS", "3600"),
        ("MFA_CLIENT_IP_HEADER", "X-Forwarded-For"),
    ])
    .unwrap();
    assert_eq!(
        config.database.describe(),
        "PostgreSQL postgres://…@db.internal:5432/mfa",
        "the password never reaches the log"
    );
    assert_eq!(config.database_pool, 4);
    assert_eq!(config.outbox, None);
    assert_eq!(config.password_cost.memory_kib, 65_536);
    assert_eq!(
        (config.sessions.idle, config.sessions.lifetime),
        (600, 3600)
    );
    assert_eq!(config.client_ip_header.unwrap().as_str(), "x-forwarded-for");
    for (name, value) in [
        ("MFA_DATABASE_URL", "mysql://x"),
        ("MFA_DATABASE_URL", "sqlite:"),
        ("MFA_DATABASE_POOL", "many"),
        ("MFA_ARGON2", "m=1,t=1,p=1"),
        ("MFA_SESSION_IDLE_SECS", "0"),
        ("MFA_SESSION_LIFETIME_SECS", "-5"),
        ("MFA_CLIENT_IP_HEADER", "not a header"),
    ] {
        let error = from_vars(&[("MFA_SERVER_KEY", HEX_A), (name, value)]);
        let message = checked(error);
        assert!(
            message.contains(
                name.trim_start_matches("MFA_")
                    .split('_')
                    .next()
                    .unwrap_or(name)
            ) || message.starts_with(name),
            "{name}={value}: {message}"
        );
    }
    for (url, want) in [
        (
            "sqlite:data/mfa.sqlite",
            Database::Sqlite("data/mfa.sqlite".into()),
        ),
        (
            "sqlite:///var/lib/mfa.sqlite",
            Database::Sqlite("/var/lib/mfa.sqlite".into()),
        ),
        (
            "postgresql:///mfa?host=/run/postgresql",
            Database::Postgres("postgresql:///mfa?host=/run/postgresql".into()),
        ),
    ] {
        assert_eq!(Database::parse(url).unwrap(), want, "{url}");
    }
}

#[test]
fn the_log_format_is_text_or_json() {
    let var = |value: &'static str| {
        move |name: &str| (name == "MFA_LOG_FORMAT").then(|| OsString::from(value))
    };
    assert!(!super::log_json(|_| None).unwrap());
    assert!(super::log_json(var("json")).unwrap());
    assert!(!super::log_json(var("text")).unwrap());
    assert!(super::log_json(var("yaml")).is_err());
}

#[test]
fn the_throttle_is_read_by_name_and_checked_by_mfa_core() {
    use mfa_core::account::ThrottlePolicy;
    let default = super::parse_throttle("").unwrap();
    assert_eq!(default, ThrottlePolicy::DEFAULT);
    let fleet = super::parse_throttle("free_failures=1, lockout_after=4,lockout=60").unwrap();
    assert_eq!(
        (
            fleet.free_failures(),
            fleet.lockout_after(),
            fleet.lockout(),
            fleet.first_delay()
        ),
        (1, 4, 60, ThrottlePolicy::DEFAULT.first_delay())
    );
    assert_eq!(
        super::parse_throttle("max_failures=20")
            .unwrap()
            .max_failures(),
        20
    );
    for bad in [
        "lockout_after=0",
        "free_failures=10,lockout_after=5",
        "lockout_after=300",
        "speed=fast",
        "lockout=1,lockout=2",
        "lockout=soon",
        "lockout",
    ] {
        assert!(super::parse_throttle(bad).is_err(), "{bad}");
    }
    let config = from_vars(&[
        ("MFA_SERVER_KEY", HEX_A),
        ("MFA_THROTTLE", "free_failures=1,lockout_after=4"),
        ("MFA_ISSUER", "Example"),
    ])
    .unwrap();
    assert_eq!(config.policy.throttle().lockout_after(), 4);
    assert_eq!(config.policy.issuer(), Some("Example"));
    assert!(
        checked(from_vars(&[
            ("MFA_SERVER_KEY", HEX_A),
            ("MFA_THROTTLE", "x=1")
        ]))
        .starts_with("MFA_THROTTLE: ")
    );
}
