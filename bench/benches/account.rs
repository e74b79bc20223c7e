//! The full sign-in round trip a server performs per request: decode the stored JSON
//! record → verify the authenticator code against its login challenge → encode the
//! changed record. The record holds an authenticator, an email method, 10 backup
//! codes and the live login challenge.
//!
//! Each iteration decodes the same stored record, so the same code is fresh every
//! time (the replay guard is in the record, and the record on "disk" never changes).
//! Beside it, the parts: decode alone, the verify alone (on a decoded clone), encode
//! alone, and a bare `TotpConfig::verify`, to show where the time goes; and what
//! serde_json alone costs on the same bytes (tokenising them into nothing, writing an
//! untyped copy), the floor any typed decode or encode of this format sits on.
//!
//! Read ratios within one run; absolute times drift on a shared machine.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use mfa_core::account::{LoginStart, LoginToken, Method, MethodSetup, SetupMaterial, SetupNext};
use mfa_core::{
    Secret, ServerKey,
    account::{Account, Mfa, MfaPolicy},
    otp::TotpConfig,
};
use rand::SeedableRng;
use rand::rngs::StdRng;

const T0: u64 = 1_767_225_600;

/// An account with authenticator + email + 10 backup codes and a live login
/// challenge begun `login_after` seconds after the email was enrolled; returns the
/// JSON, the token, the secret and the time to verify at.
fn stored_login(mfa: &Mfa, login_after: u64) -> (String, LoginToken, Secret, u64) {
    let rng = &mut StdRng::seed_from_u64(7);
    let totp = TotpConfig::default();
    let mut account = Account::new();
    let mut now = T0;
    let setup = MethodSetup::Authenticator {
        account_name: "jane@example.com",
    };
    let started = mfa
        .begin_setup(&mut account, setup, rng, now)
        .in_memory()
        .result
        .unwrap();
    let SetupNext::Confirm(SetupMaterial::Authenticator(enrolment)) = started.next else {
        panic!("first method needs no step-up")
    };
    let secret = enrolment.secret().clone();
    let code = totp.generate(&secret, now).unwrap();
    let _ = mfa
        .confirm_setup(&mut account, &started.token, code.as_str(), rng, now)
        .in_memory()
        .result
        .unwrap();

    now += 60;
    let email = MethodSetup::Email {
        address: "jane@example.com",
    };
    let started = mfa
        .begin_setup(&mut account, email, rng, now)
        .in_memory()
        .result
        .unwrap();
    let code = totp.generate(&secret, now).unwrap();
    let material = mfa
        .verify_step_up(&mut account, &started.token, code.as_str(), rng, now)
        .in_memory()
        .result
        .unwrap();
    let SetupMaterial::Oob(mail) = material else {
        panic!("email sends a code")
    };
    let _ = mfa
        .confirm_setup(&mut account, &started.token, mail.code().as_str(), rng, now)
        .in_memory()
        .result
        .unwrap();

    now += login_after;
    let LoginStart::Required(login) = mfa
        .begin_login(&mut account, rng, now)
        .in_memory()
        .result
        .unwrap()
    else {
        panic!("MFA is on")
    };
    (
        serde_json::to_string(&account).unwrap(),
        login.token,
        secret,
        now + 5,
    )
}

/// Two records: one signed in to a minute after its email was enrolled, whose
/// enrolment challenge is still whole in it (1.9 KB of JSON), and one a day later,
/// when that challenge is a tombstone (1.3 KB): the usual sign-in.
fn round_trip(c: &mut Criterion) {
    for (name, login_after) in [
        ("login_round_trip", 60),
        ("login_round_trip_a_day_after_enrolment", 86_400),
    ] {
        round_trip_of(c, name, login_after);
    }
}

