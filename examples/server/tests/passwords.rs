//! The password step as an attacker meets it: Argon2id hashes, the same work for
//! an unknown name as for a wrong password, and a budget of attempts per account
//! and per client address that racing requests cannot overrun.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use mfa_server::limits::{PASSWORD_PER_ACCOUNT, PASSWORD_PER_ADDRESS};
use mfa_server::password::Cost;
use mfa_server::{AppState, ManualClock};
use serde_json::{Value, json};
use support::{T0, TestServer, server_key, temp_db};

async fn login(server: &TestServer, username: &str, password: &str) -> (u16, Value) {
    server
        .post(
            "/api/auth/login",
            None,
            json!({ "username": username, "password": password }),
        )
        .await
}

async fn register(server: &TestServer, username: &str) {
    let credentials = json!({ "username": username, "password": "correct horse" });
    let (status, body) = server.post("/api/auth/register", None, credentials).await;
    assert_eq!(status, 201, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passwords_are_stored_as_argon2id_hashes() {
    let server = TestServer::start(&temp_db("argon2id").await, ManualClock::new(T0)).await;
    register(&server, "ann").await;
    let stored = server
        .state
        .store
        .credentials("ann")
        .await
        .unwrap()
        .unwrap()
        .password_hash;
    assert!(
        stored.starts_with("$argon2id$v=19$m=8,t=1,p=1$"),
        "{stored}"
    );
    assert!(!stored.contains("correct horse"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_ten_wrong_passwords_even_the_right_one_waits_for_the_window() {
    let server = TestServer::start(&temp_db("password-limit").await, ManualClock::new(T0)).await;
    register(&server, "ann").await;
    for _ in 0..PASSWORD_PER_ACCOUNT.max {
        let (status, body) = login(&server, "ann", "wrong horse").await;
        assert_eq!(
            (status, body["details"].as_str()),
            (401, Some("invalid_credentials"))
        );
    }
    // 300 guesses would have found it before; now the budget is spent.
    let (status, body) = login(&server, "ann", "correct horse").await;
    assert_eq!(
        (status, body["details"].as_str()),
        (429, Some("too_many_attempts")),
        "{body}"
    );
    let (status, _) = login(&server, "ANN", "correct horse").await;
    assert_eq!(status, 429, "the same account under another case");

    server.clock.advance(PASSWORD_PER_ACCOUNT.window);
    let (status, body) = login(&server, "ann", "correct horse").await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_right_password_forgets_the_accounts_failures() {
    let server = TestServer::start(&temp_db("password-forget").await, ManualClock::new(T0)).await;
    register(&server, "ann").await;
    for _ in 0..2 {
        for _ in 1..PASSWORD_PER_ACCOUNT.max {
            assert_eq!(login(&server, "ann", "wrong horse").await.0, 401);
        }
        assert_eq!(login(&server, "ann", "correct horse").await.0, 200);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_name_is_counted_and_answered_like_a_known_one() {
    let server = TestServer::start(&temp_db("password-unknown").await, ManualClock::new(T0)).await;
    register(&server, "ann").await;
    let (known, unknown) = (
        login(&server, "ann", "wrong").await,
        login(&server, "nobody", "wrong").await,
    );
    assert_eq!(known.0, unknown.0);
    assert_eq!(
        known.1, unknown.1,
        "the same body: nothing tells the names apart"
    );
    for _ in 1..PASSWORD_PER_ACCOUNT.max {
        assert_eq!(login(&server, "nobody", "wrong").await.0, 401);
    }
    assert_eq!(login(&server, "nobody", "wrong").await.0, 429);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_cannot_spread_its_guesses_over_many_names() {
    let server = TestServer::start(&temp_db("password-address").await, ManualClock::new(T0)).await;
    register(&server, "ann").await;
    for n in 0..PASSWORD_PER_ADDRESS.max {
        assert_eq!(login(&server, &format!("guess{n}"), "wrong").await.0, 401);
    }
    let (status, body) = login(&server, "ann", "correct horse").await;
    assert_eq!(
        (status, body["details"].as_str()),
        (429, Some("too_many_attempts")),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_trusted_proxy_each_forwarded_address_has_its_own_budget() {
    let db = temp_db("password-proxy").await;
    let state = AppState::new(server_key(), db.store().await)
        .unwrap()
        .with_password_cost(Cost::TESTS_ONLY)
        .unwrap()
        .with_client_ip_header(Some("x-forwarded-for".parse().unwrap()));
    let server = TestServer::serve(state, ManualClock::new(T0), Arc::clone(&db.outbox)).await;
    let guess = |from: &'static str, n: u32| {
        server
            .client
            .post(format!("{}/api/auth/login", server.base))
            // The proxy appends the address it saw; what the client wrote before it
            // is not trusted.
            .header("x-forwarded-for", format!("203.0.113.99, {from}"))
            .json(&json!({ "username": format!("guess{n}"), "password": "wrong" }))
            .send()
    };
    for n in 0..PASSWORD_PER_ADDRESS.max {
        assert_eq!(guess("198.51.100.1", n).await.unwrap().status(), 401);
    }
    assert_eq!(guess("198.51.100.1", 999).await.unwrap().status(), 429);
    assert_eq!(guess("198.51.100.2", 999).await.unwrap().status(), 401);
    let missing = server
        .client
        .post(format!("{}/api/auth/login", server.base))
        .json(&json!({ "username": "ann", "password": "wrong" }))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 400, "no address, no attempt");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_wrong_guesses_never_get_past_the_accounts_budget() {
    let server =
        Arc::new(TestServer::start(&temp_db("password-race").await, ManualClock::new(T0)).await);
    register(&server, "ann").await;
    let mut racers = Vec::new();
    for n in 0..30 {
        let server = Arc::clone(&server);
        racers.push(tokio::spawn(async move {
            login(&server, "ann", &format!("guess {n}")).await.0
        }));
    }
    let mut statuses = Vec::new();
    for racer in racers {
        statuses.push(racer.await.unwrap());
    }
    let checked = statuses.iter().filter(|&&s| s == 401).count();
    let refused = statuses.iter().filter(|&&s| s == 429).count();
    assert_eq!(checked + refused, 30, "{statuses:?}");
    assert!(checked <= PASSWORD_PER_ACCOUNT.max as usize, "{statuses:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hash_under_old_parameters_is_replaced_at_the_next_sign_in() {
    let db = temp_db("password-rehash").await;
    let clock = ManualClock::new(T0);
    let old = TestServer::start(&db, clock.clone()).await;
    register(&old, "ann").await;
    old.stop().await;
    let cost = Cost::parse("m=64,t=1,p=1").unwrap();
    let state = AppState::new(server_key(), db.store().await)
        .unwrap()
        .with_password_cost(cost)
        .unwrap();
    let server = TestServer::serve(state, clock, Arc::clone(&db.outbox)).await;
    assert_eq!(login(&server, "ann", "correct horse").await.0, 200);
    let stored = server
        .state
        .store
        .credentials("ann")
        .await
        .unwrap()
        .unwrap();
    assert!(
        stored
            .password_hash
            .starts_with("$argon2id$v=19$m=64,t=1,p=1$"),
        "{}",
        stored.password_hash
    );
    assert_eq!(login(&server, "ann", "correct horse").await.0, 200);
}

/// The median of `samples`.
fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort_unstable();
    samples[samples.len() / 2]
}

/// At the recommended cost, a wrong password for a real user and any password for
/// a name that does not exist take the same time: both compute one Argon2id hash.
/// Before, an unknown name answered without one, so names could be enumerated.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_name_takes_as_long_as_a_wrong_password() {
    let db = temp_db("password-timing").await;
    let state = AppState::new(server_key(), db.store().await).unwrap();
    let server = TestServer::serve(state, ManualClock::new(T0), Arc::clone(&db.outbox)).await;
    register(&server, "ann").await;
    let timed = |name: &'static str| {
        let server = &server;
        async move {
            let started = Instant::now();
            let (status, _) = login(server, name, "wrong horse").await;
            assert_eq!(status, 401);
            started.elapsed()
        }
    };
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    for round in 0..21 {
        // A new window each round: the account's budget never runs out here.
        server.clock.advance(PASSWORD_PER_ACCOUNT.window);
        if round % 2 == 0 {
            known.push(timed("ann").await);
            unknown.push(timed("nobody").await);
        } else {
            unknown.push(timed("nobody").await);
            known.push(timed("ann").await);
        }
    }
    let (known, unknown) = (median(known), median(unknown));
    println!("median wrong password: known user {known:?}, unknown user {unknown:?}");
    let (k, u) = (known.as_secs_f64(), unknown.as_secs_f64());
    assert!(
        (k - u).abs() <= 0.25 * k.max(u),
        "known {known:?} and unknown {unknown:?} differ by more than a quarter"
    );
}
