//! The endpoints users expect around the flows: MFA status (methods, default
//! method, backup codes left, lock state) and choosing the default method.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use mfa_server::ManualClock;
use serde_json::{Value, json};
use support::{T0, TestServer, at, temp_db};

async fn status(server: &TestServer, session: &str) -> Value {
    let (code, body) = server.status(session).await;
    assert_eq!(code, 200, "{body}");
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_shows_methods_default_backup_codes_and_the_default_can_change() {
    let server = TestServer::start(&temp_db("status").await, ManualClock::new(T0)).await;
    let session = server.register_and_sign_in("ann").await;
    assert_eq!(
        status(&server, &session).await,
        json!({
            "mfaEnabled": false,
            "mfaMethods": [],
            "methods": [],
            "defaultMethod": null,
            "backupCodesRemaining": null,
            "lock": { "state": "open" },
        })
    );
    let (phone, _codes) = server.enrol_authenticator(&session).await;
    let shown = status(&server, &session).await;
    assert_eq!(shown["mfaEnabled"], true);
    assert_eq!(shown["defaultMethod"], "authenticator");
    assert_eq!(shown["backupCodesRemaining"], 10);
    assert_eq!(
        shown["methods"],
        json!([{ "method": "authenticator", "enabledAt": at(T0) }])
    );

    // Email next, behind a step-up with the app.
    server.clock.advance(30);
    let (_, started) = server
        .post(
            "/identity/mfa/setup",
            Some(&session),
            json!({ "method": "email", "email": "ann@example.com" }),
        )
        .await;
    let (status_code, _) = server
        .post(
            "/identity/mfa/setup/step-up",
            Some(&session),
            json!({ "mfaToken": started["mfaToken"], "code": phone.code(T0 + 30) }),
        )
        .await;
    assert_eq!(status_code, 200);
    let code = server.last_code_to("ann@example.com");
    let (status_code, _) = server
        .post(
            "/identity/mfa/setup/verify",
            Some(&session),
            json!({ "mfaToken": started["mfaToken"], "code": code }),
        )
        .await;
    assert_eq!(status_code, 200);

    let (status_code, answer) = server
        .post(
            "/identity/mfa/default-method",
            Some(&session),
            json!({ "method": "email" }),
        )
        .await;
    assert_eq!(status_code, 200, "{answer}");
    assert_eq!(
        answer,
        json!({ "defaultMethod": "email", "mfaMethods": ["authenticator", "email"] })
    );
    assert_eq!(status(&server, &session).await["defaultMethod"], "email");
    let pending = server.password_step("ann").await;
    assert_eq!(
        pending["method"], "email",
        "sign-in asks for the default first"
    );

    for (method, details) in [
        ("sms", "mfa_method_not_enabled"),
        ("fax", "invalid_mfa_method"),
    ] {
        let (status_code, answer) = server
            .post(
                "/identity/mfa/default-method",
                Some(&session),
                json!({ "method": method }),
            )
            .await;
        assert_eq!(
            (status_code, answer["details"].as_str()),
            (400, Some(details)),
            "{answer}"
        );
    }
    let (status_code, _) = server
        .post(
            "/identity/mfa/default-method",
            None,
            json!({ "method": "email" }),
        )
        .await;
    assert_eq!(status_code, 401);
}
