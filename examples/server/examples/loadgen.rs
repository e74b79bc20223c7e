//! The load generator behind the load table in the server's README:
//!
//! ```text
//! cargo build --release -p mfa-server
//! MFA_LOADGEN_POSTGRES=postgres://user@host/db \
//!   cargo run --release -p mfa-server --example loadgen
//! ```
//!
//! Each scenario starts servers on a fresh database, enrols `USERS` users with an
//! authenticator (not timed), then signs each in once: the password step, then the
//! app's code (two HTTP requests). First `SEQUENTIAL` sign-ins one at a time, for
//! where the time goes (mfa-core, the database, Argon2id, and the rest: HTTP, JSON,
//! the client, scheduling); then the others from `CLIENTS` clients at once, for
//! throughput. Scenarios: SQLite, and, when `MFA_LOADGEN_POSTGRES` names a database
//! (its `public` schema is emptied), PostgreSQL with one server process and with two
//! (`target/release/mfa-server`, half the clients each); each durable, and once with
//! commits that do not wait for the disk, to show what durability costs. The client
//! shares the machine with the servers.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use mfa_core::ServerKey;
use mfa_server::password::Cost;
use mfa_server::store::Durability;
use mfa_server::{AppState, PostgresStore, SqliteStore, Store};
use serde_json::{Value, json};

const USERS: usize = 600;
const SEQUENTIAL: usize = 100;
const CLIENTS: usize = 16;
const KEY_HEX: &str = "4242424242424242424242424242424242424242424242424242424242424242";

struct Client {
    http: reqwest::Client,
}

