//! The whole story over HTTP, as a client sees it: enrol an authenticator, sign in
//! with it, add email behind a step-up, switch a sign-in to email and ask for a new
//! code, sign in with a backup code, turn MFA off. Codes come from an independent
//! authenticator (totp-rs) and from the outbox, never from mfa-core.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use mfa_server::{Clock as _, ManualClock};
use serde_json::json;
use support::{T0, TestServer, temp_db};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enrol_sign_in_switch_resend_backup_code_disable() {
    let server = TestServer::start(&temp_db("story").await, ManualClock::new(T0)).await;
    let session = server.register_and_sign_in("jane").await;

    // Enrolment: the first method returns ten backup codes, shown once.
    let (phone, backup_codes) = server.enrol_authenticator(&session).await;
    assert_eq!(backup_codes.len(), 10);

    // Sign-in: password, then the app's code (a later time step: each step once).
    server.clock.advance(30);
    let pending = server.password_step("jane").await;
    assert_eq!(pending["method"], "authenticator");
    assert_eq!(pending["methods"], json!(["authenticator"]));
    let (status, signed_in) = server
        .post(
            "/identity/mfa/login/verify",
            None,
            json!({ "mfaToken": pending["mfaToken"], "code": phone.code(server.clock.now()) }),
        )
        .await;
    assert_eq!(status, 200, "{signed_in}");
    assert_eq!(signed_in["method"], "authenticator");
    let session = signed_in["token"].as_str().unwrap().to_owned();

    // Adding email needs a fresh code of the enabled method first (step-up).
    let (status, started) = server
        .post(
            "/identity/mfa/setup",
            Some(&session),
            json!({ "method": "email", "email": "jane@example.com" }),
        )
        .await;
    assert_eq!(status, 200, "{started}");
    assert_eq!(started["stepUp"]["method"], "authenticator");
    assert_eq!(server.messages_to("jane@example.com"), 0);
    server.clock.advance(30);
    let (status, material) = server
        .post(
            "/identity/mfa/setup/step-up",
            Some(&session),
            json!({ "mfaToken": started["mfaToken"], "code": phone.code(server.clock.now()) }),
        )
        .await;
    assert_eq!(status, 200, "{material}");
    assert_eq!(material["hint"], "j•••@example.com");
    let (status, enabled) = server
        .post(
            "/identity/mfa/setup/verify",
            Some(&session),
            json!({
                "mfaToken": started["mfaToken"],
                "code": server.last_code_to("jane@example.com"),
            }),
        )
        .await;
    assert_eq!(status, 200, "{enabled}");
    assert_eq!(enabled["method"], "email");
    assert_eq!(enabled["mfaMethods"], json!(["authenticator", "email"]));
    assert!(
        enabled.get("backup_codes").is_none(),
        "codes come with the first method only"
    );

    // Sign-in switched to email, then a resend after the cooldown: only the newest
    // code is sent last, and it signs in.
    let pending = server.password_step("jane").await;
    let (status, switched) = server
        .post(
            "/identity/mfa/login/switch",
            None,
            json!({ "mfaToken": pending["mfaToken"], "method": "email" }),
        )
        .await;
    assert_eq!(status, 200, "{switched}");
    assert_eq!(switched["method"], "email");
    assert_eq!(switched["hint"], "j•••@example.com");
    let first = server.last_code_to("jane@example.com");
    server.clock.advance(61);
    let (status, resent) = server
        .post(
            "/identity/mfa/resend",
            None,
            json!({ "mfaToken": pending["mfaToken"] }),
        )
        .await;
    assert_eq!(status, 200, "{resent}");
    let second = server.last_code_to("jane@example.com");
    assert_eq!(server.messages_to("jane@example.com"), 3);
    let (status, signed_in) = server
        .post(
            "/identity/mfa/login/verify",
            None,
            json!({ "mfaToken": pending["mfaToken"], "code": second }),
        )
        .await;
    assert_eq!(status, 200, "{signed_in}");
    assert_eq!(signed_in["method"], "email");
    let _ = first;

    // A backup code signs in once, and reports how many remain.
    let pending = server.password_step("jane").await;
    let (status, signed_in) = server
        .post(
            "/identity/mfa/login/verify",
            None,
            json!({ "mfaToken": pending["mfaToken"], "code": backup_codes[0] }),
        )
        .await;
    assert_eq!(status, 200, "{signed_in}");
    assert_eq!(signed_in["backupCodesRemaining"], 9);

    // Turning everything off asks for the default method's code, then wipes MFA.
    let session = signed_in["token"].as_str().unwrap().to_owned();
    let (status, pending) = server
        .post(
            "/identity/mfa/disable",
            Some(&session),
            json!({ "method": "all" }),
        )
        .await;
    assert_eq!(status, 200, "{pending}");
    assert_eq!(pending["method"], "authenticator");
    server.clock.advance(30);
    let (status, disabled) = server
        .post(
            "/identity/mfa/disable/verify",
            Some(&session),
            json!({ "mfaToken": pending["mfaToken"], "code": phone.code(server.clock.now()) }),
        )
        .await;
    assert_eq!(status, 200, "{disabled}");
    assert_eq!(disabled["mfaMethods"], json!([]));
    assert_eq!(disabled["disabled"], json!(["authenticator", "email"]));

    // With MFA off, the password is the whole sign-in again.
    let (status, body) = server
        .post(
            "/api/auth/login",
            None,
            json!({ "username": "jane", "password": "correct horse" }),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "signed_in");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_codes_regenerate_behind_a_code_and_retire_the_old_set() {
    let server = TestServer::start(&temp_db("regenerate").await, ManualClock::new(T0)).await;
    let session = server.register_and_sign_in("ada").await;
    let (phone, old_codes) = server.enrol_authenticator(&session).await;

    let (status, pending) = server
        .post(
            "/identity/mfa/backup-codes/regenerate",
            Some(&session),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{pending}");
    server.clock.advance(30);
    let (status, fresh) = server
        .post(
            "/identity/mfa/backup-codes/regenerate/verify",
            Some(&session),
            json!({ "mfaToken": pending["mfaToken"], "code": phone.code(server.clock.now()) }),
        )
        .await;
    assert_eq!(status, 200, "{fresh}");
    let fresh: Vec<String> = fresh["backup_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fresh.len(), 10);

    let pending = server.password_step("ada").await;
    let (status, refused) = server
        .post(
            "/identity/mfa/login/verify",
            None,
            json!({ "mfaToken": pending["mfaToken"], "code": old_codes[0] }),
        )
        .await;
    assert_eq!(status, 401, "an old code must be dead: {refused}");
    let (status, signed_in) = server
        .post(
            "/identity/mfa/login/verify",
            None,
            json!({ "mfaToken": pending["mfaToken"], "code": fresh[0] }),
        )
        .await;
    assert_eq!(status, 200, "{signed_in}");
    assert_eq!(signed_in["backupCodesRemaining"], 9);
    server.stop().await;
}
