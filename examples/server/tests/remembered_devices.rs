//! "Don't ask again on this device": a sign-in with `rememberDevice` sets a
//! `Secure; HttpOnly; SameSite=Strict` cookie, and the next password sign-in from
//! that browser skips the code, until it expires or a factor changes.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use mfa_server::{Clock as _, ManualClock};
use serde_json::{Value, json};
use support::{T0, TestServer, temp_db};

const CREDENTIALS: &str = r#"{"username":"jane","password":"correct horse"}"#;

/// POSTs `body` to `path` with a `Cookie` header when given: the status, the
/// `Set-Cookie` header and the JSON.
async fn post(
    server: &TestServer,
    path: &str,
    cookie: Option<&str>,
    body: Value,
) -> (u16, Option<String>, Value) {
    send(server, path, None, cookie, body).await
}

/// As [`post`], with a bearer session when given.
async fn send(
    server: &TestServer,
    path: &str,
    session: Option<&str>,
    cookie: Option<&str>,
    body: Value,
) -> (u16, Option<String>, Value) {
    let mut request = server
        .client
        .post(format!("{}{path}", server.base))
        .header("user-agent", "Firefox on macOS")
        .json(&body);
    if let Some(session) = session {
        request = request.bearer_auth(session);
    }
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let set_cookie = response
        .headers()
        .get("set-cookie")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, set_cookie, response.json().await.unwrap())
}

/// Jane's password step from a browser sending `cookie`: `"signed_in"` when the
/// browser is remembered, `"pending_mfa"` when it must answer a code.
async fn sign_in_from(server: &TestServer, cookie: Option<&str>) -> String {
    let credentials: Value = serde_json::from_str(CREDENTIALS).unwrap();
    let (status, _, answer) = post(server, "/api/auth/login", cookie, credentials).await;
    assert_eq!(status, 200, "{answer}");
    answer["status"].as_str().unwrap().to_owned()
}

/// `POST /identity/mfa/devices/forget` with `session`: the status and JSON.
async fn forget(server: &TestServer, session: &str, device_id: Value) -> (u16, Value) {
    let body = json!({ "deviceId": device_id });
    let path = "/identity/mfa/devices/forget";
    let (status, _, answer) = send(server, path, Some(session), None, body).await;
    (status, answer)
}

/// Signs in as jane with her authenticator and `rememberDevice`: the cookie pair
/// (`mfa_device=…`) the browser would send back.
async fn remember_this_browser(server: &TestServer, phone: &support::Phone) -> String {
    server.clock.advance(31);
    let pending = server.password_step("jane").await;
    let code = phone.code(server.clock.now());
    let body = json!({ "mfaToken": pending["mfaToken"], "code": code, "rememberDevice": true });
    let (status, cookie, answer) = post(server, "/identity/mfa/login/verify", None, body).await;
    assert_eq!(status, 200, "{answer}");
    cookie.unwrap().split(';').next().unwrap().to_owned()
}

