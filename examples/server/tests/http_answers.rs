//! What any client gets back, whatever it sends: a body over the limit is 413, a
//! body that is not JSON is 415, an unknown path 404 and a wrong method 405, all in
//! the same JSON error shape; every field has a length limit; no message shows an
//! internal type name; every time is ISO 8601 with milliseconds.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use mfa_server::ManualClock;
use mfa_server::body::MAX_BODY_BYTES;
use serde_json::{Value, json};
use support::{T0, TestServer, at, temp_db};

async fn start(name: &str) -> TestServer {
    TestServer::start(&temp_db(name).await, ManualClock::new(T0)).await
}

/// Sends raw bytes with a content type; the status, the `Allow` header and the body.
async fn send(
    server: &TestServer,
    method: reqwest::Method,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (u16, Option<String>, Value) {
    let response = server
        .client
        .request(method, format!("{}{path}", server.base))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let allow = response
        .headers()
        .get("allow")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = response.json().await.expect("every answer is JSON");
    (status, allow, body)
}

/// A raw HTTP/1.1 POST of a JSON body: with `Content-Length: length` and no body
/// when `length` is given, else `body` in chunks (no length said in advance).
/// The status and JSON body of the answer.
async fn raw(server: &TestServer, path: &str, length: Option<usize>, body: &[u8]) -> (u16, Value) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let address = server.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let framing = match length {
        Some(length) => format!("Content-Length: {length}"),
        None => "Transfer-Encoding: chunked".to_owned(),
    };
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         {framing}\r\nConnection: close\r\n\r\n"
    )
    .into_bytes();
    if length.is_none() {
        for chunk in body.chunks(1024) {
            request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
            request.extend_from_slice(chunk);
            request.extend_from_slice(b"\r\n");
        }
        request.extend_from_slice(b"0\r\n\r\n");
    }
    stream.write_all(&request).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8(answer).unwrap();
    let status = answer[9..12].parse().unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        // One chunk holds the whole JSON: skip its size line.
        body.split_once("\r\n")
            .unwrap()
            .1
            .rsplit_once("\r\n0\r\n")
            .unwrap()
            .0
    } else {
        body
    };
    (status, serde_json::from_str(body).unwrap())
}

