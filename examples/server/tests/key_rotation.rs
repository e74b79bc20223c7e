//! Rotating the server key across restarts, with users in the middle of their flows:
//! the server restarts on the same SQLite file under a new ring (`MFA_SERVER_KEYS`
//! in production), and every code hashed under a key still in the ring keeps
//! working. A code hashed under a key dropped from the ring is a 500
//! `server_key_mismatch`, never a wrong code: nothing is counted or spent.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use mfa_core::{ServerKey, ServerKeys};
use mfa_server::{Clock as _, ManualClock};
use serde_json::{Value, json};
use support::{T0, TestServer, server_key, temp_db, verify_login};

/// Key `id` of the rotation; key 1 is the one every other test server uses.
fn key(id: u32) -> ServerKey {
    if id == 1 {
        return server_key();
    }
    ServerKey::new(id, &[0x60 + u8::try_from(id).unwrap(); 32]).unwrap()
}

/// The ring of `ids`, the first one current.
fn ring(ids: &[u32]) -> ServerKeys {
    let (current, retired) = ids.split_first().unwrap();
    retired
        .iter()
        .fold(ServerKeys::new(key(*current)), |ring, &id| {
            ring.with_retired(key(id)).unwrap()
        })
}

/// Starts enrolling email as the first method (no step-up): the `mfaToken`; the
/// code is in the outbox.
async fn begin_email_setup(server: &TestServer, session: &str, address: &str) -> Value {
    let (status, started) = server
        .post(
            "/identity/mfa/setup",
            Some(session),
            json!({ "method": "email", "email": address }),
        )
        .await;
    assert_eq!(status, 200, "{started}");
    started["mfaToken"].clone()
}

/// Confirms an email setup with the code sent to `address`: the backup codes.
async fn confirm_email_setup(
    server: &TestServer,
    session: &str,
    token: &Value,
    address: &str,
) -> Vec<String> {
    let (status, enabled) = server
        .post(
            "/identity/mfa/setup/verify",
            Some(session),
            json!({ "mfaToken": token, "code": server.last_code_to(address) }),
        )
        .await;
    assert_eq!(status, 200, "{enabled}");
    assert_eq!(enabled["method"], "email");
    codes(&enabled)
}

