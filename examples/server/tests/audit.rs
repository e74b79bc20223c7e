//! Every event mfa-core returns lands in the audit table, in the transaction that
//! stored the change, and reaches the notifier: a new method, a used backup code, a
//! lockout. Sign-ins and sign-outs are recorded too.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use mfa_server::{Clock as _, ManualClock};
use serde_json::json;
use support::{T0, TestServer, secs, temp_db, verify_login};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enrolment_backup_codes_and_lockouts_are_audited_and_told_to_the_user() {
    let server = TestServer::start(&temp_db("audit").await, ManualClock::new(T0)).await;
    let session = server.register_and_sign_in("ann").await;
    let (phone, codes) = server.enrol_authenticator(&session).await;
    let user = server.user("ann").await;
    assert_eq!(
        server.audit_kinds("ann").await,
        ["signed_in", "method_enabled", "backup_codes_issued"]
    );

    server.clock.advance(30);
    let pending = server.password_step("ann").await;
    let (status, body) = verify_login(&server, &pending["mfaToken"], &codes[0]).await;
    assert_eq!(status, 200, "{body}");
    // A used code again, then wrong codes until the lockout.
    let mut token = server.password_step("ann").await["mfaToken"].clone();
    let (status, _) = verify_login(&server, &token, &codes[0]).await;
    assert_eq!(status, 401);
    for _ in 0..100 {
        let right = phone.code(server.clock.now()).parse::<u32>().unwrap();
        let wrong = format!("{:06}", (right + 1) % 1_000_000);
        let (status, body) = verify_login(&server, &token, &wrong).await;
        match status {
            429 => server
                .clock
                .advance(secs(&body["retryAt"]) - server.clock.now()),
            // The challenge used its attempts: a new sign-in, the count goes on.
            400 => token = server.password_step("ann").await["mfaToken"].clone(),
            _ => {}
        }
        if server
            .audit_kinds("ann")
            .await
            .contains(&"lockout_started".to_owned())
        {
            break;
        }
    }
    let kinds = server.audit_kinds("ann").await;
    for kind in ["backup_code_used", "backup_code_reused", "lockout_started"] {
        assert!(kinds.contains(&kind.to_owned()), "{kind} in {kinds:?}");
    }
    // The user hears about every event mfa-core returned, in the same order.
    let told = server.notified.kinds(user);
    let from_library: Vec<String> = kinds
        .into_iter()
        .filter(|k| k != "signed_in" && k != "signed_out")
        .collect();
    assert_eq!(told, from_library);

    // Details name what happened, never a secret.
    let trail = server.state.store.audit_trail(user).await.unwrap();
    let used = trail.iter().find(|e| e.kind == "backup_code_used").unwrap();
    let details: serde_json::Value = serde_json::from_str(&used.details).unwrap();
    assert_eq!(details, json!({ "remaining": 9, "runningLow": false }));
    for entry in &trail {
        for code in &codes {
            assert!(!entry.details.contains(code.as_str()), "{entry:?}");
        }
    }
}