impl Client {
    /// POSTs as the user at `address` (each simulated user has its own, as real
    /// users do: the per-address limits are not what this measures).
    async fn post_from(
        &self,
        address: &str,
        base: &str,
        path: &str,
        session: Option<&str>,
        body: Value,
    ) -> Value {
        let mut request = self
            .http
            .post(format!("{base}{path}"))
            .header("x-forwarded-for", address)
            .json(&body);
        if let Some(token) = session {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{path}: {status} {body}");
        body
    }

    /// Registers `name` and enrols an authenticator: the app.
    async fn enrol(&self, base: &str, name: &str) -> totp_rs::Totp {
        let credentials = json!({ "username": name, "password": "correct horse" });
        self.post_from(
            &address(name),
            base,
            "/api/auth/register",
            None,
            credentials.clone(),
        )
        .await;
        let session = self
            .post_from(&address(name), base, "/api/auth/login", None, credentials)
            .await["token"]
            .as_str()
            .unwrap()
            .to_owned();
        let started = self
            .post_from(
                &address(name),
                base,
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
        let code = app.generate(now()).to_string();
        self.post_from(
            &address(name),
            base,
            "/identity/mfa/setup/verify",
            Some(&session),
            json!({ "mfaToken": started["mfaToken"], "code": code }),
        )
        .await;
        app
    }

    /// One sign-in: the password step, then the app's code for the next time step
    /// (which the skew window accepts, and which the enrolment did not use).
    async fn sign_in(&self, base: &str, name: &str, app: &totp_rs::Totp) {
        let pending = self
            .post_from(
                &address(name),
                base,
                "/api/auth/login",
                None,
                json!({ "username": name, "password": "correct horse" }),
            )
            .await;
        let code = app.generate(now() + 30).to_string();
        let done = self
            .post_from(
                &address(name),
                base,
                "/identity/mfa/login/verify",
                None,
                json!({ "mfaToken": pending["mfaToken"], "code": code }),
            )
            .await;
        assert!(done["token"].is_string());
    }
}

/// A user's own address, from its name (`user513` → `10.0.2.1`).
fn address(name: &str) -> String {
    let n: u32 = name.trim_start_matches("user").parse().unwrap_or(0);
    format!("10.{}.{}.{}", n >> 16 & 255, n >> 8 & 255, n & 255)
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Where a scenario's servers run.
enum Servers {
    /// In this process: the time split is measured.
    InProcess(Box<AppState>),
    /// Separate `mfa-server` processes, killed at the end.
    Processes(Vec<Child>),
}

impl Drop for Servers {
    fn drop(&mut self) {
        if let Servers::Processes(children) = self {
            for child in children {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

struct Scenario {
    label: String,
    cost: Cost,
    bases: Vec<String>,
    servers: Servers,
}

struct Row {
    label: String,
    sequential: f64,
    concurrent: f64,
    split: Option<[f64; 4]>,
}

async fn in_process(label: &str, store: Arc<dyn Store>, cost: Cost) -> Scenario {
    let state = AppState::new(ServerKey::new(1, &[0x42; 32]).unwrap(), store)
        .unwrap()
        .with_password_cost(cost)
        .unwrap()
        .with_client_ip_header(Some("x-forwarded-for".parse().unwrap()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(mfa_server::serve(
        listener,
        state.clone(),
        std::future::pending(),
    ));
    Scenario {
        label: label.to_owned(),
        cost,
        bases: vec![base],
        servers: Servers::InProcess(Box::new(state)),
    }
}

async fn processes(label: &str, url: &str, count: usize, cost: Cost) -> Scenario {
    let binary = std::env::current_exe()
        .unwrap()
        .parent()
        .and_then(|examples| examples.parent())
        .map(|release| release.join("mfa-server"))
        .filter(|path| path.exists())
        .expect("build the server first: cargo build --release -p mfa-server");
    let mut children = Vec::new();
    let mut bases = Vec::new();
    for _ in 0..count {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        children.push(
            Command::new(&binary)
                .env("MFA_ADDR", format!("127.0.0.1:{port}"))
                .env("MFA_DATABASE_URL", url)
                .env("MFA_DATABASE_POOL", "16")
                .env("MFA_SERVER_KEYS", format!("1:{KEY_HEX}"))
                .env("MFA_ARGON2", cost.to_string())
                .env("MFA_OUTBOX", "off")
                .env("MFA_CLIENT_IP_HEADER", "x-forwarded-for")
                .env("MFA_LOG", "warn")
                .stdout(Stdio::null())
                .spawn()
                .unwrap(),
        );
        bases.push(format!("http://127.0.0.1:{port}"));
    }
    let http = reqwest::Client::new();
    for base in &bases {
        let mut up = false;
        for _ in 0..200 {
            let answer = http.get(format!("{base}/identity/mfa/status")).send().await;
            if answer.is_ok_and(|r| r.status() == 401) {
                up = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(up, "{base} did not start");
    }
    Scenario {
        label: label.to_owned(),
        cost,
        bases,
        servers: Servers::Processes(children),
    }
}

async fn run(scenario: Scenario) -> Row {
    let client = Arc::new(Client {
        http: reqwest::Client::new(),
    });
    let bases = Arc::new(scenario.bases.clone());
    println!("{}: enrolling {USERS} users …", scenario.label);
    let mut apps = Vec::with_capacity(USERS);
    // CLIENTS at a time, as the sign-ins below.
    for chunk in (0..USERS).collect::<Vec<_>>().chunks(CLIENTS) {
        let mut tasks = Vec::new();
        for &i in chunk {
            let (client, bases) = (Arc::clone(&client), Arc::clone(&bases));
            tasks.push(tokio::spawn(async move {
                client
                    .enrol(&bases[i % bases.len()], &format!("user{i}"))
                    .await
            }));
        }
        for task in tasks {
            apps.push(task.await.unwrap());
        }
    }
    let apps = Arc::new(apps);

    let measured = match &scenario.servers {
        Servers::InProcess(state) => Some((
            state.timings.library(),
            state.store.time_spent(),
            state.timings.password(),
        )),
        Servers::Processes(_) => None,
    };
    let started = Instant::now();
    for (i, app) in apps.iter().enumerate().take(SEQUENTIAL) {
        client
            .sign_in(&bases[i % bases.len()], &format!("user{i}"), app)
            .await;
    }
    let wall = started.elapsed();
    let split = match (&scenario.servers, measured) {
        (Servers::InProcess(state), Some((lib0, db0, pw0))) => {
            let per = |d: Duration| d.as_secs_f64() * 1e6 / SEQUENTIAL as f64;
            let total = wall.as_secs_f64() * 1e6 / SEQUENTIAL as f64;
            let lib = per(state.timings.library() - lib0);
            let db = per(state.store.time_spent() - db0);
            let pw = per(state.timings.password() - pw0);
            Some([lib, db, pw, total - lib - db - pw])
        }
        _ => None,
    };
    let sequential = SEQUENTIAL as f64 / wall.as_secs_f64();

    let remaining: Vec<usize> = (SEQUENTIAL..USERS).collect();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (c, chunk) in remaining
        .chunks(remaining.len().div_ceil(CLIENTS))
        .enumerate()
    {
        let (client, apps, bases, chunk) = (
            Arc::clone(&client),
            Arc::clone(&apps),
            Arc::clone(&bases),
            chunk.to_vec(),
        );
        tasks.push(tokio::spawn(async move {
            let base = &bases[c % bases.len()];
            for i in chunk {
                client.sign_in(base, &format!("user{i}"), &apps[i]).await;
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let concurrent = remaining.len() as f64 / started.elapsed().as_secs_f64();
    println!(
        "  {:.0} sign-ins/s one at a time, {concurrent:.0} with {CLIENTS} clients (Argon2id {})",
        sequential, scenario.cost
    );
    Row {
        label: scenario.label,
        sequential,
        concurrent,
        split,
    }
}

fn fresh_sqlite(name: &str) -> PathBuf {
    let path =
        std::env::temp_dir().join(format!("mfa-loadgen-{name}-{}.sqlite", std::process::id()));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    path
}

async fn fresh_postgres(url: &str) {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("MFA_LOADGEN_POSTGRES answers");
    tokio::spawn(connection);
    client
        .batch_execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        .await
        .unwrap();
}

#[tokio::main]
async fn main() {
    let recommended = Cost::RECOMMENDED;
    let cheapest = Cost::TESTS_ONLY;
    let mut rows = Vec::new();
    for (label, durability, cost) in [
        ("SQLite, durable", Durability::Durable, recommended),
        (
            "SQLite, durable, cheapest Argon2id",
            Durability::Durable,
            cheapest,
        ),
        (
            "SQLite, not durable, cheapest Argon2id",
            Durability::LossyForMeasurement,
            cheapest,
        ),
    ] {
        let path = fresh_sqlite("run");
        let store = Arc::new(SqliteStore::open_with(&path, durability).unwrap());
        rows.push(run(in_process(label, store, cost).await).await);
    }
    if let Ok(url) = std::env::var("MFA_LOADGEN_POSTGRES") {
        for (label, durability, cost) in [
            (
                "PostgreSQL, 1 process, durable",
                Durability::Durable,
                recommended,
            ),
            (
                "PostgreSQL, 1 process, durable, cheapest Argon2id",
                Durability::Durable,
                cheapest,
            ),
            (
                "PostgreSQL, 1 process, not durable, cheapest Argon2id",
                Durability::LossyForMeasurement,
                cheapest,
            ),
        ] {
            fresh_postgres(&url).await;
            let store = Arc::new(
                PostgresStore::connect_with(&url, 16, durability)
                    .await
                    .unwrap(),
            );
            rows.push(run(in_process(label, store, cost).await).await);
        }
        for (label, cost) in [
            ("PostgreSQL, 2 processes, durable", recommended),
            (
                "PostgreSQL, 2 processes, durable, cheapest Argon2id",
                cheapest,
            ),
        ] {
            fresh_postgres(&url).await;
            rows.push(run(processes(label, &url, 2, cost).await).await);
        }
    } else {
        println!("(set MFA_LOADGEN_POSTGRES to a database URL for the PostgreSQL rows)");
    }

    println!(
        "\n| scenario | sign-ins/s, 1 client | sign-ins/s, {CLIENTS} clients | per sign-in, 1 client: mfa-core / database / Argon2id / the rest |"
    );
    println!("|---|---:|---:|---|");
    for row in rows {
        let split = row.split.map_or_else(
            || "(separate processes: not measured)".to_owned(),
            |[lib, db, pw, rest]| {
                let total = lib + db + pw + rest;
                let pct = |x: f64| 100.0 * x / total;
                format!(
                    "{lib:.0} µs ({:.0}%) / {db:.0} µs ({:.0}%) / {pw:.0} µs ({:.0}%) / {rest:.0} µs ({:.0}%)",
                    pct(lib),
                    pct(db),
                    pct(pw),
                    pct(rest)
                )
            },
        );
        println!(
            "| {} | {:.0} | {:.0} | {split} |",
            row.label, row.sequential, row.concurrent
        );
    }
}
