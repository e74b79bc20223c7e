//! A server on a loopback port over a fresh database, a real HTTP client, and a
//! phone: an authenticator app built on totp-rs, independent of mfa-core's code path.
//!
//! The database is a SQLite file, or, when `MFA_TEST_POSTGRES_URL` names a
//! PostgreSQL server, a fresh schema in it for every test database: the whole
//! suite runs against both stores (`.ci/run` does both).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use mfa_core::account::MfaPolicy;
use mfa_core::uri::KeyUri;
use mfa_core::{ServerKey, ServerKeys, account::Account};
use mfa_server::password::Cost;
use mfa_server::session::Sessions;
use mfa_server::store::{AuditEntry, Save, UserId};
use mfa_server::{AppState, ManualClock, Notifier, Outbox, PostgresStore, SqliteStore, Store};
use serde_json::{Value, json};

/// The variable naming a PostgreSQL server (an admin URL) to run the suite on.
pub const POSTGRES_VAR: &str = "MFA_TEST_POSTGRES_URL";

/// 2026-01-01T00:00:10Z: ten seconds into a 30-second step.
pub const T0: u64 = 1_767_225_610;

/// The server key every test server uses (configuration, never the database).
pub fn server_key() -> ServerKey {
    ServerKey::new(1, &[0x5e; 32]).unwrap()
}

/// A test database (a SQLite file, or a PostgreSQL schema of its own) and the
/// users' inboxes, which outlive a server restart.
#[derive(Clone)]
pub struct TestDb {
    pub place: Place,
    pub outbox: Arc<Outbox>,
}

/// Where a test database is.
#[derive(Clone, Debug)]
pub enum Place {
    Sqlite(PathBuf),
    Postgres { url: String },
}

/// A fresh, empty test database named after `name`.
pub async fn temp_db(name: &str) -> TestDb {
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::SeqCst);
    let pid = std::process::id();
    if let Ok(admin) = std::env::var(POSTGRES_VAR) {
        let schema = format!(
            "t_{}_{pid}_{n}",
            name.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
        );
        let (client, connection) = tokio_postgres::connect(&admin, tokio_postgres::NoTls)
            .await
            .expect("the PostgreSQL server in MFA_TEST_POSTGRES_URL answers");
        let task = tokio::spawn(connection);
        client
            .batch_execute(&format!(
                "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
            ))
            .await
            .unwrap();
        drop(client);
        let _ = task.await;
        let joiner = if admin.contains('?') { '&' } else { '?' };
        let url = format!("{admin}{joiner}options=-csearch_path%3D{schema}");
        return TestDb::at(Place::Postgres { url });
    }
    let path = std::env::temp_dir().join(format!("mfa-server-test-{name}-{pid}-{n}.sqlite"));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    TestDb::at(Place::Sqlite(path))
}

impl TestDb {
    fn at(place: Place) -> Self {
        TestDb {
            place,
            outbox: Arc::new(Outbox::in_memory()),
        }
    }

    /// The store over this database (a new connection or pool each time).
    pub async fn store(&self) -> Arc<dyn Store> {
        match &self.place {
            Place::Sqlite(path) => Arc::new(SqliteStore::open(path).unwrap()),
            Place::Postgres { url } => Arc::new(PostgresStore::connect(url, 8).await.unwrap()),
        }
    }

    /// The URL a server process takes in `MFA_DATABASE_URL`.
    pub fn url(&self) -> String {
        match &self.place {
            Place::Sqlite(path) => format!("sqlite:{}", path.display()),
            Place::Postgres { url } => url.clone(),
        }
    }
}

/// A notifier that remembers what it was told.
#[derive(Default)]
pub struct Notified(std::sync::Mutex<Vec<AuditEntry>>);

#[async_trait::async_trait]
impl Notifier for Notified {
    async fn notify(&self, entry: &AuditEntry) {
        self.0.lock().unwrap().push(entry.clone());
    }
}

impl Notified {
    /// The kinds told to `user`, in order.
    pub fn kinds(&self, user: UserId) -> Vec<String> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e.user == user)
            .map(|e| e.kind.clone())
            .collect()
    }
}

/// A running server.
pub struct TestServer {
    pub base: String,
    pub state: AppState,
    pub clock: ManualClock,
    pub outbox: Arc<Outbox>,
    pub notified: Arc<Notified>,
    pub client: reqwest::Client,
    task: tokio::task::JoinHandle<()>,
}

impl TestServer {
    /// Starts a server over `db`, on a clock the test moves.
    pub async fn start(db: &TestDb, clock: ManualClock) -> Self {
        Self::start_with_policy(db, clock, MfaPolicy::default().with_issuer("mfa-server")).await
    }

    /// As [`start`](Self::start), with `policy` instead of the default one.
    pub async fn start_with_policy(db: &TestDb, clock: ManualClock, policy: MfaPolicy) -> Self {
        Self::start_with(db, clock, policy, server_key().into()).await
    }

    /// As [`start`](Self::start), under the key ring `keys` instead of
    /// [`server_key`] alone.
    pub async fn start_with_keys(db: &TestDb, clock: ManualClock, keys: ServerKeys) -> Self {
        let policy = MfaPolicy::default().with_issuer("mfa-server");
        Self::start_with(db, clock, policy, keys).await
    }

