//! The stored form of an `Account` (feature `serde`, schema version 1): byte-exact
//! round trips in every state, its size, and what loading refuses.
#![cfg(feature = "serde")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use mfa_core::account::{
    DisableScope, Login, LoginStart, LoginToken, MAX_STORED_TIME, PendingChallenge, Prompt,
    SetupMaterial, StoredAccount,
};
use mfa_core::error::RecordError;
use mfa_core::{
    Account, Error, Method, MethodSetup, Mfa, MfaPolicy, Outcome, Secret, ServerKey, SetupNext,
    TotpConfig,
};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::{Value, json};

use Method::{Authenticator as Totp, Email};

const T0: u64 = 1_767_225_600;
const APP: MethodSetup<'static> = MethodSetup::Authenticator {
    account_name: "jane.doe@example.com",
};
const MAIL: MethodSetup<'static> = MethodSetup::Email {
    address: "jane.doe@example.com",
};
const TEXT: MethodSetup<'static> = MethodSetup::Sms {
    number: "+1 415 555 0134",
};

fn val<T>(out: Outcome<T>) -> T {
    out.result.unwrap()
}

/// Serialises, loads and serialises again: the two texts must be identical and the
/// loaded record equal to the original. Returns the JSON.
fn round_trip(account: &Account) -> String {
    let json = serde_json::to_string(account).unwrap();
    let back: Account = serde_json::from_str(&json).unwrap();
    assert!(back == *account, "{json}");
    assert_eq!(serde_json::to_string(&back).unwrap(), json);
    json
}

/// Loads `account`'s JSON after `edit`; the error text if it is refused.
fn load_edited(account: &Account, edit: impl FnOnce(&mut Value)) -> Result<Account, String> {
    let mut value = serde_json::to_value(account).unwrap();
    edit(&mut value);
    serde_json::from_value(value).map_err(|e| e.to_string())
}

/// A user and the server, on a simulated clock.
struct Fx {
    mfa: Mfa,
    rng: StdRng,
    now: u64,
    acct: Account,
    app: Option<Secret>,
    backup: Vec<String>,
}

impl Fx {
    fn new() -> Self {
        Fx {
            mfa: Mfa::new(MfaPolicy::default(), ServerKey::new(1, &[7; 32]).unwrap()),
            rng: StdRng::seed_from_u64(99),
            now: T0,
            acct: Account::new(),
            app: None,
            backup: Vec::new(),
        }
    }

