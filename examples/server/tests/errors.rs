//! Every error answer of the MFA API, over HTTP: for each, the status and the
//! body `{"error": <reason phrase>, "message", "code": <status>, "details": <machine
//! code>}`. A 429 is answered only where waiting helps, and always with `retryAt` in
//! the body and a `Retry-After` header (checked on every request by
//! `TestServer::post`); where waiting does not help the answer is 400 (start again),
//! 409 or 423. Codes come from an independent authenticator (totp-rs) and from the
//! outbox, never from mfa-core.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use mfa_core::account::Account;
use mfa_core::account::{LockState, MfaPolicy, ThrottlePolicy};
use mfa_server::{Clock as _, ManualClock};
use serde_json::{Value, json};
use support::{Phone, T0, TestServer, at, temp_db, verify_login};

/// Checks an error answer: the status, and the body's reason phrase, status number,
/// machine code and a non-empty message.
#[track_caller]
pub fn assert_error(answer: &(u16, Value), status: u16, details: &str) {
    let (got, body) = answer;
    assert_eq!(*got, status, "{body}");
    let reason = match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        423 => "Locked",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        other => panic!("no reason phrase for {other} in this test"),
    };
    assert_eq!(body["error"], reason, "{body}");
    assert_eq!(body["code"], status, "{body}");
    assert_eq!(body["details"], details, "{body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}

async fn start(name: &str) -> TestServer {
    TestServer::start(
        &temp_db(&format!("errors-{name}")).await,
        ManualClock::new(T0),
    )
    .await
}

/// A user with the authenticator enabled (confirmed at the current time step): the
/// session opened before enrolment, the phone and the backup codes.
async fn authenticator_user(server: &TestServer, name: &str) -> (String, Phone, Vec<String>) {
    let session = server.register_and_sign_in(name).await;
    let (phone, backup_codes) = server.enrol_authenticator(&session).await;
    (session, phone, backup_codes)
}

/// A user whose only method is email (one code sent, for the confirmation): the
/// session opened before enrolment and the address.
async fn email_user(server: &TestServer, name: &str) -> (String, String) {
    let session = server.register_and_sign_in(name).await;
    let address = format!("{name}@example.com");
    let (status, started) = server
        .post(
            "/identity/mfa/setup",
            Some(&session),
            json!({ "method": "email", "email": address }),
        )
        .await;
    assert_eq!(status, 200, "{started}");
    let (status, confirmed) = server
        .post(
            "/identity/mfa/setup/verify",
            Some(&session),
            json!({ "mfaToken": started["mfaToken"], "code": server.last_code_to(&address) }),
        )
        .await;
    assert_eq!(status, 200, "{confirmed}");
    assert_eq!(confirmed["mfaMethods"], json!(["email"]));
    (session, address)
}

/// The password step of a sign-in: the login `mfaToken`.
async fn login_token(server: &TestServer, name: &str) -> String {
    let pending = server.password_step(name).await;
    pending["mfaToken"].as_str().unwrap().to_owned()
}

async fn switch_login(server: &TestServer, token: &str, method: &str) -> (u16, Value) {
    server
        .post(
            "/identity/mfa/login/switch",
            None,
            json!({ "mfaToken": token, "method": method }),
        )
        .await
}

/// Six digits the authenticator accepts at no step of the window around `now`.
fn wrong_code(phone: &Phone, now: u64) -> String {
    let near = [now - 30, now, now + 30].map(|t| phone.code(t));
    (0..)
        .map(|n: u32| format!("{n:06}"))
        .find(|code| !near.contains(code))
        .unwrap()
}

// ---- sessions and the first factor ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_endpoints_refuse_a_missing_or_bogus_bearer_token_with_401_unauthorized() {
    let server = start("unauthorized").await;
    server.register_and_sign_in("ann").await;
    let endpoints = [
        ("/identity/mfa/setup", json!({ "method": "authenticator" })),
        ("/identity/mfa/disable", json!({})),
        ("/identity/mfa/backup-codes/regenerate", json!({})),
    ];
    for (path, body) in endpoints {
        for session in [None, Some("bogus"), Some(&"0".repeat(64)[..])] {
            let answer = server.post(path, session, body.clone()).await;
            assert_error(&answer, 401, "unauthorized");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_or_unknown_user_is_401_invalid_credentials() {
    let server = start("credentials").await;
    server.register_and_sign_in("ann").await;
    for (username, password) in [("ann", "wrong horse"), ("nobody", "correct horse")] {
        let answer = server
            .post(
                "/api/auth/login",
                None,
                json!({ "username": username, "password": password }),
            )
            .await;
        assert_error(&answer, 401, "invalid_credentials");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registering_a_taken_username_is_409_username_taken() {
    let server = start("taken").await;
    server.register_and_sign_in("ann").await;
    let answer = server
        .post(
            "/api/auth/register",
            None,
            json!({ "username": "ann", "password": "another password" }),
        )
        .await;
    assert_error(&answer, 409, "username_taken");
    // The same name in other case or width is the same name.
    for same in ["ANN", "Ａｎｎ"] {
        let answer = server
            .post(
                "/api/auth/register",
                None,
                json!({ "username": same, "password": "another password" }),
            )
            .await;
        assert_error(&answer, 409, "username_taken");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registering_a_refused_username_or_a_short_password_is_400() {
    let server = start("empty").await;
    let cases = [
        ("", "correct horse", "invalid_username"),
        ("   ", "correct horse", "invalid_username"),
        ("ann\u{0}", "correct horse", "invalid_username"),
        ("ann", "", "weak_password"),
        ("ann", "seven77", "weak_password"),
    ];
    for (username, password, details) in cases {
        let answer = server
            .post(
                "/api/auth/register",
                None,
                json!({ "username": username, "password": password }),
            )
            .await;
        assert_error(&answer, 400, details);
    }
}

// ---- setup ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_of_an_unknown_method_is_400_invalid_mfa_method() {
    let server = start("fax").await;
    let session = server.register_and_sign_in("ann").await;
    let answer = server
        .post(
            "/identity/mfa/setup",
            Some(&session),
            json!({ "method": "fax" }),
        )
        .await;
    assert_error(&answer, 400, "invalid_mfa_method");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_setup_without_an_address_is_400_bad_request() {
    let server = start("no-email").await;
    let session = server.register_and_sign_in("ann").await;
    let answer = server
        .post(
            "/identity/mfa/setup",
            Some(&session),
            json!({ "method": "email" }),
        )
        .await;
    assert_error(&answer, 400, "bad_request");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_setup_with_a_malformed_address_is_400_invalid_destination() {
    let server = start("bad-email").await;
    let session = server.register_and_sign_in("ann").await;
    let answer = server
        .post(
            "/identity/mfa/setup",
            Some(&session),
            json!({ "method": "email", "email": "not-an-address" }),
        )
        .await;
    assert_error(&answer, 400, "invalid_destination");
    assert_eq!(server.messages_to("not-an-address"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setting_up_the_enabled_authenticator_again_is_409_mfa_already_enabled() {
    let server = start("already").await;
    let (session, _phone, _codes) = authenticator_user(&server, "ann").await;
    let answer = server
        .post(
            "/identity/mfa/setup",
            Some(&session),
            json!({ "method": "authenticator" }),
        )
        .await;
    assert_error(&answer, 409, "mfa_already_enabled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confirming_a_second_method_without_the_step_up_is_403_step_up_required() {
    let server = start("step-up").await;
    let (session, phone, _codes) = authenticator_user(&server, "ann").await;
    let (status, started) = server
        .post(
            "/identity/mfa/setup",
            Some(&session),
            json!({ "method": "email", "email": "ann@example.com" }),
        )
        .await;
    assert_eq!(status, 200, "{started}");
    assert_eq!(started["stepUp"]["method"], "authenticator");
    server.clock.advance(30);
    let answer = server
        .post(
            "/identity/mfa/setup/verify",
            Some(&session),
            json!({ "mfaToken": started["mfaToken"], "code": phone.code(server.clock.now()) }),
        )
        .await;
    assert_error(&answer, 403, "step_up_required");
}

// ---- tokens ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_or_garbage_token_is_404_mfa_token_invalid() {
    let server = start("token-invalid").await;
    let unknown = format!("login_{}", "0123456789abcdef".repeat(2));
    for token in [unknown.as_str(), "garbage", "login_xyz", ""] {
        let answer = verify_login(&server, token, "123456").await;
        assert_error(&answer, 404, "mfa_token_invalid");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_users_disable_token_is_404_mfa_token_invalid() {
    let server = start("other-user").await;
    let (ann, _ann_phone, _) = authenticator_user(&server, "ann").await;
    let (bob, bob_phone, _) = authenticator_user(&server, "bob").await;
    let (status, pending) = server
        .post("/identity/mfa/disable", Some(&ann), json!({}))
        .await;
    assert_eq!(status, 200, "{pending}");
    server.clock.advance(30);
    let answer = server
        .post(
            "/identity/mfa/disable/verify",
            Some(&bob),
            json!({ "mfaToken": pending["mfaToken"], "code": bob_phone.code(server.clock.now()) }),
        )
        .await;
    assert_error(&answer, 404, "mfa_token_invalid");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_setup_or_disable_token_at_login_verify_is_400_mfa_wrong_purpose() {
    let server = start("purpose").await;
    let (session, phone, _codes) = authenticator_user(&server, "ann").await;
    let (status, setup) = server
        .post(
            "/identity/mfa/setup",
            Some(&session),
            json!({ "method": "email", "email": "ann@example.com" }),
        )
        .await;
    assert_eq!(status, 200, "{setup}");
    let (status, disable) = server
        .post("/identity/mfa/disable", Some(&session), json!({}))
        .await;
    assert_eq!(status, 200, "{disable}");
    server.clock.advance(30);
    for token in [&setup["mfaToken"], &disable["mfaToken"]] {
        let token = token.as_str().unwrap();
        let answer = verify_login(&server, token, &phone.code(server.clock.now())).await;
        assert_error(&answer, 400, "mfa_wrong_purpose");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_token_that_already_signed_in_is_400_mfa_token_consumed() {
    let server = start("consumed").await;
    let (_session, phone, _codes) = authenticator_user(&server, "ann").await;
    let token = login_token(&server, "ann").await;
    server.clock.advance(30);
    let code = phone.code(server.clock.now());
    let (status, signed_in) = verify_login(&server, &token, &code).await;
    assert_eq!(status, 200, "{signed_in}");
    let answer = verify_login(&server, &token, &code).await;
    assert_error(&answer, 400, "mfa_token_consumed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_token_past_its_lifetime_is_400_mfa_token_expired_until_replaced() {
    let server = start("expired").await;
    let (_session, phone, _codes) = authenticator_user(&server, "ann").await;
    let token = login_token(&server, "ann").await;
    server.clock.advance(600);
    let code = phone.code(server.clock.now());
    for _ in 0..2 {
        let answer = verify_login(&server, &token, &code).await;
        assert_error(&answer, 400, "mfa_token_expired");
    }
    // A new sign-in replaces the expired challenge: the old token now names nothing.
    login_token(&server, "ann").await;
    let answer = verify_login(&server, &token, &code).await;
    assert_error(&answer, 404, "mfa_token_invalid");
}

// ---- codes at sign-in ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_login_code_is_401_invalid_code() {
    let server = start("invalid-code").await;
    let (_session, phone, _codes) = authenticator_user(&server, "ann").await;
    let token = login_token(&server, "ann").await;
    let answer = verify_login(&server, &token, &wrong_code(&phone, server.clock.now())).await;
    assert_error(&answer, 401, "invalid_code");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_code_outside_sign_in_is_400_invalid_code() {
    let server = start("invalid-code-400").await;
    let (session, phone, _codes) = authenticator_user(&server, "ann").await;
    let (status, pending) = server
        .post(
            "/identity/mfa/backup-codes/regenerate",
            Some(&session),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{pending}");
    let answer = server
        .post(
            "/identity/mfa/backup-codes/regenerate/verify",
            Some(&session),
            json!({ "mfaToken": pending["mfaToken"], "code": wrong_code(&phone, server.clock.now()) }),
        )
        .await;
    assert_error(&answer, 400, "invalid_code");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_code_that_is_not_a_code_is_400_malformed() {
    let server = start("malformed").await;
    let (_session, _phone, _codes) = authenticator_user(&server, "ann").await;
    let token = login_token(&server, "ann").await;
    let answer = verify_login(&server, &token, "12ab").await;
    assert_error(&answer, 400, "malformed_code");
    // Sixteen characters are a backup code's shape, but not of its alphabet.
    let answer = verify_login(&server, &token, "!!!!-!!!!-!!!!-!!!!").await;
    assert_error(&answer, 400, "malformed_backup_code");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_code_that_confirmed_setup_is_401_code_reused_in_the_same_step() {
    let server = start("reused").await;
    let (_session, phone, _codes) = authenticator_user(&server, "ann").await;
    let token = login_token(&server, "ann").await;
    let answer = verify_login(&server, &token, &phone.code(server.clock.now())).await;
    assert_error(&answer, 401, "code_reused");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_used_backup_code_is_401_backup_code_used_at_login() {
    let server = start("backup-used").await;
    let (_session, _phone, codes) = authenticator_user(&server, "ann").await;
    let token = login_token(&server, "ann").await;
    let (status, signed_in) = verify_login(&server, &token, &codes[0]).await;
    assert_eq!(status, 200, "{signed_in}");
    assert_eq!(signed_in["method"], "backup_code");
    let token = login_token(&server, "ann").await;
    let answer = verify_login(&server, &token, &codes[0]).await;
    assert_error(&answer, 401, "backup_code_used");
}

// ---- throttling ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_three_free_failures_the_next_attempt_is_429_with_retry_at() {
    let server = start("throttle").await;
    let (_session, phone, _codes) = authenticator_user(&server, "ann").await;
    let token = login_token(&server, "ann").await;
    let wrong = wrong_code(&phone, server.clock.now());
    // Three free failures, and a fourth that starts a 30 s delay.
    for _ in 0..4 {
        let answer = verify_login(&server, &token, &wrong).await;
        assert_error(&answer, 401, "invalid_code");
    }
    // During the delay even the right code (of a fresh step) is not looked at.
    server.clock.advance(20);
    let right = phone.code(server.clock.now());
    let answer = verify_login(&server, &token, &right).await;
    assert_error(&answer, 429, "too_many_attempts");
    assert_eq!(answer.1["retryAt"], at(T0 + 30), "{}", answer.1);
    // At retryAt it is.
    server.clock.advance(10);
    let (status, signed_in) = verify_login(&server, &token, &right).await;
    assert_eq!(status, 200, "{signed_in}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_challenge_after_five_wrong_codes_is_400_attempts_exhausted_and_a_new_one_works() {
    let server = start("dead-challenge").await;
    let (_session, phone, _codes) = authenticator_user(&server, "ann").await;
    let token = login_token(&server, "ann").await;
    for _ in 0..4 {
        let answer = verify_login(&server, &token, &wrong_code(&phone, server.clock.now())).await;
        assert_error(&answer, 401, "invalid_code");
    }
    server.clock.advance(30); // the delay after the fourth failure
    let answer = verify_login(&server, &token, &wrong_code(&phone, server.clock.now())).await;
    assert_error(&answer, 401, "invalid_code");
    server.clock.advance(60); // the delay after the fifth
    let right = phone.code(server.clock.now());
    let answer = verify_login(&server, &token, &right).await;
    // Waiting does not help this challenge: no 429, no retryAt.
    assert_error(&answer, 400, "attempts_exhausted");
    assert!(answer.1.get("retryAt").is_none(), "{}", answer.1);
    // A new sign-in does.
    let token = login_token(&server, "ann").await;
    let (status, signed_in) = verify_login(&server, &token, &right).await;
    assert_eq!(status, 200, "{signed_in}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn during_a_lockout_the_password_step_is_429_too_many_attempts() {
    let server = start("lockout").await;
    let (session, phone, _codes) = authenticator_user(&server, "ann").await;
    // Ten failures lock the account; 900 s apart (the longest delay), each on a
    // fresh challenge so that none expires or runs out of attempts.
    for _ in 0..10 {
        server.clock.advance(900);
        let token = login_token(&server, "ann").await;
        let answer = verify_login(&server, &token, &wrong_code(&phone, server.clock.now())).await;
        assert_error(&answer, 401, "invalid_code");
    }
    let locked_until = server.clock.now() + 3_600;
    let answer = server
        .post(
            "/api/auth/login",
            None,
            json!({ "username": "ann", "password": "correct horse" }),
        )
        .await;
    assert_error(&answer, 429, "too_many_attempts");
    assert_eq!(answer.1["retryAt"], at(locked_until), "{}", answer.1);
    let answer = server
        .post("/identity/mfa/disable", Some(&session), json!({}))
        .await;
    assert_error(&answer, 429, "too_many_attempts");
    assert_eq!(answer.1["retryAt"], at(locked_until), "{}", answer.1);
}

// ---- disable and regenerate ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disable_or_regenerate_without_mfa_is_400_mfa_not_enabled() {
    let server = start("not-enabled").await;
    let session = server.register_and_sign_in("ann").await;
    for path in [
        "/identity/mfa/disable",
        "/identity/mfa/backup-codes/regenerate",
    ] {
        let answer = server.post(path, Some(&session), json!({})).await;
        assert_error(&answer, 400, "mfa_not_enabled");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabling_a_method_that_is_not_enabled_is_refused() {
    let server = start("disable-method").await;
    let (session, _phone, _codes) = authenticator_user(&server, "ann").await;
    let answer = server
        .post(
            "/identity/mfa/disable",
            Some(&session),
            json!({ "method": "email" }),
        )
        .await;
    assert_error(&answer, 400, "mfa_method_not_enabled");
    let answer = server
        .post(
            "/identity/mfa/disable",
            Some(&session),
            json!({ "method": "fax" }),
        )
        .await;
    assert_error(&answer, 400, "invalid_mfa_method");
}

// ---- switching and resending ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switching_a_login_to_a_method_that_is_not_enabled_is_refused() {
    let server = start("switch").await;
    authenticator_user(&server, "ann").await;
    email_user(&server, "bob").await;
    let answer = switch_login(&server, &login_token(&server, "ann").await, "email").await;
    assert_error(&answer, 400, "mfa_method_not_enabled");
    let answer = switch_login(&server, &login_token(&server, "bob").await, "authenticator").await;
    assert_error(&answer, 400, "authenticator_not_configured");
    let answer = switch_login(&server, &login_token(&server, "ann").await, "fax").await;
    assert_error(&answer, 400, "invalid_mfa_method");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resending_an_authenticator_challenge_is_400_resend_only_for_oob() {
    let server = start("resend-totp").await;
    authenticator_user(&server, "ann").await;
    let token = login_token(&server, "ann").await;
    let answer = server
        .post("/identity/mfa/resend", None, json!({ "mfaToken": token }))
        .await;
    assert_error(&answer, 400, "resend_only_for_oob");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resending_an_email_code_within_a_minute_is_429_resend_cooldown() {
    let server = start("cooldown").await;
    let (_session, address) = email_user(&server, "ann").await;
    let token = login_token(&server, "ann").await;
    let sent = server.messages_to(&address);
    let resend = || server.post("/identity/mfa/resend", None, json!({ "mfaToken": token }));
    for wait in [0, 59] {
        server.clock.advance(wait);
        let answer = resend().await;
        assert_error(&answer, 429, "resend_cooldown");
        assert_eq!(answer.1["retryAt"], at(T0 + 60), "{}", answer.1);
        assert!(answer.1.get("retryAfter").is_none(), "{}", answer.1);
    }
    assert_eq!(server.messages_to(&address), sent);
    server.clock.advance(1);
    let (status, body) = resend().await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(server.messages_to(&address), sent + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fourth_resend_is_400_max_resend_limit() {
    let server = start("max-resend").await;
    let (_session, address) = email_user(&server, "ann").await;
    let token = login_token(&server, "ann").await;
    let resend = || server.post("/identity/mfa/resend", None, json!({ "mfaToken": token }));
    for _ in 0..3 {
        server.clock.advance(60);
        let (status, body) = resend().await;
        assert_eq!(status, 200, "{body}");
    }
    server.clock.advance(60);
    // Waiting does not help: no 429, no retryAt.
    let answer = resend().await;
    assert_error(&answer, 400, "max_resend_limit");
    assert!(answer.1.get("retryAt").is_none(), "{}", answer.1);
    // The last code sent still signs in.
    let (status, signed_in) = verify_login(&server, &token, &server.last_code_to(&address)).await;
    assert_eq!(status, 200, "{signed_in}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_eleventh_code_in_an_hour_is_withheld_and_resending_it_is_429_too_many_codes_sent() {
    let server = start("codes-sent").await;
    let (session, address) = email_user(&server, "ann").await;
    // The confirmation was the first code of the hour; nine sign-ins send the rest.
    for _ in 0..9 {
        server.clock.advance(10);
        login_token(&server, "ann").await;
    }
    assert_eq!(server.messages_to(&address), 10);
    server.clock.advance(10);
    // The sign-in begins all the same, saying why no code came.
    let pending = server.password_step("ann").await;
    let withheld = json!({ "reason": "send_limit", "retryAt": at(T0 + 3_600) });
    assert_eq!(pending["deliveryWithheld"], withheld, "{pending}");
    assert_eq!(pending["backupCodesAccepted"], true, "{pending}");
    assert_eq!(server.messages_to(&address), 10);
    let token = pending["mfaToken"].as_str().unwrap();
    // No code to check: not a failure, and waiting alone does not help.
    let answer = verify_login(&server, token, "123456").await;
    assert_error(&answer, 400, "no_code_sent");
    // Asking for it waits for the budget.
    let answer = server
        .post("/identity/mfa/resend", None, json!({ "mfaToken": token }))
        .await;
    assert_error(&answer, 429, "too_many_codes_sent");
    assert_eq!(answer.1["retryAt"], at(T0 + 3_600), "{}", answer.1);
    assert_eq!(server.messages_to(&address), 10);
    // Every other prompt on the default method says so too.
    for path in [
        "/identity/mfa/disable",
        "/identity/mfa/backup-codes/regenerate",
    ] {
        let (status, pending) = server.post(path, Some(&session), json!({})).await;
        assert_eq!(status, 200, "{pending}");
        assert_eq!(pending["deliveryWithheld"], withheld, "{path}: {pending}");
    }
    let (status, setup) = server
        .post(
            "/identity/mfa/setup",
            Some(&session),
            json!({ "method": "authenticator" }),
        )
        .await;
    assert_eq!(status, 200, "{setup}");
    assert_eq!(setup["stepUp"]["method"], "email", "{setup}");
    assert_eq!(setup["stepUp"]["deliveryWithheld"], withheld, "{setup}");
    assert_eq!(server.messages_to(&address), 10);
    // After the hour, a sign-in sends its code again, and it works.
    server.clock.advance(T0 + 3_600 - server.clock.now());
    let pending = server.password_step("ann").await;
    assert!(pending.get("deliveryWithheld").is_none(), "{pending}");
    let token = pending["mfaToken"].as_str().unwrap();
    let (status, signed_in) = verify_login(&server, token, &server.last_code_to(&address)).await;
    assert_eq!(status, 200, "{signed_in}");
}

/// The code the user received with its last digit changed: a wrong code.
fn not(code: &str) -> String {
    let (head, last) = code.split_at(code.len() - 1);
    let last = if last == "0" { "1" } else { "0" };
    format!("{head}{last}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in_during_a_delay_withholds_the_email_code_until_retry_at() {
    let server = start("withheld-throttled").await;
    let (_session, address) = email_user(&server, "ann").await;
    let token = login_token(&server, "ann").await;
    let wrong = not(&server.last_code_to(&address));
    // Three free failures, and a fourth that starts a 30 s delay.
    for _ in 0..4 {
        let answer = verify_login(&server, &token, &wrong).await;
        assert_error(&answer, 401, "invalid_code");
    }
    let sent = server.messages_to(&address);
    server.clock.advance(10);
    // A new sign-in begins, but its code is not sent during the delay.
    let pending = server.password_step("ann").await;
    assert_eq!(
        pending["deliveryWithheld"],
        json!({ "reason": "throttled", "retryAt": at(T0 + 30) }),
        "{pending}"
    );
    assert_eq!(server.messages_to(&address), sent);
    let token = pending["mfaToken"].as_str().unwrap();
    let resend = || server.post("/identity/mfa/resend", None, json!({ "mfaToken": token }));
    let answer = resend().await;
    assert_error(&answer, 429, "too_many_attempts");
    assert_eq!(answer.1["retryAt"], at(T0 + 30), "{}", answer.1);
    // At retryAt the resend sends the sign-in's first code, and it signs in.
    server.clock.advance(20);
    let (status, body) = resend().await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(server.messages_to(&address), sent + 1);
    let (status, signed_in) = verify_login(&server, token, &server.last_code_to(&address)).await;
    assert_eq!(status, 200, "{signed_in}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_429_carries_retry_at_and_a_retry_after_header_in_seconds_from_now() {
    let server = start("every-429").await;
    let (_session, address) = email_user(&server, "ann").await;
    let token = login_token(&server, "ann").await;
    let post = |path: &'static str, body: Value| server.post_with_retry_after(path, None, body);
    let resend = json!({ "mfaToken": token });

    // resend_cooldown: the login code went out at T0.
    server.clock.advance(15);
    let (status, retry_after, body) = post("/identity/mfa/resend", resend.clone()).await;
    assert_eq!(
        (status, body["details"].as_str()),
        (429, Some("resend_cooldown"))
    );
    assert_eq!(body["retryAt"], at(T0 + 60), "{body}");
    assert_eq!(retry_after, Some(45));

    // too_many_attempts: four wrong codes start a 30 s delay.
    let wrong = not(&server.last_code_to(&address));
    for _ in 0..4 {
        let answer = verify_login(&server, &token, &wrong).await;
        assert_error(&answer, 401, "invalid_code");
    }
    let delay_ends = server.clock.now() + 30;
    server.clock.advance(29);
    let verify = json!({ "mfaToken": token, "code": wrong });
    let (status, retry_after, body) = post("/identity/mfa/login/verify", verify).await;
    assert_eq!(
        (status, body["details"].as_str()),
        (429, Some("too_many_attempts"))
    );
    assert_eq!(body["retryAt"], at(delay_ends), "{body}");
    assert_eq!(retry_after, Some(1));

    // too_many_codes_sent: spend the hour's budget on sign-ins (the confirmation and
    // the first sign-in were two of its ten codes).
    server.clock.advance(1);
    for _ in 0..8 {
        server.clock.advance(10);
        let pending = server.password_step("ann").await;
        assert!(pending.get("deliveryWithheld").is_none(), "{pending}");
    }
    let token = login_token(&server, "ann").await;
    server.clock.advance(100);
    let budget_back = T0 + 3_600;
    let (status, retry_after, body) =
        post("/identity/mfa/resend", json!({ "mfaToken": token })).await;
    assert_eq!(
        (status, body["details"].as_str()),
        (429, Some("too_many_codes_sent"))
    );
    assert_eq!(body["retryAt"], at(budget_back), "{body}");
    assert_eq!(retry_after, Some(budget_back - server.clock.now()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hard_locked_account_answers_423_mfa_locked_until_unlocked() {
    let throttle = ThrottlePolicy::DEFAULT.with_max_failures(3).unwrap();
    let policy = MfaPolicy::default()
        .with_issuer("mfa-server")
        .with_throttle(throttle);
    let server = TestServer::start_with_policy(
        &temp_db("errors-hard-lock").await,
        ManualClock::new(T0),
        policy,
    )
    .await;
    let (session, phone, codes) = authenticator_user(&server, "ann").await;
    let token = login_token(&server, "ann").await;
    // The third consecutive failure hard-locks the second factor.
    for _ in 0..3 {
        let answer = verify_login(&server, &token, &wrong_code(&phone, server.clock.now())).await;
        assert_error(&answer, 401, "invalid_code");
    }
    async fn lock_state(server: &TestServer) -> LockState {
        let account: Account = serde_json::from_str(&server.stored(1).await).unwrap();
        server.state.mfa.lock_state(&account, server.clock.now())
    }
    assert_eq!(lock_state(&server).await, LockState::HardLocked);

    // No code is looked at, not even the right one or a backup code, and nothing
    // says when: waiting does not help.
    server.clock.advance(30);
    let right = phone.code(server.clock.now());
    for code in [&right, &codes[0]] {
        let verify = json!({ "mfaToken": token, "code": code });
        let (status, retry_after, body) = server
            .post_with_retry_after("/identity/mfa/login/verify", None, verify)
            .await;
        assert_error(&(status, body.clone()), 423, "mfa_locked");
        assert!(body.get("retryAt").is_none(), "{body}");
        assert_eq!(retry_after, None);
    }
    // A day later, nothing begins either.
    server.clock.advance(86_400);
    let right = phone.code(server.clock.now());
    let locked = [
        (
            "/api/auth/login",
            None,
            json!({ "username": "ann", "password": "correct horse" }),
        ),
        ("/identity/mfa/disable", Some(session.as_str()), json!({})),
        (
            "/identity/mfa/backup-codes/regenerate",
            Some(session.as_str()),
            json!({}),
        ),
        (
            "/identity/mfa/setup",
            Some(session.as_str()),
            json!({ "method": "email", "email": "ann@example.com" }),
        ),
    ];
    for (path, session, body) in locked {
        let (status, retry_after, body) = server.post_with_retry_after(path, session, body).await;
        assert_error(&(status, body.clone()), 423, "mfa_locked");
        assert!(body.get("retryAt").is_none(), "{path}: {body}");
        assert_eq!(retry_after, None, "{path}");
    }

    // A privileged unlock (the support desk) restores the user's factors.
    let support_desk = mfa_server::flow::Actor::SigningIn(1);
    let outcome = mfa_server::flow::run(&server.state, support_desk, |account, now| {
        server.state.mfa.unlock(account, now)
    })
    .await
    .unwrap();
    assert_eq!(outcome.result, Ok(3));
    assert!(
        outcome
            .events
            .iter()
            .any(|e| matches!(e, mfa_core::account::Event::Unlocked { failures: 3 })),
        "{:?}",
        outcome.events
    );
    assert_eq!(lock_state(&server).await, LockState::Open);
    let token = login_token(&server, "ann").await;
    let (status, signed_in) = verify_login(&server, &token, &right).await;
    assert_eq!(status, 200, "{signed_in}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_step_up_with_the_same_token_is_409_step_up_complete() {
    let server = start("step-up-complete").await;
    let (session, phone, _codes) = authenticator_user(&server, "ann").await;
    let (status, started) = server
        .post(
            "/identity/mfa/setup",
            Some(&session),
            json!({ "method": "email", "email": "ann@example.com" }),
        )
        .await;
    assert_eq!(status, 200, "{started}");
    server.clock.advance(30);
    let step_up =
        json!({ "mfaToken": started["mfaToken"], "code": phone.code(server.clock.now()) });
    let (status, material) = server
        .post(
            "/identity/mfa/setup/step-up",
            Some(&session),
            step_up.clone(),
        )
        .await;
    assert_eq!(status, 200, "{material}");
    let answer = server
        .post("/identity/mfa/setup/step-up", Some(&session), step_up)
        .await;
    assert_error(&answer, 409, "step_up_complete");
    // The token goes on to the confirmation.
    let (status, confirmed) = server
        .post(
            "/identity/mfa/setup/verify",
            Some(&session),
            json!({ "mfaToken": started["mfaToken"], "code": server.last_code_to("ann@example.com") }),
        )
        .await;
    assert_eq!(status, 200, "{confirmed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resend_cooldown_sets_the_retry_after_header() {
    let server = start("retry-after").await;
    let _ = email_user(&server, "ann").await;
    let token = login_token(&server, "ann").await;
    let response = server
        .client
        .post(format!("{}/identity/mfa/resend", server.base))
        .json(&json!({ "mfaToken": token }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 429);
    assert_eq!(response.headers()["retry-after"], "60");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_is_missing_a_field_is_400_and_one_that_is_not_json_is_415() {
    let server = start("bodies").await;
    let answer = server
        .post(
            "/identity/mfa/login/verify",
            None,
            json!({ "mfaToken": "login_00" }),
        )
        .await;
    assert_error(&answer, 400, "bad_request");
    let answer = server
        .post("/api/auth/register", None, json!({ "username": "ann" }))
        .await;
    assert_error(&answer, 400, "bad_request");
    let response = server
        .client
        .post(format!("{}/api/auth/login", server.base))
        .body("username=ann")
        .send()
        .await
        .unwrap();
    let answer = (
        response.status().as_u16(),
        response.json::<Value>().await.unwrap(),
    );
    assert_error(&answer, 415, "unsupported_media_type");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bearer_scheme_is_case_insensitive() {
    let server = start("bearer-case").await;
    let session = server.register_and_sign_in("ann").await;
    let response = server
        .client
        .post(format!("{}/identity/mfa/setup", server.base))
        .header("authorization", format!("bearer {session}"))
        .json(&json!({ "method": "authenticator" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
}

/// A row edited in the database into something the library never writes (here, a
/// default method that is not enabled) is refused as corrupt: 500 with mfa-core's
/// `corrupt_record`, and the row is left as it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edited_record_is_500_corrupt_record_and_stays_as_it_was() {
    let server = start("corrupt-record").await;
    let (_session, _phone, _codes) = authenticator_user(&server, "ann").await;
    let user = server.user("ann").await;
    let account = server.account("ann").await;
    let mut edited = serde_json::to_value(&account).unwrap();
    edited["default"] = json!("sms");
    let edited = edited.to_string();
    let version = account.version();
    server.overwrite(user, version, &edited).await;
    let answer = server
        .post(
            "/api/auth/login",
            None,
            json!({"username": "ann", "password": "correct horse"}),
        )
        .await;
    assert_error(&answer, 500, "corrupt_record");
    let stored = server.stored(user).await;
    assert_eq!(stored, edited, "nothing was written over the row");
}
