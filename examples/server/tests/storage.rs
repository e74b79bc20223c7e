//! What the database holds and how it is written: files readable by the server's
//! user only, no live code anywhere in it, commits on stable storage before an
//! answer, migrations applied once and a schema from elsewhere refused, and a
//! limit on codes per destination that throwaway accounts share.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use mfa_server::limits::SENDS_PER_DESTINATION;
use mfa_server::{ManualClock, Outbox, SqliteStore, Store as _};
use serde_json::json;
use support::{Place, T0, TestServer, temp_db};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commits_are_durable_before_the_answer() {
    let server = TestServer::start(&temp_db("durable").await, ManualClock::new(T0)).await;
    let how = server.state.store.check_durability().await.unwrap();
    assert!(
        how.contains("synchronous=2") || how.contains("synchronous_commit=on"),
        "{how}"
    );
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_and_outbox_files_are_readable_by_this_user_only() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = std::env::temp_dir().join(format!("mfa-server-modes-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let store = SqliteStore::open(&dir.join("db.sqlite")).unwrap();
    store.create_user("ann", "$argon2id$x", T0).await.unwrap();
    let outbox = Outbox::with_file(&dir.join("outbox.jsonl")).unwrap();
    drop(outbox);
    for file in [
        "db.sqlite",
        "db.sqlite-wal",
        "db.sqlite-shm",
        "outbox.jsonl",
    ] {
        let mode = std::fs::metadata(dir.join(file))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{file}: {mode:o}");
    }
    drop(store);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_live_code_is_kept_in_the_database() {
    let db = temp_db("no-codes").await;
    let server = TestServer::start(&db, ManualClock::new(T0)).await;
    let session = server.register_and_sign_in("ann").await;
    let (status, body) = server
        .post(
            "/identity/mfa/setup",
            Some(&session),
            json!({ "method": "email", "email": "ann@example.com" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let code = server.last_code_to("ann@example.com");
    let user = server.user("ann").await;
    assert!(!server.stored(user).await.contains(&code));
    if let Place::Sqlite(path) = &db.place {
        // Every text in every table: no outbox table, no code anywhere.
        let conn = rusqlite::Connection::open(path).unwrap();
        let tables: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(!tables.iter().any(|t| t.contains("outbox")), "{tables:?}");
        for table in tables {
            let mut statement = conn.prepare(&format!("SELECT * FROM {table}")).unwrap();
            let columns = statement.column_count();
            let mut rows = statement.query([]).unwrap();
            while let Some(row) = rows.next().unwrap() {
                for i in 0..columns {
                    if let Ok(text) = row.get::<_, String>(i) {
                        assert!(
                            !text.contains(&format!("\"{code}\"")) && text != code,
                            "{table}: {text}"
                        );
                    }
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throwaway_accounts_share_one_limit_per_destination() {
    let server = TestServer::start(&temp_db("destination").await, ManualClock::new(T0)).await;
    let phone = "+14155550134";
    let mut limited = 0;
    for n in 0..3 {
        let session = server.register_and_sign_in(&format!("throwaway{n}")).await;
        for _ in 0..12 {
            let (status, body) = server
                .post(
                    "/identity/mfa/setup",
                    Some(&session),
                    json!({ "method": "sms", "phone": phone }),
                )
                .await;
            if status == 429
                && body["message"]
                    .as_str()
                    .unwrap()
                    .contains("address or number")
            {
                assert_eq!(body["details"], "too_many_codes_sent");
                limited += 1;
            }
            server.clock.advance(61);
        }
    }
    assert_eq!(
        server.messages_to(phone),
        SENDS_PER_DESTINATION.max as usize
    );
    assert!(limited > 0, "the destination's limit answered");
    // Another number is not affected.
    let session = server.register_and_sign_in("someone").await;
    let (status, body) = server
        .post(
            "/identity/mfa/setup",
            Some(&session),
            json!({ "method": "sms", "phone": "+14155550199" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // An hour after the window opened, the number can be sent to again.
    server.clock.advance(SENDS_PER_DESTINATION.window);
    let (status, body) = server
        .post(
            "/identity/mfa/setup",
            Some(&session),
            json!({ "method": "sms", "phone": phone }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_apply_once_and_a_foreign_or_newer_schema_is_refused() {
    let db = temp_db("migrations").await;
    let store = db.store().await;
    store.create_user("ann", "$argon2id$x", T0).await.unwrap();
    drop(store);
    // Opened again: nothing reapplied, the user still there.
    let store = db.store().await;
    assert!(store.credentials("ann").await.unwrap().is_some());
    drop(store);
    let Place::Sqlite(path) = &db.place else {
        return;
    };
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', 0)",
        [],
    )
    .unwrap();
    drop(conn);
    let refused = SqliteStore::open(path).err().unwrap().to_string();
    assert!(refused.contains("migration 99"), "{refused}");

    let legacy = path.with_extension("legacy.sqlite");
    let _ = std::fs::remove_file(&legacy);
    rusqlite::Connection::open(&legacy)
        .unwrap()
        .execute_batch("CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT, salt BLOB, password_hash BLOB)")
        .unwrap();
    let refused = SqliteStore::open(&legacy).err().unwrap().to_string();
    assert!(refused.contains("before schema migrations"), "{refused}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sweep_deletes_ended_sessions_and_finished_windows_only() {
    let db = temp_db("sweep").await;
    let store = db.store().await;
    let user = store
        .create_user("ann", "$argon2id$x", T0)
        .await
        .unwrap()
        .unwrap();
    let (idle, lifetime) = (600, 3600);
    store.create_session("old", user, T0, &[]).await.unwrap();
    store
        .create_session("idle", user, T0 + 3000, &[])
        .await
        .unwrap();
    store
        .create_session("live", user, T0 + 3000, &[])
        .await
        .unwrap();
    store.touch_session("live", T0 + 3500).await.unwrap();
    store
        .hit(&[("done", 60), ("open", 3600)], T0 + 3000)
        .await
        .unwrap();
    store.sweep(T0 + 3700, idle, lifetime).await.unwrap();
    assert_eq!(
        store.session("old").await.unwrap(),
        None,
        "past its lifetime"
    );
    assert_eq!(store.session("idle").await.unwrap(), None, "idle too long");
    assert!(store.session("live").await.unwrap().is_some());
    // An open window survives the sweep and keeps counting.
    let counts = store.hit(&[("open", 3600)], T0 + 3700).await.unwrap();
    assert_eq!(counts[0].count, 2);
    if let Place::Sqlite(path) = &db.place {
        let conn = rusqlite::Connection::open(path).unwrap();
        let done: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM rate_limits WHERE bucket = 'done'",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(done, 0, "a finished window is deleted");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_cannot_mint_throwaway_accounts_by_the_thousand() {
    use mfa_server::limits::REGISTRATIONS_PER_ADDRESS;
    let server = TestServer::start(&temp_db("registrations").await, ManualClock::new(T0)).await;
    let register = |n: u32| {
        let credentials =
            json!({ "username": format!("throwaway{n}"), "password": "correct horse" });
        server.post("/api/auth/register", None, credentials)
    };
    for n in 0..REGISTRATIONS_PER_ADDRESS.max {
        assert_eq!(register(n).await.0, 201);
    }
    let (status, body) = register(999).await;
    assert_eq!(
        (status, body["details"].as_str()),
        (429, Some("too_many_attempts")),
        "{body}"
    );
    server.clock.advance(REGISTRATIONS_PER_ADDRESS.window);
    assert_eq!(register(999).await.0, 201);
}