fn round_trip_of(c: &mut Criterion, name: &str, login_after: u64) {
    let key = ServerKey::new(1, &[0x42; 32]).unwrap();
    let mfa = Mfa::new(MfaPolicy::default().with_issuer("Example Co"), key);
    let (json, token, secret, now) = stored_login(&mfa, login_after);
    let code = TotpConfig::default().generate(&secret, now).unwrap();
    let code = code.as_str().to_owned();

    let mut g = c.benchmark_group(name);
    eprintln!("{name}: the record is {} bytes of JSON", json.len());
    // As the reference server does it: the record written back goes into a buffer
    // the size of the one read (and some), then becomes the `String` it stores.
    g.bench_function("decode_verify_encode", |b| {
        b.iter(|| {
            let text = black_box(&json);
            let mut account: Account = serde_json::from_str(text).unwrap();
            let outcome = mfa
                .verify_login(&mut account, &token, black_box(&code), now)
                .persist(|record, _expected| {
                    let mut bytes = Vec::with_capacity(text.len() + 512);
                    serde_json::to_writer(&mut bytes, record)?;
                    black_box(String::from_utf8(bytes).unwrap());
                    Ok::<(), serde_json::Error>(())
                })
                .unwrap();
            assert!(outcome.result.is_ok());
        });
    });
    // The same with `serde_json::to_string`, which grows its buffer as it writes.
    g.bench_function("decode_verify_encode_to_string", |b| {
        b.iter(|| {
            let mut account: Account = serde_json::from_str(black_box(&json)).unwrap();
            let outcome = mfa
                .verify_login(&mut account, &token, black_box(&code), now)
                .persist(|record, _expected| {
                    serde_json::to_string(record)
                        .map(|s| black_box(s).len())
                        .map(drop)
                })
                .unwrap();
            assert!(outcome.result.is_ok());
        });
    });
    g.bench_function("decode", |b| {
        b.iter(|| serde_json::from_str::<Account>(black_box(&json)).unwrap());
    });
    let account: Account = serde_json::from_str(&json).unwrap();
    // `verify_login` on a fresh copy of `record` each time.
    let verify_on = |record: &Account| {
        let (record, mfa, token, code) = (record.clone(), &mfa, &token, &code);
        move |b: &mut criterion::Bencher<'_>| {
            b.iter_batched(
                || record.clone(),
                |mut a| {
                    let ok = mfa
                        .verify_login(&mut a, token, black_box(code), now)
                        .in_memory()
                        .result
                        .is_ok();
                    (a, ok)
                },
                BatchSize::SmallInput,
            );
        }
    };
    g.bench_function("verify", verify_on(&account));
    // The same, on a record already open (as after an earlier call in the same
    // process): the difference is the cost of unsealing its secrets.
    let mut opened = account.clone();
    let default = mfa.set_default_method(&mut opened, Method::Authenticator, now);
    assert!(default.in_memory().result.is_ok());
    g.bench_function("verify_already_unsealed", verify_on(&opened));
    // Unsealing alone, through mfa-core's hidden timing-probe hook (bench/Cargo.toml
    // turns the feature on).
    g.bench_function("unseal", |b| {
        b.iter_batched(
            || opened.clone(),
            |mut a| mfa_core::timing_probe::reopen(&mfa, &mut a).map(|()| a),
            BatchSize::SmallInput,
        );
    });
    g.bench_function("encode", |b| {
        b.iter(|| serde_json::to_string(black_box(&account)).unwrap());
    });
    // What serde_json alone costs on these bytes: tokenising the record into nothing,
    // and writing back an untyped copy of it (keys in the same order).
    g.bench_function("json_floor_parse", |b| {
        b.iter(|| serde_json::from_str::<serde::de::IgnoredAny>(black_box(&json)).unwrap());
    });
    let untyped: serde_json::Value = serde_json::from_str(&json).unwrap();
    g.bench_function("json_floor_write", |b| {
        b.iter(|| serde_json::to_string(black_box(&untyped)).unwrap());
    });
    g.bench_function("encode_presized", |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(json.len() + 512);
            serde_json::to_writer(&mut out, black_box(&account)).unwrap();
            out
        });
    });
    g.bench_function("bare_totp_verify", |b| {
        let totp = TotpConfig::default();
        b.iter(|| totp.verify(&secret, black_box(&code), now, None).unwrap());
    });
    g.finish();
}

criterion_group!(benches, round_trip);
criterion_main!(benches);