#[tokio::test]
async fn a_remembered_browser_skips_the_code_until_a_factor_changes() {
    let db = temp_db("remembered_devices").await;
    let server = TestServer::start(&db, ManualClock::new(T0)).await;
    let session = server.register_and_sign_in("jane").await;
    let (phone, backup) = server.enrol_authenticator(&session).await;

    // Without asking, no cookie.
    server.clock.advance(31);
    let pending = server.password_step("jane").await;
    let code = phone.code(server.clock.now());
    let body = json!({ "mfaToken": pending["mfaToken"], "code": code });
    let (status, cookie, _) = post(&server, "/identity/mfa/login/verify", None, body).await;
    assert_eq!((status, cookie), (200, None));

    // Asking: the cookie, with every attribute that keeps it to this browser.
    server.clock.advance(31);
    let pending = server.password_step("jane").await;
    let code = phone.code(server.clock.now());
    let body = json!({ "mfaToken": pending["mfaToken"], "code": code, "rememberDevice": true });
    let (status, cookie, answer) = post(&server, "/identity/mfa/login/verify", None, body).await;
    assert_eq!(status, 200, "{answer}");
    let cookie = cookie.expect("a device cookie");
    for attribute in [
        "Secure",
        "HttpOnly",
        "SameSite=Strict",
        "Path=/",
        "Max-Age=2592000",
    ] {
        assert!(cookie.contains(attribute), "{attribute} in {cookie}");
    }
    let pair = cookie.split(';').next().unwrap().to_owned();
    assert!(pair.starts_with("mfa_device=device_"), "{pair}");
    let account = server.account("jane").await;
    assert_eq!(account.devices()[0].label, "Firefox on macOS");

    // The password alone signs in from that browser; not from another.
    server.clock.advance(60);
    assert_eq!(sign_in_from(&server, Some(&pair)).await, "signed_in");
    let forged = "mfa_device=device_".to_owned() + &"0".repeat(64);
    for other in [None, Some(forged.as_str()), Some("mfa_device=nonsense")] {
        assert_eq!(sign_in_from(&server, other).await, "pending_mfa");
    }
    let kinds = server.audit_kinds("jane").await;
    assert!(kinds.contains(&"device_remembered".to_owned()), "{kinds:?}");
    assert!(kinds.contains(&"device_recognized".to_owned()), "{kinds:?}");

    // New backup codes: every remembered browser must answer a code again.
    let (status, begun) = server
        .post(
            "/identity/mfa/backup-codes/regenerate",
            Some(&session),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{begun}");
    let code = &backup[0];
    let (status, done) = server
        .post(
            "/identity/mfa/backup-codes/regenerate/verify",
            Some(&session),
            json!({ "mfaToken": begun["mfaToken"], "code": code }),
        )
        .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(sign_in_from(&server, Some(&pair)).await, "pending_mfa");
    assert!(server.account("jane").await.devices().is_empty());
    server.stop().await;
}

#[tokio::test]
async fn a_remembered_browser_stops_skipping_when_its_time_is_up() {
    let db = temp_db("remembered_devices_expiry").await;
    let server = TestServer::start(&db, ManualClock::new(T0)).await;
    let session = server.register_and_sign_in("jane").await;
    let (phone, _) = server.enrol_authenticator(&session).await;
    let pair = remember_this_browser(&server, &phone).await;

    server.clock.advance(30 * 86_400 - 1);
    assert_eq!(sign_in_from(&server, Some(&pair)).await, "signed_in");
    server.clock.advance(1);
    assert_eq!(sign_in_from(&server, Some(&pair)).await, "pending_mfa");
    server.stop().await;
}

#[tokio::test]
async fn the_user_lists_remembered_browsers_and_forgets_one_or_all() {
    let db = temp_db("remembered_devices_forget").await;
    let server = TestServer::start(&db, ManualClock::new(T0)).await;
    let session = server.register_and_sign_in("jane").await;
    let (phone, _) = server.enrol_authenticator(&session).await;
    let (status, answer) = server.get("/identity/mfa/devices", &session).await;
    assert_eq!((status, answer), (200, json!({ "devices": [] })));

    let laptop = remember_this_browser(&server, &phone).await;
    let phone_browser = remember_this_browser(&server, &phone).await;
    let (status, answer) = server.get("/identity/mfa/devices", &session).await;
    assert_eq!(status, 200, "{answer}");
    let devices = answer["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 2, "{answer}");
    for device in devices {
        assert_eq!(device["label"], "Firefox on macOS");
        let created = support::secs(&device["createdAt"]);
        assert_eq!(support::secs(&device["lastUsedAt"]), created);
        assert_eq!(support::secs(&device["expiresAt"]), created + 30 * 86_400);
    }
    // The list carries ids to forget by, never the tokens the cookies hold.
    let listed = answer.to_string();
    for cookie in [&laptop, &phone_browser] {
        let token = cookie.trim_start_matches("mfa_device=");
        assert!(!listed.contains(token), "{listed}");
    }
    let first = devices[0]["deviceId"].as_str().unwrap().to_owned();

    // Forgetting one: the first browser asks for the code again, the second not.
    let path = "/identity/mfa/devices/forget";
    let (status, answer) = forget(&server, &session, json!(first)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["devices"].as_array().unwrap().len(), 1, "{answer}");
    assert_ne!(answer["devices"][0]["deviceId"], json!(first));
    assert_eq!(sign_in_from(&server, Some(&laptop)).await, "pending_mfa");
    assert_eq!(
        sign_in_from(&server, Some(&phone_browser)).await,
        "signed_in"
    );

    // An id that is not there (again, or made up, or too long) changes nothing.
    let before = server.stored(server.user("jane").await).await;
    for (id, status_expected) in [
        (json!(first), 404),
        (json!("00".repeat(16)), 404),
        (json!("not hex"), 404),
        (json!("a".repeat(65)), 400),
        (json!(7), 400),
    ] {
        let (status, answer) = forget(&server, &session, json!(id)).await;
        assert_eq!(status, status_expected, "{id}: {answer}");
        if status == 404 {
            assert_eq!(answer["details"], "device_not_found", "{answer}");
        }
    }
    assert_eq!(server.stored(server.user("jane").await).await, before);
    let (_, _, answer) = send(&server, path, None, None, json!({ "deviceId": first })).await;
    assert_eq!(
        (&answer["code"], &answer["details"]),
        (&json!(401), &json!("unauthorized"))
    );

    // Forgetting all: none skips the code, and this browser's cookie is cleared.
    let path = "/identity/mfa/devices/forget-all";
    let (status, cookie, answer) = send(
        &server,
        path,
        Some(&session),
        Some(&phone_browser),
        json!({}),
    )
    .await;
    assert_eq!((status, answer), (200, json!({ "forgotten": 1 })));
    let cookie = cookie.expect("the cookie cleared");
    assert!(cookie.starts_with("mfa_device=;"), "{cookie}");
    assert!(cookie.contains("Max-Age=0"), "{cookie}");
    assert_eq!(
        sign_in_from(&server, Some(&phone_browser)).await,
        "pending_mfa"
    );
    let (_, answer) = server.get("/identity/mfa/devices", &session).await;
    assert_eq!(answer, json!({ "devices": [] }));
    let kinds = server.audit_kinds("jane").await;
    let forgotten = kinds.iter().filter(|k| *k == "devices_forgotten").count();
    assert_eq!(forgotten, 2, "{kinds:?}");
    server.stop().await;
}
