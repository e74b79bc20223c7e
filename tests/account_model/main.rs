//! Model-based test of the account state machine: random sequences of user and
//! server actions run against an [`Mfa`] and against a small reference model of the
//! record, with invariants checked after every step.
//!
//! The harness plays the user: it keeps the authenticator secret from the setup
//! material, the email / SMS codes from each [`Delivery`], the plain backup codes and
//! every token the `begin_*` calls returned, and picks which code to type. The model
//! predicts every answer (result, error and events) and the record's observable
//! state; the random values (tokens, codes, secrets) are taken from the library's
//! answers. Independently of the model, the harness checks the safety properties:
//! no TOTP step or backup code accepted twice, no guess counted or accepted during a
//! delay or lockout, dead challenges never succeed, MFA off means everything is
//! gone, the version steps exactly when the stored JSON changes, and a record
//! reloaded from JSON behaves exactly like the one in memory.
#![cfg(feature = "serde")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod calls;
mod harness;
mod model;
mod ops;
mod support;
mod user;

use std::convert::Infallible;

use mfa_core::account::{
    DisableScope, Login, LoginStart, Method, Mfa, PendingChallenge, SetupMaterial, SetupNext,
};
use mfa_core::{Secret, account::Account, error::Error};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{RngAlgorithm, TestRng, TestRunner};
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::calls::{content, json};
use crate::harness::{Harness, Stats};
use crate::ops::{long_sequences, sequences};
use crate::support::{CASES, LONG_CASES, OOB_COOLDOWN, T0, delivered, mfa, setup_request, totp};

proptest! {
    // Shrunk failures are kept beside this file (main.proptest-regressions) and
    // replayed first on every run.
    #![proptest_config(ProptestConfig {
        cases: CASES,
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("proptest-regressions"),
        )),
        ..ProptestConfig::default()
    })]

    /// Random sequences of enrolment, sign-in, switching, resending, disabling,
    /// regeneration, clock jumps and reloads: the library answers as the model
    /// predicts, and the safety invariants hold after every step.
    #[test]
    fn account_behaves_like_the_model(seed in any::<u64>(), ops in sequences()) {
        Harness::new(seed).run(&ops);
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: LONG_CASES,
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("proptest-regressions"),
        )),
        ..ProptestConfig::default()
    })]

    /// Weeks of simulated time with an attacker who waits out every delay and
    /// lockout: the model still predicts every answer, and (checked after every
    /// step) at most the policy's `max_failures` consecutive wrong codes are ever
    /// evaluated; then nothing is, until the support desk unlocks or resets.
    #[test]
    fn the_guessing_budget_ends_over_weeks(seed in any::<u64>(), ops in long_sequences()) {
        Harness::new(seed).run(&ops);
    }
}