#[track_caller]
fn is_error(body: &Value, status: u16, details: &str) {
    assert_eq!(body["code"], status, "{body}");
    assert_eq!(body["details"], details, "{body}");
    assert!(
        body["error"].is_string() && body["message"].is_string(),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_the_limit_is_413_and_one_not_sent_as_json_is_415() {
    let server = start("http-sizes").await;
    let post = reqwest::Method::POST;
    // 10 MB, and a 2 MB username: answered from the headers alone, before the
    // body is read (a client still writing then sees the connection close, so
    // this one sends the headers only).
    for size in [10 << 20, 2 << 20, MAX_BODY_BYTES + 1] {
        let (status, answer) = raw(&server, "/api/auth/register", Some(size), b"").await;
        assert_eq!(status, 413, "{size} bytes");
        is_error(&answer, 413, "payload_too_large");
    }
    // A body that is over the limit but does not say so in advance.
    let padding = "a".repeat(MAX_BODY_BYTES);
    let body = json!({ "username": padding, "password": "correct horse" }).to_string();
    let (status, answer) = raw(&server, "/api/auth/register", None, body.as_bytes()).await;
    assert_eq!(status, 413);
    is_error(&answer, 413, "payload_too_large");
    let form = b"username=ann&password=correct+horse".to_vec();
    for content_type in ["application/x-www-form-urlencoded", "text/plain"] {
        let (status, _, answer) = send(
            &server,
            post.clone(),
            "/api/auth/login",
            content_type,
            form.clone(),
        )
        .await;
        assert_eq!(status, 415, "{content_type}");
        is_error(&answer, 415, "unsupported_media_type");
    }
    let (status, _, answer) = send(
        &server,
        post,
        "/api/auth/login",
        "application/json",
        b"{\"username\":".to_vec(),
    )
    .await;
    assert_eq!(status, 400);
    is_error(&answer, 400, "malformed_json");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_paths_and_wrong_methods_answer_json_errors() {
    let server = start("http-routes").await;
    let (status, _, answer) = send(
        &server,
        reqwest::Method::GET,
        "/nowhere",
        "application/json",
        Vec::new(),
    )
    .await;
    assert_eq!(status, 404);
    is_error(&answer, 404, "not_found");
    let (status, allow, answer) = send(
        &server,
        reqwest::Method::GET,
        "/api/auth/login",
        "application/json",
        Vec::new(),
    )
    .await;
    assert_eq!(status, 405);
    is_error(&answer, 405, "method_not_allowed");
    assert_eq!(allow.as_deref(), Some("POST"));
    let (status, allow, _) = send(
        &server,
        reqwest::Method::DELETE,
        "/identity/mfa/status",
        "application/json",
        Vec::new(),
    )
    .await;
    assert_eq!((status, allow.as_deref()), (405, Some("GET,HEAD")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_field_has_a_length_limit() {
    let server = start("http-fields").await;
    let session = server.register_and_sign_in("ann").await;
    let long = |n: usize| "1".repeat(n);
    let cases: [(&str, Option<&str>, Value, &str); 6] = [
        (
            "/api/auth/register",
            None,
            json!({ "username": long(257), "password": "correct horse" }),
            "username",
        ),
        (
            "/api/auth/login",
            None,
            json!({ "username": "ann", "password": long(1025) }),
            "password",
        ),
        (
            "/identity/mfa/login/verify",
            None,
            json!({ "mfaToken": long(257), "code": "123456" }),
            "mfaToken",
        ),
        (
            "/identity/mfa/login/verify",
            None,
            json!({ "mfaToken": "login_x", "code": long(65) }),
            "code",
        ),
        (
            "/identity/mfa/setup",
            Some(&session),
            json!({ "method": "email", "email": format!("{}@example.com", long(250)) }),
            "email",
        ),
        (
            "/identity/mfa/setup",
            Some(&session),
            json!({ "method": "sms", "phone": long(33) }),
            "phone",
        ),
    ];
    for (path, session, body, field) in cases {
        let (status, answer) = server.post(path, session, body).await;
        assert_eq!(status, 400, "{path} {field}: {answer}");
        is_error(&answer, 400, "field_too_long");
        assert!(
            answer["message"].as_str().unwrap().contains(field),
            "{answer}"
        );
    }
    // A name within the byte limit but over the character limit.
    let (status, answer) = server
        .post(
            "/api/auth/register",
            None,
            json!({ "username": "a".repeat(65), "password": "correct horse" }),
        )
        .await;
    assert_eq!(status, 400);
    is_error(&answer, 400, "invalid_username");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_with_control_format_or_bidi_characters_are_refused_and_lookalikes_fold() {
    let server = start("http-usernames").await;
    for name in [
        "ann\u{0}",
        "ann\u{202E}nimda",
        "a\u{200B}nn",
        "ann\u{7}",
        "ann bob",
    ] {
        let (status, answer) = server
            .post(
                "/api/auth/register",
                None,
                json!({ "username": name, "password": "correct horse" }),
            )
            .await;
        assert_eq!(status, 400, "{name:?}");
        is_error(&answer, 400, "invalid_username");
        assert!(
            !answer["message"].as_str().unwrap().contains(name),
            "the name is not echoed"
        );
    }
    let (status, answer) = server
        .post(
            "/api/auth/register",
            None,
            json!({ "username": "Ａｎｎ", "password": "correct horse" }),
        )
        .await;
    assert_eq!(
        (status, answer["username"].as_str()),
        (201, Some("ann")),
        "{answer}"
    );
    let (status, _) = server
        .post(
            "/api/auth/login",
            None,
            json!({ "username": "ANN", "password": "correct horse" }),
        )
        .await;
    assert_eq!(status, 200, "one user, however the name is typed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_message_names_an_internal_type_and_times_are_iso_8601() {
    let server = start("http-messages").await;
    let session = server.register_and_sign_in("ann").await;
    let bodies = [
        json!([1, 2]),
        json!("text"),
        json!({ "mfaToken": 5, "code": "1" }),
        json!({ "mfaToken": "login_x" }),
        json!({ "mfaToken": ["a"], "code": {} }),
        json!(null),
    ];
    for path in [
        "/identity/mfa/login/verify",
        "/identity/mfa/setup/verify",
        "/api/auth/login",
        "/identity/mfa/setup",
    ] {
        for body in &bodies {
            let (status, answer) = server.post(path, Some(&session), body.clone()).await;
            assert_eq!(status, 400, "{path} {body}: {answer}");
            let message = answer["message"].as_str().unwrap();
            for internal in [
                "struct",
                "TokenAndCode",
                "Credentials",
                "SetupRequest",
                "enum",
                "mfa_server",
                "::",
            ] {
                assert!(!message.contains(internal), "{path} {body}: {message}");
            }
        }
    }
    // Times: the setup's expiry, and a throttled answer's retryAt and message.
    let (_, started) = server
        .post(
            "/identity/mfa/setup",
            Some(&session),
            json!({ "method": "authenticator" }),
        )
        .await;
    assert_eq!(started["expiresAt"], at(T0 + 600), "{started}");
    // Wrong codes until the throttle answers (the default allows a few first).
    let (mut status, mut answer) = (0, Value::Null);
    for _ in 0..10 {
        (status, answer) = server
            .post(
                "/identity/mfa/setup/verify",
                Some(&session),
                json!({ "mfaToken": started["mfaToken"], "code": "000000" }),
            )
            .await;
        if status == 429 {
            break;
        }
    }
    assert_eq!(status, 429, "{answer}");
    let retry_at = answer["retryAt"].as_str().unwrap();
    assert!(
        answer["message"].as_str().unwrap().ends_with(retry_at),
        "{answer}"
    );
    assert!(
        !answer["message"].as_str().unwrap().contains("17672"),
        "no raw Unix time: {answer}"
    );
    // The password step's own limit answers the same way.
    for _ in 0..11 {
        (status, answer) = server
            .post(
                "/api/auth/login",
                None,
                json!({ "username": "ann", "password": "wrong horse" }),
            )
            .await;
    }
    assert_eq!(status, 429, "{answer}");
    let retry_at = answer["retryAt"].as_str().unwrap();
    assert!(
        answer["message"].as_str().unwrap().ends_with(retry_at),
        "{answer}"
    );
}
