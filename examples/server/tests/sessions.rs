//! Sessions end: after being idle, at their absolute lifetime, at logout, and when
//! the account's protection changes, every session but the one that changed it.
//! A session taken before MFA was enabled no longer opens anything.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::sync::Arc;

use mfa_server::flow::{Actor, run};
use mfa_server::password::Cost;
use mfa_server::session::Sessions;
use mfa_server::{AppState, Clock as _, ManualClock};
use serde_json::json;
use support::{T0, TestServer, server_key, temp_db};

const IDLE: u64 = 600;
const LIFETIME: u64 = 3600;

async fn start(name: &str) -> TestServer {
    let db = temp_db(name).await;
    let state = AppState::new(server_key(), db.store().await)
        .unwrap()
        .with_password_cost(Cost::TESTS_ONLY)
        .unwrap()
        .with_sessions(Sessions {
            idle: IDLE,
            lifetime: LIFETIME,
        });
    TestServer::serve(state, ManualClock::new(T0), Arc::clone(&db.outbox)).await
}

/// A second session for a user without MFA: the password alone signs in.
async fn sign_in(server: &TestServer, username: &str) -> String {
    let credentials = json!({ "username": username, "password": "correct horse" });
    let (status, body) = server.post("/api/auth/login", None, credentials).await;
    assert_eq!(status, 200, "{body}");
    body["token"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_session_ends_and_a_used_one_lives_until_its_lifetime() {
    let server = start("session-expiry").await;
    let session = server.register_and_sign_in("ann").await;
    let idle = sign_in(&server, "ann").await;
    // Used every 9 minutes, one lives on; the other, unused, ends at 10.
    for _ in 0..6 {
        server.clock.advance(IDLE - 60);
        assert_eq!(server.status(&session).await.0, 200);
    }
    let (code, body) = server.status(&idle).await;
    assert_eq!(
        (code, body["details"].as_str()),
        (401, Some("session_expired")),
        "{body}"
    );
    // 54 minutes in; at the hour it ends however busy it is.
    server.clock.advance(LIFETIME - 6 * (IDLE - 60));
    let (code, body) = server.status(&session).await;
    assert_eq!(
        (code, body["details"].as_str()),
        (401, Some("session_expired")),
        "{body}"
    );
    // Once ended, always ended.
    assert_eq!(server.status(&session).await.0, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_ends_only_this_session() {
    let server = start("session-logout").await;
    let session = server.register_and_sign_in("ann").await;
    let other = sign_in(&server, "ann").await;
    let (code, body) = server
        .post("/api/auth/logout", Some(&session), json!({}))
        .await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(server.status(&session).await.0, 401);
    assert_eq!(
        server
            .post("/api/auth/logout", Some(&session), json!({}))
            .await
            .0,
        401
    );
    assert_eq!(server.status(&other).await.0, 200);
    let kinds = server.audit_kinds("ann").await;
    assert_eq!(kinds, ["signed_in", "signed_in", "signed_out"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enabling_mfa_ends_every_session_taken_before_it_but_the_enrolling_one() {
    let server = start("session-enable").await;
    let enrolling = server.register_and_sign_in("ann").await;
    // Taken with the password alone, before MFA: a stolen one, say.
    let stolen = sign_in(&server, "ann").await;
    let (_phone, _codes) = server.enrol_authenticator(&enrolling).await;
    for (path, body) in [
        ("/identity/mfa/disable", json!({})),
        ("/identity/mfa/backup-codes/regenerate", json!({})),
        (
            "/identity/mfa/setup",
            json!({ "method": "sms", "phone": "+14155550134" }),
        ),
    ] {
        let (code, answer) = server.post(path, Some(&stolen), body).await;
        assert_eq!(
            (code, answer["details"].as_str()),
            (401, Some("unauthorized")),
            "{path}: {answer}"
        );
    }
    assert_eq!(server.status(&enrolling).await.0, 200);
}

/// A new session for `ann`, signed in with her authenticator.
async fn second_factor_session(server: &TestServer, phone: &support::Phone) -> String {
    server.clock.advance(30);
    let pending = server.password_step("ann").await;
    let code = phone.code(server.clock.now());
    let (status, body) = support::verify_login(server, &pending["mfaToken"], &code).await;
    assert_eq!(status, 200, "{body}");
    body["token"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regenerating_backup_codes_and_disabling_end_the_other_sessions() {
    let server = start("session-regenerate").await;
    let first = server.register_and_sign_in("ann").await;
    let (phone, _codes) = server.enrol_authenticator(&first).await;
    let other = second_factor_session(&server, &phone).await;
    // Regenerating from `first` ends `other`.
    let (code, opened) = server
        .post(
            "/identity/mfa/backup-codes/regenerate",
            Some(&first),
            json!({}),
        )
        .await;
    assert_eq!(code, 200, "{opened}");
    server.clock.advance(30);
    let (code, body) = server
        .post(
            "/identity/mfa/backup-codes/regenerate/verify",
            Some(&first),
            json!({ "mfaToken": opened["mfaToken"], "code": phone.code(server.clock.now()) }),
        )
        .await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(server.status(&other).await.0, 401);
    assert_eq!(server.status(&first).await.0, 200);

    // Disabling from a new session ends `first`.
    let other = second_factor_session(&server, &phone).await;
    let (code, opened) = server
        .post("/identity/mfa/disable", Some(&other), json!({}))
        .await;
    assert_eq!(code, 200, "{opened}");
    server.clock.advance(30);
    let (code, body) = server
        .post(
            "/identity/mfa/disable/verify",
            Some(&other),
            json!({ "mfaToken": opened["mfaToken"], "code": phone.code(server.clock.now()) }),
        )
        .await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(server.status(&first).await.0, 401);
    assert_eq!(server.status(&other).await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_privileged_reset_ends_every_session() {
    let server = start("session-reset").await;
    let session = server.register_and_sign_in("ann").await;
    let _ = server.enrol_authenticator(&session).await;
    let user = server.user("ann").await;
    let outcome = run(&server.state, Actor::SigningIn(user), |account, now| {
        server.state.mfa.reset_factors(account, now)
    })
    .await
    .unwrap();
    assert!(outcome.result.is_ok());
    assert_eq!(server.status(&session).await.0, 401);
    assert!(
        server
            .audit_kinds("ann")
            .await
            .contains(&"mfa_reset".to_owned())
    );
}
