//! A client hammering wrong codes over HTTP: the delays after the free failures are
//! enforced (no code is looked at before `retryAt`), the account locks at the
//! policy's limit, and the lockout survives a restart because it lives in the
//! database row, not in the server's memory.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use mfa_core::account::Account;
use mfa_server::{Clock as _, ManualClock};
use serde_json::{Value, json};
use support::{T0, TestServer, secs, temp_db};

/// The default policy's lockout threshold and duration.
const LOCKOUT_AFTER: u32 = 10;
const LOCKOUT_SECONDS: u64 = 3600;

async fn stored_failures(server: &TestServer) -> u32 {
    let json = server.stored(1).await;
    serde_json::from_str::<Account>(&json).unwrap().failures()
}

/// The `mfaToken` of a new sign-in, waiting out a delay if the password step is
/// throttled too.
async fn login_token(server: &TestServer) -> Value {
    server.password_step("mallory").await["mfaToken"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_codes_lock_the_account_at_the_limit_and_the_lockout_survives_a_restart() {
    let db = temp_db("brute").await;
    let server = TestServer::start(&db, ManualClock::new(T0)).await;
    let session = server.register_and_sign_in("mallory").await;
    let (phone, _) = server.enrol_authenticator(&session).await;

    let mut token = login_token(&server).await;
    let mut throttled = 0;
    let locked_until = loop {
        let (status, body) = server
            .post(
                "/identity/mfa/login/verify",
                None,
                json!({ "mfaToken": token, "code": "000000" }),
            )
            .await;
        match (status, body["details"].as_str().unwrap()) {
            (401, "invalid_code") => {}
            // This challenge took its five wrong codes; waiting does not help: sign
            // in again.
            (400, "attempts_exhausted") => {
                assert!(body.get("retryAt").is_none(), "{body}");
                token = login_token(&server).await;
            }
            (429, "too_many_attempts") => {
                let retry_at = secs(&body["retryAt"]);
                let failures = stored_failures(&server).await;
                if retry_at >= server.clock.now() + LOCKOUT_SECONDS {
                    assert_eq!(failures, LOCKOUT_AFTER, "locked exactly at the limit");
                    break retry_at;
                }
                // A delay: nothing is counted while it lasts.
                let (status, _) = server
                    .post(
                        "/identity/mfa/login/verify",
                        None,
                        json!({ "mfaToken": token, "code": "000000" }),
                    )
                    .await;
                assert_eq!(status, 429);
                assert_eq!(
                    stored_failures(&server).await,
                    failures,
                    "no guess during a delay"
                );
                throttled += 1;
                server.clock.advance(retry_at - server.clock.now());
            }
            // Long delays outlive the challenge: sign in again.
            (400, "mfa_token_expired") => token = login_token(&server).await,
            other => panic!("unexpected answer {other:?}: {body}"),
        }
        assert!(stored_failures(&server).await <= LOCKOUT_AFTER);
    };
    assert!(throttled >= 1, "delays come before the lockout");

    // Restart on the same file: still locked, even for the right code.
    server.stop().await;
    let clock = ManualClock::new(T0);
    clock.advance(locked_until - T0 - 60);
    let server = TestServer::start(&db, clock).await;
    let (status, body) = server
        .post(
            "/api/auth/login",
            None,
            json!({ "username": "mallory", "password": "correct horse" }),
        )
        .await;
    assert_eq!(status, 429, "still locked after the restart: {body}");
    assert_eq!(body["details"], "too_many_attempts");
    assert_eq!(secs(&body["retryAt"]), locked_until);

    // After the lockout, the right code signs in.
    server.clock.advance(61);
    let token = login_token(&server).await;
    let (status, body) = server
        .post(
            "/identity/mfa/login/verify",
            None,
            json!({ "mfaToken": token, "code": phone.code(server.clock.now()) }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    server.stop().await;
}