/// The random runs reach the states the invariants are about: a fixed sample of
/// both properties' sequences must see lockouts, replays, backup codes, MFA turned off, and so on.
#[test]
fn random_runs_reach_the_interesting_states() {
    let mut runner = TestRunner::new_with_rng(
        ProptestConfig::default(),
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    );
    let short = (any::<u64>(), sequences());
    let long = (any::<u64>(), long_sequences());
    let mut total = Stats::default();
    // 48 runs of the main property's sequences and 4 of the long-horizon one's.
    for run in 0..52 {
        let (seed, ops) = if run < 48 {
            short.new_tree(&mut runner).unwrap().current()
        } else {
            long.new_tree(&mut runner).unwrap().current()
        };
        let mut harness = Harness::new(seed);
        harness.run(&ops);
        let s = harness.stats;
        total.totp_accepted += s.totp_accepted;
        total.oob_accepted += s.oob_accepted;
        total.backup_accepted += s.backup_accepted;
        total.counted += s.counted;
        total.lockouts += s.lockouts;
        total.refused_while_waiting += s.refused_while_waiting;
        total.code_reused += s.code_reused;
        total.backup_reused += s.backup_reused;
        total.retired_refused += s.retired_refused;
        total.dead_token_refused += s.dead_token_refused;
        total.mfa_turned_off += s.mfa_turned_off;
        total.regenerated += s.regenerated;
        total.too_many_codes_sent += s.too_many_codes_sent;
        total.step_ups += s.step_ups;
        total.switches += s.switches;
        total.resends += s.resends;
        total.reloads += s.reloads;
        total.shadowed += s.shadowed;
        total.hard_locks += s.hard_locks;
        total.refused_while_hard_locked += s.refused_while_hard_locked;
        total.withheld += s.withheld;
        total.unlocks += s.unlocks;
        total.resets += s.resets;
        total.rotations += s.rotations;
        total.remembered += s.remembered;
        total.recognised += s.recognised;
    }
    let Stats {
        totp_accepted,
        oob_accepted,
        backup_accepted,
        counted,
        lockouts,
        refused_while_waiting,
        code_reused,
        backup_reused,
        retired_refused,
        dead_token_refused,
        mfa_turned_off,
        regenerated,
        too_many_codes_sent,
        step_ups,
        switches,
        resends,
        reloads,
        shadowed,
        hard_locks,
        refused_while_hard_locked,
        withheld,
        unlocks,
        resets,
        rotations,
        remembered,
        recognised,
    } = total;
    for (what, n) in [
        ("TOTP codes accepted", totp_accepted),
        ("email/SMS codes accepted", oob_accepted),
        ("backup codes accepted", backup_accepted),
        ("wrong codes counted", counted),
        ("lockouts", lockouts),
        ("codes refused during a delay", refused_while_waiting),
        ("TOTP replays refused", code_reused),
        ("used backup codes refused", backup_reused),
        ("retired backup codes refused", retired_refused),
        ("dead tokens refused", dead_token_refused),
        ("MFA turned off", mfa_turned_off),
        ("backup codes regenerated", regenerated),
        ("send budget exhausted", too_many_codes_sent),
        ("step-ups passed", step_ups),
        ("method switches", switches),
        ("resends", resends),
        ("reloads", reloads),
        ("steps shadowed on a reloaded record", shadowed),
        ("hard locks", hard_locks),
        ("calls refused while hard-locked", refused_while_hard_locked),
        ("codes withheld at the start of a challenge", withheld),
        ("unlocks", unlocks),
        ("resets", resets),
        ("key rotations", rotations),
        ("devices remembered", remembered),
        ("sign-ins from a remembered device", recognised),
    ] {
        assert!(n > 0, "no {what} in the sample: {total:?}");
    }
}

// ---------------------------------------------------------------------------
// The bugs the model found, reduced to a few calls.
// ---------------------------------------------------------------------------

/// An account with email (the default) and then the authenticator enabled; returns
/// the authenticator secret and the backup codes.
fn email_then_authenticator(
    mfa: &Mfa,
    account: &mut Account,
    rng: &mut StdRng,
    now: u64,
) -> (Secret, Vec<String>) {
    let s = mfa
        .begin_setup(account, setup_request(Method::Email), rng, now)
        .in_memory()
        .result
        .unwrap();
    let SetupNext::Confirm(SetupMaterial::Oob(mail)) = &s.next else {
        panic!("no method yet: confirm by email")
    };
    let first = mfa
        .confirm_setup(account, &s.token, mail.code().as_str(), rng, now)
        .in_memory()
        .result
        .unwrap();
    let backup_codes: Vec<String> = first
        .backup_codes
        .as_ref()
        .expect("the first method brings backup codes")
        .expose_secret()
        .map(String::from)
        .collect();
    let s = mfa
        .begin_setup(account, setup_request(Method::Authenticator), rng, now)
        .in_memory()
        .result
        .unwrap();
    let SetupNext::StepUp(prompt) = &s.next else {
        panic!("email is on: step up first")
    };
    let mail = prompt.delivery().unwrap().code().as_str().to_owned();
    let SetupMaterial::Authenticator(enrollment) = mfa
        .verify_step_up(account, &s.token, &mail, rng, now)
        .in_memory()
        .result
        .unwrap()
    else {
        panic!("the authenticator's material is its secret")
    };
    let secret = enrollment.secret().clone();
    let code = totp().generate(&secret, now).unwrap();
    let second = mfa
        .confirm_setup(account, &s.token, code.as_str(), rng, now)
        .in_memory()
        .result
        .unwrap();
    assert_eq!(second.methods, [Method::Authenticator, Method::Email]);
    (secret, backup_codes)
}