fn codes(body: &Value) -> Vec<String> {
    let codes: Vec<String> = body["backup_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 10);
    codes
}

/// A code under a key the ring no longer holds: 500 `server_key_mismatch`, and the
/// stored record unchanged (no failure counted, no version step, no code spent).
async fn refused_for_a_dropped_key(server: &TestServer, user: &str, token: &Value, code: &str) {
    let before = server.account(user).await;
    let (status, body) = verify_login(server, token, code).await;
    assert_eq!(status, 500, "{body}");
    assert_eq!(body["details"], "server_key_mismatch", "{body}");
    assert_eq!(body["code"], 500);
    let after = server.account(user).await;
    assert_eq!(after.failures(), 0, "{user}: not counted as a wrong code");
    assert_eq!(after.version(), before.version(), "{user}: nothing stored");
    assert_eq!(
        after.backup_codes_remaining(),
        before.backup_codes_remaining(),
        "{user}: no backup code spent"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_rotates_across_restarts_with_users_mid_flow() {
    let db = temp_db("rotation").await;
    let clock = ManualClock::new(T0);

    // Ring {1}. Alice enrols an authenticator and keeps her backup codes; Bob
    // enables email and has a sign-in code sent but not typed; Carol is halfway
    // through enrolling email; Dave, like Bob, has a sign-in code waiting.
    let server = TestServer::start_with_keys(&db, clock.clone(), ring(&[1])).await;
    let alice = server.register_and_sign_in("alice").await;
    let (phone, alice_backup) = server.enrol_authenticator(&alice).await;

    let bob = server.register_and_sign_in("bob").await;
    let token = begin_email_setup(&server, &bob, "bob@example.com").await;
    let bob_backup = confirm_email_setup(&server, &bob, &token, "bob@example.com").await;
    let bob_login = server.password_step("bob").await["mfaToken"].clone();
    let bob_code_under_1 = server.last_code_to("bob@example.com");

    let carol = server.register_and_sign_in("carol").await;
    let carol_setup = begin_email_setup(&server, &carol, "carol@example.com").await;

    let dave = server.register_and_sign_in("dave").await;
    let token = begin_email_setup(&server, &dave, "dave@example.com").await;
    confirm_email_setup(&server, &dave, &token, "dave@example.com").await;
    let dave_login = server.password_step("dave").await["mfaToken"].clone();
    let dave_code_under_1 = server.last_code_to("dave@example.com");

    for user in ["alice", "bob", "carol", "dave"] {
        assert_eq!(server.account(user).await.key_ids(), [1], "{user}");
    }
    server.stop().await;

    // Restart on the same file with ring {2 current, 1 retired}.
    clock.advance(30);
    let server = TestServer::start_with_keys(&db, clock.clone(), ring(&[2, 1])).await;

    // Alice signs in with a backup code hashed under key 1.
    let pending = server.password_step("alice").await;
    let (status, signed_in) = verify_login(&server, &pending["mfaToken"], &alice_backup[0]).await;
    assert_eq!(status, 200, "{signed_in}");
    assert_eq!(signed_in["method"], "backup_code");
    assert_eq!(signed_in["backupCodesRemaining"], 9);
    let alice = signed_in["token"].as_str().unwrap().to_owned();
    assert_eq!(
        server.account("alice").await.key_ids(),
        [1, 2],
        "backup codes under 1, her secret sealed again under 2 by the sign-in"
    );

    // Bob types the code sent under key 1 before the restart.
    let (status, signed_in) = verify_login(&server, &bob_login, &bob_code_under_1).await;
    assert_eq!(status, 200, "{signed_in}");
    assert_eq!(signed_in["method"], "email");

    // Carol finishes her setup with the code sent under key 1; her backup codes
    // are new, so hashed under key 2.
    let carol_backup =
        confirm_email_setup(&server, &carol, &carol_setup, "carol@example.com").await;
    assert_eq!(server.account("carol").await.key_ids(), [2]);

    // A new sign-in's code is hashed under key 2; Bob's backup codes stay under 1.
    let bob_login = server.password_step("bob").await["mfaToken"].clone();
    let bob_code_under_2 = server.last_code_to("bob@example.com");
    assert_eq!(
        server.account("bob").await.key_ids(),
        [1, 2],
        "backup codes under 1, the new code under 2"
    );

    // Alice regenerates her backup codes: the new set is under key 2.
    let (status, pending) = server
        .post(
            "/identity/mfa/backup-codes/regenerate",
            Some(&alice),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{pending}");
    let (status, fresh) = server
        .post(
            "/identity/mfa/backup-codes/regenerate/verify",
            Some(&alice),
            json!({ "mfaToken": pending["mfaToken"], "code": phone.code(server.clock.now()) }),
        )
        .await;
    assert_eq!(status, 200, "{fresh}");
    let alice_backup = codes(&fresh);
    assert_eq!(server.account("alice").await.key_ids(), [2]);
    assert_eq!(server.account("dave").await.key_ids(), [1], "untouched");
    server.stop().await;

    // Restart with ring {3 current, 2 retired}: key 1 is dropped.
    clock.advance(31);
    let server = TestServer::start_with_keys(&db, clock.clone(), ring(&[3, 2])).await;

    // Bob's backup codes are under key 1: a server error, not a wrong code. The
    // code sent under key 2 then signs him in at once (no delay was counted).
    refused_for_a_dropped_key(&server, "bob", &bob_login, &bob_backup[0]).await;
    let (status, signed_in) = verify_login(&server, &bob_login, &bob_code_under_2).await;
    assert_eq!(status, 200, "{signed_in}");
    assert_eq!(signed_in["method"], "email");
    assert_eq!(server.account("bob").await.failures(), 0);

    // Dave's record was never touched under ring {2, 1}: his secrets are still
    // sealed under key 1, so with key 1 dropped nothing about him opens (this is
    // what `key_ids` warns an operator of). Every call is a 500 naming the key,
    // none is counted, nothing is stored; restoring key 1 to the ring would
    // bring him back.
    refused_for_a_dropped_key(&server, "dave", &dave_login, &dave_code_under_1).await;
    let (status, resent) = server
        .post(
            "/identity/mfa/resend",
            None,
            json!({ "mfaToken": dave_login }),
        )
        .await;
    assert_eq!(status, 500, "{resent}");
    assert_eq!(resent["details"], "server_key_mismatch", "{resent}");
    assert_eq!(server.account("dave").await.key_ids(), [1]);

    // Alice's regenerated codes and Carol's first ones are under key 2: they work.
    let pending = server.password_step("alice").await;
    let (status, signed_in) = verify_login(&server, &pending["mfaToken"], &alice_backup[0]).await;
    assert_eq!(status, 200, "{signed_in}");
    assert_eq!(signed_in["backupCodesRemaining"], 9);
    let pending = server.password_step("carol").await;
    assert_eq!(
        server.account("carol").await.key_ids(),
        [2, 3],
        "backup codes under 2, the new code under 3"
    );
    let (status, signed_in) = verify_login(&server, &pending["mfaToken"], &carol_backup[0]).await;
    assert_eq!(status, 200, "{signed_in}");
    assert_eq!(signed_in["backupCodesRemaining"], 9);

    // And a code hashed under key 3 signs Carol in.
    let pending = server.password_step("carol").await;
    let (status, signed_in) = verify_login(
        &server,
        &pending["mfaToken"],
        &server.last_code_to("carol@example.com"),
    )
    .await;
    assert_eq!(status, 200, "{signed_in}");
    assert_eq!(signed_in["method"], "email");
    server.stop().await;
}
