//! Many clients send the same valid code for the same sign-in at once. The record's
//! compare-and-swap on `version` lets exactly one of them through; the others see
//! the challenge already used, and the stored record stays consistent.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use mfa_core::account::Account;
use mfa_server::{Clock as _, ManualClock};
use serde_json::json;
use support::{T0, TestServer, temp_db};

const CLIENTS: usize = 32;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_code_sent_by_many_clients_at_once_signs_in_exactly_once() {
    let server = TestServer::start(&temp_db("race").await, ManualClock::new(T0)).await;
    let session = server.register_and_sign_in("eve").await;
    let (phone, _) = server.enrol_authenticator(&session).await;
    server.clock.advance(30);
    let pending = server.password_step("eve").await;
    let code = phone.code(server.clock.now());

    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(CLIENTS));
    let mut clients = Vec::new();
    for _ in 0..CLIENTS {
        let (client, base, barrier) = (
            server.client.clone(),
            server.base.clone(),
            std::sync::Arc::clone(&barrier),
        );
        let body = json!({ "mfaToken": pending["mfaToken"], "code": code });
        clients.push(tokio::spawn(async move {
            barrier.wait().await;
            let response = client
                .post(format!("{base}/identity/mfa/login/verify"))
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let body: serde_json::Value = response.json().await.unwrap();
            (status, body["details"].as_str().unwrap_or("").to_owned())
        }));
    }
    let mut answers = Vec::new();
    for client in clients {
        answers.push(client.await.unwrap());
    }

    let successes = answers.iter().filter(|(status, _)| *status == 200).count();
    assert_eq!(successes, 1, "{answers:?}");
    for (status, details) in answers.iter().filter(|(status, _)| *status != 200) {
        assert!(
            matches!(
                (*status, details.as_str()),
                (400, "mfa_token_consumed") | (404, "mfa_token_invalid") | (401, "code_reused")
            ),
            "a losing client must be told the sign-in is spent, got {status} {details}"
        );
    }

    // The stored record decodes, its version is the row's, no failure was counted
    // for the losers of the race, and the next time step signs in normally.
    let json = server.stored(1).await;
    let account: Account = serde_json::from_str(&json).unwrap();
    assert_eq!(account.failures(), 0, "losing a race is not a wrong guess");
    server.clock.advance(30);
    let pending = server.password_step("eve").await;
    let (status, body) = server
        .post(
            "/identity/mfa/login/verify",
            None,
            json!({ "mfaToken": pending["mfaToken"], "code": phone.code(server.clock.now()) }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    server.stop().await;
}