/// Moving a challenge to the authenticator changes the stored record (the factor
/// the challenge checks), so it must be one version step and reach `persist`.
/// Otherwise a server that stores through `persist` keeps the email factor, and
/// the authenticator code the prompt asked for is refused after a reload.
#[test]
fn switching_to_the_authenticator_is_stored() {
    let mfa = mfa();
    let mut rng = StdRng::seed_from_u64(7);
    let mut account = Account::new();
    let now = T0;
    let (secret, _) = email_then_authenticator(&mfa, &mut account, &mut rng, now);
    let now = now + 60;
    let login = begin_login(&mfa, &mut account, &mut rng, now);
    let stored = json(&account);
    let version = account.version();
    let mut saves = Vec::new();
    let prompt = mfa
        .switch_method(
            &mut account,
            &login.token,
            Method::Authenticator,
            &mut rng,
            now,
        )
        .persist(|record, expected| {
            saves.push((expected, json(record)));
            Ok::<(), Infallible>(())
        })
        .unwrap()
        .result
        .unwrap();
    assert_eq!(prompt.method(), Method::Authenticator);
    assert_ne!(
        content(&json(&account)),
        content(&stored),
        "the factor changed"
    );
    assert_eq!(
        account.version(),
        version + 1,
        "a changed record must step its version"
    );
    assert_eq!(saves.len(), 1, "persist must be asked to store the switch");
    // What the store holds signs in with the code the prompt asked for.
    let mut reloaded: Account = serde_json::from_str(&saves[0].1).unwrap();
    let code = totp().generate(&secret, now).unwrap();
    assert!(
        mfa.verify_login(&mut reloaded, &login.token, code.as_str(), now)
            .in_memory()
            .result
            .is_ok()
    );
}

/// A challenge waiting on an email code must not accept that code once email is
/// turned off: the authenticator's counterpart is refused
/// (`AuthenticatorNotConfigured`), and `resend` on the same challenge already says
/// `MethodNotEnabled`.
#[test]
fn a_method_turned_off_proves_nothing() {
    let mfa = mfa();
    let mut rng = StdRng::seed_from_u64(7);
    let mut account = Account::new();
    let now = T0;
    let (secret, backup_codes) = email_then_authenticator(&mfa, &mut account, &mut rng, now);
    let now = now + 60;
    let login = begin_login(&mfa, &mut account, &mut rng, now);
    let mail = delivered(login.prompt.delivery());
    let disable = mfa
        .begin_disable(
            &mut account,
            DisableScope::Method(Method::Email),
            &mut rng,
            now,
        )
        .in_memory()
        .result
        .unwrap();
    let mut prompt = mfa
        .switch_method(
            &mut account,
            &disable.token,
            Method::Authenticator,
            &mut rng,
            now,
        )
        .in_memory()
        .result
        .unwrap();
    assert!(prompt.take_delivery().is_none());
    let code = totp().generate(&secret, now).unwrap();
    let disabled = mfa
        .verify_disable(&mut account, &disable.token, code.as_str(), now)
        .in_memory()
        .result
        .unwrap();
    assert_eq!(disabled.methods, vec![Method::Authenticator]);
    assert_eq!(
        mfa.resend(&mut account, &login.token, &mut rng, now + OOB_COOLDOWN)
            .in_memory()
            .result
            .unwrap_err(),
        Error::MethodNotEnabled {
            method: Method::Email
        }
    );
    let late = mfa
        .verify_login(&mut account, &login.token, &mail, now + OOB_COOLDOWN)
        .in_memory()
        .result;
    assert_eq!(
        late.map(|v| v.with),
        Err(Error::MethodNotEnabled {
            method: Method::Email
        }),
        "the code of a method turned off signed the user in"
    );
    // Nor does a backup code on that stale challenge: it is refused before any code
    // is looked at, so the backup code is not spent and nothing is counted.
    let (remaining, failures) = (account.backup_codes_remaining(), account.failures());
    let stale = mfa
        .verify_login(
            &mut account,
            &login.token,
            &backup_codes[0],
            now + OOB_COOLDOWN,
        )
        .in_memory()
        .result;
    assert_eq!(
        stale.map(|v| v.with),
        Err(Error::MethodNotEnabled {
            method: Method::Email
        })
    );
    assert_eq!(account.backup_codes_remaining(), remaining);
    assert_eq!(account.failures(), failures);
}

/// The login challenge of an account that has MFA on.
fn begin_login(
    mfa: &Mfa,
    account: &mut Account,
    rng: &mut StdRng,
    now: u64,
) -> PendingChallenge<Login> {
    match mfa
        .begin_login(account, rng, now)
        .in_memory()
        .result
        .unwrap()
    {
        LoginStart::Required(login) => login,
        LoginStart::NotRequired => panic!("MFA is on"),
    }
}
