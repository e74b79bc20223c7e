//! A server on a loopback port over a SQLite file, a real HTTP client, and a phone:
//! an authenticator app built on totp-rs, independent of mfa-core's code path.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use mfa_core::account::MfaPolicy;
use mfa_core::{Account, ServerKey, ServerKeys};
use mfa_server::{AppState, ManualClock, Outbox, Store};
use serde_json::{Value, json};

/// 2026-01-01T00:00:10Z: ten seconds into a 30-second step.
pub const T0: u64 = 1_767_225_610;

/// The server key every test server uses (configuration, never the database).
pub fn server_key() -> ServerKey {
    ServerKey::new(1, &[0x5e; 32]).unwrap()
}

/// A fresh SQLite file path under the temp directory.
pub fn temp_db(name: &str) -> PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::SeqCst);
    let path = std::env::temp_dir().join(format!(
        "mfa-server-test-{name}-{}-{n}.sqlite",
        std::process::id()
    ));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    path
}

/// A running server.
pub struct TestServer {
    pub base: String,
    pub state: AppState,
    pub clock: ManualClock,
    pub client: reqwest::Client,
    task: tokio::task::JoinHandle<()>,
}

impl TestServer {
    /// Starts a server over the SQLite file at `db`, on a clock the test moves.
    pub async fn start(db: &Path, clock: ManualClock) -> Self {
        Self::start_with_policy(db, clock, MfaPolicy::default().with_issuer("mfa-server")).await
    }

    /// As [`start`](Self::start), with `policy` instead of the default one.
    pub async fn start_with_policy(db: &Path, clock: ManualClock, policy: MfaPolicy) -> Self {
        Self::start_with(db, clock, policy, server_key().into()).await
    }

    /// As [`start`](Self::start), under the key ring `keys` instead of
    /// [`server_key`] alone.
    pub async fn start_with_keys(db: &Path, clock: ManualClock, keys: ServerKeys) -> Self {
        let policy = MfaPolicy::default().with_issuer("mfa-server");
        Self::start_with(db, clock, policy, keys).await
    }

    /// A server with `policy` under `keys`.
    pub async fn start_with(
        db: &Path,
        clock: ManualClock,
        policy: MfaPolicy,
        keys: ServerKeys,
    ) -> Self {
        let store = Arc::new(Store::open(db).unwrap());
        let state = AppState::with_policy(
            policy,
            keys,
            Arc::clone(&store),
            Arc::new(Outbox::new(store)),
            Arc::new(clock.clone()),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let served = state.clone();
        let task = tokio::spawn(async move {
            mfa_server::serve(listener, served).await.unwrap();
        });
        TestServer {
            base,
            state,
            clock,
            client: reqwest::Client::new(),
            task,
        }
    }

    /// Stops the server (the SQLite file stays).
    pub async fn stop(self) {
        self.task.abort();
        let _ = self.task.await;
    }

    /// POSTs `body` to `path`, with a bearer session when given; the status and JSON.
    /// Every 429 is checked on the way: it says when to retry, in the body
    /// (`retryAt`) and in a `Retry-After` header that agrees with it.
    pub async fn post(&self, path: &str, session: Option<&str>, body: Value) -> (u16, Value) {
        let (status, retry_after, body) = self.post_with_retry_after(path, session, body).await;
        if status == 429 {
            let retry_at = body["retryAt"].as_u64().expect("a 429 carries retryAt");
            let expected = retry_at.saturating_sub(self.clock.now()).max(1);
            assert_eq!(
                retry_after,
                Some(expected),
                "a 429's Retry-After is the seconds to retryAt: {body}"
            );
        }
        (status, body)
    }

    /// As [`post`](Self::post), without its checks, with the `Retry-After` header
    /// (seconds) when there is one.
    pub async fn post_with_retry_after(
        &self,
        path: &str,
        session: Option<&str>,
        body: Value,
    ) -> (u16, Option<u64>, Value) {
        let mut request = self.client.post(format!("{}{path}", self.base)).json(&body);
        if let Some(token) = session {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .map(|value| value.to_str().unwrap().parse().unwrap());
        (
            status,
            retry_after,
            response.json().await.unwrap_or(Value::Null),
        )
    }

    /// The last code the outbox holds for `destination` (the user's inbox).
    pub fn last_code_to(&self, destination: &str) -> String {
        self.state
            .store
            .last_code_to(destination)
            .unwrap()
            .expect("a code was sent")
    }

    /// `username`'s MFA record as stored (the database, not the server's memory).
    pub fn account(&self, username: &str) -> Account {
        let user = self
            .state
            .store
            .credentials(username)
            .unwrap()
            .expect("a registered user")
            .user;
        let json = self
            .state
            .store
            .load_state(user)
            .unwrap()
            .expect("a record");
        serde_json::from_str(&json).unwrap()
    }

    /// Registers `username` and signs in without MFA: the session token.
    pub async fn register_and_sign_in(&self, username: &str) -> String {
        let credentials = json!({ "username": username, "password": "correct horse" });
        let (status, _) = self
            .post("/api/auth/register", None, credentials.clone())
            .await;
        assert_eq!(status, 201);
        let (status, body) = self.post("/api/auth/login", None, credentials).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["status"], "signed_in");
        body["token"].as_str().unwrap().to_owned()
    }

    /// The password step of a sign-in for a user with MFA: the login `mfaToken`.
    pub async fn password_step(&self, username: &str) -> Value {
        let credentials = json!({ "username": username, "password": "correct horse" });
        let (status, body) = self.post("/api/auth/login", None, credentials).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["status"], "pending_mfa", "{body}");
        body
    }

    /// Enrols an authenticator for a signed-in user: the phone, and the backup codes.
    pub async fn enrol_authenticator(&self, session: &str) -> (Phone, Vec<String>) {
        let (status, started) = self
            .post(
                "/identity/mfa/setup",
                Some(session),
                json!({ "method": "authenticator" }),
            )
            .await;
        assert_eq!(status, 200, "{started}");
        let phone = Phone::scan(started["secret"].as_str().unwrap());
        let (status, confirmed) = self
            .post(
                "/identity/mfa/setup/verify",
                Some(session),
                json!({ "mfaToken": started["mfaToken"], "code": phone.code(self.clock.now()) }),
            )
            .await;
        assert_eq!(status, 200, "{confirmed}");
        let codes = confirmed["backup_codes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_owned())
            .collect();
        (phone, codes)
    }
}

/// The user's authenticator app: totp-rs, SHA-1, 6 digits, 30 s.
pub struct Phone(totp_rs::Totp);

impl Phone {
    /// Enrols from the base32 secret the server showed.
    pub fn scan(base32: &str) -> Self {
        let secret = totp_rs::Secret::try_from_base32(base32).unwrap();
        Phone(
            totp_rs::Builder::new()
                .with_step_duration(30)
                .with_secret(secret)
                .build()
                .unwrap(),
        )
    }

    /// The code on screen at `now`.
    pub fn code(&self, now: u64) -> String {
        self.0.generate(now).to_string()
    }
}

use mfa_server::Clock as _;

/// Answers a sign-in's challenge (`token` as text or as the JSON value an answer
/// carried it in).
pub async fn verify_login(
    server: &TestServer,
    token: impl serde::Serialize,
    code: &str,
) -> (u16, Value) {
    server
        .post(
            "/identity/mfa/login/verify",
            None,
            json!({ "mfaToken": token, "code": code }),
        )
        .await
}
