//! The stored form of an `Account`: byte-exact round trips in every state, its
//! size, and a reloaded record that behaves exactly like the one in memory.

use mfa_core::account::{DisableScope, LoginStart, LoginToken, SetupMaterial, SetupNext};
use mfa_core::otp::{Algorithm, TotpConfig};
use mfa_core::{
    ServerKey,
    account::{Account, Method, Mfa, MfaPolicy},
    error::Error,
};
use rand::SeedableRng;
use rand::rngs::StdRng;

use Method::{Authenticator as Totp, Email};

use crate::fixture::{APP, Fx, MAIL, TEXT, round_trip, val};

#[test]
fn a_fresh_account_has_a_small_fixed_form() {
    let json = round_trip(&Account::new());
    assert_eq!(json, r#"{"v":1,"version":0}"#);
}

/// An authenticator's settings are stored only when they are not the standard
/// ones; left out, they mean SHA-1, 6 digits, 30 s, T0 = 0 and one step each way,
/// whatever settings the policy reading the record has.
#[test]
fn an_authenticator_with_standard_settings_stores_none() {
    let config = |json: &str, pointer: &str| {
        let stored: serde_json::Value = serde_json::from_str(json).unwrap();
        stored.pointer(pointer).cloned()
    };
    let mut fx = Fx::enabled(&[APP]);
    let login = fx.login();
    let json = round_trip(&fx.acct);
    assert_eq!(config(&json, "/authenticator/config"), None, "{json}");

    // Read by a server whose policy enrols SHA-256 apps, the record still checks
    // the app's SHA-1 codes.
    let sha256 = TotpConfig::default()
        .with_algorithm(Algorithm::Sha256)
        .with_digits(8)
        .unwrap();
    let key = ServerKey::new(1, &[7; 32]).unwrap();
    let other = Mfa::new(MfaPolicy::default().with_totp(sha256), key);
    let mut copy: Account = serde_json::from_str(&json).unwrap();
    let code = fx.next_totp();
    let signed_in = other.verify_login(&mut copy, &login.token, &code, fx.now);
    assert!(signed_in.in_memory().result.is_ok());

    // Other settings are stored, pending and enabled.
    let mut fx = Fx::new();
    fx.mfa = other;
    let (a, r, now) = (&mut fx.acct, &mut fx.rng, fx.now);
    let started = val(fx.mfa.begin_setup(a, APP, r, now).in_memory());
    let json = round_trip(&fx.acct);
    let pending = "/challenges/0/task/setup/pending/authenticator/config/alg";
    assert_eq!(config(&json, pending), Some("SHA256".into()), "{json}");
    let SetupNext::Confirm(SetupMaterial::Authenticator(enrolment)) = started.next else {
        panic!("the first method needs no step-up")
    };
    let code = sha256.generate(enrolment.secret(), now).unwrap();
    let (a, r) = (&mut fx.acct, &mut fx.rng);
    let done = fx
        .mfa
        .confirm_setup(a, &started.token, code.as_str(), r, now);
    assert!(done.in_memory().result.is_ok());
    let json = round_trip(&fx.acct);
    assert_eq!(
        config(&json, "/authenticator/config/digits"),
        Some(8.into())
    );
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