    fn enabled(setups: &[MethodSetup<'_>]) -> Self {
        let mut fx = Fx::new();
        for &setup in setups {
            fx.enable(setup);
        }
        fx
    }

    /// What the authenticator app shows now.
    fn totp(&self) -> String {
        let secret = self.app.as_ref().unwrap();
        let code = TotpConfig::default().generate(secret, self.now).unwrap();
        code.as_str().to_owned()
    }

    /// The authenticator app's next code.
    fn next_totp(&mut self) -> String {
        self.now += 30;
        self.totp()
    }

    /// The code a prompt asks for: the one it sends, or the app's next one.
    fn answer(&mut self, prompt: &mut Prompt) -> String {
        match prompt.take_delivery() {
            Some(d) => d.code().as_str().to_owned(),
            None => self.next_totp(),
        }
    }

    fn enable(&mut self, setup: MethodSetup<'_>) {
        self.now += 30;
        let (a, r, n) = (&mut self.acct, &mut self.rng, self.now);
        let started = val(self.mfa.begin_setup(a, setup, r, n).in_memory());
        let material = match started.next {
            SetupNext::Confirm(material) => material,
            SetupNext::StepUp(mut prompt) => {
                let code = self.answer(&mut prompt);
                let (a, r, n) = (&mut self.acct, &mut self.rng, self.now);
                let step = self.mfa.verify_step_up(a, &started.token, &code, r, n);
                val(step.in_memory())
            }
        };
        let code = match material {
            SetupMaterial::Authenticator(e) => {
                self.app = Some(e.secret().clone());
                self.totp()
            }
            SetupMaterial::Oob(d) => d.code().as_str().to_owned(),
        };
        let (a, r, n) = (&mut self.acct, &mut self.rng, self.now);
        let done = self.mfa.confirm_setup(a, &started.token, &code, r, n);
        if let Some(plain) = val(done.in_memory()).backup_codes {
            self.backup = plain.expose_secret().map(str::to_owned).collect();
        }
    }

    fn login(&mut self) -> PendingChallenge<Login> {
        let (a, r, n) = (&mut self.acct, &mut self.rng, self.now);
        let start = self.mfa.begin_login(a, r, n);
        match val(start.in_memory()) {
            LoginStart::Required(pending) => pending,
            LoginStart::NotRequired => panic!("MFA is on"),
        }
    }

    /// Lets every challenge expire: what is left of each is its tombstone (any
    /// operation makes them), at most one per purpose.
    fn tidy(&mut self) {
        self.now += 601;
        let (a, n) = (&mut self.acct, self.now);
        let default = a.default_method().unwrap();
        val(self.mfa.set_default_method(a, default, n).in_memory());
        let stored = serde_json::to_value(&self.acct).unwrap();
        let challenges = stored["challenges"].as_array().unwrap();
        assert!(
            challenges
                .iter()
                .all(|c| c["task"].get("expired").is_some())
        );
    }
}

#[test]
fn a_fresh_account_has_a_small_fixed_form() {
    let json = round_trip(&Account::new());
    let expected = concat!(
        r#"{"v":1,"version":0,"throttle":{"failures":0,"wait_until":0},"#,
        r#""sends":{"since":0,"sent":0},"challenges":[]}"#
    );
    assert_eq!(json, expected);
}

#[test]
fn every_state_round_trips_byte_for_byte() {
    // Mid-setup: a pending authenticator secret, then a pending email code.
    let mut fx = Fx::new();
    let (a, r, now) = (&mut fx.acct, &mut fx.rng, fx.now);
    let _pending = val(fx.mfa.begin_setup(a, APP, r, now).in_memory());
    let json = round_trip(&fx.acct);
    assert!(json.contains(r#""pending":{"authenticator""#), "{json}");
    let (a, r) = (&mut fx.acct, &mut fx.rng);
    let _pending = val(fx.mfa.begin_setup(a, MAIL, r, now).in_memory());
    round_trip(&fx.acct);

    // Three methods enabled.
    let json = round_trip(&Fx::enabled(&[APP, MAIL, TEXT]).acct);
    for key in ["authenticator", "email", "sms", "backup_codes"] {
        assert!(json.contains(&format!(r#""{key}":{{"#)), "{key} in {json}");
    }

    // A live email code, then one live challenge of every purpose at once.
    let mut fx = Fx::enabled(&[APP, MAIL]);
    let login = fx.login();
    let (a, r, now) = (&mut fx.acct, &mut fx.rng, fx.now);
    let switched = fx.mfa.switch_method(a, &login.token, Email, r, now);
    assert!(val(switched.in_memory()).delivery().is_some());
    let json = round_trip(&fx.acct);
    let token = login.token.to_text();
    let secret_part = &token.expose_secret()[6..];
    assert!(!json.contains(secret_part), "the token is not stored");
    assert!(json.contains(&login.token.lookup_key()), "its hash is");
    let (a, r) = (&mut fx.acct, &mut fx.rng);
    let scope = DisableScope::Method(Email);
    let _disable = val(fx.mfa.begin_disable(a, scope, r, now).in_memory());
    let (a, r) = (&mut fx.acct, &mut fx.rng);
    let _regen = val(fx.mfa.begin_regenerate(a, r, now).in_memory());
    let (a, r) = (&mut fx.acct, &mut fx.rng);
    let _step_up = val(fx.mfa.begin_setup(a, TEXT, r, now).in_memory());
    assert_eq!(fx.acct.challenge_keys().count(), 4);
    round_trip(&fx.acct);

    // After a lockout: failures, the lockout clock and a used backup code.
    let mut fx = Fx::enabled(&[APP]);
    let backup = fx.backup[0].clone();
    let login = fx.login();
    let (a, now) = (&mut fx.acct, fx.now);
    let used = fx.mfa.verify_login(a, &login.token, &backup, now);
    assert!(used.in_memory().result.is_ok());
    for _ in 0..10 {
        fx.now = fx.acct.retry_at(fx.now).unwrap_or(fx.now);
        let login = fx.login();
        let (a, now) = (&mut fx.acct, fx.now);
        let guess = fx.mfa.verify_login(a, &login.token, "000000", now);
        assert_eq!(guess.in_memory().result, Err(Error::InvalidCode));
    }
    assert_eq!(fx.acct.failures(), 10);
    assert_eq!(fx.acct.retry_at(fx.now), Some(fx.now + 3600));
    let json = round_trip(&fx.acct);
    let plain = backup.replace('-', "");
    assert!(!json.contains(&plain), "backup codes only as hashes");
}

#[test]
fn a_record_with_totp_email_and_ten_backup_codes_fits_in_1536_bytes() {
    let mut fx = Fx::enabled(&[APP, MAIL]);
    fx.tidy();
    assert_eq!(fx.acct.backup_codes_remaining(), Some(10));
    let json = round_trip(&fx.acct);
    eprintln!("account record: {} bytes of JSON", json.len());
    assert!(json.len() <= 1536, "{} bytes: {json}", json.len());
}

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
    for path in [
        ["authenticator", "last_step"],
        ["throttle", "wait_until"],
        ["sends", "since"],
    ] {
        refused(&acct, RecordError::TimeOutOfRange, &|v| {
            v[path[0]][path[1]] = json!(u64::MAX);
        });
    }
    // The latest time allowed still loads.
    let last = load_typed(&acct, |v| {
        v["throttle"]["wait_until"] = json!(MAX_STORED_TIME);
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

/// Verifies `code` on two records and checks they answer and store alike.
fn verify_both(mfa: &Mfa, records: [&mut Account; 2], token: &LoginToken, code: &str, now: u64) {
    let [one, two] = records;
    let a = mfa.verify_login(one, token, code, now).in_memory();
    let b = mfa.verify_login(two, token, code, now).in_memory();
    assert_eq!((a.result, a.events), (b.result, b.events), "{code}");
    assert_eq!(round_trip(one), round_trip(two));
}

#[test]
fn a_reloaded_account_behaves_like_the_original() {
    let mut fx = Fx::enabled(&[APP, MAIL]);
    let login = fx.login();
    let (a, r, now) = (&mut fx.acct, &mut fx.rng, fx.now);
    let switched = fx.mfa.switch_method(a, &login.token, Email, r, now);
    let mut prompt = val(switched.in_memory());
    let code = fx.answer(&mut prompt);
    let json = round_trip(&fx.acct);
    let mut copy: Account = serde_json::from_str(&json).unwrap();
    let wrong = format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000);
    // A wrong code, a malformed one, the right one, and the right one again.
    for attempt in [wrong.as_str(), "12", &code, &code] {
        let both = [&mut fx.acct, &mut copy];
        verify_both(&fx.mfa, both, &login.token, attempt, fx.now);
    }
    // Operations that draw randomness agree too, given the same generator state.
    fx.now += 30;
    let starts = [&mut fx.acct, &mut copy].map(|acct| {
        let mut rng = StdRng::seed_from_u64(5);
        let start = fx.mfa.begin_login(acct, &mut rng, fx.now).in_memory();
        match val(start) {
            LoginStart::Required(pending) => pending,
            LoginStart::NotRequired => panic!("MFA is on"),
        }
    });
    assert!(starts[0].token == starts[1].token);
    assert_eq!(starts[1].prompt.method(), Totp);
    assert_eq!(round_trip(&fx.acct), round_trip(&copy));
    let token = starts[0].token.clone();
    let code = fx.next_totp();
    verify_both(&fx.mfa, [&mut fx.acct, &mut copy], &token, &code, fx.now);
    assert_eq!(fx.acct.failures(), 0);
}