    /// A server with `policy` under `keys`, hashing passwords at the cheapest
    /// Argon2id cost (the suite registers hundreds of users), with sessions that
    /// outlive the days the tests' clocks skip (the session tests set their own).
    pub async fn start_with(
        db: &TestDb,
        clock: ManualClock,
        policy: MfaPolicy,
        keys: ServerKeys,
    ) -> Self {
        let state = AppState::new(keys, db.store().await)
            .unwrap()
            .with_policy(policy)
            .with_password_cost(Cost::TESTS_ONLY)
            .unwrap()
            .with_sessions(Sessions {
                idle: 30 * 86_400,
                lifetime: 30 * 86_400,
            });
        Self::serve(state, clock, Arc::clone(&db.outbox)).await
    }

    /// Serves `state`, its clock, outbox and notifier replaced by the test's.
    pub async fn serve(state: AppState, clock: ManualClock, outbox: Arc<Outbox>) -> Self {
        let notified = Arc::new(Notified::default());
        let state = state
            .with_clock(Arc::new(clock.clone()))
            .with_sender(outbox.clone())
            .with_notifier(notified.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let served = state.clone();
        let task = tokio::spawn(async move {
            mfa_server::serve(listener, served, std::future::pending())
                .await
                .unwrap();
        });
        TestServer {
            base,
            state,
            clock,
            outbox,
            notified,
            client: reqwest::Client::new(),
            task,
        }
    }

    /// Stops the server (the database stays).
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
            let retry_at = secs(&body["retryAt"]);
            let expected = retry_at.saturating_sub(self.clock.now()).max(1);
            assert_eq!(
                retry_after,
                Some(expected),
                "a 429's Retry-After is the seconds to retryAt: {body}"
            );
        }
        (status, body)
    }

    /// `GET /identity/mfa/status` with `session`: the status and JSON.
    pub async fn status(&self, session: &str) -> (u16, Value) {
        self.get("/identity/mfa/status", session).await
    }

    /// GETs `path` with `session`: the status and JSON.
    pub async fn get(&self, path: &str, session: &str) -> (u16, Value) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(session)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
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
        self.outbox
            .last_code_to(destination)
            .expect("a code was sent")
    }

    /// How many codes went to `destination`.
    pub fn messages_to(&self, destination: &str) -> usize {
        self.outbox.messages_to(destination)
    }

    /// `username`'s id.
    pub async fn user(&self, username: &str) -> UserId {
        self.state
            .store
            .credentials(username)
            .await
            .unwrap()
            .expect("a registered user")
            .user
    }

    /// `user`'s MFA record as stored (JSON).
    pub async fn stored(&self, user: UserId) -> String {
        self.state
            .store
            .load_state(user)
            .await
            .unwrap()
            .expect("a record")
    }

    /// `username`'s MFA record as stored (the database, not the server's memory).
    pub async fn account(&self, username: &str) -> Account {
        let user = self.user(username).await;
        serde_json::from_str(&self.stored(user).await).unwrap()
    }

    /// Writes `json` over `user`'s record at `version`, as someone with write
    /// access to the database could.
    pub async fn overwrite(&self, user: UserId, version: u64, json: &str) {
        let save = Save {
            user,
            expected: version,
            version,
            state: json.to_owned(),
            challenge_keys: Vec::new(),
            audit: Vec::new(),
            revoke: mfa_server::store::Revoke::Nothing,
        };
        self.state.store.save_state(save).await.unwrap();
    }

    /// The kinds in `username`'s audit trail, oldest first.
    pub async fn audit_kinds(&self, username: &str) -> Vec<String> {
        let user = self.user(username).await;
        let trail = self.state.store.audit_trail(user).await.unwrap();
        trail.into_iter().map(|e| e.kind).collect()
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
    /// The setup answer carries the QR code of its `otpauthUrl`.
    pub async fn enrol_authenticator(&self, session: &str) -> (Phone, Vec<String>) {
        let (status, started) = self
            .post(
                "/identity/mfa/setup",
                Some(session),
                json!({ "method": "authenticator" }),
            )
            .await;
        assert_eq!(status, 200, "{started}");
        let svg = started["qrSvg"].as_str().unwrap();
        assert!(
            svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\"") && svg.ends_with("</svg>"),
            "{svg}"
        );
        // mfa-core's own tests scan its drawings back with an independent decoder;
        // here the drawing must be the one of this answer's URI.
        let uri = KeyUri::parse(started["otpauthUrl"].as_str().unwrap()).unwrap();
        assert_eq!(uri.to_qr_svg().unwrap().expose_secret(), svg);
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

/// `secs` as the server writes times: ISO 8601 with milliseconds.
pub fn at(secs: u64) -> Value {
    json!(mfa_server::iso8601::format(secs))
}

/// The Unix seconds of a time the server wrote (ISO 8601 with milliseconds),
/// found by search over this suite's years, so it shares no parsing code with it.
pub fn secs(value: &Value) -> u64 {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("a time, not {value}"));
    assert!(
        text.ends_with(".000Z") && text.len() == 24,
        "ISO 8601 with milliseconds: {text}"
    );
    let (mut low, mut high) = (1_700_000_000u64, 1_900_000_000u64);
    while low < high {
        let mid = low + (high - low) / 2;
        if at(mid).as_str().unwrap() < text {
            low = mid + 1;
        } else {
            high = mid;
        }
    }
    assert_eq!(
        at(low).as_str(),
        Some(text),
        "a time the server could write"
    );
    low
}
