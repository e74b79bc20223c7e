//! Several servers, one database: two `mfa-server` processes on one PostgreSQL
//! database. 32 racing clients send the same valid code, half to each: exactly
//! one signs in. Wrong codes sent to both count toward one lockout. The record
//! stays consistent. Runs when `MFA_TEST_POSTGRES_URL` names a PostgreSQL server
//! (`.ci/run` starts one); says SKIP otherwise.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mfa_core::account::Account;
use mfa_core::account::StoredAccount;
use serde_json::{Value, json};
use support::{POSTGRES_VAR, Phone, TestDb, temp_db};
use tokio::sync::Barrier;

const KEYS: &str = "1:5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e";
/// Lock out at the fourth consecutive wrong code, for an hour.
const THROTTLE: &str = "free_failures=3,lockout_after=4,lockout=3600";

/// A server process, killed when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    async fn spawn(db: &TestDb, name: &str) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = std::fs::File::create(
            std::env::temp_dir().join(format!("mfa-fleet-{name}-{}.log", std::process::id())),
        )
        .unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_mfa-server"))
            .env("MFA_ADDR", format!("127.0.0.1:{port}"))
            .env("MFA_DATABASE_URL", db.url())
            .env("MFA_SERVER_KEYS", KEYS)
            .env("MFA_ARGON2", "m=8,t=1,p=1")
            .env("MFA_THROTTLE", THROTTLE)
            .env("MFA_OUTBOX", "off")
            .env("MFA_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let client = reqwest::Client::new();
        for _ in 0..600 {
            let up = client
                .get(format!("{}/identity/mfa/status", server.base))
                .send()
                .await;
            if up.is_ok_and(|r| r.status() == 401) {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{name} did not start");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn post(base: &str, path: &str, session: Option<&str>, body: Value) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .json(&body);
    if let Some(token) = session {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Registers `name` on one server, enrols an authenticator through the other.
async fn enrolled(a: &Server, b: &Server, name: &str) -> Phone {
    let credentials = json!({ "username": name, "password": "correct horse" });
    assert_eq!(
        post(&a.base, "/api/auth/register", None, credentials.clone())
            .await
            .0,
        201
    );
    let (_, signed_in) = post(&b.base, "/api/auth/login", None, credentials).await;
    let session = signed_in["token"].as_str().unwrap().to_owned();
    let (status, started) = post(
        &a.base,
        "/identity/mfa/setup",
        Some(&session),
        json!({ "method": "authenticator" }),
    )
    .await;
    assert_eq!(status, 200, "{started}");
    let phone = Phone::scan(started["secret"].as_str().unwrap());
    let code = phone.code(now());
    let (status, body) = post(
        &b.base,
        "/identity/mfa/setup/verify",
        Some(&session),
        json!({ "mfaToken": started["mfaToken"], "code": code }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    phone
}

/// The password step on `server`: the sign-in's token.
async fn login_token(server: &Server, name: &str) -> Value {
    let credentials = json!({ "username": name, "password": "correct horse" });
    let (status, body) = post(&server.base, "/api/auth/login", None, credentials).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("pending_mfa")),
        "{body}"
    );
    body["mfaToken"].clone()
}

/// Sends `code` for `token` from `clients` clients at once, alternating servers.
async fn race(servers: &[Arc<Server>; 2], token: &Value, codes: Vec<String>) -> Vec<(u16, Value)> {
    let barrier = Arc::new(Barrier::new(codes.len()));
    let mut racers = Vec::new();
    for (n, code) in codes.into_iter().enumerate() {
        let (server, barrier, token) = (
            Arc::clone(&servers[n % 2]),
            Arc::clone(&barrier),
            token.clone(),
        );
        racers.push(tokio::spawn(async move {
            barrier.wait().await;
            post(
                &server.base,
                "/identity/mfa/login/verify",
                None,
                json!({ "mfaToken": token, "code": code }),
            )
            .await
        }));
    }
    let mut answers = Vec::new();
    for racer in racers {
        answers.push(racer.await.unwrap());
    }
    answers
}

/// `name`'s record as stored, decoded strictly, and the challenge index.
async fn stored(db: &TestDb, name: &str) -> Account {
    let store = db.store().await;
    let user = store.credentials(name).await.unwrap().unwrap().user;
    let json = store.load_state(user).await.unwrap().unwrap();
    let account = Account::try_from(serde_json::from_str::<StoredAccount>(&json).unwrap()).unwrap();
    for key in account.challenge_keys() {
        assert_eq!(
            store.challenge_owner(&key).await.unwrap(),
            Some(user),
            "the index matches the record"
        );
    }
    account
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_database_accept_a_code_once_and_share_one_lockout() {
    if std::env::var(POSTGRES_VAR).is_err() {
        println!("SKIP: {POSTGRES_VAR} is not set, so the two-process test did not run");
        return;
    }
    let db = temp_db("fleet").await;
    let servers = [
        Arc::new(Server::spawn(&db, "a").await),
        Arc::new(Server::spawn(&db, "b").await),
    ];
    let [a, b] = [&servers[0], &servers[1]];

    // 32 clients, 16 per server, the same valid code (the next time step's, which
    // the skew window accepts): exactly one signs in.
    let phone = enrolled(a, b, "ann").await;
    let token = login_token(a, "ann").await;
    let code = phone.code(now() + 30);
    let answers = race(&servers, &token, vec![code; 32]).await;
    let won: Vec<_> = answers.iter().filter(|(s, _)| *s == 200).collect();
    assert_eq!(won.len(), 1, "{answers:?}");
    assert!(answers.iter().all(|(s, _)| *s < 500), "{answers:?}");
    let before = stored(&db, "ann").await;
    assert!(before.version() > 0);

    // Eight wrong codes, four to each server at once: one failure count, one
    // lockout at the fourth.
    let phone = enrolled(b, a, "bob").await;
    let token = login_token(b, "bob").await;
    let right = phone.code(now()).parse::<u32>().unwrap();
    let wrong: Vec<String> = (1..=8)
        .map(|d| format!("{:06}", (right + d) % 1_000_000))
        .collect();
    let answers = race(&servers, &token, wrong).await;
    assert!(
        answers.iter().all(|(s, _)| *s == 401 || *s == 429),
        "{answers:?}"
    );
    let refused = answers.iter().filter(|(s, _)| *s == 429).count();
    assert!(refused >= 4, "the lockout refused the rest: {answers:?}");
    let bob = stored(&db, "bob").await;
    assert_eq!(
        bob.failures(),
        4,
        "four failures counted across both servers"
    );
    let store = db.store().await;
    let user = store.credentials("bob").await.unwrap().unwrap().user;
    let lockouts = store
        .audit_trail(user)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.kind == "lockout_started")
        .count();
    assert_eq!(lockouts, 1);
    // Both servers now refuse even the right code, and a new sign-in.
    for server in [a, b] {
        let code = phone.code(now());
        let verify = json!({ "mfaToken": token, "code": code });
        let (status, body) = post(&server.base, "/identity/mfa/login/verify", None, verify).await;
        assert_eq!(
            (status, body["details"].as_str()),
            (429, Some("too_many_attempts")),
            "{body}"
        );
        let credentials = json!({ "username": "bob", "password": "correct horse" });
        let (status, body) = post(&server.base, "/api/auth/login", None, credentials).await;
        assert_eq!(
            (status, body["details"].as_str()),
            (429, Some("too_many_attempts")),
            "{body}"
        );
    }
}
