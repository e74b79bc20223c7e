//! A bounded load generator: `cargo run -p mfa-server --release --example loadgen`.
//!
//! Starts the server in-process on a loopback port over a fresh SQLite file, enrols
//! `USERS` users with an authenticator (not timed), then signs each of them in once
//! (password, then the app's code: two HTTP requests) and reports sign-ins per
//! second: first one client at a time, for where the time goes (mfa-core, SQLite,
//! and the rest: HTTP, JSON bodies, the password stub, the client itself), then
//! `CLIENTS` clients at once, for throughput. The client shares the machine.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use mfa_core::ServerKey;
use mfa_server::{AppState, Clock as _, ManualClock, SqliteStore, Store};
use serde_json::{Value, json};

const USERS: usize = 2000;
const SEQUENTIAL: usize = 500;
const CLIENTS: usize = 16;
const T0: u64 = 1_767_225_610;

struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    async fn post(&self, path: &str, session: Option<&str>, body: Value) -> Value {
        let mut request = self.http.post(format!("{}{path}", self.base)).json(&body);
        if let Some(token) = session {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.unwrap()
    }

    /// Registers `name`, enrols an authenticator: the app.
    async fn enrol(&self, name: &str, now: u64) -> totp_rs::Totp {
        let credentials = json!({ "username": name, "password": "correct horse" });
        self.post("/api/auth/register", None, credentials.clone())
            .await;
        let session = self.post("/api/auth/login", None, credentials).await["token"]
            .as_str()
            .unwrap()
            .to_owned();
        let started = self
            .post(
                "/identity/mfa/setup",
                Some(&session),
                json!({ "method": "authenticator" }),
            )
            .await;
        let app = totp_rs::Builder::new()
            .with_secret(
                totp_rs::Secret::try_from_base32(started["secret"].as_str().unwrap()).unwrap(),
            )
            .build()
            .unwrap();
        let code = app.generate(now).to_string();
        self.post(
            "/identity/mfa/setup/verify",
            Some(&session),
            json!({ "mfaToken": started["mfaToken"], "code": code }),
        )
        .await;
        app
    }

    /// One sign-in: the password step, then the app's code.
    async fn sign_in(&self, name: &str, app: &totp_rs::Totp, now: u64) {
        let pending = self
            .post(
                "/api/auth/login",
                None,
                json!({ "username": name, "password": "correct horse" }),
            )
            .await;
        let code = app.generate(now).to_string();
        let done = self
            .post(
                "/identity/mfa/login/verify",
                None,
                json!({ "mfaToken": pending["mfaToken"], "code": code }),
            )
            .await;
        assert!(done["token"].is_string());
    }
}

fn report(label: &str, n: usize, wall: Duration) {
    println!(
        "{label}: {n} sign-ins in {:.2} s = {:.0} sign-ins/s ({:.0} µs each)",
        wall.as_secs_f64(),
        n as f64 / wall.as_secs_f64(),
        wall.as_secs_f64() * 1e6 / n as f64
    );
}

#[tokio::main]
async fn main() {
    let db = std::env::temp_dir().join(format!("mfa-loadgen-{}.sqlite", std::process::id()));
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&db).unwrap());
    let clock = ManualClock::new(T0);
    let state = AppState::new(ServerKey::new(1, &[0x42; 32]).unwrap(), store)
        .unwrap()
        .with_clock(Arc::new(clock.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(mfa_server::serve(
        listener,
        state.clone(),
        std::future::pending(),
    ));
    let client = Arc::new(Client {
        http: reqwest::Client::new(),
        base,
    });

    println!("enrolling {USERS} users …");
    let mut apps = Vec::with_capacity(USERS);
    for i in 0..USERS {
        apps.push(client.enrol(&format!("user{i}"), clock.now()).await);
    }
    // Every sign-in below uses the next time step: each user signs in once.
    clock.advance(30);
    let now = clock.now();
    let apps = Arc::new(apps);

    let (lib0, db0) = (state.timings.library(), state.store.time_spent());
    let started = Instant::now();
    for (i, app) in apps.iter().enumerate().take(SEQUENTIAL) {
        client.sign_in(&format!("user{i}"), app, now).await;
    }
    let wall = started.elapsed();
    let (lib1, db1) = (state.timings.library(), state.store.time_spent());
    report("1 client ", SEQUENTIAL, wall);
    let per = |d: Duration| d.as_secs_f64() * 1e6 / SEQUENTIAL as f64;
    let (lib, sql) = (per(lib1 - lib0), per(db1 - db0));
    let total = wall.as_secs_f64() * 1e6 / SEQUENTIAL as f64;
    println!(
        "  per sign-in: mfa-core {lib:.0} µs ({:.1}%), SQLite {sql:.0} µs ({:.1}%), \
         the rest (HTTP, JSON bodies, password stub, the client) {:.0} µs ({:.1}%)",
        100.0 * lib / total,
        100.0 * sql / total,
        total - lib - sql,
        100.0 * (total - lib - sql) / total
    );

    let remaining: Vec<usize> = (SEQUENTIAL..USERS).collect();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for chunk in remaining.chunks(remaining.len().div_ceil(CLIENTS)) {
        let (client, apps, chunk) = (Arc::clone(&client), Arc::clone(&apps), chunk.to_vec());
        tasks.push(tokio::spawn(async move {
            for i in chunk {
                client.sign_in(&format!("user{i}"), &apps[i], now).await;
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    report(
        &format!("{CLIENTS} clients"),
        remaining.len(),
        started.elapsed(),
    );
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}
